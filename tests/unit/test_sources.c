/* test_sources.c — the bookkeeping of sources.c: the "src:" record format
 * (what earlier indexes hold must stay readable), the table, how the
 * records of several shards are settled when they disagree, and how the
 * records of a new index's parts are merged when they are compacted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_int.h"
#include "layout.h"
#include "schema.h"

static src_rec rec(const char *path, char state, uint64_t gen)
{
    src_rec r = {.meta_key = strdup("src:k"), .path = strdup(path),
                 .mtime_ns = 1700000000123456789LL, .size = 4096,
                 .hash = 0x0123456789abcdefULL, .state = state,
                 .passages = 7, .articles = 2, .gen = gen};
    assert_non_null(r.meta_key);
    assert_non_null(r.path);
    return r;
}

static void rec_free(src_rec *r)
{
    free(r->meta_key);
    free(r->path);
}

static void test_format_is_stable(void **state)
{
    (void)state;
    src_rec r = rec("/data/a b.txt", 'D', 42);
    qr_buf b = {0};
    assert_int_equal(src_rec_format(&r, &b), 0);
    /* the layout on disk: indexes written before keep being read */
    assert_string_equal(b.data, "D 1700000000123456789 4096 0123456789abcdef "
                                "7 2 42\n/data/a b.txt");
    qr_buf_free(&b);
    rec_free(&r);
}

static void test_round_trip(void **state)
{
    (void)state;
    src_rec r = rec("/x/\xc3\xa9t\xc3\xa9.md", 'P', 99);
    r.mtime_ns = -1;     /* a partial record's time */
    qr_buf b = {0};
    assert_int_equal(src_rec_format(&r, &b), 0);
    src_rec p;
    assert_int_equal(src_rec_parse("src:key", b.data, &p), 0);
    assert_string_equal(p.meta_key, "src:key");
    assert_string_equal(p.path, r.path);
    assert_int_equal(p.state, 'P');
    assert_true(p.mtime_ns == -1);
    assert_true(p.size == r.size && p.hash == r.hash && p.gen == 99);
    assert_int_equal(p.passages, 7);
    assert_int_equal(p.articles, 2);
    assert_true(src_rec_agree(&r, &p));
    /* scanning reads the same numbers without copying */
    src_rec s;
    const char *path;
    assert_int_equal(src_rec_scan(b.data, &s, &path), 0);
    assert_string_equal(path, r.path);
    assert_null(s.path);
    assert_true(src_rec_agree(&s, &p));
    rec_free(&p);
    qr_buf_free(&b);
    rec_free(&r);
}

static void test_old_and_bad_records(void **state)
{
    (void)state;
    src_rec p;
    /* records written before gen existed read as gen 0 */
    assert_int_equal(src_rec_parse("k", "D 5 6 ff 1 1\n/a", &p), 0);
    assert_true(p.gen == 0 && p.hash == 0xff);
    rec_free(&p);
    static const char *const bad[] = {
        "D 5 6 ff 1 1",          /* no source key */
        "N 5 6 ff 1 1 0\n/a",    /* 'N' is never stored */
        "D 5 6\n/a",             /* too few fields */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path;
        assert_int_equal(src_rec_parse("k", bad[i], &p), -1);
        assert_int_equal(src_rec_scan(bad[i], &p, &path), -1);
    }
}

static void test_agree(void **state)
{
    (void)state;
    src_rec a = rec("/a", 'D', 1), b = rec("/a", 'D', 1);
    assert_true(src_rec_agree(&a, &b));
    b.passages = 3;      /* each shard counts its own passages */
    assert_true(src_rec_agree(&a, &b));
    b.gen = 2;           /* written by another run */
    assert_false(src_rec_agree(&a, &b));
    b.gen = 1;
    b.state = 'P';
    assert_false(src_rec_agree(&a, &b));
    rec_free(&a);
    rec_free(&b);
}

static void test_table(void **state)
{
    (void)state;
    src_table t = {0};
    assert_null(src_find(&t, "/none"));
    char path[32];
    /* past the first sizes of both arrays, so both grow */
    for (unsigned i = 0; i < 3000; i++) {
        snprintf(path, sizeof path, "/f/%u", i);
        src_rec r = rec(path, 'D', i);
        src_rec *in = src_add(&t, &r);
        assert_non_null(in);
        assert_string_equal(in->path, path);
    }
    assert_int_equal(t.n, 3000);
    for (unsigned i = 0; i < 3000; i++) {
        snprintf(path, sizeof path, "/f/%u", i);
        src_rec *r = src_find(&t, path);
        assert_non_null(r);
        assert_true(r->gen == i);
    }
    /* a path already there is not added again; the caller keeps its
     * strings */
    src_rec dup = rec("/f/7", 'P', 0);
    assert_true(src_add(&t, &dup) == src_find(&t, "/f/7"));
    assert_int_equal(t.n, 3000);
    assert_int_equal(src_find(&t, "/f/7")->state, 'D');
    rec_free(&dup);
    src_table_free(&t);
    assert_null(src_find(&t, "/f/7"));
}

/* ------------------------------------------------------------- loading */

static char root[64];

/* A database at root/name holding the records given (NULL-terminated
 * key, value pairs). */
static xc_db *make_db(const char *name, const char *const *kv)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", root, name);
    xc_db *db = NULL;
    assert_int_equal(xc_db_open(path, XC_DB_CREATE_OR_OPEN, 0, 0, &db, NULL),
                     XC_OK);
    for (size_t i = 0; kv[i]; i += 2)
        assert_int_equal(xc_db_set_metadata(db, kv[i], kv[i + 1],
                                            strlen(kv[i + 1])), XC_OK);
    assert_int_equal(xc_db_commit(db), XC_OK);
    return db;
}

static void test_load_shards(void **state)
{
    (void)state;
    strcpy(root, "/tmp/quarry-sources.XXXXXX");
    assert_non_null(mkdtemp(root));
    static const char *const s0[] = {
        "src:/same", "D 1 2 3 4 5 77\n/same",
        "src:/other-run", "D 1 2 3 4 5 77\n/other-run",
        "src:/only-in-0", "D 1 2 3 4 5 77\n/only-in-0",
        "src:/garbage", "not a record",
        NULL,
    };
    static const char *const s1[] = {
        "src:/same", "D 1 2 3 9 5 77\n/same",          /* own passages */
        "src:/other-run", "D 1 2 3 4 5 78\n/other-run",
        "src:/only-in-1", "D 1 2 3 4 5 77\n/only-in-1",
        NULL,
    };
    xc_db *d0 = make_db("s0", s0), *d1 = make_db("s1", s1);
    src_table t = {0};
    qr_buf err = {0};
    assert_int_equal(src_load(&t, d0, 0, &err), QR_OK);
    assert_int_equal(src_load(&t, d1, 1, &err), QR_OK);
    src_load_done(&t, 2);
    assert_int_equal(t.n, 4);      /* the unreadable record is left out */
    /* done only where every shard holds the same version from one run */
    assert_int_equal(src_find(&t, "/same")->state, 'D');
    assert_int_equal(src_find(&t, "/same")->passages, 4);  /* shard 0's */
    assert_int_equal(src_find(&t, "/other-run")->state, 'P');
    assert_int_equal(src_find(&t, "/only-in-0")->state, 'P');
    assert_int_equal(src_find(&t, "/only-in-1")->state, 'P');
    for (size_t i = 0; i < t.n; i++)
        assert_int_equal(t.recs[i].seen, 0);   /* free for the run */
    src_table_free(&t);
    qr_buf_free(&err);
    xc_db_close(d0);
    xc_db_close(d1);
    assert_int_equal(qr_remove_tree(root), 0);
}

/* Merging the parts' records: counts summed when they agree, 'P' (redo)
 * when they do not; other metadata keeps the first value. */
static void test_merge_parts(void **state)
{
    (void)state;
    src_rec a = rec("/data/a.txt", 'D', 9), b = rec("/data/a.txt", 'D', 9);
    a.passages = 3;
    a.articles = 1;
    b.passages = 0;
    b.articles = 0;
    qr_buf fa = {0}, fb = {0};
    assert_int_equal(src_rec_format(&a, &fa), 0);
    assert_int_equal(src_rec_format(&b, &fb), 0);
    const char *values[] = {fa.data, fb.data, fa.data};
    size_t lens[] = {fa.len, fb.len, fa.len};
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(src_merge_parts(NULL, "src:/data/a.txt", 3, values, lens,
                                     &out, &len), 0);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    src_rec m;
    const char *path;
    assert_int_equal(src_rec_scan(out, &m, &path), 0);
    assert_string_equal(path, "/data/a.txt");
    assert_int_equal(m.state, 'D');
    assert_int_equal(m.passages, 6);
    assert_int_equal(m.articles, 2);
    assert_int_equal(m.gen, 9);
    free(out);

    /* a part that has another version (another run's) of the source */
    b.gen = 10;
    assert_int_equal(src_rec_format(&b, &fb), 0);
    values[1] = fb.data;
    lens[1] = fb.len;
    assert_int_equal(src_merge_parts(NULL, "src:/data/a.txt", 2, values, lens,
                                     &out, &len), 0);
    assert_int_equal(src_rec_scan(out, &m, &path), 0);
    assert_int_equal(m.state, 'P');
    free(out);

    /* not a record: the first value stays */
    const char *langs[] = {"english", "english"};
    size_t llens[] = {7, 7};
    out = (char *)"untouched";
    assert_int_equal(src_merge_parts(NULL, QR_META_LANG, 2, langs, llens, &out,
                                     &len), 0);
    assert_null(out);
    qr_buf_free(&fa);
    qr_buf_free(&fb);
    rec_free(&a);
    rec_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_is_stable),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_old_and_bad_records),
        cmocka_unit_test(test_agree),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_load_shards),
        cmocka_unit_test(test_merge_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

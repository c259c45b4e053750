/* Unit tests: the indexer (index.h) and its checker (check.h) —
 * incremental bookkeeping, crash leftovers, vanished sources, stdin
 * articles, locks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "index.h"
#include "schema.h"
#include "xapian-c.h"

#if defined(__SANITIZE_ADDRESS__)
/* xapian-core 1.4.22's Database::check() deletes a GlassTableCheck through
 * a GlassTable pointer, wholly inside libxapian: ASan reports that as
 * new-delete-type-mismatch on every check (see test_xapian_c.c). This
 * binary turns off that one ASan check; every other stays on. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "new_delete_type_mismatch=0";
}
#endif

static char root[64], src[128], db[128];

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/quarry-index.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(src, sizeof src, "%s/src", root);
    snprintf(db, sizeof db, "%s/db", root);
    return mkdir(src, 0755);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", src, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* One indexing run over src; returns the summary counters. */
static qr_index_summary run_once(const char *const *paths, size_t n,
                                 qr_status expect)
{
    qr_index_opts o = {.db_path = db};
    qr_indexer *ix = NULL;
    qr_buf err = {0};
    assert_int_equal(qr_indexer_open(&o, &ix, &err), QR_OK);
    assert_int_equal(qr_indexer_run(ix, paths, n, &err), expect);
    qr_index_summary s = *qr_indexer_summary(ix);
    s.skips = NULL;   /* freed with ix */
    s.nskips = 0;
    qr_indexer_free(ix);
    qr_buf_free(&err);
    return s;
}

static uint32_t doccount(void)
{
    xc_db *d = NULL;
    assert_int_equal(xc_db_open(db, XC_DB_READONLY, 0, 0, &d, NULL), XC_OK);
    xc_db_stats st;
    assert_int_equal(xc_db_get_stats(d, &st), XC_OK);
    xc_db_close(d);
    return st.doccount;
}

static uint32_t termfreq(const char *term)
{
    xc_db *d = NULL;
    uint32_t tf = 0;
    assert_int_equal(xc_db_open(db, XC_DB_READONLY, 0, 0, &d, NULL), XC_OK);
    assert_int_equal(xc_db_termfreq(d, term, &tf), XC_OK);
    xc_db_close(d);
    return tf;
}

static const char *ONE =
    "Harbour news\n\nThe harbour master counted forty ships today.\n\n"
    "Fishing boats returned early because of the storm warning.\n";
static const char *TWO = "Mountain news\n\nClimbers reached the summit at dawn.\n";

static void test_incremental_cycle(void **state)
{
    (void)state;
    write_file("one.txt", ONE);
    write_file("two.txt", TWO);
    const char *paths[] = {src};
    qr_index_summary s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.added, 2);
    assert_int_equal(s.updated + s.deleted + s.unchanged + s.skipped, 0);
    uint32_t docs = doccount();
    assert_true(docs >= 2);
    assert_int_equal(termfreq("harbour") > 0, 1);

    /* nothing changed: nothing written */
    s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.unchanged, 2);
    assert_int_equal(s.added + s.updated + s.deleted + s.passages, 0);
    assert_int_equal(doccount(), docs);

    /* changed content replaces all of the source's passages */
    write_file("two.txt", "Valley news\n\nFarmers harvested apples in the valley.\n");
    s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.updated, 1);
    assert_int_equal(s.unchanged, 1);
    assert_int_equal(termfreq("summit"), 0);
    assert_true(termfreq("appl") > 0);       /* stemmed: apples -> appl */

    /* a vanished file is deleted */
    char p[256];
    snprintf(p, sizeof p, "%s/two.txt", src);
    unlink(p);
    s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.deleted, 1);
    assert_int_equal(termfreq("appl"), 0);
    assert_int_equal(doccount(), docs - 1);

    /* a file named directly that vanishes is not deleted by a run over
     * another path */
    const char *other[] = {p};
    write_file("two.txt", TWO);
    s = run_once(other, 1, QR_OK);
    assert_int_equal(s.added, 1);
    unlink(p);
    const char *one_only[] = {"/nonexistent-quarry-path"};
    s = run_once(one_only, 1, QR_OK);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(s.deleted, 0);
    assert_true(termfreq("summit") > 0);
}

static void test_partial_leftovers_are_redone(void **state)
{
    (void)state;
    write_file("one.txt", ONE);
    const char *paths[] = {src};
    run_once(paths, 1, QR_OK);
    uint32_t docs = doccount();

    /* Simulate a run that died after committing a batch mid-source: the
     * bookkeeping says 'P' and a stray passage of the source is there. */
    xc_db *d = NULL;
    assert_int_equal(xc_db_open(db, XC_DB_OPEN, 0, 0, &d, NULL), XC_OK);
    qr_buf key = {0}, val = {0};
    char abs[256];
    snprintf(abs, sizeof abs, "%s/one.txt", src);
    assert_int_equal(qr_key_term(&key, QR_META_SOURCE, abs), 0);
    char *old = NULL;
    size_t len = 0;
    assert_int_equal(xc_db_get_metadata(d, key.data, &old, &len), XC_OK);
    assert_non_null(old);
    old[0] = 'P';
    assert_int_equal(xc_db_set_metadata(d, key.data, old, len), XC_OK);
    xc_doc *doc = NULL;
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    qr_buf term = {0};
    assert_int_equal(qr_key_term(&term, QR_TERM_SOURCE, abs), 0);
    assert_int_equal(xc_doc_add_boolean_term(doc, term.data), XC_OK);
    assert_int_equal(xc_doc_add_term(doc, "stray", 1), XC_OK);
    assert_int_equal(xc_db_add_document(d, doc, NULL), XC_OK);
    assert_int_equal(xc_db_commit(d), XC_OK);
    xc_doc_free(doc);
    xc_db_close(d);
    free(old);
    assert_int_equal(doccount(), docs + 1);

    qr_index_summary s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.updated, 1);           /* redone, not "unchanged" */
    assert_int_equal(doccount(), docs);       /* the stray passage is gone */
    assert_int_equal(termfreq("stray"), 0);
    qr_buf_free(&key);
    qr_buf_free(&val);
    qr_buf_free(&term);
}

static void test_unreadable_source_keeps_old_passages(void **state)
{
    (void)state;
    write_file("one.txt", ONE);
    const char *paths[] = {src};
    run_once(paths, 1, QR_OK);
    uint32_t docs = doccount();
    /* the file turns into binary junk: skipped, old passages kept */
    char p[256];
    snprintf(p, sizeof p, "%s/one.txt", src);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fwrite("\0\1\2\3\0\0\0junk\0", 1, 12, f);
    fclose(f);
    qr_index_summary s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(s.updated, 0);
    assert_int_equal(doccount(), docs);
    assert_true(termfreq("harbour") > 0);
}

static void test_lock_and_language(void **state)
{
    (void)state;
    write_file("one.txt", ONE);
    qr_index_opts o = {.db_path = db};
    qr_indexer *a = NULL, *b = NULL;
    qr_buf err = {0};
    assert_int_equal(qr_indexer_open(&o, &a, &err), QR_OK);
    assert_int_equal(qr_indexer_open(&o, &b, &err), QR_ERR_LOCKED);
    assert_null(b);
    assert_non_null(strstr(err.data, db));
    qr_indexer_free(a);

    const char *paths[] = {src};
    run_once(paths, 1, QR_OK);
    qr_buf_clear(&err);
    o.lang = "french";
    assert_int_equal(qr_indexer_open(&o, &b, &err), QR_ERR_USAGE);
    assert_non_null(strstr(err.data, "english"));
    o.lang = "klingon";
    char db2[160];
    snprintf(db2, sizeof db2, "%s/db2", root);
    o.db_path = db2;
    qr_buf_clear(&err);
    assert_int_equal(qr_indexer_open(&o, &b, &err), QR_ERR_USAGE);
    /* the directory of documents is never turned into an index */
    o.lang = NULL;
    o.db_path = src;
    qr_buf_clear(&err);
    assert_int_equal(qr_indexer_open(&o, &b, &err), QR_ERR_USAGE);
    qr_buf_free(&err);
}

static void test_summary_json(void **state)
{
    (void)state;
    qr_skip skips[] = {{"a\"b.txt", "binary file", 1}, {"c.jsonl:3", "bad\nline", 0}};
    qr_hold held[] = {{"/srv/archive", "missing: No such file or directory", 401}};
    qr_index_summary s = {.added = 1, .updated = 2, .deleted = 3, .unchanged = 4,
                          .skipped = 1, .partial = 1, .articles = 5, .passages = 6,
                          .bytes = 7, .seconds = 0.5, .skips = skips, .nskips = 2};
    qr_buf out = {0};
    assert_int_equal(qr_summary_json(&s, &out), 0);
    assert_string_equal(out.data,
        "{\"added\":1,\"updated\":2,\"deleted\":3,\"unchanged\":4,\"skipped\":1,"
        "\"partial\":1,\"articles\":5,\"passages\":6,\"bytes\":7,\"seconds\":0.500,"
        "\"skips\":[{\"source\":\"a\\\"b.txt\",\"reason\":\"binary file\",\"whole\":true},"
        "{\"source\":\"c.jsonl:3\",\"reason\":\"bad\\nline\",\"whole\":false}],"
        "\"held\":[]}");
    /* the SOURCEs held, after the skips */
    s.held = held;
    s.nheld = 1;
    s.nskips = 0;
    qr_buf_clear(&out);
    assert_int_equal(qr_summary_json(&s, &out), 0);
    assert_non_null(strstr(out.data,
        "\"skips\":[],\"held\":[{\"root\":\"/srv/archive\",\"reason\":"
        "\"missing: No such file or directory\",\"kept\":401}]}"));
    qr_buf_free(&out);
}


/* --max-delete: a count or a percentage; the default, half. */
static void test_max_delete(void **state)
{
    (void)state;
    qr_max_delete m = {0};
    char shown[32];
    qr_max_delete_format(&m, shown, sizeof shown);
    assert_string_equal(shown, "50%");
    assert_true(qr_max_delete_allows(&m, 0, 0));
    assert_true(qr_max_delete_allows(&m, 200, 401));
    assert_false(qr_max_delete_allows(&m, 201, 401));
    assert_true(qr_max_delete_allows(&m, 1, 2));     /* half is not more */
    assert_false(qr_max_delete_allows(&m, 1, 1));

    assert_int_equal(qr_max_delete_parse("100%", &m), 0);
    assert_true(qr_max_delete_allows(&m, 401, 401));
    qr_max_delete_format(&m, shown, sizeof shown);
    assert_string_equal(shown, "100%");
    assert_int_equal(qr_max_delete_parse("0%", &m), 0);
    assert_false(qr_max_delete_allows(&m, 1, 1000000));
    assert_true(qr_max_delete_allows(&m, 0, 10));
    assert_int_equal(qr_max_delete_parse("25", &m), 0);
    assert_true(qr_max_delete_allows(&m, 25, 26));
    assert_false(qr_max_delete_allows(&m, 26, 1000));
    qr_max_delete_format(&m, shown, sizeof shown);
    assert_string_equal(shown, "25");
    assert_int_equal(qr_max_delete_parse("0", &m), 0);
    assert_false(qr_max_delete_allows(&m, 1, 1));

    const char *bad[] = {"", "-1", "101%", "50 %", "%", "5%%", "1e3", "x",
                         "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(qr_max_delete_parse(bad[i], &m), -1);
    assert_int_equal(qr_max_delete_parse(NULL, &m), -1);
}

typedef struct found { int n; char text[4096]; } found;

static void on_fault(void *ctx, const char *msg)
{
    found *f = ctx;
    f->n++;
    size_t len = strlen(f->text);
    snprintf(f->text + len, sizeof f->text - len, "%s\n", msg);
}

/* Opens the live database of the index for writing behind the indexer's
 * back, as a crash or a bug might leave it. */
static xc_db *open_live(void)
{
    xc_db *d = NULL;
    assert_int_equal(xc_db_open(db, XC_DB_OPEN, 0, 0, &d, NULL), XC_OK);
    return d;
}

static void test_check_finds_faults(void **state)
{
    (void)state;
    write_file("one.txt", ONE);
    write_file("two.txt", TWO);
    const char *paths[] = {src};
    run_once(paths, 1, QR_OK);
    found f = {0, ""};
    size_t faults = 99, notes = 99;
    qr_buf err = {0};
    assert_int_equal(qr_index_check(db, on_fault, &f, &faults, &notes, &err), QR_OK);
    assert_int_equal(faults, 0);
    assert_int_equal(notes, 0);

    /* a passage of a source nobody knows */
    xc_db *d = open_live();
    xc_doc *doc = NULL;
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_doc_add_boolean_term(doc, QR_TERM_SOURCE "/nowhere.txt"), XC_OK);
    /* storing a wrong length (it has no wdf: length 0) */
    char len7[9];
    size_t n7 = qr_length_encode(7, len7);
    assert_int_equal(xc_doc_add_value(doc, QR_SLOT_LENGTH, len7, n7), XC_OK);
    assert_int_equal(xc_db_add_document(d, doc, NULL), XC_OK);
    /* and a passage with no source at all, nor a length (an older
     * quarry-index's) */
    xc_doc *bare = NULL;
    assert_int_equal(xc_doc_new(&bare), XC_OK);
    assert_int_equal(xc_doc_add_term(bare, "orphan", 1), XC_OK);
    assert_int_equal(xc_db_add_document(d, bare, NULL), XC_OK);
    assert_int_equal(xc_db_commit(d), XC_OK);
    xc_doc_free(doc);
    xc_doc_free(bare);
    xc_db_close(d);
    assert_int_equal(qr_index_check(db, on_fault, &f, &faults, &notes, &err), QR_OK);
    assert_int_equal(faults, 3);
    assert_int_equal(notes, 1);
    assert_non_null(strstr(f.text, "/nowhere.txt"));
    assert_non_null(strstr(f.text, "belong to no source"));
    assert_non_null(strstr(f.text, "fault: 1 passages store a length other"));
    assert_non_null(strstr(f.text, "note: 1 passages store no length"));

    /* a record whose passage count disagrees with the index */
    d = open_live();
    qr_buf key = {0};
    char abs[256];
    snprintf(abs, sizeof abs, "%s/one.txt", src);
    assert_int_equal(qr_key_term(&key, QR_META_SOURCE, abs), 0);
    assert_int_equal(xc_db_set_metadata(d, key.data, "D 1 2 0000000000000003 9 1\n"
                                        "/elsewhere", 0) == XC_OK, 1);
    char rec[300];
    snprintf(rec, sizeof rec, "D 1 2 0000000000000003 9 1\n%s", abs);
    assert_int_equal(xc_db_set_metadata(d, key.data, rec, strlen(rec)), XC_OK);
    assert_int_equal(xc_db_commit(d), XC_OK);
    xc_db_close(d);
    f.n = 0;
    f.text[0] = '\0';
    assert_int_equal(qr_index_check(db, on_fault, &f, &faults, &notes, &err), QR_OK);
    assert_int_equal(faults, 4);
    assert_non_null(strstr(f.text, "says 9 passages"));

    /* damaged tables: xapian-core's checker or the open fails */
    char *live = NULL;
    {
        char stub[256];
        snprintf(stub, sizeof stub, "%s/XAPIANDB", db);
        FILE *sf = fopen(stub, "r");
        assert_non_null(sf);
        char line[64];
        assert_non_null(fgets(line, sizeof line, sf));
        fclose(sf);
        line[strcspn(line, "\n")] = '\0';
        live = strdup(line + 5);
    }
    char table[300];
    snprintf(table, sizeof table, "%s/%s/postlist.glass", db, live);
    FILE *t = fopen(table, "r+");
    assert_non_null(t);
    for (int i = 0; i < 4096; i++)
        fputc(0xA5, t);
    fclose(t);
    assert_int_equal(qr_index_check(db, on_fault, &f, &faults, &notes, &err), QR_OK);
    assert_true(faults >= 1);
    free(live);
    qr_buf_free(&key);
    qr_buf_free(&err);

    /* no index at all */
    char none[160];
    snprintf(none, sizeof none, "%s/none", root);
    assert_int_equal(qr_index_check(none, NULL, NULL, &faults, &notes, &err),
                     QR_ERR_NOINDEX);
    qr_buf_free(&err);
}

static void test_rebuild_switches_atomically(void **state)
{
    (void)state;
    write_file("one.txt", ONE);
    const char *paths[] = {src};
    run_once(paths, 1, QR_OK);
    uint32_t docs = doccount();
    write_file("two.txt", TWO);

    /* a rebuild over both files: one new version, the old one gone */
    qr_index_opts o = {.db_path = db, .rebuild = 1};
    qr_indexer *ix = NULL;
    qr_buf err = {0};
    assert_int_equal(qr_indexer_open(&o, &ix, &err), QR_OK);
    /* while it runs, another writer is locked out ... */
    qr_index_opts o2 = {.db_path = db};
    qr_indexer *other = NULL;
    assert_int_equal(qr_indexer_open(&o2, &other, &err), QR_ERR_LOCKED);
    /* ... and readers still see the old index, whole */
    assert_int_equal(doccount(), docs);
    assert_int_equal(qr_indexer_run(ix, paths, 1, &err), QR_OK);
    assert_int_equal(qr_indexer_summary(ix)->added, 2);
    qr_indexer_free(ix);
    assert_true(doccount() > docs);
    assert_true(termfreq("summit") > 0);

    /* the first run built v000002 beside an empty v000001 (which readers
     * saw meanwhile); the rebuild built v000003 */
    char p[256];
    snprintf(p, sizeof p, "%s/v000002", db);
    assert_int_not_equal(access(p, F_OK), 0);       /* retired */
    snprintf(p, sizeof p, "%s/v000003/iamglass", db);
    assert_int_equal(access(p, F_OK), 0);           /* live */

    /* an interrupted rebuild leaves the live index untouched, and its
     * leftovers go with the next run */
    o.rebuild = 1;
    assert_int_equal(qr_indexer_open(&o, &ix, &err), QR_OK);
    qr_indexer_free(ix);                            /* gives up mid-way */
    snprintf(p, sizeof p, "%s/v000004.build", db);
    mkdir(p, 0755);                                 /* as after a kill -9 */
    assert_true(termfreq("summit") > 0);
    qr_index_summary s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.unchanged, 2);
    assert_int_not_equal(access(p, F_OK), 0);
    size_t faults = 1, notes = 1;
    assert_int_equal(qr_index_check(db, NULL, NULL, &faults, &notes, &err), QR_OK);
    assert_int_equal(faults, 0);
    assert_int_equal(notes, 0);
    qr_buf_free(&err);
}

/* Checks every passage of the index at path: its QR_SLOT_LENGTH value is
 * the length xapian-core keeps for it. Returns how many it checked. */
struct length_check {
    xc_db *db;
    uint32_t checked, longest;
    xc_status st;
    char why[160];
};

static int check_length(void *ctx, uint32_t docid, uint32_t wdf)
{
    (void)wdf;
    struct length_check *c = ctx;
    xc_doc *doc = NULL;
    char *v = NULL;
    size_t len = 0;
    uint32_t stored = 0, real = 0;
    c->st = xc_db_get_document(c->db, docid, &doc);
    if (c->st == XC_OK)
        c->st = xc_doc_get_value(doc, QR_SLOT_LENGTH, &v, &len);
    if (c->st == XC_OK)
        c->st = xc_db_doclength(c->db, docid, &real);
    if (c->st == XC_OK && qr_length_decode(v, len, &stored) != 0)
        snprintf(c->why, sizeof c->why, "document %u: no length stored",
                 docid);
    else if (c->st == XC_OK && stored != real)
        snprintf(c->why, sizeof c->why, "document %u: length %u stored, "
                 "%u in the index", docid, stored, real);
    free(v);
    xc_doc_free(doc);
    c->checked++;
    if (real > c->longest)
        c->longest = real;
    /* cmocka's asserts must not jump out of the binding's iteration */
    return c->st != XC_OK || c->why[0];
}

static uint32_t check_lengths(const char *path, uint32_t *longest)
{
    struct length_check c = {0};
    assert_int_equal(xc_db_open(path, XC_DB_READONLY, 0, 0, &c.db, NULL),
                     XC_OK);
    /* the empty term's posting list: every document */
    assert_int_equal(xc_db_postlist_each(c.db, "", check_length, &c), XC_OK);
    xc_db_close(c.db);
    assert_int_equal(c.st, XC_OK);
    if (c.why[0])
        fail_msg("%s: %s", path, c.why);
    *longest = c.longest;
    return c.checked;
}

static void test_passage_lengths_stored(void **state)
{
    (void)state;
    /* an article of several passages, with a title (counted QR_TITLE_WDF
     * times) and words repeated */
    qr_buf text = {0};
    qr_buf_puts(&text, "Storm season\n\n");
    for (int i = 0; i < 120; i++)
        qr_buf_printf(&text, "The storm %d passed over the harbour and the "
                      "harbour walls held.%s", i, i % 10 == 9 ? "\n\n" : " ");
    write_file("long.txt", text.data);
    qr_buf_free(&text);
    write_file("one.txt", ONE);
    write_file("empty.txt", "Title only\n\n...\n");
    const char *paths[] = {src};
    run_once(paths, 1, QR_OK);          /* a new index: built, compacted */
    uint32_t longest = 0, n = check_lengths(db, &longest);
    assert_true(n >= 4);
    assert_int_equal(n, doccount());
    assert_true(longest > 100);

    /* passages written into the live index by an incremental run */
    write_file("one.txt", "Harbour news\n\nThe harbour master counted "
               "fifty ships, and fifty more the day after.\n");
    write_file("two.txt", TWO);
    qr_index_summary s = run_once(paths, 1, QR_OK);
    assert_int_equal(s.updated, 1);
    assert_int_equal(s.added, 1);
    assert_int_equal(check_lengths(db, &longest), doccount());

    /* and an index in shards */
    qr_index_opts o = {.db_path = db, .rebuild = 1, .shards = 2};
    qr_indexer *ix = NULL;
    qr_buf err = {0};
    assert_int_equal(qr_indexer_open(&o, &ix, &err), QR_OK);
    assert_int_equal(qr_indexer_run(ix, paths, 1, &err), QR_OK);
    qr_indexer_free(ix);
    qr_buf_free(&err);
    assert_int_equal(check_lengths(db, &longest), doccount());
    assert_true(doccount() >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incremental_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_leftovers_are_redone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_source_keeps_old_passages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_and_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_json, setup, teardown),
        cmocka_unit_test(test_max_delete),
        cmocka_unit_test_setup_teardown(test_check_finds_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_switches_atomically, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passage_lengths_stored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_stub.c — cmocka tests for lib/search/stub.c: reading stub files, opening
 * local, remote (xapian-tcpsrv, xapian-progsrv) and mixed shards as one
 * database, and every way a shard or a stub can fail.
 *
 * The group setup indexes the sample corpus three times with the indexer:
 * whole, and in two halves (the shards). A sharded search must rank as
 * the whole index does: the same passages in the same order, scores equal
 * within 1e-9 relative (ties may come in another order, because document
 * ids interleave across shards: they are compared as sets).
 *
 * Servers run in their own process groups (xapian-tcpsrv signals its whole
 * group on SIGTERM) on loopback only, and every test's teardown stops the
 * ones it started.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "loopback.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "index.h"
#include "layout.h"
#include "schema.h"
#include "search.h"
#include "stub.h"
#include "xapian-c.h"

#define TCPSRV "/usr/bin/xapian-tcpsrv"
#define PROGSRV "/usr/bin/xapian-progsrv"
#define MAX_SERVERS 4

static char root[64];                 /* the group's temporary directory   */
static char whole[PATH_MAX];          /* the corpus in one index           */
static char shard_a[PATH_MAX], shard_b[PATH_MAX];   /* ... in two halves   */
static char french[PATH_MAX];         /* a shard indexed as French         */
static pid_t servers[MAX_SERVERS];    /* the current test's servers        */
static int nservers;

/* ------------------------------------------------------------- helpers */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void path_in(char *out, size_t cap, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", root, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Indexes files[0..n-1] into db with the indexer, as quarry-index does. */
static int build_index(const char *db, const char *lang, char **files,
                       size_t n)
{
    qr_index_opts o = {.db_path = db, .lang = lang};
    qr_indexer *ix = NULL;
    qr_buf err = {0};
    int rc = qr_indexer_open(&o, &ix, &err) == QR_OK &&
             qr_indexer_run(ix, (const char *const *)files, n, &err) == QR_OK
                 ? 0 : -1;
    if (rc)
        fprintf(stderr, "cannot index %s: %s\n", db, err.data ? err.data : "");
    qr_indexer_free(ix);
    qr_buf_free(&err);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int group_setup(void **state)
{
    (void)state;
    const char *src = getenv("QUARRY_SOURCE_DIR");
    char corpus[PATH_MAX], *files[64];
    size_t n = 0;
    strcpy(root, "/tmp/quarry-stub.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(corpus, sizeof corpus, "%s/corpus",
             src ? src : QUARRY_SOURCE_DIR);
    DIR *d = opendir(corpus);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(corpus) + strlen(e->d_name) + 2;
        if (!(files[n] = malloc(len)))
            break;
        snprintf(files[n++], len, "%s/%s", corpus, e->d_name);
    }
    closedir(d);
    qsort(files, n, sizeof *files, cmp_str);
    snprintf(whole, sizeof whole, "%s/whole", root);
    snprintf(shard_a, sizeof shard_a, "%s/shard-a", root);
    snprintf(shard_b, sizeof shard_b, "%s/shard-b", root);
    snprintf(french, sizeof french, "%s/french", root);
    int rc = n >= 4 && build_index(whole, NULL, files, n) == 0 &&
             build_index(shard_a, NULL, files, n / 2) == 0 &&
             build_index(shard_b, NULL, files + n / 2, n - n / 2) == 0 &&
             build_index(french, "french", files, 1) == 0
                 ? 0 : -1;
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void stop_server(pid_t pid)
{
    /* its own group: the server and the children serving connections */
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static int setup(void **state)
{
    (void)state;
    nservers = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < nservers; i++)
        stop_server(servers[i]);
    nservers = 0;
    return 0;
}


/* Starts xapian-tcpsrv over db on a free loopback port and waits (at most
 * 10 s) until it answers. Another process may take the port in between:
 * then it tries another. Returns the port. */
static unsigned start_tcpsrv(const char *db)
{
    assert_true(nservers < MAX_SERVERS);
    for (int attempt = 0; attempt < 5; attempt++) {
        unsigned port = closed_port();
        char port_s[16];
        snprintf(port_s, sizeof port_s, "%u", port);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            setpgid(0, 0);
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0) {
                dup2(devnull, STDOUT_FILENO);
                dup2(devnull, STDERR_FILENO);
            }
            execl(TCPSRV, TCPSRV, "--interface", "127.0.0.1", "--port",
                  port_s, "--quiet", db, (char *)NULL);
            _exit(127);
        }
        setpgid(pid, pid);   /* also here: no race with the kill below */
        servers[nservers++] = pid;
        for (double t0 = now_seconds(); now_seconds() - t0 < 10;) {
            xc_db *probe = NULL;
            if (xc_db_open_remote("127.0.0.1", port, 2000, 500, &probe,
                                  NULL) == XC_OK) {
                xc_db_close(probe);
                return port;
            }
            if (waitpid(pid, NULL, WNOHANG) == pid)
                break;   /* it could not listen there */
            nap_ms(20);
        }
        stop_server(pid);
        nservers--;
    }
    fail_msg("xapian-tcpsrv did not start");
    return 0;
}

/* Opens paths as one database; expects status want. *err (if given)
 * receives the message (caller frees). */
static xc_db *open_expect(const char *const *paths, size_t n, qr_status want,
                          char **err)
{
    xc_db *db = NULL;
    char *e = NULL;
    qr_status st = qr_stub_open(paths, n, &db, &e);
    if (st != want)
        fprintf(stderr, "qr_stub_open: %s: %s\n", qr_status_str(st),
                e ? e : "");
    assert_int_equal(st, want);
    if (want == QR_OK) {
        assert_non_null(db);
        assert_null(e);
    } else {
        assert_null(db);
        assert_non_null(e);
    }
    if (err)
        *err = e;
    else
        free(e);
    return db;
}

static void open_fails(const char *stub, qr_status want, const char *needle)
{
    char *err = NULL;
    open_expect((const char *const[]){stub}, 1, want, &err);
    if (needle && !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
    free(err);
}

static void write_stub(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

/* ---------------------------------------------------- ranking as one */

static qr_searcher *searcher(const char *path)
{
    qr_searcher *s = NULL;
    qr_buf err = {0};
    qr_status st = qr_searcher_open((const char *const[]){path}, 1, &s, &err);
    if (st != QR_OK)
        fail_msg("cannot open %s: %s", path, err.data ? err.data : "");
    qr_buf_free(&err);
    return s;
}

static qr_results run(qr_searcher *s, const char *text,
                      const qr_search_opts *o)
{
    qr_query *q = NULL;
    qr_results r = {0};
    qr_buf err = {0};
    assert_int_equal(qr_query_parse(s, text, QR_PARSE_FULL, &q, &err), QR_OK);
    assert_int_equal(qr_search_run(s, q, o, &r, &err), QR_OK);
    qr_query_free(q);
    qr_buf_free(&err);
    return r;
}

static int same_score(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

/* Whether hit h of a matches some hit of b with the same score (within
 * 1e-9) and the same passage, record included. */
static int found_in_tie_group(const qr_hit *h, const qr_results *b)
{
    for (size_t j = 0; j < b->n; j++)
        if (same_score(h->score, b->hits[j].score) &&
            strcmp(h->rec.article_id, b->hits[j].rec.article_id) == 0 &&
            h->rec.ordinal == b->hits[j].rec.ordinal &&
            strcmp(h->rec.title, b->hits[j].rec.title) == 0 &&
            h->rec.text_len == b->hits[j].rec.text_len &&
            memcmp(h->rec.text, b->hits[j].rec.text, h->rec.text_len) == 0)
            return 1;
    return 0;
}

/* The queries a sharded index must answer as the whole one does: words,
 * a phrase, boolean syntax, a field, a date range, stop words, nothing.
 * Not wildcards: xapian-core 1.4 expands a wildcard in each shard
 * separately and weighs it with that shard's expansion, so its scores
 * differ from one index's (README, "Scaling out"). */
static const char *const queries[] = {
    "cyber unit", "joint cyber security unit with russia", "\"cyber command\"",
    "election AND interference", "library NOT council", "title:cyber",
    "interest rates", "observatory night sky", "the", "date:2019",
    "zzzznotaword",
};

/* Compares every query on the sharded index at path with the whole index:
 * best passage per article, all passages, and three per article. */
static void assert_ranks_as_whole(const char *path)
{
    qr_searcher *one = searcher(whole), *sharded = searcher(path);
    assert_non_null(one);
    assert_non_null(sharded);
    assert_int_equal(qr_searcher_doccount(sharded), qr_searcher_doccount(one));
    assert_string_equal(qr_searcher_lang(sharded), qr_searcher_lang(one));
    const uint32_t per_article[] = {1, 0, 3};
    size_t nonempty = 0;
    for (size_t k = 0; k < sizeof per_article / sizeof *per_article; k++) {
        qr_search_opts o = qr_search_defaults();
        o.limit = 1000;
        o.per_article = per_article[k];
        for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
            qr_results a = run(one, queries[i], &o);
            qr_results b = run(sharded, queries[i], &o);
            if (a.n != b.n)
                fail_msg("'%s' (per article %u): %zu results, sharded %zu",
                         queries[i], o.per_article, a.n, b.n);
            nonempty += a.n > 0;
            for (size_t j = 0; j < a.n; j++) {
                if (!same_score(a.hits[j].score, b.hits[j].score))
                    fail_msg("'%s' rank %zu: score %.17g, sharded %.17g",
                             queries[i], j + 1, a.hits[j].score,
                             b.hits[j].score);
                if (!found_in_tie_group(&a.hits[j], &b))
                    fail_msg("'%s': %s passage %u is not in the sharded "
                             "results with its score", queries[i],
                             a.hits[j].rec.article_id,
                             a.hits[j].rec.ordinal + 1);
            }
            qr_results_free(&a);
            qr_results_free(&b);
        }
    }
    /* the comparison compared something */
    assert_true(nonempty >= 20);
    qr_searcher_close(one);
    qr_searcher_close(sharded);
}

/* The passages of an index from before QR_SLOT_LENGTH: a copy of the
 * index at from, at to, whose passages lose the value. */
struct strip {
    xc_db *db;
    char term[256];      /* the passage's unique term                     */
    uint32_t n;
    xc_status st;
};

static int passage_term(void *ctx, const char *term, size_t len, uint32_t wdf)
{
    (void)wdf;
    struct strip *c = ctx;
    size_t pl = strlen(QR_TERM_PASSAGE);
    if (len <= pl || len >= sizeof c->term ||
        strncmp(term, QR_TERM_PASSAGE, pl) != 0)
        return 0;
    memcpy(c->term, term, len);
    c->term[len] = '\0';
    return 1;
}

static int strip_one(void *ctx, uint32_t docid, uint32_t wdf)
{
    (void)wdf;
    struct strip *c = ctx;
    xc_doc *doc = NULL;
    c->term[0] = '\0';
    c->st = xc_db_get_document(c->db, docid, &doc);
    if (c->st == XC_OK)
        c->st = xc_doc_terms_each(doc, passage_term, c);
    if (c->st == XC_OK && !c->term[0])
        c->st = XC_NOT_FOUND;
    /* an empty value removes the slot's */
    if (c->st == XC_OK)
        c->st = xc_doc_add_value(doc, QR_SLOT_LENGTH, "", 0);
    if (c->st == XC_OK)
        c->st = xc_db_replace_document_by_term(c->db, c->term, doc, NULL);
    xc_doc_free(doc);
    c->n++;
    return c->st != XC_OK;
}

static void copy_without_lengths(const char *from, const char *to)
{
    char cmd[4 * PATH_MAX];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", to,
                     from, to);
    assert_true(n > 0 && (size_t)n < sizeof cmd);
    assert_int_equal(system(cmd), 0);
    char *v = qr_layout_live(to);
    assert_non_null(v);
    char live[2 * PATH_MAX];
    snprintf(live, sizeof live, "%s/%s", to, v);
    free(v);
    struct strip c = {0};
    assert_int_equal(xc_db_open(live, XC_DB_OPEN, 0, 0, &c.db, NULL), XC_OK);
    assert_int_equal(xc_db_postlist_each(c.db, "", strip_one, &c), XC_OK);
    assert_int_equal(c.st, XC_OK);
    assert_true(c.n > 0);
    assert_int_equal(xc_db_commit(c.db), XC_OK);
    /* none left, and the same documents, each as long as it was */
    xc_doc *doc = NULL;
    char *val = NULL;
    size_t len = 1;
    assert_int_equal(xc_db_get_document(c.db, 1, &doc), XC_OK);
    assert_int_equal(xc_doc_get_value(doc, QR_SLOT_LENGTH, &val, &len), XC_OK);
    assert_null(val);
    xc_doc_free(doc);
    xc_db_close(c.db);
}

/* Asserts that a and b rank the same passages with the same scores, to
 * the last bit, in the same order. */
static void assert_same_results(const qr_results *a, const qr_results *b,
                                const char *query)
{
    if (a->n != b->n)
        fail_msg("'%s': %zu results, then %zu", query, a->n, b->n);
    for (size_t j = 0; j < a->n; j++)
        if (a->hits[j].score != b->hits[j].score ||
            strcmp(a->hits[j].rec.article_id, b->hits[j].rec.article_id) ||
            a->hits[j].rec.ordinal != b->hits[j].rec.ordinal)
            fail_msg("'%s' rank %zu: %s#%u %.17g, then %s#%u %.17g", query,
                     j + 1, a->hits[j].rec.article_id, a->hits[j].rec.ordinal,
                     a->hits[j].score, b->hits[j].rec.article_id,
                     b->hits[j].rec.ordinal, b->hits[j].score);
}

/* Every query on the index at path gives exactly what it gives on the
 * index at ref (both searched in one way: local or remote alike). */
static void assert_ranks_exactly_as(const char *ref, const char *path)
{
    qr_searcher *a = searcher(ref), *b = searcher(path);
    assert_non_null(a);
    assert_non_null(b);
    size_t nonempty = 0;
    const uint32_t per_article[] = {1, 0};
    for (size_t k = 0; k < sizeof per_article / sizeof *per_article; k++) {
        qr_search_opts o = qr_search_defaults();
        o.limit = 50;
        o.per_article = per_article[k];
        for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
            qr_results ra = run(a, queries[i], &o);
            qr_results rb = run(b, queries[i], &o);
            assert_same_results(&ra, &rb, queries[i]);
            nonempty += ra.n > 0;
            qr_results_free(&ra);
            qr_results_free(&rb);
        }
    }
    assert_true(nonempty >= 10);
    qr_searcher_close(a);
    qr_searcher_close(b);
}

/* ---------------------------------------------------------------- tests */

static void test_local_shards(void **state)
{
    (void)state;
    char stub[PATH_MAX], live[2 * PATH_MAX], text[3 * PATH_MAX];
    path_in(stub, sizeof stub, "local.stub");

    /* relative and absolute paths, a comment, a blank line, CRLF, and a
     * `glass` line naming a version directory */
    char *v = qr_layout_live(shard_b);
    assert_non_null(v);
    snprintf(live, sizeof live, "%s/%s", shard_b, v);
    free(v);
    snprintf(text, sizeof text,
             "# two halves of the corpus\r\n\nauto shard-a\r\nglass %s\n",
             live);
    write_stub(stub, text);
    assert_ranks_as_whole(stub);

    /* a stub naming a stub */
    char outer[PATH_MAX];
    path_in(outer, sizeof outer, "outer.stub");
    write_stub(outer, "auto local.stub\n");
    assert_ranks_as_whole(outer);

    /* several paths at once (--db given twice) */
    xc_db *db = open_expect((const char *const[]){shard_a, shard_b}, 2, QR_OK,
                            NULL);
    xc_db_stats st;
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    xc_db_close(db);
    db = open_expect((const char *const[]){whole}, 1, QR_OK, NULL);
    xc_db_stats st1;
    assert_int_equal(xc_db_get_stats(db, &st1), XC_OK);
    xc_db_close(db);
    assert_int_equal(st.doccount, st1.doccount);
    assert_int_equal(st.total_length, st1.total_length);
}

static void test_empty_stub(void **state)
{
    (void)state;
    char stub[PATH_MAX];
    path_in(stub, sizeof stub, "empty.stub");
    /* as in xapian-core: a stub listing nothing is an empty database */
    write_stub(stub, "# nothing yet\n\n");
    xc_db *db = open_expect((const char *const[]){stub}, 1, QR_OK, NULL);
    xc_db_stats st;
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.doccount, 0);
    xc_db_close(db);
}

static void test_bad_stubs(void **state)
{
    (void)state;
    char stub[PATH_MAX];
    path_in(stub, sizeof stub, "bad.stub");

    static const char *const bad[] = {
        "auto shard-a\nsecret-password-line\n",  /* no type */
        "auto shard-a\nflint /srv/db\n",         /* unknown type */
        "auto shard-a\ninmemory\n",
        "auto shard-a\nauto \n",
        "auto shard-a\nremote\n",
        "auto shard-a\nremote \n",
        "auto shard-a\nremote 127.0.0.1\n",
        "auto shard-a\nremote 127.0.0.1:\n",
        "auto shard-a\nremote 127.0.0.1:0\n",
        "auto shard-a\nremote 127.0.0.1:65536\n",
        "auto shard-a\nremote 127.0.0.1:99999999999999999999\n",
        "auto shard-a\nremote 127.0.0.1:12a\n",
        "auto shard-a\nremote [::1]\n",
        "auto shard-a\nremote []:1234\n",
        "auto shard-a\nremote a b:1234\n",
        "auto shard-a\nremote :\n",
        "auto shard-a\nremote : xapian-progsrv\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_stub(stub, bad[i]);
        char *err = NULL;
        open_expect((const char *const[]){stub}, 1, QR_ERR_INDEX, &err);
        /* the line is named by its number; its text is not repeated */
        if (!strstr(err, "bad.stub:2: not a stub line") ||
            strstr(err, "secret"))
            fail_msg("stub %zu: message '%s'", i, err);
        free(err);
    }

    /* a NUL byte inside a line */
    write_file(stub, "auto shard-a\nauto sha\0rd-b\n", 27);
    open_fails(stub, QR_ERR_INDEX, "bad.stub:2: not a stub line");

    /* too large to be a stub: never read whole */
    size_t big = QR_STUB_MAX_BYTES + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, '#', big);
    write_file(stub, text, big);
    free(text);
    open_fails(stub, QR_ERR_INDEX, "too large to be a stub file");

    /* stubs that name each other */
    char loop1[PATH_MAX], loop2[PATH_MAX];
    path_in(loop1, sizeof loop1, "loop1.stub");
    path_in(loop2, sizeof loop2, "loop2.stub");
    write_stub(loop1, "auto loop2.stub\n");
    write_stub(loop2, "auto shard-a\nauto loop1.stub\n");
    open_fails(loop1, QR_ERR_INDEX, "nested too deeply, or in a loop");

    /* a missing stub, a missing local shard (named with its line) */
    char missing[PATH_MAX];
    path_in(missing, sizeof missing, "no-such.stub");
    open_fails(missing, QR_ERR_NOINDEX, NULL);
    write_stub(stub, "auto shard-a\n# the second half:\nauto shard-x\n");
    open_fails(stub, QR_ERR_NOINDEX, "bad.stub:3: auto shard-x: ");

    /* a second path that fails is named */
    char *err = NULL;
    open_expect((const char *const[]){shard_a, missing}, 2, QR_ERR_NOINDEX,
                &err);
    assert_non_null(strstr(err, missing));
    free(err);

    /* arguments */
    xc_db *db = (xc_db *)0x1;
    err = NULL;
    assert_int_equal(qr_stub_open(NULL, 1, &db, &err), QR_ERR_USAGE);
    free(err);
    assert_int_equal(qr_stub_open((const char *const[]){stub}, 0, &db, NULL),
                     QR_ERR_USAGE);
    assert_int_equal(qr_stub_open((const char *const[]){stub}, 1, NULL, NULL),
                     QR_ERR_USAGE);
    assert_int_equal(qr_stub_open((const char *const[]){NULL}, 1, &db, NULL),
                     QR_ERR_USAGE);
    assert_ptr_equal(db, (xc_db *)0x1);
}

static void test_shards_indexed_differently(void **state)
{
    (void)state;
    char stub[PATH_MAX];
    path_in(stub, sizeof stub, "mixed-lang.stub");
    write_stub(stub, "auto shard-a\nauto french\n");
    char *err = NULL;
    open_expect((const char *const[]){stub}, 1, QR_ERR_INDEX, &err);
    assert_non_null(strstr(err, "mixed-lang.stub:2: auto french: indexed "
                                "with language 'french', but "));
    assert_non_null(strstr(err, "mixed-lang.stub:1: auto shard-a with "
                                "'english'"));
    free(err);
    open_expect((const char *const[]){french, shard_b}, 2, QR_ERR_INDEX, &err);
    assert_non_null(strstr(err, "shards must be indexed alike"));
    free(err);
}

static void test_remote_shards(void **state)
{
    (void)state;
    if (access(TCPSRV, X_OK) != 0 || access(PROGSRV, X_OK) != 0)
        skip();
    char *va = qr_layout_live(shard_a), *vb = qr_layout_live(shard_b);
    assert_non_null(va);
    assert_non_null(vb);
    char da[2 * PATH_MAX], db_[2 * PATH_MAX];
    snprintf(da, sizeof da, "%s/%s", shard_a, va);
    snprintf(db_, sizeof db_, "%s/%s", shard_b, vb);
    free(va);
    free(vb);
    unsigned pa = start_tcpsrv(da), pb = start_tcpsrv(db_);
    /* and their articles, served apart */
    char aa[3 * PATH_MAX], ab[3 * PATH_MAX];
    snprintf(aa, sizeof aa, "%s/%s", da, QR_ARTICLES_DIR);
    snprintf(ab, sizeof ab, "%s/%s", db_, QR_ARTICLES_DIR);
    unsigned apa = start_tcpsrv(aa), apb = start_tcpsrv(ab);

    char stub[PATH_MAX], text[8 * PATH_MAX];
    path_in(stub, sizeof stub, "remote.stub");
    snprintf(text, sizeof text,
             "remote 127.0.0.1:%u\narticles remote 127.0.0.1:%u\n"
             "remote 127.0.0.1:%u\narticles remote 127.0.0.1:%u\n",
             pa, apa, pb, apb);
    write_stub(stub, text);
    assert_ranks_as_whole(stub);

    /* mixed: one local, one remote; and a program (xapian-progsrv) */
    snprintf(text, sizeof text, "auto shard-a\nremote [127.0.0.1]:%u\n"
             "articles remote 127.0.0.1:%u\n", pb, apb);
    write_stub(stub, text);
    assert_ranks_as_whole(stub);
    snprintf(text, sizeof text,
             "remote 127.0.0.1:%u\narticles remote 127.0.0.1:%u\n"
             "remote :xapian-progsrv %s\narticles remote :xapian-progsrv %s\n",
             pa, apa, db_, ab);
    write_stub(stub, text);
    assert_ranks_as_whole(stub);
    /* an `articles` line must follow a remote one */
    write_stub(stub, "articles remote 127.0.0.1:9\nauto shard-a\n");
    open_fails(stub, QR_ERR_INDEX, "remote.stub:1: not a stub line");

    /* a shard that is down: refused at once, named by line and address */
    unsigned closed = closed_port();
    snprintf(text, sizeof text, "auto shard-a\nremote 127.0.0.1:%u\n", closed);
    write_stub(stub, text);
    char needle[96];
    snprintf(needle, sizeof needle, "remote.stub:2: remote 127.0.0.1:%u: ",
             closed);
    double t0 = now_seconds();
    open_fails(stub, QR_ERR_INDEX, needle);
    assert_true(now_seconds() - t0 < 2.0);

    /* a program that is not there */
    write_stub(stub, "auto shard-a\nremote :/nonexistent/progsrv x\n");
    open_fails(stub, QR_ERR_INDEX,
               "remote.stub:2: remote :/nonexistent/progsrv x: ");

    /* the server goes away after the open: the search fails, naming it */
    snprintf(text, sizeof text, "auto shard-a\nremote 127.0.0.1:%u\n", pb);
    write_stub(stub, text);
    qr_searcher *s = searcher(stub);
    assert_non_null(s);
    stop_server(servers[1]);
    servers[1] = servers[--nservers];
    qr_query *q = NULL;
    qr_results r = {0};
    qr_buf err = {0};
    qr_search_opts o = qr_search_defaults();
    assert_int_equal(qr_query_parse(s, "cyber", QR_PARSE_FULL, &q, &err),
                     QR_OK);
    assert_int_equal(qr_search_run(s, q, &o, &r, &err), QR_ERR_INDEX);
    snprintf(needle, sizeof needle, "127.0.0.1:%u", pb);
    if (!err.data || !strstr(err.data, needle))
        fail_msg("message '%s' lacks '%s'", err.data ? err.data : "", needle);
    qr_query_free(q);
    qr_buf_free(&err);
    qr_searcher_close(s);
}

/* An index from before passages stored their lengths: the rerank asks
 * the index for them, and ranks exactly as with the stored ones, locally
 * and from a remote shard. */
static void test_index_without_lengths(void **state)
{
    (void)state;
    char old[PATH_MAX];
    path_in(old, sizeof old, "whole-old");
    copy_without_lengths(whole, old);
    assert_ranks_exactly_as(whole, old);
    if (access(TCPSRV, X_OK) != 0)
        return;

    /* remote: the same index with and without, each served alone */
    char stub_new[PATH_MAX], stub_old[PATH_MAX], text[256];
    const char *dirs[] = {whole, old};
    char *stubs[] = {stub_new, stub_old};
    path_in(stub_new, sizeof stub_new, "with.stub");
    path_in(stub_old, sizeof stub_old, "without.stub");
    for (int k = 0; k < 2; k++) {
        char *v = qr_layout_live(dirs[k]);
        assert_non_null(v);
        char live[2 * PATH_MAX], arts[3 * PATH_MAX];
        snprintf(live, sizeof live, "%s/%s", dirs[k], v);
        snprintf(arts, sizeof arts, "%s/%s", live, QR_ARTICLES_DIR);
        free(v);
        unsigned p = start_tcpsrv(live), ap = start_tcpsrv(arts);
        snprintf(text, sizeof text,
                 "remote 127.0.0.1:%u\narticles remote 127.0.0.1:%u\n", p, ap);
        write_stub(stubs[k], text);
    }
    assert_ranks_exactly_as(stub_new, stub_old);
    assert_ranks_as_whole(stub_old);
}

/* A shard that accepts connections but never answers (a hung server):
 * the open gives up after the operation timeout, never hangs. The default
 * (QR_STUB_TIMEOUT_MS) is timed by tests/cli/remote_down.sh; here the
 * environment sets a short one. */
static void test_remote_hung(void **state)
{
    (void)state;
    unsigned port;
    int s = loopback_socket(1, &port);

    char stub[PATH_MAX], text[128], needle[96];
    path_in(stub, sizeof stub, "hung.stub");
    snprintf(text, sizeof text, "auto shard-a\nremote 127.0.0.1:%u\n",
             port);
    write_stub(stub, text);
    snprintf(needle, sizeof needle, "hung.stub:2: remote 127.0.0.1:%u: ",
             port);
    xc_db *db = NULL;
    char *err = NULL;

    /* a timeout that is not a number of seconds is refused */
    static const char *const bad[] = {"", "ten", "0", "-1", "3601", "1s",
                                      "nan", "inf"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        setenv(QR_STUB_TIMEOUT_ENV, bad[i], 1);
        qr_status st = qr_stub_open((const char *const[]){stub}, 1, &db, &err);
        unsetenv(QR_STUB_TIMEOUT_ENV);
        if (st != QR_ERR_USAGE)
            fail_msg("%s='%s' accepted", QR_STUB_TIMEOUT_ENV, bad[i]);
        assert_non_null(strstr(err, QR_STUB_TIMEOUT_ENV));
        free(err);
        err = NULL;
    }
    assert_null(db);

    setenv(QR_STUB_TIMEOUT_ENV, "0.4", 1);
    double t0 = now_seconds();
    qr_status st = qr_stub_open((const char *const[]){stub}, 1, &db, &err);
    double took = now_seconds() - t0;
    unsetenv(QR_STUB_TIMEOUT_ENV);
    close(s);
    assert_int_equal(st, QR_ERR_INDEX);
    assert_null(db);
    assert_true(took >= 0.35);
    assert_true(took < 3.0);
    assert_non_null(strstr(err, needle));
    /* the status is an index failure; the message tells a timeout */
    assert_non_null(strstr(err, "Timeout"));
    free(err);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_local_shards),
        T(test_empty_stub),
        T(test_bad_stubs),
        T(test_shards_indexed_differently),
        T(test_remote_shards),
        T(test_index_without_lengths),
        T(test_remote_hung),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * qtime — per-query latency of one engine, warm, in one process: the
 * benchmark helper of bench/ingest.sh (not part of the main build).
 *
 *   qtime quarry  INDEX  QUERIES   Quarry's library with its defaults, as
 *                                  quarry-query runs a query (best passage
 *                                  per article, ids from the values)
 *   qtime quarry-nofb INDEX QUERIES   the same without pseudo-relevance
 *                                  feedback (quarry-query --no-feedback)
 *   qtime xapian  DB     QUERIES   xapian-core through our binding: the
 *                                  QueryParser (English, STEM_SOME, as
 *                                  scriptindex indexes), get_mset(0, 10)
 *   qtime xapian-passages INDEX QUERIES   the same on Quarry's index
 *                                  (STEM_ALL, as Quarry indexes, collapsed
 *                                  to the best passage per article): what
 *                                  xapian-core alone costs on passages
 *   qtime fts5    FILE   QUERIES   SQLite FTS5: the query's words ORed,
 *                                  ORDER BY bm25() LIMIT 10
 *
 * QUERIES has lines "ID<TAB>QUERY". Every query runs once untimed (so the
 * index's pages are in the page cache, as in a warm server), then once
 * timed; the result is one line "n mean p50 p99 max" in milliseconds.
 * With -v each query's time is printed too.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"
#include "search.h"
#include "xapian-c.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct engine {
    int (*run)(struct engine *e, const char *query);   /* hits, or -1 */
    qr_searcher *qs;
    xc_db *xdb;
    xc_qparser *qp;
    sqlite3 *sq;
    sqlite3_stmt *stmt;
    int no_feedback;
    int collapse;   /* xapian: best passage per article (Quarry's index) */
} engine;

static int run_quarry(engine *e, const char *query)
{
    qr_query *q = NULL;
    qr_buf err = {0};
    if (qr_query_parse(e->qs, query, QR_PARSE_FULL, &q, &err) != QR_OK) {
        qr_buf_free(&err);
        return -1;
    }
    qr_search_opts o = qr_search_defaults();
    o.limit = 10;
    o.ids_only = 1;
    if (e->no_feedback)
        o.fb_weight = 0;
    qr_results res = {0};
    int n = qr_search_run(e->qs, q, &o, &res, &err) == QR_OK ? (int)res.n : -1;
    qr_results_free(&res);
    qr_query_free(q);
    qr_buf_free(&err);
    return n;
}

static int run_xapian(engine *e, const char *query)
{
    xc_query *q = NULL;
    if (xc_qparser_parse(e->qp, query, XC_QP_DEFAULT, &q) != XC_OK)
        return -1;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    int n = -1;
    if (xc_enquire_new(e->xdb, &enq, NULL) == XC_OK &&
        xc_enquire_set_query(enq, q, 0) == XC_OK &&
        (!e->collapse ||
         xc_enquire_set_collapse_key(enq, QR_SLOT_ARTICLE, 1) == XC_OK) &&
        xc_enquire_get_mset(enq, 0, 10, 0, &ms) == XC_OK) {
        n = (int)xc_mset_size(ms);
        for (int i = 0; i < n; i++) {
            xc_match m;
            xc_mset_get(ms, (uint32_t)i, &m);
        }
    }
    xc_mset_free(ms);
    xc_enquire_free(enq);
    xc_query_free(q);
    return n;
}

/* FTS5 MATCH expression: every word of the query, quoted, ORed. */
static void fts5_expr(const char *query, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = query; *p;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        size_t len = (size_t)(p - w);
        if (!len || o + len + 8 >= cap)
            continue;
        o += (size_t)snprintf(out + o, cap - o, "%s\"%.*s\"", o ? " OR " : "",
                              (int)len, w);
    }
}

static int run_fts5(engine *e, const char *query)
{
    char expr[16384];
    fts5_expr(query, expr, sizeof expr);
    if (!expr[0])
        return 0;
    sqlite3_reset(e->stmt);
    sqlite3_bind_text(e->stmt, 1, expr, -1, SQLITE_TRANSIENT);
    int n = 0, rc;
    while ((rc = sqlite3_step(e->stmt)) == SQLITE_ROW) {
        (void)sqlite3_column_text(e->stmt, 0);
        n++;
    }
    return rc == SQLITE_DONE ? n : -1;
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    if (verbose) {
        argv++;
        argc--;
    }
    if (argc != 4) {
        fprintf(stderr,
                "usage: qtime [-v] quarry|quarry-nofb|xapian|xapian-passages|fts5 "
                "DB QUERIES\n");
        return 2;
    }
    engine e = {0};
    const char *kind = argv[1], *db = argv[2];
    if (strcmp(kind, "quarry") == 0 || strcmp(kind, "quarry-nofb") == 0) {
        qr_buf err = {0};
        e.no_feedback = strcmp(kind, "quarry-nofb") == 0;
        const char *paths[] = {db};
        if (qr_searcher_open(paths, 1, &e.qs, &err) != QR_OK) {
            fprintf(stderr, "qtime: %s\n", err.data ? err.data : "cannot open");
            return 1;
        }
        e.run = run_quarry;
    } else if (strcmp(kind, "xapian") == 0 ||
               strcmp(kind, "xapian-passages") == 0) {
        /* xapian-passages: the same on Quarry's own index (stems only,
         * best passage per article), the floor of any query on it */
        int passages = strcmp(kind, "xapian-passages") == 0;
        e.collapse = passages;
        xc_stem *stem = NULL;
        if (xc_db_open(db, XC_DB_READONLY, 0, 0, &e.xdb, NULL) != XC_OK ||
            xc_stem_new("english", &stem, NULL) != XC_OK ||
            xc_qparser_new(&e.qp, NULL) != XC_OK ||
            xc_qparser_set_database(e.qp, e.xdb) != XC_OK ||
            xc_qparser_set_stemmer(e.qp, stem) != XC_OK ||
            xc_qparser_set_stemming_strategy(
                e.qp, passages ? XC_STEM_ALL : XC_STEM_SOME) != XC_OK ||
            xc_qparser_add_prefix(e.qp, "title", "S") != XC_OK) {
            fprintf(stderr, "qtime: cannot open %s\n", db);
            return 1;
        }
        xc_stem_free(stem);
        e.run = run_xapian;
    } else if (strcmp(kind, "fts5") == 0) {
        if (sqlite3_open_v2(db, &e.sq, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(e.sq, "SELECT id FROM docs WHERE docs MATCH ?1 "
                               "ORDER BY bm25(docs) LIMIT 10", -1, &e.stmt,
                               NULL) != SQLITE_OK) {
            fprintf(stderr, "qtime: %s\n", sqlite3_errmsg(e.sq));
            return 1;
        }
        e.run = run_fts5;
    } else {
        fprintf(stderr, "qtime: unknown engine %s\n", kind);
        return 2;
    }

    FILE *f = fopen(argv[3], "r");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    char **queries = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            queries = realloc(queries, cap * sizeof *queries);
        }
        queries[n++] = strdup(tab + 1);
    }
    free(line);
    fclose(f);
    if (!n)
        return 1;

    double *ms = calloc(n, sizeof *ms);
    size_t failed = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            double t = now_ms();
            int hits = e.run(&e, queries[i]);
            ms[i] = now_ms() - t;
            if (pass == 1 && hits < 0)
                failed++;
            if (pass == 1 && verbose)
                printf("%.3f\t%d\t%s\n", ms[i], hits, queries[i]);
        }
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ms[i];
    qsort(ms, n, sizeof *ms, cmp_double);
    size_t p99 = (size_t)((double)n * 0.99 + 0.999999);
    printf("%zu %.3f %.3f %.3f %.3f\n", n, sum / (double)n, ms[n / 2],
           ms[(p99 ? p99 : 1) - 1], ms[n - 1]);
    if (failed)
        fprintf(stderr, "qtime: %zu queries failed\n", failed);

    for (size_t i = 0; i < n; i++)
        free(queries[i]);
    free(queries);
    free(ms);
    qr_searcher_close(e.qs);
    xc_qparser_free(e.qp);
    xc_db_close(e.xdb);
    sqlite3_finalize(e.stmt);
    sqlite3_close(e.sq);
    return failed ? 1 : 0;
}

/*
 * fuzz_query.c — the query path: qr_query_parse on arbitrary text, the
 * search it gives, and the highlighter and snippet on every hit.
 *
 * A small fixed index is built once, at start-up, in a temporary directory
 * (removed at exit) by the real indexer: a few articles with titles,
 * authors, dates and URLs, and 2,000 words "w0000".."w1999" so that a
 * wildcard such as "w*" passes the expansion limit.
 *
 * Input: byte 0 picks the parse stage and the result grouping; the rest,
 * up to the first NUL (qr_query_parse takes a C string), is the query.
 * Checked: parse never fails on syntax, the query is never NULL, flags
 * agree with the lists, hits are ranked 1..n (grouped passages share
 * their article's rank), highlight spans are in
 * order and inside the text, the snippet window is inside the text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "highlight.h"
#include "index.h"
#include "print.h"
#include "search.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_root[64];
static qr_searcher *fz_searcher;
static qr_highlighter *fz_hl;

static void remove_root(void)
{
    if (fz_searcher)
        qr_searcher_close(fz_searcher);
    qr_highlighter_free(fz_hl);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_root);
    if (fz_root[0] && system(cmd) != 0)
        fprintf(stderr, "fuzz_query: could not remove %s\n", fz_root);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "fuzz_query: cannot write %s\n", path);
        exit(1);
    }
}

static void build_index(void)
{
    char src[128], db[128];
    snprintf(src, sizeof src, "%s/src", fz_root);
    snprintf(db, sizeof db, "%s/db", fz_root);
    if (mkdir(src, 0755) != 0) {
        perror("fuzz_query: mkdir");
        exit(1);
    }
    write_file(src, "cyber.txt",
               "Joint Cyber Security Unit\n\n"
               "Trump tweeted that he and Putin discussed forming an impenetrable "
               "Cyber Security unit, so that election hacking will be guarded.\n\n"
               "Critics said a joint cybersecurity unit with Russia would be "
               "naive. Mnuchin defended it; Tillerson said little.\n");
    write_file(src, "harbour.md",
               "---\ntitle: Harbours at dawn\nauthor: Ann O'Neil\ndate: 2019-05-02\n---\n"
               "Ships sail in the harbour at dawn. The harbour-master's log "
               "records U.S.A. flags, AT&T cables and C++ manuals; 3.14 tonnes.\n\n"
               "Über café naïve Ελληνικά русский 日本語 text “quoted” — dashes.\n");
    write_file(src, "feed.jsonl",
               "{\"id\":\"a1\",\"title\":\"Regatta\",\"text\":\"The river regatta "
               "drew rowing crews.\",\"date\":\"2017-07-09\",\"author\":[\"Ellison\","
               "\"Park\"],\"url\":\"https://example.org/regatta\"}\n"
               "{\"id\":\"a2\",\"title\":\"Chemical weapons inquiry\",\"text\":"
               "\"Investigators examined chemical weapons units in Syria.\"}\n");
    /* 2,000 distinct words sharing a prefix, in passages of 100 */
    qr_buf b = {0};
    qr_buf_puts(&b, "Numbered words\n\n");
    for (int i = 0; i < 2000; i++)
        qr_buf_printf(&b, "w%04d%s", i, i % 100 == 99 ? "\n\n" : " ");
    if (!b.data) {
        fprintf(stderr, "fuzz_query: out of memory\n");
        exit(1);
    }
    write_file(src, "words.txt", b.data);
    qr_buf_free(&b);

    qr_index_opts o = {0};
    o.db_path = db;
    qr_indexer *ix = NULL;
    qr_buf err = {0};
    const char *paths[] = {src};
    if (qr_indexer_open(&o, &ix, &err) != QR_OK ||
        qr_indexer_run(ix, paths, 1, &err) != QR_OK) {
        fprintf(stderr, "fuzz_query: building the index: %s\n",
                err.data ? err.data : "?");
        exit(1);
    }
    qr_indexer_free(ix);
    const char *dbs[] = {db};
    if (qr_searcher_open(dbs, 1, &fz_searcher, &err) != QR_OK ||
        qr_highlighter_new(qr_searcher_lang(fz_searcher),
                           qr_searcher_exact_accents(fz_searcher), &fz_hl, &err) != QR_OK) {
        fprintf(stderr, "fuzz_query: opening the index: %s\n",
                err.data ? err.data : "?");
        exit(1);
    }
    qr_buf_free(&err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(fz_root, sizeof fz_root, "%s/quarry-fuzz.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fz_root)) {
        perror("fuzz_query: mkdtemp");
        exit(1);
    }
    atexit(remove_root);
    build_index();
    return 0;
}

static void check_spans(const qr_hl_span *sp, size_t n, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(sp[i].start < sp[i].end, "highlight span not empty");
        FUZZ_CHECK(sp[i].end <= len, "highlight span inside the text");
        FUZZ_CHECK(i == 0 || sp[i].start >= sp[i - 1].end,
                   "highlight spans in order, not overlapping");
    }
}

static void check_hit(const qr_hit *h)
{
    const qr_record *r = &h->rec;
    FUZZ_CHECK(r->text != NULL && r->title != NULL, "record decoded");
    qr_hl_span *spans = NULL;
    size_t n = 0;
    if (qr_highlight(fz_hl, r->text, r->text_len, &spans, &n) == 0) {
        check_spans(spans, n, r->text_len);
        size_t ws, we;
        qr_snippet_window(r->text, r->text_len, spans, n, QR_SNIPPET_BYTES, &ws, &we);
        FUZZ_CHECK(ws <= we && we <= r->text_len, "snippet window inside the text");
        qr_buf snip = {0};
        if (qr_snippet_build(r->text, r->text_len, spans, n, QR_SNIPPET_BYTES,
                             "**", "**", &snip) == 0 && snip.data)
            FUZZ_CHECK(test_utf8_valid(snip.data, snip.len), "snippet is UTF-8");
        qr_buf_free(&snip);
        free(spans);
    }
    spans = NULL;
    n = 0;
    size_t tlen = strlen(r->title);
    if (qr_highlight(fz_hl, r->title, tlen, &spans, &n) == 0) {
        check_spans(spans, n, tlen);
        free(spans);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    qr_query *q = NULL;
    qr_buf err = {0};
    qr_parse_level from = (mode & 1) ? QR_PARSE_PLAIN : QR_PARSE_FULL;
    qr_status st = qr_query_parse(fz_searcher, text, from, &q, &err);
    FUZZ_CHECK(st == QR_OK || st == QR_ERR_NOMEM, "parse never fails on syntax");
    if (st == QR_OK) {
        FUZZ_CHECK(q->xq != NULL, "the query is never NULL");
        FUZZ_CHECK(q->level >= from, "the chain starts where asked");
        FUZZ_CHECK(q->text && strcmp(q->text, text) == 0, "the text is kept");
        for (size_t i = 0; i < q->nterms; i++)
            FUZZ_CHECK(q->terms[i] != NULL, "terms are strings");
        for (size_t i = 0; i + 1 < q->nterms; i++)
            FUZZ_CHECK(strcmp(q->terms[i], q->terms[i + 1]) < 0, "terms sorted, distinct");
        char *desc = qr_query_describe(q);
        free(desc);
        if (qr_highlighter_set_terms(fz_hl, (const char *const *)q->terms, q->nterms,
                                     (const char *const *)q->prefixes,
                                     q->nprefixes) == 0) {
            qr_search_opts so = qr_search_defaults();
            so.limit = 5;
            so.per_article = (mode >> 1) & 3;   /* 0: no grouping */
            so.offset = (mode >> 3) & 1;
            qr_results res = {0};
            qr_buf serr = {0};
            qr_status rs = qr_search_run(fz_searcher, q, &so, &res, &serr);
            FUZZ_CHECK(rs == QR_OK || rs == QR_ERR_NOMEM, "search runs");
            if (rs == QR_OK) {
                size_t group = so.per_article ? so.per_article : 1;
                FUZZ_CHECK(res.n <= so.limit * group, "at most limit groups of hits");
                for (size_t i = 0; i < res.n; i++) {
                    const qr_hit *h = &res.hits[i], *prev = i ? h - 1 : NULL;
                    if (!prev || !so.per_article) {
                        FUZZ_CHECK(h->rank == (prev ? prev->rank + 1 : so.offset + 1),
                                   "ranks 1..n");
                    } else if (h->rank == prev->rank) {
                        /* an article's passages share its rank */
                        FUZZ_CHECK(strcmp(h->rec.article_id, prev->rec.article_id) == 0,
                                   "a shared rank is one article's");
                    } else {
                        FUZZ_CHECK(h->rank == prev->rank + 1, "article ranks 1..n");
                    }
                    check_hit(h);
                }
                qr_results_free(&res);
            }
            qr_buf_free(&serr);
        }
        qr_query_free(q);
    }
    qr_buf_free(&err);
    free(text);
    return 0;
}

/*
 * query.c — one search as a request asks for it: the parameters the API
 * and the page share, the query text with its filters, the run on this
 * thread's searcher (retried once on a fresh one), and its results as
 * quarry-query --json's objects.
 */
#include "serve.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "result_json.h"

int search_date_ok(const char *s)
{
    /* YYYY, YYYY-MM or YYYY-MM-DD, digits where digits go */
    static const char *const shapes[] = {"dddd", "dddd-dd", "dddd-dd-dd"};
    size_t n = strlen(s);
    for (size_t k = 0; k < 3; k++) {
        if (n != strlen(shapes[k]))
            continue;
        int ok = 1;
        for (size_t i = 0; i < n && ok; i++)
            ok = shapes[k][i] == 'd' ? s[i] >= '0' && s[i] <= '9'
                                     : s[i] == '-';
        if (!ok)
            continue;
        int month = n >= 7 ? (s[5] - '0') * 10 + (s[6] - '0') : 1;
        int day = n == 10 ? (s[8] - '0') * 10 + (s[9] - '0') : 1;
        return month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    return 0;
}

/* A source: filter value: one word of a path or URL, no spaces, quotes,
 * brackets or colons that would make it query syntax. */
static int source_ok(const char *s)
{
    if (!*s || strlen(s) > 200)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || strchr("\"'():()[]{}*", *s))
            return 0;
    return 1;
}

int search_params(request *r, search_req *sr, uint32_t max_n)
{
    memset(sr, 0, sizeof *sr);
    sr->opts = qr_search_defaults();
    sr->q = req_param(r, "q");
    if (sr->q && strlen(sr->q) > SERVE_MAX_QUERY_BYTES) {
        req_error(r, 400, "q", "q: longer than %d bytes",
                  SERVE_MAX_QUERY_BYTES);
        return -1;
    }
    if (req_count(r, "n", 1, max_n, 10, &sr->opts.limit) ||
        req_count(r, "offset", 0, SERVE_MAX_OFFSET, 0, &sr->opts.offset) ||
        req_count(r, "per_article", 1, SERVE_MAX_PER_ARTICLE, 1,
                  &sr->opts.per_article))
        return -1;
    int dup = 0, explain = 0;
    if (req_flag(r, "passages", &sr->all_passages) ||
        req_flag(r, "plain", &sr->plain) ||
        req_flag(r, "duplicates", &dup) || req_flag(r, "explain", &explain))
        return -1;
    sr->opts.duplicates = dup;
    sr->opts.explain = explain;
    sr->spelling = 1;
    if (req_param(r, "spelling") && req_flag(r, "spelling", &sr->spelling))
        return -1;
    const char *sort = req_param(r, "sort");
    if (!sort || !*sort || !strcmp(sort, "relevance"))
        sr->opts.sort = QR_SORT_RELEVANCE;
    else if (!strcmp(sort, "date"))
        sr->opts.sort = QR_SORT_NEWEST;
    else if (!strcmp(sort, "-date"))
        sr->opts.sort = QR_SORT_OLDEST;
    else {
        req_error(r, 400, "sort", "sort: expected relevance, date (newest "
                  "first) or -date (oldest first)");
        return -1;
    }
    const char *keys[] = {"from", "to"};
    const char **vals[] = {&sr->from, &sr->to};
    for (int i = 0; i < 2; i++) {
        const char *v = req_param(r, keys[i]);
        if (v && *v && !search_date_ok(v)) {
            req_error(r, 400, keys[i], "%s: expected a date YYYY-MM-DD (or "
                      "YYYY-MM, YYYY)", keys[i]);
            return -1;
        }
        *vals[i] = v && *v ? v : NULL;
    }
    const char *src = req_param(r, "source");
    if (src && *src && !source_ok(src)) {
        req_error(r, 400, "source", "source: expected one word of a source "
                  "path or URL (no spaces, quotes or brackets)");
        return -1;
    }
    sr->source = src && *src ? src : NULL;
    /* lang=fr (or french, fr-CA): the articles in that language, as lang:
     * in the query */
    const char *lang = req_param(r, "lang");
    if (lang && *lang && qr_lang_code(lang, sr->lang) != 0) {
        req_error(r, 400, "lang", "lang: expected a language code or name "
                  "(fr, de, french ...)");
        return -1;
    }
    const char *like = req_param(r, "like");
    if (like && strlen(like) > SERVE_MAX_ID_BYTES) {
        req_error(r, 400, "like", "like: longer than %d bytes",
                  SERVE_MAX_ID_BYTES);
        return -1;
    }
    sr->like = like && *like ? like : NULL;
    if (sr->all_passages) {
        if (req_param(r, "per_article")) {
            req_error(r, 400, "passages", "passages and per_article cannot "
                      "be used together");
            return -1;
        }
        if (sr->opts.sort != QR_SORT_RELEVANCE) {
            req_error(r, 400, "sort", "sort by date ranks articles: not "
                      "with passages");
            return -1;
        }
        if (sr->like) {
            req_error(r, 400, "like", "like finds articles: not with "
                      "passages");
            return -1;
        }
        sr->opts.per_article = 0;
    }
    int words = sr->q && sr->q[strspn(sr->q, " \t\r\n\f\v")];
    if (!words && !sr->like && !sr->from && !sr->to && !sr->source &&
        !sr->lang[0]) {
        req_error(r, 400, "q", "q: no query given");
        return -1;
    }
    return 0;
}

/* q and the filters as one query text, as it would be typed to
 * quarry-query: "cyber date:2019..2020 source:coastal lang:fr". */
static char *query_text(const search_req *sr)
{
    qr_buf b = {0};
    int rc = qr_buf_puts(&b, sr->q ? sr->q : "");
    if (sr->from || sr->to)
        rc |= qr_buf_printf(&b, "%sdate:%s..%s", b.len ? " " : "",
                            sr->from ? sr->from : "", sr->to ? sr->to : "");
    if (sr->source)
        rc |= qr_buf_printf(&b, "%ssource:%s", b.len ? " " : "", sr->source);
    if (sr->lang[0])
        rc |= qr_buf_printf(&b, "%slang:%s", b.len ? " " : "", sr->lang);
    if (rc == 0 && !b.data)
        rc = qr_buf_puts(&b, "");
    if (rc) {
        qr_buf_free(&b);
        return NULL;
    }
    return qr_buf_steal(&b);
}

void search_out_free(search_out *o)
{
    qr_highlighter_free(o->hl);
    qr_results_free(&o->res);
    qr_query_free(o->q);
    free(o->text);
    memset(o, 0, sizeof *o);
}

/* The failures a fresh searcher may not have: the version read was
 * deleted by a rebuild, or the index was replaced. */
static int retryable(qr_status st)
{
    return st == QR_ERR_INDEX || st == QR_ERR_IO || st == QR_ERR_NOINDEX;
}

int search_exec(request *r, const search_req *sr, search_out *out)
{
    memset(out, 0, sizeof *out);
    qr_buf err = {0};
    qr_status st = QR_OK;
    if (!(out->text = query_text(sr))) {
        req_error(r, 500, NULL, "out of memory");
        return -1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        qr_searcher *s = NULL;
        qr_buf_clear(&err);
        qr_query_free(out->q);
        out->q = NULL;
        st = pool_searcher(r->pool, &s, &err);
        if (st != QR_OK)
            break;
        qr_searcher_set_features(s, sr->spelling
                                        ? QR_FEAT_DEFAULT
                                        : QR_FEAT_DEFAULT &
                                              ~(unsigned)QR_FEAT_SPELLING);
        st = qr_query_parse(s, out->text,
                            sr->plain ? QR_PARSE_PLAIN : QR_PARSE_FULL,
                            &out->q, &err);
        if (st == QR_OK && sr->like) {
            st = qr_query_like(s, out->q, sr->like, &err);
            if (st == QR_ERR_USAGE) {
                const char *m = err.data ? err.data : "no such article";
                req_error(r, 404, "like", "%s", m + (m[0] == '-' ? 2 : 0));
                goto fail;
            }
        }
        if (st == QR_OK && out->q->empty && !sr->like) {
            req_error(r, 400, "q", "q: the query has no words to search for");
            goto fail;
        }
        if (st == QR_OK)
            st = qr_search_run(s, out->q, &sr->opts, &out->res, &err);
        if (st == QR_ERR_USAGE) {
            req_error(r, 400, NULL, "%s", err.data ? err.data : "bad request");
            goto fail;
        }
        if (st == QR_OK) {
            const qr_query *sq = out->res.searched ? out->res.searched
                                                   : out->q;
            /* highlighting is a nicety: results go without it on failure */
            if (qr_highlighter_for_query(qr_searcher_stemmers(s),
                                         qr_searcher_exact_accents(s), sq,
                                         &out->hl, NULL) != QR_OK)
                out->hl = NULL;
            out->revision = qr_searcher_revision(s);
            out->version = qr_searcher_version(s);
            qr_buf_free(&err);
            return 0;
        }
        if (!retryable(st))
            break;
        pool_discard(r->pool);
    }
    req_fail(r, st, &err);
fail:
    qr_buf_free(&err);
    search_out_free(out);
    return -1;
}

void search_spans(const search_out *o, const char *text, size_t len,
                  qr_hl_span **spans, size_t *n)
{
    *spans = NULL;
    *n = 0;
    if (o->hl && qr_highlight(o->hl, text, len, spans, n) != 0) {
        free(*spans);
        *spans = NULL;
        *n = 0;
    }
}

int search_results_json(qr_buf *b, const search_out *o)
{
    const qr_results *res = &o->res;
    qr_json_opts jo = {.total = res->estimated, .total_exact = res->exact,
                       .suggestion = o->q->suggestion,
                       .corrected = res->corrected};
    int rc = 0;
    for (size_t i = 0; i < res->n && rc == 0; i++) {
        const qr_hit *h = &res->hits[i];
        qr_hl_span *spans = NULL;
        size_t nspans = 0;
        search_spans(o, h->rec.text, h->rec.text_len, &spans, &nspans);
        qr_result_item it = {
            .index = i, .rank = h->rank, .score = h->score,
            .rec = &h->rec, .spans = spans, .nspans = nspans,
            .parts = h->parts, .nparts = h->nparts,
            .duplicates = h->duplicates,
            .duplicate_ids = h->duplicate_ids,
            .nduplicate_ids = h->nduplicate_ids,
        };
        if (i)
            rc |= qr_buf_putc(b, ',');
        rc |= qr_result_json(b, &jo, &it);
        free(spans);
    }
    return rc ? -1 : 0;
}

/* Appends one note line: text made printable, then '\n'. */
static int note(qr_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int note(qr_buf *b, const char *fmt, ...)
{
    qr_buf t = {0};
    va_list ap;
    va_start(ap, fmt);
    int rc = qr_buf_vprintf(&t, fmt, ap);
    va_end(ap);
    rc |= qr_buf_printable(b, t.data ? t.data : "", t.len);
    rc |= qr_buf_putc(b, '\n');
    qr_buf_free(&t);
    return rc;
}

int search_notes(const search_out *o, qr_buf *b)
{
    const qr_query *q = o->q;
    const qr_query *sq = o->res.searched ? o->res.searched : q;
    int rc = 0;
    if (q->long_query)
        rc |= note(b, "the query has more than %d words: searched as plain "
                   "words%s", QR_MAX_QUERY_TERMS,
                   q->truncated ? ", and only its first words" : "");
    else if (q->level > QR_PARSE_FULL && q->fallback_reason)
        rc |= note(b, "query syntax not understood (%s); searched for the "
                   "words: %.200s", q->fallback_reason,
                   q->plain ? q->plain : "");
    for (size_t i = 0; i < q->nnotes; i++)
        rc |= note(b, "%s", q->notes[i]);
    if (sq->wildcard_dropped)
        rc |= note(b, "a wildcard matches more than %u words; it was "
                   "searched as a plain word", QR_MAX_WILDCARD_EXPANSION);
    if (o->res.unreadable)
        rc |= note(b, "%zu results skipped: their stored record is "
                   "unreadable", o->res.unreadable);
    return rc ? -1 : 0;
}

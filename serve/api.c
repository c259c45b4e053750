/*
 * api.c — the JSON API: /api/search (quarry-query --json's result objects
 * and the totals), /api/article (an article's passages), /api/suggest
 * (the spelling suggestion) and /healthz.
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>

#include "excerpt.h"

static const char *const search_keys[] = {
    "q", "n", "offset", "per_article", "passages", "sort", "from", "to",
    "source", "lang", "plain", "like", "duplicates", "explain", "spelling",
    NULL};

static int json_str(qr_buf *b, const char *key, const char *s)
{
    int rc = qr_buf_printf(b, "\"%s\":", key);
    if (!s)
        return rc | qr_buf_puts(b, "null");
    return rc | qr_buf_json_string(b, s, strlen(s));
}

static int json_notes(qr_buf *b, const search_out *o)
{
    qr_buf notes = {0};
    int rc = search_notes(o, &notes);
    rc |= qr_buf_puts(b, "\"notes\":[");
    size_t at = 0;
    for (int first = 1; at < notes.len; first = 0) {
        const char *nl = memchr(notes.data + at, '\n', notes.len - at);
        size_t end = nl ? (size_t)(nl - notes.data) : notes.len;
        rc |= qr_buf_puts(b, first ? "" : ",");
        rc |= qr_buf_json_string(b, notes.data + at, end - at);
        at = end + 1;
    }
    qr_buf_free(&notes);
    return rc | qr_buf_putc(b, ']');
}

void api_search(request *r)
{
    search_req sr;
    search_out o;
    if (req_check_params(r, search_keys) ||
        search_params(r, &sr, SERVE_MAX_N) || search_exec(r, &sr, &o))
        return;
    qr_buf *b = &r->body;
    const char *sort = sr.opts.sort == QR_SORT_NEWEST   ? "date"
                       : sr.opts.sort == QR_SORT_OLDEST ? "-date"
                                                        : "relevance";
    int rc = qr_buf_putc(b, '{');
    rc |= json_str(b, "query", sr.q ? sr.q : "");
    rc |= qr_buf_putc(b, ',');
    rc |= json_str(b, "searched", o.text);
    rc |= qr_buf_printf(b, ",\"total\":%u,\"total_exact\":%s,\"offset\":%u,"
                        "\"n\":%zu,\"unit\":\"%s\",\"sort\":\"%s\",",
                        o.res.estimated, o.res.exact ? "true" : "false",
                        sr.opts.offset, o.res.n,
                        sr.opts.per_article ? "article" : "passage", sort);
    rc |= json_str(b, "suggestion", o.q->suggestion);
    rc |= qr_buf_printf(b, ",\"corrected\":%s,",
                        o.res.corrected ? "true" : "false");
    rc |= json_notes(b, &o);
    rc |= qr_buf_printf(b, ",\"revision\":%llu,",
                        (unsigned long long)o.revision);
    rc |= json_str(b, "version", o.version);
    rc |= qr_buf_puts(b, ",\"results\":[");
    rc |= search_results_json(b, &o);
    rc |= qr_buf_puts(b, "]}\n");
    search_out_free(&o);
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, 200, "application/json");
}

static const char *const article_keys[] = {"id", NULL};

void api_article(request *r, const char *id)
{
    if (req_check_params(r, article_keys))
        return;
    const char *pid = req_param(r, "id");
    if (id && pid) {
        req_error(r, 400, "id", "the article id is given twice: in the path "
                  "and as id");
        return;
    }
    if (!id)
        id = pid;
    if (!id || !*id) {
        req_error(r, 400, "id", "id: no article id given (/api/article/ID "
                  "or /api/article?id=ID)");
        return;
    }
    if (strlen(id) > SERVE_MAX_ID_BYTES) {
        req_error(r, 400, "id", "id: longer than %d bytes",
                  SERVE_MAX_ID_BYTES);
        return;
    }
    qr_buf err = {0};
    qr_article_view a = {0};
    qr_status st = QR_OK;
    int looked = 0;    /* st is qr_article_get's: NOINDEX is no article */
    for (int attempt = 0; attempt < 2; attempt++) {
        qr_searcher *s = NULL;
        qr_buf_clear(&err);
        looked = 0;
        st = pool_searcher(r->pool, &s, &err);
        if (st != QR_OK)
            break;
        looked = 1;
        st = qr_article_get(s, id, SERVE_MAX_PASSAGES, &a, &err);
        if (st != QR_ERR_INDEX && st != QR_ERR_IO)
            break;
        pool_discard(r->pool);
    }
    if (st == QR_ERR_NOINDEX && looked) {
        req_error(r, 404, "id", "%s", err.data ? err.data : "no article");
        qr_buf_free(&err);
        return;
    }
    if (st != QR_OK) {
        req_fail(r, st, &err);
        qr_buf_free(&err);
        return;
    }
    qr_buf_free(&err);
    const qr_record *first = &a.recs[0];
    qr_buf *b = &r->body;
    qr_buf date = {0};
    int rc = qr_buf_putc(b, '{');
    rc |= json_str(b, "article_id", first->article_id);
    rc |= qr_buf_putc(b, ',');
    rc |= json_str(b, "title", first->title);
    rc |= qr_buf_putc(b, ',');
    rc |= json_str(b, "source", first->source);
    rc |= qr_buf_putc(b, ',');
    rc |= json_str(b, "url", *first->url ? first->url : NULL);
    rc |= qr_buf_putc(b, ',');
    if (*first->date)
        rc |= qr_date_format(&date, first->date);
    rc |= json_str(b, "date", date.data);
    qr_buf_free(&date);
    rc |= qr_buf_printf(b, ",\"date_source\":%s,",
                        !*first->date ? "null"
                        : first->flags & QR_RECORD_DATE_FROM_FILE
                            ? "\"file\"" : "\"document\"");
    rc |= json_str(b, "author", *first->author ? first->author : NULL);
    rc |= qr_buf_printf(b, ",\"passages\":%u,\"shown\":%zu,\"truncated\":%s,"
                        "\"passage_list\":[",
                        a.total, a.n, a.n < a.total ? "true" : "false");
    for (size_t i = 0; i < a.n; i++) {
        const qr_record *p = &a.recs[i];
        rc |= qr_buf_printf(b, "%s{\"passage\":%u,", i ? "," : "",
                            p->ordinal + 1);
        if (p->page)
            rc |= qr_buf_printf(b, "\"page\":%u,\"page_last\":%u,", p->page,
                                p->page_last > p->page ? p->page_last
                                                       : p->page);
        else
            rc |= qr_buf_puts(b, "\"page\":null,\"page_last\":null,");
        rc |= qr_buf_printf(b, "\"start\":%llu,\"end\":%llu,\"text\":",
                            (unsigned long long)p->start,
                            (unsigned long long)p->end);
        rc |= qr_buf_json_string(b, p->text, p->text_len);
        rc |= qr_buf_putc(b, '}');
    }
    rc |= qr_buf_puts(b, "]}\n");
    qr_article_free(&a);
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, 200, "application/json");
}

static const char *const suggest_keys[] = {"q", NULL};

void api_suggest(request *r)
{
    if (req_check_params(r, suggest_keys))
        return;
    const char *q = req_param(r, "q");
    if (!q || !q[strspn(q, " \t\r\n\f\v")]) {
        req_error(r, 400, "q", "q: no query given");
        return;
    }
    if (strlen(q) > SERVE_MAX_QUERY_BYTES) {
        req_error(r, 400, "q", "q: longer than %d bytes",
                  SERVE_MAX_QUERY_BYTES);
        return;
    }
    qr_buf err = {0};
    qr_query *pq = NULL;
    qr_status st = QR_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        qr_searcher *s = NULL;
        qr_buf_clear(&err);
        st = pool_searcher(r->pool, &s, &err);
        if (st != QR_OK)
            break;
        qr_searcher_set_features(s, QR_FEAT_DEFAULT);
        st = qr_query_parse(s, q, QR_PARSE_FULL, &pq, &err);
        if (st != QR_ERR_INDEX && st != QR_ERR_IO)
            break;
        pool_discard(r->pool);
    }
    if (st != QR_OK) {
        req_fail(r, st, &err);
        qr_buf_free(&err);
        return;
    }
    qr_buf_free(&err);
    qr_buf *b = &r->body;
    int rc = qr_buf_putc(b, '{');
    rc |= json_str(b, "query", q);
    rc |= qr_buf_putc(b, ',');
    rc |= json_str(b, "suggestion", pq->suggestion);
    rc |= qr_buf_puts(b, "}\n");
    qr_query_free(pq);
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, 200, "application/json");
}

static const char *const no_keys[] = {NULL};

void api_healthz(request *r)
{
    if (req_check_params(r, no_keys))
        return;
    qr_buf err = {0};
    qr_searcher *s = NULL;
    qr_status st = pool_searcher(r->pool, &s, &err);
    if (st != QR_OK) {
        req_fail(r, st, &err);
        if (r->status == 500)
            r->status = 503;
        qr_buf_free(&err);
        return;
    }
    qr_buf_free(&err);
    qr_buf *b = &r->body;
    int rc = qr_buf_printf(b, "{\"status\":\"ok\",\"passages\":%u,"
                           "\"revision\":%llu,",
                           qr_searcher_doccount(s),
                           (unsigned long long)qr_searcher_revision(s));
    rc |= json_str(b, "version", qr_searcher_version(s));
    rc |= qr_buf_puts(b, "}\n");
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, 200, "application/json");
}

/*
 * article.c — an article's passages by its id, in order: the full-text
 * view of a search interface.
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

void qr_article_free(qr_article_view *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->data[i]);
    free(a->data);
    free(a->recs);
    memset(a, 0, sizeof *a);
}

typedef struct collect {
    uint32_t *ids;
    size_t n, cap;
} collect;

static int collect_docid(void *ctx, uint32_t docid, uint32_t wdf)
{
    (void)wdf;
    collect *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        uint32_t *v = realloc(c->ids, cap * sizeof *v);
        if (!v)
            return -1;
        c->ids = v;
        c->cap = cap;
    }
    c->ids[c->n++] = docid;
    return 0;
}

static int by_ordinal(const void *x, const void *y)
{
    const qr_record *a = x, *b = y;
    return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
}

/* One attempt: the passages' documents read and decoded into a. */
static xc_status article_read(qr_searcher *s, const char *term, uint32_t max,
                              qr_article_view *a)
{
    collect c = {0};
    xc_status st = xc_db_postlist_each(s->db, term, collect_docid, &c);
    if (st == XC_OK && c.n) {
        size_t want = c.n < max ? c.n : max;
        a->total = (uint32_t)c.n;
        a->recs = calloc(want, sizeof *a->recs);
        a->data = calloc(want, sizeof *a->data);
        if (!a->recs || !a->data)
            st = XC_NOMEM;
        /* docids follow the order the passages were added in: the first
         * max of them are the article's first passages */
        for (size_t i = 0; st == XC_OK && i < want; i++) {
            xc_doc *doc = NULL;
            size_t len = 0;
            st = xc_db_get_document(s->db, c.ids[i], &doc);
            if (st == XC_OK)
                st = xc_doc_get_data(doc, &a->data[a->n], &len);
            xc_doc_free(doc);
            if (st != XC_OK)
                break;
            if (qr_record_decode(a->data[a->n], len, &a->recs[a->n]) != 0) {
                free(a->data[a->n]);
                a->data[a->n] = NULL;
                a->unreadable++;
                continue;
            }
            a->n++;
        }
        if (st == XC_OK)
            qsort(a->recs, a->n, sizeof *a->recs, by_ordinal);
    }
    free(c.ids);
    return st;
}

qr_status qr_article_get(qr_searcher *s, const char *article_id, uint32_t max,
                         qr_article_view *out, qr_buf *err)
{
    if (!s || !article_id || !out || max == 0) {
        searcher_err(err, "invalid arguments", NULL);
        return QR_ERR_USAGE;
    }
    qr_buf term = {0};
    if (qr_key_term(&term, QR_TERM_ARTICLE, article_id) != 0) {
        searcher_err(err, "out of memory", NULL);
        return QR_ERR_NOMEM;
    }
    qr_article_view a = {0};
    xc_status st = XC_OK;
    for (unsigned tries = 0; tries <= QR_MODIFIED_RETRIES; tries++) {
        qr_article_free(&a);
        st = article_read(s, term.data, max, &a);
        if (st != XC_MODIFIED || xc_db_reopen(s->db, NULL) != XC_OK)
            break;
    }
    qr_buf_free(&term);
    if (st != XC_OK) {
        qr_article_free(&a);
        searcher_err(err, "cannot read the article", xc_db_errmsg(s->db));
        return qr_status_from_xc(st);
    }
    if (a.n == 0) {
        qr_article_free(&a);
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, "no article '");
            qr_buf_printable(err, article_id, strlen(article_id));
            qr_buf_puts(err, "' in the index");
        }
        return QR_ERR_NOINDEX;
    }
    *out = a;
    return QR_OK;
}

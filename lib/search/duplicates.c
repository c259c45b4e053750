/*
 * duplicates.c — the articles of the same text as a result: their ids,
 * those folded among the candidates and those the content term (XH)
 * finds, given to the result's hits (articles.c folds them).
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

/* The ids of the articles other than self matching q whose content hash
 * is content (at most QR_DUPLICATE_IDS of them), sorted, into *out: those
 * folded among the candidates, and those the index's content term finds
 * (indexes made before it have only the first). */
#define QR_DUPLICATE_IDS 100
static xc_status duplicate_ids(qr_searcher *s, const qr_query *q,
                               const char *self, const char *content,
                               const strlist *folded, strlist *out)
{
    for (size_t i = 0; i < folded->n && out->n < QR_DUPLICATE_IDS; i++)
        if (strlist_add(out, folded->v[i], strlen(folded->v[i])) != 0)
            return XC_NOMEM;
    qr_buf term = {0};
    xc_query *same = NULL, *both[2] = {q->xq, NULL}, *match = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    xc_status st = qr_buf_puts(&term, QR_TERM_CONTENT) != 0 ||
                   qr_buf_puts(&term, content) != 0 ? XC_NOMEM : XC_OK;
    if (st == XC_OK)
        st = xc_query_new_term(term.data, 1, 0, &same);
    both[1] = same;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_FILTER, both, 2, 0, &match);
    if (st == XC_OK)
        st = xc_enquire_new(s->adb, &enq, NULL);
    if (st == XC_OK)
        st = xc_enquire_set_query(enq, match, 0);
    if (st == XC_OK)
        st = xc_enquire_set_sort_by_value(enq, QR_SLOT_ARTICLE, 0);
    if (st == XC_OK)
        st = xc_enquire_get_mset(enq, 0, QR_DUPLICATE_IDS + 1, 0, &ms);
    uint32_t n = st == XC_OK ? xc_mset_size(ms) : 0;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        char *key = NULL;
        size_t len = 0;
        st = xc_mset_get_value(ms, i, QR_SLOT_ARTICLE, &key, &len);
        if (st == XC_OK && key && strcmp(key, self) != 0 &&
            strlist_add(out, key, len) != 0)
            st = XC_NOMEM;
        free(key);
    }
    strlist_uniq(out);
    while (out->n > QR_DUPLICATE_IDS)
        free(out->v[--out->n]);
    xc_mset_free(ms);
    xc_enquire_free(enq);
    xc_query_free(match);
    xc_query_free(same);
    qr_buf_free(&term);
    return st;
}

xc_status duplicates_fill(qr_searcher *s, const qr_query *q, const char *key,
                          const char *content, const strlist *folded,
                          uint32_t nfolded, qr_hit *h, size_t n)
{
    strlist ids = {0};
    xc_status st = duplicate_ids(s, q, key, content, folded, &ids);
    for (size_t k = 0; st == XC_OK && k < n; k++) {
        h[k].duplicates = ids.n > nfolded ? (uint32_t)ids.n : nfolded;
        if (!ids.n)
            continue;
        h[k].duplicate_ids = calloc(ids.n, sizeof *h[k].duplicate_ids);
        if (!h[k].duplicate_ids) {
            st = XC_NOMEM;
            break;
        }
        for (size_t i = 0; i < ids.n; i++) {
            h[k].duplicate_ids[i] = strlist_strdup(ids.v[i]);
            if (!h[k].duplicate_ids[i]) {
                st = XC_NOMEM;
                break;
            }
            h[k].nduplicate_ids++;
        }
    }
    strlist_free(ids.v, ids.n);
    return st;
}

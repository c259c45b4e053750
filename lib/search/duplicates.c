/*
 * duplicates.c — the articles of the same text as a result: their ids,
 * those folded among the candidates and those the content term (XH)
 * finds, given to the result's hits (articles.c folds them).
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

#define QR_DUPLICATE_IDS 100

/* The keys found by the content term, per content hash (dups_find). */
struct dup_found {
    char *content;
    strlist keys;        /* sorted, at most QR_DUPLICATE_IDS + 1 */
};

void duplicates_found_free(dup_found *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++) {
        free(f[i].content);
        strlist_free(f[i].keys.v, f[i].keys.n);
    }
    free(f);
}

static int cmp_found(const void *a, const void *b)
{
    return strcmp(((const dup_found *)a)->content,
                  ((const dup_found *)b)->content);
}

/* The articles matching q whose content hash is one of contents[0..n)
 * (the page's articles), in one match for all of them, where each
 * article asked alone costs a match (two round trips per remote shard):
 * the content hash is the collapse key, keeping the first
 * QR_DUPLICATE_IDS + 1 of each in id order, as one match per article
 * would; the keys come back as sort keys and the hashes as collapse keys,
 * so no document is read. *out: one entry per distinct hash, sorted by
 * hash. */
xc_status duplicates_find(qr_searcher *s, const qr_query *q,
                          const char *const *contents, size_t n,
                          dup_found **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n == 0)
        return XC_OK;
    dup_found *f = calloc(n, sizeof *f);
    xc_query **t = calloc(n, sizeof *t);
    qr_buf term = {0};
    xc_status st = f && t ? XC_OK : XC_NOMEM;
    size_t nf = 0;
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        if (!(f[nf].content = strlist_strdup(contents[i])))
            st = XC_NOMEM;
        else
            nf++;
    }
    if (st == XC_OK) {
        qsort(f, nf, sizeof *f, cmp_found);
        size_t m = 0;
        for (size_t i = 0; i < nf; i++) {
            if (m && strcmp(f[m - 1].content, f[i].content) == 0)
                free(f[i].content);
            else
                f[m++] = f[i];
        }
        for (size_t i = m; i < nf; i++)
            memset(&f[i], 0, sizeof f[i]);
        nf = m;
    }
    for (size_t i = 0; st == XC_OK && i < nf; i++) {
        qr_buf_clear(&term);
        st = qr_buf_puts(&term, QR_TERM_CONTENT) != 0 ||
             qr_buf_puts(&term, f[i].content) != 0
                 ? XC_NOMEM : xc_query_new_term(term.data, 1, 0, &t[i]);
    }
    xc_query *any = NULL, *match = NULL, *both[2] = {q->xq, NULL};
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, nf, 0, &any);
    both[1] = any;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_FILTER, both, 2, 0, &match);
    if (st == XC_OK)
        st = xc_enquire_new(s->adb, &enq, NULL);
    if (st == XC_OK)
        st = xc_enquire_set_query(enq, match, 0);
    if (st == XC_OK)
        st = xc_enquire_set_sort_by_value(enq, QR_SLOT_ARTICLE, 0);
    if (st == XC_OK)
        st = xc_enquire_set_collapse_key(enq, QR_SLOT_CONTENT,
                                         QR_DUPLICATE_IDS + 1);
    if (st == XC_OK)
        st = xc_enquire_get_mset(enq, 0,
                                 (uint32_t)nf * (QR_DUPLICATE_IDS + 1), 0,
                                 &ms);
    uint32_t size = st == XC_OK ? xc_mset_size(ms) : 0;
    for (uint32_t i = 0; st == XC_OK && i < size; i++) {
        char *key = NULL, *hash = NULL;
        size_t len = 0, hlen = 0;
        st = xc_mset_get_sort_key(ms, i, &key, &len);
        if (st == XC_OK)
            st = xc_mset_get_collapse_key(ms, i, &hash, &hlen);
        dup_found probe = {hash, {0}};
        dup_found *g = st == XC_OK && hash
                     ? bsearch(&probe, f, nf, sizeof *f, cmp_found) : NULL;
        if (g && key && strlist_add(&g->keys, key, len) != 0)
            st = XC_NOMEM;
        free(key);
        free(hash);
    }
    for (size_t i = 0; st == XC_OK && i < nf; i++)
        strlist_uniq(&f[i].keys);
    xc_mset_free(ms);
    xc_enquire_free(enq);
    xc_query_free(match);
    xc_query_free(any);
    for (size_t i = 0; t && i < nf; i++)
        xc_query_free(t[i]);
    free(t);
    qr_buf_free(&term);
    if (st != XC_OK) {
        duplicates_found_free(f, nf);
        return st;
    }
    *out = f;
    *nout = nf;
    return XC_OK;
}

/* The ids of the articles other than self matching q whose content hash
 * is content (at most QR_DUPLICATE_IDS of them), sorted, into *out: those
 * folded among the candidates, and those the index's content term finds
 * (found: duplicates_find's; indexes made before it have only the
 * first). */
static xc_status duplicate_ids(const char *self, const char *content,
                               const strlist *folded, const dup_found *found,
                               size_t nfound, strlist *out)
{
    for (size_t i = 0; i < folded->n && out->n < QR_DUPLICATE_IDS; i++)
        if (strlist_add(out, folded->v[i], strlen(folded->v[i])) != 0)
            return XC_NOMEM;
    dup_found probe = {(char *)content, {0}};
    const dup_found *g = nfound ? bsearch(&probe, found, nfound,
                                          sizeof *found, cmp_found) : NULL;
    for (size_t i = 0; g && i < g->keys.n; i++)
        if (strcmp(g->keys.v[i], self) != 0 &&
            strlist_add(out, g->keys.v[i], strlen(g->keys.v[i])) != 0)
            return XC_NOMEM;
    strlist_uniq(out);
    while (out->n > QR_DUPLICATE_IDS)
        free(out->v[--out->n]);
    return XC_OK;
}

xc_status duplicates_fill(const dup_found *found, size_t nfound,
                          const char *key, const char *content,
                          const strlist *folded, uint32_t nfolded, qr_hit *h,
                          size_t n)
{
    strlist ids = {0};
    xc_status st = duplicate_ids(key, content, folded, found, nfound, &ids);
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

/*
 * candidates.c — an mset as the candidates of a result list, their
 * articles, and the collapse to a number of passages per article.
 */
#include "search_int.h"

#include <stdlib.h>

/* The results of ms as candidates in their order, with their BM25
 * weights and no text evidence yet (*out NULL when ms is empty). */
xc_status cand_from_mset(xc_mset *ms, cand **out)
{
    uint32_t n = xc_mset_size(ms);
    *out = NULL;
    if (n == 0)
        return XC_OK;
    cand *c = malloc(n * sizeof *c);
    if (!c)
        return XC_NOMEM;
    xc_status st = XC_OK;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        xc_match m;
        st = xc_mset_get(ms, i, &m);
        c[i].index = i;
        c[i].score = m.weight;
        c[i].prox = 0;
        c[i].phrase = 0;
        c[i].article = 0;
        c[i].collapsed = m.collapse_count;
    }
    *out = c;
    return st;
}

/* Sets c[0..n).article from the results' collapse keys (qr_hash64: a
 * collision among a few hundred candidates is not a practical risk). */
xc_status cand_article_keys(xc_mset *ms, cand *c, uint32_t n)
{
    xc_status st = XC_OK;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        char *key = NULL;
        size_t len = 0;
        st = xc_mset_get_collapse_key(ms, c[i].index, &key, &len);
        c[i].article = st == XC_OK ? qr_hash64(key, len, 0) : 0;
        free(key);
    }
    return st;
}

/* Keeps the first per_article candidates of each article, in order,
 * dropping the rest in place; a dropped one adds to the count of
 * passages its article's first candidate stands for. Xapian gives each
 * passage it kept its article's whole collapse count, so the counts are
 * not added: the first keeps the largest, plus one per passage dropped.
 * Returns 0, or -1 on out of memory. */
int cand_collapse(cand *c, uint32_t *n, uint32_t per_article)
{
    /* open addressing on the article hash: where its first kept candidate
     * is and how many are kept */
    size_t cap = 16;
    while (cap < 2 * (size_t)*n)
        cap *= 2;
    struct slot { uint64_t article; uint32_t first, kept; } *t =
        calloc(cap, sizeof *t);
    if (!t)
        return -1;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < *n; i++) {
        size_t h = (size_t)(c[i].article ^ (c[i].article >> 32)) & (cap - 1);
        while (t[h].kept && t[h].article != c[i].article)
            h = (h + 1) & (cap - 1);
        if (t[h].kept == 0) {
            t[h].article = c[i].article;
            t[h].first = kept;
        }
        if (t[h].kept < per_article) {
            t[h].kept++;
            c[kept++] = c[i];
        } else {
            cand *first = &c[t[h].first];
            if (first->collapsed < c[i].collapsed)
                first->collapsed = c[i].collapsed;
            first->collapsed++;
        }
    }
    free(t);
    *n = kept;
    return 0;
}

/* How many passages per article the enquire keeps: after the rerank and
 * the feedback, which passage of an article is its best is known only
 * then, so a few spare ones are kept and cand_collapse collapses after
 * them. */
uint32_t cand_collapse_max(const qr_query *q, const qr_search_opts *o)
{
    if (!o->per_article)
        return 0;
    int reorders = rerank_wanted(q, o) || feedback_wanted(q, o);
    return o->per_article + (reorders ? QR_PASSAGE_SPARE : 0);
}

xc_status cand_fetch(const qr_searcher *s, xc_db *db, xc_mset *ms,
                     const cand *c, uint32_t n, unsigned flags)
{
    if (!s->remotes || n == 0)
        return XC_OK;
    uint32_t *items = malloc(n * sizeof *items);
    if (!items)
        return XC_NOMEM;
    for (uint32_t i = 0; i < n; i++)
        items[i] = c[i].index;
    xc_status st = searcher_fetch_items(s, db, ms, items, n, flags);
    free(items);
    return st;
}

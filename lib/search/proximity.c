/*
 * proximity.c — BM25TP term proximity of a passage (see proximity.h).
 */
#include "proximity.h"

#include <stdlib.h>

static int by_pos(const void *a, const void *b)
{
    const qr_occurrence *x = a, *y = b;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

double qr_proximity_from_occurrences(qr_occurrence *occ, size_t n,
                                     const double *idf, double *acc,
                                     size_t nterms, double len, double avlen,
                                     const qr_bm25 *bm)
{
    if (n < 2 || nterms < 2)
        return 0;
    qsort(occ, n, sizeof *occ, by_pos);
    for (size_t t = 0; t < nterms; t++)
        acc[t] = 0;
    for (size_t i = 1; i < n; i++) {
        const qr_occurrence *p = &occ[i - 1], *q = &occ[i];
        if (p->term == q->term || q->pos == p->pos)
            continue;
        double d = (double)(q->pos - p->pos);
        acc[q->term] += idf[p->term] / (d * d);
        acc[p->term] += idf[q->term] / (d * d);
    }
    double K = qr_bm25_k(bm, avlen > 0 ? len / avlen : 1);
    double score = 0;
    for (size_t t = 0; t < nterms; t++) {
        if (acc[t] <= 0)
            continue;
        double w = idf[t] < 1 ? idf[t] : 1;
        if (w > 0)
            score += w * acc[t] * (bm->k1 + 1) / (acc[t] + K);
    }
    return score;
}

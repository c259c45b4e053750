/*
 * bm25.c — BM25's default parameters and Xapian's BM25 formulas, so that
 * every score Quarry adds is on BM25's scale (see bm25.h).
 */
#include "bm25.h"

#include <math.h>

qr_bm25 qr_bm25_defaults(void)
{
    /* Cranfield wants a larger k1, SciFact a smaller one: 1.3 keeps both
     * above Lucene's BM25. b barely matters between 0.7 and 0.8; k2 > 0
     * and a min_normlen of 1 only lost (measured: bench/README.md,
     * "Tuning decisions"). */
    qr_bm25 p = {.k1 = 1.3, .k2 = 0.0, .k3 = 1.0, .b = 0.75,
                 .min_normlen = 0.5};
    return p;
}

double qr_bm25_idf(double doccount, double termfreq)
{
    double r = (doccount - termfreq + 0.5) / (termfreq + 0.5);
    if (r < 2)
        r = r * 0.5 + 1;
    return log(r);
}

double qr_bm25_k(const qr_bm25 *bm, double normlen)
{
    if (normlen < bm->min_normlen)
        normlen = bm->min_normlen;
    return bm->k1 * ((1 - bm->b) + bm->b * normlen);
}

double qr_bm25_part(const qr_bm25 *bm, double factor, double doccount,
                    double avlength, double tf, double wdf, double len)
{
    double termweight = qr_bm25_idf(doccount, tf) * factor * (bm->k1 + 1);
    double len_factor = 0;
    if (!(bm->k2 == 0 && (bm->b == 0 || bm->k1 == 0)) && avlength != 0)
        len_factor = 1 / avlength;
    double denom = qr_bm25_k(bm, len * len_factor) + wdf;
    return denom > 0 ? termweight * (wdf / denom) : 0;
}

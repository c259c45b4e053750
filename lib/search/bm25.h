/*
 * bm25.h — BM25 as xapian-core computes it (Xapian::BM25Weight, 1.4): the
 * parameters, their defaults, and the formulas the search needs outside
 * the matcher, so that what it adds to a score is on the matcher's scale.
 */
#ifndef QUARRY_BM25_H
#define QUARRY_BM25_H

/* BM25 parameters (Xapian::BM25Weight). The defaults live in one place,
 * qr_bm25_defaults(), and were chosen by measurement (bench/README.md,
 * "Tuning decisions"). */
typedef struct qr_bm25 {
    double k1;            /* term frequency saturation                  */
    double k2;            /* Xapian's document length correction (0: off) */
    double k3;            /* within-query frequency saturation          */
    double b;             /* document length normalisation, 0..1        */
    double min_normlen;   /* floor of the normalised document length    */
} qr_bm25;

qr_bm25 qr_bm25_defaults(void);

/* Xapian's BM25 idf of a term in termfreq of doccount documents (the
 * same value its BM25Weight uses, so proximity and BM25 are on one
 * scale): log((N - n + 0.5) / (n + 0.5)), a ratio below 2 replaced by
 * ratio / 2 + 1. */
double qr_bm25_idf(double doccount, double termfreq);

/* BM25's K for a document of normalised length normlen (its length over
 * the average; at least bm->min_normlen): k1 * ((1 - b) + b * normlen),
 * what a term frequency is saturated against. Proximity, phrase evidence
 * and feedback saturate theirs against the same K. */
double qr_bm25_k(const qr_bm25 *bm, double normlen);

/* Xapian's BM25 weight of a term with termfreq tf, wdf wdf and
 * within-query frequency 1, scaled by factor, in a document of length len
 * (the index: doccount documents of average length avlength): what the
 * matcher would add for the term in an OP_SCALE_WEIGHT(factor) query. */
double qr_bm25_part(const qr_bm25 *bm, double factor, double doccount,
                    double avlength, double tf, double wdf, double len);

#endif

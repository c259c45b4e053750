/*
 * proximity.h — term proximity evidence for a passage: how close together
 * the query's terms occur in it (Büttcher, Clarke and Lushman's BM25TP,
 * SIGIR 2006).
 *
 * The occurrences of the query's terms in a passage, in position order:
 * for each two neighbouring occurrences of different terms t and u at
 * distance d, acc(t) += idf(u) / d^2 and acc(u) += idf(t) / d^2. The
 * passage's proximity score is then
 *     sum over t of  min(1, idf(t)) * acc(t) * (k1 + 1) / (acc(t) + K)
 *     K = k1 * ((1 - b) + b * max(len / avlen, min_normlen))
 * — acc saturates like a term frequency in BM25, with the same k1 and b.
 * It is added to the BM25 score, times a weight (QR_DEFAULT_PROXIMITY).
 * It is computed for the top results only (QR_PROX_DEPTH), from their
 * text (textpos.h): a rerank.
 */
#ifndef QUARRY_PROXIMITY_H
#define QUARRY_PROXIMITY_H

#include <stddef.h>
#include <stdint.h>

#include "bm25.h"

/* One occurrence of a query term: its position and which term it is. */
typedef struct qr_occurrence {
    uint32_t pos;
    uint32_t term;      /* index into the term arrays                   */
} qr_occurrence;

/* The proximity score of a passage from its occurrences (occ[0..n), in
 * any order: sorted here), the terms' idf (idf[term]), nterms terms, the
 * passage length len and the collection's average length avlen, with
 * bm's k1, b and min_normlen. acc is scratch space for nterms doubles.
 * Pure: no index access. */
double qr_proximity_from_occurrences(qr_occurrence *occ, size_t n,
                                     const double *idf, double *acc,
                                     size_t nterms, double len, double avlen,
                                     const qr_bm25 *bm);

#endif

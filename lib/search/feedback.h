/*
 * feedback.h — pseudo-relevance feedback: the terms that characterise the
 * passages a query ranked first, weighted as in a relevance model (RM3).
 *
 * For the top passages D1..Dk of a first search, with BM25 scores
 * s1..sk, each term w of a passage gets
 *     P(w|R) = sum_i  P(D_i|Q) * wdf(w, D_i) / len(D_i)
 *     P(D_i|Q) = exp(s_i) / sum_j exp(s_j)
 * (RM1: BM25 approximates the log-odds of relevance, so exp(s) stands for
 * the query likelihood; the term's share of the passage). Only
 * plain body terms count: prefixed terms (title fields, ids, sources),
 * stop words and terms that are only digits or a single byte are left out,
 * and so are
 * terms found in more than QR_FB_MAX_DF of all passages (near-stop words
 * that survive the stop list: "use", "result" ...), which no relevance
 * model can make discriminating. The best max_terms are kept, their weights
 * renormalised to sum to 1.
 */
#ifndef QUARRY_FEEDBACK_H
#define QUARRY_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "util.h"
#include "xapian-c.h"

/* Terms in more than this share of the passages are never feedback terms. */
#define QR_FB_MAX_DF 0.1

typedef struct qr_fb_term {
    char *term;        /* the indexed term (a stem): owned               */
    double weight;     /* P(w|R) renormalised over the kept terms         */
    uint32_t termfreq; /* passages (documents) of db that have it         */
} qr_fb_term;

/* Computes up to max_terms feedback terms from the n passages docids[]
 * (scores[] their BM25 scores) of db; the stop words of stop (may be
 * NULL) are never feedback terms (the index keeps them, for phrases).
 * *out receives a malloc'd array of *nout terms, best first (free with
 * qr_fb_terms_free); none is not an error (*out NULL, *nout 0). scores
 * need not be positive or sorted. Returns QR_OK, QR_ERR_NOMEM,
 * QR_ERR_USAGE (a NULL argument), or the index's failure (QR_ERR_INDEX,
 * QR_ERR_IO). */
qr_status qr_feedback_terms(xc_db *db, const xc_stopper *stop,
                            const uint32_t *docids, const double *scores,
                            size_t n, unsigned max_terms, qr_fb_term **out,
                            size_t *nout);
void qr_fb_terms_free(qr_fb_term *t, size_t n);

#endif

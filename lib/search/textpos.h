/*
 * textpos.h — where a query's terms occur in a passage, read from the
 * passage's stored text at query time.
 *
 * The index keeps no word positions: on Reuters they were a large share
 * of the index's size and of the indexing time (measured:
 * bench/README.md, "Tuning decisions"). What needs positions — proximity,
 * phrase evidence, and phrases and NEAR in the query — looks at a few
 * dozen passages per query, so it scans their text instead. Words are
 * found and analysed as highlighting does (qr_word_next, qr_word_fold,
 * the index's stemmer) and numbered as the indexer's TermGenerator
 * numbers them: the body's words from 1, the title's after a gap of
 * QR_TITLE_POS_GAP, so that no phrase spans the two.
 */
#ifndef QUARRY_TEXTPOS_H
#define QUARRY_TEXTPOS_H

#include <stddef.h>
#include <stdint.h>

#include "proximity.h"
#include "xapian-c.h"

typedef struct qr_textpos qr_textpos;

/* A scanner stemming with stem (borrowed: it must outlive the scanner).
 * NULL on out of memory. */
qr_textpos *qr_textpos_new(xc_stem *stem);
void qr_textpos_free(qr_textpos *tp);

/* The occurrences of terms[0..nterms) (stems, no prefix) in a passage with
 * body text body (blen bytes) and title title (tlen bytes), replacing the
 * previous scan's. A word equal to several terms counts for the first.
 * Returns 0, or -1 on out of memory or a stemmer failure. */
int qr_textpos_scan(qr_textpos *tp, const char *body, size_t blen,
                    const char *title, size_t tlen, const char *const *terms,
                    size_t nterms);

/* The last scan's occurrences, in position order, and their number. */
qr_occurrence *qr_textpos_occurrences(qr_textpos *tp, size_t *n);

/* The index in scan_terms[0..nscan) (the first equal one) of each of
 * run[0..nrun), into ids[0..nrun): the ids qr_textpos_windows takes.
 * Returns 0, or -1 when a word of run is not among scan_terms. */
int qr_textpos_ids(const char *const *scan_terms, size_t nscan,
                   const char *const *run, size_t nrun, uint32_t *ids);

/* How many positions start a run of the terms ids[0..nids) (as
 * qr_textpos_ids gives them) within window positions — the last at most
 * window - 1 after the first — in this order when ordered, in any order
 * otherwise; counted up to max. The run's words are at distinct
 * positions, so a term listed twice must occur twice. occ[0..n) is a
 * scan's result, in position order. */
size_t qr_textpos_windows(const qr_occurrence *occ, size_t n,
                          const uint32_t *ids, size_t nids, int ordered,
                          uint32_t window, size_t max);

/* Does the passage (body and title, as for qr_textpos_scan) have the
 * words terms[0..n) (stems, no prefix) within window positions, in this
 * order when ordered, in any order otherwise? A scan and
 * qr_textpos_windows in one. Returns 1 or 0, or -1 on out of memory or a
 * stemmer failure. */
int qr_textpos_has_run(qr_textpos *tp, const char *body, size_t blen,
                       const char *title, size_t tlen,
                       const char *const *terms, size_t n, int ordered,
                       uint32_t window);

#endif

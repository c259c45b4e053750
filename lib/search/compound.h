/*
 * compound.h — compound words from the index's own vocabulary, so that
 * "cyber security", "cyber-security" and "cybersecurity" find each other.
 *
 * No word list is involved; the index decides:
 *   join   two neighbouring query words a b (neither a stop word, the
 *          first with a letter): if the stem of the joined word "ab" is a
 *          term of the index, it is searched too ("cyber security" also
 *          finds "cybersecurity", "e2f 1" finds "E2F1");
 *   split  a query word w of at least 2 * QR_COMPOUND_MIN_PART letters:
 *          each split w = a + b (both parts at least QR_COMPOUND_MIN_PART
 *          bytes, each a term in at least QR_COMPOUND_MIN_DF passages) is a
 *          candidate, the most frequent parts first; the first whose phrase
 *          "a b" occurs in the index is searched as that phrase
 *          ("cybersecurity" also finds "cyber security" and
 *          "cyber-security"). The phrase must occur in at least
 *          QR_COMPOUND_SPLIT_SHARE times as many passages as w itself: a
 *          common word that is rarely written apart ("expression" and the
 *          odd "express ion", "receptors" and "recept ors") is left alone.
 *          As the index keeps no positions, that count is the passages
 *          with both parts times the share of them (in a sample read from
 *          their text) where the parts stand together.
 * The work is bounded: at most QR_COMPOUND_MAX_WORDS words are looked at,
 * and at most QR_COMPOUND_MAX_PHRASES phrase checks are made per word (one
 * term lookup per word pair and two per split position otherwise).
 */
#ifndef QUARRY_COMPOUND_H
#define QUARRY_COMPOUND_H

#include <stddef.h>

#include "status.h"
#include "util.h"
#include "xapian-c.h"

#define QR_COMPOUND_MAX_WORDS 32
#define QR_COMPOUND_MIN_PART 3
/* Longer words are not split: each split point stems and looks up both
 * parts, so the cost grows with the square of the length. */
#define QR_COMPOUND_MAX_LEN 40
#define QR_COMPOUND_MIN_DF 2
#define QR_COMPOUND_MAX_PHRASES 2
#define QR_COMPOUND_SPLIT_SHARE 0.1

/* What the index suggests for one query. */
typedef struct qr_compounds {
    xc_query **queries;  /* one per compound form found: a joined term or a
                            split phrase (owned)                          */
    char **forms;        /* for each, the words as the user would write
                            them: "cybersecurity", "cyber security"       */
    char **from;         /* for each, the query words it came from         */
    size_t n;
    char **terms;        /* the stems these forms add (to highlight)       */
    size_t nterms;
} qr_compounds;

/* Finds the joined and split forms of the words of text (UTF-8) that the
 * index db holds, analysing words with stem (and stop, may be NULL) as the
 * indexer does. out is filled on success (possibly with n == 0) and must
 * be released with qr_compounds_free. Returns QR_OK, QR_ERR_NOMEM,
 * QR_ERR_USAGE (a NULL argument), or the index's failure (QR_ERR_INDEX,
 * QR_ERR_IO). */
qr_status qr_compounds_find(xc_db *db, xc_stem *stem, const xc_stopper *stop,
                            const char *text, qr_compounds *out);
void qr_compounds_free(qr_compounds *c);

#endif

/*
 * spell.h — "did you mean": corrections for the query words an index does
 * not have, taken from the index's own vocabulary (xapian-core's spelling
 * needs a spelling table, which Quarry indexes do not keep, and does not
 * work over the remote backend).
 *
 * A word is checked when it is at least QR_SPELL_MIN_LEN bytes, has no
 * digit, is not a stop word, an operator or a field name, and its stem is
 * not a term of the index. Its correction is, in this order:
 *   1. among the words one edit away (a letter deleted, inserted, changed,
 *      or two neighbours swapped: Damerau-Levenshtein distance 1), the one
 *      whose stem is in the most passages;
 *   2. failing that, among the index terms that share the word's first two
 *      bytes (at most QR_SPELL_MAX_SCAN of them are read), the one nearest
 *      to the word's stem, within distance 2, then the most frequent.
 * Index terms are stems ("secur"), so the caller turns a corrected stem
 * into a word people write by looking at a passage that has it
 * (qr_spell_surface).
 */
#ifndef QUARRY_SPELL_H
#define QUARRY_SPELL_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "util.h"
#include "xapian-c.h"

#define QR_SPELL_MIN_LEN 3
/* Longer words are not corrected: the one-edit variants of a word of n
 * letters number about 54n, each stemmed and looked up, and no real word
 * this long is a typo worth fixing (a 100,000-letter query word must not
 * take minutes). */
#define QR_SPELL_MAX_LEN 32
#define QR_SPELL_MAX_WORDS 16
#define QR_SPELL_MAX_SCAN 20000
#define QR_SPELL_MAX_DISTANCE 2
/* A correction must occur in at least this many passages: a word the
 * index has once or twice is as likely a typo of the archive's own ("has
 * anyone" became "has anove" on Cranfield) as the word meant. */
#define QR_SPELL_MIN_DF 3

/* The Damerau-Levenshtein distance (optimal string alignment: no substring
 * edited twice) between a[0..na) and b[0..nb), bytes; any distance above
 * max is reported as max + 1 (the work stops early). */
int qr_edit_distance(const char *a, size_t na, const char *b, size_t nb,
                     int max);

/* One correction. */
typedef struct qr_spell_fix {
    size_t start, end;   /* the word's bytes in the query text           */
    char *typed;         /* the word as typed, folded (lower case)        */
    char *stem;          /* the index term that replaces its stem         */
    char *word;          /* a word with that stem (a one-edit variant of
                            the typed word), or NULL: see qr_spell_surface */
} qr_spell_fix;

/* Finds corrections for the words of text (UTF-8) that db lacks, analysing
 * words with stem and stop (may be NULL) as the indexer does. *out gets a
 * malloc'd array of *n fixes in text order (free with qr_spell_fixes_free;
 * NULL when there are none). Returns QR_OK, QR_ERR_NOMEM, QR_ERR_USAGE (a
 * NULL argument), or the index's failure (QR_ERR_INDEX, QR_ERR_IO). */
qr_status qr_spell_check(xc_db *db, xc_stem *stem, const xc_stopper *stop,
                         const char *text, qr_spell_fix **out, size_t *n);
void qr_spell_fixes_free(qr_spell_fix *f, size_t n);

/* A rare word (in fewer than QR_SPELL_MIN_DF articles) is corrected when
 * a variant is in this many times more. */
#define QR_SPELL_RARER 20

/* The same from an index's vocabulary of words as written (the article
 * database's QR_PREFIX_WORD terms, schema.h), which knows "government"
 * from "governess" where stems do not: a word of text is checked when the
 * vocabulary has it in fewer than QR_SPELL_MIN_DF articles, and corrected
 * to the word nearest to it (one edit, else, for a word it does not have
 * at all, two among the words sharing its first two bytes) that is in at
 * least QR_SPELL_MIN_DF articles and QR_SPELL_RARER times as many as it. Each fix's word is that word (its
 * stem field holds the vocabulary term). With together, the words'
 * frequencies are asked in one exchange (xc_db_termfreqs: for remote
 * shards, which answer a request at a time); the same fixes either way.
 * Returns as qr_spell_check. */
qr_status qr_spell_check_words(xc_db *vocab, const xc_stopper *stop,
                               const char *text, int together,
                               qr_spell_fix **out, size_t *nout);

/* Looks through text (len bytes; a passage or title) for a word whose stem
 * is fix->stem and keeps the one nearest to what was typed in fix->word
 * (replacing a one-edit guess: a word read in a passage is a real word).
 * Returns 0, or -1 on out of memory or a stemmer failure. */
int qr_spell_surface(xc_stem *stem, const char *text, size_t len,
                     qr_spell_fix *fix);

/* The suggestion: text with each fix's span replaced by its word (a word
 * typed with a capital keeps it, one typed in capitals is given in
 * capitals). Fixes without a word are left as typed. Returns a malloc'd
 * string, or NULL when memory runs out or no fix has a word. */
char *qr_spell_suggestion(const char *text, const qr_spell_fix *f, size_t n);

#endif

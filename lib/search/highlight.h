/*
 * highlight.h — finds where a query's terms occur in a passage's text, for
 * display: byte spans of the words that match, and a snippet window around
 * the densest cluster of matches.
 *
 * A word matches when its analysed form — lower-cased, then stemmed with
 * the index's stemmer — is one of the query's terms (as QueryParser made
 * them: stems, with STEM_ALL), or starts with one of the query's trailing-
 * wildcard prefixes. Words are found and folded by words.h.
 */
#ifndef QUARRY_HIGHLIGHT_H
#define QUARRY_HIGHLIGHT_H

#include <stddef.h>

#include "util.h"

/* A byte range [start, end) of a text. */
typedef struct qr_hl_span {
    size_t start;
    size_t end;
} qr_hl_span;

typedef struct qr_highlighter qr_highlighter;

/* A highlighter stemming with lang's stemmer ("english" ...; "none" for no
 * stemming), folding accents first unless exact_accents (as the index
 * does: qr_searcher_exact_accents). *out set only on success; free with qr_highlighter_free.
 * Returns QR_OK, QR_ERR_USAGE (language unknown to xapian-core; message in
 * err), QR_ERR_NOMEM. */
qr_status qr_highlighter_new(const char *lang, int exact_accents,
                             qr_highlighter **out, qr_buf *err);
void qr_highlighter_free(qr_highlighter *h);

/* Sets what to look for (copied; replaces any earlier set): terms, the
 * stemmed query terms without field prefix, and prefixes, lower-case
 * wildcard prefixes. Returns 0, or -1 on out of memory. */
int qr_highlighter_set_terms(qr_highlighter *h, const char *const *terms,
                             size_t nterms, const char *const *prefixes,
                             size_t nprefixes);

/* Sets the phrases to show where they stand together (copied; replaces
 * any earlier set): phrase k is terms[k ? ends[k-1] : 0 .. ends[k]), in
 * the form of set_terms' terms. A phrase is one span from its first word
 * to its last; its words are not highlighted elsewhere unless they are
 * terms too. Returns 0, or -1 on out of memory or ends out of order. */
int qr_highlighter_set_phrases(qr_highlighter *h, const char *const *terms,
                               size_t nterms, const size_t *ends,
                               size_t nphrases);

/* The matching words of text (len bytes): *spans receives a malloc'd array
 * (caller frees; NULL when *n is 0) of *n spans in text order, not
 * overlapping. Returns 0, or -1 on out of memory or a stemmer failure. */
int qr_highlight(qr_highlighter *h, const char *text, size_t len,
                 qr_hl_span **spans, size_t *n);

/* A highlighter (with lang's stemmer, accents kept with exact_accents, as
 * qr_highlighter_new) for the terms, wildcard prefixes and
 * phrases of q, the query as searched (qr_results.searched when set): what
 * quarry-query and quarry-serve highlight. *out set only on success.
 * Returns QR_OK, QR_ERR_USAGE (unknown language; message in err),
 * QR_ERR_NOMEM. */
struct qr_query;
qr_status qr_highlighter_for_query(const char *lang, int exact_accents,
                                   const struct qr_query *q,
                                   qr_highlighter **out, qr_buf *err);

/* The default snippet length in bytes. */
#define QR_SNIPPET_BYTES 300

/* Picks a window of about target bytes of text for a snippet: around the
 * densest run of spans (the most matches within target bytes, the earliest
 * on ties), starting at a sentence start when one is close before the
 * first match, never cutting a word (or a UTF-8 character). With no spans,
 * the start of the text. The whole text when it is no longer than target.
 * Sets [*start, *end). */
void qr_snippet_window(const char *text, size_t len, const qr_hl_span *spans,
                       size_t n, size_t target, size_t *start, size_t *end);

#endif

/*
 * passage.h — splits an article body into passages.
 *
 * Paragraphs are runs of text separated by blank lines. A paragraph shorter
 * than min_words is merged with the next one (within the target); one longer
 * than max_words is split at sentence boundaries (or, for a run-on text with
 * no sentence end, at a word boundary). Passages are byte spans into the
 * body, so the stored text and offsets show exactly what the article says.
 */
#ifndef QUARRY_PASSAGE_H
#define QUARRY_PASSAGE_H

#include <stddef.h>

typedef struct qr_split_opts {
    unsigned target_words;   /* aim for passages about this long (words)   */
    unsigned min_words;      /* shorter paragraphs merge with neighbours   */
    unsigned max_words;      /* longer paragraphs split at sentence ends   */
} qr_split_opts;

/* The defaults chosen by measurement (passage.c; the figures:
 * bench/README.md, "Tuning decisions"). */
qr_split_opts qr_split_defaults(void);

typedef struct qr_span {
    size_t start;   /* byte offset of the first character (not whitespace) */
    size_t end;     /* byte offset one past the last non-whitespace byte   */
} qr_span;

/* Splits body (len bytes of UTF-8) into passages. *out receives a malloc'd
 * array (caller frees) of *n spans in order, non-overlapping, covering every
 * word of the body. A body with no words gives *n = 0 and *out = NULL.
 * opts NULL = defaults. Returns 0, or -1 on out of memory. */
int qr_passage_split(const char *body, size_t len, const qr_split_opts *opts,
                     qr_span **out, size_t *n);

/* Number of words in text (runs of letters/digits, UTF-8 aware). */
size_t qr_count_words(const char *text, size_t len);

#endif

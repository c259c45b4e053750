/*
 * words.h — the word scanner shared by the query side's highlighting,
 * text positions, spelling and compounds: where a word starts and ends,
 * and the form it has before stemming.
 *
 * It follows xapian-core's TermGenerator closely enough for display and
 * positions: letters and digits (any non-ASCII character that is not
 * punctuation or a symbol counts as a letter), "don't" and "Trump’s" as
 * one word, "AT&T", "3.14", "C++", and acronyms such as "U.S.A."
 * (analysed as "usa"); each Chinese, Japanese or Korean character a
 * word of its own. Lower-casing covers ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic; other scripts are compared as written.
 */
#ifndef QUARRY_WORDS_H
#define QUARRY_WORDS_H

#include <stddef.h>

#include "util.h"

/* Finds the first word of s (n bytes) that starts at or after byte i.
 * Returns 1 and sets [*start, *end), or 0 when there is none. */
int qr_word_next(const char *s, size_t n, size_t i, size_t *start,
                 size_t *end);

/* Is s[start, end) one Chinese, Japanese or Korean character? A run of
 * them is a word per character (xapian-core's CJK n-grams: each character
 * a term with a position, each pair of neighbours a term without). */
int qr_word_is_cjk(const char *s, size_t start, size_t end);

/* Appends the word s[start, end) to out as the indexer sees it before
 * stemming: lower-cased, curly apostrophes made straight, the dots of an
 * acronym removed. Returns 0, or -1 on out of memory. */
int qr_word_fold(const char *s, size_t start, size_t end, qr_buf *out);

/* Is w (n bytes) a query operator as QueryParser reads it: AND, OR, NOT,
 * XOR, NEAR, ADJ, and NEAR/N or ADJ/N with N digits? */
int qr_word_is_operator(const char *w, size_t n);

#endif

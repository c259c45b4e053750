/*
 * accents.h — accent folding: the form of a word that its accents do not
 * change, so that "cafe" finds "café", "Muller" "Müller" and "strasse"
 * "Straße". Indexing and querying both fold through the stemmer
 * (qr_stem_new, analysis.h), so one function decides for both sides.
 */
#ifndef QUARRY_ACCENTS_H
#define QUARRY_ACCENTS_H

#include <stddef.h>

/* Writes the accent-folded form of the UTF-8 word in[0..len) to out (room
 * for len bytes: the folded form is never longer) and returns its length.
 * Latin and Greek letters lose their diacritics (é -> e, ü -> u, ά -> α;
 * precomposed or followed by combining marks U+0300..U+036F), ß becomes
 * ss, æ ae, œ oe, ø o, đ d, ł l; Cyrillic ё becomes е (й, a letter of its
 * own, stays). Every other character, and invalid bytes, are copied. The
 * function is pure and thread-safe. */
size_t qr_accents_fold(const char *in, size_t len, char *out);

#endif

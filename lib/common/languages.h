/*
 * languages.h — the languages an article can be in, by ISO 639 code
 * ("fr"), and the Snowball stemmer each one is stemmed with ("french").
 * The index stores codes (QR_TERM_LANG, QR_SLOT_LANG, the record: schema.h)
 * and --lang takes either form; both sides map a code to its stemmer here.
 */
#ifndef QUARRY_LANGUAGES_H
#define QUARRY_LANGUAGES_H

#include <stddef.h>

/* Longest code kept, with its NUL: ISO 639 codes have 2 or 3 letters. */
#define QR_LANG_MAX 9

/* The code of name: an ISO 639-1 or 639-2/3 code, a BCP 47 tag or POSIX
 * locale ("fr-CA", "pt_BR.UTF-8": its primary subtag), a stemmer name
 * ("french") or an English language name ("French"), any case. Writes the
 * lower-case code to out and returns 0; returns -1 when name is none of
 * these (empty, too long, not letters) or names no language ("und",
 * "mul", "mis", "zxx": ISO 639's). A code this table does not know
 * is kept as written ("sco"): it has no stemmer. */
int qr_lang_code(const char *name, char out[QR_LANG_MAX]);

/* The xapian-core stemmer of code ("french"), or "none" when the
 * language has none (Chinese, Japanese and Korean among them: their
 * text is indexed as n-grams whatever the stemmer). */
const char *qr_lang_stemmer(const char *code);

#endif

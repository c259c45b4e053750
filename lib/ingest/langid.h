/*
 * langid.h — an article's language from its text, by libexttextcat's
 * n-gram fingerprints (the ones LibreOffice uses), believed only when it
 * is sure: the indexer otherwise stems the article in the index's own
 * language, so that an archive in one language is indexed as it always was.
 */
#ifndef QUARRY_LANGID_H
#define QUARRY_LANGID_H

#include <stddef.h>

#include "languages.h"

typedef struct qr_langid qr_langid;

/* Bytes of an article's text the detector reads: a few hundred suffice
 * for a language (libexttextcat's advice), more only costs time. */
#define QR_LANGID_BYTES 2048

/* Fewer bytes of letters than this and the detector does not guess. */
#define QR_LANGID_MIN 60

/* The fingerprints, from conf_dir (NULL: QUARRY_TEXTCAT_DIR in the
 * environment, else libexttextcat-data's /usr/share/libexttextcat).
 * NULL when they cannot be loaded: detection is then off. One detector
 * per thread. */
qr_langid *qr_langid_new(const char *conf_dir);
void qr_langid_free(qr_langid *d);

/* The language of title and text (either may be NULL or empty), into out
 * (a code, languages.h): returns 1 when the detector is sure — one
 * candidate alone, from enough text — and 0 otherwise (out untouched):
 * too short, unknown, or several languages close together. */
int qr_langid_detect(qr_langid *d, const char *title, const char *text,
                     size_t len, char out[QR_LANG_MAX]);

/* The scripts a text has that tell languages of one writing apart. */
#define QR_SCRIPT_KANA   1u   /* hiragana or katakana: Japanese        */
#define QR_SCRIPT_HANGUL 2u   /* Korean                                */

/* The code of a libexttextcat answer ("[fr--utf8]" -> "fr",
 * "[zh-CN-utf8][zh-TW-utf8]" -> "zh"): 1 and out set when its candidates
 * are one language, else 0 ("SHORT", "UNKNOWN", "[en--utf8][sco--utf8]").
 * Japanese is no candidate for a text without kana, nor Korean for one
 * without Hangul (scripts: QR_SCRIPT_* bits of the text): Chinese text
 * shares its characters with Japanese, and the fingerprints alone cannot
 * tell a short one from it. */
int qr_langid_answer(const char *answer, unsigned scripts,
                     char out[QR_LANG_MAX]);

#endif

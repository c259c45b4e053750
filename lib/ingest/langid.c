/* langid.c — language detection over libexttextcat (langid.h). */
#include "langid.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <textcat.h>

#define TEXTCAT_DIR "/usr/share/libexttextcat"

struct qr_langid {
    void *tc;            /* the textcat handle                          */
    /* and a NUL: textcat reads the byte after the text it is given */
    char buf[QR_LANGID_BYTES + 1];
};

qr_langid *qr_langid_new(const char *conf_dir)
{
    if (!conf_dir)
        conf_dir = getenv("QUARRY_TEXTCAT_DIR");
    if (!conf_dir || !*conf_dir)
        conf_dir = TEXTCAT_DIR;
    size_t n = strlen(conf_dir);
    char *conf = malloc(n + sizeof "/fpdb.conf");
    char *prefix = malloc(n + 2);
    qr_langid *d = calloc(1, sizeof *d);
    if (conf && prefix && d) {
        memcpy(conf, conf_dir, n);
        strcpy(conf + n, "/fpdb.conf");
        memcpy(prefix, conf_dir, n);
        strcpy(prefix + n, "/");
        /* libexttextcat says it on stderr when its configuration is
         * missing: look first, and leave detection off in silence */
        if (access(conf, R_OK) == 0)
            d->tc = special_textcat_Init(conf, prefix);
    }
    free(conf);
    free(prefix);
    if (d && !d->tc) {
        free(d);
        d = NULL;
    }
    return d;
}

void qr_langid_free(qr_langid *d)
{
    if (!d)
        return;
    textcat_Done(d->tc);
    free(d);
}

int qr_langid_answer(const char *answer, unsigned scripts,
                     char out[QR_LANG_MAX])
{
    if (!answer || answer[0] != '[')
        return 0;
    char first[QR_LANG_MAX] = "";
    for (const char *p = answer; *p; ) {
        const char *close = *p == '[' ? strchr(p, ']') : NULL;
        if (!close)
            return 0;
        /* "fr--utf8", "zh-CN-utf8", "haw-utf8": the code before the
         * first '-' */
        char name[32], code[QR_LANG_MAX];
        size_t n = (size_t)(close - p - 1);
        if (n == 0 || n >= sizeof name)
            return 0;
        memcpy(name, p + 1, n);
        name[n] = '\0';
        p = close + 1;
        if (qr_lang_code(name, code) != 0)
            return 0;
        /* Scots: its fingerprints were made of text that is English to
         * any stemmer, and they take English for it ("[en][sco]", or
         * "[sco]" alone for a text in capitals) */
        if (strcmp(code, "sco") == 0)
            strcpy(code, "en");
        if ((strcmp(code, "ja") == 0 && !(scripts & QR_SCRIPT_KANA)) ||
            (strcmp(code, "ko") == 0 && !(scripts & QR_SCRIPT_HANGUL)))
            continue;
        if (!first[0])
            strcpy(first, code);
        else if (strcmp(first, code) != 0)
            return 0;        /* two languages: not sure */
    }
    if (!first[0])
        return 0;
    strcpy(out, first);
    return 1;
}

/* The QR_SCRIPT_* bits of the UTF-8 text s[0..n). */
static unsigned scripts_of(const char *s, size_t n)
{
    unsigned bits = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i + 2 < n; i++) {
        if ((u[i] & 0xF0) != 0xE0)
            continue;
        unsigned cp = (u[i] & 0x0Fu) << 12 | (u[i + 1] & 0x3Fu) << 6 |
                      (u[i + 2] & 0x3Fu);
        if (cp >= 0x3041 && cp <= 0x30FF)
            bits |= QR_SCRIPT_KANA;
        else if ((cp >= 0xAC00 && cp <= 0xD7A3) ||
                 (cp >= 0x1100 && cp <= 0x11FF) ||
                 (cp >= 0x3131 && cp <= 0x318E))
            bits |= QR_SCRIPT_HANGUL;
    }
    return bits;
}

/* Appends src[0..len) to d->buf at *at, ASCII capitals made small (the
 * fingerprints are of lower-case text: a headline or a text in capitals
 * reads as nothing otherwise), cut at a character's start. */
static void take(qr_langid *d, size_t *at, const char *src, size_t len)
{
    size_t room = QR_LANGID_BYTES - *at;
    if (len > room) {
        len = room;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        d->buf[*at + i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    *at += len;
}

int qr_langid_detect(qr_langid *d, const char *title, const char *text,
                     size_t len, char out[QR_LANG_MAX])
{
    if (!d)
        return 0;
    size_t at = 0;
    if (title && *title) {
        take(d, &at, title, strlen(title));
        take(d, &at, "\n", 1);
    }
    if (text)
        take(d, &at, text, len);
    /* enough letters: digits, spaces and punctuation say nothing of a
     * language (a table of figures would read as anything) */
    size_t letters = 0;
    for (size_t i = 0; i < at; i++) {
        unsigned char c = (unsigned char)d->buf[i];
        letters += (c >= 'a' && c <= 'z') || c >= 0x80;
    }
    if (letters < QR_LANGID_MIN)
        return 0;
    d->buf[at] = '\0';
    return qr_langid_answer(textcat_Classify(d->tc, d->buf, at),
                            scripts_of(d->buf, at), out);
}

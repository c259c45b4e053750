/*
 * fuzz_common.h — shared by the libFuzzer targets: an independent UTF-8
 * check, and the reader contract (reader.h) checked on every article: each
 * field valid UTF-8 without NUL bytes, title/url/author/id on one line, the
 * body NUL-terminated at body_len, a date empty or "YYYYMMDD".
 *
 * A broken invariant calls abort(), which libFuzzer reports as a crash with
 * the input that caused it.
 */
#ifndef QUARRY_FUZZ_COMMON_H
#define QUARRY_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define FUZZ_CHECK(cond, what)                                           \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", what, \
                    __FILE__, __LINE__);                                 \
            abort();                                                     \
        }                                                                \
    } while (0)

/* Valid UTF-8: no overlong forms, surrogates or values above U+10FFFF.
 * Written here, not taken from the library under test. */
static inline int fz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return 0;
        if (len > n - i)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* Valid UTF-8; no control byte except those in allowed. */
static inline int fz_clean(const char *s, size_t n, const char *allowed)
{
    if (!fz_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && (c == 0 || !strchr(allowed, c)))
            return 0;
    }
    return 1;
}

static inline void fz_check_line(const char *s, const char *what)
{
    FUZZ_CHECK(s != NULL, what);
    FUZZ_CHECK(fz_clean(s, strlen(s), ""), what);
}

/* The article callback: checks the contract, touches every byte (so ASan
 * sees an overrun), and goes on. */
static inline int fz_article_cb(void *ctx, const qr_article *a)
{
    size_t *count = ctx;
    fz_check_line(a->id, "id is clean, one line");
    fz_check_line(a->title, "title is clean, one line");
    fz_check_line(a->url, "url is clean, one line");
    fz_check_line(a->author, "author is clean, one line");
    fz_check_line(a->date, "date is clean");
    FUZZ_CHECK(a->date[0] == '\0' ||
               (strlen(a->date) == 8 && strspn(a->date, "0123456789") == 8),
               "date is empty or YYYYMMDD");
    FUZZ_CHECK(a->body != NULL, "body not NULL");
    FUZZ_CHECK(a->body[a->body_len] == '\0', "body NUL-terminated at body_len");
    FUZZ_CHECK(strlen(a->body) == a->body_len, "no NUL inside the body");
    FUZZ_CHECK(fz_clean(a->body, a->body_len, "\t\n"), "body is clean UTF-8");
    FUZZ_CHECK(a->format != QR_FMT_UNKNOWN && a->format != QR_FMT_TAR,
               "article format is a document format");
    if (count)
        (*count)++;
    return 0;
}

static inline void fz_warn_cb(void *ctx, const char *where, const char *reason)
{
    (void)ctx;
    FUZZ_CHECK(where != NULL && reason != NULL, "warning has where and reason");
    FUZZ_CHECK(strchr(reason, '\n') == NULL, "warning reason is one line");
    FUZZ_CHECK(reason[0] != '\0', "warning reason not empty");
}

/* Small limits, so that a few KB of input reach every limit path (article
 * truncation, line skipping, the decompression bomb guard) quickly. */
static inline qr_read_opts fz_small_limits(void)
{
    qr_read_opts o = {0};
    o.max_article_bytes = 512;
    o.max_line_bytes = 2048;
    o.max_source_bytes = 64 * 1024;
    return o;
}

/* Reads data as name with the given format, checking the result. */
static inline void fz_read(const char *name, qr_format fmt, const uint8_t *data,
                           size_t size, const qr_read_opts *opts)
{
    size_t count = 0;
    char *reason = NULL;
    qr_read_stats stats = {0};
    qr_status st = qr_read_buffer(name, data, size, fmt, opts, fz_article_cb,
                                  fz_warn_cb, &count, &stats, &reason);
    FUZZ_CHECK(stats.articles == count, "stats.articles counts the callbacks");
    if (st == QR_OK) {
        FUZZ_CHECK(reason == NULL, "no reason on success");
    } else {
        FUZZ_CHECK(reason != NULL && reason[0] != '\0', "a reason on failure");
        FUZZ_CHECK(strchr(reason, '\n') == NULL, "reason is one line");
        FUZZ_CHECK(st != QR_ERR_STOPPED, "never stopped: the callback goes on");
    }
    free(reason);
}

#endif

/*
 * util.h — small shared helpers: a growable byte buffer, JSON string
 * escaping, UTF-8 checks, a 64-bit content hash and a clock.
 *
 * The library never prints or exits; it returns a qr_status (status.h)
 * and, where a caller needs it, a message in a qr_buf.
 */
#ifndef QUARRY_UTIL_H
#define QUARRY_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"


/* A growable, always NUL-terminated byte buffer. Zero-initialise
 * (qr_buf b = {0};) to start; qr_buf_free releases. Appends return 0, or -1
 * when memory runs out (the buffer then keeps its previous contents). */
typedef struct qr_buf {
    char  *data;   /* NULL until the first append; NUL-terminated after    */
    size_t len;    /* bytes in use, not counting the terminating NUL       */
    size_t cap;    /* bytes allocated                                      */
} qr_buf;

int  qr_buf_reserve(qr_buf *b, size_t extra);
int  qr_buf_append(qr_buf *b, const void *p, size_t n);
int  qr_buf_puts(qr_buf *b, const char *s);
int  qr_buf_putc(qr_buf *b, char c);
int  qr_buf_printf(qr_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int  qr_buf_vprintf(qr_buf *b, const char *fmt, va_list ap);
void qr_buf_clear(qr_buf *b);            /* len = 0, keeps the memory */
void qr_buf_free(qr_buf *b);
/* Hands the data over to the caller (malloc'd, NUL-terminated, never NULL
 * unless memory runs out) and resets b. */
char *qr_buf_steal(qr_buf *b);

/* A malloc'd copy of s[0..n) with a NUL after it, or NULL when out of
 * memory. */
char *qr_strndup(const char *s, size_t n);

/* Appends s (n bytes) as a JSON string literal, quotes included. Invalid
 * UTF-8 bytes become U+FFFD; control characters are escaped. */
int qr_buf_json_string(qr_buf *b, const char *s, size_t n);

/* Appends s with every byte that is not printable ASCII or valid UTF-8
 * escaped (\n, \t, \xNN), so a file name prints on one line. */
int qr_buf_printable(qr_buf *b, const char *s, size_t n);

/* Length (1 to 4) of the valid UTF-8 sequence at s, n bytes being
 * available, or 0 when the bytes there are not valid UTF-8 (an overlong
 * form, a surrogate, a code point above U+10FFFF, a cut-off sequence). */
size_t qr_utf8_len(const void *s, size_t n);

/* Appends code point cp in UTF-8; surrogates and values above U+10FFFF
 * become U+FFFD. */
int qr_buf_put_cp(qr_buf *b, uint32_t cp);

/* A 64-bit hash of a byte string (FNV-1a followed by a final mix); fast and
 * stable across runs and machines: used for content change detection and to
 * shorten over-long keys. */
uint64_t qr_hash64(const void *p, size_t n, uint64_t seed);

/* Streaming form of qr_hash64 (same result as hashing the concatenation). */
typedef struct qr_hasher { uint64_t h; } qr_hasher;
void     qr_hasher_init(qr_hasher *s, uint64_t seed);
void     qr_hasher_update(qr_hasher *s, const void *p, size_t n);
uint64_t qr_hasher_final(const qr_hasher *s);

/* Monotonic clock in seconds. */
double qr_now(void);

#endif

/* util.c — the small shared helpers of util.h: byte buffers, JSON escaping,
 * UTF-8, the content hash, the clock. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int qr_buf_reserve(qr_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int qr_buf_append(qr_buf *b, const void *p, size_t n)
{
    if (qr_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int qr_buf_puts(qr_buf *b, const char *s) { return qr_buf_append(b, s, strlen(s)); }

int qr_buf_putc(qr_buf *b, char c) { return qr_buf_append(b, &c, 1); }

int qr_buf_vprintf(qr_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || qr_buf_reserve(b, (size_t)n) != 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int qr_buf_printf(qr_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = qr_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void qr_buf_clear(qr_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void qr_buf_free(qr_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *qr_buf_steal(qr_buf *b)
{
    if (!b->data) {
        if (qr_buf_reserve(b, 0) != 0)
            return NULL;
        b->data[0] = '\0';
    }
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

size_t qr_utf8_len(const void *p, size_t n)
{
    const unsigned char *s = p;
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; cp = c & 0x07; }
    else return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int qr_buf_put_cp(qr_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return qr_buf_append(b, u, n);
}

int qr_buf_json_string(qr_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (qr_buf_putc(b, '"') != 0)
        return -1;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        int rc;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rc = qr_buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n': rc = qr_buf_append(b, "\\n", 2); break;
            case '\t': rc = qr_buf_append(b, "\\t", 2); break;
            case '\r': rc = qr_buf_append(b, "\\r", 2); break;
            default: rc = qr_buf_printf(b, "\\u%04x", c); break;
            }
            i++;
        } else if (c < 0x80) {
            rc = qr_buf_putc(b, (char)c);
            i++;
        } else {
            size_t len = qr_utf8_len(p + i, n - i);
            if (len == 0) {
                rc = qr_buf_append(b, "\xEF\xBF\xBD", 3);
                i++;
            } else {
                rc = qr_buf_append(b, p + i, len);
                i += len;
            }
        }
        if (rc != 0)
            return -1;
    }
    return qr_buf_putc(b, '"');
}

int qr_buf_printable(qr_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        int rc;
        if (c == '\n') { rc = qr_buf_append(b, "\\n", 2); i++; }
        else if (c == '\t') { rc = qr_buf_append(b, "\\t", 2); i++; }
        else if (c == '\\') { rc = qr_buf_append(b, "\\\\", 2); i++; }
        else if (c < 0x20 || c == 0x7F) { rc = qr_buf_printf(b, "\\x%02x", c); i++; }
        else if (c < 0x80) { rc = qr_buf_putc(b, (char)c); i++; }
        else {
            size_t len = qr_utf8_len(p + i, n - i);
            if (len == 0) { rc = qr_buf_printf(b, "\\x%02x", c); i++; }
            else { rc = qr_buf_append(b, p + i, len); i += len; }
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

void qr_hasher_init(qr_hasher *s, uint64_t seed) { s->h = FNV_OFFSET ^ (seed * FNV_PRIME); }

void qr_hasher_update(qr_hasher *s, const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = s->h;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= FNV_PRIME;
    }
    s->h = h;
}

uint64_t qr_hasher_final(const qr_hasher *s)
{
    /* splitmix64 finaliser: spreads FNV's weak high bits */
    uint64_t z = s->h;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t qr_hash64(const void *p, size_t n, uint64_t seed)
{
    qr_hasher s;
    qr_hasher_init(&s, seed);
    qr_hasher_update(&s, p, n);
    return qr_hasher_final(&s);
}

double qr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *qr_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

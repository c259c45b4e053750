/* UTF-8 checks for the tests and fuzz targets, written here rather than
 * taken from the library under test, so that they can catch it out. */
#ifndef QUARRY_TEST_UTF8_ORACLE_H
#define QUARRY_TEST_UTF8_ORACLE_H

#include <stddef.h>
#include <string.h>

/* Valid UTF-8: no overlong forms, surrogates or values above U+10FFFF. */
static inline int test_utf8_valid(const char *s, size_t n)
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

/* Valid UTF-8, and no byte below 0x20 except those in allowed (never
 * NUL). */
static inline int test_utf8_clean(const char *s, size_t n, const char *allowed)
{
    if (!test_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && (c == 0 || !strchr(allowed, c)))
            return 0;
    }
    return 1;
}

#endif

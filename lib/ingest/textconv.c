/*
 * textconv.c — bytes of unknown encoding to clean UTF-8.
 *
 * UTF-16/32 with a byte-order mark and Windows-1252 go through glibc iconv.
 * A BOM-less input that is not valid UTF-8 is Windows-1252 unless it is
 * mostly UTF-8 (many valid multi-byte sequences, few stray bytes): then the
 * stray bytes become U+FFFD, so one bad byte does not turn a whole UTF-8 file
 * into mojibake.
 */
#include "reader_int.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

static const char REPLACEMENT[] = "\xEF\xBF\xBD";   /* U+FFFD */

size_t rd_utf8_seq(const unsigned char *s, size_t n)
{
    return qr_utf8_len(s, n);
}

/* Counts valid multi-byte sequences and invalid bytes. */
static void utf8_census(const unsigned char *s, size_t n, size_t *multi,
                        size_t *bad)
{
    size_t i = 0;
    *multi = *bad = 0;
    while (i < n) {
        if (s[i] < 0x80) { i++; continue; }
        size_t l = rd_utf8_seq(s + i, n - i);
        if (l == 0) { (*bad)++; i++; }
        else { (*multi)++; i += l; }
    }
}

int rd_text_is_clean(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x80) { i++; continue; }
        if (c < 0x20) {
            if (c != '\t' && c != '\n')
                return 0;
            i++;
            continue;
        }
        size_t l = rd_utf8_seq(p + i, n - i);
        if (l == 0)
            return 0;
        i += l;
    }
    return 1;
}

/* Appends valid UTF-8 from s, each invalid byte as U+FFFD. */
static int append_utf8_lossy(qr_buf *out, const unsigned char *s, size_t n)
{
    if (qr_buf_reserve(out, n) != 0)
        return -1;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n) {
            size_t l = s[run] < 0x80 ? 1 : rd_utf8_seq(s + run, n - run);
            if (l == 0)
                break;
            run += l;
        }
        if (qr_buf_append(out, s + i, run - i) != 0)
            return -1;
        i = run;
        if (i < n) {
            if (qr_buf_append(out, REPLACEMENT, 3) != 0)
                return -1;
            i++;
        }
    }
    return 0;
}

/* Fallbacks for a libc whose iconv lacks the charset (e.g. no gconv
 * modules): UTF-16/32 decoded by hand, Windows-1252 read as Latin-1. */

static int fallback_decode(const char *charset, const unsigned char *s,
                           size_t n, qr_buf *out)
{
    int be = strstr(charset, "BE") != NULL;
    if (strncmp(charset, "UTF-32", 6) == 0) {
        for (size_t i = 0; i + 4 <= n; i += 4) {
            uint32_t cp = be ? ((uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 |
                                (uint32_t)s[i + 2] << 8 | s[i + 3])
                             : ((uint32_t)s[i + 3] << 24 | (uint32_t)s[i + 2] << 16 |
                                (uint32_t)s[i + 1] << 8 | s[i]);
            if (qr_buf_put_cp(out, cp) != 0)
                return -1;
        }
        return 0;
    }
    if (strncmp(charset, "UTF-16", 6) == 0) {
        size_t i = 0;
        while (i + 2 <= n) {
            uint32_t u = be ? (uint32_t)s[i] << 8 | s[i + 1]
                            : (uint32_t)s[i + 1] << 8 | s[i];
            i += 2;
            if (u >= 0xD800 && u <= 0xDBFF && i + 2 <= n) {
                uint32_t lo = be ? (uint32_t)s[i] << 8 | s[i + 1]
                                 : (uint32_t)s[i + 1] << 8 | s[i];
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                }
            }
            if (qr_buf_put_cp(out, u) != 0)
                return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (qr_buf_put_cp(out, s[i] >= 0x80 && s[i] < 0xA0 ? 0xFFFD : s[i]) != 0)
            return -1;
    return 0;
}

/* Decodes s with cd, appending UTF-8. An undecodable unit (unit bytes)
 * becomes U+FFFD, a truncated last unit too. */
static int iconv_run(iconv_t cd, size_t unit, const unsigned char *s, size_t n,
                     qr_buf *out)
{
    char *ip = (char *)s;
    size_t il = n;
    int rc = 0;
    while (il > 0) {
        /* at most 3 output bytes per input byte (Windows-1252's U+20AC) */
        size_t want = (il < (1u << 20) ? il : (1u << 20)) * 3 + 16;
        if (qr_buf_reserve(out, want) != 0) { rc = -1; break; }
        char *op = out->data + out->len;
        size_t ol = out->cap - out->len - 1;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        int e = errno;
        out->len = (size_t)(op - out->data);
        out->data[out->len] = '\0';
        if (r != (size_t)-1)
            break;
        if (e == E2BIG)
            continue;
        if (qr_buf_append(out, REPLACEMENT, 3) != 0) { rc = -1; break; }
        if (e == EILSEQ) {
            size_t skip = il < unit ? il : unit;
            ip += skip;
            il -= skip;
        } else {
            break;   /* EINVAL: an incomplete unit at the end */
        }
    }
    return rc;
}

static int iconv_decode(const char *charset, size_t unit,
                        const unsigned char *s, size_t n, qr_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return errno == ENOMEM ? -1 : fallback_decode(charset, s, n, out);
    int rc = iconv_run(cd, unit, s, n, out);
    iconv_close(cd);
    return rc;
}

int rd_charset_to_utf8(const char *charset, const char *s, size_t n, qr_buf *out)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return errno == ENOMEM ? -1 : 1;
    int rc = qr_buf_append(out, "", 0) != 0 ? -1
             : iconv_run(cd, 1, (const unsigned char *)s, n, out);
    iconv_close(cd);
    return rc;
}

/* C0 controls other than \t and \n become spaces; \r\n and \r become \n. */
static void clean_controls(qr_buf *b, size_t start)
{
    char *d = b->data;
    size_t r = start, w = start;
    while (r < b->len) {
        unsigned char c = (unsigned char)d[r];
        if (c == '\r') {
            d[w++] = '\n';
            r += (r + 1 < b->len && d[r + 1] == '\n') ? 2 : 1;
        } else if (c < 0x20 && c != '\t' && c != '\n') {
            d[w++] = ' ';
            r++;
        } else {
            d[w++] = (char)c;
            r++;
        }
    }
    b->len = w;
    if (d)
        d[w] = '\0';
}

int qr_text_to_utf8(const char *in, size_t len, qr_buf *out)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t start = out->len;
    int rc;
    if (qr_buf_append(out, "", 0) != 0)
        return -1;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        rc = append_utf8_lossy(out, s + 3, len - 3);
    } else if (len >= 4 && s[0] == 0xFF && s[1] == 0xFE && s[2] == 0 && s[3] == 0) {
        rc = iconv_decode("UTF-32LE", 4, s + 4, len - 4, out);
    } else if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF) {
        rc = iconv_decode("UTF-32BE", 4, s + 4, len - 4, out);
    } else if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
        rc = iconv_decode("UTF-16LE", 2, s + 2, len - 2, out);
    } else if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
        rc = iconv_decode("UTF-16BE", 2, s + 2, len - 2, out);
    } else {
        size_t multi, bad;
        utf8_census(s, len, &multi, &bad);
        if (bad == 0)
            rc = qr_buf_append(out, s, len);
        else if (multi >= 8 && multi > 4 * bad)
            rc = append_utf8_lossy(out, s, len);
        else
            rc = iconv_decode("WINDOWS-1252", 1, s, len, out);
    }
    if (rc != 0) {
        out->len = start;
        out->data[start] = '\0';
        return -1;
    }
    clean_controls(out, start);
    return 0;
}

int qr_looks_binary(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
        return 0;
    if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF)
        return 0;
    size_t n = len < RD_SNIFF_BYTES ? len : RD_SNIFF_BYTES;
    if (n == 0)
        return 0;
    if (memchr(s, 0, n) != NULL)
        return 1;
    size_t ctl = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
             c != '\v' && c != 0x1B) || c == 0x7F)
            ctl++;
    }
    return ctl * 10 > n * 3;   /* more than 30% control characters */
}

void rd_tidy_text(qr_buf *b, size_t start)
{
    if (!b->data || b->len <= start)
        return;
    char *d = b->data;
    size_t r = start, w = start;
    int blank_run = 0;          /* consecutive blank lines seen */
    int any = 0;                /* a non-blank line was written */
    while (r < b->len) {
        size_t eol = r;
        while (eol < b->len && d[eol] != '\n')
            eol++;
        size_t end = eol;
        while (end > r && (d[end - 1] == ' ' || d[end - 1] == '\t'))
            end--;
        if (end == r) {
            blank_run++;
        } else {
            if (any)
                d[w++] = '\n';
            if (any && blank_run)
                d[w++] = '\n';
            memmove(d + w, d + r, end - r);
            w += end - r;
            any = 1;
            blank_run = 0;
        }
        r = eol < b->len ? eol + 1 : eol;
    }
    b->len = w;
    d[w] = '\0';
}

/*
 * excerpt.c — passage text as people read it: whitespace collapsed, matched
 * words marked, unsafe characters replaced, optionally wrapped; snippets;
 * dates as YYYY-MM-DD. Shared by quarry-query's printers and quarry-serve.
 */
#include "excerpt.h"

#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD"   /* U+FFFD */
#define ELLIPSIS    "\xE2\x80\xA6"   /* U+2026 */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Length of the character at s[i] and whether it is safe to show as is:
 * valid UTF-8 and not a C0/C1 control character or DEL. */
static size_t char_at(const char *s, size_t n, size_t i, int *safe)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[i] < 0x80) {
        *safe = u[i] >= 0x20 && u[i] != 0x7F;
        return 1;
    }
    size_t l = qr_utf8_len(s + i, n - i);
    if (l == 0) {
        *safe = 0;
        return 1;
    }
    *safe = !(u[i] == 0xC2 && u[i + 1] < 0xA0);     /* U+0080..U+009F */
    return l;
}


int qr_flow_text(qr_flow *f, const char *text, size_t len,
                     const qr_hl_span *sp, size_t n)
{
    qr_buf *out = f->out;
    size_t k = 0;              /* next span to open or the one open       */
    int inside = 0;
    size_t i = 0;
    int first = !f->more;
    while (i < len) {
        while (i < len && is_space((unsigned char)text[i]))
            i++;
        if (i >= len)
            break;
        size_t w0 = i, cols = 0;
        while (i < len && !is_space((unsigned char)text[i])) {
            int safe;
            i += char_at(text, len, i, &safe);
            cols++;
        }
        size_t w1 = i;
        /* separator or line break before the word */
        if (!first) {
            if (f->width && f->col > f->indent && f->col + 1 + cols > f->width) {
                if (qr_buf_putc(out, '\n') != 0 ||
                    qr_buf_puts(out, f->indent_str) != 0)
                    return -1;
                f->col = f->indent;
            } else {
                if (qr_buf_putc(out, ' ') != 0)
                    return -1;
                f->col++;
            }
        }
        first = 0;
        /* a span left open over the gap: reopen it, unless it ended */
        if (inside && sp[k].end <= w0) {
            inside = 0;
            k++;
        }
        if (inside && qr_buf_puts(out, f->open) != 0)
            return -1;
        size_t j = w0;
        while (j < w1) {
            while (!inside && k < n && sp[k].end <= j)
                k++;
            if (!inside && k < n && sp[k].start <= j) {
                if (qr_buf_puts(out, f->open) != 0)
                    return -1;
                inside = 1;
            }
            int safe;
            size_t l = char_at(text, w1, j, &safe);
            if (safe ? qr_buf_append(out, text + j, l)
                     : qr_buf_puts(out, REPLACEMENT))
                return -1;
            j += l;
            if (inside && j >= sp[k].end) {
                if (qr_buf_puts(out, f->close) != 0)
                    return -1;
                inside = 0;
                k++;
            }
        }
        if (inside && qr_buf_puts(out, f->close) != 0)  /* close at the gap */
            return -1;
        f->col += cols;
    }
    return 0;
}

int qr_flow_window(qr_flow *f, const char *text, size_t len,
                      const qr_hl_span *spans, size_t n, size_t s, size_t e)
{
    /* spans inside the window, made relative to it */
    size_t first = 0;
    while (first < n && spans[first].start < s)
        first++;
    size_t last = first;
    while (last < n && spans[last].end <= e)
        last++;
    qr_hl_span local[64];
    qr_hl_span *rel = last - first <= 64 ? local
                                         : malloc((last - first) * sizeof *rel);
    if (!rel)
        return -1;
    for (size_t i = first; i < last; i++) {
        rel[i - first].start = spans[i].start - s;
        rel[i - first].end = spans[i].end - s;
    }
    int rc = 0;
    if (s > 0) {
        rc = qr_buf_puts(f->out, ELLIPSIS " ");
        f->col += 2;
    }
    if (rc == 0)
        rc = qr_flow_text(f, text + s, e - s, rel, last - first);
    if (rc == 0 && e < len)
        rc = qr_buf_puts(f->out, " " ELLIPSIS);
    if (rel != local)
        free(rel);
    return rc;
}

int qr_snippet_build(const char *text, size_t len, const qr_hl_span *spans,
                     size_t n, size_t target, const char *open,
                     const char *close, qr_buf *out)
{
    size_t s, e;
    qr_snippet_window(text, len, spans, n, target, &s, &e);
    qr_flow f = {out, open, close, 0, 0, 0, "", 0};
    return qr_flow_window(&f, text, len, spans, n, s, e);
}

int qr_date_format(qr_buf *out, const char *d)
{
    size_t n = strlen(d);
    int digits = n == 8;
    for (size_t i = 0; digits && i < 8; i++)
        digits = d[i] >= '0' && d[i] <= '9';
    if (!digits)
        return qr_buf_puts(out, d);
    return qr_buf_printf(out, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
}

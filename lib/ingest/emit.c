/*
 * emit.c — what the readers hand out: articles (rd_emit: fields made clean
 * one-line UTF-8, the body checked, trimmed and capped) and warnings and
 * reasons (rd_warn, rd_fail: one line each, warnings capped per source).
 */
#include "reader_int.h"

#include "languages.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ warnings */

int rd_where(qr_buf *b, const char *prefix, const char *sep, const char *name)
{
    if (prefix && qr_buf_puts(b, prefix) != 0)
        return -1;
    if (sep && qr_buf_puts(b, sep) != 0)
        return -1;
    if (name && qr_buf_printable(b, name, strlen(name)) != 0)
        return -1;
    return qr_buf_append(b, "", 0);
}

void rd_one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = ' ';
}

void rd_warn(rd_ctx *rc, const char *where, const char *fmt, ...)
{
    rc->stats->warnings++;
    if (!rc->warn)
        return;
    if (rc->warned >= QR_MAX_WARNINGS) {
        rc->suppressed++;
        return;
    }
    rc->warned++;
    qr_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    int r = qr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (r == 0)
        rd_one_line(b.data);
    rc->warn(rc->ctx, where ? where : "", r == 0 ? b.data : "(warning lost: out of memory)");
    qr_buf_free(&b);
}

qr_status rd_fail(qr_buf *why, qr_status st, const char *fmt, ...)
{
    if (why && why->len == 0) {
        va_list ap;
        va_start(ap, fmt);
        if (qr_buf_vprintf(why, fmt, ap) == 0)
            rd_one_line(why->data);
        va_end(ap);
    }
    return st;
}

void rd_warn_suppressed(rd_ctx *rc, const char *where)
{
    if (!rc->suppressed || !rc->warn)
        return;
    qr_buf b = {0};
    int r = qr_buf_printf(&b, "%zu more warnings not shown (at most %d per source)",
                          rc->suppressed, QR_MAX_WARNINGS);
    rc->warn(rc->ctx, where, r == 0 ? b.data : "more warnings not shown");
    qr_buf_free(&b);
}

/* ------------------------------------------------------------ articles */

/* Appends s as one line of valid UTF-8: whitespace and control runs become
 * one space, ends trimmed, at most RD_FIELD_MAX bytes (cut at a word when
 * one is near, else at a character). */
static int put_one_line(qr_buf *out, const char *s)
{
    if (qr_buf_append(out, "", 0) != 0)
        return -1;
    if (!s || !*s)
        return 0;
    size_t n = strlen(s);
    qr_buf conv = {0};
    const unsigned char *p = (const unsigned char *)s;
    if (!rd_text_is_clean(s, n)) {
        if (qr_text_to_utf8(s, n, &conv) != 0)
            return -1;
        p = (const unsigned char *)conv.data;
        n = conv.len;
    }
    int space = 0;
    size_t start = out->len;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t l = 1;
        if (c <= 0x20 || c == 0x7F) { space = 1; i++; continue; }
        if (c == 0xC2 && i + 1 < n && p[i + 1] == 0xA0) { space = 1; i += 2; continue; }
        if (c >= 0x80)
            l = rd_utf8_seq(p + i, n - i);
        if (l == 0)
            l = 1;   /* cannot happen after conversion; stay safe */
        size_t need = (space && out->len > start ? 1 : 0) + l;
        if (out->len - start + need > RD_FIELD_MAX) {
            /* back up to the last space when it is not too far */
            char *sp = memrchr(out->data + start, ' ', out->len - start);
            if (sp && (size_t)(sp - (out->data + start)) > RD_FIELD_MAX / 2) {
                out->len = (size_t)(sp - out->data);
                out->data[out->len] = '\0';
            }
            break;
        }
        if (space && out->len > start && qr_buf_putc(out, ' ') != 0)
            goto oom;
        space = 0;
        if (l == 1 && c >= 0x80) {
            if (qr_buf_append(out, "\xEF\xBF\xBD", 3) != 0)
                goto oom;
        } else if (qr_buf_append(out, p + i, l) != 0) {
            goto oom;
        }
        i += l;
    }
    qr_buf_free(&conv);
    return 0;
oom:
    qr_buf_free(&conv);
    return -1;
}

/* An id is kept byte for byte when it is clean UTF-8 on one line; otherwise
 * it is escaped (qr_buf_printable), which is stable across runs. */
static int put_id(qr_buf *out, const char *s)
{
    if (qr_buf_append(out, "", 0) != 0)
        return -1;
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (rd_text_is_clean(s, n) && !memchr(s, '\n', n) && !memchr(s, '\t', n))
        return qr_buf_append(out, s, n);
    return qr_buf_printable(out, s, n);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Where to cut a body of len > max bytes: the last paragraph break, else
 * sentence end, else space in the second half of the limit, else the last
 * whole character. */
static size_t cut_point(const char *b, size_t len, size_t max)
{
    size_t lo = max / 2;
    (void)len;
    for (size_t i = max; i > lo && i >= 2; i--)
        if (b[i - 1] == '\n' && b[i - 2] == '\n')
            return i - 2;
    for (size_t i = max; i > lo; i--)
        if ((b[i - 1] == '.' || b[i - 1] == '!' || b[i - 1] == '?') && is_ws(b[i]))
            return i;
    for (size_t i = max; i > lo; i--)
        if (is_ws(b[i]))
            return i;
    size_t i = max;
    while (i > 0 && ((unsigned char)b[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The body made clean UTF-8 in out, page by page when it has pages, so
 * that pages[] (copied to *opages, shifted) still marks where each page
 * starts. Returns 0, or -1 on out of memory. */
static int convert_body(const char *b, size_t blen, const qr_article *a,
                        qr_buf *out, size_t **opages)
{
    size_t np = a->pages ? a->npages : 0;
    if (np && !(*opages = malloc(np * sizeof **opages)))
        return -1;
    for (size_t k = 0; k < np || (k == 0 && np == 0); k++) {
        size_t from = np ? a->pages[k] : 0;
        size_t to = np && k + 1 < np ? a->pages[k + 1] : blen;
        if (np)
            (*opages)[k] = out->len;
        if (qr_text_to_utf8(b + from, to - from, out) != 0)
            return -1;
    }
    return qr_buf_append(out, "", 0);
}

/* The pages of a body of which bytes [from, from + len) are kept: offsets
 * made relative to from and clamped into [0, len]. No page is dropped, so
 * page k + 1 keeps its number: pages that lie wholly in what was trimmed
 * become empty (the passage splitter's page of an offset is the last page
 * starting at or before it). */
static void clip_pages(size_t *pages, size_t np, size_t from, size_t len)
{
    for (size_t k = 0; k < np; k++) {
        size_t off = pages[k] > from ? pages[k] - from : 0;
        pages[k] = off < len ? off : len;
    }
}

qr_status rd_emit(rd_ctx *rc, const char *where, const qr_article *a, qr_buf *why)
{
    qr_buf id = {0}, title = {0}, url = {0}, author = {0}, body = {0};
    qr_status st = QR_OK;
    const char *b = a->body ? a->body : "";
    size_t blen = a->body ? a->body_len : 0;
    size_t *pages = NULL, npages = 0;

    if (put_id(&id, a->id) != 0 || put_one_line(&title, a->title) != 0 ||
        put_one_line(&url, a->url) != 0 || put_one_line(&author, a->author) != 0)
        goto oom;
    /* pages that do not start at 0 and increase within the body are the
     * reader's mistake: the article goes without them */
    int pages_ok = a->pages && a->npages > 0 && a->pages[0] == 0;
    for (size_t k = 1; pages_ok && k < a->npages; k++)
        pages_ok = a->pages[k] >= a->pages[k - 1] && a->pages[k] <= blen;
    if (pages_ok)
        npages = a->npages;
    if (!rd_text_is_clean(b, blen)) {
        qr_article paged = *a;
        paged.npages = npages;
        if (convert_body(b, blen, &paged, &body, &pages) != 0)
            goto oom;
        b = body.data;
        blen = body.len;
    } else if (npages) {
        if (!(pages = malloc(npages * sizeof *pages)))
            goto oom;
        memcpy(pages, a->pages, npages * sizeof *pages);
    }
    size_t lead = 0;
    while (blen > 0 && is_ws(*b)) {
        b++;
        blen--;
        lead++;
    }
    while (blen > 0 && is_ws(b[blen - 1]))
        blen--;
    if (blen == 0 && title.len == 0) {
        rd_warn(rc, where, "no text: skipped");
        goto out;
    }
    if (blen > rc->max_article) {
        size_t cut = cut_point(b, blen, rc->max_article);
        while (cut > 0 && is_ws(b[cut - 1]))
            cut--;
        rd_warn(rc, where, "article body truncated from %zu to %zu bytes (max_article_bytes)",
                blen, cut);
        blen = cut;
    }
    if (npages)
        clip_pages(pages, npages, lead, blen);
    if (b[blen] != '\0') {
        /* trimmed or cut: the callback gets a terminated copy */
        qr_buf copy = {0};
        if (qr_buf_append(&copy, b, blen) != 0)
            goto oom;
        qr_buf_free(&body);
        body = copy;
        b = body.data;
    }

    /* a reader may hand the date as written: a date that says nothing
     * understood is dropped, but never silently (a blank one is none) */
    char date[9] = "";
    if (a->date && a->date[0] && qr_date_normalise(a->date, date) != 0) {
        qr_buf shown = {0};
        if (put_one_line(&shown, a->date) != 0)
            goto oom;
        if (shown.len)
            rd_warn(rc, where, "date \"%s\" not understood: ignored", shown.data);
        qr_buf_free(&shown);
        date[0] = '\0';
    }

    /* the language the source names, as a code (languages.h); one not
     * understood is none: the text's own then decides */
    char lang[QR_LANG_MAX] = "";
    if (a->lang && a->lang[0] && qr_lang_code(a->lang, lang) != 0)
        lang[0] = '\0';

    qr_article out = {
        .id = id.data, .title = title.data, .body = b, .body_len = blen,
        .url = url.data, .date = date, .author = author.data, .format = a->format,
        .pages = npages ? pages : NULL, .npages = npages, .lang = lang,
    };
    if (rc->cb && rc->cb(rc->ctx, &out) != 0)
        st = rd_fail(why, QR_ERR_STOPPED, "stopped by the caller");
    rc->stats->articles++;
    rc->stats->bytes_text += blen;
    goto out;
oom:
    st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
out:
    qr_buf_free(&id);
    qr_buf_free(&title);
    qr_buf_free(&url);
    qr_buf_free(&author);
    qr_buf_free(&body);
    free(pages);
    return st;
}

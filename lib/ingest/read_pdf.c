/*
 * read_pdf.c — PDF with poppler's GLib API, fed from memory: the text of
 * every page in reading order, its lines joined into paragraphs, one
 * article per document with qr_article.pages marking where pages start.
 *
 * Sandboxed (reader.c's READERS): poppler is a large C++ parser that meets
 * hostile files, so outside the unit tests and fuzzers it runs only inside
 * quarry-extract (sandbox.c).
 *
 * Paragraphs: poppler gives each page's text as lines, with every
 * character's box (poppler_page_get_text_layout). A line starts a new
 * paragraph when the gap above it is wider than the line is tall or wider
 * than 1.5 times the page's usual line spacing, or when it lies above
 * the line before (a new column). Lines of a paragraph are joined with a
 * space; a word hyphenated at a line end is joined whole. Paragraphs and
 * pages are separated by a blank line.
 *
 * Document information: Title (else the first line), Author, and the
 * CreationDate as poppler reads it, else as written (rd_emit warns about
 * one it cannot read either).
 */
#include "reader_int.h"

#include <poppler.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One line of a page: bytes [start, end) of the page's text, and the
 * vertical extent of its characters. */
typedef struct pdf_line {
    size_t start, end;
    double top, bottom;
} pdf_line;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Splits text into lines with their boxes (from rects, one per character
 * when nrects matches; else no geometry, and every line break is kept
 * as a paragraph break's absence: lines are joined). Returns the count,
 * or -1 on out of memory. */
static ptrdiff_t page_lines(const char *text, const PopplerRectangle *rects, guint nrects,
                            pdf_line **out)
{
    size_t cap = 16, n = 0;
    pdf_line *lines = malloc(cap * sizeof *lines);
    if (!lines)
        return -1;
    int geometry = rects && (glong)nrects == g_utf8_strlen(text, -1);
    size_t pos = 0, ch = 0;
    while (text[pos]) {
        pdf_line l = {.start = pos, .top = 1e300, .bottom = -1e300};
        while (text[pos] && text[pos] != '\n') {
            if (geometry && text[pos] != ' ') {
                if (rects[ch].y1 < l.top)
                    l.top = rects[ch].y1;
                if (rects[ch].y2 > l.bottom)
                    l.bottom = rects[ch].y2;
            }
            pos = (size_t)(g_utf8_next_char(text + pos) - text);
            ch++;
        }
        l.end = pos;
        if (text[pos] == '\n') {
            pos++;
            ch++;
        }
        if (!geometry || l.top > l.bottom)
            l.top = l.bottom = 0;
        if (n == cap) {
            pdf_line *nl = realloc(lines, 2 * cap * sizeof *lines);
            if (!nl) {
                free(lines);
                return -1;
            }
            lines = nl;
            cap *= 2;
        }
        lines[n++] = l;
    }
    *out = lines;
    return (ptrdiff_t)n;
}

/* The usual distance from one line's top to the next's on the page (the
 * median of those going down), 0 if there is none. */
static double usual_spacing(const pdf_line *l, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    size_t k = 0;
    if (!d)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (l[i].top > l[i - 1].top && l[i - 1].bottom > l[i - 1].top)
            d[k++] = l[i].top - l[i - 1].top;
    double med = 0;
    if (k) {
        qsort(d, k, sizeof *d, cmp_double);
        med = d[k / 2];
    }
    free(d);
    return med;
}

static int starts_paragraph(const pdf_line *prev, const pdf_line *l, double spacing)
{
    double height = prev->bottom - prev->top;
    if (height <= 0 || l->bottom <= l->top)
        return 0;                         /* no geometry: one paragraph */
    if (l->top < prev->top)
        return 1;                         /* back up: a new column or block */
    double gap = l->top - prev->bottom;
    return gap > height || (spacing > 0 && l->top - prev->top > 1.5 * spacing);
}

static int is_blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* Appends one page's text as paragraphs to body. Returns 0, or -1 on out
 * of memory. */
static int append_page(qr_buf *body, const char *text, const PopplerRectangle *rects,
                       guint nrects)
{
    pdf_line *lines;
    ptrdiff_t n = page_lines(text, rects, nrects, &lines);
    if (n < 0)
        return -1;
    double spacing = usual_spacing(lines, (size_t)n);
    const size_t page_start = body->len;
    const pdf_line *prev = NULL;
    int para_open = 0, rc = 0;
    for (ptrdiff_t i = 0; i < n && rc == 0; i++) {
        const pdf_line *l = &lines[i];
        const char *s = text + l->start;
        size_t len = l->end - l->start;
        while (len > 0 && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
            len--;
        if (is_blank_line(s, len)) {
            para_open = 0;                /* poppler's own break */
            continue;
        }
        if (body->len > page_start &&
            (!para_open || (prev && starts_paragraph(prev, l, spacing)))) {
            rc = qr_buf_puts(body, "\n\n");
        } else if (para_open) {
            /* a word hyphenated at the line end is joined whole */
            const char *b = body->data;
            size_t bl = body->len;
            int hyphen = bl >= 2 && b[bl - 1] == '-' && g_ascii_isalpha(b[bl - 2]) &&
                         g_unichar_islower(g_utf8_get_char_validated(s, (gssize)len));
            if (hyphen)
                body->len--;
            else
                rc = qr_buf_putc(body, ' ');
        }
        if (rc == 0)
            rc = qr_buf_append(body, s, len);
        para_open = 1;
        prev = l;
    }
    free(lines);
    return rc;
}

/* The title when the document information has none: the first line of
 * text, if it is short enough to be one. */
static void first_line_title(const char *body, size_t len, qr_buf *title)
{
    size_t i = 0;
    while (i < len && (body[i] == '\n' || body[i] == ' '))
        i++;
    const char *p = body + i;
    const char *end = memchr(p, '\n', len - i);
    size_t n = end ? (size_t)(end - p) : len - i;
    if (n > 0 && n <= RD_TITLE_LINE_MAX)
        qr_buf_append(title, p, n);
}

/* The document information's CreationDate as written, for a date poppler
 * could not read: the first "/CreationDate (...)" in the file's bytes (an
 * information dictionary in a compressed object stream is not seen), a
 * leading "D:" dropped, at most 64 bytes; "" if none. rd_emit then reads
 * it if it can ("D:2017-07-09") and warns about it if not. */
static void raw_creation_date(const char *data, size_t len, char out[65])
{
    out[0] = '\0';
    static const char key[] = "/CreationDate";
    const char *p = memmem(data, len, key, sizeof key - 1);
    if (!p)
        return;
    const char *end = data + len;
    p += sizeof key - 1;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p == end || *p != '(')
        return;
    p++;
    if (end - p >= 2 && p[0] == 'D' && p[1] == ':')
        p += 2;
    size_t n = 0;
    for (; p < end && *p != ')' && n < 64; p++)
        if (*p != '\\')
            out[n++] = *p;
    out[n] = '\0';
}

static qr_status pdf_error(GError *err, qr_buf *why)
{
    qr_status st;
    if (err && err->domain == POPPLER_ERROR && err->code == POPPLER_ERROR_ENCRYPTED)
        st = rd_fail(why, QR_ERR_FORMAT, "encrypted PDF");
    else
        st = rd_fail(why, QR_ERR_FORMAT, "damaged PDF: %s",
                     err && err->message ? err->message : "poppler cannot open it");
    if (err)
        g_error_free(err);
    return st;
}

qr_status rd_pdf(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    if (len > G_MAXINT)
        return rd_fail(why, QR_ERR_TOO_BIG, "PDF larger than %d bytes", G_MAXINT);
    GError *err = NULL;
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    g_bytes_unref(bytes);
    if (!doc)
        return pdf_error(err, why);

    qr_buf body = {0}, title = {0};
    qr_status st = QR_OK;
    /* a page takes some bytes of the file: a page count past that is a lie */
    int np = poppler_document_get_n_pages(doc);
    if (np < 0)
        np = 0;
    if ((size_t)np > len / 8 + 1)
        np = (int)(len / 8 + 1);
    size_t *pages = malloc((size_t)(np ? np : 1) * sizeof *pages);
    size_t npages = 0;
    int has_text = 0;
    if (!pages)
        goto oom;
    for (int k = 0; k < np && body.len <= rc->max_article; k++) {
        PopplerPage *page = poppler_document_get_page(doc, k);
        char *text = page ? poppler_page_get_text(page) : NULL;
        if (text && !g_utf8_validate(text, -1, NULL)) {
            /* (then the boxes no longer match the characters: no geometry) */
            char *valid = g_utf8_make_valid(text, -1);
            g_free(text);
            text = valid;
        }
        PopplerRectangle *rects = NULL;
        guint nrects = 0;
        if (text && *text && !poppler_page_get_text_layout(page, &rects, &nrects))
            rects = NULL, nrects = 0;
        size_t before = body.len;
        int r = 0;
        if (text && !is_blank_line(text, strlen(text))) {
            if (body.len > 0)
                r = qr_buf_puts(&body, "\n\n");
            before = body.len;
            if (r == 0)
                r = append_page(&body, text, rects, nrects);
            has_text = 1;
        }
        pages[npages++] = before;
        g_free(rects);
        g_free(text);
        if (page)
            g_object_unref(page);
        if (r != 0)
            goto oom;
    }
    if (!has_text) {
        st = rd_fail(why, QR_ERR_FORMAT, "no text (image-only PDF)");
        goto out;
    }
    if (qr_buf_append(&body, "", 0) != 0)
        goto oom;

    char *t = poppler_document_get_title(doc);
    char *author = poppler_document_get_author(doc);
    if (t && *t)
        qr_buf_puts(&title, t);
    else
        first_line_title(body.data, body.len, &title);
    char date[65] = "";
    time_t created = poppler_document_get_creation_date(doc);
    struct tm tm;
    if (created > 0 && gmtime_r(&created, &tm) && tm.tm_year + 1900 >= 1000 &&
        tm.tm_year + 1900 <= 9999)
        strftime(date, sizeof date, "%Y%m%d", &tm);
    else
        raw_creation_date(data, len, date);
    if (qr_buf_append(&title, "", 0) != 0) {
        g_free(t);
        g_free(author);
        goto oom;
    }
    qr_article a = {
        .id = u->id, .title = title.data, .body = body.data, .body_len = body.len,
        .url = "", .date = date, .author = author ? author : "", .format = QR_FMT_PDF,
        .pages = pages, .npages = npages,
    };
    st = rd_emit(rc, u->where, &a, why);
    g_free(t);
    g_free(author);
    goto out;
oom:
    st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
out:
    free(pages);
    qr_buf_free(&body);
    qr_buf_free(&title);
    g_object_unref(doc);
    return st;
}

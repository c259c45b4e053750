/* schema.c — the index layout's keys and records (schema.h): article,
 * passage and source terms, and the passage record's encoding. */
#include "schema.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qr_key_term(qr_buf *out, const char *prefix, const char *key)
{
    qr_buf_clear(out);
    if (qr_buf_puts(out, prefix) != 0)
        return -1;
    size_t n = strlen(key);
    if (n <= QR_KEY_MAX)
        return qr_buf_append(out, key, n);
    /* Two independent 64-bit hashes: collisions need ~2^64 long keys. */
    return qr_buf_printf(out, "#%016llx%016llx",
                         (unsigned long long)qr_hash64(key, n, 1),
                         (unsigned long long)qr_hash64(key, n, 2));
}

int qr_passage_term(qr_buf *out, const char *article_id, unsigned ordinal)
{
    qr_buf key = {0};
    int rc = qr_buf_printf(&key, "%s#%u", article_id, ordinal) != 0 ||
             qr_key_term(out, QR_TERM_PASSAGE, key.data) != 0 ? -1 : 0;
    qr_buf_free(&key);
    return rc;
}

size_t qr_length_encode(uint32_t length, char buf[9])
{
    return xc_sortable_serialise((double)length, buf);
}

int qr_length_decode(const char *v, size_t len, uint32_t *out)
{
    /* sortable_serialise writes at most 9 bytes; whatever else decodes to
     * some double, which must be a whole number a termcount can hold */
    if (!v || len == 0 || len > 9)
        return -1;
    double d = xc_sortable_unserialise(v, len);
    if (!(d >= 0 && d <= (double)UINT32_MAX) || d != (double)(uint32_t)d)
        return -1;
    *out = (uint32_t)d;
    return 0;
}

/* Record layout: "QR3" NUL, then the fields below in order, each followed
 * by NUL, then the passage text (which runs to the end of the data). Numbers
 * are decimal. NUL separators are safe: readers guarantee NUL-free text.
 * "QR1" records (before pages) lack the two page numbers and the flags,
 * and read as flags 0; "QR1" and "QR2" records (before languages) lack the
 * language, and read as "". */
#define RECORD_MAGIC "QR3"
#define RECORD_MAGIC_V2 "QR2"
#define RECORD_MAGIC_V1 "QR1"

int qr_record_encode(const qr_record *r, qr_buf *out)
{
    qr_buf_clear(out);
    const char *fields[] = {RECORD_MAGIC, r->article_id, r->title, r->source,
                            r->url, r->date, r->author};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *f = fields[i] ? fields[i] : "";
        if (qr_buf_append(out, f, strlen(f) + 1) != 0)
            return -1;
    }
    if (qr_buf_printf(out, "%u", r->ordinal) != 0 || qr_buf_putc(out, '\0') != 0 ||
        qr_buf_printf(out, "%u", r->npassages) != 0 || qr_buf_putc(out, '\0') != 0 ||
        qr_buf_printf(out, "%llu", (unsigned long long)r->start) != 0 ||
        qr_buf_putc(out, '\0') != 0 ||
        qr_buf_printf(out, "%llu", (unsigned long long)r->end) != 0 ||
        qr_buf_putc(out, '\0') != 0 ||
        qr_buf_printf(out, "%u", r->page) != 0 || qr_buf_putc(out, '\0') != 0 ||
        qr_buf_printf(out, "%u", r->page_last) != 0 || qr_buf_putc(out, '\0') != 0 ||
        qr_buf_printf(out, "%u", r->flags) != 0 || qr_buf_putc(out, '\0') != 0 ||
        qr_buf_append(out, r->lang ? r->lang : "",
                      (r->lang ? strlen(r->lang) : 0) + 1) != 0)
        return -1;
    return qr_buf_append(out, r->text ? r->text : "", r->text ? r->text_len : 0);
}

/* Takes the NUL-terminated field at *p (within end), advancing *p. */
static const char *take(char **p, char *end)
{
    char *s = *p;
    char *nul = memchr(s, '\0', (size_t)(end - s));
    if (!nul)
        return NULL;
    *p = nul + 1;
    return s;
}

static int take_number(char **p, char *end, unsigned long long *v)
{
    const char *s = take(p, end);
    if (!s || !*s)
        return -1;
    char *e;
    *v = strtoull(s, &e, 10);
    return *e ? -1 : 0;
}

int qr_record_decode(char *data, size_t len, qr_record *r)
{
    if (!data)
        return -1;
    char *p = data, *end = data + len;
    const char *magic = take(&p, end);
    int v1 = magic && strcmp(magic, RECORD_MAGIC_V1) == 0;
    int v2 = magic && strcmp(magic, RECORD_MAGIC_V2) == 0;
    if (!magic || (!v1 && !v2 && strcmp(magic, RECORD_MAGIC) != 0))
        return -1;
    const char **fields[] = {&r->article_id, &r->title, &r->source, &r->url,
                             &r->date, &r->author};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!(*fields[i] = take(&p, end)))
            return -1;
    unsigned long long ord, np, start, stop;
    if (take_number(&p, end, &ord) || take_number(&p, end, &np) ||
        take_number(&p, end, &start) || take_number(&p, end, &stop))
        return -1;
    unsigned long long page = 0, page_last = 0, flags = 0;
    if (!v1 && (take_number(&p, end, &page) || take_number(&p, end, &page_last) ||
                take_number(&p, end, &flags)))
        return -1;
    r->lang = "";
    if (!v1 && !v2 && !(r->lang = take(&p, end)))
        return -1;
    r->ordinal = (unsigned)ord;
    r->npassages = (unsigned)np;
    r->start = start;
    r->end = stop;
    r->page = page <= UINT_MAX ? (unsigned)page : 0;
    r->page_last = page_last <= UINT_MAX && page_last >= page ? (unsigned)page_last
                                                                : r->page;
    r->flags = flags <= UINT_MAX ? (unsigned)flags : 0;
    r->text = p;
    r->text_len = (size_t)(end - p);
    return 0;
}

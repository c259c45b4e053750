/*
 * frame.c — quarry-extract's records (frame.h): encoding in the child,
 * decoding with every length checked in the parent.
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ encoding */

static int put_u32(qr_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                          (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    return qr_buf_append(b, x, 4);
}

static int put_u64(qr_buf *b, uint64_t v)
{
    return put_u32(b, (uint32_t)v) || put_u32(b, (uint32_t)(v >> 32));
}

static int put_str(qr_buf *b, const char *s, size_t n)
{
    if (!s)
        s = "";
    if (n > UINT32_MAX - 1)
        return -1;
    return put_u32(b, (uint32_t)n) || qr_buf_append(b, s, n) || qr_buf_append(b, "", 1);
}

static int put_cstr(qr_buf *b, const char *s)
{
    return put_str(b, s, s ? strlen(s) : 0);
}

/* A record's head, its length patched in by end_record. */
static int begin_record(qr_buf *b, int type, size_t *at)
{
    *at = b->len;
    unsigned char t = (unsigned char)type;
    return qr_buf_append(b, &t, 1) || put_u32(b, 0);
}

static int end_record(qr_buf *b, size_t at)
{
    size_t n = b->len - at - QR_FRAME_HEAD;
    if (n > UINT32_MAX)
        return -1;
    for (int i = 0; i < 4; i++)
        b->data[at + 1 + i] = (char)(unsigned char)(n >> (8 * i));
    return 0;
}

int qr_frame_start(qr_buf *out)
{
    return qr_buf_append(out, QR_FRAME_MAGIC, QR_FRAME_MAGIC_LEN);
}

int qr_frame_article(qr_buf *out, const qr_article *a)
{
    size_t at, np = a->pages ? a->npages : 0;
    unsigned char fmt = (unsigned char)a->format;
    if (np > UINT32_MAX || begin_record(out, QR_FRAME_ARTICLE, &at) ||
        put_cstr(out, a->id) || put_cstr(out, a->title) || put_cstr(out, a->url) ||
        put_cstr(out, a->date) || put_cstr(out, a->author) ||
        put_cstr(out, a->lang ? a->lang : "") ||
        put_str(out, a->body, a->body ? a->body_len : 0) ||
        qr_buf_append(out, &fmt, 1) || put_u32(out, (uint32_t)np))
        return -1;
    for (size_t k = 0; k < np; k++)
        if (put_u64(out, a->pages[k]))
            return -1;
    return end_record(out, at);
}

int qr_frame_warning(qr_buf *out, const char *where, const char *reason)
{
    size_t at;
    return begin_record(out, QR_FRAME_WARNING, &at) || put_cstr(out, where) ||
           put_cstr(out, reason) || end_record(out, at);
}

int qr_frame_end(qr_buf *out, qr_status st, uint64_t warnings, const char *reason)
{
    size_t at;
    return begin_record(out, QR_FRAME_END, &at) || put_u32(out, (uint32_t)st) ||
           put_u64(out, warnings) || put_cstr(out, reason) || end_record(out, at);
}

/* ------------------------------------------------------------ decoding */

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void qr_frame_head(const unsigned char *p, int *type, uint32_t *len)
{
    *type = p[0];
    *len = get_u32(p + 1);
}

/* A cursor over one payload; the first failure sticks. */
typedef struct cursor {
    const unsigned char *p;
    size_t left;
    const char *err;
} cursor;

static int take(cursor *c, size_t n, const unsigned char **out, const char *what)
{
    if (c->err)
        return -1;
    if (n > c->left) {
        c->err = what;
        return -1;
    }
    *out = c->p;
    c->p += n;
    c->left -= n;
    return 0;
}

static uint64_t take_u(cursor *c, size_t n, const char *what)
{
    const unsigned char *p;
    if (take(c, n, &p, what))
        return 0;
    uint64_t v = 0;
    for (size_t i = n; i > 0; i--)
        v = v << 8 | p[i - 1];
    return v;
}

static const char *take_str(cursor *c, size_t *len, const char *what)
{
    const unsigned char *p;
    uint64_t n = take_u(c, 4, what);
    if (c->err || take(c, (size_t)n + 1, &p, what))
        return "";
    if (p[n] != '\0' || memchr(p, '\0', (size_t)n)) {
        c->err = what;
        return "";
    }
    if (len)
        *len = (size_t)n;
    return (const char *)p;
}

static qr_status decode_article(cursor *c, qr_frame *f)
{
    qr_article *a = &f->article;
    a->id = take_str(c, NULL, "bad article id");
    a->title = take_str(c, NULL, "bad article title");
    a->url = take_str(c, NULL, "bad article url");
    a->date = take_str(c, NULL, "bad article date");
    a->author = take_str(c, NULL, "bad article author");
    a->lang = take_str(c, NULL, "bad article language");
    a->body = take_str(c, &a->body_len, "bad article body");
    a->format = (qr_format)take_u(c, 1, "bad article format");
    uint64_t np = take_u(c, 4, "bad page count");
    if (c->err)
        return QR_ERR_FORMAT;
    if (a->format == QR_FMT_UNKNOWN || a->format == QR_FMT_TAR ||
        strcmp(qr_format_name(a->format), "unknown") == 0) {
        c->err = "article of no document format";
        return QR_ERR_FORMAT;
    }
    if (np > c->left / 8 || c->left != np * 8) {
        c->err = "page offsets do not fill the record";
        return QR_ERR_FORMAT;
    }
    if (np) {
        f->pages = malloc((size_t)np * sizeof *f->pages);
        if (!f->pages)
            return QR_ERR_NOMEM;
    }
    for (size_t k = 0; k < np; k++) {
        uint64_t off = take_u(c, 8, "bad page offset");
        if (off > a->body_len || (k == 0 && off != 0) || (k > 0 && off < f->pages[k - 1])) {
            c->err = "page offsets out of order or outside the body";
            return QR_ERR_FORMAT;
        }
        f->pages[k] = (size_t)off;
    }
    a->pages = f->pages;
    a->npages = (size_t)np;
    return QR_OK;
}

qr_status qr_frame_decode(int type, const unsigned char *p, size_t n,
                          qr_frame *f, const char **err)
{
    cursor c = {.p = p, .left = n};
    qr_status st = QR_OK;
    memset(f, 0, sizeof *f);
    f->type = type;
    switch (type) {
    case QR_FRAME_ARTICLE:
        st = decode_article(&c, f);
        break;
    case QR_FRAME_WARNING:
        f->where = take_str(&c, NULL, "bad warning location");
        f->reason = take_str(&c, NULL, "bad warning reason");
        break;
    case QR_FRAME_END: {
        uint64_t s = take_u(&c, 4, "bad end status");
        f->warnings = take_u(&c, 8, "bad warning count");
        f->reason = take_str(&c, NULL, "bad end reason");
        if (!c.err && s > QR_ERR_STOPPED)
            c.err = "unknown status";
        f->status = (qr_status)s;
        break;
    }
    default:
        c.err = "unknown record type";
    }
    if (!c.err && c.left != 0)
        c.err = "record longer than its fields";
    if (st == QR_OK && c.err)
        st = QR_ERR_FORMAT;
    if (st != QR_OK) {
        *err = st == QR_ERR_NOMEM ? "out of memory" : c.err;
        qr_frame_clear(f);
    }
    return st;
}

void qr_frame_clear(qr_frame *f)
{
    free(f->pages);
    f->pages = NULL;
}

/*
 * reader.c — one source to articles: the input stream (file, stdin, memory,
 * archive member) with its gzip layer, format detection by name then
 * content, dispatch to the format readers, and article delivery.
 *
 * What stops a source and what is only a warning:
 *   - cannot open/read, binary content, nothing decodable, not an archive,
 *     more than max_source_bytes decoded (a gzip bomb), a document read
 *     whole larger than 4 x max_article_bytes: the source stops with a
 *     status and a reason (articles already delivered stay delivered);
 *   - damage after readable data (truncated or corrupt gzip, a truncated
 *     archive): what was read before the damage is kept, with a warning;
 *     a document cut short by damaged gzip is kept as far as it decoded;
 *   - anything wrong with one JSON line or one archive member: a warning,
 *     and reading goes on.
 */
#include "reader_int.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_ARTICLE ((size_t)32 << 20)
#define DEFAULT_MAX_LINE    ((size_t)64 << 20)
#define DEFAULT_MAX_SOURCE  ((uint64_t)4 << 30)

/* ------------------------------------------------------------ formats */

const char *qr_format_name(qr_format f)
{
    switch (f) {
    case QR_FMT_UNKNOWN: return "unknown";
    case QR_FMT_TEXT: return "text";
    case QR_FMT_MARKDOWN: return "markdown";
    case QR_FMT_HTML: return "html";
    case QR_FMT_JSONL: return "jsonl";
    case QR_FMT_TAR: return "tar";
    }
    return "unknown";
}

static const struct {
    const char *ext;
    qr_format fmt;
} EXTENSIONS[] = {
    {"txt", QR_FMT_TEXT},      {"text", QR_FMT_TEXT},
    {"md", QR_FMT_MARKDOWN},   {"markdown", QR_FMT_MARKDOWN},
    {"html", QR_FMT_HTML},     {"htm", QR_FMT_HTML},
    {"xhtml", QR_FMT_HTML},
    {"jsonl", QR_FMT_JSONL},   {"ndjson", QR_FMT_JSONL},
    {"json", QR_FMT_JSONL},
    {"tar", QR_FMT_TAR},       {"zip", QR_FMT_TAR},
    {"cpio", QR_FMT_TAR},
};

/* The base name's extension within [base, end): pointer after the last '.'
 * (not a leading one), or NULL. */
static const char *extension(const char *base, const char *end)
{
    for (const char *p = end; p > base + 1; p--)
        if (p[-1] == '.')
            return p;
    return NULL;
}

static qr_format format_of_ext(const char *ext, size_t n)
{
    for (size_t i = 0; i < sizeof EXTENSIONS / sizeof EXTENSIONS[0]; i++)
        if (strlen(EXTENSIONS[i].ext) == n && strncasecmp(ext, EXTENSIONS[i].ext, n) == 0)
            return EXTENSIONS[i].fmt;
    return QR_FMT_UNKNOWN;
}

qr_format qr_format_from_name(const char *name, int *gzipped)
{
    int gz = 0;
    qr_format f = QR_FMT_UNKNOWN;
    if (name) {
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        const char *end = base + strlen(base);
        const char *ext = extension(base, end);
        if (ext && strcasecmp(ext, "tgz") == 0) {
            gz = 1;
            f = QR_FMT_TAR;
        } else {
            if (ext && strcasecmp(ext, "gz") == 0) {
                gz = 1;
                end = ext - 1;
                ext = extension(base, end);
            }
            if (ext)
                f = format_of_ext(ext, (size_t)(end - ext));
        }
    }
    if (gzipped)
        *gzipped = gz;
    return f;
}

int qr_name_is_indexable(const char *name)
{
    int gz;
    if (!name || !*name)
        return 0;
    if (qr_format_from_name(name, &gz) != QR_FMT_UNKNOWN)
        return 1;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *end = base + strlen(base);
    if (gz)
        end -= 3;   /* "x.gz": decided by the name without .gz */
    return extension(base, end) == NULL;
}

/* ------------------------------------------------------- messages */

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

/* Control characters left in a message become spaces: a reason is one line. */
static void one_line(char *s)
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
        one_line(b.data);
    rc->warn(rc->ctx, where ? where : "", r == 0 ? b.data : "(warning lost: out of memory)");
    qr_buf_free(&b);
}

qr_status rd_fail(qr_buf *why, qr_status st, const char *fmt, ...)
{
    if (why && why->len == 0) {
        va_list ap;
        va_start(ap, fmt);
        if (qr_buf_vprintf(why, fmt, ap) == 0)
            one_line(why->data);
        va_end(ap);
    }
    return st;
}

/* ------------------------------------------------------------ streams */

static void in_error(rd_in *in, qr_status st, int damaged, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void in_error(rd_in *in, qr_status st, int damaged, const char *fmt, ...)
{
    if (in->err != QR_OK)
        return;
    in->err = st;
    in->damaged = damaged;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->msg, sizeof in->msg, fmt, ap);
    va_end(ap);
    one_line(in->msg);
}

void rd_in_init(rd_in *in, rd_ctx *rc, const char *where, rd_in_kind kind)
{
    memset(in, 0, sizeof *in);
    in->kind = kind;
    in->fd = -1;
    in->rc = rc;
    in->where = where;
    in->out_limit = rc->max_source;
}

void rd_in_close(rd_in *in)
{
    if (in->gz_ready)
        inflateEnd(&in->z);
    in->gz_ready = 0;
    free(in->rbuf);
    free(in->pk);
    in->rbuf = NULL;
    in->pk = NULL;
}

/* Reads raw bytes: count, 0 at the end, -1 on error. */
static ptrdiff_t raw_read(rd_in *in, unsigned char *buf, size_t n)
{
    ptrdiff_t got = 0;
    if (in->err != QR_OK)
        return -1;
    if (in->raw_eof || n == 0)
        return 0;
    switch (in->kind) {
    case RD_IN_FD:
        for (;;) {
            ssize_t r = read(in->fd, buf, n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                in_error(in, QR_ERR_IO, 0, "read error: %s", strerror(errno));
                return -1;
            }
            got = r;
            break;
        }
        break;
    case RD_IN_MEM: {
        size_t left = in->mem_len - in->mem_pos;
        size_t k = left < n ? left : n;
        if (k)
            memcpy(buf, in->mem + in->mem_pos, k);
        in->mem_pos += k;
        got = (ptrdiff_t)k;
        break;
    }
    case RD_IN_ARCHIVE: {
        la_ssize_t r = archive_read_data(in->ar, buf, n);
        if (r < 0) {
            const char *m = archive_error_string(in->ar);
            in_error(in, QR_ERR_FORMAT, 1, "cannot read member data: %s",
                     m ? m : "archive error");
            in->from_archive = 1;
            return -1;
        }
        got = (ptrdiff_t)r;
        break;
    }
    }
    if (got == 0) {
        in->raw_eof = 1;
        return 0;
    }
    in->raw_total += (uint64_t)got;
    if (in->raw_counter)
        *in->raw_counter += (uint64_t)got;
    if (in->has_raw_limit && in->raw_total > in->raw_limit) {
        in_error(in, QR_ERR_TOO_BIG, 0, "more than %llu bytes read (max_source_bytes)",
                 (unsigned long long)in->raw_limit);
        in->raw_limit_hit = 1;
        return -1;
    }
    return got;
}

/* Makes at least want raw bytes available in rbuf (fewer at the end).
 * Returns the bytes available, or -1 on error. */
static ptrdiff_t raw_fill(rd_in *in, size_t want)
{
    if (!in->rbuf) {
        in->rbuf = malloc(RD_CHUNK);
        if (!in->rbuf) {
            in_error(in, QR_ERR_NOMEM, 0, "out of memory");
            return -1;
        }
    }
    if (in->rpos > 0 && in->rlen - in->rpos < want) {
        memmove(in->rbuf, in->rbuf + in->rpos, in->rlen - in->rpos);
        in->rlen -= in->rpos;
        in->rpos = 0;
    }
    while (in->rlen - in->rpos < want && in->rlen < RD_CHUNK) {
        ptrdiff_t r = raw_read(in, in->rbuf + in->rlen, RD_CHUNK - in->rlen);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        in->rlen += (size_t)r;
    }
    return (ptrdiff_t)(in->rlen - in->rpos);
}

/* Sets up the gzip layer when the raw stream starts with the gzip magic. */
static int in_detect_gzip(rd_in *in)
{
    ptrdiff_t n = raw_fill(in, 2);
    if (n < 0)
        return -1;
    if (n >= 2 && in->rbuf[in->rpos] == 0x1F && in->rbuf[in->rpos + 1] == 0x8B) {
        memset(&in->z, 0, sizeof in->z);
        /* 15 + 32: a gzip or zlib header, detected automatically */
        int zr = inflateInit2(&in->z, 15 + 32);
        if (zr != Z_OK) {
            in_error(in, zr == Z_MEM_ERROR ? QR_ERR_NOMEM : QR_ERR_FORMAT, 0,
                     "cannot start gzip decoding");
            return -1;
        }
        in->gz = 1;
        in->gz_ready = 1;
    }
    return 0;
}

static ptrdiff_t gz_read(rd_in *in, unsigned char *buf, size_t n)
{
    if (n > UINT32_MAX)
        n = UINT32_MAX;
    in->z.next_out = buf;
    in->z.avail_out = (uInt)n;
    while (in->z.avail_out == n) {
        if (in->gz_member_end) {
            /* another member, the end, or trailing garbage */
            ptrdiff_t a = raw_fill(in, 2);
            if (a < 0)
                return -1;
            if (a == 0) {
                in->eof = 1;
                return 0;
            }
            if (a < 2 || in->rbuf[in->rpos] != 0x1F || in->rbuf[in->rpos + 1] != 0x8B) {
                rd_warn(in->rc, in->where, "trailing garbage after gzip data ignored");
                in->eof = 1;
                return 0;
            }
            if (inflateReset(&in->z) != Z_OK) {
                in_error(in, QR_ERR_FORMAT, 1, "gzip: cannot reset the decoder");
                return -1;
            }
            in->gz_member_end = 0;
        }
        if (in->rpos == in->rlen) {
            ptrdiff_t a = raw_fill(in, 1);
            if (a < 0)
                return -1;
            if (a == 0) {
                in_error(in, QR_ERR_FORMAT, 1,
                         "gzip data truncated after %llu decoded bytes",
                         (unsigned long long)in->out_total);
                return -1;
            }
        }
        size_t avail = in->rlen - in->rpos;
        in->z.next_in = in->rbuf + in->rpos;
        in->z.avail_in = (uInt)avail;
        int zr = inflate(&in->z, Z_NO_FLUSH);
        in->rpos += avail - in->z.avail_in;
        switch (zr) {
        case Z_OK:
            break;
        case Z_STREAM_END:
            in->gz_member_end = 1;
            break;
        case Z_BUF_ERROR:
            if (in->z.avail_in != 0) {
                in_error(in, QR_ERR_FORMAT, 1, "gzip: decoder made no progress");
                return -1;
            }
            break;
        case Z_MEM_ERROR:
            in_error(in, QR_ERR_NOMEM, 0, "out of memory");
            return -1;
        default:
            in_error(in, QR_ERR_FORMAT, 1, "corrupt gzip data after %llu decoded bytes (%s)",
                     (unsigned long long)in->out_total,
                     in->z.msg ? in->z.msg : "invalid data");
            return -1;
        }
    }
    return (ptrdiff_t)(n - in->z.avail_out);
}

/* Decoded bytes, before the lookahead. */
static ptrdiff_t dec_read(rd_in *in, unsigned char *buf, size_t n)
{
    ptrdiff_t got;
    if (in->err != QR_OK)
        return -1;
    if (in->eof || n == 0)
        return 0;
    if (in->gz) {
        got = gz_read(in, buf, n);
    } else if (in->rpos < in->rlen) {
        size_t k = in->rlen - in->rpos;
        if (k > n)
            k = n;
        memcpy(buf, in->rbuf + in->rpos, k);
        in->rpos += k;
        got = (ptrdiff_t)k;
    } else {
        got = raw_read(in, buf, n);
    }
    if (got < 0)
        return -1;
    if (got == 0) {
        in->eof = 1;
        return 0;
    }
    in->out_total += (uint64_t)got;
    if (in->out_total > in->out_limit) {
        in_error(in, QR_ERR_TOO_BIG, 0,
                 "more than %llu bytes after decompression (max_source_bytes)",
                 (unsigned long long)in->out_limit);
        return -1;
    }
    return got;
}

ptrdiff_t rd_in_read(rd_in *in, void *buf, size_t n)
{
    if (in->pk_pos < in->pk_len) {
        size_t k = in->pk_len - in->pk_pos;
        if (k > n)
            k = n;
        memcpy(buf, in->pk + in->pk_pos, k);
        in->pk_pos += k;
        return (ptrdiff_t)k;
    }
    return dec_read(in, buf, n);
}

/* Fills the lookahead with up to want decoded bytes; *p points at them.
 * Returns how many are available (fewer at the end or after an error). */
static size_t in_peek(rd_in *in, size_t want, const unsigned char **p)
{
    if (in->pk_cap < want) {
        unsigned char *np = malloc(want);
        if (!np) {
            in_error(in, QR_ERR_NOMEM, 0, "out of memory");
            *p = in->pk ? in->pk + in->pk_pos : (const unsigned char *)"";
            return in->pk_len - in->pk_pos;
        }
        if (in->pk_len > in->pk_pos)
            memcpy(np, in->pk + in->pk_pos, in->pk_len - in->pk_pos);
        in->pk_len -= in->pk_pos;
        in->pk_pos = 0;
        free(in->pk);
        in->pk = np;
        in->pk_cap = want;
    }
    while (in->pk_len - in->pk_pos < want) {
        if (in->pk_pos > 0) {
            memmove(in->pk, in->pk + in->pk_pos, in->pk_len - in->pk_pos);
            in->pk_len -= in->pk_pos;
            in->pk_pos = 0;
        }
        ptrdiff_t r = dec_read(in, in->pk + in->pk_len, want - in->pk_len);
        if (r <= 0)
            break;
        in->pk_len += (size_t)r;
    }
    *p = in->pk + in->pk_pos;
    return in->pk_len - in->pk_pos;
}

/* Reads the rest of the stream into out, at most cap bytes. Returns 0 at the
 * end, 1 if there is more than cap, -1 on error (in->err). */
static int in_slurp(rd_in *in, size_t cap, qr_buf *out)
{
    for (;;) {
        size_t room = cap - out->len + 1;   /* one more byte tells "too big" */
        if (room > RD_CHUNK)
            room = RD_CHUNK;
        if (qr_buf_reserve(out, room) != 0) {
            in_error(in, QR_ERR_NOMEM, 0, "out of memory");
            return -1;
        }
        ptrdiff_t r = rd_in_read(in, out->data + out->len, room);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
        if (out->len > cap) {
            out->len = cap;
            out->data[cap] = '\0';
            return 1;
        }
    }
}

/* ------------------------------------------------------------ sniffing */

static int starts_with_ci(const unsigned char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    return n >= k && strncasecmp((const char *)p, s, k) == 0;
}

static int contains_ci(const unsigned char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp((const char *)p + i, s, k) == 0)
            return 1;
    return 0;
}

static int is_archive_magic(const unsigned char *p, size_t n)
{
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
        return 1;
    if (n >= 4 && memcmp(p, "PK\003\004", 4) == 0)
        return 1;
    if (n >= 6 && (memcmp(p, "070701", 6) == 0 || memcmp(p, "070702", 6) == 0 ||
                   memcmp(p, "070707", 6) == 0))
        return 1;
    return 0;
}

static qr_format sniff(const unsigned char *p, size_t n)
{
    if (is_archive_magic(p, n))
        return QR_FMT_TAR;
    size_t i = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n && p[i] == '<' &&
        (starts_with_ci(p + i, n - i, "<!doctype html") || contains_ci(p + i, n - i, "<html") ||
         contains_ci(p + i, n - i, "<body") || contains_ci(p + i, n - i, "<head")))
        return QR_FMT_HTML;
    if (i < n && p[i] == '{')
        return QR_FMT_JSONL;
    if (starts_with_ci(p + i, n - i, "---\n") || starts_with_ci(p + i, n - i, "---\r\n") ||
        starts_with_ci(p + i, n - i, "# "))
        return QR_FMT_MARKDOWN;
    return QR_FMT_TEXT;
}

/* Whether the first byte after a UTF-8 BOM and whitespace is '{'. */
static int starts_as_json(const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i < n && p[i] == '{';
}

static int has_utf16_bom(const unsigned char *p, size_t n)
{
    return n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF));
}

/* ------------------------------------------------------------ dispatch */

qr_status rd_read_unit(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why)
{
    if (in_detect_gzip(in) != 0)
        return rd_fail(why, in->err, "%s", in->msg);

    qr_format fmt = u->forced;
    if (fmt == QR_FMT_UNKNOWN)
        fmt = qr_format_from_name(u->name, NULL);

    const unsigned char *head;
    size_t hn = in_peek(in, RD_SNIFF_BYTES, &head);
    if (in->err != QR_OK && (hn == 0 || !in->damaged))
        return rd_fail(why, in->err, "%s", in->msg);

    if (fmt == QR_FMT_UNKNOWN)
        fmt = sniff(head, hn);
    if (fmt == QR_FMT_TAR) {
        if (u->depth > 0)
            return rd_fail(why, QR_ERR_FORMAT, "nested archive skipped");
        return rd_archive(rc, u, in, why);
    }
    /* In JSON Lines that start as JSON, binary bytes are the problem of
     * the lines holding them (each skipped with a warning): a NUL in one
     * line must not lose the good lines around it. */
    if (qr_looks_binary((const char *)head, hn) &&
        !(fmt == QR_FMT_JSONL && starts_as_json(head, hn)))
        return rd_fail(why, QR_ERR_FORMAT, "binary file");
    if (fmt == QR_FMT_JSONL) {
        if (has_utf16_bom(head, hn))
            return rd_fail(why, QR_ERR_FORMAT, "JSON Lines must be UTF-8 (UTF-16 byte-order mark found)");
        return rd_jsonl(rc, u, in, why);
    }

    /* text, Markdown, HTML: read whole */
    qr_buf doc = {0};
    int r = in_slurp(in, rc->max_doc, &doc);
    qr_status st = QR_OK;
    if (r > 0) {
        st = rd_fail(why, QR_ERR_TOO_BIG, "document larger than %zu bytes "
                     "(4 x max_article_bytes)", rc->max_doc);
    } else if (r < 0) {
        if (in->damaged && !in->from_archive && doc.len > 0)
            rd_warn(rc, u->where, "%s: only the first %zu bytes could be read",
                    in->msg, doc.len);
        else
            st = rd_fail(why, in->err, "%s", in->msg);
    }
    if (st == QR_OK) {
        const char *data = doc.data ? doc.data : "";
        if (fmt == QR_FMT_HTML)
            st = rd_html(rc, u, data, doc.len, why);
        else if (fmt == QR_FMT_MARKDOWN)
            st = rd_markdown(rc, u, data, doc.len, why);
        else
            st = rd_text(rc, u, data, doc.len, why);
    }
    qr_buf_free(&doc);
    return st;
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

qr_status rd_emit(rd_ctx *rc, const char *where, const qr_article *a, qr_buf *why)
{
    qr_buf id = {0}, title = {0}, url = {0}, author = {0}, body = {0};
    qr_status st = QR_OK;
    const char *b = a->body ? a->body : "";
    size_t blen = a->body ? a->body_len : 0;

    if (put_id(&id, a->id) != 0 || put_one_line(&title, a->title) != 0 ||
        put_one_line(&url, a->url) != 0 || put_one_line(&author, a->author) != 0)
        goto oom;
    if (!rd_text_is_clean(b, blen)) {
        if (qr_text_to_utf8(b, blen, &body) != 0)
            goto oom;
        b = body.data;
        blen = body.len;
    }
    while (blen > 0 && is_ws(*b)) {
        b++;
        blen--;
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
    if (b[blen] != '\0') {
        /* trimmed or cut: the callback gets a terminated copy */
        qr_buf copy = {0};
        if (qr_buf_append(&copy, b, blen) != 0)
            goto oom;
        qr_buf_free(&body);
        body = copy;
        b = body.data;
    }

    char date[9] = "";
    if (a->date && strlen(a->date) == 8 && strspn(a->date, "0123456789") == 8)
        memcpy(date, a->date, 9);

    qr_article out = {
        .id = id.data, .title = title.data, .body = b, .body_len = blen,
        .url = url.data, .date = date, .author = author.data, .format = a->format,
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
    return st;
}

/* ------------------------------------------------------------ entry points */

static void ctx_init(rd_ctx *rc, const qr_read_opts *opts, qr_article_cb cb,
                     qr_warn_cb warn, void *ctx, qr_read_stats *stats)
{
    memset(rc, 0, sizeof *rc);
    rc->max_article = opts && opts->max_article_bytes ? opts->max_article_bytes
                                                      : DEFAULT_MAX_ARTICLE;
    rc->max_line = opts && opts->max_line_bytes ? opts->max_line_bytes : DEFAULT_MAX_LINE;
    rc->max_source = opts && opts->max_source_bytes ? opts->max_source_bytes
                                                    : DEFAULT_MAX_SOURCE;
    rc->max_doc = rc->max_article > SIZE_MAX / 4 ? SIZE_MAX - 1 : rc->max_article * 4;
    if (rc->max_doc > rc->max_source)
        rc->max_doc = (size_t)rc->max_source;
    rc->cb = cb;
    rc->warn = warn;
    rc->ctx = ctx;
    rc->stats = stats;
}

/* The last word on the warnings left out past QR_MAX_WARNINGS. */
static void warn_suppressed(rd_ctx *rc, const char *where)
{
    if (!rc->suppressed || !rc->warn)
        return;
    qr_buf b = {0};
    int r = qr_buf_printf(&b, "%zu more warnings not shown (at most %d per source)",
                          rc->suppressed, QR_MAX_WARNINGS);
    rc->warn(rc->ctx, where, r == 0 ? b.data : "more warnings not shown");
    qr_buf_free(&b);
}

static qr_status finish(qr_status st, qr_buf *why, char **reason)
{
    if (reason) {
        *reason = NULL;
        if (st != QR_OK) {
            if (why->len == 0)
                qr_buf_puts(why, qr_status_str(st));
            *reason = qr_buf_steal(why);
        }
    }
    qr_buf_free(why);
    return st;
}

qr_status qr_read_source(const char *path, const char *id, qr_format format,
                         const qr_read_opts *opts, qr_article_cb cb,
                         qr_warn_cb warn, void *ctx, qr_read_stats *stats,
                         char **reason)
{
    qr_read_stats local = {0};
    qr_buf why = {0}, where = {0};
    rd_ctx rc;
    ctx_init(&rc, opts, cb, warn, ctx, stats ? stats : &local);
    if (!path || !*path)
        return finish(rd_fail(&why, QR_ERR_USAGE, "no path given"), &why, reason);

    int is_stdin = strcmp(path, "-") == 0;
    if (!id)
        id = is_stdin ? "-" : path;
    if ((is_stdin && strcmp(id, "-") == 0) ? qr_buf_puts(&where, "<stdin>")
                                           : rd_where(&where, NULL, NULL, id))
        return finish(rd_fail(&why, QR_ERR_NOMEM, "out of memory"), &why, reason);

    int fd = 0;
    if (!is_stdin) {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            qr_buf_free(&where);
            return finish(rd_fail(&why, QR_ERR_IO, "cannot open: %s", strerror(errno)),
                          &why, reason);
        }
        struct stat sb;
        int e = fstat(fd, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? EISDIR : 0;
        if (e != 0) {
            close(fd);
            qr_buf_free(&where);
            return finish(rd_fail(&why, QR_ERR_IO, "cannot read: %s", strerror(e)),
                          &why, reason);
        }
    } else if (format == QR_FMT_UNKNOWN) {
        format = QR_FMT_JSONL;
    }

    rd_in in;
    rd_in_init(&in, &rc, where.data, RD_IN_FD);
    in.fd = fd;
    in.raw_counter = &rc.stats->bytes_in;
    rd_unit u = {.name = path, .id = id, .where = where.data, .forced = format, .depth = 0};
    qr_status st = rd_read_unit(&rc, &u, &in, &why);
    rd_in_close(&in);
    if (!is_stdin)
        close(fd);
    warn_suppressed(&rc, where.data);
    qr_buf_free(&where);
    return finish(st, &why, reason);
}

qr_status qr_read_buffer(const char *name, const void *data, size_t len,
                         qr_format format, const qr_read_opts *opts,
                         qr_article_cb cb, qr_warn_cb warn, void *ctx,
                         qr_read_stats *stats, char **reason)
{
    qr_read_stats local = {0};
    qr_buf why = {0}, where = {0};
    rd_ctx rc;
    ctx_init(&rc, opts, cb, warn, ctx, stats ? stats : &local);
    if (!name || (!data && len > 0))
        return finish(rd_fail(&why, QR_ERR_USAGE, "no name or no data given"), &why, reason);
    if (rd_where(&where, NULL, NULL, name) != 0)
        return finish(rd_fail(&why, QR_ERR_NOMEM, "out of memory"), &why, reason);
    rd_in in;
    rd_in_init(&in, &rc, where.data, RD_IN_MEM);
    in.mem = data;
    in.mem_len = len;
    in.raw_counter = &rc.stats->bytes_in;
    rd_unit u = {.name = name, .id = name, .where = where.data, .forced = format, .depth = 0};
    qr_status st = rd_read_unit(&rc, &u, &in, &why);
    rd_in_close(&in);
    warn_suppressed(&rc, where.data);
    qr_buf_free(&where);
    return finish(st, &why, reason);
}

/*
 * stream.c — the bytes of one source or archive member (rd_in): read from
 * a file descriptor, memory or a libarchive member, through a gzip layer
 * when the first two raw bytes say gzip, with a lookahead for sniffing.
 *
 * Limits are kept here, in one place: raw bytes against a member's share
 * of max_source_bytes, decoded bytes against max_source_bytes (a gzip
 * bomb stops here, however it is packed). Errors are sticky: the first
 * failure is kept with its reason and every later read returns -1.
 */
#include "reader_int.h"

#include <archive.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    rd_one_line(in->msg);
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

void rd_in_restart(rd_in *in)
{
    in->rpos = in->rlen = 0;
    in->pk_pos = in->pk_len = 0;
    in->raw_eof = in->eof = 0;
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

int rd_in_detect_gzip(rd_in *in)
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

size_t rd_in_peek(rd_in *in, size_t want, const unsigned char **p)
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

int rd_in_slurp(rd_in *in, size_t cap, qr_buf *out)
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

qr_status rd_in_read_doc(rd_in *in, const char *where, qr_buf *doc, qr_buf *why)
{
    int got = rd_in_slurp(in, in->rc->max_doc, doc);
    if (got > 0)
        return rd_fail(why, QR_ERR_TOO_BIG, "document larger than %zu bytes "
                       "(4 x max_article_bytes)", in->rc->max_doc);
    if (got < 0) {
        if (!in->damaged || in->from_archive || doc->len == 0)
            return rd_fail(why, in->err, "%s", in->msg);
        rd_warn(in->rc, where, "%s: only the first %zu bytes could be read", in->msg, doc->len);
    }
    return qr_buf_append(doc, "", 0) == 0 ? QR_OK : rd_fail(why, QR_ERR_NOMEM, "out of memory");
}

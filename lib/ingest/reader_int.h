/*
 * reader_int.h — private to the readers: reader.c (dispatch, streams,
 * article delivery), textconv.c, date.c, read_text.c, read_html.c,
 * read_jsonl.c and read_archive.c. Nothing here is part of the public API.
 *
 * Error handling: every function that can stop a unit (a source, or one
 * member of an archive) returns a qr_status and, on failure, writes a
 * one-line reason into the caller's `why` buffer (first reason wins). The
 * archive reader turns a member's failure into a warning; the top level
 * hands the reason to the caller of qr_read_source.
 */
#ifndef QUARRY_READER_INT_H
#define QUARRY_READER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "reader.h"

struct archive;

#define RD_SNIFF_BYTES   8192          /* content sniffing window            */
#define RD_CHUNK         (64 * 1024)   /* read size for streams              */
#define RD_FIELD_MAX     4096          /* cap on title/author/url bytes      */
#define RD_TITLE_LINE_MAX 200          /* longer first lines are not titles  */

/* ================================================================ reader.c */

/* Everything one qr_read_source / qr_read_buffer call shares. */
typedef struct rd_ctx {
    size_t        max_article;  /* resolved qr_read_opts.max_article_bytes  */
    size_t        max_line;     /* resolved max_line_bytes                  */
    uint64_t      max_source;   /* resolved max_source_bytes                */
    size_t        max_doc;      /* raw size limit of a document read whole
                                   (text, Markdown, HTML): 4 x max_article,
                                   at most max_source                       */
    qr_article_cb cb;           /* the caller's callback (may be NULL)      */
    qr_warn_cb    warn;         /* the caller's warn callback (may be NULL) */
    void         *ctx;          /* their context                            */
    qr_read_stats *stats;       /* never NULL (points at a local if needed) */
    size_t        warned;       /* warnings passed to warn so far           */
    size_t        suppressed;   /* warnings past QR_MAX_WARNINGS, not passed */
} rd_ctx;

typedef enum rd_in_kind {
    RD_IN_FD,                   /* a file descriptor (file or stdin)        */
    RD_IN_MEM,                  /* a buffer in memory                       */
    RD_IN_ARCHIVE               /* the current member of a libarchive reader */
} rd_in_kind;

/* A byte stream with an optional gzip layer (detected from the first two
 * raw bytes) and a lookahead buffer for content sniffing. Errors are sticky:
 * after the first failure every read returns -1. */
typedef struct rd_in {
    rd_in_kind kind;
    int        fd;              /* RD_IN_FD                                  */
    const unsigned char *mem;   /* RD_IN_MEM                                 */
    size_t     mem_len, mem_pos;
    struct archive *ar;         /* RD_IN_ARCHIVE                             */

    uint64_t  *raw_counter;     /* raw bytes are added here too (may be NULL)*/
    uint64_t   raw_total;       /* raw bytes read                            */
    uint64_t   raw_limit;       /* with has_raw_limit: more -> QR_ERR_TOO_BIG */
    int        has_raw_limit;
    int        raw_limit_hit;   /* the error is raw_limit being exceeded     */
    int        raw_eof;

    unsigned char *rbuf;        /* raw bytes not yet consumed (zlib input)   */
    size_t     rpos, rlen;

    int        gz;              /* the raw stream is gzip                    */
    int        gz_ready;        /* z is initialised                          */
    int        gz_member_end;   /* the last gzip member ended                */
    z_stream   z;

    uint64_t   out_total;       /* decoded bytes produced                    */
    uint64_t   out_limit;       /* more -> QR_ERR_TOO_BIG (max_source_bytes) */

    unsigned char *pk;          /* decoded lookahead (sniffing)              */
    size_t     pk_pos, pk_len, pk_cap;
    int        eof;             /* decoded stream ended                      */

    qr_status  err;             /* QR_OK until a read fails                  */
    int        damaged;         /* err is corrupt or truncated data          */
    int        from_archive;    /* err came from libarchive (member data)    */
    char       msg[256];        /* one-line reason for err                   */

    rd_ctx    *rc;              /* for the trailing-garbage warning          */
    const char *where;
} rd_in;

/* One thing being read: the source itself, or an archive member. */
typedef struct rd_unit {
    const char *name;           /* for format detection (a path or member)   */
    const char *id;             /* article id, or prefix of member ids       */
    const char *where;          /* printable location for warnings           */
    qr_format   forced;         /* QR_FMT_UNKNOWN = detect                   */
    int         depth;          /* 0 = the source, 1 = an archive member     */
} rd_unit;

/* Zeroes in and sets the common fields; the caller then sets kind and the
 * kind's fields. */
void rd_in_init(rd_in *in, rd_ctx *rc, const char *where, rd_in_kind kind);
/* Reads up to n decoded bytes: returns the count, 0 at the end, or -1 on
 * error (in->err, in->msg). */
ptrdiff_t rd_in_read(rd_in *in, void *buf, size_t n);
/* Frees what the stream allocated (never closes the fd). */
void rd_in_close(rd_in *in);

/* Detects the unit's format (name, then content), then reads it. */
qr_status rd_read_unit(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);

/* Hands one article to the callback: fields made valid one-line UTF-8
 * (title, url, author capped at RD_FIELD_MAX bytes), the body checked,
 * trimmed and truncated to max_article with a warning; an article with
 * neither title nor body text is skipped with a warning. a->body must be
 * readable up to a->body[a->body_len]. Returns QR_OK, QR_ERR_NOMEM or
 * QR_ERR_STOPPED. */
qr_status rd_emit(rd_ctx *rc, const char *where, const qr_article *a,
                  qr_buf *why);

/* Reports a warning (made one line) and counts it; past QR_MAX_WARNINGS
 * for this source, only counts it. */
void rd_warn(rd_ctx *rc, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the reason into why unless it already holds one; returns st. */
qr_status rd_fail(qr_buf *why, qr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends a location: prefix (already printable), then sep, then name made
 * printable. Returns 0 or -1 (out of memory). */
int rd_where(qr_buf *b, const char *prefix, const char *sep, const char *name);

/* ============================================================== textconv.c */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
size_t rd_utf8_seq(const unsigned char *s, size_t n);
/* Whether s is valid UTF-8 without NUL or C0 controls other than \t \n. */
int rd_text_is_clean(const char *s, size_t n);
/* Tidies text appended from start on: trailing blanks on each line removed,
 * runs of blank lines become one blank line, leading and trailing blank
 * lines removed. In place. */
void rd_tidy_text(qr_buf *b, size_t start);

/* ============================================================= read_*.c */

qr_status rd_text(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);
qr_status rd_markdown(rd_ctx *rc, const rd_unit *u, const char *data,
                      size_t len, qr_buf *why);
qr_status rd_html(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);
qr_status rd_jsonl(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
qr_status rd_archive(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);

#endif

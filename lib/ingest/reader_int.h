/*
 * reader_int.h — private to the readers (reader.h): the table of contents
 * of reader.c, format.c, stream.c, emit.c, textconv.c, the read_*.c
 * format readers and mail_mime.c (the e-mail reader's MIME walk),
 * sectioned per file (date.c has only the public qr_date_normalise).
 * Nothing here is part of the public API.
 *
 * Who uses whom, never the other way round: reader.c (entry points,
 * dispatch) uses format.c and calls the format readers through its table;
 * the format readers use stream.c (bytes) and emit.c (articles, warnings);
 * stream.c uses emit.c for its one warning; emit.c uses textconv.c. The
 * archive reader reads its members, and the e-mail reader its attachments,
 * through rd_ctx.read_unit, set by reader.c; neither calls reader.c
 * itself.
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

typedef struct rd_ctx rd_ctx;
typedef struct rd_in rd_in;
typedef struct rd_unit rd_unit;

/* A format reader that takes the stream as it comes (JSON Lines,
 * archives), and one that takes a document read whole (text, Markdown,
 * HTML; data is readable up to data[len], a NUL). */
typedef qr_status (*rd_stream_fn)(rd_ctx *rc, const rd_unit *u, rd_in *in,
                                  qr_buf *why);
typedef qr_status (*rd_doc_fn)(rd_ctx *rc, const rd_unit *u, const char *data,
                               size_t len, qr_buf *why);

/* ============================================== Interface to reader.c */

/* Everything one qr_read_source / qr_read_buffer call shares. */
struct rd_ctx {
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
    rd_stream_fn  read_unit;    /* reader.c's dispatcher: detects a unit's
                                   format (name, then content) and reads it;
                                   how an archive reads its members         */
    unsigned      extract_seconds; /* resolved: CPU seconds per child       */
    uint64_t      extract_memory;  /* resolved: address space per child     */
};

/* One thing being read: the source itself, an archive member or a mail
 * attachment. */
struct rd_unit {
    const char *name;           /* for format detection (a path or member)   */
    const char *id;             /* article id, or prefix of member ids       */
    const char *where;          /* printable location for warnings           */
    qr_format   forced;         /* QR_FMT_UNKNOWN = detect                   */
    int         depth;          /* 0 = the source, 1 = an archive member or
                                   attachment, 2 = an attachment of one ... */
};

/* ============================================== Interface to format.c */

/* (qr_format_name, qr_format_from_name and qr_name_is_indexable are public:
 * reader.h.) */

/* The format the first n decoded bytes of a unit look like: an archive by
 * its magic, HTML, JSON Lines, Markdown, else text. */
qr_format rd_sniff(const unsigned char *p, size_t n);
/* Where the text of the first n bytes starts: after a UTF-8 byte-order
 * mark and ASCII blanks (n if nothing else). */
size_t rd_text_start(const unsigned char *p, size_t n);

/* ============================================== Interface to stream.c */

typedef enum rd_in_kind {
    RD_IN_FD,                   /* a file descriptor (file or stdin)        */
    RD_IN_MEM,                  /* a buffer in memory                       */
    RD_IN_ARCHIVE               /* the current member of a libarchive reader */
} rd_in_kind;

/* A byte stream with an optional gzip layer (detected from the first two
 * raw bytes) and a lookahead buffer for content sniffing. Errors are sticky:
 * after the first failure every read returns -1. */
struct rd_in {
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
};

/* Zeroes in and sets the common fields; the caller then sets kind and the
 * kind's fields. */
void rd_in_init(rd_in *in, rd_ctx *rc, const char *where, rd_in_kind kind);
/* Sets up the gzip layer when the raw stream starts with the gzip magic.
 * Call once, before reading. 0, or -1 on error (in->err, in->msg). */
int rd_in_detect_gzip(rd_in *in);
/* Reads up to n decoded bytes: returns the count, 0 at the end, or -1 on
 * error (in->err, in->msg). */
ptrdiff_t rd_in_read(rd_in *in, void *buf, size_t n);
/* Fills the lookahead with up to want decoded bytes (later reads return
 * them first); *p points at them. Returns how many are available (fewer
 * at the end or after an error). Peeking again returns the same bytes. */
size_t rd_in_peek(rd_in *in, size_t want, const unsigned char **p);
/* Reads the rest of the stream into out, at most cap bytes. Returns 0 at
 * the end, 1 if there is more than cap, -1 on error (in->err). */
int rd_in_slurp(rd_in *in, size_t cap, qr_buf *out);
/* Reads the rest of a document whole into doc (at most rc->max_doc bytes,
 * NUL-terminated): a larger one fails with QR_ERR_TOO_BIG, a read error
 * with its status; a document cut short by damage (a truncated gzip) is
 * kept as far as it decoded, with a warning at where. */
qr_status rd_in_read_doc(rd_in *in, const char *where, qr_buf *doc, qr_buf *why);
/* Drops what the stream buffered and its end marks, after the caller moved
 * the fd's offset or mem_pos (an archive reader seeking). */
void rd_in_restart(rd_in *in);
/* Frees what the stream allocated (never closes the fd). */
void rd_in_close(rd_in *in);

/* ================================================ Interface to emit.c */

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

/* After a source: one last warning saying how many were left out past
 * QR_MAX_WARNINGS (none if none were). */
void rd_warn_suppressed(rd_ctx *rc, const char *where);

/* Writes the reason into why unless it already holds one; returns st. */
qr_status rd_fail(qr_buf *why, qr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends a location: prefix (already printable), then sep, then name made
 * printable. Returns 0 or -1 (out of memory). */
int rd_where(qr_buf *b, const char *prefix, const char *sep, const char *name);

/* Control characters left in a message become spaces: a reason is one
 * line. In place. */
void rd_one_line(char *s);

/* ============================================ Interface to textconv.c */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
size_t rd_utf8_seq(const unsigned char *s, size_t n);
/* Whether s is valid UTF-8 without NUL or C0 controls other than \t \n. */
int rd_text_is_clean(const char *s, size_t n);
/* Decodes n bytes in the charset iconv knows as charset, appending UTF-8
 * to out; an undecodable byte becomes U+FFFD. Returns 0, 1 if iconv does
 * not know the charset (nothing appended), -1 on out of memory. */
int rd_charset_to_utf8(const char *charset, const char *s, size_t n, qr_buf *out);
/* Tidies text appended from start on: trailing blanks on each line removed,
 * runs of blank lines become one blank line, leading and trailing blank
 * lines removed. In place. */
void rd_tidy_text(qr_buf *b, size_t start);

/* ======================= Interface to read_text.c, read_html.c (rd_doc_fn) */

qr_status rd_text(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);
qr_status rd_markdown(rd_ctx *rc, const rd_unit *u, const char *data,
                      size_t len, qr_buf *why);
qr_status rd_html(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);

/* HTML's text as rd_html reads it, for readers whose documents hold HTML
 * (a mail's text/html part, unrtf's output): every buffer NUL-terminated,
 * the text tidied (rd_tidy_text), title from <title> else the first <h1>,
 * url, author and date (YYYYMMDD) from <meta> and <link>. */
typedef struct rd_html_text {
    qr_buf text, title, url, author, date;
} rd_html_text;
/* encoding: the document's encoding when the caller knows it (e.g.
 * "UTF-8" for text already converted), overriding a <meta charset>; NULL
 * lets libxml2 decide, as rd_html does. Warnings go to where. On success
 * *out holds the text (free with rd_html_text_free); on failure nothing. */
qr_status rd_html_extract(rd_ctx *rc, const char *where, const char *data, size_t len,
                          const char *encoding, rd_html_text *out, qr_buf *why);
void rd_html_text_free(rd_html_text *t);

/* ================ Interface to read_jsonl.c, read_archive.c (rd_stream_fn) */

/* JSON Lines judges its own bytes: binary content only stops it when the
 * stream does not start as JSON. */
qr_status rd_jsonl(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
/* Refuses a nested archive (u->depth > 0); reads each member through
 * rc->read_unit. */
qr_status rd_archive(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);

/* ====================== Interface to read_email.c (rd_stream_fn), read_rtf.c */

/* One message (QR_FMT_EMAIL: .eml, a Maildir file), article id = the
 * unit's id, and a Unix mailbox (QR_FMT_MBOX), one article per message
 * with id = unit id + "/" + the message's key. Both judge their own bytes:
 * binary content is refused only when it does not start like mail (a
 * header field or a "From " line). Attachments are read through
 * rc->read_unit at depth + 1. */
qr_status rd_email(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
qr_status rd_mbox(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
/* RTF through GNU UnRTF run as a child process (rd_doc_fn). */
qr_status rd_rtf(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                 qr_buf *why);

/* ============================================= Interface to mail_mime.c */

/* One message taken apart: its headers decoded, its text parts decoded
 * and converted to UTF-8 and joined, its attachments found (not decoded:
 * mail_att_decode does that when the caller reads one). */
typedef struct mail_att {
    char       *name;           /* file name made safe (no '/', no
                                   controls), unique within the message    */
    const char *raw;            /* the encoded content, inside the message  */
    size_t      raw_len;
    int         enc;            /* its GMimeContentEncoding                 */
    char       *charset;        /* text other than HTML with a declared
                                   charset: converted to UTF-8 on decoding  */
} mail_att;

typedef struct mail_msg {
    qr_buf      subject;        /* RFC 2047 decoded ("" if none)            */
    qr_buf      from;           /* "Name <addr>, ..." decoded               */
    qr_buf      date;           /* YYYYMMDD or ""                           */
    qr_buf      body;           /* text parts, forwarded messages inlined   */
    mail_att   *atts;
    size_t      natts;
    qr_buf     *owned;          /* buffers decoded on the way (a base64
                                   message/rfc822) that atts point into    */
    size_t      nowned;
    uint64_t    decoded;        /* bytes decoded so far, against the
                                   message's budget                         */
} mail_msg;

#define MAIL_MAX_PARTS 1000     /* MIME entities walked per message         */
#define MAIL_MAX_DEPTH 20       /* multipart and message/rfc822 nesting     */
#define MAIL_MAX_FIELD 65536    /* header value bytes decoded (Subject ...) */

/* Takes apart the message in data[0..len), which must stay alive while m
 * is used; warnings (parts over the caps, unknown charsets) go to where.
 * Returns QR_OK or QR_ERR_NOMEM; hostile input only costs warnings. */
qr_status mail_parse(rd_ctx *rc, const char *where, const char *data, size_t len,
                     mail_msg *m, qr_buf *why);
void mail_msg_free(mail_msg *m);
/* The Message-ID of the message in data[0..len), without its <>, in out
 * ("" when there is none, or it is longer than 250 bytes). 0, or -1 on
 * out of memory. */
int mail_message_id(const char *data, size_t len, qr_buf *out);
/* An attachment's content decoded into out (transfer encoding, charset),
 * counted against the message's budget of max_doc decoded bytes. Returns
 * 0, 1 if over the budget (out empty), -1 on out of memory. */
int mail_att_decode(rd_ctx *rc, mail_msg *m, const mail_att *a, qr_buf *out);

#endif

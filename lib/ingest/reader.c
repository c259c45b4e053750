/*
 * reader.c — one source to articles: the entry points (qr_read_source,
 * qr_read_buffer) and the dispatcher that detects each unit's format (a
 * source, or an archive member: by name, then content) and hands it to
 * that format's reader through the table READERS.
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
 *
 * Files: format.c says what a name or the first bytes are, stream.c reads
 * the bytes (gzip, limits), the read_*.c readers make articles of them,
 * emit.c delivers articles and warnings. Nothing calls back into this
 * file but through rd_ctx.read_unit (an archive's members).
 */
#include "reader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_ARTICLE ((size_t)32 << 20)
#define DEFAULT_MAX_LINE    ((size_t)64 << 20)
#define DEFAULT_MAX_SOURCE  ((uint64_t)4 << 30)
#define DEFAULT_EXTRACT_SECONDS 60u
#define DEFAULT_EXTRACT_MEMORY  ((uint64_t)2 << 30)

/* ------------------------------------------------------------ dispatch */

/* How each format is read: from the stream as it comes (JSON Lines,
 * archives and mail, which judge their own bytes, binary or not), or as a
 * whole document, which must not look binary. */
static const struct {
    qr_format    format;
    rd_stream_fn stream;
    rd_doc_fn    doc;
} READERS[] = {
    {QR_FMT_TAR, rd_archive, NULL},
    {QR_FMT_JSONL, rd_jsonl, NULL},
    {.format = QR_FMT_EMAIL, .stream = rd_email},
    {.format = QR_FMT_MBOX, .stream = rd_mbox},
    {.format = QR_FMT_RTF, .doc = rd_rtf},
    {QR_FMT_HTML, NULL, rd_html},
    {QR_FMT_MARKDOWN, NULL, rd_markdown},
    {QR_FMT_TEXT, NULL, rd_text},     /* last: what anything else reads as */
};

/* The dispatcher (rd_ctx.read_unit): the unit's format by its forced
 * format, else its name, else its first bytes; then its reader. */
static qr_status read_unit(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why)
{
    if (rd_in_detect_gzip(in) != 0)
        return rd_fail(why, in->err, "%s", in->msg);

    qr_format fmt = u->forced;
    if (fmt == QR_FMT_UNKNOWN)
        fmt = qr_format_from_name(u->name, NULL);

    const unsigned char *head;
    size_t hn = rd_in_peek(in, RD_SNIFF_BYTES, &head);
    if (in->err != QR_OK && (hn == 0 || !in->damaged))
        return rd_fail(why, in->err, "%s", in->msg);

    if (fmt == QR_FMT_UNKNOWN)
        fmt = rd_sniff(head, hn);
    size_t r = 0, last = sizeof READERS / sizeof READERS[0] - 1;
    while (r < last && READERS[r].format != fmt)
        r++;
    if (READERS[r].stream)
        return READERS[r].stream(rc, u, in, why);
    if (qr_looks_binary((const char *)head, hn))
        return rd_fail(why, QR_ERR_FORMAT, "binary file");

    /* a document: read whole */
    qr_buf doc = {0};
    qr_status st = rd_in_read_doc(in, u->where, &doc, why);
    if (st == QR_OK)
        st = READERS[r].doc(rc, u, doc.data, doc.len, why);
    qr_buf_free(&doc);
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
    rc->read_unit = read_unit;
    rc->extract_seconds = opts && opts->extract_seconds ? opts->extract_seconds
                                                        : DEFAULT_EXTRACT_SECONDS;
    rc->extract_memory = opts && opts->extract_memory ? opts->extract_memory
                                                      : DEFAULT_EXTRACT_MEMORY;
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
    qr_status st = read_unit(&rc, &u, &in, &why);
    rd_in_close(&in);
    if (!is_stdin)
        close(fd);
    rd_warn_suppressed(&rc, where.data);
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
    qr_status st = read_unit(&rc, &u, &in, &why);
    rd_in_close(&in);
    rd_warn_suppressed(&rc, where.data);
    qr_buf_free(&where);
    return finish(st, &why, reason);
}

/*
 * reader.c — one source to articles: the entry points (qr_read_source,
 * qr_read_buffer) and the dispatcher that detects each unit's format (a
 * source, or an archive member: by name, then content) and hands it to
 * that format's reader through the table READERS.
 *
 * What stops a source and what is only a warning:
 *   - cannot open/read, content of no format Quarry reads ("unsupported
 *     format: image/png"), nothing decodable, not an archive, more than
 *     max_source_bytes decoded (a gzip bomb), a document read whole
 *     larger than 4 x max_article_bytes, a sandboxed reader's child that
 *     crashed, hung or ran out of memory before any article: the source
 *     stops with a status and a reason (articles already delivered stay
 *     delivered);
 *   - damage after readable data (truncated or corrupt gzip, a truncated
 *     archive, a child that failed after some articles): what was read
 *     before the damage is kept, with a warning; a document cut short by
 *     damaged gzip is kept as far as it decoded;
 *   - anything wrong with one JSON line or one archive member: a warning,
 *     and reading goes on.
 *
 * Files: format.c says what a name or the first bytes are, stream.c reads
 * the bytes (gzip, limits), the read_*.c readers make articles of them
 * (the sandboxed ones in a child process, through sandbox.c), emit.c
 * delivers articles and warnings. Nothing calls back into this
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
 * whole document. A document of a text format must not look binary; the
 * sandboxed readers (large parsers that meet hostile files) run in
 * quarry-extract, never in this process (sandbox.c), unless in_process.
 * One line per format: a reader of a new format adds its line. */
static const struct {
    qr_format    format;
    rd_stream_fn stream;
    rd_doc_fn    doc;
    int          sandboxed;
} READERS[] = {
    {.format = QR_FMT_TAR, .stream = rd_archive},
    {.format = QR_FMT_JSONL, .stream = rd_jsonl},
    {.format = QR_FMT_HTML, .doc = rd_html},
    {.format = QR_FMT_MARKDOWN, .doc = rd_markdown},
    {.format = QR_FMT_TEXT, .doc = rd_text},
    {.format = QR_FMT_PDF, .doc = rd_pdf, .sandboxed = 1},
    {.format = QR_FMT_DOCX, .doc = rd_docx, .sandboxed = 1},
    {.format = QR_FMT_PPTX, .doc = rd_pptx, .sandboxed = 1},
    {.format = QR_FMT_XLSX, .doc = rd_xlsx, .sandboxed = 1},
    {.format = QR_FMT_ODT, .doc = rd_odt, .sandboxed = 1},
    {.format = QR_FMT_ODP, .doc = rd_odp, .sandboxed = 1},
    {.format = QR_FMT_ODS, .doc = rd_ods, .sandboxed = 1},
    {.format = QR_FMT_EPUB, .doc = rd_epub, .sandboxed = 1},
    {.format = QR_FMT_EMAIL, .stream = rd_email, .sandboxed = 1},
    {.format = QR_FMT_MBOX, .stream = rd_mbox, .sandboxed = 1},
    {.format = QR_FMT_RTF, .doc = rd_rtf, .sandboxed = 1},
};

/* The dispatcher (rd_ctx.read_unit): the unit's format by its forced
 * format, else its name and first bytes (rd_detect); then its reader. */
static qr_status read_unit(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why)
{
    if (rd_in_detect_gzip(in) != 0)
        return rd_fail(why, in->err, "%s", in->msg);

    const unsigned char *head;
    size_t hn = rd_in_peek(in, RD_SNIFF_BYTES, &head);
    if (hn >= 4 && memcmp(head, "PK\003\004", 4) == 0 && u->forced == QR_FMT_UNKNOWN)
        hn = rd_in_peek(in, RD_ZIP_SNIFF_BYTES, &head);
    if (in->err != QR_OK && (hn == 0 || !in->damaged))
        return rd_fail(why, in->err, "%s", in->msg);

    qr_format fmt = u->forced;
    if (fmt == QR_FMT_UNKNOWN && (fmt = rd_detect(u->name, head, hn, why)) == QR_FMT_UNKNOWN)
        return QR_ERR_FORMAT;
    size_t r = 0, n = sizeof READERS / sizeof READERS[0];
    while (r < n && READERS[r].format != fmt)
        r++;
    if (r == n) {
        char label[16];
        rd_format_label(fmt, label);
        return rd_fail(why, QR_ERR_FORMAT, "cannot read %s files: no reader for them", label);
    }
    if (READERS[r].stream && READERS[r].sandboxed && !rc->in_process)
        return rd_sandbox_stream(rc, u, fmt, in, why);
    if (READERS[r].stream)
        return READERS[r].stream(rc, u, in, why);
    if (!READERS[r].sandboxed && qr_looks_binary((const char *)head, hn))
        return rd_fail(why, QR_ERR_FORMAT, "binary file");

    /* a document: read whole */
    qr_buf doc = {0};
    qr_status st = rd_in_read_doc(in, u->where, &doc, why);
    const char *data = doc.data ? doc.data : "";
    if (st == QR_OK && READERS[r].sandboxed && !rc->in_process)
        st = rd_sandbox(rc, u, fmt, data, doc.len, why);
    else if (st == QR_OK)
        st = READERS[r].doc(rc, u, data, doc.len, why);
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
    rc->in_process = opts && opts->in_process;
    rc->extractor = opts ? opts->extractor : NULL;
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

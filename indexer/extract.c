/*
 * quarry-extract — the sandboxed half of Quarry's readers: reads one
 * document from standard input, reads it in this process as the format it
 * is told, and writes its articles and warnings to standard output as the
 * records of lib/ingest/frame.h. quarry-index runs it (lib/ingest/sandbox.c)
 * under CPU, memory and time limits; it is not meant to be run by hand.
 *
 *   quarry-extract --format=NAME --id=ID [--max-article=N] [--max-line=N]
 *                  [--max-source=N]
 *
 * Exit status: 0 when the records end with the end record (whose status
 * is the document's), 1 when standard output fails, 2 on a usage error.
 *
 * For the tests only, QUARRY_EXTRACT_TEST=MODE makes it misbehave the way
 * a broken parser would (crash, hang, spin, garbage, memory, oom-abort,
 * flood, partial, huge-record, truncated, silent, foreign-id), so that
 * the parent's handling of each can be checked.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "reader.h"
#include "util.h"

#define FLUSH_AT (256 * 1024)

typedef struct out_state {
    qr_buf buf;                 /* records not yet written                  */
    int failed;                 /* writing or encoding failed               */
    size_t warnings;            /* warnings passed on                       */
} out_state;

static int write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void flush_out(out_state *o, int always)
{
    if (o->failed || (!always && o->buf.len < FLUSH_AT))
        return;
    if (write_all(o->buf.data, o->buf.len) != 0)
        o->failed = 1;
    qr_buf_clear(&o->buf);
}

static int on_article(void *ctx, const qr_article *a)
{
    out_state *o = ctx;
    if (qr_frame_article(&o->buf, a) != 0)
        o->failed = 1;
    flush_out(o, 0);
    return o->failed;
}

/* The reader reports at most QR_MAX_WARNINGS, then one saying how many
 * more there were; that last one is left to the parent, which counts
 * them from the end record. */
static void on_warning(void *ctx, const char *where, const char *reason)
{
    out_state *o = ctx;
    if (o->warnings++ >= QR_MAX_WARNINGS)
        return;
    if (qr_frame_warning(&o->buf, where, reason) != 0)
        o->failed = 1;
    flush_out(o, 0);
}

static qr_format format_named(const char *name)
{
    for (int f = QR_FMT_TEXT; f < 256; f++) {
        const char *n = qr_format_name((qr_format)f);
        if (strcmp(n, "unknown") == 0)
            break;
        if (strcmp(n, name) == 0)
            return (qr_format)f;
    }
    return QR_FMT_UNKNOWN;
}

static int number(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *v = x;
    return 0;
}

/* ------------------------------------------------------------ test modes */

/* A real crash: the default action, not a sanitizer's report. */
static void die_by(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(120);
}

static void test_mode(const char *mode, const char *id)
{
    qr_buf b = {0};
    qr_article a = {.id = id, .title = "Before the crash", .body = "Some text.",
                    .body_len = 10, .url = "", .date = "", .author = "",
                    .format = QR_FMT_PDF};
    if (strcmp(mode, "crash") == 0) {
        die_by(SIGSEGV);
    } else if (strcmp(mode, "hang") == 0) {
        for (;;)
            pause();
    } else if (strcmp(mode, "spin") == 0) {
        for (volatile unsigned long i = 0;; i++)
            ;
    } else if (strcmp(mode, "garbage") == 0) {
        qr_buf_puts(&b, "%PDF-1.4 this is not a record stream\n");
    } else if (strcmp(mode, "memory") == 0) {
        /* allocate and touch until the address-space limit says no */
        for (;;) {
            char *p = malloc(16 << 20);
            if (!p)
                break;
            memset(p, 1, 16 << 20);
        }
        qr_frame_start(&b);
        qr_frame_end(&b, QR_ERR_NOMEM, 0, "out of memory");
    } else if (strcmp(mode, "oom-abort") == 0) {
        fputs("terminate called after throwing an instance of 'std::bad_alloc'\n", stderr);
        die_by(SIGABRT);
    } else if (strcmp(mode, "flood") == 0) {
        qr_frame_start(&b);
        for (;;) {
            if (qr_frame_warning(&b, id, "flooding the parent") != 0 ||
                write_all(b.data, b.len) != 0)
                _exit(1);
            qr_buf_clear(&b);
        }
    } else if (strcmp(mode, "partial") == 0) {
        qr_frame_start(&b);
        qr_frame_article(&b, &a);
        write_all(b.data, b.len);
        die_by(SIGSEGV);
    } else if (strcmp(mode, "huge-record") == 0) {
        qr_frame_start(&b);
        qr_buf_append(&b, "A\xf0\xff\xff\xff", 5);
    } else if (strcmp(mode, "truncated") == 0) {
        qr_frame_start(&b);
        qr_frame_article(&b, &a);
        b.len -= 3;
    } else if (strcmp(mode, "silent") == 0) {
        /* exits 0 having said nothing */
    } else if (strcmp(mode, "foreign-id") == 0) {
        a.id = "/etc/passwd";
        qr_frame_start(&b);
        qr_frame_article(&b, &a);
        qr_frame_end(&b, QR_OK, 0, "");
    } else {
        return;
    }
    write_all(b.data ? b.data : "", b.len);
    qr_buf_free(&b);
    exit(0);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    qr_read_opts opts = {0};
    opts.in_process = 1;
    qr_format fmt = QR_FMT_UNKNOWN;
    const char *id = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t v = 0;
        if (strncmp(a, "--format=", 9) == 0) {
            fmt = format_named(a + 9);
        } else if (strncmp(a, "--id=", 5) == 0) {
            id = a + 5;
        } else if (strncmp(a, "--max-article=", 14) == 0 && number(a + 14, &v) == 0 && v <= SIZE_MAX) {
            opts.max_article_bytes = (size_t)v;
        } else if (strncmp(a, "--max-line=", 11) == 0 && number(a + 11, &v) == 0 && v <= SIZE_MAX) {
            opts.max_line_bytes = (size_t)v;
        } else if (strncmp(a, "--max-source=", 13) == 0 && number(a + 13, &v) == 0) {
            opts.max_source_bytes = v;
        } else {
            fprintf(stderr, "quarry-extract: bad argument '%s'\n", a);
            return 2;
        }
    }
    if (fmt == QR_FMT_UNKNOWN || !id || !*id) {
        fputs("usage: quarry-extract --format=NAME --id=ID [--max-article=N] "
              "[--max-line=N] [--max-source=N] < DOCUMENT\n", stderr);
        return 2;
    }
    const char *mode = getenv("QUARRY_EXTRACT_TEST");
    if (mode && *mode)
        test_mode(mode, id);

    /* the document as a stream on standard input: a reader that wants it
     * whole reads it whole, within the limits (a mailbox is read as it
     * comes) */
    out_state o = {{0}, 0, 0};
    qr_status st = QR_OK;
    char *reason = NULL;
    qr_read_stats stats = {0};
    if (qr_frame_start(&o.buf) != 0)
        o.failed = 1;
    if (!o.failed)
        st = qr_read_source("-", id, fmt, &opts, on_article, on_warning, &o,
                            &stats, &reason);
    const char *why = st == QR_OK ? "" : reason ? reason : qr_status_str(st);
    if (qr_frame_end(&o.buf, st, stats.warnings, why) != 0)
        o.failed = 1;
    flush_out(&o, 1);
    free(reason);
    qr_buf_free(&o.buf);
    return o.failed ? 1 : 0;
}

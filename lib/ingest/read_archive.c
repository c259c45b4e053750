/*
 * read_archive.c — tar (and zip, cpio) archives through libarchive, read as
 * a stream: nothing is extracted to disk. Each regular member is read in its
 * own format (by its name, then its content) with id = archive id + "/" +
 * member path.
 *
 * A zip is read with libarchive's seekable reader when the source is a
 * plain file or a buffer (the central directory marks symlinks); read as a
 * stream (stdin, gzip'd) its symlinks look like small files holding the
 * link target, which is then indexed as text: nothing is ever followed.
 *
 * Filters: the gzip layer in stream.c decompresses .tar.gz before libarchive
 * sees it. xz, lzma, bzip2 and zstd (.tar.xz, ...) are undone by
 * libarchive, each only when it is built with the library for it: a filter
 * without one would run an external program on hostile input, and so
 * would those of archive_read_support_filter_all (lrzip, lzop, grzip,
 * ...), never enabled. What they decompress is counted against
 * max_source_bytes as members are read. A single compressed file that is
 * not an archive (notes.txt.xz: libarchive's "raw" format) is read as its
 * content, named without the compression suffix.
 *
 * Skipped with a warning: links, devices, FIFOs, sockets, unsafe paths
 * (absolute, or with a ".." component), nested archives, members over the
 * size limit, and members that fail to read. Directories and names that are
 * not indexable (images, ...) are skipped silently, as a directory walk
 * would. Damage stops the archive: the members before it are kept.
 */
#include "reader_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct ar_state {
    rd_in *in;             /* the archive's own (decoded) stream      */
    unsigned char *buf;    /* libarchive reads from here               */
    int64_t pos;           /* offset of the next byte libarchive gets  */
    int64_t origin;        /* file offset where the source started     */
} ar_state;

static la_ssize_t ar_read_cb(struct archive *a, void *data, const void **out)
{
    ar_state *s = data;
    ptrdiff_t r = rd_in_read(s->in, s->buf, RD_CHUNK);
    if (r < 0) {
        archive_set_error(a, -1, "%s", s->in->msg);
        return -1;
    }
    s->pos += r;
    *out = s->buf;
    return (la_ssize_t)r;
}

/* Seeking, for a plain file or buffer: lets libarchive read a zip's
 * central directory, the only place that says which entries are symlinks.
 * The stream's buffers are dropped and it restarts at the new offset. */
static la_int64_t ar_seek_cb(struct archive *a, void *data, la_int64_t off, int whence)
{
    ar_state *s = data;
    rd_in *in = s->in;
    int64_t size;
    if (in->kind == RD_IN_MEM) {
        size = (int64_t)in->mem_len;
    } else {
        struct stat sb;
        if (fstat(in->fd, &sb) != 0)
            return ARCHIVE_FATAL;
        size = sb.st_size - s->origin;
    }
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos : size;
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0 || base + off > size) {
        archive_set_error(a, EINVAL, "seek outside the archive");
        return ARCHIVE_FATAL;
    }
    int64_t to = base + off;
    if (in->kind == RD_IN_MEM) {
        in->mem_pos = (size_t)to;
    } else if (lseek(in->fd, (off_t)(s->origin + to), SEEK_SET) != (off_t)(s->origin + to)) {
        return ARCHIVE_FATAL;
    }
    rd_in_restart(in);
    s->pos = to;
    return to;
}

/* Whether the archive's bytes can be re-read from any offset; sets
 * s->origin, the file offset of the source's first byte (standard input
 * may start anywhere in a file). */
static int seekable(const rd_in *in, ar_state *s)
{
    if (in->gz || in->err != QR_OK)
        return 0;
    if (in->kind == RD_IN_MEM)
        return 1;
    if (in->kind != RD_IN_FD)
        return 0;
    struct stat sb;
    off_t cur;
    if (fstat(in->fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (cur = lseek(in->fd, 0, SEEK_CUR)) == (off_t)-1 || (uint64_t)cur < in->raw_total)
        return 0;
    s->origin = (int64_t)cur - (int64_t)in->raw_total;
    return 1;
}

/* Absolute paths and ".." components are refused; '\\' counts as a
 * separator too (zip archives made on Windows). */
int rd_path_unsafe(const char *p)
{
    if (p[0] == '/' || p[0] == '\\')
        return 1;
    if (((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')) && p[1] == ':')
        return 1;
    const char *c = p;
    while (*c) {
        size_t n = strcspn(c, "/\\");
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return 1;
        c += n;
        if (*c)
            c++;
    }
    return 0;
}

/* "./a/b" -> "a/b", "a//b" stays (ids are as the archive says otherwise). */
static const char *strip_dot_slash(const char *p)
{
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    while (p[0] == '/')
        p++;
    return p;
}

static const char *kind_name(mode_t type)
{
    switch (type) {
    case AE_IFLNK: return "symbolic link";
    case AE_IFCHR: return "character device";
    case AE_IFBLK: return "block device";
    case AE_IFIFO: return "FIFO";
    case AE_IFSOCK: return "socket";
    default: return "special file";
    }
}

/* Why a member must not be read; NULL if it may. */
static const char *member_refusal(struct archive_entry *e, const char *path)
{
    if (archive_entry_hardlink(e))
        return "hard link skipped";
    if (rd_path_unsafe(path))
        return "unsafe member path skipped";
    return NULL;
}

/* A single compressed file (libarchive's raw format behind a filter): its
 * content, read as a unit of its own named without the compression
 * suffix. Without a filter, raw is what libarchive makes of anything
 * that is not an archive. */
static qr_status read_raw(rd_ctx *rc, const rd_unit *u, struct archive *a, qr_buf *why)
{
    static const char *const suffixes[] = {".xz", ".lzma", ".bz2", ".zst"};
    if (archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE)
        return rd_fail(why, QR_ERR_FORMAT, "not a valid archive: unrecognized archive format");
    qr_buf name = {0};
    if (qr_buf_puts(&name, u->name) != 0)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t k = strlen(suffixes[i]);
        if (name.len > k && strcasecmp(name.data + name.len - k, suffixes[i]) == 0) {
            name.len -= k;
            name.data[name.len] = '\0';
            break;
        }
    }
    rd_in min;
    rd_in_init(&min, rc, u->where, RD_IN_ARCHIVE);
    min.ar = a;
    min.has_raw_limit = 1;
    min.raw_limit = rc->max_source;
    rd_unit mu = {.name = name.data, .id = u->id, .where = u->where,
                  .forced = QR_FMT_UNKNOWN, .depth = u->depth + 1};
    qr_status st = rc->read_unit(rc, &mu, &min, why);
    rd_in_close(&min);
    qr_buf_free(&name);
    return st;
}

qr_status rd_archive(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why)
{
    if (u->depth > 0)
        return rd_fail(why, QR_ERR_FORMAT, "nested archive skipped");

    ar_state s = {.in = in, .buf = malloc(RD_CHUNK)};
    struct archive *a = archive_read_new();
    qr_buf id = {0}, where = {0}, mwhy = {0};
    qr_status st = QR_OK;
    size_t members = 0;        /* headers read */
    uint64_t member_bytes = 0; /* member data read, all members */
    int retries = 0;

    if (!s.buf || !a) {
        st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
        goto out;
    }
    archive_read_support_format_tar(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_raw(a);     /* last bidder: one compressed file */
    if (archive_liblzma_version()) {
        archive_read_support_filter_xz(a);
        archive_read_support_filter_lzma(a);
    }
    if (archive_bzlib_version())
        archive_read_support_filter_bzip2(a);
    if (archive_libzstd_version())
        archive_read_support_filter_zstd(a);
    int seek = seekable(in, &s);
    if (seek && (archive_read_set_seek_callback(a, ar_seek_cb) != ARCHIVE_OK ||
                         archive_read_set_read_callback(a, ar_read_cb) != ARCHIVE_OK ||
                         archive_read_set_callback_data(a, &s) != ARCHIVE_OK)) {
        st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((seek ? archive_read_open1(a)
                      : archive_read_open(a, &s, NULL, ar_read_cb, NULL)) != ARCHIVE_OK) {
        if (in->err != QR_OK)
            st = rd_fail(why, in->err, "%s", in->msg);
        else
            st = rd_fail(why, QR_ERR_FORMAT, "not a valid archive: %s",
                         archive_error_string(a) ? archive_error_string(a) : "unknown format");
        goto out;
    }

    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_RETRY && ++retries < 100) {
            /* libarchive skipped a damaged header and can go on */
            const char *m = archive_error_string(a);
            rd_warn(rc, u->where, "damaged archive header skipped (%s)", m ? m : "unknown error");
            continue;
        }
        if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY) {
            const char *msg = in->err != QR_OK ? in->msg : archive_error_string(a);
            if (!msg)
                msg = "unknown error";
            if (in->err == QR_ERR_TOO_BIG || in->err == QR_ERR_NOMEM || in->err == QR_ERR_IO) {
                st = rd_fail(why, in->err, "%s", in->msg);
            } else if (members == 0) {
                st = rd_fail(why, QR_ERR_FORMAT, "not a valid archive: %s", msg);
            } else {
                rd_warn(rc, u->where, "archive truncated or corrupt after %zu members "
                        "(%s); the members before it were read", members, msg);
            }
            break;
        }
        members++;
        if (archive_format(a) == ARCHIVE_FORMAT_RAW) {
            st = read_raw(rc, u, a, why);
            break;
        }
        if (r == ARCHIVE_WARN && archive_error_string(a))
            rd_warn(rc, u->where, "%s", archive_error_string(a));

        const char *raw = archive_entry_pathname(e);
        qr_buf_clear(&where);
        qr_buf_clear(&id);
        if (!raw || !*raw) {
            rd_warn(rc, u->where, "member %zu has no usable name: skipped", members);
            continue;
        }
        if (rd_where(&where, u->where, "/", raw) != 0) {
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
            break;
        }
        mode_t type = archive_entry_filetype(e);
        if (type == AE_IFDIR)
            continue;
        const char *refusal = member_refusal(e, raw);
        if (refusal) {
            rd_warn(rc, where.data, "%s", refusal);
            continue;
        }
        if (type != AE_IFREG) {
            rd_warn(rc, where.data, "%s skipped", kind_name(type));
            continue;
        }
        const char *path = strip_dot_slash(raw);
        if (!*path || !qr_name_is_indexable(path))
            continue;
        int gz = 0;
        qr_format fmt = qr_format_from_name(path, &gz);
        if (fmt == QR_FMT_TAR) {
            rd_warn(rc, where.data, "nested archive skipped");
            continue;
        }
        if (fmt != QR_FMT_JSONL && !gz && archive_entry_size_is_set(e) &&
            archive_entry_size(e) > 0 && (uint64_t)archive_entry_size(e) > rc->max_doc) {
            rd_warn(rc, where.data, "member of %lld bytes is larger than the limit of %zu bytes: skipped",
                    (long long)archive_entry_size(e), rc->max_doc);
            continue;
        }
        if (qr_buf_puts(&id, u->id) != 0 || qr_buf_putc(&id, '/') != 0 ||
            qr_buf_puts(&id, path) != 0) {
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
            break;
        }

        rd_in min;
        rd_in_init(&min, rc, where.data, RD_IN_ARCHIVE);
        min.ar = a;
        min.has_raw_limit = 1;
        min.raw_limit = rc->max_source - member_bytes;
        rd_unit mu = {.name = path, .id = id.data, .where = where.data,
                      .forced = QR_FMT_UNKNOWN, .depth = 1};
        qr_buf_clear(&mwhy);
        /* the member in its own format: through the dispatcher */
        qr_status ms = rc->read_unit(rc, &mu, &min, &mwhy);
        member_bytes += min.raw_total;
        int limit_hit = min.raw_limit_hit;
        char mmsg[sizeof min.msg];
        memcpy(mmsg, min.msg, sizeof mmsg);
        rd_in_close(&min);

        if (ms == QR_ERR_NOMEM || ms == QR_ERR_STOPPED) {
            st = rd_fail(why, ms, "%s", mwhy.data ? mwhy.data : qr_status_str(ms));
            break;
        }
        if (limit_hit) {
            st = rd_fail(why, QR_ERR_TOO_BIG, "%s", mmsg);
            break;
        }
        if (in->err == QR_ERR_TOO_BIG || in->err == QR_ERR_NOMEM || in->err == QR_ERR_IO) {
            st = rd_fail(why, in->err, "%s", in->msg);
            break;
        }
        /* A member libarchive cannot read (damage, encryption, an unknown
         * compression) is dropped; when the archive itself is damaged the
         * next header read says so and stops. */
        if (ms != QR_OK)
            rd_warn(rc, where.data, "%s", mwhy.data ? mwhy.data : qr_status_str(ms));
    }
out:
    if (a)
        archive_read_free(a);
    free(s.buf);
    qr_buf_free(&id);
    qr_buf_free(&where);
    qr_buf_free(&mwhy);
    return st;
}

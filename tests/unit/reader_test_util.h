/*
 * reader_test_util.h — helpers shared by the reader unit tests: collect
 * articles and warnings, check that every field is clean UTF-8, make
 * temporary files, gzip and tar fixtures built in memory.
 *
 * Include after <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h>.
 */
#ifndef QUARRY_READER_TEST_UTIL_H
#define QUARRY_READER_TEST_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "reader.h"

/* ------------------------------------------------------------ checks */

#include "../utf8_oracle.h"

static inline int t_one_line(const char *s)
{
    return s && test_utf8_clean(s, strlen(s), "");
}

/* ------------------------------------------------------------ collector */

typedef struct t_art {
    char *id, *title, *body, *url, *date, *author;
    size_t body_len;
    qr_format format;
    size_t *pages, npages;    /* copied from qr_article.pages (NULL: none) */
} t_art;

typedef struct t_coll {
    t_art *arts;
    size_t n, cap;
    char **warn_where, **warn_reason;
    size_t nwarn, warn_cap;
    size_t stop_after;        /* return 1 after this many (0 = never) */
    int bad;                  /* a field was not clean (checked after) */
    char bad_what[128];
} t_coll;

static inline char *t_dup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static inline void t_check_field(t_coll *c, const char *what, const char *s, int multi_line)
{
    if (!s) {
        c->bad = 1;
        snprintf(c->bad_what, sizeof c->bad_what, "%s is NULL", what);
        return;
    }
    if (!test_utf8_clean(s, strlen(s), multi_line ? "\t\n" : "")) {
        c->bad = 1;
        snprintf(c->bad_what, sizeof c->bad_what, "%s is not clean", what);
    }
}

/* Never asserts here: records, and the test asserts afterwards. */
static inline int t_article_cb(void *ctx, const qr_article *a)
{
    t_coll *c = ctx;
    t_check_field(c, "id", a->id, 0);
    t_check_field(c, "title", a->title, 0);
    t_check_field(c, "url", a->url, 0);
    t_check_field(c, "date", a->date, 0);
    t_check_field(c, "author", a->author, 0);
    if (!a->body || !test_utf8_clean(a->body, a->body_len, "\t\n") || a->body[a->body_len] != '\0') {
        c->bad = 1;
        snprintf(c->bad_what, sizeof c->bad_what, "body of %s is not clean", a->id ? a->id : "?");
    }
    if (a->date && a->date[0] && (strlen(a->date) != 8 || strspn(a->date, "0123456789") != 8)) {
        c->bad = 1;
        snprintf(c->bad_what, sizeof c->bad_what, "bad date %s", a->date);
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->arts = realloc(c->arts, c->cap * sizeof *c->arts);
        if (!c->arts)
            abort();
    }
    t_art *t = &c->arts[c->n++];
    t->id = t_dup(a->id);
    t->title = t_dup(a->title);
    t->body = malloc(a->body_len + 1);
    if (!t->body)
        abort();
    memcpy(t->body, a->body ? a->body : "", a->body_len);
    t->body[a->body_len] = '\0';
    t->body_len = a->body_len;
    t->url = t_dup(a->url);
    t->date = t_dup(a->date);
    t->author = t_dup(a->author);
    t->format = a->format;
    t->pages = NULL;
    t->npages = a->pages ? a->npages : 0;
    if (t->npages) {
        t->pages = malloc(t->npages * sizeof *t->pages);
        if (!t->pages)
            abort();
        memcpy(t->pages, a->pages, t->npages * sizeof *t->pages);
    }
    return c->stop_after && c->n >= c->stop_after;
}

static inline void t_warn_cb(void *ctx, const char *where, const char *reason)
{
    t_coll *c = ctx;
    if (!t_one_line(where) || !t_one_line(reason)) {
        c->bad = 1;
        snprintf(c->bad_what, sizeof c->bad_what, "warning not one line");
    }
    if (c->nwarn == c->warn_cap) {
        c->warn_cap = c->warn_cap ? c->warn_cap * 2 : 8;
        c->warn_where = realloc(c->warn_where, c->warn_cap * sizeof(char *));
        c->warn_reason = realloc(c->warn_reason, c->warn_cap * sizeof(char *));
        if (!c->warn_where || !c->warn_reason)
            abort();
    }
    c->warn_where[c->nwarn] = t_dup(where);
    c->warn_reason[c->nwarn] = t_dup(reason);
    c->nwarn++;
}

static inline void t_coll_free(t_coll *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->arts[i].id);
        free(c->arts[i].title);
        free(c->arts[i].body);
        free(c->arts[i].url);
        free(c->arts[i].date);
        free(c->arts[i].author);
        free(c->arts[i].pages);
    }
    for (size_t i = 0; i < c->nwarn; i++) {
        free(c->warn_where[i]);
        free(c->warn_reason[i]);
    }
    free(c->arts);
    free(c->warn_where);
    free(c->warn_reason);
    memset(c, 0, sizeof *c);
}

/* Index of the first warning whose reason contains needle (and whose where
 * contains where_part, if given), or -1. */
static inline int t_find_warning(const t_coll *c, const char *where_part, const char *needle)
{
    for (size_t i = 0; i < c->nwarn; i++)
        if (strstr(c->warn_reason[i], needle) &&
            (!where_part || strstr(c->warn_where[i], where_part)))
            return (int)i;
    return -1;
}

/* c's one warning is at where and says that the date value (as written)
 * was not understood: rd_emit's words for a date a reader handed over. */
static inline void t_check_date_warning(const t_coll *c, const char *where, const char *value)
{
    char want[512];
    snprintf(want, sizeof want, "date \"%s\" not understood: ignored", value);
    assert_int_equal(c->nwarn, 1);
    assert_string_equal(c->warn_where[0], where);
    assert_string_equal(c->warn_reason[0], want);
}

static inline const t_art *t_find_article(const t_coll *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->arts[i].id, id) == 0)
            return &c->arts[i];
    return NULL;
}

/* Result of one read. */
typedef struct t_run {
    qr_status st;
    char *reason;
    qr_read_stats stats;
} t_run;

static inline void t_run_free(t_run *r)
{
    free(r->reason);
    r->reason = NULL;
}

/* Every problem is counted; at most QR_MAX_WARNINGS are reported, then
 * one more that says how many were left out. */
static inline void t_check_warning_count(const t_coll *c, const qr_read_stats *st)
{
    if (st->warnings <= QR_MAX_WARNINGS) {
        assert_int_equal(st->warnings, c->nwarn);
    } else {
        assert_int_equal(c->nwarn, QR_MAX_WARNINGS + 1);
        assert_non_null(strstr(c->warn_reason[QR_MAX_WARNINGS], "more warnings not shown"));
    }
}

/* Checks the invariants that hold for every read. */
static inline void t_check_run(const t_coll *c, const t_run *r)
{
    if (c->bad)
        fail_msg("%s", c->bad_what);
    if (r->st == QR_OK)
        assert_null(r->reason);
    else
        assert_true(t_one_line(r->reason));
    assert_int_equal(r->stats.articles, c->n);
    t_check_warning_count(c, &r->stats);
}

/* Reads a buffer as format fmt (QR_FMT_UNKNOWN: detected). */
static inline t_run t_read_buf_as(t_coll *c, const char *name, const void *data, size_t len,
                                  qr_format fmt, const qr_read_opts *opts)
{
    t_run r = {0};
    r.st = qr_read_buffer(name, data, len, fmt, opts, t_article_cb, t_warn_cb, c, &r.stats,
                          &r.reason);
    t_check_run(c, &r);
    return r;
}

static inline t_run t_read_buf(t_coll *c, const char *name, const void *data, size_t len,
                        const qr_read_opts *opts)
{
    return t_read_buf_as(c, name, data, len, QR_FMT_UNKNOWN, opts);
}

static inline t_run t_read_path_as(t_coll *c, const char *path, const char *id, qr_format fmt,
                                   const qr_read_opts *opts)
{
    t_run r = {0};
    r.st = qr_read_source(path, id, fmt, opts, t_article_cb, t_warn_cb, c, &r.stats, &r.reason);
    t_check_run(c, &r);
    return r;
}

static inline t_run t_read_path(t_coll *c, const char *path, const char *id,
                         const qr_read_opts *opts)
{
    return t_read_path_as(c, path, id, QR_FMT_UNKNOWN, opts);
}

/* ------------------------------------------------------------ bytes */

typedef struct t_bytes {
    unsigned char *p;
    size_t n, cap;
} t_bytes;

static inline void t_put(t_bytes *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
}

static inline void t_puts(t_bytes *b, const char *s) { t_put(b, s, strlen(s)); }

static inline void t_bytes_free(t_bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* A whole file in memory (NUL-terminated), empty if unreadable. */
static inline t_bytes t_slurp(const char *path)
{
    t_bytes b = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return b;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        t_put(&b, chunk, n);
    fclose(f);
    return b;
}

/* gzip (one member) of p. */
static inline t_bytes t_gzip(const void *p, size_t n)
{
    t_bytes out = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t bound = deflateBound(&z, (uLong)n) + 64;
    out.p = malloc(bound + 1);
    if (!out.p)
        abort();
    out.cap = bound + 1;
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)n;
    z.next_out = out.p;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    out.n = bound - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* gzip of `total` bytes made by repeating pattern (plen bytes), streamed. */
static inline t_bytes t_gzip_repeat(const void *pattern, size_t plen, size_t total)
{
    t_bytes out = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    char chunk[65536];
    size_t fill = 0;
    while (fill + plen <= sizeof chunk) {
        memcpy(chunk + fill, pattern, plen);
        fill += plen;
    }
    size_t done = 0;
    unsigned char obuf[65536];
    while (done < total) {
        size_t k = total - done < fill ? total - done : fill;
        done += k;
        z.next_in = (unsigned char *)chunk;
        z.avail_in = (uInt)k;
        int flush = done == total ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = obuf;
            z.avail_out = sizeof obuf;
            deflate(&z, flush);
            t_put(&out, obuf, sizeof obuf - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    return out;
}

/* A ustar header + data + padding. type: '0' file, '2' symlink, '1' hard
 * link, '3' char dev, '4' block dev, '5' dir, '6' FIFO. */
static inline void t_tar_member(t_bytes *b, const char *name, char type, const void *data,
                         size_t n, const char *link)
{
    unsigned char h[512];
    memset(h, 0, sizeof h);
    size_t nl = strlen(name);
    if (nl > 100) {
        /* split into prefix (155) / name (100) at a '/' */
        const char *slash = name + nl - 100;
        while (*slash && *slash != '/')
            slash++;
        if (!*slash || slash - name > 155)
            abort();
        memcpy(h + 345, name, (size_t)(slash - name));
        memcpy(h, slash + 1, strlen(slash + 1));
    } else {
        memcpy(h, name, nl);
    }
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 1000);
    snprintf((char *)h + 116, 8, "%07o", 1000);
    snprintf((char *)h + 124, 12, "%011lo", (unsigned long)(type == '0' ? n : 0));
    snprintf((char *)h + 136, 12, "%011lo", 1500000000UL);
    h[156] = (unsigned char)type;
    if (link)
        memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memcpy(h + 148, "        ", 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    t_put(b, h, 512);
    if (type == '0' && n) {
        t_put(b, data, n);
        static const unsigned char zero[512];
        if (n % 512)
            t_put(b, zero, 512 - n % 512);
    }
}

static inline void t_tar_file(t_bytes *b, const char *name, const char *text)
{
    t_tar_member(b, name, '0', text, strlen(text), NULL);
}

static inline void t_tar_end(t_bytes *b)
{
    static const unsigned char zero[1024];
    t_put(b, zero, sizeof zero);
}

/* ------------------------------------------------------------ files */

static inline char *t_mkdtemp(void)
{
    char tmpl[] = "/tmp/quarry-reader-XXXXXX";
    char *d = mkdtemp(tmpl);
    if (!d)
        abort();
    return t_dup(d);
}

static inline char *t_write_file(const char *dir, const char *name, const void *p, size_t n)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (!path)
        abort();
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
        abort();
    return path;
}

/* The bytes of tests/fixtures/NAME (from $QUARRY_SOURCE_DIR, else the
 * source directory compiled in), NUL-terminated; *len their count. */
static inline t_bytes t_fixture(const char *name)
{
    const char *src = getenv("QUARRY_SOURCE_DIR");
#ifdef QUARRY_SOURCE_DIR
    if (!src || !*src)
        src = QUARRY_SOURCE_DIR;
#endif
    if (!src)
        abort();
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", src, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        abort();
    }
    t_bytes b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        t_put(&b, chunk, n);
    fclose(f);
    if (!b.p)
        t_put(&b, "", 0);
    return b;
}

/* The one article of tests/fixtures/three.pdf (made by make.sh there), as
 * read under id: its document information, its paragraphs (a hyphenated
 * word joined) and where its 3 pages start. */
static inline void t_check_three_pdf(const t_art *a, const char *id)
{
    assert_string_equal(a->id, id);
    assert_int_equal(a->format, QR_FMT_PDF);
    assert_string_equal(a->title, "Quarry Test Document");
    assert_string_equal(a->author, "Ada Lovelace");
    assert_string_equal(a->date, "20170709");
    assert_string_equal(a->body,
                        "The first paragraph starts here and goes on to a second line with a "
                        "hyphenated word in it.\n\n"
                        "A second paragraph after a gap.\n\n"
                        "Page two has its own text. It spans two lines of one paragraph.\n\n"
                        "Third page, last words.");
    assert_int_equal(a->npages, 3);
    assert_int_equal(a->pages[0], 0);
    assert_string_equal(a->body + a->pages[1],
                        "Page two has its own text. It spans two lines of one paragraph.\n\n"
                        "Third page, last words.");
    assert_string_equal(a->body + a->pages[2], "Third page, last words.");
}

/* Removes dir and the plain files in it. */
static inline void t_rmdir(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            size_t len = strlen(dir) + strlen(e->d_name) + 2;
            char *p = malloc(len);
            if (!p)
                abort();
            snprintf(p, len, "%s/%s", dir, e->d_name);
            if (unlink(p) != 0)
                rmdir(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

#endif

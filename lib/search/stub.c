/*
 * stub.c — opening several databases as one: stub files read here, local
 * shards, and remote shards opened with explicit timeouts (see stub.h).
 */
#include "stub.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "analysis.h"
#include "search_int.h"
#include "util.h"

/* What one open is doing: the combined database, the shards' analysis
 * (all must agree), and where in the stub files it is, for messages. */
typedef struct open_ctx {
    xc_db *all;          /* the shards opened so far, combined           */
    xc_db *articles;     /* their articles (schema.h), combined, when
                            wanted and every shard so far has them       */
    int no_articles;     /* a shard without articles (remote, or an
                            index from before them): none at all         */
    unsigned timeout_ms; /* each remote operation                        */
    int files;           /* stub files read so far                       */
    char *lang;          /* the first shard's language (NULL: none yet)  */
    int stop;            /* ... and whether it dropped stop words        */
    int exact;           /* ... and kept accents (QR_META_ACCENTS)       */
    char *first;         /* that shard's name, for messages              */
    qr_buf where;        /* "STUB:LINE: remote HOST:PORT: " of the shard
                            being opened, one level per nested stub      */
    qr_buf err;          /* the message of the failure                   */
    qr_buf remotes;      /* the remote shards opened, "; "-separated     */
} open_ctx;

/* One parsed stub line. Pointers point into the line's own copy. */
typedef enum shard_kind { SHARD_LOCAL, SHARD_TCP, SHARD_PROG } shard_kind;

typedef struct shard_line {
    shard_kind kind;
    unsigned lineno;
    char *text;          /* the line, modified in place by the parse      */
    const char *type;    /* "auto", "glass" or "remote"                   */
    const char *path;    /* LOCAL: as written                             */
    const char *host;    /* TCP: without brackets                         */
    unsigned port;       /* TCP                                           */
    const char *program; /* PROG                                          */
    const char *args;    /* PROG: "" when none                            */
    struct shard_line *articles;   /* a remote shard's articles, from the
                                      `articles` line after it, or NULL   */
} shard_line;

/* Sets the failure message: the current position, then what went wrong
 * (msg may be NULL or ""). Keeps the first message when called twice. */
static void fail_msg(open_ctx *c, const char *what, const char *msg)
{
    if (c->err.len)
        return;
    qr_buf_append(&c->err, c->where.data ? c->where.data : "", c->where.len);
    qr_buf_puts(&c->err, what);
    if (msg && *msg) {
        qr_buf_puts(&c->err, *what ? ": " : "");
        qr_buf_printable(&c->err, msg, strlen(msg));
    }
}

/* The glass single-file format's magic: such a file is a database, not a
 * stub (xapian-core tells them apart the same way). */
static const char glass_magic[] = "\x0f\x0dXapian Glass";

static int is_glass_file(int fd)
{
    char head[sizeof glass_magic - 1];
    ssize_t n = pread(fd, head, sizeof head, 0);
    return n == (ssize_t)sizeof head && memcmp(head, glass_magic, n) == 0;
}

/* ---------------------------------------------------------------- parse */

/* Reads the whole stub file (at most QR_STUB_MAX_BYTES). *out malloc'd and
 * NUL-terminated, *len its length. Returns XC_OK, XC_NOT_FOUND, XC_IO,
 * XC_CORRUPT (too large), XC_NOMEM; on failure the message names the
 * file. */
static xc_status read_whole(open_ctx *c, const char *path, char **out,
                            size_t *len)
{
    const char *why = NULL;
    xc_status st = XC_OK;
    char *buf = NULL;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        why = strerror(e);
        st = e == ENOENT || e == ENOTDIR ? XC_NOT_FOUND : XC_IO;
    } else if (sb.st_size > QR_STUB_MAX_BYTES) {
        why = "too large to be a stub file";
        st = XC_CORRUPT;
    } else if (!(buf = malloc((size_t)sb.st_size + 1))) {
        why = "out of memory";
        st = XC_NOMEM;
    } else {
        /* read to the end, but never past the size it had (it may grow
         * in the meantime: one byte more is enough to tell) */
        size_t cap = (size_t)sb.st_size;
        for (;;) {
            ssize_t r = read(fd, buf + n, cap - n + (n == cap));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                why = strerror(errno);
                st = XC_IO;
                break;
            }
            if (r == 0)
                break;
            n += (size_t)r;
            if (n > cap) {
                why = "the file changed while it was read";
                st = XC_CORRUPT;
                break;
            }
        }
    }
    if (fd >= 0)
        close(fd);
    if (st != XC_OK) {
        qr_buf what = {0};
        qr_buf_puts(&what, "cannot read the stub file '");
        qr_buf_printable(&what, path, strlen(path));
        qr_buf_putc(&what, '\'');
        fail_msg(c, what.data ? what.data : "cannot read a stub file", why);
        qr_buf_free(&what);
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return XC_OK;
}

/* Parses "HOST:PORT" or "[ADDRESS]:PORT" in place. 0 or -1. */
static int parse_tcp(char *s, const char **host, unsigned *port)
{
    char *colon = strrchr(s, ':');
    if (!colon || colon[1] == '\0')
        return -1;
    unsigned long p = 0;
    for (const char *d = colon + 1; *d; d++) {
        if (*d < '0' || *d > '9' || p > 65535)
            return -1;
        p = p * 10 + (unsigned long)(*d - '0');
    }
    if (p == 0 || p > 65535)
        return -1;
    *colon = '\0';
    if (s[0] == '[') {
        size_t n = strlen(s);
        if (n < 3 || s[n - 1] != ']')
            return -1;
        s[n - 1] = '\0';
        s++;
    }
    if (!*s || strchr(s, ' '))
        return -1;
    *host = s;
    *port = (unsigned)p;
    return 0;
}

/* Parses one line (NUL-terminated, no newline) in place into *sl.
 * Returns 1 for a shard, 0 for a comment or blank line, -1 for a line
 * that is not valid. */
static int parse_line(char *line, shard_line *sl)
{
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r')   /* a file written on Windows */
        line[--n] = '\0';
    if (n == 0 || line[0] == '#')
        return 0;
    char *rest = strchr(line, ' ');
    if (!rest)
        return -1;
    *rest++ = '\0';
    sl->type = line;
    if (strcmp(line, "auto") == 0 || strcmp(line, "glass") == 0) {
        if (!*rest)
            return -1;
        sl->kind = SHARD_LOCAL;
        sl->path = rest;
        return 1;
    }
    int articles = strcmp(line, "articles") == 0;
    if ((!articles && strcmp(line, "remote") != 0) || !*rest)
        return -1;
    if (articles) {
        /* "articles remote HOST:PORT" / "articles remote :PROG ARGS" */
        if (strncmp(rest, "remote ", 7) != 0)
            return -1;
        rest += 7;
    }
    if (rest[0] == ':') {
        char *prog = rest + 1, *sp = strchr(prog, ' ');
        if (sp)
            *sp++ = '\0';
        if (!*prog)
            return -1;
        sl->kind = SHARD_PROG;
        sl->program = prog;
        sl->args = sp ? sp : "";
        return articles ? 2 : 1;
    }
    sl->kind = SHARD_TCP;
    return parse_tcp(rest, &sl->host, &sl->port) == 0 ? (articles ? 2 : 1)
                                                       : -1;
}

/* ----------------------------------------------------------------- open */

static xc_status open_path(open_ctx *c, const char *path, int depth);

/* Reads analysis metadata of one shard: language (default english),
 * whether stop words were dropped (unless QR_META_STOPWORDS is "0") and
 * whether accents were kept (unless QR_META_ACCENTS is "fold"). */
static xc_status shard_analysis(open_ctx *c, xc_db *db, char **lang,
                                int *stop, int *exact)
{
    char *l = NULL, *s = NULL, *a = NULL;
    size_t len;
    xc_status st = xc_db_get_metadata(db, QR_META_LANG, &l, &len);
    if (st == XC_OK)
        st = xc_db_get_metadata(db, QR_META_STOPWORDS, &s, &len);
    if (st == XC_OK)
        st = xc_db_get_metadata(db, QR_META_ACCENTS, &a, &len);
    if (st != XC_OK) {
        fail_msg(c, "cannot read its metadata", xc_db_errmsg(db));
        free(l);
        free(s);
        return st;
    }
    *stop = !(s && strcmp(s, "0") == 0);
    *exact = !(a && strcmp(a, "fold") == 0);
    free(s);
    free(a);
    if (!l || !*l) {
        free(l);
        l = strdup(QR_DEFAULT_LANG);
        if (!l) {
            fail_msg(c, "out of memory", NULL);
            return XC_NOMEM;
        }
    }
    *lang = l;
    return XC_OK;
}

/* Checks that sub was indexed like the shards before it, then adds it to
 * the combination (consuming it on success). */
static xc_status add_shard(open_ctx *c, xc_db *sub)
{
    char *lang = NULL;
    int stop = 1, exact = 1;
    xc_status st = shard_analysis(c, sub, &lang, &stop, &exact);
    if (st != XC_OK) {
        xc_db_close(sub);
        return st;
    }
    if (!c->lang) {
        c->lang = lang;
        c->stop = stop;
        c->exact = exact;
        /* the position without its trailing ": " */
        c->first = strndup(c->where.data ? c->where.data : "",
                           c->where.len >= 2 ? c->where.len - 2 : 0);
        if (!c->first) {
            fail_msg(c, "out of memory", NULL);
            xc_db_close(sub);
            return XC_NOMEM;
        }
    } else if (strcmp(lang, c->lang) != 0 || stop != c->stop ||
               exact != c->exact) {
        qr_buf m = {0};
        qr_buf_printf(&m, "indexed with language '%s'%s%s, but %s with "
                      "'%s'%s%s; shards must be indexed alike",
                      lang, stop ? "" : " without stop words",
                      exact ? ", accents exact" : "", c->first, c->lang,
                      c->stop ? "" : " without stop words",
                      c->exact ? ", accents exact" : "");
        fail_msg(c, "", m.data ? m.data : "shards indexed differently");
        qr_buf_free(&m);
        free(lang);
        xc_db_close(sub);
        return XC_ERROR;
    } else {
        free(lang);
    }
    st = xc_db_add_database(c->all, sub);
    if (st != XC_OK) {
        fail_msg(c, "cannot add the shard", xc_db_errmsg(c->all));
        xc_db_close(sub);
    }
    return st;
}

/* Opens one database that is not a stub (a glass directory, or a remote
 * shard) and adds it. */
static xc_status open_leaf(open_ctx *c, const shard_line *sl,
                           const char *path)
{
    xc_db *sub = NULL;
    char *xerr = NULL;
    xc_status st;
    if (!sl || sl->kind == SHARD_LOCAL)
        st = xc_db_open(path, XC_DB_READONLY, 0, 0, &sub, &xerr);
    else if (sl->kind == SHARD_TCP)
        st = xc_db_open_remote(sl->host, sl->port, c->timeout_ms,
                               QR_STUB_CONNECT_TIMEOUT_MS, &sub, &xerr);
    else
        st = xc_db_open_remote_program(sl->program, sl->args,
                                       c->timeout_ms, &sub, &xerr);
    if (st != XC_OK) {
        fail_msg(c, "", xerr ? xerr : xc_status_str(st));
        free(xerr);
        return st;
    }
    if (st == XC_OK && c->articles && !c->no_articles && sl &&
        sl->kind != SHARD_LOCAL) {
        /* a remote shard's articles: served apart (xapian-tcpsrv
         * INDEX/ARTICLES), named by the `articles` line after it */
        const shard_line *al = sl->articles;
        xc_db *a = NULL;
        char *aerr = NULL;
        xc_status as = XC_OK;
        if (!al)
            c->no_articles = 1;
        else if (al->kind == SHARD_TCP)
            as = xc_db_open_remote(al->host, al->port, c->timeout_ms,
                                   QR_STUB_CONNECT_TIMEOUT_MS, &a, &aerr);
        else
            as = xc_db_open_remote_program(al->program, al->args,
                                           c->timeout_ms, &a, &aerr);
        if (al && as == XC_OK)
            as = xc_db_add_database(c->articles, a);
        else if (al)
            xc_db_close(a);
        if (al && as != XC_OK) {
            /* the passages answered, the articles not: that shard is
             * down as far as a search by article goes */
            fail_msg(c, "articles", aerr ? aerr : xc_status_str(as));
            st = as;
        }
        free(aerr);
    } else if (st == XC_OK && c->articles && !c->no_articles) {
        /* a local glass database's articles live inside it */
        xc_db *a = NULL;
        char *aerr = NULL;
        qr_buf apath = {0};
        struct stat sb;
        if ((!sl || sl->kind == SHARD_LOCAL) &&
            qr_buf_printf(&apath, "%s/%s/iamglass", path, QR_ARTICLES_DIR) == 0 &&
            stat(apath.data, &sb) == 0) {
            apath.data[apath.len - strlen("/iamglass")] = '\0';
            if (xc_db_open(apath.data, XC_DB_READONLY, 0, 0, &a, &aerr) != XC_OK ||
                xc_db_add_database(c->articles, a) != XC_OK) {
                xc_db_close(a);
                c->no_articles = 1;
            }
        } else {
            c->no_articles = 1;
        }
        qr_buf_free(&apath);
        free(aerr);
    }
    if (sl && sl->kind != SHARD_LOCAL && c->where.len >= 2) {
        /* its position without the trailing ": " */
        if (c->remotes.len)
            qr_buf_puts(&c->remotes, "; ");
        qr_buf_append(&c->remotes, c->where.data, c->where.len - 2);
    }
    return add_shard(c, sub);
}

/* Appends "STUB:LINE: TYPE WHAT: " to the position. */
static void push_where(open_ctx *c, const char *stub, const shard_line *sl)
{
    qr_buf_printable(&c->where, stub, strlen(stub));
    qr_buf_printf(&c->where, ":%u: %s ", sl->lineno, sl->type);
    if (sl->kind == SHARD_LOCAL) {
        qr_buf_printable(&c->where, sl->path, strlen(sl->path));
    } else if (sl->kind == SHARD_TCP) {
        int v6 = strchr(sl->host, ':') != NULL;
        qr_buf_puts(&c->where, v6 ? "[" : "");
        qr_buf_printable(&c->where, sl->host, strlen(sl->host));
        qr_buf_printf(&c->where, "%s:%u", v6 ? "]" : "", sl->port);
    } else {
        qr_buf_putc(&c->where, ':');
        qr_buf_printable(&c->where, sl->program, strlen(sl->program));
        if (*sl->args) {
            qr_buf_putc(&c->where, ' ');
            qr_buf_printable(&c->where, sl->args, strlen(sl->args));
        }
    }
    qr_buf_puts(&c->where, ": ");
}

static void free_lines(shard_line *lines, size_t n)
{
    for (size_t i = 0; lines && i < n; i++)
        free(lines[i].articles);
    free(lines);
}

/* Reads the stub file at stub, checks every line, then opens its shards
 * in order. */
static xc_status open_stub(open_ctx *c, const char *stub, int depth)
{
    if (depth >= QR_STUB_MAX_DEPTH || ++c->files > QR_STUB_MAX_FILES) {
        /* the whole chain would repeat the loop many times over */
        qr_buf_clear(&c->where);
        qr_buf_printable(&c->where, stub, strlen(stub));
        qr_buf_puts(&c->where, ": ");
        fail_msg(c, "stub files nested too deeply, or in a loop", NULL);
        return XC_CORRUPT;
    }
    char *text = NULL;
    size_t len = 0;
    xc_status st = read_whole(c, stub, &text, &len);
    if (st != XC_OK)
        return st;

    /* Every line is checked before any shard is opened: a typo fails at
     * once, not after connecting to the shards above it. A bad line is
     * named by its number only, as xapian-core does: the file may not be
     * a stub at all, and its contents are not ours to print. */
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++)
        nlines += text[i] == '\n';
    shard_line *lines = calloc(nlines, sizeof *lines);
    if (!lines) {
        free(text);
        fail_msg(c, "out of memory", NULL);
        return XC_NOMEM;
    }
    size_t nshards = 0;
    char *p = text;
    for (unsigned lineno = 1; p <= text + len; lineno++) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        char *end = nl ? nl : text + len;
        *end = '\0';
        shard_line sl = {.lineno = lineno, .text = p};
        int r = memchr(p, '\0', (size_t)(end - p)) ? -1 : parse_line(p, &sl);
        if (r == 2) {
            /* the articles of the remote shard just above */
            if (nshards == 0 || lines[nshards - 1].kind == SHARD_LOCAL ||
                lines[nshards - 1].articles)
                r = -1;
            else if (!(lines[nshards - 1].articles = malloc(sizeof sl)))
                r = -1;
            else {
                *lines[nshards - 1].articles = sl;
                r = 0;
            }
        }
        if (r < 0) {
            qr_buf m = {0};
            qr_buf_printable(&m, stub, strlen(stub));
            qr_buf_printf(&m, ":%u: not a stub line (expected 'auto PATH', "
                          "'glass PATH', 'remote HOST:PORT', "
                          "'remote :PROGRAM ARGS', or 'articles remote ...' "
                          "after a remote line)", lineno);
            fail_msg(c, m.data ? m.data : "bad stub line", NULL);
            qr_buf_free(&m);
            free_lines(lines, nshards);
            free(text);
            return XC_CORRUPT;
        }
        if (r > 0)
            lines[nshards++] = sl;
        if (!nl)
            break;
        p = nl + 1;
    }

    /* a relative path is relative to the stub's directory */
    const char *slash = strrchr(stub, '/');
    size_t dirlen = slash ? (size_t)(slash - stub) + 1 : 0;
    size_t mark = c->where.len;
    for (size_t i = 0; i < nshards && st == XC_OK; i++) {
        const shard_line *sl = &lines[i];
        push_where(c, stub, sl);
        if (sl->kind != SHARD_LOCAL) {
            st = open_leaf(c, sl, NULL);
        } else {
            qr_buf full = {0};
            if (sl->path[0] != '/')
                qr_buf_append(&full, stub, dirlen);
            if (qr_buf_puts(&full, sl->path) != 0) {
                fail_msg(c, "out of memory", NULL);
                st = XC_NOMEM;
            } else if (strcmp(sl->type, "auto") == 0) {
                st = open_path(c, full.data, depth + 1);
            } else {
                st = open_leaf(c, sl, full.data);
            }
            qr_buf_free(&full);
        }
        /* back to this stub's level */
        if (st == XC_OK) {
            c->where.len = mark;
            if (c->where.data)
                c->where.data[mark] = '\0';
        }
    }
    free_lines(lines, nshards);
    free(text);
    return st;
}

/* Opens whatever is at path: a stub file is read here; anything else (a
 * Quarry index directory, whose XAPIANDB names its live version; a glass
 * directory or file) is left to xapian-core, as it always was. */
static xc_status open_path(open_ctx *c, const char *path, int depth)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && c->articles) {
        /* a Quarry index: its stub is read here, so that each version's
         * articles are found beside its passages (xapian-core would
         * follow the stub itself and hide where it leads) */
        qr_buf stub = {0};
        struct stat ss;
        if (qr_buf_printf(&stub, "%s/XAPIANDB", path) != 0) {
            fail_msg(c, "out of memory", NULL);
            return XC_NOMEM;
        }
        if (stat(stub.data, &ss) == 0 && S_ISREG(ss.st_mode)) {
            xc_status st = open_stub(c, stub.data, depth);
            qr_buf_free(&stub);
            return st;
        }
        qr_buf_free(&stub);
    }
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        int glass = fd >= 0 && is_glass_file(fd);
        if (fd >= 0)
            close(fd);
        if (!glass)
            return open_stub(c, path, depth);
    }
    return open_leaf(c, NULL, path);
}

/* The operation timeout: QR_STUB_TIMEOUT_ENV in seconds, or the default.
 * Returns 0, or -1 when the variable is set to anything else. */
static int timeout_from_env(unsigned *ms)
{
    const char *v = getenv(QR_STUB_TIMEOUT_ENV);
    *ms = QR_STUB_TIMEOUT_MS;
    if (!v)
        return 0;
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    if (end == v || *end || errno || !(s >= 0.001 && s <= 3600))
        return -1;
    *ms = (unsigned)(s * 1000 + 0.5);
    return 0;
}

qr_status qr_stub_open(const char *const *paths, size_t n, xc_db **out,
                       char **err)
{
    return qr_status_from_xc(stub_open(paths, n, out, NULL, err, NULL));
}

qr_status qr_stub_open_remotes(const char *const *paths, size_t n,
                               xc_db **out, char **err, char **remotes)
{
    return qr_status_from_xc(stub_open(paths, n, out, NULL, err, remotes));
}

xc_status stub_open(const char *const *paths, size_t n, xc_db **out,
                    xc_db **articles, char **err, char **remotes)
{
    if (remotes)
        *remotes = NULL;
    if (articles)
        *articles = NULL;
    if (!paths || n == 0 || !out) {
        if (err)
            *err = strdup("qr_stub_open: no paths, or NULL out");
        return XC_INVALID_ARG;
    }
    open_ctx c = {0};
    if (timeout_from_env(&c.timeout_ms) != 0) {
        if (err)
            *err = strdup(QR_STUB_TIMEOUT_ENV
                          ": expected seconds from 0.001 to 3600");
        return XC_INVALID_ARG;
    }
    xc_status st = xc_db_new_empty(&c.all, NULL);
    if (st == XC_OK && articles)
        st = xc_db_new_empty(&c.articles, NULL);
    if (st != XC_OK)
        fail_msg(&c, "out of memory", NULL);
    for (size_t i = 0; i < n && st == XC_OK; i++) {
        if (!paths[i]) {
            fail_msg(&c, "qr_stub_open: NULL path", NULL);
            st = XC_INVALID_ARG;
            break;
        }
        /* several paths: every message says which one it is about */
        qr_buf_clear(&c.where);
        if (n > 1) {
            qr_buf_printable(&c.where, paths[i], strlen(paths[i]));
            qr_buf_puts(&c.where, ": ");
        }
        st = open_path(&c, paths[i], 0);
    }
    if (st == XC_OK) {
        *out = c.all;
        c.all = NULL;
        if (articles && !c.no_articles) {
            *articles = c.articles;
            c.articles = NULL;
        }
        if (remotes && c.remotes.len)
            *remotes = qr_buf_steal(&c.remotes);
    } else if (err) {
        *err = qr_buf_steal(&c.err);
    }
    xc_db_close(c.all);
    xc_db_close(c.articles);
    free(c.lang);
    free(c.first);
    qr_buf_free(&c.where);
    qr_buf_free(&c.err);
    qr_buf_free(&c.remotes);
    return st;
}

/*
 * find.c — what a run looks at: the SOURCEs named on the command line
 * resolved (the real paths of every directory first, so that the walk of
 * the first knows a link into the second is inside), directories walked
 * with the user's patterns and link policy, files named directly (always
 * read), and files reached twice kept once. Each SOURCE's state (missing,
 * unreadable, how many files it listed) is left for prune.c to judge.
 */
#include "index_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- paths */

char *fd_absolute(const char *path)
{
    qr_buf full = {0};
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return NULL;
        qr_buf_puts(&full, cwd);
        qr_buf_putc(&full, '/');
    }
    if (qr_buf_puts(&full, path) != 0) {
        qr_buf_free(&full);
        return NULL;
    }
    char *out = malloc(full.len + 2);
    if (!out) {
        qr_buf_free(&full);
        return NULL;
    }
    size_t o = 0;
    const char *p = full.data;
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, seg, len);
        o += len;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    qr_buf_free(&full);
    return out;
}

int fd_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strncmp(path, dir, n) != 0)
        return 0;
    return path[n] == '/' || path[n] == '\0' || (n == 1 && dir[0] == '/');
}

/* ------------------------------------------------------- the walk */

/* A problem the walk met. keep: the index keeps whatever it has under
 * path (it could not be looked at), so it is never taken for vanished. */
static void on_walk_warning(void *ctx, const char *path, const char *reason,
                            int keep)
{
    qr_indexer *ix = ctx;
    char *abs = keep ? fd_absolute(path) : NULL;
    if (abs) {
        if (ix->nprotect == ix->protect_cap) {
            size_t cap = ix->protect_cap ? ix->protect_cap * 2 : 16;
            char **p = realloc(ix->protect, cap * sizeof *p);
            if (p) {
                ix->protect = p;
                ix->protect_cap = cap;
            }
        }
        if (ix->nprotect < ix->protect_cap)
            ix->protect[ix->nprotect++] = abs;
        else
            free(abs);
    }
    ix_skip(ix, path, reason, 1);
}

/* What the path on the command line is: ix->roots[i] filled in, the
 * problems reported as skipped sources. */
static qr_status resolve(qr_indexer *ix, run_root *r)
{
    if (!(r->key = fd_absolute(r->arg)))
        return QR_ERR_NOMEM;
    struct stat sb;
    const char *what = NULL;
    if (stat(r->arg, &sb) != 0) {
        r->kind = ROOT_MISSING;
    } else if (S_ISREG(sb.st_mode)) {
        r->kind = ROOT_FILE;
        return QR_OK;
    } else if (!S_ISDIR(sb.st_mode)) {
        r->kind = ROOT_OTHER;
        ix_skip(ix, r->arg, "not a regular file or directory", 1);
        return QR_OK;
    } else if (!(r->real = realpath(r->arg, NULL))) {
        r->kind = ROOT_UNREADABLE;
    } else {
        /* a directory that cannot be listed is held, not walked */
        int fd = open(r->arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);
            r->kind = ROOT_DIR;
            return QR_OK;
        }
        r->kind = ROOT_UNREADABLE;
        what = "cannot read directory: ";
    }
    int e = errno;
    qr_buf reason = {0};
    if (!(r->why = strdup(strerror(e))) ||
        qr_buf_printf(&reason, "%s%s", what ? what : "", strerror(e)) != 0) {
        qr_buf_free(&reason);
        return QR_ERR_NOMEM;
    }
    ix_skip(ix, r->arg, reason.data, 1);
    qr_buf_free(&reason);
    return QR_OK;
}

/* ----------------------------------------------- files reached twice */

typedef struct ino_pos {
    uint64_t dev, ino;
    int      via_link;
    size_t   pos;
} ino_pos;

static int cmp_ino_pos(const void *pa, const void *pb)
{
    const ino_pos *a = pa, *b = pb;
    if (a->dev != b->dev)
        return a->dev < b->dev ? -1 : 1;
    if (a->ino != b->ino)
        return a->ino < b->ino ? -1 : 1;
    if (a->via_link != b->via_link)
        return a->via_link - b->via_link;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Whether the index already has the file under path (so that a file
 * reached several ways keeps the name it is indexed under, whatever the
 * order of the SOURCEs). */
static int indexed_as(const qr_indexer *ix, const char *path)
{
    char *key = fd_absolute(path);
    const src_rec *r = key ? src_find(&ix->sources, key) : NULL;
    free(key);
    return r && r->state != 'N';
}

/* A file reached by several paths (a followed link, a hard link, two
 * SOURCEs) is read once: by a path not through a link, the one it is
 * indexed under if any, else the first. The others are marked in
 * f->dup. */
static qr_status mark_duplicates(const qr_indexer *ix, fd_files *f)
{
    if (!(f->dup = calloc(f->n ? f->n : 1, 1)))
        return QR_ERR_NOMEM;
    if (f->n < 2)
        return QR_OK;
    ino_pos *v = malloc(f->n * sizeof *v);
    if (!v)
        return QR_ERR_NOMEM;
    for (size_t i = 0; i < f->n; i++)
        v[i] = (ino_pos){f->e[i].dev, f->e[i].ino, f->e[i].via_link, i};
    qsort(v, f->n, sizeof *v, cmp_ino_pos);
    for (size_t g = 0, end; g < f->n; g = end) {
        for (end = g + 1; end < f->n && v[end].dev == v[g].dev &&
                          v[end].ino == v[g].ino; end++)
            ;
        if (end - g == 1)
            continue;
        size_t keep = g;     /* sorted: not through a link first, in order */
        for (size_t i = g; i < end && v[i].via_link == v[g].via_link; i++)
            if (indexed_as(ix, f->e[v[i].pos].path)) {
                keep = i;
                break;
            }
        for (size_t i = g; i < end; i++)
            f->dup[v[i].pos] = i != keep;
    }
    free(v);
    return QR_OK;
}

/* ------------------------------------------------------------ finding */

qr_status fd_find(qr_indexer *ix, const char *const *paths, size_t n,
                  fd_files *out)
{
    memset(out, 0, sizeof *out);
    if (!(ix->roots = calloc(n ? n : 1, sizeof *ix->roots)))
        return QR_ERR_NOMEM;
    qr_status st = QR_OK;

    /* 1. every SOURCE, and the real path of every directory */
    for (size_t i = 0; st == QR_OK && i < n; i++) {
        if (strcmp(paths[i], "-") == 0) {
            out->use_stdin = 1;
            continue;
        }
        run_root *r = &ix->roots[ix->nroots++];
        r->arg = paths[i];
        st = resolve(ix, r);
    }
    const char **reals = calloc(ix->nroots ? ix->nroots : 1, sizeof *reals);
    size_t nreals = 0;
    if (!reals && st == QR_OK)
        st = QR_ERR_NOMEM;
    for (size_t i = 0; st == QR_OK && i < ix->nroots; i++)
        if (ix->roots[i].kind == ROOT_DIR)
            reals[nreals++] = ix->roots[i].real;

    /* 2. walk them, in the order given; files named are read whatever
     * their name (patterns do not apply) */
    qr_walk_opts wo = {
        .roots = reals, .nroots = nreals,
        .include = ix->o.include, .ninclude = ix->o.ninclude,
        .exclude = ix->o.exclude, .nexclude = ix->o.nexclude,
        .hidden = ix->o.hidden, .follow_links = ix->o.follow_links,
    };
    /* the index itself, when it lies inside a SOURCE, is not an archive's
     * file: walking it would index its own tables */
    struct stat self;
    if (ix->o.db_path && stat(ix->o.db_path, &self) == 0 &&
        S_ISDIR(self.st_mode)) {
        wo.skip_dir = 1;
        wo.skip_dev = (uint64_t)self.st_dev;
        wo.skip_ino = (uint64_t)self.st_ino;
    }
    for (size_t i = 0; st == QR_OK && i < ix->nroots; i++) {
        run_root *r = &ix->roots[i];
        if (r->kind == ROOT_DIR) {
            size_t before = out->n;
            if (qr_walk(r->arg, &wo, &out->e, &out->n, &out->cap,
                        on_walk_warning, ix) != 0)
                st = QR_ERR_NOMEM;
            r->listed = out->n - before;
        } else if (r->kind == ROOT_FILE) {
            struct stat sb;
            if (stat(r->arg, &sb) != 0)      /* gone since: as if missing */
                ix_skip(ix, r->arg, strerror(errno), 1);
            else if (qr_walk_push(&out->e, &out->n, &out->cap, r->arg, &sb,
                                  0) != 0)
                st = QR_ERR_NOMEM;
        }
    }
    free(reals);

    /* 3. each file once */
    if (st == QR_OK)
        st = mark_duplicates(ix, out);
    return st;
}

void fd_files_free(fd_files *f)
{
    qr_walk_entries_free(f->e, f->n);
    free(f->dup);
    memset(f, 0, sizeof *f);
}

void fd_roots_free(qr_indexer *ix)
{
    for (size_t i = 0; i < ix->nroots; i++) {
        free(ix->roots[i].key);
        free(ix->roots[i].real);
        free(ix->roots[i].why);
    }
    free(ix->roots);
    ix->roots = NULL;
    ix->nroots = 0;
}

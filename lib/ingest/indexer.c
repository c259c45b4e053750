/*
 * indexer.c — the run itself: finds the sources, decides from the
 * bookkeeping which changed, reads them, splits their articles into
 * passages and hands them to the writers; keeps the summary and events.
 *
 * This is the only thread that reads sources and touches the bookkeeping
 * table; the writers see copies, in the order this thread sends them.
 */
#include "index_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "walk.h"

/* ---------------------------------------------------- summary, events */

static void event(qr_indexer *ix, qr_event_kind kind, const char *where,
                  const char *reason, const char *action)
{
    ix->sum.seconds = qr_now() - ix->t0;
    if (!ix->o.on_event)
        return;
    qr_event ev = {kind, where, reason, action, &ix->sum};
    ix->o.on_event(ix->o.ctx, &ev);
}

static void maybe_progress(qr_indexer *ix)
{
    if (ix->o.progress_interval <= 0)
        return;
    double now = qr_now();
    if (now - ix->last_progress >= ix->o.progress_interval) {
        ix->last_progress = now;
        event(ix, QR_EV_PROGRESS, NULL, NULL, NULL);
    }
}

static void record_skip(qr_indexer *ix, const char *where, const char *reason,
                        int whole)
{
    qr_skip *p = realloc(ix->sum.skips, (ix->sum.nskips + 1) * sizeof *p);
    if (p) {
        ix->sum.skips = p;
        qr_buf w = {0}, r = {0};
        qr_buf_printable(&w, where, strlen(where));
        qr_buf_printable(&r, reason, strlen(reason));
        p[ix->sum.nskips] = (qr_skip){qr_buf_steal(&w), qr_buf_steal(&r), whole};
        if (p[ix->sum.nskips].where && p[ix->sum.nskips].reason)
            ix->sum.nskips++;
        else {
            free(p[ix->sum.nskips].where);
            free(p[ix->sum.nskips].reason);
        }
    }
    if (whole)
        ix->sum.skipped++;
    else
        ix->sum.partial++;
    event(ix, whole ? QR_EV_SKIPPED : QR_EV_WARNING, where, reason, NULL);
}

const qr_index_summary *qr_indexer_summary(const qr_indexer *ix)
{
    return &ix->sum;
}

int qr_summary_json(const qr_index_summary *s, qr_buf *out)
{
    int rc = qr_buf_printf(out,
        "{\"added\":%zu,\"updated\":%zu,\"deleted\":%zu,\"unchanged\":%zu,"
        "\"skipped\":%zu,\"partial\":%zu,\"articles\":%zu,\"passages\":%zu,"
        "\"bytes\":%" PRIu64 ",\"seconds\":%.3f,\"skips\":[",
        s->added, s->updated, s->deleted, s->unchanged, s->skipped, s->partial,
        s->articles, s->passages, s->bytes, s->seconds);
    for (size_t i = 0; rc == 0 && i < s->nskips; i++) {
        const qr_skip *k = &s->skips[i];
        rc = qr_buf_puts(out, i ? ",{\"source\":" : "{\"source\":");
        if (rc == 0)
            rc = qr_buf_json_string(out, k->where, strlen(k->where));
        if (rc == 0)
            rc = qr_buf_puts(out, ",\"reason\":");
        if (rc == 0)
            rc = qr_buf_json_string(out, k->reason, strlen(k->reason));
        if (rc == 0)
            rc = qr_buf_printf(out, ",\"whole\":%s}", k->whole ? "true" : "false");
    }
    if (rc == 0)
        rc = qr_buf_puts(out, "]}");
    return rc;
}

/* --------------------------------------------------- handing out jobs */

/* The writer an article goes to: a stable hash of its id, so that every
 * passage of an article lands in one shard, run after run. */
static unsigned writer_of(const qr_indexer *ix, const char *id)
{
    if (ix->nw == 1)
        return 0;
    return (unsigned)(qr_hash64(id, strlen(id), 0x5ea4d) % ix->nw);
}

/* The writers that keep bookkeeping: all of them, except for the parts of
 * a new database, where the first holds it for the whole. */
static unsigned record_writers(const qr_indexer *ix)
{
    return ix->parts ? 1 : ix->nw;
}

/* Sends a `kind` job holding a copy of r to each of the first n writers;
 * extra: the bytes it holds besides the job itself. */
static qr_status send_copies(qr_indexer *ix, unsigned n, wr_job_kind kind,
                             const src_rec *r, int clear, size_t extra)
{
    for (unsigned k = 0; k < n; k++) {
        wr_job *j = calloc(1, sizeof *j);
        if (!j || src_rec_copy(&j->rec, r) != 0) {
            free(j);
            return QR_ERR_NOMEM;
        }
        j->kind = kind;
        j->clear = clear;
        j->bytes = sizeof *j + extra;
        qr_status st = wr_push(&ix->w[k], j);
        if (st != QR_OK)
            return st;
    }
    return QR_OK;
}

/* Sends a bookkeeping job (a copy of r) to every writer that keeps
 * records. */
static qr_status send_rec(qr_indexer *ix, wr_job_kind kind, const src_rec *r,
                          int clear)
{
    return send_copies(ix, record_writers(ix), kind, r, clear,
                       strlen(r->path));
}

/* Sets a metadata key in every database written. */
static qr_status send_meta(qr_indexer *ix, const char *key, const char *value)
{
    src_rec m = {.meta_key = (char *)key, .path = (char *)value};
    return send_copies(ix, ix->nw, WR_JOB_META, &m, 0, 0);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* Splits an article into passages (passage.c) and hands it to its writer.
 * The split is done here, on the reading thread, so the writers spend
 * their time in xapian-core. */
static qr_status send_article(qr_indexer *ix, const qr_article *a,
                              const char *source_key, const char *display)
{
    wr_job *j = calloc(1, sizeof *j);
    if (!j)
        return QR_ERR_NOMEM;
    j->kind = WR_JOB_ARTICLE;
    if (qr_passage_split(a->body, a->body_len, &ix->o.split, &j->spans,
                         &j->nspans) != 0) {
        wr_job_free(j);
        return QR_ERR_NOMEM;
    }
    if (j->nspans == 0) {
        /* a title without a body still deserves to be found */
        free(j->spans);
        if (!(j->spans = malloc(sizeof *j->spans))) {
            wr_job_free(j);
            return QR_ERR_NOMEM;
        }
        j->spans[0] = (qr_span){0, 0};
        j->nspans = 1;
    }
    char *body = malloc(a->body_len + 1);
    if (body) {
        memcpy(body, a->body, a->body_len);
        body[a->body_len] = '\0';
    }
    j->a = *a;
    j->a.body = body;
    j->a.id = dup_or_empty(a->id);
    j->a.title = dup_or_empty(a->title);
    j->a.url = dup_or_empty(a->url);
    j->a.date = dup_or_empty(a->date);
    j->a.author = dup_or_empty(a->author);
    j->a.pages = NULL;
    if (a->pages && a->npages) {
        size_t *pages = malloc(a->npages * sizeof *pages);
        if (pages)
            memcpy(pages, a->pages, a->npages * sizeof *pages);
        j->a.pages = pages;
    }
    j->source_key = strdup(source_key);
    j->display = strdup(display);
    if (!body || !j->a.id || !j->a.title || !j->a.url || !j->a.date ||
        !j->a.author || !j->source_key || !j->display ||
        (a->pages && a->npages && !j->a.pages)) {
        wr_job_free(j);
        return QR_ERR_NOMEM;
    }
    size_t np = j->nspans;
    j->bytes = sizeof *j + a->body_len + strlen(a->title) +
               np * (sizeof *j->spans + 64);
    qr_status st = wr_push(&ix->w[writer_of(ix, a->id)], j);
    if (st != QR_OK)
        return st;
    ix->cur_passages += (unsigned)np;
    ix->cur_articles++;
    ix->sum.passages += np;
    ix->sum.articles++;
    return QR_OK;
}

/* ------------------------------------------------------------ reading */

/* Looks up (or creates, unsaved) the bookkeeping record for source key. */
static src_rec *source_rec(qr_indexer *ix, const char *key, int *is_new)
{
    src_rec *r = src_find(&ix->sources, key);
    *is_new = r == NULL;
    if (r)
        return r;
    src_rec fresh = {0};
    if (qr_key_term(&ix->term, QR_META_SOURCE, key) != 0)
        return NULL;
    fresh.meta_key = strdup(ix->term.data);
    fresh.path = strdup(key);
    fresh.state = 'N';     /* not in the index yet */
    if (!fresh.meta_key || !fresh.path || !(r = src_add(&ix->sources, &fresh))) {
        free(fresh.meta_key);
        free(fresh.path);
        return NULL;
    }
    return r;
}

/* Articles from standard input: each is its own source "-:<id>", replaced
 * whole when it comes again. */
static qr_status stdin_article(qr_indexer *ix, const qr_article *a)
{
    qr_buf key = {0};
    if (qr_buf_printf(&key, "-:%s", a->id) != 0)
        return QR_ERR_NOMEM;
    int is_new;
    src_rec *r = source_rec(ix, key.data, &is_new);
    qr_status st = r ? QR_OK : QR_ERR_NOMEM;
    int existed = r && r->state != 'N';
    if (st == QR_OK)
        st = send_rec(ix, WR_JOB_BEGIN, r, existed);
    unsigned before = ix->cur_passages;
    if (st == QR_OK)
        st = send_article(ix, a, key.data, "-");
    if (st == QR_OK) {
        r->state = 'D';
        r->mtime_ns = 0;
        r->size = a->body_len;
        r->hash = qr_hash64(a->body, a->body_len, 0);
        r->passages = ix->cur_passages - before;
        r->articles = 1;
        r->gen = ix->gen;
        r->seen = 1;
        st = send_rec(ix, WR_JOB_END, r, 0);
        if (st == QR_OK) {
            if (existed)
                ix->sum.updated++;
            else
                ix->sum.added++;
        }
    }
    qr_buf_free(&key);
    return st;
}

static int on_article(void *ctx, const qr_article *a)
{
    qr_indexer *ix = ctx;
    qr_status st;
    if (ix->stdin_mode) {
        st = stdin_article(ix, a);
    } else {
        st = QR_OK;
        /* Old passages go only once the new version has produced an
         * article: a source that turned unreadable keeps what it had. */
        if (!ix->cur_begun)
            st = send_rec(ix, WR_JOB_BEGIN, ix->cur, ix->cur->state != 'N');
        ix->cur_begun = 1;
        if (st == QR_OK)
            st = send_article(ix, a, ix->cur->path, ix->cur_display);
    }
    maybe_progress(ix);
    ix->cb_status = st;
    return st != QR_OK;
}

static void on_reader_warning(void *ctx, const char *where, const char *reason)
{
    record_skip(ctx, where, reason, 0);
}

/* Hashes the file's bytes. Returns 0, or errno. */
static int hash_file(const char *path, uint64_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    static char buf[1 << 16];
    qr_hasher h;
    qr_hasher_init(&h, 0);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return e;
        }
        if (n == 0)
            break;
        qr_hasher_update(&h, buf, (size_t)n);
    }
    close(fd);
    *out = qr_hasher_final(&h);
    return 0;
}

/* Indexes one file if it changed since the last run. */
static qr_status index_file(qr_indexer *ix, const char *display, const char *key,
                            uint64_t size, int64_t mtime_ns)
{
    int is_new;
    src_rec *r = source_rec(ix, key, &is_new);
    if (!r)
        return QR_ERR_NOMEM;
    if (r->seen)
        return QR_OK;      /* named twice on the command line */
    r->seen = 1;
    ix->sum.sources_done++;
    if (r->state == 'D' && r->mtime_ns == mtime_ns && r->size == size &&
        !ix->o.force) {
        ix->sum.unchanged++;
        event(ix, QR_EV_SOURCE, display, NULL, "unchanged");
        return QR_OK;
    }
    uint64_t hash = 0;
    int e = hash_file(display, &hash);
    if (e != 0) {
        record_skip(ix, display, strerror(e), 1);
        return QR_OK;
    }
    if (r->state == 'D' && r->size == size && r->hash == hash && !ix->o.force) {
        /* touched, not changed: remember the new time, keep the passages */
        r->mtime_ns = mtime_ns;
        ix->sum.unchanged++;
        event(ix, QR_EV_SOURCE, display, NULL, "unchanged");
        return send_rec(ix, WR_JOB_TOUCH, r, 0);
    }

    char old_state = r->state;
    ix->cur = r;
    ix->cur_display = display;
    ix->cur_begun = 0;
    ix->cur_passages = ix->cur_articles = 0;
    ix->cb_status = QR_OK;
    char *reason = NULL;
    qr_read_stats rs = {0};
    qr_status st = qr_read_source(display, display, QR_FMT_UNKNOWN, &ix->o.read,
                                  on_article, on_reader_warning, ix, &rs,
                                  &reason);
    ix->sum.bytes += rs.bytes_in;
    ix->cur = NULL;
    if (st == QR_ERR_STOPPED) {
        free(reason);
        return ix->cb_status;   /* an index error: the run stops */
    }
    if (st != QR_OK && ix->cur_articles == 0) {
        record_skip(ix, display, reason ? reason : qr_status_str(st), 1);
        free(reason);
        /* Nothing was deleted. If a crashed run had left this source
         * partial, its leftovers must still go. */
        if (r->state == 'P') {
            st = send_rec(ix, WR_JOB_DROP, r, 0);
            r->state = 'N';
            return st;
        }
        return QR_OK;
    }
    if (st != QR_OK)    /* stopped part-way: keep what was valid */
        record_skip(ix, display, reason ? reason : qr_status_str(st), 0);
    free(reason);
    if (!ix->cur_begun) {
        /* validly empty now: its old passages go */
        st = send_rec(ix, WR_JOB_BEGIN, r, old_state != 'N');
        if (st != QR_OK)
            return st;
    }
    r->state = 'D';
    r->mtime_ns = mtime_ns;
    r->size = size;
    r->hash = hash;
    r->passages = ix->cur_passages;
    r->articles = ix->cur_articles;
    r->gen = ix->gen;
    st = send_rec(ix, WR_JOB_END, r, 0);
    if (st != QR_OK)
        return st;
    if (old_state == 'N')
        ix->sum.added++;
    else
        ix->sum.updated++;
    event(ix, QR_EV_SOURCE, display, NULL, old_state == 'N' ? "added" : "updated");
    return QR_OK;
}

/* ------------------------------------------------------------ walking */

/* Makes path absolute and removes ".", ".." and repeated slashes, without
 * resolving symbolic links (the key names the file where the user keeps it). */
static char *absolute_path(const char *path)
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

static void on_walk_warning(void *ctx, const char *path, const char *reason,
                            int keep)
{
    qr_indexer *ix = ctx;
    char *abs = keep ? absolute_path(path) : NULL;
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
    record_skip(ix, path, reason, 1);
}

static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strncmp(path, dir, n) != 0)
        return 0;
    return path[n] == '/' || path[n] == '\0' || (n == 1 && dir[0] == '/');
}

/* Deletes the sources that were under a walked directory and are gone. */
static qr_status delete_vanished(qr_indexer *ix, char **roots, size_t nroots)
{
    for (size_t i = 0; i < ix->sources.n; i++) {
        src_rec *r = &ix->sources.recs[i];
        if (r->seen || r->state == 'N' || r->path[0] != '/')
            continue;
        int in_root = 0;
        for (size_t k = 0; k < nroots && !in_root; k++)
            in_root = under(r->path, roots[k]);
        for (size_t k = 0; k < ix->nprotect && in_root; k++)
            if (under(r->path, ix->protect[k]))
                in_root = 0;
        if (!in_root)
            continue;
        /* a file we could not list is not a vanished file */
        struct stat st;
        if (lstat(r->path, &st) == 0 && S_ISREG(st.st_mode))
            continue;
        qr_status s = send_rec(ix, WR_JOB_DROP, r, 0);
        if (s != QR_OK)
            return s;
        r->state = 'N';
        ix->sum.deleted++;
        event(ix, QR_EV_SOURCE, r->path, NULL, "deleted");
    }
    return QR_OK;
}

/* ---------------------------------------------------------------- run */

qr_status qr_indexer_run(qr_indexer *ix, const char *const *paths, size_t n,
                         qr_buf *err)
{
    ix->err = err;
    qr_walk_entry *files = NULL;
    size_t nfiles = 0, cap = 0;
    char **roots = calloc(n ? n : 1, sizeof *roots);
    size_t nroots = 0;
    int use_stdin = 0;
    qr_status st = roots ? QR_OK : QR_ERR_NOMEM;

    /* 1. find every source, so progress can show an ETA */
    for (size_t i = 0; st == QR_OK && i < n; i++) {
        if (strcmp(paths[i], "-") == 0) {
            use_stdin = 1;
            continue;
        }
        struct stat sb;
        if (stat(paths[i], &sb) != 0) {
            record_skip(ix, paths[i], strerror(errno), 1);
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            char *real = realpath(paths[i], NULL);
            if (!real) {
                record_skip(ix, paths[i], strerror(errno), 1);
                continue;
            }
            roots[nroots++] = real;
            qr_walk_opts wo = {.roots = (const char *const *)roots,
                               .nroots = nroots};
            if (qr_walk(paths[i], &wo, &files, &nfiles, &cap, on_walk_warning,
                        ix) != 0)
                st = QR_ERR_NOMEM;
        } else if (S_ISREG(sb.st_mode)) {
            if (nfiles == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                qr_walk_entry *p = realloc(files, ncap * sizeof *p);
                if (!p) {
                    st = QR_ERR_NOMEM;
                    break;
                }
                files = p;
                cap = ncap;
            }
            files[nfiles].path = strdup(paths[i]);
            files[nfiles].size = (uint64_t)sb.st_size;
            files[nfiles].mtime_ns =
                (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
            if (!files[nfiles].path)
                st = QR_ERR_NOMEM;
            else
                nfiles++;
        } else {
            record_skip(ix, paths[i], "not a regular file or directory", 1);
        }
    }
    for (size_t i = 0; i < nfiles; i++)
        ix->sum.bytes_total += files[i].size;
    ix->sum.sources_total = nfiles;

    /* 2. index them: this thread reads, the writers write */
    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++) {
        st = wr_start(&ix->w[k]);
        if (st != QR_OK && err) {
            qr_buf_clear(err);
            qr_buf_puts(err, ix->w[k].err.data ? ix->w[k].err.data
                                               : qr_status_str(st));
        }
    }
    for (size_t i = 0; st == QR_OK && i < nfiles; i++) {
        char *key = absolute_path(files[i].path);
        if (!key) {
            st = QR_ERR_NOMEM;
            break;
        }
        st = index_file(ix, files[i].path, key, files[i].size, files[i].mtime_ns);
        free(key);
        maybe_progress(ix);
    }
    if (st == QR_OK && use_stdin) {
        ix->stdin_mode = 1;
        ix->cb_status = QR_OK;
        char *reason = NULL;
        qr_read_stats rs = {0};
        qr_status rst = qr_read_source("-", "-", QR_FMT_JSONL, &ix->o.read,
                                       on_article, on_reader_warning, ix, &rs,
                                       &reason);
        ix->sum.bytes += rs.bytes_in;
        ix->stdin_mode = 0;
        if (rst == QR_ERR_STOPPED)
            st = ix->cb_status;
        else if (rst != QR_OK)
            record_skip(ix, "-", reason ? reason : qr_status_str(rst),
                        rs.articles == 0);
        free(reason);
    }

    /* 3. forget what vanished from the walked directories */
    if (st == QR_OK)
        st = delete_vanished(ix, roots, nroots);
    if (st == QR_OK)
        st = send_meta(ix, QR_META_SCHEMA, QR_SCHEMA_VERSION);
    if (st == QR_OK)
        st = send_meta(ix, QR_META_LANG, ix->lang);

    /* 4. every writer commits (a shard of a new index also compacts
     * itself), all at once */
    for (unsigned k = 0; k < ix->nw; k++)
        wr_close(&ix->w[k], st == QR_OK);
    for (unsigned k = 0; k < ix->nw; k++)
        wr_join(&ix->w[k]);
    qr_status wst = wr_first_failure(ix->w, ix->nw, ix->err);
    if (wst != QR_OK)
        st = wst;          /* the writer's error explains the reader's stop */
    if (st == QR_OK && ix->fresh)
        st = tg_finish_fresh(ix);
    ix->sum.seconds = qr_now() - ix->t0;

    qr_walk_entries_free(files, nfiles);
    for (size_t i = 0; i < nroots; i++)
        free(roots[i]);
    free(roots);
    return st;
}

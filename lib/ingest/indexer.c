/*
 * indexer.c — the run itself: takes what find.c found, decides from the
 * bookkeeping which sources changed, reads them, splits their articles
 * into passages and hands them to the writers, then lets prune.c settle
 * what goes; keeps the summary and events.
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
#include <time.h>
#include <unistd.h>

#include "schema.h"

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

/* Printable copies of a and b into *pa and *pb: 0, or -1 (neither kept)
 * when memory ran out. */
static int printable_pair(const char *a, const char *b, char **pa, char **pb)
{
    qr_buf x = {0}, y = {0};
    qr_buf_printable(&x, a, strlen(a));
    qr_buf_printable(&y, b, strlen(b));
    *pa = qr_buf_steal(&x);
    *pb = qr_buf_steal(&y);
    if (*pa && *pb)
        return 0;
    free(*pa);
    free(*pb);
    return -1;
}

/* Appends a skip to the summary. 0, or -1 when out of memory (the skip is
 * then only counted and announced). */
static int add_skip(qr_indexer *ix, const char *where, const char *reason,
                    int whole)
{
    qr_skip *p = realloc(ix->sum.skips, (ix->sum.nskips + 1) * sizeof *p);
    if (!p)
        return -1;
    ix->sum.skips = p;
    p += ix->sum.nskips;
    if (printable_pair(where, reason, &p->where, &p->reason) != 0)
        return -1;
    p->whole = whole;
    ix->sum.nskips++;
    return 0;
}

void ix_skip(qr_indexer *ix, const char *where, const char *reason, int whole)
{
    add_skip(ix, where, reason, whole);
    if (whole)
        ix->sum.skipped++;
    else
        ix->sum.partial++;
    event(ix, whole ? QR_EV_SKIPPED : QR_EV_WARNING, where, reason, NULL);
}

/* A warning inside a source that was then skipped whole: listed and
 * announced, but not counted as a part skipped (nothing of it is in). */
static void note(qr_indexer *ix, const char *where, const char *reason)
{
    add_skip(ix, where, reason, 0);
    event(ix, QR_EV_WARNING, where, reason, NULL);
}

void ix_hold(qr_indexer *ix, const char *root, const char *reason,
             size_t kept)
{
    qr_hold *p = realloc(ix->sum.held, (ix->sum.nheld + 1) * sizeof *p);
    if (p) {
        ix->sum.held = p;
        p += ix->sum.nheld;
        p->kept = kept;
        if (printable_pair(root, reason, &p->root, &p->reason) == 0)
            ix->sum.nheld++;
    }
    event(ix, QR_EV_HELD, root, reason, NULL);
}

void ix_deleted(qr_indexer *ix, const char *key)
{
    event(ix, QR_EV_SOURCE, key, NULL, "deleted");
}

const qr_index_summary *qr_indexer_summary(const qr_indexer *ix)
{
    return &ix->sum;
}

/* The i-th entry of a list, open: {"<key>":"<what>","reason":"<reason>"
 * (a comma before all but the first); the caller adds the rest. */
static int json_entry(qr_buf *out, size_t i, const char *key,
                      const char *what, const char *reason)
{
    int rc = qr_buf_printf(out, "%s{\"%s\":", i ? "," : "", key);
    if (rc == 0)
        rc = qr_buf_json_string(out, what, strlen(what));
    if (rc == 0)
        rc = qr_buf_puts(out, ",\"reason\":");
    if (rc == 0)
        rc = qr_buf_json_string(out, reason, strlen(reason));
    return rc;
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
        rc = json_entry(out, i, "source", k->where, k->reason);
        if (rc == 0)
            rc = qr_buf_printf(out, ",\"whole\":%s}", k->whole ? "true" : "false");
    }
    if (rc == 0)
        rc = qr_buf_puts(out, "],\"held\":[");
    for (size_t i = 0; rc == 0 && i < s->nheld; i++) {
        const qr_hold *h = &s->held[i];
        rc = json_entry(out, i, "root", h->root, h->reason);
        if (rc == 0)
            rc = qr_buf_printf(out, ",\"kept\":%zu}", h->kept);
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

/* Every database written keeps bookkeeping: the whole index, each shard,
 * each part of a new index (with its own counts). */
qr_status ix_send_rec(qr_indexer *ix, wr_job_kind kind, const src_rec *r,
                      int clear)
{
    return send_copies(ix, ix->nw, kind, r, clear, strlen(r->path));
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
    j->a.lang = dup_or_empty(a->lang);
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
        !j->a.author || !j->a.lang || !j->source_key || !j->display ||
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
        st = ix_send_rec(ix, WR_JOB_BEGIN, r, existed);
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
        st = ix_send_rec(ix, WR_JOB_END, r, 0);
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
            st = ix_send_rec(ix, WR_JOB_BEGIN, ix->cur, ix->cur->state != 'N');
        ix->cur_begun = 1;
        /* an article without a date of its own is dated by its file */
        qr_article dated = *a;
        if (!a->date[0] && ix->cur_date[0]) {
            dated.date = ix->cur_date;
            dated.flags |= QR_RECORD_DATE_FROM_FILE;
        }
        if (st == QR_OK)
            st = send_article(ix, &dated, ix->cur->path, ix->cur_display);
    }
    maybe_progress(ix);
    ix->cb_status = st;
    return st != QR_OK;
}

/* A problem inside a source. Those of a file wait until it is read
 * (ix->pending): whether they are parts skipped depends on whether the
 * file gave anything at all. */
static void on_reader_warning(void *ctx, const char *where, const char *reason)
{
    qr_indexer *ix = ctx;
    if (!ix->cur) {
        ix_skip(ix, where, reason, 0);
        return;
    }
    qr_skip *p = realloc(ix->pending, (ix->npending + 1) * sizeof *p);
    if (!p)
        return;
    ix->pending = p;
    p[ix->npending] = (qr_skip){strdup(where), strdup(reason),
                                strcmp(where, ix->cur_display) == 0};
    if (p[ix->npending].where && p[ix->npending].reason) {
        ix->npending++;
    } else {
        free(p[ix->npending].where);
        free(p[ix->npending].reason);
    }
}

/* The file just read gave articles: its warnings are parts skipped. Else
 * they are listed but not counted (the file is skipped whole), except
 * those about the file as a whole ("no text"), which the reason for the
 * skip says. Returns 1 if all of them were about the file as a whole. */
static int settle_warnings(qr_indexer *ix, int indexed)
{
    int all_whole = 1;
    for (size_t i = 0; i < ix->npending; i++)
        all_whole &= ix->pending[i].whole;
    for (size_t i = 0; i < ix->npending; i++) {
        qr_skip *k = &ix->pending[i];
        if (indexed)
            ix_skip(ix, k->where, k->reason, 0);
        else if (!all_whole)
            note(ix, k->where, k->reason);
        free(k->where);
        free(k->reason);
    }
    ix->npending = 0;
    return all_whole;
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

/* The local day of a modification time, YYYYMMDD ("" if out of range). */
static void day_of(int64_t mtime_ns, char out[9])
{
    time_t t = (time_t)(mtime_ns / 1000000000);
    struct tm tm;
    int ok = localtime_r(&t, &tm) && tm.tm_year >= 1 - 1900 &&
             tm.tm_year <= 9999 - 1900 && strftime(out, 9, "%Y%m%d", &tm) == 8;
    if (!ok)
        out[0] = '\0';
}

/* A file skipped whole: what the index had of it stays, except the
 * leftovers of a crashed run (a partial record), which go. */
static qr_status skip_file(qr_indexer *ix, src_rec *r, const char *display,
                           const char *reason)
{
    ix_skip(ix, display, reason, 1);
    if (r->state != 'P')
        return QR_OK;
    qr_status st = ix_send_rec(ix, WR_JOB_DROP, r, 0);
    r->state = 'N';
    return st;
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
    /* a forced pass redoes every source it has not rewritten yet */
    int stale = ix->forcing && r->gen != ix->gen;
    if (r->state == 'D' && r->mtime_ns == mtime_ns && r->size == size &&
        !stale) {
        ix->sum.unchanged++;
        event(ix, QR_EV_SOURCE, display, NULL, "unchanged");
        return QR_OK;
    }
    if (size == 0)
        return skip_file(ix, r, display, "empty file");
    uint64_t hash = 0;
    int e = hash_file(display, &hash);
    if (e != 0)
        return skip_file(ix, r, display, strerror(e));
    if (r->state == 'D' && r->size == size && r->hash == hash && !stale) {
        /* touched, not changed: remember the new time, keep the passages */
        r->mtime_ns = mtime_ns;
        ix->sum.unchanged++;
        event(ix, QR_EV_SOURCE, display, NULL, "unchanged");
        return ix_send_rec(ix, WR_JOB_TOUCH, r, 0);
    }

    char old_state = r->state;
    ix->cur = r;
    ix->cur_display = display;
    ix->cur_begun = 0;
    ix->cur_passages = ix->cur_articles = 0;
    day_of(mtime_ns, ix->cur_date);
    ix->cb_status = QR_OK;
    char *reason = NULL;
    qr_read_stats rs = {0};
    qr_status st = qr_read_source(display, display, QR_FMT_UNKNOWN, &ix->o.read,
                                  on_article, on_reader_warning, ix, &rs,
                                  &reason);
    ix->sum.bytes += rs.bytes_in;
    ix->cur = NULL;
    if (st == QR_ERR_STOPPED) {
        settle_warnings(ix, 1);
        free(reason);
        return ix->cb_status;   /* an index error: the run stops */
    }
    if (ix->cur_articles == 0) {
        /* nothing to index: skipped whole, keeping what the index had */
        int all_whole = settle_warnings(ix, 0);
        const char *why = st != QR_OK ? (reason ? reason : qr_status_str(st))
                        : all_whole ? "no text"
                        : "no article could be read (see the warnings above)";
        st = skip_file(ix, r, display, why);
        free(reason);
        return st;
    }
    settle_warnings(ix, 1);
    if (st != QR_OK)    /* stopped part-way: keep what was valid */
        ix_skip(ix, display, reason ? reason : qr_status_str(st), 0);
    free(reason);
    r->state = 'D';
    r->mtime_ns = mtime_ns;
    r->size = size;
    r->hash = hash;
    r->passages = ix->cur_passages;
    r->articles = ix->cur_articles;
    r->gen = ix->gen;
    st = ix_send_rec(ix, WR_JOB_END, r, 0);
    if (st != QR_OK)
        return st;
    if (old_state == 'N')
        ix->sum.added++;
    else
        ix->sum.updated++;
    event(ix, QR_EV_SOURCE, display, NULL, old_state == 'N' ? "added" : "updated");
    return QR_OK;
}

/* ---------------------------------------------------------------- run */

qr_status qr_indexer_run(qr_indexer *ix, const char *const *paths, size_t n,
                         qr_buf *err)
{
    ix->err = err;
    fd_files files;

    /* 1. find every source, so progress can show an ETA */
    qr_status st = fd_find(ix, paths, n, &files);
    for (size_t i = 0; st == QR_OK && i < files.n; i++) {
        if (files.dup[i])
            continue;
        ix->sum.bytes_total += files.e[i].size;
        ix->sum.sources_total++;
    }

    /* 2. index them: this thread reads, the writers write */
    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++) {
        st = wr_start(&ix->w[k]);
        if (st != QR_OK && err) {
            qr_buf_clear(err);
            qr_buf_puts(err, ix->w[k].err.data ? ix->w[k].err.data
                                               : qr_status_str(st));
        }
    }
    /* sources whose articles may be missing stay marked until redone,
     * whatever this run reads */
    for (size_t i = 0; st == QR_OK && i < ix->sources.n; i++)
        if (ix->sources.recs[i].redo)
            st = ix_send_rec(ix, WR_JOB_REDO, &ix->sources.recs[i], 0);
    for (size_t i = 0; st == QR_OK && i < files.n; i++) {
        if (files.dup[i])
            continue;
        char *key = fd_absolute(files.e[i].path);
        if (!key) {
            st = QR_ERR_NOMEM;
            break;
        }
        st = index_file(ix, files.e[i].path, key, files.e[i].size,
                        files.e[i].mtime_ns);
        free(key);
        maybe_progress(ix);
    }
    if (st == QR_OK && files.use_stdin) {
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
            ix_skip(ix, "-", reason ? reason : qr_status_str(rst),
                    rs.articles == 0);
        free(reason);
    }

    /* 3. what goes, what is held; then what the user named to go */
    if (st == QR_OK)
        st = pr_settle(ix);
    if (st == QR_OK)
        st = pr_delete_named(ix);
    if (st == QR_OK)
        st = send_meta(ix, QR_META_SCHEMA, QR_SCHEMA_VERSION);
    if (st == QR_OK)
        st = send_meta(ix, QR_META_LANG, ix->lang);
    if (st == QR_OK)
        st = send_meta(ix, QR_META_ACCENTS,
                       ix->exact_accents ? "exact" : "fold");
    if (st == QR_OK && ix->forcing)
        st = send_meta(ix, QR_META_FORCE, "");   /* the forced pass is done */

    /* 4. every writer commits (a shard of a new index also compacts
     * itself), all at once; a held --rebuild commits nothing more */
    int commit = st == QR_OK && !ix->discard;
    for (unsigned k = 0; k < ix->nw; k++)
        wr_close(&ix->w[k], commit);
    for (unsigned k = 0; k < ix->nw; k++)
        wr_join(&ix->w[k]);
    qr_status wst = wr_first_failure(ix->w, ix->nw, ix->err);
    if (wst != QR_OK)
        st = wst;          /* the writer's error explains the reader's stop */
    if (st == QR_OK && ix->fresh && ix->discard)
        ix->keep_build = 0;                   /* thrown away, not resumed */
    else if (st == QR_ERR_INDEX && ix->resumed)
        ix->keep_build = 0;     /* a build that fails again is not resumed */
    else if (st == QR_OK && ix->fresh)
        st = tg_finish_fresh(ix);
    ix->sum.seconds = qr_now() - ix->t0;
    fd_files_free(&files);
    return st;
}

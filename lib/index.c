#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"
#include "schema.h"
#include "stopwords.h"
#include "walk.h"
#include "xapian-c.h"

#define DEFAULT_BATCH_PASSAGES 20000

/* ------------------------------------------------------------ bookkeeping */

/* What the index remembers about one source (metadata "src:<key>"). */
typedef struct src_rec {
    char    *meta_key;    /* full metadata key                               */
    char    *path;        /* the source key: absolute path, or "-:<id>"      */
    int64_t  mtime_ns;
    uint64_t size;
    uint64_t hash;        /* qr_hash64 of the file's bytes                   */
    char     state;       /* 'D' done, 'P' partial (a run stopped mid-way)   */
    unsigned passages, articles;
    int      seen;        /* looked at during this run                       */
} src_rec;

/* Open-addressing table from source key to src_rec. */
typedef struct src_table {
    src_rec *recs;
    size_t   n, cap;
    size_t  *slots;       /* index + 1 into recs; 0 = empty                  */
    size_t   nslots;      /* power of two                                    */
} src_table;

static size_t slot_of(const src_table *t, const char *path)
{
    size_t mask = t->nslots - 1;
    size_t i = (size_t)qr_hash64(path, strlen(path), 7) & mask;
    while (t->slots[i] && strcmp(t->recs[t->slots[i] - 1].path, path) != 0)
        i = (i + 1) & mask;
    return i;
}

static src_rec *table_find(const src_table *t, const char *path)
{
    if (!t->nslots)
        return NULL;
    size_t i = slot_of(t, path);
    return t->slots[i] ? &t->recs[t->slots[i] - 1] : NULL;
}

static int table_grow(src_table *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 1024;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    for (size_t r = 0; r < t->n; r++)
        t->slots[slot_of(t, t->recs[r].path)] = r + 1;
    return 0;
}

/* Adds rec (taking its strings) unless its path is present. */
static src_rec *table_add(src_table *t, const src_rec *rec)
{
    if ((t->n + 1) * 2 > t->nslots && table_grow(t) != 0)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        src_rec *p = realloc(t->recs, cap * sizeof *p);
        if (!p)
            return NULL;
        t->recs = p;
        t->cap = cap;
    }
    size_t i = slot_of(t, rec->path);
    if (t->slots[i])
        return &t->recs[t->slots[i] - 1];
    t->recs[t->n] = *rec;
    t->slots[i] = ++t->n;
    return &t->recs[t->n - 1];
}

static void table_free(src_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->recs[i].meta_key);
        free(t->recs[i].path);
    }
    free(t->recs);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* Metadata value: "<state> <mtime_ns> <size> <hash> <passages> <articles>\n
 * <source key>". The key is stored in full because the metadata key may be
 * a hash of it. */
static int rec_format(const src_rec *r, qr_buf *out)
{
    qr_buf_clear(out);
    return qr_buf_printf(out, "%c %" PRId64 " %" PRIu64 " %016" PRIx64 " %u %u\n%s",
                         r->state, r->mtime_ns, r->size, r->hash, r->passages,
                         r->articles, r->path);
}

static int rec_parse(const char *key, const char *value, src_rec *r)
{
    const char *nl = strchr(value, '\n');
    if (!nl)
        return -1;
    char state;
    long long mtime;
    unsigned long long size, hash;
    unsigned passages, articles;
    if (sscanf(value, "%c %lld %llu %llx %u %u", &state, &mtime, &size, &hash,
               &passages, &articles) != 6)
        return -1;
    memset(r, 0, sizeof *r);
    r->meta_key = strdup(key);
    r->path = strdup(nl + 1);
    if (!r->meta_key || !r->path) {
        free(r->meta_key);
        free(r->path);
        return -1;
    }
    r->state = state;
    r->mtime_ns = mtime;
    r->size = size;
    r->hash = hash;
    r->passages = passages;
    r->articles = articles;
    return 0;
}

/* --------------------------------------------------------------- indexer */

struct qr_indexer {
    qr_index_opts     o;
    xc_db            *db;
    xc_termgen       *tg;
    char             *lang;
    src_table         sources;
    qr_index_summary  sum;
    double            t0, last_progress;
    unsigned          pending;       /* passages in the open transaction  */
    int               in_txn;
    qr_buf            scratch, term, meta;
    qr_span          *spans;

    /* the source being read */
    src_rec          *cur;           /* its bookkeeping (NULL for stdin)   */
    const char       *cur_display;   /* as shown to the user              */
    int               cur_cleared;   /* its old passages are deleted      */
    int               cur_marked;    /* marked partial in a commit        */
    unsigned          cur_passages, cur_articles;
    int               stdin_mode;
    qr_status         cb_status;     /* failure inside the article callback */
    qr_buf           *err;

    /* where this run writes */
    char             *target;        /* database directory opened          */
    char             *version;       /* its version name (stub layout)     */
    int               new_layout;    /* first run: write the stub          */
    int               lock_fd;       /* the writer lock, -1 if none        */
    char             *live_lang;     /* --rebuild: the live index's language */

    /* paths whose walk reported a problem: never treated as vanished */
    char            **protect;
    size_t            nprotect, protect_cap;
};

static void emit(qr_indexer *ix, qr_event_kind kind, const char *where,
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
        emit(ix, QR_EV_PROGRESS, NULL, NULL, NULL);
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
    emit(ix, whole ? QR_EV_SKIPPED : QR_EV_WARNING, where, reason, NULL);
}

static qr_status from_xc(qr_indexer *ix, xc_status st, const char *what)
{
    if (st == XC_OK)
        return QR_OK;
    if (ix->err) {
        qr_buf_clear(ix->err);
        qr_buf_printf(ix->err, "%s: %s (%s)", what, xc_db_errmsg(ix->db),
                      xc_status_str(st));
    }
    switch (st) {
    case XC_LOCKED: return QR_ERR_LOCKED;
    case XC_NOMEM: return QR_ERR_NOMEM;
    case XC_IO: return QR_ERR_IO;
    default: return QR_ERR_INDEX;
    }
}

static qr_status set_meta(qr_indexer *ix, const char *key, const qr_buf *value)
{
    return from_xc(ix, xc_db_set_metadata(ix->db, key, value->data, value->len),
                   "writing bookkeeping");
}

static qr_status write_rec(qr_indexer *ix, const src_rec *r)
{
    if (rec_format(r, &ix->meta) != 0)
        return QR_ERR_NOMEM;
    return set_meta(ix, r->meta_key, &ix->meta);
}

static qr_status txn_begin(qr_indexer *ix)
{
    qr_status st = from_xc(ix, xc_db_begin_transaction(ix->db, 1),
                           "starting a transaction");
    ix->in_txn = st == QR_OK;
    ix->pending = 0;
    return st;
}

static qr_status txn_commit(qr_indexer *ix)
{
    ix->in_txn = 0;
    return from_xc(ix, xc_db_commit_transaction(ix->db), "committing");
}

/* Commits the open batch and opens the next. When a source is half-written
 * its bookkeeping is first set to 'P', so that the commit never shows it as
 * done, and the next run redoes it if this one is interrupted. */
static qr_status commit_batch(qr_indexer *ix)
{
    qr_status st = QR_OK;
    if (ix->cur && !ix->cur_marked) {
        ix->cur->state = 'P';
        ix->cur->mtime_ns = -1;
        st = write_rec(ix, ix->cur);
        ix->cur_marked = 1;
    }
    if (st == QR_OK)
        st = txn_commit(ix);
    if (st == QR_OK)
        st = txn_begin(ix);
    return st;
}

static qr_status delete_source_docs(qr_indexer *ix, const char *source_key)
{
    if (qr_key_term(&ix->term, QR_TERM_SOURCE, source_key) != 0)
        return QR_ERR_NOMEM;
    return from_xc(ix, xc_db_delete_documents_by_term(ix->db, ix->term.data),
                   "deleting old passages");
}

/* Looks up (or creates, unsaved) the bookkeeping record for source key. */
static src_rec *source_rec(qr_indexer *ix, const char *key, int *is_new)
{
    src_rec *r = table_find(&ix->sources, key);
    *is_new = r == NULL;
    if (r)
        return r;
    src_rec fresh = {0};
    if (qr_key_term(&ix->term, QR_META_SOURCE, key) != 0)
        return NULL;
    fresh.meta_key = strdup(ix->term.data);
    fresh.path = strdup(key);
    fresh.state = 'N';     /* not in the index yet */
    if (!fresh.meta_key || !fresh.path || !(r = table_add(&ix->sources, &fresh))) {
        free(fresh.meta_key);
        free(fresh.path);
        return NULL;
    }
    return r;
}

/* Writes one article's passages. */
static qr_status write_article(qr_indexer *ix, const qr_article *a,
                               const qr_doc_keys *keys)
{
    size_t n = 0;
    free(ix->spans);
    ix->spans = NULL;
    if (qr_passage_split(a->body, a->body_len, &ix->o.split, &ix->spans, &n) != 0)
        return QR_ERR_NOMEM;
    if (n == 0) {
        /* a title without a body still deserves to be found */
        if (!(ix->spans = malloc(sizeof *ix->spans)))
            return QR_ERR_NOMEM;
        ix->spans[0] = (qr_span){0, 0};
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        xc_doc *doc = NULL;
        xc_status xs = xc_doc_new(&doc);
        if (xs == XC_OK)
            xs = qr_passage_doc(ix->tg, doc, a, keys, (unsigned)i, (unsigned)n,
                                ix->spans[i].start, ix->spans[i].end,
                                &ix->scratch);
        if (xs == XC_OK)
            xs = xc_db_add_document(ix->db, doc, NULL);
        xc_doc_free(doc);
        if (xs != XC_OK)
            return from_xc(ix, xs, "adding a passage");
    }
    ix->cur_passages += (unsigned)n;
    ix->cur_articles++;
    ix->sum.passages += n;
    ix->sum.articles++;
    ix->pending += (unsigned)n;
    return QR_OK;
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
    if (st == QR_OK && r->state != 'N')
        st = delete_source_docs(ix, r->path);
    unsigned before = ix->cur_passages;
    qr_doc_keys keys = {.source_key = key.data, .source = "-"};
    if (st == QR_OK)
        st = write_article(ix, a, &keys);
    if (st == QR_OK) {
        int existed = r->state != 'N';
        r->state = 'D';
        r->mtime_ns = 0;
        r->size = a->body_len;
        r->hash = qr_hash64(a->body, a->body_len, 0);
        r->passages = ix->cur_passages - before;
        r->articles = 1;
        r->seen = 1;
        st = write_rec(ix, r);
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
        if (!ix->cur_cleared && ix->cur->state != 'N')
            st = delete_source_docs(ix, ix->cur->path);
        ix->cur_cleared = 1;
        qr_doc_keys keys = {.source_key = ix->cur->path, .source = ix->cur_display};
        if (st == QR_OK)
            st = write_article(ix, a, &keys);
    }
    if (st == QR_OK && ix->pending >= ix->o.batch_passages)
        st = commit_batch(ix);
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
        emit(ix, QR_EV_SOURCE, display, NULL, "unchanged");
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
        emit(ix, QR_EV_SOURCE, display, NULL, "unchanged");
        return write_rec(ix, r);
    }

    char old_state = r->state;
    ix->cur = r;
    ix->cur_display = display;
    ix->cur_cleared = 0;
    ix->cur_marked = 0;
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
            st = delete_source_docs(ix, r->path);
            if (st == QR_OK)
                st = from_xc(ix, xc_db_set_metadata(ix->db, r->meta_key, "", 0),
                             "writing bookkeeping");
            r->state = 'N';
            return st;
        }
        return QR_OK;
    }
    if (st != QR_OK)    /* stopped part-way: keep what was valid */
        record_skip(ix, display, reason ? reason : qr_status_str(st), 0);
    free(reason);
    if (!ix->cur_cleared && old_state != 'N') {
        st = delete_source_docs(ix, r->path);   /* now validly empty */
        if (st != QR_OK)
            return st;
    }
    r->state = 'D';
    r->mtime_ns = mtime_ns;
    r->size = size;
    r->hash = hash;
    r->passages = ix->cur_passages;
    r->articles = ix->cur_articles;
    st = write_rec(ix, r);
    if (st != QR_OK)
        return st;
    if (old_state == 'N')
        ix->sum.added++;
    else
        ix->sum.updated++;
    emit(ix, QR_EV_SOURCE, display, NULL, old_state == 'N' ? "added" : "updated");
    if (ix->pending >= ix->o.batch_passages)
        return commit_batch(ix);
    return QR_OK;
}

/* Loads every "src:" record into the table. */
static int load_one_rec(void *ctx, const char *key, const char *value, size_t len)
{
    qr_indexer *ix = ctx;
    (void)len;
    src_rec r;
    if (rec_parse(key, value, &r) != 0)
        return 0;   /* unreadable record: --check reports it */
    if (!table_add(&ix->sources, &r)) {
        free(r.meta_key);
        free(r.path);
        return 1;
    }
    return 0;
}

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

static void on_walk_warning(void *ctx, const char *path, const char *reason)
{
    qr_indexer *ix = ctx;
    char *abs = absolute_path(path);
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
        qr_status s = delete_source_docs(ix, r->path);
        if (s == QR_OK)
            s = from_xc(ix, xc_db_set_metadata(ix->db, r->meta_key, "", 0),
                        "writing bookkeeping");
        if (s != QR_OK)
            return s;
        r->state = 'N';
        ix->sum.deleted++;
        emit(ix, QR_EV_SOURCE, r->path, NULL, "deleted");
        if (++ix->pending >= ix->o.batch_passages && (s = commit_batch(ix)) != QR_OK)
            return s;
    }
    return QR_OK;
}

static qr_status status_of(xc_status xs)
{
    return xs == XC_LOCKED ? QR_ERR_LOCKED
         : xs == XC_NOMEM ? QR_ERR_NOMEM
         : xs == XC_IO ? QR_ERR_IO : QR_ERR_INDEX;
}

/* Reads the language an existing database was built with (NULL if none). */
static qr_status read_lang(const char *dir, char **lang, qr_buf *err)
{
    xc_db *db = NULL;
    char *msg = NULL;
    *lang = NULL;
    xc_status xs = xc_db_open(dir, XC_DB_READONLY, 0, 0, &db, &msg);
    if (xs == XC_OK) {
        size_t len;
        xs = xc_db_get_metadata(db, QR_META_LANG, lang, &len);
        if (xs != XC_OK)
            msg = strdup(xc_db_errmsg(db));
        xc_db_close(db);
    }
    if (xs != XC_OK) {
        qr_buf_printf(err, "cannot read index %s: %s", dir,
                      msg ? msg : xc_status_str(xs));
        free(msg);
        return status_of(xs);
    }
    return QR_OK;
}

/* Decides which database this run writes, and takes the writer lock:
 *  - a Quarry index (or a new one): the lock file, then the live version,
 *    or for --rebuild a new version built beside it;
 *  - a plain glass directory or a stub file: opened as it is, with
 *    xapian-core's own lock (no --rebuild). */
static qr_status open_target(qr_indexer *ix, qr_buf *err)
{
    const char *path = ix->o.db_path;
    qr_layout_kind kind = qr_layout_probe(path);
    if (kind == QR_LAYOUT_OTHER) {
        qr_buf_printf(err, "%s is not an index (a directory with other files, "
                      "or not a directory); refusing to write an index there", path);
        return QR_ERR_USAGE;
    }
    if (kind == QR_LAYOUT_GLASS || kind == QR_LAYOUT_STUB_FILE) {
        if (ix->o.rebuild) {
            qr_buf_printf(err, "%s is a plain Xapian database, not a Quarry "
                          "index; --rebuild needs a Quarry index", path);
            return QR_ERR_USAGE;
        }
        ix->target = strdup(path);
        return ix->target ? QR_OK : QR_ERR_NOMEM;
    }

    qr_status st = qr_layout_lock(path, ix->o.wait_seconds, &ix->lock_fd, err);
    if (st != QR_OK)
        return st;
    /* leftovers of interrupted rebuilds, versions retired by the last one */
    qr_layout_cleanup(path);
    char *live = qr_layout_live(path);
    qr_buf dir = {0};
    if (ix->o.rebuild) {
        if (live) {
            qr_buf_printf(&dir, "%s/%s", path, live);
            st = read_lang(dir.data, &ix->live_lang, err);
            qr_buf_clear(&dir);
        }
        ix->version = qr_layout_next_version(path);
        if (st == QR_OK && (!ix->version ||
                            qr_buf_printf(&dir, "%s/%s.build", path, ix->version) != 0))
            st = QR_ERR_NOMEM;
    } else {
        ix->version = live ? strdup(live) : strdup("v000001");
        if (!ix->version || qr_buf_printf(&dir, "%s/%s", path, ix->version) != 0)
            st = QR_ERR_NOMEM;
        ix->new_layout = live == NULL;
    }
    free(live);
    if (st == QR_OK)
        ix->target = qr_buf_steal(&dir);
    qr_buf_free(&dir);
    return st;
}

qr_status qr_indexer_open(const qr_index_opts *opts, qr_indexer **out,
                          qr_buf *err)
{
    qr_indexer *ix = calloc(1, sizeof *ix);
    if (!ix)
        return QR_ERR_NOMEM;
    ix->o = *opts;
    ix->err = err;
    ix->lock_fd = -1;
    ix->t0 = ix->last_progress = qr_now();
    qr_split_opts defs = qr_split_defaults();
    if (!ix->o.split.target_words)
        ix->o.split = defs;
    if (!ix->o.batch_passages)
        ix->o.batch_passages = DEFAULT_BATCH_PASSAGES;

    qr_status st = open_target(ix, err);
    if (st != QR_OK)
        goto fail;

    char *msg = NULL;
    xc_status xs = xc_db_open(ix->target,
                              ix->o.rebuild ? XC_DB_CREATE_OR_OVERWRITE
                                            : XC_DB_CREATE_OR_OPEN,
                              ix->o.rebuild ? XC_DB_NO_SYNC : 0,
                              opts->wait_seconds, &ix->db, &msg);
    if (xs != XC_OK) {
        qr_buf_printf(err, "cannot open index %s: %s", opts->db_path,
                      msg ? msg : xc_status_str(xs));
        free(msg);
        st = status_of(xs);
        goto fail;
    }
    if (ix->new_layout) {
        /* a new index: readers find it through the stub from now on */
        st = qr_layout_switch(opts->db_path, ix->version, err);
        if (st != QR_OK)
            goto fail;
    }

    /* The index keeps its language; the query tool reads it back. A
     * rebuild takes the live index's unless --lang says otherwise. */
    char *lang = NULL;
    size_t len = 0;
    if (ix->o.rebuild) {
        lang = ix->live_lang;
        ix->live_lang = NULL;
        if (opts->lang) {
            free(lang);
            lang = NULL;
        }
    } else {
        xs = xc_db_get_metadata(ix->db, QR_META_LANG, &lang, &len);
        if (xs != XC_OK) {
            st = from_xc(ix, xs, "reading the index's language");
            goto fail;
        }
    }
    if (lang && opts->lang && strcmp(lang, opts->lang) != 0) {
        qr_buf_printf(err, "index %s was built with --lang %s; use --rebuild "
                      "to change the language", opts->db_path, lang);
        free(lang);
        st = QR_ERR_USAGE;
        goto fail;
    }
    ix->lang = lang ? lang : strdup(opts->lang ? opts->lang : QR_DEFAULT_LANG);
    if (!ix->lang) {
        st = QR_ERR_NOMEM;
        goto fail;
    }

    xc_stem *stem = NULL;
    xs = xc_stem_new(ix->lang, &stem, &msg);
    if (xs != XC_OK) {
        qr_buf_printf(err, "unknown language '%s' (known: %s)", ix->lang,
                      xc_stem_languages());
        free(msg);
        st = QR_ERR_USAGE;
        goto fail;
    }
    xs = xc_termgen_new(&ix->tg, &msg);
    if (xs == XC_OK)
        xs = xc_termgen_set_stemmer(ix->tg, stem);
    if (xs == XC_OK)
        xs = xc_termgen_set_stemming_strategy(ix->tg, XC_STEM_ALL);
    xc_stem_free(stem);
    if (xs != XC_OK) {
        qr_buf_printf(err, "cannot set up the term generator: %s",
                      msg ? msg : xc_status_str(xs));
        free(msg);
        st = QR_ERR_INDEX;
        goto fail;
    }

    xs = xc_db_metadata_each(ix->db, QR_META_SOURCE, load_one_rec, ix);
    if (xs != XC_OK) {
        st = from_xc(ix, xs, "reading bookkeeping");
        goto fail;
    }
    *out = ix;
    return QR_OK;
fail:
    qr_indexer_free(ix);
    return st;
}

/* --rebuild, once every source is in: compact the new version into its
 * final place, switch the stub to it, retire the old one. Until the switch
 * the live index is untouched; anything left behind by a failure here is
 * removed by the next run. */
static qr_status finish_rebuild(qr_indexer *ix)
{
    qr_status st = QR_OK;
    xc_db_close(ix->db);     /* everything was committed */
    ix->db = NULL;
    qr_buf final = {0};
    char *msg = NULL;
    if (qr_buf_printf(&final, "%s/%s", ix->o.db_path, ix->version) != 0)
        return QR_ERR_NOMEM;
    const char *src[] = {ix->target};
    xc_status xs = xc_compact(src, 1, final.data, 0, &msg);
    if (xs != XC_OK) {
        qr_buf_clear(ix->err);
        qr_buf_printf(ix->err, "compacting the rebuilt index: %s",
                      msg ? msg : xc_status_str(xs));
        free(msg);
        st = status_of(xs);
    } else if (qr_sync_tree(final.data) != 0) {
        qr_buf_clear(ix->err);
        qr_buf_printf(ix->err, "syncing %s: %s", final.data, strerror(errno));
        st = QR_ERR_IO;
    } else {
        st = qr_layout_switch(ix->o.db_path, ix->version, ix->err);
    }
    qr_remove_tree(ix->target);
    if (st == QR_OK)
        qr_layout_cleanup(ix->o.db_path);    /* the old live version */
    else
        qr_remove_tree(final.data);
    qr_buf_free(&final);
    return st;
}

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
            if (qr_walk(paths[i], &files, &nfiles, &cap, on_walk_warning, ix) != 0)
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

    /* 2. index them, in batches */
    if (st == QR_OK)
        st = txn_begin(ix);
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
    if (st == QR_OK) {
        qr_buf v = {0};
        if (qr_buf_puts(&v, QR_SCHEMA_VERSION) == 0)
            st = set_meta(ix, QR_META_SCHEMA, &v);
        qr_buf_clear(&v);
        if (st == QR_OK && qr_buf_puts(&v, ix->lang) == 0)
            st = set_meta(ix, QR_META_LANG, &v);
        qr_buf_free(&v);
    }
    if (st == QR_OK)
        st = txn_commit(ix);
    if (st == QR_OK && ix->o.rebuild)
        st = finish_rebuild(ix);
    else if (st != QR_OK && ix->in_txn) {
        xc_db_cancel_transaction(ix->db);
        ix->in_txn = 0;
    }
    ix->sum.seconds = qr_now() - ix->t0;

    qr_walk_entries_free(files, nfiles);
    for (size_t i = 0; i < nroots; i++)
        free(roots[i]);
    free(roots);
    return st;
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

void qr_indexer_free(qr_indexer *ix)
{
    if (!ix)
        return;
    if (ix->in_txn)
        xc_db_cancel_transaction(ix->db);
    xc_termgen_free(ix->tg);
    xc_db_close(ix->db);
    if (ix->o.rebuild && ix->target)
        qr_remove_tree(ix->target);      /* an unfinished rebuild */
    qr_layout_unlock(ix->lock_fd);
    free(ix->target);
    free(ix->version);
    free(ix->live_lang);
    free(ix->lang);
    table_free(&ix->sources);
    for (size_t i = 0; i < ix->sum.nskips; i++) {
        free(ix->sum.skips[i].where);
        free(ix->sum.skips[i].reason);
    }
    free(ix->sum.skips);
    for (size_t i = 0; i < ix->nprotect; i++)
        free(ix->protect[i]);
    free(ix->protect);
    qr_buf_free(&ix->scratch);
    qr_buf_free(&ix->term);
    qr_buf_free(&ix->meta);
    free(ix->spans);
    free(ix);
}

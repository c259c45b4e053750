#include "index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "passage_doc.h"
#include "schema.h"
#include "analysis.h"
#include "walk.h"
#include "xapian-c.h"

#define DEFAULT_BATCH_PASSAGES 20000

/* Bytes of articles queued for one writer before the reader waits: the
 * bound on the memory the queues take, whatever the corpus size. */
#define QUEUE_BYTES (4u << 20)

/* Documents xapian-core buffers in memory before it flushes them to its
 * tables (XAPIAN_FLUSH_THRESHOLD; its default is 10000). Measured on
 * Reuters-21578 (21,578 stories): 10000 takes 28.9 s of CPU and 127 MB,
 * 2500 23.6 s and 45 MB, 1000 20.6 s and 28 MB, 500 19.3 s and 22 MB: a
 * smaller buffer is faster (its maps stay in cache) and smaller. 1000
 * keeps flushes few enough that large incremental runs do not pay for
 * them in write amplification. */
#define FLUSH_THRESHOLD "1000"

/* Writers a new unsharded database is built with (then compacted into
 * one): the machine kind this is measured on has two cores. */
#define BUILD_PARTS 2

/* Stems each writer's term generator remembers (xc_stem_new_cached): a
 * lookup instead of a Snowball run for most words. 64 bytes a slot: 4 MB
 * per writer, whatever the corpus. */
#define STEM_CACHE_WORDS 65536

/* ------------------------------------------------------------ bookkeeping */

/* What the index remembers about one source (metadata "src:<key>"). */
typedef struct src_rec {
    char    *meta_key;    /* full metadata key                               */
    char    *path;        /* the source key: absolute path, or "-:<id>"      */
    int64_t  mtime_ns;
    uint64_t size;
    uint64_t hash;        /* qr_hash64 of the file's bytes                   */
    char     state;       /* 'D' done, 'P' partial (a run stopped mid-way),
                             'N' not in the index                            */
    unsigned passages, articles;
    uint64_t gen;         /* the run that wrote it (shards must agree)       */
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

/* Metadata value: "<state> <mtime_ns> <size> <hash> <passages> <articles>
 * <gen>\n<source key>". The key is stored in full because the metadata key
 * may be a hash of it. gen (the run that wrote the record) came later:
 * older records lack it (read as 0). */
static int rec_format(const src_rec *r, qr_buf *out)
{
    qr_buf_clear(out);
    return qr_buf_printf(out, "%c %" PRId64 " %" PRIu64 " %016" PRIx64
                         " %u %u %" PRIu64 "\n%s", r->state, r->mtime_ns,
                         r->size, r->hash, r->passages, r->articles, r->gen,
                         r->path);
}

static int rec_parse(const char *key, const char *value, src_rec *r)
{
    const char *nl = strchr(value, '\n');
    if (!nl)
        return -1;
    char state;
    long long mtime;
    unsigned long long size, hash, gen = 0;
    unsigned passages, articles;
    int n = sscanf(value, "%c %lld %llu %llx %u %u %llu", &state, &mtime,
                   &size, &hash, &passages, &articles, &gen);
    if (n < 6 || (state != 'D' && state != 'P'))
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
    r->gen = n == 7 ? gen : 0;
    return 0;
}

/* Two shards agree on a source when they hold the same version of it,
 * written by the same run. */
static int rec_agree(const src_rec *a, const src_rec *b)
{
    return a->state == b->state && a->mtime_ns == b->mtime_ns &&
           a->size == b->size && a->hash == b->hash && a->gen == b->gen;
}

static int rec_copy(src_rec *dst, const src_rec *src)
{
    *dst = *src;
    dst->meta_key = strdup(src->meta_key);
    dst->path = strdup(src->path);
    if (dst->meta_key && dst->path)
        return 0;
    free(dst->meta_key);
    free(dst->path);
    dst->meta_key = dst->path = NULL;
    return -1;
}

/* ---------------------------------------------------------------- writers */

/* What the reading thread asks a writer to do, in order. */
typedef enum job_kind {
    JOB_ARTICLE,   /* add an article's passages                            */
    JOB_BEGIN,     /* a source starts: delete its old passages if `clear`;
                      a batch committed before JOB_END marks it 'P'       */
    JOB_END,       /* the source is done: write its record                */
    JOB_DROP,      /* delete the source's passages and its record         */
    JOB_TOUCH,     /* the source is unchanged but its mtime moved         */
    JOB_META       /* set a metadata key (key = rec.meta_key, value = path) */
} job_kind;

typedef struct job {
    struct job *next;
    job_kind    kind;
    src_rec     rec;          /* BEGIN/END/DROP/TOUCH: the record (owned)  */
    int         clear;        /* BEGIN: delete the old passages            */
    qr_article  a;            /* ARTICLE: a copy (owned strings)           */
    char       *source_key;   /* ARTICLE                                    */
    char       *display;      /* ARTICLE: the source as shown               */
    qr_span    *spans;        /* ARTICLE: its passages                      */
    size_t      nspans;
    size_t      bytes;        /* what it holds, for the queue's bound       */
} job;

static void job_free(job *j)
{
    if (!j)
        return;
    free(j->rec.meta_key);
    free(j->rec.path);
    free((char *)j->a.id);
    free((char *)j->a.title);
    free((char *)j->a.body);
    free((char *)j->a.url);
    free((char *)j->a.date);
    free((char *)j->a.author);
    free(j->source_key);
    free(j->display);
    free(j->spans);
    free(j);
}

typedef struct writer {
    unsigned          batch;         /* commit after this many passages    */
    char             *path;          /* the database it writes             */
    char             *compact_to;    /* compact into this path at the end  */
    int               own_counts;    /* records count its own passages (a
                                        shard, or the only database); else
                                        the reader's totals (a part)      */
    xc_db            *db;
    xc_termgen       *tg;
    unsigned          pending;       /* passages in the open transaction   */
    int               in_txn;
    qr_buf            scratch, term, meta;

    /* the source being written */
    int               in_source;
    src_rec           cur;           /* its record (owned strings)         */
    int               cur_marked;    /* marked partial in a commit         */
    unsigned          cur_passages;  /* its passages in this database      */
    unsigned          cur_articles;  /* its articles in this database      */

    /* the queue from the reading thread */
    pthread_t         thread;
    int               started;
    pthread_mutex_t   mu;
    pthread_cond_t    nonempty, space;
    job              *head, *tail;
    size_t            queued;        /* bytes queued                        */
    int               closing;       /* no more jobs will come              */
    int               commit_at_end; /* commit (else cancel) when closing   */

    qr_status         status;        /* first failure; the writer then only
                                        drains its queue                    */
    qr_buf            err;
} writer;

static qr_status w_fail(writer *w, xc_status st, const char *what)
{
    if (st == XC_OK)
        return QR_OK;
    qr_buf_clear(&w->err);
    qr_buf_printf(&w->err, "%s: %s (%s)", what, xc_db_errmsg(w->db),
                  xc_status_str(st));
    switch (st) {
    case XC_LOCKED: return QR_ERR_LOCKED;
    case XC_NOMEM: return QR_ERR_NOMEM;
    case XC_IO: return QR_ERR_IO;
    default: return QR_ERR_INDEX;
    }
}

static qr_status w_write_rec(writer *w, const src_rec *r)
{
    if (rec_format(r, &w->meta) != 0)
        return QR_ERR_NOMEM;
    return w_fail(w, xc_db_set_metadata(w->db, r->meta_key, w->meta.data,
                                        w->meta.len), "writing bookkeeping");
}

static qr_status w_txn_begin(writer *w)
{
    qr_status st = w_fail(w, xc_db_begin_transaction(w->db, 1),
                          "starting a transaction");
    w->in_txn = st == QR_OK;
    w->pending = 0;
    return st;
}

static qr_status w_txn_commit(writer *w)
{
    w->in_txn = 0;
    return w_fail(w, xc_db_commit_transaction(w->db), "committing");
}

/* Commits the open batch and opens the next. When a source is half-written
 * its bookkeeping is first set to 'P', so that the commit never shows it as
 * done, and the next run redoes it if this one is interrupted. */
static qr_status w_commit_batch(writer *w)
{
    qr_status st = QR_OK;
    if (w->in_source && !w->cur_marked) {
        src_rec p = w->cur;
        p.state = 'P';
        p.mtime_ns = -1;
        p.passages = w->cur_passages;
        st = w_write_rec(w, &p);
        w->cur_marked = 1;
    }
    if (st == QR_OK)
        st = w_txn_commit(w);
    if (st == QR_OK)
        st = w_txn_begin(w);
    return st;
}

static qr_status w_delete_source(writer *w, const char *source_key)
{
    if (qr_key_term(&w->term, QR_TERM_SOURCE, source_key) != 0)
        return QR_ERR_NOMEM;
    return w_fail(w, xc_db_delete_documents_by_term(w->db, w->term.data),
                  "deleting old passages");
}

static qr_status w_article(writer *w, const job *j)
{
    qr_doc_keys keys = {.source_key = j->source_key, .source = j->display};
    for (size_t i = 0; i < j->nspans; i++) {
        xc_doc *doc = NULL;
        qr_status st = w_fail(w, xc_doc_new(&doc), "making a passage");
        if (st == QR_OK) {
            st = qr_passage_doc(w->tg, doc, &j->a, &keys, (unsigned)i,
                                (unsigned)j->nspans, j->spans[i].start,
                                j->spans[i].end, &w->scratch);
            if (st != QR_OK) {
                qr_buf_clear(&w->err);
                qr_buf_printf(&w->err, "making a passage: %s (%s)",
                              xc_termgen_errmsg(w->tg), qr_status_str(st));
            }
        }
        if (st == QR_OK)
            st = w_fail(w, xc_db_add_document(w->db, doc, NULL),
                        "adding a passage");
        xc_doc_free(doc);
        if (st != QR_OK)
            return st;
    }
    w->cur_passages += (unsigned)j->nspans;
    w->cur_articles++;
    w->pending += (unsigned)j->nspans;
    return QR_OK;
}

static qr_status w_touch(writer *w, const src_rec *r)
{
    char *old = NULL;
    size_t len = 0;
    qr_status st = w_fail(w, xc_db_get_metadata(w->db, r->meta_key, &old, &len),
                          "reading bookkeeping");
    src_rec cur;
    if (st == QR_OK && old && rec_parse(r->meta_key, old, &cur) == 0) {
        cur.mtime_ns = r->mtime_ns;
        st = w_write_rec(w, &cur);
        free(cur.meta_key);
        free(cur.path);
    }
    free(old);
    return st;
}

static qr_status w_run_job(writer *w, job *j)
{
    qr_status st = QR_OK;
    switch (j->kind) {
    case JOB_ARTICLE:
        st = w_article(w, j);
        break;
    case JOB_BEGIN:
        if (j->clear)
            st = w_delete_source(w, j->rec.path);
        free(w->cur.meta_key);
        free(w->cur.path);
        w->cur = j->rec;                 /* takes the strings */
        j->rec.meta_key = j->rec.path = NULL;
        w->in_source = 1;
        w->cur_marked = 0;
        w->cur_passages = 0;
        w->cur_articles = 0;
        break;
    case JOB_END:
        if (w->own_counts) {
            j->rec.passages = w->in_source ? w->cur_passages : 0;
            j->rec.articles = w->in_source ? w->cur_articles : 0;
        }
        st = w_write_rec(w, &j->rec);
        w->in_source = 0;
        w->pending++;
        break;
    case JOB_DROP:
        st = w_delete_source(w, j->rec.path);
        if (st == QR_OK)
            st = w_fail(w, xc_db_set_metadata(w->db, j->rec.meta_key, "", 0),
                        "writing bookkeeping");
        w->pending++;
        break;
    case JOB_TOUCH:
        st = w_touch(w, &j->rec);
        w->pending++;
        break;
    case JOB_META:
        st = w_fail(w, xc_db_set_metadata(w->db, j->rec.meta_key, j->rec.path,
                                          strlen(j->rec.path)),
                    "writing metadata");
        break;
    }
    if (st == QR_OK && w->pending >= w->batch)
        st = w_commit_batch(w);
    return st;
}

static void *writer_main(void *arg);

/* Hands j to w, waiting while w's queue is full. Takes j whatever happens.
 * Returns the writer's failure if it has failed. */
static qr_status w_push(writer *w, job *j)
{
    pthread_mutex_lock(&w->mu);
    while (w->queued > 0 && w->queued + j->bytes > QUEUE_BYTES &&
           w->status == QR_OK)
        pthread_cond_wait(&w->space, &w->mu);
    qr_status st = w->status;
    if (st == QR_OK) {
        j->next = NULL;
        if (w->tail)
            w->tail->next = j;
        else
            w->head = j;
        w->tail = j;
        w->queued += j->bytes;
        pthread_cond_signal(&w->nonempty);
    }
    pthread_mutex_unlock(&w->mu);
    if (st != QR_OK)
        job_free(j);
    return st;
}

static void *writer_main(void *arg)
{
    writer *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->closing)
            pthread_cond_wait(&w->nonempty, &w->mu);
        job *j = w->head;
        if (j) {
            w->head = j->next;
            if (!w->head)
                w->tail = NULL;
            w->queued -= j->bytes;
            pthread_cond_signal(&w->space);
        }
        qr_status failed = w->status;
        pthread_mutex_unlock(&w->mu);
        if (!j)
            break;
        qr_status st = failed == QR_OK ? w_run_job(w, j) : failed;
        job_free(j);
        if (st != QR_OK && failed == QR_OK) {
            pthread_mutex_lock(&w->mu);
            w->status = st;
            pthread_cond_broadcast(&w->space);   /* wake a waiting reader */
            pthread_mutex_unlock(&w->mu);
        }
    }
    /* closing: commit what is left, or give it up */
    qr_status st = w->status;
    if (st == QR_OK && w->commit_at_end && w->in_txn)
        st = w_txn_commit(w);
    if (w->in_txn) {
        xc_db_cancel_transaction(w->db);
        w->in_txn = 0;
    }
    if (st == QR_OK && w->commit_at_end && w->compact_to) {
        /* a shard of a new index: compact it into its final place */
        xc_db_close(w->db);
        w->db = NULL;
        char *msg = NULL;
        const char *src[] = {w->path};
        xc_status xs = xc_compact(src, 1, w->compact_to, 0, &msg);
        if (xs != XC_OK) {
            qr_buf_clear(&w->err);
            qr_buf_printf(&w->err, "compacting %s: %s", w->path,
                          msg ? msg : xc_status_str(xs));
            st = QR_ERR_INDEX;
        } else if (qr_sync_tree(w->compact_to) != 0) {
            qr_buf_clear(&w->err);
            qr_buf_printf(&w->err, "syncing %s: %s", w->compact_to,
                          strerror(errno));
            st = QR_ERR_IO;
        }
        free(msg);
    }
    pthread_mutex_lock(&w->mu);
    w->status = st;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Opens w's database and term generator. Called on the reading thread
 * before the writer's thread starts. */
static qr_status w_open(writer *w, const char *lang, int create, int wait,
                        qr_buf *err)
{
    char *msg = NULL;
    xc_status xs = xc_db_open(w->path, create ? XC_DB_CREATE_OR_OVERWRITE
                                              : XC_DB_CREATE_OR_OPEN,
                              create ? XC_DB_NO_SYNC : 0, wait, &w->db, &msg);
    if (xs != XC_OK) {
        qr_buf_printf(err, "cannot open index %s: %s", w->path,
                      msg ? msg : xc_status_str(xs));
        free(msg);
        return xs == XC_LOCKED ? QR_ERR_LOCKED
             : xs == XC_NOMEM ? QR_ERR_NOMEM
             : xs == XC_IO ? QR_ERR_IO : QR_ERR_INDEX;
    }
    xc_stem *stem = NULL;
    xs = xc_stem_new_cached(lang, STEM_CACHE_WORDS, &stem, &msg);
    if (xs == XC_OK)
        xs = xc_termgen_new(&w->tg, &msg);
    if (xs == XC_OK)
        xs = xc_termgen_set_stemmer(w->tg, stem);
    if (xs == XC_OK)
        xs = xc_termgen_set_stemming_strategy(w->tg, XC_STEM_ALL);
    xc_stem_free(stem);
    if (xs != XC_OK) {
        qr_buf_printf(err, "cannot set up the term generator: %s",
                      msg ? msg : xc_status_str(xs));
        free(msg);
        return QR_ERR_INDEX;
    }
    return QR_OK;
}

static qr_status w_start(writer *w)
{
    qr_status st = w_txn_begin(w);
    if (st != QR_OK)
        return st;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        xc_db_cancel_transaction(w->db);
        w->in_txn = 0;
        qr_buf_printf(&w->err, "cannot start a writer thread: %s",
                      strerror(errno));
        return QR_ERR_NOMEM;
    }
    w->started = 1;
    return QR_OK;
}

/* Tells w no more jobs come; commit decides whether what it holds is
 * committed (else it is cancelled). */
static void w_close(writer *w, int commit)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    w->commit_at_end = commit;
    pthread_cond_signal(&w->nonempty);
    pthread_mutex_unlock(&w->mu);
}

/* Waits for w's thread (after w_close). Returns its status. */
static qr_status w_join(writer *w)
{
    if (w->started) {
        pthread_join(w->thread, NULL);
        w->started = 0;
    }
    return w->status;
}

static void w_free(writer *w)
{
    if (w->started) {
        w_close(w, 0);
        w_join(w);
    }
    if (w->in_txn)
        xc_db_cancel_transaction(w->db);
    xc_termgen_free(w->tg);
    xc_db_close(w->db);
    for (job *j = w->head, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    free(w->path);
    free(w->compact_to);
    free(w->cur.meta_key);
    free(w->cur.path);
    qr_buf_free(&w->scratch);
    qr_buf_free(&w->term);
    qr_buf_free(&w->meta);
    qr_buf_free(&w->err);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->nonempty);
    pthread_cond_destroy(&w->space);
}

/* --------------------------------------------------------------- indexer */

struct qr_indexer {
    qr_index_opts     o;
    char             *lang;
    src_table         sources;       /* every source known to the index; for
                                        shards, 'P' where they disagree   */
    qr_index_summary  sum;
    double            t0, last_progress;
    uint64_t          gen;           /* this run's id, written in records  */
    qr_buf            term;

    /* the source being read */
    src_rec          *cur;           /* its bookkeeping (NULL for stdin)   */
    const char       *cur_display;   /* as shown to the user              */
    int               cur_begun;     /* JOB_BEGIN sent (old passages go)  */
    unsigned          cur_passages, cur_articles;
    int               stdin_mode;
    qr_status         cb_status;     /* failure inside the article callback */
    qr_buf           *err;

    /* where this run writes */
    writer           *w;
    unsigned          nw;
    unsigned          nshards;       /* 0: one database                    */
    int               parts;         /* the writers build parts of one new
                                        database, compacted at the end    */
    int               fresh;         /* building a new version (rebuild, or
                                        the first run): switch at the end */
    char             *version;       /* the version written                */
    char             *build_dir;     /* fresh: PATH/vN.build               */
    char             *final_dir;     /* fresh: PATH/vN                     */
    int               lock_fd;       /* the writer lock, -1 if none        */
    char             *live_lang;     /* the live index's language          */
    int               live_empty;    /* the live index has no sources      */

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

static qr_status status_of(xc_status xs)
{
    return xs == XC_LOCKED ? QR_ERR_LOCKED
         : xs == XC_NOMEM ? QR_ERR_NOMEM
         : xs == XC_IO ? QR_ERR_IO : QR_ERR_INDEX;
}

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

/* Sends a bookkeeping job (a copy of r) to every writer that keeps
 * records. */
static qr_status send_rec(qr_indexer *ix, job_kind kind, const src_rec *r,
                          int clear)
{
    for (unsigned k = 0; k < record_writers(ix); k++) {
        job *j = calloc(1, sizeof *j);
        if (!j || rec_copy(&j->rec, r) != 0) {
            free(j);
            return QR_ERR_NOMEM;
        }
        j->kind = kind;
        j->clear = clear;
        j->bytes = sizeof *j + strlen(r->path);
        qr_status st = w_push(&ix->w[k], j);
        if (st != QR_OK)
            return st;
    }
    return QR_OK;
}

static qr_status send_meta(qr_indexer *ix, const char *key, const char *value)
{
    for (unsigned k = 0; k < ix->nw; k++) {
        job *j = calloc(1, sizeof *j);
        if (!j)
            return QR_ERR_NOMEM;
        j->kind = JOB_META;
        j->rec.meta_key = strdup(key);
        j->rec.path = strdup(value);
        j->bytes = sizeof *j;
        if (!j->rec.meta_key || !j->rec.path) {
            job_free(j);
            return QR_ERR_NOMEM;
        }
        qr_status st = w_push(&ix->w[k], j);
        if (st != QR_OK)
            return st;
    }
    return QR_OK;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* Splits an article into passages and hands it to its writer. */
static qr_status send_article(qr_indexer *ix, const qr_article *a,
                              const char *source_key, const char *display)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return QR_ERR_NOMEM;
    j->kind = JOB_ARTICLE;
    if (qr_passage_split(a->body, a->body_len, &ix->o.split, &j->spans,
                         &j->nspans) != 0) {
        job_free(j);
        return QR_ERR_NOMEM;
    }
    if (j->nspans == 0) {
        /* a title without a body still deserves to be found */
        free(j->spans);
        if (!(j->spans = malloc(sizeof *j->spans))) {
            job_free(j);
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
    j->source_key = strdup(source_key);
    j->display = strdup(display);
    if (!body || !j->a.id || !j->a.title || !j->a.url || !j->a.date ||
        !j->a.author || !j->source_key || !j->display) {
        job_free(j);
        return QR_ERR_NOMEM;
    }
    size_t np = j->nspans;
    j->bytes = sizeof *j + a->body_len + strlen(a->title) +
               np * (sizeof *j->spans + 64);
    qr_status st = w_push(&ix->w[writer_of(ix, a->id)], j);
    if (st != QR_OK)
        return st;
    ix->cur_passages += (unsigned)np;
    ix->cur_articles++;
    ix->sum.passages += np;
    ix->sum.articles++;
    return QR_OK;
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
        st = send_rec(ix, JOB_BEGIN, r, existed);
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
        st = send_rec(ix, JOB_END, r, 0);
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
            st = send_rec(ix, JOB_BEGIN, ix->cur, ix->cur->state != 'N');
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
        return send_rec(ix, JOB_TOUCH, r, 0);
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
            st = send_rec(ix, JOB_DROP, r, 0);
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
        st = send_rec(ix, JOB_BEGIN, r, old_state != 'N');
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
    st = send_rec(ix, JOB_END, r, 0);
    if (st != QR_OK)
        return st;
    if (old_state == 'N')
        ix->sum.added++;
    else
        ix->sum.updated++;
    emit(ix, QR_EV_SOURCE, display, NULL, old_state == 'N' ? "added" : "updated");
    return QR_OK;
}

/* Loading the bookkeeping of every database written. The first one's
 * records make the table; any other shard that disagrees on a source (or
 * lacks it, or has one the first lacks) turns it 'P', so it is redone. */
typedef struct loader {
    qr_indexer *ix;
    unsigned shard;
    int nomem;
} loader;

static int load_one_rec(void *ctx, const char *key, const char *value, size_t len)
{
    loader *l = ctx;
    qr_indexer *ix = l->ix;
    (void)len;
    src_rec r;
    if (rec_parse(key, value, &r) != 0)
        return 0;   /* unreadable record: --check reports it */
    src_rec *have = table_find(&ix->sources, r.path);
    if (l->shard == 0 || !have) {
        if (l->shard > 0)
            r.state = 'P';       /* only in a later shard */
        src_rec *added = table_add(&ix->sources, &r);
        if (!added) {
            free(r.meta_key);
            free(r.path);
            l->nomem = 1;
            return 1;
        }
        added->seen = 1;         /* here: counts the shards that have it */
        return 0;
    }
    if (!rec_agree(have, &r))
        have->state = 'P';
    have->seen++;
    free(r.meta_key);
    free(r.path);
    return 0;
}

static qr_status load_records(qr_indexer *ix)
{
    for (unsigned k = 0; k < ix->nw; k++) {
        loader l = {ix, k, 0};
        xc_status xs = xc_db_metadata_each(ix->w[k].db, QR_META_SOURCE,
                                           load_one_rec, &l);
        if (l.nomem)
            return QR_ERR_NOMEM;
        if (xs != XC_OK) {
            qr_buf_printf(ix->err, "reading bookkeeping: %s",
                          xc_db_errmsg(ix->w[k].db));
            return status_of(xs);
        }
    }
    for (size_t i = 0; i < ix->sources.n; i++) {
        src_rec *r = &ix->sources.recs[i];
        if ((unsigned)r->seen != ix->nw)
            r->state = 'P';      /* missing from some shard */
        r->seen = 0;
    }
    return QR_OK;
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
        qr_status s = send_rec(ix, JOB_DROP, r, 0);
        if (s != QR_OK)
            return s;
        r->state = 'N';
        ix->sum.deleted++;
        emit(ix, QR_EV_SOURCE, r->path, NULL, "deleted");
    }
    return QR_OK;
}

static int found_one(void *ctx, const char *key, const char *value, size_t len)
{
    (void)key;
    (void)value;
    (void)len;
    *(int *)ctx = 1;
    return 1;
}

/* Reads the language of the database at dir (NULL if none recorded) and
 * whether it holds no sources and no passages. */
static qr_status read_live(const char *dir, char **lang, int *empty, qr_buf *err)
{
    xc_db *db = NULL;
    char *msg = NULL;
    *lang = NULL;
    xc_status xs = xc_db_open(dir, XC_DB_READONLY, 0, 0, &db, &msg);
    if (xs == XC_OK) {
        size_t len;
        xc_db_stats stats;
        xs = xc_db_get_metadata(db, QR_META_LANG, lang, &len);
        if (xs == XC_OK)
            xs = xc_db_get_stats(db, &stats);
        int any = 0;
        if (xs == XC_OK)
            xs = xc_db_metadata_each(db, QR_META_SOURCE, found_one, &any);
        if (xs == XC_OK)
            *empty = stats.doccount == 0 && !any;
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

/* Creates an empty glass database at dir. A directory left by a creation
 * that was killed before glass wrote its version file (iamglass) holds no
 * data, but xapian-core refuses to create a database over its tables: it
 * is removed first. */
static qr_status create_empty(const char *dir, qr_buf *err)
{
    xc_db *db = NULL;
    char *msg = NULL;
    qr_buf version = {0};
    if (qr_buf_printf(&version, "%s/iamglass", dir) != 0)
        return QR_ERR_NOMEM;
    struct stat sb;
    int interrupted = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
                      stat(version.data, &sb) != 0 && errno == ENOENT;
    qr_buf_free(&version);
    if (interrupted && qr_remove_tree(dir) != 0) {
        qr_buf_printf(err, "cannot clear the unfinished index %s: %s", dir,
                      strerror(errno));
        return QR_ERR_IO;
    }
    xc_status xs = xc_db_open(dir, XC_DB_CREATE_OR_OPEN, 0, 0, &db, &msg);
    if (xs == XC_OK)
        xs = xc_db_commit(db);
    xc_db_close(db);
    if (xs != XC_OK) {
        qr_buf_printf(err, "cannot create index %s: %s", dir,
                      msg ? msg : xc_status_str(xs));
        free(msg);
        return status_of(xs);
    }
    return QR_OK;
}

static qr_status make_dir(const char *dir, qr_buf *err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST)
        return QR_OK;
    qr_buf_printf(err, "cannot create %s: %s", dir, strerror(errno));
    return QR_ERR_IO;
}

/* A new index: an empty first version and its stub, so that readers and
 * --check find an index from the start, whatever happens to this run. */
static qr_status create_first(const char *path, unsigned nshards, qr_buf *err)
{
    qr_buf dir = {0};
    qr_status st = qr_buf_printf(&dir, "%s/v000001", path) == 0 ? QR_OK
                                                                : QR_ERR_NOMEM;
    if (st == QR_OK && nshards) {
        st = make_dir(dir.data, err);
        size_t base = dir.len;
        for (unsigned k = 0; st == QR_OK && k < nshards; k++) {
            dir.len = base;
            if (qr_buf_printf(&dir, "/s%u", k) != 0)
                st = QR_ERR_NOMEM;
            else
                st = create_empty(dir.data, err);
        }
    } else if (st == QR_OK) {
        st = create_empty(dir.data, err);
    }
    if (st == QR_OK)
        st = qr_layout_switch_shards(path, "v000001", nshards, err);
    qr_buf_free(&dir);
    return st;
}

/* Sets up ix->w[0..n-1] with their paths (not opened yet). */
static qr_status alloc_writers(qr_indexer *ix, unsigned n)
{
    ix->w = calloc(n, sizeof *ix->w);
    if (!ix->w)
        return QR_ERR_NOMEM;
    ix->nw = n;
    for (unsigned k = 0; k < n; k++) {
        writer *w = &ix->w[k];
        w->batch = ix->o.batch_passages;
        w->own_counts = 1;
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->nonempty, NULL);
        pthread_cond_init(&w->space, NULL);
    }
    return QR_OK;
}

static char *path_join(const char *a, const char *b)
{
    qr_buf p = {0};
    if (qr_buf_printf(&p, "%s/%s", a, b) != 0) {
        qr_buf_free(&p);
        return NULL;
    }
    return qr_buf_steal(&p);
}

/* Decides which databases this run writes, and takes the writer lock:
 *  - a Quarry index (or a new one): the lock file, then the live version
 *    (or its shards), or, for --rebuild and for an index with no sources
 *    yet, a new version built beside it in parallel;
 *  - a plain glass directory or a stub file: opened as it is, with
 *    xapian-core's own lock (no --rebuild, no --shards). */
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
        if (ix->o.rebuild || ix->o.shards > 1) {
            qr_buf_printf(err, "%s is a plain Xapian database, not a Quarry "
                          "index; --%s needs a Quarry index", path,
                          ix->o.rebuild ? "rebuild" : "shards");
            return QR_ERR_USAGE;
        }
        qr_status st = alloc_writers(ix, 1);
        if (st == QR_OK && !(ix->w[0].path = strdup(path)))
            st = QR_ERR_NOMEM;
        return st;
    }

    qr_status st = qr_layout_lock(path, ix->o.wait_seconds, &ix->lock_fd, err);
    if (st != QR_OK)
        return st;
    /* leftovers of interrupted rebuilds, versions retired by the last one */
    qr_layout_cleanup(path);
    unsigned live_n = 0;
    char *live = qr_layout_live_shards(path, &live_n);
    if (!live) {
        unsigned n = ix->o.shards > 1 ? ix->o.shards : 0;
        st = create_first(path, n, err);
        if (st != QR_OK)
            return st;
        live = strdup("v000001");
        live_n = n;
        if (!live)
            return QR_ERR_NOMEM;
    }

    /* the live index's language, and whether it has anything in it */
    qr_buf dir = {0};
    ix->live_empty = 1;
    for (unsigned k = 0; st == QR_OK && k < (live_n ? live_n : 1); k++) {
        qr_buf_clear(&dir);
        if ((live_n ? qr_buf_printf(&dir, "%s/%s/s%u", path, live, k)
                    : qr_buf_printf(&dir, "%s/%s", path, live)) != 0) {
            st = QR_ERR_NOMEM;
            break;
        }
        char *lang = NULL;
        int empty = 1;
        st = read_live(dir.data, &lang, &empty, err);
        if (st == QR_OK && !ix->live_lang)
            ix->live_lang = lang;
        else
            free(lang);
        ix->live_empty &= empty;
    }
    qr_buf_free(&dir);

    unsigned want = ix->o.shards ? (ix->o.shards > 1 ? ix->o.shards : 0) : live_n;
    if (st == QR_OK && want != live_n && !ix->o.rebuild && !ix->live_empty) {
        qr_buf_printf(err, "index %s has %u shard%s; use --rebuild --shards %u "
                      "to change that", path, live_n ? live_n : 1,
                      live_n > 1 ? "s" : "", want ? want : 1);
        st = QR_ERR_USAGE;
    }
    ix->nshards = want;
    ix->fresh = ix->o.rebuild || ix->live_empty;
    if (st == QR_OK && ix->fresh) {
        /* a new version, built beside the live one */
        ix->version = qr_layout_next_version(path);
        qr_buf b = {0};
        if (!ix->version || qr_buf_printf(&b, "%s/%s.build", path, ix->version) != 0)
            st = QR_ERR_NOMEM;
        ix->build_dir = qr_buf_steal(&b);
        ix->final_dir = path_join(path, ix->version ? ix->version : "");
        if (st == QR_OK && (!ix->build_dir || !ix->final_dir))
            st = QR_ERR_NOMEM;
        if (st == QR_OK)
            st = make_dir(ix->build_dir, err);
        if (st == QR_OK && want)
            st = make_dir(ix->final_dir, err);
        ix->parts = want == 0;
        unsigned n = want ? want : BUILD_PARTS;
        if (st == QR_OK)
            st = alloc_writers(ix, n);
        for (unsigned k = 0; st == QR_OK && k < n; k++) {
            char name[16];
            snprintf(name, sizeof name, want ? "s%u" : "p%u", k);
            writer *w = &ix->w[k];
            w->path = path_join(ix->build_dir, name);
            w->own_counts = !ix->parts;
            if (want)
                w->compact_to = path_join(ix->final_dir, name);
            if (!w->path || (want && !w->compact_to))
                st = QR_ERR_NOMEM;
        }
    } else if (st == QR_OK) {
        ix->version = live;
        live = NULL;
        st = alloc_writers(ix, want ? want : 1);
        for (unsigned k = 0; st == QR_OK && k < ix->nw; k++) {
            qr_buf p = {0};
            if ((want ? qr_buf_printf(&p, "%s/%s/s%u", path, ix->version, k)
                      : qr_buf_printf(&p, "%s/%s", path, ix->version)) != 0)
                st = QR_ERR_NOMEM;
            ix->w[k].path = qr_buf_steal(&p);
            qr_buf_free(&p);
        }
    }
    free(live);
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
    ix->gen = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
              (qr_hash64(&ix, sizeof ix, 3) & 0xfffff);
    qr_split_opts defs = qr_split_defaults();
    if (!ix->o.split.target_words)
        ix->o.split = defs;
    if (!ix->o.batch_passages)
        ix->o.batch_passages = DEFAULT_BATCH_PASSAGES;
    qr_status st = QR_OK;
    char *msg = NULL;
    if (ix->o.shards > QR_LAYOUT_MAX_SHARDS) {
        qr_buf_printf(err, "at most %d shards", QR_LAYOUT_MAX_SHARDS);
        st = QR_ERR_USAGE;
        goto fail;
    }
    /* an unknown language is a usage error before anything is created */
    if (opts->lang) {
        xc_stem *stem = NULL;
        if (xc_stem_new(opts->lang, &stem, &msg) != XC_OK) {
            qr_buf_printf(err, "unknown language '%s' (known: %s)", opts->lang,
                          xc_stem_languages());
            free(msg);
            st = QR_ERR_USAGE;
            goto fail;
        }
        xc_stem_free(stem);
    }
    /* xapian-core reads its flush threshold from the environment when a
     * database is opened for writing; a user's own setting wins */
    setenv("XAPIAN_FLUSH_THRESHOLD", FLUSH_THRESHOLD, 0);

    st = open_target(ix, err);
    if (st != QR_OK)
        goto fail;

    /* The index keeps its language; the query tool reads it back. A new
     * version takes the live index's unless --lang says otherwise. */
    char *lang = ix->live_lang;
    ix->live_lang = NULL;
    if (lang && opts->lang && strcmp(lang, opts->lang) != 0 && !ix->fresh) {
        qr_buf_printf(err, "index %s was built with --lang %s; use --rebuild "
                      "to change the language", opts->db_path, lang);
        free(lang);
        st = QR_ERR_USAGE;
        goto fail;
    }
    if (opts->lang) {
        free(lang);
        lang = NULL;
    }
    ix->lang = lang ? lang : strdup(opts->lang ? opts->lang : QR_DEFAULT_LANG);
    if (!ix->lang) {
        st = QR_ERR_NOMEM;
        goto fail;
    }

    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++)
        st = w_open(&ix->w[k], ix->lang, ix->fresh, opts->wait_seconds, err);
    if (st != QR_OK)
        goto fail;
    if (ix->nw == 1 && !ix->fresh) {
        /* a plain database given directly: its own language counts */
        char *own = NULL;
        size_t len = 0;
        xc_status xs = xc_db_get_metadata(ix->w[0].db, QR_META_LANG, &own, &len);
        if (xs != XC_OK) {
            qr_buf_printf(err, "reading the index's language: %s",
                          xc_db_errmsg(ix->w[0].db));
            st = status_of(xs);
            goto fail;
        }
        if (own && opts->lang && strcmp(own, opts->lang) != 0) {
            qr_buf_printf(err, "index %s was built with --lang %s; use "
                          "--rebuild to change the language", opts->db_path, own);
            free(own);
            st = QR_ERR_USAGE;
            goto fail;
        }
        if (own && strcmp(own, ix->lang) != 0) {
            /* the writers were set up with another stemmer */
            free(ix->lang);
            ix->lang = own;
            xc_termgen_free(ix->w[0].tg);
            ix->w[0].tg = NULL;
            xc_db_close(ix->w[0].db);
            ix->w[0].db = NULL;
            st = w_open(&ix->w[0], ix->lang, 0, opts->wait_seconds, err);
            if (st != QR_OK)
                goto fail;
        } else {
            free(own);
        }
    }
    st = load_records(ix);
    if (st != QR_OK)
        goto fail;
    *out = ix;
    return QR_OK;
fail:
    qr_indexer_free(ix);
    return st;
}

/* A new version, once every writer has committed: compact the parts into
 * one database (the shards compacted themselves), switch the stub to it,
 * retire the old one. Until the switch the live index is untouched;
 * anything left behind by a failure here is removed by the next run. */
static qr_status finish_fresh(qr_indexer *ix)
{
    qr_status st = QR_OK;
    if (ix->parts) {
        const char **src = calloc(ix->nw, sizeof *src);
        if (!src)
            return QR_ERR_NOMEM;
        for (unsigned k = 0; k < ix->nw; k++) {
            xc_termgen_free(ix->w[k].tg);
            ix->w[k].tg = NULL;
            xc_db_close(ix->w[k].db);     /* everything was committed */
            ix->w[k].db = NULL;
            src[k] = ix->w[k].path;
        }
        char *msg = NULL;
        xc_status xs = xc_compact(src, ix->nw, ix->final_dir, 0, &msg);
        free(src);
        if (xs != XC_OK) {
            qr_buf_clear(ix->err);
            qr_buf_printf(ix->err, "compacting the new index: %s",
                          msg ? msg : xc_status_str(xs));
            free(msg);
            st = status_of(xs);
        } else if (qr_sync_tree(ix->final_dir) != 0) {
            qr_buf_clear(ix->err);
            qr_buf_printf(ix->err, "syncing %s: %s", ix->final_dir,
                          strerror(errno));
            st = QR_ERR_IO;
        }
    } else if (qr_sync_tree(ix->final_dir) != 0) {
        qr_buf_clear(ix->err);
        qr_buf_printf(ix->err, "syncing %s: %s", ix->final_dir, strerror(errno));
        st = QR_ERR_IO;
    }
    if (st == QR_OK)
        st = qr_layout_switch_shards(ix->o.db_path, ix->version, ix->nshards,
                                     ix->err);
    qr_remove_tree(ix->build_dir);
    if (st == QR_OK)
        qr_layout_cleanup(ix->o.db_path);    /* the old live version */
    else
        qr_remove_tree(ix->final_dir);
    return st;
}

/* The first writer failure, as this run's error (its message in err). */
static qr_status writer_failure(qr_indexer *ix)
{
    for (unsigned k = 0; k < ix->nw; k++) {
        writer *w = &ix->w[k];
        if (w->status != QR_OK) {
            if (ix->err) {
                qr_buf_clear(ix->err);
                qr_buf_puts(ix->err, w->err.data ? w->err.data
                                                 : qr_status_str(w->status));
            }
            return w->status;
        }
    }
    return QR_OK;
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

    /* 2. index them: this thread reads, the writers write */
    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++) {
        st = w_start(&ix->w[k]);
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
        w_close(&ix->w[k], st == QR_OK);
    for (unsigned k = 0; k < ix->nw; k++)
        w_join(&ix->w[k]);
    qr_status wst = writer_failure(ix);
    if (wst != QR_OK)
        st = wst;          /* the writer's error explains the reader's stop */
    if (st == QR_OK && ix->fresh)
        st = finish_fresh(ix);
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
    for (unsigned k = 0; k < ix->nw; k++)
        w_free(&ix->w[k]);
    free(ix->w);
    if (ix->fresh && ix->build_dir)
        qr_remove_tree(ix->build_dir);   /* an unfinished new version */
    qr_layout_unlock(ix->lock_fd);
    free(ix->version);
    free(ix->build_dir);
    free(ix->final_dir);
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
    qr_buf_free(&ix->term);
    free(ix);
}

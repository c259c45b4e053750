/*
 * writer.c — the writer threads: each owns one database, takes jobs from a
 * bounded queue, and writes them in Xapian transactions committed in
 * batches (wr_commit_batch), marking a half-written source partial first.
 *
 * Crash safety rests here: documents and bookkeeping change only inside a
 * transaction; a source's "done" record is written in the same commit as
 * its last passages, and a source still being written when a batch commits
 * is recorded 'P' in that commit, so an interrupted run leaves only states
 * the next run recognises and redoes.
 */
#include "index_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "layout.h"
#include "passage_doc.h"
#include "schema.h"

/* Bytes of articles queued for one writer before the reader waits: the
 * bound on the memory the queues take, whatever the corpus size. */
#define QUEUE_BYTES (4u << 20)

/* Documents xapian-core buffers in memory before it flushes them to its
 * tables (XAPIAN_FLUSH_THRESHOLD; its default is 10000). A smaller buffer
 * is faster (its maps stay in cache) and takes less memory; this one keeps
 * flushes few enough that large incremental runs do not pay for them in
 * write amplification (measured: bench/README.md, "Tuning decisions"). */
#define FLUSH_THRESHOLD "1000"

/* Stems each writer's term generator remembers (xc_stem_new_cached): a
 * lookup instead of a Snowball run for most words. 64 bytes a slot: 4 MB
 * per writer, whatever the corpus. */
#define STEM_CACHE_WORDS 65536
/* The same for the stemmers of the other languages an archive has: the
 * minority languages of an archive, at 256 KB each. */
#define STEM_CACHE_OTHER 4096

void wr_job_free(wr_job *j)
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
    free((char *)j->a.lang);
    free((size_t *)j->a.pages);
    free(j->source_key);
    free(j->display);
    free(j->spans);
    free(j);
}

/* ------------------------------------------------------- transactions */

/* A failed xapian-core call as the writer's failure: its message into
 * w->err, its status through the one mapping (qr_status_from_xc). */
static qr_status wr_fail(wr_writer *w, xc_status st, const char *what)
{
    if (st == XC_OK)
        return QR_OK;
    qr_buf_clear(&w->err);
    qr_buf_printf(&w->err, "%s: %s (%s)", what, xc_db_errmsg(w->db),
                  xc_status_str(st));
    return qr_status_from_xc(st);
}

qr_status wr_xc_error(qr_buf *err, const char *what, const char *path,
                      char *msg, xc_status xs)
{
    qr_buf_printf(err, "%s %s: %s", what, path, msg ? msg : xc_status_str(xs));
    free(msg);
    return qr_status_from_xc(xs);
}

static qr_status wr_write_rec(wr_writer *w, const src_rec *r)
{
    if (src_rec_format(r, &w->meta) != 0)
        return QR_ERR_NOMEM;
    return wr_fail(w, xc_db_set_metadata(w->db, r->meta_key, w->meta.data,
                                         w->meta.len), "writing bookkeeping");
}

/* A failure of the article database, as wr_fail's. */
static qr_status wr_afail(wr_writer *w, xc_status st, const char *what)
{
    if (st == XC_OK)
        return QR_OK;
    qr_buf_clear(&w->err);
    qr_buf_printf(&w->err, "%s (articles): %s (%s)", what,
                  xc_db_errmsg(w->adb), xc_status_str(st));
    return qr_status_from_xc(st);
}

static qr_status wr_txn_begin(wr_writer *w)
{
    qr_status st = wr_fail(w, xc_db_begin_transaction(w->db, 1),
                           "starting a transaction");
    if (st == QR_OK) {
        st = wr_afail(w, xc_db_begin_transaction(w->adb, 1),
                      "starting a transaction");
        if (st != QR_OK)
            xc_db_cancel_transaction(w->db);
    }
    w->in_txn = st == QR_OK;
    w->pending = 0;
    qr_buf_clear(&w->batch_sources);
    return st;
}

/* Commits the articles, then the passages and bookkeeping: a kill between
 * the two leaves the articles one batch ahead, with the sources of that
 * batch named in them (schema.h), which the next run redoes. */
static qr_status wr_txn_commit(wr_writer *w)
{
    w->in_txn = 0;
    char no[24];
    snprintf(no, sizeof no, "%llu", (unsigned long long)(w->batch_no + 1));
    qr_status st = wr_afail(w, xc_db_set_metadata(w->adb, QR_META_BATCH, no,
                                                  strlen(no)),
                            "writing metadata");
    if (st == QR_OK)
        st = wr_afail(w, xc_db_set_metadata(w->adb, QR_META_BATCH_SOURCES,
                                            w->batch_sources.data
                                                ? w->batch_sources.data : "",
                                            w->batch_sources.len),
                      "writing metadata");
    if (st == QR_OK)
        st = wr_afail(w, xc_db_commit_transaction(w->adb), "committing");
    else
        xc_db_cancel_transaction(w->adb);
    if (st == QR_OK)
        st = wr_fail(w, xc_db_set_metadata(w->db, QR_META_BATCH, no,
                                           strlen(no)), "writing metadata");
    if (st == QR_OK)
        st = wr_fail(w, xc_db_commit_transaction(w->db), "committing");
    else
        xc_db_cancel_transaction(w->db);
    if (st == QR_OK)
        w->batch_no++;
    return st;
}

/* Cancels what the open batch holds, in both databases. */
static void wr_txn_cancel(wr_writer *w)
{
    if (!w->in_txn)
        return;
    xc_db_cancel_transaction(w->adb);
    xc_db_cancel_transaction(w->db);
    w->in_txn = 0;
}

/* Remembers that this batch touches source key (for the next run, should
 * it stop between the two commits). */
static qr_status wr_touched(wr_writer *w, const char *key)
{
    if (qr_buf_puts(&w->batch_sources, key) != 0 ||
        qr_buf_putc(&w->batch_sources, '\n') != 0)
        return QR_ERR_NOMEM;
    return QR_OK;
}

/* Commits the open batch and opens the next. When a source is half-written
 * its bookkeeping is first set to 'P', so that the commit never shows it as
 * done, and the next run redoes it if this one is interrupted. */
static qr_status wr_commit_batch(wr_writer *w)
{
    qr_status st = QR_OK;
    if (w->in_source && !w->cur_marked) {
        src_rec p = w->cur;
        p.state = 'P';
        p.mtime_ns = -1;
        p.passages = w->cur_passages;
        st = wr_write_rec(w, &p);
        w->cur_marked = 1;
    }
    if (st == QR_OK)
        st = wr_txn_commit(w);
    if (st == QR_OK)
        st = wr_txn_begin(w);
    return st;
}

/* ---------------------------------------------------------------- jobs */

static qr_status wr_delete_source(wr_writer *w, const char *source_key)
{
    if (qr_key_term(&w->term, QR_TERM_SOURCE, source_key) != 0)
        return QR_ERR_NOMEM;
    qr_status st = wr_fail(w, xc_db_delete_documents_by_term(w->db,
                                                             w->term.data),
                           "deleting old passages");
    if (st == QR_OK)
        st = wr_afail(w, xc_db_delete_documents_by_term(w->adb, w->term.data),
                      "deleting old articles");
    return st;
}

/* The article as a document of its own. */
static qr_status wr_article_doc(wr_writer *w, const wr_job *j,
                                const qr_doc_keys *keys)
{
    xc_doc *doc = NULL;
    qr_status st = wr_afail(w, xc_doc_new(&doc), "making an article");
    if (st == QR_OK) {
        st = qr_article_doc(w->tg, doc, &j->a, keys, (unsigned)j->nspans,
                            &w->scratch);
        if (st != QR_OK) {
            qr_buf_clear(&w->err);
            qr_buf_printf(&w->err, "making an article: %s (%s)",
                          xc_termgen_errmsg(w->tg), qr_status_str(st));
        }
    }
    /* added, not replaced by its id: two articles of one id (a JSON Lines
     * file repeating an id) stay two, as their passages do; a source's
     * articles go with it (wr_delete_source) */
    if (st == QR_OK)
        st = wr_afail(w, xc_db_add_document(w->adb, doc, NULL),
                      "adding an article");
    xc_doc_free(doc);
    return st;
}

/* Gives w->tg the stemmer of language code (the index's own for
 * w->def_code; "none", still folding accents, for a language xapian-core
 * has no stemmer for). */
static qr_status wr_use_lang(wr_writer *w, const char *code)
{
    size_t k = 0;
    while (k < w->nstems && strcmp(w->stems[k].code, code) != 0)
        k++;
    if (k < w->nstems && k == w->cur_stem)
        return QR_OK;
    xc_status xs = XC_OK;
    char *msg = NULL;
    if (k == w->nstems) {
        struct wr_stem *v = realloc(w->stems, (k + 1) * sizeof *v);
        if (!v)
            return QR_ERR_NOMEM;
        w->stems = v;
        int def = strcmp(code, w->def_code) == 0;
        xc_stem *stem = NULL;
        xs = qr_stem_new(def ? w->def_stemmer : qr_lang_stemmer(code),
                         w->exact_accents,
                         def ? STEM_CACHE_WORDS : STEM_CACHE_OTHER, &stem,
                         &msg);
        if (xs == XC_RANGE)   /* a stemmer this xapian-core lacks */
            xs = qr_stem_new("none", w->exact_accents, STEM_CACHE_OTHER,
                             &stem, &msg);
        if (xs == XC_OK) {
            snprintf(v[k].code, sizeof v[k].code, "%s", code);
            v[k].stem = stem;
            w->nstems++;
        }
    }
    if (xs == XC_OK)
        xs = xc_termgen_set_stemmer(w->tg, w->stems[k].stem);
    if (xs != XC_OK) {
        qr_buf_clear(&w->err);
        qr_buf_printf(&w->err, "setting up the stemmer of '%s': %s", code,
                      msg ? msg : xc_status_str(xs));
        free(msg);
        return qr_status_from_xc(xs);
    }
    w->cur_stem = k;
    return QR_OK;
}

/* Settles the language of the job's article: the one its source names,
 * else the one the detector is sure of, else the index's; j->a.lang is
 * then its code. */
static qr_status wr_article_lang(wr_writer *w, wr_job *j)
{
    char code[QR_LANG_MAX];
    if (!(j->a.lang[0] && qr_lang_code(j->a.lang, code) == 0) &&
        !qr_langid_detect(w->langid, j->a.title, j->a.body, j->a.body_len,
                          code))
        snprintf(code, sizeof code, "%s", w->def_code);
    if (strcmp(code, j->a.lang) != 0) {
        char *c = strdup(code);
        if (!c)
            return QR_ERR_NOMEM;
        free((char *)j->a.lang);
        j->a.lang = c;
    }
    return wr_use_lang(w, code);
}

static qr_status wr_article(wr_writer *w, wr_job *j)
{
    qr_status lst = wr_article_lang(w, j);
    if (lst != QR_OK)
        return lst;
    qr_doc_keys keys = {.source_key = j->source_key, .source = j->display};
    for (size_t i = 0; i < j->nspans; i++) {
        xc_doc *doc = NULL;
        qr_status st = wr_fail(w, xc_doc_new(&doc), "making a passage");
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
            st = wr_fail(w, xc_db_add_document(w->db, doc, NULL),
                         "adding a passage");
        xc_doc_free(doc);
        if (st != QR_OK)
            return st;
    }
    qr_status st = wr_article_doc(w, j, &keys);
    if (st != QR_OK)
        return st;
    w->cur_passages += (unsigned)j->nspans;
    w->cur_articles++;
    w->pending += (unsigned)j->nspans;
    return QR_OK;
}

static qr_status wr_touch(wr_writer *w, const src_rec *r)
{
    char *old = NULL;
    size_t len = 0;
    qr_status st = wr_fail(w, xc_db_get_metadata(w->db, r->meta_key, &old,
                                                 &len), "reading bookkeeping");
    src_rec cur;
    if (st == QR_OK && old && src_rec_parse(r->meta_key, old, &cur) == 0) {
        cur.mtime_ns = r->mtime_ns;
        st = wr_write_rec(w, &cur);
        free(cur.meta_key);
        free(cur.path);
    }
    free(old);
    return st;
}

static qr_status wr_run_job(wr_writer *w, wr_job *j)
{
    qr_status st = QR_OK;
    switch (j->kind) {
    case WR_JOB_ARTICLE:
        st = wr_article(w, j);
        break;
    case WR_JOB_BEGIN:
        st = wr_touched(w, j->rec.path);
        if (st == QR_OK && j->clear)
            st = wr_delete_source(w, j->rec.path);
        free(w->cur.meta_key);
        free(w->cur.path);
        w->cur = j->rec;                 /* takes the strings */
        j->rec.meta_key = j->rec.path = NULL;
        w->in_source = 1;
        w->cur_marked = 0;
        w->cur_passages = 0;
        w->cur_articles = 0;
        break;
    case WR_JOB_END:
        /* each database records its own part of the source */
        j->rec.passages = w->in_source ? w->cur_passages : 0;
        j->rec.articles = w->in_source ? w->cur_articles : 0;
        st = wr_write_rec(w, &j->rec);
        w->in_source = 0;
        w->pending++;
        break;
    case WR_JOB_DROP:
        st = wr_touched(w, j->rec.path);
        if (st == QR_OK)
            st = wr_delete_source(w, j->rec.path);
        if (st == QR_OK)
            st = wr_fail(w, xc_db_set_metadata(w->db, j->rec.meta_key, "", 0),
                         "writing bookkeeping");
        w->pending++;
        break;
    case WR_JOB_TOUCH:
        st = wr_touch(w, &j->rec);
        w->pending++;
        break;
    case WR_JOB_REDO: {
        src_rec p = j->rec;
        p.state = 'P';
        st = wr_write_rec(w, &p);
        w->pending++;
        break;
    }
    case WR_JOB_META:
        st = wr_fail(w, xc_db_set_metadata(w->db, j->rec.meta_key,
                                           j->rec.path, strlen(j->rec.path)),
                     "writing metadata");
        break;
    }
    if (st == QR_OK && w->pending >= w->batch)
        st = wr_commit_batch(w);
    return st;
}

/* --------------------------------------------------------------- queue */

qr_status wr_push(wr_writer *w, wr_job *j)
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
        wr_job_free(j);
    return st;
}

qr_status wr_compact(const char *const *src, unsigned n, const char *dest,
                     const char *what, xc_metadata_merge_fn merge,
                     qr_buf *err)
{
    qr_status st = QR_OK;
    char *msg = NULL;
    xc_status xs = n ? xc_compact_merge(src, n, dest, 0, merge, NULL, &msg)
                     : XC_OK;
    if (xs != XC_OK) {
        qr_buf_clear(err);
        qr_buf_printf(err, "compacting %s: %s", what,
                      msg ? msg : xc_status_str(xs));
        st = qr_status_from_xc(xs);
    } else if (qr_sync_tree(dest) != 0) {
        qr_buf_clear(err);
        qr_buf_printf(err, "syncing %s: %s", dest, strerror(errno));
        st = QR_ERR_IO;
    }
    free(msg);
    return st;
}

/* The writer's thread: runs jobs until the queue is closed and empty.
 * After a failure it only drains the queue (the reader learns of the
 * failure at its next wr_push), so nothing past it is written. */
static void *wr_main(void *arg)
{
    wr_writer *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->closing)
            pthread_cond_wait(&w->nonempty, &w->mu);
        wr_job *j = w->head;
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
        qr_status st = failed == QR_OK ? wr_run_job(w, j) : failed;
        wr_job_free(j);
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
        st = wr_txn_commit(w);
    wr_txn_cancel(w);
    if (st == QR_OK && w->commit_at_end && w->compact_to) {
        /* a shard of a new index: compact it into its final place, each
         * shard on its own thread, then its articles beside it */
        xc_db_close(w->db);
        w->db = NULL;
        xc_db_close(w->adb);
        w->adb = NULL;
        const char *src[] = {w->path};
        st = wr_compact(src, 1, w->compact_to, w->path, NULL, &w->err);
        char *asrc = st == QR_OK ? wr_articles_path(w->path) : NULL;
        char *adst = st == QR_OK ? wr_articles_path(w->compact_to) : NULL;
        if (st == QR_OK && (!asrc || !adst))
            st = QR_ERR_NOMEM;
        const char *asrcs[] = {asrc};
        if (st == QR_OK)
            st = wr_compact(asrcs, 1, adst, asrc, NULL, &w->err);
        free(asrc);
        free(adst);
    }
    pthread_mutex_lock(&w->mu);
    w->status = st;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ----------------------------------------------------------- lifecycle */

void wr_init(wr_writer *w, unsigned batch)
{
    w->batch = batch;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->nonempty, NULL);
    pthread_cond_init(&w->space, NULL);
}

qr_status wr_open(wr_writer *w, const char *lang, int exact_accents,
                  int create, int wait, qr_buf *err)
{
    /* xapian-core reads its flush threshold from the environment when a
     * database is opened for writing; a user's own setting wins */
    setenv("XAPIAN_FLUSH_THRESHOLD", FLUSH_THRESHOLD, 0);
    char *msg = NULL;
    xc_status xs = xc_db_open(w->path, create ? XC_DB_CREATE_OR_OVERWRITE
                                              : XC_DB_CREATE_OR_OPEN,
                              w->building ? XC_DB_NO_SYNC : 0, wait, &w->db,
                              &msg);
    if (xs != XC_OK)
        return wr_xc_error(err, "cannot open index", w->path, msg, xs);
    /* the articles, inside the passages' directory; created when missing
     * (an index from before articles: wr_articles_behind has every source
     * redone) */
    char *apath = wr_articles_path(w->path);
    if (!apath)
        return QR_ERR_NOMEM;
    struct stat sb;
    w->adb_new = create || stat(apath, &sb) != 0;
    xs = xc_db_open(apath, create ? XC_DB_CREATE_OR_OVERWRITE
                                  : XC_DB_CREATE_OR_OPEN,
                    w->building ? XC_DB_NO_SYNC : 0, wait, &w->adb, &msg);
    if (xs != XC_OK) {
        qr_status st = wr_xc_error(err, "cannot open index", apath, msg, xs);
        free(apath);
        return st;
    }
    free(apath);
    if (!lang)
        lang = QR_DEFAULT_LANG;
    w->exact_accents = exact_accents;
    w->def_stemmer = strdup(lang);
    if (!w->def_stemmer)
        return QR_ERR_NOMEM;
    if (qr_lang_code(lang, w->def_code) != 0)
        snprintf(w->def_code, sizeof w->def_code, "%s", "und");
    w->langid = qr_langid_new(NULL);
    xs = xc_termgen_new(&w->tg, &msg);
    if (xs == XC_OK) {
        qr_status lst = wr_use_lang(w, w->def_code);
        if (lst != QR_OK) {
            qr_buf_printf(err, "cannot set up the term generator: %s",
                          w->err.data ? w->err.data : qr_status_str(lst));
            return QR_ERR_INDEX;
        }
    }
    if (xs == XC_OK)
        xs = xc_termgen_set_stemming_strategy(w->tg, XC_STEM_ALL);
    if (xs == XC_OK)   /* Chinese, Japanese, Korean: character n-grams */
        xs = xc_termgen_set_flags(w->tg, XC_TG_CJK_NGRAM);
    if (xs != XC_OK) {
        /* Not the caller's mistake even when xapian-core says "invalid
         * argument": --lang was checked when the run was opened, so an
         * unknown language here came from the index itself. */
        qr_buf_printf(err, "cannot set up the term generator: %s",
                      msg ? msg : xc_status_str(xs));
        free(msg);
        return QR_ERR_INDEX;
    }
    return QR_OK;
}

char *wr_articles_path(const char *path)
{
    qr_buf p = {0};
    if (qr_buf_printf(&p, "%s/%s", path, QR_ARTICLES_DIR) != 0) {
        qr_buf_free(&p);
        return NULL;
    }
    return qr_buf_steal(&p);
}

/* A metadata value as a count (0 when absent or not a number). */
static uint64_t meta_count(xc_db *db, const char *key, xc_status *xs)
{
    char *v = NULL;
    size_t len = 0;
    *xs = xc_db_get_metadata(db, key, &v, &len);
    uint64_t n = v ? strtoull(v, NULL, 10) : 0;
    free(v);
    return n;
}

qr_status wr_articles_behind(wr_writer *w, int *all, char **keys, size_t *n,
                             qr_buf *err)
{
    *all = 0;
    *keys = NULL;
    *n = 0;
    xc_status xs, as = XC_OK;
    uint64_t p = meta_count(w->db, QR_META_BATCH, &xs);
    uint64_t a = xs == XC_OK ? meta_count(w->adb, QR_META_BATCH, &as) : 0;
    if (xs != XC_OK || as != XC_OK) {
        qr_buf_printf(err, "reading the batch counters of %s: %s", w->path,
                      xc_db_errmsg(xs != XC_OK ? w->db : w->adb));
        return qr_status_from_xc(xs != XC_OK ? xs : as);
    }
    w->batch_no = p;
    if (w->adb_new || (a != p && a != p + 1)) {
        /* new articles beside existing passages (an index from before
         * articles: every source is redone, which costs nothing when
         * there is none), or counters that do not follow each other */
        *all = 1;
        return QR_OK;
    }
    if (a == p)
        return QR_OK;
    char *v = NULL;
    size_t len = 0;
    xs = xc_db_get_metadata(w->adb, QR_META_BATCH_SOURCES, &v, &len);
    if (xs != XC_OK) {
        qr_buf_printf(err, "reading %s: %s", QR_META_BATCH_SOURCES,
                      xc_db_errmsg(w->adb));
        return qr_status_from_xc(xs);
    }
    /* one key a line: made NUL-separated */
    for (size_t i = 0; v && i < len; i++)
        if (v[i] == '\n') {
            v[i] = '\0';
            (*n)++;
        }
    *keys = v;
    return QR_OK;
}

qr_status wr_start(wr_writer *w)
{
    qr_status st = wr_txn_begin(w);
    if (st != QR_OK)
        return st;
    if (pthread_create(&w->thread, NULL, wr_main, w) != 0) {
        wr_txn_cancel(w);
        qr_buf_printf(&w->err, "cannot start a writer thread: %s",
                      strerror(errno));
        return QR_ERR_NOMEM;
    }
    w->started = 1;
    return QR_OK;
}

void wr_close(wr_writer *w, int commit)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    w->commit_at_end = commit;
    pthread_cond_signal(&w->nonempty);
    pthread_mutex_unlock(&w->mu);
}

qr_status wr_join(wr_writer *w)
{
    if (w->started) {
        pthread_join(w->thread, NULL);
        w->started = 0;
    }
    return w->status;
}

qr_status wr_first_failure(const wr_writer *w, unsigned n, qr_buf *err)
{
    for (unsigned k = 0; k < n; k++) {
        if (w[k].status != QR_OK) {
            if (err) {
                qr_buf_clear(err);
                qr_buf_puts(err, w[k].err.data ? w[k].err.data
                                               : qr_status_str(w[k].status));
            }
            return w[k].status;
        }
    }
    return QR_OK;
}

void wr_free(wr_writer *w)
{
    if (w->started) {
        wr_close(w, 0);
        wr_join(w);
    }
    wr_txn_cancel(w);
    xc_termgen_free(w->tg);
    for (size_t k = 0; k < w->nstems; k++)
        xc_stem_free(w->stems[k].stem);
    free(w->stems);
    free(w->def_stemmer);
    qr_langid_free(w->langid);
    xc_db_close(w->db);
    xc_db_close(w->adb);
    for (wr_job *j = w->head, *next; j; j = next) {
        next = j->next;
        wr_job_free(j);
    }
    free(w->path);
    free(w->compact_to);
    free(w->cur.meta_key);
    free(w->cur.path);
    qr_buf_free(&w->scratch);
    qr_buf_free(&w->term);
    qr_buf_free(&w->meta);
    qr_buf_free(&w->batch_sources);
    qr_buf_free(&w->err);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->nonempty);
    pthread_cond_destroy(&w->space);
}

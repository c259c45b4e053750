/*
 * index_int.h — private to the indexer (index.h): the table of contents of
 * sources.c, writer.c, target.c, find.c, prune.c and indexer.c, sectioned
 * per file.
 *
 * Who uses whom, never the other way round: indexer.c drives a run through
 * find.c (what it looks at), prune.c (what it removes or holds), target.c
 * (where it writes), writer.c (the writer threads) and sources.c (the
 * bookkeeping); find.c and prune.c report through indexer.c's ix_skip,
 * ix_hold and ix_send_rec; target.c opens writers and loads the
 * bookkeeping; writer.c writes bookkeeping records. Nothing here is part
 * of the public API.
 */
#ifndef QUARRY_INDEX_INT_H
#define QUARRY_INDEX_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "langid.h"
#include "walk.h"
#include "xapian-c.h"

/* ============================================= Interface to sources.c */

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
    int      known;       /* in the index when the run began                 */
    int      redo;        /* its articles may be missing: marked partial in
                             the index at the start of the run            */
} src_rec;

/* Open-addressing table from source key to src_rec. */
typedef struct src_table {
    src_rec *recs;
    size_t   n, cap;
    size_t  *slots;       /* index + 1 into recs; 0 = empty                  */
    size_t   nslots;      /* power of two                                    */
} src_table;

/* The record of source key path, or NULL. */
src_rec *src_find(const src_table *t, const char *path);
/* Adds rec (taking its strings) unless its path is present; returns the
 * record in the table (the one already there if present), NULL on out of
 * memory. */
src_rec *src_add(src_table *t, const src_rec *rec);
void src_table_free(src_table *t);

/* The metadata value of a record, into out (cleared first). 0 or -1. */
int src_rec_format(const src_rec *r, qr_buf *out);
/* Parses a metadata value stored under key into *r (malloc'd strings).
 * 0, or -1 if it is not a record (or out of memory). */
int src_rec_parse(const char *key, const char *value, src_rec *r);
/* The same without copying (check.c): *r gets the numbers and no strings,
 * *path points at the source key inside value. 0, or -1 if it is not a
 * record. */
int src_rec_scan(const char *value, src_rec *r, const char **path);
/* Whether two shards' records say they hold the same version of a source,
 * written by the same run. */
int src_rec_agree(const src_rec *a, const src_rec *b);
/* *dst = a copy of *src with its own strings. 0 or -1. */
int src_rec_copy(src_rec *dst, const src_rec *src);

/* Loads the records of the shard-th database written into t (see
 * sources.c for how shards that disagree are settled); then, once every
 * database is loaded, src_load_done with their number. err receives a
 * message on an index failure. */
qr_status src_load(src_table *t, xc_db *db, unsigned shard, qr_buf *err);
void src_load_done(src_table *t, unsigned ndbs);
/* Marks every done source of t (all), or those of keys[0..n) (each
 * NUL-terminated, one after another), to be redone: state 'P', redo set. */
void src_mark_redo(src_table *t, int all, const char *keys, size_t n);

/* The parts of a new index each hold a record of every source with their
 * own counts: compacting them into one (xc_compact_merge) gives each
 * source one record with the counts summed, 'P' if the parts disagreed.
 * Other metadata keeps the first part's value. */
int src_merge_parts(void *ctx, const char *key, size_t nvalues,
                    const char *const *values, const size_t *lens, char **out,
                    size_t *out_len);

/* ============================================== Interface to writer.c */

/* What the reading thread asks a writer to do, in order. */
typedef enum wr_job_kind {
    WR_JOB_ARTICLE,   /* add an article's passages                          */
    WR_JOB_BEGIN,     /* a source starts: delete its old passages if
                         `clear`; a batch committed before WR_JOB_END marks
                         it 'P'                                             */
    WR_JOB_END,       /* the source is done: write its record               */
    WR_JOB_DROP,      /* delete the source's passages and its record        */
    WR_JOB_TOUCH,     /* the source is unchanged but its mtime moved        */
    WR_JOB_REDO,      /* mark the source's record partial: redone by this
                         run or the next (its articles are not all there)  */
    WR_JOB_META       /* set a metadata key (key = rec.meta_key, value =
                         rec.path)                                          */
} wr_job_kind;

typedef struct wr_job {
    struct wr_job *next;
    wr_job_kind kind;
    src_rec     rec;          /* BEGIN/END/DROP/TOUCH: the record (owned)  */
    int         clear;        /* BEGIN: delete the old passages            */
    qr_article  a;            /* ARTICLE: a copy (owned strings)           */
    char       *source_key;   /* ARTICLE                                    */
    char       *display;      /* ARTICLE: the source as shown               */
    qr_span    *spans;        /* ARTICLE: its passages                      */
    size_t      nspans;
    size_t      bytes;        /* what it holds, for the queue's bound       */
} wr_job;

/* One database being written, by its own thread with its own Xapian
 * handles, fed through a bounded queue. */
typedef struct wr_writer {
    unsigned          batch;         /* commit after this many passages    */
    char             *path;          /* the database it writes             */
    char             *compact_to;    /* compact into this path at the end  */
    int               building;      /* part of a new version: commits are
                                        not synced (a kill -9 keeps them;
                                        the version is synced when it is
                                        compacted)                        */
    xc_db            *db;
    xc_db            *adb;           /* its articles (path/QR_ARTICLES_DIR):
                                        one document per article, committed
                                        just before db (schema.h)          */
    int               adb_new;       /* adb did not exist before this run  */
    xc_termgen       *tg;
    /* the articles' languages (languages.h): each article is stemmed in
     * its own, the one its source names, else the one detected, else the
     * index's (def_code, stemmed with def_stemmer, the index's --lang) */
    qr_langid        *langid;        /* NULL: detection off                 */
    char              def_code[QR_LANG_MAX];
    char             *def_stemmer;
    int               exact_accents;
    struct wr_stem {
        char          code[QR_LANG_MAX];
        xc_stem      *stem;
    }                *stems;         /* made when first needed, kept        */
    size_t            nstems;
    size_t            cur_stem;      /* the one tg has                      */
    unsigned          pending;       /* passages in the open transaction   */
    int               in_txn;
    uint64_t          batch_no;      /* batches committed (QR_META_BATCH)  */
    qr_buf            batch_sources; /* keys of the sources this batch
                                        touched, one a line                */
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
    wr_job           *head, *tail;
    size_t            queued;        /* bytes queued                        */
    int               closing;       /* no more jobs will come              */
    int               commit_at_end; /* commit (else cancel) when closing   */

    qr_status         status;        /* first failure; the writer then only
                                        drains its queue                    */
    qr_buf            err;
} wr_writer;

/* Sets up w (zeroed) to commit every batch passages; its path is set by
 * the caller, its database opened by wr_open. */
void wr_init(wr_writer *w, unsigned batch);
/* Opens w's database (created, or overwritten, when create; else
 * created if missing) and term generator, waiting up to wait seconds for
 * xapian-core's lock. Called on the reading thread before the writer's
 * thread starts. */
qr_status wr_open(wr_writer *w, const char *lang, int exact_accents,
                  int create, int wait, qr_buf *err);
/* The article database of the passage database at path (malloc'd). */
char *wr_articles_path(const char *path);
/* After wr_open: which sources w's articles may lack because a run was
 * interrupted between the two databases' commits. *all: every source
 * (the article database is new, or its batches do not follow the
 * passages'); else *keys (malloc'd, NUL-separated, *n of them, or NULL):
 * the sources of the one batch the article database has beyond the
 * passages. */
qr_status wr_articles_behind(wr_writer *w, int *all, char **keys, size_t *n,
                             qr_buf *err);
/* Opens the first transaction and starts w's thread. */
qr_status wr_start(wr_writer *w);
/* Hands j to w, waiting while w's queue is full. Takes j whatever happens.
 * Returns the writer's failure if it has failed. */
qr_status wr_push(wr_writer *w, wr_job *j);
/* Tells w no more jobs come; commit decides whether what it holds is
 * committed (else it is cancelled). */
void wr_close(wr_writer *w, int commit);
/* Waits for w's thread (after wr_close). Returns its status. */
qr_status wr_join(wr_writer *w);
/* Stops w if it runs (cancelling what it holds) and frees what it owns. */
void wr_free(wr_writer *w);
void wr_job_free(wr_job *j);
/* The first failure among n writers, its message into err (if not NULL). */
qr_status wr_first_failure(const wr_writer *w, unsigned n, qr_buf *err);
/* A failed xapian-core call on a database at path, with the binding's
 * message msg (freed here; NULL: the status's name): appends "<what>
 * <path>: <message>" to err and returns the status through the one
 * mapping, qr_status_from_xc. */
qr_status wr_xc_error(qr_buf *err, const char *what, const char *path,
                      char *msg, xc_status xs);
/* Compacts the n databases src into dest (merge decides metadata keys
 * several hold; NULL keeps the first) and syncs dest to disk; err (cleared
 * first) says "compacting <what>: ..." or "syncing <dest>: ...". n 0 only
 * syncs dest. */
qr_status wr_compact(const char *const *src, unsigned n, const char *dest,
                     const char *what, xc_metadata_merge_fn merge,
                     qr_buf *err);

/* ================================================ Interface to find.c */

/* A SOURCE named on the command line, as find.c found it. */
typedef enum root_kind {
    ROOT_DIR,          /* a directory, walked                               */
    ROOT_FILE,         /* a file, read whatever its name                    */
    ROOT_MISSING,      /* nothing there (stat failed)                       */
    ROOT_UNREADABLE,   /* a directory that cannot be read                   */
    ROOT_OTHER         /* a device, FIFO, socket: skipped                   */
} root_kind;

typedef struct run_root {
    const char *arg;       /* as given (the caller's string)                */
    char       *key;       /* absolute, links not resolved: its sources'
                              keys start with it                            */
    char       *real;      /* a directory's real path (the link rule)       */
    root_kind   kind;
    char       *why;       /* missing, unreadable: the system's reason      */
    size_t      listed;    /* files its walk listed                         */
    size_t      known;     /* prune.c: sources under it (innermost root)    */
    size_t      going;     /*          of which this run would delete       */
    int         held;      /*          they stay, whatever this run found   */
} run_root;

/* What a run reads, in order. */
typedef struct fd_files {
    qr_walk_entry *e;
    size_t         n, cap;
    unsigned char *dup;    /* 1: the file was reached by another path
                              first (or one not through a link): not read  */
    int            use_stdin;
} fd_files;

/* Resolves the SOURCEs into ix->roots (the real paths of every directory
 * before any walk), walks the directories with ix->o's patterns and link
 * policy, adds the files named, and marks files reached twice. Skips and
 * walk warnings are reported as they are met. */
qr_status fd_find(qr_indexer *ix, const char *const *paths, size_t n,
                  fd_files *out);
void fd_files_free(fd_files *f);
void fd_roots_free(qr_indexer *ix);
/* path made absolute, ".", ".." and repeated slashes removed, links not
 * resolved (a source's key). malloc'd, NULL if out of memory. */
char *fd_absolute(const char *path);
/* Whether path is dir or lies under it. */
int fd_under(const char *path, const char *dir);

/* =============================================== Interface to prune.c */

/* After every source was read: judges each SOURCE (missing, unreadable,
 * empty, over --max-delete) against what the index held under it, holds
 * those that would lose sources by accident, and deletes the rest of what
 * vanished; for a --rebuild, decides whether the new version may replace
 * the live one (else ix->discard) and counts what it drops. */
qr_status pr_settle(qr_indexer *ix);
/* --delete: removes the sources each names; one that matches nothing is
 * a warning and counts as skipped. */
qr_status pr_delete_named(qr_indexer *ix);

/* ============================================== Interface to indexer.c */

/* A source (or part of one, whole 0) skipped: recorded in the summary,
 * counted, announced. */
void ix_skip(qr_indexer *ix, const char *where, const char *reason, int whole);
/* A SOURCE held: recorded in the summary's `held`, announced. */
void ix_hold(qr_indexer *ix, const char *root, const char *reason,
             size_t kept);
/* A source removed from the index: announced (and counted by the caller). */
void ix_deleted(qr_indexer *ix, const char *key);
/* Sends a bookkeeping job (a copy of r) to every writer that keeps
 * records. */
qr_status ix_send_rec(qr_indexer *ix, wr_job_kind kind, const src_rec *r,
                      int clear);

/* ============================================== Interface to target.c */

/* One run of the indexer: set up by target.c (where it writes), driven by
 * indexer.c (what it writes). */
struct qr_indexer {
    qr_index_opts     o;
    char             *lang;
    int               exact_accents; /* the index's terms keep accents   */
    src_table         sources;       /* every source known to the index; for
                                        shards, 'P' where they disagree   */
    qr_index_summary  sum;
    double            t0, last_progress;
    uint64_t          gen;           /* this run's id, written in records;
                                        an unfinished forced pass's, when
                                        its marker was found              */
    int               forcing;       /* a forced pass: every source whose
                                        record another run wrote is redone */
    qr_buf            term;

    /* the source being read */
    src_rec          *cur;           /* its bookkeeping (NULL for stdin)   */
    const char       *cur_display;   /* as shown to the user              */
    int               cur_begun;     /* WR_JOB_BEGIN sent (old passages go) */
    unsigned          cur_passages, cur_articles;
    char              cur_date[9];   /* its modification day, YYYYMMDD: the
                                        date of articles that have none   */
    qr_skip          *pending;       /* its warnings, announced once it is
                                        read (whole: about the file as a
                                        whole)                            */
    size_t            npending;
    int               stdin_mode;
    qr_status         cb_status;     /* failure inside the article callback */
    qr_buf           *err;

    /* where this run writes */
    wr_writer        *w;
    unsigned          nw;
    unsigned          nshards;       /* 0: one database                    */
    int               parts;         /* the writers build parts of one new
                                        database, compacted at the end    */
    int               fresh;         /* building a new version (rebuild, or
                                        the first run): switch at the end */
    int               resumed;       /* fresh: an interrupted build, picked
                                        up again                          */
    int               keep_build;    /* fresh: leave build_dir for the next
                                        run to resume (until it is
                                        finished or discarded)            */
    int               discard;       /* fresh: a hold keeps the live index */
    char             *version;       /* the version written                */
    char             *build_dir;     /* fresh: PATH/vN.build               */
    char             *final_dir;     /* fresh: PATH/vN                     */
    int               lock_fd;       /* the writer lock, -1 if none        */
    char             *live_lang;     /* the live index's language          */
    int               live_exact;    /* and whether it keeps accents: 1, 0,
                                        -1 when it records no analysis  */
    int               live_empty;    /* the live index has no sources      */
    src_table         live;          /* --rebuild over a non-empty index:
                                        the live index's records, to judge
                                        what the new version would lose   */

    /* the SOURCEs of this run (find.c) */
    run_root         *roots;
    size_t            nroots;

    /* paths whose walk reported a problem: never treated as vanished */
    char            **protect;
    size_t            nprotect, protect_cap;
};

/* A new version, once every writer has committed: compacts the parts into
 * one database, switches the stub to it and retires the old one. */
qr_status tg_finish_fresh(qr_indexer *ix);

/* indexer.c defines qr_indexer_run, qr_indexer_summary and qr_summary_json
 * (index.h) and needs nothing from the others but the above. */

#endif

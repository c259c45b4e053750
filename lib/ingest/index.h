/*
 * index.h — an indexing run: walks the sources, reads them into articles,
 * splits passages and writes them, keeping the per-source bookkeeping that
 * makes the next run incremental.
 *
 * Writers: each database being written (the index, one of its shards, or
 * one of the parts of a new index built in parallel) has its own writer
 * thread with its own Xapian handles; the calling thread walks and reads
 * the sources, splits passages and hands articles to the writers through
 * bounded queues, so memory stays bounded whatever the corpus size. A new
 * database (--rebuild, or the first run into an empty index) is built as
 * two parts in parallel, compacted into one, and switched to atomically.
 *
 * Crash safety: documents and bookkeeping change only inside Xapian
 * transactions, committed in batches. A source is marked done (its "src:"
 * metadata) in the same commit as its passages; a source too large for one
 * batch is first marked "partial", so an interrupted run leaves a state the
 * next run recognises and redoes. Nothing is ever marked done without its
 * passages, and no source has its passages twice. Every database written
 * (a shard, or a part of a new index) keeps a record of every source with
 * its own passage count, and a source counts as unchanged only when all
 * agree on it, so a crash between two commits makes the next run redo it.
 *
 * Resuming: an interrupted first build (and an interrupted --rebuild, when
 * the next run is a --rebuild with the same shards and language) is kept
 * and resumed: the sources it finished are unchanged. An interrupted
 * --force leaves a marker that makes the next run finish the forced pass.
 * What an interrupted run loses is its uncommitted batch.
 *
 * Nothing wiped by accident: a SOURCE that is missing, unreadable or empty
 * while the index holds sources under it, or whose sources this run would
 * delete beyond opts.max_delete, is held: its sources stay (a --rebuild is
 * not switched to), and the summary's `held` says why.
 *
 * Where the code is (index_int.h is the table of contents): indexer.c the
 * run (walk, read, split, hand out, summary); target.c where it writes
 * (open, new version, compact, switch); writer.c the writer threads and
 * their commits; sources.c the bookkeeping records. The checker is
 * check.h.
 */
#ifndef QUARRY_INDEX_H
#define QUARRY_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "passage.h"
#include "reader.h"
#include "util.h"

typedef enum qr_event_kind {
    QR_EV_WARNING,    /* part of a source skipped (where, reason)           */
    QR_EV_SKIPPED,    /* a whole source skipped (where, reason)             */
    QR_EV_SOURCE,     /* a source finished (where, action: added/updated/
                         unchanged/deleted)                                 */
    QR_EV_PROGRESS,   /* periodic: see the counters in the summary          */
    QR_EV_HELD        /* a SOURCE's sources kept rather than deleted (where,
                         reason; the summary's last `held` entry)           */
} qr_event_kind;

typedef struct qr_index_summary qr_index_summary;

typedef struct qr_event {
    qr_event_kind kind;
    const char *where;    /* source path, "file:line" or "archive/member"   */
    const char *reason;   /* warnings and skips                              */
    const char *action;   /* QR_EV_SOURCE: "added", "updated", ...           */
    const qr_index_summary *summary;   /* counters so far                    */
} qr_event;

typedef void (*qr_event_cb)(void *ctx, const qr_event *ev);

/* How much of what the index holds under one SOURCE a run may delete
 * (--max-delete): a count, or a percentage of the sources under it.
 * Zeroed: the default, 50%. */
typedef struct qr_max_delete {
    int      set;       /* 0: the default                                  */
    int      percent;   /* value is a percentage (0..100), else a count    */
    uint64_t value;
} qr_max_delete;

/* Parses "N" (a count) or "P%" (0..100). 0, or -1 if s is neither. */
int qr_max_delete_parse(const char *s, qr_max_delete *out);
/* Whether deleting `deleting` of the `total` sources under a SOURCE stays
 * within m. */
int qr_max_delete_allows(const qr_max_delete *m, size_t deleting, size_t total);
/* m as the user writes it ("50%", "10"), into buf. */
void qr_max_delete_format(const qr_max_delete *m, char *buf, size_t size);

typedef struct qr_index_opts {
    const char *db_path;       /* the index directory                        */
    const char *lang;          /* stemmer language; NULL = the index's own, or
                                  english for a new index                    */
    int exact_accents;         /* a new index keeps accents in its terms
                                  (else "cafe" finds "café"); an existing
                                  index keeps its own choice, changed by
                                  --rebuild alone                          */
    int wait_seconds;          /* lock: 0 fail at once, >0 wait, <0 forever   */
    unsigned batch_passages;   /* commit after about this many passages
                                  (0 = default)                              */
    int force;                 /* reindex every source even if unchanged (a
                                  marker in the index lets an interrupted
                                  forced pass finish in the next run)      */
    int rebuild;               /* build a complete new index beside the live
                                  one, compact it and switch readers to it
                                  atomically (see layout.h)                  */
    unsigned shards;           /* split articles over this many shard
                                  databases by a hash of the article id
                                  (0 = keep the index's layout; 1 = one
                                  database); changing it needs --rebuild
                                  unless the index is empty                 */
    qr_split_opts split;       /* passage sizes (zeros = defaults)           */
    qr_read_opts read;         /* reader limits (zeros = defaults)           */
    /* what a directory's walk lists (walk.h); files named directly are
     * always read */
    const char *const *include;    /* with any: only files matching one  */
    size_t ninclude;
    const char *const *exclude;    /* files and directories left out     */
    size_t nexclude;
    int hidden;                    /* walk hidden entries too            */
    int follow_links;              /* follow links out of the SOURCEs    */
    qr_max_delete max_delete;      /* per SOURCE (zeroed: 50%)           */
    const char *const *deletes;    /* --delete: sources removed on purpose:
                                      a file, every source under a
                                      directory, or a standard-input id  */
    size_t ndeletes;
    qr_event_cb on_event;      /* may be NULL                                */
    void *ctx;
    double progress_interval;  /* seconds between QR_EV_PROGRESS (0 = none)  */
} qr_index_opts;

typedef struct qr_skip {
    char *where;      /* source, or "source:line" / "archive/member"        */
    char *reason;     /* one line                                           */
    int whole;        /* 1: the whole source was skipped; 0: a part of it   */
} qr_skip;

/* A SOURCE whose sources were kept rather than deleted. */
typedef struct qr_hold {
    char  *root;      /* the SOURCE as given                                */
    char  *reason;    /* one line: "missing: ...", "unreadable: ...",
                         "empty: ...", "would delete N of its M sources..." */
    size_t kept;      /* sources of the index under it that were kept       */
} qr_hold;

struct qr_index_summary {
    size_t added;          /* sources new to the index                     */
    size_t updated;        /* sources changed and reindexed                */
    size_t deleted;        /* sources removed from the index: gone from (or
                              excluded in) a walked directory, --delete; for
                              --rebuild, the live index's sources that the
                              new version lacks                             */
    size_t unchanged;      /* sources skipped because nothing changed      */
    size_t skipped;        /* sources skipped whole (unreadable, binary..) */
    size_t partial;        /* parts skipped inside otherwise indexed ones  */
    size_t articles;       /* articles written this run                    */
    size_t passages;       /* passages written this run                    */
    uint64_t bytes;        /* bytes of input read this run                 */
    uint64_t bytes_total;  /* bytes of all sources to look at (for ETA)    */
    size_t sources_done;   /* sources looked at so far                     */
    size_t sources_total;  /* sources found                                */
    double seconds;        /* wall time so far                             */
    qr_skip *skips;        /* every skip and warning, in order             */
    size_t nskips;
    qr_hold *held;         /* SOURCEs whose sources were kept, and why     */
    size_t nheld;
    int not_switched;      /* --rebuild: a hold kept the live index; the
                              new version was thrown away                  */
};

typedef struct qr_indexer qr_indexer;

/* Opens (creating if needed) the index for writing. A held lock gives
 * QR_ERR_LOCKED, an unknown language QR_ERR_USAGE; err receives a message. */
qr_status qr_indexer_open(const qr_index_opts *opts, qr_indexer **out,
                          qr_buf *err);

/* Indexes the sources named by paths: files, directories (walked
 * recursively; sources that vanished from under them are deleted from the
 * index, unless held) and "-" (JSON Lines on standard input); then removes
 * opts.deletes. Commits as it goes and at the end. Returns QR_OK even when
 * sources were skipped or held (see the summary); an error means the run
 * stopped: everything committed before stays valid. */
qr_status qr_indexer_run(qr_indexer *ix, const char *const *paths, size_t n,
                         qr_buf *err);

const qr_index_summary *qr_indexer_summary(const qr_indexer *ix);

/* Writes the summary as one JSON object (no trailing newline). */
int qr_summary_json(const qr_index_summary *s, qr_buf *out);

/* Closes the index (uncommitted changes are discarded) and frees ix. A
 * new version left unfinished (the run failed or was not run) stays for
 * the next run to resume; one that was finished or thrown away does not. */
void qr_indexer_free(qr_indexer *ix);

#endif

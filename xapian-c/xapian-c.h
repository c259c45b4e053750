/*
 * xapian-c.h — Quarry's C binding over xapian-core 1.4.
 *
 * Pure C11. Every type is an opaque handle; every function returns an
 * xc_status (or a plain value where nothing can fail) and never lets a C++
 * exception escape. A failing call on a handle keeps a message on that handle
 * (xc_*_errmsg); constructors, which have no handle yet, hand the message back
 * through an optional `char **err` (malloc'd, caller frees, set only on
 * failure).
 *
 * Ownership rules, true of every function below unless its comment says
 * otherwise:
 *   - strings and buffers passed in are copied; the caller keeps them;
 *   - `char **out` / `void **out` results are malloc'd: the caller free()s them;
 *   - `*out` is written only when the call returns XC_OK;
 *   - every _free / _close accepts NULL.
 */
#ifndef XAPIAN_C_H
#define XAPIAN_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status */

typedef enum xc_status {
    XC_OK = 0,
    XC_INVALID_ARG,      /* NULL handle, out-of-range number, bad flag      */
    XC_NOT_FOUND,        /* no database at that path / no such document    */
    XC_LOCKED,           /* another writer holds the database lock          */
    XC_CORRUPT,          /* database files damaged or of an unknown format  */
    XC_VERSION,          /* database format too old or too new              */
    XC_MODIFIED,         /* reader saw a newer revision: call xc_db_reopen  */
    XC_QUERY_SYNTAX,     /* QueryParser could not parse the input           */
    XC_RANGE,            /* e.g. unknown language, value out of range       */
    XC_NETWORK,          /* remote backend: connection refused or failed    */
    XC_TIMEOUT,          /* remote backend: timed out                       */
    XC_IO,               /* read/write error (disk full, permission ...)    */
    XC_NOMEM,            /* std::bad_alloc                                  */
    XC_UNIMPLEMENTED,    /* operation the backend cannot do (e.g. remote)   */
    XC_ERROR             /* any other xapian-core or C++ error              */
} xc_status;

/* A short constant English name for a status ("locked", ...). Never NULL. */
const char *xc_status_str(xc_status st);

/* xapian-core's version string, e.g. "1.4.22". Static, never NULL. */
const char *xc_version_string(void);

/* -------------------------------------------------------------- database */

typedef struct xc_db xc_db;

typedef enum xc_open_mode {
    XC_DB_READONLY = 0,        /* path may be a directory or a stub file     */
    XC_DB_OPEN,                /* writable; fails with XC_NOT_FOUND if none  */
    XC_DB_CREATE_OR_OPEN,      /* writable; creates an empty glass database  */
    XC_DB_CREATE_OR_OVERWRITE  /* writable; replaces any existing database   */
} xc_open_mode;

/* Extra flags for writable modes (OR-able). */
enum {
    XC_DB_NO_SYNC = 1,         /* skip fsync (rebuilds into a scratch dir)   */
    XC_DB_FULL_SYNC = 2
};

/* Opens a database.
 * path:        a glass directory or a stub file (local or `remote` lines).
 * mode:        one of xc_open_mode.
 * flags:       XC_DB_* flags for writable modes, else 0.
 * wait_seconds: for writable modes, how long to keep retrying while another
 *               writer holds the lock; 0 = fail at once with XC_LOCKED,
 *               negative = wait forever.
 * Returns XC_OK, XC_NOT_FOUND, XC_LOCKED, XC_CORRUPT, XC_VERSION, XC_IO,
 * XC_NETWORK, XC_TIMEOUT, XC_INVALID_ARG, XC_ERROR. */
xc_status xc_db_open(const char *path, xc_open_mode mode, int flags,
                     int wait_seconds, xc_db **out, char **err);

/* Opens several databases (paths or stub files) as one read-only database
 * whose statistics are global across all of them (sharding). */
xc_status xc_db_open_multi(const char *const *paths, size_t n, xc_db **out,
                           char **err);

/* Opens a remote read-only database served by xapian-tcpsrv.
 * timeout_ms applies to each operation, connect_timeout_ms to connecting. */
xc_status xc_db_open_remote(const char *host, unsigned port,
                            unsigned timeout_ms, unsigned connect_timeout_ms,
                            xc_db **out, char **err);

/* Opens a remote read-only database through a program that speaks Xapian's
 * remote protocol on its standard input and output: xapian-progsrv, often
 * through ssh (program "ssh", args "host xapian-progsrv /srv/db"). The
 * program is looked up in PATH when it has no '/'; args is split at spaces
 * (no quoting), as xapian-core does. timeout_ms applies to each operation,
 * the program's greeting included; there is no separate connect timeout
 * (give ssh its own, -o ConnectTimeout=N).
 * Returns XC_OK, XC_NETWORK (the program could not be run, or exited),
 * XC_TIMEOUT, XC_INVALID_ARG, XC_NOMEM, XC_ERROR. */
xc_status xc_db_open_remote_program(const char *program, const char *args,
                                    unsigned timeout_ms, xc_db **out,
                                    char **err);

/* An empty read-only database, to which xc_db_add_database adds shards.
 * Searching it while it is empty finds nothing. Returns XC_OK, XC_NOMEM,
 * XC_INVALID_ARG (out NULL). */
xc_status xc_db_new_empty(xc_db **out, char **err);

/* Adds the databases of sub to db (Xapian::Database::add_database): db then
 * searches them with the ones it had as one database, with statistics
 * global across all of them; document ids interleave (Xapian's rule for
 * several databases). Both must be read-only handles; sub may be a glass
 * database, a stub, a remote database or an earlier combination.
 * On XC_OK, sub is consumed: its handle is freed, its databases now belong
 * to db (xc_db_close(db) closes them). On failure the caller still owns
 * sub. Returns XC_OK, XC_INVALID_ARG (NULL, the same handle twice, a
 * writable handle), XC_NOMEM, XC_ERROR; the message is on db. */
xc_status xc_db_add_database(xc_db *db, xc_db *sub);

/* Closes the database, releasing a write lock, and frees the handle.
 * As xapian-core's close() does: a transaction in progress is cancelled;
 * otherwise pending changes are committed, and a failure of that implicit
 * commit cannot be reported, so call xc_db_commit first to see it. */
void xc_db_close(xc_db *db);

/* Last error message on this handle, "" if none. Owned by the handle. */
const char *xc_db_errmsg(const xc_db *db);

int xc_db_is_writable(const xc_db *db);

/* Read-only handles: move to the latest committed revision. Sets *changed
 * (if non-NULL) to 1 when it moved. */
xc_status xc_db_reopen(xc_db *db, int *changed);

xc_status xc_db_commit(xc_db *db);
/* flushed != 0: the transaction commits to disk when it ends. */
xc_status xc_db_begin_transaction(xc_db *db, int flushed);
xc_status xc_db_commit_transaction(xc_db *db);
xc_status xc_db_cancel_transaction(xc_db *db);

typedef struct xc_doc xc_doc;

/* Adds a document; *docid (may be NULL) receives its id. */
xc_status xc_db_add_document(xc_db *db, const xc_doc *doc, uint32_t *docid);
/* Replaces every document indexed by unique_term with doc (adds if none). */
xc_status xc_db_replace_document_by_term(xc_db *db, const char *unique_term,
                                         const xc_doc *doc, uint32_t *docid);
xc_status xc_db_delete_document(xc_db *db, uint32_t docid);
/* Deletes every document indexed by term (no error if there are none). */
xc_status xc_db_delete_documents_by_term(xc_db *db, const char *term);
/* *out receives a new document handle (caller frees). XC_NOT_FOUND if none. */
xc_status xc_db_get_document(xc_db *db, uint32_t docid, xc_doc **out);

/* User metadata. get: *out malloc'd (NUL-terminated as a convenience),
 * *len its length; a missing key gives XC_OK with *out = NULL, *len = 0.
 * set: an empty value (len 0) deletes the key. */
xc_status xc_db_get_metadata(xc_db *db, const char *key, char **out,
                             size_t *len);
xc_status xc_db_set_metadata(xc_db *db, const char *key, const char *value,
                             size_t len);

/* Iteration callbacks return 0 to go on, non-zero to stop early. */
typedef int (*xc_metadata_cb)(void *ctx, const char *key, const char *value,
                              size_t len);
typedef int (*xc_term_cb)(void *ctx, const char *term, size_t len,
                          uint32_t termfreq_or_wdf);
typedef int (*xc_docid_cb)(void *ctx, uint32_t docid, uint32_t wdf);
typedef int (*xc_pos_cb)(void *ctx, uint32_t pos);

/* Every metadata key starting with prefix ("" for all), in key order. */
xc_status xc_db_metadata_each(xc_db *db, const char *prefix,
                              xc_metadata_cb cb, void *ctx);
/* Every term starting with prefix, in byte order, with its termfreq. */
xc_status xc_db_allterms_each(xc_db *db, const char *prefix, xc_term_cb cb,
                              void *ctx);
/* Every document containing term, with the term's wdf. */
xc_status xc_db_postlist_each(xc_db *db, const char *term, xc_docid_cb cb,
                              void *ctx);
/* Every position of term in document docid. */
xc_status xc_db_positions_each(xc_db *db, uint32_t docid, const char *term,
                               xc_pos_cb cb, void *ctx);

typedef struct xc_db_stats {
    uint32_t doccount;
    uint32_t lastdocid;
    double   avlength;
    uint64_t total_length;
    uint32_t doclength_lower;
    uint32_t doclength_upper;
    int      has_positions;
    uint64_t revision;      /* 0 for multi or remote databases */
} xc_db_stats;
xc_status xc_db_get_stats(xc_db *db, xc_db_stats *out);
xc_status xc_db_termfreq(xc_db *db, const char *term, uint32_t *out);
/* The frequencies of terms[0..n) into out[0..n): with remote shards all
 * asked at once, one exchange per shard, the shards together
 * (xc_db_termfreq costs one per shard and term); locally one lookup each.
 * The same numbers as xc_db_termfreq. */
xc_status xc_db_termfreqs(xc_db *db, const char *const *terms, size_t n,
                          uint32_t *out);
/* Flags of xc_db_read_documents and xc_mset_fetch: read each remote
 * document's term list as well (xc_doc_terms_each then needs no round
 * trip). */
#define XC_READ_TERMS 1u
/* The term lists alone: xc_mset_fetch (for xc_mset_terms_each), and
 * xc_db_read_documents, whose remote documents then have their terms
 * (xc_doc_terms_each) and nothing else: half the requests. */
#define XC_READ_TERMS_ONLY 2u
/* xc_mset_fetch: each document's length too (xc_mset_doclength). */
#define XC_READ_LENGTH 4u
/* The documents docids[0..n) of db into out[0..n) (each freed with
 * xc_doc_free; all NULL on failure). xapian-core 1.4's remote backend
 * answers one request at a time per connection, and MSet::fetch() reads
 * remote documents one after another, so the documents of each remote
 * shard are read over up to 8 connections of their own, side by side
 * (opened when first needed, kept with db): N documents of a shard cost
 * about N / 8 round trips, the shards together. Local documents are read
 * as xc_db_get_document reads them. */
xc_status xc_db_read_documents(xc_db *db, const uint32_t *docids, size_t n,
                               unsigned flags, xc_doc **out);
/* The lengths of documents docids[0..n), read as xc_db_read_documents
 * reads documents. */
xc_status xc_db_doclengths(xc_db *db, const uint32_t *docids, size_t n,
                           uint32_t *out);
xc_status xc_db_collection_freq(xc_db *db, const char *term, uint64_t *out);
xc_status xc_db_term_exists(xc_db *db, const char *term, int *out);
xc_status xc_db_doclength(xc_db *db, uint32_t docid, uint32_t *out);
/* Database UUID (malloc'd string). */
xc_status xc_db_uuid(xc_db *db, char **out);

/* Compacts the databases in srcs (n >= 1) into a new database at dest.
 * multipass != 0 uses Xapian's multipass merge. Output from xapian-core's
 * compactor is discarded. */
xc_status xc_compact(const char *const *srcs, size_t n, const char *dest,
                     int multipass, char **err);

/* Decides the value of a metadata key that several of the databases being
 * compacted hold (xapian-core alone keeps the first source's). values[i]
 * (lens[i] bytes, NUL-terminated) are in the order of srcs, nvalues >= 2.
 * Returns 0 with *out a malloc'd value of *out_len bytes, 0 with *out NULL
 * to keep values[0], or non-zero to fail the compaction (XC_ERROR). Runs
 * inside the compaction; it must not call back into the binding. */
typedef int (*xc_metadata_merge_fn)(void *ctx, const char *key,
                                    size_t nvalues, const char *const *values,
                                    const size_t *lens, char **out,
                                    size_t *out_len);

/* xc_compact, with merge (may be NULL: keep the first) deciding every
 * metadata key present in more than one source. */
xc_status xc_compact_merge(const char *const *srcs, size_t n, const char *dest,
                           int multipass, xc_metadata_merge_fn merge,
                           void *ctx, char **err);

/* Runs Xapian::Database::check over path (checks every table). *nerrors
 * receives the number of errors found; if report is non-NULL it receives the
 * checker's text output (malloc'd). A database it cannot open at all gives
 * XC_CORRUPT/XC_NOT_FOUND. */
xc_status xc_db_check(const char *path, size_t *nerrors, char **report,
                      char **err);

/* -------------------------------------------------------------- document */

xc_status xc_doc_new(xc_doc **out);
void xc_doc_free(xc_doc *doc);
const char *xc_doc_errmsg(const xc_doc *doc);
uint32_t xc_doc_docid(const xc_doc *doc);

xc_status xc_doc_set_data(xc_doc *doc, const void *data, size_t len);
/* *out malloc'd (NUL-terminated), *len its length. */
xc_status xc_doc_get_data(const xc_doc *doc, char **out, size_t *len);
xc_status xc_doc_add_term(xc_doc *doc, const char *term, uint32_t wdfinc);
xc_status xc_doc_add_boolean_term(xc_doc *doc, const char *term);
xc_status xc_doc_add_posting(xc_doc *doc, const char *term, uint32_t pos,
                             uint32_t wdfinc);
xc_status xc_doc_remove_term(xc_doc *doc, const char *term);
xc_status xc_doc_add_value(xc_doc *doc, unsigned slot, const void *value,
                           size_t len);
/* Missing value: XC_OK with *out = NULL, *len = 0. */
xc_status xc_doc_get_value(const xc_doc *doc, unsigned slot, char **out,
                           size_t *len);
/* Every term of the document with its wdf. */
xc_status xc_doc_terms_each(const xc_doc *doc, xc_term_cb cb, void *ctx);
size_t xc_doc_termcount(const xc_doc *doc);

/* Xapian::sortable_serialise / unserialise. buf needs 9 bytes; returns
 * the number of bytes written. */
size_t xc_sortable_serialise(double value, char buf[9]);
double xc_sortable_unserialise(const char *buf, size_t len);

/* ------------------------------------------------------ stemmer, stopper */

typedef struct xc_stem xc_stem;
/* lang: a Snowball language name or code xapian-core knows ("english",
 * "en", "french", ...), or "none". Unknown: XC_RANGE. */
xc_status xc_stem_new(const char *lang, xc_stem **out, char **err);
/* Like xc_stem_new, but the stemmer remembers up to max_entries stems it
 * has computed (the same stems; fixed memory, 64 bytes an entry). Not for
 * concurrent use: one thread at a time, including through term generators
 * it is given to (they share it). */
xc_status xc_stem_new_cached(const char *lang, size_t max_entries,
                             xc_stem **out, char **err);
/* A word's folded form, written to out (room for len bytes: a fold never
 * lengthens a word); returns its length. Called from inside xapian-core:
 * it must not call back into the binding, nor longjmp. */
typedef size_t (*xc_fold_fn)(void *ctx, const char *word, size_t len,
                             char *out);
/* From now on stem folds every word with fold(ctx, ...) before stemming it
 * in xc_stem_word and in
 * every term generator and query parser given stem afterwards; a "none"
 * stemmer then yields the folded word. ctx must outlive stem and its
 * copies. Returns XC_OK, XC_INVALID_ARG (NULL stem or fold), XC_NOMEM. */
xc_status xc_stem_set_fold(xc_stem *stem, xc_fold_fn fold, void *ctx);
void xc_stem_free(xc_stem *stem);
/* Stems one lower-case UTF-8 word; *out malloc'd. */
xc_status xc_stem_word(xc_stem *stem, const char *word, size_t len,
                       char **out);
/* Space-separated list of the languages this xapian-core supports. Static. */
const char *xc_stem_languages(void);

typedef struct xc_stopper xc_stopper;
xc_status xc_stopper_new(xc_stopper **out);
void xc_stopper_free(xc_stopper *s);
xc_status xc_stopper_add(xc_stopper *s, const char *word);
int xc_stopper_is_stop(const xc_stopper *s, const char *word);

/* Stemming strategies: the same numbers for TermGenerator and QueryParser. */
typedef enum xc_stem_strategy {
    XC_STEM_NONE = 0,
    XC_STEM_SOME,          /* unstemmed terms + Z-prefixed stems        */
    XC_STEM_ALL,           /* stems only, no Z prefix, positions kept   */
    XC_STEM_ALL_Z,         /* stems only, all Z-prefixed                */
    XC_STEM_SOME_FULL_POS  /* like SOME, positions on stems too         */
} xc_stem_strategy;

/* -------------------------------------------------------- term generator */

typedef struct xc_termgen xc_termgen;

enum {
    XC_TG_STOP_NONE = 0,   /* stop words indexed as usual               */
    XC_TG_STOP_ALL,        /* stop words not indexed at all             */
    XC_TG_STOP_STEMMED     /* stop words indexed, but not their stems   */
};

xc_status xc_termgen_new(xc_termgen **out, char **err);
void xc_termgen_free(xc_termgen *tg);
const char *xc_termgen_errmsg(const xc_termgen *tg);
/* The stemmer and stopper are copied (ref-counted); the caller may free its
 * own handles at once. NULL clears. */
xc_status xc_termgen_set_stemmer(xc_termgen *tg, const xc_stem *stem);
xc_status xc_termgen_set_stopper(xc_termgen *tg, const xc_stopper *s,
                                 int stop_strategy);
xc_status xc_termgen_set_stemming_strategy(xc_termgen *tg,
                                           xc_stem_strategy st);
/* TermGenerator flags (xapian-core's values): XC_TG_CJK_NGRAM indexes runs
 * of Chinese, Japanese and Korean characters as unigrams (with positions)
 * and bigrams (without). Replaces the flags set before. */
enum { XC_TG_SPELLING = 128, XC_TG_CJK_NGRAM = 2048 };
xc_status xc_termgen_set_flags(xc_termgen *tg, unsigned flags);
/* The document terms go to; the termgen keeps a reference to doc, which must
 * outlive its use here. Resets the term position to 0. */
xc_status xc_termgen_set_document(xc_termgen *tg, xc_doc *doc);
/* Indexes UTF-8 text (len bytes) with wdf increment wdfinc, terms prefixed
 * with prefix ("" for none); with_positions = 0 adds no positional info. */
xc_status xc_termgen_index_text(xc_termgen *tg, const char *text, size_t len,
                                uint32_t wdfinc, const char *prefix,
                                int with_positions);
xc_status xc_termgen_increase_termpos(xc_termgen *tg, uint32_t delta);
uint32_t xc_termgen_get_termpos(const xc_termgen *tg);
xc_status xc_termgen_set_termpos(xc_termgen *tg, uint32_t pos);

/* ----------------------------------------------------------------- query */

typedef struct xc_query xc_query;

typedef enum xc_query_op {
    XC_OP_AND = 0, XC_OP_OR, XC_OP_AND_NOT, XC_OP_XOR, XC_OP_AND_MAYBE,
    XC_OP_FILTER, XC_OP_NEAR, XC_OP_PHRASE, XC_OP_ELITE_SET, XC_OP_SYNONYM,
    XC_OP_MAX
} xc_query_op;

/* A single term query: wqf is the within-query frequency, pos its position
 * (0 = none). */
xc_status xc_query_new_term(const char *term, uint32_t wqf, uint32_t pos,
                            xc_query **out);
/* Combines subqueries (copied; caller still frees its own). window is used
 * by NEAR and PHRASE (0 = number of subqueries) and as the set size of
 * ELITE_SET. n == 0 yields the empty query. */
xc_status xc_query_new_combine(xc_query_op op, xc_query *const *subs, size_t n,
                               uint32_t window, xc_query **out);
/* OP_SCALE_WEIGHT: sub's weights multiplied by factor (>= 0). */
xc_status xc_query_new_scaled(const xc_query *sub, double factor,
                              xc_query **out);
/* Wildcard: every term starting with prefix; expanding to more than
 * max_expansion terms fails at match time with XC_RANGE (0 = no limit). */
xc_status xc_query_new_wildcard(const char *prefix, uint32_t max_expansion,
                                xc_query **out);
/* Documents whose value in slot is between lo and hi (bytewise; either
 * may be NULL for no bound, not both). */
xc_status xc_query_new_value_range(unsigned slot, const char *lo,
                                   const char *hi, xc_query **out);
/* The query matching every document. */
xc_status xc_query_new_match_all(xc_query **out);
void xc_query_free(xc_query *q);
int xc_query_is_empty(const xc_query *q);
/* Human-readable description (Query::get_description), malloc'd. */
xc_status xc_query_describe(const xc_query *q, char **out);
/* Every distinct term of the query, in term order (wildcards unexpanded). */
xc_status xc_query_terms_each(const xc_query *q, xc_term_cb cb, void *ctx);

/* Quarry's index keeps no word positions, so phrases are verified on the
 * stored text: a query is run with its phrases as plain ANDs, and each hit
 * is then checked against the original query's structure. */

/* A copy of q in which every PHRASE and NEAR is an AND of its subqueries,
 * so that it matches on a database without positions. *had_windows is set
 * to whether q had any. A node whose parameter the public API hides
 * (ELITE_SET, SCALE_WEIGHT) is kept as it is, with any phrase below it. */
xc_status xc_query_unwindow(const xc_query *q, xc_query **out,
                            int *had_windows);

/* The phrases of q, for showing them as phrases: cb gets each PHRASE
 * node's terms in order (return non-zero to stop); then outside gets, in
 * term order, every distinct term q has outside its phrases (NEAR counts
 * as outside: its words need not stand together). */
typedef int (*xc_phrase_cb)(void *ctx, const char *const *terms, size_t n);
xc_status xc_query_phrases_each(const xc_query *q, xc_phrase_cb cb,
                                xc_term_cb outside, void *ctx);

/* The parts of q that a passage can show, for choosing an article's best
 * passage once the article matched q as a whole: what NOT, AND_NOT and
 * FILTER exclude or require is dropped (the article level decided it),
 * AND, XOR and AND_MAYBE become OR, field terms (a prefix of capitals) and
 * value ranges are dropped, except that terms with the prefix unprefix
 * (NULL: none) lose it ("Sipod" becomes "ipod": a title word is looked
 * for in the text); a phrase or NEAR of unprefixed terms is kept, one with
 * field terms becomes the OR of what is left of it. *out is the empty
 * query when nothing positive is left (a query of exclusions or filters
 * alone). */
xc_status xc_query_positive(const xc_query *q, const char *unprefix,
                            xc_query **out);

/* Callbacks of xc_query_evaluate; each returns 1 (yes), 0 (no) or -1
 * (cannot tell). term: does the document have term? window: do terms[0..n)
 * occur within window positions of each other, in this order when
 * ordered (PHRASE), in any order otherwise (NEAR)? */
typedef int (*xc_eval_term_cb)(void *ctx, const char *term, size_t len);
typedef int (*xc_eval_window_cb)(void *ctx, int ordered,
                                 const char *const *terms, size_t n,
                                 uint32_t window);

/* Evaluates q's boolean structure for one document in three-valued logic:
 * *verdict is 1 when the document matches q, 0 when it does not, -1 when
 * the callbacks cannot tell (value ranges, wildcards and other leaves
 * without a term are -1 themselves). AND_MAYBE counts its first subquery
 * only; AND_NOT is the first and none of the rest. */
xc_status xc_query_evaluate(const xc_query *q, xc_eval_term_cb term,
                            xc_eval_window_cb window, void *ctx,
                            int *verdict);

/* The variant k (0 <= k < nvariants) of term[0..len): *out a malloc'd
 * term, or NULL when term has none. Returns 0, or non-zero on out of
 * memory. */
typedef int (*xc_term_variant_fn)(void *ctx, unsigned k, const char *term,
                                  size_t len, char **out);
/* A copy of q in which each term stands with its variants (a word's stem
 * in other languages): a term outside PHRASE and NEAR becomes the
 * SYNONYM of itself and its distinct variants; a PHRASE or NEAR of terms
 * becomes the OR of itself and, for each k that changes one of its terms,
 * the same window of the variants k (the words stand together in the text
 * of one language). Nodes whose parameter the public API hides
 * (ELITE_SET, SCALE_WEIGHT) and other leaves are kept as they are. */
xc_status xc_query_with_variants(const xc_query *q, xc_term_variant_fn fn,
                                 void *ctx, unsigned nvariants,
                                 xc_query **out);

/* ---------------------------------------------------------- query parser */

typedef struct xc_qparser xc_qparser;

/* QueryParser flags: same bit values as Xapian::QueryParser::feature_flag. */
enum {
    XC_QP_BOOLEAN = 1, XC_QP_PHRASE = 2, XC_QP_LOVEHATE = 4,
    XC_QP_BOOLEAN_ANY_CASE = 8, XC_QP_WILDCARD = 16, XC_QP_PURE_NOT = 32,
    XC_QP_PARTIAL = 64, XC_QP_SPELLING_CORRECTION = 128, XC_QP_SYNONYM = 256,
    XC_QP_AUTO_SYNONYMS = 512, XC_QP_AUTO_MULTIWORD_SYNONYMS = 1024,
    XC_QP_CJK_NGRAM = 2048,
    XC_QP_DEFAULT = 1 | 2 | 4   /* BOOLEAN | PHRASE | LOVEHATE */
};

xc_status xc_qparser_new(xc_qparser **out, char **err);
void xc_qparser_free(xc_qparser *qp);
const char *xc_qparser_errmsg(const xc_qparser *qp);
/* Database used for wildcard expansion (and spelling); kept by reference:
 * db must outlive the parser's use. NULL clears. */
xc_status xc_qparser_set_database(xc_qparser *qp, xc_db *db);
xc_status xc_qparser_set_stemmer(xc_qparser *qp, const xc_stem *stem);
xc_status xc_qparser_set_stemming_strategy(xc_qparser *qp,
                                           xc_stem_strategy st);
xc_status xc_qparser_set_stopper(xc_qparser *qp, const xc_stopper *s);
/* op: XC_OP_OR, XC_OP_AND, XC_OP_NEAR, XC_OP_PHRASE, XC_OP_ELITE_SET or
 * XC_OP_MAX; anything else gives XC_INVALID_ARG. */
xc_status xc_qparser_set_default_op(xc_qparser *qp, xc_query_op op);
/* field "title" -> prefix "S": free-text field (may be called several times
 * per field; field "" adds a prefix to unqualified words). */
xc_status xc_qparser_add_prefix(xc_qparser *qp, const char *field,
                                const char *prefix);
/* Boolean filter field (e.g. "id" -> "Q"). */
xc_status xc_qparser_add_boolean_prefix(xc_qparser *qp, const char *field,
                                        const char *prefix);
/* A boolean field (a filter, as add_boolean_prefix) whose text is
 * analysed with stem as the indexer analyses text, each word a term with
 * prefix, all of them required: "source:Tech" filters on XStech. Filters
 * on different fields must all hold, several on one field any of them. */
xc_status xc_qparser_add_boolean_field(xc_qparser *qp, const char *field,
                                       const char *prefix,
                                       const xc_stem *stem);
/* Date ranges over value slot holding YYYYMMDD strings, recognised with the
 * given field prefix (e.g. "date:") or, if prefix is NULL/"", bare
 * "A..B" ranges. prefer_mdy picks month/day order for ambiguous input. */
xc_status xc_qparser_add_date_range(xc_qparser *qp, unsigned slot,
                                    const char *prefix, int prefer_mdy,
                                    int epoch_year);
/* Limits how many terms one wildcard may expand to (0 = no limit). */
xc_status xc_qparser_set_max_wildcard_expansion(xc_qparser *qp, uint32_t max);
/* Parses query_string with XC_QP_* flags. Syntax errors: XC_QUERY_SYNTAX
 * with the parser's message on qp. */
xc_status xc_qparser_parse(xc_qparser *qp, const char *query_string,
                           unsigned flags, xc_query **out);
/* After a parse with XC_QP_SPELLING_CORRECTION: the corrected query string
 * ("" if none), malloc'd. */
xc_status xc_qparser_corrected(xc_qparser *qp, char **out);
/* Stop words the last parse dropped, in order. */
xc_status xc_qparser_stoplist_each(xc_qparser *qp, xc_term_cb cb, void *ctx);

/* --------------------------------------------------------------- enquire */

typedef struct xc_enquire xc_enquire;
typedef struct xc_mset xc_mset;

/* db is kept by reference and must outlive the enquire. */
xc_status xc_enquire_new(xc_db *db, xc_enquire **out, char **err);
void xc_enquire_free(xc_enquire *enq);
const char *xc_enquire_errmsg(const xc_enquire *enq);
xc_status xc_enquire_set_query(xc_enquire *enq, const xc_query *q,
                               uint32_t qlen);
/* Xapian::BM25Weight(k1, k2, k3, b, min_normlen); all >= 0, b <= 1. */
xc_status xc_enquire_set_bm25(xc_enquire *enq, double k1, double k2,
                              double k3, double b, double min_normlen);
/* Keep at most collapse_max documents per distinct value in slot. */
xc_status xc_enquire_set_collapse_key(xc_enquire *enq, unsigned slot,
                                      uint32_t collapse_max);
/* Sort by value slot (then relevance); reverse != 0 for descending. */
xc_status xc_enquire_set_sort_by_value(xc_enquire *enq, unsigned slot,
                                       int reverse);
xc_status xc_enquire_set_sort_by_relevance(xc_enquire *enq);
/* Sort by relevance, equal weights by value slot (then by docid); reverse
 * != 0 for descending values. Makes the order of equal weights depend on
 * the documents rather than on their ids, which change when an index is
 * rebuilt. */
xc_status xc_enquire_set_sort_by_relevance_then_value(xc_enquire *enq,
                                                      unsigned slot,
                                                      int reverse);
/* first: how many to skip; max: how many to return; check_at_least: as
 * Xapian's. */
xc_status xc_enquire_get_mset(xc_enquire *enq, uint32_t first, uint32_t max,
                              uint32_t check_at_least, xc_mset **out);
/* Pseudo-relevance feedback: the top max_terms expand terms (excluding the
 * query's own) from the documents in docids. cb gets each term with its
 * expand weight scaled to an integer by x1000 (wdf field). */
xc_status xc_enquire_expand(xc_enquire *enq, const uint32_t *docids,
                            size_t n, uint32_t max_terms, xc_term_cb cb,
                            void *ctx);
/* The terms of the current query that match docid, in query order. */
xc_status xc_enquire_matching_terms_each(xc_enquire *enq, uint32_t docid,
                                         xc_term_cb cb, void *ctx);

/* The weight that q gives each of docids[0..n) under enq's weighting scheme
 * (as set by xc_enquire_set_bm25 or the default): out[i] receives the
 * weight of docids[i], 0 when q does not match it: a score explained
 * part by part, or the part feedback adds. Replaces enq's query and turns
 * off its collapse key. only: NULL, or a boolean query that matches the
 * documents of docids and as few others as possible (their unique terms,
 * or their articles, OR'ed): it filters the match instead of a match
 * decider, which the remote backend does not support; every document it
 * lets through is weighed, one match in all. Returns XC_OK, XC_INVALID_ARG (NULL q, docids or out with
 * n > 0), XC_NOMEM, XC_UNIMPLEMENTED (remote, only NULL), XC_ERROR ...
 * (message on enq). */
xc_status xc_enquire_weights(xc_enquire *enq, const xc_query *q,
                             const xc_query *only, const uint32_t *docids,
                             size_t n, double *out);

void xc_mset_free(xc_mset *ms);
const char *xc_mset_errmsg(const xc_mset *ms);
uint32_t xc_mset_size(const xc_mset *ms);
uint32_t xc_mset_matches_estimated(const xc_mset *ms);
/* Whether the estimate is exact (its lower and upper bounds agree). */
int xc_mset_matches_exact(const xc_mset *ms);
double xc_mset_max_possible(const xc_mset *ms);
/* Item i (0-based, < size). */
typedef struct xc_match {
    uint32_t docid;
    uint32_t rank;          /* 0-based rank in the whole result list */
    double   weight;
    uint32_t collapse_count;
} xc_match;
xc_status xc_mset_get(xc_mset *ms, uint32_t i, xc_match *out);
/* *out malloc'd. */
xc_status xc_mset_get_data(xc_mset *ms, uint32_t i, char **out, size_t *len);
/* The collapse key of result i (the value it was collapsed on; "" with no
 * collapse key set), malloc'd into *out (NUL-terminated, *len bytes):
 * kept in the result list, so no document is read. */
xc_status xc_mset_get_collapse_key(xc_mset *ms, uint32_t i, char **out,
                                   size_t *len);
/* The value result i was sorted on (by value, or by relevance then value:
 * that slot's value), malloc'd into *out: kept in the result list, so no
 * document is read. */
xc_status xc_mset_get_sort_key(xc_mset *ms, uint32_t i, char **out,
                               size_t *len);
xc_status xc_mset_get_value(xc_mset *ms, uint32_t i, unsigned slot,
                            char **out, size_t *len);
xc_status xc_mset_get_document(xc_mset *ms, uint32_t i, xc_doc **out);
/* Reads ahead the documents of results first..first+n (clipped to the
 * list) that live on remote shards of db (the database ms was searched
 * on), with XC_READ_TERMS their term lists too: side by side over several
 * connections per shard (xc_db_read_documents), where each read alone
 * costs a round trip. Later reads of those results' data, values,
 * documents and terms use the copies. Local results are left to be read
 * when used. */
xc_status xc_mset_fetch(xc_mset *ms, xc_db *db, uint32_t first, uint32_t n,
                        unsigned flags);
/* The length of result i's document (ms searched on db): read ahead by
 * xc_mset_fetch with XC_READ_LENGTH, or else asked of db. */
xc_status xc_mset_doclength(xc_mset *ms, xc_db *db, uint32_t i,
                            uint32_t *out);
/* Calls cb with each term of result i and its wdf, from the term list
 * xc_mset_fetch read ahead, or else the document's. */
xc_status xc_mset_terms_each(xc_mset *ms, uint32_t i, xc_term_cb cb,
                             void *ctx);
/* The same for the results items[0..n) (indexes in ms). */
xc_status xc_mset_fetch_items(xc_mset *ms, xc_db *db, const uint32_t *items,
                              uint32_t n, unsigned flags);
/* Term statistics as seen by the match (global across shards). */
xc_status xc_mset_termfreq(xc_mset *ms, const char *term, uint32_t *out);
xc_status xc_mset_termweight(xc_mset *ms, const char *term, double *out);

/* Xapian::MSet::snippet: text (len bytes), aiming at length bytes, HTML-
 * escaped, query matches wrapped in hi_start/hi_end, cut text marked with
 * omit. stem may be NULL. flags: 0 or the XC_SNIPPET_* bits. */
enum { XC_SNIPPET_BACKGROUND_MODEL = 1, XC_SNIPPET_EXHAUSTIVE = 2,
       XC_SNIPPET_EMPTY_WITHOUT_MATCH = 4 };
xc_status xc_mset_snippet(xc_mset *ms, const char *text, size_t len,
                          size_t length, const xc_stem *stem, unsigned flags,
                          const char *hi_start, const char *hi_end,
                          const char *omit, char **out);

#ifdef __cplusplus
}
#endif

#endif /* XAPIAN_C_H */

/*
 * search_int.h — private to lib/search: the structures the files of a
 * search share and their internal functions, sectioned by the file that
 * defines each part. Read it as the table of contents of the query side.
 *
 * The path of a query, and where each step lives:
 *   searcher.c     opening the index, its analysis and query parser
 *   query_text.c   pure text functions on the query string
 *   parse.c        the parse chain: text -> qr_query (qr_query_parse)
 *   run.c          the driver: qr_search_run, one attempt at a time
 *   articles.c     searching by article: passage stages, fusion, the
 *                  page of results
 *   article_stage.c  its article stage: the matching articles, their
 *                  order and duplicates, feedback over them
 *   duplicates.c   the ids of a result's duplicates
 *   like.c         "more like this": a query from an article's terms
 *   candidates.c   an mset as candidates; the collapse to articles
 *   verify.c       phrases and NEAR checked on each hit's text
 *   rerank.c       the text's evidence: proximity and phrase
 *   feedback.c     pseudo-relevance feedback: the model and the rescoring
 *   explain.c      the parts a score is made of (--explain)
 *   bm25.c         BM25's parameters and formulas (bm25.h)
 *   stub.c         shards and stub files opened as one database (stub.h)
 *   strlist.c      lists of strings
 * and, each with a public header of its own and nothing here: compound.c,
 * spell.c, textpos.c, proximity.c and highlight.c. run.c has no section:
 * it only calls the others.
 * Names defined in one file and used in another carry the file's prefix
 * (searcher_, qtext_, parse_, cand_, verify_, rerank_, feedback_,
 * explain_, stub_, strlist_), so grep finds the file; the public qr_*
 * functions are declared in the public headers (search.h, feedback.h,
 * ...).
 */
#ifndef QUARRY_SEARCH_INT_H
#define QUARRY_SEARCH_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "feedback.h"
#include "languages.h"
#include "search.h"
#include "textpos.h"
#include "util.h"
#include "xapian-c.h"

/* ------------------------------------ Interface to code in searcher.c */

struct qr_searcher {
    xc_db *db;            /* the index, read-only                            */
    xc_db *adb;           /* its articles as documents of their own (the
                             same terms and values, one document per
                             article), or NULL for an index without them */
    xc_stem *stem;        /* the index's stemmer                             */
    xc_stopper *stop;     /* its stop words, or NULL                         */
    xc_qparser *qp;       /* configured once, reused for every query         */
    xc_termgen *tg;       /* the indexer's analysis, for the last fallback   */
    char *lang;           /* the stemmer language (the index's, or --lang's) */
    char *index_lang;     /* the index's own stemmer language                */
    char def_code[QR_LANG_MAX]; /* its language code (languages.h)          */
    int use_stop;         /* stop words were used at indexing                */
    char **langs;         /* the languages of the index's articles (their
                             QR_TERM_LANG terms), sorted                     */
    size_t nlangs;
    xc_stem **alt;        /* the stemmers of the other languages present,
                             for a query's words in every one of them (none
                             with a language filter)                         */
    size_t nalt;
    const char **alt_name; /* their stemmers' names (in s->stemmers)        */
    qr_textpos **alt_tp;  /* a text scanner of each, made when first needed */
    char *stemmers;       /* s->lang, then the others', space-separated     */
    char filter[QR_LANG_MAX]; /* the language searched alone (--lang), or "" */
    int exact_accents;    /* terms keep accents (QR_META_ACCENTS)            */
    unsigned features;    /* QR_FEAT_*                                       */
    char *remotes;        /* the remote shards, for messages (stub.h), or
                             NULL                                            */
    qr_textpos *tp;       /* scans passages' text (textpos.h), or NULL      */
    struct searcher_stub *stubs; /* the stub files the paths named, as they
                             were when opened (qr_searcher_changed)         */
    size_t nstubs;
    char *version;        /* the version the first stub named, or ""        */
    int by_article;       /* a search by article is running (articles.c):
                             the passage ranking's depths and feedback do
                             not follow the page asked for, so that a
                             passage's score does not depend on how many
                             are shown                                      */
};

/* Sets err (may be NULL) to "what: message" (message may be NULL or ""):
 * the library's one-line messages. */
void searcher_err(qr_buf *err, const char *what, const char *msg);
/* Appends ": message" to err, message made printable (nothing when it is
 * NULL or ""). */
void searcher_err_detail(qr_buf *err, const char *msg);

/* Makes s->tp, the searcher's text scanner, when first needed. */
xc_status searcher_scanner(qr_searcher *s);
/* The text scanner of an article in language code (a record's lang): the
 * one of its language's stemmer among the searcher's others (s->alt),
 * else s->tp (made first: searcher_scanner). NULL on out of memory. */
qr_textpos *searcher_scanner_for(qr_searcher *s, const char *code);

/* With remote shards, reads ahead the documents of ms's results
 * first..first+n (ms searched on db; flags: XC_READ_TERMS) side by side
 * (xc_mset_fetch), where each result read alone costs a round trip;
 * locally nothing. Call it before reading those results. */
xc_status searcher_fetch(const qr_searcher *s, xc_db *db, xc_mset *ms,
                         uint32_t first, uint32_t n, unsigned flags);
/* The same for the results items[0..n) of ms. */
xc_status searcher_fetch_items(const qr_searcher *s, xc_db *db, xc_mset *ms,
                               const uint32_t *items, uint32_t n,
                               unsigned flags);

/* ------------------------------------- Interface to code in strlist.c */

/* A growing list of malloc'd strings. */
typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

/* Appends a copy of s[0..len). Returns 0, or -1 on out of memory. */
int strlist_add(strlist *l, const char *s, size_t len);
/* Frees l's strings; l keeps its memory for more. */
void strlist_clear(strlist *l);
/* Frees v[0..n) and v. */
void strlist_free(char **v, size_t n);
/* strcmp on two char * elements (qsort, bsearch). */
int strlist_cmp(const void *a, const void *b);
/* A strlist filled by one of the binding's term iterations (xc_*_each):
 * failed records an out-of-memory, which stops the iteration. */
typedef struct strlist_sink {
    strlist *list;
    int failed;
} strlist_sink;
/* An xc_term_cb: adds term[0..len) to the sink's list. */
int strlist_sink_add(void *sink, const char *term, size_t len,
                     uint32_t unused);
/* Frees the list *v of *n strings and puts l's strings there instead (l
 * is left empty). */
void strlist_move(strlist *l, char ***v, size_t *n);
/* Sorts l and removes duplicates. */
void strlist_uniq(strlist *l);
/* A malloc'd copy of s; NULL when s is NULL or memory runs out. */
char *strlist_strdup(const char *s);

/* ---------------------------------- Interface to code in query_text.c */

/* The query text as QueryParser sees it: date ranges normalised, hyphens
 * inside words made spaces. Returns 0, or -1 on out of memory. */
int qtext_prepare(const char *text, qr_buf *out);
/* Does text use any query syntax? */
int qtext_has_syntax(const char *text);
/* Appends the trailing-wildcard prefixes of text, folded, to out.
 * Returns 0, or -1 on out of memory. */
int qtext_find_wildcards(const char *text, strlist *out);
/* Number of words in text, counting up to max. */
size_t qtext_count_words(const char *text, size_t max);
/* Keeps the first max space-separated words of b. */
void qtext_cut_words(qr_buf *b, size_t max);
/* Does text have an odd number of double quotes (straight or curly)? */
int qtext_unbalanced_quotes(const char *text);
/* Is text written in capitals (and not operators alone)? */
int qtext_all_capitals(const char *text);
/* Lower-cases the ASCII capitals of text's words in place, except those
 * of acronyms ("U.S", "U.N."), which stay as written. */
void qtext_lower_capitals(char *text);
/* text with its wildcards made searchable, into out: a '*' before or
 * inside a word is dropped (the word is searched), a wildcard with fewer
 * than QR_WILDCARD_MIN_CHARS characters before its '*' is left out; each
 * change is a note added to notes. Returns 0, or -1 on out of memory. */
int qtext_fix_wildcards(const char *text, qr_buf *out, strlist *notes);
/* text with the accents of its wildcard words folded (accents.h) into
 * out (cleared first): QueryParser expands a wildcard as typed, but the
 * terms it should find were folded. Returns 0, or -1 on out of memory. */
int qtext_fold_wildcards(const char *text, qr_buf *out);

/* ---------------------------------------- Interface to code in stub.c */

/* qr_stub_open_remotes with the binding's own status, which the searcher
 * needs: it retries an open that met a rebuild (XC_NOT_FOUND, XC_IO,
 * XC_CORRUPT, XC_MODIFIED), which qr_status does not tell apart from a
 * remote shard that is down. */
xc_status stub_open(const char *const *paths, size_t n, xc_db **out,
                    xc_db **articles, char **err, char **remotes);

/* --------------------------------------- Interface to code in parse.c */

/* Runs the parse chain from `from` over q->folded into q: with
 * allow_wildcards 0 every wildcard is searched as a word; max_words > 0
 * keeps the first max_words plain words. */
qr_status parse_chain(qr_searcher *s, qr_query *q, qr_parse_level from,
                      int allow_wildcards, size_t max_words, qr_buf *err);

/* *out: a new copy of q parsed again with its wildcards searched as plain
 * words (wildcard_dropped set), what a search runs instead of q when a
 * wildcard turns out too broad to expand; q is left as it was. Returns
 * QR_OK, QR_ERR_NOMEM or QR_ERR_INDEX (message in err). */
qr_status parse_without_wildcards(qr_searcher *s, const qr_query *q,
                                  qr_query **out, qr_buf *err);

/* ------------------------------------- Interface to code in explain.c */

/* A query whose weight is one part of a passage's score (--explain). */
typedef struct qpart {
    qr_part_kind kind;
    char *label;
    xc_query *q;
} qpart;

typedef struct qparts {
    qpart *v;
    size_t n, cap;
} qparts;

void explain_parts_free(qparts *p);
/* Drops the parts after the first n. */
void explain_parts_truncate(qparts *p, size_t n);
/* Adds a part; q is taken over (freed on failure too). */
xc_status explain_parts_add(qparts *p, qr_part_kind kind, const char *label,
                            xc_query *q);
/* The parts of q itself (its terms, its compound forms). */
xc_status explain_base_parts(const qr_query *q, qparts *p);
/* Fills each hit's parts from p, prox[] and phrase[] (one per hit). */
xc_status explain_hits(xc_enquire *enq, const qparts *p, qr_results *res,
                       const double *prox, const double *phrase);
/* The same for a search by article: p's parts (computed on enq, the
 * passage search; NULL when there was none) and prox[], phrase[] are
 * already scaled by scale, and article[] is each hit's whole-article
 * part. */
xc_status explain_hits_scaled(xc_enquire *enq, const qparts *p,
                              qr_results *res, const double *prox,
                              const double *phrase, double scale,
                              const double *article);
/* Frees the parts of one hit. */
void explain_free_parts(qr_score_part *p, size_t n);

/* ---------------------------------- Interface to code in candidates.c */

/* One candidate of a result list: where it is in the mset, its score
 * (BM25, plus the text's evidence once reranked) and that evidence. */
typedef struct cand {
    uint32_t index;
    double score;
    double prox;         /* proximity part                               */
    double phrase;       /* phrase evidence part                         */
    uint64_t article;    /* hash of the article key (cand_collapse)      */
    uint32_t collapsed;  /* passages of its article it stands for        */
} cand;

/* The results of ms as candidates, in order (*out NULL when ms is empty). */
xc_status cand_from_mset(xc_mset *ms, cand **out);
/* With remote shards, reads ahead the documents of the candidates
 * c[0..n) of ms (searched on db), as searcher_fetch_items. */
xc_status cand_fetch(const qr_searcher *s, xc_db *db, xc_mset *ms,
                     const cand *c, uint32_t n, unsigned flags);
/* Sets c[0..n).article from the results' collapse keys. */
xc_status cand_article_keys(xc_mset *ms, cand *c, uint32_t n);
/* Keeps the first per_article candidates of each article, in place.
 * Returns 0, or -1 on out of memory. */
int cand_collapse(cand *c, uint32_t *n, uint32_t per_article);
/* How many passages per article the enquire keeps (0: no collapse). */
uint32_t cand_collapse_max(const qr_query *q, const qr_search_opts *o);

/* -------------------------------------- Interface to code in verify.c */

/* Keeps the candidates c[0..*n) whose text matches q->windowed. */
xc_status verify_hits(qr_searcher *s, const qr_query *q, xc_mset *ms,
                      cand *c, uint32_t *n);
/* The same for windowed; with article_terms, a query term counts as
 * present when the candidate's article has it (article_terms(ctx,
 * c->article): the query terms it has, sorted; NULL drops the candidate),
 * while phrases and NEAR must hold in the candidate's own text: the
 * article semantics of a query, whose phrases match within a passage. */
xc_status verify_hits_in(qr_searcher *s, const xc_query *windowed,
                         xc_mset *ms, cand *c, uint32_t *n,
                         const strlist *(*article_terms)(void *, uint64_t),
                         void *ctx);

/* -------------------------------------- Interface to code in rerank.c */

/* What one search has already read from passages' text, by docid: the
 * first pass of feedback and the final pass mostly rerank the same ones.
 * Each pass reads at most QR_PROX_DEPTH articles' candidates (with their
 * spare passages), so two passes fit; an open-addressing table on the
 * docid, as a pass may look up a hundred and fifty of them. */
#define QR_TEXT_CACHE (2 * QR_PROX_DEPTH * (1 + QR_PASSAGE_SPARE))
#define QR_TEXT_SLOTS 512   /* a power of two, above QR_TEXT_CACHE */
typedef struct text_cache {
    struct text_seen {
        uint32_t docid;      /* 0: free (Xapian's docids start at 1) */
        double prox, phrase;
    } slot[QR_TEXT_SLOTS];
    size_t n;
    double avlength, doccount;   /* the index's statistics (have_stats) */
    int have_stats;
} text_cache;

/* Does the search rerank by the text's evidence? */
int rerank_wanted(const qr_query *q, const qr_search_opts *o);
/* Adds the text's evidence to the first candidates and reorders them. */
xc_status rerank_text(qr_searcher *s, const qr_query *q,
                      const qr_search_opts *o, xc_mset *ms, cand *c,
                      uint32_t n, text_cache *tc);

/* ----------------------------------------- Interface to code in run.c */

/* The candidates of ms in their final order: phrases checked, reranked by
 * the text's evidence, rescored by feedback, collapsed to o->per_article
 * a piece. */
typedef struct run_verifier {
    const xc_query *windowed;     /* the query as parsed, with phrases     */
    const strlist *(*article_terms)(void *, uint64_t);   /* verify_hits_in */
    void *ctx;
} run_verifier;
/* vf: NULL (phrases checked against q->windowed in each passage alone),
 * or how to check them with article semantics. */
xc_status run_ranked(qr_searcher *s, const qr_query *q,
                     const qr_search_opts *o, xc_mset *ms, cand **out,
                     uint32_t *n, qparts *parts, text_cache *tc,
                     const run_verifier *vf);
/* Sets up enq for q on the passages: query, BM25, collapse, ties. */
xc_status run_configure(xc_enquire *enq, const qr_query *q,
                        const qr_search_opts *o);
/* Appends the hit of item i of ms to res->hits (its record read, or with
 * ids_only its values), with score, rank (0: as the mset ranks it) and
 * collapse count. A record that cannot be decoded is counted in
 * res->unreadable and left out (XC_OK). */
xc_status run_fill_hit(xc_mset *ms, uint32_t i, const qr_search_opts *o,
                       double score, uint32_t rank, uint32_t collapsed,
                       qr_results *res);
/* ids_only: a hit's record from the values (article id and ordinal). */
xc_status run_ids_from_values(xc_mset *ms, uint32_t i, char *data,
                              size_t len, qr_record *r);

/* ------------------------------------ Interface to code in articles.c */

/* Does this search go by article (the index has its articles, and results
 * are grouped by article)? */
int articles_wanted(const qr_searcher *s, const qr_search_opts *o);
/* One attempt of a search by article (articles.c's header comment). */
xc_status articles_run(qr_searcher *s, const qr_query *q,
                       const qr_search_opts *o, qr_results *res,
                       qr_buf *err);

/* ---------------------------------- Interface to code in duplicates.c */

/* The articles of one content hash that match a query (duplicates_find). */
typedef struct dup_found dup_found;
/* Finds, in one match, the articles matching q of each content hash
 * contents[0..n) (the page's articles): *out, *nout distinct hashes, freed
 * with duplicates_found_free. */
xc_status duplicates_find(qr_searcher *s, const qr_query *q,
                          const char *const *contents, size_t n,
                          dup_found **out, size_t *nout);
void duplicates_found_free(dup_found *f, size_t n);
/* Gives the hits h[0..n) of the article key (of content hash content) its
 * duplicates: the ids of the other articles matching q of the same
 * content (folded: those met among the candidates, nfolded of them, and
 * those the content term found, in found), sorted, at most 100. */
xc_status duplicates_fill(const dup_found *found, size_t nfound,
                          const char *key, const char *content,
                          const strlist *folded, uint32_t nfolded, qr_hit *h,
                          size_t n);

/* ------------------------------- Interface to code in article_stage.c */

/* One article of the article stage. */
typedef struct art {
    char *key;           /* the article key (QR_SLOT_ARTICLE)             */
    uint64_t hash;       /* qr_hash64 of key, as cand.article             */
    double score;        /* whole-article score (BM25, feedback)          */
    strlist terms;       /* with phrases: the query terms it has, sorted   */
    char *content;       /* its content hash (QR_SLOT_CONTENT), or NULL    */
    uint32_t dups;       /* articles of the same content folded into it   */
    strlist dup_keys;    /* their keys, those met among the candidates    */
    uint32_t index;      /* its place in the article stage's mset         */
    uint32_t tier;       /* which passage stage ranked its passages       */
    int32_t best;        /* its best passage among that stage's
                            candidates, -1 when none                       */
    double fused;        /* its score as ranked                            */
} art;

typedef struct art_list {
    art *v;
    uint32_t n, cap_v;
    /* hash -> index + 1, open addressing (cap a power of two) */
    uint32_t *slots;
    size_t cap;
} art_list;


/* Feedback over the article stage's articles, read from ms: the model
 * from the first of them, the first QR_ARTICLE_DEPTH rescored. It only
 * adds to their scores, so those stay the first QR_ARTICLE_DEPTH, the
 * articles whose passages the passage stage ranks: with remote shards it
 * runs in a thread of its own, beside the passage stage (the article
 * documents are other servers'), where one after the other cost its
 * five rounds of requests more. */
typedef struct astage_rescore {
    qr_searcher *s;
    const qr_query *q;
    const qr_search_opts *o;
    xc_mset *ms;
    cand *c;             /* the articles as candidates, rescored in place */
    uint32_t n;
    xc_status st;
    int threaded;        /* running in thread                             */
    pthread_t thread;
    /* in the thread too, after the feedback: the duplicates of the first
     * QR_ARTICLE_DEPTH articles (duplicates_find), those of any page
     * within them */
    const char **contents;
    size_t ncontents;
    dup_found *found;
    size_t nfound;
    int have_found;
} astage_rescore;

void astage_art_free(art *x);
void astage_arts_free(art_list *a);
/* The article of a whose hash (qr_hash64 of its key) is hash, or NULL. */
art *astage_find(const art_list *a, uint64_t hash);
/* (Re)builds the hash index of a. Returns 0, or -1 on out of memory. */
int astage_index(art_list *a);
/* verify_hits_in's lookup: the query terms an article has (ctx: the
 * art_list). */
const strlist *astage_terms(void *ctx, uint64_t hash);
/* Starts the feedback over a->v[0..a->n) (ms: the article stage's
 * results): in a thread with remote shards, else here and now. With
 * dups, the thread finds the duplicates too. */
xc_status astage_rescore_start(astage_rescore *j, qr_searcher *s,
                               const qr_query *q, const qr_search_opts *o,
                               xc_mset *ms, const art_list *a, int dups);
/* Waits for the feedback and puts a's articles in their new order, with
 * their new scores. Returns the feedback's status. */
xc_status astage_rescore_finish(astage_rescore *j, art_list *a);
/* Runs xq on the article documents and appends the first count matching
 * articles, in the given order, to a: scored by BM25 over whole articles;
 * articles of the same content folded into the first unless
 * o->duplicates. With keep, the results are left in *keep (freed by the
 * caller), for feedback over them (astage_rescore_start). Adds how many
 * match in all to *estimated; clears *exact when that is an estimate. */
xc_status astage_fetch(qr_searcher *s, const qr_query *q,
                       const xc_query *xq, const qr_search_opts *o,
                       qr_sort order, xc_mset **keep, uint32_t count,
                       art_list *a, uint32_t *estimated, int *exact,
                       qr_buf *err);
/* The articles of q oldest first, those without a date after them. */
xc_status astage_fetch_oldest(qr_searcher *s, const qr_query *q,
                              const qr_search_opts *o, uint32_t count,
                              art_list *a, uint32_t *estimated, int *exact,
                              qr_buf *err);

/* ------------------------------------ Interface to code in feedback.c */

/* qr_feedback_terms with the binding's own status, which a search needs:
 * it retries when the index changed under it (XC_MODIFIED) and names the
 * remote shards on a network failure, which qr_status does not tell
 * apart. s (NULL: none) is the searcher, whose remote shards are asked
 * the term frequencies together (xc_db_termfreqs); the terms keep
 * their frequencies (qr_fb_term.termfreq). */
xc_status feedback_model(const qr_searcher *s, xc_db *db,
                         const xc_stopper *stop,
                         const uint32_t *docids, const double *scores,
                         size_t n, unsigned max_terms, qr_fb_term **out,
                         size_t *nout);

/* Is term[0..len) a plain body term worth feeding back (no field prefix,
 * not a lone byte, not only digits)? */
int feedback_term(const char *term, size_t len);

/* Does the search use pseudo-relevance feedback? */
int feedback_wanted(const qr_query *q, const qr_search_opts *o);
/* Rescores the candidates c[0..n) with the feedback model of their top. */
xc_status feedback_rescore(qr_searcher *s, const qr_query *q,
                           const qr_search_opts *o, xc_mset *ms, cand *c,
                           uint32_t n, qparts *parts);
/* The same on db (the database ms comes from) with BM25 parameters bm:
 * the model from the first o->fb_docs candidates (collapsed to
 * per_article a piece, 0: as they are), the first depth rescored. */
xc_status feedback_rescore_in(qr_searcher *s, xc_db *db, const qr_query *q,
                              const qr_search_opts *o, const qr_bm25 *bm,
                              xc_mset *ms, cand *c, uint32_t n, qparts *parts,
                              uint32_t per_article, uint32_t depth);

/* ------------------------------------ Interface to code in variants.c */

/* With articles in several languages (s->nalt > 0), each term query v[i]
 * (terms[i], within-query frequency wqf[i]) made from text becomes the
 * synonym of itself and the word's stems in the other languages, so that
 * a word finds its article whatever the language it was stemmed in,
 * counted as one word. A stop word's terms stay as they are. */
xc_status variants_add_stems(qr_searcher *s, const char *text, xc_query **v,
                             const char *const *terms, const uint32_t *wqf,
                             size_t n);
/* The same for *xq, parsed from text with the full syntax: *xq is
 * replaced by the query with every term's variants. */
xc_status variants_add(qr_searcher *s, const char *text, xc_query **xq);

#endif

/*
 * search.h — the query side: open an index read-only, turn a user's query
 * string into a Xapian query, run it with BM25 and hand back the ranked
 * passages with their decoded records.
 *
 * Parsing never fails on bad syntax. A query string goes through up to three
 * stages, stopping at the first that works:
 *   QR_PARSE_FULL   QueryParser with the full syntax (boolean operators,
 *                   phrases, +/-, NEAR, field prefixes, date ranges,
 *                   trailing wildcards)
 *   QR_PARSE_PLAIN  the plain words: operators, field names and punctuation
 *                   stripped, parsed again with no syntax at all
 *   QR_PARSE_TERMS  the words run through the same TermGenerator analysis as
 *                   the indexer (lower case, stop words, stemmer) and OR'ed
 *                   together here
 * so a stray quote, a lone operator or punctuation pasted from a web page
 * still searches for the words it contains.
 *
 * The library never prints: notes for the user (a fallback was taken, a
 * wildcard was too broad, stop words were left out) are fields of the
 * qr_query, or of the qr_results for what only the search found out, that
 * the tool reports as it sees fit.
 */
#ifndef QUARRY_SEARCH_H
#define QUARRY_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "bm25.h"
#include "schema.h"
#include "util.h"

/* Phrase evidence for short multi-word queries: the query's words that are
 * not stop words (2 to QR_PHRASE_MAX_WORDS of them), in order, as one
 * phrase whose window spans the stop words between them. Among the results
 * reranked (qr_prox_depth), a passage whose text has them as in the query
 * gets their BM25 weight again (from their counts in the text), times
 * QR_DEFAULT_PHRASE: a small gain on Cranfield, none lost on SciFact. Pairs
 * of neighbouring words (as in sequential dependence models) lost nDCG@10
 * instead, because every passage carries its article's title, so they are
 * not used (measured: bench/README.md, "Tuning decisions"). */
#define QR_DEFAULT_PHRASE 1.0
#define QR_PHRASE_MAX_WORDS 8

/* Term proximity (proximity.h): the weight of the BM25TP score added to
 * the BM25 score of each of the first results, which are then reordered
 * (measured: bench/README.md, "Tuning decisions"). */
#define QR_DEFAULT_PROXIMITY 0.35
/* How many results (articles, or passages with --all-passages) the text's
 * evidence reorders: one and a half times those asked for, at least
 * QR_PROX_MIN and at most QR_PROX_DEPTH. Each costs a read of its passages'
 * text; reranking fewer for a page of 10 lost no nDCG@10 on Cranfield and
 * SciFact (measured: bench/README.md, "Tuning decisions"), and runs that
 * want more (the evaluation's 1,000) rerank QR_PROX_DEPTH. */
#define QR_PROX_MIN 15
#define QR_PROX_DEPTH 30
uint32_t qr_prox_depth(uint32_t want);

/* A query with phrases (or NEAR) runs with them as ANDs, and each hit's
 * text is checked (the index keeps no positions): the candidates are
 * read in growing batches until enough are left, checking at most this
 * many. A phrase of common words that stand together in only a few of
 * the passages having them all may therefore find fewer hits than it
 * would with positions. */
#define QR_VERIFY_MAX 20000

/* With the rerank, which passage of an article is its best is known only
 * after it: the search keeps this many more passages per article than
 * asked for, and collapses after the rerank. */
#define QR_PASSAGE_SPARE 4

/* Pseudo-relevance feedback (feedback.h), on by default: the passages of
 * the first pass read (its top results, proximity included), the terms
 * added, and the feedback model's share of the final query (measured:
 * bench/README.md, "Tuning decisions"). */
#define QR_DEFAULT_FB_DOCS 10
#define QR_DEFAULT_FB_TERMS 30
#define QR_DEFAULT_FB_WEIGHT 0.35
/* Feedback rescores the first pass's candidates instead of running the
 * query again with the feedback terms over the whole index: that second
 * match cost most of a query's time on large indexes. It rescores the
 * first QR_FB_DEPTH of them, or the passages of the articles asked for
 * with their spares when more, weighing the feedback terms in one match
 * confined to their articles (feedback.c). Rescoring 60 rather than 150
 * (when each rescored passage cost a term list read) cut the latency on
 * large indexes while leaving nDCG@10 of top-10 searches as it was
 * (measured: bench/README.md, "Tuning decisions"). */
#define QR_FB_DEPTH 60

/* The most terms one trailing wildcard may expand to. A broader wildcard
 * is searched as a plain word instead (qr_results.wildcard_dropped). */
#define QR_MAX_WILDCARD_EXPANSION 1000

/* A trailing wildcard needs this many characters before its '*': "s*"
 * would stand for a good part of the vocabulary and find nothing in
 * particular. */
#define QR_WILDCARD_MIN_CHARS 2

/* The most trailing wildcards in one query. Each may expand to
 * QR_MAX_WILDCARD_EXPANSION terms, and xapian-core's matcher's time and
 * memory grow faster than linearly with their total (measured:
 * bench/README.md, "Tuning decisions"). A query with more wildcards is
 * searched with all of them as plain words (qr_query.wildcard_dropped). */
#define QR_MAX_WILDCARDS 8

/* Long queries. xapian-core's matcher slows down quadratically with the
 * number of OR'ed subqueries, repeated words included (measured:
 * bench/README.md, "Tuning decisions"). A query of more than
 * QR_MAX_QUERY_TERMS words is therefore searched as its plain words
 * (QR_PARSE_TERMS: repeats merged into one term each); if it still has more
 * distinct terms than that, only its first QR_MAX_QUERY_TERMS words are
 * searched (qr_query.truncated). Lucene's default clause limit is the same
 * number. */
#define QR_MAX_QUERY_TERMS 1024

/* How many times a query is retried after the index changed under a
 * long-running reader (XC_MODIFIED: the reader reopens, then retries).
 * glass lets a reader finish only if the writer has not committed twice
 * since it opened: against a writer committing every few passages
 * (cli.concurrency's --batch 3) a query that reads a few dozen passages'
 * text could lose all of 3 tries under load (measured: bench/README.md,
 * "Tuning decisions"). */
#define QR_MODIFIED_RETRIES 10

typedef struct qr_searcher qr_searcher;

/* Opens the index (or several, searched as one: shards or stub files) at
 * paths[0..n-1] read-only, with the analysis it was built with (language
 * from QR_META_LANG, default english; stop words unless QR_META_STOPWORDS
 * is "0"; accents folded when QR_META_ACCENTS is "fold"). *out is set only on success; qr_searcher_close frees it. Returns
 * QR_OK, QR_ERR_NOINDEX (nothing at a path), QR_ERR_INDEX (corrupt, unknown
 * format or language, remote failure), QR_ERR_IO (a read failed),
 * QR_ERR_NOMEM, QR_ERR_USAGE (n == 0). err (may be NULL) receives a
 * one-line message on failure. */
qr_status qr_searcher_open(const char *const *paths, size_t n,
                           qr_searcher **out, qr_buf *err);
void qr_searcher_close(qr_searcher *s);

/* The stemmer language the index was built with ("english" ...). Owned by
 * the searcher. */
const char *qr_searcher_lang(const qr_searcher *s);

/* The stemmers a query's words are matched with, space-separated: the
 * searcher's own (qr_searcher_lang), then one for each other language of
 * the index's articles (none after qr_searcher_set_lang): what
 * qr_highlighter_for_query takes. Owned by the searcher. */
const char *qr_searcher_stemmers(const qr_searcher *s);

/* The languages of the index's articles (codes: languages.h), sorted;
 * none in an index from before languages. Owned by the searcher. */
const char *const *qr_searcher_langs(const qr_searcher *s, size_t *n);

/* Searches the articles in language name alone (a code or a name, as
 * qr_lang_code reads it), stemming the query in it: --lang. Returns
 * QR_OK, QR_ERR_USAGE (a language none of the index's articles is in;
 * message in err), QR_ERR_NOMEM. */
qr_status qr_searcher_set_lang(qr_searcher *s, const char *name,
                               qr_buf *err);

/* Whether the index's terms keep accents (built with --exact-accents, or
 * before accent folding); else a word and its accent-free form are one
 * term. */
int qr_searcher_exact_accents(const qr_searcher *s);

/* Number of passages in the index (0 if the statistics cannot be read). */
uint32_t qr_searcher_doccount(qr_searcher *s);

/* Query features that use the index's vocabulary (on by default):
 *   QR_FEAT_COMPOUNDS  joined and split forms of the words of a plain
 *                      query (compound.h)
 *   QR_FEAT_SPELLING   a suggestion for words the index does not have
 *                      (qr_query.suggestion) */
enum { QR_FEAT_COMPOUNDS = 1, QR_FEAT_SPELLING = 2 };
#define QR_FEAT_DEFAULT (QR_FEAT_COMPOUNDS | QR_FEAT_SPELLING)

/* Sets the QR_FEAT_* features used by later qr_query_parse calls. */
void qr_searcher_set_features(qr_searcher *s, unsigned features);

typedef enum qr_parse_level {
    QR_PARSE_FULL = 0,
    QR_PARSE_PLAIN,
    QR_PARSE_TERMS
} qr_parse_level;

/* A parsed query and what the tool needs to explain and highlight it.
 * Every field is owned by the qr_query. */
typedef struct qr_query {
    struct xc_query *xq;     /* the Xapian query (never NULL after parse)  */
    char *text;              /* the query string as given                  */
    char *folded;            /* what the parser reads: text, in lower case
                                when it was typed all in capitals          */
    qr_parse_level level;    /* the stage that produced xq                 */
    char *fallback_reason;   /* the parser's message when level > FULL     */
    char *plain;             /* the plain words searched when level > FULL */
    int wildcard_dropped;    /* the query has more than QR_MAX_WILDCARDS
                                wildcards: they are searched as plain
                                words (a wildcard found too broad when the
                                search runs: qr_results.wildcard_dropped) */
    int long_query;          /* more than QR_MAX_QUERY_TERMS words: searched
                                as plain words (level QR_PARSE_TERMS)     */
    int truncated;           /* the query had more than QR_MAX_QUERY_TERMS
                                distinct terms: only its first words were
                                searched (level QR_PARSE_TERMS)           */
    int empty;               /* xq is the empty query: the text has no
                                words at all (a query of only stop words is
                                not empty: xapian-core then searches for
                                the stop words themselves)                 */
    char **terms;            /* unprefixed stemmed terms, title terms with
                                the prefix removed: sorted, distinct       */
    size_t nterms;
    char **hl_terms;         /* the terms to highlight wherever they stand:
                                terms, but those found only inside phrases
                                (a phrase's "of" is not highlighted on its
                                own): sorted, distinct                     */
    size_t nhl_terms;
    char **phr_terms;        /* the query's phrases, to highlight where
                                they stand together: their terms (prefix
                                removed, as terms), one phrase after
                                another; phrase k is
                                phr_terms[k ? phr_ends[k-1] : 0 ..
                                phr_ends[k])                               */
    size_t nphr_terms;
    size_t *phr_ends;
    size_t nphrases;
    char **prefixes;         /* lower-case trailing-wildcard prefixes      */
    size_t nprefixes;
    char **stopped;          /* stop words the parser left out, in order   */
    size_t nstopped;
    char **compounds;        /* joined or split forms of query words also
                                searched (compound.h), as written:
                                "cybersecurity", "cyber security"          */
    struct xc_query **compound_q; /* the query of each form              */
    size_t ncompounds;
    char **bow_terms;        /* a plain list of words: its terms as OR'ed
                                in xq (before compounds), and their       */
    uint32_t *bow_wqf;       /* within-query frequencies                   */
    size_t nbow;
    char **notes;            /* how the query was read where it differs
                                from what was typed, one line each (a
                                wildcard left out or made a word), for the
                                tool to show                               */
    size_t nnotes;
    char *suggestion;        /* with QR_FEAT_SPELLING: the query with its
                                words that the index lacks replaced by the
                                nearest words it has (spell.h), or NULL    */
    int bag_of_words;        /* xq is an OR of terms (no operators): added
                                evidence may bring in new matches          */
    char **phrase;           /* the phrase evidence (see QR_DEFAULT_PHRASE):
                                its stems in order, or NULL               */
    size_t nphrase;
    uint32_t phrase_window;  /* the positions it may span                  */
    struct xc_query *windowed; /* when the query has phrases or NEAR: the
                                query as parsed, which each hit must match
                                on its text (xq has them as plain ANDs, for
                                the index keeps no positions), else NULL  */
    int like;                /* made "more like" an article (qr_query_like):
                                no feedback on top of it                   */
} qr_query;

/* Parses text (NUL-terminated; any bytes, invalid UTF-8 included) for
 * searching s, starting at stage `from` (QR_PARSE_FULL for the normal
 * chain; QR_PARSE_PLAIN ignores all syntax). *out is set only on success;
 * qr_query_free frees it. A query without any word is not an error: it
 * comes back with `empty` set (and matches nothing). Returns QR_OK,
 * QR_ERR_NOMEM, QR_ERR_INDEX (the analysis failed: message in err). */
qr_status qr_query_parse(qr_searcher *s, const char *text,
                         qr_parse_level from, qr_query **out, qr_buf *err);
void qr_query_free(qr_query *q);

/* Makes q "more like" the article article_id of the index: q then finds
 * the articles nearest to it by its own most telling terms (the model of
 * pseudo-relevance feedback, from that article alone; its terms added to
 * q's terms, so they are highlighted), the article itself and those of the
 * same text left out; the words q had before (unless q->empty) only
 * restrict the results, as filters do, their phrases matched as words.
 * Needs an index with its articles. Returns QR_OK; QR_ERR_USAGE (no such
 * article, an article without words, an index without article documents:
 * the message in err); QR_ERR_NOMEM; QR_ERR_INDEX. q is unchanged on
 * failure. */
qr_status qr_query_like(qr_searcher *s, qr_query *q, const char *article_id,
                        qr_buf *err);

/* Xapian's description of the query, for --verbose (malloc'd, caller frees;
 * NULL when memory runs out). */
char *qr_query_describe(const qr_query *q);

/* The order of results. By date, articles without a date come last. */
typedef enum qr_sort {
    QR_SORT_RELEVANCE = 0,
    QR_SORT_NEWEST,          /* by date, newest first                      */
    QR_SORT_OLDEST           /* by date, oldest first                      */
} qr_sort;

typedef struct qr_search_opts {
    uint32_t offset;         /* results to skip                            */
    uint32_t limit;          /* results to return (>= 1)                   */
    uint32_t per_article;    /* passages shown per article, in article
                                order, limit counting articles; 0: every
                                passage ranked on its own (no grouping,
                                no duplicates folded, relevance only)     */
    double phrase;           /* weight of the phrase evidence (0: off)     */
    double proximity;        /* weight of the term proximity score
                                (proximity.h; 0: off)                      */
    int explain;             /* fill qr_hit.parts                          */
    uint32_t fb_docs;        /* feedback: passages of the first pass read
                                (0: no feedback)                          */
    uint32_t fb_terms;       /* feedback: terms added at most             */
    double fb_weight;        /* feedback: share of the feedback model in
                                the final query, 0..<1 (0: off)            */
    int ids_only;            /* fill only rec.article_id and rec.ordinal,
                                from the document values: no record is read
                                (batch runs: several times faster)         */
    qr_bm25 bm25;
    double article_weight;   /* an article's score: its best passage's
                                times (1 - w), plus its whole text's times
                                w (QR_DEFAULT_ARTICLE_WEIGHT; 0: the best
                                passage alone), when the index has its
                                articles as documents of their own        */
    qr_bm25 article_bm25;    /* BM25 over whole articles                   */
    qr_sort sort;            /* the order of the results                   */
    int duplicates;          /* show every article of the same text; by
                                default one stands for them all
                                (qr_hit.duplicates)                        */
} qr_search_opts;

/* The whole article's share of an article's score (qr_search_opts).
 * Passages split the evidence of a long article that its whole text adds
 * up; the best passage alone finds the paragraph that answers. Measured:
 * bench/README.md, "Tuning decisions". */
#define QR_DEFAULT_ARTICLE_WEIGHT 0.4

/* A search by article ranks the first QR_ARTICLE_DEPTH articles of the
 * whole-article ranking together (feedback, the passage stage, the
 * fusion), whatever the page asked for, so that no result's score or
 * rank depends on how many are shown; pages further down rank the
 * articles after them the same way, among themselves. */
#define QR_ARTICLE_DEPTH 60

/* opts with offset 0, limit 10, per_article 1, the default BM25 and
 * phrase weight. */
qr_search_opts qr_search_defaults(void);

/* What a part of a score comes from (--explain). */
typedef enum qr_part_kind {
    QR_PART_TERM = 0,    /* BM25 of one query term                        */
    QR_PART_COMPOUND,    /* BM25 of a joined or split form (compound.h)   */
    QR_PART_PHRASE,      /* the query's words found as a phrase            */
    QR_PART_PROXIMITY,   /* term proximity (proximity.h)                   */
    QR_PART_FEEDBACK,    /* BM25 of one feedback term, scaled              */
    QR_PART_ARTICLE,     /* the whole article's score, its share        */
    QR_PART_OTHER        /* what the query's structure adds or takes away
                            beyond its terms (synonyms, wildcards, repeated
                            terms of a query with operators)               */
} qr_part_kind;

/* "term", "compound", "phrase", "proximity", "feedback", "article",
 * "other". */
const char *qr_part_kind_name(qr_part_kind k);

/* One additive part of a hit's score: the parts of a hit add up to its
 * score. */
typedef struct qr_score_part {
    qr_part_kind kind;
    char *label;             /* the term (title terms as "title:x"), the
                                compound form, "phrase", "proximity", ... */
    double weight;
} qr_score_part;

typedef struct qr_hit {
    uint32_t rank;           /* 1-based rank in the whole result list      */
    double score;            /* BM25 weight                                */
    uint32_t docid;          /* Xapian document id                         */
    uint32_t collapsed;      /* other matching passages of the same article
                                left out by the collapse (a lower bound)   */
    qr_record rec;           /* strings point into data (with ids_only, the
                                other strings are "" and numbers 0)        */
    char *data;              /* the stored record, or with ids_only the
                                article id (owned)                         */
    qr_score_part *parts;    /* with opts.explain: how score was made, in
                                query order (owned, labels too)            */
    size_t nparts;
    uint32_t duplicates;     /* other articles with the same text, left out
                                of the results (opts.duplicates unset)     */
    char **duplicate_ids;    /* their ids (owned, sorted), when known      */
    size_t nduplicate_ids;
} qr_hit;

typedef struct qr_results {
    qr_hit *hits;            /* n hits in rank order (owned)               */
    size_t n;
    uint32_t estimated;      /* estimated number of matches in all (by
                                article, articles)                         */
    int exact;               /* estimated is the exact number             */
    size_t unreadable;       /* hits left out because their stored record
                                could not be decoded                       */
    unsigned reopened;       /* times the index was reopened because it
                                changed during the search                  */
    int wildcard_dropped;    /* a wildcard matched more than
                                QR_MAX_WILDCARD_EXPANSION terms: the query
                                was searched with its wildcards as plain
                                words, as `searched`                       */
    int corrected;           /* q found nothing and its spelling
                                suggestion (q->suggestion) did: these are
                                the suggestion's results, as `searched`   */
    qr_query *searched;      /* with wildcard_dropped or corrected, the
                                query as searched (owned): its terms,
                                prefixes and description are what to
                                highlight and show; else NULL              */
} qr_results;

/* Runs q against s; q is not changed. On a too-broad wildcard a copy of
 * the query is parsed again without wildcards and run instead (see
 * qr_results.wildcard_dropped and .searched); when the index changes
 * under the reader it is reopened and the query retried. *out is filled
 * only on success (an empty query gives 0 hits); qr_results_free releases
 * it. Returns QR_OK, QR_ERR_USAGE (bad opts), QR_ERR_NOMEM, QR_ERR_INDEX
 * (message in err). */
qr_status qr_search_run(qr_searcher *s, const qr_query *q,
                        const qr_search_opts *opts, qr_results *out,
                        qr_buf *err);
void qr_results_free(qr_results *r);

/* Appends the plain words of text to out: field prefixes ("title:"),
 * boolean operator words (AND, OR, NOT, XOR, NEAR, ADJ), quotes, brackets
 * and other punctuation, and bytes that are not valid UTF-8 become
 * separators; apostrophes inside words are kept. Exposed for tests.
 * Returns 0, or -1 on out of memory. */
int qr_query_plain_words(const char *text, qr_buf *out);

/* ------------------------------------------------------- long-lived use */

/* A server keeps a searcher open across requests. Between two requests it
 * calls qr_searcher_changed, and on a change opens a new searcher (a
 * rebuild switched the stub to a new version: xapian-core's reopen keeps
 * reading the old one), else qr_searcher_refresh to move to the newest
 * commit. A request then runs on one revision: qr_search_run reopens and
 * reruns the whole search if a commit lands during it. */

/* 1 when a stub file named by the paths the searcher was opened with (a
 * Quarry index's XAPIANDB, or a stub file given as the path) is no longer
 * the one it read (replaced, changed or gone), else 0. Stubs named by
 * other stubs are not watched. */
int qr_searcher_changed(const qr_searcher *s);

/* Moves s's databases to their latest commit. *changed (may be NULL) is
 * set to 1 when the revision moved. Returns QR_OK, QR_ERR_INDEX or
 * QR_ERR_IO (the version is gone: open a new searcher), QR_ERR_NOMEM;
 * message in err. */
qr_status qr_searcher_refresh(qr_searcher *s, int *changed, qr_buf *err);

/* The revision of the passage database (0 for shards or remote indexes)
 * and the version the stub named when s was opened ("v000003"; "" when
 * the path was no Quarry index directory). The string is owned by s. */
uint64_t qr_searcher_revision(qr_searcher *s);
const char *qr_searcher_version(const qr_searcher *s);

/* An article's passages in order (qr_article_get). */
typedef struct qr_article_view {
    qr_record *recs;         /* n passages, by ordinal; strings point into
                                data                                       */
    char **data;             /* the stored records (owned)                 */
    size_t n;
    uint32_t total;          /* passages the index has of it (n, unless
                                more than max)                             */
    size_t unreadable;       /* passages whose record could not be decoded */
} qr_article_view;

/* Reads the first max (>= 1) passages of article article_id, in order.
 * *out is filled only on success; qr_article_free releases it. Returns
 * QR_OK; QR_ERR_NOINDEX (no such article: message in err); QR_ERR_USAGE;
 * QR_ERR_NOMEM; QR_ERR_INDEX. */
qr_status qr_article_get(qr_searcher *s, const char *article_id, uint32_t max,
                         qr_article_view *out, qr_buf *err);
void qr_article_free(qr_article_view *a);

#endif

/*
 * schema.h — how an article's passages are laid out in the Xapian database.
 * The one place that both the indexer and the query side take the layout
 * from: term prefixes, value slots, the stored record, metadata keys.
 *
 * One passage = one Xapian document:
 *   body terms      stemmed (STEM_ALL), unprefixed, without positions:
 *                   phrases and proximity are read from the stored text
 *                   at query time (textpos.h)
 *   title terms     unprefixed too (weighted by QR_TITLE_WDF), and under
 *                   QR_PREFIX_TITLE for title: searches
 *   author terms    QR_PREFIX_AUTHOR, source/url words QR_PREFIX_SOURCE
 *   boolean terms   QR_TERM_PASSAGE + passage key   (unique: replace/delete)
 *                   QR_TERM_ARTICLE + article key   (all passages of an article)
 *                   QR_TERM_SOURCE  + source key    (all passages of a file)
 *                   QR_TERM_LANG    + language code (languages.h: the
 *                                   article's language, "XLfr"; lang:fr)
 *   values          QR_SLOT_ARTICLE  article key (collapse: best passage per
 *                                    article)
 *                   QR_SLOT_DATE     "YYYYMMDD" when the article has a date
 *                   QR_SLOT_ORDINAL  passage ordinal, sortable_serialise'd
 *                   QR_SLOT_CONTENT  (article documents: below)
 *                   QR_SLOT_LENGTH   the passage's length as xapian-core
 *                                    counts it (the sum of its terms' wdf:
 *                                    get_doclength), sortable_serialise'd,
 *                                    so that BM25 on its text needs no
 *                                    length read of its own (a round trip
 *                                    to a remote shard); passages indexed
 *                                    before it have none
 *   data            the passage record (qr_record_encode)
 */
#ifndef QUARRY_SCHEMA_H
#define QUARRY_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "xapian-c.h"

#define QR_PREFIX_TITLE   "S"
#define QR_PREFIX_AUTHOR  "A"
#define QR_PREFIX_SOURCE  "XS"
#define QR_TERM_PASSAGE   "Q"
#define QR_TERM_ARTICLE   "XA"
#define QR_TERM_SOURCE    "XP"
#define QR_TERM_LANG      "XL"

enum { QR_SLOT_ARTICLE = 0, QR_SLOT_DATE = 1, QR_SLOT_ORDINAL = 2,
       QR_SLOT_CONTENT = 3, QR_SLOT_LENGTH = 4 };

/* The index's articles, as documents of their own, in a database beside
 * each passage database (ARTICLES_DIR inside its directory): the same
 * terms, prefixes and values as the article's passages, counted over the
 * whole article (the title once), so that a query's operators and filters
 * decide on whole articles and the whole text can be scored; plus
 *   QR_PREFIX_WORD + word   every distinct word as written (folded, not
 *                           stemmed), with no weight: the vocabulary that
 *                           spelling suggestions come from
 *   QR_SLOT_CONTENT         a hash of the article's title and text as
 *                           folded words (16 hex digits): articles with
 *                           the same words are duplicates
 *   QR_TERM_CONTENT + hash  the same, as a boolean term (an article's
 *                           duplicates by one posting list)
 *   data                    the article's record (qr_record, no text)
 * Statistics stay separate: a passage's BM25 counts passages, an
 * article's counts articles. */
#define QR_ARTICLES_DIR   "articles"
#define QR_PREFIX_WORD    "XW"
#define QR_TERM_CONTENT   "XH"
/* Both databases record the batches they committed, the article database
 * first: when it is one ahead, QR_META_BATCH_SOURCES (in it) names the
 * sources that batch touched, which a crash left unfinished in the
 * passages. */
#define QR_META_BATCH     "quarry:batch"
#define QR_META_BATCH_SOURCES "quarry:batch-sources"

/* Metadata keys. */
#define QR_META_SCHEMA    "quarry:schema"   /* layout version, "1"          */
#define QR_META_LANG      "quarry:lang"     /* stemmer language at indexing */
/* The languages present are the QR_TERM_LANG terms: the index's own
 * postings, right after every incremental run with nothing to update. */
#define QR_META_STOPWORDS "quarry:stop"     /* "1" if stop words were used  */
/* "fold": terms fold accents (analysis.h); "exact": --exact-accents. An
 * index without it is from before accent folding: exact. */
#define QR_META_ACCENTS   "quarry:accents"
#define QR_META_SOURCE    "src:"            /* + source key: bookkeeping    */
#define QR_META_FORCE     "quarry:force"    /* a forced pass under way: its
                                               run id (hex); cleared by the
                                               run that completes it        */
#define QR_SCHEMA_VERSION "2"

/* Xapian terms are limited to 245 bytes; keys longer than this are replaced
 * by "#" + a 128-bit hash so that any id or path works as a key. */
#define QR_KEY_MAX 200

/* Appends prefix + key (or prefix + "#" + hash of key when key is long) to
 * out (cleared first). Returns 0 or -1 on out of memory. */
int qr_key_term(qr_buf *out, const char *prefix, const char *key);

/* The unique term of passage number ordinal of article_id (in out, cleared
 * first): QR_TERM_PASSAGE and the key "ARTICLE#ORDINAL", as qr_key_term
 * writes it. Returns 0 or -1 on out of memory. */
int qr_passage_term(qr_buf *out, const char *article_id, unsigned ordinal);

/* A passage's length as its QR_SLOT_LENGTH value: buf (9 bytes) receives
 * it; returns its size. */
size_t qr_length_encode(uint32_t length, char buf[9]);
/* The length a QR_SLOT_LENGTH value v[0..len) holds. Returns 0, or -1
 * when v is not one (an index may be damaged or hostile: the length is
 * then to be asked of the database). */
int qr_length_decode(const char *v, size_t len, uint32_t *out);

/* What one passage stores for display. All strings are valid UTF-8 without
 * NUL bytes. */
typedef struct qr_record {
    const char *article_id;
    const char *title;
    const char *source;     /* the source file (or archive) it came from  */
    const char *url;
    const char *date;       /* YYYYMMDD or ""                             */
    const char *author;
    unsigned    ordinal;    /* 0-based passage number within the article  */
    unsigned    npassages;  /* passages in the article                    */
    uint64_t    start, end; /* byte offsets of the passage in the body    */
    unsigned    page;       /* the page it starts on (1-based), 0 when the
                               format has no pages                        */
    unsigned    page_last;  /* the page it ends on (== page, or later)    */
    unsigned    flags;      /* QR_RECORD_* bits                           */
    const char *lang;       /* the article's language code (languages.h),
                               "" in records from before languages        */
    const char *text;       /* the passage text (end - start bytes)       */
    size_t      text_len;
} qr_record;

/* qr_record.flags: the date is not the article's own but the source
 * file's modification time (the article gave none). */
#define QR_RECORD_DATE_FROM_FILE 1u

/* Serialises r into out (cleared first). Returns 0 or -1 (out of memory). */
int qr_record_encode(const qr_record *r, qr_buf *out);
/* Parses a record produced by qr_record_encode. data is modified in place
 * (NUL terminators written) and r's strings point into it, so data must
 * outlive r. Returns 0, or -1 if data is not a valid record. */
int qr_record_decode(char *data, size_t len, qr_record *r);

/* Weight of the title's terms in each passage relative to body terms (the
 * wdf increment per occurrence). Measured with bench/quality.sh (passages of
 * 300 words, BM25 k1 1.2, b 0.75), nDCG@10 Cranfield / SciFact-train:
 * 0: .349/.678, 1: .363/.691, 2: .367/.694, 3: .370/.694, 4: .375/.695,
 * 6: .376/.693, 8: .377/.691. 4 is the best for both together. */
#define QR_TITLE_WDF 4
/* Position gap between body and title when positions are read from the
 * text (textpos.h), so phrases never span the two. */
#define QR_TITLE_POS_GAP 100

#endif

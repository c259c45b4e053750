#include "search.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "compound.h"
#include "feedback.h"
#include "words.h"
#include "proximity.h"
#include "spell.h"
#include "analysis.h"
#include "stub.h"
#include "textpos.h"
#include "xapian-c.h"

/* The query syntax of the full parse (README, "Query syntax"). */
#define FULL_FLAGS                                                    \
    (XC_QP_BOOLEAN | XC_QP_PHRASE | XC_QP_LOVEHATE | XC_QP_WILDCARD | \
     XC_QP_PURE_NOT)

struct qr_searcher {
    xc_db *db;            /* the index, read-only                            */
    xc_stem *stem;        /* the index's stemmer                             */
    xc_stopper *stop;     /* its stop words, or NULL                         */
    xc_qparser *qp;       /* configured once, reused for every query         */
    xc_termgen *tg;       /* the indexer's analysis, for the last fallback   */
    char *lang;           /* the stemmer language                            */
    unsigned features;    /* QR_FEAT_*                                       */
    char *remotes;        /* the remote shards, for messages (stub.h), or
                             NULL                                            */
    qr_textpos *tp;       /* scans passages' text (textpos.h), or NULL      */
};

qr_bm25 qr_bm25_defaults(void)
{
    /* Measured with bench/quality.sh on Cranfield and SciFact-train
     * (article-level nDCG@10, 120-word passages): k1 1.2 -> 0.367 / 0.704,
     * 1.3 -> 0.370 / 0.701, 1.5 -> 0.376 / 0.700; b 0.7 to 0.8 moves
     * either by less than 0.002. Cranfield wants a larger k1, SciFact a
     * smaller one: 1.3 keeps both above Lucene's BM25. k2 > 0 and a
     * min_normlen of 1 only lost. */
    qr_bm25 p = {.k1 = 1.3, .k2 = 0.0, .k3 = 1.0, .b = 0.75,
                 .min_normlen = 0.5};
    return p;
}

qr_search_opts qr_search_defaults(void)
{
    qr_search_opts o = {.offset = 0, .limit = 10, .per_article = 1,
                        .phrase = QR_DEFAULT_PHRASE,
                        .proximity = QR_DEFAULT_PROXIMITY,
                        .fb_docs = QR_DEFAULT_FB_DOCS,
                        .fb_terms = QR_DEFAULT_FB_TERMS,
                        .fb_weight = QR_DEFAULT_FB_WEIGHT,
                        .bm25 = qr_bm25_defaults()};
    return o;
}

static qr_status from_xc(xc_status st)
{
    switch (st) {
    case XC_OK: return QR_OK;
    case XC_NOT_FOUND: return QR_ERR_NOINDEX;
    case XC_NOMEM: return QR_ERR_NOMEM;
    case XC_INVALID_ARG: return QR_ERR_USAGE;
    default: return QR_ERR_INDEX;
    }
}

/* Sets err to "what: message" (message may be NULL or ""). */
static void set_err(qr_buf *err, const char *what, const char *msg)
{
    if (!err)
        return;
    qr_buf_clear(err);
    qr_buf_puts(err, what);
    if (msg && *msg) {
        qr_buf_puts(err, ": ");
        qr_buf_printable(err, msg, strlen(msg));
    }
}

/* ------------------------------------------------------------ searcher */

static qr_status setup_parser(qr_searcher *s, qr_buf *err)
{
    char *xerr = NULL;
    xc_status st = xc_qparser_new(&s->qp, &xerr);
    if (st != XC_OK) {
        set_err(err, "cannot create the query parser", xerr);
        free(xerr);
        return from_xc(st);
    }
    xc_qparser *qp = s->qp;
    if (st == XC_OK) st = xc_qparser_set_database(qp, s->db);
    if (st == XC_OK) st = xc_qparser_set_stemmer(qp, s->stem);
    if (st == XC_OK) st = xc_qparser_set_stemming_strategy(qp, XC_STEM_ALL);
    if (st == XC_OK && s->stop) st = xc_qparser_set_stopper(qp, s->stop);
    if (st == XC_OK) st = xc_qparser_set_default_op(qp, XC_OP_OR);
    if (st == XC_OK) st = xc_qparser_add_prefix(qp, "title", QR_PREFIX_TITLE);
    if (st == XC_OK) st = xc_qparser_add_prefix(qp, "author", QR_PREFIX_AUTHOR);
    if (st == XC_OK) st = xc_qparser_add_prefix(qp, "source", QR_PREFIX_SOURCE);
    if (st == XC_OK)
        st = xc_qparser_add_date_range(qp, QR_SLOT_DATE, "date:", 0, 1970);
    if (st == XC_OK)
        st = xc_qparser_set_max_wildcard_expansion(qp,
                                                   QR_MAX_WILDCARD_EXPANSION);
    if (st != XC_OK) {
        set_err(err, "cannot set up the query parser", xc_qparser_errmsg(qp));
        return from_xc(st);
    }

    st = xc_termgen_new(&s->tg, &xerr);
    if (st != XC_OK) {
        set_err(err, "cannot create a term generator", xerr);
        free(xerr);
        return from_xc(st);
    }
    st = xc_termgen_set_stemmer(s->tg, s->stem);
    if (st == XC_OK)
        st = xc_termgen_set_stemming_strategy(s->tg, XC_STEM_ALL);
    if (st == XC_OK && s->stop)
        st = xc_termgen_set_stopper(s->tg, s->stop, XC_TG_STOP_ALL);
    if (st != XC_OK) {
        set_err(err, "cannot set up the term generator",
                xc_termgen_errmsg(s->tg));
        return from_xc(st);
    }
    return QR_OK;
}

/* Reads a metadata value into a malloc'd string (NULL when absent). */
/* Reads one metadata value. A writer committing in the meantime may
 * discard the revision being read (XC_MODIFIED): move to the new one and
 * read again. */
static xc_status get_meta(xc_db *db, const char *key, char **out)
{
    xc_status st;
    for (int i = 0;; i++) {
        size_t len = 0;
        *out = NULL;
        st = xc_db_get_metadata(db, key, out, &len);
        if (st != XC_MODIFIED || i == QR_MODIFIED_RETRIES ||
            xc_db_reopen(db, NULL) != XC_OK)
            return st;
    }
}

/* Opens the database. A rebuild retires the old version right after it
 * switches the stub, so an open that read the old stub can find the old
 * version gone: read the stub again before calling it a failure. */
static xc_status open_db(const char *const *paths, size_t n, xc_db **db,
                         char **xerr, char **remotes)
{
    xc_status st = XC_OK;
    for (int i = 0; i <= QR_MODIFIED_RETRIES; i++) {
        free(*xerr);
        *xerr = NULL;
        /* shards: stub.h */
        st = qr_stub_open_remotes(paths, n, db, xerr, remotes);
        if (st != XC_NOT_FOUND && st != XC_IO && st != XC_CORRUPT &&
            st != XC_MODIFIED)
            break;
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    return st;
}

qr_status qr_searcher_open(const char *const *paths, size_t n,
                           qr_searcher **out, qr_buf *err)
{
    if (!paths || n == 0 || !out) {
        set_err(err, "no index given", NULL);
        return QR_ERR_USAGE;
    }
    qr_searcher *s = calloc(1, sizeof *s);
    if (!s) {
        set_err(err, "out of memory", NULL);
        return QR_ERR_NOMEM;
    }
    char *xerr = NULL;
    xc_status st = open_db(paths, n, &s->db, &xerr, &s->remotes);
    if (st != XC_OK) {
        qr_status rc = from_xc(st);
        /* A path that does not exist at all is "no index", whatever
         * xapian-core calls it. */
        for (size_t i = 0; i < n; i++) {
            struct stat sb;
            if (stat(paths[i], &sb) != 0 && errno == ENOENT)
                rc = QR_ERR_NOINDEX;
        }
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, rc == QR_ERR_NOINDEX ? "no index at "
                                                  : "cannot open the index ");
            for (size_t i = 0; i < n; i++) {
                qr_buf_puts(err, i ? ", '" : "'");
                qr_buf_printable(err, paths[i], strlen(paths[i]));
                qr_buf_puts(err, "'");
            }
            if (xerr && *xerr) {
                qr_buf_puts(err, ": ");
                qr_buf_printable(err, xerr, strlen(xerr));
            }
        }
        free(xerr);
        free(s);
        return rc == QR_OK ? QR_ERR_INDEX : rc;
    }

    char *lang = NULL, *stopflag = NULL;
    st = get_meta(s->db, QR_META_LANG, &lang);
    if (st == XC_OK)
        st = get_meta(s->db, QR_META_STOPWORDS, &stopflag);
    if (st != XC_OK) {
        set_err(err, "cannot read the index metadata", xc_db_errmsg(s->db));
        free(lang);
        qr_searcher_close(s);
        return from_xc(st);
    }
    s->features = QR_FEAT_DEFAULT;
    s->lang = lang && *lang ? lang : strdup(QR_DEFAULT_LANG);
    if (s->lang != lang)
        free(lang);
    int use_stop = !(stopflag && strcmp(stopflag, "0") == 0);
    free(stopflag);
    if (!s->lang) {
        set_err(err, "out of memory", NULL);
        qr_searcher_close(s);
        return QR_ERR_NOMEM;
    }

    st = qr_analyzer_new(s->lang, use_stop, &s->stem, &s->stop, &xerr);
    if (st != XC_OK) {
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, "the index's language '");
            qr_buf_printable(err, s->lang, strlen(s->lang));
            qr_buf_puts(err, "' is not usable here");
            if (xerr && *xerr) {
                qr_buf_puts(err, ": ");
                qr_buf_printable(err, xerr, strlen(xerr));
            }
        }
        free(xerr);
        qr_searcher_close(s);
        return st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
    }

    qr_status rc = setup_parser(s, err);
    if (rc != QR_OK) {
        qr_searcher_close(s);
        return rc;
    }
    *out = s;
    return QR_OK;
}

void qr_searcher_close(qr_searcher *s)
{
    if (!s)
        return;
    qr_textpos_free(s->tp);
    xc_termgen_free(s->tg);
    xc_qparser_free(s->qp);
    xc_stopper_free(s->stop);
    xc_stem_free(s->stem);
    xc_db_close(s->db);
    free(s->lang);
    free(s->remotes);
    free(s);
}

void qr_searcher_set_features(qr_searcher *s, unsigned features)
{
    if (s)
        s->features = features;
}

const char *qr_searcher_lang(const qr_searcher *s)
{
    return s && s->lang ? s->lang : QR_DEFAULT_LANG;
}

uint32_t qr_searcher_doccount(qr_searcher *s)
{
    xc_db_stats stats;
    if (!s || xc_db_get_stats(s->db, &stats) != XC_OK)
        return 0;
    return stats.doccount;
}

/* ------------------------------------------------------- string lists */

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static int strlist_add(strlist *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *p = qr_strndup(s, len);
    if (!p)
        return -1;
    l->v[l->n++] = p;
    return 0;
}

static void strlist_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and removes duplicates. */
static void strlist_uniq(strlist *l)
{
    if (l->n < 2)
        return;
    qsort(l->v, l->n, sizeof *l->v, cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < l->n; i++) {
        if (strcmp(l->v[i], l->v[k - 1]) == 0)
            free(l->v[i]);
        else
            l->v[k++] = l->v[i];
    }
    l->n = k;
}

/* --------------------------------------------------------- plain words */


static int is_field_name(const char *w, size_t n)
{
    static const char *const fields[] = {"title", "author", "source", "date",
                                         NULL};
    for (size_t i = 0; fields[i]; i++)
        if (strlen(fields[i]) == n && memcmp(fields[i], w, n) == 0)
            return 1;
    return 0;
}

int qr_query_plain_words(const char *text, qr_buf *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    size_t i = 0;
    int need_space = 0;
    for (;;) {
        /* one whitespace-separated token at a time */
        while (i < n && isspace(s[i]))
            i++;
        if (i >= n)
            break;
        size_t tok = i;
        while (i < n && !isspace(s[i]))
            i++;
        size_t tokend = i;
        if (qr_word_is_operator(text + tok, tokend - tok))
            continue;
        /* drop a field prefix: title:word, (title:"a b" ... */
        size_t p = tok;
        while (p < tokend && (s[p] == '(' || s[p] == '+' || s[p] == '-' ||
                              s[p] == '"'))
            p++;
        size_t q = p;
        while (q < tokend && islower(s[q]))
            q++;
        if (q < tokend && s[q] == ':' && is_field_name(text + p, q - p))
            tok = q + 1;
        /* the words of the token, as the indexer's tokenizer sees them */
        size_t j = tok, ws, we;
        while (qr_word_next(text, tokend, j, &ws, &we)) {
            if ((need_space && qr_buf_putc(out, ' ') != 0) ||
                qr_buf_append(out, text + ws, we - ws) != 0)
                return -1;
            need_space = 1;
            j = we;
        }
    }
    return qr_buf_append(out, "", 0);   /* NUL-terminated even when empty */
}

/* -------------------------------------------------------- date ranges */

/* Normalises one end of a date range to YYYYMMDD: YYYY, YYYYMM, YYYY-MM,
 * YYYYMMDD, YYYY-MM-DD; is_end picks the last day of a year or month.
 * Returns 0, or -1 if d is not one of these forms (left to xapian-core). */
static int date_end(const char *d, size_t n, int is_end, char out[9])
{
    char digits[9];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '-' && (i == 4 || i == 7))
            continue;
        if (!isdigit((unsigned char)d[i]) || k == 8)
            return -1;
        digits[k++] = d[i];
    }
    if (k != 4 && k != 6 && k != 8)
        return -1;
    /* "-" only in the YYYY-MM(-DD) places */
    if (n != k && !(n == 7 && k == 6) && !(n == 10 && k == 8))
        return -1;
    memcpy(out, digits, k);
    if (k == 4)
        memcpy(out + 4, is_end ? "1231" : "0101", 4);
    else if (k == 6)
        memcpy(out + 6, is_end ? "31" : "01", 2);
    out[8] = '\0';
    return 0;
}

/* Rewrites date:YYYY, date:YYYY-MM, date:2017..2018 and the like into the
 * full YYYYMMDD..YYYYMMDD ranges xapian-core's date range processor takes.
 * Anything it does not recognise is copied unchanged. */
static int rewrite_dates(const char *text, qr_buf *out)
{
    static const char key[] = "date:";
    const size_t klen = sizeof key - 1;
    const char *p = text;
    for (;;) {
        const char *hit = strstr(p, key);
        if (!hit)
            break;
        int at_start = hit == text || isspace((unsigned char)hit[-1]) ||
                       hit[-1] == '(' || hit[-1] == '+' || hit[-1] == '-';
        const char *v = hit + klen;
        size_t vlen = 0;
        while (v[vlen] && !isspace((unsigned char)v[vlen]) && v[vlen] != ')')
            vlen++;
        if (qr_buf_append(out, p, (size_t)(v - p)) != 0)
            return -1;
        p = v + vlen;
        const char *dots = NULL;
        for (size_t i = 0; i + 1 < vlen; i++)
            if (v[i] == '.' && v[i + 1] == '.') {
                dots = v + i;
                break;
            }
        char a[9] = "", b[9] = "";
        int ok;
        if (!at_start) {
            ok = 0;
        } else if (dots) {
            size_t alen = (size_t)(dots - v), blen = vlen - alen - 2;
            ok = (alen == 0 || date_end(v, alen, 0, a) == 0) &&
                 (blen == 0 || date_end(dots + 2, blen, 1, b) == 0) &&
                 (alen || blen);
        } else {
            ok = date_end(v, vlen, 0, a) == 0 && date_end(v, vlen, 1, b) == 0;
        }
        if (ok) {
            if (qr_buf_printf(out, "%s..%s", a, b) != 0)
                return -1;
        } else if (qr_buf_append(out, v, vlen) != 0) {
            return -1;
        }
    }
    return qr_buf_puts(out, p);
}

/* ----------------------------------------------------------- parsing */

/* Trailing-wildcard prefixes in text (words directly followed by '*', in
 * free text or the title field), folded as the parser folds them. */
static int find_wildcards(const char *text, strlist *out)
{
    size_t n = strlen(text), pos = 0, ws, we;
    qr_buf w = {0};
    while (qr_word_next(text, n, pos, &ws, &we)) {
        pos = we;
        if (we >= n || text[we] != '*')
            continue;
        if (ws > 0 && text[ws - 1] == ':') {
            /* a field other than title: not in the passage text */
            size_t f = ws - 1;
            while (f > 0 && islower((unsigned char)text[f - 1]))
                f--;
            if (!(ws - 1 - f == 5 && memcmp(text + f, "title", 5) == 0))
                continue;
        }
        qr_buf_clear(&w);
        if (qr_word_fold(text, ws, we, &w) != 0 ||
            strlist_add(out, w.data, w.len) != 0) {
            qr_buf_free(&w);
            return -1;
        }
    }
    qr_buf_free(&w);
    return 0;
}

typedef struct term_ctx {
    strlist *list;
    int failed;
} term_ctx;

/* Query terms to highlight: unprefixed ones, and title terms without "S". */
static int collect_term(void *ctx, const char *term, size_t len, uint32_t wdf)
{
    (void)wdf;
    term_ctx *c = ctx;
    const unsigned char *t = (const unsigned char *)term;
    if (len == 0)
        return 0;
    if (t[0] == QR_PREFIX_TITLE[0] && len > 1 && !isupper(t[1])) {
        term++;
        len--;
    } else if (isupper(t[0])) {
        return 0;
    }
    if (strlist_add(c->list, term, len) != 0) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

typedef struct subq_ctx {
    xc_query **v;        /* one term query per distinct term             */
    char **terms;        /* the terms                                    */
    uint32_t *wqf;       /* and their within-query frequencies           */
    size_t n, cap;
    xc_status st;        /* first failure                                */
} subq_ctx;

static int add_subquery(void *ctx, const char *term, size_t len, uint32_t wdf)
{
    subq_ctx *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        xc_query **v = realloc(c->v, cap * sizeof *v);
        if (v)
            c->v = v;
        char **t = v ? realloc(c->terms, cap * sizeof *t) : NULL;
        if (t)
            c->terms = t;
        uint32_t *w = t ? realloc(c->wqf, cap * sizeof *w) : NULL;
        if (!w) {
            c->st = XC_NOMEM;
            return 1;
        }
        c->wqf = w;
        c->cap = cap;
    }
    char *t = qr_strndup(term, len);
    if (!t) {
        c->st = XC_NOMEM;
        return 1;
    }
    /* the term's frequency in the query is its within-query frequency */
    c->wqf[c->n] = wdf ? wdf : 1;
    c->st = xc_query_new_term(t, c->wqf[c->n], 0, &c->v[c->n]);
    if (c->st != XC_OK) {
        free(t);
        return 1;
    }
    c->terms[c->n] = t;
    c->n++;
    return 0;
}

/* Builds the last-resort query: the words analysed exactly as the indexer
 * analyses text (lower case, stop words out, stemmed), OR'ed together.
 * With q, its terms and their within-query frequencies go to q->bow_*. */
static xc_status build_terms_query(qr_searcher *s, const char *text,
                                   xc_query **out, qr_query *q)
{
    xc_doc *doc = NULL;
    xc_status st = xc_doc_new(&doc);
    if (st != XC_OK)
        return st;
    st = xc_termgen_set_document(s->tg, doc);
    if (st == XC_OK)
        st = xc_termgen_index_text(s->tg, text, strlen(text), 1, "", 0);
    subq_ctx c = {NULL, NULL, NULL, 0, 0, XC_OK};
    if (st == XC_OK)
        st = xc_doc_terms_each(doc, add_subquery, &c);
    if (st == XC_OK)
        st = c.st;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, c.v, c.n, 0, out);
    for (size_t i = 0; i < c.n; i++)
        xc_query_free(c.v[i]);
    free(c.v);
    if (st == XC_OK && q) {
        strlist_free(q->bow_terms, q->nbow);
        free(q->bow_wqf);
        q->bow_terms = c.terms;
        q->bow_wqf = c.wqf;
        q->nbow = c.n;
    } else {
        strlist_free(c.terms, c.n);
        free(c.wqf);
    }
    xc_doc_free(doc);
    return st;
}

typedef struct stop_ctx {
    strlist *list;
    int failed;
} stop_ctx;

static int collect_stop(void *ctx, const char *term, size_t len, uint32_t n)
{
    (void)n;
    stop_ctx *c = ctx;
    if (strlist_add(c->list, term, len) != 0) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

/* Parses text with flags; fills q->xq and the stop list on success. */
static xc_status parse_with(qr_searcher *s, const char *text, unsigned flags,
                            qr_query *q, strlist *stopped)
{
    xc_query *xq = NULL;
    xc_status st = xc_qparser_parse(s->qp, text, flags, &xq);
    if (st != XC_OK)
        return st;
    for (size_t i = 0; i < stopped->n; i++)
        free(stopped->v[i]);
    stopped->n = 0;
    stop_ctx c = {stopped, 0};
    xc_status st2 = xc_qparser_stoplist_each(s->qp, collect_stop, &c);
    if (st2 == XC_NOMEM || c.failed) {
        xc_query_free(xq);
        return XC_NOMEM;
    }
    xc_query_free(q->xq);
    q->xq = xq;
    return XC_OK;
}

static char *strdup_or_null(const char *s)
{
    return s ? qr_strndup(s, strlen(s)) : NULL;
}

static int is_wordbyte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* The query text as QueryParser sees it: date ranges normalised, and
 * hyphens inside words made spaces. QueryParser would make "heat-transfer"
 * a phrase, so that a passage saying "transfer of heat" gets nothing for
 * it; as two words the query finds both (Lucene does the same), and the
 * phrase evidence still favours the passages where they stand together.
 * Measured: +0.9 point of nDCG@10 on Cranfield, +1.0 on SciFact. */
static int prepare_text(const char *text, qr_buf *out)
{
    qr_buf_clear(out);
    if (rewrite_dates(text, out) != 0)
        return -1;
    unsigned char *d = (unsigned char *)out->data;
    for (size_t i = 1; i + 1 < out->len; i++)
        if (d[i] == '-' && is_wordbyte(d[i - 1]) && is_wordbyte(d[i + 1]))
            d[i] = ' ';
    return 0;
}

/* The stop words among the words of text, in order. */
static int find_stopwords(qr_searcher *s, const char *text, strlist *out)
{
    qr_buf w = {0};
    size_t n = strlen(text), at = 0, ws, we;
    int rc = 0;
    while (rc == 0 && qr_word_next(text, n, at, &ws, &we)) {
        at = we;
        qr_buf_clear(&w);
        rc = qr_word_fold(text, ws, we, &w);
        if (rc == 0 && xc_stopper_is_stop(s->stop, w.data))
            rc = strlist_add(out, w.data, w.len);
    }
    qr_buf_free(&w);
    return rc;
}

/* Does text use any query syntax: quotes, brackets, +/- before a word, a
 * trailing wildcard, a field prefix, a range, an operator word? Text
 * without any is a plain list of words. */
static int has_syntax(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        int at_start = i == 0 || isspace(s[i - 1]) || s[i - 1] == '(';
        if (c == '"' || c == '(' || c == ')')
            return 1;
        if ((c == '+' || c == '-') && at_start && i + 1 < n &&
            !isspace(s[i + 1]))
            return 1;
        if (c == '*' && i > 0 && is_wordbyte(s[i - 1]))
            return 1;
        if (c == '.' && i + 1 < n && s[i + 1] == '.')
            return 1;
        if (c == 0xE2 && i + 2 < n && s[i + 1] == 0x80 &&
            (s[i + 2] == 0x9C || s[i + 2] == 0x9D))   /* curly quotes */
            return 1;
        if (c == ':') {
            size_t f = i;
            while (f > 0 && islower(s[f - 1]))
                f--;
            if (is_field_name(text + f, i - f) &&
                (f == 0 || !is_wordbyte(s[f - 1])))
                return 1;
        }
        if (at_start && isupper(c)) {
            size_t e = i;
            while (e < n && !isspace(s[e]) && s[e] != ')')
                e++;
            if (qr_word_is_operator(text + i, e - i))
                return 1;
        }
    }
    return 0;
}

/* Frees the phrase evidence of q. */
static void free_phrase(qr_query *q)
{
    strlist_free(q->phrase, q->nphrase);
    q->phrase = NULL;
    q->nphrase = 0;
    q->phrase_window = 0;
}

/* Builds q->phrase from the words of q->plain (or q->folded): the stems of
 * the words that are not stop words, in order, the window spanning the
 * stop words between them. */
static xc_status build_phrase(qr_searcher *s, qr_query *q)
{
    free_phrase(q);
    qr_buf plain = {0}, w = {0};
    strlist terms = {0};
    xc_status st = XC_OK;
    const char *text = q->plain;
    if (!text) {
        if (qr_query_plain_words(q->folded, &plain) != 0)
            return XC_NOMEM;
        text = plain.data;
    }
    size_t first = 0, last = 0, npos = 0;
    size_t n = strlen(text), at = 0, ws, we;
    while (st == XC_OK && qr_word_next(text, n, at, &ws, &we)) {
        at = we;
        npos++;
        qr_buf_clear(&w);
        if (qr_word_fold(text, ws, we, &w) != 0) {
            st = XC_NOMEM;
            break;
        }
        if (s->stop && xc_stopper_is_stop(s->stop, w.data))
            continue;
        if (terms.n == QR_PHRASE_MAX_WORDS) {
            strlist_free(terms.v, terms.n);    /* too long: no phrase */
            terms = (strlist){0};
            break;
        }
        char *stem = NULL;
        st = xc_stem_word(s->stem, w.data, w.len, &stem);
        if (st == XC_OK && strlist_add(&terms, stem, strlen(stem)) != 0)
            st = XC_NOMEM;
        free(stem);
        if (terms.n == 1)
            first = npos;
        last = npos;
    }
    if (st == XC_OK && terms.n >= 2) {
        q->phrase = terms.v;
        q->nphrase = terms.n;
        q->phrase_window = (uint32_t)(last - first + 1);
    } else {
        strlist_free(terms.v, terms.n);
    }
    qr_buf_free(&plain);
    qr_buf_free(&w);
    return st;
}

/* Number of words in text, counting up to max. */
static size_t count_words(const char *text, size_t max)
{
    size_t n = 0, pos = 0, ws, we, len = strlen(text);
    while (n < max && qr_word_next(text, len, pos, &ws, &we)) {
        n++;
        pos = we;
    }
    return n;
}

/* Keeps the first max space-separated words of b. */
static void cut_words(qr_buf *b, size_t max)
{
    size_t words = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == ' ' && ++words == max) {
            b->len = i;
            b->data[i] = '\0';
            return;
        }
    }
}

/* Does text have an odd number of double quotes (straight or curly)? */
static int unbalanced_quotes(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            n++;
        else if (p[0] == '\xE2' && p[1] == '\x80' &&
                 (p[2] == '\x9C' || p[2] == '\x9D'))
            n++;
    }
    return n % 2;
}

static void free_compounds(qr_query *q)
{
    for (size_t i = 0; i < q->ncompounds; i++)
        xc_query_free(q->compound_q[i]);
    free(q->compound_q);
    strlist_free(q->compounds, q->ncompounds);
    q->compound_q = NULL;
    q->compounds = NULL;
    q->ncompounds = 0;
}

/* Adds the joined and split forms of q's words that the index has
 * (compound.h) to q->xq, OR'ed: they match on their own. */
static xc_status add_compounds(qr_searcher *s, qr_query *q)
{
    free_compounds(q);
    qr_compounds c = {0};
    xc_status st = qr_compounds_find(s->db, s->stem, s->stop,
                                     q->plain ? q->plain : q->folded, &c);
    if (st != XC_OK || c.n == 0) {
        qr_compounds_free(&c);
        return st;
    }
    xc_query **parts = malloc((c.n + 1) * sizeof *parts);
    xc_query *xq = NULL;
    if (!parts) {
        st = XC_NOMEM;
    } else {
        parts[0] = q->xq;
        memcpy(parts + 1, c.queries, c.n * sizeof *parts);
        st = xc_query_new_combine(XC_OP_OR, parts, c.n + 1, 0, &xq);
    }
    free(parts);
    if (st == XC_OK) {
        xc_query_free(q->xq);
        q->xq = xq;
        q->compounds = c.forms;
        q->compound_q = c.queries;
        q->ncompounds = c.n;
        c.forms = NULL;
        c.queries = NULL;
        for (size_t i = 0; i < c.n; i++)
            free(c.from[i]);
        c.n = 0;
    }
    qr_compounds_free(&c);
    return st;
}

/* Runs the parse chain from `from` over q->folded into q. */
static qr_status parse_chain(qr_searcher *s, qr_query *q, qr_parse_level from,
                             int allow_wildcards, size_t max_words,
                             qr_buf *err)
{
    qr_status rc = QR_OK;
    qr_buf text = {0}, plain = {0};
    strlist stopped = {0};
    xc_status st = XC_OK;
    qr_parse_level level = from;
    int plain_words = 0;      /* built from the words, no QueryParser */

    free(q->fallback_reason);
    q->fallback_reason = NULL;
    free(q->plain);
    q->plain = NULL;
    strlist_free(q->bow_terms, q->nbow);
    free(q->bow_wqf);
    q->bow_terms = NULL;
    q->bow_wqf = NULL;
    q->nbow = 0;

    if (level == QR_PARSE_FULL && !has_syntax(q->folded)) {
        /* Plain words: analysed exactly as the indexer analyses text, a
         * repeated word one term with its within-query frequency. Measured
         * better than QueryParser's OR of every occurrence (bench/quality.sh:
         * +0.5 point of nDCG@10 on SciFact). A query of stop words only
         * comes out empty here and goes on to QueryParser, which keeps
         * them. */
        xc_query *xq = NULL;
        st = build_terms_query(s, q->folded, &xq, q);
        if (st == XC_NOMEM) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
        if (st == XC_OK && !xc_query_is_empty(xq)) {
            xc_query_free(q->xq);
            q->xq = xq;
            plain_words = 1;
            if (s->stop && find_stopwords(s, q->folded, &stopped) != 0) {
                rc = QR_ERR_NOMEM;
                goto done;
            }
        } else {
            xc_query_free(xq);
        }
        st = XC_OK;
    }
    if (level == QR_PARSE_FULL && !plain_words) {
        q->nbow = 0;              /* (an empty list: nothing to free) */
        if (prepare_text(q->folded, &text) != 0) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
        unsigned flags = FULL_FLAGS;
        if (unbalanced_quotes(q->folded)) {
            /* xapian-core would run the phrase to the end of the query,
             * which finds nothing: a stray quote is a typo, not a phrase */
            q->fallback_reason = strdup_or_null("unbalanced quotation mark");
            if (!q->fallback_reason) {
                rc = QR_ERR_NOMEM;
                goto done;
            }
            level = QR_PARSE_PLAIN;
        }
        if (allow_wildcards) {
            /* too many wildcards: all of them searched as words */
            strlist wild = {0};
            if (find_wildcards(text.data, &wild) != 0) {
                strlist_free(wild.v, wild.n);
                rc = QR_ERR_NOMEM;
                goto done;
            }
            if (wild.n > QR_MAX_WILDCARDS) {
                q->wildcard_dropped = 1;
                allow_wildcards = 0;
            }
            strlist_free(wild.v, wild.n);
        }
        if (!allow_wildcards)
            flags &= ~(unsigned)XC_QP_WILDCARD;
        st = level == QR_PARSE_FULL
                 ? parse_with(s, text.data, flags, q, &stopped) : XC_OK;
        if (st == XC_RANGE && allow_wildcards) {
            /* a wildcard too broad to expand (if the binding expands early) */
            q->wildcard_dropped = 1;
            flags &= ~(unsigned)XC_QP_WILDCARD;
            st = parse_with(s, text.data, flags, q, &stopped);
        }
        if (st == XC_NOMEM) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
        if (st != XC_OK) {
            q->fallback_reason = strdup_or_null(xc_qparser_errmsg(s->qp));
            level = QR_PARSE_PLAIN;
        }
    }
    if (level >= QR_PARSE_PLAIN) {
        if (qr_query_plain_words(q->folded, &plain) != 0) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
        if (max_words)
            cut_words(&plain, max_words);
        q->plain = strdup_or_null(plain.data);
        if (!q->plain) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
    }
    if (level == QR_PARSE_PLAIN) {
        st = parse_with(s, q->plain, 0, q, &stopped);
        if (st == XC_NOMEM) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
        if (st != XC_OK) {
            if (!q->fallback_reason)
                q->fallback_reason =
                    strdup_or_null(xc_qparser_errmsg(s->qp));
            level = QR_PARSE_TERMS;
        }
    }
    if (level == QR_PARSE_TERMS) {
        xc_query *xq = NULL;
        for (size_t i = 0; i < stopped.n; i++)
            free(stopped.v[i]);
        stopped.n = 0;
        st = build_terms_query(s, q->plain, &xq, q);
        if (st != XC_OK) {
            set_err(err, "cannot analyse the query",
                    xc_termgen_errmsg(s->tg));
            rc = st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
            goto done;
        }
        xc_query_free(q->xq);
        q->xq = xq;
    }
    q->level = level;
    q->bag_of_words = plain_words || level >= QR_PARSE_PLAIN;
    if (q->bag_of_words && (s->features & QR_FEAT_COMPOUNDS) &&
        !q->long_query) {
        st = add_compounds(s, q);
        if (st == XC_NOMEM) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
        /* compounds are a refinement: without them the query still runs */
    }

    /* What the tool needs to explain and highlight the query. */
    strlist terms = {0};
    term_ctx tc = {&terms, 0};
    st = xc_query_terms_each(q->xq, collect_term, &tc);
    if (st == XC_NOMEM || tc.failed) {
        strlist_free(terms.v, terms.n);
        rc = QR_ERR_NOMEM;
        goto done;
    }
    strlist_uniq(&terms);
    strlist_free(q->terms, q->nterms);
    q->terms = terms.v;
    q->nterms = terms.n;

    strlist pre = {0};
    if (level == QR_PARSE_FULL && allow_wildcards && text.data &&
        find_wildcards(text.data, &pre) != 0) {
        strlist_free(pre.v, pre.n);
        rc = QR_ERR_NOMEM;
        goto done;
    }
    strlist_uniq(&pre);
    strlist_free(q->prefixes, q->nprefixes);
    q->prefixes = pre.v;
    q->nprefixes = pre.n;

    strlist_free(q->stopped, q->nstopped);
    q->stopped = stopped.v;
    q->nstopped = stopped.n;
    stopped.v = NULL;
    stopped.n = 0;
    q->empty = xc_query_is_empty(q->xq);

    /* The index keeps no positions: phrases and NEAR are searched as
     * ANDs, and each hit is then checked on its text (verify_hits). */
    xc_query_free(q->windowed);
    q->windowed = NULL;
    if (!q->empty) {
        xc_query *flat = NULL;
        int had = 0;
        st = xc_query_unwindow(q->xq, &flat, &had);
        if (st != XC_OK) {
            rc = st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
            set_err(err, "cannot prepare the query", NULL);
            goto done;
        }
        if (had) {
            q->windowed = q->xq;
            q->xq = flat;
        } else {
            xc_query_free(flat);
        }
    }

    free_phrase(q);
    if (!q->empty && level < QR_PARSE_TERMS) {
        st = build_phrase(s, q);
        if (st == XC_NOMEM) {
            rc = QR_ERR_NOMEM;
            goto done;
        }
        /* the phrase is a refinement: without it the query still runs */
    }

done:
    strlist_free(stopped.v, stopped.n);
    qr_buf_free(&text);
    qr_buf_free(&plain);
    if (rc == QR_ERR_NOMEM)
        set_err(err, "out of memory", NULL);
    return rc;
}

/* How many passages with the corrected terms are read to find the words
 * people write for them. */
#define SUGGEST_PASSAGES 5

/* Sets q->suggestion from the words of text (as typed) that the index
 * lacks (spell.h). A corrected stem becomes a real word by looking at the
 * passages that have it. */
static xc_status suggest(qr_searcher *s, qr_query *q, const char *text)
{
    qr_spell_fix *f = NULL;
    size_t n = 0;
    xc_status st = qr_spell_check(s->db, s->stem, s->stop, text, &f, &n);
    if (st != XC_OK || n == 0)
        return st;
    xc_query **tq = calloc(n, sizeof *tq);
    xc_query *any = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    if (!tq)
        st = XC_NOMEM;
    for (size_t i = 0; st == XC_OK && i < n; i++)
        st = xc_query_new_term(f[i].stem, 1, 0, &tq[i]);
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, tq, n, 0, &any);
    if (st == XC_OK)
        st = xc_enquire_new(s->db, &enq, NULL);
    if (st == XC_OK)
        st = xc_enquire_set_query(enq, any, 0);
    if (st == XC_OK)
        st = xc_enquire_get_mset(enq, 0, SUGGEST_PASSAGES, 0, &ms);
    uint32_t hits = st == XC_OK ? xc_mset_size(ms) : 0;
    for (uint32_t h = 0; st == XC_OK && h < hits; h++) {
        char *data = NULL;
        size_t len = 0;
        qr_record rec;
        st = xc_mset_get_data(ms, h, &data, &len);
        if (st == XC_OK && data && qr_record_decode(data, len, &rec) == 0) {
            for (size_t i = 0; i < n; i++)
                if (qr_spell_surface(s->stem, rec.text, rec.text_len,
                                     &f[i]) != 0 ||
                    qr_spell_surface(s->stem, rec.title, strlen(rec.title),
                                     &f[i]) != 0)
                    st = XC_NOMEM;
        }
        free(data);
    }
    if (st == XC_OK) {
        free(q->suggestion);
        q->suggestion = qr_spell_suggestion(text, f, n);
    }
    xc_mset_free(ms);
    xc_enquire_free(enq);
    xc_query_free(any);
    for (size_t i = 0; tq && i < n; i++)
        xc_query_free(tq[i]);
    free(tq);
    qr_spell_fixes_free(f, n);
    return st;
}

/* Is text written in capitals: ASCII capitals, no lower-case ASCII
 * letter, and some word that is not an operator (a query of operators
 * alone stays what it was: no words to search for)? */
static int all_capitals(const char *text)
{
    for (const char *p = text; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            return 0;
    size_t n = strlen(text), at = 0, ws, we;
    while (qr_word_next(text, n, at, &ws, &we)) {
        at = we;
        if (!qr_word_is_operator(text + ws, we - ws))
            for (size_t i = ws; i < we; i++)
                if (text[i] >= 'A' && text[i] <= 'Z')
                    return 1;
    }
    return 0;
}

qr_status qr_query_parse(qr_searcher *s, const char *text,
                         qr_parse_level from, qr_query **out, qr_buf *err)
{
    if (!s || !text || !out || from > QR_PARSE_TERMS) {
        set_err(err, "invalid arguments", NULL);
        return QR_ERR_USAGE;
    }
    qr_query *q = calloc(1, sizeof *q);
    if (!q || !(q->text = strdup_or_null(text)) ||
        !(q->folded = strdup_or_null(text))) {
        if (q)
            free(q->text);
        free(q);
        set_err(err, "out of memory", NULL);
        return QR_ERR_NOMEM;
    }
    if (all_capitals(q->folded)) {
        /* "WHAT ARE THE EFFECTS OF HEAT AND PRESSURE": someone typing in
         * capitals means no operators, so the query is read exactly as
         * its lower-case form (which QueryParser would otherwise treat
         * differently: AND, OR, NOT as operators) */
        for (char *p = q->folded; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    }
    qr_status rc;
    if (count_words(q->folded, QR_MAX_QUERY_TERMS + 1) > QR_MAX_QUERY_TERMS) {
        rc = parse_chain(s, q, QR_PARSE_TERMS, 0, 0, err);
        if (rc == QR_OK && q->nterms > QR_MAX_QUERY_TERMS) {
            q->truncated = 1;
            rc = parse_chain(s, q, QR_PARSE_TERMS, 0, QR_MAX_QUERY_TERMS,
                             err);
        }
        q->long_query = 1;
    } else {
        rc = parse_chain(s, q, from, 1, 0, err);
    }
    if (rc == QR_OK && (s->features & QR_FEAT_SPELLING) && !q->long_query) {
        xc_status st = suggest(s, q, text);
        if (st == XC_NOMEM)
            rc = QR_ERR_NOMEM;
        /* a suggestion is a nicety: other failures just give none */
    }
    if (rc != QR_OK) {
        qr_query_free(q);
        return rc;
    }
    *out = q;
    return QR_OK;
}

void qr_query_free(qr_query *q)
{
    if (!q)
        return;
    xc_query_free(q->xq);
    xc_query_free(q->windowed);
    free_phrase(q);
    free(q->text);
    free(q->folded);
    free(q->fallback_reason);
    free(q->plain);
    strlist_free(q->terms, q->nterms);
    strlist_free(q->prefixes, q->nprefixes);
    strlist_free(q->stopped, q->nstopped);
    free_compounds(q);
    free(q->suggestion);
    strlist_free(q->bow_terms, q->nbow);
    free(q->bow_wqf);
    free(q);
}

char *qr_query_describe(const qr_query *q)
{
    char *d = NULL;
    if (!q || xc_query_describe(q->windowed ? q->windowed : q->xq, &d) !=
                  XC_OK)
        return NULL;
    return d;
}

/* ----------------------------------------------------------- running */

const char *qr_part_kind_name(qr_part_kind k)
{
    switch (k) {
    case QR_PART_TERM: return "term";
    case QR_PART_COMPOUND: return "compound";
    case QR_PART_PHRASE: return "phrase";
    case QR_PART_PROXIMITY: return "proximity";
    case QR_PART_FEEDBACK: return "feedback";
    default: return "other";
    }
}

static void free_parts(qr_score_part *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i].label);
    free(p);
}

void qr_results_free(qr_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->hits[i].data);
        free_parts(r->hits[i].parts, r->hits[i].nparts);
    }
    free(r->hits);
    memset(r, 0, sizeof *r);
}

/* ids_only: the article id (data, len bytes, NUL-terminated by the
 * binding) and the ordinal from the values; everything else empty. */
static xc_status ids_from_values(xc_mset *ms, uint32_t i, char *data,
                                 size_t len, qr_record *r)
{
    char *ord = NULL;
    size_t olen = 0;
    xc_status st = xc_mset_get_value(ms, i, QR_SLOT_ORDINAL, &ord, &olen);
    if (st != XC_OK)
        return st;
    double v = ord ? xc_sortable_unserialise(ord, olen) : 0;
    free(ord);
    memset(r, 0, sizeof *r);
    r->article_id = data;
    r->title = r->source = r->url = r->date = r->author = r->text = "";
    r->ordinal = v >= 0 && v < 4e9 ? (unsigned)v : 0;
    (void)len;
    return XC_OK;
}

/* The queries whose weights add up to a passage's score (--explain). */
typedef struct qpart {
    qr_part_kind kind;
    char *label;
    xc_query *q;
} qpart;

typedef struct qparts {
    qpart *v;
    size_t n, cap;
} qparts;

static void qparts_free(qparts *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].label);
        xc_query_free(p->v[i].q);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* Drops the parts after the first n. */
static void qparts_truncate(qparts *p, size_t n)
{
    while (p->n > n) {
        p->n--;
        free(p->v[p->n].label);
        xc_query_free(p->v[p->n].q);
    }
}

/* Adds a part; q is taken over (freed on failure too). */
static xc_status qparts_add(qparts *p, qr_part_kind kind, const char *label,
                            xc_query *q)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        qpart *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            xc_query_free(q);
            return XC_NOMEM;
        }
        p->v = v;
        p->cap = cap;
    }
    char *l = strdup_or_null(label);
    if (!l) {
        xc_query_free(q);
        return XC_NOMEM;
    }
    p->v[p->n].kind = kind;
    p->v[p->n].label = l;
    p->v[p->n].q = q;
    p->n++;
    return XC_OK;
}

/* A term as the user would write it: "title:x" for a title term. */
static void term_label(const char *term, qr_buf *out)
{
    static const struct { const char *prefix, *field; } fields[] = {
        {QR_PREFIX_SOURCE, "source:"}, {QR_PREFIX_TITLE, "title:"},
        {QR_PREFIX_AUTHOR, "author:"}};
    qr_buf_clear(out);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        size_t n = strlen(fields[i].prefix);
        if (strncmp(term, fields[i].prefix, n) == 0 && term[n] &&
            !isupper((unsigned char)term[n])) {
            qr_buf_puts(out, fields[i].field);
            qr_buf_puts(out, term + n);
            return;
        }
    }
    qr_buf_puts(out, term);
}

typedef struct tparts_ctx {
    qparts *p;
    qr_buf label;
    xc_status st;
} tparts_ctx;

static int add_term_part(void *vctx, const char *term, size_t len,
                         uint32_t unused)
{
    (void)unused;
    tparts_ctx *c = vctx;
    char *t = qr_strndup(term, len);
    xc_query *tq = NULL;
    c->st = t ? xc_query_new_term(t, 1, 0, &tq) : XC_NOMEM;
    if (c->st == XC_OK) {
        term_label(t, &c->label);
        c->st = c->label.data
            ? qparts_add(c->p, QR_PART_TERM, c->label.data, tq) : XC_NOMEM;
    }
    free(t);
    return c->st != XC_OK;
}

/* The parts of q itself: each term of a plain list of words with its
 * within-query frequency, else each distinct term of the query (what its
 * structure changes goes to an "other" part), each compound form. The
 * text's evidence (proximity, phrase) comes from the rerank. */
static xc_status base_parts(const qr_query *q, qparts *p)
{
    xc_status st = XC_OK;
    if (q->nbow) {
        for (size_t i = 0; st == XC_OK && i < q->nbow; i++) {
            xc_query *tq = NULL;
            st = xc_query_new_term(q->bow_terms[i], q->bow_wqf[i], 0, &tq);
            if (st == XC_OK)
                st = qparts_add(p, QR_PART_TERM, q->bow_terms[i], tq);
        }
        for (size_t i = 0; st == XC_OK && i < q->ncompounds; i++) {
            xc_query *cq = NULL;
            st = xc_query_new_combine(XC_OP_OR, &q->compound_q[i], 1, 0,
                                      &cq);
            if (st == XC_OK)
                st = qparts_add(p, QR_PART_COMPOUND, q->compounds[i], cq);
        }
    } else {
        tparts_ctx c = {p, {0}, XC_OK};
        st = xc_query_terms_each(q->xq, add_term_part, &c);
        if (st == XC_OK)
            st = c.st;
        qr_buf_free(&c.label);
    }
    return st;
}

/* One candidate of a result list: where it is in the mset, its score
 * (BM25, plus the text's evidence once reranked) and that evidence. */
typedef struct cand {
    uint32_t index;
    double score;
    double prox;         /* proximity part                               */
    double phrase;       /* phrase evidence part                         */
    uint64_t article;    /* hash of the article key (collapse_cands)     */
    uint32_t collapsed;  /* passages of its article it stands for        */
} cand;

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

/* docid's slot in tc: its entry, or the free slot where it would go */
static struct text_seen *text_slot(text_cache *tc, uint32_t docid)
{
    size_t h = (docid * 2654435761u) & (QR_TEXT_SLOTS - 1);
    while (tc->slot[h].docid && tc->slot[h].docid != docid)
        h = (h + 1) & (QR_TEXT_SLOTS - 1);
    return &tc->slot[h];
}

/* The results of ms as candidates in their order, with their BM25
 * weights and no text evidence yet (*out NULL when ms is empty). */
static xc_status candidates(xc_mset *ms, cand **out)
{
    uint32_t n = xc_mset_size(ms);
    *out = NULL;
    if (n == 0)
        return XC_OK;
    cand *c = malloc(n * sizeof *c);
    if (!c)
        return XC_NOMEM;
    xc_status st = XC_OK;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        xc_match m;
        st = xc_mset_get(ms, i, &m);
        c[i].index = i;
        c[i].score = m.weight;
        c[i].prox = 0;
        c[i].phrase = 0;
        c[i].article = 0;
        c[i].collapsed = m.collapse_count;
    }
    *out = c;
    return st;
}

/* Sets c[0..n).article from the results' collapse keys (qr_hash64: a
 * collision among a few hundred candidates is not a practical risk). */
static xc_status article_keys(xc_mset *ms, cand *c, uint32_t n)
{
    xc_status st = XC_OK;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        char *key = NULL;
        size_t len = 0;
        st = xc_mset_get_collapse_key(ms, c[i].index, &key, &len);
        c[i].article = st == XC_OK ? qr_hash64(key, len, 0) : 0;
        free(key);
    }
    return st;
}

/* Keeps the first per_article candidates of each article, in order,
 * dropping the rest in place; a dropped one adds to the count of
 * passages its article's first candidate stands for. Xapian gives each
 * passage it kept its article's whole collapse count, so the counts are
 * not added: the first keeps the largest, plus one per passage dropped.
 * Returns 0, or -1 on out of memory. */
static int collapse_cands(cand *c, uint32_t *n, uint32_t per_article)
{
    /* open addressing on the article hash: where its first kept candidate
     * is and how many are kept */
    size_t cap = 16;
    while (cap < 2 * (size_t)*n)
        cap *= 2;
    struct slot { uint64_t article; uint32_t first, kept; } *t =
        calloc(cap, sizeof *t);
    if (!t)
        return -1;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < *n; i++) {
        size_t h = (size_t)(c[i].article ^ (c[i].article >> 32)) & (cap - 1);
        while (t[h].kept && t[h].article != c[i].article)
            h = (h + 1) & (cap - 1);
        if (t[h].kept == 0) {
            t[h].article = c[i].article;
            t[h].first = kept;
        }
        if (t[h].kept < per_article) {
            t[h].kept++;
            c[kept++] = c[i];
        } else {
            cand *first = &c[t[h].first];
            if (first->collapsed < c[i].collapsed)
                first->collapsed = c[i].collapsed;
            first->collapsed++;
        }
    }
    free(t);
    *n = kept;
    return 0;
}

/* Makes s->tp, the searcher's text scanner, when first needed; it is kept
 * for the searcher's next queries (its stemmer caches stems:
 * qr_analyzer_new). */
static xc_status need_scanner(qr_searcher *s)
{
    if (!s->tp && !(s->tp = qr_textpos_new(s->stem)))
        return XC_NOMEM;
    return XC_OK;
}

/* ------------------------------------------------- phrases on the text */

/* One hit being checked against the query as parsed (verify_hits). */
typedef struct verify_ctx {
    qr_textpos *tp;
    qr_record rec;
    strlist terms;       /* the passage's terms, in term order            */
    int failed;          /* out of memory                                 */
} verify_ctx;

static int verify_term(void *vctx, const char *term, size_t len)
{
    (void)len;
    verify_ctx *v = vctx;
    return bsearch(&term, v->terms.v, v->terms.n, sizeof *v->terms.v,
                   cmp_str) != NULL;
}

/* The leading capitals of a term: its field prefix. */
static size_t prefix_len(const char *term)
{
    size_t n = 0;
    while (isupper((unsigned char)term[n]))
        n++;
    return n;
}

static int verify_window(void *vctx, int ordered, const char *const *terms,
                         size_t n, uint32_t window)
{
    verify_ctx *v = vctx;
    if (n == 0 || n > QR_MAX_QUERY_TERMS)
        return -1;
    size_t pl = prefix_len(terms[0]);
    for (size_t k = 1; k < n; k++)
        if (prefix_len(terms[k]) != pl || strncmp(terms[k], terms[0], pl))
            return -1;
    /* the fields whose words the prefix stands for */
    const char *body = NULL, *title = NULL;
    size_t blen = 0, tlen = 0;
    if (pl == 0) {
        body = v->rec.text;
        blen = v->rec.text_len;
        title = v->rec.title;
        tlen = strlen(title);
    } else if (strncmp(terms[0], QR_PREFIX_TITLE, pl) == 0 &&
               pl == strlen(QR_PREFIX_TITLE)) {
        title = v->rec.title;
        tlen = strlen(title);
    } else if (strncmp(terms[0], QR_PREFIX_AUTHOR, pl) == 0 &&
               pl == strlen(QR_PREFIX_AUTHOR)) {
        body = v->rec.author;
        blen = strlen(body);
    } else {
        return -1;
    }
    const char **words = malloc(n * sizeof *words);
    int r = -1;
    if (words) {
        for (size_t k = 0; k < n; k++)
            words[k] = terms[k] + pl;
        r = qr_textpos_has_run(v->tp, body, blen, title, tlen, words, n,
                               ordered, window);
    }
    if (r < 0)
        v->failed = 1;
    free(words);
    return r;
}

static int collect_doc_term(void *ctx, const char *term, size_t len,
                            uint32_t wdf)
{
    (void)wdf;
    return strlist_add(ctx, term, len) != 0;
}

/* Keeps the candidates c[0..*n) whose passage matches q->windowed, the
 * query with its phrases (the search ran it with them as ANDs), dropping
 * the others in place; *n becomes the number kept. */
static xc_status verify_hits(qr_searcher *s, const qr_query *q, xc_mset *ms,
                             cand *c, uint32_t *n)
{
    xc_status st = need_scanner(s);
    uint32_t kept = 0;
    verify_ctx v = {.tp = s->tp};
    for (uint32_t i = 0; st == XC_OK && i < *n; i++) {
        xc_doc *doc = NULL;
        char *data = NULL;
        size_t len = 0;
        int verdict = -1;
        v.terms.n = 0;
        v.failed = 0;
        st = xc_mset_get_document(ms, c[i].index, &doc);
        if (st == XC_OK)
            st = xc_doc_get_data(doc, &data, &len);
        if (st == XC_OK && data &&
            qr_record_decode(data, len, &v.rec) == 0) {
            st = xc_doc_terms_each(doc, collect_doc_term, &v.terms);
            if (st == XC_OK)
                st = xc_query_evaluate(q->windowed, verify_term,
                                       verify_window, &v, &verdict);
            if (st == XC_OK && v.failed)
                st = XC_NOMEM;
        }
        /* an unreadable record is kept: the caller reports it */
        if (st == XC_OK && verdict != 0)
            c[kept++] = c[i];
        free(data);
        xc_doc_free(doc);
        for (size_t k = 0; k < v.terms.n; k++)
            free(v.terms.v[k]);
    }
    free(v.terms.v);
    *n = kept;
    return st;
}

/* ------------------------------------------------- the text's evidence */

/* The terms proximity looks at: the plain words' terms, else the query's
 * unprefixed terms. */
static void prox_terms(const qr_query *q, const char *const **terms,
                       size_t *n)
{
    if (q->nbow) {
        *terms = (const char *const *)q->bow_terms;
        *n = q->nbow;
    } else {
        *terms = (const char *const *)q->terms;
        *n = q->nterms;
    }
}

/* The phrase evidence of a passage from its occurrences: the BM25 weight
 * of the phrase's words (their counts in the text) when the text has the
 * phrase, else 0. */
static double phrase_evidence(const qr_occurrence *occ, size_t nocc,
                              const uint32_t *ids, size_t nids,
                              uint32_t window, const double *idf,
                              double K, double k1)
{
    if (qr_textpos_windows(occ, nocc, ids, nids, 1, window, 1) == 0)
        return 0;
    double w = 0;
    for (size_t k = 0; k < nids; k++) {
        int seen = 0;
        for (size_t j = 0; j < k; j++)
            seen |= ids[j] == ids[k];
        if (seen)
            continue;
        double tf = 0;
        for (size_t i = 0; i < nocc; i++)
            tf += occ[i].term == ids[k];
        w += idf[ids[k]] * tf * (k1 + 1) / (tf + K);
    }
    return w;
}

/* Adds the text's evidence — o->proximity times the proximity score, and
 * o->phrase times the phrase evidence — to the first qr_prox_depth
 * candidates and reorders them (stable: ties keep the BM25 order). The
 * rest keep their order: the evidence only adds, so none of them can pass
 * a reordered one. */
static xc_status rerank_text(qr_searcher *s, const qr_query *q,
                             const qr_search_opts *o, xc_mset *ms, cand *c,
                             uint32_t n, text_cache *tc)
{
    const char *const *terms;
    size_t nt;
    prox_terms(q, &terms, &nt);
    /* the candidates of the first qr_prox_depth articles (articles may
     * bring spare passages: see QR_PASSAGE_SPARE) */
    uint32_t depth = 0, articles = 0;
    uint32_t most = qr_prox_depth(o->offset + o->limit);
    if (!o->per_article)
        depth = n < most ? n : most;
    while (o->per_article && depth < n && articles < most) {
        uint32_t j = 0;
        while (j < depth && c[j].article != c[depth].article)
            j++;
        articles += j == depth;
        depth++;
    }
    uint32_t ids[QR_PHRASE_MAX_WORDS];
    int use_prox = o->proximity > 0 && nt >= 2;
    int use_phrase = o->phrase > 0 && q->nphrase >= 2 &&
                     q->nphrase <= QR_PHRASE_MAX_WORDS &&
                     qr_textpos_ids(terms, nt, (const char *const *)q->phrase,
                                    q->nphrase, ids) == 0;
    if (!(use_prox || use_phrase) || depth == 0)
        return XC_OK;
    xc_status st = need_scanner(s);
    if (st == XC_OK && !tc->have_stats) {
        xc_db_stats stats;
        st = xc_db_get_stats(s->db, &stats);
        tc->avlength = stats.avlength;
        tc->doccount = stats.doccount;
        tc->have_stats = st == XC_OK;
    }
    double *idf = malloc(nt * sizeof *idf);
    double *acc = malloc(nt * sizeof *acc);
    if (!idf || !acc)
        st = XC_NOMEM;
    for (size_t t = 0; st == XC_OK && t < nt; t++) {
        uint32_t tf = 0;
        st = xc_mset_termfreq(ms, terms[t], &tf);
        idf[t] = qr_bm25_idf(tc->doccount, tf);
    }
    const qr_bm25 *bm = &o->bm25;
    for (uint32_t i = 0; st == XC_OK && i < depth; i++) {
        xc_match m;
        st = xc_mset_get(ms, c[i].index, &m);
        struct text_seen *seen = st == XC_OK ? text_slot(tc, m.docid) : NULL;
        if (seen && seen->docid) {
            c[i].prox = seen->prox;
            c[i].phrase = seen->phrase;
        } else if (st == XC_OK) {
            char *data = NULL;
            size_t len = 0;
            uint32_t doclen = 0;
            qr_record r;
            st = xc_mset_get_data(ms, c[i].index, &data, &len);
            if (st == XC_OK)
                st = xc_db_doclength(s->db, m.docid, &doclen);
            if (st == XC_OK && data && qr_record_decode(data, len, &r) == 0) {
                if (qr_textpos_scan(s->tp, r.text, r.text_len, r.title,
                                    strlen(r.title), terms, nt) != 0) {
                    st = XC_NOMEM;
                } else {
                    size_t nocc;
                    qr_occurrence *occ = qr_textpos_occurrences(s->tp, &nocc);
                    double normlen = tc->avlength > 0 ? doclen / tc->avlength
                                                      : 1;
                    if (normlen < bm->min_normlen)
                        normlen = bm->min_normlen;
                    double K = bm->k1 * ((1 - bm->b) + bm->b * normlen);
                    if (use_phrase)
                        c[i].phrase = o->phrase *
                            phrase_evidence(occ, nocc, ids, q->nphrase,
                                            q->phrase_window, idf, K, bm->k1);
                    if (use_prox)
                        c[i].prox = o->proximity *
                            qr_proximity_from_occurrences(
                                occ, nocc, idf, acc, nt, doclen,
                                tc->avlength, bm->k1, bm->b, bm->min_normlen);
                }
            }
            free(data);
            if (st == XC_OK && tc->n < QR_TEXT_CACHE) {
                *seen = (struct text_seen){m.docid, c[i].prox, c[i].phrase};
                tc->n++;
            }
        }
        c[i].score += c[i].prox + c[i].phrase;
    }
    free(idf);
    free(acc);
    /* insertion sort: a few dozen items, stable */
    for (uint32_t i = 1; st == XC_OK && i < depth; i++) {
        cand x = c[i];
        uint32_t j = i;
        while (j > 0 && c[j - 1].score < x.score) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
    return st;
}

uint32_t qr_prox_depth(uint32_t want)
{
    uint64_t depth = (uint64_t)want + want / 2;
    if (depth < QR_PROX_MIN)
        depth = QR_PROX_MIN;
    return depth < QR_PROX_DEPTH ? (uint32_t)depth : QR_PROX_DEPTH;
}

/* Does the search rerank by the text's evidence? */
static int reranks(const qr_query *q, const qr_search_opts *o)
{
    return (o->proximity > 0 || o->phrase > 0) && !q->empty;
}

/* Does the search use pseudo-relevance feedback? */
static int feeds_back(const qr_query *q, const qr_search_opts *o)
{
    return o->fb_docs > 0 && o->fb_terms > 0 && o->fb_weight > 0 &&
           o->fb_weight < 1 && !q->empty;
}

/* How many passages per article the enquire keeps: after the rerank and
 * the feedback, which passage of an article is its best is known only
 * then, so a few spare ones are kept and collapse_cands collapses after
 * them. */
static uint32_t collapse_max(const qr_query *q, const qr_search_opts *o)
{
    if (!o->per_article)
        return 0;
    int reorders = reranks(q, o) || feeds_back(q, o);
    return o->per_article + (reorders ? QR_PASSAGE_SPARE : 0);
}

static xc_status feedback_rescore(qr_searcher *s, const qr_query *q,
                                  const qr_search_opts *o, xc_mset *ms,
                                  cand *c, uint32_t n, qparts *parts);

/* How many of n candidates feedback rescores: QR_FB_DEPTH, or those of
 * the articles asked for (as many as the enquire keeps of each) when
 * more. */
static uint32_t fb_depth(const qr_query *q, const qr_search_opts *o,
                         uint32_t n)
{
    uint64_t depth = (uint64_t)o->offset + o->limit;
    if (o->per_article)
        depth *= collapse_max(q, o);
    if (depth < QR_FB_DEPTH)
        depth = QR_FB_DEPTH;
    return depth < n ? (uint32_t)depth : n;
}

/* The results of ms in their final order: as candidates, the hits whose
 * text lacks the query's phrases dropped, reranked by the text's
 * evidence, rescored by feedback (then reranked again), collapsed to
 * o->per_article passages per article. *out is NULL when none is left;
 * *n is their number. With parts, the feedback terms are added to it. */
static xc_status ranked(qr_searcher *s, const qr_query *q,
                        const qr_search_opts *o, xc_mset *ms, cand **out,
                        uint32_t *n, qparts *parts, text_cache *tc)
{
    *n = xc_mset_size(ms);
    xc_status st = candidates(ms, out);
    int rerank = reranks(q, o), fb = feeds_back(q, o);
    int collapse = o->per_article && collapse_max(q, o) > o->per_article;
    if (st == XC_OK && collapse)
        st = article_keys(ms, *out, *n);
    if (st == XC_OK && q->windowed)
        st = verify_hits(s, q, ms, *out, n);
    if (st == XC_OK && rerank)
        st = rerank_text(s, q, o, ms, *out, *n, tc);
    if (st == XC_OK && fb && *n) {
        st = feedback_rescore(s, q, o, ms, *out, *n, parts);
        if (st == XC_OK && rerank)
            st = rerank_text(s, q, o, ms, *out, *n, tc);
    }
    if (st == XC_OK && collapse &&
        collapse_cands(*out, n, o->per_article) != 0)
        st = XC_NOMEM;
    return st;
}

/* Xapian's BM25 weight (Xapian::BM25Weight, xapian-core 1.4) of a term
 * with termfreq tf, wdf wdf and within-query frequency 1, scaled by factor,
 * in a document of length len: what the matcher would add for the term in
 * an OP_SCALE_WEIGHT(factor) query. */
static double bm25_part(const qr_bm25 *bm, double factor, double doccount,
                        double avlength, double tf, double wdf, double len)
{
    double termweight = qr_bm25_idf(doccount, tf) * factor * (bm->k1 + 1);
    double len_factor = 0;
    if (!(bm->k2 == 0 && (bm->b == 0 || bm->k1 == 0)) && avlength != 0)
        len_factor = 1 / avlength;
    double normlen = len * len_factor;
    if (normlen < bm->min_normlen)
        normlen = bm->min_normlen;
    double denom = bm->k1 * (normlen * bm->b + (1 - bm->b)) + wdf;
    return denom > 0 ? termweight * (wdf / denom) : 0;
}

static int cmp_fb_term(const void *x, const void *y)
{
    return strcmp(((const qr_fb_term *)x)->term, ((const qr_fb_term *)y)->term);
}

/* The feedback terms (sorted by term) and their wdf in one passage, and
 * the passage's length: the sum of all its terms' wdfs, which is how
 * xapian-core defines it, so the termlist read anyway saves a lookup. */
typedef struct fb_lookup {
    const qr_fb_term *fb;
    size_t n;
    uint32_t *wdf;
    uint64_t len;
} fb_lookup;

static int cmp_key_fb(const void *key, const void *elt)
{
    return strcmp(key, ((const qr_fb_term *)elt)->term);
}

/* xc_doc_terms_each callback: the wdf of each feedback term, and the
 * passage's length. */
static int fb_wdf(void *ctx, const char *term, size_t len, uint32_t wdf)
{
    (void)len;
    fb_lookup *fl = ctx;
    fl->len += wdf;
    const qr_fb_term *t = bsearch(term, fl->fb, fl->n, sizeof *fl->fb,
                                  cmp_key_fb);
    if (t)
        fl->wdf[t - fl->fb] = wdf;
    return 0;
}

static int cmp_score(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Pseudo-relevance feedback (feedback.h) as a rerank of the first pass:
 * the feedback model is built from the top o->fb_docs passages of
 * c[0..n) (their order as ranked for the user, text evidence and collapse
 * included: measured +0.001 to +0.004 nDCG@10 on SciFact, -0.003 to
 * -0.005 on Cranfield), and each candidate's BM25 score gets the weight of
 * the feedback terms it has, each scaled so that the model has the share
 * o->fb_weight of the query (RM3's interpolation; the original terms keep
 * their BM25 scale). The text evidence is reset, and the candidates are
 * sorted again. Only the first pass's candidates are rescored, and only
 * the first QR_FB_DEPTH of them unless more are wanted (the caller reads
 * enough of them); the rest keep their first score. The feedback terms
 * reweight what the
 * query matches and never match on their own, so every result keeps a
 * word of the query and NOT and AND keep their meaning. Letting them match
 * on their own (OR) measured the same nDCG@10 and MAP on both collections
 * (within 0.0003). With parts, each scaled feedback term is added to it,
 * for --explain. */
static xc_status feedback_rescore(qr_searcher *s, const qr_query *q,
                                  const qr_search_opts *o, xc_mset *ms,
                                  cand *c, uint32_t n, qparts *parts)
{
    /* the feedback passages: the first o->fb_docs of c, collapsed */
    cand *top = n ? malloc(n * sizeof *top) : NULL;
    if (n && !top)
        return XC_NOMEM;
    memcpy(top, c, n * sizeof *top);
    uint32_t ntop = n;
    xc_status st = XC_OK;
    if (o->per_article && collapse_cands(top, &ntop, o->per_article) != 0)
        st = XC_NOMEM;
    if (ntop > o->fb_docs)
        ntop = o->fb_docs;
    uint32_t *docids = ntop ? malloc(ntop * sizeof *docids) : NULL;
    double *scores = ntop ? malloc(ntop * sizeof *scores) : NULL;
    if (st == XC_OK && ntop && (!docids || !scores))
        st = XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < ntop; i++) {
        xc_match m;
        st = xc_mset_get(ms, top[i].index, &m);
        docids[i] = m.docid;
        scores[i] = top[i].score;
    }
    free(top);
    qr_fb_term *fb = NULL;
    size_t nfb = 0;
    if (st == XC_OK && ntop)
        st = qr_feedback_terms(s->db, s->stop, docids, scores, ntop,
                               o->fb_terms, &fb, &nfb);
    free(docids);
    free(scores);
    if (st != XC_OK || nfb == 0)
        return st;

    /* RM3: (1 - w) * query + w * model, the query's terms weighing 1/|Q|
     * each; divided by (1 - w) / |Q| to keep BM25's scale */
    double nq = q->nbow ? (double)q->nbow : q->nterms ? (double)q->nterms : 1;
    double scale = o->fb_weight / (1 - o->fb_weight) * nq;
    xc_db_stats stats;
    if (st == XC_OK)
        st = xc_db_get_stats(s->db, &stats);
    /* the candidates back to the BM25 of the first pass */
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        xc_match m;
        st = xc_mset_get(ms, c[i].index, &m);
        c[i].score = m.weight;
        c[i].prox = c[i].phrase = 0;
    }
    for (size_t k = 0; st == XC_OK && parts && k < nfb; k++) {
        xc_query *t = NULL, *scaled = NULL;
        st = xc_query_new_term(fb[k].term, 1, 0, &t);
        if (st == XC_OK)
            st = xc_query_new_scaled(t, scale * fb[k].weight, &scaled);
        if (st == XC_OK)
            st = qparts_add(parts, QR_PART_FEEDBACK, fb[k].term, scaled);
        else
            xc_query_free(scaled);
        xc_query_free(t);
    }
    /* from here on the terms in term order, for the lookups */
    fb_lookup fl = {fb, nfb, NULL, 0};
    fl.wdf = calloc(nfb, sizeof *fl.wdf);
    double *factor = calloc(nfb, sizeof *factor);
    uint32_t *tf = calloc(nfb, sizeof *tf);
    if (!fl.wdf || !factor || !tf)
        st = XC_NOMEM;
    if (st == XC_OK)
        qsort(fb, nfb, sizeof *fb, cmp_fb_term);
    for (size_t k = 0; st == XC_OK && k < nfb; k++) {
        factor[k] = scale * fb[k].weight;
        st = xc_db_termfreq(s->db, fb[k].term, &tf[k]);
    }
    /* each candidate's termlist, once, rather than each feedback term's
     * posting list: a passage has a few hundred terms, a feedback term
     * may be in a tenth of the index */
    uint32_t depth = fb_depth(q, o, n);
    for (uint32_t i = 0; st == XC_OK && i < depth; i++) {
        xc_doc *doc = NULL;
        memset(fl.wdf, 0, nfb * sizeof *fl.wdf);
        fl.len = 0;
        st = xc_mset_get_document(ms, c[i].index, &doc);
        if (st == XC_OK)
            st = xc_doc_terms_each(doc, fb_wdf, &fl);
        xc_doc_free(doc);
        for (size_t k = 0; st == XC_OK && k < nfb; k++)
            if (fl.wdf[k])
                c[i].score += bm25_part(&o->bm25, factor[k], stats.doccount,
                                        stats.avlength, tf[k], fl.wdf[k],
                                        (double)fl.len);
    }
    free(fl.wdf);
    free(factor);
    free(tf);
    if (st == XC_OK)
        qsort(c, n, sizeof *c, cmp_score);
    /* the text evidence cached by rerank_text stays right: it is by
     * docid */
    qr_fb_terms_free(fb, nfb);
    return st;
}

/* A boolean query matching the passages of res by their unique terms
 * (made from each hit's article id and passage number): it restricts
 * xc_enquire_weights without a match decider, so --explain works on
 * remote shards too. */
static xc_status only_these(const qr_results *res, xc_query **out)
{
    *out = NULL;
    size_t n = res->n;
    xc_query **t = calloc(n, sizeof *t);
    qr_buf term = {0};
    xc_status st = t ? XC_OK : XC_NOMEM;
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        const qr_record *r = &res->hits[i].rec;
        st = qr_passage_term(&term, r->article_id, r->ordinal) != 0
                 ? XC_NOMEM : xc_query_new_term(term.data, 1, 0, &t[i]);
    }
    xc_query *any = NULL;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, n, 0, &any);
    /* scaled to 0: it filters, it adds no weight */
    if (st == XC_OK)
        st = xc_query_new_scaled(any, 0, out);
    xc_query_free(any);
    for (size_t i = 0; t && i < n; i++)
        xc_query_free(t[i]);
    free(t);
    qr_buf_free(&term);
    return st;
}

/* Fills each hit's parts: the weight of every part's query on its passage,
 * the proximity part, and whatever is left as "other". */
static xc_status explain_hits(xc_enquire *enq, const qparts *p,
                              qr_results *res, const double *prox,
                              const double *phrase)
{
    size_t n = res->n;
    uint32_t *docids = malloc(n * sizeof *docids);
    double *w = malloc(n * sizeof *w);
    xc_query *only = NULL;
    xc_status st = docids && w ? XC_OK : XC_NOMEM;
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        docids[i] = res->hits[i].docid;
        /* room for every part, phrase, proximity and "other" */
        res->hits[i].parts = calloc(p->n + 3, sizeof *res->hits[i].parts);
        if (!res->hits[i].parts)
            st = XC_NOMEM;
    }
    if (st == XC_OK)
        st = only_these(res, &only);
    for (size_t k = 0; st == XC_OK && k < p->n; k++) {
        st = xc_enquire_weights(enq, p->v[k].q, only, docids, n, w);
        for (size_t i = 0; st == XC_OK && i < n; i++) {
            if (w[i] == 0)
                continue;
            qr_hit *h = &res->hits[i];
            qr_score_part *part = &h->parts[h->nparts];
            if (!(part->label = strdup_or_null(p->v[k].label))) {
                st = XC_NOMEM;
                break;
            }
            part->kind = p->v[k].kind;
            part->weight = w[i];
            h->nparts++;
        }
    }
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        qr_hit *h = &res->hits[i];
        double sum = 0;
        for (size_t k = 0; k < h->nparts; k++)
            sum += h->parts[k].weight;
        const struct { double w; qr_part_kind kind; const char *label; }
            text[2] = {{phrase[i], QR_PART_PHRASE, "phrase"},
                       {prox[i], QR_PART_PROXIMITY, "proximity"}};
        for (size_t t = 0; st == XC_OK && t < 2; t++) {
            if (text[t].w == 0)
                continue;
            qr_score_part *part = &h->parts[h->nparts];
            if (!(part->label = strdup_or_null(text[t].label))) {
                st = XC_NOMEM;
                break;
            }
            part->kind = text[t].kind;
            part->weight = text[t].w;
            h->nparts++;
            sum += text[t].w;
        }
        if (st != XC_OK)
            break;
        double rest = h->score - sum;
        if (fabs(rest) > 1e-9 * (fabs(h->score) + 1)) {
            qr_score_part *part = &h->parts[h->nparts];
            if (!(part->label = strdup_or_null("query structure"))) {
                st = XC_NOMEM;
                break;
            }
            part->kind = QR_PART_OTHER;
            part->weight = rest;
            h->nparts++;
        }
    }
    xc_query_free(only);
    free(docids);
    free(w);
    return st;
}

/* One attempt: enquire, mset, records. Returns the binding's status; on
 * failure the message is in err. */
static xc_status run_once(qr_searcher *s, const qr_query *q,
                          const qr_search_opts *o, qr_results *res,
                          qr_buf *err)
{
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    char *xerr = NULL;
    xc_status st = xc_enquire_new(s->db, &enq, &xerr);
    if (st != XC_OK) {
        set_err(err, "cannot start the search", xerr);
        free(xerr);
        return st;
    }
    qparts parts = {0};
    text_cache tc = {.n = 0};   /* all slots free */
    if (o->explain)
        st = base_parts(q, &parts);
    if (st == XC_OK)
        st = xc_enquire_set_query(enq, q->xq, 0);
    if (st == XC_OK)
        st = xc_enquire_set_bm25(enq, o->bm25.k1, o->bm25.k2, o->bm25.k3,
                                 o->bm25.b, o->bm25.min_normlen);
    if (st == XC_OK && o->per_article > 0)
        st = xc_enquire_set_collapse_key(enq, QR_SLOT_ARTICLE,
                                         collapse_max(q, o));
    /* equal scores in article order, not in docid order: which passages
     * feed back and which are reranked must not change when a rebuild
     * gives the same passages other ids */
    if (st == XC_OK)
        st = xc_enquire_set_sort_by_relevance_then_value(enq,
                                                         QR_SLOT_ARTICLE, 0);

    /* The text's evidence reorders the first qr_prox_depth results,
     * feedback rescores the first QR_FB_DEPTH, and phrases drop the hits
     * whose text lacks them, so those lists are read from the top; for
     * phrases, and for the articles' spare passages, read further until
     * enough hits are left (or QR_VERIFY_MAX candidates were read). */
    int rerank = reranks(q, o), fb = feeds_back(q, o);
    int from_top = rerank || fb || q->windowed;
    uint32_t want = o->offset + o->limit;
    uint32_t first = from_top ? 0 : o->offset;
    uint32_t most = qr_prox_depth(want);
    uint32_t count = from_top ? (want > most ? want : most) : o->limit;
    if (collapse_max(q, o) > o->per_article)
        count *= 1 + QR_PASSAGE_SPARE;
    if (fb && count < QR_FB_DEPTH)
        count = QR_FB_DEPTH;
    uint32_t n = 0, fetched = 0;
    size_t nbase = parts.n;
    cand *c = NULL;
    for (;;) {
        if (st == XC_OK)
            st = xc_enquire_get_mset(enq, first, count, 0, &ms);
        if (st != XC_OK)
            break;
        fetched = xc_mset_size(ms);
        res->estimated = xc_mset_matches_estimated(ms);
        qparts_truncate(&parts, nbase);
        st = ranked(s, q, o, ms, &c, &n, o->explain ? &parts : NULL, &tc);
        if (st != XC_OK || !from_top || n >= want || fetched < count ||
            count >= QR_VERIFY_MAX)
            break;
        free(c);
        c = NULL;
        xc_mset_free(ms);
        ms = NULL;
        count = count > QR_VERIFY_MAX / 4 ? QR_VERIFY_MAX : count * 4;
    }
    if (st != XC_OK) {
        set_err(err, st == XC_NOMEM ? "out of memory" : "search failed",
                ms ? xc_mset_errmsg(ms) : xc_enquire_errmsg(enq));
        free(c);
        xc_mset_free(ms);
        qparts_free(&parts);
        xc_enquire_free(enq);
        return st;
    }
    if (from_top) {
        /* all read: the count is exact; else scaled by the share kept
         * (phrases checked, spare passages collapsed) */
        if (fetched < count)
            res->estimated = n;
        else if (fetched)
            res->estimated = (uint32_t)((double)res->estimated * n / fetched);
        if (res->estimated < n)
            res->estimated = n;
    }
    uint32_t from = from_top ? o->offset : 0;
    uint32_t to = from + o->limit < n ? from + o->limit : n;
    if (from > to)
        from = to;
    double *hit_prox = NULL, *hit_phrase = NULL;
    if (st == XC_OK && to > from) {
        res->hits = calloc(to - from, sizeof *res->hits);
        hit_prox = calloc(to - from, sizeof *hit_prox);
        hit_phrase = calloc(to - from, sizeof *hit_phrase);
        if (!res->hits || !hit_prox || !hit_phrase)
            st = XC_NOMEM;
    }
    for (uint32_t k = from; st == XC_OK && k < to; k++) {
        uint32_t i = c[k].index;
        xc_match m;
        char *data = NULL;
        size_t len = 0;
        st = xc_mset_get(ms, i, &m);
        if (st == XC_OK)
            st = o->ids_only
                ? xc_mset_get_value(ms, i, QR_SLOT_ARTICLE, &data, &len)
                : xc_mset_get_data(ms, i, &data, &len);
        if (st == XC_OK && !data && !(data = calloc(1, 1)))
            st = XC_NOMEM;
        if (st != XC_OK)
            break;
        qr_hit *h = &res->hits[res->n];
        if (o->ids_only) {
            st = ids_from_values(ms, i, data, len, &h->rec);
            if (st != XC_OK) {
                free(data);
                break;
            }
        } else if (qr_record_decode(data, len, &h->rec) != 0) {
            free(data);
            res->unreadable++;
            continue;
        }
        h->data = data;
        h->rank = from_top ? k + 1 : m.rank + 1;
        h->score = c[k].score;
        h->docid = m.docid;
        h->collapsed = c[k].collapsed;
        hit_prox[res->n] = c[k].prox;
        hit_phrase[res->n] = c[k].phrase;
        res->n++;
    }
    if (st != XC_OK)
        set_err(err, st == XC_NOMEM ? "out of memory"
                                    : "cannot read the results",
                xc_mset_errmsg(ms));
    xc_mset_free(ms);
    if (st == XC_OK && o->explain && res->n) {
        st = explain_hits(enq, &parts, res, hit_prox, hit_phrase);
        if (st != XC_OK)
            set_err(err, st == XC_NOMEM ? "out of memory"
                                        : "cannot explain the results",
                    xc_enquire_errmsg(enq));
    }
    free(hit_prox);
    free(hit_phrase);
    free(c);
    qparts_free(&parts);
    xc_enquire_free(enq);
    return st;
}

qr_status qr_search_run(qr_searcher *s, qr_query *q,
                        const qr_search_opts *opts, qr_results *out,
                        qr_buf *err)
{
    if (!s || !q || !opts || !out || opts->limit == 0 ||
        opts->offset > UINT32_MAX - opts->limit) {
        set_err(err, "invalid search options", NULL);
        return QR_ERR_USAGE;
    }
    qr_results res = {0};
    unsigned reopened = 0;
    int wildcard_retry = 0;
    for (;;) {
        xc_status st = run_once(s, q, opts, &res, err);
        if (st == XC_OK)
            break;
        qr_results_free(&res);
        if (st == XC_MODIFIED && reopened < QR_MODIFIED_RETRIES) {
            reopened++;
            st = xc_db_reopen(s->db, NULL);
            if (st == XC_OK)
                continue;
            set_err(err, "cannot reopen the index", xc_db_errmsg(s->db));
        } else if (st == XC_RANGE && !wildcard_retry &&
                   q->level == QR_PARSE_FULL) {
            /* a wildcard matched too many terms: search it as a word */
            wildcard_retry = 1;
            qr_status rc = parse_chain(s, q, q->level, 0,
                                       q->truncated ? QR_MAX_QUERY_TERMS : 0,
                                       err);
            if (rc != QR_OK)
                return rc;
            q->wildcard_dropped = 1;
            continue;
        }
        if (st == XC_NOMEM)
            return QR_ERR_NOMEM;
        if ((st == XC_NETWORK || st == XC_TIMEOUT) && s->remotes && err) {
            qr_buf_puts(err, " (remote shards: ");
            qr_buf_puts(err, s->remotes);
            qr_buf_putc(err, ')');
        }
        return st == XC_INVALID_ARG ? QR_ERR_USAGE : QR_ERR_INDEX;
    }
    res.reopened = reopened;
    *out = res;
    return QR_OK;
}

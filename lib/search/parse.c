/*
 * parse.c — the parse chain: a query string to a qr_query (full syntax,
 * then plain words, then the indexer's analysis), with what the tool needs
 * to explain and highlight it: phrase evidence, compounds, a suggestion.
 */
#include "search_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compound.h"
#include "spell.h"
#include "words.h"

/* The query syntax of the full parse (README, "Querying"). */
#define FULL_FLAGS                                                    \
    (XC_QP_BOOLEAN | XC_QP_PHRASE | XC_QP_LOVEHATE | XC_QP_WILDCARD | \
     XC_QP_PURE_NOT | XC_QP_CJK_NGRAM)

/* Query terms to highlight (into a strlist_sink): unprefixed ones, and
 * title terms without "S". */
static int collect_term(void *sink, const char *term, size_t len,
                        uint32_t wdf)
{
    const unsigned char *t = (const unsigned char *)term;
    if (len == 0)
        return 0;
    if (t[0] == QR_PREFIX_TITLE[0] && len > 1 && !isupper(t[1])) {
        term++;
        len--;
    } else if (isupper(t[0])) {
        return 0;
    }
    return strlist_sink_add(sink, term, len, wdf);
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
    if (st == XC_OK && s->nalt)
        st = variants_add_stems(s, text, c.v, (const char *const *)c.terms, c.wqf, c.n);
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

/* Parses text with flags; fills q->xq and the stop list on success. */
static xc_status parse_with(qr_searcher *s, const char *text, unsigned flags,
                            qr_query *q, strlist *stopped)
{
    xc_query *xq = NULL;
    xc_status st = xc_qparser_parse(s->qp, text, flags, &xq);
    if (st != XC_OK)
        return st;
    strlist_clear(stopped);
    strlist_sink c = {stopped, 0};
    xc_status st2 = xc_qparser_stoplist_each(s->qp, strlist_sink_add, &c);
    if (st2 == XC_NOMEM || c.failed) {
        xc_query_free(xq);
        return XC_NOMEM;
    }
    xc_query_free(q->xq);
    q->xq = xq;
    return s->nalt ? variants_add(s, text, &q->xq) : XC_OK;
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
static qr_status add_compounds(qr_searcher *s, qr_query *q)
{
    free_compounds(q);
    qr_compounds c = {0};
    qr_status rc = qr_compounds_find(s->db, s->stem, s->stop,
                                     q->plain ? q->plain : q->folded, &c);
    if (rc != QR_OK || c.n == 0) {
        qr_compounds_free(&c);
        return rc;
    }
    xc_status st;
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
    return qr_status_from_xc(st);
}

/* One run of the parse chain over q->folded: the stage reached, and what
 * the stages hand on to each other. */
typedef struct chain {
    qr_searcher *s;
    qr_query *q;
    qr_parse_level level;  /* the stage the chain is at                  */
    int allow_wildcards;   /* cleared when the query has too many        */
    size_t max_words;      /* the plain words kept (0: all)              */
    int plain_words;       /* xq built from the words, no QueryParser    */
    qr_buf text;           /* q->folded as QueryParser reads it (full
                              syntax stage only)                         */
    strlist stopped;       /* the stop words left out                    */
} chain;

/* Forgets what an earlier run of the chain left in q. */
static void chain_reset(qr_query *q)
{
    free(q->fallback_reason);
    q->fallback_reason = NULL;
    free(q->plain);
    q->plain = NULL;
    strlist_free(q->bow_terms, q->nbow);
    free(q->bow_wqf);
    q->bow_terms = NULL;
    q->bow_wqf = NULL;
    q->nbow = 0;
}

/* A query without syntax: its words analysed exactly as the indexer
 * analyses text, a repeated word one term with its within-query frequency,
 * which ranks better than QueryParser's OR of every occurrence (measured:
 * bench/README.md, "Tuning decisions"). A query of stop words only comes
 * out empty here and goes on to QueryParser, which keeps them. */
static qr_status chain_plain_words(chain *c)
{
    qr_searcher *s = c->s;
    qr_query *q = c->q;
    xc_query *xq = NULL;
    xc_status st = build_terms_query(s, q->folded, &xq, q);
    if (st == XC_NOMEM)
        return QR_ERR_NOMEM;
    if (st == XC_OK && !xc_query_is_empty(xq)) {
        xc_query_free(q->xq);
        q->xq = xq;
        c->plain_words = 1;
        if (s->stop && find_stopwords(s, q->folded, &c->stopped) != 0)
            return QR_ERR_NOMEM;
    } else {
        xc_query_free(xq);
    }
    return QR_OK;
}

/* More than QR_MAX_WILDCARDS wildcards in c->text: all of them are
 * searched as words. */
static qr_status chain_limit_wildcards(chain *c)
{
    strlist wild = {0};
    if (qtext_find_wildcards(c->text.data, &wild) != 0) {
        strlist_free(wild.v, wild.n);
        return QR_ERR_NOMEM;
    }
    if (wild.n > QR_MAX_WILDCARDS) {
        c->q->wildcard_dropped = 1;
        c->allow_wildcards = 0;
    }
    strlist_free(wild.v, wild.n);
    return QR_OK;
}

/* QueryParser with the full syntax. A syntax error, or a stray quote,
 * moves the chain on to the plain words. */
static qr_status chain_full(chain *c)
{
    qr_searcher *s = c->s;
    qr_query *q = c->q;
    q->nbow = 0;              /* (an empty list: nothing to free) */
    if (qtext_prepare(q->folded, &c->text) != 0)
        return QR_ERR_NOMEM;
    unsigned flags = FULL_FLAGS;
    if (qtext_unbalanced_quotes(q->folded)) {
        /* xapian-core would run the phrase to the end of the query,
         * which finds nothing: a stray quote is a typo, not a phrase */
        q->fallback_reason = strlist_strdup("unbalanced quotation mark");
        if (!q->fallback_reason)
            return QR_ERR_NOMEM;
        c->level = QR_PARSE_PLAIN;
    }
    if (c->allow_wildcards && chain_limit_wildcards(c) != QR_OK)
        return QR_ERR_NOMEM;
    if (!c->allow_wildcards)
        flags &= ~(unsigned)XC_QP_WILDCARD;
    xc_status st = c->level == QR_PARSE_FULL
                       ? parse_with(s, c->text.data, flags, q, &c->stopped)
                       : XC_OK;
    if (st == XC_RANGE && c->allow_wildcards) {
        /* a wildcard too broad to expand (if the binding expands early) */
        q->wildcard_dropped = 1;
        flags &= ~(unsigned)XC_QP_WILDCARD;
        st = parse_with(s, c->text.data, flags, q, &c->stopped);
    }
    if (st == XC_NOMEM)
        return QR_ERR_NOMEM;
    if (st != XC_OK) {
        q->fallback_reason = strlist_strdup(xc_qparser_errmsg(s->qp));
        c->level = QR_PARSE_PLAIN;
    }
    return QR_OK;
}

/* The plain words, parsed with no syntax at all (QR_PARSE_PLAIN); on a
 * failure the chain moves on to the indexer's analysis. */
static qr_status chain_plain(chain *c)
{
    qr_searcher *s = c->s;
    qr_query *q = c->q;
    qr_buf plain = {0};
    if (qr_query_plain_words(q->folded, &plain) != 0) {
        qr_buf_free(&plain);
        return QR_ERR_NOMEM;
    }
    if (c->max_words)
        qtext_cut_words(&plain, c->max_words);
    q->plain = strlist_strdup(plain.data);
    qr_buf_free(&plain);
    if (!q->plain)
        return QR_ERR_NOMEM;
    if (c->level != QR_PARSE_PLAIN)
        return QR_OK;
    xc_status st = parse_with(s, q->plain, XC_QP_CJK_NGRAM, q, &c->stopped);
    if (st == XC_NOMEM)
        return QR_ERR_NOMEM;
    if (st != XC_OK) {
        if (!q->fallback_reason)
            q->fallback_reason = strlist_strdup(xc_qparser_errmsg(s->qp));
        c->level = QR_PARSE_TERMS;
    }
    return QR_OK;
}

/* The last resort (QR_PARSE_TERMS): the plain words through the indexer's
 * analysis, OR'ed. */
static qr_status chain_terms(chain *c, qr_buf *err)
{
    qr_searcher *s = c->s;
    qr_query *q = c->q;
    xc_query *xq = NULL;
    strlist_clear(&c->stopped);
    xc_status st = build_terms_query(s, q->plain, &xq, q);
    if (st != XC_OK) {
        searcher_err(err, "cannot analyse the query",
                     xc_termgen_errmsg(s->tg));
        return st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
    }
    xc_query_free(q->xq);
    q->xq = xq;
    return QR_OK;
}

/* What the tool needs to explain and highlight the query: its terms, its
 * wildcards' prefixes, the stop words left out. */
static qr_status chain_keep_words(chain *c)
{
    qr_query *q = c->q;
    strlist terms = {0};
    strlist_sink tc = {&terms, 0};
    xc_status st = xc_query_terms_each(q->xq, collect_term, &tc);
    if (st == XC_NOMEM || tc.failed) {
        strlist_free(terms.v, terms.n);
        return QR_ERR_NOMEM;
    }
    strlist_uniq(&terms);
    strlist_move(&terms, &q->terms, &q->nterms);

    strlist pre = {0};
    if (c->level == QR_PARSE_FULL && c->allow_wildcards && c->text.data &&
        qtext_find_wildcards(c->text.data, &pre) != 0) {
        strlist_free(pre.v, pre.n);
        return QR_ERR_NOMEM;
    }
    strlist_uniq(&pre);
    strlist_move(&pre, &q->prefixes, &q->nprefixes);

    strlist_move(&c->stopped, &q->stopped, &q->nstopped);
    return QR_OK;
}

/* The index keeps no positions: phrases and NEAR are searched as ANDs,
 * and each hit is then checked on its text (verify_hits) against
 * q->windowed, the query as parsed. */
static qr_status chain_unwindow(qr_query *q, qr_buf *err)
{
    xc_query_free(q->windowed);
    q->windowed = NULL;
    if (q->empty)
        return QR_OK;
    xc_query *flat = NULL;
    int had = 0;
    xc_status st = xc_query_unwindow(q->xq, &flat, &had);
    if (st != XC_OK) {
        searcher_err(err, "cannot prepare the query", NULL);
        return st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
    }
    if (had) {
        q->windowed = q->xq;
        q->xq = flat;
    } else {
        xc_query_free(flat);
    }
    return QR_OK;
}

/* What xc_query_phrases_each finds: the phrases, and the terms outside
 * them. */
typedef struct phrase_sink {
    strlist terms;       /* every phrase's terms, one after another      */
    size_t *ends;
    size_t n, cap;
    strlist outside;
    int failed;
} phrase_sink;

/* A term as the highlighter sees it: title terms without their prefix,
 * other field terms not at all (len 0). */
static size_t hl_form(const char **term, size_t len)
{
    const unsigned char *t = (const unsigned char *)*term;
    if (len > 1 && t[0] == QR_PREFIX_TITLE[0] && !isupper(t[1])) {
        (*term)++;
        return len - 1;
    }
    return len && isupper(t[0]) ? 0 : len;
}

static int phrase_found(void *ctx, const char *const *terms, size_t n)
{
    phrase_sink *ps = ctx;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 4;
        size_t *e = realloc(ps->ends, cap * sizeof *e);
        if (!e)
            return ps->failed = 1;
        ps->ends = e;
        ps->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        const char *t = terms[i];
        size_t len = hl_form(&t, strlen(t));
        if (len == 0)
            continue;
        if (strlist_add(&ps->terms, t, len) != 0)
            return ps->failed = 1;
    }
    ps->ends[ps->n++] = ps->terms.n;
    return 0;
}

static int outside_found(void *ctx, const char *term, size_t len,
                         uint32_t unused)
{
    (void)unused;
    phrase_sink *ps = ctx;
    len = hl_form(&term, len);
    if (len && strlist_add(&ps->outside, term, len) != 0)
        return ps->failed = 1;
    return 0;
}

/* q->hl_terms and the phrases: with phrases, from q->windowed; else the
 * terms as they are. */
static qr_status chain_phrases(qr_query *q)
{
    phrase_sink ps = {0};
    xc_status st = XC_OK;
    if (q->windowed)
        st = xc_query_phrases_each(q->windowed, phrase_found, outside_found,
                                   &ps);
    else
        for (size_t i = 0; i < q->nterms && !ps.failed; i++)
            if (strlist_add(&ps.outside, q->terms[i], strlen(q->terms[i])))
                ps.failed = 1;
    if (st != XC_OK || ps.failed) {
        strlist_free(ps.terms.v, ps.terms.n);
        strlist_free(ps.outside.v, ps.outside.n);
        free(ps.ends);
        return st == XC_OK || st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
    }
    strlist_uniq(&ps.outside);
    strlist_move(&ps.outside, &q->hl_terms, &q->nhl_terms);
    strlist_move(&ps.terms, &q->phr_terms, &q->nphr_terms);
    free(q->phr_ends);
    q->phr_ends = ps.ends;
    q->nphrases = ps.n;
    return QR_OK;
}

/* Searches q in the articles of one language (s->filter: --lang). */
static qr_status filter_lang(qr_searcher *s, qr_query *q)
{
    if (!s->filter[0] || xc_query_is_empty(q->xq))
        return QR_OK;
    char term[sizeof QR_TERM_LANG + QR_LANG_MAX];
    snprintf(term, sizeof term, "%s%s", QR_TERM_LANG, s->filter);
    xc_query *both[2] = {q->xq, NULL}, *filtered = NULL;
    xc_status st = xc_query_new_term(term, 1, 0, &both[1]);
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_FILTER, both, 2, 0, &filtered);
    xc_query_free(both[1]);
    if (st != XC_OK)
        return QR_ERR_NOMEM;
    xc_query_free(q->xq);
    q->xq = filtered;
    return QR_OK;
}

/* Runs the parse chain from `from` over q->folded into q. */
qr_status parse_chain(qr_searcher *s, qr_query *q, qr_parse_level from,
                      int allow_wildcards, size_t max_words, qr_buf *err)
{
    chain c = {.s = s, .q = q, .level = from,
               .allow_wildcards = allow_wildcards, .max_words = max_words};
    qr_status rc = QR_OK;
    chain_reset(q);
    if (c.level == QR_PARSE_FULL && !qtext_has_syntax(q->folded))
        rc = chain_plain_words(&c);
    if (rc == QR_OK && c.level == QR_PARSE_FULL && !c.plain_words)
        rc = chain_full(&c);
    if (rc == QR_OK && c.level >= QR_PARSE_PLAIN)
        rc = chain_plain(&c);
    if (rc == QR_OK && c.level == QR_PARSE_TERMS)
        rc = chain_terms(&c, err);
    if (rc == QR_OK) {
        q->level = c.level;
        q->bag_of_words = c.plain_words || c.level >= QR_PARSE_PLAIN;
        /* compounds are a refinement: without them the query still runs */
        if (q->bag_of_words && (s->features & QR_FEAT_COMPOUNDS) &&
            !q->long_query && add_compounds(s, q) == QR_ERR_NOMEM)
            rc = QR_ERR_NOMEM;
    }
    if (rc == QR_OK)
        rc = filter_lang(s, q);
    if (rc == QR_OK)
        rc = chain_keep_words(&c);
    if (rc == QR_OK) {
        q->empty = xc_query_is_empty(q->xq);
        rc = chain_unwindow(q, err);
    if (rc == QR_OK)
        rc = chain_phrases(q);
    }
    if (rc == QR_OK) {
        free_phrase(q);
        /* the phrase is a refinement: without it the query still runs */
        if (!q->empty && c.level < QR_PARSE_TERMS &&
            build_phrase(s, q) == XC_NOMEM)
            rc = QR_ERR_NOMEM;
    }
    strlist_free(c.stopped.v, c.stopped.n);
    qr_buf_free(&c.text);
    if (rc == QR_ERR_NOMEM)
        searcher_err(err, "out of memory", NULL);
    return rc;
}

qr_status parse_without_wildcards(qr_searcher *s, const qr_query *q,
                                  qr_query **out, qr_buf *err)
{
    qr_query *c = calloc(1, sizeof *c);
    if (!c || !(c->text = strlist_strdup(q->text)) ||
        !(c->folded = strlist_strdup(q->folded)) ||
        (q->suggestion && !(c->suggestion = strlist_strdup(q->suggestion)))) {
        qr_query_free(c);
        searcher_err(err, "out of memory", NULL);
        return QR_ERR_NOMEM;
    }
    /* what qr_query_parse decided before the chain ran */
    c->long_query = q->long_query;
    c->truncated = q->truncated;
    qr_status rc = parse_chain(s, c, q->level, 0,
                               q->truncated ? QR_MAX_QUERY_TERMS : 0, err);
    if (rc != QR_OK) {
        qr_query_free(c);
        return rc;
    }
    c->wildcard_dropped = 1;
    *out = c;
    return QR_OK;
}

/* How many passages with the corrected terms are read to find the words
 * people write for them. */
#define SUGGEST_PASSAGES 5

/* Sets q->suggestion from the words of text (as typed) that the index
 * lacks (spell.h). A corrected stem becomes a real word by looking at the
 * passages that have it. */
static qr_status suggest(qr_searcher *s, qr_query *q, const char *text)
{
    qr_spell_fix *f = NULL;
    size_t n = 0;
    if (s->adb) {
        /* the words as written (the articles' vocabulary): each fix is a
         * real word already */
        qr_status rc = qr_spell_check_words(s->adb, s->stop, text,
                                            s->remotes != NULL, &f, &n);
        if (rc == QR_OK && n) {
            free(q->suggestion);
            q->suggestion = qr_spell_suggestion(text, f, n);
            if (!q->suggestion)
                rc = QR_ERR_NOMEM;
        }
        qr_spell_fixes_free(f, n);
        return rc;
    }
    /* an index from before articles: from its stems */
    qr_status rc = qr_spell_check(s->db, s->stem, s->stop, text, &f, &n);
    if (rc != QR_OK || n == 0)
        return rc;
    xc_status st = XC_OK;
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
    if (st == XC_OK)
        st = searcher_fetch(s, s->db, ms, 0, hits, 0);
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
    return qr_status_from_xc(st);
}

qr_status qr_query_parse(qr_searcher *s, const char *text,
                         qr_parse_level from, qr_query **out, qr_buf *err)
{
    if (!s || !text || !out || from > QR_PARSE_TERMS) {
        searcher_err(err, "invalid arguments", NULL);
        return QR_ERR_USAGE;
    }
    qr_query *q = calloc(1, sizeof *q);
    if (!q || !(q->text = strlist_strdup(text)) ||
        !(q->folded = strlist_strdup(text))) {
        if (q)
            free(q->text);
        free(q);
        searcher_err(err, "out of memory", NULL);
        return QR_ERR_NOMEM;
    }
    if (strchr(q->folded, '*')) {
        qr_buf fixed = {0};
        strlist notes = {0};
        if (qtext_fix_wildcards(q->folded, &fixed, &notes) != 0) {
            qr_buf_free(&fixed);
            strlist_free(notes.v, notes.n);
            qr_query_free(q);
            searcher_err(err, "out of memory", NULL);
            return QR_ERR_NOMEM;
        }
        free(q->folded);
        q->folded = qr_buf_steal(&fixed);
        strlist_move(&notes, &q->notes, &q->nnotes);
        if (!q->folded) {
            qr_query_free(q);
            searcher_err(err, "out of memory", NULL);
            return QR_ERR_NOMEM;
        }
        qr_buf unacc = {0};
        if (!s->exact_accents &&
            (qtext_fold_wildcards(q->folded, &unacc) != 0 ||
             !(unacc.data))) {
            qr_buf_free(&unacc);
            qr_query_free(q);
            searcher_err(err, "out of memory", NULL);
            return QR_ERR_NOMEM;
        }
        if (unacc.data) {
            free(q->folded);
            q->folded = qr_buf_steal(&unacc);
        }
    }
    if (qtext_all_capitals(q->folded)) {
        /* "WHAT ARE THE EFFECTS OF HEAT AND PRESSURE": someone typing in
         * capitals means no operators, so the query is read exactly as
         * its lower-case form (which QueryParser would otherwise treat
         * differently: AND, OR, NOT as operators); its acronyms stay in
         * capitals, as the indexer reads them ("U.S" is "us", not "u"
         * and "s") */
        qtext_lower_capitals(q->folded);
    }
    qr_status rc;
    if (qtext_count_words(q->folded, QR_MAX_QUERY_TERMS + 1) >
        QR_MAX_QUERY_TERMS) {
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
        if (suggest(s, q, text) == QR_ERR_NOMEM)
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
    strlist_free(q->hl_terms, q->nhl_terms);
    strlist_free(q->phr_terms, q->nphr_terms);
    free(q->phr_ends);
    strlist_free(q->prefixes, q->nprefixes);
    strlist_free(q->stopped, q->nstopped);
    strlist_free(q->notes, q->nnotes);
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


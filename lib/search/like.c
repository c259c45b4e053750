/*
 * like.c — "more like this" (qr_query_like): a query made of one article's
 * own most telling terms, chosen among its plain body terms (those that
 * feedback would take: feedback.c) by tf-idf over the article documents,
 * as Lucene's MoreLikeThis chooses them. Feedback's own model (term
 * frequency in the top passages, frequent terms cut off) is made for many
 * documents of one topic; for one article the rarity of a word is what
 * tells its topic.
 */
#include "search_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Terms taken from the article: Lucene's MoreLikeThis takes 25 by
 * default, and more only adds the article's rarer words. */
#define QR_LIKE_TERMS 25

typedef struct like_term {
    char *term;
    uint32_t wdf;
    double w;            /* tf-idf */
} like_term;

typedef struct like_ctx {
    like_term *v;
    size_t n, cap;
    const xc_stopper *stop;
    int failed;
} like_ctx;

static int like_collect(void *vctx, const char *term, size_t len,
                        uint32_t wdf)
{
    like_ctx *c = vctx;
    if (wdf == 0 || !feedback_term(term, len) ||
        (c->stop && xc_stopper_is_stop(c->stop, term)))
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        like_term *v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            c->failed = 1;
            return 1;
        }
        c->v = v;
        c->cap = cap;
    }
    if (!(c->v[c->n].term = qr_strndup(term, len))) {
        c->failed = 1;
        return 1;
    }
    c->v[c->n].wdf = wdf;
    c->v[c->n].w = 0;
    c->n++;
    return 0;
}

static int by_weight(const void *a, const void *b)
{
    const like_term *x = a, *y = b;
    if (x->w != y->w)
        return x->w < y->w ? 1 : -1;
    return strcmp(x->term, y->term);
}

/* The article's QR_LIKE_TERMS most telling terms into c->v[0..c->n), best
 * first: weight wdf x log(N / df), terms in no other article (they find
 * nothing) or in all of them (they tell nothing) left out. */
static xc_status like_terms(qr_searcher *s, uint32_t docid, like_ctx *c)
{
    xc_doc *doc = NULL;
    xc_db_stats stats;
    xc_status st = xc_db_get_stats(s->adb, &stats);
    if (st == XC_OK)
        st = xc_db_get_document(s->adb, docid, &doc);
    if (st == XC_OK)
        st = xc_doc_terms_each(doc, like_collect, c);
    xc_doc_free(doc);
    if (st == XC_OK && c->failed)
        st = XC_NOMEM;
    size_t m = 0;
    for (size_t k = 0; k < c->n; k++) {
        uint32_t df = 0;
        if (st == XC_OK)
            st = xc_db_termfreq(s->adb, c->v[k].term, &df);
        if (st != XC_OK || df < 2 || df >= stats.doccount) {
            free(c->v[k].term);
            continue;
        }
        c->v[k].w = c->v[k].wdf * log((double)stats.doccount / df);
        c->v[m++] = c->v[k];
    }
    c->n = m;
    if (st == XC_OK && c->n)
        qsort(c->v, c->n, sizeof *c->v, by_weight);
    while (c->n > QR_LIKE_TERMS)
        free(c->v[--c->n].term);
    return st;
}

static void like_free(like_ctx *c)
{
    for (size_t k = 0; k < c->n; k++)
        free(c->v[k].term);
    free(c->v);
}

static int first_docid(void *ctx, uint32_t docid, uint32_t wdf)
{
    (void)wdf;
    *(uint32_t *)ctx = docid;
    return 1;
}

/* The article and those of the same text, never results of its own
 * "more like this": XA + id OR its content hash. */
static xc_status itself(qr_searcher *s, uint32_t docid, const char *idterm,
                        xc_query **out)
{
    xc_doc *doc = NULL;
    char *content = NULL;
    size_t len = 0;
    xc_query *v[2] = {NULL, NULL};
    xc_status st = xc_db_get_document(s->adb, docid, &doc);
    if (st == XC_OK)
        st = xc_doc_get_value(doc, QR_SLOT_CONTENT, &content, &len);
    if (st == XC_OK)
        st = xc_query_new_term(idterm, 1, 0, &v[0]);
    if (st == XC_OK && content && len)
        st = xc_query_new_value_range(QR_SLOT_CONTENT, content, content,
                                      &v[1]);
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, v, v[1] ? 2 : 1, 0, out);
    xc_query_free(v[0]);
    xc_query_free(v[1]);
    free(content);
    xc_doc_free(doc);
    return st;
}

/* Adds the terms of c to the list *v of *n (sorted, distinct after). */
static int add_terms(char ***v, size_t *n, const like_ctx *c)
{
    strlist l = {*v, *n, *n};
    for (size_t k = 0; k < c->n; k++)
        if (strlist_add(&l, c->v[k].term, strlen(c->v[k].term)) != 0) {
            *v = l.v;
            *n = l.n;
            return -1;
        }
    strlist_uniq(&l);
    *v = l.v;
    *n = l.n;
    return 0;
}

qr_status qr_query_like(qr_searcher *s, qr_query *q, const char *article_id,
                        qr_buf *err)
{
    if (!s || !q || !article_id) {
        searcher_err(err, "invalid arguments", NULL);
        return QR_ERR_USAGE;
    }
    if (!s->adb) {
        searcher_err(err, "--like needs an index with its articles (rebuild "
                          "it with this version of quarry-index)", NULL);
        return QR_ERR_USAGE;
    }
    qr_buf idterm = {0};
    uint32_t docid = 0;
    like_ctx lc = {.stop = s->stop};
    xc_query **t = NULL, *like = NULL, *self = NULL, *pair[2];
    xc_status st = qr_key_term(&idterm, QR_TERM_ARTICLE, article_id) != 0
                       ? XC_NOMEM : XC_OK;
    if (st == XC_OK)
        st = xc_db_postlist_each(s->adb, idterm.data, first_docid, &docid);
    if (st == XC_OK && docid == 0) {
        qr_buf_free(&idterm);
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, "--like: no article '");
            qr_buf_printable(err, article_id, strlen(article_id));
            qr_buf_puts(err, "' in the index");
        }
        return QR_ERR_USAGE;
    }
    if (st == XC_OK)
        st = like_terms(s, docid, &lc);
    if (st == XC_OK && lc.n == 0) {
        like_free(&lc);
        qr_buf_free(&idterm);
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, "--like: article '");
            qr_buf_printable(err, article_id, strlen(article_id));
            qr_buf_puts(err, "' has no words to find others by");
        }
        return QR_ERR_USAGE;
    }
    /* each term weighted as often as the article has it, sublinearly (BM25
     * adds its rarity): 1 on average */
    double sum = 0;
    for (size_t k = 0; k < lc.n; k++)
        sum += 1 + log(lc.v[k].wdf);
    if (st == XC_OK && !(t = calloc(lc.n, sizeof *t)))
        st = XC_NOMEM;
    for (size_t k = 0; st == XC_OK && k < lc.n; k++) {
        xc_query *term = NULL;
        st = xc_query_new_term(lc.v[k].term, 1, 0, &term);
        if (st == XC_OK)
            st = xc_query_new_scaled(term, (1 + log(lc.v[k].wdf)) * lc.n / sum,
                                     &t[k]);
        xc_query_free(term);
    }
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, lc.n, 0, &like);
    if (st == XC_OK)
        st = itself(s, docid, idterm.data, &self);
    xc_query *without = NULL, *final = NULL;
    pair[0] = like;
    pair[1] = self;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_AND_NOT, pair, 2, 0, &without);
    /* the words typed with it restrict the results, as filters */
    pair[0] = without;
    pair[1] = q->xq;
    if (st == XC_OK && !q->empty)
        st = xc_query_new_combine(XC_OP_FILTER, pair, 2, 0, &final);
    else if (st == XC_OK) {
        final = without;
        without = NULL;
    }
    if (st == XC_OK && (add_terms(&q->terms, &q->nterms, &lc) != 0 ||
                        add_terms(&q->hl_terms, &q->nhl_terms, &lc) != 0))
        st = XC_NOMEM;
    if (st == XC_OK) {
        xc_query_free(q->xq);
        q->xq = final;
        final = NULL;
        /* phrases typed with it are matched as words: the passages shown
         * are the like terms' */
        xc_query_free(q->windowed);
        q->windowed = NULL;
        strlist_free(q->phrase, q->nphrase);
        q->phrase = NULL;
        q->nphrase = 0;
        q->empty = 0;
        q->bag_of_words = 0;
        q->like = 1;
    } else {
        searcher_err(err, st == XC_NOMEM ? "out of memory"
                                         : "--like: cannot read the article",
                     xc_db_errmsg(s->adb));
    }
    for (size_t k = 0; t && k < lc.n; k++)
        xc_query_free(t[k]);
    free(t);
    xc_query_free(like);
    xc_query_free(self);
    xc_query_free(without);
    xc_query_free(final);
    like_free(&lc);
    qr_buf_free(&idterm);
    return st == XC_OK ? QR_OK
         : st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
}

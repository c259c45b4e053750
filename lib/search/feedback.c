/*
 * feedback.c — pseudo-relevance feedback: the relevance model's terms from
 * the top passages (see feedback.h), and the rescoring of a search's
 * candidates with them.
 */
#include "feedback.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "search_int.h"

/* ------------------------------------------------------------ the model */

/* One (term, weight) pair while the passages are read. */
typedef struct entry {
    char *term;
    double w;
} entry;

typedef struct collect_ctx {
    entry *v;
    size_t n, cap;
    size_t first;        /* where this passage's entries start          */
    double len;          /* sum of the counted terms' wdf                */
    const xc_stopper *stop;
    xc_status st;
} collect_ctx;

/* A plain body term worth feeding back: no field prefix (prefixes are
 * upper case), not a lone byte, not only digits. */
int feedback_term(const char *t, size_t len)
{
    if (len < 2 || (t[0] >= 'A' && t[0] <= 'Z'))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (t[i] < '0' || t[i] > '9')
            return 1;
    return 0;
}

static int collect(void *vctx, const char *term, size_t len, uint32_t wdf)
{
    collect_ctx *c = vctx;
    if (wdf == 0 || !feedback_term(term, len))
        return 0;
    /* the terms are NUL-terminated (the binding copies them) */
    if (c->stop && xc_stopper_is_stop(c->stop, term))
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        entry *v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            c->st = XC_NOMEM;
            return 1;
        }
        c->v = v;
        c->cap = cap;
    }
    char *t = qr_strndup(term, len);
    if (!t) {
        c->st = XC_NOMEM;
        return 1;
    }
    c->v[c->n].term = t;
    c->v[c->n].w = wdf;
    c->n++;
    c->len += wdf;
    return 0;
}

static int by_term(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->term, ((const entry *)b)->term);
}

static int by_weight(const void *a, const void *b)
{
    double x = ((const entry *)a)->w, y = ((const entry *)b)->w;
    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(((const entry *)a)->term, ((const entry *)b)->term);
}

void qr_fb_terms_free(qr_fb_term *t, size_t n)
{
    if (!t)
        return;
    for (size_t i = 0; i < n; i++)
        free(t[i].term);
    free(t);
}

qr_status qr_feedback_terms(xc_db *db, const xc_stopper *stop,
                            const uint32_t *docids, const double *scores,
                            size_t n, unsigned max_terms, qr_fb_term **out,
                            size_t *nout)
{
    return qr_status_from_xc(feedback_model(NULL, db, stop, docids, scores,
                                            n, max_terms, out, nout));
}

xc_status feedback_model(const qr_searcher *s, xc_db *db,
                         const xc_stopper *stop, const uint32_t *docids,
                         const double *scores, size_t n, unsigned max_terms,
                         qr_fb_term **out, size_t *nout)
{
    if (!db || (n && (!docids || !scores)) || !out || !nout)
        return XC_INVALID_ARG;
    collect_ctx c = {0};
    c.stop = stop;
    xc_status st = XC_OK;
    /* P(D|Q) of passage i: exp(s_i - s_max) / Z. BM25 approximates the
     * log-odds of relevance, so exp(score) stands for the query likelihood
     * of RM1; a plain share of the scores (s_i / sum s) ranked worse on
     * both collections (measured: bench/README.md, "Tuning decisions") */
    double smax = 0, z = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || scores[i] > smax)
            smax = scores[i];
    for (size_t i = 0; i < n; i++)
        z += exp(scores[i] - smax);
    xc_db_stats stats;
    if (n && max_terms > 0)
        st = xc_db_get_stats(db, &stats);

    /* the documents and their terms read together (side by side from
     * remote shards) */
    xc_doc **docs = NULL;
    if (st == XC_OK && n && max_terms > 0) {
        docs = calloc(n, sizeof *docs);
        st = docs ? xc_db_read_documents(db, docids, n, XC_READ_TERMS_ONLY,
                                         docs)
                  : XC_NOMEM;
    }
    for (size_t i = 0; st == XC_OK && max_terms > 0 && i < n; i++) {
        c.first = c.n;
        c.len = 0;
        st = xc_doc_terms_each(docs[i], collect, &c);
        if (st == XC_OK)
            st = c.st;
        if (st != XC_OK)
            break;
        double share = exp(scores[i] - smax) / z;
        for (size_t k = c.first; k < c.n; k++)
            c.v[k].w = share * c.v[k].w / c.len;
    }
    for (size_t i = 0; docs && i < n; i++)
        xc_doc_free(docs[i]);
    free(docs);

    qr_fb_term *res = NULL;
    size_t nres = 0;
    if (st == XC_OK && c.n) {
        /* the same term from several passages: one entry, weights added */
        qsort(c.v, c.n, sizeof *c.v, by_term);
        size_t m = 0;
        for (size_t k = 0; k < c.n; k++) {
            if (m && strcmp(c.v[m - 1].term, c.v[k].term) == 0) {
                c.v[m - 1].w += c.v[k].w;
                free(c.v[k].term);
            } else {
                c.v[m++] = c.v[k];
            }
        }
        c.n = m;
        qsort(c.v, c.n, sizeof *c.v, by_weight);
        res = calloc(max_terms, sizeof *res);
        if (!res)
            st = XC_NOMEM;
        double max_df = QR_FB_MAX_DF * stats.doccount;
        double sum = 0;
        /* with remote shards the frequencies are asked a batch at a time
         * (one exchange with each shard): twice the terms still wanted,
         * as some are too common to keep; locally one at a time, no more
         * than needed */
        int remote = s && s->remotes;
        uint32_t *df = malloc(c.n * sizeof *df);
        const char **terms = malloc(c.n * sizeof *terms);
        size_t asked = 0;
        if (!df || !terms)
            st = XC_NOMEM;
        for (size_t k = 0; st == XC_OK && k < c.n && nres < max_terms; k++) {
            if (k == asked) {
                size_t batch = remote ? 2 * (size_t)(max_terms - nres) + 8
                                      : 1;
                if (batch > c.n - k)
                    batch = c.n - k;
                for (size_t j = 0; j < batch; j++)
                    terms[k + j] = c.v[k + j].term;
                st = xc_db_termfreqs(db, terms + k, batch, df + k);
                asked = k + batch;
                if (st != XC_OK)
                    break;
            }
            if (df[k] > max_df)
                continue;
            res[nres].term = c.v[k].term;
            res[nres].weight = c.v[k].w;
            res[nres].termfreq = df[k];
            c.v[k].term = NULL;
            sum += res[nres].weight;
            nres++;
        }
        free(df);
        free(terms);
        for (size_t k = 0; k < nres; k++)
            res[k].weight /= sum;
    }
    for (size_t k = 0; k < c.n; k++)
        free(c.v[k].term);
    free(c.v);
    if (st != XC_OK) {
        qr_fb_terms_free(res, nres);
        return st;
    }
    if (nres == 0) {
        free(res);
        res = NULL;
    }
    *out = res;
    *nout = nres;
    return XC_OK;
}

/* ------------------------------------------------ rescoring a search */

/* Does the search use pseudo-relevance feedback? */
int feedback_wanted(const qr_query *q, const qr_search_opts *o)
{
    return o->fb_docs > 0 && o->fb_terms > 0 && o->fb_weight > 0 &&
           o->fb_weight < 1 && !q->empty && !q->like;
}

/* How many of n candidates feedback rescores: QR_FB_DEPTH, or those of
 * the articles asked for (as many as the enquire keeps of each) when
 * more. */
static uint32_t fb_depth(const qr_query *q, const qr_search_opts *o,
                         uint32_t n)
{
    uint64_t depth = (uint64_t)o->offset + o->limit;
    if (o->per_article)
        depth *= cand_collapse_max(q, o);
    if (depth < QR_FB_DEPTH)
        depth = QR_FB_DEPTH;
    return depth < n ? (uint32_t)depth : n;
}

/* By article: how many of c[0..n) to rescore so that the same ones are
 * rescored whatever the passages shown per article: the first
 * QR_FB_DEPTH, counting at most as many of each article as a search
 * showing one passage keeps (1 + QR_PASSAGE_SPARE), and the others of
 * their articles among them. */
static uint32_t depth_by_article(const cand *c, uint32_t n)
{
    uint32_t counted = 0, i = 0;
    for (; i < n && counted < QR_FB_DEPTH; i++) {
        uint32_t before = 0;
        for (uint32_t j = 0; j < i && before <= QR_PASSAGE_SPARE; j++)
            before += c[j].article == c[i].article;
        counted += before <= QR_PASSAGE_SPARE;
    }
    return i;
}

/* *only: a boolean query matching the articles of the candidates
 * c[0..n) of ms (their keys: the sort key, which is the article key when
 * ranked by relevance then article, else the value) within xq, the query
 * ms answered: what the feedback match is confined to. */
static xc_status articles_of(xc_mset *ms, const cand *c, uint32_t n,
                             const xc_query *xq, xc_query **only)
{
    *only = NULL;
    strlist terms = {0};
    qr_buf term = {0};
    xc_status st = XC_OK;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        char *key = NULL;
        size_t len = 0;
        st = xc_mset_get_sort_key(ms, c[i].index, &key, &len);
        if (st == XC_OK && !len) {
            free(key);
            key = NULL;
            st = xc_mset_get_value(ms, c[i].index, QR_SLOT_ARTICLE, &key,
                                   &len);
        }
        if (st == XC_OK && qr_key_term(&term, QR_TERM_ARTICLE,
                                       key ? key : "") != 0)
            st = XC_NOMEM;
        if (st == XC_OK && strlist_add(&terms, term.data, term.len) != 0)
            st = XC_NOMEM;
        free(key);
    }
    if (st == XC_OK)
        strlist_uniq(&terms);
    xc_query **t = terms.n ? calloc(terms.n, sizeof *t) : NULL;
    if (st == XC_OK && terms.n && !t)
        st = XC_NOMEM;
    for (size_t k = 0; st == XC_OK && k < terms.n; k++)
        st = xc_query_new_term(terms.v[k], 1, 0, &t[k]);
    xc_query *any = NULL;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, terms.n, 0, &any);
    if (st == XC_OK) {
        xc_query *both[2] = {any, (xc_query *)xq};
        st = xq ? xc_query_new_combine(XC_OP_FILTER, both, 2, 0, only)
                : xc_query_new_scaled(any, 0, only);
    }
    xc_query_free(any);
    for (size_t k = 0; t && k < terms.n; k++)
        xc_query_free(t[k]);
    free(t);
    strlist_free(terms.v, terms.n);
    qr_buf_free(&term);
    return st;
}

/* Adds to each of the candidates c[0..n) of ms (searched on db for q)
 * the weight the scaled feedback terms t[0..nt) give it under bm:
 * computed by xapian-core's BM25, as the first pass was, in one match
 * over the candidates' articles. With remote shards that is one
 * exchange with each, where reading each candidate's term list cost a
 * round trip apiece. */
static xc_status feedback_weights(xc_db *db, const qr_query *q,
                                  const qr_bm25 *bm, xc_mset *ms, cand *c,
                                  uint32_t n, xc_query *const *t, size_t nt)
{
    if (n == 0 || nt == 0)
        return XC_OK;
    xc_query *fbq = NULL, *only = NULL;
    xc_enquire *enq = NULL;
    uint32_t *docids = malloc(n * sizeof *docids);
    double *add = calloc(n, sizeof *add);
    xc_status st = docids && add ? XC_OK : XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        xc_match m;
        st = xc_mset_get(ms, c[i].index, &m);
        docids[i] = m.docid;
    }
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, nt, 0, &fbq);
    if (st == XC_OK)
        st = articles_of(ms, c, n, q->xq, &only);
    if (st == XC_OK)
        st = xc_enquire_new(db, &enq, NULL);
    if (st == XC_OK)
        st = xc_enquire_set_bm25(enq, bm->k1, bm->k2, bm->k3, bm->b,
                                 bm->min_normlen);
    if (st == XC_OK)
        st = xc_enquire_weights(enq, fbq, only, docids, n, add);
    for (uint32_t i = 0; st == XC_OK && i < n; i++)
        c[i].score += add[i];
    xc_enquire_free(enq);
    xc_query_free(only);
    xc_query_free(fbq);
    free(docids);
    free(add);
    return st;
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
 * included: a little better on SciFact, a little worse on Cranfield), and
 * each candidate's BM25 score gets the weight of the feedback terms it
 * has, each scaled so that the model has the share o->fb_weight of the
 * query (RM3's interpolation; the original terms keep their BM25 scale).
 * The text evidence is reset, and the candidates are sorted again. Only
 * the first pass's candidates are rescored, and only the first
 * QR_FB_DEPTH of them unless more are wanted (the caller reads enough of
 * them); the rest keep their first score. The feedback terms reweight
 * what the query matches and never match on their own, so every result
 * keeps a word of the query and NOT and AND keep their meaning; letting
 * them match on their own (OR) ranked no better (measured, both:
 * bench/README.md, "Tuning decisions"). With parts, each scaled feedback
 * term is added to it, for --explain. */
xc_status feedback_rescore(qr_searcher *s, const qr_query *q,
                           const qr_search_opts *o, xc_mset *ms, cand *c,
                           uint32_t n, qparts *parts)
{
    /* by article: the model from the best passage of each article, and
     * the first QR_FB_DEPTH rescored as if one passage were shown per
     * article, whatever the page and the passages shown */
    if (s->by_article)
        return feedback_rescore_in(s, s->db, q, o, &o->bm25, ms, c, n, parts,
                                   1, depth_by_article(c, n));
    return feedback_rescore_in(s, s->db, q, o, &o->bm25, ms, c, n, parts,
                               o->per_article, fb_depth(q, o, n));
}

xc_status feedback_rescore_in(qr_searcher *s, xc_db *db, const qr_query *q,
                              const qr_search_opts *o, const qr_bm25 *bm,
                              xc_mset *ms, cand *c, uint32_t n, qparts *parts,
                              uint32_t per_article, uint32_t depth)
{
    /* the feedback passages: the first o->fb_docs of c, collapsed */
    cand *top = n ? malloc(n * sizeof *top) : NULL;
    if (n && !top)
        return XC_NOMEM;
    memcpy(top, c, n * sizeof *top);
    uint32_t ntop = n;
    xc_status st = XC_OK;
    if (per_article && cand_collapse(top, &ntop, per_article) != 0)
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
        st = feedback_model(s, db, s->stop, docids, scores, ntop,
                            o->fb_terms, &fb, &nfb);
    free(docids);
    free(scores);
    if (st != XC_OK || nfb == 0)
        return st;

    /* RM3: (1 - w) * query + w * model, the query's terms weighing 1/|Q|
     * each; divided by (1 - w) / |Q| to keep BM25's scale */
    double nq = q->nbow ? (double)q->nbow : q->nterms ? (double)q->nterms : 1;
    double scale = o->fb_weight / (1 - o->fb_weight) * nq;
    /* the candidates back to the BM25 of the first pass */
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        xc_match m;
        st = xc_mset_get(ms, c[i].index, &m);
        c[i].score = m.weight;
        c[i].prox = c[i].phrase = 0;
    }
    /* each feedback term scaled to its share of the model */
    xc_query **t = calloc(nfb, sizeof *t);
    if (!t)
        st = XC_NOMEM;
    for (size_t k = 0; st == XC_OK && k < nfb; k++) {
        xc_query *one = NULL, *part = NULL;
        st = xc_query_new_term(fb[k].term, 1, 0, &one);
        if (st == XC_OK)
            st = xc_query_new_scaled(one, scale * fb[k].weight, &t[k]);
        /* --explain's part: the same scaled term, a query of its own */
        if (st == XC_OK && parts)
            st = xc_query_new_scaled(one, scale * fb[k].weight, &part);
        if (st == XC_OK && parts)
            st = explain_parts_add(parts, QR_PART_FEEDBACK, fb[k].term, part);
        xc_query_free(one);
    }
    if (st == XC_OK && depth > n)
        depth = n;
    if (st == XC_OK)
        st = feedback_weights(db, q, bm, ms, c, depth, t, nfb);
    for (size_t k = 0; t && k < nfb; k++)
        xc_query_free(t[k]);
    free(t);
    if (st == XC_OK)
        qsort(c, n, sizeof *c, cmp_score);
    /* the text evidence cached by rerank_text stays right: it is by
     * docid */
    qr_fb_terms_free(fb, nfb);
    return st;
}

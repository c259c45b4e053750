/*
 * articles.c — searching by article: which articles match a query as a
 * whole (its operators and filters decide at the article level, on the
 * index's article documents), how well (the whole article's score fused
 * with its best passage's), and which of its passages to show.
 *
 * One search, when the index has its articles and results are grouped by
 * article:
 *   1. the article stage runs the query on the article documents: NOT,
 *      AND, +/- and filters mean "articles that ...", and the whole text
 *      is scored (BM25, then feedback over whole articles);
 *   2. the passage stage runs the query's positive words (xc_query_
 *      positive) on the passages of those articles only, ranked as a
 *      passage search is (phrases checked within a passage, the text's
 *      evidence, feedback), collapsed to the passages shown per article;
 *   3. each article's score is (1 - w) x its best passage's + w x its
 *      own (w = opts.article_weight), and so is each passage's shown: a
 *      passage's score does not depend on how many are shown.
 * An article whose query has no positive word (exclusions or filters
 * alone) shows its first passage; so does one whose passages do not have
 * the query's words (a match in the title alone). An article none of
 * whose passages holds the query's phrases is left out: phrases and NEAR
 * match within one passage.
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

/* One article of the article stage. */
typedef struct art {
    char *key;           /* the article key (QR_SLOT_ARTICLE)             */
    uint64_t hash;       /* qr_hash64 of key, as cand.article             */
    double score;        /* whole-article score (BM25, feedback)          */
    strlist terms;       /* with phrases: the query terms it has, sorted   */
    int32_t best;        /* its best passage among the passage candidates,
                            -1 when none                                   */
    double fused;        /* its score as ranked                            */
} art;

typedef struct art_list {
    art *v;
    uint32_t n;
    /* hash -> index + 1, open addressing (cap a power of two) */
    uint32_t *slots;
    size_t cap;
} art_list;

static void arts_free(art_list *a)
{
    for (uint32_t i = 0; i < a->n; i++) {
        free(a->v[i].key);
        strlist_free(a->v[i].terms.v, a->v[i].terms.n);
    }
    free(a->v);
    free(a->slots);
    memset(a, 0, sizeof *a);
}

static art *arts_find(const art_list *a, uint64_t hash)
{
    if (!a->cap)
        return NULL;
    size_t h = (size_t)(hash ^ (hash >> 29)) & (a->cap - 1);
    while (a->slots[h]) {
        art *x = &a->v[a->slots[h] - 1];
        if (x->hash == hash)
            return x;
        h = (h + 1) & (a->cap - 1);
    }
    return NULL;
}

static int arts_index(art_list *a)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)a->n)
        cap *= 2;
    a->slots = calloc(cap, sizeof *a->slots);
    if (!a->slots)
        return -1;
    a->cap = cap;
    for (uint32_t i = 0; i < a->n; i++) {
        size_t h = (size_t)(a->v[i].hash ^ (a->v[i].hash >> 29)) & (cap - 1);
        while (a->slots[h])
            h = (h + 1) & (cap - 1);
        a->slots[h] = i + 1;
    }
    return 0;
}

/* verify_hits_in's lookup: the query terms an article has. */
static const strlist *arts_terms(void *ctx, uint64_t hash)
{
    const art *x = arts_find(ctx, hash);
    return x ? &x->terms : NULL;
}

/* ------------------------------------------------------ article stage */

/* Does q have a word a passage can show (not exclusions or filters
 * alone)? *pq: its positive part (xc_query_positive), NULL when none. */
static xc_status positive_part(const qr_query *q, const xc_query *from,
                               xc_query **pq)
{
    *pq = NULL;
    xc_query *p = NULL;
    xc_status st = xc_query_positive(from, QR_PREFIX_TITLE, &p);
    if (st != XC_OK)
        return st;
    if (xc_query_is_empty(p))
        xc_query_free(p);
    else
        *pq = p;
    (void)q;
    return XC_OK;
}

static int cmp_art_fused(const void *x, const void *y)
{
    const art *a = x, *b = y;
    if (a->fused != b->fused)
        return a->fused > b->fused ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* xc_enquire_matching_terms_each callback into a strlist. */
static int add_term(void *ctx, const char *term, size_t len, uint32_t unused)
{
    (void)unused;
    strlist_sink *sink = ctx;
    if (strlist_add(sink->list, term, len) != 0) {
        sink->failed = 1;
        return 1;
    }
    return 0;
}

/* The article stage: the first count articles matching q as a whole, by
 * their own score, into a. *estimated: how many match in all. */
static xc_status article_stage(qr_searcher *s, const qr_query *q,
                               const qr_search_opts *o, int positive,
                               uint32_t count, art_list *a,
                               uint32_t *estimated, xc_enquire **enq_out,
                               qr_buf *err)
{
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    char *xerr = NULL;
    xc_status st = xc_enquire_new(s->adb, &enq, &xerr);
    if (st != XC_OK) {
        searcher_err(err, "cannot start the search", xerr);
        free(xerr);
        return st;
    }
    st = xc_enquire_set_query(enq, q->xq, 0);
    if (st == XC_OK)
        st = xc_enquire_set_bm25(enq, o->article_bm25.k1, o->article_bm25.k2,
                                 o->article_bm25.k3, o->article_bm25.b,
                                 o->article_bm25.min_normlen);
    /* a query without a positive word weighs nothing: newest first */
    if (st == XC_OK)
        st = positive
            ? xc_enquire_set_sort_by_relevance_then_value(enq, QR_SLOT_ARTICLE,
                                                          0)
            : xc_enquire_set_sort_by_value(enq, QR_SLOT_DATE, 1);
    if (st == XC_OK)
        st = xc_enquire_get_mset(enq, 0, count, 0, &ms);
    cand *c = NULL;
    uint32_t n = 0;
    if (st == XC_OK) {
        *estimated = xc_mset_matches_estimated(ms);
        n = xc_mset_size(ms);
        st = cand_from_mset(ms, &c);
    }
    if (st == XC_OK && n && positive && feedback_wanted(q, o)) {
        /* feedback over whole articles: the model from the top articles,
         * as many rescored as the passage stage rescores passages */
        uint32_t depth = o->offset + o->limit;
        if (depth < QR_FB_DEPTH)
            depth = QR_FB_DEPTH;
        st = feedback_rescore_in(s, s->adb, q, o, &o->article_bm25, ms, c, n,
                                 NULL, 0, depth);
    }
    if (st == XC_OK && n && !(a->v = calloc(n, sizeof *a->v)))
        st = XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < n; i++) {
        art *x = &a->v[i];
        size_t len = 0;
        st = xc_mset_get_value(ms, c[i].index, QR_SLOT_ARTICLE, &x->key, &len);
        if (st == XC_OK && !x->key && !(x->key = calloc(1, 1)))
            st = XC_NOMEM;
        if (st != XC_OK)
            break;
        a->n++;
        x->hash = qr_hash64(x->key, len, 0);
        x->score = c[i].score;
        x->best = -1;
        if (q->windowed) {
            xc_match m;
            strlist_sink sink = {&x->terms, 0};
            st = xc_mset_get(ms, c[i].index, &m);
            if (st == XC_OK)
                st = xc_enquire_matching_terms_each(enq, m.docid, add_term,
                                                    &sink);
            if (st == XC_OK && sink.failed)
                st = XC_NOMEM;
            if (st == XC_OK)
                strlist_uniq(&x->terms);
        }
    }
    if (st == XC_OK && arts_index(a) != 0)
        st = XC_NOMEM;
    if (st != XC_OK)
        searcher_err(err, st == XC_NOMEM ? "out of memory" : "search failed",
                     ms ? xc_mset_errmsg(ms) : xc_enquire_errmsg(enq));
    free(c);
    xc_mset_free(ms);
    *enq_out = enq;
    return st;
}

/* ------------------------------------------------------ passage stage */

/* pq FILTER (the passages of the articles of a), into *out. */
static xc_status restrict_to(const xc_query *pq, const art_list *a,
                             xc_query **out)
{
    *out = NULL;
    xc_query **t = calloc(a->n ? a->n : 1, sizeof *t);
    qr_buf term = {0};
    xc_status st = t ? XC_OK : XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < a->n; i++)
        st = qr_key_term(&term, QR_TERM_ARTICLE, a->v[i].key) != 0
                 ? XC_NOMEM : xc_query_new_term(term.data, 1, 0, &t[i]);
    xc_query *any = NULL, *both[2] = {NULL, NULL};
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, a->n, 0, &any);
    if (st == XC_OK) {
        both[0] = (xc_query *)pq;
        both[1] = any;
        st = xc_query_new_combine(XC_OP_FILTER, both, 2, 0, out);
    }
    xc_query_free(any);
    for (uint32_t i = 0; t && i < a->n; i++)
        xc_query_free(t[i]);
    free(t);
    qr_buf_free(&term);
    return st;
}

/* The first passage of each article of a without one among the passage
 * candidates, read by its unique term: what such an article shows. */
static xc_status first_passages(qr_searcher *s, const art_list *a,
                                const uint32_t *need, uint32_t nneed,
                                xc_mset **out)
{
    *out = NULL;
    if (nneed == 0)
        return XC_OK;
    xc_query **t = calloc(nneed, sizeof *t);
    qr_buf term = {0};
    xc_status st = t ? XC_OK : XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < nneed; i++)
        st = qr_passage_term(&term, a->v[need[i]].key, 0) != 0
                 ? XC_NOMEM : xc_query_new_term(term.data, 1, 0, &t[i]);
    xc_query *any = NULL, *zero = NULL;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, nneed, 0, &any);
    if (st == XC_OK)
        st = xc_query_new_scaled(any, 0, &zero);
    xc_enquire *enq = NULL;
    if (st == XC_OK)
        st = xc_enquire_new(s->db, &enq, NULL);
    if (st == XC_OK)
        st = xc_enquire_set_query(enq, zero, 0);
    if (st == XC_OK)
        st = xc_enquire_get_mset(enq, 0, nneed * 2 + 16, 0, out);
    xc_enquire_free(enq);
    xc_query_free(zero);
    xc_query_free(any);
    for (uint32_t i = 0; t && i < nneed; i++)
        xc_query_free(t[i]);
    free(t);
    qr_buf_free(&term);
    return st;
}

/* ------------------------------------------------------ the search */

/* One hit from index i of ms (its record read, or with ids_only its
 * values), with score, rank and collapse count. Returns XC_OK; a record
 * that cannot be decoded is counted in res->unreadable and left out. */
static xc_status fill_hit(xc_mset *ms, uint32_t i, const qr_search_opts *o,
                          double score, uint32_t rank, uint32_t collapsed,
                          qr_results *res)
{
    xc_match m;
    char *data = NULL;
    size_t len = 0;
    xc_status st = xc_mset_get(ms, i, &m);
    if (st == XC_OK)
        st = o->ids_only
            ? xc_mset_get_value(ms, i, QR_SLOT_ARTICLE, &data, &len)
            : xc_mset_get_data(ms, i, &data, &len);
    if (st == XC_OK && !data && !(data = calloc(1, 1)))
        st = XC_NOMEM;
    if (st != XC_OK)
        return st;
    qr_hit *h = &res->hits[res->n];
    if (o->ids_only) {
        st = run_ids_from_values(ms, i, data, len, &h->rec);
        if (st != XC_OK) {
            free(data);
            return st;
        }
    } else if (qr_record_decode(data, len, &h->rec) != 0) {
        free(data);
        res->unreadable++;
        return XC_OK;
    }
    h->data = data;
    h->rank = rank;
    h->score = score;
    h->docid = m.docid;
    h->collapsed = collapsed;
    res->n++;
    return XC_OK;
}

/* The index of the candidate of ms whose unique term is article key's
 * first passage, or -1. */
static int32_t find_first(xc_mset *ms, const char *key)
{
    uint32_t n = ms ? xc_mset_size(ms) : 0;
    for (uint32_t i = 0; i < n; i++) {
        char *k = NULL;
        size_t len = 0;
        if (xc_mset_get_value(ms, i, QR_SLOT_ARTICLE, &k, &len) != XC_OK)
            return -1;
        int same = k && strlen(key) == len && memcmp(k, key, len) == 0;
        free(k);
        if (same)
            return (int32_t)i;
    }
    return -1;
}

int articles_wanted(const qr_searcher *s, const qr_search_opts *o)
{
    return s->adb && o->per_article > 0;
}

xc_status articles_run(qr_searcher *s, const qr_query *q,
                       const qr_search_opts *o, qr_results *res, qr_buf *err)
{
    double w = o->article_weight;
    if (w < 0)
        w = 0;
    if (w > 1)
        w = 1;
    uint32_t want = o->offset + o->limit;
    /* enough articles that the fused order of the first want is right:
     * the text's evidence and feedback reach this deep anyway */
    uint32_t count = want + want / 2;
    if (count < QR_PROX_DEPTH)
        count = QR_PROX_DEPTH;
    if (count < QR_FB_DEPTH && feedback_wanted(q, o))
        count = QR_FB_DEPTH;

    xc_query *pq = NULL;
    xc_status st = positive_part(q, q->windowed ? q->windowed : q->xq, &pq);
    art_list a = {0};
    uint32_t estimated = 0;
    xc_enquire *aenq = NULL, *penq = NULL;
    xc_mset *pms = NULL, *fms = NULL;
    cand *c = NULL;
    uint32_t nc = 0;
    qparts parts = {0};
    text_cache tc = {.n = 0};
    if (st == XC_OK)
        st = article_stage(s, q, o, pq != NULL, count, &a, &estimated, &aenq,
                           err);

    /* the passage stage, on the positive words, within those articles */
    qr_query pqq;
    xc_query *pflat = NULL, *restricted = NULL;
    if (st == XC_OK && pq && a.n) {
        int had = 0;
        st = xc_query_unwindow(pq, &pflat, &had);
        if (st == XC_OK)
            st = restrict_to(pflat, &a, &restricted);
        char *xerr = NULL;
        if (st == XC_OK && (st = xc_enquire_new(s->db, &penq, &xerr)) != XC_OK)
            searcher_err(err, "cannot start the search", xerr);
        free(xerr);
        pqq = *q;
        pqq.xq = restricted;
        pqq.windowed = NULL;    /* checked here, with the article's terms */
        if (st == XC_OK && o->explain)
            st = explain_base_parts(&pqq, &parts);
        if (st == XC_OK)
            st = run_configure(penq, &pqq, o);
        uint32_t per = cand_collapse_max(&pqq, o);
        uint32_t pcount = a.n * (per ? per : 1);
        if (st == XC_OK)
            st = xc_enquire_get_mset(penq, 0, pcount, 0, &pms);
        run_verifier vf = {q->windowed, arts_terms, &a};
        if (st == XC_OK)
            st = run_ranked(s, &pqq, o, pms, &c, &nc,
                            o->explain ? &parts : NULL, &tc,
                            q->windowed ? &vf : NULL);
        if (st == XC_OK && nc && c[0].article == 0)
            st = cand_article_keys(pms, c, nc);
        if (st != XC_OK && err && err->len == 0)
            searcher_err(err, st == XC_NOMEM ? "out of memory"
                                             : "search failed",
                         pms ? xc_mset_errmsg(pms)
                             : penq ? xc_enquire_errmsg(penq) : NULL);
    }

    /* each article's best passage, and the fused order */
    for (uint32_t i = 0; st == XC_OK && i < nc; i++) {
        art *x = arts_find(&a, c[i].article);
        if (x && x->best < 0)
            x->best = (int32_t)i;
    }
    uint32_t *need = NULL, nneed = 0, kept = 0;
    if (st == XC_OK && a.n && !(need = malloc(a.n * sizeof *need)))
        st = XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < a.n; i++) {
        art *x = &a.v[i];
        if (x->best < 0 && q->windowed && pq)
            continue;    /* its passages lack the phrases */
        double p = x->best >= 0 ? c[x->best].score : 0;
        x->fused = (1 - w) * p + w * x->score;
        if (x->best < 0)
            need[nneed++] = kept;
        a.v[kept++] = *x;
        if (kept - 1 != i)
            memset(x, 0, sizeof *x);
    }
    if (st == XC_OK) {
        if (q->windowed && pq && a.n) {
            /* articles were dropped: scale the count by the share kept */
            estimated = a.n ? (uint32_t)((double)estimated * kept / a.n) : 0;
            if (estimated < kept)
                estimated = kept;
        }
        a.n = kept;
        free(a.slots);
        a.slots = NULL;
        if (pq)
            qsort(a.v, a.n, sizeof *a.v, cmp_art_fused);
        if (arts_index(&a) != 0)
            st = XC_NOMEM;
    }
    /* the articles needing their first passage, by position after sort */
    nneed = 0;
    for (uint32_t i = 0; st == XC_OK && i < a.n; i++)
        if (a.v[i].best < 0)
            need[nneed++] = i;
    if (st == XC_OK)
        st = first_passages(s, &a, need, nneed, &fms);

    /* the page asked for: per article, its passages shown */
    uint32_t from = o->offset < a.n ? o->offset : a.n;
    uint32_t to = from + o->limit < a.n ? from + o->limit : a.n;
    res->estimated = estimated > a.n ? estimated : a.n;
    size_t room = (size_t)(to - from) * o->per_article;
    double *hit_prox = NULL, *hit_phrase = NULL, *hit_article = NULL;
    if (st == XC_OK && room) {
        res->hits = calloc(room, sizeof *res->hits);
        hit_prox = calloc(room, sizeof *hit_prox);
        hit_phrase = calloc(room, sizeof *hit_phrase);
        hit_article = calloc(room, sizeof *hit_article);
        if (!res->hits || !hit_prox || !hit_phrase || !hit_article)
            st = XC_NOMEM;
    }
    for (uint32_t r = from; st == XC_OK && r < to; r++) {
        art *x = &a.v[r];
        size_t before = res->n;
        if (x->best < 0) {
            int32_t i = find_first(fms, x->key);
            if (i >= 0)
                st = fill_hit(fms, (uint32_t)i, o, x->fused, r + 1, 0, res);
            for (size_t k = before; k < res->n; k++)
                hit_article[k] = x->fused;
            continue;
        }
        uint32_t shown = 0;
        for (uint32_t i = (uint32_t)x->best; st == XC_OK && i < nc &&
                                              shown < o->per_article; i++) {
            if (c[i].article != x->hash)
                continue;
            double score = (1 - w) * c[i].score + w * x->score;
            st = fill_hit(pms, c[i].index, o, score, r + 1, c[i].collapsed,
                          res);
            if (st == XC_OK && res->n > before + shown) {
                hit_prox[res->n - 1] = (1 - w) * c[i].prox;
                hit_phrase[res->n - 1] = (1 - w) * c[i].phrase;
                hit_article[res->n - 1] = w * x->score;
                shown++;
            }
        }
    }
    if (st == XC_OK && o->explain && res->n && penq)
        st = explain_hits_scaled(penq, &parts, res, hit_prox, hit_phrase,
                                 1 - w, hit_article);
    else if (st == XC_OK && o->explain && res->n)
        st = explain_hits_scaled(NULL, &parts, res, hit_prox, hit_phrase,
                                 1 - w, hit_article);
    if (st != XC_OK && err && err->len == 0)
        searcher_err(err, st == XC_NOMEM ? "out of memory"
                                         : "cannot read the results", NULL);
    free(hit_prox);
    free(hit_phrase);
    free(hit_article);
    free(need);
    free(c);
    xc_mset_free(pms);
    xc_mset_free(fms);
    explain_parts_free(&parts);
    xc_enquire_free(penq);
    xc_enquire_free(aenq);
    xc_query_free(restricted);
    xc_query_free(pflat);
    xc_query_free(pq);
    arts_free(&a);
    return st;
}

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


/* The part of from a passage can show (xc_query_positive), into *pq:
 * NULL when it has none (exclusions or filters alone). */
static xc_status positive_part(const xc_query *from, xc_query **pq)
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
    return XC_OK;
}

/* ------------------------------------------------------ passage stage */

/* One passage stage: the passages of some of the articles, ranked. */
typedef struct pstage {
    xc_query *xq;        /* the positive words within those articles     */
    xc_enquire *enq;
    xc_mset *ms;
    cand *c;             /* the candidates, in their final order          */
    uint32_t n;
    qparts parts;        /* --explain                                     */
    text_cache tc;
} pstage;

static void pstage_free(pstage *p)
{
    free(p->c);
    xc_mset_free(p->ms);
    explain_parts_free(&p->parts);
    xc_enquire_free(p->enq);
    xc_query_free(p->xq);
}

/* pq FILTER (the passages of the articles a->v[from..to)), into *out. */
static xc_status restrict_to(const xc_query *pq, const art_list *a,
                             uint32_t from, uint32_t to, xc_query **out)
{
    *out = NULL;
    uint32_t n = to - from;
    xc_query **t = calloc(n ? n : 1, sizeof *t);
    qr_buf term = {0};
    xc_status st = t ? XC_OK : XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < n; i++)
        st = qr_key_term(&term, QR_TERM_ARTICLE, a->v[from + i].key) != 0
                 ? XC_NOMEM : xc_query_new_term(term.data, 1, 0, &t[i]);
    xc_query *any = NULL, *both[2] = {NULL, NULL};
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, n, 0, &any);
    if (st == XC_OK) {
        both[0] = (xc_query *)pq;
        both[1] = any;
        st = xc_query_new_combine(XC_OP_FILTER, both, 2, 0, out);
    }
    xc_query_free(any);
    for (uint32_t i = 0; t && i < n; i++)
        xc_query_free(t[i]);
    free(t);
    qr_buf_free(&term);
    return st;
}

/* Ranks the passages of the articles a->v[from..to) for pflat (the
 * query's positive words, phrases as ANDs) as a passage search ranks
 * them, phrases checked within a passage and the other words within the
 * article; each of those articles gets this tier and its best candidate
 * (best stays -1 when no passage of it is a candidate). */
static xc_status passage_stage(qr_searcher *s, const qr_query *q,
                               const qr_search_opts *o, const xc_query *pflat,
                               art_list *a, uint32_t from, uint32_t to,
                               uint32_t tier, pstage *p, qr_buf *err)
{
    for (uint32_t i = from; i < to; i++)
        a->v[i].tier = tier;
    char *xerr = NULL;
    xc_status st = restrict_to(pflat, a, from, to, &p->xq);
    if (st == XC_OK && (st = xc_enquire_new(s->db, &p->enq, &xerr)) != XC_OK)
        searcher_err(err, "cannot start the search", xerr);
    free(xerr);
    qr_query pqq = *q;
    pqq.xq = p->xq;
    pqq.windowed = NULL;    /* checked here, with the article's terms */
    if (st == XC_OK && o->explain)
        st = explain_base_parts(&pqq, &p->parts);
    if (st == XC_OK)
        st = run_configure(p->enq, &pqq, o);
    uint32_t per = cand_collapse_max(&pqq, o);
    if (st == XC_OK)
        st = xc_enquire_get_mset(p->enq, 0, (to - from) * (per ? per : 1), 0,
                                 &p->ms);
    run_verifier vf = {q->windowed, astage_terms, a};
    if (st == XC_OK)
        st = run_ranked(s, &pqq, o, p->ms, &p->c, &p->n,
                        o->explain ? &p->parts : NULL, &p->tc,
                        q->windowed ? &vf : NULL);
    if (st == XC_OK && p->n && p->c[0].article == 0)
        st = cand_article_keys(p->ms, p->c, p->n);
    for (uint32_t i = 0; st == XC_OK && i < p->n; i++) {
        art *x = astage_find(a, p->c[i].article);
        if (x && x->tier == tier && x->best < 0)
            x->best = (int32_t)i;
    }
    if (st != XC_OK && err && err->len == 0)
        searcher_err(err, st == XC_NOMEM ? "out of memory" : "search failed",
                     p->ms ? xc_mset_errmsg(p->ms)
                           : p->enq ? xc_enquire_errmsg(p->enq) : NULL);
    return st;
}

/* The first passage of each article a->v[need[i]], read by its unique
 * term: what an article shows when none of its passages is a candidate
 * (a query of exclusions or filters alone, a match in the title). */
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
    if (st == XC_OK)
        st = searcher_fetch(s, s->db, *out, 0, xc_mset_size(*out), 0);
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

/* Relevance order: the first tier first, then by score, then by id. */
static int cmp_art_rank(const void *x, const void *y)
{
    const art *a = x, *b = y;
    if (a->tier != b->tier)
        return a->tier < b->tier ? -1 : 1;
    if (a->fused != b->fused)
        return a->fused > b->fused ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* The factor of the second tier's scores (a sorted by cmp_art_rank):
 * its articles rank after the first tier's, whose passages were ranked
 * together (feedback from their best), and their scores come from a
 * passage stage of their own, so one of them may score above the first
 * tier's last; scaled so that none does, scores fall as ranks rise, and
 * a run sorted by score (trec_eval) is the ranking shown. */
static double tier1_scale(const art_list *a)
{
    double low0 = -1, high1 = -1;
    for (uint32_t i = 0; i < a->n; i++) {
        const art *x = &a->v[i];
        if (x->tier == 0 && (low0 < 0 || x->fused < low0))
            low0 = x->fused;
        if (x->tier == 1 && x->fused > high1)
            high1 = x->fused;
    }
    return low0 >= 0 && high1 > low0 ? low0 / high1 : 1;
}

/* The evidence of each hit, kept beside res->hits for --explain. */
typedef struct hit_extra {
    double prox, phrase, article;
    uint32_t tier;
} hit_extra;

/* Puts the hits h[0..n) of one article, and their evidence, in the order
 * of the article's passages. */
static void sort_group(qr_hit *h, hit_extra *e, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && h[j].rec.ordinal < h[j - 1].rec.ordinal;
             j--) {
            qr_hit th = h[j];
            h[j] = h[j - 1];
            h[j - 1] = th;
            hit_extra te = e[j];
            e[j] = e[j - 1];
            e[j - 1] = te;
        }
}

/* Fills each hit's explanation, one run of hits of the same tier at a
 * time (a tier's passage parts are its stage's). */
static xc_status explain_tiers(pstage *ps, qr_results *res, hit_extra *e,
                               double w, const double *tier_scale)
{
    xc_status st = XC_OK;
    size_t n = res->n;
    double *prox = calloc(n ? n : 1, sizeof *prox);
    double *phrase = calloc(n ? n : 1, sizeof *phrase);
    double *article = calloc(n ? n : 1, sizeof *article);
    if (!prox || !phrase || !article)
        st = XC_NOMEM;
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        prox[i] = e[i].prox;
        phrase[i] = e[i].phrase;
        article[i] = e[i].article;
    }
    for (size_t from = 0, to; st == XC_OK && from < n; from = to) {
        for (to = from + 1; to < n && e[to].tier == e[from].tier; to++)
            ;
        qr_results view = *res;
        view.hits = res->hits + from;
        view.n = to - from;
        pstage *p = &ps[e[from].tier];
        st = explain_hits_scaled(p->enq, &p->parts, &view, prox + from,
                                 phrase + from,
                                 (1 - w) * tier_scale[e[from].tier],
                                 article + from);
    }
    free(prox);
    free(phrase);
    free(article);
    return st;
}

int articles_wanted(const qr_searcher *s, const qr_search_opts *o)
{
    return s->adb && o->per_article > 0;
}

xc_status articles_run(qr_searcher *s, const qr_query *q,
                       const qr_search_opts *o, qr_results *res, qr_buf *err)
{
    double w = o->article_weight < 0 ? 0
             : o->article_weight > 1 ? 1 : o->article_weight;
    uint64_t want = (uint64_t)o->offset + o->limit;
    xc_query *pq = NULL;
    xc_status st = positive_part(q->windowed ? q->windowed : q->xq, &pq);
    /* a query without a positive word weighs nothing: newest first */
    qr_sort order = o->sort;
    if (!pq && order == QR_SORT_RELEVANCE)
        order = QR_SORT_NEWEST;
    int by_date = order != QR_SORT_RELEVANCE;
    int phrases = q->windowed && pq;
    /* by relevance, the first QR_ARTICLE_DEPTH articles whatever the page;
     * by date the page, or more when phrases may drop some */
    uint64_t count = want + want / 2;
    if (by_date)
        count = phrases ? (want * 4 > 64 ? want * 4 : 64) : want;
    else if (count < QR_ARTICLE_DEPTH)
        count = QR_ARTICLE_DEPTH;
    if (count > UINT32_MAX / 8)
        count = UINT32_MAX / 8;

    art_list a = {0};
    uint32_t estimated = 0;
    int exact = 1;
    xc_mset *ams = NULL;
    if (st == XC_OK && order == QR_SORT_OLDEST)
        st = astage_fetch_oldest(s, q, o, (uint32_t)count, &a, &estimated,
                                 &exact, err);
    else if (st == XC_OK)
        st = astage_fetch(s, q, q->xq, o, order,
                          !by_date && feedback_wanted(q, o) ? &ams : NULL,
                          (uint32_t)count, &a, &estimated, &exact, err);
    if (st == XC_OK && astage_index(&a) != 0)
        st = XC_NOMEM;
    /* feedback over the articles: beside the passage stages with remote
     * shards (astage_rescore) */
    astage_rescore job;
    int rescoring = 0;
    if (st == XC_OK && ams && a.n) {
        st = astage_rescore_start(&job, s, q, o, ams, &a,
                                  !o->ids_only && !o->duplicates);
        rescoring = st == XC_OK;
    }

    /* the passage stages, on the positive words, within those articles */
    pstage ps[2];
    memset(ps, 0, sizeof ps);
    xc_query *pflat = NULL;
    if (st == XC_OK && pq && a.n) {
        int had = 0;
        st = xc_query_unwindow(pq, &pflat, &had);
        s->by_article = 1;
        if (!by_date) {
            uint32_t mid = a.n < QR_ARTICLE_DEPTH ? a.n : QR_ARTICLE_DEPTH;
            if (st == XC_OK)
                st = passage_stage(s, q, o, pflat, &a, 0, mid, 0, &ps[0], err);
            /* the articles past the first QR_ARTICLE_DEPTH (folded
             * duplicates made the article stage read further) rank after
             * them whatever their passages: ranked only when the page
             * reaches them, or when phrases may leave some out (which the
             * count of matches shows) */
            if (st == XC_OK && mid < a.n && (want > mid || phrases))
                st = passage_stage(s, q, o, pflat, &a, mid, a.n, 1, &ps[1],
                                   err);
            for (uint32_t i = mid; i < a.n; i++)
                a.v[i].tier = 1;
        } else {
            /* with phrases every article is checked: the page depends on
             * which are left. No feedback: its model would come from
             * whichever articles the date puts on the page, and a
             * passage's score would change with the order and the page */
            qr_search_opts dated = *o;
            dated.fb_weight = 0;
            uint32_t from = phrases || o->offset > a.n ? 0 : o->offset;
            if (st == XC_OK && from < a.n)
                st = passage_stage(s, q, &dated, pflat, &a, from, a.n, 0,
                                   &ps[0], err);
        }
        s->by_article = 0;
    }
    if (rescoring) {
        xc_status fst = astage_rescore_finish(&job, &a);
        if (st == XC_OK && fst != XC_OK) {
            st = fst;
            searcher_err(err, st == XC_NOMEM ? "out of memory"
                                             : "search failed",
                         xc_mset_errmsg(ams));
        }
    }

    /* each article's score; an article none of whose passages holds the
     * phrases is left out */
    uint32_t fetched = a.n, kept = 0;
    double tier_scale[2] = {1, 1};
    for (uint32_t i = 0; st == XC_OK && i < a.n; i++) {
        art *x = &a.v[i];
        if (phrases && x->best < 0) {
            astage_art_free(x);
            continue;
        }
        double p = x->best >= 0 ? ps[x->tier].c[x->best].score : 0;
        x->fused = (1 - w) * p + w * x->score;
        if (kept != i) {
            a.v[kept] = *x;
            memset(x, 0, sizeof *x);
        }
        kept++;
    }
    if (st == XC_OK) {
        a.n = kept;
        if (kept < fetched) {
            if (exact && estimated == fetched) {
                estimated = kept;
            } else {
                estimated = (uint32_t)((double)estimated * kept / fetched);
                exact = 0;
            }
        }
        if (estimated < kept)
            estimated = kept;
        if (!by_date && a.n)
            qsort(a.v, a.n, sizeof *a.v, cmp_art_rank);
        tier_scale[1] = tier1_scale(&a);
        for (uint32_t i = 0; i < a.n; i++)
            a.v[i].fused *= tier_scale[a.v[i].tier];
        if (astage_index(&a) != 0)
            st = XC_NOMEM;
    }
    res->estimated = estimated;
    res->exact = exact;

    /* the page asked for, and the first passage of its articles that have
     * no candidate */
    uint32_t from = o->offset < a.n ? o->offset : a.n;
    uint32_t to = want < a.n ? (uint32_t)want : a.n;
    uint32_t *need = NULL, nneed = 0;
    xc_mset *fms = NULL;
    if (st == XC_OK && to > from && !(need = malloc((to - from) * sizeof *need)))
        st = XC_NOMEM;
    for (uint32_t r = from; st == XC_OK && r < to; r++)
        if (a.v[r].best < 0)
            need[nneed++] = r;
    if (st == XC_OK)
        st = first_passages(s, &a, need, nneed, &fms);

    /* the page's duplicates, found together: found beside the passage
     * stages when the page is within the first tier */
    dup_found *found = NULL;
    size_t nfound = 0;
    if (rescoring && job.have_found) {
        int within = 1;   /* every article of the page a first-tier one */
        for (uint32_t r = from; r < to; r++)
            within = within && a.v[r].tier == 0;
        if (within) {
            found = job.found;
            nfound = job.nfound;
        } else {
            duplicates_found_free(job.found, job.nfound);
        }
        job.found = NULL;
        job.have_found = within;
    }
    if (st == XC_OK && !o->ids_only && !o->duplicates && to > from &&
        !(rescoring && job.have_found)) {
        const char **contents = malloc((to - from) * sizeof *contents);
        size_t nc = 0;
        if (!contents)
            st = XC_NOMEM;
        for (uint32_t r = from; st == XC_OK && r < to; r++)
            if (a.v[r].content)
                contents[nc++] = a.v[r].content;
        if (st == XC_OK)
            st = duplicates_find(s, q, contents, nc, &found, &nfound);
        free(contents);
    }

    /* the page's passages read ahead, each stage's together */
    for (uint32_t t = 0; st == XC_OK && t < 2 && s->remotes; t++) {
        const pstage *p = &ps[t];
        uint32_t *items = p->n ? malloc(p->n * sizeof *items) : NULL;
        uint32_t nitems = 0;
        if (p->n && !items)
            st = XC_NOMEM;
        for (uint32_t r = from; st == XC_OK && r < to; r++) {
            const art *x = &a.v[r];
            if (x->tier != t || x->best < 0)
                continue;
            uint32_t got = 0;
            for (uint32_t i = (uint32_t)x->best;
                 i < p->n && got < o->per_article; i++)
                if (p->c[i].article == x->hash) {
                    items[nitems++] = p->c[i].index;
                    got++;
                }
        }
        if (st == XC_OK)
            st = searcher_fetch_items(s, s->db, p->ms, items, nitems, 0);
        free(items);
    }

    size_t room = (size_t)(to - from) * o->per_article;
    hit_extra *e = NULL;
    if (st == XC_OK && room) {
        res->hits = calloc(room, sizeof *res->hits);
        e = calloc(room, sizeof *e);
        if (!res->hits || !e)
            st = XC_NOMEM;
    }
    for (uint32_t r = from; st == XC_OK && r < to; r++) {
        art *x = &a.v[r];
        size_t before = res->n;
        if (x->best < 0) {
            int32_t i = find_first(fms, x->key);
            if (i >= 0)
                st = run_fill_hit(fms, (uint32_t)i, o, x->fused, r + 1, 0,
                                  res);
        }
        const pstage *p = &ps[x->tier];
        for (uint32_t i = x->best < 0 ? p->n : (uint32_t)x->best;
             st == XC_OK && i < p->n && res->n - before < o->per_article;
             i++) {
            if (p->c[i].article != x->hash)
                continue;
            size_t at = res->n;
            double f = tier_scale[x->tier];
            st = run_fill_hit(p->ms, p->c[i].index, o,
                              f * ((1 - w) * p->c[i].score + w * x->score),
                              r + 1, p->c[i].collapsed, res);
            if (st == XC_OK && res->n > at) {
                e[at].prox = f * (1 - w) * p->c[i].prox;
                e[at].phrase = f * (1 - w) * p->c[i].phrase;
            }
        }
        for (size_t k = before; k < res->n; k++) {
            e[k].article = tier_scale[x->tier] * w * x->score;
            e[k].tier = x->tier;
        }
        sort_group(res->hits + before, e + before, res->n - before);
        if (st == XC_OK && x->content && !o->ids_only && !o->duplicates)
            st = duplicates_fill(found, nfound, x->key, x->content,
                                 &x->dup_keys, x->dups, res->hits + before,
                                 res->n - before);
    }
    if (st == XC_OK && o->explain && res->n)
        st = explain_tiers(ps, res, e, w, tier_scale);
    if (st != XC_OK && err && err->len == 0)
        searcher_err(err, st == XC_NOMEM ? "out of memory"
                                         : "cannot read the results", NULL);
    free(e);
    free(need);
    duplicates_found_free(found, nfound);
    xc_mset_free(fms);
    pstage_free(&ps[0]);
    pstage_free(&ps[1]);
    xc_query_free(pflat);
    xc_query_free(pq);
    xc_mset_free(ams);
    astage_arts_free(&a);
    return st;
}

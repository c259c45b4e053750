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

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Matches counted exactly when sorting by date (xapian-core's
 * check_at_least). */
#define QR_EXACT_COUNT 10000

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

static void art_free(art *x)
{
    free(x->key);
    free(x->content);
    strlist_free(x->terms.v, x->terms.n);
    strlist_free(x->dup_keys.v, x->dup_keys.n);
    memset(x, 0, sizeof *x);
}

static void arts_free(art_list *a)
{
    for (uint32_t i = 0; i < a->n; i++)
        art_free(&a->v[i]);
    free(a->v);
    free(a->slots);
    memset(a, 0, sizeof *a);
}

/* A new article at the end of a (zeroed), or NULL on out of memory. */
static art *arts_push(art_list *a)
{
    if (a->n == a->cap_v) {
        uint32_t cap = a->cap_v ? 2 * a->cap_v : 64;
        art *v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return NULL;
        a->v = v;
        a->cap_v = cap;
    }
    art *x = &a->v[a->n++];
    memset(x, 0, sizeof *x);
    x->best = -1;
    return x;
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

/* (Re)builds the hash index of a. Returns 0, or -1 on out of memory. */
static int arts_index(art_list *a)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)a->n)
        cap *= 2;
    free(a->slots);
    a->slots = calloc(cap, sizeof *a->slots);
    a->cap = a->slots ? cap : 0;
    if (!a->slots)
        return -1;
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

static xc_status set_order(xc_enquire *enq, qr_sort order)
{
    switch (order) {
    case QR_SORT_NEWEST:
        return xc_enquire_set_sort_by_value(enq, QR_SLOT_DATE, 1);
    case QR_SORT_OLDEST:
        return xc_enquire_set_sort_by_value(enq, QR_SLOT_DATE, 0);
    case QR_SORT_RELEVANCE:
        break;
    }
    /* equal scores in id order, whatever the document ids */
    return xc_enquire_set_sort_by_relevance_then_value(enq, QR_SLOT_ARTICLE,
                                                       0);
}

/* The article of a whose content is content, or NULL. Articles of one
 * text score alike and stand together in the ranking: a scan of those
 * fetched finds them (xapian-core's collapse on the value slot would
 * find them all, but reads the value of every match: ten times the time
 * of a broad query on a large index). */
static art *arts_find_content(const art_list *a, const char *content)
{
    for (uint32_t i = 0; i < a->n; i++)
        if (a->v[i].content && strcmp(a->v[i].content, content) == 0)
            return &a->v[i];
    return NULL;
}

/* Reads article i of ms onto the end of a: key (the sort key when
 * key_sorted), score, content hash (the collapse key when content_key),
 * and with phrases the query terms it has; unless keep_dups, an article
 * whose content one of a already has is folded into it instead. */
static xc_status push_article(xc_enquire *enq, xc_mset *ms, const cand *c,
                              const qr_query *q, int keep_dups, int key_sorted,
                              int content_key, art_list *a)
{
    xc_match m;
    size_t len = 0, clen = 0;
    char *key = NULL, *content = NULL;
    xc_status st = xc_mset_get(ms, c->index, &m);
    /* ranked by relevance, equal scores by id: the id is the sort key the
     * match kept, one value read the fewer per candidate */
    if (st == XC_OK)
        st = key_sorted
            ? xc_mset_get_sort_key(ms, c->index, &key, &len)
            : xc_mset_get_value(ms, c->index, QR_SLOT_ARTICLE, &key, &len);
    if (st == XC_OK)
        st = content_key
            ? xc_mset_get_collapse_key(ms, c->index, &content, &clen)
            : xc_mset_get_value(ms, c->index, QR_SLOT_CONTENT, &content,
                                &clen);
    if (st == XC_OK && !key && !(key = calloc(1, 1)))
        st = XC_NOMEM;
    if (st == XC_OK && content && !clen) {
        free(content);
        content = NULL;
    }
    art *same = st == XC_OK && content && !keep_dups
              ? arts_find_content(a, content) : NULL;
    if (same) {
        same->dups++;
        st = strlist_add(&same->dup_keys, key, len) != 0 ? XC_NOMEM : XC_OK;
        free(key);
        free(content);
        return st;
    }
    art *x = st == XC_OK ? arts_push(a) : NULL;
    if (st == XC_OK && !x)
        st = XC_NOMEM;
    if (st != XC_OK) {
        free(key);
        free(content);
        return st;
    }
    x->key = key;
    x->content = content;
    x->hash = qr_hash64(x->key, len, 0);
    x->score = c->score;
    x->index = c->index;
    if (q->windowed) {
        strlist_sink sink = {&x->terms, 0};
        st = xc_enquire_matching_terms_each(enq, m.docid, strlist_sink_add,
                                            &sink);
        if (st == XC_OK && sink.failed)
            st = XC_NOMEM;
        if (st == XC_OK)
            strlist_uniq(&x->terms);
    }
    return st;
}

/* Feedback over the article stage's articles, read from ms: the model
 * from the first of them, the first QR_ARTICLE_DEPTH rescored. It only
 * adds to their scores, so those stay the first QR_ARTICLE_DEPTH, the
 * articles whose passages the passage stage ranks: with remote shards it
 * runs in a thread of its own, beside the passage stage (the article
 * documents are other servers'), where one after the other cost its
 * five rounds of requests more. */
typedef struct rescore_job {
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
} rescore_job;

static void *rescore_run(void *arg)
{
    rescore_job *j = arg;
    j->st = feedback_rescore_in(j->s, j->s->adb, j->q, j->o,
                                &j->o->article_bm25, j->ms, j->c, j->n, NULL,
                                0, QR_ARTICLE_DEPTH);
    if (j->st == XC_OK && j->contents) {
        j->st = duplicates_find(j->s, j->q, j->contents, j->ncontents,
                                &j->found, &j->nfound);
        j->have_found = j->st == XC_OK;
    }
    return NULL;
}

/* Starts the feedback over a->v[0..a->n) (ms: the article stage's
 * results): in a thread with remote shards, else here and now. With
 * dups, the thread finds the duplicates too. */
static xc_status rescore_start(rescore_job *j, qr_searcher *s,
                               const qr_query *q, const qr_search_opts *o,
                               xc_mset *ms, const art_list *a, int dups)
{
    memset(j, 0, sizeof *j);
    j->s = s;
    j->q = q;
    j->o = o;
    j->ms = ms;
    j->n = a->n;
    j->c = calloc(a->n ? a->n : 1, sizeof *j->c);
    if (!j->c)
        return j->st = XC_NOMEM;
    for (uint32_t i = 0; i < a->n; i++) {
        j->c[i].index = a->v[i].index;
        j->c[i].score = a->v[i].score;
    }
    uint32_t first = a->n < QR_ARTICLE_DEPTH ? a->n : QR_ARTICLE_DEPTH;
    if (s->remotes && dups &&
        (j->contents = malloc(first * sizeof *j->contents)) != NULL)
        for (uint32_t i = 0; i < first; i++)
            if (a->v[i].content)
                j->contents[j->ncontents++] = a->v[i].content;
    if (s->remotes && pthread_create(&j->thread, NULL, rescore_run, j) == 0) {
        j->threaded = 1;
    } else {
        /* locally, or no thread to be had: the duplicates of the page
         * alone, later */
        free(j->contents);
        j->contents = NULL;
        rescore_run(j);
    }
    return XC_OK;
}

/* Waits for the feedback and puts a's articles in their new order, with
 * their new scores. Returns the feedback's status. */
static xc_status rescore_finish(rescore_job *j, art_list *a)
{
    if (j->threaded)
        pthread_join(j->thread, NULL);
    j->threaded = 0;
    xc_status st = j->st;
    uint32_t n = j->n;
    art *v = st == XC_OK ? malloc((n ? n : 1) * sizeof *v) : NULL;
    uint32_t *at = st == XC_OK
                 ? calloc(xc_mset_size(j->ms) + 1, sizeof *at) : NULL;
    if (st == XC_OK && (!v || !at))
        st = XC_NOMEM;
    if (st == XC_OK) {
        for (uint32_t i = 0; i < n; i++)
            at[a->v[i].index] = i;
        memcpy(v, a->v, n * sizeof *v);
        for (uint32_t i = 0; i < n; i++) {
            a->v[i] = v[at[j->c[i].index]];
            a->v[i].score = j->c[i].score;
        }
        if (arts_index(a) != 0)
            st = XC_NOMEM;
    }
    free(v);
    free(at);
    free(j->c);
    j->c = NULL;
    free(j->contents);
    j->contents = NULL;
    return st;
}

/* Runs xq on the article documents and appends the first count matching
 * articles, in the given order, to a: scored by BM25 over whole articles;
 * articles of the same content folded into the first unless
 * o->duplicates. With keep, the results are left in *keep (freed by the
 * caller), for feedback over them (rescore_start).
 * Adds how many match in all to *estimated; clears *exact when that is an
 * estimate. */
static xc_status fetch_articles(qr_searcher *s, const qr_query *q,
                                const xc_query *xq, const qr_search_opts *o,
                                qr_sort order, xc_mset **keep, uint32_t count,
                                art_list *a, uint32_t *estimated, int *exact,
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
    st = xc_enquire_set_query(enq, xq, 0);
    if (st == XC_OK)
        st = xc_enquire_set_bm25(enq, o->article_bm25.k1, o->article_bm25.k2,
                                 o->article_bm25.k3, o->article_bm25.b,
                                 o->article_bm25.min_normlen);
    if (st == XC_OK)
        st = set_order(enq, order);
    /* with remote shards each article's content hash comes with the
     * results as its collapse key, none collapsed (the folding is below,
     * as locally): a document read each costs a round trip there, while
     * locally the collapse would read the value of every match */
    int content_key = s->remotes != NULL;
    if (st == XC_OK && content_key)
        st = xc_enquire_set_collapse_key(enq, QR_SLOT_CONTENT, UINT32_MAX);
    /* duplicates are folded first, so that feedback's model comes from
     * distinct articles; when they leave fewer than count, read further */
    cand *c = NULL;
    uint32_t n = 0, before = a->n, est = 0, want = count;
    int is_exact = 1;
    /* by relevance a quarter more at once, and some: duplicates rarely
     * leave too few then, where reading further costs a second match */
    if (order == QR_SORT_RELEVANCE && count < UINT32_MAX / 16)
        count += count / 4 + 16;
    for (;;) {
        /* by date every match is looked at anyway: count them exactly (up
         * to QR_EXACT_COUNT), rather than a rough estimate */
        if (st == XC_OK)
            st = xc_enquire_get_mset(enq, 0, count,
                                     order == QR_SORT_RELEVANCE
                                         ? 0 : QR_EXACT_COUNT, &ms);
        if (st == XC_OK) {
            est = xc_mset_matches_estimated(ms);
            is_exact = xc_mset_matches_exact(ms);
            n = xc_mset_size(ms);
            st = cand_from_mset(ms, &c);
        }
        /* by date the keys are values: read side by side */
        if (st == XC_OK && order != QR_SORT_RELEVANCE)
            st = searcher_fetch(s, s->adb, ms, 0, n, 0);
        for (uint32_t i = 0; st == XC_OK && i < n; i++)
            st = push_article(enq, ms, &c[i], q, o->duplicates,
                              order == QR_SORT_RELEVANCE, content_key, a);
        uint32_t kept = a->n - before;
        if (st != XC_OK || kept >= want || n < count ||
            count >= UINT32_MAX / 16)
            break;
        while (a->n > before)
            art_free(&a->v[--a->n]);
        free(c);
        c = NULL;
        xc_mset_free(ms);
        ms = NULL;
        /* as many more as the share of duplicates says, and some */
        uint64_t next = (uint64_t)count * want / (kept ? kept : 1);
        next += next / 4 + 16;
        count = next > UINT32_MAX / 16 ? UINT32_MAX / 16 : (uint32_t)next;
    }
    /* the duplicates folded are not results of their own */
    uint32_t folded = st == XC_OK ? n - (a->n - before) : 0;
    *estimated += est > folded ? est - folded : 0;
    if (!is_exact)
        *exact = 0;
    if (st != XC_OK)
        searcher_err(err, st == XC_NOMEM ? "out of memory" : "search failed",
                     ms ? xc_mset_errmsg(ms) : xc_enquire_errmsg(enq));
    free(c);
    if (keep && st == XC_OK)
        *keep = ms;
    else
        xc_mset_free(ms);
    xc_enquire_free(enq);
    return st;
}

/* The articles of xq oldest first, those without a date after them: a
 * sort by value puts an empty value first. */
static xc_status fetch_oldest(qr_searcher *s, const qr_query *q,
                              const qr_search_opts *o, uint32_t count,
                              art_list *a, uint32_t *estimated, int *exact,
                              qr_buf *err)
{
    xc_query *dated = NULL, *with = NULL, *without = NULL, *both[2];
    xc_status st = xc_query_new_value_range(QR_SLOT_DATE, "0", NULL, &dated);
    both[0] = q->xq;
    both[1] = dated;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_FILTER, both, 2, 0, &with);
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_AND_NOT, both, 2, 0, &without);
    if (st == XC_OK)
        st = fetch_articles(s, q, with, o, QR_SORT_OLDEST, NULL, count, a,
                            estimated, exact, err);
    if (st == XC_OK && a->n < count)
        st = fetch_articles(s, q, without, o, QR_SORT_OLDEST, NULL,
                            count - a->n, a, estimated, exact, err);
    else if (st == XC_OK)
        *exact = 0;    /* the undated were not counted */
    if (st == XC_NOMEM && err && !err->len)
        searcher_err(err, "out of memory", NULL);
    xc_query_free(dated);
    xc_query_free(with);
    xc_query_free(without);
    return st;
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
    run_verifier vf = {q->windowed, arts_terms, a};
    if (st == XC_OK)
        st = run_ranked(s, &pqq, o, p->ms, &p->c, &p->n,
                        o->explain ? &p->parts : NULL, &p->tc,
                        q->windowed ? &vf : NULL);
    if (st == XC_OK && p->n && p->c[0].article == 0)
        st = cand_article_keys(p->ms, p->c, p->n);
    for (uint32_t i = 0; st == XC_OK && i < p->n; i++) {
        art *x = arts_find(a, p->c[i].article);
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
        st = fetch_oldest(s, q, o, (uint32_t)count, &a, &estimated, &exact,
                          err);
    else if (st == XC_OK)
        st = fetch_articles(s, q, q->xq, o, order,
                            !by_date && feedback_wanted(q, o) ? &ams : NULL,
                            (uint32_t)count, &a, &estimated, &exact, err);
    if (st == XC_OK && arts_index(&a) != 0)
        st = XC_NOMEM;
    /* feedback over the articles: beside the passage stages with remote
     * shards (rescore_job) */
    rescore_job job;
    int rescoring = 0;
    if (st == XC_OK && ams && a.n) {
        st = rescore_start(&job, s, q, o, ams, &a,
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
        xc_status fst = rescore_finish(&job, &a);
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
            art_free(x);
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
        if (arts_index(&a) != 0)
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
    arts_free(&a);
    return st;
}

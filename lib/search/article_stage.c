/*
 * article_stage.c — the article stage of a search by article (articles.c):
 * which articles match a query as a whole, run on the index's article
 * documents (its operators and filters decide at the article level), in
 * what order (BM25 over whole articles, or by date), with duplicates
 * folded; and feedback over them, beside the passage stages when the
 * shards are remote. The list of articles it fills is the search's.
 */
#include "search_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Matches counted exactly when sorting by date (xapian-core's
 * check_at_least). */
#define QR_EXACT_COUNT 10000

void astage_art_free(art *x)
{
    free(x->key);
    free(x->content);
    strlist_free(x->terms.v, x->terms.n);
    strlist_free(x->dup_keys.v, x->dup_keys.n);
    memset(x, 0, sizeof *x);
}

void astage_arts_free(art_list *a)
{
    for (uint32_t i = 0; i < a->n; i++)
        astage_art_free(&a->v[i]);
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

art *astage_find(const art_list *a, uint64_t hash)
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
int astage_index(art_list *a)
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
const strlist *astage_terms(void *ctx, uint64_t hash)
{
    const art *x = astage_find(ctx, hash);
    return x ? &x->terms : NULL;
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


static void *rescore_run(void *arg)
{
    astage_rescore *j = arg;
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
xc_status astage_rescore_start(astage_rescore *j, qr_searcher *s,
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
xc_status astage_rescore_finish(astage_rescore *j, art_list *a)
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
        if (astage_index(a) != 0)
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
 * caller), for feedback over them (astage_rescore_start).
 * Adds how many match in all to *estimated; clears *exact when that is an
 * estimate. */
xc_status astage_fetch(qr_searcher *s, const qr_query *q,
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
            astage_art_free(&a->v[--a->n]);
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
xc_status astage_fetch_oldest(qr_searcher *s, const qr_query *q,
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
        st = astage_fetch(s, q, with, o, QR_SORT_OLDEST, NULL, count, a,
                            estimated, exact, err);
    if (st == XC_OK && a->n < count)
        st = astage_fetch(s, q, without, o, QR_SORT_OLDEST, NULL,
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

/*
 * run.c — the driver of a search: one attempt reads the mset, ranks its
 * candidates and fills the hits; qr_search_run retries when the index
 * changed or a wildcard was too broad.
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

qr_search_opts qr_search_defaults(void)
{
    qr_search_opts o = {.offset = 0, .limit = 10, .per_article = 1,
                        .phrase = QR_DEFAULT_PHRASE,
                        .proximity = QR_DEFAULT_PROXIMITY,
                        .fb_docs = QR_DEFAULT_FB_DOCS,
                        .fb_terms = QR_DEFAULT_FB_TERMS,
                        .fb_weight = QR_DEFAULT_FB_WEIGHT,
                        .bm25 = qr_bm25_defaults(),
                        .article_weight = QR_DEFAULT_ARTICLE_WEIGHT,
                        .article_bm25 = qr_bm25_defaults()};
    return o;
}

void qr_results_free(qr_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->hits[i].data);
        explain_free_parts(r->hits[i].parts, r->hits[i].nparts);
        strlist_free(r->hits[i].duplicate_ids, r->hits[i].nduplicate_ids);
    }
    free(r->hits);
    qr_query_free(r->searched);
    memset(r, 0, sizeof *r);
}

/* ids_only: the article id (data, len bytes, NUL-terminated by the
 * binding) and the ordinal from the values; everything else empty. */
xc_status run_ids_from_values(xc_mset *ms, uint32_t i, char *data,
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

/* The results of ms in their final order: as candidates, the hits whose
 * text lacks the query's phrases dropped, reranked by the text's
 * evidence, rescored by feedback (then reranked again), collapsed to
 * o->per_article passages per article. *out is NULL when none is left;
 * *n is their number. With parts, the feedback terms are added to it. */
xc_status run_ranked(qr_searcher *s, const qr_query *q,
                     const qr_search_opts *o, xc_mset *ms, cand **out,
                     uint32_t *n, qparts *parts, text_cache *tc,
                     const run_verifier *vf)
{
    *n = xc_mset_size(ms);
    xc_status st = cand_from_mset(ms, out);
    int rerank = rerank_wanted(q, o), fb = feedback_wanted(q, o);
    int collapse = o->per_article && cand_collapse_max(q, o) > o->per_article;
    if (st == XC_OK && (collapse || vf))
        st = cand_article_keys(ms, *out, *n);
    if (st == XC_OK && vf)
        st = verify_hits_in(s, vf->windowed, ms, *out, n, vf->article_terms,
                            vf->ctx);
    else if (st == XC_OK && q->windowed)
        st = verify_hits(s, q, ms, *out, n);
    if (st == XC_OK && rerank)
        st = rerank_text(s, q, o, ms, *out, *n, tc);
    if (st == XC_OK && fb && *n) {
        st = feedback_rescore(s, q, o, ms, *out, *n, parts);
        if (st == XC_OK && rerank)
            st = rerank_text(s, q, o, ms, *out, *n, tc);
    }
    if (st == XC_OK && collapse &&
        cand_collapse(*out, n, o->per_article) != 0)
        st = XC_NOMEM;
    return st;
}

/* Sets up enq for q: its query, BM25, the collapse to articles (with the
 * spare passages), and the order of equal scores. */
xc_status run_configure(xc_enquire *enq, const qr_query *q,
                        const qr_search_opts *o)
{
    xc_status st = xc_enquire_set_query(enq, q->xq, 0);
    if (st == XC_OK)
        st = xc_enquire_set_bm25(enq, o->bm25.k1, o->bm25.k2, o->bm25.k3,
                                 o->bm25.b, o->bm25.min_normlen);
    if (st == XC_OK && o->per_article > 0)
        st = xc_enquire_set_collapse_key(enq, QR_SLOT_ARTICLE,
                                         cand_collapse_max(q, o));
    /* equal scores in article order, not in docid order: which passages
     * feed back and which are reranked must not change when a rebuild
     * gives the same passages other ids */
    if (st == XC_OK)
        st = xc_enquire_set_sort_by_relevance_then_value(enq,
                                                         QR_SLOT_ARTICLE, 0);
    return st;
}

/* The estimated number of matches when the candidates were read from the
 * top: exact when all of them were read (fetched < count); else scaled by
 * the share of the fetched ones kept (phrases checked, spare passages
 * collapsed); never below the n kept. */
static void run_estimate(qr_results *res, uint32_t n, uint32_t fetched,
                         uint32_t count)
{
    res->exact = fetched < count;
    if (fetched < count)
        res->estimated = n;
    else if (fetched)
        res->estimated = (uint32_t)((double)res->estimated * n / fetched);
    if (res->estimated < n)
        res->estimated = n;
}

xc_status run_fill_hit(xc_mset *ms, uint32_t i, const qr_search_opts *o,
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
    h->rank = rank ? rank : m.rank + 1;
    h->score = score;
    h->docid = m.docid;
    h->collapsed = collapsed;
    res->n++;
    return XC_OK;
}

/* Fills res->hits from the candidates c[from..to) of ms (ranks counted
 * from the top when from_top, else as the mset ranks them), and each
 * hit's text evidence into prox[] and phrase[]. */
static xc_status run_fill_hits(xc_mset *ms, const cand *c, uint32_t from,
                               uint32_t to, int from_top,
                               const qr_search_opts *o, qr_results *res,
                               double *prox, double *phrase)
{
    xc_status st = XC_OK;
    for (uint32_t k = from; st == XC_OK && k < to; k++) {
        size_t at = res->n;
        st = run_fill_hit(ms, c[k].index, o, c[k].score,
                          from_top ? k + 1 : 0, c[k].collapsed, res);
        if (st == XC_OK && res->n > at) {
            prox[at] = c[k].prox;
            phrase[at] = c[k].phrase;
        }
    }
    return st;
}

/* One attempt: enquire, mset, records. Returns the binding's status; on
 * failure the message is in err. */
static xc_status run_once(qr_searcher *s, const qr_query *q,
                          const qr_search_opts *o, qr_results *res,
                          qr_buf *err)
{
    if (articles_wanted(s, o))
        return articles_run(s, q, o, res, err);
    if (o->sort != QR_SORT_RELEVANCE) {
        searcher_err(err, o->per_article
                              ? "sorting by date needs an index with its "
                                "articles (rebuild it with this version)"
                              : "sorting by date ranks articles, not "
                                "passages", NULL);
        return XC_INVALID_ARG;
    }
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    char *xerr = NULL;
    xc_status st = xc_enquire_new(s->db, &enq, &xerr);
    if (st != XC_OK) {
        searcher_err(err, "cannot start the search", xerr);
        free(xerr);
        return st;
    }
    qparts parts = {0};
    text_cache tc = {.n = 0};   /* all slots free */
    if (o->explain)
        st = explain_base_parts(q, &parts);
    if (st == XC_OK)
        st = run_configure(enq, q, o);

    /* The text's evidence reorders the first qr_prox_depth results,
     * feedback rescores the first QR_FB_DEPTH, and phrases drop the hits
     * whose text lacks them, so those lists are read from the top; for
     * phrases, and for the articles' spare passages, read further until
     * enough hits are left (or QR_VERIFY_MAX candidates were read). */
    int rerank = rerank_wanted(q, o), fb = feedback_wanted(q, o);
    int from_top = rerank || fb || q->windowed;
    uint32_t want = o->offset + o->limit;
    uint32_t first = from_top ? 0 : o->offset;
    uint32_t most = qr_prox_depth(want);
    uint32_t count = from_top ? (want > most ? want : most) : o->limit;
    if (cand_collapse_max(q, o) > o->per_article)
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
        st = searcher_fetch(s, s->db, ms, 0, fetched, 0);
        if (st != XC_OK)
            break;
        res->estimated = xc_mset_matches_estimated(ms);
        res->exact = xc_mset_matches_exact(ms);
        explain_parts_truncate(&parts, nbase);
        st = run_ranked(s, q, o, ms, &c, &n, o->explain ? &parts : NULL, &tc,
                        NULL);
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
        searcher_err(err, st == XC_NOMEM ? "out of memory" : "search failed",
                     ms ? xc_mset_errmsg(ms) : xc_enquire_errmsg(enq));
        free(c);
        xc_mset_free(ms);
        explain_parts_free(&parts);
        xc_enquire_free(enq);
        return st;
    }
    if (from_top)
        run_estimate(res, n, fetched, count);

    /* the page asked for: the candidates were read from the top, or the
     * mset starts at the offset */
    uint32_t from = from_top ? o->offset : 0;
    uint32_t to = from + o->limit < n ? from + o->limit : n;
    if (from > to)
        from = to;
    double *hit_prox = NULL, *hit_phrase = NULL;
    if (to > from) {
        res->hits = calloc(to - from, sizeof *res->hits);
        hit_prox = calloc(to - from, sizeof *hit_prox);
        hit_phrase = calloc(to - from, sizeof *hit_phrase);
        if (!res->hits || !hit_prox || !hit_phrase)
            st = XC_NOMEM;
    }
    if (st == XC_OK)
        st = run_fill_hits(ms, c, from, to, from_top, o, res, hit_prox,
                           hit_phrase);
    if (st != XC_OK)
        searcher_err(err, st == XC_NOMEM ? "out of memory"
                                         : "cannot read the results",
                     xc_mset_errmsg(ms));
    xc_mset_free(ms);
    if (st == XC_OK && o->explain && res->n) {
        st = explain_hits(enq, &parts, res, hit_prox, hit_phrase);
        if (st != XC_OK)
            searcher_err(err, st == XC_NOMEM ? "out of memory"
                                             : "cannot explain the results",
                         xc_enquire_errmsg(enq));
    }
    free(hit_prox);
    free(hit_phrase);
    free(c);
    explain_parts_free(&parts);
    xc_enquire_free(enq);
    return st;
}

/* q found nothing: when its spelling suggestion finds something, res
 * becomes the suggestion's results (res->corrected). A failure here keeps
 * res as it was: the suggestion is a nicety. */
static void try_suggestion(qr_searcher *s, const qr_query *q,
                           const qr_search_opts *o, qr_results *res)
{
    unsigned features = s->features;
    qr_query *fixed = NULL;
    qr_results alt = {0};
    /* the suggestion is the index's own words: no suggestion of its own */
    s->features &= ~(unsigned)QR_FEAT_SPELLING;
    qr_status st = qr_query_parse(s, q->suggestion, q->level, &fixed, NULL);
    s->features = features;
    if (st != QR_OK || fixed->empty) {
        qr_query_free(fixed);
        return;
    }
    for (unsigned tries = 0; tries <= QR_MODIFIED_RETRIES; tries++) {
        xc_status xs = run_once(s, fixed, o, &alt, NULL);
        if (xs == XC_OK)
            break;
        qr_results_free(&alt);
        if (xs != XC_MODIFIED || xc_db_reopen(s->db, NULL) != XC_OK ||
            (s->adb && xc_db_reopen(s->adb, NULL) != XC_OK)) {
            qr_query_free(fixed);
            return;
        }
    }
    if (alt.n == 0) {
        qr_results_free(&alt);
        qr_query_free(fixed);
        return;
    }
    qr_results_free(res);
    *res = alt;
    res->corrected = 1;
    res->searched = fixed;
}

qr_status qr_search_run(qr_searcher *s, const qr_query *q,
                        const qr_search_opts *opts, qr_results *out,
                        qr_buf *err)
{
    if (!s || !q || !opts || !out || opts->limit == 0 ||
        opts->offset > UINT32_MAX - opts->limit) {
        searcher_err(err, "invalid search options", NULL);
        return QR_ERR_USAGE;
    }
    qr_results res = {0};
    unsigned reopened = 0;
    qr_query *searched = NULL;    /* q without its wildcards, once needed */
    for (;;) {
        xc_status st = run_once(s, searched ? searched : q, opts, &res, err);
        if (st == XC_OK)
            break;
        qr_results_free(&res);
        if (st == XC_MODIFIED && reopened < QR_MODIFIED_RETRIES) {
            reopened++;
            st = xc_db_reopen(s->db, NULL);
            if (st == XC_OK && s->adb)
                st = xc_db_reopen(s->adb, NULL);
            if (st == XC_OK)
                continue;
            searcher_err(err, "cannot reopen the index", xc_db_errmsg(s->db));
        } else if (st == XC_RANGE && !searched &&
                   q->level == QR_PARSE_FULL) {
            /* a wildcard matched too many terms: search it as a word, in
             * a copy of q (the caller's query stays as it was parsed) */
            qr_status rc = parse_without_wildcards(s, q, &searched, err);
            if (rc != QR_OK)
                return rc;
            continue;
        }
        qr_query_free(searched);
        /* not qr_status_from_xc: whatever the binding calls a failure in
         * the middle of a search (XC_NOT_FOUND: a passage gone, XC_IO) is
         * the index's, and the tools report it so */
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
    res.wildcard_dropped = searched != NULL;
    res.searched = searched;
    if (res.n == 0 && q->suggestion && !searched && opts->offset == 0)
        try_suggestion(s, q, opts, &res);
    *out = res;
    return QR_OK;
}

/*
 * rerank.c — the text's evidence: term proximity and the query's words as
 * a phrase, read from the top candidates' text, added to their scores.
 */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "proximity.h"
#include "schema.h"

/* docid's slot in tc: its entry, or the free slot where it would go */
static struct text_seen *text_slot(text_cache *tc, uint32_t docid)
{
    size_t h = (docid * 2654435761u) & (QR_TEXT_SLOTS - 1);
    while (tc->slot[h].docid && tc->slot[h].docid != docid)
        h = (h + 1) & (QR_TEXT_SLOTS - 1);
    return &tc->slot[h];
}

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

/* The QR_SLOT_LENGTH value of result i of ms into *length: 1 when it has
 * one, 0 when not (or it is not a length), -1 on failure (*st set). */
static int stored_length(xc_mset *ms, uint32_t i, uint32_t *length,
                         xc_status *st)
{
    char *v = NULL;
    size_t len = 0;
    *st = xc_mset_get_value(ms, i, QR_SLOT_LENGTH, &v, &len);
    int have = *st == XC_OK && qr_length_decode(v, len, length) == 0;
    free(v);
    return *st != XC_OK ? -1 : have;
}

/* The length of result i's passage, which BM25 normalises by: the one
 * stored with it (QR_SLOT_LENGTH, read with its document), else asked of
 * the database (an index from before it). The same number either way. */
static xc_status passage_length(qr_searcher *s, xc_mset *ms, uint32_t i,
                                uint32_t *length)
{
    xc_status st;
    if (stored_length(ms, i, length, &st) != 0)
        return st;
    return xc_mset_doclength(ms, s->db, i, length);
}

/* With remote shards, reads ahead the documents of the results
 * items[0..n) of ms, and then the lengths of those that do not store
 * theirs (passage_length): a passage indexed with its length costs no
 * length request, one from before costs one, side by side with the
 * others'. */
static xc_status fetch_passages(qr_searcher *s, xc_mset *ms, uint32_t *items,
                                uint32_t n)
{
    if (!s->remotes || n == 0)
        return XC_OK;
    xc_status st = searcher_fetch_items(s, s->db, ms, items, n, 0);
    /* items is ours: those without a length are gathered in place */
    uint32_t nold = 0, length;
    for (uint32_t k = 0; st == XC_OK && k < n; k++)
        if (stored_length(ms, items[k], &length, &st) == 0)
            items[nold++] = items[k];
    if (st == XC_OK && nold)
        st = searcher_fetch_items(s, s->db, ms, items, nold, XC_READ_LENGTH);
    return st;
}

/* Adds the text's evidence — o->proximity times the proximity score, and
 * o->phrase times the phrase evidence — to the first qr_prox_depth
 * candidates and reorders them (stable: ties keep the BM25 order). The
 * rest keep their order: the evidence only adds, so none of them can pass
 * a reordered one. */
xc_status rerank_text(qr_searcher *s, const qr_query *q,
                      const qr_search_opts *o, xc_mset *ms, cand *c,
                      uint32_t n, text_cache *tc)
{
    const char *const *terms;
    size_t nt;
    prox_terms(q, &terms, &nt);
    /* the candidates of the first qr_prox_depth articles (articles may
     * bring spare passages: see QR_PASSAGE_SPARE) */
    uint32_t depth = 0, articles = 0;
    uint32_t most = s->by_article ? QR_PROX_DEPTH
                                  : qr_prox_depth(o->offset + o->limit);
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
    xc_status st = searcher_scanner(s);
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
    /* the passages not seen yet read ahead, side by side from remote
     * shards */
    uint32_t *items = calloc(depth, sizeof *items);
    uint32_t nitems = 0;
    if (!items)
        st = XC_NOMEM;
    for (uint32_t i = 0; st == XC_OK && i < depth; i++) {
        xc_match m;
        st = xc_mset_get(ms, c[i].index, &m);
        struct text_seen *seen = st == XC_OK ? text_slot(tc, m.docid) : NULL;
        if (seen && !seen->docid)
            items[nitems++] = c[i].index;
    }
    if (st == XC_OK)
        st = fetch_passages(s, ms, items, nitems);
    free(items);
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
                st = passage_length(s, ms, c[i].index, &doclen);
            if (st == XC_OK && data && qr_record_decode(data, len, &r) == 0) {
                if (qr_textpos_scan(s->tp, r.text, r.text_len, r.title,
                                    strlen(r.title), terms, nt) != 0) {
                    st = XC_NOMEM;
                } else {
                    size_t nocc;
                    qr_occurrence *occ = qr_textpos_occurrences(s->tp, &nocc);
                    double K = qr_bm25_k(bm, tc->avlength > 0
                                                 ? doclen / tc->avlength : 1);
                    if (use_phrase)
                        c[i].phrase = o->phrase *
                            phrase_evidence(occ, nocc, ids, q->nphrase,
                                            q->phrase_window, idf, K, bm->k1);
                    if (use_prox)
                        c[i].prox = o->proximity *
                            qr_proximity_from_occurrences(
                                occ, nocc, idf, acc, nt, doclen,
                                tc->avlength, bm);
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
int rerank_wanted(const qr_query *q, const qr_search_opts *o)
{
    return (o->proximity > 0 || o->phrase > 0) && !q->empty;
}

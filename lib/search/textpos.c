/*
 * textpos.c — term occurrences from a passage's text (see textpos.h).
 */
#include "textpos.h"

#include <stdlib.h>
#include <string.h>

#include "words.h"
#include "schema.h"
#include "util.h"

/* Words longer than this are not stemmed: no query term is that long, and
 * the stemmer's time grows with the word. */
#define MAX_WORD_BYTES 64

struct qr_textpos {
    xc_stem       *stem;
    qr_buf         word;
    qr_occurrence *occ;
    size_t         n, cap;
};

qr_textpos *qr_textpos_new(xc_stem *stem)
{
    qr_textpos *tp = calloc(1, sizeof *tp);
    if (tp)
        tp->stem = stem;
    return tp;
}

void qr_textpos_free(qr_textpos *tp)
{
    if (!tp)
        return;
    qr_buf_free(&tp->word);
    free(tp->occ);
    free(tp);
}

static int add(qr_textpos *tp, uint32_t pos, uint32_t term)
{
    if (tp->n == tp->cap) {
        size_t cap = tp->cap ? 2 * tp->cap : 64;
        qr_occurrence *v = realloc(tp->occ, cap * sizeof *v);
        if (!v)
            return -1;
        tp->occ = v;
        tp->cap = cap;
    }
    tp->occ[tp->n].pos = pos;
    tp->occ[tp->n].term = term;
    tp->n++;
    return 0;
}

/* Scans one field, its first word at position first; *words receives the
 * number of words. */
static int scan_field(qr_textpos *tp, const char *text, size_t len,
                      uint32_t first, const char *const *terms, size_t nterms,
                      uint32_t *words)
{
    size_t at = 0, ws, we;
    uint32_t pos = first;
    *words = 0;
    while (text && qr_word_next(text, len, at, &ws, &we)) {
        at = we;
        uint32_t here = pos++;
        if (we - ws > MAX_WORD_BYTES)
            continue;
        qr_buf_clear(&tp->word);
        if (qr_word_fold(text, ws, we, &tp->word) != 0)
            return -1;
        char *stem = NULL;
        if (xc_stem_word(tp->stem, tp->word.data, tp->word.len, &stem) !=
            XC_OK)
            return -1;
        size_t t = 0;
        while (t < nterms && strcmp(stem, terms[t]) != 0)
            t++;
        free(stem);
        if (t < nterms && add(tp, here, (uint32_t)t) != 0)
            return -1;
    }
    *words = pos - first;
    return 0;
}

int qr_textpos_scan(qr_textpos *tp, const char *body, size_t blen,
                    const char *title, size_t tlen, const char *const *terms,
                    size_t nterms)
{
    tp->n = 0;
    uint32_t nbody = 0, ntitle = 0;
    if (scan_field(tp, body, blen, 1, terms, nterms, &nbody) != 0)
        return -1;
    return scan_field(tp, title, tlen, 1 + nbody + QR_TITLE_POS_GAP, terms,
                      nterms, &ntitle);
}

qr_occurrence *qr_textpos_occurrences(qr_textpos *tp, size_t *n)
{
    *n = tp->n;
    return tp->occ;
}

int qr_textpos_ids(const char *const *scan_terms, size_t nscan,
                   const char *const *run, size_t nrun, uint32_t *ids)
{
    for (size_t k = 0; k < nrun; k++) {
        size_t j = 0;
        while (j < nscan && strcmp(scan_terms[j], run[k]) != 0)
            j++;
        if (j == nscan)
            return -1;
        ids[k] = (uint32_t)j;
    }
    return 0;
}

/* Is there a run of the terms, in order, starting at occ[i]? Greedy: each
 * next term at its first occurrence after the previous one keeps the run
 * as short as it can be. */
static int ordered_run(const qr_occurrence *occ, size_t n, size_t i,
                       const uint32_t *ids, size_t nids, uint32_t window)
{
    if (occ[i].term != ids[0])
        return 0;
    uint32_t start = occ[i].pos, last = start;
    size_t j = i;
    for (size_t k = 1; k < nids; k++) {
        do
            j++;
        while (j < n && (occ[j].term != ids[k] || occ[j].pos <= last));
        if (j >= n)
            return 0;
        last = occ[j].pos;
    }
    return last - start < window;
}

/* Is there a run of the terms, in any order, starting at occ[i]: each
 * (as often as it is listed) within window positions from there? need is
 * scratch space indexed by term id. */
static int unordered_run(const qr_occurrence *occ, size_t n, size_t i,
                         const uint32_t *ids, size_t nids, uint32_t window,
                         size_t *need, size_t nneed)
{
    memset(need, 0, nneed * sizeof *need);
    for (size_t k = 0; k < nids; k++)
        need[ids[k]]++;
    if (occ[i].term >= nneed || !need[occ[i].term])
        return 0;
    size_t left = nids;
    uint32_t start = occ[i].pos, taken = 0;
    int have_taken = 0;
    for (size_t j = i; j < n && occ[j].pos - start < window && left; j++) {
        if (have_taken && occ[j].pos == taken)
            continue;                    /* one word per position */
        if (occ[j].term < nneed && need[occ[j].term]) {
            need[occ[j].term]--;
            left--;
            taken = occ[j].pos;
            have_taken = 1;
        }
    }
    return left == 0;
}

size_t qr_textpos_windows(const qr_occurrence *occ, size_t n,
                          const uint32_t *ids, size_t nids, int ordered,
                          uint32_t window, size_t max)
{
    if (nids == 0 || n == 0 || max == 0)
        return 0;
    size_t nneed = 0;
    for (size_t k = 0; k < nids; k++)
        if (ids[k] + 1 > nneed)
            nneed = ids[k] + 1;
    size_t *need = ordered ? NULL : malloc(nneed * sizeof *need);
    if (!ordered && !need)
        return 0;
    size_t count = 0;
    for (size_t i = 0; i < n && count < max; i++)
        count += ordered
            ? ordered_run(occ, n, i, ids, nids, window)
            : unordered_run(occ, n, i, ids, nids, window, need, nneed);
    free(need);
    return count;
}

int qr_textpos_has_run(qr_textpos *tp, const char *body, size_t blen,
                       const char *title, size_t tlen,
                       const char *const *terms, size_t n, int ordered,
                       uint32_t window)
{
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    int r = -1;
    if (ids && qr_textpos_ids(terms, n, terms, n, ids) == 0 &&
        qr_textpos_scan(tp, body, blen, title, tlen, terms, n) == 0)
        r = qr_textpos_windows(tp->occ, tp->n, ids, n, ordered, window, 1) > 0;
    free(ids);
    return r;
}

/*
 * highlight.c — the words of a passage that match a query, as byte spans,
 * and the snippet window around them (see highlight.h).
 */
#include "highlight.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "search_int.h"
#include "words.h"
#include "xapian-c.h"

/* TermGenerator ignores longer words; so do we. */
#define MAX_WORD_BYTES 64

/* ---------------------------------------------------------- highlighter */

struct qr_highlighter {
    xc_stem *stem;        /* the index's stemmer                        */
    xc_stem **alt;        /* the other languages' (a word matches in any) */
    size_t nalt;
    char **terms;         /* sorted, for bsearch                        */
    size_t nterms;
    char **prefixes;      /* wildcard prefixes                          */
    size_t nprefixes;
    char **phr;           /* the phrases' terms, one after another      */
    size_t nphr;
    size_t *phr_ends;     /* phrase k ends at phr[phr_ends[k]]          */
    size_t nphrases;
    qr_buf word;          /* scratch: the folded word                   */
};

qr_status qr_highlighter_new(const char *lang, int exact_accents,
                             qr_highlighter **out, qr_buf *err)
{
    qr_highlighter *h = calloc(1, sizeof *h);
    if (!h)
        return QR_ERR_NOMEM;
    char *xerr = NULL;
    /* "english french": the main language, then the others */
    char *list = strlist_strdup(lang ? lang : "english");
    char *save = NULL, *first = list ? strtok_r(list, " ", &save) : NULL;
    xc_status st = list ? XC_OK : XC_NOMEM;
    if (st == XC_OK && !first)
        st = XC_RANGE;
    /* the index's analysis: its stems fold accents as its terms do, and
     * a wildcard's prefix comes folded (qtext_fold_wildcards) */
    if (st == XC_OK)
        st = qr_stem_new(first, exact_accents, 0, &h->stem, &xerr);
    for (char *o; st == XC_OK && (o = strtok_r(NULL, " ", &save));) {
        xc_stem **v = realloc(h->alt, (h->nalt + 1) * sizeof *v);
        if (!v) {
            st = XC_NOMEM;
            break;
        }
        h->alt = v;
        st = qr_stem_new(o, exact_accents, 0, &h->alt[h->nalt], &xerr);
        if (st == XC_OK)
            h->nalt++;
    }
    free(list);
    if (st != XC_OK)
        qr_highlighter_free(h);
    if (st != XC_OK) {
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, "no stemmer for language '");
            qr_buf_printable(err, lang ? lang : "", lang ? strlen(lang) : 0);
            qr_buf_puts(err, "'");
            searcher_err_detail(err, xerr);
        }
        free(xerr);
        return st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_USAGE;
    }
    *out = h;
    return QR_OK;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void qr_highlighter_free(qr_highlighter *h)
{
    if (!h)
        return;
    xc_stem_free(h->stem);
    for (size_t i = 0; i < h->nalt; i++)
        xc_stem_free(h->alt[i]);
    free(h->alt);
    free_list(h->terms, h->nterms);
    free_list(h->prefixes, h->nprefixes);
    free_list(h->phr, h->nphr);
    free(h->phr_ends);
    qr_buf_free(&h->word);
    free(h);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **copy_list(const char *const *v, size_t n)
{
    char **c = calloc(n ? n : 1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!(c[i] = strdup(v[i] ? v[i] : ""))) {
            free_list(c, i);
            return NULL;
        }
    }
    return c;
}

int qr_highlighter_set_terms(qr_highlighter *h, const char *const *terms,
                             size_t nterms, const char *const *prefixes,
                             size_t nprefixes)
{
    char **t = copy_list(terms, nterms);
    char **p = copy_list(prefixes, nprefixes);
    if (!t || !p) {
        free_list(t, t ? nterms : 0);
        free_list(p, p ? nprefixes : 0);
        return -1;
    }
    qsort(t, nterms, sizeof *t, cmp_str);
    free_list(h->terms, h->nterms);
    free_list(h->prefixes, h->nprefixes);
    h->terms = t;
    h->nterms = nterms;
    h->prefixes = p;
    h->nprefixes = nprefixes;
    return 0;
}

int qr_highlighter_set_phrases(qr_highlighter *h, const char *const *terms,
                               size_t nterms, const size_t *ends,
                               size_t nphrases)
{
    for (size_t k = 0; k < nphrases; k++)
        if (ends[k] > nterms || (k && ends[k] < ends[k - 1]))
            return -1;
    char **t = copy_list(terms, nterms);
    size_t *e = malloc((nphrases ? nphrases : 1) * sizeof *e);
    if (!t || !e) {
        free_list(t, t ? nterms : 0);
        free(e);
        return -1;
    }
    if (nphrases)    /* ends may be NULL then: memcpy's pointers may not */
        memcpy(e, ends, nphrases * sizeof *e);
    free_list(h->phr, h->nphr);
    free(h->phr_ends);
    h->phr = t;
    h->nphr = nterms;
    h->phr_ends = e;
    h->nphrases = nphrases;
    return 0;
}

static int matches(const qr_highlighter *h, const char *stem)
{
    if (h->nterms &&
        bsearch(&stem, h->terms, h->nterms, sizeof *h->terms, cmp_str))
        return 1;
    for (size_t i = 0; i < h->nprefixes; i++)
        if (*h->prefixes[i] &&
            strncmp(stem, h->prefixes[i], strlen(h->prefixes[i])) == 0)
            return 1;
    return 0;
}

/* One word of the text: where it is, its stem, whether it is shown. */
typedef struct hl_word {
    size_t start, end;
    char *stem;          /* NULL for a word too long to be a term     */
    int shown;
    int cjk;             /* one CJK character                          */
    size_t span_end;     /* with shown: where its span ends (a phrase
                            spans its words and what is between them) */
} hl_word;

/* Marks every place where phrase [first, last) of h stands in words[]. */
static void mark_phrase(const qr_highlighter *h, size_t first, size_t last,
                        hl_word *w, size_t nw)
{
    size_t len = last - first;
    for (size_t i = 0; len && i + len <= nw; i++) {
        size_t k = 0;
        while (k < len && w[i + k].stem &&
               strcmp(w[i + k].stem, h->phr[first + k]) == 0)
            k++;
        if (k < len)
            continue;
        if (!w[i].shown || w[i].span_end < w[i + len - 1].end)
            w[i].span_end = w[i + len - 1].end;
        w[i].shown = 1;
        for (k = 1; k < len; k++)
            w[i + k].shown = 2;     /* inside the span that starts at i */
    }
}

/* Is term two or more CJK characters (a pair of xapian-core's n-grams)? */
static int cjk_pair_term(const char *t)
{
    size_t n = strlen(t), at = 0, ws, we, k = 0;
    while (qr_word_next(t, n, at, &ws, &we)) {
        if (ws != at || !qr_word_is_cjk(t, ws, we))
            return 0;
        at = we;
        k++;
    }
    return at == n && k >= 2;
}

/* CJK text: a query word of two or more characters is its characters and
 * their neighbour pairs; when the query has pairs, a character is shown
 * only where a pair it belongs to matches, so that 東京 marks 東京 and not
 * every 京. Returns 0, or -1 on out of memory. */
static int mark_cjk_pairs(qr_highlighter *h, hl_word *w, size_t nw)
{
    int pairs = 0;
    for (size_t i = 0; i < h->nterms && !pairs; i++)
        pairs = cjk_pair_term(h->terms[i]);
    if (!pairs)
        return 0;
    char *hit = calloc(nw ? nw : 1, 1);
    if (!hit)
        return -1;
    for (size_t i = 0; i + 1 < nw; i++) {
        if (!w[i].cjk || !w[i + 1].cjk || w[i].end != w[i + 1].start ||
            !w[i].stem || !w[i + 1].stem)
            continue;
        qr_buf_clear(&h->word);
        if (qr_buf_puts(&h->word, w[i].stem) != 0 ||
            qr_buf_puts(&h->word, w[i + 1].stem) != 0) {
            free(hit);
            return -1;
        }
        if (matches(h, h->word.data))
            hit[i] = hit[i + 1] = 1;
    }
    for (size_t i = 0; i < nw; i++)
        if (w[i].cjk)
            w[i].shown = hit[i];
    free(hit);
    return 0;
}

int qr_highlight(qr_highlighter *h, const char *text, size_t len,
                 qr_hl_span **spans, size_t *n)
{
    *spans = NULL;
    *n = 0;
    if (!h || !text || (h->nterms == 0 && h->nprefixes == 0 &&
                        h->nphrases == 0))
        return 0;
    hl_word *w = NULL;
    size_t nw = 0, wcap = 0;
    size_t pos = 0, ws, we;
    int rc = -1;
    while (qr_word_next(text, len, pos, &ws, &we)) {
        pos = we;
        if (nw == wcap) {
            size_t ncap = wcap ? wcap * 2 : 64;
            hl_word *nwp = realloc(w, ncap * sizeof *w);
            if (!nwp)
                goto out;
            w = nwp;
            wcap = ncap;
        }
        hl_word *x = &w[nw++];
        *x = (hl_word){ws, we, NULL, 0, qr_word_is_cjk(text, ws, we), we};
        if (we - ws > MAX_WORD_BYTES)
            continue;
        qr_buf_clear(&h->word);
        if (qr_word_fold(text, ws, we, &h->word) != 0 ||
            xc_stem_word(h->stem, h->word.data, h->word.len, &x->stem) != XC_OK)
            goto out;
        x->shown = matches(h, x->stem);
        /* a word of an article in another language: its stem there */
        for (size_t a = 0; !x->shown && !x->cjk && a < h->nalt; a++) {
            char *other = NULL;
            if (xc_stem_word(h->alt[a], h->word.data, h->word.len,
                             &other) != XC_OK)
                goto out;
            x->shown = matches(h, other);
            free(other);
        }
    }
    if (mark_cjk_pairs(h, w, nw) != 0)
        goto out;
    for (size_t k = 0; k < h->nphrases; k++)
        mark_phrase(h, k ? h->phr_ends[k - 1] : 0, h->phr_ends[k], w, nw);

    /* one span per shown word, or per phrase, never overlapping */
    qr_hl_span *v = nw ? malloc(nw * sizeof *v) : NULL;
    if (nw && !v)
        goto out;
    size_t nv = 0;
    for (size_t i = 0; i < nw; i++) {
        if (!w[i].shown)
            continue;
        size_t end = w[i].shown == 1 ? w[i].span_end : w[i].end;
        /* touching CJK characters (東京): one span */
        int joined = nv && w[i].cjk && i > 0 && w[i - 1].cjk &&
                     w[i - 1].shown && w[i].start == v[nv - 1].end;
        if (nv && (w[i].start < v[nv - 1].end || joined)) {
            if (end > v[nv - 1].end)
                v[nv - 1].end = end;     /* overlapping phrases: one span */
            continue;
        }
        v[nv].start = w[i].start;
        v[nv].end = end;
        nv++;
    }
    if (nv == 0) {
        free(v);
        v = NULL;
    }
    *spans = v;
    *n = nv;
    rc = 0;
out:
    for (size_t i = 0; i < nw; i++)
        free(w[i].stem);
    free(w);
    return rc;
}

/* ------------------------------------------------------------- snippets */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

void qr_snippet_window(const char *text, size_t len, const qr_hl_span *spans,
                       size_t n, size_t target, size_t *start, size_t *end)
{
    if (len <= target) {
        *start = 0;
        *end = len;
        return;
    }
    size_t s = 0;
    if (n > 0) {
        /* the run of spans starting at spans[best] that fits in target */
        size_t best = 0, best_count = 0, best_last = 0;
        size_t last = 0;
        for (size_t i = 0; i < n; i++) {
            if (last < i)
                last = i;
            while (last + 1 < n &&
                   spans[last + 1].end - spans[i].start <= target)
                last++;
            size_t count = last - i + 1;
            if (count > best_count) {
                best = i;
                best_count = count;
                best_last = last;
            }
        }
        size_t first = spans[best].start;
        size_t used = spans[best_last].end - first;
        size_t slack = used < target ? target - used : 0;
        /* a third of the room before the first match, the rest after */
        s = first > slack / 3 ? first - slack / 3 : 0;
        if (s + target > len)
            s = len > target ? len - target : 0;
        if (s > first)
            s = first;
        /* start at a sentence if one begins between s and the match */
        for (size_t i = first; i > s + 1; i--) {
            char p = text[i - 2];
            if (is_space(text[i - 1]) && (p == '.' || p == '?' || p == '!')) {
                s = i;
                while (s < first && is_space(text[s]))
                    s++;
                break;
            }
        }
    }
    /* never start inside a word: back up to its beginning, or for text
     * without spaces nearby (CJK), to a UTF-8 character boundary */
    size_t lim = s > 40 ? s - 40 : 0, b = s;
    while (b > lim && !is_space(text[b - 1]))
        b--;
    if (b == 0 || is_space(text[b - 1]))
        s = b;
    else
        while (s > 0 && ((unsigned char)text[s] & 0xC0) == 0x80)
            s--;
    while (s < len && is_space(text[s]))
        s++;
    size_t e = s + target < len ? s + target : len;
    if (e < len) {
        /* never end inside a word: back up to the last space */
        size_t c = e;
        while (c > s && !is_space(text[c]))
            c--;
        if (c > s)
            e = c;
        else /* one enormous word: cut at a UTF-8 character boundary */
            while (e > s && ((unsigned char)text[e] & 0xC0) == 0x80)
                e--;
    }
    while (e > s && is_space(text[e - 1]))
        e--;
    *start = s;
    *end = e;
}

qr_status qr_highlighter_for_query(const char *lang, int exact_accents,
                                   const qr_query *q, qr_highlighter **out,
                                   qr_buf *err)
{
    qr_highlighter *h = NULL;
    qr_status st = qr_highlighter_new(lang, exact_accents, &h, err);
    if (st != QR_OK)
        return st;
    if (qr_highlighter_set_terms(h, (const char *const *)q->hl_terms,
                                 q->nhl_terms,
                                 (const char *const *)q->prefixes,
                                 q->nprefixes) != 0 ||
        qr_highlighter_set_phrases(h, (const char *const *)q->phr_terms,
                                   q->nphr_terms, q->phr_ends,
                                   q->nphrases) != 0) {
        qr_highlighter_free(h);
        searcher_err(err, "out of memory", NULL);
        return QR_ERR_NOMEM;
    }
    *out = h;
    return QR_OK;
}

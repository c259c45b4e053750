/*
 * variants.c — a query's words in every language of the index: each term
 * also stands for the stems the same word has in the index's other
 * languages (one synonym, counted as one word), so that a word finds its
 * article whatever the language the article was stemmed in.
 */
#include "search_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

/* Words longer than this (bytes) are no terms (TermGenerator's limit). */
#define MAX_WORD_BYTES 64

/* Adds other to alts (a term's other stems) unless it is there. */
static int add_alt(strlist *alts, const char *other)
{
    for (size_t k = 0; k < alts->n; k++)
        if (strcmp(alts->v[k], other) == 0)
            return 0;
    return strlist_add(alts, other, strlen(other));
}

/* The words of a query with their stems: main[i] in the searcher's
 * language, alt[i * nalt + k] in its other language k (the same string
 * when the two stem alike; NULL only where stemming failed). */
typedef struct stem_table {
    strlist main;
    char **alt;
    size_t nalt;
} stem_table;

static void stem_table_free(stem_table *t)
{
    for (size_t i = 0; t->alt && i < t->main.n * t->nalt; i++)
        free(t->alt[i]);
    free(t->alt);
    strlist_free(t->main.v, t->main.n);
}

/* Fills t with the words of text (s->nalt > 0). */
static xc_status stem_table_fill(qr_searcher *s, const char *text,
                                 stem_table *t)
{
    qr_buf w = {0};
    size_t len = strlen(text), pos = 0, ws, we;
    xc_status st = XC_OK;
    t->nalt = s->nalt;
    while (st == XC_OK && qr_word_next(text, len, pos, &ws, &we)) {
        pos = we;
        if (we - ws > MAX_WORD_BYTES || qr_word_is_cjk(text, ws, we))
            continue;
        qr_buf_clear(&w);
        char *main = NULL;
        if (qr_word_fold(text, ws, we, &w) != 0)
            st = XC_NOMEM;
        if (st == XC_OK)
            st = xc_stem_word(s->stem, w.data, w.len, &main);
        char **alt = NULL;
        if (st == XC_OK &&
            (strlist_add(&t->main, main, strlen(main)) != 0 ||
             !(alt = realloc(t->alt, t->main.n * t->nalt * sizeof *alt))))
            st = XC_NOMEM;
        free(main);
        if (!alt)
            break;
        t->alt = alt;
        char **row = alt + (t->main.n - 1) * t->nalt;
        for (size_t k = 0; k < t->nalt; k++)
            row[k] = NULL;
        for (size_t k = 0; st == XC_OK && k < t->nalt; k++)
            st = xc_stem_word(s->alt[k], w.data, w.len, &row[k]);
    }
    qr_buf_free(&w);
    return st;
}

/* A plain query's terms ("books": "book" in English, "books" in French):
 * the words of text stemmed in each language, matched to the terms
 * through their stem in the searcher's. */
xc_status variants_add_stems(qr_searcher *s, const char *text, xc_query **v,
                             const char *const *terms, const uint32_t *wqf,
                             size_t n)
{
    strlist *alts = calloc(n ? n : 1, sizeof *alts);
    if (!alts)
        return XC_NOMEM;
    stem_table t = {0};
    xc_status st = stem_table_fill(s, text, &t);
    for (size_t w = 0; st == XC_OK && w < t.main.n; w++) {
        const char *main = t.main.v[w];
        size_t i = 0;
        while (i < n && strcmp(terms[i], main) != 0)
            i++;
        /* a word the analysis left out (a stop word) stays out */
        for (size_t a = 0; st == XC_OK && i < n && a < t.nalt; a++) {
            const char *other = t.alt[w * t.nalt + a];
            if (other && strcmp(other, main) != 0 && add_alt(&alts[i], other) != 0)
                st = XC_NOMEM;
        }
    }
    stem_table_free(&t);
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        if (!alts[i].n)
            continue;
        xc_query **syn = calloc(alts[i].n + 1, sizeof *syn);
        size_t ns = 0;
        if (!syn)
            st = XC_NOMEM;
        if (syn)
            syn[ns++] = v[i];
        for (size_t k = 0; st == XC_OK && k < alts[i].n; k++) {
            st = xc_query_new_term(alts[i].v[k], wqf[i], 0, &syn[ns]);
            if (st == XC_OK)
                ns++;
        }
        xc_query *both = NULL;
        if (st == XC_OK)
            st = xc_query_new_combine(XC_OP_SYNONYM, syn, ns, 0, &both);
        for (size_t k = 1; k < ns; k++)
            xc_query_free(syn[k]);
        free(syn);
        if (st == XC_OK) {
            xc_query_free(v[i]);
            v[i] = both;
        }
    }
    for (size_t i = 0; i < n; i++)
        strlist_free(alts[i].v, alts[i].n);
    free(alts);
    return st;
}

/* An xc_term_variant_fn over a stem_table: a term's stem in language k,
 * from the word it was made of (a title term keeps its prefix). */
static int term_variant(void *ctx, unsigned k, const char *term, size_t len,
                        char **out)
{
    const stem_table *t = ctx;
    *out = NULL;
    size_t pl = strlen(QR_PREFIX_TITLE);
    size_t skip = len > pl && memcmp(term, QR_PREFIX_TITLE, pl) == 0 &&
                          !isupper((unsigned char)term[pl])
                      ? pl : 0;
    if (!skip && len && isupper((unsigned char)term[0]))
        return 0;                  /* another field's term: as it is */
    for (size_t i = 0; i < t->main.n; i++) {
        const char *m = t->main.v[i], *v = t->alt[i * t->nalt + k];
        if (strlen(m) != len - skip || memcmp(m, term + skip, len - skip) ||
            !v)
            continue;
        qr_buf b = {0};
        if (qr_buf_append(&b, term, skip) != 0 || qr_buf_puts(&b, v) != 0) {
            qr_buf_free(&b);
            return 1;
        }
        *out = qr_buf_steal(&b);
        return 0;
    }
    return 0;
}

/* A query with syntax, as QueryParser made it in the searcher's language
 * alone: its terms rewritten by the binding through term_variant. */
xc_status variants_add(qr_searcher *s, const char *text, xc_query **xq)
{
    stem_table t = {0};
    xc_status st = stem_table_fill(s, text, &t);
    xc_query *v = NULL;
    if (st == XC_OK && t.main.n)
        st = xc_query_with_variants(*xq, term_variant, &t,
                                    (unsigned)s->nalt, &v);
    if (st == XC_OK && v) {
        xc_query_free(*xq);
        *xq = v;
    }
    stem_table_free(&t);
    return st;
}

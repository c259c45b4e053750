/*
 * compound.c — joined and split forms of query words, from the index's
 * vocabulary (see compound.h).
 */
#include "compound.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"
#include "schema.h"
#include "textpos.h"

/* One word of the query, folded as the indexer folds it. */
typedef struct word {
    char *text;
    size_t len;
    int stop;
} word;

/* A split candidate of one word. */
typedef struct split {
    size_t at;           /* bytes in the first part                     */
    uint32_t df;         /* the rarer part's passage count              */
} split;

static int has_letter(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isalpha((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80)
            return 1;
    return 0;
}

static int all_letters(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)s[i]) && (unsigned char)s[i] < 0x80)
            return 0;
    return 1;
}

/* Appends a copy of s to the list (*v, *n). */
static int list_add(char ***v, size_t *n, const char *s, size_t len)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    *v = nv;
    if (!(nv[*n] = qr_strndup(s, len)))
        return -1;
    (*n)++;
    return 0;
}

/* Adds one form: its query (owned by c on success), the form as
 * written, the words it came from. */
static xc_status add_form(qr_compounds *c, xc_query *q, const char *form,
                          const char *from)
{
    xc_query **nq = realloc(c->queries, (c->n + 1) * sizeof *nq);
    if (!nq)
        return XC_NOMEM;
    c->queries = nq;
    char **nf = realloc(c->forms, (c->n + 1) * sizeof *nf);
    if (!nf)
        return XC_NOMEM;
    c->forms = nf;
    char **nfrom = realloc(c->from, (c->n + 1) * sizeof *nfrom);
    if (!nfrom)
        return XC_NOMEM;
    c->from = nfrom;
    char *f1 = qr_strndup(form, strlen(form));
    char *f2 = qr_strndup(from, strlen(from));
    if (!f1 || !f2) {
        free(f1);
        free(f2);
        return XC_NOMEM;
    }
    c->queries[c->n] = q;
    c->forms[c->n] = f1;
    c->from[c->n] = f2;
    c->n++;
    return XC_OK;
}

/* The passage counts of the stems the joins and splits may look up,
 * asked of the index together first (df_prefetch): with remote shards a
 * lookup alone costs a round trip to each shard in turn. */
typedef struct df_cache {
    xc_db *db;
    char **terms;        /* sorted, distinct                             */
    uint32_t *df;
    size_t n;
} df_cache;

static void df_cache_free(df_cache *dc)
{
    for (size_t i = 0; i < dc->n; i++)
        free(dc->terms[i]);
    free(dc->terms);
    free(dc->df);
    memset(dc, 0, sizeof *dc);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The passage count of the stem of s[0..n) (0 when not a term), the stem
 * in *stem_out (malloc'd) when wanted. */
static xc_status stem_df(df_cache *dc, xc_stem *stem, const char *s,
                         size_t n, uint32_t *df, char **stem_out)
{
    char *t = NULL;
    xc_status st = xc_stem_word(stem, s, n, &t);
    if (st != XC_OK)
        return st;
    *df = 0;
    char **hit = *t && dc->n ? bsearch(&t, dc->terms, dc->n,
                                       sizeof *dc->terms, cmp_str) : NULL;
    if (hit)
        *df = dc->df[hit - dc->terms];
    else if (*t)
        st = xc_db_termfreq(dc->db, t, df);
    if (st == XC_OK && stem_out)
        *stem_out = t;
    else
        free(t);
    return st;
}

/* How many of the passages with both words are read to see whether they
 * stand together: the index keeps no positions (textpos.h). */
#define PHRASE_SAMPLE 50
/* ... read ahead this many at a time (a remote shard's reads side by
 * side: xc_mset_fetch) */
#define PHRASE_CHUNK 16

/* Does the phrase "a b" (stems) occur in at least need passages (need
 * >= 1)? The passages with both words are counted, and the share of them
 * where the two stand together is measured on the text of the first
 * PHRASE_SAMPLE. On success *phrase is the phrase query when it does,
 * else NULL. */
static xc_status phrase_occurs(xc_enquire **enq, xc_db *db, qr_textpos *tp,
                               const char *a, const char *b, uint32_t need,
                               xc_query **phrase, int *yes)
{
    xc_query *t[2] = {NULL, NULL}, *both = NULL;
    xc_mset *ms = NULL;
    *yes = 0;
    *phrase = NULL;
    xc_status st = XC_OK;
    if (!*enq)
        st = xc_enquire_new(db, enq, NULL);
    if (st == XC_OK)
        st = xc_query_new_term(a, 1, 0, &t[0]);
    if (st == XC_OK)
        st = xc_query_new_term(b, 1, 0, &t[1]);
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_AND, t, 2, 0, &both);
    if (st == XC_OK)
        st = xc_enquire_set_query(*enq, both, 0);
    /* checking at least `need` matches makes the count exact below it */
    if (st == XC_OK)
        st = xc_enquire_get_mset(*enq, 0, PHRASE_SAMPLE, need, &ms);
    uint32_t n = st == XC_OK ? xc_mset_size(ms) : 0, together = 0, read = 0;
    double matches = st == XC_OK ? xc_mset_matches_estimated(ms) : 0;
    const char *const pair[2] = {a, b};
    /* stop reading as soon as the answer is certain: `need` passages seen
     * with the phrase, or too few left to reach it */
    for (uint32_t i = 0; st == XC_OK && i < n && together < need &&
                         (together + (double)(n - i)) / n * matches >= need;
         i++) {
        /* read ahead a chunk at a time: side by side from remote shards,
         * where each passage alone costs a round trip */
        if (i % PHRASE_CHUNK == 0)
            st = xc_mset_fetch(ms, db, i, PHRASE_CHUNK, 0);
        if (st != XC_OK)
            break;
        read++;
        char *data = NULL;
        size_t len = 0;
        qr_record r;
        st = xc_mset_get_data(ms, i, &data, &len);
        if (st == XC_OK && data && qr_record_decode(data, len, &r) == 0) {
            int has = qr_textpos_has_run(tp, r.text, r.text_len, r.title,
                                         strlen(r.title), pair, 2, 1, 2);
            if (has < 0)
                st = XC_NOMEM;
            else
                together += (uint32_t)has;
        }
        free(data);
    }
    if (st == XC_OK && together)
        *yes = together >= need ||
               (read == n && (double)together / n * matches >= need);
    if (st == XC_OK && *yes)
        st = xc_query_new_combine(XC_OP_PHRASE, t, 2, 2, phrase);
    xc_mset_free(ms);
    xc_query_free(t[0]);
    xc_query_free(t[1]);
    xc_query_free(both);
    if (st != XC_OK) {
        xc_query_free(*phrase);
        *phrase = NULL;
        *yes = 0;
    }
    return st;
}

static int by_df(const void *x, const void *y)
{
    const split *a = x, *b = y;
    if (a->df != b->df)
        return a->df < b->df ? 1 : -1;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* May a b be joined? Neither a stop word, the first with a letter. */
static int join_ok(const word *a, const word *b)
{
    return !a->stop && !b->stop && has_letter(a->text, a->len) &&
           a->len + b->len <= QR_COMPOUND_MAX_LEN;
}

/* May w be split? Letters only, long enough for two parts. */
static int split_ok(const word *w)
{
    return !w->stop && w->len >= 2 * QR_COMPOUND_MIN_PART &&
           w->len <= QR_COMPOUND_MAX_LEN && all_letters(w->text, w->len);
}

/* May w be split after its first at bytes? Not inside a UTF-8
 * character. */
static int split_at_ok(const word *w, size_t at)
{
    return ((unsigned char)w->text[at] & 0xC0) != 0x80;
}

/* The joined form of w[i] w[i+1]. */
static xc_status try_join(df_cache *dc, xc_stem *stem, const word *a,
                          const word *b, qr_compounds *c, qr_buf *tmp)
{
    if (!join_ok(a, b))
        return XC_OK;
    qr_buf_clear(tmp);
    if (qr_buf_append(tmp, a->text, a->len) != 0 ||
        qr_buf_append(tmp, b->text, b->len) != 0)
        return XC_NOMEM;
    uint32_t df = 0;
    char *t = NULL;
    xc_status st = stem_df(dc, stem, tmp->data, tmp->len, &df, &t);
    if (st != XC_OK || df == 0) {
        free(t);
        return st;
    }
    xc_query *q = NULL;
    st = xc_query_new_term(t, 1, 0, &q);
    char *from = NULL;
    if (st == XC_OK) {
        from = malloc(a->len + b->len + 2);
        if (!from)
            st = XC_NOMEM;
        else
            sprintf(from, "%s %s", a->text, b->text);
    }
    if (st == XC_OK)
        st = add_form(c, q, tmp->data, from);
    if (st != XC_OK)
        xc_query_free(q);
    else if (list_add(&c->terms, &c->nterms, t, strlen(t)) != 0)
        st = XC_NOMEM;
    free(from);
    free(t);
    return st;
}

/* Can s[0..n) be one part of a split? Neither it nor its stem may be a
 * stop word or shorter than QR_COMPOUND_MIN_PART ("receptors" is not
 * "recept" + "ors", whose stem is "or"). */
static int part_ok(xc_stem *stem, const xc_stopper *stop, const char *s,
                   size_t n)
{
    if (stop && xc_stopper_is_stop(stop, s))
        return 0;
    char *t = NULL;
    if (xc_stem_word(stem, s, n, &t) != XC_OK)
        return 0;
    int ok = strlen(t) >= QR_COMPOUND_MIN_PART &&
             !(stop && xc_stopper_is_stop(stop, t));
    free(t);
    return ok;
}

/* The split forms of w, the first that the index shows as a phrase. */
static xc_status try_split(df_cache *dc, xc_stem *stem,
                           const xc_stopper *stop, const word *w,
                           qr_compounds *c, xc_enquire **enq, qr_textpos *tp)
{
    if (!split_ok(w))
        return XC_OK;
    split cand[64];
    size_t ncand = 0;
    xc_status st = XC_OK;
    for (size_t at = QR_COMPOUND_MIN_PART;
         st == XC_OK && at + QR_COMPOUND_MIN_PART <= w->len && ncand < 64;
         at++) {
        if (!split_at_ok(w, at))
            continue;
        char *a = qr_strndup(w->text, at);
        char *b = qr_strndup(w->text + at, w->len - at);
        if (!a || !b) {
            free(a);
            free(b);
            return XC_NOMEM;
        }
        uint32_t dfa = 0, dfb = 0;
        if (part_ok(stem, stop, a, at))
            st = stem_df(dc, stem, a, at, &dfa, NULL);
        if (st == XC_OK && dfa >= QR_COMPOUND_MIN_DF &&
            part_ok(stem, stop, b, w->len - at))
            st = stem_df(dc, stem, b, w->len - at, &dfb, NULL);
        free(a);
        free(b);
        if (st == XC_OK && dfa >= QR_COMPOUND_MIN_DF &&
            dfb >= QR_COMPOUND_MIN_DF) {
            cand[ncand].at = at;
            cand[ncand].df = dfa < dfb ? dfa : dfb;
            ncand++;
        }
    }
    if (st != XC_OK || ncand == 0)
        return st;
    /* A word the index has often, written apart only rarely ("expression"
     * and "express ion"), is no compound worth splitting. */
    uint32_t dfw = 0;
    st = stem_df(dc, stem, w->text, w->len, &dfw, NULL);
    if (st != XC_OK)
        return st;
    uint32_t need = (uint32_t)(dfw * QR_COMPOUND_SPLIT_SHARE) + 1;
    qsort(cand, ncand, sizeof *cand, by_df);
    for (size_t k = 0; k < ncand && k < QR_COMPOUND_MAX_PHRASES; k++) {
        size_t at = cand[k].at;
        char *sa = NULL, *sb = NULL;
        uint32_t df;
        st = stem_df(dc, stem, w->text, at, &df, &sa);
        if (st == XC_OK)
            st = stem_df(dc, stem, w->text + at, w->len - at, &df, &sb);
        xc_query *phrase = NULL;
        int yes = 0;
        if (st == XC_OK)
            st = phrase_occurs(enq, dc->db, tp, sa, sb, need, &phrase,
                               &yes);
        if (st == XC_OK && yes) {
            char *form = malloc(w->len + 2);
            if (!form) {
                st = XC_NOMEM;
            } else {
                memcpy(form, w->text, at);
                form[at] = ' ';
                memcpy(form + at + 1, w->text + at, w->len - at);
                form[w->len + 1] = '\0';
                st = add_form(c, phrase, form, w->text);
                if (st == XC_OK) {
                    phrase = NULL;
                    if (list_add(&c->terms, &c->nterms, sa, strlen(sa)) ||
                        list_add(&c->terms, &c->nterms, sb, strlen(sb)))
                        st = XC_NOMEM;
                }
                free(form);
            }
        }
        xc_query_free(phrase);
        free(sa);
        free(sb);
        if (st != XC_OK || yes)
            break;
    }
    return st;
}

/* Adds the stem of s[0..n) to l (*n of them, *cap room). */
static xc_status add_stem(xc_stem *stem, const char *s, size_t n,
                          char ***l, size_t *nl, size_t *cap)
{
    if (*nl == *cap) {
        size_t nc = *cap ? 2 * *cap : 32;
        char **v = realloc(*l, nc * sizeof *v);
        if (!v)
            return XC_NOMEM;
        *l = v;
        *cap = nc;
    }
    char *t = NULL;
    xc_status st = xc_stem_word(stem, s, n, &t);
    if (st == XC_OK && *t)
        (*l)[(*nl)++] = t;
    else
        free(t);
    return st;
}

/* Fills dc with the passage counts of every stem the joins and splits of
 * w[0..nw) may look up, in one request (xc_db_termfreqs). */
static xc_status df_prefetch(df_cache *dc, xc_stem *stem,
                             const xc_stopper *stop, const word *w,
                             size_t nw)
{
    char **l = NULL;
    size_t nl = 0, cap = 0;
    xc_status st = XC_OK;
    qr_buf tmp = {0};
    for (size_t i = 0; st == XC_OK && i + 1 < nw; i++) {
        if (!join_ok(&w[i], &w[i + 1]))
            continue;
        qr_buf_clear(&tmp);
        if (qr_buf_append(&tmp, w[i].text, w[i].len) != 0 ||
            qr_buf_append(&tmp, w[i + 1].text, w[i + 1].len) != 0)
            st = XC_NOMEM;
        else
            st = add_stem(stem, tmp.data, tmp.len, &l, &nl, &cap);
    }
    for (size_t i = 0; st == XC_OK && i < nw; i++) {
        if (!split_ok(&w[i]))
            continue;
        st = add_stem(stem, w[i].text, w[i].len, &l, &nl, &cap);
        for (size_t at = QR_COMPOUND_MIN_PART;
             st == XC_OK && at + QR_COMPOUND_MIN_PART <= w[i].len; at++) {
            if (!split_at_ok(&w[i], at))
                continue;
            char *a = qr_strndup(w[i].text, at);
            const char *b = w[i].text + at;
            size_t blen = w[i].len - at;
            if (!a)
                st = XC_NOMEM;
            if (st == XC_OK && part_ok(stem, stop, a, at))
                st = add_stem(stem, a, at, &l, &nl, &cap);
            if (st == XC_OK && part_ok(stem, stop, b, blen))
                st = add_stem(stem, b, blen, &l, &nl, &cap);
            free(a);
        }
    }
    qr_buf_free(&tmp);
    size_t m = 0;
    if (st == XC_OK && nl) {
        qsort(l, nl, sizeof *l, cmp_str);
        for (size_t i = 0; i < nl; i++) {
            if (m && strcmp(l[m - 1], l[i]) == 0)
                free(l[i]);
            else
                l[m++] = l[i];
        }
        nl = m;
        dc->df = calloc(nl, sizeof *dc->df);
        if (!dc->df)
            st = XC_NOMEM;
    }
    if (st == XC_OK && nl)
        st = xc_db_termfreqs(dc->db, (const char *const *)l, nl, dc->df);
    if (st == XC_OK) {
        dc->terms = l;
        dc->n = nl;
    } else {
        for (size_t i = 0; i < nl; i++)
            free(l[i]);
        free(l);
        free(dc->df);
        dc->df = NULL;
    }
    return st;
}

void qr_compounds_free(qr_compounds *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        xc_query_free(c->queries[i]);
        free(c->forms[i]);
        free(c->from[i]);
    }
    free(c->queries);
    free(c->forms);
    free(c->from);
    for (size_t i = 0; i < c->nterms; i++)
        free(c->terms[i]);
    free(c->terms);
    memset(c, 0, sizeof *c);
}

qr_status qr_compounds_find(xc_db *db, xc_stem *stem, const xc_stopper *stop,
                            const char *text, qr_compounds *out)
{
    if (!db || !stem || !text || !out)
        return QR_ERR_USAGE;
    qr_compounds c = {0};
    word w[QR_COMPOUND_MAX_WORDS];
    size_t nw = 0, n = strlen(text), at = 0, ws, we;
    xc_status st = XC_OK;
    qr_buf f = {0}, tmp = {0};
    while (nw < QR_COMPOUND_MAX_WORDS && qr_word_next(text, n, at, &ws, &we)) {
        at = we;
        qr_buf_clear(&f);
        if (qr_word_fold(text, ws, we, &f) != 0 ||
            !(w[nw].text = qr_strndup(f.data, f.len))) {
            st = XC_NOMEM;
            break;
        }
        w[nw].len = f.len;
        w[nw].stop = stop && xc_stopper_is_stop(stop, f.data);
        nw++;
    }
    xc_enquire *enq = NULL;
    qr_textpos *tp = qr_textpos_new(stem);
    if (!tp)
        st = XC_NOMEM;
    df_cache dc = {db, NULL, NULL, 0};
    if (st == XC_OK)
        st = df_prefetch(&dc, stem, stop, w, nw);
    for (size_t i = 0; st == XC_OK && i + 1 < nw; i++)
        st = try_join(&dc, stem, &w[i], &w[i + 1], &c, &tmp);
    for (size_t i = 0; st == XC_OK && i < nw; i++)
        st = try_split(&dc, stem, stop, &w[i], &c, &enq, tp);
    df_cache_free(&dc);
    xc_enquire_free(enq);
    qr_textpos_free(tp);
    for (size_t i = 0; i < nw; i++)
        free(w[i].text);
    qr_buf_free(&f);
    qr_buf_free(&tmp);
    if (st != XC_OK) {
        qr_compounds_free(&c);
        return qr_status_from_xc(st);
    }
    *out = c;
    return QR_OK;
}

/*
 * verify.c — phrases and NEAR checked on each hit's text: the index keeps
 * no positions, so the search runs them as ANDs and drops the hits whose
 * text lacks them.
 */
#include "search_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* One hit being checked against the query as parsed (verify_hits). */
typedef struct verify_ctx {
    qr_textpos *tp;
    qr_record rec;
    strlist terms;       /* the passage's terms, in term order            */
    const strlist *article;   /* with article semantics: the query terms
                                 its article has (sorted), which decide
                                 the terms; the passage decides windows  */
    int failed;          /* out of memory                                 */
} verify_ctx;

static int verify_term(void *vctx, const char *term, size_t len)
{
    (void)len;
    verify_ctx *v = vctx;
    const strlist *l = v->article ? v->article : &v->terms;
    if (l->n == 0)       /* bsearch wants an array, even an empty one */
        return 0;
    return bsearch(&term, l->v, l->n, sizeof *l->v, strlist_cmp) != NULL;
}

/* The leading capitals of a term: its field prefix. */
static size_t prefix_len(const char *term)
{
    size_t n = 0;
    while (isupper((unsigned char)term[n]))
        n++;
    return n;
}

static int verify_window(void *vctx, int ordered, const char *const *terms,
                         size_t n, uint32_t window)
{
    verify_ctx *v = vctx;
    if (n == 0 || n > QR_MAX_QUERY_TERMS)
        return -1;
    size_t pl = prefix_len(terms[0]);
    for (size_t k = 1; k < n; k++)
        if (prefix_len(terms[k]) != pl || strncmp(terms[k], terms[0], pl))
            return -1;
    /* the fields whose words the prefix stands for */
    const char *body = NULL, *title = NULL;
    size_t blen = 0, tlen = 0;
    if (pl == 0) {
        body = v->rec.text;
        blen = v->rec.text_len;
        title = v->rec.title;
        tlen = strlen(title);
    } else if (strncmp(terms[0], QR_PREFIX_TITLE, pl) == 0 &&
               pl == strlen(QR_PREFIX_TITLE)) {
        title = v->rec.title;
        tlen = strlen(title);
    } else if (strncmp(terms[0], QR_PREFIX_AUTHOR, pl) == 0 &&
               pl == strlen(QR_PREFIX_AUTHOR)) {
        body = v->rec.author;
        blen = strlen(body);
    } else {
        return -1;
    }
    const char **words = malloc(n * sizeof *words);
    int r = -1;
    if (words) {
        for (size_t k = 0; k < n; k++)
            words[k] = terms[k] + pl;
        r = qr_textpos_has_run(v->tp, body, blen, title, tlen, words, n,
                               ordered, window);
    }
    if (r < 0)
        v->failed = 1;
    free(words);
    return r;
}

/* Keeps the candidates c[0..*n) whose passage matches q->windowed, the
 * query with its phrases (the search ran it with them as ANDs), dropping
 * the others in place; *n becomes the number kept. */
xc_status verify_hits(qr_searcher *s, const qr_query *q, xc_mset *ms,
                      cand *c, uint32_t *n)
{
    return verify_hits_in(s, q->windowed, ms, c, n, NULL, NULL);
}

xc_status verify_hits_in(qr_searcher *s, const xc_query *windowed,
                         xc_mset *ms, cand *c, uint32_t *n,
                         const strlist *(*article_terms)(void *, uint64_t),
                         void *ctx)
{
    xc_status st = searcher_scanner(s);
    uint32_t kept = 0;
    verify_ctx v = {.tp = s->tp};
    if (st == XC_OK)
        st = cand_fetch(s, s->db, ms, c, *n, XC_READ_TERMS);
    for (uint32_t i = 0; st == XC_OK && i < *n; i++) {
        v.article = article_terms ? article_terms(ctx, c[i].article) : NULL;
        if (article_terms && !v.article)
            continue;    /* not one of the articles asked about */
        xc_doc *doc = NULL;
        char *data = NULL;
        size_t len = 0;
        int verdict = -1;
        v.failed = 0;
        st = xc_mset_get_document(ms, c[i].index, &doc);
        if (st == XC_OK)
            st = xc_doc_get_data(doc, &data, &len);
        if (st == XC_OK && data &&
            qr_record_decode(data, len, &v.rec) == 0) {
            strlist_sink sink = {&v.terms, 0};
            st = xc_doc_terms_each(doc, strlist_sink_add, &sink);
            if (st == XC_OK && sink.failed)
                st = XC_NOMEM;
            /* the words of a phrase are stems in the article's language
             * (parse.c's variants): its text is read in it */
            if (st == XC_OK && !(v.tp = searcher_scanner_for(s, v.rec.lang)))
                st = XC_NOMEM;
            if (st == XC_OK)
                st = xc_query_evaluate(windowed, verify_term,
                                       verify_window, &v, &verdict);
            if (st == XC_OK && v.failed)
                st = XC_NOMEM;
        }
        /* an unreadable record is kept: the caller reports it */
        if (st == XC_OK && verdict != 0)
            c[kept++] = c[i];
        free(data);
        xc_doc_free(doc);
        strlist_clear(&v.terms);
    }
    free(v.terms.v);
    *n = kept;
    return st;
}

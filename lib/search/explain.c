/*
 * explain.c — the parts a hit's score is made of (--explain): one query
 * per term, compound and feedback term, weighed on the hits alone.
 */
#include "search_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *qr_part_kind_name(qr_part_kind k)
{
    switch (k) {
    case QR_PART_TERM: return "term";
    case QR_PART_COMPOUND: return "compound";
    case QR_PART_PHRASE: return "phrase";
    case QR_PART_PROXIMITY: return "proximity";
    case QR_PART_FEEDBACK: return "feedback";
    case QR_PART_ARTICLE: return "article";
    default: return "other";
    }
}

void explain_free_parts(qr_score_part *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i].label);
    free(p);
}

void explain_parts_free(qparts *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].label);
        xc_query_free(p->v[i].q);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* Drops the parts after the first n. */
void explain_parts_truncate(qparts *p, size_t n)
{
    while (p->n > n) {
        p->n--;
        free(p->v[p->n].label);
        xc_query_free(p->v[p->n].q);
    }
}

/* Adds a part; q is taken over (freed on failure too). */
xc_status explain_parts_add(qparts *p, qr_part_kind kind, const char *label,
                            xc_query *q)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        qpart *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            xc_query_free(q);
            return XC_NOMEM;
        }
        p->v = v;
        p->cap = cap;
    }
    char *l = strlist_strdup(label);
    if (!l) {
        xc_query_free(q);
        return XC_NOMEM;
    }
    p->v[p->n].kind = kind;
    p->v[p->n].label = l;
    p->v[p->n].q = q;
    p->n++;
    return XC_OK;
}

/* A term as the user would write it: "title:x" for a title term. */
static void term_label(const char *term, qr_buf *out)
{
    static const struct { const char *prefix, *field; } fields[] = {
        {QR_PREFIX_SOURCE, "source:"}, {QR_PREFIX_TITLE, "title:"},
        {QR_PREFIX_AUTHOR, "author:"}};
    qr_buf_clear(out);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        size_t n = strlen(fields[i].prefix);
        if (strncmp(term, fields[i].prefix, n) == 0 && term[n] &&
            !isupper((unsigned char)term[n])) {
            qr_buf_puts(out, fields[i].field);
            qr_buf_puts(out, term + n);
            return;
        }
    }
    qr_buf_puts(out, term);
}

typedef struct tparts_ctx {
    qparts *p;
    qr_buf label;
    xc_status st;
} tparts_ctx;

static int add_term_part(void *vctx, const char *term, size_t len,
                         uint32_t unused)
{
    (void)unused;
    tparts_ctx *c = vctx;
    char *t = qr_strndup(term, len);
    xc_query *tq = NULL;
    c->st = t ? xc_query_new_term(t, 1, 0, &tq) : XC_NOMEM;
    if (c->st == XC_OK) {
        term_label(t, &c->label);
        c->st = c->label.data ? explain_parts_add(c->p, QR_PART_TERM,
                                                  c->label.data, tq)
                              : XC_NOMEM;
    }
    free(t);
    return c->st != XC_OK;
}

/* The parts of q itself: each term of a plain list of words with its
 * within-query frequency, else each distinct term of the query (what its
 * structure changes goes to an "other" part), each compound form. The
 * text's evidence (proximity, phrase) comes from the rerank. */
xc_status explain_base_parts(const qr_query *q, qparts *p)
{
    xc_status st = XC_OK;
    if (q->nbow) {
        for (size_t i = 0; st == XC_OK && i < q->nbow; i++) {
            xc_query *tq = NULL;
            st = xc_query_new_term(q->bow_terms[i], q->bow_wqf[i], 0, &tq);
            if (st == XC_OK)
                st = explain_parts_add(p, QR_PART_TERM, q->bow_terms[i], tq);
        }
        for (size_t i = 0; st == XC_OK && i < q->ncompounds; i++) {
            xc_query *cq = NULL;
            st = xc_query_new_combine(XC_OP_OR, &q->compound_q[i], 1, 0,
                                      &cq);
            if (st == XC_OK)
                st = explain_parts_add(p, QR_PART_COMPOUND, q->compounds[i],
                                       cq);
        }
    } else {
        tparts_ctx c = {p, {0}, XC_OK};
        st = xc_query_terms_each(q->xq, add_term_part, &c);
        if (st == XC_OK)
            st = c.st;
        qr_buf_free(&c.label);
    }
    return st;
}

/* A boolean query matching the passages of res by their unique terms
 * (made from each hit's article id and passage number): it restricts
 * xc_enquire_weights without a match decider, so --explain works on
 * remote shards too. */
static xc_status only_these(const qr_results *res, xc_query **out)
{
    *out = NULL;
    size_t n = res->n;
    xc_query **t = calloc(n, sizeof *t);
    qr_buf term = {0};
    xc_status st = t ? XC_OK : XC_NOMEM;
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        const qr_record *r = &res->hits[i].rec;
        st = qr_passage_term(&term, r->article_id, r->ordinal) != 0
                 ? XC_NOMEM : xc_query_new_term(term.data, 1, 0, &t[i]);
    }
    xc_query *any = NULL;
    if (st == XC_OK)
        st = xc_query_new_combine(XC_OP_OR, t, n, 0, &any);
    /* scaled to 0: it filters, it adds no weight */
    if (st == XC_OK)
        st = xc_query_new_scaled(any, 0, out);
    xc_query_free(any);
    for (size_t i = 0; t && i < n; i++)
        xc_query_free(t[i]);
    free(t);
    qr_buf_free(&term);
    return st;
}

/* Fills each hit's parts: the weight of every part's query on its passage,
 * the proximity part, and whatever is left as "other". */
xc_status explain_hits(xc_enquire *enq, const qparts *p,
                              qr_results *res, const double *prox,
                              const double *phrase)
{
    return explain_hits_scaled(enq, p, res, prox, phrase, 1, NULL);
}

xc_status explain_hits_scaled(xc_enquire *enq, const qparts *p,
                              qr_results *res, const double *prox,
                              const double *phrase, double scale,
                              const double *article)
{
    size_t n = res->n;
    uint32_t *docids = malloc(n * sizeof *docids);
    double *w = malloc(n * sizeof *w);
    xc_query *only = NULL;
    xc_status st = docids && w ? XC_OK : XC_NOMEM;
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        docids[i] = res->hits[i].docid;
        /* room for every part, phrase, proximity, article and "other" */
        res->hits[i].parts = calloc(p->n + 4, sizeof *res->hits[i].parts);
        if (!res->hits[i].parts)
            st = XC_NOMEM;
    }
    if (st == XC_OK && enq)
        st = only_these(res, &only);
    for (size_t k = 0; st == XC_OK && enq && k < p->n; k++) {
        st = xc_enquire_weights(enq, p->v[k].q, only, docids, n, w);
        for (size_t i = 0; st == XC_OK && i < n; i++) {
            if (w[i] == 0)
                continue;
            qr_hit *h = &res->hits[i];
            qr_score_part *part = &h->parts[h->nparts];
            if (!(part->label = strlist_strdup(p->v[k].label))) {
                st = XC_NOMEM;
                break;
            }
            part->kind = p->v[k].kind;
            part->weight = scale * w[i];
            h->nparts++;
        }
    }
    for (size_t i = 0; st == XC_OK && i < n; i++) {
        qr_hit *h = &res->hits[i];
        double sum = 0;
        for (size_t k = 0; k < h->nparts; k++)
            sum += h->parts[k].weight;
        const struct { double w; qr_part_kind kind; const char *label; }
            text[3] = {{phrase[i], QR_PART_PHRASE, "phrase"},
                       {prox[i], QR_PART_PROXIMITY, "proximity"},
                       {article ? article[i] : 0, QR_PART_ARTICLE,
                        "whole article"}};
        for (size_t t = 0; st == XC_OK && t < 3; t++) {
            if (text[t].w == 0)
                continue;
            qr_score_part *part = &h->parts[h->nparts];
            if (!(part->label = strlist_strdup(text[t].label))) {
                st = XC_NOMEM;
                break;
            }
            part->kind = text[t].kind;
            part->weight = text[t].w;
            h->nparts++;
            sum += text[t].w;
        }
        if (st != XC_OK)
            break;
        double rest = h->score - sum;
        if (fabs(rest) > 1e-9 * (fabs(h->score) + 1)) {
            qr_score_part *part = &h->parts[h->nparts];
            if (!(part->label = strlist_strdup("query structure"))) {
                st = XC_NOMEM;
                break;
            }
            part->kind = QR_PART_OTHER;
            part->weight = rest;
            h->nparts++;
        }
    }
    xc_query_free(only);
    free(docids);
    free(w);
    return st;
}


/* print.c — the result printers of print.h (text, JSON Lines, TREC) and the
 * evaluation rows. */
#include "print.h"

#include <stdlib.h>
#include <string.h>

#define SGR_TITLE  "\033[1m"
#define SGR_ID     "\033[35m"
#define SGR_MATCH  "\033[1;31m"
#define SGR_RESET  "\033[0m"
#define INDENT      "   "

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* The end of the sentence that text[..e) stops in, when it ends within
 * EXCERPT_MORE bytes (after its '.', '!' or '?'); else e. */
#define EXCERPT_MORE 160
static size_t sentence_end(const char *text, size_t len, size_t e)
{
    if (e > 0 && strchr(".!?", text[e - 1]))
        return e;
    for (size_t i = e; i < len && i < e + EXCERPT_MORE; i++)
        if (strchr(".!?", text[i]) && text[i] &&
            (i + 1 == len || is_space((unsigned char)text[i + 1])))
            return i + 1;
    return e;
}

/* ----------------------------------------------------------------- text */

/* The score parts, one line each; the feedback terms on one line,
 * wrapped at width under the first term. */
static int text_parts(qr_buf *out, const qr_score_part *p, size_t n,
                      unsigned width)
{
    int rc = 0, first = 1;
    double fb = 0;
    size_t nfb = 0;
    qr_flow plain = {out, "", "", 0, 0, 0, "", 0};
    for (size_t i = 0; i < n; i++) {
        if (p[i].kind == QR_PART_FEEDBACK) {
            fb += p[i].weight;
            nfb++;
            continue;
        }
        rc |= qr_buf_printf(out, INDENT "%c %.3f  ", first ? '=' : '+',
                            p[i].weight);
        first = 0;
        rc |= qr_flow_text(&plain, p[i].label, strlen(p[i].label), NULL, 0);
        if (p[i].kind == QR_PART_TERM)
            rc |= qr_buf_puts(out, " (BM25)");
        else if (p[i].kind == QR_PART_COMPOUND)
            rc |= qr_buf_puts(out, " (compound, BM25)");
        rc |= qr_buf_putc(out, '\n');
    }
    if (nfb) {
        size_t at = out->len;
        rc |= qr_buf_printf(out, INDENT "%c %.3f  feedback:", first ? '=' : '+',
                            fb);
        /* the terms as one text, flowed after the label */
        qr_buf terms = {0};
        int sep = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i].kind != QR_PART_FEEDBACK)
                continue;
            rc |= qr_buf_puts(&terms, sep ? ", " : "");
            sep = 1;
            rc |= qr_buf_puts(&terms, p[i].label);
            /* a no-break space: a term and its weight stay on one line */
            rc |= qr_buf_printf(&terms, "\xC2\xA0%.3f", p[i].weight);
        }
        size_t col = out->len - at;
        static const char hang[] = "             ";   /* under "feedback:" */
        qr_flow f = {out, "", "", width, col + 1, sizeof hang - 1, hang, 0};
        rc |= qr_buf_putc(out, ' ');
        if (terms.len)
            rc |= qr_flow_text(&f, terms.data, terms.len, NULL, 0);
        qr_buf_free(&terms);
        rc |= qr_buf_putc(out, '\n');
    }
    return rc;
}

/* ", +N duplicate(s)" after the score. */
static int put_duplicates(qr_buf *out, uint32_t n)
{
    if (!n)
        return 0;
    return qr_buf_printf(out, " (+%u duplicate%s)", n, n == 1 ? "" : "s");
}

/* "passage 3/7, page 4" (or "pages 4-5"). */
static int put_passage(qr_buf *out, const qr_record *r)
{
    int rc = qr_buf_printf(out, "passage %u/%u", r->ordinal + 1, r->npassages);
    if (r->page && r->page_last > r->page)
        rc |= qr_buf_printf(out, ", pages %u-%u", r->page, r->page_last);
    else if (r->page)
        rc |= qr_buf_printf(out, ", page %u", r->page);
    return rc;
}

/* The passage: an excerpt (the sentences around its densest matches) or,
 * with full, all of it; wrapped at o->width after INDENT. */
static int text_passage(qr_buf *out, const qr_print_opts *o,
                        const qr_print_item *it)
{
    const qr_record *r = it->rec;
    qr_flow body = {out, o->color ? SGR_MATCH : "", o->color ? SGR_RESET : "",
                 o->width, sizeof INDENT - 1, sizeof INDENT - 1, INDENT, 0};
    size_t s = 0, e = r->text_len;
    if (!o->full) {
        qr_snippet_window(r->text, r->text_len, it->spans, it->nspans,
                          QR_EXCERPT_BYTES, &s, &e);
        e = sentence_end(r->text, r->text_len, e);
    }
    int rc = qr_buf_puts(out, INDENT);
    rc |= qr_flow_window(&body, r->text, r->text_len, it->spans, it->nspans, s, e);
    rc |= qr_buf_putc(out, '\n');
    return rc;
}

static int text_item(qr_buf *out, const qr_print_opts *o,
                     const qr_print_item *it)
{
    const qr_record *r = it->rec;
    int rc = 0;
    if (!it->first_in_article) {
        /* another passage of the article above */
        rc |= qr_buf_puts(out, INDENT);
        rc |= put_passage(out, r);
        rc |= qr_buf_printf(out, ", score %.3f\n", it->score);
        if (it->nparts)
            rc |= text_parts(out, it->parts, it->nparts, o->width);
        rc |= text_passage(out, o, it);
        return rc ? -1 : 0;
    }
    if (it->index > 0)
        rc |= qr_buf_putc(out, '\n');
    /* 1. Title, wrapped under itself */
    size_t used = out->len;
    rc |= qr_buf_printf(out, "%u. ", it->rank);
    used = out->len - used;
    if (o->color)
        rc |= qr_buf_puts(out, SGR_TITLE);
    qr_flow f = {out, o->color ? SGR_MATCH : "", o->color ? SGR_RESET SGR_TITLE : "",
              o->width, used, sizeof INDENT - 1, INDENT, 0};
    if (r->title && *r->title)
        rc |= qr_flow_text(&f, r->title, strlen(r->title), it->title_spans,
                        it->ntitle_spans);
    else
        rc |= qr_buf_puts(out, "(untitled)");
    if (o->color)
        rc |= qr_buf_puts(out, SGR_RESET);
    rc |= qr_buf_putc(out, '\n');

    /* id (source), date, by author, passage 3/7, page 4, score: the id
     * first, in its colour, then the rest wrapped after it */
    rc |= qr_buf_puts(out, INDENT);
    qr_flow meta = {out, "", "", o->width, sizeof INDENT - 1, sizeof INDENT - 1,
                 INDENT, 0};
    if (o->color)
        rc |= qr_buf_puts(out, SGR_ID);
    rc |= qr_flow_text(&meta, r->article_id, strlen(r->article_id), NULL, 0);
    if (o->color)
        rc |= qr_buf_puts(out, SGR_RESET);
    qr_buf rest = {0};
    if (r->source && *r->source && strcmp(r->source, r->article_id) != 0) {
        rc |= qr_buf_puts(&rest, "(");
        rc |= qr_buf_puts(&rest, r->source);
        rc |= qr_buf_putc(&rest, ')');
    }
    if (r->date && *r->date) {
        rc |= qr_buf_puts(&rest, ", ");
        rc |= qr_date_format(&rest, r->date);
    }
    if (r->author && *r->author) {
        rc |= qr_buf_puts(&rest, ", by ");
        rc |= qr_buf_puts(&rest, r->author);
    }
    if (o->langs && r->lang && *r->lang) {
        rc |= qr_buf_puts(&rest, ", ");
        rc |= qr_buf_puts(&rest, r->lang);
    }
    if (o->grouped) {
        rc |= put_duplicates(&rest, it->duplicates);
    } else {
        rc |= qr_buf_puts(&rest, ", ");
        rc |= put_passage(&rest, r);
        rc |= qr_buf_printf(&rest, ", score %.3f", it->score);
        if (it->collapsed)
            rc |= qr_buf_printf(&rest, " (+%u more passage%s)", it->collapsed,
                                it->collapsed == 1 ? "" : "s");
        rc |= put_duplicates(&rest, it->duplicates);
    }
    /* "id, date ...": the comma stays with the id; "id (source), ...":
     * the source may go to the next line */
    size_t skip = 0;
    if (rest.len > 1 && rest.data[0] == ',') {
        rc |= qr_buf_putc(out, ',');
        meta.col++;
        skip = 2;
    }
    meta.more = 1;
    if (rest.len > skip)
        rc |= qr_flow_text(&meta, rest.data + skip, rest.len - skip, NULL, 0);
    qr_buf_free(&rest);
    rc |= qr_buf_putc(out, '\n');
    if (o->grouped) {
        rc |= qr_buf_puts(out, INDENT);
        rc |= put_passage(out, r);
        rc |= qr_buf_printf(out, ", score %.3f\n", it->score);
    }
    if (it->nparts)
        rc |= text_parts(out, it->parts, it->nparts, o->width);
    rc |= text_passage(out, o, it);
    return rc ? -1 : 0;
}

int qr_print_total(qr_buf *out, const qr_print_opts *o, uint32_t total,
                   int exact, uint32_t first, uint32_t last)
{
    const char *unit = o->passages ? "passage" : "article";
    int rc = qr_buf_printf(out, "%s%u %s%s", exact ? "" : "About ", total,
                           unit, total == 1 ? "" : "s");
    if (first > 1 || last < total || !exact)
        rc |= qr_buf_printf(out, "; showing %u-%u", first, last);
    rc |= qr_buf_puts(out, "\n\n");
    return rc ? -1 : 0;
}

/* ----------------------------------------------------------------- JSON */

/* One line of JSON Lines: the library's result object (result_json.h). */
static int json_item(qr_buf *out, const qr_print_opts *o,
                     const qr_print_item *it)
{
    qr_json_opts jo = {
        .total = o->total, .total_exact = o->total_exact,
        .snippet_bytes = o->snippet_bytes, .suggestion = o->suggestion,
        .corrected = o->corrected,
    };
    if (qr_result_json(out, &jo, it) != 0 || qr_buf_putc(out, '\n') != 0)
        return -1;
    return 0;
}

/* ----------------------------------------------------------------- TREC */

/* An id as one TREC field: whitespace and control characters become "_". */
static int put_field(qr_buf *out, const char *s)
{
    int rc = 0;
    if (!*s)
        return qr_buf_putc(out, '-');
    for (; *s && rc == 0; s++) {
        unsigned char c = (unsigned char)*s;
        rc = qr_buf_putc(out, c <= 0x20 || c == 0x7F ? '_' : (char)c);
    }
    return rc;
}

static int trec_item(qr_buf *out, const qr_print_opts *o,
                     const qr_print_item *it)
{
    int rc = put_field(out, o->qid ? o->qid : "1");
    rc |= qr_buf_puts(out, " Q0 ");
    rc |= put_field(out, it->rec->article_id);
    if (o->passage_ids)
        rc |= qr_buf_printf(out, "#%u", it->rec->ordinal + 1);
    rc |= qr_buf_printf(out, " %u %.6f ", it->rank, it->score);
    rc |= put_field(out, o->run_tag ? o->run_tag : "quarry");
    rc |= qr_buf_putc(out, '\n');
    return rc ? -1 : 0;
}

static const qr_printer printers[] = {
    [QR_OUT_TEXT] = {"text", text_item},
    [QR_OUT_JSON] = {"json", json_item},
    [QR_OUT_TREC] = {"trec", trec_item},
};

const qr_printer *qr_printer_for(qr_output fmt)
{
    if ((unsigned)fmt >= sizeof printers / sizeof printers[0])
        return &printers[QR_OUT_TEXT];
    return &printers[fmt];
}

/* --------------------------------------------------------------- metrics */

int qr_metrics_header(qr_buf *out)
{
    return qr_buf_printf(out, "%-12s %8s %8s %8s %8s %8s\n", "qid",
                         "nDCG@10", "MAP", "R@100", "MRR@10", "P@10");
}

int qr_metrics_row(qr_buf *out, const char *label, const qr_metrics *m,
                   int json)
{
    if (json) {
        int rc = qr_buf_puts(out, "{\"qid\":");
        rc |= qr_buf_json_string(out, label, strlen(label));
        rc |= qr_buf_printf(out,
                            ",\"ndcg@10\":%.6f,\"map\":%.6f,"
                            "\"recall@100\":%.6f,\"mrr@10\":%.6f,"
                            "\"p@10\":%.6f}\n",
                            m->ndcg10, m->map, m->recall100, m->mrr10, m->p10);
        return rc ? -1 : 0;
    }
    qr_buf l = {0};
    int rc = put_field(&l, label);
    rc |= qr_buf_printf(out, "%-12s %8.4f %8.4f %8.4f %8.4f %8.4f\n",
                        l.data ? l.data : "", m->ndcg10, m->map, m->recall100,
                        m->mrr10, m->p10);
    qr_buf_free(&l);
    return rc ? -1 : 0;
}

/*
 * xmldoc.c — what the zip-package readers share once a part is loaded: the
 * XML parser under safe rules (rd_xml_parse) and the document they build
 * (rd_doc: text with separators and pages, metadata, title, emission).
 *
 * The parser is libxml2's SAX2 push parser fed in 1 MiB pieces: nothing is
 * built but what the reader keeps. A DOCTYPE stops the parse (no package
 * part has a legitimate one), no entity handler is installed, so only the
 * five predefined entities and character references are ever decoded;
 * XML_PARSE_NONET and no XML_PARSE_NOENT, DTDLOAD or HUGE. Depth is
 * counted here and capped at RD_XML_MAX_DEPTH.
 */
#include "reader_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

/* ------------------------------------------------------------ parsing */

typedef struct sax_state {
    xmlParserCtxtPtr ctxt;
    const rd_xml_cb *cb;
    void *ud;
    int depth;
    int doctype;          /* a DOCTYPE was met: stopped                 */
    int too_deep;         /* nesting past the cap: stopped              */
    char err[160];        /* libxml2's first error, one line            */
    int err_line;
    int err_fatal;
} sax_state;

static void sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
                      const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
                      int ndefaulted, const xmlChar **attrs)
{
    sax_state *s = ctx;
    (void)prefix;
    (void)nns;
    (void)ns;
    (void)ndefaulted;
    if (++s->depth > RD_XML_MAX_DEPTH) {
        if (!s->too_deep)
            xmlStopParser(s->ctxt);
        s->too_deep = 1;
        return;
    }
    if (s->cb->start)
        s->cb->start(s->ud, (const char *)local, (const char *)uri, (const char **)attrs,
                     nattrs);
}

static void sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
                    const xmlChar *uri)
{
    sax_state *s = ctx;
    (void)prefix;
    if (s->depth-- > RD_XML_MAX_DEPTH || s->too_deep)
        return;
    if (s->cb->end)
        s->cb->end(s->ud, (const char *)local, (const char *)uri);
}

static void sax_text(void *ctx, const xmlChar *ch, int len)
{
    sax_state *s = ctx;
    if (s->cb->text && len > 0 && !s->too_deep)
        s->cb->text(s->ud, (const char *)ch, (size_t)len);
}

static void sax_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                        const xmlChar *sys_id)
{
    sax_state *s = ctx;
    (void)name;
    (void)ext_id;
    (void)sys_id;
    s->doctype = 1;
    xmlStopParser(s->ctxt);
}

/* Keeps the first fatal error (what made the part not well-formed), else
 * the first error. */
static void sax_error(void *ctx, xmlErrorPtr e)
{
    sax_state *s = ctx;
    if (!e || e->level < XML_ERR_ERROR || s->err_fatal ||
        (s->err[0] && e->level != XML_ERR_FATAL))
        return;
    s->err_fatal = e->level == XML_ERR_FATAL;
    snprintf(s->err, sizeof s->err, "%s", e->message ? e->message : "error");
    rd_one_line(s->err);
    size_t n = strlen(s->err);
    while (n > 0 && s->err[n - 1] == ' ')
        s->err[--n] = '\0';
    s->err_line = e->line;
}

qr_status rd_xml_parse(const rd_part *part, const rd_xml_cb *cb, void *ud, qr_buf *why)
{
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = sax_start;
    sax.endElementNs = sax_end;
    sax.characters = sax_text;
    sax.cdataBlock = sax_text;
    sax.internalSubset = sax_doctype;
    sax.serror = sax_error;

    sax_state s;
    memset(&s, 0, sizeof s);
    s.cb = cb;
    s.ud = ud;
    xmlInitParser();
    s.ctxt = xmlCreatePushParserCtxt(&sax, &s, NULL, 0, NULL);
    if (!s.ctxt)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    xmlCtxtUseOptions(s.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    const size_t piece = (size_t)1 << 20;
    size_t off = 0;
    do {
        size_t n = part->len - off < piece ? part->len - off : piece;
        int last = off + n == part->len;
        xmlParseChunk(s.ctxt, part->data + off, (int)n, last);
        off += n;
    } while (off < part->len && !s.doctype && !s.too_deep && s.ctxt->wellFormed &&
             s.ctxt->instate != XML_PARSER_EOF);
    int well_formed = s.ctxt->wellFormed;
    int oom = s.ctxt->errNo == XML_ERR_NO_MEMORY;
    xmlFreeParserCtxt(s.ctxt);

    if (s.doctype)
        return rd_fail(why, QR_ERR_FORMAT, "%s: DOCTYPE refused (no DTD or entity "
                       "declarations in a package)", part->name);
    if (s.too_deep)
        return rd_fail(why, QR_ERR_FORMAT, "%s: elements nested deeper than %d", part->name,
                       RD_XML_MAX_DEPTH);
    if (oom)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    if (!well_formed || part->len == 0)
        return rd_fail(why, QR_ERR_FORMAT, "%s: not well-formed XML (line %d: %s)", part->name,
                       s.err_line, s.err[0] ? s.err : part->len ? "error" : "empty");
    return QR_OK;
}

int rd_xml_attr(const char **attrs, int nattrs, const char *local, int which, char *out,
                size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < nattrs; i++) {
        const char **a = attrs + 5 * i;
        if (strcmp(a[0], local) != 0 || (which == RD_ATTR_PLAIN && a[2]) ||
            (which == RD_ATTR_NS && !a[2]))
            continue;
        /* without entity substitution libxml2 hands '&' on as "&#38;" */
        size_t n = 0;
        for (const char *v = a[3]; v < a[4] && n + 1 < cap; v++) {
            if (*v == '&' && a[4] - v >= 5 && memcmp(v, "&#38;", 5) == 0)
                v += 4;
            out[n++] = *v;
        }
        out[n] = '\0';
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ the document */

void rd_doc_init(rd_doc *d, const rd_ctx *rc)
{
    memset(d, 0, sizeof *d);
    d->limit = rc->max_article < SIZE_MAX ? rc->max_article + 1 : rc->max_article;
    d->budget = rc->max_doc > SIZE_MAX / 4 ? SIZE_MAX : rc->max_doc * 4;
}

void rd_doc_free(rd_doc *d)
{
    qr_buf_free(&d->text);
    qr_buf_free(&d->heading);
    qr_buf_free(&d->title);
    qr_buf_free(&d->author);
    qr_buf_free(&d->lang);
    qr_buf_free(&d->date);
    free(d->pages);
    memset(d, 0, sizeof *d);
}

/* Appends what fits under the limit (cut at a character), then no more. */
static void put(rd_doc *d, const char *s, size_t n)
{
    if (d->full || d->oom)
        return;
    if (d->text.len + n > d->limit) {
        n = d->limit - d->text.len;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        d->full = 1;
    }
    if (qr_buf_append(&d->text, s, n) != 0)
        d->oom = 1;
}

/* Counts bytes handed in: past the budget the text is full. Text comes
 * from the parts, each byte once, except what a part names by reference
 * (an XLSX cell naming a shared string): a million cells naming one long
 * string, even of blanks that add nothing, must not cost a million scans. */
static int over_budget(rd_doc *d, size_t n)
{
    if (d->full || d->oom)
        return 1;
    if (n > d->budget - d->fed) {
        d->full = 1;
        return 1;
    }
    d->fed += n;
    return 0;
}

/* The separator owed, written when text follows something on this page. */
static void flush(rd_doc *d)
{
    static const char *const SEP[] = {"", " ", "\t", "\n", "\n\n"};
    if (d->pending != RD_SEP_NONE && d->text.len > d->seg)
        put(d, SEP[d->pending], strlen(SEP[d->pending]));
    d->pending = RD_SEP_NONE;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void rd_doc_text(rd_doc *d, const char *s, size_t n)
{
    if (over_budget(d, n))
        return;
    size_t i = 0;
    while (i < n) {
        if (is_space(s[i])) {
            rd_doc_sep(d, RD_SEP_SPACE);
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && !is_space(s[j]))
            j++;
        flush(d);
        put(d, s + i, j - i);
        i = j;
    }
}

void rd_doc_raw(rd_doc *d, const char *s, size_t n)
{
    if (n == 0 || over_budget(d, n))
        return;
    flush(d);
    put(d, s, n);
}

void rd_doc_sep(rd_doc *d, int sep)
{
    if (d->inline_depth > 0 && sep > RD_SEP_TAB)
        sep = RD_SEP_SPACE;   /* a cell's paragraphs stay on its row */
    if (sep > d->pending)
        d->pending = sep;
}

void rd_doc_inline(rd_doc *d, int enter, int sep)
{
    rd_doc_sep(d, sep);
    if (enter)
        d->inline_depth++;
    else if (d->inline_depth > 0)
        d->inline_depth--;
}

void rd_doc_page(rd_doc *d)
{
    if (d->oom)
        return;
    if (d->npages == d->pages_cap) {
        size_t ncap = d->pages_cap ? d->pages_cap * 2 : 16;
        size_t *np = realloc(d->pages, ncap * sizeof *np);
        if (!np) {
            d->oom = 1;
            return;
        }
        d->pages = np;
        d->pages_cap = ncap;
    }
    d->seg = d->text.len;
    d->pages[d->npages++] = d->seg;
    d->pending = RD_SEP_NONE;
}

void rd_doc_heading(rd_doc *d, int begin)
{
    if (begin) {
        if (d->heading.len == 0 && !d->heading_open) {
            d->heading_open = 1;
            d->heading_from = d->text.len;
        }
        return;
    }
    if (!d->heading_open)
        return;
    d->heading_open = 0;
    size_t n = d->text.len - d->heading_from;
    if (n > RD_FIELD_MAX)
        n = RD_FIELD_MAX;
    /* an empty heading of an empty text: text.data may still be NULL */
    if (n && qr_buf_append(&d->heading, d->text.data + d->heading_from, n) != 0)
        d->oom = 1;
}

/* ------------------------------------------------------------ metadata */

#define META_SLOTS 12

typedef struct meta_state {
    const char *names[META_SLOTS];
    qr_buf val[META_SLOTS];
    int seen[META_SLOTS];
    int open;              /* slot being collected, or -1 */
    int depth;             /* nesting inside it            */
    int oom;
} meta_state;

static void meta_start(void *ud, const char *local, const char *ns, const char **attrs,
                       int nattrs)
{
    meta_state *m = ud;
    (void)ns;
    (void)attrs;
    (void)nattrs;
    if (m->open >= 0) {
        m->depth++;
        return;
    }
    for (int i = 0; i < META_SLOTS && m->names[i]; i++)
        if (!m->seen[i] && strcmp(local, m->names[i]) == 0) {
            m->open = i;
            m->depth = 0;
            return;
        }
}

static void meta_end(void *ud, const char *local, const char *ns)
{
    meta_state *m = ud;
    (void)local;
    (void)ns;
    if (m->open >= 0 && m->depth-- == 0) {
        m->seen[m->open] = 1;
        m->open = -1;
    }
}

static void meta_text(void *ud, const char *s, size_t n)
{
    meta_state *m = ud;
    if (m->open >= 0 && m->val[m->open].len < RD_FIELD_MAX &&
        qr_buf_append(&m->val[m->open], s, n) != 0)
        m->oom = 1;
}

/* The first non-blank value among the slots from..from+count. */
static const qr_buf *best(const meta_state *m, int from, int count)
{
    for (int i = from; i < from + count; i++)
        if (m->val[i].len > 0 && strspn(m->val[i].data, " \t\r\n") < m->val[i].len)
            return &m->val[i];
    return NULL;
}

static int count_names(const char *const *l)
{
    int n = 0;
    while (n < 3 && l[n])
        n++;
    return n;
}

qr_status rd_doc_meta(rd_pkg *p, rd_doc *d, const rd_part *part, const rd_meta_names *names,
                      qr_buf *why)
{
    meta_state m;
    memset(&m, 0, sizeof m);
    m.open = -1;
    int nt = count_names(names->title), na = count_names(names->author),
        nd = count_names(names->date), nl = count_names(names->lang);
    memcpy(m.names, names->title, (size_t)nt * sizeof *m.names);
    memcpy(m.names + nt, names->author, (size_t)na * sizeof *m.names);
    memcpy(m.names + nt + na, names->date, (size_t)nd * sizeof *m.names);
    memcpy(m.names + nt + na + nd, names->lang, (size_t)nl * sizeof *m.names);
    static const rd_xml_cb cb = {meta_start, meta_end, meta_text};
    qr_buf pwhy = {0};
    qr_status st = rd_xml_parse(part, &cb, &m, &pwhy);
    if (st == QR_OK && !m.oom) {
        const qr_buf *t = best(&m, 0, nt), *a = best(&m, nt, na),
                     *l = best(&m, nt + na + nd, nl);
        if ((t && qr_buf_append(&d->title, t->data, t->len) != 0) ||
            (a && qr_buf_append(&d->author, a->data, a->len) != 0) ||
            (l && d->lang.len == 0 &&
             qr_buf_append(&d->lang, l->data, l->len) != 0))
            m.oom = 1;
        /* the first date understood, else the first as written (rd_emit
         * warns about it) */
        const qr_buf *raw = best(&m, nt + na, nd);
        char norm[9] = "";
        for (int i = nt + na; i < nt + na + nd && !norm[0]; i++)
            if (m.val[i].len && qr_date_normalise(m.val[i].data, norm) != 0)
                norm[0] = '\0';
        if (d->date.len == 0 && norm[0] && qr_buf_puts(&d->date, norm) != 0)
            m.oom = 1;
        else if (d->date.len == 0 && raw && qr_buf_append(&d->date, raw->data, raw->len) != 0)
            m.oom = 1;
    } else if (st != QR_ERR_NOMEM && !m.oom) {
        /* metadata is a nicety: the document is read without it */
        qr_buf where = {0};
        if (rd_pkg_where(p, part->name, &where) == 0)
            rd_warn(p->rc, where.data, "%s: metadata ignored", pwhy.data);
        qr_buf_free(&where);
        st = QR_OK;
    }
    for (int i = 0; i < META_SLOTS; i++)
        qr_buf_free(&m.val[i]);
    qr_buf_free(&pwhy);
    if (m.oom || st == QR_ERR_NOMEM)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    return QR_OK;
}

/* ------------------------------------------------------------ emission */

static int blank(const qr_buf *b)
{
    return b->len == 0 || strspn(b->data, " \t\r\n") == b->len;
}

/* The text tidied page by page into out (pages[k] moved along), pages
 * separated by a blank line. */
static int tidy_pages(rd_doc *d, qr_buf *out)
{
    size_t np = d->npages ? d->npages : 1;
    qr_buf seg = {0};
    for (size_t k = 0; k < np; k++) {
        size_t from = d->npages ? d->pages[k] : 0;
        size_t to = d->npages && k + 1 < d->npages ? d->pages[k + 1] : d->text.len;
        qr_buf_clear(&seg);
        if (qr_buf_append(&seg, d->text.data ? d->text.data + from : "", to - from) != 0)
            goto oom;
        rd_tidy_text(&seg, 0);
        if (seg.len > 0 && out->len > 0 && qr_buf_append(out, "\n\n", 2) != 0)
            goto oom;
        if (d->npages)
            d->pages[k] = out->len;
        if (qr_buf_append(out, seg.data ? seg.data : "", seg.len) != 0)
            goto oom;
    }
    qr_buf_free(&seg);
    return qr_buf_append(out, "", 0);
oom:
    qr_buf_free(&seg);
    return -1;
}

/* The first non-blank line of text, as a title. */
static int first_line_title(const qr_buf *text, qr_buf *title)
{
    const char *s = text->data ? text->data : "";
    size_t n = text->len, i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        if (strspn(s + i, " \t") < e - i)
            return rd_line_title(title, s + i, e - i);
        i = e + 1;
    }
    return 0;
}

qr_status rd_doc_emit(rd_pkg *p, rd_doc *d, qr_format fmt, qr_buf *why)
{
    rd_doc_heading(d, 0);
    qr_buf body = {0}, title = {0};
    qr_status st;
    if (d->oom || tidy_pages(d, &body) != 0)
        goto oom;
    const qr_buf *t = !blank(&d->title) ? &d->title : !blank(&d->heading) ? &d->heading : NULL;
    if (t ? qr_buf_append(&title, t->data, t->len) != 0
          : first_line_title(&body, &title) != 0)
        goto oom;
    if (qr_buf_append(&title, "", 0) != 0 || qr_buf_append(&d->author, "", 0) != 0 ||
        qr_buf_append(&d->lang, "", 0) != 0)
        goto oom;
    if (d->full && body.len <= p->rc->max_article)
        rd_warn(p->rc, p->u->where, "article body truncated to %zu bytes (max_article_bytes)",
                body.len);
    qr_article a = {
        .id = p->u->id, .title = title.data, .body = body.data, .body_len = body.len,
        .url = "", .date = d->date.data, .author = d->author.data, .format = fmt,
        .pages = d->npages ? d->pages : NULL, .npages = d->npages,
        .lang = d->lang.data,
    };
    st = rd_emit(p->rc, p->u->where, &a, why);
    qr_buf_free(&body);
    qr_buf_free(&title);
    return st;
oom:
    qr_buf_free(&body);
    qr_buf_free(&title);
    return rd_fail(why, QR_ERR_NOMEM, "out of memory");
}

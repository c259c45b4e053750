/*
 * read_odf.c — OpenDocument (ODT, ODP, ODS) to one article each: the text
 * of content.xml's office:body, metadata from meta.xml.
 *
 * Paragraphs and headings (text:p, text:h) are paragraphs; spans, links
 * and fields are their text; text:s and text:tab are spaces, text:line-break
 * a line break; tables are rows (lines) of tab-separated cells, a repeated
 * row or cell given once; a footnote's text stays in its paragraph,
 * between spaces. ODP: each draw:page a page (its speaker notes with it);
 * ODS: each sheet (a table:table of office:spreadsheet) a page.
 * Left out: tracked changes (deleted text), annotations, footnote marks,
 * and the alternative text of drawings. The first text:h (or paragraph of
 * style Title) is the title when meta.xml has none. Metadata: dc:title,
 * meta:initial-creator (the author; dc:creator names whoever saved last)
 * else dc:creator, meta:creation-date else dc:date.
 */
#include "reader_int.h"

#include <string.h>

static const rd_meta_names META = {
    {"title", NULL}, {"initial-creator", "creator", NULL}, {"creation-date", "date", NULL},
    {"language", NULL}};

typedef struct odf_st {
    rd_doc *d;
    int body;          /* inside office:body                             */
    int skip;          /* depth inside a subtree left out                */
    int pages_of;      /* 'p' presentation (draw:page), 's' spreadsheet  */
    int tables;        /* depth of table:table                           */
    int heading;       /* depth of the paragraph that opened the heading */
    int depth;
} odf_st;

static int left_out(const char *l, const char *ns)
{
    static const char *const NAMES[] = {
        "tracked-changes", "annotation", "annotation-end", "note-citation",
        "sequence-decls", "forms", "scripts", "automatic-styles", "font-face-decls",
    };
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strcmp(l, NAMES[i]) == 0)
            return 1;
    /* svg:title and svg:desc: alternative text of drawings */
    return ns && strstr(ns, "svg-compatible") &&
           (strcmp(l, "title") == 0 || strcmp(l, "desc") == 0);
}

static void odf_start(void *ud, const char *l, const char *ns, const char **at, int na)
{
    odf_st *s = ud;
    char style[64];
    s->depth++;
    if (s->skip || left_out(l, ns)) {
        s->skip++;
        return;
    }
    if (strcmp(l, "body") == 0) {
        s->body++;
    } else if (!s->body) {
        return;
    } else if (strcmp(l, "presentation") == 0 || strcmp(l, "drawing") == 0) {
        s->pages_of = 'p';
    } else if (strcmp(l, "spreadsheet") == 0) {
        s->pages_of = 's';
    } else if (strcmp(l, "p") == 0 || strcmp(l, "h") == 0) {
        rd_doc_sep(s->d, RD_SEP_PARA);
        if (!s->heading && (strcmp(l, "h") == 0 ||
                            (rd_xml_attr(at, na, "style-name", RD_ATTR_ANY, style, sizeof style) &&
                             strcmp(style, "Title") == 0))) {
            rd_doc_heading(s->d, 1);
            s->heading = s->depth;
        }
    } else if (strcmp(l, "s") == 0 || strcmp(l, "tab") == 0) {
        rd_doc_sep(s->d, RD_SEP_SPACE);
    } else if (strcmp(l, "line-break") == 0) {
        rd_doc_sep(s->d, RD_SEP_LINE);
    } else if (strcmp(l, "page") == 0 && s->pages_of == 'p') {
        rd_doc_page(s->d);
    } else if (strcmp(l, "table") == 0) {
        if (s->tables++ == 0 && s->pages_of == 's')
            rd_doc_page(s->d);
        rd_doc_sep(s->d, RD_SEP_PARA);
    } else if (strcmp(l, "table-row") == 0) {
        rd_doc_sep(s->d, RD_SEP_LINE);
    } else if (strcmp(l, "table-cell") == 0 || strcmp(l, "covered-table-cell") == 0) {
        rd_doc_inline(s->d, 1, RD_SEP_TAB);
    } else if (strcmp(l, "note-body") == 0) {
        rd_doc_inline(s->d, 1, RD_SEP_SPACE);
    }
}

static void odf_end(void *ud, const char *l, const char *ns)
{
    odf_st *s = ud;
    (void)ns;
    int depth = s->depth--;
    if (s->skip) {
        s->skip--;
    } else if (strcmp(l, "body") == 0) {
        s->body--;
    } else if (!s->body) {
        return;
    } else if (strcmp(l, "p") == 0 || strcmp(l, "h") == 0) {
        if (s->heading == depth) {
            rd_doc_heading(s->d, 0);
            s->heading = -1;   /* one heading only */
        }
        rd_doc_sep(s->d, RD_SEP_PARA);
    } else if (strcmp(l, "table") == 0) {
        s->tables--;
        rd_doc_sep(s->d, RD_SEP_PARA);
    } else if (strcmp(l, "table-row") == 0) {
        rd_doc_sep(s->d, RD_SEP_LINE);
    } else if (strcmp(l, "table-cell") == 0 || strcmp(l, "covered-table-cell") == 0) {
        rd_doc_inline(s->d, 0, RD_SEP_NONE);
    } else if (strcmp(l, "note-body") == 0) {
        rd_doc_inline(s->d, 0, RD_SEP_SPACE);
    }
}

static void odf_text(void *ud, const char *str, size_t n)
{
    odf_st *s = ud;
    if (s->body && !s->skip)
        rd_doc_text(s->d, str, n);
}

static qr_status read_odf(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                          const char *kind, qr_format fmt, qr_buf *why)
{
    rd_pkg p;
    rd_doc d;
    rd_doc_init(&d, rc);
    qr_status st = rd_pkg_open(&p, rc, u, kind, data, len, why);
    if (st != QR_OK) {
        rd_doc_free(&d);
        return st;
    }
    rd_part *content = rd_pkg_want(&p, "content.xml");
    rd_part *meta = rd_pkg_want(&p, "meta.xml");
    if (!content)
        st = rd_fail(why, QR_ERR_FORMAT, "not %s %s: content.xml missing", p.an, kind);
    if (st == QR_OK)
        st = rd_pkg_load(&p, why);
    if (st == QR_OK && meta)
        st = rd_doc_meta(&p, &d, meta, &META, why);
    if (st == QR_OK) {
        static const rd_xml_cb cb = {odf_start, odf_end, odf_text};
        odf_st s = {.d = &d};
        st = rd_xml_parse(content, &cb, &s, why);
    }
    if (st == QR_OK)
        st = rd_doc_emit(&p, &d, fmt, why);
    rd_doc_free(&d);
    rd_pkg_close(&p);
    return st;
}

qr_status rd_odt(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    return read_odf(rc, u, data, len, "ODT", QR_FMT_ODT, why);
}

qr_status rd_odp(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    return read_odf(rc, u, data, len, "ODP", QR_FMT_ODP, why);
}

qr_status rd_ods(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    return read_odf(rc, u, data, len, "ODS", QR_FMT_ODS, why);
}

/*
 * read_epub.c — EPUB to one article: META-INF/container.xml names the
 * package document (OPF), whose metadata gives dc:title, dc:creator and
 * dc:date, and whose spine gives the chapters in reading order through
 * the manifest. Each (X)HTML chapter becomes text as the HTML reader makes
 * it (rd_html_text, libxml2's HTML parser); chapters are separated as
 * paragraphs. The first <h1> is the title when the OPF has none.
 *
 * Chapters are not pages: the article has no page offsets. An EPUB's
 * pages are whatever the reading device lays out, and a chapter number is
 * not what anyone cites as a page.
 */
#include "reader_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PATH_BYTES RD_FIELD_MAX

static const rd_meta_names OPF_META = {{"title", NULL}, {"creator", NULL}, {"date", NULL},
                                   {"language", NULL}};

/* container.xml: the first rootfile of the OPF media type, else the first. */
typedef struct container_st {
    char path[PATH_BYTES];
    int typed;
} container_st;

static void container_start(void *ud, const char *l, const char *ns, const char **at, int na)
{
    container_st *s = ud;
    char path[PATH_BYTES], type[128];
    (void)ns;
    if (strcmp(l, "rootfile") != 0 || s->typed ||
        !rd_xml_attr(at, na, "full-path", RD_ATTR_ANY, path, sizeof path))
        return;
    rd_xml_attr(at, na, "media-type", RD_ATTR_ANY, type, sizeof type);
    int typed = strcasecmp(type, "application/oebps-package+xml") == 0;
    if (typed || !s->path[0]) {
        memcpy(s->path, path, sizeof path);
        s->typed = typed;
    }
}

/* The OPF: manifest items (id -> member path, media type) and the spine's
 * item ids in order. */
typedef struct opf_st {
    const char *opf;       /* its own member path: hrefs are relative to it */
    rd_map items;
    rd_names spine;       /* item ids */
    int oom;
} opf_st;

static void opf_start(void *ud, const char *l, const char *ns, const char **at, int na)
{
    opf_st *s = ud;
    char id[256], href[PATH_BYTES], type[128], path[PATH_BYTES];
    (void)ns;
    if (strcmp(l, "item") == 0) {
        if (!rd_xml_attr(at, na, "id", RD_ATTR_ANY, id, sizeof id) ||
            !rd_xml_attr(at, na, "href", RD_ATTR_ANY, href, sizeof href) ||
            rd_pkg_resolve(s->opf, href, path, sizeof path) != 0)
            return;
        rd_xml_attr(at, na, "media-type", RD_ATTR_ANY, type, sizeof type);
        if (rd_map_add(&s->items, id, path, type) != 0)
            s->oom = 1;
    } else if (strcmp(l, "itemref") == 0 &&
               rd_xml_attr(at, na, "idref", RD_ATTR_ANY, id, sizeof id) &&
               rd_names_add(&s->spine, id) != 0) {
        s->oom = 1;
    }
}

static void opf_free(opf_st *s)
{
    rd_map_free(&s->items);
    rd_names_free(&s->spine);
}

static int is_html_type(const char *t)
{
    return t && (strcasecmp(t, "application/xhtml+xml") == 0 || strcasecmp(t, "text/html") == 0);
}

/* A required part, loaded: else the unit fails naming it. */
static rd_part *required(rd_pkg *p, const char *name, const char *what, qr_status *st,
                         qr_buf *why)
{
    rd_part *part = rd_pkg_get(p, name, st, why);
    if (!part && *st == QR_OK)
        *st = rd_fail(why, QR_ERR_FORMAT, "not an EPUB: %s%s missing", what, name);
    return part;
}

/* Appends the chapters of the spine, in order, each read once. */
static qr_status read_chapters(rd_pkg *p, rd_doc *d, opf_st *o, qr_buf *why)
{
    for (size_t i = 0; i < o->spine.n; i++) {
        const rd_map_ent *e = rd_map_get(&o->items, o->spine.v[i]);
        if (e && is_html_type(e->aux))
            rd_pkg_want(p, e->val);
    }
    qr_status st = rd_pkg_load(p, why);
    qr_buf text = {0}, h1 = {0}, where = {0}, cwhy = {0};
    for (size_t i = 0; i < o->spine.n && st == QR_OK; i++) {
        const rd_map_ent *e = rd_map_get(&o->items, o->spine.v[i]);
        if (!e || !is_html_type(e->aux))
            continue;   /* not in the manifest, or not text (SVG, ...) */
        rd_part *part = rd_pkg_find(p, e->val);
        qr_buf_clear(&where);
        if (rd_pkg_where(p, e->val, &where) != 0) {
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
            break;
        }
        if (!part || !part->loaded) {
            rd_warn(p->rc, where.data, "chapter missing: skipped");
            continue;
        }
        if (part->used)
            continue;
        part->used = 1;
        qr_buf_clear(&text);
        qr_buf_clear(&h1);
        qr_buf_clear(&cwhy);
        qr_status cs = rd_html_text(p->rc, where.data, part->data, part->len, &text, &h1, &cwhy);
        if (cs == QR_ERR_NOMEM) {
            st = rd_fail(why, cs, "out of memory");
        } else if (cs != QR_OK) {
            rd_warn(p->rc, where.data, "%s: chapter skipped", cwhy.data);
        } else {
            if (d->heading.len == 0 && h1.len && qr_buf_append(&d->heading, h1.data, h1.len) != 0)
                d->oom = 1;
            rd_doc_sep(d, RD_SEP_PARA);
            rd_doc_raw(d, text.data, text.len);
        }
    }
    qr_buf_free(&text);
    qr_buf_free(&h1);
    qr_buf_free(&where);
    qr_buf_free(&cwhy);
    return st;
}

qr_status rd_epub(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    rd_pkg p;
    rd_doc d;
    container_st c;
    opf_st o;
    memset(&c, 0, sizeof c);
    memset(&o, 0, sizeof o);
    rd_doc_init(&d, rc);
    qr_status st = rd_pkg_open(&p, rc, u, "EPUB", data, len, why);
    if (st != QR_OK) {
        rd_doc_free(&d);
        return st;
    }
    rd_part *part = required(&p, "META-INF/container.xml", "", &st, why);
    if (part) {
        static const rd_xml_cb cb = {container_start, NULL, NULL};
        st = rd_xml_parse(part, &cb, &c, why);
    }
    if (st == QR_OK && !c.path[0])
        st = rd_fail(why, QR_ERR_FORMAT, "not an EPUB: META-INF/container.xml names no "
                     "package document");
    char opf[PATH_BYTES];
    if (st == QR_OK && rd_pkg_resolve(NULL, c.path, opf, sizeof opf) != 0)
        st = rd_fail(why, QR_ERR_FORMAT, "not an EPUB: package document path unusable");
    part = st == QR_OK ? required(&p, opf, "package document ", &st, why) : NULL;
    if (part)
        st = rd_doc_meta(&p, &d, part, &OPF_META, why);
    if (part && st == QR_OK) {
        static const rd_xml_cb cb = {opf_start, NULL, NULL};
        o.opf = opf;
        st = rd_xml_parse(part, &cb, &o, why);
        if (o.oom)
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
    }
    if (st == QR_OK)
        st = read_chapters(&p, &d, &o, why);
    if (st == QR_OK)
        st = rd_doc_emit(&p, &d, QR_FMT_EPUB, why);
    opf_free(&o);
    rd_doc_free(&d);
    rd_pkg_close(&p);
    return st;
}

/*
 * read_ooxml.c — Office Open XML (DOCX, PPTX, XLSX) to one article each,
 * through the package's relationships as OPC says (_rels/.rels names the
 * main part and the core properties), with the usual names as fallbacks.
 *
 * DOCX: the main part's paragraphs (w:p; text in w:t only, so deleted text
 * and field codes stay out; w:tab a space, w:br/w:cr a line break), tables
 * as rows of tab-separated cells; mc:Fallback copies are skipped; the
 * first Title/Heading paragraph is the title when core.xml has none; then
 * the footnotes and endnotes the main part's relationships name. Headers,
 * footers and comments are not read.
 * PPTX: slides in the order of presentation.xml's sldIdLst, one page each,
 * then each slide's speaker notes on its page; the text of a:t runs, a:p
 * paragraphs, tables as in DOCX; date, slide number, header and footer
 * placeholders left out; the first title placeholder is the fallback
 * title. XLSX: each sheet of workbook.xml a page, each row a line of
 * tab-separated cells: shared strings, inline strings, formula string
 * results and numbers as written (booleans and errors left out).
 */
#include "reader_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_BYTES RD_FIELD_MAX

static const rd_meta_names CORE = {
    {"title", NULL}, {"creator", NULL}, {"created", "modified", NULL},
    {"language", NULL}};

/* ------------------------------------------------------------ packages */

/* The relationships part of a part: "a/b.xml" -> "a/_rels/b.xml.rels";
 * of the package itself (""): "_rels/.rels". */
static int rels_name(const char *part, char *out, size_t cap)
{
    const char *slash = strrchr(part, '/');
    size_t dir = slash ? (size_t)(slash - part) + 1 : 0;
    int n = snprintf(out, cap, "%.*s_rels/%s.rels", (int)dir, part, part + dir);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

typedef struct rels_st {
    rd_map *map;
    const char *source;
    int oom;
} rels_st;

static void rels_start(void *ud, const char *local, const char *ns, const char **at, int na)
{
    rels_st *s = ud;
    char id[256], type[512], target[NAME_MAX_BYTES], mode[32], path[NAME_MAX_BYTES];
    (void)ns;
    if (strcmp(local, "Relationship") != 0 || !rd_xml_attr(at, na, "Id", RD_ATTR_ANY, id, sizeof id) ||
        !rd_xml_attr(at, na, "Target", RD_ATTR_ANY, target, sizeof target))
        return;
    rd_xml_attr(at, na, "Type", RD_ATTR_ANY, type, sizeof type);
    if (rd_xml_attr(at, na, "TargetMode", RD_ATTR_ANY, mode, sizeof mode) &&
        strcasecmp(mode, "External") == 0)
        return;
    if (rd_pkg_resolve(s->source, target, path, sizeof path) != 0)
        return;
    const char *suffix = strrchr(type, '/');
    if (rd_map_add(s->map, id, path, suffix ? suffix + 1 : type) != 0)
        s->oom = 1;
}

/* Reads the relationships of part source (already loaded, or absent:
 * then none) into map. A broken one is a warning. */
static qr_status read_rels(rd_pkg *p, const char *source, rd_map *map, qr_buf *why)
{
    char name[NAME_MAX_BYTES];
    rd_part *part = rels_name(source, name, sizeof name) == 0 ? rd_pkg_find(p, name) : NULL;
    if (!part || !part->loaded)
        return QR_OK;
    rels_st s = {map, source, 0};
    static const rd_xml_cb cb = {rels_start, NULL, NULL};
    qr_buf pwhy = {0}, where = {0};
    qr_status st = rd_xml_parse(part, &cb, &s, &pwhy);
    if (st != QR_OK && st != QR_ERR_NOMEM && rd_pkg_where(p, part->name, &where) == 0)
        rd_warn(p->rc, where.data, "%s: relationships ignored", pwhy.data);
    qr_buf_free(&pwhy);
    qr_buf_free(&where);
    if (s.oom || st == QR_ERR_NOMEM)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    return QR_OK;
}

/* The target of the first relationship of the given type, or NULL. */
static const char *rel_of_type(const rd_map *m, const char *type)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->e[i].aux, type) == 0)
            return m->e[i].val;
    return NULL;
}

/* Marks a part and its relationships part for the next load. */
static rd_part *want_with_rels(rd_pkg *p, const char *name)
{
    char rels[NAME_MAX_BYTES];
    if (rels_name(name, rels, sizeof rels) == 0)
        rd_pkg_want(p, rels);
    return rd_pkg_want(p, name);
}

typedef struct opc {
    rd_pkg  p;
    rd_doc  d;
    rd_part *main;      /* the main part, loaded                     */
    rd_map  rels;       /* its relationships                         */
} opc;

static void opc_close(opc *o)
{
    rd_map_free(&o->rels);
    rd_doc_free(&o->d);
    rd_pkg_close(&o->p);
}

/* Opens the package, loads its main part (dflt when the relationships
 * do not say) with the main part's relationships, and reads the core
 * properties into o->d. */
static qr_status opc_open(opc *o, rd_ctx *rc, const rd_unit *u, const char *kind,
                          const char *dflt, const char *data, size_t len, qr_buf *why)
{
    memset(o, 0, sizeof *o);
    rd_doc_init(&o->d, rc);
    qr_status st = rd_pkg_open(&o->p, rc, u, kind, data, len, why);
    if (st != QR_OK)
        return st;
    rd_map root = {0};
    char main[NAME_MAX_BYTES], core[NAME_MAX_BYTES];
    if (!rd_pkg_get(&o->p, "_rels/.rels", &st, why) && st != QR_OK)
        return st;
    if ((st = read_rels(&o->p, "", &root, why)) != QR_OK) {
        rd_map_free(&root);
        return st;
    }
    const char *m = rel_of_type(&root, "officeDocument"), *c = rel_of_type(&root, "core-properties");
    snprintf(main, sizeof main, "%s", m && rd_pkg_find(&o->p, m) ? m : dflt);
    snprintf(core, sizeof core, "%s", c ? c : "docProps/core.xml");
    rd_map_free(&root);

    o->main = want_with_rels(&o->p, main);
    rd_part *cp = rd_pkg_want(&o->p, core);
    if (!o->main)
        return rd_fail(why, QR_ERR_FORMAT, "not %s %s: %s missing", o->p.an, kind, main);
    if ((st = rd_pkg_load(&o->p, why)) != QR_OK)
        return st;
    if (cp && (st = rd_doc_meta(&o->p, &o->d, cp, &CORE, why)) != QR_OK)
        return st;
    return read_rels(&o->p, main, &o->rels, why);
}

/* Parses a part that is not the main one: a failure is a warning (what
 * it gave before the failure is kept). */
static qr_status parse_minor(rd_pkg *p, rd_part *part, const rd_xml_cb *cb, void *ud,
                             const char *what, qr_buf *why)
{
    qr_buf pwhy = {0}, where = {0};
    part->used = 1;
    qr_status st = rd_xml_parse(part, cb, ud, &pwhy);
    if (st != QR_OK && st != QR_ERR_NOMEM && rd_pkg_where(p, part->name, &where) == 0)
        rd_warn(p->rc, where.data, "%s; the rest of the %s is lost", pwhy.data, what);
    qr_buf_free(&pwhy);
    qr_buf_free(&where);
    return st == QR_ERR_NOMEM ? rd_fail(why, st, "out of memory") : QR_OK;
}

/* ------------------------------------------------ word processing, slides */

/* DOCX bodies and DrawingML text (slides, notes) share their names: p, t,
 * br, tbl/tr/tc. */
typedef struct text_st {
    rd_doc *d;
    int skip;            /* depth inside a subtree left out            */
    int in_t;            /* inside a text element: its text is kept    */
    int shape_skip;      /* this shape is a placeholder left out       */
    int shape_title;     /* this shape is a title placeholder          */
    int heading_para;    /* this paragraph opened the heading          */
} text_st;

static int is_heading_style(const char *v)
{
    return strcasecmp(v, "Title") == 0 || strncasecmp(v, "Heading", 7) == 0;
}

static void text_start(void *ud, const char *l, const char *ns, const char **at, int na)
{
    text_st *s = ud;
    char v[64];
    (void)ns;
    if (s->skip || strcmp(l, "Fallback") == 0) {
        s->skip++;   /* mc:Fallback repeats mc:Choice for older readers */
    } else if (strcmp(l, "p") == 0) {
        rd_doc_sep(s->d, RD_SEP_PARA);
    } else if (strcmp(l, "t") == 0) {
        s->in_t = !s->shape_skip;
    } else if (strcmp(l, "br") == 0 || strcmp(l, "cr") == 0) {
        rd_doc_sep(s->d, RD_SEP_LINE);
    } else if (strcmp(l, "tab") == 0 || strcmp(l, "ptab") == 0) {
        rd_doc_sep(s->d, RD_SEP_SPACE);
    } else if (strcmp(l, "noBreakHyphen") == 0) {
        rd_doc_text(s->d, "-", 1);
    } else if (strcmp(l, "tc") == 0) {
        rd_doc_inline(s->d, 1, RD_SEP_TAB);
    } else if (strcmp(l, "tr") == 0) {
        rd_doc_sep(s->d, RD_SEP_LINE);
    } else if (strcmp(l, "tbl") == 0) {
        rd_doc_sep(s->d, RD_SEP_PARA);
    } else if (strcmp(l, "pStyle") == 0) {
        if (rd_xml_attr(at, na, "val", RD_ATTR_ANY, v, sizeof v) && is_heading_style(v)) {
            rd_doc_heading(s->d, 1);
            s->heading_para = 1;
        }
    } else if (strcmp(l, "sp") == 0) {
        s->shape_skip = s->shape_title = 0;
    } else if (strcmp(l, "ph") == 0) {
        rd_xml_attr(at, na, "type", RD_ATTR_ANY, v, sizeof v);
        s->shape_title = strcmp(v, "title") == 0 || strcmp(v, "ctrTitle") == 0;
        s->shape_skip = strcmp(v, "dt") == 0 || strcmp(v, "sldNum") == 0 ||
                        strcmp(v, "ftr") == 0 || strcmp(v, "hdr") == 0 ||
                        strcmp(v, "sldImg") == 0;
    } else if (strcmp(l, "txBody") == 0 && s->shape_title) {
        rd_doc_heading(s->d, 1);
    }
}

static void text_end(void *ud, const char *l, const char *ns)
{
    text_st *s = ud;
    (void)ns;
    if (s->skip) {
        s->skip--;
    } else if (strcmp(l, "t") == 0) {
        s->in_t = 0;
    } else if (strcmp(l, "p") == 0) {
        if (s->heading_para)
            rd_doc_heading(s->d, 0);
        s->heading_para = 0;
        rd_doc_sep(s->d, RD_SEP_PARA);
    } else if (strcmp(l, "tc") == 0) {
        rd_doc_inline(s->d, 0, RD_SEP_NONE);
    } else if (strcmp(l, "tr") == 0) {
        rd_doc_sep(s->d, RD_SEP_LINE);
    } else if (strcmp(l, "tbl") == 0 || strcmp(l, "sp") == 0) {
        rd_doc_sep(s->d, RD_SEP_PARA);
        s->shape_skip = s->shape_title = 0;
    } else if (strcmp(l, "txBody") == 0 && s->shape_title) {
        rd_doc_heading(s->d, 0);
    }
}

static void text_text(void *ud, const char *str, size_t n)
{
    text_st *s = ud;
    if (s->in_t && !s->skip)
        rd_doc_text(s->d, str, n);
}

static const rd_xml_cb TEXT_CB = {text_start, text_end, text_text};

qr_status rd_docx(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    opc o;
    qr_status st = opc_open(&o, rc, u, "DOCX", "word/document.xml", data, len, why);
    static const char *const NOTES[] = {"footnotes", "endnotes"};
    rd_part *notes[2] = {NULL, NULL};
    if (st == QR_OK) {
        text_st s = {.d = &o.d};
        st = rd_xml_parse(o.main, &TEXT_CB, &s, why);
        o.main->used = 1;
    }
    for (int i = 0; i < 2 && st == QR_OK; i++) {
        const char *name = rel_of_type(&o.rels, NOTES[i]);
        notes[i] = name ? rd_pkg_want(&o.p, name) : NULL;
    }
    if (st == QR_OK)
        st = rd_pkg_load(&o.p, why);
    for (int i = 0; i < 2 && st == QR_OK; i++) {
        text_st s = {.d = &o.d};
        rd_doc_sep(&o.d, RD_SEP_PARA);
        if (notes[i] && notes[i]->loaded && !notes[i]->used)
            st = parse_minor(&o.p, notes[i], &TEXT_CB, &s, NOTES[i], why);
    }
    if (st == QR_OK)
        st = rd_doc_emit(&o.p, &o.d, QR_FMT_DOCX, why);
    opc_close(&o);
    return st;
}

/* The slides (or sheets) a main part lists, in order: the targets of the
 * relationships named by its r:id attributes on elements called elem. */
typedef struct list_st {
    const char *elem;
    rd_map *rels;
    const char *type;     /* relationship type wanted        */
    rd_names names;
    int oom;
} list_st;

static void list_start(void *ud, const char *l, const char *ns, const char **at, int na)
{
    list_st *s = ud;
    char id[256];
    (void)ns;
    if (strcmp(l, s->elem) != 0 || !rd_xml_attr(at, na, "id", RD_ATTR_NS, id, sizeof id))
        return;
    const rd_map_ent *e = rd_map_get(s->rels, id);
    if (e && strcmp(e->aux, s->type) == 0 && rd_names_add(&s->names, e->val) != 0)
        s->oom = 1;
}

typedef struct listed {
    rd_part *part;
    size_t i;
} listed;

static int listed_cmp(const void *a, const void *b)
{
    const listed *x = a, *y = b;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* A part listed again (under the same name or another spelling of it)
 * keeps its first place only: the later entries become NULL, so a list
 * naming one slide a million times costs one reading of it. */
static int drop_repeats(rd_pkg *p, list_st *s)
{
    listed *v = s->names.n ? malloc(s->names.n * sizeof *v) : NULL;
    size_t n = 0;
    if (s->names.n && !v)
        return -1;
    for (size_t i = 0; i < s->names.n; i++)
        if ((v[n].part = rd_pkg_find(p, s->names.v[i])))
            v[n++].i = i;
    if (n > 1)
        qsort(v, n, sizeof *v, listed_cmp);
    for (size_t k = 1; k < n; k++)
        if (v[k].part == v[k - 1].part) {
            free(s->names.v[v[k].i]);
            s->names.v[v[k].i] = NULL;
        }
    free(v);
    return 0;
}

/* Reads the list from the main part and marks each listed part (with its
 * relationships when rels is set) to be loaded. */
static qr_status read_list(opc *o, list_st *s, int rels, qr_buf *why)
{
    static const rd_xml_cb cb = {list_start, NULL, NULL};
    s->rels = &o->rels;
    qr_status st = rd_xml_parse(o->main, &cb, s, why);
    if (s->oom || drop_repeats(&o->p, s) != 0)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->names.n && st == QR_OK; i++)
        if (s->names.v[i] && rels)
            want_with_rels(&o->p, s->names.v[i]);
        else if (s->names.v[i])
            rd_pkg_want(&o->p, s->names.v[i]);
    return st == QR_OK ? rd_pkg_load(&o->p, why) : st;
}

/* The part listed for page k, loaded; else a warning and NULL. */
static rd_part *page_part(opc *o, const char *name, const char *what, size_t k)
{
    rd_part *part = name ? rd_pkg_find(&o->p, name) : NULL;
    if (part && part->loaded)
        return part;
    if (name)
        rd_warn(o->p.rc, o->p.u->where, "%s %zu (%s) missing: left empty", what, k + 1, name);
    else
        rd_warn(o->p.rc, o->p.u->where, "%s %zu repeats an earlier one: left empty", what, k + 1);
    return NULL;
}

qr_status rd_pptx(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    opc o;
    list_st slides = {.elem = "sldId", .type = "slide"};
    rd_map *notes = NULL;
    qr_status st = opc_open(&o, rc, u, "PPTX", "ppt/presentation.xml", data, len, why);
    if (st == QR_OK)
        st = read_list(&o, &slides, 1, why);
    if (st == QR_OK && slides.names.n && !(notes = calloc(slides.names.n, sizeof *notes)))
        st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
    /* the speaker notes each slide's relationships name */
    for (size_t k = 0; k < slides.names.n && st == QR_OK; k++) {
        if (!slides.names.v[k])
            continue;
        if ((st = read_rels(&o.p, slides.names.v[k], &notes[k], why)) != QR_OK)
            break;
        const char *n = rel_of_type(&notes[k], "notesSlide");
        if (n)
            rd_pkg_want(&o.p, n);
    }
    if (st == QR_OK)
        st = rd_pkg_load(&o.p, why);
    for (size_t k = 0; k < slides.names.n && st == QR_OK; k++) {
        rd_doc_page(&o.d);
        rd_part *part = page_part(&o, slides.names.v[k], "slide", k);
        text_st s = {.d = &o.d};
        if (part)
            st = parse_minor(&o.p, part, &TEXT_CB, &s, "slide", why);
        const char *n = rel_of_type(&notes[k], "notesSlide");
        rd_part *np = n ? rd_pkg_find(&o.p, n) : NULL;
        if (st == QR_OK && np && np->loaded && !np->used) {
            text_st ns = {.d = &o.d};
            rd_doc_sep(&o.d, RD_SEP_PARA);
            st = parse_minor(&o.p, np, &TEXT_CB, &ns, "notes", why);
        }
    }
    if (st == QR_OK)
        st = rd_doc_emit(&o.p, &o.d, QR_FMT_PPTX, why);
    for (size_t k = 0; notes && k < slides.names.n; k++)
        rd_map_free(&notes[k]);
    free(notes);
    rd_names_free(&slides.names);
    opc_close(&o);
    return st;
}

/* ------------------------------------------------------------ spreadsheets */

/* Shared strings: each si's text (its t elements, phonetic runs left out),
 * as offsets into one pool. */
typedef struct sst_st {
    qr_buf pool;
    size_t *at;          /* string k: pool[at[2k] .. at[2k] + at[2k+1]) */
    size_t n, cap;
    int in_si, in_t, rph, oom;
    size_t from;
} sst_st;

static void sst_start(void *ud, const char *l, const char *ns, const char **at, int na)
{
    sst_st *s = ud;
    (void)ns;
    (void)at;
    (void)na;
    if (strcmp(l, "si") == 0) {
        s->in_si = 1;
        s->from = s->pool.len;
    } else if (strcmp(l, "rPh") == 0) {
        s->rph++;
    } else if (strcmp(l, "t") == 0) {
        s->in_t = s->in_si && !s->rph;
    }
}

static void sst_end(void *ud, const char *l, const char *ns)
{
    sst_st *s = ud;
    (void)ns;
    if (strcmp(l, "t") == 0) {
        s->in_t = 0;
    } else if (strcmp(l, "rPh") == 0 && s->rph > 0) {
        s->rph--;
    } else if (strcmp(l, "si") == 0 && s->in_si) {
        s->in_si = 0;
        if (s->n == s->cap) {
            size_t ncap = s->cap ? s->cap * 2 : 64;
            size_t *na = realloc(s->at, 2 * ncap * sizeof *na);
            if (!na) {
                s->oom = 1;
                return;
            }
            s->at = na;
            s->cap = ncap;
        }
        s->at[2 * s->n] = s->from;
        s->at[2 * s->n + 1] = s->pool.len - s->from;
        s->n++;
    }
}

static void sst_text(void *ud, const char *str, size_t n)
{
    sst_st *s = ud;
    if (s->in_t && qr_buf_append(&s->pool, str, n) != 0)
        s->oom = 1;
}

/* A sheet: rows of cells. The value of a cell of type s is an index into
 * the shared strings; of inlineStr, its is/t text; of str, n (or none) and
 * d, the v text as written. */
typedef struct sheet_st {
    rd_doc *d;
    const sst_st *sst;
    char type;           /* 's', 'i' inline, 'v' value as written, 0 none */
    int in_v, in_is, in_t, rph;
    char idx[32];
    size_t nidx;
} sheet_st;

static void sheet_start(void *ud, const char *l, const char *ns, const char **at, int na)
{
    sheet_st *s = ud;
    char t[16];
    (void)ns;
    if (strcmp(l, "c") == 0) {
        rd_xml_attr(at, na, "t", RD_ATTR_PLAIN, t, sizeof t);
        s->type = strcmp(t, "s") == 0 ? 's' : strcmp(t, "inlineStr") == 0 ? 'i'
                  : (!*t || strcmp(t, "n") == 0 || strcmp(t, "str") == 0 ||
                     strcmp(t, "d") == 0) ? 'v' : 0;
        rd_doc_inline(s->d, 1, RD_SEP_TAB);
    } else if (strcmp(l, "v") == 0) {
        s->in_v = 1;
        s->nidx = 0;
    } else if (strcmp(l, "is") == 0) {
        s->in_is = 1;
    } else if (strcmp(l, "rPh") == 0) {
        s->rph++;
    } else if (strcmp(l, "t") == 0) {
        s->in_t = s->in_is && !s->rph && s->type == 'i';
    }
}

static void sheet_end(void *ud, const char *l, const char *ns)
{
    sheet_st *s = ud;
    (void)ns;
    if (strcmp(l, "c") == 0) {
        rd_doc_inline(s->d, 0, RD_SEP_NONE);
        s->type = 0;
    } else if (strcmp(l, "v") == 0) {
        s->in_v = 0;
        if (s->type != 's' || s->nidx == 0 || s->nidx >= sizeof s->idx)
            return;
        s->idx[s->nidx] = '\0';
        char *end;
        unsigned long long k = strtoull(s->idx, &end, 10);
        if (*end == '\0' && s->idx[0] != '-' && k < s->sst->n)
            rd_doc_text(s->d, s->sst->pool.data + s->sst->at[2 * k], s->sst->at[2 * k + 1]);
    } else if (strcmp(l, "is") == 0) {
        s->in_is = 0;
    } else if (strcmp(l, "t") == 0) {
        s->in_t = 0;
    } else if (strcmp(l, "rPh") == 0 && s->rph > 0) {
        s->rph--;
    } else if (strcmp(l, "row") == 0) {
        rd_doc_sep(s->d, RD_SEP_LINE);
    }
}

static void sheet_text(void *ud, const char *str, size_t n)
{
    sheet_st *s = ud;
    if (s->in_v && s->type == 'v') {
        rd_doc_text(s->d, str, n);
    } else if (s->in_v && s->type == 's') {
        size_t k = n < sizeof s->idx - s->nidx ? n : sizeof s->idx - s->nidx;
        memcpy(s->idx + s->nidx, str, k);
        s->nidx += k;   /* == sizeof idx: too long to be an index */
    } else if (s->in_t) {
        rd_doc_text(s->d, str, n);
    }
}

qr_status rd_xlsx(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    opc o;
    list_st sheets = {.elem = "sheet", .type = "worksheet"};
    sst_st sst = {0};
    qr_status st = opc_open(&o, rc, u, "XLSX", "xl/workbook.xml", data, len, why);
    rd_part *sp = NULL;
    if (st == QR_OK) {
        const char *name = rel_of_type(&o.rels, "sharedStrings");
        sp = rd_pkg_want(&o.p, name ? name : "xl/sharedStrings.xml");
        st = read_list(&o, &sheets, 0, why);
    }
    if (st == QR_OK && sp && sp->loaded) {
        static const rd_xml_cb cb = {sst_start, sst_end, sst_text};
        st = parse_minor(&o.p, sp, &cb, &sst, "shared strings", why);
        if (sst.oom || qr_buf_append(&sst.pool, "", 0) != 0)
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < sheets.names.n && st == QR_OK; k++) {
        static const rd_xml_cb cb = {sheet_start, sheet_end, sheet_text};
        rd_doc_page(&o.d);
        rd_part *part = page_part(&o, sheets.names.v[k], "sheet", k);
        sheet_st s = {.d = &o.d, .sst = &sst};
        if (part)
            st = parse_minor(&o.p, part, &cb, &s, "sheet", why);
    }
    if (st == QR_OK)
        st = rd_doc_emit(&o.p, &o.d, QR_FMT_XLSX, why);
    qr_buf_free(&sst.pool);
    free(sst.at);
    rd_names_free(&sheets.names);
    opc_close(&o);
    return st;
}

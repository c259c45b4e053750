/*
 * read_html.c — HTML to text with libxml2's HTML parser (recovering, no
 * network, no messages). libxml2 decodes entities and honours <meta charset>
 * and http-equiv; the text is checked again on delivery (rd_emit).
 *
 * The tree is walked iteratively through the parent/next pointers, so a
 * hostile nesting depth costs no stack. Only visible text is kept: script,
 * style, navigation, forms, hidden elements and page-level header/footer go;
 * block elements end paragraphs (a blank line in the body).
 */
#include "reader_int.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

enum {
    C_BLOCK = 1,       /* ends a paragraph before and after                */
    C_DROP = 2,        /* not visible text: skipped with its subtree       */
    C_CELL = 4,        /* table cell: a space before and after             */
    C_PRE = 8,         /* whitespace kept                                  */
    C_HEADFOOT = 16,   /* header/footer: dropped outside article/main      */
    C_ARTICLE = 32,    /* article/main: the content proper                 */
    C_HEAD = 64        /* <head>: no text of its own                       */
};

static const struct {
    const char *name;
    unsigned cls;
} ELEMENTS[] = {
    {"script", C_DROP}, {"style", C_DROP}, {"noscript", C_DROP},
    {"template", C_DROP}, {"nav", C_DROP}, {"aside", C_DROP},
    {"form", C_DROP}, {"svg", C_DROP}, {"math", C_DROP},
    {"iframe", C_DROP}, {"object", C_DROP}, {"embed", C_DROP},
    {"canvas", C_DROP}, {"audio", C_DROP}, {"video", C_DROP},
    {"button", C_DROP}, {"select", C_DROP}, {"textarea", C_DROP},
    {"title", C_DROP}, {"dialog", C_DROP},
    {"header", C_BLOCK | C_HEADFOOT}, {"footer", C_BLOCK | C_HEADFOOT},
    {"article", C_BLOCK | C_ARTICLE}, {"main", C_BLOCK | C_ARTICLE},
    {"head", C_HEAD},
    {"pre", C_BLOCK | C_PRE}, {"listing", C_BLOCK | C_PRE},
    {"plaintext", C_BLOCK | C_PRE}, {"xmp", C_BLOCK | C_PRE},
    {"td", C_CELL}, {"th", C_CELL},
    {"address", C_BLOCK}, {"blockquote", C_BLOCK}, {"body", C_BLOCK},
    {"br", C_BLOCK}, {"caption", C_BLOCK}, {"center", C_BLOCK},
    {"dd", C_BLOCK}, {"details", C_BLOCK}, {"dir", C_BLOCK},
    {"div", C_BLOCK}, {"dl", C_BLOCK}, {"dt", C_BLOCK},
    {"fieldset", C_BLOCK}, {"figcaption", C_BLOCK}, {"figure", C_BLOCK},
    {"h1", C_BLOCK}, {"h2", C_BLOCK}, {"h3", C_BLOCK}, {"h4", C_BLOCK},
    {"h5", C_BLOCK}, {"h6", C_BLOCK}, {"hgroup", C_BLOCK}, {"hr", C_BLOCK},
    {"html", C_BLOCK}, {"legend", C_BLOCK}, {"li", C_BLOCK},
    {"menu", C_BLOCK}, {"ol", C_BLOCK}, {"p", C_BLOCK},
    {"section", C_BLOCK}, {"summary", C_BLOCK}, {"table", C_BLOCK},
    {"tbody", C_BLOCK}, {"tfoot", C_BLOCK}, {"thead", C_BLOCK},
    {"tr", C_BLOCK}, {"ul", C_BLOCK},
};

static unsigned classify(const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof ELEMENTS / sizeof ELEMENTS[0]; i++)
        if (strcasecmp(name, ELEMENTS[i].name) == 0)
            return ELEMENTS[i].cls;
    return 0;
}

typedef struct html_out {
    qr_buf text;           /* the body so far                           */
    qr_buf title, url, author, date;
    qr_buf lang;           /* the document's language, as written      */
    int date_ok;           /* date holds a normalised date, not one as
                              written that was not understood          */
    int pending_space;     /* whitespace seen since the last text       */
    int pending_para;      /* a block boundary since the last text      */
    int pre;               /* depth of <pre>-like elements              */
    int head;              /* depth of <head>                           */
    int article;           /* depth of <article>/<main>                 */
    int oom;
} html_out;

static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->name && strcasecmp((const char *)a->name, name) == 0) {
            const xmlNode *v = a->children;
            if (v && (v->type == XML_TEXT_NODE) && v->content)
                return (const char *)v->content;
            return "";
        }
    }
    return NULL;
}

static int attr_is(const xmlNode *n, const char *name, const char *value)
{
    const char *v = attr(n, name);
    if (!v)
        return 0;
    while (*v == ' ')
        v++;
    return strncasecmp(v, value, strlen(value)) == 0;
}

/* Hidden by an attribute, or page furniture by its role. */
static int hidden(const html_out *h, const xmlNode *n, unsigned cls)
{
    if (cls & C_DROP)
        return 1;
    if ((cls & C_HEADFOOT) && h->article == 0)
        return 1;
    if (!n->properties)
        return 0;
    if (attr(n, "hidden") || attr_is(n, "aria-hidden", "true"))
        return 1;
    static const char *const roles[] = {"navigation", "search", "menu", "menubar",
                                        "banner", "contentinfo", "complementary"};
    const char *role = attr(n, "role");
    if (role)
        for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
            if (strcasecmp(role, roles[i]) == 0 && (i < 4 || h->article == 0))
                return 1;
    const char *style = attr(n, "style");
    if (style) {
        /* "display: none" / "visibility:hidden", spaces ignored */
        char compact[64];
        size_t k = 0;
        for (const char *p = style; *p && k + 1 < sizeof compact; p++)
            if (*p != ' ' && *p != '\t')
                compact[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
        compact[k] = '\0';
        if (strstr(compact, "display:none") || strstr(compact, "visibility:hidden"))
            return 1;
    }
    return 0;
}

static void put(html_out *h, const char *s, size_t n)
{
    if (!h->oom && qr_buf_append(&h->text, s, n) != 0)
        h->oom = 1;
}

static void flush_pending(html_out *h)
{
    if (h->text.len > 0) {
        if (h->pending_para)
            put(h, "\n\n", 2);
        else if (h->pending_space)
            put(h, " ", 1);
    }
    h->pending_para = h->pending_space = 0;
}

static void put_text(html_out *h, const char *s, size_t n)
{
    if (h->head)
        return;
    if (h->pre) {
        size_t i = 0;
        while (i < n) {
            size_t j = i;
            while (j < n && s[j] != '\r')
                j++;
            if (j > i) {
                flush_pending(h);
                put(h, s + i, j - i);
            }
            i = j + 1;
        }
        return;
    }
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            h->pending_space = 1;
            i++;
            continue;
        }
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {   /* &nbsp; */
            h->pending_space = 1;
            i += 2;
            continue;
        }
        size_t j = i + 1;
        while (j < n) {
            unsigned char d = (unsigned char)s[j];
            if (d == ' ' || d == '\t' || d == '\n' || d == '\r' || d == '\f' ||
                (d == 0xC2 && j + 1 < n && (unsigned char)s[j + 1] == 0xA0))
                break;
            j++;
        }
        flush_pending(h);
        put(h, s + i, j - i);
        i = j;
    }
}

static void set_once(html_out *h, qr_buf *b, const char *v)
{
    if (b->len == 0 && v && *v && qr_buf_puts(b, v) != 0)
        h->oom = 1;
}

static void meta(html_out *h, const xmlNode *n)
{
    const char *content = attr(n, "content");
    const char *name = attr(n, "name");
    const char *prop = attr(n, "property");
    const char *key = name ? name : prop;
    if (content && attr_is(n, "http-equiv", "content-language")) {
        /* "de, en": a list of the audience's languages; the first */
        char first[32];
        size_t k = strcspn(content, ", ");
        if (k > 0 && k < sizeof first) {
            memcpy(first, content, k);
            first[k] = '\0';
            set_once(h, &h->lang, first);
        }
        return;
    }
    if (!content || !key)
        return;
    if (strcasecmp(key, "language") == 0 ||
        strcasecmp(key, "dc.language") == 0) {
        set_once(h, &h->lang, content);
        return;
    }
    if (strcasecmp(key, "author") == 0 || strcasecmp(key, "dc.creator") == 0 ||
        strcasecmp(key, "article:author") == 0) {
        set_once(h, &h->author, content);
    } else if (strcasecmp(key, "date") == 0 || strcasecmp(key, "dc.date") == 0 ||
               strcasecmp(key, "dcterms.date") == 0 ||
               strcasecmp(key, "article:published_time") == 0) {
        /* the first date understood, else the first as written (rd_emit
         * warns about it) */
        char d[9];
        if (!h->date_ok && qr_date_normalise(content, d) == 0) {
            qr_buf_clear(&h->date);
            set_once(h, &h->date, d);
            h->date_ok = 1;
        } else if (strspn(content, " \t\r\n") < strlen(content)) {
            set_once(h, &h->date, content);
        }
    } else if (strcasecmp(key, "og:url") == 0) {
        set_once(h, &h->url, content);
    }
}

/* Appends the text of n's subtree (script and style left out), walking it
 * without recursion. */
static void subtree_text(html_out *h, const xmlNode *root, qr_buf *b)
{
    const xmlNode *n = root->children;
    while (n) {
        int enter = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content && qr_buf_puts(b, (const char *)n->content) != 0)
                h->oom = 1;
        } else if (n->type == XML_ELEMENT_NODE) {
            unsigned cls = classify(n);
            enter = !(cls & C_DROP);
            if (cls & (C_BLOCK | C_CELL) && qr_buf_putc(b, ' ') != 0)
                h->oom = 1;
        }
        if (enter && n->children) {
            n = n->children;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (n == root)
                n = NULL;
        }
        if (n)
            n = n->next;
    }
}

/* The first <h1> in document order, or NULL. */
static const xmlNode *first_h1(const xmlDoc *doc)
{
    const xmlNode *stop = (const xmlNode *)doc, *n = doc->children;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && n->name &&
            strcasecmp((const char *)n->name, "h1") == 0)
            return n;
        int enter = n->type == XML_ELEMENT_NODE && !(classify(n) & C_DROP);
        if (enter && n->children) {
            n = n->children;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (n == stop)
                n = NULL;
        }
        if (n)
            n = n->next;
    }
    return NULL;
}

/* Called on the way into an element; returns whether to visit its subtree. */
static int enter(html_out *h, const xmlNode *n)
{
    unsigned cls = classify(n);
    const char *name = (const char *)n->name;
    if (name && strcasecmp(name, "title") == 0 && h->title.len == 0)
        subtree_text(h, n, &h->title);
    else if (name && strcasecmp(name, "html") == 0 && h->lang.len == 0)
        set_once(h, &h->lang, attr(n, "lang"));   /* lang, xml:lang */
    else if (name && strcasecmp(name, "meta") == 0)
        meta(h, n);
    else if (name && strcasecmp(name, "link") == 0 && attr_is(n, "rel", "canonical"))
        set_once(h, &h->url, attr(n, "href"));
    if (hidden(h, n, cls))
        return 0;
    if (cls & C_BLOCK)
        h->pending_para = 1;
    if (cls & C_CELL)
        h->pending_space = 1;
    if (cls & C_PRE)
        h->pre++;
    if (cls & C_HEAD)
        h->head++;
    if (cls & C_ARTICLE)
        h->article++;
    return 1;
}

static void leave(html_out *h, const xmlNode *n)
{
    unsigned cls = classify(n);
    if (cls & C_BLOCK)
        h->pending_para = 1;
    if (cls & C_CELL)
        h->pending_space = 1;
    if ((cls & C_PRE) && h->pre > 0)
        h->pre--;
    if ((cls & C_HEAD) && h->head > 0)
        h->head--;
    if ((cls & C_ARTICLE) && h->article > 0)
        h->article--;
}

static void walk(html_out *h, const xmlDoc *doc)
{
    const xmlNode *stop = (const xmlNode *)doc, *n = doc->children;
    while (n && !h->oom) {
        int entered = 0;
        if (n->type == XML_ELEMENT_NODE)
            entered = enter(h, n);
        else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
            put_text(h, (const char *)n->content, strlen((const char *)n->content));
        if (entered && n->children) {
            n = n->children;
            continue;
        }
        if (entered)
            leave(h, n);
        while (n && !n->next) {
            n = n->parent;
            if (!n || n == stop) {
                n = NULL;
                break;
            }
            leave(h, n);
        }
        if (n)
            n = n->next;
    }
}

static int all_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            return 0;
    return 1;
}

qr_status rd_html_extract(rd_ctx *rc, const char *where, const char *data, size_t len,
                          const char *encoding, rd_html_doc *out, qr_buf *why)
{
    memset(out, 0, sizeof *out);
    if (len > INT_MAX)
        return rd_fail(why, QR_ERR_TOO_BIG, "HTML document larger than %d bytes", INT_MAX);
    html_out h;
    memset(&h, 0, sizeof h);

    xmlInitParser();
    if (!all_blank(data, len)) {
        htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
        if (!ctxt)
            return rd_fail(why, QR_ERR_NOMEM, "out of memory");
        htmlDocPtr doc = htmlCtxtReadMemory(ctxt, data, (int)len, NULL, encoding,
                                            HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                            HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
        /* libxml2 halts at its limits (nesting deeper than 256, a text run
         * over 10 MB): what it parsed until then is kept */
        int halted = ctxt->instate == XML_PARSER_EOF;
        int err = ctxt->errNo;
        htmlFreeParserCtxt(ctxt);
        if (!doc)
            return rd_fail(why, QR_ERR_FORMAT, "cannot parse HTML");
        if (halted)
            rd_warn(rc, where, "HTML parser stopped early (%s): the rest of the "
                    "document is lost", err == XML_ERR_INTERNAL_ERROR ? "nesting too deep"
                    : err == XML_ERR_NO_MEMORY ? "text too long, or out of memory"
                    : "parser limit");
        walk(&h, doc);
        const xmlNode *h1 = first_h1(doc);
        if (h1)
            subtree_text(&h, h1, &out->h1);
        if (h.title.len == 0 || all_blank(h.title.data, h.title.len)) {
            qr_buf_clear(&h.title);
            if (h1)
                subtree_text(&h, h1, &h.title);
        }
        xmlFreeDoc(doc);
    }
    out->text = h.text;
    out->title = h.title;
    out->url = h.url;
    out->author = h.author;
    out->date = h.date;
    out->lang = h.lang;
    if (h.oom || qr_buf_append(&out->text, "", 0) != 0 ||
        qr_buf_append(&out->lang, "", 0) != 0 ||
        qr_buf_append(&out->title, "", 0) != 0 || qr_buf_append(&out->url, "", 0) != 0 ||
        qr_buf_append(&out->author, "", 0) != 0 || qr_buf_append(&out->date, "", 0) != 0 ||
        qr_buf_append(&out->h1, "", 0) != 0) {
        rd_html_doc_free(out);
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    }
    rd_tidy_text(&out->text, 0);
    return QR_OK;
}

void rd_html_doc_free(rd_html_doc *t)
{
    qr_buf_free(&t->text);
    qr_buf_free(&t->title);
    qr_buf_free(&t->url);
    qr_buf_free(&t->author);
    qr_buf_free(&t->date);
    qr_buf_free(&t->h1);
    qr_buf_free(&t->lang);
}

qr_status rd_html(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why)
{
    rd_html_doc h;
    qr_status st = rd_html_extract(rc, u->where, data, len, NULL, &h, why);
    if (st != QR_OK)
        return st;
    qr_article a = {
        .id = u->id, .title = h.title.data, .body = h.text.data,
        .body_len = h.text.len, .url = h.url.data, .date = h.date.data,
        .author = h.author.data, .format = QR_FMT_HTML,
        .lang = h.lang.data,
    };
    st = rd_emit(rc, u->where, &a, why);
    rd_html_doc_free(&h);
    return st;
}

qr_status rd_html_text(rd_ctx *rc, const char *where, const char *data,
                       size_t len, qr_buf *text, qr_buf *h1, qr_buf *why)
{
    rd_html_doc h;
    qr_status st = rd_html_extract(rc, where, data, len, NULL, &h, why);
    if (st != QR_OK)
        return st;
    if (qr_buf_append(text, h.text.data, h.text.len) != 0 ||
        (h1 && qr_buf_append(h1, h.h1.data, h.h1.len) != 0))
        st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
    rd_html_doc_free(&h);
    return st;
}

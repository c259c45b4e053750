/*
 * mail_mime.c — one e-mail message taken apart for the e-mail reader: its
 * header fields decoded, its MIME tree walked, its text parts decoded to
 * UTF-8 and joined, its attachments found; every step under a cap.
 *
 * GMime 3 decodes what RFC 2045-2231 and 5322 encode: encoded words
 * (Subject, names in From), address lists, Content-Type and
 * Content-Disposition with their parameters (RFC 2231 file names),
 * Message-IDs, dates, transfer encodings (base64, quoted-printable,
 * uuencode) and charset names. The tree itself is split here, without
 * recursion, because GMime's parser builds every part of a message before
 * any can be looked at (measured with 3.2.13: 4 MB of 100,000 parts took
 * 200 MB, 13 MB of headers 540 MB, and 1,024 nested multiparts made every
 * "--" line cost 1,024 comparisons). Here a message costs its own bytes,
 * at most MAIL_MAX_PARTS entities and MAIL_MAX_DEPTH levels, and at most
 * max_doc decoded bytes.
 *
 * What becomes text: text/plain and text/html parts that are not
 * attachments (HTML through rd_html_extract); of a multipart/alternative
 * the text/plain part, else its last; of a multipart/signed its first part.
 * Forwarded messages (message/rfc822) are part of the text: a paragraph
 * with their From, Date and Subject, then their own text; their
 * attachments count as the enclosing message's. Everything else (named
 * parts, non-text parts) is an attachment, except signatures.
 */
#include "reader_int.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_BYTES 120   /* an attachment's file name, cut beyond this */
#define MSGID_MAX 250        /* a longer Message-ID is taken as none        */

/* ------------------------------------------------------------ GMime */

static pthread_once_t gm_once = PTHREAD_ONCE_INIT;
static GMimeParserOptions *gm_opts;

/* GMime's own g_warning/g_critical would print on stderr: the library
 * never prints. */
static void drop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                     gpointer data)
{
    (void)domain;
    (void)level;
    (void)msg;
    (void)data;
}

static void gm_setup(void)
{
    static const char *fallback[] = {"UTF-8", "windows-1252", NULL};
    g_mime_init();
    g_log_set_handler("gmime", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      drop_log, NULL);
    gm_opts = g_mime_parser_options_new();
    g_mime_parser_options_set_address_compliance_mode(gm_opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(gm_opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_rfc2047_compliance_mode(gm_opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(gm_opts, TRUE);
    g_mime_parser_options_set_fallback_charsets(gm_opts, fallback);
}

/* ------------------------------------------------------------ headers */

enum { H_SUBJECT, H_FROM, H_DATE, H_MSGID, H_CTYPE, H_CDISP, H_CTE, H_CLANG,
       H_COUNT };

static const char *const FIELDS[H_COUNT] = {
    "subject", "from", "date", "message-id", "content-type",
    "content-disposition", "content-transfer-encoding", "content-language",
};

/* The fields of one entity that matter (first occurrence, raw and still
 * folded), and where its body starts. */
typedef struct headers {
    const char *val[H_COUNT];
    size_t len[H_COUNT];
    const char *body;
    size_t body_len;
} headers;

/* Scans the header block of p[0..n): it ends at a blank line, or at the
 * first line that is neither a field nor a continuation (a message
 * without the blank line). A leading mbox "From " line is skipped. One
 * pass, nothing allocated: a million fields cost their bytes only. */
static void scan_headers(const char *p, size_t n, headers *h)
{
    memset(h, 0, sizeof *h);
    size_t i = 0;
    int cur = -1;
    if (n >= 5 && memcmp(p, "From ", 5) == 0) {
        const char *nl = memchr(p, '\n', n);
        i = nl ? (size_t)(nl - p) + 1 : n;
    }
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) : n, next = nl ? e + 1 : n;
        size_t le = e > i && p[e - 1] == '\r' ? e - 1 : e;
        if (le == i) {
            h->body = p + next;
            h->body_len = n - next;
            return;
        }
        if (p[i] == ' ' || p[i] == '\t') {
            if (cur >= 0)
                h->len[cur] = le - (size_t)(h->val[cur] - p);
            i = next;
            continue;
        }
        size_t k = i;
        while (k < le && (unsigned char)p[k] > ' ' && (unsigned char)p[k] < 127 && p[k] != ':')
            k++;
        size_t name_len = k - i;
        while (k < le && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (name_len == 0 || k >= le || p[k] != ':')
            break;   /* not a field: the body starts on this line */
        cur = -1;
        for (int f = 0; f < H_COUNT; f++) {
            if (strlen(FIELDS[f]) == name_len && strncasecmp(p + i, FIELDS[f], name_len) == 0) {
                if (!h->val[f]) {
                    cur = f;
                    h->val[f] = p + k + 1;
                    h->len[f] = le - (k + 1);
                }
                break;
            }
        }
        i = next;
    }
    h->body = p + i;
    h->body_len = n - i;
}

/* Field f unfolded (line breaks dropped, NUL bytes as spaces, ends
 * trimmed) and cut at MAIL_MAX_FIELD bytes, NUL-terminated in b. */
static int field(const headers *h, int f, qr_buf *b)
{
    qr_buf_clear(b);
    if (qr_buf_append(b, "", 0) != 0)
        return -1;
    size_t n = h->len[f] < MAIL_MAX_FIELD ? h->len[f] : MAIL_MAX_FIELD;
    if (!h->val[f] || qr_buf_reserve(b, n) != 0)
        return h->val[f] ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        char c = h->val[f][i];
        if (c == '\r' || c == '\n')
            continue;
        if ((c == ' ' || c == '\t') && b->len == 0)
            continue;
        b->data[b->len++] = c == '\0' ? ' ' : c;
    }
    while (b->len > 0 && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t'))
        b->len--;
    b->data[b->len] = '\0';
    return 0;
}

/* ------------------------------------------------------------ the walk */

enum {
    E_TOP = 1,         /* the message itself: its fields are the article's */
    E_FORWARDED = 2,   /* a forwarded message: its fields go in the text   */
    E_DIGEST = 4       /* a multipart/digest child: message/rfc822 default */
};

typedef struct entity {
    const char *p;
    size_t n;
    int depth;
    unsigned flags;
} entity;

/* An entity's header fields and its type, disposition and encoding. */
typedef struct ptype {
    headers h;
    GMimeContentType *ct;
    GMimeContentDisposition *disp;   /* NULL if none */
    int enc;                         /* GMimeContentEncoding */
} ptype;

typedef struct walk {
    rd_ctx *rc;
    const char *where;
    mail_msg *m;
    entity *stack;
    size_t nstack;
    size_t parts;          /* entities met, against MAIL_MAX_PARTS   */
    int warned_parts, warned_depth;
    int full;              /* the body has more than max_article     */
    int oom;
    qr_buf f, tmp, conv;   /* scratch                                 */
} walk;

static int ptype_read(walk *w, const char *p, size_t n, unsigned flags, ptype *t)
{
    t->ct = NULL;
    t->disp = NULL;
    scan_headers(p, n, &t->h);
    if (field(&t->h, H_CTYPE, &w->f) != 0)
        return -1;
    const char *dflt = flags & E_DIGEST ? "message/rfc822" : "text/plain";
    t->ct = g_mime_content_type_parse(gm_opts, w->f.len ? w->f.data : dflt);
    if (!t->ct)
        t->ct = g_mime_content_type_new("text", "plain");
    if (field(&t->h, H_CDISP, &w->f) != 0)
        return -1;
    if (w->f.len)
        t->disp = g_mime_content_disposition_parse(gm_opts, w->f.data);
    if (field(&t->h, H_CTE, &w->f) != 0)
        return -1;
    t->enc = w->f.len ? (int)g_mime_content_encoding_from_string(w->f.data)
                      : GMIME_CONTENT_ENCODING_DEFAULT;
    return 0;
}

static void ptype_free(ptype *t)
{
    if (t->ct)
        g_object_unref(t->ct);
    if (t->disp)
        g_object_unref(t->disp);
    t->ct = NULL;
    t->disp = NULL;
}

static int is_type(const ptype *t, const char *type, const char *sub)
{
    return g_mime_content_type_is_type(t->ct, type, sub);
}

static const char *file_name(const ptype *t)
{
    const char *n = t->disp ? g_mime_content_disposition_get_parameter(t->disp, "filename") : NULL;
    return n ? n : g_mime_content_type_get_parameter(t->ct, "name");
}

/* Text shown in the message (as opposed to an attachment): a text part
 * that is neither marked as an attachment nor named (unless marked
 * inline). */
static int is_body_text(const ptype *t)
{
    const char *d = t->disp ? g_mime_content_disposition_get_disposition(t->disp) : NULL;
    if (d && strcasecmp(d, "attachment") == 0)
        return 0;
    if (file_name(t) && !(d && strcasecmp(d, "inline") == 0))
        return 0;
    return is_type(t, "text", "*") || is_type(t, "message", "*");
}

/* Whether a charset's text holds NUL bytes by nature (UTF-16, UTF-32),
 * so that they say nothing about binary content. */
static int wide_charset(const char *cs)
{
    return cs && (strncasecmp(cs, "utf-16", 6) == 0 || strncasecmp(cs, "utf-32", 6) == 0 ||
                  strncasecmp(cs, "ucs", 3) == 0 || strncasecmp(cs, "unicode", 7) == 0);
}

/* Whether a transfer encoding needs decoding (the others are the bytes). */
static int is_encoded(int enc)
{
    return enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
           enc == GMIME_CONTENT_ENCODING_UUENCODE;
}

/* Transfer decoding of p[0..n) into out (NUL-terminated), counted against
 * the message's budget. 0, 1 over the budget (out empty), -1 no memory. */
static int decode(rd_ctx *rc, mail_msg *m, int enc, const char *p, size_t n, qr_buf *out)
{
    qr_buf_clear(out);
    if (m->decoded + n > rc->max_doc)
        return 1;
    m->decoded += n;   /* decoding never makes more bytes than it reads */
    if (!is_encoded(enc))
        return qr_buf_append(out, p, n);
    if (enc == GMIME_CONTENT_ENCODING_UUENCODE) {
        /* the data starts after "begin <mode> <name>" (GMime's filter, not
         * its decoder, looks for that line) */
        for (size_t i = 0; i + 6 <= n;) {
            const char *nl = memchr(p + i, '\n', n - i);
            size_t next = nl ? (size_t)(nl - p) + 1 : n;
            if (memcmp(p + i, "begin ", 6) == 0) {
                p += next;
                n -= next;
                break;
            }
            i = next;
        }
    }
    GMimeEncoding st;
    g_mime_encoding_init_decode(&st, (GMimeContentEncoding)enc);
    if (qr_buf_reserve(out, g_mime_encoding_outlen(&st, n) + 1) != 0)
        return -1;
    out->len = g_mime_encoding_flush(&st, p, n, out->data);
    out->data[out->len] = '\0';
    return 0;
}

/* The iconv name of a declared charset, NULL when it is UTF-8 or ASCII
 * (nothing to convert). ISO-8859-1 is read as its superset
 * Windows-1252, as mail clients do. */
static const char *charset_to_convert(const char *cs)
{
    if (!cs || !*cs)
        return NULL;
    const char *name = g_mime_charset_iconv_name(cs);
    if (!name || strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "utf8") == 0 ||
        strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0)
        return NULL;
    if (strcasecmp(name, "iso-8859-1") == 0 || strcasecmp(name, "latin1") == 0)
        return "WINDOWS-1252";
    return name;
}

/* Appends s[0..n) to out as clean UTF-8 (bytes in charset cs, or of
 * unknown encoding when cs is NULL). 1 when iconv does not know cs (the
 * bytes are then read as UTF-8 or Windows-1252), 0, -1 no memory. */
static int append_utf8(const char *cs, const char *s, size_t n, qr_buf *out, qr_buf *scratch)
{
    int unknown = 0;
    if (cs) {
        qr_buf_clear(scratch);
        int r = rd_charset_to_utf8(cs, s, n, scratch);
        if (r < 0)
            return -1;
        if (r == 0) {
            s = scratch->data;
            n = scratch->len;
        }
        unknown = r == 1;
    }
    if (rd_text_is_clean(s, n) ? qr_buf_append(out, s, n) : qr_text_to_utf8(s, n, out))
        return -1;
    return unknown;
}

static void put_text(walk *w, const char *s, size_t n)
{
    mail_msg *m = w->m;
    if (m->body.len > 0 && qr_buf_puts(&m->body, "\n\n") != 0)
        w->oom = 1;
    if (!w->oom && qr_buf_append(&m->body, s, n) != 0)
        w->oom = 1;
    if (m->body.len > w->rc->max_article)
        w->full = 1;   /* rd_emit cuts it and says so */
}

/* A text part: decoded, converted, HTML reduced to its text. */
static void text_part(walk *w, const ptype *t)
{
    if (w->full)
        return;
    int r = decode(w->rc, w->m, t->enc, t->h.body, t->h.body_len, &w->tmp);
    if (r != 0) {
        if (r > 0)
            rd_warn(w->rc, w->where, "text part skipped: more than %zu bytes decoded",
                    w->rc->max_doc);
        w->oom |= r < 0;
        return;
    }
    const char *declared = g_mime_content_type_get_parameter(t->ct, "charset");
    if (!wide_charset(declared) && qr_looks_binary(w->tmp.data, w->tmp.len)) {
        rd_warn(w->rc, w->where, "text part skipped: binary content");
        return;
    }
    int html = is_type(t, "text", "html");
    const char *s = w->tmp.data;
    size_t n = w->tmp.len;
    qr_buf utf8 = {0};
    if (!html || declared) {
        /* HTML without a charset is left to libxml2 (<meta charset>) */
        r = append_utf8(charset_to_convert(declared), s, n, &utf8, &w->conv);
        if (r < 0) {
            w->oom = 1;
            goto out;
        }
        if (r > 0)
            rd_warn(w->rc, w->where, "unknown charset \"%s\": read as UTF-8 or "
                    "Windows-1252", declared);
        s = utf8.data ? utf8.data : "";
        n = utf8.len;
    }
    if (html) {
        rd_html_doc h;
        qr_buf why = {0};
        qr_status st = rd_html_extract(w->rc, w->where, s, n, declared ? "UTF-8" : NULL, &h, &why);
        if (st == QR_OK) {
            put_text(w, h.text.data, h.text.len);
            rd_html_doc_free(&h);
        } else if (st == QR_ERR_NOMEM) {
            w->oom = 1;
        } else {
            rd_warn(w->rc, w->where, "HTML part skipped: %s", why.data ? why.data : "unreadable");
        }
        qr_buf_free(&why);
    } else {
        put_text(w, s, n);
    }
out:
    qr_buf_free(&utf8);
}

/* name made safe in out: its last path component, controls and
 * separators as '_', cut at NAME_MAX_BYTES (keeping a short extension);
 * empty when nothing usable is left. */
static int safe_name(const char *raw, qr_buf *out)
{
    qr_buf_clear(out);
    if (qr_buf_append(out, "", 0) != 0)
        return -1;
    if (!raw)
        return 0;
    const char *base = raw;
    for (const char *c = raw; *c; c++)
        if (*c == '/' || *c == '\\')
            base = c + 1;
    size_t n = strlen(base);
    if (qr_text_to_utf8(base, n < 4 * NAME_MAX_BYTES ? n : 4 * NAME_MAX_BYTES, out) != 0)
        return -1;
    char *d = out->data;
    for (size_t i = 0; i < out->len; i++)
        if ((unsigned char)d[i] < 0x20 || d[i] == 0x7F || d[i] == '/' || d[i] == '\\')
            d[i] = '_';
    size_t s = 0;
    while (s < out->len && d[s] == ' ')
        s++;
    memmove(d, d + s, out->len - s);
    out->len -= s;
    while (out->len > 0 && d[out->len - 1] == ' ')
        out->len--;
    d[out->len] = '\0';
    if (out->len > NAME_MAX_BYTES) {
        const char *dot = strrchr(d, '.');
        size_t ext = dot && out->len - (size_t)(dot - d) <= 16 ? out->len - (size_t)(dot - d) : 0;
        size_t keep = NAME_MAX_BYTES - ext;
        while (keep > 0 && ((unsigned char)d[keep] & 0xC0) == 0x80)
            keep--;
        memmove(d + keep, d + out->len - ext, ext);
        out->len = keep + ext;
        d[out->len] = '\0';
    }
    if (strcmp(d, ".") == 0 || strcmp(d, "..") == 0)
        qr_buf_clear(out);
    return 0;
}

static int name_taken(const mail_msg *m, const char *name)
{
    for (size_t i = 0; i < m->natts; i++)
        if (strcmp(m->atts[i].name, name) == 0)
            return 1;
    return 0;
}

/* out made unique among the message's attachments: "a.pdf", "a-2.pdf". */
static int unique_name(const mail_msg *m, qr_buf *out)
{
    if (!name_taken(m, out->data))
        return 0;
    char *dot = strrchr(out->data, '.');
    size_t stem = dot && dot != out->data ? (size_t)(dot - out->data) : out->len;
    /* start past the numbers taken already ("a-2.pdf" ...), so that a
     * thousand parts of one name cost no thousand tries each */
    unsigned k = 2;
    for (size_t i = 0; i < m->natts; i++)
        if (strncmp(m->atts[i].name, out->data, stem) == 0 && m->atts[i].name[stem] == '-')
            k++;
    qr_buf alt = {0};
    for (;; k++) {
        qr_buf_clear(&alt);
        if (qr_buf_printf(&alt, "%.*s-%u%s", (int)stem, out->data, k, out->data + stem) != 0) {
            qr_buf_free(&alt);
            return -1;
        }
        if (!name_taken(m, alt.data))
            break;
    }
    qr_buf_free(out);
    *out = alt;
    return 0;
}

static void attachment(walk *w, const ptype *t)
{
    mail_msg *m = w->m;
    qr_buf name = {0};
    if (safe_name(file_name(t), &name) != 0 ||
        (name.len == 0 && qr_buf_printf(&name, "part-%zu", m->natts + 1) != 0) ||
        unique_name(m, &name) != 0) {
        w->oom = 1;
        qr_buf_free(&name);
        return;
    }
    if (!m->atts && !(m->atts = calloc(MAIL_MAX_PARTS, sizeof *m->atts))) {
        w->oom = 1;
        qr_buf_free(&name);
        return;
    }
    mail_att *a = &m->atts[m->natts++];
    a->name = qr_buf_steal(&name);
    a->raw = t->h.body;
    a->raw_len = t->h.body_len;
    a->enc = t->enc;
    int text = is_type(t, "text", "*") && !is_type(t, "text", "html") && !is_type(t, "text", "xml");
    const char *cs = text ? charset_to_convert(g_mime_content_type_get_parameter(t->ct, "charset"))
                          : NULL;
    if (!a->name || (cs && !(a->charset = strdup(cs))))
        w->oom = 1;
}

/* Appends the From field formatted as "Name <addr>, ..." (at most 8). */
static int put_addresses(const char *raw, qr_buf *out)
{
    InternetAddressList *l = internet_address_list_parse(gm_opts, raw);
    int shown = 0, rc = 0;
    for (int i = 0; l && i < internet_address_list_length(l) && shown < 8 && rc == 0; i++) {
        InternetAddress *ia = internet_address_list_get_address(l, i);
        InternetAddressList *one = INTERNET_ADDRESS_IS_GROUP(ia)
            ? internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)) : NULL;
        int k = one ? internet_address_list_length(one) : 1;
        for (int j = 0; j < k && shown < 8 && rc == 0; j++) {
            InternetAddress *a = one ? internet_address_list_get_address(one, j) : ia;
            if (!INTERNET_ADDRESS_IS_MAILBOX(a))
                continue;
            const char *name = internet_address_get_name(a);
            const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
            int has_name = name && *name, has_addr = addr && *addr;
            if (!has_name && !has_addr)
                continue;
            rc = qr_buf_printf(out, "%s%s%s%s%s%s", shown ? ", " : "", has_name ? name : "",
                               has_name && has_addr ? " " : "", has_addr && has_name ? "<" : "",
                               has_addr ? addr : "", has_addr && has_name ? ">" : "");
            shown++;
        }
    }
    if (l)
        g_object_unref(l);
    if (rc == 0 && shown == 0 && *raw) {
        char *text = g_mime_utils_header_decode_text(gm_opts, raw);
        rc = qr_buf_puts(out, text ? text : raw);
        g_free(text);
    }
    return rc;
}

static int put_decoded(const char *raw, qr_buf *out)
{
    char *text = g_mime_utils_header_decode_text(gm_opts, raw);
    int rc = qr_buf_puts(out, text ? text : raw);
    g_free(text);
    return rc;
}

/* YYYYMMDD of a Date field: as written (qr_date_normalise), else as GMime
 * reads it, else the field as written, for rd_emit to warn about. */
static int put_date(const char *raw, qr_buf *out)
{
    char d[9];
    if (qr_date_normalise(raw, d) == 0)
        return qr_buf_puts(out, d);
    GDateTime *dt = *raw ? g_mime_utils_header_decode_date(raw) : NULL;
    int rc;
    if (dt && g_date_time_get_year(dt) >= 1000)
        rc = qr_buf_printf(out, "%04d%02d%02d", g_date_time_get_year(dt),
                           g_date_time_get_month(dt), g_date_time_get_day_of_month(dt));
    else
        rc = qr_buf_puts(out, raw);
    if (dt)
        g_date_time_unref(dt);
    return rc;
}

/* The message's own fields, or a forwarded message's as a paragraph. */
static void fields(walk *w, const headers *h, unsigned flags)
{
    mail_msg *m = w->m;
    if (flags & E_TOP) {
        if (field(h, H_SUBJECT, &w->f) != 0 || put_decoded(w->f.data, &m->subject) != 0 ||
            field(h, H_FROM, &w->f) != 0 || put_addresses(w->f.data, &m->from) != 0 ||
            field(h, H_DATE, &w->f) != 0 || put_date(w->f.data, &m->date) != 0 ||
            field(h, H_CLANG, &m->lang) != 0)
            w->oom = 1;
        return;
    }
    qr_buf para = {0}, line = {0};
    static const struct { int f; const char *label; } shown[] = {
        {H_FROM, "From: "}, {H_DATE, "Date: "}, {H_SUBJECT, "Subject: "}};
    for (size_t i = 0; i < 3 && !w->oom; i++) {
        qr_buf_clear(&line);
        if (field(h, shown[i].f, &w->f) != 0 || qr_buf_puts(&line, shown[i].label) != 0 ||
            (shown[i].f == H_FROM ? put_addresses(w->f.data, &line)
                                  : put_decoded(w->f.data, &line)) != 0) {
            w->oom = 1;
        } else if (w->f.len) {
            rd_one_line(line.data);
            if ((para.len && qr_buf_putc(&para, '\n') != 0) ||
                qr_text_to_utf8(line.data, line.len, &para) != 0)
                w->oom = 1;
        }
    }
    if (!w->oom && para.len)
        put_text(w, para.data, para.len);
    qr_buf_free(&para);
    qr_buf_free(&line);
}

static int push(walk *w, const char *p, size_t n, int depth, unsigned flags)
{
    if (w->parts >= MAIL_MAX_PARTS) {
        if (!w->warned_parts++)
            rd_warn(w->rc, w->where, "more than %d MIME parts: the rest skipped", MAIL_MAX_PARTS);
        return -1;
    }
    w->parts++;
    w->stack[w->nstack++] = (entity){.p = p, .n = n, .depth = depth, .flags = flags};
    return 0;
}

static int deeper(walk *w, const entity *e)
{
    if (e->depth + 1 <= MAIL_MAX_DEPTH)
        return 1;
    if (!w->warned_depth++)
        rd_warn(w->rc, w->where, "MIME parts nested deeper than %d levels skipped", MAIL_MAX_DEPTH);
    return 0;
}

/* "--boundary" or "--boundary--" and blanks: *close tells which. */
static int delimiter(const char *l, size_t n, const char *b, size_t bl, int *close)
{
    if (n < 2 + bl || l[0] != '-' || l[1] != '-' || memcmp(l + 2, b, bl) != 0)
        return 0;
    size_t i = 2 + bl;
    *close = i + 1 < n && l[i] == '-' && l[i + 1] == '-';
    if (*close)
        i += 2;
    while (i < n && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r'))
        i++;
    return i == n;
}

/* Pushes the parts of a multipart body (in their order; the caller
 * reverses them) as entities one level down. Returns how many. */
static size_t split(walk *w, const entity *e, const ptype *t, const char *b, size_t bl)
{
    const char *p = t->h.body;
    size_t n = t->h.body_len, i = 0, start = SIZE_MAX, kids = 0;
    unsigned flags = is_type(t, "multipart", "digest") ? E_DIGEST : 0;
    int close = 0;
    while (i < n && !close) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t eol = nl ? (size_t)(nl - p) : n, next = nl ? eol + 1 : n;
        if (delimiter(p + i, eol - i, b, bl, &close)) {
            if (start != SIZE_MAX) {
                size_t end = i;   /* the line break before it is the delimiter's */
                if (end > start && p[end - 1] == '\n')
                    end--;
                if (end > start && p[end - 1] == '\r')
                    end--;
                if (push(w, p + start, end - start, e->depth + 1, flags) != 0)
                    return kids;
                kids++;
            }
            start = next;
        }
        i = next;
    }
    if (!close && start != SIZE_MAX && start < n &&
        push(w, p + start, n - start, e->depth + 1, flags) == 0)
        kids++;
    return kids;
}

/* Of a multipart/alternative's parts (stack[from..]), the one to read:
 * the text/plain one, else the last (the richest). */
static size_t choose_alternative(walk *w, size_t from)
{
    for (size_t k = from; k < w->nstack; k++) {
        ptype t;
        if (ptype_read(w, w->stack[k].p, w->stack[k].n, w->stack[k].flags, &t) != 0) {
            ptype_free(&t);
            w->oom = 1;
            return k;
        }
        int plain = is_type(&t, "text", "plain") && is_body_text(&t);
        ptype_free(&t);
        if (plain)
            return k;
    }
    return w->nstack - 1;
}

static void multipart(walk *w, const entity *e, const ptype *t)
{
    const char *b = g_mime_content_type_get_parameter(t->ct, "boundary");
    size_t bl = b ? strlen(b) : 0;
    if (is_type(t, "multipart", "encrypted")) {
        rd_warn(w->rc, w->where, "encrypted part skipped");
        return;
    }
    size_t from = w->nstack, kids = bl > 0 && bl <= 200 ? split(w, e, t, b, bl) : 0;
    if (kids == 0) {
        if (w->parts < MAIL_MAX_PARTS)
            text_part(w, t);   /* no parts found: what there is, as text */
        return;
    }
    if (is_type(t, "multipart", "alternative")) {
        w->stack[from] = w->stack[choose_alternative(w, from)];
        w->nstack = from + 1;
    } else if (is_type(t, "multipart", "signed")) {
        w->nstack = from + 1;
    }
    for (size_t i = from, j = w->nstack - 1; i < j; i++, j--) {
        entity x = w->stack[i];
        w->stack[i] = w->stack[j];
        w->stack[j] = x;
    }
}

static void forwarded(walk *w, const entity *e, const ptype *t)
{
    const char *p = t->h.body;
    size_t n = t->h.body_len;
    if (is_encoded(t->enc)) {
        mail_msg *m = w->m;
        qr_buf *grown = realloc(m->owned, (m->nowned + 1) * sizeof *m->owned);
        if (!grown) {
            w->oom = 1;
            return;
        }
        m->owned = grown;
        qr_buf *d = &m->owned[m->nowned++];
        memset(d, 0, sizeof *d);
        int r = decode(w->rc, m, t->enc, p, n, d);
        if (r != 0) {
            w->oom |= r < 0;
            if (r > 0)
                rd_warn(w->rc, w->where, "forwarded message skipped: more than %zu bytes decoded",
                        w->rc->max_doc);
            return;
        }
        p = d->data;
        n = d->len;
    }
    push(w, p, n, e->depth + 1, E_FORWARDED);
}

static int is_signature(const ptype *t)
{
    return is_type(t, "application", "pgp-signature") ||
           is_type(t, "application", "pkcs7-signature") ||
           is_type(t, "application", "x-pkcs7-signature");
}

static void entity_read(walk *w, const entity *e)
{
    ptype t;
    if (ptype_read(w, e->p, e->n, e->flags, &t) != 0) {
        w->oom = 1;
    } else {
        if (e->flags & (E_TOP | E_FORWARDED))
            fields(w, &t.h, e->flags);
        if (w->oom) {
        } else if (is_type(&t, "multipart", "*")) {
            if (deeper(w, e))
                multipart(w, e, &t);
        } else if (is_type(&t, "message", "rfc822") || is_type(&t, "message", "news") ||
                   is_type(&t, "message", "global")) {
            if (deeper(w, e))
                forwarded(w, e, &t);
        } else if (is_signature(&t)) {
        } else if (is_body_text(&t)) {
            text_part(w, &t);
        } else {
            attachment(w, &t);
        }
    }
    ptype_free(&t);
}

qr_status mail_parse(rd_ctx *rc, const char *where, const char *data, size_t len,
                     mail_msg *m, qr_buf *why)
{
    pthread_once(&gm_once, gm_setup);
    memset(m, 0, sizeof *m);
    walk w = {.rc = rc, .where = where, .m = m};
    w.stack = malloc(MAIL_MAX_PARTS * sizeof *w.stack);
    if (w.stack && push(&w, data, len, 0, E_TOP) == 0) {
        while (w.nstack > 0 && !w.oom) {
            entity e = w.stack[--w.nstack];
            entity_read(&w, &e);
        }
    }
    free(w.stack);
    qr_buf_free(&w.f);
    qr_buf_free(&w.tmp);
    qr_buf_free(&w.conv);
    if (!w.stack || w.oom || qr_buf_append(&m->subject, "", 0) != 0 ||
        qr_buf_append(&m->from, "", 0) != 0 || qr_buf_append(&m->date, "", 0) != 0 ||
        qr_buf_append(&m->lang, "", 0) != 0 || qr_buf_append(&m->body, "", 0) != 0) {
        mail_msg_free(m);
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    }
    rd_tidy_text(&m->body, 0);
    return QR_OK;
}

int mail_message_id(const char *data, size_t len, qr_buf *out)
{
    pthread_once(&gm_once, gm_setup);
    headers h;
    qr_buf f = {0};
    scan_headers(data, len, &h);
    qr_buf_clear(out);
    int rc = field(&h, H_MSGID, &f);
    char *id = rc == 0 && f.len ? g_mime_utils_decode_message_id(f.data) : NULL;
    size_t n = id ? strlen(id) : 0;
    if (rc == 0)
        rc = qr_buf_append(out, id ? id : "", n > 0 && n <= MSGID_MAX ? n : 0);
    g_free(id);
    qr_buf_free(&f);
    return rc;
}

void mail_msg_free(mail_msg *m)
{
    qr_buf_free(&m->subject);
    qr_buf_free(&m->from);
    qr_buf_free(&m->date);
    qr_buf_free(&m->lang);
    qr_buf_free(&m->body);
    for (size_t i = 0; i < m->natts; i++) {
        free(m->atts[i].name);
        free(m->atts[i].charset);
    }
    free(m->atts);
    for (size_t i = 0; i < m->nowned; i++)
        qr_buf_free(&m->owned[i]);
    free(m->owned);
    memset(m, 0, sizeof *m);
}

int mail_att_decode(rd_ctx *rc, mail_msg *m, const mail_att *a, qr_buf *out)
{
    int r = decode(rc, m, a->enc, a->raw, a->raw_len, out);
    if (r != 0 || !a->charset)
        return r;
    qr_buf utf8 = {0};
    r = rd_charset_to_utf8(a->charset, out->data, out->len, &utf8);
    if (r == 0) {
        qr_buf_free(out);
        *out = utf8;
    } else {
        qr_buf_free(&utf8);
    }
    return r < 0 ? -1 : 0;
}

/*
 * read_text.c — plain text and Markdown.
 *
 * Plain text: the title is the first non-blank line and the body the rest;
 * a first line longer than RD_TITLE_LINE_MAX bytes, or one with nothing
 * after it, is not taken out of the body (the title is then its beginning).
 *
 * Markdown is reduced to its text, one pass per line with no recursion:
 * front matter (YAML "---" or TOML "+++") gives title/date/author/lang; headings,
 * list items, block quotes and tables lose their markers; links and images
 * keep their text; emphasis, code-span backticks and backslash escapes go;
 * fenced code is kept verbatim as its own paragraph. Inline markup is
 * matched with stacks (linear time); lines longer than MD_INLINE_MAX are not
 * Markdown anyone wrote by hand and are kept as they are.
 */
#include "reader_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ shared */

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Title for a first line that cannot be the whole title: its beginning, cut
 * at a word, with an ellipsis. */
static int short_title(qr_buf *t, const char *s, size_t n)
{
    const size_t want = 100;
    if (n <= want)
        return qr_buf_append(t, s, n);
    size_t cut = want;
    while (cut > want / 2 && !is_blank(s[cut]))
        cut--;
    if (cut <= want / 2) {
        cut = want;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
    }
    if (qr_buf_append(t, s, cut) != 0)
        return -1;
    return qr_buf_puts(t, "\xE2\x80\xA6");
}

int rd_line_title(qr_buf *t, const char *s, size_t n)
{
    return n <= RD_TITLE_LINE_MAX ? qr_buf_append(t, s, n) : short_title(t, s, n);
}

/* Splits tidied text: title = first line, *body_off = where the body
 * starts (0 when the first line stays in the body). */
static int split_title(const qr_buf *text, qr_buf *title, size_t *body_off)
{
    const char *d = text->data ? text->data : "";
    size_t n = text->len;
    const char *nl = memchr(d, '\n', n);
    size_t eol = nl ? (size_t)(nl - d) : n;
    size_t rest = eol;
    while (rest < n && (d[rest] == '\n' || is_blank(d[rest])))
        rest++;
    *body_off = 0;
    if (eol <= RD_TITLE_LINE_MAX && rest < n) {
        *body_off = rest;
        return qr_buf_append(title, d, eol);
    }
    return short_title(title, d, eol);
}

static qr_status emit_doc(rd_ctx *rc, const rd_unit *u, qr_format fmt,
                          const char *title, const char *body, size_t body_len,
                          const char *date, const char *author,
                          const char *lang, qr_buf *why)
{
    qr_article a = {
        .id = u->id, .title = title ? title : "", .body = body, .body_len = body_len,
        .url = "", .date = date ? date : "", .author = author ? author : "", .format = fmt,
        .lang = lang,
    };
    return rd_emit(rc, u->where, &a, why);
}

qr_status rd_text(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why)
{
    qr_buf t = {0}, title = {0};
    qr_status st;
    size_t off;
    if (qr_text_to_utf8(data, len, &t) != 0 || qr_buf_append(&t, "", 0) != 0)
        goto oom;
    rd_tidy_text(&t, 0);
    if (split_title(&t, &title, &off) != 0 || qr_buf_append(&title, "", 0) != 0)
        goto oom;
    st = emit_doc(rc, u, QR_FMT_TEXT, title.data, t.data + off, t.len - off,
                  NULL, NULL, NULL, why);
    qr_buf_free(&t);
    qr_buf_free(&title);
    return st;
oom:
    qr_buf_free(&t);
    qr_buf_free(&title);
    return rd_fail(why, QR_ERR_NOMEM, "out of memory");
}

/* ------------------------------------------------------------ Markdown */

#define MD_INLINE_MAX (64 * 1024)
#define NONE UINT32_MAX
#define F_LIT  1   /* a literal character, never markup */
#define F_KILL 2   /* markup: not copied to the output  */

typedef struct md_inline {
    uint32_t *match;        /* bracket/paren partner, or NONE               */
    uint32_t *aux;          /* stacks and run links                         */
    unsigned char *flag;    /* F_LIT / F_KILL per byte                      */
    size_t cap;             /* entries allocated in each array              */
} md_inline;

typedef struct md_state {
    qr_buf out;             /* the text so far                              */
    qr_buf title;           /* title from front matter or the first heading */
    qr_buf date;            /* front matter date, as written                */
    qr_buf author;          /* front matter author                          */
    qr_buf lang;            /* front matter lang (or language)              */
    int have_title;
    int have_heading;       /* a heading was seen                           */
    int in_fence;
    char fence_ch;
    size_t fence_len;
    size_t para_lines;      /* lines in the open paragraph                  */
    size_t para_start;      /* where it starts in out                       */
    md_inline in;
} md_state;

static int is_punct(unsigned char c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

static int is_ws_byte(unsigned char c) { return c == ' ' || c == '\t' || c == '\n'; }

static int inline_reserve(md_inline *mi, size_t n)
{
    if (n <= mi->cap)
        return 0;
    size_t cap = MD_INLINE_MAX;
    uint32_t *m = realloc(mi->match, cap * sizeof *m);
    if (!m)
        return -1;
    mi->match = m;
    uint32_t *a = realloc(mi->aux, cap * sizeof *a);
    if (!a)
        return -1;
    mi->aux = a;
    unsigned char *f = realloc(mi->flag, cap);
    if (!f)
        return -1;
    mi->flag = f;
    mi->cap = cap;
    return 0;
}

static void inline_free(md_inline *mi)
{
    free(mi->match);
    free(mi->aux);
    free(mi->flag);
}

/* Marks code spans: a backtick run closes at the next run of the same
 * length; what is between is literal. */
static void mark_code_spans(md_inline *mi, const char *s, size_t n)
{
    unsigned char *f = mi->flag;
    uint32_t last[17];
    for (int k = 0; k < 17; k++)
        last[k] = NONE;
    size_t i = n;
    while (i > 0) {
        if (s[i - 1] != '`' || (f[i - 1] & F_LIT)) { i--; continue; }
        size_t j = i - 1;
        while (j > 0 && s[j - 1] == '`' && !(f[j - 1] & F_LIT))
            j--;
        size_t len = i - j;
        if (len <= 16) {
            mi->aux[j] = last[len];
            last[len] = (uint32_t)j;
        } else {
            mi->aux[j] = NONE;
        }
        i = j;
    }
    i = 0;
    while (i < n) {
        if (s[i] != '`' || (f[i] & F_LIT)) { i++; continue; }
        size_t j = i;
        while (j < n && s[j] == '`' && !(f[j] & F_LIT))
            j++;
        size_t len = j - i;
        if (len <= 16 && mi->aux[i] != NONE) {
            size_t close = mi->aux[i];
            memset(f + i, F_KILL, len);
            memset(f + close, F_KILL, len);
            for (size_t k = j; k < close; k++)
                f[k] |= F_LIT;
            i = close + len;
        } else {
            i = j;
        }
    }
}

/* Pairs [ ] and ( ) (nesting allowed) with two stacks in aux: brackets
 * grow from the bottom, parentheses from the top. */
static void match_brackets(md_inline *mi, const char *s, size_t n)
{
    size_t nb = 0, np = 0;
    for (size_t i = 0; i < n; i++) {
        mi->match[i] = NONE;
        if (mi->flag[i])
            continue;
        switch (s[i]) {
        case '[': mi->aux[nb++] = (uint32_t)i; break;
        case '(': mi->aux[n - 1 - np++] = (uint32_t)i; break;
        case ']':
            if (nb) {
                uint32_t o = mi->aux[--nb];
                mi->match[o] = (uint32_t)i;
                mi->match[i] = o;
            }
            break;
        case ')':
            if (np) {
                uint32_t o = mi->aux[n - 1 - --np];
                mi->match[o] = (uint32_t)i;
                mi->match[i] = o;
            }
            break;
        default: break;
        }
    }
}

static void kill_range(unsigned char *f, size_t a, size_t b)
{
    for (size_t k = a; k <= b; k++)
        f[k] |= F_KILL;
}

/* Links and images keep their text; autolinks lose their brackets. */
static void mark_links(md_inline *mi, const char *s, size_t n)
{
    unsigned char *f = mi->flag;
    for (size_t i = 0; i < n; i++) {
        if (f[i])
            continue;
        if (s[i] == '[' && mi->match[i] != NONE && mi->match[i] > i) {
            size_t j = mi->match[i];
            if (j + 1 < n && !f[j + 1] && (s[j + 1] == '(' || s[j + 1] == '[') &&
                mi->match[j + 1] != NONE && mi->match[j + 1] > j + 1) {
                f[i] |= F_KILL;
                kill_range(f, j, mi->match[j + 1]);
                if (i > 0 && s[i - 1] == '!' && !f[i - 1])
                    f[i - 1] |= F_KILL;
            }
        } else if (s[i] == '<' && (strncasecmp(s + i + 1, "http://", 7) == 0 ||
                                   strncasecmp(s + i + 1, "https://", 8) == 0 ||
                                   strncasecmp(s + i + 1, "mailto:", 7) == 0)) {
            /* stops at the next '<' too, so each byte is looked at once */
            size_t j = i + 1;
            while (j < n && s[j] != '>' && s[j] != '<' && !is_ws_byte((unsigned char)s[j]))
                j++;
            if (j < n && s[j] == '>') {
                f[i] |= F_KILL;
                f[j] |= F_KILL;
                i = j;
            } else {
                i = j - 1;
            }
        }
    }
}

/* Emphasis: delimiter runs of * _ ~ that can open are pushed on a stack per
 * (character, length); a run that can close pops its partner and both
 * vanish. Runs longer than 3 (or single ~) stay as text. */
static void mark_emphasis(md_inline *mi, const char *s, size_t n)
{
    unsigned char *f = mi->flag;
    uint32_t top[9];
    for (int k = 0; k < 9; k++)
        top[k] = NONE;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if ((c != '*' && c != '_' && c != '~') || f[i]) { i++; continue; }
        size_t j = i;
        while (j < n && s[j] == c && !f[j])
            j++;
        size_t len = j - i;
        if (len > 3 || (c == '~' && len != 2)) { i = j; continue; }
        unsigned char prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
        unsigned char next = j < n ? (unsigned char)s[j] : ' ';
        int left = !is_ws_byte(next) && (!is_punct(next) || is_ws_byte(prev) || is_punct(prev));
        int right = !is_ws_byte(prev) && (!is_punct(prev) || is_ws_byte(next) || is_punct(next));
        int can_open = left, can_close = right;
        if (c == '_') {
            can_open = left && (!right || is_punct(prev));
            can_close = right && (!left || is_punct(next));
        }
        int kind = (c == '*' ? 0 : c == '_' ? 3 : 6) + (int)len - 1;
        if (can_close && top[kind] != NONE) {
            uint32_t o = top[kind];
            top[kind] = mi->aux[o];
            memset(f + o, F_KILL, len);
            memset(f + i, F_KILL, len);
        } else if (can_open) {
            mi->aux[i] = top[kind];
            top[kind] = (uint32_t)i;
        }
        i = j;
    }
}

/* Appends the text of one line of inline Markdown. */
static int md_inline_text(md_inline *mi, const char *s, size_t n, qr_buf *out)
{
    if (n == 0)
        return 0;
    if (n > MD_INLINE_MAX)
        return qr_buf_append(out, s, n);
    if (inline_reserve(mi, n) != 0)
        return -1;
    unsigned char *f = mi->flag;
    memset(f, 0, n);
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '\\' && is_punct((unsigned char)s[i + 1])) {
            f[i] = F_KILL;
            f[i + 1] = F_LIT;
            i++;
        }
    }
    mark_code_spans(mi, s, n);
    match_brackets(mi, s, n);
    mark_links(mi, s, n);
    mark_emphasis(mi, s, n);
    if (qr_buf_reserve(out, n) != 0)
        return -1;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !(f[j] & F_KILL))
            j++;
        if (qr_buf_append(out, s + i, j - i) != 0)
            return -1;
        i = j;
        while (i < n && (f[i] & F_KILL))
            i++;
    }
    return 0;
}

static size_t skip_indent(const char *s, size_t n, size_t max)
{
    size_t i = 0;
    while (i < n && i < max && s[i] == ' ')
        i++;
    return i;
}

/* An ATX heading "## text ##": returns 1 and the text span. */
static int atx_heading(const char *s, size_t n, size_t *ts, size_t *te)
{
    size_t i = skip_indent(s, n, 3), h = 0;
    while (i + h < n && s[i + h] == '#')
        h++;
    if (h < 1 || h > 6 || (i + h < n && !is_blank(s[i + h])))
        return 0;
    size_t a = i + h, b = n;
    while (a < b && is_blank(s[a]))
        a++;
    while (b > a && is_blank(s[b - 1]))
        b--;
    size_t c = b;
    while (c > a && s[c - 1] == '#')
        c--;
    if (c == a || is_blank(s[c - 1])) {   /* a closing run of # */
        b = c;
        while (b > a && is_blank(s[b - 1]))
            b--;
    }
    *ts = a;
    *te = b;
    return 1;
}

/* A line of at least min ch after up to 3 spaces; with spaces_ok blanks may
 * come between them, otherwise only after them. */
static int only_char(const char *s, size_t n, char ch, size_t min, int spaces_ok)
{
    size_t i = skip_indent(s, n, 3), k = 0;
    for (; i < n; i++) {
        if (s[i] == ch) {
            k++;
            continue;
        }
        if (!is_blank(s[i]))
            return 0;
        if (!spaces_ok) {
            while (i < n && is_blank(s[i]))
                i++;
            if (i < n)
                return 0;
            break;
        }
    }
    return k >= min;
}

static int fence_open(const char *s, size_t n, char *ch, size_t *len)
{
    size_t i = skip_indent(s, n, 3), k = 0;
    if (i >= n || (s[i] != '`' && s[i] != '~'))
        return 0;
    char c = s[i];
    while (i + k < n && s[i + k] == c)
        k++;
    if (k < 3)
        return 0;
    if (c == '`' && memchr(s + i + k, '`', n - i - k))
        return 0;
    *ch = c;
    *len = k;
    return 1;
}

static int fence_close(const md_state *m, const char *s, size_t n)
{
    size_t i = skip_indent(s, n, 3), k = 0;
    while (i + k < n && s[i + k] == m->fence_ch)
        k++;
    if (k < m->fence_len)
        return 0;
    for (i += k; i < n; i++)
        if (!is_blank(s[i]))
            return 0;
    return 1;
}

/* Length of a list marker ("- ", "* ", "+ ", "12. ", "3) ") with the
 * blanks after it, or 0. */
static size_t list_marker(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '*' || s[i] == '+')) {
        i++;
    } else {
        size_t d = 0;
        while (i < n && d < 9 && s[i] >= '0' && s[i] <= '9') {
            i++;
            d++;
        }
        if (d == 0 || i >= n || (s[i] != '.' && s[i] != ')'))
            return 0;
        i++;
    }
    if (i < n && !is_blank(s[i]))
        return 0;
    while (i < n && is_blank(s[i]))
        i++;
    if (i + 3 <= n && s[i] == '[' && (s[i + 1] == ' ' || s[i + 1] == 'x' || s[i + 1] == 'X') &&
        s[i + 2] == ']' && (i + 3 == n || is_blank(s[i + 3]))) {
        i += 3;
        while (i < n && is_blank(s[i]))
            i++;
    }
    return i;
}

/* "[label]: url" */
static int link_definition(const char *s, size_t n)
{
    size_t i = skip_indent(s, n, 3);
    if (i >= n || s[i] != '[')
        return 0;
    const char *close = memchr(s + i, ']', n - i);
    return close && close > s + i + 1 && (size_t)(close - s) + 1 < n && close[1] == ':';
}

static void end_paragraph(md_state *m)
{
    m->para_lines = 0;
}

/* A heading (s is Markdown, or already text when !is_markdown): the first
 * one becomes the title (unless front matter gave
 * one); when it is the very first thing in the document it leaves the
 * body, like a plain text file's title line. */
static int md_heading(md_state *m, const char *s, size_t n, int is_markdown)
{
    size_t mark = m->out.len;
    if (qr_buf_puts(&m->out, "\n\n") != 0)
        return -1;
    if (is_markdown ? md_inline_text(&m->in, s, n, &m->out) != 0
                    : qr_buf_append(&m->out, s, n) != 0)
        return -1;
    size_t a = mark + 2, k = a;
    while (k < m->out.len && is_ws_byte((unsigned char)m->out.data[k]))
        k++;
    if (!m->have_heading && k < m->out.len) {   /* an empty heading is no title */
        m->have_heading = 1;
        if (!m->have_title) {
            if (qr_buf_append(&m->title, m->out.data + a, m->out.len - a) != 0)
                return -1;
            m->have_title = 1;
            int first = 1;
            for (size_t j = 0; j < mark; j++)
                if (!is_ws_byte((unsigned char)m->out.data[j]))
                    first = 0;
            if (first) {
                m->out.len = mark;
                m->out.data[mark] = '\0';
            }
        }
    }
    end_paragraph(m);
    return qr_buf_puts(&m->out, "\n\n");
}

static int md_line(md_state *m, const char *s, size_t n)
{
    if (m->in_fence) {
        if (fence_close(m, s, n)) {
            m->in_fence = 0;
            return qr_buf_puts(&m->out, "\n\n");
        }
        if (qr_buf_append(&m->out, s, n) != 0)
            return -1;
        return qr_buf_putc(&m->out, '\n');
    }

    /* block quotes: drop the markers, read the rest as a line */
    for (;;) {
        size_t i = skip_indent(s, n, 3);
        if (i < n && s[i] == '>') {
            i++;
            if (i < n && is_blank(s[i]))
                i++;
            s += i;
            n -= i;
        } else {
            break;
        }
    }

    size_t i = 0;
    while (i < n && is_blank(s[i]))
        i++;
    if (i == n) {
        end_paragraph(m);
        return qr_buf_putc(&m->out, '\n');
    }
    if (fence_open(s, n, &m->fence_ch, &m->fence_len)) {
        m->in_fence = 1;
        end_paragraph(m);
        return qr_buf_puts(&m->out, "\n\n");
    }
    size_t ts, te;
    if (atx_heading(s, n, &ts, &te))
        return md_heading(m, s + ts, te - ts, 1);
    /* setext underline: the paragraph above is a heading */
    if (m->para_lines > 0 && (only_char(s, n, '=', 1, 0) || only_char(s, n, '-', 2, 0))) {
        size_t a = m->para_start, b = m->out.len;
        while (b > a && m->out.data[b - 1] == '\n')
            b--;
        qr_buf text = {0};
        if (qr_buf_append(&text, m->out.data + a, b - a) != 0)
            return -1;
        m->out.len = a;
        m->out.data[a] = '\0';
        int r = md_heading(m, text.data ? text.data : "", text.len, 0);
        qr_buf_free(&text);
        return r;
    }
    if (only_char(s, n, '-', 3, 1) || only_char(s, n, '*', 3, 1) || only_char(s, n, '_', 3, 1)) {
        end_paragraph(m);
        return qr_buf_puts(&m->out, "\n\n");
    }
    if (link_definition(s, n))
        return 0;
    if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0 && n >= 3 && memcmp(s + n - 3, "-->", 3) == 0)
        return 0;

    size_t lm = list_marker(s + i, n - i);
    int table = s[i] == '|';
    if (table) {
        /* "| a | b |": outer pipes go, inner ones become spaces below */
        i++;
        while (i < n && is_blank(s[i]))
            i++;
        while (n > i && is_blank(s[n - 1]))
            n--;
        if (n > i && s[n - 1] == '|' && (n < 2 || s[n - 2] != '\\'))
            n--;
    }
    if (lm) {
        i += lm;
        if (m->para_lines > 0 && qr_buf_putc(&m->out, '\n') != 0)
            return -1;
        m->para_lines = 0;   /* an item is not a setext heading's text */
    }
    if (table) {
        int delim = 1;
        for (size_t k = i; k < n; k++)
            if (!strchr("|-: \t", s[k]))
                delim = 0;
        if (delim)
            return 0;
    }
    if (m->para_lines == 0 && !lm)
        m->para_start = m->out.len;
    size_t start = m->out.len;
    if (md_inline_text(&m->in, s + i, n - i, &m->out) != 0)
        return -1;
    if (table) {
        for (size_t k = start; k < m->out.len; k++)
            if (m->out.data[k] == '|')
                m->out.data[k] = ' ';
    }
    if (!lm)
        m->para_lines++;
    return qr_buf_putc(&m->out, '\n');
}

static void unquote(const char **a, const char **b)
{
    if (*b - *a >= 2 && (**a == '"' || **a == '\'') && (*b)[-1] == **a) {
        (*a)++;
        (*b)--;
    }
}

/* Front matter: "---" YAML or "+++" TOML, first line of the file. Returns
 * the offset where the document proper starts (0 if there is none). */
static size_t front_matter(md_state *m, const char *d, size_t n, int *oom)
{
    char delim;
    if (n >= 4 && (memcmp(d, "---\n", 4) == 0))
        delim = '-';
    else if (n >= 4 && memcmp(d, "+++\n", 4) == 0)
        delim = '+';
    else
        return 0;
    size_t p = 4;
    while (p < n) {
        const char *nl = memchr(d + p, '\n', n - p);
        size_t e = nl ? (size_t)(nl - d) : n;
        const char *ls = d + p, *le = d + e;
        while (le > ls && is_blank(le[-1]))
            le--;
        size_t next = nl ? e + 1 : n;
        if ((le - ls == 3 && ls[0] == delim && ls[1] == delim && ls[2] == delim) ||
            (delim == '-' && le - ls == 3 && memcmp(ls, "...", 3) == 0))
            return next;
        const char *sep = memchr(ls, delim == '-' ? ':' : '=', (size_t)(le - ls));
        if (sep && sep > ls) {
            const char *ks = ls, *ke = sep, *vs = sep + 1, *ve = le;
            while (ke > ks && is_blank(ke[-1]))
                ke--;
            while (vs < ve && is_blank(*vs))
                vs++;
            unquote(&vs, &ve);
            size_t kl = (size_t)(ke - ks), vl = (size_t)(ve - vs);
            if (vl > 0 && !(vl == 1 && (*vs == '|' || *vs == '>'))) {
                qr_buf *dst = NULL;
                if (kl == 5 && strncasecmp(ks, "title", 5) == 0 && !m->have_title) {
                    dst = &m->title;
                    m->have_title = 1;
                } else if (kl == 6 && strncasecmp(ks, "author", 6) == 0 && m->author.len == 0) {
                    dst = &m->author;
                } else if (kl == 4 && strncasecmp(ks, "date", 4) == 0 && m->date.len == 0) {
                    dst = &m->date;   /* as written: rd_emit normalises it */
                } else if (((kl == 4 && strncasecmp(ks, "lang", 4) == 0) ||
                            (kl == 8 && strncasecmp(ks, "language", 8) == 0)) &&
                           m->lang.len == 0) {
                    dst = &m->lang;   /* as written: rd_emit reads it */
                }
                if (dst && qr_buf_append(dst, vs, vl) != 0)
                    *oom = 1;
            }
        }
        p = next;
    }
    /* no closing delimiter: not front matter after all */
    qr_buf_clear(&m->title);
    qr_buf_clear(&m->author);
    qr_buf_clear(&m->date);
    qr_buf_clear(&m->lang);
    m->have_title = 0;
    return 0;
}

qr_status rd_markdown(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                      qr_buf *why)
{
    qr_buf src = {0}, fallback = {0};
    md_state m;
    memset(&m, 0, sizeof m);
    qr_status st = QR_OK;
    int oom = 0;

    if (qr_text_to_utf8(data, len, &src) != 0 || qr_buf_append(&src, "", 0) != 0 ||
        qr_buf_append(&m.out, "", 0) != 0)
        goto oom;
    size_t p = front_matter(&m, src.data, src.len, &oom);
    if (oom)
        goto oom;
    while (p < src.len) {
        const char *nl = memchr(src.data + p, '\n', src.len - p);
        size_t e = nl ? (size_t)(nl - src.data) : src.len;
        if (md_line(&m, src.data + p, e - p) != 0)
            goto oom;
        p = nl ? e + 1 : src.len;
    }
    rd_tidy_text(&m.out, 0);
    if (qr_buf_append(&m.title, "", 0) != 0)
        goto oom;
    size_t off = 0;
    const char *title = m.title.data;
    if (!m.have_title) {
        if (split_title(&m.out, &fallback, &off) != 0 || qr_buf_append(&fallback, "", 0) != 0)
            goto oom;
        title = fallback.data;
    }
    st = emit_doc(rc, u, QR_FMT_MARKDOWN, title, m.out.data + off, m.out.len - off,
                  m.date.data, m.author.data, m.lang.data, why);
    goto out;
oom:
    st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
out:
    qr_buf_free(&src);
    qr_buf_free(&fallback);
    qr_buf_free(&m.out);
    qr_buf_free(&m.title);
    qr_buf_free(&m.date);
    qr_buf_free(&m.author);
    qr_buf_free(&m.lang);
    inline_free(&m.in);
    return st;
}

#include "highlight.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xapian-c.h"

/* TermGenerator ignores longer words; so do we. */
#define MAX_WORD_BYTES 64

/* ---------------------------------------------------------- characters */

static unsigned u8_cp(const unsigned char *s, size_t len)
{
    static const unsigned mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    unsigned cp = s[0] & mask[len];
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

/* Non-ASCII code points that are not part of words: spaces, punctuation,
 * quotes, dashes, symbols. */
static int cp_is_separator(unsigned cp)
{
    if (cp >= 0x80 && cp <= 0xBF)   /* keep ª ² ³ µ ¹ º ¼ ½ ¾ */
        return !(cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 ||
                 cp == 0xB9 || cp == 0xBA || (cp >= 0xBC && cp <= 0xBE));
    return cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
           (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
           cp == 0xFEFF || cp == 0xFFFD;
}

/* Simple lower-casing of the scripts most text in this project uses. */
static unsigned cp_lower(unsigned cp)
{
    if (cp < 0x80)
        return (unsigned)tolower((int)cp);
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 0x20;
    if (cp == 0x130)                       /* İ */
        return 'i';
    if (cp >= 0x100 && cp <= 0x137)
        return cp | 1;
    if (cp >= 0x139 && cp <= 0x148 && (cp & 1))
        return cp + 1;
    if (cp >= 0x14A && cp <= 0x177 && !(cp & 1))
        return cp + 1;
    if (cp == 0x178)
        return 0xFF;
    if (cp >= 0x179 && cp <= 0x17E && (cp & 1))
        return cp + 1;
    if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2)
        return cp + 0x20;
    if (cp >= 0x410 && cp <= 0x42F)
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    return cp;
}

/* Is the character at byte i a word character? *len: its byte length (1
 * for an invalid byte, which is never part of a word). */
static int wordchar_at(const unsigned char *s, size_t n, size_t i, size_t *len)
{
    unsigned c = s[i];
    if (c < 0x80) {
        *len = 1;
        return isalnum((int)c) || c == '_';
    }
    size_t l = qr_utf8_len(s + i, n - i);
    *len = l ? l : 1;
    return l && !cp_is_separator(u8_cp(s + i, l));
}

static int is_wordchar(const unsigned char *s, size_t n, size_t i)
{
    size_t l;
    return i < n && wordchar_at(s, n, i, &l);
}

static int is_digit(const unsigned char *s, size_t n, size_t i)
{
    return i < n && isdigit(s[i]);
}

/* Length of an apostrophe at i (', U+2019, U+201B), else 0. */
static size_t apostrophe_at(const unsigned char *s, size_t n, size_t i)
{
    if (s[i] == '\'')
        return 1;
    if (i + 2 < n && s[i] == 0xE2 && s[i + 1] == 0x80 &&
        (s[i + 2] == 0x99 || s[i + 2] == 0x9B))
        return 3;
    return 0;
}

/* ---------------------------------------------------------------- words */

int qr_word_next(const char *str, size_t n, size_t i, size_t *start,
                 size_t *end)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t clen;
    while (i < n && !wordchar_at(s, n, i, &clen))
        i += clen;
    if (i >= n)
        return 0;

    /* Acronyms: U.S.A. or U.N (two or more capitals each followed by a
     * dot, the last dot optional), not followed by a word character. */
    if (isupper(s[i]) && i + 2 < n && s[i + 1] == '.' && isupper(s[i + 2])) {
        size_t k = i, last = i;
        int count = 0;
        while (k < n && isupper(s[k])) {
            count++;
            last = k + 1;
            if (k + 1 < n && s[k + 1] == '.') {
                k += 2;
            } else {
                k++;
                break;
            }
        }
        if (count >= 2 && !is_wordchar(s, n, k)) {
            *start = i;
            *end = last;
            return 1;
        }
    }

    size_t j = i;
    for (;;) {
        while (j < n && wordchar_at(s, n, j, &clen))
            j += clen;
        if (j >= n)
            break;
        size_t a = apostrophe_at(s, n, j);
        if ((a || s[j] == '&') && is_wordchar(s, n, j + (a ? a : 1))) {
            j += a ? a : 1;
            continue;
        }
        if ((s[j] == '.' || s[j] == ',') && is_digit(s, n, j - 1) &&
            is_digit(s, n, j + 1)) {
            j++;
            continue;
        }
        break;
    }
    /* "C++", "C#": up to three trailing + or # not followed by a word */
    size_t k = j;
    while (k < n && k - j < 3 && (s[k] == '+' || s[k] == '#'))
        k++;
    if (k > j && !is_wordchar(s, n, k))
        j = k;
    *start = i;
    *end = j;
    return 1;
}

int qr_word_fold(const char *str, size_t start, size_t end, qr_buf *out)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = start;
    while (i < end) {
        unsigned c = s[i];
        int rc;
        if (c == '.') {
            /* kept between digits (3.14), dropped in acronyms */
            rc = i > start && isdigit(s[i - 1]) && i + 1 < end &&
                         isdigit(s[i + 1])
                     ? qr_buf_putc(out, '.')
                     : 0;
            i++;
        } else if (c < 0x80) {
            rc = qr_buf_putc(out, (char)tolower((int)c));
            i++;
        } else {
            size_t a = apostrophe_at(s, end, i);
            size_t l = qr_utf8_len(s + i, end - i);
            if (a) {
                rc = qr_buf_putc(out, '\'');
                i += a;
            } else if (l == 0) {
                rc = qr_buf_putc(out, (char)c);   /* never in a word */
                i++;
            } else {
                rc = qr_buf_put_cp(out, cp_lower(u8_cp(s + i, l)));
                i += l;
            }
        }
        if (rc != 0)
            return -1;
    }
    return qr_buf_append(out, "", 0);   /* NUL-terminated even when empty */
}

/* ---------------------------------------------------------- highlighter */

struct qr_highlighter {
    xc_stem *stem;        /* the index's stemmer                        */
    char **terms;         /* sorted, for bsearch                        */
    size_t nterms;
    char **prefixes;      /* wildcard prefixes                          */
    size_t nprefixes;
    qr_buf word;          /* scratch: the folded word                   */
};

qr_status qr_highlighter_new(const char *lang, qr_highlighter **out,
                             qr_buf *err)
{
    qr_highlighter *h = calloc(1, sizeof *h);
    if (!h)
        return QR_ERR_NOMEM;
    char *xerr = NULL;
    xc_status st = xc_stem_new(lang ? lang : "english", &h->stem, &xerr);
    if (st != XC_OK) {
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, "no stemmer for language '");
            qr_buf_printable(err, lang ? lang : "", lang ? strlen(lang) : 0);
            qr_buf_puts(err, "'");
            if (xerr && *xerr) {
                qr_buf_puts(err, ": ");
                qr_buf_printable(err, xerr, strlen(xerr));
            }
        }
        free(xerr);
        free(h);
        return st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_USAGE;
    }
    *out = h;
    return QR_OK;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void qr_highlighter_free(qr_highlighter *h)
{
    if (!h)
        return;
    xc_stem_free(h->stem);
    free_list(h->terms, h->nterms);
    free_list(h->prefixes, h->nprefixes);
    qr_buf_free(&h->word);
    free(h);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **copy_list(const char *const *v, size_t n)
{
    char **c = calloc(n ? n : 1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!(c[i] = strdup(v[i] ? v[i] : ""))) {
            free_list(c, i);
            return NULL;
        }
    }
    return c;
}

int qr_highlighter_set_terms(qr_highlighter *h, const char *const *terms,
                             size_t nterms, const char *const *prefixes,
                             size_t nprefixes)
{
    char **t = copy_list(terms, nterms);
    char **p = copy_list(prefixes, nprefixes);
    if (!t || !p) {
        free_list(t, t ? nterms : 0);
        free_list(p, p ? nprefixes : 0);
        return -1;
    }
    qsort(t, nterms, sizeof *t, cmp_str);
    free_list(h->terms, h->nterms);
    free_list(h->prefixes, h->nprefixes);
    h->terms = t;
    h->nterms = nterms;
    h->prefixes = p;
    h->nprefixes = nprefixes;
    return 0;
}

static int matches(const qr_highlighter *h, const char *stem)
{
    if (h->nterms &&
        bsearch(&stem, h->terms, h->nterms, sizeof *h->terms, cmp_str))
        return 1;
    for (size_t i = 0; i < h->nprefixes; i++)
        if (*h->prefixes[i] &&
            strncmp(stem, h->prefixes[i], strlen(h->prefixes[i])) == 0)
            return 1;
    return 0;
}

int qr_highlight(qr_highlighter *h, const char *text, size_t len,
                 qr_hl_span **spans, size_t *n)
{
    *spans = NULL;
    *n = 0;
    if (!h || !text || (h->nterms == 0 && h->nprefixes == 0))
        return 0;
    qr_hl_span *v = NULL;
    size_t nv = 0, cap = 0;
    size_t pos = 0, ws, we;
    while (qr_word_next(text, len, pos, &ws, &we)) {
        pos = we;
        if (we - ws > MAX_WORD_BYTES)
            continue;
        qr_buf_clear(&h->word);
        if (qr_word_fold(text, ws, we, &h->word) != 0)
            goto fail;
        char *stem = NULL;
        if (xc_stem_word(h->stem, h->word.data, h->word.len, &stem) != XC_OK)
            goto fail;
        int hit = matches(h, stem);
        free(stem);
        if (!hit)
            continue;
        if (nv == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            qr_hl_span *nvp = realloc(v, ncap * sizeof *v);
            if (!nvp)
                goto fail;
            v = nvp;
            cap = ncap;
        }
        v[nv].start = ws;
        v[nv].end = we;
        nv++;
    }
    *spans = v;
    *n = nv;
    return 0;
fail:
    free(v);
    return -1;
}

/* ------------------------------------------------------------- snippets */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

void qr_snippet_window(const char *text, size_t len, const qr_hl_span *spans,
                       size_t n, size_t target, size_t *start, size_t *end)
{
    if (len <= target) {
        *start = 0;
        *end = len;
        return;
    }
    size_t s = 0;
    if (n > 0) {
        /* the run of spans starting at spans[best] that fits in target */
        size_t best = 0, best_count = 0, best_last = 0;
        size_t last = 0;
        for (size_t i = 0; i < n; i++) {
            if (last < i)
                last = i;
            while (last + 1 < n &&
                   spans[last + 1].end - spans[i].start <= target)
                last++;
            size_t count = last - i + 1;
            if (count > best_count) {
                best = i;
                best_count = count;
                best_last = last;
            }
        }
        size_t first = spans[best].start;
        size_t used = spans[best_last].end - first;
        size_t slack = used < target ? target - used : 0;
        /* a third of the room before the first match, the rest after */
        s = first > slack / 3 ? first - slack / 3 : 0;
        if (s + target > len)
            s = len > target ? len - target : 0;
        if (s > first)
            s = first;
        /* start at a sentence if one begins between s and the match */
        for (size_t i = first; i > s + 1; i--) {
            char p = text[i - 2];
            if (is_space(text[i - 1]) && (p == '.' || p == '?' || p == '!')) {
                s = i;
                while (s < first && is_space(text[s]))
                    s++;
                break;
            }
        }
    }
    /* never start inside a word: back up to its beginning, or for text
     * without spaces nearby (CJK), to a UTF-8 character boundary */
    size_t lim = s > 40 ? s - 40 : 0, b = s;
    while (b > lim && !is_space(text[b - 1]))
        b--;
    if (b == 0 || is_space(text[b - 1]))
        s = b;
    else
        while (s > 0 && ((unsigned char)text[s] & 0xC0) == 0x80)
            s--;
    while (s < len && is_space(text[s]))
        s++;
    size_t e = s + target < len ? s + target : len;
    if (e < len) {
        /* never end inside a word: back up to the last space */
        size_t c = e;
        while (c > s && !is_space(text[c]))
            c--;
        if (c > s)
            e = c;
        else /* one enormous word: cut at a UTF-8 character boundary */
            while (e > s && ((unsigned char)text[e] & 0xC0) == 0x80)
                e--;
    }
    while (e > s && is_space(text[e - 1]))
        e--;
    *start = s;
    *end = e;
}

int qr_word_is_operator(const char *w, size_t n)
{
    static const char *const ops[] = {"AND", "OR", "NOT", "XOR", "NEAR",
                                      "ADJ", NULL};
    /* NEAR/3 and ADJ/3 too */
    const char *slash = memchr(w, '/', n);
    size_t base = slash ? (size_t)(slash - w) : n;
    if (slash) {
        if (base + 1 == n)
            return 0;
        for (size_t i = base + 1; i < n; i++)
            if (!isdigit((unsigned char)w[i]))
                return 0;
    }
    for (size_t i = 0; ops[i]; i++)
        if (strlen(ops[i]) == base && memcmp(ops[i], w, base) == 0)
            return !slash || i >= 4;
    return 0;
}

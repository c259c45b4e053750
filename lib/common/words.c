/*
 * words.c — the word scanner both sides share: where words start and end
 * in text, and how a word is folded before stemming, as xapian-core's
 * TermGenerator does closely enough for positions, highlights and
 * spelling.
 */
#include "words.h"

#include <ctype.h>
#include <string.h>

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
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
           cp == 0x30FB || cp == 0xFEFF || cp == 0xFFFD;
}

/* Chinese, Japanese and Korean code points, as xapian-core's CJK n-grams
 * (CJK::codepoint_is_cjk) take them: each one a word of its own here. */
static int cp_is_cjk(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x11FF) ||   /* Hangul Jamo           */
           (cp >= 0x2E80 && cp <= 0x2FFF) ||   /* radicals              */
           (cp >= 0x3000 && cp <= 0x9FFF) ||   /* kana, Hangul compat.,
                                                  CJK ideographs        */
           (cp >= 0xA700 && cp <= 0xA71F) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) ||   /* Hangul syllables      */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* compatibility ideogr. */
           (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF00 && cp <= 0xFFEF) ||   /* full- and half-width  */
           (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2F800 && cp <= 0x2FA1F);
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

/* Is the character at byte i a CJK word character (*len: its length)? */
static int cjk_at(const unsigned char *s, size_t n, size_t i, size_t *len)
{
    if (s[i] < 0x80)
        return 0;
    size_t l = qr_utf8_len(s + i, n - i);
    if (!l)
        return 0;
    unsigned cp = u8_cp(s + i, l);
    *len = l;
    return cp_is_cjk(cp) && !cp_is_separator(cp);
}

/* A word character that is not CJK: one that continues a word. */
static int latin_at(const unsigned char *s, size_t n, size_t i, size_t *len)
{
    size_t l;
    return wordchar_at(s, n, i, len) && !cjk_at(s, n, i, &l);
}

static int is_wordchar(const unsigned char *s, size_t n, size_t i)
{
    size_t l;
    return i < n && latin_at(s, n, i, &l);
}

int qr_word_is_cjk(const char *str, size_t start, size_t end)
{
    size_t l = 0;
    return end > start &&
           cjk_at((const unsigned char *)str, end, start, &l) &&
           start + l == end;
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

    /* CJK: each character a word, as xapian-core's n-grams give each one
     * a position */
    if (cjk_at(s, n, i, &clen)) {
        *start = i;
        *end = i + clen;
        return 1;
    }

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
        while (j < n && latin_at(s, n, j, &clen))
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

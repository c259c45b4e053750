/*
 * query_text.c — pure text functions on a query string: its plain words,
 * date ranges rewritten, syntax and wildcards detected, capitals.
 */
#include "search_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "accents.h"
#include "words.h"

static int is_field_name(const char *w, size_t n)
{
    static const char *const fields[] = {"title", "author", "source", "date",
                                         "lang", NULL};
    for (size_t i = 0; fields[i]; i++)
        if (strlen(fields[i]) == n && memcmp(fields[i], w, n) == 0)
            return 1;
    return 0;
}

int qr_query_plain_words(const char *text, qr_buf *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    size_t i = 0;
    int need_space = 0;
    for (;;) {
        /* one whitespace-separated token at a time */
        while (i < n && isspace(s[i]))
            i++;
        if (i >= n)
            break;
        size_t tok = i;
        while (i < n && !isspace(s[i]))
            i++;
        size_t tokend = i;
        if (qr_word_is_operator(text + tok, tokend - tok))
            continue;
        /* drop a field prefix: title:word, (title:"a b" ... */
        size_t p = tok;
        while (p < tokend && (s[p] == '(' || s[p] == '+' || s[p] == '-' ||
                              s[p] == '"'))
            p++;
        size_t q = p;
        while (q < tokend && islower(s[q]))
            q++;
        if (q < tokend && s[q] == ':' && is_field_name(text + p, q - p))
            tok = q + 1;
        /* the words of the token, as the indexer's tokenizer sees them */
        size_t j = tok, ws, we;
        while (qr_word_next(text, tokend, j, &ws, &we)) {
            if ((need_space && qr_buf_putc(out, ' ') != 0) ||
                qr_buf_append(out, text + ws, we - ws) != 0)
                return -1;
            need_space = 1;
            j = we;
        }
    }
    return qr_buf_append(out, "", 0);   /* NUL-terminated even when empty */
}

/* Normalises one end of a date range to YYYYMMDD: YYYY, YYYYMM, YYYY-MM,
 * YYYYMMDD, YYYY-MM-DD; is_end picks the last day of a year or month.
 * Returns 0, or -1 if d is not one of these forms (left to xapian-core). */
static int date_end(const char *d, size_t n, int is_end, char out[9])
{
    char digits[9];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '-' && (i == 4 || i == 7))
            continue;
        if (!isdigit((unsigned char)d[i]) || k == 8)
            return -1;
        digits[k++] = d[i];
    }
    if (k != 4 && k != 6 && k != 8)
        return -1;
    /* "-" only in the YYYY-MM(-DD) places */
    if (n != k && !(n == 7 && k == 6) && !(n == 10 && k == 8))
        return -1;
    memcpy(out, digits, k);
    if (k == 4)
        memcpy(out + 4, is_end ? "1231" : "0101", 4);
    else if (k == 6)
        memcpy(out + 6, is_end ? "31" : "01", 2);
    out[8] = '\0';
    return 0;
}

/* Rewrites date:YYYY, date:YYYY-MM, date:2017..2018 and the like into the
 * full YYYYMMDD..YYYYMMDD ranges xapian-core's date range processor takes.
 * Anything it does not recognise is copied unchanged. */
static int rewrite_dates(const char *text, qr_buf *out)
{
    static const char key[] = "date:";
    const size_t klen = sizeof key - 1;
    const char *p = text;
    for (;;) {
        const char *hit = strstr(p, key);
        if (!hit)
            break;
        int at_start = hit == text || isspace((unsigned char)hit[-1]) ||
                       hit[-1] == '(' || hit[-1] == '+' || hit[-1] == '-';
        const char *v = hit + klen;
        size_t vlen = 0;
        while (v[vlen] && !isspace((unsigned char)v[vlen]) && v[vlen] != ')')
            vlen++;
        if (qr_buf_append(out, p, (size_t)(v - p)) != 0)
            return -1;
        p = v + vlen;
        const char *dots = NULL;
        for (size_t i = 0; i + 1 < vlen; i++)
            if (v[i] == '.' && v[i + 1] == '.') {
                dots = v + i;
                break;
            }
        char a[9] = "", b[9] = "";
        int ok;
        if (!at_start) {
            ok = 0;
        } else if (dots) {
            size_t alen = (size_t)(dots - v), blen = vlen - alen - 2;
            ok = (alen == 0 || date_end(v, alen, 0, a) == 0) &&
                 (blen == 0 || date_end(dots + 2, blen, 1, b) == 0) &&
                 (alen || blen);
        } else {
            ok = date_end(v, vlen, 0, a) == 0 && date_end(v, vlen, 1, b) == 0;
        }
        if (ok) {
            if (qr_buf_printf(out, "%s..%s", a, b) != 0)
                return -1;
        } else if (qr_buf_append(out, v, vlen) != 0) {
            return -1;
        }
    }
    return qr_buf_puts(out, p);
}

/* Trailing-wildcard prefixes in text (words directly followed by '*', in
 * free text or the title field), folded as the parser folds them. */
int qtext_find_wildcards(const char *text, strlist *out)
{
    size_t n = strlen(text), pos = 0, ws, we;
    qr_buf w = {0};
    while (qr_word_next(text, n, pos, &ws, &we)) {
        pos = we;
        if (we >= n || text[we] != '*')
            continue;
        if (ws > 0 && text[ws - 1] == ':') {
            /* a field other than title: not in the passage text */
            size_t f = ws - 1;
            while (f > 0 && islower((unsigned char)text[f - 1]))
                f--;
            if (!(ws - 1 - f == 5 && memcmp(text + f, "title", 5) == 0))
                continue;
        }
        qr_buf_clear(&w);
        if (qr_word_fold(text, ws, we, &w) != 0 ||
            strlist_add(out, w.data, w.len) != 0) {
            qr_buf_free(&w);
            return -1;
        }
    }
    qr_buf_free(&w);
    return 0;
}

int qtext_fold_wildcards(const char *text, qr_buf *out)
{
    size_t n = strlen(text), pos = 0, ws, we;
    int rc = 0;
    qr_buf_clear(out);
    while (rc == 0 && qr_word_next(text, n, pos, &ws, &we)) {
        rc |= qr_buf_append(out, text + pos, ws - pos);
        pos = we;
        if (we >= n || text[we] != '*') {
            rc |= qr_buf_append(out, text + ws, we - ws);
            continue;
        }
        char *f = malloc(we - ws);
        if (!f)
            return -1;
        rc |= qr_buf_append(out, f, qr_accents_fold(text + ws, we - ws, f));
        free(f);
    }
    rc |= qr_buf_puts(out, text + pos);
    return rc ? -1 : 0;
}

/* The query text as QueryParser sees it: date ranges normalised, and
 * hyphens inside words made spaces. QueryParser would make "heat-transfer"
 * a phrase, so that a passage saying "transfer of heat" gets nothing for
 * it; as two words the query finds both (Lucene does the same), and the
 * phrase evidence still favours the passages where they stand together
 * (measured: bench/README.md, "Tuning decisions"). */
static int is_wordbyte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Is the token s[0..n) a filter (source:, author:, date:, lang:) rather
 * than a word to look for? */
static int is_filter_token(const char *s, size_t n)
{
    static const char *const filters[] = {"source:", "author:", "date:",
                                          "lang:", NULL};
    for (size_t i = 0; filters[i]; i++) {
        size_t k = strlen(filters[i]);
        if (n > k && memcmp(s, filters[i], k) == 0)
            return 1;
    }
    return 0;
}

/* A query of exclusions alone ("-Blair", "-Blair -Brown source:tech"):
 * QueryParser would search for the excluded words themselves (it reads a
 * lone hate term as a plain one); written as NOT, they exclude, and the
 * query matches every article without them. out receives text rewritten
 * so, or text as it is when it has a word to look for. */
static int exclusions_as_not(const char *text, qr_buf *out)
{
    const char *p = text;
    int positive = 0, hate = 0;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        const char *t = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - t);
        if (n == 0)
            continue;
        if (n > 1 && t[0] == '-' && is_wordbyte((unsigned char)t[1]))
            hate = 1;
        else if (!is_filter_token(t, n) && !qr_word_is_operator(t, n))
            positive = 1;
    }
    if (positive || !hate)
        return qr_buf_puts(out, text);
    /* the filters first, so that each NOT takes one word and not them */
    for (int pass = 0; pass < 2; pass++) {
        for (p = text; *p;) {
            while (*p && isspace((unsigned char)*p))
                p++;
            const char *t = p;
            while (*p && !isspace((unsigned char)*p))
                p++;
            size_t n = (size_t)(p - t);
            if (n == 0 || is_filter_token(t, n) != (pass == 0))
                continue;
            int not = t[0] == '-' && n > 1;
            if ((out->len && qr_buf_putc(out, ' ') != 0) ||
                (not && qr_buf_puts(out, "NOT ") != 0) ||
                qr_buf_append(out, t + not, n - not) != 0)
                return -1;
        }
    }
    return qr_buf_append(out, "", 0);
}

int qtext_prepare(const char *text, qr_buf *out)
{
    qr_buf_clear(out);
    qr_buf nots = {0};
    int rc = exclusions_as_not(text, &nots);
    if (rc == 0)
        rc = rewrite_dates(nots.data ? nots.data : "", out);
    qr_buf_free(&nots);
    if (rc != 0)
        return -1;
    unsigned char *d = (unsigned char *)out->data;
    for (size_t i = 1; i + 1 < out->len; i++)
        if (d[i] == '-' && is_wordbyte(d[i - 1]) && is_wordbyte(d[i + 1]))
            d[i] = ' ';
    return 0;
}

/* Does text use any query syntax: quotes, brackets, +/- before a word, a
 * trailing wildcard, a field prefix, a range, an operator word? Text
 * without any is a plain list of words. */
int qtext_has_syntax(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        int at_start = i == 0 || isspace(s[i - 1]) || s[i - 1] == '(';
        if (c == '"' || c == '(' || c == ')')
            return 1;
        if ((c == '+' || c == '-') && at_start && i + 1 < n &&
            !isspace(s[i + 1]))
            return 1;
        if (c == '*' && i > 0 && is_wordbyte(s[i - 1]))
            return 1;
        if (c == '.' && i + 1 < n && s[i + 1] == '.')
            return 1;
        if (c == 0xE2 && i + 2 < n && s[i + 1] == 0x80 &&
            (s[i + 2] == 0x9C || s[i + 2] == 0x9D))   /* curly quotes */
            return 1;
        if (c == ':') {
            size_t f = i;
            while (f > 0 && islower(s[f - 1]))
                f--;
            if (is_field_name(text + f, i - f) &&
                (f == 0 || !is_wordbyte(s[f - 1])))
                return 1;
        }
        if (at_start && isupper(c)) {
            size_t e = i;
            while (e < n && !isspace(s[e]) && s[e] != ')')
                e++;
            if (qr_word_is_operator(text + i, e - i))
                return 1;
        }
    }
    return 0;
}

/* Number of words in text, counting up to max. */
size_t qtext_count_words(const char *text, size_t max)
{
    size_t n = 0, pos = 0, ws, we, len = strlen(text);
    while (n < max && qr_word_next(text, len, pos, &ws, &we)) {
        n++;
        pos = we;
    }
    return n;
}

/* Keeps the first max space-separated words of b. */
void qtext_cut_words(qr_buf *b, size_t max)
{
    size_t words = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == ' ' && ++words == max) {
            b->len = i;
            b->data[i] = '\0';
            return;
        }
    }
}

/* Does text have an odd number of double quotes (straight or curly)? */
int qtext_unbalanced_quotes(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            n++;
        else if (p[0] == '\xE2' && p[1] == '\x80' &&
                 (p[2] == '\x9C' || p[2] == '\x9D'))
            n++;
    }
    return n % 2;
}

/* Is text written in capitals: ASCII capitals, no lower-case ASCII
 * letter, and some word that is not an operator (a query of operators
 * alone stays what it was: no words to search for)? */
int qtext_all_capitals(const char *text)
{
    for (const char *p = text; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            return 0;
    size_t n = strlen(text), at = 0, ws, we;
    while (qr_word_next(text, n, at, &ws, &we)) {
        at = we;
        if (!qr_word_is_operator(text + ws, we - ws))
            for (size_t i = ws; i < we; i++)
                if (text[i] >= 'A' && text[i] <= 'Z')
                    return 1;
    }
    return 0;
}

void qtext_lower_capitals(char *text)
{
    size_t n = strlen(text), at = 0, ws, we;
    while (qr_word_next(text, n, at, &ws, &we)) {
        /* a word with a dot among its letters is an acronym ("U.S",
         * "U.N."): in capitals the indexer reads it as one word ("us");
         * lower-cased it would be two single letters */
        if (memchr(text + ws, '.', we - ws) == NULL)
            for (size_t i = ws; i < we; i++)
                if (text[i] >= 'A' && text[i] <= 'Z')
                    text[i] = (char)(text[i] - 'A' + 'a');
        at = we;
    }
}

/* The characters (not bytes) of s[0..n). */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

int qtext_fix_wildcards(const char *text, qr_buf *out, strlist *notes)
{
    qr_buf_clear(out);
    qr_buf note = {0};
    const char *p = text;
    int rc = 0;
    while (*p && rc == 0) {
        const char *sp = p;
        while (*p && isspace((unsigned char)*p))
            p++;
        rc |= qr_buf_append(out, sp, (size_t)(p - sp));
        const char *t = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - t);
        if (n == 0 || !memchr(t, '*', n)) {
            rc |= qr_buf_append(out, t, n);
            continue;
        }
        /* the word part: after a field name ("title:cyb*") and the
         * operators and brackets a token may start with */
        size_t w = 0;
        const char *colon = memchr(t, ':', n);
        if (colon && colon > t) {
            size_t f = (size_t)(colon - t);
            if (!(f == 5 && memcmp(t, "title", 5) == 0)) {
                rc |= qr_buf_append(out, t, n);   /* a filter: as typed */
                continue;
            }
            w = f + 1;
        }
        while (w < n && strchr("+-(\"", t[w]))
            w++;
        size_t end = n;
        while (end > w && strchr(")\"", t[end - 1]))
            end--;
        size_t stars = 0;
        while (w + stars < end && t[w + stars] == '*')
            stars++;
        const char *inner = memchr(t + w + stars, '*',
                                   end - w - stars ? end - w - stars - 1 : 0);
        qr_buf_clear(&note);
        if (stars || inner) {
            /* '*' before or inside a word: the word itself is searched */
            qr_buf tok = {0};
            rc |= qr_buf_append(&tok, t, w);
            for (size_t i = w; i < end; i++)
                if (t[i] != '*' || i == end - 1)
                    rc |= qr_buf_putc(&tok, t[i]);
            rc |= qr_buf_append(&tok, t + end, n - end);
            rc |= qr_buf_printf(&note, "'%.*s': '*' can only end a word; "
                                "searching for '%s'", (int)n, t,
                                tok.data ? tok.data : "");
            rc |= qr_buf_puts(out, tok.data ? tok.data : "");
            qr_buf_free(&tok);
        } else if (utf8_chars(t + w, end - w - 1) < QR_WILDCARD_MIN_CHARS) {
            rc |= qr_buf_printf(&note, "'%.*s' left out: a wildcard needs at "
                                "least %d letters before '*'", (int)n, t,
                                QR_WILDCARD_MIN_CHARS);
        } else {
            rc |= qr_buf_append(out, t, n);
        }
        if (note.len)
            rc |= strlist_add(notes, note.data, note.len);
    }
    qr_buf_free(&note);
    rc |= qr_buf_append(out, "", 0);
    return rc ? -1 : 0;
}

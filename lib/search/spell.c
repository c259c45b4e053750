/*
 * spell.c — corrections for query words the index lacks, from its own
 * vocabulary (see spell.h).
 */
#include "spell.h"

#include "schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

int qr_edit_distance(const char *a, size_t na, const char *b, size_t nb,
                     int max)
{
    if (max < 0)
        max = 0;
    size_t diff = na > nb ? na - nb : nb - na;
    if (diff > (size_t)max)
        return max + 1;
    if (na == 0 || nb == 0)
        return (int)(na + nb);
    /* three rows of the optimal string alignment table */
    int *buf = malloc(3 * (nb + 1) * sizeof *buf);
    if (!buf)
        return max + 1;
    int *prev2 = buf, *prev = buf + nb + 1, *cur = buf + 2 * (nb + 1);
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (int)j;
    int result = max + 1;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (int)i;
        int rowmin = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max)
            goto out;             /* every path is already too long */
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    result = prev[nb] <= max ? prev[nb] : max + 1;
out:
    free(buf);
    return result;
}

void qr_spell_fixes_free(qr_spell_fix *f, size_t n)
{
    if (!f)
        return;
    for (size_t i = 0; i < n; i++) {
        free(f[i].typed);
        free(f[i].stem);
        free(f[i].word);
    }
    free(f);
}

/* ---------------------------------------------------------- checking */

/* The best correction found so far for one word. */
typedef struct best {
    char *stem;          /* malloc'd                                     */
    char *word;          /* the variant that gave it (stage 1), or NULL  */
    uint32_t df;
    int dist;
} best;

typedef struct checker {
    xc_db *db;
    xc_stem *stem;       /* NULL: words mode, the vocabulary's words     */
    const char *typed;   /* the folded word                              */
    size_t tlen;
    const char *tstem;   /* its stem                                     */
    size_t tslen;
    best b;
    size_t scanned;      /* stage 2: terms read                          */
    xc_status st;
} checker;

static void best_clear(best *b)
{
    free(b->stem);
    free(b->word);
    memset(b, 0, sizeof *b);
}

/* Stage 1: is variant v (n bytes) a better correction? */
static void try_variant(checker *c, const char *v, size_t n)
{
    char *t = NULL;
    uint32_t df = 0;
    if (c->st != XC_OK)
        return;
    if (c->stem) {
        c->st = xc_stem_word(c->stem, v, n, &t);
    } else {
        /* words mode: the variant itself, as the vocabulary holds it */
        qr_buf term = {0};
        if (qr_buf_puts(&term, QR_PREFIX_WORD) != 0 ||
            qr_buf_append(&term, v, n) != 0)
            c->st = XC_NOMEM;
        t = qr_buf_steal(&term);
        if (!t)
            c->st = XC_NOMEM;
    }
    if (c->st == XC_OK && *t)
        c->st = xc_db_termfreq(c->db, t, &df);
    if (c->st == XC_OK && df > c->b.df && df >= QR_SPELL_MIN_DF &&
        !(strlen(t) == c->tslen && memcmp(t, c->tstem, c->tslen) == 0)) {
        char *w = qr_strndup(v, n);
        if (!w) {
            c->st = XC_NOMEM;
        } else {
            best_clear(&c->b);
            c->b.stem = t;
            c->b.word = w;
            c->b.df = df;
            c->b.dist = 1;
            t = NULL;
        }
    }
    free(t);
}

/* Stage 1: every ASCII word one edit away from the typed one. */
static void one_edit(checker *c)
{
    const char *w = c->typed;
    size_t n = c->tlen;
    char *v = malloc(n + 2);
    if (!v) {
        c->st = XC_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++) {               /* deletions */
        memcpy(v, w, i);
        memcpy(v + i, w + i + 1, n - i - 1);
        try_variant(c, v, n - 1);
    }
    for (size_t i = 0; i + 1 < n; i++) {           /* transpositions */
        if (w[i] == w[i + 1])
            continue;
        memcpy(v, w, n);
        v[i] = w[i + 1];
        v[i + 1] = w[i];
        try_variant(c, v, n);
    }
    for (size_t i = 0; i < n; i++) {               /* substitutions */
        memcpy(v, w, n);
        for (char ch = 'a'; ch <= 'z'; ch++) {
            if (ch == w[i])
                continue;
            v[i] = ch;
            try_variant(c, v, n);
        }
    }
    for (size_t i = 0; i <= n; i++) {              /* insertions */
        memcpy(v, w, i);
        memcpy(v + i + 1, w + i, n - i);
        for (char ch = 'a'; ch <= 'z'; ch++) {
            v[i] = ch;
            try_variant(c, v, n + 1);
        }
    }
    free(v);
}

/* Stage 2: one index term sharing the typed word's first two bytes. */
static int scan_term(void *vctx, const char *term, size_t len, uint32_t df)
{
    checker *c = vctx;
    if (++c->scanned > QR_SPELL_MAX_SCAN)
        return 1;
    const char *target = c->tstem;
    size_t tlen = c->tslen;
    if (!c->stem) {
        /* words mode: compared without the vocabulary's prefix */
        size_t pl = strlen(QR_PREFIX_WORD);
        term += pl;
        len -= pl;
        target = c->typed;
        tlen = c->tlen;
    }
    int d = qr_edit_distance(target, tlen, term, len, QR_SPELL_MAX_DISTANCE);
    if (d == 0 || d > QR_SPELL_MAX_DISTANCE || df < QR_SPELL_MIN_DF)
        return 0;
    if (c->b.stem && (d > c->b.dist || (d == c->b.dist && df <= c->b.df)))
        return 0;
    if (!c->b.stem && df <= c->b.df)
        return 0;    /* not more common than the word itself, enough */
    char *t = qr_strndup(term, len);
    if (!t) {
        c->st = XC_NOMEM;
        return 1;
    }
    char *w = c->stem ? NULL : qr_strndup(term, len);
    if (!c->stem && !w) {
        free(t);
        c->st = XC_NOMEM;
        return 1;
    }
    best_clear(&c->b);
    c->b.stem = t;
    c->b.word = w;
    c->b.df = df;
    c->b.dist = d;
    return 0;
}

static int is_ascii_word(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)w[i]) && w[i] != '\'')
            return 0;
    return 1;
}

static int has_digit(const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isdigit((unsigned char)w[i]))
            return 1;
    return 0;
}

/* Is the word at [ws, we) of text a field name or value ("title:word")
 * or a wildcard ("word*")? Those are left alone. */
static int in_field_or_wildcard(const char *text, size_t n, size_t ws,
                                size_t we)
{
    if (we < n && (text[we] == '*' || text[we] == ':'))
        return 1;    /* a wildcard, or a field's name ("date:2019") */
    for (size_t i = ws; i > 0; i--) {
        char ch = text[i - 1];
        if (isspace((unsigned char)ch) || ch == '(')
            return 0;
        if (ch == ':')
            return 1;
    }
    return 0;
}

/* The next word of text from *at worth checking, folded into f: not an
 * operator, not a field's or a wildcard's, not a stop word, no digits,
 * QR_SPELL_MIN_LEN to QR_SPELL_MAX_LEN bytes; *words counts the words met
 * (at most QR_SPELL_MAX_WORDS). Returns 1 with [*ws, *we) and f set, 0
 * at the end, -1 on out of memory. */
static int next_word(const char *text, size_t n, const xc_stopper *stop,
                     size_t *at, size_t *words, size_t *ws, size_t *we,
                     qr_buf *f)
{
    while (*words < QR_SPELL_MAX_WORDS && qr_word_next(text, n, *at, ws, we)) {
        *at = *we;
        (*words)++;
        if (qr_word_is_operator(text + *ws, *we - *ws) ||
            in_field_or_wildcard(text, n, *ws, *we))
            continue;
        qr_buf_clear(f);
        if (qr_word_fold(text, *ws, *we, f) != 0)
            return -1;
        if (f->len < QR_SPELL_MIN_LEN || f->len > QR_SPELL_MAX_LEN ||
            has_digit(f->data, f->len) ||
            (stop && xc_stopper_is_stop(stop, f->data)))
            continue;
        return 1;
    }
    return 0;
}

qr_status qr_spell_check(xc_db *db, xc_stem *stem, const xc_stopper *stop,
                         const char *text, qr_spell_fix **out, size_t *nout)
{
    if (!db || !stem || !text || !out || !nout)
        return QR_ERR_USAGE;
    qr_spell_fix *fixes = NULL;
    size_t nfix = 0, n = strlen(text), at = 0, ws, we, words = 0;
    qr_buf f = {0};
    xc_status st = XC_OK;
    int more;
    while (st == XC_OK &&
           (more = next_word(text, n, stop, &at, &words, &ws, &we, &f)) != 0) {
        if (more < 0) {
            st = XC_NOMEM;
            break;
        }
        char *tstem = NULL;
        uint32_t df = 0;
        st = xc_stem_word(stem, f.data, f.len, &tstem);
        if (st == XC_OK && *tstem)
            st = xc_db_termfreq(db, tstem, &df);
        if (st != XC_OK || df > 0 || !*tstem) {
            free(tstem);
            continue;
        }
        checker c = {db, stem, f.data, f.len, tstem, strlen(tstem),
                     {0}, 0, XC_OK};
        if (is_ascii_word(f.data, f.len))
            one_edit(&c);
        if (c.st == XC_OK && !c.b.stem && f.len >= 2) {
            char prefix[3] = {f.data[0], f.data[1], '\0'};
            c.st = xc_db_allterms_each(db, prefix, scan_term, &c);
        }
        st = c.st;
        free(tstem);
        if (st == XC_OK && c.b.stem) {
            qr_spell_fix *nf = realloc(fixes, (nfix + 1) * sizeof *nf);
            char *typed = qr_strndup(f.data, f.len);
            if (nf)
                fixes = nf;
            if (!nf || !typed) {
                free(typed);
                st = XC_NOMEM;
            } else {
                fixes[nfix].start = ws;
                fixes[nfix].end = we;
                fixes[nfix].typed = typed;
                fixes[nfix].stem = c.b.stem;
                fixes[nfix].word = c.b.word;
                c.b.stem = c.b.word = NULL;
                nfix++;
            }
        }
        best_clear(&c.b);
    }
    qr_buf_free(&f);
    if (st != XC_OK) {
        qr_spell_fixes_free(fixes, nfix);
        return qr_status_from_xc(st);
    }
    *out = fixes;
    *nout = nfix;
    return QR_OK;
}

/* ------------------------------------------------------ real words */

int qr_spell_surface(xc_stem *stem, const char *text, size_t len,
                     qr_spell_fix *fix)
{
    qr_buf f = {0};
    size_t at = 0, ws, we;
    int bestd = -1, rc = 0;
    char *bestw = NULL;
    while (rc == 0 && qr_word_next(text, len, at, &ws, &we)) {
        at = we;
        qr_buf_clear(&f);
        if (qr_word_fold(text, ws, we, &f) != 0) {
            rc = -1;
            break;
        }
        if (f.len == 0 || f.data[0] != fix->stem[0])
            continue;                    /* stems keep the first letter */
        char *t = NULL;
        if (xc_stem_word(stem, f.data, f.len, &t) != XC_OK) {
            rc = -1;
            break;
        }
        int same = strcmp(t, fix->stem) == 0;
        free(t);
        if (!same)
            continue;
        int d = qr_edit_distance(f.data, f.len, fix->typed,
                                 strlen(fix->typed), 64);
        if (bestd < 0 || d < bestd) {
            char *w = qr_strndup(f.data, f.len);
            if (!w) {
                rc = -1;
                break;
            }
            free(bestw);
            bestw = w;
            bestd = d;
        }
    }
    qr_buf_free(&f);
    if (rc == 0 && bestw) {
        free(fix->word);
        fix->word = bestw;
        bestw = NULL;
    }
    free(bestw);
    return rc;
}

char *qr_spell_suggestion(const char *text, const qr_spell_fix *f, size_t n)
{
    qr_buf b = {0};
    size_t at = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!f[i].word)
            continue;
        any = 1;
        if (qr_buf_append(&b, text + at, f[i].start - at) != 0)
            goto fail;
        size_t from = b.len;
        if (qr_buf_puts(&b, f[i].word) != 0)
            goto fail;
        /* keep the case the word was typed in */
        const char *typed = text + f[i].start;
        size_t tlen = f[i].end - f[i].start, upper = 0, lower = 0;
        for (size_t k = 0; k < tlen; k++) {
            upper += isupper((unsigned char)typed[k]) != 0;
            lower += islower((unsigned char)typed[k]) != 0;
        }
        if (upper > 1 && lower == 0) {
            for (size_t k = from; k < b.len; k++)
                b.data[k] = (char)toupper((unsigned char)b.data[k]);
        } else if (isupper((unsigned char)typed[0])) {
            b.data[from] = (char)toupper((unsigned char)b.data[from]);
        }
        at = f[i].end;
    }
    if (!any || qr_buf_puts(&b, text + at) != 0)
        goto fail;
    return qr_buf_steal(&b);
fail:
    qr_buf_free(&b);
    return NULL;
}

/* ------------------------------------------------- from the words */

/* The vocabulary terms of the words of text that qr_spell_check_words
 * looks up, their frequencies asked in one exchange (xc_db_termfreqs): a
 * remote shard answers one request at a time, and each word asked alone
 * costs a round trip per shard. Returns 0, or -1 on out of memory; the
 * lookup's failure leaves the lists empty (each word then asked alone). */
typedef struct word_freqs {
    struct {
        char **v;
        size_t n;
    } terms;
    uint32_t *df;
} word_freqs;

static int ask_together(xc_db *vocab, const xc_stopper *stop,
                        const char *text, word_freqs *wf)
{
    size_t n = strlen(text), at = 0, ws, we, words = 0;
    qr_buf f = {0}, term = {0};
    int rc = 0;
    int more;
    while (rc == 0 &&
           (more = next_word(text, n, stop, &at, &words, &ws, &we, &f)) != 0) {
        if (more < 0) {
            rc = -1;
            break;
        }
        qr_buf_clear(&term);
        char *t = NULL;
        if (qr_buf_puts(&term, QR_PREFIX_WORD) != 0 ||
            qr_buf_append(&term, f.data, f.len) != 0 ||
            !(t = qr_strndup(term.data, term.len))) {
            rc = -1;
            break;
        }
        char **v = realloc(wf->terms.v, (wf->terms.n + 1) * sizeof *v);
        if (!v) {
            free(t);
            rc = -1;
            break;
        }
        wf->terms.v = v;
        wf->terms.v[wf->terms.n++] = t;
    }
    qr_buf_free(&f);
    qr_buf_free(&term);
    if (rc == 0 && wf->terms.n) {
        wf->df = malloc(wf->terms.n * sizeof *wf->df);
        if (!wf->df)
            rc = -1;
        else if (xc_db_termfreqs(vocab, (const char *const *)wf->terms.v,
                                 wf->terms.n, wf->df) != XC_OK) {
            free(wf->df);
            wf->df = NULL;
        }
    }
    return rc;
}

/* term's frequency from wf, or else asked of vocab. */
static xc_status word_df(xc_db *vocab, const word_freqs *wf, const char *term,
                         uint32_t *df)
{
    for (size_t i = 0; wf->df && i < wf->terms.n; i++)
        if (strcmp(wf->terms.v[i], term) == 0) {
            *df = wf->df[i];
            return XC_OK;
        }
    return xc_db_termfreq(vocab, term, df);
}

qr_status qr_spell_check_words(xc_db *vocab, const xc_stopper *stop,
                               const char *text, int together,
                               qr_spell_fix **out, size_t *nout)
{
    if (!vocab || !text || !out || !nout)
        return QR_ERR_USAGE;
    qr_spell_fix *fixes = NULL;
    size_t nfix = 0, n = strlen(text), at = 0, ws, we, words = 0;
    qr_buf f = {0}, term = {0};
    xc_status st = XC_OK;
    word_freqs wf = {{0}, NULL};
    if (together && ask_together(vocab, stop, text, &wf) != 0)
        st = XC_NOMEM;
    int more;
    while (st == XC_OK &&
           (more = next_word(text, n, stop, &at, &words, &ws, &we, &f)) != 0) {
        if (more < 0) {
            st = XC_NOMEM;
            break;
        }
        /* a word the archive has often enough is written as it means;
         * one it has once or twice may be its own typo, and is checked
         * against what it has far more often */
        uint32_t df = 0;
        qr_buf_clear(&term);
        if (qr_buf_puts(&term, QR_PREFIX_WORD) != 0 ||
            qr_buf_append(&term, f.data, f.len) != 0) {
            st = XC_NOMEM;
            break;
        }
        st = word_df(vocab, &wf, term.data, &df);
        if (st != XC_OK || df >= QR_SPELL_MIN_DF)
            continue;
        checker c = {vocab, NULL, f.data, f.len, term.data, term.len,
                     {0}, 0, XC_OK};
        /* what a variant must beat: the word itself, many times over */
        c.b.df = df ? df * QR_SPELL_RARER - 1 : 0;
        if (is_ascii_word(f.data, f.len))
            one_edit(&c);
        /* a word the archive has (a rare name, "Rivaldo") is only taken
         * for a slip of one key; an unknown one may be two edits off */
        if (c.st == XC_OK && !c.b.word && df == 0 && f.len >= 2) {
            qr_buf prefix = {0};
            if (qr_buf_puts(&prefix, QR_PREFIX_WORD) != 0 ||
                qr_buf_append(&prefix, f.data, 2) != 0)
                c.st = XC_NOMEM;
            else
                c.st = xc_db_allterms_each(vocab, prefix.data, scan_term, &c);
            qr_buf_free(&prefix);
        }
        st = c.st;
        if (st == XC_OK && c.b.word) {
            qr_spell_fix *nf = realloc(fixes, (nfix + 1) * sizeof *nf);
            char *typed = qr_strndup(f.data, f.len);
            if (nf)
                fixes = nf;
            if (!nf || !typed) {
                free(typed);
                st = XC_NOMEM;
            } else {
                fixes[nfix].start = ws;
                fixes[nfix].end = we;
                fixes[nfix].typed = typed;
                fixes[nfix].stem = c.b.stem;
                fixes[nfix].word = c.b.word;
                c.b.stem = c.b.word = NULL;
                nfix++;
            }
        }
        best_clear(&c.b);
    }
    qr_buf_free(&f);
    qr_buf_free(&term);
    for (size_t i = 0; i < wf.terms.n; i++)
        free(wf.terms.v[i]);
    free(wf.terms.v);
    free(wf.df);
    if (st != XC_OK) {
        qr_spell_fixes_free(fixes, nfix);
        return qr_status_from_xc(st);
    }
    *out = fixes;
    *nout = nfix;
    return QR_OK;
}

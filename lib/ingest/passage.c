/*
 * passage.c — splits an article body into passages (see passage.h).
 *
 * The body is read in one forward pass, line by line, to find paragraphs.
 * Each paragraph is counted once; only a paragraph over max_words is read
 * again, sentence by sentence, and only a single sentence over max_words a
 * third time, word by word. Every byte is therefore looked at a small,
 * fixed number of times, whatever the input: linear time, and no memory
 * beyond the output array (no per-sentence tables that a 50 MB line full of
 * full stops could blow up).
 *
 * The pieces that come out of that (paragraphs, packed sentence chunks,
 * run-on pieces) go through one packer, which merges short ones forward and,
 * failing that, backward, within target_words.
 *
 * Words: a word is a run of ASCII letters/digits or bytes >= 0x80, except
 * that a few common UTF-8 punctuation and space characters (U+00A0 and
 * friends, the General Punctuation block U+2000-U+206F with its curly quotes
 * and dashes, U+3000-U+3003) are treated as separators, so a curly quote is
 * not counted as a word; each Chinese, Japanese or Korean character
 * (kana, ideographs, Hangul syllables) counts as a word of its own, so text
 * without spaces splits too. Invalid UTF-8 is simply letters: safe, never read
 * past the end. Whitespace (blank lines, trimming, sentence gaps) is ASCII
 * whitespace only.
 */
#include "passage.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The default passage lengths, in words: the one place they are set.
 * Chosen with bench/quality.sh-style runs (quarry-index --passage-words N,
 * which sets min N/3 and max 2N) on Cranfield and SciFact-train, scoring
 * articles by nDCG@10 and MAP: quality stops improving at about 200 words,
 * and 200 keeps passages short enough to show as an answer (about a long
 * paragraph). (measured: bench/README.md, "Tuning decisions")
 */
enum {
    QR_SPLIT_TARGET_WORDS = 200,
    QR_SPLIT_MIN_WORDS = 66,
    QR_SPLIT_MAX_WORDS = 400
};

qr_split_opts qr_split_defaults(void)
{
    qr_split_opts o = {
        .target_words = QR_SPLIT_TARGET_WORDS,
        .min_words = QR_SPLIT_MIN_WORDS,
        .max_words = QR_SPLIT_MAX_WORDS,
    };
    return o;
}

/* ------------------------------------------------------------ characters */

/* CC_CJK: a Chinese, Japanese or Korean character, a word of its own
 * (text without spaces: each character one term, as xapian-core's CJK
 * n-grams index it). */
typedef enum char_class { CC_SPACE, CC_WORD, CC_PUNCT, CC_CJK } char_class;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static int is_ascii_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Class of the character at s[i] (i < len); *adv receives its length in
 * bytes. Multi-byte separators are recognised only when complete within
 * len, so a span and the whole body classify the same bytes the same way
 * (spans never end inside such a sequence: they end before ASCII whitespace
 * or at the start of a word). */
static char_class classify(const unsigned char *s, size_t len, size_t i,
                           size_t *adv)
{
    unsigned char c = s[i];
    *adv = 1;
    if (c < 0x80) {
        if (is_space(c))
            return CC_SPACE;
        if (is_ascii_alpha(c) || (c >= '0' && c <= '9'))
            return CC_WORD;
        return CC_PUNCT;
    }
    if (c == 0xC2 && i + 1 < len) {
        switch (s[i + 1]) {
        case 0xA0: /* no-break space */
        case 0xA1: /* inverted ! */
        case 0xA7: /* section sign */
        case 0xA9: /* copyright */
        case 0xAB: /* left guillemet */
        case 0xAE: /* registered */
        case 0xB0: /* degree */
        case 0xB6: /* pilcrow */
        case 0xB7: /* middle dot */
        case 0xBB: /* right guillemet */
        case 0xBF: /* inverted ? */
            *adv = 2;
            return CC_PUNCT;
        default:
            return CC_WORD;
        }
    }
    /* U+2000-U+206F: spaces, dashes, curly quotes, bullets, ellipsis. */
    if (c == 0xE2 && i + 2 < len && (s[i + 1] == 0x80 || s[i + 1] == 0x81) &&
        (s[i + 2] & 0xC0) == 0x80) {
        *adv = 3;
        return CC_PUNCT;
    }
    /* U+3000-U+3003: ideographic space, comma, full stop, ditto. */
    if (c == 0xE3 && i + 2 < len && s[i + 1] == 0x80 && s[i + 2] >= 0x80 &&
        s[i + 2] <= 0x83) {
        *adv = 3;
        return CC_PUNCT;
    }
    /* three-byte CJK: U+3004-U+303F symbols, kana to ideographs
     * (U+3040-U+9FFF), Hangul syllables, compatibility ideographs,
     * full-width forms (their punctuation: separators) */
    if (c >= 0xE3 && c <= 0xEF && i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
        (s[i + 2] & 0xC0) == 0x80) {
        unsigned cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) |
                      (s[i + 2] & 0x3Fu);
        if ((cp >= 0x3000 && cp <= 0x303F) || cp == 0x30FB ||
            (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20)) {
            *adv = 3;
            return CC_PUNCT;
        }
        if ((cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
            (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF)) {
            *adv = 3;
            return CC_CJK;
        }
    }
    return CC_WORD;
}

size_t qr_count_words(const char *text, size_t len)
{
    if (!text)
        return 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0, i = 0, adv;
    int in_word = 0;
    while (i < len) {
        char_class k = classify(s, len, i, &adv);
        if (k == CC_WORD || k == CC_CJK) {
            if (!in_word || k == CC_CJK)
                n++;
            in_word = k == CC_WORD;
        } else {
            in_word = 0;
        }
        i += adv;
    }
    return n;
}

/* ------------------------------------------------------------ the packer */

typedef struct splitter {
    const unsigned char *s;  /* the body                                    */
    size_t target;           /* sanitised options (1 <= target <= max)      */
    size_t min;
    size_t max;
    qr_buf out;              /* the qr_span array being built, as bytes     */
    size_t nout;             /* spans in out                                */
    size_t last_words;       /* words in the last span of out               */
    int has_pending;         /* a passage is being accumulated              */
    size_t pend_start;       /* ... its span and word count                 */
    size_t pend_end;
    size_t pend_words;
    int oom;                 /* sticky: an append failed                    */
} splitter;

static void emit(splitter *sp, size_t start, size_t end, size_t words)
{
    if (sp->oom)
        return;
    qr_span span = {start, end};
    if (qr_buf_append(&sp->out, &span, sizeof span) != 0) {
        sp->oom = 1;
        return;
    }
    sp->nout++;
    sp->last_words = words;
}

/* Ends the pending passage: a short one that could not grow forward joins
 * the previous passage when that stays within the target. */
static void flush_pending(splitter *sp)
{
    if (!sp->has_pending)
        return;
    sp->has_pending = 0;
    if (sp->pend_words < sp->min && sp->nout > 0 && !sp->oom &&
        sp->last_words + sp->pend_words <= sp->target) {
        qr_span last;
        char *at = sp->out.data + (sp->nout - 1) * sizeof last;
        memcpy(&last, at, sizeof last);
        last.end = sp->pend_end;
        memcpy(at, &last, sizeof last);
        sp->last_words += sp->pend_words;
        return;
    }
    emit(sp, sp->pend_start, sp->pend_end, sp->pend_words);
}

/* Takes the next piece of the body, in order. [start, end) is trimmed.
 * Pieces without words (a line of asterisks) are dropped; if a merge spans
 * them they end up inside a passage anyway. */
static void feed(splitter *sp, size_t start, size_t end, size_t words)
{
    if (words == 0)
        return;
    if (sp->has_pending && sp->pend_words < sp->min &&
        sp->pend_words + words <= sp->target) {
        sp->pend_end = end;
        sp->pend_words += words;
        return;
    }
    flush_pending(sp);
    sp->has_pending = 1;
    sp->pend_start = start;
    sp->pend_end = end;
    sp->pend_words = words;
}

/* ------------------------------------------------------------ sentences */

/* Length of a closing quote or bracket at s[t] (t < b), or 0. */
static size_t closer_len(const unsigned char *s, size_t t, size_t b)
{
    unsigned char c = s[t];
    if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '}')
        return 1;
    if (c == 0xC2 && t + 1 < b && s[t + 1] == 0xBB) /* » */
        return 2;
    if (c == 0xE2 && t + 2 < b && s[t + 1] == 0x80 &&
        (s[t + 2] == 0x9D || s[t + 2] == 0x99 || s[t + 2] == 0xBA))
        return 3; /* ” ’ › */
    return 0;
}

/* Whether the full stop at s[dot] ends an abbreviation or an initial
 * ("Mr.", "U.S.", "J. Smith") rather than a sentence. Looks back at most a
 * few bytes, never before lo. */
static int ends_abbreviation(const unsigned char *s, size_t lo, size_t dot)
{
    static const char *const abbrevs[] = {
        "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Sen", "Rep", "Gov", "Gen",
        "Col", "Lt", "Sgt", "Capt", "Cmdr", "Adm", "Jr", "Sr", "Rev", "Hon",
        "vs", "No", "Nos", "Fig", "Vol", "pp", "Jan", "Feb", "Mar", "Apr",
        "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    };
    size_t j = dot;
    while (j > lo && is_ascii_alpha(s[j - 1]) && dot - j < 6)
        j--;
    size_t n = dot - j;
    if (n == 0)
        return 0;
    /* part of a longer word (or of a non-ASCII or alphanumeric one) */
    if (j > lo) {
        unsigned char p = s[j - 1];
        if (is_ascii_alpha(p) || (p >= '0' && p <= '9') || p >= 0x80)
            return 0;
    }
    if (n == 1)
        return 1;
    for (size_t k = 0; k < sizeof abbrevs / sizeof abbrevs[0]; k++) {
        if (strlen(abbrevs[k]) == n && memcmp(abbrevs[k], s + j, n) == 0)
            return 1;
    }
    return 0;
}

/* Is there a CJK full stop, exclamation or question mark (。！？) at s[i]? */
static int cjk_stop(const unsigned char *s, size_t i, size_t b)
{
    if (i + 2 >= b)
        return 0;
    return (s[i] == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x82) ||
           (s[i] == 0xEF && s[i + 1] == 0xBC &&
            (s[i + 2] == 0x81 || s[i + 2] == 0x9F));
}

/* Finds the sentence that starts at pos (a non-space byte) within [pos, b),
 * b being a trimmed paragraph end. A sentence ends at '.', '!' or '?' (any
 * run of them), plus closing quotes or brackets, followed by whitespace and
 * a next sentence that does not start with a lower-case letter. *send: end
 * of the sentence (trimmed); *next: start of the next one (b if none);
 * *words: words in [pos, *send). */
static void next_sentence(const unsigned char *s, size_t pos, size_t b,
                          size_t *send, size_t *next, size_t *words)
{
    size_t i = pos, n = 0, adv;
    int in_word = 0;
    while (i < b) {
        unsigned char c = s[i];
        if (cjk_stop(s, i, b)) {
            /* 。！？ end a sentence with no space after them (closing 」
             * or 』 included) */
            size_t t = i + 3, cl;
            while (t < b && ((cl = closer_len(s, t, b)) > 0 ||
                             (t + 2 < b && s[t] == 0xE3 && s[t + 1] == 0x80 &&
                              (s[t + 2] == 0x8D || s[t + 2] == 0x8F) &&
                              (cl = 3))))
                t += cl;
            in_word = 0;
            size_t q = t;
            while (q < b && is_space(s[q]))
                q++;
            if (q < b) {
                *send = t;
                *next = q;
                *words = n;
                return;
            }
            i = t;
            continue;
        }
        if (c == '.' || c == '!' || c == '?') {
            size_t t = i;
            while (t < b && (s[t] == '.' || s[t] == '!' || s[t] == '?'))
                t++;
            size_t run = t - i;
            size_t cl;
            while (t < b && (cl = closer_len(s, t, b)) > 0)
                t += cl;
            in_word = 0; /* terminators and closers are not word bytes */
            if (t < b && is_space(s[t])) {
                size_t q = t;
                while (q < b && is_space(s[q]))
                    q++;
                /* b is trimmed, so q < b here */
                int lower = s[q] >= 'a' && s[q] <= 'z';
                int abbrev = c == '.' && run == 1 &&
                             ends_abbreviation(s, pos, i);
                if (!lower && !abbrev) {
                    *send = t;
                    *next = q;
                    *words = n;
                    return;
                }
                t = q;
            }
            i = t;
            continue;
        }
        char_class k = classify(s, b, i, &adv);
        if (k == CC_WORD || k == CC_CJK) {
            if (!in_word || k == CC_CJK)
                n++;
            in_word = k == CC_WORD;
        } else {
            in_word = 0;
        }
        i += adv;
    }
    *send = b;
    *next = b;
    *words = n;
}

/* Splits [a, b) (trimmed, w > max words, no usable sentence end) into
 * pieces of at most max words and near-equal size, cut between words: at
 * the first whitespace after a piece's last word, or, with no whitespace
 * before the next word (a text without spaces), right before that word.
 * Feeds every piece but the last, which is returned through last_*. */
static void split_run_on(splitter *sp, size_t a, size_t b, size_t w,
                         size_t *last_start, size_t *last_words)
{
    const unsigned char *s = sp->s;
    size_t pieces = (w + sp->max - 1) / sp->max;
    size_t base = w / pieces, extra = w % pieces;
    size_t piece = 0;
    size_t quota = base + (piece < extra ? 1 : 0);
    size_t start = a, n = 0, i = a, adv;
    size_t gap = 0;          /* first whitespace after the last word, or 0 */
    int in_word = 0, seen_gap = 0;
    while (i < b) {
        char_class k = classify(s, b, i, &adv);
        if (k == CC_WORD || k == CC_CJK) {
            if (!in_word || k == CC_CJK) {
                if (n == quota && piece + 1 < pieces) {
                    size_t end = seen_gap ? gap : i;
                    feed(sp, start, end, n);
                    start = end;
                    while (start < i && is_space(s[start]))
                        start++;
                    piece++;
                    quota = base + (piece < extra ? 1 : 0);
                    n = 0;
                }
                n++;
            }
            in_word = k == CC_WORD;
            seen_gap = 0;
        } else {
            if (k == CC_SPACE && !seen_gap) {
                gap = i;
                seen_gap = 1;
            }
            in_word = 0;
        }
        i += adv;
    }
    *last_start = start;
    *last_words = n;
}

/* A paragraph over max_words: sentences packed into ceil(w / target)
 * chunks, each cut at the sentence end nearest to its share of the words
 * (k * w / chunks), so that no chunk is left a stub: with the defaults
 * (target 200, max 400), a 500-word paragraph of 25-word sentences gives
 * 175 + 150 + 175 rather than 200 + 200 + 100; never over max_words. */
static void split_long_paragraph(splitter *sp, size_t a, size_t b, size_t w)
{
    const unsigned char *s = sp->s;
    uint64_t chunks = (w + sp->target - 1) / sp->target;
    uint64_t done = 0;   /* words already fed from this paragraph */
    uint64_t fed = 0;    /* chunks already fed from this paragraph */
    size_t cs = a, ce = a, cw = 0;
    int has_chunk = 0;
    size_t pos = a;
    while (pos < b) {
        size_t send, next, sw;
        next_sentence(s, pos, b, &send, &next, &sw);
        if (sw > sp->max) {
            size_t from = pos;
            if (has_chunk && cw == 0) {
                from = cs; /* keep a word-less lead-in with what follows */
            } else if (has_chunk) {
                feed(sp, cs, ce, cw);
                done += cw;
                fed++;
            }
            split_run_on(sp, from, send, sw, &cs, &cw);
            done += sw - cw;
            fed += (sw + sp->max - 1) / sp->max - 1;
            ce = send;
            has_chunk = 1;
        } else if (!has_chunk) {
            cs = pos;
            ce = send;
            cw = sw;
            has_chunk = 1;
        } else {
            /* In units of 1/chunks word: where the chunk would end without
             * and with this sentence, and where its share ends. */
            uint64_t without = (done + cw) * chunks;
            uint64_t with = (done + cw + sw) * chunks;
            uint64_t goal = (fed + 1) * (uint64_t)w;
            int close = cw > 0 && sw > 0 &&
                        (cw + sw > sp->max ||
                         (with > goal &&
                          (without >= goal || goal - without <= with - goal)));
            if (close) {
                feed(sp, cs, ce, cw);
                done += cw;
                fed++;
                cs = pos;
                cw = sw;
            } else {
                cw += sw;
            }
            ce = send;
        }
        pos = next;
    }
    if (has_chunk)
        feed(sp, cs, ce, cw);
}

static void split_paragraph(splitter *sp, size_t a, size_t b)
{
    size_t w = qr_count_words((const char *)sp->s + a, b - a);
    if (w <= sp->max)
        feed(sp, a, b, w);
    else
        split_long_paragraph(sp, a, b, w);
}

/* ------------------------------------------------------------ entry point */

int qr_passage_split(const char *body, size_t len, const qr_split_opts *opts,
                     qr_span **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!body || len == 0)
        return 0;

    qr_split_opts o = opts ? *opts : qr_split_defaults();
    splitter sp = {0};
    sp.s = (const unsigned char *)body;
    /* Odd options are made usable rather than rejected: 1 <= target <= max,
     * min <= target. */
    sp.max = o.max_words ? o.max_words : 1;
    sp.target = o.target_words ? o.target_words : 1;
    if (sp.target > sp.max)
        sp.target = sp.max;
    sp.min = o.min_words < sp.target ? o.min_words : sp.target;

    const unsigned char *s = sp.s;
    int in_para = 0;
    size_t para_start = 0, para_end = 0;
    size_t i = 0;
    while (i < len) {
        const unsigned char *nl = memchr(s + i, '\n', len - i);
        size_t eol = nl ? (size_t)(nl - s) : len;
        size_t first = i;
        while (first < eol && is_space(s[first]))
            first++;
        if (first == eol) {
            if (in_para)
                split_paragraph(&sp, para_start, para_end);
            in_para = 0;
        } else {
            size_t last = eol;
            while (last > first && is_space(s[last - 1]))
                last--;
            if (!in_para)
                para_start = first;
            in_para = 1;
            para_end = last;
        }
        i = eol + 1;
    }
    if (in_para)
        split_paragraph(&sp, para_start, para_end);
    flush_pending(&sp);

    if (sp.oom) {
        qr_buf_free(&sp.out);
        return -1;
    }
    if (sp.nout == 0) {
        qr_buf_free(&sp.out);
        return 0;
    }
    *n = sp.nout;
    *out = (qr_span *)(void *)qr_buf_steal(&sp.out);
    return 0;
}

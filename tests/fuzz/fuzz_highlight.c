/*
 * fuzz_highlight.c — the highlighter and snippet builder on arbitrary text.
 *
 * Input: the first line holds the terms (words separated by spaces; a word
 * ending in '*' is a wildcard prefix), the rest is the text. The language
 * is English (stemming) or none, by the first byte's low bit.
 * Checked: the word scanner moves forward and stays in bounds, folding
 * gives UTF-8, spans are in order and inside the text, the snippet window
 * is inside the text and does not cut a UTF-8 character of valid text.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "highlight.h"
#include "print.h"
#include "words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qr_highlighter *hl_en, *hl_none;

static void check_words(const char *s, size_t n)
{
    size_t i = 0, start, end, words = 0;
    qr_buf fold = {0};
    while (qr_word_next(s, n, i, &start, &end)) {
        FUZZ_CHECK(start >= i && start < end && end <= n, "word inside the text");
        qr_buf_clear(&fold);
        if (qr_word_fold(s, start, end, &fold) == 0 && fold.data && test_utf8_valid(s + start, end - start))
            FUZZ_CHECK(test_utf8_valid(fold.data, fold.len), "a folded word is UTF-8");
        i = end;
        FUZZ_CHECK(++words <= n, "the scanner moves forward");
    }
    qr_buf_free(&fold);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!hl_en && (qr_highlighter_new("english", 0, &hl_en, NULL) != QR_OK ||
                   qr_highlighter_new("none", 0, &hl_none, NULL) != QR_OK))
        abort();
    if (size < 1)
        return 0;
    qr_highlighter *h = (data[0] & 1) ? hl_none : hl_en;
    const char *p = (const char *)data + 1;
    size_t len = size - 1;
    const char *nl = memchr(p, '\n', len);
    size_t tl = nl ? (size_t)(nl - p) : 0;
    const char *text = nl ? nl + 1 : p;
    size_t text_len = nl ? len - tl - 1 : len;

    /* the terms line, split on spaces; NUL bytes end a term early */
    char *line = malloc(tl + 1);
    char **terms = malloc((tl / 2 + 2) * sizeof *terms);
    char **prefixes = malloc((tl / 2 + 2) * sizeof *prefixes);
    size_t nt = 0, np = 0;
    if (!line || !terms || !prefixes)
        goto out;
    memcpy(line, p, tl);
    line[tl] = '\0';
    for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
        size_t k = strlen(tok);
        if (k > 1 && tok[k - 1] == '*') {
            tok[k - 1] = '\0';
            prefixes[np++] = tok;
        } else if (k > 0) {
            terms[nt++] = tok;
        }
    }
    if (qr_highlighter_set_terms(h, (const char *const *)terms, nt,
                                 (const char *const *)prefixes, np) != 0)
        goto out;

    check_words(text, text_len);
    qr_hl_span *spans = NULL;
    size_t n = 0;
    if (qr_highlight(h, text, text_len, &spans, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(spans[i].start < spans[i].end && spans[i].end <= text_len,
                       "span inside the text");
            FUZZ_CHECK(i == 0 || spans[i].start >= spans[i - 1].end, "spans in order");
        }
        static const size_t targets[] = {0, 1, 7, 40, QR_SNIPPET_BYTES};
        for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
            size_t ws = 0, we = 0;
            qr_snippet_window(text, text_len, spans, n, targets[t], &ws, &we);
            FUZZ_CHECK(ws <= we && we <= text_len, "window inside the text");
            if (test_utf8_valid(text, text_len)) {
                FUZZ_CHECK(ws == text_len || ((unsigned char)text[ws] & 0xC0) != 0x80,
                           "window starts on a character");
                FUZZ_CHECK(we == text_len || ((unsigned char)text[we] & 0xC0) != 0x80,
                           "window ends on a character");
            }
            qr_buf snip = {0};
            if (qr_snippet_build(text, text_len, spans, n, targets[t], "[", "]",
                                 &snip) == 0 && snip.data)
                FUZZ_CHECK(test_utf8_valid(snip.data, snip.len), "snippet is UTF-8");
            qr_buf_free(&snip);
        }
        free(spans);
    }
out:
    free(line);
    free(terms);
    free(prefixes);
    return 0;
}

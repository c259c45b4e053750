/*
 * fuzz_passage.c — the passage splitter (passage.h) on arbitrary bytes,
 * with options taken from the input's first three bytes.
 *
 * Invariants checked on every split:
 *   - spans in order, not overlapping, inside the body, start < end;
 *   - a span starts and ends on non-whitespace (passage.h: offsets of the
 *     first and one past the last non-whitespace byte);
 *   - every word of the body is inside a span: the gaps between spans hold
 *     no word, so the spans' word counts add up to the body's;
 *   - no span has more than max_words words;
 *   - no words at all gives n = 0 and a NULL array.
 */
#include "fuzz_common.h"
#include "passage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void check_split(const char *body, size_t len, const qr_split_opts *opts)
{
    qr_span *spans = NULL;
    size_t n = 0;
    if (qr_passage_split(body, len, opts, &spans, &n) != 0)
        return;   /* out of memory: nothing to check */
    size_t words = qr_count_words(body, len);
    if (n == 0)
        FUZZ_CHECK(spans == NULL, "no spans: NULL array");
    unsigned max = 0;
    if (opts) {
        max = opts->max_words ? opts->max_words : 1;
    } else {
        max = qr_split_defaults().max_words;
    }
    size_t prev_end = 0, in_spans = 0, in_gaps = 0;
    for (size_t i = 0; i < n; i++) {
        const qr_span *s = &spans[i];
        FUZZ_CHECK(s->start < s->end, "span not empty");
        FUZZ_CHECK(s->end <= len, "span inside the body");
        FUZZ_CHECK(i == 0 || s->start >= prev_end, "spans in order, not overlapping");
        FUZZ_CHECK(!is_ws((unsigned char)body[s->start]), "span starts on non-whitespace");
        FUZZ_CHECK(!is_ws((unsigned char)body[s->end - 1]), "span ends on non-whitespace");
        size_t w = qr_count_words(body + s->start, s->end - s->start);
        FUZZ_CHECK(w <= max, "span within max_words");
        in_spans += w;
        in_gaps += qr_count_words(body + prev_end, s->start - prev_end);
        prev_end = s->end;
    }
    in_gaps += qr_count_words(body + prev_end, len - prev_end);
    FUZZ_CHECK(in_gaps == 0, "no word outside the spans");
    FUZZ_CHECK(in_spans == words, "the spans hold every word of the body");
    if (words == 0)
        FUZZ_CHECK(n == 0, "no words: no passages");
    free(spans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) {
        check_split((const char *)data, size, NULL);
        return 0;
    }
    /* small numbers, so that short inputs split and merge a lot */
    qr_split_opts o = {
        .target_words = data[0] % 64,
        .min_words = data[1] % 64,
        .max_words = data[2] % 128,
    };
    const char *body = (const char *)data + 3;
    size_t len = size - 3;
    check_split(body, len, &o);
    check_split(body, len, NULL);
    return 0;
}

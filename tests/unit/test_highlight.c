/* Unit tests: lib/search/highlight.c — matched spans and the snippet
 * window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "highlight.h"

static qr_highlighter *make(const char *const *terms, size_t n,
                            const char *const *prefixes, size_t np)
{
    qr_highlighter *h = NULL;
    assert_int_equal(qr_highlighter_new("english", 1, &h, NULL), QR_OK);
    assert_int_equal(qr_highlighter_set_terms(h, terms, n, prefixes, np), 0);
    return h;
}

/* The matched words of text, joined with "|". */
static char *matched(qr_highlighter *h, const char *text)
{
    qr_hl_span *sp = NULL;
    size_t n = 0;
    assert_int_equal(qr_highlight(h, text, strlen(text), &sp, &n), 0);
    qr_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        assert_true(sp[i].end > sp[i].start);
        if (i)
            assert_true(sp[i].start >= sp[i - 1].end);
        if (b.len)
            qr_buf_putc(&b, '|');
        qr_buf_append(&b, text + sp[i].start, sp[i].end - sp[i].start);
    }
    qr_buf_putc(&b, '\0');
    free(sp);
    return qr_buf_steal(&b);
}

static void test_highlight_stems(void **state)
{
    (void)state;
    /* the terms QueryParser makes of "joint cyber unit" (and of "Joint
     * Cyber UNITS": STEM_ALL) */
    const char *terms[] = {"unit", "cyber", "joint"};
    qr_highlighter *h = make(terms, 3, NULL, 0);
    char *m = matched(h, "Joint units: a CYBER Unit, the unity of jointly "
                         "held cyber-units.");
    assert_string_equal(m, "Joint|units|CYBER|Unit|jointly|cyber|units");
    free(m);
    /* byte offsets */
    qr_hl_span *sp = NULL;
    size_t n = 0;
    const char *text = "The \xE2\x80\x9C" "Cyber Security unit\xE2\x80\x9D.";
    assert_int_equal(qr_highlight(h, text, strlen(text), &sp, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(sp[0].start, 7);
    assert_int_equal(sp[0].end, 12);
    assert_int_equal(sp[1].start, 22);
    assert_int_equal(sp[1].end, 26);
    free(sp);
    qr_highlighter_free(h);
    qr_highlighter_free(NULL);
}

static void test_highlight_special_words(void **state)
{
    (void)state;
    const char *terms[] = {"trump", "usa", "c++", "3.14"};
    qr_highlighter *h = make(terms, 4, NULL, 0);
    char *m = matched(h, "Trump\xE2\x80\x99s U.S.A. plan in C++ costs 3.14 "
                         "or 3 trumpets");
    assert_string_equal(m, "Trump\xE2\x80\x99s|U.S.A|C++|3.14");
    free(m);
    qr_highlighter_free(h);
}

static void test_highlight_prefixes(void **state)
{
    (void)state;
    const char *prefixes[] = {"cyber"};
    qr_highlighter *h = make(NULL, 0, prefixes, 1);
    char *m = matched(h, "Cybersecurity and cyber threats, not cybe.");
    assert_string_equal(m, "Cybersecurity|cyber");
    free(m);
    /* nothing to look for: no spans, no work */
    assert_int_equal(qr_highlighter_set_terms(h, NULL, 0, NULL, 0), 0);
    m = matched(h, "cyber");
    assert_string_equal(m, "");
    free(m);
    qr_highlighter_free(h);
}

static void test_highlight_hostile_text(void **state)
{
    (void)state;
    const char *terms[] = {"unit"};
    qr_highlighter *h = make(terms, 1, NULL, 0);
    char *m = matched(h, "\xff unit\xc3 \x01unit\x7f \xe2\x80 units");
    assert_string_equal(m, "unit|unit|units");
    free(m);
    /* a 100 KB word is skipped, not stemmed */
    size_t n = 100000;
    char *big = malloc(n + 6);
    memset(big, 'u', n);
    memcpy(big + n, " unit", 6);
    m = matched(h, big);
    assert_string_equal(m, "unit");
    free(m);
    free(big);
    qr_highlighter_free(h);

    qr_buf err = {0};
    h = (qr_highlighter *)1;
    assert_int_equal(qr_highlighter_new("klingon", 1, &h, &err), QR_ERR_USAGE);
    assert_ptr_equal(h, (qr_highlighter *)1);
    assert_non_null(strstr(err.data, "klingon"));
    qr_buf_free(&err);
}

static void test_snippet_window(void **state)
{
    (void)state;
    size_t s, e;
    /* short text: all of it */
    const char *shorttext = "A short passage.";
    qr_snippet_window(shorttext, strlen(shorttext), NULL, 0, 300, &s, &e);
    assert_int_equal(s, 0);
    assert_int_equal(e, strlen(shorttext));

    /* long text, matches clustered near the end */
    qr_buf b = {0};
    for (int i = 0; i < 60; i++)
        qr_buf_puts(&b, "Filler words go here. ");
    size_t m1 = b.len;
    qr_buf_puts(&b, "The cyber unit met. ");
    qr_buf_puts(&b, "Another cyber unit sentence follows here.");
    for (int i = 0; i < 10; i++)
        qr_buf_puts(&b, " More filler text.");
    qr_hl_span sp[] = {{m1 + 4, m1 + 9}, {m1 + 10, m1 + 14},
                       {m1 + 28, m1 + 33}, {m1 + 34, m1 + 38},
                       {10, 15}};   /* a lone early match, out of order */
    qr_snippet_window(b.data, b.len, sp, 4, 100, &s, &e);
    assert_true(s <= m1 + 4 && e >= m1 + 38);
    assert_true(e - s <= 100);
    assert_int_equal(s, m1);          /* the sentence start before it */
    assert_true(b.data[e - 1] != ' ' && (e == b.len || b.data[e] == ' '));

    /* no matches: the start, cut at a word boundary */
    qr_snippet_window(b.data, b.len, NULL, 0, 50, &s, &e);
    assert_int_equal(s, 0);
    assert_true(e <= 50 && b.data[e] == ' ');
    qr_buf_free(&b);

    /* one enormous word of multi-byte characters: cut on a character */
    for (int i = 0; i < 200; i++)
        qr_buf_puts(&b, "\xE6\x97\xA5");
    qr_hl_span mid = {300, 303};
    qr_snippet_window(b.data, b.len, &mid, 1, 100, &s, &e);
    assert_true(e - s <= 100);
    assert_true(s <= 300 && e >= 303);
    assert_int_equal(s % 3, 0);
    assert_int_equal(e % 3, 0);
    qr_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_highlight_stems),
        cmocka_unit_test(test_highlight_special_words),
        cmocka_unit_test(test_highlight_prefixes),
        cmocka_unit_test(test_highlight_hostile_text),
        cmocka_unit_test(test_snippet_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

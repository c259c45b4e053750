/* Unit tests: lib/highlight.c — the word scanner, folding, matched spans
 * and the snippet window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "highlight.h"

/* The words of text, joined with "|". */
static char *words(const char *text)
{
    qr_buf b = {0};
    size_t n = strlen(text), pos = 0, s, e;
    while (qr_word_next(text, n, pos, &s, &e)) {
        assert_true(s >= pos && e > s && e <= n);
        if (b.len)
            qr_buf_putc(&b, '|');
        qr_buf_append(&b, text + s, e - s);
        pos = e;
    }
    qr_buf_putc(&b, '\0');
    return qr_buf_steal(&b);
}

static void test_word_scanner(void **state)
{
    (void)state;
    struct { const char *in, *out; } cases[] = {
        {"joint cyber unit", "joint|cyber|unit"},
        {"  don't  stop-me, now!", "don't|stop|me|now"},
        {"Trump\xE2\x80\x99s tweet", "Trump\xE2\x80\x99s|tweet"},
        {"\xE2\x80\x9C" "Cyber Security unit.\xE2\x80\x9D",
         "Cyber|Security|unit"},
        {"the U.S.A. and U.N. said", "the|U.S.A|and|U.N|said"},
        {"U.S.Army", "U|S|Army"},
        {"pi is 3.14, or 3,141.5", "pi|is|3.14|or|3,141.5"},
        {"C++ and C# and AT&T", "C++|and|C#|and|AT&T"},
        {"snake_case x", "snake_case|x"},
        {"caf\xC3\xA9 na\xC3\xAFve \xC3\x89" "cole", "caf\xC3\xA9|na\xC3\xAFve|"
                                                  "\xC3\x89" "cole"},
        {"\xff\xfe" "bad\xc3" "bytes\xe2\x82", "bad|bytes"},
        {"end'", "end"},
        {"", ""},
        {"...", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *w = words(cases[i].in);
        assert_string_equal(w, cases[i].out);
        free(w);
    }
}

static void test_word_is_operator(void **state)
{
    (void)state;
    static const char *const yes[] = {"AND", "OR", "NOT", "XOR", "NEAR",
                                      "ADJ", "NEAR/3", "ADJ/12"};
    static const char *const no[] = {"and", "Or", "ANDY", "NEAR/", "NEAR/x",
                                     "AND/3", "", "NEARS"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        assert_true(qr_word_is_operator(yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_false(qr_word_is_operator(no[i], strlen(no[i])));
}

static void test_word_fold(void **state)
{
    (void)state;
    struct { const char *in, *out; } cases[] = {
        {"Units", "units"},
        {"Trump\xE2\x80\x99s", "trump's"},
        {"U.S.A", "usa"},
        {"3.14", "3.14"},
        {"\xC3\x89" "COLE", "\xC3\xA9" "cole"},                 /* ÉCOLE */
        {"\xC5\x81" "\xC3\x93" "D\xC5\xB9", "\xC5\x82\xC3\xB3" "d\xC5\xBA"},
        {"\xCE\x91\xCE\x92\xCE\x93", "\xCE\xB1\xCE\xB2\xCE\xB3"}, /* ΑΒΓ */
        {"\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90",
         "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"},     /* МОСКВА */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qr_buf b = {0};
        assert_int_equal(qr_word_fold(cases[i].in, 0, strlen(cases[i].in), &b),
                         0);
        assert_string_equal(b.data, cases[i].out);
        qr_buf_free(&b);
    }
}

static qr_highlighter *make(const char *const *terms, size_t n,
                            const char *const *prefixes, size_t np)
{
    qr_highlighter *h = NULL;
    assert_int_equal(qr_highlighter_new("english", &h, NULL), QR_OK);
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
    assert_int_equal(qr_highlighter_new("klingon", &h, &err), QR_ERR_USAGE);
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
        cmocka_unit_test(test_word_scanner),
        cmocka_unit_test(test_word_is_operator),
        cmocka_unit_test(test_word_fold),
        cmocka_unit_test(test_highlight_stems),
        cmocka_unit_test(test_highlight_special_words),
        cmocka_unit_test(test_highlight_prefixes),
        cmocka_unit_test(test_highlight_hostile_text),
        cmocka_unit_test(test_snippet_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

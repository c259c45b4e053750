/* Unit tests: lib/common/words.c — the word scanner, operators and
 * folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

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
        /* CJK: each character a word, Latin words cut at them */
        {"\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAE\xE5\xA4\xA9\xE6\xB0\x97",
         "\xE6\x9D\xB1|\xE4\xBA\xAC|\xE3\x81\xAE|\xE5\xA4\xA9|\xE6\xB0\x97"},
        {"abc\xE6\x9D\xB1\xE4\xBA\xAC" "def \xE3\x80\x82x",
         "abc|\xE6\x9D\xB1|\xE4\xBA\xAC|def|x"},
        {"\xEC\x84\x9C\xEC\x9A\xB8\xEC\x9D\x98 AT&T",
         "\xEC\x84\x9C|\xEC\x9A\xB8|\xEC\x9D\x98|AT&T"},
        {"", ""},
        {"...", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *w = words(cases[i].in);
        assert_string_equal(w, cases[i].out);
        free(w);
    }
}

static void test_word_is_cjk(void **state)
{
    (void)state;
    const char *t = "\xE6\x9D\xB1\xE4\xBA\xAC" "ab\xC3\xA9";
    assert_true(qr_word_is_cjk(t, 0, 3));
    assert_true(qr_word_is_cjk(t, 3, 6));
    assert_false(qr_word_is_cjk(t, 0, 6));      /* two characters */
    assert_false(qr_word_is_cjk(t, 6, 8));
    assert_false(qr_word_is_cjk(t, 8, 10));     /* é is no CJK */
    assert_false(qr_word_is_cjk(t, 3, 3));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_scanner),
        cmocka_unit_test(test_word_is_cjk),
        cmocka_unit_test(test_word_is_operator),
        cmocka_unit_test(test_word_fold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: lib/common/accents.c and the folding stemmer of
 * lib/common/analysis.c — "cafe" and "café" one term, unless exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "accents.h"
#include "analysis.h"

static char *fold(const char *in)
{
    size_t n = strlen(in);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t m = qr_accents_fold(in, n, out);
    assert_true(m <= n);
    out[m] = '\0';
    return out;
}

static void test_fold(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"cafe", "cafe"},
        {"café", "cafe"},
        {"CAFÉ", "CAFE"},
        {"cafe\xCC\x81", "cafe"},                 /* e + combining acute */
        {"müller", "muller"},
        {"straße", "strasse"},
        {"ẞ", "ss"},
        {"œuvre", "oeuvre"},
        {"æsir", "aesir"},
        {"søren", "soren"},
        {"łódź", "lodz"},
        {"niño", "nino"},
        {"việt", "viet"},                         /* Vietnamese, two marks */
        {"ἀθῆναι", "αθηναι"},                     /* polytonic Greek */
        {"άλφα", "αλφα"},
        {"ёлка", "елка"},                         /* ё folds ... */
        {"йод", "йод"},                           /* ... й is a letter */
        {"東京", "東京"},
        {"が", "が"},                             /* kana keep their marks */
        {"한국어", "한국어"},
        {"\xFF" "a\xC3", "\xFF" "a\xC3"},         /* invalid bytes copied */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = fold(cases[i].in);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

static char *stem(xc_stem *st, const char *w)
{
    char *out = NULL;
    assert_int_equal(xc_stem_word(st, w, strlen(w), &out), XC_OK);
    return out;
}

static void assert_same_stem(xc_stem *st, const char *a, const char *b,
                             int same)
{
    char *x = stem(st, a), *y = stem(st, b);
    if (same)
        assert_string_equal(x, y);
    else
        assert_string_not_equal(x, y);
    free(x);
    free(y);
}

static void test_stemmer_folds(void **state)
{
    (void)state;
    const char *langs[] = {"english", "french", "german", "none"};
    for (size_t i = 0; i < 4; i++) {
        xc_stem *st = NULL;
        assert_int_equal(qr_stem_new(langs[i], 0, 100, &st, NULL), XC_OK);
        assert_same_stem(st, "café", "cafe", 1);
        assert_same_stem(st, "opéra", "opera", 1);
        assert_same_stem(st, "l'opéra", "opera", 1);   /* elision */
        assert_same_stem(st, "qu'il", "il", 1);
        assert_same_stem(st, "müller", "muller", 1);
        assert_same_stem(st, "straße", "strasse", 1);
        assert_same_stem(st, "université", "universite", 1);
        xc_stem_free(st);

        assert_int_equal(qr_stem_new(langs[i], 1, 0, &st, NULL), XC_OK);
        assert_same_stem(st, "naïve", "naive", 0);
        assert_same_stem(st, "l'opéra", "opéra", 0);
        xc_stem_free(st);
    }
    /* English words without accents stem as they always did */
    xc_stem *fst = NULL, *plain = NULL;
    assert_int_equal(qr_stem_new("english", 0, 0, &fst, NULL), XC_OK);
    assert_int_equal(xc_stem_new("english", &plain, NULL), XC_OK);
    const char *words[] = {"running", "connections", "don't", "o'clock",
                           "aerodynamics", "it's"};
    for (size_t i = 0; i < 6; i++) {
        char *a = stem(fst, words[i]), *b = stem(plain, words[i]);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    xc_stem_free(fst);
    xc_stem_free(plain);

    xc_stem *st = NULL;
    char *err = NULL;
    assert_int_equal(qr_stem_new("klingon", 0, 0, &st, &err), XC_RANGE);
    assert_null(st);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_stemmer_folds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

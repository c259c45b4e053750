/* Unit tests: the pure parts of the ranking features — the edit distance
 * behind spelling suggestions and how a suggestion keeps the typed case
 * (lib/search/spell.c), the BM25 idf and term weight (lib/search/bm25.c),
 * the BM25TP proximity score (lib/search/proximity.c), term positions read
 * from a passage's text and the phrase and NEAR windows over them
 * (lib/search/textpos.c). The parts that read
 * an index are tested through quarry-query in tests/cli/ranking.sh and
 * tests/cli/query_syntax.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "proximity.h"
#include "schema.h"
#include "spell.h"
#include "textpos.h"

static int dist(const char *a, const char *b, int max)
{
    return qr_edit_distance(a, strlen(a), b, strlen(b), max);
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(dist("cyber", "cyber", 2), 0);
    assert_int_equal(dist("cybr", "cyber", 2), 1);       /* insertion     */
    assert_int_equal(dist("securty", "security", 2), 1);
    assert_int_equal(dist("cyberr", "cyber", 2), 1);     /* deletion      */
    assert_int_equal(dist("cyder", "cyber", 2), 1);      /* substitution  */
    assert_int_equal(dist("teh", "the", 2), 1);          /* transposition */
    assert_int_equal(dist("unti", "unit", 2), 1);
    assert_int_equal(dist("untis", "units", 2), 1);
    assert_int_equal(dist("secrity", "security", 2), 1);
    assert_int_equal(dist("scurity", "secuirty", 2), 2);
    /* beyond max: max + 1, however far */
    assert_int_equal(dist("abc", "xyz", 2), 3);
    assert_int_equal(dist("a", "abcdefgh", 2), 3);
    assert_int_equal(dist("kitten", "sitting", 1), 2);
    assert_int_equal(dist("kitten", "sitting", 3), 3);
    assert_int_equal(dist("", "ab", 2), 2);
    assert_int_equal(dist("ab", "", 2), 2);
    assert_int_equal(dist("", "", 2), 0);
}

static void test_suggestion_keeps_case(void **state)
{
    (void)state;
    const char *text = "Cybr securty UNTI (and more)";
    qr_spell_fix f[3] = {
        {0, 4, "cybr", "cyber", "cyber"},
        {5, 12, "securty", "secur", "security"},
        {13, 17, "unti", "unit", "unit"},
    };
    char *s = qr_spell_suggestion(text, f, 3);
    assert_non_null(s);
    assert_string_equal(s, "Cyber security UNIT (and more)");
    free(s);
    /* fixes without a word to show are left out; none at all: NULL */
    f[1].word = NULL;
    s = qr_spell_suggestion(text, f, 3);
    assert_string_equal(s, "Cyber securty UNIT (and more)");
    free(s);
    f[0].word = f[2].word = NULL;
    assert_null(qr_spell_suggestion(text, f, 3));
}

static void test_bm25_idf(void **state)
{
    (void)state;
    /* rarer terms weigh more; never negative, even for a term in every
     * document */
    double rare = qr_bm25_idf(1000, 1), mid = qr_bm25_idf(1000, 100),
           common = qr_bm25_idf(1000, 900), all = qr_bm25_idf(1000, 1000);
    assert_true(rare > mid && mid > common && common > 0);
    assert_true(all > 0 && all <= common);
}

/* K and a term's BM25 weight as Xapian's BM25Weight computes them. */
static void test_bm25_weight(void **state)
{
    (void)state;
    qr_bm25 bm = qr_bm25_defaults();
    /* K = k1 * ((1 - b) + b * normlen), normlen at least min_normlen */
    assert_float_equal(qr_bm25_k(&bm, 1.0), bm.k1, 1e-12);
    assert_float_equal(qr_bm25_k(&bm, 2.0), bm.k1 * (1 + bm.b), 1e-12);
    assert_float_equal(qr_bm25_k(&bm, 0.0), qr_bm25_k(&bm, bm.min_normlen),
                       1e-12);
    /* idf * factor * (k1 + 1) * wdf / (K + wdf), the length over the
     * average */
    double idf = qr_bm25_idf(1000, 10);
    double w = qr_bm25_part(&bm, 0.5, 1000, 100, 10, 3, 200);
    double want = idf * 0.5 * (bm.k1 + 1) * 3 / (qr_bm25_k(&bm, 2.0) + 3);
    assert_float_equal(w, want, 1e-12);
    assert_true(qr_bm25_part(&bm, 1, 1000, 100, 10, 3, 50) >
                qr_bm25_part(&bm, 1, 1000, 100, 10, 3, 200));  /* shorter */
    /* b = 0: the length does not count (Xapian then skips it) */
    bm.b = 0;
    assert_float_equal(qr_bm25_part(&bm, 1, 1000, 100, 10, 3, 50),
                       qr_bm25_part(&bm, 1, 1000, 100, 10, 3, 5000), 1e-12);
}

static double prox(const uint32_t *pos, const uint32_t *term, size_t n,
                   size_t nterms, double len)
{
    qr_occurrence occ[16];
    double idf[4] = {2.0, 2.0, 2.0, 2.0}, acc[4];
    for (size_t i = 0; i < n; i++) {
        occ[i].pos = pos[i];
        occ[i].term = term[i];
    }
    qr_bm25 bm = {.k1 = 1.2, .b = 0.75, .min_normlen = 0.0};
    return qr_proximity_from_occurrences(occ, n, idf, acc, nterms, len, 100,
                                         &bm);
}

static void test_proximity(void **state)
{
    (void)state;
    uint32_t t01[] = {0, 1};
    uint32_t near[] = {10, 11}, far[] = {10, 40};
    double s_near = prox(near, t01, 2, 2, 100);
    double s_far = prox(far, t01, 2, 2, 100);
    assert_true(s_near > 0);
    assert_true(s_far > 0 && s_far < s_near);
    /* the order of the occurrences given does not matter */
    uint32_t rev_pos[] = {11, 10}, rev_term[] = {1, 0};
    assert_true(prox(rev_pos, rev_term, 2, 2, 100) == s_near);
    /* one term alone, or repeated, has no proximity */
    uint32_t same[] = {0, 0};
    assert_true(prox(near, same, 2, 2, 100) == 0);
    assert_true(prox(near, t01, 1, 2, 100) == 0);
    assert_true(prox(near, t01, 2, 1, 100) == 0);
    /* a longer passage gets less for the same pair */
    assert_true(prox(near, t01, 2, 2, 400) < s_near);
    /* more pairs close together score more */
    uint32_t three_pos[] = {10, 11, 12}, three_term[] = {0, 1, 2};
    assert_true(prox(three_pos, three_term, 3, 3, 100) > s_near);
}

/* The occurrences of a scan as "term@pos" words, for comparing. */
static char *occ_string(qr_textpos *tp)
{
    static char buf[512];
    size_t n, at = 0;
    qr_occurrence *occ = qr_textpos_occurrences(tp, &n);
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < sizeof buf - 32; i++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%u@%u",
                               i ? " " : "", occ[i].term, occ[i].pos);
    return buf;
}

static void test_text_positions(void **state)
{
    (void)state;
    xc_stem *stem = NULL;
    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    qr_textpos *tp = qr_textpos_new(stem);
    assert_non_null(tp);
    const char *terms[] = {"unit", "cyber", "joint"};
    const char *body = "A joint “Cyber unit”, said Mnuchin; the UNITS joined.";
    const char *title = "Joint cyber units";
    assert_int_equal(qr_textpos_scan(tp, body, strlen(body), title,
                                     strlen(title), terms, 3), 0);
    /* body words from 1 (a=1 joint=2 cyber=3 unit=4 said=5 mnuchin=6
     * the=7 units=8 joined=9); the title after the gap: 9 + gap + 1 */
    char want[128];
    unsigned t0 = 9 + QR_TITLE_POS_GAP + 1;
    snprintf(want, sizeof want, "2@2 1@3 0@4 0@8 2@%u 1@%u 0@%u", t0, t0 + 1,
             t0 + 2);
    assert_string_equal(occ_string(tp), want);
    /* no title, and a scan replaces the last one */
    assert_int_equal(qr_textpos_scan(tp, "cyber", 5, NULL, 0, terms, 3), 0);
    assert_string_equal(occ_string(tp), "1@1");
    assert_int_equal(qr_textpos_scan(tp, NULL, 0, NULL, 0, terms, 3), 0);
    assert_string_equal(occ_string(tp), "");
    qr_textpos_free(tp);
    xc_stem_free(stem);
}

/* Scans text for terms and counts the windows of run (words of terms). */
static size_t windows(const char *text, const char *const *terms, size_t n,
                      const char *const *run, size_t nrun, int ordered,
                      uint32_t window)
{
    xc_stem *stem = NULL;
    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    qr_textpos *tp = qr_textpos_new(stem);
    assert_non_null(tp);
    assert_int_equal(qr_textpos_scan(tp, text, strlen(text), NULL, 0, terms,
                                     n), 0);
    uint32_t ids[8];
    assert_int_equal(qr_textpos_ids(terms, n, run, nrun, ids), 0);
    size_t nocc;
    qr_occurrence *occ = qr_textpos_occurrences(tp, &nocc);
    size_t r = qr_textpos_windows(occ, nocc, ids, nrun, ordered, window, 100);
    qr_textpos_free(tp);
    xc_stem_free(stem);
    return r;
}

static void test_text_windows(void **state)
{
    (void)state;
    const char *t[] = {"oil", "price", "the"};
    const char *oil_price[] = {"oil", "price"};
    const char *price_oil[] = {"price", "oil"};
    /* a phrase: next to each other, in order */
    assert_int_equal(windows("oil prices rose", t, 2, oil_price, 2, 1, 2), 1);
    assert_int_equal(windows("prices of oil", t, 2, oil_price, 2, 1, 2), 0);
    assert_int_equal(windows("oil and prices", t, 2, oil_price, 2, 1, 2), 0);
    /* a wider window lets a word in between */
    assert_int_equal(windows("oil and prices", t, 2, oil_price, 2, 1, 3), 1);
    /* every place counts */
    assert_int_equal(windows("oil price, oil prices, oil", t, 2, oil_price,
                             2, 1, 2), 2);
    /* NEAR: any order */
    assert_int_equal(windows("prices of oil", t, 2, oil_price, 2, 0, 3), 1);
    assert_int_equal(windows("prices of oil", t, 2, price_oil, 2, 1, 3), 1);
    assert_int_equal(windows("prices of much oil", t, 2, oil_price, 2, 0, 3),
                     0);
    /* a word listed twice must occur twice, at two positions */
    const char *the_the[] = {"the", "the"};
    assert_int_equal(windows("the oil", t, 3, the_the, 2, 1, 2), 0);
    assert_int_equal(windows("the the oil", t, 3, the_the, 2, 1, 2), 1);
    assert_int_equal(windows("the oil", t, 3, the_the, 2, 0, 5), 0);
    assert_int_equal(windows("the oil the", t, 3, the_the, 2, 0, 3), 1);
    /* scan and window in one, as phrases are checked */
    xc_stem *stem = NULL;
    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    qr_textpos *tp = qr_textpos_new(stem);
    assert_non_null(tp);
    assert_int_equal(qr_textpos_has_run(tp, "oil prices rose", 15, NULL, 0,
                                        oil_price, 2, 1, 2), 1);
    assert_int_equal(qr_textpos_has_run(tp, "prices of oil", 13, NULL, 0,
                                        oil_price, 2, 1, 2), 0);
    assert_int_equal(qr_textpos_has_run(tp, "prices of oil", 13, NULL, 0,
                                        oil_price, 2, 0, 3), 1);
    /* the title is a field of its own: no run across the gap */
    assert_int_equal(qr_textpos_has_run(tp, "crude oil", 9, "prices", 6,
                                        oil_price, 2, 1, 2), 0);
    assert_int_equal(qr_textpos_has_run(tp, "the the", 7, NULL, 0, the_the,
                                        2, 1, 2), 1);
    qr_textpos_free(tp);
    xc_stem_free(stem);
    /* a word of the run that was not scanned for */
    uint32_t ids[2];
    const char *gas[] = {"oil", "gas"};
    assert_int_equal(qr_textpos_ids(t, 3, gas, 2, ids), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_suggestion_keeps_case),
        cmocka_unit_test(test_bm25_idf),
        cmocka_unit_test(test_bm25_weight),
        cmocka_unit_test(test_proximity),
        cmocka_unit_test(test_text_positions),
        cmocka_unit_test(test_text_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_date.c — qr_date_normalise, and what rd_emit does with the date
 * a reader hands it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "reader_int.h"

static void ok(const char *in, const char *want)
{
    char out[9] = "xxxxxxxx";
    if (qr_date_normalise(in, out) != 0)
        fail_msg("not understood: \"%s\"", in);
    if (strcmp(out, want) != 0)
        fail_msg("\"%s\" -> %s, want %s", in, out, want);
}

static void bad(const char *in)
{
    char out[9];
    if (qr_date_normalise(in, out) == 0)
        fail_msg("accepted: \"%s\" -> %s", in, out);
}

static void test_iso(void **state)
{
    (void)state;
    ok("2017-07-09", "20170709");
    ok("2017-07-09T10:00:00Z", "20170709");
    ok("2017-07-09T23:30:00-05:00", "20170709");
    ok("2017-07-09 10:00", "20170709");
    ok("  2017-7-9  ", "20170709");
    ok("2017/07/09", "20170709");
    ok("2017.07.09", "20170709");
    ok("1999-12-31T23:59:59.999+01:00", "19991231");
}

static void test_compact(void **state)
{
    (void)state;
    ok("20170709", "20170709");
    ok("20170709T101500Z", "20170709");
    bad("201707091");
    bad("2017070");
}

static void test_text_forms(void **state)
{
    (void)state;
    ok("9 July 2017", "20170709");
    ok("09 Jul 2017", "20170709");
    ok("9 jul. 2017", "20170709");
    ok("9-Jul-2017", "20170709");
    ok("9th July, 2017", "20170709");
    ok("Jul 9, 2017", "20170709");
    ok("July 9 2017", "20170709");
    ok("July 9th, 2017", "20170709");
    ok("Sept 1, 2020", "20200901");
    ok("1 DECEMBER 1999", "19991201");
}

static void test_rfc2822(void **state)
{
    (void)state;
    ok("Sun, 09 Jul 2017 10:00:00 +0000", "20170709");
    ok("Mon, 1 Jan 2018 00:00:00 GMT", "20180101");
    ok("Sunday, July 9, 2017", "20170709");
    ok("Tue, 29 Feb 2000 12:00:00 -0800", "20000229");
}

/* A year or a month alone is its first day (date:2023 finds it). */
static void test_year_and_month(void **state)
{
    (void)state;
    ok("2023", "20230101");
    ok(" 2023 ", "20230101");
    ok("2023-05", "20230501");
    ok("2023/5", "20230501");
    ok("May 2023", "20230501");
    ok("Sept. 2023", "20230901");
    ok("december, 1999", "19991201");
    bad("0000");
    bad("2023-13");
    bad("2023-00");
    bad("2023-05-");
    bad("2023 and more");
    bad("202305");
    bad("20235");
    bad("23");
    bad("May 23");
    bad("May 2023 maybe");
    bad("Mayday 2023");
}

static void test_invalid(void **state)
{
    (void)state;
    bad("");
    bad("   ");
    bad("yesterday");
    bad("2017-13-01");
    bad("2017-00-10");
    bad("2017-02-29");          /* not a leap year */
    bad("1900-02-29");          /* not a leap year */
    bad("2017-04-31");
    bad("2017-07-32");
    bad("09/07/2017");          /* ambiguous */
    bad("9 Jul 17");            /* two-digit year */
    bad("32 July 2017");
    bad("9 Juliet 2017");
    bad("0000-01-01");
    bad("2017-07-09x");
    bad("Funday, 9 July 2017");
    bad("99999999999999999999-01-01");
    bad("9 Julyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy 2017");
    ok("2000-02-29", "20000229");
    ok("2016-02-29", "20160229");
    assert_int_equal(qr_date_normalise(NULL, (char[9]){0}), -1);
}

/* ------------------------------------------- rd_emit's date handling */

typedef struct seen {
    char date[9];
    char warning[256];
    int articles, warnings;
} seen;

static int on_article(void *ctx, const qr_article *a)
{
    seen *s = ctx;
    snprintf(s->date, sizeof s->date, "%s", a->date);
    s->articles++;
    return 0;
}

static void on_warning(void *ctx, const char *where, const char *reason)
{
    seen *s = ctx;
    snprintf(s->warning, sizeof s->warning, "%s: %s", where, reason);
    s->warnings++;
}

static seen emit_with_date(const char *date)
{
    seen s = {0};
    qr_read_stats stats = {0};
    rd_ctx rc = {.max_article = 1 << 20, .cb = on_article, .warn = on_warning,
                 .ctx = &s, .stats = &stats};
    qr_article a = {.id = "feed.jsonl#7", .title = "T", .body = "Some text.",
                    .body_len = 10, .url = "", .date = date, .author = ""};
    qr_buf why = {0};
    assert_int_equal(rd_emit(&rc, "feed.jsonl:7", &a, &why), QR_OK);
    qr_buf_free(&why);
    assert_int_equal(s.articles, 1);
    return s;
}

/* A date as written is normalised; one not understood is a warning that
 * names the source and the value, and the article goes without it. */
static void test_emit_normalises_or_warns(void **state)
{
    (void)state;
    seen s = emit_with_date("20170709");
    assert_string_equal(s.date, "20170709");
    assert_int_equal(s.warnings, 0);
    s = emit_with_date("May 2023");
    assert_string_equal(s.date, "20230501");
    assert_int_equal(s.warnings, 0);
    s = emit_with_date("");
    assert_string_equal(s.date, "");
    assert_int_equal(s.warnings, 0);
    s = emit_with_date(" \t\n");                  /* blank: no date, quietly */
    assert_string_equal(s.date, "");
    assert_int_equal(s.warnings, 0);
    s = emit_with_date("the day after\ntomorrow");
    assert_string_equal(s.date, "");
    assert_int_equal(s.warnings, 1);
    assert_string_equal(s.warning, "feed.jsonl:7: date \"the day after tomorrow\" "
                                   "not understood: ignored");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_text_forms),
        cmocka_unit_test(test_rfc2822),
        cmocka_unit_test(test_year_and_month),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_emit_normalises_or_warns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

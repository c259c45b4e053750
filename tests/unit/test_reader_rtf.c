/* test_reader_rtf.c — RTF through unrtf in a child process: text, \info
 * fields, and a converter that is missing, crashes, fails, hangs or
 * floods its output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"

static qr_read_opts in_process(void)
{
    qr_read_opts o = {0};
    o.in_process = 1;
    return o;
}

/* unrtf on PATH, or the test is skipped (scripts/install-deps.sh
 * installs it). */
static void need_unrtf(void)
{
    if (system("command -v unrtf >/dev/null 2>&1") != 0)
        skip();
}

static t_run read_rtf(t_coll *c, const char *name, const char *rtf, const qr_read_opts *opts)
{
    qr_read_opts o = opts ? *opts : in_process();
    return t_read_buf_as(c, name, rtf, strlen(rtf), QR_FMT_RTF, &o);
}

/* One article with this title and body, read without a warning. */
static void check_one(t_coll *c, t_run *r, const char *title, const char *body)
{
    assert_int_equal(r->st, QR_OK);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->nwarn, 0);
    assert_string_equal(c->arts[0].title, title);
    assert_string_equal(c->arts[0].body, body);
    t_run_free(r);
}

static void test_fixture(void **state)
{
    (void)state;
    need_unrtf();
    qr_read_opts o = in_process();
    t_coll c = {0};
    t_run r = t_read_path_as(&c, QUARRY_SOURCE_DIR "/tests/fixtures/mail/report.rtf",
                             "report.rtf", QR_FMT_RTF, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    const t_art *a = &c.arts[0];
    assert_int_equal(a->format, QR_FMT_RTF);
    assert_string_equal(a->id, "report.rtf");
    assert_string_equal(a->title, "Quarterly Caf\xC3\xA9 Report");
    assert_string_equal(a->author, "Jane \xC3\x96stlund");   /* \u214? */
    assert_string_equal(a->date, "20190314");
    /* each \par a paragraph; \'e9 and \u8364 as UTF-8; \info not in the text */
    assert_string_equal(a->body, "The periwinkle semaphore signals the start of the season.\n\n"
                                 "It is visible from the harbour.\n\n"
                                 "Prices: caf\xC3\xA9 \xE2\x82\xAC 3.");
    assert_int_equal(c.nwarn, 0);
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_info_fields(void **state)
{
    (void)state;
    need_unrtf();
    t_coll c = {0};
    /* a code page other than 1252, nested groups and escapes in the title,
     * \uc0 (no fallback character), a creation date that is no date */
    t_run r = read_rtf(&c, "cp.rtf",
                       "{\\rtf1\\ansi\\ansicpg1251{\\info{\\title \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2 "
                       "{\\i world} \\{x\\} \\uc0\\u8212 end}{\\author A\\~B}"
                       "{\\creatim\\yr2021\\mo13\\dy1}}Body text.\\par}", NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].title, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 "
                        "world {x} \xE2\x80\x94" "end");   /* the space ends \u8212 */
    assert_string_equal(c.arts[0].body, "Body text.");
    t_run_free(&r);
    assert_string_equal(c.arts[0].author, "A B");
    assert_string_equal(c.arts[0].date, "");   /* \mo13: a warning */
    t_check_date_warning(&c, "cp.rtf", "2021-13-01");
    t_coll_free(&c);

    /* a year alone is its first day; a day without its month, a warning */
    r = read_rtf(&c, "y.rtf", "{\\rtf1{\\info{\\creatim\\yr2019}}Text.\\par}", NULL);
    check_one(&c, &r, "", "Text.");
    assert_string_equal(c.arts[0].date, "20190101");
    t_coll_free(&c);
    r = read_rtf(&c, "d.rtf", "{\\rtf1{\\info{\\creatim\\yr2019\\dy5}}Text.\\par}", NULL);
    assert_int_equal(r.st, QR_OK);
    t_check_date_warning(&c, "d.rtf", "\\yr2019\\dy5");
    t_run_free(&r);
    t_coll_free(&c);

    /* no \info: no title, the text still read */
    r = read_rtf(&c, "plain.rtf", "{\\rtf1 Just a line.\\par}", NULL);
    check_one(&c, &r, "", "Just a line.");
    t_coll_free(&c);

    /* not RTF at all */
    r = read_rtf(&c, "fake.rtf", "plain words", NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "not an RTF document");
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_not_installed(void **state)
{
    (void)state;
    char *empty = t_mkdtemp();
    char *path = t_dup(getenv("PATH"));
    setenv("PATH", empty, 1);
    unsetenv("QUARRY_UNRTF");
    t_coll c = {0};
    t_run r = read_rtf(&c, "a.rtf", "{\\rtf1 text}", NULL);
    setenv("PATH", path, 1);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "cannot read RTF: unrtf is not installed");
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);
    free(path);
    t_rmdir(empty);
}

/* Runs a.rtf through a fake unrtf (a shell script) and returns the run. */
static t_run with_fake(t_coll *c, const char *script, const qr_read_opts *opts)
{
    char *dir = t_mkdtemp();
    char *prog = t_write_file(dir, "unrtf", script, strlen(script));
    assert_int_equal(chmod(prog, 0755), 0);
    setenv("QUARRY_UNRTF", prog, 1);
    t_run r = read_rtf(c, "a.rtf", "{\\rtf1 text}", opts);
    unsetenv("QUARRY_UNRTF");
    free(prog);
    t_rmdir(dir);
    return r;
}

static void test_converter_failures(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = with_fake(&c, "#!/bin/sh\nkill -SEGV $$\n", NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "cannot read RTF: unrtf crashed (signal 11)");
    t_run_free(&r);

    r = with_fake(&c, "#!/bin/sh\necho oops >&2\nexit 3\n", NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "cannot read RTF: unrtf failed (exit status 3)");
    t_run_free(&r);

    /* it hangs, holding its output open, or after closing it */
    qr_read_opts o = in_process();
    o.extract_seconds = 1;
    r = with_fake(&c, "#!/bin/sh\nexec sleep 30\n", &o);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "cannot read RTF: unrtf took more than 1 s");
    t_run_free(&r);
    r = with_fake(&c, "#!/bin/sh\nexec >&- 2>&-\nsleep 30\n", &o);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "cannot read RTF: unrtf took more than 1 s");
    t_run_free(&r);
    assert_int_equal(c.n, 0);

    /* endless output: cut at max_doc, what came kept */
    o.extract_seconds = 0;
    o.max_article_bytes = 1000;
    r = with_fake(&c, "#!/bin/sh\nexec yes '<p>flood</p>'\n", &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_true(strncmp(c.arts[0].body, "flood\n\nflood", 12) == 0);
    assert_true(t_find_warning(&c, "a.rtf", "unrtf's output cut at 4000 bytes") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_info_fields),
        cmocka_unit_test(test_not_installed),
        cmocka_unit_test(test_converter_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

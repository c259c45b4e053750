/* test_reader_jsonl.c — the JSON Lines reader (jansson), streaming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"

#define LIT(s) s, sizeof(s) - 1

static void test_fields(void **state)
{
    (void)state;
    t_coll c = {0};
    const char in[] =
        "{\"id\":\"a1\",\"title\":\"Alpha\",\"text\":\"Alpha body.\\n\\nPara two.\","
        "\"url\":\"http://x/a\",\"date\":\"2017-07-09T10:00:00Z\",\"author\":\"Ann\"}\n"
        "{\"id\":42,\"title\":null,\"body\":\"from body\",\"author\":[\"Ann\",\"Bob\"],"
        "\"date\":\"someday\",\"extra\":{\"ignored\":[1,2,3]}}\n"
        "{\"id\":\"c3\",\"contents\":\"from contents\",\"date\":20170709}\n"
        "{\"id\":\"d4\",\"title\":\"Title only\"}\n"
        "{\"id\":\"e5\",\"text\":\"text wins\",\"body\":\"not this\"}";  /* no final \n */
    t_run r = t_read_buf(&c, "feed.jsonl", LIT(in), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.nwarn, 1);                /* line 2's date */
    assert_string_equal(c.warn_where[0], "feed.jsonl:2");
    assert_int_equal(c.n, 5);
    const t_art *a = t_find_article(&c, "a1");
    assert_non_null(a);
    assert_string_equal(a->title, "Alpha");
    assert_string_equal(a->body, "Alpha body.\n\nPara two.");
    assert_string_equal(a->url, "http://x/a");
    assert_string_equal(a->date, "20170709");
    assert_string_equal(a->author, "Ann");
    assert_int_equal(a->format, QR_FMT_JSONL);
    a = t_find_article(&c, "42");
    assert_non_null(a);
    assert_string_equal(a->title, "");
    assert_string_equal(a->body, "from body");
    assert_string_equal(a->author, "Ann, Bob");
    assert_string_equal(a->date, "");            /* not understood: a warning */
    a = t_find_article(&c, "c3");
    assert_string_equal(a->body, "from contents");
    assert_string_equal(a->date, "20170709");    /* a number, read as its digits */
    a = t_find_article(&c, "d4");
    assert_string_equal(a->title, "Title only");
    assert_string_equal(a->body, "");
    a = t_find_article(&c, "e5");
    assert_string_equal(a->body, "text wins");
    t_run_free(&r);
    t_coll_free(&c);
}

/* Dates are handed to rd_emit as written: a year is its first day, a
 * number is read as its digits, and one not understood is a warning
 * naming the line and the value, the article kept without it. */
static void test_dates(void **state)
{
    (void)state;
    t_coll c = {0};
    const char in[] =
        "{\"id\":\"y\",\"text\":\"a year\",\"date\":\"2023\"}\n"
        "{\"id\":\"n\",\"text\":\"no date\",\"date\":\"not a date\"}\n"
        "{\"id\":\"i\",\"text\":\"a number\",\"date\":2023}\n"
        "{\"id\":\"r\",\"text\":\"a real\",\"date\":2023.5}\n"
        "{\"id\":\"m\",\"text\":\"a month\",\"date\":\"May 2023\"}\n"
        "{\"id\":\"z\",\"text\":\"null\",\"date\":null}\n"
        "{\"id\":\"b\",\"text\":\"a boolean\",\"date\":true}\n";
    t_run r = t_read_buf(&c, "dates.jsonl", LIT(in), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 6);
    assert_string_equal(t_find_article(&c, "y")->date, "20230101");
    assert_string_equal(t_find_article(&c, "n")->date, "");
    assert_string_equal(t_find_article(&c, "i")->date, "20230101");
    assert_string_equal(t_find_article(&c, "r")->date, "");
    assert_string_equal(t_find_article(&c, "m")->date, "20230501");
    assert_string_equal(t_find_article(&c, "z")->date, "");
    assert_null(t_find_article(&c, "b"));          /* a wrong type: line skipped */
    assert_int_equal(c.nwarn, 3);
    assert_string_equal(c.warn_where[0], "dates.jsonl:2");
    assert_string_equal(c.warn_reason[0],
                        "date \"not a date\" not understood: ignored");
    assert_string_equal(c.warn_where[1], "dates.jsonl:4");
    assert_non_null(strstr(c.warn_reason[1], "\"2023.5\" not understood"));
    assert_string_equal(c.warn_where[2], "dates.jsonl:7");
    assert_non_null(strstr(c.warn_reason[2], "\"date\" is not a string or a number"));
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_malformed_mixed_with_good(void **state)
{
    (void)state;
    t_coll c = {0};
    const char in[] =
        "{\"id\":\"good1\",\"text\":\"one\"}\n"             /* 1 */
        "{\"id\":\"bad\",\"text\":\"unterminated}\n"         /* 2 */
        "\n"                                                 /* 3 blank */
        "   \t \r\n"                                         /* 4 blank */
        "[1,2,3]\n"                                          /* 5 not an object */
        "{\"title\":\"no id\",\"text\":\"x\"}\n"             /* 6 */
        "{\"id\":\"t\",\"title\":5,\"text\":\"x\"}\n"        /* 7 */
        "{\"id\":\"good2\",\"text\":\"two\"}\r\n"            /* 8 CRLF */
        "{\"id\":1.5,\"text\":\"x\"}\n"                      /* 9 */
        "{\"id\":\"u\",\"text\":[\"x\"]}\n"                  /* 10 */
        "{\"id\":\"v\",\"author\":[\"a\",3]}\n"              /* 11 */
        "{\"id\":\"w\",\"url\":{}}\n"                        /* 12 */
        "{\"id\":\"\",\"text\":\"x\"}\n"                     /* 13 */
        "{\"id\":\"x\",\"text\":\"bad \xFF utf8\"}\n"        /* 14 */
        "{\"id\":\"y\",\"text\":\"nul \\u0000 char\"}\n"     /* 15 */
        "{\"id\":\"z\",\"text\":\"x\"} trailing\n"           /* 16 */
        "{\"id\":\"d\",\"date\":[2017]}\n"                   /* 17 */
        "\"just a string\"\n"                                /* 18 */
        "{\"id\":\"good3\",\"text\":\"three\"}\n";           /* 19 */
    t_run r = t_read_buf(&c, "mix.jsonl", LIT(in), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 3);
    assert_non_null(t_find_article(&c, "good1"));
    assert_non_null(t_find_article(&c, "good2"));
    assert_non_null(t_find_article(&c, "good3"));
    static const char *const bad_lines[] = {"mix.jsonl:2", "mix.jsonl:5", "mix.jsonl:6",
                                            "mix.jsonl:7", "mix.jsonl:9", "mix.jsonl:10",
                                            "mix.jsonl:11", "mix.jsonl:12", "mix.jsonl:13",
                                            "mix.jsonl:14", "mix.jsonl:15", "mix.jsonl:16",
                                            "mix.jsonl:17", "mix.jsonl:18"};
    size_t nb = sizeof bad_lines / sizeof bad_lines[0];
    assert_int_equal(c.nwarn, nb);
    for (size_t i = 0; i < nb; i++)
        assert_string_equal(c.warn_where[i], bad_lines[i]);
    assert_non_null(strstr(c.warn_reason[0], "invalid JSON"));
    assert_non_null(strstr(c.warn_reason[1], "not a JSON object"));
    assert_non_null(strstr(c.warn_reason[2], "no \"id\""));
    assert_non_null(strstr(c.warn_reason[3], "\"title\""));
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_cleaning(void **state)
{
    (void)state;
    t_coll c = {0};
    const char in[] =
        "\xEF\xBB\xBF{\"id\":\"line\\nbreak\",\"title\":\"  a\\tb\\u0001c \\n d  \","
        "\"text\":\"x\\u0007y\\r\\nz\",\"author\":\"\\u00e9\\u20ac\"}\n";
    t_run r = t_read_buf(&c, "clean.jsonl", LIT(in), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].id, "line\\nbreak");
    assert_string_equal(c.arts[0].title, "a b c d");
    assert_string_equal(c.arts[0].body, "x y\nz");
    assert_string_equal(c.arts[0].author, "\xC3\xA9\xE2\x82\xAC");
    t_run_free(&r);
    t_coll_free(&c);

    /* UTF-16 JSON Lines are refused as a whole */
    r = t_read_buf(&c, "u16.jsonl", LIT("\xFF\xFE{\0\"\0i\0d\0\"\0:\0\"\0x\0\"\0}\0\n\0"), NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "UTF-8"));
    t_run_free(&r);
    t_coll_free(&c);

    /* empty and blank-only files: nothing, quietly */
    r = t_read_buf(&c, "empty.jsonl", "", 0, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n + c.nwarn, 0);
    t_run_free(&r);
    r = t_read_buf(&c, "blank.jsonl", LIT("\n\n  \n"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n + c.nwarn, 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* binary: refused whole, unless it starts as JSON (then the lines
     * holding the binary bytes are malformed lines) */
    r = t_read_buf(&c, "bin.jsonl", LIT("\0\0\0\0{\"id\":1}\n"), NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "binary file");
    t_run_free(&r);
    t_coll_free(&c);
    r = t_read_buf(&c, "bin.jsonl", LIT("{\"id\":\0\0\0\0}\n"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.nwarn, 1);
    t_run_free(&r);
    t_coll_free(&c);
}

/* Regression: a line with NUL bytes in the first 8 KiB made the whole file
 * "binary", and the good lines around it were lost (quarry-index - with one
 * such line skipped all of standard input). */
static void test_binary_line_among_good(void **state)
{
    (void)state;
    t_coll c = {0};
    const char in[] =
        "{\"id\":\"s1\",\"text\":\"one\"}\n"
        "\0\1\2 binary line \0\n"
        "{\"id\":\"s3\",\"text\":\"three\"}\n";
    t_run r = t_read_buf(&c, "feed.jsonl", LIT(in), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 2);
    assert_non_null(t_find_article(&c, "s1"));
    assert_non_null(t_find_article(&c, "s3"));
    assert_true(t_find_warning(&c, "feed.jsonl:2", "invalid JSON") >= 0);
    assert_int_equal(c.nwarn, 1);
    t_run_free(&r);
    t_coll_free(&c);
}

/* Regression: every malformed line was a warning, which the indexer keeps
 * for its summary: 1M bad lines (9 MB) took 30 s and 300 MB. At most
 * QR_MAX_WARNINGS are reported per source, then one with the count. */
static void test_warnings_capped(void **state)
{
    (void)state;
    t_bytes b = {0};
    t_puts(&b, "{\"id\":\"first\",\"text\":\"a\"}\n");
    for (int i = 0; i < 5000; i++)
        t_puts(&b, "not json\n");
    t_puts(&b, "{\"id\":\"last\",\"text\":\"z\"}\n");
    t_coll c = {0};
    t_run r = t_read_buf(&c, "bad.jsonl", b.p, b.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.nwarn, QR_MAX_WARNINGS + 1);
    assert_int_equal(r.stats.warnings, 5000);
    assert_string_equal(c.warn_where[QR_MAX_WARNINGS], "bad.jsonl");
    assert_string_equal(c.warn_reason[QR_MAX_WARNINGS],
                        "4900 more warnings not shown (at most 100 per source)");
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

static void test_long_lines(void **state)
{
    (void)state;
    /* a 300 KB line over a 100 KB limit, spanning several read chunks */
    t_bytes b = {0};
    t_puts(&b, "{\"id\":\"before\",\"text\":\"b\"}\n{\"id\":\"long\",\"text\":\"");
    for (int i = 0; i < 30000; i++)
        t_puts(&b, "0123456789");
    t_puts(&b, "\"}\n{\"id\":\"after\",\"text\":\"a\"}\n");
    /* and the same at the very end, without a newline */
    t_puts(&b, "{\"id\":\"long2\",\"text\":\"");
    for (int i = 0; i < 30000; i++)
        t_puts(&b, "0123456789");
    t_coll c = {0};
    qr_read_opts o = {.max_line_bytes = 100000};
    t_run r = t_read_buf(&c, "long.jsonl", b.p, b.n, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 2);
    assert_non_null(t_find_article(&c, "before"));
    assert_non_null(t_find_article(&c, "after"));
    assert_int_equal(c.nwarn, 2);
    assert_string_equal(c.warn_where[0], "long.jsonl:2");
    assert_non_null(strstr(c.warn_reason[0], "max_line_bytes"));
    assert_string_equal(c.warn_where[1], "long.jsonl:4");
    t_run_free(&r);
    t_coll_free(&c);

    /* with the default limit the long line is an article */
    r = t_read_buf(&c, "long.jsonl", b.p, b.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(t_find_article(&c, "long")->body_len, 300000);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

static void test_huge_values(void **state)
{
    (void)state;
    /* a 5 MB string value; with a 1 MB article limit it is truncated */
    t_bytes b = {0};
    t_puts(&b, "{\"id\":\"huge\",\"title\":\"");
    for (int i = 0; i < 100000; i++)
        t_puts(&b, "title ");
    t_puts(&b, "\",\"text\":\"");
    for (int i = 0; i < 500000; i++)
        t_puts(&b, "Sentence. ");
    t_puts(&b, "\"}\n");
    t_coll c = {0};
    qr_read_opts o = {.max_article_bytes = 1u << 20};
    t_run r = t_read_buf(&c, "huge.jsonl", b.p, b.n, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.arts[0].body_len <= (1u << 20));
    assert_true(c.arts[0].body_len > (1u << 19));
    assert_int_equal(c.arts[0].body[c.arts[0].body_len - 1], '.');
    assert_true(strlen(c.arts[0].title) <= 4096);
    assert_true(t_find_warning(&c, "huge.jsonl:1", "truncated") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 100000;
    t_bytes b = {0};
    t_puts(&b, "{\"id\":\"ok1\",\"text\":\"x\"}\n");
    for (size_t i = 0; i < depth; i++)
        t_puts(&b, "[");
    t_puts(&b, "\n{\"id\":\"deep\",\"text\":\"x\",\"extra\":");
    for (size_t i = 0; i < depth; i++)
        t_puts(&b, "{\"a\":");
    t_puts(&b, "1");
    for (size_t i = 0; i < depth; i++)
        t_puts(&b, "}");
    t_puts(&b, "}\n{\"id\":\"n\",\"x\":");
    for (size_t i = 0; i < 2000; i++)
        t_puts(&b, "[");
    for (size_t i = 0; i < 2000; i++)
        t_puts(&b, "]");
    t_puts(&b, ",\"text\":\"within the depth limit\"}\n{\"id\":\"ok2\",\"text\":\"y\"}\n");
    t_coll c = {0};
    t_run r = t_read_buf(&c, "deep.jsonl", b.p, b.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_non_null(t_find_article(&c, "ok1"));
    assert_non_null(t_find_article(&c, "ok2"));
    assert_non_null(t_find_article(&c, "n"));
    assert_null(t_find_article(&c, "deep"));
    assert_true(t_find_warning(&c, "deep.jsonl:2", "invalid JSON") >= 0);
    assert_true(t_find_warning(&c, "deep.jsonl:3", "invalid JSON") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

/* Lines "{"id":"N","text":"..."}" for N in [0, n). */
static t_bytes lines(size_t n)
{
    t_bytes b = {0};
    char line[128];
    for (size_t i = 0; i < n; i++) {
        snprintf(line, sizeof line, "{\"id\":\"%zu\",\"text\":\"article number %zu\"}\n", i, i);
        t_puts(&b, line);
    }
    return b;
}

static void test_gzip_stream(void **state)
{
    (void)state;
    t_bytes plain = lines(20000);
    t_bytes gz = t_gzip(plain.p, plain.n);
    t_coll c = {0};
    t_run r = t_read_buf(&c, "f.jsonl.gz", gz.p, gz.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 20000);
    assert_int_equal(r.stats.bytes_in, gz.n);
    t_run_free(&r);
    t_coll_free(&c);

    /* truncated: the complete lines before the cut are kept, with a warning */
    r = t_read_buf(&c, "f.jsonl.gz", gz.p, gz.n / 2, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_true(c.n > 100 && c.n < 20000);
    for (size_t i = 0; i < c.n; i++) {
        char want[32];
        snprintf(want, sizeof want, "%zu", i);
        assert_string_equal(c.arts[i].id, want);
    }
    assert_true(t_find_warning(&c, "f.jsonl.gz", "truncated") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* corrupt in the middle: same */
    t_bytes bad = {0};
    t_put(&bad, gz.p, gz.n);
    for (size_t i = bad.n / 2; i < bad.n / 2 + 32; i++)
        bad.p[i] = (unsigned char)~bad.p[i];
    r = t_read_buf(&c, "f.jsonl.gz", bad.p, bad.n, NULL);
    assert_true(r.st == QR_OK || r.st == QR_ERR_FORMAT);
    assert_true(c.n < 20000);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&bad);
    t_bytes_free(&gz);
    t_bytes_free(&plain);
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    /* about 512 MiB of JSON lines in a small file: max_source_bytes stops it */
    const char *line = "{\"id\":\"same\",\"text\":\"all work and no play makes jack a dull boy\"}\n";
    t_bytes bomb = t_gzip_repeat(line, strlen(line), (size_t)512 << 20);
    assert_true(bomb.n < (4u << 20));
    t_coll c = {0};
    qr_read_opts o = {.max_source_bytes = 4u << 20};
    t_run r = t_read_buf(&c, "bomb.jsonl.gz", bomb.p, bomb.n, &o);
    assert_int_equal(r.st, QR_ERR_TOO_BIG);
    assert_non_null(strstr(r.reason, "max_source_bytes"));
    assert_true(c.n > 1000);
    assert_true(c.n < ((4u << 20) / strlen(line)) + 2);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&bomb);
}

static void test_stdin_and_files(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    t_bytes plain = lines(500);
    t_bytes gz = t_gzip(plain.p, plain.n);
    char *p = t_write_file(dir, "in.jsonl.gz", gz.p, gz.n);
    t_coll c = {0};
    t_run r = t_read_path(&c, p, NULL, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 500);
    t_run_free(&r);
    t_coll_free(&c);

    /* standard input is JSON Lines, gzip'd or not, whatever its name */
    char *q = t_write_file(dir, "stdin.txt", plain.p, plain.n);
    int saved = dup(0);
    assert_true(saved >= 0);
    int fd = open(q, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(dup2(fd, 0) >= 0);
    close(fd);
    r = t_read_path(&c, "-", NULL, NULL);
    assert_true(dup2(saved, 0) >= 0);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 500);
    t_run_free(&r);
    t_coll_free(&c);

    fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(dup2(fd, 0) >= 0);
    close(fd);
    r = t_read_path(&c, "-", NULL, NULL);
    assert_true(dup2(saved, 0) >= 0);
    close(saved);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 500);
    t_run_free(&r);
    t_coll_free(&c);

    /* warnings from stdin say so */
    char *w = t_write_file(dir, "w.jsonl", LIT("{\"id\":\"a\"}\nnot json\n"));
    saved = dup(0);
    fd = open(w, O_RDONLY);
    assert_true(fd >= 0 && saved >= 0);
    assert_true(dup2(fd, 0) >= 0);
    close(fd);
    r = t_read_path(&c, "-", NULL, NULL);
    assert_true(dup2(saved, 0) >= 0);
    close(saved);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.nwarn, 2);   /* "a" has no text, line 2 is not JSON */
    assert_string_equal(c.warn_where[1], "<stdin>:2");
    t_run_free(&r);
    t_coll_free(&c);

    free(p);
    free(q);
    free(w);
    t_bytes_free(&plain);
    t_bytes_free(&gz);
    t_rmdir(dir);
}

static void test_stop(void **state)
{
    (void)state;
    t_bytes plain = lines(100);
    t_coll c = {.stop_after = 3};
    t_run r = t_read_buf(&c, "s.jsonl", plain.p, plain.n, NULL);
    assert_int_equal(r.st, QR_ERR_STOPPED);
    assert_int_equal(c.n, 3);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_malformed_mixed_with_good),
        cmocka_unit_test(test_cleaning),
        cmocka_unit_test(test_binary_line_among_good),
        cmocka_unit_test(test_warnings_capped),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_huge_values),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_gzip_stream),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_stdin_and_files),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_reader_text.c — format detection, the stream layer (files, gzip,
 * limits) and the plain text and Markdown readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"

#define LIT(s) s, sizeof(s) - 1

/* ------------------------------------------------------------ names */

static void test_format_from_name(void **state)
{
    (void)state;
    int gz = -1;
    assert_int_equal(qr_format_from_name("a.txt", &gz), QR_FMT_TEXT);
    assert_int_equal(gz, 0);
    assert_int_equal(qr_format_from_name("dir.d/A.TEXT", &gz), QR_FMT_TEXT);
    assert_int_equal(qr_format_from_name("notes.md", &gz), QR_FMT_MARKDOWN);
    assert_int_equal(qr_format_from_name("x.markdown", &gz), QR_FMT_MARKDOWN);
    assert_int_equal(qr_format_from_name("p.html", &gz), QR_FMT_HTML);
    assert_int_equal(qr_format_from_name("p.HTM", &gz), QR_FMT_HTML);
    assert_int_equal(qr_format_from_name("p.xhtml", &gz), QR_FMT_HTML);
    assert_int_equal(qr_format_from_name("f.jsonl", &gz), QR_FMT_JSONL);
    assert_int_equal(qr_format_from_name("f.ndjson", &gz), QR_FMT_JSONL);
    assert_int_equal(qr_format_from_name("f.json", &gz), QR_FMT_JSONL);
    assert_int_equal(qr_format_from_name("f.jsonl.gz", &gz), QR_FMT_JSONL);
    assert_int_equal(gz, 1);
    assert_int_equal(qr_format_from_name("a.tar", &gz), QR_FMT_TAR);
    assert_int_equal(gz, 0);
    assert_int_equal(qr_format_from_name("a.tar.gz", &gz), QR_FMT_TAR);
    assert_int_equal(gz, 1);
    assert_int_equal(qr_format_from_name("a.tgz", &gz), QR_FMT_TAR);
    assert_int_equal(gz, 1);
    assert_int_equal(qr_format_from_name("a.zip", NULL), QR_FMT_TAR);
    assert_int_equal(qr_format_from_name("README", &gz), QR_FMT_UNKNOWN);
    assert_int_equal(gz, 0);
    assert_int_equal(qr_format_from_name("x.gz", &gz), QR_FMT_UNKNOWN);
    assert_int_equal(gz, 1);
    assert_int_equal(qr_format_from_name(".txt", &gz), QR_FMT_UNKNOWN);
    assert_int_equal(qr_format_from_name("a.png", &gz), QR_FMT_UNKNOWN);
    assert_int_equal(qr_format_from_name("txt.d/file", &gz), QR_FMT_UNKNOWN);
    assert_int_equal(qr_format_from_name(NULL, &gz), QR_FMT_UNKNOWN);
    assert_string_equal(qr_format_name(QR_FMT_TEXT), "text");
    assert_string_equal(qr_format_name(QR_FMT_MARKDOWN), "markdown");
    assert_string_equal(qr_format_name(QR_FMT_HTML), "html");
    assert_string_equal(qr_format_name(QR_FMT_JSONL), "jsonl");
    assert_string_equal(qr_format_name(QR_FMT_TAR), "tar");
    assert_string_equal(qr_format_name(QR_FMT_UNKNOWN), "unknown");
    assert_string_equal(qr_format_name((qr_format)99), "unknown");
}

static void test_name_is_indexable(void **state)
{
    (void)state;
    assert_true(qr_name_is_indexable("a.txt"));
    assert_true(qr_name_is_indexable("d/a.md.gz"));
    assert_true(qr_name_is_indexable("README"));
    assert_true(qr_name_is_indexable("notes.gz"));
    assert_true(qr_name_is_indexable("x.tgz"));
    assert_false(qr_name_is_indexable("photo.jpg"));
    assert_false(qr_name_is_indexable("photo.jpg.gz"));
    assert_false(qr_name_is_indexable("prog.o"));
    assert_false(qr_name_is_indexable(""));
    assert_false(qr_name_is_indexable(NULL));
}

/* ------------------------------------------------------------ plain text */

static void test_plain_text(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = t_read_buf(&c, "doc.txt", LIT("\n\n  The Title  \n\nFirst paragraph\nstill first.\n\n\n"
                                            "Second paragraph.   \n   \nThird.\n"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].id, "doc.txt");
    assert_string_equal(c.arts[0].title, "The Title");
    assert_string_equal(c.arts[0].body,
                        "First paragraph\nstill first.\n\nSecond paragraph.\n\nThird.");
    assert_int_equal(c.arts[0].format, QR_FMT_TEXT);
    assert_string_equal(c.arts[0].url, "");
    assert_string_equal(c.arts[0].date, "");
    assert_int_equal(c.nwarn, 0);
    assert_true(r.stats.bytes_in > 0);
    assert_int_equal(r.stats.bytes_text, c.arts[0].body_len);
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_single_line_and_long_first_line(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = t_read_buf(&c, "one.txt", LIT("just one line\n"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].title, "just one line");
    assert_string_equal(c.arts[0].body, "just one line");
    t_run_free(&r);
    t_coll_free(&c);

    /* a first line too long to be a title stays in the body */
    t_bytes b = {0};
    for (int i = 0; i < 60; i++)
        t_puts(&b, "word ");
    t_puts(&b, "\n\nnext");
    r = t_read_buf(&c, "long.txt", b.p, b.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_true(strlen(c.arts[0].title) <= 110);
    assert_non_null(strstr(c.arts[0].title, "\xE2\x80\xA6"));
    assert_int_equal(strncmp(c.arts[0].body, "word word", 9), 0);
    assert_non_null(strstr(c.arts[0].body, "\n\nnext"));
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

static void test_empty_and_blank(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = t_read_buf(&c, "empty.txt", "", 0, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 0);
    assert_true(t_find_warning(&c, "empty.txt", "no text") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    r = t_read_buf(&c, "blank.txt", LIT(" \n\t\n\r\n  "), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_binary_refused(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = t_read_buf(&c, "bin.txt", LIT("ELF\0\0\0\x01\x02 some text"), NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "unsupported format: application/octet-stream");
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    /* no name hint either */
    r = t_read_buf(&c, "blob", LIT("\x7F" "ELF\x02\x01\x01\0\0\0\0"), NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_encodings(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = t_read_buf(&c, "l1.txt", LIT("Caf\xE9\n\nCr\xE8me br\xFBl\xE9" "e.\n"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].title, "Caf\xC3\xA9");
    assert_string_equal(c.arts[0].body, "Cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e.");
    t_run_free(&r);
    t_coll_free(&c);

    r = t_read_buf(&c, "u16le.txt", LIT("\xFF\xFE" "T\0i\0\n\0\n\0b\0\xE9\0"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].title, "Ti");
    assert_string_equal(c.arts[0].body, "b\xC3\xA9");
    t_run_free(&r);
    t_coll_free(&c);

    r = t_read_buf(&c, "u16be.txt", LIT("\xFE\xFF" "\0T\0i\0\r\0\n\0\r\0\n\0b\0\xE9"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].title, "Ti");
    assert_string_equal(c.arts[0].body, "b\xC3\xA9");
    t_run_free(&r);
    t_coll_free(&c);

    /* invalid and overlong UTF-8 come out valid (the collector checks) */
    r = t_read_buf(&c, "bad.txt", LIT("T\xC0\xAF\n\nbody \xED\xA0\x80 \xF4\x90\x80\x80 \xE2\x82"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_very_long_line(void **state)
{
    (void)state;
    size_t n = 5u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (i % 7 == 6) ? ' ' : 'a' + (char)(i % 26);
    t_coll c = {0};
    t_run r = t_read_buf(&c, "line.txt", big, n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.arts[0].body_len > n - 10);
    assert_true(strlen(c.arts[0].title) < 200);
    t_run_free(&r);
    t_coll_free(&c);

    /* with a 2 MiB article limit: truncated at a space, with a warning */
    qr_read_opts o = {.max_article_bytes = 2u << 20};
    r = t_read_buf(&c, "line.txt", big, n, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.arts[0].body_len <= (2u << 20));
    assert_true(c.arts[0].body_len > (1u << 20));
    assert_int_equal(c.arts[0].body[c.arts[0].body_len - 1] != ' ', 1);
    assert_true(t_find_warning(&c, "line.txt", "truncated") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* larger than 4 x the limit: the source is refused */
    o.max_article_bytes = 1u << 18;
    r = t_read_buf(&c, "line.txt", big, n, &o);
    assert_int_equal(r.st, QR_ERR_TOO_BIG);
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);
    free(big);
}

static void test_truncation_at_boundaries(void **state)
{
    (void)state;
    t_coll c = {0};
    qr_read_opts o = {.max_article_bytes = 100};
    /* a paragraph break in the second half of the limit */
    t_bytes b = {0};
    t_puts(&b, "Title\n\n");
    t_puts(&b, "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu.\n\n");
    t_puts(&b, "Second paragraph goes past the limit and must not be cut in the middle of it.");
    t_run r = t_read_buf(&c, "p.txt", b.p, b.n, &o);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].body,
                        "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu.");
    assert_int_equal(t_find_warning(&c, "p.txt", "max_article_bytes"), 0);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);

    /* no paragraph break: a sentence end */
    t_puts(&b, "Title\n\n");
    t_puts(&b, "One sentence here that is reasonably long. Another sentence follows it! "
               "And a third one runs on and on past the limit of bytes");
    r = t_read_buf(&c, "s.txt", b.p, b.n, &o);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].body,
                        "One sentence here that is reasonably long. Another sentence follows it!");
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);

    /* one giant multi-byte word: cut on a character boundary */
    t_puts(&b, "T\n\n");
    for (int i = 0; i < 100; i++)
        t_puts(&b, "\xE2\x82\xAC");
    r = t_read_buf(&c, "w.txt", b.p, b.n, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.arts[0].body_len, 99);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

/* ------------------------------------------------------------ gzip */

static void test_gzip(void **state)
{
    (void)state;
    const char *text = "Gz title\n\nGz body text.";
    t_bytes gz = t_gzip(text, strlen(text));
    t_coll c = {0};
    t_run r = t_read_buf(&c, "g.txt.gz", gz.p, gz.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].id, "g.txt.gz");
    assert_string_equal(c.arts[0].title, "Gz title");
    assert_string_equal(c.arts[0].body, "Gz body text.");
    assert_int_equal(r.stats.bytes_in, gz.n);
    t_run_free(&r);
    t_coll_free(&c);

    /* multi-member: two gzip streams back to back */
    t_bytes two = {0};
    t_bytes g1 = t_gzip("Multi\n\nfirst half ", 18);
    t_bytes g2 = t_gzip("second half", 11);
    t_put(&two, g1.p, g1.n);
    t_put(&two, g2.p, g2.n);
    r = t_read_buf(&c, "m.txt.gz", two.p, two.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].body, "first half second half");
    t_run_free(&r);
    t_coll_free(&c);

    /* trailing garbage: kept what decoded, with a warning */
    t_put(&two, "JUNK", 4);
    r = t_read_buf(&c, "m.txt.gz", two.p, two.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].body, "first half second half");
    assert_true(t_find_warning(&c, NULL, "trailing garbage") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* gzip without a name hint: content says gzip, then text */
    r = t_read_buf(&c, "noext", gz.p, gz.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].title, "Gz title");
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&gz);
    t_bytes_free(&two);
    t_bytes_free(&g1);
    t_bytes_free(&g2);
}

static void test_gzip_damaged(void **state)
{
    (void)state;
    t_bytes text = {0};
    t_puts(&text, "Damaged\n\n");
    for (int i = 0; i < 4000; i++)
        t_puts(&text, "line of text number something quite varied ");
    t_bytes gz = t_gzip(text.p, text.n);
    t_coll c = {0};

    /* truncated: what decoded is kept, with a warning */
    t_run r = t_read_buf(&c, "t.txt.gz", gz.p, gz.n / 2, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].title, "Damaged");
    assert_true(c.arts[0].body_len > 0 && c.arts[0].body_len < text.n);
    assert_true(t_find_warning(&c, "t.txt.gz", "truncated") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* truncated inside the header: nothing decoded, the source fails */
    r = t_read_buf(&c, "h.txt.gz", gz.p, 5, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "gzip"));
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* corrupt deflate data in the middle */
    t_bytes bad = {0};
    t_put(&bad, gz.p, gz.n);
    for (size_t i = bad.n / 3; i < bad.n / 3 + 64; i++)
        bad.p[i] ^= 0x5A;
    r = t_read_buf(&c, "c.txt.gz", bad.p, bad.n, NULL);
    assert_true(r.st == QR_OK || r.st == QR_ERR_FORMAT);
    if (r.st == QR_OK)
        assert_true(t_find_warning(&c, NULL, "gzip") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* corrupt header (bad method byte) */
    bad.n = 0;
    t_put(&bad, gz.p, gz.n);
    bad.p[2] = 0x07;
    r = t_read_buf(&c, "x.txt.gz", bad.p, bad.n, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "gzip"));
    t_run_free(&r);
    t_coll_free(&c);

    /* bad CRC in the trailer: zlib reports it at the end */
    bad.n = 0;
    t_put(&bad, gz.p, gz.n);
    bad.p[bad.n - 6] ^= 0xFF;
    r = t_read_buf(&c, "crc.txt.gz", bad.p, bad.n, NULL);
    assert_true(r.st == QR_OK || r.st == QR_ERR_FORMAT);
    t_run_free(&r);
    t_coll_free(&c);

    /* random garbage after a gzip magic */
    bad.n = 0;
    t_put(&bad, "\x1F\x8B", 2);
    unsigned seed = 7;
    for (int i = 0; i < 5000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned char byte = (unsigned char)(seed >> 16);
        t_put(&bad, &byte, 1);
    }
    r = t_read_buf(&c, "rnd.gz", bad.p, bad.n, NULL);
    assert_true(r.st == QR_ERR_FORMAT || r.st == QR_OK);
    t_run_free(&r);
    t_coll_free(&c);

    t_bytes_free(&bad);
    t_bytes_free(&gz);
    t_bytes_free(&text);
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    /* 256 MiB of text in about 250 KiB */
    t_bytes bomb = t_gzip_repeat("all work and no play ", 21, (size_t)256 << 20);
    assert_true(bomb.n < (1u << 20));
    t_coll c = {0};
    qr_read_opts o = {.max_source_bytes = 8u << 20};
    t_run r = t_read_buf(&c, "bomb.txt.gz", bomb.p, bomb.n, &o);
    assert_int_equal(r.st, QR_ERR_TOO_BIG);
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    /* default limits: the document limit (4 x 32 MiB) stops it */
    r = t_read_buf(&c, "bomb.txt.gz", bomb.p, bomb.n, NULL);
    assert_int_equal(r.st, QR_ERR_TOO_BIG);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&bomb);

    /* zeros: detected as binary long before any limit */
    bomb = t_gzip_repeat("\0", 1, 64u << 20);
    r = t_read_buf(&c, "zeros.txt.gz", bomb.p, bomb.n, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "unsupported format: application/octet-stream");
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&bomb);
}

/* ------------------------------------------------------------ files */

static void test_files(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char *p = t_write_file(dir, "a.txt", LIT("File title\n\nFile body.\n"));
    t_coll c = {0};
    t_run r = t_read_path(&c, p, NULL, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].id, p);
    assert_string_equal(c.arts[0].body, "File body.");
    assert_int_equal(r.stats.bytes_in, 23);
    t_run_free(&r);
    t_coll_free(&c);

    r = t_read_path(&c, p, "given/id.txt", NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(c.arts[0].id, "given/id.txt");
    t_run_free(&r);
    t_coll_free(&c);

    /* missing file, directory */
    char missing[512];
    snprintf(missing, sizeof missing, "%s/nope.txt", dir);
    r = t_read_path(&c, missing, NULL, NULL);
    assert_int_equal(r.st, QR_ERR_IO);
    assert_non_null(strstr(r.reason, "No such file"));
    t_run_free(&r);
    r = t_read_path(&c, dir, NULL, NULL);
    assert_int_equal(r.st, QR_ERR_IO);
    t_run_free(&r);
    r = t_read_path(&c, "", NULL, NULL);
    assert_int_equal(r.st, QR_ERR_USAGE);
    t_run_free(&r);

    /* a name with a newline: the id is escaped, warnings stay one line */
    char *q = t_write_file(dir, "we\nird.txt", "", 0);
    r = t_read_path(&c, q, NULL, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.nwarn, 1);
    assert_non_null(strstr(c.warn_where[0], "we\\nird.txt"));
    t_run_free(&r);
    t_coll_free(&c);

    /* no stats and no reason pointer are fine */
    assert_int_equal(qr_read_source(missing, NULL, QR_FMT_UNKNOWN, NULL, NULL, NULL, NULL,
                                    NULL, NULL), QR_ERR_IO);
    assert_int_equal(qr_read_source(p, NULL, QR_FMT_UNKNOWN, NULL, NULL, NULL, NULL,
                                    NULL, NULL), QR_OK);
    free(p);
    free(q);
    t_rmdir(dir);
}

/* Reads name/text and returns the one article's format (title in *title). */
static qr_format detect(const char *name, const char *text, char *title, size_t tn)
{
    t_coll c = {0};
    t_run r = t_read_buf(&c, name, text, strlen(text), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    qr_format f = c.arts[0].format;
    snprintf(title, tn, "%s", c.arts[0].title);
    t_run_free(&r);
    t_coll_free(&c);
    return f;
}

static void test_content_detection(void **state)
{
    (void)state;
    char title[64];
    assert_int_equal(detect("page", "<!DOCTYPE html><title>T</title><p>x</p>", title, 64),
                     QR_FMT_HTML);
    assert_int_equal(detect("feed", "{\"id\":\"j1\",\"text\":\"x\"}\n", title, 64), QR_FMT_JSONL);
    assert_int_equal(detect("notes", "---\ntitle: FM\n---\nbody\n", title, 64), QR_FMT_MARKDOWN);
    assert_string_equal(title, "FM");
    assert_int_equal(detect("plain", "just text <b>not html</b>\n", title, 64), QR_FMT_TEXT);
    /* the forced format wins over the name */
    t_coll c = {0};
    qr_status st = qr_read_buffer("x.html", LIT("<p>hi</p>\n\nmore"), QR_FMT_TEXT, NULL,
                                  t_article_cb, t_warn_cb, &c, NULL, NULL);
    assert_int_equal(st, QR_OK);
    assert_int_equal(c.arts[0].format, QR_FMT_TEXT);
    assert_string_equal(c.arts[0].title, "<p>hi</p>");
    t_coll_free(&c);
}

static void test_stop(void **state)
{
    (void)state;
    t_coll c = {.stop_after = 1};
    t_run r = t_read_buf(&c, "s.txt", LIT("a\n\nb"), NULL);
    assert_int_equal(r.st, QR_ERR_STOPPED);
    assert_int_equal(c.n, 1);
    t_run_free(&r);
    t_coll_free(&c);
}

/* ------------------------------------------------------------ Markdown */

static const t_art *md(t_coll *c, const char *text)
{
    t_run r = t_read_buf(c, "doc.md", text, strlen(text), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c->n, 1);
    t_run_free(&r);
    return &c->arts[0];
}

static void test_md_front_matter(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = md(&c, "---\ntitle: \"Front Title\"\ndate: 2017-07-09\nauthor: Ann Author\n"
                            "tags: [a, b]\n---\n# Heading\n\nBody text.\n");
    assert_string_equal(a->title, "Front Title");
    assert_string_equal(a->date, "20170709");
    assert_string_equal(a->author, "Ann Author");
    assert_string_equal(a->body, "Heading\n\nBody text.");
    t_coll_free(&c);

    a = md(&c, "+++\ntitle = 'Toml Title'\n+++\nBody.\n");
    assert_string_equal(a->title, "Toml Title");
    assert_string_equal(a->body, "Body.");
    t_coll_free(&c);

    /* an unclosed front matter is not front matter */
    a = md(&c, "---\ntitle: Nope\n\nText.\n");
    assert_string_not_equal(a->title, "Nope");
    t_coll_free(&c);

    /* dates as written: a year is its first day, quoted or not; one not
     * understood is a warning naming the file and the value */
    a = md(&c, "---\ntitle: Y\ndate: '2023'\n---\nBody.\n");
    assert_string_equal(a->date, "20230101");
    assert_int_equal(c.nwarn, 0);
    t_coll_free(&c);
    a = md(&c, "---\ntitle: Z\ndate: sometime last spring\n---\nBody.\n");
    assert_string_equal(a->date, "");
    assert_string_equal(a->title, "Z");
    t_check_date_warning(&c, "doc.md", "sometime last spring");
    t_coll_free(&c);
}

static void test_md_heading_title(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = md(&c, "# The *Real* Title #\n\nIntro para.\n\n## Section\n\nMore.\n");
    assert_string_equal(a->title, "The Real Title");
    assert_string_equal(a->body, "Intro para.\n\nSection\n\nMore.");
    t_coll_free(&c);

    a = md(&c, "Setext Title\n============\n\nText here.\n");
    assert_string_equal(a->title, "Setext Title");
    assert_string_equal(a->body, "Text here.");
    t_coll_free(&c);

    /* text before the first heading: the heading is the title, and stays */
    a = md(&c, "Preface line.\n\n## Later Heading\n\nText.\n");
    assert_string_equal(a->title, "Later Heading");
    assert_string_equal(a->body, "Preface line.\n\nLater Heading\n\nText.");
    t_coll_free(&c);

    /* no heading: the first line */
    a = md(&c, "First line\n\nSecond para.\n");
    assert_string_equal(a->title, "First line");
    assert_string_equal(a->body, "Second para.");
    t_coll_free(&c);

    /* #hashtag is not a heading */
    a = md(&c, "#hashtag text\n\nbody\n");
    assert_string_equal(a->title, "#hashtag text");
    t_coll_free(&c);
}

static void test_md_inline(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = md(&c, "# T\n\n"
                            "See [the docs](http://x.org/a_(b)) and ![a cat](cat.png \"t\").\n"
                            "Ref [link text][ref] and <https://auto.link/x>.\n"
                            "Some *em*, **strong**, _under_, __double__, ~~gone~~ and ***both***.\n"
                            "snake_case_name stays, 2 * 3 * 4 stays, a_b and x*y too.\n"
                            "Inline `code *not em*` and \\*escaped\\* stars.\n"
                            "[ref]: http://example.com/\n");
    assert_string_equal(a->body,
                        "See the docs and a cat.\n"
                        "Ref link text and https://auto.link/x.\n"
                        "Some em, strong, under, double, gone and both.\n"
                        "snake_case_name stays, 2 * 3 * 4 stays, a_b and x*y too.\n"
                        "Inline code *not em* and *escaped* stars.");
    t_coll_free(&c);
}

static void test_md_blocks(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = md(&c, "# T\n\n"
                            "Para one.\n"
                            "- item *one*\n"
                            "* item two\n"
                            "1. numbered\n"
                            "- [x] done task\n\n"
                            "> quoted **text**\n> more quote\n\n"
                            "---\n\n"
                            "| a | b |\n|---|:-:|\n| 1 | 2 |\n\n"
                            "```c\nint *p = a_b * 2;  // *not emphasis*\n\nsecond code para\n```\n\n"
                            "~~~\n[not](a link)\n~~~\n"
                            "After.\n");
    assert_string_equal(a->body,
                        "Para one.\n\nitem one\nitem two\nnumbered\ndone task\n\n"
                        "quoted text\nmore quote\n\n"
                        "a   b\n1   2\n\n"
                        "int *p = a_b * 2;  // *not emphasis*\n\nsecond code para\n\n"
                        "[not](a link)\n\nAfter.");
    t_coll_free(&c);
}

static void test_md_hostile(void **state)
{
    (void)state;
    t_coll c = {0};
    /* long lines of markup: linear time, no crash */
    size_t n = 60000;
    char *s = malloc(n + 8);
    assert_non_null(s);
    const char *pats[] = {"[", "](", "*a ", "_", "`", "![", "<http://", "\\", "~~", "([)]"};
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        size_t pl = strlen(pats[k]), i = 0;
        memcpy(s, "# T\n\n", 5);
        i = 5;
        while (i + pl < n) {
            memcpy(s + i, pats[k], pl);
            i += pl;
        }
        s[i] = '\0';
        t_run r = t_read_buf(&c, "h.md", s, i, NULL);
        assert_int_equal(r.st, QR_OK);
        t_run_free(&r);
        t_coll_free(&c);
    }
    free(s);

    /* a 5 MB single line of Markdown is kept as text */
    n = 5u << 20;
    s = malloc(n);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 10 == 9) ? ' ' : (i % 10 == 3 ? '*' : 'm');
    t_run r = t_read_buf(&c, "big.md", s, n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.arts[0].body_len >= n - 10);
    t_run_free(&r);
    t_coll_free(&c);
    free(s);

    /* unterminated fence, lone markers, CRLF, Latin-1 */
    const t_art *a = md(&c, "# Caf\xE9\r\n\r\n```\r\ncode forever\r\n");
    assert_string_equal(a->title, "Caf\xC3\xA9");
    assert_string_equal(a->body, "code forever");
    t_coll_free(&c);
    a = md(&c, "#\n\n*\n\n**\n\n>\n\n-\n\n[\n\n](\n");
    (void)a;
    t_coll_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_from_name),
        cmocka_unit_test(test_name_is_indexable),
        cmocka_unit_test(test_plain_text),
        cmocka_unit_test(test_single_line_and_long_first_line),
        cmocka_unit_test(test_empty_and_blank),
        cmocka_unit_test(test_binary_refused),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_very_long_line),
        cmocka_unit_test(test_truncation_at_boundaries),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_damaged),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_content_detection),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_md_front_matter),
        cmocka_unit_test(test_md_heading_title),
        cmocka_unit_test(test_md_inline),
        cmocka_unit_test(test_md_blocks),
        cmocka_unit_test(test_md_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

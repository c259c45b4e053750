/* test_reader_pdf.c — the PDF reader (read_pdf.c) in process: text in
 * paragraphs, page offsets, document information, and the PDFs it skips
 * (encrypted, image-only, damaged). The same reader through the sandbox is
 * test_sandbox.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"

static const qr_read_opts IN_PROCESS = {.in_process = 1};

/* Reads fixture NAME in process under the name AS. */
static t_run read_fixture(t_coll *c, const char *name, const char *as)
{
    t_bytes b = t_fixture(name);
    t_run r = t_read_buf(c, as, b.p, b.n, &IN_PROCESS);
    t_bytes_free(&b);
    return r;
}

static void test_three_pages(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = read_fixture(&c, "three.pdf", "docs/three.pdf");
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    t_check_three_pdf(&c.arts[0], "docs/three.pdf");
    assert_int_equal(c.nwarn, 0);
    t_run_free(&r);
    t_coll_free(&c);
}

/* no document information: the first line is the title, no author, no date */
static void test_untitled(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = read_fixture(&c, "untitled.pdf", "untitled.pdf");
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].title, "Untitled Heading Line");
    assert_string_equal(c.arts[0].author, "");
    assert_int_equal(c.arts[0].npages, 1);
    assert_non_null(strstr(c.arts[0].body, "Body text of the untitled document."));
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_skipped(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = read_fixture(&c, "encrypted.pdf", "encrypted.pdf");
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "encrypted PDF");
    assert_int_equal(c.n, 0);
    t_run_free(&r);

    r = read_fixture(&c, "image-only.pdf", "scan.pdf");
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "no text (image-only PDF)");
    assert_int_equal(c.n, 0);
    t_run_free(&r);

    /* not a PDF at all behind the name: poppler's message */
    r = t_read_buf(&c, "junk.pdf", "%PDF-1.4\n" "\x80\x81\x82 nothing", 20, &IN_PROCESS);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "damaged PDF: "));
    t_run_free(&r);
    t_coll_free(&c);
}

/* Reads three.pdf with its CreationDate's 15 characters replaced by
 * date (the same length: the offsets in the file stay right). */
static void read_redated(t_coll *c, const char *date)
{
    t_bytes b = t_fixture("three.pdf");
    char *at = memmem(b.p, b.n, "/CreationDate(D:20170709100000Z)", 32);
    assert_non_null(at);
    assert_int_equal(strlen(date), 15);
    memcpy(at + 16, date, 15);
    t_run r = t_read_buf(c, "redated.pdf", b.p, b.n, &IN_PROCESS);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c->n, 1);
    t_run_free(&r);
    t_bytes_free(&b);
}

/* A CreationDate poppler cannot read is read as written when it can be,
 * else it is a warning naming the file and the value. */
static void test_creation_date(void **state)
{
    (void)state;
    t_coll c = {0};
    read_redated(&c, "yesterday noon.");
    assert_string_equal(c.arts[0].date, "");
    t_check_date_warning(&c, "redated.pdf", "yesterday noon.");
    t_coll_free(&c);
    read_redated(&c, "9 July 2017    ");
    assert_string_equal(c.arts[0].date, "20170709");
    assert_int_equal(c.nwarn, 0);
    t_coll_free(&c);
}

/* A PDF cut short: poppler rebuilds what it can, or says it is damaged;
 * either way one line, never a crash. */
static void test_truncated(void **state)
{
    (void)state;
    t_bytes b = t_fixture("three.pdf");
    for (size_t cut = 16; cut < b.n; cut += b.n / 7) {
        t_coll c = {0};
        t_run r = t_read_buf(&c, "cut.pdf", b.p, cut, &IN_PROCESS);
        assert_true(r.st == QR_OK || r.st == QR_ERR_FORMAT);
        if (r.st != QR_OK)
            assert_true(strstr(r.reason, "damaged PDF") || strstr(r.reason, "no text"));
        t_run_free(&r);
        t_coll_free(&c);
    }
    t_bytes_free(&b);
}

/* a PDF is a document read whole: over 4 x max_article_bytes it is
 * refused before any parsing */
static void test_document_limit(void **state)
{
    (void)state;
    qr_read_opts o = IN_PROCESS;
    o.max_article_bytes = 100;
    t_coll c = {0};
    t_bytes b = t_fixture("three.pdf");
    t_run r = t_read_buf(&c, "three.pdf", b.p, b.n, &o);
    assert_int_equal(r.st, QR_ERR_TOO_BIG);
    assert_non_null(strstr(r.reason, "document larger than 400 bytes"));
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_pages),
        cmocka_unit_test(test_untitled),
        cmocka_unit_test(test_skipped),
        cmocka_unit_test(test_creation_date),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_document_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_format.c — formats by content (format.c's rd_detect: libmagic's
 * MIME type, then the name for text, rd_sniff last), on small real files
 * of every format reader.h names, and the archives and compressed files
 * libarchive's filters open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_int.h"
#include "reader_test_util.h"

#define LIT(s) s, sizeof(s) - 1

/* The format rd_detect gives; *reason receives its reason (or ""). */
static qr_format detect(const char *name, const void *p, size_t n, char *reason, size_t cap)
{
    qr_buf why = {0};
    qr_format f = rd_detect(name, p, n, &why);
    snprintf(reason, cap, "%s", why.data ? why.data : "");
    qr_buf_free(&why);
    return f;
}

static void expect(const char *name, const void *p, size_t n, qr_format want)
{
    char reason[256];
    qr_format got = detect(name, p, n, reason, sizeof reason);
    if (got != want)
        fail_msg("%s: detected %s (%s), expected %s", name, qr_format_name(got), reason,
                 qr_format_name(want));
}

static void expect_refused(const char *name, const void *p, size_t n, const char *why)
{
    char reason[256];
    qr_format got = detect(name, p, n, reason, sizeof reason);
    if (got != QR_FMT_UNKNOWN || strncmp(reason, why, strlen(why)) != 0)
        fail_msg("%s: detected %s (%s), expected a refusal '%s...'", name,
                 qr_format_name(got), reason, why);
}

static void expect_fixture(const char *fixture, const char *as, qr_format want)
{
    t_bytes b = t_fixture(fixture);
    expect(as, b.p, b.n, want);
    t_bytes_free(&b);
}

/* ------------------------------------------------------------ mapping */

static void test_document_formats(void **state)
{
    (void)state;
    static const struct {
        const char *fixture;
        qr_format fmt;
    } docs[] = {
        {"three.pdf", QR_FMT_PDF},     {"doc.docx", QR_FMT_DOCX},
        {"slides.pptx", QR_FMT_PPTX},  {"sheet.xlsx", QR_FMT_XLSX},
        {"doc.odt", QR_FMT_ODT},       {"slides.odp", QR_FMT_ODP},
        {"sheet.ods", QR_FMT_ODS},     {"book.epub", QR_FMT_EPUB},
        {"pack.tar.xz", QR_FMT_TAR},   {"pack.tar.bz2", QR_FMT_TAR},
        {"pack.tar.zst", QR_FMT_TAR},  {"pack.7z", QR_FMT_TAR},
        {"notes.txt.xz", QR_FMT_TAR},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        /* by content alone, under its own name, and under a lying one:
         * content wins over the name for binary formats */
        expect_fixture(docs[i].fixture, "file", docs[i].fmt);
        expect_fixture(docs[i].fixture, docs[i].fixture, docs[i].fmt);
        expect_fixture(docs[i].fixture, "notes.txt", docs[i].fmt);
        expect_fixture(docs[i].fixture, "page.html", docs[i].fmt);
    }
    /* a plain zip: the name says which zip-based format it is */
    expect_fixture("../fuzz/corpus/read_tar/members.zip", "file", QR_FMT_TAR);
    expect_fixture("../fuzz/corpus/read_tar/members.zip", "report.docx", QR_FMT_DOCX);
    expect_fixture("../fuzz/corpus/read_tar/members.zip", "book.epub", QR_FMT_EPUB);
    /* and a docx named .zip is a docx */
    expect_fixture("doc.docx", "doc.zip", QR_FMT_DOCX);
    /* damaged, but named: the reader says what is wrong */
    expect("broken.pdf", LIT("\x80\x81\x82\x83\x00\x01 not much left"), QR_FMT_PDF);
    expect("broken.zip", LIT("\x80\x81\x82\x83\x00\x01 not much left"), QR_FMT_TAR);
    /* an archive by its bytes */
    t_bytes tar = {0};
    t_tar_file(&tar, "a.txt", "hello");
    t_tar_end(&tar);
    expect("blob", tar.p, tar.n, QR_FMT_TAR);
    t_bytes_free(&tar);
}

static void test_text_formats(void **state)
{
    (void)state;
    /* text: the name says which, else the content */
    expect("notes", LIT("hello world\n"), QR_FMT_TEXT);
    expect("notes.txt", LIT("hello world\n"), QR_FMT_TEXT);
    expect("notes.md", LIT("hello world\n"), QR_FMT_MARKDOWN);
    expect("notes.markdown", LIT("hello world\n"), QR_FMT_MARKDOWN);
    expect("notes", LIT("# Title\n\nSome *text*.\n"), QR_FMT_MARKDOWN);
    expect("page", LIT("<!DOCTYPE html><html><body><p>x</p></body></html>"), QR_FMT_HTML);
    expect("page.xhtml", LIT("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">"
                             "<body>x</body></html>"), QR_FMT_HTML);
    expect("page", LIT("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">"
                       "<body>x</body></html>"), QR_FMT_HTML);
    expect("notes.txt", LIT("<html><body>text that is HTML</body></html>"), QR_FMT_TEXT);
    expect("empty", "", 0, QR_FMT_TEXT);
    expect("latin1", LIT("caf\xE9 au lait, cr\xE8me br\xFBl\xE9""e\n"), QR_FMT_TEXT);
    expect("utf16", LIT("\xFF\xFEh\0e\0l\0l\0o\0\n\0"), QR_FMT_TEXT);
    /* e-mail and RTF by content, and by name */
    static const char mail[] = "From: Ada <ada@example.com>\nTo: b@example.com\n"
                               "Subject: Engines\nDate: Sun, 9 Jul 2017 10:00:00 +0000\n\nBody.\n";
    static const char mbox[] = "From ada@example.com Sun Jul  9 10:00:00 2017\n"
                               "From: Ada <ada@example.com>\nSubject: One\n\nBody.\n";
    expect("message", mail, sizeof mail - 1, QR_FMT_EMAIL);
    expect("message.eml", mail, sizeof mail - 1, QR_FMT_EMAIL);
    expect("mail", mbox, sizeof mbox - 1, QR_FMT_MBOX);
    expect("inbox.mbox", mbox, sizeof mbox - 1, QR_FMT_MBOX);
    expect("letter", LIT("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello.}"), QR_FMT_RTF);
    expect("letter.rtf", LIT("{\\rtf1\\ansi Hello.}"), QR_FMT_RTF);
    /* a text name is believed over text content of another format */
    expect("letter.txt", LIT("{\\rtf1\\ansi Hello.}"), QR_FMT_TEXT);
}

static void test_json_lines(void **state)
{
    (void)state;
    expect("feed", LIT("{\"id\":1,\"text\":\"a\"}\n{\"id\":2,\"text\":\"b\"}\n"), QR_FMT_JSONL);
    expect("feed.json", LIT("{\"id\":1,\"text\":\"a\"}\n"), QR_FMT_JSONL);
    expect("feed.jsonl", LIT("\n\n  {\"id\":1}"), QR_FMT_JSONL);
    /* a malformed first line that closes what it opens: JSON Lines with a
     * bad line (rd_jsonl warns), not a document */
    expect("feed.jsonl", LIT("{bad}\n{\"id\":2}\n"), QR_FMT_JSONL);
    expect("feed.jsonl", LIT("{\"a\":\"}{\"}\n"), QR_FMT_JSONL);
    /* a pretty-printed document is not JSON Lines, whatever its name */
    expect_refused("doc.json", LIT("{\n  \"id\": 1,\n  \"text\": \"a\"\n}\n"),
                   "a JSON document, not JSON Lines");
    expect_refused("doc.jsonl", LIT("{ \"id\": 1,\n  \"text\": \"a\" }\n"),
                   "a JSON document, not JSON Lines");
    expect_refused("doc", LIT("{\n  \"id\": 1\n}\n"), "a JSON document, not JSON Lines");
    expect_refused("list.json", LIT("[{\"id\": 1}]\n"),
                   "not JSON Lines: the first line is not a JSON object");
    /* a name that says text keeps it text */
    expect("doc.txt", LIT("{\n  \"id\": 1\n}\n"), QR_FMT_TEXT);
}

static void test_unsupported(void **state)
{
    (void)state;
    t_bytes png = t_fixture("tiny.png");
    expect_refused("tiny.png", png.p, png.n, "unsupported format: image/png");
    /* a binary is never read as text, whatever its name */
    expect_refused("tiny.txt", png.p, png.n, "unsupported format: image/png");
    expect_refused("tiny.pdf", png.p, png.n, "unsupported format: image/png");
    t_bytes_free(&png);

    t_bytes elf = {0};
    FILE *f = fopen("/proc/self/exe", "rb");
    assert_non_null(f);
    char chunk[RD_SNIFF_BYTES];
    size_t n = fread(chunk, 1, sizeof chunk, f);
    fclose(f);
    t_put(&elf, chunk, n);
    expect_refused("program", elf.p, elf.n, "unsupported format: application/x-");
    expect_refused("program.txt", elf.p, elf.n, "unsupported format: application/x-");
    t_bytes_free(&elf);

    static const char zeros[64] = {0};
    expect_refused("zeros.txt", zeros, sizeof zeros, "unsupported format: application/octet-stream");
    expect_refused("zeros", zeros, sizeof zeros, "unsupported format: application/octet-stream");
    /* a PNG cut after its signature: libmagic cannot name it, and its 8
     * bytes hold too few control characters to look binary */
    static const char sig[] = "\x89PNG\r\n\x1a\n";
    expect_refused("cut.png", sig, sizeof sig - 1, "unsupported format: application/octet-stream");
    expect_refused("cut", sig, sizeof sig - 1, "unsupported format: application/octet-stream");
    /* JSON Lines judges its own bytes (a NUL in one line loses that line) */
    expect("nul.jsonl", LIT("{\"id\":\0\0\0\0}\n"), QR_FMT_JSONL);
}

/* ------------------------------------------------------------ reading */

static t_run read_fixture(t_coll *c, const char *fixture)
{
    t_bytes b = t_fixture(fixture);
    t_run r = t_read_buf(c, fixture, b.p, b.n, NULL);
    t_bytes_free(&b);
    return r;
}

/* compressed tars through libarchive's filters, and a 7z */
static void test_compressed_archives(void **state)
{
    (void)state;
    static const char *const packs[] = {"pack.tar.xz", "pack.tar.bz2", "pack.tar.zst", "pack.7z"};
    for (size_t i = 0; i < sizeof packs / sizeof packs[0]; i++) {
        t_coll c = {0};
        t_run r = read_fixture(&c, packs[i]);
        assert_int_equal(r.st, QR_OK);
        assert_int_equal(c.n, 1);
        char id[64];
        snprintf(id, sizeof id, "%s/inner.txt", packs[i]);
        assert_string_equal(c.arts[0].id, id);
        assert_string_equal(c.arts[0].title, "Packed file");
        assert_string_equal(c.arts[0].body, "The words zqpacked are in here.");
        t_run_free(&r);
        t_coll_free(&c);
    }
}

/* one compressed file that is not an archive: its content, under its own id */
static void test_compressed_file(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = read_fixture(&c, "notes.txt.xz");
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].id, "notes.txt.xz");
    assert_string_equal(c.arts[0].title, "Compressed notes");
    assert_int_equal(c.arts[0].format, QR_FMT_TEXT);
    t_run_free(&r);
    t_coll_free(&c);

    /* text named as an archive is not one */
    r = t_read_buf(&c, "fake.tar", LIT("just some text, not an archive\n"), NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "not a valid archive"));
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_refusals_read(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = read_fixture(&c, "tiny.png");
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "unsupported format: image/png");
    t_run_free(&r);
    r = t_read_buf(&c, "doc.json", LIT("{\n  \"id\": 1\n}\n"), NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "a JSON document, not JSON Lines (one JSON object per line)");
    t_run_free(&r);
    /* in an archive: a warning for that member, the others read */
    t_bytes png = t_fixture("tiny.png"), tar = {0};
    t_tar_member(&tar, "img/photo.txt", '0', png.p, png.n, NULL);
    t_tar_file(&tar, "ok.txt", "Fine\n\nzqfine text.");
    t_tar_end(&tar);
    r = t_read_buf(&c, "mixed.tar", tar.p, tar.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_true(t_find_warning(&c, "mixed.tar/img/photo.txt", "unsupported format: image/png") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&png);
    t_bytes_free(&tar);
}

static void test_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        qr_format fmt;
    } names[] = {
        {"a.pdf", QR_FMT_PDF},   {"a.docx", QR_FMT_DOCX}, {"a.pptx", QR_FMT_PPTX},
        {"a.xlsx", QR_FMT_XLSX}, {"a.odt", QR_FMT_ODT},   {"a.odp", QR_FMT_ODP},
        {"a.ods", QR_FMT_ODS},   {"a.epub", QR_FMT_EPUB}, {"a.eml", QR_FMT_EMAIL},
        {"a.mbox", QR_FMT_MBOX}, {"a.rtf", QR_FMT_RTF},   {"a.tar.xz", QR_FMT_TAR},
        {"a.txz", QR_FMT_TAR},   {"a.tar.bz2", QR_FMT_TAR}, {"a.tar.zst", QR_FMT_TAR},
        {"a.7z", QR_FMT_TAR},    {"a.PDF.gz", QR_FMT_PDF},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(qr_format_from_name(names[i].name, NULL), names[i].fmt);
        assert_true(qr_name_is_indexable(names[i].name));
    }
    char label[16];
    rd_format_label(QR_FMT_PDF, label);
    assert_string_equal(label, "PDF");
    rd_format_label(QR_FMT_EMAIL, label);
    assert_string_equal(label, "EMAIL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_formats),
        cmocka_unit_test(test_text_formats),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_compressed_archives),
        cmocka_unit_test(test_compressed_file),
        cmocka_unit_test(test_refusals_read),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_reader_archive.c — tar / tar.gz / zip / cpio through libarchive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "reader_test_util.h"

static const char PAGE[] = "<html><title>Member Page</title><body><p>html body</p></body></html>";
static const char FEED[] = "{\"id\":\"j1\",\"text\":\"json one\"}\n"
                           "not json\n"
                           "{\"id\":\"j2\",\"text\":\"json two\"}\n";
static const char NOTE[] = "# Md Title\n\nmarkdown *body*\n";

/* The ordinary members every test archive starts with. */
static void good_members(t_bytes *tar)
{
    t_tar_member(tar, "dir/", '5', NULL, 0, NULL);
    t_tar_file(tar, "dir/a.html", PAGE);
    t_tar_file(tar, "b.jsonl", FEED);
    t_bytes gz = t_gzip("Gz Title\n\ngz body", 17);
    t_tar_member(tar, "c.txt.gz", '0', gz.p, gz.n, NULL);
    t_bytes_free(&gz);
    t_tar_file(tar, "./d.md", NOTE);
    t_tar_file(tar, "README", "Readme Title\n\nreadme body\n");
    t_tar_file(tar, "image.png", "\x89PNG not read at all");
}

static void check_good_members(const t_coll *c, const char *prefix)
{
    char id[256];
    snprintf(id, sizeof id, "%s/dir/a.html", prefix);
    const t_art *a = t_find_article(c, id);
    assert_non_null(a);
    assert_string_equal(a->title, "Member Page");
    assert_string_equal(a->body, "html body");
    assert_int_equal(a->format, QR_FMT_HTML);
    a = t_find_article(c, "j1");
    assert_non_null(a);
    assert_int_equal(a->format, QR_FMT_JSONL);
    assert_non_null(t_find_article(c, "j2"));
    snprintf(id, sizeof id, "%s/c.txt.gz", prefix);
    a = t_find_article(c, id);
    assert_non_null(a);
    assert_string_equal(a->title, "Gz Title");
    assert_string_equal(a->body, "gz body");
    snprintf(id, sizeof id, "%s/d.md", prefix);
    a = t_find_article(c, id);
    assert_non_null(a);
    assert_string_equal(a->title, "Md Title");
    assert_string_equal(a->body, "markdown body");
    assert_int_equal(a->format, QR_FMT_MARKDOWN);
    snprintf(id, sizeof id, "%s/README", prefix);
    a = t_find_article(c, id);
    assert_non_null(a);
    assert_int_equal(a->format, QR_FMT_TEXT);
    snprintf(id, sizeof id, "%s/image.png", prefix);
    assert_null(t_find_article(c, id));
    /* the malformed JSON line is warned with member and line number */
    char where[256];
    snprintf(where, sizeof where, "%s/b.jsonl:2", prefix);
    assert_true(t_find_warning(c, where, "invalid JSON") >= 0);
}

static void test_tar(void **state)
{
    (void)state;
    t_bytes tar = {0};
    good_members(&tar);
    t_tar_end(&tar);
    t_coll c = {0};
    t_run r = t_read_buf(&c, "pack.tar", tar.p, tar.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 6);
    check_good_members(&c, "pack.tar");
    assert_int_equal(c.nwarn, 1);
    assert_int_equal(r.stats.bytes_in, tar.n);
    t_run_free(&r);
    t_coll_free(&c);

    /* .tar.gz, .tgz, and a tar with no name hint */
    t_bytes gz = t_gzip(tar.p, tar.n);
    const char *names[] = {"pack.tar.gz", "pack.tgz", "pack"};
    for (size_t i = 0; i < 3; i++) {
        r = t_read_buf(&c, names[i], gz.p, gz.n, NULL);
        assert_int_equal(r.st, QR_OK);
        assert_int_equal(c.n, 6);
        check_good_members(&c, names[i]);
        t_run_free(&r);
        t_coll_free(&c);
    }

    /* from a file, with an id */
    char *dir = t_mkdtemp();
    char *p = t_write_file(dir, "pack.tgz", gz.p, gz.n);
    r = t_read_path(&c, p, "archive-id", NULL);
    assert_int_equal(r.st, QR_OK);
    check_good_members(&c, "archive-id");
    assert_int_equal(r.stats.bytes_in, gz.n);
    t_run_free(&r);
    t_coll_free(&c);
    free(p);
    t_rmdir(dir);
    t_bytes_free(&gz);
    t_bytes_free(&tar);
}

static void test_hostile_members(void **state)
{
    (void)state;
    t_bytes tar = {0};
    t_tar_file(&tar, "/etc/passwd.txt", "absolute\n");
    t_tar_file(&tar, "../escape.txt", "dotdot\n");
    t_tar_file(&tar, "a/../../escape2.txt", "dotdot2\n");
    t_tar_file(&tar, "a/..", "dotdot3\n");
    t_tar_file(&tar, "..\\win.txt", "backslash\n");
    t_tar_member(&tar, "link.txt", '2', NULL, 0, "/etc/passwd");
    t_tar_member(&tar, "hard.txt", '1', NULL, 0, "ok.txt");
    t_tar_member(&tar, "dev.txt", '3', NULL, 0, NULL);
    t_tar_member(&tar, "blk.txt", '4', NULL, 0, NULL);
    t_tar_member(&tar, "fifo.txt", '6', NULL, 0, NULL);
    t_tar_file(&tar, "new\nline.txt", "Newline Name\n\nbody\n");
    t_tar_member(&tar, "bin.txt", '0', "binary\0\0\0content", 16, NULL);
    /* a nested archive, by name and by content */
    t_bytes inner = {0};
    t_tar_file(&inner, "x.txt", "inner\n");
    t_tar_end(&inner);
    t_tar_member(&tar, "inner.tar", '0', inner.p, inner.n, NULL);
    t_tar_member(&tar, "inner-noext", '0', inner.p, inner.n, NULL);
    t_bytes innergz = t_gzip(inner.p, inner.n);
    t_tar_member(&tar, "inner2", '0', innergz.p, innergz.n, NULL);
    t_tar_file(&tar, "empty.txt", "");
    t_tar_file(&tar, "ok.txt", "Ok Title\n\nok body\n");
    t_tar_end(&tar);

    t_coll c = {0};
    t_run r = t_read_buf(&c, "evil.tar", tar.p, tar.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 2);
    assert_non_null(t_find_article(&c, "evil.tar/ok.txt"));
    const t_art *nl = t_find_article(&c, "evil.tar/new\\nline.txt");
    assert_non_null(nl);
    assert_string_equal(nl->title, "Newline Name");
    assert_true(t_find_warning(&c, "evil.tar//etc/passwd.txt", "unsafe member path") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/../escape.txt", "unsafe member path") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/a/../../escape2.txt", "unsafe member path") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/a/..", "unsafe member path") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/..\\\\win.txt", "unsafe member path") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/link.txt", "symbolic link") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/hard.txt", "hard link") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/dev.txt", "character device") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/blk.txt", "block device") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/fifo.txt", "FIFO") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/bin.txt", "unsupported format: application/octet-stream") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/inner.tar", "nested archive") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/inner-noext", "nested archive") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/inner2", "nested archive") >= 0);
    assert_true(t_find_warning(&c, "evil.tar/empty.txt", "no text") >= 0);
    assert_null(t_find_article(&c, "evil.tar/inner.tar/x.txt"));
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&tar);
    t_bytes_free(&inner);
    t_bytes_free(&innergz);
}

static void test_truncated_and_corrupt(void **state)
{
    (void)state;
    t_bytes tar = {0};
    t_tar_file(&tar, "one.txt", "One\n\nfirst member\n");
    size_t after_one = tar.n;
    t_bytes big = {0};
    for (int i = 0; i < 300; i++)
        t_puts(&big, "Second member text that goes on for a while. ");
    t_tar_member(&tar, "two.txt", '0', big.p, big.n, NULL);
    t_tar_file(&tar, "three.txt", "Three\n\nthird\n");
    t_tar_end(&tar);
    t_coll c = {0};

    /* cut in the middle of member two: one is kept, two dropped, warning */
    t_run r = t_read_buf(&c, "cut.tar", tar.p, after_one + 512 + 4000, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_non_null(t_find_article(&c, "cut.tar/one.txt"));
    assert_true(t_find_warning(&c, "cut.tar", "truncated or corrupt") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* cut inside the second header */
    r = t_read_buf(&c, "cut.tar", tar.p, after_one + 100, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_true(t_find_warning(&c, "cut.tar", "truncated or corrupt") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* the same through gzip */
    t_bytes gz = t_gzip(tar.p, tar.n);
    r = t_read_buf(&c, "cut.tar.gz", gz.p, gz.n * 2 / 3, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_non_null(t_find_article(&c, "cut.tar.gz/one.txt"));
    assert_null(t_find_article(&c, "cut.tar.gz/three.txt"));
    assert_true(c.nwarn >= 1);
    t_run_free(&r);
    t_coll_free(&c);

    /* a damaged second header (checksum): members before it are kept */
    t_bytes bad = {0};
    t_put(&bad, tar.p, tar.n);
    memset(bad.p + after_one, 'Z', 100);
    r = t_read_buf(&c, "bad.tar", bad.p, bad.n, NULL);
    assert_true(r.st == QR_OK);
    assert_non_null(t_find_article(&c, "bad.tar/one.txt"));
    assert_true(c.nwarn >= 1);
    t_run_free(&r);
    t_coll_free(&c);

    /* garbage from the start, by name */
    memset(bad.p, 'Z', 600);
    r = t_read_buf(&c, "junk.tar", bad.p, 600, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);
    /* an empty .tar */
    r = t_read_buf(&c, "empty.tar", "", 0, NULL);
    assert_true(r.st == QR_OK || r.st == QR_ERR_FORMAT);
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);
    /* a header that claims a huge size, then ends */
    bad.n = 0;
    t_tar_file(&bad, "ok.txt", "Ok\n\nbody\n");
    t_tar_member(&bad, "liar.txt", '0', "short", 5, NULL);
    memcpy(bad.p + bad.n - 1024 + 124, "77777777777", 11);
    r = t_read_buf(&c, "liar.tar", bad.p, bad.n, NULL);
    assert_int_equal(c.n, 1);
    t_run_free(&r);
    t_coll_free(&c);

    /* random bytes after a valid ustar magic */
    bad.n = 0;
    t_tar_file(&bad, "ok.txt", "Ok\n\nbody\n");
    unsigned seed = 99;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned char b = (unsigned char)(seed >> 16);
        t_put(&bad, &b, 1);
    }
    r = t_read_buf(&c, "rnd.tar", bad.p, bad.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    t_run_free(&r);
    t_coll_free(&c);

    t_bytes_free(&bad);
    t_bytes_free(&gz);
    t_bytes_free(&big);
    t_bytes_free(&tar);
}

static void test_limits(void **state)
{
    (void)state;
    t_bytes tar = {0};
    t_bytes big = {0};
    for (int i = 0; i < 100; i++)
        t_puts(&big, "0123456789");
    t_tar_file(&tar, "small.txt", "Small\n\nsmall body\n");
    t_tar_member(&tar, "big.txt", '0', big.p, big.n, NULL);
    t_tar_file(&tar, "after.txt", "After\n\nafter body\n");
    t_tar_end(&tar);
    t_coll c = {0};
    qr_read_opts o = {.max_article_bytes = 100};   /* documents up to 400 bytes */
    t_run r = t_read_buf(&c, "lim.tar", tar.p, tar.n, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 2);
    assert_true(t_find_warning(&c, "lim.tar/big.txt", "larger than") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&tar);
    t_bytes_free(&big);

    /* a gzip bomb as a tar.gz: max_source_bytes stops the archive */
    t_bytes bomb_tar = {0};
    /* one member of 64 MiB of spaces, gzip'd member inside a plain tar */
    t_bytes member = t_gzip_repeat("space ", 6, (size_t)64 << 20);
    t_tar_file(&bomb_tar, "first.txt", "First\n\nbody\n");
    t_tar_member(&bomb_tar, "bomb.txt.gz", '0', member.p, member.n, NULL);
    t_tar_file(&bomb_tar, "last.txt", "Last\n\nbody\n");
    t_tar_end(&bomb_tar);
    o.max_article_bytes = 0;
    o.max_source_bytes = 1u << 20;
    r = t_read_buf(&c, "bomb.tar", bomb_tar.p, bomb_tar.n, &o);
    assert_int_equal(r.st, QR_OK);          /* a member's bomb is that member's problem */
    assert_int_equal(c.n, 2);
    assert_true(t_find_warning(&c, "bomb.tar/bomb.txt.gz", "larger than") >= 0 ||
                t_find_warning(&c, "bomb.tar/bomb.txt.gz", "max_source_bytes") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* the whole tar.gz decompressing past max_source_bytes */
    t_bytes_free(&member);
    t_bytes huge_tar = {0};
    t_tar_file(&huge_tar, "first.txt", "First\n\nbody\n");
    t_bytes filler = {0};
    for (int i = 0; i < 1000; i++)
        t_puts(&filler, "filler text, filler text, filler text, filler text. ");
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%03d.txt", i);
        t_tar_member(&huge_tar, name, '0', filler.p, filler.n, NULL);
    }
    t_tar_end(&huge_tar);
    t_bytes gz = t_gzip(huge_tar.p, huge_tar.n);
    o.max_source_bytes = 1u << 20;
    r = t_read_buf(&c, "huge.tar.gz", gz.p, gz.n, &o);
    assert_int_equal(r.st, QR_ERR_TOO_BIG);
    assert_non_null(strstr(r.reason, "max_source_bytes"));
    assert_true(c.n >= 1 && c.n < 101);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&gz);
    t_bytes_free(&filler);
    t_bytes_free(&huge_tar);
    t_bytes_free(&bomb_tar);
}

/* An archive written by libarchive in the given format. */
static t_bytes write_archive(int (*set_format)(struct archive *))
{
    size_t cap = 1 << 20, used = 0;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(set_format(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    const char *names[] = {"z/one.txt", "z/two.html", "z/link"};
    const char *texts[] = {"Zip One\n\nbody one\n", "<title>Zip Two</title><p>body two</p>", ""};
    for (int i = 0; i < 3; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        if (i == 2) {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, "/etc/passwd");
            archive_entry_set_size(e, 0);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, (la_int64_t)strlen(texts[i]));
        }
        archive_entry_set_perm(e, 0644);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (i < 2)
            assert_int_equal(archive_write_data(a, texts[i], strlen(texts[i])),
                             (la_ssize_t)strlen(texts[i]));
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    t_bytes out = {.p = buf, .n = used, .cap = cap};
    return out;
}

static void test_zip_and_cpio(void **state)
{
    (void)state;
    int (*formats[])(struct archive *) = {archive_write_set_format_zip,
                                          archive_write_set_format_cpio_newc,
                                          archive_write_set_format_pax_restricted};
    const char *names[] = {"z.zip", "z.cpio", "z.tar"};
    for (int f = 0; f < 3; f++) {
        t_bytes ar = write_archive(formats[f]);
        t_coll c = {0};
        t_run r = t_read_buf(&c, names[f], ar.p, ar.n, NULL);
        assert_int_equal(r.st, QR_OK);
        assert_int_equal(c.n, 2);
        char id[64];
        snprintf(id, sizeof id, "%s/z/one.txt", names[f]);
        const t_art *a = t_find_article(&c, id);
        assert_non_null(a);
        assert_string_equal(a->title, "Zip One");
        snprintf(id, sizeof id, "%s/z/two.html", names[f]);
        a = t_find_article(&c, id);
        assert_non_null(a);
        assert_string_equal(a->title, "Zip Two");
        assert_true(t_find_warning(&c, "/z/link", "symbolic link") >= 0);
        t_run_free(&r);
        t_coll_free(&c);
        t_bytes_free(&ar);
    }
}

static void test_zip_seek_and_stream(void **state)
{
    (void)state;
    t_bytes zip = write_archive(archive_write_set_format_zip);
    char *dir = t_mkdtemp();
    /* standard input positioned after 4 bytes of junk, format forced */
    t_bytes file = {0};
    t_puts(&file, "JUNK");
    t_put(&file, zip.p, zip.n);
    char *p = t_write_file(dir, "in.bin", file.p, file.n);
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    char junk[4];
    assert_int_equal(read(fd, junk, 4), 4);
    int saved = dup(0);
    assert_true(saved >= 0 && dup2(fd, 0) >= 0);
    close(fd);
    t_coll c = {0};
    t_run r = {0};
    r.st = qr_read_source("-", "stdin-zip", QR_FMT_TAR, NULL, t_article_cb, t_warn_cb, &c,
                          &r.stats, &r.reason);
    assert_true(dup2(saved, 0) >= 0);
    close(saved);
    assert_false(c.bad);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 2);
    assert_non_null(t_find_article(&c, "stdin-zip/z/one.txt"));
    assert_true(t_find_warning(&c, "stdin-zip/z/link", "symbolic link") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    /* a gzip'd zip can only be streamed: the members are still read */
    t_bytes gz = t_gzip(zip.p, zip.n);
    r = t_read_buf(&c, "z.zip.gz", gz.p, gz.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_non_null(t_find_article(&c, "z.zip.gz/z/one.txt"));
    assert_non_null(t_find_article(&c, "z.zip.gz/z/two.html"));
    t_run_free(&r);
    t_coll_free(&c);

    free(p);
    t_rmdir(dir);
    t_bytes_free(&gz);
    t_bytes_free(&file);
    t_bytes_free(&zip);
}

/* Members libarchive cannot read (here: encrypted) are each warned; the
 * archive goes on. */
static void test_unreadable_members(void **state)
{
    (void)state;
    size_t cap = 1 << 20, used = 0;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    struct archive *a = archive_write_new();
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    if (archive_write_set_options(a, "zip:encryption=zipcrypt") != ARCHIVE_OK ||
        archive_write_set_passphrase(a, "secret") != ARCHIVE_OK) {
        archive_write_free(a);
        free(buf);
        skip();
    }
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    const char *names[] = {"one.txt", "two.txt"};
    for (int i = 0; i < 2; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 12);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, "Title\n\nbody\n", 12), 12);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    t_coll c = {0};
    t_run r = t_read_buf(&c, "enc.zip", buf, used, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 0);
    assert_true(t_find_warning(&c, "enc.zip/one.txt", "cannot read member data") >= 0);
    assert_true(t_find_warning(&c, "enc.zip/two.txt", "cannot read member data") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
    free(buf);
}

static void test_stop(void **state)
{
    (void)state;
    t_bytes tar = {0};
    good_members(&tar);
    t_tar_end(&tar);
    t_coll c = {.stop_after = 2};
    t_run r = t_read_buf(&c, "s.tar", tar.p, tar.n, NULL);
    assert_int_equal(r.st, QR_ERR_STOPPED);
    assert_int_equal(c.n, 2);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&tar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tar),
        cmocka_unit_test(test_hostile_members),
        cmocka_unit_test(test_truncated_and_corrupt),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_zip_and_cpio),
        cmocka_unit_test(test_zip_seek_and_stream),
        cmocka_unit_test(test_unreadable_members),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

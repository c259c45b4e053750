/* test_sandbox.c — sandboxed readers in quarry-extract (sandbox.c,
 * frame.c, indexer/extract.c): a PDF read end to end through the child,
 * and every way a child can go wrong (crash, hang, CPU, memory, garbage,
 * floods, foreign ids, a missing program) ending in a status and a
 * one-line reason, never a hang or a crash here. The misbehaviour comes
 * from quarry-extract's test modes (QUARRY_EXTRACT_TEST) or from small
 * shell scripts standing in for it. Needs QUARRY_EXTRACT (ctest sets it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "frame.h"
#include "reader_test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ end to end */

static void test_pdf_end_to_end(void **state)
{
    (void)state;
    assert_non_null(getenv("QUARRY_EXTRACT"));
    t_bytes b = t_fixture("three.pdf");
    char *dir = t_mkdtemp();
    char *path = t_write_file(dir, "three.pdf", b.p, b.n);
    t_coll c = {0};
    t_run r = t_read_path(&c, path, "docs/three.pdf", NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    t_check_three_pdf(&c.arts[0], "docs/three.pdf");
    assert_int_equal(c.nwarn, 0);
    assert_int_equal(r.stats.bytes_in, b.n);
    t_run_free(&r);
    t_coll_free(&c);

    /* a PDF named .txt is read as a PDF (content wins for binary formats) */
    char *txt = t_write_file(dir, "really-a-pdf.txt", b.p, b.n);
    r = t_read_path(&c, txt, NULL, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    t_check_three_pdf(&c.arts[0], txt);
    t_run_free(&r);
    t_coll_free(&c);

    /* a member of an archive, and gzip'd: the child gets the decoded bytes */
    t_bytes tar = {0};
    t_tar_member(&tar, "papers/three.pdf", '0', b.p, b.n, NULL);
    t_tar_end(&tar);
    t_bytes gz = t_gzip(tar.p, tar.n);
    r = t_read_buf(&c, "pack.tar.gz", gz.p, gz.n, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    t_check_three_pdf(&c.arts[0], "pack.tar.gz/papers/three.pdf");
    t_run_free(&r);
    t_coll_free(&c);

    /* the PDFs it skips: the child's reason comes through as it is */
    t_bytes enc = t_fixture("encrypted.pdf");
    r = t_read_buf(&c, "enc.pdf", enc.p, enc.n, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "encrypted PDF");
    t_run_free(&r);
    t_bytes_free(&enc);

    free(txt);
    free(path);
    t_rmdir(dir);
    t_bytes_free(&tar);
    t_bytes_free(&gz);
    t_bytes_free(&b);
}

/* ------------------------------------------------------------ misbehaving */

typedef struct bad_case {
    const char *mode;          /* QUARRY_EXTRACT_TEST */
    qr_status st;
    const char *reason;        /* the reason starts with this */
    size_t articles;
    const char *or_reason;     /* or with this (NULL: no other) */
} bad_case;

/* Reads three.pdf with quarry-extract in test mode; checks the result and
 * that it came back in reasonable time. */
static void run_bad(const bad_case *k, const qr_read_opts *o, const void *data, size_t n)
{
    t_coll c = {0};
    setenv("QUARRY_EXTRACT_TEST", k->mode, 1);
    double t0 = now_s();
    t_run r = t_read_buf(&c, "bad.pdf", data, n, o);
    double took = now_s() - t0;
    unsetenv("QUARRY_EXTRACT_TEST");
    int reason_ok = r.reason && (strncmp(r.reason, k->reason, strlen(k->reason)) == 0 ||
                                 (k->or_reason && strncmp(r.reason, k->or_reason,
                                                          strlen(k->or_reason)) == 0));
    if (r.st != k->st || !reason_ok)
        fail_msg("mode %s: status %d reason '%s', expected %d '%s...'", k->mode, r.st,
                 r.reason ? r.reason : "(none)", k->st, k->reason);
    assert_int_equal(c.n, k->articles);
    assert_true(took < 30);
    t_run_free(&r);
    t_coll_free(&c);
}

static void test_misbehaving_children(void **state)
{
    (void)state;
    t_bytes b = t_fixture("three.pdf");
    qr_read_opts o = {0};
    o.extract_seconds = 1;              /* the wall clock: 2 s */
    static const bad_case cases[] = {
        {"crash", QR_ERR_FORMAT, "extractor killed by SIGSEGV", 0, NULL},
        {"hang", QR_ERR_FORMAT, "extractor timed out after 2 s", 0, NULL},
        /* on a loaded machine the wall clock may run out first */
        {"spin", QR_ERR_FORMAT, "extractor ran out of CPU time (limit 1 s)", 0,
         "extractor timed out after 2 s"},
        {"garbage", QR_ERR_FORMAT, "extractor wrote malformed output (no QRX header)", 0, NULL},
        {"oom-abort", QR_ERR_TOO_BIG, "extractor ran out of memory (limit 2048 MB)", 0, NULL},
        {"huge-record", QR_ERR_FORMAT, "extractor wrote malformed output (a record over", 0, NULL},
        {"truncated", QR_ERR_FORMAT, "extractor wrote malformed output (output ends inside", 0, NULL},
        {"silent", QR_ERR_FORMAT, "extractor wrote malformed output (no end record)", 0, NULL},
        {"foreign-id", QR_ERR_FORMAT, "extractor wrote malformed output (an article whose id", 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_bad(&cases[i], &o, b.p, b.n);
    t_bytes_free(&b);
}

/* Memory: the address-space limit makes allocation fail in the child.
 * Not under ASan, where the child runs without that limit (its shadow
 * memory needs terabytes of address space) and would eat the machine. */
static void test_memory_limit(void **state)
{
    (void)state;
    if (UNDER_ASAN)
        skip();
    t_bytes b = t_fixture("three.pdf");
    qr_read_opts o = {0};
    o.extract_memory = (uint64_t)256 << 20;
    bad_case k = {"memory", QR_ERR_TOO_BIG, "extractor ran out of memory (limit 256 MB)", 0, NULL};
    run_bad(&k, &o, b.p, b.n);
    t_bytes_free(&b);
}

/* A child that writes without end, and never reads its input: the parent
 * drains its output while feeding it (no pipe deadlock) and stops it at
 * the output limit. The input is larger than any pipe buffer. */
static void test_flood(void **state)
{
    (void)state;
    size_t n = 8u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    memcpy(big, "%PDF-1.4\n", 9);
    memset(big + 9, 'x', n - 9);
    qr_read_opts o = {0};
    o.max_source_bytes = 16u << 20;
    bad_case k = {"flood", QR_ERR_TOO_BIG, "extractor wrote more than 16777216 bytes", 0, NULL};
    run_bad(&k, &o, big, n);
    free(big);
}

/* Articles received before the child died are kept, with a warning. */
static void test_partial(void **state)
{
    (void)state;
    t_bytes b = t_fixture("three.pdf");
    t_coll c = {0};
    setenv("QUARRY_EXTRACT_TEST", "partial", 1);
    t_run r = t_read_buf(&c, "part.pdf", b.p, b.n, NULL);
    unsetenv("QUARRY_EXTRACT_TEST");
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.arts[0].title, "Before the crash");
    assert_int_equal(c.nwarn, 1);
    assert_string_equal(c.warn_reason[0],
                        "extractor killed by SIGSEGV; the 1 article before it kept");
    assert_string_equal(c.warn_where[0], "part.pdf");
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

/* The caller stops: the child is killed, QR_ERR_STOPPED comes back. */
static void test_stop(void **state)
{
    (void)state;
    t_bytes b = t_fixture("three.pdf");
    t_coll c = {.stop_after = 1};
    t_run r = t_read_buf(&c, "three.pdf", b.p, b.n, NULL);
    assert_int_equal(r.st, QR_ERR_STOPPED);
    assert_int_equal(c.n, 1);
    t_run_free(&r);
    t_coll_free(&c);
    t_bytes_free(&b);
}

/* ------------------------------------------------------------ the program */

static char *script(const char *dir, const char *name, const char *body)
{
    char *p = t_write_file(dir, name, body, strlen(body));
    chmod(p, 0755);
    return p;
}

static void test_other_programs(void **state)
{
    (void)state;
    t_bytes b = t_fixture("three.pdf");
    char *dir = t_mkdtemp();
    t_coll c = {0};
    qr_read_opts o = {0};

    /* not there */
    o.extractor = "/nonexistent/quarry-extract";
    t_run r = t_read_buf(&c, "a.pdf", b.p, b.n, &o);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "cannot read PDF files: quarry-extract not found at "
                                  "/nonexistent/quarry-extract (set QUARRY_EXTRACT)");
    t_run_free(&r);

    /* fails, saying why on stderr */
    char *fails = script(dir, "fails.sh", "#!/bin/sh\ncat >/dev/null\n"
                                          "echo 'poppler: something broke' >&2\nexit 3\n");
    o.extractor = fails;
    r = t_read_buf(&c, "a.pdf", b.p, b.n, &o);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "extractor failed (exit status 3): poppler: something broke");
    t_run_free(&r);

    /* another version of the framing (1: before languages) */
    char *v2 = script(dir, "v2.sh", "#!/bin/sh\nprintf 'QRX\\001'\n");
    o.extractor = v2;
    r = t_read_buf(&c, "a.pdf", b.p, b.n, &o);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "extractor wrote malformed output (unknown framing version)");
    t_run_free(&r);

    /* QUARRY_EXTRACT names the program when opts do not */
    const char *saved = getenv("QUARRY_EXTRACT");
    char *keep = saved ? t_dup(saved) : NULL;
    setenv("QUARRY_EXTRACT", v2, 1);
    r = t_read_buf(&c, "a.pdf", b.p, b.n, NULL);
    assert_string_equal(r.reason, "extractor wrote malformed output (unknown framing version)");
    t_run_free(&r);
    if (keep)
        setenv("QUARRY_EXTRACT", keep, 1);
    else
        unsetenv("QUARRY_EXTRACT");
    free(keep);

    assert_int_equal(c.n, 0);
    t_coll_free(&c);
    free(fails);
    free(v2);
    t_rmdir(dir);
    t_bytes_free(&b);
}

/* ------------------------------------------------------------ framing */

/* Warnings come through with their locations made the parent's; past
 * QR_MAX_WARNINGS the child's count says how many more there were. */
static void test_warnings_forwarded(void **state)
{
    (void)state;
    qr_buf out = {0};
    assert_int_equal(qr_frame_start(&out), 0);
    for (int i = 0; i < QR_MAX_WARNINGS; i++)
        assert_int_equal(qr_frame_warning(&out, i == 0 ? "elsewhere" : "dir/doc.pdf:3", "odd"), 0);
    assert_int_equal(qr_frame_end(&out, QR_OK, 150, ""), 0);
    char *dir = t_mkdtemp();
    char *rec = t_write_file(dir, "records", out.data, out.len);
    char body[4200];
    snprintf(body, sizeof body, "#!/bin/sh\ncat >/dev/null\ncat '%s'\n", rec);
    char *prog = script(dir, "replay.sh", body);
    qr_read_opts o = {.extractor = prog};
    t_coll c = {0};
    t_run r = t_read_buf(&c, "dir/doc.pdf", "%PDF-1.4\n", 9, &o);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(r.stats.warnings, 150);
    assert_int_equal(c.nwarn, QR_MAX_WARNINGS + 1);
    /* a location under the child's own (its id) is kept under the unit's;
     * any other becomes the unit's */
    assert_string_equal(c.warn_where[0], "dir/doc.pdf");
    assert_string_equal(c.warn_where[1], "dir/doc.pdf:3");
    assert_string_equal(c.warn_reason[QR_MAX_WARNINGS],
                        "50 more warnings not shown (at most 100 per source)");
    t_run_free(&r);
    t_coll_free(&c);
    qr_buf_free(&out);
    free(rec);
    free(prog);
    t_rmdir(dir);
}

/* The decoder refuses every record that does not add up. */
static void test_frame_decode(void **state)
{
    (void)state;
    size_t pages[] = {0, 4, 9};
    qr_article a = {.id = "x.pdf", .title = "T", .body = "one\n\ntwo\n\nthree", .body_len = 15,
                    .url = "", .date = "20170709", .author = "A", .format = QR_FMT_PDF,
                    .pages = pages, .npages = 3};
    qr_buf b = {0};
    assert_int_equal(qr_frame_article(&b, &a), 0);
    int type;
    uint32_t len;
    qr_frame_head((const unsigned char *)b.data, &type, &len);
    assert_int_equal(type, QR_FRAME_ARTICLE);
    assert_int_equal(len, b.len - QR_FRAME_HEAD);
    const unsigned char *p = (const unsigned char *)b.data + QR_FRAME_HEAD;
    qr_frame f;
    const char *err = NULL;
    assert_int_equal(qr_frame_decode(type, p, len, &f, &err), QR_OK);
    assert_string_equal(f.article.id, "x.pdf");
    assert_string_equal(f.article.body, a.body);
    assert_int_equal(f.article.body_len, 15);
    assert_int_equal(f.article.npages, 3);
    assert_int_equal(f.article.pages[2], 9);
    assert_int_equal(f.article.format, QR_FMT_PDF);
    qr_frame_clear(&f);
    /* every shorter payload is refused, never read past */
    for (uint32_t n = 0; n < len; n++) {
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, p, n);
        assert_int_equal(qr_frame_decode(type, copy, n, &f, &err), QR_ERR_FORMAT);
        free(copy);
    }
    /* pages out of order, a NUL inside a string, an unknown type */
    unsigned char *bad = malloc(len);
    memcpy(bad, p, len);
    bad[len - 8] = 2;     /* the last page offset: 9 -> 2 */
    assert_int_equal(qr_frame_decode(type, bad, len, &f, &err), QR_ERR_FORMAT);
    assert_string_equal(err, "page offsets out of order or outside the body");
    memcpy(bad, p, len);
    bad[5] = '\0';        /* inside the id */
    assert_int_equal(qr_frame_decode(type, bad, len, &f, &err), QR_ERR_FORMAT);
    assert_int_equal(qr_frame_decode('Z', p, len, &f, &err), QR_ERR_FORMAT);
    free(bad);
    qr_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdf_end_to_end),
        cmocka_unit_test(test_misbehaving_children),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_flood),
        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_other_programs),
        cmocka_unit_test(test_warnings_forwarded),
        cmocka_unit_test(test_frame_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

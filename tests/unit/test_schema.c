/* Unit tests: lib/common/schema.c — key terms and the stored passage record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

static void test_key_term_short_and_long(void **state)
{
    (void)state;
    qr_buf b = {0};
    assert_int_equal(qr_key_term(&b, "XA", "corpus/a.txt"), 0);
    assert_string_equal(b.data, "XAcorpus/a.txt");

    char long_key[600];
    memset(long_key, 'x', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_int_equal(qr_key_term(&b, "XP", long_key), 0);
    assert_true(b.len < 245);                 /* Xapian's term limit */
    assert_memory_equal(b.data, "XP#", 3);
    char first[64];
    strcpy(first, b.data);
    long_key[300] = 'y';                      /* differ in the middle */
    assert_int_equal(qr_key_term(&b, "XP", long_key), 0);
    assert_string_not_equal(b.data, first);
    long_key[300] = 'x';
    assert_int_equal(qr_key_term(&b, "XP", long_key), 0);
    assert_string_equal(b.data, first);       /* stable */
    qr_buf_free(&b);
}

static void test_record_round_trip(void **state)
{
    (void)state;
    const char text[] = "The day before, Treasury Secretary\nSteven Mnuchin said.";
    qr_record in = {
        .article_id = "corpus/joint-cyber-unit.txt", .title = "Joint unit",
        .source = "corpus/joint-cyber-unit.txt", .url = "https://example.org/x",
        .date = "20170709", .author = "King & Spalding", .ordinal = 3,
        .npassages = 7, .start = 1234, .end = 1234 + sizeof text - 1,
        .text = text, .text_len = sizeof text - 1, .page = 4, .page_last = 5,
        .flags = QR_RECORD_DATE_FROM_FILE, .lang = "fr",
    };
    qr_buf b = {0};
    assert_int_equal(qr_record_encode(&in, &b), 0);
    char *copy = malloc(b.len + 1);
    memcpy(copy, b.data, b.len + 1);
    qr_record out;
    assert_int_equal(qr_record_decode(copy, b.len, &out), 0);
    assert_string_equal(out.article_id, in.article_id);
    assert_string_equal(out.title, in.title);
    assert_string_equal(out.source, in.source);
    assert_string_equal(out.url, in.url);
    assert_string_equal(out.date, in.date);
    assert_string_equal(out.author, in.author);
    assert_int_equal(out.ordinal, 3);
    assert_int_equal(out.npassages, 7);
    assert_int_equal(out.page, 4);
    assert_int_equal(out.page_last, 5);
    assert_int_equal(out.flags, QR_RECORD_DATE_FROM_FILE);
    assert_string_equal(out.lang, "fr");
    assert_int_equal(out.start, 1234);
    assert_int_equal(out.end, in.end);
    assert_int_equal(out.text_len, in.text_len);
    assert_memory_equal(out.text, text, in.text_len);
    free(copy);
    qr_buf_free(&b);
}

static void test_record_rejects_garbage(void **state)
{
    (void)state;
    qr_record r;
    char junk[] = "not a record at all";
    assert_int_equal(qr_record_decode(junk, sizeof junk - 1, &r), -1);
    char truncated[] = "QR1\0id\0title\0src";
    assert_int_equal(qr_record_decode(truncated, sizeof truncated - 1, &r), -1);
    char badnum[] = "QR1\0i\0t\0s\0u\0d\0a\0x1\0" "2\0" "3\0" "4\0text";
    assert_int_equal(qr_record_decode(badnum, sizeof badnum - 1, &r), -1);
    assert_int_equal(qr_record_decode(NULL, 0, &r), -1);
    char empty[] = "";
    assert_int_equal(qr_record_decode(empty, 0, &r), -1);
    /* a QR2 record must have its flags after the pages */
    char noflags[] = "QR2\0i\0t\0s\0u\0d\0a\0" "1\0" "2\0" "3\0" "4\0" "0\0" "0\0";
    assert_int_equal(qr_record_decode(noflags, sizeof noflags - 1, &r), -1);
}

/* Records written before pages ("QR1") still decode, with no page. */
static void test_record_v1(void **state)
{
    (void)state;
    static const char v1[] = "QR1\0id\0T\0src\0\0\0\0" "2\0" "3\0" "10\0" "15\0" "hello";
    char *copy = malloc(sizeof v1);
    memcpy(copy, v1, sizeof v1);
    qr_record out;
    assert_int_equal(qr_record_decode(copy, sizeof v1 - 1, &out), 0);
    assert_string_equal(out.article_id, "id");
    assert_int_equal(out.ordinal, 2);
    assert_int_equal(out.end, 15);
    assert_int_equal(out.page, 0);
    assert_int_equal(out.page_last, 0);
    assert_int_equal(out.flags, 0);
    assert_string_equal(out.lang, "");
    assert_int_equal(out.text_len, 5);
    assert_memory_equal(out.text, "hello", 5);
    free(copy);
}

/* Records written before languages ("QR2") decode with lang "", their
 * text intact. */
static void test_record_v2(void **state)
{
    (void)state;
    static const char v2[] = "QR2\0id\0T\0src\0\0\0\0" "2\0" "3\0" "10\0"
                             "15\0" "1\0" "1\0" "0\0" "hello";
    char *copy = malloc(sizeof v2);
    memcpy(copy, v2, sizeof v2);
    qr_record out;
    assert_int_equal(qr_record_decode(copy, sizeof v2 - 1, &out), 0);
    assert_string_equal(out.lang, "");
    assert_int_equal(out.page, 1);
    assert_int_equal(out.text_len, 5);
    assert_memory_equal(out.text, "hello", 5);
    free(copy);
}

/* Passage lengths (QR_SLOT_LENGTH) round-trip; a damaged value is no
 * length (the query side then asks the index for it). */
static void test_length_decode(void **state)
{
    (void)state;
    const uint32_t lengths[] = {0, 1, 7, 300, 65536, UINT32_MAX};
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        char buf[9];
        uint32_t back = 1;
        size_t n = qr_length_encode(lengths[i], buf);
        assert_true(n >= 1 && n <= 9);
        assert_int_equal(qr_length_decode(buf, n, &back), 0);
        assert_int_equal(back, lengths[i]);
    }
    char buf[9];
    uint32_t out = 42;
    size_t n = xc_sortable_serialise(-3, buf);
    assert_int_equal(qr_length_decode(buf, n, &out), -1);      /* negative */
    n = xc_sortable_serialise(2.5, buf);
    assert_int_equal(qr_length_decode(buf, n, &out), -1);      /* fraction */
    n = xc_sortable_serialise(1e12, buf);
    assert_int_equal(qr_length_decode(buf, n, &out), -1);      /* too big */
    assert_int_equal(qr_length_decode("", 0, &out), -1);
    assert_int_equal(qr_length_decode(NULL, 0, &out), -1);
    assert_int_equal(qr_length_decode("0123456789", 10, &out), -1);
    assert_int_equal(out, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_term_short_and_long),
        cmocka_unit_test(test_record_round_trip),
        cmocka_unit_test(test_record_rejects_garbage),
        cmocka_unit_test(test_record_v1),
        cmocka_unit_test(test_record_v2),
        cmocka_unit_test(test_length_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: lib/common/util.c — buffers, JSON strings, printable names, UTF-8,
 * hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void test_buf_grows_and_terminates(void **state)
{
    (void)state;
    qr_buf b = {0};
    for (int i = 0; i < 1000; i++)
        assert_int_equal(qr_buf_printf(&b, "%d,", i), 0);
    assert_int_equal(b.len, strlen(b.data));
    assert_memory_equal(b.data, "0,1,2,", 6);
    assert_memory_equal(b.data + b.len - 4, "999,", 4);
    qr_buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(qr_buf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_int_equal(b.data[3], '\0');
    char *s = qr_buf_steal(&b);
    assert_memory_equal(s, "a\0b", 4);
    assert_null(b.data);
    free(s);
    /* stealing an empty buffer gives an empty string, not garbage */
    qr_buf e = {0};
    s = qr_buf_steal(&e);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    /* a size that cannot be represented fails cleanly */
    assert_int_equal(qr_buf_reserve(&e, SIZE_MAX), -1);
    qr_buf_free(&e);
}

static void test_strndup(void **state)
{
    (void)state;
    char *p = qr_strndup("cybersecurity", 5);
    assert_non_null(p);
    assert_string_equal(p, "cyber");
    free(p);
    p = qr_strndup("a\0b", 3);       /* copies n bytes, NULs included */
    assert_non_null(p);
    assert_memory_equal(p, "a\0b", 4);
    free(p);
    p = qr_strndup("", 0);
    assert_non_null(p);
    assert_string_equal(p, "");
    free(p);
}

static void test_json_string(void **state)
{
    (void)state;
    qr_buf b = {0};
    const char in[] = "q\"b\\s\n\t\x01\x7f \xC3\xA9 \xFF end";
    assert_int_equal(qr_buf_json_string(&b, in, sizeof in - 1), 0);
    assert_string_equal(b.data, "\"q\\\"b\\\\s\\n\\t\\u0001\\u007f \xC3\xA9 \xEF\xBF\xBD end\"");
    qr_buf_clear(&b);
    /* a NUL byte inside is data, escaped */
    assert_int_equal(qr_buf_json_string(&b, "a\0b", 3), 0);
    assert_string_equal(b.data, "\"a\\u0000b\"");
    qr_buf_free(&b);
}

static void test_printable(void **state)
{
    (void)state;
    qr_buf b = {0};
    const char name[] = "-rf\nname\t\xFF\xC3\xA9.txt";
    assert_int_equal(qr_buf_printable(&b, name, sizeof name - 1), 0);
    assert_string_equal(b.data, "-rf\\nname\\t\\xff\xC3\xA9.txt");
    assert_null(strchr(b.data, '\n'));
    qr_buf_free(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(qr_utf8_len("a", 1), 1);
    assert_int_equal(qr_utf8_len("\xC3\xA9", 2), 2);
    assert_int_equal(qr_utf8_len("\xE2\x80\x9C", 3), 3);
    assert_int_equal(qr_utf8_len("\xF0\x9F\x98\x80", 4), 4);
    assert_int_equal(qr_utf8_len("\xC0\xAF", 2), 0);          /* overlong '/' */
    assert_int_equal(qr_utf8_len("\xE0\x80\xAF", 3), 0);      /* overlong */
    assert_int_equal(qr_utf8_len("\xED\xA0\x80", 3), 0);      /* surrogate */
    assert_int_equal(qr_utf8_len("\xF4\x90\x80\x80", 4), 0);  /* > U+10FFFF */
    assert_int_equal(qr_utf8_len("\xE2\x80", 2), 0);          /* cut off */
    assert_int_equal(qr_utf8_len("\x80", 1), 0);              /* stray */
    assert_int_equal(qr_utf8_len("", 0), 0);

    qr_buf b = {0};
    uint32_t cps[] = {0x41, 0xE9, 0x201C, 0x1F600, 0xD800, 0x110000};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(qr_buf_put_cp(&b, cps[i]), 0);
    assert_string_equal(b.data, "A\xC3\xA9\xE2\x80\x9C\xF0\x9F\x98\x80"
                                "\xEF\xBF\xBD\xEF\xBF\xBD");
    /* every sequence written reads back as one character */
    for (size_t i = 0; i < b.len;) {
        size_t l = qr_utf8_len(b.data + i, b.len - i);
        assert_true(l > 0);
        i += l;
    }
    qr_buf_free(&b);
}

static void test_hash(void **state)
{
    (void)state;
    const char *s = "corpus/joint-cyber-unit.txt";
    uint64_t h = qr_hash64(s, strlen(s), 0);
    assert_true(h == qr_hash64(s, strlen(s), 0));
    assert_true(h != qr_hash64(s, strlen(s), 1));          /* seeded */
    assert_true(h != qr_hash64(s, strlen(s) - 1, 0));
    /* the streaming form agrees with the one-shot form */
    qr_hasher st;
    qr_hasher_init(&st, 0);
    qr_hasher_update(&st, s, 10);
    qr_hasher_update(&st, s + 10, strlen(s) - 10);
    assert_true(qr_hasher_final(&st) == h);
    /* flipping any one bit changes the hash */
    char copy[64];
    strcpy(copy, s);
    for (size_t i = 0; i < strlen(s) * 8; i++) {
        copy[i / 8] ^= (char)(1 << (i % 8));
        assert_true(qr_hash64(copy, strlen(s), 0) != h);
        copy[i / 8] ^= (char)(1 << (i % 8));
    }
}

static void test_status_names(void **state)
{
    (void)state;
    for (int st = QR_OK; st <= QR_ERR_STOPPED; st++) {
        const char *name = qr_status_str((qr_status)st);
        assert_non_null(name);
        assert_string_not_equal(name, "unknown status");
    }
    assert_string_equal(qr_status_str((qr_status)999), "unknown status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_terminates),
        cmocka_unit_test(test_strndup),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_printable),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_textconv.c — qr_text_to_utf8 and qr_looks_binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"

/* Converts and checks the invariant: valid UTF-8, no NUL, no C0 other than
 * \t \n. Returns a malloc'd copy. */
static char *conv(const char *in, size_t len)
{
    qr_buf b = {0};
    assert_int_equal(qr_text_to_utf8(in, len, &b), 0);
    assert_true(test_utf8_clean(b.data ? b.data : "", b.len, "\t\n"));
    char *s = qr_buf_steal(&b);
    assert_non_null(s);
    return s;
}

static void expect(const char *in, size_t len, const char *want)
{
    char *s = conv(in, len);
    assert_string_equal(s, want);
    free(s);
}

#define EXPECT(lit, want) expect(lit, sizeof(lit) - 1, want)

static void test_ascii_and_utf8_pass_through(void **state)
{
    (void)state;
    EXPECT("hello world", "hello world");
    EXPECT("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    EXPECT("", "");
}

static void test_utf8_bom_dropped(void **state)
{
    (void)state;
    EXPECT("\xEF\xBB\xBFtitle", "title");
    /* a BOM says UTF-8: a stray byte becomes U+FFFD, not Windows-1252 */
    EXPECT("\xEF\xBB\xBF" "a\xFF" "b", "a\xEF\xBF\xBD" "b");
}

static void test_utf16_with_bom(void **state)
{
    (void)state;
    /* "Hé€" */
    EXPECT("\xFF\xFE" "H\0\xE9\0\xAC\x20", "H\xC3\xA9\xE2\x82\xAC");
    EXPECT("\xFE\xFF" "\0H\0\xE9\x20\xAC", "H\xC3\xA9\xE2\x82\xAC");
    /* surrogate pair: U+1F600 */
    EXPECT("\xFF\xFE" "\x3D\xD8\x00\xDE", "\xF0\x9F\x98\x80");
    /* CRLF in UTF-16 */
    EXPECT("\xFF\xFE" "a\0\r\0\n\0b\0", "a\nb");
}

static void test_utf16_broken(void **state)
{
    (void)state;
    /* odd length: the last half unit becomes U+FFFD */
    EXPECT("\xFF\xFE" "a\0b", "a\xEF\xBF\xBD");
    /* unpaired high surrogate followed by a letter */
    char *s = conv("\xFF\xFE" "\x3D\xD8" "a\0", 6);
    assert_non_null(strstr(s, "a"));
    free(s);
    /* lone low surrogate */
    s = conv("\xFE\xFF" "\xDE\x00" "\0z", 6);
    assert_non_null(strstr(s, "z"));
    free(s);
    /* UTF-16 NUL characters become spaces */
    EXPECT("\xFF\xFE" "a\0\0\0b\0", "a b");
}

static void test_utf32_with_bom(void **state)
{
    (void)state;
    EXPECT("\xFF\xFE\0\0" "A\0\0\0" "\x00\xF6\x01\x00", "A\xF0\x9F\x98\x80");
    EXPECT("\0\0\xFE\xFF" "\0\0\0A", "A");
}

static void test_latin1_and_cp1252(void **state)
{
    (void)state;
    EXPECT("caf\xE9 na\xEFve", "caf\xC3\xA9 na\xC3\xAFve");
    /* Windows-1252 specials: euro, curly quotes, em dash */
    EXPECT("\x80 \x93q\x94 \x97", "\xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D \xE2\x80\x94");
    /* bytes Windows-1252 leaves undefined */
    EXPECT("a\x81" "b", "a\xEF\xBF\xBD" "b");
}

static void test_invalid_and_overlong_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xC0\xAF",              /* overlong '/'          */
        "\xE0\x80\xAF",          /* overlong '/'          */
        "\xF0\x80\x80\xAF",      /* overlong '/'          */
        "\xC0\x80",              /* overlong NUL          */
        "\xED\xA0\x80",          /* surrogate             */
        "\xF4\x90\x80\x80",      /* above U+10FFFF        */
        "\xF8\x88\x80\x80\x80",  /* 5-byte form           */
        "\xE2\x82",              /* truncated             */
        "\x80\x80\x80",          /* lone continuations    */
        "\xFE\xFE\xFF\xFF",      /* never valid           */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char in[64];
        snprintf(in, sizeof in, "x%sy", bad[i]);
        char *s = conv(in, strlen(in));
        assert_int_equal(s[0], 'x');
        assert_int_equal(s[strlen(s) - 1], 'y');
        /* no '/' smuggled in through an overlong form */
        assert_null(strchr(s, '/'));
        free(s);
    }
}

static void test_mostly_utf8_keeps_utf8(void **state)
{
    (void)state;
    /* many valid multi-byte sequences and one stray byte: stays UTF-8 */
    t_bytes b = {0};
    for (int i = 0; i < 20; i++)
        t_puts(&b, "\xC3\xA9t\xC3\xA9 ");
    t_puts(&b, "\xFF");
    char *s = conv((const char *)b.p, b.n);
    assert_non_null(strstr(s, "\xC3\xA9t\xC3\xA9 "));
    assert_non_null(strstr(s, "\xEF\xBF\xBD"));
    assert_null(strstr(s, "\xC3\x83"));   /* no mojibake "Ã" */
    free(s);
    t_bytes_free(&b);
}

static void test_controls(void **state)
{
    (void)state;
    EXPECT("a\0b", "a b");
    EXPECT("a\r\nb\rc\n", "a\nb\nc\n");
    EXPECT("a\x01\x1F\x0B\x0C" "b\tc", "a    b\tc");
    EXPECT("\r\r\n", "\n\n");
}

static void test_appends(void **state)
{
    (void)state;
    qr_buf b = {0};
    assert_int_equal(qr_buf_puts(&b, "pre:"), 0);
    assert_int_equal(qr_text_to_utf8("caf\xE9\r\n", 6, &b), 0);
    assert_string_equal(b.data, "pre:caf\xC3\xA9\n");
    assert_int_equal(qr_text_to_utf8("\xFF\xFE" "x\0", 4, &b), 0);
    assert_string_equal(b.data, "pre:caf\xC3\xA9\nx");
    qr_buf_free(&b);
}

static void test_random_bytes_always_clean(void **state)
{
    (void)state;
    unsigned seed = 12345;
    char buf[700];
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = (size_t)(iter % 700);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (char)(seed >> 16);
        }
        if (iter % 5 == 1 && n >= 2) { buf[0] = (char)0xFF; buf[1] = (char)0xFE; }
        if (iter % 5 == 2 && n >= 2) { buf[0] = (char)0xFE; buf[1] = (char)0xFF; }
        if (iter % 5 == 3 && n >= 3) { buf[0] = (char)0xEF; buf[1] = (char)0xBB; buf[2] = (char)0xBF; }
        char *s = conv(buf, n);
        free(s);
    }
}

static void test_looks_binary(void **state)
{
    (void)state;
    assert_false(qr_looks_binary("", 0));
    assert_false(qr_looks_binary("plain text\n", 11));
    assert_true(qr_looks_binary("ab\0cd", 5));
    assert_false(qr_looks_binary("\xFF\xFE" "a\0b\0", 6));
    assert_false(qr_looks_binary("\xFE\xFF" "\0a\0b", 6));
    char ctl[100];
    memset(ctl, 0x01, sizeof ctl);
    assert_true(qr_looks_binary(ctl, sizeof ctl));
    memcpy(ctl, "mostly text here, mostly text here, mostly text here, mostly text here, ", 72);
    assert_false(qr_looks_binary(ctl, sizeof ctl));
    /* a NUL beyond the first 8 KiB is not looked at */
    char *big = malloc(20000);
    memset(big, 'a', 20000);
    big[15000] = '\0';
    assert_false(qr_looks_binary(big, 20000));
    big[100] = '\0';
    assert_true(qr_looks_binary(big, 20000));
    free(big);
    /* Latin-1 text is not binary */
    assert_false(qr_looks_binary("caf\xE9", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_and_utf8_pass_through),
        cmocka_unit_test(test_utf8_bom_dropped),
        cmocka_unit_test(test_utf16_with_bom),
        cmocka_unit_test(test_utf16_broken),
        cmocka_unit_test(test_utf32_with_bom),
        cmocka_unit_test(test_latin1_and_cp1252),
        cmocka_unit_test(test_invalid_and_overlong_utf8),
        cmocka_unit_test(test_mostly_utf8_keeps_utf8),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_random_bytes_always_clean),
        cmocka_unit_test(test_looks_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_util.c — the small helpers every reader and printer relies on, on
 * arbitrary bytes: charset conversion, binary sniffing, date
 * normalisation, JSON string escaping, printable escaping, content
 * hashing, key terms, the stored record decoder, format detection by name
 * and the query's plain-words fallback.
 *
 * Checked: conversion gives clean UTF-8 (no NUL, no C0 control but tab and
 * newline, no CR); a normalised date is 8 digits; an escaped JSON string
 * parses back (jansson) to the input when the input was valid UTF-8 without
 * NUL; printable escaping gives one line of UTF-8; the streaming hash
 * equals the one-shot hash; a key term fits in a Xapian term.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_common.h"
#include "schema.h"
#include "search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    qr_buf b = {0};

    if (qr_text_to_utf8(s, size, &b) == 0 && b.data) {
        FUZZ_CHECK(test_utf8_clean(b.data, b.len, "\t\n"), "converted text is clean UTF-8");
        FUZZ_CHECK(strlen(b.data) == b.len, "no NUL in converted text");
    }
    qr_buf_clear(&b);
    (void)qr_looks_binary(s, size);

    /* C strings from here on: the input up to its first NUL */
    char *z = malloc(size + 1);
    if (!z)
        return 0;
    memcpy(z, s, size);
    z[size] = '\0';

    char date[9];
    memset(date, 'x', sizeof date);
    if (qr_date_normalise(z, date) == 0)
        FUZZ_CHECK(strlen(date) == 8 && strspn(date, "0123456789") == 8,
                   "a normalised date is YYYYMMDD");

    if (qr_buf_json_string(&b, s, size) == 0 && b.data) {
        json_error_t jerr;
        json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        FUZZ_CHECK(j != NULL && json_is_string(j), "escaped JSON string parses");
        if (test_utf8_valid(s, size))
            FUZZ_CHECK(json_string_length(j) == size &&
                       memcmp(json_string_value(j), s, size) == 0,
                       "escaped JSON string round-trips");
        json_decref(j);
    }
    qr_buf_clear(&b);

    if (qr_buf_printable(&b, s, size) == 0 && b.data)
        FUZZ_CHECK(test_utf8_clean(b.data, b.len, ""), "printable is one clean line");
    qr_buf_clear(&b);

    qr_hasher h;
    qr_hasher_init(&h, 7);
    qr_hasher_update(&h, s, size / 2);
    qr_hasher_update(&h, s + size / 2, size - size / 2);
    FUZZ_CHECK(qr_hasher_final(&h) == qr_hash64(s, size, 7), "streaming hash");

    if (qr_key_term(&b, QR_TERM_ARTICLE, z) == 0 && b.data)
        FUZZ_CHECK(b.len <= 245, "a key term fits in a Xapian term");
    qr_buf_clear(&b);

    int gz = 0;
    qr_format f = qr_format_from_name(z, &gz);
    FUZZ_CHECK(f >= QR_FMT_UNKNOWN && f <= QR_FMT_LAST, "a known format");
    (void)qr_name_is_indexable(z);

    if (qr_query_plain_words(z, &b) == 0 && b.data)
        FUZZ_CHECK(strlen(b.data) == b.len, "plain words: a C string");
    qr_buf_clear(&b);

    /* the record decoder works in place on a copy of the raw bytes */
    char *rec = malloc(size + 1);
    if (rec) {
        memcpy(rec, s, size);
        rec[size] = '\0';
        qr_record r;
        if (qr_record_decode(rec, size, &r) == 0) {
            FUZZ_CHECK(r.article_id && r.title && r.source && r.url && r.date &&
                       r.author && r.text, "a decoded record has every string");
            FUZZ_CHECK(r.text_len <= size, "record text inside the data");
        }
        free(rec);
    }
    free(z);
    qr_buf_free(&b);
    return 0;
}

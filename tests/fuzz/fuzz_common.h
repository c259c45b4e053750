/*
 * fuzz_common.h — shared by the libFuzzer targets: an independent UTF-8
 * check, and the reader contract (reader.h) checked on every article: each
 * field valid UTF-8 without NUL bytes, title/url/author/id on one line, the
 * body NUL-terminated at body_len, a date empty or "YYYYMMDD".
 *
 * A broken invariant calls abort(), which libFuzzer reports as a crash with
 * the input that caused it.
 */
#ifndef QUARRY_FUZZ_COMMON_H
#define QUARRY_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define FUZZ_CHECK(cond, what)                                           \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", what, \
                    __FILE__, __LINE__);                                 \
            abort();                                                     \
        }                                                                \
    } while (0)

#include "../utf8_oracle.h"

static inline void fz_check_line(const char *s, const char *what)
{
    FUZZ_CHECK(s != NULL, what);
    FUZZ_CHECK(test_utf8_clean(s, strlen(s), ""), what);
}

/* The article callback: checks the contract, touches every byte (so ASan
 * sees an overrun), and goes on. */
static inline int fz_article_cb(void *ctx, const qr_article *a)
{
    size_t *count = ctx;
    fz_check_line(a->id, "id is clean, one line");
    fz_check_line(a->title, "title is clean, one line");
    fz_check_line(a->url, "url is clean, one line");
    fz_check_line(a->author, "author is clean, one line");
    fz_check_line(a->date, "date is clean");
    FUZZ_CHECK(a->date[0] == '\0' ||
               (strlen(a->date) == 8 && strspn(a->date, "0123456789") == 8),
               "date is empty or YYYYMMDD");
    FUZZ_CHECK(a->body != NULL, "body not NULL");
    FUZZ_CHECK(a->body[a->body_len] == '\0', "body NUL-terminated at body_len");
    FUZZ_CHECK(strlen(a->body) == a->body_len, "no NUL inside the body");
    FUZZ_CHECK(test_utf8_clean(a->body, a->body_len, "\t\n"), "body is clean UTF-8");
    FUZZ_CHECK(a->format != QR_FMT_UNKNOWN && a->format != QR_FMT_TAR,
               "article format is a document format");
    FUZZ_CHECK((a->pages == NULL) == (a->npages == 0), "pages given with their count");
    for (size_t k = 0; k < a->npages; k++) {
        FUZZ_CHECK(k > 0 || a->pages[0] == 0, "the first page starts at 0");
        FUZZ_CHECK(k == 0 || a->pages[k] >= a->pages[k - 1], "page offsets increase");
        FUZZ_CHECK(a->pages[k] <= a->body_len, "page offsets inside the body");
    }
    if (count)
        (*count)++;
    return 0;
}

static inline void fz_warn_cb(void *ctx, const char *where, const char *reason)
{
    (void)ctx;
    FUZZ_CHECK(where != NULL && reason != NULL, "warning has where and reason");
    FUZZ_CHECK(strchr(reason, '\n') == NULL, "warning reason is one line");
    FUZZ_CHECK(reason[0] != '\0', "warning reason not empty");
}

/* Small limits, so that a few KB of input reach every limit path (article
 * truncation, line skipping, the decompression bomb guard) quickly. */
static inline qr_read_opts fz_small_limits(void)
{
    qr_read_opts o = {0};
    o.max_article_bytes = 512;
    o.max_line_bytes = 2048;
    o.max_source_bytes = 64 * 1024;
    return o;
}

/* Reads data as name with the given format, checking the result. The
 * sandboxed readers (PDF, ...) run in process: the reader is what is
 * fuzzed, not the child process around it. */
static inline void fz_read(const char *name, qr_format fmt, const uint8_t *data,
                           size_t size, const qr_read_opts *given)
{
    size_t count = 0;
    char *reason = NULL;
    qr_read_stats stats = {0};
    qr_read_opts opts = given ? *given : (qr_read_opts){0};
    opts.in_process = 1;
    qr_status st = qr_read_buffer(name, data, size, fmt, &opts, fz_article_cb,
                                  fz_warn_cb, &count, &stats, &reason);
    FUZZ_CHECK(stats.articles == count, "stats.articles counts the callbacks");
    if (st == QR_OK) {
        FUZZ_CHECK(reason == NULL, "no reason on success");
    } else {
        FUZZ_CHECK(reason != NULL && reason[0] != '\0', "a reason on failure");
        FUZZ_CHECK(strchr(reason, '\n') == NULL, "reason is one line");
        FUZZ_CHECK(st != QR_ERR_STOPPED, "never stopped: the callback goes on");
    }
    free(reason);
}

#endif

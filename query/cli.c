/*
 * cli.c — quarry-query's messages on standard error and its status-to-exit-
 * code mapping, shared by the one-query path and batch mode (cli.h).
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "exitcodes.h"

static const char *prog = "quarry-query";

void msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qr_cli_usage_errorv(prog, fmt, ap);
    va_end(ap);
    return QR_EXIT_QUERY_USAGE;
}

char *shown(const char *s, size_t n)
{
    qr_buf b = {0};
    /* the append makes an empty result a terminated "" */
    if (qr_buf_append(&b, "", 0) != 0 || qr_buf_printable(&b, s, n) != 0) {
        qr_buf_free(&b);
        return NULL;
    }
    return qr_buf_steal(&b);
}

int write_buf(FILE *f, qr_buf *b)
{
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
        return -1;
    qr_buf_clear(b);
    return 0;
}

int exit_for(qr_status st)
{
    switch (st) {
    case QR_OK: return QR_EXIT_QUERY_FOUND;
    case QR_ERR_NOINDEX: return QR_EXIT_QUERY_NOINDEX;
    case QR_ERR_USAGE: return QR_EXIT_QUERY_USAGE;
    default: return QR_EXIT_QUERY_FAILURE;
    }
}

void explain_query(const qr_query *q, const char *where, int verbose)
{
    if (q->long_query)
        msg("%s%snote: the query has more than %d words: searched as plain "
            "words%s", where ? where : "", where ? ": " : "",
            QR_MAX_QUERY_TERMS,
            q->truncated ? ", and only its first words" : "");
    else if (q->level > QR_PARSE_FULL && q->fallback_reason) {
        char *why = shown(q->fallback_reason, strlen(q->fallback_reason));
        /* the words, shortened for the screen */
        size_t n = q->plain ? strlen(q->plain) : 0;
        int cut = n > 200;
        if (cut)
            while (n > 190 && q->plain[n] != ' ')
                n--;
        char *words = shown(q->plain ? q->plain : "", n);
        msg("%s%snote: query syntax not understood (%s); searching for the "
            "words: %s%s", where ? where : "", where ? ": " : "",
            why ? why : "", words ? words : "", cut ? " ..." : "");
        free(why);
        free(words);
    }
    for (size_t i = 0; i < q->nnotes; i++) {
        char *t = shown(q->notes[i], strlen(q->notes[i]));
        msg("%s%snote: %s", where ? where : "", where ? ": " : "", t ? t : "");
        free(t);
    }
    if (q->wildcard_dropped)
        msg("%s%snote: a wildcard matches more than %u words; it was "
            "searched as a plain word", where ? where : "", where ? ": " : "",
            QR_MAX_WILDCARD_EXPANSION);
    if (verbose) {
        char *d = qr_query_describe(q);
        char *s = d ? shown(d, strlen(d)) : NULL;
        msg("%s%squery: %s", where ? where : "", where ? ": " : "",
            s ? s : "?");
        free(s);
        free(d);
    }
}

/*
 * excerpt.h — passage text as people read it: whitespace runs collapsed to
 * one space, matched words wrapped in markers, control characters and
 * invalid UTF-8 shown as U+FFFD, optionally wrapped to a width; snippets
 * (a window of the text around its densest matches); stored dates as
 * YYYY-MM-DD. quarry-query's printers and quarry-serve's JSON both use it,
 * so a snippet is the same bytes wherever it is shown.
 */
#ifndef QUARRY_EXCERPT_H
#define QUARRY_EXCERPT_H

#include <stddef.h>

#include "highlight.h"
#include "util.h"

/* A text being written to out. Fields are set by the caller with a
 * designated or positional initialiser; col and more change as text is
 * written. */
typedef struct qr_flow {
    qr_buf *out;
    const char *open, *close;  /* span markers ("" for none)               */
    unsigned width;            /* 0: no wrapping                           */
    size_t col;                /* columns used on the current line         */
    size_t indent;             /* columns of the indent                    */
    const char *indent_str;    /* written after each line break            */
    int more;                  /* the line already has a word: the first
                                  word written gets a space, or a break   */
} qr_flow;

/* Writes text[0, len) through f: whitespace runs collapsed to one space,
 * the spans sp[0..n) (sorted, not overlapping, relative to text) wrapped
 * in f->open/f->close, unsafe characters as U+FFFD, and (f->width > 0)
 * words wrapped so that lines stay within width columns after the indent
 * the caller already wrote for the first line. Returns 0, or -1 on out of
 * memory. */
int qr_flow_text(qr_flow *f, const char *text, size_t len,
                 const qr_hl_span *sp, size_t n);

/* Writes text[s, e) of text (len bytes) through f, the spans inside it
 * highlighted, with "… " before and " …" after where text was cut.
 * Returns 0 or -1. */
int qr_flow_window(qr_flow *f, const char *text, size_t len,
                   const qr_hl_span *spans, size_t n, size_t s, size_t e);

/* Appends a snippet of text (len bytes) to out: the window chosen by
 * qr_snippet_window (target bytes), whitespace collapsed, the spans inside
 * it wrapped in open/close, "… " before and " …" after where text was cut,
 * control characters and invalid UTF-8 shown as U+FFFD. Returns 0 or -1. */
int qr_snippet_build(const char *text, size_t len, const qr_hl_span *spans,
                     size_t n, size_t target, const char *open,
                     const char *close, qr_buf *out);

/* Appends a stored date to out: "20170709" as "2017-07-09", anything else
 * as stored. Returns 0 or -1. */
int qr_date_format(qr_buf *out, const char *d);

#endif

/*
 * cli.h — what quarry-query's one-query path (main.c) and batch mode
 * (batch.c) share: messages on standard error and statuses as exit codes.
 */
#ifndef QUARRY_QUERY_CLI_H
#define QUARRY_QUERY_CLI_H

#include <stdio.h>

#include "search.h"
#include "util.h"

/* "quarry-query: " and the message, on standard error. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* msg, then "Try 'quarry-query --help' for more information.". Returns
 * the usage exit code, QR_EXIT_QUERY_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* s (n bytes) made printable on one line (malloc'd, the caller frees; NULL
 * when memory runs out). */
char *shown(const char *s, size_t n);

/* Writes b to f and empties b. Returns 0, or -1 on a write error. */
int write_buf(FILE *f, qr_buf *b);

/* The exit code of exitcodes.h for a status of lib/. */
int exit_for(qr_status st);

/* Tells the user how the query was understood when that is not obvious
 * (more words than searched, syntax read as plain words, a wildcard dropped;
 * with verbose, the parsed query). where, when not NULL, begins each note
 * (a batch file's FILE:LINE). */
void explain_query(const qr_query *q, const char *where, int verbose);

#endif

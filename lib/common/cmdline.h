/*
 * cmdline.h — what the three tools' command lines share: the usage error
 * line, the message for an option getopt_long refused, and --version.
 */
#ifndef QUARRY_CMDLINE_H
#define QUARRY_CMDLINE_H

#include <stdarg.h>

/* "PROG: MESSAGE" and "Try 'PROG --help' for more information." on
 * standard error. */
void qr_cli_usage_errorv(const char *prog, const char *fmt, va_list ap);

/* The usage error for an option getopt_long refused, called with opterr
 * set to 0: c is what it returned (':' for a missing value, else '?'),
 * optopt the short option (0 for a long one) and arg the word it stopped
 * at (argv[optind - 1]). */
void qr_cli_bad_option(const char *prog, int c, int optopt, const char *arg);

/* "PROG VERSION (xapian-core X.Y.Z)" on standard output, flushed: 0, or
 * -1 when it could not be written (a closed pipe, a full disk). */
int qr_cli_version(const char *prog);

#endif

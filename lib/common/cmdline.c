/*
 * cmdline.c — the command-line messages the three tools share (cmdline.h), so
 * that they word their usage errors and versions alike.
 */
#include "cmdline.h"

#include <stdio.h>
#include <string.h>

#include "xapian-c.h"

#ifndef QUARRY_VERSION
#error "QUARRY_VERSION is set by CMake"
#endif

void qr_cli_usage_errorv(const char *prog, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
}

static void usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qr_cli_usage_errorv(prog, fmt, ap);
    va_end(ap);
}

void qr_cli_bad_option(const char *prog, int c, int optopt, const char *arg)
{
    if (!arg)
        arg = "?";
    int is_long = arg[0] == '-' && arg[1] == '-';
    const char *eq = is_long ? strchr(arg, '=') : NULL;
    if (c == ':')
        usage_error(prog, "option '%s' needs a value", arg);
    else if (is_long && eq && optopt)
        /* getopt_long names the option in optopt when it was known but
         * given a value it does not take (--json=yes) */
        usage_error(prog, "option '%.*s' takes no value", (int)(eq - arg), arg);
    else if (is_long || !optopt)
        usage_error(prog, "unknown option '%s'", arg);
    else
        usage_error(prog, "unknown option '-%c'", optopt);
}

int qr_cli_version(const char *prog)
{
    printf("%s %s (xapian-core %s)\n", prog, QUARRY_VERSION, xc_version_string());
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

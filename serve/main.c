/*
 * quarry-serve — the command line: parses arguments, checks that the index
 * opens, and runs the HTTP server (http.c) until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "exitcodes.h"
#include "serve.h"
#include "xapian-c.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_MAX_CONNECTIONS 512
#define DEFAULT_TIMEOUT 30
#define MAX_THREADS 256

static void help(unsigned threads)
{
    printf(
"Usage: quarry-serve --db DIR [options]\n"
"\n"
"Serves a Quarry index (built by quarry-index) over HTTP: a search page for\n"
"browsers and a JSON API for programs, read-only. It keeps the index open\n"
"and follows it as quarry-index commits and rebuilds, between requests.\n"
"\n"
"Options:\n"
"  -d, --db DIR            the index to serve (a directory or stub file);\n"
"                          repeat to serve several indexes as one\n"
"  -l, --listen HOST:PORT  the address to listen on (default %s;\n"
"                          [ADDRESS]:PORT for IPv6; PORT alone listens on\n"
"                          127.0.0.1; port 0 picks a free one). The\n"
"                          address listened on is printed to standard error\n"
"  -t, --threads N         worker threads, each with its own searcher\n"
"                          (default %u: the processors; 1 to %d)\n"
"  -c, --max-connections N answer 503 to searches while more than N\n"
"                          connections are open (default %d); past twice\n"
"                          that, connections are not accepted\n"
"      --timeout SECONDS   close a connection idle or stalled that long\n"
"                          (default %d)\n"
"  -v, --verbose           log every request (method, endpoint, status,\n"
"                          seconds) and libmicrohttpd's messages to\n"
"                          standard error\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Endpoints (GET or HEAD):\n"
"  /                       the search page: ?q=&offset=&sort=&from=&to=&source=\n"
"  /article?id=ID&q=Q      an article's full text, Q's words highlighted\n"
"  /api/search?q=Q         the results of quarry-query's JSON output, in one\n"
"                          object with the totals; also n (1-%d), offset\n"
"                          (0-%d), per_article (1-%d), passages=1, sort\n"
"                          (relevance, date, -date), from and to\n"
"                          (YYYY[-MM[-DD]]), source (a word of the path),\n"
"                          like (an article id), plain=1, duplicates=1,\n"
"                          explain=1, spelling=0\n"
"  /api/article/ID         an article's passages (or /api/article?id=ID)\n"
"  /api/suggest?q=Q        the spelling suggestion for Q\n"
"  /healthz                200 when the index opens, else 503\n"
"  /metrics                Prometheus metrics\n"
"  Errors are JSON: {\"error\": message, \"status\": code, \"parameter\": name};\n"
"  400 for a bad or unknown parameter, 404 for no such article or page,\n"
"  405 for a method other than GET or HEAD, 503 when busy or the index is\n"
"  unavailable (with Retry-After), 500 for any other failure.\n"
"\n"
"Exit status:\n"
"  0  stopped by SIGINT or SIGTERM\n"
"  2  usage error: bad option or value\n"
"  3  no index at --db\n"
"  4  any other failure: the index cannot be opened, the address cannot\n"
"     be listened on (in use, not permitted), out of memory\n",
        DEFAULT_LISTEN, threads, MAX_THREADS, DEFAULT_MAX_CONNECTIONS,
        DEFAULT_TIMEOUT, SERVE_MAX_N, SERVE_MAX_OFFSET, SERVE_MAX_PER_ARTICLE);
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    qr_cli_usage_errorv("quarry-serve", fmt, ap);
    va_end(ap);
    return QR_EXIT_SERVE_USAGE;
}

static int parse_uint(const char *opt, const char *s, unsigned min,
                      unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
    if (!(*s >= '0' && *s <= '9') || errno || *end || v < min || v > max) {
        usage_error("%s: expected a whole number from %u to %u, got '%s'",
                    opt, min, max, s);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

enum { OPT_TIMEOUT = 256 };

static const struct option long_opts[] = {
    {"db", required_argument, NULL, 'd'},
    {"listen", required_argument, NULL, 'l'},
    {"threads", required_argument, NULL, 't'},
    {"max-connections", required_argument, NULL, 'c'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned dflt_threads = ncpu < 1 ? 1 : ncpu > MAX_THREADS
                                               ? MAX_THREADS : (unsigned)ncpu;
    serve_config cfg = {.listen = DEFAULT_LISTEN, .threads = dflt_threads,
                        .max_connections = DEFAULT_MAX_CONNECTIONS,
                        .timeout = DEFAULT_TIMEOUT};
    int code = QR_EXIT_SERVE_USAGE;
    serve_pool *pool = NULL;
    cfg.dbs = calloc((size_t)argc + 1, sizeof *cfg.dbs);
    if (!cfg.dbs) {
        fprintf(stderr, "quarry-serve: out of memory\n");
        return QR_EXIT_SERVE_FAILURE;
    }
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":d:l:t:c:vhV", long_opts, NULL)) !=
           -1) {
        switch (c) {
        case 'd': cfg.dbs[cfg.ndbs++] = optarg; break;
        case 'l': cfg.listen = optarg; break;
        case 't':
            if (parse_uint("--threads", optarg, 1, MAX_THREADS, &cfg.threads))
                goto out;
            break;
        case 'c':
            if (parse_uint("--max-connections", optarg, 1, 100000,
                           &cfg.max_connections))
                goto out;
            break;
        case OPT_TIMEOUT:
            if (parse_uint("--timeout", optarg, 1, 3600, &cfg.timeout))
                goto out;
            break;
        case 'v': cfg.log_requests = 1; break;
        case 'h':
            help(dflt_threads);
            code = fflush(stdout) == 0 ? 0 : QR_EXIT_SERVE_FAILURE;
            goto out;
        case 'V':
            code = qr_cli_version("quarry-serve") == 0 ? 0 : QR_EXIT_SERVE_FAILURE;
            goto out;
        default:
            qr_cli_bad_option("quarry-serve", c, optopt, argv[optind - 1]);
            code = QR_EXIT_SERVE_USAGE;
            goto out;
        }
    }
    if (optind < argc) {
        usage_error("unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (cfg.ndbs == 0) {
        usage_error("no index given: use --db DIR");
        goto out;
    }

    /* the index must open now: a typo'd path fails at once, not at the
     * first request */
    qr_searcher *s = NULL;
    qr_buf err = {0};
    qr_status st = qr_searcher_open(cfg.dbs, cfg.ndbs, &s, &err);
    if (st != QR_OK) {
        fprintf(stderr, "quarry-serve: %s\n",
                err.data ? err.data : qr_status_str(st));
        qr_buf_free(&err);
        code = st == QR_ERR_NOINDEX ? QR_EXIT_SERVE_NOINDEX
                                    : QR_EXIT_SERVE_FAILURE;
        goto out;
    }
    qr_searcher_close(s);
    qr_buf_free(&err);
    if (pool_new(cfg.dbs, cfg.ndbs, &pool) != 0) {
        fprintf(stderr, "quarry-serve: out of memory\n");
        code = QR_EXIT_SERVE_FAILURE;
        goto out;
    }
    code = serve_run(&cfg, pool);
out:
    pool_free(pool);
    free(cfg.dbs);
    return code;
}

/*
 * metrics.c — the counters behind /metrics, in Prometheus's text format:
 * responses by endpoint and status, errors, a latency histogram, open
 * connections, and the index's passages, revision and version.
 */
#include "serve.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

/* The statuses counted, in this order; anything else counts as 500. */
static const unsigned codes[] = {200, 400, 404, 405, 500, 503};
#define NCODES (sizeof codes / sizeof codes[0])

/* Upper bounds of the latency buckets, in seconds (then +Inf). */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,   0.25,   0.5,   1,    2.5,   5, 10};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

static atomic_ulong responses[EP_COUNT][NCODES];
static atomic_ulong buckets[EP_COUNT][NBOUNDS + 1];
static atomic_ulong micros[EP_COUNT];     /* sum of latencies, in µs */
static atomic_long connections;
static time_t started;

static const char *const names[EP_COUNT] = {
    [EP_PAGE] = "/", [EP_ARTICLE_PAGE] = "/article",
    [EP_SEARCH] = "/api/search", [EP_ARTICLE] = "/api/article",
    [EP_SUGGEST] = "/api/suggest", [EP_HEALTHZ] = "/healthz",
    [EP_METRICS] = "/metrics", [EP_OTHER] = "other"};

const char *metrics_endpoint_name(endpoint ep)
{
    return (unsigned)ep < EP_COUNT ? names[ep] : "other";
}

void metrics_record(endpoint ep, unsigned status, double seconds)
{
    if ((unsigned)ep >= EP_COUNT)
        ep = EP_OTHER;
    size_t c = 4;   /* 500 */
    for (size_t i = 0; i < NCODES; i++)
        if (codes[i] == status)
            c = i;
    atomic_fetch_add(&responses[ep][c], 1);
    size_t b = 0;
    while (b < NBOUNDS && seconds > bounds[b])
        b++;
    atomic_fetch_add(&buckets[ep][b], 1);
    atomic_fetch_add(&micros[ep], (unsigned long)(seconds * 1e6));
}

void metrics_start(void)
{
    started = time(NULL);
}

void metrics_connection(int opened)
{
    atomic_fetch_add(&connections, opened > 0 ? 1 : -1);
}

long metrics_connections(void)
{
    return atomic_load(&connections);
}

void metrics_render(request *r)
{
    static const char *const no_keys[] = {NULL};
    if (req_check_params(r, no_keys))
        return;
    qr_buf *b = &r->body;
    int rc = 0;
    rc |= qr_buf_puts(b,
        "# HELP quarry_http_requests_total HTTP responses by endpoint and "
        "status code.\n# TYPE quarry_http_requests_total counter\n");
    for (unsigned e = 0; e < EP_COUNT; e++)
        for (size_t c = 0; c < NCODES; c++) {
            unsigned long v = atomic_load(&responses[e][c]);
            if (v || c == 0)
                rc |= qr_buf_printf(b, "quarry_http_requests_total{endpoint="
                                    "\"%s\",code=\"%u\"} %lu\n", names[e],
                                    codes[c], v);
        }
    rc |= qr_buf_puts(b,
        "# HELP quarry_http_errors_total Responses with a 5xx status (the "
        "server failed or was busy).\n"
        "# TYPE quarry_http_errors_total counter\n");
    for (unsigned e = 0; e < EP_COUNT; e++)
        rc |= qr_buf_printf(b, "quarry_http_errors_total{endpoint=\"%s\"} "
                            "%lu\n", names[e],
                            atomic_load(&responses[e][4]) +
                                atomic_load(&responses[e][5]));
    rc |= qr_buf_puts(b,
        "# HELP quarry_http_request_duration_seconds Time from the request "
        "to its response queued.\n"
        "# TYPE quarry_http_request_duration_seconds histogram\n");
    for (unsigned e = 0; e < EP_COUNT; e++) {
        unsigned long cum = 0;
        for (size_t k = 0; k <= NBOUNDS; k++) {
            cum += atomic_load(&buckets[e][k]);
            if (k < NBOUNDS)
                rc |= qr_buf_printf(b, "quarry_http_request_duration_seconds"
                                    "_bucket{endpoint=\"%s\",le=\"%g\"} "
                                    "%lu\n", names[e], bounds[k], cum);
            else
                rc |= qr_buf_printf(b, "quarry_http_request_duration_seconds"
                                    "_bucket{endpoint=\"%s\",le=\"+Inf\"} "
                                    "%lu\n", names[e], cum);
        }
        rc |= qr_buf_printf(b, "quarry_http_request_duration_seconds_sum"
                            "{endpoint=\"%s\"} %.6f\n", names[e],
                            atomic_load(&micros[e]) / 1e6);
        rc |= qr_buf_printf(b, "quarry_http_request_duration_seconds_count"
                            "{endpoint=\"%s\"} %lu\n", names[e], cum);
    }
    rc |= qr_buf_printf(b,
        "# HELP quarry_http_connections Connections open now.\n"
        "# TYPE quarry_http_connections gauge\n"
        "quarry_http_connections %ld\n", metrics_connections());
    rc |= qr_buf_printf(b,
        "# HELP quarry_serve_threads Worker threads, each with its own "
        "searcher.\n# TYPE quarry_serve_threads gauge\n"
        "quarry_serve_threads %u\n", r->cfg->threads);
    rc |= qr_buf_printf(b,
        "# HELP quarry_index_reopens_total Times a worker opened the index "
        "or moved to a newer commit.\n"
        "# TYPE quarry_index_reopens_total counter\n"
        "quarry_index_reopens_total %llu\n",
        (unsigned long long)pool_reopens(r->pool));
    qr_buf err = {0};
    qr_searcher *s = NULL;
    int up = pool_searcher(r->pool, &s, &err) == QR_OK;
    qr_buf_free(&err);
    rc |= qr_buf_printf(b,
        "# HELP quarry_index_up Whether the index could be opened.\n"
        "# TYPE quarry_index_up gauge\nquarry_index_up %d\n", up);
    if (up) {
        const char *v = qr_searcher_version(s);
        rc |= qr_buf_printf(b,
            "# HELP quarry_index_documents Passages (Xapian documents) in "
            "the index.\n# TYPE quarry_index_documents gauge\n"
            "quarry_index_documents %u\n"
            "# HELP quarry_index_revision The index's commit (0 for "
            "shards).\n# TYPE quarry_index_revision gauge\n"
            "quarry_index_revision %llu\n"
            "# HELP quarry_index_info The live version its stub names.\n"
            "# TYPE quarry_index_info gauge\n"
            "quarry_index_info{version=\"",
            qr_searcher_doccount(s),
            (unsigned long long)qr_searcher_revision(s));
        /* a version name is printable ASCII without spaces (searcher.c);
         * quotes and backslashes are escaped all the same */
        for (; *v; v++) {
            if (*v == '"' || *v == '\\')
                rc |= qr_buf_putc(b, '\\');
            rc |= qr_buf_putc(b, *v);
        }
        rc |= qr_buf_puts(b, "\"} 1\n");
    }
    rc |= qr_buf_printf(b,
        "# HELP quarry_serve_start_time_seconds When the server started "
        "(Unix time).\n# TYPE quarry_serve_start_time_seconds gauge\n"
        "quarry_serve_start_time_seconds %lld\n", (long long)started);
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8");
}

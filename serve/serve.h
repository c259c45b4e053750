/*
 * serve.h — quarry-serve's parts and what they share, a section per file:
 * the worker threads' searchers (pool.c), requests and responses over
 * libmicrohttpd (http.c), one search as a request asks for it (query.c),
 * the JSON API (api.c), the HTML pages (page.c) and the metrics
 * (metrics.c). main.c parses the command line and runs the daemon.
 */
#ifndef QUARRY_SERVE_H
#define QUARRY_SERVE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "highlight.h"
#include "languages.h"
#include "search.h"
#include "util.h"

/* Bounds on what one request may ask for: each keeps a request's work and
 * memory small whatever a client sends (README, "quarry-serve"). */
#define SERVE_MAX_QUERY_BYTES 4096   /* q, after URL decoding             */
#define SERVE_MAX_ID_BYTES 4096      /* an article id (like, /article)    */
#define SERVE_MAX_N 100              /* results per request               */
#define SERVE_MAX_OFFSET 10000       /* results skipped                   */
#define SERVE_MAX_PER_ARTICLE 10     /* passages shown per article        */
#define SERVE_MAX_PASSAGES 5000      /* passages of one article shown     */
#define SERVE_MAX_PARAMS 32          /* query-string parameters           */
#define SERVE_PAGE_RESULTS 10        /* articles per HTML page            */

/* ================================================================ pool.c */

/* The index as the worker threads see it: each thread opens its own
 * qr_searcher (Xapian handles are not thread-safe) on its first request
 * and keeps it; before each request it is brought up to date. */
typedef struct serve_pool serve_pool;

/* A pool over the index at paths[0..n) (the strings must outlive it).
 * Returns 0, or -1 on out of memory. */
int pool_new(const char *const *paths, size_t n, serve_pool **out);

/* This thread's searcher, current: opened if the thread has none, opened
 * anew if a rebuild switched the stub, else moved to the latest commit.
 * Returns QR_OK and *out (owned by the pool), or the status of the open
 * (message in err). */
qr_status pool_searcher(serve_pool *p, qr_searcher **out, qr_buf *err);

/* Closes this thread's searcher after a failure that a fresh one may not
 * have (its version deleted under it): the next pool_searcher reopens. */
void pool_discard(serve_pool *p);

/* Times a searcher was opened anew or moved to a newer revision. */
uint64_t pool_reopens(const serve_pool *p);

/* Closes every thread's searcher (the threads must have stopped). */
void pool_free(serve_pool *p);

/* ================================================================ http.c */

typedef struct serve_config {
    const char **dbs;          /* --db, in order                            */
    size_t ndbs;
    const char *listen;        /* --listen HOST:PORT                        */
    unsigned threads;          /* --threads                                 */
    unsigned max_connections;  /* --max-connections: busy past this         */
    unsigned timeout;          /* --timeout: seconds a client may idle      */
    int log_requests;          /* --log-requests                            */
} serve_config;

/* The endpoints, for routing and the metrics' labels. */
typedef enum endpoint {
    EP_PAGE = 0, EP_ARTICLE_PAGE, EP_SEARCH, EP_ARTICLE, EP_SUGGEST,
    EP_HEALTHZ, EP_METRICS, EP_OTHER, EP_COUNT
} endpoint;

/* One request and the response being made for it. */
typedef struct request {
    struct MHD_Connection *con;
    const char *path;          /* the URL's path, decoded                   */
    endpoint ep;
    serve_pool *pool;
    const serve_config *cfg;
    const char *keys[SERVE_MAX_PARAMS];   /* the query string, decoded      */
    const char *values[SERVE_MAX_PARAMS];
    size_t nparams;
    int bad_params;            /* 1: more than SERVE_MAX_PARAMS; 2: a key or
                                  value not valid UTF-8                    */
    const char *bad_key;       /* the key whose value is not UTF-8         */
    char nonce[33];            /* the page's CSP nonce (hex)                */
    /* the response */
    unsigned status;
    const char *content_type;
    qr_buf body;
    int retry_after;           /* add Retry-After (503)                     */
    const char *param;         /* the parameter an error names, or NULL     */
    char message[512];         /* the error's message (req_error)           */
} request;

/* The value of parameter key, or NULL. */
const char *req_param(const request *r, const char *key);

/* Checks the query string: at most SERVE_MAX_PARAMS parameters, keys among
 * allowed (NULL-terminated), none given twice, all valid UTF-8. Returns 0,
 * or -1 with a 400 error as the response. */
int req_check_params(request *r, const char *const *allowed);

/* A whole number parameter in [min, max], *out = dflt when absent. Returns
 * 0, or -1 with a 400 error naming the parameter. */
int req_count(request *r, const char *key, uint32_t min, uint32_t max,
              uint32_t dflt, uint32_t *out);
/* A 0/1 flag ("0", "1", "true", "false", "on", "off", "" is 1), *out = 0
 * when absent. Returns 0 or -1 (400). */
int req_flag(request *r, const char *key, int *out);

/* The response: a JSON error {"error": message, "status": status,
 * "parameter": param or omitted}. */
void req_error(request *r, unsigned status, const char *param,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets the response's status and type; the body is r->body. */
void req_reply(request *r, unsigned status, const char *content_type);
/* The response for a status of lib/ (500 for a failure, 503 when the
 * index cannot be opened). */
void req_fail(request *r, qr_status st, const qr_buf *err);

/* Runs the server until SIGINT or SIGTERM. Returns an exit code. */
int serve_run(const serve_config *cfg, serve_pool *pool);

/* =============================================================== query.c */

/* One search as a request asks for it (the API's and the page's
 * parameters), and what it found. */
typedef struct search_req {
    const char *q;             /* the words, maybe empty                    */
    const char *from, *to;     /* date range, YYYY[-MM[-DD]] or NULL        */
    const char *source;        /* source: filter word or NULL               */
    char lang[QR_LANG_MAX];    /* lang: filter, a language code, or ""      */
    const char *like;          /* article id or NULL                        */
    int plain;                 /* no query syntax                           */
    int spelling;              /* suggest spellings                         */
    int all_passages;          /* rank passages on their own                */
    qr_search_opts opts;
} search_req;

typedef struct search_out {
    char *text;                /* the query searched: q and the filters      */
    qr_query *q;
    qr_results res;
    qr_highlighter *hl;        /* for what was searched; NULL if unavailable */
    uint64_t revision;
    const char *version;       /* owned by the searcher                      */
} search_out;

/* Reads the search parameters common to the API and the page into *sr
 * (strings point into the request). Returns 0, or -1 with a 400. */
int search_params(request *r, search_req *sr, uint32_t max_n);

/* Runs sr on this thread's searcher, retried once on a fresh one when the
 * index went away under it. Returns 0 and fills *out (search_out_free), or
 * -1 with an error response (400 for a query with no words or an unknown
 * like article, 503 when the index is unavailable, 500 otherwise). */
int search_exec(request *r, const search_req *sr, search_out *out);
void search_out_free(search_out *o);

/* The spans of the query's words in text (caller frees *spans). */
void search_spans(const search_out *o, const char *text, size_t len,
                  qr_hl_span **spans, size_t *n);

/* Appends qr_result_json's objects for the hits of o, comma-separated. */
int search_results_json(qr_buf *b, const search_out *o);

/* Appends the notes on how the query was read (syntax not understood, a
 * wildcard dropped, ...), one printable line each ending in '\n'. Returns
 * 0 or -1. */
int search_notes(const search_out *o, qr_buf *b);

/* Is s a date filter value: YYYY, YYYY-MM or YYYY-MM-DD? */
int search_date_ok(const char *s);

/* ================================================================= api.c */

void api_search(request *r);
void api_article(request *r, const char *id);
void api_suggest(request *r);
void api_healthz(request *r);

/* ================================================================ page.c */

void page_search(request *r);
void page_article(request *r);

/* ============================================================= metrics.c */

/* Notes the start time (call once, before serving). */
void metrics_start(void);
/* Counts a response: its endpoint, status and seconds taken. */
void metrics_record(endpoint ep, unsigned status, double seconds);
void metrics_connection(int opened);   /* +1 opened, -1 closed */
long metrics_connections(void);
/* /metrics: the Prometheus text format. */
void metrics_render(request *r);
const char *metrics_endpoint_name(endpoint ep);

#endif

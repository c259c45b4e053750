/*
 * http.c — quarry-serve over libmicrohttpd: the daemon and its threads,
 * routing a request to its handler, the query string checked, responses
 * with their headers, the overload answer, and the request log.
 */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "exitcodes.h"

/* Bytes one connection may use for its request line and headers: a URL
 * up to about this long reaches the handler (which refuses a q over
 * SERVE_MAX_QUERY_BYTES with a JSON 400); a longer one gets
 * libmicrohttpd's own 414. */
#define CONNECTION_MEMORY (128 * 1024)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int utf8_ok(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = qr_utf8_len(s + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

/* ------------------------------------------------------------ parameters */

const char *req_param(const request *r, const char *key)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->keys[i], key) == 0)
            return r->values[i];
    return NULL;
}

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    (void)kind;
    request *r = cls;
    if (!value)
        value = "";
    if (r->bad_params)
        return MHD_YES;
    if (r->nparams == SERVE_MAX_PARAMS) {
        r->bad_params = 1;
        return MHD_YES;
    }
    if (!utf8_ok(key) || !utf8_ok(value)) {
        r->bad_params = 2;
        r->bad_key = utf8_ok(key) ? key : NULL;
        return MHD_YES;
    }
    r->keys[r->nparams] = key;
    r->values[r->nparams++] = value;
    return MHD_YES;
}

int req_check_params(request *r, const char *const *allowed)
{
    if (r->bad_params == 1) {
        req_error(r, 400, NULL, "the query string has more than %d "
                  "parameters", SERVE_MAX_PARAMS);
        return -1;
    }
    if (r->bad_params) {
        if (r->bad_key)
            req_error(r, 400, r->bad_key, "%s: not valid UTF-8", r->bad_key);
        else
            req_error(r, 400, NULL, "a parameter's name is not valid UTF-8");
        return -1;
    }
    for (size_t i = 0; i < r->nparams; i++) {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, r->keys[i]) == 0;
        if (!known) {
            req_error(r, 400, r->keys[i], "unknown parameter '%s'",
                      r->keys[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->keys[i], r->keys[j]) == 0) {
                req_error(r, 400, r->keys[i], "parameter '%s' given twice",
                          r->keys[i]);
                return -1;
            }
    }
    return 0;
}

int req_count(request *r, const char *key, uint32_t min, uint32_t max,
              uint32_t dflt, uint32_t *out)
{
    const char *v = req_param(r, key);
    *out = dflt;
    if (!v)
        return 0;
    unsigned long long x = 0;
    size_t i = 0;
    for (; v[i] >= '0' && v[i] <= '9' && i < 12; i++)
        x = x * 10 + (unsigned)(v[i] - '0');
    if (i == 0 || v[i] || x < min || x > max) {
        qr_buf shown = {0};
        qr_buf_printable(&shown, v, strlen(v) > 40 ? 40 : strlen(v));
        req_error(r, 400, key, "%s: expected a whole number from %u to %u, "
                  "got '%s%s'", key, min, max, shown.data ? shown.data : "",
                  strlen(v) > 40 ? "..." : "");
        qr_buf_free(&shown);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

int req_flag(request *r, const char *key, int *out)
{
    const char *v = req_param(r, key);
    *out = 0;
    if (!v)
        return 0;
    if (!*v || !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "on")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "off"))
        return 0;
    req_error(r, 400, key, "%s: expected 1 or 0", key);
    return -1;
}

/* ------------------------------------------------------------- responses */

void req_reply(request *r, unsigned status, const char *content_type)
{
    r->status = status;
    r->content_type = content_type;
}

void req_error(request *r, unsigned status, const char *param,
               const char *fmt, ...)
{
    qr_buf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    qr_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    qr_buf_clear(&r->body);
    qr_buf_puts(&r->body, "{\"error\":");
    qr_buf_json_string(&r->body, msg.data ? msg.data : "", msg.len);
    qr_buf_printf(&r->body, ",\"status\":%u", status);
    if (param) {
        qr_buf_puts(&r->body, ",\"parameter\":");
        qr_buf_json_string(&r->body, param, strlen(param));
    }
    qr_buf_puts(&r->body, "}\n");
    snprintf(r->message, sizeof r->message, "%s", msg.data ? msg.data : "");
    r->param = param;
    qr_buf_free(&msg);
    r->retry_after = status == 503;
    req_reply(r, status, "application/json");
}

void req_fail(request *r, qr_status st, const qr_buf *err)
{
    const char *m = err && err->data ? err->data : qr_status_str(st);
    if (st == QR_ERR_NOINDEX || st == QR_ERR_IO || st == QR_ERR_LOCKED)
        req_error(r, 503, NULL, "the index is not available: %s", m);
    else
        req_error(r, 500, NULL, "%s", m);
}

/* ---------------------------------------------------------------- routing */

static endpoint route(const char *path, const char **rest)
{
    *rest = NULL;
    if (!strcmp(path, "/"))
        return EP_PAGE;
    if (!strcmp(path, "/article"))
        return EP_ARTICLE_PAGE;
    if (!strcmp(path, "/api/search"))
        return EP_SEARCH;
    if (!strcmp(path, "/api/article"))
        return EP_ARTICLE;
    if (!strncmp(path, "/api/article/", 13)) {
        *rest = path + 13;
        return EP_ARTICLE;
    }
    if (!strcmp(path, "/api/suggest"))
        return EP_SUGGEST;
    if (!strcmp(path, "/healthz"))
        return EP_HEALTHZ;
    if (!strcmp(path, "/metrics"))
        return EP_METRICS;
    return EP_OTHER;
}

static void dispatch(request *r)
{
    const char *rest;
    r->ep = route(r->path, &rest);
    if (!utf8_ok(r->path)) {
        req_error(r, 400, NULL, "the path is not valid UTF-8");
        return;
    }
    /* past --max-connections open connections, searches are refused at
     * once, so those being answered stay fast; health and metrics still
     * answer, to show it */
    if (r->ep != EP_HEALTHZ && r->ep != EP_METRICS && r->ep != EP_OTHER &&
        metrics_connections() > (long)r->cfg->max_connections) {
        req_error(r, 503, NULL, "busy: more than %u connections open; try "
                  "again", r->cfg->max_connections);
        return;
    }
    switch (r->ep) {
    case EP_PAGE: page_search(r); break;
    case EP_ARTICLE_PAGE: page_article(r); break;
    case EP_SEARCH: api_search(r); break;
    case EP_ARTICLE: api_article(r, rest); break;
    case EP_SUGGEST: api_suggest(r); break;
    case EP_HEALTHZ: api_healthz(r); break;
    case EP_METRICS: metrics_render(r); break;
    default: {
        qr_buf shown = {0};
        size_t n = strlen(r->path);
        qr_buf_printable(&shown, r->path, n > 200 ? 200 : n);
        req_error(r, 404, NULL, "no such page: %s", shown.data);
        qr_buf_free(&shown);
    }
    }
}

static void add_headers(struct MHD_Response *resp, const request *r)
{
    MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (r->retry_after)
        MHD_add_response_header(resp, "Retry-After", "1");
    if (!strncmp(r->content_type, "text/html", 9)) {
        /* the page's style and script are inline, allowed by a nonce
         * fresh for each response; nothing else may load or run */
        char csp[256];
        snprintf(csp, sizeof csp,
                 "default-src 'none'; style-src 'nonce-%s'; "
                 "script-src 'nonce-%s'; img-src 'self' data:; "
                 "form-action 'self'; base-uri 'none'; "
                 "frame-ancestors 'none'", r->nonce, r->nonce);
        MHD_add_response_header(resp, "Content-Security-Policy", csp);
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *con,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    (void)con_cls;
    const serve_config *cfg = ((void **)cls)[0];
    serve_pool *pool = ((void **)cls)[1];
    double t0 = now();
    request r = {.con = con, .path = url, .pool = pool, .cfg = cfg,
                 .status = 500, .content_type = "application/json"};
    unsigned char rnd[16] = {0};
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        /* no entropy yet (early boot): still unique per response */
        uint64_t x = (uint64_t)(t0 * 1e9) ^ (uint64_t)(uintptr_t)&r;
        memcpy(rnd, &x, sizeof x);
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(r.nonce + 2 * i, 3, "%02x", rnd[i]);

    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        r.ep = EP_OTHER;
        req_error(&r, 405, NULL, "method %s not allowed: quarry-serve is "
                  "read-only (GET and HEAD)",
                  strlen(method) < 20 ? method : "?");
    } else {
        MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, collect_param,
                                  &r);
        dispatch(&r);
    }
    if (*upload_data_size)
        *upload_data_size = 0;   /* a body is never read */
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r.body.len, r.body.data ? r.body.data : (char *)"",
        MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ok = MHD_NO;
    if (resp) {
        add_headers(resp, &r);
        if (r.status == 405)
            MHD_add_response_header(resp, "Allow", "GET, HEAD");
        ok = MHD_queue_response(con, r.status, resp);
        MHD_destroy_response(resp);
    }
    double secs = now() - t0;
    metrics_record(r.ep, r.status, secs);
    if (cfg->log_requests)
        fprintf(stderr, "quarry-serve: %s %s %u %.3fs\n",
                strlen(method) < 20 ? method : "?",
                metrics_endpoint_name(r.ep), r.status, secs);
    qr_buf_free(&r.body);
    return ok;
}

static void notify_connection(void *cls, struct MHD_Connection *con,
                              void **socket_context,
                              enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)con;
    (void)socket_context;
    metrics_connection(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    const serve_config *cfg = cls;
    if (!cfg->log_requests)
        return;
    fputs("quarry-serve: libmicrohttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* --------------------------------------------------------------- daemon */

/* HOST:PORT, [ADDR]:PORT or PORT (on 127.0.0.1) into an address. Returns
 * 0, or -1 with a message in err. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss,
                        socklen_t *len, qr_buf *err)
{
    char host[256];
    const char *port;
    const char *colon = strrchr(spec, ':');
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host) {
            qr_buf_printf(err, "--listen: expected [ADDRESS]:PORT, got '%s'",
                          spec);
            return -1;
        }
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        port = close + 2;
    } else if (!colon) {
        strcpy(host, "127.0.0.1");
        port = spec;
    } else {
        if ((size_t)(colon - spec) >= sizeof host || colon == spec) {
            qr_buf_printf(err, "--listen: expected HOST:PORT, got '%s'", spec);
            return -1;
        }
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        port = colon + 1;
    }
    size_t i = 0;
    unsigned long p = 0;
    for (; port[i] >= '0' && port[i] <= '9' && i < 6; i++)
        p = p * 10 + (unsigned)(port[i] - '0');
    if (i == 0 || port[i] || p > 65535) {
        qr_buf_printf(err, "--listen: the port must be a number from 0 to "
                      "65535, got '%s'", port);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV}, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res) {
        qr_buf_printf(err, "--listen: cannot resolve '%s': %s", host,
                      gai_strerror(rc));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* The file descriptors' soft limit raised to the hard one: every open
 * connection is one. Returns the limit. */
static rlim_t raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

int serve_run(const serve_config *cfg, serve_pool *pool)
{
    qr_buf err = {0};
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    if (parse_listen(cfg->listen, &ss, &sslen, &err) != 0) {
        fprintf(stderr, "quarry-serve: %s\n", err.data);
        fprintf(stderr, "Try 'quarry-serve --help' for more information.\n");
        qr_buf_free(&err);
        return QR_EXIT_SERVE_USAGE;
    }
    /* connections over --max-connections are answered 503; past twice
     * that (and what the descriptors allow) they are not accepted */
    rlim_t fds = raise_nofile();
    unsigned hard = cfg->max_connections * 2 + 64;
    if (fds > 128 && hard > fds - 64)
        hard = (unsigned)(fds - 64);

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);   /* the threads inherit it */
    signal(SIGPIPE, SIG_IGN);

    metrics_start();
    void *cls[2] = {(void *)cfg, pool};
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, cls,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, hard,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_CONNECTION, notify_connection, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)cfg,
        MHD_OPTION_END);
    if (!d) {
        int e = errno;
        fprintf(stderr, "quarry-serve: cannot listen on %s: %s\n",
                cfg->listen, e ? strerror(e) : "libmicrohttpd failed to start");
        return QR_EXIT_SERVE_FAILURE;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char addr[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
                  sizeof addr);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr,
                  sizeof addr);
    fprintf(stderr, "quarry-serve: listening on http://%s%s%s:%u/ (%u "
            "threads)\n", ss.ss_family == AF_INET6 ? "[" : "", addr,
            ss.ss_family == AF_INET6 ? "]" : "",
            info ? (unsigned)info->port : 0, cfg->threads);
    fflush(stderr);

    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "quarry-serve: %s: stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_stop_daemon(d);
    return QR_EXIT_SERVE_OK;
}

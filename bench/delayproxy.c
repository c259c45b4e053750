/*
 * delayproxy.c — a loopback TCP proxy for measuring remote shards at a
 * network's latency: it listens on 127.0.0.1, connects each client to
 * one xapian-tcpsrv, holds every byte for a set delay in each direction
 * (so a round trip costs twice the delay) and counts the client's
 * requests by xapian-core's remote protocol message type.
 *
 *   delayproxy --target HOST:PORT --delay-ms D [--port P] [--log FILE]
 *
 * It prints its port on stdout once it listens (P 0 or absent: any free
 * port). With --log, one line per request the clients send, "CONN TYPE"
 * (TYPE the message type's number, as xapian-core 1.4's remote protocol
 * numbers them: 2 document, 8 query, 9 termlist, 26 get mset, ...),
 * and the time in ms (CLOCK_MONOTONIC) "CONN TYPE MS",
 * appended and flushed as it passes, so a script can count the requests
 * between two points. Single-threaded (poll); it runs until killed.
 *
 * A message of the remote protocol is one type byte, its length (one
 * byte below 255; else 255 and the rest, less 255, in 7-bit groups, low
 * first, the last with its top bit set) and that many bytes.
 */
#define _GNU_SOURCE     /* ppoll: a timeout finer than a millisecond */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define CHUNK 65536

/* Bytes read at one time, to be written once due. */
typedef struct chunk {
    struct chunk *next;
    int64_t due;          /* monotonic ns */
    size_t len, off;
    unsigned char data[];
} chunk;

/* One direction of a connection. */
typedef struct pipe_dir {
    int from, to;
    chunk *head, *tail;
    int eof;              /* from closed: close to once drained */
} pipe_dir;

/* The client's message parser: where it is in the current message. */
typedef struct parser {
    int state;            /* 0 type, 1 first length byte, 2 more, 3 body */
    unsigned type;
    uint64_t len, shift;
} parser;

typedef struct conn {
    int used, id;
    pipe_dir up, down;    /* client -> server, server -> client */
    parser p;
} conn;

static conn conns[MAX_CONNS];
static int64_t delay_ns;
static FILE *logf_;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "delayproxy: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* Counts the complete requests in data[0..len) of c's client stream. */
static void parse(conn *c, const unsigned char *data, size_t len)
{
    parser *p = &c->p;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = data[i];
        switch (p->state) {
        case 0:
            p->type = b;
            p->state = 1;
            break;
        case 1:
            if (b < 255) {
                p->len = b;
                p->state = 3;
            } else {
                p->len = 0;
                p->shift = 0;
                p->state = 2;
            }
            break;
        case 2:
            if (p->shift < 63)
                p->len |= (uint64_t)(b & 0x7f) << p->shift;
            p->shift += 7;
            if (b & 0x80) {
                p->len += 255;
                p->state = 3;
            }
            break;
        case 3: {
            size_t take = len - i;
            if (take > p->len)
                take = (size_t)p->len;
            p->len -= take;
            i += take - 1;
            if (take == 0)
                i--;     /* an empty body: nothing consumed */
            break;
        }
        }
        if (p->state == 3 && p->len == 0) {
            if (logf_) {
                fprintf(logf_, "%d %u %.3f\n", c->id, p->type,
                        (double)now_ns() / 1e6);
                fflush(logf_);
            }
            p->state = 0;
        }
    }
}

static void close_conn(conn *c)
{
    chunk *k, *n;
    for (k = c->up.head; k; k = n) {
        n = k->next;
        free(k);
    }
    for (k = c->down.head; k; k = n) {
        n = k->next;
        free(k);
    }
    if (c->up.from >= 0)
        close(c->up.from);
    if (c->up.to >= 0)
        close(c->up.to);
    memset(c, 0, sizeof *c);
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Reads what d's source has into a new chunk due after the delay.
 * Returns 0, or -1 when the connection should close (an error). */
static int pump_in(conn *c, pipe_dir *d, int is_up)
{
    chunk *k = malloc(sizeof *k + CHUNK);
    if (!k)
        return -1;
    ssize_t r = read(d->from, k->data, CHUNK);
    if (r <= 0) {
        free(k);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            return 0;
        d->eof = 1;
        return 0;
    }
    if (is_up)
        parse(c, k->data, (size_t)r);
    k->next = NULL;
    k->len = (size_t)r;
    k->off = 0;
    k->due = now_ns() + delay_ns;
    if (d->tail)
        d->tail->next = k;
    else
        d->head = k;
    d->tail = k;
    return 0;
}

/* Writes d's due chunks. Returns 0, or -1 on a write error. */
static int pump_out(pipe_dir *d, int64_t now)
{
    while (d->head && d->head->due <= now) {
        chunk *k = d->head;
        ssize_t w = write(d->to, k->data + k->off, k->len - k->off);
        if (w < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        k->off += (size_t)w;
        if (k->off < k->len)
            return 0;
        d->head = k->next;
        if (!d->head)
            d->tail = NULL;
        free(k);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *target = NULL, *logpath = NULL;
    double delay_ms = 0;
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
            target = argv[++i];
        else if (strcmp(argv[i], "--delay-ms") == 0 && i + 1 < argc)
            delay_ms = atof(argv[++i]);
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            logpath = argv[++i];
        else {
            fprintf(stderr, "usage: delayproxy --target HOST:PORT "
                            "--delay-ms D [--port P] [--log FILE]\n");
            return 2;
        }
    }
    const char *colon = target ? strrchr(target, ':') : NULL;
    if (!colon || delay_ms < 0) {
        fprintf(stderr, "delayproxy: --target HOST:PORT and a delay >= 0\n");
        return 2;
    }
    delay_ns = (int64_t)(delay_ms * 1e6);
    signal(SIGPIPE, SIG_IGN);
    if (logpath && !(logf_ = fopen(logpath, "a")))
        die(logpath);

    char host[256];
    size_t hl = (size_t)(colon - target);
    if (hl >= sizeof host)
        hl = sizeof host - 1;
    memcpy(host, target, hl);
    host[hl] = 0;
    struct addrinfo hints = {0}, *dst = NULL;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &dst) != 0 || !dst) {
        fprintf(stderr, "delayproxy: cannot resolve %s\n", target);
        return 2;
    }

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0)
        die("socket");
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0)
        die("bind");
    if (listen(ls, 16) != 0)
        die("listen");
    socklen_t sl = sizeof sa;
    getsockname(ls, (struct sockaddr *)&sa, &sl);
    printf("%d\n", ntohs(sa.sin_port));
    fflush(stdout);

    int next_id = 1;
    for (;;) {
        struct pollfd pf[1 + 2 * MAX_CONNS];
        int map[1 + 2 * MAX_CONNS];
        int np = 0;
        pf[np].fd = ls;
        pf[np].events = POLLIN;
        map[np++] = -1;
        int64_t now = now_ns(), wake = -1;
        for (int i = 0; i < MAX_CONNS; i++) {
            conn *c = &conns[i];
            if (!c->used)
                continue;
            pipe_dir *ds[2] = {&c->up, &c->down};
            for (int j = 0; j < 2; j++) {
                pipe_dir *d = ds[j];
                short ev = d->eof ? 0 : POLLIN;
                if (d->head) {
                    if (d->head->due <= now)
                        ev |= 0;    /* written below, after poll */
                    if (wake < 0 || d->head->due < wake)
                        wake = d->head->due;
                }
                pf[np].fd = d->from;
                pf[np].events = ev;
                map[np++] = i * 2 + j;
            }
        }
        struct timespec ts, *tsp = NULL;
        if (wake >= 0) {
            int64_t left = wake <= now ? 0 : wake - now;
            ts.tv_sec = (time_t)(left / 1000000000);
            ts.tv_nsec = (long)(left % 1000000000);
            tsp = &ts;
        }
        if (ppoll(pf, (nfds_t)np, tsp, NULL) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (pf[0].revents & POLLIN) {
            int cs = accept(ls, NULL, NULL);
            int slot = -1;
            for (int i = 0; cs >= 0 && i < MAX_CONNS && slot < 0; i++)
                if (!conns[i].used)
                    slot = i;
            int ss = slot >= 0 ? socket(AF_INET, SOCK_STREAM, 0) : -1;
            if (ss >= 0 && connect(ss, dst->ai_addr, dst->ai_addrlen) == 0) {
                conn *c = &conns[slot];
                memset(c, 0, sizeof *c);
                c->used = 1;
                c->id = next_id++;
                c->up.from = cs;
                c->up.to = ss;
                c->down.from = ss;
                c->down.to = cs;
                set_nodelay(cs);
                set_nodelay(ss);
            } else {
                if (ss >= 0)
                    close(ss);
                if (cs >= 0)
                    close(cs);
            }
        }
        for (int k = 1; k < np; k++) {
            conn *c = &conns[map[k] / 2];
            if (!c->used || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            pipe_dir *d = map[k] % 2 ? &c->down : &c->up;
            if (pump_in(c, d, map[k] % 2 == 0) != 0)
                close_conn(c);
        }
        now = now_ns();
        for (int i = 0; i < MAX_CONNS; i++) {
            conn *c = &conns[i];
            if (!c->used)
                continue;
            if (pump_out(&c->up, now) != 0 || pump_out(&c->down, now) != 0 ||
                (c->up.eof && !c->up.head) || (c->down.eof && !c->down.head))
                close_conn(c);
        }
    }
}

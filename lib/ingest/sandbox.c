/*
 * sandbox.c — reads a document in a child process, quarry-extract, so that
 * a parser that crashes, hangs or eats memory costs its file only (as
 * Xapian's omindex runs its filters): fork + exec under CPU, address-space,
 * wall-clock and output limits; the document is fed to the child's stdin
 * while its records (frame.h) are read from its stdout and checked.
 *
 * quarry-index has writer threads, so between fork and exec the child
 * makes only async-signal-safe system calls (sigprocmask, setrlimit, dup2,
 * close_range, execve); everything it needs is prepared before the fork.
 */
#include "reader_int.h"

#include "frame.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef QUARRY_EXTRACT_INSTALLED
#define QUARRY_EXTRACT_INSTALLED "/usr/local/bin/quarry-extract"
#endif

/* Under AddressSanitizer the child (built the same way) reserves terabytes
 * of shadow address space at start: an address-space limit would stop it
 * before main. The CPU, time and output limits still hold. */
#if defined(__SANITIZE_ADDRESS__)
#define SB_LIMIT_AS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_LIMIT_AS 0
#endif
#endif
#ifndef SB_LIMIT_AS
#define SB_LIMIT_AS 1
#endif

#define SB_IO_CHUNK   (64 * 1024)
#define SB_ERR_TAIL   2048          /* bytes of the child's stderr kept      */

/* ------------------------------------------------------------ the program */

static pthread_once_t beside_once = PTHREAD_ONCE_INIT;
static char beside[PATH_MAX];       /* quarry-extract beside the running program */

static void find_beside(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
        *slash = '\0';
        if ((size_t)snprintf(beside, sizeof beside, "%s/quarry-extract", exe) >= sizeof beside)
            beside[0] = '\0';
    }
}

static int runnable(const char *p)
{
    return p && *p && access(p, X_OK) == 0;
}

/* The quarry-extract to run: opts.extractor, else QUARRY_EXTRACT, else
 * beside the running program, else the installed one. NULL (and why)
 * when there is none. */
static const char *find_extractor(const rd_ctx *rc, const char *label, qr_buf *why)
{
    const char *p = rc->extractor && *rc->extractor ? rc->extractor : getenv("QUARRY_EXTRACT");
    if (p && *p) {
        if (runnable(p))
            return p;
        rd_fail(why, QR_ERR_FORMAT, "cannot read %s files: quarry-extract not found at %s "
                "(set QUARRY_EXTRACT)", label, p);
        return NULL;
    }
    pthread_once(&beside_once, find_beside);
    if (runnable(beside))
        return beside;
    if (runnable(QUARRY_EXTRACT_INSTALLED))
        return QUARRY_EXTRACT_INSTALLED;
    rd_fail(why, QR_ERR_FORMAT, "cannot read %s files: quarry-extract not found "
            "(set QUARRY_EXTRACT)", label);
    return NULL;
}

/* ------------------------------------------------------------ the child */

typedef struct child {
    pid_t pid;
    int in, out, err;               /* the parent's ends (-1 when closed)    */
} child;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* An fd of the child's that is not 0, 1 or 2 (those are what it is
 * dup2'd onto; dup2 onto itself would keep close-on-exec). */
static int above_stdio(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return d;
}

/* Starts argv[0] with stdin a socket (the parent writes with
 * MSG_NOSIGNAL: a child gone early is EPIPE, not SIGPIPE) and stdout and
 * stderr pipes. 0, or -1 with errno. */
static int spawn(child *c, char *const argv[], unsigned seconds, uint64_t memory)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 ||
        pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        goto fail;
    in[0] = above_stdio(in[0]);
    out[1] = above_stdio(out[1]);
    err[1] = above_stdio(err[1]);
    if (in[0] < 0 || out[1] < 0 || err[1] < 0)
        goto fail;
    /* the child may read only; the parent may write only */
    shutdown(in[0], SHUT_WR);
    shutdown(in[1], SHUT_RD);

    struct rlimit cpu = {.rlim_cur = seconds, .rlim_max = (rlim_t)seconds + 1};
    struct rlimit as = {.rlim_cur = memory, .rlim_max = memory};
    struct rlimit core = {0, 0};
    sigset_t none;
    sigemptyset(&none);

    pid_t pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0) {
        /* async-signal-safe calls only, up to execve */
        sigprocmask(SIG_SETMASK, &none, NULL);
        setrlimit(RLIMIT_CPU, &cpu);
        if (SB_LIMIT_AS)
            setrlimit(RLIMIT_AS, &as);
        setrlimit(RLIMIT_CORE, &core);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
            _exit(127);
        close_range(3, ~0U, 0);
        execve(argv[0], argv, environ);
        static const char msg[] = "quarry-extract: cannot be run (execve failed)\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    c->pid = pid;
    c->in = in[1];
    c->out = out[0];
    c->err = err[0];
    fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
    fcntl(c->out, F_SETFL, fcntl(c->out, F_GETFL) | O_NONBLOCK);
    fcntl(c->err, F_SETFL, fcntl(c->err, F_GETFL) | O_NONBLOCK);
    return 0;
fail:;
    int e = errno;
    for (int i = 0; i < 2; i++) {
        close_fd(&in[i]);
        close_fd(&out[i]);
        close_fd(&err[i]);
    }
    errno = e;
    return -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ the run */

/* One run of the child: what came back, and how it ended. */
typedef struct run {
    rd_ctx *rc;
    const rd_unit *u;
    qr_buf *why;
    qr_buf root;                    /* the child's where for the unit itself */
    size_t id_len;                  /* articles' ids start with u->id        */

    qr_buf acc;                     /* stdout bytes not yet decoded          */
    uint64_t out_total, out_cap;    /* stdout bytes, and their limit         */
    uint32_t record_cap;            /* the largest record accepted           */
    int magic_seen, end_seen;
    qr_status end_status;           /* the child's own result                */
    qr_buf end_reason;
    uint64_t end_warnings;
    size_t articles, warnings;      /* records received                      */

    char err_tail[SB_ERR_TAIL + 1]; /* the last bytes of the child's stderr  */
    size_t err_len;

    qr_status stop;                 /* QR_ERR_STOPPED / QR_ERR_NOMEM here    */
    int malformed, too_big, timed_out;
    char bad[128];                  /* what was malformed                    */
} run;

static void malformed(run *r, const char *what)
{
    if (!r->malformed)
        snprintf(r->bad, sizeof r->bad, "%s", what);
    r->malformed = 1;
}

/* A warning's location made the parent's: the child's root (its where
 * for the unit) becomes the unit's where. */
static qr_status forward_warning(run *r, const char *where, const char *reason)
{
    const char *rest = strncmp(where, r->root.data, r->root.len) == 0 ? where + r->root.len : "";
    qr_buf w = {0};
    if (qr_buf_puts(&w, r->u->where) != 0 || qr_buf_puts(&w, rest) != 0) {
        qr_buf_free(&w);
        return rd_fail(r->why, QR_ERR_NOMEM, "out of memory");
    }
    rd_warn(r->rc, w.data, "%s", reason);
    qr_buf_free(&w);
    return QR_OK;
}

/* Handles one decoded record. Non-zero to stop reading the child. */
static int take_record(run *r, const qr_frame *f)
{
    if (r->end_seen) {
        malformed(r, "records after the end record");
        return 1;
    }
    switch (f->type) {
    case QR_FRAME_ARTICLE: {
        /* (an id that is not clean text was escaped by the child) */
        if (strncmp(f->article.id, r->u->id, r->id_len) != 0 &&
            rd_text_is_clean(r->u->id, r->id_len)) {
            malformed(r, "an article whose id is not the document's");
            return 1;
        }
        /* the child ran rd_emit already; running it again here is the
         * cheap check (clean UTF-8, lengths, pages) that trusts nothing */
        r->articles++;
        qr_status st = rd_emit(r->rc, r->u->where, &f->article, r->why);
        if (st != QR_OK) {
            r->stop = st;
            return 1;
        }
        return 0;
    }
    case QR_FRAME_WARNING:
        r->warnings++;
        r->stop = forward_warning(r, f->where, f->reason);
        return r->stop != QR_OK;
    case QR_FRAME_END:
        r->end_seen = 1;
        r->end_status = f->status;
        r->end_warnings = f->warnings;
        qr_buf_clear(&r->end_reason);
        if (qr_buf_puts(&r->end_reason, f->reason) != 0 ||
            qr_buf_append(&r->end_reason, "", 0) != 0) {
            r->stop = rd_fail(r->why, QR_ERR_NOMEM, "out of memory");
            return 1;
        }
        return 0;
    }
    malformed(r, "unknown record type");
    return 1;
}

/* Decodes the complete records in r->acc. Non-zero to stop. */
static int take_output(run *r)
{
    const unsigned char *p = (const unsigned char *)r->acc.data;
    size_t n = r->acc.len, pos = 0;
    int stop = 0;
    if (!r->magic_seen) {
        if (n < QR_FRAME_MAGIC_LEN)
            return memcmp(p, QR_FRAME_MAGIC, n) != 0 ? (malformed(r, "no QRX header"), 1) : 0;
        if (memcmp(p, QR_FRAME_MAGIC, QR_FRAME_MAGIC_LEN) != 0) {
            malformed(r, memcmp(p, QR_FRAME_MAGIC, 3) == 0 ? "unknown framing version"
                                                           : "no QRX header");
            return 1;
        }
        r->magic_seen = 1;
        pos = QR_FRAME_MAGIC_LEN;
    }
    while (!stop && n - pos >= QR_FRAME_HEAD) {
        int type;
        uint32_t len;
        qr_frame_head(p + pos, &type, &len);
        if (len > r->record_cap) {
            malformed(r, "a record over the size limit");
            return 1;
        }
        if (n - pos - QR_FRAME_HEAD < len)
            break;
        qr_frame f;
        const char *err = NULL;
        qr_status st = qr_frame_decode(type, p + pos + QR_FRAME_HEAD, len, &f, &err);
        if (st == QR_ERR_NOMEM) {
            r->stop = rd_fail(r->why, QR_ERR_NOMEM, "out of memory");
            return 1;
        }
        if (st != QR_OK) {
            malformed(r, err);
            return 1;
        }
        stop = take_record(r, &f);
        qr_frame_clear(&f);
        pos += QR_FRAME_HEAD + len;
    }
    memmove(r->acc.data, r->acc.data + pos, n - pos);
    r->acc.len = n - pos;
    return stop;
}

/* Keeps the last SB_ERR_TAIL bytes of what the child wrote to stderr. */
static void keep_err(run *r, const char *b, size_t n)
{
    if (n >= SB_ERR_TAIL) {
        memcpy(r->err_tail, b + n - SB_ERR_TAIL, SB_ERR_TAIL);
        r->err_len = SB_ERR_TAIL;
    } else {
        size_t keep = r->err_len + n > SB_ERR_TAIL ? SB_ERR_TAIL - n : r->err_len;
        memmove(r->err_tail, r->err_tail + r->err_len - keep, keep);
        memcpy(r->err_tail + keep, b, n);
        r->err_len = keep + n;
    }
    r->err_tail[r->err_len] = '\0';
}

/* What the child is fed: a document in memory, or a stream read as the
 * child takes it (a mailbox of any size never held whole). */
typedef struct feed {
    const char *data;    /* the bytes not yet sent (a stream: in chunk) */
    size_t len;
    rd_in *in;           /* NULL: data is all there is                  */
    char *chunk;
    int ended;           /* the stream ended, or failed (in->err)       */
} feed;

/* Makes f->data hold the next bytes of a stream when it has run dry.
 * Returns 1 when there is something to send, 0 at the end. */
static int feed_more(feed *f)
{
    if (f->len > 0)
        return 1;
    if (!f->in || f->ended)
        return 0;
    ptrdiff_t k = rd_in_read(f->in, f->chunk, SB_IO_CHUNK);
    if (k <= 0) {
        f->ended = 1;
        return 0;
    }
    f->data = f->chunk;
    f->len = (size_t)k;
    return 1;
}

/* Feeds the child and reads what it writes until it closes its output,
 * the deadline passes, or reading has to stop. */
static void exchange(run *r, child *c, feed *f, double deadline)
{
    char *buf = malloc(SB_IO_CHUNK);
    if (!buf) {
        r->stop = rd_fail(r->why, QR_ERR_NOMEM, "out of memory");
        return;
    }
    if (!feed_more(f))
        close_fd(&c->in);
    while (c->out >= 0 || c->err >= 0) {
        struct pollfd fds[3];
        nfds_t nf = 0;
        int iin = -1, iout = -1, ierr = -1;
        if (c->in >= 0)
            iin = (int)nf, fds[nf++] = (struct pollfd){.fd = c->in, .events = POLLOUT};
        if (c->out >= 0)
            iout = (int)nf, fds[nf++] = (struct pollfd){.fd = c->out, .events = POLLIN};
        if (c->err >= 0)
            ierr = (int)nf, fds[nf++] = (struct pollfd){.fd = c->err, .events = POLLIN};
        double left = deadline - now_s();
        if (left <= 0) {
            r->timed_out = 1;
            break;
        }
        int pr = poll(fds, nf, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        if (iin >= 0 && fds[iin].revents) {
            size_t k = f->len < SB_IO_CHUNK ? f->len : SB_IO_CHUNK;
            ssize_t w = send(c->in, f->data, k, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) {
                f->data += w;
                f->len -= (size_t)w;
            }
            /* a child that stops reading (EPIPE) says why in its result */
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || !feed_more(f))
                close_fd(&c->in);
        }
        if (ierr >= 0 && fds[ierr].revents) {
            ssize_t k = read(c->err, buf, SB_IO_CHUNK);
            if (k > 0)
                keep_err(r, buf, (size_t)k);
            else if (k == 0 || (errno != EAGAIN && errno != EINTR))
                close_fd(&c->err);
        }
        if (iout >= 0 && fds[iout].revents) {
            ssize_t k = read(c->out, buf, SB_IO_CHUNK);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
                close_fd(&c->out);
                close_fd(&c->in);   /* it will not read any more either */
            } else if (k > 0) {
                r->out_total += (uint64_t)k;
                if (r->out_total > r->out_cap) {
                    r->too_big = 1;
                    break;
                }
                if (qr_buf_append(&r->acc, buf, (size_t)k) != 0) {
                    r->stop = rd_fail(r->why, QR_ERR_NOMEM, "out of memory");
                    break;
                }
                if (take_output(r))
                    break;
            }
        }
    }
    free(buf);
}

/* Waits for the child; kills it first when it has to go, or when it is
 * still there at the deadline (a pidfd tells when it exits). */
static void reap(run *r, child *c, int kill_now, double deadline, int *ws, struct rusage *ru)
{
    close_fd(&c->in);
    close_fd(&c->out);
    close_fd(&c->err);
    if (kill_now)
        kill(c->pid, SIGKILL);
    int pfd = kill_now ? -1 : (int)syscall(SYS_pidfd_open, c->pid, 0);
    for (int pause_ms = 1;;) {
        pid_t w = wait4(c->pid, ws, kill_now ? 0 : WNOHANG, ru);
        if (w == c->pid)
            break;
        if (w < 0 && errno != EINTR) {
            *ws = 0;    /* not ours to reap (SIGCHLD ignored): no news */
            break;
        }
        double left = deadline - now_s();
        if (w == 0 && left <= 0) {
            r->timed_out = 1;
            kill(c->pid, SIGKILL);
            kill_now = 1;
        } else if (w == 0 && pfd >= 0) {
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            poll(&p, 1, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
        } else if (w == 0) {
            poll(NULL, 0, pause_ms);
            if (pause_ms < 50)
                pause_ms *= 2;
        }
    }
    if (pfd >= 0)
        close(pfd);
}

static int oom_hint(const char *err)
{
    return strstr(err, "bad_alloc") || strstr(err, "out of memory") ||
           strstr(err, "Out of memory") || strstr(err, "failed to allocate") ||
           strstr(err, "Cannot allocate memory");
}

/* The last non-empty line of the child's stderr, made one line, into out. */
static void last_err_line(const run *r, char *out, size_t cap)
{
    size_t end = r->err_len;
    while (end > 0 && (r->err_tail[end - 1] == '\n' || r->err_tail[end - 1] == '\r' ||
                       r->err_tail[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && r->err_tail[start - 1] != '\n')
        start--;
    size_t n = end - start < cap - 1 ? end - start : cap - 1;
    memcpy(out, r->err_tail + start, n);
    out[n] = '\0';
    rd_one_line(out);
}

/* How the run ended, as a status and a reason (QR_OK: the child's own
 * result stands). */
static qr_status judge(run *r, int ws, const struct rusage *ru, qr_buf *reason)
{
    const rd_ctx *rc = r->rc;
    unsigned long long mb = (unsigned long long)(rc->extract_memory >> 20);
    int oom = oom_hint(r->err_tail);
    if (r->malformed)
        return rd_fail(reason, QR_ERR_FORMAT, "extractor wrote malformed output (%s)", r->bad);
    if (r->too_big)
        return rd_fail(reason, QR_ERR_TOO_BIG, "extractor wrote more than %llu bytes "
                       "(max_source_bytes)", (unsigned long long)r->out_cap);
    double cpu = (double)ru->ru_utime.tv_sec + (double)ru->ru_stime.tv_sec +
                 ((double)ru->ru_utime.tv_usec + (double)ru->ru_stime.tv_usec) / 1e6;
    int sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
    if (sig == SIGXCPU || (sig == SIGKILL && cpu >= rc->extract_seconds))
        return rd_fail(reason, QR_ERR_FORMAT, "extractor ran out of CPU time (limit %u s)",
                       rc->extract_seconds);
    if (r->timed_out)
        return rd_fail(reason, QR_ERR_FORMAT, "extractor timed out after %u s",
                       2 * rc->extract_seconds);
    if (sig) {
        const char *name = sigabbrev_np(sig);
        if (oom)
            return rd_fail(reason, QR_ERR_TOO_BIG, "extractor ran out of memory (limit %llu MB)", mb);
        if (name)
            return rd_fail(reason, QR_ERR_FORMAT, "extractor killed by SIG%s", name);
        return rd_fail(reason, QR_ERR_FORMAT, "extractor killed by signal %d", sig);
    }
    if (r->end_seen && WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
        if (r->end_status == QR_ERR_NOMEM)
            return rd_fail(reason, QR_ERR_TOO_BIG, "extractor ran out of memory (limit %llu MB)", mb);
        return QR_OK;
    }
    if (oom)
        return rd_fail(reason, QR_ERR_TOO_BIG, "extractor ran out of memory (limit %llu MB)", mb);
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
        return rd_fail(reason, QR_ERR_FORMAT, "extractor wrote malformed output (%s)",
                       r->acc.len ? "output ends inside a record" : "no end record");
    char line[200];
    last_err_line(r, line, sizeof line);
    return rd_fail(reason, QR_ERR_FORMAT, "extractor failed (exit status %d)%s%s",
                   WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, line[0] ? ": " : "", line);
}

/* The child's command line: the program, the format, the unit's id and
 * the read limits. */
static int build_argv(qr_buf *args, char *argv[8], const char *prog, qr_format fmt,
                      const rd_unit *u, const rd_ctx *rc)
{
    size_t off[8];
    int n = 0;
    off[n++] = args->len;
    if (qr_buf_puts(args, prog) || qr_buf_append(args, "", 1))
        return -1;
    off[n++] = args->len;
    if (qr_buf_printf(args, "--format=%s", qr_format_name(fmt)) || qr_buf_append(args, "", 1))
        return -1;
    off[n++] = args->len;
    if (qr_buf_puts(args, "--id=") || qr_buf_puts(args, u->id) || qr_buf_append(args, "", 1))
        return -1;
    off[n++] = args->len;
    if (qr_buf_printf(args, "--max-article=%zu", rc->max_article) || qr_buf_append(args, "", 1))
        return -1;
    off[n++] = args->len;
    if (qr_buf_printf(args, "--max-line=%zu", rc->max_line) || qr_buf_append(args, "", 1))
        return -1;
    off[n++] = args->len;
    if (qr_buf_printf(args, "--max-source=%llu", (unsigned long long)rc->max_source) ||
        qr_buf_append(args, "", 1))
        return -1;
    for (int i = 0; i < n; i++)
        argv[i] = args->data + off[i];
    argv[n] = NULL;
    return 0;
}

static qr_status sandbox_run(rd_ctx *rc, const rd_unit *u, qr_format fmt,
                             feed *f, qr_buf *why);

qr_status rd_sandbox(rd_ctx *rc, const rd_unit *u, qr_format fmt,
                     const char *data, size_t len, qr_buf *why)
{
    feed f = {.data = data, .len = len};
    return sandbox_run(rc, u, fmt, &f, why);
}

qr_status rd_sandbox_stream(rd_ctx *rc, const rd_unit *u, qr_format fmt,
                            rd_in *in, qr_buf *why)
{
    feed f = {.in = in, .chunk = malloc(SB_IO_CHUNK)};
    if (!f.chunk)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    qr_status st = sandbox_run(rc, u, fmt, &f, why);
    free(f.chunk);
    /* the stream's own failure (damaged gzip, a read error) is the
     * reader's to judge, as it would be in process: the child saw the
     * bytes before it, and says what it made of them */
    if (st == QR_OK && in->err != QR_OK && in->damaged)
        rd_warn(rc, u->where, "%s: the rest could not be read", in->msg);
    else if (st == QR_OK && in->err != QR_OK)
        st = rd_fail(why, in->err, "%s", in->msg);
    return st;
}

static qr_status sandbox_run(rd_ctx *rc, const rd_unit *u, qr_format fmt,
                             feed *f, qr_buf *why)
{
    char label[16];
    rd_format_label(fmt, label);
    const char *prog = find_extractor(rc, label, why);
    if (!prog)
        return QR_ERR_FORMAT;

    run r = {.rc = rc, .u = u, .why = why, .id_len = strlen(u->id)};
    qr_buf args = {0}, reason = {0};
    char *argv[8];
    qr_status st = QR_OK;
    r.out_cap = rc->max_source;
    size_t cap = rc->max_article + rc->max_article / 2 + ((size_t)1 << 20);
    r.record_cap = cap > UINT32_MAX || cap < rc->max_article ? UINT32_MAX : (uint32_t)cap;
    if (build_argv(&args, argv, prog, fmt, u, rc) != 0 ||
        rd_where(&r.root, NULL, NULL, u->id) != 0) {
        st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
        goto out;
    }

    child c = {.pid = -1, .in = -1, .out = -1, .err = -1};
    double start = now_s();
    double deadline = start + 2.0 * rc->extract_seconds;
    if (spawn(&c, argv, rc->extract_seconds, rc->extract_memory) != 0) {
        /* (QR_ERR_IO even for ENOMEM or EAGAIN: this file cannot be read
         * now, which must not stop the caller's whole run) */
        st = rd_fail(why, QR_ERR_IO, "cannot start quarry-extract: %s", strerror(errno));
        goto out;
    }
    exchange(&r, &c, f, deadline);
    int ws = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    reap(&r, &c, r.stop || r.malformed || r.too_big || r.timed_out, deadline, &ws, &ru);
    if (r.stop != QR_OK) {
        st = r.stop;
        goto out;
    }
    /* the child's warnings past the ones it sent (QR_MAX_WARNINGS) */
    if (r.end_seen && r.end_warnings > r.warnings) {
        uint64_t more = r.end_warnings - r.warnings;
        rc->stats->warnings += (size_t)more;
        if (rc->warn)
            rc->suppressed += (size_t)more;
    }
    st = judge(&r, ws, &ru, &reason);
    if (st == QR_OK) {
        st = r.end_status;
        if (st != QR_OK)
            rd_fail(why, st, "%s", r.end_reason.len ? r.end_reason.data : qr_status_str(st));
    } else if (r.articles > 0) {
        /* like damaged gzip data: what came before the failure is kept */
        rd_warn(rc, u->where, "%s; the %zu article%s before it kept",
                reason.data ? reason.data : "extractor failed", r.articles,
                r.articles == 1 ? "" : "s");
        st = QR_OK;
    } else {
        rd_fail(why, st, "%s", reason.data ? reason.data : "extractor failed");
    }
out:
    qr_buf_free(&args);
    qr_buf_free(&reason);
    qr_buf_free(&r.root);
    qr_buf_free(&r.acc);
    qr_buf_free(&r.end_reason);
    return st;
}

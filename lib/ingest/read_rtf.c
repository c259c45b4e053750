/*
 * read_rtf.c — RTF through GNU UnRTF, run as a child process: its HTML
 * output (better than --text: \u characters and code pages come out
 * right, and each \par is a paragraph) reduced to text by
 * rd_html_extract; title, author and date from the document's own \info
 * group, read here.
 *
 * The child gets the document on its standard input (a memfd: nothing is
 * written to disk), no pictures (--nopict), "/" as its working directory,
 * the sandbox's limits (rd_ctx.extract_seconds of CPU and of wall clock,
 * extract_memory of address space), and its output is capped at max_doc
 * bytes. A child that crashes, hangs or fails costs this document only.
 * The program is unrtf on PATH, or $QUARRY_UNRTF when set (tests use it).
 */
#include "reader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ \info */

typedef struct rtf_info {
    qr_buf title, author;
    char date[72];         /* \creatim as "Y[-M[-D]]", for rd_emit     */
    qr_buf pending;        /* code-page bytes not yet converted       */
    char cp[16];           /* their charset, for iconv ("CP1252")     */
    int oom;
} rtf_info;

enum { D_NONE, D_TITLE, D_AUTHOR, D_CREATIM, D_OTHER };

static qr_buf *dest_buf(rtf_info *in, int dest)
{
    return dest == D_TITLE ? &in->title : dest == D_AUTHOR ? &in->author : NULL;
}

static void flush_pending(rtf_info *in, qr_buf *b)
{
    int r = 0;
    if (in->pending.len && b && b->len < RD_FIELD_MAX &&
        (r = rd_charset_to_utf8(in->cp, in->pending.data, in->pending.len, b)) == 1)
        r = qr_text_to_utf8(in->pending.data, in->pending.len, b);   /* unknown page */
    if (r < 0)
        in->oom = 1;
    qr_buf_clear(&in->pending);
}

static void put_byte(rtf_info *in, int dest, unsigned char c)
{
    qr_buf *b = dest_buf(in, dest);
    if (b && b->len + in->pending.len < RD_FIELD_MAX && qr_buf_putc(&in->pending, (char)c) != 0)
        in->oom = 1;
}

static void put_cp(rtf_info *in, int dest, long cp)
{
    qr_buf *b = dest_buf(in, dest);
    flush_pending(in, b);
    if (b && b->len < RD_FIELD_MAX &&
        qr_buf_put_cp(b, cp > 0 && cp < 0x110000 && (cp < 0xD800 || cp > 0xDFFF) ? (uint32_t)cp
                                                                                : 0xFFFD) != 0)
        in->oom = 1;
}

/* A control word at p (after the backslash): its name and numeric
 * parameter; returns the bytes it takes, its delimiting space included. */
static size_t control_word(const char *p, size_t n, char name[16], long *num, int *has_num)
{
    size_t i = 0, k = 0;
    while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z'))) {
        if (k + 1 < 16)
            name[k++] = p[i];
        i++;
    }
    name[k] = '\0';
    *has_num = 0;
    *num = 0;
    int neg = i < n && p[i] == '-';
    size_t d = i + (size_t)neg;
    while (d < n && p[d] >= '0' && p[d] <= '9' && d - i < 10) {
        *num = *num * 10 + (p[d] - '0');
        *has_num = 1;
        d++;
    }
    if (*has_num)
        i = d;
    if (neg && *has_num)
        *num = -*num;
    if (i < n && p[i] == ' ')
        i++;
    return i;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Reads the {\info ...} group at d[0..n) (d at its '{'): \title and
 * \author as UTF-8, \creatim's \yr \mo \dy as "YYYY-MM-DD" (or as much
 * of it as is given), for rd_emit to read or warn about. */
static void read_info(rtf_info *in, const char *d, size_t n)
{
    int dest[32] = {D_NONE};   /* per group: what its text is; [0] \info */
    int depth = 0, skip = 0, uc = 1;
    long yr = 0, mo = 0, dy = 0;
    int seen = 0;              /* 1: \yr, 2: \mo, 4: \dy               */
    for (size_t i = 0; i < n && !in->oom;) {
        int *dp = &dest[depth < 32 ? depth : 31], cur = *dp;
        char c = d[i];
        if (c == '{' || c == '}') {
            flush_pending(in, dest_buf(in, cur));
            if (c == '}' && --depth < 0)
                break;
            if (c == '{' && ++depth < 32)
                dest[depth] = depth == 1 ? D_NONE : cur;   /* awaiting its word */
            i++;
            skip = 0;
            continue;
        }
        if (c == '\r' || c == '\n') {
            i++;
            continue;
        }
        if (c != '\\') {
            if (skip > 0)
                skip--;
            else
                put_byte(in, cur, (unsigned char)c);
            i++;
            continue;
        }
        if (i + 1 >= n)
            break;
        char e = d[i + 1];
        if (e == '\'' && i + 3 < n && hexval(d[i + 2]) >= 0 && hexval(d[i + 3]) >= 0) {
            if (skip > 0)
                skip--;
            else
                put_byte(in, cur, (unsigned char)(hexval(d[i + 2]) * 16 + hexval(d[i + 3])));
            i += 4;
            continue;
        }
        if (!((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z'))) {
            /* a control symbol: \\ \{ \} literal, \~ a space */
            if (e == '\\' || e == '{' || e == '}' || e == '~')
                put_byte(in, cur, e == '~' ? ' ' : (unsigned char)e);
            i += 2;
            continue;
        }
        char name[16];
        long num;
        int has_num;
        i += 1 + control_word(d + i + 1, n - i - 1, name, &num, &has_num);
        int first = depth > 0 && *dp == D_NONE;   /* the group's own word */
        if (first)
            *dp = strcmp(name, "title") == 0 ? D_TITLE : strcmp(name, "author") == 0 ? D_AUTHOR
                : strcmp(name, "creatim") == 0 ? D_CREATIM : D_OTHER;
        else if (strcmp(name, "uc") == 0 && has_num && num >= 0 && num < 16)
            uc = (int)num;
        else if (strcmp(name, "u") == 0 && has_num) {
            put_cp(in, cur, num < 0 ? num + 65536 : num);
            skip = uc;
        } else if (cur == D_CREATIM && has_num) {
            if (strcmp(name, "yr") == 0)
                yr = num, seen |= 1;
            else if (strcmp(name, "mo") == 0)
                mo = num, seen |= 2;
            else if (strcmp(name, "dy") == 0)
                dy = num, seen |= 4;
        }
    }
    /* a year, a month of it or a day of that; else the words as written */
    char *o = in->date;
    size_t cap = sizeof in->date;
    if (seen == 7)
        snprintf(o, cap, "%04ld-%02ld-%02ld", yr, mo, dy);
    else if (seen == 3)
        snprintf(o, cap, "%04ld-%02ld", yr, mo);
    else if (seen == 1)
        snprintf(o, cap, "%04ld", yr);
    else if (seen) {   /* a day without its month, a month without its year */
        static const char *const word[] = {"yr", "mo", "dy"};
        const long v[] = {yr, mo, dy};
        size_t k = 0;
        for (int f = 0; f < 3; f++)
            if ((seen & (1 << f)) && k < cap)
                k += (size_t)snprintf(o + k, cap - k, "\\%s%ld", word[f], v[f]);
    }
    if (qr_buf_append(&in->title, "", 0) != 0 || qr_buf_append(&in->author, "", 0) != 0)
        in->oom = 1;
}

/* The \info group and the code page of the document's text. */
static void find_info(rtf_info *in, const char *d, size_t n)
{
    const char *c = memmem(d, n, "\\ansicpg", 8);
    int page = 1252;
    if (c && c + 8 < d + n) {
        page = atoi(c + 8);
        if (page <= 0 || page > 65535)
            page = 1252;
    }
    snprintf(in->cp, sizeof in->cp, "CP%d", page);
    for (const char *p = d; (p = memmem(p, (size_t)(d + n - p), "\\info", 5)); p += 5) {
        const char *b = p;
        while (b > d && (b[-1] == ' ' || b[-1] == '\r' || b[-1] == '\n'))
            b--;
        if (b > d && b[-1] == '{') {
            read_info(in, p + 5, (size_t)(d + n - p - 5));
            return;
        }
    }
}

/* ------------------------------------------------------------ unrtf */

/* $QUARRY_UNRTF, else unrtf on PATH: 0 found (path), 1 not, -1 memory. */
static int find_unrtf(qr_buf *path)
{
    const char *env = getenv("QUARRY_UNRTF");
    if (env && *env)
        return access(env, X_OK) != 0 ? 1 : qr_buf_puts(path, env) != 0 ? -1 : 0;
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/usr/local/bin:/usr/bin:/bin";
    while (*dirs) {
        size_t k = strcspn(dirs, ":");
        qr_buf_clear(path);
        if (qr_buf_printf(path, "%.*s/unrtf", (int)k, k ? dirs : ".") != 0)
            return -1;
        if (access(path->data, X_OK) == 0)
            return 0;
        dirs += k + (dirs[k] == ':');
    }
    return 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* In the child: only async-signal-safe calls from fork to exec. */
static void child(const rd_ctx *rc, const char *prog, int in, int out, int null)
{
    char *const argv[] = {(char *)"unrtf", (char *)"--html", (char *)"--nopict", NULL};
    struct rlimit cpu = {rc->extract_seconds, rc->extract_seconds + 1};
    struct rlimit as = {(rlim_t)rc->extract_memory, (rlim_t)rc->extract_memory};
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0)
        _exit(127);
    setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_AS, &as);
    if (chdir("/") != 0)
        _exit(127);
    execv(prog, argv);
    _exit(127);
}

/* Reads the child's output until it ends, the cap, or the deadline. */
static void collect(const rd_ctx *rc, int fd, double deadline, qr_buf *out, int *over, int *late)
{
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) {
            *late = 1;
            return;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;   /* timed out: the deadline check says so */
        if (qr_buf_reserve(out, RD_CHUNK) != 0)
            return;
        ssize_t got = read(fd, out->data + out->len, RD_CHUNK);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return;
        out->len += (size_t)got;
        out->data[out->len] = '\0';
        if (out->len > rc->max_doc) {
            out->len = rc->max_doc;
            out->data[out->len] = '\0';
            *over = 1;
            return;
        }
    }
}

/* Runs unrtf on the document; its HTML in out. */
static qr_status run_unrtf(rd_ctx *rc, const rd_unit *u, const char *prog, const char *data,
                           size_t len, qr_buf *out, qr_buf *why)
{
    int mfd = memfd_create("quarry-rtf", MFD_CLOEXEC), pfd[2] = {-1, -1};
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    qr_status st = QR_OK;
    for (size_t done = 0; mfd >= 0 && done < len;) {
        ssize_t w = write(mfd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(mfd);
            mfd = -1;
        } else {
            done += (size_t)w;
        }
    }
    if (mfd < 0 || null < 0 || lseek(mfd, 0, SEEK_SET) != 0 || pipe2(pfd, O_CLOEXEC) != 0) {
        st = rd_fail(why, QR_ERR_IO, "cannot read RTF: cannot set up unrtf: %s", strerror(errno));
        goto out;
    }
    pid_t pid = fork();
    if (pid == 0)
        child(rc, prog, mfd, pfd[1], null);
    if (pid < 0) {
        st = rd_fail(why, QR_ERR_IO, "cannot read RTF: cannot start unrtf: %s", strerror(errno));
        goto out;
    }
    close(pfd[1]);
    pfd[1] = -1;
    int over = 0, late = 0, status = 0;
    double deadline = now_s() + rc->extract_seconds;
    collect(rc, pfd[0], deadline, out, &over, &late);
    if (late || over)
        kill(pid, SIGKILL);
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            break;
        if (r == 0 && !late && now_s() >= deadline) {
            late = 1;   /* it closed its output but runs on */
            kill(pid, SIGKILL);
        }
        struct timespec ms = {0, 5 * 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    if (late)
        st = rd_fail(why, QR_ERR_FORMAT, "cannot read RTF: unrtf took more than %u s",
                     rc->extract_seconds);
    else if (over)
        rd_warn(rc, u->where, "unrtf's output cut at %zu bytes (4 x max_article_bytes)",
                rc->max_doc);
    else if (WIFSIGNALED(status))
        st = rd_fail(why, QR_ERR_FORMAT, "cannot read RTF: unrtf crashed (signal %d)",
                     WTERMSIG(status));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        st = rd_fail(why, QR_ERR_FORMAT, "cannot read RTF: unrtf failed (exit status %d)",
                     WEXITSTATUS(status));
out:
    if (mfd >= 0)
        close(mfd);
    if (null >= 0)
        close(null);
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    return st;
}

qr_status rd_rtf(rd_ctx *rc, const rd_unit *u, const char *data, size_t len, qr_buf *why)
{
    size_t start = rd_text_start((const unsigned char *)data, len);
    if (len - start < 5 || memcmp(data + start, "{\\rtf", 5) != 0)
        return rd_fail(why, QR_ERR_FORMAT, "not an RTF document");
    qr_buf prog = {0}, html = {0};
    int found = find_unrtf(&prog);
    qr_status st = found < 0 ? rd_fail(why, QR_ERR_NOMEM, "out of memory")
                 : found > 0 ? rd_fail(why, QR_ERR_FORMAT, "cannot read RTF: unrtf is not installed")
                 : run_unrtf(rc, u, prog.data, data, len, &html, why);
    rtf_info info = {0};
    rd_html_doc h;
    if (st == QR_OK)
        st = rd_html_extract(rc, u->where, html.data ? html.data : "", html.len, NULL, &h, why);
    if (st == QR_OK) {
        find_info(&info, data, len);
        if (info.oom) {
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
        } else {
            qr_article a = {
                .id = u->id, .title = info.title.len ? info.title.data : h.title.data,
                .body = h.text.data, .body_len = h.text.len, .url = "",
                .date = info.date, .author = info.author.len ? info.author.data : h.author.data,
                .format = QR_FMT_RTF,
            };
            st = rd_emit(rc, u->where, &a, why);
        }
        rd_html_doc_free(&h);
    }
    qr_buf_free(&info.title);
    qr_buf_free(&info.author);
    qr_buf_free(&info.pending);
    qr_buf_free(&prog);
    qr_buf_free(&html);
    return st;
}

/*
 * layout.c — the index's files on disk (layout.h): probing a path, the
 * stub and its versions, the writer's lock, atomic switches and cleanup.
 */
#include "layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "schema.h"

static int exists_in(const char *dir, const char *name)
{
    qr_buf p = {0};
    qr_buf_printf(&p, "%s/%s", dir, name);
    int ok = p.data && access(p.data, F_OK) == 0;
    qr_buf_free(&p);
    return ok;
}

qr_layout_kind qr_layout_probe(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return QR_LAYOUT_NONE;
    if (S_ISREG(st.st_mode))
        return QR_LAYOUT_STUB_FILE;
    if (!S_ISDIR(st.st_mode))
        return QR_LAYOUT_OTHER;
    if (exists_in(path, QR_LAYOUT_STUB))
        return QR_LAYOUT_STUB_DIR;
    if (exists_in(path, "iamglass"))
        return QR_LAYOUT_GLASS;
    DIR *d = opendir(path);
    if (!d)
        return QR_LAYOUT_OTHER;
    qr_layout_kind kind = QR_LAYOUT_NONE;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, QR_LAYOUT_LOCK) == 0)
            continue;
        /* a first run interrupted before the stub was written (its
         * versions, the articles' stub written just before, and the
         * stubs' temporary files when the kill came in the middle of
         * writing them; qr_layout_cleanup removes those) */
        if (de->d_name[0] == 'v' && strspn(de->d_name + 1, "0123456789") == 6)
            continue;
        if (strcmp(de->d_name, QR_LAYOUT_STUB ".tmp") == 0 ||
            strcmp(de->d_name, QR_LAYOUT_ARTICLES_STUB) == 0 ||
            strcmp(de->d_name, QR_LAYOUT_ARTICLES_STUB ".tmp") == 0)
            continue;
        kind = QR_LAYOUT_OTHER;
        break;
    }
    closedir(d);
    return kind;
}

char *qr_layout_live_shards(const char *path, unsigned *nshards)
{
    *nshards = 0;
    qr_buf p = {0};
    if (qr_buf_printf(&p, "%s/%s", path, QR_LAYOUT_STUB) != 0)
        return NULL;
    FILE *f = fopen(p.data, "r");
    qr_buf_free(&p);
    if (!f)
        return NULL;
    char line[256];
    char *name = NULL;
    unsigned n = 0;
    int bad = 0;
    while (!bad && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "auto ", 5) != 0 || !line[5]) {
            bad = 1;
            break;
        }
        char *v = line + 5;
        char *slash = strchr(v, '/');
        if (n == 0 && !slash && !name) {
            name = strdup(v);      /* "auto NAME": unsharded, one line */
            if (!name)
                bad = 1;
            n = UINT32_MAX;
            continue;
        }
        if (n == UINT32_MAX || !slash) {
            bad = 1;               /* a second line after "auto NAME" */
            break;
        }
        /* "auto NAME/sK", K counting up from 0 */
        char want[16];
        snprintf(want, sizeof want, "s%u", n);
        *slash = '\0';
        if (strcmp(slash + 1, want) != 0 || strchr(slash + 1, '/') ||
            (name && strcmp(name, v) != 0) || n >= QR_LAYOUT_MAX_SHARDS) {
            bad = 1;
            break;
        }
        if (!name && !(name = strdup(v)))
            bad = 1;
        n++;
    }
    fclose(f);
    if (bad || !name) {
        free(name);
        return NULL;
    }
    *nshards = n == UINT32_MAX ? 0 : n;
    return name;
}

char *qr_layout_live(const char *path)
{
    unsigned n;
    return qr_layout_live_shards(path, &n);
}

qr_status qr_layout_lock(const char *path, int wait_seconds, int *fd,
                         qr_buf *err)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        qr_buf_printf(err, "cannot create index directory %s: %s", path,
                      strerror(errno));
        return QR_ERR_IO;
    }
    qr_buf p = {0};
    if (qr_buf_printf(&p, "%s/%s", path, QR_LAYOUT_LOCK) != 0)
        return QR_ERR_NOMEM;
    int f = open(p.data, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (f < 0) {
        qr_buf_printf(err, "cannot open lock file %s: %s", p.data,
                      strerror(errno));
        qr_buf_free(&p);
        return QR_ERR_IO;
    }
    qr_buf_free(&p);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            qr_buf_printf(err, "cannot lock index %s: %s", path, strerror(errno));
            close(f);
            return QR_ERR_IO;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - start.tv_sec) +
                        (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        if (wait_seconds >= 0 && waited >= wait_seconds) {
            char pid[32] = "";
            ssize_t n = pread(f, pid, sizeof pid - 1, 0);
            pid[n > 0 ? n : 0] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
            qr_buf_printf(err, "index %s is locked by another writer%s%s%s", path,
                          pid[0] ? " (process " : "", pid, pid[0] ? ")" : "");
            close(f);
            return QR_ERR_LOCKED;
        }
        struct timespec nap = {0, 50 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) == 0 && pwrite(f, pid, (size_t)len, 0) < 0) {
        /* the pid is only for messages: a failure to write it is harmless */
    }
    *fd = f;
    return QR_OK;
}

void qr_layout_unlock(int fd)
{
    if (fd >= 0)
        close(fd);   /* closing the descriptor releases the flock */
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes the stub file, that lists version name's databases (each one's
 * `suffix` inside it: "" for the passages), atomically. */
static qr_status write_stub(const char *path, const char *file,
                            const char *name, unsigned nshards,
                            const char *suffix, qr_buf *err)
{
    qr_buf tmp = {0}, stub = {0};
    qr_status st = QR_OK;
    if (qr_buf_printf(&tmp, "%s/%s.tmp", path, file) != 0 ||
        qr_buf_printf(&stub, "%s/%s", path, file) != 0) {
        st = QR_ERR_NOMEM;
        goto out;
    }
    FILE *f = fopen(tmp.data, "w");
    int werr = !f;
    if (f && nshards == 0)
        werr = fprintf(f, "auto %s%s\n", name, suffix) < 0;
    for (unsigned k = 0; f && !werr && k < nshards; k++)
        werr = fprintf(f, "auto %s/s%u%s\n", name, k, suffix) < 0;
    if (werr || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        qr_buf_printf(err, "cannot write %s: %s", tmp.data, strerror(errno));
        if (f)
            fclose(f);
        unlink(tmp.data);
        st = QR_ERR_IO;
        goto out;
    }
    if (fclose(f) != 0 || rename(tmp.data, stub.data) != 0) {
        qr_buf_printf(err, "cannot switch %s: %s", stub.data, strerror(errno));
        unlink(tmp.data);
        st = QR_ERR_IO;
        goto out;
    }
    fsync_path(path, O_RDONLY | O_DIRECTORY);
out:
    qr_buf_free(&tmp);
    qr_buf_free(&stub);
    return st;
}

qr_status qr_layout_switch_shards(const char *path, const char *name,
                                  unsigned nshards, qr_buf *err)
{
    /* the articles' stub first: a server of it (xapian-tcpsrv) that opens
     * it in between meets the new articles with the old passages for an
     * instant, never a version that is gone */
    qr_buf suffix = {0};
    qr_status st = qr_buf_printf(&suffix, "/%s", QR_ARTICLES_DIR) == 0
                       ? QR_OK : QR_ERR_NOMEM;
    if (st == QR_OK)
        st = write_stub(path, QR_LAYOUT_ARTICLES_STUB, name, nshards,
                        suffix.data, err);
    qr_buf_free(&suffix);
    if (st == QR_OK)
        st = write_stub(path, QR_LAYOUT_STUB, name, nshards, "", err);
    return st;
}

qr_status qr_layout_switch(const char *path, const char *name, qr_buf *err)
{
    return qr_layout_switch_shards(path, name, 0, err);
}

char *qr_layout_next_version(const char *path)
{
    char *live = qr_layout_live(path);
    unsigned long n = 0;
    if (live && live[0] == 'v')
        n = strtoul(live + 1, NULL, 10);
    free(live);
    char buf[32];
    snprintf(buf, sizeof buf, "v%06lu", (n + 1) % 1000000);
    return strdup(buf);
}

int qr_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    int rc = 0;
    qr_buf child = {0};
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        qr_buf_clear(&child);
        if (qr_buf_printf(&child, "%s/%s", path, de->d_name) != 0 ||
            qr_remove_tree(child.data) != 0)
            rc = -1;
    }
    closedir(d);
    qr_buf_free(&child);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

int qr_sync_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    int rc = 0;
    qr_buf child = {0};
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        qr_buf_clear(&child);
        if (qr_buf_printf(&child, "%s/%s", path, de->d_name) != 0 ||
            fsync_path(child.data, O_RDONLY) != 0)
            rc = -1;
    }
    closedir(d);
    qr_buf_free(&child);
    if (fsync_path(path, O_RDONLY | O_DIRECTORY) != 0)
        rc = -1;
    return rc;
}

int qr_layout_cleanup(const char *path, const char *keep)
{
    char *live = qr_layout_live(path);
    DIR *d = opendir(path);
    int removed = 0;
    if (!d) {
        free(live);
        return 0;
    }
    struct dirent *de;
    qr_buf child = {0};
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        int version = n[0] == 'v' && strspn(n + 1, "0123456789") == 6;
        int stale_stub = strcmp(n, QR_LAYOUT_STUB ".tmp") == 0 ||
                         strcmp(n, QR_LAYOUT_ARTICLES_STUB ".tmp") == 0;
        if ((!version && !stale_stub) || (live && strcmp(n, live) == 0) ||
            (keep && strcmp(n, keep) == 0))
            continue;
        /* no stub yet: the first version of a new index stays */
        if (!live && version && strcmp(n + 7, "") == 0)
            continue;
        qr_buf_clear(&child);
        if (qr_buf_printf(&child, "%s/%s", path, n) == 0 &&
            qr_remove_tree(child.data) == 0)
            removed++;
    }
    closedir(d);
    qr_buf_free(&child);
    free(live);
    return removed;
}

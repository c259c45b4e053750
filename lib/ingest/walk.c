/*
 * walk.c — lists the indexable files under a directory (walk.h): an
 * iterative walk, sorted by path, that never follows a link to a directory
 * and warns about what it cannot list.
 */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"
#include "util.h"

static int push_entry(qr_walk_entry **list, size_t *n, size_t *cap,
                      const char *path, const struct stat *st)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        qr_walk_entry *p = realloc(*list, ncap * sizeof *p);
        if (!p)
            return -1;
        *list = p;
        *cap = ncap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    (*list)[*n] = (qr_walk_entry){
        .path = copy,
        .size = (uint64_t)st->st_size,
        .mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
    };
    (*n)++;
    return 0;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const qr_walk_entry *)a)->path,
                  ((const qr_walk_entry *)b)->path);
}

static void warn_errno(qr_walk_warn_cb warn, void *ctx, const char *path,
                       const char *what, int err)
{
    if (!warn)
        return;
    qr_buf reason = {0};
    if (err == ENOENT)
        qr_buf_printf(&reason, "%s: vanished during the walk", what);
    else
        qr_buf_printf(&reason, "%s: %s", what, strerror(err));
    warn(ctx, path, reason.data ? reason.data : what);
    qr_buf_free(&reason);
}

int qr_walk(const char *root, qr_walk_entry **list, size_t *n, size_t *cap,
            qr_walk_warn_cb warn, void *ctx)
{
    size_t first = *n;
    /* Directories still to read: a stack of malloc'd paths. */
    char **stack = NULL;
    size_t depth = 0, stack_cap = 0;
    int rc = 0;
    qr_buf path = {0};

    char *r = strdup(root);
    if (!r)
        return -1;
    /* drop trailing slashes so joined paths read "root/name" */
    for (size_t len = strlen(r); len > 1 && r[len - 1] == '/'; len--)
        r[len - 1] = '\0';
    stack = malloc(sizeof *stack);
    if (!stack) {
        free(r);
        return -1;
    }
    stack[depth++] = r;
    stack_cap = 1;

    while (depth > 0 && rc == 0) {
        char *dir = stack[--depth];
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            int err = errno;
            if (fd >= 0)
                close(fd);
            warn_errno(warn, ctx, dir, "cannot read directory", err);
            free(dir);
            continue;
        }
        struct dirent *de;
        while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
            const char *name = de->d_name;
            if (name[0] == '.')
                continue;    /* ".", "..", and hidden files */
            qr_buf_clear(&path);
            if (qr_buf_printf(&path, "%s/%s", dir, name) != 0) {
                rc = -1;
                break;
            }
            struct stat st;
            if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                warn_errno(warn, ctx, path.data, "cannot stat", errno);
                continue;
            }
            if (S_ISLNK(st.st_mode)) {
                if (fstatat(dirfd(d), name, &st, 0) != 0) {
                    if (warn)
                        warn(ctx, path.data,
                             errno == ELOOP ? "symbolic link loop"
                                            : "broken symbolic link");
                    continue;
                }
                if (S_ISDIR(st.st_mode)) {
                    if (warn)
                        warn(ctx, path.data,
                             "symbolic link to a directory not followed");
                    continue;
                }
            }
            if (S_ISDIR(st.st_mode)) {
                if (depth == stack_cap) {
                    size_t ncap = stack_cap * 2;
                    char **p = realloc(stack, ncap * sizeof *p);
                    if (!p) {
                        rc = -1;
                        break;
                    }
                    stack = p;
                    stack_cap = ncap;
                }
                char *sub = strdup(path.data);
                if (!sub) {
                    rc = -1;
                    break;
                }
                stack[depth++] = sub;
            } else if (S_ISREG(st.st_mode)) {
                if (qr_name_is_indexable(name) &&
                    push_entry(list, n, cap, path.data, &st) != 0)
                    rc = -1;
            } else if (warn) {
                warn(ctx, path.data, "not a regular file (device, FIFO or socket)");
            }
        }
        if (rc == 0 && errno != 0)
            warn_errno(warn, ctx, dir, "error reading directory", errno);
        closedir(d);
        free(dir);
    }
    while (depth > 0)
        free(stack[--depth]);
    free(stack);
    qr_buf_free(&path);
    if (rc == 0 && *n > first)
        qsort(*list + first, *n - first, sizeof **list, cmp_entry);
    return rc;
}

void qr_walk_entries_free(qr_walk_entry *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].path);
    free(list);
}

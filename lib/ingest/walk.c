/*
 * walk.c — lists the files under a directory (walk.h): an iterative walk,
 * sorted by path, applying the user's patterns and the link policy, and
 * reporting what it cannot or will not list.
 */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int qr_walk_push(qr_walk_entry **list, size_t *n, size_t *cap,
                 const char *path, const struct stat *st, int via_link)
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
        .dev = (uint64_t)st->st_dev,
        .ino = (uint64_t)st->st_ino,
        .via_link = via_link,
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
    warn(ctx, path, reason.data ? reason.data : what, 1);
    qr_buf_free(&reason);
}

/* ------------------------------------------------------------ patterns */

static int matches(const char *pattern, const char *rel, const char *name)
{
    if (strchr(pattern, '/')) {
        while (*pattern == '/')
            pattern++;
        return fnmatch(pattern, rel, FNM_PATHNAME) == 0;
    }
    return fnmatch(pattern, name, 0) == 0;
}

int qr_walk_excluded(const qr_walk_opts *o, const char *rel, int is_dir)
{
    const char *name = strrchr(rel, '/');
    name = name ? name + 1 : rel;
    if (name[0] == '.' && !(o && o->hidden))
        return 1;
    if (!o)
        return 0;
    for (size_t i = 0; i < o->nexclude; i++)
        if (matches(o->exclude[i], rel, name))
            return 1;
    if (is_dir || o->ninclude == 0)
        return 0;
    for (size_t i = 0; i < o->ninclude; i++)
        if (matches(o->include[i], rel, name))
            return 0;
    return 1;
}

/* ------------------------------------------------------------ links */

static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strncmp(path, dir, n) != 0)
        return 0;
    return path[n] == '/' || path[n] == '\0' || (n == 1 && dir[0] == '/');
}

/* What to do with the link at path (dirfd/name): 1 follow it, 0 leave it
 * out (reported here when the user should know). */
static int follow_link(const qr_walk_opts *o, int dirfd, const char *name,
                       const char *path, qr_walk_warn_cb warn, void *ctx)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, 0) != 0) {
        if (warn)
            warn(ctx, path, errno == ELOOP ? "symbolic link loop"
                                           : "broken symbolic link", 0);
        return 0;
    }
    if (o && o->follow_links)
        return 1;
    char *target = realpath(path, NULL);
    if (!target) {
        warn_errno(warn, ctx, path, "cannot resolve symbolic link", errno);
        return 0;
    }
    int inside = 0;
    for (size_t i = 0; o && i < o->nroots && !inside; i++)
        inside = under(target, o->roots[i]);
    if (!inside && warn) {
        qr_buf reason = {0};
        qr_buf_puts(&reason, "symbolic link to ");
        qr_buf_printable(&reason, target, strlen(target));
        qr_buf_puts(&reason, ", outside the folders being indexed, not "
                             "followed (--follow-links follows it)");
        warn(ctx, path, reason.data ? reason.data : "symbolic link not followed", 0);
        qr_buf_free(&reason);
    }
    free(target);
    return 0;   /* inside: its target is walked where it lives */
}

/* Directories already walked, by device and inode, when links are
 * followed: a link back up the tree is a loop, walked once. */
typedef struct seen_dirs {
    uint64_t *keys;      /* dev ^ ino * odd, 0 = free */
    size_t n, cap;       /* cap: a power of two */
} seen_dirs;

/* 1 if (dev, ino) was seen (else it is now), 0 if new, -1 out of memory. */
static int seen_add(seen_dirs *s, uint64_t dev, uint64_t ino)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *k = calloc(cap, sizeof *k);
        if (!k)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->keys[i])
                continue;
            size_t h = (size_t)(s->keys[i] * 0x9E3779B97F4A7C15u) & (cap - 1);
            while (k[h])
                h = (h + 1) & (cap - 1);
            k[h] = s->keys[i];
        }
        free(s->keys);
        s->keys = k;
        s->cap = cap;
    }
    uint64_t key = (dev * 0xC2B2AE3D27D4EB4Fu) ^ ino;
    if (!key)
        key = 1;
    size_t h = (size_t)(key * 0x9E3779B97F4A7C15u) & (s->cap - 1);
    while (s->keys[h]) {
        if (s->keys[h] == key)
            return 1;
        h = (h + 1) & (s->cap - 1);
    }
    s->keys[h] = key;
    s->n++;
    return 0;
}

/* ------------------------------------------------------------ the walk */

typedef struct walk_dir {
    char *path;
    int via_link;        /* reached through a followed link */
} walk_dir;

int qr_walk(const char *root, const qr_walk_opts *o, qr_walk_entry **list,
            size_t *n, size_t *cap, qr_walk_warn_cb warn, void *ctx)
{
    size_t first = *n;
    walk_dir *stack = NULL;     /* directories still to read */
    size_t depth = 0, stack_cap = 0;
    seen_dirs seen = {0};
    int rc = 0;
    qr_buf path = {0};

    char *r = strdup(root);
    if (!r)
        return -1;
    /* drop trailing slashes so joined paths read "root/name" */
    for (size_t len = strlen(r); len > 1 && r[len - 1] == '/'; len--)
        r[len - 1] = '\0';
    size_t root_len = strlen(r);
    stack = malloc(sizeof *stack);
    if (!stack) {
        free(r);
        return -1;
    }
    stack[depth++] = (walk_dir){r, 0};
    stack_cap = 1;
    if (o && o->follow_links) {
        struct stat st;
        if (stat(r, &st) == 0 && seen_add(&seen, st.st_dev, st.st_ino) < 0)
            rc = -1;
    }

    while (depth > 0 && rc == 0) {
        walk_dir dir = stack[--depth];
        int fd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            int err = errno;
            if (fd >= 0)
                close(fd);
            warn_errno(warn, ctx, dir.path, "cannot read directory", err);
            free(dir.path);
            continue;
        }
        struct dirent *de;
        while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
            const char *name = de->d_name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                continue;
            qr_buf_clear(&path);
            if (qr_buf_printf(&path, "%s/%s", dir.path, name) != 0) {
                rc = -1;
                break;
            }
            const char *rel = path.data + root_len + 1;
            struct stat st;
            if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                warn_errno(warn, ctx, path.data, "cannot stat", errno);
                continue;
            }
            int link = S_ISLNK(st.st_mode);
            if (qr_walk_excluded(o, rel, S_ISDIR(st.st_mode)))
                continue;
            if (link) {
                if (!follow_link(o, dirfd(d), name, path.data, warn, ctx))
                    continue;
                if (fstatat(dirfd(d), name, &st, 0) != 0) {
                    warn_errno(warn, ctx, path.data, "cannot stat", errno);
                    continue;
                }
                if (qr_walk_excluded(o, rel, S_ISDIR(st.st_mode)))
                    continue;
            }
            if (S_ISDIR(st.st_mode) && o && o->skip_dir &&
                (uint64_t)st.st_dev == o->skip_dev &&
                (uint64_t)st.st_ino == o->skip_ino)
                continue;
            if (S_ISDIR(st.st_mode)) {
                if (o && o->follow_links) {
                    int s = seen_add(&seen, st.st_dev, st.st_ino);
                    if (s < 0) {
                        rc = -1;
                        break;
                    }
                    if (s > 0) {
                        if (warn)
                            warn(ctx, path.data, "directory already walked "
                                 "(a symbolic link loop)", 1);
                        continue;
                    }
                }
                if (depth == stack_cap) {
                    size_t ncap = stack_cap * 2;
                    walk_dir *p = realloc(stack, ncap * sizeof *p);
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
                stack[depth++] = (walk_dir){sub, dir.via_link || link};
            } else if (S_ISREG(st.st_mode)) {
                if (qr_walk_push(list, n, cap, path.data, &st,
                               dir.via_link || link) != 0)
                    rc = -1;
            } else if (warn) {
                warn(ctx, path.data,
                     "not a regular file (device, FIFO or socket)", 0);
            }
        }
        if (rc == 0 && errno != 0)
            warn_errno(warn, ctx, dir.path, "error reading directory", errno);
        closedir(d);
        free(dir.path);
    }
    while (depth > 0)
        free(stack[--depth].path);
    free(stack);
    free(seen.keys);
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

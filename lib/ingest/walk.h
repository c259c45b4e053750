/*
 * walk.h — lists the files under a directory, recursively.
 *
 * Hidden entries (names starting with '.') are skipped, as ripgrep and
 * omindex do. Symbolic links to files are followed; links to directories are
 * not (so no loop is possible), and broken or looping links are reported.
 * Devices, FIFOs and sockets are reported and skipped. A directory that
 * cannot be read, or vanishes during the walk, is reported and the walk goes
 * on. The walk is iterative: any depth is fine.
 */
#ifndef QUARRY_WALK_H
#define QUARRY_WALK_H

#include <stddef.h>
#include <stdint.h>

typedef struct qr_walk_entry {
    char    *path;      /* root + "/" + relative path (malloc'd)          */
    uint64_t size;
    int64_t  mtime_ns;
} qr_walk_entry;

typedef void (*qr_walk_warn_cb)(void *ctx, const char *path,
                                const char *reason);

/* Appends the indexable files under root to *list (growing it; *n and *cap
 * track it), sorted by path. Returns 0, or -1 if memory ran out. */
int qr_walk(const char *root, qr_walk_entry **list, size_t *n, size_t *cap,
            qr_walk_warn_cb warn, void *ctx);

void qr_walk_entries_free(qr_walk_entry *list, size_t n);

#endif

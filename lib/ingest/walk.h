/*
 * walk.h — lists the files under a directory, recursively, and says why
 * anything it leaves out is left out.
 *
 * What is listed: every regular file, whatever its name (the readers
 * decide from its content whether they can read it), except
 *   - hidden entries (names starting with '.'), unless opts->hidden: left
 *     out as if excluded, without a word, as ripgrep and omindex do;
 *   - what opts->exclude names, and with opts->include, files it does not
 *     name: left out without a word (the user asked for it);
 *   - symbolic links, unless opts->follow_links: a link whose target lies
 *     inside one of opts->roots is left out without a word, its target
 *     being walked there (no file is listed twice through a link); a link
 *     to anything outside them is reported, so that a link placed in a
 *     shared folder never puts a private file in the index.
 *   - the directory opts->skip_dev/skip_ino names (the index's own, when
 *     it lies inside a SOURCE): never walked, without a word;
 * Broken and looping links, devices, FIFOs and sockets, and directories
 * that cannot be read are reported and the walk goes on. The walk is
 * iterative: any depth is fine.
 *
 * Patterns (fnmatch): one without '/' matches a file or directory name
 * anywhere ("*.png", ".git", "drafts"); one with '/' matches the path
 * relative to the root ("2019/x.txt", "mail/spam"; a leading '/' is ignored).
 * An excluded directory is not walked. --include applies to files only.
 */
#ifndef QUARRY_WALK_H
#define QUARRY_WALK_H

#include <stddef.h>
#include <stdint.h>

typedef struct qr_walk_opts {
    const char *const *roots;    /* real paths of the directories named on
                                    the command line (links into them are
                                    not followed)                          */
    size_t nroots;
    const char *const *include;  /* with any: only files matching one      */
    size_t ninclude;
    const char *const *exclude;  /* files and directories left out         */
    size_t nexclude;
    int hidden;                  /* walk hidden entries too                */
    int follow_links;            /* follow every link (files and
                                    directories; loops are caught)         */
    int skip_dir;                /* a directory never walked: the one of  */
    uint64_t skip_dev, skip_ino; /* this device and inode                  */
} qr_walk_opts;

typedef struct qr_walk_entry {
    char    *path;      /* root + "/" + relative path (malloc'd)          */
    uint64_t size;
    int64_t  mtime_ns;
    uint64_t dev, ino;  /* the file itself (a link's target)              */
    int      via_link;  /* reached through a symbolic link                */
} qr_walk_entry;

/* Something left out that the user should hear about. keep: whatever the
 * index has under path stays (it could not be looked at, e.g. a directory
 * that cannot be read); otherwise it is gone from the index's point of
 * view (a broken link, a link out of the roots). */
typedef void (*qr_walk_warn_cb)(void *ctx, const char *path,
                                const char *reason, int keep);

/* Appends the files under root to *list (growing it; *n and *cap track
 * it), sorted by path. opts may be NULL (defaults: no patterns, no hidden
 * entries, no links followed, no roots). Returns 0, or -1 if memory ran
 * out. */
int qr_walk(const char *root, const qr_walk_opts *opts, qr_walk_entry **list,
            size_t *n, size_t *cap, qr_walk_warn_cb warn, void *ctx);

/* Appends an entry for the file at path to *list (growing it), with
 * st's size, modification time, device and inode (st: a struct stat, as
 * stat(2) filled it). 0, or -1 if memory ran out. */
struct stat;
int qr_walk_push(qr_walk_entry **list, size_t *n, size_t *cap,
                 const char *path, const struct stat *st, int via_link);

/* Whether a file (is_dir 0) or directory at rel, the path relative to the
 * root, is left out by opts' patterns and hidden rule. */
int qr_walk_excluded(const qr_walk_opts *opts, const char *rel, int is_dir);

void qr_walk_entries_free(qr_walk_entry *list, size_t n);

#endif

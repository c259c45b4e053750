/*
 * layout.h — what an index path holds on disk, and the writer's lock.
 *
 *   PATH/                  the index, as users name it (never changes)
 *   PATH/XAPIANDB          a Xapian stub file: "auto v000003"
 *   PATH/ARTICLES          the same for the articles: "auto v000003/articles"
 *   PATH/v000003/          the live glass database (passages)
 *   PATH/v000003/articles/ its articles (schema.h)
 *   PATH/v000004.build/    a new version in progress: a first build or a
 *                          rebuild (kept if interrupted, for the next run
 *                          to resume; see index.h)
 *   PATH/.quarry-lock      flock()ed by the one writer, holds its pid
 *
 * A sharded index (quarry-index --shards N) has one directory per version
 * holding the shards, and a stub of N lines that xapian-core opens as one
 * database with global statistics:
 *
 *   PATH/XAPIANDB          "auto v000003/s0\nauto v000003/s1\n"
 *   PATH/v000003/s0/       shard 0 (a glass database), s1/, ...
 *
 * Readers open PATH: xapian-core follows the stub to the live version. A
 * rebuild writes a new version beside the live one and then replaces the
 * stub with rename(2), so a reader sees the old version or the new one,
 * whole. The lock is a stable file, so a writer waiting for it can never
 * end up writing into a version that a rebuild has just retired.
 */
#ifndef QUARRY_LAYOUT_H
#define QUARRY_LAYOUT_H

#include "util.h"

#define QR_LAYOUT_STUB "XAPIANDB"
/* The same for the live version's articles (schema.h), for a server of
 * them: xapian-tcpsrv PATH/ARTICLES. */
#define QR_LAYOUT_ARTICLES_STUB "ARTICLES"
#define QR_LAYOUT_LOCK ".quarry-lock"

typedef enum qr_layout_kind {
    QR_LAYOUT_NONE = 0,   /* nothing there (or an empty directory)      */
    QR_LAYOUT_STUB_DIR,   /* a Quarry index: directory with XAPIANDB     */
    QR_LAYOUT_GLASS,      /* a plain glass database directory            */
    QR_LAYOUT_STUB_FILE,  /* a stub file (shards, remote databases)      */
    QR_LAYOUT_OTHER       /* something else: never written into          */
} qr_layout_kind;

qr_layout_kind qr_layout_probe(const char *path);

/* The live version's directory name (e.g. "v000003") from PATH/XAPIANDB,
 * malloc'd, or NULL if the stub is missing or is neither a one-line
 * "auto NAME" nor a sharded stub (below). */
char *qr_layout_live(const char *path);

/* The most shards an index may have. */
#define QR_LAYOUT_MAX_SHARDS 64

/* Like qr_layout_live, and *nshards receives the number of shards: 0 for
 * a one-line stub, N for N lines "auto NAME/s0" .. "auto NAME/s<N-1>" (in
 * that order, one NAME, N <= QR_LAYOUT_MAX_SHARDS). */
char *qr_layout_live_shards(const char *path, unsigned *nshards);

/* Takes the writer lock PATH/.quarry-lock (creating PATH if needed),
 * waiting up to wait_seconds (0: not at all, < 0: forever). *fd receives
 * the descriptor to pass to qr_layout_unlock. QR_ERR_LOCKED when another
 * writer holds it (err names the index and the holder's pid). */
qr_status qr_layout_lock(const char *path, int wait_seconds, int *fd,
                         qr_buf *err);
void qr_layout_unlock(int fd);

/* Points PATH/XAPIANDB at version `name` atomically (write a temporary
 * stub, fsync, rename, fsync the directory). */
qr_status qr_layout_switch(const char *path, const char *name, qr_buf *err);

/* The same for a sharded version: nshards lines "auto NAME/sK" (nshards 0
 * writes the one-line stub, as qr_layout_switch). */
qr_status qr_layout_switch_shards(const char *path, const char *name,
                                  unsigned nshards, qr_buf *err);

/* The name of the version after the live one ("v000001" when none). */
char *qr_layout_next_version(const char *path);

/* Removes what interrupted rebuilds and retired versions left in PATH:
 * every "v*" entry that is not the live version, nor keep (an unfinished
 * new version to resume; may be NULL). Call with the lock held. Returns
 * the number of entries removed. */
int qr_layout_cleanup(const char *path, const char *keep);

/* Removes a directory tree (no symlinks followed). 0 or -1. */
int qr_remove_tree(const char *path);

/* fsyncs every file of a directory and the directory itself. */
int qr_sync_tree(const char *path);

#endif

/*
 * stub.h — opening an index that is several databases searched as one:
 * Xapian stub files listing local shards, remote shards served by
 * xapian-tcpsrv or xapian-progsrv, or a mix.
 *
 * xapian-core reads stub files itself, but opens every `remote` line with
 * its default timeouts (10 s to connect) and reports a failing shard
 * without saying which line named it. Quarry therefore reads stub files
 * here, in xapian-core 1.4's format, and opens each shard itself:
 *
 *   # a comment (also blank lines)
 *   auto PATH                 any local database: a Quarry index directory,
 *                             a glass directory, or another stub file
 *   glass PATH                a glass database
 *   remote HOST:PORT          xapian-tcpsrv ([IPv6]:PORT for an address)
 *   remote :PROGRAM ARGS...   a program speaking the remote protocol on its
 *                             standard input/output, e.g.
 *                   remote :ssh host xapian-progsrv /srv/index/v000001
 *
 * A relative PATH is relative to the stub file's directory. Each line is
 * one shard; the shards are combined with Xapian::Database::add_database,
 * so statistics (document count, lengths, term frequencies) are global
 * across them and a search ranks as it would over one index.
 *
 * Remote shards get explicit timeouts: QR_STUB_CONNECT_TIMEOUT_MS to
 * connect to xapian-tcpsrv, QR_STUB_TIMEOUT_MS for every operation after
 * that (and for a program's greeting), so a shard that is down or hangs
 * fails the open or the search instead of blocking it. The environment
 * variable QR_STUB_TIMEOUT_ENV (seconds, e.g. "30" or "2.5", at most
 * 3600) replaces the operation timeout, for shards so large that one
 * search may take longer.
 */
#ifndef QUARRY_STUB_H
#define QUARRY_STUB_H

#include <stddef.h>

#include "status.h"
#include "xapian-c.h"

#define QR_STUB_CONNECT_TIMEOUT_MS 2000   /* connecting to xapian-tcpsrv  */
#define QR_STUB_TIMEOUT_MS 10000          /* each remote operation        */
#define QR_STUB_TIMEOUT_ENV "QUARRY_REMOTE_TIMEOUT"
#define QR_STUB_MAX_BYTES (1 << 20)       /* a larger file is no stub     */
#define QR_STUB_MAX_DEPTH 16              /* stubs naming stubs, nested   */
#define QR_STUB_MAX_FILES 1000            /* stub files read in one open  */

/* Opens paths[0..n-1] (n >= 1) read-only as one database. A path that is a
 * stub file is read as above (so is an `auto` line naming one); anything
 * else, a Quarry index directory included, is opened by xapian-core
 * (xc_db_open): its XAPIANDB names one local version. The shards
 * must agree on the analysis Quarry recorded in them (QR_META_LANG,
 * QR_META_STOPWORDS): shards indexed differently cannot be ranked as one.
 * *out is set only on success (xc_db_close frees it). On failure *err
 * (may be NULL; malloc'd, caller frees) names the shard that failed, as
 * "STUB:LINE: remote HOST:PORT: xapian-core's message" (nested stubs name
 * every level) and says what failed. Returns QR_OK; QR_ERR_NOINDEX (a
 * local shard is missing); QR_ERR_INDEX (a remote shard is down or does
 * not answer, a bad stub line, a stub too large or nested too deeply, a
 * version xapian-core cannot read, shards that disagree on their
 * analysis); QR_ERR_IO; QR_ERR_USAGE (also: QR_STUB_TIMEOUT_ENV is not a
 * number of seconds); QR_ERR_NOMEM. */
qr_status qr_stub_open(const char *const *paths, size_t n, xc_db **out,
                       char **err);

/* As qr_stub_open; on success *remotes (if remotes) is NULL when every
 * shard is local, else the remote shards' positions, "; "-separated
 * ("STUB:2: remote 10.0.0.2:7000; STUB:3: remote 10.0.0.3:7000"),
 * malloc'd: xapian-core's errors during a search do not always say which
 * remote shard failed, so a message can name the candidates. */
qr_status qr_stub_open_remotes(const char *const *paths, size_t n,
                               xc_db **out, char **err, char **remotes);

#endif

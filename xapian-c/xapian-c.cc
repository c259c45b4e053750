/*
 * xapian-c.cc — Quarry's C binding over xapian-core 1.4 (see xapian-c.h).
 *
 * The only C++ in the tree. Three rules hold for every extern "C" function:
 *
 *   1. Its whole body runs inside `try`, and the `catch (...)` hands the
 *      exception to status_from_exception(), the one place that knows how
 *      Xapian's exception classes (most specific first), std::bad_alloc,
 *      std::exception and anything else become an xc_status and a message.
 *      That helper rethrows the in-flight exception to classify it (the
 *      "Lippincott function" idiom), so the mapping is written once instead
 *      of a dozen catch clauses pasted into a hundred functions.
 *   2. Results reach the caller only on success: std::string results are
 *      copied into malloc'd memory inside the `try`, and `*out` is written
 *      as the last step, after everything that can throw.
 *   3. Callbacks run inside the `try` as well; they are C and cannot throw,
 *      and a non-zero return stops the iteration with XC_OK.
 *
 * A NULL-handle check may come before the `try` (it cannot throw, and the
 * handler needs the handle to store the message). Destructors and plain
 * accessors that cannot throw (xc_*_free, xc_*_errmsg, xc_status_str) have
 * no `try` at all.
 *
 * Messages live on the handle (`err`, mutable so const accessors such as
 * xc_doc_get_data can record one); constructors, which have no handle yet,
 * return theirs through `char **err`.
 */
#include "xapian-c.h"

#include <sys/stat.h>

#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

/* ------------------------------------------------------------- handles */

/* How a remote shard was opened, so that more connections to it can be
 * opened: xapian-core 1.4's remote backend answers one request at a time
 * per connection, so reads of many documents go side by side over several
 * connections (read_many). */
struct remote_spec {
    bool remote = false;
    bool program = false;
    std::string host;              // xapian-tcpsrv
    unsigned port = 0;
    unsigned connect_timeout_ms = 0;
    std::string prog, args;        // xapian-progsrv and the like
    unsigned timeout_ms = 0;
};

struct xc_db {
    Xapian::Database db;           // every read goes through this handle
    Xapian::WritableDatabase wdb;  // the same database, when writable
    bool writable = false;
    mutable std::string err;       // last error message
    /* One per shard of db, in xapian-core's order (shorter: the rest are
     * local), and each remote shard's extra connections, opened when
     * first needed. */
    std::vector<remote_spec> shards;
    std::vector<std::vector<Xapian::Database>> pool;
};

/* A term and its wdf, read ahead from a remote document's term list. */
typedef std::vector<std::pair<std::string, Xapian::termcount>> term_vec;

struct xc_doc {
    Xapian::Document doc;
    mutable std::string err;
    term_vec terms;                // read ahead (has_terms), or empty
    bool has_terms = false;
};

struct xc_stem {
    Xapian::Stem stem;
};

/* The words are kept in our own set, and every consumer (TermGenerator,
 * QueryParser) gets a fresh SimpleStopper built from it: handing over a copy
 * makes "the caller may free its own handle at once" true without sharing a
 * mutable object between a C handle and xapian-core's reference counts. */
struct xc_stopper {
    std::set<std::string> words;
};

struct xc_termgen {
    Xapian::TermGenerator tg;
    mutable std::string err;
};

struct xc_query {
    Xapian::Query q;
};

struct xc_qparser {
    Xapian::QueryParser qp;
    mutable std::string err;
};

struct xc_enquire {
    Xapian::Enquire enq;
    Xapian::Database db;           // what enq searches (its size)
    mutable std::string err;
    explicit xc_enquire(const Xapian::Database &d) : enq(d), db(d) {}
};

struct xc_mset {
    Xapian::MSet ms;
    mutable std::string err;
    /* The last item's document read through xc_mset_get_data/_get_value:
     * xapian-core 1.4 fetches a remote document again for every
     * get_document() of an MSet item, a network round trip each time. */
    Xapian::doccount doc_index = Xapian::doccount(-1);
    Xapian::Document doc;
    /* Documents read ahead by xc_mset_fetch, by item, with their term
     * lists when asked for. */
    std::map<uint32_t, Xapian::Document> fetched;
    std::map<uint32_t, term_vec> fetched_terms;
    std::map<uint32_t, Xapian::termcount> fetched_len;
};

/* ------------------------------------------------------------- helpers */

namespace {

/* True if Xapian's errno text for e names one of the "no such file"
 * errors. Xapian 1.4 exposes the errno only as its strerror() text, which
 * comes from the same C library in the same process, so comparing texts is
 * exact. */
bool error_is_missing_file(const Xapian::Error &e)
{
    const char *s = e.get_error_string();
    return s && (std::strcmp(s, std::strerror(ENOENT)) == 0 ||
                 std::strcmp(s, std::strerror(ENOTDIR)) == 0);
}

/* Whether a DatabaseLockError means another writer holds the lock.
 * xapian-core 1.4 throws the same class when the lock file cannot even be
 * created (EROFS, EACCES, EMFILE) and tells them apart only in the message:
 * "Unable to get write lock on PATH: already locked" for a held lock. */
bool lock_is_held(const Xapian::DatabaseLockError &e)
{
    static const char held[] = ": already locked";
    const std::string &m = e.get_msg();
    return m.size() >= sizeof held - 1 &&
           m.compare(m.size() - (sizeof held - 1), sizeof held - 1, held) == 0;
}

/* Stores e's description in *msg (if msg). May throw std::bad_alloc. */
void describe(const Xapian::Error &e, std::string *msg)
{
    if (msg)
        *msg = e.get_description();
}

/* The one place where an exception becomes a status. Call only from inside
 * a catch handler: it rethrows the exception in flight to classify it.
 * Stores the message in *msg when msg is non-NULL. Never throws. */
xc_status status_from_exception(std::string *msg) noexcept
{
    xc_status st = XC_ERROR;
    try {
        try {
            throw;
        } catch (const Xapian::DatabaseLockError &e) {
            /* Only a lock held by another writer is "locked"; a lock file
             * that cannot be made (read-only file system, no permission,
             * too many open files) is the file system talking. */
            st = lock_is_held(e) ? XC_LOCKED : XC_IO;
            describe(e, msg);
        } catch (const Xapian::DatabaseNotFoundError &e) {
            st = XC_NOT_FOUND;
            describe(e, msg);
        } catch (const Xapian::DatabaseVersionError &e) {
            st = XC_VERSION;
            describe(e, msg);
        } catch (const Xapian::DatabaseOpeningError &e) {
            /* Xapian::Database::check() reports a missing path this way
             * (with errno ENOENT); with another errno it is an I/O
             * failure; with none, the file exists but is no database
             * Xapian recognises (e.g. a stub file with a bad line). */
            if (error_is_missing_file(e))
                st = XC_NOT_FOUND;
            else if (e.get_error_string())
                st = XC_IO;
            else
                st = XC_CORRUPT;
            describe(e, msg);
        } catch (const Xapian::DatabaseCorruptError &e) {
            st = XC_CORRUPT;
            describe(e, msg);
        } catch (const Xapian::DatabaseModifiedError &e) {
            st = XC_MODIFIED;
            describe(e, msg);
        } catch (const Xapian::DatabaseError &e) {
            /* DatabaseCreateError, DatabaseClosedError, and plain
             * DatabaseError: with an errno it is the file system talking
             * (disk full, permission denied). */
            st = e.get_error_string() ? XC_IO : XC_ERROR;
            describe(e, msg);
        } catch (const Xapian::DocNotFoundError &e) {
            st = XC_NOT_FOUND;
            describe(e, msg);
        } catch (const Xapian::QueryParserError &e) {
            st = XC_QUERY_SYNTAX;
            describe(e, msg);
        } catch (const Xapian::RangeError &e) {
            st = XC_RANGE;
            describe(e, msg);
        } catch (const Xapian::WildcardError &e) {
            /* A wildcard expanded past its WILDCARD_LIMIT_ERROR limit. */
            st = XC_RANGE;
            describe(e, msg);
        } catch (const Xapian::InvalidArgumentError &e) {
            st = XC_INVALID_ARG;
            describe(e, msg);
        } catch (const Xapian::InvalidOperationError &e) {
            st = XC_INVALID_ARG;
            describe(e, msg);
        } catch (const Xapian::UnimplementedError &e) {
            st = XC_UNIMPLEMENTED;
            describe(e, msg);
        } catch (const Xapian::FeatureUnavailableError &e) {
            st = XC_UNIMPLEMENTED;
            describe(e, msg);
        } catch (const Xapian::NetworkTimeoutError &e) {
            st = XC_TIMEOUT;
            describe(e, msg);
        } catch (const Xapian::NetworkError &e) {
            st = XC_NETWORK;
            describe(e, msg);
        } catch (const Xapian::Error &e) {
            st = XC_ERROR;
            describe(e, msg);
        } catch (const std::bad_alloc &) {
            st = XC_NOMEM;
            if (msg)
                *msg = "out of memory";
        } catch (const std::exception &e) {
            st = XC_ERROR;
            if (msg)
                *msg = e.what();
        } catch (...) {
            st = XC_ERROR;
            if (msg)
                *msg = "unknown C++ exception";
        }
    } catch (...) {
        /* Copying the message ran out of memory: keep the status that was
         * already decided, and an empty message. */
        if (msg)
            msg->clear();
    }
    return st;
}

/* A malloc'd, NUL-terminated copy of s (the caller frees); throws
 * std::bad_alloc rather than returning NULL. */
char *copy_out(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

/* strdup that returns NULL instead of throwing; for error messages only. */
char *copy_message(const std::string &s) noexcept
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p) {
        std::memcpy(p, s.data(), s.size());
        p[s.size()] = '\0';
    }
    return p;
}

/* Constructors: classify the exception in flight and hand the message back
 * through the optional `char **err`. Never throws. */
xc_status fail_to(char **err) noexcept
{
    std::string msg;
    xc_status st = status_from_exception(&msg);
    if (err)
        *err = copy_message(msg);
    return st;
}

/* Constructors: a failure found by our own argument checks. */
xc_status reject_to(char **err, xc_status st, const char *why) noexcept
{
    if (err) {
        try {
            *err = copy_message(why);
        } catch (...) {
            *err = nullptr;
        }
    }
    return st;
}

/* Handles: a failure found by our own argument checks. May throw
 * std::bad_alloc (the callers are inside their try). */
xc_status reject(std::string &err, xc_status st, const char *why)
{
    err = why;
    return st;
}

/* A (pointer, length) pair as a std::string; NULL is allowed only for an
 * empty input. Returns false if p is NULL with len > 0. */
bool bytes_arg(const void *p, size_t len, std::string &s)
{
    if (!p) {
        if (len)
            return false;
        s.clear();
        return true;
    }
    s.assign(static_cast<const char *>(p), len);
    return true;
}

bool valid_slot(unsigned slot)
{
    return slot != Xapian::BAD_VALUENO;
}

bool query_op(xc_query_op op, Xapian::Query::op &xop)
{
    switch (op) {
    case XC_OP_AND:       xop = Xapian::Query::OP_AND; return true;
    case XC_OP_OR:        xop = Xapian::Query::OP_OR; return true;
    case XC_OP_AND_NOT:   xop = Xapian::Query::OP_AND_NOT; return true;
    case XC_OP_XOR:       xop = Xapian::Query::OP_XOR; return true;
    case XC_OP_AND_MAYBE: xop = Xapian::Query::OP_AND_MAYBE; return true;
    case XC_OP_FILTER:    xop = Xapian::Query::OP_FILTER; return true;
    case XC_OP_NEAR:      xop = Xapian::Query::OP_NEAR; return true;
    case XC_OP_PHRASE:    xop = Xapian::Query::OP_PHRASE; return true;
    case XC_OP_ELITE_SET: xop = Xapian::Query::OP_ELITE_SET; return true;
    case XC_OP_SYNONYM:   xop = Xapian::Query::OP_SYNONYM; return true;
    case XC_OP_MAX:       xop = Xapian::Query::OP_MAX; return true;
    }
    return false;
}

/* TermGenerator and QueryParser number their strategies alike (and like
 * xc_stem_strategy), but as distinct enum types. */
template <class Strategy>
bool stem_strategy(xc_stem_strategy st, Strategy &out)
{
    switch (st) {
    case XC_STEM_NONE:          out = Strategy::STEM_NONE; return true;
    case XC_STEM_SOME:          out = Strategy::STEM_SOME; return true;
    case XC_STEM_ALL:           out = Strategy::STEM_ALL; return true;
    case XC_STEM_ALL_Z:         out = Strategy::STEM_ALL_Z; return true;
    case XC_STEM_SOME_FULL_POS: out = Strategy::STEM_SOME_FULL_POS;
                                return true;
    }
    return false;
}

/* A SimpleStopper that xapian-core owns through its reference count. */
const Xapian::Stopper *fresh_stopper(const xc_stopper *s)
{
    auto *stop = new Xapian::SimpleStopper(s->words.begin(), s->words.end());
    return stop->release();
}

/* xapian-core 1.4 follows stub files (an "auto PATH" line, or XAPIANDB in
 * a directory) by recursion without any limit, so a stub that names itself,
 * or two that name each other, overflow the stack and crash the process.
 * check_stubs walks the stubs under path first, as Database(path) would,
 * and throws DatabaseOpeningError (no errno: XC_CORRUPT) past
 * STUB_MAX_DEPTH levels or STUB_MAX_FILES stub files in all (a stub may
 * name several databases, so a few files can make an exponential tree).
 * Anything it cannot read is left for xapian-core to report. */
const int STUB_MAX_DEPTH = 16;
const int STUB_MAX_FILES = 1000;

bool is_regular(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void check_stubs(const std::string &path, int depth, int &files)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        return;
    std::string stub;
    if (S_ISREG(st.st_mode)) {
        stub = path;
    } else if (S_ISDIR(st.st_mode)) {
        for (const char *marker : {"/iamglass", "/iamchert", "/iamhoney"})
            if (is_regular(path + marker))
                return;
        stub = path + "/XAPIANDB";
        if (!is_regular(stub))
            return;
    } else {
        return;
    }
    if (depth >= STUB_MAX_DEPTH || ++files > STUB_MAX_FILES)
        throw Xapian::DatabaseOpeningError(
            stub + ": stub files nested too deeply, or in a loop");
    std::ifstream in(stub, std::ios::binary);
    if (!in)
        return;
    /* a single-file glass database is not a stub */
    static const char glass_magic[] = "\x0f\x0dXapian Glass";
    char head[sizeof glass_magic - 1];
    if (in.read(head, sizeof head) &&
        std::memcmp(head, glass_magic, sizeof head) == 0)
        return;
    in.clear();
    in.seekg(0);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::string::size_type space = line.find(' ');
        if (line.compare(0, space, "auto") != 0)
            continue;   /* glass, chert, remote, inmemory: no recursion */
        std::string target =
            space == std::string::npos ? std::string() : line.substr(space + 1);
        /* relative to the stub's directory, as xapian-core resolves it */
        std::string::size_type slash = stub.rfind('/');
        if (!target.empty() && target[0] != '/' && slash != std::string::npos)
            target.insert(0, stub, 0, slash + 1);
        check_stubs(target, depth + 1, files);
    }
}

/* Database(path), after check_stubs. */
Xapian::Database open_readonly(const std::string &path)
{
    int files = 0;
    check_stubs(path, 0, files);
    return Xapian::Database(path);
}

/* Opens a writable glass database, retrying while another writer holds the
 * lock: wait_seconds < 0 waits forever (xapian-core blocks on the lock),
 * 0 fails at once, > 0 retries every 50 ms until the deadline. */
Xapian::WritableDatabase open_writable(const std::string &path, int xflags,
                                       int wait_seconds)
{
    if (wait_seconds < 0)
        return Xapian::WritableDatabase(path, xflags | Xapian::DB_RETRY_LOCK);
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::seconds(wait_seconds);
    for (;;) {
        try {
            return Xapian::WritableDatabase(path, xflags);
        } catch (const Xapian::DatabaseLockError &e) {
            const auto now = clock::now();
            if (now >= deadline || !lock_is_held(e))
                throw;
            const auto nap = std::min<clock::duration>(
                std::chrono::milliseconds(50), deadline - now);
            std::this_thread::sleep_for(nap);
        }
    }
}

bool writable_or_reject(xc_db *db, xc_status &st)
{
    if (db->writable)
        return true;
    st = reject(db->err, XC_INVALID_ARG, "database is open read-only");
    return false;
}

} // namespace

/* ---------------------------------------------------------------- status */

extern "C" const char *xc_status_str(xc_status st)
{
    switch (st) {
    case XC_OK:            return "ok";
    case XC_INVALID_ARG:   return "invalid argument";
    case XC_NOT_FOUND:     return "not found";
    case XC_LOCKED:        return "locked";
    case XC_CORRUPT:       return "corrupt";
    case XC_VERSION:       return "unsupported version";
    case XC_MODIFIED:      return "database modified";
    case XC_QUERY_SYNTAX:  return "query syntax error";
    case XC_RANGE:         return "out of range";
    case XC_NETWORK:       return "network error";
    case XC_TIMEOUT:       return "timed out";
    case XC_IO:            return "I/O error";
    case XC_NOMEM:         return "out of memory";
    case XC_UNIMPLEMENTED: return "unimplemented";
    case XC_ERROR:         return "error";
    }
    return "unknown status";
}

extern "C" const char *xc_version_string(void)
{
    try {
        return Xapian::version_string();
    } catch (...) {
        return "";
    }
}

/* -------------------------------------------------------------- database */

extern "C" xc_status xc_db_open(const char *path, xc_open_mode mode,
                                int flags, int wait_seconds, xc_db **out,
                                char **err)
{
    try {
        if (!path || !out)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_db_open: NULL path or out");
        if (flags & ~(XC_DB_NO_SYNC | XC_DB_FULL_SYNC))
            return reject_to(err, XC_INVALID_ARG, "xc_db_open: unknown flags");
        int action;
        switch (mode) {
        case XC_DB_READONLY:            action = -1; break;
        case XC_DB_OPEN:                action = Xapian::DB_OPEN; break;
        case XC_DB_CREATE_OR_OPEN:      action = Xapian::DB_CREATE_OR_OPEN;
                                        break;
        case XC_DB_CREATE_OR_OVERWRITE: action = Xapian::DB_CREATE_OR_OVERWRITE;
                                        break;
        default:
            return reject_to(err, XC_INVALID_ARG, "xc_db_open: unknown mode");
        }
        std::unique_ptr<xc_db> h(new xc_db);
        if (action < 0) {
            /* No backend flag: Xapian detects glass directories and stub
             * files (local and `remote` lines) itself. */
            h->db = open_readonly(path);
        } else {
            /* The glass backend is named only for a database that does not
             * exist yet: an existing one may be a stub (a directory holding
             * XAPIANDB, or a stub file), which only auto-detection follows. */
            struct stat st;
            int xflags = action;
            if (stat(path, &st) != 0) {
                xflags |= Xapian::DB_BACKEND_GLASS;
            } else {
                int files = 0;
                check_stubs(path, 0, files);
            }
            if (flags & XC_DB_NO_SYNC)
                xflags |= Xapian::DB_NO_SYNC;
            if (flags & XC_DB_FULL_SYNC)
                xflags |= Xapian::DB_FULL_SYNC;
            h->wdb = open_writable(path, xflags, wait_seconds);
            h->db = h->wdb;
            h->writable = true;
        }
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" xc_status xc_db_open_multi(const char *const *paths, size_t n,
                                      xc_db **out, char **err)
{
    try {
        if (!paths || !out || n == 0)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_db_open_multi: NULL argument or no paths");
        for (size_t i = 0; i < n; i++)
            if (!paths[i])
                return reject_to(err, XC_INVALID_ARG,
                                 "xc_db_open_multi: NULL path");
        std::unique_ptr<xc_db> h(new xc_db);
        for (size_t i = 0; i < n; i++)
            h->db.add_database(open_readonly(paths[i]));
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" xc_status xc_db_open_remote(const char *host, unsigned port,
                                       unsigned timeout_ms,
                                       unsigned connect_timeout_ms,
                                       xc_db **out, char **err)
{
    try {
        if (!host || !out)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_db_open_remote: NULL host or out");
        if (port == 0 || port > 65535)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_db_open_remote: port out of range");
        std::unique_ptr<xc_db> h(new xc_db);
        h->db = Xapian::Remote::open(host, port, timeout_ms,
                                     connect_timeout_ms);
        remote_spec spec;
        spec.remote = true;
        spec.host = host;
        spec.port = port;
        spec.timeout_ms = timeout_ms;
        spec.connect_timeout_ms = connect_timeout_ms;
        h->shards.push_back(spec);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" xc_status xc_db_open_remote_program(const char *program,
                                               const char *args,
                                               unsigned timeout_ms,
                                               xc_db **out, char **err)
{
    try {
        if (!program || !*program || !args || !out)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_db_open_remote_program: NULL or empty "
                             "program, NULL args or out");
        std::unique_ptr<xc_db> h(new xc_db);
        h->db = Xapian::Remote::open(program, args, timeout_ms);
        remote_spec spec;
        spec.remote = true;
        spec.program = true;
        spec.prog = program;
        spec.args = args;
        spec.timeout_ms = timeout_ms;
        h->shards.push_back(spec);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" xc_status xc_db_new_empty(xc_db **out, char **err)
{
    try {
        if (!out)
            return reject_to(err, XC_INVALID_ARG, "xc_db_new_empty: NULL out");
        *out = new xc_db;
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" xc_status xc_db_add_database(xc_db *db, xc_db *sub)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!sub || sub == db)
            return reject(db->err, XC_INVALID_ARG,
                          "xc_db_add_database: NULL or the same handle");
        if (db->writable || sub->writable)
            return reject(db->err, XC_INVALID_ARG,
                          "xc_db_add_database: writable handles cannot be "
                          "combined");
        std::vector<remote_spec> specs = db->shards;
        specs.resize(db->db.size());
        for (size_t i = 0; i < sub->db.size(); i++)
            specs.push_back(i < sub->shards.size() ? sub->shards[i]
                                                   : remote_spec());
        db->db.add_database(sub->db);
        db->shards.swap(specs);
        db->pool.clear();
        /* The shards are shared with db now: sub's handle goes without a
         * close(), which would close them for db too. */
        delete sub;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" void xc_db_close(xc_db *db)
{
    if (!db)
        return;
    try {
        /* Releases the write lock now rather than whenever the last
         * object sharing the database goes away. */
        if (db->writable)
            db->wdb.close();
        else
            db->db.close();
    } catch (...) {
        /* Nothing to report to: the handle is going away. */
    }
    delete db;
}

extern "C" const char *xc_db_errmsg(const xc_db *db)
{
    return db ? db->err.c_str() : "";
}

extern "C" int xc_db_is_writable(const xc_db *db)
{
    return db && db->writable;
}

extern "C" xc_status xc_db_reopen(xc_db *db, int *changed)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        bool moved = db->db.reopen();
        if (moved)
            db->pool.clear();   /* reopened when next needed */
        if (changed)
            *changed = moved ? 1 : 0;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_commit(xc_db *db)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        db->wdb.commit();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_begin_transaction(xc_db *db, int flushed)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        db->wdb.begin_transaction(flushed != 0);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_commit_transaction(xc_db *db)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        db->wdb.commit_transaction();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_cancel_transaction(xc_db *db)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        db->wdb.cancel_transaction();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_add_document(xc_db *db, const xc_doc *doc,
                                        uint32_t *docid)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!doc)
            return reject(db->err, XC_INVALID_ARG, "NULL document");
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        Xapian::docid did = db->wdb.add_document(doc->doc);
        if (docid)
            *docid = did;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_replace_document_by_term(xc_db *db,
                                                    const char *unique_term,
                                                    const xc_doc *doc,
                                                    uint32_t *docid)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!unique_term || !doc)
            return reject(db->err, XC_INVALID_ARG,
                          "NULL unique term or document");
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        Xapian::docid did = db->wdb.replace_document(unique_term, doc->doc);
        if (docid)
            *docid = did;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_delete_document(xc_db *db, uint32_t docid)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        db->wdb.delete_document(docid);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_delete_documents_by_term(xc_db *db,
                                                    const char *term)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!term)
            return reject(db->err, XC_INVALID_ARG, "NULL term");
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        db->wdb.delete_document(std::string(term));
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_get_document(xc_db *db, uint32_t docid,
                                        xc_doc **out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!out)
            return reject(db->err, XC_INVALID_ARG, "NULL out");
        std::unique_ptr<xc_doc> h(new xc_doc);
        h->doc = db->db.get_document(docid);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_get_metadata(xc_db *db, const char *key,
                                        char **out, size_t *len)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!key || !out || !len)
            return reject(db->err, XC_INVALID_ARG, "NULL key, out or len");
        std::string value = db->db.get_metadata(key);
        char *p = value.empty() ? nullptr : copy_out(value);
        *out = p;
        *len = value.size();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_set_metadata(xc_db *db, const char *key,
                                        const char *value, size_t len)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        std::string v;
        if (!key || !bytes_arg(value, len, v))
            return reject(db->err, XC_INVALID_ARG, "NULL key or value");
        xc_status st;
        if (!writable_or_reject(db, st))
            return st;
        db->wdb.set_metadata(key, v);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_metadata_each(xc_db *db, const char *prefix,
                                         xc_metadata_cb cb, void *ctx)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!prefix || !cb)
            return reject(db->err, XC_INVALID_ARG, "NULL prefix or callback");
        const std::string pfx(prefix);
        for (auto it = db->db.metadata_keys_begin(pfx);
             it != db->db.metadata_keys_end(pfx); ++it) {
            const std::string key = *it;
            const std::string value = db->db.get_metadata(key);
            if (cb(ctx, key.c_str(), value.c_str(), value.size()))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_allterms_each(xc_db *db, const char *prefix,
                                         xc_term_cb cb, void *ctx)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!prefix || !cb)
            return reject(db->err, XC_INVALID_ARG, "NULL prefix or callback");
        const std::string pfx(prefix);
        for (auto it = db->db.allterms_begin(pfx);
             it != db->db.allterms_end(pfx); ++it) {
            const std::string term = *it;
            if (cb(ctx, term.c_str(), term.size(), it.get_termfreq()))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_postlist_each(xc_db *db, const char *term,
                                         xc_docid_cb cb, void *ctx)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!term || !cb)
            return reject(db->err, XC_INVALID_ARG, "NULL term or callback");
        const std::string t(term);
        for (auto it = db->db.postlist_begin(t); it != db->db.postlist_end(t);
             ++it) {
            if (cb(ctx, *it, it.get_wdf()))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_positions_each(xc_db *db, uint32_t docid,
                                          const char *term, xc_pos_cb cb,
                                          void *ctx)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!term || !cb)
            return reject(db->err, XC_INVALID_ARG, "NULL term or callback");
        const std::string t(term);
        for (auto it = db->db.positionlist_begin(docid, t);
             it != db->db.positionlist_end(docid, t); ++it) {
            if (cb(ctx, *it))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_get_stats(xc_db *db, xc_db_stats *out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!out)
            return reject(db->err, XC_INVALID_ARG, "NULL out");
        xc_db_stats s;
        s.doccount = db->db.get_doccount();
        s.lastdocid = db->db.get_lastdocid();
        s.avlength = db->db.get_avlength();
        s.total_length = db->db.get_total_length();
        s.doclength_lower = db->db.get_doclength_lower_bound();
        s.doclength_upper = db->db.get_doclength_upper_bound();
        s.has_positions = db->db.has_positions() ? 1 : 0;
        s.revision = 0;
        /* get_revision() needs exactly one local glass/chert shard. */
        if (db->db.size() == 1) {
            try {
                s.revision = db->db.get_revision();
            } catch (const Xapian::InvalidOperationError &) {
                /* remote: no revision to report */
            } catch (const Xapian::UnimplementedError &) {
            }
        }
        *out = s;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_termfreq(xc_db *db, const char *term,
                                    uint32_t *out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!term || !out)
            return reject(db->err, XC_INVALID_ARG, "NULL term or out");
        *out = db->db.get_termfreq(term);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_termfreqs(xc_db *db, const char *const *terms,
                                     size_t n, uint32_t *out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (n && (!terms || !out))
            return reject(db->err, XC_INVALID_ARG, "NULL terms or out");
        if (n == 0)
            return XC_OK;
        /* locally a lookup each is as cheap, and no match to set up */
        bool remote = false;
        for (const remote_spec &sp : db->shards)
            remote = remote || sp.remote;
        if (!remote) {
            for (size_t i = 0; i < n; i++) {
                if (!terms[i])
                    return reject(db->err, XC_INVALID_ARG, "NULL term");
                out[i] = db->db.get_termfreq(terms[i]);
            }
            return XC_OK;
        }
        std::vector<Xapian::Query> v;
        v.reserve(n);
        for (size_t i = 0; i < n; i++) {
            if (!terms[i])
                return reject(db->err, XC_INVALID_ARG, "NULL term");
            v.emplace_back(terms[i]);
        }
        /* The match gathers every query term's frequency from each shard
         * before it ranks (a remote shard sends them with its
         * statistics), and the MSet keeps them: one exchange per shard,
         * the shards asked together, where get_termfreq() asks each shard
         * in turn, term after term. No document is ranked (maxitems 0). */
        Xapian::Enquire enq(db->db);
        enq.set_query(Xapian::Query(Xapian::Query::OP_OR, v.begin(), v.end()));
        enq.set_weighting_scheme(Xapian::BoolWeight());
        Xapian::MSet ms = enq.get_mset(0, 0);
        for (size_t i = 0; i < n; i++)
            out[i] = ms.get_termfreq(terms[i]);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_collection_freq(xc_db *db, const char *term,
                                           uint64_t *out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!term || !out)
            return reject(db->err, XC_INVALID_ARG, "NULL term or out");
        *out = db->db.get_collection_freq(term);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_term_exists(xc_db *db, const char *term, int *out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!term || !out)
            return reject(db->err, XC_INVALID_ARG, "NULL term or out");
        *out = db->db.term_exists(term) ? 1 : 0;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_doclength(xc_db *db, uint32_t docid,
                                     uint32_t *out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!out)
            return reject(db->err, XC_INVALID_ARG, "NULL out");
        *out = db->db.get_doclength(docid);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_uuid(xc_db *db, char **out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (!out)
            return reject(db->err, XC_INVALID_ARG, "NULL out");
        *out = copy_out(db->db.get_uuid());
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

namespace {

/* xapian-core's hook for a metadata key held by several sources, handed
 * to the caller's C function. A refusal becomes an exception, which ends
 * the compaction like any other failure. */
class MetadataMerger : public Xapian::Compactor {
  public:
    MetadataMerger(xc_metadata_merge_fn fn, void *ctx) : fn_(fn), ctx_(ctx) {}

    std::string resolve_duplicate_metadata(const std::string &key,
                                           size_t num_tags,
                                           const std::string tags[]) override
    {
        if (!fn_ || num_tags < 2)
            return tags[0];
        std::vector<const char *> values(num_tags);
        std::vector<size_t> lens(num_tags);
        for (size_t i = 0; i < num_tags; i++) {
            values[i] = tags[i].c_str();
            lens[i] = tags[i].size();
        }
        /* glass (1.4) passes the key as its postlist table stores it,
         * behind the user-metadata prefix "\0\xc0": the caller gets the
         * key it set */
        static const char prefix[2] = {'\0', '\xc0'};
        std::string user = key;
        if (user.size() >= 2 && user.compare(0, 2, prefix, 2) == 0)
            user.erase(0, 2);
        char *out = nullptr;
        size_t len = 0;
        if (fn_(ctx_, user.c_str(), num_tags, values.data(), lens.data(), &out,
                &len) != 0)
            throw std::runtime_error("merging the values of metadata key '" +
                                     user + "' failed");
        std::unique_ptr<char, decltype(&std::free)> owned(out, &std::free);
        return out ? std::string(out, len) : tags[0];
    }

  private:
    xc_metadata_merge_fn fn_;
    void *ctx_;
};

}  // namespace

extern "C" xc_status xc_compact_merge(const char *const *srcs, size_t n,
                                      const char *dest, int multipass,
                                      xc_metadata_merge_fn merge, void *ctx,
                                      char **err)
{
    try {
        if (!srcs || n == 0 || !dest)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_compact: no sources or NULL destination");
        for (size_t i = 0; i < n; i++)
            if (!srcs[i])
                return reject_to(err, XC_INVALID_ARG,
                                 "xc_compact: NULL source path");
        Xapian::Database db;
        for (size_t i = 0; i < n; i++)
            db.add_database(open_readonly(srcs[i]));
        /* Default renumbering (each source's docids offset past the
         * previous ones); multipass only matters for > 3 sources. The
         * Compactor reports no progress (its set_status is not
         * overridden); it only resolves duplicate metadata. */
        unsigned flags = multipass ? Xapian::DBCOMPACT_MULTIPASS : 0;
        MetadataMerger merger(merge, ctx);
        db.compact(dest, flags, 0, merger);
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

/* No try of its own: xc_compact_merge catches everything. */
extern "C" xc_status xc_compact(const char *const *srcs, size_t n,
                                const char *dest, int multipass, char **err)
{
    return xc_compact_merge(srcs, n, dest, multipass, nullptr, nullptr, err);
}

extern "C" xc_status xc_db_check(const char *path, size_t *nerrors,
                                 char **report, char **err)
{
    try {
        if (!path || !nerrors)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_db_check: NULL path or nerrors");
        /* opts 0: every table is checked; the output is one verdict per
         * table, not a dump of every block. */
        std::ostringstream text;
        size_t n = Xapian::Database::check(path, 0, report ? &text : nullptr);
        char *r = report ? copy_out(text.str()) : nullptr;
        *nerrors = n;
        if (report)
            *report = r;
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

/* -------------------------------------------------------------- document */

extern "C" xc_status xc_doc_new(xc_doc **out)
{
    try {
        if (!out)
            return XC_INVALID_ARG;
        *out = new xc_doc;
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" void xc_doc_free(xc_doc *doc)
{
    delete doc;
}

extern "C" const char *xc_doc_errmsg(const xc_doc *doc)
{
    return doc ? doc->err.c_str() : "";
}

extern "C" uint32_t xc_doc_docid(const xc_doc *doc)
{
    if (!doc)
        return 0;
    try {
        return doc->doc.get_docid();
    } catch (...) {
        status_from_exception(&doc->err);
        return 0;
    }
}

extern "C" xc_status xc_doc_set_data(xc_doc *doc, const void *data,
                                     size_t len)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        std::string d;
        if (!bytes_arg(data, len, d))
            return reject(doc->err, XC_INVALID_ARG, "NULL data");
        doc->doc.set_data(d);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_get_data(const xc_doc *doc, char **out,
                                     size_t *len)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        if (!out || !len)
            return reject(doc->err, XC_INVALID_ARG, "NULL out or len");
        const std::string d = doc->doc.get_data();
        *out = copy_out(d);
        *len = d.size();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_add_term(xc_doc *doc, const char *term,
                                     uint32_t wdfinc)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        if (!term)
            return reject(doc->err, XC_INVALID_ARG, "NULL term");
        doc->doc.add_term(term, wdfinc);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_add_boolean_term(xc_doc *doc, const char *term)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        if (!term)
            return reject(doc->err, XC_INVALID_ARG, "NULL term");
        doc->doc.add_boolean_term(term);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_add_posting(xc_doc *doc, const char *term,
                                        uint32_t pos, uint32_t wdfinc)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        if (!term)
            return reject(doc->err, XC_INVALID_ARG, "NULL term");
        doc->doc.add_posting(term, pos, wdfinc);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_remove_term(xc_doc *doc, const char *term)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        if (!term)
            return reject(doc->err, XC_INVALID_ARG, "NULL term");
        doc->doc.remove_term(term);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_add_value(xc_doc *doc, unsigned slot,
                                      const void *value, size_t len)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        std::string v;
        if (!bytes_arg(value, len, v))
            return reject(doc->err, XC_INVALID_ARG, "NULL value");
        if (!valid_slot(slot))
            return reject(doc->err, XC_INVALID_ARG, "bad value slot");
        doc->doc.add_value(slot, v);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_get_value(const xc_doc *doc, unsigned slot,
                                      char **out, size_t *len)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        if (!out || !len)
            return reject(doc->err, XC_INVALID_ARG, "NULL out or len");
        if (!valid_slot(slot))
            return reject(doc->err, XC_INVALID_ARG, "bad value slot");
        const std::string v = doc->doc.get_value(slot);
        char *p = v.empty() ? nullptr : copy_out(v);
        *out = p;
        *len = v.size();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" xc_status xc_doc_terms_each(const xc_doc *doc, xc_term_cb cb,
                                       void *ctx)
{
    if (!doc)
        return XC_INVALID_ARG;
    try {
        if (!cb)
            return reject(doc->err, XC_INVALID_ARG, "NULL callback");
        if (doc->has_terms) {
            for (const auto &t : doc->terms)
                if (cb(ctx, t.first.c_str(), t.first.size(), t.second))
                    break;
            return XC_OK;
        }
        for (auto it = doc->doc.termlist_begin(); it != doc->doc.termlist_end();
             ++it) {
            const std::string term = *it;
            if (cb(ctx, term.c_str(), term.size(), it.get_wdf()))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&doc->err);
    }
}

extern "C" size_t xc_doc_termcount(const xc_doc *doc)
{
    if (!doc)
        return 0;
    try {
        return doc->doc.termlist_count();
    } catch (...) {
        status_from_exception(&doc->err);
        return 0;
    }
}

extern "C" size_t xc_sortable_serialise(double value, char buf[9])
{
    if (!buf)
        return 0;
    try {
        return Xapian::sortable_serialise_(value, buf);
    } catch (...) {
        return 0;
    }
}

extern "C" double xc_sortable_unserialise(const char *buf, size_t len)
{
    if (!buf && len)
        return 0.0;
    try {
        return Xapian::sortable_unserialise(std::string(buf ? buf : "", len));
    } catch (...) {
        return 0.0;
    }
}

/* ------------------------------------------------------ stemmer, stopper */

extern "C" xc_status xc_stem_new(const char *lang, xc_stem **out, char **err)
{
    try {
        if (!lang || !out)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_stem_new: NULL language or out");
        std::unique_ptr<xc_stem> h(new xc_stem);
        try {
            h->stem = Xapian::Stem(lang);
        } catch (const Xapian::InvalidArgumentError &e) {
            /* Stem's only invalid argument is an unknown language, which
             * the header promises as XC_RANGE. */
            if (err)
                *err = copy_message(e.get_description());
            return XC_RANGE;
        }
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

namespace {

/* A Snowball stemmer that remembers the stems it has computed, in a
 * direct-mapped table of max_entries slots (rounded up to a power of two;
 * a word evicts the one that shared its slot), so its memory is fixed. A
 * stem is a pure function of the word, so the terms are exactly those of
 * the plain stemmer; a term generator asks for the same few thousand words
 * over and over, and a hit costs one cache line instead of a Snowball run.
 * Words or stems too long for a slot are stemmed every time. Not safe for
 * concurrent use: each thread needs its own. */
class CachedStem : public Xapian::StemImplementation {
    struct Slot {
        unsigned char klen, slen;    /* klen 0: empty */
        char key[30];
        char stem[32];
    };
    Xapian::Stem inner;
    std::vector<Slot> slots;
    size_t mask;

  public:
    CachedStem(const Xapian::Stem &s, size_t max) : inner(s)
    {
        size_t n = 1024;
        while (n < max)
            n *= 2;
        slots.assign(n, Slot());
        mask = n - 1;
    }

    std::string operator()(const std::string &word) override
    {
        size_t len = word.size();
        if (len == 0 || len > sizeof(Slot::key))
            return inner(word);
        /* FNV-1a */
        uint64_t h = 14695981039346656037ull;
        for (unsigned char c : word)
            h = (h ^ c) * 1099511628211ull;
        Slot &sl = slots[(h ^ (h >> 29)) & mask];
        if (sl.klen == len && std::memcmp(sl.key, word.data(), len) == 0)
            return std::string(sl.stem, sl.slen);
        std::string stem = inner(word);
        if (stem.size() <= sizeof(Slot::stem)) {
            sl.klen = (unsigned char)len;
            std::memcpy(sl.key, word.data(), len);
            sl.slen = (unsigned char)stem.size();
            std::memcpy(sl.stem, stem.data(), stem.size());
        }
        return stem;
    }

    std::string get_description() const override
    {
        return inner.get_description();
    }
};

} // namespace

extern "C" xc_status xc_stem_new_cached(const char *lang, size_t max_entries,
                                        xc_stem **out, char **err)
{
    xc_status st = xc_stem_new(lang, out, err);
    if (st != XC_OK || (*out)->stem.is_none())
        return st;
    try {
        (*out)->stem = Xapian::Stem(new CachedStem((*out)->stem, max_entries));
        return XC_OK;
    } catch (...) {
        xc_stem_free(*out);
        *out = NULL;
        return fail_to(err);
    }
}

namespace {

/* A stemmer that first folds the word with a C function (accents, as
 * Quarry's analysis decides) and then stems the folded word, so that the
 * term generator, the query parser and every caller of xc_stem_word see
 * one analysis. */
class FoldStem : public Xapian::StemImplementation {
    Xapian::Stem inner;
    xc_fold_fn fold;
    void *ctx;

  public:
    FoldStem(const Xapian::Stem &s, xc_fold_fn f, void *c)
        : inner(s), fold(f), ctx(c) {}

    std::string operator()(const std::string &word) override
    {
        std::string folded(word.size(), '\0');
        size_t n = fold(ctx, word.data(), word.size(), &folded[0]);
        folded.resize(n < word.size() ? n : word.size());
        return inner(folded);
    }

    std::string get_description() const override
    {
        return "fold(" + inner.get_description() + ")";
    }
};

} // namespace

extern "C" xc_status xc_stem_set_fold(xc_stem *stem, xc_fold_fn fold,
                                      void *ctx)
{
    try {
        if (!stem || !fold)
            return XC_INVALID_ARG;
        stem->stem = Xapian::Stem(new FoldStem(stem->stem, fold, ctx));
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" void xc_stem_free(xc_stem *stem)
{
    delete stem;
}

extern "C" xc_status xc_stem_word(xc_stem *stem, const char *word, size_t len,
                                  char **out)
{
    try {
        std::string w;
        if (!stem || !out || !bytes_arg(word, len, w))
            return XC_INVALID_ARG;
        *out = copy_out(stem->stem(w));
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" const char *xc_stem_languages(void)
{
    try {
        /* Built once; a failed build (out of memory) is retried next call. */
        static const std::string langs = Xapian::Stem::get_available_languages();
        return langs.c_str();
    } catch (...) {
        return "";
    }
}

extern "C" xc_status xc_stopper_new(xc_stopper **out)
{
    try {
        if (!out)
            return XC_INVALID_ARG;
        *out = new xc_stopper;
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" void xc_stopper_free(xc_stopper *s)
{
    delete s;
}

extern "C" xc_status xc_stopper_add(xc_stopper *s, const char *word)
{
    try {
        if (!s || !word)
            return XC_INVALID_ARG;
        s->words.insert(word);
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" int xc_stopper_is_stop(const xc_stopper *s, const char *word)
{
    if (!s || !word)
        return 0;
    try {
        return s->words.count(word) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

/* -------------------------------------------------------- term generator */

extern "C" xc_status xc_termgen_new(xc_termgen **out, char **err)
{
    try {
        if (!out)
            return reject_to(err, XC_INVALID_ARG, "xc_termgen_new: NULL out");
        *out = new xc_termgen;
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" void xc_termgen_free(xc_termgen *tg)
{
    delete tg;
}

extern "C" const char *xc_termgen_errmsg(const xc_termgen *tg)
{
    return tg ? tg->err.c_str() : "";
}

extern "C" xc_status xc_termgen_set_stemmer(xc_termgen *tg,
                                            const xc_stem *stem)
{
    if (!tg)
        return XC_INVALID_ARG;
    try {
        tg->tg.set_stemmer(stem ? stem->stem : Xapian::Stem());
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

extern "C" xc_status xc_termgen_set_stopper(xc_termgen *tg,
                                            const xc_stopper *s,
                                            int stop_strategy)
{
    if (!tg)
        return XC_INVALID_ARG;
    try {
        Xapian::TermGenerator::stop_strategy xst;
        switch (stop_strategy) {
        case XC_TG_STOP_NONE:    xst = Xapian::TermGenerator::STOP_NONE; break;
        case XC_TG_STOP_ALL:     xst = Xapian::TermGenerator::STOP_ALL; break;
        case XC_TG_STOP_STEMMED: xst = Xapian::TermGenerator::STOP_STEMMED;
                                 break;
        default:
            return reject(tg->err, XC_INVALID_ARG, "unknown stop strategy");
        }
        tg->tg.set_stopper(s ? fresh_stopper(s) : nullptr);
        tg->tg.set_stopper_strategy(xst);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

extern "C" xc_status xc_termgen_set_stemming_strategy(xc_termgen *tg,
                                                      xc_stem_strategy st)
{
    if (!tg)
        return XC_INVALID_ARG;
    try {
        Xapian::TermGenerator::stem_strategy xst;
        if (!stem_strategy(st, xst))
            return reject(tg->err, XC_INVALID_ARG, "unknown stem strategy");
        tg->tg.set_stemming_strategy(xst);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

extern "C" xc_status xc_termgen_set_flags(xc_termgen *tg, unsigned flags)
{
    if (!tg)
        return XC_INVALID_ARG;
    if (flags & ~(unsigned)(XC_TG_SPELLING | XC_TG_CJK_NGRAM))
        return reject(tg->err, XC_INVALID_ARG, "unknown term generator flag");
    try {
        tg->tg.set_flags(Xapian::TermGenerator::flags(flags));
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

extern "C" xc_status xc_termgen_set_document(xc_termgen *tg, xc_doc *doc)
{
    if (!tg)
        return XC_INVALID_ARG;
    try {
        if (!doc)
            return reject(tg->err, XC_INVALID_ARG, "NULL document");
        /* Document is a reference-counted handle: the generator writes
         * into the same document as doc->doc. */
        tg->tg.set_document(doc->doc);
        tg->tg.set_termpos(0);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

extern "C" xc_status xc_termgen_index_text(xc_termgen *tg, const char *text,
                                           size_t len, uint32_t wdfinc,
                                           const char *prefix,
                                           int with_positions)
{
    if (!tg)
        return XC_INVALID_ARG;
    try {
        std::string t;
        if (!bytes_arg(text, len, t))
            return reject(tg->err, XC_INVALID_ARG, "NULL text");
        const std::string pfx(prefix ? prefix : "");
        if (with_positions)
            tg->tg.index_text(t, wdfinc, pfx);
        else
            tg->tg.index_text_without_positions(t, wdfinc, pfx);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

extern "C" xc_status xc_termgen_increase_termpos(xc_termgen *tg,
                                                 uint32_t delta)
{
    if (!tg)
        return XC_INVALID_ARG;
    try {
        tg->tg.increase_termpos(delta);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

extern "C" uint32_t xc_termgen_get_termpos(const xc_termgen *tg)
{
    if (!tg)
        return 0;
    try {
        return tg->tg.get_termpos();
    } catch (...) {
        status_from_exception(&tg->err);
        return 0;
    }
}

extern "C" xc_status xc_termgen_set_termpos(xc_termgen *tg, uint32_t pos)
{
    if (!tg)
        return XC_INVALID_ARG;
    try {
        tg->tg.set_termpos(pos);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&tg->err);
    }
}

/* ----------------------------------------------------------------- query */

extern "C" xc_status xc_query_new_term(const char *term, uint32_t wqf,
                                       uint32_t pos, xc_query **out)
{
    try {
        if (!term || !out)
            return XC_INVALID_ARG;
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = Xapian::Query(term, wqf, pos);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_new_combine(xc_query_op op,
                                          xc_query *const *subs, size_t n,
                                          uint32_t window, xc_query **out)
{
    try {
        Xapian::Query::op xop;
        if (!out || (n && !subs) || !query_op(op, xop))
            return XC_INVALID_ARG;
        std::vector<Xapian::Query> parts;
        parts.reserve(n);
        for (size_t i = 0; i < n; i++) {
            if (!subs[i])
                return XC_INVALID_ARG;
            parts.push_back(subs[i]->q);
        }
        std::unique_ptr<xc_query> h(new xc_query);
        if (n)
            h->q = Xapian::Query(xop, parts.begin(), parts.end(), window);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_new_scaled(const xc_query *sub, double factor,
                                         xc_query **out)
{
    try {
        /* !(factor >= 0) also rejects NaN. */
        if (!sub || !out || !(factor >= 0) || std::isinf(factor))
            return XC_INVALID_ARG;
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, sub->q, factor);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_new_wildcard(const char *prefix,
                                           uint32_t max_expansion,
                                           xc_query **out)
{
    try {
        if (!prefix || !out)
            return XC_INVALID_ARG;
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = Xapian::Query(Xapian::Query::OP_WILDCARD, prefix, max_expansion,
                             Xapian::Query::WILDCARD_LIMIT_ERROR);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_new_match_all(xc_query **out)
{
    try {
        if (!out)
            return XC_INVALID_ARG;
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = Xapian::Query::MatchAll;
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_new_value_range(unsigned slot, const char *lo,
                                              const char *hi, xc_query **out)
{
    try {
        if (!out || (!lo && !hi))
            return XC_INVALID_ARG;
        std::unique_ptr<xc_query> h(new xc_query);
        if (lo && hi)
            h->q = Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, lo, hi);
        else if (lo)
            h->q = Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, lo);
        else
            h->q = Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, hi);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" void xc_query_free(xc_query *q)
{
    delete q;
}

extern "C" int xc_query_is_empty(const xc_query *q)
{
    if (!q)
        return 1;
    try {
        return q->q.empty() ? 1 : 0;
    } catch (...) {
        return 1;
    }
}

extern "C" xc_status xc_query_describe(const xc_query *q, char **out)
{
    try {
        if (!q || !out)
            return XC_INVALID_ARG;
        *out = copy_out(q->q.get_description());
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

namespace {

bool is_window_op(Xapian::Query::op t)
{
    return t == Xapian::Query::OP_PHRASE || t == Xapian::Query::OP_NEAR;
}

/* The terms of the window q (its n subqueries), into terms: false when a
 * subquery is not a plain term. */
bool window_terms(const Xapian::Query &q, size_t n,
                  std::vector<std::string> &terms)
{
    for (size_t i = 0; i < n; i++) {
        Xapian::Query sub = q.get_subquery(i);
        auto it = sub.get_terms_begin();
        if (sub.get_type() != Xapian::Query::LEAF_TERM ||
            it == sub.get_terms_end())
            return false;
        terms.push_back(*it);
    }
    return true;
}

/* Ops whose subqueries are all there is to them: rebuilt as they were. */
bool is_plain_op(Xapian::Query::op t)
{
    switch (t) {
    case Xapian::Query::OP_AND: case Xapian::Query::OP_OR:
    case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_XOR:
    case Xapian::Query::OP_AND_MAYBE: case Xapian::Query::OP_FILTER:
    case Xapian::Query::OP_SYNONYM: case Xapian::Query::OP_MAX:
        return true;
    default:
        return false;
    }
}

Xapian::Query unwindow(const Xapian::Query &q, bool &had)
{
    Xapian::Query::op t = q.get_type();
    size_t n = q.get_num_subqueries();
    if (n == 0 || !(is_window_op(t) || is_plain_op(t)))
        return q;
    std::vector<Xapian::Query> subs;
    subs.reserve(n);
    bool changed = is_window_op(t);
    for (size_t i = 0; i < n; i++) {
        Xapian::Query sub = q.get_subquery(i);
        bool sub_had = false;
        subs.push_back(unwindow(sub, sub_had));
        changed = changed || sub_had;
    }
    if (!changed)
        return q;
    had = true;
    return Xapian::Query(is_window_op(t) ? Xapian::Query::OP_AND : t,
                         subs.begin(), subs.end());
}

/* The window of a PHRASE or NEAR node. The 1.4 API does not return it, but
 * the description shows it: "(a@1 PHRASE 2 b@2)". */
Xapian::termcount window_of(const Xapian::Query &q, size_t nsubs)
{
    const std::string d = q.get_description();
    const char *key = q.get_type() == Xapian::Query::OP_PHRASE ? " PHRASE "
                                                               : " NEAR ";
    size_t at = d.find(key);
    if (at != std::string::npos) {
        unsigned long w = std::strtoul(d.c_str() + at + std::strlen(key),
                                       nullptr, 10);
        if (w > 0 && w < 0xFFFFFFFFul)
            return Xapian::termcount(w);
    }
    return Xapian::termcount(nsubs);
}

int tri_not(int v)
{
    return v < 0 ? -1 : !v;
}

int evaluate(const Xapian::Query &q, xc_eval_term_cb term_cb,
             xc_eval_window_cb window_cb, void *ctx)
{
    Xapian::Query::op t = q.get_type();
    size_t n = q.get_num_subqueries();
    if (t == Xapian::Query::LEAF_TERM) {
        auto it = q.get_terms_begin();
        if (it == q.get_terms_end())
            return -1;
        const std::string term = *it;
        return term_cb(ctx, term.data(), term.size());
    }
    if (t == Xapian::Query::LEAF_MATCH_ALL)
        return 1;
    if (t == Xapian::Query::LEAF_MATCH_NOTHING)
        return 0;
    if (is_window_op(t)) {
        std::vector<std::string> terms;
        if (!window_terms(q, n, terms))
            return -1;
        /* every term must be there first: that is cheap to ask */
        int all = 1;
        for (const std::string &term : terms) {
            int v = term_cb(ctx, term.data(), term.size());
            if (v == 0)
                return 0;
            if (v < 0)
                all = -1;
        }
        std::vector<const char *> ptrs;
        for (const std::string &term : terms)
            ptrs.push_back(term.c_str());
        int v = window_cb(ctx, t == Xapian::Query::OP_PHRASE, ptrs.data(),
                          ptrs.size(), window_of(q, n));
        return v == 0 ? 0 : (v > 0 && all > 0 ? 1 : -1);
    }
    switch (t) {
    case Xapian::Query::OP_AND: case Xapian::Query::OP_FILTER: {
        int r = 1;
        for (size_t i = 0; i < n; i++) {
            int v = evaluate(q.get_subquery(i), term_cb, window_cb, ctx);
            if (v == 0)
                return 0;
            if (v < 0)
                r = -1;
        }
        return r;
    }
    case Xapian::Query::OP_OR: case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX: case Xapian::Query::OP_ELITE_SET: {
        int r = 0;
        for (size_t i = 0; i < n; i++) {
            int v = evaluate(q.get_subquery(i), term_cb, window_cb, ctx);
            if (v > 0)
                return 1;
            if (v < 0)
                r = -1;
        }
        return r;
    }
    case Xapian::Query::OP_AND_NOT: {
        if (n == 0)
            return -1;
        int r = evaluate(q.get_subquery(0), term_cb, window_cb, ctx);
        for (size_t i = 1; i < n && r != 0; i++) {
            int v = tri_not(evaluate(q.get_subquery(i), term_cb, window_cb,
                                     ctx));
            r = v == 0 ? 0 : (v < 0 ? -1 : r);
        }
        return r;
    }
    case Xapian::Query::OP_XOR: {
        int odd = 0;
        for (size_t i = 0; i < n; i++) {
            int v = evaluate(q.get_subquery(i), term_cb, window_cb, ctx);
            if (v < 0)
                return -1;
            odd ^= v;
        }
        return odd;
    }
    case Xapian::Query::OP_AND_MAYBE: case Xapian::Query::OP_SCALE_WEIGHT:
        return n ? evaluate(q.get_subquery(0), term_cb, window_cb, ctx) : -1;
    default:
        return -1;
    }
}

/* A field term: a prefix of capitals (Xapian's convention). */
bool is_field_term(const std::string &term)
{
    return !term.empty() && std::isupper(static_cast<unsigned char>(term[0]));
}

Xapian::Query positive(const Xapian::Query &q, const std::string &unprefix);

/* The positive parts of q's subqueries, combined with op (empty ones
 * dropped; the empty query when none is left). */
Xapian::Query positive_subs(const Xapian::Query &q, Xapian::Query::op op,
                            const std::string &unprefix)
{
    std::vector<Xapian::Query> subs;
    for (size_t i = 0; i < q.get_num_subqueries(); i++) {
        Xapian::Query p = positive(q.get_subquery(i), unprefix);
        if (!p.empty())
            subs.push_back(p);
    }
    if (subs.empty())
        return Xapian::Query();
    if (subs.size() == 1)
        return subs[0];
    return Xapian::Query(op, subs.begin(), subs.end());
}

Xapian::Query positive(const Xapian::Query &q, const std::string &unprefix)
{
    Xapian::Query::op t = q.get_type();
    size_t n = q.get_num_subqueries();
    if (t == Xapian::Query::LEAF_TERM) {
        auto it = q.get_terms_begin();
        if (it == q.get_terms_end())
            return Xapian::Query();
        const std::string term = *it;
        size_t u = unprefix.size();
        if (u && term.size() > u && term.compare(0, u, unprefix) == 0 &&
            !std::isupper(static_cast<unsigned char>(term[u])))
            return Xapian::Query(term.substr(u));
        return is_field_term(term) ? Xapian::Query() : q;
    }
    if (t == Xapian::Query::OP_WILDCARD)
        return q;
    if (n == 0)
        return Xapian::Query();   /* match-all, match-nothing, value ranges */
    if (is_window_op(t)) {
        for (size_t i = 0; i < n; i++) {
            Xapian::Query sub = q.get_subquery(i);
            auto it = sub.get_terms_begin();
            if (sub.get_type() != Xapian::Query::LEAF_TERM ||
                it == sub.get_terms_end() || is_field_term(*it))
                return positive_subs(q, Xapian::Query::OP_OR, unprefix);
        }
        return q;
    }
    switch (t) {
    case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_FILTER:
        return positive(q.get_subquery(0), unprefix);
    case Xapian::Query::OP_SYNONYM:
        return positive_subs(q, Xapian::Query::OP_SYNONYM, unprefix);
    case Xapian::Query::OP_AND: case Xapian::Query::OP_OR:
    case Xapian::Query::OP_XOR: case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_MAX: case Xapian::Query::OP_ELITE_SET:
        return positive_subs(q, Xapian::Query::OP_OR, unprefix);
    case Xapian::Query::OP_SCALE_WEIGHT: {
        /* the factor is not readable in 1.4: the node is kept whole when
         * its subquery is all positive; a filter alone ("0 * XStech", as
         * QueryParser writes a boolean field) has nothing positive */
        Xapian::Query sub = q.get_subquery(0);
        Xapian::Query p = positive(sub, unprefix);
        if (p.empty())
            return p;
        return p.get_description() == sub.get_description() ? q : p;
    }
    default:
        return q;
    }
}

/* A boolean field whose text is analysed as the indexer analysed it
 * (lower case, stemmed, the prefix added): "source:Tech" is the filter
 * XStech, "author:\"Jane Smith\"" the filter Ajane AND Asmith. */
class AnalysedFilter : public Xapian::FieldProcessor {
    Xapian::TermGenerator tg;
    std::string prefix;
  public:
    AnalysedFilter(const Xapian::Stem &stem, const std::string &p) : prefix(p)
    {
        tg.set_stemmer(stem);
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
    }
    Xapian::Query operator()(const std::string &str) override
    {
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(str, 1, prefix);
        std::vector<Xapian::Query> terms;
        for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it)
            terms.emplace_back(*it);
        if (terms.empty())
            return Xapian::Query::MatchNothing;
        return Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end());
    }
};

}  // namespace

extern "C" xc_status xc_query_unwindow(const xc_query *q, xc_query **out,
                                       int *had_windows)
{
    try {
        if (!q || !out || !had_windows)
            return XC_INVALID_ARG;
        bool had = false;
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = unwindow(q->q, had);
        *had_windows = had ? 1 : 0;
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

namespace {

/* Calls cb for each PHRASE node of q (its leaf terms in order), and adds
 * every term met outside a PHRASE to outside. */
int phrases_walk(const Xapian::Query &q, xc_phrase_cb cb, void *ctx,
                 std::set<std::string> &outside)
{
    Xapian::Query::op t = q.get_type();
    size_t n = q.get_num_subqueries();
    if (t == Xapian::Query::OP_PHRASE) {
        std::vector<std::string> terms;
        bool leaves = true;
        for (size_t i = 0; i < n && leaves; i++) {
            Xapian::Query sub = q.get_subquery(i);
            auto it = sub.get_terms_begin();
            leaves = sub.get_type() == Xapian::Query::LEAF_TERM &&
                     it != sub.get_terms_end();
            if (leaves)
                terms.push_back(*it);
        }
        if (leaves && !terms.empty()) {
            std::vector<const char *> ptrs;
            for (const std::string &term : terms)
                ptrs.push_back(term.c_str());
            return cb(ctx, ptrs.data(), ptrs.size());
        }
    }
    if (t == Xapian::Query::LEAF_TERM) {
        auto it = q.get_terms_begin();
        if (it != q.get_terms_end())
            outside.insert(*it);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (phrases_walk(q.get_subquery(i), cb, ctx, outside))
            return 1;
    return 0;
}

}  // namespace

extern "C" xc_status xc_query_phrases_each(const xc_query *q, xc_phrase_cb cb,
                                           xc_term_cb outside, void *ctx)
{
    try {
        if (!q || !cb || !outside)
            return XC_INVALID_ARG;
        std::set<std::string> terms;
        if (phrases_walk(q->q, cb, ctx, terms))
            return XC_OK;
        for (const std::string &term : terms)
            if (outside(ctx, term.data(), term.size(), 0))
                break;
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_positive(const xc_query *q, const char *unprefix,
                                       xc_query **out)
{
    try {
        if (!q || !out)
            return XC_INVALID_ARG;
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = positive(q->q, unprefix ? unprefix : "");
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_evaluate(const xc_query *q, xc_eval_term_cb term,
                                       xc_eval_window_cb window, void *ctx,
                                       int *verdict)
{
    try {
        if (!q || !term || !window || !verdict)
            return XC_INVALID_ARG;
        *verdict = q->q.empty() ? 0 : evaluate(q->q, term, window, ctx);
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

extern "C" xc_status xc_query_terms_each(const xc_query *q, xc_term_cb cb,
                                         void *ctx)
{
    try {
        if (!q || !cb)
            return XC_INVALID_ARG;
        /* A query term has neither termfreq nor wdf: the number is 0. */
        for (auto it = q->q.get_unique_terms_begin();
             it != q->q.get_unique_terms_end(); ++it) {
            const std::string term = *it;
            if (cb(ctx, term.c_str(), term.size(), 0))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

/* ---------------------------------------------------------- query parser */

extern "C" xc_status xc_qparser_new(xc_qparser **out, char **err)
{
    try {
        if (!out)
            return reject_to(err, XC_INVALID_ARG, "xc_qparser_new: NULL out");
        *out = new xc_qparser;
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" void xc_qparser_free(xc_qparser *qp)
{
    delete qp;
}

extern "C" const char *xc_qparser_errmsg(const xc_qparser *qp)
{
    return qp ? qp->err.c_str() : "";
}

extern "C" xc_status xc_qparser_set_database(xc_qparser *qp, xc_db *db)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        qp->qp.set_database(db ? db->db : Xapian::Database());
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_set_stemmer(xc_qparser *qp,
                                            const xc_stem *stem)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        qp->qp.set_stemmer(stem ? stem->stem : Xapian::Stem());
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_set_stemming_strategy(xc_qparser *qp,
                                                      xc_stem_strategy st)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        Xapian::QueryParser::stem_strategy xst;
        if (!stem_strategy(st, xst))
            return reject(qp->err, XC_INVALID_ARG, "unknown stem strategy");
        qp->qp.set_stemming_strategy(xst);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_set_stopper(xc_qparser *qp,
                                            const xc_stopper *s)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        qp->qp.set_stopper(s ? fresh_stopper(s) : nullptr);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_set_default_op(xc_qparser *qp,
                                               xc_query_op op)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        const bool allowed = op == XC_OP_OR || op == XC_OP_AND ||
                             op == XC_OP_NEAR || op == XC_OP_PHRASE ||
                             op == XC_OP_ELITE_SET || op == XC_OP_MAX;
        Xapian::Query::op xop;
        if (!allowed || !query_op(op, xop))
            return reject(qp->err, XC_INVALID_ARG,
                          "default operator must be OR, AND, NEAR, PHRASE, "
                          "ELITE_SET or MAX");
        qp->qp.set_default_op(xop);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_add_prefix(xc_qparser *qp, const char *field,
                                           const char *prefix)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        if (!field || !prefix)
            return reject(qp->err, XC_INVALID_ARG, "NULL field or prefix");
        qp->qp.add_prefix(field, prefix);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_add_boolean_field(xc_qparser *qp,
                                                  const char *field,
                                                  const char *prefix,
                                                  const xc_stem *stem)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        if (!field || !prefix || !stem)
            return reject(qp->err, XC_INVALID_ARG,
                          "NULL field, prefix or stemmer");
        qp->qp.add_boolean_prefix(
            field, (new AnalysedFilter(stem->stem, prefix))->release());
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_add_boolean_prefix(xc_qparser *qp,
                                                   const char *field,
                                                   const char *prefix)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        if (!field || !prefix)
            return reject(qp->err, XC_INVALID_ARG, "NULL field or prefix");
        qp->qp.add_boolean_prefix(field, prefix);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_add_date_range(xc_qparser *qp, unsigned slot,
                                               const char *prefix,
                                               int prefer_mdy, int epoch_year)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        if (!valid_slot(slot))
            return reject(qp->err, XC_INVALID_ARG, "bad value slot");
        unsigned flags = prefer_mdy ? Xapian::RP_DATE_PREFER_MDY : 0;
        /* Released to xapian-core's reference count: the parser owns it,
         * and frees it even if registering it throws. */
        auto *rp = new Xapian::DateRangeProcessor(
            slot, prefix ? prefix : "", flags, epoch_year);
        qp->qp.add_rangeprocessor(rp->release());
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_set_max_wildcard_expansion(xc_qparser *qp,
                                                           uint32_t max)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        qp->qp.set_max_expansion(max, Xapian::Query::WILDCARD_LIMIT_ERROR,
                                 Xapian::QueryParser::FLAG_WILDCARD);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_parse(xc_qparser *qp,
                                      const char *query_string,
                                      unsigned flags, xc_query **out)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        if (!query_string || !out)
            return reject(qp->err, XC_INVALID_ARG, "NULL query or out");
        /* XC_QP_* are xapian-core's bit values; refuse bits we don't
         * document rather than pass unknown behaviour through. */
        const unsigned known = 2 * XC_QP_CJK_NGRAM - 1;
        if (flags & ~known)
            return reject(qp->err, XC_INVALID_ARG, "unknown parser flags");
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = qp->qp.parse_query(query_string, flags);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_corrected(xc_qparser *qp, char **out)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        if (!out)
            return reject(qp->err, XC_INVALID_ARG, "NULL out");
        *out = copy_out(qp->qp.get_corrected_query_string());
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

extern "C" xc_status xc_qparser_stoplist_each(xc_qparser *qp, xc_term_cb cb,
                                              void *ctx)
{
    if (!qp)
        return XC_INVALID_ARG;
    try {
        if (!cb)
            return reject(qp->err, XC_INVALID_ARG, "NULL callback");
        for (auto it = qp->qp.stoplist_begin(); it != qp->qp.stoplist_end();
             ++it) {
            const std::string term = *it;
            if (cb(ctx, term.c_str(), term.size(), 0))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&qp->err);
    }
}

/* --------------------------------------------------------------- enquire */

extern "C" xc_status xc_enquire_new(xc_db *db, xc_enquire **out, char **err)
{
    try {
        if (!db || !out)
            return reject_to(err, XC_INVALID_ARG,
                             "xc_enquire_new: NULL database or out");
        *out = new xc_enquire(db->db);
        return XC_OK;
    } catch (...) {
        return fail_to(err);
    }
}

extern "C" void xc_enquire_free(xc_enquire *enq)
{
    delete enq;
}

extern "C" const char *xc_enquire_errmsg(const xc_enquire *enq)
{
    return enq ? enq->err.c_str() : "";
}

extern "C" xc_status xc_enquire_set_query(xc_enquire *enq, const xc_query *q,
                                          uint32_t qlen)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (!q)
            return reject(enq->err, XC_INVALID_ARG, "NULL query");
        enq->enq.set_query(q->q, qlen);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_set_bm25(xc_enquire *enq, double k1,
                                         double k2, double k3, double b,
                                         double min_normlen)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        /* Written as !(x >= 0) so NaN is refused too. */
        if (!(k1 >= 0) || !(k2 >= 0) || !(k3 >= 0) || !(b >= 0) || b > 1 ||
            !(min_normlen >= 0) || std::isinf(k1) || std::isinf(k2) ||
            std::isinf(k3) || std::isinf(min_normlen))
            return reject(enq->err, XC_INVALID_ARG,
                          "BM25 parameters must be finite and >= 0, b <= 1");
        enq->enq.set_weighting_scheme(
            Xapian::BM25Weight(k1, k2, k3, b, min_normlen));
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_set_collapse_key(xc_enquire *enq,
                                                 unsigned slot,
                                                 uint32_t collapse_max)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (!valid_slot(slot) || collapse_max == 0)
            return reject(enq->err, XC_INVALID_ARG,
                          "bad value slot or collapse_max 0");
        enq->enq.set_collapse_key(slot, collapse_max);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_set_sort_by_value(xc_enquire *enq,
                                                  unsigned slot, int reverse)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (!valid_slot(slot))
            return reject(enq->err, XC_INVALID_ARG, "bad value slot");
        enq->enq.set_sort_by_value_then_relevance(slot, reverse != 0);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_set_sort_by_relevance(xc_enquire *enq)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        enq->enq.set_sort_by_relevance();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_set_sort_by_relevance_then_value(
    xc_enquire *enq, unsigned slot, int reverse)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (slot == Xapian::BAD_VALUENO)
            return reject(enq->err, XC_INVALID_ARG, "bad value slot");
        enq->enq.set_sort_by_relevance_then_value(slot, reverse != 0);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_get_mset(xc_enquire *enq, uint32_t first,
                                         uint32_t max,
                                         uint32_t check_at_least,
                                         xc_mset **out)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (!out)
            return reject(enq->err, XC_INVALID_ARG, "NULL out");
        std::unique_ptr<xc_mset> h(new xc_mset);
        h->ms = enq->enq.get_mset(first, max, check_at_least);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_expand(xc_enquire *enq, const uint32_t *docids,
                                       size_t n, uint32_t max_terms,
                                       xc_term_cb cb, void *ctx)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (!cb || (n && !docids))
            return reject(enq->err, XC_INVALID_ARG, "NULL docids or callback");
        Xapian::RSet rset;
        for (size_t i = 0; i < n; i++)
            rset.add_document(docids[i]);
        /* Flags 0: the query's own terms are left out. */
        Xapian::ESet eset = enq->enq.get_eset(max_terms, rset, 0);
        for (auto it = eset.begin(); it != eset.end(); ++it) {
            const std::string term = *it;
            double w = std::round(it.get_weight() * 1000.0);
            uint32_t scaled = 0;
            if (w >= 4294967295.0)
                scaled = UINT32_MAX;
            else if (w > 0)
                scaled = static_cast<uint32_t>(w);
            if (cb(ctx, term.c_str(), term.size(), scaled))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

extern "C" xc_status xc_enquire_matching_terms_each(xc_enquire *enq,
                                                    uint32_t docid,
                                                    xc_term_cb cb, void *ctx)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (!cb)
            return reject(enq->err, XC_INVALID_ARG, "NULL callback");
        for (auto it = enq->enq.get_matching_terms_begin(docid);
             it != enq->enq.get_matching_terms_end(docid); ++it) {
            const std::string term = *it;
            if (cb(ctx, term.c_str(), term.size(), 0))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

namespace {

/* Accepts only the documents of a sorted list of docids. */
class DocidSetDecider : public Xapian::MatchDecider {
    const std::vector<Xapian::docid> &ids;
  public:
    explicit DocidSetDecider(const std::vector<Xapian::docid> &v) : ids(v) {}
    bool operator()(const Xapian::Document &doc) const override {
        return std::binary_search(ids.begin(), ids.end(), doc.get_docid());
    }
};

} // namespace

extern "C" xc_status xc_enquire_weights(xc_enquire *enq, const xc_query *q,
                                        const xc_query *only,
                                        const uint32_t *docids, size_t n,
                                        double *out)
{
    if (!enq)
        return XC_INVALID_ARG;
    try {
        if (!q || (n && (!docids || !out)))
            return reject(enq->err, XC_INVALID_ARG,
                          "NULL query, docids or out");
        for (size_t i = 0; i < n; i++)
            out[i] = 0;
        if (n == 0)
            return XC_OK;
        std::vector<Xapian::docid> ids(docids, docids + n);
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        DocidSetDecider decider(ids);
        enq->enq.set_collapse_key(Xapian::BAD_VALUENO);
        Xapian::MSet ms;
        if (only) {
            /* every document the filter lets through: it may be more than
             * those asked for (the passages of their articles) */
            enq->enq.set_query(
                Xapian::Query(Xapian::Query::OP_FILTER, q->q, only->q));
            ms = enq->enq.get_mset(0, enq->db.get_doccount());
        } else {
            enq->enq.set_query(q->q);
            ms = enq->enq.get_mset(
                0, static_cast<Xapian::doccount>(ids.size()), 0, nullptr,
                &decider);
        }
        std::vector<std::pair<Xapian::docid, double>> got;
        got.reserve(ms.size());
        for (auto it = ms.begin(); it != ms.end(); ++it)
            got.emplace_back(*it, it.get_weight());
        std::sort(got.begin(), got.end());
        for (size_t i = 0; i < n; i++) {
            auto at = std::lower_bound(
                got.begin(), got.end(),
                std::make_pair(Xapian::docid(docids[i]), -HUGE_VAL));
            if (at != got.end() && at->first == docids[i])
                out[i] = at->second;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&enq->err);
    }
}

/* ------------------------------------------- reading many documents */

namespace {

/* Extra connections per remote shard that read documents side by side:
 * N documents of one shard cost about N / XC_POOL_CONNECTIONS round
 * trips. xapian-tcpsrv forks a process per connection. */
constexpr size_t XC_POOL_CONNECTIONS = 8;

/* One document to read, by its docid in the whole database. */
struct doc_read {
    Xapian::docid did = 0;
    bool want_doc = false, want_terms = false, want_len = false;
    Xapian::Document doc;
    term_vec terms;
    bool has_terms = false;
    Xapian::termcount len = 0;
};

/* Reads r from d, where it is document did. */
void read_one(const Xapian::Database &d, Xapian::docid did, doc_read &r)
{
    if (r.want_doc)
        r.doc = d.get_document(did);
    if (r.want_terms) {
        for (auto it = d.termlist_begin(did); it != d.termlist_end(did); ++it)
            r.terms.emplace_back(*it, it.get_wdf());
        r.has_terms = true;
    }
    if (r.want_len)
        r.len = d.get_doclength(did);
}

Xapian::Database open_spec(const remote_spec &sp)
{
    if (sp.program)
        return Xapian::Remote::open(sp.prog, sp.args, sp.timeout_ms);
    return Xapian::Remote::open(sp.host, sp.port, sp.timeout_ms,
                                sp.connect_timeout_ms);
}

/* The reads of one connection of one shard. */
struct pool_task {
    size_t shard, conn;
    std::vector<size_t> items;
};

/* At most this many connections are opened to one server at a time:
 * xapian-tcpsrv listens with a short backlog, and a connection beyond it
 * waits a second for TCP to try again. */
constexpr size_t XC_POOL_OPEN_AT_ONCE = 4;

/* Opens the connections the tasks need that are not open yet: waves of
 * at most XC_POOL_OPEN_AT_ONCE per shard, the shards together. */
void open_pool(xc_db *db, const std::vector<pool_task> &tasks)
{
    for (;;) {
        std::vector<std::pair<size_t, size_t>> wave;
        std::vector<size_t> per(db->pool.size(), 0);
        for (const pool_task &t : tasks)
            if (db->pool[t.shard][t.conn].size() == 0 &&
                per[t.shard] < XC_POOL_OPEN_AT_ONCE) {
                per[t.shard]++;
                wave.emplace_back(t.shard, t.conn);
            }
        if (wave.empty())
            return;
        std::vector<std::exception_ptr> errs(wave.size());
        auto open = [&](size_t w) {
            try {
                db->pool[wave[w].first][wave[w].second] =
                    open_spec(db->shards[wave[w].first]);
            } catch (...) {
                errs[w] = std::current_exception();
            }
        };
        std::vector<std::thread> threads;
        try {
            for (size_t w = 1; w < wave.size(); w++)
                threads.emplace_back(open, w);
        } catch (...) {
            for (size_t w = threads.size() + 1; w < wave.size(); w++)
                open(w);
        }
        open(0);
        for (auto &th : threads)
            th.join();
        for (size_t w = 0; w < wave.size(); w++)
            if (errs[w]) {
                db->pool[wave[w].first].clear();
                std::rethrow_exception(errs[w]);
            }
    }
}

/* Reads every item of reads. xapian-core 1.4's remote backend has one
 * request in flight per connection, and MSet::fetch() does not pipeline
 * remote documents (it reads them one after another; measured with
 * bench/delayproxy), so each remote shard's reads are spread over up to
 * XC_POOL_CONNECTIONS connections of its own, each read by a thread: the
 * shards and the connections wait for their replies together. Reads of
 * local shards go through db, in this thread, and terms are left to be
 * read when iterated there (as cheap, and nothing copied). */
void read_many(xc_db *db, std::vector<doc_read> &reads)
{
    size_t nsub = db->db.size();
    if (nsub == 0 || reads.empty())
        return;
    std::vector<std::vector<size_t>> per(nsub);
    for (size_t i = 0; i < reads.size(); i++) {
        size_t sh = (reads[i].did - 1) % nsub;
        if (sh < db->shards.size() && db->shards[sh].remote) {
            per[sh].push_back(i);
        } else {
            /* a local document's terms are read from it when iterated */
            if (reads[i].want_terms)
                reads[i].want_doc = true;
            reads[i].want_terms = false;
            if (reads[i].want_len || reads[i].want_doc)
                read_one(db->db, reads[i].did, reads[i]);
        }
    }
    std::vector<pool_task> tasks;
    if (db->pool.size() < nsub)
        db->pool.resize(nsub);
    for (size_t sh = 0; sh < nsub; sh++) {
        if (per[sh].empty())
            continue;
        size_t k = std::min(XC_POOL_CONNECTIONS, per[sh].size());
        if (db->pool[sh].size() < k)
            db->pool[sh].resize(k);   /* empty handles: opened below */
        size_t first = tasks.size();
        for (size_t c = 0; c < k; c++)
            tasks.push_back(pool_task{sh, c, {}});
        for (size_t j = 0; j < per[sh].size(); j++)
            tasks[first + j % k].items.push_back(per[sh][j]);
    }
    open_pool(db, tasks);
    std::vector<std::exception_ptr> errs(tasks.size());
    auto work = [&](size_t t) {
        const pool_task &tk = tasks[t];
        try {
            Xapian::Database &conn = db->pool[tk.shard][tk.conn];
            for (size_t i : tk.items)
                read_one(conn, (reads[i].did - 1) / nsub + 1, reads[i]);
        } catch (...) {
            errs[t] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(tasks.size());
    try {
        for (size_t t = 1; t < tasks.size(); t++)
            threads.emplace_back(work, t);
    } catch (...) {
        /* no thread to be had: the rest in this one */
        for (size_t t = threads.size() + 1; t < tasks.size(); t++)
            work(t);
    }
    if (!tasks.empty())
        work(0);
    for (auto &th : threads)
        th.join();
    for (size_t t = 0; t < tasks.size(); t++)
        if (errs[t]) {
            /* a connection that failed is not used again */
            db->pool[tasks[t].shard].clear();
            std::rethrow_exception(errs[t]);
        }
}

} // namespace

extern "C" xc_status xc_db_read_documents(xc_db *db, const uint32_t *docids,
                                          size_t n, unsigned flags,
                                          xc_doc **out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (n && (!docids || !out))
            return reject(db->err, XC_INVALID_ARG, "NULL docids or out");
        for (size_t i = 0; i < n; i++) {
            out[i] = nullptr;
            if (docids[i] == 0)
                return reject(db->err, XC_INVALID_ARG, "docid 0");
        }
        std::vector<doc_read> reads(n);
        for (size_t i = 0; i < n; i++) {
            reads[i].did = docids[i];
            reads[i].want_doc = (flags & XC_READ_TERMS_ONLY) == 0;
            reads[i].want_terms =
                (flags & (XC_READ_TERMS | XC_READ_TERMS_ONLY)) != 0;
        }
        read_many(db, reads);
        std::vector<std::unique_ptr<xc_doc>> docs(n);
        for (size_t i = 0; i < n; i++) {
            docs[i].reset(new xc_doc);
            docs[i]->doc = reads[i].doc;
            docs[i]->terms.swap(reads[i].terms);
            docs[i]->has_terms = reads[i].has_terms;
        }
        for (size_t i = 0; i < n; i++)
            out[i] = docs[i].release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

extern "C" xc_status xc_db_doclengths(xc_db *db, const uint32_t *docids,
                                      size_t n, uint32_t *out)
{
    if (!db)
        return XC_INVALID_ARG;
    try {
        if (n && (!docids || !out))
            return reject(db->err, XC_INVALID_ARG, "NULL docids or out");
        std::vector<doc_read> reads(n);
        for (size_t i = 0; i < n; i++) {
            if (docids[i] == 0)
                return reject(db->err, XC_INVALID_ARG, "docid 0");
            reads[i].did = docids[i];
            reads[i].want_len = true;
        }
        read_many(db, reads);
        for (size_t i = 0; i < n; i++)
            out[i] = reads[i].len;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&db->err);
    }
}

namespace {

/* xc_mset_fetch and xc_mset_fetch_items: items[0..n), or first..first+n
 * when items is NULL. */
xc_status mset_fetch(xc_mset *ms, xc_db *db, const uint32_t *items,
                     uint32_t first, uint32_t n, unsigned flags)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        if (!db)
            return reject(ms->err, XC_INVALID_ARG, "NULL db");
        Xapian::doccount size = ms->ms.size();
        if (!items) {
            if (first >= size)
                return XC_OK;
            if (n > size - first)
                n = size - first;
        }
        size_t nsub = db->db.size();
        std::vector<doc_read> reads;
        std::vector<uint32_t> at;
        std::vector<bool> asked(size);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = items ? items[k] : first + k;
            if (i >= size)
                return reject(ms->err, XC_INVALID_ARG,
                              "MSet index out of range");
            if (asked[i])
                continue;
            asked[i] = true;
            Xapian::docid did = *ms->ms[i];
            size_t sh = nsub ? (did - 1) % nsub : 0;
            /* local documents are read when used, as before */
            if (sh >= db->shards.size() || !db->shards[sh].remote)
                continue;
            bool terms = (flags & (XC_READ_TERMS | XC_READ_TERMS_ONLY)) &&
                         !ms->fetched_terms.count(i);
            bool doc = !(flags & XC_READ_TERMS_ONLY) && !ms->fetched.count(i);
            bool len = (flags & XC_READ_LENGTH) && !ms->fetched_len.count(i);
            if (!doc && !terms && !len)
                continue;
            doc_read r;
            r.did = did;
            r.want_doc = doc;
            r.want_len = len;
            r.want_terms = terms;
            reads.push_back(r);
            at.push_back(i);
        }
        read_many(db, reads);
        for (size_t k = 0; k < reads.size(); k++) {
            if (reads[k].want_doc)
                ms->fetched[at[k]] = reads[k].doc;
            if (reads[k].has_terms)
                ms->fetched_terms[at[k]].swap(reads[k].terms);
            if (reads[k].want_len)
                ms->fetched_len[at[k]] = reads[k].len;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

} // namespace

extern "C" xc_status xc_mset_fetch(xc_mset *ms, xc_db *db, uint32_t first,
                                   uint32_t n, unsigned flags)
{
    return mset_fetch(ms, db, nullptr, first, n, flags);
}

extern "C" xc_status xc_mset_fetch_items(xc_mset *ms, xc_db *db,
                                         const uint32_t *items, uint32_t n,
                                         unsigned flags)
{
    if (ms && n && !items)
        return reject(ms->err, XC_INVALID_ARG, "NULL items");
    return mset_fetch(ms, db, items, 0, items ? n : 0,
                      flags);
}

/* ------------------------------------------------------------------ mset */

namespace {

/* Checks that item i exists; records the reason on ms if not. */
bool mset_index_ok(xc_mset *ms, uint32_t i, xc_status &st)
{
    if (i < ms->ms.size())
        return true;
    st = reject(ms->err, XC_INVALID_ARG, "MSet index out of range");
    return false;
}

/* Item i's document, kept for the next read of the same item. */
const Xapian::Document &mset_doc(xc_mset *ms, uint32_t i)
{
    auto f = ms->fetched.find(i);
    if (f != ms->fetched.end())
        return f->second;
    if (ms->doc_index != i) {
        ms->doc = ms->ms[i].get_document();
        ms->doc_index = i;
    }
    return ms->doc;
}

} // namespace

extern "C" void xc_mset_free(xc_mset *ms)
{
    delete ms;
}

extern "C" const char *xc_mset_errmsg(const xc_mset *ms)
{
    return ms ? ms->err.c_str() : "";
}

extern "C" uint32_t xc_mset_size(const xc_mset *ms)
{
    if (!ms)
        return 0;
    try {
        return ms->ms.size();
    } catch (...) {
        status_from_exception(&ms->err);
        return 0;
    }
}

extern "C" int xc_mset_matches_exact(const xc_mset *ms)
{
    if (!ms)
        return 0;
    try {
        return ms->ms.get_matches_lower_bound() ==
               ms->ms.get_matches_upper_bound();
    } catch (...) {
        status_from_exception(&ms->err);
        return 0;
    }
}

extern "C" uint32_t xc_mset_matches_estimated(const xc_mset *ms)
{
    if (!ms)
        return 0;
    try {
        return ms->ms.get_matches_estimated();
    } catch (...) {
        status_from_exception(&ms->err);
        return 0;
    }
}

extern "C" double xc_mset_max_possible(const xc_mset *ms)
{
    if (!ms)
        return 0.0;
    try {
        return ms->ms.get_max_possible();
    } catch (...) {
        status_from_exception(&ms->err);
        return 0.0;
    }
}

extern "C" xc_status xc_mset_get(xc_mset *ms, uint32_t i, xc_match *out)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!out)
            return reject(ms->err, XC_INVALID_ARG, "NULL out");
        if (!mset_index_ok(ms, i, st))
            return st;
        Xapian::MSetIterator it = ms->ms[i];
        xc_match m;
        m.docid = *it;
        m.rank = it.get_rank();
        m.weight = it.get_weight();
        m.collapse_count = it.get_collapse_count();
        *out = m;
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

namespace {

/* The string fetch() of result i, malloc'd into *out (NUL-terminated,
 * *len bytes; NULL for an empty one when empty_is_null): the argument
 * checks and error handling of the xc_mset_get_* string getters.
 * bad_arg, when not NULL, is the caller's own argument found invalid. */
template <typename Fetch>
xc_status mset_string(xc_mset *ms, uint32_t i, char **out, size_t *len,
                      const char *bad_arg, bool empty_is_null, Fetch fetch)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!out || !len)
            return reject(ms->err, XC_INVALID_ARG, "NULL out or len");
        if (bad_arg)
            return reject(ms->err, XC_INVALID_ARG, bad_arg);
        if (!mset_index_ok(ms, i, st))
            return st;
        const std::string v = fetch();
        *out = empty_is_null && v.empty() ? nullptr : copy_out(v);
        *len = v.size();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

} // namespace

extern "C" xc_status xc_mset_get_data(xc_mset *ms, uint32_t i, char **out,
                                      size_t *len)
{
    return mset_string(ms, i, out, len, nullptr, false,
                       [&] { return mset_doc(ms, i).get_data(); });
}

extern "C" xc_status xc_mset_get_sort_key(xc_mset *ms, uint32_t i,
                                          char **out, size_t *len)
{
    return mset_string(ms, i, out, len, nullptr, false,
                       [&] { return ms->ms[i].get_sort_key(); });
}

extern "C" xc_status xc_mset_get_collapse_key(xc_mset *ms, uint32_t i,
                                              char **out, size_t *len)
{
    return mset_string(ms, i, out, len, nullptr, false,
                       [&] { return ms->ms[i].get_collapse_key(); });
}

extern "C" xc_status xc_mset_get_value(xc_mset *ms, uint32_t i, unsigned slot,
                                       char **out, size_t *len)
{
    /* As xc_doc_get_value: a missing value is NULL. */
    return mset_string(ms, i, out, len,
                       valid_slot(slot) ? nullptr : "bad value slot", true,
                       [&] { return mset_doc(ms, i).get_value(slot); });
}

extern "C" xc_status xc_mset_terms_each(xc_mset *ms, uint32_t i,
                                       xc_term_cb cb, void *ctx)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!cb)
            return reject(ms->err, XC_INVALID_ARG, "NULL callback");
        if (!mset_index_ok(ms, i, st))
            return st;
        auto t = ms->fetched_terms.find(i);
        if (t != ms->fetched_terms.end()) {
            for (const auto &e : t->second)
                if (cb(ctx, e.first.c_str(), e.first.size(), e.second))
                    break;
            return XC_OK;
        }
        Xapian::Document d = mset_doc(ms, i);
        for (auto it = d.termlist_begin(); it != d.termlist_end(); ++it) {
            const std::string term = *it;
            if (cb(ctx, term.c_str(), term.size(), it.get_wdf()))
                break;
        }
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

extern "C" xc_status xc_mset_doclength(xc_mset *ms, xc_db *db, uint32_t i,
                                      uint32_t *out)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!db || !out)
            return reject(ms->err, XC_INVALID_ARG, "NULL db or out");
        if (!mset_index_ok(ms, i, st))
            return st;
        auto f = ms->fetched_len.find(i);
        *out = f != ms->fetched_len.end() ? f->second
                                          : db->db.get_doclength(*ms->ms[i]);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

extern "C" xc_status xc_mset_get_document(xc_mset *ms, uint32_t i,
                                          xc_doc **out)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        xc_status st;
        if (!out)
            return reject(ms->err, XC_INVALID_ARG, "NULL out");
        if (!mset_index_ok(ms, i, st))
            return st;
        std::unique_ptr<xc_doc> h(new xc_doc);
        auto f = ms->fetched.find(i);
        h->doc = f != ms->fetched.end() ? f->second : ms->ms[i].get_document();
        auto t = ms->fetched_terms.find(i);
        if (t != ms->fetched_terms.end()) {
            h->terms = t->second;
            h->has_terms = true;
        }
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

extern "C" xc_status xc_mset_termfreq(xc_mset *ms, const char *term,
                                      uint32_t *out)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        if (!term || !out)
            return reject(ms->err, XC_INVALID_ARG, "NULL term or out");
        *out = ms->ms.get_termfreq(term);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

extern "C" xc_status xc_mset_termweight(xc_mset *ms, const char *term,
                                        double *out)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        if (!term || !out)
            return reject(ms->err, XC_INVALID_ARG, "NULL term or out");
        *out = ms->ms.get_termweight(term);
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

extern "C" xc_status xc_mset_snippet(xc_mset *ms, const char *text,
                                     size_t len, size_t length,
                                     const xc_stem *stem, unsigned flags,
                                     const char *hi_start, const char *hi_end,
                                     const char *omit, char **out)
{
    if (!ms)
        return XC_INVALID_ARG;
    try {
        std::string t;
        if (!out || !bytes_arg(text, len, t))
            return reject(ms->err, XC_INVALID_ARG, "NULL text or out");
        const unsigned known = XC_SNIPPET_BACKGROUND_MODEL |
                               XC_SNIPPET_EXHAUSTIVE |
                               XC_SNIPPET_EMPTY_WITHOUT_MATCH;
        if (flags & ~known)
            return reject(ms->err, XC_INVALID_ARG, "unknown snippet flags");
        /* XC_SNIPPET_* are xapian-core's MSet::SNIPPET_* bit values. */
        *out = copy_out(ms->ms.snippet(t, length,
                                       stem ? stem->stem : Xapian::Stem(),
                                       flags, hi_start ? hi_start : "",
                                       hi_end ? hi_end : "",
                                       omit ? omit : ""));
        return XC_OK;
    } catch (...) {
        return status_from_exception(&ms->err);
    }
}

/* ------------------------------------------------- query term variants */

namespace {

/* The variant k of term (fn's answer), or "" when it is the term itself. */
std::string variant_of(xc_term_variant_fn fn, void *ctx, unsigned k,
                       const std::string &term)
{
    char *v = nullptr;
    if (fn(ctx, k, term.data(), term.size(), &v) != 0)
        throw std::bad_alloc();
    std::string r = v && term != v ? std::string(v) : std::string();
    std::free(v);
    return r;
}

Xapian::Query with_variants(const Xapian::Query &q, xc_term_variant_fn fn,
                            void *ctx, unsigned nvariants)
{
    Xapian::Query::op t = q.get_type();
    size_t n = q.get_num_subqueries();
    if (t == Xapian::Query::LEAF_TERM) {
        auto it = q.get_terms_begin();
        if (it == q.get_terms_end())
            return q;
        const std::string term = *it;
        std::vector<Xapian::Query> syn{q};
        std::set<std::string> seen{term};
        for (unsigned k = 0; k < nvariants; k++) {
            std::string v = variant_of(fn, ctx, k, term);
            if (!v.empty() && seen.insert(v).second)
                syn.emplace_back(v);
        }
        if (syn.size() == 1)
            return q;
        return Xapian::Query(Xapian::Query::OP_SYNONYM, syn.begin(),
                             syn.end());
    }
    if (n == 0)
        return q;
    if (is_window_op(t)) {
        /* the window as it is, or as a whole in each variant: its words
         * stand together in the text of one language */
        std::vector<std::string> terms;
        if (!window_terms(q, n, terms))
            return q;
        std::vector<Xapian::Query> alts{q};
        std::set<std::vector<std::string>> seen{terms};
        Xapian::termcount window = window_of(q, n);
        for (unsigned k = 0; k < nvariants; k++) {
            std::vector<std::string> vt;
            for (const std::string &term : terms) {
                std::string v = variant_of(fn, ctx, k, term);
                vt.push_back(v.empty() ? term : v);
            }
            if (!seen.insert(vt).second)
                continue;
            std::vector<Xapian::Query> subs(vt.begin(), vt.end());
            alts.emplace_back(t, subs.begin(), subs.end(), window);
        }
        if (alts.size() == 1)
            return q;
        return Xapian::Query(Xapian::Query::OP_OR, alts.begin(), alts.end());
    }
    if (!is_plain_op(t))
        return q;
    std::vector<Xapian::Query> subs;
    subs.reserve(n);
    for (size_t i = 0; i < n; i++)
        subs.push_back(with_variants(q.get_subquery(i), fn, ctx, nvariants));
    return Xapian::Query(t, subs.begin(), subs.end());
}

} // namespace

extern "C" xc_status xc_query_with_variants(const xc_query *q,
                                            xc_term_variant_fn fn, void *ctx,
                                            unsigned nvariants,
                                            xc_query **out)
{
    try {
        if (!q || !fn || !out)
            return XC_INVALID_ARG;
        std::unique_ptr<xc_query> h(new xc_query);
        h->q = with_variants(q->q, fn, ctx, nvariants);
        *out = h.release();
        return XC_OK;
    } catch (...) {
        return status_from_exception(nullptr);
    }
}

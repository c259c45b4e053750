/*
 * test_xapian_c.c — cmocka tests for the C binding over xapian-core
 * (xapian-c/xapian-c.h): every function, its happy path and its failure
 * paths (missing, locked and corrupt databases, bad query syntax, bad
 * arguments, network failures).
 *
 * Every test gets a fresh temporary directory (setup/teardown). Callbacks
 * called from C++ only record what they see; the asserts come after the
 * binding returns, because cmocka's asserts longjmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "loopback.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xapian-c.h"

#ifdef __SANITIZE_ADDRESS__
/* xapian-core 1.4.22's Database::check() allocates a GlassTableCheck and
 * deletes it through a GlassTable pointer, wholly inside libxapian; ASan
 * reports that as new-delete-type-mismatch on every check, clean database
 * or not (reproduced with a five-line C++ program and no binding). This
 * binary therefore turns off that one ASan check; every other check stays
 * on, and the binding's own deletes are of the exact type allocated. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "new_delete_type_mismatch=0";
}
#endif

/* ------------------------------------------------------------- fixture */

typedef struct fixture {
    char dir[64];         /* the temporary directory */
    char db[128];         /* dir/db: a database path not yet created */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_xapian_c.XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->db, sizeof fx->db, "%s/db", fx->dir);
    *state = fx;
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    int rc = nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return rc;
}

/* fx->dir + "/" + name, in a static buffer per call site's use. */
static void path_in(const fixture *fx, const char *name, char *buf,
                    size_t size)
{
    snprintf(buf, size, "%s/%s", fx->dir, name);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Fills path with garbage the size of a glass block or two. */
static void write_garbage(const char *path)
{
    char junk[16384];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)("garbage!"[i % 8] ^ (i & 0x5a));
    write_file(path, junk, sizeof junk);
}

/* Adds a document with data, the unique term Q<id>, body text indexed by a
 * TermGenerator (with positions) and value slot 0 = key, slot 1 = date. */
static uint32_t add_doc(xc_db *db, const char *id, const char *body,
                        const char *key, const char *date)
{
    xc_doc *doc = NULL;
    xc_termgen *tg = NULL;
    char qterm[128];
    uint32_t did = 0;

    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_termgen_new(&tg, NULL), XC_OK);
    assert_int_equal(xc_termgen_set_document(tg, doc), XC_OK);
    assert_int_equal(xc_termgen_index_text(tg, body, strlen(body), 1, "", 1),
                     XC_OK);
    snprintf(qterm, sizeof qterm, "Q%s", id);
    assert_int_equal(xc_doc_add_boolean_term(doc, qterm), XC_OK);
    assert_int_equal(xc_doc_set_data(doc, body, strlen(body)), XC_OK);
    if (key)
        assert_int_equal(xc_doc_add_value(doc, 0, key, strlen(key)), XC_OK);
    if (date)
        assert_int_equal(xc_doc_add_value(doc, 1, date, strlen(date)), XC_OK);
    assert_int_equal(xc_db_replace_document_by_term(db, qterm, doc, &did),
                     XC_OK);
    xc_termgen_free(tg);
    xc_doc_free(doc);
    return did;
}

/* Creates a committed database at path with the five-document corpus the
 * search tests use, and closes it. */
static void make_corpus(const char *path)
{
    xc_db *db = NULL;
    assert_int_equal(xc_db_open(path, XC_DB_CREATE_OR_OVERWRITE, 0, 0, &db,
                                NULL), XC_OK);
    add_doc(db, "1", "apple pie recipe with fresh apples", "A", "20200105");
    add_doc(db, "2", "apple orchard tour and apple cider", "A", "20210310");
    add_doc(db, "3", "orange juice and apple juice", "A", "20190720");
    add_doc(db, "4", "banana bread recipe", "B", "20220101");
    add_doc(db, "5", "banana and apple smoothie recipe", "B", "20180815");
    assert_int_equal(xc_db_commit(db), XC_OK);
    xc_db_close(db);
}


/* ----------------------------------------------------- callback records */

#define MAX_SEEN 64

typedef struct seen {
    int n;
    int stop_after;               /* return non-zero after this many; 0 = never */
    char text[MAX_SEEN][128];
    char value[MAX_SEEN][128];
    size_t len[MAX_SEEN];
    uint64_t num[MAX_SEEN];
} seen;

static int record_term(void *ctx, const char *term, size_t len, uint32_t num)
{
    seen *s = ctx;
    if (s->n < MAX_SEEN) {
        snprintf(s->text[s->n], sizeof s->text[0], "%.*s", (int)len, term);
        s->len[s->n] = len;
        s->num[s->n] = num;
    }
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static int record_meta(void *ctx, const char *key, const char *value,
                       size_t len)
{
    seen *s = ctx;
    if (s->n < MAX_SEEN) {
        snprintf(s->text[s->n], sizeof s->text[0], "%s", key);
        snprintf(s->value[s->n], sizeof s->value[0], "%.*s", (int)len, value);
        s->len[s->n] = len;
    }
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static int record_docid(void *ctx, uint32_t docid, uint32_t wdf)
{
    seen *s = ctx;
    if (s->n < MAX_SEEN) {
        s->num[s->n] = docid;
        s->len[s->n] = wdf;
    }
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static int record_pos(void *ctx, uint32_t pos)
{
    seen *s = ctx;
    if (s->n < MAX_SEEN)
        s->num[s->n] = pos;
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static int seen_has(const seen *s, const char *text)
{
    for (int i = 0; i < s->n && i < MAX_SEEN; i++)
        if (strcmp(s->text[i], text) == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------- status, misc */

static void test_status_and_version(void **state)
{
    (void)state;
    assert_string_equal(xc_status_str(XC_OK), "ok");
    assert_string_equal(xc_status_str(XC_LOCKED), "locked");
    for (int a = XC_OK; a <= XC_ERROR; a++) {
        assert_non_null(xc_status_str((xc_status)a));
        for (int b = a + 1; b <= XC_ERROR; b++)
            assert_string_not_equal(xc_status_str((xc_status)a),
                                    xc_status_str((xc_status)b));
    }
    assert_string_equal(xc_status_str((xc_status)999), "unknown status");
    assert_string_equal(xc_version_string(), "1.4.22");
}

/* -------------------------------------------------------------- opening */

static void test_open_missing(void **state)
{
    fixture *fx = *state;
    xc_db *db = (xc_db *)0x1;   /* must stay untouched on failure */
    char *err = NULL;
    char path[PATH_MAX];

    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, &err),
                     XC_NOT_FOUND);
    assert_ptr_equal(db, (xc_db *)0x1);
    assert_non_null(err);
    assert_non_null(strstr(err, "DatabaseNotFoundError"));
    free(err);
    err = NULL;

    /* an existing but empty directory is no database either */
    path_in(fx, "empty", path, sizeof path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(xc_db_open(path, XC_DB_READONLY, 0, 0, &db, &err),
                     XC_NOT_FOUND);
    free(err);
    err = NULL;

    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 0, &db, &err),
                     XC_NOT_FOUND);
    assert_ptr_equal(db, (xc_db *)0x1);
    assert_non_null(err);
    assert_true(strlen(err) > 0);
    free(err);

    /* err is optional */
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_NOT_FOUND);
}

static void test_open_bad_args(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char *err = NULL;

    assert_int_equal(xc_db_open(NULL, XC_DB_READONLY, 0, 0, &db, &err),
                     XC_INVALID_ARG);
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, NULL, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_open(fx->db, (xc_open_mode)42, 0, 0, &db, &err),
                     XC_INVALID_ARG);
    assert_non_null(strstr(err, "mode"));
    free(err);
    err = NULL;
    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0x100, 0, &db,
                                &err), XC_INVALID_ARG);
    assert_non_null(strstr(err, "flags"));
    free(err);
    assert_null(db);
    /* nothing was created by the refused calls */
    assert_int_equal(access(fx->db, F_OK), -1);

    assert_int_equal(xc_db_open_multi(NULL, 1, &db, NULL), XC_INVALID_ARG);
    const char *none[1] = { NULL };
    assert_int_equal(xc_db_open_multi(none, 1, &db, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_open_multi(none, 0, &db, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_open_remote(NULL, 1234, 100, 100, &db, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_open_remote("127.0.0.1", 0, 100, 100, &db, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_open_remote("127.0.0.1", 70000, 100, 100, &db,
                                       NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_open_remote("127.0.0.1", 1234, 100, 100, NULL,
                                       NULL), XC_INVALID_ARG);
    assert_null(db);
}

static void test_create_commit_reopen(void **state)
{
    fixture *fx = *state;
    xc_db *w = NULL, *r = NULL;
    xc_doc *doc = NULL;
    xc_db_stats st;
    int changed = -1;
    uint32_t did = 0;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, XC_DB_NO_SYNC,
                                0, &w, NULL), XC_OK);
    assert_true(xc_db_is_writable(w));
    assert_string_equal(xc_db_errmsg(w), "");
    assert_int_equal(xc_db_commit(w), XC_OK);

    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &r, NULL),
                     XC_OK);
    assert_false(xc_db_is_writable(r));
    assert_int_equal(xc_db_get_stats(r, &st), XC_OK);
    assert_int_equal(st.doccount, 0);

    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_doc_add_term(doc, "hello", 1), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, &did), XC_OK);
    assert_int_equal(did, 1);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    assert_int_equal(xc_db_commit(w), XC_OK);

    /* the reader still sees its old revision until it reopens */
    assert_int_equal(xc_db_get_stats(r, &st), XC_OK);
    assert_int_equal(st.doccount, 0);
    assert_int_equal(xc_db_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(xc_db_get_stats(r, &st), XC_OK);
    assert_int_equal(st.doccount, 2);
    assert_int_equal(xc_db_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(xc_db_reopen(r, NULL), XC_OK);

    /* writes through a read-only handle are refused with a reason */
    assert_int_equal(xc_db_add_document(r, doc, NULL), XC_INVALID_ARG);
    assert_non_null(strstr(xc_db_errmsg(r), "read-only"));
    assert_int_equal(xc_db_commit(r), XC_INVALID_ARG);
    assert_int_equal(xc_db_begin_transaction(r, 1), XC_INVALID_ARG);
    assert_int_equal(xc_db_commit_transaction(r), XC_INVALID_ARG);
    assert_int_equal(xc_db_cancel_transaction(r), XC_INVALID_ARG);
    assert_int_equal(xc_db_delete_document(r, 1), XC_INVALID_ARG);
    assert_int_equal(xc_db_delete_documents_by_term(r, "hello"),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_replace_document_by_term(r, "hello", doc, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_set_metadata(r, "k", "v", 1), XC_INVALID_ARG);
    assert_int_equal(xc_db_add_document(w, NULL, NULL), XC_INVALID_ARG);

    xc_doc_free(doc);
    xc_db_close(r);
    xc_db_close(w);

    /* CREATE_OR_OVERWRITE starts again from empty; FULL_SYNC is accepted */
    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OVERWRITE,
                                XC_DB_FULL_SYNC, 0, &w, NULL), XC_OK);
    assert_int_equal(xc_db_get_stats(w, &st), XC_OK);
    assert_int_equal(st.doccount, 0);
    xc_db_close(w);
    /* XC_DB_OPEN opens what exists */
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 0, &w, NULL), XC_OK);
    xc_db_close(w);
}

static void test_close_commits_pending_changes(void **state)
{
    fixture *fx = *state;
    xc_db *w = NULL, *r = NULL;
    xc_doc *doc = NULL;
    xc_db_stats st;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    xc_doc_free(doc);
    xc_db_close(w);   /* no transaction: xapian-core's close() commits */

    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &r, NULL),
                     XC_OK);
    assert_int_equal(xc_db_get_stats(r, &st), XC_OK);
    assert_int_equal(st.doccount, 1);
    xc_db_close(r);
}

/* --------------------------------------------------------------- locking */

static void test_locked_immediately(void **state)
{
    fixture *fx = *state;
    xc_db *w1 = NULL, *w2 = (xc_db *)0x1;
    char *err = NULL;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w1,
                                NULL), XC_OK);
    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w2,
                                &err), XC_LOCKED);
    assert_ptr_equal(w2, (xc_db *)0x1);
    assert_non_null(err);
    assert_non_null(strstr(err, "lock"));
    free(err);
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 0, &w2, NULL),
                     XC_LOCKED);
    /* readers are not blocked by the writer */
    xc_db *r = NULL;
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 5, &r, NULL),
                     XC_OK);
    xc_db_close(r);

    /* closing releases the lock */
    xc_db_close(w1);
    w2 = NULL;
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 0, &w2, NULL), XC_OK);
    xc_db_close(w2);
}

static void test_locked_wait_times_out(void **state)
{
    fixture *fx = *state;
    xc_db *w1 = NULL, *w2 = NULL;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w1,
                                NULL), XC_OK);
    double t0 = now_seconds();
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 1, &w2, NULL),
                     XC_LOCKED);
    double waited = now_seconds() - t0;
    assert_true(waited >= 0.95);
    assert_true(waited < 3.0);
    assert_null(w2);
    xc_db_close(w1);
}

/* Forks a child that opens fx->db for writing, tells the parent through a
 * pipe, holds the lock for hold_ms and exits. Returns the child's pid. */
static pid_t fork_lock_holder(const char *path, int hold_ms)
{
    int fds[2];
    char c = 0;
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        xc_db *w = NULL;
        close(fds[0]);
        if (xc_db_open(path, XC_DB_CREATE_OR_OPEN, 0, 0, &w, NULL) != XC_OK)
            _exit(1);
        if (write(fds[1], "L", 1) != 1)
            _exit(2);
        struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        xc_db_close(w);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);   /* child holds the lock */
    assert_int_equal(c, 'L');
    close(fds[0]);
    return pid;
}

static void wait_child_ok(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_locked_wait_succeeds(void **state)
{
    fixture *fx = *state;
    xc_db *w = NULL;

    /* bounded wait: the other writer lets go after 400 ms */
    pid_t pid = fork_lock_holder(fx->db, 400);
    double t0 = now_seconds();
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 0, &w, NULL),
                     XC_LOCKED);
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 5, &w, NULL), XC_OK);
    double waited = now_seconds() - t0;
    assert_non_null(w);
    assert_true(waited >= 0.2);
    assert_true(waited < 4.0);
    xc_db_close(w);
    wait_child_ok(pid);

    /* unbounded wait */
    w = NULL;
    pid = fork_lock_holder(fx->db, 300);
    t0 = now_seconds();
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, -1, &w, NULL), XC_OK);
    waited = now_seconds() - t0;
    assert_non_null(w);
    assert_true(waited >= 0.1);
    xc_db_close(w);
    wait_child_ok(pid);
}

/* -------------------------------------------------------------- corrupt */

static void test_corrupt_version_file(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char *err = NULL;
    char path[PATH_MAX];

    make_corpus(fx->db);
    path_in(fx, "db/iamglass", path, sizeof path);
    write_garbage(path);

    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, &err),
                     XC_CORRUPT);
    assert_null(db);
    assert_non_null(strstr(err, "DatabaseCorruptError"));
    free(err);
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 0, &db, NULL),
                     XC_CORRUPT);
    assert_null(db);
}

static void test_corrupt_table(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char *err = NULL;
    char path[PATH_MAX];
    size_t nerr = 99;

    make_corpus(fx->db);
    path_in(fx, "db/postlist.glass", path, sizeof path);
    write_garbage(path);

    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, &err),
                     XC_CORRUPT);
    assert_null(db);
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_int_equal(xc_db_check(fx->db, &nerr, NULL, &err), XC_CORRUPT);
    assert_int_equal(nerr, 99);
    assert_non_null(err);
    free(err);
}

static void test_version_mismatch(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char *err = NULL;
    char path[PATH_MAX];

    /* iamglass: "\x0f\x0dXapian Glass", then the format version as a
     * varint; raising its second byte makes the format one from the
     * future */
    make_corpus(fx->db);
    path_in(fx, "db/iamglass", path, sizeof path);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "\x7f", 1, 15), 1);
    assert_int_equal(close(fd), 0);

    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, &err),
                     XC_VERSION);
    assert_null(db);
    assert_non_null(strstr(err, "DatabaseVersionError"));
    free(err);
}

static void test_io_error(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char *err = NULL;
    char file[PATH_MAX], path[PATH_MAX];

    /* a database directory cannot be made under a regular file (ENOTDIR:
     * the file system says no, whoever runs the test) */
    path_in(fx, "plain", file, sizeof file);
    write_file(file, "x", 1);
    path_in(fx, "plain/db", path, sizeof path);
    assert_int_equal(xc_db_open(path, XC_DB_CREATE_OR_OPEN, 0, 0, &db,
                                &err), XC_IO);
    assert_null(db);
    assert_non_null(strstr(err, "DatabaseCreateError"));
    free(err);
}

static void test_not_a_database_file(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char path[PATH_MAX];

    /* a plain file that is neither a stub nor a database */
    path_in(fx, "junk", path, sizeof path);
    write_file(path, "hello world\n", 12);
    assert_int_equal(xc_db_open(path, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_CORRUPT);
    assert_null(db);
}

static void test_stub_file(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char stub[PATH_MAX], line[PATH_MAX + 16];
    xc_db_stats st;

    make_corpus(fx->db);
    path_in(fx, "live.stub", stub, sizeof stub);
    int n = snprintf(line, sizeof line, "glass %s\n", fx->db);
    write_file(stub, line, (size_t)n);
    assert_int_equal(xc_db_open(stub, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_OK);
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.doccount, 5);
    xc_db_close(db);
}

/* Regression: xapian-core follows stub files by unbounded recursion, so a
 * stub naming itself crashed quarry-query (SIGSEGV). Loops, stub
 * directories and an exponential tree of stubs now fail with XC_CORRUPT. */
static void test_stub_loops(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char *err = NULL;
    char a[PATH_MAX], b[PATH_MAX], dir[PATH_MAX], stub[PATH_MAX];
    char line[PATH_MAX + 16];

    path_in(fx, "self.stub", a, sizeof a);
    write_file(a, "auto self.stub\n", 15);
    assert_int_equal(xc_db_open(a, XC_DB_READONLY, 0, 0, &db, &err), XC_CORRUPT);
    assert_null(db);
    assert_non_null(strstr(err, "loop"));
    free(err);
    err = NULL;
    /* the writable open follows stubs too */
    assert_int_equal(xc_db_open(a, XC_DB_CREATE_OR_OPEN, 0, 0, &db, NULL),
                     XC_CORRUPT);
    assert_int_equal(xc_db_open_multi((const char *const[]){a}, 1, &db, NULL),
                     XC_CORRUPT);

    /* two stubs naming each other, by absolute path */
    path_in(fx, "a.stub", a, sizeof a);
    path_in(fx, "b.stub", b, sizeof b);
    int n = snprintf(line, sizeof line, "# comment\n\nauto %s\n", b);
    write_file(a, line, (size_t)n);
    n = snprintf(line, sizeof line, "auto %s\n", a);
    write_file(b, line, (size_t)n);
    assert_int_equal(xc_db_open(a, XC_DB_READONLY, 0, 0, &db, NULL), XC_CORRUPT);

    /* a stub directory naming itself */
    path_in(fx, "stubdir", dir, sizeof dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    path_in(fx, "stubdir/XAPIANDB", stub, sizeof stub);
    write_file(stub, "auto .\n", 7);
    assert_int_equal(xc_db_open(dir, XC_DB_READONLY, 0, 0, &db, NULL), XC_CORRUPT);

    /* a stub naming another one 20 times: 20^16 opens if followed */
    path_in(fx, "wide.stub", a, sizeof a);
    char wide[512] = "";
    for (int i = 0; i < 20; i++)
        strcat(wide, "auto wide.stub\n");
    write_file(a, wide, strlen(wide));
    double t0 = now_seconds();
    assert_int_equal(xc_db_open(a, XC_DB_READONLY, 0, 0, &db, NULL), XC_CORRUPT);
    assert_true(now_seconds() - t0 < 10);

    /* a chain of real stubs still opens */
    make_corpus(fx->db);
    path_in(fx, "one.stub", a, sizeof a);
    path_in(fx, "two.stub", b, sizeof b);
    write_file(a, "auto db\n", 8);
    write_file(b, "auto one.stub\n", 14);
    assert_int_equal(xc_db_open(b, XC_DB_READONLY, 0, 0, &db, NULL), XC_OK);
    xc_db_close(db);
}

/* Regression: a lock file that cannot be created is an I/O failure, not
 * "locked" (quarry-index said "locked" on a read-only file system), and it
 * is not waited for. Made here with a directory where the lock file goes,
 * which fails for root too. */
static void test_lock_file_unusable(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    char *err = NULL;
    char lock[PATH_MAX];

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &db, NULL),
                     XC_OK);
    xc_db_close(db);
    db = NULL;
    path_in(fx, "db/flintlock", lock, sizeof lock);
    unlink(lock);
    assert_int_equal(mkdir(lock, 0755), 0);
    double t0 = now_seconds();
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 3, &db, &err), XC_IO);
    assert_true(now_seconds() - t0 < 2);
    assert_null(db);
    assert_non_null(err);
    assert_non_null(strstr(err, "lock"));
    free(err);
    /* readers need no lock */
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, NULL), XC_OK);
    xc_db_close(db);
}

/* --------------------------------------------------------- transactions */

static void test_transactions(void **state)
{
    fixture *fx = *state;
    xc_db *w = NULL;
    xc_doc *doc = NULL;
    xc_db_stats st;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_doc_add_term(doc, "t", 1), XC_OK);

    /* no transaction in progress */
    assert_int_equal(xc_db_commit_transaction(w), XC_INVALID_ARG);
    assert_non_null(strstr(xc_db_errmsg(w), "transaction"));
    assert_int_equal(xc_db_cancel_transaction(w), XC_INVALID_ARG);

    assert_int_equal(xc_db_begin_transaction(w, 0), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    assert_int_equal(xc_db_begin_transaction(w, 0), XC_INVALID_ARG);
    assert_int_equal(xc_db_cancel_transaction(w), XC_OK);
    assert_int_equal(xc_db_get_stats(w, &st), XC_OK);
    assert_int_equal(st.doccount, 0);

    assert_int_equal(xc_db_begin_transaction(w, 1), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    assert_int_equal(xc_db_commit_transaction(w), XC_OK);
    assert_int_equal(xc_db_get_stats(w, &st), XC_OK);
    assert_int_equal(st.doccount, 2);

    /* a flushed transaction is on disk when it ends */
    xc_db *r = NULL;
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &r, NULL),
                     XC_OK);
    assert_int_equal(xc_db_get_stats(r, &st), XC_OK);
    assert_int_equal(st.doccount, 2);
    xc_db_close(r);

    /* a transaction left open is cancelled by close */
    assert_int_equal(xc_db_begin_transaction(w, 1), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    xc_db_close(w);
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &r, NULL),
                     XC_OK);
    assert_int_equal(xc_db_get_stats(r, &st), XC_OK);
    assert_int_equal(st.doccount, 2);
    xc_db_close(r);
    xc_doc_free(doc);
}

/* ------------------------------------------------------------- metadata */

static void test_metadata(void **state)
{
    fixture *fx = *state;
    xc_db *w = NULL;
    char *v = (char *)0x1;
    size_t len = 99;
    seen s;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    assert_int_equal(xc_db_set_metadata(w, "src:b", "two", 3), XC_OK);
    assert_int_equal(xc_db_set_metadata(w, "src:a", "one", 3), XC_OK);
    assert_int_equal(xc_db_set_metadata(w, "src:c", "x\0y", 3), XC_OK);
    assert_int_equal(xc_db_set_metadata(w, "other", "zzz", 3), XC_OK);
    assert_int_equal(xc_db_commit(w), XC_OK);

    assert_int_equal(xc_db_get_metadata(w, "src:a", &v, &len), XC_OK);
    assert_int_equal(len, 3);
    assert_string_equal(v, "one");
    free(v);
    assert_int_equal(xc_db_get_metadata(w, "src:c", &v, &len), XC_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "x\0y", 3);
    free(v);

    /* a missing key is not an error */
    v = (char *)0x1;
    assert_int_equal(xc_db_get_metadata(w, "nope", &v, &len), XC_OK);
    assert_null(v);
    assert_int_equal(len, 0);

    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_metadata_each(w, "src:", record_meta, &s), XC_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.text[0], "src:a");
    assert_string_equal(s.value[0], "one");
    assert_string_equal(s.text[1], "src:b");
    assert_string_equal(s.text[2], "src:c");
    assert_int_equal(s.len[2], 3);

    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_metadata_each(w, "", record_meta, &s), XC_OK);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.text[0], "other");

    /* a non-zero return stops the walk, and is not an error */
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(xc_db_metadata_each(w, "src:", record_meta, &s), XC_OK);
    assert_int_equal(s.n, 1);

    /* an empty value deletes */
    assert_int_equal(xc_db_set_metadata(w, "src:b", NULL, 0), XC_OK);
    v = (char *)0x1;
    assert_int_equal(xc_db_get_metadata(w, "src:b", &v, &len), XC_OK);
    assert_null(v);
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_metadata_each(w, "src:", record_meta, &s), XC_OK);
    assert_int_equal(s.n, 2);

    /* errors */
    assert_int_equal(xc_db_set_metadata(w, "", "v", 1), XC_INVALID_ARG);
    assert_non_null(strstr(xc_db_errmsg(w), "metadata"));
    assert_int_equal(xc_db_set_metadata(w, NULL, "v", 1), XC_INVALID_ARG);
    assert_int_equal(xc_db_set_metadata(w, "k", NULL, 1), XC_INVALID_ARG);
    assert_int_equal(xc_db_get_metadata(w, NULL, &v, &len), XC_INVALID_ARG);
    assert_int_equal(xc_db_get_metadata(w, "k", NULL, &len), XC_INVALID_ARG);
    assert_int_equal(xc_db_get_metadata(w, "k", &v, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_metadata_each(w, "", NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_metadata_each(w, NULL, record_meta, &s),
                     XC_INVALID_ARG);
    xc_db_close(w);
}

/* ------------------------------------------------------------ documents */

static void test_document_handle(void **state)
{
    (void)state;
    xc_doc *doc = NULL;
    char *out = NULL;
    size_t len = 0;
    seen s;

    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_doc_docid(doc), 0);
    assert_string_equal(xc_doc_errmsg(doc), "");

    assert_int_equal(xc_doc_set_data(doc, "a\0b", 3), XC_OK);
    assert_int_equal(xc_doc_get_data(doc, &out, &len), XC_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "a\0b", 4);   /* and NUL-terminated */
    free(out);

    assert_int_equal(xc_doc_add_term(doc, "zeta", 2), XC_OK);
    assert_int_equal(xc_doc_add_boolean_term(doc, "Qid"), XC_OK);
    assert_int_equal(xc_doc_add_posting(doc, "alpha", 1, 1), XC_OK);
    assert_int_equal(xc_doc_add_posting(doc, "alpha", 5, 1), XC_OK);
    assert_int_equal(xc_doc_add_term(doc, "gone", 1), XC_OK);
    assert_int_equal(xc_doc_termcount(doc), 4);
    assert_int_equal(xc_doc_remove_term(doc, "gone"), XC_OK);
    assert_int_equal(xc_doc_termcount(doc), 3);

    memset(&s, 0, sizeof s);
    assert_int_equal(xc_doc_terms_each(doc, record_term, &s), XC_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.text[0], "Qid");
    assert_int_equal(s.num[0], 0);       /* boolean term: wdf 0 */
    assert_string_equal(s.text[1], "alpha");
    assert_int_equal(s.num[1], 2);
    assert_string_equal(s.text[2], "zeta");
    assert_int_equal(s.num[2], 2);
    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    assert_int_equal(xc_doc_terms_each(doc, record_term, &s), XC_OK);
    assert_int_equal(s.n, 2);

    /* values */
    assert_int_equal(xc_doc_add_value(doc, 3, "v3", 2), XC_OK);
    assert_int_equal(xc_doc_get_value(doc, 3, &out, &len), XC_OK);
    assert_int_equal(len, 2);
    assert_string_equal(out, "v3");
    free(out);
    out = (char *)0x1;
    assert_int_equal(xc_doc_get_value(doc, 4, &out, &len), XC_OK);
    assert_null(out);
    assert_int_equal(len, 0);

    /* errors: xapian-core's own refusals and ours */
    assert_int_equal(xc_doc_remove_term(doc, "never-there"), XC_INVALID_ARG);
    assert_non_null(strstr(xc_doc_errmsg(doc), "never-there"));
    assert_int_equal(xc_doc_add_term(doc, "", 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_term(doc, NULL, 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_boolean_term(doc, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_posting(doc, NULL, 1, 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_remove_term(doc, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_doc_set_data(doc, NULL, 5), XC_INVALID_ARG);
    assert_int_equal(xc_doc_set_data(doc, NULL, 0), XC_OK);
    assert_int_equal(xc_doc_get_data(doc, NULL, &len), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_value(doc, 0xffffffffu, "x", 1),
                     XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_value(doc, 1, NULL, 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_get_value(doc, 0xffffffffu, &out, &len),
                     XC_INVALID_ARG);
    assert_int_equal(xc_doc_get_value(doc, 1, NULL, &len), XC_INVALID_ARG);
    assert_int_equal(xc_doc_terms_each(doc, NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_doc_new(NULL), XC_INVALID_ARG);
    xc_doc_free(doc);
}

static void test_replace_delete_get(void **state)
{
    fixture *fx = *state;
    xc_db *w = NULL;
    xc_doc *doc = NULL, *got = (xc_doc *)0x1;
    char *data = NULL;
    size_t len = 0;
    uint32_t did = 0, n = 0;
    xc_db_stats st;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    uint32_t a = add_doc(w, "a", "first version", NULL, NULL);
    uint32_t b = add_doc(w, "b", "other document", NULL, NULL);
    assert_int_not_equal(a, b);

    /* replacing by unique term keeps the docid */
    did = add_doc(w, "a", "second version", NULL, NULL);
    assert_int_equal(did, a);
    assert_int_equal(xc_db_get_stats(w, &st), XC_OK);
    assert_int_equal(st.doccount, 2);
    assert_int_equal(xc_db_get_document(w, a, &got), XC_OK);
    assert_int_equal(xc_doc_docid(got), a);
    assert_int_equal(xc_doc_get_data(got, &data, &len), XC_OK);
    assert_string_equal(data, "second version");
    free(data);
    xc_doc_free(got);

    /* an unknown unique term adds */
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_doc_add_boolean_term(doc, "Qc"), XC_OK);
    assert_int_equal(xc_db_replace_document_by_term(w, "Qc", doc, &did),
                     XC_OK);
    assert_int_equal(did, 3);
    assert_int_equal(xc_db_replace_document_by_term(w, NULL, doc, &did),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_replace_document_by_term(w, "Qc", NULL, &did),
                     XC_INVALID_ARG);

    assert_int_equal(xc_db_delete_documents_by_term(w, "Qb"), XC_OK);
    assert_int_equal(xc_db_delete_documents_by_term(w, "Qnobody"), XC_OK);
    assert_int_equal(xc_db_delete_documents_by_term(w, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_termfreq(w, "Qb", &n), XC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(xc_db_delete_document(w, 3), XC_OK);
    assert_int_equal(xc_db_get_stats(w, &st), XC_OK);
    assert_int_equal(st.doccount, 1);

    /* missing documents */
    got = (xc_doc *)0x1;
    assert_int_equal(xc_db_delete_document(w, 3), XC_NOT_FOUND);
    assert_non_null(strstr(xc_db_errmsg(w), "DocNotFoundError"));
    assert_int_equal(xc_db_get_document(w, 99, &got), XC_NOT_FOUND);
    assert_ptr_equal(got, (xc_doc *)0x1);
    assert_int_equal(xc_db_get_document(w, 0, &got), XC_INVALID_ARG);
    assert_int_equal(xc_db_get_document(w, 1, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_doclength(w, 99, &n), XC_NOT_FOUND);
    assert_int_equal(xc_db_delete_document(w, 0), XC_INVALID_ARG);

    xc_doc_free(doc);
    xc_db_close(w);
}

static void test_postings_positions_allterms(void **state)
{
    fixture *fx = *state;
    xc_db *w = NULL;
    xc_doc *doc = NULL;
    seen s;

    assert_int_equal(xc_db_open(fx->db, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_doc_add_posting(doc, "fox", 2, 1), XC_OK);
    assert_int_equal(xc_doc_add_posting(doc, "fox", 7, 1), XC_OK);
    assert_int_equal(xc_doc_add_posting(doc, "fox", 11, 1), XC_OK);
    assert_int_equal(xc_doc_add_posting(doc, "dog", 3, 1), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    xc_doc_free(doc);
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_doc_add_term(doc, "fox", 5), XC_OK);
    assert_int_equal(xc_doc_add_term(doc, "foxglove", 1), XC_OK);
    assert_int_equal(xc_db_add_document(w, doc, NULL), XC_OK);
    xc_doc_free(doc);
    assert_int_equal(xc_db_commit(w), XC_OK);

    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_positions_each(w, 1, "fox", record_pos, &s),
                     XC_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.num[0], 2);
    assert_int_equal(s.num[1], 7);
    assert_int_equal(s.num[2], 11);
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(xc_db_positions_each(w, 1, "fox", record_pos, &s),
                     XC_OK);
    assert_int_equal(s.n, 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_positions_each(w, 2, "fox", record_pos, &s),
                     XC_OK);
    assert_int_equal(s.n, 0);   /* added without positions */

    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_postlist_each(w, "fox", record_docid, &s), XC_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.num[0], 1);
    assert_int_equal(s.len[0], 3);
    assert_int_equal(s.num[1], 2);
    assert_int_equal(s.len[1], 5);
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(xc_db_postlist_each(w, "fox", record_docid, &s), XC_OK);
    assert_int_equal(s.n, 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_postlist_each(w, "cat", record_docid, &s), XC_OK);
    assert_int_equal(s.n, 0);


    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_allterms_each(w, "fox", record_term, &s), XC_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.text[0], "fox");
    assert_int_equal(s.num[0], 2);
    assert_string_equal(s.text[1], "foxglove");
    assert_int_equal(s.num[1], 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_db_allterms_each(w, "", record_term, &s), XC_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.text[0], "dog");
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(xc_db_allterms_each(w, "", record_term, &s), XC_OK);
    assert_int_equal(s.n, 1);

    assert_int_equal(xc_db_positions_each(w, 1, NULL, record_pos, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_positions_each(w, 1, "fox", NULL, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_postlist_each(w, NULL, record_docid, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_postlist_each(w, "fox", NULL, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_allterms_each(w, NULL, record_term, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_allterms_each(w, "", NULL, &s), XC_INVALID_ARG);
    xc_db_close(w);
}

static void test_stats_and_term_stats(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_db_stats st;
    uint32_t n = 0;
    uint64_t cf = 0;
    int exists = -1;
    char *uuid = NULL;

    make_corpus(fx->db);
    assert_int_equal(xc_db_open(fx->db, XC_DB_OPEN, 0, 0, &db, NULL), XC_OK);
    memset(&st, 0xff, sizeof st);
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.doccount, 5);
    assert_int_equal(st.lastdocid, 5);
    /* 6 + 6 + 5 + 3 + 5 words */
    assert_int_equal(st.total_length, 25);
    assert_float_equal(st.avlength, 5.0, 1e-9);
    assert_int_equal(st.doclength_lower, 3);
    assert_int_equal(st.doclength_upper, 6);
    assert_int_equal(st.has_positions, 1);
    assert_true(st.revision >= 1);
    uint64_t rev = st.revision;

    assert_int_equal(xc_db_termfreq(db, "apple", &n), XC_OK);
    assert_int_equal(n, 4);
    assert_int_equal(xc_db_collection_freq(db, "apple", &cf), XC_OK);
    assert_int_equal(cf, 5);
    assert_int_equal(xc_db_term_exists(db, "banana", &exists), XC_OK);
    assert_int_equal(exists, 1);
    assert_int_equal(xc_db_term_exists(db, "kiwi", &exists), XC_OK);
    assert_int_equal(exists, 0);
    assert_int_equal(xc_db_doclength(db, 4, &n), XC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(xc_db_uuid(db, &uuid), XC_OK);
    assert_int_equal(strlen(uuid), 36);
    free(uuid);

    add_doc(db, "6", "kiwi", NULL, NULL);
    assert_int_equal(xc_db_commit(db), XC_OK);
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.revision, rev + 1);

    assert_int_equal(xc_db_get_stats(db, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_termfreq(db, NULL, &n), XC_INVALID_ARG);
    assert_int_equal(xc_db_termfreq(db, "x", NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_collection_freq(db, NULL, &cf), XC_INVALID_ARG);
    assert_int_equal(xc_db_collection_freq(db, "x", NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_term_exists(db, NULL, &exists), XC_INVALID_ARG);
    assert_int_equal(xc_db_term_exists(db, "x", NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_doclength(db, 1, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_uuid(db, NULL), XC_INVALID_ARG);
    xc_db_close(db);
}

static void test_sortable_serialise(void **state)
{
    (void)state;
    const double vals[] = { -1e10, -2.5, -0.0, 0.0, 1e-9, 3.25, 20200105.0,
                            1e300 };
    char prev[9], cur[9];
    size_t prev_len = 0;

    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        size_t len = xc_sortable_serialise(vals[i], cur);
        assert_in_range(len, 1, 9);
        assert_float_equal(xc_sortable_unserialise(cur, len), vals[i], 0.0);
        if (i > 0) {
            /* byte order follows numeric order (0 and -0 are equal) */
            size_t m = len < prev_len ? len : prev_len;
            int c = memcmp(prev, cur, m);
            if (c == 0)
                c = (prev_len > len) - (prev_len < len);
            assert_true(vals[i - 1] == vals[i] ? c == 0 : c < 0);
        }
        memcpy(prev, cur, len);
        prev_len = len;
    }
    assert_int_equal(xc_sortable_serialise(1.0, NULL), 0);
}

/* ------------------------------------------------------ stemmer, stopper */

static void test_stemmer(void **state)
{
    (void)state;
    xc_stem *stem = NULL;
    char *out = NULL, *err = NULL;

    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    assert_int_equal(xc_stem_word(stem, "running", 7, &out), XC_OK);
    assert_string_equal(out, "run");
    free(out);
    /* only len bytes are read */
    assert_int_equal(xc_stem_word(stem, "connections!!!", 11, &out), XC_OK);
    assert_string_equal(out, "connect");
    free(out);
    xc_stem_free(stem);

    assert_int_equal(xc_stem_new("fr", &stem, NULL), XC_OK);
    assert_int_equal(xc_stem_word(stem, "chevaux", 7, &out), XC_OK);
    assert_string_equal(out, "cheval");
    free(out);
    xc_stem_free(stem);

    assert_int_equal(xc_stem_new("none", &stem, NULL), XC_OK);
    assert_int_equal(xc_stem_word(stem, "running", 7, &out), XC_OK);
    assert_string_equal(out, "running");
    free(out);
    xc_stem_free(stem);

    stem = (xc_stem *)0x1;
    assert_int_equal(xc_stem_new("klingon", &stem, &err), XC_RANGE);
    assert_ptr_equal(stem, (xc_stem *)0x1);
    assert_non_null(err);
    assert_non_null(strstr(err, "klingon"));
    free(err);
    assert_int_equal(xc_stem_new(NULL, &stem, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_stem_new("en", NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_stem_word(NULL, "x", 1, &out), XC_INVALID_ARG);

    const char *langs = xc_stem_languages();
    assert_non_null(strstr(langs, "english"));
    assert_non_null(strstr(langs, "french"));
    assert_ptr_equal(xc_stem_languages(), langs);   /* static */
}

/* The cached stemmer gives the plain stemmer's stems, on a first look and
 * on a hit, for more words than it has slots (so words evict each other),
 * and for words too long to be cached. */
static void test_stemmer_cached(void **state)
{
    (void)state;
    static const char *roots[] = {"connect", "run", "nation", "hope", "cry",
                                  "generaliz", "happi", "sky", "argu", "din"};
    static const char *ends[] = {"", "s", "ing", "ed", "ation", "ational",
                                 "ness", "ies", "ly", "ment", "fulness"};
    xc_stem *plain = NULL, *cached = NULL;
    char *err = NULL;
    assert_int_equal(xc_stem_new("english", &plain, NULL), XC_OK);
    assert_int_equal(xc_stem_new_cached("english", 1, &cached, NULL), XC_OK);
    char word[128];
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 3000; i++) {
            int n = snprintf(word, sizeof word, "%s%s%.*s",
                             roots[i % 10], ends[(i / 10) % 11],
                             i / 110, "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdf");
            char *a = NULL, *b = NULL;
            assert_int_equal(xc_stem_word(plain, word, (size_t)n, &a), XC_OK);
            assert_int_equal(xc_stem_word(cached, word, (size_t)n, &b), XC_OK);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
    }
    char *out = NULL;
    assert_int_equal(xc_stem_word(cached, "running", 7, &out), XC_OK);
    assert_string_equal(out, "run");
    free(out);
    xc_stem_free(cached);
    xc_stem_free(plain);

    assert_int_equal(xc_stem_new_cached("none", 100, &cached, NULL), XC_OK);
    assert_int_equal(xc_stem_word(cached, "running", 7, &out), XC_OK);
    assert_string_equal(out, "running");
    free(out);
    xc_stem_free(cached);

    cached = (xc_stem *)0x1;
    assert_int_equal(xc_stem_new_cached("klingon", 100, &cached, &err), XC_RANGE);
    assert_ptr_equal(cached, (xc_stem *)0x1);
    free(err);
}

/* A fold that makes 'x' 'y' and drops 'z': enough to see that it runs
 * before the stemmer, in term generators too. */
static size_t test_fold_fn(void *ctx, const char *in, size_t len, char *out)
{
    size_t o = 0;
    ++*(int *)ctx;
    for (size_t i = 0; i < len; i++)
        if (in[i] != 'z')
            out[o++] = in[i] == 'x' ? 'y' : in[i];
    return o;
}

static int count_run(void *ctx, const char *term, size_t len, uint32_t wdf)
{
    (void)wdf;
    if (len == 3 && memcmp(term, "run", 3) == 0)
        ++*(int *)ctx;
    return 0;
}

/* Counts the terms of a document and joins them with spaces into a buffer. */
static int join_term(void *ctx, const char *term, size_t len, uint32_t wdf)
{
    (void)wdf;
    char *out = ctx;
    size_t n = strlen(out);
    if (n + len + 2 < 256) {
        memcpy(out + n, term, len);
        out[n + len] = ' ';
        out[n + len + 1] = '\0';
    }
    return 0;
}

/* FLAG_CJK_NGRAM: a run of CJK characters is its characters and pairs. */
static void test_termgen_cjk_ngram(void **state)
{
    (void)state;
    xc_termgen *tg = NULL;
    xc_doc *doc = NULL;
    char terms[256] = "";
    assert_int_equal(xc_termgen_new(&tg, NULL), XC_OK);
    assert_int_equal(xc_termgen_set_flags(tg, 1u << 20), XC_INVALID_ARG);
    assert_int_equal(xc_termgen_set_flags(NULL, XC_TG_CJK_NGRAM),
                     XC_INVALID_ARG);
    assert_int_equal(xc_termgen_set_flags(tg, XC_TG_CJK_NGRAM), XC_OK);
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_termgen_set_document(tg, doc), XC_OK);
    const char *t = "\xE6\x9D\xB1\xE4\xBA\xAC";     /* 東京 */
    assert_int_equal(xc_termgen_index_text(tg, t, strlen(t), 1, "", 1), XC_OK);
    assert_int_equal(xc_termgen_get_termpos(tg), 2);   /* a position each */
    assert_int_equal(xc_doc_terms_each(doc, join_term, terms), XC_OK);
    assert_string_equal(terms, "\xE4\xBA\xAC \xE6\x9D\xB1 "
                               "\xE6\x9D\xB1\xE4\xBA\xAC ");
    xc_doc_free(doc);
    xc_termgen_free(tg);
}

static void test_stem_fold(void **state)
{
    (void)state;
    int calls = 0, found = 0;
    xc_stem *stem = NULL;
    char *out = NULL;
    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    assert_int_equal(xc_stem_set_fold(stem, test_fold_fn, &calls), XC_OK);
    assert_int_equal(xc_stem_word(stem, "ruznning", 8, &out), XC_OK);
    assert_string_equal(out, "run");            /* folded, then stemmed */
    free(out);
    assert_int_equal(calls, 1);

    xc_termgen *tg = NULL;
    xc_doc *doc = NULL;
    assert_int_equal(xc_termgen_new(&tg, NULL), XC_OK);
    assert_int_equal(xc_termgen_set_stemmer(tg, stem), XC_OK);
    assert_int_equal(xc_termgen_set_stemming_strategy(tg, XC_STEM_ALL), XC_OK);
    xc_stem_free(stem);                 /* the term generator keeps a copy */
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_termgen_set_document(tg, doc), XC_OK);
    assert_int_equal(xc_termgen_index_text(tg, "Ruzns", 5, 1, "", 0), XC_OK);
    assert_int_equal(xc_doc_terms_each(doc, count_run, &found), XC_OK);
    assert_int_equal(found, 1);
    xc_doc_free(doc);
    xc_termgen_free(tg);

    /* "none" with a fold: the folded word itself */
    assert_int_equal(xc_stem_new("none", &stem, NULL), XC_OK);
    assert_int_equal(xc_stem_set_fold(stem, test_fold_fn, &calls), XC_OK);
    assert_int_equal(xc_stem_word(stem, "zax", 3, &out), XC_OK);
    assert_string_equal(out, "ay");
    free(out);
    assert_int_equal(xc_stem_set_fold(stem, NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_stem_set_fold(NULL, test_fold_fn, NULL),
                     XC_INVALID_ARG);
    xc_stem_free(stem);
}

static void test_stopper(void **state)
{
    (void)state;
    xc_stopper *s = NULL;
    assert_int_equal(xc_stopper_new(&s), XC_OK);
    assert_false(xc_stopper_is_stop(s, "the"));
    assert_int_equal(xc_stopper_add(s, "the"), XC_OK);
    assert_int_equal(xc_stopper_add(s, "a"), XC_OK);
    assert_true(xc_stopper_is_stop(s, "the"));
    assert_true(xc_stopper_is_stop(s, "a"));
    assert_false(xc_stopper_is_stop(s, "apple"));
    assert_int_equal(xc_stopper_add(s, NULL), XC_INVALID_ARG);
    assert_false(xc_stopper_is_stop(s, NULL));
    assert_false(xc_stopper_is_stop(NULL, "the"));
    assert_int_equal(xc_stopper_add(NULL, "x"), XC_INVALID_ARG);
    assert_int_equal(xc_stopper_new(NULL), XC_INVALID_ARG);
    xc_stopper_free(s);
}

/* -------------------------------------------------------- term generator */

static void test_termgen(void **state)
{
    (void)state;
    xc_termgen *tg = NULL;
    xc_doc *doc = NULL;
    xc_stem *stem = NULL;
    xc_stopper *stop = NULL;
    seen s;
    const char *text = "The runners were running";

    assert_int_equal(xc_termgen_new(&tg, NULL), XC_OK);
    assert_string_equal(xc_termgen_errmsg(tg), "");
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    assert_int_equal(xc_stopper_new(&stop), XC_OK);
    assert_int_equal(xc_stopper_add(stop, "the"), XC_OK);
    assert_int_equal(xc_stopper_add(stop, "were"), XC_OK);

    /* the termgen keeps its own copies: free ours at once */
    assert_int_equal(xc_termgen_set_stemmer(tg, stem), XC_OK);
    assert_int_equal(xc_termgen_set_stopper(tg, stop, XC_TG_STOP_ALL), XC_OK);
    xc_stem_free(stem);
    xc_stopper_free(stop);
    assert_int_equal(xc_termgen_set_stemming_strategy(tg, XC_STEM_SOME),
                     XC_OK);
    assert_int_equal(xc_termgen_set_document(tg, doc), XC_OK);
    assert_int_equal(xc_termgen_index_text(tg, text, strlen(text), 1, "", 1),
                     XC_OK);
    uint32_t pos = xc_termgen_get_termpos(tg);
    assert_int_equal(pos, 2);   /* STOP_ALL: stop words take no position */
    assert_int_equal(xc_termgen_increase_termpos(tg, 100), XC_OK);
    assert_int_equal(xc_termgen_get_termpos(tg), 102);
    assert_int_equal(xc_termgen_index_text(tg, "Apple", 5, 1, "S", 0), XC_OK);
    assert_int_equal(xc_termgen_set_termpos(tg, 7), XC_OK);
    assert_int_equal(xc_termgen_get_termpos(tg), 7);

    memset(&s, 0, sizeof s);
    assert_int_equal(xc_doc_terms_each(doc, record_term, &s), XC_OK);
    assert_true(seen_has(&s, "runners"));
    assert_true(seen_has(&s, "running"));
    assert_true(seen_has(&s, "Zrun"));
    assert_true(seen_has(&s, "Zrunner"));
    assert_true(seen_has(&s, "Sapple"));
    assert_true(seen_has(&s, "ZSappl"));
    assert_false(seen_has(&s, "the"));    /* STOP_ALL */
    assert_false(seen_has(&s, "were"));

    /* a new document resets the position */
    xc_doc *doc2 = NULL;
    assert_int_equal(xc_doc_new(&doc2), XC_OK);
    assert_int_equal(xc_termgen_set_document(tg, doc2), XC_OK);
    assert_int_equal(xc_termgen_get_termpos(tg), 0);
    /* no stemmer, no stopper */
    assert_int_equal(xc_termgen_set_stemmer(tg, NULL), XC_OK);
    assert_int_equal(xc_termgen_set_stopper(tg, NULL, XC_TG_STOP_NONE),
                     XC_OK);
    assert_int_equal(xc_termgen_index_text(tg, text, strlen(text), 1, NULL,
                                           1), XC_OK);
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_doc_terms_each(doc2, record_term, &s), XC_OK);
    assert_int_equal(s.n, 4);
    assert_true(seen_has(&s, "the"));
    assert_false(seen_has(&s, "Zrun"));

    /* errors */
    assert_int_equal(xc_termgen_set_stemming_strategy(tg,
                                                      (xc_stem_strategy)9),
                     XC_INVALID_ARG);
    assert_true(strlen(xc_termgen_errmsg(tg)) > 0);
    assert_int_equal(xc_termgen_set_stopper(tg, NULL, 7), XC_INVALID_ARG);
    assert_int_equal(xc_termgen_set_document(tg, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_termgen_index_text(tg, NULL, 3, 1, "", 1),
                     XC_INVALID_ARG);
    assert_int_equal(xc_termgen_new(NULL, NULL), XC_INVALID_ARG);
    xc_termgen_free(tg);
    xc_doc_free(doc);
    xc_doc_free(doc2);
}

/* ---------------------------------------------------------------- query */

static void test_query_build(void **state)
{
    (void)state;
    xc_query *a = NULL, *b = NULL, *q = (xc_query *)0x1, *all = NULL;
    char *desc = NULL;
    seen s;

    assert_int_equal(xc_query_new_term("apple", 1, 0, &a), XC_OK);
    assert_int_equal(xc_query_new_term("banana", 2, 3, &b), XC_OK);
    assert_false(xc_query_is_empty(a));
    xc_query *pair[2] = { a, b };

    static const struct { xc_query_op op; const char *word; } ops[] = {
        { XC_OP_AND, "AND" }, { XC_OP_OR, "OR" },
        { XC_OP_AND_NOT, "AND_NOT" }, { XC_OP_XOR, "XOR" },
        { XC_OP_AND_MAYBE, "AND_MAYBE" }, { XC_OP_FILTER, "FILTER" },
        { XC_OP_NEAR, "NEAR" }, { XC_OP_PHRASE, "PHRASE" },
        { XC_OP_ELITE_SET, "ELITE_SET" }, { XC_OP_SYNONYM, "SYNONYM" },
        { XC_OP_MAX, "MAX" },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        assert_int_equal(xc_query_new_combine(ops[i].op, pair, 2, 0, &q),
                         XC_OK);
        assert_int_equal(xc_query_describe(q, &desc), XC_OK);
        assert_non_null(strstr(desc, ops[i].word));
        assert_non_null(strstr(desc, "apple"));
        free(desc);
        xc_query_free(q);
    }

    assert_int_equal(xc_query_new_combine(XC_OP_OR, NULL, 0, 0, &q), XC_OK);
    assert_true(xc_query_is_empty(q));
    xc_query_free(q);

    q = (xc_query *)0x1;
    assert_int_equal(xc_query_new_combine((xc_query_op)77, pair, 2, 0, &q),
                     XC_INVALID_ARG);
    xc_query *with_null[2] = { a, NULL };
    assert_int_equal(xc_query_new_combine(XC_OP_AND, with_null, 2, 0, &q),
                     XC_INVALID_ARG);
    assert_int_equal(xc_query_new_combine(XC_OP_AND, NULL, 2, 0, &q),
                     XC_INVALID_ARG);
    assert_ptr_equal(q, (xc_query *)0x1);

    assert_int_equal(xc_query_new_scaled(a, 2.5, &q), XC_OK);
    assert_int_equal(xc_query_describe(q, &desc), XC_OK);
    assert_non_null(strstr(desc, "2.5 * apple"));
    free(desc);
    xc_query_free(q);
    q = (xc_query *)0x1;
    assert_int_equal(xc_query_new_scaled(a, -1.0, &q), XC_INVALID_ARG);
    assert_int_equal(xc_query_new_scaled(a, NAN, &q), XC_INVALID_ARG);
    assert_int_equal(xc_query_new_scaled(NULL, 1.0, &q), XC_INVALID_ARG);
    assert_ptr_equal(q, (xc_query *)0x1);

    assert_int_equal(xc_query_new_match_all(&all), XC_OK);
    assert_false(xc_query_is_empty(all));
    xc_query_free(all);

    assert_int_equal(xc_query_new_wildcard("app", 0, &q), XC_OK);
    assert_int_equal(xc_query_describe(q, &desc), XC_OK);
    assert_non_null(strstr(desc, "WILDCARD"));
    free(desc);
    xc_query_free(q);

    /* unique terms in term order */
    xc_query *three[3] = { b, a, b };
    assert_int_equal(xc_query_new_combine(XC_OP_OR, three, 3, 0, &q), XC_OK);
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_query_terms_each(q, record_term, &s), XC_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.text[0], "apple");
    assert_string_equal(s.text[1], "banana");
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(xc_query_terms_each(q, record_term, &s), XC_OK);
    assert_int_equal(s.n, 1);
    xc_query_free(q);

    assert_int_equal(xc_query_new_term(NULL, 1, 0, &q), XC_INVALID_ARG);
    assert_int_equal(xc_query_new_term("x", 1, 0, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_query_new_wildcard(NULL, 0, &q), XC_INVALID_ARG);
    assert_int_equal(xc_query_new_match_all(NULL), XC_INVALID_ARG);
    assert_int_equal(xc_query_describe(NULL, &desc), XC_INVALID_ARG);
    assert_int_equal(xc_query_describe(a, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_query_terms_each(a, NULL, NULL), XC_INVALID_ARG);
    assert_true(xc_query_is_empty(NULL));
    xc_query_free(a);
    xc_query_free(b);
}

/* ---------------------------------------------------------- query parser */

static xc_qparser *new_parser(void)
{
    xc_qparser *qp = NULL;
    assert_int_equal(xc_qparser_new(&qp, NULL), XC_OK);
    return qp;
}

/* Parses and returns the description (malloc'd). */
static char *parse_describe(xc_qparser *qp, const char *s, unsigned flags)
{
    xc_query *q = NULL;
    char *desc = NULL;
    assert_int_equal(xc_qparser_parse(qp, s, flags, &q), XC_OK);
    assert_int_equal(xc_query_describe(q, &desc), XC_OK);
    xc_query_free(q);
    return desc;
}

static void test_qparser_syntax_error(void **state)
{
    (void)state;
    xc_qparser *qp = new_parser();
    xc_query *q = (xc_query *)0x1;

    assert_string_equal(xc_qparser_errmsg(qp), "");
    assert_int_equal(xc_qparser_parse(qp, "foo AND", XC_QP_DEFAULT, &q),
                     XC_QUERY_SYNTAX);
    assert_ptr_equal(q, (xc_query *)0x1);
    assert_non_null(strstr(xc_qparser_errmsg(qp), "QueryParserError"));
    assert_int_equal(xc_qparser_parse(qp, "NOT foo", XC_QP_BOOLEAN, &q),
                     XC_QUERY_SYNTAX);
    assert_int_equal(xc_qparser_parse(qp, "foo OR AND bar", XC_QP_BOOLEAN,
                                      &q), XC_QUERY_SYNTAX);
    assert_ptr_equal(q, (xc_query *)0x1);

    /* the same text without boolean operators is fine */
    char *desc = parse_describe(qp, "foo AND", 0);
    assert_non_null(strstr(desc, "foo"));
    free(desc);

    assert_int_equal(xc_qparser_parse(qp, "foo", 1u << 20, &q),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_parse(qp, NULL, 0, &q), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_parse(qp, "foo", 0, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_parse(NULL, "foo", 0, &q), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_new(NULL, NULL), XC_INVALID_ARG);
    xc_qparser_free(qp);
}

static void test_qparser_prefixes_and_ops(void **state)
{
    (void)state;
    xc_qparser *qp = new_parser();
    char *desc;

    assert_int_equal(xc_qparser_add_prefix(qp, "title", "S"), XC_OK);
    assert_int_equal(xc_qparser_add_prefix(qp, "title", "XT"), XC_OK);
    assert_int_equal(xc_qparser_add_boolean_prefix(qp, "id", "Q"), XC_OK);
    desc = parse_describe(qp, "title:apple id:42 pie", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "Sapple"));
    assert_non_null(strstr(desc, "XTapple"));
    assert_non_null(strstr(desc, "FILTER Q42"));
    assert_non_null(strstr(desc, "pie"));
    free(desc);

    assert_int_equal(xc_qparser_set_default_op(qp, XC_OP_AND), XC_OK);
    desc = parse_describe(qp, "apple pie", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "apple@1 AND pie@2"));
    free(desc);
    assert_int_equal(xc_qparser_set_default_op(qp, XC_OP_XOR),
                     XC_INVALID_ARG);
    assert_non_null(strstr(xc_qparser_errmsg(qp), "default operator"));
    assert_int_equal(xc_qparser_set_default_op(qp, XC_OP_SYNONYM),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_set_default_op(qp, (xc_query_op)55),
                     XC_INVALID_ARG);

    /* default prefixes for unqualified words */
    xc_qparser *qp2 = new_parser();
    assert_int_equal(xc_qparser_add_prefix(qp2, "", "XA"), XC_OK);
    assert_int_equal(xc_qparser_add_prefix(qp2, "", "XB"), XC_OK);
    desc = parse_describe(qp2, "apple", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "XAapple"));
    assert_non_null(strstr(desc, "XBapple"));
    free(desc);
    xc_qparser_free(qp2);

    assert_int_equal(xc_qparser_add_prefix(qp, NULL, "S"), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_add_prefix(qp, "f", NULL), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_add_boolean_prefix(qp, NULL, "Q"),
                     XC_INVALID_ARG);
    /* a field cannot be both free-text and boolean */
    assert_int_equal(xc_qparser_add_boolean_prefix(qp, "title", "Q"),
                     XC_INVALID_ARG);
    xc_qparser_free(qp);
}

/* A document for xc_query_evaluate: the terms it has, and the phrases
 * (space-separated terms, with the window asked for) its text has. */
typedef struct eval_doc {
    const char *const *terms;
    const char *const *phrases;   /* "ordered window t1 t2 ..." */
    int unknown_windows;          /* answer -1 to every window   */
    int windows_asked;
} eval_doc;

static int eval_term(void *ctx, const char *term, size_t len)
{
    const eval_doc *d = ctx;
    for (size_t i = 0; d->terms[i]; i++)
        if (strlen(d->terms[i]) == len && memcmp(d->terms[i], term, len) == 0)
            return 1;
    return 0;
}

static int eval_window(void *ctx, int ordered, const char *const *terms,
                       size_t n, uint32_t window)
{
    eval_doc *d = ctx;
    d->windows_asked++;
    if (d->unknown_windows)
        return -1;
    char want[256];
    int at = snprintf(want, sizeof want, "%d %u", ordered, window);
    for (size_t i = 0; i < n; i++)
        at += snprintf(want + at, sizeof want - (size_t)at, " %s", terms[i]);
    for (size_t i = 0; d->phrases[i]; i++)
        if (strcmp(d->phrases[i], want) == 0)
            return 1;
    return 0;
}

/* Parses s and evaluates it for d. */
static int evaluate(xc_qparser *qp, const char *s, eval_doc *d)
{
    xc_query *q = NULL;
    int verdict = 42;
    assert_int_equal(xc_qparser_parse(qp, s, XC_QP_DEFAULT | XC_QP_BOOLEAN |
                                      XC_QP_PHRASE | XC_QP_PURE_NOT, &q),
                     XC_OK);
    assert_int_equal(xc_query_evaluate(q, eval_term, eval_window, d,
                                       &verdict), XC_OK);
    xc_query_free(q);
    return verdict;
}

/* Variants for test_query_with_variants: k 0 doubles a term's last
 * letter ("oil" -> "oill"), k 1 gives "gas" alone a variant ("gaz"). */
static int variant_of(void *ctx, unsigned k, const char *term, size_t len,
                      char **out)
{
    (void)ctx;
    *out = NULL;
    if (k == 0) {
        *out = malloc(len + 2);
        memcpy(*out, term, len);
        (*out)[len] = term[len - 1];
        (*out)[len + 1] = '\0';
    } else if (len == 3 && memcmp(term, "gas", 3) == 0) {
        *out = strdup("gaz");
    }
    return 0;
}

static void test_query_with_variants(void **state)
{
    (void)state;
    xc_qparser *qp = new_parser();
    xc_query *q = NULL, *v = NULL;
    char *desc = NULL;
    assert_int_equal(xc_qparser_parse(qp, "gas OR \"oil price\"",
                                      XC_QP_DEFAULT | XC_QP_PHRASE, &q),
                     XC_OK);
    assert_int_equal(xc_query_with_variants(q, variant_of, NULL, 2, &v),
                     XC_OK);
    assert_int_equal(xc_query_describe(v, &desc), XC_OK);
    /* a term: the synonym of itself and its distinct variants */
    assert_non_null(strstr(desc, "(gas@1 SYNONYM gass SYNONYM gaz)"));
    /* a phrase: itself, or the phrase of the variants k that change it */
    assert_non_null(strstr(desc, "((oil@2 PHRASE 2 price@3) OR "
                                 "(oill PHRASE 2 pricee))"));
    free(desc);
    xc_query_free(v);
    /* no variants: the query as it was */
    assert_int_equal(xc_query_with_variants(q, variant_of, NULL, 0, &v),
                     XC_OK);
    char *d1 = NULL, *d2 = NULL;
    assert_int_equal(xc_query_describe(q, &d1), XC_OK);
    assert_int_equal(xc_query_describe(v, &d2), XC_OK);
    assert_string_equal(d1, d2);
    free(d1);
    free(d2);
    xc_query_free(v);
    assert_int_equal(xc_query_with_variants(NULL, variant_of, NULL, 1, &v),
                     XC_INVALID_ARG);
    assert_int_equal(xc_query_with_variants(q, NULL, NULL, 1, &v),
                     XC_INVALID_ARG);
    xc_query_free(q);
    xc_qparser_free(qp);
}

static void test_query_unwindow_evaluate(void **state)
{
    (void)state;
    xc_qparser *qp = new_parser();
    xc_query *q = NULL, *flat = NULL;
    char *desc = NULL;
    int had = -1;

    /* phrases and NEAR become ANDs, wherever they are */
    assert_int_equal(xc_qparser_parse(qp, "\"oil price\" OR (gas NEAR/3 tax) "
                                      "NOT \"a b c\"", XC_QP_DEFAULT |
                                      XC_QP_BOOLEAN | XC_QP_PHRASE, &q),
                     XC_OK);
    assert_int_equal(xc_query_unwindow(q, &flat, &had), XC_OK);
    assert_int_equal(had, 1);
    assert_int_equal(xc_query_describe(flat, &desc), XC_OK);
    assert_null(strstr(desc, "PHRASE"));
    assert_null(strstr(desc, "NEAR"));
    assert_non_null(strstr(desc, "oil@1 AND price@2"));
    assert_non_null(strstr(desc, "gas@3 AND tax@4"));
    assert_non_null(strstr(desc, "AND_NOT (a@5 AND b@6 AND c@7)"));
    free(desc);
    xc_query_free(flat);
    xc_query_free(q);
    /* a query without them comes back as it was */
    assert_int_equal(xc_qparser_parse(qp, "oil OR gas", XC_QP_DEFAULT, &q),
                     XC_OK);
    assert_int_equal(xc_query_unwindow(q, &flat, &had), XC_OK);
    assert_int_equal(had, 0);
    char *d1 = NULL, *d2 = NULL;
    assert_int_equal(xc_query_describe(q, &d1), XC_OK);
    assert_int_equal(xc_query_describe(flat, &d2), XC_OK);
    assert_string_equal(d1, d2);
    free(d1);
    free(d2);
    xc_query_free(flat);
    xc_query_free(q);

    /* evaluation: terms from the callback, windows with their size */
    const char *terms[] = {"oil", "price", "gas", NULL};
    const char *phrases[] = {"1 2 oil price", "0 4 gas price", NULL};
    eval_doc d = {terms, phrases, 0, 0};
    assert_int_equal(evaluate(qp, "\"oil price\"", &d), 1);
    assert_int_equal(evaluate(qp, "\"price oil\"", &d), 0);
    assert_int_equal(evaluate(qp, "gas NEAR/3 price", &d), 1);
    assert_int_equal(evaluate(qp, "gas NEAR/2 price", &d), 0);
    /* a missing term decides without asking for the window */
    d.windows_asked = 0;
    assert_int_equal(evaluate(qp, "\"oil tax\"", &d), 0);
    assert_int_equal(d.windows_asked, 0);
    /* boolean structure */
    assert_int_equal(evaluate(qp, "\"price oil\" OR gas", &d), 1);
    assert_int_equal(evaluate(qp, "\"price oil\" OR tax", &d), 0);
    assert_int_equal(evaluate(qp, "oil AND \"price oil\"", &d), 0);
    assert_int_equal(evaluate(qp, "oil NOT \"oil price\"", &d), 0);
    assert_int_equal(evaluate(qp, "oil NOT \"price oil\"", &d), 1);
    assert_int_equal(evaluate(qp, "oil XOR \"oil price\"", &d), 0);
    assert_int_equal(evaluate(qp, "tax XOR \"oil price\"", &d), 1);
    /* AND_MAYBE: its first subquery decides */
    xc_query *t[2] = {NULL, NULL}, *maybe = NULL;
    int v = 42;
    assert_int_equal(xc_query_new_term("tax", 1, 0, &t[0]), XC_OK);
    assert_int_equal(xc_query_new_term("oil", 1, 0, &t[1]), XC_OK);
    assert_int_equal(xc_query_new_combine(XC_OP_AND_MAYBE, t, 2, 0, &maybe),
                     XC_OK);
    assert_int_equal(xc_query_evaluate(maybe, eval_term, eval_window, &d, &v),
                     XC_OK);
    assert_int_equal(v, 0);
    xc_query_free(maybe);
    xc_query *swapped[2] = {t[1], t[0]};
    assert_int_equal(xc_query_new_combine(XC_OP_AND_MAYBE, swapped, 2, 0,
                                          &maybe), XC_OK);
    assert_int_equal(xc_query_evaluate(maybe, eval_term, eval_window, &d, &v),
                     XC_OK);
    assert_int_equal(v, 1);
    xc_query_free(maybe);
    xc_query_free(t[0]);
    xc_query_free(t[1]);
    /* what the callbacks cannot tell stays unknown, and only a certain no
     * is a no */
    d.unknown_windows = 1;
    assert_int_equal(evaluate(qp, "\"oil price\"", &d), -1);
    assert_int_equal(evaluate(qp, "\"oil price\" OR gas", &d), 1);
    assert_int_equal(evaluate(qp, "\"oil price\" OR tax", &d), -1);
    assert_int_equal(evaluate(qp, "tax AND \"oil price\"", &d), 0);
    assert_int_equal(evaluate(qp, "oil NOT \"oil price\"", &d), -1);

    assert_int_equal(xc_query_unwindow(NULL, &flat, &had), XC_INVALID_ARG);
    assert_int_equal(xc_query_evaluate(NULL, eval_term, eval_window, &d, &v),
                     XC_INVALID_ARG);
    xc_qparser_free(qp);
}

static void test_qparser_date_ranges(void **state)
{
    (void)state;
    xc_qparser *qp = new_parser();
    char *desc;

    assert_int_equal(xc_qparser_add_date_range(qp, 1, "date:", 0, 1970),
                     XC_OK);
    desc = parse_describe(qp, "date:20200101..20201231", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "VALUE_RANGE 1 20200101 20201231"));
    free(desc);
    desc = parse_describe(qp, "date:01/02/2020..03/04/2020", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "VALUE_RANGE 1 20200201 20200403"));
    free(desc);
    xc_qparser_free(qp);

    /* month first, bare ranges, and a two-digit-year epoch */
    qp = new_parser();
    assert_int_equal(xc_qparser_add_date_range(qp, 2, NULL, 1, 1950), XC_OK);
    desc = parse_describe(qp, "01/02/60..03/04/61", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "VALUE_RANGE 2 19600102 19610304"));
    free(desc);
    assert_int_equal(xc_qparser_add_date_range(qp, 0xffffffffu, "d:", 0,
                                               1970), XC_INVALID_ARG);
    xc_qparser_free(qp);
}

static void test_qparser_stemming_stopping(void **state)
{
    (void)state;
    xc_qparser *qp = new_parser();
    xc_stem *stem = NULL;
    xc_stopper *stop = NULL;
    char *desc;
    seen s;

    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    assert_int_equal(xc_stopper_new(&stop), XC_OK);
    assert_int_equal(xc_stopper_add(stop, "the"), XC_OK);
    assert_int_equal(xc_qparser_set_stemmer(qp, stem), XC_OK);
    assert_int_equal(xc_qparser_set_stopper(qp, stop), XC_OK);
    xc_stem_free(stem);
    xc_stopper_free(stop);

    assert_int_equal(xc_qparser_set_stemming_strategy(qp, XC_STEM_SOME),
                     XC_OK);
    desc = parse_describe(qp, "the running", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "Zrun"));
    assert_null(strstr(desc, "the"));
    free(desc);
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_qparser_stoplist_each(qp, record_term, &s), XC_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "the");

    assert_int_equal(xc_qparser_set_stemming_strategy(qp, XC_STEM_NONE),
                     XC_OK);
    desc = parse_describe(qp, "running", XC_QP_DEFAULT);
    assert_null(strstr(desc, "Zrun"));
    free(desc);
    assert_int_equal(xc_qparser_set_stemming_strategy(qp, XC_STEM_ALL),
                     XC_OK);
    desc = parse_describe(qp, "running", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "run@1"));
    free(desc);

    assert_int_equal(xc_qparser_set_stemmer(qp, NULL), XC_OK);
    assert_int_equal(xc_qparser_set_stopper(qp, NULL), XC_OK);
    desc = parse_describe(qp, "the running", XC_QP_DEFAULT);
    assert_non_null(strstr(desc, "the@1"));
    free(desc);

    assert_int_equal(xc_qparser_set_stemming_strategy(qp,
                                                      (xc_stem_strategy)-1),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_stoplist_each(qp, NULL, NULL),
                     XC_INVALID_ARG);
    xc_qparser_free(qp);
}

static void test_qparser_database_wildcards(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_qparser *qp = new_parser();
    xc_query *q = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    char *corrected = NULL;

    make_corpus(fx->db);
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_OK);
    assert_int_equal(xc_qparser_set_database(qp, db), XC_OK);
    assert_int_equal(xc_enquire_new(db, &enq, NULL), XC_OK);

    /* "app*" expands to apple, apples: fine with no limit */
    assert_int_equal(xc_qparser_parse(qp, "app*", XC_QP_DEFAULT |
                                      XC_QP_WILDCARD, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 4);
    xc_mset_free(ms);
    xc_query_free(q);

    /* ...but too many for a limit of 1: the error comes at match time */
    assert_int_equal(xc_qparser_set_max_wildcard_expansion(qp, 1), XC_OK);
    assert_int_equal(xc_qparser_parse(qp, "app*", XC_QP_DEFAULT |
                                      XC_QP_WILDCARD, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    ms = (xc_mset *)0x1;
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_RANGE);
    assert_ptr_equal(ms, (xc_mset *)0x1);
    assert_non_null(strstr(xc_enquire_errmsg(enq), "WildcardError"));
    xc_query_free(q);

    /* no spelling data: nothing to correct */
    assert_int_equal(xc_qparser_parse(qp, "aple", XC_QP_DEFAULT |
                                      XC_QP_SPELLING_CORRECTION, &q), XC_OK);
    xc_query_free(q);
    assert_int_equal(xc_qparser_corrected(qp, &corrected), XC_OK);
    assert_string_equal(corrected, "");
    free(corrected);
    assert_int_equal(xc_qparser_corrected(qp, NULL), XC_INVALID_ARG);

    assert_int_equal(xc_qparser_set_database(qp, NULL), XC_OK);
    xc_enquire_free(enq);
    xc_qparser_free(qp);
    xc_db_close(db);
}

/* --------------------------------------------------------------- enquire */

/* Opens the corpus read-only with an enquire for query (parsed, OR). */
static void open_search(const fixture *fx, const char *query, xc_db **db,
                        xc_enquire **enq)
{
    xc_qparser *qp = new_parser();
    xc_query *q = NULL;
    make_corpus(fx->db);
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, db, NULL),
                     XC_OK);
    assert_int_equal(xc_enquire_new(*db, enq, NULL), XC_OK);
    assert_int_equal(xc_qparser_parse(qp, query, XC_QP_DEFAULT, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(*enq, q, 0), XC_OK);
    xc_query_free(q);
    xc_qparser_free(qp);
}

static void test_enquire_mset(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    xc_match m;
    xc_doc *doc = NULL;
    char *out = NULL;
    size_t len = 0;
    uint32_t tf = 0;
    double tw = 0;
    seen s;

    open_search(fx, "apple recipe", &db, &enq);
    assert_string_equal(xc_enquire_errmsg(enq), "");
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 10, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 5);
    assert_int_equal(xc_mset_matches_estimated(ms), 5);
    assert_true(xc_mset_max_possible(ms) > 0);
    assert_string_equal(xc_mset_errmsg(ms), "");

    double last = INFINITY;
    for (uint32_t i = 0; i < xc_mset_size(ms); i++) {
        assert_int_equal(xc_mset_get(ms, i, &m), XC_OK);
        assert_int_equal(m.rank, i);
        assert_in_range(m.docid, 1, 5);
        assert_true(m.weight <= last);
        assert_int_equal(m.collapse_count, 0);
        last = m.weight;
    }
    /* docs 1 and 5 have both words */
    assert_int_equal(xc_mset_get(ms, 0, &m), XC_OK);
    assert_true(m.docid == 1 || m.docid == 5);
    uint32_t top = m.docid;

    assert_int_equal(xc_mset_get_data(ms, 0, &out, &len), XC_OK);
    assert_int_equal(len, strlen(out));
    assert_non_null(strstr(out, "recipe"));
    free(out);
    assert_int_equal(xc_mset_get_value(ms, 0, 0, &out, &len), XC_OK);
    assert_int_equal(len, 1);
    assert_true(strcmp(out, "A") == 0 || strcmp(out, "B") == 0);
    free(out);
    out = (char *)0x1;
    assert_int_equal(xc_mset_get_value(ms, 0, 7, &out, &len), XC_OK);
    assert_null(out);
    assert_int_equal(xc_mset_get_document(ms, 0, &doc), XC_OK);
    assert_int_equal(xc_doc_docid(doc), top);
    xc_doc_free(doc);

    assert_int_equal(xc_mset_termfreq(ms, "apple", &tf), XC_OK);
    assert_int_equal(tf, 4);
    assert_int_equal(xc_mset_termweight(ms, "recipe", &tw), XC_OK);
    assert_true(tw > 0);

    /* out of range and NULL arguments */
    xc_match sentinel = { 7, 7, 7.0, 7 };
    m = sentinel;
    assert_int_equal(xc_mset_get(ms, 5, &m), XC_INVALID_ARG);
    assert_int_equal(m.docid, 7);
    assert_non_null(strstr(xc_mset_errmsg(ms), "out of range"));
    assert_int_equal(xc_mset_get(ms, 0, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_data(ms, 5, &out, &len), XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_data(ms, 0, NULL, &len), XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_value(ms, 5, 0, &out, &len),
                     XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_value(ms, 0, 0xffffffffu, &out, &len),
                     XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_document(ms, 5, &doc), XC_INVALID_ARG);
    assert_int_equal(xc_mset_termfreq(ms, NULL, &tf), XC_INVALID_ARG);
    assert_int_equal(xc_mset_termweight(ms, "x", NULL), XC_INVALID_ARG);

    /* matching terms, in query order */
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_enquire_matching_terms_each(enq, top, record_term,
                                                    &s), XC_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.text[0], "apple");
    assert_string_equal(s.text[1], "recipe");
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_enquire_matching_terms_each(enq, 4, record_term, &s),
                     XC_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "recipe");
    assert_int_equal(xc_enquire_matching_terms_each(enq, 99, record_term,
                                                    &s), XC_NOT_FOUND);
    assert_int_equal(xc_enquire_matching_terms_each(enq, 1, NULL, NULL),
                     XC_INVALID_ARG);
    xc_mset_free(ms);

    /* paging */
    assert_int_equal(xc_enquire_get_mset(enq, 3, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 2);
    assert_int_equal(xc_mset_get(ms, 0, &m), XC_OK);
    assert_int_equal(m.rank, 3);
    xc_mset_free(ms);

    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_query(enq, NULL, 0), XC_INVALID_ARG);
    assert_int_equal(xc_enquire_new(NULL, &enq, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_enquire_new(db, NULL, NULL), XC_INVALID_ARG);
    xc_enquire_free(enq);
    xc_db_close(db);
}

static void test_enquire_bm25_and_sorting(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    xc_match m0, m1;
    char *err = NULL;

    open_search(fx, "apple", &db, &enq);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_get(ms, 0, &m0), XC_OK);
    xc_mset_free(ms);

    /* b = 0 drops length normalisation: weights change */
    assert_int_equal(xc_enquire_set_bm25(enq, 1.2, 0, 1, 0, 0.5), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_get(ms, 0, &m1), XC_OK);
    assert_true(fabs(m0.weight - m1.weight) > 1e-9);
    xc_mset_free(ms);

    assert_int_equal(xc_enquire_set_bm25(enq, 1.2, 0, 1, 1.5, 0.5),
                     XC_INVALID_ARG);
    assert_non_null(strstr(xc_enquire_errmsg(enq), "BM25"));
    assert_int_equal(xc_enquire_set_bm25(enq, -1, 0, 1, 0.5, 0.5),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_bm25(enq, NAN, 0, 1, 0.5, 0.5),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_bm25(enq, 1, 0, 1, 0.5, -0.5),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_bm25(enq, 1, 0, INFINITY, 0.5, 0.5),
                     XC_INVALID_ARG);

    /* by date (slot 1), ascending then descending */
    static const uint32_t asc[] = { 5, 3, 1, 2 };   /* apple docs by date */
    assert_int_equal(xc_enquire_set_sort_by_value(enq, 1, 0), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 4);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(xc_mset_get(ms, i, &m0), XC_OK);
        assert_int_equal(m0.docid, asc[i]);
    }
    xc_mset_free(ms);
    assert_int_equal(xc_enquire_set_sort_by_value(enq, 1, 1), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(xc_mset_get(ms, i, &m0), XC_OK);
        assert_int_equal(m0.docid, asc[3 - i]);
    }
    xc_mset_free(ms);
    assert_int_equal(xc_enquire_set_sort_by_relevance(enq), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_get(ms, 0, &m0), XC_OK);
    assert_int_equal(xc_mset_get(ms, 1, &m1), XC_OK);
    assert_true(m0.weight >= m1.weight);
    xc_mset_free(ms);
    assert_int_equal(xc_enquire_set_sort_by_value(enq, 0xffffffffu, 0),
                     XC_INVALID_ARG);

    xc_enquire_free(enq);
    assert_int_equal(xc_enquire_new(db, &enq, &err), XC_OK);
    assert_null(err);
    xc_enquire_free(enq);
    xc_db_close(db);
}

/* Equal weights ordered by a value, then docid; and xc_enquire_weights:
 * the weight a query gives chosen documents, 0 where it does not match. */
static void test_enquire_relevance_then_value_and_weights(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    xc_match m;

    open_search(fx, "recipe", &db, &enq);
    assert_int_equal(xc_enquire_set_sort_by_relevance_then_value(enq, 1, 1),
                     XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 3);
    double prev = INFINITY;
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(xc_mset_get(ms, i, &m), XC_OK);
        assert_true(m.weight <= prev);
        prev = m.weight;
        /* the sort key is the value of the slot sorted on */
        char *key = NULL, *val = NULL;
        size_t klen = 0, vlen = 0;
        assert_int_equal(xc_mset_get_sort_key(ms, i, &key, &klen), XC_OK);
        assert_int_equal(xc_mset_get_value(ms, i, 1, &val, &vlen), XC_OK);
        assert_int_equal(klen, vlen);
        assert_memory_equal(key ? key : "", val ? val : "", klen);
        free(key);
        free(val);
    }
    char *none = NULL;
    size_t nlen = 0;
    assert_int_equal(xc_mset_get_sort_key(ms, 3, &none, &nlen),
                     XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_sort_key(NULL, 0, &none, &nlen),
                     XC_INVALID_ARG);
    xc_mset_free(ms);
    assert_int_equal(xc_enquire_set_sort_by_relevance_then_value(
                         enq, 0xffffffffu, 0), XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_sort_by_relevance_then_value(NULL, 1, 0),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_sort_by_relevance(enq), XC_OK);

    /* the weights of chosen documents for "apple": as the mset gives them */
    xc_query *q = NULL;
    assert_int_equal(xc_query_new_term("apple", 1, 0, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    double want[6] = {0};
    for (uint32_t i = 0; i < xc_mset_size(ms); i++) {
        assert_int_equal(xc_mset_get(ms, i, &m), XC_OK);
        assert_true(m.docid < 6);
        want[m.docid] = m.weight;
    }
    xc_mset_free(ms);
    uint32_t ids[] = {4, 1, 2, 99, 1};   /* 4 has no apple; 99 is no doc */
    double got[5] = {-1, -1, -1, -1, -1};
    assert_int_equal(xc_enquire_weights(enq, q, NULL, ids, 5, got), XC_OK);
    assert_true(got[0] == 0 && got[3] == 0);
    assert_true(got[1] > 0 && fabs(got[1] - want[1]) < 1e-12);
    assert_true(got[2] > 0 && fabs(got[2] - want[2]) < 1e-12);
    assert_true(got[4] == got[1]);
    /* the same through a filter of unique terms (the remote-safe way) */
    xc_query *u[3] = {NULL, NULL, NULL}, *only = NULL;
    assert_int_equal(xc_query_new_term("Q4", 1, 0, &u[0]), XC_OK);
    assert_int_equal(xc_query_new_term("Q1", 1, 0, &u[1]), XC_OK);
    assert_int_equal(xc_query_new_term("Q2", 1, 0, &u[2]), XC_OK);
    assert_int_equal(xc_query_new_combine(XC_OP_OR, u, 3, 0, &only), XC_OK);
    double got2[5] = {-1, -1, -1, -1, -1};
    assert_int_equal(xc_enquire_weights(enq, q, only, ids, 5, got2), XC_OK);
    for (int i = 0; i < 5; i++)
        assert_true(fabs(got2[i] - got[i]) < 1e-12);
    for (int i = 0; i < 3; i++)
        xc_query_free(u[i]);
    xc_query_free(only);
    assert_int_equal(xc_enquire_weights(enq, q, NULL, ids, 0, NULL), XC_OK);
    assert_int_equal(xc_enquire_weights(enq, NULL, NULL, ids, 5, got),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_weights(enq, q, NULL, NULL, 5, got),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_weights(NULL, q, NULL, ids, 5, got),
                     XC_INVALID_ARG);
    xc_query_free(q);
    xc_enquire_free(enq);
    xc_db_close(db);
}

static void test_enquire_collapse(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    xc_match m;
    char *key = NULL;
    size_t len = 0;
    int saw_a = 0, saw_b = 0;

    /* every document matches; three have key A, two key B */
    open_search(fx, "apple OR banana OR orange", &db, &enq);
    assert_int_equal(xc_enquire_set_collapse_key(enq, 0, 1), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 100, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 2);
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(xc_mset_get(ms, i, &m), XC_OK);
        assert_int_equal(xc_mset_get_value(ms, i, 0, &key, &len), XC_OK);
        /* the collapse key is the value collapsed on */
        char *ckey = NULL;
        size_t clen = 0;
        assert_int_equal(xc_mset_get_collapse_key(ms, i, &ckey, &clen),
                         XC_OK);
        assert_int_equal(clen, len);
        assert_string_equal(ckey, key);
        free(ckey);
        if (strcmp(key, "A") == 0) {
            saw_a = 1;
            assert_int_equal(m.collapse_count, 2);
        } else {
            saw_b = 1;
            assert_string_equal(key, "B");
            assert_int_equal(m.collapse_count, 1);
        }
        free(key);
    }
    assert_true(saw_a && saw_b);
    xc_mset_free(ms);

    /* two per key */
    assert_int_equal(xc_enquire_set_collapse_key(enq, 0, 2), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 100, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 4);
    xc_mset_free(ms);

    assert_int_equal(xc_enquire_set_collapse_key(enq, 0, 0), XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_collapse_key(enq, 0xffffffffu, 1),
                     XC_INVALID_ARG);
    xc_enquire_free(enq);
    xc_db_close(db);
}

static void test_enquire_wildcard_limit(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    xc_query *q = NULL;

    make_corpus(fx->db);
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_OK);
    assert_int_equal(xc_enquire_new(db, &enq, NULL), XC_OK);

    /* "app" expands to apple and apples */
    assert_int_equal(xc_query_new_wildcard("app", 1, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    xc_query_free(q);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_RANGE);
    assert_non_null(strstr(xc_enquire_errmsg(enq), "WildcardError"));

    assert_int_equal(xc_query_new_wildcard("app", 2, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    xc_query_free(q);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 4);
    xc_mset_free(ms);

    assert_int_equal(xc_query_new_wildcard("app", 0, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    xc_query_free(q);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 4);
    xc_mset_free(ms);

    xc_enquire_free(enq);
    xc_db_close(db);
}

static void test_snippet(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    xc_mset *ms = NULL;
    xc_stem *stem = NULL;
    char *out = NULL;
    const char *text = "Grandma's <secret> apple pie recipe: bake the apples "
                       "slowly.";

    open_search(fx, "apple", &db, &enq);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_snippet(ms, text, strlen(text), 200, NULL, 0,
                                     "[", "]", "...", &out), XC_OK);
    assert_non_null(strstr(out, "[apple]"));
    assert_non_null(strstr(out, "&lt;secret&gt;"));
    assert_null(strstr(out, "[apples]"));   /* unstemmed: no match */
    free(out);

    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    assert_int_equal(xc_mset_snippet(ms, text, strlen(text), 200, stem,
                                     XC_SNIPPET_EXHAUSTIVE, "<b>", "</b>",
                                     "...", &out), XC_OK);
    assert_non_null(strstr(out, "<b>apple</b>"));
    free(out);
    xc_stem_free(stem);

    /* cut to length, with the omit marker */
    assert_int_equal(xc_mset_snippet(ms, text, strlen(text), 20, NULL, 0,
                                     NULL, NULL, "~", &out), XC_OK);
    assert_true(strlen(out) < strlen(text));
    assert_non_null(strchr(out, '~'));
    free(out);

    const char *plain = "nothing relevant here";
    assert_int_equal(xc_mset_snippet(ms, plain, strlen(plain), 100, NULL,
                                     XC_SNIPPET_EMPTY_WITHOUT_MATCH, "<b>",
                                     "</b>", "...", &out), XC_OK);
    assert_string_equal(out, "");
    free(out);

    out = (char *)0x1;
    assert_int_equal(xc_mset_snippet(ms, text, strlen(text), 100, NULL, 64,
                                     "<b>", "</b>", "...", &out),
                     XC_INVALID_ARG);
    assert_int_equal(xc_mset_snippet(ms, NULL, 5, 100, NULL, 0, "<b>",
                                     "</b>", "...", &out), XC_INVALID_ARG);
    assert_int_equal(xc_mset_snippet(ms, text, 5, 100, NULL, 0, "<b>",
                                     "</b>", "...", NULL), XC_INVALID_ARG);
    assert_ptr_equal(out, (char *)0x1);
    xc_mset_free(ms);
    xc_enquire_free(enq);
    xc_db_close(db);
}

static void test_expand(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    seen s;

    open_search(fx, "recipe", &db, &enq);
    const uint32_t rel[] = { 1, 4 };
    memset(&s, 0, sizeof s);
    assert_int_equal(xc_enquire_expand(enq, rel, 2, 5, record_term, &s),
                     XC_OK);
    assert_in_range(s.n, 1, 5);
    assert_false(seen_has(&s, "recipe"));       /* query terms left out */
    for (int i = 0; i < s.n; i++)
        assert_true(s.num[i] > 0);
    for (int i = 1; i < s.n; i++)
        assert_true(s.num[i] <= s.num[i - 1]);  /* best first */

    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    assert_int_equal(xc_enquire_expand(enq, rel, 2, 5, record_term, &s),
                     XC_OK);
    assert_int_equal(s.n, 1);

    memset(&s, 0, sizeof s);
    assert_int_equal(xc_enquire_expand(enq, NULL, 0, 5, record_term, &s),
                     XC_OK);
    assert_int_equal(s.n, 0);

    const uint32_t bad[] = { 0 };
    assert_int_equal(xc_enquire_expand(enq, bad, 1, 5, record_term, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_expand(enq, NULL, 2, 5, record_term, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_expand(enq, rel, 2, 5, NULL, &s),
                     XC_INVALID_ARG);
    xc_enquire_free(enq);
    xc_db_close(db);
}

/* ------------------------------------------------- multi, compact, check */

static void test_multi_database(void **state)
{
    fixture *fx = *state;
    char second[PATH_MAX], missing[PATH_MAX];
    xc_db *db = NULL, *w = NULL;
    xc_db_stats st;
    xc_enquire *enq = NULL;
    xc_query *q = NULL;
    xc_mset *ms = NULL;
    uint32_t tf = 0;

    make_corpus(fx->db);
    path_in(fx, "db2", second, sizeof second);
    assert_int_equal(xc_db_open(second, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    add_doc(w, "x", "apple strudel", NULL, NULL);
    assert_int_equal(xc_db_commit(w), XC_OK);
    xc_db_close(w);

    const char *paths[2] = { fx->db, second };
    assert_int_equal(xc_db_open_multi(paths, 2, &db, NULL), XC_OK);
    assert_false(xc_db_is_writable(db));
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.doccount, 6);
    assert_int_equal(st.revision, 0);
    assert_int_equal(xc_db_termfreq(db, "apple", &tf), XC_OK);
    assert_int_equal(tf, 5);

    assert_int_equal(xc_enquire_new(db, &enq, NULL), XC_OK);
    assert_int_equal(xc_query_new_term("strudel", 1, 0, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 1);
    assert_int_equal(xc_mset_termfreq(ms, "apple", &tf), XC_OK);
    xc_mset_free(ms);
    xc_query_free(q);
    xc_enquire_free(enq);
    xc_db_close(db);

    path_in(fx, "nowhere", missing, sizeof missing);
    const char *bad[2] = { fx->db, missing };
    char *err = NULL;
    db = (xc_db *)0x1;
    assert_int_equal(xc_db_open_multi(bad, 2, &db, &err), XC_NOT_FOUND);
    assert_ptr_equal(db, (xc_db *)0x1);
    assert_non_null(err);
    free(err);
}

/* The binding keeps the last item's document between reads (one network
 * round trip per item over remote shards): reads that go back and forth
 * between items still get each item's own data and values. */
static void test_mset_reads_alternate(void **state)
{
    fixture *fx = *state;
    xc_db *db = NULL;
    xc_enquire *enq = NULL;
    xc_query *q = NULL;
    xc_mset *ms = NULL;
    char *out = NULL;
    size_t len = 0;

    make_corpus(fx->db);
    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_OK);
    assert_int_equal(xc_enquire_new(db, &enq, NULL), XC_OK);
    assert_int_equal(xc_query_new_term("recipe", 1, 0, &q), XC_OK);
    assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
    assert_int_equal(xc_enquire_get_mset(enq, 0, 10, 0, &ms), XC_OK);
    assert_int_equal(xc_mset_size(ms), 3);
    char *data[3], *date[3];
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(xc_mset_get_data(ms, i, &data[i], &len), XC_OK);
        assert_int_equal(xc_mset_get_value(ms, i, 1, &date[i], &len), XC_OK);
    }
    /* each item's own, in any order */
    static const uint32_t order[] = {2, 0, 2, 1, 0, 1, 1};
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        uint32_t i = order[k];
        assert_int_equal(xc_mset_get_value(ms, i, 1, &out, &len), XC_OK);
        assert_string_equal(out, date[i]);
        free(out);
        assert_int_equal(xc_mset_get_data(ms, i, &out, &len), XC_OK);
        assert_string_equal(out, data[i]);
        free(out);
    }
    assert_string_not_equal(data[0], data[1]);
    assert_string_not_equal(date[1], date[2]);
    for (uint32_t i = 0; i < 3; i++) {
        free(data[i]);
        free(date[i]);
    }
    /* a failed read (out of range) leaves the kept document alone */
    assert_int_equal(xc_mset_get_data(ms, 3, &out, &len), XC_INVALID_ARG);
    xc_mset_free(ms);
    xc_query_free(q);
    xc_enquire_free(enq);
    xc_db_close(db);
}

/* xc_db_new_empty + xc_db_add_database: shards added one by one search
 * as one database, and the added handle is consumed. */
static void test_add_database(void **state)
{
    fixture *fx = *state;
    char second[PATH_MAX];
    xc_db *all = NULL, *a = NULL, *b = NULL, *w = NULL;
    xc_db_stats st;
    uint32_t tf = 0;

    assert_int_equal(xc_db_new_empty(&all, NULL), XC_OK);
    assert_false(xc_db_is_writable(all));
    assert_int_equal(xc_db_get_stats(all, &st), XC_OK);
    assert_int_equal(st.doccount, 0);

    make_corpus(fx->db);
    path_in(fx, "db2", second, sizeof second);
    assert_int_equal(xc_db_open(second, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    add_doc(w, "x", "apple strudel", NULL, NULL);

    /* writable handles are refused, and stay the caller's */
    assert_int_equal(xc_db_add_database(all, w), XC_INVALID_ARG);
    assert_non_null(strstr(xc_db_errmsg(all), "writable"));
    assert_int_equal(xc_db_commit(w), XC_OK);
    xc_db_close(w);

    assert_int_equal(xc_db_open(fx->db, XC_DB_READONLY, 0, 0, &a, NULL),
                     XC_OK);
    assert_int_equal(xc_db_open(second, XC_DB_READONLY, 0, 0, &b, NULL),
                     XC_OK);
    assert_int_equal(xc_db_add_database(all, a), XC_OK);   /* a consumed */
    assert_int_equal(xc_db_add_database(all, b), XC_OK);   /* b consumed */
    assert_int_equal(xc_db_get_stats(all, &st), XC_OK);
    assert_int_equal(st.doccount, 6);
    assert_int_equal(xc_db_termfreq(all, "apple", &tf), XC_OK);
    assert_int_equal(tf, 5);

    /* the same statistics as xc_db_open_multi, so the same weights */
    xc_db *multi = NULL;
    const char *paths[2] = { fx->db, second };
    assert_int_equal(xc_db_open_multi(paths, 2, &multi, NULL), XC_OK);
    double weights[2][6];
    uint32_t sizes[2];
    xc_db *dbs[2] = { all, multi };
    for (int k = 0; k < 2; k++) {
        xc_enquire *enq = NULL;
        xc_query *q = NULL;
        xc_mset *ms = NULL;
        assert_int_equal(xc_enquire_new(dbs[k], &enq, NULL), XC_OK);
        assert_int_equal(xc_query_new_term("apple", 1, 0, &q), XC_OK);
        assert_int_equal(xc_enquire_set_query(enq, q, 0), XC_OK);
        assert_int_equal(xc_enquire_get_mset(enq, 0, 6, 0, &ms), XC_OK);
        sizes[k] = xc_mset_size(ms);
        for (uint32_t i = 0; i < sizes[k] && i < 6; i++) {
            xc_match m;
            assert_int_equal(xc_mset_get(ms, i, &m), XC_OK);
            weights[k][i] = m.weight;
        }
        xc_mset_free(ms);
        xc_query_free(q);
        xc_enquire_free(enq);
    }
    assert_int_equal(sizes[0], 5);
    assert_int_equal(sizes[1], 5);
    for (int i = 0; i < 5; i++)
        assert_true(weights[0][i] == weights[1][i]);
    xc_db_close(multi);

    /* bad arguments */
    assert_int_equal(xc_db_add_database(NULL, all), XC_INVALID_ARG);
    assert_int_equal(xc_db_add_database(all, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_add_database(all, all), XC_INVALID_ARG);
    assert_int_equal(xc_db_new_empty(NULL, NULL), XC_INVALID_ARG);
    xc_db_close(all);
}

static void test_compact(void **state)
{
    fixture *fx = *state;
    char second[PATH_MAX], out1[PATH_MAX], out2[PATH_MAX], missing[PATH_MAX];
    xc_db *db = NULL, *w = NULL;
    xc_db_stats st;
    char *err = NULL;
    size_t nerr = 1;

    make_corpus(fx->db);
    path_in(fx, "db2", second, sizeof second);
    assert_int_equal(xc_db_open(second, XC_DB_CREATE_OR_OPEN, 0, 0, &w,
                                NULL), XC_OK);
    add_doc(w, "x", "apple strudel", NULL, NULL);
    add_doc(w, "y", "plum cake", NULL, NULL);
    assert_int_equal(xc_db_commit(w), XC_OK);
    xc_db_close(w);

    /* one source */
    path_in(fx, "compact1", out1, sizeof out1);
    const char *one[1] = { fx->db };
    assert_int_equal(xc_compact(one, 1, out1, 0, &err), XC_OK);
    assert_null(err);
    assert_int_equal(xc_db_open(out1, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_OK);
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.doccount, 5);
    xc_db_close(db);
    assert_int_equal(xc_db_check(out1, &nerr, NULL, NULL), XC_OK);
    assert_int_equal(nerr, 0);

    /* two sources, multipass: the docids are renumbered one after another */
    path_in(fx, "compact2", out2, sizeof out2);
    const char *two[2] = { fx->db, second };
    assert_int_equal(xc_compact(two, 2, out2, 1, NULL), XC_OK);
    assert_int_equal(xc_db_open(out2, XC_DB_READONLY, 0, 0, &db, NULL),
                     XC_OK);
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.doccount, 7);
    assert_int_equal(st.lastdocid, 7);
    xc_db_close(db);

    /* errors */
    path_in(fx, "nowhere", missing, sizeof missing);
    const char *bad[1] = { missing };
    assert_int_equal(xc_compact(bad, 1, out2, 0, &err), XC_NOT_FOUND);
    assert_non_null(err);
    free(err);
    assert_int_equal(xc_compact(one, 0, out2, 0, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_compact(NULL, 1, out2, 0, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_compact(one, 1, NULL, 0, NULL), XC_INVALID_ARG);
    const char *none[1] = { NULL };
    assert_int_equal(xc_compact(none, 1, out2, 0, NULL), XC_INVALID_ARG);
}

/* Sums the numbers two sources hold under a duplicated key; "keep" keeps
 * the first, "refuse" fails the compaction. */
static int merge_sum(void *ctx, const char *key, size_t n,
                     const char *const *values, const size_t *lens,
                     char **out, size_t *out_len)
{
    int *calls = ctx;
    (*calls)++;
    if (strcmp(key, "refuse") == 0)
        return 1;
    if (strcmp(key, "keep") == 0)
        return 0;
    long sum = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(values[i]), lens[i]);
        sum += atol(values[i]);
    }
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld", sum);
    *out = strdup(buf);
    *out_len = (size_t)len;
    return 0;
}

static void put_meta(const char *path, const char *const *kv, size_t n)
{
    xc_db *w = NULL;
    assert_int_equal(xc_db_open(path, XC_DB_CREATE_OR_OPEN, 0, 0, &w, NULL),
                     XC_OK);
    for (size_t i = 0; i + 1 < n; i += 2)
        assert_int_equal(xc_db_set_metadata(w, kv[i], kv[i + 1],
                                            strlen(kv[i + 1])), XC_OK);
    assert_int_equal(xc_db_commit(w), XC_OK);
    xc_db_close(w);
}

static char *meta_of(const char *path, const char *key)
{
    xc_db *db = NULL;
    char *v = NULL;
    size_t len = 0;
    assert_int_equal(xc_db_open(path, XC_DB_READONLY, 0, 0, &db, NULL), XC_OK);
    assert_int_equal(xc_db_get_metadata(db, key, &v, &len), XC_OK);
    xc_db_close(db);
    return v;
}

/* Metadata held by several sources goes through the caller's merge. */
static void test_compact_merge(void **state)
{
    fixture *fx = *state;
    char a[PATH_MAX], b[PATH_MAX], out[PATH_MAX], out2[PATH_MAX];
    path_in(fx, "merge-a", a, sizeof a);
    path_in(fx, "merge-b", b, sizeof b);
    const char *kv_a[] = {"count", "3", "keep", "first", "only-a", "x"};
    const char *kv_b[] = {"count", "4", "keep", "second", "only-b", "y"};
    put_meta(a, kv_a, 6);
    put_meta(b, kv_b, 6);

    int calls = 0;
    const char *two[2] = {a, b};
    path_in(fx, "merged", out, sizeof out);
    assert_int_equal(xc_compact_merge(two, 2, out, 0, merge_sum, &calls, NULL),
                     XC_OK);
    assert_int_equal(calls, 2);            /* count and keep, not only-* */
    char *v = meta_of(out, "count");
    assert_string_equal(v, "7");
    free(v);
    v = meta_of(out, "keep");
    assert_string_equal(v, "first");
    free(v);
    v = meta_of(out, "only-b");
    assert_string_equal(v, "y");
    free(v);

    /* without a merge function the first source's value stays */
    path_in(fx, "unmerged", out2, sizeof out2);
    assert_int_equal(xc_compact_merge(two, 2, out2, 0, NULL, NULL, NULL), XC_OK);
    v = meta_of(out2, "count");
    assert_string_equal(v, "3");
    free(v);

    /* a refusal fails the compaction with the key named */
    const char *kv_r[] = {"refuse", "1"};
    put_meta(a, kv_r, 2);
    put_meta(b, kv_r, 2);
    char *err = NULL;
    path_in(fx, "refused", out2, sizeof out2);
    assert_int_equal(xc_compact_merge(two, 2, out2, 0, merge_sum, &calls, &err),
                     XC_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "refuse"));
    free(err);
}

static void test_check(void **state)
{
    fixture *fx = *state;
    char missing[PATH_MAX];
    size_t nerr = 99;
    char *report = NULL, *err = NULL;

    make_corpus(fx->db);
    assert_int_equal(xc_db_check(fx->db, &nerr, &report, &err), XC_OK);
    assert_int_equal(nerr, 0);
    assert_null(err);
    assert_non_null(report);
    assert_non_null(strstr(report, "postlist"));
    assert_non_null(strstr(report, "termlist"));
    assert_non_null(strstr(report, "position"));
    free(report);
    nerr = 99;
    assert_int_equal(xc_db_check(fx->db, &nerr, NULL, NULL), XC_OK);
    assert_int_equal(nerr, 0);

    path_in(fx, "nowhere", missing, sizeof missing);
    nerr = 99;
    report = (char *)0x1;
    assert_int_equal(xc_db_check(missing, &nerr, &report, &err),
                     XC_NOT_FOUND);
    assert_int_equal(nerr, 99);
    assert_ptr_equal(report, (char *)0x1);
    assert_non_null(err);
    free(err);
    assert_int_equal(xc_db_check(NULL, &nerr, NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_check(fx->db, NULL, NULL, NULL), XC_INVALID_ARG);
}

/* --------------------------------------------------------------- remote */

static void test_remote_refused(void **state)
{
    (void)state;
    xc_db *db = (xc_db *)0x1;
    char *err = NULL;
    unsigned port = closed_port();

    double t0 = now_seconds();
    assert_int_equal(xc_db_open_remote("127.0.0.1", port, 2000, 500, &db,
                                       &err), XC_NETWORK);
    assert_true(now_seconds() - t0 < 1.5);
    assert_ptr_equal(db, (xc_db *)0x1);
    assert_non_null(err);
    assert_non_null(strstr(err, "NetworkError"));
    free(err);
}

static void test_remote_timeout(void **state)
{
    (void)state;
    xc_db *db = (xc_db *)0x1;
    char *err = NULL;
    unsigned port;

    /* a server that accepts connections (the kernel does, into the backlog)
     * but never says hello */
    int s = loopback_socket(1, &port);

    double t0 = now_seconds();
    xc_status st = xc_db_open_remote("127.0.0.1", port, 300,
                                     300, &db, &err);
    double took = now_seconds() - t0;
    close(s);
    assert_int_equal(st, XC_TIMEOUT);
    assert_true(took >= 0.25);
    assert_true(took < 2.0);
    assert_ptr_equal(db, (xc_db *)0x1);
    assert_non_null(strstr(err, "NetworkTimeoutError"));
    free(err);
}

/* The reads of many at once (xc_db_termfreqs, xc_db_read_documents,
 * xc_db_doclengths, xc_mset_fetch: over several connections to a remote
 * shard) give what the reads one by one give. Returns 1 when they all
 * agree (the server is running: no assert may leave it behind). */
static int remote_reads_agree(xc_db *db)
{
    const char *terms[4] = { "apple", "banana", "nosuchterm", "recipe" };
    uint32_t tf[4] = { 0 }, one = 0;
    if (xc_db_termfreqs(db, terms, 4, tf) != XC_OK)
        return 0;
    for (int i = 0; i < 4; i++)
        if (xc_db_termfreq(db, terms[i], &one) != XC_OK || one != tf[i])
            return 0;
    if (tf[0] != 4 || tf[2] != 0)
        return 0;
    uint32_t ids[5] = { 5, 1, 4, 2, 3 }, lens[5] = { 0 }, len = 0;
    xc_doc *docs[5] = { NULL };
    int ok = xc_db_read_documents(db, ids, 5, XC_READ_TERMS, docs) == XC_OK &&
             xc_db_doclengths(db, ids, 5, lens) == XC_OK;
    for (int i = 0; ok && i < 5; i++) {
        xc_doc *alone = NULL;
        char *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        seen ta = { 0 }, tb = { 0 };
        ok = xc_db_get_document(db, ids[i], &alone) == XC_OK &&
             xc_doc_get_data(docs[i], &a, &la) == XC_OK &&
             xc_doc_get_data(alone, &b, &lb) == XC_OK && la == lb &&
             la > 0 && memcmp(a, b, la) == 0 &&
             xc_doc_terms_each(docs[i], record_term, &ta) == XC_OK &&
             xc_doc_terms_each(alone, record_term, &tb) == XC_OK &&
             ta.n == tb.n && ta.n > 0 &&
             memcmp(ta.text, tb.text, sizeof ta.text) == 0 &&
             memcmp(ta.num, tb.num, sizeof ta.num) == 0 &&
             xc_db_doclength(db, ids[i], &len) == XC_OK && len == lens[i];
        free(a);
        free(b);
        xc_doc_free(alone);
    }
    for (int i = 0; i < 5; i++)
        xc_doc_free(docs[i]);
    /* the term lists alone: the same terms */
    xc_doc *only[5] = { NULL };
    ok = ok && xc_db_read_documents(db, ids, 5, XC_READ_TERMS_ONLY, only) ==
                   XC_OK;
    for (int i = 0; ok && i < 5; i++) {
        xc_doc *alone = NULL;
        seen ta = { 0 }, tb = { 0 };
        ok = xc_db_get_document(db, ids[i], &alone) == XC_OK &&
             xc_doc_terms_each(only[i], record_term, &ta) == XC_OK &&
             xc_doc_terms_each(alone, record_term, &tb) == XC_OK &&
             ta.n == tb.n && ta.n > 0 &&
             memcmp(ta.text, tb.text, sizeof ta.text) == 0 &&
             memcmp(ta.num, tb.num, sizeof ta.num) == 0;
        xc_doc_free(alone);
    }
    for (int i = 0; i < 5; i++)
        xc_doc_free(only[i]);
    /* an mset read ahead, lengths and term lists too */
    xc_enquire *enq = NULL;
    xc_query *q = NULL;
    xc_mset *ms = NULL;
    ok = ok && xc_enquire_new(db, &enq, NULL) == XC_OK &&
         xc_query_new_term("apple", 1, 0, &q) == XC_OK &&
         xc_enquire_set_query(enq, q, 0) == XC_OK &&
         xc_enquire_get_mset(enq, 0, 10, 0, &ms) == XC_OK &&
         xc_mset_size(ms) == 4 &&
         xc_mset_fetch(ms, db, 1, 10, XC_READ_TERMS | XC_READ_LENGTH) == XC_OK;
    for (uint32_t i = 0; ok && i < 4; i++) {
        xc_match m;
        char *a = NULL;
        size_t la = 0;
        xc_doc *alone = NULL;
        char *b = NULL;
        size_t lb = 0;
        seen ta = { 0 }, tb = { 0 };
        ok = xc_mset_get(ms, i, &m) == XC_OK &&
             xc_mset_get_data(ms, i, &a, &la) == XC_OK &&
             xc_db_get_document(db, m.docid, &alone) == XC_OK &&
             xc_doc_get_data(alone, &b, &lb) == XC_OK && la == lb &&
             memcmp(a, b, la) == 0 &&
             xc_mset_doclength(ms, db, i, &len) == XC_OK &&
             xc_db_doclength(db, m.docid, &one) == XC_OK && len == one &&
             xc_mset_terms_each(ms, i, record_term, &ta) == XC_OK &&
             xc_doc_terms_each(alone, record_term, &tb) == XC_OK &&
             ta.n == tb.n && memcmp(ta.text, tb.text, sizeof ta.text) == 0;
        free(a);
        free(b);
        xc_doc_free(alone);
    }
    xc_mset_free(ms);
    xc_query_free(q);
    xc_enquire_free(enq);
    return ok;
}

/* A real remote database through xapian-tcpsrv, when it is installed. */
static void test_remote_tcpsrv(void **state)
{
    fixture *fx = *state;
    const char *srv = "/usr/bin/xapian-tcpsrv";
    xc_db *db = NULL;
    xc_db_stats st;
    xc_doc *doc = NULL;
    char port_s[16], stub[PATH_MAX], line[64];
    unsigned port;
    pid_t pid;

    if (access(srv, X_OK) != 0)
        skip();
    make_corpus(fx->db);
    port = closed_port();
    snprintf(port_s, sizeof port_s, "%u", port);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* its own process group: on SIGTERM xapian-tcpsrv signals its
         * whole group, which must not include this test */
        setpgid(0, 0);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execl(srv, srv, "--interface", "127.0.0.1", "--port", port_s,
              fx->db, (char *)NULL);
        _exit(127);
    }

    /* wait for the server to listen */
    xc_status rc = XC_NETWORK;
    for (int i = 0; i < 100 && rc != XC_OK; i++) {
        rc = xc_db_open_remote("127.0.0.1", port, 5000, 1000, &db, NULL);
        if (rc != XC_OK) {
            struct timespec ts = { 0, 50 * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
    xc_status rc_stats = XC_ERROR, rc_write = XC_ERROR, rc_stub = XC_ERROR;
    uint32_t doccount = 0, stub_doccount = 0;
    uint64_t revision = 99;
    int batched = 0;
    if (rc == XC_OK) {
        batched = remote_reads_agree(db);
        rc_stats = xc_db_get_stats(db, &st);
        doccount = st.doccount;
        revision = st.revision;
        xc_doc_new(&doc);
        rc_write = xc_db_add_document(db, doc, NULL);
        xc_doc_free(doc);
        xc_db_close(db);

        /* the same through a stub file's `remote` line */
        path_in(fx, "remote.stub", stub, sizeof stub);
        int n = snprintf(line, sizeof line, "remote 127.0.0.1:%u\n", port);
        write_file(stub, line, (size_t)n);
        db = NULL;
        rc_stub = xc_db_open(stub, XC_DB_READONLY, 0, 0, &db, NULL);
        if (rc_stub == XC_OK) {
            xc_db_get_stats(db, &st);
            stub_doccount = st.doccount;
            xc_db_close(db);
        }
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);

    assert_int_equal(rc, XC_OK);
    assert_int_equal(batched, 1);
    assert_int_equal(rc_stats, XC_OK);
    assert_int_equal(doccount, 5);
    assert_int_equal(revision, 0);
    assert_int_equal(rc_write, XC_INVALID_ARG);
    assert_int_equal(rc_stub, XC_OK);
    assert_int_equal(stub_doccount, 5);
}

/* A remote database through a program speaking the protocol on its
 * standard input and output (xapian-progsrv), when it is installed. */
static void test_remote_program(void **state)
{
    fixture *fx = *state;
    const char *srv = "/usr/bin/xapian-progsrv";
    xc_db *db = (xc_db *)0x1;
    xc_db_stats st;
    char *err = NULL;

    /* a program that does not exist, or that exits at once */
    assert_int_equal(xc_db_open_remote_program("/nonexistent/progsrv", "x",
                                               1000, &db, &err), XC_NETWORK);
    assert_ptr_equal(db, (xc_db *)0x1);
    assert_non_null(err);
    free(err);
    err = NULL;
    assert_int_equal(xc_db_open_remote_program("/bin/true", "", 1000, &db,
                                               &err), XC_NETWORK);
    assert_ptr_equal(db, (xc_db *)0x1);
    free(err);

    /* one that never says hello: the timeout, not a hang (xapian-core
     * leaves the program running: it ends on its own two seconds later) */
    double t0 = now_seconds();
    xc_status rc = xc_db_open_remote_program("/bin/sleep", "2", 300, &db,
                                             &err);
    double took = now_seconds() - t0;
    assert_int_equal(rc, XC_TIMEOUT);
    assert_true(took < 5.0);
    free(err);
    err = NULL;

    assert_int_equal(xc_db_open_remote_program(NULL, "", 1000, &db, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_open_remote_program("", "", 1000, &db, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_open_remote_program("x", NULL, 1000, &db, NULL),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_open_remote_program("x", "", 1000, NULL, NULL),
                     XC_INVALID_ARG);

    if (access(srv, X_OK) != 0)
        skip();
    make_corpus(fx->db);
    assert_int_equal(xc_db_open_remote_program(srv, fx->db, 5000, &db, &err),
                     XC_OK);
    assert_null(err);
    assert_int_equal(xc_db_get_stats(db, &st), XC_OK);
    assert_int_equal(st.doccount, 5);
    xc_db_close(db);
}

/* ----------------------------------------------------------- NULL safety */

static void test_null_handles(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    uint32_t u = 0;
    uint64_t u64 = 0;
    int i = 0;
    double d = 0;
    xc_db_stats st;
    xc_match m;
    xc_doc *doc = NULL;
    xc_mset *ms = NULL;
    seen s;

    /* destructors */
    xc_db_close(NULL);
    xc_doc_free(NULL);
    xc_stem_free(NULL);
    xc_stopper_free(NULL);
    xc_termgen_free(NULL);
    xc_query_free(NULL);
    xc_qparser_free(NULL);
    xc_enquire_free(NULL);
    xc_mset_free(NULL);

    /* accessors */
    assert_string_equal(xc_db_errmsg(NULL), "");
    assert_string_equal(xc_doc_errmsg(NULL), "");
    assert_string_equal(xc_termgen_errmsg(NULL), "");
    assert_string_equal(xc_qparser_errmsg(NULL), "");
    assert_string_equal(xc_enquire_errmsg(NULL), "");
    assert_string_equal(xc_mset_errmsg(NULL), "");
    assert_false(xc_db_is_writable(NULL));
    assert_int_equal(xc_doc_docid(NULL), 0);
    assert_int_equal(xc_doc_termcount(NULL), 0);
    assert_int_equal(xc_termgen_get_termpos(NULL), 0);
    assert_int_equal(xc_mset_size(NULL), 0);
    assert_int_equal(xc_mset_matches_estimated(NULL), 0);
    assert_float_equal(xc_mset_max_possible(NULL), 0.0, 0.0);
    assert_float_equal(xc_sortable_unserialise(NULL, 3), 0.0, 0.0);

    /* database */
    assert_int_equal(xc_db_reopen(NULL, &i), XC_INVALID_ARG);
    assert_int_equal(xc_db_commit(NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_begin_transaction(NULL, 0), XC_INVALID_ARG);
    assert_int_equal(xc_db_commit_transaction(NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_cancel_transaction(NULL), XC_INVALID_ARG);
    assert_int_equal(xc_db_add_document(NULL, doc, &u), XC_INVALID_ARG);
    assert_int_equal(xc_db_replace_document_by_term(NULL, "Q", doc, &u),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_delete_document(NULL, 1), XC_INVALID_ARG);
    assert_int_equal(xc_db_delete_documents_by_term(NULL, "Q"),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_get_document(NULL, 1, &doc), XC_INVALID_ARG);
    assert_int_equal(xc_db_get_metadata(NULL, "k", &out, &len),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_set_metadata(NULL, "k", "v", 1), XC_INVALID_ARG);
    assert_int_equal(xc_db_metadata_each(NULL, "", record_meta, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_allterms_each(NULL, "", record_term, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_postlist_each(NULL, "t", record_docid, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_positions_each(NULL, 1, "t", record_pos, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_db_get_stats(NULL, &st), XC_INVALID_ARG);
    assert_int_equal(xc_db_termfreq(NULL, "t", &u), XC_INVALID_ARG);
    assert_int_equal(xc_db_collection_freq(NULL, "t", &u64), XC_INVALID_ARG);
    assert_int_equal(xc_db_term_exists(NULL, "t", &i), XC_INVALID_ARG);
    assert_int_equal(xc_db_doclength(NULL, 1, &u), XC_INVALID_ARG);
    assert_int_equal(xc_db_uuid(NULL, &out), XC_INVALID_ARG);

    /* document */
    assert_int_equal(xc_doc_set_data(NULL, "x", 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_get_data(NULL, &out, &len), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_term(NULL, "t", 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_boolean_term(NULL, "t"), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_posting(NULL, "t", 1, 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_remove_term(NULL, "t"), XC_INVALID_ARG);
    assert_int_equal(xc_doc_add_value(NULL, 0, "v", 1), XC_INVALID_ARG);
    assert_int_equal(xc_doc_get_value(NULL, 0, &out, &len), XC_INVALID_ARG);
    assert_int_equal(xc_doc_terms_each(NULL, record_term, &s),
                     XC_INVALID_ARG);

    /* termgen */
    assert_int_equal(xc_termgen_set_stemmer(NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_termgen_set_stopper(NULL, NULL, 0), XC_INVALID_ARG);
    assert_int_equal(xc_termgen_set_stemming_strategy(NULL, XC_STEM_NONE),
                     XC_INVALID_ARG);
    assert_int_equal(xc_termgen_set_document(NULL, doc), XC_INVALID_ARG);
    assert_int_equal(xc_termgen_index_text(NULL, "x", 1, 1, "", 1),
                     XC_INVALID_ARG);
    assert_int_equal(xc_termgen_increase_termpos(NULL, 1), XC_INVALID_ARG);
    assert_int_equal(xc_termgen_set_termpos(NULL, 1), XC_INVALID_ARG);

    /* query parser */
    assert_int_equal(xc_qparser_set_database(NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_set_stemmer(NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_set_stemming_strategy(NULL, XC_STEM_NONE),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_set_stopper(NULL, NULL), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_set_default_op(NULL, XC_OP_AND),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_add_prefix(NULL, "f", "F"), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_add_boolean_prefix(NULL, "f", "F"),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_add_date_range(NULL, 1, "d:", 0, 1970),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_set_max_wildcard_expansion(NULL, 1),
                     XC_INVALID_ARG);
    assert_int_equal(xc_qparser_corrected(NULL, &out), XC_INVALID_ARG);
    assert_int_equal(xc_qparser_stoplist_each(NULL, record_term, &s),
                     XC_INVALID_ARG);

    /* enquire and mset */
    assert_int_equal(xc_enquire_set_query(NULL, NULL, 0), XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_bm25(NULL, 1, 0, 1, 0.5, 0.5),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_collapse_key(NULL, 0, 1),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_sort_by_value(NULL, 0, 0),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_set_sort_by_relevance(NULL), XC_INVALID_ARG);
    assert_int_equal(xc_enquire_get_mset(NULL, 0, 10, 0, &ms),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_expand(NULL, NULL, 0, 5, record_term, &s),
                     XC_INVALID_ARG);
    assert_int_equal(xc_enquire_matching_terms_each(NULL, 1, record_term,
                                                    &s), XC_INVALID_ARG);
    assert_int_equal(xc_mset_get(NULL, 0, &m), XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_data(NULL, 0, &out, &len), XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_value(NULL, 0, 0, &out, &len),
                     XC_INVALID_ARG);
    assert_int_equal(xc_mset_get_document(NULL, 0, &doc), XC_INVALID_ARG);
    assert_int_equal(xc_mset_termfreq(NULL, "t", &u), XC_INVALID_ARG);
    assert_int_equal(xc_mset_termweight(NULL, "t", &d), XC_INVALID_ARG);
    assert_int_equal(xc_mset_snippet(NULL, "t", 1, 10, NULL, 0, "", "", "",
                                     &out), XC_INVALID_ARG);
    assert_null(doc);
    assert_null(ms);
    assert_null(out);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_status_and_version),
        T(test_open_missing),
        T(test_open_bad_args),
        T(test_create_commit_reopen),
        T(test_close_commits_pending_changes),
        T(test_locked_immediately),
        T(test_locked_wait_times_out),
        T(test_locked_wait_succeeds),
        T(test_corrupt_version_file),
        T(test_corrupt_table),
        T(test_version_mismatch),
        T(test_io_error),
        T(test_not_a_database_file),
        T(test_stub_file),
        T(test_stub_loops),
        T(test_lock_file_unusable),
        T(test_transactions),
        T(test_metadata),
        T(test_document_handle),
        T(test_replace_delete_get),
        T(test_postings_positions_allterms),
        T(test_stats_and_term_stats),
        T(test_sortable_serialise),
        T(test_stemmer),
        T(test_stemmer_cached),
        T(test_stem_fold),
        T(test_termgen_cjk_ngram),
        T(test_stopper),
        T(test_termgen),
        T(test_query_build),
        T(test_qparser_syntax_error),
        T(test_qparser_prefixes_and_ops),
        T(test_query_unwindow_evaluate),
        T(test_query_with_variants),
        T(test_qparser_date_ranges),
        T(test_qparser_stemming_stopping),
        T(test_qparser_database_wildcards),
        T(test_enquire_mset),
        T(test_enquire_bm25_and_sorting),
        T(test_enquire_relevance_then_value_and_weights),
        T(test_enquire_collapse),
        T(test_enquire_wildcard_limit),
        T(test_snippet),
        T(test_expand),
        T(test_multi_database),
        T(test_add_database),
        T(test_mset_reads_alternate),
        T(test_compact),
        T(test_compact_merge),
        T(test_check),
        T(test_remote_refused),
        T(test_remote_timeout),
        T(test_remote_tcpsrv),
        T(test_remote_program),
        T(test_null_handles),
    };
#undef T
    return cmocka_run_group_tests_name("xapian_c", tests, NULL, NULL);
}

/*
 * check.c — qr_index_check (check.h): xapian-core's checker over every
 * table, then Quarry's own invariants between passages and bookkeeping.
 */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index_int.h"
#include "layout.h"
#include "schema.h"
#include "xapian-c.h"

typedef struct checker {
    qr_check_cb cb;
    void *ctx;
    size_t faults, notes;
    qr_buf msg;
    xc_db *db;
    char **terms;          /* expected source terms, sorted after loading  */
    size_t nterms, cap;
    uint64_t passages_in_sources;
    int nomem;
    char **sigs;           /* this database's "path\tstate mtime size hash
                              gen" per source, sorted after loading        */
    size_t nsigs, sigcap;
} checker;

static void report(checker *c, int fault, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(checker *c, int fault, const char *fmt, ...)
{
    qr_buf_clear(&c->msg);
    qr_buf_puts(&c->msg, fault ? "fault: " : "note: ");
    va_list ap;
    va_start(ap, fmt);
    qr_buf_vprintf(&c->msg, fmt, ap);
    va_end(ap);
    if (fault)
        c->faults++;
    else
        c->notes++;
    if (c->cb && c->msg.data)
        c->cb(c->ctx, c->msg.data);
}

static int add_term(checker *c, const char *t)
{
    if (c->nterms == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        char **p = realloc(c->terms, cap * sizeof *p);
        if (!p)
            return -1;
        c->terms = p;
        c->cap = cap;
    }
    if (!(c->terms[c->nterms] = strdup(t)))
        return -1;
    c->nterms++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each bookkeeping record against the passages in the index. */
static int check_record(void *ctx, const char *key, const char *value, size_t len)
{
    checker *c = ctx;
    (void)len;
    src_rec r;
    const char *path;
    if (src_rec_scan(value, &r, &path) != 0) {
        report(c, 1, "unreadable bookkeeping record %s", key);
        return 0;
    }
    qr_buf term = {0};
    if (qr_key_term(&term, QR_TERM_SOURCE, path) != 0 || add_term(c, term.data) != 0) {
        c->nomem = 1;
        qr_buf_free(&term);
        return 1;
    }
    uint32_t tf = 0;
    xc_status xs = xc_db_termfreq(c->db, term.data, &tf);
    qr_buf_free(&term);
    if (xs != XC_OK) {
        report(c, 1, "cannot read the passages of %s: %s", path, xc_db_errmsg(c->db));
        return 0;
    }
    c->passages_in_sources += tf;
    if (r.state == 'P') {
        report(c, 0, "%s was being indexed when a run stopped (%u passages "
               "so far); the next run redoes it", path, tf);
        return 0;
    }
    if (tf != r.passages)
        report(c, 1, "%s: the bookkeeping says %u passages, the index has %u",
               path, r.passages, tf);
    else if (r.passages == 0 && r.articles > 0)
        report(c, 1, "%s: %u articles but no passages", path, r.articles);
    return 0;
}

/* Every source term in the index must belong to a known source. */
static int check_term(void *ctx, const char *term, size_t len, uint32_t tf)
{
    checker *c = ctx;
    (void)len;
    const char *key = term;
    if (c->nterms && bsearch(&key, c->terms, c->nterms, sizeof *c->terms, cmp_str))
        return 0;
    c->passages_in_sources += tf;    /* reported here, not again below */
    report(c, 1, "%u passages belong to a source the bookkeeping does not "
               "know (%s)", tf, term + strlen(QR_TERM_SOURCE));
    return 0;
}

/* Passages' stored lengths (QR_SLOT_LENGTH) against the index's. */
typedef struct length_count {
    xc_db *db;
    uint64_t missing, wrong;
    xc_status st;
} length_count;

static int check_length(void *ctx, uint32_t docid, uint32_t wdf)
{
    length_count *lc = ctx;
    (void)wdf;
    xc_doc *doc = NULL;
    char *v = NULL;
    size_t len = 0;
    uint32_t stored, real = 0;
    lc->st = xc_db_get_document(lc->db, docid, &doc);
    if (lc->st == XC_OK)
        lc->st = xc_doc_get_value(doc, QR_SLOT_LENGTH, &v, &len);
    if (lc->st == XC_OK && !v)
        lc->missing++;
    else if (lc->st == XC_OK &&
             (lc->st = xc_db_doclength(lc->db, docid, &real)) == XC_OK &&
             (qr_length_decode(v, len, &stored) != 0 || stored != real))
        lc->wrong++;
    free(v);
    xc_doc_free(doc);
    return lc->st != XC_OK;
}

/* A wrong length changes the rerank's scores: a fault. None at all is a
 * passage an older quarry-index wrote: it ranks right, at the cost of a
 * length read (a request to a remote shard). */
static void check_lengths(checker *c, const char *path)
{
    length_count lc = {.db = c->db};
    /* the empty term's posting list: every document */
    xc_status xs = xc_db_postlist_each(c->db, "", check_length, &lc);
    if (xs == XC_OK)
        xs = lc.st;
    if (xs == XC_NOMEM)
        c->nomem = 1;
    else if (xs != XC_OK)
        report(c, 1, "cannot read the passages' lengths in %s: %s", path,
               xc_status_str(xs));
    if (lc.wrong)
        report(c, 1, "%" PRIu64 " passages store a length other than the "
               "index's (the rerank would score them by it); --rebuild "
               "rewrites them", lc.wrong);
    if (lc.missing)
        report(c, 0, "%" PRIu64 " passages store no length (written by an "
               "older quarry-index: over remote shards each costs a request "
               "more); --rebuild stores them", lc.missing);
}

/* Leftovers that the next writer removes: worth a note, not a fault. */
static void note_leftovers(checker *c, const char *path, const char *live)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] != 'v' || strspn(n + 1, "0123456789") != 6 ||
            (live && strcmp(n, live) == 0))
            continue;
        if (strcmp(n + 7, ".build") == 0)
            report(c, 0, "%s/%s is a new version an interrupted run left; "
                   "the next run resumes it if it may, else removes it",
                   path, n);
        else
            report(c, 0, "%s/%s is left over from an interrupted or earlier "
                   "run; the next run removes it", path, n);
    }
    closedir(d);
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* xapian-core's checker over one database directory. */
static void check_tables(checker *c, const char *dir)
{
    size_t nerrors = 0;
    char *text = NULL, *msg = NULL;
    xc_status xs = xc_db_check(dir, &nerrors, &text, &msg);
    if (xs != XC_OK) {
        report(c, 1, "xapian-core's check of %s failed: %s", dir,
               msg ? msg : xc_status_str(xs));
    } else if (nerrors) {
        /* the checker's own report, first line of each error */
        report(c, 1, "xapian-core's check found %zu errors in %s", nerrors, dir);
        if (text && c->cb) {
            char *save = NULL;
            char *line = strtok_r(text, "\n", &save);
            for (int i = 0; line && i < 20; line = strtok_r(NULL, "\n", &save))
                if (strstr(line, "rror")) {
                    c->cb(c->ctx, line);
                    i++;
                }
        }
    }
    free(text);
    free(msg);
}

/* Quarry's invariants over one database: a whole index, or one shard
 * (which keeps its own records, with its own passage counts). lengths:
 * check each passage's stored length too (a document read each: not
 * through a stub file, whose shards may be remote, a round trip each). */
static qr_status check_invariants(checker *c, const char *path, int lengths)
{
    char *msg = NULL;
    c->passages_in_sources = 0;
    free_strs(c->terms, c->nterms);
    c->terms = NULL;
    c->nterms = c->cap = 0;
    xc_status xs = xc_db_open(path, XC_DB_READONLY, 0, 0, &c->db, &msg);
    if (xs != XC_OK) {
        report(c, 1, "cannot open %s: %s", path, msg ? msg : xc_status_str(xs));
        free(msg);
        return QR_OK;
    }
    xs = xc_db_metadata_each(c->db, QR_META_SOURCE, check_record, c);
    if (c->nomem)
        goto out;
    if (xs != XC_OK) {
        report(c, 1, "cannot read the bookkeeping of %s: %s", path,
               xc_db_errmsg(c->db));
        goto out;
    }
    if (c->nterms)
        qsort(c->terms, c->nterms, sizeof *c->terms, cmp_str);
    xs = xc_db_allterms_each(c->db, QR_TERM_SOURCE, check_term, c);
    if (xs != XC_OK) {
        report(c, 1, "cannot list the sources' terms in %s: %s", path,
               xc_db_errmsg(c->db));
        goto out;
    }
    if (lengths)
        check_lengths(c, path);
    xc_db_stats stats;
    if (xc_db_get_stats(c->db, &stats) == XC_OK &&
        stats.doccount > c->passages_in_sources)
        report(c, 1, "%" PRIu64 " passages belong to no source",
               (uint64_t)stats.doccount - c->passages_in_sources);
out:
    xc_db_close(c->db);
    c->db = NULL;
    return c->nomem ? QR_ERR_NOMEM : QR_OK;
}

qr_status qr_index_check(const char *db_path, qr_check_cb cb, void *ctx,
                         size_t *faults, size_t *notes, qr_buf *err)
{
    checker c = {.cb = cb, .ctx = ctx};
    qr_status st = QR_OK;
    qr_buf dir = {0};
    char *live = NULL;
    unsigned nshards = 0;
    char **first = NULL;         /* shard 0's signatures */
    size_t nfirst = 0;

    switch (qr_layout_probe(db_path)) {
    case QR_LAYOUT_NONE:
    case QR_LAYOUT_OTHER:
        qr_buf_printf(err, "no index at %s", db_path);
        return QR_ERR_NOINDEX;
    case QR_LAYOUT_STUB_DIR:
        live = qr_layout_live_shards(db_path, &nshards);
        if (!live) {
            report(&c, 1, "%s/%s is neither a one-line 'auto NAME' stub nor "
                   "a list of shards 'auto NAME/s0', 'auto NAME/s1', ...",
                   db_path, QR_LAYOUT_STUB);
            goto out;
        }
        note_leftovers(&c, db_path, live);
        if (nshards == 0) {
            qr_buf_printf(&dir, "%s/%s", db_path, live);
            check_tables(&c, dir.data);
            st = check_invariants(&c, db_path, 1);
        }
        /* every shard: its tables, its own records against its passages,
         * and its records against shard 0's */
        for (unsigned k = 0; st == QR_OK && k < nshards; k++) {
            qr_buf_clear(&dir);
            if (qr_buf_printf(&dir, "%s/%s/s%u", db_path, live, k) != 0) {
                st = QR_ERR_NOMEM;
                break;
            }
            check_tables(&c, dir.data);
            free_strs(c.sigs, c.nsigs);
            c.sigs = NULL;
            c.nsigs = c.sigcap = 0;
            st = check_invariants(&c, dir.data, 1);
            if (st != QR_OK)
                break;
            if (c.nsigs)
                qsort(c.sigs, c.nsigs, sizeof *c.sigs, cmp_str);
            if (k == 0) {
                first = c.sigs;
                nfirst = c.nsigs;
                c.sigs = NULL;
                c.nsigs = c.sigcap = 0;
                continue;
            }
            size_t differ = 0;
            for (size_t i = 0, j = 0; i < nfirst || j < c.nsigs;) {
                int d = i == nfirst ? 1 : j == c.nsigs ? -1
                      : strcmp(first[i], c.sigs[j]);
                differ += d != 0;
                i += d <= 0;
                j += d >= 0;
            }
            if (differ)
                report(&c, 0, "shard s%u and shard s0 disagree on %zu sources "
                       "(a run stopped between the shards' commits); the next "
                       "run redoes them", k, differ);
        }
        break;
    case QR_LAYOUT_GLASS:
        check_tables(&c, db_path);
        st = check_invariants(&c, db_path, 1);
        break;
    case QR_LAYOUT_STUB_FILE:
        st = check_invariants(&c, db_path, 0);  /* shards or remote */
        break;
    }
out:
    if (faults)
        *faults = c.faults;
    if (notes)
        *notes = c.notes;
    free_strs(c.terms, c.nterms);
    free_strs(c.sigs, c.nsigs);
    free_strs(first, nfirst);
    free(live);
    qr_buf_free(&dir);
    qr_buf_free(&c.msg);
    return st;
}

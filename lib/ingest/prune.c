/*
 * prune.c — what a run removes from the index, and what it holds back so
 * that nothing is wiped by accident: sources that vanished from (or are
 * now excluded in) a walked SOURCE, --delete, and the checks that keep a
 * SOURCE's sources when it is missing, unreadable or empty, or when this
 * run would delete more of them than --max-delete allows. For a --rebuild
 * the same checks compare the new version with the live index, and a hold
 * keeps the live index (the new version is not switched to).
 */
#include "index_int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- --max-delete */

#define DEFAULT_MAX_DELETE_PERCENT 50

int qr_max_delete_parse(const char *s, qr_max_delete *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (end[0] == '%' && end[1] == '\0') {
        if (v > 100)
            return -1;
        *out = (qr_max_delete){1, 1, v};
        return 0;
    }
    if (*end)
        return -1;
    *out = (qr_max_delete){1, 0, v};
    return 0;
}

int qr_max_delete_allows(const qr_max_delete *m, size_t deleting, size_t total)
{
    if (deleting == 0)
        return 1;
    uint64_t pct = DEFAULT_MAX_DELETE_PERCENT;
    if (m && m->set && !m->percent)
        return deleting <= m->value;
    if (m && m->set)
        pct = m->value;
    return (uint64_t)deleting * 100 <= pct * (uint64_t)total;
}

void qr_max_delete_format(const qr_max_delete *m, char *buf, size_t size)
{
    if (!m || !m->set)
        snprintf(buf, size, "%d%%", DEFAULT_MAX_DELETE_PERCENT);
    else
        snprintf(buf, size, "%" PRIu64 "%s", m->value, m->percent ? "%" : "");
}

/* ------------------------------------------------- judging the SOURCEs */

/* The innermost SOURCE (a directory walked, or one that could not be)
 * that the source key lies under; -1 if none. */
static long root_of(const qr_indexer *ix, const char *key)
{
    long best = -1;
    size_t best_len = 0;
    if (key[0] != '/')
        return -1;            /* standard input's "-:<id>" */
    for (size_t i = 0; i < ix->nroots; i++) {
        const run_root *r = &ix->roots[i];
        if (r->kind != ROOT_DIR && r->kind != ROOT_MISSING &&
            r->kind != ROOT_UNREADABLE)
            continue;
        size_t len = strlen(r->key);
        if (fd_under(key, r->key) && (best < 0 || len > best_len)) {
            best = (long)i;
            best_len = len;
        }
    }
    return best;
}

static int is_protected(const qr_indexer *ix, const char *key)
{
    for (size_t k = 0; k < ix->nprotect; k++)
        if (fd_under(key, ix->protect[k]))
            return 1;
    return 0;
}

/* Whether a source of the live index is in the new version. */
static int in_new_version(const qr_indexer *ix, const src_rec *live)
{
    const src_rec *r = src_find(&ix->sources, live->path);
    return r && r->seen && r->state == 'D';
}

/* Whether this run would delete r: for a --rebuild, a live source the
 * new version lacks; else a source of the index under a walked SOURCE
 * that the walk did not list (gone, excluded, or read by another path),
 * unless the walk could not look where it was. */
static int going(const qr_indexer *ix, int rebuild, const src_rec *r)
{
    if (rebuild)
        return !in_new_version(ix, r);
    return !r->seen && !is_protected(ix, r->path);
}

/* Why the SOURCE r must keep its sources; NULL if it need not. *why is
 * the buffer the reason is written into. */
static const char *hold_reason(const qr_indexer *ix, const run_root *r,
                               qr_buf *why)
{
    qr_buf_clear(why);
    int rc = 0;
    if (r->kind == ROOT_MISSING)
        rc = qr_buf_printf(why, "missing: %s", r->why);
    else if (r->kind == ROOT_UNREADABLE)
        rc = qr_buf_printf(why, "unreadable: %s", r->why);
    else if (r->kind != ROOT_DIR)
        return NULL;
    else if (r->listed == 0 && r->known > 0)
        rc = qr_buf_puts(why, "empty: no files under it");
    else if (!qr_max_delete_allows(&ix->o.max_delete, r->going, r->known)) {
        char limit[32];
        qr_max_delete_format(&ix->o.max_delete, limit, sizeof limit);
        rc = qr_buf_printf(why, "would delete %zu of its %zu sources, more "
                           "than --max-delete %s", r->going, r->known, limit);
    } else {
        return NULL;
    }
    return rc == 0 ? why->data : "held";
}

/* Counts each SOURCE's sources in t and those this run would delete, and
 * holds the SOURCEs that must keep theirs. Returns how many sources the
 * holds keep. */
static size_t judge(qr_indexer *ix, const src_table *t, int rebuild)
{
    for (size_t i = 0; i < ix->nroots; i++)
        ix->roots[i].known = ix->roots[i].going = 0;
    for (size_t i = 0; t && i < t->n; i++) {
        const src_rec *r = &t->recs[i];
        long k = r->state != 'N' && r->known ? root_of(ix, r->path) : -1;
        if (k < 0)
            continue;
        ix->roots[k].known++;
        ix->roots[k].going += going(ix, rebuild, r);
    }
    size_t kept = 0;
    qr_buf why = {0};
    for (size_t i = 0; i < ix->nroots; i++) {
        run_root *r = &ix->roots[i];
        const char *reason = hold_reason(ix, r, &why);
        if (!reason)
            continue;
        r->held = 1;
        ix_hold(ix, r->arg, reason, r->going);
        kept += r->going;
    }
    qr_buf_free(&why);
    return kept;
}

/* Whether r lies under a walked SOURCE that is not held, innermost. */
static int deletable_here(const qr_indexer *ix, const src_rec *r)
{
    long k = root_of(ix, r->path);
    return k >= 0 && ix->roots[k].kind == ROOT_DIR && !ix->roots[k].held;
}

static qr_status drop(qr_indexer *ix, src_rec *r, int count)
{
    qr_status st = ix_send_rec(ix, WR_JOB_DROP, r, 0);
    if (st != QR_OK)
        return st;
    r->state = 'N';
    if (count) {
        ix->sum.deleted++;
        ix_deleted(ix, r->path);
    }
    return QR_OK;
}

/* A --rebuild over a non-empty index: the new version replaces the live
 * one only if no SOURCE is held with sources it would lose. */
static void settle_rebuild(qr_indexer *ix)
{
    if (judge(ix, &ix->live, 1) > 0) {
        ix->discard = 1;
        ix->sum.not_switched = 1;
        return;
    }
    for (size_t i = 0; i < ix->live.n; i++) {
        const src_rec *r = &ix->live.recs[i];
        if (r->state != 'N' && !in_new_version(ix, r)) {
            ix->sum.deleted++;
            ix_deleted(ix, r->path);
        }
    }
}

qr_status pr_settle(qr_indexer *ix)
{
    qr_status st = QR_OK;
    if (ix->fresh && !ix->live_empty)
        settle_rebuild(ix);
    else if (ix->fresh)
        judge(ix, NULL, 1);        /* nothing to lose: only report */
    else {
        judge(ix, &ix->sources, 0);
        for (size_t i = 0; st == QR_OK && i < ix->sources.n; i++) {
            src_rec *r = &ix->sources.recs[i];
            if (r->state == 'N' || !r->known || !going(ix, 0, r) ||
                !deletable_here(ix, r))
                continue;
            st = drop(ix, r, 1);
        }
    }
    /* a new version holds only what this run read: what an interrupted
     * build had finished and this run did not name goes, uncounted (it
     * was never in the live index) */
    for (size_t i = 0; st == QR_OK && ix->fresh && i < ix->sources.n; i++) {
        src_rec *r = &ix->sources.recs[i];
        if (r->state != 'N' && !r->seen)
            st = drop(ix, r, 0);
    }
    return st;
}

/* ------------------------------------------------------------ --delete */

/* Whether the --delete argument arg (key: it made absolute) names r: the
 * file, a directory above it, or its standard-input id. */
static int names(const char *arg, const char *key, const src_rec *r)
{
    if (r->path[0] == '/')
        return fd_under(r->path, key);
    return strncmp(r->path, "-:", 2) == 0 &&
           (strcmp(r->path + 2, arg) == 0 || strcmp(r->path, arg) == 0);
}

qr_status pr_delete_named(qr_indexer *ix)
{
    qr_status st = QR_OK;
    for (size_t d = 0; st == QR_OK && d < ix->o.ndeletes; d++) {
        const char *arg = ix->o.deletes[d];
        char *key = fd_absolute(arg);
        if (!key)
            return QR_ERR_NOMEM;
        size_t matched = 0, busy = 0;
        for (size_t i = 0; st == QR_OK && i < ix->sources.n; i++) {
            src_rec *r = &ix->sources.recs[i];
            if (r->state == 'N' || !names(arg, key, r))
                continue;
            if (r->seen) {
                busy++;        /* read again by this very run */
                continue;
            }
            st = drop(ix, r, 1);
            matched++;
        }
        free(key);
        if (st == QR_OK && matched == 0)
            ix_skip(ix, arg, busy ? "--delete: it was indexed again by this "
                                    "run (a SOURCE given holds it): not "
                                    "deleted"
                                  : "--delete: nothing in the index matches it",
                    1);
    }
    return st;
}

/*
 * sources.c — the per-source bookkeeping that makes runs incremental: the
 * "src:" metadata record (its format), the table of every source the index
 * knows, loading that table from every database written, and merging the
 * records of a new index's parts when they are compacted into one.
 */
#include "index_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* ------------------------------------------------------------ the table */

static size_t slot_of(const src_table *t, const char *path)
{
    size_t mask = t->nslots - 1;
    size_t i = (size_t)qr_hash64(path, strlen(path), 7) & mask;
    while (t->slots[i] && strcmp(t->recs[t->slots[i] - 1].path, path) != 0)
        i = (i + 1) & mask;
    return i;
}

src_rec *src_find(const src_table *t, const char *path)
{
    if (!t->nslots)
        return NULL;
    size_t i = slot_of(t, path);
    return t->slots[i] ? &t->recs[t->slots[i] - 1] : NULL;
}

static int grow(src_table *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 1024;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    for (size_t r = 0; r < t->n; r++)
        t->slots[slot_of(t, t->recs[r].path)] = r + 1;
    return 0;
}

src_rec *src_add(src_table *t, const src_rec *rec)
{
    /* at most half full, so probes stay short */
    if ((t->n + 1) * 2 > t->nslots && grow(t) != 0)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        src_rec *p = realloc(t->recs, cap * sizeof *p);
        if (!p)
            return NULL;
        t->recs = p;
        t->cap = cap;
    }
    size_t i = slot_of(t, rec->path);
    if (t->slots[i])
        return &t->recs[t->slots[i] - 1];
    t->recs[t->n] = *rec;
    t->slots[i] = ++t->n;
    return &t->recs[t->n - 1];
}

void src_table_free(src_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->recs[i].meta_key);
        free(t->recs[i].path);
    }
    free(t->recs);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ----------------------------------------------------------- the record */

/* Metadata value: "<state> <mtime_ns> <size> <hash> <passages> <articles>
 * <gen>\n<source key>". The key is stored in full because the metadata key
 * may be a hash of it. gen (the run that wrote the record) came later:
 * older records lack it (read as 0). */
int src_rec_format(const src_rec *r, qr_buf *out)
{
    qr_buf_clear(out);
    return qr_buf_printf(out, "%c %" PRId64 " %" PRIu64 " %016" PRIx64
                         " %u %u %" PRIu64 "\n%s", r->state, r->mtime_ns,
                         r->size, r->hash, r->passages, r->articles, r->gen,
                         r->path);
}

int src_rec_scan(const char *value, src_rec *r, const char **path)
{
    const char *nl = strchr(value, '\n');
    if (!nl)
        return -1;
    char state;
    long long mtime;
    unsigned long long size, hash, gen = 0;
    unsigned passages, articles;
    int n = sscanf(value, "%c %lld %llu %llx %u %u %llu", &state, &mtime,
                   &size, &hash, &passages, &articles, &gen);
    if (n < 6 || (state != 'D' && state != 'P'))
        return -1;
    memset(r, 0, sizeof *r);
    r->state = state;
    r->mtime_ns = mtime;
    r->size = size;
    r->hash = hash;
    r->passages = passages;
    r->articles = articles;
    r->gen = n == 7 ? gen : 0;
    *path = nl + 1;
    return 0;
}

int src_rec_parse(const char *key, const char *value, src_rec *r)
{
    const char *path;
    if (src_rec_scan(value, r, &path) != 0)
        return -1;
    r->meta_key = strdup(key);
    r->path = strdup(path);
    if (!r->meta_key || !r->path) {
        free(r->meta_key);
        free(r->path);
        return -1;
    }
    return 0;
}

int src_rec_agree(const src_rec *a, const src_rec *b)
{
    return a->state == b->state && a->mtime_ns == b->mtime_ns &&
           a->size == b->size && a->hash == b->hash && a->gen == b->gen;
}

int src_rec_copy(src_rec *dst, const src_rec *src)
{
    *dst = *src;
    dst->meta_key = strdup(src->meta_key);
    dst->path = strdup(src->path);
    if (dst->meta_key && dst->path)
        return 0;
    free(dst->meta_key);
    free(dst->path);
    dst->meta_key = dst->path = NULL;
    return -1;
}

/* ------------------------------------------------------------- loading */

/* The first database's records make the table; any other shard that
 * disagrees on a source (or lacks it, or has one the first lacks) turns it
 * 'P', so the next run redoes it: a crash between two shards' commits is
 * never taken for a finished source. While loading, `seen` counts the
 * databases that have the source. */
typedef struct loader {
    src_table *t;
    unsigned shard;
    int nomem;
} loader;

static int load_one(void *ctx, const char *key, const char *value, size_t len)
{
    loader *l = ctx;
    (void)len;
    src_rec r;
    if (src_rec_parse(key, value, &r) != 0)
        return 0;   /* unreadable record: --check reports it */
    src_rec *have = src_find(l->t, r.path);
    if (l->shard == 0 || !have) {
        if (l->shard > 0)
            r.state = 'P';       /* only in a later shard */
        src_rec *added = src_add(l->t, &r);
        if (!added) {
            free(r.meta_key);
            free(r.path);
            l->nomem = 1;
            return 1;
        }
        added->seen = 1;
        added->known = 1;
        return 0;
    }
    if (!src_rec_agree(have, &r))
        have->state = 'P';
    have->seen++;
    free(r.meta_key);
    free(r.path);
    return 0;
}

qr_status src_load(src_table *t, xc_db *db, unsigned shard, qr_buf *err)
{
    loader l = {t, shard, 0};
    xc_status xs = xc_db_metadata_each(db, QR_META_SOURCE, load_one, &l);
    if (l.nomem)
        return QR_ERR_NOMEM;
    if (xs != XC_OK) {
        qr_buf_printf(err, "reading bookkeeping: %s", xc_db_errmsg(db));
        return qr_status_from_xc(xs);
    }
    return QR_OK;
}

void src_load_done(src_table *t, unsigned ndbs)
{
    for (size_t i = 0; i < t->n; i++) {
        src_rec *r = &t->recs[i];
        if ((unsigned)r->seen != ndbs)
            r->state = 'P';      /* missing from some shard */
        r->seen = 0;
    }
}

void src_mark_redo(src_table *t, int all, const char *keys, size_t n)
{
    if (all) {
        for (size_t i = 0; i < t->n; i++)
            if (t->recs[i].state == 'D') {
                t->recs[i].state = 'P';
                t->recs[i].redo = 1;
            }
        return;
    }
    for (size_t i = 0; i < n; i++, keys += strlen(keys) + 1) {
        src_rec *r = src_find(t, keys);
        if (r && r->state == 'D') {
            r->state = 'P';
            r->redo = 1;
        }
    }
}

/* ------------------------------------------------------------- merging */

int src_merge_parts(void *ctx, const char *key, size_t nvalues,
                    const char *const *values, const size_t *lens, char **out,
                    size_t *out_len)
{
    (void)ctx;
    (void)lens;
    *out = NULL;
    if (strncmp(key, QR_META_SOURCE, strlen(QR_META_SOURCE)) != 0)
        return 0;                 /* schema, language: the same in all */
    src_rec sum, r;
    const char *path, *path_r;
    if (src_rec_scan(values[0], &sum, &path) != 0)
        return 0;                 /* not a record: --check reports it */
    for (size_t i = 1; i < nvalues; i++) {
        if (src_rec_scan(values[i], &r, &path_r) != 0 ||
            strcmp(path, path_r) != 0 || !src_rec_agree(&sum, &r))
            sum.state = 'P';      /* the next run redoes it */
        else {
            sum.passages += r.passages;
            sum.articles += r.articles;
        }
    }
    sum.path = (char *)path;
    qr_buf b = {0};
    if (src_rec_format(&sum, &b) != 0) {
        qr_buf_free(&b);
        return -1;
    }
    *out_len = b.len;
    *out = qr_buf_steal(&b);
    return 0;
}

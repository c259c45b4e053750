/*
 * target.c — where a run writes: opening the index (new, existing, sharded,
 * or a plain Xapian database) and its writers, building a new version
 * beside the live one (or resuming one an interrupted run left), the
 * marker of a forced pass, and at the end compacting the new version and
 * switching to it.
 */
#include "index_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "layout.h"
#include "schema.h"

#define DEFAULT_BATCH_PASSAGES 20000

/* Writers a new unsharded database is built with, then compacted into
 * one: the machine kind Quarry is tuned on has two cores (see
 * bench/README.md, "Tuning decisions"). */
#define BUILD_PARTS 2

/* ------------------------------------------------------- the live index */

static int found_one(void *ctx, const char *key, const char *value, size_t len)
{
    (void)key;
    (void)value;
    (void)len;
    *(int *)ctx = 1;
    return 1;
}

/* Whether db keeps accents in its terms: *exact 1, 0, or -1 when it
 * records no analysis (lang NULL: a new, empty database). An index from
 * before accent folding records its language alone: exact. */
static xc_status read_accents(xc_db *db, const char *lang, int *exact)
{
    char *v = NULL;
    size_t len = 0;
    xc_status xs = xc_db_get_metadata(db, QR_META_ACCENTS, &v, &len);
    if (xs == XC_OK)
        *exact = v ? strcmp(v, "fold") != 0 : lang ? 1 : -1;
    free(v);
    return xs;
}

/* Reads the language of the database at dir (NULL if none recorded),
 * whether it keeps accents (read_accents) and whether it holds no
 * sources and no passages; with records, loads its bookkeeping there
 * too, as the shard-th database. */
static qr_status read_live(const char *dir, char **lang, int *exact,
                           int *empty, src_table *records, unsigned shard,
                           qr_buf *err)
{
    xc_db *db = NULL;
    char *msg = NULL;
    *lang = NULL;
    qr_status st = QR_OK;
    xc_status xs = xc_db_open(dir, XC_DB_READONLY, 0, 0, &db, &msg);
    if (xs == XC_OK) {
        size_t len;
        xc_db_stats stats;
        xs = xc_db_get_metadata(db, QR_META_LANG, lang, &len);
        if (xs == XC_OK)
            xs = read_accents(db, *lang, exact);
        if (xs == XC_OK)
            xs = xc_db_get_stats(db, &stats);
        int any = 0;
        if (xs == XC_OK)
            xs = xc_db_metadata_each(db, QR_META_SOURCE, found_one, &any);
        if (xs == XC_OK)
            *empty = stats.doccount == 0 && !any;
        if (xs != XC_OK)
            msg = strdup(xc_db_errmsg(db));
        else if (records)
            st = src_load(records, db, shard, err);
        xc_db_close(db);
    }
    if (xs != XC_OK)
        return wr_xc_error(err, "cannot read index", dir, msg, xs);
    return st;
}

/* ------------------------------------------------------- a first index */

/* Creates an empty glass database at dir. A directory left by a creation
 * that was killed before glass wrote its version file (iamglass) holds no
 * data, but xapian-core refuses to create a database over its tables: it
 * is removed first. */
static qr_status create_empty(const char *dir, qr_buf *err)
{
    xc_db *db = NULL;
    char *msg = NULL;
    qr_buf version = {0};
    if (qr_buf_printf(&version, "%s/iamglass", dir) != 0)
        return QR_ERR_NOMEM;
    struct stat sb;
    int interrupted = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
                      stat(version.data, &sb) != 0 && errno == ENOENT;
    qr_buf_free(&version);
    if (interrupted && qr_remove_tree(dir) != 0) {
        qr_buf_printf(err, "cannot clear the unfinished index %s: %s", dir,
                      strerror(errno));
        return QR_ERR_IO;
    }
    xc_status xs = xc_db_open(dir, XC_DB_CREATE_OR_OPEN, 0, 0, &db, &msg);
    if (xs == XC_OK)
        xs = xc_db_commit(db);
    xc_db_close(db);
    return xs == XC_OK ? QR_OK : wr_xc_error(err, "cannot create index", dir,
                                             msg, xs);
}

static qr_status make_dir(const char *dir, qr_buf *err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST)
        return QR_OK;
    qr_buf_printf(err, "cannot create %s: %s", dir, strerror(errno));
    return QR_ERR_IO;
}

/* A new index: an empty first version and its stub, so that readers and
 * --check find an index from the start, whatever happens to this run. */
static qr_status create_first(const char *path, unsigned nshards, qr_buf *err)
{
    qr_buf dir = {0};
    qr_status st = qr_buf_printf(&dir, "%s/v000001", path) == 0 ? QR_OK
                                                                : QR_ERR_NOMEM;
    if (st == QR_OK && nshards) {
        st = make_dir(dir.data, err);
        size_t base = dir.len;
        for (unsigned k = 0; st == QR_OK && k < nshards; k++) {
            dir.len = base;
            if (qr_buf_printf(&dir, "/s%u", k) != 0)
                st = QR_ERR_NOMEM;
            else
                st = create_empty(dir.data, err);
        }
    } else if (st == QR_OK) {
        st = create_empty(dir.data, err);
    }
    if (st == QR_OK)
        st = qr_layout_switch_shards(path, "v000001", nshards, err);
    qr_buf_free(&dir);
    return st;
}

/* ------------------------------------------ resuming a new version */

static char *path_join(const char *a, const char *b)
{
    qr_buf p = {0};
    if (qr_buf_printf(&p, "%s/%s", a, b) != 0) {
        qr_buf_free(&p);
        return NULL;
    }
    return qr_buf_steal(&p);
}


/* PATH/vN.build/BUILD_INFO says what the build is, so that the next run
 * knows whether it may resume it: "first|rebuild SHARDS LANG ACCENTS\n",
 * ACCENTS "exact" or "fold" (a build from before accent folding has no
 * fourth word: exact). */
#define BUILD_INFO "quarry-build"

typedef struct build_info {
    int      rebuild;      /* a --rebuild's (else a first build's)       */
    unsigned shards;       /* 0: one database built as parts             */
    char     lang[64];
    int      exact;        /* --exact-accents                            */
} build_info;

static qr_status write_build_info(const char *dir, const build_info *b,
                                  qr_buf *err)
{
    char *file = path_join(dir, BUILD_INFO);
    if (!file)
        return QR_ERR_NOMEM;
    FILE *f = fopen(file, "w");
    int bad = !f || fprintf(f, "%s %u %s %s\n",
                            b->rebuild ? "rebuild" : "first", b->shards,
                            b->lang, b->exact ? "exact" : "fold") < 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad)
        qr_buf_printf(err, "cannot write %s: %s", file, strerror(errno));
    free(file);
    return bad ? QR_ERR_IO : QR_OK;
}

static int read_build_info(const char *dir, build_info *b)
{
    char *file = path_join(dir, BUILD_INFO);
    FILE *f = file ? fopen(file, "r") : NULL;
    free(file);
    if (!f)
        return -1;
    char kind[16], accents[16] = "exact";
    int n = fscanf(f, "%15s %u %63s %15s", kind, &b->shards, b->lang,
                   accents);
    fclose(f);
    b->exact = strcmp(accents, "fold") != 0;
    if (n < 3 || (strcmp(kind, "first") != 0 && strcmp(kind, "rebuild") != 0))
        return -1;
    b->rebuild = strcmp(kind, "rebuild") == 0;
    return 0;
}

/* Whether this run may resume the build an interrupted run left at dir:
 * a first build, by the next run into the still empty index; a first
 * build or a --rebuild, by a --rebuild; with the same shards and
 * language either way (lang NULL: the run has none of its own, and takes
 * the build's, *adopt). A plain run drops an unfinished --rebuild. */
static int may_resume(const qr_indexer *ix, const char *dir, unsigned shards,
                      const char *lang, char **adopt)
{
    build_info b;
    *adopt = NULL;
    if (read_build_info(dir, &b) != 0 || b.shards != shards ||
        b.exact != (ix->o.exact_accents != 0))
        return 0;
    if (lang ? strcmp(lang, b.lang) != 0 : !(*adopt = strdup(b.lang)))
        return 0;
    if (ix->o.rebuild || (!b.rebuild && ix->live_empty))
        return 1;
    free(*adopt);
    *adopt = NULL;
    return 0;
}

/* ------------------------------------------------ a forced pass */

/* Reads the marker of an unfinished forced pass in the databases written;
 * a run that finds one finishes that pass (it takes its id, so what the
 * pass rewrote is not redone). Else a --force run writes its own marker,
 * committed before anything else. */
static qr_status force_marker(qr_indexer *ix, qr_buf *err)
{
    for (unsigned k = 0; k < ix->nw; k++) {
        char *v = NULL;
        size_t len = 0;
        xc_status xs = xc_db_get_metadata(ix->w[k].db, QR_META_FORCE, &v, &len);
        if (xs != XC_OK)
            return wr_xc_error(err, "cannot read index", ix->w[k].path,
                               strdup(xc_db_errmsg(ix->w[k].db)), xs);
        unsigned long long gen = 0;
        int found = v && sscanf(v, "%llx", &gen) == 1;
        free(v);
        if (found) {
            ix->gen = gen;
            ix->forcing = 1;
            return QR_OK;
        }
    }
    if (!ix->o.force)
        return QR_OK;
    ix->forcing = 1;
    char mark[32];
    snprintf(mark, sizeof mark, "%016llx", (unsigned long long)ix->gen);
    for (unsigned k = 0; k < ix->nw; k++) {
        xc_db *db = ix->w[k].db;
        xc_status xs = xc_db_set_metadata(db, QR_META_FORCE, mark, strlen(mark));
        if (xs == XC_OK)
            xs = xc_db_commit(db);
        if (xs != XC_OK)
            return wr_xc_error(err, "cannot write index", ix->w[k].path,
                               strdup(xc_db_errmsg(db)), xs);
    }
    return QR_OK;
}

/* ------------------------------------------------------------ writers */

/* Sets up ix->w[0..n-1] (their paths are set by the caller; not opened
 * yet). */
static qr_status alloc_writers(qr_indexer *ix, unsigned n)
{
    ix->w = calloc(n, sizeof *ix->w);
    if (!ix->w)
        return QR_ERR_NOMEM;
    ix->nw = n;
    for (unsigned k = 0; k < n; k++)
        wr_init(&ix->w[k], ix->o.batch_passages);
    return QR_OK;
}

/* A new version beside the live one: PATH/vN.build holding the parts
 * (or the shards) being written, compacted into PATH/vN at the end. The
 * one an interrupted run left is resumed when it may be (may_resume);
 * anything else of the kind is removed. */
static qr_status plan_fresh(qr_indexer *ix, unsigned want, const char *lang,
                            qr_buf *err)
{
    const char *path = ix->o.db_path;
    qr_buf b = {0};
    qr_status st = QR_OK;
    ix->version = qr_layout_next_version(path);
    if (!ix->version || qr_buf_printf(&b, "%s/%s.build", path, ix->version) != 0)
        st = QR_ERR_NOMEM;
    ix->build_dir = qr_buf_steal(&b);
    ix->final_dir = path_join(path, ix->version ? ix->version : "");
    if (st == QR_OK && (!ix->build_dir || !ix->final_dir))
        st = QR_ERR_NOMEM;
    if (st != QR_OK)
        return st;
    char *adopt = NULL;
    ix->resumed = may_resume(ix, ix->build_dir, want, lang, &adopt);
    if (adopt && !ix->live_lang)
        ix->live_lang = adopt;          /* the build's language goes on */
    else
        free(adopt);
    /* leftovers of interrupted runs, versions retired by the last one */
    const char *keep = ix->resumed ? strrchr(ix->build_dir, '/') + 1 : NULL;
    qr_layout_cleanup(path, keep);
    ix->keep_build = 1;
    if (!ix->resumed) {
        build_info info = {ix->o.rebuild && !ix->live_empty, want, "",
                           ix->o.exact_accents != 0};
        snprintf(info.lang, sizeof info.lang, "%s",
                 lang ? lang : ix->live_lang ? ix->live_lang : QR_DEFAULT_LANG);
        st = make_dir(ix->build_dir, err);
        if (st == QR_OK)
            st = write_build_info(ix->build_dir, &info, err);
    }
    if (st == QR_OK && want)
        st = make_dir(ix->final_dir, err);
    /* one database is built as parts in parallel, a sharded one shard by
     * shard, each compacting itself */
    ix->parts = want == 0;
    unsigned n = want ? want : BUILD_PARTS;
    if (st == QR_OK)
        st = alloc_writers(ix, n);
    for (unsigned k = 0; st == QR_OK && k < n; k++) {
        char name[16];
        snprintf(name, sizeof name, want ? "s%u" : "p%u", k);
        wr_writer *w = &ix->w[k];
        w->path = path_join(ix->build_dir, name);
        w->building = 1;
        if (want)
            w->compact_to = path_join(ix->final_dir, name);
        if (!w->path || (want && !w->compact_to))
            st = QR_ERR_NOMEM;
    }
    return st;
}

/* Decides which databases this run writes, and takes the writer lock:
 *  - a Quarry index (or a new one): the lock file, then the live version
 *    (or its shards), or, for --rebuild and for an index with no sources
 *    yet, a new version built beside it in parallel (plan_fresh);
 *  - a plain glass directory or a stub file: opened as it is, with
 *    xapian-core's own lock (no --rebuild, no --shards). */
static qr_status open_target(qr_indexer *ix, qr_buf *err)
{
    const char *path = ix->o.db_path;
    qr_layout_kind kind = qr_layout_probe(path);
    if (kind == QR_LAYOUT_OTHER) {
        qr_buf_printf(err, "%s is not an index (a directory with other files, "
                      "or not a directory); refusing to write an index there", path);
        return QR_ERR_USAGE;
    }
    if (kind == QR_LAYOUT_GLASS || kind == QR_LAYOUT_STUB_FILE) {
        if (ix->o.rebuild || ix->o.shards > 1) {
            qr_buf_printf(err, "%s is a plain Xapian database, not a Quarry "
                          "index; --%s needs a Quarry index", path,
                          ix->o.rebuild ? "rebuild" : "shards");
            return QR_ERR_USAGE;
        }
        qr_status st = alloc_writers(ix, 1);
        if (st == QR_OK && !(ix->w[0].path = strdup(path)))
            st = QR_ERR_NOMEM;
        return st;
    }

    qr_status st = qr_layout_lock(path, ix->o.wait_seconds, &ix->lock_fd, err);
    if (st != QR_OK)
        return st;
    unsigned live_n = 0;
    char *live = qr_layout_live_shards(path, &live_n);
    if (!live) {
        qr_layout_cleanup(path, NULL);
        unsigned n = ix->o.shards > 1 ? ix->o.shards : 0;
        st = create_first(path, n, err);
        if (st != QR_OK)
            return st;
        live = strdup("v000001");
        live_n = n;
        if (!live)
            return QR_ERR_NOMEM;
    }

    /* the live index's language, whether it has anything in it, and for
     * a --rebuild its records (what the new version must not lose) */
    qr_buf dir = {0};
    ix->live_empty = 1;
    ix->live_exact = -1;
    for (unsigned k = 0; st == QR_OK && k < (live_n ? live_n : 1); k++) {
        qr_buf_clear(&dir);
        if ((live_n ? qr_buf_printf(&dir, "%s/%s/s%u", path, live, k)
                    : qr_buf_printf(&dir, "%s/%s", path, live)) != 0) {
            st = QR_ERR_NOMEM;
            break;
        }
        char *lang = NULL;
        int empty = 1, exact = -1;
        st = read_live(dir.data, &lang, &exact, &empty,
                       ix->o.rebuild ? &ix->live : NULL, k, err);
        if (st == QR_OK && ix->live_exact < 0)
            ix->live_exact = exact;
        if (st == QR_OK && !ix->live_lang)
            ix->live_lang = lang;
        else
            free(lang);
        ix->live_empty &= empty;
    }
    qr_buf_free(&dir);
    if (ix->o.rebuild)
        src_load_done(&ix->live, live_n ? live_n : 1);

    unsigned want = ix->o.shards ? (ix->o.shards > 1 ? ix->o.shards : 0) : live_n;
    if (st == QR_OK && want != live_n && !ix->o.rebuild && !ix->live_empty) {
        qr_buf_printf(err, "index %s has %u shard%s; use --rebuild --shards %u "
                      "to change that", path, live_n ? live_n : 1,
                      live_n > 1 ? "s" : "", want ? want : 1);
        st = QR_ERR_USAGE;
    }
    ix->nshards = want;
    ix->fresh = ix->o.rebuild || ix->live_empty;
    if (st == QR_OK && ix->fresh) {
        st = plan_fresh(ix, want, ix->o.lang ? ix->o.lang : ix->live_lang, err);
    } else if (st == QR_OK) {
        qr_layout_cleanup(path, NULL);
        ix->version = live;
        live = NULL;
        /* an index from before articles gets its articles' stub (its
         * writers create the articles themselves) */
        struct stat ab;
        qr_buf astub = {0};
        if (qr_buf_printf(&astub, "%s/%s", path, QR_LAYOUT_ARTICLES_STUB) != 0)
            st = QR_ERR_NOMEM;
        else if (stat(astub.data, &ab) != 0)
            st = qr_layout_switch_shards(path, ix->version, want, err);
        qr_buf_free(&astub);
        if (st == QR_OK)
            st = alloc_writers(ix, want ? want : 1);
        for (unsigned k = 0; st == QR_OK && k < ix->nw; k++) {
            qr_buf p = {0};
            if ((want ? qr_buf_printf(&p, "%s/%s/s%u", path, ix->version, k)
                      : qr_buf_printf(&p, "%s/%s", path, ix->version)) != 0)
                st = QR_ERR_NOMEM;
            ix->w[k].path = qr_buf_steal(&p);
            qr_buf_free(&p);
        }
    }
    free(live);
    return st;
}

/* Opens every writer's database: the live ones, or a new version's,
 * created, or reopened when an interrupted build is resumed. A build
 * that cannot be reopened (killed while its databases were being made)
 * is started afresh. */
static qr_status open_writers(qr_indexer *ix, qr_buf *err)
{
    int create = ix->fresh && !ix->resumed;
    qr_status st = QR_OK;
    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++)
        st = wr_open(&ix->w[k], ix->lang, ix->exact_accents, create,
                     ix->o.wait_seconds, err);
    if (st == QR_OK || !ix->resumed)
        return st;
    for (unsigned k = 0; k < ix->nw; k++) {
        xc_termgen_free(ix->w[k].tg);
        ix->w[k].tg = NULL;
        xc_db_close(ix->w[k].db);
        ix->w[k].db = NULL;
    }
    ix->resumed = 0;
    qr_buf_clear(err);
    st = QR_OK;
    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++) {
        qr_remove_tree(ix->w[k].path);
        st = wr_open(&ix->w[k], ix->lang, ix->exact_accents, 1,
                     ix->o.wait_seconds, err);
    }
    return st;
}

/* ----------------------------------------------------------- opening */

qr_status qr_indexer_open(const qr_index_opts *opts, qr_indexer **out,
                          qr_buf *err)
{
    qr_indexer *ix = calloc(1, sizeof *ix);
    if (!ix)
        return QR_ERR_NOMEM;
    ix->o = *opts;
    ix->err = err;
    ix->lock_fd = -1;
    ix->t0 = ix->last_progress = qr_now();
    ix->gen = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
              (qr_hash64(&ix, sizeof ix, 3) & 0xfffff);
    qr_split_opts defs = qr_split_defaults();
    if (!ix->o.split.target_words)
        ix->o.split = defs;
    if (!ix->o.batch_passages)
        ix->o.batch_passages = DEFAULT_BATCH_PASSAGES;
    qr_status st = QR_OK;
    char *msg = NULL;
    if (ix->o.shards > QR_LAYOUT_MAX_SHARDS) {
        qr_buf_printf(err, "at most %d shards", QR_LAYOUT_MAX_SHARDS);
        st = QR_ERR_USAGE;
        goto fail;
    }
    /* an unknown language is a usage error before anything is created */
    if (opts->lang) {
        xc_stem *stem = NULL;
        if (xc_stem_new(opts->lang, &stem, &msg) != XC_OK) {
            qr_buf_printf(err, "unknown language '%s' (known: %s)", opts->lang,
                          xc_stem_languages());
            free(msg);
            st = QR_ERR_USAGE;
            goto fail;
        }
        xc_stem_free(stem);
    }

    st = open_target(ix, err);
    if (st != QR_OK)
        goto fail;

    /* The index keeps its language; the query tool reads it back. A new
     * version takes the live index's unless --lang says otherwise. */
    char *lang = ix->live_lang;
    ix->live_lang = NULL;
    if (lang && opts->lang && strcmp(lang, opts->lang) != 0 && !ix->fresh) {
        qr_buf_printf(err, "index %s was built with --lang %s; use --rebuild "
                      "to change the language", opts->db_path, lang);
        free(lang);
        st = QR_ERR_USAGE;
        goto fail;
    }
    if (opts->lang) {
        free(lang);
        lang = NULL;
    }
    ix->lang = lang ? lang : strdup(opts->lang ? opts->lang : QR_DEFAULT_LANG);
    if (!ix->lang) {
        st = QR_ERR_NOMEM;
        goto fail;
    }
    /* Accents, likewise: a new version folds them unless --exact-accents;
     * a run into a live index keeps the index's choice (terms folded one
     * way cannot be matched the other). */
    ix->exact_accents = opts->exact_accents != 0;
    if (!ix->fresh && ix->live_exact >= 0) {
        if (opts->exact_accents && !ix->live_exact) {
            qr_buf_printf(err, "index %s folds accents; use --rebuild "
                          "--exact-accents to keep them", opts->db_path);
            st = QR_ERR_USAGE;
            goto fail;
        }
        ix->exact_accents = ix->live_exact;
    }

    st = open_writers(ix, err);
    if (st != QR_OK)
        goto fail;
    if (ix->nw == 1 && !ix->fresh) {
        /* a plain database given directly: its own language counts */
        char *own = NULL;
        size_t len = 0;
        xc_status xs = xc_db_get_metadata(ix->w[0].db, QR_META_LANG, &own, &len);
        if (xs != XC_OK) {
            qr_buf_printf(err, "reading the index's language: %s",
                          xc_db_errmsg(ix->w[0].db));
            st = qr_status_from_xc(xs);
            goto fail;
        }
        if (own && opts->lang && strcmp(own, opts->lang) != 0) {
            qr_buf_printf(err, "index %s was built with --lang %s; use "
                          "--rebuild to change the language", opts->db_path, own);
            free(own);
            st = QR_ERR_USAGE;
            goto fail;
        }
        int own_exact = -1;
        xs = read_accents(ix->w[0].db, own, &own_exact);
        if (xs != XC_OK) {
            free(own);
            qr_buf_printf(err, "reading the index's analysis: %s",
                          xc_db_errmsg(ix->w[0].db));
            st = qr_status_from_xc(xs);
            goto fail;
        }
        if (own_exact >= 0 && own_exact != ix->exact_accents) {
            if (opts->exact_accents) {
                free(own);
                qr_buf_printf(err, "index %s folds accents; use --rebuild "
                              "--exact-accents to keep them", opts->db_path);
                st = QR_ERR_USAGE;
                goto fail;
            }
            ix->exact_accents = own_exact;
            if (!own && !(own = strdup(ix->lang))) {
                st = QR_ERR_NOMEM;
                goto fail;
            }
            free(ix->lang);
            ix->lang = NULL;          /* reopened below with its analysis */
        }
        if (own && (!ix->lang || strcmp(own, ix->lang) != 0)) {
            /* the writers were set up with another stemmer */
            free(ix->lang);
            ix->lang = own;
            xc_termgen_free(ix->w[0].tg);
            ix->w[0].tg = NULL;
            xc_db_close(ix->w[0].db);
            ix->w[0].db = NULL;
            st = wr_open(&ix->w[0], ix->lang, ix->exact_accents, 0,
                         opts->wait_seconds, err);
            if (st != QR_OK)
                goto fail;
        } else {
            free(own);
        }
    }
    /* an unfinished forced pass, or this run's; then the bookkeeping of
     * every database written */
    st = force_marker(ix, err);
    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++)
        st = src_load(&ix->sources, ix->w[k].db, k, ix->err);
    if (st != QR_OK)
        goto fail;
    src_load_done(&ix->sources, ix->nw);
    /* the sources whose articles a stopped run may have left behind */
    for (unsigned k = 0; st == QR_OK && k < ix->nw; k++) {
        int all = 0;
        char *keys = NULL;
        size_t nk = 0;
        st = wr_articles_behind(&ix->w[k], &all, &keys, &nk, ix->err);
        if (st == QR_OK)
            src_mark_redo(&ix->sources, all, keys, nk);
        free(keys);
    }
    if (st != QR_OK)
        goto fail;
    *out = ix;
    return QR_OK;
fail:
    qr_indexer_free(ix);
    return st;
}

/* ----------------------------------------------------------- finishing */

/* Until the switch the live index is untouched; anything left behind by a
 * failure here is removed by the next run. */
qr_status tg_finish_fresh(qr_indexer *ix)
{
    qr_status st = QR_OK;
    if (ix->parts) {
        /* the parts, into one database (the shards compacted themselves) */
        const char **src = calloc(ix->nw, sizeof *src);
        if (!src)
            return QR_ERR_NOMEM;
        char **asrc = calloc(ix->nw, sizeof *asrc);
        char *adst = wr_articles_path(ix->final_dir);
        if (!asrc || !adst) {
            free(src);
            free(asrc);
            free(adst);
            return QR_ERR_NOMEM;
        }
        for (unsigned k = 0; k < ix->nw; k++) {
            xc_termgen_free(ix->w[k].tg);
            ix->w[k].tg = NULL;
            xc_db_close(ix->w[k].db);     /* everything was committed */
            ix->w[k].db = NULL;
            xc_db_close(ix->w[k].adb);
            ix->w[k].adb = NULL;
            src[k] = ix->w[k].path;
            if (!(asrc[k] = wr_articles_path(ix->w[k].path)))
                st = QR_ERR_NOMEM;
        }
        /* each part's records have its own counts: one record per
         * source with their sum; the articles beside them */
        if (st == QR_OK)
            st = wr_compact(src, ix->nw, ix->final_dir, "the new index",
                            src_merge_parts, ix->err);
        if (st == QR_OK)
            st = wr_compact((const char *const *)asrc, ix->nw, adst,
                            "the new index's articles", NULL, ix->err);
        for (unsigned k = 0; k < ix->nw; k++)
            free(asrc[k]);
        free(asrc);
        free(adst);
        free(src);
    } else {
        st = wr_compact(NULL, 0, ix->final_dir, NULL, NULL, ix->err);
    }
    if (st == QR_OK)
        st = qr_layout_switch_shards(ix->o.db_path, ix->version, ix->nshards,
                                     ix->err);
    /* a build that could not be finished for want of space or memory is
     * resumed by the next run; one that failed otherwise is dropped */
    ix->keep_build = st == QR_ERR_IO || st == QR_ERR_NOMEM;
    if (!ix->keep_build)
        qr_remove_tree(ix->build_dir);
    if (st == QR_OK)
        qr_layout_cleanup(ix->o.db_path, NULL);    /* the old live version */
    else
        qr_remove_tree(ix->final_dir);
    return st;
}

void qr_indexer_free(qr_indexer *ix)
{
    if (!ix)
        return;
    for (unsigned k = 0; k < ix->nw; k++)
        wr_free(&ix->w[k]);
    free(ix->w);
    if (ix->fresh && ix->build_dir && !ix->keep_build)
        qr_remove_tree(ix->build_dir);   /* a new version given up */
    qr_layout_unlock(ix->lock_fd);
    free(ix->version);
    free(ix->build_dir);
    free(ix->final_dir);
    free(ix->live_lang);
    free(ix->lang);
    src_table_free(&ix->sources);
    src_table_free(&ix->live);
    fd_roots_free(ix);
    for (size_t i = 0; i < ix->sum.nskips; i++) {
        free(ix->sum.skips[i].where);
        free(ix->sum.skips[i].reason);
    }
    free(ix->sum.skips);
    for (size_t i = 0; i < ix->sum.nheld; i++) {
        free(ix->sum.held[i].root);
        free(ix->sum.held[i].reason);
    }
    free(ix->sum.held);
    for (size_t i = 0; i < ix->npending; i++) {
        free(ix->pending[i].where);
        free(ix->pending[i].reason);
    }
    free(ix->pending);
    for (size_t i = 0; i < ix->nprotect; i++)
        free(ix->protect[i]);
    free(ix->protect);
    qr_buf_free(&ix->term);
    free(ix);
}

/*
 * searcher.c — opening an index for searching: the database (shards and
 * stub files through stub.h), its analysis, the query parser set up once.
 */
#include "search_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "analysis.h"

void searcher_err(qr_buf *err, const char *what, const char *msg)
{
    if (!err)
        return;
    qr_buf_clear(err);
    qr_buf_puts(err, what);
    searcher_err_detail(err, msg);
}

void searcher_err_detail(qr_buf *err, const char *msg)
{
    if (msg && *msg) {
        qr_buf_puts(err, ": ");
        qr_buf_printable(err, msg, strlen(msg));
    }
}

static qr_status read_langs(qr_searcher *s, qr_buf *err);

static qr_status setup_parser(qr_searcher *s, qr_buf *err)
{
    char *xerr = NULL;
    xc_status st = xc_qparser_new(&s->qp, &xerr);
    if (st != XC_OK) {
        searcher_err(err, "cannot create the query parser", xerr);
        free(xerr);
        return qr_status_from_xc(st);
    }
    xc_qparser *qp = s->qp;
    if (st == XC_OK) st = xc_qparser_set_database(qp, s->db);
    if (st == XC_OK) st = xc_qparser_set_stemmer(qp, s->stem);
    if (st == XC_OK) st = xc_qparser_set_stemming_strategy(qp, XC_STEM_ALL);
    if (st == XC_OK && s->stop) st = xc_qparser_set_stopper(qp, s->stop);
    if (st == XC_OK) st = xc_qparser_set_default_op(qp, XC_OP_OR);
    if (st == XC_OK) st = xc_qparser_add_prefix(qp, "title", QR_PREFIX_TITLE);
    /* author: and source: filter, as such fields do in every search UI:
     * "source:tech Henman" is Henman in the sources whose path has "tech" */
    if (st == XC_OK)
        st = xc_qparser_add_boolean_field(qp, "author", QR_PREFIX_AUTHOR,
                                          s->stem);
    if (st == XC_OK)
        st = xc_qparser_add_boolean_field(qp, "source", QR_PREFIX_SOURCE,
                                          s->stem);
    /* lang:fr, the articles in French (their codes: languages.h) */
    if (st == XC_OK)
        st = xc_qparser_add_boolean_prefix(qp, "lang", QR_TERM_LANG);
    if (st == XC_OK)
        st = xc_qparser_add_date_range(qp, QR_SLOT_DATE, "date:", 0, 1970);
    if (st == XC_OK)
        st = xc_qparser_set_max_wildcard_expansion(qp,
                                                   QR_MAX_WILDCARD_EXPANSION);
    if (st != XC_OK) {
        searcher_err(err, "cannot set up the query parser",
                     xc_qparser_errmsg(qp));
        return qr_status_from_xc(st);
    }

    st = xc_termgen_new(&s->tg, &xerr);
    if (st != XC_OK) {
        searcher_err(err, "cannot create a term generator", xerr);
        free(xerr);
        return qr_status_from_xc(st);
    }
    st = xc_termgen_set_stemmer(s->tg, s->stem);
    if (st == XC_OK)
        st = xc_termgen_set_stemming_strategy(s->tg, XC_STEM_ALL);
    if (st == XC_OK)   /* CJK n-grams, as the indexer makes them */
        st = xc_termgen_set_flags(s->tg, XC_TG_CJK_NGRAM);
    if (st == XC_OK && s->stop)
        st = xc_termgen_set_stopper(s->tg, s->stop, XC_TG_STOP_ALL);
    if (st != XC_OK) {
        searcher_err(err, "cannot set up the term generator",
                xc_termgen_errmsg(s->tg));
        return qr_status_from_xc(st);
    }
    return QR_OK;
}

/* Reads one metadata value into a malloc'd string (NULL when absent). A
 * writer committing in the meantime may discard the revision being read
 * (XC_MODIFIED): move to the new one and read again. */
static xc_status get_meta(xc_db *db, const char *key, char **out)
{
    xc_status st;
    for (int i = 0;; i++) {
        size_t len = 0;
        *out = NULL;
        st = xc_db_get_metadata(db, key, out, &len);
        if (st != XC_MODIFIED || i == QR_MODIFIED_RETRIES ||
            xc_db_reopen(db, NULL) != XC_OK)
            return st;
    }
}

/* Opens the database. A rebuild retires the old version right after it
 * switches the stub, so an open that read the old stub can find the old
 * version gone: read the stub again before calling it a failure. */
static xc_status open_db(const char *const *paths, size_t n, xc_db **db,
                         xc_db **adb, char **xerr, char **remotes)
{
    xc_status st = XC_OK;
    for (int i = 0; i <= QR_MODIFIED_RETRIES; i++) {
        free(*xerr);
        *xerr = NULL;
        /* shards: stub.h */
        st = stub_open(paths, n, db, adb, xerr, remotes);
        if (st != XC_NOT_FOUND && st != XC_IO && st != XC_CORRUPT &&
            st != XC_MODIFIED)
            break;
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    return st;
}

/* A stub file as it was when the searcher opened (qr_searcher_changed). */
struct searcher_stub {
    char *path;
    int present;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

static void stub_stat(struct searcher_stub *w)
{
    struct stat sb;
    w->present = stat(w->path, &sb) == 0;
    if (!w->present)
        return;
    w->dev = sb.st_dev;
    w->ino = sb.st_ino;
    w->size = sb.st_size;
    w->mtime = sb.st_mtim;
}

/* The version a Quarry index's stub names: "auto v000003" (or
 * "auto v000003/s0" for shards) gives "v000003"; "" for anything else. */
static char *stub_version(const char *stub)
{
    char buf[512];
    FILE *f = fopen(stub, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *v = strncmp(buf, "auto ", 5) == 0 ? buf + 5 : "";
    size_t len = strcspn(v, "/ \t\r\n");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7E)
            len = 0;
    return qr_strndup(v, len);
}

/* Records the stub files paths name: a directory's XAPIANDB, or the path
 * itself when it is a file. Done before the databases are opened, so a
 * switch between the two is seen as a change at the next check. */
static int watch_stubs(qr_searcher *s, const char *const *paths, size_t n)
{
    s->stubs = calloc(n, sizeof *s->stubs);
    if (!s->stubs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        int dir = stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode);
        qr_buf p = {0};
        if (qr_buf_puts(&p, paths[i]) != 0 ||
            (dir && qr_buf_puts(&p, "/XAPIANDB") != 0)) {
            qr_buf_free(&p);
            return -1;
        }
        struct searcher_stub *w = &s->stubs[s->nstubs++];
        w->path = qr_buf_steal(&p);
        if (!w->path)
            return -1;
        stub_stat(w);
        if (!s->version && dir && !(s->version = stub_version(w->path)))
            return -1;
    }
    if (!s->version && !(s->version = qr_strndup("", 0)))
        return -1;
    return 0;
}

int qr_searcher_changed(const qr_searcher *s)
{
    for (size_t i = 0; s && i < s->nstubs; i++) {
        struct searcher_stub now = {.path = s->stubs[i].path};
        const struct searcher_stub *was = &s->stubs[i];
        stub_stat(&now);
        if (now.present != was->present)
            return 1;
        if (now.present &&
            (now.dev != was->dev || now.ino != was->ino ||
             now.size != was->size || now.mtime.tv_sec != was->mtime.tv_sec ||
             now.mtime.tv_nsec != was->mtime.tv_nsec))
            return 1;
    }
    return 0;
}

qr_status qr_searcher_refresh(qr_searcher *s, int *changed, qr_buf *err)
{
    int c1 = 0, c2 = 0;
    if (changed)
        *changed = 0;
    xc_status st = xc_db_reopen(s->db, &c1);
    if (st == XC_OK && s->adb)
        st = xc_db_reopen(s->adb, &c2);
    if (st != XC_OK) {
        searcher_err(err, "cannot reopen the index", xc_db_errmsg(s->db));
        return qr_status_from_xc(st);
    }
    if (changed)
        *changed = c1 || c2;
    return QR_OK;
}

uint64_t qr_searcher_revision(qr_searcher *s)
{
    xc_db_stats stats;
    if (!s || xc_db_get_stats(s->db, &stats) != XC_OK)
        return 0;
    return stats.revision;
}

const char *qr_searcher_version(const qr_searcher *s)
{
    return s && s->version ? s->version : "";
}

qr_status qr_searcher_open(const char *const *paths, size_t n,
                           qr_searcher **out, qr_buf *err)
{
    if (!paths || n == 0 || !out) {
        searcher_err(err, "no index given", NULL);
        return QR_ERR_USAGE;
    }
    qr_searcher *s = calloc(1, sizeof *s);
    if (!s) {
        searcher_err(err, "out of memory", NULL);
        return QR_ERR_NOMEM;
    }
    if (watch_stubs(s, paths, n) != 0) {
        searcher_err(err, "out of memory", NULL);
        qr_searcher_close(s);
        return QR_ERR_NOMEM;
    }
    char *xerr = NULL;
    xc_status st = open_db(paths, n, &s->db, &s->adb, &xerr, &s->remotes);
    if (st != XC_OK) {
        qr_status rc = qr_status_from_xc(st);
        /* A path that does not exist at all is "no index", whatever
         * xapian-core calls it. */
        for (size_t i = 0; i < n; i++) {
            struct stat sb;
            if (stat(paths[i], &sb) != 0 && errno == ENOENT)
                rc = QR_ERR_NOINDEX;
        }
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, rc == QR_ERR_NOINDEX ? "no index at "
                                                  : "cannot open the index ");
            for (size_t i = 0; i < n; i++) {
                qr_buf_puts(err, i ? ", '" : "'");
                qr_buf_printable(err, paths[i], strlen(paths[i]));
                qr_buf_puts(err, "'");
            }
            searcher_err_detail(err, xerr);
        }
        free(xerr);
        qr_searcher_close(s);
        return rc == QR_OK ? QR_ERR_INDEX : rc;
    }

    char *lang = NULL, *stopflag = NULL, *accents = NULL;
    st = get_meta(s->db, QR_META_LANG, &lang);
    if (st == XC_OK)
        st = get_meta(s->db, QR_META_STOPWORDS, &stopflag);
    if (st == XC_OK)
        st = get_meta(s->db, QR_META_ACCENTS, &accents);
    /* an index from before accent folding has no QR_META_ACCENTS: its
     * terms keep their accents */
    s->exact_accents = !(accents && strcmp(accents, "fold") == 0);
    free(accents);
    if (st != XC_OK) {
        searcher_err(err, "cannot read the index metadata",
                     xc_db_errmsg(s->db));
        free(lang);
        free(stopflag);
        qr_searcher_close(s);
        return qr_status_from_xc(st);
    }
    s->features = QR_FEAT_DEFAULT;
    s->lang = lang && *lang ? lang : strdup(QR_DEFAULT_LANG);
    if (s->lang != lang)
        free(lang);
    int use_stop = !(stopflag && strcmp(stopflag, "0") == 0);
    free(stopflag);
    if (!s->lang) {
        searcher_err(err, "out of memory", NULL);
        qr_searcher_close(s);
        return QR_ERR_NOMEM;
    }

    st = qr_analyzer_new(s->lang, use_stop, s->exact_accents, &s->stem,
                         &s->stop, &xerr);
    if (st != XC_OK) {
        if (err) {
            qr_buf_clear(err);
            qr_buf_puts(err, "the index's language '");
            qr_buf_printable(err, s->lang, strlen(s->lang));
            qr_buf_puts(err, "' is not usable here");
            searcher_err_detail(err, xerr);
        }
        free(xerr);
        qr_searcher_close(s);
        return st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_INDEX;
    }

    s->use_stop = use_stop;
    s->index_lang = strdup(s->lang);
    qr_status rc = s->index_lang ? setup_parser(s, err) : QR_ERR_NOMEM;
    if (rc == QR_OK)
        rc = read_langs(s, err);
    if (rc != QR_OK) {
        if (rc == QR_ERR_NOMEM)
            searcher_err(err, "out of memory", NULL);
        qr_searcher_close(s);
        return rc;
    }
    *out = s;
    return QR_OK;
}

/* Adds a QR_TERM_LANG term's language to the list (an xc_term_cb). */
static int add_lang(void *sink, const char *term, size_t len, uint32_t tf)
{
    size_t pl = strlen(QR_TERM_LANG);
    if (tf == 0 || len <= pl)
        return 0;
    return strlist_sink_add(sink, term + pl, len - pl, tf);
}

static void free_alt(qr_searcher *s)
{
    for (size_t i = 0; i < s->nalt; i++) {
        qr_textpos_free(s->alt_tp[i]);
        xc_stem_free(s->alt[i]);
    }
    free(s->alt);
    free(s->alt_tp);
    free(s->alt_name);
    s->alt = NULL;
    s->alt_tp = NULL;
    s->alt_name = NULL;
    s->nalt = 0;
}

/* The searcher's stemmers for its query's words (s->alt, s->stemmers):
 * one for each language present beside s->lang's, unless the search is of
 * one language (s->filter). */
static qr_status make_alt(qr_searcher *s)
{
    free_alt(s);
    qr_buf names = {0};
    if (qr_buf_puts(&names, s->lang) != 0)
        return QR_ERR_NOMEM;
    size_t cap = s->nlangs ? s->nlangs : 1;
    s->alt = calloc(cap, sizeof *s->alt);
    s->alt_tp = calloc(cap, sizeof *s->alt_tp);
    s->alt_name = calloc(cap, sizeof *s->alt_name);
    if (!s->alt || !s->alt_tp || !s->alt_name) {
        qr_buf_free(&names);
        return QR_ERR_NOMEM;
    }
    for (size_t i = 0; !s->filter[0] && i < s->nlangs; i++) {
        if (strcmp(s->langs[i], s->def_code) == 0)
            continue;
        const char *name = qr_lang_stemmer(s->langs[i]);
        /* one stemmer each (Norwegian's three codes, the n-grammed
         * languages' "none"), and none that repeats the main one */
        int seen = strcmp(name, s->lang) == 0;
        for (size_t k = 0; !seen && k < s->nalt; k++)
            seen = strcmp(s->alt_name[k], name) == 0;
        if (seen)
            continue;
        xc_stem *st = NULL;
        char *xerr = NULL;
        xc_status xs = qr_stem_new(name, s->exact_accents,
                                   QR_QUERY_STEM_CACHE / 8, &st, &xerr);
        free(xerr);
        if (xs == XC_NOMEM) {
            qr_buf_free(&names);
            return QR_ERR_NOMEM;
        }
        if (xs != XC_OK)
            continue;          /* a stemmer this xapian-core lacks */
        s->alt_name[s->nalt] = name;
        s->alt[s->nalt++] = st;
        if (qr_buf_putc(&names, ' ') != 0 || qr_buf_puts(&names, name) != 0) {
            qr_buf_free(&names);
            return QR_ERR_NOMEM;
        }
    }
    free(s->stemmers);
    s->stemmers = qr_buf_steal(&names);
    return s->stemmers ? QR_OK : QR_ERR_NOMEM;
}

static qr_status read_langs(qr_searcher *s, qr_buf *err)
{
    if (qr_lang_code(s->index_lang, s->def_code) != 0)
        snprintf(s->def_code, sizeof s->def_code, "%s", "und");
    strlist l = {0};
    strlist_sink sink = {&l, 0};
    xc_status st = XC_OK;
    for (int i = 0;; i++) {
        strlist_clear(&l);
        st = xc_db_allterms_each(s->adb ? s->adb : s->db, QR_TERM_LANG,
                                 add_lang, &sink);
        if (st != XC_MODIFIED || i == QR_MODIFIED_RETRIES ||
            xc_db_reopen(s->adb ? s->adb : s->db, NULL) != XC_OK)
            break;
    }
    if (st != XC_OK || sink.failed) {
        strlist_free(l.v, l.n);
        if (st == XC_NOMEM || sink.failed)
            return QR_ERR_NOMEM;
        searcher_err(err, "cannot read the index's languages",
                     xc_db_errmsg(s->adb ? s->adb : s->db));
        return qr_status_from_xc(st);
    }
    strlist_move(&l, &s->langs, &s->nlangs);
    return make_alt(s);
}

void qr_searcher_close(qr_searcher *s)
{
    if (!s)
        return;
    qr_textpos_free(s->tp);
    xc_termgen_free(s->tg);
    xc_qparser_free(s->qp);
    xc_stopper_free(s->stop);
    xc_stem_free(s->stem);
    xc_db_close(s->db);
    xc_db_close(s->adb);
    free(s->lang);
    free(s->index_lang);
    strlist_free(s->langs, s->nlangs);
    free_alt(s);
    free(s->stemmers);
    free(s->remotes);
    for (size_t i = 0; i < s->nstubs; i++)
        free(s->stubs[i].path);
    free(s->stubs);
    free(s->version);
    free(s);
}

void qr_searcher_set_features(qr_searcher *s, unsigned features)
{
    if (s)
        s->features = features;
}

const char *qr_searcher_lang(const qr_searcher *s)
{
    return s && s->lang ? s->lang : QR_DEFAULT_LANG;
}

const char *qr_searcher_stemmers(const qr_searcher *s)
{
    return s && s->stemmers ? s->stemmers : qr_searcher_lang(s);
}

const char *const *qr_searcher_langs(const qr_searcher *s, size_t *n)
{
    *n = s ? s->nlangs : 0;
    return s ? (const char *const *)s->langs : NULL;
}

qr_status qr_searcher_set_lang(qr_searcher *s, const char *name,
                               qr_buf *err)
{
    char code[QR_LANG_MAX];
    if (!s || !name || qr_lang_code(name, code) != 0) {
        searcher_err(err, "unknown language", name);
        return QR_ERR_USAGE;
    }
    size_t k = 0;
    while (k < s->nlangs && strcmp(s->langs[k], code) != 0)
        k++;
    if (k == s->nlangs) {
        /* no results would be the answer: say why instead */
        if (err) {
            qr_buf_clear(err);
            qr_buf_printf(err, "the index has no articles in '%s'", code);
            for (size_t i = 0; i < s->nlangs; i++)
                qr_buf_printf(err, "%s%s", i ? ", " : " (it has ", s->langs[i]);
            qr_buf_puts(err, s->nlangs ? ")"
                                       : " (it records no languages: it "
                                         "was made before them)");
        }
        return QR_ERR_USAGE;
    }
    /* the index's own language keeps the index's stemmer ("porter" ...) */
    const char *stemmer = strcmp(code, s->def_code) == 0
                              ? s->index_lang : qr_lang_stemmer(code);
    xc_stem *stem = NULL;
    xc_stopper *stop = NULL;
    char *xerr = NULL;
    xc_status st = qr_analyzer_new(stemmer, s->use_stop, s->exact_accents,
                                   &stem, &stop, &xerr);
    char *lang = st == XC_OK ? strdup(stemmer) : NULL;
    if (st != XC_OK || !lang) {
        searcher_err(err, "no stemmer for language", xerr ? xerr : name);
        free(xerr);
        xc_stem_free(stem);
        xc_stopper_free(stop);
        return st == XC_OK || st == XC_NOMEM ? QR_ERR_NOMEM : QR_ERR_USAGE;
    }
    qr_textpos_free(s->tp);
    s->tp = NULL;
    xc_termgen_free(s->tg);
    s->tg = NULL;
    xc_qparser_free(s->qp);
    s->qp = NULL;
    xc_stopper_free(s->stop);
    xc_stem_free(s->stem);
    s->stem = stem;
    s->stop = stop;
    free(s->lang);
    s->lang = lang;
    snprintf(s->filter, sizeof s->filter, "%s", code);
    qr_status rc = setup_parser(s, err);
    if (rc == QR_OK)
        rc = make_alt(s);
    return rc;
}

int qr_searcher_exact_accents(const qr_searcher *s)
{
    return s ? s->exact_accents : 0;
}

uint32_t qr_searcher_doccount(qr_searcher *s)
{
    xc_db_stats stats;
    if (!s || xc_db_get_stats(s->db, &stats) != XC_OK)
        return 0;
    return stats.doccount;
}

/* Makes s->tp, the searcher's text scanner, when first needed; it is kept
 * for the searcher's next queries (its stemmer caches stems:
 * qr_analyzer_new). */
xc_status searcher_scanner(qr_searcher *s)
{
    if (!s->tp && !(s->tp = qr_textpos_new(s->stem)))
        return XC_NOMEM;
    return XC_OK;
}

qr_textpos *searcher_scanner_for(qr_searcher *s, const char *code)
{
    if (searcher_scanner(s) != XC_OK)
        return NULL;
    if (!code || !*code || s->nalt == 0 || strcmp(code, s->def_code) == 0)
        return s->tp;
    const char *name = qr_lang_stemmer(code);
    for (size_t k = 0; k < s->nalt; k++)
        if (strcmp(s->alt_name[k], name) == 0) {
            if (!s->alt_tp[k] && !(s->alt_tp[k] = qr_textpos_new(s->alt[k])))
                return NULL;
            return s->alt_tp[k];
        }
    return s->tp;
}

xc_status searcher_fetch(const qr_searcher *s, xc_db *db, xc_mset *ms,
                         uint32_t first, uint32_t n, unsigned flags)
{
    /* locally each read costs what reading ahead would: left to the
     * reads, of only the results read */
    if (!s->remotes || !ms)
        return XC_OK;
    return xc_mset_fetch(ms, db, first, n, flags);
}

xc_status searcher_fetch_items(const qr_searcher *s, xc_db *db, xc_mset *ms,
                               const uint32_t *items, uint32_t n,
                               unsigned flags)
{
    if (!s->remotes || !ms || !n)
        return XC_OK;
    return xc_mset_fetch_items(ms, db, items, n, flags);
}

/*
 * package.c — zip packages (Office Open XML, OpenDocument, EPUB) read from
 * memory for their readers: the member list, parts loaded under size caps,
 * references between parts resolved to member paths, name lists and id
 * maps.
 *
 * libarchive reads the zip (its seekable reader, from the central
 * directory, when the end of the zip is intact; else the streaming one).
 * Only the zip format is enabled, no filter. Members are never extracted:
 * a loaded part is a buffer. A member that inflates past its cap stops
 * after max_part + 1 bytes, whatever its header claims.
 */
#include "reader_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ the zip */

static struct archive *zip_open(rd_pkg *p, qr_buf *why, qr_status *st)
{
    struct archive *a = archive_read_new();
    if (!a) {
        *st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, p->zip, p->zip_len) != ARCHIVE_OK) {
        const char *m = archive_error_string(a);
        *st = rd_fail(why, QR_ERR_FORMAT, "not %s %s: not a zip archive (%s)", p->an,
                      p->kind, m ? m : "unknown format");
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* Sort orders for the index: by name (exactly, or ignoring ASCII case),
 * then by place in the archive, so the first of equal names is the
 * earliest member. */
static int order(const void *a, const void *b, int (*cmp)(const char *, const char *))
{
    const rd_part *x = *(rd_part *const *)a, *y = *(rd_part *const *)b;
    int c = cmp(x->name, y->name);
    return c ? c : (x > y) - (x < y);
}

static int order_exact(const void *a, const void *b) { return order(a, b, strcmp); }
static int order_ci(const void *a, const void *b) { return order(a, b, strcasecmp); }

/* The loadable members sorted by name, exactly and ignoring case: a
 * reader may look up a name per slide, sheet or spine entry, of which a
 * hostile part can hold millions. */
static int build_index(rd_pkg *p)
{
    size_t n = 0;
    if (p->nparts == 0)
        return 0;
    if (!(p->index = malloc(p->nparts * sizeof *p->index)) ||
        !(p->index_ci = malloc(p->nparts * sizeof *p->index_ci)))
        return -1;
    for (size_t i = 0; i < p->nparts; i++)
        if (p->parts[i].loadable)
            p->index[n++] = &p->parts[i];
    memcpy(p->index_ci, p->index, n * sizeof *p->index);
    p->nindex = n;
    if (n > 1) {
        qsort(p->index, n, sizeof *p->index, order_exact);
        qsort(p->index_ci, n, sizeof *p->index_ci, order_ci);
    }
    return 0;
}

/* The earliest member of sorted whose name cmp says equals name, or NULL. */
static rd_part *lookup(rd_part **sorted, size_t n, const char *name,
                       int (*cmp)(const char *, const char *))
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp(sorted[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && cmp(sorted[lo]->name, name) == 0 ? sorted[lo] : NULL;
}

static void parts_free(rd_pkg *p)
{
    free(p->index);
    free(p->index_ci);
    p->index = p->index_ci = NULL;
    p->nindex = 0;
    for (size_t i = 0; i < p->nparts; i++) {
        free(p->parts[i].name);
        free(p->parts[i].data);
    }
    free(p->parts);
    p->parts = NULL;
    p->nparts = 0;
}

qr_status rd_pkg_open(rd_pkg *p, rd_ctx *rc, const rd_unit *u, const char *kind,
                      const char *data, size_t len, qr_buf *why)
{
    memset(p, 0, sizeof *p);
    p->rc = rc;
    p->u = u;
    p->kind = kind;
    /* "an ODT", "an XLSX": by how the first letter is said */
    p->an = strchr("AEFHILMNORSX", kind[0]) ? "an" : "a";
    p->zip = data;
    p->zip_len = len;
    p->max_part = rc->max_doc;
    p->max_total = rc->max_doc > UINT64_MAX / 2 ? UINT64_MAX : 2 * (uint64_t)rc->max_doc;
    if (p->max_total > rc->max_source)
        p->max_total = rc->max_source;

    qr_status st = QR_OK;
    struct archive *a = zip_open(p, why, &st);
    if (!a)
        return st;
    size_t cap = 0;
    qr_buf where = {0};
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY) {
            const char *m = archive_error_string(a);
            if (p->nparts == 0)
                st = rd_fail(why, QR_ERR_FORMAT, "not %s %s: not a zip archive (%s)", p->an,
                             kind, m ? m : "unknown error");
            else
                rd_warn(rc, u->where, "zip truncated or corrupt after %zu members (%s); "
                        "the members before it were read", p->nparts, m ? m : "unknown error");
            break;
        }
        if (p->nparts == RD_PKG_MAX_MEMBERS) {
            st = rd_fail(why, QR_ERR_TOO_BIG, "%s with more than %d members", kind,
                         RD_PKG_MAX_MEMBERS);
            break;
        }
        if (p->nparts == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            rd_part *np = realloc(p->parts, ncap * sizeof *np);
            if (!np) {
                st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
                break;
            }
            p->parts = np;
            cap = ncap;
        }
        const char *name = archive_entry_pathname(e);
        rd_part *m = &p->parts[p->nparts];
        memset(m, 0, sizeof *m);
        if (!(m->name = strdup(name ? name : ""))) {
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
            break;
        }
        p->nparts++;
        m->loadable = *m->name && archive_entry_filetype(e) == AE_IFREG;
        if (m->loadable && rd_path_unsafe(m->name)) {
            m->loadable = 0;
            qr_buf_clear(&where);
            if (rd_pkg_where(p, m->name, &where) == 0)
                rd_warn(rc, where.data, "unsafe member path skipped");
        }
    }
    qr_buf_free(&where);
    archive_read_free(a);
    if (st == QR_OK && build_index(p) != 0)
        st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
    if (st != QR_OK)
        parts_free(p);
    return st;
}

void rd_pkg_close(rd_pkg *p)
{
    parts_free(p);
}

rd_part *rd_pkg_find(rd_pkg *p, const char *name)
{
    rd_part *m = lookup(p->index, p->nindex, name, strcmp);
    return m ? m : lookup(p->index_ci, p->nindex, name, strcasecmp);
}

rd_part *rd_pkg_want(rd_pkg *p, const char *name)
{
    rd_part *m = rd_pkg_find(p, name);
    if (m && !m->loaded)
        m->want = 1;
    return m;
}

int rd_pkg_where(const rd_pkg *p, const char *name, qr_buf *b)
{
    return rd_where(b, p->u->where, "/", name);
}

/* Inflates the current member into m, within the caps. */
static qr_status load_member(rd_pkg *p, struct archive *a, struct archive_entry *e,
                             rd_part *m, qr_buf *why)
{
    qr_buf b = {0};
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0) {
        /* a size that says too much is believed; one that says little is
         * not: the data read is counted as it comes */
        uint64_t declared = (uint64_t)archive_entry_size(e);
        if (declared > p->max_part)
            return rd_fail(why, QR_ERR_TOO_BIG, "member %s larger than %llu bytes", m->name,
                           (unsigned long long)p->max_part);
        if (qr_buf_reserve(&b, declared < (1u << 20) ? (size_t)declared : (1u << 20)) != 0)
            return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    }
    char chunk[RD_CHUNK];
    for (;;) {
        la_ssize_t r = archive_read_data(a, chunk, sizeof chunk);
        if (r == 0)
            break;
        if (r < 0) {
            const char *msg = archive_error_string(a);
            qr_buf_free(&b);
            return rd_fail(why, QR_ERR_FORMAT, "member %s cannot be read: %s", m->name,
                           msg ? msg : "unknown error");
        }
        p->loaded += (uint64_t)r;
        int part_big = b.len + (uint64_t)r > p->max_part;
        if (part_big || p->loaded > p->max_total) {
            qr_buf_free(&b);
            if (part_big)
                return rd_fail(why, QR_ERR_TOO_BIG, "member %s larger than %llu bytes",
                               m->name, (unsigned long long)p->max_part);
            return rd_fail(why, QR_ERR_TOO_BIG, "members of the %s inflate to more than "
                           "%llu bytes", p->kind, (unsigned long long)p->max_total);
        }
        if (qr_buf_append(&b, chunk, (size_t)r) != 0) {
            qr_buf_free(&b);
            return rd_fail(why, QR_ERR_NOMEM, "out of memory");
        }
    }
    if (qr_buf_append(&b, "", 0) != 0) {
        qr_buf_free(&b);
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    }
    m->len = b.len;
    m->data = qr_buf_steal(&b);
    m->loaded = 1;
    m->want = 0;
    return m->data ? QR_OK : rd_fail(why, QR_ERR_NOMEM, "out of memory");
}

qr_status rd_pkg_load(rd_pkg *p, qr_buf *why)
{
    size_t todo = 0;
    for (size_t i = 0; i < p->nparts; i++)
        todo += p->parts[i].want;
    if (todo == 0)
        return QR_OK;
    qr_status st = QR_OK;
    struct archive *a = zip_open(p, why, &st);
    if (!a)
        return st;
    /* the archive lists its members in the same order every time: the
     * k-th header is parts[k] */
    for (size_t k = 0; k < p->nparts && todo > 0 && st == QR_OK; k++) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        const char *name = r >= ARCHIVE_WARN && r != ARCHIVE_RETRY ? archive_entry_pathname(e)
                                                                   : NULL;
        if (!name || strcmp(name, p->parts[k].name) != 0) {
            st = rd_fail(why, QR_ERR_FORMAT, "%s damaged: member %s cannot be found again",
                         p->kind, p->parts[k].name);
            break;
        }
        if (p->parts[k].want) {
            todo--;
            st = load_member(p, a, e, &p->parts[k], why);
        }
    }
    archive_read_free(a);
    return st;
}

rd_part *rd_pkg_get(rd_pkg *p, const char *name, qr_status *st, qr_buf *why)
{
    *st = QR_OK;
    rd_part *m = rd_pkg_want(p, name);
    if (!m)
        return NULL;
    if (!m->loaded && (*st = rd_pkg_load(p, why)) != QR_OK)
        return NULL;
    return m;
}

/* ------------------------------------------------------------ references */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rd_pkg_resolve(const char *base, const char *target, char *out, size_t cap)
{
    /* the joined path, decoded, in out; then segments resolved in place */
    size_t n = 0;
    if (!target || !*target || cap < 2)
        return -1;
    if (target[0] == '/') {
        target++;
    } else if (base) {
        const char *slash = strrchr(base, '/');
        size_t dir = slash ? (size_t)(slash - base) + 1 : 0;
        if (dir >= cap)
            return -1;
        memcpy(out, base, dir);
        n = dir;
    }
    for (const char *t = target; *t && *t != '#' && *t != '?'; t++) {
        char c = *t;
        if (c == '%' && hexval(t[1]) >= 0 && hexval(t[2]) >= 0) {
            c = (char)(hexval(t[1]) * 16 + hexval(t[2]));
            t += 2;
        }
        if (c == '\0' || n + 1 >= cap)
            return -1;
        out[n++] = c == '\\' ? '/' : c;
    }
    out[n] = '\0';
    /* resolve "." and ".." segments: w is where the next kept segment goes */
    size_t w = 0, r = 0;
    while (r < n) {
        size_t e = r;
        while (e < n && out[e] != '/')
            e++;
        size_t len = e - r;
        if (len == 0 || (len == 1 && out[r] == '.')) {
            /* empty or "." */
        } else if (len == 2 && out[r] == '.' && out[r + 1] == '.') {
            if (w == 0)
                return -1;
            w--;   /* drop the '/' ending the last segment, then the segment */
            while (w > 0 && out[w - 1] != '/')
                w--;
        } else {
            memmove(out + w, out + r, len);
            w += len;
            if (e < n)
                out[w++] = '/';
        }
        r = e + 1;
    }
    while (w > 0 && out[w - 1] == '/')
        w--;
    out[w] = '\0';
    return w > 0 ? 0 : -1;
}

/* ------------------------------------------------------------ names, maps */

int rd_names_add(rd_names *l, const char *s)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = ncap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

void rd_names_free(rd_names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int rd_map_add(rd_map *m, const char *key, const char *val, const char *aux)
{
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        rd_map_ent *ne = realloc(m->e, ncap * sizeof *ne);
        if (!ne)
            return -1;
        m->e = ne;
        m->cap = ncap;
    }
    rd_map_ent *x = &m->e[m->n];
    x->seq = m->n;
    x->key = strdup(key);
    x->val = strdup(val);
    x->aux = aux ? strdup(aux) : NULL;
    if (!x->key || !x->val || (aux && !x->aux)) {
        free(x->key);
        free(x->val);
        free(x->aux);
        return -1;
    }
    m->n++;
    m->sorted = 0;
    return 0;
}

/* By key, then order of addition. */
static int ent_cmp(const void *a, const void *b)
{
    const rd_map_ent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

const rd_map_ent *rd_map_get(rd_map *m, const char *key)
{
    if (!m->sorted) {
        if (m->n > 1)
            qsort(m->e, m->n, sizeof *m->e, ent_cmp);
        m->sorted = 1;
    }
    size_t lo = 0, hi = m->n;
    while (lo < hi) {   /* the first entry >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(m->e[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && strcmp(m->e[lo].key, key) == 0 ? &m->e[lo] : NULL;
}

void rd_map_free(rd_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].key);
        free(m->e[i].val);
        free(m->e[i].aux);
    }
    free(m->e);
    memset(m, 0, sizeof *m);
}

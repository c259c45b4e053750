/*
 * eval.c — retrieval evaluation as trec_eval 9.x computes it (see eval.h).
 *
 * Storage: every string (query ids, document ids) goes into one string pool
 * per object, query ids are interned through a small hash table, and the
 * judgements and results are flat arrays tagged with their query's index.
 * Evaluation sorts (n log n): judgements by (query, docid) once at load,
 * results by (query, docid) to drop duplicates and then by (query, score
 * desc, docid desc) to rank; relevance is then a binary search.
 *
 * Where we knowingly differ from trec_eval:
 *   - A run naming the same document twice for a query makes trec_eval stop
 *     with "duplicate docs"; we keep the best-ranked occurrence (highest
 *     score, ties as in ranking) and ignore the others.
 *   - Judged queries missing from the run count as 0 (trec_eval -c).
 *   - Queries without any relevant judgement are left out entirely.
 *   - MRR is cut at rank 10 (trec_eval's recip_rank is not cut).
 *   - A NaN score ranks after every other score.
 */
#define _POSIX_C_SOURCE 200809L
#include "eval.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ string pool */

typedef struct pool_block {
    struct pool_block *next;  /* the previously filled block              */
    size_t used;              /* bytes of data in use                      */
    size_t cap;               /* bytes of data allocated                   */
    char data[];
} pool_block;

typedef struct str_pool {
    pool_block *head;         /* the block being filled, NULL at first    */
} str_pool;

enum { POOL_BLOCK_BYTES = 64 * 1024 };

/* Copies s (n bytes) into the pool, NUL-terminated. NULL on out of memory. */
static const char *pool_add(str_pool *p, const char *s, size_t n)
{
    pool_block *b = p->head;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > POOL_BLOCK_BYTES ? n + 1 : POOL_BLOCK_BYTES;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        /* a block made for one big string goes behind the current one, so
         * the current one keeps filling */
        if (p->head && cap > POOL_BLOCK_BYTES) {
            b->next = p->head->next;
            p->head->next = b;
        } else {
            b->next = p->head;
            p->head = b;
        }
    }
    char *dst = b->data + b->used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    b->used += n + 1;
    return dst;
}

static void pool_free(str_pool *p)
{
    pool_block *b = p->head;
    while (b) {
        pool_block *next = b->next;
        free(b);
        b = next;
    }
    p->head = NULL;
}

/* ------------------------------------------------------------ query ids */

/* Query ids, interned: index <-> string, through an open-addressing table. */
typedef struct qid_table {
    const char **ids;   /* ids[i]: the string of query i (in the pool)      */
    size_t n;           /* queries                                          */
    size_t cap;         /* entries allocated in ids                         */
    size_t *slots;      /* hash slots holding index + 1, 0 = empty          */
    size_t nslots;      /* a power of two, at least twice n                 */
} qid_table;

static size_t qid_slot(const qid_table *t, const char *s, size_t len,
                       int *found)
{
    size_t mask = t->nslots - 1;
    size_t h = (size_t)qr_hash64(s, len, 0) & mask;
    for (;;) {
        size_t v = t->slots[h];
        if (v == 0) {
            *found = 0;
            return h;
        }
        if (strcmp(t->ids[v - 1], s) == 0) {
            *found = 1;
            return h;
        }
        h = (h + 1) & mask;
    }
}

/* Index of query s, or SIZE_MAX if unknown. */
static size_t qid_find(const qid_table *t, const char *s)
{
    if (t->n == 0)
        return SIZE_MAX;
    int found;
    size_t h = qid_slot(t, s, strlen(s), &found);
    return found ? t->slots[h] - 1 : SIZE_MAX;
}

static int qid_grow(qid_table *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 64;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -1;
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    for (size_t i = 0; i < t->n; i++) {
        int found;
        size_t h = qid_slot(t, t->ids[i], strlen(t->ids[i]), &found);
        t->slots[h] = i + 1;
    }
    return 0;
}

/* Index of query s, added if new. SIZE_MAX on out of memory. */
static size_t qid_intern(qid_table *t, str_pool *pool, const char *s)
{
    size_t len = strlen(s);
    int found = 0;
    size_t h = 0;
    if (t->nslots > 0) {
        h = qid_slot(t, s, len, &found);
        if (found)
            return t->slots[h] - 1;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        const char **ids = realloc(t->ids, cap * sizeof *ids);
        if (!ids)
            return SIZE_MAX;
        t->ids = ids;
        t->cap = cap;
    }
    const char *copy = pool_add(pool, s, len);
    if (!copy)
        return SIZE_MAX;
    t->ids[t->n++] = copy;
    if (t->n * 2 > t->nslots) {
        if (qid_grow(t) != 0) {
            t->n--;
            return SIZE_MAX;
        }
    } else {
        t->slots[h] = t->n;
    }
    return t->n - 1;
}

static void qid_free(qid_table *t)
{
    free(t->ids);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* Grows an array of elements of size sz to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    if (c > SIZE_MAX / sz)
        return -1;
    void *p = realloc(*arr, c * sz);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

/* ------------------------------------------------------------ line reading */

/* Splits line in place into at most max fields separated by blanks; returns
 * the number of fields found (max + 1 means "more than max"). */
static size_t split_fields(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
               *p == '\v' || *p == '\f')
            p++;
        if (!*p)
            return n;
        if (n == max)
            return max + 1;
        f[n++] = p;
        while (*p && !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
                       *p == '\v' || *p == '\f'))
            p++;
        if (*p)
            *p++ = '\0';
    }
}

/* Sets *err to "path:line: message" (line 0: "path: message"). */
static void set_error(char **err, const char *path, size_t line,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_error(char **err, const char *path, size_t line,
                      const char *fmt, ...)
{
    if (!err)
        return;
    qr_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    int rc = qr_buf_printable(&b, path, strlen(path));
    if (rc == 0)
        rc = line ? qr_buf_printf(&b, ":%zu: ", line) : qr_buf_puts(&b, ": ");
    if (rc == 0)
        rc = qr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    *err = rc == 0 ? qr_buf_steal(&b) : NULL;
    if (rc != 0)
        qr_buf_free(&b);
}

/* A field, made printable and cut to a readable length, for messages. */
static const char *shown(qr_buf *b, const char *s)
{
    size_t n = strlen(s);
    qr_buf_clear(b);
    if (qr_buf_printable(b, s, n > 60 ? 60 : n) != 0 ||
        (n > 60 && qr_buf_puts(b, "...") != 0))
        return "?";
    return b->data ? b->data : "";
}

/* Reads path line by line, calling fn for each line that is not blank.
 * Returns 0, or -1 after setting *err. */
typedef int (*line_fn)(void *obj, char *line, const char *path, size_t lineno,
                       char **err);

static int read_lines(const char *path, line_fn fn, void *obj, char **err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        set_error(err, path, 0, "%s", strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    size_t lineno = 0;
    int rc = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)got)) {
            set_error(err, path, lineno, "NUL byte in line");
            rc = -1;
            break;
        }
        if (fn(obj, line, path, lineno, err) != 0) {
            rc = -1;
            break;
        }
    }
    /* getline also fails (without setting the error flag) when memory
     * runs out */
    if (rc == 0 && (ferror(f) || !feof(f))) {
        set_error(err, path, 0, "read error: %s", strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------ qrels */

typedef struct judgement {
    size_t q;           /* query index                                    */
    const char *doc;    /* document id (in the pool)                      */
    long rel;           /* relevance; > 0 means relevant                  */
    size_t line;        /* line in the qrels file, for error messages     */
} judgement;

struct qr_qrels {
    str_pool pool;      /* every string                                   */
    qid_table qids;     /* query ids                                      */
    judgement *j;       /* sorted by (q, doc) once loaded                 */
    size_t nj;
    size_t capj;
    size_t *qoff;       /* judgements of query q: j[qoff[q] .. qoff[q+1]) */
};

static int cmp_judgement(const void *a, const void *b)
{
    const judgement *x = a, *y = b;
    if (x->q != y->q)
        return x->q < y->q ? -1 : 1;
    int c = strcmp(x->doc, y->doc);
    if (c != 0)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int qrels_line(void *obj, char *line, const char *path, size_t lineno,
                      char **err)
{
    qr_qrels *q = obj;
    char *f[4];
    size_t nf = split_fields(line, f, 4);
    if (nf == 0)
        return 0; /* blank line */
    if (nf != 4) {
        if (nf > 4)
            set_error(err, path, lineno, "expected 4 fields (qid iter docid "
                      "rel), found more");
        else
            set_error(err, path, lineno, "expected 4 fields (qid iter docid "
                      "rel), found %zu", nf);
        return -1;
    }
    errno = 0;
    char *end;
    long rel = strtol(f[3], &end, 10);
    if (*end || end == f[3] || errno == ERANGE) {
        qr_buf b = {0};
        set_error(err, path, lineno, "relevance '%s' is not an integer",
                  shown(&b, f[3]));
        qr_buf_free(&b);
        return -1;
    }
    size_t qi = qid_intern(&q->qids, &q->pool, f[0]);
    const char *doc = qi == SIZE_MAX ? NULL : pool_add(&q->pool, f[2],
                                                       strlen(f[2]));
    if (!doc || grow((void **)&q->j, &q->capj, q->nj, sizeof *q->j) != 0) {
        set_error(err, path, lineno, "out of memory");
        return -1;
    }
    q->j[q->nj++] = (judgement){qi, doc, rel, lineno};
    return 0;
}

void qr_qrels_free(qr_qrels *q)
{
    if (!q)
        return;
    pool_free(&q->pool);
    qid_free(&q->qids);
    free(q->j);
    free(q->qoff);
    free(q);
}

qr_qrels *qr_qrels_load(const char *path, char **err)
{
    if (err)
        *err = NULL;
    qr_qrels *q = calloc(1, sizeof *q);
    if (!q) {
        set_error(err, path, 0, "out of memory");
        return NULL;
    }
    if (read_lines(path, qrels_line, q, err) != 0) {
        qr_qrels_free(q);
        return NULL;
    }
    if (q->nj > 0)
        qsort(q->j, q->nj, sizeof *q->j, cmp_judgement);
    /* trec_eval refuses a document judged twice for one query; so do we,
     * pointing at both lines */
    for (size_t i = 1; i < q->nj; i++) {
        if (q->j[i].q == q->j[i - 1].q &&
            strcmp(q->j[i].doc, q->j[i - 1].doc) == 0) {
            qr_buf b1 = {0}, b2 = {0};
            set_error(err, path, q->j[i].line,
                      "document %s judged again for query %s (first on "
                      "line %zu)", shown(&b1, q->j[i].doc),
                      shown(&b2, q->qids.ids[q->j[i].q]), q->j[i - 1].line);
            qr_buf_free(&b1);
            qr_buf_free(&b2);
            qr_qrels_free(q);
            return NULL;
        }
    }
    q->qoff = calloc(q->qids.n + 1, sizeof *q->qoff);
    if (!q->qoff) {
        set_error(err, path, 0, "out of memory");
        qr_qrels_free(q);
        return NULL;
    }
    for (size_t i = 0; i < q->nj; i++)
        q->qoff[q->j[i].q + 1]++;
    for (size_t i = 0; i < q->qids.n; i++)
        q->qoff[i + 1] += q->qoff[i];
    return q;
}

/* ------------------------------------------------------------ runs */

typedef struct result {
    size_t q;           /* query index                                    */
    const char *doc;    /* document id (in the pool)                      */
    double score;       /* higher ranks first; NaN stored as -HUGE_VAL... */
    int nan;            /* ... and flagged, to rank after -HUGE_VAL too   */
} result;

struct qr_run {
    str_pool pool;      /* every string                                   */
    qid_table qids;     /* query ids: every query named by a line or by
                           qr_run_add_query                               */
    result *r;          /* results in the order added                     */
    size_t nr;
    size_t capr;
};

qr_run *qr_run_new(void)
{
    return calloc(1, sizeof(qr_run));
}

void qr_run_free(qr_run *r)
{
    if (!r)
        return;
    pool_free(&r->pool);
    qid_free(&r->qids);
    free(r->r);
    free(r);
}

int qr_run_add_query(qr_run *r, const char *qid)
{
    return qid_intern(&r->qids, &r->pool, qid) == SIZE_MAX ? -1 : 0;
}

int qr_run_add(qr_run *r, const char *qid, const char *docid, double score)
{
    size_t qi = qid_intern(&r->qids, &r->pool, qid);
    if (qi == SIZE_MAX)
        return -1;
    if (grow((void **)&r->r, &r->capr, r->nr, sizeof *r->r) != 0)
        return -1;
    const char *doc = pool_add(&r->pool, docid, strlen(docid));
    if (!doc)
        return -1;
    int nan = isnan(score);
    r->r[r->nr++] = (result){qi, doc, nan ? -HUGE_VAL : score, nan};
    return 0;
}

static int run_line(void *obj, char *line, const char *path, size_t lineno,
                    char **err)
{
    qr_run *r = obj;
    char *f[6];
    size_t nf = split_fields(line, f, 6);
    if (nf == 0)
        return 0;
    if (nf != 6) {
        if (nf > 6)
            set_error(err, path, lineno, "expected 6 fields (qid Q0 docid "
                      "rank score tag), found more");
        else
            set_error(err, path, lineno, "expected 6 fields (qid Q0 docid "
                      "rank score tag), found %zu", nf);
        return -1;
    }
    errno = 0;
    char *end;
    double score = strtod(f[4], &end);
    if (*end || end == f[4]) {
        qr_buf b = {0};
        set_error(err, path, lineno, "score '%s' is not a number",
                  shown(&b, f[4]));
        qr_buf_free(&b);
        return -1;
    }
    /* the rank column is ignored, as trec_eval ignores it: the score
     * decides */
    if (qr_run_add(r, f[0], f[2], score) != 0) {
        set_error(err, path, lineno, "out of memory");
        return -1;
    }
    return 0;
}

qr_run *qr_run_load(const char *path, char **err)
{
    if (err)
        *err = NULL;
    qr_run *r = qr_run_new();
    if (!r) {
        set_error(err, path, 0, "out of memory");
        return NULL;
    }
    if (read_lines(path, run_line, r, err) != 0) {
        qr_run_free(r);
        return NULL;
    }
    return r;
}

/* ------------------------------------------------------------ evaluation */

/* Ranking order, trec_eval's: score descending, then docid descending. */
static int rank_before(const result *x, const result *y)
{
    if (x->nan != y->nan)
        return x->nan ? 1 : -1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(y->doc, x->doc);
}

/* (query, docid, rank): groups a query's duplicates, best-ranked first. */
static int cmp_result_doc(const void *a, const void *b)
{
    const result *x = a, *y = b;
    if (x->q != y->q)
        return x->q < y->q ? -1 : 1;
    int c = strcmp(x->doc, y->doc);
    return c != 0 ? c : rank_before(x, y);
}

/* (query, rank) */
static int cmp_result_rank(const void *a, const void *b)
{
    const result *x = a, *y = b;
    if (x->q != y->q)
        return x->q < y->q ? -1 : 1;
    return rank_before(x, y);
}

typedef struct query_ref {
    const char *qid;
    size_t q;
} query_ref;

static int cmp_query_ref(const void *a, const void *b)
{
    return strcmp(((const query_ref *)a)->qid, ((const query_ref *)b)->qid);
}

static int cmp_doc_judgement(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const judgement *)elem)->doc);
}

/* Relevance of doc among a query's judgements (sorted by doc); 0 when the
 * document was not judged. */
static long relevance_of(const judgement *j, size_t n, const char *doc)
{
    if (n == 0)
        return 0;
    const judgement *hit = bsearch(doc, j, n, sizeof *j, cmp_doc_judgement);
    return hit ? hit->rel : 0;
}

/* Scores one query: its judgements j[0..nj) and its ranked results
 * r[0..nr) (deduplicated). */
static void score_query(const judgement *j, size_t nj, const result *r,
                        size_t nr, size_t nrel, qr_metrics *m)
{
    /* ideal DCG@10: the ten highest gains among the judgements */
    long top[10];
    size_t ntop = 0;
    for (size_t i = 0; i < nj; i++) {
        long g = j[i].rel;
        if (g <= 0)
            continue;
        if (ntop < 10) {
            top[ntop++] = g;
        } else if (g > top[9]) {
            top[9] = g;
        } else {
            continue;
        }
        for (size_t k = ntop - 1; k > 0 && top[k] > top[k - 1]; k--) {
            long t = top[k];
            top[k] = top[k - 1];
            top[k - 1] = t;
        }
    }
    double idcg = 0;
    for (size_t k = 0; k < ntop; k++)
        idcg += (double)top[k] / log2((double)k + 2);

    double dcg = 0, ap = 0, rr = 0;
    size_t found = 0, in10 = 0, in100 = 0;
    for (size_t i = 0; i < nr; i++) {
        long rel = relevance_of(j, nj, r[i].doc);
        if (rel <= 0)
            continue;
        found++;
        ap += (double)found / (double)(i + 1);
        if (i < 100)
            in100++;
        if (i < 10) {
            in10++;
            dcg += (double)rel / log2((double)i + 2);
            if (rr == 0)
                rr = 1.0 / (double)(i + 1);
        }
    }
    m->ndcg10 = idcg > 0 ? dcg / idcg : 0;
    m->map = ap / (double)nrel;
    m->recall100 = (double)in100 / (double)nrel;
    m->p10 = (double)in10 / 10.0;
    m->mrr10 = rr;
    m->queries = 1;
}

int qr_evaluate(const qr_qrels *qrels, const qr_run *run, qr_metrics *out,
                void (*per_query)(void *ctx, const char *qid,
                                  const qr_metrics *m),
                void *ctx)
{
    memset(out, 0, sizeof *out);
    if (!qrels)
        return -1;

    /* rank the run: drop duplicate documents, then sort each query's
     * results; roff[q] .. roff[q+1] are run query q's results */
    size_t nrun_q = run ? run->qids.n : 0;
    size_t nr = run ? run->nr : 0;
    result *ranked = nr ? malloc(nr * sizeof *ranked) : NULL;
    size_t *roff = calloc(nrun_q + 1, sizeof *roff);
    query_ref *order = qrels->qids.n
                           ? malloc(qrels->qids.n * sizeof *order) : NULL;
    if ((nr && !ranked) || !roff || (qrels->qids.n && !order)) {
        free(ranked);
        free(roff);
        free(order);
        return -1;
    }
    if (nr) {
        memcpy(ranked, run->r, nr * sizeof *ranked);
        qsort(ranked, nr, sizeof *ranked, cmp_result_doc);
        size_t kept = 0;
        for (size_t i = 0; i < nr; i++) {
            if (kept > 0 && ranked[kept - 1].q == ranked[i].q &&
                strcmp(ranked[kept - 1].doc, ranked[i].doc) == 0)
                continue; /* a worse-ranked duplicate */
            ranked[kept++] = ranked[i];
        }
        nr = kept;
        qsort(ranked, nr, sizeof *ranked, cmp_result_rank);
        for (size_t i = 0; i < nr; i++)
            roff[ranked[i].q + 1]++;
        for (size_t i = 0; i < nrun_q; i++)
            roff[i + 1] += roff[i];
    }

    for (size_t i = 0; i < qrels->qids.n; i++)
        order[i] = (query_ref){qrels->qids.ids[i], i};
    if (qrels->qids.n)
        qsort(order, qrels->qids.n, sizeof *order, cmp_query_ref);

    qr_metrics sum = {0};
    for (size_t k = 0; k < qrels->qids.n; k++) {
        size_t q = order[k].q;
        const judgement *j = qrels->j + qrels->qoff[q];
        size_t nj = qrels->qoff[q + 1] - qrels->qoff[q];
        size_t nrel = 0;
        for (size_t i = 0; i < nj; i++)
            nrel += j[i].rel > 0;
        if (nrel == 0)
            continue;
        size_t rq = run ? qid_find(&run->qids, order[k].qid) : SIZE_MAX;
        const result *r = NULL;
        size_t n = 0;
        if (rq != SIZE_MAX) {
            r = ranked + roff[rq];
            n = roff[rq + 1] - roff[rq];
        }
        qr_metrics m = {0};
        score_query(j, nj, r, n, nrel, &m);
        if (per_query)
            per_query(ctx, order[k].qid, &m);
        sum.ndcg10 += m.ndcg10;
        sum.map += m.map;
        sum.recall100 += m.recall100;
        sum.mrr10 += m.mrr10;
        sum.p10 += m.p10;
        sum.queries++;
    }
    if (sum.queries > 0) {
        double nq = (double)sum.queries;
        out->ndcg10 = sum.ndcg10 / nq;
        out->map = sum.map / nq;
        out->recall100 = sum.recall100 / nq;
        out->mrr10 = sum.mrr10 / nq;
        out->p10 = sum.p10 / nq;
        out->queries = sum.queries;
    }
    free(ranked);
    free(roff);
    free(order);
    return 0;
}

void qr_metrics_print(FILE *f, const qr_metrics *m, int json)
{
    if (json) {
        fprintf(f, "{\"queries\":%zu,\"ndcg@10\":%.6f,\"map\":%.6f,"
                   "\"recall@100\":%.6f,\"mrr@10\":%.6f,\"p@10\":%.6f}\n",
                m->queries, m->ndcg10, m->map, m->recall100, m->mrr10,
                m->p10);
        return;
    }
    fprintf(f, "%-11s %zu\n", "queries", m->queries);
    fprintf(f, "%-11s %.4f\n", "nDCG@10", m->ndcg10);
    fprintf(f, "%-11s %.4f\n", "MAP", m->map);
    fprintf(f, "%-11s %.4f\n", "Recall@100", m->recall100);
    fprintf(f, "%-11s %.4f\n", "MRR@10", m->mrr10);
    fprintf(f, "%-11s %.4f\n", "P@10", m->p10);
}

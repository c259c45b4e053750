/*
 * batch.c — quarry-query's batch mode: each line ID<TAB>QUERY of a file
 * searched in turn, written as a TREC run and evaluated against qrels.
 */
#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eval.h"
#include "exitcodes.h"
#include "print.h"
#include "util.h"

/* Query ids seen so far (duplicates are reported and skipped). */
typedef struct qid_set {
    char **v;
    size_t n, cap;    /* open addressing, cap a power of two */
} qid_set;

/* Returns 1 if qid was already in the set, 0 if added, -1 on no memory. */
static int qid_set_add(qid_set *s, const char *qid)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i])
                continue;
            size_t h = qr_hash64(s->v[i], strlen(s->v[i]), 0) & (cap - 1);
            while (v[h])
                h = (h + 1) & (cap - 1);
            v[h] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t h = qr_hash64(qid, strlen(qid), 0) & (s->cap - 1);
    while (s->v[h]) {
        if (strcmp(s->v[h], qid) == 0)
            return 1;
        h = (h + 1) & (s->cap - 1);
    }
    if (!(s->v[h] = strdup(qid)))
        return -1;
    s->n++;
    return 0;
}

static void qid_set_free(qid_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i]);
    free(s->v);
}

typedef struct per_query_ctx {
    qr_buf *out;
    int json;
    int failed;
} per_query_ctx;

static void on_query_metrics(void *ctx, const char *qid, const qr_metrics *m)
{
    per_query_ctx *c = ctx;
    if (qr_metrics_row(c->out, qid, m, c->json) != 0)
        c->failed = 1;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' &&
            *s != '\f' && *s != '\v')
            return 0;
    return 1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int batch_run(qr_searcher *s, const batch_opts *o)
{
    int code = QR_EXIT_QUERY_FAILURE;
    FILE *in = NULL, *runf = NULL, *timef = NULL;
    qr_qrels *qrels = NULL;
    qr_run *run = NULL;
    char *line = NULL;
    size_t cap = 0;
    qr_buf err = {0}, out = {0};
    qid_set seen = {0};
    char *fname = shown(o->queries, strlen(o->queries));
    size_t lineno = 0, nqueries = 0, nwith = 0, nfallback = 0, nbad = 0;

    if (o->qrels) {
        char *e = NULL;
        qrels = qr_qrels_load(o->qrels, &e);
        if (!qrels) {
            char *es = e ? shown(e, strlen(e)) : NULL;
            code = usage_error("cannot use --qrels: %s", es ? es : "?");
            free(es);
            free(e);
            goto done;
        }
        if (!(run = qr_run_new())) {
            msg("out of memory");
            goto done;
        }
    }
    if (strcmp(o->queries, "-") == 0) {
        in = stdin;
    } else if (!(in = fopen(o->queries, "r"))) {
        code = usage_error("cannot open --queries file '%s': %s", fname,
                           strerror(errno));
        goto done;
    }
    if (o->run_file) {
        if (!(runf = fopen(o->run_file, "w"))) {
            char *rn = shown(o->run_file, strlen(o->run_file));
            code = usage_error("cannot write --run file '%s': %s", rn,
                               strerror(errno));
            free(rn);
            goto done;
        }
    } else if (!o->qrels) {
        runf = stdout;
    }

    const qr_printer *trec = qr_printer_for(QR_OUT_TREC);
    qr_search_opts so = o->search;
    so.offset = 0;
    so.limit = o->depth;
    so.ids_only = 1;
    so.explain = 0;
    int passage_ids = so.per_article != 1;
    if (o->timings && !(timef = fopen(o->timings, "w"))) {
        char *tn = shown(o->timings, strlen(o->timings));
        code = usage_error("cannot write --timings file '%s': %s", tn,
                           strerror(errno));
        free(tn);
        goto done;
    }

    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        /* NUL bytes cannot be part of a query: read them as spaces */
        for (ssize_t i = 0; i < len; i++)
            if (line[i] == '\0')
                line[i] = ' ';
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (is_blank(line))
            continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            msg("%s:%zu: no TAB between query id and query; line skipped",
                fname, lineno);
            nbad++;
            continue;
        }
        *tab = '\0';
        char *qid = trim(line), *text = tab + 1;
        int bad_id = !*qid;
        for (char *c = qid; *c && !bad_id; c++)
            bad_id = *c == ' ' || (unsigned char)*c < 0x20 || *c == 0x7F;
        if (bad_id) {
            char *q = shown(qid, strlen(qid));
            msg("%s:%zu: query id '%s' is empty or has spaces; line skipped",
                fname, lineno, q ? q : "");
            free(q);
            nbad++;
            continue;
        }
        int dup = qid_set_add(&seen, qid);
        if (dup < 0) {
            msg("out of memory");
            goto done;
        }
        if (dup) {
            char *q = shown(qid, strlen(qid));
            msg("%s:%zu: query id '%s' used before; line skipped", fname,
                lineno, q ? q : "");
            free(q);
            nbad++;
            continue;
        }
        nqueries++;
        if (run && qr_run_add_query(run, qid) != 0) {
            msg("out of memory");
            goto done;
        }

        qr_query *q = NULL;
        qr_results res = {0};
        double t0 = qr_now();
        qr_status st = qr_query_parse(s, text, o->plain ? QR_PARSE_PLAIN
                                                         : QR_PARSE_FULL,
                                      &q, &err);
        if (st == QR_OK && !q->empty)
            st = qr_search_run(s, q, &so, &res, &err);
        if (timef)
            fprintf(timef, "%s\t%.6f\n", qid, qr_now() - t0);
        if (st != QR_OK) {
            msg("%s:%zu: %s", fname, lineno,
                err.data ? err.data : qr_status_str(st));
            qr_query_free(q);
            code = exit_for(st);
            goto done;
        }
        char where[64];
        snprintf(where, sizeof where, "%.40s:%zu", fname ? fname : "", lineno);
        const qr_query *sq = res.searched ? res.searched : q;
        if (sq->level > QR_PARSE_FULL || sq->wildcard_dropped)
            nfallback++;
        if (o->verbose || sq->wildcard_dropped)
            explain_query(sq, where, o->verbose);
        if (q->empty)
            msg("%s: query '%s' has no words to search for", where, qid);
        if (res.n)
            nwith++;
        qr_print_opts po = {.qid = qid, .run_tag = o->run_tag,
                            .passage_ids = passage_ids};
        for (size_t i = 0; i < res.n; i++) {
            const qr_hit *h = &res.hits[i];
            qr_print_item it = {.index = i, .rank = h->rank,
                                .score = h->score, .rec = &h->rec};
            int rc = 0;
            if (runf)
                rc = trec->item(&out, &po, &it);
            if (rc == 0 && run) {
                qr_buf id = {0};
                rc = qr_buf_puts(&id, h->rec.article_id);
                if (rc == 0 && passage_ids)
                    rc = qr_buf_printf(&id, "#%u", h->rec.ordinal + 1);
                if (rc == 0)
                    rc = qr_run_add(run, qid, id.data, h->score);
                qr_buf_free(&id);
            }
            if (rc != 0) {
                msg("out of memory");
                qr_results_free(&res);
                qr_query_free(q);
                goto done;
            }
        }
        qr_results_free(&res);
        qr_query_free(q);
        if (runf && write_buf(runf, &out) != 0) {
            msg("cannot write the run: %s", strerror(errno));
            goto done;
        }
    }
    if (ferror(in)) {
        msg("cannot read '%s': %s", fname, strerror(errno));
        goto done;
    }
    if (runf && (fflush(runf) != 0 || ferror(runf))) {
        msg("cannot write the run: %s", strerror(errno));
        goto done;
    }
    if (nqueries == 0) {
        code = usage_error("no queries in '%s'%s", fname,
                           nbad ? " (every line was malformed)" : "");
        goto done;
    }
    if (nfallback && !o->verbose)
        msg("note: %zu of %zu queries were not valid query syntax and were "
            "searched as plain words (-v tells which)", nfallback, nqueries);

    if (qrels) {
        qr_metrics m;
        per_query_ctx pq = {&out, o->json, 0};
        if (o->per_query && !pq.json)
            qr_metrics_header(&out);
        if (qr_evaluate(qrels, run, &m, o->per_query ? on_query_metrics : NULL,
                        &pq) != 0 ||
            pq.failed) {
            msg("evaluation failed: out of memory");
            goto done;
        }
        if (o->per_query && !pq.json)
            qr_buf_putc(&out, '\n');
        if (write_buf(stdout, &out) != 0) {
            msg("cannot write the figures");
            goto done;
        }
        qr_metrics_print(stdout, &m, o->json);
        if (fflush(stdout) != 0) {
            msg("cannot write the figures: %s", strerror(errno));
            goto done;
        }
        if (m.queries == 0)
            msg("note: no query of the run has a relevant judgement in '%s'",
                o->qrels);
    }
    code = nwith ? QR_EXIT_QUERY_FOUND : QR_EXIT_QUERY_NONE;
done:
    if (timef && fclose(timef) != 0 && code <= QR_EXIT_QUERY_NONE) {
        msg("cannot write the timings: %s", strerror(errno));
        code = QR_EXIT_QUERY_FAILURE;
    }
    if (in && in != stdin)
        fclose(in);
    if (runf && runf != stdout && fclose(runf) != 0 &&
        code <= QR_EXIT_QUERY_NONE) {
        msg("cannot write the run: %s", strerror(errno));
        code = QR_EXIT_QUERY_FAILURE;
    }
    free(line);
    free(fname);
    qid_set_free(&seen);
    qr_run_free(run);
    qr_qrels_free(qrels);
    qr_buf_free(&err);
    qr_buf_free(&out);
    return code;
}

/*
 * eval.h — retrieval evaluation, computed as trec_eval computes it.
 *
 * Runs are scored per query after sorting by score (descending) and, for
 * ties, by document id (descending, strcmp), as trec_eval does. Queries with
 * no relevant (rel > 0) judgement are left out; a judged query with no
 * results in the run counts as 0 for every measure.
 *   nDCG@10   graded gains (rel value), discount log2(rank + 1), the ideal
 *             ranking built from every judged document (trec_eval ndcg_cut_10)
 *   MAP       binary (rel > 0), averaged over the number of relevant docs
 *   Recall@100, P@10, MRR@10 (reciprocal rank of the first relevant in the
 *             top 10, else 0)
 */
#ifndef QUARRY_EVAL_H
#define QUARRY_EVAL_H

#include <stddef.h>
#include <stdio.h>

typedef struct qr_qrels qr_qrels;
typedef struct qr_run qr_run;

/* Loads TREC qrels ("qid iter docid rel" lines). Malformed lines: error with
 * the line number in *err (malloc'd). Returns NULL on failure. */
qr_qrels *qr_qrels_load(const char *path, char **err);
void qr_qrels_free(qr_qrels *q);

qr_run *qr_run_new(void);
void qr_run_free(qr_run *r);
/* Adds one result line. Returns 0, or -1 on out of memory. */
int qr_run_add(qr_run *r, const char *qid, const char *docid, double score);
/* Declares that query qid was run (so a query with no results still counts
 * as run and scores 0). */
int qr_run_add_query(qr_run *r, const char *qid);
/* Loads a TREC run file ("qid Q0 docid rank score tag"). */
qr_run *qr_run_load(const char *path, char **err);

typedef struct qr_metrics {
    double ndcg10, map, recall100, mrr10, p10;
    size_t queries;      /* queries evaluated (judged relevant ones)     */
} qr_metrics;

/* Averages over the judged queries. per_query (may be NULL) is called with
 * each query's figures, in qid order. */
int qr_evaluate(const qr_qrels *qrels, const qr_run *run, qr_metrics *out,
                void (*per_query)(void *ctx, const char *qid,
                                  const qr_metrics *m),
                void *ctx);

/* Prints the figures as a small aligned table (text) or one JSON object. */
void qr_metrics_print(FILE *f, const qr_metrics *m, int json);

#endif

/*
 * test_eval.c — the evaluator against known answers.
 *
 * trec_eval is not packaged in Debian (apt-cache search finds no trec-eval
 * or trec_eval package), so the expected figures below were computed by
 * hand, step by step in the comments, following trec_eval 9.x's rules
 * (-c -m ndcg_cut.10 -m map -m recall.100 -m P.10, with our recip_rank cut
 * at 10), and checked once more with a few lines of Python arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eval.h"
#include "util.h"

#define EPS 1e-9

typedef struct fixture {
    char dir[64];        /* temporary directory, removed by teardown */
    char paths[8][128];  /* files written into it                    */
    int npaths;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    strcpy(fx->dir, "/tmp/quarry-test-eval-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < fx->npaths; i++)
        unlink(fx->paths[i]);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static const char *write_file(fixture *fx, const char *name,
                              const char *content)
{
    char want[128];
    snprintf(want, sizeof want, "%s/%s", fx->dir, name);
    char *path = NULL;
    for (int i = 0; i < fx->npaths; i++)
        if (strcmp(fx->paths[i], want) == 0)
            path = fx->paths[i]; /* rewritten in place */
    if (!path) {
        assert_true(fx->npaths < 8);
        path = fx->paths[fx->npaths++];
        strcpy(path, want);
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(content, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Graded judgements. q1 has six relevant documents (d1 3, d2 2, d5 2,
 * d4 1, d10 1, d6 1); q2 two; q3 none (judged 0 and -1: left out); q4 and
 * q5 one each. */
static const char QRELS[] =
    "q1 0 d1 3\n"
    "q1 0 d2 2\n"
    "q1 0 d3 0\n"
    "q1 0 d4 1\n"
    "q1 0 d5 2\n"
    "q1 0 d10 1\n"
    "q1 0 d6 1\n"
    "\n"
    "q2 0 a 1\n"
    "q2\t0\tb\t2\n"
    "q3 0 x 0\n"
    "q3 0 y -1\n"
    "q4 0 r1 1\n"
    "q5 0 s1 1\n";

/* The rank column is deliberately misleading: only scores count. Ties:
 * d2/d5 at 8 rank d5 first (docid descending), and d10/d9 at 6 rank "d9"
 * first ("d9" > "d10" by strcmp). q2 is not in the run; q3's result does
 * not matter; q9 is not judged. q5's only relevant document is 11th. */
static const char RUN[] =
    "q1 Q0 d3 1 10.0 t\n"
    "q1 Q0 d1 2 9.0 t\n"
    "q1 Q0 d2 3 8.0 t\n"
    "q1 Q0 d5 4 8.0 t\n"
    "q1 Q0 d10 5 6 t\n"
    "q1 Q0 d9 6 6 t\n"
    "q1 Q0 d4 7 5.0e0 t\n"
    "q3 Q0 x 1 1 t\n"
    "q4 Q0 n1 1 3 t\n"
    "q4 Q0 n2 2 2 t\n"
    "q4 Q0 r1 3 1 t\n"
    "q5 Q0 n1 1 20 t\n"
    "q5 Q0 n2 2 19 t\n"
    "q5 Q0 n3 3 18 t\n"
    "q5 Q0 n4 4 17 t\n"
    "q5 Q0 n5 5 16 t\n"
    "q5 Q0 n6 6 15 t\n"
    "q5 Q0 n7 7 14 t\n"
    "q5 Q0 n8 8 13 t\n"
    "q5 Q0 n9 9 12 t\n"
    "q5 Q0 n10 10 11 t\n"
    "q5 Q0 s1 11 1 t\n"
    "q9 Q0 d1 1 1 t\n";

/*
 * q1 ranking: 1 d3 (0), 2 d1 (3), 3 d5 (2), 4 d2 (2), 5 d9 (unjudged),
 * 6 d10 (1), 7 d4 (1); d6 not retrieved.
 *   DCG@10  = 3/log2(3) + 2/log2(4) + 2/log2(5) + 1/log2(7) + 1/log2(8)
 *           = 1.8927893 + 1 + 0.8613531 + 0.3562072 + 0.3333333
 *           = 4.4436829
 *   IDCG@10 = 3/1 + 2/log2(3) + 2/log2(4) + 1/log2(5) + 1/log2(6)
 *             + 1/log2(7)  (gains 3 2 2 1 1 1)
 *           = 3 + 1.2618595 + 1 + 0.4306766 + 0.3868528 + 0.3562072
 *           = 6.4355961
 *   nDCG@10 = 0.6904850547
 *   AP      = (1/2 + 2/3 + 3/4 + 4/6 + 5/7) / 6 = 0.5496031746
 *             (with ties broken the other way, d10 at rank 5: 0.5718...)
 *   R@100 = 5/6, P@10 = 5/10, MRR@10 = 1/2
 * q2: not in the run: 0 everywhere.
 * q4: r1 at rank 3: nDCG@10 = (1/log2(4)) / 1 = 0.5, AP = 1/3, R@100 = 1,
 *     P@10 = 0.1, MRR@10 = 1/3.
 * q5: s1 at rank 11: nDCG@10 = 0, AP = 1/11, R@100 = 1, P@10 = 0,
 *     MRR@10 = 0 (trec_eval's uncut recip_rank would say 1/11).
 * Means over 4 queries (q3 and q9 left out):
 *   nDCG@10 = (0.6904850547 + 0 + 0.5 + 0) / 4       = 0.2976212637
 *   MAP     = (0.5496031746 + 0 + 1/3 + 1/11) / 4    = 0.2434613997
 *   R@100   = (5/6 + 0 + 1 + 1) / 4                  = 0.7083333333
 *   MRR@10  = (1/2 + 0 + 1/3 + 0) / 4                = 0.2083333333
 *   P@10    = (0.5 + 0 + 0.1 + 0) / 4                = 0.15
 */
static const double Q1_NDCG = 0.6904850547, Q1_MAP = 0.5496031746;

typedef struct seen {
    char qid[8][8];
    qr_metrics m[8];
    int n;
} seen;

static void record(void *ctx, const char *qid, const qr_metrics *m)
{
    /* no asserts here: this runs inside qr_evaluate */
    seen *s = ctx;
    if (s->n < 8) {
        snprintf(s->qid[s->n], sizeof s->qid[0], "%s", qid);
        s->m[s->n] = *m;
    }
    s->n++;
}

static void load_both(fixture *fx, const char *qrels_text,
                      const char *run_text, qr_qrels **q, qr_run **r)
{
    char *err = NULL;
    *q = qr_qrels_load(write_file(fx, "qrels", qrels_text), &err);
    assert_null(err);
    assert_non_null(*q);
    *r = qr_run_load(write_file(fx, "run", run_text), &err);
    assert_null(err);
    assert_non_null(*r);
}

static void test_known_answers(void **state)
{
    fixture *fx = *state;
    qr_qrels *q;
    qr_run *r;
    load_both(fx, QRELS, RUN, &q, &r);
    qr_metrics m;
    seen s = {0};
    assert_int_equal(qr_evaluate(q, r, &m, record, &s), 0);

    assert_int_equal(m.queries, 4);
    assert_float_equal(m.ndcg10, 0.2976212637, EPS);
    assert_float_equal(m.map, 0.2434613997, EPS);
    assert_float_equal(m.recall100, 0.7083333333, EPS);
    assert_float_equal(m.mrr10, 0.2083333333, EPS);
    assert_float_equal(m.p10, 0.15, EPS);

    /* per query, in qid order, q3 (nothing relevant) and q9 left out */
    assert_int_equal(s.n, 4);
    assert_string_equal(s.qid[0], "q1");
    assert_string_equal(s.qid[1], "q2");
    assert_string_equal(s.qid[2], "q4");
    assert_string_equal(s.qid[3], "q5");
    assert_float_equal(s.m[0].ndcg10, Q1_NDCG, EPS);
    assert_float_equal(s.m[0].map, Q1_MAP, EPS);
    assert_float_equal(s.m[0].recall100, 5.0 / 6.0, EPS);
    assert_float_equal(s.m[0].p10, 0.5, EPS);
    assert_float_equal(s.m[0].mrr10, 0.5, EPS);
    assert_int_equal(s.m[0].queries, 1);
    /* a judged query with no results counts, as 0 */
    assert_float_equal(s.m[1].ndcg10, 0, EPS);
    assert_float_equal(s.m[1].map, 0, EPS);
    assert_float_equal(s.m[1].recall100, 0, EPS);
    assert_float_equal(s.m[1].mrr10, 0, EPS);
    assert_float_equal(s.m[1].p10, 0, EPS);
    assert_float_equal(s.m[2].ndcg10, 0.5, EPS);
    assert_float_equal(s.m[2].map, 1.0 / 3.0, EPS);
    assert_float_equal(s.m[2].mrr10, 1.0 / 3.0, EPS);
    assert_float_equal(s.m[2].p10, 0.1, EPS);
    assert_float_equal(s.m[3].map, 1.0 / 11.0, EPS);
    assert_float_equal(s.m[3].recall100, 1, EPS);
    assert_float_equal(s.m[3].mrr10, 0, EPS); /* first relevant is 11th */
    assert_float_equal(s.m[3].ndcg10, 0, EPS);

    qr_run_free(r);
    qr_qrels_free(q);
}

static void test_ties_by_docid_descending(void **state)
{
    fixture *fx = *state;
    /* all scores equal: ranked z, y, x; only x is relevant -> rank 3 */
    qr_qrels *q;
    qr_run *r;
    load_both(fx, "t 0 x 1\nt 0 y 0\n",
              "t Q0 x 1 0.5 a\nt Q0 z 2 0.5 a\nt Q0 y 3 0.5 a\n", &q, &r);
    qr_metrics m;
    assert_int_equal(qr_evaluate(q, r, &m, NULL, NULL), 0);
    assert_int_equal(m.queries, 1);
    assert_float_equal(m.mrr10, 1.0 / 3.0, EPS);
    assert_float_equal(m.map, 1.0 / 3.0, EPS);
    assert_float_equal(m.ndcg10, 0.5, EPS); /* 1/log2(4) */
    qr_run_free(r);
    qr_qrels_free(q);
}

static void test_built_run_and_duplicates(void **state)
{
    fixture *fx = *state;
    char *err = NULL;
    qr_qrels *q = qr_qrels_load(write_file(fx, "qrels", QRELS), &err);
    assert_non_null(q);

    /* the same run as RUN for q1, built in memory, in shuffled order, with
     * duplicates that rank worse than the originals (ignored) */
    static const struct { const char *doc; double score; } q1[] = {
        {"d4", 5}, {"d1", 9}, {"d9", 6}, {"d1", 1}, {"d3", 10}, {"d5", 8},
        {"d10", 6}, {"d2", 8}, {"d3", -3}, {"d4", 5},
    };
    qr_run *r = qr_run_new();
    assert_non_null(r);
    for (size_t i = 0; i < sizeof q1 / sizeof q1[0]; i++)
        assert_int_equal(qr_run_add(r, "q1", q1[i].doc, q1[i].score), 0);
    /* q2 was run but found nothing: still 0 */
    assert_int_equal(qr_run_add_query(r, "q2"), 0);
    seen s = {0};
    qr_metrics m;
    assert_int_equal(qr_evaluate(q, r, &m, record, &s), 0);
    assert_int_equal(m.queries, 4);
    assert_string_equal(s.qid[0], "q1");
    assert_float_equal(s.m[0].ndcg10, Q1_NDCG, EPS);
    assert_float_equal(s.m[0].map, Q1_MAP, EPS);
    assert_float_equal(s.m[0].recall100, 5.0 / 6.0, EPS);
    assert_float_equal(s.m[1].map, 0, EPS);
    qr_run_free(r);

    /* a duplicate that ranks better than the original moves the document
     * up: d4 (rel 1) at score 100 is first, so MRR@10 = 1 */
    r = qr_run_new();
    assert_non_null(r);
    assert_int_equal(qr_run_add(r, "q4", "n1", 3), 0);
    assert_int_equal(qr_run_add(r, "q4", "r1", 1), 0);
    assert_int_equal(qr_run_add(r, "q4", "r1", 100), 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(qr_evaluate(q, r, &m, record, &s), 0);
    assert_string_equal(s.qid[2], "q4");
    assert_float_equal(s.m[2].mrr10, 1, EPS);
    assert_float_equal(s.m[2].map, 1, EPS);
    assert_float_equal(s.m[2].p10, 0.1, EPS);
    qr_run_free(r);

    /* no run at all: every judged query is 0 */
    assert_int_equal(qr_evaluate(q, NULL, &m, NULL, NULL), 0);
    assert_int_equal(m.queries, 4);
    assert_float_equal(m.map, 0, EPS);
    qr_qrels_free(q);
}

static void test_graded_ndcg_beyond_ten(void **state)
{
    fixture *fx = *state;
    /* 12 relevant documents graded 1..3 (ideal: four 3s, four 2s, then
     * 1s); the run returns them worst first, 12 results. */
    qr_buf qb = {0}, rb = {0};
    static const int grade[12] = {3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1};
    for (int i = 0; i < 12; i++) {
        assert_int_equal(qr_buf_printf(&qb, "g 0 doc%02d %d\n", i, grade[i]),
                         0);
        assert_int_equal(qr_buf_printf(&rb, "g Q0 doc%02d %d %d run\n", i,
                                       12 - i, 100 + i), 0);
    }
    qr_qrels *q;
    qr_run *r;
    load_both(fx, qb.data, rb.data, &q, &r);
    qr_metrics m;
    assert_int_equal(qr_evaluate(q, r, &m, NULL, NULL), 0);
    /* ranking by score: doc11..doc00, gains 1 1 1 1 2 2 2 2 3 3 (top 10);
     * DCG  = sum_{i=1..4} 1/log2(i+1) + sum_{i=5..8} 2/log2(i+1)
     *        + 3/log2(10) + 3/log2(11)
     * IDCG = sum_{i=1..4} 3/log2(i+1) + sum_{i=5..8} 2/log2(i+1)
     *        + 1/log2(10) + 1/log2(11)  */
    double dcg = 0, idcg = 0;
    for (int i = 1; i <= 10; i++) {
        dcg += (i <= 4 ? 1 : i <= 8 ? 2 : 3) / log2(i + 1.0);
        idcg += (i <= 4 ? 3 : i <= 8 ? 2 : 1) / log2(i + 1.0);
    }
    /* = 7.1156071865 / 11.0586301658 */
    assert_float_equal(m.ndcg10, dcg / idcg, EPS);
    assert_float_equal(m.ndcg10, 0.6434438154, 1e-8);
    assert_float_equal(m.p10, 1.0, EPS);
    assert_float_equal(m.map, 1.0, EPS);
    assert_float_equal(m.recall100, 1.0, EPS);
    qr_run_free(r);
    qr_qrels_free(q);
    qr_buf_free(&qb);
    qr_buf_free(&rb);
}

static void test_recall_cut_at_100(void **state)
{
    fixture *fx = *state;
    /* two relevant documents, at ranks 100 and 101 */
    qr_buf rb = {0};
    for (int i = 1; i <= 101; i++)
        assert_int_equal(qr_buf_printf(&rb, "c Q0 %s%d %d %d x\n",
                                       i >= 100 ? "rel" : "n", i, i,
                                       1000 - i), 0);
    qr_qrels *q;
    qr_run *r;
    load_both(fx, "c 0 rel100 1\nc 0 rel101 1\n", rb.data, &q, &r);
    qr_metrics m;
    assert_int_equal(qr_evaluate(q, r, &m, NULL, NULL), 0);
    assert_float_equal(m.recall100, 0.5, EPS);
    /* AP = (1/100 + 2/101) / 2 */
    assert_float_equal(m.map, (1.0 / 100 + 2.0 / 101) / 2, EPS);
    assert_float_equal(m.p10, 0, EPS);
    qr_run_free(r);
    qr_qrels_free(q);
    qr_buf_free(&rb);
}

static void test_no_relevant_excluded(void **state)
{
    fixture *fx = *state;
    qr_qrels *q;
    qr_run *r;
    load_both(fx, "a 0 x 0\nb 0 y -2\n", "a Q0 x 1 1 t\n", &q, &r);
    qr_metrics m;
    seen s = {0};
    assert_int_equal(qr_evaluate(q, r, &m, record, &s), 0);
    assert_int_equal(m.queries, 0);
    assert_int_equal(s.n, 0);
    assert_float_equal(m.map, 0, EPS);
    qr_run_free(r);
    qr_qrels_free(q);

    /* an empty qrels file is not an error: nothing to evaluate */
    load_both(fx, "", "", &q, &r);
    assert_int_equal(qr_evaluate(q, r, &m, NULL, NULL), 0);
    assert_int_equal(m.queries, 0);
    qr_run_free(r);
    qr_qrels_free(q);
}

static void expect_qrels_error(fixture *fx, const char *text,
                               const char *needle)
{
    char *err = NULL;
    qr_qrels *q = qr_qrels_load(write_file(fx, "bad-qrels", text), &err);
    assert_null(q);
    assert_non_null(err);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    assert_null(strchr(err, '\n'));
    free(err);
}

static void test_malformed_qrels(void **state)
{
    fixture *fx = *state;
    expect_qrels_error(fx, "q1 0 d1 1\nq1 0 d2\n", "bad-qrels:2: expected 4");
    expect_qrels_error(fx, "q1 0 d1 1\n\nq1 0 d2 1 extra\n",
                       "bad-qrels:3: expected 4 fields (qid iter docid rel),"
                       " found more");
    expect_qrels_error(fx, "q1 0 d1 high\n",
                       ":1: relevance 'high' is not an integer");
    expect_qrels_error(fx, "q1 0 d1 1.5\n", ":1: relevance '1.5'");
    expect_qrels_error(fx, "q1 0 d1 99999999999999999999999\n",
                       ":1: relevance");
    expect_qrels_error(fx, "q1 0 d1 1\nq2 0 d1 1\nq1 0 d1 0\n",
                       ":3: document d1 judged again for query q1 (first on "
                       "line 1)");
    expect_qrels_error(fx, "q1 0 d\x01 1\nq1 0 d\x01 1\n",
                       "document d\\x01 judged again");

    char *err = NULL;
    assert_null(qr_qrels_load("/nonexistent/quarry/qrels", &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "/nonexistent/quarry/qrels: "));
    free(err);
}

static void test_malformed_run(void **state)
{
    fixture *fx = *state;
    char *err = NULL;
    qr_run *r = qr_run_load(write_file(fx, "bad-run",
                                       "q Q0 d 1 2.5 t\nq Q0 d 1 2.5\n"),
                            &err);
    assert_null(r);
    assert_non_null(err);
    assert_non_null(strstr(err, "bad-run:2: expected 6 fields"));
    free(err);
    err = NULL;
    r = qr_run_load(write_file(fx, "bad-run2", "q Q0 d 1 high t\n"), &err);
    assert_null(r);
    assert_non_null(strstr(err, "bad-run2:1: score 'high' is not a number"));
    free(err);
    err = NULL;
    assert_null(qr_run_load("/nonexistent/quarry/run", &err));
    assert_non_null(err);
    free(err);
}

static char *printed(const qr_metrics *m, int json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    qr_metrics_print(f, m, json);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_print(void **state)
{
    (void)state;
    qr_metrics m = {.ndcg10 = 0.37123, .map = 0.25, .recall100 = 0.5,
                    .mrr10 = 1.0 / 3.0, .p10 = 0.15, .queries = 42};
    char *text = printed(&m, 0);
    assert_string_equal(text,
                        "queries     42\n"
                        "nDCG@10     0.3712\n"
                        "MAP         0.2500\n"
                        "Recall@100  0.5000\n"
                        "MRR@10      0.3333\n"
                        "P@10        0.1500\n");
    free(text);
    char *json = printed(&m, 1);
    assert_string_equal(json,
                        "{\"queries\":42,\"ndcg@10\":0.371230,\"map\":0.250000,"
                        "\"recall@100\":0.500000,\"mrr@10\":0.333333,"
                        "\"p@10\":0.150000}\n");
    free(json);
}

static void test_many_queries_fast(void **state)
{
    (void)state;
    /* 2,000 queries x 500 results, built in memory: must be quick (sorts,
     * not scans); every query has its relevant document first. */
    qr_run *r = qr_run_new();
    assert_non_null(r);
    char qid[32], doc[32];
    for (int qn = 0; qn < 2000; qn++) {
        snprintf(qid, sizeof qid, "Q%d", qn);
        for (int d = 0; d < 500; d++) {
            snprintf(doc, sizeof doc, "D%d-%d", qn, d);
            assert_int_equal(qr_run_add(r, qid, doc, 1000.0 - d), 0);
        }
    }
    fixture *fx = *state;
    qr_buf qb = {0};
    for (int qn = 0; qn < 2000; qn++)
        assert_int_equal(qr_buf_printf(&qb, "Q%d 0 D%d-0 1\nQ%d 0 D%d-7 0\n",
                                       qn, qn, qn, qn), 0);
    char *err = NULL;
    qr_qrels *q = qr_qrels_load(write_file(fx, "big-qrels", qb.data), &err);
    assert_non_null(q);
    qr_metrics m;
    double t0 = qr_now();
    assert_int_equal(qr_evaluate(q, r, &m, NULL, NULL), 0);
    double took = qr_now() - t0;
    assert_int_equal(m.queries, 2000);
    assert_float_equal(m.ndcg10, 1, EPS);
    assert_float_equal(m.mrr10, 1, EPS);
    assert_float_equal(m.p10, 0.1, EPS);
    /* generous: well under a second normally, slower under valgrind */
    assert_true(took < 60);
    qr_qrels_free(q);
    qr_run_free(r);
    qr_buf_free(&qb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_known_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ties_by_docid_descending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_built_run_and_duplicates, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_graded_ndcg_beyond_ten, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_recall_cut_at_100, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_relevant_excluded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_qrels, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_malformed_run, setup, teardown),
        cmocka_unit_test(test_print),
        cmocka_unit_test_setup_teardown(test_many_queries_fast, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

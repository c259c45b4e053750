/*
 * batch.h — quarry-query's batch mode (--queries FILE): runs every query of
 * a file, writes a TREC run, times the queries and evaluates against qrels.
 */
#ifndef QUARRY_QUERY_BATCH_H
#define QUARRY_QUERY_BATCH_H

#include <stdint.h>

#include "search.h"

/* The run's depth when --depth is not given. */
#define BATCH_DEFAULT_DEPTH 1000

typedef struct batch_opts {
    const char *queries;       /* --queries FILE ("-": standard input)     */
    const char *run_file;      /* --run FILE, or NULL                      */
    const char *qrels;         /* --qrels FILE, or NULL                    */
    const char *timings;       /* --timings FILE, or NULL                  */
    const char *run_tag;       /* tag of the run's lines                   */
    qr_search_opts search;     /* per article, BM25 ... (limit, offset and
                                  explain are replaced for the run)        */
    uint32_t depth;            /* results per query in the run             */
    int plain;                 /* --plain: no query syntax                 */
    int per_query;             /* --per-query: each query's figures first  */
    int json;                  /* figures as JSON                          */
    int verbose;               /* -v: each parsed query on stderr          */
} batch_opts;

/* Runs the batch on an open searcher and returns the exit code of
 * exitcodes.h: found when at least one query had results, none when no
 * query had, usage for an unreadable or malformed queries or qrels file (or
 * an unwritable run or timings file), failure otherwise. Messages go to
 * standard error, the run (without --qrels or --run) and the figures to
 * standard output. */
int batch_run(qr_searcher *s, const batch_opts *o);

#endif

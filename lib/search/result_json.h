/*
 * result_json.h — one search result as a JSON object, the same bytes for
 * quarry-query --json (a line each) and quarry-serve's /api/search (the
 * "results" array): both call qr_result_json, so the two cannot drift.
 *
 *   {"rank":1,"score":12.345678,"article_id":"...","title":"...",
 *    "source":"...","url":null,"date":"2017-07-09","date_source":"document",
 *    "author":null,"passage":3,"passages":7,"page":4,"page_last":5,
 *    "start":1234,"end":1890,"text":"...",
 *    "snippet":"... **unit** ...","highlights":[[12,16],[40,44]],
 *    "suggestion":null,"corrected":false,"total":234,"total_exact":false,
 *    "duplicate_count":1,"duplicates":["tech/159.txt"]}
 *   and with score parts (explain) an "explain" object:
 *    "explain":{"score":12.345678,"parts":[{"kind":"term","label":"secur",
 *    "weight":4.101234}, ...]}
 * The fields are described in query/print.h and quarry-query(1).
 */
#ifndef QUARRY_RESULT_JSON_H
#define QUARRY_RESULT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "excerpt.h"
#include "highlight.h"
#include "schema.h"
#include "search.h"
#include "util.h"

/* What a result's object says about the whole search. */
typedef struct qr_json_opts {
    uint32_t total;        /* matches in all                                */
    int total_exact;       /* total is exact                                */
    size_t snippet_bytes;  /* snippet length (0: QR_SNIPPET_BYTES)          */
    const char *suggestion;/* the "did you mean" query, or NULL (the
                              "suggestion" field is then null)              */
    int corrected;         /* "corrected": the results are the
                              suggestion's (the query as typed found none) */
} qr_json_opts;

/* One result as the printers see it (quarry-query's text printer reads the
 * fields marked "text"; JSON reads the others). */
typedef struct qr_result_item {
    size_t index;              /* text: position in this listing (0 = first) */
    uint32_t rank;             /* 1-based rank                              */
    double score;
    uint32_t collapsed;        /* text: matching passages of the article
                                  not shown                                 */
    const qr_record *rec;
    const qr_hl_span *spans;   /* matched words in rec->text (may be NULL)  */
    size_t nspans;
    const qr_hl_span *title_spans; /* text: matched words in rec->title     */
    size_t ntitle_spans;
    const qr_score_part *parts;    /* explain: how score was made, or NULL  */
    size_t nparts;
    int first_in_article;      /* text: starts its article's block          */
    uint32_t duplicates;       /* articles of the same text folded into it  */
    char *const *duplicate_ids;
    size_t nduplicate_ids;
} qr_result_item;

/* Appends the JSON object of it to out (no newline after it). Every string
 * from the index is escaped (qr_buf_json_string), so the object is valid
 * JSON whatever the index holds. Returns 0, or -1 on out of memory. */
int qr_result_json(qr_buf *out, const qr_json_opts *o,
                   const qr_result_item *it);

#endif

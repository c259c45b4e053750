/*
 * print.h — the result printers of quarry-query: readable text, JSON Lines
 * and TREC run lines. One printer is chosen once (qr_printer_for) and called
 * for every result; printers append to a buffer and never write themselves,
 * so the tool decides where output goes and tests compare strings.
 *
 * Text (the default): first the count, "About 234 articles; showing 1-10"
 * (qr_print_total; "3 articles" when the count is exact and all are
 * shown), then one block per article, a blank line between blocks:
 *     1. <title>
 *        <article id> (<source>, when it differs), <date>, by <author>,
 *        passage 3/7, page 4 (or pages 4-5; formats with pages only),
 *        score 12.345 (+2 more passages) (+1 duplicate)
 *        <excerpt: the sentences around the passage's densest matches,
 *        "…" where text was cut; with full, the whole passage>
 *   wrapped at width after a three-space indent. With several passages
 *   per article (grouped), the id line ends at the author, with the
 *   duplicates, and each passage follows, in article order, as a line
 *   "passage 3/7, page 4, score 12.345" and its excerpt.
 *   Matched words are shown in bold red when colour is on. Control
 *   characters (which could drive a terminal) are shown as U+FFFD.
 *   With score parts (--explain), lines between the score and the passage:
 *        = 4.101  secur (BM25)
 *        + 1.002  cybersecurity (compound, BM25)
 *        + 0.520  phrase
 *        + 0.310  proximity
 *        + 0.210  feedback: attack 0.110, hack 0.100
 *
 * JSON Lines, one object per result:
 *   {"rank":1,"score":12.345678,"article_id":"...","title":"...",
 *    "source":"...","url":null,"date":"2017-07-09","date_source":"document",
 *    "author":null,"passage":3,"passages":7,"page":4,"page_last":5,
 *    "start":1234,"end":1890,"text":"...",
 *    "snippet":"... **unit** ...","highlights":[[12,16],[40,44]],
 *    "suggestion":null,"corrected":false,"total":234,"total_exact":false,
 *    "duplicate_count":1,"duplicates":["tech/159.txt"]}
 *   and with score parts (--explain) an "explain" object:
 *    "explain":{"score":12.345678,"parts":[{"kind":"term","label":"secur",
 *    "weight":4.101234}, ...]}
 *   whose parts' weights add up to the score (kinds: qr_part_kind_name);
 *   passage is 1-based; start/end are the passage's byte offsets in the
 *   article body; text is the stored passage text exactly; highlights are
 *   [start, end) byte offsets of matched words in text (UTF-8 bytes, not
 *   characters); snippet is about 300 bytes of text around the densest
 *   matches, whitespace collapsed, matched words wrapped in "**", cuts
 *   marked with "…"; url, date (YYYY-MM-DD) and author are null when the
 *   article has none; date_source is "document" for a date the article
 *   gave, "file" for its file's modification day (QR_RECORD_DATE_FROM_FILE),
 *   null without a date; page and page_last are the 1-based pages the
 *   passage starts and ends on (equal when it stays on one), both null for
 *   formats without pages; total is how many articles (passages with
 *   --all-passages) match in all, xapian-core's estimate unless
 *   total_exact, the same on every line so that each line stays one
 *   result; duplicate_count is how many articles of the same text the
 *   result stands for, duplicates their ids (at most 100, sorted).
 *
 * TREC:  <qid> Q0 <docid> <rank> <score> <tag>
 *   docid is the article id, or "<article id>#<passage>" (1-based) for
 *   passage-level output; whitespace in ids is replaced by "_".
 */
#ifndef QUARRY_PRINT_H
#define QUARRY_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "eval.h"
#include "excerpt.h"
#include "highlight.h"
#include "result_json.h"
#include "schema.h"
#include "search.h"
#include "util.h"

typedef enum qr_output {
    QR_OUT_TEXT = 0,
    QR_OUT_JSON,
    QR_OUT_TREC
} qr_output;

/* The length of a text excerpt before it is taken to its sentence's end:
 * about three lines of 80 columns. */
#define QR_EXCERPT_BYTES 240

typedef struct qr_print_opts {
    int color;             /* text: ANSI bold/colour for titles and matches */
    unsigned width;        /* text: wrap the passage at this many columns
                              (0: one line per passage)                     */
    int full;              /* text: whole passages, not excerpts            */
    int grouped;           /* text: several passages per article            */
    int passages;          /* text: the results are passages, not articles  */
    int langs;             /* text: show each article's language (the index
                              has several)                                  */
    uint32_t total;        /* JSON: matches in all                          */
    int total_exact;       /* JSON: total is exact                          */
    const char *qid;       /* TREC: query id (NULL: "1")                    */
    const char *run_tag;   /* TREC: run tag (NULL: "quarry")                */
    int passage_ids;       /* TREC: docid "<article id>#<passage>"          */
    size_t snippet_bytes;  /* JSON: snippet length (0: QR_SNIPPET_BYTES)    */
    const char *suggestion;/* JSON: the "did you mean" query, or NULL (the
                              "suggestion" field is then null)              */
    int corrected;         /* JSON "corrected": the results are the
                              suggestion's (the query as typed found none) */
} qr_print_opts;

/* One result as the printers see it (result_json.h). */
typedef qr_result_item qr_print_item;

typedef struct qr_printer {
    const char *name;          /* "text", "json", "trec"                    */
    /* Appends one result to out. Returns 0, or -1 on out of memory. */
    int (*item)(qr_buf *out, const qr_print_opts *o, const qr_print_item *it);
} qr_printer;

/* The printer for a format (static, never NULL for a valid format). */
const qr_printer *qr_printer_for(qr_output fmt);

/* Text: the count line that comes before the results, then a blank line:
 * "About 234 articles; showing 11-20" (first and last are 1-based ranks;
 * exact: no "About"; "showing" left out when all are shown). Returns 0 or
 * -1. */
int qr_print_total(qr_buf *out, const qr_print_opts *o, uint32_t total,
                   int exact, uint32_t first, uint32_t last);

/* Snippets (qr_snippet_build) and the JSON object of a result
 * (qr_result_json) live in the library: excerpt.h, result_json.h. */

/* Evaluation figures: one query's (label = its qid) or the average (label
 * "all"), as an aligned text row or a JSON object. qr_metrics_header gives
 * the text header row. */
int qr_metrics_header(qr_buf *out);
int qr_metrics_row(qr_buf *out, const char *label, const qr_metrics *m,
                   int json);

#endif

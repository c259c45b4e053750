/*
 * quarry-query — the command line: parses arguments, opens the searcher,
 * runs one query and prints it, or hands --queries to batch.c; exit codes.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"
#include "cmdline.h"
#include "exitcodes.h"
#include "highlight.h"
#include "print.h"
#include "search.h"
#include "util.h"
#include "xapian-c.h"

static const char *prog = "quarry-query";

/* Upper bound of --limit, --offset and --depth: far beyond any index this
 * tool serves, low enough that nothing overflows. */
#define MAX_COUNT 10000000u

typedef struct options {
    const char **dbs;          /* --db, in order                            */
    size_t ndbs;
    qr_search_opts search;     /* limit, offset, per-article, BM25          */
    int all_passages;          /* --all-passages / --passages               */
    int per_article_set;       /* --per-article given                       */
    qr_output format;          /* text, --json, --trec                      */
    int format_set;
    const char *run_tag;       /* --run-tag                                 */
    const char *qid;           /* --qid                                     */
    int color;                 /* -1 auto, 0 never, 1 always                */
    int plain;                 /* --plain: no query syntax                  */
    const char *queries;       /* --queries FILE: batch mode                */
    const char *run_file;      /* --run FILE                                */
    const char *qrels;         /* --qrels FILE                              */
    uint32_t depth;            /* --depth                                   */
    int depth_set;
    int per_query;             /* --per-query                               */
    int verbose;               /* -v                                        */
    unsigned features;         /* QR_FEAT_*: --[no-]spelling, --[no-]compounds */
    const char *timings;       /* --timings FILE                            */
    int quiet;                 /* -q: no output, the exit status alone      */
    int full;                  /* --full: whole passages                    */
    const char *like;          /* --like ARTICLE_ID                         */
    const char *lang;          /* --lang: articles of this language alone   */
} options;

/* ---------------------------------------------------------------- help */

static void help(void)
{
    printf(
"Usage: %s --db DIR [options] [--] QUERY...\n"
"       %s --db DIR --like ARTICLE_ID [options] [[--] QUERY...]\n"
"       %s --db DIR --queries FILE [--qrels FILE] [options]\n"
"\n"
"Finds the articles of a Quarry index (built by quarry-index) that match\n"
"QUERY (the words are joined with spaces), ranks them by their best\n"
"passage and their whole text, and prints each with an excerpt of its\n"
"best passage. Put -- before a query that starts with '-'.\n"
"\n"
"Index and results:\n"
"  -d, --db DIR            the index to search (a directory or stub file);\n"
"                          repeat to search several indexes as one\n"
"  -n, --limit N           show N articles (default 10); with\n"
"                          --all-passages, N passages\n"
"      --offset N          skip the first N results (default 0)\n"
"  -p, --per-article N     show up to N passages of each article, under\n"
"                          it, in the article's order (default 1)\n"
"  -a, --all-passages      rank every passage on its own: no grouping by\n"
"                          article, no duplicates folded, by relevance\n"
"  -s, --sort ORDER        relevance (default), date (newest first) or\n"
"                          -date (oldest first); articles without a date\n"
"                          come last\n"
"      --duplicates        show every article of the same text (by\n"
"                          default one stands for them, \"+N duplicates\")\n"
"  -l, --like ARTICLE_ID   articles like this one of the index, found by\n"
"                          its own most telling words; QUERY, if given,\n"
"                          restricts them (source:, date:, words...)\n"
"  -F, --plain             ignore query syntax: search for the words only\n"
"      --lang LANG         search the articles in LANG alone (a code such\n"
"                          as fr, or a name such as french), the query\n"
"                          stemmed in it; by default a query's words are\n"
"                          matched in every language the index has\n"
"      --timeout SECONDS   give up on a remote shard that takes longer to\n"
"                          answer one request (0.001 to 3600; default 10,\n"
"                          or QUARRY_REMOTE_TIMEOUT): exit 4, naming it\n"
"\n"
"Output (results alone go to standard output, messages to standard error):\n"
"  (default)               readable text: how many articles match, then\n"
"                          for each its rank and title; article id and\n"
"                          source, date, author, language (when the index\n"
"                          has several), passage number, page and score;\n"
"                          and an excerpt of the passage (the sentences\n"
"                          around the matches) with the query's words\n"
"                          highlighted, wrapped to the terminal's width\n"
"                          (COLUMNS when set; 80 columns when not a\n"
"                          terminal)\n"
"      --full              the whole passages, not excerpts\n"
"      --color WHEN        highlight with ANSI colours: auto (default: when\n"
"                          standard output is a terminal and NO_COLOR is not\n"
"                          set), always or never\n"
"  -j, --json              JSON Lines, one object per result: rank, score,\n"
"                          article_id, title, source, url, date,\n"
"                          date_source (\"document\", or \"file\" for the\n"
"                          file's modification day), author, passage\n"
"                          (1-based), passages, page and page_last (the\n"
"                          pages the passage starts and ends on, in PDFs,\n"
"                          slides and sheets), start and end (byte\n"
"                          offsets in the article), text, snippet (about\n"
"                          300 bytes, matched words wrapped in **, cuts\n"
"                          marked with an ellipsis) and highlights (byte\n"
"                          offsets [start, end) of matched words in text);\n"
"                          url, date, date_source, author, page and\n"
"                          page_last are null when unknown;\n"
"                          suggestion: the query corrected (see\n"
"                          --no-spelling), or null; corrected: true when\n"
"                          the results are the suggestion's; total and\n"
"                          total_exact: how many articles match in all\n"
"                          (an estimate unless total_exact); duplicates:\n"
"                          the ids of articles of the same text folded\n"
"                          into the result (at most 100), duplicate_count\n"
"                          their number; a query with no results but a\n"
"                          suggestion prints {\"suggestion\": ...} alone\n"
"  -t, --trec              TREC run lines: QID Q0 DOCID RANK SCORE TAG;\n"
"                          DOCID is the article id, or ARTICLE#PASSAGE when\n"
"                          more than one passage per article is shown\n"
"      --qid ID            query id of TREC lines (default 1)\n"
"      --run-tag TAG       tag of TREC lines (default quarry)\n"
"  -v, --verbose           also print the parsed query and the number of\n"
"                          matches to standard error\n"
"  -q, --quiet             print no results and no notes: the exit status\n"
"                          alone says whether anything matched (errors\n"
"                          still go to standard error)\n"
"\n"
"Batch evaluation:\n"
"      --queries FILE      run every query of FILE (lines ID<TAB>QUERY; '-'\n"
"                          reads standard input) and write a TREC run, one\n"
"                          article per line (its best passage); malformed\n"
"                          lines are reported and skipped\n"
"      --passages          passage-level run (DOCID = ARTICLE#PASSAGE)\n"
"      --depth N           results per query in the run (default 1000)\n"
"      --run FILE          write the run to FILE (default: standard output,\n"
"                          or nowhere when --qrels is given)\n"
"      --qrels FILE        evaluate the run against TREC qrels and print\n"
"                          nDCG@10, MAP, Recall@100, MRR@10 and P@10 (as\n"
"                          text, or one JSON object with --json)\n"
"      --per-query         with --qrels: each query's figures first\n"
"\n"
"Ranking (for tuning; the defaults were chosen by measurement):\n"
"      --bm25-k1 X         BM25 k1 (default %.2f)\n"
"      --bm25-b X          BM25 b, 0..1 (default %.2f)\n"
"      --article-weight X  share of the whole article in an article's\n"
"                          score, 0..1, the rest its best passage's\n"
"                          (default %.2f)\n"
"      --article-bm25-k1 X, --article-bm25-b X\n"
"                          BM25 over whole articles\n"
"      --phrase-weight X   weight of the query's words (2 to %d of them) found\n"
"                          as a phrase in a passage (default %.2f; 0: off)\n"
"      --proximity-weight X  weight of term proximity (query words close\n"
"                          together) in the passages of the first %d\n"
"                          articles (with --all-passages: one and a half\n"
"                          times the passages shown, %d to %d) (default\n"
"                          %.2f); --no-proximity: off\n"
"      --no-feedback       no pseudo-relevance feedback (by default up to\n"
"                          %d terms taken from the top %d passages, and\n"
"                          articles for the articles' own scores, rescore\n"
"                          the first %d candidates, given %.0f%% of the\n"
"                          weight)\n"
"      --feedback-docs N, --feedback-terms N, --feedback-weight X\n"
"                          tune the feedback\n"
"      --no-compounds      do not also search joined and split forms of the\n"
"                          query's words (\"cyber security\" also finds\n"
"                          \"cybersecurity\" and the reverse, when the index\n"
"                          has both)\n"
"      --no-spelling       no \"did you mean\" for words the index lacks\n"
"                          (batch mode never suggests); --spelling: on\n"
"                          (the default)\n"
"      --explain           show how each result's score was made: each\n"
"                          term's BM25 part, compounds, phrase, proximity\n"
"                          and feedback (the parts add up to the score);\n"
"                          with --json, an \"explain\" object per result\n"
"      --timings FILE      batch mode: write each query's seconds to FILE\n"
"                          (lines ID<TAB>SECONDS)\n"
"\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Query syntax:\n"
"  words                   any of the words (ranked by BM25); words are\n"
"                          stemmed, so 'unit' finds 'units'\n"
"  \"a phrase\"              the words next to each other, in order (passages\n"
"                          where a query's words stand together as written\n"
"                          rank higher anyway)\n"
"  heat-transfer           two words, like 'heat transfer' (quote for a phrase)\n"
"  a AND b, a OR b         both / either (operators in capitals)\n"
"  a NOT b, a -b           a but not b; +a: a must be present\n"
"  a NEAR b, a NEAR/3 b    a and b within 10 (or 3) words of each other\n"
"  (a OR b) c              grouping\n"
"  title:word, author:word, source:word\n"
"                          the word in the title, author or source path/url\n"
"  lang:fr                 the articles in French (a language code, lower\n"
"                          case: en, de, ja ...; --json shows each one's)\n"
"  date:2017-01-01..2017-12-31, date:20170101..20171231, date:2017,\n"
"  date:2017-03, date:2016..2017, date:..2017-06-30\n"
"                          articles dated in the range\n"
"  cyber*                  words starting with 'cyber' (at most %u words;\n"
"                          a broader wildcard is searched as a plain word)\n"
"  Input that is not valid syntax (a stray quote, a lone operator,\n"
"  punctuation pasted from a web page) is not an error: the plain words are\n"
"  searched instead, with a note on standard error. A query of only\n"
"  common words (\"the\", \"of\") searches for those words.\n"
"\n"
"Exit status:\n"
"  0  results found (batch mode: at least one query had results)\n"
"  1  no results\n"
"  2  usage error: bad option or value, no query, a query with no words,\n"
"     an unreadable or malformed --queries or --qrels file, a --like\n"
"     article the index does not have, --sort date or --like on an index\n"
"     built before articles were kept (rebuild it)\n"
"  3  no index at --db (or at a local shard its stub file lists)\n"
"  4  any other failure (damaged index, I/O error, out of memory, a remote\n"
"     shard down or not answering: see README, \"Scaling out\")\n",
        prog, prog, prog, qr_bm25_defaults().k1, qr_bm25_defaults().b,
        QR_DEFAULT_ARTICLE_WEIGHT,
        QR_PHRASE_MAX_WORDS, QR_DEFAULT_PHRASE, QR_PROX_DEPTH, QR_PROX_MIN,
        QR_PROX_DEPTH, QR_DEFAULT_PROXIMITY, QR_DEFAULT_FB_TERMS, QR_DEFAULT_FB_DOCS,
        QR_FB_DEPTH,
        QR_DEFAULT_FB_WEIGHT * 100, QR_MAX_WILDCARD_EXPANSION);
}

/* ------------------------------------------------------------- numbers */

static int parse_count(const char *opt, const char *s, uint32_t min,
                       uint32_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > MAX_COUNT)
        goto bad;
    *out = (uint32_t)v;
    return 0;
bad:
    usage_error("%s: expected a whole number from %u to %u, got '%s'", opt,
                min, MAX_COUNT, s);
    return -1;
}

static int parse_real(const char *opt, const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || errno || *end || !isfinite(v) || v < 0 || v > max) {
        usage_error("%s: expected a number from 0 to %g, got '%s'", opt, max,
                    s);
        return -1;
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------- helpers */

static int color_wanted(int mode)
{
    if (mode >= 0)
        return mode;
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !(nc && *nc) &&
           !(term && strcmp(term, "dumb") == 0);
}

/* The width text is wrapped at: COLUMNS when set (as ls reads it), else
 * the terminal's, or 80 columns when the output is not a terminal (a pipe,
 * a file). */
static unsigned terminal_width(void)
{
    const char *env = getenv("COLUMNS");
    if (env && *env) {
        char *end;
        unsigned long c = strtoul(env, &end, 10);
        if (!*end && c >= 20 && c <= 10000)
            return (unsigned)c;
    }
    if (!isatty(STDOUT_FILENO))
        return 80;
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

/* --------------------------------------------------------- one query */

static int run_single(qr_searcher *s, const options *o, const char *text)
{
    qr_buf err = {0}, out = {0};
    qr_query *q = NULL;
    qr_results res = {0};
    qr_highlighter *hl = NULL;
    int code;

    qr_status st = qr_query_parse(s, text, o->plain ? QR_PARSE_PLAIN
                                                     : QR_PARSE_FULL,
                                  &q, &err);
    if (st != QR_OK) {
        msg("%s", err.data ? err.data : qr_status_str(st));
        code = exit_for(st);
        goto done;
    }
    if (o->like) {
        st = qr_query_like(s, q, o->like, &err);
        if (st != QR_OK) {
            msg("%s", err.data ? err.data : qr_status_str(st));
            code = exit_for(st);
            goto done;
        }
    }
    if (!o->quiet)
        explain_query(q, NULL, o->verbose);
    if (q->suggestion && !o->quiet) {
        char *sug = shown(q->suggestion, strlen(q->suggestion));
        msg("did you mean \"%s\"?", sug ? sug : "");
        free(sug);
    }
    if (q->empty) {
        char *t = shown(text, strlen(text));
        code = usage_error("the query has no words to search for: '%s'",
                           t ? t : "");
        free(t);
        goto done;
    }
    st = qr_search_run(s, q, &o->search, &res, &err);
    if (st != QR_OK) {
        msg("%s", err.data ? err.data : qr_status_str(st));
        code = exit_for(st);
        goto done;
    }
    /* the query as searched: q, or a copy without its wildcards when one
     * of them was too broad (res.wildcard_dropped) */
    const qr_query *sq = res.searched ? res.searched : q;
    if (sq->wildcard_dropped && !o->quiet)
        explain_query(sq, NULL, 0);
    if (o->quiet) {
        code = res.n ? QR_EXIT_QUERY_FOUND : QR_EXIT_QUERY_NONE;
        goto done;
    }
    if (res.corrected) {
        char *t = shown(q->suggestion, strlen(q->suggestion));
        msg("no results for the query as typed; showing results for \"%s\"",
            t ? t : "");
        free(t);
    }
    if (o->verbose)
        msg("%s%u matching %s; showing %zu", res.exact ? "" : "about ",
            res.estimated, o->search.per_article ? "articles" : "passages",
            res.n);
    if (res.unreadable)
        msg("warning: %zu results skipped: their stored record is unreadable",
            res.unreadable);

    if (o->format != QR_OUT_TREC) {
        st = qr_highlighter_for_query(qr_searcher_stemmers(s),
                                      qr_searcher_exact_accents(s), sq, &hl,
                                      &err);
        if (st != QR_OK) {
            msg("%s", err.data ? err.data : qr_status_str(st));
            code = QR_EXIT_QUERY_FAILURE;
            goto done;
        }
    }
    const qr_printer *pr = qr_printer_for(o->format);
    size_t nlangs = 0;
    qr_searcher_langs(s, &nlangs);
    qr_print_opts po = {
        .color = o->format == QR_OUT_TEXT && color_wanted(o->color),
        .width = o->format == QR_OUT_TEXT ? terminal_width() : 0,
        .full = o->full,
        .grouped = o->search.per_article > 1,
        .passages = o->search.per_article == 0,
        .langs = nlangs > 1,
        .total = res.estimated,
        .total_exact = res.exact,
        .qid = o->qid,
        .run_tag = o->run_tag,
        .passage_ids = o->search.per_article != 1,
        .suggestion = q->suggestion,
        .corrected = res.corrected,
    };
    if (res.n && o->format == QR_OUT_TEXT) {
        uint32_t shown = res.hits[res.n - 1].rank - res.hits[0].rank + 1;
        if (qr_print_total(&out, &po, res.estimated, res.exact,
                           o->search.offset + 1,
                           o->search.offset + shown) != 0 ||
            write_buf(stdout, &out) != 0) {
            msg("cannot write the results");
            code = QR_EXIT_QUERY_FAILURE;
            goto done;
        }
    }
    for (size_t i = 0; i < res.n; i++) {
        const qr_hit *h = &res.hits[i];
        qr_hl_span *spans = NULL, *tspans = NULL;
        size_t nspans = 0, ntspans = 0;
        if (hl && (qr_highlight(hl, h->rec.text, h->rec.text_len, &spans,
                                &nspans) != 0 ||
                   qr_highlight(hl, h->rec.title, strlen(h->rec.title),
                                &tspans, &ntspans) != 0)) {
            /* highlighting is a nicety: show the result without it */
            free(spans);
            spans = NULL;
            nspans = 0;
        }
        qr_print_item it = {
            .index = i, .rank = h->rank, .score = h->score,
            .collapsed = o->search.per_article == 1 ? h->collapsed : 0,
            .rec = &h->rec, .spans = spans, .nspans = nspans,
            .title_spans = tspans, .ntitle_spans = ntspans,
            .parts = h->parts, .nparts = h->nparts,
            .first_in_article = i == 0 || h->rank != res.hits[i - 1].rank,
            .duplicates = h->duplicates,
            .duplicate_ids = h->duplicate_ids,
            .nduplicate_ids = h->nduplicate_ids,
        };
        int rc = pr->item(&out, &po, &it);
        free(spans);
        free(tspans);
        if (rc != 0 || write_buf(stdout, &out) != 0) {
            msg("%s", rc ? "out of memory" : "cannot write the results");
            code = QR_EXIT_QUERY_FAILURE;
            goto done;
        }
    }
    if (fflush(stdout) != 0) {
        msg("cannot write the results: %s", strerror(errno));
        code = QR_EXIT_QUERY_FAILURE;
        goto done;
    }
    if (res.n == 0 && q->suggestion && o->format == QR_OUT_JSON) {
        /* a script gets the suggestion even when nothing was found */
        qr_buf_clear(&out);
        if (qr_buf_puts(&out, "{\"suggestion\":") != 0 ||
            qr_buf_json_string(&out, q->suggestion, strlen(q->suggestion)) ||
            qr_buf_puts(&out, "}\n") != 0 || write_buf(stdout, &out) != 0 ||
            fflush(stdout) != 0) {
            msg("cannot write the results");
            code = QR_EXIT_QUERY_FAILURE;
            goto done;
        }
    }
    if (res.n == 0) {
        if (o->search.offset && res.estimated)
            msg("no results past --offset %u", o->search.offset);
        else
            msg("no results");
    }
    code = res.n ? QR_EXIT_QUERY_FOUND : QR_EXIT_QUERY_NONE;
done:
    qr_highlighter_free(hl);
    qr_results_free(&res);
    qr_query_free(q);
    qr_buf_free(&err);
    qr_buf_free(&out);
    return code;
}

/* ------------------------------------------------------------- main */

enum {
    OPT_OFFSET = 256, OPT_COLOR, OPT_QID, OPT_RUN_TAG, OPT_RUN, OPT_DEPTH,
    OPT_PASSAGES, OPT_QRELS, OPT_PER_QUERY, OPT_BM25_K1, OPT_BM25_B,
    OPT_PHRASE, OPT_FB_DOCS, OPT_FB_TERMS, OPT_FB_WEIGHT, OPT_PROX, OPT_NO_PROX,
    OPT_FEEDBACK, OPT_NO_FEEDBACK, OPT_SPELLING, OPT_NO_SPELLING, OPT_COMPOUNDS,
    OPT_NO_COMPOUNDS, OPT_EXPLAIN, OPT_TIMINGS, OPT_ARTICLE_WEIGHT,
    OPT_ARTICLE_K1, OPT_ARTICLE_B, OPT_QUERIES, OPT_FULL, OPT_DUPLICATES,
    OPT_LANG, OPT_TIMEOUT
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, 'd'},
    {"limit", required_argument, NULL, 'n'},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"per-article", required_argument, NULL, 'p'},
    {"all-passages", no_argument, NULL, 'a'},
    {"plain", no_argument, NULL, 'F'},
    {"json", no_argument, NULL, 'j'},
    {"trec", no_argument, NULL, 't'},
    {"qid", required_argument, NULL, OPT_QID},
    {"run-tag", required_argument, NULL, OPT_RUN_TAG},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"queries", required_argument, NULL, OPT_QUERIES},
    {"quiet", no_argument, NULL, 'q'},
    {"sort", required_argument, NULL, 's'},
    {"like", required_argument, NULL, 'l'},
    {"full", no_argument, NULL, OPT_FULL},
    {"duplicates", no_argument, NULL, OPT_DUPLICATES},
    {"lang", required_argument, NULL, OPT_LANG},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"run", required_argument, NULL, OPT_RUN},
    {"depth", required_argument, NULL, OPT_DEPTH},
    {"passages", no_argument, NULL, OPT_PASSAGES},
    {"qrels", required_argument, NULL, OPT_QRELS},
    {"per-query", no_argument, NULL, OPT_PER_QUERY},
    {"bm25-k1", required_argument, NULL, OPT_BM25_K1},
    {"bm25-b", required_argument, NULL, OPT_BM25_B},
    {"phrase-weight", required_argument, NULL, OPT_PHRASE},
    {"proximity-weight", required_argument, NULL, OPT_PROX},
    {"no-proximity", no_argument, NULL, OPT_NO_PROX},
    {"feedback", no_argument, NULL, OPT_FEEDBACK},
    {"no-feedback", no_argument, NULL, OPT_NO_FEEDBACK},
    {"spelling", no_argument, NULL, OPT_SPELLING},
    {"no-spelling", no_argument, NULL, OPT_NO_SPELLING},
    {"compounds", no_argument, NULL, OPT_COMPOUNDS},
    {"no-compounds", no_argument, NULL, OPT_NO_COMPOUNDS},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"timings", required_argument, NULL, OPT_TIMINGS},
    {"feedback-docs", required_argument, NULL, OPT_FB_DOCS},
    {"feedback-terms", required_argument, NULL, OPT_FB_TERMS},
    {"feedback-weight", required_argument, NULL, OPT_FB_WEIGHT},
    {"article-weight", required_argument, NULL, OPT_ARTICLE_WEIGHT},
    {"article-bm25-k1", required_argument, NULL, OPT_ARTICLE_K1},
    {"article-bm25-b", required_argument, NULL, OPT_ARTICLE_B},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Is s a field of TREC output (no whitespace, not empty)? */
static int valid_field(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7F)
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    options o = {.search = qr_search_defaults(), .format = QR_OUT_TEXT,
                 .run_tag = "quarry", .qid = "1", .color = -1,
                 .depth = BATCH_DEFAULT_DEPTH, .features = QR_FEAT_DEFAULT};
    int code = QR_EXIT_QUERY_USAGE;
    qr_searcher *s = NULL;
    qr_buf text = {0}, err = {0};

    o.dbs = calloc((size_t)argc + 1, sizeof *o.dbs);
    if (!o.dbs) {
        msg("out of memory");
        return QR_EXIT_QUERY_FAILURE;
    }
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":d:n:p:aFjtqs:l:vhV", long_opts,
                            NULL)) != -1) {
        switch (c) {
        case 'd': o.dbs[o.ndbs++] = optarg; break;
        case 'n':
            if (parse_count("--limit", optarg, 1, &o.search.limit)) goto out;
            break;
        case OPT_OFFSET:
            if (parse_count("--offset", optarg, 0, &o.search.offset)) goto out;
            break;
        case 'p':
            if (parse_count("--per-article", optarg, 1, &o.search.per_article))
                goto out;
            o.per_article_set = 1;
            break;
        case 'a': case OPT_PASSAGES: o.all_passages = 1; break;
        case 'F': o.plain = 1; break;
        case 'j': case 't': {
            qr_output f = c == 'j' ? QR_OUT_JSON : QR_OUT_TREC;
            if (o.format_set && o.format != f) {
                usage_error("--json and --trec cannot be used together");
                goto out;
            }
            o.format = f;
            o.format_set = 1;
            break;
        }
        case OPT_QID: o.qid = optarg; break;
        case OPT_RUN_TAG: o.run_tag = optarg; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0) o.color = -1;
            else if (strcmp(optarg, "always") == 0) o.color = 1;
            else if (strcmp(optarg, "never") == 0) o.color = 0;
            else {
                usage_error("--color: expected auto, always or never, got "
                            "'%s'", optarg);
                goto out;
            }
            break;
        case OPT_QUERIES: o.queries = optarg; break;
        case 'q': o.quiet = 1; break;
        case OPT_FULL: o.full = 1; break;
        case OPT_DUPLICATES: o.search.duplicates = 1; break;
        case OPT_LANG: o.lang = optarg; break;
        case OPT_TIMEOUT: {
            /* the library reads the timeout where it opens the shards */
            char *end;
            errno = 0;
            double secs = strtod(optarg, &end);
            if (end == optarg || *end || errno ||
                !(secs >= 0.001 && secs <= 3600)) {
                usage_error("--timeout: expected seconds from 0.001 to "
                            "3600, got '%s'", optarg);
                goto out;
            }
            if (setenv("QUARRY_REMOTE_TIMEOUT", optarg, 1) != 0) {
                msg("out of memory");
                code = QR_EXIT_QUERY_FAILURE;
                goto out;
            }
            break;
        }
        case 'l': o.like = optarg; break;
        case 's':
            if (strcmp(optarg, "relevance") == 0)
                o.search.sort = QR_SORT_RELEVANCE;
            else if (strcmp(optarg, "date") == 0)
                o.search.sort = QR_SORT_NEWEST;
            else if (strcmp(optarg, "-date") == 0)
                o.search.sort = QR_SORT_OLDEST;
            else {
                usage_error("--sort: expected relevance, date (newest first) "
                            "or -date (oldest first), got '%s'", optarg);
                goto out;
            }
            break;
        case OPT_RUN: o.run_file = optarg; break;
        case OPT_DEPTH:
            if (parse_count("--depth", optarg, 1, &o.depth)) goto out;
            o.depth_set = 1;
            break;
        case OPT_QRELS: o.qrels = optarg; break;
        case OPT_PER_QUERY: o.per_query = 1; break;
        case OPT_BM25_K1:
            if (parse_real("--bm25-k1", optarg, 1000, &o.search.bm25.k1))
                goto out;
            break;
        case OPT_BM25_B:
            if (parse_real("--bm25-b", optarg, 1, &o.search.bm25.b)) goto out;
            break;
        case OPT_ARTICLE_WEIGHT:
            if (parse_real("--article-weight", optarg, 1,
                           &o.search.article_weight))
                goto out;
            break;
        case OPT_ARTICLE_K1:
            if (parse_real("--article-bm25-k1", optarg, 1000,
                           &o.search.article_bm25.k1))
                goto out;
            break;
        case OPT_ARTICLE_B:
            if (parse_real("--article-bm25-b", optarg, 1,
                           &o.search.article_bm25.b))
                goto out;
            break;
        case OPT_PHRASE:
            if (parse_real("--phrase-weight", optarg, 100, &o.search.phrase))
                goto out;
            break;
        case OPT_PROX:
            if (parse_real("--proximity-weight", optarg, 100,
                           &o.search.proximity))
                goto out;
            break;
        case OPT_NO_PROX: o.search.proximity = 0; break;
        case OPT_FEEDBACK:
            if (o.search.fb_weight == 0)
                o.search.fb_weight = QR_DEFAULT_FB_WEIGHT;
            break;
        case OPT_NO_FEEDBACK: o.search.fb_weight = 0; break;
        case OPT_SPELLING: o.features |= QR_FEAT_SPELLING; break;
        case OPT_NO_SPELLING: o.features &= ~(unsigned)QR_FEAT_SPELLING; break;
        case OPT_COMPOUNDS: o.features |= QR_FEAT_COMPOUNDS; break;
        case OPT_NO_COMPOUNDS:
            o.features &= ~(unsigned)QR_FEAT_COMPOUNDS;
            break;
        case OPT_EXPLAIN: o.search.explain = 1; break;
        case OPT_TIMINGS: o.timings = optarg; break;
        case OPT_FB_DOCS:
            if (parse_count("--feedback-docs", optarg, 0, &o.search.fb_docs))
                goto out;
            break;
        case OPT_FB_TERMS:
            if (parse_count("--feedback-terms", optarg, 0,
                            &o.search.fb_terms))
                goto out;
            break;
        case OPT_FB_WEIGHT:
            if (parse_real("--feedback-weight", optarg, 0.99,
                           &o.search.fb_weight))
                goto out;
            break;
        case 'v': o.verbose = 1; break;
        case 'h':
            help();
            code = fflush(stdout) == 0 ? 0 : QR_EXIT_QUERY_FAILURE;
            goto out;
        case 'V':
            code = qr_cli_version(prog) == 0 ? 0 : QR_EXIT_QUERY_FAILURE;
            goto out;
        default:
            qr_cli_bad_option(prog, c, optopt, argv[optind - 1]);
            code = QR_EXIT_QUERY_USAGE;
            goto out;
        }
    }

    /* what goes with what */
    if (o.ndbs == 0) {
        usage_error("no index given: use --db DIR");
        goto out;
    }
    if (o.all_passages && o.per_article_set) {
        usage_error("--per-article and --all-passages cannot be used "
                    "together");
        goto out;
    }
    if (o.all_passages)
        o.search.per_article = 0;
    if (o.all_passages && o.search.sort != QR_SORT_RELEVANCE) {
        usage_error("--sort date ranks articles: not with --all-passages");
        goto out;
    }
    if (o.all_passages && o.like) {
        usage_error("--like finds articles: not with --all-passages");
        goto out;
    }
    if (o.queries && (o.like || o.quiet)) {
        usage_error("%s and --queries cannot be used together",
                    o.like ? "--like" : "--quiet");
        goto out;
    }
    if (!valid_field(o.run_tag) || !valid_field(o.qid)) {
        usage_error("--run-tag and --qid must be non-empty and without "
                    "spaces");
        goto out;
    }
    if (o.queries) {
        if (optind < argc) {
            usage_error("give either --queries FILE or a QUERY, not both");
            goto out;
        }
    } else {
        const char *batch_only = o.timings ? "--timings"
                                 : o.run_file ? "--run"
                                 : o.qrels ? "--qrels"
                                 : o.depth_set ? "--depth"
                                 : o.per_query ? "--per-query" : NULL;
        if (batch_only) {
            usage_error("%s needs --queries FILE", batch_only);
            goto out;
        }
        for (int i = optind; i < argc; i++) {
            if ((i > optind && qr_buf_putc(&text, ' ') != 0) ||
                qr_buf_puts(&text, argv[i]) != 0) {
                msg("out of memory");
                code = QR_EXIT_QUERY_FAILURE;
                goto out;
            }
        }
        if (!o.like &&
            (!text.data || !text.data[strspn(text.data, " \t\n\r\f\v")])) {
            usage_error(optind < argc ? "the query is empty"
                                      : "no query given");
            goto out;
        }
    }
    if (o.per_query && !o.qrels) {
        usage_error("--per-query needs --qrels FILE");
        goto out;
    }

    qr_status st = qr_searcher_open(o.dbs, o.ndbs, &s, &err);
    if (st != QR_OK) {
        msg("%s", err.data ? err.data : qr_status_str(st));
        code = exit_for(st);
        if (code == QR_EXIT_QUERY_USAGE)
            code = QR_EXIT_QUERY_FAILURE;
        goto out;
    }
    if (o.lang && (st = qr_searcher_set_lang(s, o.lang, &err)) != QR_OK) {
        msg("%s", err.data ? err.data : qr_status_str(st));
        code = exit_for(st);
        goto out;
    }
    /* batch runs show no suggestions: no time spent on them */
    qr_searcher_set_features(s, o.queries ? o.features & ~(unsigned)
                                                QR_FEAT_SPELLING
                                          : o.features);
    if (o.queries) {
        batch_opts b = {
            .queries = o.queries, .run_file = o.run_file, .qrels = o.qrels,
            .timings = o.timings, .run_tag = o.run_tag, .search = o.search,
            .depth = o.depth, .plain = o.plain, .per_query = o.per_query,
            .json = o.format == QR_OUT_JSON, .verbose = o.verbose,
        };
        code = batch_run(s, &b);
    } else {
        code = run_single(s, &o, text.data ? text.data : "");
    }
out:
    qr_searcher_close(s);
    qr_buf_free(&text);
    qr_buf_free(&err);
    free(o.dbs);
    return code;
}

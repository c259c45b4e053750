/* Unit tests: lib/search — opening an index, query building and every
 * fallback, the search options (collapse, offset, limit), records. The
 * index is built here through the binding with qr_passage_doc, the layout
 * the indexer writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"
#include "passage_doc.h"
#include "schema.h"
#include "search.h"
#include "analysis.h"
#include "compound.h"
#include "feedback.h"
#include "spell.h"
#include "xapian-c.h"

static char root[64], dbpath[128];

typedef struct article {
    const char *id, *title, *date, *author;
    const char *passages[4];
} article;

static const article articles[] = {
    {"cyber.txt", "Joint Cyber Security Unit", "20170709", "King Spalding",
     {"Trump tweeted that he and Putin discussed forming an impenetrable "
      "Cyber Security unit.",
      "The weather in Hamburg was pleasant during the summit.",
      "Critics said a joint cybersecurity unit with Russia would be naive.",
      NULL}},
    {"chem.txt", "Chemical weapons inquiry", "20180101", "",
     {"Investigators examined chemical weapons units in Syria.",
      "The inquiry report was published in the spring.", NULL}},
    {"boats.txt", "Harbours", "", "",
     {"Ships sail in the harbour at dawn.", NULL}},
};

/* Writes articles (each passage a document) into db, as quarry-index does. */
static void add_articles(xc_db *db, const article *a, size_t n)
{
    xc_termgen *tg = NULL;
    xc_stem *stem = NULL;
    assert_int_equal(xc_termgen_new(&tg, NULL), XC_OK);
    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);
    assert_int_equal(xc_termgen_set_stemmer(tg, stem), XC_OK);
    assert_int_equal(xc_termgen_set_stemming_strategy(tg, XC_STEM_ALL), XC_OK);
    qr_buf scratch = {0}, body = {0};
    for (size_t i = 0; i < n; i++) {
        size_t np = 0, starts[4], ends[4];
        qr_buf_clear(&body);
        for (; a[i].passages[np]; np++) {
            if (np)
                qr_buf_puts(&body, "\n\n");
            starts[np] = body.len;
            qr_buf_puts(&body, a[i].passages[np]);
            ends[np] = body.len;
        }
        qr_article art = {.id = a[i].id, .title = a[i].title,
                          .body = body.data, .body_len = body.len, .url = "",
                          .date = a[i].date, .author = a[i].author,
                          .format = QR_FMT_TEXT};
        qr_doc_keys keys = {.source_key = a[i].id, .source = a[i].id};
        for (size_t p = 0; p < np; p++) {
            xc_doc *doc = NULL;
            assert_int_equal(xc_doc_new(&doc), XC_OK);
            assert_int_equal(qr_passage_doc(tg, doc, &art, &keys, (unsigned)p,
                                            (unsigned)np, starts[p], ends[p],
                                            &scratch),
                             QR_OK);
            assert_int_equal(xc_db_add_document(db, doc, NULL), XC_OK);
            xc_doc_free(doc);
        }
    }
    qr_buf_free(&scratch);
    qr_buf_free(&body);
    xc_stem_free(stem);
    xc_termgen_free(tg);
}

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/quarry-search.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/db", root);
    xc_db *db = NULL;
    if (xc_db_open(dbpath, XC_DB_CREATE_OR_OVERWRITE, 0, 0, &db, NULL) != XC_OK)
        return -1;
    add_articles(db, articles, sizeof articles / sizeof articles[0]);
    xc_db_set_metadata(db, QR_META_LANG, "english", 7);
    if (xc_db_commit(db) != XC_OK)
        return -1;
    xc_db_close(db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static qr_searcher *open_db(void)
{
    const char *paths[] = {dbpath};
    qr_searcher *s = NULL;
    qr_buf err = {0};
    assert_int_equal(qr_searcher_open(paths, 1, &s, &err), QR_OK);
    qr_buf_free(&err);
    return s;
}

static qr_query *parse(qr_searcher *s, const char *text, qr_parse_level from)
{
    qr_query *q = NULL;
    qr_buf err = {0};
    assert_int_equal(qr_query_parse(s, text, from, &q, &err), QR_OK);
    assert_non_null(q);
    assert_non_null(q->xq);
    qr_buf_free(&err);
    return q;
}

/* Runs text and returns the results (caller frees). */
static qr_results search(qr_searcher *s, const char *text,
                         const qr_search_opts *o)
{
    qr_query *q = parse(s, text, QR_PARSE_FULL);
    qr_search_opts d = qr_search_defaults();
    qr_results r = {0};
    qr_buf err = {0};
    assert_int_equal(qr_search_run(s, q, o ? o : &d, &r, &err), QR_OK);
    qr_buf_free(&err);
    qr_query_free(q);
    return r;
}

static int has_term(const qr_query *q, const char *t)
{
    for (size_t i = 0; i < q->nterms; i++)
        if (strcmp(q->terms[i], t) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------- opening */

static void test_open_missing(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/nothing-here", root);
    const char *paths[] = {path};
    qr_searcher *s = (qr_searcher *)1;
    qr_buf err = {0};
    assert_int_equal(qr_searcher_open(paths, 1, &s, &err), QR_ERR_NOINDEX);
    assert_ptr_equal(s, (qr_searcher *)1);   /* untouched on failure */
    assert_non_null(strstr(err.data, "nothing-here"));
    qr_buf_free(&err);
    assert_int_equal(qr_searcher_open(paths, 0, &s, NULL), QR_ERR_USAGE);
}

static void test_open_not_an_index(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/garbage", root);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a xapian database\n", f);
    fclose(f);
    const char *paths[] = {path};
    qr_searcher *s = NULL;
    qr_buf err = {0};
    qr_status st = qr_searcher_open(paths, 1, &s, &err);
    assert_true(st == QR_ERR_INDEX || st == QR_ERR_NOINDEX);
    assert_null(s);
    assert_true(err.len > 0);
    qr_buf_free(&err);

    /* a directory with a damaged glass table */
    snprintf(path, sizeof path, "%s/broken", root);
    assert_int_equal(mkdir(path, 0755), 0);
    char file[200];
    snprintf(file, sizeof file, "%s/iamglass", path);
    f = fopen(file, "w");
    assert_non_null(f);
    fputs("garbage", f);
    fclose(f);
    st = qr_searcher_open(paths, 1, &s, &err);
    assert_int_equal(st, QR_ERR_INDEX);
    qr_buf_free(&err);
}

static void test_open_reads_language(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    assert_string_equal(qr_searcher_lang(s), "english");
    assert_int_equal(qr_searcher_doccount(s), 6);
    qr_searcher_close(s);
    qr_searcher_close(NULL);
}

/* ------------------------------------------------------------- parsing */

static void test_parse_words(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    qr_query *q = parse(s, "joint cyber units", QR_PARSE_FULL);
    assert_int_equal(q->level, QR_PARSE_FULL);
    assert_false(q->empty);
    assert_true(has_term(q, "joint"));
    assert_true(has_term(q, "cyber"));
    assert_true(has_term(q, "unit"));         /* stemmed */
    assert_null(q->fallback_reason);
    qr_query_free(q);

    /* capitalised words are stemmed like lower-case ones (STEM_ALL) */
    q = parse(s, "Joint CYBER Units", QR_PARSE_FULL);
    assert_true(has_term(q, "joint"));
    assert_true(has_term(q, "cyber"));
    assert_true(has_term(q, "unit"));
    qr_query_free(q);

    /* a query typed all in capitals is read in lower case (its AND is a
     * word, not an operator), but the text is kept as typed */
    q = parse(s, "JOINT AND CYBER UNITS", QR_PARSE_FULL);
    assert_string_equal(q->text, "JOINT AND CYBER UNITS");
    assert_string_equal(q->folded, "joint and cyber units");
    assert_true(has_term(q, "joint"));
    assert_true(has_term(q, "unit"));
    qr_query_free(q);
    q = parse(s, "joint AND cyber", QR_PARSE_FULL);
    assert_string_equal(q->folded, "joint AND cyber");
    qr_query_free(q);
    /* ... except its acronyms, which the indexer reads as one word
     * ("U.S" is "us"); lower-cased they would be the letters u and s */
    q = parse(s, "AID OF THE U.S . TO THE U.N. FORCES", QR_PARSE_FULL);
    assert_string_equal(q->folded, "aid of the U.S . to the U.N. forces");
    assert_true(has_term(q, "us"));
    assert_true(has_term(q, "un"));
    assert_false(has_term(q, "u"));
    assert_false(has_term(q, "s"));
    assert_false(has_term(q, "n"));
    qr_query_free(q);

    /* plain words are analysed as the indexer does: a repeated word is
     * one term, a hyphenated word two terms, not a phrase */
    q = parse(s, "unit Cyber-Security UNITS", QR_PARSE_FULL);
    char *d = qr_query_describe(q);
    assert_non_null(d);
    assert_non_null(strstr(d, "unit#2"));
    assert_null(strstr(d, "PHRASE"));
    assert_true(has_term(q, "secur"));
    free(d);
    qr_query_free(q);
    /* the same with syntax around: still no phrase for the hyphen */
    q = parse(s, "cyber-security +unit", QR_PARSE_FULL);
    d = qr_query_describe(q);
    assert_null(strstr(d, "PHRASE"));
    assert_non_null(strstr(d, "AND_MAYBE"));
    free(d);
    qr_query_free(q);

    /* title terms are given without their prefix, author terms not at all */
    q = parse(s, "title:weapons author:spalding", QR_PARSE_FULL);
    assert_true(has_term(q, "weapon"));
    assert_false(has_term(q, "spald"));
    assert_false(has_term(q, "spalding"));
    qr_query_free(q);
    qr_searcher_close(s);
}

static void test_parse_fallbacks(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    /* a lone operator: xapian-core reports a syntax error */
    qr_query *q = parse(s, "cyber AND", QR_PARSE_FULL);
    assert_int_equal(q->level, QR_PARSE_PLAIN);
    assert_non_null(q->fallback_reason);
    assert_string_equal(q->plain, "cyber");
    assert_true(has_term(q, "cyber"));
    assert_false(q->empty);
    qr_query_free(q);

    /* an unbalanced quote: the words, not a phrase running to the end */
    q = parse(s, "\"security unit (weapons", QR_PARSE_FULL);
    assert_int_equal(q->level, QR_PARSE_PLAIN);
    assert_string_equal(q->fallback_reason, "unbalanced quotation mark");
    assert_string_equal(q->plain, "security unit weapons");
    qr_query_free(q);
    q = parse(s, "\xE2\x80\x9C" "security unit\xE2\x80\x9D", QR_PARSE_FULL);
    assert_int_equal(q->level, QR_PARSE_FULL);
    qr_query_free(q);

    /* a range no range processor knows */
    q = parse(s, "unit 10..20", QR_PARSE_FULL);
    assert_int_equal(q->level, QR_PARSE_PLAIN);
    assert_string_equal(q->plain, "unit 10 20");
    qr_query_free(q);

    /* punctuation pasted from a web page */
    q = parse(s, "(joint OR \"cyber ... unit", QR_PARSE_FULL);
    assert_false(q->empty);
    assert_true(has_term(q, "cyber"));
    assert_true(has_term(q, "unit"));
    qr_query_free(q);

    /* stray quotes and brackets are no error at all */
    const char *odd[] = {"\"unit", "unit\"", "((unit", "unit))", "\"\"unit",
                         "+-unit", "unit -", "title:(", "NOT", "OR unit OR",
                         "NEAR/3 unit", "unit NEAR/", "a..", "..b", "*",
                         "unit*", "-", "date:", "date:..", "date:x..y",
                         "title:\"", "AND AND AND", "\xff\xfe unit \xc3",
                         NULL};
    for (size_t i = 0; odd[i]; i++) {
        q = parse(s, odd[i], QR_PARSE_FULL);
        qr_search_opts o = qr_search_defaults();
        qr_results r = {0};
        assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_OK);
        qr_results_free(&r);
        qr_query_free(q);
    }
    qr_searcher_close(s);
}

static void test_parse_plain_and_terms_levels(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    /* --plain: operators are not operators */
    qr_query *q = parse(s, "chemical NOT weapons", QR_PARSE_PLAIN);
    assert_int_equal(q->level, QR_PARSE_PLAIN);
    assert_string_equal(q->plain, "chemical weapons");
    assert_true(has_term(q, "weapon"));
    qr_query_free(q);

    /* the last resort: the indexer's own analysis, OR'ed */
    q = parse(s, "Chemical, \"weapons\" (of) INQUIRY!", QR_PARSE_TERMS);
    assert_int_equal(q->level, QR_PARSE_TERMS);
    assert_true(has_term(q, "chemic"));
    assert_true(has_term(q, "weapon"));
    assert_true(has_term(q, "inquiri"));
    assert_false(has_term(q, "of"));       /* stop word */
    qr_search_opts o = qr_search_defaults();
    qr_results r = {0};
    assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_OK);
    assert_true(r.n >= 1);
    assert_string_equal(r.hits[0].rec.article_id, "chem.txt");
    qr_results_free(&r);
    qr_query_free(q);

    q = parse(s, "!!! ...", QR_PARSE_TERMS);
    assert_true(q->empty);
    qr_query_free(q);
    qr_searcher_close(s);
}

static void test_plain_words(void **state)
{
    (void)state;
    struct { const char *in, *out; } cases[] = {
        {"joint cyber unit", "joint cyber unit"},
        {"title:(joint \"cyber AND unit", "joint cyber unit"},
        {"a NEAR/3 b ADJ c XOR d", "a b c d"},
        {"don't stop-me now!!", "don't stop me now"},
        {"Trump\xE2\x80\x99s \xE2\x80\x9Cunit\xE2\x80\x9D",
         "Trump\xE2\x80\x99s unit"},
        {"\xff\xfeunit\xc3", "unit"},
        {"date:2017..2018 cyber", "2017 2018 cyber"},
        {"near and or not", "near and or not"},   /* lower case: words */
        {"", ""},
        {"  \t ", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qr_buf b = {0};
        assert_int_equal(qr_query_plain_words(cases[i].in, &b), 0);
        assert_string_equal(b.data, cases[i].out);
        qr_buf_free(&b);
    }
}

static void test_parse_empty_and_stopwords(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    const char *empty[] = {"", "   ", "\"\"", "()", "!!!", "*", "- + :",
                           NULL};
    for (size_t i = 0; empty[i]; i++) {
        qr_query *q = parse(s, empty[i], QR_PARSE_FULL);
        assert_true(q->empty);
        qr_search_opts o = qr_search_defaults();
        qr_results r = {0};
        assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_OK);
        assert_int_equal(r.n, 0);
        qr_results_free(&r);
        qr_query_free(q);
    }
    /* only stop words: searched for as they are (stop words are indexed) */
    qr_query *q = parse(s, "the in", QR_PARSE_FULL);
    assert_false(q->empty);
    qr_query_free(q);
    qr_results r = search(s, "in the", NULL);
    assert_true(r.n >= 1);
    qr_results_free(&r);
    /* stop words next to real words are left out, and reported */
    q = parse(s, "the harbour", QR_PARSE_FULL);
    assert_int_equal(q->nstopped, 1);
    assert_string_equal(q->stopped[0], "the");
    qr_query_free(q);
    qr_searcher_close(s);
}

/* ------------------------------------------------------------- running */

static void test_search_records(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    qr_results r = search(s, "harbour ships", NULL);
    assert_int_equal(r.n, 1);
    const qr_hit *h = &r.hits[0];
    assert_int_equal(h->rank, 1);
    assert_true(h->score > 0);
    assert_string_equal(h->rec.article_id, "boats.txt");
    assert_string_equal(h->rec.title, "Harbours");
    assert_string_equal(h->rec.source, "boats.txt");
    assert_int_equal(h->rec.ordinal, 0);
    assert_int_equal(h->rec.npassages, 1);
    assert_int_equal(h->rec.start, 0);
    assert_int_equal(h->rec.end, strlen(articles[2].passages[0]));
    assert_int_equal(h->rec.text_len, h->rec.end - h->rec.start);
    assert_memory_equal(h->rec.text, articles[2].passages[0], h->rec.text_len);
    qr_results_free(&r);
    qr_results_free(NULL);
    qr_searcher_close(s);
}

static void test_collapse_and_paging(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    /* default: the best passage of each article */
    qr_results r = search(s, "unit", NULL);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.hits[0].rec.article_id, "cyber.txt");
    assert_string_equal(r.hits[1].rec.article_id, "chem.txt");
    assert_true(r.hits[0].score >= r.hits[1].score);
    /* "unit" is in cyber.txt's title, so its three passages all match */
    assert_int_equal(r.hits[0].collapsed, 2);
    qr_results_free(&r);

    qr_search_opts o = qr_search_defaults();
    o.per_article = 0;                     /* every passage */
    r = search(s, "unit", &o);
    assert_int_equal(r.n, 4);
    qr_results_free(&r);

    o.per_article = 2;
    r = search(s, "unit", &o);
    assert_int_equal(r.n, 3);
    size_t cyber = 0;
    for (size_t i = 0; i < r.n; i++)
        cyber += strcmp(r.hits[i].rec.article_id, "cyber.txt") == 0;
    assert_int_equal(cyber, 2);
    qr_results_free(&r);

    o.per_article = 0;
    o.limit = 1;
    r = search(s, "unit", &o);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.hits[0].rank, 1);
    uint32_t first = r.hits[0].docid;
    qr_results_free(&r);
    o.offset = 1;
    r = search(s, "unit", &o);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.hits[0].rank, 2);
    assert_int_not_equal(r.hits[0].docid, first);
    qr_results_free(&r);
    o.offset = 100;
    r = search(s, "unit", &o);
    assert_int_equal(r.n, 0);
    qr_results_free(&r);

    /* bad options */
    qr_query *q = parse(s, "unit", QR_PARSE_FULL);
    o = qr_search_defaults();
    o.limit = 0;
    assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_ERR_USAGE);
    o.limit = 10;
    o.offset = UINT32_MAX;
    assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_ERR_USAGE);
    qr_query_free(q);
    qr_searcher_close(s);
}

static void test_syntax(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    qr_search_opts all = qr_search_defaults();
    all.per_article = 0;

    /* phrases: stop words inside count; the title is in every passage */
    qr_results r = search(s, "\"weather in Hamburg\"", &all);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.hits[0].rec.ordinal, 1);
    qr_results_free(&r);
    r = search(s, "\"Hamburg weather\"", &all);
    assert_int_equal(r.n, 0);
    qr_results_free(&r);
    r = search(s, "\"security unit\"", &all);
    assert_int_equal(r.n, 3);
    qr_results_free(&r);

    r = search(s, "unit -chemical", NULL);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].rec.article_id, "cyber.txt");
    qr_results_free(&r);

    r = search(s, "unit AND syria", NULL);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].rec.article_id, "chem.txt");
    qr_results_free(&r);

    r = search(s, "title:chemical", &all);
    assert_int_equal(r.n, 2);
    qr_results_free(&r);

    r = search(s, "author:spalding", NULL);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].rec.article_id, "cyber.txt");
    qr_results_free(&r);

    r = search(s, "source:boats", NULL);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.hits[0].rec.article_id, "boats.txt");
    qr_results_free(&r);

    r = search(s, "putin NEAR impenetrable", NULL);
    assert_int_equal(r.n, 1);
    qr_results_free(&r);

    r = search(s, "cyb*", &all);
    assert_int_equal(r.n, 3);              /* cyber, cybersecur */
    qr_results_free(&r);
    qr_query *q = parse(s, "Cyb* title:WEAP* author:ki*", QR_PARSE_FULL);
    assert_int_equal(q->nprefixes, 2);
    assert_string_equal(q->prefixes[0], "cyb");
    assert_string_equal(q->prefixes[1], "weap");
    qr_query_free(q);
    qr_searcher_close(s);
}

static void test_dates(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    const struct { const char *q; const char *id; size_t n; } cases[] = {
        {"date:20170101..20171231", "cyber.txt", 1},
        {"date:2017-01-01..2017-12-31", "cyber.txt", 1},
        {"date:2017", "cyber.txt", 1},
        {"date:2017-07", "cyber.txt", 1},
        {"date:201707", "cyber.txt", 1},
        {"date:2017-07-09", "cyber.txt", 1},
        {"date:2018..", "chem.txt", 1},
        {"date:..2017", "cyber.txt", 1},
        {"date:2016..2018", NULL, 2},
        {"date:2019", NULL, 0},
        {"unit date:2018", "chem.txt", 1},
        {"harbour date:2017", NULL, 0},   /* undated articles never match */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qr_results r = search(s, cases[i].q, NULL);
        if (r.n != cases[i].n)
            fail_msg("%s: %zu results, expected %zu", cases[i].q, r.n,
                     cases[i].n);
        if (cases[i].id)
            assert_string_equal(r.hits[0].rec.article_id, cases[i].id);
        qr_results_free(&r);
    }
    qr_searcher_close(s);
}

static void test_phrase_evidence(void **state)
{
    (void)state;
    xc_db *db = NULL;
    assert_int_equal(xc_db_open(dbpath, XC_DB_OPEN, 0, 0, &db, NULL), XC_OK);
    article a[] = {
        {"adjacent.txt", "Story one", "", "",
         {"A red fox jumped over the sleeping dogs in the yard today.", NULL}},
        {"apart.txt", "Story two", "", "",
         {"The fox was lazy and red.", NULL}},
    };
    add_articles(db, a, 2);
    assert_int_equal(xc_db_commit(db), XC_OK);
    xc_db_close(db);

    qr_searcher *s = open_db();
    qr_search_opts o = qr_search_defaults();
    assert_true(o.phrase > 0);
    /* the phrase alone: proximity and feedback would favour the adjacent
     * words too */
    o.proximity = 0;
    o.fb_weight = 0;
    qr_query *q = parse(s, "Red FOX", QR_PARSE_FULL);
    assert_non_null(q->phrase);
    qr_results r = {0};
    /* without the evidence the shorter passage wins ... */
    o.phrase = 0;
    assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.hits[0].rec.article_id, "apart.txt");
    qr_results_free(&r);
    /* ... with it, the one where the words are as in the query */
    o.phrase = QR_DEFAULT_PHRASE;
    assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.hits[0].rec.article_id, "adjacent.txt");
    qr_results_free(&r);
    qr_query_free(q);

    /* stop words between the words widen the window */
    q = parse(s, "fox over the sleeping", QR_PARSE_FULL);
    assert_non_null(q->phrase);
    qr_query_free(q);
    /* one word, or too many: no phrase */
    q = parse(s, "fox", QR_PARSE_FULL);
    assert_null(q->phrase);
    qr_query_free(q);
    q = parse(s, "a b c d e f g h i j k l", QR_PARSE_FULL);
    assert_null(q->phrase);
    qr_query_free(q);
    qr_searcher_close(s);
}

static void test_wildcard_too_broad(void **state)
{
    (void)state;
    /* an article with more distinct "zz" words than a wildcard may expand */
    xc_db *db = NULL;
    assert_int_equal(xc_db_open(dbpath, XC_DB_OPEN, 0, 0, &db, NULL), XC_OK);
    qr_buf text = {0};
    for (unsigned i = 0; i <= QR_MAX_WILDCARD_EXPANSION; i++)
        qr_buf_printf(&text, "zz%04u ", i);
    qr_buf_puts(&text, "zz");
    article big = {"zz.txt", "Many words", "", "", {text.data, NULL}};
    add_articles(db, &big, 1);
    assert_int_equal(xc_db_commit(db), XC_OK);
    xc_db_close(db);

    qr_searcher *s = open_db();
    qr_query *q = parse(s, "zz*", QR_PARSE_FULL);
    char *before = qr_query_describe(q);
    assert_non_null(before);
    assert_false(q->wildcard_dropped);
    assert_int_equal(q->nprefixes, 1);
    qr_search_opts o = qr_search_defaults();
    o.explain = 1;
    qr_results r = {0};
    qr_buf err = {0};
    assert_int_equal(qr_search_run(s, q, &o, &r, &err), QR_OK);
    assert_int_equal(r.n, 1);               /* the word "zz" itself */
    /* the results say the wildcard was searched as a word ... */
    assert_true(r.wildcard_dropped);
    assert_non_null(r.searched);
    assert_true(r.searched->wildcard_dropped);
    assert_int_equal(r.searched->nprefixes, 0);
    assert_true(has_term(r.searched, "zz"));
    char *ran = qr_query_describe(r.searched);
    assert_non_null(ran);
    assert_null(strstr(ran, "WILDCARD"));
    free(ran);
    /* ... and the caller's query is as it was parsed */
    char *after = qr_query_describe(q);
    assert_non_null(after);
    assert_string_equal(after, before);
    assert_false(q->wildcard_dropped);
    assert_int_equal(q->nprefixes, 1);
    assert_string_equal(q->prefixes[0], "zz");
    free(after);
    qr_results_free(&r);
    assert_null(r.searched);
    /* the same query runs again, with the same outcome */
    assert_int_equal(qr_search_run(s, q, &o, &r, &err), QR_OK);
    assert_int_equal(r.n, 1);
    assert_true(r.wildcard_dropped);
    after = qr_query_describe(q);
    assert_string_equal(after, before);
    free(after);
    free(before);
    qr_results_free(&r);
    qr_query_free(q);

    /* a wildcard within the limit still expands */
    r = search(s, "zz000*", NULL);
    assert_int_equal(r.n, 1);
    assert_false(r.wildcard_dropped);
    assert_null(r.searched);
    qr_results_free(&r);
    qr_buf_free(&err);
    qr_buf_free(&text);
    qr_searcher_close(s);
}

/* Regression: every wildcard was expanded, so a 6 KB query of a thousand
 * broad wildcards ran for far too long (measured: bench/README.md,
 * "Tuning decisions"). More than QR_MAX_WILDCARDS wildcards are all
 * searched as plain words. */
static void test_too_many_wildcards(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    qr_buf text = {0};
    qr_buf_puts(&text, "harb*");
    for (unsigned i = 1; i < QR_MAX_WILDCARDS; i++)
        qr_buf_puts(&text, " ship*");
    qr_query *q = parse(s, text.data, QR_PARSE_FULL);
    assert_false(q->wildcard_dropped);        /* exactly the limit: kept */
    assert_int_equal(q->nprefixes, 2);
    qr_results r = search(s, text.data, NULL);
    assert_int_equal(r.n, 1);
    qr_results_free(&r);
    qr_query_free(q);

    qr_buf_puts(&text, " sail*");
    q = parse(s, text.data, QR_PARSE_FULL);
    assert_true(q->wildcard_dropped);
    assert_int_equal(q->nprefixes, 0);
    assert_int_equal(q->level, QR_PARSE_FULL);
    qr_query_free(q);
    /* the words themselves are still searched: "sail" is in boats.txt;
     * the parse dropped the wildcards, not the run */
    r = search(s, text.data, NULL);
    assert_int_equal(r.n, 1);
    assert_false(r.wildcard_dropped);
    assert_string_equal(r.hits[0].rec.article_id, "boats.txt");
    qr_results_free(&r);
    qr_buf_free(&text);
    qr_searcher_close(s);
}

static void test_huge_query(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    /* 10,000 words, with operators and stray brackets: cut to the first
     * QR_MAX_QUERY_TERMS words */
    qr_buf text = {0};
    qr_buf_puts(&text, "harbour ");
    for (unsigned i = 0; i < 10000; i++)
        qr_buf_printf(&text, "w%u%s", i, i % 7 == 0 ? " ) OR ( " : " ");
    qr_buf_puts(&text, " weather");
    qr_query *q = parse(s, text.data, QR_PARSE_FULL);
    assert_true(q->truncated);
    assert_int_equal(q->level, QR_PARSE_TERMS);
    assert_int_equal(q->nterms, QR_MAX_QUERY_TERMS);
    qr_search_opts o = qr_search_defaults();
    qr_results r = {0};
    assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_OK);
    assert_int_equal(r.n, 1);               /* harbour; weather was cut */
    assert_string_equal(r.hits[0].rec.article_id, "boats.txt");
    qr_results_free(&r);
    qr_query_free(q);
    qr_buf_free(&text);

    /* 10,000 words but few distinct ones: every word searched */
    for (unsigned i = 0; i < 10000; i++)
        qr_buf_printf(&text, "w%u ", i % 100);
    qr_buf_puts(&text, "weather");
    q = parse(s, text.data, QR_PARSE_FULL);
    assert_false(q->truncated);
    assert_int_equal(q->level, QR_PARSE_TERMS);
    assert_int_equal(q->nterms, 101);
    assert_int_equal(qr_search_run(s, q, &o, &r, NULL), QR_OK);
    assert_int_equal(r.n, 1);
    qr_results_free(&r);
    qr_query_free(q);
    qr_buf_free(&text);
    qr_searcher_close(s);
}

/* How deep the text's evidence reranks: one and a half times the page,
 * within [QR_PROX_MIN, QR_PROX_DEPTH], without overflow. */
static void test_prox_depth(void **state)
{
    (void)state;
    assert_int_equal(qr_prox_depth(0), QR_PROX_MIN);
    assert_int_equal(qr_prox_depth(1), QR_PROX_MIN);
    assert_int_equal(qr_prox_depth(10), QR_PROX_MIN);
    assert_int_equal(qr_prox_depth(12), 18);
    assert_int_equal(qr_prox_depth(19), 28);
    assert_int_equal(qr_prox_depth(20), QR_PROX_DEPTH);
    assert_int_equal(qr_prox_depth(1000), QR_PROX_DEPTH);
    assert_int_equal(qr_prox_depth(UINT32_MAX), QR_PROX_DEPTH);
}

static void test_reader_sees_changes(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    qr_results r = search(s, "lighthouse", NULL);
    assert_int_equal(r.n, 0);
    qr_results_free(&r);
    /* a writer commits twice while the reader is open: the reader's
     * revision may be gone (XC_MODIFIED): the search reopens and retries */
    for (int round = 0; round < 3; round++) {
        xc_db *db = NULL;
        assert_int_equal(xc_db_open(dbpath, XC_DB_OPEN, 0, 0, &db, NULL),
                         XC_OK);
        char id[32];
        snprintf(id, sizeof id, "light%d.txt", round);
        article a = {id, "Lighthouse", "", "",
                     {"The lighthouse keeper lit the lamp.", NULL}};
        add_articles(db, &a, 1);
        assert_int_equal(xc_db_commit(db), XC_OK);
        xc_db_close(db);
    }
    r = search(s, "harbour", NULL);
    assert_int_equal(r.n, 1);
    qr_results_free(&r);
    qr_searcher_close(s);
}

/* An article's passages by id, in order; a missing id is QR_ERR_NOINDEX. */
static void test_article_get(void **state)
{
    (void)state;
    qr_searcher *s = open_db();
    qr_article_view a = {0};
    qr_buf err = {0};
    assert_int_equal(qr_article_get(s, "cyber.txt", 100, &a, &err), QR_OK);
    assert_int_equal(a.n, 3);
    assert_int_equal(a.total, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(a.recs[i].ordinal, i);
        assert_string_equal(a.recs[i].article_id, "cyber.txt");
    }
    assert_non_null(strstr(a.recs[1].text, "Hamburg"));
    qr_article_free(&a);
    /* the first max passages only; total says how many there are */
    assert_int_equal(qr_article_get(s, "cyber.txt", 2, &a, &err), QR_OK);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.total, 3);
    assert_int_equal(a.recs[1].ordinal, 1);
    qr_article_free(&a);
    assert_int_equal(qr_article_get(s, "../../etc/passwd", 10, &a, &err),
                     QR_ERR_NOINDEX);
    assert_non_null(strstr(err.data, "no article"));
    assert_int_equal(a.n, 0);
    qr_article_free(&a);
    qr_buf_free(&err);
    qr_searcher_close(s);
}

/* A commit moves a refreshed searcher to the new revision; a stub file
 * replaced under it is a change; nothing else is. */
static void test_searcher_refresh_and_changed(void **state)
{
    (void)state;
    char stub[192];
    snprintf(stub, sizeof stub, "%s/index.stub", root);
    FILE *f = fopen(stub, "w");
    assert_non_null(f);
    fprintf(f, "auto db\n");
    fclose(f);
    const char *paths[] = {stub};
    qr_searcher *s = NULL;
    qr_buf err = {0};
    assert_int_equal(qr_searcher_open(paths, 1, &s, &err), QR_OK);
    assert_int_equal(qr_searcher_changed(s), 0);
    int changed = -1;
    assert_int_equal(qr_searcher_refresh(s, &changed, &err), QR_OK);
    assert_int_equal(changed, 0);
    xc_db *db = NULL;
    assert_int_equal(xc_db_open(dbpath, XC_DB_OPEN, 0, 0, &db, NULL), XC_OK);
    article a = {"light.txt", "Lighthouse", "", "",
                 {"The lighthouse keeper lit the lamp.", NULL}};
    add_articles(db, &a, 1);
    assert_int_equal(xc_db_commit(db), XC_OK);
    xc_db_close(db);
    assert_int_equal(qr_searcher_changed(s), 0);
    assert_int_equal(qr_searcher_refresh(s, &changed, &err), QR_OK);
    assert_int_equal(changed, 1);
    /* a new stub renamed over the old one, as a rebuild switches */
    char tmpstub[200];
    snprintf(tmpstub, sizeof tmpstub, "%s.new", stub);
    f = fopen(tmpstub, "w");
    assert_non_null(f);
    fprintf(f, "auto db\n");
    fclose(f);
    assert_int_equal(rename(tmpstub, stub), 0);
    assert_int_equal(qr_searcher_changed(s), 1);
    assert_string_equal(qr_searcher_version(s), "");
    qr_searcher_close(s);
    qr_buf_free(&err);
}

/* The search side's qr_* functions speak qr_status, whatever the binding
 * said. */
static void test_status_vocabulary(void **state)
{
    (void)state;
    xc_db *db = NULL;
    xc_stem *stem = NULL;
    assert_int_equal(xc_db_open(dbpath, XC_DB_OPEN, 0, 0, &db, NULL), XC_OK);
    assert_int_equal(xc_stem_new("english", &stem, NULL), XC_OK);

    qr_compounds c = {0};
    assert_int_equal(qr_compounds_find(db, stem, NULL, "cyber security", &c),
                     QR_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.forms[0], "cybersecurity");
    qr_compounds_free(&c);
    assert_int_equal(qr_compounds_find(NULL, stem, NULL, "x", &c),
                     QR_ERR_USAGE);

    qr_spell_fix *f = NULL;
    size_t n = 0;
    assert_int_equal(qr_spell_check(db, stem, NULL, "cybr", &f, &n),
                     QR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(f[0].stem, "cyber");
    qr_spell_fixes_free(f, n);
    assert_int_equal(qr_spell_check(db, stem, NULL, NULL, &f, &n),
                     QR_ERR_USAGE);

    uint32_t docids[] = {1, 3};
    double scores[] = {2.0, 1.0};
    qr_fb_term *t = NULL;
    assert_int_equal(qr_feedback_terms(db, NULL, docids, scores, 2, 5, &t,
                                       &n), QR_OK);
    /* none here: in 6 passages every term is in more than QR_FB_MAX_DF */
    assert_int_equal(n, 0);
    qr_fb_terms_free(t, n);
    assert_int_equal(qr_feedback_terms(db, NULL, NULL, scores, 2, 5, &t, &n),
                     QR_ERR_USAGE);
    /* a passage that is not there: the binding's failure, mapped */
    uint32_t gone[] = {999999};
    assert_int_not_equal(qr_feedback_terms(db, NULL, gone, scores, 1, 5, &t,
                                           &n), QR_OK);

    xc_stem_free(stem);
    xc_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_not_an_index, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_reads_language, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parse_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_plain_and_terms_levels,
                                        setup, teardown),
        cmocka_unit_test(test_plain_words),
        cmocka_unit_test_setup_teardown(test_parse_empty_and_stopwords, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_search_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collapse_and_paging, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phrase_evidence, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wildcard_too_broad, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_too_many_wildcards, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_huge_query, setup, teardown),
        cmocka_unit_test(test_prox_depth),
        cmocka_unit_test_setup_teardown(test_reader_sees_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_article_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_searcher_refresh_and_changed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_vocabulary, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

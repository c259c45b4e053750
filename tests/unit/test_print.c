/* Unit tests: query/print.c — the text, JSON and TREC printers on fixed
 * records, and the evaluation rows; through them the library's snippets
 * and result objects (lib/search/excerpt.c, lib/search/result_json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

static const char passage[] =
    "Trump tweeted that he and Putin discussed forming an impenetrable "
    "Cyber Security unit.\n  Mnuchin  said so.";

static qr_record record(void)
{
    qr_record r = {
        .article_id = "corpus/joint-cyber-unit.txt",
        .title = "Joint \xE2\x80\x9C" "Cyber Unit\xE2\x80\x9D",
        .source = "corpus/joint-cyber-unit.txt",
        .url = "", .date = "20170709", .author = "",
        .ordinal = 2, .npassages = 7, .start = 1000, .end = 1106,
        .text = passage, .text_len = sizeof passage - 1,
    };
    return r;
}

/* "Cyber" and "unit" in the passage, "Cyber" and "Unit" in the title. */
static const qr_hl_span spans[] = {{66, 71}, {81, 85}};
static const qr_hl_span title_spans[] = {{9, 14}, {15, 19}};

static char *print_one(qr_output fmt, const qr_print_opts *o,
                       const qr_print_item *it)
{
    qr_buf b = {0};
    const qr_printer *p = qr_printer_for(fmt);
    assert_non_null(p);
    assert_int_equal(p->item(&b, o, it), 0);
    return qr_buf_steal(&b);
}

static qr_print_item item(const qr_record *r)
{
    qr_print_item it = {
        .index = 0, .rank = 3, .score = 12.3456789, .collapsed = 0, .rec = r,
        .spans = spans, .nspans = 2, .title_spans = title_spans,
        .ntitle_spans = 2, .first_in_article = 1,
    };
    return it;
}

static void test_text_plain(void **state)
{
    (void)state;
    qr_record r = record();
    qr_print_item it = item(&r);
    qr_print_opts o = {0};
    char *s = print_one(QR_OUT_TEXT, &o, &it);
    assert_string_equal(s,
        "3. Joint \xE2\x80\x9C" "Cyber Unit\xE2\x80\x9D\n"
        "   corpus/joint-cyber-unit.txt, 2017-07-09, passage 3/7, "
        "score 12.346\n"
        "   Trump tweeted that he and Putin discussed forming an "
        "impenetrable Cyber Security unit. Mnuchin said so.\n");
    free(s);

    /* the second result starts with a blank line; source, author,
     * collapsed passages and duplicates shown when there are some */
    r.source = "corpus/archive.tar.gz";
    r.author = "King & Spalding";
    r.date = "";
    r.title = "";
    it.index = 1;
    it.collapsed = 1;
    it.duplicates = 2;
    it.ntitle_spans = 0;
    s = print_one(QR_OUT_TEXT, &o, &it);
    assert_string_equal(s,
        "\n3. (untitled)\n"
        "   corpus/joint-cyber-unit.txt (corpus/archive.tar.gz), "
        "by King & Spalding, passage 3/7, score 12.346 (+1 more passage) "
        "(+2 duplicates)\n"
        "   Trump tweeted that he and Putin discussed forming an "
        "impenetrable Cyber Security unit. Mnuchin said so.\n");
    free(s);
}

static void test_text_color(void **state)
{
    (void)state;
    qr_record r = record();
    qr_print_item it = item(&r);
    qr_print_opts o = {.color = 1};
    char *s = print_one(QR_OUT_TEXT, &o, &it);
    assert_string_equal(s,
        "3. \033[1mJoint \xE2\x80\x9C\033[1;31mCyber\033[0m\033[1m "
        "\033[1;31mUnit\033[0m\033[1m\xE2\x80\x9D\033[0m\n"
        "   \033[35mcorpus/joint-cyber-unit.txt\033[0m, 2017-07-09, "
        "passage 3/7, score 12.346\n"
        "   Trump tweeted that he and Putin discussed forming an "
        "impenetrable \033[1;31mCyber\033[0m Security \033[1;31munit\033[0m. "
        "Mnuchin said so.\n");
    free(s);
}

static void test_text_wrap(void **state)
{
    (void)state;
    qr_record r = record();
    qr_print_item it = item(&r);
    it.nspans = 0;
    qr_print_opts o = {.width = 40};
    char *s = print_one(QR_OUT_TEXT, &o, &it);
    const char *body = strstr(s, "score 12.346\n") + strlen("score 12.346\n");
    assert_string_equal(body,
        "   Trump tweeted that he and Putin\n"
        "   discussed forming an impenetrable\n"
        "   Cyber Security unit. Mnuchin said so.\n");
    free(s);

    /* a span cut by the wrap is closed and reopened around the break */
    qr_hl_span across[] = {{53, 71}};   /* "impenetrable Cyber" */
    it.spans = across;
    it.nspans = 1;
    o.color = 1;
    s = print_one(QR_OUT_TEXT, &o, &it);
    assert_non_null(strstr(s, "\033[1;31mimpenetrable\033[0m\n"
                              "   \033[1;31mCyber\033[0m Security"));
    free(s);
}

static void test_text_control_characters(void **state)
{
    (void)state;
    const char evil[] = "bad \033[2Jclear\x07 bell \xC2\x9B" "csi \xff end";
    qr_record r = record();
    r.text = evil;
    r.text_len = sizeof evil - 1;
    r.title = "T\033]0;owned\007";
    qr_print_item it = item(&r);
    it.nspans = 0;
    it.ntitle_spans = 0;
    qr_print_opts o = {0};
    char *s = print_one(QR_OUT_TEXT, &o, &it);
    assert_null(strchr(s, '\033'));
    assert_null(strchr(s, '\007'));
    assert_null(strstr(s, "\xC2\x9B"));
    assert_non_null(strstr(s, "bad \xEF\xBF\xBD[2Jclear\xEF\xBF\xBD bell "
                              "\xEF\xBF\xBD" "csi \xEF\xBF\xBD end"));
    free(s);
}

static void test_json(void **state)
{
    (void)state;
    qr_record r = record();
    r.lang = "en";
    qr_print_item it = item(&r);
    qr_print_opts o = {0};
    char *s = print_one(QR_OUT_JSON, &o, &it);
    assert_string_equal(s,
        "{\"rank\":3,\"score\":12.345679,"
        "\"article_id\":\"corpus/joint-cyber-unit.txt\","
        "\"title\":\"Joint \xE2\x80\x9C" "Cyber Unit\xE2\x80\x9D\","
        "\"source\":\"corpus/joint-cyber-unit.txt\",\"url\":null,"
        "\"date\":\"2017-07-09\",\"date_source\":\"document\",\"author\":null,"
        "\"lang\":\"en\",\"passage\":3,\"passages\":7,\"page\":null,\"page_last\":null,"
        "\"start\":1000,\"end\":1106,"
        "\"text\":\"Trump tweeted that he and Putin discussed forming an "
        "impenetrable Cyber Security unit.\\n  Mnuchin  said so.\","
        "\"snippet\":\"Trump tweeted that he and Putin discussed forming an "
        "impenetrable **Cyber** Security **unit**. Mnuchin said so.\","
        "\"highlights\":[[66,71],[81,85]],\"suggestion\":null,\"corrected\":false,"
        "\"total\":0,\"total_exact\":false,\"duplicate_count\":0,"
        "\"duplicates\":[]}\n");

    /* and it parses back, one line, field by field */
    assert_non_null(strchr(s, '\n'));
    assert_int_equal(strchr(s, '\n')[1], '\0');
    json_error_t jerr;
    json_t *j = json_loads(s, 0, &jerr);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "rank")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        passage);
    json_t *h = json_object_get(j, "highlights");
    assert_int_equal(json_array_size(h), 2);
    size_t hs = (size_t)json_integer_value(json_array_get(json_array_get(h, 1), 0));
    size_t he = (size_t)json_integer_value(json_array_get(json_array_get(h, 1), 1));
    assert_memory_equal(passage + hs, "unit", he - hs);
    assert_true(json_is_null(json_object_get(j, "url")));
    json_decref(j);
    free(s);

    /* hostile strings stay valid JSON */
    const char evil[] = "quote\" backslash\\ ctl\x01 bad\xff";
    r.text = evil;
    r.text_len = sizeof evil - 1;
    r.url = "http://x/\"y\"";
    r.author = "A\tB";
    it.nspans = 0;
    s = print_one(QR_OUT_JSON, &o, &it);
    j = json_loads(s, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "url")),
                        "http://x/\"y\"");
    assert_string_equal(json_string_value(json_object_get(j, "author")),
                        "A\tB");
    assert_string_equal(json_string_value(json_object_get(j, "text")),
                        "quote\" backslash\\ ctl\x01 bad\xEF\xBF\xBD");
    json_decref(j);
    free(s);
}

/* Pages and the date's origin: "page 3" or "pages 3-4" on the text's
 * source line; page, page_last and date_source in JSON. */
static void test_pages_and_date_source(void **state)
{
    (void)state;
    qr_record r = record();
    r.page = 3;
    r.page_last = 3;
    qr_print_item it = item(&r);
    qr_print_opts o = {0};
    char *s = print_one(QR_OUT_TEXT, &o, &it);
    assert_non_null(strstr(s, "\n   corpus/joint-cyber-unit.txt, 2017-07-09, passage 3/7, "
                              "page 3, score 12.346\n"));
    free(s);
    s = print_one(QR_OUT_JSON, &o, &it);
    assert_non_null(strstr(s, ",\"page\":3,\"page_last\":3,"));
    free(s);

    r.page_last = 4;
    r.flags = QR_RECORD_DATE_FROM_FILE;
    s = print_one(QR_OUT_TEXT, &o, &it);
    assert_non_null(strstr(s, ", 2017-07-09, passage 3/7, pages 3-4, score"));
    free(s);
    s = print_one(QR_OUT_JSON, &o, &it);
    json_error_t jerr;
    json_t *j = json_loads(s, 0, &jerr);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "page")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "page_last")), 4);
    assert_string_equal(json_string_value(json_object_get(j, "date_source")), "file");
    json_decref(j);
    free(s);

    /* no date: no origin either, whatever the flag */
    r.date = "";
    s = print_one(QR_OUT_JSON, &o, &it);
    j = json_loads(s, 0, &jerr);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(j, "date")));
    assert_true(json_is_null(json_object_get(j, "date_source")));
    json_decref(j);
    free(s);
}

static void test_snippet(void **state)
{
    (void)state;
    qr_buf text = {0};
    for (int i = 0; i < 40; i++)
        qr_buf_puts(&text, "Lorem ipsum dolor sit amet. ");
    size_t at = text.len;
    qr_buf_puts(&text, "The cyber   unit\nmet. ");
    for (int i = 0; i < 40; i++)
        qr_buf_puts(&text, "Lorem ipsum dolor sit amet. ");
    qr_hl_span sp[] = {{at + 4, at + 9}, {at + 12, at + 16}};
    qr_buf out = {0};
    assert_int_equal(qr_snippet_build(text.data, text.len, sp, 2, 120, "**",
                                      "**", &out), 0);
    assert_true(strncmp(out.data, "\xE2\x80\xA6 The **cyber** **unit** met.",
                        strlen("\xE2\x80\xA6 The **cyber** **unit** met.")) ==
                0);
    assert_true(out.len > 3 &&
                strcmp(out.data + out.len - 4, " \xE2\x80\xA6") == 0);
    assert_true(out.len <= 120 + 20);
    qr_buf_free(&out);
    qr_buf_free(&text);
}

/* Several passages of an article: the title and id line once, then each
 * passage with its number and score. */
static void test_text_grouped(void **state)
{
    (void)state;
    qr_record r = record();
    qr_print_item it = item(&r);
    it.nspans = 0;
    it.duplicates = 1;
    qr_print_opts o = {.grouped = 1};
    char *s = print_one(QR_OUT_TEXT, &o, &it);
    assert_string_equal(s,
        "3. Joint \xE2\x80\x9C" "Cyber Unit\xE2\x80\x9D\n"
        "   corpus/joint-cyber-unit.txt, 2017-07-09 (+1 duplicate)\n"
        "   passage 3/7, score 12.346\n"
        "   Trump tweeted that he and Putin discussed forming an "
        "impenetrable Cyber Security unit. Mnuchin said so.\n");
    free(s);
    it.first_in_article = 0;
    it.index = 1;
    r.ordinal = 5;
    it.score = 2;
    s = print_one(QR_OUT_TEXT, &o, &it);
    assert_string_equal(s,
        "   passage 6/7, score 2.000\n"
        "   Trump tweeted that he and Putin discussed forming an "
        "impenetrable Cyber Security unit. Mnuchin said so.\n");
    free(s);
}

/* A long passage shows the sentences around its matches; --full all of
 * it. */
static void test_text_excerpt(void **state)
{
    (void)state;
    qr_buf text = {0};
    for (int i = 0; i < 30; i++)
        qr_buf_puts(&text, "Lorem ipsum dolor sit amet. ");
    size_t at = text.len;
    qr_buf_puts(&text, "The cyber unit met on Tuesday and agreed on a long "
                       "list of things to do, which took the whole day and "
                       "much of the night that followed it. ");
    for (int i = 0; i < 30; i++)
        qr_buf_puts(&text, "Lorem ipsum dolor sit amet. ");
    qr_hl_span sp[] = {{at + 4, at + 9}, {at + 10, at + 14}};
    qr_record r = record();
    r.text = text.data;
    r.text_len = text.len;
    qr_print_item it = item(&r);
    it.spans = sp;
    it.nspans = 2;
    qr_print_opts o = {0};
    char *s = print_one(QR_OUT_TEXT, &o, &it);
    const char *body = strstr(s, "score 12.346\n") + strlen("score 12.346\n");
    /* cut before and after, the matched sentence whole */
    assert_true(strncmp(body, "   \xE2\x80\xA6 ", 7) == 0);
    assert_non_null(strstr(body, "The cyber unit met on Tuesday"));
    assert_non_null(strstr(body, "the night that followed it."));
    assert_true(strlen(body) < 400);
    assert_non_null(strstr(body, " \xE2\x80\xA6\n"));
    free(s);
    o.full = 1;
    s = print_one(QR_OUT_TEXT, &o, &it);
    body = strstr(s, "score 12.346\n") + strlen("score 12.346\n");
    assert_null(strstr(body, "\xE2\x80\xA6"));
    assert_true(strlen(body) > text.len - 10);
    free(s);
    qr_buf_free(&text);
}

static void test_total_line(void **state)
{
    (void)state;
    qr_buf b = {0};
    qr_print_opts o = {0};
    assert_int_equal(qr_print_total(&b, &o, 3, 1, 1, 3), 0);
    assert_string_equal(b.data, "3 articles\n\n");
    qr_buf_clear(&b);
    assert_int_equal(qr_print_total(&b, &o, 234, 0, 11, 20), 0);
    assert_string_equal(b.data, "About 234 articles; showing 11-20\n\n");
    qr_buf_clear(&b);
    o.passages = 1;
    assert_int_equal(qr_print_total(&b, &o, 1, 1, 1, 1), 0);
    assert_string_equal(b.data, "1 passage\n\n");
    qr_buf_free(&b);
}

static void test_json_duplicates(void **state)
{
    (void)state;
    qr_record r = record();
    qr_print_item it = item(&r);
    char *ids[] = {"tech/159.txt", "tech/\"q\".txt"};
    it.duplicates = 2;
    it.duplicate_ids = ids;
    it.nduplicate_ids = 2;
    qr_print_opts o = {.total = 234, .total_exact = 1};
    char *s = print_one(QR_OUT_JSON, &o, &it);
    json_error_t jerr;
    json_t *j = json_loads(s, 0, &jerr);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 234);
    assert_true(json_is_true(json_object_get(j, "total_exact")));
    assert_int_equal(json_integer_value(json_object_get(j, "duplicate_count")),
                     2);
    json_t *d = json_object_get(j, "duplicates");
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(json_string_value(json_array_get(d, 1)),
                        "tech/\"q\".txt");
    json_decref(j);
    free(s);
}

static void test_trec(void **state)
{
    (void)state;
    qr_record r = record();
    qr_print_item it = item(&r);
    qr_print_opts o = {0};
    char *s = print_one(QR_OUT_TREC, &o, &it);
    assert_string_equal(s, "1 Q0 corpus/joint-cyber-unit.txt 3 12.345679 "
                           "quarry\n");
    free(s);
    o.qid = "q7";
    o.run_tag = "bm25";
    o.passage_ids = 1;
    r.article_id = "my doc";
    s = print_one(QR_OUT_TREC, &o, &it);
    assert_string_equal(s, "q7 Q0 my_doc#3 3 12.345679 bm25\n");
    free(s);
    /* an out-of-range format falls back to text */
    assert_string_equal(qr_printer_for((qr_output)99)->name, "text");
    assert_string_equal(qr_printer_for(QR_OUT_JSON)->name, "json");
}

static void test_metrics_rows(void **state)
{
    (void)state;
    qr_metrics m = {.ndcg10 = 0.5, .map = 0.25, .recall100 = 1, .mrr10 = 0.5,
                    .p10 = 0.1, .queries = 1};
    qr_buf b = {0};
    assert_int_equal(qr_metrics_header(&b), 0);
    assert_int_equal(qr_metrics_row(&b, "q1", &m, 0), 0);
    assert_string_equal(b.data,
        "qid           nDCG@10      MAP    R@100   MRR@10     P@10\n"
        "q1             0.5000   0.2500   1.0000   0.5000   0.1000\n");
    qr_buf_clear(&b);
    assert_int_equal(qr_metrics_row(&b, "q\"1", &m, 1), 0);
    assert_string_equal(b.data,
        "{\"qid\":\"q\\\"1\",\"ndcg@10\":0.500000,\"map\":0.250000,"
        "\"recall@100\":1.000000,\"mrr@10\":0.500000,\"p@10\":0.100000}\n");
    qr_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_plain),
        cmocka_unit_test(test_text_color),
        cmocka_unit_test(test_text_wrap),
        cmocka_unit_test(test_text_control_characters),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_pages_and_date_source),
        cmocka_unit_test(test_snippet),
        cmocka_unit_test(test_text_grouped),
        cmocka_unit_test(test_text_excerpt),
        cmocka_unit_test(test_total_line),
        cmocka_unit_test(test_json_duplicates),
        cmocka_unit_test(test_trec),
        cmocka_unit_test(test_metrics_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

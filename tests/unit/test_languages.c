/* Unit tests: lib/common/languages.c (codes and stemmers) and
 * lib/ingest/langid.c (detection, believed only when sure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "langid.h"
#include "languages.h"

static void test_codes(void **state)
{
    (void)state;
    static const struct { const char *in, *code; } ok[] = {
        {"fr", "fr"}, {"FR", "fr"}, {"fr-CA", "fr"}, {"pt_BR.UTF-8", "pt"},
        {"de, en", "de"}, {"french", "fr"}, {"German", "de"},
        {"deu", "de"}, {"ger", "de"}, {"zho", "zh"}, {"porter", "en"},
        {"kraaij_pohlmann", "nl"}, {"Japanese", "ja"}, {"none", "none"},
        {"sco", "sco"},     /* an ISO 639 code this table lacks: kept */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char code[QR_LANG_MAX] = "";
        assert_int_equal(qr_lang_code(ok[i].in, code), 0);
        assert_string_equal(code, ok[i].code);
    }
    static const char *const bad[] = {"", "-fr", "klingonese", "f1", "é",
                                      "und", "mul", "zxx", NULL};
    for (size_t i = 0; bad[i]; i++) {
        char code[QR_LANG_MAX] = "";
        assert_int_equal(qr_lang_code(bad[i], code), -1);
    }
    assert_int_equal(qr_lang_code(NULL, (char[QR_LANG_MAX]){0}), -1);
}

static void test_stemmers(void **state)
{
    (void)state;
    assert_string_equal(qr_lang_stemmer("fr"), "french");
    assert_string_equal(qr_lang_stemmer("ru"), "russian");
    assert_string_equal(qr_lang_stemmer("nb"), "norwegian");
    /* no stemmer: unstemmed (n-grams for CJK) */
    assert_string_equal(qr_lang_stemmer("ja"), "none");
    assert_string_equal(qr_lang_stemmer("sco"), "none");
    assert_string_equal(qr_lang_stemmer(NULL), "none");
}

static void test_answers(void **state)
{
    (void)state;
    char code[QR_LANG_MAX];
    assert_int_equal(qr_langid_answer("[fr--utf8]", 0, code), 1);
    assert_string_equal(code, "fr");
    assert_int_equal(qr_langid_answer("[zh-CN-utf8]", 0, code), 1);
    assert_string_equal(code, "zh");
    /* two spellings of one language are one */
    assert_int_equal(qr_langid_answer("[zh-CN-utf8][zh-TW-utf8]", 0, code), 1);
    assert_string_equal(code, "zh");
    /* Japanese needs kana to be a candidate, Korean Hangul */
    assert_int_equal(qr_langid_answer("[zh-CN-utf8][zh-TW-utf8][ja--utf8]", 0,
                                      code), 1);
    assert_string_equal(code, "zh");
    assert_int_equal(qr_langid_answer("[zh-CN-utf8][ja--utf8]",
                                      QR_SCRIPT_KANA, code), 0);
    assert_int_equal(qr_langid_answer("[ja--utf8]", 0, code), 0);
    assert_int_equal(qr_langid_answer("[ko--utf8]", QR_SCRIPT_HANGUL, code), 1);
    assert_string_equal(code, "ko");
    /* Scots is read as English, which textcat takes it for */
    assert_int_equal(qr_langid_answer("[en--utf8][sco--utf8]", 0, code), 1);
    assert_string_equal(code, "en");
    assert_int_equal(qr_langid_answer("[sco--utf8]", 0, code), 1);
    assert_string_equal(code, "en");
    /* not sure */
    strcpy(code, "xx");
    assert_int_equal(qr_langid_answer("[en--utf8][de--utf8]", 0, code), 0);
    assert_int_equal(qr_langid_answer("[fr--utf8][sco--utf8]", 0, code), 0);
    assert_int_equal(qr_langid_answer("SHORT", 0, code), 0);
    assert_int_equal(qr_langid_answer("UNKNOWN", 0, code), 0);
    assert_int_equal(qr_langid_answer("", 0, code), 0);
    assert_int_equal(qr_langid_answer(NULL, 0, code), 0);
    assert_int_equal(qr_langid_answer("[fr--utf8", 0, code), 0);
    assert_int_equal(qr_langid_answer("[]", 0, code), 0);
    assert_int_equal(qr_langid_answer("[fr--utf8]x", 0, code), 0);
    assert_string_equal(code, "xx");      /* untouched */
}

static void test_detect(void **state)
{
    (void)state;
    qr_langid *d = qr_langid_new(NULL);
    if (!d)
        skip();   /* libexttextcat-data is not installed */
    static const struct { const char *text, *code; } cases[] = {
        {"Les étudiants des universités européennes préfèrent les "
         "bibliothèques ouvertes le soir, quand la ville se repose.", "fr"},
        {"Die Stadtverwaltung hat beschlossen, die alten Brücken über den "
         "Fluss im nächsten Frühjahr zu erneuern.", "de"},
        {"Городская библиотека получила в этом году много новых книг для "
         "детей и взрослых.", "ru"},
        {"北京的图书馆每天都有很多学生来学习。这个图书馆有很多中文书和外文书。", "zh"},
        {"東京では今週、雨の日が続いています。気象庁によると、週末には晴れる見込みです。",
         "ja"},
        /* capitals read as the words they are */
        {"THE HARBOUR MASTER EXPLAINED HOW THE SHIPS ARE GUIDED INTO PORT "
         "DURING STORMS. SAILORS LISTEN TO THE RADIO AND FOLLOW THE LIGHTS "
         "ALONG THE BREAKWATER. MOST OF THE CARGO ARRIVING THIS MONTH IS "
         "GRAIN AND TIMBER.", "en"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char code[QR_LANG_MAX] = "";
        int sure = qr_langid_detect(d, NULL, cases[i].text,
                                    strlen(cases[i].text), code);
        if (!sure)
            print_message("not sure of: %s\n", cases[i].text);
        assert_int_equal(sure, 1);
        assert_string_equal(code, cases[i].code);
    }
    /* too little text, or none: no guess */
    char code[QR_LANG_MAX] = "xx";
    assert_int_equal(qr_langid_detect(d, "Kurze Notiz", "Bis morgen.", 11,
                                      code), 0);
    const char *digits = "12 34 56 78 90 12 34 56 78 90 12 34 56 78 90 12 "
                         "34 56 78 90 12 34 56 78 90 12 34 56 78 90";
    assert_int_equal(qr_langid_detect(d, "1999", digits, strlen(digits),
                                      code), 0);
    assert_int_equal(qr_langid_detect(d, NULL, NULL, 0, code), 0);
    assert_string_equal(code, "xx");
    qr_langid_free(d);
    /* no fingerprints: no detector, and detection off */
    assert_null(qr_langid_new("/nonexistent"));
    assert_int_equal(qr_langid_detect(NULL, NULL, "text", 4, code), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_stemmers),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

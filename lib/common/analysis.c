/* analysis.c — the stemmer and stop words of a language (analysis.h). */
#include "analysis.h"

#include "accents.h"

#include <stdlib.h>
#include <string.h>

/* English function words: articles, pronouns, auxiliaries, prepositions,
 * conjunctions and question words. Content words that merely look common
 * ("effect", "use") are left out: they carry meaning in a query. */
static const char *const english[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an",
    "and", "any", "are", "as", "at", "be", "because", "been", "before",
    "being", "below", "between", "both", "but", "by", "can", "could", "did",
    "do", "does", "doing", "down", "during", "each", "few", "for", "from",
    "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is",
    "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no",
    "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other",
    "ought", "our", "ours", "ourselves", "out", "over", "own", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "theirs",
    "them", "themselves", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why",
    "will", "with", "would", "you", "your", "yours", "yourself",
    "yourselves", NULL};

const char *const *qr_stopwords(const char *lang)
{
    if (!lang || strcmp(lang, "english") == 0 || strcmp(lang, "en") == 0)
        return english;
    return NULL;
}

/* French (and Italian) elisions: "l'Opéra" is one word to the scanner,
 * and "opera" should find it. */
static const char *const elisions[] = {"l'", "d'", "j'", "m'", "n'", "s'",
                                       "t'", "c'", "qu'", NULL};

/* The fold of the default analysis (xc_fold_fn): the elision a word
 * starts with dropped, then its accents folded. */
static size_t fold_word(void *ctx, const char *in, size_t len, char *out)
{
    (void)ctx;
    for (size_t i = 0; elisions[i]; i++) {
        size_t n = strlen(elisions[i]);
        if (len > n && memcmp(in, elisions[i], n) == 0) {
            in += n;
            len -= n;
            break;
        }
    }
    return qr_accents_fold(in, len, out);
}

xc_status qr_stem_new(const char *lang, int exact_accents, size_t cache,
                      xc_stem **out, char **err)
{
    xc_stem *st = NULL;
    lang = lang ? lang : QR_DEFAULT_LANG;
    xc_status rc = cache ? xc_stem_new_cached(lang, cache, &st, err)
                         : xc_stem_new(lang, &st, err);
    /* folded before the Snowball stemmer: a word with and without its
     * accents must reach it as one word, or their stems could differ
     * ("université" loses "ité", "universite" does not) */
    if (rc == XC_OK && !exact_accents)
        rc = xc_stem_set_fold(st, fold_word, NULL);
    if (rc != XC_OK) {
        xc_stem_free(st);
        return rc;
    }
    *out = st;
    return XC_OK;
}

xc_status qr_analyzer_new(const char *lang, int use_stopwords,
                          int exact_accents, xc_stem **stem,
                          xc_stopper **stop, char **err)
{
    xc_stem *st = NULL;
    xc_stopper *sp = NULL;
    xc_status rc = qr_stem_new(lang, exact_accents, QR_QUERY_STEM_CACHE, &st,
                               err);
    if (rc != XC_OK)
        return rc;
    const char *const *words = use_stopwords ? qr_stopwords(lang) : NULL;
    if (words) {
        rc = xc_stopper_new(&sp);
        for (size_t i = 0; rc == XC_OK && words[i]; i++)
            rc = xc_stopper_add(sp, words[i]);
        if (rc != XC_OK) {
            xc_stopper_free(sp);
            xc_stem_free(st);
            return rc;
        }
    }
    *stem = st;
    *stop = sp;
    return XC_OK;
}

/* languages.c — language codes and their stemmers (languages.h). */
#include "languages.h"

#include <string.h>
#include <strings.h>

/* ISO 639-1 code, ISO 639-2/B and /T codes, the xapian-core stemmer
 * (NULL: none), in code order. The ISO 639-2 codes let metadata such as
 * "fre" or "deu" name a language too. */
static const struct lang {
    const char *code, *b, *t, *stemmer, *name;
} langs[] = {
    {"ar", "ara", "ara", "arabic", "arabic"},
    {"ca", "cat", "cat", "catalan", "catalan"},
    {"da", "dan", "dan", "danish", "danish"},
    {"de", "ger", "deu", "german", "german"},
    {"el", "gre", "ell", "greek", "greek"},
    {"en", "eng", "eng", "english", "english"},
    {"es", "spa", "spa", "spanish", "spanish"},
    {"eu", "baq", "eus", "basque", "basque"},
    {"fi", "fin", "fin", "finnish", "finnish"},
    {"fr", "fre", "fra", "french", "french"},
    {"ga", "gle", "gle", "irish", "irish"},
    {"hi", "hin", "hin", "hindi", "hindi"},
    {"hu", "hun", "hun", "hungarian", "hungarian"},
    {"hy", "arm", "hye", "armenian", "armenian"},
    {"id", "ind", "ind", "indonesian", "indonesian"},
    {"it", "ita", "ita", "italian", "italian"},
    {"ja", "jpn", "jpn", NULL, "japanese"},
    {"ko", "kor", "kor", NULL, "korean"},
    {"lt", "lit", "lit", "lithuanian", "lithuanian"},
    {"nb", "nob", "nob", "norwegian", "bokmal"},
    {"ne", "nep", "nep", "nepali", "nepali"},
    {"nl", "dut", "nld", "dutch", "dutch"},
    {"nn", "nno", "nno", "norwegian", "nynorsk"},
    {"no", "nor", "nor", "norwegian", "norwegian"},
    {"pt", "por", "por", "portuguese", "portuguese"},
    {"ro", "rum", "ron", "romanian", "romanian"},
    {"ru", "rus", "rus", "russian", "russian"},
    {"sr", "srp", "srp", "serbian", "serbian"},
    {"sv", "swe", "swe", "swedish", "swedish"},
    {"ta", "tam", "tam", "tamil", "tamil"},
    {"tr", "tur", "tur", "turkish", "turkish"},
    {"yi", "yid", "yid", "yiddish", "yiddish"},
    {"zh", "chi", "zho", NULL, "chinese"},
};
#define NLANGS (sizeof langs / sizeof langs[0])

/* xapian-core's other English stemmers, and its alternative German and
 * Dutch ones, name the language too. */
static const struct { const char *stemmer, *code; } aliases[] = {
    {"porter", "en"}, {"lovins", "en"}, {"earlyenglish", "en"},
    {"german2", "de"}, {"kraaij_pohlmann", "nl"},
};

static const struct lang *by_code(const char *code)
{
    for (size_t i = 0; i < NLANGS; i++)
        if (strcmp(langs[i].code, code) == 0)
            return &langs[i];
    return NULL;
}

int qr_lang_code(const char *name, char out[QR_LANG_MAX])
{
    if (!name)
        return -1;
    /* a stemmer's or language's name, whole ("kraaij_pohlmann") */
    for (size_t i = 0; i < NLANGS; i++)
        if ((langs[i].stemmer && strcasecmp(name, langs[i].stemmer) == 0) ||
            strcasecmp(name, langs[i].name) == 0) {
            strcpy(out, langs[i].code);
            return 0;
        }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(name, aliases[i].stemmer) == 0) {
            strcpy(out, aliases[i].code);
            return 0;
        }
    /* the primary subtag of a tag or locale: "pt_BR.UTF-8" -> "pt" */
    size_t n = strcspn(name, "-_.@ ,;");
    if (n == 0 || n >= 32)
        return -1;
    char low[32];
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c < 'a' || c > 'z')
            return -1;
        low[i] = c;
    }
    low[n] = '\0';
    for (size_t i = 0; i < NLANGS; i++)
        if (strcmp(low, langs[i].code) == 0 || strcmp(low, langs[i].b) == 0 ||
            strcmp(low, langs[i].t) == 0) {
            strcpy(out, langs[i].code);
            return 0;
        }
    /* ISO 639's codes for no language in particular: undetermined,
     * multiple, uncoded, no linguistic content */
    static const char *const none[] = {"und", "mul", "mis", "zxx", NULL};
    for (size_t i = 0; none[i]; i++)
        if (strcmp(low, none[i]) == 0)
            return -1;
    /* another ISO 639 code: kept, unstemmed ("none" is the stemmer
     * xapian-core calls no stemming, an index's --lang too) */
    if (n > 3 && strcmp(low, "none") != 0)
        return -1;
    strcpy(out, low);
    return 0;
}

const char *qr_lang_stemmer(const char *code)
{
    const struct lang *l = code ? by_code(code) : NULL;
    return l && l->stemmer ? l->stemmer : "none";
}

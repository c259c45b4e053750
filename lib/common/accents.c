/* accents.c — accent folding of words (accents.h), over ICU's canonical
 * decompositions. */
#include "accents.h"

#include <string.h>
#include <unicode/unorm2.h>

#include "util.h"

/* Letters without a canonical decomposition that people type without
 * their stroke or as two letters (what Recoll's unac and Elasticsearch's
 * ASCII folding do). Each replacement is no longer than the letter. */
static const struct { unsigned cp; const char *to; } special[] = {
    {0xDF, "ss"}, {0x1E9E, "ss"}, {0xE6, "ae"}, {0xC6, "AE"},
    {0x153, "oe"}, {0x152, "OE"}, {0xF8, "o"}, {0xD8, "O"},
    {0x111, "d"}, {0x110, "D"}, {0x142, "l"}, {0x141, "L"},
    {0x131, "i"},
};

static unsigned u8_decode(const unsigned char *s, size_t l)
{
    static const unsigned mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    unsigned cp = s[0] & mask[l];
    for (size_t i = 1; i < l; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

static size_t u8_encode(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Latin (with Latin Extended Additional: Vietnamese) and Greek (with its
 * extended block): the scripts whose diacritics are folded. Cyrillic's
 * are letters of their own (й, ї) but for ё, handled apart. */
static int foldable_script(unsigned cp)
{
    return (cp >= 0xC0 && cp <= 0x24F) || (cp >= 0x370 && cp <= 0x3FF) ||
           (cp >= 0x1E00 && cp <= 0x1FFF);
}

/* The base letter of cp when its canonical decomposition is a letter
 * followed by combining marks only, else 0. */
static unsigned base_letter(unsigned cp)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&e);
    if (U_FAILURE(e))
        return 0;
    UChar d[8];
    int32_t n = unorm2_getDecomposition(nfd, (UChar32)cp, d, 8, &e);
    if (U_FAILURE(e) || n < 2)
        return 0;
    for (int32_t i = 1; i < n; i++)
        if (d[i] < 0x300 || d[i] > 0x36F)
            return 0;
    return d[0];
}

size_t qr_accents_fold(const char *in, size_t len, char *out)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, o = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            out[o++] = (char)s[i++];
            continue;
        }
        size_t l = qr_utf8_len(s + i, len - i);
        if (l == 0) {
            out[o++] = (char)s[i++];        /* invalid: copied as it is */
            continue;
        }
        unsigned cp = u8_decode(s + i, l);
        const char *to = NULL;
        unsigned base = 0;
        if (cp >= 0x300 && cp <= 0x36F) {
            i += l;                          /* a combining mark: dropped */
            continue;
        }
        for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
            if (special[k].cp == cp)
                to = special[k].to;
        if (to) {
            size_t tl = strlen(to);
            memcpy(out + o, to, tl);
            o += tl;
        } else if (cp == 0x451 || cp == 0x401) {          /* ё Ё -> е Е */
            o += u8_encode(cp == 0x451 ? 0x435 : 0x415, out + o);
        } else if (foldable_script(cp) && (base = base_letter(cp)) != 0) {
            o += u8_encode(base, out + o);   /* never longer than cp */
        } else {
            memcpy(out + o, s + i, l);
            o += l;
        }
        i += l;
    }
    return o;
}

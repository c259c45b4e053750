/*
 * analysis.h — the analysis shared by indexing and querying: which
 * stemmer and stop words a language uses. Both tools must agree, so the
 * indexer records its language in the index (QR_META_LANG) and the query
 * tool reads it back, and with it whether accents were folded
 * (QR_META_ACCENTS).
 */
#ifndef QUARRY_ANALYSIS_H
#define QUARRY_ANALYSIS_H

#include "xapian-c.h"

/* The default language when --lang is not given. */
#define QR_DEFAULT_LANG "english"

/* The built-in stop words for lang (NULL-terminated array), or NULL when
 * Quarry has no list for that language. */
const char *const *qr_stopwords(const char *lang);

/* Stems the query side's stemmer remembers (xc_stem_new_cached): the text
 * of the passages a query reranks repeats its words (textpos.h). 64 bytes
 * each: 512 KB. */
#define QR_QUERY_STEM_CACHE 8192

/* The stemmer of lang (NULL: QR_DEFAULT_LANG), remembering cache stems
 * (xc_stem_new_cached; 0: none), that folds accents first (accents.h)
 * and drops a French elision ("l'", "qu'" ...) unless exact_accents is
 * set: the one way both sides make a stemmer, so
 * that the index's terms and the query's agree. *out is set only on
 * success. Returns XC_OK, XC_RANGE (unknown language), XC_NOMEM. */
xc_status qr_stem_new(const char *lang, int exact_accents, size_t cache,
                      xc_stem **out, char **err);

/* Creates the stemmer (qr_stem_new, folding accents unless exact_accents;
 * XC_RANGE if xapian-core does not know lang; it
 * caches QR_QUERY_STEM_CACHE stems, so one thread at a time) and, when the
 * language has a list and use_stopwords is set, a stopper (else *stop =
 * NULL). Both out-pointers are set only on success. */
xc_status qr_analyzer_new(const char *lang, int use_stopwords,
                          int exact_accents, xc_stem **stem,
                          xc_stopper **stop, char **err);

#endif

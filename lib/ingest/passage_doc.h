/*
 * passage_doc.h — an article's Xapian documents (terms, values and record:
 * schema.h): one for each of its passages, and its own.
 */
#ifndef QUARRY_PASSAGE_DOC_H
#define QUARRY_PASSAGE_DOC_H

#include <stddef.h>

#include "reader.h"
#include "schema.h"
#include "util.h"
#include "xapian-c.h"

/* The keys identifying one passage's document. */
typedef struct qr_doc_keys {
    const char *source_key;   /* bookkeeping key of the source (abs. path) */
    const char *source;       /* source as displayed (path as given)       */
} qr_doc_keys;

/* Fills doc (new, empty) with passage `ordinal` of `npassages` of article a,
 * the span [start, end) of a->body, following schema.h. tg is a
 * term generator set up with the index's stemmer; scratch is a buffer the
 * caller reuses between calls. Returns QR_OK, QR_ERR_NOMEM or QR_ERR_INDEX. */
qr_status qr_passage_doc(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                         const qr_doc_keys *keys, unsigned ordinal,
                         unsigned npassages, size_t start, size_t end,
                         qr_buf *scratch);

/* Fills doc (new, empty) with article a as a document of its own (the
 * article database: schema.h), which has npassages passages. The same
 * analysis as its passages' (tg), over its whole text, plus its words for
 * spelling and a hash of its text. Returns QR_OK, QR_ERR_NOMEM or
 * QR_ERR_INDEX. */
qr_status qr_article_doc(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                         const qr_doc_keys *keys, unsigned npassages,
                         qr_buf *scratch);

/* Words longer than this (bytes) are no vocabulary terms. */
#define QR_WORD_TERM_MAX 64

/* The page (1-based) of byte offset in a body whose pages start at
 * pages[0..npages) (qr_article.pages; npages >= 1). */
unsigned qr_page_of(const size_t *pages, size_t npages, size_t offset);

#endif

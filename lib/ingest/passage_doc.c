/*
 * passage_doc.c — an article's Xapian documents, laid out as schema.h
 * describes: one per passage, and the article's own.
 */
#include "passage_doc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

unsigned qr_page_of(const size_t *pages, size_t npages, size_t offset)
{
    /* the last page starting at or before offset: pages that are empty
     * (several starting at one offset) give way to the one after them */
    size_t lo = 0, hi = npages;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (pages[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return (unsigned)lo + 1;
}

/* The terms every document of article a has: its text (body[start, end),
 * the whole body for the article's own), title, author and source words,
 * and the boolean terms of the article, its source and its language. */
static xc_status index_fields(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                              const qr_doc_keys *keys, const char *text,
                              size_t text_len, qr_buf *scratch)
{
    xc_status rc = xc_termgen_set_document(tg, doc);
    size_t title_len = strlen(a->title);

    if (rc == XC_OK)
        rc = xc_termgen_index_text(tg, text, text_len, 1, "", 0);
    if (rc == XC_OK && title_len) {
        rc = xc_termgen_index_text(tg, a->title, title_len, QR_TITLE_WDF,
                                       "", 0);
        if (rc == XC_OK)
            rc = xc_termgen_index_text(tg, a->title, title_len, 1,
                                       QR_PREFIX_TITLE, 0);
    }
    if (rc == XC_OK && a->author[0])
        rc = xc_termgen_index_text(tg, a->author, strlen(a->author), 1,
                                   QR_PREFIX_AUTHOR, 0);
    /* source: words of the path (or url) a user may filter on */
    const char *src = a->url[0] ? a->url : keys->source;
    if (rc == XC_OK && src[0])
        rc = xc_termgen_index_text(tg, src, strlen(src), 1, QR_PREFIX_SOURCE, 0);
    if (a->url[0] && rc == XC_OK && keys->source[0])
        rc = xc_termgen_index_text(tg, keys->source, strlen(keys->source), 1,
                                   QR_PREFIX_SOURCE, 0);
    if (rc != XC_OK)
        return rc;

    /* boolean terms: the article and its source */
    struct { const char *prefix, *key; } terms[] = {
        {QR_TERM_ARTICLE, a->id},
        {QR_TERM_SOURCE, keys->source_key},
    };
    for (size_t i = 0; rc == XC_OK && i < sizeof terms / sizeof terms[0]; i++) {
        if (qr_key_term(scratch, terms[i].prefix, terms[i].key) != 0)
            rc = XC_NOMEM;
        else
            rc = xc_doc_add_boolean_term(doc, scratch->data);
    }

    /* and its language (lang:fr), a code: never a long key */
    if (rc == XC_OK && a->lang && a->lang[0]) {
        qr_buf_clear(scratch);
        rc = qr_buf_puts(scratch, QR_TERM_LANG) != 0 ||
                     qr_buf_puts(scratch, a->lang) != 0
                 ? XC_NOMEM : xc_doc_add_boolean_term(doc, scratch->data);
    }
    if (rc == XC_OK)
        rc = xc_doc_add_value(doc, QR_SLOT_ARTICLE, a->id, strlen(a->id));
    if (rc == XC_OK && a->date[0])
        rc = xc_doc_add_value(doc, QR_SLOT_DATE, a->date, strlen(a->date));
    return rc;
}

/* Adds a term's wdf to the length summed in ctx (an xc_term_cb). */
static int add_wdf(void *ctx, const char *term, size_t len, uint32_t wdf)
{
    (void)term;
    (void)len;
    *(uint64_t *)ctx += wdf;
    return 0;
}

/* Stores doc's length, as xapian-core will count it when doc is added
 * (the sum of its terms' wdf), in QR_SLOT_LENGTH: every term must be in
 * doc already. */
static xc_status add_length(xc_doc *doc)
{
    uint64_t length = 0;
    xc_status rc = xc_doc_terms_each(doc, add_wdf, &length);
    if (rc != XC_OK)
        return rc;
    /* xapian-core's termcount is 32 bits: a passage far below that */
    if (length > UINT32_MAX)
        return XC_RANGE;
    char buf[9];
    size_t n = qr_length_encode((uint32_t)length, buf);
    return xc_doc_add_value(doc, QR_SLOT_LENGTH, buf, n);
}

/* The terms, values and record of one passage, in the binding's terms. */
static xc_status fill_doc(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                          const qr_doc_keys *keys, unsigned ordinal,
                          unsigned npassages, size_t start, size_t end,
                          qr_buf *scratch)
{
    const char *text = a->body + start;
    size_t text_len = end - start;
    xc_status rc = index_fields(tg, doc, a, keys, text, text_len, scratch);
    if (rc == XC_OK) {
        /* the passage's own, unique term */
        rc = qr_passage_term(scratch, a->id, ordinal) != 0
                 ? XC_NOMEM : xc_doc_add_boolean_term(doc, scratch->data);
    }
    if (rc == XC_OK) {
        char buf[9];
        size_t n = xc_sortable_serialise((double)ordinal, buf);
        rc = xc_doc_add_value(doc, QR_SLOT_ORDINAL, buf, n);
    }
    if (rc == XC_OK)
        rc = add_length(doc);     /* the last: after every term */
    if (rc != XC_OK)
        return rc;

    unsigned page = 0, page_last = 0;
    if (a->pages && a->npages) {
        page = qr_page_of(a->pages, a->npages, start);
        page_last = end > start ? qr_page_of(a->pages, a->npages, end - 1) : page;
    }
    qr_record r = {
        .article_id = a->id, .title = a->title, .source = keys->source,
        .url = a->url, .date = a->date, .author = a->author,
        .ordinal = ordinal, .npassages = npassages,
        .start = start, .end = end, .text = text, .text_len = text_len,
        .page = page, .page_last = page_last, .flags = a->flags,
        .lang = a->lang,
    };
    if (qr_record_encode(&r, scratch) != 0)
        return XC_NOMEM;
    return xc_doc_set_data(doc, scratch->data, scratch->len);
}

qr_status qr_passage_doc(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                         const qr_doc_keys *keys, unsigned ordinal,
                         unsigned npassages, size_t start, size_t end,
                         qr_buf *scratch)
{
    return qr_status_from_xc(fill_doc(tg, doc, a, keys, ordinal, npassages,
                                      start, end, scratch));
}

/* Adds QR_PREFIX_WORD + each distinct folded word of text (no weight:
 * boolean terms) to doc, skipping words with digits, single letters and
 * words too long to be terms. seen: scratch for the distinct words. */
static xc_status add_words(xc_doc *doc, const char *text, size_t len,
                           qr_buf *word)
{
    size_t pos = 0, ws, we;
    xc_status rc = XC_OK;
    while (rc == XC_OK && qr_word_next(text, len, pos, &ws, &we)) {
        pos = we;
        if (we - ws > QR_WORD_TERM_MAX || we - ws < 2)
            continue;
        int digit = 0;
        for (size_t i = ws; i < we && !digit; i++)
            digit = text[i] >= '0' && text[i] <= '9';
        if (digit)
            continue;
        qr_buf_clear(word);
        if (qr_buf_puts(word, QR_PREFIX_WORD) != 0 ||
            qr_word_fold(text, ws, we, word) != 0)
            return XC_NOMEM;
        /* a term that is already there is not added twice: Xapian keeps
         * one posting per term and document */
        rc = xc_doc_add_boolean_term(doc, word->data);
    }
    return rc;
}

/* Feeds the folded words of text[0..len) to hs, each followed by a space. */
static int hash_words(qr_hasher *hs, const char *text, size_t len,
                      qr_buf *word)
{
    size_t pos = 0, ws, we;
    while (qr_word_next(text, len, pos, &ws, &we)) {
        pos = we;
        qr_buf_clear(word);
        if (qr_word_fold(text, ws, we, word) != 0 || qr_buf_putc(word, ' '))
            return -1;
        qr_hasher_update(hs, word->data, word->len);
    }
    return 0;
}

/* The article's content hash (QR_SLOT_CONTENT): its title's and body's
 * words, folded as the index folds them, so that the same story filed
 * twice is one text whatever its line breaks, spacing, punctuation or
 * capitals. Returns 0, or -1 on out of memory. */
static int content_hash(const qr_article *a, qr_buf *word, uint64_t *out)
{
    qr_hasher hs;
    qr_hasher_init(&hs, 0);
    if (hash_words(&hs, a->title, strlen(a->title), word) != 0)
        return -1;
    qr_hasher_update(&hs, "\n", 1);
    if (hash_words(&hs, a->body, a->body_len, word) != 0)
        return -1;
    *out = qr_hasher_final(&hs);
    return 0;
}

static xc_status fill_article(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                              const qr_doc_keys *keys, unsigned npassages,
                              qr_buf *scratch)
{
    xc_status rc = index_fields(tg, doc, a, keys, a->body, a->body_len, scratch);
    if (rc == XC_OK)
        rc = add_words(doc, a->title, strlen(a->title), scratch);
    if (rc == XC_OK)
        rc = add_words(doc, a->body, a->body_len, scratch);
    if (rc == XC_OK) {
        char hex[17];
        uint64_t h = 0;
        if (content_hash(a, scratch, &h) != 0)
            return XC_NOMEM;
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
        rc = xc_doc_add_value(doc, QR_SLOT_CONTENT, hex, 16);
        /* and as a term: the duplicates of a result are one posting list
         * away */
        char term[sizeof QR_TERM_CONTENT + 16];
        snprintf(term, sizeof term, "%s%s", QR_TERM_CONTENT, hex);
        if (rc == XC_OK)
            rc = xc_doc_add_boolean_term(doc, term);
    }
    if (rc != XC_OK)
        return rc;
    qr_record r = {
        .article_id = a->id, .title = a->title, .source = keys->source,
        .url = a->url, .date = a->date, .author = a->author,
        .ordinal = 0, .npassages = npassages, .text = "", .text_len = 0,
        .end = a->body_len, .flags = a->flags, .lang = a->lang,
        .page = a->pages && a->npages ? 1 : 0,
        .page_last = a->pages ? (unsigned)a->npages : 0,
    };
    if (qr_record_encode(&r, scratch) != 0)
        return XC_NOMEM;
    return xc_doc_set_data(doc, scratch->data, scratch->len);
}

qr_status qr_article_doc(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                         const qr_doc_keys *keys, unsigned npassages,
                         qr_buf *scratch)
{
    return qr_status_from_xc(fill_article(tg, doc, a, keys, npassages,
                                          scratch));
}

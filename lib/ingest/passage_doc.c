/*
 * passage_doc.c — one passage of an article as a Xapian document, laid out
 * as schema.h describes.
 */
#include "passage_doc.h"

#include <string.h>

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

/* The terms, values and record of one passage, in the binding's terms. */
static xc_status fill_doc(xc_termgen *tg, xc_doc *doc, const qr_article *a,
                          const qr_doc_keys *keys, unsigned ordinal,
                          unsigned npassages, size_t start, size_t end,
                          qr_buf *scratch)
{
    xc_status rc = xc_termgen_set_document(tg, doc);
    const char *text = a->body + start;
    size_t text_len = end - start;
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

    /* boolean terms: the passage, its article and its source */
    if (qr_passage_term(scratch, a->id, ordinal) != 0)
        return XC_NOMEM;
    rc = xc_doc_add_boolean_term(doc, scratch->data);
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

    if (rc == XC_OK)
        rc = xc_doc_add_value(doc, QR_SLOT_ARTICLE, a->id, strlen(a->id));
    if (rc == XC_OK && a->date[0])
        rc = xc_doc_add_value(doc, QR_SLOT_DATE, a->date, strlen(a->date));
    if (rc == XC_OK) {
        char buf[9];
        size_t n = xc_sortable_serialise((double)ordinal, buf);
        rc = xc_doc_add_value(doc, QR_SLOT_ORDINAL, buf, n);
    }
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

/*
 * result_json.c — one search result as a JSON object: the objects of
 * quarry-query --json's lines and of quarry-serve's /api/search.
 */
#include "result_json.h"

#include <string.h>

static int json_key_str(qr_buf *out, const char *key, const char *s,
                        size_t n, int null_if_empty)
{
    int rc = qr_buf_printf(out, ",\"%s\":", key);
    if (null_if_empty && (!s || n == 0))
        return rc | qr_buf_puts(out, "null");
    return rc | qr_buf_json_string(out, s ? s : "", s ? n : 0);
}

int qr_result_json(qr_buf *out, const qr_json_opts *o,
                   const qr_result_item *it)
{
    const qr_record *r = it->rec;
    int rc = qr_buf_printf(out, "{\"rank\":%u,\"score\":%.6f", it->rank,
                           it->score);
    rc |= json_key_str(out, "article_id", r->article_id,
                       strlen(r->article_id), 0);
    rc |= json_key_str(out, "title", r->title, strlen(r->title), 0);
    rc |= json_key_str(out, "source", r->source, strlen(r->source), 0);
    rc |= json_key_str(out, "url", r->url, strlen(r->url), 1);
    qr_buf date = {0};
    if (*r->date)
        rc |= qr_date_format(&date, r->date);
    rc |= json_key_str(out, "date", date.data, date.len, 1);
    qr_buf_free(&date);
    rc |= qr_buf_printf(out, ",\"date_source\":%s",
                        !*r->date ? "null"
                        : r->flags & QR_RECORD_DATE_FROM_FILE ? "\"file\""
                                                              : "\"document\"");
    rc |= json_key_str(out, "author", r->author, strlen(r->author), 1);
    /* the article's language code; null in an index from before them (or
     * a record read from values: ids_only) */
    rc |= json_key_str(out, "lang", r->lang, r->lang ? strlen(r->lang) : 0,
                       1);
    rc |= qr_buf_printf(out, ",\"passage\":%u,\"passages\":%u", r->ordinal + 1,
                        r->npassages);
    if (r->page)
        rc |= qr_buf_printf(out, ",\"page\":%u,\"page_last\":%u", r->page,
                            r->page_last > r->page ? r->page_last : r->page);
    else
        rc |= qr_buf_puts(out, ",\"page\":null,\"page_last\":null");
    rc |= qr_buf_printf(out, ",\"start\":%llu,\"end\":%llu",
                        (unsigned long long)r->start,
                        (unsigned long long)r->end);
    rc |= json_key_str(out, "text", r->text, r->text_len, 0);
    qr_buf snip = {0};
    rc |= qr_snippet_build(r->text, r->text_len, it->spans, it->nspans,
                           o->snippet_bytes ? o->snippet_bytes
                                            : QR_SNIPPET_BYTES,
                           "**", "**", &snip);
    rc |= json_key_str(out, "snippet", snip.data, snip.len, 0);
    qr_buf_free(&snip);
    rc |= qr_buf_puts(out, ",\"highlights\":[");
    for (size_t i = 0; i < it->nspans; i++)
        rc |= qr_buf_printf(out, "%s[%zu,%zu]", i ? "," : "",
                            it->spans[i].start, it->spans[i].end);
    rc |= qr_buf_putc(out, ']');
    rc |= json_key_str(out, "suggestion", o->suggestion,
                       o->suggestion ? strlen(o->suggestion) : 0, 1);
    rc |= qr_buf_printf(out, ",\"corrected\":%s",
                        o->corrected ? "true" : "false");
    rc |= qr_buf_printf(out, ",\"total\":%u,\"total_exact\":%s", o->total,
                        o->total_exact ? "true" : "false");
    rc |= qr_buf_printf(out, ",\"duplicate_count\":%u,\"duplicates\":[",
                        it->duplicates);
    for (size_t i = 0; i < it->nduplicate_ids; i++) {
        if (i)
            rc |= qr_buf_putc(out, ',');
        rc |= qr_buf_json_string(out, it->duplicate_ids[i],
                                 strlen(it->duplicate_ids[i]));
    }
    rc |= qr_buf_putc(out, ']');
    if (it->parts) {
        rc |= qr_buf_printf(out, ",\"explain\":{\"score\":%.6f,\"parts\":[",
                            it->score);
        for (size_t i = 0; i < it->nparts; i++) {
            rc |= qr_buf_printf(out, "%s{\"kind\":\"%s\"", i ? "," : "",
                                qr_part_kind_name(it->parts[i].kind));
            rc |= json_key_str(out, "label", it->parts[i].label,
                               strlen(it->parts[i].label), 0);
            rc |= qr_buf_printf(out, ",\"weight\":%.6f}",
                                it->parts[i].weight);
        }
        rc |= qr_buf_puts(out, "]}");
    }
    rc |= qr_buf_putc(out, '}');
    return rc ? -1 : 0;
}

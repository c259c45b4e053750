/*
 * page.c — the HTML pages: the search page (a GET form that works without
 * JavaScript; results with their highlighted excerpts, paging, filters,
 * sort, "did you mean") and an article's full text. Everything from the
 * index or the request is escaped here, once, by html().
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>

#include "excerpt.h"

/* Marks around matched words in text made by qr_flow: control characters,
 * which qr_flow never lets through from the text itself (it shows them as
 * U+FFFD), so html() can turn them into <mark> safely. */
#define MARK_OPEN "\x01"
#define MARK_CLOSE "\x02"

static const char css[] =
":root{--bg:#fff;--fg:#1d1d1f;--muted:#5f6368;--line:#e3e3e6;--link:#0b57d0;"
"--visited:#6a3fb5;--mark:#fff1a8;--card:#f7f7f9;--accent:#0b57d0}"
"@media (prefers-color-scheme:dark){:root{--bg:#15161a;--fg:#e8e8ea;"
"--muted:#a4a7ae;--line:#30323a;--link:#8ab4f8;--visited:#c5a6ff;"
"--mark:#5b4b00;--card:#1e2026;--accent:#8ab4f8}}"
"*{box-sizing:border-box}"
"html{-webkit-text-size-adjust:100%}"
"body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 "
"system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif}"
"a{color:var(--link)}a:visited{color:var(--visited)}"
":focus-visible{outline:3px solid var(--accent);outline-offset:2px}"
".skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;"
"background:var(--bg);padding:4px 8px;z-index:2}"
".vh{position:absolute;width:1px;height:1px;overflow:hidden;"
"clip:rect(0 0 0 0)}"
"header{border-bottom:1px solid var(--line);background:var(--card)}"
".wrap{max-width:48rem;margin:0 auto;padding:0 1rem}"
"header .wrap{padding-top:.8rem;padding-bottom:.8rem}"
".brand{font-weight:700;font-size:1.15rem;text-decoration:none;"
"color:var(--fg)!important;letter-spacing:.02em}"
".brand span{color:var(--accent)}"
"form.search{margin-top:.5rem}"
".bar{display:flex;gap:.5rem}"
".bar input{flex:1;min-width:0;font:inherit;padding:.55rem .75rem;"
"border:1px solid var(--line);border-radius:.5rem;background:var(--bg);"
"color:var(--fg)}"
"button{font:inherit;padding:.55rem 1rem;border:0;border-radius:.5rem;"
"background:var(--accent);color:#fff;cursor:pointer}"
"@media (prefers-color-scheme:dark){button{color:#111}}"
"details{margin-top:.5rem;font-size:.92rem}"
"summary{cursor:pointer;color:var(--muted)}"
".filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;margin-top:.5rem}"
".filters label{display:flex;flex-direction:column;color:var(--muted);"
"font-size:.85rem}"
".filters input,.filters select{font:inherit;color:var(--fg);"
"background:var(--bg);border:1px solid var(--line);border-radius:.4rem;"
"padding:.3rem .45rem;min-width:9.5rem}"
"main{padding-top:.5rem;padding-bottom:2rem}"
".count,.note{color:var(--muted);font-size:.92rem;margin:.8rem 0}"
".note{color:var(--fg)}"
".error{border-left:4px solid #d93025;padding:.4rem .8rem;"
"background:var(--card)}"
"ol.results{list-style:none;padding:0;margin:0}"
".result{padding:.85rem 0;border-bottom:1px solid var(--line)}"
".result h2{font-size:1.08rem;line-height:1.35;margin:0 0 .2rem;"
"font-weight:600;overflow-wrap:anywhere}"
".result h2 a{text-decoration:none}.result h2 a:hover{text-decoration:"
"underline}"
".rank{color:var(--muted);font-weight:400;margin-right:.35rem}"
".meta{color:var(--muted);font-size:.85rem;margin:0 0 .3rem;"
"overflow-wrap:anywhere}"
".meta .id{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;"
"font-size:.8rem}"
".snippet{margin:0;overflow-wrap:anywhere}"
"mark{background:var(--mark);color:inherit;padding:0 .1em;"
"border-radius:.2em}"
"nav.pager{display:flex;justify-content:space-between;gap:1rem;"
"margin:1.2rem 0}"
"nav.pager a{padding:.45rem .9rem;border:1px solid var(--line);"
"border-radius:.5rem;text-decoration:none}"
"article h1{font-size:1.45rem;line-height:1.3;margin:.8rem 0 .3rem;"
"overflow-wrap:anywhere}"
"article section{border-top:1px solid var(--line);padding:.4rem 0}"
"article section:target{background:var(--card)}"
".pno{font-size:.8rem;color:var(--muted);margin:.3rem 0;font-weight:400}"
"article p{margin:.4rem 0 .8rem;overflow-wrap:anywhere}"
"footer{color:var(--muted);font-size:.8rem;padding:1rem 0 2rem}"
"kbd{border:1px solid var(--line);border-radius:.25rem;padding:0 .3em;"
"font-size:.8em}";

/* Enhancements only: '/' focuses the search box; choosing an order
 * searches at once. The form works without it. */
static const char js[] =
"document.addEventListener('keydown',function(e){"
"var t=e.target.tagName;if(e.key==='/'&&t!=='INPUT'&&t!=='SELECT'&&"
"t!=='TEXTAREA'){var q=document.getElementById('q');if(q){e.preventDefault();"
"q.focus();q.select();}}});"
"var s=document.getElementById('sort');if(s&&s.form&&"
"document.getElementById('q').value){s.addEventListener('change',"
"function(){s.form.submit();});}";

/* ------------------------------------------------------------- escaping */

/* Appends s (n bytes) as HTML text or attribute value: & < > " ' escaped;
 * MARK_OPEN/MARK_CLOSE as <mark> and </mark> when marks; other control
 * characters and invalid UTF-8 as U+FFFD. */
static int html_n(qr_buf *b, const char *s, size_t n, int marks)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t l = qr_utf8_len(s + i, n - i);
            rc = l ? qr_buf_append(b, s + i, l)
                   : qr_buf_puts(b, "\xEF\xBF\xBD");
            i += l ? l : 1;
            continue;
        }
        switch (c) {
        case '&': rc = qr_buf_puts(b, "&amp;"); break;
        case '<': rc = qr_buf_puts(b, "&lt;"); break;
        case '>': rc = qr_buf_puts(b, "&gt;"); break;
        case '"': rc = qr_buf_puts(b, "&quot;"); break;
        case '\'': rc = qr_buf_puts(b, "&#39;"); break;
        case '\n': case '\t': case '\r': rc = qr_buf_putc(b, ' '); break;
        default:
            if (marks && c == 1)
                rc = qr_buf_puts(b, "<mark>");
            else if (marks && c == 2)
                rc = qr_buf_puts(b, "</mark>");
            else if (c < 0x20 || c == 0x7F)
                rc = qr_buf_puts(b, "\xEF\xBF\xBD");
            else
                rc = qr_buf_putc(b, (char)c);
        }
        i++;
    }
    return rc;
}

static int html(qr_buf *b, const char *s)
{
    return html_n(b, s ? s : "", s ? strlen(s) : 0, 0);
}

/* Appends s percent-encoded for a URL's query string. */
static int url_enc(qr_buf *b, const char *s)
{
    int rc = 0;
    for (; s && *s && rc == 0; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || strchr("-_.~", c))
            rc = qr_buf_putc(b, (char)c);
        else
            rc = qr_buf_printf(b, "%%%02X", c);
    }
    return rc;
}

/* text (len bytes) with its spans marked, whitespace collapsed, as HTML. */
static int html_marked(qr_buf *b, const char *text, size_t len,
                       const qr_hl_span *spans, size_t n)
{
    qr_buf t = {0};
    qr_flow f = {&t, MARK_OPEN, MARK_CLOSE, 0, 0, 0, "", 0};
    int rc = qr_flow_text(&f, text, len, spans, n);
    rc |= html_n(b, t.data ? t.data : "", t.len, 1);
    qr_buf_free(&t);
    return rc;
}

/* --------------------------------------------------------------- frame */

static int page_head(request *r, const char *title, const char *q,
                     const search_req *sr, int filters_open)
{
    qr_buf *b = &r->body;
    int rc = qr_buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head>"
                         "<meta charset=\"utf-8\"><meta name=\"viewport\" "
                         "content=\"width=device-width, initial-scale=1\">"
                         "<meta name=\"referrer\" content=\"no-referrer\">"
                         "<title>");
    rc |= html(b, title);
    rc |= qr_buf_printf(b, "</title><style nonce=\"%s\">%s</style></head>"
                        "<body><a class=\"skip\" href=\"#main\">Skip to "
                        "results</a><header><div class=\"wrap\">"
                        "<a class=\"brand\" href=\"/\">Quarry<span>"
                        ".</span></a>"
                        "<form class=\"search\" method=\"get\" action=\"/\" "
                        "role=\"search\"><div class=\"bar\">"
                        "<label class=\"vh\" for=\"q\">Search the "
                        "archive</label>"
                        "<input id=\"q\" name=\"q\" type=\"search\" "
                        "autocomplete=\"off\" placeholder=\"Search the "
                        "archive\" value=\"", r->nonce, css);
    rc |= html(b, q);
    rc |= qr_buf_printf(b, "\"%s><button type=\"submit\">Search</button>"
                        "</div><details%s><summary>Dates, source and order"
                        "</summary><div class=\"filters\">"
                        "<label for=\"from\">From<input id=\"from\" "
                        "name=\"from\" type=\"date\" value=\"",
                        q && *q ? "" : " autofocus",
                        filters_open ? " open" : "");
    rc |= html(b, sr ? sr->from : NULL);
    rc |= qr_buf_puts(b, "\"></label><label for=\"to\">To<input id=\"to\" "
                         "name=\"to\" type=\"date\" value=\"");
    rc |= html(b, sr ? sr->to : NULL);
    rc |= qr_buf_puts(b, "\"></label><label for=\"source\">Source<input "
                         "id=\"source\" name=\"source\" placeholder=\"a word "
                         "of its path\" value=\"");
    rc |= html(b, sr ? sr->source : NULL);
    qr_sort so = sr ? sr->opts.sort : QR_SORT_RELEVANCE;
    rc |= qr_buf_printf(b, "\"></label><label for=\"sort\">Order<select "
                        "id=\"sort\" name=\"sort\">"
                        "<option value=\"relevance\"%s>Best match</option>"
                        "<option value=\"date\"%s>Newest first</option>"
                        "<option value=\"-date\"%s>Oldest first</option>"
                        "</select></label></div></details></form></div>"
                        "</header><main id=\"main\" class=\"wrap\">",
                        so == QR_SORT_RELEVANCE ? " selected" : "",
                        so == QR_SORT_NEWEST ? " selected" : "",
                        so == QR_SORT_OLDEST ? " selected" : "");
    return rc;
}

static int page_foot(request *r)
{
    return qr_buf_printf(&r->body,
                         "</main><footer class=\"wrap\">Press <kbd>/</kbd> to "
                         "search. Also as JSON: <a href=\"/api/search?q=\">"
                         "/api/search</a>.</footer><script nonce=\"%s\">%s"
                         "</script></body></html>\n", r->nonce, js);
}

/* An error on the page: the message in the page, the status kept. */
static void page_error(request *r, const char *q, const search_req *sr)
{
    unsigned status = r->status;
    char message[sizeof r->message];
    memcpy(message, r->message, sizeof message);
    qr_buf_clear(&r->body);
    int rc = page_head(r, "Error — Quarry", q, sr, 0);
    rc |= qr_buf_puts(&r->body, "<p class=\"note error\" role=\"alert\">");
    rc |= html(&r->body, message);
    rc |= qr_buf_puts(&r->body, "</p>");
    rc |= page_foot(r);
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, status, "text/html; charset=utf-8");
}

/* ---------------------------------------------------------- search page */

/* "/?q=...&from=...": the page's own link with another q or offset. */
static int self_link(qr_buf *b, const char *q, const search_req *sr,
                     uint32_t offset)
{
    int rc = qr_buf_puts(b, "/?q=");
    rc |= url_enc(b, q);
    if (sr && sr->from)
        rc |= qr_buf_puts(b, "&from=") | url_enc(b, sr->from);
    if (sr && sr->to)
        rc |= qr_buf_puts(b, "&to=") | url_enc(b, sr->to);
    if (sr && sr->source)
        rc |= qr_buf_puts(b, "&source=") | url_enc(b, sr->source);
    if (sr && sr->lang[0])
        rc |= qr_buf_puts(b, "&lang=") | url_enc(b, sr->lang);
    if (sr && sr->opts.sort == QR_SORT_NEWEST)
        rc |= qr_buf_puts(b, "&sort=date");
    if (sr && sr->opts.sort == QR_SORT_OLDEST)
        rc |= qr_buf_puts(b, "&sort=-date");
    if (offset)
        rc |= qr_buf_printf(b, "&offset=%u", offset);
    return rc;
}

static int hit_html(request *r, const search_out *o, const qr_hit *h,
                    const char *q)
{
    qr_buf *b = &r->body, lnk = {0}, date = {0};
    const qr_record *rec = &h->rec;
    qr_hl_span *sp = NULL, *tsp = NULL;
    size_t nsp = 0, ntsp = 0;
    search_spans(o, rec->text, rec->text_len, &sp, &nsp);
    search_spans(o, rec->title, strlen(rec->title), &tsp, &ntsp);
    int rc = qr_buf_puts(&lnk, "/article?id=");
    rc |= url_enc(&lnk, rec->article_id);
    if (q && *q)
        rc |= qr_buf_puts(&lnk, "&q=") | url_enc(&lnk, q);
    rc |= qr_buf_printf(&lnk, "#p%u", rec->ordinal + 1);
    rc |= qr_buf_printf(b, "<li class=\"result\"><h2><span class=\"rank\">"
                        "%u.</span><a href=\"", h->rank);
    rc |= html(b, lnk.data);
    rc |= qr_buf_puts(b, "\">");
    if (*rec->title)
        rc |= html_marked(b, rec->title, strlen(rec->title), tsp, ntsp);
    else
        rc |= qr_buf_puts(b, "(untitled)");
    rc |= qr_buf_puts(b, "</a></h2><p class=\"meta\"><span class=\"id\">");
    rc |= html(b, rec->article_id);
    rc |= qr_buf_puts(b, "</span>");
    if (*rec->source && strcmp(rec->source, rec->article_id) != 0) {
        rc |= qr_buf_puts(b, " (");
        rc |= html(b, rec->source);
        rc |= qr_buf_putc(b, ')');
    }
    if (*rec->date) {
        rc |= qr_date_format(&date, rec->date);
        rc |= qr_buf_puts(b, " · <time datetime=\"");
        rc |= html(b, date.data);
        rc |= qr_buf_printf(b, "\"%s>", rec->flags & QR_RECORD_DATE_FROM_FILE
                                            ? " title=\"the file's date\""
                                            : "");
        rc |= html(b, date.data);
        rc |= qr_buf_puts(b, "</time>");
    }
    if (*rec->author) {
        rc |= qr_buf_puts(b, " · by ");
        rc |= html(b, rec->author);
    }
    rc |= qr_buf_printf(b, " · passage %u/%u", rec->ordinal + 1,
                        rec->npassages);
    if (rec->page && rec->page_last > rec->page)
        rc |= qr_buf_printf(b, ", pages %u–%u", rec->page, rec->page_last);
    else if (rec->page)
        rc |= qr_buf_printf(b, ", page %u", rec->page);
    if (h->duplicates)
        rc |= qr_buf_printf(b, " · +%u duplicate%s", h->duplicates,
                            h->duplicates == 1 ? "" : "s");
    rc |= qr_buf_puts(b, "</p><p class=\"snippet\">");
    qr_buf snip = {0};
    rc |= qr_snippet_build(rec->text, rec->text_len, sp, nsp,
                           QR_SNIPPET_BYTES, MARK_OPEN, MARK_CLOSE, &snip);
    rc |= html_n(b, snip.data ? snip.data : "", snip.len, 1);
    rc |= qr_buf_puts(b, "</p></li>");
    qr_buf_free(&snip);
    qr_buf_free(&lnk);
    qr_buf_free(&date);
    free(sp);
    free(tsp);
    return rc;
}

static const char *const page_keys[] = {"q", "offset", "sort", "from", "to",
                                        "source", "lang", NULL};

void page_search(request *r)
{
    search_req sr;
    search_out o;
    const char *q = req_param(r, "q");
    if (req_check_params(r, page_keys)) {
        page_error(r, NULL, NULL);
        return;
    }
    int any = (q && q[strspn(q, " \t\r\n\f\v")]) ||
              (req_param(r, "from") && *req_param(r, "from")) ||
              (req_param(r, "to") && *req_param(r, "to")) ||
              (req_param(r, "source") && *req_param(r, "source")) ||
              (req_param(r, "lang") && *req_param(r, "lang"));
    if (!any) {
        /* the empty form */
        int rc = page_head(r, "Quarry search", q, NULL, 0);
        rc |= qr_buf_puts(&r->body, "<p class=\"count\">Type words to find "
                          "articles; \"quotes\" for a phrase, <code>-word"
                          "</code> to leave a word out, <code>title:</code>, "
                          "<code>author:</code> for fields.</p>");
        rc |= page_foot(r);
        if (rc)
            req_error(r, 500, NULL, "out of memory");
        else
            req_reply(r, 200, "text/html; charset=utf-8");
        return;
    }
    if (search_params(r, &sr, SERVE_PAGE_RESULTS)) {
        page_error(r, q, NULL);
        return;
    }
    sr.opts.limit = SERVE_PAGE_RESULTS;
    if (search_exec(r, &sr, &o)) {
        page_error(r, q, &sr);
        return;
    }
    qr_buf title = {0};
    qr_buf_printf(&title, "%.200s — Quarry search", q && *q ? q : o.text);
    int rc = page_head(r, title.data ? title.data : "Quarry search", q, &sr,
                       sr.from || sr.to || sr.source ||
                           sr.opts.sort != QR_SORT_RELEVANCE);
    qr_buf_free(&title);
    qr_buf *b = &r->body;
    const char *sug = o.q->suggestion;
    if (sug && o.res.corrected) {
        rc |= qr_buf_puts(b, "<p class=\"note\">No results for <b>");
        rc |= html(b, q);
        rc |= qr_buf_puts(b, "</b>; showing results for <b>");
        rc |= html(b, sug);
        rc |= qr_buf_puts(b, "</b>.</p>");
    } else if (sug) {
        qr_buf lnk = {0};
        rc |= self_link(&lnk, sug, &sr, 0);
        rc |= qr_buf_puts(b, "<p class=\"note\">Did you mean <a href=\"");
        rc |= html(b, lnk.data);
        rc |= qr_buf_puts(b, "\">");
        rc |= html(b, sug);
        rc |= qr_buf_puts(b, "</a>?</p>");
        qr_buf_free(&lnk);
    }
    qr_buf notes = {0};
    rc |= search_notes(&o, &notes);
    if (notes.len) {
        rc |= qr_buf_puts(b, "<p class=\"note\">");
        rc |= html_n(b, notes.data, notes.len - 1, 0);
        rc |= qr_buf_puts(b, "</p>");
    }
    qr_buf_free(&notes);
    uint32_t first = sr.opts.offset + 1, last = sr.opts.offset + (uint32_t)o.res.n;
    const char *unit = o.res.estimated == 1 ? "article" : "articles";
    if (o.res.n)
        rc |= qr_buf_printf(b, "<p class=\"count\" id=\"count\">%s%u %s · "
                            "showing %u–%u</p><ol class=\"results\" "
                            "start=\"%u\">", o.res.exact ? "" : "About ",
                            o.res.estimated, unit, first, last, first);
    else
        rc |= qr_buf_printf(b, "<p class=\"count\" id=\"count\">No %s.</p>",
                            sr.opts.offset ? "results past this page"
                                           : "articles match");
    for (size_t i = 0; i < o.res.n; i++)
        rc |= hit_html(r, &o, &o.res.hits[i], q);
    if (o.res.n)
        rc |= qr_buf_puts(b, "</ol>");
    int prev = sr.opts.offset > 0;
    int next = o.res.n == SERVE_PAGE_RESULTS &&
               (!o.res.exact || last < o.res.estimated) &&
               last < SERVE_MAX_OFFSET;
    if (prev || next) {
        rc |= qr_buf_puts(b, "<nav class=\"pager\" aria-label=\"Pages\">");
        qr_buf lnk = {0};
        if (prev) {
            uint32_t po = sr.opts.offset > SERVE_PAGE_RESULTS
                              ? sr.opts.offset - SERVE_PAGE_RESULTS : 0;
            rc |= self_link(&lnk, q, &sr, po);
            rc |= qr_buf_puts(b, "<a rel=\"prev\" href=\"");
            rc |= html(b, lnk.data);
            rc |= qr_buf_puts(b, "\">← Previous</a>");
        } else {
            rc |= qr_buf_puts(b, "<span></span>");
        }
        if (next) {
            qr_buf_clear(&lnk);
            rc |= self_link(&lnk, q, &sr, last);
            rc |= qr_buf_puts(b, "<a rel=\"next\" href=\"");
            rc |= html(b, lnk.data);
            rc |= qr_buf_puts(b, "\">Next →</a>");
        }
        qr_buf_free(&lnk);
        rc |= qr_buf_puts(b, "</nav>");
    }
    rc |= page_foot(r);
    search_out_free(&o);
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, 200, "text/html; charset=utf-8");
}

/* --------------------------------------------------------- article page */

/* A passage's text as paragraphs (split at blank lines), its spans
 * marked. */
static int passage_html(qr_buf *b, const qr_record *p, const qr_hl_span *sp,
                        size_t n)
{
    int rc = 0;
    size_t at = 0, k = 0;
    const char *t = p->text;
    while (at < p->text_len && rc == 0) {
        size_t end = at;
        while (end < p->text_len &&
               !(t[end] == '\n' && end + 1 < p->text_len &&
                 (t[end + 1] == '\n' || t[end + 1] == '\r')))
            end++;
        /* the spans inside [at, end), made relative to at */
        size_t k0 = k;
        while (k < n && sp[k].end <= end)
            k++;
        qr_hl_span local[256];
        size_t m = 0;
        for (size_t i = k0; i < k && m < 256; i++)
            if (sp[i].start >= at)
                local[m++] = (qr_hl_span){sp[i].start - at, sp[i].end - at};
        if (end > at && t[at + strspn(t + at, " \t\r\n")] != '\0') {
            rc |= qr_buf_puts(b, "<p>");
            rc |= html_marked(b, t + at, end - at, local, m);
            rc |= qr_buf_puts(b, "</p>");
        }
        at = end;
        while (at < p->text_len && (t[at] == '\n' || t[at] == '\r'))
            at++;
    }
    return rc;
}

static const char *const article_keys[] = {"id", "q", NULL};

void page_article(request *r)
{
    if (req_check_params(r, article_keys)) {
        page_error(r, NULL, NULL);
        return;
    }
    const char *id = req_param(r, "id"), *q = req_param(r, "q");
    if (!id || !*id || strlen(id) > SERVE_MAX_ID_BYTES ||
        (q && strlen(q) > SERVE_MAX_QUERY_BYTES)) {
        req_error(r, 400, "id", "id: give one article id (at most %d "
                  "bytes)", SERVE_MAX_ID_BYTES);
        page_error(r, q, NULL);
        return;
    }
    qr_buf err = {0};
    qr_article_view a = {0};
    qr_highlighter *hl = NULL;
    qr_status st = QR_OK;
    int looked = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        qr_searcher *s = NULL;
        qr_buf_clear(&err);
        looked = 0;
        if ((st = pool_searcher(r->pool, &s, &err)) != QR_OK)
            break;
        looked = 1;
        st = qr_article_get(s, id, SERVE_MAX_PASSAGES, &a, &err);
        if (st == QR_OK && q && q[strspn(q, " \t\r\n\f\v")]) {
            qr_query *pq = NULL;
            qr_searcher_set_features(s, QR_FEAT_DEFAULT &
                                            ~(unsigned)QR_FEAT_SPELLING);
            if (qr_query_parse(s, q, QR_PARSE_FULL, &pq, NULL) == QR_OK &&
                qr_highlighter_for_query(qr_searcher_stemmers(s),
                                         qr_searcher_exact_accents(s), pq,
                                         &hl, NULL) != QR_OK)
                hl = NULL;
            qr_query_free(pq);
        }
        if (st != QR_ERR_INDEX && st != QR_ERR_IO)
            break;
        pool_discard(r->pool);
    }
    if (st != QR_OK) {
        if (st == QR_ERR_NOINDEX && looked)
            req_error(r, 404, "id", "%s", err.data ? err.data : "no article");
        else
            req_fail(r, st, &err);
        qr_buf_free(&err);
        page_error(r, q, NULL);
        return;
    }
    qr_buf_free(&err);
    const qr_record *f = &a.recs[0];
    int rc = page_head(r, *f->title ? f->title : f->article_id, q, NULL, 0);
    qr_buf *b = &r->body, date = {0};
    if (q && *q) {
        qr_buf lnk = {0};
        rc |= self_link(&lnk, q, NULL, 0);
        rc |= qr_buf_puts(b, "<p class=\"count\"><a href=\"");
        rc |= html(b, lnk.data);
        rc |= qr_buf_puts(b, "\">← Back to the results</a></p>");
        qr_buf_free(&lnk);
    }
    rc |= qr_buf_puts(b, "<article><h1>");
    rc |= html(b, *f->title ? f->title : "(untitled)");
    rc |= qr_buf_puts(b, "</h1><p class=\"meta\"><span class=\"id\">");
    rc |= html(b, f->article_id);
    rc |= qr_buf_puts(b, "</span>");
    if (*f->date) {
        rc |= qr_date_format(&date, f->date);
        rc |= qr_buf_puts(b, " · ");
        rc |= html(b, date.data);
    }
    if (*f->author) {
        rc |= qr_buf_puts(b, " · by ");
        rc |= html(b, f->author);
    }
    rc |= qr_buf_printf(b, " · %u passage%s", a.total,
                        a.total == 1 ? "" : "s");
    /* a link only for web addresses: never javascript: or data: */
    if (!strncmp(f->url, "https://", 8) || !strncmp(f->url, "http://", 7)) {
        rc |= qr_buf_puts(b, " · <a rel=\"noopener noreferrer\" href=\"");
        rc |= html(b, f->url);
        rc |= qr_buf_puts(b, "\">original</a>");
    }
    rc |= qr_buf_puts(b, "</p>");
    for (size_t i = 0; i < a.n; i++) {
        const qr_record *p = &a.recs[i];
        qr_hl_span *sp = NULL;
        size_t nsp = 0;
        if (hl && qr_highlight(hl, p->text, p->text_len, &sp, &nsp) != 0) {
            free(sp);
            sp = NULL;
            nsp = 0;
        }
        rc |= qr_buf_printf(b, "<section id=\"p%u\"><h2 class=\"pno\">"
                            "Passage %u", p->ordinal + 1, p->ordinal + 1);
        if (p->page && p->page_last > p->page)
            rc |= qr_buf_printf(b, " · pages %u–%u", p->page, p->page_last);
        else if (p->page)
            rc |= qr_buf_printf(b, " · page %u", p->page);
        rc |= qr_buf_puts(b, "</h2>");
        rc |= passage_html(b, p, sp, nsp);
        rc |= qr_buf_puts(b, "</section>");
        free(sp);
    }
    if (a.n < a.total)
        rc |= qr_buf_printf(b, "<p class=\"note\">The first %zu of %u "
                            "passages are shown.</p>", a.n, a.total);
    rc |= qr_buf_puts(b, "</article>");
    rc |= page_foot(r);
    qr_buf_free(&date);
    qr_highlighter_free(hl);
    qr_article_free(&a);
    if (rc)
        req_error(r, 500, NULL, "out of memory");
    else
        req_reply(r, 200, "text/html; charset=utf-8");
}

/* test_reader_html.c — the HTML reader (libxml2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"

#define LIT(s) s, sizeof(s) - 1

/* libxml2 must never print: stderr is redirected to a file while reading
 * and checked empty afterwards. */
static int stderr_to_file(FILE **tmp)
{
    fflush(stderr);
    *tmp = tmpfile();
    assert_non_null(*tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(*tmp), 2) >= 0);
    return saved;
}

static long stderr_restore(FILE *tmp, int saved)
{
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
    long size = ftell(tmp);
    fclose(tmp);
    return size;
}

/* Reads an HTML buffer and expects exactly one article. */
static const t_art *html_n(t_coll *c, const char *name, const char *html, size_t n)
{
    FILE *tmp;
    int saved = stderr_to_file(&tmp);
    t_run r = t_read_buf(c, name, html, n, NULL);
    long printed = stderr_restore(tmp, saved);
    assert_int_equal(printed, 0);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->arts[0].format, QR_FMT_HTML);
    t_run_free(&r);
    return &c->arts[0];
}

static const t_art *html(t_coll *c, const char *text)
{
    return html_n(c, "page.html", text, strlen(text));
}

static void test_basic(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = html(&c,
        "<!DOCTYPE html><html><head><title>  The   Page\n Title </title>"
        "<meta name=\"author\" content=\"Ann Author\">"
        "<meta property=\"article:published_time\" content=\"2017-07-09T10:00:00Z\">"
        "<link rel=\"canonical\" href=\"https://example.com/page\">"
        "<style>body { color: red }</style></head>"
        "<body><h1>Heading</h1><p>First <b>bold</b> and <a href=\"x\">link</a>.</p>"
        "<p>Second\n   paragraph.</p></body></html>");
    assert_string_equal(a->id, "page.html");
    assert_string_equal(a->title, "The Page Title");
    assert_string_equal(a->author, "Ann Author");
    assert_string_equal(a->date, "20170709");
    assert_string_equal(a->url, "https://example.com/page");
    assert_string_equal(a->body, "Heading\n\nFirst bold and link.\n\nSecond paragraph.");
    assert_int_equal(c.nwarn, 0);
    t_coll_free(&c);
}

/* <meta> dates: the first one understood wins; when none is, the first
 * as written is a warning naming the page and the value. */
static void test_meta_dates(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = html(&c, "<head><meta name=\"date\" content=\"around Easter\">"
                              "<meta name=\"dc.date\" content=\"2023\"></head><p>x</p>");
    assert_string_equal(a->date, "20230101");
    assert_int_equal(c.nwarn, 0);
    t_coll_free(&c);
    a = html(&c, "<head><meta name=\"date\" content=\" \">"
                 "<meta name=\"date\" content=\"around Easter\">"
                 "<meta name=\"dcterms.date\" content=\"later\"></head><p>x</p>");
    assert_string_equal(a->date, "");
    t_check_date_warning(&c, "page.html", "around Easter");
    t_coll_free(&c);
}

static void test_title_sources(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = html(&c, "<html><body><h2>Not this</h2><h1>From <i>H1</i></h1><p>x</p></body></html>");
    assert_string_equal(a->title, "From H1");
    t_coll_free(&c);
    a = html(&c, "<title>Title wins</title><h1>H1</h1><p>x</p>");
    assert_string_equal(a->title, "Title wins");
    t_coll_free(&c);
    /* an empty <title> falls back to <h1> */
    a = html(&c, "<title>  </title><h1>Fallback</h1><p>x</p>");
    assert_string_equal(a->title, "Fallback");
    t_coll_free(&c);
    /* no title at all */
    a = html(&c, "<html><body><p>only text</p></body></html>");
    assert_string_equal(a->title, "");
    assert_string_equal(a->body, "only text");
    t_coll_free(&c);
    /* the h1 of a dropped page header still names the page */
    a = html(&c, "<body><header><h1>Site Name</h1></header><p>content</p></body>");
    assert_string_equal(a->title, "Site Name");
    assert_string_equal(a->body, "content");
    t_coll_free(&c);
}

static void test_invisible_removed(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = html(&c,
        "<html><head><script>var head = 1;</script></head><body>"
        "<header><nav><a>Home</a> <a>About</a></nav>Site banner</header>"
        "<script>alert('x'); if (a < b) { document.write('<p>no</p>'); }</script>"
        "<style>.x{display:none}</style><noscript>Enable JS</noscript>"
        "<template><p>tmpl</p></template>"
        "<nav>Menu</nav><aside>Sidebar</aside>"
        "<form><label>Search</label><input name=q><button>Go</button></form>"
        "<svg><title>svg title</title><text>svg text</text></svg>"
        "<main><article><header><p>Byline kept</p></header>"
        "<p>Visible one.</p><div hidden>hidden attr</div>"
        "<div aria-hidden=\"true\">aria hidden</div>"
        "<div style=\"color: red; DISPLAY : none\">css hidden</div>"
        "<div role=\"navigation\">role nav</div>"
        "<p>Visible two.</p></article></main>"
        "<footer>Copyright footer</footer>"
        "<!-- a comment --></body></html>");
    assert_string_equal(a->body, "Byline kept\n\nVisible one.\n\nVisible two.");
    t_coll_free(&c);
}

static void test_entities_and_whitespace(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = html(&c,
        "<p>Caf&eacute; &amp; cr&#232;me &#x20AC;5 &lt;tag&gt; &quot;q&quot; a&nbsp;b "
        "&unknown; &#0; &#xD800; &#1114112;</p>"
        "<p>line<br>break</p><ul><li>one</li><li>two</li></ul>"
        "<table><tr><td>c1</td><td>c2</td></tr><tr><th>c3</th><td>c4</td></tr></table>"
        "<pre>  keep\n    indented\n\ncode</pre><p>x<span>y</span> z</p>");
    assert_non_null(strstr(a->body, "Caf\xC3\xA9 & cr\xC3\xA8me \xE2\x82\xAC" "5 <tag> \"q\" a b"));
    assert_non_null(strstr(a->body, "line\n\nbreak"));
    assert_non_null(strstr(a->body, "one\n\ntwo"));
    assert_non_null(strstr(a->body, "c1 c2\n\nc3 c4"));
    assert_non_null(strstr(a->body, "keep\n    indented\n\ncode"));
    assert_non_null(strstr(a->body, "xy z"));
    t_coll_free(&c);
}

static void test_unclosed_and_broken(void **state)
{
    (void)state;
    t_coll c = {0};
    const t_art *a = html(&c, "<html><body><p>one<p>two<div>three<b>four<i>five");
    assert_string_equal(a->body, "one\n\ntwo\n\nthreefourfive");
    t_coll_free(&c);
    a = html(&c, "<p>text</p></div></span></body></html></html><p>after end");
    assert_non_null(strstr(a->body, "text"));
    assert_non_null(strstr(a->body, "after end"));
    t_coll_free(&c);
    a = html(&c, "<html><p class=unquoted>text <<<>>> & &amp x</p>"
                 "<p>more<//p><p x=1 x=2 y>dup attrs</p><![CDATA[cdata]]>"
                 "<?php echo 1; ?><!doctype nonsense><p>end");
    assert_non_null(strstr(a->body, "dup attrs"));
    assert_non_null(strstr(a->body, "end"));
    t_coll_free(&c);
    /* an attribute value that never ends swallows the rest: no text */
    t_run r = t_read_buf(&c, "u.html", LIT("<p class=\"unterminated>text</p><p>more"), NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 0);
    assert_true(t_find_warning(&c, "u.html", "no text") >= 0);
    t_run_free(&r);
    t_coll_free(&c);
    /* a tag that never closes its attribute list */
    a = html(&c, "<html><body><p>start</p><a href=\"x");
    assert_non_null(strstr(a->body, "start"));
    t_coll_free(&c);
}

static char *nested(const char *open, const char *close, size_t depth, size_t *len)
{
    size_t ol = strlen(open), cl = strlen(close);
    size_t cap = depth * (ol + cl) + 256;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t k = (size_t)sprintf(s, "<html><body><p>before</p>");
    for (size_t i = 0; i < depth; i++, k += ol)
        memcpy(s + k, open, ol);
    k += (size_t)sprintf(s + k, "bottom");
    for (size_t i = 0; i < depth; i++, k += cl)
        memcpy(s + k, close, cl);
    k += (size_t)sprintf(s + k, "<p>after</p></body></html>");
    *len = k;
    return s;
}

static void test_deep_nesting(void **state)
{
    (void)state;
    const char *tags[][2] = {{"<div>", "</div>"}, {"<b>", "</b>"}, {"<div>", ""},
                             {"<table><tr><td>", "</td></tr></table>"}};
    size_t depths[] = {10000, 100000};
    for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
        for (size_t d = 0; d < 2; d++) {
            size_t n;
            char *s = nested(tags[t][0], tags[t][1], depths[d], &n);
            t_coll c = {0};
            const t_art *a = html_n(&c, "deep.html", s, n);
            /* libxml2 stops at its depth limit: what came before is kept */
            assert_non_null(strstr(a->body, "before"));
            assert_true(t_find_warning(&c, "deep.html", "stopped early") >= 0 ||
                        strstr(a->body, "after") != NULL);
            t_coll_free(&c);
            free(s);
        }
    }
}

static void test_charsets(void **state)
{
    (void)state;
    t_coll c = {0};
    /* declared UTF-8 but Latin-1 bytes: comes out valid */
    const t_art *a = html(&c, "<html><head><meta charset=\"utf-8\"><title>Caf\xE9</title></head>"
                              "<body><p>na\xEFve caf\xE9</p></body></html>");
    assert_true(strlen(a->body) > 0);
    t_coll_free(&c);
    /* declared Windows-1252 */
    a = html(&c, "<html><head><meta charset=\"windows-1252\"></head>"
                 "<body><p>\x93q\x94 \x80" "5 caf\xE9</p></body></html>");
    assert_string_equal(a->body, "\xE2\x80\x9Cq\xE2\x80\x9D \xE2\x82\xAC" "5 caf\xC3\xA9");
    t_coll_free(&c);
    /* http-equiv */
    a = html(&c, "<html><head><meta http-equiv=\"Content-Type\" "
                 "content=\"text/html; charset=iso-8859-1\"></head><body><p>caf\xE9</p></body></html>");
    assert_string_equal(a->body, "caf\xC3\xA9");
    t_coll_free(&c);
    /* a charset nobody knows */
    a = html(&c, "<html><head><meta charset=\"x-bogus-42\"></head><body><p>caf\xC3\xA9 caf\xE9</p></body></html>");
    assert_true(strlen(a->body) > 0);
    t_coll_free(&c);
    /* declared UTF-16 in a UTF-8 document */
    a = html(&c, "<html><head><meta charset=\"utf-16\"></head><body><p>plain</p></body></html>");
    (void)a;
    t_coll_free(&c);
    /* no declaration, Latin-1 */
    a = html(&c, "<p>caf\xE9 cr\xE8me</p>");
    assert_true(strlen(a->body) > 0);
    t_coll_free(&c);
    /* UTF-16LE with a BOM */
    const char u16[] = "\xFF\xFE<\0p\0>\0h\0\xE9\0<\0/\0p\0>\0";
    a = html_n(&c, "u16.html", u16, sizeof u16 - 1);
    assert_string_equal(a->body, "h\xC3\xA9");
    t_coll_free(&c);
}

static void test_empty_and_hostile(void **state)
{
    (void)state;
    t_coll c = {0};
    t_run r = t_read_buf(&c, "e.html", "", 0, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 0);
    assert_true(t_find_warning(&c, "e.html", "no text") >= 0);
    t_run_free(&r);
    t_coll_free(&c);

    r = t_read_buf(&c, "s.html", "<script>only()</script><style>x</style>", 39, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(c.n, 0);
    t_run_free(&r);
    t_coll_free(&c);

    r = t_read_buf(&c, "b.html", "<p>x\0\0\0</p>", 11, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_string_equal(r.reason, "unsupported format: application/octet-stream");
    t_run_free(&r);
    t_coll_free(&c);

    /* a 5 MB text node */
    size_t n = 5u << 20;
    char *big = malloc(n + 32);
    assert_non_null(big);
    memcpy(big, "<p>", 3);
    for (size_t i = 0; i < n; i++)
        big[3 + i] = i % 8 == 7 ? ' ' : 'h';
    memcpy(big + 3 + n, "</p><p>tail</p>", 15);
    const t_art *a = html_n(&c, "big.html", big, n + 18);
    assert_true(a->body_len > n - 10);
    assert_non_null(strstr(a->body, "tail"));
    t_coll_free(&c);
    /* 12 MB in one text node: over libxml2's limit, kept up to it */
    free(big);
    n = 12u << 20;
    big = malloc(n + 32);
    assert_non_null(big);
    memcpy(big, "<p>", 3);
    memset(big + 3, 'w', n);
    memcpy(big + 3 + n, "</p>", 4);
    a = html_n(&c, "huge.html", big, n + 7);
    assert_true(a->body_len > 0);
    t_coll_free(&c);
    free(big);

    /* many attributes and elements */
    t_bytes b = {0};
    t_puts(&b, "<div");
    for (int i = 0; i < 20000; i++)
        t_puts(&b, " a=\"1\"");
    t_puts(&b, ">x</div>");
    for (int i = 0; i < 50000; i++)
        t_puts(&b, "<span>w </span>");
    a = html_n(&c, "many.html", (const char *)b.p, b.n);
    assert_true(a->body_len > 50000);
    t_coll_free(&c);
    t_bytes_free(&b);
}

static void test_gzip_html(void **state)
{
    (void)state;
    const char *page = "<html><title>Zipped</title><body><p>in gzip</p></body></html>";
    t_bytes gz = t_gzip(page, strlen(page));
    t_coll c = {0};
    const t_art *a = html_n(&c, "p.html.gz", (const char *)gz.p, gz.n);
    assert_string_equal(a->title, "Zipped");
    assert_string_equal(a->body, "in gzip");
    t_coll_free(&c);
    t_bytes_free(&gz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_meta_dates),
        cmocka_unit_test(test_title_sources),
        cmocka_unit_test(test_invisible_removed),
        cmocka_unit_test(test_entities_and_whitespace),
        cmocka_unit_test(test_unclosed_and_broken),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_empty_and_hostile),
        cmocka_unit_test(test_gzip_html),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_reader_office.c — the zip-package readers: DOCX, PPTX, XLSX, ODT,
 * ODP, ODS and EPUB from tests/fixtures/documents/ (made by make.sh
 * there), title fallbacks and hostile packages built here in memory. All
 * read in process (opts.in_process): the sandbox is tested elsewhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reader_test_util.h"
#include "../zip_writer.h"

/* ------------------------------------------------------------ reading */

/* The collector, plus the last article's pages. */
typedef struct o_coll {
    t_coll c;             /* first: t_warn_cb gets &c                     */
    size_t pages[16];
    size_t npages;
    int pages_null;
} o_coll;

static int o_article_cb(void *ctx, const qr_article *a)
{
    o_coll *o = ctx;
    o->npages = a->npages;
    o->pages_null = a->pages == NULL;
    for (size_t k = 0; k < a->npages && k < 16; k++)
        o->pages[k] = a->pages[k];
    return t_article_cb(&o->c, a);
}

/* libxml2 must never print: stderr goes to a file while reading. */
static t_run o_read(o_coll *o, const char *name, const void *data, size_t len, qr_format fmt,
                    const qr_read_opts *given)
{
    qr_read_opts opts = given ? *given : (qr_read_opts){0};
    opts.in_process = 1;
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0 && dup2(fileno(tmp), 2) >= 0);
    t_run r = {0};
    r.st = qr_read_buffer(name, data, len, fmt, &opts, o_article_cb, t_warn_cb, o, &r.stats,
                          &r.reason);
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
    assert_int_equal(ftell(tmp), 0);
    fclose(tmp);
    if (o->c.bad)
        fail_msg("%s", o->c.bad_what);
    if (r.st == QR_OK)
        assert_null(r.reason);
    else
        assert_true(t_one_line(r.reason));
    assert_int_equal(r.stats.articles, o->c.n);
    t_check_warning_count(&o->c, &r.stats);
    return r;
}

static t_bytes fixture(const char *name)
{
    const char *src = getenv("QUARRY_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/documents/%s", src ? src : QUARRY_SOURCE_DIR,
             name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    t_bytes b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        t_put(&b, chunk, n);
    fclose(f);
    return b;
}

/* Reads a fixture by its name (format from the extension): one article,
 * with this metadata. */
static const t_art *read_fixture(o_coll *o, const char *name, qr_format want, const char *title,
                                 const char *author, const char *date)
{
    t_bytes b = fixture(name);
    t_run r = o_read(o, name, b.p, b.n, QR_FMT_UNKNOWN, NULL);
    t_bytes_free(&b);
    if (r.st != QR_OK)
        fail_msg("%s: %s", name, r.reason);
    t_run_free(&r);
    assert_int_equal(o->c.n, 1);
    const t_art *a = &o->c.arts[0];
    assert_int_equal(a->format, want);
    assert_string_equal(a->id, name);
    assert_string_equal(a->title, title);
    assert_string_equal(a->author, author);
    assert_string_equal(a->date, date);
    return a;
}

/* Page k's text (up to the next page) contains needle. */
static int on_page(const o_coll *o, const t_art *a, size_t k, const char *needle)
{
    size_t from = o->pages[k], to = k + 1 < o->npages ? o->pages[k + 1] : a->body_len;
    char *seg = strndup(a->body + from, to - from);
    int found = seg && strstr(seg, needle) != NULL;
    free(seg);
    return found;
}

static int starts_page(const o_coll *o, const t_art *a, size_t k, const char *prefix)
{
    return strncmp(a->body + o->pages[k], prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------ zip writer */

static void zip_add(zw_zip *z, const char *name, const char *text)
{
    zw_add(z, name, text, strlen(text), 0);
}

static void zip_add_z(zw_zip *z, const char *name, const char *text)
{
    zw_add(z, name, text, strlen(text), 1);
}

static void zip_raw(zw_zip *z, const char *name, int method, const void *data, size_t n,
                    uint32_t crc, uint32_t claimed)
{
    zw_raw(z, name, strlen(name), method, data, n, crc, claimed);
}

/* Raw deflate of head, a MiB of spaces and `gib` GiB more, then tail. The
 * compressed segment of a MiB of spaces that follows a MiB of spaces,
 * ended by a sync flush, is valid wherever spaces precede it (its matches
 * reach back into spaces only): it is made once and repeated, so gigabytes
 * cost milliseconds. */
static zw_buf deflate_bomb(const char *head, unsigned gib, const char *tail)
{
    static unsigned char spaces[1 << 20];
    memset(spaces, ' ', sizeof spaces);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    zw_buf r = {0}, seg = {0};
    zw_deflate(&zs, head, strlen(head), Z_NO_FLUSH, &r);
    zw_deflate(&zs, spaces, sizeof spaces, Z_SYNC_FLUSH, &r);
    zw_deflate(&zs, spaces, sizeof spaces, Z_SYNC_FLUSH, &seg);
    for (unsigned i = 0; i < gib * 1024u; i++)
        zw_put(&r, seg.p, seg.n);
    zw_deflate(&zs, tail, strlen(tail), Z_FINISH, &r);
    deflateEnd(&zs);
    free(seg.p);
    return r;
}

/* ------------------------------------------------------------ fixtures */

/* What every rendering of report.md has: its metadata, its text (runs
 * joined), no pages, no warnings. */
static const t_art *read_report(o_coll *o, const char *name, qr_format fmt)
{
    const t_art *a = read_fixture(o, name, fmt, "Harbour Cranes Quarterly", "Ada Lovelace",
                                  "20240315");
    assert_non_null(strstr(a->body, "The harbour cranes were repainted in vermilion last spring."));
    assert_non_null(strstr(a->body, "lists forty barrels"));
    assert_true(o->pages_null);
    assert_int_equal(o->c.nwarn, 0);
    return a;
}

static void test_docx(void **state)
{
    (void)state;
    o_coll o = {0};
    const t_art *a = read_report(&o, "report.docx", QR_FMT_DOCX);
    assert_non_null(strstr(a->body, "\n\nShip\tTonnage\nAurora\t1200\n\n"));   /* a table */
    /* footnotes (word/footnotes.xml) follow the body */
    const char *end = "barrels of pitch.\n\nStockholm tar, bought in Riga.";
    assert_string_equal(a->body + a->body_len - strlen(end), end);
    t_coll_free(&o.c);
}

static void test_odt(void **state)
{
    (void)state;
    o_coll o = {0};
    const t_art *a = read_report(&o, "report.odt", QR_FMT_ODT);
    assert_non_null(strstr(a->body, "\n\nShip\tTonnage\nAurora\t1200\n\n"));
    /* a footnote stays in its paragraph */
    const char *end = "\n\nThe albatross manifest lists forty barrels of pitch. Stockholm tar, "
                      "bought in Riga.";
    assert_string_equal(a->body + a->body_len - strlen(end), end);
    t_coll_free(&o.c);
}

/* Chapters are not pages: no page offsets (read_report). */
static void test_epub(void **state)
{
    (void)state;
    o_coll o = {0};
    const t_art *a = read_report(&o, "report.epub", QR_FMT_EPUB);
    /* the title page chapter, then the text chapter, in spine order */
    const char *tp = strstr(a->body, "Ada Lovelace"), *ch = strstr(a->body, "repainted in vermilion");
    assert_non_null(tp);
    assert_non_null(ch);
    assert_true(tp < ch);
    assert_null(strstr(a->body, "code{white-space"));   /* no styles */
    t_coll_free(&o.c);
}

static void test_pptx(void **state)
{
    (void)state;
    o_coll o = {0};
    const t_art *a = read_fixture(&o, "slides.pptx", QR_FMT_PPTX,
                                  "Lighthouse Survey", "Grace Hopper", "20231102");
    assert_int_equal(o.npages, 3);
    assert_int_equal(o.pages[0], 0);
    assert_true(starts_page(&o, a, 0, "Lighthouse Survey\n\nGrace Hopper"));
    assert_true(starts_page(&o, a, 1, "Northern coast\n\nThe keeper logs fog at dawn."));
    assert_true(on_page(&o, a, 1, "Mention the brass lantern."));   /* speaker notes */
    assert_true(starts_page(&o, a, 2, "Southern coast\n\nSeals gather near the breakwater."));
    assert_null(strstr(a->body, "2023-11-02"));   /* the date placeholder */
    t_coll_free(&o.c);
}

static void test_xlsx(void **state)
{
    (void)state;
    o_coll o = {0};
    const t_art *a = read_fixture(&o, "sheet.xlsx", QR_FMT_XLSX,
                                  "Tide Tables 2022", "Mary Somerville", "20220630");
    /* the workbook's order, not the files': sheet1.xml first */
    assert_int_equal(o.npages, 2);
    assert_true(starts_page(&o, a, 0, "Port\tHeight\nSaint Malo\t12.5\nCherbourg\t6.5\n\n"));
    assert_true(starts_page(&o, a, 1, "Spring tides flood the quay\nxy"));
    assert_int_equal(a->body_len, o.pages[1] + strlen("Spring tides flood the quay\nxy"));
    assert_null(strstr(a->body, "phonetic"));
    assert_null(strstr(a->body, "B2-6"));      /* formulas: their value only */
    assert_null(strstr(a->body, "#DIV/0!"));   /* errors left out */
    t_coll_free(&o.c);
}

static void test_ods(void **state)
{
    (void)state;
    o_coll o = {0};
    /* the author is meta:initial-creator, the date meta:creation-date */
    const t_art *a = read_fixture(&o, "sheet.ods", QR_FMT_ODS,
                                  "Channel Soundings", "Matthew Maury", "20210914");
    assert_int_equal(o.npages, 2);
    /* a million repeated empty rows and cells cost nothing */
    assert_true(starts_page(&o, a, 0, "Bay\tDepth\nMorlaix\t14\n\n"));
    assert_true(starts_page(&o, a, 1, "The schooner Marie lies off the reef\nNote"));
    assert_int_equal(a->body_len, o.pages[1] + strlen("The schooner Marie lies off the reef\nNote"));
    assert_null(strstr(a->body, "hidden remark"));   /* annotations */
    t_coll_free(&o.c);
}

static void test_odp(void **state)
{
    (void)state;
    o_coll o = {0};
    const t_art *a = read_fixture(&o, "deck.odp", QR_FMT_ODP,
                                  "Ocean Currents Lecture", "Matthew Maury", "20190520");
    assert_int_equal(o.npages, 2);
    assert_true(starts_page(&o, a, 0,
                            "Ocean Currents\n\nThe Gulf Stream carries warm water\nnorthwards\n\n"));
    assert_true(starts_page(&o, a, 1, "Measurements\n\nDrift bottles recovered in Norway"));
    assert_true(on_page(&o, a, 1, "Speaker: cite the 1855 chart"));   /* notes */
    assert_null(strstr(a->body, "alt text"));
    t_coll_free(&o.c);
}

/* A forced format needs no extension; a package is also an archive
 * member. */
static void test_forced_and_member(void **state)
{
    (void)state;
    t_bytes b = fixture("report.docx");
    o_coll o = {0};
    t_run r = o_read(&o, "noext", b.p, b.n, QR_FMT_DOCX, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o.c.n, 1);
    assert_string_equal(o.c.arts[0].title, "Harbour Cranes Quarterly");
    t_coll_free(&o.c);
    t_run_free(&r);

    t_bytes tar = {0};
    t_tar_member(&tar, "docs/report.docx", '0', b.p, b.n, NULL);
    t_tar_end(&tar);
    o_coll o2 = {0};
    r = o_read(&o2, "pack.tar", tar.p, tar.n, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o2.c.n, 1);
    assert_string_equal(o2.c.arts[0].id, "pack.tar/docs/report.docx");
    assert_int_equal(o2.c.arts[0].format, QR_FMT_DOCX);
    t_coll_free(&o2.c);
    t_run_free(&r);
    t_bytes_free(&tar);
    t_bytes_free(&b);
}

/* ------------------------------------------------------------ fallbacks */

#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define DOCX_BODY(x) "<?xml version=\"1.0\"?><w:document " W_NS "><w:body>" x "</w:body></w:document>"
#define ODT_CONTENT(x)                                                                      \
    "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" " \
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>" x \
    "</office:text></office:body></office:document-content>"

/* Reads a package built here; returns its status (reason kept in r). */
static t_run read_zip(o_coll *o, const char *name, zw_zip *z, const qr_read_opts *opts)
{
    size_t n;
    unsigned char *p = zw_end(z, &n);
    t_run r = o_read(o, name, p, n, QR_FMT_UNKNOWN, opts);
    free(p);
    return r;
}

static void test_title_fallbacks(void **state)
{
    (void)state;
    /* DOCX: no core.xml; the first Heading paragraph */
    zw_zip z = {0};
    zip_add(&z, "word/document.xml", DOCX_BODY(
        "<w:p><w:r><w:t>Preface line</w:t></w:r></w:p>"
        "<w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>Tidal</w:t></w:r>"
        "<w:r><w:tab/><w:t>Atlas</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>one</w:t><w:br/><w:t>two</w:t></w:r></w:p>"));
    o_coll o = {0};
    t_run r = read_zip(&o, "h.docx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].title, "Tidal Atlas");
    assert_string_equal(o.c.arts[0].body, "Preface line\n\nTidal Atlas\n\none\ntwo");
    assert_string_equal(o.c.arts[0].author, "");
    assert_string_equal(o.c.arts[0].date, "");
    t_coll_free(&o.c);

    /* ODT: no meta.xml, no heading; the first non-blank line */
    zip_add(&z, "content.xml", ODT_CONTENT(
        "<text:p> </text:p><text:p>Salt<text:s text:c=\"1000000000\"/>marsh   survey</text:p>"
        "<text:p>second</text:p>"));
    memset(&o, 0, sizeof o);
    r = read_zip(&o, "l.odt", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].title, "Salt marsh survey");
    assert_string_equal(o.c.arts[0].body, "Salt marsh survey\n\nsecond");
    t_coll_free(&o.c);

    /* EPUB: no dc:title; the first <h1> of the chapters */
    zip_add(&z, "META-INF/container.xml",
            "<container><rootfiles><rootfile full-path=\"OPS/book.opf\"/></rootfiles></container>");
    zip_add(&z, "OPS/book.opf",
            "<package><metadata><dc:creator xmlns:dc=\"d\">Anon</dc:creator></metadata>"
            "<manifest><item id=\"c1\" href=\"Text/one%20a.xhtml\" media-type=\"application/xhtml+xml\"/>"
            "<item id=\"img\" href=\"cover.svg\" media-type=\"image/svg+xml\"/></manifest>"
            "<spine><itemref idref=\"img\"/><itemref idref=\"c1\"/><itemref idref=\"c1\"/>"
            "<itemref idref=\"nowhere\"/></spine></package>");
    zip_add(&z, "OPS/Text/one a.xhtml",
            "<html><head><title>one.xhtml</title></head><body><p>Opening words</p>"
            "<h1>Chapter of Storms</h1></body></html>");
    memset(&o, 0, sizeof o);
    r = read_zip(&o, "t.epub", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].title, "Chapter of Storms");
    assert_string_equal(o.c.arts[0].author, "Anon");
    /* the chapter named twice in the spine is read once */
    assert_string_equal(o.c.arts[0].body, "Opening words\n\nChapter of Storms");
    t_coll_free(&o.c);
}

/* Metadata dates: the first understood, in the order of preference (DOCX
 * created, else modified); when none is, the first as written is a
 * warning naming the document and the value. */
static void test_meta_dates(void **state)
{
    (void)state;
    zw_zip z = {0};
    zip_add(&z, "word/document.xml", DOCX_BODY("<w:p><w:r><w:t>dated</w:t></w:r></w:p>"));
    zip_add(&z, "docProps/core.xml", "<c><created>the spring tide</created>"
                                     "<modified>2023</modified></c>");
    o_coll o = {0};
    t_run r = read_zip(&o, "d.docx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].date, "20230101");
    assert_int_equal(o.c.nwarn, 0);
    t_coll_free(&o.c);

    zip_add(&z, "word/document.xml", DOCX_BODY("<w:p><w:r><w:t>undated</w:t></w:r></w:p>"));
    zip_add(&z, "docProps/core.xml", "<c><created> </created><modified>the spring tide"
                                     "</modified></c>");
    memset(&o, 0, sizeof o);
    r = read_zip(&o, "u.docx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].date, "");
    t_check_date_warning(&o.c, "u.docx", "the spring tide");
    t_coll_free(&o.c);
}

/* Relationships decide where the main part is; a target leaving the
 * package is ignored. */
static void test_relationships(void **state)
{
    (void)state;
    zw_zip z = {0};
    zip_add(&z, "_rels/.rels",
            "<Relationships><Relationship Id=\"r1\" Type=\"x/officeDocument\" "
            "Target=\"/body/main.xml\"/><Relationship Id=\"r2\" Type=\"x/core-properties\" "
            "Target=\"../../../etc/core.xml\"/></Relationships>");
    zip_add(&z, "body/main.xml", DOCX_BODY("<w:p><w:r><w:t>moved main part</w:t></w:r></w:p>"));
    zip_add(&z, "docProps/core.xml", "<c><title>Default core</title></c>");
    o_coll o = {0};
    t_run r = read_zip(&o, "rel.docx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].body, "moved main part");
    assert_string_equal(o.c.arts[0].title, "Default core");
    t_coll_free(&o.c);

    /* a presentation and a workbook that list nothing (found by
     * fuzz_read_ooxml: sorting an empty list) */
    zip_add(&z, "ppt/presentation.xml", "<p:presentation xmlns:p=\"p\"/>");
    zip_add(&z, "docProps/core.xml", "<c><title>Empty deck</title></c>");
    r = read_zip(&o, "empty.pptx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].title, "Empty deck");
    assert_string_equal(o.c.arts[0].body, "");
    assert_true(o.pages_null);
    t_coll_free(&o.c);
    zip_add(&z, "xl/workbook.xml", "<workbook><sheets/></workbook>");
    r = read_zip(&o, "empty.xlsx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o.c.n, 0);
    assert_true(t_find_warning(&o.c, NULL, "no text: skipped") >= 0);
    t_coll_free(&o.c);

    /* a presentation naming one slide three times and one that is missing */
    zip_add(&z, "ppt/presentation.xml",
            "<p:presentation xmlns:p=\"p\" xmlns:r=\"r\"><p:sldIdLst><p:sldId id=\"1\" r:id=\"a\"/>"
            "<p:sldId id=\"2\" r:id=\"a\"/><p:sldId id=\"3\" r:id=\"b\"/><p:sldId id=\"4\" r:id=\"a\"/>"
            "</p:sldIdLst></p:presentation>");
    zip_add(&z, "ppt/_rels/presentation.xml.rels",
            "<Relationships><Relationship Id=\"a\" Type=\"x/slide\" Target=\"slides/s.xml\"/>"
            "<Relationship Id=\"b\" Type=\"x/slide\" Target=\"slides/gone.xml\"/></Relationships>");
    zip_add(&z, "ppt/slides/s.xml", "<p:sld xmlns:p=\"p\" xmlns:a=\"a\"><a:p><a:r><a:t>only slide"
                                     "</a:t></a:r></a:p></p:sld>");
    memset(&o, 0, sizeof o);
    r = read_zip(&o, "rep.pptx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].body, "only slide");
    assert_int_equal(o.npages, 4);   /* page numbers stay the slides' */
    assert_true(t_find_warning(&o.c, NULL, "slide 2 repeats an earlier one: left empty") >= 0);
    assert_true(t_find_warning(&o.c, NULL, "slide 4 repeats an earlier one: left empty") >= 0);
    assert_true(t_find_warning(&o.c, NULL, "slide 3 (ppt/slides/gone.xml) missing") >= 0);
    t_coll_free(&o.c);
}

/* ------------------------------------------------------------ hostile */

static void expect(o_coll *o, t_run *r, qr_status st, const char *reason)
{
    if (r->st != st || !r->reason || strcmp(r->reason, reason) != 0)
        fail_msg("status %d reason '%s', expected %d '%s'", r->st,
                 r->reason ? r->reason : "(none)", st, reason);
    assert_int_equal(o->c.n, 0);
    t_run_free(r);
    t_coll_free(&o->c);
}

static void test_zip_bomb(void **state)
{
    (void)state;
    /* 4 GiB of spaces in w:t, the headers claiming 1000 bytes */
    zw_buf d = deflate_bomb(DOCX_BODY("<w:p><w:r><w:t>"), 4, "</w:t></w:r></w:p></w:body></w:document>");
    assert_true(d.n < 8 * 1024 * 1024);
    zw_zip z = {0};
    zip_raw(&z, "word/document.xml", 8, d.p, d.n, 0, 1000);
    free(d.p);
    o_coll o = {0};
    t_run r = read_zip(&o, "bomb.docx", &z, NULL);
    expect(&o, &r, QR_ERR_TOO_BIG, "member word/document.xml larger than 134217728 bytes");

    /* a size stated too large is believed: nothing is inflated */
    zip_raw(&z, "word/document.xml", 0, "x", 1, 0, 3000000000u);
    r = read_zip(&o, "big.docx", &z, NULL);
    expect(&o, &r, QR_ERR_TOO_BIG, "member word/document.xml larger than 134217728 bytes");

    /* parts each within the limit, too much together: 3 x 3000 > 2 x 4000 */
    qr_read_opts small = {.max_article_bytes = 1000};
    char sheet[3100];
    memset(sheet, ' ', sizeof sheet - 1);
    sheet[sizeof sheet - 1] = '\0';
    memcpy(sheet, "<a>", 3);
    memcpy(sheet + sizeof sheet - 5, "</a>", 4);
    zip_add(&z, "xl/workbook.xml",
            "<workbook xmlns:r=\"r\"><sheets><sheet r:id=\"1\"/><sheet r:id=\"2\"/><sheet r:id=\"3\"/>"
            "</sheets></workbook>");
    zip_add(&z, "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"1\" Type=\"x/worksheet\" Target=\"a.xml\"/>"
            "<Relationship Id=\"2\" Type=\"x/worksheet\" Target=\"b.xml\"/>"
            "<Relationship Id=\"3\" Type=\"x/worksheet\" Target=\"c.xml\"/></Relationships>");
    zip_add_z(&z, "xl/a.xml", sheet);
    zip_add_z(&z, "xl/b.xml", sheet);
    zip_add_z(&z, "xl/c.xml", sheet);
    r = read_zip(&o, "sum.xlsx", &z, &small);
    expect(&o, &r, QR_ERR_TOO_BIG, "members of the XLSX inflate to more than 8000 bytes");
}

static void test_many_members_and_nesting(void **state)
{
    (void)state;
    zw_zip z = {0};
    char name[32];
    for (int i = 0; i < 20001; i++) {
        snprintf(name, sizeof name, "m%d", i);
        zip_add(&z, name, "");
    }
    o_coll o = {0};
    t_run r = read_zip(&o, "many.docx", &z, NULL);
    expect(&o, &r, QR_ERR_TOO_BIG, "DOCX with more than 20000 members");

    /* a zip in a zip: the inner one is never opened */
    t_bytes inner = fixture("report.docx");
    zip_raw(&z, "word/document.xml", 0, inner.p, inner.n,
            (uint32_t)crc32(0, inner.p, (uInt)inner.n), (uint32_t)inner.n);
    t_bytes_free(&inner);
    r = read_zip(&o, "nested.docx", &z, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "word/document.xml: not well-formed XML (line 1: "));
    expect(&o, &r, r.st, r.reason);

    /* elements nested 100000 deep */
    t_bytes deep = {0};
    t_puts(&deep, "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\"><office:body>"
                  "<office:text>");
    for (int i = 0; i < 100000; i++)
        t_puts(&deep, "<text:span>");
    zip_add(&z, "content.xml", (const char *)deep.p);
    t_bytes_free(&deep);
    r = read_zip(&o, "deep.odt", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "content.xml: elements nested deeper than 200");
}

#define LOLZ                                                                               \
    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"                                              \
    "<!ENTITY l2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"                \
    "<!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\">"                          \
    "<!ENTITY l4 \"&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\">"                          \
    "<!ENTITY l5 \"&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;\">"                          \
    "<!ENTITY l6 \"&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;\">"                          \
    "<!ENTITY l7 \"&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;\">"                          \
    "<!ENTITY l8 \"&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;\">"                          \
    "<!ENTITY l9 \"&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;\">]>"

static void test_entities(void **state)
{
    (void)state;
    zw_zip z = {0};
    o_coll o = {0};
    zip_add(&z, "content.xml", "<?xml version=\"1.0\"?>" LOLZ ODT_CONTENT("<text:p>&l9;</text:p>"));
    t_run r = read_zip(&o, "lol.odt", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "content.xml: DOCTYPE refused (no DTD or entity declarations "
           "in a package)");

    zip_add(&z, "META-INF/container.xml",
            "<container><rootfiles><rootfile full-path=\"a.opf\"/></rootfiles></container>");
    zip_add(&z, "a.opf", LOLZ "<package><metadata><title>&l9;</title></metadata></package>");
    r = read_zip(&o, "lol.epub", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "a.opf: DOCTYPE refused (no DTD or entity declarations in a "
           "package)");

    /* an external entity: refused with its DOCTYPE, never fetched */
    zip_add(&z, "word/document.xml",
            "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">"
            "<!ENTITY y SYSTEM \"http://127.0.0.1:9/x\">]>" DOCX_BODY("<w:p><w:r><w:t>&x;&y;</w:t></w:r></w:p>"));
    r = read_zip(&o, "xxe.docx", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "word/document.xml: DOCTYPE refused (no DTD or entity "
           "declarations in a package)");

    /* without a DOCTYPE an entity is undeclared: not well-formed */
    zip_add(&z, "word/document.xml", DOCX_BODY("<w:p><w:r><w:t>&x; &amp; &#233;</w:t></w:r></w:p>"));
    r = read_zip(&o, "undeclared.docx", &z, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "word/document.xml: not well-formed XML (line 1: Entity 'x' "
                                     "not defined)"));
    expect(&o, &r, r.st, r.reason);

    /* the predefined entities and character references are text */
    zip_add(&z, "word/document.xml", DOCX_BODY("<w:p><w:r><w:t>&lt;a&gt; &amp; &#233;</w:t></w:r></w:p>"));
    r = read_zip(&o, "chars.docx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].body, "<a> & \xC3\xA9");
    t_coll_free(&o.c);
}

static void test_not_packages(void **state)
{
    (void)state;
    o_coll o = {0};
    t_run r = o_read(&o, "plain.docx", "just text, not a zip", 20, QR_FMT_UNKNOWN, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not a DOCX: not a zip archive (Unrecognized archive format)");

    zw_zip z = {0};
    zip_add(&z, "a.txt", "hello");
    r = read_zip(&o, "other.docx", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not a DOCX: word/document.xml missing");
    zip_add(&z, "a.txt", "hello");
    r = read_zip(&o, "other.xlsx", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not an XLSX: xl/workbook.xml missing");
    zip_add(&z, "a.txt", "hello");
    r = read_zip(&o, "other.ods", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not an ODS: content.xml missing");
    zip_add(&z, "a.txt", "hello");
    r = read_zip(&o, "other.epub", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not an EPUB: META-INF/container.xml missing");
    zip_add(&z, "META-INF/container.xml",
            "<container><rootfiles><rootfile full-path=\"../up.opf\"/></rootfiles></container>");
    r = read_zip(&o, "up.epub", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not an EPUB: package document path unusable");
    zip_add(&z, "META-INF/container.xml",
            "<container><rootfiles><rootfile full-path=\"OPS/gone.opf\"/></rootfiles></container>");
    r = read_zip(&o, "gone.epub", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not an EPUB: package document OPS/gone.opf missing");

    /* an OOXML package named as an ODF one: its content says what it is
     * (format.c), and it is read as the DOCX it is */
    t_bytes b = fixture("report.docx");
    r = o_read(&o, "report.odt", b.p, b.n, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o.c.n, 1);
    assert_int_equal(o.c.arts[0].format, QR_FMT_DOCX);
    t_run_free(&r);
    t_coll_free(&o.c);
    /* and forced to be ODF, it is not one */
    r = o_read(&o, "report.odt", b.p, b.n, QR_FMT_ODT, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not an ODT: content.xml missing");

    /* truncated: the central directory is gone, so the members are read
     * from their local headers; the main part comes before the cut */
    r = o_read(&o, "cut.docx", b.p, b.n / 2, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o.c.n, 1);
    assert_non_null(strstr(o.c.arts[0].body, "repainted in vermilion"));
    assert_true(t_find_warning(&o.c, "cut.docx", "zip truncated or corrupt after") >= 0);
    t_run_free(&r);
    t_coll_free(&o.c);
    /* cut inside the main part's data */
    const unsigned char *m = memmem(b.p, b.n, "word/document.xml", 17);
    assert_non_null(m);
    r = o_read(&o, "cut2.docx", b.p, (size_t)(m - b.p) + 17 + 100, QR_FMT_UNKNOWN, NULL);
    assert_int_equal(r.st, QR_ERR_FORMAT);
    assert_non_null(strstr(r.reason, "member word/document.xml cannot be read: "));
    expect(&o, &r, r.st, r.reason);
    t_bytes_free(&b);
}

static void test_unsafe_paths(void **state)
{
    (void)state;
    zw_zip z = {0};
    zip_add(&z, "../../evil/word/document.xml", DOCX_BODY("<w:p><w:r><w:t>evil</w:t></w:r></w:p>"));
    zip_add(&z, "/abs/docProps/core.xml", "<c><title>evil</title></c>");
    zip_add(&z, "word/document.xml", DOCX_BODY("<w:p><w:r><w:t>safe text</w:t></w:r></w:p>"));
    o_coll o = {0};
    t_run r = read_zip(&o, "paths.docx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].body, "safe text");
    assert_string_equal(o.c.arts[0].title, "safe text");
    assert_true(t_find_warning(&o.c, "paths.docx/../../evil/word/document.xml",
                               "unsafe member path skipped") >= 0);
    assert_true(t_find_warning(&o.c, "paths.docx//abs/docProps/core.xml",
                               "unsafe member path skipped") >= 0);
    t_coll_free(&o.c);

    /* a reference climbing out of the package reaches nothing */
    zip_add(&z, "../content.xml", ODT_CONTENT("<text:p>outside</text:p>"));
    r = read_zip(&o, "climb.odt", &z, NULL);
    expect(&o, &r, QR_ERR_FORMAT, "not an ODT: content.xml missing");
}

/* Text past max_article_bytes is cut (with one warning) however the
 * package inflates; a broken slide costs its own text only. */
static void test_limits_and_damage(void **state)
{
    (void)state;
    qr_read_opts small = {.max_article_bytes = 200};
    zw_zip z = {0};
    t_bytes doc = {0};
    t_puts(&doc, "<?xml version=\"1.0\"?><w:document " W_NS "><w:body>");
    for (int i = 0; i < 12; i++)   /* 262 bytes of text in 750 of XML */
        t_puts(&doc, "<w:p><w:r><w:t>Sentence number one.</w:t></w:r></w:p>");
    t_puts(&doc, "</w:body></w:document>");
    assert_true(doc.n < 800);
    zip_add_z(&z, "word/document.xml", (const char *)doc.p);
    t_bytes_free(&doc);
    o_coll o = {0};
    t_run r = read_zip(&o, "long.docx", &z, &small);
    assert_int_equal(r.st, QR_OK);
    assert_true(o.c.arts[0].body_len <= 200);
    assert_int_equal(o.c.nwarn, 1);
    assert_non_null(strstr(o.c.warn_reason[0], "truncated"));
    t_coll_free(&o.c);

    zip_add(&z, "ppt/presentation.xml",
            "<p:presentation xmlns:p=\"p\" xmlns:r=\"r\"><p:sldIdLst><p:sldId r:id=\"a\"/>"
            "<p:sldId r:id=\"b\"/></p:sldIdLst></p:presentation>");
    zip_add(&z, "ppt/_rels/presentation.xml.rels",
            "<Relationships><Relationship Id=\"a\" Type=\"x/slide\" Target=\"slides/1.xml\"/>"
            "<Relationship Id=\"b\" Type=\"x/slide\" Target=\"slides/2.xml\"/></Relationships>");
    zip_add(&z, "ppt/slides/1.xml", "<sld><p><t>first part</t></p><p><t>broken</sld>");
    zip_add(&z, "ppt/slides/2.xml", "<sld><p><t>second slide</t></p></sld>");
    r = read_zip(&o, "broken.pptx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o.npages, 2);
    assert_string_equal(o.c.arts[0].body, "first part\n\nbroken\n\nsecond slide");
    assert_true(t_find_warning(&o.c, "broken.pptx/ppt/slides/1.xml",
                               "the rest of the slide is lost") >= 0);
    t_coll_free(&o.c);
    t_run_free(&r);
}

/* References that multiply work without adding text: each costs O(1) once
 * the budget of bytes handed in (4 x max_doc) is spent, and look-ups by
 * name do not scan the members. */
static void test_amplification(void **state)
{
    (void)state;
    /* 15000 cells naming one shared string of 300 KB of blanks: 4.5 GB of
     * scanning without the budget (1.6 MB here) */
    qr_read_opts opts = {.max_article_bytes = 100000};
    zw_zip z = {0};
    t_bytes b = {0};
    t_puts(&b, "<sst><si><t>");
    for (int i = 0; i < 300000 / 64; i++)
        t_puts(&b, "                                                                ");
    t_puts(&b, "</t></si></sst>");
    zip_add_z(&z, "xl/sharedStrings.xml", (const char *)b.p);
    t_bytes_free(&b);
    t_puts(&b, "<worksheet><sheetData><row>");
    for (int i = 0; i < 15000; i++)
        t_puts(&b, "<c t=\"s\"><v>0</v></c>");
    t_puts(&b, "</row></sheetData></worksheet>");
    zip_add_z(&z, "xl/s.xml", (const char *)b.p);
    t_bytes_free(&b);
    zip_add(&z, "xl/workbook.xml", "<workbook xmlns:r=\"r\"><sheets><sheet r:id=\"1\"/></sheets></workbook>");
    zip_add(&z, "xl/_rels/workbook.xml.rels",
            "<Relationships><Relationship Id=\"1\" Type=\"x/worksheet\" Target=\"s.xml\"/></Relationships>");
    o_coll o = {0};
    t_run r = read_zip(&o, "blank.xlsx", &z, &opts);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o.c.n, 0);
    assert_true(t_find_warning(&o.c, NULL, "article body truncated to 0 bytes") >= 0);
    assert_true(t_find_warning(&o.c, NULL, "no text: skipped") >= 0);
    t_coll_free(&o.c);

    /* one slide named 100000 times, its relationships 200 KB: read once */
    t_puts(&b, "<p:presentation xmlns:p=\"p\" xmlns:r=\"r\"><p:sldIdLst>");
    for (int i = 0; i < 100000; i++)
        t_puts(&b, i % 2 ? "<p:sldId r:id=\"a\"/>" : "<p:sldId r:id=\"b\"/>");
    t_puts(&b, "</p:sldIdLst></p:presentation>");
    zip_add_z(&z, "ppt/presentation.xml", (const char *)b.p);
    t_bytes_free(&b);
    zip_add(&z, "ppt/_rels/presentation.xml.rels",
            "<Relationships><Relationship Id=\"a\" Type=\"x/slide\" Target=\"slides/s.xml\"/>"
            "<Relationship Id=\"b\" Type=\"x/slide\" Target=\"SLIDES/S.XML\"/></Relationships>");
    zip_add(&z, "ppt/slides/s.xml", "<sld><p><t>the one slide</t></p></sld>");
    t_puts(&b, "<Relationships>");
    for (int i = 0; i < 2000; i++)
        t_puts(&b, "<Relationship Id=\"x\" Type=\"x/image\" Target=\"../media/image.png\"/>");
    t_puts(&b, "</Relationships>");
    zip_add_z(&z, "ppt/slides/_rels/s.xml.rels", (const char *)b.p);
    t_bytes_free(&b);
    r = read_zip(&o, "same.pptx", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_int_equal(o.npages, 100000);
    assert_string_equal(o.c.arts[0].body, "the one slide");
    assert_int_equal(r.stats.warnings, 99999);   /* "slide k repeats an earlier one" */
    t_coll_free(&o.c);

    /* 5000 members and a spine of 200000 entries naming a missing one */
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "OPS/m%d.css", i);
        zip_add(&z, name, "");
    }
    zip_add(&z, "META-INF/container.xml",
            "<container><rootfiles><rootfile full-path=\"OPS/b.opf\"/></rootfiles></container>");
    t_puts(&b, "<package><metadata><title>Spine</title></metadata><manifest>"
               "<item id=\"x\" href=\"gone.xhtml\" media-type=\"application/xhtml+xml\"/>"
               "</manifest><spine>");
    for (int i = 0; i < 200000; i++)
        t_puts(&b, "<itemref idref=\"x\"/>");
    t_puts(&b, "</spine></package>");
    zip_add_z(&z, "OPS/b.opf", (const char *)b.p);
    t_bytes_free(&b);
    r = read_zip(&o, "spine.epub", &z, NULL);
    assert_int_equal(r.st, QR_OK);
    assert_string_equal(o.c.arts[0].title, "Spine");
    assert_int_equal(r.stats.warnings, 200000);   /* "chapter missing" */
    t_coll_free(&o.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docx),
        cmocka_unit_test(test_odt),
        cmocka_unit_test(test_epub),
        cmocka_unit_test(test_pptx),
        cmocka_unit_test(test_xlsx),
        cmocka_unit_test(test_ods),
        cmocka_unit_test(test_odp),
        cmocka_unit_test(test_forced_and_member),
        cmocka_unit_test(test_title_fallbacks),
        cmocka_unit_test(test_meta_dates),
        cmocka_unit_test(test_relationships),
        cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_many_members_and_nesting),
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_not_packages),
        cmocka_unit_test(test_unsafe_paths),
        cmocka_unit_test(test_limits_and_damage),
        cmocka_unit_test(test_amplification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

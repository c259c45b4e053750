/*
 * reader_int.h — private to the readers (reader.h): the table of contents
 * of reader.c, format.c, stream.c, emit.c, textconv.c, sandbox.c, the
 * read_*.c format readers, what the zip-package readers share (package.c,
 * xmldoc.c) and mail_mime.c (the e-mail reader's MIME walk), sectioned per
 * file (date.c has only the public qr_date_normalise; frame.c,
 * quarry-extract's records, has frame.h). Nothing here is part of the
 * public API.
 *
 * Who uses whom, never the other way round: reader.c (entry points,
 * dispatch) uses format.c and calls the format readers through its table,
 * or, for a sandboxed reader, sandbox.c, which runs it in quarry-extract
 * and hands what comes back to emit.c; the format readers use stream.c
 * (bytes) and emit.c (articles, warnings); the zip-package readers
 * (read_ooxml.c, read_odf.c, read_epub.c) use package.c (members) and
 * xmldoc.c (XML, the document), which takes the text reader's title
 * rule, and read_epub.c the HTML reader's text; stream.c uses emit.c for
 * its one warning; emit.c uses textconv.c. The archive reader reads its
 * members, and the e-mail reader its attachments, through
 * rd_ctx.read_unit, set by reader.c; neither calls reader.c itself.
 *
 * Error handling: every function that can stop a unit (a source, or one
 * member of an archive) returns a qr_status and, on failure, writes a
 * one-line reason into the caller's `why` buffer (first reason wins). The
 * archive reader turns a member's failure into a warning; the top level
 * hands the reason to the caller of qr_read_source.
 */
#ifndef QUARRY_READER_INT_H
#define QUARRY_READER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "reader.h"

struct archive;

#define RD_SNIFF_BYTES   8192          /* content sniffing window            */
#define RD_ZIP_SNIFF_BYTES (64 * 1024) /* the window for a zip: libmagic looks
                                          past its first members to tell
                                          OOXML, OpenDocument and EPUB     */
#define RD_CHUNK         (64 * 1024)   /* read size for streams              */
#define RD_FIELD_MAX     4096          /* cap on title/author/url bytes      */
#define RD_TITLE_LINE_MAX 200          /* longer first lines are not titles  */

typedef struct rd_ctx rd_ctx;
typedef struct rd_in rd_in;
typedef struct rd_unit rd_unit;

/* A format reader that takes the stream as it comes (JSON Lines,
 * archives), and one that takes a document read whole (text, Markdown,
 * HTML, and the sandboxed formats: PDF, Office, ...; data is readable up
 * to data[len], a NUL). A sandboxed reader runs in quarry-extract
 * (sandbox.c); the ids of its articles must start with the unit's id. */
typedef qr_status (*rd_stream_fn)(rd_ctx *rc, const rd_unit *u, rd_in *in,
                                  qr_buf *why);
typedef qr_status (*rd_doc_fn)(rd_ctx *rc, const rd_unit *u, const char *data,
                               size_t len, qr_buf *why);

/* ============================================== Interface to reader.c */

/* Everything one qr_read_source / qr_read_buffer call shares. */
struct rd_ctx {
    size_t        max_article;  /* resolved qr_read_opts.max_article_bytes  */
    size_t        max_line;     /* resolved max_line_bytes                  */
    uint64_t      max_source;   /* resolved max_source_bytes                */
    size_t        max_doc;      /* raw size limit of a document read whole
                                   (text, Markdown, HTML): 4 x max_article,
                                   at most max_source                       */
    qr_article_cb cb;           /* the caller's callback (may be NULL)      */
    qr_warn_cb    warn;         /* the caller's warn callback (may be NULL) */
    void         *ctx;          /* their context                            */
    qr_read_stats *stats;       /* never NULL (points at a local if needed) */
    size_t        warned;       /* warnings passed to warn so far           */
    size_t        suppressed;   /* warnings past QR_MAX_WARNINGS, not passed */
    rd_stream_fn  read_unit;    /* reader.c's dispatcher: detects a unit's
                                   format (name, then content) and reads it;
                                   how an archive reads its members         */
    int           in_process;   /* qr_read_opts.in_process                  */
    const char   *extractor;    /* qr_read_opts.extractor (may be NULL)     */
    unsigned      extract_seconds; /* resolved: CPU seconds per child       */
    uint64_t      extract_memory;  /* resolved: address space per child     */
};

/* One thing being read: the source itself, an archive member or a mail
 * attachment. */
struct rd_unit {
    const char *name;           /* for format detection (a path or member)   */
    const char *id;             /* article id, or prefix of member ids       */
    const char *where;          /* printable location for warnings           */
    qr_format   forced;         /* QR_FMT_UNKNOWN = detect                   */
    int         depth;          /* 0 = the source, 1 = an archive member or
                                   attachment, 2 = an attachment of one ... */
};

/* ============================================== Interface to format.c */

/* (qr_format_name, qr_format_from_name and qr_name_is_indexable are public:
 * reader.h.) */

/* The format of a unit by its name and its first n decoded bytes: the
 * MIME type libmagic gives them (binary formats: the content wins over
 * the name; text: the name says which text format, else rd_sniff).
 * QR_FMT_UNKNOWN with a reason in why ("unsupported format: image/png",
 * a JSON document that is not JSON Lines) when Quarry cannot read it. */
qr_format rd_detect(const char *name, const unsigned char *p, size_t n, qr_buf *why);
/* Among the text formats, the one the first n bytes look like: HTML,
 * JSON Lines, Markdown, else text (an archive by its magic). */
qr_format rd_sniff(const unsigned char *p, size_t n);
/* The format's name in capitals, for reasons ("PDF"), into out. */
void rd_format_label(qr_format f, char out[16]);
/* Where the text of the first n bytes starts: after a UTF-8 byte-order
 * mark and ASCII blanks (n if nothing else). */
size_t rd_text_start(const unsigned char *p, size_t n);

/* ============================================== Interface to stream.c */

typedef enum rd_in_kind {
    RD_IN_FD,                   /* a file descriptor (file or stdin)        */
    RD_IN_MEM,                  /* a buffer in memory                       */
    RD_IN_ARCHIVE               /* the current member of a libarchive reader */
} rd_in_kind;

/* A byte stream with an optional gzip layer (detected from the first two
 * raw bytes) and a lookahead buffer for content sniffing. Errors are sticky:
 * after the first failure every read returns -1. */
struct rd_in {
    rd_in_kind kind;
    int        fd;              /* RD_IN_FD                                  */
    const unsigned char *mem;   /* RD_IN_MEM                                 */
    size_t     mem_len, mem_pos;
    struct archive *ar;         /* RD_IN_ARCHIVE                             */

    uint64_t  *raw_counter;     /* raw bytes are added here too (may be NULL)*/
    uint64_t   raw_total;       /* raw bytes read                            */
    uint64_t   raw_limit;       /* with has_raw_limit: more -> QR_ERR_TOO_BIG */
    int        has_raw_limit;
    int        raw_limit_hit;   /* the error is raw_limit being exceeded     */
    int        raw_eof;

    unsigned char *rbuf;        /* raw bytes not yet consumed (zlib input)   */
    size_t     rpos, rlen;

    int        gz;              /* the raw stream is gzip                    */
    int        gz_ready;        /* z is initialised                          */
    int        gz_member_end;   /* the last gzip member ended                */
    z_stream   z;

    uint64_t   out_total;       /* decoded bytes produced                    */
    uint64_t   out_limit;       /* more -> QR_ERR_TOO_BIG (max_source_bytes) */

    unsigned char *pk;          /* decoded lookahead (sniffing)              */
    size_t     pk_pos, pk_len, pk_cap;
    int        eof;             /* decoded stream ended                      */

    qr_status  err;             /* QR_OK until a read fails                  */
    int        damaged;         /* err is corrupt or truncated data          */
    int        from_archive;    /* err came from libarchive (member data)    */
    char       msg[256];        /* one-line reason for err                   */

    rd_ctx    *rc;              /* for the trailing-garbage warning          */
    const char *where;
};

/* Zeroes in and sets the common fields; the caller then sets kind and the
 * kind's fields. */
void rd_in_init(rd_in *in, rd_ctx *rc, const char *where, rd_in_kind kind);
/* Sets up the gzip layer when the raw stream starts with the gzip magic.
 * Call once, before reading. 0, or -1 on error (in->err, in->msg). */
int rd_in_detect_gzip(rd_in *in);
/* Reads up to n decoded bytes: returns the count, 0 at the end, or -1 on
 * error (in->err, in->msg). */
ptrdiff_t rd_in_read(rd_in *in, void *buf, size_t n);
/* Fills the lookahead with up to want decoded bytes (later reads return
 * them first); *p points at them. Returns how many are available (fewer
 * at the end or after an error). Peeking again returns the same bytes. */
size_t rd_in_peek(rd_in *in, size_t want, const unsigned char **p);
/* Reads the rest of the stream into out, at most cap bytes. Returns 0 at
 * the end, 1 if there is more than cap, -1 on error (in->err). */
int rd_in_slurp(rd_in *in, size_t cap, qr_buf *out);
/* Reads the rest of a document whole into doc (at most rc->max_doc bytes,
 * NUL-terminated): a larger one fails with QR_ERR_TOO_BIG, a read error
 * with its status; a document cut short by damage (a truncated gzip) is
 * kept as far as it decoded, with a warning at where. */
qr_status rd_in_read_doc(rd_in *in, const char *where, qr_buf *doc, qr_buf *why);
/* Drops what the stream buffered and its end marks, after the caller moved
 * the fd's offset or mem_pos (an archive reader seeking). */
void rd_in_restart(rd_in *in);
/* Frees what the stream allocated (never closes the fd). */
void rd_in_close(rd_in *in);

/* ================================================ Interface to emit.c */

/* Hands one article to the callback: fields made valid one-line UTF-8
 * (title, url, author capped at RD_FIELD_MAX bytes), the body checked,
 * trimmed and truncated to max_article with a warning; an article with
 * neither title nor body text is skipped with a warning. a->date may be
 * given as written: it is normalised here (qr_date_normalise), and one
 * not understood is dropped with a warning naming it. a->body must be
 * readable up to a->body[a->body_len]. Returns QR_OK, QR_ERR_NOMEM or
 * QR_ERR_STOPPED. */
qr_status rd_emit(rd_ctx *rc, const char *where, const qr_article *a,
                  qr_buf *why);

/* Reports a warning (made one line) and counts it; past QR_MAX_WARNINGS
 * for this source, only counts it. */
void rd_warn(rd_ctx *rc, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* After a source: one last warning saying how many were left out past
 * QR_MAX_WARNINGS (none if none were). */
void rd_warn_suppressed(rd_ctx *rc, const char *where);

/* Writes the reason into why unless it already holds one; returns st. */
qr_status rd_fail(qr_buf *why, qr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends a location: prefix (already printable), then sep, then name made
 * printable. Returns 0 or -1 (out of memory). */
int rd_where(qr_buf *b, const char *prefix, const char *sep, const char *name);

/* Control characters left in a message become spaces: a reason is one
 * line. In place. */
void rd_one_line(char *s);

/* ============================================ Interface to textconv.c */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
size_t rd_utf8_seq(const unsigned char *s, size_t n);
/* Whether s is valid UTF-8 without NUL or C0 controls other than \t \n. */
int rd_text_is_clean(const char *s, size_t n);
/* Decodes n bytes in the charset iconv knows as charset, appending UTF-8
 * to out; an undecodable byte becomes U+FFFD. Returns 0, 1 if iconv does
 * not know the charset (nothing appended), -1 on out of memory. */
int rd_charset_to_utf8(const char *charset, const char *s, size_t n, qr_buf *out);
/* Tidies text appended from start on: trailing blanks on each line removed,
 * runs of blank lines become one blank line, leading and trailing blank
 * lines removed. In place. */
void rd_tidy_text(qr_buf *b, size_t start);

/* ============================================= Interface to sandbox.c */

/* Reads the document data[len] of format fmt in a child process,
 * quarry-extract (found through rc->extractor, QUARRY_EXTRACT, beside the
 * running program, or installed), under CPU, address-space, wall-clock
 * and output limits. Its articles go through rd_emit and its warnings
 * through rd_warn here. A child that crashes, hangs, runs out of memory
 * or writes malformed records fails the unit (QR_ERR_FORMAT, or
 * QR_ERR_TOO_BIG for memory and output) with a one-line reason; when it
 * had already produced articles, they are kept and the failure is a
 * warning. */
qr_status rd_sandbox(rd_ctx *rc, const rd_unit *u, qr_format fmt,
                     const char *data, size_t len, qr_buf *why);
/* The same for a stream reader (mail): the child is fed from in as it
 * reads, so a mailbox is never held whole here. */
qr_status rd_sandbox_stream(rd_ctx *rc, const rd_unit *u, qr_format fmt,
                            rd_in *in, qr_buf *why);

/* ======================= Interface to read_text.c, read_html.c (rd_doc_fn) */

qr_status rd_text(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);
qr_status rd_markdown(rd_ctx *rc, const rd_unit *u, const char *data,
                      size_t len, qr_buf *why);
qr_status rd_html(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);

/* ============================ Interface to read_pdf.c (rd_doc_fn, sandboxed) */

/* The text of every page in reading order, lines joined into paragraphs;
 * pages marked in qr_article.pages; title, author and date from the
 * document information (the title else the first line). */
qr_status rd_pdf(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                 qr_buf *why);

/* read_text.c: the title made of a first line of n bytes, as the text
 * reader makes it: the line itself up to RD_TITLE_LINE_MAX bytes, else its
 * first hundred bytes cut at a word, with an ellipsis. Appends to t;
 * 0, or -1 on out of memory. */
int rd_line_title(qr_buf *t, const char *s, size_t n);

/* read_html.c: HTML (or XHTML) to text as rd_html reads it, for readers
 * of formats made of HTML (EPUB chapters): the visible text appended to
 * text (paragraphs separated by blank lines, tidied), the first <h1>'s
 * text to h1 (may be NULL). A parser that stops early is a warning at
 * where. QR_OK, QR_ERR_FORMAT (unparseable), QR_ERR_TOO_BIG, QR_ERR_NOMEM. */
qr_status rd_html_text(rd_ctx *rc, const char *where, const char *data,
                       size_t len, qr_buf *text, qr_buf *h1, qr_buf *why);

/* HTML's text as rd_html reads it, for readers whose documents hold HTML
 * (a mail's text/html part, unrtf's output): every buffer NUL-terminated,
 * the text tidied (rd_tidy_text), title from <title> else the first <h1>,
 * url, author and date from <meta> and <link> (the date YYYYMMDD, or as
 * written when no <meta> date is understood: rd_emit warns about it). */
typedef struct rd_html_doc {
    qr_buf text, title, url, author, date;
    qr_buf h1;          /* the first <h1>'s text, whatever the title    */
    qr_buf lang;        /* <html lang>, else <meta http-equiv=
                           content-language> or <meta name=language>    */
} rd_html_doc;
/* encoding: the document's encoding when the caller knows it (e.g.
 * "UTF-8" for text already converted), overriding a <meta charset>; NULL
 * lets libxml2 decide, as rd_html does. Warnings go to where. On success
 * *out holds the text (free with rd_html_doc_free); on failure nothing. */
qr_status rd_html_extract(rd_ctx *rc, const char *where, const char *data, size_t len,
                          const char *encoding, rd_html_doc *out, qr_buf *why);
void rd_html_doc_free(rd_html_doc *t);

/* ================ Interface to read_jsonl.c, read_archive.c (rd_stream_fn) */

/* JSON Lines judges its own bytes: binary content only stops it when the
 * stream does not start as JSON. */
qr_status rd_jsonl(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
/* Refuses a nested archive (u->depth > 0); reads each member through
 * rc->read_unit. A single compressed file (notes.txt.xz) is read as its
 * content. */
qr_status rd_archive(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
/* Whether a member path is unsafe to use: absolute (also "C:"), or with a
 * ".." component; '\\' counts as a separator too. */
int rd_path_unsafe(const char *path);

/* ============================================= Interface to package.c */

/* A zip package (Office Open XML, OpenDocument, EPUB) read from memory.
 * Its members are listed once; the readers then mark the parts they need
 * and load them in passes over the archive (a part's name is known only
 * from parts read before it), so nothing is inflated that is not read.
 *
 * Limits: at most RD_PKG_MAX_MEMBERS members; each loaded part inflates to
 * at most max_doc bytes (the limit on a document read whole) and all of
 * them together to at most 2 x max_doc, never more than max_source. Past
 * any of them the unit fails with QR_ERR_TOO_BIG. Members with unsafe
 * paths (absolute, or a ".." component) are never loaded. */
#define RD_PKG_MAX_MEMBERS 20000

typedef struct rd_part {
    char  *name;        /* member path as the zip says ("" if none)        */
    char  *data;        /* its bytes, NUL-terminated, once loaded          */
    size_t len;
    int    loadable;    /* a regular file with a safe path                 */
    int    want;        /* to be loaded by the next rd_pkg_load            */
    int    loaded;
    int    used;        /* taken by a reader: each part is read once, so a
                           part named twice (slides, chapters) costs once  */
} rd_part;

typedef struct rd_pkg {
    rd_ctx        *rc;
    const rd_unit *u;
    const char    *kind;       /* "DOCX", "EPUB", ...: for reasons         */
    const char    *an;         /* its article: "a DOCX", "an ODT"          */
    const char    *zip;        /* the package's bytes                      */
    size_t         zip_len;
    rd_part       *parts;      /* in archive order                         */
    size_t         nparts;
    rd_part      **index;      /* the loadable ones by name (strcmp)       */
    rd_part      **index_ci;   /* and ignoring ASCII case                  */
    size_t         nindex;
    uint64_t       loaded;     /* bytes inflated so far                    */
    uint64_t       max_part;   /* per part                                 */
    uint64_t       max_total;  /* all parts                                */
} rd_pkg;

/* Lists the members of the zip in data. Not a zip: QR_ERR_FORMAT ("not a
 * DOCX: not a zip archive (...)"); damage after some members: a warning,
 * and the members before it are what the package has. */
qr_status rd_pkg_open(rd_pkg *p, rd_ctx *rc, const rd_unit *u, const char *kind,
                      const char *data, size_t len, qr_buf *why);
void rd_pkg_close(rd_pkg *p);
/* The loadable member called name (exactly, else ignoring ASCII case, as
 * OPC part names compare), or NULL. */
rd_part *rd_pkg_find(rd_pkg *p, const char *name);
/* rd_pkg_find, marking the member to be loaded by the next rd_pkg_load. */
rd_part *rd_pkg_want(rd_pkg *p, const char *name);
/* Loads every marked member, in one pass. */
qr_status rd_pkg_load(rd_pkg *p, qr_buf *why);
/* The part called name, loaded (one pass of its own), or NULL if the
 * package has no such member (*st then QR_OK) or it failed (*st). */
rd_part *rd_pkg_get(rd_pkg *p, const char *name, qr_status *st, qr_buf *why);
/* The warning location of a part: the unit's where + "/" + name. */
int rd_pkg_where(const rd_pkg *p, const char *name, qr_buf *b);
/* A reference from part base to target ("slides/slide1.xml", "../x.xml",
 * "/xl/a.xml", "ch%201.xhtml#s2") as a member path: relative to base's
 * folder, "." and ".." resolved, %XX decoded, the fragment dropped.
 * Returns 0, or -1 when it leaves the package, is empty, or does not fit
 * in cap bytes. */
int rd_pkg_resolve(const char *base, const char *target, char *out, size_t cap);

/* Names in order (slides, sheets, a spine's item ids); an entry may be
 * set to NULL (freed) to drop it. */
typedef struct rd_names {
    char **v;
    size_t n, cap;
} rd_names;
/* Appends a copy of s: 0, or -1 on out of memory. */
int rd_names_add(rd_names *l, const char *s);
void rd_names_free(rd_names *l);

/* Key to value (and a second value), sorted on first look-up, for what
 * a package names by id: relationships, an EPUB manifest. */
typedef struct rd_map_ent {
    char *key, *val, *aux;
    size_t seq;             /* order of addition */
} rd_map_ent;
typedef struct rd_map {
    rd_map_ent *e;
    size_t n, cap;
    int sorted;
} rd_map;
/* 0, or -1 on out of memory. aux may be NULL. */
int rd_map_add(rd_map *m, const char *key, const char *val, const char *aux);
/* The first entry added under key, or NULL. */
const rd_map_ent *rd_map_get(rd_map *m, const char *key);
void rd_map_free(rd_map *m);

/* ============================================== Interface to xmldoc.c */

/* The package readers' XML: libxml2's SAX2 parser with no DTD at all (a
 * DOCTYPE fails the part: so no entity is ever declared, substituted or
 * loaded, and billion laughs have nothing to expand), no network, no
 * XML_PARSE_HUGE, and nesting capped at RD_XML_MAX_DEPTH elements.
 * attrs holds nattrs x 5 pointers, libxml2's SAX2 layout: local name,
 * prefix, namespace URI, value, end of value. Text is UTF-8, n bytes, not
 * NUL-terminated, and may come in pieces. */
#define RD_XML_MAX_DEPTH 200

typedef struct rd_xml_cb {
    void (*start)(void *ud, const char *local, const char *ns,
                  const char **attrs, int nattrs);
    void (*end)(void *ud, const char *local, const char *ns);
    void (*text)(void *ud, const char *s, size_t n);
} rd_xml_cb;

/* Parses a part. QR_OK, or QR_ERR_FORMAT with a reason naming the part
 * ("content.xml: DOCTYPE refused ...", "...: elements nested deeper than
 * 200", "...: not well-formed XML (line 3: ...)"), QR_ERR_NOMEM. */
qr_status rd_xml_parse(const rd_part *part, const rd_xml_cb *cb, void *ud,
                       qr_buf *why);

enum { RD_ATTR_ANY, RD_ATTR_PLAIN, RD_ATTR_NS };
/* Copies the value of attribute local (RD_ATTR_PLAIN: without a
 * namespace, RD_ATTR_NS: with one) into out, cut to cap - 1 bytes.
 * Returns 1 if present, else 0 (out = ""). */
int rd_xml_attr(const char **attrs, int nattrs, const char *local, int which,
                char *out, size_t cap);

/* The text of a document being read, with pages and metadata. Text comes
 * in with whitespace runs made one space; structure comes in as
 * separators owed before the next text (the strongest owed wins). */
enum { RD_SEP_NONE, RD_SEP_SPACE, RD_SEP_TAB, RD_SEP_LINE, RD_SEP_PARA };

typedef struct rd_doc {
    qr_buf  text;
    size_t  limit;         /* text stops growing past this: max_article + 1 */
    size_t  budget;        /* bytes handed in, at most (4 x max_doc)        */
    size_t  fed;
    int     full;          /* text was dropped at the limit or budget       */
    int     oom;
    int     pending;       /* RD_SEP_* owed                                 */
    int     inline_depth;  /* inside cells or notes: paragraphs are spaces  */
    size_t  seg;           /* where the current page started                */
    size_t *pages;         /* page starts (before tidying)                  */
    size_t  npages, pages_cap;
    int     heading_open;  /* capturing the first heading                   */
    size_t  heading_from;
    qr_buf  heading;       /* the first heading's text                      */
    qr_buf  title, author; /* from the metadata                             */
    qr_buf  lang;          /* from the metadata (dc:language), as written   */
    qr_buf  date;          /* from the metadata: YYYYMMDD, or as written
                              when not understood (rd_emit warns)         */
} rd_doc;

void rd_doc_init(rd_doc *d, const rd_ctx *rc);
void rd_doc_free(rd_doc *d);
void rd_doc_text(rd_doc *d, const char *s, size_t n);
/* Appends text already laid out (its newlines kept). */
void rd_doc_raw(rd_doc *d, const char *s, size_t n);
void rd_doc_sep(rd_doc *d, int sep);
/* Entering (1) or leaving (0) what stays on the line it stands in (a
 * table cell: sep RD_SEP_TAB; a footnote inside a paragraph: RD_SEP_SPACE):
 * its paragraphs become spaces. sep is owed either way. */
void rd_doc_inline(rd_doc *d, int enter, int sep);
/* A page starts here. */
void rd_doc_page(rd_doc *d);
/* A heading paragraph starts (1) or ends (0): the first one is kept for
 * the title when the metadata has none. */
void rd_doc_heading(rd_doc *d, int begin);

/* Metadata element local names, best first (NULL-terminated lists). */
typedef struct rd_meta_names {
    const char *title[3], *author[3], *date[3], *lang[3];
} rd_meta_names;
/* Fills d's title, author, date and language from a metadata part (core.xml,
 * meta.xml, an EPUB package document). A part that fails is a warning. */
qr_status rd_doc_meta(rd_pkg *p, rd_doc *d, const rd_part *part,
                      const rd_meta_names *names, qr_buf *why);

/* Tidies the text page by page, picks the title (metadata, else the first
 * heading, else the first line) and hands the article out (rd_emit). */
qr_status rd_doc_emit(rd_pkg *p, rd_doc *d, qr_format fmt, qr_buf *why);

/* ============ Interface to read_ooxml.c, read_odf.c, read_epub.c (rd_doc_fn)
 *
 * Zip packages, read whole: one article each. */

qr_status rd_docx(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);
qr_status rd_pptx(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);
qr_status rd_xlsx(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);
qr_status rd_odt(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                 qr_buf *why);
qr_status rd_odp(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                 qr_buf *why);
qr_status rd_ods(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                 qr_buf *why);
qr_status rd_epub(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                  qr_buf *why);

/* ====================== Interface to read_email.c (rd_stream_fn), read_rtf.c */

/* One message (QR_FMT_EMAIL: .eml, a Maildir file), article id = the
 * unit's id, and a Unix mailbox (QR_FMT_MBOX), one article per message
 * with id = unit id + "/" + the message's key. Both judge their own bytes:
 * binary content is refused only when it does not start like mail (a
 * header field or a "From " line). Attachments are read through
 * rc->read_unit at depth + 1. */
qr_status rd_email(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
qr_status rd_mbox(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why);
/* RTF through GNU UnRTF run as a child process (rd_doc_fn). */
qr_status rd_rtf(rd_ctx *rc, const rd_unit *u, const char *data, size_t len,
                 qr_buf *why);

/* ============================================= Interface to mail_mime.c */

/* One message taken apart: its headers decoded, its text parts decoded
 * and converted to UTF-8 and joined, its attachments found (not decoded:
 * mail_att_decode does that when the caller reads one). */
typedef struct mail_att {
    char       *name;           /* file name made safe (no '/', no
                                   controls), unique within the message    */
    const char *raw;            /* the encoded content, inside the message  */
    size_t      raw_len;
    int         enc;            /* its GMimeContentEncoding                 */
    char       *charset;        /* text other than HTML with a declared
                                   charset: converted to UTF-8 on decoding  */
} mail_att;

typedef struct mail_msg {
    qr_buf      subject;        /* RFC 2047 decoded ("" if none)            */
    qr_buf      from;           /* "Name <addr>, ..." decoded               */
    qr_buf      date;           /* YYYYMMDD, "", or the Date field as
                                   written when not understood (rd_emit
                                   warns)                                  */
    qr_buf      lang;           /* Content-Language as written, or ""       */
    qr_buf      body;           /* text parts, forwarded messages inlined   */
    mail_att   *atts;
    size_t      natts;
    qr_buf     *owned;          /* buffers decoded on the way (a base64
                                   message/rfc822) that atts point into    */
    size_t      nowned;
    uint64_t    decoded;        /* bytes decoded so far, against the
                                   message's budget                         */
} mail_msg;

#define MAIL_MAX_PARTS 1000     /* MIME entities walked per message         */
#define MAIL_MAX_DEPTH 20       /* multipart and message/rfc822 nesting     */
#define MAIL_MAX_FIELD 65536    /* header value bytes decoded (Subject ...) */

/* Takes apart the message in data[0..len), which must stay alive while m
 * is used; warnings (parts over the caps, unknown charsets) go to where.
 * Returns QR_OK or QR_ERR_NOMEM; hostile input only costs warnings. */
qr_status mail_parse(rd_ctx *rc, const char *where, const char *data, size_t len,
                     mail_msg *m, qr_buf *why);
void mail_msg_free(mail_msg *m);
/* The Message-ID of the message in data[0..len), without its <>, in out
 * ("" when there is none, or it is longer than 250 bytes). 0, or -1 on
 * out of memory. */
int mail_message_id(const char *data, size_t len, qr_buf *out);
/* An attachment's content decoded into out (transfer encoding, charset),
 * counted against the message's budget of max_doc decoded bytes. Returns
 * 0, 1 if over the budget (out empty), -1 on out of memory. */
int mail_att_decode(rd_ctx *rc, mail_msg *m, const mail_att *a, qr_buf *out);

#endif

/*
 * reader.h — turns one source (a file, or standard input) into articles.
 *
 * A source is read once, streaming where the format allows (JSON Lines,
 * gzip, tar). Every article handed to the callback has valid UTF-8 without
 * NUL bytes in every field. Problems inside a source that do not stop it (a
 * malformed JSON line, a tar member that is a symlink, a member over the size
 * limit) are reported through the warn callback and counted; problems that
 * stop the whole source are returned as a status plus a one-line reason.
 *
 * Formats are recognised by content (libmagic) as well as by name
 * (format.c): plain text, Markdown, HTML, JSON Lines, archives (members
 * read as sources of their own, id = archive id + "/" + member path), gzip
 * around any of them, PDF, Office Open XML, OpenDocument, EPUB, e-mail
 * (single messages and mbox files) and RTF. A file whose content is none
 * of these fails with QR_ERR_FORMAT and a reason naming its type
 * ("unsupported format: image/png").
 */
#ifndef QUARRY_READER_H
#define QUARRY_READER_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef enum qr_format {
    QR_FMT_UNKNOWN = 0,
    QR_FMT_TEXT,
    QR_FMT_MARKDOWN,
    QR_FMT_HTML,
    QR_FMT_JSONL,
    QR_FMT_TAR,       /* any archive libarchive reads: tar, zip, cpio ... */
    QR_FMT_PDF,
    QR_FMT_DOCX,      /* Office Open XML: word processing               */
    QR_FMT_PPTX,      /*                  presentations                 */
    QR_FMT_XLSX,      /*                  spreadsheets                  */
    QR_FMT_ODT,       /* OpenDocument: text                             */
    QR_FMT_ODP,       /*               presentations                    */
    QR_FMT_ODS,       /*               spreadsheets                     */
    QR_FMT_EPUB,
    QR_FMT_EMAIL,     /* one RFC 5322 message (.eml, a Maildir file)    */
    QR_FMT_MBOX,      /* a Unix mailbox of messages                     */
    QR_FMT_RTF
} qr_format;
#define QR_FMT_LAST QR_FMT_RTF   /* the last of qr_format: a new one moves it */

const char *qr_format_name(qr_format f);

typedef struct qr_article {
    const char *id;        /* article id: path as given, member path, or JSON id */
    const char *title;     /* "" if none                                        */
    const char *body;      /* the text; paragraphs separated by blank lines     */
    size_t      body_len;
    const char *url;       /* "" if none                                        */
    const char *date;      /* normalised "YYYYMMDD", or "" if none/unparseable  */
    const char *author;    /* "" if none                                        */
    qr_format   format;    /* the format the article was read as                */
    const size_t *pages;   /* formats with pages (PDF, slides): pages[k] is the
                              byte offset in body where page k + 1 starts,
                              increasing, pages[0] == 0; NULL when none       */
    size_t      npages;
    unsigned    flags;     /* QR_RECORD_* bits (schema.h) for its passages:
                              QR_RECORD_DATE_FROM_FILE when date is the
                              source file's modification time; readers
                              leave it 0                                    */
    const char *lang;      /* the language the source names for it (a JSON
                              Lines field, <html lang>, dc:language ...),
                              in any form qr_lang_code reads; NULL or ""
                              when it names none. The indexer replaces it
                              by the code it settles on (languages.h)    */
} qr_article;

/* Return 0 to continue, non-zero to stop reading (qr_read_source then returns
 * QR_ERR_STOPPED). The article and its strings live only during the call. */
typedef int (*qr_article_cb)(void *ctx, const qr_article *a);

/* A problem inside a source that did not stop it. where: e.g.
 * "feeds.jsonl:17" or "pack.tar.gz/dir/a.html"; reason: one line. */
typedef void (*qr_warn_cb)(void *ctx, const char *where, const char *reason);

/* At most this many warnings are reported for one source; past that, one
 * last warning (where = the source) says how many more there were, and
 * qr_read_stats.warnings counts them all. A file of a million malformed
 * JSON lines thus costs a hundred warnings, not a million (each of which
 * the indexer keeps for its summary). */
#define QR_MAX_WARNINGS 100

typedef struct qr_read_opts {
    size_t max_article_bytes;   /* larger articles: truncated at a paragraph
                                   or sentence boundary, with a warning
                                   (0 = default 32 MiB)                    */
    size_t max_line_bytes;      /* JSON Lines: longer lines skipped with a
                                   warning (0 = default 64 MiB)            */
    uint64_t max_source_bytes;  /* decompressed bytes read from one source
                                   before stopping with a warning; guards
                                   against gzip bombs (0 = default 4 GiB)  */
    /* The formats whose parsers are large and meet hostile files (PDF,
     * Office, OpenDocument, EPUB, e-mail, RTF) are read in a child process,
     * quarry-extract, under these limits; a child that crashes, hangs or
     * runs out of memory costs its file only (sandbox.c). */
    int in_process;             /* read them here instead (the child itself,
                                   unit tests and fuzzers)                 */
    const char *extractor;      /* the quarry-extract program (NULL: the
                                   QUARRY_EXTRACT environment variable, else
                                   beside the running program, else the
                                   installed one)                          */
    unsigned extract_seconds;   /* CPU seconds per file (0 = default 60)   */
    uint64_t extract_memory;    /* address space per file (0 = 2 GiB)      */
} qr_read_opts;

typedef struct qr_read_stats {
    uint64_t bytes_in;          /* bytes read from the file (compressed)   */
    uint64_t bytes_text;        /* bytes of article text produced          */
    size_t   articles;          /* articles handed to the callback         */
    size_t   warnings;          /* problems found (warn callback calls,
                                   plus those past QR_MAX_WARNINGS)        */
} qr_read_stats;

/* Reads the source at path (or standard input when path is "-", read as JSON
 * Lines). id is the display id given to the source's articles (for a plain
 * file, its article id; for containers, the prefix of member ids); NULL means
 * path itself. format forces a format (QR_FMT_UNKNOWN = detect).
 * On a failure that stops the source, *reason (if non-NULL) receives a
 * malloc'd one-line reason. stats may be NULL.
 * Returns QR_OK, QR_ERR_IO, QR_ERR_FORMAT (binary, undecodable, corrupt),
 * QR_ERR_TOO_BIG, QR_ERR_NOMEM, QR_ERR_STOPPED. Articles already delivered
 * before a failure stay delivered. */
qr_status qr_read_source(const char *path, const char *id, qr_format format,
                         const qr_read_opts *opts, qr_article_cb cb,
                         qr_warn_cb warn, void *ctx, qr_read_stats *stats,
                         char **reason);

/* Same, from a buffer already in memory; name is used for format detection
 * and as the article id / prefix (e.g. "notes.md", "x.tar.gz"). */
qr_status qr_read_buffer(const char *name, const void *data, size_t len,
                         qr_format format, const qr_read_opts *opts,
                         qr_article_cb cb, qr_warn_cb warn, void *ctx,
                         qr_read_stats *stats, char **reason);

/* Format from a file name alone (QR_FMT_UNKNOWN if the name does not say);
 * *gzipped is set when the name ends in .gz (or is .tgz). */
qr_format qr_format_from_name(const char *name, int *gzipped);

/* Whether a file name looks like something Quarry reads (so a directory walk
 * can skip images, binaries, ...). Names that say nothing (no extension) are
 * accepted and decided by content. */
int qr_name_is_indexable(const char *name);

/* ------------------------------------------------------------ text helpers */

/* Converts arbitrary bytes to valid UTF-8 in out (appended): UTF-8 as is,
 * a UTF-8 BOM dropped, UTF-16 LE/BE with a BOM converted, anything else that
 * is not valid UTF-8 decoded as Windows-1252. NUL and other C0 controls
 * except \t \n \r become spaces; \r\n and \r become \n.
 * Returns 0, or -1 on out of memory. */
int qr_text_to_utf8(const char *in, size_t len, qr_buf *out);

/* Whether bytes look binary (NUL bytes or mostly control characters in the
 * first 8 KiB, not explained by a UTF-16 BOM). */
int qr_looks_binary(const char *p, size_t len);

/* Normalises a date string ("2017-07-09", "2017-07-09T10:00:00Z",
 * "20170709", "9 July 2017", "Jul 9, 2017", RFC 2822 "Sun, 09 Jul 2017 ...")
 * to "YYYYMMDD" in out[9]; a year alone ("2023") or a month ("2023-05",
 * "May 2023") gives its first day (20230101, 20230501). Returns 0 on
 * success, -1 if not understood. */
int qr_date_normalise(const char *in, char out[9]);

#endif

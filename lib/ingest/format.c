/*
 * format.c — which format a source is: by its file name (extensions, .gz),
 * and, when the name says nothing, by its first bytes (rd_sniff).
 */
#include "reader_int.h"

#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ formats */

const char *qr_format_name(qr_format f)
{
    switch (f) {
    case QR_FMT_UNKNOWN: return "unknown";
    case QR_FMT_TEXT: return "text";
    case QR_FMT_MARKDOWN: return "markdown";
    case QR_FMT_HTML: return "html";
    case QR_FMT_JSONL: return "jsonl";
    case QR_FMT_TAR: return "tar";
    case QR_FMT_PDF: return "pdf";
    case QR_FMT_DOCX: return "docx";
    case QR_FMT_PPTX: return "pptx";
    case QR_FMT_XLSX: return "xlsx";
    case QR_FMT_ODT: return "odt";
    case QR_FMT_ODP: return "odp";
    case QR_FMT_ODS: return "ods";
    case QR_FMT_EPUB: return "epub";
    case QR_FMT_EMAIL: return "email";
    case QR_FMT_MBOX: return "mbox";
    case QR_FMT_RTF: return "rtf";
    }
    return "unknown";
}

static const struct {
    const char *ext;
    qr_format fmt;
} EXTENSIONS[] = {
    {"txt", QR_FMT_TEXT},      {"text", QR_FMT_TEXT},
    {"md", QR_FMT_MARKDOWN},   {"markdown", QR_FMT_MARKDOWN},
    {"html", QR_FMT_HTML},     {"htm", QR_FMT_HTML},
    {"xhtml", QR_FMT_HTML},
    {"jsonl", QR_FMT_JSONL},   {"ndjson", QR_FMT_JSONL},
    {"json", QR_FMT_JSONL},
    {"tar", QR_FMT_TAR},       {"zip", QR_FMT_TAR},
    {"cpio", QR_FMT_TAR},
    {"eml", QR_FMT_EMAIL},
    {"mbox", QR_FMT_MBOX},
};

/* The base name's extension within [base, end): pointer after the last '.'
 * (not a leading one), or NULL. */
static const char *extension(const char *base, const char *end)
{
    for (const char *p = end; p > base + 1; p--)
        if (p[-1] == '.')
            return p;
    return NULL;
}

static qr_format format_of_ext(const char *ext, size_t n)
{
    for (size_t i = 0; i < sizeof EXTENSIONS / sizeof EXTENSIONS[0]; i++)
        if (strlen(EXTENSIONS[i].ext) == n && strncasecmp(ext, EXTENSIONS[i].ext, n) == 0)
            return EXTENSIONS[i].fmt;
    return QR_FMT_UNKNOWN;
}

qr_format qr_format_from_name(const char *name, int *gzipped)
{
    int gz = 0;
    qr_format f = QR_FMT_UNKNOWN;
    if (name) {
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        const char *end = base + strlen(base);
        const char *ext = extension(base, end);
        if (ext && strcasecmp(ext, "tgz") == 0) {
            gz = 1;
            f = QR_FMT_TAR;
        } else {
            if (ext && strcasecmp(ext, "gz") == 0) {
                gz = 1;
                end = ext - 1;
                ext = extension(base, end);
            }
            if (ext)
                f = format_of_ext(ext, (size_t)(end - ext));
        }
    }
    if (gzipped)
        *gzipped = gz;
    return f;
}

int qr_name_is_indexable(const char *name)
{
    int gz;
    if (!name || !*name)
        return 0;
    if (qr_format_from_name(name, &gz) != QR_FMT_UNKNOWN)
        return 1;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *end = base + strlen(base);
    if (gz)
        end -= 3;   /* "x.gz": decided by the name without .gz */
    return extension(base, end) == NULL;
}

/* ------------------------------------------------------------ sniffing */

static int starts_with_ci(const unsigned char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    return n >= k && strncasecmp((const char *)p, s, k) == 0;
}

static int contains_ci(const unsigned char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp((const char *)p + i, s, k) == 0)
            return 1;
    return 0;
}

static int is_archive_magic(const unsigned char *p, size_t n)
{
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
        return 1;
    if (n >= 4 && memcmp(p, "PK\003\004", 4) == 0)
        return 1;
    if (n >= 6 && (memcmp(p, "070701", 6) == 0 || memcmp(p, "070702", 6) == 0 ||
                   memcmp(p, "070707", 6) == 0))
        return 1;
    return 0;
}

size_t rd_text_start(const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

qr_format rd_sniff(const unsigned char *p, size_t n)
{
    if (is_archive_magic(p, n))
        return QR_FMT_TAR;
    size_t i = rd_text_start(p, n);
    if (i < n && p[i] == '<' &&
        (starts_with_ci(p + i, n - i, "<!doctype html") || contains_ci(p + i, n - i, "<html") ||
         contains_ci(p + i, n - i, "<body") || contains_ci(p + i, n - i, "<head")))
        return QR_FMT_HTML;
    if (i < n && p[i] == '{')
        return QR_FMT_JSONL;
    if (starts_with_ci(p + i, n - i, "---\n") || starts_with_ci(p + i, n - i, "---\r\n") ||
        starts_with_ci(p + i, n - i, "# "))
        return QR_FMT_MARKDOWN;
    return QR_FMT_TEXT;
}

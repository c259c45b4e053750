/*
 * format.c — which format a source is: by its file name (extensions, .gz)
 * and by its content (rd_detect: libmagic's MIME type of the first bytes,
 * then rd_sniff among the text formats).
 */
#include "reader_int.h"

#include <magic.h>
#include <pthread.h>
#include <stdio.h>
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

void rd_format_label(qr_format f, char out[16])
{
    snprintf(out, 16, "%s", qr_format_name(f));
    for (char *c = out; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
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
    {"cpio", QR_FMT_TAR},      {"7z", QR_FMT_TAR},
    {"xz", QR_FMT_TAR},        {"txz", QR_FMT_TAR},   /* a compressed tar, */
    {"bz2", QR_FMT_TAR},       {"tbz2", QR_FMT_TAR},  /* or one compressed */
    {"tbz", QR_FMT_TAR},       {"zst", QR_FMT_TAR},   /* file: read_archive */
    {"tzst", QR_FMT_TAR},      {"lzma", QR_FMT_TAR},
    {"pdf", QR_FMT_PDF},
    {"docx", QR_FMT_DOCX},     {"pptx", QR_FMT_PPTX},
    {"xlsx", QR_FMT_XLSX},
    {"odt", QR_FMT_ODT},       {"odp", QR_FMT_ODP},
    {"ods", QR_FMT_ODS},
    {"epub", QR_FMT_EPUB},
    {"eml", QR_FMT_EMAIL},     {"mbox", QR_FMT_MBOX},
    {"rtf", QR_FMT_RTF},
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

/* A Unix mailbox: a "From " line, then a header line ("Name: ..."), which
 * libmagic does not recognise on its own. */
static int is_mbox_start(const unsigned char *p, size_t n)
{
    if (n < 5 || memcmp(p, "From ", 5) != 0)
        return 0;
    const unsigned char *nl = memchr(p, '\n', n);
    if (!nl)
        return 0;
    size_t i = (size_t)(nl - p) + 1, k = i;
    while (k < n && ((p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= 'a' && p[k] <= 'z') ||
                     (p[k] >= '0' && p[k] <= '9') || p[k] == '-'))
        k++;
    return k > i && k < n && p[k] == ':';
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
    if (is_mbox_start(p, n))
        return QR_FMT_MBOX;
    if (starts_with_ci(p + i, n - i, "---\n") || starts_with_ci(p + i, n - i, "---\r\n") ||
        starts_with_ci(p + i, n - i, "# "))
        return QR_FMT_MARKDOWN;
    return QR_FMT_TEXT;
}

/* ------------------------------------------------------------ content */

/* What a MIME type says, for the formats of reader.h. */
static const struct {
    const char *mime;
    qr_format fmt;
} MIME_TYPES[] = {
    {"application/pdf", QR_FMT_PDF},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", QR_FMT_DOCX},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", QR_FMT_PPTX},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", QR_FMT_XLSX},
    {"application/vnd.oasis.opendocument.text", QR_FMT_ODT},
    {"application/vnd.oasis.opendocument.presentation", QR_FMT_ODP},
    {"application/vnd.oasis.opendocument.spreadsheet", QR_FMT_ODS},
    {"application/epub+zip", QR_FMT_EPUB},
    {"message/rfc822", QR_FMT_EMAIL},
    {"application/mbox", QR_FMT_MBOX},
    {"text/rtf", QR_FMT_RTF},
    {"application/rtf", QR_FMT_RTF},
    {"text/html", QR_FMT_HTML},
    {"application/xhtml+xml", QR_FMT_HTML},
    {"application/json", QR_FMT_JSONL},
    {"application/x-ndjson", QR_FMT_JSONL},
    /* archives, and compressed files libarchive's filters undo */
    {"application/x-tar", QR_FMT_TAR},
    {"application/x-gtar", QR_FMT_TAR},
    {"application/zip", QR_FMT_TAR},
    {"application/x-cpio", QR_FMT_TAR},
    {"application/x-7z-compressed", QR_FMT_TAR},
    {"application/x-xz", QR_FMT_TAR},
    {"application/x-bzip2", QR_FMT_TAR},
    {"application/zstd", QR_FMT_TAR},
    {"application/x-lzma", QR_FMT_TAR},
};

/* The formats made of text, where a name that says one of them is
 * believed over content that is text of another (notes.txt holding HTML
 * is read as text); the others are binary, and there content wins. */
static int is_text_format(qr_format f)
{
    return f == QR_FMT_TEXT || f == QR_FMT_MARKDOWN || f == QR_FMT_HTML ||
           f == QR_FMT_JSONL || f == QR_FMT_EMAIL || f == QR_FMT_MBOX ||
           f == QR_FMT_RTF;
}

/* Zip files libmagic may call just application/zip (it looks at the first
 * few members only): the name then says which. */
static int is_zip_format(qr_format f)
{
    return f == QR_FMT_DOCX || f == QR_FMT_PPTX || f == QR_FMT_XLSX ||
           f == QR_FMT_ODT || f == QR_FMT_ODP || f == QR_FMT_ODS || f == QR_FMT_EPUB;
}

static qr_format format_of_mime(const char *mime)
{
    for (size_t i = 0; i < sizeof MIME_TYPES / sizeof MIME_TYPES[0]; i++)
        if (strcmp(mime, MIME_TYPES[i].mime) == 0)
            return MIME_TYPES[i].fmt;
    return QR_FMT_UNKNOWN;
}

/* libmagic: magic_load reads the whole database (tens of ms), and a
 * magic_t is not thread-safe, so there is one per process, loaded on
 * first use and used under a lock. NULL when it cannot be loaded: then
 * content_mime falls back to a few magic numbers of its own. */
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_cookie;

static void magic_start(void)
{
    /* no decompression (stream.c and libarchive do that, under limits),
     * no ELF section parsing: the type is all that is asked */
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF);
    if (m && magic_load(m, NULL) != 0) {
        magic_close(m);
        m = NULL;
    }
    magic_cookie = m;
}

/* The MIME type of the first n bytes of a unit, lower case, without
 * parameters, into out[cap]. */
static void content_mime(const unsigned char *p, size_t n, char *out, size_t cap)
{
    out[0] = '\0';
    pthread_once(&magic_once, magic_start);
    if (magic_cookie) {
        pthread_mutex_lock(&magic_lock);
        const char *m = magic_buffer(magic_cookie, p, n);
        if (m)
            snprintf(out, cap, "%s", m);
        pthread_mutex_unlock(&magic_lock);
    }
    if (!out[0]) {
        const char *m = n >= 5 && memcmp(p, "%PDF-", 5) == 0 ? "application/pdf"
                        : is_archive_magic(p, n)             ? "application/x-tar"
                        : qr_looks_binary((const char *)p, n) ? "application/octet-stream"
                                                              : "text/plain";
        snprintf(out, cap, "%s", m);
    }
    out[strcspn(out, "; \t")] = '\0';
    for (char *c = out; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
}

/* JSON Lines is one object per line: the first non-blank line must be a
 * JSON object, not the start of one that goes on over several lines (a
 * pretty-printed document). A first line that closes what it opens but
 * is malformed is JSON Lines with a bad line (rd_jsonl warns); one longer
 * than the window is taken as JSON Lines. NULL if it is, else why not. */
static const char *not_json_lines(const unsigned char *p, size_t n)
{
    size_t i = rd_text_start(p, n);
    if (i == n || (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))))
        return NULL;   /* empty, or UTF-16: rd_jsonl says why not */
    if (p[i] != '{')
        return "not JSON Lines: the first line is not a JSON object";
    int depth = 0, in_string = 0;
    for (; i < n && p[i] != '\n'; i++) {
        unsigned char c = p[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    if (i == n && n >= RD_SNIFF_BYTES)
        return NULL;
    return depth > 0 ? "a JSON document, not JSON Lines (one JSON object per line)" : NULL;
}

/* f, unless it is JSON Lines and the bytes are not (then why says so). */
static qr_format checked_json_lines(qr_format f, const unsigned char *p, size_t n, qr_buf *why)
{
    const char *not_jl = f == QR_FMT_JSONL ? not_json_lines(p, n) : NULL;
    if (not_jl) {
        rd_fail(why, QR_ERR_FORMAT, "%s", not_jl);
        return QR_FMT_UNKNOWN;
    }
    return f;
}

/* Whether the first bytes start as a binary format that could otherwise
 * pass for text (an uncompressed PDF is mostly ASCII) or that libmagic
 * must name. */
static int has_binary_magic(const unsigned char *p, size_t n)
{
    static const struct {
        const char *m;
        size_t n;
    } MAGIC[] = {
        {"%PDF-", 5}, {"PK\003\004", 4}, {"\x89PNG", 4}, {"GIF8", 4}, {"\xFF\xD8\xFF", 3},
        {"\x7F" "ELF", 4}, {"\xD0\xCF\x11\xE0", 4}, {"7z\xBC\xAF", 4},
        {"\xFD" "7zXZ", 5}, {"BZh", 3}, {"\x28\xB5\x2F\xFD", 4}, {"ID3", 3}, {"OggS", 4},
        {"RIFF", 4},
    };
    for (size_t i = 0; i < sizeof MAGIC / sizeof MAGIC[0]; i++)
        if (n >= MAGIC[i].n && memcmp(p, MAGIC[i].m, MAGIC[i].n) == 0)
            return 1;
    return is_archive_magic(p, n);
}

qr_format rd_detect(const char *name, const unsigned char *p, size_t n, qr_buf *why)
{
    qr_format by_name = qr_format_from_name(name, NULL);
    int binary = qr_looks_binary((const char *)p, n);
    /* The fast path: a text name over bytes that are text and start as no
     * binary format is right as it is. libmagic's rules for text cost
     * milliseconds per file (libmagic 5.44 on the 2-core CI machine: 4 ms
     * for 1 KiB of text, 7 ms for 8 KiB), more than reading the file. */
    if (is_text_format(by_name) && !binary && !has_binary_magic(p, n))
        return checked_json_lines(by_name, p, n, why);
    char mime[128];
    content_mime(p, n, mime, sizeof mime);
    qr_format by_mime = format_of_mime(mime);
    int generic = strcmp(mime, "application/octet-stream") == 0;
    int media = strncmp(mime, "image/", 6) == 0 || strncmp(mime, "audio/", 6) == 0 ||
                strncmp(mime, "video/", 6) == 0;
    /* text: libmagic says so, or it says little (octet-stream, or some
     * application type of text such as PostScript under a text name)
     * and the bytes are not binary */
    /* bytes that open with a binary format's signature libmagic could not
     * name (a truncated image, a damaged archive) are not text, however
     * few control characters they hold */
    int textual = is_text_format(by_mime) || strncmp(mime, "text/", 5) == 0 ||
                  strstr(mime, "empty") != NULL ||
                  (!binary && !has_binary_magic(p, n) && by_mime == QR_FMT_UNKNOWN &&
                   (generic || (is_text_format(by_name) && !media)));
    qr_format f;
    if (by_mime != QR_FMT_UNKNOWN && !is_text_format(by_mime)) {
        /* a binary format by content: content wins, a name only refines
         * a plain zip into the zip-based format it names */
        f = by_mime == QR_FMT_TAR && strcmp(mime, "application/zip") == 0 &&
            is_zip_format(by_name) ? by_name : by_mime;
    } else if (textual) {
        /* text: the name says which (a binary format's reader will say
         * what is wrong with it), else the content */
        f = by_name != QR_FMT_UNKNOWN ? by_name
            : by_mime != QR_FMT_UNKNOWN ? by_mime
            : rd_sniff(p, n);
    } else if (generic && (by_name == QR_FMT_JSONL || by_name == QR_FMT_EMAIL ||
                           by_name == QR_FMT_MBOX ||
                           (by_name != QR_FMT_UNKNOWN && !is_text_format(by_name)))) {
        /* bytes libmagic knows nothing of, named as a binary format (a
         * damaged file: its reader says what is wrong), or as a format
         * that judges its own bytes: JSON Lines (its lines), mail (a
         * message may carry raw binary parts) */
        return by_name;
    } else {
        rd_fail(why, QR_ERR_FORMAT, "unsupported format: %s", mime);
        return QR_FMT_UNKNOWN;
    }
    return checked_json_lines(f, p, n, why);
}

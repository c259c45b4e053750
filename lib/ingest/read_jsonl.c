/*
 * read_jsonl.c — JSON Lines with jansson, one object per line, streamed:
 * only the current line is in memory, and a line longer than max_line is
 * skipped without being kept.
 *
 * Fields: id (string or integer, required), title, text (else "body", else
 * "contents"), url, date, author (string or array of strings), lang (else
 * "language": the article's language, a code or a name). null counts
 * as absent. A wrong type is a warning and the line is skipped. A date is
 * a string, or a number read as its digits ("date":2023 is the year);
 * it is handed over as written, so one not understood is a warning
 * naming the line and the value (rd_emit) and the article is kept.
 */
#include "reader_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct jl_state {
    rd_ctx *rc;
    const rd_unit *u;
    qr_buf where;          /* "<source>:<line>" for the current line  */
    qr_buf author;         /* joined author array                     */
    char idnum[24];        /* an integer id as text                   */
    char datenum[32];      /* a number date as text                   */
} jl_state;

/* Reason for a field of the wrong type; NULL if it is fine. *out is the
 * string, or "" when absent/null. */
static const char *get_string(json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = "";
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v))
        return "is not a string";
    *out = json_string_value(v);
    return NULL;
}

static qr_status jl_warn_field(jl_state *s, const char *field, const char *what)
{
    rd_warn(s->rc, s->where.data, "\"%s\" %s: line skipped", field, what);
    return QR_OK;
}

static qr_status jl_object(jl_state *s, json_t *obj, qr_buf *why)
{
    const char *id, *title, *body, *url, *date = "", *author = "", *bad;
    size_t body_len = 0;

    json_t *jid = json_object_get(obj, "id");
    if (!jid || json_is_null(jid)) {
        rd_warn(s->rc, s->where.data, "no \"id\": line skipped");
        return QR_OK;
    }
    if (json_is_integer(jid)) {
        snprintf(s->idnum, sizeof s->idnum, "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
        id = s->idnum;
    } else if (json_is_string(jid)) {
        id = json_string_value(jid);
        if (!*id) {
            rd_warn(s->rc, s->where.data, "empty \"id\": line skipped");
            return QR_OK;
        }
    } else {
        return jl_warn_field(s, "id", "is not a string or an integer");
    }

    if ((bad = get_string(obj, "title", &title)))
        return jl_warn_field(s, "title", bad);
    if ((bad = get_string(obj, "url", &url)))
        return jl_warn_field(s, "url", bad);

    static const char *const body_keys[] = {"text", "body", "contents"};
    body = "";
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(obj, body_keys[i]);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v))
            return jl_warn_field(s, body_keys[i], "is not a string");
        body = json_string_value(v);
        body_len = json_string_length(v);
        break;
    }

    json_t *jd = json_object_get(obj, "date");
    if (jd && (json_is_array(jd) || json_is_object(jd) || json_is_boolean(jd)))
        return jl_warn_field(s, "date", "is not a string or a number");
    if (jd && json_is_string(jd)) {
        date = json_string_value(jd);
    } else if (jd && json_is_integer(jd)) {
        snprintf(s->datenum, sizeof s->datenum, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(jd));
        date = s->datenum;
    } else if (jd && json_is_real(jd)) {
        snprintf(s->datenum, sizeof s->datenum, "%.17g", json_real_value(jd));
        date = s->datenum;
    }

    json_t *ja = json_object_get(obj, "author");
    qr_buf_clear(&s->author);
    if (ja && json_is_string(ja)) {
        author = json_string_value(ja);
    } else if (ja && json_is_array(ja)) {
        size_t i;
        json_t *el;
        json_array_foreach(ja, i, el) {
            if (!json_is_string(el))
                return jl_warn_field(s, "author", "is not a string or an array of strings");
            if ((i > 0 && qr_buf_puts(&s->author, ", ") != 0) ||
                qr_buf_append(&s->author, json_string_value(el), json_string_length(el)) != 0)
                return rd_fail(why, QR_ERR_NOMEM, "out of memory");
        }
        if (qr_buf_append(&s->author, "", 0) != 0)
            return rd_fail(why, QR_ERR_NOMEM, "out of memory");
        author = s->author.data;
    } else if (ja && !json_is_null(ja)) {
        return jl_warn_field(s, "author", "is not a string or an array of strings");
    }

    /* the language is a hint: one of the wrong type is left out, the
     * article kept */
    const char *lang = "", *lang_key = "lang";
    if (!(bad = get_string(obj, lang_key, &lang)) && !*lang)
        bad = get_string(obj, lang_key = "language", &lang);
    if (bad) {
        rd_warn(s->rc, s->where.data, "\"%s\" %s: ignored", lang_key, bad);
        lang = "";
    }

    qr_article a = {
        .id = id, .title = title, .body = body, .body_len = body_len,
        .url = url, .date = date, .author = author, .format = QR_FMT_JSONL,
        .lang = lang,
    };
    return rd_emit(s->rc, s->where.data, &a, why);
}

static int all_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
            return 0;
    return 1;
}

static int set_where(jl_state *s, uint64_t lineno)
{
    qr_buf_clear(&s->where);
    return qr_buf_printf(&s->where, "%s:%llu", s->u->where, (unsigned long long)lineno);
}

/* One complete line (without its '\n'). */
static qr_status jl_line(jl_state *s, const char *p, size_t n, uint64_t lineno, qr_buf *why)
{
    if (lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    if (all_blank(p, n))
        return QR_OK;
    if (set_where(s, lineno) != 0)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    json_error_t err;
    json_t *obj = json_loadb(p, n, 0, &err);
    if (!obj) {
        if (json_error_code(&err) == json_error_out_of_memory)
            return rd_fail(why, QR_ERR_NOMEM, "out of memory");
        qr_buf msg = {0};
        int ok = qr_buf_printable(&msg, err.text, strnlen(err.text, sizeof err.text)) == 0 &&
                 qr_buf_append(&msg, "", 0) == 0;
        rd_warn(s->rc, s->where.data, "invalid JSON at column %d: %s", err.column,
                ok ? msg.data : "?");
        qr_buf_free(&msg);
        return QR_OK;
    }
    qr_status st;
    if (!json_is_object(obj)) {
        rd_warn(s->rc, s->where.data, "not a JSON object: line skipped");
        st = QR_OK;
    } else {
        st = jl_object(s, obj, why);
    }
    json_decref(obj);
    return st;
}

static int starts_as_json(const unsigned char *p, size_t n)
{
    size_t i = rd_text_start(p, n);
    return i < n && p[i] == '{';
}

static int has_utf16_bom(const unsigned char *p, size_t n)
{
    return n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF));
}

qr_status rd_jsonl(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why)
{
    /* In JSON Lines that start as JSON, binary bytes are the problem of
     * the lines holding them (each skipped with a warning): a NUL in one
     * line must not lose the good lines around it. */
    const unsigned char *head;
    size_t hn = rd_in_peek(in, RD_SNIFF_BYTES, &head);
    if (qr_looks_binary((const char *)head, hn) && !starts_as_json(head, hn))
        return rd_fail(why, QR_ERR_FORMAT, "binary file");
    if (has_utf16_bom(head, hn))
        return rd_fail(why, QR_ERR_FORMAT, "JSON Lines must be UTF-8 (UTF-16 byte-order mark found)");

    jl_state s = {.rc = rc, .u = u};
    qr_buf line = {0};
    qr_status st = QR_OK;
    uint64_t lineno = 1;      /* the line being read        */
    int skipping = 0;         /* the line is over max_line  */
    unsigned char *chunk = malloc(RD_CHUNK);
    if (!chunk)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");

    for (;;) {
        ptrdiff_t r = rd_in_read(in, chunk, RD_CHUNK);
        if (r < 0) {
            if (in->damaged && !in->from_archive && in->out_total > 0 &&
                in->err == QR_ERR_FORMAT) {
                rd_warn(rc, u->where, "%s: lines up to %llu were read", in->msg,
                        (unsigned long long)(lineno - 1));
            } else {
                st = rd_fail(why, in->err, "%s", in->msg);
            }
            break;
        }
        if (r == 0) {
            if (skipping) {
                if (set_where(&s, lineno) != 0) { st = rd_fail(why, QR_ERR_NOMEM, "out of memory"); break; }
                rd_warn(rc, s.where.data, "line longer than %zu bytes (max_line_bytes): skipped",
                        rc->max_line);
            } else if (line.len > 0) {
                st = jl_line(&s, line.data, line.len, lineno, why);
            }
            break;
        }
        const char *p = (const char *)chunk, *end = p + r;
        while (p < end && st == QR_OK) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t seg = (size_t)((nl ? nl : end) - p);
            if (!skipping) {
                if (seg > rc->max_line - line.len) {
                    skipping = 1;
                    qr_buf_clear(&line);
                } else if (qr_buf_append(&line, p, seg) != 0) {
                    st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
                    break;
                }
            }
            if (!nl)
                break;
            if (skipping) {
                if (set_where(&s, lineno) != 0) { st = rd_fail(why, QR_ERR_NOMEM, "out of memory"); break; }
                rd_warn(rc, s.where.data, "line longer than %zu bytes (max_line_bytes): skipped",
                        rc->max_line);
                skipping = 0;
            } else {
                st = jl_line(&s, line.data ? line.data : "", line.len, lineno, why);
            }
            qr_buf_clear(&line);
            lineno++;
            p = nl + 1;
        }
        if (st != QR_OK)
            break;
    }
    free(chunk);
    qr_buf_free(&line);
    qr_buf_free(&s.where);
    qr_buf_free(&s.author);
    return st;
}

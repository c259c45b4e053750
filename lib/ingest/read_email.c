/*
 * read_email.c — e-mail: one message (QR_FMT_EMAIL: .eml, a Maildir file)
 * or a Unix mailbox of many (QR_FMT_MBOX), an article per message
 * (mail_mime.c takes each apart) and its attachments read as units of
 * their own through rc->read_unit, one level deeper.
 *
 * Ids. A message read alone has the unit's id. A message of a mailbox has
 * unit id + "/" + its key: its Message-ID, %-escaped so that it holds no
 * '/', '%', '#', blank or control, when it has one and no earlier message
 * of the file had it; else "#N", its ordinal from 1 (every message of the
 * file counted, read or not). Rereading a file gives the same ids, and
 * appending messages to it never changes those of the earlier ones. An
 * attachment's id is its message's id + "/" + its file name (made safe
 * and unique by mail_mime.c); so is the place its warnings name.
 *
 * A mailbox is split at lines starting "From " that begin the file,
 * follow a blank line or carry a time of day ("From a@b Mon Jan  1
 * 00:00:00 2024"), as it streams: only the message being gathered is in
 * memory, and one over max_doc bytes is skipped with a warning. Lines
 * that writers escaped as ">From " are left as they are.
 *
 * Attachments are read at depth + 1 up to MAIL_MAX_UNIT_DEPTH, so mail
 * attached to mail cannot recurse without bound; the dispatcher decides
 * what each is (a format Quarry reads, or a warning naming it).
 */
#include "reader_int.h"

#include <stdlib.h>
#include <string.h>

#define MAIL_MAX_UNIT_DEPTH 3         /* an attachment's attachment's ... */
#define MBOX_LINE_MAX (64 * 1024)     /* longer lines are handed on in pieces */
#define MBOX_MAX_IDS ((size_t)1 << 20) /* Message-IDs remembered per file  */

/* ------------------------------------------------------------ keys */

/* Hashes of the Message-IDs a mailbox has used, to give a repeated one
 * an ordinal instead. A false match only turns a key into an ordinal. */
typedef struct id_set {
    uint64_t *slot;
    size_t cap, n;
    int full_warned;
} id_set;

/* 1 if h was new (and is now in), 0 if seen or the set is full, -1 no
 * memory. */
static int id_set_add(id_set *s, uint64_t h)
{
    h = h ? h : 1;   /* 0 marks an empty slot */
    if (s->n + 1 > s->cap / 2) {
        if (s->n >= MBOX_MAX_IDS)
            return 0;
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i])
                continue;
            size_t j = s->slot[i] & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = s->slot[i];
        }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t j = h & (s->cap - 1);
    while (s->slot[j]) {
        if (s->slot[j] == h)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = h;
    s->n++;
    return 1;
}

/* The Message-ID %-escaped: no '/', so "message/attachment" ids split
 * one way only; no '#', so it never looks like an ordinal. */
static int escape_key(const char *id, qr_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)id; *c; c++) {
        int plain = *c > ' ' && *c < 0x7F && *c != '/' && *c != '%' && *c != '#';
        char esc[3] = {'%', hex[*c >> 4], hex[*c & 15]};
        if (plain ? qr_buf_putc(out, (char)*c) : qr_buf_append(out, esc, 3))
            return -1;
    }
    return qr_buf_append(out, "", 0);
}

/* A mailbox message's key into key: see the top of the file. */
static qr_status message_key(rd_ctx *rc, const rd_unit *u, id_set *ids, size_t ordinal,
                             const char *data, size_t len, qr_buf *key, qr_buf *why)
{
    qr_buf mid = {0};
    int r = mail_message_id(data, len, &mid);
    qr_buf_clear(key);
    if (r == 0 && mid.len > 0 && (r = escape_key(mid.data, key)) == 0) {
        r = id_set_add(ids, qr_hash64(key->data, key->len, 0));
        if (r == 0 && ids->n >= MBOX_MAX_IDS && !ids->full_warned++)
            rd_warn(rc, u->where, "more than %zu Message-IDs: later messages are named "
                    "by their ordinal", MBOX_MAX_IDS);
        if (r == 0)
            qr_buf_clear(key);
    }
    qr_buf_free(&mid);
    if (r >= 0 && key->len == 0)
        r = qr_buf_printf(key, "#%zu", ordinal);
    return r < 0 ? rd_fail(why, QR_ERR_NOMEM, "out of memory") : QR_OK;
}

/* ------------------------------------------------------------ a message */

/* Each attachment through the dispatcher, as an archive reads members. */
static qr_status read_attachments(rd_ctx *rc, const rd_unit *u, mail_msg *m,
                                  const char *id, const char *where, qr_buf *why)
{
    qr_buf aid = {0}, awhere = {0}, data = {0}, awhy = {0};
    qr_status st = QR_OK;
    for (size_t i = 0; i < m->natts && st == QR_OK; i++) {
        const mail_att *a = &m->atts[i];
        qr_buf_clear(&aid);
        qr_buf_clear(&awhere);
        qr_buf_clear(&awhy);
        if (qr_buf_printf(&aid, "%s/%s", id, a->name) != 0 ||
            rd_where(&awhere, where, "/", a->name) != 0) {
            st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
            break;
        }
        if (u->depth + 1 > MAIL_MAX_UNIT_DEPTH) {
            rd_warn(rc, awhere.data, "attachment nested more than %d deep: skipped",
                    MAIL_MAX_UNIT_DEPTH);
            continue;
        }
        int r = mail_att_decode(rc, m, a, &data);
        if (r != 0) {
            if (r < 0)
                st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
            else
                rd_warn(rc, awhere.data, "attachment skipped: its message decoded more "
                        "than %zu bytes", rc->max_doc);
            continue;
        }
        rd_in in;
        rd_in_init(&in, rc, awhere.data, RD_IN_MEM);
        in.mem = (const unsigned char *)data.data;
        in.mem_len = data.len;
        rd_unit au = {.name = a->name, .id = aid.data, .where = awhere.data,
                      .forced = QR_FMT_UNKNOWN, .depth = u->depth + 1};
        qr_status as = rc->read_unit(rc, &au, &in, &awhy);
        rd_in_close(&in);
        if (as == QR_ERR_NOMEM || as == QR_ERR_STOPPED)
            st = rd_fail(why, as, "%s", awhy.data ? awhy.data : qr_status_str(as));
        else if (as != QR_OK)
            rd_warn(rc, awhere.data, "%s", awhy.data ? awhy.data : qr_status_str(as));
    }
    qr_buf_free(&aid);
    qr_buf_free(&awhere);
    qr_buf_free(&data);
    qr_buf_free(&awhy);
    return st;
}

/* One message: an article, then its attachments. key is NULL for a
 * message read alone (its id is the unit's). */
static qr_status read_message(rd_ctx *rc, const rd_unit *u, qr_format fmt, const char *key,
                              const char *data, size_t len, qr_buf *why)
{
    qr_buf id = {0}, where = {0};
    mail_msg m;
    qr_status st;
    if (key ? qr_buf_printf(&id, "%s/%s", u->id, key) != 0 ||
                  rd_where(&where, u->where, "/", key) != 0
            : qr_buf_puts(&id, u->id) != 0 || qr_buf_puts(&where, u->where) != 0) {
        st = rd_fail(why, QR_ERR_NOMEM, "out of memory");
        goto out;
    }
    st = mail_parse(rc, where.data, data, len, &m, why);
    if (st != QR_OK)
        goto out;
    qr_article a = {
        .id = id.data, .title = m.subject.data, .body = m.body.data, .body_len = m.body.len,
        .url = "", .date = m.date.data, .author = m.from.data, .format = fmt,
        .lang = m.lang.data,
    };
    st = rd_emit(rc, where.data, &a, why);
    if (st == QR_OK)
        st = read_attachments(rc, u, &m, id.data, where.data, why);
    mail_msg_free(&m);
out:
    qr_buf_free(&id);
    qr_buf_free(&where);
    return st;
}

/* Whether the first line is a header field or an mbox "From " line: what
 * a message starts with, even one with NUL bytes further on. */
static int starts_as_mail(const unsigned char *p, size_t n)
{
    size_t i = rd_text_start(p, n);
    if (n - i >= 5 && memcmp(p + i, "From ", 5) == 0)
        return 1;
    size_t k = i;
    while (k < n && p[k] > ' ' && p[k] < 127 && p[k] != ':')
        k++;
    return k > i && k < n && p[k] == ':';
}

/* Binary content that does not even start like mail is refused. */
static qr_status refuse_binary(rd_in *in, qr_buf *why)
{
    const unsigned char *head;
    size_t hn = rd_in_peek(in, RD_SNIFF_BYTES, &head);
    if (in->err != QR_OK && (hn == 0 || !in->damaged))
        return rd_fail(why, in->err, "%s", in->msg);
    if (qr_looks_binary((const char *)head, hn) && !starts_as_mail(head, hn))
        return rd_fail(why, QR_ERR_FORMAT, "binary file");
    return QR_OK;
}

qr_status rd_email(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why)
{
    qr_status st = refuse_binary(in, why);
    if (st != QR_OK)
        return st;
    qr_buf doc = {0};
    st = rd_in_read_doc(in, u->where, &doc, why);
    if (st == QR_OK)
        st = read_message(rc, u, QR_FMT_EMAIL, NULL, doc.data, doc.len, why);
    qr_buf_free(&doc);
    return st;
}

/* ------------------------------------------------------------ mailboxes */

typedef struct mbox {
    rd_ctx *rc;
    const rd_unit *u;
    qr_buf msg;            /* the message being gathered               */
    qr_buf key;
    int have;              /* a message is being gathered               */
    int oversize;          /* it went over max_doc: only skipped over   */
    int prev_blank;        /* the last whole line was blank, or none yet */
    int mid_line;          /* the last piece did not end its line (2:
                               it was a "From " line's)                 */
    size_t ordinal;        /* messages met so far                       */
    id_set ids;
} mbox;

/* A "From " line that separates messages (see the top of the file). */
static int separates(const mbox *mb, const char *p, size_t n)
{
    if (n < 5 || memcmp(p, "From ", 5) != 0)
        return 0;
    if (mb->prev_blank)
        return 1;
    size_t k = n < 256 ? n : 256;
    for (size_t i = 0; i + 5 <= k; i++)   /* a time of day: 12:34 */
        if (p[i] >= '0' && p[i] <= '9' && p[i + 1] >= '0' && p[i + 1] <= '9' &&
            p[i + 2] == ':' && p[i + 3] >= '0' && p[i + 3] <= '9' && p[i + 4] >= '0' &&
            p[i + 4] <= '9')
            return 1;
    return 0;
}

/* The message gathered so far, read (or skipped if over the limit). */
static qr_status finish(mbox *mb, qr_buf *why)
{
    qr_status st = QR_OK;
    if (!mb->have)
        return QR_OK;
    mb->ordinal++;
    if (mb->oversize) {
        qr_buf where = {0};
        if (qr_buf_printf(&where, "%s/#%zu", mb->u->where, mb->ordinal) != 0)
            return rd_fail(why, QR_ERR_NOMEM, "out of memory");
        rd_warn(mb->rc, where.data, "message larger than %zu bytes (4 x max_article_bytes): "
                "skipped", mb->rc->max_doc);
        qr_buf_free(&where);
    } else {
        const char *d = mb->msg.data ? mb->msg.data : "";
        st = message_key(mb->rc, mb->u, &mb->ids, mb->ordinal, d, mb->msg.len, &mb->key, why);
        if (st == QR_OK)
            st = read_message(mb->rc, mb->u, QR_FMT_MBOX, mb->key.data, d, mb->msg.len, why);
    }
    mb->have = mb->oversize = 0;
    qr_buf_clear(&mb->msg);
    return st;
}

/* One line, or a piece of a long one (eol: it ends the line). */
static qr_status piece(mbox *mb, const char *p, size_t n, int eol, qr_buf *why)
{
    if (mb->mid_line == 2) {   /* the rest of a long "From " line: dropped */
        mb->mid_line = eol ? 0 : 2;
        return QR_OK;
    }
    int starts = mb->mid_line == 0;
    mb->mid_line = eol ? 0 : 1;
    if (starts && separates(mb, p, n)) {
        qr_status st = finish(mb, why);
        mb->have = 1;
        mb->prev_blank = 0;
        mb->mid_line = eol ? 0 : 2;
        return st;
    }
    if (starts) {
        mb->prev_blank = eol && (n == 1 || (n == 2 && p[0] == '\r'));
        if (!mb->have && mb->prev_blank)
            return QR_OK;   /* blank lines before the first message */
    }
    mb->have = 1;
    if (mb->oversize)
        return QR_OK;
    if (mb->msg.len + n > mb->rc->max_doc) {
        mb->oversize = 1;
        qr_buf_free(&mb->msg);
        return QR_OK;
    }
    return qr_buf_append(&mb->msg, p, n) == 0 ? QR_OK
                                              : rd_fail(why, QR_ERR_NOMEM, "out of memory");
}

qr_status rd_mbox(rd_ctx *rc, const rd_unit *u, rd_in *in, qr_buf *why)
{
    qr_status st = refuse_binary(in, why);
    if (st != QR_OK)
        return st;
    mbox mb = {.rc = rc, .u = u, .prev_blank = 1};
    char *win = malloc(MBOX_LINE_MAX + RD_CHUNK);
    size_t have = 0;
    if (!win)
        return rd_fail(why, QR_ERR_NOMEM, "out of memory");
    for (;;) {
        ptrdiff_t r = rd_in_read(in, win + have, MBOX_LINE_MAX + RD_CHUNK - have);
        if (r < 0) {
            if (!in->damaged || in->from_archive || in->err == QR_ERR_TOO_BIG) {
                st = rd_fail(why, in->err, "%s", in->msg);
                break;
            }
            rd_warn(rc, u->where, "%s: the mailbox is cut short there", in->msg);
            r = 0;
        }
        have += (size_t)r;
        size_t pos = 0;
        while (st == QR_OK && pos < have) {
            const char *nl = memchr(win + pos, '\n', have - pos);
            if (!nl && r > 0 && have - pos <= MBOX_LINE_MAX)
                break;   /* wait for the rest of the line */
            size_t end = nl ? (size_t)(nl - win) + 1 : have;
            st = piece(&mb, win + pos, end - pos, nl != NULL, why);
            pos = end;
        }
        memmove(win, win + pos, have - pos);
        have -= pos;
        if (st != QR_OK || r == 0)
            break;
    }
    if (st == QR_OK)
        st = finish(&mb, why);
    free(win);
    qr_buf_free(&mb.msg);
    qr_buf_free(&mb.key);
    free(mb.ids.slot);
    return st;
}

/*
 * frame.h — the records quarry-extract writes to its parent (sandbox.c):
 * one small versioned binary framing, encoded and decoded in frame.c only.
 *
 * The stream: the 4 bytes "QRX" + version (QR_FRAME_VERSION), then
 * records, each a type byte, a payload length (u32) and the payload:
 *
 *   'A' article   id, title, url, date, author, lang, body (strings),
 *                 format (u8), npages (u32), npages offsets (u64 each)
 *   'W' warning   where, reason (strings)
 *   'E' end       status (u32, a qr_status), warnings (u64: every problem
 *                 the child counted), reason (string, "" on success);
 *                 the last record
 *
 * Numbers are little-endian; a string is its length (u32), its bytes
 * (no NUL among them) and a NUL, so a decoded string points into the
 * record. The decoder checks every length against what is left.
 */
#ifndef QUARRY_FRAME_H
#define QUARRY_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "reader.h"
#include "status.h"

#define QR_FRAME_MAGIC     "QRX\002"
#define QR_FRAME_MAGIC_LEN 4
#define QR_FRAME_VERSION   2
#define QR_FRAME_HEAD      5          /* type byte + u32 payload length */

enum { QR_FRAME_ARTICLE = 'A', QR_FRAME_WARNING = 'W', QR_FRAME_END = 'E' };

/* Encoders: append one record (or the stream's magic) to out. 0, or -1
 * on out of memory. */
int qr_frame_start(qr_buf *out);
int qr_frame_article(qr_buf *out, const qr_article *a);
int qr_frame_warning(qr_buf *out, const char *where, const char *reason);
int qr_frame_end(qr_buf *out, qr_status st, uint64_t warnings, const char *reason);

/* One decoded record. Strings point into the payload it was decoded
 * from; pages are allocated (qr_frame_clear frees them). */
typedef struct qr_frame {
    int         type;
    qr_article  article;          /* QR_FRAME_ARTICLE                      */
    size_t     *pages;            /* article.pages                         */
    const char *where;            /* QR_FRAME_WARNING                      */
    const char *reason;           /* QR_FRAME_WARNING, QR_FRAME_END        */
    qr_status   status;           /* QR_FRAME_END                          */
    uint64_t    warnings;         /* QR_FRAME_END                          */
} qr_frame;

/* The type and payload length of the record whose QR_FRAME_HEAD bytes
 * are at p. */
void qr_frame_head(const unsigned char *p, int *type, uint32_t *len);

/* Decodes one payload of a record of type. QR_OK, QR_ERR_NOMEM, or
 * QR_ERR_FORMAT with *err saying what is wrong. */
qr_status qr_frame_decode(int type, const unsigned char *p, size_t n,
                          qr_frame *f, const char **err);
void qr_frame_clear(qr_frame *f);

#endif

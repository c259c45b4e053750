/*
 * status.h — the one status vocabulary of the library, above the binding.
 *
 * Every qr_* function that can fail returns a qr_status; the library never
 * prints or exits. The binding's own codes (xc_status) are turned into
 * these in exactly one place, qr_status_from_xc, so a failure means the
 * same thing whichever side of the library met it.
 */
#ifndef QUARRY_STATUS_H
#define QUARRY_STATUS_H

#include "xapian-c.h"

typedef enum qr_status {
    QR_OK = 0,
    QR_ERR_IO,        /* cannot open / read / write a file           */
    QR_ERR_FORMAT,    /* input is not what its name or content says  */
    QR_ERR_TOO_BIG,   /* input larger than the configured limit      */
    QR_ERR_NOMEM,     /* allocation failed                           */
    QR_ERR_LOCKED,    /* index held by another writer                */
    QR_ERR_NOINDEX,   /* no index at the given path                  */
    QR_ERR_INDEX,     /* any other index (xapian-core) failure       */
    QR_ERR_USAGE,     /* caller passed something invalid             */
    QR_ERR_STOPPED    /* a callback asked to stop                    */
} qr_status;

/* A short constant English description ("out of memory", ...). */
const char *qr_status_str(qr_status st);

/* The qr_status for a binding status:
 *   XC_OK            QR_OK
 *   XC_NOT_FOUND     QR_ERR_NOINDEX  (no database at a path)
 *   XC_LOCKED        QR_ERR_LOCKED
 *   XC_IO            QR_ERR_IO       (disk full, permissions)
 *   XC_NOMEM         QR_ERR_NOMEM
 *   XC_INVALID_ARG   QR_ERR_USAGE    (a caller's mistake)
 *   anything else    QR_ERR_INDEX    (corrupt, version, network, ...) */
qr_status qr_status_from_xc(xc_status st);

#endif

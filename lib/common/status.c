/*
 * status.c — names of the library's statuses and the single mapping from
 * the binding's statuses to them.
 */
#include "status.h"

const char *qr_status_str(qr_status st)
{
    switch (st) {
    case QR_OK: return "ok";
    case QR_ERR_IO: return "I/O error";
    case QR_ERR_FORMAT: return "malformed input";
    case QR_ERR_TOO_BIG: return "input too large";
    case QR_ERR_NOMEM: return "out of memory";
    case QR_ERR_LOCKED: return "index locked by another writer";
    case QR_ERR_NOINDEX: return "no such index";
    case QR_ERR_INDEX: return "index error";
    case QR_ERR_USAGE: return "invalid argument";
    case QR_ERR_STOPPED: return "stopped";
    }
    return "unknown status";
}

qr_status qr_status_from_xc(xc_status st)
{
    switch (st) {
    case XC_OK: return QR_OK;
    case XC_NOT_FOUND: return QR_ERR_NOINDEX;
    case XC_LOCKED: return QR_ERR_LOCKED;
    case XC_IO: return QR_ERR_IO;
    case XC_NOMEM: return QR_ERR_NOMEM;
    case XC_INVALID_ARG: return QR_ERR_USAGE;
    default: return QR_ERR_INDEX;
    }
}

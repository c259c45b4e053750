/*
 * check.h — verifies an index: xapian-core's checker over its tables, then
 * Quarry's own invariants (quarry-index --check).
 */
#ifndef QUARRY_CHECK_H
#define QUARRY_CHECK_H

#include <stddef.h>

#include "util.h"

/* One fault found by qr_index_check: what is wrong, in one line. */
typedef void (*qr_check_cb)(void *ctx, const char *fault);

/* Verifies the index at db_path: xapian-core's checker over every table of
 * the live database, then Quarry's own invariants: every passage belongs to
 * exactly one known source, every finished source has exactly the passages
 * its bookkeeping says (and none only if it had no text), the stub points
 * at an existing version. Interrupted runs leave sources marked partial;
 * those are reported as notes (the next run redoes them), not faults.
 * *faults receives the number of faults (each also passed to cb).
 * Returns QR_OK when the check ran (whatever it found), QR_ERR_NOINDEX,
 * QR_ERR_INDEX (cannot open at all: counted as a fault too), QR_ERR_NOMEM. */
qr_status qr_index_check(const char *db_path, qr_check_cb cb, void *ctx,
                         size_t *faults, size_t *notes, qr_buf *err);

#endif

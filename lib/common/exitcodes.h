/*
 * exitcodes.h — the tools' exit codes, in one place, documented in each
 * tool's --help and in the README. Scripts act on these numbers, so they
 * never change meaning.
 */
#ifndef QUARRY_EXITCODES_H
#define QUARRY_EXITCODES_H

/* quarry-index */
enum {
    QR_EXIT_INDEX_OK = 0,        /* every source indexed (or unchanged)     */
    QR_EXIT_INDEX_SKIPPED = 1,   /* done, but some sources/parts skipped    */
    QR_EXIT_INDEX_USAGE = 2,     /* bad command line                        */
    QR_EXIT_INDEX_LOCKED = 3,    /* another writer holds the index          */
    QR_EXIT_INDEX_FAILURE = 4,   /* anything else: nothing half-committed   */
    QR_EXIT_INDEX_HELD = 5       /* done, but a SOURCE was missing,
                                    unreadable or empty, or would have lost
                                    more than --max-delete: what the index
                                    had under it was kept                  */
};

/* quarry-query */
enum {
    QR_EXIT_QUERY_FOUND = 0,     /* at least one result                     */
    QR_EXIT_QUERY_NONE = 1,      /* ran fine, no results                    */
    QR_EXIT_QUERY_USAGE = 2,     /* bad command line                        */
    QR_EXIT_QUERY_NOINDEX = 3,   /* no index at --db                        */
    QR_EXIT_QUERY_FAILURE = 4    /* anything else (corrupt index, I/O ...)  */
};

/* quarry-serve */
enum {
    QR_EXIT_SERVE_OK = 0,        /* stopped by SIGINT or SIGTERM            */
    QR_EXIT_SERVE_USAGE = 2,     /* bad command line                        */
    QR_EXIT_SERVE_NOINDEX = 3,   /* no index at --db when starting          */
    QR_EXIT_SERVE_FAILURE = 4    /* cannot listen, the index cannot be
                                    opened, out of memory                  */
};

#endif

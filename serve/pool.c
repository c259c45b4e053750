/*
 * pool.c — the worker threads' searchers: one qr_searcher per thread,
 * opened on its first request and brought up to date before each one (a
 * new commit: reopen; a rebuild's new stub: open anew).
 */
#include "serve.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* One thread's searcher. */
typedef struct slot {
    qr_searcher *s;
    struct slot *next;
} slot;

struct serve_pool {
    const char *const *paths;
    size_t n;
    pthread_mutex_t lock;      /* guards slots                              */
    slot *slots;               /* every thread's, for pool_free             */
    atomic_uint_fast64_t reopens;
};

/* The calling thread's slot in the (one) pool. */
static _Thread_local slot *mine;

int pool_new(const char *const *paths, size_t n, serve_pool **out)
{
    serve_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->paths = paths;
    p->n = n;
    pthread_mutex_init(&p->lock, NULL);
    atomic_init(&p->reopens, 0);
    *out = p;
    return 0;
}

qr_status pool_searcher(serve_pool *p, qr_searcher **out, qr_buf *err)
{
    if (!mine) {
        slot *sl = calloc(1, sizeof *sl);
        if (!sl)
            return QR_ERR_NOMEM;
        pthread_mutex_lock(&p->lock);
        sl->next = p->slots;
        p->slots = sl;
        pthread_mutex_unlock(&p->lock);
        mine = sl;
    }
    if (mine->s && qr_searcher_changed(mine->s)) {
        /* a rebuild switched the stub: xapian-core's reopen would stay on
         * the old version, so open the new one */
        qr_searcher_close(mine->s);
        mine->s = NULL;
    }
    if (mine->s) {
        int changed = 0;
        if (qr_searcher_refresh(mine->s, &changed, err) == QR_OK) {
            if (changed)
                atomic_fetch_add(&p->reopens, 1);
            *out = mine->s;
            return QR_OK;
        }
        /* the version went away under it: open what is live now */
        qr_searcher_close(mine->s);
        mine->s = NULL;
    }
    qr_searcher *s = NULL;
    qr_status st = qr_searcher_open(p->paths, p->n, &s, err);
    if (st != QR_OK)
        return st;
    mine->s = s;
    atomic_fetch_add(&p->reopens, 1);
    *out = s;
    return QR_OK;
}

void pool_discard(serve_pool *p)
{
    (void)p;
    if (mine) {
        qr_searcher_close(mine->s);
        mine->s = NULL;
    }
}

uint64_t pool_reopens(const serve_pool *p)
{
    return atomic_load(&((serve_pool *)p)->reopens);
}

void pool_free(serve_pool *p)
{
    if (!p)
        return;
    for (slot *sl = p->slots, *next; sl; sl = next) {
        next = sl->next;
        qr_searcher_close(sl->s);
        free(sl);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/*
 * zip_writer.h — a minimal zip writer for the tests and fuzzers of the
 * package readers: members stored or deflated, or given as raw data under
 * headers that state any size (zip bombs), built in memory.
 */
#ifndef QUARRY_ZIP_WRITER_H
#define QUARRY_ZIP_WRITER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct zw_buf {
    unsigned char *p;
    size_t n, cap;
} zw_buf;

typedef struct zw_zip {
    zw_buf out, cd;       /* local headers and data; central directory */
    unsigned count;
} zw_zip;

static inline void zw_put(zw_buf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        unsigned char *np = realloc(b->p, cap);
        if (!np)
            abort();
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
}

static inline void zw_le(zw_buf *b, uint32_t v, int n)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    zw_put(b, x, (size_t)n);
}

/* A member whose data (compressed, if method is 8) is given as is, under
 * headers stating crc and an uncompressed size of claimed bytes. */
static inline void zw_raw(zw_zip *z, const char *name, size_t name_len, int method,
                          const void *data, size_t n, uint32_t crc, uint32_t claimed)
{
    uint32_t off = (uint32_t)z->out.n, nl = (uint32_t)name_len;
    const uint32_t local[] = {0x04034b50, 20, 0, (uint32_t)method, 0, crc, (uint32_t)n, claimed,
                              nl, 0};
    const int lsize[] = {4, 2, 2, 2, 4, 4, 4, 4, 2, 2};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        zw_le(&z->out, local[i], lsize[i]);
    zw_put(&z->out, name, nl);
    zw_put(&z->out, data, n);
    /* made by Unix (3), so the external attributes are a mode: a file */
    const uint32_t central[] = {0x02014b50, 0x0314, 20, 0, (uint32_t)method, 0, crc, (uint32_t)n,
                                claimed, nl, 0, 0, 0, 0, 0100644u << 16, off};
    const int csize[] = {4, 2, 2, 2, 2, 4, 4, 4, 4, 2, 2, 2, 2, 2, 4, 4};
    for (size_t i = 0; i < sizeof central / sizeof central[0]; i++)
        zw_le(&z->cd, central[i], csize[i]);
    zw_put(&z->cd, name, nl);
    z->count++;
}

/* Compresses n bytes into out (raw deflate), flushing as told. */
static inline void zw_deflate(z_stream *zs, const void *in, size_t n, int flush, zw_buf *out)
{
    unsigned char buf[1 << 14];
    zs->next_in = (Bytef *)in;
    zs->avail_in = (uInt)n;
    do {
        zs->next_out = buf;
        zs->avail_out = sizeof buf;
        deflate(zs, flush);
        zw_put(out, buf, sizeof buf - zs->avail_out);
    } while (zs->avail_out == 0);
}

/* A member of n bytes, stored (deflate = 0) or deflated. */
static inline void zw_add(zw_zip *z, const char *name, const void *data, size_t n, int deflated)
{
    uint32_t crc = (uint32_t)crc32(0, (const Bytef *)data, (uInt)n);
    if (!deflated) {
        zw_raw(z, name, strlen(name), 0, data, n, crc, (uint32_t)n);
        return;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    zw_buf d = {0};
    zw_deflate(&zs, data, n, Z_FINISH, &d);
    deflateEnd(&zs);
    zw_raw(z, name, strlen(name), 8, d.p, d.n, crc, (uint32_t)n);
    free(d.p);
}

/* The finished zip, malloc'd (*len bytes); z is emptied for reuse. */
static inline unsigned char *zw_end(zw_zip *z, size_t *len)
{
    uint32_t cd_off = (uint32_t)z->out.n;
    zw_put(&z->out, z->cd.p, z->cd.n);
    const uint32_t end[] = {0x06054b50, 0, z->count, z->count, (uint32_t)z->cd.n, cd_off, 0};
    const int esize[] = {4, 4, 2, 2, 4, 4, 2};
    for (size_t i = 0; i < sizeof end / sizeof end[0]; i++)
        zw_le(&z->out, end[i], esize[i]);
    free(z->cd.p);
    unsigned char *p = z->out.p;
    *len = z->out.n;
    memset(z, 0, sizeof *z);
    return p;
}

#endif

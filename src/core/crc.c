/* Parallel CRC-32; see crc.h. The combine step is exact (GF(2) shift of
 * one CRC by the other piece's length), so the result is bit-identical to
 * one pass. zlib's crc32 runs at a few GB/s on one core: a 28 MB model
 * file cost about 10 ms of an otherwise parallel command. */
#include "core/crc.h"

#include <stdlib.h>
#include <zlib.h>

#include "hindcast/parallel.h"

#define PIECE ((size_t)1 << 20)

typedef struct crc_pieces {
    const unsigned char *p;
    size_t n;
    uLong *crc;
} crc_pieces;

static int crc_piece(void *ctx, size_t i, int worker)
{
    crc_pieces *c = ctx;
    (void)worker;
    size_t off = i * PIECE;
    size_t len = c->n - off < PIECE ? c->n - off : PIECE;
    c->crc[i] = hc_crc32_more(0, c->p + off, len);
    return 0;
}

uint32_t hc_crc32_threads(const void *p, size_t n, int threads)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t npieces = (n + PIECE - 1) / PIECE;
    crc_pieces c = {p, n, NULL};
    if (threads > 1 && n >= 4 * PIECE)
        c.crc = malloc(npieces * sizeof *c.crc);
    if (!c.crc) /* one thread, small, or no memory for the table */
        return hc_crc32_more(0, p, n);
    hc_parallel_for_chunk(npieces, threads, 1, crc_piece, &c);
    for (size_t i = 0; i < npieces; i++) {
        size_t len = n - i * PIECE < PIECE ? n - i * PIECE : PIECE;
        crc = crc32_combine(crc, c.crc[i], (z_off_t)len);
    }
    free(c.crc);
    return (uint32_t)crc;
}

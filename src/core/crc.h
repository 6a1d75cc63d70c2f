/* CRC-32 (zlib's) of a large buffer on several threads (internal). */
#ifndef HC_CORE_CRC_H
#define HC_CORE_CRC_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

/* zlib's crc32 continued from crc over n bytes at p, for any size_t n
 * (zlib takes 32-bit lengths); start from crc32(0, Z_NULL, 0), i.e. 0.
 * Inline: callers pass buffers filled in loops the compiler cannot follow,
 * and a call into another unit made GCC warn of reading them unset. */
static inline uint32_t hc_crc32_more(uint32_t crc_in, const void *p, size_t n)
{
    const unsigned char *b = p;
    uLong crc = crc_in;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, b, k);
        b += k;
        n -= k;
    }
    return (uint32_t)crc;
}

/* zlib's crc32 of n bytes at p, the same value for any thread count:
 * 1 MiB pieces are checked in parallel and joined in order with
 * crc32_combine. Below 4 MiB, or with one thread, a plain loop. */
uint32_t hc_crc32_threads(const void *p, size_t n, int threads);

#endif

/* CRC-32 (zlib's) of a large buffer on several threads (internal). */
#ifndef HC_CORE_CRC_H
#define HC_CORE_CRC_H

#include <stddef.h>
#include <stdint.h>

/* zlib's crc32 of n bytes at p, the same value for any thread count:
 * 1 MiB pieces are checked in parallel and joined in order with
 * crc32_combine. Below 4 MiB, or with one thread, a plain loop. */
uint32_t hc_crc32_threads(const void *p, size_t n, int threads);

#endif

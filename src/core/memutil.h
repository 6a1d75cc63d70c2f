/* Small internal helpers shared by the readers (not public API). */
#ifndef HC_CORE_MEMUTIL_H
#define HC_CORE_MEMUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Grows the array *p of *cap elements of `elem` bytes (doubling, from 64)
 * until it holds at least `need`. 0, or -1 on overflow / out of memory
 * (the array is then unchanged). */
int hc_grow_array(void **p, size_t *cap, size_t need, size_t elem);

/* Multiply-xorshift hash over 8-byte words: fast for the short item keys
 * the readers intern. Stable across runs (no seed). */
uint64_t hc_hash_bytes(const char *p, size_t n);

/* n * elem zeroed bytes on cache lines of their own (64-byte aligned,
 * rounded up to whole lines), for scratch that one thread writes while
 * others write theirs: small neighbouring allocations would share lines
 * and pass them between cores on every write. free() releases it; NULL on
 * overflow or out of memory. */
void *hc_alloc_lines(size_t n, size_t elem);

#endif

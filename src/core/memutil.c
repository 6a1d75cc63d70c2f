/* Shared array growth and key hashing; see core/memutil.h. */
#include "core/memutil.h"

#include <stdlib.h>
#include <string.h>

int hc_grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem)
            return -1;
        c *= 2;
    }
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

uint64_t hc_hash_bytes(const char *p, size_t n)
{
    const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
    uint64_t h = (uint64_t)n * k;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        for (size_t i = 0; i < n; i++)
            w |= (uint64_t)(unsigned char)p[i] << (8 * i);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    h *= UINT64_C(0xBF58476D1CE4E5B9);
    h ^= h >> 32;
    return h;
}

void *hc_alloc_lines(size_t n, size_t elem)
{
    const size_t line = 64;
    if (elem && n > (SIZE_MAX - line) / elem)
        return NULL;
    size_t bytes = (n * elem + line - 1) / line * line;
    void *p = NULL;
    if (posix_memalign(&p, line, bytes ? bytes : line) != 0)
        return NULL;
    memset(p, 0, bytes ? bytes : line);
    return p;
}

/* hindcast: a deterministic parallel-for over indices.
 *
 * Work is handed out in chunks through an atomic counter; each index is
 * processed exactly once and results must be written to per-index slots,
 * so the outcome never depends on scheduling. */
#ifndef HINDCAST_PARALLEL_H
#define HINDCAST_PARALLEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* fn(ctx, index, worker) for every index in [0, n). worker is in
 * [0, threads). Returns 0, or the first non-zero value returned by fn
 * (the remaining indices are then skipped). threads <= 1 runs inline. */
int hc_parallel_for(size_t n, int threads,
                    int (*fn)(void *ctx, size_t index, int worker), void *ctx);
/* The same, each thread taking `chunk` consecutive indices at a time
 * (hc_parallel_for picks 1 to 64 by n). */
int hc_parallel_for_chunk(size_t n, int threads, size_t chunk,
                          int (*fn)(void *ctx, size_t index, int worker), void *ctx);

/* Number of online CPUs (>= 1). */
int hc_cpu_count(void);

/* Pins OpenBLAS to one thread (our workers are the parallelism). */
void hc_blas_single_thread(void);

#ifdef __cplusplus
}
#endif
#endif

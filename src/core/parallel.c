/* Deterministic parallel-for; see hindcast/parallel.h. */
#include "hindcast/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <cblas.h>

typedef struct pool_state {
    size_t n;
    size_t chunk;
    atomic_size_t next;
    atomic_int failure;
    int (*fn)(void *ctx, size_t index, int worker);
    void *ctx;
} pool_state;

typedef struct worker_arg {
    pool_state *state;
    int worker;
} worker_arg;

static void *worker_main(void *p)
{
    worker_arg *arg = p;
    pool_state *st = arg->state;
    for (;;) {
        if (atomic_load(&st->failure) != 0)
            break;
        size_t begin = atomic_fetch_add(&st->next, st->chunk);
        if (begin >= st->n)
            break;
        size_t end = begin + st->chunk < st->n ? begin + st->chunk : st->n;
        for (size_t i = begin; i < end; i++) {
            int rc = st->fn(st->ctx, i, arg->worker);
            if (rc != 0) {
                int expected = 0;
                atomic_compare_exchange_strong(&st->failure, &expected, rc);
                return NULL;
            }
        }
    }
    return NULL;
}

int hc_parallel_for(size_t n, int threads,
                    int (*fn)(void *ctx, size_t index, int worker), void *ctx)
{
    /* Small chunks balance uneven items; 8+ chunks per thread, counting
     * the threads that run (hc_parallel_for_chunk starts at most 64). */
    int running = threads > 64 ? 64 : threads;
    size_t chunk = running > 1 ? n / ((size_t)running * 8) : 1;
    if (chunk > 64)
        chunk = 64;
    return hc_parallel_for_chunk(n, threads, chunk, fn, ctx);
}

int hc_parallel_for_chunk(size_t n, int threads, size_t chunk,
                          int (*fn)(void *ctx, size_t index, int worker), void *ctx)
{
    if (n == 0)
        return 0;
    if (threads > 64)
        threads = 64;
    if (threads <= 1 || n == 1) {
        for (size_t i = 0; i < n; i++) {
            int rc = fn(ctx, i, 0);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    if ((size_t)threads > n)
        threads = (int)n;
    pool_state st;
    st.n = n;
    st.chunk = chunk < 1 ? 1 : chunk;
    atomic_init(&st.next, 0);
    atomic_init(&st.failure, 0);
    st.fn = fn;
    st.ctx = ctx;

    pthread_t tids[64];
    worker_arg args[64];
    int started = 0;
    for (int t = 1; t < threads; t++) {
        args[t].state = &st;
        args[t].worker = t;
        if (pthread_create(&tids[t], NULL, worker_main, &args[t]) != 0)
            break; /* run with the threads we got */
        started = t;
    }
    args[0].state = &st;
    args[0].worker = 0;
    worker_main(&args[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tids[t], NULL);
    return atomic_load(&st.failure);
}

int hc_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 1024 ? 1024 : (int)n);
}

void hc_blas_single_thread(void)
{
    openblas_set_num_threads(1);
}

#include "predictor/inorder.h"

#include "hindcast/parallel.h"

#include <stdlib.h>
#include <string.h>

int hc_inorder_init(hc_inorder *q, size_t cap,
                    int (*commit)(void *ctx, size_t index, hc_error *err),
                    void *ctx, hc_error *err)
{
    memset(q, 0, sizeof *q);
    q->commit = commit;
    q->ctx = ctx;
    q->cap = cap ? cap : 1;
    q->done = calloc(q->cap, 1);
    if (!q->done)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        return hc_error_set(err, HC_ERR_INTERNAL, "cannot create a mutex");
    q->mutex_ready = 1;
    if (pthread_cond_init(&q->room, NULL) != 0)
        return hc_error_set(err, HC_ERR_INTERNAL, "cannot create a condition variable");
    q->cond_ready = 1;
    return 0;
}

void hc_inorder_start(hc_inorder *q, size_t n)
{
    q->n = n;
    q->next = 0;
    q->failed = 0;
    memset(q->done, 0, q->cap);
}

int hc_inorder_wait(hc_inorder *q, size_t index)
{
    pthread_mutex_lock(&q->mu);
    while (!q->failed && index >= q->next + q->cap)
        pthread_cond_wait(&q->room, &q->mu);
    int failed = q->failed;
    pthread_mutex_unlock(&q->mu);
    return failed ? -1 : 0;
}

int hc_inorder_done(hc_inorder *q, size_t first, size_t count, hc_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    for (size_t i = first; i < first + count; i++)
        q->done[i % q->cap] = 1;
    if (q->committing) {
        pthread_mutex_unlock(&q->mu);
        return 0;
    }
    q->committing = 1;
    while (!q->failed && q->next < q->n && q->done[q->next % q->cap]) {
        size_t i = q->next;
        pthread_mutex_unlock(&q->mu);
        rc = q->commit(q->ctx, i, err);
        pthread_mutex_lock(&q->mu);
        if (rc) {
            q->failed = 1;
            break;
        }
        q->done[i % q->cap] = 0;
        q->next++;
        pthread_cond_broadcast(&q->room);
    }
    if (q->failed)
        pthread_cond_broadcast(&q->room);
    q->committing = 0;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void hc_inorder_fail(hc_inorder *q)
{
    pthread_mutex_lock(&q->mu);
    q->failed = 1;
    pthread_cond_broadcast(&q->room);
    pthread_mutex_unlock(&q->mu);
}

typedef struct inorder_run {
    hc_inorder *q;
    int (*item)(void *ctx, size_t index, int worker, hc_error *err);
    void *ctx;
    hc_error *errors;
    size_t n, block;
} inorder_run;

/* Items [b * block, b * block + block) in turn, then one hand-over for all
 * of them: the window's lock is taken twice a block, not twice an item. */
static int run_block(void *p, size_t b, int worker)
{
    inorder_run *r = p;
    hc_error *err = &r->errors[worker];
    size_t first = b * r->block;
    size_t count = r->n - first < r->block ? r->n - first : r->block;
    if (hc_inorder_wait(r->q, first + count - 1) != 0)
        return 1; /* the run failed; the failing worker holds the error */
    for (size_t i = first; i < first + count; i++) {
        int rc = r->item(r->ctx, i, worker, err);
        if (rc) {
            hc_inorder_fail(r->q); /* item never done: wake the waiters */
            return rc;
        }
    }
    return hc_inorder_done(r->q, first, count, err);
}

size_t hc_inorder_block(size_t n, int threads, size_t cap)
{
    /* Cheap items (a seasonal-naive fit or forecast is 1-3 microseconds)
     * spent as long on the lock as on their work; 16 to a block cuts that
     * to noise. Few items keep blocks of 1, so that slow fits still
     * spread over every thread: at least 64 blocks a thread. */
    size_t per = (size_t)(threads < 1 ? 1 : threads) * 64;
    size_t block = n / per;
    if (block > 16)
        block = 16;
    if (block > cap)
        block = cap;
    return block < 1 ? 1 : block;
}

int hc_inorder_run(hc_inorder *q, size_t n, int threads,
                   int (*item)(void *ctx, size_t index, int worker, hc_error *err),
                   void *ctx, hc_error *errors, hc_error *err)
{
    inorder_run r = {q, item, ctx, errors, n, hc_inorder_block(n, threads, q->cap)};
    hc_inorder_start(q, n);
    /* One block a claim: a worker's claim must stay far smaller than the
     * window, or the other workers wait for its oldest items. */
    int rc = hc_parallel_for_chunk((n + r.block - 1) / r.block, threads, 1, run_block, &r);
    if (rc == 0)
        return 0;
    for (int t = 0; t < threads; t++)
        if (errors[t].code) {
            *err = errors[t];
            return err->code;
        }
    return hc_error_set(err, HC_ERR_INTERNAL, "a worker stopped without an error");
}

void hc_inorder_free(hc_inorder *q)
{
    if (q->cond_ready)
        pthread_cond_destroy(&q->room);
    if (q->mutex_ready)
        pthread_mutex_destroy(&q->mu);
    q->cond_ready = q->mutex_ready = 0;
    free(q->done);
    q->done = NULL;
}

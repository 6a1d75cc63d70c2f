/* In-order hand-over of items finished in parallel (training's model file,
 * the export's totals and sink). */
#ifndef HINDCAST_PREDICTOR_INORDER_H
#define HINDCAST_PREDICTOR_INORDER_H

#include <pthread.h>
#include <stddef.h>

#include "hindcast/error.h"

/* Items [0, n) are finished in any order by any worker; each goes to
 * `commit` in index order, so what it accumulates is the same for any
 * thread count. One thread at a time commits, and without the lock held:
 * a worker that finishes an item while another thread is committing only
 * marks it done and goes on; the committing thread sees the mark when it
 * takes the lock again. After a failed commit nothing more is committed.
 *
 * At most `cap` items are in flight (started, not yet committed): a worker
 * calls hc_inorder_wait before it starts item i, so per-item buffers can
 * live in a ring of cap slots (slot i % cap), with no barrier between
 * groups of items. Workers must take their items in increasing order
 * (each worker's own sequence increasing, as hc_parallel_for's chunks
 * are): then the oldest unfinished item always belongs to a worker that is
 * not waiting, and the window always moves on. */
typedef struct hc_inorder {
    int (*commit)(void *ctx, size_t index, hc_error *err);
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t room; /* `next` moved on, or the run failed */
    int mutex_ready, cond_ready;
    unsigned char *done; /* cap flags, item i at i % cap */
    size_t cap, n, next;
    int committing; /* a thread is committing items */
    int failed;
} hc_inorder;

int hc_inorder_init(hc_inorder *q, size_t cap,
                    int (*commit)(void *ctx, size_t index, hc_error *err),
                    void *ctx, hc_error *err);
/* Starts a run of n items (any number), none done. */
void hc_inorder_start(hc_inorder *q, size_t n);
/* Blocks until item `index` fits in the window (index < next + cap).
 * Returns 0, or -1 once the run failed (a commit or hc_inorder_fail; the
 * failing worker holds the error). */
int hc_inorder_wait(hc_inorder *q, size_t index);
/* Items [first, first + count) are finished: commits them and every
 * finished item after them that its turn has come for. Returns the
 * commit's error, else 0. */
int hc_inorder_done(hc_inorder *q, size_t first, size_t count, hc_error *err);
/* A worker gives up on its item (cancelled, or it failed before
 * hc_inorder_done): nothing more is committed and waiting workers return
 * -1, since the window can never move past that item. A worker that
 * returns an error from an item must call this (or have had its commit
 * fail), or workers waiting for room wait forever. */
void hc_inorder_fail(hc_inorder *q);
/* The whole run on `threads` threads, in blocks of consecutive items
 * (hc_inorder_block), one block a claim: for each block, waits for room in
 * the window for all of it, calls item(ctx, index, worker, err) for each
 * of its items to do the work into its ring slot, then hands the block
 * over (hc_inorder_done). A block is never wider than the window, so the
 * worker holding the oldest unfinished item never waits. An
 * item that fails, or a failed commit, stops the run and wakes the
 * waiting workers (hc_inorder_fail). errors: one zeroed hc_error per
 * thread, for the items; the first one set is copied to *err. Returns 0,
 * or that error's status. */
int hc_inorder_run(hc_inorder *q, size_t n, int threads,
                   int (*item)(void *ctx, size_t index, int worker, hc_error *err),
                   void *ctx, hc_error *errors, hc_error *err);
/* Items per block in hc_inorder_run for n items on `threads` threads and
 * a window of cap: 1 to 16, never more than cap. */
size_t hc_inorder_block(size_t n, int threads, size_t cap);
/* NULL-safe after a zeroed or initialised q. */
void hc_inorder_free(hc_inorder *q);

#endif

/* In-order hand-over of items finished in parallel (training's model file,
 * the export's totals and sink). */
#ifndef HINDCAST_PREDICTOR_INORDER_H
#define HINDCAST_PREDICTOR_INORDER_H

#include <pthread.h>
#include <stddef.h>

#include "hindcast/error.h"

/* Items [0, n) of a batch are finished in any order by any worker; each
 * goes to `commit` in index order, so what it accumulates is the same for
 * any thread count. One thread at a time commits, and without the lock held:
 * a worker that finishes an item while another thread is committing only
 * marks it done and goes on; the committing thread sees the mark when it
 * takes the lock again. After a failed commit nothing more is committed. */
typedef struct hc_inorder {
    int (*commit)(void *ctx, size_t index, hc_error *err);
    void *ctx;
    pthread_mutex_t mu;
    int mutex_ready;
    unsigned char *done; /* cap flags */
    size_t n, next;
    int committing; /* a thread is committing items */
    int failed;
} hc_inorder;

/* For batches of up to cap items. */
int hc_inorder_init(hc_inorder *q, size_t cap,
                    int (*commit)(void *ctx, size_t index, hc_error *err),
                    void *ctx, hc_error *err);
/* Starts a batch of n <= cap items, none done. */
void hc_inorder_start(hc_inorder *q, size_t n);
/* Item `index` is finished: commits it and every finished item after it
 * that its turn has come for. Returns the commit's error, else 0. */
int hc_inorder_done(hc_inorder *q, size_t index, hc_error *err);
/* NULL-safe after a zeroed or initialised q. */
void hc_inorder_free(hc_inorder *q);

#endif

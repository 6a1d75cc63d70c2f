#include "predictor/inorder.h"

#include <stdlib.h>
#include <string.h>

int hc_inorder_init(hc_inorder *q, size_t cap,
                    int (*commit)(void *ctx, size_t index, hc_error *err),
                    void *ctx, hc_error *err)
{
    memset(q, 0, sizeof *q);
    q->commit = commit;
    q->ctx = ctx;
    q->done = calloc(cap ? cap : 1, 1);
    if (!q->done)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        return hc_error_set(err, HC_ERR_INTERNAL, "cannot create a mutex");
    q->mutex_ready = 1;
    return 0;
}

void hc_inorder_start(hc_inorder *q, size_t n)
{
    q->n = n;
    q->next = 0;
    memset(q->done, 0, n);
}

int hc_inorder_done(hc_inorder *q, size_t index, hc_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    q->done[index] = 1;
    if (q->committing) {
        pthread_mutex_unlock(&q->mu);
        return 0;
    }
    q->committing = 1;
    while (!q->failed && q->next < q->n && q->done[q->next]) {
        size_t i = q->next;
        pthread_mutex_unlock(&q->mu);
        rc = q->commit(q->ctx, i, err);
        pthread_mutex_lock(&q->mu);
        if (rc) {
            q->failed = 1;
            break;
        }
        q->next++;
    }
    q->committing = 0;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void hc_inorder_free(hc_inorder *q)
{
    if (q->mutex_ready)
        pthread_mutex_destroy(&q->mu);
    q->mutex_ready = 0;
    free(q->done);
    q->done = NULL;
}

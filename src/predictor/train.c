/* Training: fit every (item, window) in parallel, write them in item order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/parallel.h"
#include "predictor/modelfile.h"
#include "predictor/predictor.h"

/* Items are fitted in batches so that the serialised fits held in memory
 * stay bounded whatever the dataset size. A fitted item goes to the model
 * file as soon as every earlier item has (by whichever worker completes
 * the run, see commit_ready), so writing overlaps fitting. */
#define TRAIN_BATCH 2048

typedef struct item_fit {
    hc_buf entries;
    size_t fitted, excluded, fallbacks;
    size_t by_algorithm[16];
} item_fit;

typedef struct train_ctx {
    const hc_predictor_def *def;
    const hc_dataset *ds;
    size_t batch_begin, batch_n;
    item_fit *results;
    hc_error *worker_errors; /* one per worker */
    hc_model_writer *writer;
    hc_train_summary *summary;
    pthread_mutex_t mu;
    unsigned char *done;
    size_t next_commit;
    int commit_failed;
} train_ctx;

/* Item `index` of the batch is fitted: every fitted item from the first not
 * yet written goes to the model file and the summary, in item order. */
static int commit_ready(train_ctx *ctx, size_t index, hc_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&ctx->mu);
    ctx->done[index] = 1;
    while (!ctx->commit_failed && ctx->next_commit < ctx->batch_n &&
           ctx->done[ctx->next_commit]) {
        item_fit *r = &ctx->results[ctx->next_commit];
        rc = hc_model_writer_append(ctx->writer, r->entries.data, r->entries.len, err);
        if (rc) {
            ctx->commit_failed = 1;
            break;
        }
        ctx->summary->fitted += r->fitted;
        ctx->summary->excluded += r->excluded;
        ctx->summary->fallbacks += r->fallbacks;
        for (int a = 0; a < 16; a++)
            ctx->summary->by_algorithm[a] += r->by_algorithm[a];
        ctx->next_commit++;
    }
    pthread_mutex_unlock(&ctx->mu);
    return rc;
}

static int fit_item(void *p, size_t index, int worker)
{
    train_ctx *ctx = p;
    const hc_predictor_def *def = ctx->def;
    const hc_dataset *ds = ctx->ds;
    size_t item = ctx->batch_begin + index;
    const hc_series *s = &ds->series[item];
    item_fit *res = &ctx->results[index];
    hc_error *err = &ctx->worker_errors[worker];
    hc_buf_reset(&res->entries);
    res->fitted = res->excluded = res->fallbacks = 0;
    memset(res->by_algorithm, 0, sizeof res->by_algorithm);

    for (int k = 0; k < def->nwindows; k++) {
        size_t train_len = 0;
        int64_t ws = hc_window_start(def, ds, k);
        hc_window_state state = hc_window_state_of(def, ds, s, ws, &train_len);
        if (state != HC_WIN_FITTED) {
            res->excluded++;
            if (hc_model_entry_append(&res->entries, state, NULL) != 0)
                return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            continue;
        }
        hc_fit_input in = {
            .y = ds->values + s->offset,
            .n = train_len,
            .season = hc_freq_season_length(def->freq),
            .freq = def->freq,
            .seed = hc_fit_seed(s, ds->ndims, k),
        };
        hc_fitted fit = {0};
        int rc = hc_model_fit_with_fallback(def->model, &in, &fit, err);
        if (rc != 0) {
            hc_fitted_clear(&fit);
            return rc < 0 ? rc : hc_error_set(err, HC_ERR_INTERNAL,
                                               "item %s: no model could be fitted",
                                               s->item_id);
        }
        res->fitted++;
        res->fallbacks += fit.fallback ? 1u : 0u;
        if (fit.algorithm < 16)
            res->by_algorithm[fit.algorithm]++;
        rc = hc_model_entry_append(&res->entries, HC_WIN_FITTED, &fit);
        hc_fitted_clear(&fit);
        if (rc != 0)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    return commit_ready(ctx, index, err);
}

int hc_train(const hc_predictor_def *def, const hc_dataset *ds, int threads,
             const char *model_path, hc_train_summary *summary, hc_error *err)
{
    memset(summary, 0, sizeof *summary);
    summary->items = ds->nseries;
    if (threads < 1)
        threads = 1;
    hc_model_writer *writer = NULL;
    int rc = hc_model_writer_open(&writer, model_path, ds->nseries, def->nwindows,
                                  err);
    if (rc)
        return rc;
    size_t batch = ds->nseries < TRAIN_BATCH ? ds->nseries : TRAIN_BATCH;
    item_fit *results = calloc(batch ? batch : 1, sizeof *results);
    hc_error *worker_errors = calloc((size_t)threads, sizeof *worker_errors);
    unsigned char *done_flags = calloc(batch ? batch : 1, 1);
    int mutex_ready = 0;
    train_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    if (!results || !worker_errors || !done_flags) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    ctx.def = def;
    ctx.ds = ds;
    ctx.results = results;
    ctx.worker_errors = worker_errors;
    ctx.writer = writer;
    ctx.summary = summary;
    ctx.done = done_flags;
    if (pthread_mutex_init(&ctx.mu, NULL) != 0) {
        rc = hc_error_set(err, HC_ERR_INTERNAL, "cannot create a mutex");
        goto done;
    }
    mutex_ready = 1;
    for (size_t begin = 0; begin < ds->nseries; begin += batch) {
        size_t n = ds->nseries - begin < batch ? ds->nseries - begin : batch;
        ctx.batch_begin = begin;
        ctx.batch_n = n;
        ctx.next_commit = 0;
        memset(done_flags, 0, n);
        rc = hc_parallel_for(n, threads, fit_item, &ctx);
        if (rc) {
            for (int t = 0; t < threads; t++)
                if (worker_errors[t].code) {
                    *err = worker_errors[t];
                    break;
                }
            goto done;
        }
    }
    rc = hc_model_writer_commit(writer, err);
    writer = NULL;
done:
    if (mutex_ready)
        pthread_mutex_destroy(&ctx.mu);
    free(done_flags);
    hc_model_writer_abort(writer);
    if (results)
        for (size_t i = 0; i < batch; i++)
            hc_buf_free(&results[i].entries);
    free(results);
    free(worker_errors);
    return rc;
}

json_t *hc_train_summary_json(const hc_train_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "ItemCount", json_integer((json_int_t)s->items));
    json_object_set_new(o, "FittedItemWindows", json_integer((json_int_t)s->fitted));
    json_object_set_new(o, "ExcludedItemWindows",
                        json_integer((json_int_t)s->excluded));
    json_object_set_new(o, "FallbackFits", json_integer((json_int_t)s->fallbacks));
    json_t *by = json_object();
    for (int a = 0; a < 16; a++) {
        if (!s->by_algorithm[a])
            continue;
        const hc_model *m = hc_model_by_id((hc_algorithm)a);
        json_object_set_new(by, m ? m->name : "unknown",
                            json_integer((json_int_t)s->by_algorithm[a]));
    }
    json_object_set_new(o, "FitsByAlgorithm", by);
    return o;
}

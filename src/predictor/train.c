/* Training: fit every (item, window) in parallel, write them in item order. */
#include <stdlib.h>
#include <string.h>

#include "hindcast/parallel.h"
#include "predictor/modelfile.h"
#include "predictor/predictor.h"

/* Items are fitted in batches so that the serialised fits held in memory
 * stay bounded whatever the dataset size. */
#define TRAIN_BATCH 2048

typedef struct item_fit {
    hc_buf entries;
    size_t fitted, excluded, fallbacks;
    size_t by_algorithm[16];
} item_fit;

typedef struct train_ctx {
    const hc_predictor_def *def;
    const hc_dataset *ds;
    size_t batch_begin;
    item_fit *results;
    hc_error *worker_errors; /* one per worker */
} train_ctx;

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
    return 0;
}

int hc_train(const hc_predictor_def *def, const hc_dataset *ds, int threads,
             const char *model_path, int (*cancelled)(void),
             hc_train_summary *summary, hc_error *err)
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
    if (!results || !worker_errors) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    train_ctx ctx = {def, ds, 0, results, worker_errors};
    for (size_t begin = 0; begin < ds->nseries; begin += batch) {
        size_t n = ds->nseries - begin < batch ? ds->nseries - begin : batch;
        if (cancelled && cancelled()) {
            rc = hc_error_set(err, HC_ERR_STOPPED, "Stopped by StopResource.");
            goto done;
        }
        ctx.batch_begin = begin;
        rc = hc_parallel_for(n, threads, fit_item, &ctx);
        if (rc) {
            for (int t = 0; t < threads; t++)
                if (worker_errors[t].code) {
                    *err = worker_errors[t];
                    break;
                }
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            rc = hc_model_writer_append(writer, results[i].entries.data,
                                        results[i].entries.len, err);
            if (rc)
                goto done;
            summary->fitted += results[i].fitted;
            summary->excluded += results[i].excluded;
            summary->fallbacks += results[i].fallbacks;
            for (int a = 0; a < 16; a++)
                summary->by_algorithm[a] += results[i].by_algorithm[a];
        }
    }
    rc = hc_model_writer_commit(writer, err);
    writer = NULL;
done:
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

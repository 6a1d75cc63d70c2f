/* Training: fit every (item, window) in parallel, write them in item order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/parallel.h"
#include "hindcast/metrics.h"
#include "predictor/inorder.h"
#include "predictor/modelfile.h"
#include "predictor/predictor.h"

/* A fitted item goes to the model file as soon as every earlier item has
 * (by whichever worker completes the run, see hc_inorder), so writing
 * overlaps fitting. At most TRAIN_WINDOW items are in flight, in a ring of
 * result buffers, so the serialised fits held in memory stay bounded
 * whatever the dataset size, with no barrier between groups of items. */
#define TRAIN_WINDOW 2048

typedef struct item_fit {
    hc_buf entries;
    size_t fitted, excluded, fallbacks;
    size_t by_algorithm[16];
    int chosen; /* AutoPredictor: the model chosen for the item, else 0 */
} item_fit;

typedef struct train_ctx {
    const hc_predictor_def *def;
    const hc_dataset *ds;
    size_t window;
    item_fit *results; /* ring: item i in slot i % window */
    int (*cancelled)(void);
    hc_error *worker_errors; /* one per worker */
    hc_model_writer *writer;
    hc_train_summary *summary;
    hc_inorder commits;
} train_ctx;

/* Fitted item `index`, in its turn: to the model file and the summary. */
static int commit_item(void *p, size_t index, hc_error *err)
{
    train_ctx *ctx = p;
    const item_fit *r = &ctx->results[index % ctx->window];
    int rc = hc_model_writer_append(ctx->writer, r->entries.data, r->entries.len, err);
    if (rc == 0) {
        ctx->summary->fitted += r->fitted;
        ctx->summary->excluded += r->excluded;
        ctx->summary->fallbacks += r->fallbacks;
        for (int a = 0; a < 16; a++)
            ctx->summary->by_algorithm[a] += r->by_algorithm[a];
        if (r->chosen > 0 && r->chosen < 16)
            ctx->summary->items_by_algorithm[r->chosen]++;
    }
    return rc;
}

/* One window's score for OptimizationMetric; NaN when not defined. */
static double metric_value(hc_opt_metric m, const hc_window_metrics *w)
{
    switch (m) {
    case HC_OPT_WAPE: return w->wape;
    case HC_OPT_RMSE: return w->rmse;
    case HC_OPT_MASE: return w->mase;
    case HC_OPT_MAPE: return w->mape;
    default: return w->avg_wql;
    }
}

typedef struct candidate_score {
    int defined;    /* the metric was defined in some window */
    double metric;  /* its mean over those windows */
    double rmse;    /* tie-break / fallback: mean RMSE */
} candidate_score;

static void item_fit_reset(item_fit *r)
{
    hc_buf_reset(&r->entries);
    r->fitted = r->excluded = r->fallbacks = 0;
    memset(r->by_algorithm, 0, sizeof r->by_algorithm);
    r->chosen = 0;
}

/* Fits `model` on every window of item s, appending the model-file entries
 * and counts to res. With `score` (AutoPredictor), it also forecasts each
 * fitted window and scores it on the window's actuals as the export will
 * (same seeds, same metrics); mean/quant are scratch of horizon and
 * horizon * nquantiles doubles. */
static int fit_windows(const train_ctx *ctx, const hc_series *s,
                       const hc_model *model, item_fit *res, double *mean,
                       double *quant, candidate_score *score, hc_error *err)
{
    const hc_predictor_def *def = ctx->def;
    const hc_dataset *ds = ctx->ds;
    int season = hc_freq_season_length(def->freq);
    double msum = 0, rsum = 0;
    size_t mcount = 0, rcount = 0;
    for (int k = 0; k < def->nwindows; k++) {
        size_t train_len = 0;
        int64_t ws = hc_window_start(def, ds, k);
        hc_window_state state =
            hc_window_state_of(def, s, ds->filled + s->offset, ws, &train_len);
        if (state != HC_WIN_FITTED) {
            res->excluded++;
            if (hc_model_entry_append(&res->entries, state, NULL) != 0)
                return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            continue;
        }
        const double *y = ds->values + s->offset;
        hc_fit_input in = {y, train_len, season, def->freq,
                           hc_fit_seed(s, ds->ndims, k), def->fit_options,
                           &def->fit_params};
        hc_fitted fit = {0};
        int rc = hc_model_fit_with_fallback(model, &in, &fit, err);
        if (rc == 0 && score) {
            hc_forecast_request req = {def->horizon, def->nquantiles, def->quantiles,
                                       hc_fit_seed(s, ds->ndims, k) ^ 0x5eedu};
            rc = hc_model_forecast(&fit, &req, mean, quant, err);
        }
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
        if (!score)
            continue;
        hc_window_metrics w;
        hc_metrics_window(y + train_len, mean, quant, def->quantiles,
                          def->nquantiles, def->horizon,
                          hc_mase_scale(y, train_len, season), &w);
        double v = metric_value(def->metric, &w);
        if (!isnan(v)) {
            msum += v;
            mcount++;
        }
        if (!isnan(w.rmse)) {
            rsum += w.rmse;
            rcount++;
        }
    }
    if (score) {
        score->defined = mcount > 0;
        score->metric = mcount ? msum / (double)mcount : (double)NAN;
        score->rmse = rcount ? rsum / (double)rcount : (double)INFINITY;
    }
    return 0;
}

/* 1 when a beats b: a defined metric beats none, then lower metric, then
 * lower RMSE; equal scores keep the earlier (simpler) model. */
static int better(const candidate_score *a, const candidate_score *b)
{
    if (a->defined != b->defined)
        return a->defined;
    if (a->defined && a->metric != b->metric)
        return a->metric < b->metric;
    return a->rmse < b->rmse;
}

/* AutoPredictor: fits every registered model and keeps, in res, the fits of
 * the one with the best OptimizationMetric over the item's windows. */
static int fit_best_model(const train_ctx *ctx, const hc_series *s,
                          item_fit *res, hc_error *err)
{
    const hc_predictor_def *def = ctx->def;
    double *mean = malloc(def->horizon * sizeof *mean);
    double *quant = malloc(def->horizon * (def->nquantiles + 1) * sizeof *quant);
    item_fit cand;
    memset(&cand, 0, sizeof cand);
    candidate_score best = {0, (double)NAN, (double)INFINITY};
    int rc = 0;
    if (!mean || !quant) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int id = 1; id < 16; id++) {
        const hc_model *m = hc_model_by_id((hc_algorithm)id);
        if (!m)
            continue;
        candidate_score sc;
        item_fit_reset(&cand);
        if ((rc = fit_windows(ctx, s, m, &cand, mean, quant, &sc, err)))
            goto done;
        if (!res->chosen || better(&sc, &best)) {
            /* Keep these fits: swap them into res, recycle res's buffer. */
            item_fit kept = *res;
            *res = cand;
            cand = kept;
            res->chosen = (int)m->id;
            best = sc;
        }
    }
done:
    hc_buf_free(&cand.entries);
    free(mean);
    free(quant);
    return rc;
}

/* One item's fits into its ring slot (hc_inorder_run hands it over). */
static int fit_item(void *p, size_t index, int worker, hc_error *err)
{
    train_ctx *ctx = p;
    (void)worker;
    const hc_series *s = &ctx->ds->series[index];
    item_fit *res = &ctx->results[index % ctx->window];
    if (ctx->cancelled && ctx->cancelled())
        return hc_error_set(err, HC_ERR_STOPPED, "Stopped by StopResource.");
    item_fit_reset(res);
    int rc = ctx->def->automl
                 ? fit_best_model(ctx, s, res, err)
                 : fit_windows(ctx, s, ctx->def->model, res, NULL, NULL, NULL, err);
    return rc;
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
    size_t window = ds->nseries < TRAIN_WINDOW ? ds->nseries : TRAIN_WINDOW;
    if (window == 0)
        window = 1;
    item_fit *results = calloc(window, sizeof *results);
    hc_error *worker_errors = calloc((size_t)threads, sizeof *worker_errors);
    train_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    if (!results || !worker_errors) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    ctx.def = def;
    ctx.ds = ds;
    ctx.results = results;
    ctx.window = window;
    ctx.cancelled = cancelled;
    ctx.worker_errors = worker_errors;
    ctx.writer = writer;
    ctx.summary = summary;
    if ((rc = hc_inorder_init(&ctx.commits, window, commit_item, &ctx, err)))
        goto done;
    if (cancelled && cancelled()) {
        rc = hc_error_set(err, HC_ERR_STOPPED, "Stopped by StopResource.");
        goto done;
    }
    if ((rc = hc_inorder_run(&ctx.commits, ds->nseries, threads, fit_item, &ctx,
                             worker_errors, err)))
        goto done;
    rc = hc_model_writer_commit(writer, err);
    writer = NULL;
done:
    hc_inorder_free(&ctx.commits);
    hc_model_writer_abort(writer);
    if (results)
        for (size_t i = 0; i < window; i++)
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
    json_t *items = json_object();
    int any = 0;
    for (int a = 0; a < 16; a++) {
        if (!s->items_by_algorithm[a])
            continue;
        const hc_model *m = hc_model_by_id((hc_algorithm)a);
        json_object_set_new(items, m ? m->name : "unknown",
                            json_integer((json_int_t)s->items_by_algorithm[a]));
        any = 1;
    }
    if (any)
        json_object_set_new(o, "AutoPredictorItemsByAlgorithm", items);
    else
        json_decref(items);
    return o;
}

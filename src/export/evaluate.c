/* Backtest evaluation: per item-window forecasts, metrics and CSV rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export/evaluate.h"
#include "hindcast/calendar.h"
#include "hindcast/parallel.h"
#include "hindcast/validate.h"
#include "service/json_util.h"

/* Items are evaluated in batches: workers fill per-item buffers, then the
 * calling thread hands them to the sink in order. The batch bounds the
 * memory held by formatted rows. */
#define EVAL_BATCH 1024

typedef struct worker_scratch {
    double *mean;
    double *quant;
} worker_scratch;

typedef struct eval_ctx {
    const hc_eval_setup *setup;
    size_t batch_begin;
    hc_item_eval *items;
    worker_scratch *scratch;
    hc_error *errors;
    int64_t window_start[HC_MAX_WINDOWS];
    char window_first[HC_MAX_WINDOWS][32]; /* yyyy-MM-ddTHH:mm:ss */
    char window_last[HC_MAX_WINDOWS][32];
    int quant_index[HC_MAX_FORECAST_TYPES]; /* type -> ascending index, -1 mean */
} eval_ctx;

static void put_metric(hc_buf *b, double x)
{
    hc_buf_putc(b, ',');
    if (isnan(x))
        hc_buf_puts(b, "not defined");
    else
        hc_buf_put_double(b, x);
}

static void put_key_fields(hc_buf *b, const char *item_id,
                           const char *const *dims, size_t ndims)
{
    hc_buf_put_csv_field(b, item_id, strlen(item_id));
    for (size_t d = 0; d < ndims; d++) {
        hc_buf_putc(b, ',');
        hc_buf_put_csv_field(b, dims[d], strlen(dims[d]));
    }
}

static void put_key(hc_buf *b, const hc_series *s, size_t ndims)
{
    put_key_fields(b, s->item_id, s->dims, ndims);
}

static void put_metrics_row(hc_buf *b, const char *item_id,
                            const char *const *dims, size_t ndims,
                            const char *kind, const char *first,
                            const char *last, const hc_window_metrics *m,
                            size_t nq)
{
    put_key_fields(b, item_id, dims, ndims);
    hc_buf_putc(b, ',');
    hc_buf_puts(b, kind);
    hc_buf_putc(b, ',');
    hc_buf_puts(b, first);
    hc_buf_putc(b, ',');
    hc_buf_puts(b, last);
    for (size_t q = 0; q < nq; q++)
        put_metric(b, m->wql[q]);
    if (nq > 0)
        put_metric(b, m->avg_wql);
    put_metric(b, m->rmse);
    put_metric(b, m->wape);
    put_metric(b, m->mape);
    put_metric(b, m->mase);
    hc_buf_putc(b, '\n');
}

void hc_format_item_accuracy(hc_buf *b, const char *item_id,
                             const char *const *dims, size_t ndims,
                             const hc_window_metrics *win,
                             const char *const *first, const char *const *last,
                             size_t nwindows, size_t nq)
{
    for (size_t w = 0; w < nwindows; w++)
        put_metrics_row(b, item_id, dims, ndims, "Computed", first[w], last[w],
                        &win[w], nq);
    hc_window_metrics summary;
    hc_metrics_summary(win, nwindows, nq, &summary);
    /* The summary spans every window, from the oldest start to the newest
     * end, whether or not this item took part in them. */
    put_metrics_row(b, item_id, dims, ndims, "Summary", first[0],
                    last[nwindows - 1], &summary, nq);
}

static int evaluate_item(void *p, size_t index, int worker)
{
    eval_ctx *ctx = p;
    const hc_eval_setup *setup = ctx->setup;
    const hc_predictor_def *def = setup->def;
    const hc_dataset *ds = setup->ds;
    size_t item = ctx->batch_begin + index;
    const hc_series *s = &ds->series[item];
    hc_item_eval *res = &ctx->items[index];
    hc_error *err = &ctx->errors[worker];
    worker_scratch *sc = &ctx->scratch[worker];
    size_t h = def->horizon, nq = def->nquantiles;
    int season = hc_freq_season_length(def->freq);

    res->item = item;
    hc_buf_reset(&res->forecast_rows);
    hc_buf_reset(&res->accuracy_rows);

    /* Oldest window first, as the files list them. */
    for (int k = def->nwindows - 1; k >= 0; k--) {
        hc_pooled_init(&res->pooled[k], def->quantiles, nq);
        const hc_fit_view *fv = hc_model_file_get(setup->models, item, k);
        size_t train_len = 0;
        hc_window_state state = hc_window_state_of(def, ds, s,
                                                   ctx->window_start[k],
                                                   &train_len);
        if (state != fv->state)
            return hc_error_set(err, HC_ERR_INTERNAL,
                                "model file disagrees with the dataset for "
                                "item %s window %d", s->item_id, k);
        if (state != HC_WIN_FITTED) {
            hc_window_metrics_undefined(&res->win[k]);
            continue;
        }
        hc_fitted fit = {fv->algorithm, fv->fallback, fv->nparams,
                         (double *)fv->params};
        hc_forecast_request req = {h, nq, def->quantiles,
                                   hc_fit_seed(s, ds->ndims, k) ^ 0x5eedu};
        int rc = hc_model_forecast(&fit, &req, sc->mean, sc->quant, err);
        if (rc)
            return rc;
        const double *train = ds->values + s->offset;
        const double *y = train + train_len;
        double scale = hc_mase_scale(train, train_len, season);
        hc_metrics_window(y, sc->mean, sc->quant, def->quantiles, nq, h, scale,
                          &res->win[k]);
        hc_pooled_add(&res->pooled[k], y, sc->mean, sc->quant, h, &res->win[k]);

        if (!setup->want_rows)
            continue;
        hc_buf *b = &res->forecast_rows;
        for (size_t t = 0; t < h; t++) {
            char ts[40];
            hc_format_ts_millis(ts, hc_step_start(def->freq,
                                                  ctx->window_start[k] + (int64_t)t));
            put_key(b, s, ds->ndims);
            hc_buf_putc(b, ',');
            hc_buf_puts(b, ts);
            hc_buf_putc(b, ',');
            hc_buf_put_double(b, y[t]);
            hc_buf_putc(b, ',');
            hc_buf_puts(b, ctx->window_first[k]);
            hc_buf_putc(b, ',');
            hc_buf_puts(b, ctx->window_last[k]);
            for (size_t j = 0; j < def->ntypes; j++) {
                int qi = ctx->quant_index[j];
                hc_buf_putc(b, ',');
                hc_buf_put_double(b, qi < 0 ? sc->mean[t]
                                            : sc->quant[(size_t)qi * h + t]);
            }
            hc_buf_putc(b, '\n');
        }
    }
    if (setup->want_rows) {
        hc_buf *b = &res->accuracy_rows;
        hc_window_metrics ordered[HC_MAX_WINDOWS];
        const char *first[HC_MAX_WINDOWS], *last[HC_MAX_WINDOWS];
        for (int w = 0; w < def->nwindows; w++) {
            int k = def->nwindows - 1 - w;
            ordered[w] = res->win[k];
            first[w] = ctx->window_first[k];
            last[w] = ctx->window_last[k];
        }
        hc_format_item_accuracy(b, s->item_id, s->dims, ds->ndims, ordered,
                                first, last, (size_t)def->nwindows, nq);
        if (res->forecast_rows.failed || b->failed)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    return 0;
}

static void pooled_merge(hc_pooled_metrics *dst, const hc_pooled_metrics *src)
{
    for (size_t q = 0; q < dst->nq; q++)
        dst->wql_num[q] += src->wql_num[q];
    dst->abs_y += src->abs_y;
    dst->sq_err += src->sq_err;
    dst->abs_err += src->abs_err;
    dst->npoints += src->npoints;
    dst->mape_sum += src->mape_sum;
    dst->mape_count += src->mape_count;
    dst->mase_sum += src->mase_sum;
    dst->mase_count += src->mase_count;
    dst->item_count += src->item_count;
}

int hc_evaluate(const hc_eval_setup *setup, hc_eval_totals *totals,
                hc_error *err)
{
    const hc_predictor_def *def = setup->def;
    const hc_dataset *ds = setup->ds;
    int threads = setup->threads < 1 ? 1 : setup->threads;
    int rc = 0;
    eval_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.setup = setup;
    totals->nwindows = def->nwindows;
    for (int k = 0; k < def->nwindows; k++) {
        hc_pooled_init(&totals->window[k], def->quantiles, def->nquantiles);
        ctx.window_start[k] = hc_window_start(def, ds, k);
        hc_format_ts_plain(ctx.window_first[k],
                           hc_step_start(def->freq, ctx.window_start[k]));
        hc_format_ts_plain(ctx.window_last[k],
                           hc_step_start(def->freq, ctx.window_start[k] +
                                                        (int64_t)def->horizon - 1));
    }
    for (size_t j = 0; j < def->ntypes; j++) {
        ctx.quant_index[j] = -1;
        for (size_t q = 0; q < def->nquantiles; q++)
            if (def->type_taus[j] == def->quantiles[q])
                ctx.quant_index[j] = (int)q;
    }
    size_t batch = ds->nseries < EVAL_BATCH ? ds->nseries : EVAL_BATCH;
    ctx.items = calloc(batch ? batch : 1, sizeof *ctx.items);
    ctx.scratch = calloc((size_t)threads, sizeof *ctx.scratch);
    ctx.errors = calloc((size_t)threads, sizeof *ctx.errors);
    if (!ctx.items || !ctx.scratch || !ctx.errors) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int t = 0; t < threads; t++) {
        ctx.scratch[t].mean = calloc(def->horizon, sizeof(double));
        ctx.scratch[t].quant = calloc(def->horizon * (def->nquantiles + 1),
                                      sizeof(double));
        if (!ctx.scratch[t].mean || !ctx.scratch[t].quant) {
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    for (size_t begin = 0; begin < ds->nseries; begin += batch) {
        size_t n = ds->nseries - begin < batch ? ds->nseries - begin : batch;
        ctx.batch_begin = begin;
        rc = hc_parallel_for(n, threads, evaluate_item, &ctx);
        if (rc) {
            for (int t = 0; t < threads; t++)
                if (ctx.errors[t].code) {
                    *err = ctx.errors[t];
                    break;
                }
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            for (int k = 0; k < def->nwindows; k++)
                pooled_merge(&totals->window[k], &ctx.items[i].pooled[k]);
            if (setup->sink && (rc = setup->sink(setup->sink_ctx, &ctx.items[i], err)))
                goto done;
        }
        if (setup->progress)
            setup->progress(setup->progress_ctx, begin + n, ds->nseries);
    }
done:
    if (ctx.items)
        for (size_t i = 0; i < batch; i++) {
            hc_buf_free(&ctx.items[i].forecast_rows);
            hc_buf_free(&ctx.items[i].accuracy_rows);
        }
    if (ctx.scratch)
        for (int t = 0; t < threads; t++) {
            free(ctx.scratch[t].mean);
            free(ctx.scratch[t].quant);
        }
    free(ctx.items);
    free(ctx.scratch);
    free(ctx.errors);
    return rc;
}

static void put_key_header(hc_buf *out, const char *const *dims, size_t ndims)
{
    hc_buf_puts(out, "item_id");
    for (size_t d = 0; d < ndims; d++) {
        hc_buf_putc(out, ',');
        hc_buf_put_csv_field(out, dims[d], strlen(dims[d]));
    }
}

int hc_forecast_header(const hc_predictor_def *def, hc_buf *out)
{
    put_key_header(out, (const char *const *)def->dims, def->ndims);
    hc_buf_puts(out, ",timestamp,target_value,backtestwindow_start_time,"
                     "backtestwindow_end_time");
    for (size_t j = 0; j < def->ntypes; j++) {
        char col[16];
        hc_forecast_type_column(def->types[j], col);
        hc_buf_putc(out, ',');
        hc_buf_puts(out, col);
    }
    hc_buf_putc(out, '\n');
    return out->failed ? -1 : 0;
}

int hc_accuracy_header_columns(hc_buf *out, const char *const *dims,
                               size_t ndims, const double *quantiles,
                               size_t nq)
{
    put_key_header(out, dims, ndims);
    hc_buf_puts(out, ",backtest_window,backtestwindow_start_time,"
                     "backtestwindow_end_time");
    for (size_t q = 0; q < nq; q++) {
        char col[24];
        hc_wql_column(quantiles[q], col);
        hc_buf_putc(out, ',');
        hc_buf_puts(out, col);
    }
    if (nq > 0)
        hc_buf_puts(out, ",Average wQL");
    hc_buf_puts(out, ",RMSE,WAPE,MAPE,MASE\n");
    return out->failed ? -1 : 0;
}

int hc_accuracy_header(const hc_predictor_def *def, hc_buf *out)
{
    return hc_accuracy_header_columns(out, (const char *const *)def->dims,
                                      def->ndims, def->quantiles,
                                      def->nquantiles);
}

static void set_real(json_t *o, const char *key, double x)
{
    if (isfinite(x))
        json_object_set_new(o, key, json_real(x));
}

/* GetAccuracyMetrics' Metrics object. Undefined values are left out. */
static json_t *metrics_object(const double *quantiles, size_t nq,
                              const char *point_type,
                              const hc_window_metrics *m)
{
    json_t *o = json_object();
    set_real(o, "RMSE", m->rmse);
    if (nq > 0) {
        json_t *losses = json_array();
        /* Highest quantile first, as Amazon lists them. */
        for (size_t q = nq; q-- > 0;) {
            if (!isfinite(m->wql[q]))
                continue;
            json_t *l = json_object();
            json_object_set_new(l, "Quantile", json_real(quantiles[q]));
            json_object_set_new(l, "LossValue", json_real(m->wql[q]));
            json_array_append_new(losses, l);
        }
        json_object_set_new(o, "WeightedQuantileLosses", losses);
    }
    if (point_type) {
        json_t *errors = json_array();
        json_t *e = json_object();
        json_object_set_new(e, "ForecastType", json_string(point_type));
        set_real(e, "WAPE", m->wape);
        set_real(e, "RMSE", m->rmse);
        set_real(e, "MASE", m->mase);
        set_real(e, "MAPE", m->mape);
        json_array_append_new(errors, e);
        json_object_set_new(o, "ErrorMetrics", errors);
    }
    if (nq > 0)
        set_real(o, "AverageWeightedQuantileLoss", m->avg_wql);
    return o;
}

json_t *hc_accuracy_metrics_json_windows(const hc_accuracy_json_args *a)
{
    hc_window_metrics *per = calloc(a->nwindows ? a->nwindows : 1, sizeof *per);
    if (!per)
        return NULL;
    json_t *windows = json_array();
    /* Window results oldest first, then the SUMMARY (mean of windows). */
    for (size_t w = 0; w < a->nwindows; w++) {
        hc_pooled_result(&a->pooled[w], &per[w]);
        json_t *o = json_object();
        json_object_set_new(o, "TestWindowStart", ju_time(a->start[w]));
        json_object_set_new(o, "TestWindowEnd", ju_time(a->end[w]));
        json_object_set_new(o, "ItemCount",
                            json_integer((json_int_t)a->pooled[w].item_count));
        json_object_set_new(o, "EvaluationType", json_string("COMPUTED"));
        json_object_set_new(o, "Metrics", metrics_object(a->quantiles, a->nq,
                                                         a->point_type, &per[w]));
        json_array_append_new(windows, o);
    }
    hc_window_metrics summary;
    hc_metrics_summary(per, a->nwindows, a->nq, &summary);
    free(per);
    json_t *sw = json_object();
    json_object_set_new(sw, "EvaluationType", json_string("SUMMARY"));
    json_object_set_new(sw, "Metrics", metrics_object(a->quantiles, a->nq,
                                                      a->point_type, &summary));
    json_array_insert_new(windows, 0, sw);

    json_t *result = json_object();
    if (a->algorithm_arn)
        json_object_set_new(result, "AlgorithmArn", json_string(a->algorithm_arn));
    json_object_set_new(result, "TestWindows", windows);
    json_t *results = json_array();
    json_array_append_new(results, result);
    json_t *root = json_object();
    json_object_set_new(root, "PredictorEvaluationResults", results);
    json_object_set_new(root, "IsAutoPredictor", json_false());
    return root;
}

json_t *hc_accuracy_metrics_json(const hc_predictor_def *def,
                                 const hc_dataset *ds,
                                 const hc_eval_totals *totals)
{
    hc_pooled_metrics pooled[HC_MAX_WINDOWS];
    int64_t start[HC_MAX_WINDOWS], end[HC_MAX_WINDOWS];
    for (int w = 0; w < totals->nwindows; w++) {
        int k = totals->nwindows - 1 - w;
        int64_t ws = hc_window_start(def, ds, k);
        pooled[w] = totals->window[k];
        start[w] = hc_step_start(def->freq, ws);
        end[w] = hc_step_start(def->freq, ws + (int64_t)def->horizon - 1);
    }
    hc_accuracy_json_args a = {def->algorithm_arn[0] ? def->algorithm_arn : NULL,
                               "mean", def->quantiles, def->nquantiles, pooled,
                               start, end, (size_t)totals->nwindows};
    json_t *root = hc_accuracy_metrics_json_windows(&a);
    if (root && def->automl) {
        /* One model per item, chosen by this metric. */
        json_object_set_new(root, "IsAutoPredictor",
                            def->auto_predictor ? json_true() : json_false());
        json_object_set_new(root, "OptimizationMetric",
                            json_string(hc_opt_metric_name(def->metric)));
    }
    return root;
}

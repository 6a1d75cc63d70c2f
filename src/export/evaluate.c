/* Backtest evaluation: per item-window forecasts, metrics and CSV rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export/evaluate.h"
#include "hindcast/calendar.h"
#include "hindcast/numfmt.h"
#include "hindcast/parallel.h"
#include "hindcast/validate.h"
#include "core/memutil.h"
#include "predictor/inorder.h"
#include "service/json_util.h"

/* Workers fill per-item buffers and hand finished items to the sink in
 * item order as soon as every earlier item is done (see hc_inorder), so
 * writing overlaps evaluating. At most EVAL_WINDOW items are in flight, in
 * a ring of buffers: that bounds the memory held by formatted rows, with no
 * barrier where one worker would wait for the other's last items. */
#define EVAL_WINDOW 1024

/* One worker's; the array's elements are whole cache lines apart, like
 * the buffers they point to (hc_alloc_lines): workers write them on every
 * item and must not share lines. */
typedef struct worker_scratch {
    _Alignas(64) double *mean;
    double *quant;
    double *series;        /* the item's values, for an opened dataset */
    uint8_t *series_filled;
    hc_buf key;
} worker_scratch;

typedef struct eval_ctx {
    const hc_eval_setup *setup;
    hc_eval_totals *totals;
    size_t window;
    hc_item_eval *items; /* ring: item i in slot i % window */
    worker_scratch *scratch;
    hc_error *errors;
    int64_t window_start[HC_MAX_WINDOWS];
    char window_first[HC_MAX_WINDOWS][32]; /* yyyy-MM-ddTHH:mm:ss */
    char window_last[HC_MAX_WINDOWS][32];
    hc_forecast_format fmt;
    hc_inorder commits; /* hand-over of finished items */
} eval_ctx;

/* ---- row formatting -------------------------------------------------------- */

int hc_forecast_format_init(hc_forecast_format *f, hc_freq freq, size_t horizon,
                            size_t ntypes, const int *type_quant, int nwindows,
                            const int64_t *window_start)
{
    memset(f, 0, sizeof *f);
    f->horizon = horizon;
    f->ntypes = ntypes;
    f->nwindows = nwindows;
    for (size_t j = 0; j < ntypes; j++)
        f->type_quant[j] = type_quant[j];
    for (int k = 0; k < nwindows; k++) {
        f->ts[k] = malloc(horizon * HC_TS_SLOT + 1);
        f->ts_len[k] = malloc(horizon + 1);
        if (!f->ts[k] || !f->ts_len[k]) {
            hc_forecast_format_free(f);
            return -1;
        }
        for (size_t t = 0; t < horizon; t++) {
            char *slot = f->ts[k] + t * HC_TS_SLOT;
            slot[0] = ',';
            size_t n = hc_format_ts_millis(slot + 1,
                                           hc_step_start(freq, window_start[k] + (int64_t)t));
            f->ts_len[k][t] = (unsigned char)(n + 1);
        }
        char first[32], last[32];
        hc_format_ts_plain(first, hc_step_start(freq, window_start[k]));
        hc_format_ts_plain(last, hc_step_start(freq, window_start[k] +
                                                         (int64_t)horizon - 1));
        int n = snprintf(f->bounds[k], sizeof f->bounds[k], ",%s,%s", first, last);
        f->bounds_len[k] = n < 0 ? 0 : (size_t)n;
    }
    return 0;
}

void hc_forecast_format_free(hc_forecast_format *f)
{
    if (!f)
        return;
    for (int k = 0; k < HC_MAX_WINDOWS; k++) {
        free(f->ts[k]);
        free(f->ts_len[k]);
        f->ts[k] = NULL;
        f->ts_len[k] = NULL;
    }
}

int hc_forecast_key(hc_buf *out, const hc_series *s, size_t ndims)
{
    hc_buf_reset(out);
    hc_buf_put_csv_field(out, s->item_id, strlen(s->item_id));
    for (size_t d = 0; d < ndims; d++) {
        hc_buf_putc(out, ',');
        hc_buf_put_csv_field(out, s->dims[d], strlen(s->dims[d]));
    }
    return out->failed ? -1 : 0;
}

/* Rows are written straight into the buffer: one reservation a row for
 * its longest possible text, then plain stores. */
int hc_forecast_rows(hc_buf *out, const hc_forecast_format *f, int k,
                     const char *key, size_t key_len, const double *y,
                     const double *mean, const double *quant)
{
    size_t h = f->horizon;
    size_t row_max = key_len + HC_TS_SLOT + f->bounds_len[k] +
                     (f->ntypes + 1) * (HC_DOUBLE_TEXT_MAX + 1) + 2;
    const char *ts = f->ts[k];
    const unsigned char *ts_len = f->ts_len[k];
    const char *bounds = f->bounds[k];
    size_t bounds_len = f->bounds_len[k];
    if (hc_buf_reserve(out, row_max * h) != 0)
        return -1;
    char *p = out->data + out->len;
    for (size_t t = 0; t < h; t++) {
        memcpy(p, key, key_len);
        p += key_len;
        memcpy(p, ts + t * HC_TS_SLOT, HC_TS_SLOT);
        p += ts_len[t];
        *p++ = ',';
        p += hc_format_double(p, y[t]);
        memcpy(p, bounds, bounds_len);
        p += bounds_len;
        for (size_t j = 0; j < f->ntypes; j++) {
            int qi = f->type_quant[j];
            *p++ = ',';
            p += hc_format_double(p, qi < 0 ? mean[t] : quant[(size_t)qi * h + t]);
        }
        *p++ = '\n';
    }
    out->len = (size_t)(p - out->data);
    out->data[out->len] = '\0';
    return 0;
}

static void put_metric(hc_buf *b, double x)
{
    hc_buf_putc(b, ',');
    if (isnan(x))
        hc_buf_puts(b, "not defined");
    else
        hc_buf_put_double(b, x);
}

static void put_metrics_row(hc_buf *b, const char *key, size_t key_len,
                            const char *kind, const char *first,
                            const char *last, const hc_window_metrics *m,
                            size_t nq)
{
    hc_buf_append(b, key, key_len);
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
    hc_buf key = HC_BUF_INIT;
    hc_buf_put_csv_field(&key, item_id, strlen(item_id));
    for (size_t d = 0; d < ndims; d++) {
        hc_buf_putc(&key, ',');
        hc_buf_put_csv_field(&key, dims[d], strlen(dims[d]));
    }
    const char *k = key.data ? key.data : "";
    for (size_t w = 0; w < nwindows; w++)
        put_metrics_row(b, k, key.len, "Computed", first[w], last[w], &win[w], nq);
    hc_window_metrics summary;
    hc_metrics_summary(win, nwindows, nq, &summary);
    /* The summary spans every window, from the oldest start to the newest
     * end, whether or not this item took part in them. */
    put_metrics_row(b, k, key.len, "Summary", first[0], last[nwindows - 1],
                    &summary, nq);
    hc_buf_free(&key);
}

/* ---- evaluation -------------------------------------------------------------- */

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

/* Finished item `index`, in its turn (hc_inorder: in item order, so the
 * sums are the same for any thread count, and without the lock while the
 * sink writes): to the totals, the sink and the progress report. */
static int commit_item(void *p, size_t index, hc_error *err)
{
    eval_ctx *ctx = p;
    const hc_eval_setup *setup = ctx->setup;
    const hc_item_eval *it = &ctx->items[index % ctx->window];
    for (int k = 0; k < setup->def->nwindows; k++)
        pooled_merge(&ctx->totals->window[k], &it->pooled[k]);
    int rc = setup->sink ? setup->sink(setup->sink_ctx, it, err) : 0;
    size_t nseries = setup->ds->nseries;
    if (rc == 0 && setup->progress && ((index + 1) % EVAL_WINDOW == 0 || index + 1 == nseries))
        setup->progress(setup->progress_ctx, index + 1, nseries);
    return rc;
}

/* One item's forecasts, metrics and rows into its ring slot
 * (hc_inorder_run hands it over). */
static int evaluate_item(void *p, size_t index, int worker, hc_error *err)
{
    eval_ctx *ctx = p;
    const hc_eval_setup *setup = ctx->setup;
    const hc_predictor_def *def = setup->def;
    const hc_dataset *ds = setup->ds;
    size_t item = index;
    const hc_series *s = &ds->series[item];
    hc_item_eval *res = &ctx->items[index % ctx->window];
    worker_scratch *sc = &ctx->scratch[worker];
    size_t h = def->horizon, nq = def->nquantiles;
    int season = hc_freq_season_length(def->freq);

    res->item = item;
    hc_buf_reset(&res->forecast_rows);
    hc_buf_reset(&res->accuracy_rows);
    if (setup->want_rows && hc_forecast_key(&sc->key, s, ds->ndims) != 0)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");

    /* An opened dataset decodes the item here, once, into this worker's
     * buffer: it is read right away, while still in cache. */
    const double *values = hc_dataset_series_values(ds, item, sc->series);
    const uint8_t *filled = hc_dataset_series_filled(ds, item, sc->series_filled);

    /* Which windows take part, and the MASE scales of their training
     * parts (nested prefixes of the series: one pass for all). */
    hc_window_state state[HC_MAX_WINDOWS];
    size_t train_len[HC_MAX_WINDOWS], scale_n[HC_MAX_WINDOWS];
    double scale_of[HC_MAX_WINDOWS];
    int scale_k[HC_MAX_WINDOWS];
    size_t nscales = 0;
    for (int k = 0; k < def->nwindows; k++) {
        const hc_fit_view *fv = hc_model_file_get(setup->models, item, k);
        state[k] = hc_window_state_of(def, s, filled, ctx->window_start[k], &train_len[k]);
        if (state[k] != fv->state)
            return hc_error_set(err, HC_ERR_INTERNAL,
                                "model file disagrees with the dataset for "
                                "item %s window %d", s->item_id, k);
        if (state[k] == HC_WIN_FITTED) {
            scale_k[nscales] = k;
            scale_n[nscales++] = train_len[k];
        }
    }
    double scales[HC_MAX_WINDOWS];
    hc_mase_scales(values, season, scale_n, nscales, scales);
    for (size_t i = 0; i < nscales; i++)
        scale_of[scale_k[i]] = scales[i];

    /* Oldest window first, as the files list them. */
    for (int k = def->nwindows - 1; k >= 0; k--) {
        hc_pooled_init(&res->pooled[k], def->quantiles, nq);
        const hc_fit_view *fv = hc_model_file_get(setup->models, item, k);
        if (state[k] != HC_WIN_FITTED) {
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
        const double *y = values + train_len[k];
        hc_metrics_window_pooled(&res->pooled[k], y, sc->mean, sc->quant, h,
                                 scale_of[k], &res->win[k]);

        if (setup->want_rows &&
            hc_forecast_rows(&res->forecast_rows, &ctx->fmt, k, sc->key.data,
                             sc->key.len, y, sc->mean, sc->quant) != 0)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    if (setup->want_rows) {
        hc_buf *b = &res->accuracy_rows;
        for (int k = def->nwindows - 1; k >= 0; k--)
            put_metrics_row(b, sc->key.data, sc->key.len, "Computed",
                            ctx->window_first[k], ctx->window_last[k], &res->win[k],
                            nq);
        hc_window_metrics summary;
        hc_window_metrics ordered[HC_MAX_WINDOWS];
        for (int k = 0; k < def->nwindows; k++)
            ordered[k] = res->win[def->nwindows - 1 - k];
        hc_metrics_summary(ordered, (size_t)def->nwindows, nq, &summary);
        put_metrics_row(b, sc->key.data, sc->key.len, "Summary",
                        ctx->window_first[def->nwindows - 1],
                        ctx->window_last[0], &summary, nq);
        if (res->forecast_rows.failed || b->failed)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    return 0;
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
    ctx.totals = totals;
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
    int type_quant[HC_MAX_FORECAST_TYPES];
    for (size_t j = 0; j < def->ntypes; j++) {
        type_quant[j] = -1;
        for (size_t q = 0; q < def->nquantiles; q++)
            if (def->type_taus[j] == def->quantiles[q])
                type_quant[j] = (int)q;
    }
    size_t longest = hc_dataset_longest_series(ds);
    size_t window = ds->nseries < EVAL_WINDOW ? ds->nseries : EVAL_WINDOW;
    if (window == 0)
        window = 1;
    ctx.window = window;
    ctx.items = calloc(window, sizeof *ctx.items);
    ctx.scratch = hc_alloc_lines((size_t)threads, sizeof *ctx.scratch);
    ctx.errors = calloc((size_t)threads, sizeof *ctx.errors);
    if (!ctx.items || !ctx.scratch || !ctx.errors ||
        hc_forecast_format_init(&ctx.fmt, def->freq, def->horizon, def->ntypes,
                                type_quant, def->nwindows, ctx.window_start) != 0) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = hc_inorder_init(&ctx.commits, window, commit_item, &ctx, err)))
        goto done;
    for (int t = 0; t < threads; t++) {
        ctx.scratch[t].mean = hc_alloc_lines(def->horizon, sizeof(double));
        ctx.scratch[t].quant = hc_alloc_lines(def->horizon * (def->nquantiles + 1),
                                              sizeof(double));
        ctx.scratch[t].series = hc_alloc_lines(longest, sizeof(double));
        ctx.scratch[t].series_filled = hc_alloc_lines(longest, 1);
        if (!ctx.scratch[t].mean || !ctx.scratch[t].quant || !ctx.scratch[t].series ||
            !ctx.scratch[t].series_filled) {
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    rc = hc_inorder_run(&ctx.commits, ds->nseries, threads, evaluate_item, &ctx,
                        ctx.errors, err);
done:
    hc_inorder_free(&ctx.commits);
    hc_forecast_format_free(&ctx.fmt);
    if (ctx.items)
        for (size_t i = 0; i < window; i++) {
            hc_buf_free(&ctx.items[i].forecast_rows);
            hc_buf_free(&ctx.items[i].accuracy_rows);
        }
    if (ctx.scratch)
        for (int t = 0; t < threads; t++) {
            free(ctx.scratch[t].mean);
            free(ctx.scratch[t].quant);
            free(ctx.scratch[t].series);
            free(ctx.scratch[t].series_filled);
            hc_buf_free(&ctx.scratch[t].key);
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

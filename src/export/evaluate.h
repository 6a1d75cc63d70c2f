/* Backtest evaluation: forecasts and metrics per item-window, in parallel,
 * delivered to a sink in item order (internal). */
#ifndef HC_EXPORT_EVALUATE_H
#define HC_EXPORT_EVALUATE_H

#include <jansson.h>

#include "hindcast/buf.h"
#include "hindcast/metrics.h"
#include "predictor/predictor.h"

typedef struct hc_item_eval {
    size_t item;
    hc_window_metrics win[HC_MAX_WINDOWS];       /* by window k (0 newest) */
    hc_pooled_metrics pooled[HC_MAX_WINDOWS];    /* this item's share */
    hc_buf forecast_rows;  /* forecasted-values lines (when rows wanted) */
    hc_buf accuracy_rows;  /* accuracy-metrics-values lines */
} hc_item_eval;

typedef struct hc_eval_setup {
    const hc_predictor_def *def;
    const hc_dataset *ds;
    const hc_model_file *models;
    int want_rows;
    int threads;
    /* Called in item order, one call at a time, on whichever worker thread
     * completes the next item (writing overlaps the evaluation of later
     * items). Non-zero stops. */
    int (*sink)(void *ctx, const hc_item_eval *item, hc_error *err);
    void *sink_ctx;
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} hc_eval_setup;

/* Predictor-level totals, per window k. */
typedef struct hc_eval_totals {
    int nwindows;
    hc_pooled_metrics window[HC_MAX_WINDOWS];
} hc_eval_totals;

int hc_evaluate(const hc_eval_setup *setup, hc_eval_totals *totals,
                hc_error *err);

/* ---- forecasted-values rows (exposed for benchmarks/bench_write) ---- */

/* What every row of an export shares: the timestamps of each window's steps
 * (the same for every item) and the window bounds, formatted once. */
typedef struct hc_forecast_format {
    size_t horizon;
    size_t ntypes;
    int type_quant[HC_MAX_FORECAST_TYPES]; /* quantile index of each type,
                                              -1 for mean */
    int nwindows;
    char *ts[HC_MAX_WINDOWS];        /* horizon x HC_TS_SLOT: ",<timestamp>" */
    unsigned char *ts_len[HC_MAX_WINDOWS];
    char bounds[HC_MAX_WINDOWS][72]; /* ",<first>,<last>" */
    size_t bounds_len[HC_MAX_WINDOWS];
} hc_forecast_format;

#define HC_TS_SLOT 40

/* window_start[k]: first step of window k (k = 0 newest). 0 or -1 (out of
 * memory). */
int hc_forecast_format_init(hc_forecast_format *f, hc_freq freq, size_t horizon,
                            size_t ntypes, const int *type_quant, int nwindows,
                            const int64_t *window_start);
void hc_forecast_format_free(hc_forecast_format *f);

/* The item's key as it starts each row: item_id[,dim...], CSV-quoted where
 * needed. */
int hc_forecast_key(hc_buf *out, const hc_series *s, size_t ndims);

/* Appends the forecasted-values rows of one item-window: y actuals, mean
 * forecast, quant[q*horizon + t] quantile forecasts. 0 or -1. */
int hc_forecast_rows(hc_buf *out, const hc_forecast_format *f, int k,
                     const char *key, size_t key_len, const double *y,
                     const double *mean, const double *quant);

/* The header lines of both folders (with '\n'). */
int hc_forecast_header(const hc_predictor_def *def, hc_buf *out);
int hc_accuracy_header(const hc_predictor_def *def, hc_buf *out);
/* The accuracy header from its parts (dimension names, ascending quantile
 * taus); hc_accuracy_header is this with the predictor's. */
int hc_accuracy_header_columns(hc_buf *out, const char *const *dims,
                               size_t ndims, const double *quantiles,
                               size_t nq);

/* One item's accuracy-metrics-values lines: a Computed row per window, in
 * the order given (oldest first), then the Summary row (start of the first
 * window, end of the last). win[w] is the item's metrics in window w
 * (undefined ones print `not defined`); first/last the windows' bounds as
 * printed ("2017-06-19T15:00:00"). nwindows >= 1. The export and evaluate
 * both write their rows with this, so their bytes agree. */
void hc_format_item_accuracy(hc_buf *b, const char *item_id,
                             const char *const *dims, size_t ndims,
                             const hc_window_metrics *win,
                             const char *const *first, const char *const *last,
                             size_t nwindows, size_t nq);

/* GetAccuracyMetrics response from totals. */
json_t *hc_accuracy_metrics_json(const hc_predictor_def *def,
                                 const hc_dataset *ds,
                                 const hc_eval_totals *totals);

/* The same response from explicit per-window accumulators. */
typedef struct hc_accuracy_json_args {
    const char *algorithm_arn;  /* NULL: AlgorithmArn left out */
    const char *point_type;     /* ErrorMetrics' ForecastType ("mean",
                                   "0.5"); NULL: no ErrorMetrics */
    const double *quantiles;    /* ascending */
    size_t nq;
    const hc_pooled_metrics *pooled; /* per window, oldest first */
    const int64_t *start;       /* window bounds, seconds since the epoch */
    const int64_t *end;         /* (the end is the last step's start) */
    size_t nwindows;
} hc_accuracy_json_args;
json_t *hc_accuracy_metrics_json_windows(const hc_accuracy_json_args *a);

#endif

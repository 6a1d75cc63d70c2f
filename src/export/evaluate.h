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
    /* Called on the calling thread, in item order. Non-zero stops. */
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

/* The header lines of both folders (with '\n'). */
int hc_forecast_header(const hc_predictor_def *def, hc_buf *out);
int hc_accuracy_header(const hc_predictor_def *def, hc_buf *out);

/* GetAccuracyMetrics response from totals. */
json_t *hc_accuracy_metrics_json(const hc_predictor_def *def,
                                 const hc_dataset *ds,
                                 const hc_eval_totals *totals);

#endif

/* hindcast: accuracy metrics (SPEC 2.7).
 *
 * NaN in a result means "not defined" (written as the text `not defined`). */
#ifndef HINDCAST_METRICS_H
#define HINDCAST_METRICS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ForecastTypes holds 1-5 entries, so at most 5 quantiles. */
#define HC_MAX_QUANTILES 5

typedef struct hc_window_metrics {
    int defined;                  /* 0: excluded item-window, all NaN */
    double wql[HC_MAX_QUANTILES]; /* in the order of the taus given */
    double avg_wql;               /* NaN when there is no quantile */
    double rmse;
    double wape;                  /* item level: sum|y-f| (not divided) */
    double mape;                  /* fraction; NaN when every y is 0 */
    double mase;                  /* NaN when the scale is 0 or unknown */
} hc_window_metrics;

/* Marks m as excluded: defined = 0 and every value NaN. */
void hc_window_metrics_undefined(hc_window_metrics *m);

/* MASE scale s: mean of |y_t - y_{t-m}| over train[0..n), with m = 1 when
 * n <= m. NaN values in train are skipped (pairs containing one). Returns
 * NaN when no pair exists. */
double hc_mase_scale(const double *train, size_t n, int m);

/* out[i] = hc_mase_scale(train, n[i], m) for i < count, bit for bit, in one
 * pass over the longest prefix: the windows of one item train on nested
 * prefixes of its series, and each scale is a left-to-right sum. */
void hc_mase_scales(const double *train, int m, const size_t *n, size_t count,
                    double *out);

/* Metrics of one item-window. y: actuals; mean: mean forecast; quant:
 * quantile forecasts, quant[k*n + t] for tau taus[k]; mase_scale as from
 * hc_mase_scale (NaN or 0 -> MASE not defined). */
void hc_metrics_window(const double *y, const double *mean,
                       const double *quant, const double *taus, size_t nq,
                       size_t n, double mase_scale, hc_window_metrics *out);

/* Summary row: column by column, the mean of the defined values among
 * windows[0..nwindows). defined = 1 when any window is defined. */
void hc_metrics_summary(const hc_window_metrics *windows, size_t nwindows,
                        size_t nq, hc_window_metrics *out);

/* Predictor-level metrics of one window, pooled over items: wQL, WAPE and
 * RMSE over all points, MAPE and MASE the mean of the items' values. Add
 * items in a fixed order (item key order) so sums are deterministic. */
typedef struct hc_pooled_metrics {
    size_t nq;
    double taus[HC_MAX_QUANTILES];
    double wql_num[HC_MAX_QUANTILES]; /* 2 * sum of pinball losses */
    double abs_y;                     /* sum |y| */
    double sq_err;                    /* sum (y-f)^2 */
    double abs_err;                   /* sum |y-f| */
    size_t npoints;
    double mape_sum;
    size_t mape_count;
    double mase_sum;
    size_t mase_count;
    size_t item_count;                /* included items */
} hc_pooled_metrics;

void hc_pooled_init(hc_pooled_metrics *acc, const double *taus, size_t nq);
/* Adds one included item-window (its data and its own item-level metrics,
 * whose MAPE/MASE enter the means when defined). */
void hc_pooled_add(hc_pooled_metrics *acc, const double *y, const double *mean,
                   const double *quant, size_t n,
                   const hc_window_metrics *item);
/* hc_metrics_window (with acc's taus) and hc_pooled_add of its result in
 * one pass over the window: the same numbers, the sums computed once. */
void hc_metrics_window_pooled(hc_pooled_metrics *acc, const double *y,
                              const double *mean, const double *quant, size_t n,
                              double mase_scale, hc_window_metrics *out);
/* wql[k] = wql_num/abs_y (numerator when abs_y is 0), avg_wql, RMSE,
 * WAPE = abs_err/abs_y (numerator when 0), MAPE/MASE means (NaN if none).
 * defined = 0 when no item was added. */
void hc_pooled_result(const hc_pooled_metrics *acc, hc_window_metrics *out);

#ifdef __cplusplus
}
#endif
#endif

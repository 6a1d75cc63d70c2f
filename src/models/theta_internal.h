/* The steps of the Theta model (theta.c), shared with its unit tests. */
#ifndef HC_MODELS_THETA_INTERNAL_H
#define HC_MODELS_THETA_INTERNAL_H

#include <stddef.h>

/* Bounds of the SES smoothing parameter: R forecast's "usual" bounds for
 * ets(), which ses() calls. */
#define HC_THETA_ALPHA_MIN 1e-4
#define HC_THETA_ALPHA_MAX 0.9999

/* The M4 90% seasonality test: 1 when |r_m| > 1.645 * sqrt((1 + 2 *
 * sum_{k=1}^{m-1} r_k^2) / n), r_k being the lag-k sample autocorrelation
 * (mean-centred, denominator the lag-0 sum); 0 when m < 2, n < 3m, or the
 * series is constant; -1 when out of memory. y must be finite. */
int hc_theta_seasonal_test(const double *y, size_t n, size_t m);

/* Classical multiplicative decomposition: the centred moving average of
 * order m (2 x m for even m) is the trend, y / trend the detrended ratios;
 * idx[j] (j = 0..m-1) is the mean ratio over the steps t with t mod m == j,
 * normalised so that the m indices average 1. Needs n >= 2m (every position
 * then has a ratio) and y > 0. Returns 0, or -1 when n < 2m, out of
 * memory, or an index is not positive and finite. */
int hc_theta_seasonal_indices(const double *y, size_t n, size_t m,
                              double *idx);

/* Simple exponential smoothing fitted by least squares: the alpha in
 * [HC_THETA_ALPHA_MIN, HC_THETA_ALPHA_MAX] and initial level l0 that
 * minimise sum_t (x_t - l_{t-1})^2, with l_t = l_{t-1} + alpha (x_t -
 * l_{t-1}). `level` is l_n, the forecast; `sse` the minimum. n >= 1. */
typedef struct hc_theta_ses {
    double alpha, level0, level, sse;
} hc_theta_ses;

void hc_theta_ses_fit(const double *x, size_t n, hc_theta_ses *out);

/* The sum of squared one-step errors of SES with this alpha and the best
 * l0 for it (written to *level0 when not NULL). */
double hc_theta_ses_profile(const double *x, size_t n, double alpha,
                            double *level0);

#endif

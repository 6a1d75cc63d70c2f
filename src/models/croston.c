/* Croston's method for intermittent demand (Croston 1972, "Forecasting and
 * stock control for intermittent demands", Operational Research Quarterly
 * 23(3)), as R forecast 8.20's croston(y, h, alpha = 0.1) computes it:
 *
 *  - The non-zero values (demand sizes) y_1..y_k and the intervals between
 *    them q_1..q_k are smoothed separately by simple exponential smoothing
 *    with the fixed alpha 0.1. q_j counts periods since the previous demand;
 *    q_1 counts from the origin, so a first demand at period t has q_1 = t.
 *  - Both smoothers start at their first value (R's ses(initial =
 *    "simple")): z_1 = y_1, p_1 = q_1, then z_j = alpha y_j + (1 - alpha)
 *    z_{j-1} and the same for p.
 *  - The forecast for every future period is z_k / p_k (flat). With no
 *    demand at all it is 0; with one demand it is y_1 / q_1, both as R.
 *
 * Predictive distribution (Croston's method has none of its own): Gaussian
 * around the point forecast f with the in-sample one-step error sd, the
 * quantiles censored at 0. The one-step fitted value at period t is the
 * Croston forecast from periods 1..t-1 (R's croston()$fitted, defined from
 * period 2 on), so sigma^2 = mean of (x_t - fitted_t)^2 over t = 2..n (no
 * degrees-of-freedom correction: alpha is fixed, nothing is estimated
 * beyond the initial values). Croston's model assumes stationary demand
 * (i.i.d. sizes, a constant demand probability) and the forecast does not
 * update past the origin, so the error distribution is the same at every
 * step: sigma is constant over the horizon. Demand is non-negative, so
 * every quantile is max(0, f + z_tau sigma), exactly the quantile of the
 * Gaussian censored at 0. The mean is the Croston forecast f itself, as
 * SPEC's mean column is the algorithm's point forecast. See
 * docs/decisions.md for why not empirical quantiles.
 *
 * Missing values (NaN): R's croston() stops on NA. hindcast drops them and
 * runs on the observed values in order (R's croston(na.omit(y))): a missing
 * period is no evidence of zero demand, so it is neither a demand nor a
 * period of the interval counts.
 *
 * Cannot fit (HC_MODEL_CANNOT_FIT: the caller falls back to SeasonalNaive,
 * then Naive) when a value is negative (R stops: "Series should not contain
 * negative values"), a value is infinite, or no value is observed. R gives a
 * forecast for every other series, so does this.
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0] 1.0, the layout version
 *   [1] f, the forecast for every step (>= 0)
 *   [2] sigma, the one-step error sd (>= 0)
 *   [3] z_k, the smoothed demand size (0 without demand)
 *   [4] p_k, the smoothed interval (0 without demand)
 *   [5] alpha
 *   [6] k, the number of non-zero demands */
#include <math.h>

#include "hindcast/model.h"
#include "models/models_internal.h"

#define CROSTON_NPARAMS 7u
#define CROSTON_ALPHA 0.1

static int croston_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    const double a = CROSTON_ALPHA;
    double z = 0.0, p = 0.0, sse = 0.0;
    size_t k = 0, i = 0, last = 0; /* i: observed periods so far */
    for (size_t t = 0; t < in->n; t++) {
        double x = in->y[t];
        if (isnan(x))
            continue;
        if (x < 0.0 || isinf(x))
            return HC_MODEL_CANNOT_FIT;
        i++;
        if (i > 1) {
            double e = x - (k ? z / p : 0.0);
            sse += e * e;
        }
        if (x > 0.0) {
            double q = (double)(i - last);
            if (k == 0) {
                z = x;
                p = q;
            } else {
                z = a * x + (1.0 - a) * z;
                p = a * q + (1.0 - a) * p;
            }
            last = i;
            k++;
        }
    }
    if (i == 0)
        return HC_MODEL_CANNOT_FIT;
    double f = k ? z / p : 0.0;
    double sigma = i > 1 ? sqrt(sse / (double)(i - 1)) : 0.0;
    if (!isfinite(f) || !isfinite(sigma))
        return HC_MODEL_CANNOT_FIT; /* overflow on extreme data */

    int rc = hc_models_alloc_params(out, HC_ALGO_CROSTON, CROSTON_NPARAMS, err);
    if (rc != HC_OK)
        return rc;
    double *par = out->params;
    par[0] = 1.0;
    par[1] = f;
    par[2] = sigma;
    par[3] = z;
    par[4] = p;
    par[5] = a;
    par[6] = (double)k;
    return HC_OK;
}

static int croston_forecast(const hc_fitted *fit,
                            const hc_forecast_request *req, double *mean,
                            double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_models_check_params(fit, HC_ALGO_CROSTON, CROSTON_NPARAMS,
                                "Croston", err);
    if (rc != HC_OK)
        return rc;
    double f = fit->params[1], sigma = fit->params[2];
    if (fit->nparams != CROSTON_NPARAMS || !(f >= 0.0) || isinf(f) ||
        !(sigma >= 0.0) || isinf(sigma))
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "corrupt Croston model parameters");

    size_t h = req->horizon;
    for (size_t t = 0; t < h; t++)
        mean[t] = f;
    for (size_t q = 0; q < req->nquantiles; q++) {
        double v = f + hc_normal_quantile(req->quantiles[q]) * sigma;
        if (v < 0.0)
            v = 0.0;
        double *row = quantiles + q * h;
        for (size_t t = 0; t < h; t++)
            row[t] = v;
    }
    return HC_OK;
}

const hc_model hc_models_croston = {
    .id = HC_ALGO_CROSTON,
    .name = "Croston",
    .arn = HC_ARN_CROSTON,
    .fit = croston_fit,
    .forecast = croston_forecast,
};

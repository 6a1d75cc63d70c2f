/* ETS (arn:aws:forecast:::algorithm/ETS): R's forecast::ets(y) with its
 * defaults, then forecast(). Estimation and selection live in ets_fit.c,
 * forecasting in ets_forecast.c; this file adapts them to hc_model.
 *
 * Training data:
 * - Values filled with "nan" split the series; the model is fitted to the
 *   observed values after the last NaN (R's na.action = na.contiguous
 *   takes the longest stretch, which need not end at the forecast origin;
 *   we always take the last one so that forecasts start where the data
 *   ends). When the series ends with a NaN, or fewer than 7 values remain,
 *   the model cannot fit and the caller falls back (SeasonalNaive, Naive).
 * - A constant series (R's is.constant: mean relative difference to the
 *   first value at most 1.5e-8) gives ETS(A,N,N) with alpha = 0.99999 and
 *   the first value as initial level, as R's ets does (it returns
 *   ses(y, alpha = 0.99999, initial = "simple")).
 * - Otherwise the lowest-AICc model of R's default search (hc_ets_auto);
 *   the season length is the frequency's (SPEC 2.7), and seasonal models
 *   are only tried for 2 <= m <= 24 and more than m values.
 *
 * Forecasts: the mean is the model's point forecast (R's forecast()$mean;
 * the conditional mean except with a multiplicative season, where the
 * simulated paths' mean differs from it slightly). Quantiles are
 * mean + Phi^-1(tau) sd_h with the analytic variances of classes 1 and 2
 * (Hyndman et al. 2008, chapter 6), as R's forecast.ets; for models with a
 * multiplicative season (class 3) they are quantiles (type 8) of 5000
 * sample paths simulated with Gaussian innovations, seeded from the request
 * (R computes class 3 analytically; the paths follow the same model).
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0]  1.0, the layout version
 *   [1]  error: 1 additive, 2 multiplicative
 *   [2]  trend: 0 none, 1 additive
 *   [3]  damped: 0 or 1
 *   [4]  season: 0 none, 1 additive, 2 multiplicative
 *   [5]  m, the season length (1 without a season)
 *   [6]  alpha  [7] beta (0 without trend)  [8] gamma (0 without season)
 *   [9]  phi (1 without damping)
 *   [10] sigma2, the innovation variance (sum e^2 / (n - parameters))
 *   [11] number of values fitted
 *   [12] AICc of the chosen model (informational; NaN for a constant
 *        series)
 *   [13...] the state after the last value: level, trend (with a trend),
 *        then s_0..s_{m-1}, s_0 the season of the last value. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/model.h"
#include "models/ets_internal.h"
#include "models/models_internal.h"

#define ETS_HEADER 13u
#define ETS_MIN_N 7

static int store(hc_fitted *out, const hc_ets_fit *fit, size_t n,
                 hc_error *err)
{
    int nstate = hc_ets_nstate(&fit->spec);
    int rc = hc_models_alloc_params(out, HC_ALGO_ETS,
                                    ETS_HEADER + (uint32_t)nstate, err);
    if (rc != HC_OK)
        return rc;
    double *p = out->params;
    p[0] = 1.0;
    p[1] = fit->spec.error;
    p[2] = fit->spec.trend;
    p[3] = fit->spec.damped;
    p[4] = fit->spec.season;
    p[5] = fit->spec.season ? fit->spec.m : 1;
    p[6] = fit->par.alpha;
    p[7] = fit->spec.trend ? fit->par.beta : 0.0;
    p[8] = fit->spec.season ? fit->par.gamma : 0.0;
    p[9] = fit->spec.trend && fit->spec.damped ? fit->par.phi : 1.0;
    p[10] = fit->sigma2;
    p[11] = (double)n;
    p[12] = fit->aicc;
    memcpy(p + ETS_HEADER, fit->xn, (size_t)nstate * sizeof *p);
    return HC_OK;
}

static int ets_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    size_t start = 0;
    for (size_t t = 0; t < in->n; t++) {
        if (isnan(in->y[t]))
            start = t + 1;
        else if (!isfinite(in->y[t]))
            return HC_MODEL_CANNOT_FIT;
    }
    if (start >= in->n)
        return HC_MODEL_CANNOT_FIT;
    const double *y = in->y + start;
    size_t n = in->n - start;

    hc_ets_fit fit;
    if (n >= 2 && hc_models_is_constant(y, n)) {
        memset(&fit, 0, sizeof fit);
        fit.spec = (hc_ets_spec){HC_ETS_ADD, HC_ETS_NONE, 0, HC_ETS_NONE, 1};
        fit.par = (hc_ets_par){0.99999, 0.0, 0.0, 1.0};
        /* Simple exponential smoothing from l_1 = y_1; sigma2 the mean
         * squared one-step error, as R's HoltWinters-based ses(). */
        double l = y[0], sse = 0.0;
        for (size_t t = 1; t < n; t++) {
            double e = y[t] - l;
            sse += e * e;
            l += fit.par.alpha * e;
        }
        fit.xn[0] = l;
        fit.sigma2 = sse / (double)(n - 1);
        fit.aicc = (double)NAN;
        return store(out, &fit, n, err);
    }
    if (n < ETS_MIN_N)
        return HC_MODEL_CANNOT_FIT;

    double *work = malloc(hc_ets_work_size(n) * sizeof *work);
    if (!work)
        return hc_error_set(err, HC_ERR_NOMEM,
                            "out of memory for ETS on %zu values", n);
    int rc = hc_ets_auto(y, n, in->season, &fit, work);
    free(work);
    if (rc != 0)
        return HC_MODEL_CANNOT_FIT;
    return store(out, &fit, n, err);
}

/* Decodes and checks a stored model. */
static int decode(const hc_fitted *fit, hc_ets_spec *spec, hc_ets_par *par,
                  double *sigma2, const double **xn, hc_error *err)
{
    int rc = hc_models_check_params(fit, HC_ALGO_ETS, ETS_HEADER + 1, "ETS",
                                    err);
    if (rc != HC_OK)
        return rc;
    const double *p = fit->params;
    for (uint32_t i = 0; i < fit->nparams; i++)
        if (i != 12 && !isfinite(p[i]))
            goto corrupt;
    if ((p[1] != 1.0 && p[1] != 2.0) || (p[2] != 0.0 && p[2] != 1.0) ||
        (p[3] != 0.0 && p[3] != 1.0) ||
        (p[4] != 0.0 && p[4] != 1.0 && p[4] != 2.0) || p[5] != floor(p[5]) ||
        p[5] < 1.0 || p[5] > HC_ETS_MAX_M || p[10] < 0.0)
        goto corrupt;
    spec->error = (int)p[1];
    spec->trend = (int)p[2];
    spec->damped = (int)p[3];
    spec->season = (int)p[4];
    spec->m = (int)p[5];
    if ((spec->season && spec->m < 2) || (!spec->season && spec->m != 1) ||
        (spec->damped && !spec->trend) ||
        fit->nparams != ETS_HEADER + (uint32_t)hc_ets_nstate(spec))
        goto corrupt;
    par->alpha = p[6];
    par->beta = p[7];
    par->gamma = p[8];
    par->phi = p[9];
    *sigma2 = p[10];
    *xn = p + ETS_HEADER;
    return HC_OK;
corrupt:
    return hc_error_set(err, HC_ERR_INTERNAL, "corrupt ETS model parameters");
}

static int ets_forecast(const hc_fitted *fit, const hc_forecast_request *req,
                        double *mean, double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    hc_ets_spec spec;
    hc_ets_par par;
    double sigma2 = 0.0;
    const double *xn = NULL;
    rc = decode(fit, &spec, &par, &sigma2, &xn, err);
    if (rc != HC_OK)
        return rc;
    size_t h = req->horizon;
    hc_ets_point_forecast(&spec, &par, xn, h, mean);
    if (req->nquantiles == 0)
        return HC_OK;

    double *buf = NULL;
    if (spec.season != HC_ETS_MULT) {
        buf = malloc(h * sizeof *buf);
        if (!buf)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        hc_ets_analytic_variance(&spec, &par, sigma2, mean, h, buf);
        for (size_t k = 0; k < req->nquantiles; k++) {
            double z = hc_normal_quantile(req->quantiles[k]);
            for (size_t t = 0; t < h; t++) {
                double sd = buf[t] > 0.0 ? sqrt(buf[t]) : 0.0;
                quantiles[k * h + t] = mean[t] + z * sd;
            }
        }
    } else {
        buf = malloc(hc_ets_sim_work_size(&spec) * sizeof *buf);
        if (!buf)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        hc_ets_simulate_quantiles(&spec, &par, sigma2, xn, h, req->seed,
                                  req->quantiles, req->nquantiles, quantiles,
                                  buf);
    }
    free(buf);
    return HC_OK;
}

const hc_model hc_models_ets = {
    .id = HC_ALGO_ETS,
    .name = "ETS",
    .arn = HC_ARN_ETS,
    .fit = ets_fit,
    .forecast = ets_forecast,
};

/* Seasonal naive model: the value for step h ahead is the last observed
 * value at the same position in the season, with Gaussian errors whose
 * variance grows with the number of whole seasons ahead.
 *
 * With season length m and n training values y_0..y_{n-1}, step h (1-based)
 * takes season position j = (h-1) mod m, i.e. y_{n-m+j}; when that value is
 * NaN the most recent observed value at the same position (y_{n-2m+j}, ...)
 * is used, as R's forecast::snaive completes missing values with lagged
 * ones. Residuals e_t = y_t - y_{t-m} over the pairs where both values are
 * observed; sigma = sqrt(mean e^2) (no degrees-of-freedom correction, as
 * R's lagwalk()). The h-step standard deviation is
 * sigma * sqrt(floor((h-1)/m) + 1) (Hyndman & Athanasopoulos, FPP3, 5.5).
 *
 * Cannot fit (HC_MODEL_CANNOT_FIT, so the caller falls back to Naive) when
 * n < m or when some season position has no observed value at all. With
 * n == m, or no usable pair, sigma is 0.
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0]         1.0, the layout version
 *   [1]         m, the season length (an integer >= 1)
 *   [2]         sigma, the residual standard deviation (>= 0)
 *   [3 + j]     the value for season position j, j = 0..m-1 (the forecast
 *               for step h is params[3 + (h-1) mod m]) */
#include <math.h>

#include "hindcast/model.h"
#include "models/models_internal.h"

#define SNAIVE_HEADER 3u
/* Far above any frequency's season (1min: 60), small enough that nparams
 * cannot overflow: a model file claiming more is corrupt. */
#define SNAIVE_MAX_SEASON 1000000

static int snaive_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    if (in->season < 1 || in->season > SNAIVE_MAX_SEASON)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "season length %d is outside 1..%d", in->season,
                            SNAIVE_MAX_SEASON);
    size_t m = (size_t)in->season;
    size_t n = in->n;
    if (n < m)
        return HC_MODEL_CANNOT_FIT;

    /* Check every season position before allocating anything. */
    for (size_t j = 0; j < m; j++) {
        size_t t = n - m + j;
        while (isnan(in->y[t]) && t >= m)
            t -= m;
        if (isnan(in->y[t]))
            return HC_MODEL_CANNOT_FIT;
    }

    double ss = 0.0;
    size_t pairs = 0;
    for (size_t t = m; t < n; t++) {
        double d = in->y[t] - in->y[t - m];
        if (isnan(d))
            continue;
        ss += d * d;
        pairs++;
    }

    int rc = hc_models_alloc_params(out, HC_ALGO_SEASONAL_NAIVE,
                                    (uint32_t)(SNAIVE_HEADER + m), err);
    if (rc != HC_OK)
        return rc;
    out->params[0] = 1.0;
    out->params[1] = (double)m;
    out->params[2] = pairs ? sqrt(ss / (double)pairs) : 0.0;
    for (size_t j = 0; j < m; j++) {
        size_t t = n - m + j;
        while (isnan(in->y[t]))
            t -= m;
        out->params[SNAIVE_HEADER + j] = in->y[t];
    }
    return HC_OK;
}

static int snaive_forecast(const hc_fitted *fit,
                           const hc_forecast_request *req, double *mean,
                           double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_models_check_params(fit, HC_ALGO_SEASONAL_NAIVE, SNAIVE_HEADER + 1,
                                "SeasonalNaive", err);
    if (rc != HC_OK)
        return rc;
    double mm = fit->params[1];
    double sigma = fit->params[2];
    if (!(mm >= 1.0 && mm <= SNAIVE_MAX_SEASON) || mm != floor(mm) ||
        fit->nparams != SNAIVE_HEADER + (uint32_t)mm || !(sigma >= 0.0) ||
        isinf(sigma))
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "corrupt SeasonalNaive model parameters");
    size_t m = (size_t)mm;
    const double *last = fit->params + SNAIVE_HEADER;
    for (size_t j = 0; j < m; j++)
        if (!isfinite(last[j]))
            return hc_error_set(err, HC_ERR_INTERNAL,
                                "corrupt SeasonalNaive model parameters");

    size_t h = req->horizon;
    for (size_t t = 0; t < h; t++)
        mean[t] = last[t % m];
    for (size_t k = 0; k < req->nquantiles; k++) {
        double z = hc_normal_quantile(req->quantiles[k]);
        double *qk = quantiles + k * h;
        /* Step t+1 is floor(t/m) + 1 whole seasons ahead. */
        for (size_t t = 0; t < h; t++)
            qk[t] = mean[t] + sigma * sqrt((double)(t / m + 1)) * z;
    }
    return HC_OK;
}

const hc_model hc_models_seasonal_naive = {
    .id = HC_ALGO_SEASONAL_NAIVE,
    .name = "SeasonalNaive",
    .arn = HC_ARN_SEASONAL_NAIVE,
    .fit = snaive_fit,
    .forecast = snaive_forecast,
};

/* Naive (random walk) model: every future value equals the last observed
 * one, with Gaussian errors whose variance grows linearly with the step.
 *
 * sigma is the root mean square of the one-step differences y_t - y_{t-1}
 * over the pairs where both values are observed, divided by the number of
 * such pairs (no degrees-of-freedom correction). This matches R's
 * forecast::naive / rwf without drift, whose lagwalk() sets
 * sigma = sqrt(mean(res^2, na.rm = TRUE)) and forecasts with
 * se_h = sqrt(mse * h), mse being that same mean. With no usable pair
 * sigma is 0: the forecast is a point mass at the last value.
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0] 1.0, the layout version
 *   [1] last observed (non-NaN) training value
 *   [2] sigma, the one-step residual standard deviation (>= 0) */
#include <math.h>

#include "hindcast/model.h"
#include "models/models_internal.h"

#define NAIVE_NPARAMS 3u

static int naive_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    size_t last = in->n;
    for (size_t t = in->n; t-- > 0;) {
        if (!isnan(in->y[t])) {
            last = t;
            break;
        }
    }
    if (last == in->n)
        return HC_MODEL_CANNOT_FIT;

    double ss = 0.0;
    size_t pairs = 0;
    for (size_t t = 1; t < in->n; t++) {
        double d = in->y[t] - in->y[t - 1];
        if (isnan(d))
            continue;
        ss += d * d;
        pairs++;
    }

    int rc = hc_models_alloc_params(out, HC_ALGO_NAIVE, NAIVE_NPARAMS, err);
    if (rc != HC_OK)
        return rc;
    out->params[0] = 1.0;
    out->params[1] = in->y[last];
    out->params[2] = pairs ? sqrt(ss / (double)pairs) : 0.0;
    return HC_OK;
}

static int naive_forecast(const hc_fitted *fit, const hc_forecast_request *req,
                          double *mean, double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_models_check_params(fit, HC_ALGO_NAIVE, NAIVE_NPARAMS, "Naive",
                                err);
    if (rc != HC_OK)
        return rc;
    double level = fit->params[1];
    double sigma = fit->params[2];
    if (fit->nparams != NAIVE_NPARAMS || !isfinite(level) ||
        !(sigma >= 0.0) || isinf(sigma))
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "corrupt Naive model parameters");

    size_t h = req->horizon;
    for (size_t t = 0; t < h; t++)
        mean[t] = level;
    for (size_t k = 0; k < req->nquantiles; k++) {
        double z = hc_normal_quantile(req->quantiles[k]);
        double *qk = quantiles + k * h;
        /* Step t+1 ahead of a random walk: variance (t+1) * sigma^2. */
        for (size_t t = 0; t < h; t++)
            qk[t] = level + sigma * sqrt((double)(t + 1)) * z;
    }
    return HC_OK;
}

const hc_model hc_models_naive = {
    .id = HC_ALGO_NAIVE,
    .name = "Naive",
    .arn = HC_ARN_NAIVE,
    .fit = naive_fit,
    .forecast = naive_forecast,
};

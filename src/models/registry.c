/* Model registry, fallback chain and the helpers every model shares; see
 * hindcast/model.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hindcast/model.h"
#include "models/models_internal.h"

/* In SPEC 3.3 order. Adding a model: its file, one line here, its ARN in
 * SUPPORTED_ARNS. */
static const hc_model *const registry[] = {
    &hc_models_ets,
    &hc_models_arima,
    &hc_models_npts,
    &hc_models_prophet,
    &hc_models_naive,
    &hc_models_seasonal_naive,
    &hc_models_theta,
    &hc_models_croston,
};

#define SUPPORTED_ARNS                                                         \
    HC_ARN_ETS ", " HC_ARN_ARIMA ", " HC_ARN_NPTS ", " HC_ARN_PROPHET ", "      \
        HC_ARN_NAIVE ", " HC_ARN_SEASONAL_NAIVE ", " HC_ARN_THETA ", "            \
        HC_ARN_CROSTON

#define NMODELS (sizeof registry / sizeof registry[0])

const hc_model *hc_model_by_id(hc_algorithm id)
{
    for (size_t i = 0; i < NMODELS; i++)
        if (registry[i]->id == id)
            return registry[i];
    return NULL;
}

const hc_model *hc_model_by_arn(const char *arn)
{
    if (!arn)
        return NULL;
    for (size_t i = 0; i < NMODELS; i++)
        if (strcmp(registry[i]->arn, arn) == 0)
            return registry[i];
    return NULL;
}

const hc_model *hc_model_by_name(const char *name)
{
    const hc_model *m = hc_model_by_arn(name);
    for (size_t i = 0; !m && name && i < NMODELS; i++)
        if (strcasecmp(registry[i]->name, name) == 0)
            m = registry[i];
    return m;
}

const char *hc_model_supported_arns(void) { return SUPPORTED_ARNS; }

void hc_fitted_clear(hc_fitted *f)
{
    if (!f)
        return;
    free(f->params);
    memset(f, 0, sizeof *f);
}

int hc_model_fit_with_fallback(const hc_model *model, const hc_fit_input *in,
                               hc_fitted *out, hc_error *err)
{
    if (!out)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "no output for the fit");
    memset(out, 0, sizeof *out);
    if (!model || !in || (!in->y && in->n > 0))
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "model fit called without a model or data");

    /* The requested model first, then ever simpler ones; a model never
     * appears twice (SeasonalNaive requested -> SeasonalNaive, Naive). */
    const hc_model *chain[3];
    size_t nchain = 0;
    chain[nchain++] = model;
    if (model->id != HC_ALGO_SEASONAL_NAIVE && model->id != HC_ALGO_NAIVE)
        chain[nchain++] = &hc_models_seasonal_naive;
    if (model->id != HC_ALGO_NAIVE)
        chain[nchain++] = &hc_models_naive;

    for (size_t i = 0; i < nchain; i++) {
        int rc = chain[i]->fit(in, out, err);
        if (rc == HC_OK) {
            out->algorithm = (uint16_t)chain[i]->id;
            out->fallback = (uint16_t)(chain[i] != model);
            hc_error_clear(err);
            return HC_OK;
        }
        hc_fitted_clear(out);
        if (rc != HC_MODEL_CANNOT_FIT)
            return rc;
    }
    return hc_error_set(err, HC_MODEL_CANNOT_FIT,
                        "no model can fit the series: it has no observed value");
}

int hc_model_forecast(const hc_fitted *fit, const hc_forecast_request *req,
                      double *mean, double *quantiles, hc_error *err)
{
    if (!fit)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "no fitted model");
    const hc_model *model = hc_model_by_id((hc_algorithm)fit->algorithm);
    if (!model)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "fitted model names algorithm %u, which this "
                            "build does not implement",
                            (unsigned)fit->algorithm);
    return model->forecast(fit, req, mean, quantiles, err);
}

int hc_models_check_request(const hc_forecast_request *req, const double *mean,
                            const double *quantiles, hc_error *err)
{
    if (!req || !mean)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "forecast called without a request or output");
    if (req->horizon < 1)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "forecast horizon must be at least 1");
    if (req->nquantiles > 0 && (!req->quantiles || !quantiles))
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "quantiles requested without their arrays");
    for (size_t k = 0; k < req->nquantiles; k++) {
        double tau = req->quantiles[k];
        if (!(tau > 0.0 && tau < 1.0))
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "quantile %.17g is not inside (0,1)", tau);
    }
    return HC_OK;
}

int hc_models_check_params(const hc_fitted *fit, hc_algorithm id,
                           uint32_t min_params, const char *name, hc_error *err)
{
    if (fit->algorithm != (uint16_t)id || fit->nparams < min_params ||
        !fit->params)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "corrupt %s model: algorithm %u, %u parameters",
                            name, (unsigned)fit->algorithm,
                            (unsigned)fit->nparams);
    if (fit->params[0] != 1.0)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "%s model parameters have layout %.17g; this build "
                            "reads layout 1",
                            name, fit->params[0]);
    return HC_OK;
}

int hc_models_alloc_params(hc_fitted *out, hc_algorithm id, uint32_t n,
                           hc_error *err)
{
    memset(out, 0, sizeof *out);
    out->params = calloc(n, sizeof *out->params);
    if (!out->params)
        return hc_error_set(err, HC_ERR_NOMEM,
                            "out of memory for %u model parameters",
                            (unsigned)n);
    out->algorithm = (uint16_t)id;
    out->nparams = n;
    return HC_OK;
}

/* hindcast: the forecasting-model interface.
 *
 * Every algorithm is one hc_model: `fit` turns an item's training part into
 * a small vector of doubles (the fitted state, enough to forecast without
 * the data), `forecast` turns that vector into the mean and the requested
 * quantiles for each step of the horizon. The predictor stores the vectors
 * in its model file; exports only call `forecast`. Adding ETS, ARIMA, NPTS,
 * Prophet-like or Theta learners means adding one hc_model. */
#ifndef HINDCAST_MODEL_H
#define HINDCAST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/calendar.h"
#include "hindcast/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stable ids: they are written into model files, never renumber. */
typedef enum hc_algorithm {
    HC_ALGO_NAIVE = 1,
    HC_ALGO_SEASONAL_NAIVE = 2,
    HC_ALGO_ETS = 3,
    HC_ALGO_ARIMA = 4,
    HC_ALGO_NPTS = 5,
    HC_ALGO_PROPHET = 6,
    HC_ALGO_THETA = 7,
    HC_ALGO_CROSTON = 8
} hc_algorithm;

/* A fit may return this (positive) when the series is unsuitable for the
 * model (too short, constant, optimisation failed); the caller falls back
 * to a simpler model. */
#define HC_MODEL_CANNOT_FIT 1

/* Numeric hyperparameters from TrainingParameters; a zero field means the
 * algorithm's default. */
typedef struct hc_model_params {
    double npts_exp_kernel_weights; /* NPTS exponential kernel scale, > 0 */
    uint32_t npts_context_length;   /* NPTS: last values sampled from */
} hc_model_params;

typedef struct hc_fit_input {
    const double *y;  /* training values, oldest first; filled values
                         included; NaN where filled with "nan" */
    size_t n;         /* >= 1 */
    int season;       /* seasonal period m of the frequency (SPEC 2.7) */
    hc_freq freq;
    uint64_t seed;    /* deterministic per (item, window) */
    uint32_t options; /* HC_FIT_* bits, from TrainingParameters */
    const hc_model_params *params; /* NULL: every default */
} hc_fit_input;

/* ARIMA: fit auto.arima's seasonal ARIMA even where Amazon's rule for long
 * seasons would use Fourier terms (TrainingParameters
 * use_fourier_terms = "false"). */
#define HC_FIT_ARIMA_NO_FOURIER 0x1u
/* NPTS: kernel_type = "uniform" (climatological forecaster). */
#define HC_FIT_NPTS_UNIFORM 0x2u
/* NPTS: use_seasonal_model = "false" (or use_default_time_features =
 * "false": hindcast has no other seasonal features). */
#define HC_FIT_NPTS_NO_SEASONAL 0x4u

typedef struct hc_fitted {
    uint16_t algorithm; /* hc_algorithm of the model that produced params */
    uint16_t fallback;  /* 1 when a simpler model replaced the requested one */
    uint32_t nparams;
    double *params;     /* owned; freed by hc_fitted_clear */
} hc_fitted;

void hc_fitted_clear(hc_fitted *f); /* frees params, zeroes; NULL-safe */

typedef struct hc_forecast_request {
    size_t horizon;          /* steps to forecast, >= 1 */
    size_t nquantiles;
    const double *quantiles; /* taus in (0,1), any order */
    uint64_t seed;           /* for sampled distributions */
} hc_forecast_request;

typedef struct hc_model {
    hc_algorithm id;
    const char *name; /* "Naive" */
    const char *arn;  /* "arn:hindcast:::algorithm/Naive" */
    /* Fits in->y. Returns HC_OK and fills out (algorithm set to id),
     * HC_MODEL_CANNOT_FIT, or a negative hc_status on a real error. */
    int (*fit)(const hc_fit_input *in, hc_fitted *out, hc_error *err);
    /* mean[t] for t < horizon; quantiles[k*horizon + t] for quantile k. */
    int (*forecast)(const hc_fitted *fit, const hc_forecast_request *req,
                    double *mean, double *quantiles, hc_error *err);
} hc_model;

/* Registry. NULL when unknown/not implemented. */
const hc_model *hc_model_by_id(hc_algorithm id);
const hc_model *hc_model_by_arn(const char *arn);
/* An ARN, or a model's short name in any case ("theta", "SeasonalNaive"):
 * for benchmark and tool command lines. */
const hc_model *hc_model_by_name(const char *name);
/* Comma-separated list of the supported ARNs, for error messages. */
const char *hc_model_supported_arns(void);

/* Fits with `model`, falling back to SeasonalNaive, then Naive, when a
 * model cannot fit; out->fallback says so. */
int hc_model_fit_with_fallback(const hc_model *model, const hc_fit_input *in,
                               hc_fitted *out, hc_error *err);

/* Forecasts with the model recorded in fit->algorithm. */
int hc_model_forecast(const hc_fitted *fit, const hc_forecast_request *req,
                      double *mean, double *quantiles, hc_error *err);

/* Standard normal quantile function Phi^-1(p), p in (0,1), accurate to
 * ~1e-15 relative (Wichura's AS241). */
double hc_normal_quantile(double p);

#ifdef __cplusplus
}
#endif
#endif

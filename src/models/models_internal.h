/* hindcast models: what the model files share with the registry. */
#ifndef HC_MODELS_INTERNAL_H
#define HC_MODELS_INTERNAL_H

#include <stddef.h>

#include "hindcast/model.h"

#define HC_ARN_ETS "arn:aws:forecast:::algorithm/ETS"
#define HC_ARN_NAIVE "arn:hindcast:::algorithm/Naive"
#define HC_ARN_SEASONAL_NAIVE "arn:hindcast:::algorithm/SeasonalNaive"
#define HC_ARN_THETA "arn:hindcast:::algorithm/Theta"
#define HC_ARN_ARIMA "arn:aws:forecast:::algorithm/ARIMA"
#define HC_ARN_NPTS "arn:aws:forecast:::algorithm/NPTS"
#define HC_ARN_PROPHET "arn:aws:forecast:::algorithm/Prophet"
#define HC_ARN_CROSTON "arn:hindcast:::algorithm/Croston"

/* One definition per model file. */
extern const hc_model hc_models_ets;
extern const hc_model hc_models_naive;
extern const hc_model hc_models_seasonal_naive;
extern const hc_model hc_models_theta;
extern const hc_model hc_models_arima;
extern const hc_model hc_models_npts;
extern const hc_model hc_models_prophet;
extern const hc_model hc_models_croston;

/* Checks what every forecast needs from a request and its output arrays:
 * horizon >= 1, mean given, quantiles given when nquantiles > 0, every tau
 * in (0,1). Returns HC_OK or HC_ERR_INVALID_INPUT (err filled). */
int hc_models_check_request(const hc_forecast_request *req, const double *mean,
                            const double *quantiles, hc_error *err);

/* Checks that fit was made by `id`, has at least `min_params` parameters and
 * layout version 1 in params[0]. Returns HC_OK or HC_ERR_INTERNAL (a corrupt
 * or foreign model file). */
int hc_models_check_params(const hc_fitted *fit, hc_algorithm id,
                           uint32_t min_params, const char *name, hc_error *err);

/* Allocates out->params (n doubles, zeroed) and sets algorithm/fallback.
 * Returns HC_OK or HC_ERR_NOMEM. */
int hc_models_alloc_params(hc_fitted *out, hc_algorithm id, uint32_t n,
                           hc_error *err);

/* forecast::is.constant: all values equal to the first within all.equal's
 * relative tolerance 1.5e-8; NaN positions must all agree. */
int hc_models_is_constant(const double *x, size_t n);

/* Order statistics of sample paths (ETS, Prophet). */

/* Puts the k-th smallest (0-based) of v[0..n-1] at v[k], smaller ones
 * before it, larger ones after (Hoare's selection). No NaN in v. */
void hc_models_select(double *v, size_t n, size_t k);

/* After hc_models_select(v, n, k), with k + 1 < n: the (k+1)-th smallest,
 * the least of v[k+1..n-1]. */
double hc_models_next_smallest(const double *v, size_t n, size_t k);

#endif

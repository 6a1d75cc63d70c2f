/* ARIMA model (arn:aws:forecast:::algorithm/ARIMA).
 *
 * Amazon Forecast's ARIMA calls R's forecast package. Its documentation
 * (Developer Guide, "Autoregressive Integrated Moving Average (ARIMA)
 * Algorithm") says: "For frequencies less than 24 or short time series, the
 * hyperparameters are set using the auto.arima function ... For frequencies
 * greater than or equal to 24 and long time series, we use a Fourier series
 * with K = 4, as described here, Forecasting with long seasonal periods",
 * with the ts frequencies Y 1, M 12, W 52, D 7, H 24, 30min 2, 15min 4,
 * 10min 6, 5min 12, 1min 60 (the season lengths hc_fit_input carries).
 * hindcast reads that as (unless TrainingParameters use_fourier_terms is
 * "false", HC_FIT_ARIMA_NO_FOURIER, which always takes the second branch):
 *  - m >= 24 and n > 2m ("long": more than two whole seasons, the length
 *    below which auto.arima itself never differences seasonally): the
 *    regression on 4 sine/cosine pairs of period m with ARIMA errors, the
 *    errors chosen by auto.arima(y, xreg = fourier(y, K = 4),
 *    seasonal = FALSE) as in Hyndman's "Forecasting with long seasonal
 *    periods" (2010) and FPP 9.5;
 *  - otherwise auto.arima(ts(y, frequency = m)) with its defaults (a
 *    seasonal ARIMA for 1 < m; m above 64 is treated as non-seasonal).
 * Leading missing values are dropped (as auto.arima does); a constant
 * series gets ARIMA(0,0,0) with its mean.
 *
 * Forecasts: the ARMA state E[alpha_{n+1} | data] of the differenced,
 * regression-adjusted series is propagated through the transition matrix,
 * integrated back with the differencing polynomial, and the regression
 * (intercept, drift continuing the time index, Fourier terms continuing
 * the phase) added; the h-step variance is sigma2 sum_{j<h} psi_j^2, with
 * psi the weights of theta(B)Theta(B^m) / [phi(B)Phi(B^m)(1-B)^d(1-B^m)^D],
 * and the quantiles are Gaussian.
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0]  1.0, the layout version
 *   [1]  m, the period of the seasonal ARIMA part (1 when none)
 *   [2..7] p, d, q, P, D, Q
 *   [8]  constant: 0 none, 1 intercept (d + D = 0), 2 drift (d + D = 1)
 *   [9]  K, the number of Fourier sine/cosine pairs (0 or 4)
 *   [10] the Fourier period
 *   [11] drift time index of the last training value (values are 1..n)
 *   [12] Fourier time index of the last training value
 *   [13] sigma2, the innovation variance (>= 0)
 *   [14 ...] coefficients phi[p], theta[q], Phi[P], Theta[Q], the constant
 *        (when [8] > 0), the Fourier coefficients S1, C1, ..., SK, CK
 *   then the ARMA state, r = max(p + mP, q + mQ + 1) values
 *   then the last L = d + mD values of the regression-adjusted series,
 *   oldest first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/model.h"
#include "models/arima_internal.h"
#include "models/models_internal.h"

#define LAYOUT 1.0
#define HDR 14u
#define FOURIER_K 4
#define FOURIER_MIN_PERIOD 24

enum { CONST_NONE = 0, CONST_MEAN = 1, CONST_DRIFT = 2 };

static int state_dim(const arima_order *o)
{
    int np = arima_np(o), nq = arima_nq(o);
    return np > nq + 1 ? np : nq + 1;
}

static int store_fit(const arima_problem *pb, const arima_fit *f, int K,
                     double fperiod, double fourier_last, hc_fitted *out,
                     hc_error *err)
{
    const arima_order *o = &f->o;
    int r = state_dim(o);
    int L = o->d + o->m * o->D;
    int ncoef = f->narma + f->nreg;
    double state[2 * ARIMA_MAX_M * ARIMA_MAX_SPQ + ARIMA_MAX_PQ + 2];
    double ulast[ARIMA_MAX_M * ARIMA_MAX_SD + ARIMA_MAX_D];
    int rc = arima_final_state(pb, f, state, ulast, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_models_alloc_params(out, HC_ALGO_ARIMA,
                                HDR + (uint32_t)(ncoef + r + L), err);
    if (rc != HC_OK)
        return rc;
    double *v = out->params;
    v[0] = LAYOUT;
    v[1] = o->m;
    v[2] = o->p;
    v[3] = o->d;
    v[4] = o->q;
    v[5] = o->P;
    v[6] = o->D;
    v[7] = o->Q;
    v[8] = !f->constant ? CONST_NONE
                        : (o->d + o->D == 0 ? CONST_MEAN : CONST_DRIFT);
    v[9] = K;
    v[10] = K ? fperiod : 0.0;
    v[11] = (double)pb->n;
    v[12] = K ? fourier_last : 0.0;
    v[13] = f->sigma2 > 0.0 ? f->sigma2 : 0.0;
    memcpy(v + HDR, f->coef, (size_t)ncoef * sizeof *v);
    memcpy(v + HDR + ncoef, state, (size_t)r * sizeof *v);
    memcpy(v + HDR + ncoef + r, ulast, (size_t)L * sizeof *v);
    for (uint32_t i = 0; i < out->nparams; i++)
        if (!isfinite(v[i])) {
            hc_fitted_clear(out);
            return HC_MODEL_CANNOT_FIT;
        }
    return HC_OK;
}

static int fit_constant(const double *y, size_t n, hc_fitted *out,
                        hc_error *err)
{
    double mean = 0.0;
    size_t cnt = 0;
    for (size_t t = 0; t < n; t++)
        if (!isnan(y[t])) {
            mean += y[t];
            cnt++;
        }
    mean /= (double)cnt;
    /* ARIMA(0,0,0) with mean: state r = 1 (zero), no integration. */
    int rc = hc_models_alloc_params(out, HC_ALGO_ARIMA, HDR + 2, err);
    if (rc != HC_OK)
        return rc;
    double *v = out->params;
    v[0] = LAYOUT;
    v[1] = 1.0;
    v[8] = CONST_MEAN;
    v[11] = (double)n;
    v[HDR] = mean;
    v[HDR + 1] = 0.0;
    return HC_OK;
}

static int arima_model_fit(const hc_fit_input *in, hc_fitted *out,
                           hc_error *err)
{
    size_t f0 = 0;
    while (f0 < in->n && isnan(in->y[f0]))
        f0++;
    if (f0 == in->n)
        return HC_MODEL_CANNOT_FIT;
    const double *y = in->y + f0;
    size_t n = in->n - f0;
    if (hc_models_is_constant(y, n))
        return fit_constant(y, n, out, err);

    int freq = in->season < 1 ? 1 : in->season;
    int fourier = !(in->options & HC_FIT_ARIMA_NO_FOURIER) &&
                  freq >= FOURIER_MIN_PERIOD &&
                  n > 2 * (size_t)freq;
    double *X = NULL;
    arima_problem pb = {y, n, NULL, 0, 0};
    arima_auto_opts opts = {freq, n > 150 || freq > 12, 1, 1};
    if (fourier) {
        X = malloc(n * 2 * FOURIER_K * sizeof *X);
        if (!X)
            return hc_error_set(err, HC_ERR_NOMEM,
                                "out of memory fitting ARIMA");
        /* Phases follow the position in the whole series, as fourier(y). */
        arima_fourier(n, (double)(f0 + 1), (double)freq, FOURIER_K, X);
        pb.xreg = X;
        pb.nxreg = 2 * FOURIER_K;
        opts.m = 1;
    } else if (freq > ARIMA_MAX_M) {
        opts.m = 1;
    }
    arima_fit best;
    int rc = arima_auto(&pb, &opts, &best, err);
    if (rc == HC_OK) {
        if (!isfinite(best.ic))
            rc = HC_MODEL_CANNOT_FIT;
        else
            rc = store_fit(&pb, &best, fourier ? FOURIER_K : 0, (double)freq,
                           (double)in->n, out, err);
    }
    free(X);
    return rc;
}


typedef struct parsed {
    arima_order o;
    int ckind, K, ncoef, r, L;
    double fperiod, tdrift, tfourier, sigma2;
    const double *coef, *state, *ulast;
} parsed;

static int is_int_in(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == floor(v);
}

static int parse_params(const hc_fitted *fit, parsed *p, hc_error *err)
{
    int rc = hc_models_check_params(fit, HC_ALGO_ARIMA, HDR + 1, "ARIMA", err);
    if (rc != HC_OK)
        return rc;
    const double *v = fit->params;
    if (!is_int_in(v[1], 1, ARIMA_MAX_M) || !is_int_in(v[2], 0, ARIMA_MAX_PQ) ||
        !is_int_in(v[3], 0, ARIMA_MAX_D) || !is_int_in(v[4], 0, ARIMA_MAX_PQ) ||
        !is_int_in(v[5], 0, ARIMA_MAX_SPQ) ||
        !is_int_in(v[6], 0, ARIMA_MAX_SD) ||
        !is_int_in(v[7], 0, ARIMA_MAX_SPQ) || !is_int_in(v[8], 0, 2) ||
        !is_int_in(v[9], 0, ARIMA_MAX_XREG / 2) || !isfinite(v[10]) ||
        !isfinite(v[11]) || !isfinite(v[12]) || !(v[13] >= 0.0) ||
        !isfinite(v[13]))
        goto corrupt;
    p->o = (arima_order){(int)v[2], (int)v[3], (int)v[4],
                         (int)v[5], (int)v[6], (int)v[7], (int)v[1]};
    if (p->o.m == 1 && (p->o.P || p->o.D || p->o.Q))
        goto corrupt;
    p->ckind = (int)v[8];
    p->K = (int)v[9];
    if (p->K > 0 && !(v[10] > 0.0))
        goto corrupt;
    p->fperiod = v[10];
    p->tdrift = v[11];
    p->tfourier = v[12];
    p->sigma2 = v[13];
    p->ncoef = p->o.p + p->o.q + p->o.P + p->o.Q + (p->ckind ? 1 : 0) +
               2 * p->K;
    p->r = state_dim(&p->o);
    p->L = p->o.d + p->o.m * p->o.D;
    if (fit->nparams != HDR + (uint32_t)(p->ncoef + p->r + p->L))
        goto corrupt;
    for (uint32_t i = HDR; i < fit->nparams; i++)
        if (!isfinite(v[i]))
            goto corrupt;
    p->coef = v + HDR;
    p->state = p->coef + p->ncoef;
    p->ulast = p->state + p->r;
    return HC_OK;
corrupt:
    return hc_error_set(err, HC_ERR_INTERNAL, "corrupt ARIMA model parameters");
}

static int arima_model_forecast(const hc_fitted *fit,
                                const hc_forecast_request *req, double *mean,
                                double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    parsed p;
    rc = parse_params(fit, &p, err);
    if (rc != HC_OK)
        return rc;
    size_t H = req->horizon;
    int np = arima_np(&p.o), nq = arima_nq(&p.o), r = p.r, L = p.L;
    int npstar = np + L;
    size_t nbuf = (size_t)np + (size_t)nq + (size_t)r + (size_t)npstar + 2 +
                  (size_t)L + 2 * H;
    double *buf = malloc(nbuf * sizeof *buf);
    if (!buf)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory forecasting");
    double *ephi = buf, *etheta = ephi + np, *a = etheta + nq;
    double *phistar = a + r, *u = phistar + npstar + 2, *psi = u + L + H;
    arima_expand(&p.o, p.coef, ephi, etheta);

    /* ARMA part of the differenced series, then integration. */
    double delta[ARIMA_MAX_M * ARIMA_MAX_SD + ARIMA_MAX_D];
    arima_diff_poly(p.o.d, p.o.D, p.o.m, delta);
    memcpy(a, p.state, (size_t)r * sizeof *a);
    memcpy(u, p.ulast, (size_t)L * sizeof *u);
    for (size_t h = 0; h < H; h++) {
        double v = a[0];
        double a0 = a[0];
        for (int i = 0; i + 1 < r; i++)
            a[i] = (i < np ? ephi[i] : 0.0) * a0 + a[i + 1];
        a[r - 1] = (r - 1 < np ? ephi[r - 1] : 0.0) * a0;
        size_t t = (size_t)L + h;
        for (int j = 1; j <= L; j++)
            v -= delta[j - 1] * u[t - (size_t)j];
        u[t] = v;
        mean[h] = v;
    }
    /* Regression part. */
    const double *beta = p.coef + p.o.p + p.o.q + p.o.P + p.o.Q;
    if (p.ckind == CONST_MEAN) {
        for (size_t h = 0; h < H; h++)
            mean[h] += beta[0];
    } else if (p.ckind == CONST_DRIFT) {
        for (size_t h = 0; h < H; h++)
            mean[h] += beta[0] * (p.tdrift + (double)(h + 1));
    }
    if (p.K > 0) {
        const double *fb = beta + (p.ckind ? 1 : 0);
        double xf[ARIMA_MAX_XREG];
        for (size_t h = 0; h < H; h++) {
            /* The same terms as in the fit, continuing the time index. */
            arima_fourier(1, p.tfourier + (double)(h + 1), p.fperiod, p.K, xf);
            double s = 0.0;
            for (int j = 0; j < 2 * p.K; j++)
                s += fb[j] * xf[j];
            mean[h] += s;
        }
    }

    /* Variance from the psi-weights of theta*(B) / phi*(B). */
    for (int i = 0; i < npstar; i++)
        phistar[i] = 0.0;
    /* (1 - sum ephi B^i)(1 + sum delta B^j) = 1 - sum phistar B^k */
    for (int i = 0; i <= np; i++) {
        double ai = i == 0 ? 1.0 : -ephi[i - 1];
        for (int j = 0; j <= L; j++) {
            double bj = j == 0 ? 1.0 : delta[j - 1];
            int k = i + j;
            if (k > 0)
                phistar[k - 1] -= ai * bj;
        }
    }
    arima_psi(phistar, npstar, etheta, nq, psi, H);
    double cum = 0.0;
    for (size_t h = 0; h < H; h++) {
        cum += psi[h] * psi[h];
        psi[h] = sqrt(p.sigma2 * cum);
    }
    for (size_t k = 0; k < req->nquantiles; k++) {
        double z = hc_normal_quantile(req->quantiles[k]);
        double *qk = quantiles + k * H;
        for (size_t h = 0; h < H; h++)
            qk[h] = mean[h] + z * psi[h];
    }
    free(buf);
    return HC_OK;
}

const hc_model hc_models_arima = {
    .id = HC_ALGO_ARIMA,
    .name = "ARIMA",
    .arn = HC_ARN_ARIMA,
    .fit = arima_model_fit,
    .forecast = arima_model_forecast,
};

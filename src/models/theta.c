/* Theta model: the classic Theta method (Assimakopoulos & Nikolopoulos
 * 2000) as the M4 competition ran it as a benchmark (Makridakis, Spiliotis
 * & Assimakopoulos 2020, "The M4 Competition: 100,000 time series and 61
 * forecasting methods", IJF 36(1); the benchmark's published description):
 *
 *  1. Seasonality: with season m > 1, at least 3m values and every value
 *     positive, the series is seasonal when the lag-m autocorrelation is
 *     significant at 90% (hc_theta_seasonal_test). A seasonal series is
 *     divided by the indices of a classical multiplicative decomposition
 *     (hc_theta_seasonal_indices).
 *  2. On the (deseasonalised) series d_1..d_n: the theta-0 line is the least
 *     squares line L_t = a + b t; the theta-2 line is 2 d_t - L_t, which
 *     doubles the local curvature. Simple exponential smoothing, fitted by
 *     least squares (hc_theta_ses_fit; R's ses(), i.e. ets(ANN) with
 *     opt.crit "mse", as the M4 code calls it), extrapolates the theta-2
 *     line flat at its last level l_n.
 *  3. The forecast is the equal-weight mean of the two extrapolations,
 *     0.5 (a + b (n + h)) + 0.5 l_n, times the seasonal index of step n + h.
 *
 * Predictive distribution: since d_t = (theta2_t + L_t) / 2, the combined
 * one-step in-sample error is half the SES error of the theta-2 line, and
 * with the theta-0 line deterministic the h-step error is half the theta-2
 * line's. Under SES's state-space model (ETS(A,N,N), Hyndman et al. 2008)
 * that is Gaussian with variance sigma^2 (1 + (h - 1) alpha^2), where
 * sigma^2 = SSE / (4 (n - 2)): the theta-2 line's residual variance with the
 * n - 2 denominator that R's ets() uses for ANN (alpha and l0 estimated),
 * divided by 4. The mean and standard deviation are then multiplied by the
 * step's seasonal index. (Hyndman & Billah 2003 show Theta is SES with a
 * drift of b/2; this variance is SES's, as R's thetaf() uses.)
 *
 * Zero floor: when no training value is negative (demand-like data, all of
 * M4), the mean and every quantile are floored at 0; the floored quantiles
 * are exactly the quantiles of the Gaussian censored at 0, and the point
 * forecast follows the convention of zeroing negative forecasts. Series
 * with negative values are never floored.
 *
 * Missing values (NaN): leading ones are dropped, interior ones linearly
 * interpolated, trailing ones carry the last observed value forward, so the
 * forecast origin stays the end of the training part.
 *
 * Cannot fit (HC_MODEL_CANNOT_FIT: the caller falls back to SeasonalNaive,
 * then Naive) when fewer than 3 values remain after the leading NaNs, no
 * value is observed, a value is infinite, or a parameter overflows. A constant series fits: its forecast is the constant
 * with sigma 0 (a point mass).
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0]       1.0, the layout version
 *   [1]       k, the number of seasonal indices stored (1 when not seasonal)
 *   [2]       a + b n, the theta-0 line at the last training step
 *   [3]       b, its slope per step
 *   [4]       l_n, the SES level of the theta-2 line
 *   [5]       alpha
 *   [6]       sigma, the one-step standard deviation (deseasonalised)
 *   [7]       1.0 when the forecasts are floored at 0, else 0.0
 *   [8 + j]   the seasonal index of step h with (h - 1) mod k == j */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/model.h"
#include "models/models_internal.h"
#include "models/theta_internal.h"

#define THETA_HEADER 8u
#define THETA_MIN_N 3u
/* Far above any frequency's season (1min: 60); a model file claiming more
 * is corrupt. */
#define THETA_MAX_SEASON 100000
/* One-sided 95% normal quantile: the 90% two-sided test of the M4 code. */
#define THETA_TCRIT 1.645

int hc_theta_seasonal_test(const double *y, size_t n, size_t m)
{
    if (m < 2 || n < 3 * m)
        return 0;
    double *z = malloc((n + m + 1) * sizeof *z);
    if (!z)
        return -1;
    double *acc = z + n; /* acc[k], k = 1..m */
    double mean = 0.0;
    for (size_t t = 0; t < n; t++)
        mean += y[t];
    mean /= (double)n;
    double c0 = 0.0;
    for (size_t t = 0; t < n; t++) {
        z[t] = y[t] - mean;
        c0 += z[t] * z[t];
    }
    int seasonal = 0;
    if (c0 > 0.0) {
        /* Every lag in one sweep: m independent sums instead of m
         * dependent chains. */
        for (size_t k = 0; k <= m; k++)
            acc[k] = 0.0;
        for (size_t t = 0; t + 1 < n; t++) {
            size_t kmax = n - 1 - t < m ? n - 1 - t : m;
            double zt = z[t];
            for (size_t k = 1; k <= kmax; k++)
                acc[k] += zt * z[t + k];
        }
        double sum_sq = 0.0;
        for (size_t k = 1; k < m; k++)
            sum_sq += (acc[k] / c0) * (acc[k] / c0);
        double limit = THETA_TCRIT * sqrt((1.0 + 2.0 * sum_sq) / (double)n);
        seasonal = fabs(acc[m] / c0) > limit;
    }
    free(z);
    return seasonal;
}

int hc_theta_seasonal_indices(const double *y, size_t n, size_t m,
                              double *idx)
{
    if (m < 1 || n < 2 * m)
        return -1;
    size_t half = m / 2;
    size_t *count = calloc(m, sizeof *count);
    if (!count)
        return -1;
    for (size_t j = 0; j < m; j++)
        idx[j] = 0.0; /* the sums of the ratios first */
    /* Centred moving average: for even m the 2 x m average (weights 1/(2m)
     * at both ends of a window of m + 1 values, 1/m inside), for odd m the
     * plain m average. `window` is the running sum of y[t-half..t+half]. */
    double window = 0.0;
    for (size_t i = 0; i + 1 < 2 * half + 1; i++)
        window += y[i];
    for (size_t t = half; t + half < n; t++) {
        window += y[t + half];
        double tr = m % 2 == 0 ? window - 0.5 * (y[t - half] + y[t + half])
                               : window;
        tr /= (double)m;
        idx[t % m] += y[t] / tr;
        count[t % m]++;
        window -= y[t - half];
    }
    int rc = 0;
    double total = 0.0;
    for (size_t j = 0; j < m; j++) {
        idx[j] /= (double)count[j]; /* n >= 2m: every position has one */
        total += idx[j];
    }
    double mean = total / (double)m;
    for (size_t j = 0; j < m; j++) {
        idx[j] /= mean;
        if (!(idx[j] > 0.0) || !isfinite(idx[j]))
            rc = -1;
    }
    free(count);
    return rc;
}

/* SES with initial level l0: given alpha (beta = 1 - alpha) the level
 * before step t (0-based) is beta^t l0 + c_t, where c_t is the level of a
 * run started at 0, so the one-step error is u_t - w_t l0 with
 * u_t = x_t - c_t and w_t = beta^t. Least squares in l0 gives
 * l0 = sum u w / sum w^2 and SSE = sum u^2 - (sum u w)^2 / sum w^2. The data
 * are centred on their mean first (SES is translation-equivariant), which
 * keeps that difference well conditioned. */
#define SES_LANES 8

/* Fully unrolled, the lane state stays in registers instead of making a
 * round trip through memory on every step. */
#if defined(__GNUC__) && !defined(__clang__)
#define UNROLL_LANES _Pragma("GCC unroll 8")
#elif defined(__clang__)
#define UNROLL_LANES _Pragma("unroll")
#else
#define UNROLL_LANES
#endif

/* The profile SSE for SES_LANES alphas in one sweep over the data: the
 * lanes are independent recursions, which the CPU overlaps. */
static void profile_lanes(const double *x, size_t n, double mu,
                          const double *alpha, double *sse)
{
    double c[SES_LANES], w[SES_LANES], beta[SES_LANES];
    double suu[SES_LANES], suw[SES_LANES], sww[SES_LANES];
    for (int k = 0; k < SES_LANES; k++) {
        c[k] = suu[k] = suw[k] = sww[k] = 0.0;
        w[k] = 1.0;
        beta[k] = 1.0 - alpha[k];
    }
    /* While some weight beta^t is still significant, in blocks of 8 steps;
     * a weight below 1e-100 is negligible beside the first (1) and is set
     * to 0, before its square could reach slow subnormal numbers (8 steps
     * shrink it by at most 1e-32). */
    size_t t = 0;
    int alive = 1;
    while (t < n && alive) {
        size_t end = n - t > 8 ? t + 8 : n;
        for (; t < end; t++) {
            double xt = x[t] - mu;
            UNROLL_LANES
            for (int k = 0; k < SES_LANES; k++) {
                double u = xt - c[k];
                suu[k] += u * u;
                suw[k] += u * w[k];
                sww[k] += w[k] * w[k];
                c[k] += alpha[k] * u;
                w[k] *= beta[k];
            }
        }
        alive = 0;
        for (int k = 0; k < SES_LANES; k++) {
            if (w[k] < 1e-100)
                w[k] = 0.0;
            else
                alive = 1;
        }
    }
    for (; t < n; t++) {
        double xt = x[t] - mu;
        UNROLL_LANES
        for (int k = 0; k < SES_LANES; k++) {
            double u = xt - c[k];
            suu[k] += u * u;
            c[k] += alpha[k] * u;
        }
    }
    for (int k = 0; k < SES_LANES; k++) {
        double v = suu[k] - suw[k] * suw[k] / sww[k];
        sse[k] = v > 0.0 ? v : 0.0;
    }
}

/* The same for one alpha, exactly: l0 from the sums, then the SSE summed
 * over a second run of the recursion (no cancellation). */
static double profile_exact(const double *x, size_t n, double mu,
                            double alpha, double *level0)
{
    double beta = 1.0 - alpha;
    double c = 0.0, w = 1.0, suw = 0.0, sww = 0.0;
    for (size_t t = 0; t < n; t++) {
        double xt = x[t] - mu;
        double u = xt - c;
        suw += u * w;
        sww += w * w;
        c = beta * c + alpha * xt;
        w = w * beta < 1e-100 ? 0.0 : w * beta;
    }
    double l0 = suw / sww; /* sww >= 1: the first weight is 1 */
    double l = l0, sse = 0.0;
    for (size_t t = 0; t < n; t++) {
        double e = (x[t] - mu) - l;
        sse += e * e;
        l += alpha * e;
    }
    if (level0)
        *level0 = l0 + mu;
    return sse;
}

static double mean_of(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t t = 0; t < n; t++)
        s += x[t];
    return s / (double)n;
}

double hc_theta_ses_profile(const double *x, size_t n, double alpha,
                            double *level0)
{
    return profile_exact(x, n, mean_of(x, n), alpha, level0);
}

/* Grid over the alpha range (a multiple of SES_LANES points), then the
 * bracket around the best point is cut into SES_LANES + 1 pieces per sweep
 * (4.5 times narrower each time) down to SES_TOL. */
#define SES_GRID 40
#define SES_TOL 1e-10
#define SES_MAX_SWEEPS 64

/* Index of the smallest of v[0..n-1], the first one on ties. */
static size_t argmin(const double *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[best])
            best = i;
    return best;
}

void hc_theta_ses_fit(const double *x, size_t n, hc_theta_ses *out)
{
    /* With l0 eliminated in closed form the problem is one-dimensional and
     * bounded: the grid finds the basin of the global minimum (the profile
     * can have more than one), the sweeps narrow it. Deterministic, and
     * free of the start-value dependence of a local optimiser. */
    const double lo = HC_THETA_ALPHA_MIN, hi = HC_THETA_ALPHA_MAX;
    double mu = mean_of(x, n);
    double ga[SES_GRID], gf[SES_GRID];
    for (size_t j = 0; j < SES_GRID; j++)
        ga[j] = lo + (hi - lo) * (double)j / (double)(SES_GRID - 1);
    ga[SES_GRID - 1] = hi;
    for (size_t j = 0; j < SES_GRID; j += SES_LANES)
        profile_lanes(x, n, mu, ga + j, gf + j);
    size_t jb = argmin(gf, SES_GRID);
    double best_alpha = ga[jb], best_f = gf[jb];

    /* cand[0] and cand[SES_LANES + 1] are the bracket ends. */
    double cand[SES_LANES + 2], cf[SES_LANES + 2];
    size_t ja = jb > 0 ? jb - 1 : 0;
    size_t jc = jb + 1 < SES_GRID ? jb + 1 : SES_GRID - 1;
    cand[0] = ga[ja];
    cf[0] = gf[ja];
    cand[SES_LANES + 1] = ga[jc];
    cf[SES_LANES + 1] = gf[jc];
    for (int sweep = 0; sweep < SES_MAX_SWEEPS &&
                        cand[SES_LANES + 1] - cand[0] > SES_TOL;
         sweep++) {
        double a = cand[0], width = cand[SES_LANES + 1] - cand[0];
        for (int i = 1; i <= SES_LANES; i++)
            cand[i] = a + width * (double)i / (double)(SES_LANES + 1);
        profile_lanes(x, n, mu, cand + 1, cf + 1);
        size_t i = argmin(cf, SES_LANES + 2);
        if (cf[i] < best_f) {
            best_f = cf[i];
            best_alpha = cand[i];
        }
        size_t ia = i > 0 ? i - 1 : 0;
        size_t ic = i + 1 < SES_LANES + 2 ? i + 1 : SES_LANES + 1;
        double na = cand[ia], nfa = cf[ia], nc = cand[ic], nfc = cf[ic];
        cand[0] = na;
        cf[0] = nfa;
        cand[SES_LANES + 1] = nc;
        cf[SES_LANES + 1] = nfc;
    }

    double l0;
    out->sse = profile_exact(x, n, mu, best_alpha, &l0);
    out->alpha = best_alpha;
    out->level0 = l0;
    double l = l0;
    for (size_t t = 0; t < n; t++)
        l += best_alpha * (x[t] - l);
    out->level = l;
}

/* Copies the usable part of y into buf: leading NaNs dropped, interior
 * NaNs interpolated linearly, trailing NaNs carried forward. Returns the
 * length, 0 when nothing is observed. */
static size_t clean_series(const double *y, size_t n, double *buf)
{
    size_t first = 0;
    while (first < n && isnan(y[first]))
        first++;
    if (first == n)
        return 0;
    size_t len = n - first;
    size_t prev = 0; /* index in buf of the last observed value */
    buf[0] = y[first];
    for (size_t i = 1; i < len; i++) {
        double v = y[first + i];
        if (isnan(v)) {
            buf[i] = (double)NAN;
            continue;
        }
        for (size_t j = prev + 1; j < i; j++) /* fill the gap */
            buf[j] = buf[prev] + (v - buf[prev]) * (double)(j - prev) /
                                     (double)(i - prev);
        buf[i] = v;
        prev = i;
    }
    for (size_t j = prev + 1; j < len; j++)
        buf[j] = buf[prev];
    return len;
}

static int theta_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    if (in->season < 1 || in->season > THETA_MAX_SEASON)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "season length %d is outside 1..%d", in->season,
                            THETA_MAX_SEASON);
    int rc = HC_OK;
    double *d = malloc((in->n ? in->n : 1) * 2 * sizeof *d);
    double *idx = NULL;
    if (!d)
        return hc_error_set(err, HC_ERR_NOMEM,
                            "out of memory for a series of %zu values", in->n);
    double *theta2 = d + in->n;
    size_t n = clean_series(in->y, in->n, d);
    if (n < THETA_MIN_N) {
        rc = HC_MODEL_CANNOT_FIT;
        goto done;
    }
    int nonneg = 1, positive = 1;
    for (size_t t = 0; t < n; t++) {
        if (!isfinite(d[t])) { /* infinite input: leave it to the fallbacks */
            rc = HC_MODEL_CANNOT_FIT;
            goto done;
        }
        nonneg &= d[t] >= 0.0;
        positive &= d[t] > 0.0;
    }

    size_t m = (size_t)in->season, k = 1;
    idx = malloc(m * sizeof *idx);
    if (!idx) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    int seasonal = positive ? hc_theta_seasonal_test(d, n, m) : 0;
    if (seasonal < 0) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (seasonal && hc_theta_seasonal_indices(d, n, m, idx) == 0) {
        k = m;
        for (size_t t = 0; t < n; t++)
            d[t] /= idx[t % m];
    }

    /* Least-squares line on t = 1..n, centred to keep it well conditioned. */
    double tbar = 0.5 * (double)(n + 1), dbar = mean_of(d, n);
    double sxy = 0.0, sxx = 0.0;
    for (size_t t = 0; t < n; t++) {
        double dt = (double)(t + 1) - tbar;
        sxy += dt * (d[t] - dbar);
        sxx += dt * dt;
    }
    double b = sxy / sxx; /* sxx > 0 for n >= 2 */
    for (size_t t = 0; t < n; t++)
        theta2[t] = 2.0 * d[t] - (dbar + b * ((double)(t + 1) - tbar));

    hc_theta_ses ses;
    hc_theta_ses_fit(theta2, n, &ses);

    rc = hc_models_alloc_params(out, HC_ALGO_THETA,
                                (uint32_t)(THETA_HEADER + k), err);
    if (rc != HC_OK)
        goto done;
    double *p = out->params;
    p[0] = 1.0;
    p[1] = (double)k;
    p[2] = dbar + b * ((double)n - tbar);
    p[3] = b;
    p[4] = ses.level;
    p[5] = ses.alpha;
    p[6] = sqrt(ses.sse / (4.0 * (double)(n - 2)));
    p[7] = nonneg ? 1.0 : 0.0;
    /* Step h falls on training position n + h - 1 (0-based). */
    for (size_t j = 0; j < k; j++)
        p[THETA_HEADER + j] = k == 1 ? 1.0 : idx[(n + j) % m];
    for (uint32_t i = 2; i < out->nparams; i++)
        if (!isfinite(p[i])) {
            hc_fitted_clear(out);
            rc = HC_MODEL_CANNOT_FIT; /* overflow on extreme data */
            goto done;
        }
done:
    free(d);
    free(idx);
    return rc;
}

static int theta_forecast(const hc_fitted *fit, const hc_forecast_request *req,
                          double *mean, double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_models_check_params(fit, HC_ALGO_THETA, THETA_HEADER + 1, "Theta",
                                err);
    if (rc != HC_OK)
        return rc;
    const double *p = fit->params;
    double kk = p[1], alpha = p[5], sigma = p[6], floor0 = p[7];
    int ok = kk >= 1.0 && kk <= THETA_MAX_SEASON && kk == floor(kk) &&
             fit->nparams == THETA_HEADER + (uint32_t)kk && alpha > 0.0 &&
             alpha <= 1.0 && sigma >= 0.0 && (floor0 == 0.0 || floor0 == 1.0);
    for (uint32_t i = 2; ok && i < fit->nparams; i++)
        ok = isfinite(p[i]) && (i < THETA_HEADER || p[i] > 0.0);
    if (!ok)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "corrupt Theta model parameters");
    size_t k = (size_t)kk, h = req->horizon;
    const double *season = p + THETA_HEADER;

    for (size_t t = 0; t < h; t++) {
        double steps = (double)(t + 1);
        double v = (0.5 * (p[2] + p[3] * steps) + 0.5 * p[4]) * season[t % k];
        mean[t] = floor0 == 1.0 && v < 0.0 ? 0.0 : v;
    }
    for (size_t q = 0; q < req->nquantiles; q++) {
        double z = hc_normal_quantile(req->quantiles[q]);
        double *out = quantiles + q * h;
        for (size_t t = 0; t < h; t++) {
            double s = season[t % k];
            double centre = (0.5 * (p[2] + p[3] * (double)(t + 1)) +
                             0.5 * p[4]) * s;
            double sd = sigma * sqrt(1.0 + (double)t * alpha * alpha) * s;
            double v = centre + z * sd;
            out[t] = floor0 == 1.0 && v < 0.0 ? 0.0 : v;
        }
    }
    return HC_OK;
}

const hc_model hc_models_theta = {
    .id = HC_ALGO_THETA,
    .name = "Theta",
    .arn = HC_ARN_THETA,
    .fit = theta_fit,
    .forecast = theta_forecast,
};

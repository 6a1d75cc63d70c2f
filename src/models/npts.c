/* NPTS: Amazon Forecast's Non-Parametric Time Series forecaster.
 *
 * The forecast distribution of each future step is sampled from the
 * item's own past observations (Amazon Forecast Developer Guide, "Non-
 * Parametric Time Series (NPTS) Algorithm"; GluonTS's NPTSPredictor, which
 * Amazon published, describes the same method):
 *
 *  - Exponential kernel (kernel_type "exponential", the default): to
 *    predict time T, past time t is drawn with probability proportional to
 *    exp(-lambda (T - t)), lambda = exp_kernel_weights, so the recent past
 *    is drawn far more often than the distant past.
 *  - Uniform kernel (kernel_type "uniform", the climatological forecaster):
 *    every past time is equally likely (lambda = 0 below).
 *  - Seasonal variants (use_seasonal_model "true", the default): only past
 *    times in the same season as T are candidates (Amazon: for an hourly
 *    series, hour t of the previous days), still weighted by the kernel
 *    over the distance T - t in steps. The season is the position modulo
 *    the frequency's season length m (SPEC 2.7): hour of day for H (24),
 *    day of week for D (7), month of year for M (12), minute of the hour for
 *    the minute frequencies, week of year for W (52; Amazon's table names
 *    day of month for weekly data, which hindcast does not use: without
 *    related time series it carries no season a weekly series repeats).
 *
 * Sampling is sequential, as NPTS defines it: a sample path draws step
 * n+1 from the training values, appends the drawn value, draws step n+2
 * from the training values and the appended one, and so on; the appended
 * values are candidates like any observation at their time.
 *
 * NPTS_SAMPLES = 100 paths (GluonTS's and AutoGluon's default number of
 * samples). Per step, the mean is the mean of the 100 sampled values and the
 * quantile tau is the inverse of their empirical distribution function,
 * the k-th smallest value with k = ceil(tau * 100) (Hyndman & Fan type 1),
 * so every quantile is one of the sampled, i.e. observed, values: NPTS's
 * predictions are bounded by the observed values (Amazon).
 *
 * Randomness: the shared hc_rng (core/detmath.h, xoshiro256**) seeded with
 * hc_forecast_request.seed; paths are drawn one after another, so a forecast depends on the seed
 * and the params only, never on threads.
 *
 * Defaults (Amazon's hyperparameters):
 *  - kernel_type "exponential", use_seasonal_model "true": Amazon's NPTS
 *    page says to set use_seasonal_model to False to get plain NPTS and
 *    kernel_type to uniform to get the climatological forecasters, all
 *    other settings default.
 *  - exp_kernel_weights 0.01: Amazon's hyperparameter table (GluonTS's own
 *    default is 1.0, which with the step distance of the seasonal variant
 *    would leave the previous season alone with any weight: e^-24 per day
 *    for hourly data).
 *  - context_length: Amazon's default is the whole training range; hindcast
 *    caps the default at NPTS_DEFAULT_CONTEXT = 2500 values (as AutoGluon's
 *    NPTS max_ts_length) so the model file stays bounded; exponential
 *    weights beyond that are below e^-25 anyway. An explicit context_length
 *    (1..NPTS_MAX_CONTEXT) is used as given.
 *
 * Missing values (NaN) are never drawn. The stored window drops its leading
 * NaNs. A seasonal variant whose window has a season position without any
 * observed value (a series shorter than one season, gaps) samples like the
 * non-seasonal variant of the same kernel instead.
 *
 * Cannot fit (HC_MODEL_CANNOT_FIT: the caller falls back to SeasonalNaive,
 * then Naive) when the last context_length values hold no observed value or
 * an infinite one.
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0]         1.0, the layout version
 *   [1]         kernel: 0 exponential, 1 uniform
 *   [2]         lambda, the exponential kernel's scale (0 for uniform)
 *   [3]         m, the season length sampled by (1: not seasonal)
 *   [4]         C, the number of stored values (1..NPTS_MAX_CONTEXT)
 *   [5]         S, the number of sample paths
 *   [6 + i]     the training value at position i of the window, i < C
 *               (NaN where missing); the first forecast step is position C
 *               and is in the season of the positions congruent to C mod m */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/detmath.h"
#include "hindcast/model.h"
#include "models/models_internal.h"

#define NPTS_HEADER 6u
#define NPTS_SAMPLES 100
#define NPTS_DEFAULT_LAMBDA 0.01
#define NPTS_DEFAULT_CONTEXT 2500u
#define NPTS_MAX_CONTEXT 100000u
/* As the other seasonal models: far above any frequency's season. */
#define NPTS_MAX_SEASON 100000

static int npts_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    if (in->season < 1 || in->season > NPTS_MAX_SEASON)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "season length %d is outside 1..%d", in->season,
                            NPTS_MAX_SEASON);
    const hc_model_params *hp = in->params;
    double lambda = NPTS_DEFAULT_LAMBDA;
    if (hp && hp->npts_exp_kernel_weights != 0.0)
        lambda = hp->npts_exp_kernel_weights;
    size_t context = NPTS_DEFAULT_CONTEXT;
    if (hp && hp->npts_context_length != 0)
        context = hp->npts_context_length;
    if (!(lambda > 0.0) || isinf(lambda) || context > NPTS_MAX_CONTEXT)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "NPTS hyperparameters out of range: "
                            "exp_kernel_weights %.17g, context_length %zu",
                            lambda, context);
    int uniform = (in->options & HC_FIT_NPTS_UNIFORM) != 0;
    if (uniform)
        lambda = 0.0;

    size_t n = in->n;
    size_t start = n > context ? n - context : 0;
    while (start < n && isnan(in->y[start]))
        start++;
    if (start == n)
        return HC_MODEL_CANNOT_FIT;
    size_t c = n - start;
    const double *y = in->y + start;
    for (size_t i = 0; i < c; i++)
        if (isinf(y[i]))
            return HC_MODEL_CANNOT_FIT;

    /* The seasonal variant needs an observed value at every season
     * position of the window. */
    size_t m = (in->options & HC_FIT_NPTS_NO_SEASONAL) ? 1 : (size_t)in->season;
    if (m > 1) {
        if (c < m) {
            m = 1;
        } else {
            for (size_t p = 0; p < m && m > 1; p++) {
                int seen = 0;
                for (size_t i = p; i < c && !seen; i += m)
                    seen = !isnan(y[i]);
                if (!seen)
                    m = 1;
            }
        }
    }

    int rc = hc_models_alloc_params(out, HC_ALGO_NPTS,
                                    (uint32_t)(NPTS_HEADER + c), err);
    if (rc != HC_OK)
        return rc;
    out->params[0] = 1.0;
    out->params[1] = uniform ? 1.0 : 0.0;
    out->params[2] = lambda;
    out->params[3] = (double)m;
    out->params[4] = (double)c;
    out->params[5] = (double)NPTS_SAMPLES;
    memcpy(out->params + NPTS_HEADER, y, c * sizeof *y);
    return HC_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* What the draws need of the training window, per season position p:
 * w[i] = exp(-lambda (last[p] - i)) for observed i (0 for NaN), where
 * last[p] is the latest observed position of p, and cum[i] the running sum
 * of w over the positions i, i - m, ... of the same season. */
typedef struct npts_state {
    const double *v;
    size_t c, m;
    double lambda;
    double *cum;    /* c */
    size_t *last;   /* m: latest observed position of each season */
    size_t *top;    /* m: latest position (observed or not) of each season */
} npts_state;

/* Draws the value of position t (>= c) of a path whose values at
 * positions c..t-1 are path[0..t-c-1]. */
static double draw(const npts_state *st, const double *path, size_t t,
                   hc_rng *rng)
{
    size_t m = st->m, c = st->c, p = t % m;
    double lambda = st->lambda;
    /* The path's candidates are t - k m for k = 1..np. Weights are taken
     * relative to the latest candidate, which weighs 1, so none overflows:
     * path candidate k weighs exp(-lambda (k - 1) m). */
    size_t np = (t - c) / m;
    size_t ref = np > 0 ? t - m : st->last[p];
    double step = exp(-lambda * (double)m);
    double path_mass = 0.0, w = 1.0;
    for (size_t k = 1; k <= np; k++, w *= step)
        path_mass += w;
    double train_scale = exp(-lambda * (double)(ref - st->last[p]));
    double train_mass = st->cum[st->top[p]] * train_scale;
    double u = hc_rng_uniform(rng) * (path_mass + train_mass);
    w = 1.0;
    for (size_t k = 1; k <= np; k++, w *= step) {
        if (u < w)
            return path[t - k * m - c];
        u -= w;
    }
    /* In the training window: the first position of season p (stepping
     * by m) whose running sum exceeds u. */
    double target = train_scale > 0.0 ? u / train_scale : 0.0;
    size_t lo = 0, hi = (st->top[p] - p) / m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->cum[p + mid * m] > target)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t i = p + lo * m;
    /* Only rounding (u at the very end of the mass) can land on a
     * position of weight 0. */
    return isnan(st->v[i]) || i > st->last[p] ? st->v[st->last[p]] : st->v[i];
}

static int npts_forecast(const hc_fitted *fit, const hc_forecast_request *req,
                         double *mean, double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_models_check_params(fit, HC_ALGO_NPTS, NPTS_HEADER + 1, "NPTS",
                                err);
    if (rc != HC_OK)
        return rc;
    const double *pa = fit->params;
    double kernel = pa[1], lambda = pa[2], mm = pa[3], cc = pa[4], ss = pa[5];
    if ((kernel != 0.0 && kernel != 1.0) || !(lambda >= 0.0) ||
        isinf(lambda) || (kernel == 1.0 && lambda != 0.0) || !(mm >= 1.0) ||
        mm > NPTS_MAX_SEASON || mm != floor(mm) || !(cc >= 1.0) ||
        cc > NPTS_MAX_CONTEXT || cc != floor(cc) ||
        fit->nparams != NPTS_HEADER + (uint32_t)cc || !(ss >= 1.0) ||
        ss > 100000.0 || ss != floor(ss))
        return hc_error_set(err, HC_ERR_INTERNAL, "corrupt NPTS model parameters");

    npts_state st = {pa + NPTS_HEADER, (size_t)cc, (size_t)mm, lambda,
                     NULL, NULL, NULL};
    size_t c = st.c, m = st.m, h = req->horizon, ns = (size_t)ss;
    if (m > c)
        return hc_error_set(err, HC_ERR_INTERNAL, "corrupt NPTS model parameters");
    for (size_t i = 0; i < c; i++)
        if (isinf(st.v[i]))
            return hc_error_set(err, HC_ERR_INTERNAL,
                                "corrupt NPTS model parameters");
    double *samples = malloc((ns * h + c + ns) * sizeof *samples);
    size_t *idx = malloc(2 * m * sizeof *idx);
    if (!samples || !idx) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory for NPTS samples");
        goto done;
    }
    st.cum = samples + ns * h;
    double *column = st.cum + c;
    st.last = idx;
    st.top = idx + m;
    for (size_t p = 0; p < m; p++) {
        st.top[p] = p + (c - 1 - p) / m * m;
        st.last[p] = SIZE_MAX;
        for (size_t i = st.top[p]; ; i -= m) {
            if (!isnan(st.v[i])) {
                st.last[p] = i;
                break;
            }
            if (i < m)
                break;
        }
        if (st.last[p] == SIZE_MAX) {
            rc = hc_error_set(err, HC_ERR_INTERNAL,
                              "corrupt NPTS model: a season without values");
            goto done;
        }
        for (size_t i = p; i < c; i += m) {
            double w = isnan(st.v[i]) || i > st.last[p]
                           ? 0.0
                           : exp(-lambda * (double)(st.last[p] - i));
            st.cum[i] = w + (i >= m ? st.cum[i - m] : 0.0);
        }
    }

    hc_rng rng;
    hc_rng_seed(&rng, req->seed, 0x4e505453ull /* "NPTS" */);
    for (size_t s = 0; s < ns; s++) {
        double *path = samples + s * h;
        for (size_t k = 0; k < h; k++)
            path[k] = draw(&st, path, c + k, &rng);
    }
    for (size_t k = 0; k < h; k++) {
        double sum = 0.0;
        for (size_t s = 0; s < ns; s++) {
            column[s] = samples[s * h + k];
            sum += column[s];
        }
        mean[k] = sum / (double)ns;
        qsort(column, ns, sizeof *column, cmp_double);
        for (size_t q = 0; q < req->nquantiles; q++) {
            /* The smallest rank r with r / S >= tau; the tolerance keeps
             * 0.9 * 100 = 90.00000000000001 at rank 90. */
            double r = ceil(req->quantiles[q] * (double)ns - 1e-9);
            size_t rank = r < 1.0 ? 1 : (size_t)r;
            if (rank > ns)
                rank = ns;
            quantiles[q * h + k] = column[rank - 1];
        }
    }
    rc = HC_OK;
done:
    free(samples);
    free(idx);
    return rc;
}

const hc_model hc_models_npts = {
    .id = HC_ALGO_NPTS,
    .name = "NPTS",
    .arn = HC_ARN_NPTS,
    .fit = npts_fit,
    .forecast = npts_forecast,
};

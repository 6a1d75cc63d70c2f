/* Prophet-like model after Taylor & Letham, "Forecasting at scale" (The
 * American Statistician 72(1), 2018) and the defaults Prophet documents.
 * Written from the paper and the documentation; no Prophet code or Stan
 * model text is used.
 *
 * Model (additive): y(t) = g(t) + s(t) + e,  e ~ N(0, sigma^2), fitted on
 * y / y_scale with y_scale = max |y| over the observed values (1 when every
 * value is 0) and time t scaled to [0, 1] from the first to the last
 * observed value.
 *  - Trend g: piecewise linear, g(t) = k t + m + sum_j delta_j (t - s_j)_+
 *    (the paper's (k + a(t)'delta) t + (m + a(t)'gamma) with gamma_j =
 *    -s_j delta_j). Potential changepoints s_j: Prophet's 25 spread evenly
 *    over the first 80% of the observed rows: with H = floor(0.8 n_obs) and
 *    S = min(25, H - 1), the rows round(i (H - 1) / S), i = 1..S (rounding
 *    half to even, as numpy rounds); with S <= 0 a single changepoint at
 *    t = 0 (as Prophet does for short series).
 *  - Seasonality s: Fourier series sum_k a_k cos(2 pi k d / P) +
 *    b_k sin(2 pi k d / P) in the time d in days, with Prophet's automatic
 *    rules: yearly (P = 365.25, order 10) when the observed span is at least
 *    730 days; weekly (P = 7, order 3) when the span is at least 14 days and
 *    the smallest spacing of observed rows is under 7 days; daily (P = 1,
 *    order 4) when the span is at least 2 days and the spacing is under a
 *    day.
 *  - Priors (MAP): k, m ~ N(0, 5^2); delta_j ~ Laplace(0, 0.05)
 *    (changepoint_prior_scale); seasonal coefficients ~ N(0, 10^2)
 *    (seasonality_prior_scale); sigma ~ half-N(0, 0.5^2).
 *
 * Fit: the negative log posterior (constants dropped)
 *   n log sigma + SSR / (2 sigma^2) + (k^2 + m^2) / 50 + sum |delta_j| / 0.05
 *   + sum beta^2 / 200 + 2 sigma^2
 * is minimised by nlopt's L-BFGS (with bounds). The Laplace prior's |delta|
 * is handled exactly by splitting delta = delta+ - delta- with both parts
 * >= 0 (the penalty becomes linear; at the optimum one part is 0), so many
 * rate changes are exactly 0 where Stan's L-BFGS in Prophet leaves them
 * tiny. sigma is profiled out: for given residuals the minimising variance
 * solves 4 v^2 + n v - SSR = 0, v = 2 SSR / (n + sqrt(n^2 + 16 SSR)); by the
 * envelope theorem the gradient in the other parameters is the partial
 * one. sigma is floored at 1e-8 (scaled units) so that a series the model
 * fits exactly (a line, a pure sinusoid, a constant) has a finite optimum.
 * Each parameter is scaled by its column norm in the residual sum (a
 * diagonal preconditioner: without it L-BFGS stalls on the short hinge
 * columns of late changepoints). Start: Prophet's, k = y_last - y_first,
 * m = y_first (scaled), delta = 0, beta = 0. Stops at a relative change of
 * 1e-12 in the objective or 2000 evaluations (M4 Hourly/Weekly: ~350 on
 * average, all stopping on the tolerance); the best point evaluated is
 * kept. Deterministic: nlopt's L-BFGS has no randomness.
 *
 * Time and calendar: the model sees only the values at a fixed frequency,
 * so the day count of row i is i * days_per_step (M: 365.25 / 12, Y:
 * 365.25, the others exact) counted from the first observed row, not from
 * 1970 as Prophet counts. On a regular grid that changes nothing in the
 * fitted function: shifting the time origin rotates each sine/cosine pair,
 * the pair spans the same functions and its prior is isotropic. (Prophet on
 * real month lengths would see a slightly uneven grid.) Harmonics at or
 * above the grid's Nyquist frequency are aliases of lower ones (or
 * constants) on a regular grid: a harmonic with 2 k days_per_step > P is
 * dropped, one exactly at P keeps only its cosine (sin is 0 on the grid).
 * So yearly data get no seasonality, monthly data harmonics 1-5 plus the
 * alternating cosine, everything else Prophet's full orders.
 *
 * Predictive distribution (Prophet's uncertainty intervals): the mean is
 * the MAP point forecast yhat = g(t) + s(t), as Prophet's yhat (not the
 * mean of the samples). Quantiles come from 1000 seeded sample paths
 * (Prophet's uncertainty_samples default): future trend changes arrive as
 * a Poisson process with the fitted changepoint frequency (S per unit of
 * scaled time, i.e. S / span per step) beyond the last observed row, each a
 * rate change ~ Laplace(0, mean |delta_j| + 1e-8) (Prophet's estimate); the
 * path adds N(0, sigma^2) observation noise at each step. (Prophet draws
 * the count of changes and then uniform positions; arrival gaps ~ Exp are
 * the same Poisson process.) The tau-quantile of the N samples of a step is
 * numpy's default percentile: the order statistics at (N - 1) tau,
 * linearly interpolated. No zero floor (Prophet has none).
 *
 * Missing values (NaN) are left out of the fit, as Prophet drops rows
 * without y; time keeps its place. Cannot fit (HC_MODEL_CANNOT_FIT) with
 * fewer than 2 observed values, an infinite value, or a non-finite fit. A
 * constant series fits: its forecast is the constant with intervals of
 * width ~0 (sigma at its floor, no trend changes).
 *
 * params layout 1 (persisted in model files; never reorder):
 *   [0]  1.0, the layout version
 *   [1]  level: y_scale * g at the last observed row
 *   [2]  slope per step (original units) after the last changepoint
 *   [3]  gap: steps from the last observed row to the end of the training
 *   [4]  changepoint rate per step of future trend changes
 *   [5]  Laplace scale of a future change of slope per step (orig. units)
 *   [6]  sigma (original units)
 *   [7]  days per step
 *   [8]  day count of the training part's last step
 *   [9]  number of sample paths
 *   [10] F, the number of seasonal features
 *   [11 + 3f .. 13 + 3f]  feature f: cycles per day, 0 for sin / 1 for cos,
 *                         coefficient (original units) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nlopt.h>

#include "core/detmath.h"
#include "hindcast/model.h"
#include "models/models_internal.h"

#define PR_HEADER 11u
#define PR_NCP 25
#define PR_CP_RANGE 0.8
#define PR_CP_SCALE 0.05
#define PR_SEAS_SCALE 10.0
#define PR_KM_SCALE 5.0
#define PR_SIGMA_SCALE 0.5
#define PR_SIGMA_MIN 1e-8
#define PR_SAMPLES 1000
#define PR_MAX_FEAT 64
#define PR_MAX_EVALS 2000
#define PR_FTOL_REL 1e-12
#define PR_PI 3.14159265358979323846

static double days_per_step(hc_freq f)
{
    switch (f) {
    case HC_FREQ_Y: return 365.25;
    case HC_FREQ_M: return 365.25 / 12.0;
    case HC_FREQ_W: return 7.0;
    case HC_FREQ_D: return 1.0;
    case HC_FREQ_H: return 1.0 / 24.0;
    case HC_FREQ_30MIN: return 30.0 / 1440.0;
    case HC_FREQ_15MIN: return 15.0 / 1440.0;
    case HC_FREQ_10MIN: return 10.0 / 1440.0;
    case HC_FREQ_5MIN: return 5.0 / 1440.0;
    case HC_FREQ_1MIN: return 1.0 / 1440.0;
    default: return 0.0;
    }
}

/* Fit data: observed rows only. */
typedef struct pr_ctx {
    size_t n;          /* observed rows */
    const double *t;   /* scaled time in [0, 1] */
    const double *y;   /* scaled values */
    const double *X;   /* n x K seasonal features, row-major */
    size_t K;
    size_t S;            /* changepoints */
    const size_t *cprow; /* row of changepoint j (increasing) */
    const double *cpt;   /* its t */
    double *r;           /* residuals (n) */
    double *suf;         /* 2 S suffix sums */
    const double *scale; /* x_i = theta_i scale_i: diagonal preconditioner */
    double *theta;       /* nx scratch */
    double best_f;
    double *best_x;
    unsigned nx;
} pr_ctx;

/* x = [k, m, delta+ (S), delta- (S), beta (K)]. */
static double objective(unsigned nx, const double *xs, double *grad, void *data)
{
    pr_ctx *c = data;
    size_t S = c->S, K = c->K, n = c->n;
    double *x = c->theta;
    for (unsigned i = 0; i < nx; i++)
        x[i] = xs[i] / c->scale[i];
    const double *dp = x + 2, *dm = x + 2 + S, *beta = x + 2 + 2 * S;
    double k = x[0], m = x[1];
    /* Trend row by row: slope and intercept change at each changepoint. */
    double slope = k, icpt = m, ssr = 0.0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        while (j < S && c->cprow[j] == i) {
            double d = dp[j] - dm[j];
            slope += d;
            icpt -= d * c->cpt[j];
            j++;
        }
        double fit = slope * c->t[i] + icpt;
        const double *xi = c->X + i * K;
        for (size_t l = 0; l < K; l++)
            fit += xi[l] * beta[l];
        double ri = c->y[i] - fit;
        c->r[i] = ri;
        ssr += ri * ri;
    }
    double dn = (double)n;
    double v = 2.0 * ssr / (dn + sqrt(dn * dn + 16.0 * ssr));
    const double vmin = PR_SIGMA_MIN * PR_SIGMA_MIN;
    if (v < vmin)
        v = vmin;
    const double ss = 1.0 / (2.0 * PR_SIGMA_SCALE * PR_SIGMA_SCALE);
    const double km = 1.0 / (2.0 * PR_KM_SCALE * PR_KM_SCALE);
    const double bs = 1.0 / (2.0 * PR_SEAS_SCALE * PR_SEAS_SCALE);
    double f = 0.5 * dn * log(v) + ssr / (2.0 * v) + ss * v +
               km * (k * k + m * m);
    for (size_t q = 0; q < S; q++)
        f += (dp[q] + dm[q]) / PR_CP_SCALE;
    for (size_t l = 0; l < K; l++)
        f += bs * beta[l] * beta[l];

    if (grad) {
        double rt = 0.0, rs = 0.0;
        for (size_t i = 0; i < n; i++) {
            rs += c->r[i];
            rt += c->r[i] * c->t[i];
        }
        grad[0] = -rt / v + 2.0 * km * k;
        grad[1] = -rs / v + 2.0 * km * m;
        /* Suffix sums of r and r t from each changepoint row on. */
        double sr = 0.0, srt = 0.0;
        size_t i = n;
        for (size_t q = S; q-- > 0;) {
            while (i > c->cprow[q]) {
                i--;
                sr += c->r[i];
                srt += c->r[i] * c->t[i];
            }
            double gd = -(srt - c->cpt[q] * sr) / v;
            grad[2 + q] = gd + 1.0 / PR_CP_SCALE;
            grad[2 + S + q] = -gd + 1.0 / PR_CP_SCALE;
        }
        double *gb = grad + 2 + 2 * S;
        for (size_t l = 0; l < K; l++)
            gb[l] = 2.0 * bs * beta[l];
        for (size_t r = 0; r < n; r++) {
            const double *xi = c->X + r * K;
            double w = c->r[r] / v;
            for (size_t l = 0; l < K; l++)
                gb[l] -= w * xi[l];
        }
        for (unsigned q = 0; q < nx; q++)
            grad[q] /= c->scale[q];
    }
    if (isfinite(f) && f < c->best_f) {
        c->best_f = f;
        memcpy(c->best_x, x, nx * sizeof *x);
    }
    return f;
}

typedef struct pr_feat {
    double freq; /* cycles per day */
    int cosine;
} pr_feat;

/* Prophet's automatic seasonalities, less the aliased harmonics. */
static size_t choose_features(double span_days, double min_dt, double dt,
                              pr_feat *feat)
{
    static const struct {
        double period, min_span, max_dt;
        int order;
    } rule[3] = {{365.25, 730.0, HUGE_VAL, 10},
                 {7.0, 14.0, 7.0, 3},
                 {1.0, 2.0, 1.0, 4}};
    size_t nf = 0;
    for (int s = 0; s < 3; s++) {
        if (span_days < rule[s].min_span || min_dt >= rule[s].max_dt)
            continue;
        double P = rule[s].period;
        for (int k = 1; k <= rule[s].order; k++) {
            double two = 2.0 * (double)k * dt;
            if (two > P * (1.0 + 1e-9))
                break;
            int nyquist = two >= P * (1.0 - 1e-9);
            if (!nyquist)
                feat[nf++] = (pr_feat){(double)k / P, 0};
            feat[nf++] = (pr_feat){(double)k / P, 1};
        }
    }
    return nf;
}

static double feature_value(const pr_feat *f, double days)
{
    /* The phase reduced to [0, 1) first keeps the argument small. */
    double cyc = f->freq * days;
    cyc -= floor(cyc);
    double a = 2.0 * PR_PI * cyc;
    return f->cosine ? cos(a) : sin(a);
}

static int prophet_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    double dt = days_per_step(in->freq);
    if (!(dt > 0.0))
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "unknown frequency %d", (int)in->freq);
    size_t n0 = in->n, nobs = 0, first = 0, last = 0;
    for (size_t i = 0; i < n0; i++) {
        double v = in->y[i];
        if (isnan(v))
            continue;
        if (!isfinite(v))
            return HC_MODEL_CANNOT_FIT;
        if (nobs == 0)
            first = i;
        last = i;
        nobs++;
    }
    if (nobs < 2)
        return HC_MODEL_CANNOT_FIT;

    int rc = HC_OK;
    size_t S_hist = (size_t)floor(PR_CP_RANGE * (double)nobs);
    size_t S = PR_NCP;
    if (S + 1 > S_hist)
        S = S_hist >= 1 ? S_hist - 1 : 0;
    int dummy_cp = S == 0;
    size_t Sx = dummy_cp ? 1 : S;

    pr_feat feat[PR_MAX_FEAT];
    double span_steps = (double)(last - first);
    size_t min_gap = last - first, prev = first;
    for (size_t i = first + 1; i <= last; i++)
        if (!isnan(in->y[i])) {
            if (i - prev < min_gap)
                min_gap = i - prev;
            prev = i;
        }
    size_t K = choose_features(span_steps * dt, (double)min_gap * dt, dt, feat);
    unsigned nx = (unsigned)(2 + 2 * Sx + K);

    double *mem = malloc((nobs * (3 + K) + nx * 4 + Sx) * sizeof *mem);
    size_t *rows = malloc((nobs + Sx) * sizeof *rows);
    if (!mem || !rows) {
        rc = hc_error_set(err, HC_ERR_NOMEM,
                          "out of memory for a series of %zu values", n0);
        goto done;
    }
    double *t = mem, *y = t + nobs, *r = y + nobs, *X = r + nobs;
    double *x = X + nobs * K, *best = x + nx, *scale = best + nx;
    double *theta = scale + nx, *cpt = theta + nx;
    size_t *cprow = rows + nobs;

    double yscale = 0.0;
    for (size_t i = first, o = 0; i <= last; i++) {
        if (isnan(in->y[i]))
            continue;
        rows[o] = i;
        double a = fabs(in->y[i]);
        if (a > yscale)
            yscale = a;
        o++;
    }
    if (yscale == 0.0)
        yscale = 1.0;
    int constant = 1;
    for (size_t o = 0; o < nobs; o++) {
        size_t i = rows[o];
        t[o] = (double)(i - first) / span_steps;
        y[o] = in->y[i] / yscale;
        constant &= in->y[i] == in->y[first];
        double days = (double)(i - first) * dt;
        for (size_t l = 0; l < K; l++)
            X[o * K + l] = feature_value(&feat[l], days);
    }
    if (dummy_cp) {
        cprow[0] = 0;
        cpt[0] = 0.0;
    } else {
        for (size_t q = 1; q <= S; q++) {
            double pos = (double)q * (double)(S_hist - 1) / (double)S;
            size_t o = (size_t)rint(pos); /* half to even, as numpy */
            cprow[q - 1] = o;
            cpt[q - 1] = t[o];
        }
    }

    /* Scale: each parameter's column norm in the residual sum, so that the
     * Hessian's diagonal is ~1 (the hinge columns of late changepoints are
     * far shorter than the slope's). */
    {
        double st = 0.0, sx[PR_MAX_FEAT] = {0};
        for (size_t o = 0; o < nobs; o++) {
            st += t[o] * t[o];
            for (size_t l = 0; l < K; l++)
                sx[l] += X[o * K + l] * X[o * K + l];
        }
        scale[0] = sqrt(st);
        scale[1] = sqrt((double)nobs);
        for (size_t q = 0; q < Sx; q++) {
            double sh = 0.0;
            for (size_t o = cprow[q]; o < nobs; o++)
                sh += (t[o] - cpt[q]) * (t[o] - cpt[q]);
            scale[2 + q] = scale[2 + Sx + q] = sh > 0.0 ? sqrt(sh) : 1.0;
        }
        for (size_t l = 0; l < K; l++)
            scale[2 + 2 * Sx + l] = sx[l] > 0.0 ? sqrt(sx[l]) : 1.0;
    }
    memset(x, 0, nx * sizeof *x);
    x[0] = (y[nobs - 1] - y[0]) * scale[0];
    x[1] = y[0] * scale[1];
    pr_ctx c = {.n = nobs, .t = t, .y = y, .X = X, .K = K, .S = Sx,
                .cprow = cprow, .cpt = cpt, .r = r, .scale = scale,
                .theta = theta, .best_f = HUGE_VAL, .best_x = best, .nx = nx};
    double f0 = objective(nx, x, NULL, &c);
    if (!isfinite(f0)) {
        rc = HC_MODEL_CANNOT_FIT;
        goto done;
    }
    if (!constant) {
        /* A constant series starts at its exact optimum (k = 0, the
         * constant; the priors' pull is below the sigma floor's weight). */
        nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, nx);
        if (!opt) {
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory for nlopt");
            goto done;
        }
        double *lb = malloc(nx * sizeof *lb);
        if (!lb) {
            nlopt_destroy(opt);
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (unsigned i = 0; i < nx; i++)
            lb[i] = i >= 2 && i < 2 + 2 * Sx ? 0.0 : -HUGE_VAL;
        nlopt_set_lower_bounds(opt, lb);
        free(lb);
        nlopt_set_min_objective(opt, objective, &c);
        nlopt_set_ftol_rel(opt, PR_FTOL_REL);
        nlopt_set_maxeval(opt, PR_MAX_EVALS);
        double fmin;
        (void)nlopt_optimize(opt, x, &fmin);
        nlopt_destroy(opt);
    }
    for (unsigned i = 0; i < nx; i++)
        x[i] = best[i] * scale[i];
    (void)objective(nx, x, NULL, &c); /* residuals of the best point */
    memcpy(x, best, nx * sizeof *x);  /* theta from here on */

    double ssr = 0.0;
    for (size_t o = 0; o < nobs; o++)
        ssr += r[o] * r[o];
    double dn = (double)nobs;
    double v = 2.0 * ssr / (dn + sqrt(dn * dn + 16.0 * ssr));
    double sigma = sqrt(v) > PR_SIGMA_MIN ? sqrt(v) : PR_SIGMA_MIN;

    double slope = x[0], level = x[1], mean_abs = 0.0;
    for (size_t q = 0; q < Sx; q++) {
        double d = x[2 + q] - x[2 + Sx + q];
        slope += d;
        level -= d * cpt[q];
        mean_abs += fabs(d);
    }
    mean_abs /= (double)Sx;
    level += slope; /* at t = 1 */
    double tstep = 1.0 / span_steps;

    rc = hc_models_alloc_params(out, HC_ALGO_PROPHET,
                                (uint32_t)(PR_HEADER + 3 * K), err);
    if (rc != HC_OK)
        goto done;
    double *p = out->params;
    p[0] = 1.0;
    p[1] = yscale * level;
    p[2] = yscale * slope * tstep;
    p[3] = (double)(n0 - 1 - last);
    p[4] = (double)Sx * tstep;
    p[5] = yscale * (mean_abs + 1e-8) * tstep;
    p[6] = yscale * sigma;
    p[7] = dt;
    p[8] = (double)(n0 - 1 - first) * dt;
    p[9] = PR_SAMPLES;
    p[10] = (double)K;
    const double *beta = x + 2 + 2 * Sx;
    for (size_t l = 0; l < K; l++) {
        p[PR_HEADER + 3 * l] = feat[l].freq;
        p[PR_HEADER + 3 * l + 1] = feat[l].cosine;
        p[PR_HEADER + 3 * l + 2] = yscale * beta[l];
    }
    for (uint32_t i = 1; i < out->nparams; i++)
        if (!isfinite(p[i])) {
            hc_fitted_clear(out);
            rc = HC_MODEL_CANNOT_FIT;
            goto done;
        }
done:
    free(mem);
    free(rows);
    return rc;
}

/* Uniform in (0, 1]: never 0, so its log is finite. */
static double unit_open0(hc_rng *g)
{
    return 1.0 - hc_rng_uniform(g);
}

static int prophet_forecast(const hc_fitted *fit,
                            const hc_forecast_request *req, double *mean,
                            double *quantiles, hc_error *err)
{
    int rc = hc_models_check_request(req, mean, quantiles, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_models_check_params(fit, HC_ALGO_PROPHET, PR_HEADER, "Prophet",
                                err);
    if (rc != HC_OK)
        return rc;
    const double *p = fit->params;
    double nf = p[10], ns = p[9];
    int ok = nf >= 0.0 && nf <= PR_MAX_FEAT && nf == floor(nf) &&
             fit->nparams == PR_HEADER + 3 * (uint32_t)nf && ns >= 1.0 &&
             ns <= 1e6 && ns == floor(ns) && p[3] >= 0.0 && p[4] >= 0.0 &&
             p[5] >= 0.0 && p[6] >= 0.0;
    for (uint32_t i = 1; ok && i < fit->nparams; i++)
        ok = isfinite(p[i]);
    if (!ok)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "corrupt Prophet model parameters");
    size_t K = (size_t)nf, h = req->horizon, N = (size_t)ns;
    double level = p[1], slope = p[2], gap = p[3], rate = p[4], lap = p[5],
           sigma = p[6], dt = p[7], day0 = p[8];

    for (size_t s = 0; s < h; s++) {
        double steps = gap + (double)(s + 1);
        double v = level + slope * steps;
        double days = day0 + (double)(s + 1) * dt;
        for (size_t l = 0; l < K; l++) {
            const double *fe = p + PR_HEADER + 3 * l;
            pr_feat f = {fe[0], fe[1] != 0.0};
            v += fe[2] * feature_value(&f, days);
        }
        mean[s] = v;
    }
    if (req->nquantiles == 0)
        return HC_OK;

    /* The paths advance together, one step at a time (memory O(N), not
     * O(N h)): per path the position of its next trend change and the
     * slope and offset its changes so far add. */
    double *mem = malloc(4 * N * sizeof *mem);
    if (!mem)
        return hc_error_set(err, HC_ERR_NOMEM,
                            "out of memory for %zu sample paths", N);
    double *next = mem, *dslope = mem + N, *doff = mem + 2 * N,
           *vals = mem + 3 * N;
    hc_rng g;
    hc_rng_seed(&g, req->seed, 0x50524f50484554ull /* "PROPHET" */);
    for (size_t path = 0; path < N; path++) {
        next[path] = rate > 0.0 ? -log(unit_open0(&g)) / rate : HUGE_VAL;
        dslope[path] = doff[path] = 0.0;
    }
        for (size_t s = 0; s < h; s++) {
        double u = gap + (double)(s + 1); /* steps after the last row */
        for (size_t path = 0; path < N; path++) {
            while (next[path] <= u) {
                double e = -log(unit_open0(&g));
                double d = unit_open0(&g) < 0.5 ? -lap * e : lap * e;
                dslope[path] += d;
                doff[path] -= d * next[path];
                next[path] += -log(unit_open0(&g)) / rate;
            }
            double v = mean[s] + dslope[path] * u + doff[path] +
                       sigma * hc_rng_normal(&g);
            vals[path] = isnan(v) ? HUGE_VAL : v; /* keeps the order total */
        }
        for (size_t q = 0; q < req->nquantiles; q++) {
            double pos = req->quantiles[q] * (double)(N - 1);
            size_t lo = (size_t)floor(pos);
            if (lo > N - 1)
                lo = N - 1;
            double frac = pos - (double)lo;
            hc_models_select(vals, N, lo);
            double v = vals[lo];
            if (lo + 1 < N && frac > 0.0)
                v += frac * (hc_models_next_smallest(vals, N, lo) - v);
            quantiles[q * h + s] = v;
        }
    }
    free(mem);
    return HC_OK;
}

const hc_model hc_models_prophet = {
    .id = HC_ALGO_PROPHET,
    .name = "Prophet",
    .arn = HC_ARN_PROPHET,
    .fit = prophet_fit,
    .forecast = prophet_forecast,
};

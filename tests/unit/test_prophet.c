/* Prophet-like model: trend recovery, seasonality, the changepoint and
 * seasonality rules, the predictive distribution, scaling, missing values,
 * cannot-fit cases and determinism.
 *
 * Expected values are worked out by hand from the model's definition
 * (comments give the arithmetic): a series the model represents exactly
 * (a line, a line plus a weekly sinusoid) has its MAP at the exact fit,
 * because sigma then drops to its floor (1e-8 of max |y|) and the residual
 * weight 1/sigma^2 = 1e16 dwarfs every prior; so the forecast is the
 * continuation of the generating formula. Quantile checks use the sampling
 * error of N = 1000 paths (standard errors given where used). */
#include <math.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/model.h"

#define PI 3.14159265358979323846

static const hc_model *prophet(void)
{
    const hc_model *m = hc_model_by_arn("arn:aws:forecast:::algorithm/Prophet");
    ck_assert_ptr_nonnull(m);
    return m;
}

static int fit_freq(const double *y, size_t n, hc_freq f, hc_fitted *out)
{
    hc_fit_input in = {.y = y, .n = n, .season = hc_freq_season_length(f),
                       .freq = f, .seed = 7};
    hc_error err;
    return prophet()->fit(&in, out, &err);
}

static int fit(const double *y, size_t n, hc_fitted *out)
{
    return fit_freq(y, n, HC_FREQ_D, out);
}

static void forecast(const hc_fitted *f, size_t h, const double *taus,
                     size_t nq, uint64_t seed, double *mean, double *q)
{
    hc_forecast_request req = {.horizon = h, .nquantiles = nq,
                               .quantiles = taus, .seed = seed};
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(f, &req, mean, q, &err), HC_OK);
}

static void near(double got, double want, double tol)
{
    ck_assert_msg(fabs(got - want) <= tol, "got %.17g, want %.17g (tol %g)",
                  got, want, tol);
}

/* A fixed irregular sequence in [-1, 1] (no randomness in the tests). */
static double wiggle(size_t t)
{
    static const double w[13] = {0.3, -0.7, 0.1, 0.9, -0.4, 0.6, -0.2,
                                 -0.9, 0.5, 0.0, -0.6, 0.8, -0.1};
    return w[t % 13];
}

START_TEST(noiseless_line)
{
    /* y = 2 + 0.5 t, t = 0..49 (daily: weekly seasonality is on). The
     * continuation is y(50 + s) = 27 + 0.5 s; sigma at its floor and no
     * rate change give quantiles equal to it as well. */
    double y[50];
    for (int t = 0; t < 50; t++)
        y[t] = 2.0 + 0.5 * t;
    hc_fitted f;
    ck_assert_int_eq(fit(y, 50, &f), HC_OK);
    ck_assert_int_eq(f.algorithm, HC_ALGO_PROPHET);
    double mean[20], q[60], taus[3] = {0.1, 0.5, 0.9};
    forecast(&f, 20, taus, 3, 1, mean, q);
    for (int s = 0; s < 20; s++) {
        double want = 27.0 + 0.5 * s;
        near(mean[s], want, 1e-6);
        for (int k = 0; k < 3; k++)
            near(q[k * 20 + s], want, 1e-6);
    }
    hc_fitted_clear(&f);

    /* A falling line with negative values: y = 5 - 2 t, t = 0..29;
     * continuation 5 - 2 (30 + s) = -55 - 2 s. */
    for (int t = 0; t < 30; t++)
        y[t] = 5.0 - 2.0 * t;
    ck_assert_int_eq(fit(y, 30, &f), HC_OK);
    forecast(&f, 10, taus, 0, 1, mean, NULL);
    for (int s = 0; s < 10; s++)
        near(mean[s], -55.0 - 2.0 * s, 1e-6);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(weekly_sinusoid)
{
    /* y = 10 + 3 sin(2 pi t / 7) on daily data, ten weeks: the first
     * weekly harmonic represents it exactly, the trend is flat. The
     * forecast continues the formula; L-BFGS stops a little short of the
     * exact optimum (measured ~2e-4), hence the tolerance of 1e-3, a
     * thousandth of the amplitude 3 in relative terms ~3e-4. */
    double y[70];
    for (int t = 0; t < 70; t++)
        y[t] = 10.0 + 3.0 * sin(2.0 * PI * t / 7.0);
    hc_fitted f;
    ck_assert_int_eq(fit(y, 70, &f), HC_OK);
    double mean[21];
    forecast(&f, 21, NULL, 0, 1, mean, NULL);
    for (int s = 0; s < 21; s++)
        near(mean[s], 10.0 + 3.0 * sin(2.0 * PI * (70 + s) / 7.0), 1e-3);
    hc_fitted_clear(&f);

    /* The same plus a trend, on hourly data with a daily cycle (period 24
     * steps, the first daily harmonic): y = 50 + 0.1 t + 4 cos(2 pi t /
     * 24), t = 0..239 (10 days: daily order 4 on, weekly off). */
    double yh[240];
    for (int t = 0; t < 240; t++)
        yh[t] = 50.0 + 0.1 * t + 4.0 * cos(2.0 * PI * t / 24.0);
    ck_assert_int_eq(fit_freq(yh, 240, HC_FREQ_H, &f), HC_OK);
    double mh[48];
    forecast(&f, 48, NULL, 0, 1, mh, NULL);
    for (int s = 0; s < 48; s++)
        near(mh[s],
             50.0 + 0.1 * (240 + s) + 4.0 * cos(2.0 * PI * (240 + s) / 24.0),
             2e-3);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(trend_change)
{
    /* Slope 1 up to t = 50, then 3: y = t, then 50 + 3 (t - 50), t <
     * 100. Changepoints lie in the first 80 rows only, so the last 20 rows
     * (an exact line of slope 3) fix the final slope; the kink at 50 falls
     * between the changepoints at rows 47 and 51 (round(15 * 79 / 25) =
     * round(47.4), round(16 * 79 / 25) = round(50.56)), so the fit is not
     * exact there and sigma stays positive. Expected: slope per step ~3,
     * the next value 50 + 3 * 50 = 200. Tolerance: 0.05 on the slope, 0.5
     * on the level (the residual sd is ~0.13). */
    double y[100];
    for (int t = 0; t < 100; t++)
        y[t] = t < 50 ? (double)t : 50.0 + 3.0 * (t - 50);
    hc_fitted f;
    ck_assert_int_eq(fit(y, 100, &f), HC_OK);
    double mean[15];
    forecast(&f, 15, NULL, 0, 1, mean, NULL);
    /* Over a whole week the weekly terms cancel. */
    near((mean[14] - mean[7]) / 7.0, 3.0, 0.05);
    near(mean[0], 200.0, 0.5);
    /* Layout: params[2] is the slope per step, params[4] the changepoint
     * rate S / span = 25 / 99. */
    near(f.params[2], 3.0, 0.05);
    near(f.params[4], 25.0 / 99.0, 1e-15);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(changepoint_and_seasonality_rules)
{
    double y[400];
    for (size_t t = 0; t < 400; t++)
        y[t] = 100.0 + 0.2 * (double)t + 5.0 * wiggle(t);
    hc_fitted f;
    /* params[4] = S / (n - 1): S = min(25, floor(0.8 n) - 1), and a single
     * changepoint when that is <= 0. */
    struct {
        size_t n;
        double rate;
    } cp[] = {{100, 25.0 / 99.0}, /* floor(80) - 1 = 79 -> 25 */
              {20, 15.0 / 19.0},  /* floor(16) - 1 = 15 */
              {3, 1.0 / 2.0},     /* floor(2.4) - 1 = 1 */
              {2, 1.0 / 1.0}};    /* floor(1.6) - 1 = 0 -> one at t = 0 */
    for (size_t i = 0; i < sizeof cp / sizeof cp[0]; i++) {
        ck_assert_int_eq(fit(y, cp[i].n, &f), HC_OK);
        near(f.params[4], cp[i].rate, 1e-15);
        hc_fitted_clear(&f);
    }

    /* params[10] = the number of Fourier features (sin + cos). */
    struct {
        hc_freq freq;
        size_t n;
        double nfeat;
    } sr[] = {
        {HC_FREQ_D, 70, 6},   /* span 69 d >= 14: weekly order 3 */
        {HC_FREQ_D, 14, 0},   /* span 13 d < 14: none */
        {HC_FREQ_D, 15, 6},   /* span 14 d: weekly */
        {HC_FREQ_H, 72, 8},   /* span 71 h >= 2 d: daily order 4 only */
        {HC_FREQ_H, 400, 14}, /* 16.6 d: daily 8 + weekly 6 */
        {HC_FREQ_W, 100, 0},  /* 693 d < 730; weekly spacing: no weekly */
        {HC_FREQ_W, 106, 20}, /* 735 d: yearly order 10 */
        {HC_FREQ_M, 30, 11},  /* yearly: k = 1..5 pairs + cos at k = 6 */
        {HC_FREQ_Y, 5, 0},    /* every yearly harmonic aliased */
    };
    for (size_t i = 0; i < sizeof sr / sizeof sr[0]; i++) {
        ck_assert_int_eq(fit_freq(y, sr[i].n, sr[i].freq, &f), HC_OK);
        ck_assert_msg(f.params[10] == sr[i].nfeat, "case %zu: %g features",
                      i, f.params[10]);
        ck_assert_uint_eq(f.nparams, 11 + 3 * (uint32_t)sr[i].nfeat);
        hc_fitted_clear(&f);
    }
    /* Daily data, 70 values: features sin/cos at 1/7, 2/7, 3/7 cycles per
     * day (layout: freq, 0 sin / 1 cos, coefficient). */
    ck_assert_int_eq(fit(y, 70, &f), HC_OK);
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 2; c++) {
            near(f.params[11 + 3 * (2 * k + c)], (k + 1) / 7.0, 1e-15);
            ck_assert(f.params[12 + 3 * (2 * k + c)] == (double)c);
        }
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(forecast_from_params)
{
    /* A hand-made model: level 10 at the last observed row, slope 1 per
     * step, gap 0, no future trend changes, sigma 2, days per step 1, day
     * count 6 at the last step, 1000 paths, one cosine at 1/7 cycles per
     * day with coefficient 2. Step s (1-based) is day 6 + s, so
     * mean = 10 + s + 2 cos(2 pi (6 + s) / 7): s = 1 -> 13, s = 8 -> 20. */
    double p[14] = {1.0, 10.0, 1.0, 0.0, 0.0, 0.0, 2.0, 1.0, 6.0, 1000.0,
                    1.0, 1.0 / 7.0, 1.0, 2.0};
    hc_fitted f = {.algorithm = HC_ALGO_PROPHET, .nparams = 14, .params = p};
    double taus[3] = {0.1, 0.5, 0.9}, mean[8], q[24];
    forecast(&f, 8, taus, 3, 5, mean, q);
    for (int s = 1; s <= 8; s++)
        near(mean[s - 1], 10.0 + s + 2.0 * cos(2.0 * PI * (6 + s) / 7.0),
             1e-12);
    near(mean[0], 13.0, 1e-12);
    near(mean[7], 20.0, 1e-12);
    /* Quantiles of mean + N(0, 4) from 1000 draws: z_0.9 = 1.2816, so
     * +-2.563; the sample quantile's standard error is sqrt(0.09) /
     * (phi(1.2816) sqrt(1000)) * 2 = 0.108 (0.079 for the median). Four
     * standard errors. */
    for (int s = 0; s < 8; s++) {
        near(q[s], mean[s] - 2.563, 0.43);
        near(q[8 + s], mean[s], 0.32);
        near(q[16 + s], mean[s] + 2.563, 0.43);
    }

    /* Trend uncertainty alone: sigma 0, future changes at rate 20 per
     * step with Laplace scale b = 0.01. After u steps the deviation is
     * sum d (u - c) over changes at uniform positions c in (0, u], with
     * variance rate * E d^2 * int_0^u (u - c)^2 dc = 20 * 2e-4 * u^3 / 3;
     * with ~20 u changes it is close to Gaussian. u = 40: variance 85.33,
     * sd 9.238, q0.9 = 1.2816 * 9.238 = 11.84 (standard error of the
     * sample quantile 0.5); u = 20: sd 3.266, q0.9 4.186 (s.e. 0.18). Four
     * standard errors. */
    double p2[11] = {1.0, 0.0, 0.0, 0.0, 20.0, 0.01, 0.0, 1.0, 0.0, 1000.0,
                     0.0};
    hc_fitted f2 = {.algorithm = HC_ALGO_PROPHET, .nparams = 11, .params = p2};
    double m2[40], q2[120];
    forecast(&f2, 40, taus, 3, 9, m2, q2);
    near(m2[39], 0.0, 0.0);
    near(q2[80 + 39], 11.84, 2.0);
    near(q2[39], -11.84, 2.0);
    near(q2[40 + 39], 0.0, 1.6);
    near(q2[80 + 19], 4.186, 0.72);
    near(q2[19], -4.186, 0.72);

    /* Corrupt parameters are refused. */
    p[10] = 2.0; /* claims two features, has one */
    hc_forecast_request req = {.horizon = 1};
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    p[10] = 1.0;
    p[0] = 2.0; /* unknown layout */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
}
END_TEST

START_TEST(scaling_invariance)
{
    /* y and 1000 y: identical scaled problems (y / max|y|), so the
     * forecasts and quantiles scale by 1000 (up to rounding of the scaled
     * values: 1e-9 relative). */
    double y[120], y2[120];
    for (size_t t = 0; t < 120; t++) {
        y[t] = 20.0 + 0.05 * (double)t + 3.0 * wiggle(t) +
               2.0 * sin(2.0 * PI * (double)t / 7.0);
        y2[t] = 1000.0 * y[t];
    }
    hc_fitted a, b;
    ck_assert_int_eq(fit(y, 120, &a), HC_OK);
    ck_assert_int_eq(fit(y2, 120, &b), HC_OK);
    double taus[2] = {0.1, 0.9}, ma[14], mb[14], qa[28], qb[28];
    forecast(&a, 14, taus, 2, 3, ma, qa);
    forecast(&b, 14, taus, 2, 3, mb, qb);
    for (int s = 0; s < 14; s++) {
        near(mb[s], 1000.0 * ma[s], 1e-9 * fabs(mb[s]));
        near(qb[s], 1000.0 * qa[s], 1e-9 * fabs(qb[s]));
        near(qb[14 + s], 1000.0 * qa[14 + s], 1e-9 * fabs(qb[14 + s]));
        ck_assert(qa[s] < ma[s] && ma[s] < qa[14 + s]);
    }
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);
}
END_TEST

START_TEST(missing_values)
{
    /* A line 2 + 0.5 t with NaN at t = 0 (leading), 10-11 (inside) and
     * 38-39 (trailing): the rows without y are left out, time keeps its
     * place, so step s of the forecast is t = 40 + s: 22 + 0.5 s. */
    double y[40];
    for (int t = 0; t < 40; t++)
        y[t] = 2.0 + 0.5 * t;
    y[0] = y[10] = y[11] = y[38] = y[39] = (double)NAN;
    hc_fitted f;
    ck_assert_int_eq(fit(y, 40, &f), HC_OK);
    near(f.params[3], 2.0, 0.0); /* gap: two steps after the last value */
    double mean[6];
    forecast(&f, 6, NULL, 0, 1, mean, NULL);
    for (int s = 0; s < 6; s++)
        near(mean[s], 22.0 + 0.5 * s, 1e-6);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(cannot_fit_and_constant)
{
    hc_fitted f;
    double one[1] = {5.0};
    ck_assert_int_eq(fit(one, 1, &f), HC_MODEL_CANNOT_FIT);
    /* One observed value. */
    double two_nan[3] = {(double)NAN, 4.0, (double)NAN};
    ck_assert_int_eq(fit(two_nan, 3, &f), HC_MODEL_CANNOT_FIT);
    double all_nan[4] = {(double)NAN, (double)NAN, (double)NAN, (double)NAN};
    ck_assert_int_eq(fit(all_nan, 4, &f), HC_MODEL_CANNOT_FIT);
    double inf[5] = {1.0, 2.0, (double)INFINITY, 4.0, 5.0};
    ck_assert_int_eq(fit(inf, 5, &f), HC_MODEL_CANNOT_FIT);

    /* Two values fit (a line through them): 1, 3 -> 5, 7. */
    double two[2] = {1.0, 3.0};
    ck_assert_int_eq(fit(two, 2, &f), HC_OK);
    double mean[3], q[6], taus[2] = {0.1, 0.9};
    forecast(&f, 2, NULL, 0, 1, mean, NULL);
    near(mean[0], 5.0, 1e-6);
    near(mean[1], 7.0, 1e-6);
    hc_fitted_clear(&f);

    /* A constant fits: the constant, with intervals of width ~0. */
    double c[30];
    for (int t = 0; t < 30; t++)
        c[t] = 42.5;
    ck_assert_int_eq(fit(c, 30, &f), HC_OK);
    forecast(&f, 3, taus, 2, 1, mean, q);
    for (int s = 0; s < 3; s++) {
        near(mean[s], 42.5, 1e-9);
        near(q[s], 42.5, 1e-6);
        near(q[3 + s], 42.5, 1e-6);
    }
    hc_fitted_clear(&f);
    /* All zeros (y_scale 1, as Prophet uses when max |y| = 0): 0. */
    for (int t = 0; t < 30; t++)
        c[t] = 0.0;
    ck_assert_int_eq(fit(c, 30, &f), HC_OK);
    forecast(&f, 3, taus, 2, 1, mean, q);
    for (int s = 0; s < 3; s++) {
        near(mean[s], 0.0, 1e-12);
        near(q[s], 0.0, 1e-6);
    }
    hc_fitted_clear(&f);

    /* Through the fallback chain a 1-value series gets Naive. */
    hc_fit_input in = {.y = one, .n = 1, .season = 7, .freq = HC_FREQ_D};
    hc_error err;
    ck_assert_int_eq(hc_model_fit_with_fallback(prophet(), &in, &f, &err),
                     HC_OK);
    ck_assert_int_eq(f.fallback, 1);
    ck_assert_int_ne(f.algorithm, HC_ALGO_PROPHET);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(deterministic_and_registered)
{
    double y[200];
    for (size_t t = 0; t < 200; t++)
        y[t] = 30.0 + 0.1 * (double)t + 4.0 * wiggle(t) +
               6.0 * cos(2.0 * PI * (double)t / 24.0);
    hc_fitted a, b;
    ck_assert_int_eq(fit_freq(y, 200, HC_FREQ_H, &a), HC_OK);
    ck_assert_int_eq(fit_freq(y, 200, HC_FREQ_H, &b), HC_OK);
    ck_assert_uint_eq(a.nparams, b.nparams);
    ck_assert(memcmp(a.params, b.params, a.nparams * sizeof *a.params) == 0);
    double taus[3] = {0.05, 0.5, 0.95}, m1[24], m2[24], q1[72], q2[72];
    forecast(&a, 24, taus, 3, 11, m1, q1);
    forecast(&b, 24, taus, 3, 11, m2, q2);
    ck_assert(memcmp(m1, m2, sizeof m1) == 0);
    ck_assert(memcmp(q1, q2, sizeof q1) == 0);
    /* Another seed: same mean (yhat), other samples. */
    forecast(&a, 24, taus, 3, 12, m2, q2);
    ck_assert(memcmp(m1, m2, sizeof m1) == 0);
    ck_assert(memcmp(q1, q2, sizeof q1) != 0);
    for (int s = 0; s < 24; s++)
        ck_assert(q1[s] <= q1[24 + s] && q1[24 + s] <= q1[48 + s]);
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);

    const hc_model *m = prophet();
    ck_assert_int_eq(m->id, HC_ALGO_PROPHET);
    ck_assert_str_eq(m->name, "Prophet");
    ck_assert_ptr_eq(hc_model_by_id(HC_ALGO_PROPHET), m);
    ck_assert_ptr_nonnull(strstr(hc_model_supported_arns(),
                                 "arn:aws:forecast:::algorithm/Prophet"));
}
END_TEST

static Suite *prophet_suite(void)
{
    Suite *s = suite_create("prophet");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, noiseless_line);
    tcase_add_test(tc, weekly_sinusoid);
    tcase_add_test(tc, trend_change);
    tcase_add_test(tc, changepoint_and_seasonality_rules);
    tcase_add_test(tc, forecast_from_params);
    tcase_add_test(tc, scaling_invariance);
    tcase_add_test(tc, missing_values);
    tcase_add_test(tc, cannot_fit_and_constant);
    tcase_add_test(tc, deterministic_and_registered);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(prophet_suite)

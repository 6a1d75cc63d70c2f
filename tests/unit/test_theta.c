/* Theta model: the seasonality test, the decomposition indices, the SES
 * fit, forecasts and quantiles, the zero floor, missing values, cannot-fit
 * cases and determinism.
 *
 * Expected values come from hand arithmetic or from a separate Python
 * script written for these tests (straightforward loops, exact fractions
 * for the decomposition): sample autocorrelations r_k = sum_{t<n-k}
 * (y_t - mean)(y_{t+k} - mean) / sum (y_t - mean)^2; the centred moving
 * average evaluated window by window in fractions.Fraction; and SES fitted
 * by brute force over BOTH parameters: a 4001-point alpha grid on
 * [1e-4, 0.9999] refined by ternary search, the initial level found for
 * each alpha by a ternary search on the simulated SSE (no closed form), so
 * it shares no code or derivation with theta.c's profile. */
#include <math.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/model.h"
#include "models/theta_internal.h"

static void near_tol(double got, double want, double rel)
{
    double tol = rel * (fabs(want) > 1.0 ? fabs(want) : 1.0);
    ck_assert_msg(fabs(got - want) <= tol, "got %.17g, want %.17g", got, want);
}

#define Z90 1.2815515655446004 /* Phi^-1(0.9) */

static const hc_model *theta(void)
{
    const hc_model *m = hc_model_by_arn("arn:hindcast:::algorithm/Theta");
    ck_assert_ptr_nonnull(m);
    return m;
}

static int fit(const double *y, size_t n, int season, hc_fitted *out)
{
    hc_fit_input in = {.y = y, .n = n, .season = season, .freq = HC_FREQ_D,
                       .seed = 7};
    hc_error err;
    return theta()->fit(&in, out, &err);
}

static void forecast(const hc_fitted *f, size_t h, const double *taus,
                     size_t nq, double *mean, double *q)
{
    hc_forecast_request req = {.horizon = h, .nquantiles = nq,
                               .quantiles = taus};
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(f, &req, mean, q, &err), HC_OK);
}

/* 10 * (0.5, 1, 1.5, 1) repeated six times: period 4, n = 24. */
static void periodic(double *y)
{
    static const double pat[4] = {5, 10, 15, 10};
    for (int t = 0; t < 24; t++)
        y[t] = pat[t % 4];
}

/* ------------------------------------------------------ seasonality test */

START_TEST(seasonality_test_decisions)
{
    double y[24];
    /* Python: r_4 = 0.8333333333333334 > limit 0.5497594302367712. */
    periodic(y);
    ck_assert_int_eq(hc_theta_seasonal_test(y, 24, 4), 1);

    /* A fixed irregular sequence: r_4 = 0.0233, limit 0.4663: not
     * seasonal. */
    static const double noise[24] = {5, 3, 8, 6, 2, 7, 4, 9, 1, 6, 5, 3,
                                     7, 2, 8, 4, 6, 3, 9, 5, 2, 7, 4, 6};
    ck_assert_int_eq(hc_theta_seasonal_test(noise, 24, 4), 0);

    /* Period 8 tested at lag 4: r_4 = -0.8333 and the test takes |r_4|
     * (limit 0.5304), so it says seasonal, as the M4 code does. */
    static const double p8[24] = {1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3, 4,
                                  5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3, 2};
    ck_assert_int_eq(hc_theta_seasonal_test(p8, 24, 4), 1);

    /* A straight line: r_4 = 0.5087 but the bound grows with r_1..r_3
     * (limit 0.7082): not seasonal. */
    double line[24];
    for (int t = 0; t < 24; t++)
        line[t] = t + 1;
    ck_assert_int_eq(hc_theta_seasonal_test(line, 24, 4), 0);

    /* Never tested: m = 1, fewer than 3m values, a constant series. */
    ck_assert_int_eq(hc_theta_seasonal_test(y, 24, 1), 0);
    ck_assert_int_eq(hc_theta_seasonal_test(y, 11, 4), 0);
    /* Three cycles are tested but r_4 = 0.6667 < 0.7340 (Python): too
     * little evidence; four cycles: 0.75 > 0.6543. */
    ck_assert_int_eq(hc_theta_seasonal_test(y, 12, 4), 0);
    ck_assert_int_eq(hc_theta_seasonal_test(y, 16, 4), 1);
    double flat[24];
    for (int t = 0; t < 24; t++)
        flat[t] = 3.0;
    ck_assert_int_eq(hc_theta_seasonal_test(flat, 24, 4), 0);
}
END_TEST

/* -------------------------------------------------- decomposition indices */

START_TEST(decomposition_indices)
{
    /* Periodic with a constant level: every moving average is 10, the
     * ratios are the pattern / 10 = (0.5, 1, 1.5, 1), mean 1 already. */
    double y[24], idx[4];
    periodic(y);
    ck_assert_int_eq(hc_theta_seasonal_indices(y, 24, 4, idx), 0);
    near_tol(idx[0], 0.5, 1e-15);
    near_tol(idx[1], 1.0, 1e-15);
    near_tol(idx[2], 1.5, 1e-15);
    near_tol(idx[3], 1.0, 1e-15);

    /* m = 2 (weights 1/4, 1/2, 1/4) on 1,4,2,5,3,6, by hand: trends at
     * t = 1..4 are 2.75, 3.25, 3.75, 4.25; ratios 4/2.75, 2/3.25, 5/3.75,
     * 3/4.25; position 0 averages t = 2, 4, position 1 t = 1, 3; after
     * normalising, exactly 2409/3746 and 5083/3746 (Python fractions). */
    static const double y2[6] = {1, 4, 2, 5, 3, 6};
    double i2[2];
    ck_assert_int_eq(hc_theta_seasonal_indices(y2, 6, 2, i2), 0);
    near_tol(i2[0], 2409.0 / 3746.0, 1e-14);
    near_tol(i2[1], 5083.0 / 3746.0, 1e-14);

    /* Odd m = 3 (plain 3-term average) on 1,2,3,2,3,4,3,4,5: exactly
     * 7245/9323, 9240/9323, 11484/9323 (Python fractions). */
    static const double y3[9] = {1, 2, 3, 2, 3, 4, 3, 4, 5};
    double i3[3];
    ck_assert_int_eq(hc_theta_seasonal_indices(y3, 9, 3, i3), 0);
    near_tol(i3[0], 7245.0 / 9323.0, 1e-14);
    near_tol(i3[1], 9240.0 / 9323.0, 1e-14);
    near_tol(i3[2], 11484.0 / 9323.0, 1e-14);

    /* Too short for every position to have a ratio. */
    ck_assert_int_eq(hc_theta_seasonal_indices(y3, 5, 3, i3), -1);
}
END_TEST

/* --------------------------------------------------------------- SES fit */

START_TEST(ses_optimum)
{
    /* Interior optimum (Python brute force): alpha 0.74773096980583098,
     * l0 12.75721485399216, l_n 27.993593392167192, SSE
     * 94.474222534945511. (R's ses() stops at alpha 0.74786, SSE
     * 94.474232: its Nelder-Mead tolerance.) */
    static const double x[12] = {12, 15, 14, 18, 17, 21, 19, 24, 22, 26, 25, 29};
    hc_theta_ses s;
    hc_theta_ses_fit(x, 12, &s);
    near_tol(s.alpha, 0.74773096980583098, 1e-6);
    near_tol(s.level0, 12.75721485399216, 1e-6);
    near_tol(s.level, 27.993593392167192, 1e-7);
    near_tol(s.sse, 94.474222534945511, 1e-11);
    /* The profile at the optimum is the same SSE, and any other alpha is
     * worse. */
    double l0;
    near_tol(hc_theta_ses_profile(x, 12, s.alpha, &l0), s.sse, 1e-14);
    near_tol(l0, s.level0, 1e-14);
    ck_assert(hc_theta_ses_profile(x, 12, 0.70, NULL) > s.sse);
    ck_assert(hc_theta_ses_profile(x, 12, 0.80, NULL) > s.sse);

    /* Alternating 0, 2: smoothing should not follow the swings; the
     * optimum is the lower bound with l0 ~ 1 and SSE 16.00160008 (every
     * error ~ +-1; Python). */
    double alt[16];
    for (int t = 0; t < 16; t++)
        alt[t] = t % 2 ? 2.0 : 0.0;
    hc_theta_ses_fit(alt, 16, &s);
    ck_assert_double_eq(s.alpha, HC_THETA_ALPHA_MIN);
    near_tol(s.level0, 0.99999996732853247, 1e-7); /* Python's l0 search
                                                        resolves ~1e-8 */
    near_tol(s.sse, 16.001600080000006, 1e-12);

    /* A straight line: the larger alpha the smaller the lag (errors
     * slope / alpha), so the optimum is the upper bound. */
    double line[20];
    for (int t = 0; t < 20; t++)
        line[t] = 12.0 + 2.0 * t;
    hc_theta_ses_fit(line, 20, &s);
    ck_assert_double_eq(s.alpha, HC_THETA_ALPHA_MAX);
}
END_TEST

/* ------------------------------------------------------------- forecasts */

/* y_t = 10 + 2t, t = 1..20. The theta-0 line is y itself (a = 10, b = 2),
 * so the theta-2 line 2y - L is y too; SES on it has alpha at the bound
 * 0.9999 and lags the line by b (1 - alpha) / alpha: l_n =
 * 49.999799979998002 (Python). The forecast is
 * 0.5 (10 + 2 (20 + h)) + 0.5 l_n = 50 + h - 1.0001e-4: Theta does not
 * extend a straight line, it continues it at half the slope (Hyndman &
 * Billah 2003: SES with drift b/2). sigma = sqrt(SSE / (4 (n - 2))) with
 * SSE 76.01440204025603, so sd_h = sigma sqrt(1 + (h - 1) alpha^2):
 * h = 1: mean 50.999899989999001, sd 1.0274996758600194
 * h = 2: mean 51.999899989999001, sd 1.4530313235528225
 * h = 5: mean 54.999899989999001, sd 2.2973753191904307 */
START_TEST(linear_series)
{
    double y[20];
    for (int t = 0; t < 20; t++)
        y[t] = 10.0 + 2.0 * (t + 1);
    hc_fitted f;
    ck_assert_int_eq(fit(y, 20, 1, &f), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_THETA);
    ck_assert_uint_eq(f.nparams, 9);
    const double taus[2] = {0.9, 0.1};
    double mean[5], q[10];
    forecast(&f, 5, taus, 2, mean, q);
    near_tol(mean[0], 50.999899989999001, 1e-12);
    near_tol(mean[1], 51.999899989999001, 1e-12);
    near_tol(mean[4], 54.999899989999001, 1e-12);
    near_tol(q[0], 50.999899989999001 + Z90 * 1.0274996758600194, 1e-9);
    near_tol(q[1], 51.999899989999001 + Z90 * 1.4530313235528225, 1e-9);
    near_tol(q[4], 54.999899989999001 + Z90 * 2.2973753191904307, 1e-9);
    near_tol(q[5 + 4], 54.999899989999001 - Z90 * 2.2973753191904307, 1e-9);
    hc_fitted_clear(&f);

    /* The season does not matter: a line is never seasonal. */
    ck_assert_int_eq(fit(y, 20, 4, &f), HC_OK);
    ck_assert_uint_eq(f.nparams, 9);
    double mean4[5];
    forecast(&f, 5, NULL, 0, mean4, NULL);
    ck_assert_double_eq(mean4[4], mean[4]);
    hc_fitted_clear(&f);
}
END_TEST

/* The periodic series is seasonal; deseasonalised it is the constant 10,
 * whose line has slope 0 and whose SES level is 10 with no error, so the
 * forecast repeats the pattern from position 24 mod 4 = 0 with sigma 0. */
START_TEST(seasonal_series)
{
    double y[24];
    periodic(y);
    hc_fitted f;
    ck_assert_int_eq(fit(y, 24, 4, &f), HC_OK);
    ck_assert_uint_eq(f.nparams, 8 + 4);
    const double taus[1] = {0.9};
    double mean[6], q[6];
    forecast(&f, 6, taus, 1, mean, q);
    static const double want[6] = {5, 10, 15, 10, 5, 10};
    for (int t = 0; t < 6; t++) {
        near_tol(mean[t], want[t], 1e-13);
        near_tol(q[t], want[t], 1e-12);
    }
    hc_fitted_clear(&f);

    /* The same pattern started one step later (10, 15, 10, 5, ...) over
     * 25 steps ends on 10; the next values are 15, 10. */
    static const double pat[4] = {5, 10, 15, 10};
    double y1[25];
    for (int t = 0; t < 25; t++)
        y1[t] = pat[(t + 1) % 4];
    ck_assert_int_eq(fit(y1, 25, 4, &f), HC_OK);
    forecast(&f, 2, NULL, 0, mean, NULL);
    near_tol(mean[0], 15.0, 1e-13);
    near_tol(mean[1], 10.0, 1e-13);
    hc_fitted_clear(&f);

    /* A zero value disables the multiplicative decomposition: the
     * forecast is then not seasonal (the same for every step of a
     * cycle up to the drift). */
    y[3] = 0.0;
    ck_assert_int_eq(fit(y, 24, 4, &f), HC_OK);
    ck_assert_uint_eq(f.nparams, 9);
    hc_fitted_clear(&f);
}
END_TEST

/* The forecast from a parameter vector alone (layout 1), by hand:
 * k = 2 indices (0.5, 1.5), line at n 100, slope 2, level 90, alpha 0.5,
 * sigma 4. Step h: centre 0.5 (100 + 2h) + 45 = 95 + h, times the index
 * of (h - 1) mod 2; sd 4 sqrt(1 + 0.25 (h - 1)) times the same index.
 * h = 1: 96 * 0.5 = 48, sd 2; h = 2: 97 * 1.5 = 145.5, sd 6 sqrt(1.25);
 * h = 3: 98 * 0.5 = 49, sd 2 sqrt(1.5). */
START_TEST(forecast_from_params)
{
    double p[10] = {1, 2, 100, 2, 90, 0.5, 4, 0, 0.5, 1.5};
    hc_fitted f = {.algorithm = HC_ALGO_THETA, .nparams = 10, .params = p};
    const double taus[2] = {0.9, 0.5};
    double mean[3], q[6];
    forecast(&f, 3, taus, 2, mean, q);
    near_tol(mean[0], 48.0, 1e-15);
    near_tol(mean[1], 145.5, 1e-15);
    near_tol(mean[2], 49.0, 1e-15);
    near_tol(q[0], 48.0 + Z90 * 2.0, 1e-15);
    near_tol(q[1], 145.5 + Z90 * 6.0 * sqrt(1.25), 1e-15);
    near_tol(q[2], 49.0 + Z90 * 2.0 * sqrt(1.5), 1e-15);
    for (int t = 0; t < 3; t++)
        near_tol(q[3 + t], mean[t], 1e-15); /* the median is the mean */

    /* Zero floor on: slope -120 makes the centre 0.5 (100 - 120h) + 45 =
     * 95 - 60h: 35 * 0.5 = 17.5, then -25 * 1.5 = -37.5 and -85 * 0.5 =
     * -42.5, floored to 0 with their quantiles. */
    p[3] = -120;
    p[7] = 1;
    forecast(&f, 3, taus, 2, mean, q);
    near_tol(mean[0], 17.5, 1e-15);
    ck_assert_double_eq(mean[1], 0.0);
    ck_assert_double_eq(mean[2], 0.0);
    near_tol(q[0], 17.5 + Z90 * 2.0, 1e-15);
    ck_assert_double_eq(q[1], 0.0);
    /* Floor off: the same centre stays negative. */
    p[7] = 0;
    forecast(&f, 3, taus, 2, mean, q);
    near_tol(mean[1], -37.5, 1e-15);
    near_tol(q[1], -37.5 + Z90 * 6.0 * sqrt(1.25), 1e-15);

    /* Corrupt vectors are refused. */
    hc_error err;
    hc_forecast_request req = {.horizon = 1};
    p[1] = 3; /* claims 3 indices, holds 2 */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    p[1] = 2;
    p[8] = -0.5; /* seasonal indices are positive */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    p[8] = 0.5;
    p[0] = 2; /* unknown layout */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
}
END_TEST

/* A falling non-negative series is floored, one with negative values is
 * not. y = 100, 90, ..., 10: theta continues at half the slope (-5 a step)
 * from about 10, so steps 3 on would be negative. */
START_TEST(zero_floor_rule)
{
    double y[10];
    for (int t = 0; t < 10; t++)
        y[t] = 100.0 - 10.0 * t;
    hc_fitted f;
    ck_assert_int_eq(fit(y, 10, 1, &f), HC_OK);
    ck_assert_double_eq(f.params[7], 1.0);
    const double taus[1] = {0.1};
    double mean[6], q[6];
    forecast(&f, 6, taus, 1, mean, q);
    /* 10 - 5h + 5 (1 - alpha) / alpha with alpha 0.9999: 5.0005, 0.0005,
     * then negative. */
    ck_assert(mean[0] > 5.0 && mean[0] < 5.001);
    ck_assert(mean[1] > 0.0 && mean[1] < 0.001);
    for (int t = 2; t < 6; t++) {
        ck_assert_double_eq(mean[t], 0.0);
        ck_assert_double_eq(q[t], 0.0);
    }
    hc_fitted_clear(&f);

    for (int t = 0; t < 10; t++)
        y[t] -= 50.0; /* 50 .. -40 */
    ck_assert_int_eq(fit(y, 10, 1, &f), HC_OK);
    ck_assert_double_eq(f.params[7], 0.0);
    forecast(&f, 6, NULL, 0, mean, NULL);
    near_tol(mean[5], -40.0 - 5.0 * 6, 1e-4); /* negative, kept */
    hc_fitted_clear(&f);
}
END_TEST

/* ------------------------------------------------- missing and degenerate */

static int same_params(const hc_fitted *a, const hc_fitted *b)
{
    return a->algorithm == b->algorithm && a->nparams == b->nparams &&
           memcmp(a->params, b->params, a->nparams * sizeof(double)) == 0;
}

START_TEST(missing_values)
{
    /* Leading NaNs are dropped; an interior NaN between 4 and 8 becomes 6;
     * trailing NaNs repeat the last value (9). */
    const double nan = (double)NAN;
    const double with_nan[10] = {nan, nan, 3, 4, nan, 8, 7, 9, nan, nan};
    const double filled[8] = {3, 4, 6, 8, 7, 9, 9, 9};
    hc_fitted a, b;
    ck_assert_int_eq(fit(with_nan, 10, 1, &a), HC_OK);
    ck_assert_int_eq(fit(filled, 8, 1, &b), HC_OK);
    ck_assert(same_params(&a, &b));
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);

    /* A gap of two: 2, NaN, NaN, 8 -> 4, 6. */
    const double gap[6] = {1, 2, nan, nan, 8, 5};
    const double gap_filled[6] = {1, 2, 4, 6, 8, 5};
    ck_assert_int_eq(fit(gap, 6, 1, &a), HC_OK);
    ck_assert_int_eq(fit(gap_filled, 6, 1, &b), HC_OK);
    ck_assert(same_params(&a, &b));
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);
}
END_TEST

START_TEST(cannot_fit_and_degenerate)
{
    const double nan = (double)NAN;
    hc_fitted f;
    const double two[2] = {1, 2};
    ck_assert_int_eq(fit(two, 2, 1, &f), HC_MODEL_CANNOT_FIT);
    const double few[4] = {nan, nan, 1, 2};
    ck_assert_int_eq(fit(few, 4, 1, &f), HC_MODEL_CANNOT_FIT);
    const double none[3] = {nan, nan, nan};
    ck_assert_int_eq(fit(none, 3, 1, &f), HC_MODEL_CANNOT_FIT);
    const double inf[4] = {1, (double)INFINITY, 2, 3};
    ck_assert_int_eq(fit(inf, 4, 1, &f), HC_MODEL_CANNOT_FIT);
    hc_error err;
    hc_fit_input bad = {.y = two, .n = 2, .season = 0};
    ck_assert_int_eq(theta()->fit(&bad, &f, &err), HC_ERR_INVALID_INPUT);

    /* The predictor's path falls back: SeasonalNaive cannot fit n = 2 <
     * m = 4 either, so Naive. */
    hc_fit_input in = {.y = two, .n = 2, .season = 4, .freq = HC_FREQ_D};
    ck_assert_int_eq(hc_model_fit_with_fallback(theta(), &in, &f, &err),
                     HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_NAIVE);
    ck_assert_uint_eq(f.fallback, 1);
    hc_fitted_clear(&f);

    /* Three values fit: the smallest case. */
    const double three[3] = {1, 3, 2};
    ck_assert_int_eq(fit(three, 3, 1, &f), HC_OK);
    hc_fitted_clear(&f);

    /* A constant is a point mass at the constant. */
    double flat[30];
    for (int t = 0; t < 30; t++)
        flat[t] = 7.25;
    ck_assert_int_eq(fit(flat, 30, 7, &f), HC_OK);
    const double taus[2] = {0.01, 0.99};
    double mean[3], q[6];
    forecast(&f, 3, taus, 2, mean, q);
    for (int t = 0; t < 3; t++) {
        near_tol(mean[t], 7.25, 1e-14);
        near_tol(q[t], 7.25, 1e-14);
        near_tol(q[3 + t], 7.25, 1e-14);
    }
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(deterministic_and_registered)
{
    /* Same input, same bits; the forecast is a function of the vector. */
    double y[200];
    unsigned s = 12345u;
    for (int t = 0; t < 200; t++) {
        s = s * 1103515245u + 12345u;
        y[t] = 50.0 + 10.0 * sin(t * 0.2617993877991494) +
               (double)(s >> 16 & 0x7fff) / 3276.7;
    }
    hc_fitted a, b;
    ck_assert_int_eq(fit(y, 200, 24, &a), HC_OK);
    ck_assert_int_eq(fit(y, 200, 24, &b), HC_OK);
    ck_assert(same_params(&a, &b));
    const double taus[3] = {0.1, 0.5, 0.9};
    double m1[30], q1[90], m2[30], q2[90];
    forecast(&a, 30, taus, 3, m1, q1);
    forecast(&b, 30, taus, 3, m2, q2);
    ck_assert(memcmp(m1, m2, sizeof m1) == 0);
    ck_assert(memcmp(q1, q2, sizeof q1) == 0);
    for (int t = 0; t < 30; t++) {
        ck_assert(isfinite(m1[t]));
        ck_assert(q1[t] <= q1[30 + t] && q1[30 + t] <= q1[60 + t]);
    }
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);

    const hc_model *m = theta();
    ck_assert_int_eq(m->id, HC_ALGO_THETA);
    ck_assert_str_eq(m->name, "Theta");
    ck_assert_ptr_eq(hc_model_by_id(HC_ALGO_THETA), m);
    ck_assert_ptr_nonnull(
        strstr(hc_model_supported_arns(), "arn:hindcast:::algorithm/Theta"));
}
END_TEST

static Suite *theta_suite(void)
{
    Suite *s = suite_create("theta");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, seasonality_test_decisions);
    tcase_add_test(tc, decomposition_indices);
    tcase_add_test(tc, ses_optimum);
    tcase_add_test(tc, linear_series);
    tcase_add_test(tc, seasonal_series);
    tcase_add_test(tc, forecast_from_params);
    tcase_add_test(tc, zero_floor_rule);
    tcase_add_test(tc, missing_values);
    tcase_add_test(tc, cannot_fit_and_degenerate);
    tcase_add_test(tc, deterministic_and_registered);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(theta_suite)

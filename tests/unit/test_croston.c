/* Croston model: a series worked by hand, agreement with R forecast 8.20's
 * croston(), no and one demand, missing values, cannot-fit cases, the
 * quantiles, corrupt parameters and determinism.
 *
 * R figures were computed with Rscript (R forecast 8.20) while writing these
 * tests and pasted as constants: the mean is croston(x, h = 5)$mean (all five
 * steps equal), the sd is sqrt(mean(residuals(croston(x))^2, na.rm = TRUE)),
 * R's in-sample one-step errors, which hindcast's sigma is defined as. */
#include <math.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/model.h"

#define Z90 1.2815515655446004 /* Phi^-1(0.9) */
#define NQ 3
#define NA_ ((double)NAN)

static const double TAUS[NQ] = {0.1, 0.5, 0.9};

static void near_rel(double got, double want, double rel)
{
    double tol = rel * (fabs(want) > 1.0 ? fabs(want) : 1.0);
    ck_assert_msg(fabs(got - want) <= tol, "got %.17g, want %.17g", got, want);
}

static const hc_model *croston(void)
{
    const hc_model *m = hc_model_by_arn("arn:hindcast:::algorithm/Croston");
    ck_assert_ptr_nonnull(m);
    return m;
}

static int fit(const double *y, size_t n, hc_fitted *out)
{
    hc_fit_input in = {.y = y, .n = n, .season = 1, .freq = HC_FREQ_D,
                       .seed = 7};
    hc_error err;
    return croston()->fit(&in, out, &err);
}

/* Forecasts h <= 8 steps with p10, p50, p90 into mean[h], q[3 * h]. */
static void forecast(const hc_fitted *f, size_t h, double *mean, double *q)
{
    hc_forecast_request req = {.horizon = h, .nquantiles = NQ,
                               .quantiles = TAUS, .seed = 3};
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(f, &req, mean, q, &err), HC_OK);
}

/* Fits y and checks a flat forecast of mean `want` with Gaussian quantiles
 * of sd `sd`, censored at 0. */
static void check_series(const double *y, size_t n, double want, double sd)
{
    hc_fitted f;
    ck_assert_int_eq(fit(y, n, &f), HC_OK);
    ck_assert_int_eq(f.algorithm, HC_ALGO_CROSTON);
    double mean[8], q[NQ * 8];
    forecast(&f, 8, mean, q);
    double p10 = fmax(0.0, want - Z90 * sd), p90 = want + Z90 * sd;
    for (size_t t = 0; t < 8; t++) {
        near_rel(mean[t], want, 1e-12);
        near_rel(q[t], p10, 1e-12);
        near_rel(q[8 + t], want, 1e-12);
        near_rel(q[16 + t], p90, 1e-12);
    }
    hc_fitted_clear(&f);
}

/* ----------------------------------------------------------- by hand */

START_TEST(hand_series)
{
    /* x = 0 3 0 0 5 0 2 0 0 0 4 0 (periods 1..12).
     * Demands 3, 5, 2, 4 at periods 2, 5, 7, 11: intervals 2, 3, 2, 4.
     * Sizes, z_1 = 3: 0.1*5 + 0.9*3 = 3.2; 0.1*2 + 0.9*3.2 = 3.08;
     *   0.1*4 + 0.9*3.08 = 3.172.
     * Intervals, p_1 = 2: 0.1*3 + 0.9*2 = 2.1; 0.1*2 + 0.9*2.1 = 2.09;
     *   0.1*4 + 0.9*2.09 = 2.281.
     * Forecast 3.172 / 2.281 = 1.39061814993423937...
     * One-step fitted values from period 2: 0 (no demand yet), 3/2 for
     * periods 3-5, 3.2/2.1 = 32/21 for 6-7, 3.08/2.09 = 308/209 for 8-11,
     * 3172/2281 for 12. Errors: 3, -3/2, -3/2, 7/2, -32/21, 10/21,
     * -308/209 (x3), 528/209, -3172/2281; their squares sum to
     * 142901439242759/3313266376644 = 43.1300785986014 (exact fractions),
     * sigma = sqrt(43.1300785986014 / 11) = 1.9801303583947425.
     * R forecast 8.20 croston(x, h = 5)$mean: 1.3906181499342396, and R's
     * residual sd the same 1.9801303583947425. */
    static const double x[12] = {0, 3, 0, 0, 5, 0, 2, 0, 0, 0, 4, 0};
    hc_fitted f;
    ck_assert_int_eq(fit(x, 12, &f), HC_OK);
    ck_assert_uint_eq(f.nparams, 7);
    near_rel(f.params[3], 3.172, 1e-14);
    near_rel(f.params[4], 2.281, 1e-14);
    near_rel(f.params[5], 0.1, 0.0);
    near_rel(f.params[6], 4.0, 0.0);
    hc_fitted_clear(&f);

    const double fc = 3172.0 / 2281.0, sd = 1.9801303583947425;
    check_series(x, 12, fc, sd);
    /* p10 = 1.3906 - 1.2816 * 1.9801 < 0: censored at 0 exactly. */
    ck_assert(fc - Z90 * sd < 0.0);
    ck_assert_int_eq(fit(x, 12, &f), HC_OK);
    double mean[4], q[NQ * 4];
    forecast(&f, 4, mean, q);
    for (int t = 0; t < 4; t++)
        ck_assert(q[t] == 0.0);
    hc_fitted_clear(&f);
}
END_TEST

/* --------------------------------------------------------- against R */

START_TEST(agrees_with_r)
{
    /* R: set.seed(42); round(rbinom(40, 1, 0.3) * rgamma(40, 2, 0.5), 2). */
    static const double x1[40] = {
        2.30, 9.61, 0.00, 3.94, 0.00, 0.00, 0.24, 0.00, 0.00, 4.97,
        0.00, 1.69, 1.52, 0.00, 0.00, 2.27, 3.53, 0.00, 0.00, 0.00,
        4.15, 0.00, 4.73, 3.09, 0.00, 0.00, 0.00, 4.78, 0.00, 3.72,
        4.89, 3.22, 0.00, 0.00, 0.00, 7.41, 0.00, 0.00, 7.93, 0.00};
    /* R forecast 8.20 croston(x1, h = 5)$mean and residual sd. */
    check_series(x1, 40, 2.0231741459852275, 2.6549411809903734);

    /* Two demands (ses() on two values). */
    static const double two[5] = {0, 0, 4, 0, 6};
    check_series(two, 5, 1.4482758620689653, 3.1446603773522015);

    /* A demand every period: intervals stay 1, the forecast is plain SES
     * of the sizes (R: 5.7571200000000022). */
    static const double dense[6] = {5, 7, 6, 8, 4, 9};
    check_series(dense, 6, 5.7571200000000022, 2.342227753229817);

    /* Leading zeros: the first interval counts from the origin (6). */
    static const double lead[10] = {0, 0, 0, 0, 0, 1.5, 0, 0, 2.5, 0.5};
    check_series(lead, 10, 0.28489483747609951, 0.91199364767094449);

    static const double int2[10] = {0, 1, 1, 0, 0, 0, 0, 0, 0, 2};
    check_series(int2, 10, 0.45643153526970953, 0.75157575310147295);
}
END_TEST

START_TEST(no_and_one_demand)
{
    /* R: croston(c(0, 0, 0, 0))$mean = 0, residuals all 0: a point mass. */
    static const double zeros[4] = {0, 0, 0, 0};
    check_series(zeros, 4, 0.0, 0.0);

    /* One demand, 7 at period 3: R gives 7 / 3 = 2.3333333333333335 and
     * residual sd 4.2600643361512924 (errors 0, 7, -7/3: sqrt((49 +
     * 49/9) / 3)). */
    static const double one[4] = {0, 0, 7, 0};
    check_series(one, 4, 7.0 / 3.0, sqrt((49.0 + 49.0 / 9.0) / 3.0));
    near_rel(sqrt((49.0 + 49.0 / 9.0) / 3.0), 4.2600643361512924, 1e-15);

    /* A single value: R forecasts 7 but has no residual (its sd is NaN);
     * hindcast makes it a point mass at 7. */
    static const double single[1] = {7};
    check_series(single, 1, 7.0, 0.0);

    /* Negative zero is zero demand, not a negative value. */
    static const double negzero[3] = {-0.0, 2, 0};
    check_series(negzero, 3, 1.0, sqrt((4.0 + 1.0) / 2.0));
}
END_TEST

/* ---------------------------------------------------- missing values */

START_TEST(missing_values_dropped)
{
    /* R's croston() stops on NA; hindcast drops NaNs, which is R's
     * croston(na.omit(x)). R forecast 8.20 on
     * na.omit(c(0,3,NA,0,5,NA,NA,2,0,0,0,4,0,NA)) = 0 3 0 5 2 0 0 0 4 0:
     * mean 1.5033175355450237, residual sd 2.0939805023352509. */
    static const double xn[14] = {0, 3, NA_, 0, 5, NA_, NA_,
                                  2, 0, 0, 0, 4, 0, NA_};
    check_series(xn, 14, 1.5033175355450237, 2.0939805023352509);

    /* Same parameters, bit for bit, as the series without its NaNs. */
    static const double dense[10] = {0, 3, 0, 5, 2, 0, 0, 0, 4, 0};
    static const double lead[13] = {NA_, NA_, NA_, 0, 3, 0, 5,
                                    2, 0, 0, 0, 4, 0};
    hc_fitted a, b, c;
    ck_assert_int_eq(fit(xn, 14, &a), HC_OK);
    ck_assert_int_eq(fit(dense, 10, &b), HC_OK);
    ck_assert_int_eq(fit(lead, 13, &c), HC_OK);
    ck_assert(memcmp(a.params, b.params, 7 * sizeof(double)) == 0);
    ck_assert(memcmp(c.params, b.params, 7 * sizeof(double)) == 0);
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);
    hc_fitted_clear(&c);

    /* One observed value among NaNs: a point mass at it (cf. single). */
    static const double lone[4] = {NA_, 2, NA_, NA_};
    check_series(lone, 4, 2.0, 0.0);
}
END_TEST

/* -------------------------------------------------------- cannot fit */

START_TEST(cannot_fit)
{
    static const double neg[5] = {0, 3, -1, 0, 5}; /* R: stop() */
    static const double pinf[3] = {0, (double)INFINITY, 2};
    static const double ninf[3] = {0, -(double)INFINITY, 2};
    static const double nans[3] = {NA_, NA_, NA_};
    static const double *const ys[4] = {neg, pinf, ninf, nans};
    static const size_t ns[4] = {5, 3, 3, 3};
    for (int i = 0; i < 4; i++) {
        hc_fitted f = {0};
        ck_assert_int_eq(fit(ys[i], ns[i], &f), HC_MODEL_CANNOT_FIT);
        ck_assert_ptr_null(f.params);
    }

    /* Through the fallback chain a negative series is fitted by
     * SeasonalNaive (season 1 here), flagged as a fallback. */
    hc_fit_input in = {.y = neg, .n = 5, .season = 1, .freq = HC_FREQ_D};
    hc_fitted f;
    hc_error err;
    ck_assert_int_eq(hc_model_fit_with_fallback(croston(), &in, &f, &err),
                     HC_OK);
    ck_assert_int_eq(f.algorithm, HC_ALGO_SEASONAL_NAIVE);
    ck_assert_int_eq(f.fallback, 1);
    hc_fitted_clear(&f);

    /* Huge sizes overflow the squared errors: cannot fit, not inf. */
    static const double huge[3] = {1e300, 0, 1e300};
    ck_assert_int_eq(fit(huge, 3, &f), HC_MODEL_CANNOT_FIT);
}
END_TEST

START_TEST(corrupt_params_refused)
{
    static const double x[4] = {0, 2, 0, 2};
    hc_fitted f;
    ck_assert_int_eq(fit(x, 4, &f), HC_OK);
    double mean[2], q[NQ * 2];
    hc_forecast_request req = {.horizon = 2, .nquantiles = NQ,
                               .quantiles = TAUS};
    hc_error err;
    f.params[1] = -1.0; /* a negative demand rate */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err),
                     HC_ERR_INTERNAL);
    f.params[1] = 1.0;
    f.params[2] = NA_;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err),
                     HC_ERR_INTERNAL);
    f.params[2] = 0.5;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), HC_OK);
    f.params[0] = 2.0; /* unknown layout */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err),
                     HC_ERR_INTERNAL);
    f.params[0] = 1.0;
    f.nparams = 6;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err),
                     HC_ERR_INTERNAL);
    f.nparams = 7;
    hc_fitted_clear(&f);
}
END_TEST

/* ------------------------------------------------------- determinism */

START_TEST(deterministic_and_registered)
{
    double y[500];
    unsigned s = 2024u;
    for (int t = 0; t < 500; t++) {
        s = s * 1103515245u + 12345u;
        unsigned r = s >> 16 & 0x7fff;
        y[t] = r % 4 == 0 ? (double)(r % 97) / 7.0 : 0.0;
    }
    hc_fitted a, b;
    hc_fit_input in = {.y = y, .n = 500, .season = 24, .freq = HC_FREQ_H,
                       .seed = 1};
    hc_error err;
    ck_assert_int_eq(croston()->fit(&in, &a, &err), HC_OK);
    in.seed = 99; /* the seed plays no part */
    ck_assert_int_eq(croston()->fit(&in, &b, &err), HC_OK);
    ck_assert(memcmp(a.params, b.params, 7 * sizeof(double)) == 0);
    double m1[8], q1[NQ * 8], m2[8], q2[NQ * 8];
    forecast(&a, 8, m1, q1);
    forecast(&b, 8, m2, q2);
    ck_assert(memcmp(m1, m2, sizeof m1) == 0);
    ck_assert(memcmp(q1, q2, sizeof q1) == 0);
    for (int t = 0; t < 8; t++)
        ck_assert(0.0 <= q1[t] && q1[t] <= q1[8 + t] &&
                  q1[8 + t] <= q1[16 + t]);
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);

    const hc_model *m = croston();
    ck_assert_int_eq(m->id, HC_ALGO_CROSTON);
    ck_assert_str_eq(m->name, "Croston");
    ck_assert_ptr_eq(hc_model_by_id(HC_ALGO_CROSTON), m);
    ck_assert_ptr_nonnull(strstr(hc_model_supported_arns(),
                                 "arn:hindcast:::algorithm/Croston"));
}
END_TEST

static Suite *croston_suite(void)
{
    Suite *s = suite_create("croston");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, hand_series);
    tcase_add_test(tc, agrees_with_r);
    tcase_add_test(tc, no_and_one_demand);
    tcase_add_test(tc, missing_values_dropped);
    tcase_add_test(tc, cannot_fit);
    tcase_add_test(tc, corrupt_params_refused);
    tcase_add_test(tc, deterministic_and_registered);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(croston_suite)

/* NPTS: sampling probabilities worked out by hand, seasonal restriction,
 * determinism, hyperparameters and the cannot-fit rules.
 *
 * The forecast only returns quantiles and the mean, but with S = 100 paths
 * and the type-1 rule (rank ceil(100 tau)), the 100 quantiles
 * tau_k = (k - 0.5) / 100 are exactly the 100 sorted samples of a step
 * (rank ceil(k - 0.5) = k), so the tests read every draw back.
 *
 * Frequency tolerances: R forecasts of 100 paths give N = 100 R draws of a
 * value of probability p; their count is Binomial(N, p) within 5 standard
 * deviations, sqrt(N p (1 - p)), but with probability 1 - 6e-7. */
#include <math.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/model.h"

#define S 100
#define MAXH 4

static const hc_model *npts(void)
{
    const hc_model *m = hc_model_by_id(HC_ALGO_NPTS);
    ck_assert_ptr_nonnull(m);
    return m;
}

static void fit_ok(const double *y, size_t n, int season, uint32_t options,
                   const hc_model_params *hp, hc_fitted *fit)
{
    hc_fit_input in = {.y = y, .n = n, .season = season, .freq = HC_FREQ_D,
                       .seed = 1, .options = options, .params = hp};
    hc_error err;
    ck_assert_int_eq(npts()->fit(&in, fit, &err), HC_OK);
    ck_assert_uint_eq(fit->algorithm, HC_ALGO_NPTS);
}

/* The sorted draws of each step: draws[t * S + k], and the means. */
static void draws_of(const hc_fitted *fit, size_t h, uint64_t seed,
                     double *draws, double *mean)
{
    static double taus[S];
    for (int k = 0; k < S; k++)
        taus[k] = (k + 0.5) / S;
    double q[S * MAXH];
    hc_forecast_request req = {h, S, taus, seed};
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(fit, &req, mean, q, &err), HC_OK);
    for (size_t t = 0; t < h; t++)
        for (int k = 0; k < S; k++)
            draws[t * S + (size_t)k] = q[(size_t)k * h + t];
}

/* Counts over `runs` forecasts how often step t drew values[j]. Every
 * draw must be one of the values. */
static void count_draws(const hc_fitted *fit, size_t h, size_t t, int runs,
                        const double *values, size_t nv, long *count)
{
    double d[S * MAXH], mean[MAXH];
    memset(count, 0, nv * sizeof *count);
    for (int r = 0; r < runs; r++) {
        draws_of(fit, h, 1000u + (uint64_t)r, d, mean);
        double sum = 0.0;
        for (int k = 0; k < S; k++) {
            double x = d[t * S + (size_t)k];
            sum += x;
            size_t j = 0;
            while (j < nv && values[j] != x)
                j++;
            ck_assert_msg(j < nv, "drew %g, not an observed value", x);
            count[j]++;
        }
        /* the mean is the sample mean (integers: exact in any order) */
        ck_assert_double_eq(mean[t], sum / S);
    }
}

static void check_count(long count, int runs, double p)
{
    double n = (double)runs * S;
    double sd = sqrt(n * p * (1.0 - p));
    ck_assert_msg(fabs((double)count - n * p) <= 5.0 * sd,
                  "count %ld, expected %.1f +- %.1f", count, n * p, 5.0 * sd);
}

/* Uniform kernel, not seasonal: every observation 1/4. At step 2 the
 * first draw joins the candidates: P(v) = (1 + 1/4) / 5 = 1/4 again. */
START_TEST(uniform_kernel_draws_each_value_a_quarter)
{
    const double y[] = {3, 1, 4, 2};
    const double values[] = {1, 2, 3, 4};
    hc_fitted fit = {0};
    fit_ok(y, 4, 1, HC_FIT_NPTS_UNIFORM, NULL, &fit);
    ck_assert_double_eq(fit.params[1], 1.0); /* uniform */
    ck_assert_double_eq(fit.params[2], 0.0); /* lambda */
    long count[4];
    for (size_t t = 0; t < 2; t++) {
        count_draws(&fit, 2, t, 200, values, 4, count);
        for (int j = 0; j < 4; j++)
            check_count(count[j], 200, 0.25);
    }
    hc_fitted_clear(&fit);
}
END_TEST

/* Exponential kernel with lambda = ln 2 on 10, 20, 30: at step 1 (T = 3)
 * the weights are 2^-3, 2^-2, 2^-1 -> 1/7, 2/7, 4/7. At step 2 (T = 4) the
 * training values weigh 1/16, 1/8, 1/4 (7/16) and the first draw 1/2:
 * P(30) = (1/4 + 1/2 * 4/7) / (15/16) = 4/7, P(20) = (1/8 + 1/2 * 2/7) /
 * (15/16) = 2/7, P(10) = 1/7. */
START_TEST(exponential_kernel_matches_hand_probabilities)
{
    const double y[] = {10, 20, 30};
    const double values[] = {10, 20, 30};
    const double p[] = {1.0 / 7, 2.0 / 7, 4.0 / 7};
    hc_model_params hp = {.npts_exp_kernel_weights = log(2.0)};
    hc_fitted fit = {0};
    fit_ok(y, 3, 1, 0, &hp, &fit);
    ck_assert_double_eq(fit.params[1], 0.0);
    ck_assert_double_eq(fit.params[2], log(2.0));
    long count[3];
    for (size_t t = 0; t < 2; t++) {
        count_draws(&fit, 2, t, 200, values, 3, count);
        for (int j = 0; j < 3; j++)
            check_count(count[j], 200, p[j]);
    }
    hc_fitted_clear(&fit);
}
END_TEST

/* Missing values are never drawn: with 10, NaN, 30 and lambda = ln 2 the
 * weights at T = 3 are 1/8 and 1/2 -> 1/5 and 4/5. */
START_TEST(missing_values_are_skipped)
{
    const double y[] = {10, (double)NAN, 30};
    const double values[] = {10, 30};
    hc_model_params hp = {.npts_exp_kernel_weights = log(2.0)};
    hc_fitted fit = {0};
    fit_ok(y, 3, 1, 0, &hp, &fit);
    long count[2];
    count_draws(&fit, 1, 0, 200, values, 2, count);
    check_count(count[0], 200, 0.2);
    check_count(count[1], 200, 0.8);
    hc_fitted_clear(&fit);
}
END_TEST

/* Season 2: positions 0, 2, 4 hold 1, 2, 3 and 1, 3, 5 hold 100, 200, 300.
 * The first step (position 6) and third are in season 0, the second and
 * fourth in season 1; with the uniform kernel each value of the season is
 * drawn at step 1 with probability 1/3. */
START_TEST(seasonal_model_samples_only_its_season)
{
    const double y[] = {1, 100, 2, 200, 3, 300};
    const double even[] = {1, 2, 3}, odd[] = {100, 200, 300};
    hc_fitted fit = {0};
    fit_ok(y, 6, 2, HC_FIT_NPTS_UNIFORM, NULL, &fit);
    ck_assert_double_eq(fit.params[3], 2.0);
    long count[3];
    for (size_t t = 0; t < 4; t++) {
        count_draws(&fit, 4, t, t == 0 ? 200 : 20, t % 2 ? odd : even, 3,
                    count);
        if (t == 0)
            for (int j = 0; j < 3; j++)
                check_count(count[j], 200, 1.0 / 3);
    }
    hc_fitted_clear(&fit);
    /* The default (exponential) kernel keeps to the season too. */
    fit_ok(y, 6, 2, 0, NULL, &fit);
    for (size_t t = 0; t < 4; t++)
        count_draws(&fit, 4, t, 10, t % 2 ? odd : even, 3, count);
    hc_fitted_clear(&fit);
    /* use_seasonal_model = "false": both seasons at every step. */
    const double all[] = {1, 2, 3, 100, 200, 300};
    long count6[6];
    fit_ok(y, 6, 2, HC_FIT_NPTS_NO_SEASONAL | HC_FIT_NPTS_UNIFORM, NULL, &fit);
    ck_assert_double_eq(fit.params[3], 1.0);
    count_draws(&fit, 1, 0, 200, all, 6, count6);
    for (int j = 0; j < 6; j++)
        check_count(count6[j], 200, 1.0 / 6);
    hc_fitted_clear(&fit);
}
END_TEST

/* A season position without any observed value, or a series shorter
 * than a season: the non-seasonal variant. */
START_TEST(seasonal_model_needs_every_season_observed)
{
    const double gap[] = {1, (double)NAN, 2, (double)NAN};
    hc_fitted fit = {0};
    fit_ok(gap, 4, 2, 0, NULL, &fit);
    ck_assert_double_eq(fit.params[3], 1.0);
    const double values[] = {1, 2};
    long count[2];
    count_draws(&fit, 2, 1, 5, values, 2, count);
    hc_fitted_clear(&fit);
    const double shorty[] = {1, 2, 3};
    fit_ok(shorty, 3, 7, 0, NULL, &fit);
    ck_assert_double_eq(fit.params[3], 1.0);
    hc_fitted_clear(&fit);
}
END_TEST

/* Defaults: exponential kernel, lambda 0.01, seasonal, 100 paths; the
 * window drops leading NaNs and keeps the last context_length values. */
START_TEST(defaults_and_context_length)
{
    const double y[] = {(double)NAN, (double)NAN, 1, 2, 3, 4, 5, 6};
    hc_fitted fit = {0};
    fit_ok(y, 8, 2, 0, NULL, &fit);
    ck_assert_uint_eq(fit.nparams, 6 + 6);
    ck_assert_double_eq(fit.params[0], 1.0);
    ck_assert_double_eq(fit.params[1], 0.0);
    ck_assert_double_eq(fit.params[2], 0.01);
    ck_assert_double_eq(fit.params[3], 2.0);
    ck_assert_double_eq(fit.params[4], 6.0);
    ck_assert_double_eq(fit.params[5], 100.0);
    ck_assert_double_eq(fit.params[6], 1.0);
    ck_assert_double_eq(fit.params[11], 6.0);
    hc_fitted_clear(&fit);

    hc_model_params hp = {.npts_context_length = 2};
    fit_ok(y, 8, 1, HC_FIT_NPTS_UNIFORM, &hp, &fit);
    ck_assert_uint_eq(fit.nparams, 6 + 2);
    const double values[] = {5, 6};
    long count[2];
    count_draws(&fit, 3, 2, 50, values, 2, count);
    hc_fitted_clear(&fit);
}
END_TEST

START_TEST(same_seed_same_bits_other_seed_other_draws)
{
    double y[60];
    for (int i = 0; i < 60; i++)
        y[i] = (double)((i * 37) % 23) + 0.25 * (i % 4);
    hc_fitted fit = {0};
    fit_ok(y, 60, 4, 0, NULL, &fit);
    const double taus[] = {0.1, 0.5, 0.9};
    double m1[MAXH], m2[MAXH], m3[MAXH], q1[3 * MAXH], q2[3 * MAXH],
        q3[3 * MAXH];
    hc_error err;
    hc_forecast_request r1 = {MAXH, 3, taus, 42};
    hc_forecast_request r2 = {MAXH, 3, taus, 43};
    ck_assert_int_eq(hc_model_forecast(&fit, &r1, m1, q1, &err), HC_OK);
    ck_assert_int_eq(hc_model_forecast(&fit, &r1, m2, q2, &err), HC_OK);
    ck_assert_int_eq(hc_model_forecast(&fit, &r2, m3, q3, &err), HC_OK);
    ck_assert(memcmp(m1, m2, sizeof m1) == 0 && memcmp(q1, q2, sizeof q1) == 0);
    /* 100 draws from 15 candidates per season position: equal means at
     * all 4 steps by chance are out of the question. */
    ck_assert(memcmp(m1, m3, sizeof m1) != 0);
    for (size_t t = 0; t < MAXH; t++)
        ck_assert(q1[t] <= q1[MAXH + t] && q1[MAXH + t] <= q1[2 * MAXH + t]);
    hc_fitted_clear(&fit);
}
END_TEST

START_TEST(cannot_fit_and_bad_input)
{
    hc_fitted fit = {0};
    hc_error err;
    const double none[] = {(double)NAN, (double)NAN, (double)NAN};
    hc_fit_input in = {.y = none, .n = 3, .season = 1, .freq = HC_FREQ_D};
    ck_assert_int_eq(npts()->fit(&in, &fit, &err), HC_MODEL_CANNOT_FIT);
    /* observed only before the context window */
    const double old[] = {5, (double)NAN, (double)NAN};
    hc_model_params hp = {.npts_context_length = 2};
    in = (hc_fit_input){.y = old, .n = 3, .season = 1, .params = &hp};
    ck_assert_int_eq(npts()->fit(&in, &fit, &err), HC_MODEL_CANNOT_FIT);
    const double inf[] = {1, (double)INFINITY, 2};
    in = (hc_fit_input){.y = inf, .n = 3, .season = 1};
    ck_assert_int_eq(npts()->fit(&in, &fit, &err), HC_MODEL_CANNOT_FIT);
    /* the fallback chain takes over */
    in = (hc_fit_input){.y = old, .n = 3, .season = 1, .params = &hp};
    ck_assert_int_eq(hc_model_fit_with_fallback(npts(), &in, &fit, &err), HC_OK);
    ck_assert_uint_eq(fit.fallback, 1);
    ck_assert_uint_ne(fit.algorithm, HC_ALGO_NPTS);
    hc_fitted_clear(&fit);
    in = (hc_fit_input){.y = old, .n = 3, .season = 0};
    ck_assert_int_eq(npts()->fit(&in, &fit, &err), HC_ERR_INVALID_INPUT);
    hp = (hc_model_params){.npts_exp_kernel_weights = -1.0};
    in = (hc_fit_input){.y = old, .n = 3, .season = 1, .params = &hp};
    ck_assert_int_eq(npts()->fit(&in, &fit, &err), HC_ERR_INVALID_INPUT);
}
END_TEST

START_TEST(corrupt_params_are_refused)
{
    const double y[] = {1, 2, 3, 4};
    hc_fitted fit = {0};
    fit_ok(y, 4, 2, 0, NULL, &fit);
    double mean[2], q[2];
    const double tau = 0.5;
    hc_forecast_request req = {2, 1, &tau, 1};
    hc_error err;
    fit.params[3] = 5.0; /* season longer than the window */
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err), HC_ERR_INTERNAL);
    fit.params[3] = 2.0;
    fit.params[4] = 3.0; /* count disagrees with nparams */
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err), HC_ERR_INTERNAL);
    fit.params[4] = 4.0;
    fit.params[7] = (double)NAN; /* season 1 loses its only... */
    fit.params[9] = (double)NAN; /* ...observed values */
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err), HC_ERR_INTERNAL);
    fit.params[7] = 2.0;
    fit.params[9] = 4.0;
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err), HC_OK);
    fit.params[0] = 2.0;
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err), HC_ERR_INTERNAL);
    hc_fitted_clear(&fit);
}
END_TEST

START_TEST(registered_with_amazons_arn)
{
    const hc_model *m = hc_model_by_arn("arn:aws:forecast:::algorithm/NPTS");
    ck_assert_ptr_eq(m, npts());
    ck_assert_str_eq(m->name, "NPTS");
    ck_assert_ptr_nonnull(strstr(hc_model_supported_arns(),
                                 "arn:aws:forecast:::algorithm/NPTS"));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("npts");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, uniform_kernel_draws_each_value_a_quarter);
    tcase_add_test(tc, exponential_kernel_matches_hand_probabilities);
    tcase_add_test(tc, missing_values_are_skipped);
    tcase_add_test(tc, seasonal_model_samples_only_its_season);
    tcase_add_test(tc, seasonal_model_needs_every_season_observed);
    tcase_add_test(tc, defaults_and_context_length);
    tcase_add_test(tc, same_seed_same_bits_other_seed_other_draws);
    tcase_add_test(tc, cannot_fit_and_bad_input);
    tcase_add_test(tc, corrupt_params_are_refused);
    tcase_add_test(tc, registered_with_amazons_arn);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

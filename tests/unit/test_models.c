/* Model interface, registry, fallback, Phi^-1, Naive and SeasonalNaive.
 * Expected values are worked out by hand in the comments; the normal
 * quantiles are reference values computed independently with mpmath at 50
 * digits (root of ncdf(x) = p). */
#include <math.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/model.h"

static void near_tol(double got, double want, double rel)
{
    double tol = rel * (fabs(want) > 1.0 ? fabs(want) : 1.0);
    ck_assert_msg(fabs(got - want) <= tol, "got %.17g, want %.17g", got, want);
}

/* Phi^-1 at the taus used below (mpmath). */
#define Z90 1.2815515655446004
#define Z10 (-1.2815515655446004)

/* ---------------------------------------------------------------- Phi^-1 */

START_TEST(normal_quantile_known_points)
{
    static const struct {
        double p, z;
    } ref[] = {
        {0.975, 1.9599639845400542},
        {0.025, -1.9599639845400542},
        {0.9, 1.2815515655446004},
        {0.1, -1.2815515655446004},
        {0.95, 1.6448536269514727},
        {0.3, -0.52440051270804078},
        {0.425, -0.18911842627279249}, /* edge of the central region */
        {0.01, -2.3263478740408411},
        {0.99, 2.3263478740408411},
        {1e-5, -4.2648907939228246},
        {1e-7, -5.1993375821928169},
        {1e-10, -6.3613409024040562},  /* r > 5: far-tail branch */
        /* the double nearest 0.999999 is 1 - 1.0000000000287557e-6 */
        {0.999999, 4.7534243088170878},
        {1e-300, -37.047096299361199},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        near_tol(hc_normal_quantile(ref[i].p), ref[i].z, 2e-15);
    ck_assert_double_eq(hc_normal_quantile(0.5), 0.0);
}
END_TEST

START_TEST(normal_quantile_symmetry_and_edges)
{
    /* For p >= 0.5, 1 - p is exact, and the tails are evaluated from the
     * smaller probability, so Phi^-1(1-p) = -Phi^-1(p) holds exactly. */
    for (int i = 0; i < 1000; i++) {
        double p = 0.5 + 0.4999 * i / 999.0;
        ck_assert_double_eq(hc_normal_quantile(1.0 - p),
                            -hc_normal_quantile(p));
    }
    /* Strictly increasing across the region boundaries. */
    double prev = -(double)INFINITY;
    for (int i = 1; i < 2000; i++) {
        double z = hc_normal_quantile(i / 2000.0);
        ck_assert(z > prev);
        prev = z;
    }
    ck_assert(isinf(hc_normal_quantile(0.0)) && hc_normal_quantile(0.0) < 0);
    ck_assert(isinf(hc_normal_quantile(1.0)) && hc_normal_quantile(1.0) > 0);
    ck_assert(isnan(hc_normal_quantile(-0.1)));
    ck_assert(isnan(hc_normal_quantile(1.5)));
    ck_assert(isnan(hc_normal_quantile((double)NAN)));
}
END_TEST

/* -------------------------------------------------------------- registry */

START_TEST(registry)
{
    const hc_model *n = hc_model_by_id(HC_ALGO_NAIVE);
    ck_assert_ptr_nonnull(n);
    ck_assert_str_eq(n->name, "Naive");
    ck_assert_str_eq(n->arn, "arn:hindcast:::algorithm/Naive");
    ck_assert_int_eq(n->id, HC_ALGO_NAIVE);
    const hc_model *s =
        hc_model_by_arn("arn:hindcast:::algorithm/SeasonalNaive");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->id, HC_ALGO_SEASONAL_NAIVE);
    ck_assert_str_eq(s->name, "SeasonalNaive");
    ck_assert_ptr_eq(hc_model_by_id(HC_ALGO_SEASONAL_NAIVE), s);
    ck_assert_ptr_null(hc_model_by_arn("arn:aws:forecast:::algorithm/CNN-QR"));
    ck_assert_ptr_null(hc_model_by_arn("arn:hindcast:::algorithm/naive"));
    ck_assert_ptr_null(hc_model_by_arn(NULL));
    /* short names in any case, or the ARN; nothing else */
    ck_assert_ptr_eq(hc_model_by_name("seasonalnaive"), s);
    ck_assert_ptr_eq(hc_model_by_name("SEASONALNAIVE"), s);
    ck_assert_ptr_eq(hc_model_by_name("arn:hindcast:::algorithm/SeasonalNaive"), s);
    ck_assert_ptr_eq(hc_model_by_name("Naive"), n);
    ck_assert_ptr_null(hc_model_by_name("Seasonal"));
    ck_assert_ptr_null(hc_model_by_name("CNN-QR"));
    ck_assert_ptr_null(hc_model_by_name(NULL));
    ck_assert_ptr_null(hc_model_by_id((hc_algorithm)0));
    ck_assert_ptr_null(hc_model_by_id((hc_algorithm)99));

    /* The supported list names exactly the implemented models. */
    const char *list = hc_model_supported_arns();
    size_t entries = 1;
    for (const char *c = list; (c = strstr(c, ", ")) != NULL; c += 2)
        entries++;
    size_t implemented = 0;
    for (int id = 1; id <= 8; id++) {
        const hc_model *m = hc_model_by_id((hc_algorithm)id);
        if (!m)
            continue;
        implemented++;
        ck_assert_msg(strstr(list, m->arn) != NULL, "%s not listed", m->arn);
        ck_assert_ptr_eq(hc_model_by_arn(m->arn), m);
    }
    ck_assert_uint_ge(implemented, 2);
    ck_assert_uint_eq(entries, implemented);
}
END_TEST

START_TEST(fitted_clear)
{
    hc_fitted_clear(NULL);
    hc_fitted f = {0};
    const double y[] = {1, 2};
    hc_fit_input in = {.y = y, .n = 2, .season = 1, .freq = HC_FREQ_D};
    ck_assert_int_eq(hc_model_by_id(HC_ALGO_NAIVE)->fit(&in, &f, NULL), HC_OK);
    ck_assert_ptr_nonnull(f.params);
    hc_fitted_clear(&f);
    ck_assert_ptr_null(f.params);
    ck_assert_uint_eq(f.nparams, 0);
    ck_assert_uint_eq(f.algorithm, 0);
    hc_fitted_clear(&f);
}
END_TEST

/* ----------------------------------------------------------------- Naive */

static int fit_with(hc_algorithm id, const double *y, size_t n, int season,
                    hc_fitted *out)
{
    hc_fit_input in = {.y = y, .n = n, .season = season, .freq = HC_FREQ_D};
    hc_error err;
    return hc_model_fit_with_fallback(hc_model_by_id(id), &in, out, &err);
}

/* y = [3, 5, 4, 8]: last 8; differences 2, -1, 4, squares 4+1+16 = 21,
 * mean 21/3 = 7, sigma = sqrt(7). Step h: mean 8, sd sqrt(7h),
 * quantile 8 + sqrt(7h) z. */
START_TEST(naive_hand_computed)
{
    const double y[] = {3, 5, 4, 8};
    hc_fitted f;
    ck_assert_int_eq(fit_with(HC_ALGO_NAIVE, y, 4, 7, &f), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_NAIVE);
    ck_assert_uint_eq(f.fallback, 0);
    ck_assert_uint_eq(f.nparams, 3);
    ck_assert_double_eq(f.params[0], 1.0);
    ck_assert_double_eq(f.params[1], 8.0);
    near_tol(f.params[2], sqrt(7.0), 1e-15);

    const double taus[] = {0.1, 0.5, 0.9};
    hc_forecast_request req = {.horizon = 3, .nquantiles = 3, .quantiles = taus};
    double mean[3], q[9];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), HC_OK);
    for (int t = 0; t < 3; t++) {
        double h = t + 1;
        ck_assert_double_eq(mean[t], 8.0);
        near_tol(q[0 * 3 + t], 8.0 + sqrt(7.0 * h) * Z10, 1e-14);
        ck_assert_double_eq(q[1 * 3 + t], 8.0);
        near_tol(q[2 * 3 + t], 8.0 + sqrt(7.0 * h) * Z90, 1e-14);
    }
    /* h = 2, tau 0.9: 8 + sqrt(14) * 1.2815515655446004 = 12.795126... */
    near_tol(q[2 * 3 + 1], 12.795126881751663, 1e-14);
    hc_fitted_clear(&f);
}
END_TEST

/* y = [NaN, 3, NaN, 5, 6, NaN]: last observed 6; the only pair with both
 * values observed is (5, 6): difference 1, sigma = 1. */
START_TEST(naive_nan_handling)
{
    const double y[] = {(double)NAN, 3, (double)NAN, 5, 6, (double)NAN};
    hc_fitted f;
    ck_assert_int_eq(fit_with(HC_ALGO_NAIVE, y, 6, 1, &f), HC_OK);
    ck_assert_double_eq(f.params[1], 6.0);
    ck_assert_double_eq(f.params[2], 1.0);
    const double taus[] = {0.9};
    hc_forecast_request req = {.horizon = 4, .nquantiles = 1, .quantiles = taus};
    double mean[4], q[4];
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, NULL), HC_OK);
    /* h = 4: 6 + 1 * sqrt(4) * z90 = 6 + 2 z90 */
    ck_assert_double_eq(mean[3], 6.0);
    near_tol(q[3], 6.0 + 2.0 * Z90, 1e-15);
    hc_fitted_clear(&f);

    /* One point, or no pair of observed values: sigma 0, every quantile is
     * the level. */
    const double one[] = {7};
    ck_assert_int_eq(fit_with(HC_ALGO_NAIVE, one, 1, 1, &f), HC_OK);
    ck_assert_double_eq(f.params[2], 0.0);
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, NULL), HC_OK);
    for (int t = 0; t < 4; t++)
        ck_assert_double_eq(q[t], 7.0);
    hc_fitted_clear(&f);
    const double gaps[] = {1, (double)NAN, 3};
    ck_assert_int_eq(fit_with(HC_ALGO_NAIVE, gaps, 3, 1, &f), HC_OK);
    ck_assert_double_eq(f.params[1], 3.0);
    ck_assert_double_eq(f.params[2], 0.0);
    hc_fitted_clear(&f);

    /* Nothing observed: no model can fit, the output stays empty. */
    const double none[] = {(double)NAN, (double)NAN};
    hc_fit_input in = {.y = none, .n = 2, .season = 1};
    ck_assert_int_eq(hc_model_by_id(HC_ALGO_NAIVE)->fit(&in, &f, NULL),
                     HC_MODEL_CANNOT_FIT);
    hc_error err;
    ck_assert_int_eq(fit_with(HC_ALGO_NAIVE, none, 2, 1, &f),
                     HC_MODEL_CANNOT_FIT);
    ck_assert_ptr_null(f.params);
    ck_assert_int_eq(hc_model_fit_with_fallback(
                         hc_model_by_id(HC_ALGO_SEASONAL_NAIVE), &in, &f, &err),
                     HC_MODEL_CANNOT_FIT);
    ck_assert_int_eq(err.code, HC_MODEL_CANNOT_FIT);
    ck_assert_ptr_null(f.params);
}
END_TEST

/* --------------------------------------------------------- SeasonalNaive */

/* m = 3, y = [10, 20, 30, 12, 18, 33, 11, 21, 36].
 * Last season [11, 21, 36]. Residuals y_t - y_{t-3}, t = 3..8:
 * 2, -2, 3, -1, 3, 3; squares 4+4+9+1+9+9 = 36; / 6 = 6; sigma = sqrt(6).
 * Step h: mean last[(h-1) mod 3]; k = floor((h-1)/3) + 1 whole seasons
 * (h 1-3: 1, h 4-6: 2, h 7: 3); sd = sqrt(6 k). */
START_TEST(snaive_hand_computed)
{
    const double y[] = {10, 20, 30, 12, 18, 33, 11, 21, 36};
    hc_fitted f;
    ck_assert_int_eq(fit_with(HC_ALGO_SEASONAL_NAIVE, y, 9, 3, &f), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_SEASONAL_NAIVE);
    ck_assert_uint_eq(f.fallback, 0);
    ck_assert_uint_eq(f.nparams, 6);
    ck_assert_double_eq(f.params[0], 1.0);
    ck_assert_double_eq(f.params[1], 3.0);
    near_tol(f.params[2], sqrt(6.0), 1e-15);
    ck_assert_double_eq(f.params[3], 11.0);
    ck_assert_double_eq(f.params[4], 21.0);
    ck_assert_double_eq(f.params[5], 36.0);

    const double taus[] = {0.9, 0.1};
    hc_forecast_request req = {.horizon = 7, .nquantiles = 2, .quantiles = taus};
    double mean[7], q[14];
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, NULL), HC_OK);
    const double want_mean[] = {11, 21, 36, 11, 21, 36, 11};
    const double seasons[] = {1, 1, 1, 2, 2, 2, 3};
    for (int t = 0; t < 7; t++) {
        ck_assert_double_eq(mean[t], want_mean[t]);
        near_tol(q[t], want_mean[t] + sqrt(6.0 * seasons[t]) * Z90, 1e-14);
        near_tol(q[7 + t], want_mean[t] + sqrt(6.0 * seasons[t]) * Z10,
                 1e-14);
    }
    /* h = 4, tau 0.9: 11 + sqrt(12) * 1.2815515655446004 = 15.439424... */
    near_tol(q[3], 15.439424848085368, 1e-14);
    hc_fitted_clear(&f);
}
END_TEST

/* m = 3, y = [10, 20, 30, 12, NaN, 33, 11, NaN, 36]: position 1 is NaN at
 * t = 7 and t = 4, so the most recent observed value there is y_1 = 20;
 * last season [11, 20, 36]. Residuals with both values observed: t = 3: 2,
 * t = 5: 3, t = 6: -1, t = 8: 3; squares 4+9+1+9 = 23; sigma = sqrt(23/4). */
START_TEST(snaive_nan_handling)
{
    const double y[] = {10, 20, 30, 12, (double)NAN, 33, 11, (double)NAN, 36};
    hc_fitted f;
    ck_assert_int_eq(fit_with(HC_ALGO_SEASONAL_NAIVE, y, 9, 3, &f), HC_OK);
    ck_assert_uint_eq(f.fallback, 0);
    ck_assert_double_eq(f.params[3], 11.0);
    ck_assert_double_eq(f.params[4], 20.0);
    ck_assert_double_eq(f.params[5], 36.0);
    near_tol(f.params[2], sqrt(5.75), 1e-15);
    hc_fitted_clear(&f);

    /* Position 1 never observed (y_4, y_1 NaN): SeasonalNaive cannot fit;
     * Naive takes over: last 6, the only observed pair (3, 4) gives
     * sigma 1. */
    const double hole[] = {1, (double)NAN, 3, 4, (double)NAN, 6};
    ck_assert_int_eq(fit_with(HC_ALGO_SEASONAL_NAIVE, hole, 6, 3, &f), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_NAIVE);
    ck_assert_uint_eq(f.fallback, 1);
    ck_assert_double_eq(f.params[1], 6.0);
    ck_assert_double_eq(f.params[2], 1.0);
    hc_fitted_clear(&f);
}
END_TEST

/* n < m: falls back to Naive. y = [1, 2, 4], m = 7: last 4, differences
 * 1, 2, sigma = sqrt((1+4)/2) = sqrt(2.5). */
START_TEST(snaive_short_series_falls_back)
{
    const double y[] = {1, 2, 4};
    hc_fit_input in = {.y = y, .n = 3, .season = 7, .freq = HC_FREQ_D};
    hc_fitted f;
    ck_assert_int_eq(hc_model_by_id(HC_ALGO_SEASONAL_NAIVE)->fit(&in, &f, NULL),
                     HC_MODEL_CANNOT_FIT);
    hc_error err;
    ck_assert_int_eq(hc_model_fit_with_fallback(
                         hc_model_by_id(HC_ALGO_SEASONAL_NAIVE), &in, &f, &err),
                     HC_OK);
    ck_assert_int_eq(err.code, 0);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_NAIVE);
    ck_assert_uint_eq(f.fallback, 1);
    ck_assert_double_eq(f.params[1], 4.0);
    near_tol(f.params[2], sqrt(2.5), 1e-15);
    hc_fitted_clear(&f);
}
END_TEST

/* n == m: fits with no residual, sigma 0, quantiles at the mean.
 * m = 1 is Naive: same numbers as naive_hand_computed. */
START_TEST(snaive_edge_seasons)
{
    const double y[] = {5, 6, 7};
    hc_fitted f;
    ck_assert_int_eq(fit_with(HC_ALGO_SEASONAL_NAIVE, y, 3, 3, &f), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_SEASONAL_NAIVE);
    ck_assert_double_eq(f.params[2], 0.0);
    const double taus[] = {0.99};
    hc_forecast_request req = {.horizon = 4, .nquantiles = 1, .quantiles = taus};
    double mean[4], q[4];
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, NULL), HC_OK);
    const double want[] = {5, 6, 7, 5};
    for (int t = 0; t < 4; t++) {
        ck_assert_double_eq(mean[t], want[t]);
        ck_assert_double_eq(q[t], want[t]);
    }
    hc_fitted_clear(&f);

    const double w[] = {3, 5, 4, 8};
    ck_assert_int_eq(fit_with(HC_ALGO_SEASONAL_NAIVE, w, 4, 1, &f), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_SEASONAL_NAIVE);
    ck_assert_double_eq(f.params[3], 8.0);
    near_tol(f.params[2], sqrt(7.0), 1e-15);
    req.horizon = 3;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, NULL), HC_OK);
    /* h = 3, tau 0.99: 8 + sqrt(21) * 2.3263478740408411 */
    near_tol(q[2], 8.0 + sqrt(21.0) * 2.3263478740408411, 1e-14);
    hc_fitted_clear(&f);

    /* A season below 1 is a caller error, not a fallback case. */
    hc_error err;
    ck_assert_int_eq(fit_with(HC_ALGO_SEASONAL_NAIVE, w, 4, 0, &f),
                     HC_ERR_INVALID_INPUT);
    ck_assert_ptr_null(f.params);
    (void)err;
}
END_TEST

/* -------------------------------------------------------------- fallback */

static int cannot_fit(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    (void)in;
    (void)out;
    (void)err;
    return HC_MODEL_CANNOT_FIT;
}

static int fails(const hc_fit_input *in, hc_fitted *out, hc_error *err)
{
    (void)in;
    (void)out;
    return hc_error_set(err, HC_ERR_NOMEM, "boom");
}

/* A model that cannot fit goes to SeasonalNaive first (it fits here:
 * n = 4 >= m = 2), then Naive; a real error stops the chain. */
START_TEST(fallback_chain)
{
    hc_model theta = {HC_ALGO_THETA, "Test", "arn:test", cannot_fit, NULL};
    const double y[] = {1, 2, 3, 4};
    hc_fit_input in = {.y = y, .n = 4, .season = 2, .freq = HC_FREQ_D};
    hc_fitted f;
    hc_error err;
    ck_assert_int_eq(hc_model_fit_with_fallback(&theta, &in, &f, &err), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_SEASONAL_NAIVE);
    ck_assert_uint_eq(f.fallback, 1);
    /* last season [3, 4]; residuals 3-1, 4-2 -> sigma 2 */
    ck_assert_double_eq(f.params[3], 3.0);
    ck_assert_double_eq(f.params[4], 4.0);
    ck_assert_double_eq(f.params[2], 2.0);
    hc_fitted_clear(&f);

    in.season = 9; /* SeasonalNaive cannot fit either: Naive */
    ck_assert_int_eq(hc_model_fit_with_fallback(&theta, &in, &f, &err), HC_OK);
    ck_assert_uint_eq(f.algorithm, HC_ALGO_NAIVE);
    ck_assert_uint_eq(f.fallback, 1);
    ck_assert_double_eq(f.params[1], 4.0);
    ck_assert_double_eq(f.params[2], 1.0);
    hc_fitted_clear(&f);

    hc_model bad = {HC_ALGO_THETA, "Bad", "arn:bad", fails, NULL};
    ck_assert_int_eq(hc_model_fit_with_fallback(&bad, &in, &f, &err),
                     HC_ERR_NOMEM);
    ck_assert_int_eq(err.code, HC_ERR_NOMEM);
    ck_assert_ptr_null(f.params);
    ck_assert_int_eq(hc_model_fit_with_fallback(NULL, &in, &f, &err),
                     HC_ERR_INVALID_INPUT);
}
END_TEST

/* ------------------------------------------------- forecast validation */

START_TEST(forecast_rejects_bad_input)
{
    const double y[] = {3, 5, 4, 8};
    hc_fitted f;
    ck_assert_int_eq(fit_with(HC_ALGO_NAIVE, y, 4, 1, &f), HC_OK);
    double mean[3], q[3];
    hc_error err;
    const double bad_tau[] = {1.0};
    hc_forecast_request req = {.horizon = 3, .nquantiles = 1,
                               .quantiles = bad_tau};
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err),
                     HC_ERR_INVALID_INPUT);
    const double zero_tau[] = {0.0};
    req.quantiles = zero_tau;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err),
                     HC_ERR_INVALID_INPUT);
    req.nquantiles = 0;
    req.horizon = 0;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err),
                     HC_ERR_INVALID_INPUT);
    /* Mean only: no quantile array needed. */
    req.horizon = 3;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err), HC_OK);
    ck_assert_double_eq(mean[2], 8.0);

    /* A corrupt or foreign parameter vector is an internal error. */
    f.params[0] = 2.0; /* unknown layout */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    f.params[0] = 1.0;
    f.params[2] = -1.0; /* negative sigma */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    f.params[2] = 1.0;
    f.algorithm = 99;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    f.algorithm = HC_ALGO_SEASONAL_NAIVE; /* Naive params read as SNaive */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    f.algorithm = HC_ALGO_NAIVE;
    hc_fitted_clear(&f);

    const double s[] = {1, 2, 3, 4};
    ck_assert_int_eq(fit_with(HC_ALGO_SEASONAL_NAIVE, s, 4, 2, &f), HC_OK);
    f.params[1] = 3.0; /* season no longer matches nparams */
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    f.params[1] = 2.5;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                     HC_ERR_INTERNAL);
    hc_fitted_clear(&f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("models");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, normal_quantile_known_points);
    tcase_add_test(tc, normal_quantile_symmetry_and_edges);
    tcase_add_test(tc, registry);
    tcase_add_test(tc, fitted_clear);
    tcase_add_test(tc, naive_hand_computed);
    tcase_add_test(tc, naive_nan_handling);
    tcase_add_test(tc, snaive_hand_computed);
    tcase_add_test(tc, snaive_nan_handling);
    tcase_add_test(tc, snaive_short_series_falls_back);
    tcase_add_test(tc, snaive_edge_seasons);
    tcase_add_test(tc, fallback_chain);
    tcase_add_test(tc, forecast_rejects_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

/* M3 Yearly against the official submitted forecasts (no R needed).
 *
 * Data: $HINDCAST_SHARED_DATA/m3 (SOURCE.md there). The loader and scorer
 * are benchmarks/m3_data.h, the same code as benchmarks/m3_accuracy.c; the
 * scorer is checked here on a hand example and against SOURCE.md's figure
 * for THETA, which was computed outside this project. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/error.h"
#include "hindcast/model.h"
#include "m3_data.h"

static m3_set yearly_other[M3_NGROUPS];
static char data_dir[4096];

static void load_once(void)
{
    if (yearly_other[M3_YEARLY].count)
        return;
    const char *shared = getenv("HINDCAST_SHARED_DATA");
    ck_assert_msg(shared && *shared, "HINDCAST_SHARED_DATA is not set");
    snprintf(data_dir, sizeof data_dir, "%.4000s/m3", shared);
    int want[M3_NGROUPS] = {1, 0, 0, 1};
    char err[512];
    ck_assert_msg(m3_load(data_dir, want, 0, yearly_other, err, sizeof err) == 0,
                  "%s", err);
}

/* Forecasts every series of s with `model` through the product's path. */
static double *forecast_all(const m3_set *s, hc_algorithm id)
{
    const hc_model *model = hc_model_by_id(id);
    ck_assert_ptr_nonnull(model);
    size_t h = s->spec->horizon;
    double *fc = calloc(s->count * h, sizeof *fc);
    ck_assert_ptr_nonnull(fc);
    for (size_t i = 0; i < s->count; i++) {
        hc_fit_input in = {.y = s->train[i], .n = s->ntrain[i],
                           .season = s->spec->m, .freq = HC_FREQ_Y,
                           .seed = (uint64_t)s->number[i]};
        hc_fitted fit = {0};
        hc_error err;
        hc_error_clear(&err);
        ck_assert_msg(hc_model_fit_with_fallback(model, &in, &fit, &err) == 0,
                      "N%d: %s", s->number[i], err.message);
        ck_assert_msg(!fit.fallback, "N%d fell back", s->number[i]);
        hc_forecast_request req = {.horizon = h};
        ck_assert_int_eq(hc_model_forecast(&fit, &req, fc + i * h, NULL, &err), 0);
        hc_fitted_clear(&fit);
    }
    return fc;
}

START_TEST(smape_hand_example)
{
    /* y = (100, 50), f = (50, 50): 200 * (50/150 + 0) / 2 = 33.333... */
    double y[] = {100.0, 50.0}, f[] = {50.0, 50.0};
    ck_assert_double_eq_tol(bench_smape(y, f, 2), 100.0 / 3.0, 1e-12);
    /* MASE scale, m = 1 on (1, 3, 6): (2 + 3) / 2 = 2.5; m = 2: 5 / 1. */
    double x[] = {1.0, 3.0, 6.0};
    ck_assert_double_eq_tol(bench_mase_scale(x, 3, 1), 2.5, 1e-15);
    ck_assert_double_eq_tol(bench_mase_scale(x, 3, 2), 5.0, 1e-15);
}
END_TEST

START_TEST(data_shape)
{
    load_once();
    /* SOURCE.md: yearly 645 series (h 6), other 174 (h 8); Y1 is N1 and
     * O1 is N2830; N1 has 20 values, 14 for training (m3-info.csv). */
    const m3_set *y = &yearly_other[M3_YEARLY], *o = &yearly_other[M3_OTHER];
    ck_assert_uint_eq(y->count, 645);
    ck_assert_uint_eq(o->count, 174);
    ck_assert_int_eq(y->number[0], 1);
    ck_assert_int_eq(o->number[0], 2830);
    ck_assert_uint_eq(y->ntrain[0], 14);
    ck_assert_double_eq(y->train[0][0], 940.66); /* first row of the data */
}
END_TEST

/* NAIVE2 is naive on seasonally adjusted data; with m = 1 there is nothing
 * to adjust, so it repeats the last training value, and so does hindcast's
 * Naive. The submitted file carries at most 2 decimals, as do the data:
 * equal means within half a unit of the second decimal. */
static void naive_equals_naive2(int g)
{
    load_once();
    const m3_set *s = &yearly_other[g];
    size_t h = s->spec->horizon;
    double *ours = forecast_all(s, HC_ALGO_NAIVE);
    double *ref = calloc(s->count * h, sizeof *ref);
    unsigned char *have = calloc(s->count, 1);
    ck_assert(ref && have);
    ck_assert_int_eq(m3_load_submitted(data_dir, s, "NAIVE2", ref, have),
                     (long)s->count);
    size_t differ = 0, compared = 0;
    int first = 0;
    for (size_t i = 0; i < s->count; i++) {
        int same = 1;
        for (size_t t = 0; t < h; t++) {
            double a = ours[i * h + t], b = ref[i * h + t];
            same &= fabs(a - b) <= 0.005 + 1e-9 * fabs(b);
            compared++;
        }
        if (!same && differ++ == 0)
            first = s->number[i];
    }
    ck_assert_uint_eq(compared, s->count * h);
    ck_assert_msg(differ == 0, "%s: %zu series differ from NAIVE2; first N%d",
                  s->spec->name, differ, first);
    free(ours);
    free(ref);
    free(have);
}

START_TEST(naive_is_naive2_yearly)
{
    naive_equals_naive2(M3_YEARLY);
}
END_TEST

START_TEST(naive_is_naive2_other)
{
    naive_equals_naive2(M3_OTHER);
}
END_TEST

/* Theta's Yearly sMAPE within 3% of the submitted THETA's, both scored
 * here; the scorer itself reproduces SOURCE.md's 16.97 for THETA. */
START_TEST(theta_yearly_close_to_m3_theta)
{
    load_once();
    const m3_set *s = &yearly_other[M3_YEARLY];
    size_t h = s->spec->horizon;
    double *ref = calloc(s->count * h, sizeof *ref);
    unsigned char *have = calloc(s->count, 1);
    ck_assert(ref && have);
    ck_assert_int_eq(m3_load_submitted(data_dir, s, "THETA", ref, have),
                     (long)s->count);
    m3_score theta = m3_score_forecasts(s, ref, have);
    ck_assert_uint_eq(theta.scored, 645);
    ck_assert_double_eq_tol(theta.smape, 16.97, 0.01);

    double *ours = forecast_all(s, HC_ALGO_THETA);
    m3_score sc = m3_score_forecasts(s, ours, NULL);
    ck_assert_uint_eq(sc.scored, 645);
    ck_assert_msg(fabs(sc.smape / theta.smape - 1.0) <= 0.03,
                  "Theta Yearly sMAPE %.3f vs M3 THETA %.3f (%+.2f%%)", sc.smape,
                  theta.smape, 100.0 * (sc.smape / theta.smape - 1.0));
    free(ours);
    free(ref);
    free(have);
}
END_TEST

static void free_sets(void)
{
    for (int g = 0; g < M3_NGROUPS; g++)
        m3_set_free(&yearly_other[g]);
}

static Suite *m3_suite(void)
{
    Suite *s = suite_create("m3");
    TCase *tc = tcase_create("yearly_other");
    tcase_set_timeout(tc, 60); /* sanitizer builds */
    tcase_add_unchecked_fixture(tc, NULL, free_sets);
    tcase_add_test(tc, smape_hand_example);
    tcase_add_test(tc, data_shape);
    tcase_add_test(tc, naive_is_naive2_yearly);
    tcase_add_test(tc, naive_is_naive2_other);
    tcase_add_test(tc, theta_yearly_close_to_m3_theta);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(m3_suite)

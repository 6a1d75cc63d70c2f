/* Accuracy metrics (SPEC 2.7). Every expected value is worked out by hand in
 * the comment next to it. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/metrics.h"

/* Relative tolerance for values computed with a few roundings. */
static void near(double got, double want)
{
    double tol = 1e-14 * (fabs(want) > 1.0 ? fabs(want) : 1.0);
    ck_assert_msg(fabs(got - want) <= tol, "got %.17g, want %.17g", got, want);
}

/* y = [2, 4, 0, 6], f = [3, 3, 1, 6]; sum|y| = 12.
 * errors y-f = [-1, 1, -1, 0]
 *   RMSE = sqrt((1+1+1+0)/4) = sqrt(0.75)
 *   WAPE (item level, not divided) = 1+1+1+0 = 3
 *   MAPE over y != 0 (t = 0, 1, 3): (1/2 + 1/4 + 0/6) / 3 = 0.25
 *   MASE with s = 2: mean|y-f| = 3/4, / 2 = 0.375
 * q0.1 = [1, 2, 0, 5]: y-q = [1, 2, 0, 1], all >= 0, loss 0.1*4 = 0.4,
 *   wQL[0.1] = 2*0.4/12 = 0.8/12
 * q0.9 = [3, 3, 1, 8]: y-q = [-1, 1, -1, -2],
 *   loss 0.1*1 + 0.9*1 + 0.1*1 + 0.1*2 = 1.3, wQL[0.9] = 2.6/12
 * Average wQL = (0.8 + 2.6) / 24 = 3.4/24 */
START_TEST(window_hand_computed)
{
    const double y[] = {2, 4, 0, 6};
    const double f[] = {3, 3, 1, 6};
    const double q[] = {1, 2, 0, 5, /* tau 0.1 */ 3, 3, 1, 8 /* tau 0.9 */};
    const double taus[] = {0.1, 0.9};
    hc_window_metrics m;
    hc_metrics_window(y, f, q, taus, 2, 4, 2.0, &m);
    ck_assert_int_eq(m.defined, 1);
    near(m.wql[0], 0.8 / 12.0);
    near(m.wql[1], 2.6 / 12.0);
    ck_assert(isnan(m.wql[2]) && isnan(m.wql[3]) && isnan(m.wql[4]));
    near(m.avg_wql, 3.4 / 24.0);
    near(m.rmse, sqrt(0.75));
    ck_assert_double_eq(m.wape, 3.0);
    near(m.mape, 0.25);
    near(m.mase, 0.375);
}
END_TEST

/* y all 0, f = [1, 0, 2], q0.5 = [1, -1, 0]:
 *   y-q = [-1, 1, 0], loss 0.5 + 0.5 + 0 = 1, sum|y| = 0 so wQL = the
 *   numerator 2*1 = 2; RMSE = sqrt((1+0+4)/3); WAPE = 3; MAPE not defined. */
START_TEST(all_zero_actuals)
{
    const double y[] = {0, 0, 0};
    const double f[] = {1, 0, 2};
    const double q[] = {1, -1, 0};
    const double taus[] = {0.5};
    hc_window_metrics m;
    hc_metrics_window(y, f, q, taus, 1, 3, 1.0, &m);
    ck_assert_int_eq(m.defined, 1);
    ck_assert_double_eq(m.wql[0], 2.0);
    ck_assert_double_eq(m.avg_wql, 2.0);
    near(m.rmse, sqrt(5.0 / 3.0));
    ck_assert_double_eq(m.wape, 3.0);
    ck_assert(isnan(m.mape));
    /* MASE: mean|y-f| = 1, s = 1 -> 1. */
    ck_assert_double_eq(m.mase, 1.0);
}
END_TEST

/* No quantile: Average wQL not defined. MASE not defined for s = 0 and for
 * s = NaN. y = [5], f = [4]: RMSE 1, WAPE 1, MAPE 1/5. */
START_TEST(undefined_parts)
{
    const double y[] = {5};
    const double f[] = {4};
    hc_window_metrics m;
    hc_metrics_window(y, f, NULL, NULL, 0, 1, 0.0, &m);
    ck_assert_int_eq(m.defined, 1);
    ck_assert(isnan(m.avg_wql));
    ck_assert(isnan(m.wql[0]));
    ck_assert_double_eq(m.rmse, 1.0);
    ck_assert_double_eq(m.wape, 1.0);
    near(m.mape, 0.2);
    ck_assert(isnan(m.mase));
    hc_metrics_window(y, f, NULL, NULL, 0, 1, (double)NAN, &m);
    ck_assert(isnan(m.mase));
    /* s = 0.5: 1 / 0.5 = 2. */
    hc_metrics_window(y, f, NULL, NULL, 0, 1, 0.5, &m);
    ck_assert_double_eq(m.mase, 2.0);
}
END_TEST

/* A NaN actual must not count as zero loss (fmax(NaN, 0) would give 0). */
START_TEST(nan_actual_propagates)
{
    const double y[] = {1, (double)NAN};
    const double f[] = {1, 1};
    const double q[] = {1, 1};
    const double taus[] = {0.5};
    hc_window_metrics m;
    hc_metrics_window(y, f, q, taus, 1, 2, 1.0, &m);
    ck_assert(isnan(m.wql[0]));
    ck_assert(isnan(m.rmse));
    ck_assert(isnan(m.wape));
}
END_TEST

START_TEST(empty_window_and_undefined)
{
    hc_window_metrics m;
    hc_metrics_window(NULL, NULL, NULL, NULL, 0, 0, 1.0, &m);
    ck_assert_int_eq(m.defined, 0);
    ck_assert(isnan(m.rmse));
    m.defined = 1;
    m.rmse = 3.0;
    m.wql[4] = 1.0;
    hc_window_metrics_undefined(&m);
    ck_assert_int_eq(m.defined, 0);
    for (int k = 0; k < HC_MAX_QUANTILES; k++)
        ck_assert(isnan(m.wql[k]));
    ck_assert(isnan(m.avg_wql) && isnan(m.rmse) && isnan(m.wape) &&
              isnan(m.mape) && isnan(m.mase));
    hc_window_metrics_undefined(NULL);
}
END_TEST

START_TEST(mase_scale)
{
    /* m = 2, n = 4 > m: |2-1| = 1, |5-3| = 2 -> 1.5 */
    const double a[] = {1, 3, 2, 5};
    ck_assert_double_eq(hc_mase_scale(a, 4, 2), 1.5);
    /* m = 1: |3-1| + |2-3| + |5-2| = 2+1+3 = 6, / 3 = 2 */
    ck_assert_double_eq(hc_mase_scale(a, 4, 1), 2.0);
    /* n = 3 <= m = 7 -> m = 1: |3-1|, |2-3| -> 1.5 */
    ck_assert_double_eq(hc_mase_scale(a, 3, 7), 1.5);
    /* n = m = 2 -> m = 1: |3-1| = 2 */
    ck_assert_double_eq(hc_mase_scale(a, 2, 2), 2.0);
    /* NaN pairs skipped: (1,NaN), (NaN,4) skipped, |6-4| = 2 */
    const double b[] = {1, (double)NAN, 4, 6};
    ck_assert_double_eq(hc_mase_scale(b, 4, 1), 2.0);
    /* no pair at all */
    ck_assert(isnan(hc_mase_scale(a, 1, 1)));
    ck_assert(isnan(hc_mase_scale(a, 0, 1)));
    const double c[] = {(double)NAN, 1, (double)NAN};
    ck_assert(isnan(hc_mase_scale(c, 3, 1)));
    /* constant training data: scale 0 (and MASE then not defined) */
    const double d[] = {4, 4, 4, 4};
    ck_assert_double_eq(hc_mase_scale(d, 4, 1), 0.0);
}
END_TEST

static hc_window_metrics win(int defined, double w0, double w1, double rmse,
                             double wape, double mape, double mase)
{
    hc_window_metrics m;
    hc_window_metrics_undefined(&m);
    m.defined = defined;
    m.wql[0] = w0;
    m.wql[1] = w1;
    m.avg_wql = (w0 + w1) / 2;
    m.rmse = rmse;
    m.wape = wape;
    m.mape = mape;
    m.mase = mase;
    return m;
}

/* Windows: A defined (wQL 0.2, 0.4; avg 0.3; RMSE 1; WAPE 2; MAPE 0.5; MASE
 * not defined), B excluded (numbers in it must be ignored), C defined (0.4,
 * 0.8; avg 0.6; RMSE 3; WAPE 4; MAPE not defined; MASE 2).
 * Summary: wQL (0.2+0.4)/2 = 0.3, (0.4+0.8)/2 = 0.6, avg (0.3+0.6)/2 = 0.45,
 * RMSE 2, WAPE 3, MAPE 0.5 (only A), MASE 2 (only C). */
START_TEST(summary_skips_undefined)
{
    hc_window_metrics w[3];
    w[0] = win(1, 0.2, 0.4, 1.0, 2.0, 0.5, (double)NAN);
    w[1] = win(0, 100, 100, 100, 100, 100, 100);
    w[2] = win(1, 0.4, 0.8, 3.0, 4.0, (double)NAN, 2.0);
    hc_window_metrics s;
    hc_metrics_summary(w, 3, 2, &s);
    ck_assert_int_eq(s.defined, 1);
    near(s.wql[0], 0.3);
    near(s.wql[1], 0.6);
    ck_assert(isnan(s.wql[2]));
    near(s.avg_wql, 0.45);
    ck_assert_double_eq(s.rmse, 2.0);
    ck_assert_double_eq(s.wape, 3.0);
    ck_assert_double_eq(s.mape, 0.5);
    ck_assert_double_eq(s.mase, 2.0);

    /* Only the excluded window: nothing defined. */
    hc_metrics_summary(w + 1, 1, 2, &s);
    ck_assert_int_eq(s.defined, 0);
    ck_assert(isnan(s.rmse) && isnan(s.wql[0]));
    hc_metrics_summary(NULL, 0, 2, &s);
    ck_assert_int_eq(s.defined, 0);

    /* A column undefined in every defined window stays undefined. */
    w[2].mape = (double)NAN;
    w[0].mape = (double)NAN;
    hc_metrics_summary(w, 3, 2, &s);
    ck_assert_int_eq(s.defined, 1);
    ck_assert(isnan(s.mape));
}
END_TEST

/* Two items, tau 0.5.
 * A: y = [2, 4], f = [3, 3], q = [1, 5]: pinball 0.5*1 + 0.5*1 = 1 -> 2*1 = 2;
 *    sum|y| = 6; sum|e| = 2; sum e^2 = 2; MAPE (1/2 + 1/4)/2 = 0.375;
 *    MASE with s = 1: (2/2)/1 = 1.
 * B: y = [0, 10], f = [2, 6], q = [0, 12]: pinball 0 + 0.5*2 = 1 -> 2;
 *    sum|y| = 10; sum|e| = 2 + 4 = 6; sum e^2 = 4 + 16 = 20; MAPE 4/10 = 0.4;
 *    MASE not defined (s NaN).
 * Pooled: wQL = (2+2)/(6+10) = 0.25; RMSE = sqrt((2+20)/4) = sqrt(5.5);
 *    WAPE = (2+6)/16 = 0.5; MAPE = (0.375+0.4)/2 = 0.3875; MASE = 1 (A only). */
START_TEST(pooled_two_items)
{
    const double taus[] = {0.5};
    const double ya[] = {2, 4}, fa[] = {3, 3}, qa[] = {1, 5};
    const double yb[] = {0, 10}, fb[] = {2, 6}, qb[] = {0, 12};
    hc_window_metrics ma, mb, p;
    hc_metrics_window(ya, fa, qa, taus, 1, 2, 1.0, &ma);
    hc_metrics_window(yb, fb, qb, taus, 1, 2, (double)NAN, &mb);
    near(ma.mape, 0.375);
    ck_assert_double_eq(ma.mase, 1.0);
    near(mb.mape, 0.4);
    ck_assert(isnan(mb.mase));

    hc_pooled_metrics acc;
    hc_pooled_init(&acc, taus, 1);
    hc_pooled_add(&acc, ya, fa, qa, 2, &ma);
    hc_pooled_add(&acc, yb, fb, qb, 2, &mb);
    /* An excluded item-window adds nothing. */
    hc_window_metrics ex;
    hc_window_metrics_undefined(&ex);
    hc_pooled_add(&acc, ya, fa, qa, 2, &ex);
    ck_assert_uint_eq(acc.item_count, 2);
    ck_assert_uint_eq(acc.npoints, 4);
    hc_pooled_result(&acc, &p);
    ck_assert_int_eq(p.defined, 1);
    ck_assert_double_eq(p.wql[0], 0.25);
    ck_assert_double_eq(p.avg_wql, 0.25);
    near(p.rmse, sqrt(5.5));
    ck_assert_double_eq(p.wape, 0.5);
    near(p.mape, 0.3875);
    ck_assert_double_eq(p.mase, 1.0);
    ck_assert(isnan(p.wql[1]));
}
END_TEST

/* Field by field, each double by its bits (NaN included); memcmp of the
 * whole struct would compare its padding too. */
static void assert_same_metrics(const hc_window_metrics *a,
                                const hc_window_metrics *b)
{
    ck_assert_int_eq(a->defined, b->defined);
    ck_assert(memcmp(a->wql, b->wql, sizeof a->wql) == 0);
    ck_assert(memcmp(&a->avg_wql, &b->avg_wql, sizeof(double)) == 0);
    ck_assert(memcmp(&a->rmse, &b->rmse, sizeof(double)) == 0);
    ck_assert(memcmp(&a->wape, &b->wape, sizeof(double)) == 0);
    ck_assert(memcmp(&a->mape, &b->mape, sizeof(double)) == 0);
    ck_assert(memcmp(&a->mase, &b->mase, sizeof(double)) == 0);
}

/* The one-pass form gives the same item metrics and the same pool, bit for
 * bit, as hc_metrics_window then hc_pooled_add (same two items as above,
 * plus an empty window, which is excluded and adds nothing). */
START_TEST(metrics_window_pooled_equals_two_calls)
{
    const double taus[] = {0.5};
    const double ya[] = {2, 4}, fa[] = {3, 3}, qa[] = {1, 5};
    const double yb[] = {0, 10}, fb[] = {2, 6}, qb[] = {0, 12};
    hc_window_metrics ma, mb, oa, ob, oe, p1, p2;
    hc_pooled_metrics two, one;
    hc_pooled_init(&two, taus, 1);
    hc_pooled_init(&one, taus, 1);
    hc_metrics_window(ya, fa, qa, taus, 1, 2, 1.0, &ma);
    hc_pooled_add(&two, ya, fa, qa, 2, &ma);
    hc_metrics_window(yb, fb, qb, taus, 1, 2, (double)NAN, &mb);
    hc_pooled_add(&two, yb, fb, qb, 2, &mb);
    hc_metrics_window_pooled(&one, ya, fa, qa, 2, 1.0, &oa);
    hc_metrics_window_pooled(&one, yb, fb, qb, 2, (double)NAN, &ob);
    hc_metrics_window_pooled(&one, ya, fa, qa, 0, 1.0, &oe);
    ck_assert_int_eq(oe.defined, 0);
    assert_same_metrics(&ma, &oa);
    assert_same_metrics(&mb, &ob);
    ck_assert(memcmp(two.wql_num, one.wql_num, sizeof two.wql_num) == 0);
    ck_assert(two.abs_y == one.abs_y && two.sq_err == one.sq_err &&
              two.abs_err == one.abs_err && two.mape_sum == one.mape_sum &&
              two.mase_sum == one.mase_sum);
    ck_assert_uint_eq(two.npoints, one.npoints);
    ck_assert_uint_eq(two.item_count, one.item_count);
    ck_assert_uint_eq(two.mape_count, one.mape_count);
    ck_assert_uint_eq(two.mase_count, one.mase_count);
    hc_pooled_result(&two, &p1);
    hc_pooled_result(&one, &p2);
    assert_same_metrics(&p1, &p2);
}
END_TEST

/* All actuals 0 across items: WAPE and wQL are their numerators.
 * y = [0, 0], f = [1, -1]: sum|e| = 2; q0.5 = [2, 0]: pinball 0.5*2 = 1 -> 2.
 * MAPE not defined for the item, so not defined pooled either. */
START_TEST(pooled_zero_actuals)
{
    const double taus[] = {0.5};
    const double y[] = {0, 0}, f[] = {1, -1}, q[] = {2, 0};
    hc_window_metrics m, p;
    hc_metrics_window(y, f, q, taus, 1, 2, (double)NAN, &m);
    hc_pooled_metrics acc;
    hc_pooled_init(&acc, taus, 1);
    hc_pooled_add(&acc, y, f, q, 2, &m);
    hc_pooled_result(&acc, &p);
    ck_assert_double_eq(p.wape, 2.0);
    ck_assert_double_eq(p.wql[0], 2.0);
    ck_assert(isnan(p.mape));
    ck_assert(isnan(p.mase));
    /* RMSE sqrt((1+1)/2) = 1 */
    ck_assert_double_eq(p.rmse, 1.0);
}
END_TEST

/* One item pooled gives the item's own wQL and RMSE bit for bit (same sums
 * in the same order), and WAPE divided by sum|y|. */
START_TEST(pooled_single_item_matches)
{
    const double taus[] = {0.1, 0.5, 0.9};
    const double y[] = {1.3, 7.1, 0.2, 9.9, 4.4};
    const double f[] = {1.1, 6.0, 0.9, 8.7, 5.0};
    double q[15];
    for (int k = 0; k < 3; k++)
        for (int t = 0; t < 5; t++)
            q[k * 5 + t] = f[t] + (k - 1) * 0.7 * (t + 1);
    hc_window_metrics m, p;
    hc_metrics_window(y, f, q, taus, 3, 5, 0.8, &m);
    hc_pooled_metrics acc;
    hc_pooled_init(&acc, taus, 3);
    hc_pooled_add(&acc, y, f, q, 5, &m);
    hc_pooled_result(&acc, &p);
    for (int k = 0; k < 3; k++)
        ck_assert_double_eq(p.wql[k], m.wql[k]);
    ck_assert_double_eq(p.avg_wql, m.avg_wql);
    ck_assert_double_eq(p.rmse, m.rmse);
    ck_assert_double_eq(p.mape, m.mape);
    ck_assert_double_eq(p.mase, m.mase);
    /* sum|y| = 1.3+7.1+0.2+9.9+4.4 = 22.9 */
    near(p.wape, m.wape / 22.9);
}
END_TEST

START_TEST(pooled_empty)
{
    const double taus[] = {0.5};
    hc_pooled_metrics acc;
    hc_window_metrics p;
    hc_pooled_init(&acc, taus, 1);
    hc_pooled_result(&acc, &p);
    ck_assert_int_eq(p.defined, 0);
    ck_assert(isnan(p.wql[0]) && isnan(p.wape) && isnan(p.rmse));
}
END_TEST

/* The kernel computes its sums 4 points at a time (vectors) and in one
 * pass; it must give exactly the bits of the SPEC's formulas written as one
 * plain left-to-right loop per sum, which is what the golden files hold.
 * The reference below is that literal form. Data: zeros (MAPE skips them),
 * negative values, an exact tie y == q (pinball d = 0), NaN and infinite
 * forecasts, window lengths around the vector width, 0..5 quantiles. */
static void reference_window(const double *y, const double *f, const double *q,
                             const double *taus, size_t nq, size_t n,
                             double scale, hc_window_metrics *m)
{
    hc_window_metrics_undefined(m);
    m->defined = 1;
    double abs_y = 0.0;
    for (size_t t = 0; t < n; t++)
        abs_y += fabs(y[t]);
    double wsum = 0.0;
    for (size_t k = 0; k < nq; k++) {
        double s = 0.0;
        for (size_t t = 0; t < n; t++) {
            double d = y[t] - q[k * n + t];
            s += d >= 0.0 ? taus[k] * d : (taus[k] - 1.0) * d;
        }
        m->wql[k] = abs_y == 0.0 ? 2.0 * s : 2.0 * s / abs_y;
        wsum += m->wql[k];
    }
    m->avg_wql = nq ? wsum / (double)nq : (double)NAN;
    double ae = 0.0, se = 0.0, ape = 0.0;
    size_t nape = 0;
    for (size_t t = 0; t < n; t++)
        ae += fabs(y[t] - f[t]);
    for (size_t t = 0; t < n; t++)
        se += (y[t] - f[t]) * (y[t] - f[t]);
    for (size_t t = 0; t < n; t++) {
        if (y[t] == 0.0)
            continue;
        ape += fabs(y[t] - f[t]) / fabs(y[t]);
        nape++;
    }
    m->rmse = sqrt(se / (double)n);
    m->wape = ae;
    m->mape = nape ? ape / (double)nape : (double)NAN;
    m->mase = isnan(scale) || scale == 0.0 ? (double)NAN : (ae / (double)n) / scale;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

START_TEST(kernel_matches_plain_loops_bit_for_bit)
{
    uint64_t st = 12345;
    double y[40], f[40], q[5 * 40];
    const double taus[] = {0.1, 0.5, 0.9, 0.01, 0.65};
    size_t checked = 0;
    for (int round = 0; round < 400; round++) {
        size_t n = 1 + (size_t)round % 13; /* 1..13: tails of 0..3 points */
        if (round % 50 == 49)
            n = 40;
        size_t nq = (size_t)round % 6;
        for (size_t t = 0; t < n; t++) {
            st = st * 6364136223846793005u + 1442695040888963407u;
            double u = (double)(st >> 11) / 9007199254740992.0;
            y[t] = u < 0.2 ? 0.0 : (u - 0.3) * 1000.0 / 7.0;
            f[t] = round % 37 == 5 && t == 1 ? (double)NAN : y[t] * 0.9 + u;
            for (size_t k = 0; k < 5; k++)
                q[k * n + t] = k == 2 && t == 0 ? y[t] : f[t] + ((double)k - 2.0) * u * 3.1;
        }
        if (round % 41 == 7)
            f[0] = (double)INFINITY;
        double scale = round % 5 == 0 ? 0.0 : 1.7;
        hc_window_metrics got, want;
        hc_metrics_window(y, f, q, taus, nq, n, scale, &got);
        reference_window(y, f, q, taus, nq, n, scale, &want);
        for (size_t k = 0; k < nq; k++)
            ck_assert_msg(same_bits(got.wql[k], want.wql[k]),
                          "round %d wql[%zu] %.17g vs %.17g", round, k, got.wql[k],
                          want.wql[k]);
        ck_assert_msg(same_bits(got.avg_wql, want.avg_wql), "round %d avg", round);
        ck_assert_msg(same_bits(got.rmse, want.rmse), "round %d rmse", round);
        ck_assert_msg(same_bits(got.wape, want.wape), "round %d wape", round);
        ck_assert_msg(same_bits(got.mape, want.mape), "round %d mape", round);
        ck_assert_msg(same_bits(got.mase, want.mase), "round %d mase", round);
        checked++;
    }
    ck_assert_uint_eq(checked, 400);
}
END_TEST

/* The one-pass scales of nested prefixes are each prefix's own scale, bit
 * for bit: lengths around m (lag 1 below it), repeated and unordered
 * lengths, NaN values skipped, 0 and 1 points (no pair: NaN). */
START_TEST(mase_scales_of_prefixes)
{
    double train[60];
    uint64_t st = 99;
    for (size_t t = 0; t < 60; t++) {
        st = st * 6364136223846793005u + 1442695040888963407u;
        train[t] = (double)(st >> 40) / 1048576.0 * 37.0;
    }
    train[13] = (double)NAN;
    const size_t n[] = {60, 7, 8, 0, 1, 31, 8, 2, 59, 14};
    for (int m = 0; m <= 9; m++) {
        double got[10];
        hc_mase_scales(train, m, n, 10, got);
        for (size_t i = 0; i < 10; i++) {
            double want = hc_mase_scale(train, n[i], m);
            ck_assert_msg(same_bits(got[i], want), "m %d n %zu: %.17g vs %.17g", m,
                          n[i], got[i], want);
        }
    }
    /* A hand case: 1, 4, 2, 8 with m = 1: |4-1|, |2-4|, |8-2| = 3, 2, 6;
     * prefixes of 2, 3, 4 points: 3/1, 5/2, 11/3. */
    const double y[] = {1, 4, 2, 8};
    const size_t ns[] = {4, 2, 3};
    double sc[3];
    hc_mase_scales(y, 1, ns, 3, sc);
    ck_assert_double_eq(sc[1], 3.0);
    ck_assert_double_eq(sc[2], 2.5);
    ck_assert_double_eq(sc[0], 11.0 / 3.0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, window_hand_computed);
    tcase_add_test(tc, all_zero_actuals);
    tcase_add_test(tc, undefined_parts);
    tcase_add_test(tc, nan_actual_propagates);
    tcase_add_test(tc, empty_window_and_undefined);
    tcase_add_test(tc, mase_scale);
    tcase_add_test(tc, summary_skips_undefined);
    tcase_add_test(tc, pooled_two_items);
    tcase_add_test(tc, pooled_zero_actuals);
    tcase_add_test(tc, pooled_single_item_matches);
    tcase_add_test(tc, pooled_empty);
    tcase_add_test(tc, kernel_matches_plain_loops_bit_for_bit);
    tcase_add_test(tc, mase_scales_of_prefixes);
    tcase_add_test(tc, metrics_window_pooled_equals_two_calls);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

/* ETS: fixed-parameter recursions worked by hand, likelihoods, initial
 * states, admissibility and whole fits checked against R forecast 8.20,
 * forecast variances worked by hand, simulated-quantile determinism, the
 * hc_model adapter and its fallbacks.
 *
 * Hand-worked values are derived in the comments (and were re-computed with
 * a few lines of independent Python). Values marked "R:" come from R 4.2.2
 * with Debian's r-cran-forecast 8.20-1: the call is given next to each. The
 * series T, S and M below were generated in R as
 *   t <- 1:30; T <- round(50 + 1.5*t + ((t*37) %% 11 - 5)*0.8, 2)
 *   t <- 1:36; S <- round(100 + 0.5*t + c(10,-5,-12,7)[(t-1)%%4+1] +
 *                         ((t*29)%%7 - 3)*1.1, 2)
 *   t <- 1:48; M <- round((200 + t) * (1 + 0.2*sin(2*pi*t/12)) *
 *                         (1 + 0.02*((t*13)%%5 - 2)), 2)  */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/model.h"
#include "models/ets_internal.h"

static void near(double got, double want, double rel)
{
    double tol = rel * (fabs(want) > 1.0 ? fabs(want) : 1.0);
    ck_assert_msg(fabs(got - want) <= tol, "got %.17g, want %.17g (tol %g)",
                  got, want, tol);
}

static const double T_[30] = {
    50.7, 55.4, 51.3, 56,   60.7, 56.6, 61.3, 66,   61.9, 66.6,
    62.5, 67.2, 71.9, 67.8, 72.5, 77.2, 73.1, 77.8, 82.5, 78.4,
    83.1, 79,   83.7, 88.4, 84.3, 89,   93.7, 89.6, 94.3, 99};

static const double S_[36] = {
    108.3, 94.9,  89.5,  110.1, 114.7, 101.3, 88.2,  108.8, 113.4,
    100,   94.6,  115.2, 119.8, 98.7,  93.3,  113.9, 118.5, 105.1,
    99.7,  120.3, 117.2, 103.8, 98.4,  119,   123.6, 110.2, 104.8,
    117.7, 122.3, 108.9, 103.5, 124.1, 128.7, 115.3, 102.2, 122.8};

static const double M_[48] = {
    225.52, 232.25, 253.34, 239.33, 216.48, 210.12, 182.57, 178.85,
    167.2,  166.68, 193.7,  207.76, 243.67, 251.07, 247.68, 258.48,
    233.93, 226.72, 197.1,  174.62, 180.34, 179.88, 208.73, 224,
    237.6,  270.45, 266.95, 278.19, 251.9,  220.8,  212.06, 187.98,
    193.86, 193.47, 203.04, 240.72, 255.49, 290.39, 286.8,  270.31,
    270.4,  237.16, 227.45, 201.74, 188.16, 207.46, 217.85, 257.92};

#define SPEC(e, t, d, s, m) ((hc_ets_spec){(e), (t), (d), (s), (m)})
#define A HC_ETS_ADD
#define MU HC_ETS_MULT
#define N HC_ETS_NONE

/* ------------------------------------------------------- fixed models */

START_TEST(ann_and_mnn_by_hand)
{
    /* ETS(A,N,N), alpha 0.5, l0 = 11, y = 10 12 11 13 12:
     *   f = 11     e = -1      l = 10.5
     *   f = 10.5   e = 1.5     l = 11.25
     *   f = 11.25  e = -0.25   l = 11.125
     *   f = 11.125 e = 1.875   l = 12.0625
     *   f = 12.0625 e = -0.0625 l = 12.03125
     * SSE = 1 + 2.25 + 0.0625 + 3.515625 + 0.00390625 = 6.83203125,
     * lik = 5 ln(6.83203125) = 9.608110152695199. */
    const double y[5] = {10, 12, 11, 13, 12};
    const double x0[1] = {11};
    hc_ets_spec s = SPEC(A, N, 0, N, 1);
    hc_ets_par p = {0.5, 0, 0, 1};
    double sse, e[5], xn[1];
    double lik = hc_ets_lik(&s, &p, x0, y, 5, &sse, e, xn);
    ck_assert_double_eq(sse, 6.83203125);
    near(lik, 9.608110152695199, 1e-14);
    const double want_e[5] = {-1, 1.5, -0.25, 1.875, -0.0625};
    for (int i = 0; i < 5; i++)
        ck_assert_double_eq(e[i], want_e[i]);
    ck_assert_double_eq(xn[0], 12.03125);

    /* ETS(M,N,N): the same states; e = (y - f) / f and
     * lik = 5 ln(sum e^2) + 2 sum ln f
     *     = 5 ln(0.057598803949519474) + 2 ln(11 * 10.5 * 11.25 * 11.125
     *       * 12.0625) = 9.866602525353523. */
    s.error = MU;
    lik = hc_ets_lik(&s, &p, x0, y, 5, &sse, e, xn);
    near(sse, 0.057598803949519474, 1e-14);
    near(lik, 9.866602525353523, 1e-14);
    ck_assert_double_eq(e[0], -1.0 / 11.0);
    near(xn[0], 12.03125, 1e-15);
}
END_TEST

START_TEST(aan_and_aadn_by_hand)
{
    /* ETS(A,A,N), alpha 0.5, beta 0.2, l0 = 8, b0 = 2, y = 10 12 15 15 18:
     *   f = 10    e = 0     l = 10     b = 2
     *   f = 12    e = 0     l = 12     b = 2
     *   f = 14    e = 1     l = 14.5   b = 2.2
     *   f = 16.7  e = -1.7  l = 15.85  b = 1.86
     *   f = 17.71 e = 0.29  l = 17.855 b = 1.918
     * SSE = 1 + 2.89 + 0.0841 = 3.9741; forecasts l + h b = 19.773,
     * 21.691, 23.609. */
    const double y[5] = {10, 12, 15, 15, 18};
    const double x0[2] = {8, 2};
    hc_ets_spec s = SPEC(A, A, 0, N, 1);
    hc_ets_par p = {0.5, 0.2, 0, 1};
    double sse, e[5], xn[2], f[3];
    double lik = hc_ets_lik(&s, &p, x0, y, 5, &sse, e, xn);
    near(sse, 3.9741, 1e-14);
    near(lik, 5.0 * log(3.9741), 1e-14);
    near(e[3], -1.7, 1e-14);
    near(xn[0], 17.855, 1e-14);
    near(xn[1], 1.918, 1e-14);
    hc_ets_point_forecast(&s, &p, xn, 3, f);
    near(f[0], 19.773, 1e-14);
    near(f[1], 21.691, 1e-14);
    near(f[2], 23.609, 1e-14);
    /* An even number of points (the recursion goes two at a time): after
     * four, SSE = 3.89, l = 15.85, b = 1.86. */
    lik = hc_ets_lik(&s, &p, x0, y, 4, &sse, NULL, xn);
    near(sse, 3.89, 1e-14);
    near(xn[0], 15.85, 1e-14);
    near(xn[1], 1.86, 1e-14);

    /* ETS(A,Ad,N) with phi 0.9: f = l + 0.9 b, l' = f + 0.5 e,
     * b' = 0.9 b + 0.2 e:
     *   f = 9.8      e = 0.2      l = 9.9      b = 1.84
     *   f = 11.556   e = 0.444    l = 11.778   b = 1.7448
     *   f = 13.34832 e = 1.65168  l = 14.17416 b = 1.900656
     *   ... (Python) SSE 5.134115611408765, l = 17.411325744,
     *   b = 1.6157459904; forecasts l + (0.9 + ... + 0.9^h) b =
     *   18.86549713536, 20.174251387584, 21.3521302145856. */
    s.damped = 1;
    p.phi = 0.9;
    lik = hc_ets_lik(&s, &p, x0, y, 5, &sse, e, xn);
    near(e[0], 0.2, 1e-14);
    near(e[2], 1.65168, 1e-14);
    near(sse, 5.134115611408765, 1e-14);
    near(xn[0], 17.411325744, 1e-14);
    near(xn[1], 1.6157459904, 1e-13);
    hc_ets_point_forecast(&s, &p, xn, 3, f);
    near(f[0], 18.86549713536, 1e-14);
    near(f[1], 20.174251387584, 1e-14);
    near(f[2], 21.3521302145856, 1e-14);
}
END_TEST

START_TEST(ana_by_hand)
{
    /* ETS(A,N,A), m = 2, alpha 0.5, gamma 0.3; x0 = (l 10, s_0 1, s_1 -1):
     * s_0 is the season of time 0, s_1 that of time -1, used at time 1.
     *   t1: s = -1   f = 9     e = 0     l = 10     s(1) = -1
     *   t2: s = 1    f = 11    e = 1     l = 10.5   s(2) = 1.3
     *   t3: s = -1   f = 9.5   e = 0.5   l = 10.75  s(3) = -0.85
     *   t4: s = 1.3  f = 12.05 e = -1.05 l = 10.225 s(4) = 0.985
     * SSE = 1 + 0.25 + 1.1025 = 2.3525; final state (10.225, 0.985, -0.85);
     * forecasts 10.225 - 0.85, 10.225 + 0.985, 10.225 - 0.85. */
    const double y[4] = {9, 12, 10, 11};
    const double x0[3] = {10, 1, -1};
    hc_ets_spec s = SPEC(A, N, 0, A, 2);
    hc_ets_par p = {0.5, 0, 0.3, 1};
    double sse, xn[3], f[3];
    hc_ets_lik(&s, &p, x0, y, 4, &sse, NULL, xn);
    near(sse, 2.3525, 1e-14);
    near(xn[0], 10.225, 1e-14);
    near(xn[1], 0.985, 1e-14);
    near(xn[2], -0.85, 1e-14);
    hc_ets_point_forecast(&s, &p, xn, 3, f);
    near(f[0], 9.375, 1e-14);
    near(f[1], 11.21, 1e-14);
    near(f[2], 9.375, 1e-14);
    /* Three points: the odd tail, state (10.75, s_0 = -0.85, s_1 = 1.3). */
    hc_ets_lik(&s, &p, x0, y, 3, &sse, NULL, xn);
    near(sse, 1.25, 1e-14);
    near(xn[0], 10.75, 1e-14);
    near(xn[1], -0.85, 1e-14);
    near(xn[2], 1.3, 1e-14);
}
END_TEST

START_TEST(likelihood_matches_r)
{
    /* R: forecast:::pegelsresid.C(ts(T), 1, c(52, 1.2), "M", "A", "N",
     *    TRUE, 0.4, 0.1, NULL, 0.9, 3)$lik */
    hc_ets_spec s = SPEC(MU, A, 1, N, 1);
    hc_ets_par p = {0.4, 0.1, 0, 0.9};
    const double x1[2] = {52, 1.2};
    near(hc_ets_lik(&s, &p, x1, T_, 30, NULL, NULL, NULL), 177.33944689697941,
         1e-12);

    /* R: pegelsresid.C(ts(S, frequency = 4), 4, c(100, 0.5, 7, -12, -5,
     *    10), "A", "A", "A", FALSE, 0.3, 0.05, 0.1, NULL, 3): $lik and the
     *    last row of $states. */
    s = SPEC(A, A, 0, A, 4);
    p = (hc_ets_par){0.3, 0.05, 0.1, 1};
    const double x2[6] = {100, 0.5, 7, -12, -5, 10};
    double xn[HC_ETS_MAX_STATE];
    near(hc_ets_lik(&s, &p, x2, S_, 36, NULL, NULL, xn), 201.65980360167117,
         1e-12);
    const double want2[6] = {117.44864151526551, 0.3743129914724751,
                             6.8102705717708307, -12.321087667653037,
                             -4.7681367199908715, 10.027579798818042};
    for (int i = 0; i < 6; i++)
        near(xn[i], want2[i], 1e-12);

    /* R: pegelsresid.C(ts(M, frequency = 12), 12, c(205, 1.1, 1.05, 1.1,
     *    1.15, 1.2, 1.15, 1.1, 1, 0.9, 0.85, 0.8, 0.75, 0.85), "M", "A", "M",
     *    TRUE, 0.2, 0.02, 0.1, 0.95, 3) */
    s = SPEC(MU, A, 1, MU, 12);
    p = (hc_ets_par){0.2, 0.02, 0.1, 0.95};
    const double x3[14] = {205, 1.1,  1.05, 1.1, 1.15, 1.2,  1.15,
                           1.1, 1,    0.9,  0.85, 0.8, 0.75, 0.85};
    near(hc_ets_lik(&s, &p, x3, M_, 48, NULL, NULL, xn), 586.10385572480072,
         1e-12);
    const double want3[14] = {
        223.69905885978969,  -2.0304992869494978, 1.0871218209013858,
        1.0623841148345683,  1.0467975940799072,  1.0516842922760561,
        1.0060031734191996,  0.98676568283260457, 0.93875811337529425,
        0.90517856665373986, 0.91269368603177325, 0.91106199097680207,
        0.91987689700860242, 0.97725207167813477};
    for (int i = 0; i < 14; i++)
        near(xn[i], want3[i], 1e-11);
}
END_TEST

START_TEST(objective_bounds)
{
    /* The objective is R's criterion clamped, and 1e35 outside the usual
     * bounds: par = [alpha, beta, l0, b0] for ETS(A,A,N). */
    hc_ets_spec s = SPEC(A, A, 0, N, 1);
    const double ok[4] = {0.5, 0.2, 8, 2};
    const double y[5] = {10, 12, 15, 15, 18};
    near(hc_ets_objective(&s, ok, y, 5), 5.0 * log(3.9741), 1e-14);
    const double beta_above_alpha[4] = {0.3, 0.4, 8, 2};
    ck_assert_double_eq(hc_ets_objective(&s, beta_above_alpha, y, 5), 1e35);
    const double alpha_one[4] = {1.0, 0.2, 8, 2};
    ck_assert_double_eq(hc_ets_objective(&s, alpha_one, y, 5), 1e35);
    /* A perfect fit is clamped at -1e10 rather than -inf. */
    const double line[5] = {10, 12, 14, 16, 18};
    ck_assert_double_eq(hc_ets_objective(&s, ok, line, 5), -1e10);
    /* A multiplicative season whose implied last state is negative:
     * [alpha, gamma, l0, s_0] with m = 2 gives s_1 = 2 - 2.5 < 0. */
    s = SPEC(MU, N, 0, MU, 2);
    const double negs[4] = {0.3, 0.1, 10, 2.5};
    ck_assert_double_eq(hc_ets_objective(&s, negs, y, 5), 1e35);
}
END_TEST

/* ------------------------------------------------------ admissibility */

START_TEST(roots_within)
{
    /* (z - 0.5)(z + 0.9) = z^2 + 0.4 z - 0.45: roots inside. */
    double a1[3] = {-0.45, 0.4, 1};
    ck_assert_int_eq(hc_ets_roots_within(a1, 2, 1.0), 1);
    /* (z - 0.5)(z - 1.5) = z^2 - 2 z + 0.75: one root outside. */
    double a2[3] = {0.75, -2, 1};
    ck_assert_int_eq(hc_ets_roots_within(a2, 2, 1.0), 0);
    /* z^2 + 1: roots +-i on the circle; inside with R's 1e-10 slack. */
    double a3[3] = {1, 0, 1};
    ck_assert_int_eq(hc_ets_roots_within(a3, 2, 1.0 + 1e-10), 1);
    /* (z - 1.0001)(z^2 + 0.25): just outside. */
    double a4[4] = {-0.250025, 0.25, -1.0001, 1};
    ck_assert_int_eq(hc_ets_roots_within(a4, 3, 1.0 + 1e-10), 0);
}
END_TEST

START_TEST(admissible_matches_r)
{
    /* R: forecast:::admissible(alpha, beta, gamma, phi, m) */
    static const struct {
        double a, b, g, phi;
        int m, want;
    } cases[] = {
        {0.5, 0.1, 0.2, 0.95, 4, 1},    {0.9, 0.05, 0.09, 0.98, 12, 1},
        {0.2, 0.1, 0.7, 0.9, 4, 1},     {0.05, 0.01, 0.9, 0.8, 12, 1},
        {0.95, 0.9, 0.04, 0.8, 24, 0},  {0.3, 0.2, 0.65, 0.85, 24, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_ets_spec s = SPEC(A, A, 1, A, cases[i].m);
        hc_ets_par p = {cases[i].a, cases[i].b, cases[i].g, cases[i].phi};
        ck_assert_msg(hc_ets_admissible(&s, &p) == cases[i].want, "case %zu",
                      i);
    }
    /* Non-seasonal: alpha must lie in [1 - 1/phi, 1 + 1/phi]. */
    hc_ets_spec s = SPEC(A, N, 0, N, 1);
    hc_ets_par p = {1.9, 0, 0, 1};
    ck_assert_int_eq(hc_ets_admissible(&s, &p), 1);
    p.alpha = 2.1;
    ck_assert_int_eq(hc_ets_admissible(&s, &p), 0);
}
END_TEST

/* ------------------------------------------------------ initial states */

static void check_init(hc_ets_spec s, const double *y, size_t n,
                       const double *want, int nwant)
{
    double x[HC_ETS_MAX_STATE];
    double *work = malloc(hc_ets_work_size(n) * sizeof *work);
    ck_assert_int_eq(hc_ets_init_states(&s, y, n, x, work), 0);
    for (int i = 0; i < nwant; i++)
        near(x[i], want[i], 1e-12);
    free(work);
}

START_TEST(initial_states_match_r)
{
    /* R: forecast:::initstate(ts(S, frequency = 4), "A", "A"): classical
     * decomposition (n >= 3m). */
    const double w1[5] = {99.779999999999959, 0.47562500000000235,
                          6.8796875000000011, -12.120312499999999,
                          -4.7593749999999986};
    check_init(SPEC(A, A, 0, A, 4), S_, 36, w1, 5);
    /* initstate(ts(S, frequency = 4), "N", "A") */
    const double w2[4] = {102.3959375, 6.8796875000000011,
                          -12.120312499999999, -4.7593749999999986};
    check_init(SPEC(A, N, 0, A, 4), S_, 36, w2, 4);
    /* initstate(ts(S[1:10], frequency = 4), "A", "A"): n < 3m, linear
     * trend plus one Fourier pair. */
    const double w3[5] = {99.338754045307397, 0.53689320388349859,
                          8.6136731391585819, -11.449433656957916,
                          -5.5125404530744131};
    check_init(SPEC(A, A, 0, A, 4), S_, 10, w3, 5);
    /* initstate(ts(S[1:10], frequency = 4), "N", "M") */
    const double w4[4] = {102.29166666666666, 1.0848752083713671,
                          0.88658248746729085, 0.94510107574013058};
    check_init(SPEC(MU, N, 0, MU, 4), S_, 10, w4, 4);
    /* initstate(ts(M, frequency = 12), "A", "M") */
    const double w5[13] = {
        200.36175504616475,  1.0011698250646677,  0.99899431406017958,
        0.90552320479581072, 0.81058627440124587, 0.81595392876516304,
        0.8221194418125144,  0.90191434943913851, 0.99516584368864813,
        1.1022658342872909,  1.1828902743649796,  1.1772219785915969,
        1.1958552702062299};
    check_init(SPEC(MU, A, 0, MU, 12), M_, 48, w5, 13);
    /* initstate(ts(T), "A", "N"): least-squares line on the first 10. */
    const double w6[2] = {49.519999999999996, 1.6600000000000004};
    check_init(SPEC(A, A, 0, N, 1), T_, 30, w6, 2);
}
END_TEST

/* ---------------------------------------------------- fits vs R's ets */

static void check_fit(const hc_ets_fit *fit, hc_ets_spec want, double aicc,
                      const double *fc, double rel)
{
    ck_assert_int_eq(fit->spec.error, want.error);
    ck_assert_int_eq(fit->spec.trend, want.trend);
    ck_assert_int_eq(fit->spec.damped, want.damped);
    ck_assert_int_eq(fit->spec.season, want.season);
    near(fit->aicc, aicc, rel);
    double f[6];
    hc_ets_point_forecast(&fit->spec, &fit->par, fit->xn, 6, f);
    for (int i = 0; i < 6; i++)
        near(f[i], fc[i], rel);
}

START_TEST(selection_matches_r)
{
    hc_ets_fit fit;
    double *work = malloc(hc_ets_work_size(48) * sizeof *work);
    /* R: f <- ets(ts(T)); f$method, f$aicc, forecast(f, h = 6)$mean:
     * ETS(A,A,N) 169.8647748526806 (a clear trend). */
    ck_assert_int_eq(hc_ets_auto(T_, 30, 1, &fit, work), 0);
    const double fc1[6] = {96.878881467642728, 98.395173930771449,
                           99.911466393900184, 101.42775885702891,
                           102.94405132015763, 104.46034378328635};
    check_fit(&fit, SPEC(A, A, 0, N, 1), 169.8647748526806, fc1, 1e-6);
    near(fit.sigma2, 7.2965085802673659, 1e-6);
    /* The same series with a weekly-like season length above 24: R ignores
     * the season, so the same model. */
    ck_assert_int_eq(hc_ets_auto(T_, 30, 52, &fit, work), 0);
    check_fit(&fit, SPEC(A, A, 0, N, 1), 169.8647748526806, fc1, 1e-6);

    /* R: ets(ts(S, frequency = 4)): ETS(A,A,A) 210.72781367209856 */
    ck_assert_int_eq(hc_ets_auto(S_, 36, 4, &fit, work), 0);
    const double fc2[6] = {128.15499441341817, 114.37936000151348,
                           107.39838281702484, 126.81868532028028,
                           130.16213603780207, 116.38650162589738};
    check_fit(&fit, SPEC(A, A, 0, A, 4), 210.72781367209856, fc2, 1e-6);

    /* R: ets(ts(M, frequency = 12)): ETS(M,A,M) 413.78098980674156 */
    ck_assert_int_eq(hc_ets_auto(M_, 48, 12, &fit, work), 0);
    const double fc3[6] = {273.0253966466035, 295.71004883125153,
                           299.35167875341227, 295.97540999960904,
                           276.59658192131388, 253.9899139421033};
    check_fit(&fit, SPEC(MU, A, 0, MU, 12), 413.78098980674156, fc3, 1e-6);
    near(fit.sigma2, 0.0011312472097939404, 1e-6);
    free(work);
}
END_TEST

START_TEST(aicc_formula)
{
    /* R: ets(ts(T), model = "MNN"): -2 loglik = 188.57968649392473, AICc
     * 195.50276341700166 = lik + 2k + 2k(k+1)/(n-k-1) with k = 3 (alpha,
     * l0, sigma) and n = 30: 188.5797 + 6 + 24/26. */
    hc_ets_fit fit;
    double *work = malloc(hc_ets_work_size(30) * sizeof *work);
    hc_ets_spec s = SPEC(MU, N, 0, N, 1);
    ck_assert_int_eq(hc_ets_fit_model(&s, T_, 30, &fit, work), 0);
    ck_assert_int_eq(fit.npar, 2);
    near(fit.lik, 188.57968649392473, 1e-7);
    near(fit.aicc, fit.lik + 6.0 + 24.0 / 26.0, 1e-14);
    near(fit.aicc, 195.50276341700166, 1e-7);
    near(fit.par.alpha, 0.6801615516243571, 1e-5);
    near(fit.x0[0], 51.942502808112238, 1e-6);
    free(work);
}
END_TEST

START_TEST(selection_rules)
{
    hc_ets_fit fit;
    double y[40];
    double *work = malloc(hc_ets_work_size(40) * sizeof *work);
    /* A zero value rules out multiplicative errors and seasons. */
    for (int i = 0; i < 40; i++)
        y[i] = S_[i % 36];
    y[7] = 0.0;
    ck_assert_int_eq(hc_ets_auto(y, 40, 4, &fit, work), 0);
    ck_assert_int_eq(fit.spec.error, A);
    ck_assert_int_ne(fit.spec.season, MU);
    /* No season when the series is not longer than m. */
    ck_assert_int_eq(hc_ets_auto(S_, 12, 12, &fit, work), 0);
    ck_assert_int_eq(fit.spec.season, N);
    ck_assert_int_eq(fit.spec.m, 1);
    /* Six values or fewer: R would use Holt-Winters, we decline. */
    ck_assert_int_eq(hc_ets_auto(T_, 6, 1, &fit, work), 1);
    ck_assert_int_eq(hc_ets_auto(T_, 7, 1, &fit, work), 0);
    /* A model with as many parameters as the data allows is skipped:
     * ETS(A,A,N) has 4, needs n > 5. */
    hc_ets_spec s = SPEC(A, A, 0, N, 1);
    ck_assert_int_eq(hc_ets_fit_model(&s, T_, 5, &fit, work), 1);
    free(work);
}
END_TEST

/* ------------------------------------------------------------ variance */

START_TEST(variance_by_hand)
{
    double var[4];
    const double f[4] = {10, 10, 10, 10};
    /* Class 1, ETS(A,N,N): var_h = sigma2 (1 + (h-1) alpha^2), sigma2 = 2,
     * alpha = 0.5: 2, 2.5, 3. */
    hc_ets_spec s = SPEC(A, N, 0, N, 1);
    hc_ets_par p = {0.5, 0, 0, 1};
    ck_assert_int_eq(hc_ets_analytic_variance(&s, &p, 2.0, f, 3, var), 0);
    near(var[0], 2.0, 1e-15);
    near(var[1], 2.5, 1e-15);
    near(var[2], 3.0, 1e-15);
    /* ETS(A,A,N), beta 0.2: c_j = alpha + beta j = 0.7, 0.9:
     * var = 2, 2 (1 + 0.49), 2 (1 + 0.49 + 0.81). */
    s.trend = A;
    p.beta = 0.2;
    hc_ets_analytic_variance(&s, &p, 2.0, f, 3, var);
    near(var[1], 2.98, 1e-15);
    near(var[2], 4.6, 1e-15);
    /* ETS(A,N,A), m = 2, gamma 0.3: c_j = 0.5 + 0.3 [j even]:
     * 0.5, 0.8, 0.5: var = 1, 1.25, 1.89, 2.14 (sigma2 = 1). */
    s = SPEC(A, N, 0, A, 2);
    p = (hc_ets_par){0.5, 0, 0.3, 1};
    hc_ets_analytic_variance(&s, &p, 1.0, f, 4, var);
    near(var[1], 1.25, 1e-15);
    near(var[2], 1.89, 1e-15);
    near(var[3], 2.14, 1e-15);
    /* Class 2, ETS(M,N,N), mu = 10, sigma2 = 0.01, alpha = 0.5:
     * theta_1 = 100, var_1 = 1.01 * 100 - 100 = 1;
     * theta_2 = 100 + 0.01 * 0.25 * 100 = 100.25, var_2 = 1.2525;
     * theta_3 = 100 + 0.01 (0.25 * 100.25 + 0.25 * 100) = 100.500625,
     * var_3 = 1.50563125. */
    s = SPEC(MU, N, 0, N, 1);
    p = (hc_ets_par){0.5, 0, 0, 1};
    ck_assert_int_eq(hc_ets_analytic_variance(&s, &p, 0.01, f, 3, var), 0);
    near(var[0], 1.0, 1e-12);
    near(var[1], 1.2525, 1e-12);
    near(var[2], 1.50563125, 1e-12);
    /* Damped trend and season together, against R:
     *   p <- c(alpha = 0.3, beta = 0.1, gamma = 0.2, phi = 0.9)
     *   forecast:::class1(6, c(100, 2, 3, -1, -4, 2), "A", "A", TRUE, 4,
     *                     2.5, p)   and   class2(..., 0.01, p) */
    {
        hc_ets_spec sa = SPEC(A, A, 1, A, 4);
        hc_ets_par pa = {0.3, 0.1, 0.2, 0.9};
        const double xs[6] = {100, 2, 3, -1, -4, 2};
        const double mu[6] = {103.8,   99.420000000000002, 103.878,
                              109.1902, 109.37118,         104.434062};
        const double v1[6] = {2.5,
                              2.8802499999999998,
                              3.4348524999999999,
                              4.1744205250000004,
                              5.8126866252499996,
                              6.9301144664525003};
        const double v2[6] = {107.74439999999959, 115.39516647239907,
                              147.25712724740879, 190.23750459545954,
                              263.20234353742308, 301.05674784786788};
        double fa[6], va[6];
        hc_ets_point_forecast(&sa, &pa, xs, 6, fa);
        hc_ets_analytic_variance(&sa, &pa, 2.5, fa, 6, va);
        for (int i = 0; i < 6; i++) {
            near(fa[i], mu[i], 1e-14);
            near(va[i], v1[i], 1e-13);
        }
        sa.error = MU;
        hc_ets_analytic_variance(&sa, &pa, 0.01, fa, 6, va);
        for (int i = 0; i < 6; i++)
            near(va[i], v2[i], 1e-12);
    }
    /* Class 3 (multiplicative season) has no formula here. */
    s = SPEC(MU, N, 0, MU, 2);
    ck_assert_int_eq(hc_ets_analytic_variance(&s, &p, 0.01, f, 3, var), 1);
}
END_TEST

/* ---------------------------------------------------------- simulation */

START_TEST(quantile_type8_matches_r)
{
    /* R: quantile(c(5, 1, 9, 3, 7, 2, 8), taus, type = 8). By hand for
     * tau = 0.1: p' = 1/3 + 0.1 (7 + 1/3) = 1.0667, between x_(1) = 1 and
     * x_(2) = 2: 1.0667; tau 0.01 and 0.99 clamp to x_(1) and x_(7). */
    static const double taus[7] = {0.01, 0.1, 0.25, 0.5, 0.77, 0.9, 0.99};
    static const double want[7] = {1, 1.0666666666666667, 2.166666666666667,
                                   5, 7.9800000000000004, 8.9333333333333336,
                                   9};
    for (int i = 0; i < 7; i++) {
        double v[7] = {5, 1, 9, 3, 7, 2, 8};
        near(hc_ets_quantile_type8(v, 7, taus[i]), want[i], 1e-15);
    }
    double one[1] = {3};
    ck_assert_double_eq(hc_ets_quantile_type8(one, 1, 0.5), 3.0);
}
END_TEST

START_TEST(simulation_deterministic)
{
    hc_ets_spec s = SPEC(MU, A, 0, MU, 4);
    hc_ets_par p = {0.3, 0.05, 0.1, 1};
    const double xn[6] = {100, 1, 1.1, 0.9, 0.8, 1.2};
    const double tau[3] = {0.1, 0.5, 0.9};
    double *paths = malloc(hc_ets_sim_work_size(&s) * sizeof *paths);
    double q1[24], q2[24], q3[24], f[8];
    hc_ets_simulate_quantiles(&s, &p, 0.01, xn, 8, 7, tau, 3, q1, paths);
    hc_ets_simulate_quantiles(&s, &p, 0.01, xn, 8, 7, tau, 3, q2, paths);
    ck_assert(memcmp(q1, q2, sizeof q1) == 0);
    hc_ets_simulate_quantiles(&s, &p, 0.01, xn, 8, 8, tau, 3, q3, paths);
    ck_assert(memcmp(q1, q3, sizeof q1) != 0);
    hc_ets_point_forecast(&s, &p, xn, 8, f);
    for (int t = 0; t < 8; t++) {
        ck_assert(q1[t] < q1[8 + t] && q1[8 + t] < q1[16 + t]);
        /* The median of the paths is near the point forecast (relative
         * sd 0.1 per step: a few percent). */
        near(q1[8 + t], f[t], 0.03);
    }
    free(paths);
}
END_TEST

START_TEST(simulation_agrees_with_analytic)
{
    /* For ETS(A,A,N), simulated quantiles must approach the normal
     * quantiles mean + z sd_h with the class-1 variance. With 5000 paths
     * the standard error of the 0.1 / 0.9 quantile is about
     * sqrt(0.09 / 5000) / phi(1.2816) = 0.024 sd; allow 0.1 sd. */
    hc_ets_spec s = SPEC(A, A, 0, N, 1);
    hc_ets_par p = {0.4, 0.1, 0, 1};
    const double xn[2] = {50, 2};
    const double tau[3] = {0.1, 0.5, 0.9};
    const double z[3] = {-1.2815515655446004, 0, 1.2815515655446004};
    double *paths = malloc(hc_ets_sim_work_size(&s) * sizeof *paths);
    double q[18], f[6], var[6];
    hc_ets_simulate_quantiles(&s, &p, 4.0, xn, 6, 123, tau, 3, q, paths);
    hc_ets_point_forecast(&s, &p, xn, 6, f);
    hc_ets_analytic_variance(&s, &p, 4.0, f, 6, var);
    for (int k = 0; k < 3; k++)
        for (int t = 0; t < 6; t++) {
            double sd = sqrt(var[t]);
            ck_assert_msg(fabs(q[k * 6 + t] - (f[t] + z[k] * sd)) < 0.1 * sd,
                          "tau %g step %d: %g vs %g", tau[k], t, q[k * 6 + t],
                          f[t] + z[k] * sd);
        }
    free(paths);
}
END_TEST

/* ------------------------------------------------------------- adapter */

static const hc_model *ets_model(void)
{
    const hc_model *m = hc_model_by_arn("arn:aws:forecast:::algorithm/ETS");
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->id, HC_ALGO_ETS);
    ck_assert_ptr_eq(hc_model_by_id(HC_ALGO_ETS), m);
    return m;
}

START_TEST(adapter_fit_and_forecast)
{
    const hc_model *m = ets_model();
    hc_fit_input in = {M_, 48, 12, HC_FREQ_M, 1, 0, NULL};
    hc_fitted fit = {0};
    hc_error err = {0};
    ck_assert_int_eq(m->fit(&in, &fit, &err), HC_OK);
    ck_assert_uint_eq(fit.nparams, 13 + 14);
    ck_assert_double_eq(fit.params[0], 1.0);
    ck_assert_double_eq(fit.params[1], 2.0); /* M */
    ck_assert_double_eq(fit.params[2], 1.0); /* A */
    ck_assert_double_eq(fit.params[3], 0.0);
    ck_assert_double_eq(fit.params[4], 2.0); /* M */
    ck_assert_double_eq(fit.params[5], 12.0);
    ck_assert_double_eq(fit.params[11], 48.0);

    /* R: forecast(ets(ts(M, frequency = 12)), h = 6)$mean */
    const double fc[6] = {273.0253966466035,  295.71004883125153,
                          299.35167875341227, 295.97540999960904,
                          276.59658192131388, 253.9899139421033};
    const double taus[2] = {0.9, 0.1};
    hc_forecast_request req = {6, 2, taus, 99};
    double mean[6], q[12], q2[12];
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err), HC_OK);
    for (int t = 0; t < 6; t++) {
        near(mean[t], fc[t], 1e-6);
        ck_assert(q[6 + t] < mean[t] && mean[t] < q[t]);
    }
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q2, &err), HC_OK);
    ck_assert(memcmp(q, q2, sizeof q) == 0);

    /* Corrupt parameters are refused. */
    fit.params[4] = 3.0;
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err),
                     HC_ERR_INTERNAL);
    fit.params[4] = 2.0;
    fit.nparams--;
    ck_assert_int_eq(hc_model_forecast(&fit, &req, mean, q, &err),
                     HC_ERR_INTERNAL);
    hc_fitted_clear(&fit);
}
END_TEST

START_TEST(adapter_class1_quantiles)
{
    /* T gives ETS(A,A,N): quantiles are mean + z sd_h with
     * sd_1 = sqrt(sigma2) (R's sigma2 = 7.2965085802673659). */
    const hc_model *m = ets_model();
    hc_fit_input in = {T_, 30, 1, HC_FREQ_Y, 1, 0, NULL};
    hc_fitted fit = {0};
    hc_error err = {0};
    ck_assert_int_eq(m->fit(&in, &fit, &err), HC_OK);
    const double taus[1] = {0.9};
    hc_forecast_request req = {1, 1, taus, 0};
    double mean[1], q[1];
    ck_assert_int_eq(m->forecast(&fit, &req, mean, q, &err), HC_OK);
    near(q[0] - mean[0], 1.2815515655446004 * sqrt(7.2965085802673659), 1e-5);
    hc_fitted_clear(&fit);
}
END_TEST

START_TEST(adapter_missing_and_short)
{
    const hc_model *m = ets_model();
    hc_fitted fit = {0}, ref = {0};
    hc_error err = {0};
    double y[40];
    /* Leading NaNs are dropped: the same model as without them. */
    for (int i = 0; i < 4; i++)
        y[i] = (double)NAN;
    memcpy(y + 4, T_, sizeof T_);
    hc_fit_input in = {y, 34, 1, HC_FREQ_Y, 1, 0, NULL};
    hc_fit_input in_ref = {T_, 30, 1, HC_FREQ_Y, 1, 0, NULL};
    ck_assert_int_eq(m->fit(&in, &fit, &err), HC_OK);
    ck_assert_int_eq(m->fit(&in_ref, &ref, &err), HC_OK);
    ck_assert_uint_eq(fit.nparams, ref.nparams);
    ck_assert(memcmp(fit.params, ref.params,
                     fit.nparams * sizeof *fit.params) == 0);
    hc_fitted_clear(&fit);
    /* An interior NaN: the 25 values after it are fitted. */
    y[8] = (double)NAN;
    ck_assert_int_eq(m->fit(&in, &fit, &err), HC_OK);
    ck_assert_double_eq(fit.params[11], 25.0);
    hc_fitted_clear(&fit);
    /* A trailing NaN leaves nothing after it: the chain falls back. */
    y[33] = (double)NAN;
    ck_assert_int_eq(m->fit(&in, &fit, &err), HC_MODEL_CANNOT_FIT);
    ck_assert_int_eq(hc_model_fit_with_fallback(m, &in, &fit, &err), HC_OK);
    ck_assert_uint_eq(fit.fallback, 1);
    ck_assert_uint_ne(fit.algorithm, HC_ALGO_ETS);
    hc_fitted_clear(&fit);
    /* Too short (6 values): R uses Holt-Winters there; we fall back. */
    hc_fit_input shortin = {T_, 6, 1, HC_FREQ_Y, 1, 0, NULL};
    ck_assert_int_eq(m->fit(&shortin, &fit, &err), HC_MODEL_CANNOT_FIT);
    ck_assert_int_eq(hc_model_fit_with_fallback(m, &shortin, &fit, &err),
                     HC_OK);
    ck_assert_uint_eq(fit.fallback, 1);
    ck_assert_uint_eq(fit.algorithm, HC_ALGO_SEASONAL_NAIVE);
    hc_fitted_clear(&fit);
    hc_fitted_clear(&ref);
}
END_TEST

START_TEST(adapter_constant)
{
    /* R's ets() returns ses(y, alpha = 0.99999, initial = "simple") for a
     * constant series: the forecast is the value, with no spread. */
    const hc_model *m = ets_model();
    double y[5] = {4, 4, 4, 4, 4};
    hc_fit_input in = {y, 5, 7, HC_FREQ_D, 1, 0, NULL};
    hc_fitted fit = {0};
    hc_error err = {0};
    ck_assert_int_eq(m->fit(&in, &fit, &err), HC_OK);
    ck_assert_double_eq(fit.params[6], 0.99999);
    ck_assert_double_eq(fit.params[10], 0.0);
    const double taus[2] = {0.1, 0.9};
    hc_forecast_request req = {3, 2, taus, 0};
    double mean[3], q[6];
    ck_assert_int_eq(m->forecast(&fit, &req, mean, q, &err), HC_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_double_eq(mean[i], 4.0);
        ck_assert_double_eq(q[i], 4.0);
        ck_assert_double_eq(q[3 + i], 4.0);
    }
    hc_fitted_clear(&fit);
}
END_TEST

static Suite *ets_suite(void)
{
    Suite *s = suite_create("ets");
    TCase *tc = tcase_create("ets");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, ann_and_mnn_by_hand);
    tcase_add_test(tc, aan_and_aadn_by_hand);
    tcase_add_test(tc, ana_by_hand);
    tcase_add_test(tc, likelihood_matches_r);
    tcase_add_test(tc, objective_bounds);
    tcase_add_test(tc, roots_within);
    tcase_add_test(tc, admissible_matches_r);
    tcase_add_test(tc, initial_states_match_r);
    tcase_add_test(tc, selection_matches_r);
    tcase_add_test(tc, aicc_formula);
    tcase_add_test(tc, selection_rules);
    tcase_add_test(tc, variance_by_hand);
    tcase_add_test(tc, quantile_type8_matches_r);
    tcase_add_test(tc, simulation_deterministic);
    tcase_add_test(tc, simulation_agrees_with_analytic);
    tcase_add_test(tc, adapter_fit_and_forecast);
    tcase_add_test(tc, adapter_class1_quantiles);
    tcase_add_test(tc, adapter_missing_and_short);
    tcase_add_test(tc, adapter_constant);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(ets_suite)

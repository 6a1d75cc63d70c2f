/* ARIMA: likelihoods, polynomials, differencing tests, Fourier terms,
 * forecasts of fixed models and the automatic fit.
 *
 * Reference values are worked out independently in the comments: closed
 * forms (AR(1)), the innovations algorithm by hand (MA(1)), and for
 * ARMA(1,1) the Gaussian quadratic form w' G^-1 w and log det G of the
 * Toeplitz autocovariance matrix G, computed in exact rational arithmetic
 * (Python fractions, Gaussian elimination), none of which shares code with
 * the Kalman filter under test. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/model.h"
#include "core/detmath.h"
#include "models/arima_internal.h"
#include "models/models_internal.h"

static void near(double got, double want, double tol)
{
    ck_assert_msg(fabs(got - want) <= tol * fmax(1.0, fabs(want)),
                  "got %.17g, want %.17g", got, want);
}

/* ------------------------------------------------------------ likelihood */

static void kalman(const double *w, size_t n, const double *phi, int np,
                   const double *theta, int nq, arima_kalman_out *out)
{
    arima_kalman_ws ws;
    ck_assert_int_eq(arima_kalman_ws_init(&ws, 8), 0);
    ck_assert_int_eq(
        arima_kalman(w, n, phi, np, theta, nq, &ws, out, NULL, NULL, NULL), 0);
    arima_kalman_ws_free(&ws);
}

START_TEST(likelihood_ar1_closed_form)
{
    /* AR(1), unit innovation variance: F_1 = 1/(1 - phi^2), v_1 = w_1;
     * F_t = 1, v_t = w_t - phi w_{t-1} after. phi = 0.5, w = 1, 2, 0.5, -1:
     * S = 0.75 + 1.5^2 + (-0.5)^2 + (-1.25)^2 = 4.8125,
     * sum log F = -log 0.75. */
    const double w[] = {1.0, 2.0, 0.5, -1.0};
    const double phi = 0.5;
    arima_kalman_out k;
    kalman(w, 4, &phi, 1, NULL, 0, &k);
    near(k.ssq, 4.8125, 1e-14);
    near(k.sumlog, -log(0.75), 1e-14);
    ck_assert_uint_eq(k.nu, 4);
}
END_TEST

START_TEST(likelihood_ma1_innovations)
{
    /* MA(1), theta = 0.5: gamma0 = 1.25, gamma1 = 0.5. Innovations
     * algorithm: F_1 = 1.25; F_{t+1} = 1.25 - 0.25 / F_t; prediction
     * (theta / F_t) v_t. w = 1, -1, 2:
     *   F = 5/4, 21/20, 85/84; v = 1, -1 - 0.4 = -1.4, 2 + 0.7/1.05 = 8/3;
     *   S = 4/5 + (49/25)/(21/20) + (64/9)/(85/84)
     *     = 0.8 + 28/15 + 1792/255. */
    const double w[] = {1.0, -1.0, 2.0};
    const double theta = 0.5;
    arima_kalman_out k;
    kalman(w, 3, NULL, 0, &theta, 1, &k);
    near(k.ssq, 0.8 + 28.0 / 15.0 + 1792.0 / 255.0, 1e-14);
    near(k.sumlog, log(1.25) + log(1.05) + log(85.0 / 84.0), 1e-14);
}
END_TEST

START_TEST(likelihood_arma11_toeplitz)
{
    /* ARMA(1,1), phi = 1/2, theta = 3/10: gamma0 = (1 + 2 phi theta +
     * theta^2) / (1 - phi^2) = 139/75, gamma1 = (1 + phi theta)(phi + theta)
     * / (1 - phi^2) = 92/75, gamma_k = phi gamma_{k-1}. For
     * w = (1, 1/2, -1/2, 2) and G = toeplitz(gamma0..gamma3), exactly:
     * w' G^-1 w = 16141575/2270704 and det G = 2270704/1171875. The
     * Kalman filter's S and sum log F are these two numbers. */
    const double w[] = {1.0, 0.5, -0.5, 2.0};
    const double phi = 0.5, theta = 0.3;
    arima_kalman_out k;
    kalman(w, 4, &phi, 1, &theta, 1, &k);
    near(k.ssq, 16141575.0 / 2270704.0, 1e-13);
    near(k.sumlog, log(2270704.0 / 1171875.0), 1e-13);
}
END_TEST

START_TEST(stationary_covariance)
{
    arima_kalman_ws ws;
    ck_assert_int_eq(arima_kalman_ws_init(&ws, 4), 0);
    /* ARMA(1,1) (0.5, 0.3): state (w_t, theta e_t): Var w = 139/75,
     * Cov(w_t, theta e_t) = theta, Var(theta e_t) = theta^2. */
    double phi = 0.5, theta = 0.3;
    ck_assert_int_eq(arima_stationary_cov(&phi, 1, &theta, 1, &ws), 0);
    near(ws.P[0], 139.0 / 75.0, 1e-14);
    near(ws.P[1], 0.3, 1e-14);
    near(ws.P[2], 0.3, 1e-14);
    near(ws.P[3], 0.09, 1e-14);
    /* AR(2) (0.4, 0.2): state (w_t, phi2 w_{t-1}); gamma0 = (1 - phi2) /
     * ((1 + phi2)((1 - phi2)^2 - phi1^2)) = 25/18, gamma1 = phi1 gamma0 /
     * (1 - phi2) = 25/36: P = [[25/18, 5/36], [5/36, 1/18]]. */
    double ar2[2] = {0.4, 0.2};
    ck_assert_int_eq(arima_stationary_cov(ar2, 2, NULL, 0, &ws), 0);
    near(ws.P[0], 25.0 / 18.0, 1e-14);
    near(ws.P[1], 5.0 / 36.0, 1e-14);
    near(ws.P[3], 1.0 / 18.0, 1e-14);
    /* A unit root has no stationary covariance. */
    double rw = 1.0;
    ck_assert_int_eq(arima_stationary_cov(&rw, 1, NULL, 0, &ws), -1);
    arima_kalman_ws_free(&ws);
}
END_TEST

START_TEST(likelihood_missing_values)
{
    /* AR(1) with w_2 missing: w_3 is predicted two steps ahead, F = 1 +
     * phi^2, v = w_3 - phi^2 w_1. phi = 0.5, w = 1, NaN, 2, 1:
     * S = 0.75 + (2 - 0.25)^2 / 1.25 + (1 - 1)^2 = 0.75 + 2.45,
     * sum log F = -log 0.75 + log 1.25, three observations. */
    const double w[] = {1.0, (double)NAN, 2.0, 1.0};
    const double phi = 0.5;
    arima_kalman_out k;
    kalman(w, 4, &phi, 1, NULL, 0, &k);
    near(k.ssq, 3.2, 1e-14);
    near(k.sumlog, -log(0.75) + log(1.25), 1e-14);
    ck_assert_uint_eq(k.nu, 3);
}
END_TEST

START_TEST(css_objective_and_gradient)
{
    /* ARMA(1,1) (0.5, 0.3) conditional on w_0: e_1 = 2 - 0.5 = 1.5,
     * e_2 = 0.5 - 0.5 * 2 - 0.3 * 1.5 = -0.95; the objective is
     * 0.5 log(S / 2), S = 1.5^2 + 0.95^2. */
    const double w[] = {1.0, 2.0, 0.5};
    arima_problem pb = {w, 3, NULL, 0, 0};
    arima_order o = {1, 0, 1, 0, 0, 0, 1};
    const double coef[2] = {0.5, 0.3};
    near(arima_css_objective(&pb, &o, 0, coef, NULL),
         0.5 * log((1.5 * 1.5 + 0.95 * 0.95) / 2.0), 1e-15);

    /* The exact (adjoint) gradient against central differences, on a
     * seasonal model with drift, differencing and a missing value. */
    enum { N = 80 };
    double y[N];
    hc_rng r;
    hc_rng_seed(&r, 4242, 0);
    for (int t = 0; t < N; t++)
        y[t] = 0.3 * t + 5.0 * sin(t * 1.5707963267948966) +
               hc_rng_normal(&r);
    y[37] = (double)NAN;
    pb = (arima_problem){y, N, NULL, 0, 0};
    arima_order so = {2, 0, 1, 1, 1, 1, 4};
    double c[6] = {0.3, -0.2, 0.4, -0.3, 0.2, 0.25}, g[6];
    double f0 = arima_css_objective(&pb, &so, 1, c, g);
    ck_assert(isfinite(f0));
    for (int i = 0; i < 6; i++) {
        double cp[6], cm[6], h = 1e-6;
        memcpy(cp, c, sizeof c);
        memcpy(cm, c, sizeof c);
        cp[i] += h;
        cm[i] -= h;
        double fd = (arima_css_objective(&pb, &so, 1, cp, NULL) -
                     arima_css_objective(&pb, &so, 1, cm, NULL)) /
                    (2 * h);
        ck_assert_msg(fabs(fd - g[i]) <= 1e-6 * fmax(1.0, fabs(fd)),
                      "coefficient %d: analytic %.10g, numeric %.10g", i,
                      g[i], fd);
    }
}
END_TEST

/* ----------------------------------------------------------- polynomials */

START_TEST(polynomials)
{
    /* (1 - 0.5B)(1 - 0.3B^4) = 1 - 0.5B - 0.3B^4 + 0.15B^5;
     * (1 + 0.4B)(1 + 0.2B^4) = 1 + 0.4B + 0.2B^4 + 0.08B^5. */
    arima_order o = {1, 0, 1, 1, 0, 1, 4};
    double coef[4] = {0.5, 0.4, 0.3, 0.2};
    double ephi[5], eth[5];
    arima_expand(&o, coef, ephi, eth);
    const double wp[5] = {0.5, 0, 0, 0.3, -0.15};
    const double wt[5] = {0.4, 0, 0, 0.2, 0.08};
    for (int i = 0; i < 5; i++) {
        near(ephi[i], wp[i], 1e-15);
        near(eth[i], wt[i], 1e-15);
    }
    /* (1 - B)(1 - B^4) = 1 - B - B^4 + B^5 */
    double delta[5];
    arima_diff_poly(1, 1, 4, delta);
    const double wd[5] = {-1, 0, 0, -1, 1};
    for (int i = 0; i < 5; i++)
        near(delta[i], wd[i], 0.0);
    /* psi-weights of (1 + 0.3B)/(1 - 0.5B): 1, 0.8, 0.4, 0.2 */
    double psi[4], ph = 0.5, th = 0.3;
    arima_psi(&ph, 1, &th, 1, psi, 4);
    near(psi[0], 1.0, 0.0);
    near(psi[1], 0.8, 1e-15);
    near(psi[2], 0.4, 1e-15);
    near(psi[3], 0.2, 1e-15);
}
END_TEST

START_TEST(roots_and_transforms)
{
    double mr;
    /* 1 - 0.5z: root 2. 1 - 0.4z - 0.2z^2: roots (-0.4 +- sqrt(0.96)) / 0.4,
     * the smaller in modulus (sqrt(0.96) - 0.4) / 0.4. */
    double ar1 = 0.5, ar2[2] = {0.4, 0.2};
    ck_assert_int_eq(arima_min_root(&ar1, 1, -1, &mr), 0);
    near(mr, 2.0, 1e-13);
    ck_assert_int_eq(arima_min_root(ar2, 2, -1, &mr), 0);
    near(mr, (sqrt(0.96) - 0.4) / 0.4, 1e-13);
    /* trailing near-zero coefficients are ignored; none left: 2 */
    double tiny[2] = {0.0, 1e-9};
    ck_assert_int_eq(arima_min_root(tiny, 2, 1, &mr), 0);
    near(mr, 2.0, 0.0);
    ck_assert(arima_ar_stationary(ar2, 2));
    double unit = 1.0;
    ck_assert(!arima_ar_stationary(&unit, 1));

    /* PACF (0.5, 0.2) -> AR: phi2 = 0.2, phi1 = 0.5 - 0.2 * 0.5 = 0.4. */
    double raw[2] = {atanh(0.5), atanh(0.2)}, ar[2], back[2];
    arima_partrans(2, raw, ar);
    near(ar[0], 0.4, 1e-15);
    near(ar[1], 0.2, 1e-15);
    ck_assert_int_eq(arima_invpartrans(2, ar, back), 0);
    near(back[0], raw[0], 1e-14);
    near(back[1], raw[1], 1e-14);
    double ns[1] = {1.5};
    ck_assert_int_eq(arima_invpartrans(1, ns, back), -1);

    /* MA(1) theta = 2 reflects to 0.5. MA(2) (1 - 2z)(1 - z/4) =
     * 1 - 2.25z + 0.5z^2: the root 0.5 reflects to 2, giving
     * (1 - z/2)(1 - z/4) = 1 - 0.75z + 0.125z^2. */
    double ma1 = 2.0, ma2[2] = {-2.25, 0.5};
    ck_assert_int_eq(arima_ma_invert(1, &ma1), 0);
    near(ma1, 0.5, 1e-15);
    ck_assert_int_eq(arima_ma_invert(2, ma2), 0);
    near(ma2[0], -0.75, 1e-13);
    near(ma2[1], 0.125, 1e-13);
    double ok[2] = {0.3, 0.1};
    ck_assert_int_eq(arima_ma_invert(2, ok), 0);
    near(ok[0], 0.3, 0.0);
    near(ok[1], 0.1, 0.0);
}
END_TEST

/* ------------------------------------------------------------ differences */

START_TEST(kpss_statistic_by_hand)
{
    /* x = 1, 2, 3, 4: e = -1.5, -0.5, 0.5, 1.5, partial sums -1.5, -2,
     * -1.5, 0: sum S^2 = 8.5, eta = 8.5 / 16; s^2(0) = 5/4 -> 0.425.
     * One lag: + 2/4 (1 - 1/2)(0.75 - 0.25 + 0.75) = 0.3125 -> 0.34. */
    const double x[] = {1, 2, 3, 4};
    near(arima_kpss_stat(x, 4, 0), 0.425, 1e-15);
    near(arima_kpss_stat(x, 4, 1), 0.53125 / 1.5625, 1e-15);
    /* p-values: linear between the table's points, clamped at its ends:
     * 0.425 lies 0.078/0.116 of the way from 0.347 (10%) to 0.463 (5%). */
    near(arima_kpss_pvalue(0.425), 0.10 - 0.078 / 0.116 * 0.05, 1e-14);
    near(arima_kpss_pvalue(0.463), 0.05, 1e-15);
    near(arima_kpss_pvalue(0.2), 0.10, 0.0);
    near(arima_kpss_pvalue(2.0), 0.01, 0.0);
}
END_TEST

START_TEST(ndiffs_known_answers)
{
    enum { N = 300 };
    double wn[N], rw[N], i2[N];
    hc_rng r;
    hc_rng_seed(&r, 12345, 0);
    double level = 0.0, slope = 0.0;
    for (int t = 0; t < N; t++) {
        wn[t] = hc_rng_normal(&r);
        level += hc_rng_normal(&r);
        rw[t] = level;
        slope += hc_rng_normal(&r);
        i2[t] = (t ? i2[t - 1] : 0.0) + slope;
    }
    ck_assert_int_eq(arima_ndiffs(wn, N, 0.05, 2), 0);
    ck_assert_int_eq(arima_ndiffs(rw, N, 0.05, 2), 1);
    ck_assert_int_eq(arima_ndiffs(i2, N, 0.05, 2), 2);
    /* a straight line: its first difference is constant */
    double line[20];
    for (int t = 0; t < 20; t++)
        line[t] = 3.0 + 2.0 * t;
    ck_assert_int_eq(arima_ndiffs(line, 20, 0.05, 2), 1);
    ck_assert(hc_models_is_constant((double[]){5, 5, 5}, 3));
    ck_assert(!hc_models_is_constant((double[]){5, 5, 5.001}, 3));
    ck_assert(!hc_models_is_constant((double[]){5, (double)NAN, 5}, 3));
}
END_TEST

START_TEST(nsdiffs_known_answers)
{
    enum { N = 144 };
    double seas[N], noise[N];
    hc_rng r;
    hc_rng_seed(&r, 777, 0);
    for (int t = 0; t < N; t++) {
        /* a fixed monthly pattern that dominates the noise */
        seas[t] = 10.0 * sin(6.283185307179586 * t / 12.0) +
                  0.5 * hc_rng_normal(&r);
        noise[t] = hc_rng_normal(&r);
    }
    int st;
    double s = arima_seasonal_strength(seas, N, 12, &st);
    ck_assert(s > 0.9);
    ck_assert_int_eq(arima_nsdiffs(seas, N, 12, 1), 1);
    ck_assert_int_eq(arima_nsdiffs(noise, N, 12, 1), 0);
    /* two periods or fewer: no test */
    ck_assert(isnan(arima_seasonal_strength(seas, 24, 12, &st)));
    ck_assert_int_eq(arima_nsdiffs(seas, 24, 12, 1), 0);
}
END_TEST

START_TEST(stl_recovers_a_periodic_pattern)
{
    /* A period-4 pattern (sum zero) on a constant: the cycle-subseries are
     * constant, so their loess fits are the pattern; the moving averages of
     * the pattern vanish, so the low-pass is zero and the seasonal part is
     * the pattern; the deseasonalised series is the constant, and so is its
     * loess trend. Exact up to rounding. */
    enum { N = 48 };
    const double pat[4] = {3, -1, -3, 1};
    double x[N], s[N], tr[N];
    for (int t = 0; t < N; t++)
        x[t] = 10.0 + pat[t % 4];
    ck_assert_int_eq(arima_stl(x, N, 4, 11, s, tr), 0);
    for (int t = 0; t < N; t++) {
        near(s[t], pat[t % 4], 1e-12);
        near(tr[t], 10.0, 1e-12);
    }
    /* On a line the two inner passes leave a small bias; the pattern still
     * dominates the seasonal part and the trend follows the line. */
    for (int t = 0; t < N; t++)
        x[t] = 0.5 * t + pat[t % 4];
    ck_assert_int_eq(arima_stl(x, N, 4, 11, s, tr), 0);
    for (int t = 0; t < N; t++) {
        near(s[t], pat[t % 4], 0.1);
        near(tr[t], 0.5 * t, 0.1);
    }
}
END_TEST

START_TEST(fourier_terms)
{
    /* period 24, t = 1: sin 15 deg, cos 15 deg, sin 30 deg, cos 30 deg;
     * t = 6: sin 90 deg = 1; t = 24: a whole period. */
    double X[4 * 24];
    arima_fourier(24, 1.0, 24.0, 2, X);
    near(X[0], 0.25881904510252074, 1e-15);
    near(X[24], 0.96592582628906831, 1e-15);
    near(X[48], 0.5, 1e-15);
    near(X[72], 0.86602540378443865, 1e-15);
    near(X[5], 1.0, 1e-15);
    ck_assert(fabs(X[24 + 5]) < 1e-15);
    near(X[23], 0.0, 0.0);
    near(X[24 + 23], 1.0, 0.0);
    /* the phase continues: t = 25 equals t = 1 */
    double Y[4];
    arima_fourier(1, 25.0, 24.0, 2, Y);
    for (int k = 0; k < 4; k++)
        near(Y[k], X[k * 24], 0.0);
}
END_TEST

/* ------------------------------------------------------ fixed-model forecasts */

static hc_fitted make_params(const double *v, uint32_t n)
{
    hc_fitted f = {HC_ALGO_ARIMA, 0, n, malloc(n * sizeof(double))};
    memcpy(f.params, v, n * sizeof(double));
    return f;
}

static const double taus[2] = {0.1, 0.9};
#define Z90 1.2815515655446004

START_TEST(forecast_ar1_with_mean)
{
    /* ARIMA(1,0,0) with mean 10, phi = 0.5, sigma2 = 4, state E[w_{n+1}] =
     * phi (y_n - 10) = 1: means 11, 10.5, 10.25; variances
     * 4, 4 (1 + 0.25), 4 (1 + 0.25 + 0.0625). */
    const double v[] = {1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 50, 0, 4,
                        0.5, 10.0, /* phi, mean */
                        1.0};      /* state */
    hc_fitted f = make_params(v, sizeof v / sizeof v[0]);
    hc_forecast_request req = {3, 2, taus, 0};
    double mean[3], q[6];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    const double wm[3] = {11, 10.5, 10.25}, wv[3] = {4, 5, 5.25};
    for (int h = 0; h < 3; h++) {
        near(mean[h], wm[h], 1e-14);
        near(q[3 + h], wm[h] + Z90 * sqrt(wv[h]), 1e-14);
        near(q[h], wm[h] - Z90 * sqrt(wv[h]), 1e-14);
    }
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(forecast_integrated_ma1)
{
    /* ARIMA(0,1,1), theta = -0.5, sigma2 = 1, last value 100, state
     * (theta e_n, 0) = (-0.2, 0): every mean is 99.8 (simple exponential
     * smoothing); psi = 1, 0.5, 0.5, ... so the variance is 1 + 0.25 (h-1). */
    const double v[] = {1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 20, 0, 1,
                        -0.5,       /* theta */
                        -0.2, 0.0,  /* state */
                        100.0};     /* last value */
    hc_fitted f = make_params(v, sizeof v / sizeof v[0]);
    hc_forecast_request req = {4, 2, taus, 0};
    double mean[4], q[8];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 4; h++) {
        near(mean[h], 99.8, 1e-14);
        near(q[4 + h], 99.8 + Z90 * sqrt(1.0 + 0.25 * h), 1e-13);
    }
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(forecast_seasonal_random_walk_and_drift)
{
    /* ARIMA(0,0,0)(0,1,0)_4: the last season repeats, variance grows by one
     * each whole season ahead. */
    const double v[] = {1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 8, 0, 1,
                        0.0,           /* state */
                        1, 2, 3, 4};   /* last season */
    hc_fitted f = make_params(v, sizeof v / sizeof v[0]);
    hc_forecast_request req = {8, 2, taus, 0};
    double mean[8], q[16];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 8; h++) {
        near(mean[h], 1 + h % 4, 1e-14);
        near(q[8 + h], 1 + h % 4 + Z90 * sqrt(1.0 + h / 4), 1e-14);
    }
    hc_fitted_clear(&f);

    /* ARIMA(0,1,0) with drift 2 at t = 10, y_10 = 50: u = y - 2t, last
     * u = 30; forecasts 30 + 2 (10 + h) = 50 + 2h, variance h. */
    const double d[] = {1, 1, 0, 1, 0, 0, 0, 0, 2, 0, 0, 10, 0, 1,
                        2.0,    /* drift */
                        0.0,    /* state */
                        30.0};  /* last u */
    f = make_params(d, sizeof d / sizeof d[0]);
    req.horizon = 3;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 3; h++) {
        near(mean[h], 52.0 + 2.0 * h, 1e-14);
        near(q[3 + h], 52.0 + 2.0 * h + Z90 * sqrt(h + 1.0), 1e-14);
    }
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(forecast_fourier_regression)
{
    /* mean 5 + 2 sin(2 pi t / 4) + 1 cos(2 pi t / 4), last t = 4, white
     * noise errors: t = 5..8 give 7, 4, 3, 6. */
    const double v[] = {1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 4, 4, 4, 1,
                        5.0, 2.0, 1.0, /* mean, S1, C1 */
                        0.0};          /* state */
    hc_fitted f = make_params(v, sizeof v / sizeof v[0]);
    hc_forecast_request req = {4, 0, NULL, 0};
    double mean[4];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err), 0);
    const double want[4] = {7, 4, 3, 6};
    for (int h = 0; h < 4; h++)
        near(mean[h], want[h], 1e-14);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(corrupt_params_refused)
{
    const double good[] = {1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 50, 0, 4,
                           0.5, 10.0, 1.0};
    hc_forecast_request req = {3, 0, NULL, 0};
    double mean[3];
    hc_error err;
    /* wrong length, fractional order, negative variance, bad version */
    const int idx[4] = {-1, 2, 13, 0};
    const double val[4] = {0, 1.5, -1, 2};
    for (int k = 0; k < 4; k++) {
        hc_fitted f = make_params(good, k == 0 ? 16 : 17);
        if (idx[k] >= 0)
            f.params[idx[k]] = val[k];
        ck_assert_int_eq(hc_model_forecast(&f, &req, mean, NULL, &err),
                         HC_ERR_INTERNAL);
        hc_fitted_clear(&f);
    }
}
END_TEST

/* ------------------------------------------------------------ fitting */

START_TEST(fit_recovers_ar1)
{
    /* 2000 values of y_t = 5 + u_t, u_t = 0.6 u_{t-1} + e_t: the exact
     * maximum likelihood fit of ARIMA(1,0,0) with mean finds phi and the
     * mean within a few standard errors (0.018 and 0.06). */
    enum { N = 2000 };
    double y[N];
    hc_rng r;
    hc_rng_seed(&r, 99, 0);
    double u = 0.0;
    for (int t = 0; t < N; t++) {
        u = 0.6 * u + hc_rng_normal(&r);
        y[t] = 5.0 + u;
    }
    arima_problem pb = {y, N, NULL, 0, 0};
    arima_order o = {1, 0, 0, 0, 0, 0, 1};
    arima_fit f;
    hc_error err;
    ck_assert_int_eq(
        arima_fit_model(&pb, &o, 1, ARIMA_CSS_ML, HUGE_VAL, &f, &err), 0);
    ck_assert(isfinite(f.ic));
    ck_assert_msg(fabs(f.coef[0] - 0.6) < 0.06, "phi %g", f.coef[0]);
    ck_assert_msg(fabs(f.coef[1] - 5.0) < 0.2, "mean %g", f.coef[1]);
    ck_assert_msg(fabs(f.sigma2 - 1.0) < 0.1, "sigma2 %g", f.sigma2);
    /* AICc = -2 loglik + 2 k + 2 k (k + 1) / (n - k - 1), k = 3 */
    near(f.aicc, -2.0 * f.loglik + 6.0 + 24.0 / (N - 4.0), 1e-12);
}
END_TEST

static hc_fitted fit_series(const double *y, size_t n, int season)
{
    hc_fit_input in = {y, n, season, HC_FREQ_D, 1, 0, NULL};
    hc_fitted f;
    hc_error err;
    ck_assert_int_eq(hc_model_fit_with_fallback(hc_model_by_id(HC_ALGO_ARIMA),
                                                &in, &f, &err),
                     0);
    return f;
}

START_TEST(auto_arima_paths)
{
    enum { N = 240 };
    double y[N];
    hc_rng r;
    hc_rng_seed(&r, 2024, 0);
    /* Monthly-like: a strong period-12 pattern on a random walk. */
    double level = 100.0;
    for (int t = 0; t < N; t++) {
        level += 0.3 * hc_rng_normal(&r);
        y[t] = level + 8.0 * sin(6.283185307179586 * t / 12.0);
    }
    hc_fitted f = fit_series(y, N, 12);
    ck_assert_int_eq(f.algorithm, HC_ALGO_ARIMA);
    ck_assert_int_eq(f.fallback, 0);
    ck_assert(f.params[1] == 12.0); /* seasonal ARIMA, period 12 */
    ck_assert(f.params[6] == 1.0);  /* seasonal strength -> D = 1 */
    ck_assert(f.params[9] == 0.0);  /* no Fourier terms */
    hc_forecast_request req = {24, 2, taus, 0};
    double mean[24], q[48];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 24; h++) {
        ck_assert(q[h] < mean[h] && mean[h] < q[24 + h]);
        if (h >= 12) /* the pattern repeats one season on */
            near(mean[h] - mean[h - 12], 0.0, 2.0);
    }
    hc_fitted_clear(&f);

    /* Hourly-like, long (n > 2m): Fourier terms K = 4 of period 24 with
     * non-seasonal ARIMA errors. */
    for (int t = 0; t < N; t++)
        y[t] = 50.0 + 10.0 * sin(6.283185307179586 * t / 24.0) +
               hc_rng_normal(&r);
    f = fit_series(y, N, 24);
    ck_assert(f.params[9] == 4.0);
    ck_assert(f.params[10] == 24.0);
    ck_assert(f.params[1] == 1.0);
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    /* the forecasts follow the daily sine: h = 5 and 17 are t = 245 and
     * 257, sin 75 deg and sin 255 deg of the pattern */
    ck_assert(mean[5] > mean[17] + 10.0);
    hc_fitted_clear(&f);

    /* Short (n <= 2m): auto.arima with period 24, no Fourier terms. */
    f = fit_series(y, 40, 24);
    ck_assert(f.params[9] == 0.0);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(use_fourier_terms_false)
{
    /* A profile repeating exactly every 24 values, 5 days long (n > 2m).
     * Amazon's rule fits Fourier terms; TrainingParameters
     * use_fourier_terms = "false" (HC_FIT_ARIMA_NO_FOURIER) fits
     * auto.arima's seasonal ARIMA instead: the seasonal difference is zero,
     * so ARIMA(0,0,0)(0,1,0)_24 and the last day repeats exactly
     * (10 + 1.5 * (t mod 24) at t = 120, 121, ...: 10, 11.5, 13, ...). */
    double y[120];
    for (int t = 0; t < 120; t++)
        y[t] = 10.0 + 1.5 * (t % 24);
    hc_error err;
    hc_fitted f;
    const hc_model *m = hc_model_by_id(HC_ALGO_ARIMA);
    hc_fit_input in = {y, 120, 24, HC_FREQ_H, 1, 0, NULL};
    ck_assert_int_eq(m->fit(&in, &f, &err), 0);
    ck_assert(f.params[9] == 4.0 && f.params[1] == 1.0);
    hc_fitted_clear(&f);

    in.options = HC_FIT_ARIMA_NO_FOURIER;
    ck_assert_int_eq(m->fit(&in, &f, &err), 0);
    ck_assert(f.params[9] == 0.0);
    ck_assert(f.params[1] == 24.0 && f.params[6] == 1.0);
    ck_assert(f.params[2] == 0.0 && f.params[4] == 0.0);
    ck_assert(f.params[5] == 0.0 && f.params[7] == 0.0);
    hc_forecast_request req = {30, 2, taus, 0};
    double mean[30], q[60];
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 30; h++)
        near(mean[h], 10.0 + 1.5 * (h % 24), 1e-9);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(constant_missing_and_short)
{
    /* constant: ARIMA(0,0,0) with its mean, no spread */
    double c[30];
    for (int t = 0; t < 30; t++)
        c[t] = 7.5;
    hc_fitted f = fit_series(c, 30, 7);
    ck_assert_int_eq(f.fallback, 0);
    hc_forecast_request req = {5, 2, taus, 0};
    double mean[5], q[10];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 5; h++) {
        near(mean[h], 7.5, 0.0);
        near(q[h], 7.5, 0.0);
    }
    hc_fitted_clear(&f);

    /* leading missing values are dropped, inner ones skipped */
    double y[120];
    hc_rng r;
    hc_rng_seed(&r, 5, 0);
    double u = 0.0;
    for (int t = 0; t < 120; t++) {
        u = 0.5 * u + hc_rng_normal(&r);
        y[t] = t < 10 || t == 60 || t == 61 ? (double)NAN : 20.0 + u;
    }
    f = fit_series(y, 120, 1);
    ck_assert_int_eq(f.algorithm, HC_ALGO_ARIMA);
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 5; h++)
        ck_assert(isfinite(mean[h]) && q[h] < q[5 + h]);
    hc_fitted_clear(&f);

    /* all missing: the chain falls back to a model that can say so */
    double none[3] = {(double)NAN, (double)NAN, (double)NAN};
    hc_fit_input in = {none, 3, 1, HC_FREQ_D, 1, 0, NULL};
    ck_assert_int_eq(hc_model_by_id(HC_ALGO_ARIMA)->fit(&in, &f, &err),
                     HC_MODEL_CANNOT_FIT);
}
END_TEST

START_TEST(degenerate_differences)
{
    /* y = 3 + 2t: one difference is constant, so auto.arima gives
     * ARIMA(0,1,0) with its drift fixed at the mean difference 2: the line
     * continues, 61 -> 63, 65, 67, with no spread. */
    double y[30];
    for (int t = 0; t < 30; t++)
        y[t] = 3.0 + 2.0 * t;
    hc_fitted f = fit_series(y, 30, 1);
    ck_assert(f.params[3] == 1.0 && f.params[8] == 2.0);
    hc_forecast_request req = {3, 2, taus, 0};
    double mean[3], q[6];
    hc_error err;
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 3; h++) {
        near(mean[h], 63.0 + 2.0 * h, 1e-12);
        near(q[3 + h], mean[h], 1e-12);
    }
    hc_fitted_clear(&f);
    /* A pattern repeating every 12 values: the seasonal difference is
     * zero, ARIMA(0,0,0)(0,1,0)_12 with drift 0: the last season repeats. */
    double s[60];
    for (int t = 0; t < 60; t++)
        s[t] = 10.0 + 1.5 * (t % 12);
    f = fit_series(s, 60, 12);
    ck_assert(f.params[1] == 12.0 && f.params[6] == 1.0);
    ck_assert_int_eq(hc_model_forecast(&f, &req, mean, q, &err), 0);
    for (int h = 0; h < 3; h++)
        near(mean[h], 10.0 + 1.5 * h, 1e-12);
    hc_fitted_clear(&f);
}
END_TEST

START_TEST(fit_is_deterministic)
{
    enum { N = 200 };
    double y[N];
    hc_rng r;
    hc_rng_seed(&r, 31337, 0);
    double u = 0.0, lvl = 0.0;
    for (int t = 0; t < N; t++) {
        u = hc_rng_normal(&r) + 0.4 * u;
        lvl += u;
        y[t] = lvl;
    }
    hc_fitted a = fit_series(y, N, 1), b = fit_series(y, N, 1);
    ck_assert_uint_eq(a.nparams, b.nparams);
    ck_assert(memcmp(a.params, b.params, a.nparams * sizeof(double)) == 0);
    hc_fitted_clear(&a);
    hc_fitted_clear(&b);
}
END_TEST

static Suite *arima_suite(void)
{
    Suite *s = suite_create("arima");
    TCase *tc = tcase_create("likelihood");
    tcase_add_test(tc, likelihood_ar1_closed_form);
    tcase_add_test(tc, likelihood_ma1_innovations);
    tcase_add_test(tc, likelihood_arma11_toeplitz);
    tcase_add_test(tc, stationary_covariance);
    tcase_add_test(tc, likelihood_missing_values);
    tcase_add_test(tc, css_objective_and_gradient);
    suite_add_tcase(s, tc);
    tc = tcase_create("polynomials");
    tcase_add_test(tc, polynomials);
    tcase_add_test(tc, roots_and_transforms);
    suite_add_tcase(s, tc);
    tc = tcase_create("differencing");
    tcase_add_test(tc, kpss_statistic_by_hand);
    tcase_add_test(tc, ndiffs_known_answers);
    tcase_add_test(tc, nsdiffs_known_answers);
    tcase_add_test(tc, stl_recovers_a_periodic_pattern);
    tcase_add_test(tc, fourier_terms);
    suite_add_tcase(s, tc);
    tc = tcase_create("forecast");
    tcase_add_test(tc, forecast_ar1_with_mean);
    tcase_add_test(tc, forecast_integrated_ma1);
    tcase_add_test(tc, forecast_seasonal_random_walk_and_drift);
    tcase_add_test(tc, forecast_fourier_regression);
    tcase_add_test(tc, corrupt_params_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("fit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fit_recovers_ar1);
    tcase_add_test(tc, auto_arima_paths);
    tcase_add_test(tc, use_fourier_terms_false);
    tcase_add_test(tc, constant_missing_and_short);
    tcase_add_test(tc, degenerate_differences);
    tcase_add_test(tc, fit_is_deterministic);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(arima_suite)

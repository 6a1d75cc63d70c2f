/* ARIMA: what the files of the ARIMA model share (arima*.c).
 *
 * Conventions. A seasonal ARIMA(p,d,q)(P,D,Q)m with regression is
 *     phi(B) Phi(B^m) (1-B)^d (1-B^m)^D (y_t - x_t'beta) = theta(B) Theta(B^m) e_t
 * with phi(B) = 1 - phi_1 B - ... - phi_p B^p, theta(B) = 1 + theta_1 B + ...
 * (R's stats::arima signs). Coefficient vectors are laid out as R lays them
 * out: phi[p], theta[q], Phi[P], Theta[Q], then the regression
 * coefficients (drift or intercept first, then the extra regressors).
 *
 * Estimation works on the differenced series w_t = (1-B)^d (1-B^m)^D y_t,
 * whose regression-adjusted values follow the stationary ARMA with the
 * expanded polynomials phi(B)Phi(B^m) and theta(B)Theta(B^m); see
 * arima_like.c for why. */
#ifndef HC_ARIMA_INTERNAL_H
#define HC_ARIMA_INTERNAL_H

#include <stddef.h>

#include "hindcast/error.h"

/* auto.arima's upper bounds (forecast 8.20 defaults) bound every array. */
#define ARIMA_MAX_PQ 5
#define ARIMA_MAX_SPQ 2
#define ARIMA_MAX_D 2
#define ARIMA_MAX_SD 1
#define ARIMA_MAX_M 64    /* seasonal periods above this are not modelled
                             by a seasonal ARIMA (Fourier terms instead) */
#define ARIMA_MAX_XREG 16 /* extra regressors (Fourier: 2K = 8) */
#define ARIMA_MAX_COEF (2 * ARIMA_MAX_PQ + 2 * ARIMA_MAX_SPQ + 1 + ARIMA_MAX_XREG)

typedef struct arima_order {
    int p, d, q;
    int P, D, Q;
    int m; /* seasonal period; 1 when there is no seasonal part */
} arima_order;

/* ------------------------------------------------------------ arima_poly.c */

/* Expanded AR and MA polynomials: ephi has p + m*P entries, etheta
 * q + m*Q, with phi(B)Phi(B^m) = 1 - sum ephi_i B^i and
 * theta(B)Theta(B^m) = 1 + sum etheta_i B^i. coef in R's layout. */
void arima_expand(const arima_order *o, const double *coef, double *ephi,
                  double *etheta);
int arima_np(const arima_order *o);
int arima_nq(const arima_order *o);

/* Smallest modulus of the roots of 1 + sign * (c_1 z + ... + c_k z^k),
 * trailing coefficients with |c| <= 1e-8 ignored (as auto.arima does);
 * 2.0 when no coefficient is left (auto.arima's starting value). Returns 0,
 * or -1 when the eigenvalue solver fails. sign is -1 for an AR polynomial,
 * +1 for an MA polynomial. */
int arima_min_root(const double *c, int k, int sign, double *out);

/* The stationarity check of stats::arima: all roots of 1 - sum ar_i z^i
 * outside the unit circle (exact zeros at the end are dropped). */
int arima_ar_stationary(const double *ar, int p);

/* Partial autocorrelations (after tanh) to AR coefficients (Durbin-Levinson),
 * and back. inv returns -1 when the AR part is not stationary. */
void arima_partrans(int p, const double *raw, double *ar);
int arima_invpartrans(int p, const double *ar, double *raw);

/* Reflects the roots of 1 + theta_1 z + ... inside the unit circle to their
 * reciprocals (stats::arima's maInvert). Returns 0 or -1 (solver failure). */
int arima_ma_invert(int q, double *theta);

/* psi-weights psi_0..psi_{n-1} of theta(B)/phi(B) (psi_0 = 1). */
void arima_psi(const double *phi, int np, const double *theta, int nq,
               double *psi, size_t n);

/* Coefficients delta_1..delta_L of (1-B)^d (1-B^m)^D = 1 + sum delta_j B^j,
 * L = d + m*D; d <= ARIMA_MAX_D, D <= ARIMA_MAX_SD, m <= ARIMA_MAX_M. */
void arima_diff_poly(int d, int D, int m, double *delta);

/* ------------------------------------------------------------ arima_like.c */

typedef struct arima_kalman_ws {
    int rmax;
    double *buf; /* everything below lives in buf */
    double *a, *P, *Pf, *col, *R, *T, *K, *W, *TW;
    double *A, *B, *G, *C, *M, *gam, *rhs, *psi, *sys;
    int *ipiv;
    int *tnz, *rnz; /* nonzero positions of T's first column and of R */
} arima_kalman_ws;

int arima_kalman_ws_init(arima_kalman_ws *ws, int rmax);
void arima_kalman_ws_free(arima_kalman_ws *ws);

/* Stationary covariance (unit innovation variance) of the state of the
 * ARMA(np, nq) in Harvey's form, r = max(np, nq + 1), into ws->P (r x r,
 * row-major). Returns 0, or -1 when the autocovariance system is singular
 * (a unit root). */
int arima_stationary_cov(const double *phi, int np, const double *theta,
                         int nq, arima_kalman_ws *ws);

typedef struct arima_kalman_out {
    double ssq;    /* sum of v_t^2 / F_t */
    double sumlog; /* sum of log F_t */
    size_t nu;     /* observations used */
} arima_kalman_out;

/* Exact Gaussian likelihood of the zero-mean ARMA on w by the Kalman filter
 * started at the stationary covariance. Optional outputs: resid (nw, the
 * standardized innovations v_t / sqrt(F_t), 0 where w is missing), pred (nw,
 * the one-step predictions E[w_t | w_<t]), state (r, E[alpha_{n+1} | w]).
 * Returns 0, or -1 when the model is not stationary or the filter breaks
 * down. */
int arima_kalman(const double *w, size_t nw, const double *phi, int np,
                 const double *theta, int nq, arima_kalman_ws *ws,
                 arima_kalman_out *out, double *resid, double *pred,
                 double *state);

/* ------------------------------------------------------------- arima_fit.c */

enum { ARIMA_CSS = 1, ARIMA_CSS_ML = 2 };

/* The data of one auto.arima call. y: the series (leading missing values
 * already removed; NaN = missing). xreg: n x nxreg, column-major, extra
 * regressors (Fourier terms) or NULL. The drift regressor is 1..n. */
typedef struct arima_problem {
    const double *y;
    size_t n;
    const double *xreg;
    int nxreg;
    int use_aic; /* rank by AIC instead of AICc (auto.arima: <= 3 values) */
} arima_problem;

typedef struct arima_fit {
    arima_order o;
    int constant;  /* intercept (d + D = 0) or drift (d + D = 1) */
    int method;    /* ARIMA_CSS or ARIMA_CSS_ML */
    int narma;     /* p + q + P + Q */
    int nreg;      /* regression coefficients (constant + nxreg) */
    double coef[ARIMA_MAX_COEF];
    double sigma2; /* sum resid^2 / (nstar - npar + 1), as auto.arima */
    double loglik; /* exact (ML) log-likelihood; NaN for CSS */
    double aic, aicc, bic, ic; /* ic = aicc; +Inf when the model failed or
                                  was refused */
    double nstar;  /* observations after differencing */
    int unchecked; /* 1: the Hessian check was skipped (ic >= check_below) */
} arima_fit;

/* Fits one model as auto.arima's myarima() does: stats::arima's CSS or
 * CSS-ML, information criteria, the adjusted sigma2, and the refusal of
 * models with roots inside 1.01 or an unusable Hessian (ic = +Inf). The
 * Hessian check is only made when the criterion is below check_below
 * (HUGE_VAL: always); otherwise out->unchecked is set. Returns HC_OK (also
 * for a failed model: ic = +Inf) or HC_ERR_NOMEM. */
int arima_fit_model(const arima_problem *pb, const arima_order *o,
                    int constant, int method, double check_below,
                    arima_fit *out, hc_error *err);

/* Least squares (LAPACK dgels) of w on X (nw x k, column-major) over the
 * rows where w is observed: coefficients into beta and 10 standard errors
 * into scale (stats::arima's parscale; 1 where not usable). Returns 0, or
 * -1 when there are fewer rows than columns, the design is singular or
 * memory runs out. */
int arima_ols(const double *w, const double *X, size_t nw, int k,
              double *beta, double *scale);

/* The CSS objective 0.5 log(S / nu) of a model at natural coefficients
 * (R's layout), and its exact gradient when grad is given: the function
 * the CSS stage minimises. HUGE_VAL when not computable. */
double arima_css_objective(const arima_problem *pb, const arima_order *o,
                           int constant, const double *coef, double *grad);

/* Builds the regression design of a fit (n x nreg, column-major): drift
 * (1..n) or intercept first, then pb->xreg. */
void arima_design(const arima_problem *pb, const arima_fit *f, double *X);

/* The state needed to forecast: `state` (r = max(np, nq + 1)) the ARMA
 * state E[alpha_{n+1} | data] of the differenced, regression-adjusted
 * series, and `ulast` (L = d + m*D values, oldest first) the last values of
 * the regression-adjusted undifferenced series, missing ones replaced by
 * their one-step predictions. Returns HC_OK, HC_MODEL_CANNOT_FIT when the
 * filter fails, or HC_ERR_NOMEM. */
int arima_final_state(const arima_problem *pb, const arima_fit *f,
                      double *state, double *ulast, hc_error *err);

/* ------------------------------------------------------------ arima_diff.c */

/* KPSS level-stationarity statistic (Kwiatkowski et al. 1992) with
 * Bartlett-weighted long-run variance over `lags` lags. */
double arima_kpss_stat(const double *x, size_t n, int lags);

/* KPSS p-value interpolated in the table of critical values (level case:
 * 0.347, 0.463, 0.574, 0.739 for 10%, 5%, 2.5%, 1%), clamped to
 * [0.01, 0.10]. */
double arima_kpss_pvalue(double stat);

/* forecast::ndiffs with the KPSS test: number of first differences (<=
 * max_d) that make x level-stationary at level alpha. NaN are dropped.
 * Returns d >= 0 or HC_ERR_NOMEM. */
int arima_ndiffs(const double *x, size_t n, double alpha, int max_d);

/* Seasonal strength max(0, min(1, 1 - var(R) / var(R + S))) from an STL
 * decomposition (s.window 11, as forecast's mstl for one period); NaN when
 * there are not more than two periods. *status HC_ERR_NOMEM on failure. */
double arima_seasonal_strength(const double *x, size_t n, int m, int *status);

/* forecast::nsdiffs with the "seas" test (strength > 0.64). Returns D >= 0
 * or HC_ERR_NOMEM. */
int arima_nsdiffs(const double *x, size_t n, int m, int max_D);

/* STL (Cleveland et al. 1990) without robustness iterations: seasonal and
 * trend (n each). Windows as R's stl(). Returns 0 or HC_ERR_NOMEM. */
int arima_stl(const double *x, size_t n, int period, int s_window,
              double *seasonal, double *trend);

/* Fourier terms sin(2 pi k t / period), cos(2 pi k t / period), k = 1..K,
 * t = t0 + i, i < n; X is n x 2K column-major (S1, C1, S2, C2, ...). */
void arima_fourier(size_t n, double t0, double period, int K, double *X);

/* ------------------------------------------------------------ arima_auto.c */

typedef struct arima_auto_opts {
    int m;             /* seasonal period (1: non-seasonal) */
    int approximation; /* auto.arima's approximation (CSS search) */
    int allow_drift;
    int allow_mean;
} arima_auto_opts;

/* auto.arima's default stepwise search with the differencing tests.
 * best->ic is +Inf when no model could be fitted. Returns HC_OK or
 * HC_ERR_NOMEM. */
int arima_auto(const arima_problem *pb, const arima_auto_opts *opts,
               arima_fit *best, hc_error *err);

/* --------------------------------------------------------------- arima.c */

#endif

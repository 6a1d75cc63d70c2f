/* ETS internals shared by ets.c, ets_fit.c, ets_forecast.c and the unit
 * tests (which check fixed-parameter models against hand-worked values).
 *
 * The model family is the innovations state-space taxonomy of Hyndman,
 * Koehler, Ord & Snyder (2008), "Forecasting with Exponential Smoothing: the
 * state space approach" (Springer), with the estimation and selection rules
 * of R's forecast::ets (forecast 8.20). Multiplicative trends are not
 * implemented: R's default (allow.multiplicative.trend = FALSE) never tries
 * them.
 *
 * State layout (R's): x[0] the level l, x[1] the trend b when there is one,
 * then the m seasonal states s_0..s_{m-1}, s_0 the most recent season (the
 * season of the last fitted time point) and s_{m-1} the season that the next
 * time point uses. */
#ifndef HC_MODELS_ETS_INTERNAL_H
#define HC_MODELS_ETS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* R's ets refuses seasonal models above frequency 24. */
#define HC_ETS_MAX_M 24
#define HC_ETS_MAX_STATE (2 + HC_ETS_MAX_M)
/* alpha, beta, gamma, phi, then level, trend and m - 1 seasonal states. */
#define HC_ETS_MAX_PAR (4 + 1 + HC_ETS_MAX_STATE)

/* Component kinds (the values are the ones persisted in model files). */
enum { HC_ETS_NONE = 0, HC_ETS_ADD = 1, HC_ETS_MULT = 2 };

typedef struct hc_ets_spec {
    int error;  /* HC_ETS_ADD or HC_ETS_MULT */
    int trend;  /* HC_ETS_NONE or HC_ETS_ADD */
    int damped; /* 0 or 1; 1 only with a trend */
    int season; /* HC_ETS_NONE, HC_ETS_ADD or HC_ETS_MULT */
    int m;      /* season length, 2..HC_ETS_MAX_M with a season, else 1 */
} hc_ets_spec;

/* Smoothing parameters. beta is 0 without a trend, gamma 0 without a
 * season, phi 1 without damping. */
typedef struct hc_ets_par {
    double alpha, beta, gamma, phi;
} hc_ets_par;

/* Number of states: 1 + (trend) + m * (season). */
int hc_ets_nstate(const hc_ets_spec *spec);

/* Runs the state recursion from x0 over y[0..n-1] (no NaN). Returns R's
 * estimation criterion "lik" = n log(sum e_t^2), plus 2 sum log|yhat_t| with
 * multiplicative errors (e_t = y_t - yhat_t, or (y_t - yhat_t) / yhat_t with
 * multiplicative errors): -2 log-likelihood up to terms that depend on n
 * only (Hyndman et al. 2008, sections 5.1-5.2). Not clamped: a perfect fit
 * gives -inf. Optional outputs (NULL to skip): *sse the sum of e_t^2, e[n]
 * the residuals, xn the state after the last point. */
double hc_ets_lik(const hc_ets_spec *spec, const hc_ets_par *par,
                  const double *x0, const double *y, size_t n, double *sse,
                  double *e, double *xn);

/* R's admissible region for the smoothing parameters (bounds =
 * "admissible"): 1 inside, 0 outside. */
int hc_ets_admissible(const hc_ets_spec *spec, const hc_ets_par *par);

/* All roots of a[0] + a[1] z + ... + a[d] z^d (a[d] != 0) have modulus at
 * most `radius` (Schur-Cohn test; a is overwritten). 1 yes, 0 no. */
int hc_ets_roots_within(double *a, int d, double radius);

/* R's initial states (the heuristic of Hyndman et al. 2008, section 2.6.1,
 * as in forecast 8.20's initstate): writes the level, the trend and the m - 1
 * free seasonal states s_0..s_{m-2} (the last one follows from the seasonal
 * states summing to 0, or to m when multiplicative). Needs n doubles of
 * scratch in work (3n for a season). Returns 0, or 1 when the series is too
 * short for the decomposition. */
int hc_ets_init_states(const hc_ets_spec *spec, const double *y, size_t n,
                       double *x, double *work);

/* Result of fitting one model. */
typedef struct hc_ets_fit {
    hc_ets_spec spec;
    hc_ets_par par;
    double x0[HC_ETS_MAX_STATE]; /* fitted initial state */
    double xn[HC_ETS_MAX_STATE]; /* state after the last point */
    double lik;    /* R's criterion at the optimum */
    double aicc;   /* lik + 2k + 2k(k+1)/(n-k-1), k = npar + 1 */
    double sigma2; /* sum e^2 / (n - npar), as R's ets() */
    int npar;      /* estimated parameters: smoothing + free initial states */
    int evals;     /* objective evaluations the optimiser used */
} hc_ets_fit;

/* Fits one model to y[0..n-1] (no NaN) by maximum likelihood. Needs
 * hc_ets_work_size(n) doubles of scratch. Returns 0, or 1 when the model
 * cannot be fitted (too few points for its parameters, no finite
 * likelihood). */
int hc_ets_fit_model(const hc_ets_spec *spec, const double *y, size_t n,
                     hc_ets_fit *out, double *work);
size_t hc_ets_work_size(size_t n);

/* The objective the optimiser minimises, exposed for tests: par holds
 * [alpha, beta?, gamma?, phi?, level, trend?, s_0..s_{m-2}]. Returns 1e35
 * outside the usual bounds or the admissible region, R's criterion
 * (clamped below at -1e10) otherwise. */
double hc_ets_objective(const hc_ets_spec *spec, const double *par,
                        const double *y, size_t n);

/* Nelder-Mead minimisation of fn from x (n coordinates, f0 = fn(x)) in
 * Nash's variant as R's optim uses it (ets_nm.c). x receives the best vertex,
 * *fmin its value, *evals the evaluations used. Returns 0, or 1 on bad
 * arguments. */
typedef double (*hc_ets_fn)(const double *x, void *ctx);
int hc_ets_nelder_mead(hc_ets_fn fn, void *ctx, double *x, int n, double f0,
                       int maxit, double reltol, double *fmin, int *evals);

/* Automatic selection as R's ets(y) with model = "ZZZ": every allowed
 * combination, the lowest AICc. m is the frequency's season length. Returns
 * 0, or 1 when no model could be fitted. */
int hc_ets_auto(const double *y, size_t n, int m, hc_ets_fit *out,
                double *work);

/* Point forecasts f[0..h-1] from the state xn (R's forecast function). */
void hc_ets_point_forecast(const hc_ets_spec *spec, const hc_ets_par *par,
                           const double *xn, size_t h, double *f);

/* Analytic forecast variances var[0..h-1] for class 1 (additive error,
 * trend and season) and class 2 (multiplicative error, additive trend and
 * season) of Hyndman et al. 2008, chapter 6, given the point forecasts f.
 * Returns 0, or 1 when the model has no such formula here (then simulate). */
int hc_ets_analytic_variance(const hc_ets_spec *spec, const hc_ets_par *par,
                             double sigma2, const double *f, size_t h,
                             double *var);

/* Number of simulated sample paths for models without analytic variances
 * (R's forecast.ets default npaths). */
#define HC_ETS_NPATHS 5000

/* Simulates HC_ETS_NPATHS sample paths of h steps from xn with Gaussian
 * innovations of variance sigma2 (seeded, deterministic) and writes
 * quantiles q[k*h + t] for each tau[k] (R's quantile type 8 of each step's
 * sample). Needs hc_ets_sim_work_size(spec) doubles of scratch in work,
 * whatever h. */
size_t hc_ets_sim_work_size(const hc_ets_spec *spec);
/* R's quantile(v, tau, type = 8) of v[0..n-1] (n >= 1; v is reordered). */
double hc_ets_quantile_type8(double *v, size_t n, double tau);
void hc_ets_simulate_quantiles(const hc_ets_spec *spec,
                               const hc_ets_par *par, double sigma2,
                               const double *xn, size_t h, uint64_t seed,
                               const double *tau, size_t ntau, double *q,
                               double *work);

#endif

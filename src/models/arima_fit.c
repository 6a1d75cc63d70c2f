/* Fitting one ARIMA model the way forecast's myarima() calls stats::arima.
 *
 * Method "CSS": minimise 0.5 log(CSS / nu) over all coefficients, starting
 * from zero ARMA coefficients and the least-squares regression coefficients
 * of the differenced series on the differenced regressors (stats::arima's
 * start values). Its information criterion is auto.arima's approximation
 * nstar log(sigma2_CSS) + 2 npar (+ a constant offset that is the same for
 * every model of one search and is therefore left out).
 *
 * Method "CSS-ML": the CSS estimates (refused when their AR part is not
 * stationary) start the exact maximum likelihood fit. As stats::arima with
 * transform.pars = TRUE, the AR blocks (non-seasonal and seasonal) are
 * optimised through their partial autocorrelations, and the MA blocks are
 * first made invertible and made invertible again after the fit. The
 * objective is the profile (sigma2 concentrated out) negative
 * log-likelihood per observation, 0.5 (log(S/nu) + sum log F_t / nu).
 *
 * Optimiser: stats::arima uses optim's BFGS with finite-difference
 * gradients. Here nlopt's SLSQP (Kraft 1988), which without constraints is
 * a dense-BFGS quasi-Newton method with a line search, like optim's BFGS;
 * on M4 Weekly it picks R's (p,d,q) on more series than nlopt's L-BFGS and
 * needs fewer evaluations. Gradients: exact for CSS (an adjoint pass, see
 * css_eval), forward differences for the likelihood. The parameters are
 * scaled as stats::arima scales them (regression coefficients divided by
 * 10 standard errors, its parscale).
 *
 * As myarima: AICc with npar = coefficients + 1 and nstar = observations
 * after differencing; sigma2 = residual sum of squares / (nstar - npar + 1);
 * a model is refused (ic = +Inf) when a root of its expanded AR or MA
 * polynomial lies within modulus 1.01 or when the inverse of its numerical
 * Hessian has a negative diagonal (forecast's checkarima(): sqrt of a
 * negative variance). The Hessian, with optim's step 1e-3 in the scaled
 * parameters: central differences of the exact gradient for CSS (optim's
 * optimhess differences its finite-difference gradient), second
 * differences of the likelihood for ML (k(k+1)/2 + k + 1 evaluations
 * instead of optimhess's 4k^2). The check is only needed, and only made,
 * for a model that would become the best so far (see check_below). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/error.h"
#include "hindcast/model.h"
#include "models/arima_internal.h"

#define GRAD_STEP 1e-6    /* forward differences for the likelihood */
#define HESS_STEP 1e-3    /* optim's ndeps, for the Hessian check */
#define MAX_EVALS 400     /* nlopt evaluations (each with its gradient) */
#define FTOL_REL 1.5e-8   /* optim's reltol, sqrt(DBL_EPSILON) */
#define ROOT_LIMIT 1.01   /* auto.arima: 1 + 1e-2 */
#define MAX_LAGS ((ARIMA_MAX_PQ + 1) * (ARIMA_MAX_SPQ + 1))

typedef struct fit_ctx {
    const arima_order *o;
    int np, nq, narma, nreg, ncoef;
    int ml;             /* 0: CSS objective, 1: exact likelihood */
    size_t nw;
    const double *w;    /* differenced series */
    const double *dX;   /* differenced design, nw x nreg column-major */
    double *wres;       /* w - dX beta */
    double *resid;
    double *ephi, *etheta;
    double parscale[ARIMA_MAX_COEF];
    /* Lags where the expanded polynomials can be nonzero (their structure,
     * not their values): the CSS recursions skip the others. */
    int nphilag, philag[MAX_LAGS];
    int nthetalag, thetalag[MAX_LAGS];
    unsigned char *miss; /* CSS: no residual at t */
    double *dser;        /* CSS: adjoint of the residuals */
    double *ubuf;        /* CSS: AR-filtered series; scratch */
    int has_nan;         /* w has missing values */
    double *mem;         /* owns the arrays above */
    arima_kalman_ws ws;
    /* best point seen by the optimiser */
    double best_f;
    double best_z[ARIMA_MAX_COEF];
} fit_ctx;

static void ctx_free(fit_ctx *c)
{
    arima_kalman_ws_free(&c->ws);
    free(c->mem);
    free(c->miss);
    c->mem = NULL;
    c->miss = NULL;
}

/* Natural coefficients from the optimiser's scaled (and, for ML,
 * AR-transformed) vector z. */
static void natural_coef(const fit_ctx *c, const double *z, double *coef)
{
    for (int i = 0; i < c->ncoef; i++)
        coef[i] = z[i] * c->parscale[i];
    if (c->ml) {
        const arima_order *o = c->o;
        double tmp[ARIMA_MAX_PQ];
        if (o->p > 0) {
            memcpy(tmp, coef, (size_t)o->p * sizeof *tmp);
            arima_partrans(o->p, tmp, coef);
        }
        if (o->P > 0) {
            int off = o->p + o->q;
            memcpy(tmp, coef + off, (size_t)o->P * sizeof *tmp);
            arima_partrans(o->P, tmp, coef + off);
        }
    }
}


/* Structural lags i + J m (i <= n, J <= N, not both zero), each once. */
static int structural_lags(int n, int N, int m, int *lags)
{
    int k = 0;
    for (int J = 0; J <= N; J++)
        for (int i = 0; i <= n; i++) {
            int lag = i + J * m;
            if (lag == 0)
                continue;
            int dup = 0;
            for (int x = 0; x < k; x++)
                dup |= lags[x] == lag;
            if (!dup)
                lags[k++] = lag;
        }
    for (int i = 1; i < k; i++) /* ascending, for early exits */
        for (int j = i; j > 0 && lags[j - 1] > lags[j]; j--) {
            int t = lags[j];
            lags[j] = lags[j - 1];
            lags[j - 1] = t;
        }
    return k;
}

/* The CSS objective 0.5 log(S / nu) at natural coefficients, and, when
 * grad is given, its exact gradient with respect to them. The residuals
 *   e_t = r_t - sum_k ephi_k r_{t-k} - sum_{k <= t - ncond} etheta_k e_{t-k},
 * r = w - dX beta, are a linear recursion in e, so the gradient of
 * S = sum e_t^2 costs one backward (adjoint) pass whatever the number of
 * coefficients: with a_t = dS/de_t over all later residuals,
 *   a_t = 2 e_t - sum_k etheta_k a_{t+k},
 * and dS/dx = sum_t a_t g_t(x), g the direct effect of x on e_t:
 *   phi_i:   -r_{t-i} + sum_J Phi_J r_{t-i-Jm}
 *   Phi_J:   -r_{t-Jm} + sum_i phi_i r_{t-i-Jm}
 *   theta_i: -e_{t-i} - sum_J Theta_J e_{t-i-Jm}
 *   Theta_J: -e_{t-Jm} - sum_i theta_i e_{t-i-Jm}   (e only for lags <= t - ncond)
 *   beta_j:  -X_{t,j} + sum_k ephi_k X_{t-k,j}.
 * The objective's gradient is dS/dx / (2S). A residual that is missing
 * (w missing) is a constant zero: it neither counts nor propagates. */
static double css_eval(fit_ctx *c, const double *coef, double *grad,
                       arima_kalman_out *kout)
{
    const arima_order *o = c->o;
    size_t nw = c->nw, ncond = (size_t)c->np;
    if (nw <= ncond)
        return HUGE_VAL;
    size_t len = nw - ncond;
    const double *beta = coef + c->narma;
    double *r = c->wres, *e = c->resid, *u = c->ubuf;
    memcpy(r, c->w, nw * sizeof *r);
    if (c->nreg > 0)
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)nw, c->nreg, -1.0, c->dX,
                    (int)nw, beta, 1, 1.0, r, 1);
    arima_expand(o, coef, c->ephi, c->etheta);
    const double *ephi = c->ephi, *eth = c->etheta;
    const int *pl = c->philag, *tl = c->thetalag;
    int npl = c->nphilag, ntl = c->nthetalag;

    /* AR part, u_t = r_t - sum_k ephi_k r_{t-k}: no recursion, so one
     * axpy per lag. */
    memcpy(u + ncond, r + ncond, len * sizeof *u);
    for (int x = 0; x < npl; x++) {
        size_t k = (size_t)pl[x];
        cblas_daxpy((int)len, -ephi[k - 1], r + ncond - k, 1, u + ncond, 1);
    }
    /* MA recursion; the lags are sorted, and from ncond + the longest lag
     * on every lag applies. */
    double S = 0.0;
    size_t nu = 0;
    for (size_t t = 0; t < ncond; t++) {
        e[t] = 0.0;
        c->miss[t] = 1;
    }
    size_t tfull = ncond + (ntl ? (size_t)tl[ntl - 1] : 0);
    /* The shortest lag is subtracted last: the sum over the others does not
     * wait for the previous residual, which keeps the dependency chain of
     * the recursion short. */
    double th0 = ntl ? eth[tl[0] - 1] : 0.0;
    size_t l0 = ntl ? (size_t)tl[0] : 0;
    for (size_t t = ncond; t < nw; t++) {
        double v;
        if (t < tfull) {
            v = u[t];
            size_t back = t - ncond;
            for (int x = 0; x < ntl && (size_t)tl[x] <= back; x++)
                v -= eth[tl[x] - 1] * e[t - (size_t)tl[x]];
        } else {
            double rest = 0.0;
            for (int x = ntl - 1; x >= 1; x--)
                rest += eth[tl[x] - 1] * e[t - (size_t)tl[x]];
            v = (u[t] - rest) - th0 * e[t - l0];
        }
        if (isnan(v)) {
            e[t] = 0.0;
            c->miss[t] = 1;
            continue;
        }
        e[t] = v;
        c->miss[t] = 0;
        S += v * v;
        nu++;
    }
    if (nu == 0 || !(S > 0.0) || !isfinite(S))
        return HUGE_VAL;
    if (kout) {
        kout->ssq = S;
        kout->sumlog = 0.0;
        kout->nu = nu;
    }
    if (!grad)
        return 0.5 * log(S / (double)nu);

    /* Adjoint pass. */
    double *a = c->dser;
    size_t tail = ntl ? (size_t)tl[ntl - 1] : 0;
    for (size_t t = nw; t-- > ncond;) {
        if (c->miss[t]) {
            a[t] = 0.0;
            continue;
        }
        double v = 2.0 * e[t];
        if (t + tail < nw) {
            double rest = 0.0;
            for (int x = ntl - 1; x >= 1; x--)
                rest += eth[tl[x] - 1] * a[t + (size_t)tl[x]];
            if (ntl)
                v = (v - rest) - th0 * a[t + l0];
        } else {
            for (int x = 0; x < ntl && t + (size_t)tl[x] < nw; x++)
                v -= eth[tl[x] - 1] * a[t + (size_t)tl[x]];
        }
        a[t] = v;
    }
    /* Missing w leave NaN in r; their adjoints are 0, but 0 * NaN is not. */
    const double *rz = r;
    if (c->has_nan) {
        for (size_t t = 0; t < nw; t++)
            u[t] = isnan(r[t]) ? 0.0 : r[t];
        rz = u;
    }
    const double *phi = coef, *theta = coef + o->p;
    const double *sphi = theta + o->q, *stheta = sphi + o->P;
    int m = o->m;
    const double *an = a + ncond;
    for (int ix = 0; ix < c->ncoef; ix++) {
        /* (lag, factor) of the direct effect on r (AR side) or e (MA). */
        int lag[ARIMA_MAX_PQ + 2];
        double fac[ARIMA_MAX_PQ + 2];
        int nl = 0, on_e = 0;
        double acc = 0.0;
        if (ix >= c->narma) {
            const double *xr = c->dX + (size_t)(ix - c->narma) * nw;
            acc = -cblas_ddot((int)len, an, 1, xr + ncond, 1);
            for (int x = 0; x < npl; x++) {
                size_t k = (size_t)pl[x];
                acc += ephi[k - 1] *
                       cblas_ddot((int)len, an, 1, xr + ncond - k, 1);
            }
            grad[ix] = acc / (2.0 * S);
            continue;
        }
        if (ix < o->p) {
            lag[nl] = ix + 1, fac[nl++] = -1.0;
            for (int J = 0; J < o->P; J++)
                lag[nl] = ix + 1 + (J + 1) * m, fac[nl++] = sphi[J];
        } else if (ix < o->p + o->q) {
            int i = ix - o->p;
            on_e = 1;
            lag[nl] = i + 1, fac[nl++] = -1.0;
            for (int J = 0; J < o->Q; J++)
                lag[nl] = i + 1 + (J + 1) * m, fac[nl++] = -stheta[J];
        } else if (ix < o->p + o->q + o->P) {
            int J = ix - o->p - o->q;
            lag[nl] = (J + 1) * m, fac[nl++] = -1.0;
            for (int i = 0; i < o->p; i++)
                lag[nl] = i + 1 + (J + 1) * m, fac[nl++] = phi[i];
        } else {
            int J = ix - o->p - o->q - o->P;
            on_e = 1;
            lag[nl] = (J + 1) * m, fac[nl++] = -1.0;
            for (int i = 0; i < o->q; i++)
                lag[nl] = i + 1 + (J + 1) * m, fac[nl++] = -theta[i];
        }
        for (int x = 0; x < nl; x++) {
            size_t L = (size_t)lag[x];
            if (on_e) {
                /* e enters only for lags <= t - ncond: t from ncond + L. */
                if (len > L)
                    acc += fac[x] * cblas_ddot((int)(len - L), an + L, 1,
                                               e + ncond, 1);
            } else {
                acc += fac[x] * cblas_ddot((int)len, an, 1, rz + ncond - L, 1);
            }
        }
        grad[ix] = acc / (2.0 * S);
    }
    return 0.5 * log(S / (double)nu);
}

/* The objective at natural coefficients; the ML pieces into *kout. */
static double objective_coef(fit_ctx *c, const double *coef,
                             arima_kalman_out *kout)
{
    const double *beta = coef + c->narma;
    for (size_t t = 0; t < c->nw; t++) {
        double v = c->w[t];
        for (int j = 0; j < c->nreg; j++)
            v -= c->dX[(size_t)j * c->nw + t] * beta[j];
        c->wres[t] = v;
    }
    if (!c->ml)
        return css_eval(c, coef, NULL, kout);
    arima_expand(c->o, coef, c->ephi, c->etheta);
    arima_kalman_out k;
    if (arima_kalman(c->wres, c->nw, c->ephi, c->np, c->etheta, c->nq,
                     &c->ws, &k, c->resid, NULL, NULL) != 0 ||
        k.nu == 0 || !(k.ssq > 0.0))
        return HUGE_VAL;
    if (kout)
        *kout = k;
    double nu = (double)k.nu;
    return 0.5 * (log(k.ssq / nu) + k.sumlog / nu);
}

static double objective_z(fit_ctx *c, const double *z)
{
    double coef[ARIMA_MAX_COEF];
    natural_coef(c, z, coef);
    double f = objective_coef(c, coef, NULL);
    return isfinite(f) ? f : HUGE_VAL;
}

/* Gradient in the optimiser's coordinates: exact for CSS, forward
 * differences with step h from f0 = f(z) for the likelihood. */
static void gradient(fit_ctx *c, const double *z, double f0, double h,
                     double *g)
{
    if (!c->ml) {
        double coef[ARIMA_MAX_COEF];
        natural_coef(c, z, coef);
        if (!isfinite(css_eval(c, coef, g, NULL))) {
            memset(g, 0, (size_t)c->ncoef * sizeof *g);
            return;
        }
        for (int i = 0; i < c->ncoef; i++)
            g[i] *= c->parscale[i];
        return;
    }
    double zz[ARIMA_MAX_COEF];
    memcpy(zz, z, (size_t)c->ncoef * sizeof *zz);
    for (int i = 0; i < c->ncoef; i++) {
        zz[i] = z[i] + h;
        double fp = objective_z(c, zz);
        zz[i] = z[i];
        g[i] = (isfinite(fp) && isfinite(f0)) ? (fp - f0) / h : 0.0;
    }
}

static double nl_objective(unsigned nz, const double *z, double *grad,
                           void *data)
{
    fit_ctx *c = data;
    (void)nz;
    double f;
    if (grad && !c->ml) {
        double coef[ARIMA_MAX_COEF];
        natural_coef(c, z, coef);
        f = css_eval(c, coef, grad, NULL);
        if (isfinite(f))
            for (int i = 0; i < c->ncoef; i++)
                grad[i] *= c->parscale[i];
    } else {
        f = objective_z(c, z);
        if (grad && isfinite(f))
            gradient(c, z, f, GRAD_STEP, grad);
    }
    if (!isfinite(f)) {
        f = HUGE_VAL;
        if (grad)
            memset(grad, 0, (size_t)c->ncoef * sizeof *grad);
    }
    if (f < c->best_f) {
        c->best_f = f;
        memcpy(c->best_z, z, (size_t)c->ncoef * sizeof *z);
    }
    return f;
}

/* Minimises the current objective from z (in place). Returns the minimum
 * (HUGE_VAL when no finite value was found). */
static double minimise(fit_ctx *c, double *z)
{
    c->best_f = HUGE_VAL;
    memcpy(c->best_z, z, (size_t)c->ncoef * sizeof *z);
    if (c->ncoef == 0)
        return objective_z(c, z);
    double f0 = nl_objective((unsigned)c->ncoef, z, NULL, c);
    if (!isfinite(f0))
        return HUGE_VAL;
    nlopt_opt opt = nlopt_create(NLOPT_LD_SLSQP, (unsigned)c->ncoef);
    if (!opt)
        return f0;
    nlopt_set_min_objective(opt, nl_objective, c);
    nlopt_set_ftol_rel(opt, FTOL_REL);
    nlopt_set_maxeval(opt, MAX_EVALS);
    double fmin = HUGE_VAL;
    double zz[ARIMA_MAX_COEF];
    memcpy(zz, z, (size_t)c->ncoef * sizeof *zz);
    (void)nlopt_optimize(opt, zz, &fmin);
    nlopt_destroy(opt);
    /* Whatever nlopt reports (success, roundoff, failure), keep the best
     * point it evaluated: deterministic and never worse than the start. */
    memcpy(z, c->best_z, (size_t)c->ncoef * sizeof *z);
    return c->best_f;
}


/* Jacobian (ncoef x ncoef, J[i][j] = d natural_j / d z_i) of the scaled,
 * transformed parametrisation, by forward differences as stats::arima's
 * ARIMA_Gradtrans (step 1e-3). */
static void transform_jacobian(fit_ctx *c, const double *z, double *J)
{
    int k = c->ncoef;
    double base[ARIMA_MAX_COEF], pert[ARIMA_MAX_COEF], zz[ARIMA_MAX_COEF];
    natural_coef(c, z, base);
    memcpy(zz, z, (size_t)k * sizeof *zz);
    for (int i = 0; i < k; i++) {
        zz[i] = z[i] + HESS_STEP;
        natural_coef(c, zz, pert);
        zz[i] = z[i];
        for (int j = 0; j < k; j++)
            J[i * k + j] = (pert[j] - base[j]) / HESS_STEP;
    }
}

/* forecast's checkarima(): 1 when the coefficient variances from the
 * numerical Hessian are all usable, 0 when one is negative or the Hessian
 * is singular (stats::arima's solve() would fail). */
static int hessian_ok(fit_ctx *c, const double *z)
{
    int k = c->ncoef;
    if (k == 0)
        return 1;
    size_t kk = (size_t)k * (size_t)k;
    double *H = malloc(3 * kk * sizeof *H);
    lapack_int *ipiv = malloc((size_t)k * sizeof *ipiv);
    int ok = 0;
    if (!H || !ipiv)
        goto done;
    double *J = H + kk, *X = H + 2 * kk;
    double zz[ARIMA_MAX_COEF], gp[ARIMA_MAX_COEF], gm[ARIMA_MAX_COEF];
    memcpy(zz, z, (size_t)k * sizeof *zz);
    if (!c->ml) {
        /* Central differences of the exact gradient. */
        for (int i = 0; i < k; i++) {
            zz[i] = z[i] + HESS_STEP;
            gradient(c, zz, 0.0, HESS_STEP, gp);
            zz[i] = z[i] - HESS_STEP;
            gradient(c, zz, 0.0, HESS_STEP, gm);
            zz[i] = z[i];
            for (int j = 0; j < k; j++)
                H[i * k + j] = (gp[j] - gm[j]) / (2.0 * HESS_STEP);
        }
    } else {
        /* Second differences of the likelihood, k(k+1)/2 + k + 1
         * evaluations instead of optimhess's 4k^2:
         * H_ij = (f(z + h e_i + h e_j) - f(z + h e_i) - f(z + h e_j) + f(z)) / h^2. */
        const double h = HESS_STEP;
        double f0 = objective_z(c, z);
        for (int i = 0; i < k; i++) {
            zz[i] = z[i] + h;
            gp[i] = objective_z(c, zz);
            zz[i] = z[i];
        }
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                zz[i] += h;
                zz[j] += h;
                double fij = objective_z(c, zz);
                zz[i] = z[i];
                zz[j] = z[j];
                double v = (fij - gp[i] - gp[j] + f0) / (h * h);
                H[i * k + j] = H[j * k + i] = v;
            }
        }
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++) {
            double s = 0.5 * (H[i * k + j] + H[j * k + i]);
            H[i * k + j] = H[j * k + i] = s;
        }
    for (size_t i = 0; i < kk; i++)
        if (!isfinite(H[i]))
            goto done;
    /* var = J' H^-1 J with J the Jacobian of the natural coefficients
     * (identity without transformation); only the signs of its diagonal
     * matter, and they do not depend on the positive factor n.used. */
    transform_jacobian(c, z, J);
    memcpy(X, J, kk * sizeof *X);
    if (LAPACKE_dgesv(LAPACK_ROW_MAJOR, k, k, H, k, ipiv, X, k) != 0)
        goto done;
    ok = 1;
    for (int j = 0; j < k; j++) {
        double v = 0.0;
        for (int i = 0; i < k; i++)
            v += J[i * k + j] * X[i * k + j];
        if (!(v >= 0.0))
            ok = 0;
    }
done:
    free(H);
    free(ipiv);
    return ok;
}

void arima_design(const arima_problem *pb, const arima_fit *f, double *X)
{
    size_t n = pb->n;
    int col = 0;
    if (f->constant) {
        int diffs = f->o.d + f->o.D;
        for (size_t t = 0; t < n; t++)
            X[t] = diffs == 1 ? (double)(t + 1) : 1.0;
        col = 1;
    }
    for (int j = 0; j < pb->nxreg; j++)
        memcpy(X + (size_t)(col + j) * n, pb->xreg + (size_t)j * n,
               n * sizeof *X);
}

/* out[t] = sum_{j=0}^{L} c_j in[t + L - j], c_0 = 1, c_j = delta_j. */
static void apply_diff(const double *in, size_t n, const double *delta,
                       int L, double *out)
{
    for (size_t t = 0; t + (size_t)L < n; t++) {
        double v = in[t + (size_t)L];
        for (int j = 1; j <= L; j++)
            if (delta[j - 1] != 0.0)
                v += delta[j - 1] * in[t + (size_t)(L - j)];
        out[t] = v;
    }
}

int arima_ols(const double *w, const double *dX, size_t nw, int k,
                     double *beta, double *scale)
{
    size_t rows = 0;
    for (size_t t = 0; t < nw; t++)
        if (!isnan(w[t]))
            rows++;
    if (rows < (size_t)k || k == 0)
        return rows < (size_t)k ? -1 : 0;
    double *A = malloc((rows * (size_t)k + rows) * sizeof *A);
    if (!A)
        return -1;
    double *b = A + rows * (size_t)k;
    size_t r = 0;
    for (size_t t = 0; t < nw; t++) {
        if (isnan(w[t]))
            continue;
        for (int j = 0; j < k; j++)
            A[(size_t)j * rows + r] = dX[(size_t)j * nw + t];
        b[r] = w[t];
        r++;
    }
    int rc = -1;
    lapack_int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)rows,
                                    k, 1, A, (lapack_int)rows, b,
                                    (lapack_int)rows);
    if (info != 0)
        goto done;
    double rss = 0.0;
    for (size_t i = (size_t)k; i < rows; i++)
        rss += b[i] * b[i];
    for (int j = 0; j < k; j++)
        beta[j] = b[j];
    /* diag((R'R)^-1) = squared row norms of R^-1. */
    info = LAPACKE_dtrtri(LAPACK_COL_MAJOR, 'U', 'N', k, A, (lapack_int)rows);
    if (info != 0)
        goto done;
    double s2 = rows > (size_t)k ? rss / (double)(rows - (size_t)k) : (double)NAN;
    for (int j = 0; j < k; j++) {
        double v = 0.0;
        for (int i = j; i < k; i++) {
            double x = A[(size_t)i * rows + (size_t)j];
            v += x * x;
        }
        double se = sqrt(s2 * v);
        scale[j] = (isfinite(se) && se > 0.0) ? 10.0 * se : 1.0;
    }
    rc = 0;
done:
    free(A);
    return rc;
}

static int expanded_roots_ok(const arima_order *o, const double *coef,
                             double *ephi, double *etheta)
{
    double minroot = 2.0, r;
    arima_expand(o, coef, ephi, etheta);
    if (o->p + o->P > 0) {
        if (arima_min_root(ephi, arima_np(o), -1, &r) != 0)
            return 0;
        minroot = fmin(minroot, r);
    }
    if (o->q + o->Q > 0) {
        if (arima_min_root(etheta, arima_nq(o), 1, &r) != 0)
            return 0;
        minroot = fmin(minroot, r);
    }
    return minroot >= ROOT_LIMIT;
}

/* Sets up the differenced data and scratch of one fit (f: order, constant
 * and regression count). Returns 0 or -1 (no memory). */
static int ctx_init(fit_ctx *c, const arima_problem *pb, const arima_order *o,
                    const arima_fit *f)
{
    size_t n = pb->n;
    int L = o->d + o->m * o->D;
    memset(c, 0, sizeof *c);
    c->o = o;
    c->np = arima_np(o);
    c->nq = arima_nq(o);
    c->narma = f->narma;
    c->nreg = f->nreg;
    c->ncoef = c->narma + c->nreg;
    c->nw = n - (size_t)L;
    for (int i = 0; i < c->ncoef; i++)
        c->parscale[i] = 1.0;
    int r = c->np > c->nq + 1 ? c->np : c->nq + 1;
    size_t nreg = (size_t)c->nreg;
    c->mem = malloc((n * nreg + c->nw * (5 + nreg) + (size_t)c->np +
                     (size_t)c->nq + 2) * sizeof *c->mem);
    c->miss = malloc(c->nw ? c->nw : 1);
    if (!c->mem || !c->miss || arima_kalman_ws_init(&c->ws, r) != 0) {
        ctx_free(c);
        return -1;
    }
    double *X = c->mem;
    double *w = X + n * nreg;
    double *dX = w + c->nw;
    c->wres = dX + c->nw * nreg;
    c->resid = c->wres + c->nw;
    c->ephi = c->resid + c->nw;
    c->etheta = c->ephi + c->np + 1;
    c->dser = c->etheta + c->nq + 1;
    c->ubuf = c->dser + c->nw;
    c->nphilag = structural_lags(o->p, o->P, o->m, c->philag);
    c->nthetalag = structural_lags(o->q, o->Q, o->m, c->thetalag);
    c->w = w;
    c->dX = dX;

    double delta[ARIMA_MAX_M * ARIMA_MAX_SD + ARIMA_MAX_D];
    arima_diff_poly(o->d, o->D, o->m, delta);
    apply_diff(pb->y, n, delta, L, w);
    for (size_t t = 0; t < c->nw; t++)
        c->has_nan |= isnan(w[t]);
    arima_design(pb, f, X);
    for (size_t j = 0; j < nreg; j++)
        apply_diff(X + j * n, n, delta, L, dX + j * c->nw);
    return 0;
}

double arima_css_objective(const arima_problem *pb, const arima_order *o,
                           int constant, const double *coef, double *grad)
{
    arima_fit f;
    memset(&f, 0, sizeof f);
    f.o = *o;
    f.constant = constant;
    f.narma = o->p + o->q + o->P + o->Q;
    f.nreg = (constant ? 1 : 0) + pb->nxreg;
    int L = o->d + o->m * o->D;
    if (pb->n <= (size_t)L)
        return HUGE_VAL;
    fit_ctx c;
    if (ctx_init(&c, pb, o, &f) != 0)
        return HUGE_VAL;
    double v = css_eval(&c, coef, grad, NULL);
    ctx_free(&c);
    return v;
}

int arima_fit_model(const arima_problem *pb, const arima_order *o,
                    int constant, int method, double check_below,
                    arima_fit *out, hc_error *err)
{
    memset(out, 0, sizeof *out);
    out->o = *o;
    out->constant = constant;
    out->method = method;
    out->narma = o->p + o->q + o->P + o->Q;
    out->nreg = (constant ? 1 : 0) + pb->nxreg;
    out->loglik = (double)NAN;
    out->aic = out->aicc = out->bic = out->ic = HUGE_VAL;
    out->sigma2 = (double)NAN;

    size_t n = pb->n;
    int L = o->d + o->m * o->D;
    size_t nobs = 0;
    for (size_t t = 0; t < n; t++)
        if (!isnan(pb->y[t]))
            nobs++;
    if (n <= (size_t)L || nobs <= (size_t)L)
        return HC_OK;
    out->nstar = (double)(nobs - (size_t)L);

    fit_ctx c;
    if (ctx_init(&c, pb, o, out) != 0)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory fitting ARIMA");
    const double *w = c.w, *dX = c.dX;

    double z[ARIMA_MAX_COEF] = {0};
    for (int i = 0; i < c.ncoef; i++)
        c.parscale[i] = 1.0;
    if (c.nreg > 0) {
        double beta[ARIMA_MAX_COEF], scale[ARIMA_MAX_COEF];
        if (arima_ols(w, dX, c.nw, c.nreg, beta, scale) != 0)
            goto done; /* singular regression: the model cannot be fitted */
        for (int j = 0; j < c.nreg; j++) {
            c.parscale[c.narma + j] = scale[j];
            z[c.narma + j] = beta[j] / scale[j];
        }
    }

    /* CSS: from zero ARMA coefficients. */
    c.ml = 0;
    double fcss = minimise(&c, z);
    if (!isfinite(fcss))
        goto done;
    double coef[ARIMA_MAX_COEF];
    natural_coef(&c, z, coef);
    arima_kalman_out kout;

    if (method == ARIMA_CSS) {
        (void)objective_coef(&c, coef, &kout);
        double sigma2 = kout.ssq / (double)kout.nu;
        out->aic = out->nstar * log(sigma2) + 2.0 * (c.ncoef + 1);
    } else {
        const double *phi = coef, *sphi = coef + o->p + o->q;
        if (!arima_ar_stationary(phi, o->p) ||
            !arima_ar_stationary(sphi, o->P))
            goto done; /* "non-stationary AR part from CSS" */
        double tc[ARIMA_MAX_COEF];
        memcpy(tc, coef, (size_t)c.ncoef * sizeof *tc);
        if (o->p > 0 && arima_invpartrans(o->p, coef, tc) != 0)
            goto done;
        if (o->P > 0 &&
            arima_invpartrans(o->P, coef + o->p + o->q, tc + o->p + o->q) != 0)
            goto done;
        if (arima_ma_invert(o->q, tc + o->p) != 0 ||
            arima_ma_invert(o->Q, tc + o->p + o->q + o->P) != 0)
            goto done;
        for (int i = 0; i < c.ncoef; i++)
            z[i] = tc[i] / c.parscale[i];
        c.ml = 1;
        double fml = minimise(&c, z);
        if (!isfinite(fml))
            goto done;
        natural_coef(&c, z, coef);
        /* Invertible MA parts, as stats::arima leaves them. */
        double before_q[ARIMA_MAX_PQ + ARIMA_MAX_SPQ];
        memcpy(before_q, coef + o->p, (size_t)o->q * sizeof *coef);
        memcpy(before_q + o->q, coef + o->p + o->q + o->P,
               (size_t)o->Q * sizeof *coef);
        if (arima_ma_invert(o->q, coef + o->p) != 0 ||
            arima_ma_invert(o->Q, coef + o->p + o->q + o->P) != 0)
            goto done;
        int changed =
            memcmp(before_q, coef + o->p, (size_t)o->q * sizeof *coef) != 0 ||
            memcmp(before_q + o->q, coef + o->p + o->q + o->P,
                   (size_t)o->Q * sizeof *coef) != 0;
        if (changed) {
            for (int i = o->p; i < o->p + o->q; i++)
                z[i] = coef[i] / c.parscale[i];
            for (int i = o->p + o->q + o->P; i < c.narma; i++)
                z[i] = coef[i] / c.parscale[i];
        }
        if (!isfinite(objective_coef(&c, coef, &kout)))
            goto done;
        double nu = (double)kout.nu;
        double m2ll = nu * log(kout.ssq / nu) + kout.sumlog + nu +
                      nu * log(2.0 * 3.14159265358979323846);
        out->loglik = -0.5 * m2ll;
        out->aic = m2ll + 2.0 * c.ncoef + 2.0;
    }
    memcpy(out->coef, coef, (size_t)c.ncoef * sizeof *coef);
    {
        double npar = (double)(c.ncoef + 1);
        out->sigma2 = kout.ssq / (out->nstar - npar + 1.0);
        out->bic = out->aic + npar * (log(out->nstar) - 2.0);
        double den = out->nstar - npar - 1.0;
        out->aicc = den > 0.0 ? out->aic + 2.0 * npar * (npar + 1.0) / den
                              : HUGE_VAL;
        out->ic = pb->use_aic ? out->aic : out->aicc;
        if (!expanded_roots_ok(o, coef, c.ephi, c.etheta))
            out->ic = HUGE_VAL;
        if (!isfinite(out->sigma2) || out->sigma2 < 0.0)
            out->ic = HUGE_VAL;
        /* The Hessian check costs O(k^2) evaluations; a model that cannot
         * beat check_below is never chosen, so its check can wait. */
        if (isfinite(out->ic)) {
            if (out->ic < check_below) {
                if (!hessian_ok(&c, z))
                    out->ic = HUGE_VAL;
            } else {
                out->unchecked = 1;
            }
        }
    }
done:
    ctx_free(&c);
    return HC_OK;
}

int arima_final_state(const arima_problem *pb, const arima_fit *f,
                      double *state, double *ulast, hc_error *err)
{
    const arima_order *o = &f->o;
    size_t n = pb->n;
    int L = o->d + o->m * o->D;
    int np = arima_np(o), nq = arima_nq(o);
    int r = np > nq + 1 ? np : nq + 1;
    size_t nreg = (size_t)f->nreg;
    if (n <= (size_t)L)
        return HC_MODEL_CANNOT_FIT;
    size_t nw = n - (size_t)L;
    double *mem = malloc((n * (nreg + 1) + 2 * nw + (size_t)np + (size_t)nq +
                          2) * sizeof *mem);
    arima_kalman_ws ws;
    if (!mem || arima_kalman_ws_init(&ws, r) != 0) {
        free(mem);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory fitting ARIMA");
    }
    double *X = mem, *u = X + n * nreg, *w = u + n, *pred = w + nw;
    double *ephi = pred + nw, *etheta = ephi + np + 1;
    int rc = HC_MODEL_CANNOT_FIT;

    arima_design(pb, f, X);
    const double *beta = f->coef + f->narma;
    for (size_t t = 0; t < n; t++) {
        double v = pb->y[t];
        for (size_t j = 0; j < nreg; j++)
            v -= X[j * n + t] * beta[j];
        u[t] = v;
    }
    double delta[ARIMA_MAX_M * ARIMA_MAX_SD + ARIMA_MAX_D];
    arima_diff_poly(o->d, o->D, o->m, delta);
    apply_diff(u, n, delta, L, w);
    arima_expand(o, f->coef, ephi, etheta);
    arima_kalman_out kout;
    if (arima_kalman(w, nw, ephi, np, etheta, nq, &ws, &kout, NULL, pred,
                     state) != 0)
        goto done;
    /* Missing u after the first L: its one-step prediction, so that the
     * integration below continues from what the model expected. */
    for (size_t t = (size_t)L; t < n; t++) {
        if (!isnan(u[t]))
            continue;
        double v = pred[t - (size_t)L];
        for (int j = 1; j <= L; j++)
            v -= delta[j - 1] * u[t - (size_t)j];
        u[t] = v;
    }
    for (int j = 0; j < L; j++) {
        ulast[j] = u[n - (size_t)L + (size_t)j];
        if (!isfinite(ulast[j]))
            goto done;
    }
    for (int i = 0; i < r; i++)
        if (!isfinite(state[i]))
            goto done;
    rc = HC_OK;
done:
    arima_kalman_ws_free(&ws);
    free(mem);
    return rc;
}

/* ARIMA polynomials: seasonal expansion, roots, the partial-autocorrelation
 * reparametrisation of the AR part, MA root reflection and psi-weights.
 *
 * Roots: the roots z of 1 + c_1 z + ... + c_k z^k are 1/lambda for the
 * eigenvalues lambda of the companion matrix of
 * lambda^k + c_1 lambda^(k-1) + ... + c_k (substitute z = 1/lambda and
 * multiply by lambda^k); LAPACK's dgeev gives those eigenvalues.
 *
 * AR reparametrisation (Barndorff-Nielsen & Schou 1973; Jones 1980, the one
 * stats::arima uses with transform.pars = TRUE): unconstrained u_j map to
 * partial autocorrelations kappa_j = tanh(u_j) in (-1, 1), and the
 * Durbin-Levinson recursion
 *     phi^(j)_j = kappa_j,  phi^(j)_i = phi^(j-1)_i - kappa_j phi^(j-1)_(j-i)
 * turns them into the coefficients of a stationary AR(p). Inverting one
 * step: phi^(j-1)_i = (phi^(j)_i + kappa_j phi^(j)_(j-i)) / (1 - kappa_j^2). */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/arima_internal.h"

int arima_np(const arima_order *o) { return o->p + o->m * o->P; }

int arima_nq(const arima_order *o) { return o->q + o->m * o->Q; }

void arima_expand(const arima_order *o, const double *coef, double *ephi,
                  double *etheta)
{
    const double *phi = coef;
    const double *theta = coef + o->p;
    const double *sphi = theta + o->q;
    const double *stheta = sphi + o->P;
    int m = o->m;
    int np = arima_np(o), nq = arima_nq(o);

    /* (1 - sum phi_i B^i)(1 - sum Phi_j B^jm): the cross terms enter the
     * "1 - sum" form with a minus sign. */
    memset(ephi, 0, (size_t)np * sizeof *ephi);
    for (int i = 0; i < o->p; i++)
        ephi[i] = phi[i];
    for (int j = 0; j < o->P; j++) {
        ephi[(j + 1) * m - 1] += sphi[j];
        for (int i = 0; i < o->p; i++)
            ephi[(j + 1) * m + i] -= phi[i] * sphi[j];
    }
    memset(etheta, 0, (size_t)nq * sizeof *etheta);
    for (int i = 0; i < o->q; i++)
        etheta[i] = theta[i];
    for (int j = 0; j < o->Q; j++) {
        etheta[(j + 1) * m - 1] += stheta[j];
        for (int i = 0; i < o->q; i++)
            etheta[(j + 1) * m + i] += theta[i] * stheta[j];
    }
}

/* Eigenvalues of the companion matrix of lambda^k + a_1 lambda^(k-1) + ...
 * + a_k into wr, wi (k each). Returns 0 or -1. */
static int companion_eigen(const double *a, int k, double *wr, double *wi)
{
    double *h = calloc((size_t)k * (size_t)k, sizeof *h);
    if (!h)
        return -1;
    for (int j = 0; j < k; j++)
        h[j] = -a[j];
    for (int i = 1; i < k; i++)
        h[i * k + i - 1] = 1.0;
    double dummy = 0.0;
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', k, h, k, wr,
                                    wi, &dummy, 1, &dummy, 1);
    free(h);
    return info == 0 ? 0 : -1;
}

/* Largest polynomial degree: an expanded seasonal AR or MA polynomial. */
#define MAX_DEG (ARIMA_MAX_PQ + ARIMA_MAX_M * ARIMA_MAX_SPQ)

/* Smallest root modulus of 1 + sign * sum c_j z^j after dropping trailing
 * coefficients with |c| <= trim. */
static int min_root_trim(const double *c, int k, int sign, double trim,
                         double *out)
{
    int last = 0;
    for (int j = 0; j < k; j++)
        if (fabs(c[j]) > trim)
            last = j + 1;
    *out = 2.0;
    if (last == 0)
        return 0;
    double a[MAX_DEG] = {0}, wr[MAX_DEG], wi[MAX_DEG];
    if (last > MAX_DEG)
        return -1;
    for (int j = 0; j < last; j++)
        a[j] = sign * c[j];
    if (companion_eigen(a, last, wr, wi) != 0)
        return -1;
    double maxmod = 0.0;
    for (int j = 0; j < last; j++) {
        double mod = hypot(wr[j], wi[j]);
        if (!isfinite(mod))
            return -1;
        if (mod > maxmod)
            maxmod = mod;
    }
    /* lambda = 0 cannot occur (the last coefficient is nonzero), but keep
     * the result finite regardless. */
    *out = maxmod > 0.0 ? 1.0 / maxmod : HUGE_VAL;
    return 0;
}

int arima_min_root(const double *c, int k, int sign, double *out)
{
    return min_root_trim(c, k, sign, 1e-8, out);
}

int arima_ar_stationary(const double *ar, int p)
{
    double mr;
    if (p == 0)
        return 1;
    if (min_root_trim(ar, p, -1, 0.0, &mr) != 0)
        return 0;
    return mr > 1.0;
}

void arima_partrans(int p, const double *raw, double *ar)
{
    double prev[ARIMA_MAX_PQ + 1];
    for (int j = 0; j < p; j++)
        ar[j] = tanh(raw[j]);
    for (int j = 1; j < p; j++) {
        double kappa = ar[j];
        memcpy(prev, ar, (size_t)j * sizeof *prev);
        for (int i = 0; i < j; i++)
            ar[i] = prev[i] - kappa * prev[j - 1 - i];
    }
}

int arima_invpartrans(int p, const double *ar, double *raw)
{
    double cur[ARIMA_MAX_PQ + 1], prev[ARIMA_MAX_PQ + 1];
    memcpy(cur, ar, (size_t)p * sizeof *cur);
    for (int j = p - 1; j >= 1; j--) {
        double kappa = cur[j];
        if (!(fabs(kappa) < 1.0))
            return -1;
        memcpy(prev, cur, (size_t)j * sizeof *prev);
        double s = 1.0 - kappa * kappa;
        for (int i = 0; i < j; i++)
            cur[i] = (prev[i] + kappa * prev[j - 1 - i]) / s;
    }
    for (int j = 0; j < p; j++) {
        if (!(fabs(cur[j]) < 1.0))
            return -1;
        raw[j] = atanh(cur[j]);
    }
    return 0;
}

int arima_ma_invert(int q, double *theta)
{
    int last = 0;
    for (int j = 0; j < q; j++)
        if (theta[j] != 0.0)
            last = j + 1;
    if (last == 0)
        return 0;
    double wr[ARIMA_MAX_PQ + 1], wi[ARIMA_MAX_PQ + 1];
    if (last > ARIMA_MAX_PQ)
        return -1;
    /* lambda = 1/z: a root inside the unit circle has |lambda| > 1. */
    if (companion_eigen(theta, last, wr, wi) != 0)
        return -1;
    int inside = 0;
    for (int j = 0; j < last; j++)
        if (hypot(wr[j], wi[j]) > 1.0)
            inside = 1;
    if (!inside)
        return 0;
    if (last == 1) {
        theta[0] = 1.0 / theta[0];
        return 0;
    }
    /* Reflect (z -> 1/z is lambda -> 1/lambda) and rebuild
     * prod_j (1 - lambda_j z), which has constant term 1. */
    double cr[ARIMA_MAX_PQ + 2] = {1.0}, ci[ARIMA_MAX_PQ + 2] = {0.0};
    for (int j = 0; j < last; j++) {
        double lr = wr[j], li = wi[j];
        double mod2 = lr * lr + li * li;
        if (mod2 > 1.0) {
            lr = lr / mod2;
            li = -li / mod2;
        }
        for (int i = j + 1; i >= 1; i--) {
            /* c_i -= lambda * c_(i-1) */
            double pr = cr[i - 1], pi = ci[i - 1];
            cr[i] -= lr * pr - li * pi;
            ci[i] -= lr * pi + li * pr;
        }
    }
    for (int j = 0; j < last; j++)
        theta[j] = cr[j + 1];
    return 0;
}

void arima_psi(const double *phi, int np, const double *theta, int nq,
               double *psi, size_t n)
{
    if (n == 0)
        return;
    psi[0] = 1.0;
    for (size_t j = 1; j < n; j++) {
        double v = (int)j <= nq ? theta[j - 1] : 0.0;
        size_t top = j < (size_t)np ? j : (size_t)np;
        for (size_t i = 1; i <= top; i++)
            v += phi[i - 1] * psi[j - i];
        psi[j] = v;
    }
}

void arima_diff_poly(int d, int D, int m, double *delta)
{
    int L = d + m * D;
    /* c holds 1 + sum delta_j B^j while the factors are multiplied in. */
    double poly[ARIMA_MAX_M * ARIMA_MAX_SD + ARIMA_MAX_D + 1];
    memset(poly, 0, (size_t)(L + 1) * sizeof *poly);
    poly[0] = 1.0;
    int deg = 0;
    for (int k = 0; k < d; k++) {
        for (int i = deg + 1; i >= 1; i--)
            poly[i] -= poly[i - 1];
        deg += 1;
    }
    for (int k = 0; k < D; k++) {
        for (int i = deg + m; i >= m; i--)
            poly[i] -= poly[i - m];
        deg += m;
    }
    for (int j = 1; j <= L; j++)
        delta[j - 1] = poly[j];
}

/* ETS forecasts: point forecasts, analytic variances (classes 1 and 2 of
 * Hyndman et al. 2008, chapter 6) and seeded sample paths for the others.
 * See ets_internal.h. */
#include <math.h>
#include <string.h>

#include "core/detmath.h"
#include "models/ets_internal.h"
#include "models/models_internal.h"

void hc_ets_point_forecast(const hc_ets_spec *spec, const hc_ets_par *par,
                           const double *xn, size_t h, double *f)
{
    double l = xn[0];
    double b = spec->trend ? xn[1] : 0.0;
    const double *s = xn + 1 + (spec->trend != HC_ETS_NONE);
    double phi = spec->trend && spec->damped ? par->phi : 1.0;
    int m = spec->season ? spec->m : 1;
    /* phistar = phi + phi^2 + ... + phi^h (h for an undamped trend). */
    double phistar = 0.0, phipow = 1.0;
    for (size_t i = 0; i < h; i++) {
        phipow *= phi;
        phistar += phipow;
        double v = spec->trend ? l + phistar * b : l;
        if (spec->season) {
            /* Step i+1 uses the season of time n+i+1-m: s_{m-1-(i mod m)}. */
            double sv = s[m - 1 - (int)(i % (size_t)m)];
            v = spec->season == HC_ETS_ADD ? v + sv : v * sv;
        }
        f[i] = v;
    }
}

/* c_j = alpha + beta (phi + ... + phi^j) + gamma [j mod m == 0]
 * (Hyndman et al. 2008, table 6.2), phistar = phi + ... + phi^j. */
static double c_j(const hc_ets_spec *spec, const hc_ets_par *par,
                  double phistar, size_t j, int m)
{
    double c = par->alpha;
    if (spec->trend)
        c += par->beta * phistar;
    if (spec->season && j % (size_t)m == 0)
        c += par->gamma;
    return c;
}

int hc_ets_analytic_variance(const hc_ets_spec *spec, const hc_ets_par *par,
                             double sigma2, const double *f, size_t h,
                             double *var)
{
    if (spec->season == HC_ETS_MULT)
        return 1;
    double phi = spec->trend && spec->damped ? par->phi : 1.0;
    int m = spec->season ? spec->m : 1;
    /* var_h = sigma2 (1 + sum_{j<h} c_j^2) for class 1. For class 2,
     * theta_1 = mu_1^2, theta_h = mu_h^2 + sigma2 sum_{j<h} c_j^2
     * theta_{h-j}, var_h = (1 + sigma2) theta_h - mu_h^2 (section 6.4).
     * var[] holds theta_h while it is built. */
    if (spec->error == HC_ETS_ADD) {
        double acc = 1.0, phistar = 0.0, phipow = 1.0;
        for (size_t i = 0; i < h; i++) {
            var[i] = sigma2 * acc;
            size_t j = i + 1;
            phipow *= phi;
            phistar += phipow;
            double c = c_j(spec, par, phistar, j, m);
            acc += c * c;
        }
        return 0;
    }
    /* theta_h needs theta_1..theta_{h-1}, already in var[]; the c_j are
     * recomputed in the inner loop (h is at most 500: the O(h^2) work is
     * small next to fitting). */
    for (size_t i = 0; i < h; i++) {
        double theta = f[i] * f[i];
        double phistar = 0.0, phipow = 1.0;
        for (size_t j = 1; j <= i; j++) {
            phipow *= phi;
            phistar += phipow;
            double c = c_j(spec, par, phistar, j, m);
            theta += sigma2 * c * c * var[i - j];
        }
        var[i] = theta;
    }
    for (size_t i = 0; i < h; i++)
        var[i] = (1.0 + sigma2) * var[i] - f[i] * f[i];
    return 0;
}

/* ---------------------------------------------------------- simulation */

/* Quantile type 8 of Hyndman & Fan (1996), as R's quantile(type = 8):
 * with order statistics x_(1) <= ... <= x_(n), position
 * p' = 1/3 + tau (n + 1/3), j = floor(p'), g = p' - j, and
 * Q = (1 - g) x_(j) + g x_(j+1), where x_(0) = x_(1) and x_(n+1) = x_(n).
 * v is reordered. */
double hc_ets_quantile_type8(double *v, size_t n, double tau)
{
    double pos = 1.0 / 3.0 + tau * ((double)n + 1.0 / 3.0);
    double fj = floor(pos + 4.0 * 2.220446049250313e-16);
    double g = pos - fj;
    if (fabs(g) < 4.0 * 2.220446049250313e-16)
        g = 0.0;
    long j = (long)fj; /* 1-based */
    size_t lo = j < 1 ? 0 : (size_t)(j - 1);
    if (lo > n - 1)
        lo = n - 1;
    hc_models_select(v, n, lo);
    double xlo = v[lo];
    if (g == 0.0 || j < 1 || (size_t)j >= n)
        return xlo;
    double xhi = hc_models_next_smallest(v, n, lo); /* x_(j+1) */
    return (1.0 - g) * xlo + g * xhi;
}

size_t hc_ets_sim_work_size(const hc_ets_spec *spec)
{
    return HC_ETS_NPATHS * (size_t)(3 + (spec->season ? spec->m : 0));
}

void hc_ets_simulate_quantiles(const hc_ets_spec *spec,
                               const hc_ets_par *par, double sigma2,
                               const double *xn, size_t h, uint64_t seed,
                               const double *tau, size_t ntau, double *q,
                               double *work)
{
    const size_t np = HC_ETS_NPATHS;
    double sigma = sqrt(sigma2 > 0.0 ? sigma2 : 0.0);
    int m = spec->season ? spec->m : 1;
    double phi = spec->trend && spec->damped ? par->phi : 1.0;
    int pos = 1 + (spec->trend != HC_ETS_NONE);
    /* The paths advance together, one step at a time, so that memory does
     * not grow with the horizon: per path a level, a trend and a ring of
     * seasonal states (ring[j] for future times congruent to j mod m, time
     * 1 the first forecast step, as in the fitting recursion), plus the
     * step's simulated values. */
    double *lv = work, *bv = work + np, *vals = work + 2 * np;
    double *rings = work + 3 * np;
    for (size_t p = 0; p < np; p++) {
        lv[p] = xn[0];
        bv[p] = spec->trend ? xn[1] : 0.0;
        if (spec->season) {
            const double *s = xn + pos;
            double *ring = rings + p * (size_t)m;
            ring[0] = s[0];
            for (int j = 1; j < m; j++)
                ring[j] = s[m - j];
        }
    }
    hc_rng g;
    hc_rng_seed(&g, seed, 0x45545330ull /* "ETS0" */);
    int k = spec->season ? 1 % m : 0;
    for (size_t i = 0; i < h; i++) {
        for (size_t p = 0; p < np; p++) {
            double *ring = rings + p * (size_t)m;
            double l = lv[p], b = bv[p];
            double qv = spec->trend ? l + phi * b : l;
            double sold = spec->season ? ring[k] : 0.0;
            double f = spec->season == HC_ETS_ADD    ? qv + sold
                       : spec->season == HC_ETS_MULT ? qv * sold
                                                     : qv;
            double e = sigma * hc_rng_normal(&g);
            double y;
            if (spec->error == HC_ETS_ADD) {
                y = f + e;
            } else {
                /* R's simulate.ets keeps 1 + e >= 0. */
                if (e < -1.0)
                    e = -1.0;
                y = f * (1.0 + e);
            }
            /* NaN would break the ordering the quantiles need. */
            vals[p] = isnan(y) ? HUGE_VAL : y;
            double pp;
            if (spec->season == HC_ETS_NONE)
                pp = y;
            else if (spec->season == HC_ETS_ADD)
                pp = y - sold;
            else
                pp = fabs(sold) < 1e-10 ? 1e10 : y / sold;
            double d = pp - qv;
            lv[p] = qv + par->alpha * d;
            if (spec->trend)
                bv[p] = phi * b + par->beta * d;
            if (spec->season) {
                double tt;
                if (spec->season == HC_ETS_ADD)
                    tt = y - qv;
                else
                    tt = fabs(qv) < 1e-10 ? 1e10 : y / qv;
                ring[k] = sold + par->gamma * (tt - sold);
            }
        }
        if (spec->season && ++k == m)
            k = 0;
        for (size_t k2 = 0; k2 < ntau; k2++)
            q[k2 * h + i] = hc_ets_quantile_type8(vals, np, tau[k2]);
    }
}

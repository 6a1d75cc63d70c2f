/* Nelder-Mead simplex minimisation in the variant of J. C. Nash, "Compact
 * Numerical Methods for Computers" (2nd ed., 1990), Algorithm 19, with the
 * settings R's forecast::ets uses (those of R's optim(method =
 * "Nelder-Mead")): reflection 1, contraction 0.5, expansion 2, relative
 * tolerance sqrt(DBL_EPSILON) on the criterion, no absolute tolerance, at
 * most 2000 function evaluations.
 *
 * Why not nlopt's Nelder-Mead (ENGINEERING.md prefers a library): the ETS
 * likelihood is flat in places and bounded by a feasible region that the
 * objective marks with a huge value, so where the search ends depends on the
 * variant. nlopt's projects points onto the box bounds, which collapses the
 * simplex on a bound (alpha = 0.9999) and stops early on a worse optimum;
 * Nash's variant, which R uses, keeps the simplex full-dimensional. On M4
 * Weekly it chose R's model on more series and matched R's forecasts far
 * more often (see benchmarks/ets_check.c and the report in the docs).
 *
 * The variant's particulars:
 * - starting simplex: x0 and x0 + s e_i, s = 10% of the largest |x0_i|
 *   (0.1 when all are 0), s grown tenfold while x0_i + s == x0_i;
 * - each step reflects the worst vertex H through the centroid of the
 *   others; a reflection better than the best vertex L is tried twice as
 *   far (expansion) and the better of the two kept; otherwise a reflection
 *   better than H replaces it, then the point halfway between H and the
 *   centroid is tried (contraction) and kept if better than H; when neither
 *   the reflection nor the contraction improved on H, every vertex moves
 *   halfway to L (shrink), and the search stops if that does not reduce the
 *   simplex's size (the sum of |x_j - x_L| over vertices and coordinates);
 * - it stops when f(H) <= f(L) + reltol (|f(x0)| + reltol), or after
 *   maxit evaluations; non-finite values count as 1e35;
 * - ties keep the earlier lowest vertex, and H starts at L. */
#include <math.h>
#include <string.h>

#include "models/ets_internal.h"

#define NM_BIG 1e35
#define NM_ALPHA 1.0
#define NM_BETA 0.5
#define NM_GAMMA 2.0

static double eval(hc_ets_fn fn, void *ctx, const double *x, int *evals)
{
    double f = fn(x, ctx);
    (*evals)++;
    return isfinite(f) ? f : NM_BIG;
}

int hc_ets_nelder_mead(hc_ets_fn fn, void *ctx, double *x, int n, double f0,
                       int maxit, double reltol, double *fmin, int *evals)
{
    if (n < 1 || n > HC_ETS_MAX_PAR || !isfinite(f0))
        return 1;
    double p[HC_ETS_MAX_PAR + 1][HC_ETS_MAX_PAR]; /* vertices */
    double v[HC_ETS_MAX_PAR + 1];                 /* their values */
    double cen[HC_ETS_MAX_PAR], tr[HC_ETS_MAX_PAR], tr2[HC_ETS_MAX_PAR];
    int ne = 1; /* f0 was one evaluation */
    double convtol = reltol * (fabs(f0) + reltol);

    memcpy(p[0], x, (size_t)n * sizeof **p);
    v[0] = f0;
    double step = 0.0;
    for (int i = 0; i < n; i++)
        if (0.1 * fabs(x[i]) > step)
            step = 0.1 * fabs(x[i]);
    if (step == 0.0)
        step = 0.1;
    double size = 0.0;
    for (int j = 1; j <= n; j++) {
        memcpy(p[j], x, (size_t)n * sizeof **p);
        double s = step;
        /* Grow the step until it moves the coordinate; the size measure
         * counts the last step tried times ten (Nash's bookkeeping). */
        do {
            p[j][j - 1] = x[j - 1] + s;
            s *= 10.0;
        } while (p[j][j - 1] == x[j - 1]);
        size += s;
    }
    double oldsize = size;
    int recompute = 1;
    int lo = 0;
    for (;;) {
        if (recompute) {
            for (int j = 0; j <= n; j++)
                if (j != lo)
                    v[j] = eval(fn, ctx, p[j], &ne);
            recompute = 0;
        }
        double vl = v[lo], vh = vl;
        int hi = lo;
        for (int j = 0; j <= n; j++) {
            if (j == lo)
                continue;
            if (v[j] < vl) {
                lo = j;
                vl = v[j];
            }
            if (v[j] > vh) {
                hi = j;
                vh = v[j];
            }
        }
        if (vh <= vl + convtol)
            break;

        for (int i = 0; i < n; i++) {
            double s = -p[hi][i];
            for (int j = 0; j <= n; j++)
                s += p[j][i];
            cen[i] = s / n;
        }
        for (int i = 0; i < n; i++)
            tr[i] = (1.0 + NM_ALPHA) * cen[i] - NM_ALPHA * p[hi][i];
        double vr = eval(fn, ctx, tr, &ne);
        if (vr < vl) {
            for (int i = 0; i < n; i++)
                tr2[i] = NM_GAMMA * tr[i] + (1.0 - NM_GAMMA) * cen[i];
            double ve = eval(fn, ctx, tr2, &ne);
            if (ve < vr) {
                memcpy(p[hi], tr2, (size_t)n * sizeof **p);
                v[hi] = ve;
            } else {
                memcpy(p[hi], tr, (size_t)n * sizeof **p);
                v[hi] = vr;
            }
        } else {
            if (vr < vh) {
                memcpy(p[hi], tr, (size_t)n * sizeof **p);
                v[hi] = vr;
            }
            for (int i = 0; i < n; i++)
                tr2[i] = (1.0 - NM_BETA) * p[hi][i] + NM_BETA * cen[i];
            double vc = eval(fn, ctx, tr2, &ne);
            if (vc < v[hi]) {
                memcpy(p[hi], tr2, (size_t)n * sizeof **p);
                v[hi] = vc;
            } else if (vr >= vh) {
                size = 0.0;
                for (int j = 0; j <= n; j++) {
                    if (j == lo)
                        continue;
                    for (int i = 0; i < n; i++) {
                        p[j][i] = NM_BETA * (p[j][i] - p[lo][i]) + p[lo][i];
                        size += fabs(p[j][i] - p[lo][i]);
                    }
                }
                recompute = 1;
                if (!(size < oldsize))
                    break;
                oldsize = size;
            }
        }
        if (ne > maxit)
            break;
    }
    memcpy(x, p[lo], (size_t)n * sizeof *x);
    *fmin = v[lo];
    *evals = ne;
    return 0;
}

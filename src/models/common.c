/* Helpers several model files share. */
#include <math.h>

#include "models/models_internal.h"

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

void hc_models_select(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three to v[mid] */
        if (v[mid] < v[lo])
            swap_d(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap_d(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap_d(&v[hi], &v[mid]);
        double pivot = v[mid];
        size_t i = lo, j = hi;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i >= j)
                break;
            swap_d(&v[i], &v[j]);
            i++;
            j--;
        }
        /* v[lo..j] <= pivot <= v[j+1..hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
}

double hc_models_next_smallest(const double *v, size_t n, size_t k)
{
    double x = v[k + 1];
    for (size_t i = k + 2; i < n; i++)
        if (v[i] < x)
            x = v[i];
    return x;
}

int hc_models_is_constant(const double *x, size_t n)
{
    /* all.equal(x, rep(x[1], n)): NA positions must agree, then the mean
     * absolute difference relative to the mean absolute value (when that
     * exceeds the tolerance) must not exceed 1.5e-8. */
    if (n == 0)
        return 1;
    int first_na = isnan(x[0]);
    for (size_t i = 1; i < n; i++)
        if (isnan(x[i]) != first_na)
            return 0;
    if (first_na)
        return 1;
    double sd = 0.0, sa = 0.0;
    for (size_t i = 0; i < n; i++) {
        sd += fabs(x[i] - x[0]);
        sa += fabs(x[i]);
    }
    double xy = sd / (double)n, xn = sa / (double)n;
    const double tol = 1.5e-8;
    if (isfinite(xn) && xn > tol)
        xy /= xn;
    return xy <= tol;
}

/* The M3 / M4 competitions' per-series scores, shared by m3_accuracy,
 * m4_accuracy and test_m3 (header-only, static).
 *
 * sMAPE = 200/h * sum |y - f| / (|y| + |f|), a term with |y| + |f| = 0
 * counting 0. The MASE scale is the in-sample mean absolute error of the
 * seasonal naive forecast with period m, NaN when the training part has no
 * more than m values (the competitions' rule; the library's hc_mase_scale
 * falls back to lag 1 instead, as Amazon's MASE does). */
#ifndef HC_BENCH_SCORES_H
#define HC_BENCH_SCORES_H

#include <math.h>
#include <stddef.h>

static inline double bench_smape(const double *y, const double *f, size_t h)
{
    double sum = 0.0;
    for (size_t t = 0; t < h; t++) {
        double d = fabs(y[t]) + fabs(f[t]);
        if (d > 0.0)
            sum += fabs(y[t] - f[t]) / d;
    }
    return 200.0 * sum / (double)h;
}

static inline double bench_mase_scale(const double *y, size_t n, int m)
{
    size_t mm = (size_t)m;
    if (n <= mm)
        return (double)NAN;
    double sum = 0.0;
    for (size_t t = mm; t < n; t++)
        sum += fabs(y[t] - y[t - mm]);
    return sum / (double)(n - mm);
}

#endif

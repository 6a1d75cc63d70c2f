/* ARIMA differencing decisions (forecast 8.20's defaults) and Fourier terms.
 *
 * d: forecast::ndiffs with the KPSS test (Kwiatkowski, Phillips, Schmidt &
 * Shin 1992) for level stationarity at alpha = 0.05: difference while the
 * test rejects, at most max.d = 2 times. The statistic is
 *     eta = sum_t S_t^2 / (n^2 s^2(l)),  S_t = sum_{i<=t} (x_i - mean x),
 *     s^2(l) = (1/n) sum e_t^2 + (2/n) sum_{k=1}^{l} (1 - k/(l+1)) sum_t e_t e_{t-k}
 * with l = trunc(3 sqrt(n) / 13) lags (ndiffs' choice), and its p-value is
 * interpolated linearly in the table of the paper's level-case critical
 * values (0.347, 0.463, 0.574, 0.739 at 10%, 5%, 2.5%, 1%), clamped to the
 * table's ends as urca/ndiffs do.
 *
 * D: forecast::nsdiffs with the "seas" heuristic: one seasonal difference
 * when the seasonal strength 1 - var(R) / var(S + R) of an STL decomposition
 * (as forecast::mstl makes it for one period: s.window = 11) exceeds 0.64.
 *
 * STL follows Cleveland, Cleveland, McRae & Terpenning (1990), J. Official
 * Statistics 6(1): inner loop of detrending, cycle-subseries loess (each
 * subseries extended by one point at both ends), low-pass filter (moving
 * averages of m, m, 3 then loess), detrended seasonal, deseasonalising and
 * trend loess; no robustness iterations (R's default robust = FALSE: two
 * inner passes). Loess fits are made every `jump` points and linearly
 * interpolated in between, with tricube weights over the q nearest points
 * (the neighbourhood distance grows by (q - n) / 2 when q exceeds n) and a
 * local line for degree 1. The windows are R's stl() defaults. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/error.h"
#include "models/arima_internal.h"
#include "models/models_internal.h"

double arima_kpss_stat(const double *x, size_t n, int lags)
{
    if (n < 2)
        return (double)NAN;
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    double s = 0.0, eta = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = x[i] - mean;
        s += e;
        eta += s * s;
        s2 += e * e;
    }
    double dn = (double)n;
    eta /= dn * dn;
    s2 /= dn;
    for (int k = 1; k <= lags && (size_t)k < n; k++) {
        double c = 0.0;
        for (size_t t = (size_t)k; t < n; t++)
            c += (x[t] - mean) * (x[t - (size_t)k] - mean);
        s2 += 2.0 / dn * (1.0 - (double)k / (double)(lags + 1)) * c;
    }
    if (!(s2 > 0.0))
        return (double)NAN;
    return eta / s2;
}

double arima_kpss_pvalue(double stat)
{
    static const double cval[4] = {0.347, 0.463, 0.574, 0.739};
    static const double pval[4] = {0.10, 0.05, 0.025, 0.01};
    if (isnan(stat))
        return (double)NAN;
    if (stat <= cval[0])
        return pval[0];
    if (stat >= cval[3])
        return pval[3];
    for (int i = 0; i < 3; i++)
        if (stat <= cval[i + 1]) {
            double f = (stat - cval[i]) / (cval[i + 1] - cval[i]);
            return pval[i] + f * (pval[i + 1] - pval[i]);
        }
    return pval[3];
}

/* 1: difference, 0: do not, -1: the test could not be computed. */
static int kpss_says_difference(const double *x, size_t n, double alpha)
{
    int lags = (int)trunc(3.0 * sqrt((double)n) / 13.0);
    double pv = arima_kpss_pvalue(arima_kpss_stat(x, n, lags));
    if (isnan(pv))
        return -1;
    return pv < alpha;
}

int arima_ndiffs(const double *x, size_t n, double alpha, int max_d)
{
    if (alpha < 0.01)
        alpha = 0.01;
    if (alpha > 0.1)
        alpha = 0.1;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return HC_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[k++] = x[i];
    int d = 0;
    if (hc_models_is_constant(v, k))
        goto done;
    int dodiff = kpss_says_difference(v, k, alpha);
    if (dodiff < 0)
        goto done;
    while (dodiff && d < max_d) {
        d++;
        for (size_t i = 0; i + 1 < k; i++)
            v[i] = v[i + 1] - v[i];
        k = k ? k - 1 : 0;
        if (hc_models_is_constant(v, k))
            goto done;
        dodiff = kpss_says_difference(v, k, alpha);
        if (dodiff < 0) {
            d--;
            goto done;
        }
    }
done:
    free(v);
    return d;
}

/* ------------------------------------------------------------------ STL */

/* Local fit at abscissa xs (1-based positions) over y[nleft..nright]
 * (1-based, inclusive) with window len and degree deg. Returns 1 and sets
 * *out, or 0 when every weight is zero. w: scratch of n + 1. */
static int loess_est(const double *y, int n, int len, int deg, double xs,
                     int nleft, int nright, double *w, double *out)
{
    double range = (double)n - 1.0;
    double h = fmax(xs - (double)nleft, (double)nright - xs);
    if (len > n)
        h += (double)((len - n) / 2);
    double h9 = 0.999 * h, h1 = 0.001 * h;
    double a = 0.0;
    for (int j = nleft; j <= nright; j++) {
        double r = fabs((double)j - xs);
        double wj = 0.0;
        if (r <= h9) {
            if (r <= h1) {
                wj = 1.0;
            } else {
                double u = r / h;
                u = 1.0 - u * u * u;
                wj = u * u * u;
            }
        }
        w[j] = wj;
        a += wj;
    }
    if (a <= 0.0)
        return 0;
    for (int j = nleft; j <= nright; j++)
        w[j] /= a;
    if (h > 0.0 && deg > 0) {
        /* Weighted local line: reweight so that the weights reproduce it. */
        double c = 0.0;
        a = 0.0;
        for (int j = nleft; j <= nright; j++)
            a += w[j] * (double)j;
        double b = xs - a;
        for (int j = nleft; j <= nright; j++) {
            double dj = (double)j - a;
            c += w[j] * dj * dj;
        }
        if (sqrt(c) > 0.001 * range) {
            b /= c;
            for (int j = nleft; j <= nright; j++)
                w[j] *= b * ((double)j - a) + 1.0;
        }
    }
    double v = 0.0;
    for (int j = nleft; j <= nright; j++)
        v += w[j] * y[j];
    *out = v;
    return 1;
}

/* Loess smooth of y[1..n] into ys[1..n] (1-based arrays), fitted every
 * `jump` points and linearly interpolated. w: scratch of n + 1. */
static void loess_smooth(const double *y, int n, int len, int deg, int jump,
                         double *ys, double *w)
{
    if (n < 2) {
        ys[1] = y[1];
        return;
    }
    int nj = jump < n - 1 ? jump : n - 1;
    if (nj < 1)
        nj = 1;
    int nleft = 1, nright = n;
    if (len >= n) {
        for (int i = 1; i <= n; i += nj)
            if (!loess_est(y, n, len, deg, (double)i, 1, n, w, &ys[i]))
                ys[i] = y[i];
    } else if (nj == 1) {
        int nsh = (len + 1) / 2;
        nleft = 1;
        nright = len;
        for (int i = 1; i <= n; i++) {
            if (i > nsh && nright != n) {
                nleft++;
                nright++;
            }
            if (!loess_est(y, n, len, deg, (double)i, nleft, nright, w,
                           &ys[i]))
                ys[i] = y[i];
        }
    } else {
        int nsh = (len + 1) / 2;
        for (int i = 1; i <= n; i += nj) {
            if (i < nsh) {
                nleft = 1;
                nright = len;
            } else if (i >= n - nsh + 1) {
                nleft = n - len + 1;
                nright = n;
            } else {
                nleft = i - nsh + 1;
                nright = len + i - nsh;
            }
            if (!loess_est(y, n, len, deg, (double)i, nleft, nright, w,
                           &ys[i]))
                ys[i] = y[i];
        }
    }
    if (nj == 1)
        return;
    for (int i = 1; i <= n - nj; i += nj) {
        double delta = (ys[i + nj] - ys[i]) / (double)nj;
        for (int j = i + 1; j < i + nj; j++)
            ys[j] = ys[i] + delta * (double)(j - i);
    }
    int k = ((n - 1) / nj) * nj + 1;
    if (k != n) {
        /* The last point is fitted too (with the last window used above,
         * which is the rightmost one), then the gap interpolated. */
        if (!loess_est(y, n, len, deg, (double)n, nleft, nright, w, &ys[n]))
            ys[n] = y[n];
        if (k != n - 1) {
            double delta = (ys[n] - ys[k]) / (double)(n - k);
            for (int j = k + 1; j < n; j++)
                ys[j] = ys[k] + delta * (double)(j - k);
        }
    }
}

/* Moving average of length len of x[1..n] into ave[1..n-len+1]. */
static void moving_average(const double *x, int n, int len, double *ave)
{
    int newn = n - len + 1;
    double v = 0.0;
    for (int i = 1; i <= len; i++)
        v += x[i];
    ave[1] = v / (double)len;
    for (int j = 2; j <= newn; j++) {
        v = v - x[j - 1] + x[j + len - 1];
        ave[j] = v / (double)len;
    }
}

typedef struct stl_ws {
    double *w;      /* loess weights, n + 2 np + 1 */
    double *sub;    /* one cycle-subseries, 1-based */
    double *subs;   /* its smooth, extended: 0..k+1 -> indices 1..k+2 */
    double *c;      /* cycle-subseries smooths, n + 2 np */
    double *t1, *t2;/* low-pass scratch */
    double *lp;     /* low-pass result */
    double *work;   /* y - trend, y - seasonal */
} stl_ws;

static int nextodd(double x)
{
    int v = (int)lround(x);
    if (v % 2 == 0)
        v++;
    return v;
}

int arima_stl(const double *x, size_t nn, int np, int s_window,
              double *seasonal, double *trend)
{
    int n = (int)nn;
    int ns = s_window, nt, nl;
    int isdeg = 0, itdeg = 1, ildeg = 1;
    nt = nextodd(ceil(1.5 * np / (1.0 - 1.5 / (double)ns)));
    nl = nextodd((double)np);
    int nsjump = (int)ceil(ns / 10.0), ntjump = (int)ceil(nt / 10.0),
        nljump = (int)ceil(nl / 10.0);
    /* Windows are odd and at least 3; the period at least 2. */
    if (ns < 3)
        ns = 3;
    if (ns % 2 == 0)
        ns++;
    if (nt < 3)
        nt = 3;
    if (nt % 2 == 0)
        nt++;
    if (nl < 3)
        nl = 3;
    if (nl % 2 == 0)
        nl++;
    if (np < 2)
        np = 2;

    int total = n + 2 * np;
    size_t sz = (size_t)total + 2;
    double *mem = calloc(8 * sz, sizeof *mem);
    if (!mem)
        return HC_ERR_NOMEM;
    stl_ws ws = {mem, mem + sz, mem + 2 * sz, mem + 3 * sz, mem + 4 * sz,
                 mem + 5 * sz, mem + 6 * sz, mem + 7 * sz};
    double *y = ws.work; /* 1-based */

    for (int i = 0; i < n; i++)
        trend[i] = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        /* 1. Detrend. */
        for (int i = 1; i <= n; i++)
            y[i] = x[i - 1] - trend[i - 1];
        /* 2. Cycle-subseries smoothing into c[1..n+2np]. */
        for (int j = 1; j <= np; j++) {
            int k = (n - j) / np + 1;
            for (int i = 1; i <= k; i++)
                ws.sub[i] = y[(i - 1) * np + j];
            loess_smooth(ws.sub, k, ns, isdeg, nsjump, ws.subs + 1, ws.w);
            /* ws.subs[2..k+1] now hold the smooth; extend both ends. */
            int nright = ns < k ? ns : k;
            if (!loess_est(ws.sub, k, ns, isdeg, 0.0, 1, nright, ws.w,
                           &ws.subs[1]))
                ws.subs[1] = ws.subs[2];
            int nleft = k - ns + 1 > 1 ? k - ns + 1 : 1;
            if (!loess_est(ws.sub, k, ns, isdeg, (double)(k + 1), nleft, k,
                           ws.w, &ws.subs[k + 2]))
                ws.subs[k + 2] = ws.subs[k + 1];
            for (int mm = 1; mm <= k + 2; mm++)
                ws.c[(mm - 1) * np + j] = ws.subs[mm];
        }
        /* 3. Low-pass filter of c: MA(np), MA(np), MA(3), loess. */
        moving_average(ws.c, total, np, ws.t1);
        moving_average(ws.t1, total - np + 1, np, ws.t2);
        moving_average(ws.t2, total - 2 * np + 2, 3, ws.t1);
        loess_smooth(ws.t1, n, nl, ildeg, nljump, ws.lp, ws.w);
        /* 4-5. Detrended seasonal; deseasonalise. */
        for (int i = 1; i <= n; i++) {
            seasonal[i - 1] = ws.c[np + i] - ws.lp[i];
            y[i] = x[i - 1] - seasonal[i - 1];
        }
        /* 6. Trend smoothing. */
        loess_smooth(y, n, nt, itdeg, ntjump, ws.t1, ws.w);
        for (int i = 1; i <= n; i++)
            trend[i - 1] = ws.t1[i];
    }
    free(mem);
    return 0;
}

/* Linear interpolation of missing values (ends: nearest observed value). */
static void fill_missing(double *v, size_t n)
{
    size_t prev = n;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            continue;
        if (prev == n) {
            for (size_t j = 0; j < i; j++)
                v[j] = v[i];
        } else if (i > prev + 1) {
            double step = (v[i] - v[prev]) / (double)(i - prev);
            for (size_t j = prev + 1; j < i; j++)
                v[j] = v[prev] + step * (double)(j - prev);
        }
        prev = i;
    }
    if (prev != n)
        for (size_t j = prev + 1; j < n; j++)
            v[j] = v[prev];
}

static double variance(const double *v, size_t n)
{
    if (n < 2)
        return (double)NAN;
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += v[i];
    mean /= (double)n;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - mean) * (v[i] - mean);
    return s / (double)(n - 1);
}

double arima_seasonal_strength(const double *x, size_t n, int m, int *status)
{
    *status = HC_OK;
    if (m < 2 || n <= 2 * (size_t)m)
        return (double)NAN;
    double *buf = malloc(4 * n * sizeof *buf);
    if (!buf) {
        *status = HC_ERR_NOMEM;
        return (double)NAN;
    }
    double *v = buf, *seas = buf + n, *tr = buf + 2 * n, *rem = buf + 3 * n;
    memcpy(v, x, n * sizeof *v);
    fill_missing(v, n);
    double out = (double)NAN;
    int rc = arima_stl(v, n, m, 11, seas, tr);
    if (rc != 0) {
        *status = rc;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        rem[i] = v[i] - seas[i] - tr[i];
    double vr = variance(rem, n);
    for (size_t i = 0; i < n; i++)
        seas[i] += rem[i];
    double vsr = variance(seas, n);
    out = 1.0 - vr / vsr;
    if (isnan(out))
        goto done;
    out = fmax(0.0, fmin(1.0, out));
done:
    free(buf);
    return out;
}

int arima_nsdiffs(const double *x, size_t n, int m, int max_D)
{
    if (hc_models_is_constant(x, n) || (size_t)m >= n || m < 2)
        return 0;
    int status;
    double s = arima_seasonal_strength(x, n, m, &status);
    if (status != HC_OK)
        return status;
    /* An error or NaN in the test means no seasonal difference. */
    int dodiff = s > 0.64;
    int D = 0;
    if (!dodiff || max_D < 1)
        return 0;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return HC_ERR_NOMEM;
    memcpy(v, x, n * sizeof *v);
    size_t k = n;
    while (dodiff && D < max_D) {
        D++;
        for (size_t i = 0; i + (size_t)m < k; i++)
            v[i] = v[i + (size_t)m] - v[i];
        k -= (size_t)m;
        if (hc_models_is_constant(v, k))
            break;
        if (k >= 2 * (size_t)m && D < max_D) {
            s = arima_seasonal_strength(v, k, m, &status);
            if (status != HC_OK) {
                free(v);
                return status;
            }
            dodiff = s > 0.64;
        } else {
            dodiff = 0;
        }
    }
    free(v);
    return D;
}

void arima_fourier(size_t n, double t0, double period, int K, double *X)
{
    const double twopi = 6.283185307179586476925286766559;
    for (int k = 1; k <= K; k++) {
        double *s = X + (size_t)(2 * k - 2) * n;
        double *c = X + (size_t)(2 * k - 1) * n;
        for (size_t i = 0; i < n; i++) {
            /* Reduce k t modulo the period first so that the phase stays
             * exact for long series. */
            double ph = fmod((double)k * (t0 + (double)i), period) / period;
            s[i] = sin(twopi * ph);
            c[i] = cos(twopi * ph);
        }
    }
}

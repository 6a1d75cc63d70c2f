/* ETS estimation: the state recursion and its likelihood, R's parameter
 * bounds and admissible region, R's initial values, the optimiser and the
 * AICc selection over the model family. See ets_internal.h.
 *
 * Facts used (Hyndman et al. 2008 and forecast 8.20's documented defaults):
 * - state updates in error-correction form, which are the same for additive
 *   and multiplicative errors:
 *     q = l + phi b (the one-step level-and-trend forecast)
 *     p = y, y - s_{t-m} or y / s_{t-m} (deseasonalised observation)
 *     l' = q + alpha (p - q);  b' = phi b + beta (p - q);
 *     s' = s_{t-m} + gamma (y - q - s_{t-m})  or  s_{t-m} + gamma (y/q - s_{t-m});
 *   a zero divisor (|.| < 1e-10) gives 1e10 instead, as R does;
 * - "lik" = n log(sum e^2) [+ 2 sum log|yhat|] (section 5.1-5.2), AICc with
 *   k = estimated parameters (smoothing parameters and free initial states)
 *   plus one for the variance;
 * - usual bounds 1e-4 <= alpha, beta, gamma <= 0.9999, beta <= alpha,
 *   gamma <= 1 - alpha, 0.8 <= phi <= 0.98, together with the admissible
 *   region (bounds = "both");
 * - optimisation of the smoothing parameters and the initial states
 *   together, by Nelder-Mead (ets_nm.c) with at most 2000 function
 *   evaluations and a relative tolerance of sqrt(machine epsilon) on the
 *   criterion, from R's starting values. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/ets_internal.h"

#define ETS_TOL 1e-10
#define ETS_HUGE 1e10
/* What the objective returns outside the feasible region (R's optimiser
 * turns non-finite values into 1e35 as well). */
#define ETS_BIG 1e35
#define ETS_MAXIT 2000
#define ETS_PI 3.14159265358979323846

#define LOWER_ABG 1e-4
#define UPPER_ABG 0.9999
#define LOWER_PHI 0.8
#define UPPER_PHI 0.98

#if defined(__GNUC__)
#define ETS_INLINE static inline __attribute__((always_inline))
#else
#define ETS_INLINE static inline
#endif

int hc_ets_nstate(const hc_ets_spec *spec)
{
    return 1 + (spec->trend != HC_ETS_NONE) +
           (spec->season != HC_ETS_NONE ? spec->m : 0);
}

/* ------------------------------------------------------------ recursion */

/* Residuals are computed in blocks after the recursion has produced the
 * one-step forecasts, off the recursion's dependency chain and in a form
 * the compiler can vectorise. For multiplicative errors, sum log|f| takes
 * one log per likelihood: blocks whose factors keep the product in the
 * normal range multiply into a running product whose binary exponent is
 * split off after each block (other blocks take one log per factor). A
 * forecast that is 0 or infinite makes the likelihood NaN (R's is infinite
 * or NaN there too). */
#define ETS_BLOCK 16

typedef struct resid_acc {
    double sse;
    double logsum; /* sum log|f| = logsum + log(prod) + ex log 2 */
    double prod;   /* in [1, 2) between blocks */
    int64_t ex;
    int bad;
} resid_acc;

ETS_INLINE void resid_block(const double *restrict y, const double *restrict f,
                            int k, int error, double *restrict e_out,
                            resid_acc *acc)
{
    double e[ETS_BLOCK];
    double sse = 0.0;
    if (error == HC_ETS_ADD) {
        for (int i = 0; i < k; i++)
            e[i] = y[i] - f[i];
    } else {
        for (int i = 0; i < k; i++)
            e[i] = (y[i] - f[i]) / f[i];
    }
    for (int i = 0; i < k; i++)
        sse += e[i] * e[i];
    acc->sse += sse;
    if (e_out)
        for (int i = 0; i < k; i++)
            e_out[i] = e[i];
    if (error == HC_ETS_MULT) {
        /* The product of ETS_BLOCK factors in [1e-19, 1e19], times the
         * carried product in [1, 2), stays a normal double. */
        double prod = 1.0, lo = HUGE_VAL, hi = 0.0;
        for (int i = 0; i < k; i++) {
            double a = fabs(f[i]);
            prod *= a;
            lo = a < lo ? a : lo;
            hi = a > hi ? a : hi;
        }
        if (lo > 1e-19 && hi < 1e19) {
            /* Carry the product across blocks with its binary exponent
             * split off, so that one log per likelihood suffices. */
            double pr = acc->prod * prod;
            uint64_t bits;
            memcpy(&bits, &pr, sizeof bits);
            acc->ex += (int64_t)((bits >> 52) & 0x7ff) - 1023;
            bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
            memcpy(&acc->prod, &bits, sizeof bits);
        } else {
            for (int i = 0; i < k; i++) {
                double a = fabs(f[i]);
                if (a == 0.0 || isinf(a))
                    acc->bad = 1;
                else
                    acc->logsum += log(a);
            }
        }
    }
}

/* Deseasonalised observation p, one-step forecast f and new seasonal state
 * for one time point (season kind constant after inlining). */
ETS_INLINE double deseason(int season, double y, double s)
{
    if (season == HC_ETS_NONE)
        return y;
    if (season == HC_ETS_ADD)
        return y - s;
    return fabs(s) < ETS_TOL ? ETS_HUGE : y / s;
}

ETS_INLINE double forecast1(int season, double q, double s)
{
    return season == HC_ETS_ADD ? q + s : season == HC_ETS_MULT ? q * s : q;
}

ETS_INLINE double new_season(int season, double gamma, double y, double q,
                             double s, double d)
{
    if (season == HC_ETS_ADD)
        return s + gamma * d; /* d = y - q - s */
    return s + gamma * ((fabs(q) < ETS_TOL ? ETS_HUGE : y / q) - s);
}

/* The recursion, inlined with constant component kinds so that each model
 * gets its own branch-free loop. Seasonal states live in a ring: ring[j]
 * holds the latest seasonal state of the time points congruent to j mod m,
 * with time 1 the first observation and R's s_i the season of time -i.
 *
 * The loop is bound by the latency of its dependency chain, so it is
 * written to shorten it. It carries q = l + phi b, the level-and-trend part
 * of the next forecast, instead of l: with p the deseasonalised
 * observation and d = p - q,
 *   q' = l' + phi b' = (1 - K) q + K p + phi^2 b,  K = alpha + phi beta,
 *   b' = phi b + beta d,
 * a linear recursion in (q, b) driven by p, which does not depend on q (the
 * seasonal state it uses was set m >= 2 steps earlier). Two steps at a time
 * the chain goes straight from (q_t, b_t) to (q_{t+2}, b_{t+2}) through the
 * squared recursion matrix, while q_{t+1} and b_{t+1}, needed for the
 * forecast and the seasonal update at t+1, branch off it. */
ETS_INLINE double run(const double *restrict y, size_t n, const double *x0,
                      int m, int error, int trend, int season, double alpha,
                      double beta, double gamma, double phi, double *sse_out,
                      double *e_out, double *xn)
{
    double b = trend ? x0[1] : 0.0;
    double q = trend ? x0[0] + phi * b : x0[0];
    const double kk = trend ? alpha + phi * beta : alpha;
    const double cq = 1.0 - kk;
    const double phi2 = phi * phi;
    /* (q_{t+2}, b_{t+2}) = A2 (q_t, b_t) + u p_t + w p_{t+1} */
    const double a11 = trend ? cq * cq - phi2 * beta : cq * cq;
    const double a12 = phi2 * (cq + phi);
    const double a21 = -beta * (phi + cq);
    const double a22 = phi2 * (1.0 - beta);
    const double u1 = trend ? cq * kk + phi2 * beta : cq * alpha;
    const double u2 = kk;
    const double w1 = beta * (phi - kk);
    const double w2 = beta;
    double ring[HC_ETS_MAX_M];
    int k = 0;
    if (season) {
        const double *s = x0 + 1 + (trend != 0);
        ring[0] = s[0];
        for (int j = 1; j < m; j++)
            ring[j] = s[m - j];
        k = 1 % m;
    }
    resid_acc acc = {0.0, 0.0, 1.0, 0, 0};
    double lastq = q, lastd = 0.0;
    double fb[ETS_BLOCK];
    int nfb = 0;
    size_t t = 0;
    for (; t + 1 < n; t += 2) {
        int k1 = 0;
        double s0 = 0.0, s1 = 0.0;
        if (season) {
            k1 = k + 1 == m ? 0 : k + 1;
            s0 = ring[k];
            s1 = ring[k1];
        }
        double y0 = y[t], y1 = y[t + 1];
        double p0 = deseason(season, y0, s0);
        double p1 = deseason(season, y1, s1);
        double d0 = p0 - q;
        double q1 = trend ? cq * q + (kk * p0 + phi2 * b) : cq * q + alpha * p0;
        double d1 = p1 - q1;
        fb[nfb] = forecast1(season, q, s0);
        fb[nfb + 1] = forecast1(season, q1, s1);
        if (season) {
            ring[k] = new_season(season, gamma, y0, q, s0, d0);
            ring[k1] = new_season(season, gamma, y1, q1, s1, d1);
            k = k1 + 1 == m ? 0 : k1 + 1;
        }
        double qn, bn = 0.0;
        if (trend) {
            qn = (a11 * q + (u1 * p0 + u2 * p1)) + a12 * b;
            bn = (a22 * b + (w1 * p0 + w2 * p1)) + a21 * q;
        } else {
            qn = a11 * q + (u1 * p0 + u2 * p1);
        }
        lastq = q1;
        lastd = d1;
        q = qn;
        b = bn;
        nfb += 2;
        if (nfb == ETS_BLOCK) {
            size_t t0 = t + 2 - ETS_BLOCK;
            resid_block(y + t0, fb, ETS_BLOCK, error, e_out ? e_out + t0 : NULL,
                        &acc);
            nfb = 0;
        }
    }
    if (t < n) {
        double s0 = season ? ring[k] : 0.0;
        double y0 = y[t];
        double p0 = deseason(season, y0, s0);
        double d0 = p0 - q;
        fb[nfb++] = forecast1(season, q, s0);
        if (season) {
            ring[k] = new_season(season, gamma, y0, q, s0, d0);
            k = k + 1 == m ? 0 : k + 1;
        }
        double qn;
        if (trend) {
            qn = cq * q + (kk * p0 + phi2 * b);
            b = phi * b + beta * d0;
        } else {
            qn = cq * q + alpha * p0;
        }
        lastq = q;
        lastd = d0;
        q = qn;
    }
    if (nfb) {
        size_t t0 = n - (size_t)nfb;
        resid_block(y + t0, fb, nfb, error, e_out ? e_out + t0 : NULL, &acc);
    }
    /* Now b = b_n, the trend after the last point, and l_n = q_n + alpha
     * d_n from the last point's forecast. */
    if (xn) {
        xn[0] = n ? lastq + alpha * lastd : x0[0];
        if (trend)
            xn[1] = b;
        if (season) {
            double *s = xn + 1 + (trend != 0);
            size_t r = n % (size_t)m;
            for (int j = 0; j < m; j++)
                s[j] = ring[(r + (size_t)m - (size_t)j) % (size_t)m];
        }
    }
    if (sse_out)
        *sse_out = acc.sse;
    double lik = (double)n * log(acc.sse);
    if (error == HC_ETS_MULT)
        lik = acc.bad ? (double)NAN
                      : lik + 2.0 * (acc.logsum + log(acc.prod) +
                                     (double)acc.ex * 0.69314718055994530942);
    return lik;
}

#define RUN_CASE(E, T, S)                                                      \
    return run(y, n, x0, m, E, T, S, par->alpha, par->beta, par->gamma, phi,  \
               sse, e, xn)

double hc_ets_lik(const hc_ets_spec *spec, const hc_ets_par *par,
                  const double *x0, const double *y, size_t n, double *sse,
                  double *e, double *xn)
{
    int m = spec->season ? spec->m : 1;
    double phi = spec->trend && spec->damped ? par->phi : 1.0;
    int code = spec->error * 100 + spec->trend * 10 + spec->season;
    switch (code) {
    case 100: RUN_CASE(HC_ETS_ADD, HC_ETS_NONE, HC_ETS_NONE);
    case 101: RUN_CASE(HC_ETS_ADD, HC_ETS_NONE, HC_ETS_ADD);
    case 102: RUN_CASE(HC_ETS_ADD, HC_ETS_NONE, HC_ETS_MULT);
    case 110: RUN_CASE(HC_ETS_ADD, HC_ETS_ADD, HC_ETS_NONE);
    case 111: RUN_CASE(HC_ETS_ADD, HC_ETS_ADD, HC_ETS_ADD);
    case 112: RUN_CASE(HC_ETS_ADD, HC_ETS_ADD, HC_ETS_MULT);
    case 200: RUN_CASE(HC_ETS_MULT, HC_ETS_NONE, HC_ETS_NONE);
    case 201: RUN_CASE(HC_ETS_MULT, HC_ETS_NONE, HC_ETS_ADD);
    case 202: RUN_CASE(HC_ETS_MULT, HC_ETS_NONE, HC_ETS_MULT);
    case 210: RUN_CASE(HC_ETS_MULT, HC_ETS_ADD, HC_ETS_NONE);
    case 211: RUN_CASE(HC_ETS_MULT, HC_ETS_ADD, HC_ETS_ADD);
    case 212: RUN_CASE(HC_ETS_MULT, HC_ETS_ADD, HC_ETS_MULT);
    default:
        return (double)NAN;
    }
}

/* ------------------------------------------------------- admissibility */

int hc_ets_roots_within(double *a, int d, double radius)
{
    if (d < 1 || d > HC_ETS_MAX_M + 1)
        return 0;
    /* Roots of p(radius w) have modulus |z| / radius. */
    double r = 1.0;
    for (int i = 0; i <= d; i++) {
        a[i] *= r;
        r *= radius;
    }
    /* Schur-Cohn: p has every root strictly inside the unit disk iff
     * |a_0| < |a_d| and (a_d p(z) - a_0 z^d p(1/z)) / z, of degree d - 1,
     * has too. */
    while (d > 0) {
        double a0 = a[0], ad = a[d];
        if (!(fabs(a0) < fabs(ad)))
            return 0;
        double nb[HC_ETS_MAX_M + 2];
        double big = 0.0;
        for (int j = 0; j < d; j++) {
            nb[j] = ad * a[j + 1] - a0 * a[d - 1 - j];
            if (fabs(nb[j]) > big)
                big = fabs(nb[j]);
        }
        d--;
        /* Rescaled so that the coefficients neither overflow nor vanish
         * over the d steps; the roots do not change. */
        if (!(big > 0.0) || !isfinite(big))
            return 0;
        for (int j = 0; j <= d; j++)
            a[j] = nb[j] / big;
    }
    return 1;
}

int hc_ets_admissible(const hc_ets_spec *spec, const hc_ets_par *par)
{
    double alpha = par->alpha;
    double beta = spec->trend ? par->beta : 0.0;
    double gamma = par->gamma;
    double phi = spec->trend && spec->damped ? par->phi : 1.0;
    if (phi < 0.0 || phi > 1.0 + 1e-8)
        return 0;
    if (spec->season == HC_ETS_NONE) {
        if (alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi)
            return 0;
        if (spec->trend &&
            (beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha)))
            return 0;
        return 1;
    }
    int m = spec->m;
    if (m <= 1)
        return 1;
    double lo = 1.0 - 1.0 / phi - alpha;
    if (gamma < (lo > 0.0 ? lo : 0.0) || gamma > 1.0 + 1.0 / phi - alpha)
        return 0;
    if (alpha < 1.0 - 1.0 / phi -
                    gamma * (1.0 - m + phi + phi * m) / (2.0 * phi * m))
        return 0;
    if (beta < -(1.0 - phi) * (gamma / m + alpha))
        return 0;
    /* The characteristic polynomial of the model's discount matrix with the
     * seasonal unit root removed (Hyndman et al. 2008, chapter 10), with
     * R's coefficients: R writes beta where the damped model's discount
     * matrix has phi * beta; we follow R, as the point is to agree with it
     * (the two differ only on the boundary of damped seasonal models). */
    double a[HC_ETS_MAX_M + 2];
    double c = alpha + beta - alpha * phi;
    a[0] = phi * (1.0 - alpha - gamma);
    a[1] = c + gamma - 1.0;
    for (int j = 2; j < m; j++)
        a[j] = c;
    a[m] = alpha + beta - phi;
    a[m + 1] = 1.0;
    return hc_ets_roots_within(a, m + 1, 1.0 + 1e-10);
}

/* ------------------------------------------------------- initial states */

/* Least-squares line through (1, y_0) .. (k, y_{k-1}): intercept at x = 0
 * and slope. */
static void line_fit(const double *y, size_t k, double *icept, double *slope)
{
    double mx = ((double)k + 1.0) / 2.0, my = 0.0;
    for (size_t i = 0; i < k; i++)
        my += y[i];
    my /= (double)k;
    double sxy = 0.0, sxx = 0.0;
    for (size_t i = 0; i < k; i++) {
        double dx = (double)(i + 1) - mx;
        sxy += dx * (y[i] - my);
        sxx += dx * dx;
    }
    *slope = sxx > 0.0 ? sxy / sxx : 0.0;
    *icept = my - *slope * mx;
}

/* Solves the k x k system A x = b (A row-major, overwritten) by Gaussian
 * elimination with partial pivoting. Returns 0, or 1 when A is singular. */
static int solve_small(double *A, double *b, int k)
{
    double scale = 0.0;
    for (int i = 0; i < k * k; i++)
        if (fabs(A[i]) > scale)
            scale = fabs(A[i]);
    for (int c = 0; c < k; c++) {
        int piv = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(A[r * k + c]) > fabs(A[piv * k + c]))
                piv = r;
        if (!(fabs(A[piv * k + c]) > 1e-13 * scale))
            return 1;
        if (piv != c) {
            for (int j = 0; j < k; j++) {
                double t = A[c * k + j];
                A[c * k + j] = A[piv * k + j];
                A[piv * k + j] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < k; r++) {
            double f = A[r * k + c] / A[c * k + c];
            for (int j = c; j < k; j++)
                A[r * k + j] -= f * A[c * k + j];
            b[r] -= f * b[c];
        }
    }
    for (int c = k - 1; c >= 0; c--) {
        double s = b[c];
        for (int j = c + 1; j < k; j++)
            s -= A[c * k + j] * b[j];
        b[c] = s / A[c * k + c];
        if (!isfinite(b[c]))
            return 1;
    }
    return 0;
}

/* The classical decomposition's seasonal figure (R's decompose()): centred
 * moving average of order m (2 x m for even m), the detrended values
 * averaged by position in the season counted from the first observation,
 * then centred (additive) or scaled to mean 1 (multiplicative). */
static int decompose_figure(const double *y, size_t n, int m, int mult,
                            double *figure, double *trend)
{
    size_t half = (size_t)m / 2;
    if (n < 2 * (size_t)m)
        return 1;
    for (size_t t = 0; t < n; t++)
        trend[t] = (double)NAN;
    for (size_t t = half; t + half < n; t++) {
        double s = 0.0;
        if (m % 2 == 0) {
            s = 0.5 * (y[t - half] + y[t + half]);
            for (size_t j = t - half + 1; j < t + half; j++)
                s += y[j];
        } else {
            for (size_t j = t - half; j <= t + half; j++)
                s += y[j];
        }
        trend[t] = s / m;
    }
    double total = 0.0;
    for (int i = 0; i < m; i++) {
        double s = 0.0;
        size_t cnt = 0;
        for (size_t t = (size_t)i; t < n; t += (size_t)m) {
            if (isnan(trend[t]))
                continue;
            s += mult ? y[t] / trend[t] : y[t] - trend[t];
            cnt++;
        }
        if (cnt == 0)
            return 1;
        figure[i] = s / (double)cnt;
        total += figure[i];
    }
    double mean = total / m;
    for (int i = 0; i < m; i++) {
        if (mult)
            figure[i] /= mean;
        else
            figure[i] -= mean;
        if (!isfinite(figure[i]))
            return 1;
    }
    return 0;
}

int hc_ets_init_states(const hc_ets_spec *spec, const double *y, size_t n,
                       double *x, double *work)
{
    int m = 1;
    const double *ysa = y;
    double *seas = NULL;
    int mult = spec->season == HC_ETS_MULT;
    size_t pos = 1 + (spec->trend != HC_ETS_NONE);
    if (spec->season != HC_ETS_NONE) {
        m = spec->m;
        if (n < 4 || n <= (size_t)m)
            return 1;
        /* seas[t]: the seasonal component at time t; ysa the seasonally
         * adjusted series. */
        seas = work;
        double *adj = work + n;
        if (n < 3 * (size_t)m) {
            /* Too short for a decomposition: a linear trend plus one
             * Fourier pair (only the cosine for m = 2, where the sine
             * vanishes at the integers); the detrended values stand for
             * the season. */
            int k = m == 2 ? 3 : 4;
            double A[16] = {0}, rhs[4] = {0};
            for (size_t t = 0; t < n; t++) {
                double tt = (double)(t + 1);
                double ang = 2.0 * ETS_PI * tt / m;
                double row[4] = {1.0, tt, 0.0, 0.0};
                if (m == 2)
                    row[2] = cos(ang);
                else {
                    row[2] = sin(ang);
                    row[3] = cos(ang);
                }
                for (int i = 0; i < k; i++) {
                    rhs[i] += row[i] * y[t];
                    for (int j = 0; j < k; j++)
                        A[i * k + j] += row[i] * row[j];
                }
            }
            if (solve_small(A, rhs, k))
                return 1;
            for (size_t t = 0; t < n; t++) {
                double tr = rhs[0] + rhs[1] * (double)(t + 1);
                seas[t] = mult ? y[t] / tr : y[t] - tr;
            }
        } else {
            double figure[HC_ETS_MAX_M];
            if (decompose_figure(y, n, m, mult, figure, adj))
                return 1;
            for (size_t t = 0; t < n; t++)
                seas[t] = figure[t % (size_t)m];
        }
        /* s_j = season of time -j: R takes the seasonal component at
         * (1-based) positions m, m-1, ..., 2. */
        double *s = x + pos;
        double sum = 0.0;
        for (int j = 0; j < m - 1; j++) {
            s[j] = seas[m - 1 - j];
            if (mult && s[j] < 0.01)
                s[j] = 0.01;
            sum += s[j];
        }
        if (mult && sum > m)
            for (int j = 0; j < m - 1; j++)
                s[j] /= sum + 0.01 * (m - 1);
        for (size_t t = 0; t < n; t++) {
            if (mult)
                adj[t] = y[t] / (seas[t] > 0.01 ? seas[t] : 0.01);
            else
                adj[t] = y[t] - seas[t];
            if (!isfinite(adj[t]))
                return 1;
        }
        ysa = adj;
    }
    size_t maxn = (size_t)(2 * m > 10 ? 2 * m : 10);
    if (maxn > n)
        maxn = n;
    if (spec->trend == HC_ETS_NONE) {
        double s = 0.0;
        for (size_t i = 0; i < maxn; i++)
            s += ysa[i];
        x[0] = s / (double)maxn;
    } else {
        double l0, b0;
        line_fit(ysa, maxn, &l0, &b0);
        if (fabs(l0 + b0) < 1e-8) {
            l0 *= 1.001;
            b0 *= 0.999;
        }
        x[0] = l0;
        x[1] = b0;
    }
    for (size_t i = 0; i < pos; i++)
        if (!isfinite(x[i]))
            return 1;
    return 0;
}

/* ------------------------------------------------------------ objective */

typedef struct obj_ctx {
    hc_ets_spec spec;
    const double *y;
    size_t n;
} obj_ctx;

static int count_smooth(const hc_ets_spec *spec)
{
    return 1 + (spec->trend != HC_ETS_NONE) + (spec->season != HC_ETS_NONE) +
           (spec->trend != HC_ETS_NONE && spec->damped);
}

/* Unpacks [alpha, beta?, gamma?, phi?] into par; returns the count. */
static int unpack_smooth(const hc_ets_spec *spec, const double *p,
                         hc_ets_par *par)
{
    int j = 0;
    par->alpha = p[j++];
    par->beta = spec->trend ? p[j++] : 0.0;
    par->gamma = spec->season ? p[j++] : 0.0;
    par->phi = spec->trend && spec->damped ? p[j++] : 1.0;
    return j;
}

/* Completes the free initial states (level, trend, s_0..s_{m-2}) with the
 * last seasonal state; 1 when a multiplicative season goes negative. */
static int full_state(const hc_ets_spec *spec, const double *free_x, double *x0)
{
    int nstate = hc_ets_nstate(spec);
    int nfree = nstate - (spec->season ? 1 : 0);
    memcpy(x0, free_x, (size_t)nfree * sizeof *x0);
    if (spec->season) {
        int pos = 1 + (spec->trend != HC_ETS_NONE);
        double sum = 0.0;
        for (int i = pos; i < nfree; i++)
            sum += x0[i];
        x0[nstate - 1] =
            (spec->season == HC_ETS_MULT ? (double)spec->m : 0.0) - sum;
        if (spec->season == HC_ETS_MULT)
            for (int i = pos; i < nstate; i++)
                if (x0[i] < 0.0)
                    return 1;
    }
    return 0;
}

static double eval_objective(const hc_ets_spec *spec, const double *p,
                             const double *y, size_t n)
{
    hc_ets_par par;
    int j = unpack_smooth(spec, p, &par);
    /* R's usual bounds, then its admissible region. */
    if (par.alpha < LOWER_ABG || par.alpha > UPPER_ABG)
        return ETS_BIG;
    if (spec->trend && (par.beta < LOWER_ABG || par.beta > par.alpha ||
                        par.beta > UPPER_ABG))
        return ETS_BIG;
    if (spec->trend && spec->damped &&
        (par.phi < LOWER_PHI || par.phi > UPPER_PHI))
        return ETS_BIG;
    if (spec->season && (par.gamma < LOWER_ABG || par.gamma > 1.0 - par.alpha ||
                         par.gamma > UPPER_ABG))
        return ETS_BIG;
    if (!hc_ets_admissible(spec, &par))
        return ETS_BIG;
    double x0[HC_ETS_MAX_STATE];
    if (full_state(spec, p + j, x0))
        return ETS_BIG;
    double lik = hc_ets_lik(spec, &par, x0, y, n, NULL, NULL, NULL);
    if (isnan(lik) || lik >= ETS_BIG)
        return ETS_BIG;
    /* R avoids rewarding perfect fits without end. */
    if (lik < -1e10)
        lik = -1e10;
    return lik;
}

double hc_ets_objective(const hc_ets_spec *spec, const double *par,
                        const double *y, size_t n)
{
    return eval_objective(spec, par, y, n);
}

/* R's starting values for the smoothing parameters (m = 1 without a
 * season). */
static int init_smooth(const hc_ets_spec *spec, double *p)
{
    int m = spec->season ? spec->m : 1;
    int j = 0;
    double alpha = LOWER_ABG + 0.2 * (UPPER_ABG - LOWER_ABG) / m;
    if (alpha > 1.0 || alpha < 0.0)
        alpha = LOWER_ABG + 0.002;
    p[j++] = alpha;
    if (spec->trend) {
        double ub = UPPER_ABG < alpha ? UPPER_ABG : alpha;
        double beta = LOWER_ABG + 0.1 * (ub - LOWER_ABG);
        if (beta < 0.0 || beta > alpha)
            beta = alpha - 0.001;
        p[j++] = beta;
    }
    if (spec->season) {
        double ub = UPPER_ABG < 1.0 - alpha ? UPPER_ABG : 1.0 - alpha;
        double gamma = LOWER_ABG + 0.05 * (ub - LOWER_ABG);
        if (gamma < 0.0 || gamma > 1.0 - alpha)
            gamma = 1.0 - alpha - 0.001;
        p[j++] = gamma;
    }
    if (spec->trend && spec->damped) {
        double phi = LOWER_PHI + 0.99 * (UPPER_PHI - LOWER_PHI);
        if (phi < 0.0 || phi > 1.0)
            phi = UPPER_PHI - 0.001;
        p[j++] = phi;
    }
    return j;
}

/* -------------------------------------------------------------- fitting */

size_t hc_ets_work_size(size_t n) { return 3 * n + 16; }

static double nm_objective(const double *x, void *data)
{
    obj_ctx *c = data;
    return eval_objective(&c->spec, x, c->y, c->n);
}

int hc_ets_fit_model(const hc_ets_spec *spec, const double *y, size_t n,
                     hc_ets_fit *out, double *work)
{
    memset(out, 0, sizeof *out);
    out->spec = *spec;
    if ((spec->error != HC_ETS_ADD && spec->error != HC_ETS_MULT) ||
        (spec->trend != HC_ETS_NONE && spec->trend != HC_ETS_ADD) ||
        spec->season < HC_ETS_NONE || spec->season > HC_ETS_MULT ||
        (spec->season && (spec->m < 2 || spec->m > HC_ETS_MAX_M)))
        return 1;
    int nstate = hc_ets_nstate(spec);
    int nsmooth = count_smooth(spec);
    int nfree = nstate - (spec->season ? 1 : 0);
    int npar = nsmooth + nfree;
    if ((size_t)npar + 1 >= n)
        return 1;
    double p[HC_ETS_MAX_PAR];
    init_smooth(spec, p);
    if (hc_ets_init_states(spec, y, n, p + nsmooth, work))
        return 1;
    /* R's optimiser stops when it cannot evaluate the starting point. */
    double f0 = eval_objective(spec, p, y, n);
    if (!(f0 < ETS_BIG))
        return 1;
    obj_ctx c = {*spec, y, n};
    double fmin = f0;
    int evals = 0;
    if (hc_ets_nelder_mead(nm_objective, &c, p, npar, f0, ETS_MAXIT,
                           1.4901161193847656e-08 /* sqrt(DBL_EPSILON) */,
                           &fmin, &evals))
        return 1;

    hc_ets_par par;
    int j = unpack_smooth(spec, p, &par);
    if (full_state(spec, p + j, out->x0))
        return 1;
    double sse = 0.0;
    double lik = hc_ets_lik(spec, &par, out->x0, y, n, &sse, NULL, out->xn);
    if (isnan(lik))
        return 1;
    double k = npar + 1;
    out->par = par;
    out->lik = lik;
    out->aicc = lik + 2.0 * k + 2.0 * k * (k + 1.0) / ((double)n - k - 1.0);
    out->sigma2 = sse / (double)(n - (size_t)npar);
    out->npar = npar;
    out->evals = evals;
    return 0;
}

int hc_ets_auto(const double *y, size_t n, int m, hc_ets_fit *out,
                double *work)
{
    /* R fits tiny series (n <= 6) by Holt-Winters least squares instead of
     * ETS; we leave those to the caller's fallback. */
    if (n <= 6)
        return 1;
    int seasonal = m >= 2 && m <= HC_ETS_MAX_M && n > (size_t)m;
    int positive = 1;
    for (size_t t = 0; t < n; t++)
        if (!(y[t] > 0.0)) {
            positive = 0;
            break;
        }
    static const int errors[] = {HC_ETS_ADD, HC_ETS_MULT};
    static const int trends[] = {HC_ETS_NONE, HC_ETS_ADD};
    static const int seasons[] = {HC_ETS_NONE, HC_ETS_ADD, HC_ETS_MULT};
    static const int dampeds[] = {1, 0};
    double best = HUGE_VAL;
    int found = 0;
    hc_ets_fit fit;
    /* R's loop order: ties keep the first model. */
    for (int ie = 0; ie < 2; ie++)
        for (int it = 0; it < 2; it++)
            for (int is = 0; is < (seasonal ? 3 : 1); is++)
                for (int id = 0; id < 2; id++) {
                    hc_ets_spec spec = {errors[ie], trends[it], dampeds[id],
                                        seasons[is], seasonal ? m : 1};
                    if (spec.trend == HC_ETS_NONE && spec.damped)
                        continue;
                    /* restrict = TRUE: no additive error with a
                     * multiplicative season (the multiplicative-trend
                     * exclusions do not arise here). */
                    if (spec.error == HC_ETS_ADD && spec.season == HC_ETS_MULT)
                        continue;
                    if (spec.error == HC_ETS_MULT && !positive)
                        continue;
                    if (spec.season == HC_ETS_NONE)
                        spec.m = 1;
                    if (hc_ets_fit_model(&spec, y, n, &fit, work))
                        continue;
                    if (!isnan(fit.aicc) && fit.aicc < best) {
                        best = fit.aicc;
                        *out = fit;
                        found = 1;
                    }
                }
    return found ? 0 : 1;
}

/* Accuracy metrics (SPEC 2.7); see hindcast/metrics.h.
 *
 * Every sum is a plain left-to-right sum over the points in index order
 * (sum|y|, the pinball losses, sum|y-f|, sum (y-f)^2, the MAPE ratios), so
 * the same inputs always give the same bits, the bits of the one-loop-per-
 * sum formulas (benchmarks/bench_metrics checks this on 700k windows). The
 * item-level and pooled metrics share these per-item sums, so a pooled
 * accumulator holding a single item reproduces that item's wQL and RMSE
 * exactly.
 *
 * Pinball loss: tau*max(y-q,0) + (1-tau)*max(q-y,0), computed as
 * d >= 0 ? tau*d : (tau-1)*d with d = y - q; written with a comparison
 * rather than fmax so that a NaN in y or q propagates (fmax would silently
 * turn it into 0). */
#include "hindcast/metrics.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The SPEC's "divide by sum|y|, or keep the numerator when that is 0". */
static double scaled(double num, double den)
{
    return den == 0.0 ? num : num / den;
}

static double mean_of(const double *v, size_t n)
{
    if (n == 0)
        return (double)NAN;
    double s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += v[k];
    return s / (double)n;
}

void hc_window_metrics_undefined(hc_window_metrics *m)
{
    if (!m)
        return;
    m->defined = 0;
    for (size_t k = 0; k < HC_MAX_QUANTILES; k++)
        m->wql[k] = (double)NAN;
    m->avg_wql = (double)NAN;
    m->rmse = (double)NAN;
    m->wape = (double)NAN;
    m->mape = (double)NAN;
    m->mase = (double)NAN;
}

/* The seasonal lag m, or 1 for a series no longer than m. */
static size_t mase_lag(size_t n, size_t lag_m)
{
    return n <= lag_m ? 1 : lag_m;
}

double hc_mase_scale(const double *train, size_t n, int m)
{
    size_t lag = mase_lag(n, m < 1 ? 1 : (size_t)m);
    double s = 0.0;
    size_t count = 0;
    for (size_t t = lag; t < n; t++) {
        double d = train[t] - train[t - lag];
        if (isnan(d))
            continue;
        s += fabs(d);
        count++;
    }
    return count ? s / (double)count : (double)NAN;
}

void hc_mase_scales(const double *train, int m, const size_t *n, size_t count,
                    double *out)
{
    size_t lag_m = m < 1 ? 1 : (size_t)m;
    /* Prefixes no longer than m use lag 1: one pass per lag, each visiting
     * its prefixes from the shortest and recording each as it passes. */
    for (int pass = 0; pass < 2; pass++) {
        size_t lag = pass == 0 ? lag_m : 1;
        if (pass == 1 && lag_m == 1)
            break;
        double s = 0.0;
        size_t cnt = 0, t = lag, done_upto = 0;
        int first = 1;
        for (;;) {
            size_t next = SIZE_MAX;
            for (size_t i = 0; i < count; i++)
                if (mase_lag(n[i], lag_m) == lag && (first || n[i] > done_upto) &&
                    n[i] < next)
                    next = n[i];
            if (next == SIZE_MAX)
                break;
            for (; t < next; t++) {
                double d = train[t] - train[t - lag];
                if (isnan(d))
                    continue;
                s += fabs(d);
                cnt++;
            }
            for (size_t i = 0; i < count; i++)
                if (mase_lag(n[i], lag_m) == lag && n[i] == next)
                    out[i] = cnt ? s / (double)cnt : (double)NAN;
            done_upto = next;
            first = 0;
        }
    }
}

/* The per-item sums of one window, computed in a single pass: fusing
 * the loops lets the independent sums overlap instead of each waiting on
 * its own add latency. */
typedef struct window_sums {
    double abs_y, abs_err, sq_err, ape;
    size_t nape;
    double pin[HC_MAX_QUANTILES];
} window_sums;

/* The kernel works on 4 points at a time in 256-bit vectors (GCC/Clang
 * vector extensions; an AVX2 clone is picked at run time where the CPU has
 * it, elsewhere the compiler splits the vectors). Only the element-wise
 * work is done across points. The sums are kept transposed: one vector
 * holds 4 different sums (sum|y|, sum|e|, sum e^2, sum of ratios), and at
 * each step the 4 terms of ONE point are added to it lane by lane, points
 * in index order. So every lane is the plain left-to-right sum of its
 * metric, bit for bit the scalar loop's, while the adds of 4 sums run as
 * one instruction. */
/* The helpers below are static and always inlined: no ABI is involved. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4i __attribute__((vector_size(32)));

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* An AVX2 clone chosen at load time by an ifunc resolver: only where that
 * exists (x86-64 with glibc), and not under ThreadSanitizer, whose
 * instrumented resolver would run before its runtime is set up. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HC_NO_CLONES 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define HC_NO_CLONES 1
#endif
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(HC_NO_CLONES) && \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define HC_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef HC_AVX2_CLONES
#define HC_AVX2_CLONES
#endif

ALWAYS_INLINE v4d load4(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

ALWAYS_INLINE v4d vabs(v4d x)
{
    const v4i sign_off = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    return (v4d)((v4i)x & sign_off);
}

/* pinball(y, q, tau) = (tau - [d < 0]) * d with d = y - q: for d < 0 that
 * is exactly pinball's (tau - 1.0) * d, otherwise (tau - 0.0) * d =
 * tau * d; a NaN d fails the test and gives tau * NaN, the same NaN as
 * pinball's (tau - 1.0) * NaN. No branch, whose direction is a coin toss
 * on real data. */
ALWAYS_INLINE v4d pinball4(v4d y, v4d q, v4d tau)
{
    const v4d one = {1.0, 1.0, 1.0, 1.0};
    v4d d = y - q;
    v4i neg = d < (v4d){0.0, 0.0, 0.0, 0.0};
    v4d ind = (v4d)(neg & (v4i)one);
    return (tau - ind) * d;
}

ALWAYS_INLINE double pinball1(double y, double q, double tau)
{
    double d = y - q;
    double ind = d < 0.0 ? 1.0 : 0.0;
    return (tau - ind) * d;
}

/* acc (lane j: sum j) += the 4 points of rows r0..r3 (row j: the terms of
 * sum j), point 0 first: a 4x4 transpose, then 4 lane-wise adds. */
ALWAYS_INLINE v4d add_transposed(v4d acc, v4d r0, v4d r1, v4d r2, v4d r3)
{
    v4d a = __builtin_shufflevector(r0, r1, 0, 4, 2, 6);
    v4d b = __builtin_shufflevector(r0, r1, 1, 5, 3, 7);
    v4d c = __builtin_shufflevector(r2, r3, 0, 4, 2, 6);
    v4d d = __builtin_shufflevector(r2, r3, 1, 5, 3, 7);
    acc += __builtin_shufflevector(a, c, 0, 1, 4, 5); /* point 0 */
    acc += __builtin_shufflevector(b, d, 0, 1, 4, 5); /* point 1 */
    acc += __builtin_shufflevector(a, c, 2, 3, 6, 7); /* point 2 */
    acc += __builtin_shufflevector(b, d, 2, 3, 6, 7); /* point 3 */
    return acc;
}

ALWAYS_INLINE void
fused_sums(const double *y, const double *f, const double *quant,
           const double *taus, size_t nq, size_t n, window_sums *out)
{
    const v4d zero = {0.0, 0.0, 0.0, 0.0};
    /* lanes: sum|y|, sum|y-f|, sum (y-f)^2, sum |y-f|/|y| over y != 0 */
    v4d acc = zero;
    /* lanes: the pinball sums of quantiles 0-3; quantile 4 on its own */
    v4d pacc = zero;
    double p4 = 0.0;
    v4i nape4 = {0, 0, 0, 0};
    double tq[HC_MAX_QUANTILES] = {0.0, 0.0, 0.0, 0.0, 0.0};
    for (size_t k = 0; k < nq; k++)
        tq[k] = taus[k];
    v4d vt0 = {tq[0], tq[0], tq[0], tq[0]}, vt1 = {tq[1], tq[1], tq[1], tq[1]};
    v4d vt2 = {tq[2], tq[2], tq[2], tq[2]}, vt3 = {tq[3], tq[3], tq[3], tq[3]};
    v4d vt4 = {tq[4], tq[4], tq[4], tq[4]};
    const double *q0 = quant, *q1 = quant + n, *q2 = quant + 2 * n,
                 *q3 = quant + 3 * n, *q4 = quant + 4 * n;
    size_t t = 0;
    for (; t + 4 <= n; t += 4) {
        /* About 2 KB ahead in each stream: in a batch laid out item after
         * item that is the data of the next windows, which the hardware
         * prefetcher, restarted at every short window, fetches too late
         * (+20% points/s on a batch of 24-point windows). A prefetch never
         * faults, past the end of an array included. */
        __builtin_prefetch(y + t + 256);
        __builtin_prefetch(f + t + 256);
        __builtin_prefetch(quant + nq * t + 256 * nq);
        v4d yt = load4(y + t);
        v4d e = yt - load4(f + t);
        v4d ae = vabs(e), ay = vabs(yt);
        /* MAPE skips y == 0: the ratio is masked to +0.0 there, and adding
         * +0.0 leaves the sum's bits as they were (it is never -0.0: it
         * starts at +0.0 and only grows). */
        v4i nz = yt != zero;
        v4d ratio = (v4d)((v4i)(ae / ay) & nz);
        nape4 -= nz;
        acc = add_transposed(acc, ay, ae, e * e, ratio);
        if (nq > 0) {
            v4d r0 = pinball4(yt, load4(q0 + t), vt0);
            v4d r1 = nq > 1 ? pinball4(yt, load4(q1 + t), vt1) : zero;
            v4d r2 = nq > 2 ? pinball4(yt, load4(q2 + t), vt2) : zero;
            v4d r3 = nq > 3 ? pinball4(yt, load4(q3 + t), vt3) : zero;
            pacc = add_transposed(pacc, r0, r1, r2, r3);
        }
        if (nq > 4) {
            v4d r4 = pinball4(yt, load4(q4 + t), vt4);
            p4 += r4[0];
            p4 += r4[1];
            p4 += r4[2];
            p4 += r4[3];
        }
    }
    double abs_y = acc[0], abs_err = acc[1], sq = acc[2], ape = acc[3];
    double p[4] = {pacc[0], pacc[1], pacc[2], pacc[3]};
    int64_t nape = nape4[0] + nape4[1] + nape4[2] + nape4[3];
    for (; t < n; t++) {
        double yt = y[t];
        double e = yt - f[t];
        abs_y += fabs(yt);
        abs_err += fabs(e);
        sq += e * e;
        if (yt != 0.0) {
            ape += fabs(e) / fabs(yt);
            nape++;
        }
        for (size_t k = 0; k < nq && k < 4; k++)
            p[k] += pinball1(yt, quant[k * n + t], tq[k]);
        if (nq > 4)
            p4 += pinball1(yt, q4[t], tq[4]);
    }
    out->abs_y = abs_y;
    out->abs_err = abs_err;
    out->sq_err = sq;
    out->ape = ape;
    out->nape = (size_t)nape;
    for (size_t k = 0; k < 4; k++)
        out->pin[k] = p[k];
    out->pin[4] = p4;
}

/* The metrics from the sums (SPEC 2.7). */
ALWAYS_INLINE void finish(const window_sums *s, size_t nq, size_t n,
                          double mase_scale, hc_window_metrics *out)
{
    for (size_t k = 0; k < nq; k++)
        out->wql[k] = scaled(2.0 * s->pin[k], s->abs_y);
    out->avg_wql = mean_of(out->wql, nq);
    out->rmse = sqrt(s->sq_err / (double)n);
    out->wape = s->abs_err;
    out->mape = s->nape ? s->ape / (double)s->nape : (double)NAN;
    if (isnan(mase_scale) || mase_scale == 0.0)
        out->mase = (double)NAN;
    else
        out->mase = (s->abs_err / (double)n) / mase_scale;
}

HC_AVX2_CLONES
static void window_metrics(const double *y, const double *f,
                           const double *quant, const double *taus, size_t nq,
                           size_t n, double mase_scale, hc_window_metrics *out,
                           window_sums *sums_out)
{
    window_sums s;
    switch (nq) {
    case 0: fused_sums(y, f, quant, taus, 0, n, &s); break;
    case 1: fused_sums(y, f, quant, taus, 1, n, &s); break;
    case 2: fused_sums(y, f, quant, taus, 2, n, &s); break;
    case 3: fused_sums(y, f, quant, taus, 3, n, &s); break;
    case 4: fused_sums(y, f, quant, taus, 4, n, &s); break;
    default: fused_sums(y, f, quant, taus, 5, n, &s); break;
    }
    if (out)
        finish(&s, nq, n, mase_scale, out);
    if (sums_out)
        *sums_out = s;
}

void hc_metrics_window(const double *y, const double *mean,
                       const double *quant, const double *taus, size_t nq,
                       size_t n, double mase_scale, hc_window_metrics *out)
{
    hc_window_metrics_undefined(out);
    /* An empty window has no error to report; treat it as excluded. */
    if (n == 0)
        return;
    if (nq > HC_MAX_QUANTILES)
        nq = HC_MAX_QUANTILES;
    out->defined = 1;
    window_metrics(y, mean, quant, taus, nq, n, mase_scale, out, NULL);
}

/* A row's columns as one array (wQL..., Average wQL, RMSE, WAPE, MAPE, MASE)
 * so that the summary treats every column the same way. */
#define NCOLS (HC_MAX_QUANTILES + 5)

static void to_columns(const hc_window_metrics *m, double *col)
{
    for (size_t k = 0; k < HC_MAX_QUANTILES; k++)
        col[k] = m->wql[k];
    col[HC_MAX_QUANTILES + 0] = m->avg_wql;
    col[HC_MAX_QUANTILES + 1] = m->rmse;
    col[HC_MAX_QUANTILES + 2] = m->wape;
    col[HC_MAX_QUANTILES + 3] = m->mape;
    col[HC_MAX_QUANTILES + 4] = m->mase;
}

static void from_columns(const double *col, hc_window_metrics *m)
{
    for (size_t k = 0; k < HC_MAX_QUANTILES; k++)
        m->wql[k] = col[k];
    m->avg_wql = col[HC_MAX_QUANTILES + 0];
    m->rmse = col[HC_MAX_QUANTILES + 1];
    m->wape = col[HC_MAX_QUANTILES + 2];
    m->mape = col[HC_MAX_QUANTILES + 3];
    m->mase = col[HC_MAX_QUANTILES + 4];
}

void hc_metrics_summary(const hc_window_metrics *windows, size_t nwindows,
                        size_t nq, hc_window_metrics *out)
{
    double sum[NCOLS] = {0};
    size_t count[NCOLS] = {0};
    double col[NCOLS];
    int any = 0;

    hc_window_metrics_undefined(out);
    if (nq > HC_MAX_QUANTILES)
        nq = HC_MAX_QUANTILES;
    for (size_t i = 0; i < nwindows; i++) {
        if (!windows[i].defined)
            continue;
        any = 1;
        to_columns(&windows[i], col);
        /* A column left undefined in a defined window (MAPE with all-zero
         * actuals, MASE with a zero scale) is skipped, not counted as 0. */
        for (size_t c = 0; c < NCOLS; c++) {
            if (isnan(col[c]))
                continue;
            sum[c] += col[c];
            count[c]++;
        }
    }
    if (!any)
        return;
    for (size_t c = 0; c < NCOLS; c++)
        col[c] = count[c] ? sum[c] / (double)count[c] : (double)NAN;
    /* wQL slots past nq stay NaN whatever the windows held there. */
    for (size_t k = nq; k < HC_MAX_QUANTILES; k++)
        col[k] = (double)NAN;
    from_columns(col, out);
    out->defined = 1;
}

void hc_pooled_init(hc_pooled_metrics *acc, const double *taus, size_t nq)
{
    if (!acc)
        return;
    if (nq > HC_MAX_QUANTILES)
        nq = HC_MAX_QUANTILES;
    acc->nq = nq;
    for (size_t k = 0; k < HC_MAX_QUANTILES; k++) {
        acc->taus[k] = k < nq ? taus[k] : (double)NAN;
        acc->wql_num[k] = 0.0;
    }
    acc->abs_y = 0.0;
    acc->sq_err = 0.0;
    acc->abs_err = 0.0;
    acc->npoints = 0;
    acc->mape_sum = 0.0;
    acc->mape_count = 0;
    acc->mase_sum = 0.0;
    acc->mase_count = 0;
    acc->item_count = 0;
}

/* Adds an included item-window whose sums s are already known. */
static void pooled_accumulate(hc_pooled_metrics *acc, const window_sums *s,
                              size_t n, const hc_window_metrics *item)
{
    for (size_t k = 0; k < acc->nq; k++)
        acc->wql_num[k] += 2.0 * s->pin[k];
    acc->abs_y += s->abs_y;
    acc->sq_err += s->sq_err;
    acc->abs_err += s->abs_err;
    acc->npoints += n;
    if (!isnan(item->mape)) {
        acc->mape_sum += item->mape;
        acc->mape_count++;
    }
    if (!isnan(item->mase)) {
        acc->mase_sum += item->mase;
        acc->mase_count++;
    }
    acc->item_count++;
}

void hc_pooled_add(hc_pooled_metrics *acc, const double *y, const double *mean,
                   const double *quant, size_t n,
                   const hc_window_metrics *item)
{
    /* Excluded item-windows never reach the predictor-level numbers; make
     * adding one harmless rather than a silent corruption. */
    if (!acc || !item || !item->defined || n == 0)
        return;
    window_sums s;
    window_metrics(y, mean, quant, acc->taus, acc->nq, n, (double)NAN, NULL, &s);
    pooled_accumulate(acc, &s, n, item);
}

void hc_metrics_window_pooled(hc_pooled_metrics *acc, const double *y,
                              const double *mean, const double *quant, size_t n,
                              double mase_scale, hc_window_metrics *out)
{
    hc_window_metrics_undefined(out);
    if (n == 0)
        return;
    out->defined = 1;
    window_sums s;
    window_metrics(y, mean, quant, acc->taus, acc->nq, n, mase_scale, out, &s);
    pooled_accumulate(acc, &s, n, out);
}

void hc_pooled_result(const hc_pooled_metrics *acc, hc_window_metrics *out)
{
    hc_window_metrics_undefined(out);
    if (!acc || acc->item_count == 0 || acc->npoints == 0)
        return;
    out->defined = 1;
    for (size_t k = 0; k < acc->nq; k++)
        out->wql[k] = scaled(acc->wql_num[k], acc->abs_y);
    out->avg_wql = mean_of(out->wql, acc->nq);
    out->rmse = sqrt(acc->sq_err / (double)acc->npoints);
    out->wape = scaled(acc->abs_err, acc->abs_y);
    out->mape = acc->mape_count ? acc->mape_sum / (double)acc->mape_count : (double)NAN;
    out->mase = acc->mase_count ? acc->mase_sum / (double)acc->mase_count : (double)NAN;
}

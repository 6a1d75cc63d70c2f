/* Accuracy metrics (SPEC 2.7); see hindcast/metrics.h.
 *
 * Every sum is a plain left-to-right loop over the points in index order, so
 * the same inputs always give the same bits. The item-level and pooled
 * metrics share the per-item sums (pinball_sum, abs_err_sum, ...), so a
 * pooled accumulator holding a single item reproduces that item's wQL and
 * RMSE exactly. */
#include "hindcast/metrics.h"

#include <math.h>

/* Pinball loss: tau*max(y-q,0) + (1-tau)*max(q-y,0). Written with a
 * comparison rather than fmax so that a NaN in y or q propagates (fmax would
 * silently turn it into 0). */
static double pinball(double y, double q, double tau)
{
    double d = y - q;
    return d >= 0.0 ? tau * d : (tau - 1.0) * d;
}

static double pinball_sum(const double *y, const double *q, double tau,
                          size_t n)
{
    double s = 0.0;
    for (size_t t = 0; t < n; t++)
        s += pinball(y[t], q[t], tau);
    return s;
}

static double abs_sum(const double *y, size_t n)
{
    double s = 0.0;
    for (size_t t = 0; t < n; t++)
        s += fabs(y[t]);
    return s;
}

static double abs_err_sum(const double *y, const double *f, size_t n)
{
    double s = 0.0;
    for (size_t t = 0; t < n; t++)
        s += fabs(y[t] - f[t]);
    return s;
}

static double sq_err_sum(const double *y, const double *f, size_t n)
{
    double s = 0.0;
    for (size_t t = 0; t < n; t++) {
        double e = y[t] - f[t];
        s += e * e;
    }
    return s;
}

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

double hc_mase_scale(const double *train, size_t n, int m)
{
    size_t lag = m < 1 ? 1 : (size_t)m;
    if (n <= lag)
        lag = 1;
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

    double abs_y = abs_sum(y, n);
    for (size_t k = 0; k < nq; k++)
        out->wql[k] = scaled(2.0 * pinball_sum(y, quant + k * n, taus[k], n),
                             abs_y);
    out->avg_wql = mean_of(out->wql, nq);

    double abs_err = abs_err_sum(y, mean, n);
    out->rmse = sqrt(sq_err_sum(y, mean, n) / (double)n);
    out->wape = abs_err;

    double ape = 0.0;
    size_t nape = 0;
    for (size_t t = 0; t < n; t++) {
        if (y[t] == 0.0)
            continue;
        ape += fabs(y[t] - mean[t]) / fabs(y[t]);
        nape++;
    }
    out->mape = nape ? ape / (double)nape : (double)NAN;

    if (isnan(mase_scale) || mase_scale == 0.0)
        out->mase = (double)NAN;
    else
        out->mase = (abs_err / (double)n) / mase_scale;
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

void hc_pooled_add(hc_pooled_metrics *acc, const double *y, const double *mean,
                   const double *quant, size_t n,
                   const hc_window_metrics *item)
{
    /* Excluded item-windows never reach the predictor-level numbers; make
     * adding one harmless rather than a silent corruption. */
    if (!acc || !item || !item->defined || n == 0)
        return;
    for (size_t k = 0; k < acc->nq; k++)
        acc->wql_num[k] += 2.0 * pinball_sum(y, quant + k * n, acc->taus[k], n);
    acc->abs_y += abs_sum(y, n);
    acc->sq_err += sq_err_sum(y, mean, n);
    acc->abs_err += abs_err_sum(y, mean, n);
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

/* auto.arima's default model selection (Hyndman & Khandakar 2008, JSS 27(3),
 * section 3.2, with forecast 8.20's defaults):
 *
 *  - D from the seasonal-strength test (m > 1 and more than 2m values), d
 *    from repeated KPSS tests on the seasonally differenced series, both
 *    on the residuals of a regression on the extra regressors when there
 *    are some; a test that cannot change its regressors is undone;
 *  - max p, q = min(5, n/3); max P, Q = min(2, n/3m); with seasonal terms
 *    allowed, p and q below m;
 *  - a constant (intercept when d + D = 0, drift when d + D = 1) allowed;
 *  - stepwise search: start from (2,d,2)(1,D,1) (or (1,d,1)(0,D,0) for
 *    fewer than 10 values), then the null model, a (1,0)(1,0) AR and a
 *    (0,1)(0,1) MA model and the null model without constant; then, until
 *    no neighbour improves, the moves P-1, Q-1, P+1, Q+1, the four diagonal
 *    seasonal moves, p-1, q-1, p+1, q+1, the four diagonal non-seasonal
 *    moves and toggling the constant, restarting from the first move after
 *    each improvement; at most 94 models;
 *  - with `approximation` (more than 150 values or a period above 12) the
 *    search ranks models by their CSS fit, then the models are refitted by
 *    maximum likelihood in order of that ranking until one is accepted.
 *
 * A series whose differenced form is constant gets the matching degenerate
 * model with its constant fixed (the mean, or the mean slope), as
 * auto.arima does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/error.h"
#include "models/arima_internal.h"
#include "models/models_internal.h"

#define NMODELS 94

typedef struct tried {
    int p, q, P, Q, constant;
    int unchecked; /* criterion without the Hessian check */
    double ic;
} tried;

typedef struct search {
    const arima_problem *pb;
    int d, D, m, method;
    tried res[NMODELS];
    int k;
    arima_fit best;
    int any_fitted;
    hc_error *err;
} search;

static int newmodel(const search *s, int p, int q, int P, int Q, int c)
{
    for (int i = 0; i < s->k; i++) {
        const tried *t = &s->res[i];
        if (t->p == p && t->q == q && t->P == P && t->Q == Q &&
            t->constant == c)
            return 0;
    }
    return 1;
}

/* Fits and records the model in row `row`; 1 when it beats the best.
 * Negative on an allocation failure. */
static int try_model(search *s, int row, int p, int q, int P, int Q, int c)
{
    arima_order o = {p, s->d, q, P, s->D, Q, s->m};
    arima_fit fit;
    int rc = arima_fit_model(s->pb, &o, c, s->method, s->best.ic, &fit,
                             s->err);
    if (rc != HC_OK)
        return rc;
    if (!isnan(fit.sigma2) || isfinite(fit.aic))
        s->any_fitted = 1;
    s->res[row] = (tried){p, q, P, Q, c, fit.unchecked, fit.ic};
    if (fit.ic < s->best.ic) {
        s->best = fit;
        return 1;
    }
    return 0;
}

/* Regression residuals of y on (1, xreg), NaN where y is missing. */
static int xreg_residuals(const arima_problem *pb, double *xx)
{
    size_t n = pb->n;
    arima_problem tmp = *pb;
    arima_order o0 = {0, 0, 0, 0, 0, 0, 1};
    arima_fit f;
    memset(&f, 0, sizeof f);
    f.o = o0;
    f.constant = 1;
    f.nreg = 1 + pb->nxreg;
    size_t k = (size_t)f.nreg;
    double *X = malloc(n * k * sizeof *X);
    double *beta = calloc(k, sizeof *beta);
    int rc = -1;
    if (!X || !beta)
        goto done;
    arima_design(&tmp, &f, X);
    {
        double scale[ARIMA_MAX_COEF];
        rc = arima_ols(pb->y, X, n, (int)k, beta, scale);
    }
    if (rc != 0)
        goto done;
    for (size_t t = 0; t < n; t++) {
        double v = pb->y[t];
        for (size_t j = 0; j < k; j++)
            v -= X[j * n + t] * beta[j];
        xx[t] = v;
    }
done:
    free(X);
    free(beta);
    return rc;
}

/* In place: lag-`lag` differences; returns the new length. */
static size_t diff_inplace(double *v, size_t n, size_t lag)
{
    if (n <= lag)
        return 0;
    for (size_t i = 0; i + lag < n; i++)
        v[i] = v[i + lag] - v[i];
    return n - lag;
}

static int all_nan(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            return 0;
    return 1;
}

/* Some column of the regressors becomes constant after the differences. */
static int xreg_constant_after(const arima_problem *pb, int d, int D, int m,
                               double *scratch)
{
    for (int j = 0; j < pb->nxreg; j++) {
        memcpy(scratch, pb->xreg + (size_t)j * pb->n, pb->n * sizeof *scratch);
        size_t len = pb->n;
        for (int i = 0; i < D; i++)
            len = diff_inplace(scratch, len, (size_t)m);
        for (int i = 0; i < d; i++)
            len = diff_inplace(scratch, len, 1);
        if (hc_models_is_constant(scratch, len))
            return 1;
    }
    return 0;
}

/* The fixed-coefficient model of a series whose differences are constant.
 * value: the intercept or drift (NaN: none). */
static void degenerate_fit(const arima_problem *pb, int d, int D, int m,
                           double value, const double *dx, size_t ndx,
                           arima_fit *out)
{
    memset(out, 0, sizeof *out);
    arima_order o = {0, d, 0, 0, D, 0, m};
    out->o = o;
    out->method = ARIMA_CSS_ML;
    out->constant = !isnan(value);
    out->nreg = out->constant + pb->nxreg;
    if (out->constant)
        out->coef[0] = value;
    /* The differenced drift regressor is m^D (d + D = 1). */
    double shift = 0.0;
    if (out->constant)
        shift = (d + D == 1) ? value * (D ? (double)m : 1.0) : value;
    double ss = 0.0;
    size_t nu = 0;
    for (size_t i = 0; i < ndx; i++) {
        if (isnan(dx[i]))
            continue;
        ss += (dx[i] - shift) * (dx[i] - shift);
        nu++;
    }
    out->sigma2 = nu ? ss / (double)nu : 0.0;
    out->loglik = (double)NAN;
    out->aic = out->aicc = out->bic = (double)NAN;
    out->ic = 0.0;
    out->nstar = (double)nu;
}

int arima_auto(const arima_problem *pb_in, const arima_auto_opts *opts,
               arima_fit *best, hc_error *err)
{
    arima_problem pb = *pb_in;
    size_t n = pb.n;
    memset(best, 0, sizeof *best);
    best->ic = HUGE_VAL;

    size_t sl = 0;
    for (size_t t = 0; t < n; t++)
        if (!isnan(pb.y[t]))
            sl++;
    if (sl == 0)
        return HC_OK;
    int m = opts->m < 1 ? 1 : opts->m;
    if (m > ARIMA_MAX_M)
        m = 1;
    int max_p = (int)(sl / 3) < ARIMA_MAX_PQ ? (int)(sl / 3) : ARIMA_MAX_PQ;
    int max_q = max_p;
    int max_P = (int)(sl / 3 / (size_t)m);
    if (max_P > ARIMA_MAX_SPQ)
        max_P = ARIMA_MAX_SPQ;
    int max_Q = max_P;
    pb.use_aic = sl <= 3;

    double *xx = malloc(2 * n * sizeof *xx);
    if (!xx)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory in auto.arima");
    double *scratch = xx + n;
    int rc = HC_OK;
    if (pb.nxreg > 0) {
        if (xreg_residuals(&pb, xx) != 0)
            memcpy(xx, pb.y, n * sizeof *xx);
    } else {
        memcpy(xx, pb.y, n * sizeof *xx);
    }

    int D = 0;
    if (m == 1) {
        max_P = max_Q = 0;
    } else if (n > 2 * (size_t)m) {
        D = arima_nsdiffs(xx, n, m, ARIMA_MAX_SD);
        if (D < 0) {
            rc = hc_error_set(err, D, "out of memory in auto.arima");
            goto done;
        }
        if (D > 0 && pb.nxreg > 0 && xreg_constant_after(&pb, 0, D, m, scratch))
            D--;
        if (D > 0) {
            memcpy(scratch, xx, n * sizeof *xx);
            size_t len = diff_inplace(scratch, n, (size_t)m);
            if (all_nan(scratch, len))
                D--;
        }
    }
    /* dx: the seasonally differenced residual series. */
    double *dx = scratch;
    memcpy(dx, xx, n * sizeof *dx);
    size_t ndx = n;
    for (int i = 0; i < D; i++)
        ndx = diff_inplace(dx, ndx, (size_t)m);
    int d = arima_ndiffs(dx, ndx, 0.05, ARIMA_MAX_D);
    if (d < 0) {
        rc = hc_error_set(err, d, "out of memory in auto.arima");
        goto done;
    }
    if (d > 0 && pb.nxreg > 0) {
        if (xreg_constant_after(&pb, d, D, m, xx))
            d--;
    }
    if (d > 0) {
        double *tmp = xx; /* xx is not needed any more */
        memcpy(tmp, dx, ndx * sizeof *tmp);
        size_t len = ndx;
        for (int i = 0; i < d; i++)
            len = diff_inplace(tmp, len, 1);
        if (all_nan(tmp, len))
            d--;
    }
    for (int i = 0; i < d; i++)
        ndx = diff_inplace(dx, ndx, 1);
    if (ndx == 0)
        goto done; /* "Not enough data to proceed" */

    if (hc_models_is_constant(dx, ndx)) {
        if (pb.nxreg == 0) {
            double mean = 0.0;
            size_t cnt = 0;
            for (size_t i = 0; i < ndx; i++)
                if (!isnan(dx[i])) {
                    mean += dx[i];
                    cnt++;
                }
            mean = cnt ? mean / (double)cnt : 0.0;
            if (D > 0 && d == 0)
                degenerate_fit(&pb, d, D, m, mean / (double)m, dx, ndx, best);
            else if (D > 0 || d == 2)
                degenerate_fit(&pb, d, D, m, (double)NAN, dx, ndx, best);
            else
                degenerate_fit(&pb, d, D, m, mean, dx, ndx, best);
        } else {
            arima_order o = {0, d, 0, 0, D, 0, m};
            rc = arima_fit_model(&pb, &o, d + D == 0, ARIMA_CSS_ML, HUGE_VAL,
                                 best, err);
            if (rc == HC_OK && !isfinite(best->ic) && isfinite(best->aic))
                best->ic = best->aic; /* Arima(): no refusal rules */
        }
        goto done;
    }

    if (m > 1) {
        if (max_P > 0 && max_p > m - 1)
            max_p = m - 1;
        if (max_Q > 0 && max_q > m - 1)
            max_q = m - 1;
    }
    int allowdrift = opts->allow_drift && d + D == 1;
    int allowmean = opts->allow_mean && d + D == 0;
    int constant = allowdrift || allowmean;

    int start_p = 2, start_q = 2, start_P = 1, start_Q = 1;
    if (n < 10) {
        start_p = 1;
        start_q = 1;
        start_P = 0;
        start_Q = 0;
    }
    int p = start_p < max_p ? start_p : max_p;
    int q = start_q < max_q ? start_q : max_q;
    int P = start_P < max_P ? start_P : max_P;
    int Q = start_Q < max_Q ? start_Q : max_Q;

    search *s = calloc(1, sizeof *s);
    if (!s) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory in auto.arima");
        goto done;
    }
    s->pb = &pb;
    s->d = d;
    s->D = D;
    s->m = m;
    s->method = opts->approximation ? ARIMA_CSS : ARIMA_CSS_ML;
    s->err = err;
    s->best.ic = HUGE_VAL;

#define TRY(row, pp, qq, PP, QQ, cc)                                           \
    do {                                                                       \
        int r_ = try_model(s, (row), (pp), (qq), (PP), (QQ), (cc));            \
        if (r_ < 0) {                                                          \
            rc = r_;                                                           \
            goto search_done;                                                  \
        }                                                                      \
        improved = r_;                                                         \
    } while (0)

    int improved;
    TRY(0, p, q, P, Q, constant);
    s->k = 1;
    TRY(1, 0, 0, 0, 0, constant);
    s->k = 2;
    if (improved)
        p = q = P = Q = 0;
    if (max_p > 0 || max_P > 0) {
        int pp = max_p > 0, PP = m > 1 && max_P > 0;
        TRY(s->k, pp, 0, PP, 0, constant);
        s->k++;
        if (improved) {
            p = pp;
            P = PP;
            q = Q = 0;
        }
    }
    if (max_q > 0 || max_Q > 0) {
        int qq = max_q > 0, QQ = m > 1 && max_Q > 0;
        TRY(s->k, 0, qq, 0, QQ, constant);
        s->k++;
        if (improved) {
            p = P = 0;
            q = qq;
            Q = QQ;
        }
    }
    if (constant) {
        TRY(s->k, 0, 0, 0, 0, 0);
        s->k++;
        if (improved)
            p = q = P = Q = 0;
    }

    /* One neighbour: skipped when already tried; a new best moves there
     * and restarts the scan (R's `next`). */
#define MOVE(cond, pp, qq, PP, QQ, cc)                                         \
    if ((cond) && newmodel(s, (pp), (qq), (PP), (QQ), (cc))) {                 \
        if (s->k >= NMODELS) {                                                 \
            s->k++;                                                            \
            continue;                                                          \
        }                                                                      \
        int np_ = (pp), nq_ = (qq), nP_ = (PP), nQ_ = (QQ), nc_ = (cc);        \
        TRY(s->k, np_, nq_, nP_, nQ_, nc_);                                    \
        s->k++;                                                                \
        if (improved) {                                                        \
            p = np_;                                                           \
            q = nq_;                                                           \
            P = nP_;                                                           \
            Q = nQ_;                                                           \
            constant = nc_;                                                    \
            continue;                                                          \
        }                                                                      \
    }

    int startk = 0;
    while (startk < s->k && s->k < NMODELS) {
        startk = s->k;
        MOVE(P > 0, p, q, P - 1, Q, constant)
        MOVE(Q > 0, p, q, P, Q - 1, constant)
        MOVE(P < max_P, p, q, P + 1, Q, constant)
        MOVE(Q < max_Q, p, q, P, Q + 1, constant)
        MOVE(Q > 0 && P > 0, p, q, P - 1, Q - 1, constant)
        MOVE(Q < max_Q && P > 0, p, q, P - 1, Q + 1, constant)
        MOVE(Q > 0 && P < max_P, p, q, P + 1, Q - 1, constant)
        MOVE(Q < max_Q && P < max_P, p, q, P + 1, Q + 1, constant)
        MOVE(p > 0, p - 1, q, P, Q, constant)
        MOVE(q > 0, p, q - 1, P, Q, constant)
        MOVE(p < max_p, p + 1, q, P, Q, constant)
        MOVE(q < max_q, p, q + 1, P, Q, constant)
        MOVE(q > 0 && p > 0, p - 1, q - 1, P, Q, constant)
        MOVE(q < max_q && p > 0, p - 1, q + 1, P, Q, constant)
        MOVE(q > 0 && p < max_p, p + 1, q - 1, P, Q, constant)
        MOVE(q < max_q && p < max_p, p + 1, q + 1, P, Q, constant)
        MOVE(allowdrift || allowmean, p, q, P, Q, !constant)
    }
#undef MOVE
    if (s->k > NMODELS)
        s->k = NMODELS;

    if (opts->approximation && s->any_fitted) {
        /* Refit by maximum likelihood in the order of the approximate
         * criterion (R's order(): ascending, ties by position), until one
         * is accepted. A model whose CSS Hessian check was skipped gets it
         * now; refused, it moves behind the finite ones, as its +Inf would
         * have placed it. */
        int order[NMODELS], done_[NMODELS] = {0};
        for (int i = 0; i < s->k; i++)
            order[i] = i;
        for (int i = 1; i < s->k; i++) {
            int v = order[i], j = i;
            while (j > 0 && s->res[order[j - 1]].ic > s->res[v].ic) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = v;
        }
        for (;;) {
            int pick = -1;
            for (int i = 0; i < s->k; i++) {
                int c = order[i];
                if (done_[c])
                    continue;
                if (pick < 0 || s->res[c].ic < s->res[pick].ic)
                    pick = c;
            }
            if (pick < 0)
                break;
            tried *t = &s->res[pick];
            arima_order o = {t->p, d, t->q, t->P, D, t->Q, m};
            arima_fit fit;
            if (t->unchecked) {
                t->unchecked = 0;
                rc = arima_fit_model(&pb, &o, t->constant, ARIMA_CSS, HUGE_VAL,
                                     &fit, err);
                if (rc != HC_OK)
                    goto search_done;
                if (!isfinite(fit.ic)) {
                    t->ic = HUGE_VAL;
                    continue;
                }
            }
            done_[pick] = 1;
            rc = arima_fit_model(&pb, &o, t->constant, ARIMA_CSS_ML, HUGE_VAL,
                                 &fit, err);
            if (rc != HC_OK)
                goto search_done;
            if (isfinite(fit.ic)) {
                s->best = fit;
                break;
            }
        }
    }
    *best = s->best;
search_done:
#undef TRY
    free(s);
done:
    free(xx);
    return rc;
}

/* ARIMA likelihoods: conditional sum of squares and the exact Gaussian
 * likelihood by the Kalman filter.
 *
 * Why the differenced series. stats::arima puts the differencing inside the
 * state (Durbin & Koopman 2012, 3.4) and starts the nonstationary part with
 * a large but finite variance (kappa = 1e6). For data in the thousands (most
 * M4 series) that prior is not diffuse and perturbs the likelihood. With no
 * missing values the exact diffuse likelihood of the undifferenced series
 * equals the stationary likelihood of the differenced one (Ansley & Kohn
 * 1985), so the filter here runs on w_t = (1-B)^d (1-B^m)^D y_t, which is
 * also smaller (state dimension r instead of r + d + mD). A w_t that would
 * need a missing y is itself missing and is skipped by the filter.
 *
 * State space (Harvey 1989, the form of stats::arima), r = max(np, nq + 1):
 *   w_t = Z alpha_t,  alpha_{t+1} = T alpha_t + R e_{t+1},  Var e = 1,
 *   Z = (1, 0, ..., 0), T = [phi | I_(r-1) over 0'], R = (1, theta_1, ...).
 * Unrolling the transition, alpha_t[i] = sum_{k=1}^{r-i} (phi_{i+k} w_{t-k}
 * + theta_{i+k-1} e_{t-k+1}). The stationary covariance therefore follows
 * from the autocovariances gamma(h) of w and the cross-covariances
 * E[w_s e_u] = psi_{s-u}:
 *   P0 = A G A' + A C B' + B C' A' + B B',
 *   A[i][k] = phi_{i+k+1}, B[i][k] = theta_{i+k} (theta_0 = 1),
 *   G[k][l] = gamma(|k-l|), C[k][l] = psi_{l-k-1} (0 when l <= k),
 * (0-based i, k, l < r), a handful of matrix products for CBLAS. The
 * autocovariances solve the linear system (Brockwell & Davis 1991, 3.3.8)
 *   gamma(k) - sum_{j=1}^{np} phi_j gamma(|k-j|) = sum_{j=k}^{nq} theta_j psi_{j-k}
 * for k = 0..np (LAPACK dgesv), the same recursion giving gamma(k > np).
 * This replaces stats::arima's Gardner et al. (1980) algorithm; both give
 * the unique solution of P = T P T' + R R'. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/arima_internal.h"

/* Filtered covariances below this (in units of the innovation variance)
 * mean the state is known: from then on the gain is R and F = 1, and the
 * filter costs O(r) a step. Pure AR models get there after np steps. */
#define STEADY_TOL 1e-8

int arima_kalman_ws_init(arima_kalman_ws *ws, int rmax)
{
    memset(ws, 0, sizeof *ws);
    size_t r = (size_t)(rmax < 1 ? 1 : rmax);
    size_t r2 = r * r;
    size_t nsys = (r + 1) * (r + 1);
    size_t total = 7 * r + 7 * r2 + 2 * (r + 1) + (2 * r + 2) + nsys;
    ws->buf = malloc(total * sizeof *ws->buf);
    ws->ipiv = malloc((r + 1) * sizeof *ws->ipiv);
    ws->tnz = malloc(2 * r * sizeof *ws->tnz);
    if (!ws->buf || !ws->ipiv || !ws->tnz) {
        arima_kalman_ws_free(ws);
        return -1;
    }
    ws->rmax = (int)r;
    ws->rnz = ws->tnz + r;
    double *b = ws->buf;
    ws->a = b, b += r;
    ws->col = b, b += r;
    ws->R = b, b += r;
    ws->T = b, b += r;
    ws->K = b, b += r;
    ws->W = b, b += r;
    ws->TW = b, b += r;
    ws->P = b, b += r2;
    ws->Pf = b, b += r2;
    ws->A = b, b += r2;
    ws->B = b, b += r2;
    ws->G = b, b += r2;
    ws->C = b, b += r2;
    ws->M = b, b += r2;
    ws->gam = b, b += r + 1;
    ws->rhs = b, b += r + 1;
    ws->psi = b, b += 2 * r + 2;
    ws->sys = b;
    return 0;
}

void arima_kalman_ws_free(arima_kalman_ws *ws)
{
    if (!ws)
        return;
    free(ws->buf);
    free(ws->ipiv);
    free(ws->tnz);
    memset(ws, 0, sizeof *ws);
}

static int state_dim(int np, int nq) { return np > nq + 1 ? np : nq + 1; }

int arima_stationary_cov(const double *phi, int np, const double *theta,
                         int nq, arima_kalman_ws *ws)
{
    int r = state_dim(np, nq);
    if (r > ws->rmax)
        return -1;
    double *psi = ws->psi, *gam = ws->gam;
    int npsi = (nq > r ? nq : r) + 1;
    arima_psi(phi, np, theta, nq, psi, (size_t)npsi);

    /* rhs_k = sum_{j=k}^{nq} theta_j psi_{j-k}, theta_0 = 1, k = 0..r */
    double *rhs = ws->rhs;
    for (int k = 0; k <= r; k++) {
        double s = 0.0;
        for (int j = k; j <= nq; j++)
            s += (j == 0 ? 1.0 : theta[j - 1]) * psi[j - k];
        rhs[k] = s;
    }
    if (np > 0) {
        int ns = np + 1;
        double *sys = ws->sys;
        memset(sys, 0, (size_t)ns * (size_t)ns * sizeof *sys);
        for (int k = 0; k < ns; k++) {
            sys[k * ns + k] += 1.0;
            for (int j = 1; j <= np; j++)
                sys[k * ns + abs(k - j)] -= phi[j - 1];
            gam[k] = rhs[k];
        }
        lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, ns, 1, sys, ns,
                                        ws->ipiv, gam, 1);
        if (info != 0)
            return -1;
        for (int k = ns; k < r; k++) {
            double s = rhs[k];
            for (int j = 1; j <= np; j++)
                s += phi[j - 1] * gam[k - j];
            gam[k] = s;
        }
    } else {
        for (int k = 0; k < r; k++)
            gam[k] = rhs[k];
    }
    if (!(gam[0] > 0.0) || !isfinite(gam[0]))
        return -1;
    for (int k = 0; k < r; k++)
        if (!isfinite(gam[k]))
            return -1;

    size_t rr = (size_t)r * (size_t)r;
    double *A = ws->A, *B = ws->B, *G = ws->G, *C = ws->C, *M = ws->M;
    double *P = ws->P;
    memset(A, 0, rr * sizeof *A);
    memset(B, 0, rr * sizeof *B);
    memset(C, 0, rr * sizeof *C);
    for (int i = 0; i < r; i++) {
        for (int k = 0; k < r; k++) {
            int ai = i + k + 1; /* phi index, 1-based */
            if (ai <= np)
                A[i * r + k] = phi[ai - 1];
            int bi = i + k; /* theta index, theta_0 = 1 */
            if (bi == 0)
                B[i * r + k] = 1.0;
            else if (bi <= nq)
                B[i * r + k] = theta[bi - 1];
            G[i * r + k] = gam[abs(i - k)];
            if (k > i)
                C[i * r + k] = psi[k - i - 1];
        }
    }
    /* M = A G;  P = M A' */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, r, r, 1.0, A, r,
                G, r, 0.0, M, r);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, r, r, 1.0, M, r,
                A, r, 0.0, P, r);
    /* M = A C;  P += M B' + B M' */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, r, r, 1.0, A, r,
                C, r, 0.0, M, r);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, r, r, 1.0, M, r,
                B, r, 1.0, P, r);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, r, r, 1.0, B, r,
                M, r, 1.0, P, r);
    /* P += B B' */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, r, r, 1.0, B, r,
                B, r, 1.0, P, r);
    for (size_t i = 0; i < rr; i++)
        if (!isfinite(P[i]))
            return -1;
    return 0;
}

/* Pn = T Pf T' + R R' for the companion T, with the filtered covariance
 * Pf = P - c c' / F (c = P's first column, invF = 1/F, 0 for no update)
 * formed on the fly: with phi_i = T[i] and rows and columns beyond r zero,
 *   Pn[i][j] = Pf[i+1][j+1] + R_i R_j + phi_i Pf[0][j+1] + phi_j Pf[i+1][0]
 *            + phi_i phi_j Pf[0][0].
 * The shift is one pass over the matrix; the other terms touch only the
 * rows and columns where phi or R is nonzero (tnz, rnz), few for seasonal
 * models whose r is large. No BLAS routine knows the companion structure,
 * and a general product would cost O(r^3). */
static void predict_cov(int r, const double *T, const double *R,
                        const int *tnz, int ntnz, const int *rnz, int nrnz,
                        const double *P, const double *c, double invF,
                        double *Pn)
{
    /* g[j] = Pf[0][j+1] (= Pf[j+1][0]), f00 = Pf[0][0]. */
    double g[2 * ARIMA_MAX_M * ARIMA_MAX_SPQ + ARIMA_MAX_PQ + 2];
    double f00 = P[0] - c[0] * c[0] * invF;
    for (int j = 0; j + 1 < r; j++)
        g[j] = P[j + 1] - c[0] * c[j + 1] * invF;
    g[r - 1] = 0.0;
    for (int i = 0; i + 1 < r; i++) {
        const double *prow = P + (i + 1) * r + 1;
        double ci = c[i + 1] * invF;
        double *out = Pn + i * r;
        for (int j = 0; j + 1 < r; j++)
            out[j] = prow[j] - ci * c[j + 1];
        out[r - 1] = 0.0;
    }
    for (int j = 0; j < r; j++)
        Pn[(r - 1) * r + j] = 0.0;
    for (int x = 0; x < nrnz; x++)
        for (int y = 0; y < nrnz; y++)
            Pn[rnz[x] * r + rnz[y]] += R[rnz[x]] * R[rnz[y]];
    for (int x = 0; x < ntnz; x++) {
        int i = tnz[x];
        double ti = T[i];
        for (int j = 0; j < r; j++) {
            Pn[i * r + j] += ti * g[j];
            Pn[j * r + i] += ti * g[j];
        }
        for (int y = 0; y < ntnz; y++)
            Pn[i * r + tnz[y]] += ti * T[tnz[y]] * f00;
    }
}

/* The same product in one fused pass over the whole matrix: faster when r
 * is small (every row has work to do). */
static void predict_cov_dense(int r, const double *T, const double *R,
                              const double *P, const double *c, double invF,
                              double *Pn)
{
#define PF(i, j) (P[(i) * r + (j)] - c[i] * c[j] * invF)
    double f00 = PF(0, 0);
    for (int i = 0; i < r; i++) {
        double ti = T[i], ri = R[i];
        double fi0 = i + 1 < r ? PF(i + 1, 0) : 0.0;
        for (int j = i; j < r; j++) {
            double v = ti * T[j] * f00 + T[j] * fi0 + ri * R[j];
            if (j + 1 < r) {
                v += ti * PF(0, j + 1);
                if (i + 1 < r)
                    v += PF(i + 1, j + 1);
            }
            Pn[i * r + j] = v;
            Pn[j * r + i] = v;
        }
    }
#undef PF
}

/* Below this state dimension the fused dense pass wins. */
#define SPARSE_MIN_R 16

static inline void predict_state(int r, const double *T, double *a)
{
    double a0 = a[0];
    for (int i = 0; i + 1 < r; i++)
        a[i] = T[i] * a0 + a[i + 1];
    a[r - 1] = T[r - 1] * a0;
}

/* sum log F_t is accumulated as a product, taken to logs in batches: F_t
 * >= 1 (it is 1 plus a variance), so the product only grows. */
static inline void add_log_F(double F, double *prodF, double *sumlog)
{
    *prodF *= F;
    if (*prodF > 1e200) {
        *sumlog += log(*prodF);
        *prodF = 1.0;
    }
}

/* Closes the batched log product and fills out; -1 when not finite. */
static int finish_out(double ssq, double sumlog, double prodF, size_t nu,
                      arima_kalman_out *out)
{
    sumlog += log(prodF);
    if (!isfinite(ssq) || !isfinite(sumlog))
        return -1;
    out->ssq = ssq;
    out->sumlog = sumlog;
    out->nu = nu;
    return 0;
}

/* The filter by the Chandrasekhar recursions (Morf, Sidhu & Kailath 1974;
 * Herbst 2015): started at the stationary covariance, the change
 * P_{t+1} - P_t of the predicted covariance keeps rank one,
 * W_t M_t W_t', so instead of the r x r Riccati update
 *   F_{t+1} = F_t + (Z W_t)^2 M_t
 *   K_{t+1} = (K_t F_t + T W_t M_t Z W_t) / F_{t+1}
 *   M_{t+1} = M_t + (M_t Z W_t)^2 / F_t
 *   W_{t+1} = T W_t - K_{t+1} Z W_t
 * (K the gain of the predicted state, a_{t+1} = T a_t + K_t v_t) cost O(r)
 * a step, W_1 = K_1, M_1 = -F_1. Every step must be an update, so series
 * with missing values take the covariance form below. */
static int kalman_chandrasekhar(const double *w, size_t nw, int r,
                                arima_kalman_ws *ws, arima_kalman_out *out,
                                double *resid, double *pred)
{
    double *a = ws->a, *K = ws->K, *W = ws->W, *TW = ws->TW;
    const double *T = ws->T, *P0 = ws->P;
    double F = P0[0];
    if (!(F >= 0.5) || !isfinite(F))
        return -1;
    for (int i = 0; i < r; i++) {
        K[i] = (T[i] * P0[0] + (i + 1 < r ? P0[(i + 1) * r] : 0.0)) / F;
        W[i] = K[i];
        a[i] = 0.0;
    }
    double M = -F;
    double ssq = 0.0, sumlog = 0.0, prodF = 1.0;
    for (size_t t = 0; t < nw; t++) {
        if (pred)
            pred[t] = a[0];
        if (!(F >= 0.5) || !isfinite(F))
            return -1; /* F >= 1 in exact arithmetic */
        double v = w[t] - a[0];
        ssq += v * v / F;
        add_log_F(F, &prodF, &sumlog);
        if (resid)
            resid[t] = v / sqrt(F);
        predict_state(r, T, a);
        for (int i = 0; i < r; i++)
            a[i] += K[i] * v;
        double w0 = W[0];
        for (int i = 0; i + 1 < r; i++)
            TW[i] = T[i] * w0 + W[i + 1];
        TW[r - 1] = T[r - 1] * w0;
        double Mw0 = M * w0;
        double Fn = F + w0 * Mw0;
        for (int i = 0; i < r; i++) {
            K[i] = (K[i] * F + TW[i] * Mw0) / Fn;
            W[i] = TW[i] - K[i] * w0;
        }
        M += Mw0 * Mw0 / F;
        F = Fn;
    }
    return finish_out(ssq, sumlog, prodF, nw, out);
}

int arima_kalman(const double *w, size_t nw, const double *phi, int np,
                 const double *theta, int nq, arima_kalman_ws *ws,
                 arima_kalman_out *out, double *resid, double *pred,
                 double *state)
{
    int r = state_dim(np, nq);
    if (r > ws->rmax)
        return -1;
    if (arima_stationary_cov(phi, np, theta, nq, ws) != 0)
        return -1;
    double *a = ws->a, *P = ws->P, *Pn = ws->Pf, *col = ws->col;
    double *T = ws->T, *R = ws->R;
    int *tnz = ws->tnz, *rnz = ws->rnz, ntnz = 0, nrnz = 0;
    for (int i = 0; i < r; i++) {
        T[i] = i < np ? phi[i] : 0.0;
        R[i] = i == 0 ? 1.0 : (i <= nq ? theta[i - 1] : 0.0);
        a[i] = 0.0;
        if (T[i] != 0.0)
            tnz[ntnz++] = i;
        if (R[i] != 0.0)
            rnz[nrnz++] = i;
    }
    int has_nan = 0;
    for (size_t t = 0; t < nw && !has_nan; t++)
        has_nan = isnan(w[t]);
    if (!has_nan) {
        int rc = kalman_chandrasekhar(w, nw, r, ws, out, resid, pred);
        if (rc == 0 && state)
            memcpy(state, a, (size_t)r * sizeof *state);
        return rc;
    }
    double ssq = 0.0, sumlog = 0.0, prodF = 1.0;
    size_t nu = 0;
    int steady = 0;
    for (size_t t = 0; t < nw; t++) {
        int obs = !isnan(w[t]);
        if (pred)
            pred[t] = a[0];
        if (steady && !obs) {
            /* The predicted covariance of a known state is R R'. */
            for (int i = 0; i < r; i++)
                for (int j = 0; j < r; j++)
                    P[i * r + j] = R[i] * R[j];
            steady = 0;
        }
        if (steady) {
            double v = w[t] - a[0];
            for (int i = 0; i < r; i++)
                a[i] += R[i] * v;
            ssq += v * v;
            nu++;
            if (resid)
                resid[t] = v;
            predict_state(r, T, a);
            continue;
        }
        double invF = 0.0;
        if (obs) {
            double F = P[0];
            if (!(F >= 0.5) || !isfinite(F))
                return -1; /* F >= 1 in exact arithmetic */
            invF = 1.0 / F;
            double v = w[t] - a[0];
            for (int i = 0; i < r; i++) {
                col[i] = P[i * r];
                a[i] += col[i] * (v * invF);
            }
            ssq += v * v * invF;
            add_log_F(F, &prodF, &sumlog);
            nu++;
            if (resid)
                resid[t] = v / sqrt(F);
            /* A covariance matrix's largest entry is on its diagonal. */
            double maxdiag = 0.0;
            for (int i = 0; i < r; i++) {
                double dii = fabs(P[i * r + i] - col[i] * col[i] * invF);
                if (dii > maxdiag)
                    maxdiag = dii;
            }
            if (maxdiag < STEADY_TOL)
                steady = 1;
        } else {
            for (int i = 0; i < r; i++)
                col[i] = 0.0;
            if (resid)
                resid[t] = 0.0;
        }
        predict_state(r, T, a);
        if (!steady) {
            if (r < SPARSE_MIN_R)
                predict_cov_dense(r, T, R, P, col, invF, Pn);
            else
                predict_cov(r, T, R, tnz, ntnz, rnz, nrnz, P, col, invF,
                            Pn);
            double *tmp = P;
            P = Pn;
            Pn = tmp;
        }
    }
    if (finish_out(ssq, sumlog, prodF, nu, out) != 0)
        return -1;
    if (state)
        memcpy(state, a, (size_t)r * sizeof *state);
    return 0;
}

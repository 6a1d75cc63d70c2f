/* ARIMA diagnostics on M4 Weekly and Hourly: accuracy beside R, model
 * orders beside R's, CPU time, and the Hourly run with a seasonal ARIMA
 * (what M4's ARIMA was) next to the predictor's Fourier rule. The accuracy
 * and R-timing table of every model is m4_accuracy's (benchmarks/README.md);
 * this program adds what only ARIMA has.
 *
 * Usage: arima_check [--data DIR] [--frequency Weekly|Hourly]
 *                    [--mode product|seasonal] [--series N] [--first I]
 *                    [--verbose] [--forecasts FILE]
 *
 * Weekly runs with season 1 (the M4 protocol and the R reference
 * forecasts, reference-r-forecast-8.20/weekly-arima.csv.gz: sMAPE 8.593,
 * MASE 2.541), compares each series' (p,d,q) with R's and its forecasts.
 * Hourly runs with season 24; `--mode product` (default) is what the
 * predictor does (Fourier terms K = 4 with ARIMA errors, SPEC 3.3 /
 * arima.c), `--mode seasonal` is auto.arima with a seasonal ARIMA of period
 * 24, the method behind the published M4 ARIMA score (13.980 / 0.943).
 *
 * sMAPE = 200/h sum |y - f| / (|y| + |f|); MASE = mean |y - f| / mean
 * |y_t - y_{t-m}| over the training series with m = 1 (Weekly) or 24
 * (Hourly), as the M4 competition scored them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "hindcast/model.h"
#include "models/arima_internal.h"

#ifndef HC_SOURCE_ROOT
#define HC_SOURCE_ROOT "."
#endif

typedef struct series {
    char id[16];
    double *y;
    size_t n;
} series;

typedef struct table {
    series *s;
    size_t n;
} table;

static char *read_line(gzFile gz, char **buf, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            *cap = *cap ? 2 * *cap : 1 << 16;
            *buf = realloc(*buf, *cap);
            if (!*buf)
                exit(3);
        }
        if (!gzgets(gz, *buf + len, (int)(*cap - len)))
            return len ? *buf : NULL;
        len += strlen(*buf + len);
        if (len && (*buf)[len - 1] == '\n')
            return *buf;
    }
}

/* Splits a CSV line (quotes allowed, no escaped quotes) in place. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t nf = 0;
    char *p = line;
    while (nf < max) {
        char *start;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p++;
            if (*p)
                *p++ = '\0';
        } else {
            start = p;
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r')
            p++;
        char c = *p;
        *p = '\0';
        fields[nf++] = start;
        if (c != ',')
            break;
        p++;
    }
    return nf;
}

static int read_table(const char *path, table *t, int skip_cols)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0;
    char **fields = malloc(4000 * sizeof *fields);
    read_line(gz, &buf, &cap); /* header */
    size_t alloc = 0;
    memset(t, 0, sizeof *t);
    while (read_line(gz, &buf, &cap)) {
        size_t nf = split(buf, fields, 4000);
        if (nf < 2)
            continue;
        if (t->n == alloc) {
            alloc = alloc ? 2 * alloc : 512;
            t->s = realloc(t->s, alloc * sizeof *t->s);
        }
        series *s = &t->s[t->n++];
        snprintf(s->id, sizeof s->id, "%s", fields[skip_cols]);
        s->y = malloc(nf * sizeof *s->y);
        s->n = 0;
        for (size_t i = (size_t)skip_cols + 1; i < nf; i++) {
            if (!fields[i][0])
                break;
            s->y[s->n++] = strtod(fields[i], NULL);
        }
    }
    free(buf);
    free(fields);
    gzclose(gz);
    return 0;
}

/* R reference: method,id,model,F1..F13 -> forecasts and the "p,d,q". */
typedef struct rref {
    char id[16];
    int p, d, q;
    double f[13];
} rref;

static int read_rref(const char *path, rref **out, size_t *nout)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return -1;
    char *buf = NULL;
    size_t cap = 0;
    char *fields[32];
    read_line(gz, &buf, &cap);
    size_t n = 0, alloc = 0;
    rref *r = NULL;
    while (read_line(gz, &buf, &cap)) {
        size_t nf = split(buf, fields, 32);
        if (nf < 16)
            continue;
        if (n == alloc) {
            alloc = alloc ? 2 * alloc : 512;
            r = realloc(r, alloc * sizeof *r);
        }
        rref *x = &r[n++];
        snprintf(x->id, sizeof x->id, "%s", fields[1]);
        if (sscanf(fields[2], "%d,%d,%d", &x->p, &x->d, &x->q) != 3)
            x->p = x->d = x->q = -1;
        for (int i = 0; i < 13; i++)
            x->f[i] = strtod(fields[3 + i], NULL);
    }
    free(buf);
    gzclose(gz);
    *out = r;
    *nout = n;
    return 0;
}

/* CPU time of this process: the comparison with R is single-threaded and
 * the machine is shared, so CPU seconds are steadier than wall time. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void score(const double *y, size_t n, int m, const double *test,
                  const double *f, size_t h, double *smape, double *mase)
{
    double s = 0.0, a = 0.0, sc = 0.0;
    for (size_t i = 0; i < h; i++) {
        s += fabs(test[i] - f[i]) / (fabs(test[i]) + fabs(f[i])) * 200.0;
        a += fabs(test[i] - f[i]);
    }
    for (size_t t = (size_t)m; t < n; t++)
        sc += fabs(y[t] - y[t - (size_t)m]);
    sc /= (double)(n - (size_t)m);
    *smape = s / (double)h;
    *mase = a / (double)h / sc;
}

int main(int argc, char **argv)
{
    const char *data = getenv("HINDCAST_SHARED_DATA");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/m4",
             data ? data : HC_SOURCE_ROOT "/../shared/data");
    const char *freqname = "Weekly";
    const char *mode = "product";
    const char *fcfile = NULL;
    size_t limit = (size_t)-1, first = 0;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            snprintf(dir, sizeof dir, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--frequency") && i + 1 < argc)
            freqname = argv[++i];
        else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
            mode = argv[++i];
        else if (!strcmp(argv[i], "--series") && i + 1 < argc)
            limit = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--first") && i + 1 < argc)
            first = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--forecasts") && i + 1 < argc)
            fcfile = argv[++i];
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else {
            fprintf(stderr, "usage: arima_check [--data DIR] [--frequency "
                            "Weekly|Hourly] [--mode product|seasonal] "
                            "[--series N] [--first I] [--verbose] "
                            "[--forecasts FILE]\n");
            return 2;
        }
    }
    int weekly = !strcmp(freqname, "Weekly");
    int season = weekly ? 1 : 24;
    size_t h = weekly ? 13 : 48;
    char path[1200];
    table train, test;
    snprintf(path, sizeof path, "%s/%s-train.csv.gz", dir, freqname);
    if (read_table(path, &train, 0) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/%s-test.csv.gz", dir, freqname);
    if (read_table(path, &test, 0) != 0)
        return 1;
    rref *ref = NULL;
    size_t nref = 0;
    if (weekly) {
        snprintf(path, sizeof path,
                 "%s/reference-r-forecast-8.20/weekly-arima.csv.gz", dir);
        read_rref(path, &ref, &nref);
    }
    FILE *fc = fcfile ? fopen(fcfile, "w") : NULL;

    const hc_model *model = hc_model_by_id(HC_ALGO_ARIMA);
    double tot_s = 0, tot_m = 0, ref_s = 0, ref_m = 0, secs = 0;
    size_t count = 0, same_order = 0, fails = 0, close_fc = 0;
    double *f = malloc(h * sizeof *f), *q = malloc(3 * h * sizeof *q);
    double taus[3] = {0.1, 0.5, 0.9};
    for (size_t i = first; i < train.n && count < limit; i++) {
        series *s = &train.s[i];
        double t0 = now();
        int p = -1, d = -1, qq = -1, P = -1, D = -1, Q = -1, c = -1;
        hc_error err;
        hc_fitted fit;
        int rc;
        /* --mode seasonal is the predictor with TrainingParameters
         * use_fourier_terms = "false". */
        hc_fit_input in = {s->y, s->n, season,
                           weekly ? HC_FREQ_W : HC_FREQ_H, 1,
                           !strcmp(mode, "seasonal") ? HC_FIT_ARIMA_NO_FOURIER
                                                     : 0u,
                           NULL};
        rc = hc_model_fit_with_fallback(model, &in, &fit, &err);
        if (rc == HC_MODEL_CANNOT_FIT)
            rc = hc_model_fit_with_fallback(hc_model_by_id(HC_ALGO_NAIVE),
                                            &in, &fit, &err),
            fit.fallback = 1;
        if (rc == 0 && fit.algorithm == HC_ALGO_ARIMA) {
            p = (int)fit.params[2];
            d = (int)fit.params[3];
            qq = (int)fit.params[4];
            P = (int)fit.params[5];
            D = (int)fit.params[6];
            Q = (int)fit.params[7];
            c = (int)fit.params[8];
        }
        hc_forecast_request req = {h, 3, taus, 1};
        if (rc == 0)
            rc = hc_model_forecast(&fit, &req, f, q, &err);
        secs += now() - t0;
        if (rc != 0 || fit.fallback) {
            fails++;
        }
        hc_fitted_clear(&fit);
        double sm, ms;
        score(s->y, s->n, season, test.s[i].y, f, h, &sm, &ms);
        tot_s += sm;
        tot_m += ms;
        count++;
        if (fc) {
            fprintf(fc, "%s", s->id);
            for (size_t k = 0; k < h; k++)
                fprintf(fc, ",%.10g", f[k]);
            fprintf(fc, "\n");
        }
        if (ref && i < nref) {
            double rs, rm;
            score(s->y, s->n, season, test.s[i].y, ref[i].f, h, &rs, &rm);
            ref_s += rs;
            ref_m += rm;
            int same = ref[i].p == p && ref[i].d == d && ref[i].q == qq;
            same_order += same;
            double maxrel = 0;
            for (size_t k = 0; k < h; k++) {
                double rel = fabs(f[k] - ref[i].f[k]) / fmax(fabs(ref[i].f[k]), 1e-9);
                if (rel > maxrel)
                    maxrel = rel;
            }
            close_fc += maxrel < 1e-3;
            if (verbose)
                printf("%s n=%zu ours (%d,%d,%d)c%d R (%d,%d,%d) sMAPE %.3f R %.3f maxrel %.2e cpu %.4f %s\n",
                       s->id, s->n, p, d, qq, c, ref[i].p, ref[i].d,
                       ref[i].q, sm, rs, maxrel, now() - t0, same ? "" : "DIFF");
        } else if (verbose) {
            printf("%s n=%zu (%d,%d,%d)(%d,%d,%d) c%d sMAPE %.3f MASE %.3f\n",
                   s->id, s->n, p, d, qq, P, D, Q, c, sm, ms);
        }
        fflush(stdout);
    }
    printf("%s %s: %zu series, sMAPE %.3f MASE %.3f, %zu fallbacks, %.2f CPU s (%.1f ms/series)\n",
           freqname, weekly ? "season 1" : mode, count, tot_s / (double)count,
           tot_m / (double)count, fails, secs, 1e3 * secs / (double)count);
    if (ref)
        printf("R 8.20 reference on the same series: sMAPE %.3f MASE %.3f; "
               "same (p,d,q) %zu/%zu; forecasts within 1e-3: %zu\n",
               ref_s / (double)count, ref_m / (double)count, same_order,
               count, close_fc);
    if (fc)
        fclose(fc);
    free(f);
    free(q);
    free(ref);
    for (size_t i = 0; i < train.n; i++)
        free(train.s[i].y);
    for (size_t i = 0; i < test.n; i++)
        free(test.s[i].y);
    free(train.s);
    free(test.s);
    return 0;
}

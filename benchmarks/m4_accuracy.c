/* M4 accuracy and speed harness.
 *
 * Runs registered hindcast models on the M4 Hourly and Weekly series with
 * the M4 protocol (Makridakis, Spiliotis & Assimakopoulos 2020: horizons
 * H 48, W 13; sMAPE = 200/h * sum |y-f| / (|y|+|f|); MASE scaled by the
 * in-sample seasonal-naive mean absolute error with m = the series'
 * M4 frequency, H 24, W 1; both averaged over the series), through the same
 * hc_model_fit_with_fallback + hc_model_forecast path the predictor uses,
 * and prints a table beside the published M4 scores. It first checks its
 * own metric code by scoring the official benchmark forecasts (Naive,
 * sNaive, Naive2, SES) and comparing with the official table.
 *
 * Usage: see benchmarks/README.md or `m4_accuracy --help`. */
#include "bench_util.h" /* first: it sets _DEFAULT_SOURCE */

#include "bench_scores.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "hindcast/calendar.h"
#include "hindcast/error.h"
#include "hindcast/model.h"
#include "hindcast/parallel.h"
#include "predictor/predictor.h"

#ifndef HC_SOURCE_ROOT
#define HC_SOURCE_ROOT "."
#endif

#define MAX_MODELS 16
#define AGREE_TOL 1e-3

/* ------------------------------------------------------------------ */
/* Small utilities                                                     */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "m4_accuracy: out of memory\n");
        exit(3);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = bench_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

/* snprintf that reports truncation (a path longer than the buffer). */
static int fmt(char *out, size_t outlen, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static int fmt(char *out, size_t outlen, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(out, outlen, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= outlen) {
        fprintf(stderr, "m4_accuracy: path or text too long: %s...\n", out);
        return -1;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Reads a whole (optionally gzip-compressed) file; NULL when it cannot. */
static char *read_gz(const char *path, size_t *len_out)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    size_t cap = 1 << 20, len = 0;
    char *buf = bench_xmalloc(cap);
    for (;;) {
        if (cap - len < (1 << 16)) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        int got = gzread(gz, buf + len, (unsigned)(cap - len - 1));
        if (got < 0) {
            gzclose(gz);
            free(buf);
            return NULL;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    gzclose(gz);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

/* A parsed CSV: rows of unquoted fields, all pointing into one buffer. */
typedef struct csv_table {
    char *text;
    size_t nrows;
    size_t *nfields;
    char ***fields;
} csv_table;

static void csv_free(csv_table *t)
{
    if (!t)
        return;
    for (size_t r = 0; r < t->nrows; r++)
        free(t->fields[r]);
    free(t->fields);
    free(t->nfields);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* RFC 4180 fields ("" escapes a quote inside quotes), unquoted in place. */
static int csv_load(const char *path, csv_table *t)
{
    memset(t, 0, sizeof *t);
    size_t len = 0;
    t->text = read_gz(path, &len);
    if (!t->text)
        return -1;
    size_t rcap = 64;
    t->fields = bench_xmalloc(rcap * sizeof *t->fields);
    t->nfields = bench_xmalloc(rcap * sizeof *t->nfields);
    char *p = t->text, *end = t->text + len;
    while (p < end) {
        size_t fcap = 16, nf = 0;
        char **f = bench_xmalloc(fcap * sizeof *f);
        for (;;) {
            char *out = p, *start = p;
            if (*p == '"') {
                p++;
                for (;;) {
                    if (p >= end)
                        break;
                    if (*p == '"') {
                        if (p + 1 < end && p[1] == '"') {
                            *out++ = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    *out++ = *p++;
                }
            } else {
                while (p < end && *p != ',' && *p != '\n' && *p != '\r')
                    out++, p++;
            }
            char sep = p < end ? *p : '\n';
            while (sep != ',' && sep != '\n' && sep != '\r' && p < end)
                sep = *++p; /* junk after a closing quote */
            if (nf == fcap) {
                fcap *= 2;
                f = xrealloc(f, fcap * sizeof *f);
            }
            f[nf++] = start;
            *out = '\0';
            if (p < end)
                p++;
            if (sep == ',')
                continue;
            if (sep == '\r' && p < end && *p == '\n')
                p++;
            break;
        }
        if (nf == 1 && f[0][0] == '\0') {
            free(f);
            continue;
        }
        if (t->nrows == rcap) {
            rcap *= 2;
            t->fields = xrealloc(t->fields, rcap * sizeof *t->fields);
            t->nfields = xrealloc(t->nfields, rcap * sizeof *t->nfields);
        }
        t->fields[t->nrows] = f;
        t->nfields[t->nrows] = nf;
        t->nrows++;
    }
    return 0;
}

static int parse_number(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* M4 data                                                             */

typedef struct freq_spec {
    const char *name; /* "Hourly" */
    hc_freq freq;
    size_t horizon;
    int mase_m;       /* M4's frequency(insample), used when the info file
                         does not say */
    int fit_season;   /* season passed to the models */
} freq_spec;

typedef struct m4_set {
    const freq_spec *spec;
    size_t count;
    char **ids;
    double **train;
    size_t *ntrain;
    double *test;  /* count * horizon */
    int *mase_m;
    double *scale; /* MASE denominators */
} m4_set;

static void set_free(m4_set *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->ids[i]);
        free(s->train[i]);
    }
    free(s->ids);
    free(s->train);
    free(s->ntrain);
    free(s->test);
    free(s->mase_m);
    free(s->scale);
    memset(s, 0, sizeof *s);
}

static long find_id(const m4_set *s, const char *id)
{
    /* Ids are "H1".."H414" in order; try the fast guess first. */
    const char *digits = id;
    while (*digits && !isdigit((unsigned char)*digits))
        digits++;
    long k = strtol(digits, NULL, 10) - 1;
    if (k >= 0 && (size_t)k < s->count && strcmp(s->ids[k], id) == 0)
        return k;
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->ids[i], id) == 0)
            return (long)i;
    return -1;
}

static int load_set(const char *dir, const freq_spec *spec, size_t limit,
                    m4_set *s)
{
    memset(s, 0, sizeof *s);
    s->spec = spec;
    char path[4096];
    csv_table tr, te, info;
    fmt(path, sizeof path, "%s/%s-train.csv.gz", dir, spec->name);
    if (csv_load(path, &tr) != 0) {
        fprintf(stderr, "m4_accuracy: cannot read %s\n", path);
        return -1;
    }
    fmt(path, sizeof path, "%s/%s-test.csv.gz", dir, spec->name);
    if (csv_load(path, &te) != 0) {
        fprintf(stderr, "m4_accuracy: cannot read %s\n", path);
        csv_free(&tr);
        return -1;
    }
    size_t count = tr.nrows > 0 ? tr.nrows - 1 : 0; /* header row */
    if (limit && limit < count)
        count = limit;
    s->count = count;
    s->ids = bench_xcalloc(count, sizeof *s->ids);
    s->train = bench_xcalloc(count, sizeof *s->train);
    s->ntrain = bench_xcalloc(count, sizeof *s->ntrain);
    s->test = bench_xcalloc(count * spec->horizon, sizeof *s->test);
    s->mase_m = bench_xcalloc(count, sizeof *s->mase_m);
    s->scale = bench_xcalloc(count, sizeof *s->scale);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        char **f = tr.fields[i + 1];
        size_t nf = tr.nfields[i + 1];
        s->ids[i] = xstrdup(f[0]);
        s->train[i] = bench_xmalloc(nf * sizeof(double));
        size_t n = 0;
        for (size_t k = 1; k < nf; k++) {
            if (f[k][0] == '\0')
                break; /* padding */
            if (parse_number(f[k], &s->train[i][n++]) != 0) {
                fprintf(stderr, "m4_accuracy: %s train row %zu: bad value '%s'\n",
                        spec->name, i + 2, f[k]);
                rc = -1;
                break;
            }
        }
        s->ntrain[i] = n;
        s->mase_m[i] = spec->mase_m;
    }
    for (size_t r = 1; r < te.nrows && rc == 0; r++) {
        long k = find_id(s, te.fields[r][0]);
        if (k < 0)
            continue; /* beyond --series */
        if (te.nfields[r] < spec->horizon + 1) {
            fprintf(stderr, "m4_accuracy: %s test row %zu has %zu values\n",
                    spec->name, r + 1, te.nfields[r] - 1);
            rc = -1;
            break;
        }
        for (size_t h = 0; h < spec->horizon; h++)
            if (parse_number(te.fields[r][h + 1],
                             &s->test[(size_t)k * spec->horizon + h]) != 0) {
                fprintf(stderr, "m4_accuracy: %s test row %zu: bad value\n",
                        spec->name, r + 1);
                rc = -1;
                break;
            }
    }
    if (rc == 0 && te.nrows - 1 < count) {
        fprintf(stderr, "m4_accuracy: %s test has fewer series than train\n",
                spec->name);
        rc = -1;
    }
    /* The MASE m of each series, as M4-info states it. */
    fmt(path, sizeof path, "%s/m4-info-hourly-weekly.csv", dir);
    if (rc == 0 && csv_load(path, &info) == 0) {
        for (size_t r = 1; r < info.nrows; r++) {
            if (info.nfields[r] < 2)
                continue;
            long k = find_id(s, info.fields[r][0]);
            double m;
            if (k >= 0 && parse_number(info.fields[r][1], &m) == 0 && m >= 1)
                s->mase_m[k] = (int)m;
        }
        csv_free(&info);
    }
    for (size_t i = 0; i < count && rc == 0; i++)
        s->scale[i] = bench_mase_scale(s->train[i], s->ntrain[i], s->mase_m[i]);
    csv_free(&tr);
    csv_free(&te);
    if (rc != 0)
        set_free(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Metrics                                                             */

static double mase(const double *y, const double *f, size_t h, double scale)
{
    double sum = 0.0;
    for (size_t t = 0; t < h; t++)
        sum += fabs(y[t] - f[t]);
    return sum / (double)h / scale;
}

typedef struct score {
    double smape, mase;
    size_t scored; /* series with forecasts */
} score;

/* Averages over the series whose forecasts are all finite (have[i]). */
static score score_forecasts(const m4_set *s, const double *fc,
                             const unsigned char *have)
{
    score sc = {0.0, 0.0, 0};
    size_t h = s->spec->horizon;
    for (size_t i = 0; i < s->count; i++) {
        if (have && !have[i])
            continue;
        sc.smape += bench_smape(s->test + i * h, fc + i * h, h);
        sc.mase += mase(s->test + i * h, fc + i * h, h, s->scale[i]);
        sc.scored++;
    }
    if (sc.scored) {
        sc.smape /= (double)sc.scored;
        sc.mase /= (double)sc.scored;
    } else {
        sc.smape = sc.mase = (double)NAN;
    }
    return sc;
}

/* Loads forecasts for `s` from a CSV with columns [method,] id, [model,]
 * F1..Fh (the id column is found by `id_col`, values start at `f_col`),
 * keeping rows whose column 0 equals `method` (NULL: every row). */
static int load_forecasts(const char *path, const m4_set *s, const char *method,
                          size_t id_col, size_t f_col, double *fc,
                          unsigned char *have)
{
    csv_table t;
    if (csv_load(path, &t) != 0)
        return -1;
    size_t h = s->spec->horizon;
    memset(have, 0, s->count);
    for (size_t r = 1; r < t.nrows; r++) {
        char **f = t.fields[r];
        if (t.nfields[r] < f_col + h || t.nfields[r] <= id_col)
            continue;
        if (method && strcmp(f[0], method) != 0)
            continue;
        long k = find_id(s, f[id_col]);
        if (k < 0)
            continue;
        int ok = 1;
        for (size_t j = 0; j < h; j++)
            if (parse_number(f[f_col + j], &fc[(size_t)k * h + j]) != 0)
                ok = 0;
        have[k] = (unsigned char)ok;
    }
    csv_free(&t);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Published scores                                                    */

typedef struct published {
    int found;
    double smape, mase;
    const char *source;
} published;

/* Figures that the evaluation workbook does not hold (its point-forecast
 * sheet has no ETS/ARIMA rows): Makridakis, Spiliotis & Assimakopoulos
 * (2020), as quoted in issues 3 and 4 and reference-r-forecast-8.20/SOURCE.md.
 * M4's ARIMA is auto.arima with a seasonal ARIMA; on Hourly the predictor's
 * ARIMA follows Amazon's Fourier rule instead (benchmarks/README.md). */
static const struct {
    const char *method, *freq;
    double smape, mase;
} builtin_published[] = {
    {"ETS", "Hourly", 17.307, 1.824},
    {"ETS", "Weekly", 8.727, 2.527},
    {"ARIMA", "Weekly", 8.653, 2.556},
    {"ARIMA", "Hourly", 13.980, 0.943},
};

/* The M4 benchmark name of a hindcast model. */
static const char *m4_method_name(const char *model_name)
{
    if (strcmp(model_name, "SeasonalNaive") == 0)
        return "sNaive";
    return model_name;
}

static published lookup_published(const char *dir, const char *method,
                                  const char *freq)
{
    published p = {0, (double)NAN, (double)NAN, NULL};
    char path[4096];
    fmt(path, sizeof path, "%s/m4-eval-point-forecasts-by-frequency.csv",
             dir);
    csv_table t;
    if (csv_load(path, &t) == 0 && t.nrows > 1) {
        char want_s[64], want_m[64];
        fmt(want_s, sizeof want_s, "sMAPE_%s", freq);
        fmt(want_m, sizeof want_m, "MASE_%s", freq);
        size_t cs = 0, cm = 0;
        for (size_t c = 0; c < t.nfields[0]; c++) {
            if (strcmp(t.fields[0][c], want_s) == 0)
                cs = c;
            if (strcmp(t.fields[0][c], want_m) == 0)
                cm = c;
        }
        for (size_t r = 1; r < t.nrows && cs && cm; r++) {
            if (strcmp(t.fields[r][0], method) != 0 || t.nfields[r] <= cs ||
                t.nfields[r] <= cm)
                continue;
            if (parse_number(t.fields[r][cs], &p.smape) == 0 &&
                parse_number(t.fields[r][cm], &p.mase) == 0) {
                p.found = 1;
                p.source = "M4 evaluation workbook";
            }
            break;
        }
    }
    csv_free(&t);
    if (p.found)
        return p;
    for (size_t i = 0; i < sizeof builtin_published / sizeof builtin_published[0];
         i++)
        if (strcmp(builtin_published[i].method, method) == 0 &&
            strcmp(builtin_published[i].freq, freq) == 0) {
            p.found = 1;
            p.smape = builtin_published[i].smape;
            p.mase = builtin_published[i].mase;
            p.source = "M4 paper";
        }
    return p;
}

/* ------------------------------------------------------------------ */
/* Running a model                                                     */

static const double QUANTILES[] = {0.1, 0.5, 0.9}; /* the default types */
#define NQUANTILES (sizeof QUANTILES / sizeof QUANTILES[0])

typedef struct run_ctx {
    const hc_model *model;
    const m4_set *set;
    double *fc;           /* count * horizon means */
    double *q;            /* count * NQUANTILES * horizon */
    unsigned char *fallback;
    unsigned char *failed;
    char (*errors)[160];  /* per series, first error text */
} run_ctx;

/* HC_FIT_* bits from --training-parameters (the product's parser). */
static uint32_t fit_options;
static hc_model_params fit_params;

static uint64_t series_seed(size_t i)
{
    /* splitmix64 of the index: any fixed per-series value will do. */
    uint64_t z = (uint64_t)i + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int run_one(void *p, size_t i, int worker)
{
    (void)worker;
    run_ctx *ctx = p;
    const m4_set *s = ctx->set;
    size_t h = s->spec->horizon;
    hc_fit_input in = {
        .y = s->train[i],
        .n = s->ntrain[i],
        .season = s->spec->fit_season,
        .freq = s->spec->freq,
        .seed = series_seed(i),
        .options = fit_options,
        .params = &fit_params,
    };
    hc_fitted fit = {0};
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_model_fit_with_fallback(ctx->model, &in, &fit, &err);
    if (rc == 0) {
        hc_forecast_request req = {
            .horizon = h,
            .nquantiles = NQUANTILES,
            .quantiles = QUANTILES,
            .seed = series_seed(i) ^ 0x5851f42d4c957f2dULL,
        };
        ctx->fallback[i] = (unsigned char)(fit.fallback != 0);
        rc = hc_model_forecast(&fit, &req, ctx->fc + i * h,
                               ctx->q + i * NQUANTILES * h,
                               &err);
    }
    hc_fitted_clear(&fit);
    ctx->failed[i] = (unsigned char)(rc != 0);
    if (rc != 0) {
        fmt(ctx->errors[i], sizeof ctx->errors[i], "%.150s", err.message);
        for (size_t t = 0; t < h; t++)
            ctx->fc[i * h + t] = (double)NAN;
    } else {
        ctx->errors[i][0] = '\0';
        for (size_t t = 0; t < h; t++)
            if (!isfinite(ctx->fc[i * h + t])) {
                ctx->failed[i] = 1;
                snprintf(ctx->errors[i], sizeof ctx->errors[i],
                         "non-finite forecast at step %zu", t + 1);
                break;
            }
    }
    return 0;
}

/* The share of test values inside the central 80% interval [q0.1, q0.9]
 * (QUANTILES[0] and [2]): a calibration check of the distribution. */
static double interval_coverage(const m4_set *s, const double *q,
                                const unsigned char *have)
{
    size_t h = s->spec->horizon, inside = 0, total = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (!have[i])
            continue;
        const double *qi = q + i * NQUANTILES * h;
        for (size_t t = 0; t < h; t++) {
            double y = s->test[i * h + t];
            inside += y >= qi[t] && y <= qi[2 * h + t];
            total++;
        }
    }
    return total ? (double)inside / (double)total : (double)NAN;
}

typedef struct run_result {
    double *fc;
    unsigned char *have;
    unsigned char *fallback;
    size_t fallbacks, failures;
    double seconds;       /* median over the repeats */
    double coverage80;    /* share of test values inside [q0.1, q0.9] */
    int deterministic;    /* every repeat gave the same bits */
    char first_error[200];
} run_result;

static void run_result_free(run_result *r)
{
    free(r->fc);
    free(r->have);
    free(r->fallback);
    memset(r, 0, sizeof *r);
}

static void run_model(const hc_model *model, const m4_set *s, int threads,
                      int repeat, run_result *res)
{
    memset(res, 0, sizeof *res);
    size_t h = s->spec->horizon, n = s->count;
    run_ctx ctx = {
        .model = model,
        .set = s,
        .fc = bench_xcalloc(n * h, sizeof(double)),
        .q = bench_xcalloc(n * NQUANTILES * h, sizeof(double)),
        .fallback = bench_xcalloc(n, 1),
        .failed = bench_xcalloc(n, 1),
        .errors = bench_xcalloc(n, sizeof *ctx.errors),
    };
    double *times = bench_xcalloc((size_t)repeat, sizeof *times);
    double *first = NULL;
    res->deterministic = 1;
    for (int r = 0; r < repeat; r++) {
        double t0 = now_seconds();
        hc_parallel_for(n, threads, run_one, &ctx);
        times[r] = now_seconds() - t0;
        if (r == 0) {
            first = bench_xmalloc(n * h * sizeof *first);
            memcpy(first, ctx.fc, n * h * sizeof *first);
        } else if (memcmp(first, ctx.fc, n * h * sizeof *first) != 0) {
            res->deterministic = 0;
        }
    }
    res->seconds = median(times, (size_t)repeat);
    res->fc = first;
    res->have = bench_xcalloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        res->have[i] = (unsigned char)!ctx.failed[i];
        res->fallbacks += ctx.fallback[i];
        if (ctx.failed[i]) {
            if (res->failures++ == 0)
                snprintf(res->first_error, sizeof res->first_error, "%s: %s",
                         s->ids[i], ctx.errors[i]);
        }
    }
    res->fallback = ctx.fallback;
    free(times);
    free(ctx.fc);
    res->coverage80 = interval_coverage(s, ctx.q, res->have);
    free(ctx.q);
    free(ctx.failed);
    free(ctx.errors);
}

/* ------------------------------------------------------------------ */
/* Agreement with R's reference forecasts                              */

typedef struct agreement {
    size_t compared, agree;
    double median_rel, p90_rel, max_rel;
    size_t ours_better; /* series where our sMAPE is lower */
} agreement;

static agreement compare_forecasts(const m4_set *s, const double *ours,
                                   const unsigned char *have_ours,
                                   const double *ref,
                                   const unsigned char *have_ref)
{
    agreement a;
    memset(&a, 0, sizeof a);
    size_t h = s->spec->horizon;
    double *rel = bench_xcalloc(s->count, sizeof *rel);
    for (size_t i = 0; i < s->count; i++) {
        if (!have_ours[i] || !have_ref[i])
            continue;
        double worst = 0.0;
        for (size_t t = 0; t < h; t++) {
            double r = ref[i * h + t], o = ours[i * h + t];
            double d = fabs(o - r) / fmax(fabs(r), 1e-300);
            if (d > worst)
                worst = d;
        }
        rel[a.compared++] = worst;
        if (worst <= AGREE_TOL)
            a.agree++;
        if (bench_smape(s->test + i * h, ours + i * h, h) <
            bench_smape(s->test + i * h, ref + i * h, h))
            a.ours_better++;
    }
    if (a.compared) {
        qsort(rel, a.compared, sizeof *rel, cmp_double);
        a.median_rel = a.compared % 2 ? rel[a.compared / 2]
                                      : 0.5 * (rel[a.compared / 2 - 1] +
                                               rel[a.compared / 2]);
        a.p90_rel = rel[(size_t)((double)(a.compared - 1) * 0.9)];
        a.max_rel = rel[a.compared - 1];
    }
    free(rel);
    return a;
}

/* The R reference file for a model on a frequency, or NULL. */
static const char *r_reference_file(const char *model_name, const char *freq)
{
    if (strcmp(freq, "Weekly") != 0)
        return NULL;
    if (strcmp(model_name, "ETS") == 0)
        return "reference-r-forecast-8.20/weekly-ets.csv.gz";
    if (strcmp(model_name, "ARIMA") == 0)
        return "reference-r-forecast-8.20/weekly-arima.csv.gz";
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Optional timing of R                                                */

static int find_in_path(const char *prog, char *out, size_t outlen)
{
    const char *path = getenv("PATH");
    if (!path)
        return -1;
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        snprintf(out, outlen, "%.*s/%s", (int)len, path, prog);
        if (len > 0 && access(out, X_OK) == 0)
            return 0;
        path += len;
        if (*path == ':')
            path++;
    }
    return -1;
}

/* Writes `s` single-quoted for /bin/sh into out. */
static void sh_quote(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen < 3)
        return;
    out[o++] = '\'';
    for (; *s && o + 5 < outlen; s++) {
        if (*s == '\'') {
            memcpy(out + o, "'\\''", 4);
            o += 4;
        } else {
            out[o++] = *s;
        }
    }
    out[o++] = '\'';
    out[o] = '\0';
}

/* The R side of --r-timing. It reads the same training file, fits each
 * series with the forecast package's function for the model, writes the
 * means to a CSV and prints the elapsed seconds of the fitting loop only. */
static const char R_SCRIPT[] =
    "args <- commandArgs(trailingOnly = TRUE)\n"
    "method <- args[1]; train <- args[2]; m <- as.integer(args[3])\n"
    "h <- as.integer(args[4]); nmax <- as.integer(args[5]); out <- args[6]\n"
    "fourier <- args[7] == '1'\n"
    "suppressPackageStartupMessages(library(forecast))\n"
    "d <- read.csv(gzfile(train), header = TRUE, stringsAsFactors = FALSE)\n"
    "n <- if (nmax > 0) min(nmax, nrow(d)) else nrow(d)\n"
    "ys <- lapply(seq_len(n), function(i) {\n"
    "  v <- as.numeric(unlist(d[i, -1])); v[!is.na(v)] })\n"
    "one <- function(y) switch(method,\n"
    "  Theta = thetaf(y, h = h)$mean,\n"
    "  ETS = forecast(ets(y), h = h, PI = FALSE)$mean,\n"
    "  ARIMA = if (fourier && frequency(y) >= 24 && length(y) > 2 * frequency(y)) {\n"
    "    # Amazon's rule (see src/models/arima.c): Fourier terms, K = 4\n"
    "    fit <- auto.arima(y, xreg = fourier(y, K = 4), seasonal = FALSE)\n"
    "    forecast(fit, xreg = fourier(y, K = 4, h = h))$mean\n"
    "  } else forecast(auto.arima(y), h = h)$mean,\n"
    "  Naive = naive(y, h = h)$mean,\n"
    "  SeasonalNaive = snaive(y, h = h)$mean,\n"
    "  Croston = croston(y, h = h)$mean,\n"
    "  stop('no R counterpart'))\n"
    "fc <- matrix(NA_real_, n, h)\n"
    "t0 <- proc.time()[['elapsed']]\n"
    "for (i in seq_len(n)) {\n"
    "  f <- tryCatch(as.numeric(one(ts(ys[[i]], frequency = m))),\n"
    "                error = function(e) rep(NA_real_, h))\n"
    "  fc[i, ] <- f\n"
    "}\n"
    "el <- proc.time()[['elapsed']] - t0\n"
    "write.csv(data.frame(id = d[seq_len(n), 1], fc), out, row.names = FALSE)\n"
    "cat(sprintf('seconds=%.6f\\n', el))\n";

static const char *r_counterpart(const char *model_name)
{
    static const char *const names[][2] = {
        {"Theta", "forecast::thetaf"},
        {"ETS", "forecast::ets"},
        {"ARIMA", "forecast::auto.arima"},
        {"Naive", "forecast::naive"},
        {"SeasonalNaive", "forecast::snaive"},
        {"Croston", "forecast::croston"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], model_name) == 0)
            return names[i][1];
    return NULL;
}

/* Runs R on the first s->count series; returns its seconds or NAN. */
static double r_timing(const char *rscript, const char *dir, const m4_set *s,
                       const char *model_name, double *fc, unsigned char *have)
{
    char tmpl[] = "/tmp/m4_accuracy_r.XXXXXX";
    const char *tmpdir = getenv("TMPDIR");
    char dpath[4096];
    fmt(dpath, sizeof dpath, "%s/m4_accuracy_r.XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    char *d = mkdtemp(dpath);
    if (!d)
        d = mkdtemp(tmpl);
    if (!d) {
        fprintf(stderr, "m4_accuracy: cannot make a temporary directory\n");
        return (double)NAN;
    }
    char script[4200], out[4200], train[4200];
    fmt(script, sizeof script, "%s/timing.R", d);
    fmt(out, sizeof out, "%s/forecasts.csv", d);
    fmt(train, sizeof train, "%s/%s-train.csv.gz", dir, s->spec->name);
    double seconds = (double)NAN;
    FILE *f = fopen(script, "w");
    if (!f || fputs(R_SCRIPT, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "m4_accuracy: cannot write %s\n", script);
        goto done;
    }
    char q_rs[4400], q_script[8500], q_train[8500], q_out[8500];
    sh_quote(rscript, q_rs, sizeof q_rs);
    sh_quote(script, q_script, sizeof q_script);
    sh_quote(train, q_train, sizeof q_train);
    sh_quote(out, q_out, sizeof q_out);
    size_t cmdlen = strlen(q_rs) + strlen(q_script) + strlen(q_train) +
                    strlen(q_out) + 256;
    char *cmd = bench_xmalloc(cmdlen);
    snprintf(cmd, cmdlen, "%s --vanilla %s %s %s %d %zu %zu %s %d 2>&1", q_rs,
             q_script, model_name, q_train, s->spec->fit_season,
             s->spec->horizon, s->count, q_out,
             (fit_options & HC_FIT_ARIMA_NO_FOURIER) ? 0 : 1);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p) {
        fprintf(stderr, "m4_accuracy: cannot run Rscript\n");
        goto done;
    }
    char line[1024];
    while (fgets(line, sizeof line, p)) {
        if (strncmp(line, "seconds=", 8) == 0)
            seconds = strtod(line + 8, NULL);
        else
            fprintf(stderr, "R: %s", line);
    }
    if (pclose(p) != 0)
        seconds = (double)NAN;
    if (isfinite(seconds) &&
        load_forecasts(out, s, NULL, 0, 1, fc, have) != 0)
        seconds = (double)NAN;
done:
    unlink(script);
    unlink(out);
    rmdir(d);
    return seconds;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

static void usage(FILE *to)
{
    fprintf(to,
            "usage: m4_accuracy [--model NAME|ARN]... [--frequency Hourly|Weekly|both]\n"
            "                   [--threads N] [--repeat N] [--series N] [--data DIR]\n"
            "                   [--weekly-season M] [--compare-r] [--r-timing]\n"
            "                   [--forecasts FILE] [--max-diff PCT]\n"
            "                   [--training-parameters JSON]\n"
            "  --model          a registered model by short name (Theta, Naive, ...) or\n"
            "                   AlgorithmArn; repeatable; default Theta\n"
            "  --frequency      M4 subset(s) to run; default both\n"
            "  --threads        workers (hc_parallel_for); default 1\n"
            "  --repeat         timed runs; the median is printed; default 3\n"
            "  --series         only the first N series of each subset (quick runs)\n"
            "  --data           the m4 folder; default $HINDCAST_SHARED_DATA/m4 or\n"
            "                   <source root>/../shared/data/m4\n"
            "  --weekly-season  season passed to the models on Weekly; default 1 as\n"
            "                   in M4 (ts frequency 1); 52 is the predictor's W map\n"
            "  --compare-r      per-model agreement with the R forecast 8.20 reference\n"
            "                   forecasts (Weekly ETS and ARIMA)\n"
            "  --r-timing       also time R's forecast package on the same series\n"
            "                   (needs Rscript)\n"
            "  --forecasts      write every point forecast to FILE (CSV)\n"
            "  --max-diff PCT   exit with status 1 when a model's sMAPE or MASE is\n"
            "                   more than PCT percent from its published M4 figure\n"
            "  --training-parameters  a CreatePredictor TrainingParameters object,\n"
            "                   e.g. '{\"use_fourier_terms\": \"false\"}' (ARIMA: a\n"
            "                   seasonal ARIMA on Hourly; R is run the same way)\n");
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static void print_rel(double ours, double ref)
{
    if (isfinite(ours) && isfinite(ref) && ref != 0.0)
        printf(" %+7.2f%%", 100.0 * (ours - ref) / ref);
    else
        printf(" %8s", "");
}

int main(int argc, char **argv)
{
    const hc_model *models[MAX_MODELS];
    size_t nmodels = 0;
    int do_hourly = 1, do_weekly = 1, compare_r = 0, want_r_timing = 0;
    long threads = 1, repeat = 3, series_limit = 0, weekly_season = 1;
    const char *data = NULL, *forecasts_path = NULL;
    double max_diff = -1.0; /* percent; negative: not checked */
    int status = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--model") == 0 && v) {
            if (bench_add_model(models, &nmodels, MAX_MODELS, v, "m4_accuracy"))
                return 2;
            i++;
        } else if (strcmp(a, "--frequency") == 0 && v) {
            if (strcmp(v, "Hourly") == 0 || strcmp(v, "H") == 0)
                do_hourly = 1, do_weekly = 0;
            else if (strcmp(v, "Weekly") == 0 || strcmp(v, "W") == 0)
                do_hourly = 0, do_weekly = 1;
            else if (strcmp(v, "both") == 0)
                do_hourly = do_weekly = 1;
            else {
                fprintf(stderr, "m4_accuracy: --frequency is Hourly, Weekly or both\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--threads") == 0 &&
                   parse_int(v, 1, 64, &threads) == 0) {
            i++;
        } else if (strcmp(a, "--repeat") == 0 &&
                   parse_int(v, 1, 1000, &repeat) == 0) {
            i++;
        } else if (strcmp(a, "--series") == 0 &&
                   parse_int(v, 1, 1000000, &series_limit) == 0) {
            i++;
        } else if (strcmp(a, "--weekly-season") == 0 &&
                   parse_int(v, 1, 1000, &weekly_season) == 0) {
            i++;
        } else if (strcmp(a, "--data") == 0 && v) {
            data = v;
            i++;
        } else if (strcmp(a, "--forecasts") == 0 && v) {
            forecasts_path = v;
            i++;
        } else if (strcmp(a, "--max-diff") == 0 && v) {
            char *end;
            max_diff = strtod(v, &end);
            if (*end || !(max_diff >= 0.0)) {
                fprintf(stderr, "m4_accuracy: --max-diff takes a percentage\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--training-parameters") == 0 && v) {
            json_t *tp = json_loads(v, 0, NULL);
            json_t *req = json_object();
            hc_error err;
            hc_error_clear(&err);
            if (!tp || json_object_set_new(req, "TrainingParameters", tp) != 0 ||
                hc_training_params_parse(req, NULL, &fit_options, &fit_params, &err) != 0) {
                fprintf(stderr, "m4_accuracy: --training-parameters: %s\n",
                        tp ? err.message : "not JSON");
                json_decref(req);
                return 2;
            }
            json_decref(req);
            i++;
        } else if (strcmp(a, "--compare-r") == 0) {
            compare_r = 1;
        } else if (strcmp(a, "--r-timing") == 0) {
            want_r_timing = 1;
        } else {
            fprintf(stderr, "m4_accuracy: bad argument '%s'%s\n", a,
                    v ? "" : " (or its value is missing)");
            usage(stderr);
            return 2;
        }
    }
    if (nmodels == 0) {
        models[nmodels++] = hc_model_by_name("Theta");
        if (!models[0]) {
            fprintf(stderr, "m4_accuracy: no Theta model in this build; "
                            "name one with --model\n");
            return 2;
        }
    }

    char dir[4096];
    if (data) {
        fmt(dir, sizeof dir, "%s", data);
    } else {
        const char *shared = getenv("HINDCAST_SHARED_DATA");
        if (shared && *shared)
            fmt(dir, sizeof dir, "%s/m4", shared);
        else
            fmt(dir, sizeof dir, "%s/../shared/data/m4", HC_SOURCE_ROOT);
    }

    freq_spec specs[2] = {
        {"Hourly", HC_FREQ_H, 48, 24, 24},
        {"Weekly", HC_FREQ_W, 13, 1, (int)weekly_season},
    };
    m4_set sets[2];
    int use[2] = {do_hourly, do_weekly};
    memset(sets, 0, sizeof sets);
    for (int k = 0; k < 2; k++)
        if (use[k] &&
            load_set(dir, &specs[k], (size_t)series_limit, &sets[k]) != 0) {
            fprintf(stderr, "m4_accuracy: the M4 data are expected in %s "
                            "(set HINDCAST_SHARED_DATA or --data)\n", dir);
            return 2;
        }

    hc_blas_single_thread();
    printf("M4 accuracy and speed: data %s\n", dir);
    printf("threads %ld, timing = median of %ld run(s) of fit+forecast over "
           "every series (mean and quantiles 0.1, 0.5, 0.9)\n",
           threads, repeat);
    printf("season given to the models: Hourly %d, Weekly %d; MASE m as in "
           "M4: Hourly 24, Weekly 1\n\n",
           specs[0].fit_season, specs[1].fit_season);

    /* 1. The metric code scores the official benchmark forecasts. */
    char path[4400];
    fmt(path, sizeof path, "%s/benchmark-forecasts-hourly-weekly.csv.gz",
             dir);
    static const char *const bench[] = {"Naive", "sNaive", "Naive2", "SES"};
    printf("Metric check: official M4 benchmark forecasts scored here vs the "
           "official table%s\n",
           series_limit ? " (partial: --series limits the series)" : "");
    printf("%-13s %-7s %6s %9s %9s %9s %9s  %s\n", "method", "freq", "series",
           "sMAPE", "official", "MASE", "official", "check");
    for (int k = 0; k < 2; k++) {
        if (!use[k])
            continue;
        const m4_set *s = &sets[k];
        double *fc = bench_xcalloc(s->count * s->spec->horizon, sizeof(double));
        unsigned char *have = bench_xcalloc(s->count, 1);
        for (size_t b = 0; b < sizeof bench / sizeof bench[0]; b++) {
            if (load_forecasts(path, s, bench[b], 1, 2, fc, have) != 0) {
                printf("cannot read %s\n", path);
                status = 1;
                break;
            }
            score sc = score_forecasts(s, fc, have);
            published pub = lookup_published(dir, bench[b], s->spec->name);
            const char *check = "-";
            if (!series_limit && pub.found) {
                int ok = sc.scored == s->count &&
                         fabs(sc.smape - pub.smape) < 0.0005 + 1e-9 &&
                         fabs(sc.mase - pub.mase) < 0.0005 + 1e-9;
                check = ok ? "ok (3 decimals)" : "MISMATCH";
                if (!ok)
                    status = 1;
            }
            printf("%-13s %-7s %6zu %9.3f %9.3f %9.3f %9.3f  %s\n", bench[b],
                   s->spec->name, sc.scored, sc.smape, pub.smape, sc.mase,
                   pub.mase, check);
        }
        free(fc);
        free(have);
    }
    printf("\n");

    /* 2. The models. */
    FILE *fout = NULL;
    if (forecasts_path) {
        fout = fopen(forecasts_path, "w");
        if (!fout) {
            fprintf(stderr, "m4_accuracy: cannot write %s\n", forecasts_path);
            return 2;
        }
        fprintf(fout, "model,frequency,id,fallback");
        for (int t = 1; t <= 48; t++)
            fprintf(fout, ",F%d", t);
        fprintf(fout, "\n");
    }
    char rscript[4096];
    int have_r = find_in_path("Rscript", rscript, sizeof rscript) == 0;

    printf("%-13s %-7s %6s %5s %5s %9s %9s %6s %10s %10s %9s %9s %8s %8s  "
           "%s\n",
           "model", "freq", "series", "fallb", "fail", "sMAPE", "MASE",
           "cov80", "seconds", "series/s", "M4 sMAPE", "M4 MASE", "d sMAPE",
           "d MASE", "notes");
    typedef struct row_extra {
        const hc_model *model;
        const m4_set *set;
        run_result res;
    } row_extra;
    row_extra rows[MAX_MODELS * 2];
    size_t nrows = 0;
    for (size_t mi = 0; mi < nmodels; mi++) {
        for (int k = 0; k < 2; k++) {
            if (!use[k])
                continue;
            const m4_set *s = &sets[k];
            row_extra *row = &rows[nrows++];
            row->model = models[mi];
            row->set = s;
            run_model(models[mi], s, (int)threads, (int)repeat, &row->res);
            run_result *r = &row->res;
            score sc = score_forecasts(s, r->fc, r->have);
            published pub = lookup_published(
                dir, m4_method_name(models[mi]->name), s->spec->name);
            printf("%-13s %-7s %6zu %5zu %5zu %9.3f %9.3f %5.1f%% %10.4f "
                   "%10.0f",
                   models[mi]->name, s->spec->name, s->count, r->fallbacks,
                   r->failures, sc.smape, sc.mase, 100.0 * r->coverage80,
                   r->seconds,
                   r->seconds > 0 ? (double)s->count / r->seconds : 0.0);
            if (pub.found)
                printf(" %9.3f %9.3f", pub.smape, pub.mase);
            else
                printf(" %9s %9s", "n/a", "n/a");
            print_rel(sc.smape, pub.smape);
            print_rel(sc.mase, pub.mase);
            int too_far = 0;
            if (max_diff >= 0.0 && pub.found && !series_limit)
                too_far = !(fabs(sc.smape - pub.smape) <=
                                max_diff / 100.0 * pub.smape &&
                            fabs(sc.mase - pub.mase) <=
                                max_diff / 100.0 * pub.mase);
            printf("  %s%s%s%s\n", pub.found ? pub.source : "",
                   r->deterministic ? "" : "; NOT DETERMINISTIC across repeats",
                   series_limit ? "; partial" : "",
                   too_far ? "; BEYOND --max-diff" : "");
            if (too_far)
                status = 1;
            if (!r->deterministic)
                status = 1;
            if (r->failures)
                printf("    %zu series failed; first: %s\n", r->failures,
                       r->first_error);
            if (fout) {
                size_t h = s->spec->horizon;
                for (size_t i = 0; i < s->count; i++) {
                    fprintf(fout, "%s,%s,%s,%d", models[mi]->name,
                            s->spec->name, s->ids[i], (int)r->fallback[i]);
                    for (size_t t = 0; t < h; t++)
                        fprintf(fout, ",%.17g", r->fc[i * h + t]);
                    for (size_t t = h; t < 48; t++)
                        fprintf(fout, ",");
                    fprintf(fout, "\n");
                }
            }

            /* The R forecast 8.20 reference, scored by the same code. */
            const char *ref = r_reference_file(models[mi]->name, s->spec->name);
            if (ref) {
                fmt(path, sizeof path, "%s/%s", dir, ref);
                size_t h = s->spec->horizon;
                double *rfc = bench_xcalloc(s->count * h, sizeof(double));
                unsigned char *rhave = bench_xcalloc(s->count, 1);
                if (load_forecasts(path, s, NULL, 1, 3, rfc, rhave) == 0) {
                    score rs = score_forecasts(s, rfc, rhave);
                    agreement ag =
                        compare_forecasts(s, r->fc, r->have, rfc, rhave);
                    printf("%-13s %-7s %6zu %5s %5s %9.3f %9.3f %6s %10s "
                           "%10s %9s %9s",
                           "  R 8.20", s->spec->name, rs.scored, "", "",
                           rs.smape, rs.mase, "", "", "", "", "");
                    print_rel(sc.smape, rs.smape);
                    print_rel(sc.mase, rs.mase);
                    printf("  reference forecasts (%s); agree to 1e-3 on "
                           "%zu/%zu series (%.1f%%)\n",
                           ref, ag.agree, ag.compared,
                           ag.compared ? 100.0 * (double)ag.agree /
                                             (double)ag.compared
                                       : 0.0);
                    if (specs[1].fit_season != 1)
                        printf("    note: R's reference used season 1 on "
                               "Weekly; --weekly-season %d differs\n",
                               specs[1].fit_season);
                } else {
                    printf("    cannot read %s\n", path);
                }
                free(rfc);
                free(rhave);
            }
        }
    }
    if (fout && fclose(fout) != 0) {
        fprintf(stderr, "m4_accuracy: cannot write %s\n", forecasts_path);
        status = 1;
    }

    /* 3. Per-model agreement with R (--compare-r). */
    if (compare_r) {
        printf("\nAgreement with R forecast 8.20 reference forecasts "
               "(per series: the largest relative difference over the "
               "horizon)\n");
        printf("%-13s %-7s %8s %8s %8s %11s %11s %11s %12s\n", "model", "freq",
               "compared", "agree", "share", "median rel", "p90 rel",
               "max rel", "ours better");
        int any = 0;
        for (size_t r = 0; r < nrows; r++) {
            const char *ref =
                r_reference_file(rows[r].model->name, rows[r].set->spec->name);
            if (!ref)
                continue;
            const m4_set *s = rows[r].set;
            fmt(path, sizeof path, "%s/%s", dir, ref);
            double *rfc = bench_xcalloc(s->count * s->spec->horizon, sizeof(double));
            unsigned char *rhave = bench_xcalloc(s->count, 1);
            if (load_forecasts(path, s, NULL, 1, 3, rfc, rhave) == 0) {
                agreement ag = compare_forecasts(s, rows[r].res.fc,
                                                 rows[r].res.have, rfc, rhave);
                printf("%-13s %-7s %8zu %8zu %7.1f%% %11.3g %11.3g %11.3g "
                       "%12zu\n",
                       rows[r].model->name, s->spec->name, ag.compared,
                       ag.agree,
                       ag.compared ? 100.0 * (double)ag.agree /
                                         (double)ag.compared
                                   : 0.0,
                       ag.median_rel, ag.p90_rel, ag.max_rel, ag.ours_better);
                any = 1;
            }
            free(rfc);
            free(rhave);
        }
        if (!any)
            printf("(no reference: R forecasts are held for Weekly ETS and "
                   "ARIMA only)\n");
    }

    /* 4. R's speed on the same series (--r-timing). */
    if (want_r_timing) {
        printf("\n");
        if (!have_r) {
            printf("R not installed: no speed comparison\n");
        } else {
            printf("R timing (%s, single-threaded, fitting loop only) on the "
                   "same series:\n", rscript);
            printf("%-13s %-7s %-22s %10s %9s %9s %10s %12s\n", "model", "freq",
                   "R function", "R seconds", "R sMAPE", "R MASE",
                   "hc 1 thr", "R/hc (1 thr)");
            for (size_t r = 0; r < nrows; r++) {
                const char *rf = r_counterpart(rows[r].model->name);
                const m4_set *s = rows[r].set;
                if (!rf) {
                    printf("%-13s %-7s no R counterpart\n", rows[r].model->name,
                           s->spec->name);
                    continue;
                }
                double *rfc =
                    bench_xcalloc(s->count * s->spec->horizon, sizeof(double));
                unsigned char *rhave = bench_xcalloc(s->count, 1);
                double rsec = r_timing(rscript, dir, s, rows[r].model->name,
                                       rfc, rhave);
                double one = rows[r].res.seconds;
                if (threads != 1) {
                    run_result single;
                    run_model(rows[r].model, s, 1, (int)repeat, &single);
                    one = single.seconds;
                    run_result_free(&single);
                }
                if (isfinite(rsec)) {
                    score rs = score_forecasts(s, rfc, rhave);
                    printf("%-13s %-7s %-22s %10.3f %9.3f %9.3f %10.4f %11.1fx\n",
                           rows[r].model->name, s->spec->name, rf, rsec,
                           rs.smape, rs.mase, one, one > 0 ? rsec / one : 0.0);
                    if (threads != 1)
                        printf("%-13s %-7s %-22s R/hc with %ld threads: "
                               "%.1fx\n",
                               "", "", "", threads,
                               rows[r].res.seconds > 0
                                   ? rsec / rows[r].res.seconds
                                   : 0.0);
                } else {
                    printf("%-13s %-7s %-22s R failed (see its messages above)\n",
                           rows[r].model->name, s->spec->name, rf);
                }
                free(rfc);
                free(rhave);
            }
        }
    }

    for (size_t r = 0; r < nrows; r++)
        run_result_free(&rows[r].res);
    for (int k = 0; k < 2; k++)
        set_free(&sets[k]);
    return status;
}

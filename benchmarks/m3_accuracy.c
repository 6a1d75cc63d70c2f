/* M3 accuracy harness.
 *
 * Fits hindcast's registered models on the 3,003 M3 series (Makridakis &
 * Hibon 2000; data and SOURCE.md in $HINDCAST_SHARED_DATA/m3) through the
 * product's own path, hc_model_fit_with_fallback + hc_model_forecast, and
 * scores them with M3's sMAPE and with MASE (benchmarks/m3_data.h). Beside
 * them, in the same run, it scores the official submitted forecasts of the
 * M3 methods for the Yearly and Other groups with the same code (and checks
 * that code against the figures SOURCE.md states), and with --r it runs R
 * forecast's ets, auto.arima, thetaf, naive and snaive on the same series.
 *
 * Groups: Yearly (m 1, h 6, frequency Y), Quarterly (m 4, h 8), Monthly
 * (m 12, h 18, frequency M), Other (m 1, h 8, frequency Y: a plain index
 * read as consecutive years). Quarterly has no Amazon frequency; every
 * model but Prophet reads only hc_fit_input.season, so Quarterly runs with
 * season 4 (freq is set to Y and unused); Prophet derives its seasonality
 * from the frequency's calendar and is left out of Quarterly
 * (benchmarks/README.md, "M3").
 *
 * Usage: m3_accuracy --help. */
#include "bench_util.h" /* first: it sets _DEFAULT_SOURCE */

#include <ctype.h>
#include <math.h>
#include <strings.h>

#include "hindcast/calendar.h"
#include "hindcast/error.h"
#include "hindcast/model.h"
#include "hindcast/parallel.h"
#include "m3_data.h"

#ifndef HC_SOURCE_ROOT
#define HC_SOURCE_ROOT "."
#endif

#define MAX_MODELS 16

/* The M3 methods scored from the submitted forecasts, and SOURCE.md's
 * figures for the scorer check (sMAPE, 2 decimals; NAN: not stated). */
static const char *const REF_METHODS[] = {
    "THETA", "SINGLE", "NAIVE2", "DAMPEN", "ForecastPro", "B-J auto",
    "COMB S-H-D", "ForcX", "RBF", "AutoBox2", "ARARMA",
};
#define NREF (sizeof REF_METHODS / sizeof REF_METHODS[0])

static const struct {
    int group;
    const char *method;
    double smape;
} SOURCE_MD[] = {
    {M3_YEARLY, "THETA", 16.97},      {M3_YEARLY, "ForecastPro", 17.27},
    {M3_YEARLY, "ForcX", 16.48},      {M3_YEARLY, "RBF", 16.42},
    {M3_YEARLY, "AutoBox2", 16.59},   {M3_YEARLY, "B-J auto", 17.73},
    {M3_YEARLY, "NAIVE2", 17.88},     {M3_YEARLY, "SINGLE", 17.82},
    {M3_YEARLY, "DAMPEN", 17.36},     {M3_OTHER, "THETA", 4.41},
    {M3_OTHER, "ForecastPro", 4.60},  {M3_OTHER, "ARARMA", 4.38},
    {M3_OTHER, "NAIVE2", 6.30},       {M3_OTHER, "SINGLE", 6.29},
    {M3_OTHER, "DAMPEN", 4.61},
};

/* The M3 method(s) closest to each hindcast model. */
static const struct {
    const char *model;
    const char *methods[3];
} COUNTERPARTS[] = {
    {"Naive", {"NAIVE2"}},
    {"SeasonalNaive", {"NAIVE2"}}, /* = Naive where m = 1 */
    {"Theta", {"THETA"}},
    {"ETS", {"DAMPEN", "SINGLE", "ForecastPro"}},
    {"ARIMA", {"B-J auto"}},
    {"Croston", {"SINGLE"}}, /* SES of sizes and intervals */
};

/* R forecast 8.20's function for each model (--r). */
static const struct {
    const char *model, *rname;
} R_FUNCS[] = {
    {"ETS", "ets"},       {"ARIMA", "auto.arima"}, {"Theta", "thetaf"},
    {"Naive", "naive"},   {"SeasonalNaive", "snaive"},
};
#define NRF (sizeof R_FUNCS / sizeof R_FUNCS[0])

static hc_freq group_freq(int g)
{
    return g == M3_MONTHLY ? HC_FREQ_M : HC_FREQ_Y;
}

static int model_runs_on(const hc_model *m, int g)
{
    return !(g == M3_QUARTERLY && m->id == HC_ALGO_PROPHET);
}

/* ------------------------------------------------------------------ */
/* Running a model over a group                                         */

static const double QUANTILES[] = {0.1, 0.5, 0.9}; /* the default types */
#define NQ (sizeof QUANTILES / sizeof QUANTILES[0])

typedef struct run {
    const hc_model *model;
    const m3_set *set;
    int group;
    double *fc;          /* count * h means */
    double *q;           /* scratch: count * NQ * h */
    unsigned char *have; /* finite forecast */
    unsigned char *fallback;
    double *series_sec;  /* per series: sums give the time of a prefix */
    char (*errors)[160]; /* per series, so that workers never share one */
    size_t fallbacks, failures;
    double seconds;
    m3_score score;
    char first_error[200];
} run;

static int run_one(void *p, size_t i, int worker)
{
    (void)worker;
    run *r = p;
    const m3_set *s = r->set;
    size_t h = s->spec->horizon;
    /* Any fixed per-series seed: the M3 number, mixed. */
    uint64_t seed = (uint64_t)s->number[i] * 0x9e3779b97f4a7c15ULL;
    hc_fit_input in = {
        .y = s->train[i],
        .n = s->ntrain[i],
        .season = s->spec->m,
        .freq = group_freq(r->group),
        .seed = seed,
    };
    hc_fitted fit = {0};
    hc_error err;
    hc_error_clear(&err);
    double t0 = bench_now();
    int rc = hc_model_fit_with_fallback(r->model, &in, &fit, &err);
    if (rc == 0) {
        hc_forecast_request req = {
            .horizon = h, .nquantiles = NQ, .quantiles = QUANTILES,
            .seed = seed ^ 0x5851f42d4c957f2dULL,
        };
        r->fallback[i] = (unsigned char)(fit.fallback != 0);
        rc = hc_model_forecast(&fit, &req, r->fc + i * h, r->q + i * NQ * h, &err);
    }
    hc_fitted_clear(&fit);
    r->series_sec[i] = bench_now() - t0;
    int ok = rc == 0;
    for (size_t t = 0; t < h && ok; t++)
        ok = isfinite(r->fc[i * h + t]);
    r->have[i] = (unsigned char)ok;
    if (!ok)
        snprintf(r->errors[i], sizeof r->errors[i], "%.150s",
                 rc ? err.message : "non-finite forecast");
    return 0;
}

static void run_model(run *r, int threads)
{
    const m3_set *s = r->set;
    size_t n = s->count, h = s->spec->horizon;
    r->fc = bench_xcalloc(n * h, sizeof *r->fc);
    r->q = bench_xcalloc(n * NQ * h, sizeof *r->q);
    r->have = bench_xcalloc(n, 1);
    r->fallback = bench_xcalloc(n, 1);
    r->series_sec = bench_xcalloc(n, sizeof *r->series_sec);
    r->errors = bench_xcalloc(n, sizeof *r->errors);
    double t0 = bench_now();
    hc_parallel_for(n, threads, run_one, r);
    r->seconds = bench_now() - t0;
    for (size_t i = 0; i < n; i++) {
        r->fallbacks += r->fallback[i];
        if (!r->have[i] && r->failures++ == 0)
            snprintf(r->first_error, sizeof r->first_error, "N%d: %s",
                     s->number[i], r->errors[i]);
    }
    free(r->errors);
    r->errors = NULL;
    free(r->q);
    r->q = NULL;
    r->score = m3_score_forecasts(s, r->fc, r->have);
}

/* ------------------------------------------------------------------ */
/* R (--r)                                                              */

/* Reads the series written by write_series, fits each R function named on
 * the command line, writes <out>.<function>.csv (id, F1..Fh; NA on an
 * error) and prints the seconds of each fitting loop. */
static const char R_SCRIPT[] =
    "a <- commandArgs(trailingOnly = TRUE)\n"
    "infile <- a[1]; m <- as.integer(a[2]); h <- as.integer(a[3])\n"
    "out <- a[4]; fns <- a[-(1:4)]\n"
    "suppressPackageStartupMessages(library(forecast))\n"
    "p <- strsplit(readLines(infile), ',')\n"
    "ids <- vapply(p, `[`, '', 1)\n"
    "ys <- lapply(p, function(v) ts(as.numeric(v[-1]), frequency = m))\n"
    "one <- function(fn, y) switch(fn,\n"
    "  ets = forecast(ets(y), h = h, PI = FALSE)$mean,\n"
    "  auto.arima = forecast(auto.arima(y), h = h)$mean,\n"
    "  thetaf = thetaf(y, h = h)$mean,\n"
    "  naive = naive(y, h = h)$mean,\n"
    "  snaive = snaive(y, h = h)$mean)\n"
    "for (fn in fns) {\n"
    "  fc <- matrix(NA_real_, length(ys), h)\n"
    "  t0 <- proc.time()[['elapsed']]\n"
    "  for (i in seq_along(ys))\n"
    "    fc[i, ] <- tryCatch(as.numeric(one(fn, ys[[i]])),\n"
    "                        error = function(e) rep(NA_real_, h))\n"
    "  el <- proc.time()[['elapsed']] - t0\n"
    "  write.table(data.frame(ids, fc), paste0(out, '.', fn, '.csv'), sep = ',',\n"
    "              row.names = FALSE, col.names = FALSE, quote = FALSE)\n"
    "  cat(sprintf('seconds %s %.6f\\n', fn, el))\n"
    "}\n";

typedef struct r_result {
    int done;
    double seconds;
    m3_score score;
} r_result;

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) == EOF;
    return fclose(f) != 0 || bad ? -1 : 0;
}

static int write_series(const char *path, const m3_set *s, size_t count)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < count; i++) {
        fprintf(f, "N%d", s->number[i]);
        for (size_t t = 0; t < s->ntrain[i]; t++)
            fprintf(f, ",%.17g", s->train[i][t]);
        fputc('\n', f);
    }
    return fclose(f);
}

static int read_r_forecasts(const char *path, const m3_set *s, double *fc,
                            unsigned char *have)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t h = s->spec->horizon;
    memset(have, 0, s->count);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *fld[64];
        size_t nf = m3_split(line, fld, 64);
        if (nf != h + 1 || fld[0][0] != 'N')
            continue;
        long i = m3_find(s, atoi(fld[0] + 1));
        if (i < 0)
            continue;
        int ok = 1;
        for (size_t t = 0; t < h; t++)
            ok &= m3_number(fld[t + 1], &fc[(size_t)i * h + t]) == 0;
        have[i] = (unsigned char)ok;
    }
    fclose(f);
    return 0;
}

/* Runs R on the first `count` series of group s for the functions with
 * want[k]; fills res[k] (scored over those series). */
static void run_r(const m3_set *s, size_t count, const int want[NRF],
                  r_result res[NRF])
{
    char *dir = bench_make_dir("m3r");
    if (!dir)
        return;
    char script[4200], series[4200], out[4200], cmd[16384];
    snprintf(script, sizeof script, "%s/m3.R", dir);
    snprintf(series, sizeof series, "%s/series.csv", dir);
    snprintf(out, sizeof out, "%s/fc", dir);
    if (write_text(script, R_SCRIPT) != 0 || write_series(series, s, count) != 0) {
        fprintf(stderr, "m3_accuracy: cannot write under %s\n", dir);
        goto done;
    }
    int len = snprintf(cmd, sizeof cmd, "Rscript --vanilla '%s' '%s' %d %zu '%s'",
                       script, series, s->spec->m, s->spec->horizon, out);
    for (size_t k = 0; k < NRF; k++)
        if (want[k] && len > 0 && (size_t)len < sizeof cmd)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s",
                            R_FUNCS[k].rname);
    if (len <= 0 || (size_t)len + 8 >= sizeof cmd)
        goto done;
    snprintf(cmd + len, sizeof cmd - (size_t)len, " 2>&1");
    FILE *p = popen(cmd, "r");
    if (!p) {
        fprintf(stderr, "m3_accuracy: cannot run Rscript\n");
        goto done;
    }
    char line[1024];
    while (fgets(line, sizeof line, p)) {
        char name[64];
        double sec;
        if (sscanf(line, "seconds %63s %lf", name, &sec) == 2) {
            for (size_t k = 0; k < NRF; k++)
                if (strcmp(name, R_FUNCS[k].rname) == 0) {
                    res[k].seconds = sec;
                    res[k].done = 1;
                }
        } else {
            fprintf(stderr, "R: %s", line);
        }
    }
    if (pclose(p) != 0)
        fprintf(stderr, "m3_accuracy: Rscript failed on %s\n", s->spec->name);
    size_t h = s->spec->horizon;
    double *fc = bench_xcalloc(s->count * h, sizeof *fc);
    unsigned char *have = bench_xcalloc(s->count, 1);
    for (size_t k = 0; k < NRF; k++) {
        if (!res[k].done)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s.%s.csv", out, R_FUNCS[k].rname);
        if (read_r_forecasts(path, s, fc, have) != 0)
            res[k].done = 0;
        else
            res[k].score = m3_score_forecasts(s, fc, have); /* have: < count */
    }
    free(fc);
    free(have);
done:
    bench_remove_tree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ */
/* Command line                                                         */

static void usage(FILE *to)
{
    fprintf(to,
            "usage: m3_accuracy [--model NAME|ARN]... [--groups LIST] [--limit N]\n"
            "                   [--threads N] [--data DIR] [--r]\n"
            "  --model    a registered model (short name or AlgorithmArn); repeatable;\n"
            "             default every registered model\n"
            "  --groups   comma-separated subset of Yearly,Quarterly,Monthly,Other\n"
            "             (or Y,Q,M,O); default all four\n"
            "  --limit    only the first N series of each group (quick runs; the\n"
            "             scorer check against SOURCE.md is then skipped)\n"
            "  --threads  workers for hindcast's fits (default 1)\n"
            "  --data     the m3 folder; default $HINDCAST_SHARED_DATA/m3 or\n"
            "             <source root>/../shared/data/m3\n"
            "  --r        also run R forecast's ets, auto.arima, thetaf, naive and\n"
            "             snaive (those with a selected counterpart) on the same\n"
            "             series; prints R's sMAPE and the speed ratio (needs Rscript)\n"
            "  --r-limit [GROUP=]N  R runs on the first N series only (of GROUP, or of\n"
            "             every group); hindcast's side of the R table is scored and\n"
            "             timed on the same series; repeatable\n");
}

/* Every registered model, in the registry's (SPEC 3.3) order. */
static size_t all_models(const hc_model **out)
{
    char arns[4096];
    snprintf(arns, sizeof arns, "%s", hc_model_supported_arns());
    size_t n = 0;
    for (char *tok = strtok(arns, ", "); tok && n < MAX_MODELS;
         tok = strtok(NULL, ", ")) {
        const hc_model *m = hc_model_by_arn(tok);
        if (m)
            out[n++] = m;
    }
    return n;
}

static int parse_groups(const char *v, int use[M3_NGROUPS])
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    memset(use, 0, M3_NGROUPS * sizeof *use);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int found = 0;
        for (int g = 0; g < M3_NGROUPS; g++)
            if (strcasecmp(tok, M3_GROUPS[g].name) == 0 ||
                (tok[1] == '\0' &&
                 toupper((unsigned char)tok[0]) == M3_GROUPS[g].name[0]))
                use[g] = found = 1;
        if (!found)
            return -1;
    }
    return 0;
}

static void print_ratio(double ours, double ref)
{
    if (isfinite(ours) && isfinite(ref) && ref > 0.0)
        printf(" %6.3f", ours / ref);
    else
        printf(" %6s", "");
}

int main(int argc, char **argv)
{
    const hc_model *models[MAX_MODELS];
    size_t nmodels = 0;
    int use[M3_NGROUPS] = {1, 1, 1, 1}, want_r = 0, status = 0;
    long limit = 0, threads = 1;
    long r_limit[M3_NGROUPS] = {0, 0, 0, 0};
    const char *data = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--model") == 0 && v) {
            if (bench_add_model(models, &nmodels, MAX_MODELS, v, "m3_accuracy"))
                return 2;
            i++;
        } else if (strcmp(a, "--groups") == 0 && v) {
            if (parse_groups(v, use) != 0) {
                fprintf(stderr, "m3_accuracy: --groups takes Yearly,Quarterly,"
                                "Monthly,Other (or Y,Q,M,O)\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--limit") == 0 && v &&
                   (limit = strtol(v, &end, 10)) > 0 && *end == '\0') {
            i++;
        } else if (strcmp(a, "--threads") == 0 && v &&
                   (threads = strtol(v, &end, 10)) > 0 && threads <= 64 &&
                   *end == '\0') {
            i++;
        } else if (strcmp(a, "--data") == 0 && v) {
            data = v;
            i++;
        } else if (strcmp(a, "--r-limit") == 0 && v) {
            const char *eq = strchr(v, '=');
            int gsel[M3_NGROUPS] = {1, 1, 1, 1};
            char gname[64];
            if (eq && (size_t)(eq - v) < sizeof gname) {
                memcpy(gname, v, (size_t)(eq - v));
                gname[eq - v] = '\0';
                if (parse_groups(gname, gsel) != 0)
                    eq = v; /* reported below */
            }
            long nlim = strtol(eq ? eq + 1 : v, &end, 10);
            if (eq == v || nlim <= 0 || *end != '\0') {
                fprintf(stderr, "m3_accuracy: --r-limit takes N or GROUP=N\n");
                return 2;
            }
            for (int g = 0; g < M3_NGROUPS; g++)
                if (gsel[g])
                    r_limit[g] = nlim;
            i++;
        } else if (strcmp(a, "--r") == 0) {
            want_r = 1;
        } else {
            fprintf(stderr, "m3_accuracy: bad argument '%s'%s\n", a,
                    v ? "" : " (or its value is missing)");
            usage(stderr);
            return 2;
        }
    }
    if (nmodels == 0)
        nmodels = all_models(models);

    char dir[4096];
    const char *shared = getenv("HINDCAST_SHARED_DATA");
    if (data)
        snprintf(dir, sizeof dir, "%s", data);
    else if (shared && *shared)
        snprintf(dir, sizeof dir, "%s/m3", shared);
    else
        snprintf(dir, sizeof dir, "%s/../shared/data/m3", HC_SOURCE_ROOT);

    m3_set sets[M3_NGROUPS];
    char err[512];
    if (m3_load(dir, use, (size_t)limit, sets, err, sizeof err) != 0) {
        fprintf(stderr, "m3_accuracy: %s (set HINDCAST_SHARED_DATA or --data)\n",
                err);
        return 2;
    }
    hc_blas_single_thread();
    printf("M3 accuracy: data %s\n", dir);
    printf("sMAPE = 200|y-f|/(|y|+|f|), mean over horizons 1..h, then over "
           "series; MASE scaled by the in-sample seasonal-naive MAE (group m)\n");
    printf("season given to the models = the group's m; frequency: Yearly Y, "
           "Monthly M, Other Y (plain index), Quarterly none (Prophet not run)\n");
    printf("threads %ld; seconds = one run of fit + forecast (with quantiles "
           "0.1, 0.5, 0.9) over the group's series%s\n\n",
           threads, limit ? "; PARTIAL: --limit" : "");

    /* 1. The references: submitted M3 forecasts, scored here. */
    m3_score refs[M3_NGROUPS][NREF];
    memset(refs, 0, sizeof refs);
    int have_refs[M3_NGROUPS] = {0};
    printf("M3 submitted forecasts scored here (scorer check against "
           "SOURCE.md, tolerance 0.01%s)\n",
           limit ? "; skipped with --limit" : "");
    printf("%-10s %-12s %6s %8s %8s %9s  %s\n", "group", "method", "series",
           "sMAPE", "MASE", "SOURCE.md", "check");
    for (int g = 0; g < M3_NGROUPS; g++) {
        const m3_set *s = &sets[g];
        if (!use[g] || !s->spec->sub_file)
            continue;
        size_t h = s->spec->horizon;
        double *fc = bench_xcalloc(s->count * h, sizeof *fc);
        unsigned char *have = bench_xcalloc(s->count, 1);
        for (size_t k = 0; k < NREF; k++) {
            long found = m3_load_submitted(dir, s, REF_METHODS[k], fc, have);
            if (found < 0) {
                printf("cannot read %s/%s\n", dir, s->spec->sub_file);
                status = 1;
                break;
            }
            refs[g][k] = m3_score_forecasts(s, fc, have);
            have_refs[g] = 1;
            double stated = (double)NAN;
            for (size_t j = 0; j < sizeof SOURCE_MD / sizeof SOURCE_MD[0]; j++)
                if (SOURCE_MD[j].group == g &&
                    strcmp(SOURCE_MD[j].method, REF_METHODS[k]) == 0)
                    stated = SOURCE_MD[j].smape;
            const char *check = "-";
            if (!limit && isfinite(stated)) {
                int ok = (size_t)found == s->count &&
                         fabs(refs[g][k].smape - stated) <= 0.01;
                check = ok ? "ok" : "MISMATCH";
                if (!ok) {
                    status = 1;
                    fprintf(stderr, "m3_accuracy: SCORER CHECK FAILED: %s %s "
                                    "sMAPE %.4f, SOURCE.md %.2f (%ld/%zu series)\n",
                            s->spec->name, REF_METHODS[k], refs[g][k].smape,
                            stated, found, s->count);
                }
            }
            printf("%-10s %-12s %6zu %8.3f %8.3f ", s->spec->name,
                   REF_METHODS[k], refs[g][k].scored, refs[g][k].smape,
                   refs[g][k].mase);
            if (isfinite(stated))
                printf("%9.2f", stated);
            else
                printf("%9s", "");
            printf("  %s\n", check);
        }
        free(fc);
        free(have);
    }
    printf("(Quarterly and Monthly: no submitted forecasts in the data)\n\n");

    /* 2. hindcast's models, group by group. */
    run *runs = bench_xcalloc(nmodels * M3_NGROUPS, sizeof *runs);
    for (int g = 0; g < M3_NGROUPS; g++) {
        if (!use[g])
            continue;
        const m3_set *s = &sets[g];
        printf("%s: %zu series, m %d, h %zu\n", s->spec->name, s->count,
               s->spec->m, s->spec->horizon);
        printf("%-14s %5s %4s %8s %8s %9s  %-12s %8s %6s\n", "model", "fallb",
               "fail", "sMAPE", "MASE", "seconds", "M3 method", "M3 sMAPE",
               "ratio");
        for (size_t mi = 0; mi < nmodels; mi++) {
            run *r = &runs[mi * M3_NGROUPS + (size_t)g];
            r->model = models[mi];
            r->set = s;
            r->group = g;
            if (!model_runs_on(models[mi], g)) {
                printf("%-14s not run: no quarterly frequency for its "
                       "calendar seasonality\n", models[mi]->name);
                continue;
            }
            run_model(r, (int)threads);
            printf("%-14s %5zu %4zu %8.3f %8.3f %9.3f", models[mi]->name,
                   r->fallbacks, r->failures, r->score.smape, r->score.mase,
                   r->seconds);
            int lines = 0;
            for (size_t c = 0; c < sizeof COUNTERPARTS / sizeof COUNTERPARTS[0];
                 c++) {
                if (strcmp(COUNTERPARTS[c].model, models[mi]->name) != 0 ||
                    !have_refs[g])
                    continue;
                for (size_t j = 0; j < 3 && COUNTERPARTS[c].methods[j]; j++)
                    for (size_t k = 0; k < NREF; k++) {
                        if (strcmp(REF_METHODS[k], COUNTERPARTS[c].methods[j]) != 0)
                            continue;
                        if (lines++)
                            printf("\n%-14s %5s %4s %8s %8s %9s", "", "", "", "",
                                   "", "");
                        printf("  %-12s %8.3f", REF_METHODS[k], refs[g][k].smape);
                        print_ratio(r->score.smape, refs[g][k].smape);
                    }
            }
            printf("\n");
            if (r->failures)
                printf("    %zu series without a forecast; first: %s\n",
                       r->failures, r->first_error);
        }
        printf("\n");
    }

    /* 3. Every group together: means over all scored series. */
    printf("Summary: sMAPE (MASE) per group and over all series run\n");
    printf("%-14s", "model");
    for (int g = 0; g < M3_NGROUPS; g++)
        if (use[g])
            printf(" %17s", M3_GROUPS[g].name);
    printf(" %17s\n", "All");
    for (size_t mi = 0; mi < nmodels; mi++) {
        printf("%-14s", models[mi]->name);
        double ss = 0.0, ms = 0.0;
        size_t n = 0, mn = 0, skipped = 0;
        for (int g = 0; g < M3_NGROUPS; g++) {
            if (!use[g])
                continue;
            const run *r = &runs[mi * M3_NGROUPS + (size_t)g];
            if (!r->fc) {
                printf(" %17s", "-");
                skipped++;
                continue;
            }
            printf("   %6.3f (%6.3f)", r->score.smape, r->score.mase);
            ss += r->score.smape_sum;
            ms += r->score.mase_sum;
            n += r->score.scored;
            mn += r->score.mase_scored;
        }
        printf("   %6.3f (%6.3f)%s\n", n ? ss / (double)n : (double)NAN,
               mn ? ms / (double)mn : (double)NAN,
               skipped ? " (groups not run left out)" : "");
    }

    /* 4. R forecast on the same series. */
    if (want_r) {
        printf("\nR forecast 8.20 on the same series (fitting loop only; "
               "hindcast: fit + forecast with quantiles, 1 thread when "
               "--threads 1)\n");
        printf("%-10s %-14s %-11s %8s %8s %8s %8s %9s %9s %8s\n", "group",
               "model", "R function", "hc sMAPE", "R sMAPE", "hc MASE",
               "R MASE", "hc sec", "R sec", "R/hc");
        for (int g = 0; g < M3_NGROUPS; g++) {
            if (!use[g])
                continue;
            int want[NRF] = {0}, any = 0;
            for (size_t k = 0; k < NRF; k++)
                for (size_t mi = 0; mi < nmodels; mi++)
                    if (strcmp(models[mi]->name, R_FUNCS[k].model) == 0)
                        want[k] = any = 1;
            if (!any)
                continue;
            r_result res[NRF];
            memset(res, 0, sizeof res);
            const m3_set *s = &sets[g];
            size_t rn = s->count;
            if (r_limit[g] > 0 && (size_t)r_limit[g] < rn)
                rn = (size_t)r_limit[g];
            fflush(stdout); /* R's messages go to stderr meanwhile */
            run_r(s, rn, want, res);
            for (size_t k = 0; k < NRF; k++) {
                if (!want[k])
                    continue;
                const run *r = NULL;
                for (size_t mi = 0; mi < nmodels; mi++)
                    if (strcmp(models[mi]->name, R_FUNCS[k].model) == 0)
                        r = &runs[mi * M3_NGROUPS + (size_t)g];
                if (!res[k].done) {
                    printf("%-10s %-14s %-11s R failed (messages above)\n",
                           M3_GROUPS[g].name, R_FUNCS[k].model, R_FUNCS[k].rname);
                    continue;
                }
                /* hindcast on the same first rn series. */
                unsigned char *mask = bench_xcalloc(s->count, 1);
                double hsec = 0.0;
                for (size_t i = 0; i < rn; i++) {
                    mask[i] = r->have[i];
                    hsec += r->series_sec[i];
                }
                if (rn == s->count && threads > 1)
                    hsec = r->seconds; /* wall time of the parallel run */
                m3_score hs = m3_score_forecasts(s, r->fc, mask);
                free(mask);
                printf("%-10s %-14s %-11s %8.3f %8.3f %8.3f %8.3f %9.3f %9.3f "
                       "%7.1fx  %zu series",
                       M3_GROUPS[g].name, R_FUNCS[k].model, R_FUNCS[k].rname,
                       hs.smape, res[k].score.smape, hs.mase, res[k].score.mase,
                       hsec, res[k].seconds,
                       hsec > 0 ? res[k].seconds / hsec : 0.0, rn);
                if (res[k].score.scored != rn)
                    printf(" (R forecast %zu)", res[k].score.scored);
                printf("\n");
            }
        }
    }

    for (size_t i = 0; i < nmodels * M3_NGROUPS; i++) {
        free(runs[i].fc);
        free(runs[i].have);
        free(runs[i].fallback);
        free(runs[i].series_sec);
    }
    free(runs);
    for (int g = 0; g < M3_NGROUPS; g++)
        m3_set_free(&sets[g]);
    return status;
}

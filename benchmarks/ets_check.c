/* ETS on real data: M4 Weekly and Hourly, scored with the M4 protocol
 * (sMAPE, MASE with the M4 seasonal period), beside R forecast 8.20's own
 * Weekly forecasts (shared/data/m4/reference-r-forecast-8.20) and the
 * published M4 ETS scores; optionally timed against R's ets() on the same
 * series in the same run.
 *
 *   ets_check [--data DIR] [--weekly] [--hourly] [--limit N] [--verbose]
 *             [--r-time N] [--ref FILE] [--threads N]
 *
 * DIR defaults to $HINDCAST_SHARED_DATA/m4, else ../shared/data/m4.
 * --r-time N times R's ets() (Rscript, single-threaded) and hindcast on the
 * first N series of each selected set; without Rscript it prints
 * "R not installed". The season length is the one hindcast uses for the
 * frequency (SPEC 2.7: W 52, H 24); R's rules then give non-seasonal
 * models for Weekly (m > 24), as the reference (fitted with frequency 1).
 * --ref FILE compares with other R forecasts in the reference files' format
 * (method,id,model,F1..Fh; gzip or plain), matched by series id, for the
 * one set selected (e.g. Hourly forecasts made with
 * forecast(ets(ts(y, frequency = 24)), h = 48, PI = FALSE)$mean).
 * --threads N fits the series on N threads (the "sec" column is then wall
 * time); the R comparison is always single-threaded on both sides. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "hindcast/parallel.h"
#include "models/ets_internal.h"

typedef struct series_set {
    size_t n;
    char **ids;
    double **values;
    size_t *len;
} series_set;

/* The whole decompressed file, NUL-terminated; NULL when it cannot be
 * opened, read (a damaged .gz is not cut short silently) or held. */
static char *read_gz(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (buf && n == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (!grown)
                free(buf);
            buf = grown;
        }
        if (!buf)
            break;
        int r = gzread(gz, buf + n, (unsigned)(cap - n));
        if (r < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(gz);
    if (!buf)
        return NULL;
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Splits one CSV line (fields optionally double-quoted, no embedded quotes)
 * in place; returns the number of fields. */
static size_t split_line(char *line, char **fields, size_t max)
{
    size_t k = 0;
    char *p = line;
    while (k < max) {
        char *start = p;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p++;
            if (*p == '"')
                *p++ = 0;
        } else {
            while (*p && *p != ',')
                p++;
        }
        char *end = p;
        fields[k++] = start;
        if (*p == ',') {
            *end = 0;
            p++;
        } else {
            *end = 0;
            break;
        }
    }
    return k;
}

/* Wide M4 file: header row, then id and values (empty cells pad). */
static int read_wide(const char *path, series_set *s)
{
    size_t len;
    char *buf = read_gz(path, &len);
    if (!buf)
        return -1;
    memset(s, 0, sizeof *s);
    size_t cap = 0;
    char **fields = malloc(4000 * sizeof *fields);
    char *line = buf;
    int header = 1;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (nl && nl > line && nl[-1] == '\r')
            nl[-1] = 0;
        if (!header && *line) {
            size_t k = split_line(line, fields, 4000);
            if (s->n == cap) {
                cap = cap ? 2 * cap : 512;
                s->ids = realloc(s->ids, cap * sizeof *s->ids);
                s->values = realloc(s->values, cap * sizeof *s->values);
                s->len = realloc(s->len, cap * sizeof *s->len);
            }
            s->ids[s->n] = strdup(fields[0]);
            double *v = malloc((k ? k : 1) * sizeof *v);
            size_t nv = 0;
            for (size_t i = 1; i < k; i++)
                if (fields[i][0])
                    v[nv++] = strtod(fields[i], NULL);
            s->values[s->n] = v;
            s->len[s->n] = nv;
            s->n++;
        }
        header = 0;
        if (!nl)
            break;
        line = nl + 1;
    }
    free(fields);
    free(buf);
    return 0;
}

/* R reference: method,id,model,F1..Fh. */
typedef struct reference {
    size_t n;
    char **ids;
    char **models;
    double **f;
} reference;

static int read_reference(const char *path, reference *r, size_t h)
{
    size_t len;
    char *buf = read_gz(path, &len);
    if (!buf)
        return -1;
    memset(r, 0, sizeof *r);
    size_t cap = 0;
    char *fields[64];
    char *line = buf;
    int header = 1;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (!header && *line) {
            size_t k = split_line(line, fields, 64);
            if (k >= 3 + h) {
                if (r->n == cap) {
                    cap = cap ? 2 * cap : 512;
                    r->ids = realloc(r->ids, cap * sizeof *r->ids);
                    r->models = realloc(r->models, cap * sizeof *r->models);
                    r->f = realloc(r->f, cap * sizeof *r->f);
                }
                r->ids[r->n] = strdup(fields[1]);
                r->models[r->n] = strdup(fields[2]);
                r->f[r->n] = malloc(h * sizeof(double));
                for (size_t i = 0; i < h; i++)
                    r->f[r->n][i] = strtod(fields[3 + i], NULL);
                r->n++;
            }
        }
        header = 0;
        if (!nl)
            break;
        line = nl + 1;
    }
    free(buf);
    return 0;
}

static void model_name(const hc_ets_spec *s, char *out, size_t cap)
{
    static const char comp[] = "NAM";
    snprintf(out, cap, "ETS(%c,%s%s,%c)", comp[s->error],
             s->trend ? "A" : "N", s->trend && s->damped ? "d" : "",
             comp[s->season]);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct scores {
    double smape, mase;
    size_t count;
} scores;

static void score(const double *train, size_t n, const double *test,
                  const double *f, size_t h, int m, scores *acc)
{
    double s = 0.0, a = 0.0, scale = 0.0;
    for (size_t i = 0; i < h; i++) {
        s += 2.0 * fabs(test[i] - f[i]) / (fabs(test[i]) + fabs(f[i]));
        a += fabs(test[i] - f[i]);
    }
    for (size_t t = (size_t)m; t < n; t++)
        scale += fabs(train[t] - train[t - (size_t)m]);
    scale /= (double)(n - (size_t)m);
    acc->smape += 100.0 * s / (double)h;
    acc->mase += a / (double)h / scale;
    acc->count++;
}

static int have_rscript(void)
{
    return system("command -v Rscript >/dev/null 2>&1") == 0;
}

/* Times R's ets() (default settings, then forecast) on the first `count`
 * series; returns seconds, or a negative value on failure. */
static double time_r(const series_set *train, size_t count, int freq,
                     size_t h)
{
    char dir[] = "/tmp/ets_check.XXXXXX";
    if (!mkdtemp(dir))
        return -1.0;
    char data[256], script[256], out[256], cmd[1024];
    snprintf(data, sizeof data, "%s/data.csv", dir);
    snprintf(script, sizeof script, "%s/time.R", dir);
    snprintf(out, sizeof out, "%s/seconds.txt", dir);
    FILE *f = fopen(data, "w");
    if (!f)
        return -1.0;
    for (size_t i = 0; i < count; i++) {
        for (size_t t = 0; t < train->len[i]; t++)
            fprintf(f, "%s%.17g", t ? "," : "", train->values[i][t]);
        fputc('\n', f);
    }
    fclose(f);
    f = fopen(script, "w");
    if (!f)
        return -1.0;
    fprintf(f,
            "suppressMessages(library(forecast))\n"
            "lines <- readLines('%s')\n"
            "ys <- lapply(strsplit(lines, ','), as.numeric)\n"
            "t0 <- proc.time()[['elapsed']]\n"
            "for (y in ys) invisible(forecast(ets(ts(y, frequency = %d)), "
            "h = %zu))\n"
            "cat(proc.time()[['elapsed']] - t0, file = '%s')\n",
            data, freq, h, out);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 Rscript %s "
             ">/dev/null 2>&1",
             script);
    double secs = -1.0;
    if (system(cmd) == 0) {
        f = fopen(out, "r");
        if (f) {
            if (fscanf(f, "%lf", &secs) != 1)
                secs = -1.0;
            fclose(f);
        }
    }
    remove(data);
    remove(script);
    remove(out);
    rmdir(dir);
    return secs;
}

typedef struct set_def {
    const char *name;
    const char *train, *test, *ref;
    int season;   /* hindcast's m for the frequency */
    int mase_m;   /* M4's m */
    int r_freq;   /* frequency R is given when timing */
    size_t h;
    double r_smape, r_mase; /* R reference or published */
    const char *r_label;
} set_def;

/* One series' fit, for hc_parallel_for: results go to per-index slots. */
typedef struct fit_job {
    const series_set *train;
    int season;
    size_t h;
    double *fc;        /* count * h */
    char (*names)[32]; /* count */
    int *ok;           /* count */
    double **work;     /* per worker */
    size_t *work_cap;  /* per worker */
    hc_ets_fit *fits;  /* count */
} fit_job;

static int fit_one(void *ctx, size_t i, int worker)
{
    fit_job *j = ctx;
    size_t n = j->train->len[i];
    if (hc_ets_work_size(n) > j->work_cap[worker]) {
        j->work_cap[worker] = hc_ets_work_size(n);
        free(j->work[worker]);
        j->work[worker] = malloc(j->work_cap[worker] * sizeof(double));
        if (!j->work[worker])
            return -1;
    }
    double *f = j->fc + i * j->h;
    hc_ets_fit *fit = &j->fits[i];
    if (hc_ets_auto(j->train->values[i], n, j->season, fit, j->work[worker]) ==
        0) {
        hc_ets_point_forecast(&fit->spec, &fit->par, fit->xn, j->h, f);
        model_name(&fit->spec, j->names[i], sizeof j->names[i]);
        j->ok[i] = 1;
    } else {
        /* what the model chain would do: seasonal naive */
        snprintf(j->names[i], sizeof j->names[i], "fallback");
        j->ok[i] = 0;
        for (size_t t = 0; t < j->h; t++)
            f[t] = j->train->values[i][n - (size_t)j->season +
                                       t % (size_t)j->season];
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int weekly = 0, hourly = 0, verbose = 0;
    size_t limit = (size_t)-1, rtime = 0;
    const char *ref_override = NULL;
    int threads = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--weekly"))
            weekly = 1;
        else if (!strcmp(argv[i], "--hourly"))
            hourly = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
            limit = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ref") && i + 1 < argc)
            ref_override = argv[++i];
        else if (!strcmp(argv[i], "--r-time") && i + 1 < argc)
            rtime = (size_t)strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr,
                    "usage: ets_check [--data DIR] [--weekly] [--hourly] "
                    "[--limit N] [--verbose] [--r-time N] [--ref FILE] "
                    "[--threads N]\n");
            return 2;
        }
    }
    if (!weekly && !hourly)
        weekly = hourly = 1;
    char dbuf[1024];
    if (!dir) {
        const char *sh = getenv("HINDCAST_SHARED_DATA");
        snprintf(dbuf, sizeof dbuf, "%s/m4", sh ? sh : "../shared/data");
        dir = dbuf;
    }
    const set_def sets[] = {
        {"Weekly", "Weekly-train.csv.gz", "Weekly-test.csv.gz",
         "reference-r-forecast-8.20/weekly-ets.csv.gz", 52, 1, 1, 13, 8.727,
         2.527, "R forecast 8.20 (reference files)"},
        {"Hourly", "Hourly-train.csv.gz", "Hourly-test.csv.gz", NULL, 24, 24,
         24, 48, 17.307, 1.824, "M4 published ETS"},
    };
    /* R's own Hourly forecasts for every tenth series, made for this
     * benchmark (benchmarks/data/SOURCE.md); an absolute path. */
    const char *hourly_ref = NULL;
#ifdef ETS_CHECK_HOURLY_REF
    hourly_ref = ETS_CHECK_HOURLY_REF;
#endif
    printf("%-7s %6s %8s %8s %10s %10s %8s %8s %9s\n", "set", "series",
           "sMAPE", "MASE", "R sMAPE", "R MASE", "sec", "ms/ser",
           "fallback");
    int rc = 0;
    for (int si = 0; si < 2; si++) {
        const set_def *d = &sets[si];
        if ((si == 0 && !weekly) || (si == 1 && !hourly))
            continue;
        char p1[1200], p2[1200], p3[1200];
        snprintf(p1, sizeof p1, "%s/%s", dir, d->train);
        snprintf(p2, sizeof p2, "%s/%s", dir, d->test);
        series_set train, test;
        if (read_wide(p1, &train) || read_wide(p2, &test)) {
            fprintf(stderr, "ets_check: cannot read %s or %s\n", p1, p2);
            return 1;
        }
        reference ref = {0};
        int have_ref = 0;
        if (ref_override) {
            have_ref = read_reference(ref_override, &ref, d->h) == 0;
            if (!have_ref) {
                fprintf(stderr, "ets_check: cannot read %s\n", ref_override);
                return 1;
            }
        } else if (d->ref) {
            snprintf(p3, sizeof p3, "%s/%s", dir, d->ref);
            have_ref = read_reference(p3, &ref, d->h) == 0;
        } else if (si == 1 && hourly_ref) {
            have_ref = read_reference(hourly_ref, &ref, d->h) == 0;
        }
        size_t count = train.n < limit ? train.n : limit;
        scores ours = {0}, theirs = {0};
        size_t same_model = 0, agree = 0, compared = 0, fallbacks = 0;
        fit_job job = {&train, d->season, d->h,
                       calloc(count * d->h, sizeof(double)),
                       calloc(count, sizeof(char[32])),
                       calloc(count, sizeof(int)),
                       calloc((size_t)threads, sizeof(double *)),
                       calloc((size_t)threads, sizeof(size_t)),
                       calloc(count, sizeof(hc_ets_fit))};
        double t0 = now();
        if (hc_parallel_for(count, threads, fit_one, &job) != 0) {
            fprintf(stderr, "ets_check: out of memory\n");
            return 1;
        }
        double secs = now() - t0;
        for (size_t i = 0; i < count; i++) {
            size_t n = train.len[i];
            const double *f = job.fc + i * d->h;
            const char *name = job.names[i];
            const hc_ets_fit fit = job.fits[i];
            fallbacks += (size_t)!job.ok[i];
            score(train.values[i], n, test.values[i], f, d->h, d->mase_m,
                  &ours);
            size_t ri = 0;
            while (have_ref && ri < ref.n && strcmp(ref.ids[ri], train.ids[i]))
                ri++;
            if (have_ref && ri < ref.n) {
                const double *rf = ref.f[ri];
                score(train.values[i], n, test.values[i], rf, d->h,
                      d->mase_m, &theirs);
                compared++;
                double worst = 0.0;
                for (size_t t = 0; t < d->h; t++) {
                    double rel = fabs(f[t] - rf[t]) / fmax(fabs(rf[t]), 1e-12);
                    worst = fmax(worst, rel);
                }
                int same = !strcmp(name, ref.models[ri]);
                same_model += (size_t)same;
                agree += (size_t)(same && worst <= 1e-3);
                if (verbose)
                    printf("%s n=%zu ours %s R %s maxrel %.2e%s\n",
                           train.ids[i], n, name, ref.models[ri], worst,
                           same && worst > 1e-3 ? "  <-- differs" : "");
            } else if (verbose) {
                printf("%s n=%zu ours %s lik %.6g aicc %.6g evals %d\n",
                       train.ids[i], n, name, fit.lik, fit.aicc, fit.evals);
            }
        }
        printf("%-7s %6zu %8.4f %8.4f %10.3f %10.3f %8.2f %8.2f %9zu\n",
               d->name, count, ours.smape / (double)ours.count,
               ours.mase / (double)ours.count, d->r_smape, d->r_mase, secs,
               1000.0 * secs / (double)count, fallbacks);
        printf("        (R columns: %s)\n", d->r_label);
        if (compared) {
            printf("        R's own forecasts on these %zu series: sMAPE "
                   "%.3f MASE %.3f\n",
                   compared, theirs.smape / (double)theirs.count,
                   theirs.mase / (double)theirs.count);
            printf("        same model as R: %zu/%zu (%.1f%%, differs on "
                   "%.1f%%); same model and every point within 1e-3 "
                   "relative: %zu/%zu (%.1f%% of same-model series)\n",
                   same_model, compared, 100.0 * (double)same_model / (double)compared,
                   100.0 * (double)(compared - same_model) / (double)compared,
                   agree, same_model,
                   same_model ? 100.0 * (double)agree / (double)same_model : 0.0);
        }
        if (rtime) {
            size_t k = rtime < count ? rtime : count;
            if (!have_rscript()) {
                printf("        speed: R not installed\n");
            } else {
                double t1 = now();
                hc_parallel_for(k, 1, fit_one, &job);
                double ours_s = now() - t1;
                double r_s = time_r(&train, k, d->r_freq, d->h);
                if (r_s < 0)
                    printf("        speed: R run failed\n");
                else
                    printf("        speed on the first %zu series, one "
                           "thread: hindcast %.3f s, R ets() %.3f s, "
                           "ratio %.1fx\n",
                           k, ours_s, r_s, r_s / ours_s);
            }
        }
        for (int w = 0; w < threads; w++)
            free(job.work[w]);
        free(job.work);
        free(job.work_cap);
        free(job.fc);
        free(job.names);
        free(job.ok);
        free(job.fits);
    }
    return rc;
}

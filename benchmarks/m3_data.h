/* The M3 competition data and its scoring, shared by benchmarks/m3_accuracy.c
 * and tests/unit/test_m3.c (header-only, static inline).
 *
 * Data: $HINDCAST_SHARED_DATA/m3 (SOURCE.md there): m3-long.csv.gz, one row
 * per observation `item_id,group,category,m,horizon,t,timestamp,
 * target_value,split`, rows of a series together and in t order, the last
 * `horizon` rows marked split=test; and the official submitted forecasts of
 * the Yearly and Other groups, `series_id,method_id,forecast,horizon,...`
 * with ids Y<k> = N<k> and O<k> = N<2829+k>.
 *
 * Scoring as in the M3 competition (Makridakis & Hibon 2000): sMAPE =
 * 200 |y - f| / (|y| + |f|) averaged over horizons 1..h, then over series;
 * MASE (Hyndman & Koehler 2006) scaled by the in-sample mean absolute
 * seasonal-naive error with the group's m, as the M4 harness does. */
#ifndef HC_M3_DATA_H
#define HC_M3_DATA_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "bench_scores.h"

typedef struct m3_group_spec {
    const char *name;   /* "Yearly", as printed */
    const char *key;    /* "yearly", the data's group column */
    int m;              /* M3 season length */
    size_t horizon;
    char sub_prefix;    /* id prefix in the submitted forecasts; 0: none */
    int sub_offset;     /* N number = offset + the number after the prefix */
    const char *sub_file; /* submitted forecasts file, or NULL */
} m3_group_spec;

enum { M3_YEARLY, M3_QUARTERLY, M3_MONTHLY, M3_OTHER, M3_NGROUPS };

static const m3_group_spec M3_GROUPS[M3_NGROUPS] = {
    {"Yearly", "yearly", 1, 6, 'Y', 0, "m3-submitted-forecasts-yearly.csv.gz"},
    {"Quarterly", "quarterly", 4, 8, 0, 0, NULL},
    {"Monthly", "monthly", 12, 18, 0, 0, NULL},
    {"Other", "other", 1, 8, 'O', 2829, "m3-submitted-forecasts-other.csv.gz"},
};

typedef struct m3_set {
    const m3_group_spec *spec;
    size_t count;
    int *number;     /* k of the id N<k> */
    double **train;
    size_t *ntrain;
    double *test;    /* count * horizon */
    double *scale;   /* MASE denominators (NaN when the series is too short) */
} m3_set;

static inline void m3_set_free(m3_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->train[i]);
    free(s->number);
    free(s->train);
    free(s->ntrain);
    free(s->test);
    free(s->scale);
    memset(s, 0, sizeof *s);
}

/* Splits `line` at commas in place, dropping one pair of surrounding double
 * quotes per field (the files quote strings; no field holds a comma).
 * Returns the field count (at most max). */
static inline size_t m3_split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        char *end = strchr(p, ',');
        if (end)
            *end = '\0';
        size_t len = strlen(p);
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
            p[len - 1] = '\0';
            p++;
        }
        f[n++] = p;
        if (!end)
            break;
        p = end + 1;
    }
    return n;
}

/* dir + "/" + name into out; -1 when it does not fit. */
static inline int m3_path(char *out, size_t outlen, const char *dir,
                          const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    if (a + b + 2 > outlen)
        return -1;
    memcpy(out, dir, a);
    out[a] = '/';
    memcpy(out + a + 1, name, b + 1);
    return 0;
}

static inline int m3_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Appends a value to a growing array. */
static inline int m3_push(double **v, size_t *n, size_t *cap, double x)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        double *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
    return 0;
}

/* Loads the groups whose want[g] is set (the first `limit` series of each
 * when limit > 0) from <dir>/m3-long.csv.gz into sets[g]. Returns 0, or -1
 * with a message in err. */
static inline int m3_load(const char *dir, const int want[M3_NGROUPS],
                          size_t limit, m3_set sets[M3_NGROUPS], char *err,
                          size_t errlen)
{
    memset(sets, 0, M3_NGROUPS * sizeof *sets);
    char path[4096];
    gzFile gz = m3_path(path, sizeof path, dir, "m3-long.csv.gz") == 0
                    ? gzopen(path, "rb")
                    : NULL;
    if (!gz) {
        snprintf(err, errlen, "cannot read %.400s/m3-long.csv.gz", dir);
        return -1;
    }
    size_t cap[M3_NGROUPS] = {0};
    char line[512], cur[32] = "";
    double *vals = NULL;
    size_t nvals = 0, vcap = 0, ntest = 0, lineno = 0;
    int curg = -1, rc = 0;
    for (;;) {
        char *got = gzgets(gz, line, (int)sizeof line);
        char *f[9] = {0};
        size_t nf = 0;
        if (got) {
            lineno++;
            if (lineno == 1)
                continue; /* header */
            nf = m3_split(line, f, 9);
            if (nf != 9) {
                snprintf(err, errlen, "%.400s line %zu: %zu fields", path, lineno, nf);
                rc = -1;
                break;
            }
        }
        /* A series ends at a new id or at the end of the file. */
        if (curg >= 0 && (!got || strcmp(f[0], cur) != 0)) {
            m3_set *s = &sets[curg];
            size_t h = s->spec->horizon;
            if (ntest != h || nvals <= h) {
                snprintf(err, errlen, "%.400s: series %.31s has %zu test values, not %zu",
                         path, cur, ntest, h);
                rc = -1;
                break;
            }
            if (!limit || s->count < limit) {
                if (s->count == cap[curg]) {
                    size_t nc = cap[curg] ? 2 * cap[curg] : 256;
                    int *nn = realloc(s->number, nc * sizeof *nn);
                    if (nn)
                        s->number = nn;
                    double **nt = realloc(s->train, nc * sizeof *nt);
                    if (nt)
                        s->train = nt;
                    size_t *nl = realloc(s->ntrain, nc * sizeof *nl);
                    if (nl)
                        s->ntrain = nl;
                    double *ns = realloc(s->test, nc * h * sizeof *ns);
                    if (ns)
                        s->test = ns;
                    if (!nn || !nt || !nl || !ns) {
                        snprintf(err, errlen, "out of memory");
                        rc = -1;
                        break;
                    }
                    cap[curg] = nc;
                }
                size_t i = s->count++;
                s->number[i] = atoi(cur + 1);
                s->ntrain[i] = nvals - h;
                memcpy(s->test + i * h, vals + nvals - h, h * sizeof *vals);
                s->train[i] = vals; /* keeps the test tail; harmless */
                vals = NULL;
                vcap = 0;
            }
            nvals = ntest = 0;
            curg = -1;
        }
        if (!got)
            break;
        if (curg < 0) {
            for (int g = 0; g < M3_NGROUPS; g++)
                if (want[g] && strcmp(f[1], M3_GROUPS[g].key) == 0)
                    curg = g;
            if (curg < 0)
                continue; /* a group not asked for */
            sets[curg].spec = &M3_GROUPS[curg];
            snprintf(cur, sizeof cur, "%.31s", f[0]);
        }
        double v;
        if (m3_number(f[7], &v) != 0) {
            snprintf(err, errlen, "%.400s line %zu: bad value '%.31s'", path, lineno, f[7]);
            rc = -1;
            break;
        }
        int is_test = strcmp(f[8], "test") == 0;
        if (!is_test && ntest > 0) {
            snprintf(err, errlen, "%.400s line %zu: training value after the test part",
                     path, lineno);
            rc = -1;
            break;
        }
        ntest += (size_t)is_test;
        if (m3_push(&vals, &nvals, &vcap, v) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
    }
    free(vals);
    gzclose(gz);
    for (int g = 0; g < M3_NGROUPS && rc == 0; g++) {
        m3_set *s = &sets[g];
        s->spec = &M3_GROUPS[g];
        if (!want[g])
            continue;
        if (s->count == 0) {
            snprintf(err, errlen, "%.400s: no %s series", path, s->spec->key);
            rc = -1;
            break;
        }
        s->scale = malloc(s->count * sizeof *s->scale);
        if (!s->scale) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        for (size_t i = 0; i < s->count; i++)
            s->scale[i] = bench_mase_scale(s->train[i], s->ntrain[i], s->spec->m);
    }
    if (rc != 0)
        for (int g = 0; g < M3_NGROUPS; g++)
            m3_set_free(&sets[g]);
    return rc;
}

/* The series index of M3 number k in s, or -1. Series are stored in file
 * order, which is N order within a group. */
static inline long m3_find(const m3_set *s, int k)
{
    if (s->count == 0)
        return -1;
    long i = (long)k - (long)s->number[0];
    if (i >= 0 && (size_t)i < s->count && s->number[i] == k)
        return i;
    for (size_t j = 0; j < s->count; j++)
        if (s->number[j] == k)
            return (long)j;
    return -1;
}

/* Reads one method's submitted forecasts for s (count * horizon values into
 * fc; have[i] = 1 where all h are present). Returns the number of series
 * found, or -1 when the file cannot be read or the group has none. */
static inline long m3_load_submitted(const char *dir, const m3_set *s,
                                     const char *method, double *fc,
                                     unsigned char *have)
{
    if (!s->spec->sub_file)
        return -1;
    char path[4096];
    gzFile gz = m3_path(path, sizeof path, dir, s->spec->sub_file) == 0
                    ? gzopen(path, "rb")
                    : NULL;
    if (!gz)
        return -1;
    size_t h = s->spec->horizon;
    unsigned char *seen = calloc(s->count * h + 1, 1);
    if (!seen) {
        gzclose(gz);
        return -1;
    }
    memset(have, 0, s->count);
    char line[512];
    size_t lineno = 0;
    while (gzgets(gz, line, (int)sizeof line)) {
        if (lineno++ == 0)
            continue;
        char *f[6];
        if (m3_split(line, f, 6) < 4 || strcmp(f[1], method) != 0 ||
            f[0][0] != s->spec->sub_prefix)
            continue;
        long i = m3_find(s, s->spec->sub_offset + atoi(f[0] + 1));
        double v, step;
        if (i < 0 || m3_number(f[2], &v) != 0 || m3_number(f[3], &step) != 0 ||
            step < 1 || step > (double)h)
            continue;
        size_t t = (size_t)step - 1;
        fc[(size_t)i * h + t] = v;
        seen[(size_t)i * h + t] = 1;
    }
    gzclose(gz);
    long found = 0;
    for (size_t i = 0; i < s->count; i++) {
        int all = 1;
        for (size_t t = 0; t < h; t++)
            all &= seen[i * h + t];
        have[i] = (unsigned char)all;
        found += all;
    }
    free(seen);
    return found;
}

typedef struct m3_score {
    double smape, mase;
    double smape_sum, mase_sum; /* for averages over several groups */
    size_t scored, mase_scored;
} m3_score;

/* Means over the series with have[i] (NULL: all); MASE leaves out series
 * whose scale is not a positive number. */
static inline m3_score m3_score_forecasts(const m3_set *s, const double *fc,
                                          const unsigned char *have)
{
    m3_score sc;
    memset(&sc, 0, sizeof sc);
    size_t h = s->spec->horizon;
    for (size_t i = 0; i < s->count; i++) {
        if (have && !have[i])
            continue;
        const double *y = s->test + i * h, *f = fc + i * h;
        sc.smape_sum += bench_smape(y, f, h);
        sc.scored++;
        if (s->scale[i] > 0.0) {
            double a = 0.0;
            for (size_t t = 0; t < h; t++)
                a += fabs(y[t] - f[t]);
            sc.mase_sum += a / (double)h / s->scale[i];
            sc.mase_scored++;
        }
    }
    sc.smape = sc.scored ? sc.smape_sum / (double)sc.scored : (double)NAN;
    sc.mase = sc.mase_scored ? sc.mase_sum / (double)sc.mase_scored : (double)NAN;
    return sc;
}

#endif

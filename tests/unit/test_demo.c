/* Demo data generator: reproducibility, layout, the promised shares of
 * special series, calendar arithmetic, and the reproducible math. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/detmath.h"
#include "hc_check.h"
#include "hindcast/demo.h"

/* ---- helpers ---------------------------------------------------------- */

static void fresh_dir(char *dir, size_t cap, const char *tag)
{
    const char *base = getenv("HINDCAST_TEST_TMP");
    snprintf(dir, cap, "%s/demo-%ld-%s", base ? base : "/tmp", (long)getpid(),
             tag);
    hc_check_mkdir_p(dir, 0777);
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* Whole file through zlib (reads plain files as they are). */
static char *slurp(const char *path, size_t *len_out)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap + 1);
    int n;
    while ((n = gzread(f, buf + len, (unsigned)(cap - len))) > 0) {
        len += (size_t)n;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(gzclose_r(f), Z_OK);
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

static char *raw_bytes(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len_out = (size_t)n;
    return buf;
}

static void write_demo(const hc_demo_options *o, const char *path,
                       hc_demo_summary *s)
{
    hc_error err;
    int rc = hc_demo_write(o, path, s, &err);
    ck_assert_msg(rc == 0, "demo: %s", err.message);
}

/* Days since 1970-01-01 by counting, independent of the generator's
 * closed-form calendar. */
static long days_since_epoch(int y, int m, int d)
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long days = 0;
    for (int yy = 1970; yy < y; yy++)
        days += 365 + ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0);
    for (int yy = y; yy < 1970; yy++)
        days -= 365 + ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0);
    for (int mm = 1; mm < m; mm++)
        days += md[mm - 1] +
                (mm == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return days + d - 1;
}

static long long parse_ts(const char *s)
{
    int y, mo, d, h, mi, se;
    ck_assert_int_eq(sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi,
                            &se),
                     6);
    return (long long)days_since_epoch(y, mo, d) * 86400 + h * 3600 +
           mi * 60 + se;
}

/* Walks a demo CSV and collects what the tests check. */
typedef struct stats {
    size_t rows, series, bad_rows;
    size_t late, early;           /* vs the data set's first/last time */
    size_t gaps, gappy;           /* missing interior steps, series */
    size_t mostly_zero;           /* series with >= 50% zeros */
    size_t out_of_order;          /* series keys not ascending */
    size_t bad_steps;             /* non-increasing or off-grid times */
    long long first_t, last_t;
} stats;

typedef struct series_acc {
    char key[64];
    long long first, last;
    size_t n, zeros, gaps;
} series_acc;

static void close_series(series_acc *a, series_acc *all,
                         size_t *nall)
{
    if (a->n == 0)
        return;
    all[(*nall)++] = *a;
}

static stats scan(const char *text, long long step)
{
    stats st;
    memset(&st, 0, sizeof st);
    const char *hdr = "item_id,store,timestamp,target_value\n";
    ck_assert(strncmp(text, hdr, strlen(hdr)) == 0);
    series_acc *all = calloc(100000, sizeof *all);
    size_t nall = 0;
    series_acc cur;
    memset(&cur, 0, sizeof cur);
    const char *p = text + strlen(hdr);
    while (*p) {
        const char *nl = strchr(p, '\n');
        ck_assert_ptr_nonnull(nl);
        char line[256];
        size_t len = (size_t)(nl - p);
        ck_assert_uint_lt(len, sizeof line);
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl + 1;
        st.rows++;
        /* item_NNN,store_S,yyyy-MM-dd HH:mm:ss,digits.ddd */
        char *c1 = strchr(line, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
        if (!c3 || strchr(c3 + 1, ',') || strncmp(line, "item_", 5) != 0 ||
            strncmp(c1 + 1, "store_", 6) != 0 || c1[7] < '1' || c1[7] > '4' ||
            c1 + 8 != c2 || c3 - c2 != 20) {
            st.bad_rows++;
            continue;
        }
        const char *v = c3 + 1;
        const char *dot = strchr(v, '.');
        int ok = dot && dot > v && strlen(dot) == 4;
        for (const char *q = v; ok && *q; q++)
            ok = (*q >= '0' && *q <= '9') || q == dot;
        if (!ok) { /* a '-' sign or a missing decimal would land here */
            st.bad_rows++;
            continue;
        }
        double value = strtod(v, NULL);
        *c2 = '\0';
        long long t = parse_ts(c2 + 1);
        if (strcmp(line, cur.key) != 0) {
            close_series(&cur, all, &nall);
            if (nall > 0 && strcmp(all[nall - 1].key, line) >= 0)
                st.out_of_order++;
            memset(&cur, 0, sizeof cur);
            ck_assert_uint_lt(strlen(line), sizeof cur.key);
            memcpy(cur.key, line, strlen(line) + 1);
            cur.first = t;
        } else {
            if (t <= cur.last || (t - cur.last) % step != 0)
                st.bad_steps++;
            else
                cur.gaps += (size_t)((t - cur.last) / step - 1);
        }
        cur.last = t;
        cur.n++;
        cur.zeros += value == 0.0;
    }
    close_series(&cur, all, &nall);
    st.series = nall;
    st.first_t = all[0].first;
    st.last_t = all[0].last;
    for (size_t i = 0; i < nall; i++) {
        if (all[i].first < st.first_t)
            st.first_t = all[i].first;
        if (all[i].last > st.last_t)
            st.last_t = all[i].last;
    }
    for (size_t i = 0; i < nall; i++) {
        st.late += all[i].first > st.first_t;
        st.early += all[i].last < st.last_t;
        st.gaps += all[i].gaps;
        st.gappy += all[i].gaps > 0;
        st.mostly_zero += 2 * all[i].zeros >= all[i].n;
    }
    free(all);
    return st;
}

/* ---- reproducibility ---------------------------------------------------- */

START_TEST(same_options_same_bytes_other_seed_differs)
{
    char dir[1024], a[1100], b[1100], c[1100];
    fresh_dir(dir, sizeof dir, "repro");
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    snprintf(c, sizeof c, "%s/c.csv", dir);
    hc_demo_options o;
    hc_demo_options_init(&o, HC_FREQ_H);
    o.items = 60;
    write_demo(&o, a, NULL);
    write_demo(&o, b, NULL);
    o.seed = 43;
    write_demo(&o, c, NULL);
    size_t la, lb, lc;
    char *da = raw_bytes(a, &la), *db = raw_bytes(b, &lb),
         *dc = raw_bytes(c, &lc);
    ck_assert_uint_gt(la, 1000);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(da, db, la) == 0);
    ck_assert(la != lc || memcmp(da, dc, la) != 0);
    /* Same header and keys, other numbers: compare the first data rows. */
    ck_assert(strncmp(da, dc, 37) == 0);
    free(da);
    free(db);
    free(dc);

    /* gzip output is reproducible too. */
    o.seed = 42;
    o.gzip = 1;
    write_demo(&o, a, NULL);
    write_demo(&o, b, NULL);
    da = raw_bytes(a, &la);
    db = raw_bytes(b, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(da, db, la) == 0);
    free(da);
    free(db);
    remove_tree(dir);
}
END_TEST

/* ---- layout and shares (default daily data set) -------------------------- */

START_TEST(daily_default_layout_and_shares)
{
    char dir[1024], path[1100];
    fresh_dir(dir, sizeof dir, "daily");
    snprintf(path, sizeof path, "%s/demand.csv", dir);
    hc_demo_options o;
    hc_demo_options_init(&o, HC_FREQ_D);
    ck_assert_uint_eq(o.items, 300);
    ck_assert_uint_eq(o.length, 1095);
    ck_assert_uint_eq(o.seed, 42);
    ck_assert_str_eq(o.start, "2024-01-01 00:00:00");
    hc_demo_summary s;
    write_demo(&o, path, &s);
    size_t len;
    char *text = slurp(path, &len);
    stats st = scan(text, 86400);
    free(text);

    ck_assert_uint_eq(st.bad_rows, 0);
    ck_assert_uint_eq(st.bad_steps, 0);
    ck_assert_uint_eq(st.out_of_order, 0);
    ck_assert_uint_eq(st.rows, s.rows);
    ck_assert_uint_eq(st.series, 300);
    ck_assert_uint_eq(s.items, 300);
    /* 2024-01-01 plus 1094 days: 2024 has 366 days, 2025 365, so
     * 2026-01-01 is day 731 and day 1094 is 2026-01-01 + 363 = 2026-12-30. */
    ck_assert_int_eq(st.first_t, parse_ts("2024-01-01 00:00:00"));
    ck_assert_int_eq(st.last_t, parse_ts("2026-12-30 00:00:00"));
    ck_assert_int_eq(s.first_timestamp, st.first_t);
    ck_assert_int_eq(s.last_timestamp, st.last_t);
    /* Shares of 300 series: 15% = 45 intermittent, 10% = 30 late, 5% = 15
     * early, 5% = 15 with gaps. */
    ck_assert_uint_eq(s.intermittent_items, 45);
    ck_assert_uint_eq(s.late_start_items, 30);
    ck_assert_uint_eq(s.early_end_items, 15);
    ck_assert_uint_eq(s.gappy_items, 15);
    ck_assert_uint_eq(st.late, 30);
    ck_assert_uint_eq(st.early, 15);
    ck_assert_uint_eq(st.gappy, 15);
    ck_assert_uint_eq(st.gaps, s.missing_steps);
    ck_assert_uint_gt(s.missing_steps, 0);
    /* Intermittent series sell on at most ~30% of days; regular daily
     * series average several units a day, so only the 45 are mostly 0. */
    ck_assert_uint_eq(st.mostly_zero, 45);
    /* Row count: every series spans its steps minus the dropped ones, and
     * 255 full-span series alone give 255 * 1095 rows. */
    ck_assert_uint_gt(st.rows, 255u * 1095u);
    ck_assert_uint_lt(st.rows, 300u * 1095u);
    remove_tree(dir);
}
END_TEST

START_TEST(hourly_default_steps_and_gzip)
{
    char dir[1024], gz[1100], plain[1100];
    fresh_dir(dir, sizeof dir, "hourly");
    snprintf(gz, sizeof gz, "%s/demand.csv.gz", dir);
    snprintf(plain, sizeof plain, "%s/demand.csv", dir);
    hc_demo_options o;
    hc_demo_options_init(&o, HC_FREQ_H);
    ck_assert_uint_eq(o.length, 24 * 7 * 8);
    o.gzip = 1;
    hc_demo_summary s;
    write_demo(&o, gz, &s);
    size_t rl;
    char *raw = raw_bytes(gz, &rl);
    ck_assert_uint_ge(rl, 2);
    ck_assert_int_eq((unsigned char)raw[0], 0x1f); /* gzip magic */
    ck_assert_int_eq((unsigned char)raw[1], 0x8b);
    free(raw);

    size_t len;
    char *text = slurp(gz, &len);
    stats st = scan(text, 3600);
    ck_assert_uint_eq(st.bad_rows, 0);
    ck_assert_uint_eq(st.bad_steps, 0);
    ck_assert_uint_eq(st.out_of_order, 0);
    ck_assert_uint_eq(st.rows, s.rows);
    ck_assert_uint_eq(st.series, 300);
    /* 1344 hours = 56 days: the last hour is 2024-02-25 23:00 (Jan has 31
     * days, so day 55 after Jan 1 is Feb 25). */
    ck_assert_int_eq(st.last_t, parse_ts("2024-02-25 23:00:00"));
    ck_assert_uint_eq(st.late, 30);
    ck_assert_uint_eq(st.early, 15);
    ck_assert_uint_eq(st.gaps, s.missing_steps);
    ck_assert_uint_eq(s.intermittent_items, 45);
    /* Hourly low-volume counts are often 0 at night too, so at least the
     * 45 intermittent series are mostly zeros. */
    ck_assert_uint_ge(st.mostly_zero, 45);

    /* The same options without gzip give the decompressed bytes. */
    o.gzip = 0;
    write_demo(&o, plain, NULL);
    size_t pl;
    char *ptext = raw_bytes(plain, &pl);
    ck_assert_uint_eq(pl, len);
    ck_assert(memcmp(ptext, text, len) == 0);
    free(ptext);
    free(text);
    /* Only the two outputs: no temporary left behind. */
    ck_assert_uint_eq(count_entries(dir), 2);
    remove_tree(dir);
}
END_TEST

/* ---- calendar edges --------------------------------------------------- */

static char *small_file(hc_freq f, const char *start, size_t length,
                        const char *tag)
{
    char dir[1024], path[1100];
    fresh_dir(dir, sizeof dir, tag);
    snprintf(path, sizeof path, "%s/x.csv", dir);
    hc_demo_options o;
    hc_demo_options_init(&o, f);
    o.items = 1; /* 1 series: every share rounds to 0, so no gaps etc. */
    o.length = length;
    o.start = start;
    hc_demo_summary s;
    write_demo(&o, path, &s);
    ck_assert_uint_eq(s.rows, length);
    ck_assert_uint_eq(s.missing_steps, 0);
    size_t len;
    char *text = slurp(path, &len);
    remove_tree(dir);
    return text;
}

/* Just the timestamps of a small file, ';'-joined. */
static void timestamps(const char *text, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = strchr(text, '\n') + 1;
    while (*p) {
        const char *c2 = strchr(strchr(p, ',') + 1, ',');
        if (out[0])
            strncat(out, ";", cap - strlen(out) - 1);
        strncat(out, c2 + 1, 19 < cap - strlen(out) - 1 ? 19 : 0);
        p = strchr(p, '\n') + 1;
    }
}

START_TEST(calendar_edges)
{
    char ts[512];
    char *t = small_file(HC_FREQ_D, "2024-02-27", 4, "leap");
    ck_assert(strncmp(t + 37, "item_001,store_1,2024-02-27 00:00:00,", 37) ==
              0);
    timestamps(t, ts, sizeof ts);
    ck_assert_str_eq(ts, "2024-02-27 00:00:00;2024-02-28 00:00:00;"
                         "2024-02-29 00:00:00;2024-03-01 00:00:00");
    free(t);

    t = small_file(HC_FREQ_D, "2100-02-28 00:00:00", 2, "noleap");
    timestamps(t, ts, sizeof ts);
    ck_assert_str_eq(ts, "2100-02-28 00:00:00;2100-03-01 00:00:00");
    free(t);

    t = small_file(HC_FREQ_H, "2023-12-31 22:00:00", 3, "newyear");
    timestamps(t, ts, sizeof ts);
    ck_assert_str_eq(ts, "2023-12-31 22:00:00;2023-12-31 23:00:00;"
                         "2024-01-01 00:00:00");
    free(t);

    t = small_file(HC_FREQ_D, "1969-12-31", 2, "epoch");
    timestamps(t, ts, sizeof ts);
    ck_assert_str_eq(ts, "1969-12-31 00:00:00;1970-01-01 00:00:00");
    free(t);
}
END_TEST

START_TEST(invalid_options_refused)
{
    char dir[1024], path[1100];
    fresh_dir(dir, sizeof dir, "invalid");
    snprintf(path, sizeof path, "%s/x.csv", dir);
    hc_demo_options o;
    hc_error err;
    static const struct {
        hc_freq f;
        const char *start;
        size_t items, length;
    } bad[] = {
        {HC_FREQ_W, "2024-01-01", 10, 10},
        {HC_FREQ_D, "2024-01-01", 0, 10},
        {HC_FREQ_D, "2024-01-01", 10, 0},
        {HC_FREQ_D, "2024-13-01", 10, 10},
        {HC_FREQ_D, "2023-02-29", 10, 10},
        {HC_FREQ_D, "2024-01-01T00:00:00", 10, 10},
        {HC_FREQ_D, "2024-01-01 05:00:00", 10, 10}, /* not a day start */
        {HC_FREQ_H, "2024-01-01 00:30:00", 10, 10}, /* not an hour start */
        {HC_FREQ_H, "2024-01-01 24:00:00", 10, 10},
        {HC_FREQ_D, "9999-12-30", 10, 10},          /* runs past 9999 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hc_demo_options_init(&o, bad[i].f);
        o.start = bad[i].start;
        o.items = bad[i].items;
        o.length = bad[i].length;
        ck_assert_msg(hc_demo_write(&o, path, NULL, &err) ==
                          HC_ERR_INVALID_INPUT,
                      "case %zu accepted", i);
    }
    ck_assert_uint_eq(count_entries(dir), 0);

    /* The last day that fits: 9999-12-30 + 1 day. */
    hc_demo_options_init(&o, HC_FREQ_D);
    o.start = "9999-12-30";
    o.items = 1;
    o.length = 2;
    ck_assert_int_eq(hc_demo_write(&o, path, NULL, &err), 0);

    char missing[1200];
    snprintf(missing, sizeof missing, "%s/no/x.csv", dir);
    ck_assert_int_eq(hc_demo_write(&o, missing, NULL, &err), HC_ERR_IO);
    ck_assert_msg(strstr(err.message, "/no/") != NULL, "%s", err.message);
    ck_assert_msg(strstr(err.message, strerror(ENOENT)) != NULL, "%s",
                  err.message);
    remove_tree(dir);
}
END_TEST

/* ---- reproducible math ------------------------------------------------ */

START_TEST(detmath_matches_libm)
{
    for (double x = -40.0; x <= 40.0; x += 0.0137) {
        double want = exp(x);
        ck_assert_msg(fabs(hc_det_exp(x) - want) <= 4e-16 * want, "exp(%g)", x);
    }
    ck_assert(hc_det_exp(0.0) == 1.0);
    for (double x = 1e-300; x < 1e300; x *= 1.37) {
        double want = log(x);
        ck_assert_msg(fabs(hc_det_log(x) - want) <= 4e-16 * fabs(want) + 1e-300,
                      "log(%g)", x);
    }
    ck_assert(hc_det_log(1.0) == 0.0);
    const double two_pi = 6.283185307179586;
    for (double t = -3.0; t <= 3.0; t += 0.000731) {
        /* libm's cos(2*pi*t) carries the rounding of 2*pi*t (~1e-15). */
        ck_assert_msg(fabs(hc_det_cos_turns(t) - cos(two_pi * t)) <= 3e-15,
                      "cos(%g turns)", t);
    }
    ck_assert(hc_det_cos_turns(0.25) == sin(0.0)); /* exactly 0 */
    ck_assert(hc_det_cos_turns(0.5) == -1.0);
}
END_TEST

START_TEST(rng_distributions)
{
    hc_rng r;
    hc_rng_seed(&r, 42, 7);
    hc_rng r2;
    hc_rng_seed(&r2, 42, 8);
    ck_assert(hc_rng_next(&r) != hc_rng_next(&r2));

    /* Moments of 200,000 draws: the standard error of a mean is
     * sd/sqrt(n) = sd * 0.00224, so 5 standard errors is the tolerance. */
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0, sp = 0, sp50 = 0;
    uint64_t counts[6] = {0};
    for (int i = 0; i < n; i++) {
        double u = hc_rng_uniform(&r);
        ck_assert(u >= 0.0 && u < 1.0);
        su += u;
        double z = hc_rng_normal(&r);
        sn += z;
        sn2 += z * z;
        sp += (double)hc_rng_poisson(&r, 3.0);
        sp50 += (double)hc_rng_poisson(&r, 50.0);
        uint64_t k = hc_rng_below(&r, 6);
        ck_assert_uint_lt(k, 6);
        counts[k]++;
    }
    ck_assert(fabs(su / n - 0.5) < 5 * 0.2887 * 0.00224);
    ck_assert(fabs(sn / n) < 5 * 0.00224);
    ck_assert(fabs(sn2 / n - 1.0) < 5 * 1.414 * 0.00224); /* var(z^2) = 2 */
    ck_assert(fabs(sp / n - 3.0) < 5 * 1.732 * 0.00224);
    ck_assert(fabs(sp50 / n - 50.0) < 5 * 7.07 * 0.00224);
    /* Each face 1/6: sd of a count is sqrt(n p (1-p)) = 166.7. */
    for (int k = 0; k < 6; k++)
        ck_assert(fabs((double)counts[k] - n / 6.0) < 5 * 166.7);
    ck_assert_uint_eq(hc_rng_poisson(&r, 0.0), 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("demo");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, same_options_same_bytes_other_seed_differs);
    tcase_add_test(tc, daily_default_layout_and_shares);
    tcase_add_test(tc, hourly_default_steps_and_gzip);
    tcase_add_test(tc, calendar_edges);
    tcase_add_test(tc, invalid_options_refused);
    tcase_add_test(tc, detmath_matches_libm);
    tcase_add_test(tc, rng_distributions);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

/* dataset: CSV reading, aggregation, filling, errors, snapshots.
 * Every expected value below is worked out by hand in the comments; day
 * numbers: 2020-01-01 is day 18262 since the epoch, 2024-01-01 day 19723. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "dataset/csvscan.h"
#include "hc_check.h"
#include "hindcast/dataset.h"
#include "hindcast/numfmt.h"

#define D2020 INT64_C(18262)

/* ---- helpers ------------------------------------------------------------- */

/* Paths this test process created, removed by the teardown. */
static char created[64][1024];
static int ncreated;

/* A unique path under $HINDCAST_TEST_TMP. */
static const char *tmp_path(const char *name)
{
    const char *dir = getenv("HINDCAST_TEST_TMP");
    if (!dir || !*dir)
        dir = "/tmp";
    hc_check_mkdir_p(dir, 0777);
    ck_assert_int_lt(ncreated, 64);
    char *p = created[ncreated++];
    snprintf(p, 1024, "%s/dataset_%ld_%s", dir, (long)getpid(), name);
    return p;
}

static void remove_created(void)
{
    for (int i = 0; i < ncreated; i++)
        unlink(created[i]);
    ncreated = 0;
}

static const char *write_file(const char *name, const char *content)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(content, 1, strlen(content), f);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static const char *write_gz(const char *name, const char *content)
{
    const char *path = tmp_path(name);
    gzFile gz = gzopen(path, "wb6");
    ck_assert_ptr_nonnull(gz);
    ck_assert_int_eq(gzwrite(gz, content, (unsigned)strlen(content)), (int)strlen(content));
    ck_assert_int_eq(gzclose_w(gz), Z_OK);
    return path;
}

static const char *const std_names[] = {"item_id", "timestamp", "target_value"};
static const hc_attr_type std_types[] = {HC_ATTR_STRING, HC_ATTR_TIMESTAMP,
                                         HC_ATTR_FLOAT};

static hc_dataset_options std_opts(const char *path, hc_freq freq)
{
    hc_dataset_options o;
    hc_dataset_options_init(&o);
    o.path = path;
    o.nattributes = 3;
    o.attribute_names = std_names;
    o.attribute_types = std_types;
    o.freq = freq;
    return o;
}

static hc_dataset *read_ok(const hc_dataset_options *o)
{
    hc_dataset *ds = NULL;
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_dataset_read(&ds, o, &err);
    ck_assert_msg(rc == 0, "read failed: %s", err.message);
    ck_assert_ptr_nonnull(ds);
    return ds;
}

/* Reads and expects an error with the given line/column whose message
 * contains `want` and, for errors about the file, its path first. */
static void read_fails_at(const hc_dataset_options *o, int code, long line,
                          long column, const char *want, int names_path)
{
    hc_dataset *ds = (hc_dataset *)0x1;
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_dataset_read(&ds, o, &err);
    ck_assert_msg(rc == code, "rc %d (want %d): %s", rc, code, err.message);
    ck_assert_int_eq(err.code, code);
    ck_assert_ptr_null(ds);
    ck_assert_msg(strstr(err.message, want) != NULL, "message '%s' lacks '%s'",
                  err.message, want);
    if (names_path)
        ck_assert_msg(strncmp(err.message, o->path, strlen(o->path)) == 0,
                      "message '%s' does not start with the path", err.message);
    ck_assert_int_eq(err.line, line);
    ck_assert_int_eq(err.column, column);
    if (line > 0) {
        char prefix[1200];
        if (column > 0)
            snprintf(prefix, sizeof prefix, "%s:%ld:%ld: ", o->path, line, column);
        else
            snprintf(prefix, sizeof prefix, "%s:%ld: ", o->path, line);
        ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0,
                      "message '%s' does not start with '%s'", err.message, prefix);
    }
}

static void read_fails(const hc_dataset_options *o, int code, long line,
                       long column, const char *want)
{
    read_fails_at(o, code, line, column, want, 1);
}

/* Request errors (schema, options) are not about the file's content. */
static void request_fails(const hc_dataset_options *o, const char *want)
{
    read_fails_at(o, HC_ERR_INVALID_INPUT, 0, 0, want, 0);
}

static const hc_series *find_series(const hc_dataset *ds, const char *item)
{
    for (size_t i = 0; i < ds->nseries; i++)
        if (strcmp(ds->series[i].item_id, item) == 0)
            return &ds->series[i];
    ck_abort_msg("no series %s", item);
    return NULL;
}

static void expect_series(const hc_dataset *ds, const char *item, int64_t start,
                          size_t n, const double *values, const uint8_t *filled)
{
    const hc_series *s = find_series(ds, item);
    ck_assert_int_eq(s->start, start);
    ck_assert_uint_eq(s->length, n);
    for (size_t i = 0; i < n; i++) {
        double v = ds->values[s->offset + i];
        if (isnan(values[i]))
            ck_assert_msg(isnan(v), "%s[%zu] = %g, want NaN", item, i, v);
        else
            ck_assert_msg(v == values[i], "%s[%zu] = %.17g, want %.17g", item, i, v,
                          values[i]);
        ck_assert_msg(ds->filled[s->offset + i] == filled[i], "%s filled[%zu] = %d",
                      item, i, ds->filled[s->offset + i]);
    }
}

/* ---- aggregation ---------------------------------------------------------- */

/* Hourly rows of item a over three days, b one row on day 2.
 * Day 1 (2020-01-01): 1 @00h, 4 @05h, 2 @03h (out of order).
 * Day 2: 7 @10h, 3 @08h, 5 @08h (tie with the 3), one empty target @09h.
 * Day 3: only an empty target, so it is missing and backfilled (after a's
 * last observation); it also makes day 3 the dataset's end. */
static const char agg_csv[] =
    "a,2020-01-01 00:00:00,1\n"
    "a,2020-01-01 05:00:00,4\n"
    "a,2020-01-01 03:00:00,2\n"
    "a,2020-01-02 10:00:00,7\n"
    "a,2020-01-02 08:00:00,3\n"
    "a,2020-01-02 08:00:00,5\n"
    "a,2020-01-02 09:00:00,\n"
    "b,2020-01-02 23:59:59,10\n"
    "a,2020-01-03 12:00:00,\n";

START_TEST(aggregate_hourly_to_daily)
{
    const char *path = write_file("agg.csv", agg_csv);
    static const struct {
        hc_aggregation agg;
        double day1, day2;
    } cases[] = {
        {HC_AGG_SUM, 7.0, 15.0},        /* 1+4+2, 7+3+5 */
        {HC_AGG_AVG, 7.0 / 3.0, 5.0},   /* 7/3, 15/3 */
        {HC_AGG_FIRST, 1.0, 3.0},       /* earliest timestamp; the 08h tie goes to file order */
        {HC_AGG_MIN, 1.0, 3.0},
        {HC_AGG_MAX, 4.0, 7.0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hc_dataset_options o = std_opts(path, HC_FREQ_D);
        o.aggregation = cases[k].agg;
        hc_dataset *ds = read_ok(&o);
        ck_assert_uint_eq(ds->nseries, 2);
        ck_assert_uint_eq(ds->nrows_read, 9);
        ck_assert_int_eq(ds->end_step, D2020 + 2);
        ck_assert_int_eq(ds->first_step, D2020);
        ck_assert_uint_eq(ds->nvalues, 5);
        ck_assert_str_eq(ds->series[0].item_id, "a");
        ck_assert_str_eq(ds->series[1].item_id, "b");
        double av[] = {cases[k].day1, cases[k].day2, 0.0};
        uint8_t af[] = {0, 0, 1};
        expect_series(ds, "a", D2020, 3, av, af);
        double bv[] = {10.0, 0.0};
        uint8_t bf[] = {0, 1};
        expect_series(ds, "b", D2020 + 1, 2, bv, bf);
        hc_dataset_free(ds);
    }
}
END_TEST

START_TEST(aggregation_none_rejects_second_row)
{
    /* The first second row of a step in file order is line 2 (05h, same day
     * as line 1); the column is the timestamp's. */
    const char *path = write_file("aggnone.csv", agg_csv);
    hc_dataset_options o = std_opts(path, HC_FREQ_D);
    o.aggregation = HC_AGG_NONE;
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 2, "item 'a' has a second row");
    /* At hourly frequency the only clash is the 08h pair: line 6. */
    o.freq = HC_FREQ_H;
    read_fails(&o, HC_ERR_INVALID_INPUT, 6, 2, "2020-01-02T08:00:00");
    /* Distinct hours read fine with none. */
    const char *ok = write_file("aggnone_ok.csv",
                                "a,2020-01-01 01:00:00,1\n"
                                "a,2020-01-01 00:00:00,2\n"
                                "a,2020-01-01 03:00:00,3\n");
    o.path = ok;
    hc_dataset *ds = read_ok(&o);
    double v[] = {2, 1, 0, 3};
    uint8_t f[] = {0, 0, 1, 0};
    expect_series(ds, "a", (D2020 * 24), 4, v, f);
    hc_dataset_free(ds);
}
END_TEST

START_TEST(weeks_and_months)
{
    /* 2024-01-01 is a Monday (week step (19723-4)/7 = 2817): the Sunday
     * 2024-01-07 is in that week, Monday 2024-01-08 starts the next. */
    const char *path = write_file("weeks.csv",
                                  "w,2024-01-01,1\n"
                                  "w,2024-01-07 23:00:00,2\n"
                                  "w,2024-01-08,4\n"
                                  "w,2024-01-22,8\n");
    hc_dataset_options o = std_opts(path, HC_FREQ_W);
    hc_dataset *ds = read_ok(&o);
    double wv[] = {3, 4, 0, 8};
    uint8_t wf[] = {0, 0, 1, 0};
    expect_series(ds, "w", 2817, 4, wv, wf);
    hc_dataset_free(ds);

    /* Months: Jan 2020 = step 50*12 = 600; February has no row. */
    path = write_file("months.csv",
                      "m,2020-01-15,1\n"
                      "m,2020-01-31T23:59:59Z,2\n"
                      "m,2020-03-01,4\n");
    o = std_opts(path, HC_FREQ_M);
    ds = read_ok(&o);
    double mv[] = {3, 0, 4};
    uint8_t mf[] = {0, 1, 0};
    expect_series(ds, "m", 600, 3, mv, mf);
    hc_dataset_free(ds);
}
END_TEST

/* ---- filling ------------------------------------------------------------------ */

/* x: days 0,1,2 = 1,4,2; day 3 missing; day 4 = 10; days 5,6 missing (5 has
 * "NaN", 6 an empty target: both count as missing); day 7 = 3; y's row on
 * day 9 makes day 9 the end, so x's days 8,9 are backfilled.
 * Windows: day 3 sees {1,4,2}; days 5-6 see {1,4,2,10}; backfill sees
 * {1,4,2,10,3}. */
static const char fill_csv[] =
    "x,2020-01-01,1\n"
    "x,2020-01-02,4\n"
    "x,2020-01-03,2\n"
    "x,2020-01-05,10\n"
    "x,2020-01-06,NaN\n"
    "x,2020-01-07,\n"
    "x,2020-01-08,3\n"
    "y,2020-01-10,5\n";

START_TEST(fill_methods)
{
    const char *path = write_file("fill.csv", fill_csv);
    static const struct {
        hc_fill_method m;
        double gap1, gap2, back;
    } cases[] = {
        {HC_FILL_ZERO, 0, 0, 0},
        {HC_FILL_VALUE, 7.5, 7.5, 7.5},
        /* {1,2,4} -> 2; {1,2,4,10} -> (2+4)/2 = 3; {1,2,3,4,10} -> 3 */
        {HC_FILL_MEDIAN, 2, 3, 3},
        /* 7/3; 17/4 = 4.25; 20/5 = 4 */
        {HC_FILL_MEAN, 7.0 / 3.0, 4.25, 4},
        {HC_FILL_MIN, 1, 1, 1},
        {HC_FILL_MAX, 4, 10, 10},
        {HC_FILL_NAN, (double)NAN, (double)NAN, (double)NAN},
    };
    uint8_t xf[] = {0, 0, 0, 1, 0, 1, 1, 0, 1, 1};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hc_dataset_options o = std_opts(path, HC_FREQ_D);
        o.middlefill.method = cases[k].m;
        o.middlefill.value = 7.5;
        o.backfill.method = cases[k].m;
        o.backfill.value = 7.5;
        hc_dataset *ds = read_ok(&o);
        double g1 = cases[k].gap1, g2 = cases[k].gap2, b = cases[k].back;
        double xv[] = {1, 4, 2, g1, 10, g2, g2, 3, b, b};
        expect_series(ds, "x", D2020, 10, xv, xf);
        double yv[] = {5};
        uint8_t yf[] = {0};
        expect_series(ds, "y", D2020 + 9, 1, yv, yf);
        hc_dataset_free(ds);
    }
    /* Middle and back rules are independent: median inside, max after. */
    hc_dataset_options o = std_opts(path, HC_FREQ_D);
    o.middlefill.method = HC_FILL_MEDIAN;
    o.backfill.method = HC_FILL_MAX;
    hc_dataset *ds = read_ok(&o);
    double xv[] = {1, 4, 2, 2, 10, 3, 3, 3, 10, 10};
    expect_series(ds, "x", D2020, 10, xv, xf);
    hc_dataset_free(ds);
    /* Frontfill none is not a middle/back method. */
    o.middlefill.method = HC_FILL_NONE;
    request_fails(&o, "middlefill");
}
END_TEST

START_TEST(fill_window_is_64_most_recent)
{
    /* z has (i+1)^2 on day i for i = 0..99; w's row on day 101 extends the
     * end, so z's days 100 and 101 are backfilled from the last 64
     * observations 37^2 .. 100^2:
     *   mean   = (sum_{k<=100} k^2 - sum_{k<=36} k^2) / 64
     *          = (338350 - 16206) / 64 = 322144 / 64 = 5033.5
     *   median = (68^2 + 69^2) / 2 = (4624 + 4761) / 2 = 4692.5
     *   min    = 37^2 = 1369 (all 100 values would give 1), max = 10000. */
    char *csv = malloc(100 * 40 + 64);
    ck_assert_ptr_nonnull(csv);
    size_t len = 0;
    for (int i = 0; i < 100; i++) {
        int64_t day = D2020 + i;
        int y = 2020, m = 1, d = 1;
        /* Days of 2020 from Jan 1: Jan 31, Feb 29, Mar 31, Apr 30. */
        static const int mdays[] = {31, 29, 31, 30};
        int doy = (int)(day - D2020);
        while (doy >= mdays[m - 1]) {
            doy -= mdays[m - 1];
            m++;
        }
        d = doy + 1;
        len += (size_t)sprintf(csv + len, "z,%04d-%02d-%02d,%d\n", y, m, d,
                               (i + 1) * (i + 1));
    }
    /* Day 101 of 2020 = April 11 (31 + 29 + 31 = 91, +10). */
    sprintf(csv + len, "w,2020-04-11,1\n");
    const char *path = write_file("window.csv", csv);
    free(csv);
    static const struct {
        hc_fill_method m;
        double want;
    } cases[] = {
        {HC_FILL_MEAN, 5033.5},
        {HC_FILL_MEDIAN, 4692.5},
        {HC_FILL_MIN, 1369},
        {HC_FILL_MAX, 10000},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        hc_dataset_options o = std_opts(path, HC_FREQ_D);
        o.backfill.method = cases[k].m;
        hc_dataset *ds = read_ok(&o);
        const hc_series *z = find_series(ds, "z");
        ck_assert_int_eq(z->start, D2020);
        ck_assert_uint_eq(z->length, 102);
        ck_assert_double_eq(ds->values[z->offset + 99], 10000.0);
        ck_assert_double_eq(ds->values[z->offset + 100], cases[k].want);
        ck_assert_double_eq(ds->values[z->offset + 101], cases[k].want);
        ck_assert_int_eq(ds->filled[z->offset + 99], 0);
        ck_assert_int_eq(ds->filled[z->offset + 100], 1);
        ck_assert_int_eq(ds->filled[z->offset + 101], 1);
        hc_dataset_free(ds);
    }
}
END_TEST

START_TEST(late_start_and_items_without_values)
{
    /* "late" starts on day 3 (no frontfill: its series begins there);
     * "early" ends on day 1 and is backfilled to the end (day 4);
     * "blank" has only empty targets and gets no series; "lead" starts with
     * an empty target on day 0, so its series starts at its first value. */
    const char *path = write_file("late.csv",
                                  "early,2020-01-01,1\n"
                                  "early,2020-01-02,2\n"
                                  "blank,2020-01-02,\n"
                                  "late,2020-01-04,3\n"
                                  "late,2020-01-05,4\n"
                                  "lead,2020-01-01,\n"
                                  "lead,2020-01-03,6\n");
    hc_dataset_options o = std_opts(path, HC_FREQ_D);
    hc_dataset *ds = read_ok(&o);
    ck_assert_uint_eq(ds->nseries, 3);
    ck_assert_str_eq(ds->series[0].item_id, "early");
    ck_assert_str_eq(ds->series[1].item_id, "late");
    ck_assert_str_eq(ds->series[2].item_id, "lead");
    ck_assert_int_eq(ds->end_step, D2020 + 4);
    double ev[] = {1, 2, 0, 0, 0};
    uint8_t ef[] = {0, 0, 1, 1, 1};
    expect_series(ds, "early", D2020, 5, ev, ef);
    double lv[] = {3, 4};
    uint8_t lf[] = {0, 0};
    expect_series(ds, "late", D2020 + 3, 2, lv, lf);
    double dv[] = {6, 0, 0};
    uint8_t df[] = {0, 1, 1};
    expect_series(ds, "lead", D2020 + 2, 3, dv, df);
    ck_assert_uint_eq(ds->nvalues, 10);
    hc_dataset_free(ds);
}
END_TEST

/* ---- dimensions, header, compression, CSV details ------------------------------- */

static const char *const dim_names[] = {"item_id", "store", "timestamp",
                                        "target_value", "region", "price"};
static const hc_attr_type dim_types[] = {HC_ATTR_STRING, HC_ATTR_STRING,
                                         HC_ATTR_TIMESTAMP, HC_ATTR_INTEGER,
                                         HC_ATTR_STRING, HC_ATTR_FLOAT};
static const char dims_csv[] =
    "i1,s2,2020-01-01,1,r1,0.5\n"
    "i1,s1,2020-01-01,2,r2,\n"
    "i1,s1,2020-01-01,3,r1,1\n"
    "i0,s9,2020-01-01,4,r9,2\n";

static hc_dataset_options dims_opts(const char *path)
{
    hc_dataset_options o;
    hc_dataset_options_init(&o);
    o.path = path;
    o.nattributes = 6;
    o.attribute_names = dim_names;
    o.attribute_types = dim_types;
    o.freq = HC_FREQ_D;
    return o;
}

static void expect_key(const hc_dataset *ds, size_t i, const char *item,
                       const char *d0, const char *d1, double v)
{
    const hc_series *s = &ds->series[i];
    ck_assert_str_eq(s->item_id, item);
    ck_assert_str_eq(s->dims[0], d0);
    if (d1)
        ck_assert_str_eq(s->dims[1], d1);
    ck_assert_uint_eq(s->length, 1);
    ck_assert_double_eq(ds->values[s->offset], v);
}

START_TEST(dimensions_select_and_order)
{
    const char *path = write_file("dims.csv", dims_csv);
    /* Default: every other string attribute, schema order (store, region).
     * Keys sorted: (i0,s9,r9)=4, (i1,s1,r1)=3, (i1,s1,r2)=2, (i1,s2,r1)=1. */
    hc_dataset_options o = dims_opts(path);
    hc_dataset *ds = read_ok(&o);
    ck_assert_uint_eq(ds->ndims, 2);
    ck_assert_str_eq(ds->dim_names[0], "store");
    ck_assert_str_eq(ds->dim_names[1], "region");
    ck_assert_uint_eq(ds->nseries, 4);
    expect_key(ds, 0, "i0", "s9", "r9", 4);
    expect_key(ds, 1, "i1", "s1", "r1", 3);
    expect_key(ds, 2, "i1", "s1", "r2", 2);
    expect_key(ds, 3, "i1", "s2", "r1", 1);
    ck_assert_int_lt(hc_series_key_compare(&ds->series[1], &ds->series[2], 2), 0);
    ck_assert_int_gt(hc_series_key_compare(&ds->series[3], &ds->series[2], 2), 0);
    ck_assert_int_eq(hc_series_key_compare(&ds->series[3], &ds->series[3], 2), 0);
    hc_dataset_free(ds);

    /* ForecastDimensions order (region, store): (i1,r1,s1)=3 < (i1,r1,s2)=1
     * < (i1,r2,s1)=2. */
    const char *const rs[] = {"region", "store"};
    o.ndimensions = 2;
    o.dimensions = rs;
    ds = read_ok(&o);
    ck_assert_str_eq(ds->dim_names[0], "region");
    ck_assert_str_eq(ds->dim_names[1], "store");
    expect_key(ds, 0, "i0", "r9", "s9", 4);
    expect_key(ds, 1, "i1", "r1", "s1", 3);
    expect_key(ds, 2, "i1", "r1", "s2", 1);
    expect_key(ds, 3, "i1", "r2", "s1", 2);
    hc_dataset_free(ds);

    /* Only store: region is ignored and (i1,s1) sums 2 + 3. */
    const char *const s_only[] = {"store"};
    o.ndimensions = 1;
    o.dimensions = s_only;
    ds = read_ok(&o);
    ck_assert_uint_eq(ds->ndims, 1);
    ck_assert_uint_eq(ds->nseries, 3);
    expect_key(ds, 0, "i0", "s9", NULL, 4);
    expect_key(ds, 1, "i1", "s1", NULL, 5);
    expect_key(ds, 2, "i1", "s2", NULL, 1);
    hc_dataset_free(ds);

    const char *const nope[] = {"nope"};
    o.dimensions = nope;
    request_fails(&o, "'nope'");
    const char *const price[] = {"price"};
    o.dimensions = price;
    request_fails(&o, "'price' must be a string attribute");
    const char *const item[] = {"item_id"};
    o.dimensions = item;
    request_fails(&o, "'item_id'");
}
END_TEST

START_TEST(header_on_and_off)
{
    const char *path = write_file("header.csv",
                                  "item_id,timestamp,target_value\n"
                                  "a,2020-01-01,1.5\n"
                                  "a,2020-01-02,2.5\n");
    hc_dataset_options o = std_opts(path, HC_FREQ_D);
    o.header = 1;
    hc_dataset *ds = read_ok(&o);
    ck_assert_uint_eq(ds->nrows_read, 2);
    double v[] = {1.5, 2.5};
    uint8_t f[] = {0, 0};
    expect_series(ds, "a", D2020, 2, v, f);
    hc_dataset_free(ds);
    o.header = 0;
    read_fails(&o, HC_ERR_INVALID_INPUT, 1, 2, "'timestamp' is not a timestamp");
    /* A header alone is no data. */
    o.path = write_file("header_only.csv", "item_id,timestamp,target_value\n");
    o.header = 1;
    read_fails(&o, HC_ERR_INVALID_INPUT, 0, 0, "has no data rows");
}
END_TEST

START_TEST(gzip_crlf_quotes_blank_lines)
{
    /* CRLF endings, a blank line, quoted fields (one holding a comma and a
     * doubled quote), all through gzip. */
    const char *path = write_gz("quoted.csv.gz",
                                "\"a,\"\"b\"\"\",2020-01-01,1\r\n"
                                "\r\n"
                                "\"a,\"\"b\"\"\",\"2020-01-02\",\"2\"\r\n"
                                "c,2020-01-02,-3e1\r\n");
    hc_dataset_options o = std_opts(path, HC_FREQ_D);
    hc_dataset *ds = read_ok(&o);
    ck_assert_uint_eq(ds->nseries, 2);
    ck_assert_uint_eq(ds->nrows_read, 3);
    double av[] = {1, 2};
    uint8_t af[] = {0, 0};
    expect_series(ds, "a,\"b\"", D2020, 2, av, af);
    double cv[] = {-30};
    uint8_t cf[] = {0};
    expect_series(ds, "c", D2020 + 1, 1, cv, cf);
    hc_dataset_free(ds);

    /* Line numbers survive CRLF, blank lines and a quoted line break: the
     * bad row starts on physical line 5. */
    o.path = write_gz("lines.csv.gz",
                      "a,2020-01-01,1\r\n"
                      "\r\n"
                      "\"multi\nline\",2020-01-01,1\r\n"
                      "a,2020-01-02,x\r\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 5, 3, "'x' is not a number");
    /* A last line without a line break still counts. */
    o.path = write_file("noeol.csv", "a,2020-01-01,1\na,2020-01-02,2");
    ds = read_ok(&o);
    ck_assert_uint_eq(ds->nrows_read, 2);
    hc_dataset_free(ds);
}
END_TEST

/* Rows with at least 64 bytes after their start go through the scanner's
 * one-step split (a line break, no quote and no stray CR within 64 bytes,
 * the right field count); every other row through the field loop. Both
 * must read the same values and report the same errors at the same place,
 * so each case here is followed by enough rows to give the one-step split
 * its 64 bytes. */
#define PAD64 "zz,2020-01-01,1\nzz,2020-01-02,2\nzy,2020-01-01,3\nzy,2020-01-02,4\nzx,2020-01-01,5\n"

START_TEST(one_step_rows_read_as_field_by_field)
{
    hc_dataset_options o = std_opts(NULL, HC_FREQ_D);
    /* CRLF rows; a lone CR ends a row; a quoted field; a row of exactly 63
     * bytes and its line break at byte 63; a row longer than 64 bytes. */
    o.path = write_file("one_step.csv",
                        "a,2020-01-01,1.5\r\n"
                        "a,2020-01-02,2.5\rb,2020-01-01,7\n"
                        "b,2020-01-02,7.5\n"
                        "\"b,x\",2020-01-01,8\n"
                        "\"b,x\",2020-01-02,9\n"
                        "c,2020-01-01,0.000000000000000000000000000000000000000000000001\n"
                        "c,2020-01-02,10000000000000000000000000000000000000000000000000000\n"
                        PAD64);
    hc_dataset *ds = read_ok(&o);
    ck_assert_uint_eq(ds->nrows_read, 13);
    double av[] = {1.5, 2.5};
    uint8_t f2[] = {0, 0};
    expect_series(ds, "a", D2020, 2, av, f2);
    double bv[] = {7, 7.5};
    expect_series(ds, "b", D2020, 2, bv, f2);
    double bxv[] = {8, 9};
    expect_series(ds, "b,x", D2020, 2, bxv, f2);
    double cv[] = {1e-48, 1e52};
    expect_series(ds, "c", D2020, 2, cv, f2);
    hc_dataset_free(ds);

    /* The same errors, at the same line and column, as the short files of
     * errors_with_line_and_column. */
    o.path = write_file("one_step_few.csv", "a,2020-01-01,1\na,2020-01-02\n" PAD64);
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 3, "expected 3 fields, got 2");
    o.path = write_file("one_step_many.csv", "a,2020-01-01,1\n\na,2020-01-02,1,9\n" PAD64);
    read_fails(&o, HC_ERR_INVALID_INPUT, 3, 4, "expected 3 fields, got 4");
    o.path = write_file("one_step_quote.csv", "a,2020-01-01,1\nb,2020-01-01,1\"2\n" PAD64);
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 3, "malformed CSV: a quote inside an unquoted field");
    o.path = write_file("one_step_num.csv", "a,2020-01-01,1\r\na,2020-01-02,abc\r\n" PAD64);
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 3, "'abc' is not a number");
    o.path = write_file("one_step_item.csv", "a,2020-01-01,1\n,2020-01-02,1\n" PAD64);
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 1, "item_id is empty");
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

START_TEST(errors_with_line_and_column)
{
    hc_dataset_options o = std_opts(NULL, HC_FREQ_D);
    o.path = write_file("e_num.csv", "a,2020-01-01,1\na,2020-01-02,2\na,2020-01-03,abc\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 3, 3, "'abc' is not a number");
    o.path = write_file("e_space.csv", "a,2020-01-01, 1\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 1, 3, "' 1' is not a number");

    o.path = write_file("e_ts.csv", "a,2020-01-01,1\na,2020-13-01,1\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 2,
               "'2020-13-01' is not a timestamp in the format yyyy-MM-dd, yyyy-MM-dd HH:mm:ss or");
    o.ts_format = HC_TSFMT_DATETIME;
    o.path = write_file("e_ts2.csv", "a,2020-01-01 00:00:00,1\na,2020-01-01,1\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 2,
               "'2020-01-01' is not a timestamp in the format yyyy-MM-dd HH:mm:ss (bad character at position 11)");
    o.ts_format = HC_TSFMT_AUTO;

    o.path = write_file("e_few.csv", "a,2020-01-01,1\na,2020-01-02\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 3, "expected 3 fields, got 2");
    o.path = write_file("e_many.csv", "a,2020-01-01,1\n\na,2020-01-02,1,9\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 3, 4, "expected 3 fields, got 4");

    o.path = write_file("e_item.csv", "a,2020-01-01,1\n,2020-01-02,1\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 1, "item_id is empty");

    o.path = write_file("e_quote.csv", "a,2020-01-01,1\nb,2020-01-01,1\"2\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 3, "malformed CSV: a quote inside an unquoted field");
    o.path = write_file("e_open.csv", "a,2020-01-01,1\n\"b,2020-01-01,1\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 1, "not closed");

    o.path = write_file("e_empty.csv", "");
    read_fails(&o, HC_ERR_INVALID_INPUT, 0, 0, "has no data rows");
    o.path = write_file("e_blank.csv", "\n\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 0, 0, "has no data rows");

    o.path = tmp_path("does-not-exist.csv");
    unlink(o.path);
    read_fails(&o, HC_ERR_IO, 0, 0, "cannot open");

    /* An integer target refuses a fraction. */
    static const hc_attr_type int_types[] = {HC_ATTR_STRING, HC_ATTR_TIMESTAMP,
                                             HC_ATTR_INTEGER};
    o.attribute_types = int_types;
    o.path = write_file("e_int.csv", "a,2020-01-01,12\na,2020-01-02,1.5\n");
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 3, "'1.5' is not an integer");
}
END_TEST

START_TEST(schema_errors)
{
    hc_dataset_options o = std_opts(write_file("s.csv", "a,2020-01-01,1\n"), HC_FREQ_D);
    const char *const no_target[] = {"item_id", "timestamp", "value"};
    o.attribute_names = no_target;
    request_fails(&o, "target_value");
    const char *const twice[] = {"item_id", "timestamp", "item_id"};
    o.attribute_names = twice;
    request_fails(&o, "'item_id' appears twice");
    static const hc_attr_type bad_ts[] = {HC_ATTR_STRING, HC_ATTR_STRING, HC_ATTR_FLOAT};
    o.attribute_names = std_names;
    o.attribute_types = bad_ts;
    request_fails(&o, "'timestamp' must have type timestamp");
}
END_TEST

START_TEST(truncated_gzip)
{
    /* 2000 rows compress to a few KB; cutting the file in half leaves a
     * stream without its end. */
    size_t cap = 2000 * 32;
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    size_t len = 0;
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(csv + len, cap - len, "item%d,2020-01-01,%d\n", i % 7, i);
    const char *path = write_gz("trunc.csv.gz", csv);
    free(csv);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(truncate(path, st.st_size / 2), 0);
    hc_dataset_options o = std_opts(path, HC_FREQ_D);
    read_fails(&o, HC_ERR_INVALID_INPUT, 0, 0, "truncated gzip");
}
END_TEST

/* ---- scan_records: rows of any layout ------------------------------------ */

/* What a scan_records callback saw, one line per row: "LINE:f1|f2|...",
 * with CR, LF and NUL inside fields written \r, \n, \0. */
typedef struct rec_log {
    char text[4096];
    size_t len;
    size_t nrows;
    size_t stop_at;  /* return 7 at this row (1-based); 0: never */
    size_t fail_at;  /* fail at this row with InvalidInput; 0: never */
} rec_log;

static void log_put(rec_log *lg, const char *s, size_t n)
{
    ck_assert_uint_lt(lg->len + n, sizeof lg->text);
    memcpy(lg->text + lg->len, s, n);
    lg->len += n;
    lg->text[lg->len] = '\0';
}

static int log_row(void *ctx, const scan_record *r, hc_error *err)
{
    rec_log *lg = ctx;
    lg->nrows++;
    char head[32];
    log_put(lg, head, (size_t)snprintf(head, sizeof head, "%llu:",
                                       (unsigned long long)r->line));
    for (size_t c = 0; c < r->nfields; c++) {
        if (c)
            log_put(lg, "|", 1);
        for (size_t i = 0; i < r->len[c]; i++) {
            char ch = r->field[c][i];
            if (ch == '\n')
                log_put(lg, "\\n", 2);
            else if (ch == '\r')
                log_put(lg, "\\r", 2);
            else if (ch == '\0')
                log_put(lg, "\\0", 2);
            else
                log_put(lg, &ch, 1);
        }
    }
    log_put(lg, "\n", 1);
    if (lg->nrows == lg->stop_at)
        return 7;
    if (lg->nrows == lg->fail_at)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "row %zu refused", lg->nrows);
    return 0;
}

/* Scans path into a fresh log; returns scan_records' result. */
static int scan_log(const char *path, rec_log *lg, hc_error *err)
{
    size_t stop_at = lg->stop_at, fail_at = lg->fail_at;
    memset(lg, 0, sizeof *lg);
    lg->stop_at = stop_at;
    lg->fail_at = fail_at;
    hc_error_clear(err);
    return scan_records(path, HC_ERR_INVALID_INPUT, log_row, lg, err);
}

START_TEST(records_quotes_crlf_bom)
{
    /* Line 1 (after the byte order mark): a quoted comma and doubled
     * quotes; line 2 blank (CRLF); line 3 a quoted LF, so the row ends on
     * line 4, with an empty field; line 5 a quoted CRLF (one line break,
     * to line 6) and a lone CR ending the row; line 7 an empty quoted
     * field, a NUL byte, and no final line break. */
    static const char text[] = "\xEF\xBB\xBF"
                               "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
                               "\r\n"
                               "\"multi\nline\",,x\n"
                               "\"cr\r\nlf\"\r"
                               "last,\"\",e\0nd";
    static const char want[] = "1:a|b,c|say \"hi\"\n"
                               "3:multi\\nline||x\n"
                               "5:cr\\r\\nlf\n"
                               "7:last||e\\0nd\n";
    const char *plain = tmp_path("rec.csv");
    FILE *f = fopen(plain, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
    ck_assert_int_eq(fclose(f), 0);
    const char *gz = tmp_path("rec.csv.gz");
    gzFile g = gzopen(gz, "wb6");
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(gzwrite(g, text, sizeof text - 1), (int)(sizeof text - 1));
    ck_assert_int_eq(gzclose_w(g), Z_OK);

    rec_log lg = {.stop_at = 0};
    hc_error err;
    ck_assert_int_eq(scan_log(plain, &lg, &err), 0);
    ck_assert_str_eq(lg.text, want);
    ck_assert_int_eq(scan_log(gz, &lg, &err), 0);
    ck_assert_str_eq(lg.text, want);

    /* An empty file and one of blank lines have no rows. */
    ck_assert_int_eq(scan_log(write_file("rec_empty.csv", ""), &lg, &err), 0);
    ck_assert_uint_eq(lg.nrows, 0);
    ck_assert_int_eq(scan_log(write_file("rec_blank.csv", "\n\r\n\r"), &lg, &err), 0);
    ck_assert_uint_eq(lg.nrows, 0);
}
END_TEST

/* Expects scan_records to fail with InvalidInput at path:line:column with
 * `want` in the message, after the rows `seen`. */
static void records_fail(const char *name, const char *text, long line, long column,
                         const char *want, const char *seen)
{
    const char *path = write_file(name, text);
    rec_log lg = {.stop_at = 0};
    hc_error err;
    ck_assert_int_eq(scan_log(path, &lg, &err), HC_ERR_INVALID_INPUT);
    ck_assert_int_eq(err.line, line);
    ck_assert_int_eq(err.column, column);
    char prefix[1200];
    snprintf(prefix, sizeof prefix, "%s:%ld:%ld: %s", path, line, column, want);
    ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0,
                  "message '%s' does not start with '%s'", err.message, prefix);
    ck_assert_str_eq(lg.text, seen);
}

START_TEST(records_malformed_quotes)
{
    /* Row 2 starts on line 2; its quoted first field runs to line 3 and
     * its second field has a quote inside: the error names the row's
     * first line and field 2. */
    records_fail("rec_q1.csv", "x,y\n\"ok\nstill\",b\"c\n", 2, 2,
                 "malformed CSV: a quote inside an unquoted field", "1:x|y\n");
    /* Text after a closing quote, in field 1 of line 1. */
    records_fail("rec_q2.csv", "\"a\"b,c\n", 1, 1,
                 "malformed CSV: a quote inside an unquoted field or text after a closing quote",
                 "");
    /* A space before an opening quote makes the field unquoted. */
    records_fail("rec_q3.csv", "a\r\n\r\nb, \"c\"\n", 3, 2,
                 "malformed CSV: a quote inside an unquoted field", "1:a\n");
    /* A quote left open: the field and the row start on line 2. */
    records_fail("rec_q4.csv", "p,q\nr,\"s\nt\n", 2, 2,
                 "malformed CSV: a quoted field is not closed before the end of the file",
                 "1:p|q\n");
}
END_TEST

START_TEST(records_stop_fail_and_open_errors)
{
    const char *path = write_file("rec_stop.csv", "a\nb\nc\n");
    rec_log lg = {.stop_at = 2};
    hc_error err;
    ck_assert_int_eq(scan_log(path, &lg, &err), 7);
    ck_assert_str_eq(lg.text, "1:a\n2:b\n");
    lg.stop_at = 0;
    lg.fail_at = 3;
    ck_assert_int_eq(scan_log(path, &lg, &err), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(err.message, "row 3 refused");
    ck_assert_uint_eq(lg.nrows, 3);

    /* A file that cannot be opened is the caller's io_status. */
    const char *none = tmp_path("rec_none.csv");
    hc_error_clear(&err);
    ck_assert_int_eq(scan_records(none, HC_ERR_IO, log_row, &lg, &err), HC_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot open: No such file or directory"));
    hc_error_clear(&err);
    ck_assert_int_eq(scan_records(none, HC_ERR_INVALID_INPUT, log_row, &lg, &err),
                     HC_ERR_INVALID_INPUT);
}
END_TEST

/* Counts rows "r<i>\nx,<i>,<64 fields...>" and checks each in place. */
typedef struct wide_check {
    size_t nrows;
    size_t nfields; /* fields every row must have */
    int bad;
} wide_check;

static int check_wide(void *ctx, const scan_record *r, hc_error *err)
{
    (void)err;
    wide_check *w = ctx;
    size_t i = w->nrows++;
    char want[32];
    int n = snprintf(want, sizeof want, "r%zu\nx", i);
    /* Row i starts on line 2i + 1: each row holds one quoted LF. */
    if (r->line != 2 * i + 1 || r->nfields != w->nfields || r->len[0] != (size_t)n ||
        memcmp(r->field[0], want, (size_t)n) != 0)
        w->bad = 1;
    for (size_t c = 1; c < r->nfields && !w->bad; c++)
        if (r->len[c] != 1 || r->field[c][0] != (char)('a' + c % 26))
            w->bad = 1;
    return w->bad ? -1 : 0;
}

START_TEST(records_across_blocks)
{
    /* 20000 rows of 100 fields (past the 64 the field arrays start with),
     * about 3.3 MB: blocks (1 MiB) end inside the text, and the lines keep
     * counting across them. */
    const size_t nrows = 20000, nfields = 100;
    size_t cap = nrows * (nfields * 2 + 32);
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    size_t len = 0;
    for (size_t i = 0; i < nrows; i++) {
        len += (size_t)snprintf(csv + len, cap - len, "\"r%zu\nx\"", i);
        for (size_t c = 1; c < nfields; c++) {
            csv[len++] = ',';
            csv[len++] = (char)('a' + c % 26);
        }
        csv[len++] = '\n';
    }
    csv[len] = '\0';
    ck_assert_uint_gt(len, (size_t)3 << 20);
    const char *paths[2] = {write_file("rec_big.csv", csv), write_gz("rec_big.csv.gz", csv)};
    free(csv);
    for (int k = 0; k < 2; k++) {
        wide_check w = {0, nfields, 0};
        hc_error err;
        hc_error_clear(&err);
        ck_assert_int_eq(scan_records(paths[k], HC_ERR_IO, check_wide, &w, &err), 0);
        ck_assert_int_eq(w.bad, 0);
        ck_assert_uint_eq(w.nrows, nrows);
    }
}
END_TEST

START_TEST(absurd_span_is_refused)
{
    /* Year 1 to 9999 at one minute is about 5.26e9 steps > 2^32. */
    hc_dataset_options o = std_opts(write_file("span.csv",
                                               "a,0001-01-01 00:00:00,1\n"
                                               "a,9999-01-01 00:00:00,1\n"),
                                    HC_FREQ_1MIN);
    read_fails(&o, HC_ERR_LIMIT, 0, 0, "item 'a' starts 0001-01-01T00:00:00");
    /* The same rows yearly: 9999 steps, the middle ones filled. */
    o.freq = HC_FREQ_Y;
    hc_dataset *ds = read_ok(&o);
    ck_assert_uint_eq(ds->nvalues, 9999);
    ck_assert_int_eq(ds->series[0].start, 1 - 1970);
    ck_assert_int_eq(ds->filled[1], 1);
    ck_assert_int_eq(ds->filled[9998], 0);
    hc_dataset_free(ds);
}
END_TEST

/* The limit is on the whole dataset, checked the same way whether the rows
 * stream in (each item's rows together, in time order) or are kept and
 * grouped (an item seen again). At one minute, 1000-01-01 to 9000-01-01 is
 * 8000 years = 8000 * 365.2425 = 2921940 days = 4207593600 minutes, so a
 * series from 1000-01-01 to the end holds 4207593601 values: one fits under
 * 2^32 = 4294967296, two do not, and the error names the second item. */
START_TEST(dense_limit_counts_every_item)
{
    static const char want[] =
        "the dense series would hold more than 4294967296 values (item 'b' "
        "starts 1000-01-01T00:00:00, the data ends 9000-01-01T00:00:00 at "
        "frequency 1min)";
    static const char *const files[2][2] = {
        {"limit-stream.csv", "a,1000-01-01 00:00:00,1\n"
                             "b,1000-01-01 00:00:00,1\n"
                             "c,9000-01-01 00:00:00,1\n"},
        {"limit-rows.csv", "a,1000-01-01 00:00:00,1\n"
                           "b,1000-01-01 00:00:00,1\n"
                           "c,9000-01-01 00:00:00,1\n"
                           "a,1000-01-01 00:01:00,1\n"}};
    for (int f = 0; f < 2; f++) {
        hc_dataset_options o = std_opts(write_file(files[f][0], files[f][1]),
                                        HC_FREQ_1MIN);
        read_fails(&o, HC_ERR_LIMIT, 0, 0, want);
    }
}
END_TEST

/* ---- from_arrays, snapshots ------------------------------------------------------- */

START_TEST(from_arrays_sorts_and_copies)
{
    const char *const dn[] = {"store"};
    const char *const ids[] = {"b", "a", "a"};
    const char *const dv[] = {"s1", "s2", "s1"};
    const int64_t starts[] = {10, 12, 11};
    const size_t lengths[] = {2, 1, 3};
    const double values[] = {1, 2, 3, 4, 5, 6};
    const uint8_t filled[] = {0, 1, 0, 0, 1, 0};
    hc_dataset *ds = NULL;
    hc_error err;
    ck_assert_int_eq(hc_dataset_from_arrays(&ds, HC_FREQ_H, 1, dn, 3, ids, dv, starts,
                                            lengths, values, filled, &err), 0);
    /* Sorted: (a,s1) = input 2, (a,s2) = input 1, (b,s1) = input 0. */
    ck_assert_str_eq(ds->series[0].item_id, "a");
    ck_assert_str_eq(ds->series[0].dims[0], "s1");
    ck_assert_int_eq(ds->series[0].start, 11);
    ck_assert_uint_eq(ds->series[0].length, 3);
    ck_assert_double_eq(ds->values[ds->series[0].offset], 4);
    ck_assert_int_eq(ds->filled[ds->series[0].offset + 1], 1);
    ck_assert_str_eq(ds->series[1].dims[0], "s2");
    ck_assert_double_eq(ds->values[ds->series[1].offset], 3);
    ck_assert_str_eq(ds->series[2].item_id, "b");
    ck_assert_double_eq(ds->values[ds->series[2].offset + 1], 2);
    ck_assert_int_eq(ds->filled[ds->series[2].offset + 1], 1);
    ck_assert_int_eq(ds->first_step, 10);
    ck_assert_int_eq(ds->end_step, 13); /* 11 + 3 - 1 */
    ck_assert_str_eq(ds->dim_names[0], "store");
    ck_assert(hc_dataset_memory(ds) >= 6 * 9 + 3 * sizeof(hc_series));
    hc_dataset_free(ds);

    const char *const dup[] = {"a", "a"};
    const char *const dupd[] = {"s", "s"};
    ck_assert_int_eq(hc_dataset_from_arrays(&ds, HC_FREQ_H, 1, dn, 2, dup, dupd, starts,
                                            lengths, values, NULL, &err),
                     HC_ERR_INVALID_INPUT);
    ck_assert_ptr_null(ds);
    hc_dataset_free(NULL);
}
END_TEST

static void assert_same(const hc_dataset *a, const hc_dataset *b)
{
    ck_assert_int_eq(a->freq, b->freq);
    ck_assert_uint_eq(a->ndims, b->ndims);
    ck_assert_uint_eq(a->nseries, b->nseries);
    ck_assert_uint_eq(a->nvalues, b->nvalues);
    ck_assert_int_eq(a->first_step, b->first_step);
    ck_assert_int_eq(a->end_step, b->end_step);
    ck_assert_uint_eq(a->nrows_read, b->nrows_read);
    for (size_t d = 0; d < a->ndims; d++)
        ck_assert_str_eq(a->dim_names[d], b->dim_names[d]);
    for (size_t i = 0; i < a->nseries; i++) {
        ck_assert_str_eq(a->series[i].item_id, b->series[i].item_id);
        for (size_t d = 0; d < a->ndims; d++)
            ck_assert_str_eq(a->series[i].dims[d], b->series[i].dims[d]);
        ck_assert_int_eq(a->series[i].start, b->series[i].start);
        ck_assert_uint_eq(a->series[i].length, b->series[i].length);
        /* Offsets may differ (a read lays items out in file order, a load
         * in key order); each series' values and flags may not. */
        size_t n = a->series[i].length;
        ck_assert_int_eq(memcmp(a->values + a->series[i].offset,
                                b->values + b->series[i].offset, n * sizeof(double)),
                         0);
        ck_assert_int_eq(memcmp(a->filled + a->series[i].offset,
                                b->filled + b->series[i].offset, n),
                         0);
    }
}

START_TEST(snapshot_round_trip_and_corruption)
{
    /* Dimensions plus NaN fills (bits must survive). */
    const char *path = write_file("snap.csv",
                                  "i1,s2,2020-01-01,1,r1,0.5\n"
                                  "i1,s2,2020-01-04,2,r1,\n"
                                  "i0,s9,2020-01-02,4,r9,2\n");
    hc_dataset_options o = dims_opts(path);
    o.middlefill.method = HC_FILL_NAN;
    hc_dataset *ds = read_ok(&o);
    const char *snap = tmp_path("snap.bin");
    hc_error err;
    ck_assert_int_eq(hc_dataset_save(ds, snap, &err), 0);
    char tmpname[1100];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", snap);
    ck_assert_int_ne(access(tmpname, F_OK), 0); /* renamed away */
    hc_dataset *back = NULL;
    ck_assert_msg(hc_dataset_load(&back, snap, &err) == 0, "%s", err.message);
    assert_same(ds, back);
    ck_assert(isnan(back->values[find_series(back, "i1")->offset + 1]));
    hc_dataset_free(back);

    /* Flip one byte in the middle of the values: the CRC catches it. */
    FILE *f = fopen(snap, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size - 20, SEEK_SET);
    int c = fgetc(f);
    fseek(f, size - 20, SEEK_SET);
    fputc(c ^ 0x10, f);
    fclose(f);
    back = (hc_dataset *)0x1;
    ck_assert_int_eq(hc_dataset_load(&back, snap, &err), HC_ERR_INTERNAL);
    ck_assert_ptr_null(back);
    ck_assert_ptr_nonnull(strstr(err.message, snap));
    ck_assert_ptr_nonnull(strstr(err.message, "corrupt or truncated"));

    /* A truncated snapshot (saved again, then cut). */
    ck_assert_int_eq(hc_dataset_save(ds, snap, &err), 0);
    ck_assert_int_eq(truncate(snap, size - 3), 0);
    ck_assert_int_eq(hc_dataset_load(&back, snap, &err), HC_ERR_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.message, "corrupt or truncated"));
    /* Not a snapshot at all. */
    ck_assert_int_eq(hc_dataset_load(&back, path, &err), HC_ERR_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.message, "bad magic"));
    ck_assert_int_eq(hc_dataset_load(&back, tmp_path("missing.bin"), &err), HC_ERR_IO);
    hc_dataset_free(ds);
}
END_TEST

START_TEST(parse_helpers)
{
    hc_attr_type t;
    ck_assert_int_eq(hc_attr_type_parse("string", &t), 0);
    ck_assert_int_eq(t, HC_ATTR_STRING);
    ck_assert_int_eq(hc_attr_type_parse("timestamp", &t), 0);
    ck_assert_int_eq(t, HC_ATTR_TIMESTAMP);
    ck_assert_int_eq(hc_attr_type_parse("float", &t), 0);
    ck_assert_int_eq(t, HC_ATTR_FLOAT);
    ck_assert_int_eq(hc_attr_type_parse("integer", &t), 0);
    ck_assert_int_eq(t, HC_ATTR_INTEGER);
    ck_assert_int_eq(hc_attr_type_parse("geolocation", &t), -1);
    ck_assert_int_eq(hc_attr_type_parse("Float", &t), -1);

    const char *aggs[] = {"sum", "avg", "first", "min", "max", "none"};
    for (int i = 0; i < 6; i++) {
        hc_aggregation a;
        ck_assert_int_eq(hc_aggregation_parse(aggs[i], &a), 0);
        ck_assert_int_eq(a, i);
        ck_assert_str_eq(hc_aggregation_name(a), aggs[i]);
    }
    hc_aggregation a;
    ck_assert_int_eq(hc_aggregation_parse("mean", &a), -1);

    const char *fills[] = {"none", "zero", "nan", "value", "median", "mean", "min", "max"};
    for (int i = 0; i < 8; i++) {
        hc_fill_method m;
        ck_assert_int_eq(hc_fill_method_parse(fills[i], &m), 0);
        ck_assert_int_eq(m, i);
        ck_assert_str_eq(hc_fill_method_name(m), fills[i]);
    }
    hc_fill_method m;
    ck_assert_int_eq(hc_fill_method_parse("avg", &m), -1);
    ck_assert_int_eq(hc_fill_method_parse(NULL, &m), -1);

    hc_dataset_options o;
    memset(&o, 0xff, sizeof o);
    hc_dataset_options_init(&o);
    ck_assert_int_eq(o.aggregation, HC_AGG_SUM);
    ck_assert_int_eq(o.middlefill.method, HC_FILL_ZERO);
    ck_assert_int_eq(o.backfill.method, HC_FILL_ZERO);
    ck_assert_int_eq(o.ts_format, HC_TSFMT_AUTO);
    ck_assert_int_eq(o.header, 0);
    ck_assert_ptr_null(o.dimensions);
}
END_TEST

/* ---- the real Amazon sample ------------------------------------------------------ */

/* Sum of client_12's values dated 2014-01-01, read with plain zlib+stdio. */
static double independent_day_sum(const char *path, int *count)
{
    gzFile gz = gzopen(path, "rb");
    ck_assert_ptr_nonnull(gz);
    char line[256];
    double sum = 0.0;
    *count = 0;
    while (gzgets(gz, line, sizeof line)) {
        if (strncmp(line, "2014-01-01 ", 11) != 0)
            continue;
        char *comma = strchr(line, ',');
        char *comma2 = comma ? strchr(comma + 1, ',') : NULL;
        ck_assert_ptr_nonnull(comma2);
        if (strncmp(comma2 + 1, "client_12", 9) != 0 ||
            (comma2[10] != '\n' && comma2[10] != '\0' && comma2[10] != '\r'))
            continue;
        sum += strtod(comma + 1, NULL);
        (*count)++;
    }
    gzclose(gz);
    return sum;
}

START_TEST(amazon_electricity_sample)
{
    const char *dir = getenv("HINDCAST_SHARED_DATA");
    ck_assert_ptr_nonnull(dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/aws-electricity/item-demand-time.csv.gz", dir);
    static const char *const names[] = {"timestamp", "target_value", "item_id"};
    static const hc_attr_type types[] = {HC_ATTR_TIMESTAMP, HC_ATTR_FLOAT,
                                         HC_ATTR_STRING};
    hc_dataset_options o;
    hc_dataset_options_init(&o);
    o.path = path;
    o.nattributes = 3;
    o.attribute_names = names;
    o.attribute_types = types;
    o.ts_format = HC_TSFMT_DATETIME;
    o.freq = HC_FREQ_H;
    hc_dataset *ds = read_ok(&o);
    ck_assert_uint_eq(ds->nseries, 3);
    ck_assert_uint_eq(ds->nrows_read, 23973);
    ck_assert_uint_eq(ds->ndims, 0);
    ck_assert_str_eq(ds->series[0].item_id, "client_10");
    ck_assert_str_eq(ds->series[1].item_id, "client_111");
    ck_assert_str_eq(ds->series[2].item_id, "client_12");
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(ds->series[i].length, 7991);
        /* 2014-01-01 01:00 = day 16071 * 24 + 1 */
        ck_assert_int_eq(ds->series[i].start, 16071 * 24 + 1);
    }
    for (size_t i = 0; i < ds->nvalues; i++)
        ck_assert_int_eq(ds->filled[i], 0);
    const hc_series *c12 = &ds->series[2];
    ck_assert_double_eq(ds->values[c12->offset], 38.34991708126038);
    hc_dataset_free(ds);

    /* Daily: day 1 holds the 23 hours 01:00..23:00 of 2014-01-01. */
    o.freq = HC_FREQ_D;
    ds = read_ok(&o);
    int count;
    double want = independent_day_sum(path, &count);
    ck_assert_int_eq(count, 23);
    c12 = find_series(ds, "client_12");
    ck_assert_int_eq(c12->start, 16071);
    ck_assert_double_eq(ds->values[c12->offset], want);
    hc_dataset_free(ds);
}
END_TEST

/* ---- the two build paths, threads and block boundaries ----------------------- */

static uint64_t test_rng = 88172645463325252u;

static unsigned rnd(unsigned n)
{
    test_rng ^= test_rng << 13;
    test_rng ^= test_rng >> 7;
    test_rng ^= test_rng << 17;
    return (unsigned)(test_rng % n);
}

typedef struct gen_row {
    char text[64];
} gen_row;

/* Rows of 7 items k6..k0 (written in that order, the reverse of key
 * order), 1-3 rows a day at distinct hours over their own span of days,
 * gaps, empty and NaN targets; items end on different days (tails). */
static size_t gen_rows(gen_row *rows, size_t cap)
{
    size_t n = 0;
    for (int item = 6; item >= 0; item--) {
        unsigned first = rnd(6), last = 18 + rnd(12);
        for (unsigned day = first; day <= last; day++) {
            if (rnd(5) == 0 && day != first)
                continue; /* a gap */
            unsigned hours = 1 + rnd(3);
            for (unsigned h = 0; h < hours; h++) {
                ck_assert_uint_lt(n, cap);
                unsigned kind = rnd(12);
                char value[24];
                if (kind == 0 && day != first)
                    value[0] = '\0';
                else if (kind == 1 && day != first)
                    snprintf(value, sizeof value, "NaN");
                else
                    snprintf(value, sizeof value, "%u.%03u", rnd(500), rnd(1000));
                snprintf(rows[n].text, sizeof rows[n].text,
                         "k%d,2020-01-%02u %02u:00:00,%s\n", item, 1 + day, 5 * h + rnd(5),
                         value);
                n++;
            }
        }
    }
    return n;
}

static const char *rows_file(const char *name, const gen_row *rows, size_t n)
{
    char *text = malloc(n * 64 + 1);
    ck_assert_ptr_nonnull(text);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(rows[i].text);
        memcpy(text + len, rows[i].text, k);
        len += k;
    }
    text[len] = '\0';
    const char *path = write_file(name, text);
    free(text);
    return path;
}

/* Items whose rows are together and in time order are built while
 * streaming; any other order takes the row-record path. Both must give the
 * same dataset: the rows of the grouped file are shuffled into a second
 * one, and every aggregation and several fill rules are compared. The
 * streaming layout (items in file order, here the reverse of key order)
 * shows in the offsets and proves which path ran. */
START_TEST(streaming_and_rows_paths_agree)
{
    static gen_row grouped[2000], shuffled[2000];
    static const struct {
        hc_fill_method middle, back;
    } fills[] = {{HC_FILL_ZERO, HC_FILL_ZERO},   {HC_FILL_NAN, HC_FILL_VALUE},
                 {HC_FILL_MEDIAN, HC_FILL_MEAN}, {HC_FILL_MIN, HC_FILL_MAX},
                 {HC_FILL_MEAN, HC_FILL_MEDIAN}};
    for (int round = 0; round < 4; round++) {
        size_t n = gen_rows(grouped, 2000);
        memcpy(shuffled, grouped, n * sizeof *grouped);
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = rnd((unsigned)i + 1);
            gen_row t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
        }
        const char *gpath = rows_file("grouped.csv", grouped, n);
        const char *spath = rows_file("shuffled.csv", shuffled, n);
        for (int agg = HC_AGG_SUM; agg <= HC_AGG_MAX; agg++) {
            for (size_t f = 0; f < sizeof fills / sizeof *fills; f++) {
                hc_dataset_options o = std_opts(gpath, HC_FREQ_D);
                o.aggregation = (hc_aggregation)agg;
                o.middlefill.method = fills[f].middle;
                o.backfill.method = fills[f].back;
                o.backfill.value = 7.5;
                o.threads = 1 + round % 3;
                hc_dataset *a = read_ok(&o);
                o.path = spath;
                hc_dataset *b = read_ok(&o);
                assert_same(a, b);
                ck_assert_uint_eq(a->nseries, 7);
                ck_assert_uint_gt(a->series[0].offset, a->series[6].offset);
                ck_assert_uint_lt(b->series[0].offset, b->series[6].offset);
                hc_dataset_free(a);
                hc_dataset_free(b);
            }
        }
    }
    /* Aggregation none in a grouped file: the second row of a step is
     * named as the rows path names it (line 2, the timestamp column). */
    hc_dataset_options o = std_opts(write_file("none_grouped.csv",
                                               "a,2020-01-01 00:00:00,1\n"
                                               "a,2020-01-01 05:00:00,4\n"
                                               "a,2020-01-02 00:00:00,1\n"),
                                    HC_FREQ_D);
    o.aggregation = HC_AGG_NONE;
    read_fails(&o, HC_ERR_INVALID_INPUT, 2, 2, "item 'a' has a second row");
    /* An item seen again after another one is fine (the rows path takes
     * over), and a later bad row is still reported with its line. */
    o = std_opts(write_file("again.csv",
                            "a,2020-01-01,1\nb,2020-01-01,2\na,2020-01-02,3\n"
                            "b,2020-01-02,x\n"),
                 HC_FREQ_D);
    read_fails(&o, HC_ERR_INVALID_INPUT, 4, 3, "'x' is not a number");
}
END_TEST

/* The streaming path stores runs of rows one step apart in bulk ("chains",
 * marked per block by the parsing threads), and a chain never crosses a
 * block boundary. A grouped file of about 5 MiB, with gaps, missing values
 * and several rows per day, read on 1 and 3 threads, must give exactly the
 * dataset of its shuffled copy, which the row-record path builds one row at
 * a time. */
START_TEST(chains_across_blocks_agree_with_rows_path)
{
    enum { ITEMS = 300, DAYS = 700 };
    size_t cap = (size_t)ITEMS * DAYS * 2;
    gen_row *rows = malloc(cap * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    size_t n = 0;
    for (int item = ITEMS - 1; item >= 0; item--) {
        unsigned first = rnd(30);
        for (unsigned day = first; day < DAYS; day++) {
            if (rnd(40) == 0 && day != first)
                continue; /* a gap */
            unsigned hours = rnd(25) == 0 ? 2 : 1;
            for (unsigned h = 0; h < hours; h++) {
                ck_assert_uint_lt(n, cap);
                char value[24];
                if (rnd(50) == 0 && day != first)
                    value[0] = '\0';
                else
                    snprintf(value, sizeof value, "%u.%02u", rnd(900), rnd(100));
                /* 28-day months, 12 to a year: enough calendar for a
                 * daily series and simple to write */
                unsigned d = day;
                snprintf(rows[n].text, sizeof rows[n].text,
                         "i%03d,%04u-%02u-%02u %02u:00:00,%s\n", item, 2020 + d / 336,
                         1 + d % 336 / 28, 1 + d % 28, 3 * h, value);
                n++;
            }
        }
    }
    const char *gpath = rows_file("chains_grouped.csv", rows, n);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rnd((unsigned)i + 1);
        gen_row t = rows[i];
        rows[i] = rows[j];
        rows[j] = t;
    }
    const char *spath = rows_file("chains_shuffled.csv", rows, n);
    free(rows);
    struct stat st;
    ck_assert_int_eq(stat(gpath, &st), 0);
    ck_assert_int_gt(st.st_size, 4 << 20); /* several 1 MiB blocks */
    for (int agg = HC_AGG_SUM; agg <= HC_AGG_MAX; agg += 2) {
        hc_dataset_options o = std_opts(spath, HC_FREQ_D);
        o.aggregation = (hc_aggregation)agg;
        o.middlefill.method = HC_FILL_MEDIAN;
        o.backfill.method = HC_FILL_MEAN;
        hc_dataset *rows_ds = read_ok(&o);
        o.path = gpath;
        for (int threads = 1; threads <= 3; threads += 2) {
            o.threads = threads;
            hc_dataset *stream_ds = read_ok(&o);
            assert_same(stream_ds, rows_ds);
            /* items laid out in file order (i299 first): the streaming
             * path ran; the row-record path lays them out in key order */
            ck_assert_uint_gt(stream_ds->series[0].offset,
                              stream_ds->series[ITEMS - 1].offset);
            ck_assert_uint_lt(rows_ds->series[0].offset,
                              rows_ds->series[ITEMS - 1].offset);
            hc_dataset_free(stream_ds);
        }
        hc_dataset_free(rows_ds);
    }
}
END_TEST

/* A file of several 1 MiB blocks: quoted ids holding commas, doubled
 * quotes and line breaks (LF and CRLF inside quotes), CRLF row ends and
 * blank lines. One thread and four give the same dataset; a bad value far
 * down is reported at its physical line by both. Then the same with bare
 * CR row ends. */
static char *big_text(int cr_only, size_t bad_row, size_t *lines_out)
{
    size_t cap = 4u << 20, len = 0, lines = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    const char *eol = cr_only ? "\r" : "\r\n";
    for (size_t i = 0; len + 200 < cap - (1u << 16); i++) {
        int item = (int)(i / 300);
        const char *value = i == bad_row ? "1.5x" : "2.25";
        if (i == bad_row)
            *lines_out = lines + 1;
        if (item % 3 == 0)
            len += (size_t)sprintf(t + len, "\"it,em \"\"%d\"\"\nline\r\ntwo\",2020-%02d-%02d,%s%s",
                                   item, 1 + (int)(i % 300) / 28,
                                   1 + (int)(i % 300) % 28, value, eol);
        else
            len += (size_t)sprintf(t + len, "item%d,2020-%02d-%02d,%s%s", item,
                                   1 + (int)(i % 300) / 28,
                                   1 + (int)(i % 300) % 28, value, eol);
        lines += item % 3 == 0 ? 3 : 1; /* two LFs inside the quotes */
        if (i % 1000 == 999) {
            len += (size_t)sprintf(t + len, "%s", eol);
            lines++;
        }
    }
    t[len] = '\0';
    return t;
}

START_TEST(threads_and_block_boundaries)
{
    for (int cr_only = 0; cr_only < 2; cr_only++) {
        size_t bad_line = 0;
        char *text = big_text(cr_only, (size_t)-1, &bad_line);
        ck_assert_uint_gt(strlen(text), 3u << 20);
        /* plain files are mapped, gzip ones go through zlib's buffer and
         * carry partial rows from one read to the next */
        const char *gzpath = write_gz("big.csv.gz", text);
        hc_dataset_options o = std_opts(write_file("big.csv", text), HC_FREQ_D);
        free(text);
        o.threads = 1;
        hc_dataset *a = read_ok(&o);
        o.threads = 4;
        hc_dataset *b = read_ok(&o);
        assert_same(a, b);
        hc_dataset_free(b);
        o.path = gzpath;
        b = read_ok(&o);
        assert_same(a, b);
        hc_dataset_free(b);
        o.threads = 1;
        b = read_ok(&o);
        assert_same(a, b);
        const hc_series *q = find_series(a, "it,em \"0\"\nline\r\ntwo");
        ck_assert_double_eq(a->values[q->offset], 2.25);
        hc_dataset_free(a);
        hc_dataset_free(b);

        text = big_text(cr_only, 60000, &bad_line);
        o.path = write_file("big_bad.csv", text);
        free(text);
        for (int threads = 1; threads <= 4; threads += 3) {
            o.threads = threads;
            read_fails(&o, HC_ERR_INVALID_INPUT, (long)bad_line, 3,
                       "'1.5x' is not a number");
        }
    }
}
END_TEST

/* The row parser's fast paths must agree with the general parsers on every
 * text they accept, and decline whatever those reject. Numbers: random
 * decimals of 1-18 digits with and without sign, dot, leading zeros, plus
 * edge texts. Timestamps: every day of 1999-2001 and 2399-2401 (leap
 * rules), random times, and broken variants, in each format. */
START_TEST(fast_paths_agree_with_general_parsers)
{
    static const char *const edge[] = {"0", "-0", "0.0", "-0.000", "1.", ".5", "+1.5",
                                       "1e3", "007.50", "123456789012345",
                                       "1234567890123456", "0.000000000000001",
                                       "9007199254740993", "-", "", "1..2", "1.2.3",
                                       "NaN", "inf", " 1", "1 ", "0x10"};
    size_t accepted = 0;
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
        double a = 0, b = 0;
        int fa = scan_fast_decimal(edge[i], strlen(edge[i]), &a);
        int gb = hc_parse_double(edge[i], strlen(edge[i]), &b) == 0;
        if (fa) {
            ck_assert_msg(gb && memcmp(&a, &b, sizeof a) == 0, "'%s': %.17g vs %.17g",
                          edge[i], a, b);
            accepted++;
        }
    }
    ck_assert_uint_eq(accepted, 6); /* 0 -0 0.0 -0.000 007.50 123456789012345 */
    char text[64];
    for (int k = 0; k < 200000; k++) {
        int ndig = 1 + (int)rnd(18), dot = (int)rnd(ndig + 2) - 1, len = 0;
        if (rnd(3) == 0)
            text[len++] = '-';
        for (int d = 0; d < ndig; d++) {
            if (d == dot && d > 0)
                text[len++] = '.';
            text[len++] = (char)('0' + rnd(10));
        }
        double a = 0, b = 0;
        int fa = scan_fast_decimal(text, (size_t)len, &a);
        int gb = hc_parse_double(text, (size_t)len, &b) == 0;
        ck_assert_msg(!fa || (gb && memcmp(&a, &b, sizeof a) == 0),
                      "'%.*s': %.17g vs %.17g", len, text, a, b);
        if (ndig <= 15)
            ck_assert_msg(fa, "'%.*s' declined", len, text);
    }

    static const hc_ts_format fmts[] = {HC_TSFMT_AUTO, HC_TSFMT_DATE, HC_TSFMT_DATETIME,
                                        HC_TSFMT_ISO8601};
    static const int years[] = {1999, 2000, 2001, 2399, 2400, 2401};
    scan_ts_cache cache = SCAN_TS_CACHE_INIT;
    size_t fast = 0;
    for (size_t f = 0; f < 4; f++) {
        for (size_t yi = 0; yi < 6; yi++) {
            for (int mo = 0; mo <= 13; mo++) {
                for (int d = 0; d <= 32; d++) {
                    int h = (int)rnd(26), mi = (int)rnd(61), sec = (int)rnd(61);
                    int with_time = (int)rnd(2), broken = rnd(10) == 0;
                    int n = with_time ? snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d",
                                                 years[yi], mo, d, h, mi, sec)
                                      : snprintf(text, sizeof text, "%04d-%02d-%02d",
                                                 years[yi], mo, d);
                    if (broken)
                        text[rnd((unsigned)n)] = "x:- T9"[rnd(6)];
                    int64_t a = 0, b = 0;
                    size_t bad = 0;
                    int fa = scan_fast_ts(text, (size_t)n, fmts[f], &cache, &a);
                    int gb = hc_parse_timestamp(text, (size_t)n, fmts[f], &b, &bad) == 0;
                    ck_assert_msg(!fa || (gb && a == b), "'%s' fmt %zu: %lld vs %lld", text,
                                  f, (long long)a, (long long)b);
                    if (gb && !broken && fmts[f] != HC_TSFMT_ISO8601)
                        ck_assert_msg(fa, "'%s' fmt %zu declined", text, f);
                    fast += (size_t)fa;
                }
            }
        }
    }
    ck_assert_uint_gt(fast, 1000);
}
END_TEST

/* Snapshots of several 8 MiB chunks: the file is the same for 1 and 4
 * threads, loads give the same dataset with 1 and 4 threads, and a byte
 * flipped in the second values chunk is caught. */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    ck_assert_ptr_nonnull(fa);
    ck_assert_ptr_nonnull(fb);
    int same = 1, ca, cb;
    do {
        ca = fgetc(fa);
        cb = fgetc(fb);
        if (ca != cb)
            same = 0;
    } while (same && ca != EOF);
    fclose(fa);
    fclose(fb);
    return same;
}

/* An opened snapshot gives, series by series, the loaded dataset's bits. */
static void assert_opened_same(const hc_dataset *loaded, const char *path, int threads)
{
    hc_error err;
    hc_dataset *o = NULL;
    ck_assert_msg(hc_dataset_open(&o, path, threads, &err) == 0, "%s", err.message);
    ck_assert_ptr_null(o->values);
    ck_assert_ptr_null(o->filled);
    ck_assert_uint_eq(o->nseries, loaded->nseries);
    ck_assert_uint_eq(o->nvalues, loaded->nvalues);
    ck_assert_int_eq(o->end_step, loaded->end_step);
    size_t longest = hc_dataset_longest_series(o);
    double *v = malloc((longest + 1) * sizeof *v);
    uint8_t *f = malloc(longest + 1);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < o->nseries; i++) {
        const hc_series *a = &loaded->series[i], *b = &o->series[i];
        ck_assert_str_eq(a->item_id, b->item_id);
        ck_assert_uint_eq(a->length, b->length);
        ck_assert_uint_le(b->length, longest);
        const double *bv = hc_dataset_series_values(o, i, v);
        const uint8_t *bf = hc_dataset_series_filled(o, i, f);
        ck_assert_int_eq(memcmp(loaded->values + a->offset, bv, a->length * sizeof(double)), 0);
        ck_assert_int_eq(memcmp(loaded->filled + a->offset, bf, a->length), 0);
        /* a loaded dataset's accessors point into its arrays */
        ck_assert_ptr_eq(hc_dataset_series_values(loaded, i, v), loaded->values + a->offset);
    }
    free(v);
    free(f);
    hc_dataset_free(o);
}

/* The encodings keep every value's bits: short decimals become scaled
 * integers, anything else (NaN, infinities, -0, subnormals, 17-digit
 * values, ranges past 32 bits) stays raw. The file size shows which
 * encoding each series got. */
START_TEST(snapshot_encodings_keep_bits)
{
    static const double edge[][4] = {
        {0.1, 0.2, 0.3, -0.7},              /* 8-bit, scale 1 */
        {127, -128, 0, 5},                  /* 8-bit, scale 0 */
        {128, -1, 0, 1},                    /* 16-bit */
        {14.934, 3583.72, 0.001, -2},       /* 32-bit, scale 3 */
        {1e-10, 2e-10, 0, 0},               /* 8-bit, scale 10 */
        {-0.0, 1, 2, 3},                    /* raw: -0 */
        {(double)NAN, 1, 2, 3},             /* raw */
        {(double)INFINITY, 1, 2, 3},        /* raw */
        {5e-324, 1, 2, 3},                  /* raw: subnormal */
        {0.1 + 0.2, 1, 2, 3},               /* raw: 17 significant digits */
        {2e9, 0.5, 0, 0},                   /* raw: 2e10 past 32 bits */
        {2147483647, -2147483647, 0, 0},    /* 32-bit, scale 0 */
        {1e15, 0, 0, 0},                    /* raw: past 32 bits */
    };
    static const size_t width[] = {1, 1, 2, 4, 1, 8, 8, 8, 8, 8, 8, 4, 8};
    enum { NE = sizeof edge / sizeof edge[0], NR = 20000 };
    size_t len[NE + 1];
    int64_t starts[NE + 1];
    const char *ids[NE + 1];
    char idbuf[NE + 1][8];
    double *v = malloc((NE * 4 + NR) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    uint64_t bulk = 0;
    for (size_t s = 0; s < NE; s++) {
        snprintf(idbuf[s], sizeof idbuf[s], "e%02zu", s);
        ids[s] = idbuf[s];
        len[s] = 4;
        starts[s] = 0;
        memcpy(v + 4 * s, edge[s], sizeof edge[s]);
        bulk += 4 * width[s];
    }
    /* One series of random decimals below 2000 in magnitude with 0-6
     * digits after the point, parsed from text as the reader does: 32-bit
     * integers at scale 6. */
    uint64_t st = 12345;
    for (size_t i = 0; i < NR; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        int digits = (int)((st >> 33) % 7);
        double p = 1;
        for (int d = 0; d < digits; d++)
            p *= 10;
        long long range = 2000 * (long long)p;
        long long m = (long long)((st >> 11) % (uint64_t)(2 * range)) - range;
        char text[64];
        snprintf(text, sizeof text, "%.*f", digits, (double)m / p);
        v[NE * 4 + i] = strtod(text, NULL);
    }
    snprintf(idbuf[NE], sizeof idbuf[NE], "r");
    ids[NE] = idbuf[NE];
    len[NE] = NR;
    starts[NE] = 0;
    hc_error err;
    hc_dataset *ds = NULL;
    ck_assert_int_eq(hc_dataset_from_arrays(&ds, HC_FREQ_D, 0, NULL, NE + 1, ids, NULL,
                                            starts, len, v, NULL, &err),
                     0);
    const char *snap = tmp_path("enc.bin");
    ck_assert_int_eq(hc_dataset_save_threads(ds, snap, 3, &err), 0);
    hc_dataset *back = NULL;
    ck_assert_msg(hc_dataset_load_threads(&back, snap, 2, &err) == 0, "%s", err.message);
    assert_same(ds, back);
    assert_opened_same(back, snap, 2);
    struct stat sb;
    ck_assert_int_eq(stat(snap, &sb), 0);
    bulk += (uint64_t)NR * 4;
    uint64_t table = 8 + 6 * 8 + NE * (26 + 4 + 3) + (26 + 4 + 1);
    ck_assert_uint_eq((uint64_t)sb.st_size, 24 + table + bulk + 4);
    hc_dataset_free(back);
    hc_dataset_free(ds);
    free(v);
}
END_TEST

/* A version-1 snapshot (raw doubles and a flag a value, no encoding
 * bytes), written byte by byte here, still loads. */
static void put_le(unsigned char **p, uint64_t x, int n)
{
    for (int i = 0; i < n; i++)
        *(*p)++ = (unsigned char)(x >> (8 * i));
}

START_TEST(snapshot_version1_loads)
{
    unsigned char file[512], *p = file;
    const double vals[3] = {1.5, (double)NAN, -2.25};
    const unsigned char flags[3] = {0, 1, 0};
    memcpy(p, "HCDATA01", 8);
    p += 8;
    put_le(&p, 1, 4); /* version */
    put_le(&p, 0, 4);
    unsigned char *payload_len = p;
    p += 8;
    unsigned char *payload = p;
    put_le(&p, HC_FREQ_D, 4);
    put_le(&p, 0, 4);
    put_le(&p, 1, 8);  /* ndims */
    put_le(&p, 2, 8);  /* nseries */
    put_le(&p, 3, 8);  /* nvalues */
    put_le(&p, 4, 8);  /* nrows_read */
    put_le(&p, 10, 8); /* first_step */
    put_le(&p, 13, 8); /* end_step */
    put_le(&p, 5, 4);
    memcpy(p, "store", 5);
    p += 5;
    const char *items[2] = {"a", "b"}, *stores[2] = {"s1", "s2"};
    const uint64_t start[2] = {10, 12}, length[2] = {2, 1}, offset[2] = {0, 2};
    for (int i = 0; i < 2; i++) {
        put_le(&p, start[i], 8);
        put_le(&p, length[i], 8);
        put_le(&p, offset[i], 8);
        put_le(&p, 1, 4);
        *p++ = (unsigned char)items[i][0];
        put_le(&p, 2, 4);
        memcpy(p, stores[i], 2);
        p += 2;
    }
    for (int i = 0; i < 3; i++) {
        uint64_t bits;
        memcpy(&bits, &vals[i], 8);
        put_le(&p, bits, 8);
    }
    memcpy(p, flags, 3);
    p += 3;
    unsigned char *q = payload_len;
    put_le(&q, (uint64_t)(p - payload), 8);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), file, (uInt)(p - file));
    put_le(&p, crc, 4);
    const char *snap = tmp_path("v1.bin");
    FILE *f = fopen(snap, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(file, 1, (size_t)(p - file), f), (size_t)(p - file));
    fclose(f);

    hc_error err;
    hc_dataset *ds = NULL;
    ck_assert_msg(hc_dataset_load_threads(&ds, snap, 2, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(ds->nseries, 2);
    ck_assert_str_eq(ds->dim_names[0], "store");
    ck_assert_str_eq(ds->series[1].item_id, "b");
    ck_assert_str_eq(ds->series[1].dims[0], "s2");
    ck_assert_int_eq(ds->series[1].start, 12);
    ck_assert(ds->values[0] == 1.5 && isnan(ds->values[1]) && ds->values[2] == -2.25);
    ck_assert(ds->filled[0] == 0 && ds->filled[1] == 1 && ds->filled[2] == 0);
    ck_assert_uint_eq(ds->nrows_read, 4);
    assert_opened_same(ds, snap, 1);
    /* Saved again, it is version 2 and loads to the same dataset. */
    const char *again = tmp_path("v1again.bin");
    ck_assert_int_eq(hc_dataset_save(ds, again, &err), 0);
    f = fopen(again, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char head[12];
    ck_assert_uint_eq(fread(head, 1, 12, f), 12);
    fclose(f);
    ck_assert_int_eq(head[8], 2);
    hc_dataset *back = NULL;
    ck_assert_msg(hc_dataset_load(&back, again, &err) == 0, "%s", err.message);
    assert_same(ds, back);
    hc_dataset_free(back);
    hc_dataset_free(ds);
}
END_TEST

START_TEST(snapshot_chunks_and_threads)
{
    /* 40 series of 60,000 values in all four encodings, flags on every
     * third series: 12 MB of values regions, so several chunks. */
    enum { NS = 40, LEN = 60000 };
    size_t len[NS];
    int64_t starts[NS];
    const char *ids[NS];
    char idbuf[NS][8];
    size_t total = (size_t)NS * LEN;
    double *v = malloc(total * sizeof *v);
    uint8_t *f = calloc(total, 1);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(f);
    for (size_t s = 0; s < NS; s++) {
        snprintf(idbuf[s], sizeof idbuf[s], "s%02zu", (NS - 1 - s));
        ids[s] = idbuf[s];
        len[s] = LEN;
        starts[s] = (int64_t)s;
        for (size_t i = 0; i < LEN; i++) {
            double *x = &v[s * LEN + i];
            switch (s % 4) {
            case 0: *x = (double)i / 3.0 - 7.0; break;        /* raw doubles */
            case 1: *x = (double)(i % 200) - 100.0; break;    /* 8-bit */
            case 2: *x = (double)(i % 6000) / 10.0; break;    /* 16-bit, scale 1 */
            default: *x = (double)i * 0.125 - 3000.0; break;  /* 32-bit, scale 3 */
            }
            if (s % 3 == 0)
                f[s * LEN + i] = (uint8_t)(i % 7 == 0);
        }
    }
    hc_error err;
    hc_dataset *ds = NULL;
    ck_assert_int_eq(hc_dataset_from_arrays(&ds, HC_FREQ_H, 0, NULL, NS, ids, NULL, starts,
                                            len, v, f, &err),
                     0);
    const char *one = tmp_path("chunks1.bin"), *four = tmp_path("chunks4.bin");
    ck_assert_int_eq(hc_dataset_save_threads(ds, one, 1, &err), 0);
    ck_assert_int_eq(hc_dataset_save_threads(ds, four, 4, &err), 0);
    ck_assert(same_file(one, four));
    hc_dataset *a = NULL, *b = NULL;
    ck_assert_msg(hc_dataset_load_threads(&a, one, 1, &err) == 0, "%s", err.message);
    ck_assert_msg(hc_dataset_load_threads(&b, four, 4, &err) == 0, "%s", err.message);
    assert_same(ds, a);
    assert_same(ds, b);
    assert_opened_same(a, one, 1);
    assert_opened_same(a, four, 3);
    hc_dataset_free(a);
    hc_dataset_free(b);

    /* The values regions: 10 series of 8 bytes, 1, 2 and 4 bytes a value,
     * and 14 series' flags (s % 3 == 0), after a 26-byte table entry each. */
    struct stat st;
    ck_assert_int_eq(stat(four, &st), 0);
    uint64_t bulk_bytes = 10ull * LEN * (8 + 1 + 2 + 4) + 14ull * LEN;
    uint64_t table = 8 + 6 * 8 + NS * (26 + 4 + 3);
    ck_assert_uint_eq((uint64_t)st.st_size, 24 + table + bulk_bytes + 4);

    /* A byte flipped in the middle of the values is caught. */
    FILE *fp = fopen(four, "r+b");
    ck_assert_ptr_nonnull(fp);
    fseek(fp, (long)(st.st_size / 2), SEEK_SET);
    int c = fgetc(fp);
    fseek(fp, (long)(st.st_size / 2), SEEK_SET);
    fputc(c ^ 0x01, fp);
    fclose(fp);
    a = (hc_dataset *)0x1;
    ck_assert_int_eq(hc_dataset_load_threads(&a, four, 4, &err), HC_ERR_INTERNAL);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(err.message, "CRC mismatch"));
    a = (hc_dataset *)0x1;
    ck_assert_int_eq(hc_dataset_open(&a, four, 2, &err), HC_ERR_INTERNAL);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(err.message, "CRC mismatch"));

    /* Two-step save: nothing under either name after an abort; the file
     * after finish is the one-step file. */
    const char *two = tmp_path("chunks2.bin");
    char two_tmp[1100];
    snprintf(two_tmp, sizeof two_tmp, "%s.tmp", two);
    hc_dataset_saving *sv = NULL;
    ck_assert_int_eq(hc_dataset_save_start(&sv, ds, two, 2, &err), 0);
    ck_assert_int_eq(access(two_tmp, F_OK), 0);
    hc_dataset_save_abort(sv);
    ck_assert_int_ne(access(two_tmp, F_OK), 0);
    ck_assert_int_ne(access(two, F_OK), 0);
    ck_assert_int_eq(hc_dataset_save_start(&sv, ds, two, 2, &err), 0);
    ck_assert_int_ne(access(two, F_OK), 0);
    ck_assert_int_eq(hc_dataset_save_finish(sv, &err), 0);
    ck_assert_int_ne(access(two_tmp, F_OK), 0);
    ck_assert(same_file(one, two));
    hc_dataset_save_abort(NULL);
    hc_dataset_free(ds);
    free(v);
    free(f);
}
END_TEST


/* ---- keeping one shard's series ---------------------------------------- */

/* Four items in file order d, b, c, a (key order a, b, c, d), daily:
 *   d: 2020-01-01..01-03 = 10, 11, 12
 *   b: 01-02 = 20, 01-04 = 21 (01-03 middle-filled with zero)
 *   c: 01-02 = 30 (01-03, 01-04 backfilled with zero)
 *   a: 01-03 = 40, 01-04 = 41
 * Dataset: first_step = step of 01-01 (d), end_step = step of 01-04. */
static const char keep_csv[] =
    "d,2020-01-01,10\n"
    "d,2020-01-02,11\n"
    "b,2020-01-02,20\n"
    "c,2020-01-02,30\n"
    "d,2020-01-03,12\n"
    "a,2020-01-03,40\n"
    "b,2020-01-04,21\n"
    "a,2020-01-04,41\n";

START_TEST(keep_series_keeps_dataset_metadata)
{
    const char *path = write_file("keep.csv", keep_csv);
    hc_dataset_options o = std_opts(path, HC_FREQ_D);
    hc_dataset *ds = read_ok(&o);
    int64_t jan1 = ds->first_step;
    ck_assert_uint_eq(ds->nseries, 4);
    ck_assert_int_eq(ds->end_step, jan1 + 3);
    ck_assert_uint_eq(ds->nrows_read, 8);
    hc_error err;
    /* Keep b and c (series 1 and 2 in key order). */
    ck_assert_int_eq(hc_dataset_keep_series(ds, 1, 2, &err), 0);
    ck_assert_uint_eq(ds->nseries, 2);
    ck_assert_uint_eq(ds->nvalues, 3 + 3); /* b: 01-02..01-04, c: 01-02..01-04 */
    ck_assert_str_eq(ds->series[0].item_id, "b");
    ck_assert_str_eq(ds->series[1].item_id, "c");
    ck_assert_int_eq(ds->series[0].start, jan1 + 1);
    ck_assert_int_eq(ds->series[1].start, jan1 + 1);
    /* Values and flags moved to key order, offsets packed from 0. */
    ck_assert_uint_eq(ds->series[0].offset, 0);
    ck_assert_uint_eq(ds->series[1].offset, 3);
    const double want_v[] = {20, 0, 21, 30, 0, 0};
    const uint8_t want_f[] = {0, 1, 0, 0, 1, 1};
    for (size_t i = 0; i < 6; i++) {
        ck_assert_double_eq(ds->values[i], want_v[i]);
        ck_assert_uint_eq(ds->filled[i], want_f[i]);
    }
    /* The whole dataset's first and end steps and row count stay: d (the
     * only item on 01-01) was dropped, yet first_step is still 01-01. */
    ck_assert_int_eq(ds->first_step, jan1);
    ck_assert_int_eq(ds->end_step, jan1 + 3);
    ck_assert_uint_eq(ds->nrows_read, 8);

    /* The snapshot keeps them too. */
    const char *snap = tmp_path("keep.bin");
    ck_assert_int_eq(hc_dataset_save(ds, snap, &err), 0);
    hc_dataset *back = NULL;
    ck_assert_int_eq(hc_dataset_load(&back, snap, &err), 0);
    assert_same(ds, back);
    ck_assert_int_eq(back->first_step, jan1);
    hc_dataset_free(back);

    /* Out of range is refused and changes nothing. */
    ck_assert_int_eq(hc_dataset_keep_series(ds, 1, 2, &err), HC_ERR_INVALID_INPUT);
    ck_assert_uint_eq(ds->nseries, 2);
    /* The last one alone, then none. */
    ck_assert_int_eq(hc_dataset_keep_series(ds, 1, 1, &err), 0);
    ck_assert_str_eq(ds->series[0].item_id, "c");
    ck_assert_uint_eq(ds->nvalues, 3);
    ck_assert_double_eq(ds->values[0], 30);
    ck_assert_uint_eq(ds->filled[2], 1);
    ck_assert_int_eq(hc_dataset_keep_series(ds, 0, 0, &err), 0);
    ck_assert_uint_eq(ds->nseries, 0);
    ck_assert_uint_eq(ds->nvalues, 0);
    ck_assert_int_eq(ds->first_step, jan1);
    ck_assert_int_eq(ds->end_step, jan1 + 3);
    /* An empty share saves and loads. */
    const char *snap0 = tmp_path("keep0.bin");
    ck_assert_int_eq(hc_dataset_save(ds, snap0, &err), 0);
    ck_assert_int_eq(hc_dataset_load(&back, snap0, &err), 0);
    ck_assert_uint_eq(back->nseries, 0);
    ck_assert_int_eq(back->end_step, jan1 + 3);
    hc_dataset_free(back);
    hc_dataset_free(ds);
}
END_TEST

START_TEST(keep_series_with_dimensions)
{
    const char *path = write_file("keepdims.csv", dims_csv);
    hc_dataset_options o = dims_opts(path);
    hc_dataset *ds = read_ok(&o);
    hc_error err;
    /* Key order (i0,s9,r9)=4, (i1,s1,r1)=3, (i1,s1,r2)=2, (i1,s2,r1)=1;
     * keep the last two. */
    ck_assert_int_eq(hc_dataset_keep_series(ds, 2, 2, &err), 0);
    ck_assert_uint_eq(ds->nseries, 2);
    expect_key(ds, 0, "i1", "s1", "r2", 2);
    expect_key(ds, 1, "i1", "s2", "r1", 1);
    ck_assert_str_eq(ds->dim_names[0], "store");
    ck_assert_str_eq(ds->dim_names[1], "region");
    hc_dataset_free(ds);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, NULL, remove_created);
    tcase_add_test(tc, aggregate_hourly_to_daily);
    tcase_add_test(tc, aggregation_none_rejects_second_row);
    tcase_add_test(tc, weeks_and_months);
    tcase_add_test(tc, fill_methods);
    tcase_add_test(tc, fill_window_is_64_most_recent);
    tcase_add_test(tc, late_start_and_items_without_values);
    tcase_add_test(tc, dimensions_select_and_order);
    tcase_add_test(tc, header_on_and_off);
    tcase_add_test(tc, gzip_crlf_quotes_blank_lines);
    tcase_add_test(tc, errors_with_line_and_column);
    tcase_add_test(tc, one_step_rows_read_as_field_by_field);
    tcase_add_test(tc, schema_errors);
    tcase_add_test(tc, truncated_gzip);
    tcase_add_test(tc, absurd_span_is_refused);
    tcase_add_test(tc, dense_limit_counts_every_item);
    tcase_add_test(tc, from_arrays_sorts_and_copies);
    tcase_add_test(tc, snapshot_round_trip_and_corruption);
    tcase_add_test(tc, parse_helpers);
    tcase_add_test(tc, amazon_electricity_sample);
    tcase_add_test(tc, streaming_and_rows_paths_agree);
    tcase_add_test(tc, chains_across_blocks_agree_with_rows_path);
    tcase_add_test(tc, threads_and_block_boundaries);
    tcase_add_test(tc, fast_paths_agree_with_general_parsers);
    tcase_add_test(tc, snapshot_chunks_and_threads);
    tcase_add_test(tc, snapshot_encodings_keep_bits);
    tcase_add_test(tc, snapshot_version1_loads);
    tcase_add_test(tc, records_quotes_crlf_bom);
    tcase_add_test(tc, records_malformed_quotes);
    tcase_add_test(tc, records_stop_fail_and_open_errors);
    tcase_add_test(tc, records_across_blocks);
    tcase_add_test(tc, keep_series_keeps_dataset_metadata);
    tcase_add_test(tc, keep_series_with_dimensions);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

/* Forecasted-values reader (src/evalfiles): layout, order, CSV details,
 * errors with file, line and column. Expected values are read off the
 * hand-written files next to each test. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "evalfiles/evalfiles.h"
#include "hc_check.h"
#include "hindcast/calendar.h"

static char created[16][1024];
static int ncreated;

/* Writes text to a unique file under $HINDCAST_TEST_TMP; returns its path. */
static const char *write_file(const char *name, const char *text)
{
    const char *dir = getenv("HINDCAST_TEST_TMP");
    if (!dir || !*dir)
        dir = "/tmp";
    hc_check_mkdir_p(dir, 0777);
    ck_assert_int_lt(ncreated, 16);
    char *p = created[ncreated++];
    snprintf(p, 1024, "%s/evalfiles_%ld_%s", dir, (long)getpid(), name);
    FILE *fp = fopen(p, "wb");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
    return p;
}

static void remove_files(void)
{
    for (int i = 0; i < ncreated; i++)
        unlink(created[i]);
    ncreated = 0;
}

static int64_t at(const char *text)
{
    int64_t t;
    size_t bad;
    ck_assert_int_eq(hc_parse_timestamp(text, strlen(text), HC_TSFMT_AUTO, &t, &bad), 0);
    return t;
}

/* Reads one file and expects an InvalidInput error whose message ends with
 * `where_and_what` after the path (e.g. ":3:7: p65 '5.x' is not"). */
static void expect_read_error(const char *name, const char *text, const char *want)
{
    const char *path = write_file(name, text);
    hc_fv_table *t = NULL;
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_fv_read(&t, &path, 1, NULL, &err);
    ck_assert_int_eq(rc, HC_ERR_INVALID_INPUT);
    ck_assert_ptr_null(t);
    ck_assert_msg(strncmp(err.message, path, strlen(path)) == 0 &&
                      strstr(err.message + strlen(path), want) == err.message + strlen(path),
                  "message '%s' lacks '%s'", err.message, want);
    remove_files();
}

#define HDR "backtestwindow_start_time,backtestwindow_end_time"

/* Dimensions, types out of order, rows out of order.
 * Keys: (b,s1), (a,s2), (a,s1) -> key order a/s1, a/s2, b/s1.
 * Windows: 01-03..01-04 first seen, then 01-01..01-02 -> oldest first is
 * the second one seen. */
START_TEST(layout_and_order)
{
    const char *path = write_file(
        "layout.csv",
        "item_id,store,timestamp,target_value," HDR ",p90,mean,p10\n"
        "b,s1,2024-01-04T00:00:00.000Z,4,2024-01-03T00:00:00,2024-01-04T00:00:00,9,5,1\n"
        "a,s2,2024-01-01T00:00:00.000Z,7,2024-01-01T00:00:00,2024-01-02T00:00:00,8,6,2\n"
        "b,s1,2024-01-03T00:00:00.000Z,3,2024-01-03T00:00:00,2024-01-04T00:00:00,7,4,0.5\n"
        "a,s1,2024-01-02T00:00:00.000Z,,2024-01-01T00:00:00,2024-01-02T00:00:00,1,1,1\n"
        "a,s1,2024-01-01T00:00:00.000Z,2.5,2024-01-01T00:00:00,2024-01-02T00:00:00,3,2,-1E1\n");
    hc_fv_table *t = NULL;
    hc_error err;
    hc_error_clear(&err);
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, NULL, &err), 0);
    ck_assert_int_eq(hc_fv_sort(t, &err), 0);
    ck_assert_uint_eq(t->ndims, 1);
    ck_assert_str_eq(t->dim_names[0], "store");
    ck_assert_uint_eq(t->ntypes, 3);
    ck_assert_int_eq(t->mean_type, 1);
    ck_assert_int_eq(t->p50_type, -1);
    ck_assert_uint_eq(t->nq, 2);
    ck_assert(t->taus[0] == 0.1 && t->taus[1] == 0.9);
    ck_assert_uint_eq(t->quant_type[0], 2); /* p10 is type 2 */
    ck_assert_uint_eq(t->quant_type[1], 0);
    ck_assert_uint_eq(t->nkeys, 3);
    ck_assert_uint_eq(t->nrows, 5);
    const char *item, *dims[1];
    const char *want[3][2] = {{"a", "s1"}, {"a", "s2"}, {"b", "s1"}};
    for (uint32_t r = 0; r < 3; r++) {
        hc_fv_key_fields(t, t->item_order[r], &item, dims);
        ck_assert_str_eq(item, want[r][0]);
        ck_assert_str_eq(dims[0], want[r][1]);
    }
    ck_assert_uint_eq(t->nwindows, 2);
    ck_assert(t->windows[t->window_order[0]].start == at("2024-01-01T00:00:00"));
    ck_assert(t->windows[t->window_order[1]].end == at("2024-01-04T00:00:00"));
    /* Sorted: a/s1 (file rows 4, 3), a/s2 (1), b/s1 (2, 0). */
    const size_t rows[5] = {4, 3, 1, 2, 0};
    const uint32_t items[5] = {0, 0, 1, 2, 2}, wins[5] = {0, 0, 0, 1, 1};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(t->sorted[i].row, rows[i]);
        ck_assert_uint_eq(t->sorted[i].item, items[i]);
        ck_assert_uint_eq(t->sorted[i].window, wins[i]);
    }
    /* The empty actual is missing (NaN); forecasts parse in place. */
    ck_assert(isnan(t->target[3]));
    ck_assert(t->target[4] == 2.5);
    ck_assert(t->values[2][4] == -10.0);
    ck_assert(t->values[1][2] == 4.0);
    hc_fv_free(t);
    remove_files();
}
END_TEST

/* BOM, CRLF line ends, a quoted item id holding a comma and a line break:
 * the bad number on the 4th record sits on physical line 5 (the header is
 * line 1, the quoted field spans lines 2-3), in field 6. */
START_TEST(quoted_crlf_bom_lines)
{
    const char *text =
        "\xEF\xBB\xBFitem_id,timestamp,target_value," HDR ",mean\r\n"
        "\"x,\r\ny\",2024-01-01,1,2024-01-01,2024-01-02,1\r\n"
        "x,2024-01-01,1,2024-01-01,2024-01-02,1\r\n"
        "x,2024-01-02,1,2024-01-01,2024-01-02,one\r\n";
    expect_read_error("crlf.csv", text, ":5:6: mean 'one' is not a number");

    const char *good =
        "\xEF\xBB\xBFitem_id,timestamp,target_value," HDR ",mean\r\n"
        "\"x,\r\ny\",2024-01-01,1,2024-01-01,2024-01-02,1\r\n";
    const char *path = write_file("crlf-good.csv", good);
    hc_fv_table *t = NULL;
    hc_error err;
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, NULL, &err), 0);
    ck_assert_str_eq(t->columns[0], "item_id");
    ck_assert_uint_eq(t->nkeys, 1);
    ck_assert_str_eq(t->key_bytes, "x,\r\ny");
    hc_fv_free(t);
    remove_files();
}
END_TEST

/* An empty file adds nothing; a header repeated inside a file (parts
 * joined with cat) is skipped; 2 + 1 data rows. */
START_TEST(repeated_header_and_empty_file)
{
    const char *paths[2];
    paths[0] = write_file("empty.csv", "");
    paths[1] = write_file("joined.csv",
                          "item_id,timestamp,target_value," HDR ",p50\n"
                          "a,2024-01-01,1,2024-01-01,2024-01-02,1\n"
                          "\n"
                          "a,2024-01-02,1,2024-01-01,2024-01-02,1\n"
                          "item_id,timestamp,target_value," HDR ",p50\n"
                          "b,2024-01-01,1,2024-01-01,2024-01-02,1\n");
    hc_fv_table *t = NULL;
    hc_error err;
    ck_assert_int_eq(hc_fv_read(&t, paths, 2, NULL, &err), 0);
    ck_assert_uint_eq(t->nrows, 3);
    ck_assert_uint_eq(t->nfiles, 2);
    ck_assert_int_eq(t->p50_type, 0);
    ck_assert(t->taus[0] == 0.5);
    hc_fv_free(t);

    t = NULL;
    ck_assert_int_eq(hc_fv_read(&t, paths, 1, NULL, &err), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "no forecasted-values header found"));
    remove_files();
}
END_TEST

/* The same (item, window, timestamp) in two files: the error names the
 * later row (b.csv line 3) and the earlier one (a.csv line 2). */
START_TEST(duplicate_across_files)
{
    const char *paths[2];
    paths[0] = write_file("a.csv", "item_id,timestamp,target_value," HDR ",mean\n"
                                   "k,2024-01-02,1,2024-01-01,2024-01-02,1\n");
    paths[1] = write_file("b.csv", "item_id,timestamp,target_value," HDR ",mean\n"
                                   "k,2024-01-01,1,2024-01-01,2024-01-02,1\n"
                                   "k,2024-01-02,1,2024-01-01,2024-01-02,2\n");
    hc_fv_table *t = NULL;
    hc_error err;
    ck_assert_int_eq(hc_fv_read(&t, paths, 2, NULL, &err), 0);
    ck_assert_int_eq(hc_fv_sort(t, &err), HC_ERR_INVALID_INPUT);
    char want[2400];
    snprintf(want, sizeof want,
             "%s:3: duplicate row: item 'k', timestamp 2024-01-02T00:00:00.000Z in "
             "the backtest window starting 2024-01-01T00:00:00 is also at %s:2",
             paths[1], paths[0]);
    ck_assert_str_eq(err.message, want);
    ck_assert_int_eq(err.line, 3);
    hc_fv_free(t);
    remove_files();
}
END_TEST

/* A gzip file reads like the plain one. */
START_TEST(gzip_input)
{
    const char *path = write_file("g.csv.gz", "");
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    gzputs(gz, "item_id,timestamp,target_value," HDR ",mean\n"
               "k,2024-01-01,3.5,2024-01-01,2024-01-01,1\n");
    ck_assert_int_eq(gzclose(gz), Z_OK);
    hc_fv_table *t = NULL;
    hc_error err;
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, NULL, &err), 0);
    ck_assert_uint_eq(t->nrows, 1);
    ck_assert(t->target[0] == 3.5);
    hc_fv_free(t);
    remove_files();
}
END_TEST

START_TEST(header_errors)
{
    expect_read_error("h1.csv", "id,timestamp\n", ":1:1: the header must start with item_id");
    expect_read_error("h2.csv", "item_id,time,target_value\n",
                      ":1:3: the header has no timestamp column");
    expect_read_error("h3.csv", "item_id,timestamp,target," HDR ",mean\n",
                      ":1:3: expected the column target_value here");
    expect_read_error("h4.csv", "item_id,timestamp,target_value," HDR "\n",
                      ":1:5: the header names no forecast type column");
    expect_read_error("h5.csv", "item_id,timestamp,target_value," HDR ",p10,mean,p10\n",
                      ":1:8: the forecast type column 'p10' appears twice");
    expect_read_error("h6.csv", "item_id,timestamp,target_value," HDR ",p1,p2,p3,p4,p5,p6\n",
                      ":1:11: more than 5 quantile columns");
    expect_read_error("h7.csv", "item_id,timestamp,target_value," HDR ",p0\n",
                      ":1:6: 'p0' is not a forecast type column");
    expect_read_error("h8.csv", "item_id,timestamp,target_value," HDR ",p100\n",
                      ":1:6: 'p100' is not a forecast type column");
    expect_read_error("h9.csv", "item_id,d,d,timestamp,target_value," HDR ",mean\n",
                      ":1:3: the dimension column 'd' appears twice");
    /* p5 is 0.05 (and sorts below p10). */
    const char *path = write_file("p5.csv", "item_id,timestamp,target_value," HDR
                                            ",p10,p5\n");
    hc_fv_table *t = NULL;
    hc_error err;
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, NULL, &err), 0);
    ck_assert(t->taus[0] == 0.05 && t->taus[1] == 0.1);
    ck_assert_uint_eq(t->quant_type[0], 1);
    hc_fv_free(t);
    remove_files();
}
END_TEST

START_TEST(row_errors)
{
    const char *h = "item_id,timestamp,target_value," HDR ",mean\n";
    char text[512];
    snprintf(text, sizeof text, "%s,2024-01-01,1,2024-01-01,2024-01-02,1\n", h);
    expect_read_error("r1.csv", text, ":2:1: item_id is empty");
    snprintf(text, sizeof text, "%sk,2024-01-01,1,2024-01-02,2024-01-01,1\n", h);
    expect_read_error("r2.csv", text,
                      ":2:5: backtestwindow_end_time 2024-01-01 is before "
                      "backtestwindow_start_time 2024-01-02");
    snprintf(text, sizeof text, "%sk,2024-01-01,1,2024-01-01,2024-01-02,\n", h);
    expect_read_error("r3.csv", text, ":2:6: the mean forecast is empty");
    snprintf(text, sizeof text, "%sk,2024-01-01, 1,2024-01-01,2024-01-02,1\n", h);
    expect_read_error("r4.csv", text, ":2:3: target_value ' 1' is not a number");
    snprintf(text, sizeof text, "%sk,2024-01-01,1,2024-01-01,2024-01-02,1,9\n", h);
    expect_read_error("r5.csv", text, ":2:7: expected 6 fields as in the header, got 7");
    snprintf(text, sizeof text, "%sk,2024-01-01,1,2024-01-01,2024-01-02,1\n"
                                "k\"x,2024-01-01,1,2024-01-01,2024-01-02,1\n", h);
    expect_read_error("r6.csv", text, ":3:1: malformed CSV");
    snprintf(text, sizeof text, "%s\"k,2024-01-01,1,2024-01-01,2024-01-02,1\n", h);
    expect_read_error("r7.csv", text, ":2:1: malformed CSV: a quoted field is not closed");
    snprintf(text, sizeof text, "%sk,2024-01-01,1,2024-01-01,2024-01-02,1\n"
                                "item_id,timestamp,target_value,x,y,mean\n", h);
    expect_read_error("r8.csv", text, ":3:4: the header differs from the header of ");
}
END_TEST

/* With a predictor: its dataset (items a/s1, b/s1) and windows fix what
 * rows may name; keys are the series numbers. */
START_TEST(predictor_restrictions)
{
    const char *ids[] = {"b", "a"};
    const char *dims[] = {"s1", "s1"};
    const char *dim_names[] = {"store"};
    int64_t starts[] = {0, 0};
    size_t lengths[] = {3, 3};
    double values[] = {1, 2, 3, 4, 5, 6};
    hc_dataset *ds = NULL;
    hc_error err;
    ck_assert_int_eq(hc_dataset_from_arrays(&ds, HC_FREQ_D, 1, dim_names, 2, ids, dims,
                                            starts, lengths, values, NULL, &err), 0);
    int64_t ws[] = {at("1970-01-03")}, we[] = {at("1970-01-03")};
    hc_fv_options o = {ds, 1, ws, we, "predictor P"};
    const char *h = "item_id,store,timestamp,target_value," HDR ",mean\n";
    char text[512];
    hc_fv_table *t = NULL;

    snprintf(text, sizeof text, "%sb,s1,1970-01-03,1,1970-01-03,1970-01-03,1\n", h);
    const char *path = write_file("ok.csv", text);
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, &o, &err), 0);
    ck_assert_uint_eq(t->nkeys, 2);          /* every series of the dataset */
    ck_assert_uint_eq(t->row_key[0], 1);     /* b is series 1 (sorted) */
    ck_assert_str_eq(t->key_bytes + t->key_off[0], "a");
    hc_fv_free(t);
    t = NULL;

    struct {
        const char *row, *want;
    } cases[] = {
        {"c,s1,1970-01-03,1,1970-01-03,1970-01-03,1\n",
         ":2:1: the item 'c,s1' is not in the dataset of predictor P"},
        {"a,s1,1970-01-02,1,1970-01-02,1970-01-02,1\n",
         ":2:5: the backtest window 1970-01-02T00:00:00 to 1970-01-02T00:00:00 is "
         "not one of the backtest windows of predictor P (starting 1970-01-03T00:00:00)"},
        {"a,s1,1970-01-03,1,1970-01-03,1970-01-04,1\n",
         ":2:6: the backtest window starting 1970-01-03T00:00:00 ends at "
         "1970-01-04T00:00:00 here, but the window of predictor P ends at "
         "1970-01-03T00:00:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s%s", h, cases[i].row);
        path = write_file("bad.csv", text);
        ck_assert_int_eq(hc_fv_read(&t, &path, 1, &o, &err), HC_ERR_INVALID_INPUT);
        ck_assert_msg(strstr(err.message, cases[i].want), "%s", err.message);
        remove_files();
    }
    path = write_file("nodims.csv", "item_id,timestamp,target_value," HDR ",mean\n");
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, &o, &err), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, ":1:1: the dimension columns (none) differ "
                                              "from the ForecastDimensions of predictor P "
                                              "(store)"));
    hc_dataset_free(ds);
    remove_files();
}
END_TEST

/* A directory: its .csv and .csv.gz files in name order; hidden files and
 * other names are skipped; a missing path is named. */
START_TEST(directories_and_missing_paths)
{
    const char *dir = getenv("HINDCAST_TEST_TMP");
    char d[1024], p[1100];
    snprintf(d, sizeof d, "%s/evalfiles_dir_%ld", dir && *dir ? dir : "/tmp", (long)getpid());
    hc_check_mkdir_p(d, 0777);
    const char *names[] = {"x_part1.csv", "x_part0.csv", ".x_part2.csv.tmp", "notes.txt"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", d, names[i]);
        FILE *fp = fopen(p, "w");
        ck_assert_ptr_nonnull(fp);
        fprintf(fp, "item_id,timestamp,target_value," HDR ",mean\nk%d,2024-01-01,1,"
                    "2024-01-01,2024-01-01,1\n", i);
        fclose(fp);
    }
    const char *path = d;
    hc_fv_table *t = NULL;
    hc_error err;
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, NULL, &err), 0);
    ck_assert_uint_eq(t->nfiles, 2);
    ck_assert_ptr_nonnull(strstr(t->files[0], "/x_part0.csv"));
    ck_assert_ptr_nonnull(strstr(t->files[1], "/x_part1.csv"));
    ck_assert_str_eq(t->key_bytes + t->key_off[0], "k1"); /* part0 holds k1 */
    hc_fv_free(t);
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", d, names[i]);
        unlink(p);
    }
    t = NULL;
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, NULL, &err), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, ": the directory holds no .csv or .csv.gz file"));
    rmdir(d);
    snprintf(p, sizeof p, "%s/none.csv", d);
    path = p;
    ck_assert_int_eq(hc_fv_read(&t, &path, 1, NULL, &err), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "none.csv: cannot read the forecasted values"));
    ck_assert_int_eq(hc_fv_read(&t, &path, 0, NULL, &err), HC_ERR_INVALID_INPUT);
}
END_TEST

static Suite *evalfiles_suite(void)
{
    Suite *s = suite_create("evalfiles");
    TCase *tc = tcase_create("reader");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, layout_and_order);
    tcase_add_test(tc, quoted_crlf_bom_lines);
    tcase_add_test(tc, repeated_header_and_empty_file);
    tcase_add_test(tc, duplicate_across_files);
    tcase_add_test(tc, gzip_input);
    tcase_add_test(tc, header_errors);
    tcase_add_test(tc, row_errors);
    tcase_add_test(tc, predictor_restrictions);
    tcase_add_test(tc, directories_and_missing_paths);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(evalfiles_suite)

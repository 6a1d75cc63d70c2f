/* Window placement and exclusion (SPEC 3.2, 2.7), worked out by hand. */
#include <math.h>

#include "hc_check.h"
#include "hindcast/dataset.h"
#include "predictor/predictor.h"

/* Two daily items on steps 0..19 (end = 19): "a" complete, "b" starting at
 * step 12 with a filled value at step 17. */
static hc_dataset *make_dataset(void)
{
    const char *ids[] = {"a", "b"};
    int64_t starts[] = {0, 12};
    size_t lengths[] = {20, 8};
    double values[28];
    uint8_t filled[28] = {0};
    for (int i = 0; i < 28; i++)
        values[i] = i;
    filled[20 + (17 - 12)] = 1;
    hc_dataset *ds = NULL;
    hc_error err;
    ck_assert_int_eq(hc_dataset_from_arrays(&ds, HC_FREQ_D, 0, NULL, 2, ids, NULL,
                                            starts, lengths, values, filled, &err),
                     0);
    return ds;
}

static hc_predictor_def make_def(size_t horizon, long offset, int windows)
{
    hc_predictor_def def;
    memset(&def, 0, sizeof def);
    def.horizon = horizon;
    def.offset = offset;
    def.nwindows = windows;
    def.freq = HC_FREQ_D;
    return def;
}

START_TEST(default_offset_gives_adjacent_windows)
{
    hc_dataset *ds = make_dataset();
    ck_assert_int_eq(ds->end_step, 19);
    hc_predictor_def def = make_def(3, 0, 3);
    /* offset = horizon = 3: window k starts at 19 - 3 - 3k + 1 = 17 - 3k,
     * so windows [17,19], [14,16], [11,13]: adjacent, newest ends at 19. */
    ck_assert_int_eq(hc_predictor_offset(&def), 3);
    ck_assert_int_eq(hc_window_start(&def, ds, 0), 17);
    ck_assert_int_eq(hc_window_start(&def, ds, 1), 14);
    ck_assert_int_eq(hc_window_start(&def, ds, 2), 11);
    hc_dataset_free(ds);
}
END_TEST

START_TEST(larger_offset_leaves_gaps)
{
    hc_dataset *ds = make_dataset();
    hc_predictor_def def = make_def(2, 5, 2);
    /* window 0 starts at 19 - 5 + 1 = 15 and covers 15..16 (it ends before
     * the dataset's end); window 1 starts at 19 - 5 - 5 + 1 = 10. */
    ck_assert_int_eq(hc_window_start(&def, ds, 0), 15);
    ck_assert_int_eq(hc_window_start(&def, ds, 1), 10);
    hc_dataset_free(ds);
}
END_TEST

START_TEST(exclusion_rules)
{
    hc_dataset *ds = make_dataset();
    hc_predictor_def def = make_def(3, 0, 3);
    const hc_series *a = &ds->series[0], *b = &ds->series[1];
    size_t n = 99;
    /* a, window at 17: trains on steps 0..16 = 17 values. */
    ck_assert_int_eq(hc_window_state_of(&def, a, ds->filled + a->offset, 17, &n), HC_WIN_FITTED);
    ck_assert_uint_eq(n, 17);
    /* b, window at 17..19 contains the filled step 17. */
    ck_assert_int_eq(hc_window_state_of(&def, b, ds->filled + b->offset, 17, &n), HC_WIN_FILLED);
    /* b, window at 14..16: trains on 12..13 = 2 values. */
    ck_assert_int_eq(hc_window_state_of(&def, b, ds->filled + b->offset, 14, &n), HC_WIN_FITTED);
    ck_assert_uint_eq(n, 2);
    /* b, window at 12: no observation before it; at 11: starts before b. */
    ck_assert_int_eq(hc_window_state_of(&def, b, ds->filled + b->offset, 12, &n), HC_WIN_NO_HISTORY);
    ck_assert_int_eq(hc_window_state_of(&def, b, ds->filled + b->offset, 11, &n), HC_WIN_NO_HISTORY);
    /* a window running past the series' end is outside it. */
    ck_assert_int_eq(hc_window_state_of(&def, a, ds->filled + a->offset, 18, &n), HC_WIN_OUTSIDE);
    hc_dataset_free(ds);
}
END_TEST

START_TEST(seeds_are_stable_and_distinct)
{
    hc_dataset *ds = make_dataset();
    uint64_t a0 = hc_fit_seed(&ds->series[0], 0, 0);
    ck_assert_uint_eq(a0, hc_fit_seed(&ds->series[0], 0, 0));
    ck_assert_uint_ne(a0, hc_fit_seed(&ds->series[0], 0, 1));
    ck_assert_uint_ne(a0, hc_fit_seed(&ds->series[1], 0, 0));
    hc_dataset_free(ds);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("windows");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, default_offset_gives_adjacent_windows);
    tcase_add_test(tc, larger_offset_leaves_gaps);
    tcase_add_test(tc, exclusion_rules);
    tcase_add_test(tc, seeds_are_stable_and_distinct);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

/* calendar: civil dates, step arithmetic, timestamp parsing and writing.
 * Epoch values were worked out by hand from well-known anchors:
 *   1900-01-01 = day -25567, 2000-01-01 = day 10957, 2014-01-01 = day 16071,
 *   2017-01-01 = day 17167, 2020-01-01 = day 18262, 2024-01-01 = day 19723,
 * and day counts within the year (Jan 31, Feb 28/29, Mar 31, ...). */
#include <string.h>

#include "hc_check.h"
#include "hindcast/calendar.h"

#define DAY INT64_C(86400)

START_TEST(civil_known_dates)
{
    ck_assert_int_eq(hc_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(hc_days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(hc_days_from_civil(2000, 1, 1), 10957);
    /* 2000 is a leap year (divisible by 400): 10957 + 31 + 29 */
    ck_assert_int_eq(hc_days_from_civil(2000, 2, 29), 10957 + 31 + 28);
    ck_assert_int_eq(hc_days_from_civil(2000, 3, 1), 10957 + 31 + 29);
    /* 1900 is not (divisible by 100, not 400): -25567 + 31 + 28 */
    ck_assert_int_eq(hc_days_from_civil(1900, 1, 1), -25567);
    ck_assert_int_eq(hc_days_from_civil(1900, 3, 1), -25567 + 31 + 28);
    /* 2024 is: 19723 + 31 + 28 = Feb 29 */
    ck_assert_int_eq(hc_days_from_civil(2024, 2, 29), 19723 + 31 + 28);
    ck_assert_int_eq(hc_days_from_civil(2024, 3, 1), 19723 + 31 + 29);
    ck_assert_int_eq(hc_days_from_civil(2024, 12, 31), 19723 + 365);

    int64_t y;
    unsigned m, d;
    hc_civil_from_days(19723 + 31 + 28, &y, &m, &d);
    ck_assert_int_eq(y, 2024);
    ck_assert_uint_eq(m, 2);
    ck_assert_uint_eq(d, 29);
    hc_civil_from_days(-25567 + 31 + 28, &y, &m, &d);
    ck_assert_int_eq(y, 1900);
    ck_assert_uint_eq(m, 3);
    ck_assert_uint_eq(d, 1);
    hc_civil_from_days(-1, &y, &m, &d);
    ck_assert_int_eq(y, 1969);
    ck_assert_uint_eq(m, 12);
    ck_assert_uint_eq(d, 31);
    /* Year 0 (1 BC, proleptic, leap): 0000-03-01 is 719468 days before the
     * epoch (the constant of the era arithmetic); Feb 29 exists. */
    ck_assert_int_eq(hc_days_from_civil(0, 3, 1), -719468);
    hc_civil_from_days(-719469, &y, &m, &d);
    ck_assert_int_eq(y, 0);
    ck_assert_uint_eq(m, 2);
    ck_assert_uint_eq(d, 29);
}
END_TEST

START_TEST(civil_round_trip)
{
    /* Every day from 1600-01-01 to 2400-12-31 maps back to itself, and
     * consecutive days advance the date by exactly one. */
    int64_t first = hc_days_from_civil(1600, 1, 1);
    int64_t last = hc_days_from_civil(2400, 12, 31);
    int64_t py = 1599;
    unsigned pm = 12, pd = 31;
    for (int64_t z = first; z <= last; z++) {
        int64_t y;
        unsigned m, d;
        hc_civil_from_days(z, &y, &m, &d);
        ck_assert_int_eq(hc_days_from_civil(y, m, d), z);
        if (d != 1)
            ck_assert(y == py && m == pm && d == pd + 1);
        else if (m != 1)
            ck_assert(y == py && m == pm + 1);
        else
            ck_assert(y == py + 1 && pm == 12 && pd == 31);
        py = y;
        pm = m;
        pd = d;
    }
}
END_TEST

START_TEST(freq_names_and_seasons)
{
    const char *names[] = {"Y", "M", "W", "D", "H", "30min", "15min", "10min",
                           "5min", "1min"};
    int seasons[] = {1, 12, 52, 7, 24, 2, 4, 6, 12, 60};
    for (int i = 0; i < HC_FREQ_COUNT; i++) {
        hc_freq f;
        ck_assert_int_eq(hc_freq_parse(names[i], &f), 0);
        ck_assert_int_eq(f, i);
        ck_assert_str_eq(hc_freq_name(f), names[i]);
        ck_assert_int_eq(hc_freq_season_length(f), seasons[i]);
    }
    hc_freq f;
    ck_assert_int_eq(hc_freq_parse("d", &f), -1);
    ck_assert_int_eq(hc_freq_parse("60min", &f), -1);
    ck_assert_int_eq(hc_freq_parse("", &f), -1);
    ck_assert_int_eq(hc_freq_parse(NULL, &f), -1);
}
END_TEST

START_TEST(week_starts_monday)
{
    /* 1970-01-05 (day 4) was a Monday: step 0 starts there. */
    ck_assert_int_eq(hc_step_start(HC_FREQ_W, 0), 4 * DAY);
    ck_assert_int_eq(hc_step_of(HC_FREQ_W, 4 * DAY), 0);
    ck_assert_int_eq(hc_step_of(HC_FREQ_W, 4 * DAY - 1), -1);
    /* The epoch (a Thursday) is in the week of Monday 1969-12-29. */
    ck_assert_int_eq(hc_step_of(HC_FREQ_W, 0), -1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_W, -1), -3 * DAY);
    /* 2024-01-01 was a Monday: (19723 - 4) / 7 = 2817 exactly. */
    int64_t mon = 19723 * DAY;
    ck_assert_int_eq(hc_step_of(HC_FREQ_W, mon), 2817);
    ck_assert(hc_step_is_aligned(HC_FREQ_W, mon));
    ck_assert(!hc_step_is_aligned(HC_FREQ_W, mon + DAY));
    ck_assert_int_eq(hc_step_of(HC_FREQ_W, mon + 7 * DAY - 1), 2817);
    ck_assert_int_eq(hc_step_of(HC_FREQ_W, mon + 7 * DAY), 2818);
}
END_TEST

START_TEST(month_and_year_steps)
{
    int64_t jan2014 = 16071 * DAY;
    ck_assert_int_eq(hc_step_of(HC_FREQ_M, jan2014), (2014 - 1970) * 12);
    ck_assert_int_eq(hc_step_of(HC_FREQ_M, jan2014 - 1), (2014 - 1970) * 12 - 1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_M, 528), jan2014);
    /* 2024-03 starts 19723 + 31 + 29 days after the epoch. */
    ck_assert_int_eq(hc_step_start(HC_FREQ_M, 54 * 12 + 2), (19723 + 60) * DAY);
    ck_assert_int_eq(hc_step_of(HC_FREQ_M, (19723 + 60) * DAY - 1), 54 * 12 + 1);
    ck_assert_int_eq(hc_step_of(HC_FREQ_Y, jan2014), 44);
    ck_assert_int_eq(hc_step_of(HC_FREQ_Y, jan2014 - 1), 43);
    ck_assert_int_eq(hc_step_start(HC_FREQ_Y, 44), jan2014);
    ck_assert(hc_step_is_aligned(HC_FREQ_Y, jan2014));
    ck_assert(!hc_step_is_aligned(HC_FREQ_Y, jan2014 + 1));
    ck_assert(hc_step_is_aligned(HC_FREQ_M, jan2014 + 31 * DAY));
}
END_TEST

START_TEST(negative_times)
{
    ck_assert_int_eq(hc_step_of(HC_FREQ_D, -1), -1);
    ck_assert_int_eq(hc_step_of(HC_FREQ_D, -DAY), -1);
    ck_assert_int_eq(hc_step_of(HC_FREQ_D, -DAY - 1), -2);
    ck_assert_int_eq(hc_step_of(HC_FREQ_H, -1), -1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_H, -1), -3600);
    ck_assert_int_eq(hc_step_of(HC_FREQ_30MIN, -1), -1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_30MIN, -1), -1800);
    ck_assert_int_eq(hc_step_of(HC_FREQ_15MIN, -900), -1);
    ck_assert_int_eq(hc_step_of(HC_FREQ_15MIN, -901), -2);
    ck_assert_int_eq(hc_step_of(HC_FREQ_1MIN, -61), -2);
    /* 1969-12 is month step -1 and starts 31 days before the epoch. */
    ck_assert_int_eq(hc_step_of(HC_FREQ_M, -1), -1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_M, -1), -31 * DAY);
    ck_assert_int_eq(hc_step_of(HC_FREQ_M, -31 * DAY - 1), -2);
    ck_assert_int_eq(hc_step_start(HC_FREQ_M, -12), -365 * DAY);
    /* 1969 has 365 days, 1968 is leap (366). */
    ck_assert_int_eq(hc_step_of(HC_FREQ_Y, -1), -1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_Y, -1), -365 * DAY);
    ck_assert_int_eq(hc_step_start(HC_FREQ_Y, -2), -731 * DAY);
    ck_assert_int_eq(hc_step_of(HC_FREQ_Y, -365 * DAY - 1), -2);
    /* 1900-03-01 00:00 is a month start; one second earlier is February. */
    int64_t mar1900 = (-25567 + 59) * DAY;
    ck_assert_int_eq(hc_step_of(HC_FREQ_M, mar1900), -70 * 12 + 2);
    ck_assert_int_eq(hc_step_of(HC_FREQ_M, mar1900 - 1), -70 * 12 + 1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_M, -70 * 12 + 2), mar1900);
}
END_TEST

START_TEST(fixed_steps)
{
    int64_t t = 1388538000; /* 2014-01-01 01:00:00 */
    ck_assert_int_eq(hc_step_of(HC_FREQ_D, t), 16071);
    ck_assert_int_eq(hc_step_of(HC_FREQ_H, t), 1388538000 / 3600);
    ck_assert_int_eq(hc_step_of(HC_FREQ_15MIN, t + 899), 1388538000 / 900);
    ck_assert_int_eq(hc_step_of(HC_FREQ_15MIN, t + 900), 1388538000 / 900 + 1);
    ck_assert_int_eq(hc_step_of(HC_FREQ_10MIN, t + 599), 1388538000 / 600);
    ck_assert_int_eq(hc_step_of(HC_FREQ_5MIN, t + 300), 1388538000 / 300 + 1);
    ck_assert_int_eq(hc_step_start(HC_FREQ_1MIN, 1388538000 / 60 + 1), t + 60);
    ck_assert(hc_step_is_aligned(HC_FREQ_H, t));
    ck_assert(!hc_step_is_aligned(HC_FREQ_D, t));
    ck_assert(hc_step_is_aligned(HC_FREQ_30MIN, t + 1800));
    ck_assert(!hc_step_is_aligned(HC_FREQ_30MIN, t + 900));
}
END_TEST

START_TEST(step_round_trip_every_freq)
{
    /* For every frequency and times around 1899..2101 (including odd
     * offsets), step s = step_of(t) satisfies start(s) <= t < start(s+1),
     * step_of(start(s)) == s, and steps are consecutive. */
    for (int f = 0; f < HC_FREQ_COUNT; f++) {
        int64_t prev_step = 0;
        int64_t prev_t = 0;
        int first = 1;
        for (int64_t t = -2240000000LL; t < 4200000000LL; t += 7777777) {
            for (int64_t dt = -61; dt <= 61; dt += 61) {
                int64_t u = t + dt;
                int64_t s = hc_step_of((hc_freq)f, u);
                int64_t a = hc_step_start((hc_freq)f, s);
                int64_t b = hc_step_start((hc_freq)f, s + 1);
                ck_assert(a <= u && u < b);
                ck_assert_int_eq(hc_step_of((hc_freq)f, a), s);
                ck_assert_int_eq(hc_step_of((hc_freq)f, b), s + 1);
                ck_assert(hc_step_is_aligned((hc_freq)f, a));
                if (!first && u > prev_t)
                    ck_assert(s >= prev_step);
                first = 0;
                prev_step = s;
                prev_t = u;
            }
        }
    }
}
END_TEST

static int parse(const char *s, hc_ts_format fmt, int64_t *t, size_t *bad)
{
    *bad = 999;
    return hc_parse_timestamp(s, strlen(s), fmt, t, bad);
}

START_TEST(timestamps_parse)
{
    int64_t t;
    size_t bad;
    ck_assert_int_eq(parse("2014-01-01 01:00:00", HC_TSFMT_DATETIME, &t, &bad), 0);
    ck_assert_int_eq(t, 1388538000);
    ck_assert_int_eq(parse("2014-01-01 01:00:00", HC_TSFMT_AUTO, &t, &bad), 0);
    ck_assert_int_eq(t, 1388538000);
    ck_assert_int_eq(parse("2014-01-01", HC_TSFMT_DATE, &t, &bad), 0);
    ck_assert_int_eq(t, 16071 * DAY);
    ck_assert_int_eq(parse("2014-01-01", HC_TSFMT_AUTO, &t, &bad), 0);
    ck_assert_int_eq(t, 16071 * DAY);
    /* 2017-06-19 = day 17167 + 169; 15:00 adds 54000 s. */
    const int64_t jun19 = (17167 + 169) * DAY + 54000;
    const char *iso[] = {"2017-06-19T15:00:00", "2017-06-19T15:00:00Z",
                         "2017-06-19T15:00:00.000Z", "2017-06-19T15:00:00.999",
                         "2017-06-19T15:00:00.5Z"};
    for (size_t i = 0; i < sizeof iso / sizeof *iso; i++) {
        ck_assert_int_eq(parse(iso[i], HC_TSFMT_ISO8601, &t, &bad), 0);
        ck_assert_int_eq(t, jun19);
        ck_assert_int_eq(parse(iso[i], HC_TSFMT_AUTO, &t, &bad), 0);
        ck_assert_int_eq(t, jun19);
    }
    ck_assert_int_eq(parse("2000-02-29", HC_TSFMT_DATE, &t, &bad), 0);
    ck_assert_int_eq(t, (10957 + 59) * DAY);
    ck_assert_int_eq(parse("2024-02-29 23:59:59", HC_TSFMT_DATETIME, &t, &bad), 0);
    ck_assert_int_eq(t, (19723 + 59) * DAY + 86399);
    ck_assert_int_eq(parse("1969-12-31 23:59:59", HC_TSFMT_DATETIME, &t, &bad), 0);
    ck_assert_int_eq(t, -1);
    ck_assert_int_eq(parse("1900-03-01", HC_TSFMT_AUTO, &t, &bad), 0);
    ck_assert_int_eq(t, (-25567 + 59) * DAY);
    /* Length-limited: the text after len is not looked at. */
    ck_assert_int_eq(hc_parse_timestamp("2014-01-01 junk", 10, HC_TSFMT_DATE,
                                        &t, &bad), 0);
    ck_assert_int_eq(t, 16071 * DAY);
}
END_TEST

START_TEST(timestamps_reject_with_offset)
{
    static const struct {
        const char *text;
        hc_ts_format fmt;
        size_t bad;
    } cases[] = {
        {"", HC_TSFMT_AUTO, 0},
        {" 2014-01-01", HC_TSFMT_AUTO, 0},
        {"20a4-01-01", HC_TSFMT_DATE, 2},
        {"2014/01/01", HC_TSFMT_DATE, 4},
        {"2014-1-01", HC_TSFMT_DATE, 6},
        {"2014-13-01", HC_TSFMT_DATE, 5},
        {"2014-00-01", HC_TSFMT_AUTO, 5},
        {"2014-01-00", HC_TSFMT_DATE, 8},
        {"2014-01-32", HC_TSFMT_DATE, 8},
        {"2014-04-31", HC_TSFMT_DATE, 8},
        {"2014-02-29", HC_TSFMT_DATE, 8}, /* not a leap year */
        {"1900-02-29", HC_TSFMT_AUTO, 8}, /* nor is 1900 */
        {"2014-01-0", HC_TSFMT_DATE, 9},  /* too short: offset = length */
        {"2014-01-01x", HC_TSFMT_DATE, 10},
        {"2014-01-01x", HC_TSFMT_AUTO, 10},
        {"2014-01-01 00:00:00", HC_TSFMT_DATE, 10},
        {"2014-01-01", HC_TSFMT_DATETIME, 10},
        {"2014-01-01T00:00:00", HC_TSFMT_DATETIME, 10},
        {"2014-01-01 00:00:00", HC_TSFMT_ISO8601, 10},
        {"2014-01-01 1:00:00", HC_TSFMT_DATETIME, 12},
        {"2014-01-01 24:00:00", HC_TSFMT_DATETIME, 11},
        {"2014-01-01 23:60:00", HC_TSFMT_AUTO, 14},
        {"2014-01-01 23:59:60", HC_TSFMT_DATETIME, 17},
        {"2014-01-01 23-59:00", HC_TSFMT_DATETIME, 13},
        {"2014-01-01 01:00", HC_TSFMT_DATETIME, 16},
        {"2014-01-01 01:00:00 ", HC_TSFMT_DATETIME, 19},
        {"2014-01-01 01:00:00Z", HC_TSFMT_AUTO, 19},
        {"2014-01-01 01:00:00.5", HC_TSFMT_DATETIME, 19},
        {"2014-01-01T01:00:00.", HC_TSFMT_ISO8601, 20},
        {"2014-01-01T01:00:00.Z", HC_TSFMT_AUTO, 20},
        {"2014-01-01T01:00:00.5Zx", HC_TSFMT_ISO8601, 22},
        {"2014-01-01T01:00:00ZZ", HC_TSFMT_ISO8601, 20},
        {"2014-01-01T01:00:00+01:00", HC_TSFMT_AUTO, 19},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t t = 12345;
        size_t bad;
        int rc = parse(cases[i].text, cases[i].fmt, &t, &bad);
        ck_assert_msg(rc == -1, "accepted '%s'", cases[i].text);
        ck_assert_msg(bad == cases[i].bad, "'%s': bad offset %zu, expected %zu",
                      cases[i].text, bad, cases[i].bad);
    }
}
END_TEST

START_TEST(timestamp_format_names)
{
    hc_ts_format f;
    ck_assert_int_eq(hc_ts_format_parse("yyyy-MM-dd", &f), 0);
    ck_assert_int_eq(f, HC_TSFMT_DATE);
    ck_assert_int_eq(hc_ts_format_parse("yyyy-MM-dd HH:mm:ss", &f), 0);
    ck_assert_int_eq(f, HC_TSFMT_DATETIME);
    ck_assert_int_eq(hc_ts_format_parse("yyyy-MM-dd'T'HH:mm:ss", &f), 0);
    ck_assert_int_eq(f, HC_TSFMT_ISO8601);
    ck_assert_int_eq(hc_ts_format_parse("yyyy-MM-dd'T'HH:mm:ssZ", &f), 0);
    ck_assert_int_eq(f, HC_TSFMT_ISO8601);
    f = HC_TSFMT_DATE;
    ck_assert_int_eq(hc_ts_format_parse("auto", &f), 0);
    ck_assert_int_eq(f, HC_TSFMT_AUTO);
    f = HC_TSFMT_DATE;
    ck_assert_int_eq(hc_ts_format_parse(NULL, &f), 0);
    ck_assert_int_eq(f, HC_TSFMT_AUTO);
    ck_assert_int_eq(hc_ts_format_parse("dd/MM/yyyy", &f), -1);
    ck_assert_int_eq(hc_ts_format_parse("yyyy-MM-dd HH:mm", &f), -1);
}
END_TEST

START_TEST(writers)
{
    char buf[32];
    const int64_t jun19 = (17167 + 169) * DAY + 54000; /* 2017-06-19 15:00 */
    ck_assert_uint_eq(hc_format_ts_millis(buf, jun19), 24);
    ck_assert_str_eq(buf, "2017-06-19T15:00:00.000Z");
    ck_assert_uint_eq(hc_format_ts_plain(buf, jun19), 19);
    ck_assert_str_eq(buf, "2017-06-19T15:00:00");
    /* 2020-04-25 = day 18262 + 31 + 29 + 31 + 24; 22:30:23 = 81023 s. */
    const int64_t apr25 = (18262 + 115) * DAY + 81023;
    ck_assert_uint_eq(hc_format_ts_export(buf, apr25), 20);
    ck_assert_str_eq(buf, "2020-04-25T22-30-23Z");
    ck_assert_uint_eq(hc_format_ts_iso(buf, apr25), 20);
    ck_assert_str_eq(buf, "2020-04-25T22:30:23Z");
    hc_format_ts_plain(buf, -1);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59");
    hc_format_ts_iso(buf, (-25567 + 59) * DAY + 3661);
    ck_assert_str_eq(buf, "1900-03-01T01:01:01Z");
    /* What a writer writes, the parser reads back. */
    int64_t t;
    size_t bad;
    hc_format_ts_millis(buf, apr25);
    ck_assert_int_eq(hc_parse_timestamp(buf, strlen(buf), HC_TSFMT_ISO8601, &t,
                                        &bad), 0);
    ck_assert_int_eq(t, apr25);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, civil_known_dates);
    tcase_add_test(tc, civil_round_trip);
    tcase_add_test(tc, freq_names_and_seasons);
    tcase_add_test(tc, week_starts_monday);
    tcase_add_test(tc, month_and_year_steps);
    tcase_add_test(tc, negative_times);
    tcase_add_test(tc, fixed_steps);
    tcase_add_test(tc, step_round_trip_every_freq);
    tcase_add_test(tc, timestamps_parse);
    tcase_add_test(tc, timestamps_reject_with_offset);
    tcase_add_test(tc, timestamp_format_names);
    tcase_add_test(tc, writers);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

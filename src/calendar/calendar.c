/* Frequencies, step arithmetic and timestamp text; see hindcast/calendar.h. */
#include "hindcast/calendar.h"

#include <stdio.h>
#include <string.h>

#define SECONDS_PER_DAY INT64_C(86400)
/* 1970-01-05 was a Monday: day number 4 since the epoch. */
#define FIRST_MONDAY INT64_C(4)

static const char *const freq_names[HC_FREQ_COUNT] = {
    "Y", "M", "W", "D", "H", "30min", "15min", "10min", "5min", "1min",
};

static const int season_lengths[HC_FREQ_COUNT] = {
    1, 12, 52, 7, 24, 2, 4, 6, 12, 60,
};

/* Step length in seconds for the fixed-length frequencies (0 for Y/M). */
static const int64_t fixed_seconds[HC_FREQ_COUNT] = {
    0, 0, 7 * 86400, 86400, 3600, 1800, 900, 600, 300, 60,
};

int hc_freq_parse(const char *text, hc_freq *out)
{
    if (!text)
        return -1;
    for (int f = 0; f < HC_FREQ_COUNT; f++) {
        if (strcmp(text, freq_names[f]) == 0) {
            if (out)
                *out = (hc_freq)f;
            return 0;
        }
    }
    return -1;
}

const char *hc_freq_name(hc_freq f)
{
    if ((int)f < 0 || f >= HC_FREQ_COUNT)
        return "?";
    return freq_names[f];
}

int hc_freq_season_length(hc_freq f)
{
    if ((int)f < 0 || f >= HC_FREQ_COUNT)
        return 1;
    return season_lengths[f];
}

/* Floor division and the matching non-negative remainder (b > 0): C's /
 * truncates toward zero, which would put t = -1 into step 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) != 0 && a < 0)
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Howard Hinnant's days_from_civil: the year is shifted to start in March so
 * that the leap day is the last day of the shifted year, then counted in
 * 400-year eras of 146097 days. */
int64_t hc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                             /* [0, 399] */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;    /* [0, 11] */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;       /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;     /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* The inverse (Hinnant's civil_from_days). */
void hc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                  /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                /* [0, 11] */
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;                       /* [1, 31] */
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;                          /* [1, 12] */
    if (y)
        *y = yoe + era * 400 + (mm <= 2);
    if (m)
        *m = (unsigned)mm;
    if (d)
        *d = (unsigned)dd;
}

int64_t hc_step_of(hc_freq f, int64_t t)
{
    int64_t days = floor_div(t, SECONDS_PER_DAY);
    int64_t y;
    unsigned m;
    switch (f) {
    case HC_FREQ_Y:
        hc_civil_from_days(days, &y, NULL, NULL);
        return y - 1970;
    case HC_FREQ_M:
        hc_civil_from_days(days, &y, &m, NULL);
        return (y - 1970) * 12 + (int64_t)m - 1;
    case HC_FREQ_W:
        return floor_div(days - FIRST_MONDAY, 7);
    case HC_FREQ_D:
        return days;
    default:
        if ((int)f < 0 || f >= HC_FREQ_COUNT)
            return days;
        return floor_div(t, fixed_seconds[f]);
    }
}

int64_t hc_step_start(hc_freq f, int64_t s)
{
    switch (f) {
    case HC_FREQ_Y:
        return hc_days_from_civil(1970 + s, 1, 1) * SECONDS_PER_DAY;
    case HC_FREQ_M:
        return hc_days_from_civil(1970 + floor_div(s, 12),
                                  (unsigned)floor_mod(s, 12) + 1, 1) *
               SECONDS_PER_DAY;
    case HC_FREQ_W:
        return (s * 7 + FIRST_MONDAY) * SECONDS_PER_DAY;
    case HC_FREQ_D:
        return s * SECONDS_PER_DAY;
    default:
        if ((int)f < 0 || f >= HC_FREQ_COUNT)
            return s * SECONDS_PER_DAY;
        return s * fixed_seconds[f];
    }
}

int hc_step_is_aligned(hc_freq f, int64_t t)
{
    return hc_step_start(f, hc_step_of(f, t)) == t;
}

int hc_ts_format_parse(const char *text, hc_ts_format *out)
{
    hc_ts_format f;
    if (!text || strcmp(text, "auto") == 0)
        f = HC_TSFMT_AUTO;
    else if (strcmp(text, "yyyy-MM-dd") == 0)
        f = HC_TSFMT_DATE;
    else if (strcmp(text, "yyyy-MM-dd HH:mm:ss") == 0)
        f = HC_TSFMT_DATETIME;
    else if (strcmp(text, "yyyy-MM-dd'T'HH:mm:ss") == 0 ||
             strcmp(text, "yyyy-MM-dd'T'HH:mm:ssZ") == 0)
        f = HC_TSFMT_ISO8601;
    else
        return -1;
    if (out)
        *out = f;
    return 0;
}

/* Reads `n` digits at text[pos]; on failure sets *bad to the first
 * non-digit (or to len when the text ends early). */
static int digits(const char *text, size_t len, size_t pos, int n, int *val,
                  size_t *bad)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        size_t p = pos + (size_t)i;
        if (p >= len || text[p] < '0' || text[p] > '9') {
            *bad = p < len ? p : len;
            return -1;
        }
        v = v * 10 + (text[p] - '0');
    }
    *val = v;
    return 0;
}

static int expect(const char *text, size_t len, size_t pos, char c, size_t *bad)
{
    if (pos >= len || text[pos] != c) {
        *bad = pos < len ? pos : len;
        return -1;
    }
    return 0;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Range errors point at the first character of the offending field. */
int hc_parse_timestamp(const char *text, size_t len, hc_ts_format fmt,
                       int64_t *out, size_t *bad_offset)
{
    size_t bad = 0;
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (!text)
        len = 0;
    if (digits(text, len, 0, 4, &y, &bad) || expect(text, len, 4, '-', &bad) ||
        digits(text, len, 5, 2, &mo, &bad))
        goto fail;
    if (mo < 1 || mo > 12) {
        bad = 5;
        goto fail;
    }
    if (expect(text, len, 7, '-', &bad) || digits(text, len, 8, 2, &d, &bad))
        goto fail;
    if (d < 1 || d > month_days(y, mo)) {
        bad = 8;
        goto fail;
    }
    if (fmt == HC_TSFMT_AUTO) {
        if (len == 10)
            fmt = HC_TSFMT_DATE;
        else if (text[10] == ' ')
            fmt = HC_TSFMT_DATETIME;
        else if (text[10] == 'T')
            fmt = HC_TSFMT_ISO8601;
        else {
            bad = 10;
            goto fail;
        }
    }
    size_t pos = 10;
    if (fmt != HC_TSFMT_DATE) {
        if (expect(text, len, 10, fmt == HC_TSFMT_DATETIME ? ' ' : 'T', &bad) ||
            digits(text, len, 11, 2, &h, &bad))
            goto fail;
        if (h > 23) {
            bad = 11;
            goto fail;
        }
        if (expect(text, len, 13, ':', &bad) ||
            digits(text, len, 14, 2, &mi, &bad))
            goto fail;
        if (mi > 59) {
            bad = 14;
            goto fail;
        }
        if (expect(text, len, 16, ':', &bad) ||
            digits(text, len, 17, 2, &s, &bad))
            goto fail;
        if (s > 59) {
            bad = 17;
            goto fail;
        }
        pos = 19;
        if (fmt == HC_TSFMT_ISO8601) {
            if (pos < len && text[pos] == '.') {
                pos++;
                if (pos >= len || text[pos] < '0' || text[pos] > '9') {
                    bad = pos;
                    goto fail;
                }
                while (pos < len && text[pos] >= '0' && text[pos] <= '9')
                    pos++;
            }
            if (pos < len && text[pos] == 'Z')
                pos++;
        }
    }
    if (pos != len) {
        bad = pos;
        goto fail;
    }
    if (out)
        *out = hc_days_from_civil(y, (unsigned)mo, (unsigned)d) * SECONDS_PER_DAY +
               h * 3600 + mi * 60 + s;
    return 0;
fail:
    if (bad_offset)
        *bad_offset = bad;
    return -1;
}

typedef struct civil_time {
    int64_t y;
    unsigned mo, d;
    int h, mi, s;
} civil_time;

static civil_time split(int64_t t)
{
    civil_time c;
    int64_t days = floor_div(t, SECONDS_PER_DAY);
    int64_t sec = t - days * SECONDS_PER_DAY;
    hc_civil_from_days(days, &c.y, &c.mo, &c.d);
    c.h = (int)(sec / 3600);
    c.mi = (int)(sec / 60 % 60);
    c.s = (int)(sec % 60);
    return c;
}

/* Every writer's output is at most 4+ digits of year plus 20 characters,
 * well inside the 32 bytes callers provide for years up to 10^10. */
static size_t write_ts(char *buf, int64_t t, char tsep, const char *tail)
{
    civil_time c = split(t);
    int n = snprintf(buf, 32, "%04lld-%02u-%02uT%02d%c%02d%c%02d%s",
                     (long long)c.y, c.mo, c.d, c.h, tsep, c.mi, tsep, c.s,
                     tail);
    return n < 0 ? 0 : (size_t)n < 32 ? (size_t)n : 31;
}

size_t hc_format_ts_millis(char *buf, int64_t t)
{
    return write_ts(buf, t, ':', ".000Z");
}

size_t hc_format_ts_plain(char *buf, int64_t t)
{
    return write_ts(buf, t, ':', "");
}

size_t hc_format_ts_export(char *buf, int64_t t)
{
    return write_ts(buf, t, '-', "Z");
}

size_t hc_format_ts_iso(char *buf, int64_t t)
{
    return write_ts(buf, t, ':', "Z");
}

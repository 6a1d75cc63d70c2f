/* hindcast: frequencies, timestamps and time-step arithmetic.
 *
 * A timestamp is seconds since 1970-01-01T00:00:00 UTC (int64, proleptic
 * Gregorian, no leap seconds). A series lives on a grid of "steps" of one
 * frequency: step index s covers [hc_step_start(f, s), hc_step_start(f, s+1)).
 * Steps are aligned as Amazon Forecast aligns them: years on Jan 1, months on
 * the 1st, weeks on Monday 00:00, days at 00:00, hours at :00, k-minute
 * steps at minutes divisible by k. Step indices are consecutive integers, so
 * a series is (first step index, dense values). */
#ifndef HINDCAST_CALENDAR_H
#define HINDCAST_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hc_freq {
    HC_FREQ_Y = 0,
    HC_FREQ_M,
    HC_FREQ_W,
    HC_FREQ_D,
    HC_FREQ_H,
    HC_FREQ_30MIN,
    HC_FREQ_15MIN,
    HC_FREQ_10MIN,
    HC_FREQ_5MIN,
    HC_FREQ_1MIN,
    HC_FREQ_COUNT
} hc_freq;

/* "Y","M","W","D","H","30min","15min","10min","5min","1min", exactly as
 * Amazon spells them. Returns 0 on success, -1 if unknown. */
int hc_freq_parse(const char *text, hc_freq *out);
/* The canonical name, as accepted by hc_freq_parse. */
const char *hc_freq_name(hc_freq f);
/* Seasonal period m for MASE and seasonal models (SPEC 2.7): Y 1, M 12,
 * W 52, D 7, H 24, 30min 2, 15min 4, 10min 6, 5min 12, 1min 60. */
int hc_freq_season_length(hc_freq f);

/* Step index containing timestamp t (floor; works before 1970 too). */
int64_t hc_step_of(hc_freq f, int64_t t);
/* First second of step s. */
int64_t hc_step_start(hc_freq f, int64_t s);
/* 1 if t is exactly the first second of its step. */
int hc_step_is_aligned(hc_freq f, int64_t t);

/* Input timestamp formats (SPEC 3.2). HC_TSFMT_AUTO accepts any of them. */
typedef enum hc_ts_format {
    HC_TSFMT_AUTO = 0,
    HC_TSFMT_DATE,      /* yyyy-MM-dd */
    HC_TSFMT_DATETIME,  /* yyyy-MM-dd HH:mm:ss */
    HC_TSFMT_ISO8601    /* yyyy-MM-ddTHH:mm:ss[.fff][Z] */
} hc_ts_format;

/* Maps a TimestampFormat request string ("yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss",
 * "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssZ", "auto"; NULL -> AUTO).
 * Returns 0 or -1 when unsupported. */
int hc_ts_format_parse(const char *text, hc_ts_format *out);

/* Parses [text, text+len) in format fmt into seconds since the epoch.
 * Validates ranges (month 1-12, day within month incl. leap years, hour
 * 0-23, minute/second 0-59). Fractional seconds (ISO only) are accepted
 * and truncated to the second (Decision).
 * Returns 0, or -1 with *bad_offset set to the 0-based byte offset of the
 * first offending character (so callers can report a column). */
int hc_parse_timestamp(const char *text, size_t len, hc_ts_format fmt,
                       int64_t *out, size_t *bad_offset);

/* Writers; each writes a NUL-terminated string into buf (>= 32 bytes) and
 * returns its length.
 *   hc_format_ts_millis: "2017-06-19T15:00:00.000Z" (forecasted-values timestamp)
 *   hc_format_ts_plain:  "2017-06-19T15:00:00"      (backtest window bounds)
 *   hc_format_ts_export: "2020-04-25T22-30-23Z"     (file-name ExportTimestamp)
 *   hc_format_ts_iso:    "2020-04-25T22:30:23Z"     (JSON times) */
size_t hc_format_ts_millis(char *buf, int64_t t);
size_t hc_format_ts_plain(char *buf, int64_t t);
size_t hc_format_ts_export(char *buf, int64_t t);
size_t hc_format_ts_iso(char *buf, int64_t t);

/* Civil date helpers (proleptic Gregorian). */
int64_t hc_days_from_civil(int64_t y, unsigned m, unsigned d);
void hc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#ifdef __cplusplus
}
#endif
#endif

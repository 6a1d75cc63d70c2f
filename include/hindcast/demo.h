/* hindcast: synthetic demand data for demos, benchmarks and golden tests.
 *
 * hc_demo_write writes a long-format CSV (optionally gzip-compressed) with the
 * header `item_id,store,timestamp,target_value`: one series per (item_id,
 * store) pair, rows ordered by item_id, store, then time, timestamps as
 * `yyyy-MM-dd HH:mm:ss`, values non-negative with 3 decimals. Series have a
 * level, a trend, daily (H) / weekly / yearly seasonality and noise; about
 * 15% are intermittent (mostly zeros), about 10% start late, about 5% end
 * early and about 5% miss a few steps inside their span.
 *
 * The same options give the same bytes on any machine (the generator uses
 * its own PRNG and arithmetic-only math); a .gz file is byte-identical for
 * the same zlib build, its content everywhere. */
#ifndef HINDCAST_DEMO_H
#define HINDCAST_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/calendar.h"
#include "hindcast/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hc_demo_options {
    hc_freq freq;      /* HC_FREQ_H or HC_FREQ_D */
    size_t items;      /* series (item_id, store pairs); default 300 */
    size_t length;     /* steps of a full-length series; default 24*7*8 for
                          H, 3*365 for D */
    uint64_t seed;     /* default 42 */
    int gzip;          /* nonzero: gzip level 6 (the path is used as given) */
    const char *start; /* first timestamp, "yyyy-MM-dd HH:mm:ss" or
                          "yyyy-MM-dd", aligned to freq; default
                          "2024-01-01 00:00:00" (NULL means the default) */
} hc_demo_options;

typedef struct hc_demo_summary {
    uint64_t rows;             /* data rows, header excluded */
    size_t items;              /* series written */
    uint64_t missing_steps;    /* steps dropped inside series' spans */
    size_t intermittent_items;
    size_t late_start_items;   /* first step after the dataset's first */
    size_t early_end_items;    /* last step before the dataset's last */
    size_t gappy_items;        /* series with missing steps */
    int64_t first_timestamp;   /* seconds since the epoch, UTC */
    int64_t last_timestamp;
} hc_demo_summary;

/* Defaults for frequency f (see hc_demo_options). */
void hc_demo_options_init(hc_demo_options *o, hc_freq f);

/* Writes the data set to `path` (under a temporary name in the same
 * directory, then renamed over any existing file). summary_out may be NULL.
 * Errors: HC_ERR_INVALID_INPUT for options out of range, HC_ERR_IO,
 * HC_ERR_NOMEM. */
int hc_demo_write(const hc_demo_options *o, const char *path,
                  hc_demo_summary *summary_out, hc_error *err);

#ifdef __cplusplus
}
#endif
#endif

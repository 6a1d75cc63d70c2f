/* hindcast: the target time series in columnar form.
 *
 * Reading turns a long-format CSV (schema-ordered columns, optional header,
 * plain or .gz) into one dense series per item key (item_id + dimensions) on
 * the grid of the forecast frequency: rows finer than the frequency are
 * aggregated, missing steps are filled, and every filled step is flagged so
 * that metrics can exclude it (SPEC 2.7, 3.2). */
#ifndef HINDCAST_DATASET_H
#define HINDCAST_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/calendar.h"
#include "hindcast/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hc_attr_type {
    HC_ATTR_STRING = 0,
    HC_ATTR_TIMESTAMP,
    HC_ATTR_FLOAT,
    HC_ATTR_INTEGER
} hc_attr_type;

/* "string", "timestamp", "float", "integer" -> type; 0 or -1. */
int hc_attr_type_parse(const char *text, hc_attr_type *out);

typedef enum hc_aggregation {
    HC_AGG_SUM = 0, /* default */
    HC_AGG_AVG,
    HC_AGG_FIRST,
    HC_AGG_MIN,
    HC_AGG_MAX,
    HC_AGG_NONE     /* extension: a second row in one step is an error */
} hc_aggregation;

/* "sum","avg","first","min","max","none" -> value; 0 or -1. */
int hc_aggregation_parse(const char *text, hc_aggregation *out);
const char *hc_aggregation_name(hc_aggregation a);

typedef enum hc_fill_method {
    HC_FILL_NONE = 0, /* frontfill's only method; no filling */
    HC_FILL_ZERO,
    HC_FILL_NAN,
    HC_FILL_VALUE,
    HC_FILL_MEDIAN,
    HC_FILL_MEAN,
    HC_FILL_MIN,
    HC_FILL_MAX
} hc_fill_method;

/* "none","zero","nan","value","median","mean","min","max"; 0 or -1. */
int hc_fill_method_parse(const char *text, hc_fill_method *out);
const char *hc_fill_method_name(hc_fill_method m);

typedef struct hc_fill_rule {
    hc_fill_method method;
    double value; /* used by HC_FILL_VALUE */
} hc_fill_rule;

/* How many of the most recent observed values median/mean/min/max use. */
#define HC_FILL_WINDOW 64

typedef struct hc_dataset_options {
    const char *path;          /* CSV, or .gz (detected by content) */
    size_t nattributes;        /* schema, in column order */
    const char *const *attribute_names;
    const hc_attr_type *attribute_types;
    hc_ts_format ts_format;    /* HC_TSFMT_AUTO accepts every format */
    int header;                /* 1: the first line is a header, skipped */
    hc_freq freq;
    hc_aggregation aggregation;
    hc_fill_rule middlefill;   /* default {HC_FILL_ZERO} */
    hc_fill_rule backfill;     /* default {HC_FILL_ZERO} */
    /* Names of the dimension attributes, in ForecastDimensions order; each
     * must be a string attribute of the schema. When NULL/0, every string
     * attribute other than item_id is a dimension, in schema order. */
    size_t ndimensions;
    const char *const *dimensions;
    /* Threads that parse the text (<= 1: the calling thread alone). The
     * result does not depend on it. */
    int threads;
} hc_dataset_options;

/* Sets the defaults above (sum, middle/back fill zero, AUTO timestamps,
 * no header, one thread) and freq HC_FREQ_D. */
void hc_dataset_options_init(hc_dataset_options *opts);

/* One item's dense series: values[offset .. offset+length) of the dataset,
 * step `start` first. Steps before the item's first observation do not
 * exist (frontfill none); steps after its last observation up to the
 * dataset's end are backfilled. */
typedef struct hc_series {
    const char *item_id;       /* borrowed from the dataset */
    const char *const *dims;   /* ndims strings, borrowed */
    int64_t start;             /* step index of values[offset] */
    size_t length;
    size_t offset;
} hc_series;

typedef struct hc_dataset {
    hc_freq freq;
    size_t ndims;
    char **dim_names;          /* ndims names, ForecastDimensions order */
    size_t nseries;
    hc_series *series;         /* sorted by key: item_id bytewise, then dims */
    size_t nvalues;
    double *values;            /* all series back to back: in key order
                                  after a load or from_arrays, in the order
                                  items first appear in the file after a
                                  read (series[i].offset locates each) */
    uint8_t *filled;           /* 1 where the value was filled, else 0 */
    int64_t first_step;        /* smallest start (0 if no series) */
    int64_t end_step;          /* last step of the dataset (the "end") */
    size_t nrows_read;         /* data rows read from the file */
    void *internal;            /* string pool etc. */
} hc_dataset;

/* Reads opts->path. On error returns a negative status and *out is NULL;
 * err names file, line and column (1-based; column = field number) and the
 * rule, e.g. "data.csv:12:2: 'abc' is not a number".
 *
 * Details (Decisions where the SPEC is silent):
 * - Fields are taken verbatim (no space trimming); numbers must fill the
 *   whole field. Blank lines are skipped; a UTF-8 BOM is ignored; CRLF, LF
 *   and CR line ends are accepted. The line of an error is the physical
 *   line where the row starts. A header (opts->header) is the first
 *   non-blank row; only its field count is checked.
 * - An empty target, or one that reads as NaN, is a missing value. A step
 *   whose rows are all missing is filled like a step with no row.
 * - An item with no non-missing target at all has no series. A file with no
 *   data rows, or with no non-missing target anywhere, is InvalidInput.
 * - The dataset's end step is the step of the latest timestamp of any row.
 * - Aggregations use the step's non-missing rows; "first" takes the one
 *   with the earliest timestamp in the step (ties: file order). "none" rejects a second row in one step, naming
 *   that row's line.
 * - median/mean/min/max fills use the HC_FILL_WINDOW most recent observed
 *   (aggregated, non-filled) values before the filled step; the median of
 *   an even count is the mean of the two middle values.
 * - Other float/integer schema attributes are validated and ignored; an
 *   integer attribute must be written as an optionally signed integer.
 *   Only the attribute named "timestamp" may have type timestamp.
 * - A dense dataset of more than 2^32 values is refused (HC_ERR_LIMIT): it
 *   is almost surely a mistyped timestamp.
 * - Memory: when every item's rows are together and in time order (the
 *   usual export layout), the series are built while the file streams
 *   by, and the reader holds little more than the dense dataset. Any other
 *   order is read again, keeping 24 bytes a row until the rows are
 *   grouped (then at most 2^32 - 1 data rows); the result is the same.
 * - opts->threads parse blocks of the text in parallel; results and
 *   errors do not depend on it. */
int hc_dataset_read(hc_dataset **out, const hc_dataset_options *opts,
                    hc_error *err);

/* Builds a dataset directly from memory (tests, evaluate, benchmarks).
 * The arrays are copied; series need not be sorted (they are sorted here).
 * filled may be NULL (nothing filled). item_ids/dims are copied. Every
 * series needs length >= 1; a repeated key is InvalidInput. nrows_read is
 * set to the number of non-filled values; with no series, first_step is 0
 * and end_step -1. */
int hc_dataset_from_arrays(hc_dataset **out, hc_freq freq, size_t ndims,
                           const char *const *dim_names, size_t nseries,
                           const char *const *item_ids,
                           const char *const *dims /* nseries*ndims */,
                           const int64_t *starts, const size_t *lengths,
                           const double *values, const uint8_t *filled,
                           hc_error *err);

/* Keeps series [first, first + count) (key order) and drops the others, in
 * place: one machine's share of a dataset read whole (--shard). Everything
 * else stays the full dataset's: freq, dimension names, first_step and
 * end_step (backtest windows and fills are placed from them, so a share
 * backtests exactly as the whole does), and nrows_read (still the data rows
 * read from the file, not the kept items' rows). The kept values and flags
 * are moved to new arrays in key order. count may be 0 (an empty share).
 * first + count > nseries is HC_ERR_INVALID_INPUT; out of memory leaves ds
 * unchanged. */
int hc_dataset_keep_series(hc_dataset *ds, size_t first, size_t count,
                           hc_error *err);

/* Versioned, CRC-checked binary snapshot (the predictor keeps one so that
 * exports see exactly the data it was trained on). Save writes to
 * path + ".tmp", fsyncs and renames. */
int hc_dataset_save(const hc_dataset *ds, const char *path, hc_error *err);
int hc_dataset_load(hc_dataset **out, const char *path, hc_error *err);
/* The same with `threads` threads moving the values and flags (in chunks,
 * each with its CRC, joined in file order): the same file, the same
 * dataset, for any thread count. */
int hc_dataset_save_threads(const hc_dataset *ds, const char *path, int threads,
                            hc_error *err);
int hc_dataset_load_threads(hc_dataset **out, const char *path, int threads,
                            hc_error *err);

/* Opens a snapshot without decoding it: the file is mapped read-only and
 * checked as a load checks it (size, CRC-32 in parallel chunks, flags),
 * and each series' values stay in their stored encoding until asked for.
 * values and filled are then NULL: read a series through
 * hc_dataset_series_values / hc_dataset_series_filled. An export needs
 * each series once, so decoding it into a small per-worker buffer right
 * before use costs less than decoding the whole dataset into memory first
 * (no page faults for the full arrays, nothing to free at the end). */
int hc_dataset_open(hc_dataset **out, const char *path, int threads, hc_error *err);

/* Series i's values / filled flags (length series[i].length). For a dataset
 * read or loaded, pointers into its arrays; for an opened one, decoded into
 * scratch (at least hc_dataset_longest_series elements), or for flags
 * possibly a pointer into the mapping. */
const double *hc_dataset_series_values(const hc_dataset *ds, size_t i, double *scratch);
const uint8_t *hc_dataset_series_filled(const hc_dataset *ds, size_t i, uint8_t *scratch);
size_t hc_dataset_longest_series(const hc_dataset *ds);

/* hc_dataset_save_threads in two steps, so that the wait for the disk
 * overlaps other work: start writes path + ".tmp" and begins its fsync on a
 * background thread; finish waits for it, renames and fsyncs the
 * directory, and frees s (on failure too, then removing the temporary
 * file). abort removes the temporary file and frees s (NULL-safe). The
 * dataset is not used after start returns. */
typedef struct hc_dataset_saving hc_dataset_saving;
int hc_dataset_save_start(hc_dataset_saving **s, const hc_dataset *ds,
                          const char *path, int threads, hc_error *err);
int hc_dataset_save_finish(hc_dataset_saving *s, hc_error *err);
void hc_dataset_save_abort(hc_dataset_saving *s);

/* Bytes held by the columnar arrays and strings (for memory reports). */
size_t hc_dataset_memory(const hc_dataset *ds);

/* Compares two items' keys (item_id bytewise, then dims in order). */
int hc_series_key_compare(const hc_series *a, const hc_series *b, size_t ndims);

void hc_dataset_free(hc_dataset *ds); /* NULL-safe */

#ifdef __cplusplus
}
#endif
#endif

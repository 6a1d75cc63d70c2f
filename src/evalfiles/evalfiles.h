/* Evaluate: accuracy metrics from forecasted-values files (internal).
 *
 * The reader turns any number of forecasted-values CSV files (hindcast's or
 * Amazon Forecast's parts, plain or gzip) into one table held in columnar
 * form: per row the item, the window, the timestamp, the actual and one
 * double per forecast type, plus each item key once and each window once.
 * The table is then sorted into (item key, window, timestamp) order, which
 * is the order the accuracy rows are computed and written in. */
#ifndef HC_EVALFILES_EVALFILES_H
#define HC_EVALFILES_EVALFILES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hindcast/dataset.h"
#include "hindcast/error.h"
#include "hindcast/metrics.h"

/* One backtest window as the files give it (seconds since the epoch). */
typedef struct hc_fv_window {
    int64_t start;  /* backtestwindow_start_time */
    int64_t end;    /* backtestwindow_end_time (inclusive) */
    uint32_t file;  /* where it was first seen (for messages) */
    long line;      /* 0 for a predictor's window */
} hc_fv_window;

/* One row of the sorted order: rank of the item key, rank of the window
 * (oldest first), timestamp, row number in reading order. */
typedef struct hc_fv_sorted {
    uint32_t item;
    uint32_t window;
    int64_t ts;
    size_t row;
} hc_fv_sorted;

typedef struct hc_fv_table {
    /* Layout, from the first header. */
    size_t ncols;
    char **columns;            /* the header's names */
    size_t ndims;
    char **dim_names;          /* borrowed from columns */
    size_t ntypes;             /* forecast type columns */
    int mean_type;             /* type index of `mean`, -1 when absent */
    int p50_type;              /* type index of `p50`, -1 when absent */
    size_t nq;                 /* quantile types, ascending by tau */
    double taus[HC_MAX_QUANTILES];
    size_t quant_type[HC_MAX_QUANTILES];

    /* Files in reading order; rows of file f are [file_first_row[f],
     * file_first_row[f+1]). */
    size_t nfiles;
    char **files;
    size_t *file_first_row;

    /* Item keys "item_id\0dim1\0...\0": their bytes sort in key order. */
    size_t nkeys;
    size_t *key_off;
    size_t *key_len;
    char *key_bytes;

    size_t nwindows;
    hc_fv_window *windows;

    /* Rows, one array per column. target is NaN where the actual is
     * missing (empty or NaN in the file). values[j] is type j's column. */
    size_t nrows;
    uint32_t *row_key;
    uint32_t *row_window;
    int64_t *row_ts;
    double *target;
    double **values;

    /* After hc_fv_sort: item keys in key order (item_order[rank] = key),
     * window ranks (window_rank[window] = rank, oldest first) and
     * window_order[rank] = window; rows in sorted order. */
    uint32_t *item_order;
    uint32_t *window_rank;
    uint32_t *window_order;
    hc_fv_sorted *sorted;

    void *internal;            /* reader state (hash table, capacities) */
} hc_fv_table;

/* Restrictions when a predictor is given: its dataset's items are the
 * only items (keys 0..nseries-1 are its series, in dataset order) and its
 * windows the only windows (window ids 0..nwindows-1, in the order given).
 * Rows naming anything else are InvalidInput. */
typedef struct hc_fv_options {
    const hc_dataset *ds;       /* NULL: any item */
    size_t nwindows;            /* 0: any window */
    const int64_t *window_start;
    const int64_t *window_end;
    const char *owner;          /* "predictor ARN" for messages */
} hc_fv_options;

/* Reads every path: a file, or a directory whose non-hidden `*.csv` and
 * `*.csv.gz` files are read in name order. Errors name file, line and
 * column (field number). o may be NULL. */
int hc_fv_read(hc_fv_table **out, const char *const *paths, size_t npaths,
               const hc_fv_options *o, hc_error *err);

/* Sorts into (item key, window, timestamp) order; a repeated (item,
 * window, timestamp) is InvalidInput naming both rows' file and line. */
int hc_fv_sort(hc_fv_table *t, hc_error *err);

/* Item key fields of key k: *item_id and dims[0..ndims) point into the
 * table (dims holds t->ndims pointers). */
void hc_fv_key_fields(const hc_fv_table *t, uint32_t k, const char **item_id,
                      const char **dims);

void hc_fv_free(hc_fv_table *t); /* NULL-safe */

#endif

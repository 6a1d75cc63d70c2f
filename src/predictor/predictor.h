/* Predictor definition, training and model file (internal). */
#ifndef HC_PREDICTOR_PREDICTOR_H
#define HC_PREDICTOR_PREDICTOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hindcast/dataset.h"
#include "hindcast/error.h"
#include "hindcast/metrics.h"
#include "hindcast/model.h"

#define HC_MAX_WINDOWS 5
#define HC_MAX_FORECAST_TYPES 5
#define HC_MAX_ATTRIBUTES 16
#define HC_MAX_HORIZON 500
/* A predictor's name in its ARN: up to 63 characters, plus "_<26-character
 * id>" for AutoPredictors. */
#define HC_RESOURCE_NAME_MAX 96

/* ^[a-zA-Z][a-zA-Z0-9_]*$ and at most HC_RESOURCE_NAME_MAX - 1 characters:
 * the names that may appear in this workspace's ARNs. */
int hc_resource_name_ok(const char *name);

/* Everything CreatePredictor fixes, parsed and validated. */
/* What AutoPredictor minimises per item (OptimizationMetric). */
typedef enum hc_opt_metric {
    HC_OPT_AVG_WQL = 0, /* AverageWeightedQuantileLoss, Amazon's default */
    HC_OPT_WAPE,
    HC_OPT_RMSE,
    HC_OPT_MASE,
    HC_OPT_MAPE
} hc_opt_metric;

typedef struct hc_predictor_def {
    char name[HC_RESOURCE_NAME_MAX];
    char algorithm_arn[260];
    const hc_model *model;           /* NULL for an AutoPredictor */
    int automl;                      /* best model per item (AutoPredictor or
                                        PerformAutoML) */
    int auto_predictor;              /* created by CreateAutoPredictor */
    hc_opt_metric metric;
    size_t horizon;
    size_t ntypes;
    char types[HC_MAX_FORECAST_TYPES][8];  /* as given: "mean", "0.1" */
    double type_taus[HC_MAX_FORECAST_TYPES]; /* NaN for mean */
    size_t nquantiles;               /* quantile types, ascending */
    double quantiles[HC_MAX_FORECAST_TYPES];
    int nwindows;
    long offset;                     /* 0: default (the horizon) */
    hc_freq freq;
    uint32_t fit_options;            /* HC_FIT_* from TrainingParameters */
    hc_model_params fit_params;      /* numeric TrainingParameters */
    size_t ndims;
    char *dims[HC_MAX_ATTRIBUTES];
    /* TargetTimeSeries */
    char *data_path;                 /* absolute */
    size_t nattributes;
    char *attr_names[HC_MAX_ATTRIBUTES];
    hc_attr_type attr_types[HC_MAX_ATTRIBUTES];
    hc_ts_format ts_format;
    char ts_format_text[32];
    int header;
    hc_aggregation aggregation;
    hc_fill_rule middlefill;
    hc_fill_rule backfill;
} hc_predictor_def;

/* Parses and validates a CreatePredictor request (SPEC 3.1-3.3). Relative
 * TargetTimeSeries.Path values are resolved against the current directory.
 * Checks needing the data (horizon vs length, offset) are in
 * hc_predictor_check_data. */
int hc_predictor_def_parse(hc_predictor_def *def, const json_t *request,
                           hc_error *err);
void hc_predictor_def_free(hc_predictor_def *def);

/* Parses a CreateAutoPredictor request (with the TargetTimeSeries,
 * NumberOfBacktestWindows and BackTestWindowOffset extensions). The name is
 * taken as given: the caller appends the ARN id. */
int hc_predictor_def_parse_auto(hc_predictor_def *def, const json_t *request,
                                hc_error *err);

/* The definition recorded in a predictor's document (its _Request, read
 * by the parser matching IsAutoPredictor). */
int hc_predictor_def_from_stored(hc_predictor_def *def, const json_t *doc,
                                 hc_error *err);

/* TrainingParameters of `req` (absent: none) -> HC_FIT_* bits and numeric
 * values (zero: default) for `model`'s fits, or for any AutoML candidate's
 * when model is NULL. Unknown keys and values are refused. */
int hc_training_params_parse(const json_t *req, const hc_model *model,
                             uint32_t *options, hc_model_params *params,
                             hc_error *err);

/* OptimizationMetric text -> value; 0 or -1. */
int hc_opt_metric_parse(const char *text, hc_opt_metric *out);

/* "AverageWeightedQuantileLoss", "WAPE", ... */
const char *hc_opt_metric_name(hc_opt_metric m);

/* Dataset options that read def's TargetTimeSeries. */
void hc_predictor_dataset_options(const hc_predictor_def *def,
                                  hc_dataset_options *opts);

/* ForecastHorizon <= min(500, longest - 1); horizon <= offset < longest/2. */
int hc_predictor_check_data(const hc_predictor_def *def, const hc_dataset *ds,
                            hc_error *err);

/* Effective offset (the horizon when not given). */
long hc_predictor_offset(const hc_predictor_def *def);

/* Start step of window k (k = 0 newest): end - offset - k*offset + 1. */
int64_t hc_window_start(const hc_predictor_def *def, const hc_dataset *ds,
                        int k);

/* Why an item-window has no forecast. */
typedef enum hc_window_state {
    HC_WIN_FITTED = 0,
    HC_WIN_NO_HISTORY = 1,  /* no observation before the window */
    HC_WIN_FILLED = 2,      /* a value inside the window was filled */
    HC_WIN_OUTSIDE = 3      /* the window is not inside the item's series */
} hc_window_state;

/* Decides whether item `s` takes part in window k; sets *train_len to the
 * number of training values (from the series start to the window start).
 * filled: the series' filled flags (hc_dataset_series_filled). */
hc_window_state hc_window_state_of(const hc_predictor_def *def, const hc_series *s,
                                   const uint8_t *filled, int64_t window_start,
                                   size_t *train_len);

/* Deterministic seed for (item, window). */
uint64_t hc_fit_seed(const hc_series *s, size_t ndims, int k);

/* ---- model file ------------------------------------------------------ */

/* One stored (item, window) fit, pointing into the loaded file. */
typedef struct hc_fit_view {
    hc_window_state state;
    uint16_t algorithm;
    uint16_t fallback;
    uint32_t nparams;
    const double *params; /* aligned copy owned by the model file */
} hc_fit_view;

typedef struct hc_model_file hc_model_file;

/* Maps and checks the model file (size, CRC on `threads` threads, header,
 * every entry's bounds). */
int hc_model_file_load(hc_model_file **out, const char *path, size_t nitems,
                       int nwindows, int threads, hc_error *err);
/* Entry for item i (dataset order) and window k (0 newest). */
const hc_fit_view *hc_model_file_get(const hc_model_file *mf, size_t item,
                                     int k);
void hc_model_file_free(hc_model_file *mf);

typedef struct hc_train_summary {
    size_t items;
    size_t fitted;           /* item-windows fitted */
    size_t excluded;         /* item-windows without a forecast */
    size_t fallbacks;        /* fits that used a simpler model */
    size_t by_algorithm[16]; /* fits per hc_algorithm id */
    size_t items_by_algorithm[16]; /* AutoPredictor: items per chosen model */
} hc_train_summary;

/* Fits every (item, window) on `threads` workers and writes the model file
 * (temporary name, fsync, rename). Deterministic for any thread count.
 * `cancelled` (may be NULL) is polled before each item; when it returns
 * non-zero training stops with HC_ERR_STOPPED and no model file. */
int hc_train(const hc_predictor_def *def, const hc_dataset *ds, int threads,
             const char *model_path, int (*cancelled)(void),
             hc_train_summary *summary, hc_error *err);

/* The summary as a JSON object for describe-predictor. */
json_t *hc_train_summary_json(const hc_train_summary *s);

#endif

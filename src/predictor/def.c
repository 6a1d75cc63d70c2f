/* CreatePredictor request -> validated predictor definition. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hindcast/buf.h"
#include "hindcast/numfmt.h"
#include "hindcast/validate.h"
#include "predictor/predictor.h"
#include "service/json_util.h"

static const char *const request_members[] = {
    "PredictorName", "AlgorithmArn", "ForecastHorizon", "ForecastTypes",
    "PerformAutoML", "AutoMLOverrideStrategy", "PerformHPO",
    "TrainingParameters", "EvaluationParameters", "HPOConfig",
    "InputDataConfig", "FeaturizationConfig", "EncryptionConfig", "Tags",
    "OptimizationMetric", "TargetTimeSeries", NULL};

static int invalid(hc_error *err, const char *msg)
{
    return hc_error_set(err, HC_ERR_INVALID_INPUT, "%s", msg);
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static int parse_forecast_types(hc_predictor_def *def, const json_t *req,
                                hc_error *err)
{
    json_t *arr = NULL;
    int rc = ju_get_array(req, "ForecastTypes", "ForecastTypes", 0, &arr, err);
    if (rc)
        return rc;
    const char *types[HC_MAX_FORECAST_TYPES + 1];
    size_t n = 0;
    if (!arr) {
        static const char *const defaults[] = {"0.1", "0.5", "0.9"};
        for (n = 0; n < 3; n++)
            types[n] = defaults[n];
    } else {
        size_t count = json_array_size(arr);
        if (count == 0 || count > HC_MAX_FORECAST_TYPES)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "ForecastTypes must hold 1 to 5 values, got %zu",
                                count);
        for (n = 0; n < count; n++) {
            json_t *v = json_array_get(arr, n);
            if (!json_is_string(v))
                return hc_error_set(err, HC_ERR_USAGE,
                                    "Parameter validation failed:\nInvalid type "
                                    "for parameter ForecastTypes[%zu], valid "
                                    "types: <class 'str'>", n);
            types[n] = json_string_value(v);
        }
    }
    double taus[HC_MAX_FORECAST_TYPES];
    rc = hc_validate_forecast_types(types, n, taus, err);
    if (rc)
        return rc;
    def->ntypes = n;
    def->nquantiles = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(def->types[i], sizeof def->types[i], "%s", types[i]);
        def->type_taus[i] = taus[i];
        if (!isnan(taus[i]))
            def->quantiles[def->nquantiles++] = taus[i];
    }
    /* wQL columns and quantile forecasts are kept in ascending tau order. */
    for (size_t i = 1; i < def->nquantiles; i++)
        for (size_t j = i; j > 0 && def->quantiles[j - 1] > def->quantiles[j]; j--) {
            double t = def->quantiles[j];
            def->quantiles[j] = def->quantiles[j - 1];
            def->quantiles[j - 1] = t;
        }
    return 0;
}

static int parse_evaluation(hc_predictor_def *def, const json_t *req,
                            hc_error *err)
{
    json_t *ev = NULL;
    int rc = ju_get_object(req, "EvaluationParameters", "EvaluationParameters",
                           0, &ev, err);
    if (rc)
        return rc;
    def->nwindows = 1;
    def->offset = 0;
    if (!ev)
        return 0;
    static const char *const members[] = {"NumberOfBacktestWindows",
                                          "BackTestWindowOffset", NULL};
    if ((rc = ju_check_members(ev, "input.EvaluationParameters", members, err)))
        return rc;
    long long windows = 1, offset = 0;
    if ((rc = ju_get_int(ev, "NumberOfBacktestWindows",
                         "EvaluationParameters.NumberOfBacktestWindows", 0,
                         &windows, err)))
        return rc;
    if ((rc = ju_get_int(ev, "BackTestWindowOffset",
                         "EvaluationParameters.BackTestWindowOffset", 0,
                         &offset, err)))
        return rc;
    if (windows < 1 || windows > HC_MAX_WINDOWS)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "EvaluationParameters.NumberOfBacktestWindows must "
                            "be between 1 and 5, got %lld", windows);
    if (json_object_get(ev, "BackTestWindowOffset")) {
        if (offset < 1 || offset > INT_MAX)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "EvaluationParameters.BackTestWindowOffset must "
                                "be a positive number of steps, got %lld",
                                offset);
        if ((size_t)offset < def->horizon)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "EvaluationParameters.BackTestWindowOffset (%lld) "
                                "must be at least ForecastHorizon (%zu)", offset,
                                def->horizon);
        def->offset = (long)offset;
    }
    def->nwindows = (int)windows;
    return 0;
}

static int parse_fill_rule(const json_t *params, const char *key,
                           const char *value_key, hc_fill_rule *rule,
                           hc_error *err)
{
    const char *text = NULL;
    int rc = ju_get_string(params, key, key, 0, &text, err);
    if (rc || !text)
        return rc;
    hc_fill_method m;
    if (hc_fill_method_parse(text, &m) != 0 || m == HC_FILL_NONE)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "FeaturizationMethodParameters.%s '%s' is not one "
                            "of zero, nan, value, median, mean, min, max",
                            key, text);
    rule->method = m;
    if (m == HC_FILL_VALUE) {
        const char *v = NULL;
        if ((rc = ju_get_string(params, value_key, value_key, 0, &v, err)))
            return rc;
        if (!v)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "FeaturizationMethodParameters.%s is required "
                                "when %s is 'value'", value_key, key);
        if (hc_parse_double(v, strlen(v), &rule->value) != 0 ||
            !isfinite(rule->value))
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "FeaturizationMethodParameters.%s '%s' is not "
                                "a finite number", value_key, v);
    }
    return 0;
}

/* The filling parameters of a target_value featurization (CreatePredictor)
 * or attribute transformation (CreateAutoPredictor). */
static int apply_filling(hc_predictor_def *def, const json_t *params,
                         const char *where, hc_error *err)
{
    int rc;
    (void)where;
    static const char *const members[] = {
        "aggregation", "frontfill", "middlefill", "backfill",
        "middlefill_value", "backfill_value", NULL};
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)params, key, value) {
        int known = 0;
        for (size_t k = 0; members[k]; k++)
            known |= strcmp(key, members[k]) == 0;
        if (!known)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "FeaturizationMethodParameters: unknown "
                                "parameter '%s' (known: aggregation, "
                                "frontfill, middlefill, backfill, "
                                "middlefill_value, backfill_value)",
                                key);
    }
    const char *text = NULL;
    if ((rc = ju_get_string(params, "aggregation", "aggregation", 0,
                            &text, err)))
        return rc;
    if (text && hc_aggregation_parse(text, &def->aggregation) != 0)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "FeaturizationMethodParameters.aggregation "
                            "'%s' is not one of sum, avg, first, min, "
                            "max, none", text);
    text = NULL;
    if ((rc = ju_get_string(params, "frontfill", "frontfill", 0, &text,
                            err)))
        return rc;
    if (text && strcmp(text, "none") != 0)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "FeaturizationMethodParameters.frontfill "
                            "'%s' is not supported: frontfill must be "
                            "'none'", text);
    if ((rc = parse_fill_rule(params, "middlefill", "middlefill_value",
                              &def->middlefill, err)))
        return rc;
    if ((rc = parse_fill_rule(params, "backfill", "backfill_value",
                              &def->backfill, err)))
        return rc;
    return 0;
}

static int parse_featurizations(hc_predictor_def *def, const json_t *fc,
                                hc_error *err)
{
    json_t *arr = NULL;
    int rc = ju_get_array(fc, "Featurizations", "FeaturizationConfig.Featurizations",
                          0, &arr, err);
    if (rc || !arr)
        return rc;
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f) {
        if (!json_is_object(f))
            return hc_error_set(err, HC_ERR_USAGE,
                                "Parameter validation failed:\nInvalid type for "
                                "parameter FeaturizationConfig.Featurizations[%zu]",
                                i);
        const char *attr = NULL;
        if ((rc = ju_get_string(f, "AttributeName",
                                "FeaturizationConfig.Featurizations.AttributeName",
                                1, &attr, err)))
            return rc;
        if (strcmp(attr, "target_value") != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "Featurizations: attribute '%s' cannot be "
                                "featurized; only target_value is supported",
                                attr);
        json_t *pipe = NULL;
        if ((rc = ju_get_array(f, "FeaturizationPipeline",
                               "FeaturizationConfig.Featurizations.FeaturizationPipeline",
                               0, &pipe, err)))
            return rc;
        size_t j;
        json_t *step;
        json_array_foreach(pipe, j, step) {
            const char *method = NULL;
            if (!json_is_object(step))
                return hc_error_set(err, HC_ERR_USAGE,
                                    "Parameter validation failed:\nInvalid type "
                                    "for parameter FeaturizationPipeline[%zu]", j);
            if ((rc = ju_get_string(step, "FeaturizationMethodName",
                                    "FeaturizationMethodName", 1, &method, err)))
                return rc;
            if (strcmp(method, "filling") != 0)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "FeaturizationMethodName '%s' is not "
                                    "supported; the only method is 'filling'",
                                    method);
            json_t *params = NULL;
            if ((rc = ju_get_object(step, "FeaturizationMethodParameters",
                                    "FeaturizationMethodParameters", 0, &params,
                                    err)))
                return rc;
            if (!params)
                continue;
            if ((rc = apply_filling(def, params, "FeaturizationMethodParameters",
                                    err)))
                return rc;
        }
    }
    return 0;
}

static int parse_featurization_config(hc_predictor_def *def, const json_t *req,
                                      hc_error *err)
{
    json_t *fc = NULL;
    int rc = ju_get_object(req, "FeaturizationConfig", "FeaturizationConfig", 1,
                           &fc, err);
    if (rc)
        return rc;
    static const char *const members[] = {"ForecastFrequency",
                                          "ForecastDimensions",
                                          "Featurizations", NULL};
    if ((rc = ju_check_members(fc, "input.FeaturizationConfig", members, err)))
        return rc;
    const char *freq = NULL;
    if ((rc = ju_get_string(fc, "ForecastFrequency",
                            "FeaturizationConfig.ForecastFrequency", 1, &freq,
                            err)))
        return rc;
    if (hc_freq_parse(freq, &def->freq) != 0)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "FeaturizationConfig.ForecastFrequency '%s' is not "
                            "one of Y, M, W, D, H, 30min, 15min, 10min, 5min, "
                            "1min", freq);
    json_t *dims = NULL;
    if ((rc = ju_get_array(fc, "ForecastDimensions",
                           "FeaturizationConfig.ForecastDimensions", 0, &dims,
                           err)))
        return rc;
    if (dims) {
        size_t i;
        json_t *d;
        if (json_array_size(dims) > 10)
            return invalid(err, "FeaturizationConfig.ForecastDimensions holds "
                                "at most 10 attribute names");
        json_array_foreach(dims, i, d) {
            if (!json_is_string(d))
                return hc_error_set(err, HC_ERR_USAGE,
                                    "Parameter validation failed:\nInvalid type "
                                    "for parameter ForecastDimensions[%zu]", i);
            for (size_t j = 0; j < def->ndims; j++)
                if (strcmp(def->dims[j], json_string_value(d)) == 0)
                    return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                        "FeaturizationConfig.ForecastDimensions "
                                        "lists '%s' twice", def->dims[j]);
            def->dims[def->ndims] = dup_or_null(json_string_value(d));
            if (!def->dims[def->ndims])
                return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            def->ndims++;
        }
    }
    return parse_featurizations(def, fc, err);
}

static int parse_target_time_series(hc_predictor_def *def, const json_t *req,
                                    hc_error *err)
{
    json_t *tts = NULL;
    int rc = ju_get_object(req, "TargetTimeSeries", "TargetTimeSeries", 1, &tts,
                           err);
    if (rc)
        return rc;
    static const char *const members[] = {"Path", "Schema", "TimestampFormat",
                                          "Header", NULL};
    if ((rc = ju_check_members(tts, "input.TargetTimeSeries", members, err)))
        return rc;
    const char *path = NULL;
    if ((rc = ju_get_string(tts, "Path", "TargetTimeSeries.Path", 1, &path, err)))
        return rc;
    if (path[0] == '\0')
        return invalid(err, "TargetTimeSeries.Path must not be empty");
    if (path[0] == '/') {
        def->data_path = dup_or_null(path);
    } else {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            return hc_error_set(err, HC_ERR_IO, "cannot read the current directory");
        hc_buf b = HC_BUF_INIT;
        hc_buf_printf(&b, "%s/%s", cwd, path);
        def->data_path = b.data;
    }
    if (!def->data_path)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");

    json_t *schema = NULL, *attrs = NULL;
    if ((rc = ju_get_object(tts, "Schema", "TargetTimeSeries.Schema", 1, &schema,
                            err)))
        return rc;
    if ((rc = ju_get_array(schema, "Attributes",
                           "TargetTimeSeries.Schema.Attributes", 1, &attrs, err)))
        return rc;
    size_t n = json_array_size(attrs);
    if (n < 3 || n > HC_MAX_ATTRIBUTES)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "TargetTimeSeries.Schema.Attributes must hold 3 to "
                            "%d attributes, got %zu", HC_MAX_ATTRIBUTES, n);
    int seen_item = 0, seen_ts = 0, seen_target = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(attrs, i);
        const char *name = NULL, *type = NULL;
        if (!json_is_object(a))
            return hc_error_set(err, HC_ERR_USAGE,
                                "Parameter validation failed:\nInvalid type for "
                                "parameter Schema.Attributes[%zu]", i);
        if ((rc = ju_get_string(a, "AttributeName",
                                "Schema.Attributes.AttributeName", 1, &name, err)) ||
            (rc = ju_get_string(a, "AttributeType",
                                "Schema.Attributes.AttributeType", 1, &type, err)))
            return rc;
        hc_attr_type t;
        if (hc_attr_type_parse(type, &t) != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "Schema attribute '%s': AttributeType '%s' is "
                                "not one of string, timestamp, float, integer",
                                name, type);
        for (size_t j = 0; j < i; j++)
            if (strcmp(def->attr_names[j], name) == 0)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "Schema attribute '%s' appears twice", name);
        if (strcmp(name, "item_id") == 0) {
            seen_item = 1;
            if (t != HC_ATTR_STRING)
                return invalid(err, "Schema attribute item_id must be of type string");
        } else if (strcmp(name, "timestamp") == 0) {
            seen_ts = 1;
            if (t != HC_ATTR_TIMESTAMP)
                return invalid(err, "Schema attribute timestamp must be of type timestamp");
        } else if (strcmp(name, "target_value") == 0) {
            seen_target = 1;
            if (t != HC_ATTR_FLOAT && t != HC_ATTR_INTEGER)
                return invalid(err, "Schema attribute target_value must be of "
                                    "type float or integer");
        } else if (t != HC_ATTR_STRING) {
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "Schema attribute '%s' has type %s; extra "
                                "attributes of a target time series must be "
                                "strings (dimensions)", name, type);
        }
        def->attr_names[i] = dup_or_null(name);
        if (!def->attr_names[i])
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        def->attr_types[i] = t;
        def->nattributes = i + 1;
    }
    if (!seen_item || !seen_ts || !seen_target)
        return invalid(err, "TargetTimeSeries.Schema.Attributes must include "
                            "item_id, timestamp and target_value");
    /* Every extra string attribute is a dimension; ForecastDimensions, when
     * given, fixes their order and must name each of them. */
    size_t extras = 0;
    for (size_t i = 0; i < def->nattributes; i++) {
        const char *name = def->attr_names[i];
        if (!strcmp(name, "item_id") || !strcmp(name, "timestamp") ||
            !strcmp(name, "target_value"))
            continue;
        extras++;
        int listed = 0;
        for (size_t j = 0; j < def->ndims; j++)
            listed |= strcmp(def->dims[j], name) == 0;
        if (!listed && def->ndims != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "Schema attribute '%s' is a dimension but is "
                                "not listed in "
                                "FeaturizationConfig.ForecastDimensions",
                                name);
    }
    if (def->ndims == 0) {
        for (size_t i = 0; i < def->nattributes; i++) {
            const char *name = def->attr_names[i];
            if (!strcmp(name, "item_id") || !strcmp(name, "timestamp") ||
                !strcmp(name, "target_value"))
                continue;
            def->dims[def->ndims] = dup_or_null(name);
            if (!def->dims[def->ndims])
                return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            def->ndims++;
        }
    } else {
        for (size_t j = 0; j < def->ndims; j++) {
            int found = 0;
            for (size_t i = 0; i < def->nattributes; i++)
                found |= strcmp(def->attr_names[i], def->dims[j]) == 0 &&
                         def->attr_types[i] == HC_ATTR_STRING &&
                         strcmp(def->dims[j], "item_id") != 0;
            if (!found)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "FeaturizationConfig.ForecastDimensions: "
                                    "'%s' is not a string attribute of the "
                                    "target time series schema (other than "
                                    "item_id)", def->dims[j]);
        }
        if (def->ndims != extras)
            return invalid(err, "FeaturizationConfig.ForecastDimensions must "
                                "list every extra string attribute of the "
                                "target time series schema");
    }

    const char *tsfmt = NULL;
    if ((rc = ju_get_string(tts, "TimestampFormat",
                            "TargetTimeSeries.TimestampFormat", 0, &tsfmt, err)))
        return rc;
    if (hc_ts_format_parse(tsfmt, &def->ts_format) != 0)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "TargetTimeSeries.TimestampFormat '%s' is not one "
                            "of yyyy-MM-dd, yyyy-MM-dd HH:mm:ss, "
                            "yyyy-MM-dd'T'HH:mm:ss, yyyy-MM-dd'T'HH:mm:ssZ, auto",
                            tsfmt);
    snprintf(def->ts_format_text, sizeof def->ts_format_text, "%s",
             tsfmt ? tsfmt : "auto");
    return ju_get_bool(tts, "Header", "TargetTimeSeries.Header", 0, &def->header,
                       err);
}

int hc_predictor_def_parse(hc_predictor_def *def, const json_t *req,
                           hc_error *err)
{
    memset(def, 0, sizeof *def);
    def->aggregation = HC_AGG_SUM;
    def->middlefill.method = HC_FILL_ZERO;
    def->backfill.method = HC_FILL_ZERO;
    int rc;
    if (!json_is_object(req))
        return hc_error_set(err, HC_ERR_USAGE,
                            "Parameter validation failed:\nthe request must be "
                            "a JSON object");
    if ((rc = ju_check_members(req, "input", request_members, err)))
        return rc;
    const char *name = NULL, *algo = NULL;
    if ((rc = ju_get_string(req, "PredictorName", "PredictorName", 1, &name, err)))
        return rc;
    if ((rc = hc_validate_name(name, "predictorName", err)))
        return rc;
    snprintf(def->name, sizeof def->name, "%s", name);

    int automl = 0;
    if ((rc = ju_get_bool(req, "PerformAutoML", "PerformAutoML", 0, &automl, err)))
        return rc;
    if ((rc = ju_get_string(req, "AlgorithmArn", "AlgorithmArn", 0, &algo, err)))
        return rc;
    const char *metric = NULL;
    if ((rc = ju_get_string(req, "OptimizationMetric", "OptimizationMetric", 0,
                            &metric, err)))
        return rc;
    if (automl) {
        /* Legacy AutoML: like an AutoPredictor, the best model per item. */
        if (algo)
            return invalid(err, "AlgorithmArn must not be given when "
                                "PerformAutoML is true");
        def->automl = 1;
        def->metric = HC_OPT_AVG_WQL;
        if (metric && hc_opt_metric_parse(metric, &def->metric) != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "1 validation error detected: Value '%s' at "
                                "'optimizationMetric' failed to satisfy "
                                "constraint: Member must satisfy enum value set: "
                                "[WAPE, RMSE, AverageWeightedQuantileLoss, MASE, "
                                "MAPE]", metric);
    } else {
        if (!algo)
            return invalid(err, "AlgorithmArn is required when PerformAutoML is "
                                "false");
        if ((rc = hc_validate_arn(algo, "algorithmArn", err)))
            return rc;
        def->model = hc_model_by_arn(algo);
        if (!def->model)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "AlgorithmArn '%s' is not supported. Supported "
                                "algorithms: %s", algo, hc_model_supported_arns());
        snprintf(def->algorithm_arn, sizeof def->algorithm_arn, "%s", algo);
    }

    long long horizon = 0;
    if ((rc = ju_get_int(req, "ForecastHorizon", "ForecastHorizon", 1, &horizon,
                         err)))
        return rc;
    if (horizon < 1 || horizon > HC_MAX_HORIZON)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "ForecastHorizon must be between 1 and 500, got %lld",
                            horizon);
    def->horizon = (size_t)horizon;
    if ((rc = parse_forecast_types(def, req, err)) ||
        (rc = parse_evaluation(def, req, err)) ||
        (rc = hc_training_params_parse(req, def->model, &def->fit_options,
                                       &def->fit_params, err)) ||
        (rc = parse_featurization_config(def, req, err)) ||
        (rc = parse_target_time_series(def, req, err)))
        return rc;
    return 0;
}

void hc_predictor_def_free(hc_predictor_def *def)
{
    if (!def)
        return;
    for (size_t i = 0; i < HC_MAX_ATTRIBUTES; i++) {
        free(def->dims[i]);
        free(def->attr_names[i]);
        def->dims[i] = def->attr_names[i] = NULL;
    }
    free(def->data_path);
    def->data_path = NULL;
}

void hc_predictor_dataset_options(const hc_predictor_def *def,
                                  hc_dataset_options *opts)
{
    hc_dataset_options_init(opts);
    opts->path = def->data_path;
    opts->nattributes = def->nattributes;
    opts->attribute_names = (const char *const *)def->attr_names;
    opts->attribute_types = def->attr_types;
    opts->ts_format = def->ts_format;
    opts->header = def->header;
    opts->freq = def->freq;
    opts->aggregation = def->aggregation;
    opts->middlefill = def->middlefill;
    opts->backfill = def->backfill;
    opts->ndimensions = def->ndims;
    opts->dimensions = (const char *const *)def->dims;
}

long hc_predictor_offset(const hc_predictor_def *def)
{
    return def->offset > 0 ? def->offset : (long)def->horizon;
}

int hc_predictor_check_data(const hc_predictor_def *def, const hc_dataset *ds,
                            hc_error *err)
{
    size_t longest = 0;
    for (size_t i = 0; i < ds->nseries; i++)
        if (ds->series[i].length > longest)
            longest = ds->series[i].length;
    if (longest < 2 || def->horizon > longest - 1)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "ForecastHorizon (%zu) must be at most the longest "
                            "series length minus one (%zu)", def->horizon,
                            longest ? longest - 1 : 0);
    long offset = hc_predictor_offset(def);
    if ((size_t)offset * 2 >= longest)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "EvaluationParameters.BackTestWindowOffset (%ld) "
                            "must be less than half the longest series (%zu "
                            "steps)", offset, longest);
    return 0;
}

int64_t hc_window_start(const hc_predictor_def *def, const hc_dataset *ds, int k)
{
    long offset = hc_predictor_offset(def);
    return ds->end_step - offset - (int64_t)k * offset + 1;
}

hc_window_state hc_window_state_of(const hc_predictor_def *def, const hc_series *s,
                                   const uint8_t *filled, int64_t window_start,
                                   size_t *train_len)
{
    *train_len = 0;
    if (window_start <= s->start)
        return HC_WIN_NO_HISTORY;
    int64_t window_end = window_start + (int64_t)def->horizon - 1;
    if (window_end > s->start + (int64_t)s->length - 1)
        return HC_WIN_OUTSIDE;
    size_t first = (size_t)(window_start - s->start);
    for (size_t t = 0; t < def->horizon; t++)
        if (filled[first + t])
            return HC_WIN_FILLED;
    *train_len = first;
    return HC_WIN_FITTED;
}

uint64_t hc_fit_seed(const hc_series *s, size_t ndims, int k)
{
    /* FNV-1a over the item key, then mixed with the window: stable across
     * runs, thread counts and machines. */
    uint64_t h = 1469598103934665603ull;
    for (const char *p = s->item_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (size_t d = 0; d < ndims; d++) {
        h = (h ^ 0xffu) * 1099511628211ull;
        for (const char *p = s->dims[d]; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
    }
    h ^= (uint64_t)(k + 1) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

int hc_resource_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= HC_RESOURCE_NAME_MAX ||
        !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        return 0;
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

const char *hc_opt_metric_name(hc_opt_metric m)
{
    switch (m) {
    case HC_OPT_WAPE: return "WAPE";
    case HC_OPT_RMSE: return "RMSE";
    case HC_OPT_MASE: return "MASE";
    case HC_OPT_MAPE: return "MAPE";
    default: return "AverageWeightedQuantileLoss";
    }
}

int hc_opt_metric_parse(const char *text, hc_opt_metric *out)
{
    static const hc_opt_metric all[] = {HC_OPT_WAPE, HC_OPT_RMSE, HC_OPT_AVG_WQL,
                                        HC_OPT_MASE, HC_OPT_MAPE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(text, hc_opt_metric_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

static const char *const auto_request_members[] = {
    "PredictorName", "ForecastHorizon", "ForecastTypes", "ForecastDimensions",
    "ForecastFrequency", "DataConfig", "EncryptionConfig",
    "ReferencePredictorArn", "OptimizationMetric", "ExplainPredictor", "Tags",
    "MonitorConfig", "TimeAlignmentBoundary", "TargetTimeSeries",
    "NumberOfBacktestWindows", "BackTestWindowOffset", NULL};

/* CreateAutoPredictor is mapped onto the CreatePredictor parser: the same
 * members under their CreatePredictor names, so every rule is checked once. */
int hc_predictor_def_parse_auto(hc_predictor_def *def, const json_t *req,
                                hc_error *err)
{
    memset(def, 0, sizeof *def);
    int rc;
    if (!json_is_object(req))
        return hc_error_set(err, HC_ERR_USAGE,
                            "Parameter validation failed:\nthe request must be "
                            "a JSON object");
    if ((rc = ju_check_members(req, "input", auto_request_members, err)))
        return rc;
    static const char *const unsupported[] = {"ReferencePredictorArn",
                                              "MonitorConfig",
                                              "TimeAlignmentBoundary", NULL};
    for (size_t i = 0; unsupported[i]; i++)
        if (json_object_get(req, unsupported[i]))
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "%s is not supported by hindcast", unsupported[i]);
    int explain = 0;
    if ((rc = ju_get_bool(req, "ExplainPredictor", "ExplainPredictor", 0, &explain,
                          err)))
        return rc;
    if (explain)
        return invalid(err, "ExplainPredictor is not supported by hindcast");
    const char *metric = NULL;
    if ((rc = ju_get_string(req, "OptimizationMetric", "OptimizationMetric", 0,
                            &metric, err)))
        return rc;
    hc_opt_metric m = HC_OPT_AVG_WQL;
    if (metric && hc_opt_metric_parse(metric, &m) != 0)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "1 validation error detected: Value '%s' at "
                            "'optimizationMetric' failed to satisfy constraint: "
                            "Member must satisfy enum value set: [WAPE, RMSE, "
                            "AverageWeightedQuantileLoss, MASE, MAPE]", metric);
    const char *freq = NULL;
    if ((rc = ju_get_string(req, "ForecastFrequency", "ForecastFrequency", 1, &freq,
                            err)))
        return rc;

    json_t *mapped = json_object();
    static const char *const copied[] = {"PredictorName", "ForecastHorizon",
                                         "ForecastTypes", "TargetTimeSeries", NULL};
    for (size_t i = 0; copied[i]; i++) {
        json_t *v = json_object_get(req, copied[i]);
        if (v)
            json_object_set(mapped, copied[i], v);
    }
    json_object_set_new(mapped, "AlgorithmArn",
                        json_string("arn:hindcast:::algorithm/Naive"));
    json_t *eval = json_object();
    if (json_object_get(req, "NumberOfBacktestWindows"))
        json_object_set(eval, "NumberOfBacktestWindows",
                        json_object_get(req, "NumberOfBacktestWindows"));
    if (json_object_get(req, "BackTestWindowOffset"))
        json_object_set(eval, "BackTestWindowOffset",
                        json_object_get(req, "BackTestWindowOffset"));
    json_object_set_new(mapped, "EvaluationParameters", eval);
    json_t *fc = json_object();
    json_object_set_new(fc, "ForecastFrequency", json_string(freq));
    if (json_object_get(req, "ForecastDimensions"))
        json_object_set(fc, "ForecastDimensions",
                        json_object_get(req, "ForecastDimensions"));
    json_object_set_new(mapped, "FeaturizationConfig", fc);

    json_t *data = NULL, *attrs = NULL;
    if ((rc = ju_get_object(req, "DataConfig", "DataConfig", 0, &data, err)))
        goto done;
    if (data) {
        static const char *const members[] = {"DatasetGroupArn", "AttributeConfigs",
                                              "AdditionalDatasets", NULL};
        if ((rc = ju_check_members(data, "input.DataConfig", members, err)))
            goto done;
        if (json_object_get(data, "AdditionalDatasets")) {
            rc = invalid(err, "DataConfig.AdditionalDatasets (weather, holidays) "
                              "are not supported by hindcast");
            goto done;
        }
        if ((rc = ju_get_array(data, "AttributeConfigs",
                               "DataConfig.AttributeConfigs", 0, &attrs, err)))
            goto done;
    }
    rc = hc_predictor_def_parse(def, mapped, err);
    if (rc == 0 && attrs) {
        size_t i;
        json_t *a;
        json_array_foreach(attrs, i, a) {
            const char *name = NULL;
            json_t *tr = NULL;
            if (!json_is_object(a)) {
                rc = hc_error_set(err, HC_ERR_USAGE,
                                  "Parameter validation failed:\nInvalid type for "
                                  "parameter DataConfig.AttributeConfigs[%zu]", i);
                break;
            }
            if ((rc = ju_get_string(a, "AttributeName",
                                    "DataConfig.AttributeConfigs.AttributeName", 1,
                                    &name, err)) ||
                (rc = ju_get_object(a, "Transformations",
                                    "DataConfig.AttributeConfigs.Transformations",
                                    1, &tr, err)))
                break;
            if (strcmp(name, "target_value") != 0) {
                rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                                  "DataConfig.AttributeConfigs: attribute '%s' "
                                  "cannot be transformed; only target_value is "
                                  "supported", name);
                break;
            }
            if ((rc = apply_filling(def, tr, "Transformations", err)))
                break;
        }
    }
    if (rc == 0) {
        def->automl = 1;
        def->auto_predictor = 1;
        def->metric = m;
        def->model = NULL;
        def->algorithm_arn[0] = '\0';
    }
done:
    json_decref(mapped);
    return rc;
}

int hc_predictor_def_from_stored(hc_predictor_def *def, const json_t *doc,
                                 hc_error *err)
{
    const json_t *req = json_object_get(doc, "_Request");
    if (!req)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "predictor record has no request: re-create it");
    if (json_is_true(json_object_get(doc, "IsAutoPredictor")))
        return hc_predictor_def_parse_auto(def, req, err);
    return hc_predictor_def_parse(def, req, err);
}

/* CreatePredictor TrainingParameters: algorithm hyperparameters.
 *
 * Amazon's TrainingParameters is a map of string to string whose keys are
 * the chosen algorithm's hyperparameters (snake_case, values as strings,
 * "true"/"false" for switches, as for NPTS's use_seasonal_model). Amazon's
 * ETS and ARIMA take none; hindcast adds one switch to ARIMA, because
 * Amazon's documented rule for long seasons (Fourier terms, K = 4, for a
 * season of 24 or more) is a different method from the seasonal ARIMA that
 * auto.arima fits by default and that the published M4 ARIMA scores come
 * from (docs/decisions.md). NPTS takes Amazon's documented hyperparameters
 * (kernel_type, exp_kernel_weights, use_seasonal_model,
 * use_default_time_features, context_length), numbers included. Keys the
 * algorithm does not take are refused,
 * never ignored: a misspelt switch would otherwise change nothing and
 * say nothing. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "predictor/predictor.h"
#include "service/json_util.h"

/* How a key's string value is read. */
typedef enum param_kind {
    PK_SWITCH,   /* "true" | "false"; option_when set by "false" */
    PK_CHOICE,   /* one of two words; option_when set by the second */
    PK_POSITIVE, /* a finite number > 0 */
    PK_COUNT     /* an integer 1..max */
} param_kind;

typedef struct training_param {
    hc_algorithm algorithm;
    const char *key;
    param_kind kind;
    uint32_t option_when;        /* PK_SWITCH, PK_CHOICE */
    const char *words[2];        /* PK_CHOICE: default, other */
    unsigned long max;           /* PK_COUNT */
    size_t field; /* PK_POSITIVE (a double), PK_COUNT (a uint32_t): its
                     offset in hc_model_params */
} training_param;

/* NPTS: Amazon's hyperparameters (prediction_length is the
 * ForecastHorizon). use_default_time_features = "false" leaves only
 * related-time-series features to define seasons, and hindcast has none,
 * so it turns the seasonal variant off like use_seasonal_model = "false".
 * The 100000 bound on context_length matches the model's (src/models/
 * npts.c). */
static const training_param params_table[] = {
    {HC_ALGO_ARIMA, "use_fourier_terms", PK_SWITCH, HC_FIT_ARIMA_NO_FOURIER,
     {NULL, NULL}, 0, 0},
    {HC_ALGO_NPTS, "context_length", PK_COUNT, 0, {NULL, NULL}, 100000,
     offsetof(hc_model_params, npts_context_length)},
    {HC_ALGO_NPTS, "kernel_type", PK_CHOICE, HC_FIT_NPTS_UNIFORM,
     {"exponential", "uniform"}, 0, 0},
    {HC_ALGO_NPTS, "exp_kernel_weights", PK_POSITIVE, 0, {NULL, NULL}, 0,
     offsetof(hc_model_params, npts_exp_kernel_weights)},
    {HC_ALGO_NPTS, "use_seasonal_model", PK_SWITCH, HC_FIT_NPTS_NO_SEASONAL,
     {NULL, NULL}, 0, 0},
    {HC_ALGO_NPTS, "use_default_time_features", PK_SWITCH,
     HC_FIT_NPTS_NO_SEASONAL, {NULL, NULL}, 0, 0},
};
#define NPARAMS (sizeof params_table / sizeof params_table[0])

/* The keys `model` takes (every model's when NULL, for AutoML), for the
 * message that refuses an unknown one. */
static void list_keys(const hc_model *model, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < NPARAMS; i++) {
        if (model && params_table[i].algorithm != model->id)
            continue;
        int w = snprintf(out + len, cap - len, "%s%s", len ? ", " : "",
                         params_table[i].key);
        if (w < 0 || (size_t)w >= cap - len)
            return;
        len += (size_t)w;
    }
}

static const training_param *find_param(const hc_model *model, const char *key)
{
    for (size_t i = 0; i < NPARAMS; i++)
        if (!strcmp(params_table[i].key, key) &&
            (!model || params_table[i].algorithm == model->id))
            return &params_table[i];
    return NULL;
}

/* Reads one value into options/params. */
static int read_value(const training_param *tp, const char *key,
                      const char *text, uint32_t *options,
                      hc_model_params *params, hc_error *err)
{
    char *end = NULL;
    switch (tp->kind) {
    case PK_SWITCH:
        if (!strcmp(text, "false"))
            *options |= tp->option_when;
        else if (strcmp(text, "true") != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "TrainingParameters.%s must be \"true\" or "
                                "\"false\", got '%s'", key, text);
        return 0;
    case PK_CHOICE:
        if (!strcmp(text, tp->words[1]))
            *options |= tp->option_when;
        else if (strcmp(text, tp->words[0]) != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "TrainingParameters.%s must be \"%s\" or "
                                "\"%s\", got '%s'", key, tp->words[0],
                                tp->words[1], text);
        return 0;
    case PK_POSITIVE: {
        double v = strtod(text, &end);
        if (!*text || *end || !(v > 0.0) || isinf(v))
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "TrainingParameters.%s must be a positive "
                                "number, got '%s'", key, text);
        *(double *)((char *)params + tp->field) = v;
        return 0;
    }
    case PK_COUNT: {
        unsigned long v = 0;
        if (*text >= '1' && *text <= '9')
            v = strtoul(text, &end, 10);
        if (!v || *end || v > tp->max)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "TrainingParameters.%s must be an integer "
                                "from 1 to %lu, got '%s'", key, tp->max, text);
        *(uint32_t *)((char *)params + tp->field) = (uint32_t)v;
        return 0;
    }
    }
    return hc_error_set(err, HC_ERR_INTERNAL, "unknown parameter kind");
}

int hc_training_params_parse(const json_t *req, const hc_model *model,
                             uint32_t *options, hc_model_params *params,
                             hc_error *err)
{
    *options = 0;
    memset(params, 0, sizeof *params);
    json_t *tp = NULL;
    int rc = ju_get_object(req, "TrainingParameters", "TrainingParameters", 0,
                           &tp, err);
    if (rc || !tp)
        return rc;
    const char *key;
    json_t *value;
    json_object_foreach(tp, key, value) {
        if (!json_is_string(value))
            return hc_error_set(err, HC_ERR_USAGE,
                                "Parameter validation failed:\nInvalid type for "
                                "parameter TrainingParameters.%s, valid types: "
                                "<class 'str'>", key);
        const training_param *p = find_param(model, key);
        if (!p) {
            char keys[256];
            list_keys(model, keys, sizeof keys);
            const char *who = model ? model->name : "any AutoML candidate";
            if (!keys[0])
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "TrainingParameters: '%s' is not a "
                                    "hyperparameter of %s, which takes none",
                                    key, who);
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "TrainingParameters: '%s' is not a "
                                "hyperparameter of %s; it takes: %s", key, who,
                                keys);
        }
        rc = read_value(p, key, json_string_value(value), options, params, err);
        if (rc)
            return rc;
    }
    return 0;
}

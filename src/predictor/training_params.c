/* CreatePredictor TrainingParameters: algorithm hyperparameters.
 *
 * Amazon's TrainingParameters is a map of string to string whose keys are
 * the chosen algorithm's hyperparameters (snake_case, values as strings,
 * "true"/"false" for switches, as for NPTS's use_seasonal_model). Amazon's
 * ETS and ARIMA take none; hindcast adds one switch to ARIMA, because
 * Amazon's documented rule for long seasons (Fourier terms, K = 4, for a
 * season of 24 or more) is a different method from the seasonal ARIMA that
 * auto.arima fits by default and that the published M4 ARIMA scores come
 * from (docs/decisions.md). Keys the algorithm does not take are refused,
 * never ignored: a misspelt switch would otherwise change nothing and
 * say nothing. */
#include <string.h>

#include "predictor/predictor.h"
#include "service/json_util.h"

typedef struct switch_param {
    hc_algorithm algorithm;
    const char *key;
    uint32_t option_when_false; /* HC_FIT_* bit set by "false" */
} switch_param;

static const switch_param switches[] = {
    {HC_ALGO_ARIMA, "use_fourier_terms", HC_FIT_ARIMA_NO_FOURIER},
};
#define NSWITCHES (sizeof switches / sizeof switches[0])

/* The keys `model` takes (every model's when NULL, for AutoML), for the
 * message that refuses an unknown one. */
static void list_keys(const hc_model *model, char *out, size_t cap)
{
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < NSWITCHES; i++) {
        if (model && switches[i].algorithm != model->id)
            continue;
        int w = snprintf(out + len, cap - len, "%s%s", len ? ", " : "",
                         switches[i].key);
        if (w < 0 || (size_t)w >= cap - len)
            return;
        len += (size_t)w;
    }
}

static const switch_param *find_switch(const hc_model *model, const char *key)
{
    for (size_t i = 0; i < NSWITCHES; i++)
        if (!strcmp(switches[i].key, key) &&
            (!model || switches[i].algorithm == model->id))
            return &switches[i];
    return NULL;
}

int hc_training_params_parse(const json_t *req, const hc_model *model,
                             uint32_t *options, hc_error *err)
{
    *options = 0;
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
        const switch_param *sw = find_switch(model, key);
        if (!sw) {
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
        const char *text = json_string_value(value);
        if (!strcmp(text, "false"))
            *options |= sw->option_when_false;
        else if (strcmp(text, "true") != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "TrainingParameters.%s must be \"true\" or "
                                "\"false\", got '%s'", key, text);
    }
    return 0;
}

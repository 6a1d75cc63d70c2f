/* TrainingParameters: which keys each algorithm takes, what they switch,
 * and the messages that refuse the rest. */
#include <string.h>

#include <jansson.h>

#include "hc_check.h"
#include "predictor/predictor.h"

/* Parses {"TrainingParameters": <tp>} for `model` (NULL: AutoML). */
static int parse(const char *tp, const hc_model *model, uint32_t *opts,
                 hc_error *err)
{
    char text[512];
    snprintf(text, sizeof text, "{\"TrainingParameters\": %s}", tp);
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(req);
    int rc = hc_training_params_parse(req, model, opts, err);
    json_decref(req);
    return rc;
}

START_TEST(absent_or_default_switches_nothing)
{
    hc_error err;
    uint32_t opts = 99;
    json_t *req = json_object();
    ck_assert_int_eq(hc_training_params_parse(req, hc_model_by_id(HC_ALGO_ETS),
                                              &opts, &err), 0);
    ck_assert_uint_eq(opts, 0);
    json_decref(req);
    const hc_model *arima = hc_model_by_id(HC_ALGO_ARIMA);
    ck_assert_int_eq(parse("{}", arima, &opts, &err), 0);
    ck_assert_uint_eq(opts, 0);
    ck_assert_int_eq(parse("{\"use_fourier_terms\": \"true\"}", arima, &opts, &err), 0);
    ck_assert_uint_eq(opts, 0);
}
END_TEST

START_TEST(false_sets_the_arima_option)
{
    hc_error err;
    uint32_t opts = 0;
    ck_assert_int_eq(parse("{\"use_fourier_terms\": \"false\"}",
                           hc_model_by_id(HC_ALGO_ARIMA), &opts, &err), 0);
    ck_assert_uint_eq(opts, HC_FIT_ARIMA_NO_FOURIER);
    /* AutoML: any candidate's key reaches that candidate */
    opts = 0;
    ck_assert_int_eq(parse("{\"use_fourier_terms\": \"false\"}", NULL, &opts, &err), 0);
    ck_assert_uint_eq(opts, HC_FIT_ARIMA_NO_FOURIER);
}
END_TEST

START_TEST(refusals_name_the_key_and_the_rule)
{
    hc_error err;
    uint32_t opts = 0;
    const hc_model *arima = hc_model_by_id(HC_ALGO_ARIMA);
    ck_assert_int_eq(parse("{\"use_fourier_terms\": \"False\"}", arima, &opts, &err),
                     HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(err.message, "TrainingParameters.use_fourier_terms must be "
                                  "\"true\" or \"false\", got 'False'");
    ck_assert_int_eq(parse("{\"p\": \"2\"}", arima, &opts, &err), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(err.message, "TrainingParameters: 'p' is not a hyperparameter "
                                  "of ARIMA; it takes: use_fourier_terms");
    ck_assert_int_eq(parse("{\"use_fourier_terms\": \"false\"}",
                           hc_model_by_id(HC_ALGO_THETA), &opts, &err),
                     HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(err.message, "TrainingParameters: 'use_fourier_terms' is not a "
                                  "hyperparameter of Theta, which takes none");
    ck_assert_int_eq(parse("{\"use_fourier_terms\": 0}", arima, &opts, &err),
                     HC_ERR_USAGE);
    ck_assert_int_eq(parse("[]", arima, &opts, &err), HC_ERR_USAGE);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("training_params");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, absent_or_default_switches_nothing);
    tcase_add_test(tc, false_sets_the_arima_option);
    tcase_add_test(tc, refusals_name_the_key_and_the_rule);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

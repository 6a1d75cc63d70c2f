/* TrainingParameters: which keys each algorithm takes, what they switch,
 * and the messages that refuse the rest. */
#include <string.h>

#include <jansson.h>

#include "hc_check.h"
#include "predictor/predictor.h"

/* Parses {"TrainingParameters": <tp>} for `model` (NULL: AutoML). */
static hc_model_params last_params;

static int parse(const char *tp, const hc_model *model, uint32_t *opts,
                 hc_error *err)
{
    char text[512];
    snprintf(text, sizeof text, "{\"TrainingParameters\": %s}", tp);
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(req);
    int rc = hc_training_params_parse(req, model, opts, &last_params, err);
    json_decref(req);
    return rc;
}

START_TEST(absent_or_default_switches_nothing)
{
    hc_error err;
    uint32_t opts = 99;
    json_t *req = json_object();
    hc_model_params hp = {1.0, 7};
    ck_assert_int_eq(hc_training_params_parse(req, hc_model_by_id(HC_ALGO_ETS),
                                              &opts, &hp, &err), 0);
    ck_assert(hp.npts_exp_kernel_weights == 0.0 && hp.npts_context_length == 0);
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

START_TEST(npts_takes_amazons_hyperparameters)
{
    hc_error err;
    uint32_t opts = 0;
    const hc_model *npts = hc_model_by_id(HC_ALGO_NPTS);
    ck_assert_int_eq(parse("{\"kernel_type\": \"uniform\", \"use_seasonal_model\": "
                           "\"false\", \"exp_kernel_weights\": \"2.5\", "
                           "\"context_length\": \"365\"}", npts, &opts, &err), 0);
    ck_assert_uint_eq(opts, HC_FIT_NPTS_UNIFORM | HC_FIT_NPTS_NO_SEASONAL);
    ck_assert(last_params.npts_exp_kernel_weights == 2.5);
    ck_assert_uint_eq(last_params.npts_context_length, 365);
    ck_assert_int_eq(parse("{\"kernel_type\": \"exponential\", "
                           "\"use_default_time_features\": \"true\"}", npts, &opts,
                           &err), 0);
    ck_assert_uint_eq(opts, 0);
    ck_assert(last_params.npts_exp_kernel_weights == 0.0);
    ck_assert_uint_eq(last_params.npts_context_length, 0);
    ck_assert_int_eq(parse("{\"use_default_time_features\": \"false\"}", NULL,
                           &opts, &err), 0);
    ck_assert_uint_eq(opts, HC_FIT_NPTS_NO_SEASONAL);
}
END_TEST

START_TEST(npts_refuses_bad_values)
{
    hc_error err;
    uint32_t opts = 0;
    const hc_model *npts = hc_model_by_id(HC_ALGO_NPTS);
    ck_assert_int_eq(parse("{\"kernel_type\": \"gaussian\"}", npts, &opts, &err),
                     HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(err.message, "TrainingParameters.kernel_type must be "
                                  "\"exponential\" or \"uniform\", got 'gaussian'");
    const char *bad_weights[] = {"0", "-1", "abc", "", "1e999", "nan", "2x"};
    for (size_t i = 0; i < sizeof bad_weights / sizeof *bad_weights; i++) {
        char tp[96];
        snprintf(tp, sizeof tp, "{\"exp_kernel_weights\": \"%s\"}", bad_weights[i]);
        ck_assert_int_eq(parse(tp, npts, &opts, &err), HC_ERR_INVALID_INPUT);
    }
    ck_assert_str_eq(err.message, "TrainingParameters.exp_kernel_weights must be a "
                                  "positive number, got '2x'");
    const char *bad_counts[] = {"0", "-5", "1.5", "100001", "+3", " 7", "07"};
    for (size_t i = 0; i < sizeof bad_counts / sizeof *bad_counts; i++) {
        char tp[96];
        snprintf(tp, sizeof tp, "{\"context_length\": \"%s\"}", bad_counts[i]);
        ck_assert_int_eq(parse(tp, npts, &opts, &err), HC_ERR_INVALID_INPUT);
    }
    ck_assert_str_eq(err.message, "TrainingParameters.context_length must be an "
                                  "integer from 1 to 100000, got '07'");
    ck_assert_int_eq(parse("{\"context_length\": \"100000\"}", npts, &opts, &err), 0);
    ck_assert_int_eq(parse("{\"num_samples\": \"10\"}", npts, &opts, &err),
                     HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(err.message, "TrainingParameters: 'num_samples' is not a "
                                  "hyperparameter of NPTS; it takes: context_length, "
                                  "kernel_type, exp_kernel_weights, "
                                  "use_seasonal_model, use_default_time_features");
    /* NPTS's keys are not ARIMA's */
    ck_assert_int_eq(parse("{\"kernel_type\": \"uniform\"}",
                           hc_model_by_id(HC_ALGO_ARIMA), &opts, &err),
                     HC_ERR_INVALID_INPUT);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("training_params");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, absent_or_default_switches_nothing);
    tcase_add_test(tc, false_sets_the_arima_option);
    tcase_add_test(tc, refusals_name_the_key_and_the_rule);
    tcase_add_test(tc, npts_takes_amazons_hyperparameters);
    tcase_add_test(tc, npts_refuses_bad_values);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

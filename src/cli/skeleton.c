/* --generate-cli-skeleton [input|output]: a verb's request object (input)
 * or response object (output) with every member and placeholder values, as
 * the AWS CLI prints them: "" for strings, the first value for enums, 0 for
 * integers, 0.0 for doubles, true for booleans, lists with one element,
 * structures expanded and maps as {"KeyName": value}.
 *
 * An output skeleton lists every member hindcast's own response can hold:
 * Amazon's members in Amazon's documented order, hindcast's extensions
 * (TargetTimeSeries, HindcastTrainingSummary, ...) where responses put them,
 * and members that only some responses hold (AlgorithmArn for a single
 * algorithm, Message after a failure, NextToken on a page that is not the
 * last). tests/e2e/skeleton.sh compares them with real responses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "hindcast/service.h"

/* Shared parts; responses that echo a request member echo its skeleton. */
#define TIME "\"1970-01-01T00:00:00+00:00\""
#define TAGS "[{\"Key\": \"\", \"Value\": \"\"}]"
#define FILTERS "[{\"Key\": \"\", \"Value\": \"\", \"Condition\": \"IS\"}]"
#define S3_DESTINATION                                                         \
    "{\"S3Config\": {\"Path\": \"\", \"RoleArn\": \"\", \"KMSKeyArn\": \"\"}}"
#define FEATURIZATION_CONFIG                                                   \
    "{\"ForecastFrequency\": \"\", \"ForecastDimensions\": [\"\"], "           \
    "\"Featurizations\": [{\"AttributeName\": \"\", \"FeaturizationPipeline\": " \
    "[{\"FeaturizationMethodName\": \"filling\", "                             \
    "\"FeaturizationMethodParameters\": {\"KeyName\": \"\"}}]}]}"
#define DATA_CONFIG                                                            \
    "{\"DatasetGroupArn\": \"\", \"AttributeConfigs\": [{\"AttributeName\": "  \
    "\"\", \"Transformations\": {\"KeyName\": \"\"}}]}"
#define TARGET_TIME_SERIES                                                     \
    "{\"Path\": \"\", \"Schema\": {\"Attributes\": [{\"AttributeName\": \"\", " \
    "\"AttributeType\": \"string\"}]}, \"TimestampFormat\": \"\", "            \
    "\"Header\": true}"
#define EVALUATION_RESULTS                                                     \
    "\"PredictorEvaluationResults\": [{\"AlgorithmArn\": \"\", "               \
    "\"TestWindows\": [{\"TestWindowStart\": " TIME ", \"TestWindowEnd\": "    \
    TIME ", \"ItemCount\": 0, \"EvaluationType\": \"SUMMARY\", \"Metrics\": "  \
    "{\"RMSE\": 0.0, \"WeightedQuantileLosses\": [{\"Quantile\": 0.0, "        \
    "\"LossValue\": 0.0}], \"ErrorMetrics\": [{\"ForecastType\": \"\", "       \
    "\"WAPE\": 0.0, \"RMSE\": 0.0, \"MASE\": 0.0, \"MAPE\": 0.0}], "          \
    "\"AverageWeightedQuantileLoss\": 0.0}}]}], \"IsAutoPredictor\": true"
#define PREDICTOR_ARN "{\"PredictorArn\": \"\"}"
#define EMPTY "{}"

/* input NULL: built from the verb's flags (scalar and list members only). */
static const struct {
    const char *verb;
    const char *input;
    const char *output;
} skeletons[] = {
    {"create-predictor",
     "{\"PredictorName\": \"\", \"AlgorithmArn\": \"\", \"ForecastHorizon\": 0, "
     "\"ForecastTypes\": [\"\"], \"PerformAutoML\": true, "
     "\"EvaluationParameters\": {\"NumberOfBacktestWindows\": 0, "
     "\"BackTestWindowOffset\": 0}, \"FeaturizationConfig\": " FEATURIZATION_CONFIG
     ", \"TargetTimeSeries\": " TARGET_TIME_SERIES ", \"Tags\": " TAGS
     ", \"OptimizationMetric\": \"WAPE\"}",
     PREDICTOR_ARN},
    {"create-auto-predictor",
     "{\"PredictorName\": \"\", \"ForecastHorizon\": 0, \"ForecastTypes\": "
     "[\"\"], \"ForecastDimensions\": [\"\"], \"ForecastFrequency\": \"\", "
     "\"DataConfig\": " DATA_CONFIG ", \"OptimizationMetric\": \"WAPE\", "
     "\"TargetTimeSeries\": " TARGET_TIME_SERIES ", \"NumberOfBacktestWindows\": "
     "0, \"BackTestWindowOffset\": 0, \"Tags\": " TAGS "}",
     PREDICTOR_ARN},
    /* DescribePredictor for all three kinds: one algorithm (AlgorithmArn),
     * PerformAutoML (AutoMLAlgorithmArns) and AutoPredictors (DataConfig,
     * ForecastFrequency, ForecastDimensions, HindcastCandidateAlgorithmArns). */
    {"describe-predictor", NULL,
     "{\"PredictorArn\": \"\", \"PredictorName\": \"\", \"AlgorithmArn\": \"\", "
     "\"AutoMLAlgorithmArns\": [\"\"], \"ForecastHorizon\": 0, "
     "\"ForecastTypes\": [\"\"], \"PerformAutoML\": true, \"PerformHPO\": true, "
     "\"EvaluationParameters\": {\"NumberOfBacktestWindows\": 0, "
     "\"BackTestWindowOffset\": 0}, \"FeaturizationConfig\": " FEATURIZATION_CONFIG
     ", \"DataConfig\": " DATA_CONFIG ", \"ForecastFrequency\": \"\", "
     "\"ForecastDimensions\": [\"\"], \"HindcastCandidateAlgorithmArns\": [\"\"], "
     "\"TargetTimeSeries\": " TARGET_TIME_SERIES ", \"IsAutoPredictor\": true, "
     "\"Status\": \"\", \"Message\": \"\", \"CreationTime\": " TIME
     ", \"LastModificationTime\": " TIME ", \"OptimizationMetric\": \"WAPE\", "
     "\"HindcastTrainingSummary\": {\"ItemCount\": 0, \"FittedItemWindows\": 0, "
     "\"ExcludedItemWindows\": 0, \"FallbackFits\": 0, \"FitsByAlgorithm\": "
     "{\"KeyName\": 0}, \"AutoPredictorItemsByAlgorithm\": {\"KeyName\": 0}}, "
     "\"HindcastShard\": {\"Index\": 0, \"Count\": 0, \"ItemCount\": 0, "
     "\"TotalItemCount\": 0}}"},
    {"get-accuracy-metrics", NULL,
     "{" EVALUATION_RESULTS ", \"OptimizationMetric\": \"WAPE\"}"},
    {"create-predictor-backtest-export-job",
     "{\"PredictorBacktestExportJobName\": \"\", \"PredictorArn\": \"\", "
     "\"Destination\": " S3_DESTINATION ", \"Tags\": " TAGS ", \"Format\": \"\"}",
     "{\"PredictorBacktestExportJobArn\": \"\"}"},
    {"describe-predictor-backtest-export-job", NULL,
     "{\"PredictorBacktestExportJobArn\": \"\", "
     "\"PredictorBacktestExportJobName\": \"\", \"PredictorArn\": \"\", "
     "\"Destination\": " S3_DESTINATION ", \"Message\": \"\", \"Status\": \"\", "
     "\"Format\": \"\", \"CreationTime\": " TIME ", \"LastModificationTime\": "
     TIME "}"},
    {"list-predictors",
     "{\"NextToken\": \"\", \"MaxResults\": 0, \"Filters\": " FILTERS "}",
     "{\"Predictors\": [{\"PredictorArn\": \"\", \"PredictorName\": \"\", "
     "\"IsAutoPredictor\": true, \"Status\": \"\", \"Message\": \"\", "
     "\"CreationTime\": " TIME ", \"LastModificationTime\": " TIME "}], "
     "\"NextToken\": \"\"}"},
    {"delete-predictor", NULL, EMPTY},
    {"list-predictor-backtest-export-jobs",
     "{\"NextToken\": \"\", \"MaxResults\": 0, \"Filters\": " FILTERS "}",
     "{\"PredictorBacktestExportJobs\": [{\"PredictorBacktestExportJobArn\": "
     "\"\", \"PredictorBacktestExportJobName\": \"\", \"Destination\": "
     S3_DESTINATION ", \"Status\": \"\", \"Message\": \"\", \"CreationTime\": "
     TIME ", \"LastModificationTime\": " TIME "}], \"NextToken\": \"\"}"},
    {"delete-predictor-backtest-export-job", NULL, EMPTY},
    {"stop-resource", NULL, EMPTY},
    {"tag-resource", "{\"ResourceArn\": \"\", \"Tags\": " TAGS "}", EMPTY},
    {"untag-resource", "{\"ResourceArn\": \"\", \"TagKeys\": [\"\"]}", EMPTY},
    {"list-tags-for-resource", NULL, "{\"Tags\": " TAGS "}"},
    /* evaluate (hindcast extension) answers with GetAccuracyMetrics' shape;
     * it has no OptimizationMetric. */
    {"evaluate", NULL, "{" EVALUATION_RESULTS "}"},
    /* merge-backtest-exports (hindcast extension). */
    {"merge-backtest-exports",
     "{\"Sources\": [\"\"], \"PredictorBacktestExportJobName\": \"\", "
     "\"Destination\": " S3_DESTINATION "}",
     "{\"DestinationPath\": \"\", \"ShardCount\": 0, \"ItemCount\": 0, "
     "\"ForecastedValuesPartCount\": 0, \"AccuracyMetricsValuesPartCount\": 0}"},
};

static json_t *from_flags(const hc_cli_verb *verb)
{
    json_t *doc = json_object();
    for (const hc_cli_flag *f = verb->flags; f->name; f++) {
        json_t *v;
        switch (f->kind) {
        case HC_FLAG_INT: v = json_integer(0); break;
        case HC_FLAG_LIST: v = json_pack("[s]", ""); break;
        case HC_FLAG_TRUE:
        case HC_FLAG_FALSE: v = json_true(); break;
        case HC_FLAG_STRUCT: v = json_object(); break;
        case HC_FLAG_TAGS: v = json_loads(TAGS, 0, NULL); break;
        default: v = json_string(""); break;
        }
        json_object_set_new(doc, f->member, v);
    }
    return doc;
}

int hc_cli_print_skeleton(const hc_cli_verb *verb, int output)
{
    const char *text = NULL;
    for (size_t i = 0; i < sizeof skeletons / sizeof skeletons[0]; i++)
        if (strcmp(skeletons[i].verb, verb->name) == 0)
            text = output ? skeletons[i].output : skeletons[i].input;
    if (output && !text) {
        fprintf(stderr, "\nhindcast: %s has no output skeleton\n", verb->name);
        return 255;
    }
    char *compact = NULL;
    if (!text) {
        json_t *doc = from_flags(verb);
        compact = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(doc);
        if (!compact)
            return 255;
        text = compact;
    }
    char *pretty = NULL;
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_service_format_json(text, &pretty, &err);
    free(compact);
    if (rc) {
        fprintf(stderr, "\nhindcast: %s\n", err.message);
        return 255;
    }
    fputs(pretty, stdout);
    free(pretty);
    return 0;
}

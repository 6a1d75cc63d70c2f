/* --generate-cli-skeleton: the request object of a verb with every member
 * and placeholder values, as the AWS CLI prints it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"

static const struct {
    const char *verb;
    const char *json;
} skeletons[] = {
    {"create-predictor",
     "{\"PredictorName\": \"\", \"AlgorithmArn\": \"\", \"ForecastHorizon\": 0, "
     "\"ForecastTypes\": [\"\"], \"PerformAutoML\": true, "
     "\"EvaluationParameters\": {\"NumberOfBacktestWindows\": 0, "
     "\"BackTestWindowOffset\": 0}, \"FeaturizationConfig\": "
     "{\"ForecastFrequency\": \"\", \"ForecastDimensions\": [\"\"], "
     "\"Featurizations\": [{\"AttributeName\": \"\", \"FeaturizationPipeline\": "
     "[{\"FeaturizationMethodName\": \"filling\", "
     "\"FeaturizationMethodParameters\": {\"KeyName\": \"\"}}]}]}, "
     "\"TargetTimeSeries\": {\"Path\": \"\", \"Schema\": {\"Attributes\": "
     "[{\"AttributeName\": \"\", \"AttributeType\": \"string\"}]}, "
     "\"TimestampFormat\": \"\", \"Header\": true}, "
     "\"Tags\": [{\"Key\": \"\", \"Value\": \"\"}]}"},
    {"create-predictor-backtest-export-job",
     "{\"PredictorBacktestExportJobName\": \"\", \"PredictorArn\": \"\", "
     "\"Destination\": {\"S3Config\": {\"Path\": \"\", \"RoleArn\": \"\", "
     "\"KMSKeyArn\": \"\"}}, \"Tags\": [{\"Key\": \"\", \"Value\": \"\"}], "
     "\"Format\": \"\"}"},
    {"list-predictors",
     "{\"NextToken\": \"\", \"MaxResults\": 0, \"Filters\": [{\"Key\": \"\", "
     "\"Value\": \"\", \"Condition\": \"IS\"}]}"},
    {"list-predictor-backtest-export-jobs",
     "{\"NextToken\": \"\", \"MaxResults\": 0, \"Filters\": [{\"Key\": \"\", "
     "\"Value\": \"\", \"Condition\": \"IS\"}]}"},
    {"tag-resource",
     "{\"ResourceArn\": \"\", \"Tags\": [{\"Key\": \"\", \"Value\": \"\"}]}"},
    {"untag-resource", "{\"ResourceArn\": \"\", \"TagKeys\": [\"\"]}"},
};

int hc_cli_print_skeleton(const hc_cli_verb *verb)
{
    json_t *doc = NULL;
    for (size_t i = 0; i < sizeof skeletons / sizeof skeletons[0]; i++)
        if (strcmp(skeletons[i].verb, verb->name) == 0)
            doc = json_loads(skeletons[i].json, 0, NULL);
    if (!doc) {
        /* The remaining verbs take only scalar members. */
        doc = json_object();
        for (const hc_cli_flag *f = verb->flags; f->name; f++)
            json_object_set_new(doc, f->member,
                                f->kind == HC_FLAG_INT ? json_integer(0)
                                                       : json_string(""));
    }
    char *text = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text)
        return 255;
    printf("%s\n", text);
    free(text);
    return 0;
}

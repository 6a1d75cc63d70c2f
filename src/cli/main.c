/* hindcast: the command-line front end.
 *
 * It does what the AWS CLI does for `aws forecast`: turns a verb and its
 * options (or --cli-input-json) into a request object, calls the service
 * operation, prints the response as JSON on stdout, and prints errors in the
 * AWS CLI's form on stderr with its exit statuses (0 ok, 252 command line,
 * 254 service error, 255 anything else). It uses only include/hindcast. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/shorthand.h"
#include "hindcast/buf.h"
#include "hindcast/service.h"

#define EXIT_PARSE 252
#define EXIT_SERVICE 254
#define EXIT_OTHER 255

static const hc_cli_flag create_predictor_flags[] = {
    {"--predictor-name", "PredictorName", HC_FLAG_STRING},
    {"--algorithm-arn", "AlgorithmArn", HC_FLAG_STRING},
    {"--forecast-horizon", "ForecastHorizon", HC_FLAG_INT},
    {"--forecast-types", "ForecastTypes", HC_FLAG_LIST},
    {"--perform-auto-ml", "PerformAutoML", HC_FLAG_TRUE},
    {"--no-perform-auto-ml", "PerformAutoML", HC_FLAG_FALSE},
    {"--evaluation-parameters", "EvaluationParameters", HC_FLAG_STRUCT},
    {"--featurization-config", "FeaturizationConfig", HC_FLAG_STRUCT},
    {"--target-time-series", "TargetTimeSeries", HC_FLAG_STRUCT},
    {"--input-data-config", "InputDataConfig", HC_FLAG_STRUCT},
    {"--tags", "Tags", HC_FLAG_TAGS},
    {NULL, NULL, 0}};

static const hc_cli_flag create_auto_predictor_flags[] = {
    {"--predictor-name", "PredictorName", HC_FLAG_STRING},
    {"--forecast-horizon", "ForecastHorizon", HC_FLAG_INT},
    {"--forecast-types", "ForecastTypes", HC_FLAG_LIST},
    {"--forecast-dimensions", "ForecastDimensions", HC_FLAG_LIST},
    {"--forecast-frequency", "ForecastFrequency", HC_FLAG_STRING},
    {"--data-config", "DataConfig", HC_FLAG_STRUCT},
    {"--optimization-metric", "OptimizationMetric", HC_FLAG_STRING},
    {"--target-time-series", "TargetTimeSeries", HC_FLAG_STRUCT},
    {"--number-of-backtest-windows", "NumberOfBacktestWindows", HC_FLAG_INT},
    {"--back-test-window-offset", "BackTestWindowOffset", HC_FLAG_INT},
    {"--tags", "Tags", HC_FLAG_TAGS},
    {NULL, NULL, 0}};

static const hc_cli_flag predictor_arn_flags[] = {
    {"--predictor-arn", "PredictorArn", HC_FLAG_STRING}, {NULL, NULL, 0}};

static const hc_cli_flag create_export_flags[] = {
    {"--predictor-backtest-export-job-name", "PredictorBacktestExportJobName",
     HC_FLAG_STRING},
    {"--predictor-arn", "PredictorArn", HC_FLAG_STRING},
    {"--destination", "Destination", HC_FLAG_STRUCT},
    {"--format", "Format", HC_FLAG_STRING},
    {"--tags", "Tags", HC_FLAG_TAGS},
    {NULL, NULL, 0}};

static const hc_cli_flag describe_export_flags[] = {
    {"--predictor-backtest-export-job-arn", "PredictorBacktestExportJobArn",
     HC_FLAG_STRING},
    {NULL, NULL, 0}};

static const hc_cli_flag list_flags[] = {
    {"--filters", "Filters", HC_FLAG_TAGS},
    {"--max-results", "MaxResults", HC_FLAG_INT},
    {"--next-token", "NextToken", HC_FLAG_STRING},
    {NULL, NULL, 0}};

static const hc_cli_flag resource_arn_flags[] = {
    {"--resource-arn", "ResourceArn", HC_FLAG_STRING}, {NULL, NULL, 0}};

static const hc_cli_flag tag_flags[] = {
    {"--resource-arn", "ResourceArn", HC_FLAG_STRING},
    {"--tags", "Tags", HC_FLAG_TAGS},
    {NULL, NULL, 0}};

static const hc_cli_flag untag_flags[] = {
    {"--resource-arn", "ResourceArn", HC_FLAG_STRING},
    {"--tag-keys", "TagKeys", HC_FLAG_LIST},
    {NULL, NULL, 0}};

static const hc_cli_flag evaluate_flags[] = {
    {"--forecasted-values", "ForecastedValues", HC_FLAG_LIST},
    {"--destination", "Destination", HC_FLAG_STRING},
    {"--name", "Name", HC_FLAG_STRING},
    {"--predictor-arn", "PredictorArn", HC_FLAG_STRING},
    {NULL, NULL, 0}};

static const hc_cli_flag merge_flags[] = {
    {"--sources", "Sources", HC_FLAG_LIST},
    {"--predictor-backtest-export-job-name", "PredictorBacktestExportJobName",
     HC_FLAG_STRING},
    {"--destination", "Destination", HC_FLAG_STRUCT},
    {NULL, NULL, 0}};

static const hc_cli_verb verbs[] = {
    {"create-predictor", "CreatePredictor", create_predictor_flags,
     "Registers a predictor and trains it on its target time series."},
    {"create-auto-predictor", "CreateAutoPredictor", create_auto_predictor_flags,
     "Trains an AutoPredictor: per item, the model with the best "
     "OptimizationMetric over the backtest windows."},
    {"describe-predictor", "DescribePredictor", predictor_arn_flags,
     "Describes a predictor."},
    {"get-accuracy-metrics", "GetAccuracyMetrics", predictor_arn_flags,
     "Prints the predictor-level backtest accuracy metrics."},
    {"create-predictor-backtest-export-job", "CreatePredictorBacktestExportJob",
     create_export_flags,
     "Exports backtest forecasts and accuracy metrics as CSV parts."},
    {"describe-predictor-backtest-export-job",
     "DescribePredictorBacktestExportJob", describe_export_flags,
     "Describes a predictor backtest export job."},
    {"list-predictors", "ListPredictors", list_flags,
     "Lists predictors, newest first (Filters on Status)."},
    {"delete-predictor", "DeletePredictor", predictor_arn_flags,
     "Deletes a predictor that has no export jobs."},
    {"list-predictor-backtest-export-jobs", "ListPredictorBacktestExportJobs",
     list_flags,
     "Lists export jobs, newest first (Filters on PredictorArn, Status)."},
    {"delete-predictor-backtest-export-job", "DeletePredictorBacktestExportJob",
     describe_export_flags,
     "Deletes an export job's record (never its exported files)."},
    {"stop-resource", "StopResource", resource_arn_flags,
     "Stops a predictor or export job in progress; its outputs are withdrawn."},
    {"tag-resource", "TagResource", tag_flags, "Adds or replaces tags."},
    {"untag-resource", "UntagResource", untag_flags, "Removes tags."},
    {"list-tags-for-resource", "ListTagsForResource", resource_arn_flags,
     "Lists a resource's tags."},
    {"evaluate", "Evaluate", evaluate_flags,
     "Accuracy metrics of forecasted-values files (hindcast extension)."},
    {"merge-backtest-exports", "MergeBacktestExports", merge_flags,
     "Joins the exports of every --shard of a predictor into one export "
     "(hindcast extension)."},
    {NULL, NULL, NULL, NULL}};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: hindcast [global options] <command> [options]\n\n"
            "Global options (before or after the command):\n"
            "  --workspace DIR     state directory (else $HINDCAST_WORKSPACE, "
            "else ~/.hindcast)\n"
            "  --region REGION     region in ARNs (default us-east-1)\n"
            "  --account ID        account in ARNs (default 000000000000)\n"
            "  --s3-root DIR       where s3://bucket/prefix destinations live "
            "(else $HINDCAST_S3_ROOT, else <workspace>/s3)\n"
            "  --threads N         worker threads (default: all cores)\n"
            "  --part-size-limit BYTES  size at which a new part starts "
            "(default 268435456; uncompressed bytes)\n"
            "  --max-jobs-in-progress N  export jobs allowed in progress at once "
            "(default 3)\n"
            "  --max-jobs N        export jobs a workspace may hold (default 1000)\n"
            "  --compression gzip|none  export parts as .csv.gz (hindcast "
            "extension; default none)\n"
            "  --compression-level N    gzip level 1 (fastest, default) to 9\n"
            "  --shard I/N|auto    (create-predictor, create-auto-predictor) "
            "train only shard I of N\n"
            "                      of the items (else $HINDCAST_SHARD); auto: "
            "from a Slurm array\n"
            "                      or a Kubernetes indexed Job "
            "(JOB_COMPLETION_INDEX, HINDCAST_SHARD_COUNT)\n"
            "  --quiet             no progress bar\n"
            "  --timings           each phase's wall and CPU seconds on stderr\n\n"
            "Commands:\n");
    for (const hc_cli_verb *v = verbs; v->name; v++)
        fprintf(to, "  %-40s %s\n", v->name, v->summary);
    fprintf(to, "  %-40s %s\n", "generate-demo-data",
            "Writes the deterministic demo dataset (hindcast extension).");
    fprintf(to, "\nEvery AWS command accepts --cli-input-json file://PATH "
                "(or - for stdin, or the JSON text).\n");
}

static void verb_help(const hc_cli_verb *v)
{
    printf("%s\n\n%s\n\nOptions:\n  --cli-input-json file://PATH | - | JSON\n"
           "  --generate-cli-skeleton [input|output]\n",
           v->name, v->summary);
    for (const hc_cli_flag *f = v->flags; f->name; f++)
        printf("  %s  (%s)\n", f->name, f->member);
}

typedef struct progress_state {
    int enabled;
    int drawn;
} progress_state;

/* --timings: wall and CPU seconds (all threads) since the previous mark. */
typedef struct timing_state {
    double wall, cpu;       /* at the previous mark */
    double wall0, cpu0;     /* at the start */
} timing_state;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void report_phase(void *ctx, const char *phase)
{
    timing_state *t = ctx;
    double w = wall_now(), c = cpu_now();
    fprintf(stderr, "hindcast: timing %-10s %8.3f s wall %8.3f s CPU\n", phase, w - t->wall,
            c - t->cpu);
    t->wall = w;
    t->cpu = c;
}

static void draw_progress(void *ctx, const char *stage, size_t done, size_t total)
{
    progress_state *ps = ctx;
    if (!ps->enabled || total == 0)
        return;
    int width = 30;
    int filled = (int)((double)done / (double)total * width);
    fprintf(stderr, "\r%-8s [", stage);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu items", done, total);
    fflush(stderr);
    ps->drawn = 1;
}

/* Follows NextToken until the last page, appending each page's list to
 * the first response's. */
static int fetch_all_pages(hc_service *svc, const hc_cli_verb *verb,
                           const char *request_text, char **response,
                           hc_error *err)
{
    json_t *first = json_loads(*response, 0, NULL);
    json_t *req = json_loads(request_text, 0, NULL);
    int rc = 0;
    if (!first || !req) {
        json_decref(first);
        json_decref(req);
        return hc_error_set(err, HC_ERR_INTERNAL, "cannot read a list response");
    }
    const char *list_key = NULL;
    const char *key;
    json_t *value;
    json_object_foreach(first, key, value) {
        if (json_is_array(value))
            list_key = key;
    }
    while (rc == 0 && list_key && json_is_string(json_object_get(first, "NextToken"))) {
        json_object_set(req, "NextToken", json_object_get(first, "NextToken"));
        char *text = json_dumps(req, JSON_COMPACT);
        char *page_text = NULL;
        rc = text ? hc_service_call(svc, verb->operation, text, &page_text, err)
                  : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        free(text);
        json_t *page = rc == 0 ? json_loads(page_text, 0, NULL) : NULL;
        free(page_text);
        if (rc == 0 && !page)
            rc = hc_error_set(err, HC_ERR_INTERNAL, "cannot read a list response");
        if (rc == 0) {
            json_array_extend(json_object_get(first, list_key),
                              json_object_get(page, list_key));
            json_t *next = json_object_get(page, "NextToken");
            if (next)
                json_object_set(first, "NextToken", next);
            else
                json_object_del(first, "NextToken");
        }
        json_decref(page);
    }
    if (rc == 0) {
        char *compact = json_dumps(first, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char *pretty = NULL;
        rc = compact ? hc_service_format_json(compact, &pretty, err)
                     : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        free(compact);
        if (rc == 0) {
            free(*response);
            *response = pretty;
        }
    }
    json_decref(first);
    json_decref(req);
    return rc;
}

/* OpenBLAS starts its thread pool when the library is loaded, before main,
 * reading OPENBLAS_NUM_THREADS only then, and its idle threads spin in
 * sched_yield for a while: perf showed ~6% of a 2-thread create-predictor's
 * samples there, a core taken from the workers. hindcast calls BLAS on one
 * thread anyway (it parallelises over items), so when the variable is unset
 * the CLI runs itself again with it set to 1 (about 2.7 ms measured), and
 * carries on as it is if that fails. */
static void reexec_without_blas_pool(char **argv)
{
    if (getenv("OPENBLAS_NUM_THREADS"))
        return;
    /* The resolved path, not /proc/self/exe itself, so that the process
     * keeps its name ("hindcast", not "exe") in ps and top. */
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0 || (size_t)len >= sizeof self - 1)
        return;
    self[len] = '\0';
    if (setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0)
        return;
    execv(self, argv);
}

int main(int argc, char **argv)
{
    reexec_without_blas_pool(argv);
    hc_cli_globals g;
    hc_cli_globals_init(&g);
    const char *verb_name = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    if (!rest)
        return EXIT_OTHER;
    int rc = hc_cli_split_globals(argc, argv, &g, &verb_name, rest, &nrest);
    if (rc) {
        free(rest);
        return rc;
    }
    if (g.version) {
        printf("hindcast 0.1.0\n");
        free(rest);
        return 0;
    }
    if (!verb_name || g.help) {
        usage(verb_name || g.help ? stdout : stderr);
        free(rest);
        return verb_name || g.help ? 0 : EXIT_PARSE;
    }
    /* --shard splits training; every other verb refuses it. The variable
     * HINDCAST_SHARD is read only by the verbs that take --shard, so that a
     * batch script can set it once for every command of a task. */
    int takes_shard = strcmp(verb_name, "create-predictor") == 0 ||
                      strcmp(verb_name, "create-auto-predictor") == 0;
    int shard_index = 0, shard_count = 0;
    if (g.shard && !takes_shard) {
        free(rest);
        return hc_cli_usage_error("argument --shard: only create-predictor and "
                                  "create-auto-predictor take --shard (an export "
                                  "of a shard's predictor is a shard's export "
                                  "by itself)");
    }
    const char *shard_text = g.shard ? g.shard : getenv("HINDCAST_SHARD");
    if (takes_shard && shard_text && shard_text[0] &&
        (rc = hc_cli_resolve_shard(shard_text, g.shard ? "argument --shard"
                                                       : "HINDCAST_SHARD",
                                   &shard_index, &shard_count))) {
        free(rest);
        return rc;
    }
    if (strcmp(verb_name, "generate-demo-data") == 0) {
        rc = hc_cli_generate_demo_data(nrest, rest);
        free(rest);
        return rc;
    }
    const hc_cli_verb *verb = NULL;
    for (const hc_cli_verb *v = verbs; v->name; v++)
        if (strcmp(v->name, verb_name) == 0)
            verb = v;
    if (!verb) {
        free(rest);
        return hc_cli_usage_error("argument command: Invalid choice: '%s' (run "
                           "'hindcast --help' for the list)", verb_name);
    }
    if (nrest == 1 && (strcmp(rest[0], "help") == 0 || strcmp(rest[0], "--help") == 0)) {
        verb_help(verb);
        free(rest);
        return 0;
    }
    /* Options of the CLI itself, not request members. */
    int no_wait = 0, skeleton = 0, skeleton_output = 0, kept = 0;
    for (int i = 0; i < nrest; i++) {
        if (strcmp(rest[i], "--no-wait") == 0) {
            if (strncmp(verb->name, "create-", 7) != 0) {
                free(rest);
                return hc_cli_usage_error("--no-wait is accepted only by create-* commands");
            }
            no_wait = 1;
        } else if (strcmp(rest[i], "--generate-cli-skeleton") == 0) {
            skeleton = 1;
            if (i + 1 < nrest && strncmp(rest[i + 1], "--", 2) != 0) {
                if (strcmp(rest[i + 1], "input") != 0 &&
                    strcmp(rest[i + 1], "output") != 0) {
                    const char *choice = rest[i + 1];
                    free(rest);
                    return hc_cli_usage_error("argument --generate-cli-skeleton: "
                                       "invalid choice: '%s' (choose from "
                                       "'input', 'output')", choice);
                }
                skeleton_output = strcmp(rest[i + 1], "output") == 0;
                i++;
            }
        } else {
            rest[kept++] = rest[i];
        }
    }
    nrest = kept;
    if (skeleton) {
        free(rest);
        return hc_cli_print_skeleton(verb, skeleton_output);
    }
    json_t *request = NULL;
    char msg[2048];
    rc = hc_cli_build_request(verb, nrest, rest, &request, msg, sizeof msg);
    free(rest);
    if (rc) {
        fprintf(stderr, "\nusage: hindcast [options] <command> [parameters]\n"
                        "hindcast: error: %s\n", msg);
        return EXIT_PARSE;
    }

    hc_service_options opts;
    hc_service_options_init(&opts);
    char *home_ws = NULL;
    opts.workspace = g.workspace ? g.workspace : getenv("HINDCAST_WORKSPACE");
    if (!opts.workspace || !opts.workspace[0]) {
        const char *home = getenv("HOME");
        hc_buf b = HC_BUF_INIT;
        hc_buf_printf(&b, "%s/.hindcast", home && home[0] ? home : ".");
        home_ws = b.data;
        opts.workspace = home_ws;
    }
    opts.region = g.region;
    opts.account = g.account;
    opts.s3_root = g.s3_root ? g.s3_root : getenv("HINDCAST_S3_ROOT");
    if (opts.s3_root && !opts.s3_root[0])
        opts.s3_root = NULL;
    opts.threads = g.threads;
    opts.part_size_limit = g.part_size_limit;
    opts.no_wait = no_wait;
    opts.max_jobs_in_progress = g.max_jobs_in_progress;
    opts.max_jobs = g.max_jobs;
    opts.compression = g.compression ? HC_COMPRESSION_GZIP : HC_COMPRESSION_NONE;
    opts.compression_level = g.compression_level;
    opts.shard_index = shard_index;
    opts.shard_count = shard_count;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && sde[0]) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0) {
            fprintf(stderr, "hindcast: SOURCE_DATE_EPOCH '%s' is not a "
                            "non-negative whole number of seconds\n", sde);
            json_decref(request);
            free(home_ws);
            return EXIT_PARSE;
        }
        opts.clock_override = v;
    }
    progress_state ps = {!g.quiet && isatty(STDERR_FILENO), 0};
    opts.progress = draw_progress;
    opts.progress_ctx = &ps;
    timing_state ts = {0, 0, 0, 0};
    if (g.timings) {
        ts.wall = ts.wall0 = wall_now();
        ts.cpu = ts.cpu0 = cpu_now();
        opts.phase = report_phase;
        opts.phase_ctx = &ts;
    }

    hc_error err;
    hc_error_clear(&err);
    hc_service *svc = NULL;
    char *response = NULL;
    int auto_paginate = strncmp(verb->name, "list-", 5) == 0 &&
                        strcmp(verb->name, "list-tags-for-resource") != 0 &&
                        !json_object_get(request, "MaxResults") &&
                        !json_object_get(request, "NextToken");
    char *request_text = json_dumps(request, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(request);
    rc = hc_service_open(&svc, &opts, &err);
    if (rc == 0)
        rc = hc_service_call(svc, verb->operation, request_text, &response, &err);
    /* Like the AWS CLI, list commands fetch every page unless the request
     * names MaxResults or NextToken itself. */
    if (rc == 0 && auto_paginate)
        rc = fetch_all_pages(svc, verb, request_text, &response, &err);
    if (ps.drawn)
        fputc('\n', stderr);
    int status = 0;
    if (rc == 0) {
        fputs(response, stdout);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "hindcast: cannot write the response: %s\n",
                    strerror(errno));
            status = EXIT_OTHER;
        }
    } else if (rc == HC_ERR_USAGE) {
        fprintf(stderr, "\n%s\n", err.message);
        status = EXIT_PARSE;
    } else if (hc_status_exception_name(rc)) {
        fprintf(stderr,
                "\nAn error occurred (%s) when calling the %s operation: %s\n",
                hc_status_exception_name(rc), verb->operation, err.message);
        status = EXIT_SERVICE;
    } else {
        fprintf(stderr, "\nhindcast: %s\n", err.message);
        status = EXIT_OTHER;
    }
    free(response);
    free(request_text);
    hc_service_close(svc);
    free(home_ws);
    if (g.timings) {
        ts.wall = ts.wall0;
        ts.cpu = ts.cpu0;
        report_phase(&ts, "total");
    }
    return status;
}

/* The service: options, dispatch by operation name, shared helpers. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "hindcast/buf.h"
#include "hindcast/parallel.h"
#include "hindcast/validate.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "workspace/workspace.h"

static const struct {
    const char *name;
    hc_operation_fn fn;
} operations[] = {
    {"CreatePredictor", hc_op_create_predictor},
    {"CreateAutoPredictor", hc_op_create_auto_predictor},
    {"DescribePredictor", hc_op_describe_predictor},
    {"GetAccuracyMetrics", hc_op_get_accuracy_metrics},
    {"CreatePredictorBacktestExportJob", hc_op_create_export_job},
    {"DescribePredictorBacktestExportJob", hc_op_describe_export_job},
    {"ListPredictorBacktestExportJobs", hc_op_list_export_jobs},
    {"DeletePredictorBacktestExportJob", hc_op_delete_export_job},
    {"ListPredictors", hc_op_list_predictors},
    {"DeletePredictor", hc_op_delete_predictor},
    {"StopResource", hc_op_stop_resource},
    {"TagResource", hc_op_tag_resource},
    {"UntagResource", hc_op_untag_resource},
    {"ListTagsForResource", hc_op_list_tags},
    {"Evaluate", hc_op_evaluate}, /* hindcast extension */
    {"MergeBacktestExports", hc_op_merge_backtest_exports}, /* extension */
};

void hc_service_options_init(hc_service_options *o)
{
    memset(o, 0, sizeof *o);
    o->clock_override = -1;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

int hc_service_open(hc_service **out, const hc_service_options *o, hc_error *err)
{
    *out = NULL;
    if (!o->workspace || !o->workspace[0])
        return hc_error_set(err, HC_ERR_USAGE, "no workspace directory given");
    hc_service *svc = calloc(1, sizeof *svc);
    if (!svc)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    svc->root = dup_str(o->workspace);
    svc->region = dup_str(o->region ? o->region : "us-east-1");
    svc->account = dup_str(o->account ? o->account : "000000000000");
    svc->s3_root = o->s3_root ? dup_str(o->s3_root) : hc_path2(o->workspace, "s3");
    svc->threads = o->threads > 0 ? o->threads : hc_cpu_count();
    svc->clock_override = o->clock_override;
    svc->part_size_limit = o->part_size_limit;
    if ((unsigned)o->compression > HC_COMPRESSION_GZIP || o->compression_level < 0 ||
        o->compression_level > 9) {
        free(svc);
        return hc_error_set(err, HC_ERR_USAGE,
                            "compression must be gzip or none, with a level from 1 to 9");
    }
    svc->compression = o->compression;
    svc->compression_level = o->compression_level;
    svc->max_jobs_in_progress = o->max_jobs_in_progress > 0 ? o->max_jobs_in_progress : 3;
    svc->max_jobs = o->max_jobs > 0 ? o->max_jobs : 1000;
    svc->progress = o->progress;
    svc->progress_ctx = o->progress_ctx;
    svc->phase = o->phase;
    svc->phase_ctx = o->phase_ctx;
    svc->no_wait = o->no_wait;
    if (o->shard_count < 0 || (o->shard_count > 0 && (o->shard_index < 0 ||
                                                       o->shard_index >= o->shard_count))) {
        hc_service_close(svc);
        return hc_error_set(err, HC_ERR_USAGE,
                            "shard %d/%d: the index must satisfy 0 <= I < N",
                            o->shard_index, o->shard_count);
    }
    svc->shard_index = o->shard_index;
    svc->shard_count = o->shard_count;
    if (!svc->root || !svc->region || !svc->account || !svc->s3_root) {
        hc_service_close(svc);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    int rc = hc_ws_init(svc->root, err);
    if (rc) {
        hc_service_close(svc);
        return rc;
    }
    if (svc->threads > 1)
        hc_blas_single_thread();
    *out = svc;
    return 0;
}

void hc_service_close(hc_service *svc)
{
    if (!svc)
        return;
    free(svc->root);
    free(svc->region);
    free(svc->account);
    free(svc->s3_root);
    free(svc);
}

int hc_service_has_operation(const char *operation)
{
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(operations[i].name, operation) == 0)
            return 1;
    return 0;
}

int hc_service_call(hc_service *svc, const char *operation,
                    const char *request_json, char **response_json,
                    hc_error *err)
{
    *response_json = NULL;
    hc_operation_fn fn = NULL;
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(operations[i].name, operation) == 0)
            fn = operations[i].fn;
    if (!fn)
        return hc_error_set(err, HC_ERR_USAGE, "unknown operation %s", operation);
    json_error_t jerr;
    json_t *req = json_loads(request_json ? request_json : "{}",
                             JSON_REJECT_DUPLICATES, &jerr);
    if (!req)
        return hc_error_set(err, HC_ERR_USAGE,
                            "Error parsing parameter 'cli-input-json': Invalid "
                            "JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                            jerr.column);
    if (!json_is_object(req)) {
        json_decref(req);
        return hc_error_set(err, HC_ERR_USAGE,
                            "Parameter validation failed:\nthe request must be "
                            "a JSON object");
    }
    json_t *resp = NULL;
    int rc = fn(svc, req, &resp, err);
    json_decref(req);
    if (rc == 0) {
        hc_buf out = HC_BUF_INIT;
        if (ju_dump_cli(resp ? resp : json_object(), &out) != 0) {
            hc_buf_free(&out);
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        } else {
            *response_json = out.data;
        }
    }
    json_decref(resp);
    return rc;
}

int hc_service_format_json(const char *json, char **out, hc_error *err)
{
    *out = NULL;
    json_error_t jerr;
    json_t *doc = json_loads(json, JSON_DECODE_ANY, &jerr);
    if (!doc)
        return hc_error_set(err, HC_ERR_INTERNAL, "invalid JSON: %s", jerr.text);
    hc_buf b = HC_BUF_INIT;
    int rc = ju_dump_cli(doc, &b);
    json_decref(doc);
    if (rc) {
        hc_buf_free(&b);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    *out = b.data;
    return 0;
}

int64_t hc_svc_now(const hc_service *svc)
{
    if (svc->clock_override >= 0)
        return svc->clock_override;
    return (int64_t)time(NULL);
}

char *hc_svc_predictor_arn(const hc_service *svc, const char *name)
{
    hc_buf b = HC_BUF_INIT;
    hc_buf_printf(&b, "arn:aws:forecast:%s:%s:predictor/%s", svc->region,
                  svc->account, name);
    return b.data;
}

char *hc_svc_job_arn(const hc_service *svc, const char *predictor,
                     const char *job)
{
    hc_buf b = HC_BUF_INIT;
    hc_buf_printf(&b,
                  "arn:aws:forecast:%s:%s:predictor-backtest-export-job/%s/%s",
                  svc->region, svc->account, predictor, job);
    return b.data;
}

int hc_svc_predictor_name(const hc_service *svc, const char *arn,
                          const char *field, char *name, size_t cap,
                          hc_error *err)
{
    int rc = hc_validate_arn(arn, field, err);
    if (rc)
        return rc;
    const char *slash = strstr(arn, ":predictor/");
    const char *candidate = slash ? slash + strlen(":predictor/") : "";
    char *expected = NULL;
    if (slash && strlen(candidate) < cap && hc_resource_name_ok(candidate))
        expected = hc_svc_predictor_arn(svc, candidate);
    if (!expected || strcmp(expected, arn) != 0) {
        free(expected);
        return hc_error_set(err, HC_ERR_NOT_FOUND,
                            "No resource found with the arn: %s", arn);
    }
    free(expected);
    snprintf(name, cap, "%s", candidate);
    return 0;
}

int hc_svc_open_predictor(const hc_service *svc, const char *arn,
                          const char *field, char *name, size_t cap,
                          json_t **doc, hc_error *err)
{
    int rc = hc_svc_predictor_name(svc, arn, field, name, cap, err);
    if (rc)
        return rc;
    char *dir = hc_svc_predictor_dir(svc, name);
    char *path = dir ? hc_path2(dir, "predictor.json") : NULL;
    rc = path ? hc_svc_load_settled(svc, path, doc, err)
              : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    if (rc == HC_ERR_NOT_FOUND)
        rc = hc_error_set(err, HC_ERR_NOT_FOUND,
                          "No resource found with the arn: %s", arn);
    free(path);
    free(dir);
    return rc;
}

char *hc_svc_predictor_dir(const hc_service *svc, const char *name)
{
    return hc_path3(svc->root, "predictors", name);
}

json_t *hc_svc_public_view(const json_t *doc)
{
    json_t *out = json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)doc, key, value) {
        if (key[0] != '_')
            json_object_set(out, key, value);
    }
    return out;
}

/* Field 22 of /proc/<pid>/stat (start time in clock ticks) and the state
 * letter; 0 when the process does not exist. The start time tells a reused
 * pid from the original process. */
static unsigned long long proc_start(long pid, char *state)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: skip past the last
     * ')'. Then: state, and 19 more fields up to starttime. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    *state = *p;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

void hc_svc_set_worker(json_t *doc, long pid)
{
    char state = '?';
    unsigned long long start = proc_start(pid, &state);
    json_object_set_new(doc, "_Pid", json_integer((json_int_t)pid));
    json_object_set_new(doc, "_PidStart", json_integer((json_int_t)start));
}

void hc_svc_clear_worker(json_t *doc)
{
    json_object_del(doc, "_Pid");
    json_object_del(doc, "_PidStart");
}

int hc_svc_worker_alive(const json_t *doc)
{
    json_t *pid = json_object_get(doc, "_Pid");
    long p = pid ? (long)json_integer_value(pid) : 0;
    if (p <= 0)
        return 0;
    if (kill((pid_t)p, 0) != 0 && errno != EPERM)
        return 0;
    char state = '?';
    unsigned long long start = proc_start(p, &state);
    /* Without /proc the kill() answer is all there is. */
    if (start == 0)
        return access("/proc/self/stat", F_OK) != 0;
    /* A killed process nobody reaped yet is a zombie: it is not working. */
    if (state == 'Z' || state == 'X')
        return 0;
    json_t *recorded = json_object_get(doc, "_PidStart");
    return !recorded || (unsigned long long)json_integer_value(recorded) == start;
}

int hc_svc_parse_tags(const json_t *req, json_t **tags_out, hc_error *err)
{
    *tags_out = json_array();
    json_t *arr = NULL;
    int rc = ju_get_array(req, "Tags", "Tags", 0, &arr, err);
    if (rc || !arr)
        return rc;
    size_t n = json_array_size(arr);
    hc_tag *tags = calloc(n ? n : 1, sizeof *tags);
    if (!tags)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(arr, i);
        if (!json_is_object(t)) {
            free(tags);
            return hc_error_set(err, HC_ERR_USAGE,
                                "Parameter validation failed:\nInvalid type for "
                                "parameter Tags[%zu], valid types: <class 'dict'>",
                                i);
        }
        static const char *const members[] = {"Key", "Value", NULL};
        if ((rc = ju_check_members(t, "input.Tags", members, err)) ||
            (rc = ju_get_string(t, "Key", "Tags.Key", 1, &tags[i].key, err)) ||
            (rc = ju_get_string(t, "Value", "Tags.Value", 1, &tags[i].value, err))) {
            free(tags);
            return rc;
        }
    }
    rc = hc_validate_tags(tags, n, 0, err);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            json_array_append_new(*tags_out,
                                  json_pack("{s:s,s:s}", "Key", tags[i].key,
                                            "Value", tags[i].value));
    free(tags);
    return rc;
}

/* List and delete operations for predictors and export jobs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hindcast/buf.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "service/token.h"
#include "workspace/workspace.h"

typedef struct filter {
    const char *key;   /* member of the listed summary */
    const char *value;
    int negate;        /* IS_NOT */
} filter;

#define MAX_FILTERS 8

/* Parses Filters ([{Key, Value, Condition}]) restricted to `keys`. */
static int parse_filters(const json_t *req, const char *const *keys,
                         filter *out, size_t *n, hc_buf *canon, hc_error *err)
{
    json_t *arr = NULL;
    *n = 0;
    int rc = ju_get_array(req, "Filters", "Filters", 0, &arr, err);
    if (rc || !arr)
        return rc;
    if (json_array_size(arr) > MAX_FILTERS)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "Filters holds at most %d filters", MAX_FILTERS);
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f) {
        static const char *const members[] = {"Key", "Value", "Condition", NULL};
        const char *key = NULL, *value = NULL, *cond = NULL;
        if (!json_is_object(f))
            return hc_error_set(err, HC_ERR_USAGE,
                                "Parameter validation failed:\nInvalid type for "
                                "parameter Filters[%zu], valid types: <class 'dict'>",
                                i);
        if ((rc = ju_check_members(f, "input.Filters", members, err)) ||
            (rc = ju_get_string(f, "Key", "Filters.Key", 1, &key, err)) ||
            (rc = ju_get_string(f, "Value", "Filters.Value", 1, &value, err)) ||
            (rc = ju_get_string(f, "Condition", "Filters.Condition", 1, &cond, err)))
            return rc;
        int known = 0;
        hc_buf list = HC_BUF_INIT;
        for (size_t k = 0; keys[k]; k++) {
            known |= strcmp(keys[k], key) == 0;
            hc_buf_printf(&list, "%s%s", k ? ", " : "", keys[k]);
        }
        if (!known) {
            rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                              "Filters: Key '%s' is not one of %s", key,
                              list.data ? list.data : "");
            hc_buf_free(&list);
            return rc;
        }
        hc_buf_free(&list);
        if (strcmp(cond, "IS") != 0 && strcmp(cond, "IS_NOT") != 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "1 validation error detected: Value '%s' at "
                                "'filters.%zu.member.condition' failed to "
                                "satisfy constraint: Member must satisfy enum "
                                "value set: [IS_NOT, IS]", cond, i + 1);
        out[*n].key = key;
        out[*n].value = value;
        out[*n].negate = strcmp(cond, "IS_NOT") == 0;
        (*n)++;
        hc_buf_printf(canon, "%s\x1f%s\x1f%s\x1e", key, cond, value);
    }
    return 0;
}

static int parse_max_results(const json_t *req, long long *max, hc_error *err)
{
    *max = 100;
    int rc = ju_get_int(req, "MaxResults", "MaxResults", 0, max, err);
    if (rc == 0 && (*max < 1 || *max > 100))
        rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                          "1 validation error detected: Value '%lld' at "
                          "'maxResults' failed to satisfy constraint: Member "
                          "must have value between 1 and 100", *max);
    return rc;
}

typedef struct listed {
    json_t *summary;
    char *sort_key; /* newest first: inverted creation time, then ARN */
} listed;

static int compare_listed(const void *a, const void *b)
{
    return strcmp(((const listed *)a)->sort_key, ((const listed *)b)->sort_key);
}

static int matches(const json_t *summary, const filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_object_get(summary, f[i].key));
        int eq = v && strcmp(v, f[i].value) == 0;
        if (eq == f[i].negate)
            return 0;
    }
    return 1;
}

/* Shared by both list operations: loads and settles every document,
 * builds summaries with `summarise`, filters, sorts, pages. */
static int list_resources(hc_service *svc, const json_t *req, char **paths,
                          size_t npaths, const char *const *filter_keys,
                          json_t *(*summarise)(const json_t *doc),
                          const char *arn_member, const char *out_member,
                          json_t **resp, hc_error *err)
{
    filter filters[MAX_FILTERS];
    size_t nfilters = 0;
    long long max = 100;
    const char *token = NULL;
    hc_buf canon = HC_BUF_INIT;
    listed *items = NULL;
    size_t nitems = 0;
    char *after = NULL;
    uint8_t key[16];
    int rc;
    if ((rc = parse_filters(req, filter_keys, filters, &nfilters, &canon, err)) ||
        (rc = parse_max_results(req, &max, err)) ||
        (rc = ju_get_string(req, "NextToken", "NextToken", 0, &token, err)) ||
        (rc = hc_token_secret(svc->root, key, err)))
        goto done;
    hc_buf_puts(&canon, "");
    uint64_t fhash = hc_siphash24(key, canon.data, canon.len);
    if (token && (rc = hc_token_read(key, token, hc_svc_now(svc), fhash, &after, err)))
        goto done;
    items = calloc(npaths ? npaths : 1, sizeof *items);
    if (!items) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < npaths; i++) {
        json_t *doc = NULL;
        hc_error ignored;
        if (hc_svc_load_settled(svc, paths[i], &doc, &ignored) != 0)
            continue; /* deleted meanwhile */
        json_t *summary = summarise(doc);
        int64_t created = 0;
        ju_parse_time(json_string_value(json_object_get(doc, "CreationTime")), &created);
        json_decref(doc);
        if (!matches(summary, filters, nfilters)) {
            json_decref(summary);
            continue;
        }
        hc_buf k = HC_BUF_INIT;
        hc_buf_printf(&k, "%020" PRId64 "|%s", INT64_MAX - created,
                      json_string_value(json_object_get(summary, arn_member)));
        items[nitems].summary = summary;
        items[nitems].sort_key = k.data;
        nitems++;
    }
    qsort(items, nitems, sizeof *items, compare_listed);
    json_t *arr = json_array();
    size_t shown = 0;
    const char *last = NULL;
    int more = 0;
    for (size_t i = 0; i < nitems; i++) {
        if (after && strcmp(items[i].sort_key, after) <= 0)
            continue;
        if (shown == (size_t)max) {
            more = 1;
            break;
        }
        json_array_append(arr, items[i].summary);
        last = items[i].sort_key;
        shown++;
    }
    *resp = json_object();
    json_object_set_new(*resp, out_member, arr);
    if (more) {
        char *next = hc_token_make(key, hc_svc_now(svc) + HC_TOKEN_LIFETIME, fhash,
                                   last);
        if (next)
            json_object_set_new(*resp, "NextToken", json_string(next));
        free(next);
    }
done:
    for (size_t i = 0; i < nitems; i++) {
        json_decref(items[i].summary);
        free(items[i].sort_key);
    }
    free(items);
    free(after);
    hc_buf_free(&canon);
    return rc;
}

static void copy_member(json_t *to, const json_t *from, const char *key)
{
    json_t *v = json_object_get(from, key);
    if (v)
        json_object_set(to, key, v);
}

static json_t *job_summary(const json_t *doc)
{
    json_t *s = json_object();
    static const char *const keys[] = {
        "PredictorBacktestExportJobArn", "PredictorBacktestExportJobName",
        "Destination", "Status", "Message", "CreationTime",
        "LastModificationTime", NULL};
    for (size_t i = 0; keys[i]; i++)
        copy_member(s, doc, keys[i]);
    /* Filtering on PredictorArn needs it; AWS's summary lacks it, so it is
     * removed again before the response (see strip_predictor_arn). */
    copy_member(s, doc, "PredictorArn");
    return s;
}

static json_t *predictor_summary(const json_t *doc)
{
    json_t *s = json_object();
    static const char *const keys[] = {"PredictorArn", "PredictorName",
                                       "IsAutoPredictor", "Status", "Message",
                                       "CreationTime", "LastModificationTime",
                                       NULL};
    for (size_t i = 0; keys[i]; i++)
        copy_member(s, doc, keys[i]);
    return s;
}

int hc_op_list_export_jobs(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err)
{
    static const char *const members[] = {"Filters", "MaxResults", "NextToken",
                                          NULL};
    static const char *const keys[] = {"PredictorArn", "Status", NULL};
    char **paths = NULL;
    size_t n = 0;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = hc_svc_list_job_docs(svc, NULL, &paths, &n, err)))
        return rc;
    rc = list_resources(svc, req, paths, n, keys, job_summary,
                        "PredictorBacktestExportJobArn",
                        "PredictorBacktestExportJobs", resp, err);
    hc_free_paths(paths, n);
    if (rc == 0) {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(*resp, "PredictorBacktestExportJobs"), i, s)
            json_object_del(s, "PredictorArn");
    }
    return rc;
}

int hc_op_list_predictors(hc_service *svc, const json_t *req, json_t **resp,
                          hc_error *err)
{
    static const char *const members[] = {"Filters", "MaxResults", "NextToken",
                                          NULL};
    static const char *const keys[] = {"Status", NULL};
    char **paths = NULL;
    size_t n = 0;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = hc_svc_list_predictor_docs(svc, &paths, &n, err)))
        return rc;
    rc = list_resources(svc, req, paths, n, keys, predictor_summary,
                        "PredictorArn", "Predictors", resp, err);
    hc_free_paths(paths, n);
    return rc;
}

/* Resolves the ARN member `member` to a resource of `kind` whose process is
 * not working on it. */
static int resolve_idle(hc_service *svc, const json_t *req, const char *member,
                        const char *field, hc_resource_kind kind,
                        hc_resource *res, json_t **doc, hc_error *err)
{
    const char *const members[2] = {member, NULL};
    const char *arn = NULL;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, member, member, 1, &arn, err)) ||
        (rc = hc_svc_resolve_arn(svc, arn, field, res, err)))
        return rc;
    if (res->kind != kind) {
        hc_resource_clear(res);
        return hc_error_set(err, HC_ERR_NOT_FOUND,
                            "No resource found with the arn: %s", arn);
    }
    if ((rc = hc_svc_load_settled(svc, res->doc_path, doc, err))) {
        hc_resource_clear(res);
        return rc;
    }
    const char *status = json_string_value(json_object_get(*doc, "Status"));
    if (hc_status_in_progress(status)) {
        rc = hc_error_set(err, HC_ERR_IN_USE,
                          "The resource %s is in status %s; stop it or wait "
                          "until it finishes", arn, status);
        json_decref(*doc);
        *doc = NULL;
        hc_resource_clear(res);
    }
    return rc;
}

int hc_op_delete_export_job(hc_service *svc, const json_t *req, json_t **resp,
                            hc_error *err)
{
    hc_resource res;
    json_t *doc = NULL;
    int fd = -1;
    int rc = resolve_idle(svc, req, "PredictorBacktestExportJobArn",
                          "predictorBacktestExportJobArn", HC_RES_JOB, &res, &doc,
                          err);
    if (rc)
        return rc;
    /* As in AWS, the exported files stay: only the job's record goes. */
    if ((rc = hc_ws_lock(svc->root, &fd, err)) == 0 &&
        (rc = hc_ws_remove_tree(res.dir, err)) == 0) {
        char *parent = hc_path3(svc->root, "jobs", res.predictor);
        if (parent)
            rmdir(parent); /* only when empty */
        free(parent);
        *resp = json_object();
    }
    hc_ws_unlock(fd);
    json_decref(doc);
    hc_resource_clear(&res);
    return rc;
}

int hc_op_delete_predictor(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err)
{
    hc_resource res;
    json_t *doc = NULL;
    char **paths = NULL;
    size_t n = 0;
    int fd = -1;
    int rc = resolve_idle(svc, req, "PredictorArn", "predictorArn",
                          HC_RES_PREDICTOR, &res, &doc, err);
    if (rc)
        return rc;
    if ((rc = hc_ws_lock(svc->root, &fd, err)) ||
        (rc = hc_svc_list_job_docs(svc, res.predictor, &paths, &n, err)))
        goto done;
    if (n > 0) {
        rc = hc_error_set(err, HC_ERR_IN_USE,
                          "The predictor %s has %zu predictor backtest export "
                          "job(s); delete them first",
                          json_string_value(json_object_get(doc, "PredictorArn")), n);
        goto done;
    }
    if ((rc = hc_ws_remove_tree(res.dir, err)) == 0)
        *resp = json_object();
done:
    hc_ws_unlock(fd);
    hc_free_paths(paths, n);
    json_decref(doc);
    hc_resource_clear(&res);
    return rc;
}

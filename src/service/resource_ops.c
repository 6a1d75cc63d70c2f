/* StopResource and the tag operations. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hindcast/validate.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "workspace/workspace.h"

/* How long stop-resource waits for the working process to withdraw. */
#define STOP_WAIT_SECONDS 60

int hc_op_stop_resource(hc_service *svc, const json_t *req, json_t **resp,
                        hc_error *err)
{
    static const char *const members[] = {"ResourceArn", NULL};
    const char *arn = NULL;
    hc_resource res;
    json_t *doc = NULL;
    int fd = -1, rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "ResourceArn", "ResourceArn", 1, &arn, err)) ||
        (rc = hc_svc_resolve_arn(svc, arn, "resourceArn", &res, err)))
        return rc;
    if ((rc = hc_svc_load_settled(svc, res.doc_path, &doc, err)) ||
        (rc = hc_ws_lock(svc->root, &fd, err)))
        goto done;
    json_decref(doc);
    doc = NULL;
    if ((rc = hc_ws_read_json(res.doc_path, &doc, err)))
        goto done;
    const char *status = json_string_value(json_object_get(doc, "Status"));
    if (!hc_status_in_progress(status)) {
        rc = hc_error_set(err, HC_ERR_IN_USE,
                          "The resource %s is in status %s; only resources in "
                          "CREATE_PENDING or CREATE_IN_PROGRESS can be stopped",
                          arn, status ? status : "unknown");
        goto done;
    }
    json_t *pid = json_object_get(doc, "_Pid");
    long worker = pid ? (long)json_integer_value(pid) : 0;
    if ((rc = hc_svc_save_status(svc, res.doc_path, doc, "CREATE_STOPPING", NULL,
                                 err)))
        goto done;
    hc_ws_unlock(fd);
    fd = -1;
    if (worker > 0 && worker != (long)getpid())
        kill((pid_t)worker, SIGTERM);
    /* Wait for the worker to withdraw its outputs and record
     * CREATE_STOPPED; a worker that is gone is settled by the load. */
    for (int i = 0; i < STOP_WAIT_SECONDS * 20; i++) {
        json_decref(doc);
        doc = NULL;
        if ((rc = hc_svc_load_settled(svc, res.doc_path, &doc, err)))
            goto done;
        status = json_string_value(json_object_get(doc, "Status"));
        if (!hc_status_in_progress(status))
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    *resp = json_object();
done:
    hc_ws_unlock(fd);
    json_decref(doc);
    hc_resource_clear(&res);
    return rc;
}

/* Loads a resource's document under the lock for a tag change. */
static int open_for_tags(hc_service *svc, const char *arn, hc_resource *res,
                         json_t **doc, int *fd, hc_error *err)
{
    int rc = hc_svc_resolve_arn(svc, arn, "resourceArn", res, err);
    if (rc)
        return rc;
    if ((rc = hc_ws_lock(svc->root, fd, err)) ||
        (rc = hc_ws_read_json(res->doc_path, doc, err))) {
        if (rc == HC_ERR_NOT_FOUND)
            rc = hc_error_set(err, HC_ERR_NOT_FOUND,
                              "No resource found with the arn: %s", arn);
        hc_resource_clear(res);
    }
    return rc;
}

int hc_op_tag_resource(hc_service *svc, const json_t *req, json_t **resp,
                       hc_error *err)
{
    static const char *const members[] = {"ResourceArn", "Tags", NULL};
    const char *arn = NULL;
    json_t *tags = NULL, *doc = NULL;
    hc_resource res;
    memset(&res, 0, sizeof res);
    int fd = -1, rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "ResourceArn", "ResourceArn", 1, &arn, err)))
        return rc;
    if (!json_object_get(req, "Tags"))
        return hc_error_set(err, HC_ERR_USAGE,
                            "Parameter validation failed:\nMissing required "
                            "parameter in input: \"Tags\"");
    if ((rc = hc_svc_parse_tags(req, &tags, err)) ||
        (rc = open_for_tags(svc, arn, &res, &doc, &fd, err)))
        goto done;
    json_t *existing = json_object_get(doc, "_Tags");
    if (!existing) {
        existing = json_array();
        json_object_set_new(doc, "_Tags", existing);
    }
    /* Existing user tags that this request does not overwrite still count
     * towards the 50-tag limit. */
    size_t keep = 0, i;
    json_t *t;
    json_array_foreach(existing, i, t) {
        const char *k = json_string_value(json_object_get(t, "Key"));
        int overwritten = 0;
        size_t j;
        json_t *u;
        json_array_foreach(tags, j, u)
            overwritten |= strcmp(k, json_string_value(json_object_get(u, "Key"))) == 0;
        if (!overwritten && !hc_tag_key_is_reserved(k))
            keep++;
    }
    size_t n = json_array_size(tags);
    if (keep + n > HC_TAGS_MAX_PER_RESOURCE) {
        rc = hc_error_set(err, HC_ERR_LIMIT,
                          "The resource %s would have %zu tags; the limit is %d",
                          arn, keep + n, HC_TAGS_MAX_PER_RESOURCE);
        goto done;
    }
    json_array_foreach(tags, i, t) {
        const char *k = json_string_value(json_object_get(t, "Key"));
        size_t j;
        json_t *u;
        int replaced = 0;
        json_array_foreach(existing, j, u) {
            if (strcmp(k, json_string_value(json_object_get(u, "Key"))) == 0) {
                json_object_set(u, "Value", json_object_get(t, "Value"));
                replaced = 1;
            }
        }
        if (!replaced)
            json_array_append(existing, t);
    }
    if ((rc = hc_ws_write_json(res.doc_path, doc, err)) == 0)
        *resp = json_object();
done:
    hc_ws_unlock(fd);
    json_decref(tags);
    json_decref(doc);
    hc_resource_clear(&res);
    return rc;
}

int hc_op_untag_resource(hc_service *svc, const json_t *req, json_t **resp,
                         hc_error *err)
{
    static const char *const members[] = {"ResourceArn", "TagKeys", NULL};
    const char *arn = NULL;
    json_t *keys = NULL, *doc = NULL;
    hc_resource res;
    memset(&res, 0, sizeof res);
    int fd = -1, rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "ResourceArn", "ResourceArn", 1, &arn, err)) ||
        (rc = ju_get_array(req, "TagKeys", "TagKeys", 1, &keys, err)))
        return rc;
    size_t n = json_array_size(keys), i;
    if (n < 1 || n > HC_TAGS_MAX_PER_REQUEST)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "1 validation error detected: Value with %zu "
                            "members at 'tagKeys' failed to satisfy constraint: "
                            "Member must have length between 1 and 200", n);
    json_t *k;
    json_array_foreach(keys, i, k) {
        if (!json_is_string(k))
            return hc_error_set(err, HC_ERR_USAGE,
                                "Parameter validation failed:\nInvalid type for "
                                "parameter TagKeys[%zu], valid types: <class 'str'>",
                                i);
        /* Reuse the tag rules for the key (value empty). */
        hc_tag probe = {json_string_value(k), ""};
        if ((rc = hc_validate_tags(&probe, 1, 0, err)))
            return rc;
    }
    if ((rc = open_for_tags(svc, arn, &res, &doc, &fd, err)))
        goto done;
    json_t *existing = json_object_get(doc, "_Tags");
    json_t *kept = json_array();
    json_t *t;
    json_array_foreach(existing, i, t) {
        const char *tk = json_string_value(json_object_get(t, "Key"));
        int drop = 0;
        size_t j;
        json_array_foreach(keys, j, k)
            drop |= strcmp(tk, json_string_value(k)) == 0;
        if (!drop)
            json_array_append(kept, t);
    }
    json_object_set_new(doc, "_Tags", kept);
    if ((rc = hc_ws_write_json(res.doc_path, doc, err)) == 0)
        *resp = json_object();
done:
    hc_ws_unlock(fd);
    json_decref(doc);
    hc_resource_clear(&res);
    return rc;
}

int hc_op_list_tags(hc_service *svc, const json_t *req, json_t **resp,
                    hc_error *err)
{
    static const char *const members[] = {"ResourceArn", NULL};
    const char *arn = NULL;
    json_t *doc = NULL;
    hc_resource res;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "ResourceArn", "ResourceArn", 1, &arn, err)) ||
        (rc = hc_svc_resolve_arn(svc, arn, "resourceArn", &res, err)))
        return rc;
    if ((rc = hc_ws_read_json(res.doc_path, &doc, err)) == 0) {
        json_t *tags = json_object_get(doc, "_Tags");
        *resp = json_object();
        json_object_set_new(*resp, "Tags", tags ? json_deep_copy(tags) : json_array());
    } else if (rc == HC_ERR_NOT_FOUND) {
        rc = hc_error_set(err, HC_ERR_NOT_FOUND,
                          "No resource found with the arn: %s", arn);
    }
    json_decref(doc);
    hc_resource_clear(&res);
    return rc;
}

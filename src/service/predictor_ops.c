/* CreatePredictor, DescribePredictor, GetAccuracyMetrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/evaluate.h"
#include "hindcast/buf.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "workspace/workspace.h"

/* The request as stored: TargetTimeSeries.Path made absolute so that later
 * reads do not depend on the directory the command ran in. */
static json_t *stored_request(const json_t *req, const hc_predictor_def *def)
{
    json_t *copy = json_deep_copy(req);
    json_t *tts = json_object_get(copy, "TargetTimeSeries");
    if (tts)
        json_object_set_new(tts, "Path", json_string(def->data_path));
    json_object_del(copy, "Tags");
    return copy;
}

static json_t *describe_doc(const hc_service *svc, const json_t *req,
                            const hc_predictor_def *def, const char *arn,
                            json_t *tags, int64_t now)
{
    json_t *d = json_object();
    json_object_set_new(d, "PredictorArn", json_string(arn));
    json_object_set_new(d, "PredictorName", json_string(def->name));
    json_object_set_new(d, "AlgorithmArn", json_string(def->algorithm_arn));
    json_object_set_new(d, "ForecastHorizon", json_integer((json_int_t)def->horizon));
    json_t *types = json_array();
    for (size_t i = 0; i < def->ntypes; i++)
        json_array_append_new(types, json_string(def->types[i]));
    json_object_set_new(d, "ForecastTypes", types);
    json_object_set_new(d, "PerformAutoML", json_false());
    json_object_set_new(d, "PerformHPO", json_false());
    json_object_set_new(d, "EvaluationParameters",
                        json_pack("{s:i,s:i}", "NumberOfBacktestWindows",
                                  def->nwindows, "BackTestWindowOffset",
                                  (json_int_t)hc_predictor_offset(def)));
    json_t *fc = json_object_get(req, "FeaturizationConfig");
    json_object_set_new(d, "FeaturizationConfig", json_deep_copy(fc));
    json_t *tts = json_deep_copy(json_object_get(req, "TargetTimeSeries"));
    json_object_set_new(tts, "Path", json_string(def->data_path));
    json_object_set_new(d, "TargetTimeSeries", tts);
    json_object_set_new(d, "IsAutoPredictor", json_false());
    json_object_set_new(d, "Status", json_string("CREATE_IN_PROGRESS"));
    json_object_set_new(d, "CreationTime", ju_time(now));
    json_object_set_new(d, "LastModificationTime", ju_time(now));
    json_object_set_new(d, "_Request", stored_request(req, def));
    json_object_set_new(d, "_Tags", tags);
    json_object_set_new(d, "_Pid", json_integer((json_int_t)getpid()));
    (void)svc;
    return d;
}

static int save_status(const hc_service *svc, const char *name, json_t *doc,
                       const char *status, const char *message, hc_error *err)
{
    json_object_set_new(doc, "Status", json_string(status));
    if (message)
        json_object_set_new(doc, "Message", json_string(message));
    json_object_set_new(doc, "LastModificationTime", ju_time(hc_svc_now(svc)));
    char *dir = hc_svc_predictor_dir(svc, name);
    char *path = dir ? hc_path2(dir, "predictor.json") : NULL;
    int rc = path ? hc_ws_write_json(path, doc, err)
                  : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    free(path);
    free(dir);
    return rc;
}

/* Training-time accuracy (GetAccuracyMetrics), from the stored model. */
static int compute_accuracy(const hc_service *svc, const hc_predictor_def *def,
                            const hc_dataset *ds, const char *model_path,
                            json_t **out, hc_error *err)
{
    hc_model_file *mf = NULL;
    int rc = hc_model_file_load(&mf, model_path, ds->nseries, def->nwindows, err);
    if (rc)
        return rc;
    hc_eval_setup setup = {0};
    setup.def = def;
    setup.ds = ds;
    setup.models = mf;
    setup.threads = svc->threads;
    hc_eval_totals totals;
    rc = hc_evaluate(&setup, &totals, err);
    if (rc == 0)
        *out = hc_accuracy_metrics_json(def, ds, &totals);
    hc_model_file_free(mf);
    return rc;
}

int hc_op_create_predictor(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err)
{
    hc_predictor_def def;
    hc_dataset *ds = NULL;
    json_t *tags = NULL, *doc = NULL, *accuracy = NULL;
    char *arn = NULL, *dir = NULL, *parent = NULL, *path = NULL;
    hc_dataset_saving *saving = NULL;
    int lock_fd = -1, created = 0;
    int rc = hc_predictor_def_parse(&def, req, err);
    if (rc)
        goto done;
    if ((rc = hc_svc_parse_tags(req, &tags, err)))
        goto done;
    arn = hc_svc_predictor_arn(svc, def.name);
    dir = hc_svc_predictor_dir(svc, def.name);
    parent = hc_path2(svc->root, "predictors");
    if (!arn || !dir || !parent) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    struct stat st;
    if (stat(dir, &st) == 0) {
        rc = hc_error_set(err, HC_ERR_ALREADY_EXISTS,
                          "A predictor already exists with the arn: %s", arn);
        goto done;
    }
    /* The data is read and checked before anything is created, so a bad
     * file leaves no predictor behind. */
    hc_dataset_options opts;
    hc_predictor_dataset_options(&def, &opts);
    opts.threads = svc->threads;
    rc = hc_dataset_read(&ds, &opts, err);
    /* An unreadable TargetTimeSeries is a problem of the request. */
    if (rc == HC_ERR_IO)
        rc = err->code = HC_ERR_INVALID_INPUT;
    if (rc || (rc = hc_predictor_check_data(&def, ds, err)))
        goto done;

    if ((rc = hc_ws_mkdirs(parent, err)) || (rc = hc_ws_lock(svc->root, &lock_fd, err)))
        goto done;
    if (mkdir(dir, 0777) != 0) {
        rc = errno == EEXIST
                 ? hc_error_set(err, HC_ERR_ALREADY_EXISTS,
                                "A predictor already exists with the arn: %s", arn)
                 : hc_error_set(err, HC_ERR_IO, "cannot create %s: %s", dir,
                                strerror(errno));
        goto done;
    }
    created = 1;
    doc = describe_doc(svc, req, &def, arn, tags, hc_svc_now(svc));
    tags = NULL;
    rc = save_status(svc, def.name, doc, "CREATE_IN_PROGRESS", NULL, err);
    hc_ws_unlock(lock_fd);
    lock_fd = -1;
    if (rc)
        goto done;

    hc_train_summary summary;
    free(path);
    path = hc_path2(dir, "dataset.bin");
    /* The snapshot's wait for the disk runs beside the training. */
    if ((rc = hc_dataset_save_start(&saving, ds, path, svc->threads, err)))
        goto failed;
    free(path);
    path = hc_path2(dir, "model.bin");
    if ((rc = hc_train(&def, ds, svc->threads, path, &summary, err)))
        goto failed;
    if ((rc = compute_accuracy(svc, &def, ds, path, &accuracy, err)))
        goto failed;
    rc = hc_dataset_save_finish(saving, err);
    saving = NULL;
    if (rc)
        goto failed;
    free(path);
    path = hc_path2(dir, "accuracy.json");
    if ((rc = hc_ws_write_json(path, accuracy, err)))
        goto failed;
    json_object_set_new(doc, "HindcastTrainingSummary", hc_train_summary_json(&summary));
    json_object_del(doc, "_Pid");
    if ((rc = save_status(svc, def.name, doc, "ACTIVE", NULL, err)))
        goto failed;
    *resp = json_pack("{s:s}", "PredictorArn", arn);
    goto done;
failed:
    hc_dataset_save_abort(saving);
    saving = NULL;
    if (created && doc) {
        hc_error ignored;
        json_object_del(doc, "_Pid");
        save_status(svc, def.name, doc, "CREATE_FAILED", err->message, &ignored);
    }
done:
    hc_ws_unlock(lock_fd);
    json_decref(tags);
    json_decref(doc);
    json_decref(accuracy);
    hc_dataset_free(ds);
    hc_predictor_def_free(&def);
    free(arn);
    free(dir);
    free(parent);
    free(path);
    return rc;
}

static int predictor_from_request(hc_service *svc, const json_t *req,
                                  char *name, size_t cap, json_t **doc,
                                  hc_error *err)
{
    static const char *const members[] = {"PredictorArn", NULL};
    const char *arn = NULL;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "PredictorArn", "PredictorArn", 1, &arn, err)) ||
        (rc = hc_svc_predictor_name(svc, arn, "predictorArn", name, cap, err)) ||
        (rc = hc_svc_load_predictor(svc, name, doc, err)))
        return rc;
    /* A predictor whose training process died is failed, not in progress. */
    const char *status = json_string_value(json_object_get(*doc, "Status"));
    json_t *pid = json_object_get(*doc, "_Pid");
    if (status && strcmp(status, "CREATE_IN_PROGRESS") == 0 &&
        !hc_svc_pid_alive(pid ? (long)json_integer_value(pid) : 0)) {
        hc_error ignored;
        json_object_del(*doc, "_Pid");
        save_status(svc, name, *doc, "CREATE_FAILED",
                    "the training process ended before it finished", &ignored);
    }
    return 0;
}

int hc_op_describe_predictor(hc_service *svc, const json_t *req, json_t **resp,
                             hc_error *err)
{
    char name[64];
    json_t *doc = NULL;
    int rc = predictor_from_request(svc, req, name, sizeof name, &doc, err);
    if (rc == 0)
        *resp = hc_svc_public_view(doc);
    json_decref(doc);
    return rc;
}

int hc_op_get_accuracy_metrics(hc_service *svc, const json_t *req, json_t **resp,
                               hc_error *err)
{
    char name[64];
    json_t *doc = NULL;
    int rc = predictor_from_request(svc, req, name, sizeof name, &doc, err);
    if (rc)
        return rc;
    const char *status = json_string_value(json_object_get(doc, "Status"));
    if (!status || strcmp(status, "ACTIVE") != 0) {
        rc = hc_error_set(err, HC_ERR_IN_USE,
                          "The predictor %s is in status %s; accuracy metrics "
                          "exist only for ACTIVE predictors",
                          json_string_value(json_object_get(doc, "PredictorArn")),
                          status ? status : "unknown");
    } else {
        char *dir = hc_svc_predictor_dir(svc, name);
        char *path = dir ? hc_path2(dir, "accuracy.json") : NULL;
        rc = path ? hc_ws_read_json(path, resp, err)
                  : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        if (rc == HC_ERR_NOT_FOUND)
            rc = hc_error_set(err, HC_ERR_INTERNAL,
                              "predictor %s has no accuracy file", name);
        free(path);
        free(dir);
    }
    json_decref(doc);
    return rc;
}

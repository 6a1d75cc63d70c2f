/* CreatePredictor, DescribePredictor, GetAccuracyMetrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/evaluate.h"
#include "hindcast/buf.h"
#include "service/json_util.h"
#include "service/token.h"
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

/* The ARNs an AutoML predictor chooses from: every registered model. */
static json_t *candidate_arns(void)
{
    json_t *models = json_array();
    for (int id = 1; id < 16; id++) {
        const hc_model *m = hc_model_by_id((hc_algorithm)id);
        if (m)
            json_array_append_new(models, json_string(m->arn));
    }
    return models;
}

static json_t *describe_doc(const json_t *req, const hc_predictor_def *def,
                            const char *arn, json_t *tags, int64_t now)
{
    json_t *d = json_object();
    json_object_set_new(d, "PredictorArn", json_string(arn));
    json_object_set_new(d, "PredictorName", json_string(def->name));
    if (!def->automl)
        json_object_set_new(d, "AlgorithmArn", json_string(def->algorithm_arn));
    json_object_set_new(d, "ForecastHorizon", json_integer((json_int_t)def->horizon));
    json_t *types = json_array();
    for (size_t i = 0; i < def->ntypes; i++)
        json_array_append_new(types, json_string(def->types[i]));
    json_object_set_new(d, "ForecastTypes", types);
    if (def->automl && !def->auto_predictor) {
        json_object_set_new(d, "PerformAutoML", json_true());
        json_object_set_new(d, "PerformHPO", json_false());
        json_object_set_new(d, "OptimizationMetric",
                            json_string(hc_opt_metric_name(def->metric)));
        json_t *models = candidate_arns();
        json_object_set_new(d, "AutoMLAlgorithmArns", models);
    } else if (def->automl) {
        json_object_set_new(d, "OptimizationMetric",
                            json_string(hc_opt_metric_name(def->metric)));
        json_object_set_new(d, "ForecastFrequency", json_string(hc_freq_name(def->freq)));
        json_t *dims = json_array();
        for (size_t i = 0; i < def->ndims; i++)
            json_array_append_new(dims, json_string(def->dims[i]));
        json_object_set_new(d, "ForecastDimensions", dims);
        json_t *models = candidate_arns();
        json_object_set_new(d, "HindcastCandidateAlgorithmArns", models);
    } else {
        json_object_set_new(d, "PerformAutoML", json_false());
        json_object_set_new(d, "PerformHPO", json_false());
    }
    json_t *tp = json_object_get(req, "TrainingParameters");
    if (tp)
        json_object_set_new(d, "TrainingParameters", json_deep_copy(tp));
    json_object_set_new(d, "EvaluationParameters",
                        json_pack("{s:i,s:i}", "NumberOfBacktestWindows",
                                  def->nwindows, "BackTestWindowOffset",
                                  (json_int_t)hc_predictor_offset(def)));
    const char *config = def->auto_predictor ? "DataConfig" : "FeaturizationConfig";
    json_t *fc = json_object_get(req, config);
    if (fc)
        json_object_set_new(d, config, json_deep_copy(fc));
    json_t *tts = json_deep_copy(json_object_get(req, "TargetTimeSeries"));
    json_object_set_new(tts, "Path", json_string(def->data_path));
    json_object_set_new(d, "TargetTimeSeries", tts);
    json_object_set_new(d, "IsAutoPredictor",
                        def->auto_predictor ? json_true() : json_false());
    json_object_set_new(d, "Status", json_string("CREATE_PENDING"));
    json_object_set_new(d, "CreationTime", ju_time(now));
    json_object_set_new(d, "LastModificationTime", ju_time(now));
    json_object_set_new(d, "_Request", stored_request(req, def));
    json_object_set_new(d, "_Tags", tags);
    hc_svc_set_worker(d, (long)getpid());
    return d;
}

/* Training-time accuracy (GetAccuracyMetrics), from the stored model. */
static int compute_accuracy(const hc_service *svc, const hc_predictor_def *def,
                            const hc_dataset *ds, const char *model_path,
                            json_t **out, hc_error *err)
{
    hc_model_file *mf = NULL;
    int rc = hc_model_file_load(&mf, model_path, ds->nseries, def->nwindows,
                                svc->threads, err);
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

typedef struct train_work {
    hc_service *svc;
    hc_predictor_def *def;
    hc_dataset *ds;
    char *dir;
    char *path; /* predictor.json */
    json_t *doc;
    hc_error err;
} train_work;

static int predictor_transition(train_work *w, const char *status,
                                const char *message)
{
    static const char *const owned[] = {"HindcastTrainingSummary", NULL};
    return hc_svc_transition(w->svc, w->path, &w->doc, status, message, owned);
}

static int do_training(void *p)
{
    train_work *w = p;
    hc_svc_watch_stop_signals();
    char *path = NULL;
    json_t *accuracy = NULL;
    hc_dataset_saving *saving = NULL;
    hc_train_summary summary;
    int rc = predictor_transition(w, "CREATE_IN_PROGRESS", NULL);
    const char *st = json_string_value(json_object_get(w->doc, "Status"));
    if (rc == 0 && st && strcmp(st, "CREATE_STOPPING") == 0) {
        rc = hc_error_set(&w->err, HC_ERR_STOPPED, "Stopped by StopResource.");
        goto finish;
    }
    /* The snapshot's fsync runs on a background thread while the models
     * train: waiting for the disk is most of its cost. */
    path = hc_path2(w->dir, "dataset.bin");
    if ((rc = hc_dataset_save_start(&saving, w->ds, path, w->svc->threads,
                                    &w->err)))
        goto finish;
    free(path);
    hc_svc_phase(w->svc, "snapshot");
    path = hc_path2(w->dir, "model.bin");
    if ((rc = hc_train(w->def, w->ds, w->svc->threads, path, hc_svc_stop_requested,
                       &summary, &w->err)))
        goto finish;
    hc_svc_phase(w->svc, "train");
    if ((rc = compute_accuracy(w->svc, w->def, w->ds, path, &accuracy, &w->err)))
        goto finish;
    hc_svc_phase(w->svc, "accuracy");
    rc = hc_dataset_save_finish(saving, &w->err);
    if (rc == 0)
        hc_svc_phase(w->svc, "sync");
    saving = NULL;
    if (rc)
        goto finish;
    free(path);
    path = hc_path2(w->dir, "accuracy.json");
    if ((rc = hc_ws_write_json(path, accuracy, &w->err)))
        goto finish;
    json_object_set_new(w->doc, "HindcastTrainingSummary",
                        hc_train_summary_json(&summary));
finish:
    hc_dataset_save_abort(saving);
    if (rc == 0)
        rc = predictor_transition(w, "ACTIVE", NULL);
    else
        predictor_transition(w, rc == HC_ERR_STOPPED ? "CREATE_STOPPED" : "CREATE_FAILED",
                             w->err.message);
    json_decref(accuracy);
    free(path);
    return rc;
}

/* Crockford base32 ULID-style id: 10 characters of the creation time in
 * milliseconds, 16 from a keyed hash of the name, so that an AutoPredictor's
 * ARN is reproducible under SOURCE_DATE_EPOCH. */
static void auto_predictor_id(const char *name, int64_t now, char out[27])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint64_t ms = (uint64_t)now * 1000u;
    for (int i = 9; i >= 0; i--) {
        out[i] = alphabet[ms & 31u];
        ms >>= 5;
    }
    static const uint8_t key[16] = "hindcast-autoid";
    uint64_t h1 = hc_siphash24(key, name, strlen(name));
    uint64_t h2 = hc_siphash24(key, &h1, sizeof h1);
    for (int i = 0; i < 16; i++) {
        uint64_t *h = i < 12 ? &h1 : &h2;
        out[10 + i] = alphabet[*h & 31u];
        *h >>= 5;
    }
    out[26] = '\0';
}

/* 1 when an AutoPredictor named `name` (any id) exists already. */
static int auto_name_taken(const hc_service *svc, const char *name)
{
    char **paths = NULL;
    size_t n = 0;
    hc_error ignored;
    int taken = 0;
    if (hc_svc_list_predictor_docs(svc, &paths, &n, &ignored) != 0)
        return 0;
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        /* <root>/predictors/<name>_<26 chars>/predictor.json */
        const char *end = strrchr(paths[i], '/');
        const char *start = end;
        while (start > paths[i] && start[-1] != '/')
            start--;
        if (end && (size_t)(end - start) == len + 27 && strncmp(start, name, len) == 0 &&
            start[len] == '_')
            taken = 1;
    }
    hc_free_paths(paths, n);
    return taken;
}

static int create_predictor(hc_service *svc, const json_t *req, int automl,
                            json_t **resp, hc_error *err);

int hc_op_create_predictor(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err)
{
    return create_predictor(svc, req, 0, resp, err);
}

int hc_op_create_auto_predictor(hc_service *svc, const json_t *req, json_t **resp,
                                hc_error *err)
{
    return create_predictor(svc, req, 1, resp, err);
}

static int create_predictor(hc_service *svc, const json_t *req, int automl,
                            json_t **resp, hc_error *err)
{
    hc_predictor_def def;
    hc_dataset *ds = NULL;
    json_t *tags = NULL, *shard_members = NULL;
    char *arn = NULL, *parent = NULL;
    train_work w;
    memset(&w, 0, sizeof w);
    w.svc = svc;
    int lock_fd = -1;
    int64_t now = hc_svc_now(svc);
    char arn_name[HC_RESOURCE_NAME_MAX];
    int rc = automl ? hc_predictor_def_parse_auto(&def, req, err)
                    : hc_predictor_def_parse(&def, req, err);
    if (rc)
        goto done;
    if ((rc = hc_svc_parse_tags(req, &tags, err)))
        goto done;
    if (automl) {
        char id[27];
        auto_predictor_id(def.name, now, id);
        snprintf(arn_name, sizeof arn_name, "%s_%s", def.name, id);
        if (auto_name_taken(svc, def.name)) {
            rc = hc_error_set(err, HC_ERR_ALREADY_EXISTS,
                              "An AutoPredictor named %s already exists",
                              def.name);
            goto done;
        }
    } else {
        snprintf(arn_name, sizeof arn_name, "%s", def.name);
    }
    arn = hc_svc_predictor_arn(svc, arn_name);
    w.dir = hc_svc_predictor_dir(svc, arn_name);
    parent = hc_path2(svc->root, "predictors");
    w.path = w.dir ? hc_path2(w.dir, "predictor.json") : NULL;
    if (!arn || !w.dir || !parent || !w.path) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    struct stat st;
    if (stat(w.dir, &st) == 0) {
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
    if (rc == 0)
        hc_svc_phase(svc, "read");
    /* An unreadable TargetTimeSeries is a problem of the request. */
    if (rc == HC_ERR_IO)
        rc = err->code = HC_ERR_INVALID_INPUT;
    if (rc || (rc = hc_predictor_check_data(&def, ds, err)))
        goto done;
    /* --shard: checked whole above, trained on the shard's items only. */
    if ((rc = hc_svc_shard_dataset(svc, req, &def, ds, &shard_members, err)))
        goto done;

    if ((rc = hc_ws_mkdirs(parent, err)) || (rc = hc_ws_lock(svc->root, &lock_fd, err)))
        goto done;
    if (mkdir(w.dir, 0777) != 0) {
        rc = errno == EEXIST
                 ? hc_error_set(err, HC_ERR_ALREADY_EXISTS,
                                "A predictor already exists with the arn: %s", arn)
                 : hc_error_set(err, HC_ERR_IO, "cannot create %s: %s", w.dir,
                                strerror(errno));
        goto done;
    }
    w.doc = describe_doc(req, &def, arn, tags, now);
    tags = NULL;
    if (shard_members)
        json_object_update(w.doc, shard_members);
    rc = hc_ws_write_json(w.path, w.doc, err);
    hc_ws_unlock(lock_fd);
    lock_fd = -1;
    if (rc) {
        hc_error ignored;
        hc_ws_remove_tree(w.dir, &ignored);
        goto done;
    }
    w.def = &def;
    w.ds = ds;
    if (svc->no_wait) {
        rc = hc_svc_detach(svc, w.path, w.doc, do_training, &w, err);
    } else {
        rc = do_training(&w);
        if (rc)
            *err = w.err;
    }
    if (rc == 0)
        *resp = json_pack("{s:s}", "PredictorArn", arn);
done:
    hc_ws_unlock(lock_fd);
    json_decref(tags);
    json_decref(shard_members);
    json_decref(w.doc);
    hc_dataset_free(ds);
    hc_predictor_def_free(&def);
    free(arn);
    free(w.dir);
    free(w.path);
    free(parent);
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
        (rc = ju_get_string(req, "PredictorArn", "PredictorArn", 1, &arn, err)))
        return rc;
    return hc_svc_open_predictor(svc, arn, "predictorArn", name, cap, doc, err);
}

int hc_op_describe_predictor(hc_service *svc, const json_t *req, json_t **resp,
                             hc_error *err)
{
    char name[HC_RESOURCE_NAME_MAX];
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
    char name[HC_RESOURCE_NAME_MAX];
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

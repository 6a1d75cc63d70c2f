/* CreatePredictorBacktestExportJob and DescribePredictorBacktestExportJob. */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/evaluate.h"
#include "service/token.h"
#include "hindcast/buf.h"
#include "hindcast/calendar.h"
#include "hindcast/validate.h"
#include "hindcast/writer.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "workspace/workspace.h"

/* Counts jobs in the workspace and those in progress (a job whose process
 * died is settled first and does not count). Caller holds the lock, so
 * settling happens without it here. */
static int count_jobs(const hc_service *svc, size_t *total, size_t *running,
                      hc_error *err)
{
    char **paths = NULL;
    size_t n = 0;
    *total = *running = 0;
    int rc = hc_svc_list_job_docs(svc, NULL, &paths, &n, err);
    if (rc)
        return rc;
    *total = n;
    for (size_t i = 0; i < n; i++) {
        json_t *doc = NULL;
        hc_error ignored;
        if (hc_ws_read_json(paths[i], &doc, &ignored) == 0) {
            const char *st = json_string_value(json_object_get(doc, "Status"));
            if (hc_status_in_progress(st) && hc_svc_worker_alive(doc))
                (*running)++;
        }
        json_decref(doc);
    }
    hc_free_paths(paths, n);
    return 0;
}

typedef struct export_sink {
    hc_part_writer *forecasts;
    hc_part_writer *accuracy;
    size_t items_written;
    size_t pause_after; /* 0: never (see HINDCAST_DEBUG_PAUSE_AFTER_ITEMS) */
} export_sink;

static int write_item(void *p, const hc_item_eval *item, hc_error *err)
{
    export_sink *sink = p;
    int rc = 0;
    if (hc_svc_stop_requested())
        return hc_error_set(err, HC_ERR_STOPPED, "Stopped by StopResource.");
    if (item->forecast_rows.len)
        rc = hc_part_writer_write(sink->forecasts, item->forecast_rows.data,
                                  item->forecast_rows.len, err);
    if (rc == 0 && item->accuracy_rows.len)
        rc = hc_part_writer_write(sink->accuracy, item->accuracy_rows.data,
                                  item->accuracy_rows.len, err);
    /* Debugging and crash tests: freeze the export mid-way, with temporary
     * parts on disk, so that kill -9 and stop-resource can be exercised at
     * a known moment. */
    if (++sink->items_written == sink->pause_after)
        raise(SIGSTOP);
    return rc;
}

typedef struct finishing {
    hc_part_writer *w;
    hc_error err;
    int rc;
} finishing;

static void *finish_part_writer(void *p)
{
    finishing *f = p;
    f->rc = hc_part_writer_finish(f->w, &f->err);
    return NULL;
}

/* Finishes both writers at once. Each ends with its last part's fsync,
 * which waits on the disk, not on a core: side by side the two take about
 * as long as one (hourly 10k: 4-5 ms each). The first error is fw's. */
static int finish_both(hc_part_writer *fw, hc_part_writer *aw, hc_error *err)
{
    finishing f = {aw, {0}, 0};
    pthread_t t;
    int threaded = pthread_create(&t, NULL, finish_part_writer, &f) == 0;
    int rc = hc_part_writer_finish(fw, err);
    if (threaded)
        pthread_join(t, NULL);
    else
        finish_part_writer(&f);
    if (rc == 0 && f.rc != 0) {
        *err = f.err;
        rc = f.rc;
    }
    return rc;
}

typedef struct progress_bridge {
    const hc_service *svc;
} progress_bridge;

static void on_progress(void *p, size_t done, size_t total)
{
    progress_bridge *b = p;
    if (b->svc->progress)
        b->svc->progress(b->svc->progress_ctx, "export", done, total);
}

/* Runs the export into dest; on failure nothing appears under a final
 * name (temporary parts are removed). pdoc is the predictor.json that
 * CreatePredictorBacktestExportJob read and found ACTIVE: an ACTIVE
 * predictor's definition does not change, and DeletePredictor refuses while
 * the job exists, so it is not read again here. */
static int run_export(const hc_service *svc, const char *predictor,
                      const json_t *pdoc, const char *dest,
                      const char *file_prefix, hc_error *err)
{
    hc_predictor_def def;
    memset(&def, 0, sizeof def);
    hc_dataset *ds = NULL;
    hc_model_file *mf = NULL;
    hc_part_writer *fw = NULL, *aw = NULL;
    hc_buf header = HC_BUF_INIT, prefix = HC_BUF_INIT;
    char *pdir = hc_svc_predictor_dir(svc, predictor);
    char *fdir = hc_path2(dest, "forecasted-values");
    char *adir = hc_path2(dest, "accuracy-metrics-values");
    char *path = NULL;
    int rc = 0;
    if (!pdir || !fdir || !adir) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = hc_predictor_def_from_stored(&def, pdoc, err)))
        goto done;
    path = hc_path2(pdir, "dataset.bin");
    if ((rc = hc_dataset_open(&ds, path, svc->threads, err)))
        goto done;
    hc_svc_phase(svc, "open");
    free(path);
    path = hc_path2(pdir, "model.bin");
    if ((rc = hc_model_file_load(&mf, path, ds->nseries, def.nwindows, svc->threads, err)))
        goto done;
    hc_svc_phase(svc, "load-model");
    if ((rc = hc_ws_mkdirs(fdir, err)) || (rc = hc_ws_mkdirs(adir, err)))
        goto done;

    hc_buf_puts(&prefix, file_prefix);
    hc_part_writer_options wo = {0};
    wo.prefix = prefix.data;
    wo.extension = svc->compression == HC_COMPRESSION_GZIP ? ".csv.gz" : ".csv";
    wo.part_size_limit = svc->part_size_limit;
    wo.compression = svc->compression;
    wo.compression_level = svc->compression_level;
    wo.dir = fdir;
    hc_forecast_header(&def, &header);
    wo.header = header.data;
    if ((rc = hc_part_writer_open(&fw, &wo, err)))
        goto done;
    hc_buf_reset(&header);
    hc_accuracy_header(&def, &header);
    wo.dir = adir;
    wo.header = header.data;
    if ((rc = hc_part_writer_open(&aw, &wo, err)))
        goto done;

    export_sink sink = {fw, aw, 0, 0};
    const char *pause = getenv("HINDCAST_DEBUG_PAUSE_AFTER_ITEMS");
    if (pause && *pause)
        sink.pause_after = (size_t)strtoull(pause, NULL, 10);
    progress_bridge bridge = {svc};
    hc_eval_setup setup = {0};
    setup.def = &def;
    setup.ds = ds;
    setup.models = mf;
    setup.want_rows = 1;
    setup.threads = svc->threads;
    setup.sink = write_item;
    setup.sink_ctx = &sink;
    setup.progress = on_progress;
    setup.progress_ctx = &bridge;
    hc_eval_totals totals;
    if ((rc = hc_evaluate(&setup, &totals, err)))
        goto done;
    hc_svc_phase(svc, "evaluate");
    if (hc_svc_stop_requested()) {
        rc = hc_error_set(err, HC_ERR_STOPPED, "Stopped by StopResource.");
        goto done;
    }
    /* Committed one after the other: a failed first commit leaves the
     * second writer's parts under their temporary names. */
    if ((rc = finish_both(fw, aw, err)) || (rc = hc_part_writer_commit(fw, err)) ||
        (rc = hc_part_writer_commit(aw, err)))
        goto done;
    /* A shard's export says which shard it is, for MergeBacktestExports. */
    if ((rc = hc_svc_write_shard_manifest(svc, pdoc, &def, ds, dest, prefix.data,
                                          hc_part_writer_part_count(fw),
                                          hc_part_writer_part_count(aw), err)))
        goto done;
    /* _CHECK last: its presence means the export is complete. */
    rc = hc_write_file_atomic(dest, "_CHECK", "", 0, err);
    if (rc == 0)
        hc_svc_phase(svc, "commit");
done:
    hc_part_writer_free(fw);
    hc_part_writer_free(aw);
    hc_model_file_free(mf);
    hc_dataset_free(ds);
    hc_predictor_def_free(&def);
    hc_buf_free(&header);
    hc_buf_free(&prefix);
    free(pdir);
    free(fdir);
    free(adir);
    free(path);
    return rc;
}

/* The work of a job, in this process or a detached one. */
typedef struct job_work {
    hc_service *svc;
    char predictor[HC_RESOURCE_NAME_MAX];
    json_t *pdoc; /* predictor.json, read and checked ACTIVE at creation */
    char *path;   /* job.json */
    char *dest;
    char *prefix; /* <JobName>_<ExportTimestamp> */
    json_t *doc;
    hc_error err;
} job_work;

static int transition(job_work *w, const char *status, const char *message)
{
    return hc_svc_transition(w->svc, w->path, &w->doc, status, message, NULL);
}

static int do_job(void *p)
{
    job_work *w = p;
    hc_svc_watch_stop_signals();
    int rc = transition(w, "CREATE_IN_PROGRESS", NULL);
    const char *st = json_string_value(json_object_get(w->doc, "Status"));
    if (rc == 0 && st && strcmp(st, "CREATE_STOPPING") == 0)
        rc = hc_error_set(&w->err, HC_ERR_STOPPED, "Stopped by StopResource.");
    else if (rc == 0)
        rc = run_export(w->svc, w->predictor, w->pdoc, w->dest, w->prefix, &w->err);
    if (rc == 0) {
        transition(w, "ACTIVE", NULL);
    } else {
        hc_svc_remove_temporaries(w->dest, w->prefix);
        transition(w, rc == HC_ERR_STOPPED ? "CREATE_STOPPED" : "CREATE_FAILED",
                   w->err.message);
    }
    return rc;
}

int hc_op_create_export_job(hc_service *svc, const json_t *req, json_t **resp,
                            hc_error *err)
{
    static const char *const members[] = {"PredictorBacktestExportJobName",
                                          "PredictorArn", "Destination", "Tags",
                                          "Format", NULL};
    const char *name = NULL, *predictor_arn = NULL, *format = "CSV";
    const char *s3path = NULL, *role = NULL, *kms = NULL;
    json_t *dest_obj = NULL, *s3 = NULL, *tags = NULL;
    char *arn = NULL, *dir = NULL, *parent = NULL;
    job_work w;
    memset(&w, 0, sizeof w);
    w.svc = svc;
    int lock_fd = -1, rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "PredictorBacktestExportJobName",
                            "PredictorBacktestExportJobName", 1, &name, err)) ||
        (rc = ju_get_string(req, "PredictorArn", "PredictorArn", 1,
                            &predictor_arn, err)) ||
        (rc = ju_get_object(req, "Destination", "Destination", 1, &dest_obj, err)))
        goto done;
    static const char *const dest_members[] = {"S3Config", NULL};
    static const char *const s3_members[] = {"Path", "RoleArn", "KMSKeyArn", NULL};
    if ((rc = ju_check_members(dest_obj, "input.Destination", dest_members, err)) ||
        (rc = ju_get_object(dest_obj, "S3Config", "Destination.S3Config", 1, &s3,
                            err)) ||
        (rc = ju_check_members(s3, "input.Destination.S3Config", s3_members, err)) ||
        (rc = ju_get_string(s3, "Path", "Destination.S3Config.Path", 1, &s3path,
                            err)) ||
        (rc = ju_get_string(s3, "RoleArn", "Destination.S3Config.RoleArn", 1,
                            &role, err)) ||
        (rc = ju_get_string(s3, "KMSKeyArn", "Destination.S3Config.KMSKeyArn", 0,
                            &kms, err)) ||
        (rc = ju_get_string(req, "Format", "Format", 0, &format, err)))
        goto done;
    if ((rc = hc_validate_name(name, "predictorBacktestExportJobName", err)) ||
        (rc = hc_validate_arn(predictor_arn, "predictorArn", err)) ||
        (rc = hc_validate_s3_path(s3path, err)) ||
        (rc = hc_validate_role_arn(role, svc->account, err)) ||
        (kms && (rc = hc_validate_kms_arn(kms, err))))
        goto done;
    if (strcmp(format, "CSV") != 0) {
        rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                          strcmp(format, "PARQUET") == 0
                              ? "Format PARQUET is not supported by this "
                                "version of hindcast; use CSV"
                              : "1 validation error detected: Value '%s' at "
                                "'format' failed to satisfy constraint: Member "
                                "must satisfy enum value set: [CSV, PARQUET]",
                          format);
        goto done;
    }
    if ((rc = hc_svc_parse_tags(req, &tags, err)) ||
        (rc = hc_svc_open_predictor(svc, predictor_arn, "predictorArn", w.predictor,
                                    sizeof w.predictor, &w.pdoc, err)))
        goto done;
    const char *pstatus = json_string_value(json_object_get(w.pdoc, "Status"));
    if (!pstatus || strcmp(pstatus, "ACTIVE") != 0) {
        rc = hc_error_set(err, HC_ERR_IN_USE,
                          "The predictor %s is in status %s; it must be ACTIVE",
                          predictor_arn, pstatus ? pstatus : "unknown");
        goto done;
    }
    if ((rc = hc_resolve_destination(s3path, svc->s3_root, &w.dest, err)))
        goto done;
    arn = hc_svc_job_arn(svc, w.predictor, name);
    dir = hc_svc_job_dir(svc, w.predictor, name);
    parent = hc_path3(svc->root, "jobs", w.predictor);
    w.path = dir ? hc_path2(dir, "job.json") : NULL;
    if (!arn || !dir || !parent || !w.path) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = hc_ws_mkdirs(parent, err)) || (rc = hc_ws_lock(svc->root, &lock_fd, err)))
        goto done;
    struct stat st;
    if (stat(dir, &st) == 0) {
        rc = hc_error_set(err, HC_ERR_ALREADY_EXISTS,
                          "A predictor backtest export job already exists with "
                          "the arn: %s", arn);
        goto done;
    }
    size_t total, running;
    if ((rc = count_jobs(svc, &total, &running, err)))
        goto done;
    if (running >= (size_t)svc->max_jobs_in_progress) {
        rc = hc_error_set(err, HC_ERR_LIMIT,
                          "There are already %zu predictor backtest export "
                          "jobs in progress; the limit is %d", running,
                          svc->max_jobs_in_progress);
        goto done;
    }
    if (total >= (size_t)svc->max_jobs) {
        rc = hc_error_set(err, HC_ERR_LIMIT,
                          "The workspace already holds %zu predictor backtest "
                          "export jobs; the limit is %d", total, svc->max_jobs);
        goto done;
    }
    if (mkdir(dir, 0777) != 0) {
        rc = errno == EEXIST
                 ? hc_error_set(err, HC_ERR_ALREADY_EXISTS,
                                "A predictor backtest export job already exists "
                                "with the arn: %s", arn)
                 : hc_error_set(err, HC_ERR_IO, "cannot create %s: %s", dir,
                                strerror(errno));
        goto done;
    }
    int64_t created = hc_svc_now(svc);
    char stamp[40];
    hc_format_ts_export(stamp, created);
    hc_buf prefix = HC_BUF_INIT;
    hc_buf_printf(&prefix, "%s_%s", name, stamp);
    w.prefix = prefix.data;
    w.doc = json_object();
    json_object_set_new(w.doc, "PredictorBacktestExportJobArn", json_string(arn));
    json_object_set_new(w.doc, "PredictorBacktestExportJobName", json_string(name));
    json_object_set_new(w.doc, "PredictorArn", json_string(predictor_arn));
    json_object_set_new(w.doc, "Destination", json_deep_copy(dest_obj));
    json_object_set_new(w.doc, "Status", json_string("CREATE_PENDING"));
    json_object_set_new(w.doc, "CreationTime", ju_time(created));
    json_object_set_new(w.doc, "LastModificationTime", ju_time(created));
    json_object_set_new(w.doc, "Format", json_string(format));
    json_object_set_new(w.doc, "_Tags", tags);
    tags = NULL;
    json_object_set_new(w.doc, "_DestinationDirectory", json_string(w.dest));
    json_object_set_new(w.doc, "_FilePrefix", json_string(w.prefix ? w.prefix : ""));
    hc_svc_set_worker(w.doc, (long)getpid());
    rc = hc_ws_write_json(w.path, w.doc, err);
    hc_ws_unlock(lock_fd);
    lock_fd = -1;
    if (rc) {
        hc_error ignored;
        hc_ws_remove_tree(dir, &ignored);
        goto done;
    }
    if (svc->no_wait) {
        rc = hc_svc_detach(svc, w.path, w.doc, do_job, &w, err);
    } else {
        rc = do_job(&w);
        if (rc)
            *err = w.err;
    }
    if (rc == 0)
        *resp = json_pack("{s:s}", "PredictorBacktestExportJobArn", arn);
done:
    hc_ws_unlock(lock_fd);
    json_decref(tags);
    json_decref(w.pdoc);
    json_decref(w.doc);
    free(w.path);
    free(w.dest);
    free(w.prefix);
    free(arn);
    free(dir);
    free(parent);
    return rc;
}

int hc_op_describe_export_job(hc_service *svc, const json_t *req, json_t **resp,
                              hc_error *err)
{
    static const char *const members[] = {"PredictorBacktestExportJobArn", NULL};
    const char *arn = NULL;
    hc_resource res;
    json_t *doc = NULL;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "PredictorBacktestExportJobArn",
                            "PredictorBacktestExportJobArn", 1, &arn, err)) ||
        (rc = hc_svc_resolve_arn(svc, arn, "predictorBacktestExportJobArn", &res,
                                 err)))
        return rc;
    if (res.kind != HC_RES_JOB)
        rc = hc_error_set(err, HC_ERR_NOT_FOUND,
                          "No resource found with the arn: %s", arn);
    else
        rc = hc_svc_load_settled(svc, res.doc_path, &doc, err);
    if (rc == 0)
        *resp = hc_svc_public_view(doc);
    json_decref(doc);
    hc_resource_clear(&res);
    return rc;
}

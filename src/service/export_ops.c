/* CreatePredictorBacktestExportJob and DescribePredictorBacktestExportJob. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/evaluate.h"
#include "hindcast/buf.h"
#include "hindcast/calendar.h"
#include "hindcast/validate.h"
#include "hindcast/writer.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "workspace/workspace.h"

static char *job_dir(const hc_service *svc, const char *predictor,
                     const char *job)
{
    hc_buf b = HC_BUF_INIT;
    hc_buf_printf(&b, "%s/jobs/%s/%s", svc->root, predictor, job);
    return b.data;
}

static int save_job(const hc_service *svc, const char *dir, json_t *doc,
                    const char *status, const char *message, hc_error *err)
{
    json_object_set_new(doc, "Status", json_string(status));
    if (message)
        json_object_set_new(doc, "Message", json_string(message));
    json_object_set_new(doc, "LastModificationTime", ju_time(hc_svc_now(svc)));
    char *path = hc_path2(dir, "job.json");
    int rc = path ? hc_ws_write_json(path, doc, err)
                  : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    free(path);
    return rc;
}

/* Counts jobs in the workspace and those still in progress (a job whose
 * process died does not count as in progress). Caller holds the lock. */
static int count_jobs(const hc_service *svc, size_t *total, size_t *running,
                      hc_error *err)
{
    *total = *running = 0;
    char *jobs = hc_path2(svc->root, "jobs");
    if (!jobs)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    DIR *top = opendir(jobs);
    if (!top) {
        free(jobs);
        return 0;
    }
    struct dirent *p;
    while ((p = readdir(top))) {
        if (p->d_name[0] == '.')
            continue;
        char *pdir = hc_path2(jobs, p->d_name);
        DIR *inner = pdir ? opendir(pdir) : NULL;
        struct dirent *j;
        while (inner && (j = readdir(inner))) {
            if (j->d_name[0] == '.')
                continue;
            (*total)++;
            char *path = hc_path3(pdir, j->d_name, "job.json");
            json_t *doc = NULL;
            hc_error ignored;
            if (path && hc_ws_read_json(path, &doc, &ignored) == 0) {
                const char *st = json_string_value(json_object_get(doc, "Status"));
                json_t *pid = json_object_get(doc, "_Pid");
                if (st && (strcmp(st, "CREATE_IN_PROGRESS") == 0 ||
                           strcmp(st, "CREATE_PENDING") == 0) &&
                    hc_svc_pid_alive(pid ? (long)json_integer_value(pid) : 0))
                    (*running)++;
            }
            json_decref(doc);
            free(path);
        }
        if (inner)
            closedir(inner);
        free(pdir);
    }
    closedir(top);
    free(jobs);
    return 0;
}

typedef struct export_sink {
    hc_part_writer *forecasts;
    hc_part_writer *accuracy;
} export_sink;

static int write_item(void *p, const hc_item_eval *item, hc_error *err)
{
    export_sink *sink = p;
    int rc = 0;
    if (item->forecast_rows.len)
        rc = hc_part_writer_write(sink->forecasts, item->forecast_rows.data,
                                  item->forecast_rows.len, err);
    if (rc == 0 && item->accuracy_rows.len)
        rc = hc_part_writer_write(sink->accuracy, item->accuracy_rows.data,
                                  item->accuracy_rows.len, err);
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
 * name (temporary parts are removed). */
static int run_export(const hc_service *svc, const char *predictor,
                      const char *job_name, const char *dest, int64_t created,
                      hc_error *err)
{
    hc_predictor_def def;
    memset(&def, 0, sizeof def);
    hc_dataset *ds = NULL;
    hc_model_file *mf = NULL;
    json_t *doc = NULL;
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
    if ((rc = hc_svc_load_predictor(svc, predictor, &doc, err)) ||
        (rc = hc_predictor_def_parse(&def, json_object_get(doc, "_Request"), err)))
        goto done;
    path = hc_path2(pdir, "dataset.bin");
    if ((rc = hc_dataset_load_threads(&ds, path, svc->threads, err)))
        goto done;
    free(path);
    path = hc_path2(pdir, "model.bin");
    if ((rc = hc_model_file_load(&mf, path, ds->nseries, def.nwindows, err)))
        goto done;
    if ((rc = hc_ws_mkdirs(fdir, err)) || (rc = hc_ws_mkdirs(adir, err)))
        goto done;

    char stamp[40];
    hc_format_ts_export(stamp, created);
    hc_buf_printf(&prefix, "%s_%s", job_name, stamp);
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

    export_sink sink = {fw, aw};
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
    if ((rc = hc_part_writer_finish(fw, err)) || (rc = hc_part_writer_finish(aw, err)) ||
        (rc = hc_part_writer_commit(fw, err)) || (rc = hc_part_writer_commit(aw, err)))
        goto done;
    /* _CHECK last: its presence means the export is complete. */
    rc = hc_write_file_atomic(dest, "_CHECK", "", 0, err);
done:
    hc_part_writer_free(fw);
    hc_part_writer_free(aw);
    hc_model_file_free(mf);
    hc_dataset_free(ds);
    hc_predictor_def_free(&def);
    json_decref(doc);
    hc_buf_free(&header);
    hc_buf_free(&prefix);
    free(pdir);
    free(fdir);
    free(adir);
    free(path);
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
    json_t *dest_obj = NULL, *s3 = NULL, *tags = NULL, *pdoc = NULL, *doc = NULL;
    char predictor[64];
    char *arn = NULL, *dir = NULL, *dest_dir = NULL, *parent = NULL;
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
        (rc = hc_svc_predictor_name(svc, predictor_arn, "predictorArn", predictor,
                                    sizeof predictor, err)) ||
        (rc = hc_svc_load_predictor(svc, predictor, &pdoc, err)))
        goto done;
    const char *pstatus = json_string_value(json_object_get(pdoc, "Status"));
    if (!pstatus || strcmp(pstatus, "ACTIVE") != 0) {
        rc = hc_error_set(err, HC_ERR_IN_USE,
                          "The predictor %s is in status %s; it must be ACTIVE",
                          predictor_arn, pstatus ? pstatus : "unknown");
        goto done;
    }
    if ((rc = hc_resolve_destination(s3path, svc->s3_root, &dest_dir, err)))
        goto done;
    arn = hc_svc_job_arn(svc, predictor, name);
    dir = job_dir(svc, predictor, name);
    parent = hc_path3(svc->root, "jobs", predictor);
    if (!arn || !dir || !parent) {
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
    doc = json_object();
    json_object_set_new(doc, "PredictorBacktestExportJobArn", json_string(arn));
    json_object_set_new(doc, "PredictorBacktestExportJobName", json_string(name));
    json_object_set_new(doc, "PredictorArn", json_string(predictor_arn));
    json_object_set_new(doc, "Destination", json_deep_copy(dest_obj));
    json_object_set_new(doc, "Status", json_string("CREATE_IN_PROGRESS"));
    json_object_set_new(doc, "CreationTime", ju_time(created));
    json_object_set_new(doc, "LastModificationTime", ju_time(created));
    json_object_set_new(doc, "Format", json_string(format));
    json_object_set_new(doc, "_Tags", tags);
    tags = NULL;
    json_object_set_new(doc, "_DestinationDirectory", json_string(dest_dir));
    json_object_set_new(doc, "_Pid", json_integer((json_int_t)getpid()));
    rc = save_job(svc, dir, doc, "CREATE_IN_PROGRESS", NULL, err);
    hc_ws_unlock(lock_fd);
    lock_fd = -1;
    if (rc) {
        hc_error ignored;
        hc_ws_remove_tree(dir, &ignored);
        goto done;
    }

    rc = run_export(svc, predictor, name, dest_dir, created, err);
    json_object_del(doc, "_Pid");
    hc_error save_err;
    if (rc == 0) {
        rc = save_job(svc, dir, doc, "ACTIVE", NULL, err);
        if (rc == 0)
            *resp = json_pack("{s:s}", "PredictorBacktestExportJobArn", arn);
    } else {
        save_job(svc, dir, doc, "CREATE_FAILED", err->message, &save_err);
    }
done:
    hc_ws_unlock(lock_fd);
    json_decref(tags);
    json_decref(pdoc);
    json_decref(doc);
    free(arn);
    free(dir);
    free(dest_dir);
    free(parent);
    return rc;
}

int hc_op_describe_export_job(hc_service *svc, const json_t *req, json_t **resp,
                              hc_error *err)
{
    static const char *const members[] = {"PredictorBacktestExportJobArn", NULL};
    const char *arn = NULL;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_string(req, "PredictorBacktestExportJobArn",
                            "PredictorBacktestExportJobArn", 1, &arn, err)) ||
        (rc = hc_validate_arn(arn, "predictorBacktestExportJobArn", err)))
        return rc;
    /* arn:aws:forecast:<region>:<account>:predictor-backtest-export-job/P/J */
    const char *marker = strstr(arn, ":predictor-backtest-export-job/");
    char predictor[64] = "", job[64] = "";
    if (marker) {
        const char *p = marker + strlen(":predictor-backtest-export-job/");
        const char *slash = strchr(p, '/');
        if (slash && (size_t)(slash - p) < sizeof predictor &&
            strlen(slash + 1) < sizeof job) {
            memcpy(predictor, p, (size_t)(slash - p));
            predictor[slash - p] = '\0';
            snprintf(job, sizeof job, "%s", slash + 1);
        }
    }
    char *expected = NULL, *dir = NULL, *path = NULL;
    json_t *doc = NULL;
    if (predictor[0] && job[0] && hc_validate_name(predictor, "p", NULL) == 0 &&
        hc_validate_name(job, "j", NULL) == 0)
        expected = hc_svc_job_arn(svc, predictor, job);
    if (!expected || strcmp(expected, arn) != 0) {
        rc = hc_error_set(err, HC_ERR_NOT_FOUND,
                          "No resource found with the arn: %s", arn);
        goto done;
    }
    dir = job_dir(svc, predictor, job);
    path = dir ? hc_path2(dir, "job.json") : NULL;
    if (!path) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = hc_ws_read_json(path, &doc, err);
    if (rc == HC_ERR_NOT_FOUND)
        rc = hc_error_set(err, HC_ERR_NOT_FOUND,
                          "No resource found with the arn: %s", arn);
    if (rc)
        goto done;
    const char *status = json_string_value(json_object_get(doc, "Status"));
    json_t *pid = json_object_get(doc, "_Pid");
    if (status && strcmp(status, "CREATE_IN_PROGRESS") == 0 &&
        !hc_svc_pid_alive(pid ? (long)json_integer_value(pid) : 0)) {
        hc_error ignored;
        json_object_del(doc, "_Pid");
        save_job(svc, dir, doc, "CREATE_FAILED",
                 "the export process ended before it finished", &ignored);
    }
    *resp = hc_svc_public_view(doc);
done:
    json_decref(doc);
    free(expected);
    free(dir);
    free(path);
    return rc;
}

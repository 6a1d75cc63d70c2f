/* Resource lookup, status settling, listing, stop signals and detaching. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "hindcast/buf.h"
#include "hindcast/validate.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "workspace/workspace.h"

char *hc_svc_job_dir(const hc_service *svc, const char *predictor,
                     const char *job)
{
    hc_buf b = HC_BUF_INIT;
    hc_buf_printf(&b, "%s/jobs/%s/%s", svc->root, predictor, job);
    return b.data;
}

void hc_resource_clear(hc_resource *r)
{
    free(r->doc_path);
    free(r->dir);
    memset(r, 0, sizeof *r);
}

static int not_found(const char *arn, hc_error *err)
{
    return hc_error_set(err, HC_ERR_NOT_FOUND,
                        "No resource found with the arn: %s", arn);
}

int hc_svc_resolve_arn(const hc_service *svc, const char *arn,
                       const char *field, hc_resource *out, hc_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = hc_validate_arn(arn, field, err);
    if (rc)
        return rc;
    const char *job_marker = strstr(arn, ":predictor-backtest-export-job/");
    char *expected = NULL;
    if (job_marker) {
        const char *p = job_marker + strlen(":predictor-backtest-export-job/");
        const char *slash = strchr(p, '/');
        if (!slash || (size_t)(slash - p) >= sizeof out->predictor ||
            strlen(slash + 1) >= sizeof out->job)
            return not_found(arn, err);
        memcpy(out->predictor, p, (size_t)(slash - p));
        out->predictor[slash - p] = '\0';
        snprintf(out->job, sizeof out->job, "%s", slash + 1);
        if (!hc_resource_name_ok(out->predictor) ||
            hc_validate_name(out->job, "j", NULL) != 0)
            return not_found(arn, err);
        out->kind = HC_RES_JOB;
        expected = hc_svc_job_arn(svc, out->predictor, out->job);
        out->dir = hc_svc_job_dir(svc, out->predictor, out->job);
        out->doc_path = out->dir ? hc_path2(out->dir, "job.json") : NULL;
    } else {
        const char *marker = strstr(arn, ":predictor/");
        const char *name = marker ? marker + strlen(":predictor/") : "";
        if (!marker || strlen(name) >= sizeof out->predictor ||
            !hc_resource_name_ok(name))
            return not_found(arn, err);
        snprintf(out->predictor, sizeof out->predictor, "%s", name);
        out->kind = HC_RES_PREDICTOR;
        expected = hc_svc_predictor_arn(svc, name);
        out->dir = hc_svc_predictor_dir(svc, name);
        out->doc_path = out->dir ? hc_path2(out->dir, "predictor.json") : NULL;
    }
    if (!expected || !out->doc_path) {
        free(expected);
        hc_resource_clear(out);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    int same = strcmp(expected, arn) == 0;
    free(expected);
    struct stat st;
    if (!same || stat(out->doc_path, &st) != 0) {
        hc_resource_clear(out);
        return not_found(arn, err);
    }
    return 0;
}

int hc_status_in_progress(const char *status)
{
    return status && (strcmp(status, "CREATE_PENDING") == 0 ||
                      strcmp(status, "CREATE_IN_PROGRESS") == 0 ||
                      strcmp(status, "CREATE_STOPPING") == 0);
}

int hc_svc_save_status(const hc_service *svc, const char *path, json_t *doc,
                       const char *status, const char *message, hc_error *err)
{
    json_object_set_new(doc, "Status", json_string(status));
    if (message)
        json_object_set_new(doc, "Message", json_string(message));
    json_object_set_new(doc, "LastModificationTime", ju_time(hc_svc_now(svc)));
    return hc_ws_write_json(path, doc, err);
}

int hc_svc_transition(const hc_service *svc, const char *path, json_t **doc,
                      const char *status, const char *message,
                      const char *const *owned)
{
    int fd = -1;
    hc_error err;
    int rc = hc_ws_lock(svc->root, &fd, &err);
    if (rc)
        return rc;
    json_t *cur = NULL;
    if (hc_ws_read_json(path, &cur, &err) == 0) {
        const char *now = json_string_value(json_object_get(cur, "Status"));
        /* A StopResource that got there first keeps its CREATE_STOPPING. */
        if (now && strcmp(now, "CREATE_STOPPING") == 0 &&
            strcmp(status, "CREATE_IN_PROGRESS") == 0)
            status = "CREATE_STOPPING";
        for (size_t i = 0; owned && owned[i]; i++) {
            json_t *mine = json_object_get(*doc, owned[i]);
            if (mine)
                json_object_set(cur, owned[i], mine);
        }
        json_decref(*doc);
        *doc = cur;
    }
    if (strcmp(status, "CREATE_IN_PROGRESS") && strcmp(status, "CREATE_STOPPING"))
        hc_svc_clear_worker(*doc);
    else
        hc_svc_set_worker(*doc, (long)getpid());
    rc = hc_svc_save_status(svc, path, *doc, status, message, &err);
    hc_ws_unlock(fd);
    return rc;
}

void hc_svc_remove_temporaries(const char *dest, const char *prefix)
{
    static const char *const folders[] = {"forecasted-values",
                                          "accuracy-metrics-values"};
    size_t plen = strlen(prefix);
    for (size_t f = 0; f < 2; f++) {
        char *dir = hc_path2(dest, folders[f]);
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *e;
        while (d && (e = readdir(d))) {
            const char *n = e->d_name;
            size_t len = strlen(n);
            /* Our temporaries: ".<prefix>_part<N>.csv[.gz].tmp". */
            if (n[0] != '.' || len < plen + 10 || strncmp(n + 1, prefix, plen) != 0 ||
                strncmp(n + 1 + plen, "_part", 5) != 0 ||
                strcmp(n + len - 4, ".tmp") != 0)
                continue;
            char *path = hc_path2(dir, n);
            if (path)
                unlink(path);
            free(path);
        }
        if (d)
            closedir(d);
        free(dir);
    }
}

static void withdraw_job_outputs(json_t *doc)
{
    const char *dest = json_string_value(json_object_get(doc, "_DestinationDirectory"));
    const char *prefix = json_string_value(json_object_get(doc, "_FilePrefix"));
    if (dest && prefix)
        hc_svc_remove_temporaries(dest, prefix);
}

int hc_svc_load_settled(const hc_service *svc, const char *path, json_t **doc,
                        hc_error *err)
{
    int rc = hc_ws_read_json(path, doc, err);
    if (rc)
        return rc;
    const char *status = json_string_value(json_object_get(*doc, "Status"));
    if (!hc_status_in_progress(status) || hc_svc_worker_alive(*doc))
        return 0;
    /* The process that owned this resource is gone: settle it under the
     * lock so that two describes agree. */
    int fd = -1;
    if ((rc = hc_ws_lock(svc->root, &fd, err)))
        return rc;
    json_t *fresh = NULL;
    rc = hc_ws_read_json(path, &fresh, err);
    if (rc == 0) {
        status = json_string_value(json_object_get(fresh, "Status"));
        if (hc_status_in_progress(status) && !hc_svc_worker_alive(fresh)) {
            int stopping = strcmp(status, "CREATE_STOPPING") == 0;
            withdraw_job_outputs(fresh);
            hc_svc_clear_worker(fresh);
            rc = hc_svc_save_status(svc, path, fresh,
                                    stopping ? "CREATE_STOPPED" : "CREATE_FAILED",
                                    stopping ? "Stopped by StopResource."
                                             : "The process doing the work ended "
                                               "before it finished.",
                                    err);
        }
        json_decref(*doc);
        *doc = fresh;
    }
    hc_ws_unlock(fd);
    return rc;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void hc_free_paths(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* Appends <dir>/<entry>/<file> for each entry holding that file. */
static int collect(const char *dir, const char *file, char ***paths, size_t *n,
                   size_t *cap, hc_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path = hc_path3(dir, e->d_name, file);
        struct stat st;
        if (!path) {
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            break;
        }
        if (stat(path, &st) != 0) {
            free(path);
            continue;
        }
        if (*n == *cap) {
            size_t ncap = *cap ? *cap * 2 : 64;
            char **p = realloc(*paths, ncap * sizeof *p);
            if (!p) {
                free(path);
                rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
                break;
            }
            *paths = p;
            *cap = ncap;
        }
        (*paths)[(*n)++] = path;
    }
    closedir(d);
    return rc;
}

/* A listing gathered with collect(): sorted, or freed and emptied when
 * gathering failed (rc). */
static int finish_listing(int rc, char ***paths, size_t *n)
{
    if (rc) {
        hc_free_paths(*paths, *n);
        *paths = NULL;
        *n = 0;
    } else if (*n) {
        qsort(*paths, *n, sizeof **paths, compare_strings);
    }
    return rc;
}

int hc_svc_list_job_docs(const hc_service *svc, const char *predictor,
                         char ***paths, size_t *n, hc_error *err)
{
    *paths = NULL;
    *n = 0;
    size_t cap = 0;
    char *jobs = hc_path2(svc->root, "jobs");
    if (!jobs)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    int rc = 0;
    DIR *d = opendir(jobs);
    struct dirent *e;
    while (rc == 0 && d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || (predictor && strcmp(predictor, e->d_name) != 0))
            continue;
        char *pdir = hc_path2(jobs, e->d_name);
        rc = pdir ? collect(pdir, "job.json", paths, n, &cap, err)
                  : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        free(pdir);
    }
    if (d)
        closedir(d);
    free(jobs);
    return finish_listing(rc, paths, n);
}

int hc_svc_list_predictor_docs(const hc_service *svc, char ***paths, size_t *n,
                               hc_error *err)
{
    *paths = NULL;
    *n = 0;
    size_t cap = 0;
    char *dir = hc_path2(svc->root, "predictors");
    if (!dir)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    int rc = collect(dir, "predictor.json", paths, n, &cap, err);
    free(dir);
    return finish_listing(rc, paths, n);
}

static volatile sig_atomic_t stop_flag = 0;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void hc_svc_watch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

int hc_svc_stop_requested(void)
{
    return stop_flag != 0;
}

int hc_svc_detach(const hc_service *svc, const char *path, json_t *doc,
                  int (*work)(void *ctx), void *ctx, hc_error *err)
{
    (void)svc;
    int gate[2];
    if (pipe(gate) != 0)
        return hc_error_set(err, HC_ERR_IO, "cannot create a pipe: %s",
                            strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(gate[0]);
        close(gate[1]);
        return hc_error_set(err, HC_ERR_IO, "cannot start a background process: %s",
                            strerror(errno));
    }
    if (pid == 0) {
        /* Child: let go of the caller's terminal and pipes at once (a
         * caller reading our stdout must see EOF even if we are stopped),
         * wait until the parent has recorded our pid, then work. */
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
            if (devnull > STDERR_FILENO)
                close(devnull);
        }
        close(gate[1]);
        char c;
        ssize_t got;
        do {
            got = read(gate[0], &c, 1);
        } while (got < 0 && errno == EINTR);
        close(gate[0]);
        setsid();
        _exit(got == 1 && work(ctx) == 0 ? 0 : 1);
    }
    close(gate[0]);
    hc_svc_set_worker(doc, (long)pid);
    int rc = hc_ws_write_json(path, doc, err);
    if (rc == 0 && write(gate[1], "g", 1) != 1)
        rc = hc_error_set(err, HC_ERR_IO, "cannot start the background process");
    close(gate[1]);
    if (rc != 0)
        kill(pid, SIGKILL);
    return rc;
}

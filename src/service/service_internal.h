/* Internal state and helpers shared by the service operations. */
#ifndef HC_SERVICE_INTERNAL_H
#define HC_SERVICE_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "hindcast/service.h"
#include "predictor/predictor.h"

struct hc_service {
    char *root;
    char *region;
    char *account;
    char *s3_root;
    int threads;
    int64_t clock_override;
    uint64_t part_size_limit;
    hc_compression compression;
    int compression_level;
    int max_jobs_in_progress;
    int max_jobs;
    hc_progress_fn progress;
    void *progress_ctx;
    hc_phase_fn phase;
    void *phase_ctx;
    int no_wait;
    int shard_index; /* --shard I/N; shard_count 0: none */
    int shard_count;
};

typedef int (*hc_operation_fn)(hc_service *svc, const json_t *req,
                               json_t **resp, hc_error *err);

/* "now" in seconds (SOURCE_DATE_EPOCH-style override honoured). */
int64_t hc_svc_now(const hc_service *svc);

/* ARNs of this region/account. Results are malloc'd. */
char *hc_svc_predictor_arn(const hc_service *svc, const char *name);
char *hc_svc_job_arn(const hc_service *svc, const char *predictor,
                     const char *job);
/* Predictor name from a predictor ARN of this region/account, validated
 * (InvalidInput for a malformed ARN, NotFound for another one). */
int hc_svc_predictor_name(const hc_service *svc, const char *arn,
                          const char *field, char *name, size_t cap,
                          hc_error *err);

/* Resolves a predictor ARN (as hc_svc_predictor_name) and loads its
 * settled document (hc_svc_load_settled); NotFound names the ARN. */
int hc_svc_open_predictor(const hc_service *svc, const char *arn,
                          const char *field, char *name, size_t cap,
                          json_t **doc, hc_error *err);

/* <root>/predictors/<name> and files inside it (malloc'd). */
char *hc_svc_predictor_dir(const hc_service *svc, const char *name);

/* Strips internal members (names starting with '_') for responses. */
json_t *hc_svc_public_view(const json_t *doc);

/* The process working on a resource: recorded as _Pid and _PidStart (its
 * start time, so that a reused pid is not mistaken for it). Alive means
 * running or stopped, not a zombie. */
void hc_svc_set_worker(json_t *doc, long pid);
void hc_svc_clear_worker(json_t *doc);
int hc_svc_worker_alive(const json_t *doc);

/* Tag list request member -> validated pairs stored as a JSON array. */
int hc_svc_parse_tags(const json_t *req, json_t **tags_out, hc_error *err);

/* ---- resources and lifecycle (resources.c) ------------------------- */

typedef enum hc_resource_kind {
    HC_RES_PREDICTOR,
    HC_RES_JOB
} hc_resource_kind;

/* A resolved ARN: its kind, names and the JSON document's path. */
typedef struct hc_resource {
    hc_resource_kind kind;
    char predictor[HC_RESOURCE_NAME_MAX];
    char job[64];
    char *doc_path; /* malloc'd */
    char *dir;      /* malloc'd */
} hc_resource;

/* Resolves a predictor or export-job ARN of this region/account. The
 * resource must exist (ResourceNotFoundException otherwise). */
int hc_svc_resolve_arn(const hc_service *svc, const char *arn,
                       const char *field, hc_resource *out, hc_error *err);
void hc_resource_clear(hc_resource *r);

/* <root>/jobs/<predictor>/<job> (malloc'd). */
char *hc_svc_job_dir(const hc_service *svc, const char *predictor,
                     const char *job);

/* Loads a resource document and settles the status of one whose process
 * died: CREATE_PENDING/IN_PROGRESS -> CREATE_FAILED, CREATE_STOPPING ->
 * CREATE_STOPPED (temporary parts of a dead export are removed). */
int hc_svc_load_settled(const hc_service *svc, const char *path,
                        json_t **doc, hc_error *err);

/* Writes status (and message) with a fresh LastModificationTime. */
int hc_svc_save_status(const hc_service *svc, const char *path, json_t *doc,
                       const char *status, const char *message, hc_error *err);

/* A worker's status change, under the lock: *doc is replaced by the file's
 * current document (tags changed meanwhile survive) with the members named
 * in `owned` (NULL-terminated, may be NULL) taken from the worker's copy.
 * A StopResource that arrived first keeps CREATE_STOPPING over
 * CREATE_IN_PROGRESS; terminal states clear the worker. */
int hc_svc_transition(const hc_service *svc, const char *path, json_t **doc,
                      const char *status, const char *message,
                      const char *const *owned);

/* 1 for CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_STOPPING. */
int hc_status_in_progress(const char *status);

/* Reports the end of a phase to the caller's hc_phase_fn, if any. */
static inline void hc_svc_phase(const hc_service *svc, const char *phase)
{
    if (svc->phase)
        svc->phase(svc->phase_ctx, phase);
}

/* Removes temporary parts `.<prefix>_part*.tmp` left in an export's two
 * folders. */
void hc_svc_remove_temporaries(const char *dest, const char *prefix);

/* Every job document path, sorted (malloc'd array of malloc'd strings). */
int hc_svc_list_job_docs(const hc_service *svc, const char *predictor,
                         char ***paths, size_t *n, hc_error *err);
int hc_svc_list_predictor_docs(const hc_service *svc, char ***paths, size_t *n,
                               hc_error *err);
void hc_free_paths(char **paths, size_t n);

/* SIGTERM/SIGINT set a flag that long operations poll (stop-resource). */
void hc_svc_watch_stop_signals(void);
int hc_svc_stop_requested(void);

/* Runs `work` in a detached child process (--no-wait). The child gets its
 * own session; the parent records the child's pid in the document at
 * `path` before the child starts, so a describe never sees a stale pid.
 * Returns in the parent only (0 or an error). */
int hc_svc_detach(const hc_service *svc, const char *path, json_t *doc,
                  int (*work)(void *ctx), void *ctx, hc_error *err);

/* Operations. */
int hc_op_create_predictor(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err);
int hc_op_create_auto_predictor(hc_service *svc, const json_t *req,
                                json_t **resp, hc_error *err);
int hc_op_describe_predictor(hc_service *svc, const json_t *req, json_t **resp,
                             hc_error *err);
int hc_op_get_accuracy_metrics(hc_service *svc, const json_t *req,
                               json_t **resp, hc_error *err);
int hc_op_create_export_job(hc_service *svc, const json_t *req, json_t **resp,
                            hc_error *err);
int hc_op_describe_export_job(hc_service *svc, const json_t *req,
                              json_t **resp, hc_error *err);
int hc_op_list_export_jobs(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err);
int hc_op_delete_export_job(hc_service *svc, const json_t *req, json_t **resp,
                            hc_error *err);
int hc_op_list_predictors(hc_service *svc, const json_t *req, json_t **resp,
                          hc_error *err);
int hc_op_delete_predictor(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err);
int hc_op_stop_resource(hc_service *svc, const json_t *req, json_t **resp,
                        hc_error *err);
int hc_op_tag_resource(hc_service *svc, const json_t *req, json_t **resp,
                       hc_error *err);
int hc_op_untag_resource(hc_service *svc, const json_t *req, json_t **resp,
                         hc_error *err);
int hc_op_list_tags(hc_service *svc, const json_t *req, json_t **resp,
                    hc_error *err);
/* ---- many machines (shard_ops.c) --------------------------------------- */

/* With --shard (svc->shard_count > 0), after the whole file was read and
 * checked: fingerprints the request and the whole dataset, keeps only the
 * shard's items (hc_dataset_keep_series) and sets *members to the members
 * the predictor document gets (HindcastShard, _HindcastShard). Without
 * --shard: 0 and *members NULL. */
int hc_svc_shard_dataset(const hc_service *svc, const json_t *req,
                         const hc_predictor_def *def, hc_dataset *ds,
                         json_t **members, hc_error *err);

/* After an export's parts are committed, before _CHECK: when the predictor
 * document pdoc is a shard's, writes <dest>/_HINDCAST_SHARD.json naming the
 * shard, the predictor's fingerprints, the item range, both headers and
 * the part names in order. Otherwise does nothing. */
int hc_svc_write_shard_manifest(const hc_service *svc, const json_t *pdoc,
                                const hc_predictor_def *def,
                                const hc_dataset *ds, const char *dest,
                                const char *prefix, size_t forecast_parts,
                                size_t accuracy_parts, hc_error *err);

/* MergeBacktestExports (hindcast extension). */
int hc_op_merge_backtest_exports(hc_service *svc, const json_t *req,
                                 json_t **resp, hc_error *err);

/* src/evalfiles/evaluate_op.c */
int hc_op_evaluate(hc_service *svc, const json_t *req, json_t **resp,
                   hc_error *err);

#endif

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

/* <root>/predictors/<name> and files inside it (malloc'd). */
char *hc_svc_predictor_dir(const hc_service *svc, const char *name);

/* Loads predictor.json of `name`; NotFound names the ARN. */
int hc_svc_load_predictor(const hc_service *svc, const char *name,
                          json_t **doc, hc_error *err);

/* Strips internal members (names starting with '_') for responses. */
json_t *hc_svc_public_view(const json_t *doc);

/* 1 when a process with this pid is alive on this machine. */
int hc_svc_pid_alive(long pid);

/* Tag list request member -> validated pairs stored as a JSON array. */
int hc_svc_parse_tags(const json_t *req, json_t **tags_out, hc_error *err);

/* Operations. */
int hc_op_create_predictor(hc_service *svc, const json_t *req, json_t **resp,
                           hc_error *err);
int hc_op_describe_predictor(hc_service *svc, const json_t *req, json_t **resp,
                             hc_error *err);
int hc_op_get_accuracy_metrics(hc_service *svc, const json_t *req,
                               json_t **resp, hc_error *err);
int hc_op_create_export_job(hc_service *svc, const json_t *req, json_t **resp,
                            hc_error *err);
int hc_op_describe_export_job(hc_service *svc, const json_t *req,
                              json_t **resp, hc_error *err);

#endif

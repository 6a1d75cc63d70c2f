/* hindcast: the service API.
 *
 * hindcast's library is an offline Amazon Forecast: every operation takes
 * the AWS request object as JSON text and returns the AWS response object
 * as JSON text, so that the CLI (and any other front end) only translates
 * command lines to requests. State lives in a workspace directory. */
#ifndef HINDCAST_SERVICE_H
#define HINDCAST_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/error.h"
#include "hindcast/writer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*hc_progress_fn)(void *ctx, const char *stage, size_t done,
                               size_t total);
/* Called as each phase of a create or export ends ("read", "snapshot",
 * "train", ...), on the operation's calling thread. */
typedef void (*hc_phase_fn)(void *ctx, const char *phase);

typedef struct hc_service_options {
    const char *workspace;     /* directory holding all state (created) */
    const char *region;        /* NULL -> "us-east-1" */
    const char *account;       /* NULL -> "000000000000" */
    const char *s3_root;       /* NULL -> <workspace>/s3 */
    int threads;               /* <= 0 -> every online core */
    int64_t clock_override;    /* >= 0: seconds since epoch used as "now"
                                  (SOURCE_DATE_EPOCH); -1: the real clock */
    uint64_t part_size_limit;  /* 0 -> 256 MiB */
    /* Export parts as .csv.gz (a hindcast extension; the limit above then
     * counts uncompressed bytes). Level 1-9, 0 -> 1. */
    hc_compression compression;
    int compression_level;
    int max_jobs_in_progress;  /* 0 -> 3 */
    int max_jobs;              /* 0 -> 1000 */
    int no_wait;               /* create-* operations return at once and a
                                  detached process does the work */
    hc_progress_fn progress;   /* may be NULL */
    void *progress_ctx;
    hc_phase_fn phase;         /* may be NULL */
    void *phase_ctx;
    /* One machine's share of CreatePredictor / CreateAutoPredictor
     * (--shard I/N): the file is read and checked whole, then only items
     * [floor(I*n/N), floor((I+1)*n/N)) of the n in key order are trained,
     * and an export of that predictor writes a shard manifest that the
     * MergeBacktestExports operation joins (README "Many machines").
     * shard_count 0: no sharding; otherwise 0 <= shard_index < shard_count.
     * Other operations ignore it. */
    int shard_index;
    int shard_count;
} hc_service_options;

void hc_service_options_init(hc_service_options *o);

typedef struct hc_service hc_service;

int hc_service_open(hc_service **out, const hc_service_options *o,
                    hc_error *err);
void hc_service_close(hc_service *svc); /* NULL-safe */

/* Runs one operation by its AWS name ("CreatePredictor",
 * "CreatePredictorBacktestExportJob", ...; hindcast's extensions "Evaluate"
 * (docs/evaluate.md) and "MergeBacktestExports" (README "Many machines")). request_json: the request
 * object ("{}" when empty). On success *response_json is a malloc'd JSON
 * text (caller frees); on failure a negative hc_status and err. */
int hc_service_call(hc_service *svc, const char *operation,
                    const char *request_json, char **response_json,
                    hc_error *err);

/* Re-prints JSON text in the response style (4-space indent, members in
 * order, floats in shortest form); for front ends that merge responses.
 * *out is malloc'd. */
int hc_service_format_json(const char *json, char **out, hc_error *err);

/* 1 when the operation name is known. */
int hc_service_has_operation(const char *operation);

#ifdef __cplusplus
}
#endif
#endif

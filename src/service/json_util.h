/* Typed access to request objects (jansson), with AWS-style messages.
 *
 * Structural problems (missing required member, wrong JSON type, unknown
 * member) are what the AWS CLI rejects before calling the service
 * ("Parameter validation failed", exit 252): they return HC_ERR_USAGE.
 * Rule violations inside well-formed values are service errors
 * (InvalidInputException). */
#ifndef HC_SERVICE_JSON_UTIL_H
#define HC_SERVICE_JSON_UTIL_H

#include <jansson.h>
#include <stdint.h>

#include "hindcast/buf.h"
#include "hindcast/error.h"

/* Refuses members of obj not in the NULL-terminated `allowed` list. */
int ju_check_members(const json_t *obj, const char *where,
                     const char *const *allowed, hc_error *err);

/* Each getter: member absent -> (required ? HC_ERR_USAGE : 0 with *out
 * untouched); wrong type -> HC_ERR_USAGE. `path` names the member for
 * messages (e.g. "EvaluationParameters.NumberOfBacktestWindows"). */
int ju_get_string(const json_t *obj, const char *key, const char *path,
                  int required, const char **out, hc_error *err);
int ju_get_int(const json_t *obj, const char *key, const char *path,
               int required, long long *out, hc_error *err);
int ju_get_bool(const json_t *obj, const char *key, const char *path,
                int required, int *out, hc_error *err);
int ju_get_object(const json_t *obj, const char *key, const char *path,
                  int required, json_t **out, hc_error *err);
int ju_get_array(const json_t *obj, const char *key, const char *path,
                 int required, json_t **out, hc_error *err);

/* Serialises v the way the AWS CLI prints responses (4-space indent,
 * members in insertion order, reals in Python repr form). */
int ju_dump_cli(const json_t *v, hc_buf *out);

/* "2020-04-25T22:30:23+00:00" */
json_t *ju_time(int64_t t);
/* Parses ju_time's form back (also accepts a trailing 'Z'). 0 or -1. */
int ju_parse_time(const char *text, int64_t *out);

#endif

/* hindcast: request validation for the AWS-style API (SPEC.md 2.1, 3.1).
 *
 * Every validator returns 0 or a negative hc_status and fills `err` (may be
 * NULL). Breaches of a field's declared constraints (null, length, pattern,
 * list size) come back as HC_ERR_INVALID_INPUT with AWS's validation message,
 * listing every constraint the value breaks:
 *
 *   1 validation error detected: Value 'my-job' at
 *   'predictorBacktestExportJobName' failed to satisfy constraint: Member
 *   must satisfy regular expression pattern: ^[a-zA-Z][a-zA-Z0-9_]*$
 *
 * (one line). Rules the service checks after that (role account, reserved or
 * duplicate tag keys, quantile range, path escapes) have their own message.
 * Lengths count Unicode code points of the UTF-8 text. Echoed values are
 * quoted, shortened after 160 bytes ("...") and have control characters and
 * ill-formed bytes written as \xNN.
 *
 * Field names are AWS's member paths: the request member with its first
 * letter lowered, nested members joined by '.', list members as
 * 'list.<1-based index>.member' (e.g. 'tags.2.member.key'). */
#ifndef HINDCAST_VALIDATE_H
#define HINDCAST_VALIDATE_H

#include <stddef.h>

#include "hindcast/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HC_NAME_MAX 63           /* job and predictor names */
#define HC_ARN_MAX 256
#define HC_S3_PATH_MIN 7
#define HC_S3_PATH_MAX 4096
#define HC_TAGS_MAX_PER_REQUEST 200
#define HC_TAGS_MAX_PER_RESOURCE 50
#define HC_TAG_KEY_MAX 128
#define HC_TAG_VALUE_MAX 256
#define HC_FORECAST_TYPES_MAX 5

/* Buffer sizes for the column-name helpers ("mean", "p65"; "wQL[0.65]"). */
#define HC_FORECAST_COLUMN_SIZE 8
#define HC_WQL_COLUMN_SIZE 16

/* Field names used by the validators that take none: the
 * CreatePredictorBacktestExportJob destination members. */
#define HC_FIELD_S3_PATH "destination.s3Config.path"
#define HC_FIELD_ROLE_ARN "destination.s3Config.roleArn"
#define HC_FIELD_KMS_ARN "destination.s3Config.kMSKeyArn"

/* A resource name (job, predictor): required, 1-63 characters,
 * ^[a-zA-Z][a-zA-Z0-9_]*$. `field` names the member in messages. */
int hc_validate_name(const char *value, const char *field, hc_error *err);

/* An ARN member: required, 1-256 characters, ^[a-zA-Z0-9\-\_\.\/\:]+$. */
int hc_validate_arn(const char *value, const char *field, hc_error *err);

/* RoleArn: hc_validate_arn's rules, then it must have the form
 * arn:<partition>:iam::<12-digit account>:role/<name> (InvalidInput), then
 * its account must equal `account` ("Passing a role across accounts is not
 * allowed", InvalidInput). `account` NULL skips the account comparison.
 * Field HC_FIELD_ROLE_ARN. */
int hc_validate_role_arn(const char *value, const char *account, hc_error *err);
/* The same for another member (e.g. 'encryptionConfig.roleArn'). */
int hc_validate_role_arn_field(const char *value, const char *account,
                               const char *field, hc_error *err);

/* KMSKeyArn: optional (NULL passes); else at most 256 characters and
 * ^arn:aws:kms:.*:key/.*$ ('.' matching no control character). Field
 * HC_FIELD_KMS_ARN. */
int hc_validate_kms_arn(const char *value, hc_error *err);
int hc_validate_kms_arn_field(const char *value, const char *field,
                              hc_error *err);

/* Destination path: required, 7-4096 characters, ^s3://[a-z0-9].+$ with '.'
 * matching no control character and no U+2028/U+2029, well-formed UTF-8.
 * Extension: file:///absolute/dir (empty authority; no percent-decoding),
 * same length limits and character rules. Field HC_FIELD_S3_PATH. */
int hc_validate_s3_path(const char *value, hc_error *err);
int hc_validate_s3_path_field(const char *value, const char *field,
                              hc_error *err);

/* Maps a destination path to a local directory, stored in *out_dir
 * (malloc'd, caller frees; NULL on error):
 *   s3://bucket/prefix  ->  <s3_root>/bucket/prefix
 *   file:///abs/dir     ->  /abs/dir
 * The path is validated as by hc_validate_s3_path first. Empty and "."
 * segments are dropped and the result has no trailing '/'. Refused with
 * HC_ERR_INVALID_INPUT: ".." segments (in either form); for s3:// paths, any
 * existing prefix of the result that realpath() resolves outside
 * realpath(s3_root) (symlinks out of the root), a dangling symlink or a
 * symlink loop on the way, and an existing component that is not a
 * directory. When s3_root does not exist only the lexical checks apply.
 * Nothing is created. file:// paths have no root, so symlinks in them are
 * followed as the user wrote them. Other realpath() failures are HC_ERR_IO.
 * The check cannot stop a symlink planted after it returns. */
int hc_resolve_destination(const char *path, const char *s3_root,
                           char **out_dir, hc_error *err);

/* A tag as given in a request; both strings borrowed. */
typedef struct hc_tag {
    const char *key;
    const char *value;
} hc_tag;

/* Tags of a create or TagResource request:
 * - at most 200 in the request; key required, 1-128 characters; value
 *   required, 0-256 characters; both well-formed UTF-8 matching
 *   ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ (Unicode 15.0 general categories)
 *   -> HC_ERR_INVALID_INPUT, AWS validation message, all breaches listed;
 * - a key starting with "aws:" in any case, or a key given twice
 *   (byte-exact comparison; keys are case-sensitive) -> HC_ERR_INVALID_INPUT;
 * - n + existing_user_tags_not_overwritten > 50 -> HC_ERR_LIMIT
 *   (LimitExceededException). The caller counts the resource's current user
 *   tags whose keys this request does not repeat; reserved "aws:" tags never
 *   count. `tags` may be NULL when n is 0. */
int hc_validate_tags(const hc_tag *tags, size_t n,
                     size_t existing_user_tags_not_overwritten, hc_error *err);

/* 1 when key starts with "aws:" in any letter case (reserved for AWS). */
int hc_tag_key_is_reserved(const char *key);

/* ForecastTypes: 1-5 members, each "mean" or a quantile written
 * ^0\.[0-9][0-9]?$ in 0.01..0.99 ("0.1", "0.65", "0.05", "0.10"; not ".5",
 * "0.5 ", "0.001", "0.0", "Mean"); two members naming the same forecast type
 * ("0.1" and "0.10") are refused. When taus_out is not NULL it receives n
 * values: the quantile (hundredths / 100.0, the double nearest the decimal)
 * or NaN for mean. All HC_ERR_INVALID_INPUT; field 'forecastTypes'. */
int hc_validate_forecast_types(const char *const *types, size_t n,
                               double *taus_out, hc_error *err);

/* The forecasted-values column of a forecast type: "mean" -> "mean",
 * "0.1" -> "p10", "0.65" -> "p65", "0.05" -> "p5", "0.99" -> "p99".
 * buf holds HC_FORECAST_COLUMN_SIZE bytes. Returns 0, or
 * HC_ERR_INVALID_INPUT (buf = "") for a type the validator would refuse. */
int hc_forecast_type_column(const char *type, char *buf);

/* The same from a tau as hc_validate_forecast_types returns it (NaN is
 * mean). HC_ERR_INVALID_INPUT unless tau is within 1e-9 of k/100,
 * k = 1..99. */
int hc_forecast_tau_column(double tau, char *buf);

/* The accuracy-metrics column of a quantile: 0.1 -> "wQL[0.1]",
 * 0.65 -> "wQL[0.65]", 0.05 -> "wQL[0.05]" (no trailing zeros). buf holds
 * HC_WQL_COLUMN_SIZE bytes. HC_ERR_INVALID_INPUT (buf = "") unless tau is
 * within 1e-9 of k/100, k = 1..99. */
int hc_wql_column(double tau, char *buf);

#ifdef __cplusplus
}
#endif
#endif

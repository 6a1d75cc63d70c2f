/* Field validators of the AWS-style requests; see hindcast/validate.h. */
#include "hindcast/validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "validate_internal.h"

#define NAME_PATTERN "^[a-zA-Z][a-zA-Z0-9_]*$"
#define ARN_PATTERN "^[a-zA-Z0-9\\-\\_\\.\\/\\:]+$"
#define KMS_PATTERN "^arn:aws:kms:.*:key/.*$"
#define S3_PATTERN "^s3://[a-z0-9].+$"
#define FILE_PATTERN "^file:///.*$"
#define FORECAST_TYPE_PATTERN "^(0\\.[0-9][0-9]?|mean)$"
#define ROLE_FORM "arn:<partition>:iam::<12-digit account id>:role/<role name>"
#define CROSS_ACCOUNT "Passing a role across accounts is not allowed"

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_arn_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.' ||
           c == '/' || c == ':';
}

static int name_matches(const char *s)
{
    if (!is_alpha(s[0]))
        return 0;
    for (s++; *s; s++)
        if (!is_alpha(*s) && !is_digit(*s) && *s != '_')
            return 0;
    return 1;
}

static int arn_matches(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!is_arn_char(*s))
            return 0;
    return 1;
}

/* Java's '.' (which AWS's patterns use) matches anything but line
 * terminators; control characters are refused here as a whole. */
static int dot_star_matches(const char *s)
{
    while (*s) {
        uint32_t cp;
        size_t k = utf8_decode(s, &cp);
        if (k == 0 || is_control(cp) || cp == 0x2028 || cp == 0x2029)
            return 0;
        s += k;
    }
    return 1;
}

int hc_validate_name(const char *value, const char *field, hc_error *err)
{
    violations v = VIOLATIONS_INIT;
    if (!value) {
        violation(&v, NULL, field, "Member must not be null");
        return violations_finish(&v, err);
    }
    violation_length(&v, value, field, 1, HC_NAME_MAX);
    if (!name_matches(value))
        violation(&v, value, field,
                  "Member must satisfy regular expression pattern: %s",
                  NAME_PATTERN);
    return violations_finish(&v, err);
}

int hc_validate_arn(const char *value, const char *field, hc_error *err)
{
    violations v = VIOLATIONS_INIT;
    if (!value) {
        violation(&v, NULL, field, "Member must not be null");
        return violations_finish(&v, err);
    }
    violation_length(&v, value, field, 1, HC_ARN_MAX);
    if (!arn_matches(value))
        violation(&v, value, field,
                  "Member must satisfy regular expression pattern: %s",
                  ARN_PATTERN);
    return violations_finish(&v, err);
}

/* Splits arn:<partition>:iam::<account>:role/<name>; on success copies the
 * account (12 digits) to account_out. The ARN pattern has already limited
 * the characters. */
static int parse_role_arn(const char *s, char account_out[13])
{
    if (strncmp(s, "arn:", 4) != 0)
        return -1;
    s += 4;
    /* Partitions: aws, aws-cn, aws-us-gov, aws-iso, ... */
    if (!(*s >= 'a' && *s <= 'z'))
        return -1;
    while ((*s >= 'a' && *s <= 'z') || is_digit(*s) || *s == '-')
        s++;
    if (strncmp(s, ":iam::", 6) != 0)
        return -1;
    s += 6;
    for (int i = 0; i < 12; i++) {
        if (!is_digit(s[i]))
            return -1;
        account_out[i] = s[i];
    }
    account_out[12] = '\0';
    s += 12;
    if (strncmp(s, ":role/", 6) != 0)
        return -1;
    s += 6;
    /* An IAM path may come before the name (role/service/name); no empty
     * segment, no ':' and a name at the end. */
    if (!*s)
        return -1;
    char prev = '/';
    for (; *s; s++) {
        if (*s == ':' || (*s == '/' && prev == '/'))
            return -1;
        prev = *s;
    }
    return prev == '/' ? -1 : 0;
}

int hc_validate_role_arn_field(const char *value, const char *account,
                               const char *field, hc_error *err)
{
    int rc = hc_validate_arn(value, field, err);
    if (rc != 0)
        return rc;
    char role_account[13];
    if (parse_role_arn(value, role_account) != 0) {
        char shown[700];
        quote_value(shown, sizeof shown, value);
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "Value %s at '%s' is not an IAM role ARN: it must "
                            "have the form " ROLE_FORM,
                            shown, field ? field : "");
    }
    if (account && strcmp(account, role_account) != 0)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "%s", CROSS_ACCOUNT);
    return 0;
}

int hc_validate_role_arn(const char *value, const char *account, hc_error *err)
{
    return hc_validate_role_arn_field(value, account, HC_FIELD_ROLE_ARN, err);
}

static int kms_matches(const char *s)
{
    static const char prefix[] = "arn:aws:kms:";
    if (strncmp(s, prefix, sizeof prefix - 1) != 0)
        return 0;
    return strstr(s + sizeof prefix - 1, ":key/") != NULL && dot_star_matches(s);
}

int hc_validate_kms_arn_field(const char *value, const char *field,
                              hc_error *err)
{
    violations v = VIOLATIONS_INIT;
    if (!value)
        return 0;
    if (utf8_length(value, NULL) > HC_ARN_MAX)
        violation(&v, value, field,
                  "Member must have length less than or equal to %d",
                  HC_ARN_MAX);
    if (!kms_matches(value))
        violation(&v, value, field,
                  "Member must satisfy regular expression pattern: %s",
                  KMS_PATTERN);
    return violations_finish(&v, err);
}

int hc_validate_kms_arn(const char *value, hc_error *err)
{
    return hc_validate_kms_arn_field(value, HC_FIELD_KMS_ARN, err);
}

static int s3_matches(const char *s)
{
    if (strncmp(s, "s3://", 5) != 0)
        return 0;
    s += 5;
    if (!((*s >= 'a' && *s <= 'z') || is_digit(*s)))
        return 0;
    s++;
    return *s != '\0' && dot_star_matches(s);
}

int hc_validate_s3_path_field(const char *value, const char *field,
                              hc_error *err)
{
    violations v = VIOLATIONS_INIT;
    if (!value) {
        violation(&v, NULL, field, "Member must not be null");
        return violations_finish(&v, err);
    }
    violation_length(&v, value, field, HC_S3_PATH_MIN, HC_S3_PATH_MAX);
    if (strncmp(value, "file:", 5) == 0) {
        if (strncmp(value, "file:///", 8) != 0 || !dot_star_matches(value))
            violation(&v, value, field,
                      "Member must satisfy regular expression pattern: %s",
                      FILE_PATTERN);
    } else if (!s3_matches(value)) {
        violation(&v, value, field,
                  "Member must satisfy regular expression pattern: %s",
                  S3_PATTERN);
    }
    return violations_finish(&v, err);
}

int hc_validate_s3_path(const char *value, hc_error *err)
{
    return hc_validate_s3_path_field(value, HC_FIELD_S3_PATH, err);
}

/* Quantile in hundredths (1..99, 0 for "0.0"), FT_MEAN for mean, FT_BAD when
 * the text does not match the forecast type pattern. */
#define FT_MEAN 100
#define FT_BAD (-1)

static int parse_forecast_type(const char *s)
{
    if (strcmp(s, "mean") == 0)
        return FT_MEAN;
    if (s[0] != '0' || s[1] != '.' || !is_digit(s[2]))
        return FT_BAD;
    int h = (s[2] - '0') * 10;
    if (s[3] == '\0')
        return h;
    if (!is_digit(s[3]) || s[4] != '\0')
        return FT_BAD;
    return h + (s[3] - '0');
}

int hc_validate_forecast_types(const char *const *types, size_t n,
                               double *taus_out, hc_error *err)
{
    static const char field[] = "forecastTypes";
    violations v = VIOLATIONS_INIT;
    char member[64];
    if (n < 1)
        violation_count(&v, n, field,
                        "Member must have length greater than or equal to 1");
    if (n > HC_FORECAST_TYPES_MAX)
        violation_count(&v, n, field,
                        "Member must have length less than or equal to %d",
                        HC_FORECAST_TYPES_MAX);
    for (size_t i = 0; i < n; i++) {
        const char *t = types ? types[i] : NULL;
        snprintf(member, sizeof member, "%s.%zu.member", field, i + 1);
        if (!t)
            violation(&v, NULL, member, "Member must not be null");
        else if (parse_forecast_type(t) == FT_BAD)
            violation(&v, t, member,
                      "Member must satisfy regular expression pattern: %s",
                      FORECAST_TYPE_PATTERN);
    }
    int rc = violations_finish(&v, err);
    if (rc != 0)
        return rc;

    int codes[HC_FORECAST_TYPES_MAX];
    for (size_t i = 0; i < n; i++) {
        char shown[64];
        codes[i] = parse_forecast_type(types[i]);
        quote_value(shown, sizeof shown, types[i]);
        if (codes[i] == 0)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "Value %s at '%s.%zu.member' is not a valid "
                                "forecast type: a quantile must be from 0.01 "
                                "to 0.99",
                                shown, field, i + 1);
        for (size_t j = 0; j < i; j++)
            if (codes[j] == codes[i])
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "Value %s at '%s.%zu.member' repeats the "
                                    "forecast type at '%s.%zu.member': "
                                    "forecast types must be unique",
                                    shown, field, i + 1, field, j + 1);
    }
    if (taus_out)
        for (size_t i = 0; i < n; i++)
            taus_out[i] = codes[i] == FT_MEAN ? (double)NAN
                                               : (double)codes[i] / 100.0;
    return 0;
}

/* Hundredths of a quantile tau (1..99), FT_MEAN for NaN, or FT_BAD. */
static int tau_code(double tau)
{
    if (isnan(tau))
        return FT_MEAN;
    if (!(tau > 0.0 && tau < 1.0))
        return FT_BAD;
    long k = lround(tau * 100.0);
    if (k < 1 || k > 99 || fabs(tau - (double)k / 100.0) > 1e-9)
        return FT_BAD;
    return (int)k;
}

static int column_from_code(int code, char *buf)
{
    if (code == FT_MEAN) {
        snprintf(buf, HC_FORECAST_COLUMN_SIZE, "mean");
        return 0;
    }
    if (code < 1 || code > 99) {
        buf[0] = '\0';
        return HC_ERR_INVALID_INPUT;
    }
    snprintf(buf, HC_FORECAST_COLUMN_SIZE, "p%d", code);
    return 0;
}

int hc_forecast_type_column(const char *type, char *buf)
{
    return column_from_code(type ? parse_forecast_type(type) : FT_BAD, buf);
}

int hc_forecast_tau_column(double tau, char *buf)
{
    return column_from_code(tau_code(tau), buf);
}

int hc_wql_column(double tau, char *buf)
{
    int k = tau_code(tau);
    if (k < 1 || k > 99) {
        buf[0] = '\0';
        return HC_ERR_INVALID_INPUT;
    }
    if (k % 10 == 0)
        snprintf(buf, HC_WQL_COLUMN_SIZE, "wQL[0.%d]", k / 10);
    else
        snprintf(buf, HC_WQL_COLUMN_SIZE, "wQL[0.%02d]", k);
    return 0;
}

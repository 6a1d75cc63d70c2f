/* Request validation: names, ARNs, destinations, tags, forecast types.
 * Expected messages are written out from AWS's validation message form
 * ("N validation error(s) detected: Value '<v>' at '<field>' failed to
 * satisfy constraint: <rule>"), not captured from the implementation. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hc_check.h"
#include "hindcast/validate.h"

static hc_error e;

static char *repeat(const char *unit, size_t times)
{
    size_t n = strlen(unit);
    char *s = malloc(n * times + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * n, unit, n);
    s[n * times] = '\0';
    return s;
}

/* Test-side UTF-8 encoder, written from the encoding table of RFC 3629. */
static void utf8(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        o[1] = 0;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        o[2] = 0;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        o[3] = 0;
    } else {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        o[4] = 0;
    }
}

#define NAME_RULE "Member must satisfy regular expression pattern: ^[a-zA-Z][a-zA-Z0-9_]*$"
#define ARN_RULE "Member must satisfy regular expression pattern: ^[a-zA-Z0-9\\-\\_\\.\\/\\:]+$"

/* ---------------------------------------------------------------- names */

START_TEST(name_accepts)
{
    char *n63 = repeat("a", 63);
    ck_assert_int_eq(hc_validate_name("my_job", "f", &e), 0);
    ck_assert_int_eq(hc_validate_name("A", "f", &e), 0);
    ck_assert_int_eq(hc_validate_name("Job_2024_v2", "f", &e), 0);
    ck_assert_int_eq(hc_validate_name(n63, "f", &e), 0);
    free(n63);
}
END_TEST

START_TEST(name_aws_message)
{
    ck_assert_int_eq(hc_validate_name("my-job", "predictorBacktestExportJobName", &e),
                     HC_ERR_INVALID_INPUT);
    ck_assert_int_eq(e.code, HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value 'my-job' at "
        "'predictorBacktestExportJobName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[a-zA-Z][a-zA-Z0-9_]*$");
}
END_TEST

START_TEST(name_boundaries)
{
    char *n64 = repeat("a", 64);
    char expect[512];
    ck_assert_int_eq(hc_validate_name(n64, "jobName", &e), HC_ERR_INVALID_INPUT);
    snprintf(expect, sizeof expect,
             "1 validation error detected: Value '%s' at 'jobName' failed to "
             "satisfy constraint: Member must have length less than or equal to 63",
             n64);
    ck_assert_str_eq(e.message, expect);
    /* 64 characters and a '-': both constraints listed, length first. */
    n64[10] = '-';
    ck_assert_int_eq(hc_validate_name(n64, "jobName", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "2 validation errors detected: "));
    ck_assert_ptr_nonnull(strstr(e.message, "less than or equal to 63; Value '"));
    ck_assert_ptr_nonnull(strstr(e.message, NAME_RULE));
    free(n64);

    ck_assert_int_eq(hc_validate_name("", "jobName", &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "2 validation errors detected: Value '' at 'jobName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1; "
        "Value '' at 'jobName' failed to satisfy constraint: " NAME_RULE);
    ck_assert_int_eq(hc_validate_name(NULL, "jobName", &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value null at 'jobName' failed to satisfy "
        "constraint: Member must not be null");
}
END_TEST

START_TEST(name_pattern_refusals)
{
    const char *bad[] = {"1abc", "_a", "a b", "caf\xc3\xa9", "a.b", "a-", "a\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(hc_validate_name(bad[i], "f", &e), HC_ERR_INVALID_INPUT);
        ck_assert_ptr_nonnull(strstr(e.message, NAME_RULE));
    }
}
END_TEST

START_TEST(message_escapes_and_shortens_values)
{
    ck_assert_int_eq(hc_validate_name("a\x01" "b", "f", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value 'a\\x01b' at 'f'"));
    ck_assert_int_eq(hc_validate_name("a\xff", "f", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value 'a\\xFF' at 'f'"));
    /* Ill-formed sequences are escaped byte by byte; well-formed ones are
     * echoed as they are. */
    ck_assert_int_eq(hc_validate_name("a\xed\xa0\x80", "f", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value 'a\\xED\\xA0\\x80' at 'f'")); /* surrogate */
    ck_assert_int_eq(hc_validate_name("a\xe0\x80\xaf", "f", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value 'a\\xE0\\x80\\xAF' at 'f'")); /* overlong */
    ck_assert_int_eq(hc_validate_name("a\xf4\x90\x80\x80", "f", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value 'a\\xF4\\x90\\x80\\x80' at 'f'"));
    ck_assert_int_eq(hc_validate_name("caf\xc3\xa9", "f", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value 'caf\xc3\xa9' at 'f'"));

    /* 300 letters: only the length rule fails; 160 bytes are echoed. */
    char *n300 = repeat("a", 300);
    char *n160 = repeat("a", 160);
    char expect[512];
    snprintf(expect, sizeof expect,
             "1 validation error detected: Value '%s...' at 'f' failed to "
             "satisfy constraint: Member must have length less than or equal to 63",
             n160);
    ck_assert_int_eq(hc_validate_name(n300, "f", &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message, expect);
    free(n300);
    free(n160);
}
END_TEST

/* ----------------------------------------------------------------- ARNs */

START_TEST(arn_rules)
{
    const char *ok = "arn:aws:forecast:us-east-1:000000000000:predictor/p_1";
    ck_assert_int_eq(hc_validate_arn(ok, "predictorArn", &e), 0);
    char *a256 = repeat("a", 256);
    ck_assert_int_eq(hc_validate_arn(a256, "predictorArn", &e), 0);
    char *a257 = repeat("a", 257);
    ck_assert_int_eq(hc_validate_arn(a257, "predictorArn", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "1 validation error detected: "));
    ck_assert_ptr_nonnull(strstr(e.message, "at 'predictorArn' failed to satisfy "
        "constraint: Member must have length less than or equal to 256"));
    free(a256);
    free(a257);

    ck_assert_int_eq(hc_validate_arn("arn:aws:x y", "predictorArn", &e),
                     HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value 'arn:aws:x y' at 'predictorArn' "
        "failed to satisfy constraint: " ARN_RULE);
    ck_assert_int_eq(hc_validate_arn("arn:aws:x@y", "p", &e), HC_ERR_INVALID_INPUT);
    ck_assert_int_eq(hc_validate_arn("", "p", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "2 validation errors detected"));
    ck_assert_int_eq(hc_validate_arn(NULL, "p", &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Member must not be null"));
}
END_TEST

START_TEST(role_arn_rules)
{
    const char *acct = "000000000000";
    ck_assert_int_eq(hc_validate_role_arn(
        "arn:aws:iam::000000000000:role/ForecastRole", acct, &e), 0);
    ck_assert_int_eq(hc_validate_role_arn(
        "arn:aws-cn:iam::000000000000:role/service-role/Forecast_Role.v2", acct, &e), 0);
    ck_assert_int_eq(hc_validate_role_arn(
        "arn:aws:iam::123456789012:role/r", NULL, &e), 0);

    ck_assert_int_eq(hc_validate_role_arn(
        "arn:aws:iam::123456789012:role/ForecastRole", acct, &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message, "Passing a role across accounts is not allowed");

    const char *malformed[] = {
        "arn:aws:iam::00000000000:role/r",            /* 11 digits */
        "arn:aws:iam::0000000000000:role/r",          /* 13 digits */
        "arn:aws:s3:::bucket",
        "arn:aws:iam:us-east-1:000000000000:role/r",  /* IAM has no region */
        "arn:aws:iam::000000000000:user/r",
        "arn:aws:iam::000000000000:role/",
        "arn:aws:iam::000000000000:role/a//b",
        "arn:aws:iam::000000000000:role/a/",
        "arn:aws:iam::000000000000:role/a:b",
        "arn::iam::000000000000:role/r",
        "role/r",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        ck_assert_msg(hc_validate_role_arn(malformed[i], acct, &e) == HC_ERR_INVALID_INPUT,
                      "%s accepted", malformed[i]);
        ck_assert_ptr_nonnull(strstr(e.message, "at 'destination.s3Config.roleArn' "
                                     "is not an IAM role ARN"));
    }
    /* The ARN pattern is checked first, with AWS's message. */
    ck_assert_int_eq(hc_validate_role_arn("arn:aws:iam::000000000000:role/a b", acct, &e),
                     HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message,
        "1 validation error detected: Value 'arn:aws:iam::000000000000:role/a b' at "
        "'destination.s3Config.roleArn' failed to satisfy constraint: " ARN_RULE));
    ck_assert_int_eq(hc_validate_role_arn(NULL, acct, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value null at 'destination.s3Config.roleArn'"));
    ck_assert_int_eq(hc_validate_role_arn_field("x", acct, "encryptionConfig.roleArn", &e),
                     HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "'encryptionConfig.roleArn'"));
}
END_TEST

START_TEST(kms_arn_rules)
{
    ck_assert_int_eq(hc_validate_kms_arn(NULL, &e), 0);
    ck_assert_int_eq(hc_validate_kms_arn(
        "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd", &e), 0);
    ck_assert_int_eq(hc_validate_kms_arn("arn:aws:kms::key/", &e), 0);
    /* "arn:aws:kms:" then ".*:key/": the prefix's colon cannot be reused. */
    ck_assert_int_eq(hc_validate_kms_arn("arn:aws:kms:key/x", &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value 'arn:aws:kms:key/x' at "
        "'destination.s3Config.kMSKeyArn' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: ^arn:aws:kms:.*:key/.*$");
    ck_assert_int_eq(hc_validate_kms_arn("", &e), HC_ERR_INVALID_INPUT);
    ck_assert_int_eq(hc_validate_kms_arn("arn:aws:kms:us-east-1:0:alias/x", &e),
                     HC_ERR_INVALID_INPUT);
    ck_assert_int_eq(hc_validate_kms_arn("arn:aws:kms:r:a:key/x\ny", &e),
                     HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "key/x\\x0Ay'"));

    /* 256 characters: prefix (21) + 235 'k'. */
    char buf[300];
    char *k = repeat("k", 235);
    snprintf(buf, sizeof buf, "arn:aws:kms:r:a:key/%s", k);
    ck_assert_uint_eq(strlen(buf), 255);
    strcat(buf, "k");
    ck_assert_int_eq(hc_validate_kms_arn(buf, &e), 0);
    strcat(buf, "k");
    ck_assert_int_eq(hc_validate_kms_arn(buf, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "less than or equal to 256"));
    ck_assert_ptr_null(strstr(e.message, "pattern"));
    free(k);
}
END_TEST

/* ------------------------------------------------------------- S3 paths */

START_TEST(s3_path_rules)
{
    ck_assert_int_eq(hc_validate_s3_path("s3://bucket/prefix", &e), 0);
    ck_assert_int_eq(hc_validate_s3_path("s3://a/", &e), 0); /* 7 characters */
    ck_assert_int_eq(hc_validate_s3_path("s3://9b/caf\xc3\xa9", &e), 0);
    ck_assert_int_eq(hc_validate_s3_path("file:///tmp/out", &e), 0);
    ck_assert_int_eq(hc_validate_s3_path("file:///", &e), 0);

    ck_assert_int_eq(hc_validate_s3_path("s3://a", &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "2 validation errors detected: Value 's3://a' at 'destination.s3Config.path' "
        "failed to satisfy constraint: Member must have length greater than or "
        "equal to 7; Value 's3://a' at 'destination.s3Config.path' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "^s3://[a-z0-9].+$");
    const char *bad[] = {
        "s3://Bucket/x", "s3:/bucket/x", "S3://bucket/x", "s3://-bucket/x",
        "s3://b/x\ty", "s3://b/\xe2\x80\xa8", "s3://b/\xc2\x85x", "s3://b/\xff",
        "file://tmp/out", "file:/x/y/z", "file:///a\nb", "http://bucket/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(hc_validate_s3_path(bad[i], &e) == HC_ERR_INVALID_INPUT,
                      "path %zu accepted", i);
        ck_assert_ptr_nonnull(strstr(e.message, "regular expression pattern"));
    }
    ck_assert_int_eq(hc_validate_s3_path(NULL, &e), HC_ERR_INVALID_INPUT);

    /* 4096 characters pass, 4097 break only the length rule. */
    char *p = malloc(4098);
    ck_assert_ptr_nonnull(p);
    memcpy(p, "s3://b/", 7);
    memset(p + 7, 'x', 4089);
    p[4096] = '\0';
    ck_assert_int_eq(hc_validate_s3_path(p, &e), 0);
    p[4096] = 'x';
    p[4097] = '\0';
    ck_assert_int_eq(hc_validate_s3_path(p, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "1 validation error detected: "));
    ck_assert_ptr_nonnull(strstr(e.message, "less than or equal to 4096"));
    ck_assert_uint_lt(strlen(e.message), HC_ERROR_MESSAGE_MAX - 1);
    free(p);
}
END_TEST

/* ---------------------------------------------------------- destination */

static char tmp_base[1024];

static void make_tmp(const char *tag)
{
    const char *t = getenv("HINDCAST_TEST_TMP");
    snprintf(tmp_base, sizeof tmp_base, "%s/validate_%s_%ld",
             t && *t ? t : "/tmp", tag, (long)getpid());
    hc_check_mkdir_p(tmp_base, 0755);
}

static void expect_dir(const char *path, const char *root, const char *want)
{
    char *out = (char *)1;
    int rc = hc_resolve_destination(path, root, &out, &e);
    ck_assert_msg(rc == 0, "%s: %s", path, e.message);
    ck_assert_str_eq(out, want);
    free(out);
}

static void expect_refused(const char *path, const char *root, const char *why)
{
    char *out = (char *)1;
    int rc = hc_resolve_destination(path, root, &out, &e);
    ck_assert_msg(rc == HC_ERR_INVALID_INPUT, "%s: rc %d", path, rc);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(e.message, why) != NULL, "%s: message '%s' lacks '%s'",
                  path, e.message, why);
}

START_TEST(destination_mapping)
{
    char root[1200], want[1400];
    struct stat st;
    make_tmp("map");
    snprintf(root, sizeof root, "%s/missing-root", tmp_base);

    snprintf(want, sizeof want, "%s/bucket/prefix", root);
    expect_dir("s3://bucket/prefix", root, want);
    expect_dir("s3://bucket/prefix/", root, want);
    expect_dir("s3://bucket//prefix///", root, want);
    expect_dir("s3://bucket/./prefix", root, want);
    snprintf(want, sizeof want, "%s/bucket", root);
    expect_dir("s3://bucket", root, want);
    expect_dir("s3://bucket/", root, want);
    snprintf(want, sizeof want, "%s/bucket/a..b/..c", root);
    expect_dir("s3://bucket/a..b/..c", root, want);

    /* A root written with a trailing '/' gives no "//". */
    char root_slash[1300];
    snprintf(root_slash, sizeof root_slash, "%s//", root);
    snprintf(want, sizeof want, "%s/bucket/p", root);
    expect_dir("s3://bucket/p", root_slash, want);
    expect_dir("s3://bucket/p", "/", "/bucket/p");

    expect_dir("file:///abs//dir/", root, "/abs/dir");
    expect_dir("file:///abs/./dir", NULL, "/abs/dir");
    expect_dir("file:///", NULL, "/");

    /* Nothing is created. */
    ck_assert_int_ne(stat(root, &st), 0);
}
END_TEST

START_TEST(destination_lexical_refusals)
{
    expect_refused("s3://bucket/../x", "/srv/s3", "'..' segments");
    expect_refused("s3://bucket/a/..", "/srv/s3", "'..' segments");
    expect_refused("s3://bucket/a/../../..", "/srv/s3", "'..' segments");
    expect_refused("file:///a/../b", NULL, "'..' segments");
    expect_refused("s3://bucket/a\nb", "/srv/s3", "regular expression pattern");
    expect_refused("s3://bucket/a\x7f", "/srv/s3", "regular expression pattern");
    expect_refused("file:///a\x1b[31m", NULL, "regular expression pattern");
    char *out = (char *)1;
    ck_assert_int_eq(hc_resolve_destination("s3://b/x", NULL, &out, &e), HC_ERR_INTERNAL);
    ck_assert_ptr_null(out);
}
END_TEST

START_TEST(destination_symlinks)
{
    char root[1200], outside[1200], p[1400], want[1400], link_root[1200];
    make_tmp("links");
    snprintf(root, sizeof root, "%s/root", tmp_base);
    snprintf(outside, sizeof outside, "%s/outside", tmp_base);
    snprintf(p, sizeof p, "%s/inside/deeper", root);
    hc_check_mkdir_p(p, 0755);
    hc_check_mkdir_p(outside, 0755);

    snprintf(p, sizeof p, "%s/evil", root);
    unlink(p);
    ck_assert_int_eq(symlink(outside, p), 0);
    snprintf(p, sizeof p, "%s/inside/up", root);
    unlink(p);
    ck_assert_int_eq(symlink("../../outside", p), 0);
    snprintf(p, sizeof p, "%s/good", root);
    unlink(p);
    ck_assert_int_eq(symlink("inside", p), 0);
    snprintf(p, sizeof p, "%s/dangling", root);
    unlink(p);
    ck_assert_int_eq(symlink("../nowhere", p), 0);
    snprintf(p, sizeof p, "%s/loop", root);
    unlink(p);
    ck_assert_int_eq(symlink("loop", p), 0);
    snprintf(p, sizeof p, "%s/afile", root);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);

    expect_refused("s3://evil/x", root, "out of the S3 root through a symlink");
    expect_refused("s3://evil", root, "out of the S3 root through a symlink");
    expect_refused("s3://inside/up/x", root, "out of the S3 root through a symlink");
    expect_refused("s3://dangling/x", root, "symlink whose target does not exist");
    expect_refused("s3://loop/x", root, "symlink loop");
    expect_refused("s3://afile/x", root, "is not a directory");
    expect_refused("s3://afile", root, "is not a directory");

    /* A symlink that stays inside is fine; the lexical path is returned. */
    snprintf(want, sizeof want, "%s/good/deeper/new/dir", root);
    expect_dir("s3://good/deeper/new/dir", root, want);
    snprintf(want, sizeof want, "%s/inside/deeper", root);
    expect_dir("s3://inside/deeper", root, want);
    snprintf(want, sizeof want, "%s/newbucket/x", root);
    expect_dir("s3://newbucket/x", root, want);

    /* The root may itself be a symlink: it is compared resolved. */
    snprintf(link_root, sizeof link_root, "%s/root-link", tmp_base);
    unlink(link_root);
    ck_assert_int_eq(symlink(root, link_root), 0);
    snprintf(want, sizeof want, "%s/inside/x", link_root);
    expect_dir("s3://inside/x", link_root, want);
    expect_refused("s3://evil/x", link_root, "out of the S3 root through a symlink");

    /* file:// paths have no root: a symlink in them is the user's choice. */
    snprintf(p, sizeof p, "file://%s/evil/x", root);
    snprintf(want, sizeof want, "%s/evil/x", root);
    expect_dir(p, NULL, want);
}
END_TEST

/* ----------------------------------------------------------------- tags */

static int tag1(const char *key, const char *value)
{
    hc_tag t = {key, value};
    return hc_validate_tags(&t, 1, 0, &e);
}

START_TEST(tags_accept_unicode)
{
    ck_assert_int_eq(tag1("project", "forecast"), 0);
    ck_assert_int_eq(tag1("caf\xc3\xa9", "na\xc3\xafve"), 0);               /* café naïve */
    ck_assert_int_eq(tag1("\xe3\x83\x97\xe3\x83\xad\xe3\x82\xb8\xe3\x82\xa7\xe3\x82\xaf\xe3\x83\x88",
                          "\xe6\x9d\xb1\xe4\xba\xac"), 0);                /* プロジェクト 東京 */
    ck_assert_int_eq(tag1("\xd9\xa3", "x"), 0);                            /* ٣ U+0663 Nd */
    ck_assert_int_eq(tag1("a\xe3\x80\x80" "b", "x"), 0);                   /* U+3000 Zs */
    ck_assert_int_eq(tag1("cost center", ""), 0);                          /* space Zs, empty value */
    ck_assert_int_eq(tag1("a_.:/=+-@b", "_.:/=+-@"), 0);
    ck_assert_int_eq(tag1("k", "aws:value"), 0);     /* only keys are reserved */
    ck_assert_int_eq(tag1("aws", "x"), 0);
    ck_assert_int_eq(tag1("awsx:", "x"), 0);
    ck_assert_int_eq(hc_validate_tags(NULL, 0, 0, &e), 0);
}
END_TEST

START_TEST(tags_refuse_symbols)
{
    const char *bad[] = {"!", "#", "\xe2\x82\xac" /* € Sc */, "\xf0\x9f\x98\x80" /* 😀 */,
                         "a,b", "a;b", "a\tb", "cafe\xcc\x81" /* e + U+0301 Mn */,
                         "\xc3\x28" /* ill-formed */, "\xed\xa0\x80" /* surrogate */,
                         "\xc0\xaf" /* overlong '/' */, "\xf4\x90\x80\x80" /* > U+10FFFF */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(tag1(bad[i], "v") == HC_ERR_INVALID_INPUT, "key %zu accepted", i);
        ck_assert_ptr_nonnull(strstr(e.message,
            "at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"));
        ck_assert_msg(tag1("k", bad[i]) == HC_ERR_INVALID_INPUT, "value %zu accepted", i);
        ck_assert_ptr_nonnull(strstr(e.message, "at 'tags.1.member.value'"));
    }
    ck_assert_int_eq(tag1("\xe2\x82\xac", "v"), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value '\xe2\x82\xac' at 'tags.1.member.key' failed "
        "to satisfy constraint: Member must satisfy regular expression pattern: "
        "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$");
}
END_TEST

/* One code point as a key: accepted exactly when it is in L, Z or N, or one
 * of _.:/=+-@. Categories from the Unicode 15.0 code charts. */
START_TEST(tags_unicode_classes)
{
    static const struct { uint32_t cp; int ok; } cases[] = {
        {'A', 1}, {'z', 1}, {'5', 1}, {' ', 1},
        {0x00A0, 1},  /* NO-BREAK SPACE, Zs */
        {0x00B2, 1},  /* SUPERSCRIPT TWO, No */
        {0x00AA, 1},  /* FEMININE ORDINAL INDICATOR, Lo */
        {0x01C5, 1},  /* Dž, Lt */
        {0x02B0, 1},  /* MODIFIER LETTER SMALL H, Lm */
        {0x2167, 1},  /* ROMAN NUMERAL EIGHT, Nl */
        {0x2028, 1},  /* LINE SEPARATOR, Zl */
        {0x2029, 1},  /* PARAGRAPH SEPARATOR, Zp */
        {0x4E00, 1}, {0x9FFF, 1},   /* ends of the CJK ideograph block */
        {0xAC00, 1}, {0xD7A3, 1},   /* ends of the Hangul syllables */
        {0xD7A4, 0},  /* unassigned */
        {0x10400, 1}, /* DESERET CAPITAL LONG I, Lu */
        {0x1D7CE, 1}, /* MATHEMATICAL BOLD DIGIT ZERO, Nd */
        {0x20000, 1}, {0x2A6DF, 1}, /* CJK Extension B */
        {0x31350, 1}, {0x323AF, 1}, /* CJK Extension H (new in 15.0) */
        {0x323B0, 0}, /* unassigned */
        {'!', 0}, {'#', 0}, {'$', 0}, {'*', 0},
        {0x0085, 0},  /* NEXT LINE, Cc */
        {0x00A9, 0},  /* COPYRIGHT SIGN, So */
        {0x00AD, 0},  /* SOFT HYPHEN, Cf */
        {0x0300, 0},  /* COMBINING GRAVE ACCENT, Mn */
        {0x20AC, 0},  /* EURO SIGN, Sc */
        {0xE000, 0},  /* private use, Co */
        {0xFEFF, 0},  /* ZERO WIDTH NO-BREAK SPACE, Cf */
        {0xFFFD, 0},  /* REPLACEMENT CHARACTER, So */
        {0x1F600, 0}, /* GRINNING FACE, So */
        {0xE0041, 0}, /* TAG LATIN CAPITAL LETTER A, Cf */
        {0x10FFFF, 0},
    };
    char key[8];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        utf8(cases[i].cp, key);
        int rc = tag1(key, "v");
        ck_assert_msg((rc == 0) == cases[i].ok, "U+%04X: rc %d",
                      (unsigned)cases[i].cp, rc);
    }
}
END_TEST

START_TEST(tags_lengths)
{
    char *k128 = repeat("k", 128), *k129 = repeat("k", 129);
    char *e128 = repeat("\xc3\xa9", 128), *e129 = repeat("\xc3\xa9", 129); /* é: 2 bytes */
    char *v256 = repeat("v", 256), *v257 = repeat("v", 257);
    char *j256 = repeat("\xe6\x97\xa5", 256);                               /* 日: 3 bytes */
    ck_assert_int_eq(tag1(k128, "v"), 0);
    ck_assert_int_eq(tag1(e128, "v"), 0);   /* 256 bytes but 128 characters */
    ck_assert_int_eq(tag1("k", v256), 0);
    ck_assert_int_eq(tag1("k", j256), 0);
    ck_assert_int_eq(tag1(k129, "v"), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "at 'tags.1.member.key' failed to satisfy "
                                 "constraint: Member must have length less than or equal to 128"));
    ck_assert_int_eq(tag1(e129, "v"), HC_ERR_INVALID_INPUT);
    ck_assert_int_eq(tag1("k", v257), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "at 'tags.1.member.value' failed to satisfy "
                                 "constraint: Member must have length less than or equal to 256"));
    ck_assert_int_eq(tag1("", "v"), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value '' at 'tags.1.member.key' failed to "
        "satisfy constraint: Member must have length greater than or equal to 1");
    ck_assert_int_eq(tag1(NULL, "v"), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value null at 'tags.1.member.key'"));
    ck_assert_int_eq(tag1("k", NULL), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value null at 'tags.1.member.value'"));
    free(k128); free(k129); free(e128); free(e129); free(v256); free(v257); free(j256);
}
END_TEST

START_TEST(tags_reserved_prefix)
{
    const char *keys[] = {"aws:x", "AWS:x", "aWs:Cost", "Aws:"};
    for (size_t i = 0; i < 4; i++) {
        hc_tag t[2] = {{"ok", "1"}, {keys[i], "v"}};
        ck_assert_int_eq(hc_validate_tags(t, 2, 0, &e), HC_ERR_INVALID_INPUT);
        ck_assert_ptr_nonnull(strstr(e.message, "at 'tags.2.member.key'"));
        ck_assert_ptr_nonnull(strstr(e.message, "reserved"));
        ck_assert_int_eq(hc_tag_key_is_reserved(keys[i]), 1);
    }
    ck_assert_int_eq(hc_tag_key_is_reserved("aws"), 0);
    ck_assert_int_eq(hc_tag_key_is_reserved("xaws:"), 0);
    ck_assert_int_eq(hc_tag_key_is_reserved(NULL), 0);
}
END_TEST

START_TEST(tags_duplicates)
{
    hc_tag t[3] = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
    ck_assert_int_eq(hc_validate_tags(t, 3, 0, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "'tags.3.member.key'"));
    ck_assert_ptr_nonnull(strstr(e.message, "'tags.1.member.key'"));
    hc_tag c[2] = {{"Env", "1"}, {"env", "2"}};   /* keys are case-sensitive */
    ck_assert_int_eq(hc_validate_tags(c, 2, 0, &e), 0);
}
END_TEST

START_TEST(tags_counts)
{
    static char keys[201][8];
    static hc_tag t[201];
    for (int i = 0; i < 201; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        t[i].key = keys[i];
        t[i].value = "v";
    }
    ck_assert_int_eq(hc_validate_tags(t, 50, 0, &e), 0);
    ck_assert_int_eq(hc_validate_tags(t, 49, 1, &e), 0);
    ck_assert_int_eq(hc_validate_tags(t, 0, 50, &e), 0);
    ck_assert_int_eq(hc_validate_tags(t, 50, 1, &e), HC_ERR_LIMIT);
    ck_assert_int_eq(e.code, HC_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(e.message, "51 user tags"));
    ck_assert_int_eq(hc_validate_tags(t, 51, 0, &e), HC_ERR_LIMIT);
    ck_assert_int_eq(hc_validate_tags(t, 1, (size_t)-1, &e), HC_ERR_LIMIT);
    /* 200 is the request limit; the per-resource limit still applies. */
    ck_assert_int_eq(hc_validate_tags(t, 200, 0, &e), HC_ERR_LIMIT);
    ck_assert_int_eq(hc_validate_tags(t, 201, 0, &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value with 201 members at 'tags' failed to "
        "satisfy constraint: Member must have length less than or equal to 200");
}
END_TEST

START_TEST(tags_all_breaches_listed)
{
    hc_tag t[2] = {{"a!", "x"}, {"b", "#"}};
    ck_assert_int_eq(hc_validate_tags(t, 2, 0, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "2 validation errors detected: Value 'a!' at "
                                 "'tags.1.member.key'"));
    ck_assert_ptr_nonnull(strstr(e.message, "; Value '#' at 'tags.2.member.value'"));

    /* 200 tags, each breaking two rules: 400 counted, the text is cut. */
    static hc_tag many[200];
    for (int i = 0; i < 200; i++)
        many[i] = (hc_tag){"bad!", "bad#"};
    ck_assert_int_eq(hc_validate_tags(many, 200, 0, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "400 validation errors detected: "));
    size_t n = strlen(e.message);
    ck_assert_uint_lt(n, HC_ERROR_MESSAGE_MAX);
    ck_assert_str_eq(e.message + n - 5, "; ...");
}
END_TEST

/* ------------------------------------------------------- forecast types */

START_TEST(forecast_types_accept)
{
    const char *def[] = {"0.1", "0.5", "0.9"};
    double tau[5];
    ck_assert_int_eq(hc_validate_forecast_types(def, 3, tau, &e), 0);
    ck_assert(tau[0] == 0.1 && tau[1] == 0.5 && tau[2] == 0.9);
    const char *five[] = {"0.01", "0.99", "0.05", "0.65", "mean"};
    ck_assert_int_eq(hc_validate_forecast_types(five, 5, tau, &e), 0);
    ck_assert(tau[0] == 0.01 && tau[1] == 0.99 && tau[2] == 0.05 && tau[3] == 0.65);
    ck_assert(isnan(tau[4]));
    const char *ten[] = {"0.10"};
    ck_assert_int_eq(hc_validate_forecast_types(ten, 1, tau, &e), 0);
    ck_assert(tau[0] == 0.1);
    ck_assert_int_eq(hc_validate_forecast_types(def, 3, NULL, &e), 0);
}
END_TEST

START_TEST(forecast_types_refuse)
{
    const char *six[] = {"0.1", "0.2", "0.3", "0.4", "0.5", "0.6"};
    ck_assert_int_eq(hc_validate_forecast_types(six, 6, NULL, &e), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(e.message,
        "1 validation error detected: Value with 6 members at 'forecastTypes' failed "
        "to satisfy constraint: Member must have length less than or equal to 5");
    ck_assert_int_eq(hc_validate_forecast_types(NULL, 0, NULL, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "greater than or equal to 1"));

    const char *bad[] = {".5", "0.5 ", " 0.5", "0.001", "1.0", "0.", "Mean", "0,5",
                         "00.5", "-0.1", "", "1", "0.5e0", "meanx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *one[] = {"mean", bad[i]};
        ck_assert_msg(hc_validate_forecast_types(one, 2, NULL, &e) == HC_ERR_INVALID_INPUT,
                      "'%s' accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(e.message, "at 'forecastTypes.2.member' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            "^(0\\.[0-9][0-9]?|mean)$"));
    }
    const char *zero[] = {"0.00"};
    ck_assert_int_eq(hc_validate_forecast_types(zero, 1, NULL, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value '0.00' at 'forecastTypes.1.member'"));
    ck_assert_ptr_nonnull(strstr(e.message, "from 0.01 to 0.99"));
    const char *dup[] = {"0.1", "mean", "0.10"};
    ck_assert_int_eq(hc_validate_forecast_types(dup, 3, NULL, &e), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "'forecastTypes.3.member'"));
    ck_assert_ptr_nonnull(strstr(e.message, "'forecastTypes.1.member'"));
    const char *dmean[] = {"mean", "mean"};
    ck_assert_int_eq(hc_validate_forecast_types(dmean, 2, NULL, &e), HC_ERR_INVALID_INPUT);
    const char *null_member[] = {"0.1", NULL};
    ck_assert_int_eq(hc_validate_forecast_types(null_member, 2, NULL, &e),
                     HC_ERR_INVALID_INPUT);
    ck_assert_ptr_nonnull(strstr(e.message, "Value null at 'forecastTypes.2.member'"));
}
END_TEST

START_TEST(forecast_columns)
{
    char b[HC_FORECAST_COLUMN_SIZE];
    static const char *const pairs[][2] = {
        {"mean", "mean"}, {"0.1", "p10"}, {"0.10", "p10"}, {"0.65", "p65"},
        {"0.05", "p5"},   {"0.99", "p99"}, {"0.01", "p1"}, {"0.5", "p50"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        ck_assert_int_eq(hc_forecast_type_column(pairs[i][0], b), 0);
        ck_assert_str_eq(b, pairs[i][1]);
    }
    ck_assert_int_eq(hc_forecast_type_column(".5", b), HC_ERR_INVALID_INPUT);
    ck_assert_str_eq(b, "");
    ck_assert_int_eq(hc_forecast_type_column("0.0", b), HC_ERR_INVALID_INPUT);
    ck_assert_int_eq(hc_forecast_type_column(NULL, b), HC_ERR_INVALID_INPUT);

    ck_assert_int_eq(hc_forecast_tau_column((double)NAN, b), 0);
    ck_assert_str_eq(b, "mean");
    ck_assert_int_eq(hc_forecast_tau_column(0.05, b), 0);
    ck_assert_str_eq(b, "p5");
    ck_assert_int_eq(hc_forecast_tau_column(0.1 + 0.2, b), 0); /* 0.30000000000000004 */
    ck_assert_str_eq(b, "p30");
    const double bad[] = {0.005, 0.0, 1.0, 0.123, -0.1, (double)INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(hc_forecast_tau_column(bad[i], b), HC_ERR_INVALID_INPUT);

    char w[HC_WQL_COLUMN_SIZE];
    static const struct { double tau; const char *col; } wql[] = {
        {0.1, "wQL[0.1]"}, {0.65, "wQL[0.65]"}, {0.05, "wQL[0.05]"}, {0.5, "wQL[0.5]"},
        {0.9, "wQL[0.9]"}, {0.99, "wQL[0.99]"}, {0.01, "wQL[0.01]"},
    };
    for (size_t i = 0; i < sizeof wql / sizeof wql[0]; i++) {
        ck_assert_int_eq(hc_wql_column(wql[i].tau, w), 0);
        ck_assert_str_eq(w, wql[i].col);
    }
    ck_assert_int_eq(hc_wql_column((double)NAN, w), HC_ERR_INVALID_INPUT); /* mean has no wQL */
    ck_assert_str_eq(w, "");
    ck_assert_int_eq(hc_wql_column(0.0, w), HC_ERR_INVALID_INPUT);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("names_arns");
    tcase_add_test(tc, name_accepts);
    tcase_add_test(tc, name_aws_message);
    tcase_add_test(tc, name_boundaries);
    tcase_add_test(tc, name_pattern_refusals);
    tcase_add_test(tc, message_escapes_and_shortens_values);
    tcase_add_test(tc, arn_rules);
    tcase_add_test(tc, role_arn_rules);
    tcase_add_test(tc, kms_arn_rules);
    tcase_add_test(tc, s3_path_rules);
    suite_add_tcase(s, tc);

    tc = tcase_create("destination");
    tcase_add_test(tc, destination_mapping);
    tcase_add_test(tc, destination_lexical_refusals);
    tcase_add_test(tc, destination_symlinks);
    suite_add_tcase(s, tc);

    tc = tcase_create("tags");
    tcase_add_test(tc, tags_accept_unicode);
    tcase_add_test(tc, tags_refuse_symbols);
    tcase_add_test(tc, tags_unicode_classes);
    tcase_add_test(tc, tags_lengths);
    tcase_add_test(tc, tags_reserved_prefix);
    tcase_add_test(tc, tags_duplicates);
    tcase_add_test(tc, tags_counts);
    tcase_add_test(tc, tags_all_breaches_listed);
    suite_add_tcase(s, tc);

    tc = tcase_create("forecast_types");
    tcase_add_test(tc, forecast_types_accept);
    tcase_add_test(tc, forecast_types_refuse);
    tcase_add_test(tc, forecast_columns);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

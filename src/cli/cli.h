/* Command-line parsing shared by the CLI's files. */
#ifndef HC_CLI_CLI_H
#define HC_CLI_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hc_flag_kind {
    HC_FLAG_STRING,
    HC_FLAG_INT,
    HC_FLAG_LIST,   /* one or more values up to the next --option */
    HC_FLAG_TRUE,   /* takes no value */
    HC_FLAG_FALSE,
    HC_FLAG_STRUCT, /* JSON or shorthand */
    HC_FLAG_TAGS    /* Key=k,Value=v ... or JSON list */
} hc_flag_kind;

typedef struct hc_cli_flag {
    const char *name;   /* "--predictor-arn" */
    const char *member; /* "PredictorArn" */
    hc_flag_kind kind;
} hc_cli_flag;

typedef struct hc_cli_verb {
    const char *name;      /* "create-predictor" */
    const char *operation; /* "CreatePredictor" */
    const hc_cli_flag *flags;
    const char *summary;
} hc_cli_verb;

typedef struct hc_cli_globals {
    const char *workspace;
    const char *region;
    const char *account;
    const char *s3_root;
    int threads;
    uint64_t part_size_limit;
    int max_jobs_in_progress;
    int max_jobs;
    int compression;       /* 0 none, 1 gzip (hc_compression) */
    int compression_level; /* 0: default */
    const char *shard;     /* --shard I/N or auto, as given */
    int quiet;
    int timings; /* --timings: each phase's wall and CPU time on stderr */
    int help;
    int version;
} hc_cli_globals;

void hc_cli_globals_init(hc_cli_globals *g);

/* Prints the AWS CLI's usage error form on stderr; returns 252. */
int hc_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Pulls global options out of argv (before or after the verb); the first
 * other word is the verb, the remaining words go to rest. Returns 0 or an
 * exit status (252) after printing the problem. */
int hc_cli_split_globals(int argc, char **argv, hc_cli_globals *g,
                         const char **verb, char **rest, int *nrest);

/* Builds the request object from --cli-input-json and the verb's flags
 * (flags win over JSON members). Returns 0, or -1 with msg filled. */
int hc_cli_build_request(const hc_cli_verb *verb, int nargs, char **args,
                         json_t **request, char *msg, size_t cap);

/* Prints the verb's request skeleton (output 0) or response skeleton
 * (output 1); returns the exit status. */
int hc_cli_print_skeleton(const hc_cli_verb *verb, int output);

/* --shard's value (or HINDCAST_SHARD's; `what` names which, for messages):
 * "I/N" or "auto" (Slurm array or Kubernetes indexed Job variables).
 * Returns 0 with *index and *count set, or 252 after printing the rule
 * that failed. */
int hc_cli_resolve_shard(const char *text, const char *what, int *index,
                         int *count);

/* The generate-demo-data verb; returns the exit status. */
int hc_cli_generate_demo_data(int nargs, char **args);

#endif

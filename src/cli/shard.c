/* --shard I/N and --shard auto (also HINDCAST_SHARD): which share of the
 * items this process trains. auto reads the batch scheduler's variables:
 * a Slurm array task's id, count and minimum id (arrays like --array=1-16
 * count from their minimum), else a Kubernetes indexed Job's completion
 * index with the count from HINDCAST_SHARD_COUNT (Kubernetes does not
 * export the Job's completions to the pod). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Kept equal to the service's limit on a manifest's shard count. */
#define MAX_SHARDS 1000000LL

/* A whole number written with digits only; -1 otherwise. */
static long long whole(const char *text, size_t len)
{
    if (len == 0 || len > 18)
        return -1;
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

static long long env_whole(const char *name, const char **raw)
{
    const char *v = getenv(name);
    *raw = v;
    if (!v || !v[0])
        return -2;
    return whole(v, strlen(v));
}

static int check_range(const char *what, const char *text, long long i, long long n)
{
    if (n < 1)
        return hc_cli_usage_error("%s: '%s': the shard count N must be at least 1",
                                  what, text);
    if (n > MAX_SHARDS)
        return hc_cli_usage_error("%s: '%s': the shard count N must be at most %lld",
                                  what, text, MAX_SHARDS);
    if (i >= n)
        return hc_cli_usage_error("%s: '%s': the shard index I must be less than "
                                  "the count N (0 <= I < N)", what, text);
    return 0;
}

static int from_slurm(const char *what, int *index, int *count)
{
    const char *raw_id, *raw_count, *raw_min, *raw_max, *raw_step;
    long long id = env_whole("SLURM_ARRAY_TASK_ID", &raw_id);
    long long n = env_whole("SLURM_ARRAY_TASK_COUNT", &raw_count);
    long long min = env_whole("SLURM_ARRAY_TASK_MIN", &raw_min);
    long long max = env_whole("SLURM_ARRAY_TASK_MAX", &raw_max);
    long long step = env_whole("SLURM_ARRAY_TASK_STEP", &raw_step);
    static const char *const names[] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
                                        "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                                        "SLURM_ARRAY_TASK_STEP"};
    const long long vals[] = {id, n, min, max, step};
    const char *const raws[] = {raw_id, raw_count, raw_min, raw_max, raw_step};
    for (int k = 0; k < 5; k++) {
        if (vals[k] == -2 && k < 3)
            return hc_cli_usage_error("%s: SLURM_ARRAY_TASK_ID is set but %s is "
                                      "not; run under a Slurm array job "
                                      "(sbatch --array) or give --shard I/N",
                                      what, names[k]);
        if (vals[k] == -1)
            return hc_cli_usage_error("%s: %s '%s' is not a whole number", what,
                                      names[k], raws[k]);
    }
    /* Shard i is task min + i: the ids must be every number from min to
     * max, or some shard would never run (or the count would be wrong). */
    if ((step >= 0 && step != 1) || (max >= 0 && max - min + 1 != n))
        return hc_cli_usage_error(
            "%s: the Slurm array's task ids are not contiguous "
            "(SLURM_ARRAY_TASK_MIN=%s, SLURM_ARRAY_TASK_MAX=%s, "
            "SLURM_ARRAY_TASK_STEP=%s, SLURM_ARRAY_TASK_COUNT=%s): submit "
            "the array as a range with step 1 (--array=0-%lld) or give "
            "--shard I/N", what, raw_min, raw_max ? raw_max : "unset",
            raw_step ? raw_step : "unset", raw_count, n > 0 ? n - 1 : 0);
    if (id < min)
        return hc_cli_usage_error("%s: SLURM_ARRAY_TASK_ID %lld is below "
                                  "SLURM_ARRAY_TASK_MIN %lld", what, id, min);
    char text[80];
    snprintf(text, sizeof text, "SLURM_ARRAY_TASK_ID=%s", raw_id);
    int rc = check_range(what, text, id - min, n);
    if (rc)
        return rc;
    *index = (int)(id - min);
    *count = (int)n;
    return 0;
}

static int from_kubernetes(const char *what, int *index, int *count)
{
    const char *raw_index, *raw_count;
    long long i = env_whole("JOB_COMPLETION_INDEX", &raw_index);
    long long n = env_whole("HINDCAST_SHARD_COUNT", &raw_count);
    if (i == -1)
        return hc_cli_usage_error("%s: JOB_COMPLETION_INDEX '%s' is not a whole "
                                  "number", what, raw_index);
    if (n == -2)
        return hc_cli_usage_error("%s: JOB_COMPLETION_INDEX is set (a Kubernetes "
                                  "indexed Job) but HINDCAST_SHARD_COUNT is not: "
                                  "Kubernetes does not pass the Job's completions "
                                  "to the pod; set HINDCAST_SHARD_COUNT to it",
                                  what);
    if (n == -1)
        return hc_cli_usage_error("%s: HINDCAST_SHARD_COUNT '%s' is not a whole "
                                  "number", what, raw_count);
    char text[80];
    snprintf(text, sizeof text, "JOB_COMPLETION_INDEX=%s", raw_index);
    int rc = check_range(what, text, i, n);
    if (rc)
        return rc;
    *index = (int)i;
    *count = (int)n;
    return 0;
}

int hc_cli_resolve_shard(const char *text, const char *what, int *index, int *count)
{
    if (strcmp(text, "auto") == 0) {
        const char *v = getenv("SLURM_ARRAY_TASK_ID");
        if (v && v[0])
            return from_slurm(what, index, count);
        v = getenv("JOB_COMPLETION_INDEX");
        if (v && v[0])
            return from_kubernetes(what, index, count);
        return hc_cli_usage_error(
            "%s: 'auto' found no batch scheduler: set SLURM_ARRAY_TASK_ID, "
            "SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN (a Slurm array "
            "job sets them) or JOB_COMPLETION_INDEX and HINDCAST_SHARD_COUNT "
            "(a Kubernetes indexed Job), or give --shard I/N", what);
    }
    const char *slash = strchr(text, '/');
    long long i = slash ? whole(text, (size_t)(slash - text)) : -1;
    long long n = slash ? whole(slash + 1, strlen(slash + 1)) : -1;
    if (i < 0 || n < 0)
        return hc_cli_usage_error("%s: '%s' is not I/N (whole numbers with "
                                  "0 <= I < N) or auto", what, text);
    int rc = check_range(what, text, i, n);
    if (rc)
        return rc;
    *index = (int)i;
    *count = (int)n;
    return 0;
}

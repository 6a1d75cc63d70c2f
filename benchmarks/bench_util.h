/* Small helpers shared by the benchmark programs (header-only, static).
 *
 * Wall-clock figures on a shared machine are noisy: every program measures
 * its baseline in the same run and reports the best of a few repetitions,
 * so ratios stay meaningful even when absolute numbers move. */
#ifndef HC_BENCH_UTIL_H
#define HC_BENCH_UTIL_H

/* wait4 for the peak RSS of one child. Include this header first. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hindcast/model.h"

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds (user + system) of the last child bench_run_shell waited for. */
static double bench_last_cpu;

/* Runs `sh -c cmd`, returns its wall time in seconds (negative when it
 * failed); *maxrss_kib (may be NULL) gets the child's peak RSS. */
static inline double bench_run_shell(const char *cmd, long *maxrss_kib)
{
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1.0;
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1.0;
    double t = bench_now() - t0;
    if (maxrss_kib)
        *maxrss_kib = ru.ru_maxrss;
    bench_last_cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1.0;
    return t;
}

static inline uint64_t bench_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Uniform in [0, 1) with 53 bits from a xorshift64 state (nonzero):
 * cheap synthetic data, the same for a given seed on every run. */
static inline double bench_uniform01(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (double)(*state >> 11) * (1.0 / 9007199254740992.0);
}

/* A fresh directory for the run's files: $HC_BENCH_DIR, else /tmp. */
static inline char *bench_make_dir(const char *tag)
{
    const char *base = getenv("HC_BENCH_DIR");
    if (!base || !*base)
        base = "/tmp";
    size_t n = strlen(base) + strlen(tag) + 32;
    char *dir = malloc(n);
    if (!dir)
        return NULL;
    snprintf(dir, n, "%s/hc-%s-XXXXXX", base, tag);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cannot create a directory under %s: %s\n", base,
                strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

static inline void bench_remove_tree(const char *dir)
{
    size_t n = strlen(dir) + 16;
    char *cmd = malloc(n);
    if (!cmd)
        return;
    snprintf(cmd, n, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(cmd);
}

/* Allocations the benchmark programs cannot go on without: exit 3. */
static inline void *bench_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("benchmark: out of memory\n", stderr);
        exit(3);
    }
    return p;
}

static inline void *bench_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("benchmark: out of memory\n", stderr);
        exit(3);
    }
    return p;
}

/* `--model NAME` of the accuracy harnesses: appends the model named (ARN
 * or short name) to models[*n]; 0, or 2 (the exit status) after saying
 * why on stderr. */
static inline int bench_add_model(const hc_model **models, size_t *n, size_t max,
                                  const char *name, const char *prog)
{
    const hc_model *m = hc_model_by_name(name);
    if (!m) {
        fprintf(stderr, "%s: unknown model '%s' (supported: %s)\n", prog, name,
                hc_model_supported_arns());
        return 2;
    }
    if (*n == max) {
        fprintf(stderr, "%s: at most %zu models\n", prog, max);
        return 2;
    }
    models[(*n)++] = m;
    return 0;
}

/* How much parallelism the machine really gives right now: a CPU-bound
 * loop (no memory traffic) on 1 thread, then on `threads` threads at once;
 * returns the aggregate speed-up (threads when every core is free; less
 * when other processes hold cores, which on a shared machine would make
 * any speed-up figure measured at the same time look worse). */
static void *bench_spin_thread(void *arg)
{
    volatile uint64_t *out = arg;
    uint64_t a = 1, b = 2, c = 3, d = 4;
    for (long i = 0; i < 60000000L; i++) {
        a = a * 3 + b;
        b = b * 5 + c;
        c = c * 7 + d;
        d = d * 9 + a;
    }
    *out = a + b + c + d;
    return NULL;
}

static inline double bench_available_parallelism(int threads)
{
    pthread_t tid[64];
    volatile uint64_t sink[64];
    if (threads > 64)
        threads = 64;
    double t0 = bench_now();
    bench_spin_thread((void *)&sink[0]);
    double one = bench_now() - t0;
    t0 = bench_now();
    int started = 0;
    for (int i = 1; i < threads; i++)
        if (pthread_create(&tid[i], NULL, bench_spin_thread, (void *)&sink[i]) == 0)
            started = i;
    bench_spin_thread((void *)&sink[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    double many = bench_now() - t0;
    return (double)(started + 1) * one / many;
}

#endif

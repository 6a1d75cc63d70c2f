/* Ingest benchmark: long-format CSV (plain and .gz) into the columnar
 * dataset through hc_dataset_read, beside `cat FILE >/dev/null`, `zcat` and
 * a bare zlib gzread loop measured in the same run.
 *
 *   bench_ingest [--items N] [--length N] [--frequency D|H] [--repeat R]
 *                [--keep]
 *
 * The read is timed with 1 and 2 threads (and every core where there are
 * more).
 *
 * The data come from hc_demo_write (the generate-demo-data verb) in a fresh
 * directory under $HC_BENCH_DIR (default /tmp), removed afterwards unless
 * --keep. MB are 10^6 bytes of CSV text (uncompressed for the .gz run, the
 * compressed size is printed too). Each figure is the best of R runs. */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "hindcast/dataset.h"
#include "hindcast/demo.h"

typedef struct args {
    size_t items, length;
    hc_freq freq;
    int repeat;
    int keep;
} args;

static int parse_args(int argc, char **argv, args *a)
{
    a->items = 1000;
    a->length = 1826;
    a->freq = HC_FREQ_D;
    a->repeat = 3;
    a->keep = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(s, "--items") == 0 && v) {
            a->items = strtoull(v, NULL, 10);
            i++;
        } else if (strcmp(s, "--length") == 0 && v) {
            a->length = strtoull(v, NULL, 10);
            i++;
        } else if (strcmp(s, "--frequency") == 0 && v) {
            a->freq = strcmp(v, "H") == 0 ? HC_FREQ_H : HC_FREQ_D;
            i++;
        } else if (strcmp(s, "--repeat") == 0 && v) {
            a->repeat = atoi(v);
            i++;
        } else if (strcmp(s, "--keep") == 0) {
            a->keep = 1;
        } else {
            fprintf(stderr, "usage: bench_ingest [--items N] [--length N] "
                            "[--frequency D|H] [--repeat R] [--keep]\n");
            return -1;
        }
    }
    if (a->items == 0 || a->length < 2 || a->repeat < 1)
        return -1;
    return 0;
}

static const char *const names[] = {"item_id", "store", "timestamp", "target_value"};
static const hc_attr_type types[] = {HC_ATTR_STRING, HC_ATTR_STRING,
                                     HC_ATTR_TIMESTAMP, HC_ATTR_FLOAT};

/* Best wall time of hc_dataset_read over `repeat` runs; rows and memory of
 * the last run. */
static double time_read(const char *path, hc_freq freq, int threads, int repeat,
                        size_t *rows, size_t *memory)
{
    double best = -1.0;
    for (int r = 0; r < repeat; r++) {
        hc_dataset_options o;
        hc_dataset_options_init(&o);
        o.path = path;
        o.nattributes = 4;
        o.attribute_names = names;
        o.attribute_types = types;
        o.ts_format = HC_TSFMT_DATETIME;
        o.header = 1;
        o.freq = freq;
        o.threads = threads;
        hc_dataset *ds = NULL;
        hc_error err;
        hc_error_clear(&err);
        double t0 = bench_now();
        int rc = hc_dataset_read(&ds, &o, &err);
        double t = bench_now() - t0;
        if (rc) {
            fprintf(stderr, "hc_dataset_read: %s\n", err.message);
            return -1.0;
        }
        *rows = ds->nrows_read;
        *memory = hc_dataset_memory(ds);
        hc_dataset_free(ds);
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

static double time_shell(const char *prog, const char *path, int repeat)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s '%s' > /dev/null", prog, path);
    double best = -1.0;
    for (int r = 0; r < repeat; r++) {
        double t = bench_run_shell(cmd, NULL);
        if (t < 0)
            return -1.0;
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

/* zlib alone: what the reader's decompression costs at best. */
static double time_gzread(const char *path, int repeat, uint64_t *bytes)
{
    static char buf[1 << 18];
    double best = -1.0;
    for (int r = 0; r < repeat; r++) {
        double t0 = bench_now();
        gzFile gz = gzopen(path, "rb");
        if (!gz)
            return -1.0;
        gzbuffer(gz, 1u << 17);
        uint64_t total = 0;
        int n;
        while ((n = gzread(gz, buf, sizeof buf)) > 0)
            total += (uint64_t)n;
        gzclose_r(gz);
        double t = bench_now() - t0;
        *bytes = total;
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

static void line(const char *what, double seconds, double mbytes, size_t rows)
{
    if (seconds < 0) {
        printf("%-34s failed\n", what);
        return;
    }
    printf("%-34s %8.3f s %9.1f MB/s", what, seconds, mbytes / seconds);
    if (rows)
        printf(" %12.0f rows/s", (double)rows / seconds);
    printf("\n");
}

int main(int argc, char **argv)
{
    args a;
    if (parse_args(argc, argv, &a))
        return 2;
    char *dir = bench_make_dir("ingest");
    if (!dir)
        return 1;
    size_t n = strlen(dir) + 32;
    char *plain = malloc(n), *gz = malloc(n);
    if (!plain || !gz)
        return 1;
    snprintf(plain, n, "%s/data.csv", dir);
    snprintf(gz, n, "%s/data.csv.gz", dir);

    hc_demo_options o;
    hc_demo_options_init(&o, a.freq);
    o.items = a.items;
    o.length = a.length;
    hc_error err;
    hc_error_clear(&err);
    int status = 1;
    if (hc_demo_write(&o, plain, NULL, &err) != 0) {
        fprintf(stderr, "hc_demo_write: %s\n", err.message);
        goto done;
    }
    o.gzip = 1;
    if (hc_demo_write(&o, gz, NULL, &err) != 0) {
        fprintf(stderr, "hc_demo_write: %s\n", err.message);
        goto done;
    }
    uint64_t plain_bytes = bench_file_size(plain);
    uint64_t gz_bytes = bench_file_size(gz);
    double mb = (double)plain_bytes / 1e6;
    printf("ingest: %zu items x %zu steps (%s), CSV %.1f MB, gzip %.1f MB; best of %d\n",
           a.items, a.length, a.freq == HC_FREQ_H ? "H" : "D", mb,
           (double)gz_bytes / 1e6, a.repeat);

    size_t rows = 0, memory = 0, gz_rows = 0, gz_memory = 0;
    uint64_t unz = 0;
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads[3] = {1, 2, cores > 2 ? cores : 0};
    double t_read[3] = {-1, -1, -1}, t_read_gz[3] = {-1, -1, -1};
    double t_cat = time_shell("cat", plain, a.repeat);
    for (int k = 0; k < 3 && nthreads[k]; k++)
        t_read[k] = time_read(plain, a.freq, nthreads[k], a.repeat, &rows, &memory);
    double t_zcat = time_shell("zcat", gz, a.repeat);
    double t_gzread = time_gzread(gz, a.repeat, &unz);
    for (int k = 0; k < 3 && nthreads[k]; k++)
        t_read_gz[k] = time_read(gz, a.freq, nthreads[k], a.repeat, &gz_rows, &gz_memory);

    printf("machine check: %d CPU-bound threads run %.2fx as fast as one (%d if "
           "every core is free)\n",
           cores, bench_available_parallelism(cores), cores);
    line("baseline cat > /dev/null", t_cat, mb, 0);
    for (int k = 0; k < 3 && nthreads[k]; k++) {
        char what[64];
        snprintf(what, sizeof what, "hc_dataset_read CSV, %d thread%s", nthreads[k],
                 nthreads[k] > 1 ? "s" : "");
        line(what, t_read[k], mb, rows);
    }
    line("baseline zcat > /dev/null", t_zcat, mb, 0);
    line("baseline zlib gzread loop", t_gzread, (double)unz / 1e6, 0);
    for (int k = 0; k < 3 && nthreads[k]; k++) {
        char what[64];
        snprintf(what, sizeof what, "hc_dataset_read .csv.gz, %d thread%s", nthreads[k],
                 nthreads[k] > 1 ? "s" : "");
        line(what, t_read_gz[k], mb, gz_rows);
    }
    if (t_read[0] > 0 && t_read_gz[0] > 0) {
        printf("rows %zu, columnar dataset %.1f MB\n", rows, (double)memory / 1e6);
        printf("plain, 1 thread: %.1f MB/s (goal >= 200 per core); 2 threads: %.2fx\n",
               mb / t_read[0], t_read[0] / t_read[1]);
        printf("gzip, 1 thread: %.2fx the time of the bare gzread loop, %.2fx zcat; "
               "2 threads: %.2fx\n",
               t_read_gz[0] / t_gzread, t_read_gz[0] / t_zcat, t_read_gz[0] / t_read_gz[1]);
        status = 0;
    }
done:
    if (!a.keep)
        bench_remove_tree(dir);
    else
        printf("kept %s\n", dir);
    free(dir);
    free(plain);
    free(gz);
    return status;
}

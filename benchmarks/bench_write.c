/* Writing benchmark: forecasted-values rows (SPEC 2.5) with the number
 * format of SPEC 2.4, through the export's own row formatting
 * (hc_forecast_rows in src/export/evaluate.c) and the part writer, beside
 * a plain write of the same bytes measured in the same run.
 *
 *   bench_write [--items N] [--horizon H] [--windows W] [--repeat R]
 *               [--compression gzip --level L]
 *
 * Rows look like the demo export's: item_id + one dimension, daily
 * timestamps, actuals with 3 decimals, and forecast types 0.1, 0.5, 0.9
 * and mean at full double precision (the shortest round-trip text runs to
 * 15-17 digits). The number formatting's round trip is tested exhaustively
 * in tests/unit/test_numfmt.c. Figures are the best of R runs. */
#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>

#include "export/evaluate.h"
#include "hindcast/buf.h"
#include "hindcast/numfmt.h"
#include "hindcast/writer.h"

static uint64_t rng = 0x2545F4914F6CDD1Du;

typedef struct data {
    size_t items, h;
    int windows;
    char (*keys)[40];
    size_t *key_len;
    double *y, *mean, *quant; /* per item and window: h, h, 3h */
} data;

static int make_data(data *d)
{
    size_t n = d->items * (size_t)d->windows * d->h;
    d->keys = malloc(d->items * sizeof *d->keys);
    d->key_len = malloc(d->items * sizeof *d->key_len);
    d->y = malloc(n * sizeof(double));
    d->mean = malloc(n * sizeof(double));
    d->quant = malloc(3 * n * sizeof(double));
    if (!d->keys || !d->key_len || !d->y || !d->mean || !d->quant)
        return -1;
    for (size_t i = 0; i < d->items; i++) {
        int k = snprintf(d->keys[i], sizeof d->keys[i], "item_%05zu,store_%zu",
                         i / 3 + 1, i % 3 + 1);
        d->key_len[i] = (size_t)k;
        double level = 5.0 + 200.0 * bench_uniform01(&rng);
        for (int w = 0; w < d->windows; w++) {
            size_t base = (i * (size_t)d->windows + (size_t)w) * d->h;
            for (size_t t = 0; t < d->h; t++) {
                /* actuals as the CSV holds them: 3 decimals */
                double y = floor(level * (0.5 + bench_uniform01(&rng)) * 1000.0) / 1000.0;
                double f = level * (0.7 + 0.6 * bench_uniform01(&rng));
                double sd = level * 0.2;
                d->y[base + t] = bench_uniform01(&rng) < 0.1 ? 0.0 : y;
                d->mean[base + t] = f;
                d->quant[3 * base + t] = f - 1.2815515655446004 * sd;
                d->quant[3 * base + d->h + t] = f;
                d->quant[3 * base + 2 * d->h + t] = f + 1.2815515655446004 * sd;
            }
        }
    }
    return 0;
}

/* Formats every row; with a writer, hands each item's rows to it (as the
 * export's sink does). Returns seconds, or -1. */
static double run(const data *d, const hc_forecast_format *fmt,
                  hc_part_writer *w, uint64_t *bytes, uint64_t *rows)
{
    hc_buf b = HC_BUF_INIT;
    hc_error err;
    hc_error_clear(&err);
    *bytes = *rows = 0;
    double t0 = bench_now();
    for (size_t i = 0; i < d->items; i++) {
        hc_buf_reset(&b);
        for (int k = d->windows - 1; k >= 0; k--) {
            size_t base = (i * (size_t)d->windows + (size_t)k) * d->h;
            if (hc_forecast_rows(&b, fmt, k, d->keys[i], d->key_len[i], d->y + base,
                                 d->mean + base, d->quant + 3 * base) != 0) {
                hc_buf_free(&b);
                return -1.0;
            }
        }
        *bytes += b.len;
        *rows += (uint64_t)d->windows * d->h;
        if (w && hc_part_writer_write(w, b.data, b.len, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            hc_buf_free(&b);
            return -1.0;
        }
    }
    if (w && hc_part_writer_finish(w, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        hc_buf_free(&b);
        return -1.0;
    }
    double t = bench_now() - t0;
    hc_buf_free(&b);
    return t;
}

int main(int argc, char **argv)
{
    data d = {20000, 14, 3, NULL, NULL, NULL, NULL, NULL};
    int repeat = 3, level = 1;
    const char *compression = "none";
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--items") == 0 && v)
            d.items = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--horizon") == 0 && v)
            d.h = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--windows") == 0 && v)
            d.windows = atoi(argv[++i]);
        else if (strcmp(argv[i], "--repeat") == 0 && v)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--compression") == 0 && v)
            compression = argv[++i];
        else if (strcmp(argv[i], "--level") == 0 && v)
            level = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_write [--items N] [--horizon H] "
                            "[--windows W] [--repeat R] [--compression gzip|none] "
                            "[--level L]\n");
            return 2;
        }
    }
    if (d.items == 0 || d.h == 0 || d.windows < 1 || d.windows > HC_MAX_WINDOWS ||
        repeat < 1)
        return 2;
    int gzip = strcmp(compression, "gzip") == 0;
    if (make_data(&d) != 0) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    int64_t starts[HC_MAX_WINDOWS];
    for (int k = 0; k < d.windows; k++)
        starts[k] = 19723 + 400 - (int64_t)(k + 1) * (int64_t)d.h; /* days */
    const int type_quant[4] = {0, 1, 2, -1};
    hc_forecast_format fmt;
    if (hc_forecast_format_init(&fmt, HC_FREQ_D, d.h, 4, type_quant, d.windows,
                                starts) != 0)
        return 1;
    char *dir = bench_make_dir("write");
    if (!dir)
        return 1;

    uint64_t bytes = 0, rows = 0;
    double best_fmt = -1.0, best_part = -1.0, best_raw = -1.0;
    for (int r = 0; r < repeat; r++) {
        double t = run(&d, &fmt, NULL, &bytes, &rows);
        if (t > 0 && (best_fmt < 0 || t < best_fmt))
            best_fmt = t;
    }
    /* The same bytes again, formatted once into memory, for the raw write. */
    hc_buf all = HC_BUF_INIT;
    for (size_t i = 0; i < d.items; i++)
        for (int k = d.windows - 1; k >= 0; k--) {
            size_t base = (i * (size_t)d.windows + (size_t)k) * d.h;
            hc_forecast_rows(&all, &fmt, k, d.keys[i], d.key_len[i], d.y + base,
                             d.mean + base, d.quant + 3 * base);
        }
    uint64_t part_bytes = 0;
    char path[4096];
    for (int r = 0; r < repeat; r++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "bench_%d", r);
        hc_part_writer_options o = {0};
        o.dir = dir;
        o.prefix = prefix;
        o.extension = gzip ? ".csv.gz" : ".csv";
        o.header = "item_id,store,timestamp,target_value,backtestwindow_start_time,"
                   "backtestwindow_end_time,p10,p50,p90,mean\n";
        o.compression = gzip ? HC_COMPRESSION_GZIP : HC_COMPRESSION_NONE;
        o.compression_level = level;
        hc_part_writer *w = NULL;
        hc_error err;
        if (hc_part_writer_open(&w, &o, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t = run(&d, &fmt, w, &bytes, &rows);
        part_bytes = 0;
        for (size_t p = 0; p < hc_part_writer_part_count(w); p++) {
            snprintf(path, sizeof path, "%s/.%s_part%zu%s.tmp", dir, prefix, p,
                     o.extension);
            part_bytes += bench_file_size(path);
        }
        hc_part_writer_free(w); /* removes the temporary parts */
        if (t > 0 && (best_part < 0 || t < best_part))
            best_part = t;

        /* Baseline: the same bytes with write(2) in 1 MiB pieces + fsync. */
        snprintf(path, sizeof path, "%s/raw_%d.csv", dir, r);
        double t0 = bench_now();
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return 1;
        for (size_t off = 0; off < all.len;) {
            size_t n = all.len - off < ((size_t)1 << 20) ? all.len - off : (size_t)1 << 20;
            ssize_t k = write(fd, all.data + off, n);
            if (k <= 0)
                return 1;
            off += (size_t)k;
        }
        if (fsync(fd) != 0 || close(fd) != 0)
            return 1;
        double traw = bench_now() - t0;
        unlink(path);
        if (best_raw < 0 || traw < best_raw)
            best_raw = traw;
    }

    /* The number formatting alone. */
    size_t nvals = d.items * (size_t)d.windows * d.h;
    char tmp[64];
    double best_num = -1.0;
    size_t chars = 0;
    for (int r = 0; r < repeat; r++) {
        double t0 = bench_now();
        chars = 0;
        for (size_t i = 0; i < nvals; i++)
            chars += hc_format_double(tmp, d.mean[i]) + hc_format_double(tmp, d.y[i]);
        double t = bench_now() - t0;
        if (best_num < 0 || t < best_num)
            best_num = t;
    }

    double mb = (double)bytes / 1e6;
    printf("write: %zu items x %d windows x %zu steps = %llu rows, %.1f MB of "
           "CSV (%.0f bytes a row); best of %d\n",
           d.items, d.windows, d.h, (unsigned long long)rows, mb,
           (double)bytes / (double)rows, repeat);
    printf("%-46s %8.3f s %8.1f MB/s %11.0f rows/s\n",
           "baseline: write(2) of the same bytes + fsync", best_raw, mb / best_raw,
           (double)rows / best_raw);
    printf("%-46s %8.3f s %8.1f MB/s %11.0f rows/s\n",
           "rows formatted (hc_forecast_rows), no I/O", best_fmt, mb / best_fmt,
           (double)rows / best_fmt);
    printf("%-46s %8.3f s %8.1f MB/s %11.0f rows/s  (goal >= 150 MB/s)\n",
           gzip ? "formatted + part writer, gzip" : "formatted + part writer (+ fsync)",
           best_part, mb / best_part, (double)rows / best_part);
    if (gzip)
        printf("gzip level %d: %.1f MB on disk (%.1f%% of the CSV)\n", level,
               (double)part_bytes / 1e6, 100.0 * (double)part_bytes / (double)bytes);
    printf("hc_format_double: %.1f ns a value (%zu values, %.1f chars each)\n",
           best_num * 1e9 / (double)(2 * nvals), 2 * nvals,
           (double)chars / (double)(2 * nvals));

    hc_buf_free(&all);
    hc_forecast_format_free(&fmt);
    bench_remove_tree(dir);
    free(dir);
    free(d.keys);
    free(d.key_len);
    free(d.y);
    free(d.mean);
    free(d.quant);
    return 0;
}

/* How fast this machine fills new memory: the floor under every command
 * that writes a large file (the dataset snapshot, the export's parts).
 *
 *   bench_pagefill [--mb N] [--rounds R]
 *
 * Each round, in this order, on N MB (default 256):
 *   anon 1 / anon 2   touch new anonymous memory, one page at a time, on 1
 *                     and 2 threads;
 *   file 1            write(2) into a new file, 1 MiB at a time, 1 writer;
 *   one file, 2       two writers pwrite(2) interleaved 1 MiB pieces of one
 *                     new file (as the snapshot's save did);
 *   two files, 2      two writers, a new file each (N/2 MB apiece);
 *   mapped file, 1/2  posix_fallocate, then 1 or 2 threads copy interleaved
 *                     pieces into a shared mapping of one new file.
 * Every file stays until the end of the run, so each write needs page-cache
 * pages that no earlier write of the run freed; then they are removed.
 * Files go under $HC_BENCH_DIR (default /tmp), 5 x N MB a round, all kept
 * to the end: the program checks there is room for them first. The
 * medians of R rounds
 * (default 3) are printed in MB/s.
 *
 * Why it exists (benchmarks/PERF.md, "Fresh page-cache pages"): on the
 * development VM a file write sometimes runs at about 430 MB/s whatever the
 * program does, and a second writer into the same file adds nothing, while
 * a write whose pages were just freed runs at 5-6 GB/s. This program shows
 * the figures beside the end-to-end ones. */
#include "bench_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>

#define PIECE ((size_t)1 << 20)

typedef struct fill_job {
    char *mem;        /* anon: the region */
    int fd;           /* file: the descriptor */
    size_t bytes;     /* this worker's share */
    size_t first;     /* first piece (interleaved writers) */
    size_t stride;    /* pieces between this worker's pieces */
    const char *buf;  /* PIECE bytes to write */
    int failed;       /* the errno of a failed write, else 0 */
} fill_job;

static void *touch_pages(void *p)
{
    fill_job *j = p;
    for (size_t o = 0; o < j->bytes; o += 4096)
        j->mem[o] = 1;
    return NULL;
}

static void *copy_pieces(void *p)
{
    fill_job *j = p;
    size_t npieces = j->bytes / PIECE;
    for (size_t k = j->first; k < npieces; k += j->stride)
        memcpy(j->mem + k * PIECE, j->buf, PIECE);
    return NULL;
}

static void *write_pieces(void *p)
{
    fill_job *j = p;
    size_t npieces = j->bytes / PIECE;
    for (size_t k = j->first; k < npieces; k += j->stride)
        if (pwrite(j->fd, j->buf, PIECE, (off_t)(k * PIECE)) != (ssize_t)PIECE)
            j->failed = errno ? errno : EIO;
    return NULL;
}

/* Runs fn on `threads` jobs and returns the wall seconds. */
static double run_jobs(void *(*fn)(void *), fill_job *jobs, int threads)
{
    pthread_t t[2];
    double t0 = bench_now();
    for (int i = 1; i < threads; i++)
        if (pthread_create(&t[i], NULL, fn, &jobs[i]) != 0) {
            fprintf(stderr, "cannot start a thread\n");
            exit(3);
        }
    fn(&jobs[0]);
    for (int i = 1; i < threads; i++)
        pthread_join(t[i], NULL);
    return bench_now() - t0;
}

static double anon_fill(size_t bytes, int threads)
{
    char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        fprintf(stderr, "cannot map %zu bytes\n", bytes);
        exit(3);
    }
    fill_job jobs[2];
    for (int i = 0; i < threads; i++)
        jobs[i] = (fill_job){m + (size_t)i * (bytes / (size_t)threads),
                             -1, bytes / (size_t)threads, 0, 1, NULL, 0};
    double s = run_jobs(touch_pages, jobs, threads);
    munmap(m, bytes);
    return s;
}

static int new_file(const char *dir, int *seq)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fill%d", dir, (*seq)++);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
        exit(3);
    }
    return fd;
}

/* files: 1 (every writer into one file, interleaved) or `threads`. */
static double file_fill(const char *dir, int *seq, const char *buf, size_t bytes,
                        int threads, int files)
{
    fill_job jobs[2];
    int fds[2];
    for (int i = 0; i < files; i++)
        fds[i] = new_file(dir, seq);
    for (int i = 0; i < threads; i++) {
        if (files == 1)
            jobs[i] = (fill_job){NULL, fds[0], bytes, (size_t)i, (size_t)threads, buf, 0};
        else
            /* whole pieces each, the first writers taking the odd ones */
            jobs[i] = (fill_job){NULL, fds[i],
                                 (bytes / PIECE + (size_t)(threads - 1 - i)) / (size_t)threads * PIECE,
                                 0, 1, buf, 0};
    }
    double s = run_jobs(write_pieces, jobs, threads);
    for (int i = 0; i < threads; i++)
        if (jobs[i].failed) {
            fprintf(stderr, "a write failed: %s\n", strerror(jobs[i].failed));
            exit(3);
        }
    for (int i = 0; i < files; i++)
        close(fds[i]);
    return s;
}

/* Every writer copies interleaved pieces into one shared mapping of a new
 * file, sized first with posix_fallocate. */
static double mapped_fill(const char *dir, int *seq, const char *buf, size_t bytes,
                          int threads)
{
    int fd = new_file(dir, seq);
    double t0 = bench_now();
    int e = posix_fallocate(fd, 0, (off_t)bytes);
    if (e) {
        fprintf(stderr, "posix_fallocate: %s\n", strerror(e));
        exit(3);
    }
    char *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        fprintf(stderr, "cannot map a new file\n");
        exit(3);
    }
    fill_job jobs[2];
    for (int i = 0; i < threads; i++)
        jobs[i] = (fill_job){m, fd, bytes, (size_t)i, (size_t)threads, buf, 0};
    run_jobs(copy_pieces, jobs, threads);
    munmap(m, bytes);
    double s = bench_now() - t0;
    close(fd);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t mb = 256;
    int rounds = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mb") == 0 && i + 1 < argc)
            mb = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_pagefill [--mb N] [--rounds R]\n");
            return 2;
        }
    }
    if (mb < 2 || rounds < 1 || rounds > 99) {
        fprintf(stderr, "bench_pagefill: --mb must be at least 2, --rounds 1 to 99\n");
        return 2;
    }
    size_t bytes = mb * PIECE;
    char *dir = bench_make_dir("pagefill");
    if (!dir)
        return 3;
    struct statvfs fs;
    double need = 5.0 * (double)rounds * (double)bytes;
    if (statvfs(dir, &fs) == 0 && (double)fs.f_bavail * (double)fs.f_frsize < need * 1.1) {
        fprintf(stderr, "bench_pagefill: %s has %.0f MB free; %d rounds of %zu MB need %.0f MB "
                        "(use --mb or --rounds, or set HC_BENCH_DIR)\n",
                dir, (double)fs.f_bavail * (double)fs.f_frsize / 1e6, rounds, mb, need / 1e6);
        bench_remove_tree(dir);
        free(dir);
        return 2;
    }
    char *buf = bench_xmalloc(PIECE);
    memset(buf, 'x', PIECE);

    enum { ANON1, ANON2, FILE1, ONEFILE2, TWOFILES2, MAPPED1, MAPPED2, NCASES };
    static const char *const names[NCASES] = {
        "anon, 1 thread", "anon, 2 threads", "file, 1 writer",
        "one file, 2 writers", "two files, 2 writers", "mapped file, 1 writer",
        "mapped file, 2 writers"};
    double secs[NCASES][99];
    int seq = 0;
    for (int r = 0; r < rounds; r++) {
        secs[ANON1][r] = anon_fill(bytes, 1);
        secs[ANON2][r] = anon_fill(bytes, 2);
        secs[FILE1][r] = file_fill(dir, &seq, buf, bytes, 1, 1);
        secs[ONEFILE2][r] = file_fill(dir, &seq, buf, bytes, 2, 1);
        secs[TWOFILES2][r] = file_fill(dir, &seq, buf, bytes, 2, 2);
        secs[MAPPED1][r] = mapped_fill(dir, &seq, buf, bytes, 1);
        secs[MAPPED2][r] = mapped_fill(dir, &seq, buf, bytes, 2);
    }
    printf("new memory, %zu MB a case, median of %d rounds (every file kept until the end)\n",
           mb, rounds);
    for (int c = 0; c < NCASES; c++) {
        qsort(secs[c], (size_t)rounds, sizeof(double), cmp_double);
        double lo = secs[c][0], med = secs[c][rounds / 2], hi = secs[c][rounds - 1];
        printf("  %-22s %7.0f MB/s  (rounds %.0f to %.0f MB/s)\n", names[c],
               (double)mb * 1.048576 / med, (double)mb * 1.048576 / hi,
               (double)mb * 1.048576 / lo);
    }
    bench_remove_tree(dir);
    free(dir);
    free(buf);
    return 0;
}

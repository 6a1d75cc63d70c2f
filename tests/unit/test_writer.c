/* Part writer and atomic file writes: names, rotation, commit, abort. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "hc_check.h"
#include "hindcast/writer.h"
#include "writer/fsutil.h"

/* ---- helpers ---------------------------------------------------------- */

/* A fresh, empty directory for one test. */
static const char *fresh_dir(const char *tag)
{
    static char dir[1024];
    const char *base = getenv("HINDCAST_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/writer-%ld-%s", base ? base : "/tmp",
             (long)getpid(), tag);
    hc_check_mkdir_p(dir, 0777);
    return dir;
}

/* Removes a test directory after the test passed (a failing test leaves its
 * files for inspection). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static char *slurp(const char *dir, const char *name, size_t *len_out)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directory entries (hidden included, "." and ".." excluded), sorted, joined
 * by '|'. */
static const char *listing(const char *dir)
{
    static char out[4096];
    char *names[64];
    size_t n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, "|");
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

static void check_file(const char *dir, const char *name, const char *want)
{
    size_t len = 0;
    char *got = slurp(dir, name, &len);
    ck_assert_msg(got != NULL, "%s/%s missing", dir, name);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_str_eq(got, want);
    free(got);
}

static hc_part_writer *open_writer(const char *dir, const char *header,
                                   uint64_t limit)
{
    hc_part_writer_options o = {dir, "job_2020-04-25T22-30-23Z", ".csv",
                                header, limit, HC_COMPRESSION_NONE, 0};
    hc_part_writer *w = NULL;
    hc_error err;
    int rc = hc_part_writer_open(&w, &o, &err);
    ck_assert_msg(rc == 0, "open: %s", err.message);
    ck_assert_ptr_nonnull(w);
    return w;
}

#define P0 "job_2020-04-25T22-30-23Z_part0.csv"
#define P1 "job_2020-04-25T22-30-23Z_part1.csv"
#define P2 "job_2020-04-25T22-30-23Z_part2.csv"
#define P3 "job_2020-04-25T22-30-23Z_part3.csv"
#define T0 "." P0 ".tmp"
#define T1 "." P1 ".tmp"
#define T2 "." P2 ".tmp"

/* ---- rotation ----------------------------------------------------------- */

/* Header "h1,h2\n" is 6 bytes; rows 4, 6, 4 and 10 bytes; limit 16.
 * part0: 6+4=10, +6=16 (<= 16, fits), +4=20 > 16 -> new part.
 * part1: 6+4=10, +10=20 > 16 -> new part.
 * part2: 6+10=16.  Total 16+10+16 = 42 bytes. */
static const char *const ROWS[] = {"a,1\n", "bb,22\n", "c,3\n",
                                   "dddd,4444\n"};

static void check_rotation_result(const char *dir, hc_part_writer *w)
{
    hc_error err;
    ck_assert_uint_eq(hc_part_writer_part_count(w), 3);
    ck_assert_uint_eq(hc_part_writer_bytes(w), 42);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    /* Nothing under a final name before commit. */
    ck_assert_str_eq(listing(dir), T0 "|" T1 "|" T2);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    ck_assert_str_eq(listing(dir), P0 "|" P1 "|" P2);
    check_file(dir, P0, "h1,h2\na,1\nbb,22\n");
    check_file(dir, P1, "h1,h2\nc,3\n");
    check_file(dir, P2, "h1,h2\ndddd,4444\n");
    hc_part_writer_free(w);
    /* Freeing a committed writer removes nothing. */
    ck_assert_str_eq(listing(dir), P0 "|" P1 "|" P2);
}

START_TEST(rotation_all_at_once)
{
    const char *dir = fresh_dir("rot1");
    hc_part_writer *w = open_writer(dir, "h1,h2\n", 16);
    hc_error err;
    const char *all = "a,1\nbb,22\nc,3\ndddd,4444\n";
    ck_assert_int_eq(hc_part_writer_write(w, all, strlen(all), &err), 0);
    check_rotation_result(dir, w);
    remove_tree(dir);
}
END_TEST

START_TEST(rotation_row_by_row)
{
    const char *dir = fresh_dir("rot2");
    hc_part_writer *w = open_writer(dir, "h1,h2\n", 16);
    hc_error err;
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(hc_part_writer_write(w, ROWS[i], strlen(ROWS[i]), &err),
                         0);
    check_rotation_result(dir, w);
    remove_tree(dir);
}
END_TEST

START_TEST(rotation_uneven_chunks)
{
    const char *dir = fresh_dir("rot3");
    hc_part_writer *w = open_writer(dir, "h1,h2\n", 16);
    hc_error err;
    const char *a = "a,1\n";
    const char *b = "bb,22\nc,3\ndddd,4444\n";
    ck_assert_int_eq(hc_part_writer_write(w, a, strlen(a), &err), 0);
    ck_assert_int_eq(hc_part_writer_write(w, "", 0, &err), 0);
    ck_assert_int_eq(hc_part_writer_write(w, b, strlen(b), &err), 0);
    check_rotation_result(dir, w);
    remove_tree(dir);
}
END_TEST

/* Header "h\n" (2 bytes), limit 8. A 11-byte row does not fit even in an
 * empty part but still goes after the header of part0 (13 bytes); "x\n"
 * would make 15 > 8 -> part1 = "h\nx\n" (4); the next 11-byte row makes
 * 15 > 8 -> part2 on its own. */
START_TEST(oversize_row_gets_own_part)
{
    const char *dir = fresh_dir("big");
    hc_part_writer *w = open_writer(dir, "h\n", 8);
    hc_error err;
    const char *rows = "0123456789\nx\nabcdefghij\n";
    ck_assert_int_eq(hc_part_writer_write(w, rows, strlen(rows), &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    ck_assert_uint_eq(hc_part_writer_part_count(w), 3);
    check_file(dir, P0, "h\n0123456789\n");
    check_file(dir, P1, "h\nx\n");
    check_file(dir, P2, "h\nabcdefghij\n");
    hc_part_writer_free(w);
    remove_tree(dir);
}
END_TEST

/* A quoted key may hold a line break: rotation happens only at a line
 * break outside quotes. Header "h\n" (2), limit 10; row 1 is the 9 bytes
 * "a<LF>b",1<LF> and goes alone (11 > 10, but the part has no row yet);
 * row 2 "c,2\n" makes 15 > 10 -> part1. Splitting at the first LF would
 * have cut row 1 after "a (2 + 3 = 5 fits, then 5 + 6 = 11 does not). */
START_TEST(rotation_skips_quoted_line_breaks)
{
    const char *dir = fresh_dir("quoted");
    hc_part_writer *w = open_writer(dir, "h\n", 10);
    hc_error err;
    const char *rows = "\"a\nb\",1\nc,2\n";
    ck_assert_int_eq(hc_part_writer_write(w, rows, strlen(rows), &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    ck_assert_uint_eq(hc_part_writer_part_count(w), 2);
    check_file(dir, P0, "h\n\"a\nb\",1\n");
    check_file(dir, P1, "h\nc,2\n");
    hc_part_writer_free(w);
    remove_tree(dir);

    /* hc_csv_whole_rows: up to the last line break outside quotes */
    const char *t = "a,1\n\"x\ny\",2\n\"p\nq";
    ck_assert_uint_eq(hc_csv_whole_rows(t, strlen(t)), 12);
    ck_assert_uint_eq(hc_csv_whole_rows("a\nb", 3), 2);
    ck_assert_uint_eq(hc_csv_whole_rows("abc", 3), 0);
    ck_assert_uint_eq(hc_csv_whole_rows("\"a\n", 3), 0);
    ck_assert_uint_eq(hc_csv_whole_rows("\"\"\"\n\",1\n", 8), 8);
}
END_TEST

/* Header larger than the limit: every part is header + exactly one row. */
START_TEST(header_larger_than_limit)
{
    const char *dir = fresh_dir("bighdr");
    hc_part_writer *w = open_writer(dir, "a_long_header\n", 4);
    hc_error err;
    ck_assert_int_eq(hc_part_writer_write(w, "1\n2\n", 4, &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    ck_assert_str_eq(listing(dir), P0 "|" P1);
    check_file(dir, P0, "a_long_header\n1\n");
    check_file(dir, P1, "a_long_header\n2\n");
    hc_part_writer_free(w);
    remove_tree(dir);
}
END_TEST

START_TEST(empty_export_is_header_only_part0)
{
    const char *dir = fresh_dir("empty");
    hc_part_writer *w = open_writer(dir, "item_id,timestamp\n", 0);
    hc_error err;
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    ck_assert_str_eq(listing(dir), P0);
    check_file(dir, P0, "item_id,timestamp\n");
    ck_assert_uint_eq(hc_part_writer_bytes(w), 18);
    hc_part_writer_free(w);
    remove_tree(dir);
}
END_TEST

/* 300,000 rows "row%06d\n" (10 bytes each), header "id\n" (3 bytes), limit
 * 1,000,000: a part holds k rows with 3 + 10k <= 1e6, k = 99,999. So parts
 * 0-2 hold 99,999 rows (999,993 bytes) and part3 the last 3 rows. The 3 MB
 * pass through the 1 MiB buffer, in one call and in 64 KiB-ish chunks. */
static char *numbered_rows(size_t n)
{
    char *s = malloc(n * 10 + 1);
    for (size_t i = 0; i < n; i++) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "row%06zu\n", i);
        memcpy(s + i * 10, tmp, 10);
    }
    s[n * 10] = '\0';
    return s;
}

static void check_big_parts(const char *dir)
{
    ck_assert_str_eq(listing(dir), P0 "|" P1 "|" P2 "|" P3);
    size_t len;
    char *p2 = slurp(dir, P2, &len);
    ck_assert_uint_eq(len, 999993);
    /* part2 starts at row 2*99,999 = 199,998 and ends at 299,996. */
    ck_assert(strncmp(p2, "id\nrow199998\n", 13) == 0);
    ck_assert_str_eq(p2 + len - 10, "row299996\n");
    free(p2);
    check_file(dir, P3, "id\nrow299997\nrow299998\nrow299999\n");
}

START_TEST(large_volume_through_buffer)
{
    char *rows = numbered_rows(300000);
    hc_error err;

    const char *dir = fresh_dir("vol1");
    hc_part_writer *w = open_writer(dir, "id\n", 1000000);
    ck_assert_int_eq(hc_part_writer_write(w, rows, 3000000, &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    ck_assert_uint_eq(hc_part_writer_bytes(w), 3000000 + 4 * 3);
    hc_part_writer_free(w);
    check_big_parts(dir);
    remove_tree(dir);

    dir = fresh_dir("vol2");
    w = open_writer(dir, "id\n", 1000000);
    for (size_t off = 0; off < 3000000; off += 65530) { /* 6553 rows */
        size_t n = 3000000 - off < 65530 ? 3000000 - off : 65530;
        ck_assert_int_eq(hc_part_writer_write(w, rows + off, n, &err), 0);
    }
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    hc_part_writer_free(w);
    check_big_parts(dir);
    remove_tree(dir);

    /* Default limit, one 3 MB call: written straight past the buffer. */
    dir = fresh_dir("vol3");
    w = open_writer(dir, "id\n", 0);
    ck_assert_int_eq(hc_part_writer_write(w, rows, 3000000, &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    hc_part_writer_free(w);
    ck_assert_str_eq(listing(dir), P0);
    size_t len;
    char *p0 = slurp(dir, P0, &len);
    ck_assert_uint_eq(len, 3000003);
    ck_assert(memcmp(p0, "id\n", 3) == 0);
    ck_assert(memcmp(p0 + 3, rows, 3000000) == 0);
    free(p0);
    free(rows);
    remove_tree(dir);
}
END_TEST

/* ---- gzip parts ----------------------------------------------------------- */

/* The whole uncompressed content of a gzip file (NULL if it is not one). */
static char *gunzip_file(const char *dir, const char *name, size_t *len_out)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    if (got != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        return NULL; /* gzread would pass a plain file through */
    gzFile gz = gzopen(path, "rb");
    ck_assert_ptr_nonnull(gz);
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    int n;
    while ((n = gzread(gz, out + len, (unsigned)(cap - len))) > 0) {
        len += (size_t)n;
        if (len == cap)
            out = realloc(out, cap *= 2);
    }
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(gzclose_r(gz), Z_OK);
    *len_out = len;
    return out;
}

/* A gzip writer splits at the same rows as a plain one (the limit counts
 * uncompressed bytes) and each .csv.gz part decompresses to the plain
 * part's bytes; however the rows arrive (one call past the 1 MiB buffer,
 * uneven chunks), and at any level; equal input gives equal files. */
START_TEST(gzip_parts_decompress_to_plain_parts)
{
    char *rows = numbered_rows(300000);
    hc_error err;
    const char *plain_dir = fresh_dir("gzplain");
    char plain[1024];
    snprintf(plain, sizeof plain, "%s", plain_dir);
    hc_part_writer *w = open_writer(plain, "id\n", 1000000);
    ck_assert_int_eq(hc_part_writer_write(w, rows, 3000000, &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    hc_part_writer_free(w);

    char *first_p0 = NULL;
    size_t first_size = 0;
    for (int round = 0; round < 4; round++) {
        const char *dir = fresh_dir(round == 0 ? "gz0" : round == 1 ? "gz1" : round == 2 ? "gz2" : "gz3");
        hc_part_writer_options o = {dir, "job_2020-04-25T22-30-23Z", ".csv.gz", "id\n",
                                    1000000, HC_COMPRESSION_GZIP,
                                    round == 3 ? 9 : 0};
        ck_assert_int_eq(hc_part_writer_open(&w, &o, &err), 0);
        if (round % 2 == 0) {
            ck_assert_int_eq(hc_part_writer_write(w, rows, 3000000, &err), 0);
        } else {
            for (size_t off = 0; off < 3000000; off += 65530) {
                size_t n = 3000000 - off < 65530 ? 3000000 - off : 65530;
                ck_assert_int_eq(hc_part_writer_write(w, rows + off, n, &err), 0);
            }
        }
        ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
        ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
        ck_assert_uint_eq(hc_part_writer_bytes(w), 3000000 + 4 * 3);
        hc_part_writer_free(w);
        ck_assert_str_eq(listing(dir), P0 ".gz|" P1 ".gz|" P2 ".gz|" P3 ".gz");
        static const char *const names[] = {P0, P1, P2, P3};
        for (int i = 0; i < 4; i++) {
            char gzname[256];
            snprintf(gzname, sizeof gzname, "%s.gz", names[i]);
            size_t zlen = 0, plen = 0;
            char *z = gunzip_file(dir, gzname, &zlen);
            ck_assert_msg(z != NULL, "%s is not gzip", gzname);
            char *pl = slurp(plain, names[i], &plen);
            ck_assert_uint_eq(zlen, plen);
            ck_assert(memcmp(z, pl, plen) == 0);
            free(z);
            free(pl);
        }
        size_t size;
        char *p0 = slurp(dir, P0 ".gz", &size);
        ck_assert_uint_lt(size, 1000000 / 4); /* it did compress */
        if (round == 0) {
            first_p0 = p0;
            first_size = size;
        } else {
            if (round < 3) { /* same input and level: the same bytes */
                ck_assert_uint_eq(size, first_size);
                ck_assert(memcmp(p0, first_p0, size) == 0);
            }
            free(p0);
        }
        remove_tree(dir);
    }
    free(first_p0);
    free(rows);
    remove_tree(plain);
}
END_TEST

/* ---- commit / abort --------------------------------------------------- */

START_TEST(commit_refuses_existing_final_name)
{
    const char *dir = fresh_dir("clash");
    /* Someone else's file under part1's final name. */
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, P1);
    FILE *f = fopen(path, "w");
    fputs("keep", f);
    fclose(f);

    hc_part_writer *w = open_writer(dir, "h1,h2\n", 16);
    hc_error err;
    const char *all = "a,1\nbb,22\nc,3\ndddd,4444\n";
    ck_assert_int_eq(hc_part_writer_write(w, all, strlen(all), &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), HC_ERR_ALREADY_EXISTS);
    ck_assert_int_eq(err.code, HC_ERR_ALREADY_EXISTS);
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    /* Nothing half-committed: part0 was not renamed, temps intact. */
    ck_assert_str_eq(listing(dir), T0 "|" T1 "|" T2 "|" P1);
    check_file(dir, P1, "keep");
    check_file(dir, T0, "h1,h2\na,1\nbb,22\n");

    hc_part_writer_abort(w);
    ck_assert_str_eq(listing(dir), P1);
    check_file(dir, P1, "keep");
    hc_part_writer_free(w);
    ck_assert_str_eq(listing(dir), P1);
    remove_tree(dir);
}
END_TEST

START_TEST(abort_mid_write_and_free_clean_up)
{
    const char *dir = fresh_dir("abort");
    hc_part_writer *w = open_writer(dir, "h1,h2\n", 16);
    hc_error err;
    const char *all = "a,1\nbb,22\nc,3\n";
    ck_assert_int_eq(hc_part_writer_write(w, all, strlen(all), &err), 0);
    ck_assert_str_eq(listing(dir), T0 "|" T1);
    hc_part_writer_abort(w);
    ck_assert_str_eq(listing(dir), "");
    /* Writing, finishing or committing after abort is refused. */
    ck_assert_int_eq(hc_part_writer_write(w, "x\n", 2, &err), HC_ERR_INTERNAL);
    ck_assert_int_ne(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_ne(hc_part_writer_commit(w, &err), 0);
    hc_part_writer_free(w);

    /* free() of a finished, uncommitted writer aborts it. */
    w = open_writer(dir, "h1,h2\n", 0);
    ck_assert_int_eq(hc_part_writer_write(w, all, strlen(all), &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_str_eq(listing(dir), T0);
    hc_part_writer_free(w);
    ck_assert_str_eq(listing(dir), "");
    hc_part_writer_free(NULL);
    hc_part_writer_abort(NULL);
    remove_tree(dir);
}
END_TEST

START_TEST(commit_before_finish_and_bad_rows_refused)
{
    const char *dir = fresh_dir("order");
    hc_part_writer *w = open_writer(dir, "h\n", 0);
    hc_error err;
    ck_assert_int_eq(hc_part_writer_commit(w, &err), HC_ERR_INTERNAL);
    ck_assert_int_eq(hc_part_writer_write(w, "no newline", 10, &err),
                     HC_ERR_INTERNAL);
    /* The refused row was not written; the writer still works. */
    ck_assert_int_eq(hc_part_writer_write(w, "ok\n", 3, &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_finish(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    ck_assert_int_eq(hc_part_writer_commit(w, &err), 0);
    hc_part_writer_free(w);
    check_file(dir, P0, "h\nok\n");
    remove_tree(dir);
}
END_TEST

START_TEST(open_errors_name_the_path)
{
    const char *dir = fresh_dir("err");
    char missing[2048];
    snprintf(missing, sizeof missing, "%s/no-such-dir", dir);
    hc_part_writer_options o = {missing, "job", ".csv", "h\n", 0,
                                HC_COMPRESSION_NONE, 0};
    hc_part_writer *w = (hc_part_writer *)1;
    hc_error err;
    ck_assert_int_eq(hc_part_writer_open(&w, &o, &err), HC_ERR_IO);
    ck_assert_ptr_null(w);
    char want[2100];
    snprintf(want, sizeof want, "%s/.job_part0.csv.tmp: cannot create: %s",
             missing, strerror(ENOENT));
    ck_assert_str_eq(err.message, want);

    /* A temp left by a killed export of the same name is not clobbered. */
    char stale[2048];
    snprintf(stale, sizeof stale, "%s/.job_part0.csv.tmp", dir);
    FILE *f = fopen(stale, "w");
    fputs("stale", f);
    fclose(f);
    o.dir = dir;
    ck_assert_int_eq(hc_part_writer_open(&w, &o, &err), HC_ERR_IO);
    ck_assert_msg(strstr(err.message, stale) != NULL, "%s", err.message);
    check_file(dir, ".job_part0.csv.tmp", "stale");

    o.header = "no newline";
    ck_assert_int_eq(hc_part_writer_open(&w, &o, &err), HC_ERR_INTERNAL);
    remove_tree(dir);
}
END_TEST

/* ---- hc_write_file_atomic / fs helpers ------------------------------- */

START_TEST(write_file_atomic_creates_and_replaces)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", fresh_dir("atomic"));
    hc_error err;
    ck_assert_int_eq(hc_write_file_atomic(dir, "_CHECK", "", 0, &err), 0);
    ck_assert_str_eq(listing(dir), "_CHECK");
    check_file(dir, "_CHECK", "");
    ck_assert_int_eq(hc_write_file_atomic(dir, "_CHECK", "done\n", 5, &err), 0);
    ck_assert_str_eq(listing(dir), "_CHECK");
    check_file(dir, "_CHECK", "done\n");

    /* A name with a folder part goes into that folder. */
    char sub[1024];
    snprintf(sub, sizeof sub, "%s", fresh_dir("atomic/sub"));
    ck_assert_int_eq(hc_write_file_atomic(dir, "sub/state.json", "{}", 2, &err),
                     0);
    check_file(dir, "sub/state.json", "{}");
    ck_assert_str_eq(listing(sub), "state.json");

    char missing[2048];
    snprintf(missing, sizeof missing, "%s/nope", dir);
    ck_assert_int_eq(hc_write_file_atomic(missing, "_CHECK", "x", 1, &err),
                     HC_ERR_IO);
    ck_assert_msg(strstr(err.message, missing) != NULL, "%s", err.message);
    ck_assert_msg(strstr(err.message, strerror(ENOENT)) != NULL, "%s",
                  err.message);
    remove_tree(dir);
}
END_TEST

START_TEST(rename_noreplace_keeps_existing_target)
{
    const char *dir = fresh_dir("rn");
    char a[2048], b[2048], c[2048];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(c, sizeof c, "%s/c", dir);
    FILE *f = fopen(a, "w");
    fputs("A", f);
    fclose(f);
    f = fopen(b, "w");
    fputs("B", f);
    fclose(f);
    errno = 0;
    ck_assert_int_eq(hc_fs_rename_noreplace(a, b), -1);
    ck_assert_int_eq(errno, EEXIST);
    check_file(dir, "a", "A");
    check_file(dir, "b", "B");
    ck_assert_int_eq(hc_fs_rename_noreplace(a, c), 0);
    ck_assert_str_eq(listing(dir), "b|c");
    check_file(dir, "c", "A");
    remove_tree(dir);
}
END_TEST

START_TEST(write_errors_name_the_path)
{
    FILE *probe = fopen("/dev/full", "w");
    if (!probe)
        return; /* no /dev/full on this system */
    fclose(probe);
    int fd = open("/dev/full", O_WRONLY);
    ck_assert_int_ge(fd, 0);
    hc_error err;
    ck_assert_int_eq(hc_fs_write_all(fd, "/dev/full", "abc", 3, &err),
                     HC_ERR_IO);
    char want[256];
    snprintf(want, sizeof want, "/dev/full: cannot write: %s",
             strerror(ENOSPC));
    ck_assert_str_eq(err.message, want);
    ck_assert_str_eq(err.path, "/dev/full");
    close(fd);
}
END_TEST

START_TEST(split_paths)
{
    char *d, *b;
    hc_error err;
    ck_assert_int_eq(hc_fs_split("x.csv", &d, &b, &err), 0);
    ck_assert_str_eq(d, ".");
    ck_assert_str_eq(b, "x.csv");
    free(d);
    free(b);
    ck_assert_int_eq(hc_fs_split("/x.csv", &d, &b, &err), 0);
    ck_assert_str_eq(d, "/");
    ck_assert_str_eq(b, "x.csv");
    free(d);
    free(b);
    ck_assert_int_eq(hc_fs_split("a/b/x.csv", &d, &b, &err), 0);
    ck_assert_str_eq(d, "a/b");
    ck_assert_str_eq(b, "x.csv");
    free(d);
    free(b);
    ck_assert_int_eq(hc_fs_split("a/b/", &d, &b, &err), HC_ERR_INVALID_INPUT);
    ck_assert_ptr_null(d);
    char *j = hc_fs_join("a/", "b");
    ck_assert_str_eq(j, "a/b");
    free(j);
    j = hc_fs_join("a", "b");
    ck_assert_str_eq(j, "a/b");
    free(j);
    j = hc_fs_join("", "b");
    ck_assert_str_eq(j, "b");
    free(j);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("writer");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, rotation_all_at_once);
    tcase_add_test(tc, rotation_row_by_row);
    tcase_add_test(tc, rotation_uneven_chunks);
    tcase_add_test(tc, oversize_row_gets_own_part);
    tcase_add_test(tc, rotation_skips_quoted_line_breaks);
    tcase_add_test(tc, header_larger_than_limit);
    tcase_add_test(tc, empty_export_is_header_only_part0);
    tcase_add_test(tc, large_volume_through_buffer);
    tcase_add_test(tc, gzip_parts_decompress_to_plain_parts);
    tcase_add_test(tc, commit_refuses_existing_final_name);
    tcase_add_test(tc, abort_mid_write_and_free_clean_up);
    tcase_add_test(tc, commit_before_finish_and_bad_rows_refused);
    tcase_add_test(tc, open_errors_name_the_path);
    tcase_add_test(tc, write_file_atomic_creates_and_replaces);
    tcase_add_test(tc, rename_noreplace_keeps_existing_target);
    tcase_add_test(tc, write_errors_name_the_path);
    tcase_add_test(tc, split_paths);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(make_suite)

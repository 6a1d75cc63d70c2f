/* The model file: hc_crc32_threads equals zlib's one-pass crc32 for every
 * size and thread count, and hc_model_file_load maps a written file, gives
 * back every entry, and refuses a flipped byte (in the parallel part of the
 * CRC, past 4 MiB), a cut file and a file for another dataset, naming the
 * file and the reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/crc.h"
#include "hc_check.h"
#include "predictor/modelfile.h"
#include "predictor/predictor.h"

START_TEST(parallel_crc_equals_one_pass)
{
    const size_t sizes[] = {0, 1, 4095, (4u << 20) - 1, 4u << 20, (4u << 20) + 12345,
                            (9u << 20) + 7};
    const int threads[] = {1, 2, 3, 8};
    size_t most = (9u << 20) + 7;
    unsigned char *b = malloc(most);
    ck_assert_ptr_nonnull(b);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < most; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint32_t want = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)sizes[s]);
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
            ck_assert_msg(hc_crc32_threads(b, sizes[s], threads[t]) == want,
                          "size %zu, %d threads", sizes[s], threads[t]);
    }
    /* "123456789" is CRC-32's published check value. */
    ck_assert_uint_eq(hc_crc32_threads("123456789", 9, 4), 0xcbf43926u);
    free(b);
}
END_TEST

enum { NITEMS = 700, NWINDOWS = 3, NPARAMS = 400 };

static char path[1024];

/* NITEMS x NWINDOWS entries; item i window k has NPARAMS parameters
 * i * 1000 + k + j / 1000 (j = 0..NPARAMS-1), or is HC_WIN_OUTSIDE when
 * (i + k) % 5 == 0: about 5.4 MB, so the CRC runs in parallel pieces. */
static void write_model_file(void)
{
    const char *dir = getenv("HINDCAST_TEST_TMP");
    if (!dir || !*dir)
        dir = "/tmp";
    hc_check_mkdir_p(dir, 0777);
    snprintf(path, sizeof path, "%s/modelfile_%ld.bin", dir, (long)getpid());
    hc_model_writer *w = NULL;
    hc_error err;
    ck_assert_int_eq(hc_model_writer_open(&w, path, NITEMS, NWINDOWS, &err), 0);
    double *params = malloc(NPARAMS * sizeof *params);
    ck_assert_ptr_nonnull(params);
    hc_buf entries = HC_BUF_INIT;
    for (size_t i = 0; i < NITEMS; i++) {
        hc_buf_reset(&entries);
        for (int k = 0; k < NWINDOWS; k++) {
            if ((i + (size_t)k) % 5 == 0) {
                ck_assert_int_eq(hc_model_entry_append(&entries, HC_WIN_OUTSIDE, NULL), 0);
                continue;
            }
            for (int j = 0; j < NPARAMS; j++)
                params[j] = (double)i * 1000 + k + j / 1000.0;
            hc_fitted fit = {7, (uint16_t)(k == 2), NPARAMS, params};
            ck_assert_int_eq(hc_model_entry_append(&entries, HC_WIN_FITTED, &fit), 0);
        }
        ck_assert_int_eq(hc_model_writer_append(w, entries.data, entries.len, &err), 0);
    }
    ck_assert_int_eq(hc_model_writer_commit(w, &err), 0);
    hc_buf_free(&entries);
    free(params);
}

static void check_entries(const hc_model_file *mf)
{
    for (size_t i = 0; i < NITEMS; i++)
        for (int k = 0; k < NWINDOWS; k++) {
            const hc_fit_view *v = hc_model_file_get(mf, i, k);
            if ((i + (size_t)k) % 5 == 0) {
                ck_assert_int_eq(v->state, HC_WIN_OUTSIDE);
                ck_assert_uint_eq(v->nparams, 0);
                continue;
            }
            ck_assert_int_eq(v->state, HC_WIN_FITTED);
            ck_assert_uint_eq(v->algorithm, 7);
            ck_assert_uint_eq(v->fallback, k == 2);
            ck_assert_uint_eq(v->nparams, NPARAMS);
            ck_assert_uint_eq((uintptr_t)v->params % 8, 0);
            ck_assert(v->params[0] == (double)i * 1000 + k);
            ck_assert(v->params[NPARAMS - 1] == (double)i * 1000 + k + (NPARAMS - 1) / 1000.0);
        }
}

static void expect_refusal(int threads, size_t nitems, const char *why)
{
    hc_model_file *mf = NULL;
    hc_error err;
    int rc = hc_model_file_load(&mf, path, nitems, NWINDOWS, threads, &err);
    ck_assert_int_eq(rc, HC_ERR_INTERNAL);
    ck_assert_ptr_null(mf);
    char want[2048];
    snprintf(want, sizeof want,
             "model file %s is corrupt or truncated (%s); delete and re-create the predictor",
             path, why);
    ck_assert_str_eq(err.message, want);
}

START_TEST(loads_what_was_written)
{
    write_model_file();
    for (int threads = 1; threads <= 4; threads += 3) {
        hc_model_file *mf = NULL;
        hc_error err;
        ck_assert_int_eq(hc_model_file_load(&mf, path, NITEMS, NWINDOWS, threads, &err), 0);
        check_entries(mf);
        hc_model_file_free(mf);
    }
    expect_refusal(2, NITEMS + 1, "it does not match the predictor's dataset");
    unlink(path);
}
END_TEST

START_TEST(refuses_a_flipped_byte_and_a_cut_file)
{
    write_model_file();
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_gt(size, 5L << 20);
    /* one bit of a parameter in the fifth MiB */
    ck_assert_int_eq(fseek(f, (5L << 20) - 3, SEEK_SET), 0);
    int c = fgetc(f);
    ck_assert_int_eq(fseek(f, (5L << 20) - 3, SEEK_SET), 0);
    fputc(c ^ 0x10, f);
    ck_assert_int_eq(fclose(f), 0);
    expect_refusal(1, NITEMS, "checksum mismatch");
    expect_refusal(4, NITEMS, "checksum mismatch");
    ck_assert_int_eq(truncate(path, size - 8), 0);
    expect_refusal(4, NITEMS, "checksum mismatch");
    ck_assert_int_eq(truncate(path, 20), 0);
    expect_refusal(4, NITEMS, "too short");
    unlink(path);
    hc_model_file *mf = NULL;
    hc_error err;
    ck_assert_int_eq(hc_model_file_load(&mf, path, NITEMS, NWINDOWS, 2, &err), HC_ERR_IO);
    ck_assert_ptr_null(mf);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot open model file"));
}
END_TEST

static Suite *modelfile_suite(void)
{
    Suite *s = suite_create("modelfile");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, parallel_crc_equals_one_pass);
    tcase_add_test(tc, loads_what_was_written);
    tcase_add_test(tc, refuses_a_flipped_byte_and_a_cut_file);
    suite_add_tcase(s, tc);
    return s;
}

HC_CHECK_MAIN(modelfile_suite)

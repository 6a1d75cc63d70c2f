/* The model file: every (item, window) fit of a predictor.
 *
 * Layout (little-endian, the host order checked by a marker):
 *   header  32 bytes: "HCMODEL1", u32 version, u32 byte-order marker
 *           0x01020304, u32 nwindows, u32 reserved, u64 nitems
 *   entries nitems * nwindows, item-major in dataset order, window k = 0
 *           (newest) first; each a 16-byte head {u8 state, u8 0,
 *           u16 algorithm, u16 fallback, u16 0, u32 nparams, u32 0}
 *           followed by nparams doubles (so doubles stay 8-byte aligned)
 *   footer  8 bytes: u32 CRC-32 (zlib) of everything before, "HCE\0"
 * The version changes whenever the layout or a model's params change. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/crc.h"
#include "predictor/modelfile.h"

#define MODEL_MAGIC "HCMODEL1"
#define MODEL_VERSION 1u
#define BYTE_ORDER_MARK 0x01020304u
#define HEADER_SIZE 32
#define ENTRY_HEAD 16
#define FOOTER_SIZE 8

struct hc_model_file {
    unsigned char *data;
    size_t size;
    size_t nitems;
    int nwindows;
    hc_fit_view *views;
};

static void put_u16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static void put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get_u16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get_u32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get_u64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

int hc_model_entry_append(hc_buf *out, hc_window_state state,
                          const hc_fitted *fit)
{
    unsigned char head[ENTRY_HEAD] = {0};
    head[0] = (unsigned char)state;
    uint32_t nparams = 0;
    if (state == HC_WIN_FITTED && fit) {
        put_u16(head + 2, fit->algorithm);
        put_u16(head + 4, fit->fallback);
        nparams = fit->nparams;
    }
    put_u32(head + 8, nparams);
    if (hc_buf_append(out, (const char *)head, ENTRY_HEAD) != 0)
        return -1;
    if (nparams &&
        hc_buf_append(out, (const char *)fit->params, nparams * sizeof(double)) != 0)
        return -1;
    return 0;
}

struct hc_model_writer {
    FILE *fp;
    char *tmp_path;
    char *path;
    uLong crc;
};

static int write_bytes(hc_model_writer *w, const void *p, size_t n, hc_error *err)
{
    if (n == 0)
        return 0;
    if (fwrite(p, 1, n, w->fp) != n)
        return hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", w->tmp_path,
                            strerror(errno));
    w->crc = crc32(w->crc, p, (uInt)n);
    return 0;
}

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 1);
    if (p) {
        memcpy(p, a, la);
        memcpy(p + la, b, lb + 1);
    }
    return p;
}

int hc_model_writer_open(hc_model_writer **out, const char *path, size_t nitems,
                         int nwindows, hc_error *err)
{
    *out = NULL;
    hc_model_writer *w = calloc(1, sizeof *w);
    if (!w)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    w->path = concat(path, "");
    w->tmp_path = concat(path, ".tmp");
    if (!w->path || !w->tmp_path) {
        hc_model_writer_abort(w);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    w->fp = fopen(w->tmp_path, "wb");
    if (!w->fp) {
        int rc = hc_error_set(err, HC_ERR_IO, "cannot create %s: %s",
                              w->tmp_path, strerror(errno));
        hc_model_writer_abort(w);
        return rc;
    }
    /* stdio's default 4 KiB buffer meant a write(2) per few fits. */
    (void)setvbuf(w->fp, NULL, _IOFBF, 1u << 18);
    w->crc = crc32(0L, Z_NULL, 0);
    unsigned char head[HEADER_SIZE] = {0};
    memcpy(head, MODEL_MAGIC, 8);
    put_u32(head + 8, MODEL_VERSION);
    put_u32(head + 12, BYTE_ORDER_MARK);
    put_u32(head + 16, (uint32_t)nwindows);
    put_u64(head + 24, (uint64_t)nitems);
    int rc = write_bytes(w, head, sizeof head, err);
    if (rc) {
        hc_model_writer_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}

int hc_model_writer_append(hc_model_writer *w, const char *entries, size_t len,
                           hc_error *err)
{
    return write_bytes(w, entries, len, err);
}

int hc_model_writer_commit(hc_model_writer *w, hc_error *err)
{
    unsigned char foot[FOOTER_SIZE] = {0};
    put_u32(foot, (uint32_t)w->crc);
    memcpy(foot + 4, "HCE", 4);
    int rc = 0;
    if (fwrite(foot, 1, sizeof foot, w->fp) != sizeof foot ||
        fflush(w->fp) != 0 || fsync(fileno(w->fp)) != 0)
        rc = hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", w->tmp_path,
                          strerror(errno));
    if (fclose(w->fp) != 0 && rc == 0)
        rc = hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", w->tmp_path,
                          strerror(errno));
    w->fp = NULL;
    if (rc == 0 && rename(w->tmp_path, w->path) != 0)
        rc = hc_error_set(err, HC_ERR_IO, "cannot rename %s: %s", w->tmp_path,
                          strerror(errno));
    if (rc != 0)
        unlink(w->tmp_path);
    free(w->tmp_path);
    free(w->path);
    free(w);
    return rc;
}

void hc_model_writer_abort(hc_model_writer *w)
{
    if (!w)
        return;
    if (w->fp)
        fclose(w->fp);
    if (w->tmp_path)
        unlink(w->tmp_path);
    free(w->tmp_path);
    free(w->path);
    free(w);
}

static int corrupt(const char *path, const char *why, hc_error *err)
{
    return hc_error_set(err, HC_ERR_INTERNAL,
                        "model file %s is corrupt or truncated (%s); delete "
                        "and re-create the predictor", path, why);
}

int hc_model_file_load(hc_model_file **out, const char *path, size_t nitems,
                       int nwindows, int threads, hc_error *err)
{
    *out = NULL;
    int rc = 0;
    hc_model_file *mf = calloc(1, sizeof *mf);
    int fd = -1;
    if (!mf)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot open model file %s: %s", path,
                          strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < HEADER_SIZE + FOOTER_SIZE) {
        rc = corrupt(path, "too short", err);
        goto done;
    }
    /* Mapped, not read: the export and the accuracy pass right after
     * training find the file in the page cache, and a copy would only
     * fill fresh memory. The mapping is page-aligned, so the parameters
     * (at multiples of 8) are aligned doubles. hindcast replaces a model
     * file by renaming a new one over it and never truncates one in place,
     * so the mapping stays readable even if the predictor is deleted
     * meanwhile (a truncation by another program would end the process
     * with SIGBUS, as for the mapped snapshot and CSV input). */
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot map model file %s: %s", path,
                          strerror(errno));
        goto done;
    }
    mf->data = map;
    mf->size = (size_t)st.st_size;
    const unsigned char *d = mf->data;
    if (memcmp(d, MODEL_MAGIC, 8) != 0) {
        rc = corrupt(path, "not a hindcast model file", err);
        goto done;
    }
    if (get_u32(d + 8) != MODEL_VERSION) {
        rc = hc_error_set(err, HC_ERR_INTERNAL,
                          "model file %s has format version %u; this hindcast "
                          "reads version %u: re-create the predictor", path,
                          get_u32(d + 8), MODEL_VERSION);
        goto done;
    }
    if (get_u32(d + 12) != BYTE_ORDER_MARK) {
        rc = corrupt(path, "written on a machine of another byte order", err);
        goto done;
    }
    size_t body = mf->size - FOOTER_SIZE;
    uint32_t crc = hc_crc32_threads(d, body, threads);
    if (get_u32(d + body) != crc || memcmp(d + body + 4, "HCE", 4) != 0) {
        rc = corrupt(path, "checksum mismatch", err);
        goto done;
    }
    if (get_u32(d + 16) != (uint32_t)nwindows || get_u64(d + 24) != nitems) {
        rc = corrupt(path, "it does not match the predictor's dataset", err);
        goto done;
    }
    mf->nitems = nitems;
    mf->nwindows = nwindows;
    mf->views = calloc(nitems * (size_t)nwindows + 1, sizeof *mf->views);
    if (!mf->views) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t pos = HEADER_SIZE;
    for (size_t i = 0; i < nitems * (size_t)nwindows; i++) {
        if (body - pos < ENTRY_HEAD) {
            rc = corrupt(path, "entries cut short", err);
            goto done;
        }
        hc_fit_view *v = &mf->views[i];
        v->state = (hc_window_state)d[pos];
        v->algorithm = get_u16(d + pos + 2);
        v->fallback = get_u16(d + pos + 4);
        v->nparams = get_u32(d + pos + 8);
        pos += ENTRY_HEAD;
        if ((body - pos) / sizeof(double) < v->nparams) {
            rc = corrupt(path, "entries cut short", err);
            goto done;
        }
        v->params = (const double *)(const void *)(d + pos);
        pos += v->nparams * sizeof(double);
    }
    if (pos != body)
        rc = corrupt(path, "trailing bytes", err);
done:
    if (fd >= 0)
        close(fd);
    if (rc) {
        hc_model_file_free(mf);
        return rc;
    }
    *out = mf;
    return 0;
}

const hc_fit_view *hc_model_file_get(const hc_model_file *mf, size_t item, int k)
{
    return &mf->views[item * (size_t)mf->nwindows + (size_t)k];
}

void hc_model_file_free(hc_model_file *mf)
{
    if (!mf)
        return;
    free(mf->views);
    if (mf->data)
        munmap(mf->data, mf->size);
    free(mf);
}

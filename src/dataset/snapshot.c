/* Binary dataset snapshots; see hindcast/dataset.h.
 *
 * Layout, all integers little-endian, doubles as their IEEE-754 bits:
 *   0  "HCDATA01"            magic
 *   8  u32 version (1)
 *   12 u32 flags (0)
 *   16 u64 payload length P
 *   24 payload:
 *        u32 freq, u32 0, u64 ndims, u64 nseries, u64 nvalues, u64 nrows_read,
 *        i64 first_step, i64 end_step,
 *        ndims x string (dimension names),
 *        nseries x (i64 start, u64 length, u64 offset, string item_id,
 *                   ndims x string),
 *        nvalues x f64, nvalues x u8 filled
 *   24+P u32 CRC-32 (zlib) of bytes [0, 24+P)
 * A string is u32 length + bytes (no NUL). The file size must be exactly
 * 28 + P, which catches truncation before the CRC is even computed. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <zlib.h>

#include "core/memutil.h"
#include "dataset/dataset_internal.h"
#include "hindcast/dataset.h"
#include "hindcast/parallel.h"

#define SNAP_MAGIC "HCDATA01"
#define SNAP_VERSION 1u
#define SNAP_HEADER 24u
#define IO_BUF (1u << 16)

/* Doubles are stored as their bits, little-endian: on such a host the
 * in-memory array is already the file's bytes and moves in bulk. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LITTLE_ENDIAN 1
#else
#define HOST_LITTLE_ENDIAN 0
#endif

/* ---- writing ----------------------------------------------------------- */

typedef struct wr {
    FILE *f;
    uLong crc;
    unsigned char buf[IO_BUF];
    size_t n;
    int failed;
} wr;

static void wr_flush(wr *w)
{
    if (w->n == 0 || w->failed)
        return;
    w->crc = crc32(w->crc, w->buf, (uInt)w->n);
    if (fwrite(w->buf, 1, w->n, w->f) != w->n)
        w->failed = 1;
    w->n = 0;
}

static void wr_bytes(wr *w, const void *p, size_t n)
{
    const unsigned char *s = p;
    while (n) {
        if (w->n == IO_BUF)
            wr_flush(w);
        size_t k = IO_BUF - w->n < n ? IO_BUF - w->n : n;
        memcpy(w->buf + w->n, s, k);
        w->n += k;
        s += k;
        n -= k;
    }
}

static void wr_u32(wr *w, uint32_t x)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(x >> (8 * i));
    wr_bytes(w, b, 4);
}

static void wr_u64(wr *w, uint64_t x)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(x >> (8 * i));
    wr_bytes(w, b, 8);
}

static void wr_str(wr *w, const char *s)
{
    size_t n = strlen(s);
    wr_u32(w, (uint32_t)n);
    wr_bytes(w, s, n);
}

static uint64_t str_size(const char *s)
{
    return 4 + (uint64_t)strlen(s);
}

/* ---- the bulk regions, in parallel chunks ----------------------------------
 *
 * The values and the filled flags are almost all of a snapshot. They move
 * in chunks of about CHUNK bytes at known file offsets (pwrite/pread), on
 * any number of threads, each chunk with its own CRC-32; the CRCs are then
 * joined in file order with crc32_combine, so the file and its checksum
 * are the same for any thread count. */
#define CHUNK ((size_t)8 << 20)

typedef struct bulk {
    const hc_dataset *ds; /* save: the dataset, series in key order */
    double *values;       /* load: the arrays being filled */
    uint8_t *filled;
    int fd;
    uint64_t values_off;  /* file offset of the first value */
    uint64_t filled_off;
    size_t nvalues;
    /* save: values chunk c covers series [vfirst[c], vfirst[c+1]), starting
     * at value index vpos[c]; flag chunks likewise with ffirst/fpos. load:
     * chunk c covers bytes [c*CHUNK, ...) of its region. Values chunks come
     * first in the chunk numbering, then flag chunks. */
    size_t *vfirst, *ffirst;
    uint64_t *vpos, *fpos;
    size_t nvchunks, nfchunks;
    uLong *crc;           /* per chunk, values chunks first */
    uint64_t *len;
    int *status;          /* 0, or the errno of a failed I/O call */
    unsigned char *bad;   /* load: the chunk holds a flag other than 0 or 1 */
} bulk;

static int pwrite_all(int fd, const void *data, size_t n, uint64_t off)
{
    const char *p = data;
    while (n) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return ENOSPC;
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

/* 0, errno, or -1 for a file shorter than expected. */
static int pread_all(int fd, void *data, size_t n, uint64_t off)
{
    char *p = data;
    while (n) {
        ssize_t k = pread(fd, p, n, (off_t)off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return -1;
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

static uLong crc_of(uLong crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, b, k);
        b += k;
        n -= k;
    }
    return crc;
}

static void to_file_order(unsigned char *bytes, size_t nvalues)
{
    if (HOST_LITTLE_ENDIAN)
        return;
    for (size_t i = 0; i < nvalues; i++) {
        unsigned char *b = bytes + 8 * i;
        for (int k = 0; k < 4; k++) {
            unsigned char t = b[k];
            b[k] = b[7 - k];
            b[7 - k] = t;
        }
    }
}

/* Save chunk c: the values (or flags) of its series, gathered in key order
 * into one buffer, written at their offset. */
static int save_chunk(void *p, size_t c, int worker)
{
    bulk *b = p;
    (void)worker;
    int is_values = c < b->nvchunks;
    size_t cc = is_values ? c : c - b->nvchunks;
    const size_t *first = is_values ? b->vfirst : b->ffirst;
    size_t s0 = first[cc], s1 = first[cc + 1];
    size_t elem = is_values ? 8 : 1;
    size_t n = 0;
    for (size_t i = s0; i < s1; i++)
        n += b->ds->series[i].length;
    unsigned char *buf = malloc(n > 0 ? n * elem : 1);
    if (!buf) {
        b->status[c] = ENOMEM;
        return 1;
    }
    size_t k = 0;
    for (size_t i = s0; i < s1; i++) {
        const hc_series *s = &b->ds->series[i];
        if (is_values)
            memcpy(buf + k, b->ds->values + s->offset, s->length * 8);
        else
            memcpy(buf + k, b->ds->filled + s->offset, s->length);
        k += s->length * elem;
    }
    if (is_values)
        to_file_order(buf, n);
    uint64_t off = is_values ? b->values_off + b->vpos[cc] * 8 : b->filled_off + b->fpos[cc];
    b->crc[c] = crc_of(crc32(0L, Z_NULL, 0), buf, k);
    b->len[c] = k;
    b->status[c] = pwrite_all(b->fd, buf, k, off);
    free(buf);
    return b->status[c] ? 1 : 0;
}

/* Load chunk c: bytes straight into the arrays, checked and summed. */
static int load_chunk(void *p, size_t c, int worker)
{
    bulk *b = p;
    (void)worker;
    int is_values = c < b->nvchunks;
    size_t cc = is_values ? c : c - b->nvchunks;
    uint64_t total = is_values ? (uint64_t)b->nvalues * 8 : b->nvalues;
    uint64_t start = (uint64_t)cc * CHUNK;
    size_t n = (size_t)(total - start < CHUNK ? total - start : CHUNK);
    unsigned char *dst = is_values ? (unsigned char *)b->values + start : b->filled + start;
    b->status[c] = pread_all(b->fd, dst, n, (is_values ? b->values_off : b->filled_off) + start);
    if (b->status[c])
        return 1;
    b->crc[c] = crc_of(crc32(0L, Z_NULL, 0), dst, n);
    b->len[c] = n;
    if (is_values) {
        to_file_order(dst, n / 8); /* the same swap both ways */
    } else {
        for (size_t i = 0; i < n; i++)
            if (dst[i] > 1)
                b->bad[c] = 1;
    }
    return 0;
}

/* Splits the series into chunks of about CHUNK bytes (elem bytes a value):
 * first[] gets the boundaries, pos[] each chunk's first value index. */
static size_t split_series(const hc_dataset *ds, size_t elem, size_t *first,
                           uint64_t *pos)
{
    size_t n = 0, acc = 0;
    uint64_t at = 0;
    first[0] = 0;
    pos[0] = 0;
    for (size_t i = 0; i < ds->nseries; i++) {
        acc += ds->series[i].length * elem;
        at += ds->series[i].length;
        if (acc >= CHUNK || i + 1 == ds->nseries) {
            first[++n] = i + 1;
            pos[n] = at;
            acc = 0;
        }
    }
    return n;
}

int hc_dataset_save(const hc_dataset *ds, const char *path, hc_error *err)
{
    return hc_dataset_save_threads(ds, path, 1, err);
}

int hc_dataset_save_threads(const hc_dataset *ds, const char *path, int threads,
                            hc_error *err)
{
    hc_dataset_saving *s = NULL;
    int rc = hc_dataset_save_start(&s, ds, path, threads, err);
    return rc ? rc : hc_dataset_save_finish(s, err);
}

/* A snapshot written under its temporary name, being made durable. */
struct hc_dataset_saving {
    FILE *f;
    char *tmp, *path;
    pthread_t syncer;
    int syncing;      /* the syncer thread runs */
    int sync_errno;   /* its fsync's errno, 0 when it succeeded */
};

/* fsync waits on the disk, not on the CPU: run it beside the caller's
 * next work (training) rather than in front of it. */
static void *sync_main(void *arg)
{
    hc_dataset_saving *s = arg;
    int r;
    do
        r = fsync(fileno(s->f));
    while (r != 0 && errno == EINTR);
    s->sync_errno = r == 0 ? 0 : errno;
    return NULL;
}

static void saving_free(hc_dataset_saving *s)
{
    if (s->syncing) {
        pthread_join(s->syncer, NULL);
        s->syncing = 0;
    }
    if (s->f)
        fclose(s->f);
    free(s->tmp);
    free(s->path);
    free(s);
}

void hc_dataset_save_abort(hc_dataset_saving *s)
{
    if (!s)
        return;
    char *tmp = s->tmp;
    s->tmp = NULL;
    saving_free(s);
    if (tmp)
        remove(tmp);
    free(tmp);
}

int hc_dataset_save_finish(hc_dataset_saving *s, hc_error *err)
{
    int rc = 0;
    if (!s)
        return hc_error_set(err, HC_ERR_INTERNAL, "dataset save: nothing to finish");
    if (s->syncing) {
        pthread_join(s->syncer, NULL);
        s->syncing = 0;
    } else {
        sync_main(s);
    }
    if (s->sync_errno) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", s->tmp,
                          strerror(s->sync_errno));
        hc_dataset_save_abort(s);
        return rc;
    }
    int closed = fclose(s->f);
    s->f = NULL;
    if (closed != 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", s->tmp, strerror(errno));
        hc_dataset_save_abort(s);
        return rc;
    }
    if (rename(s->tmp, s->path) != 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot rename %s to %s: %s", s->tmp, s->path,
                          strerror(errno));
        hc_dataset_save_abort(s);
        return rc;
    }
    /* Make the rename itself durable; failure here loses nothing already
     * written, so it is not an error. */
    const char *slash = strrchr(s->path, '/');
    if (slash) {
        size_t dl = slash == s->path ? 1 : (size_t)(slash - s->path);
        memcpy(s->tmp, s->path, dl);
        s->tmp[dl] = '\0';
    } else {
        memcpy(s->tmp, ".", 2);
    }
    int dfd = open(s->tmp, O_RDONLY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    saving_free(s);
    return 0;
}

int hc_dataset_save_start(hc_dataset_saving **out, const hc_dataset *ds,
                          const char *path, int threads, hc_error *err)
{
    char *tmp = NULL;
    wr *w = NULL;
    int rc = 0;
    if (!ds || !path)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "dataset save: no dataset or path");
    size_t plen = strlen(path);
    for (size_t i = 0; i < ds->ndims; i++)
        if (strlen(ds->dim_names[i]) > UINT32_MAX)
            return hc_error_set(err, HC_ERR_INVALID_INPUT, "dataset save: name too long");
    if (!(tmp = malloc(plen + 5)) || !(w = calloc(1, sizeof *w))) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory saving %s", path);
        goto done;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);

    uint64_t payload = 8 + 6 * 8;
    for (size_t d = 0; d < ds->ndims; d++)
        payload += str_size(ds->dim_names[d]);
    for (size_t i = 0; i < ds->nseries; i++) {
        payload += 24 + str_size(ds->series[i].item_id);
        for (size_t d = 0; d < ds->ndims; d++)
            payload += str_size(ds->series[i].dims[d]);
    }
    payload += (uint64_t)ds->nvalues * 9;

    w->f = fopen(tmp, "wb");
    if (!w->f) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    w->crc = crc32(0L, Z_NULL, 0);
    wr_bytes(w, SNAP_MAGIC, 8);
    wr_u32(w, SNAP_VERSION);
    wr_u32(w, 0);
    wr_u64(w, payload);
    wr_u32(w, (uint32_t)ds->freq);
    wr_u32(w, 0);
    wr_u64(w, ds->ndims);
    wr_u64(w, ds->nseries);
    wr_u64(w, ds->nvalues);
    wr_u64(w, ds->nrows_read);
    wr_u64(w, (uint64_t)ds->first_step);
    wr_u64(w, (uint64_t)ds->end_step);
    for (size_t d = 0; d < ds->ndims; d++)
        wr_str(w, ds->dim_names[d]);
    /* Values go out in series (key) order whatever their order in memory
     * (a read lays items out in file order), so the file is the same for
     * the same data and a load gets them in key order. */
    uint64_t off = 0;
    for (size_t i = 0; i < ds->nseries; i++) {
        const hc_series *s = &ds->series[i];
        wr_u64(w, (uint64_t)s->start);
        wr_u64(w, s->length);
        wr_u64(w, off);
        wr_str(w, s->item_id);
        for (size_t d = 0; d < ds->ndims; d++)
            wr_str(w, s->dims[d]);
        off += s->length;
    }
    /* The header and the table went through the buffer; the bulk regions
     * follow at known offsets, then the CRC of everything before it. */
    wr_flush(w);
    if (!w->failed && fflush(w->f) != 0)
        w->failed = 1;
    if (!w->failed) {
        uint64_t head = SNAP_HEADER + payload - (uint64_t)ds->nvalues * 9;
        size_t maxchunks = 2 * (ds->nseries + 1);
        bulk b;
        memset(&b, 0, sizeof b);
        b.ds = ds;
        b.fd = fileno(w->f);
        b.values_off = head;
        b.filled_off = head + (uint64_t)ds->nvalues * 8;
        b.vfirst = malloc((ds->nseries + 2) * sizeof *b.vfirst);
        b.ffirst = malloc((ds->nseries + 2) * sizeof *b.ffirst);
        b.vpos = malloc((ds->nseries + 2) * sizeof *b.vpos);
        b.fpos = malloc((ds->nseries + 2) * sizeof *b.fpos);
        b.crc = malloc(maxchunks * sizeof *b.crc);
        b.len = malloc(maxchunks * sizeof *b.len);
        b.status = calloc(maxchunks ? maxchunks : 1, sizeof *b.status);
        if (!b.vfirst || !b.ffirst || !b.vpos || !b.fpos || !b.crc || !b.len ||
            !b.status) {
            errno = ENOMEM;
            w->failed = 1;
        } else {
            b.nvchunks = ds->nseries ? split_series(ds, 8, b.vfirst, b.vpos) : 0;
            b.nfchunks = ds->nseries ? split_series(ds, 1, b.ffirst, b.fpos) : 0;
            if (hc_parallel_for(b.nvchunks + b.nfchunks, threads, save_chunk, &b) != 0) {
                for (size_t c = 0; c < b.nvchunks + b.nfchunks; c++)
                    if (b.status[c]) {
                        errno = b.status[c];
                        break;
                    }
                w->failed = 1;
            } else {
                for (size_t c = 0; c < b.nvchunks + b.nfchunks; c++)
                    w->crc = crc32_combine(w->crc, b.crc[c], (z_off_t)b.len[c]);
                unsigned char cb[4];
                for (int i = 0; i < 4; i++)
                    cb[i] = (unsigned char)(w->crc >> (8 * i));
                int e = pwrite_all(b.fd, cb, 4, b.filled_off + ds->nvalues);
                if (e) {
                    errno = e;
                    w->failed = 1;
                }
            }
        }
        free(b.vfirst);
        free(b.ffirst);
        free(b.vpos);
        free(b.fpos);
        free(b.crc);
        free(b.len);
        free(b.status);
    }
    if (w->failed || fflush(w->f) != 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        fclose(w->f);
        w->f = NULL;
        remove(tmp);
        goto done;
    }
    hc_dataset_saving *sv = calloc(1, sizeof *sv);
    char *pathcopy = malloc(plen + 1);
    if (!sv || !pathcopy) {
        free(sv);
        free(pathcopy);
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory saving %s", path);
        fclose(w->f);
        w->f = NULL;
        remove(tmp);
        goto done;
    }
    memcpy(pathcopy, path, plen + 1);
    sv->f = w->f;
    w->f = NULL;
    sv->tmp = tmp;
    tmp = NULL;
    sv->path = pathcopy;
    sv->syncing = pthread_create(&sv->syncer, NULL, sync_main, sv) == 0;
    *out = sv;
done:
    if (w && w->f)
        fclose(w->f);
    free(w);
    free(tmp);
    return rc;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct rd {
    FILE *f;
    uLong crc;
    uint64_t left; /* payload bytes not read yet */
    int short_read;
} rd;

static int rd_bytes(rd *r, void *dst, size_t n)
{
    if (n > r->left || fread(dst, 1, n, r->f) != n) {
        r->short_read = 1;
        return -1;
    }
    r->left -= n;
    unsigned char *p = dst;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        r->crc = crc32(r->crc, p, k);
        p += k;
        n -= k;
    }
    return 0;
}

static int rd_u32(rd *r, uint32_t *x)
{
    unsigned char b[4];
    if (rd_bytes(r, b, 4))
        return -1;
    *x = 0;
    for (int i = 0; i < 4; i++)
        *x |= (uint32_t)b[i] << (8 * i);
    return 0;
}

static int rd_u64(rd *r, uint64_t *x)
{
    unsigned char b[8];
    if (rd_bytes(r, b, 8))
        return -1;
    *x = 0;
    for (int i = 0; i < 8; i++)
        *x |= (uint64_t)b[i] << (8 * i);
    return 0;
}

/* Appends a string to the growing pool; its offset goes to *off. */
static int rd_str(rd *r, char **pool, size_t *len, size_t *cap, size_t *off)
{
    uint32_t n;
    if (rd_u32(r, &n) || n > r->left)
        return -1;
    if (hc_grow_array((void **)pool, cap, *len + n + 1, 1))
        return -2;
    if (rd_bytes(r, *pool + *len, n))
        return -1;
    if (memchr(*pool + *len, '\0', n))
        return -1;
    (*pool)[*len + n] = '\0';
    *off = *len;
    *len += n + 1;
    return 0;
}

int hc_dataset_load(hc_dataset **out, const char *path, hc_error *err)
{
    return hc_dataset_load_threads(out, path, 1, err);
}

int hc_dataset_load_threads(hc_dataset **out, const char *path, int threads,
                            hc_error *err)
{
    rd r = {NULL, 0, 0, 0};
    hc_dataset *ds = NULL;
    char *pool = NULL;
    size_t poollen = 0, poolcap = 0;
    size_t *offs = NULL;
    int rc = 0;
    const char *why = NULL;
    if (out)
        *out = NULL;
    if (!out || !path)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "dataset load: no path");

    r.f = fopen(path, "rb");
    if (!r.f) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fileno(r.f), &st) != 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
        goto done;
    }
    r.crc = crc32(0L, Z_NULL, 0);
    r.left = SNAP_HEADER;
    unsigned char magic[8];
    uint32_t version, flags;
    uint64_t payload;
    if (rd_bytes(&r, magic, 8) || memcmp(magic, SNAP_MAGIC, 8) != 0) {
        why = "not a dataset snapshot (bad magic)";
        goto corrupt;
    }
    if (rd_u32(&r, &version) || rd_u32(&r, &flags) || rd_u64(&r, &payload)) {
        why = "header cut short";
        goto corrupt;
    }
    if (version != SNAP_VERSION) {
        rc = hc_error_set(err, HC_ERR_INTERNAL,
                          "%s: corrupt or truncated dataset snapshot: format version %u, this build reads %u",
                          path, version, SNAP_VERSION);
        goto done;
    }
    if (flags != 0 || payload > UINT64_MAX - 64 ||
        (uint64_t)st.st_size != SNAP_HEADER + payload + 4) {
        why = "file size does not match its header";
        goto corrupt;
    }
    r.left = payload;

    uint32_t freq, pad;
    uint64_t ndims, nseries, nvalues, nrows, first, end;
    if (rd_u32(&r, &freq) || rd_u32(&r, &pad) || rd_u64(&r, &ndims) ||
        rd_u64(&r, &nseries) || rd_u64(&r, &nvalues) || rd_u64(&r, &nrows) ||
        rd_u64(&r, &first) || rd_u64(&r, &end)) {
        why = "payload cut short";
        goto corrupt;
    }
    /* Counts must fit in the payload before anything is allocated. */
    if (freq >= HC_FREQ_COUNT || pad != 0 || ndims > payload / 4 ||
        nseries > payload / 28 || nvalues > payload / 9 ||
        (ndims && nseries > payload / 4 / ndims)) {
        why = "impossible counts";
        goto corrupt;
    }
    rc = ds_create(&ds, (hc_freq)freq, (size_t)ndims, (size_t)nseries,
                   (size_t)nvalues, err);
    if (rc)
        goto done;
    ds->nrows_read = (size_t)nrows;
    ds->first_step = (int64_t)first;
    ds->end_step = (int64_t)end;
    size_t nstr = (size_t)(ndims + nseries * (1 + ndims));
    if (!(offs = malloc((nstr ? nstr : 1) * sizeof *offs)))
        goto nomem;
    size_t k = 0;
    for (size_t d = 0; d < ndims; d++) {
        int e = rd_str(&r, &pool, &poollen, &poolcap, &offs[k++]);
        if (e == -2)
            goto nomem;
        if (e) {
            why = "bad dimension name";
            goto corrupt;
        }
    }
    uint64_t expect_off = 0;
    for (size_t i = 0; i < nseries; i++) {
        hc_series *s = &ds->series[i];
        uint64_t start, length, offset;
        if (rd_u64(&r, &start) || rd_u64(&r, &length) || rd_u64(&r, &offset) ||
            length == 0 || offset != expect_off || length > nvalues - offset) {
            why = "bad series table";
            goto corrupt;
        }
        expect_off += length;
        s->start = (int64_t)start;
        s->length = (size_t)length;
        s->offset = (size_t)offset;
        for (size_t d = 0; d <= ndims; d++) {
            int e = rd_str(&r, &pool, &poollen, &poolcap, &offs[k++]);
            if (e == -2)
                goto nomem;
            if (e) {
                why = "bad item key";
                goto corrupt;
            }
        }
    }
    if (expect_off != nvalues) {
        why = "series do not cover the values";
        goto corrupt;
    }
    /* The bulk regions: straight from the file into the arrays, in
     * parallel chunks (stdio has read ahead: offsets come from what the
     * table consumed, not from the stream position). */
    if (r.left != (uint64_t)nvalues * 9) {
        why = "unexpected bytes at the end of the payload";
        goto corrupt;
    }
    {
        bulk b;
        memset(&b, 0, sizeof b);
        b.values = ds->values;
        b.filled = ds->filled;
        b.fd = fileno(r.f);
        b.nvalues = (size_t)nvalues;
        b.values_off = SNAP_HEADER + payload - r.left;
        b.filled_off = b.values_off + (uint64_t)nvalues * 8;
        b.nvchunks = (size_t)((nvalues * 8 + CHUNK - 1) / CHUNK);
        b.nfchunks = (size_t)((nvalues + CHUNK - 1) / CHUNK);
        size_t nchunks = b.nvchunks + b.nfchunks;
        b.crc = malloc((nchunks ? nchunks : 1) * sizeof *b.crc);
        b.len = malloc((nchunks ? nchunks : 1) * sizeof *b.len);
        b.status = calloc(nchunks ? nchunks : 1, sizeof *b.status);
        b.bad = calloc(nchunks ? nchunks : 1, 1);
        int failed = !b.crc || !b.len || !b.status || !b.bad;
        if (!failed && hc_parallel_for(nchunks, threads, load_chunk, &b) != 0)
            failed = 2;
        uLong crc = r.crc;
        for (size_t c = 0; !failed && c < nchunks; c++)
            crc = crc32_combine(crc, b.crc[c], (z_off_t)b.len[c]);
        int io = 0, bad_flag = 0;
        for (size_t c = 0; failed == 2 && c < nchunks; c++)
            if (b.status[c])
                io = b.status[c];
        for (size_t c = 0; !failed && c < nchunks; c++)
            bad_flag |= b.bad[c];
        free(b.bad);
        free(b.crc);
        free(b.len);
        free(b.status);
        if (failed == 1)
            goto nomem;
        if (failed) {
            if (io > 0) {
                rc = hc_error_set(err, HC_ERR_IO, "cannot read %s: %s", path, strerror(io));
                goto done;
            }
            why = "values cut short";
            goto corrupt;
        }
        unsigned char cb[4];
        int e = pread_all(b.fd, cb, 4, b.filled_off + nvalues);
        uint32_t stored = (uint32_t)cb[0] | (uint32_t)cb[1] << 8 |
                          (uint32_t)cb[2] << 16 | (uint32_t)cb[3] << 24;
        if (e || stored != (uint32_t)crc) {
            why = "CRC mismatch";
            goto corrupt;
        }
        if (bad_flag) {
            why = "bad filled flag";
            goto corrupt;
        }
    }
    /* Pointers into the pool only now: it moved while it grew. */
    ds_adopt_pool(ds, pool, poolcap);
    k = 0;
    for (size_t d = 0; d < ndims; d++)
        ds->dim_names[d] = pool + offs[k++];
    for (size_t i = 0; i < nseries; i++) {
        ds->series[i].item_id = pool + offs[k++];
        for (size_t d = 0; d < ndims; d++)
            ((const char **)ds->series[i].dims)[d] = pool + offs[k++];
    }
    pool = NULL;
    *out = ds;
    ds = NULL;
    goto done;
corrupt:
    rc = hc_error_set(err, HC_ERR_INTERNAL, "%s: corrupt or truncated dataset snapshot: %s",
                      path, why);
    goto done;
nomem:
    rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory loading %s", path);
done:
    if (r.f)
        fclose(r.f);
    free(pool);
    free(offs);
    hc_dataset_free(ds);
    return rc;
}

/* Binary dataset snapshots; see hindcast/dataset.h.
 *
 * Layout, all integers little-endian, doubles as their IEEE-754 bits:
 *   0  "HCDATA01"            magic
 *   8  u32 version (2; version 1 files still load)
 *   12 u32 flags (0)
 *   16 u64 payload length P
 *   24 payload:
 *        u32 freq, u32 0, u64 ndims, u64 nseries, u64 nvalues, u64 nrows_read,
 *        i64 first_step, i64 end_step,
 *        ndims x string (dimension names),
 *        nseries x (i64 start, u64 length, u64 offset, u8 encoding, u8 scale,
 *                   string item_id, ndims x string),
 *        values region: each series' values in its encoding, key order,
 *        flags region: u8 filled for each value of the series whose
 *                      encoding has ENC_FLAGS, key order
 *   24+P u32 CRC-32 (zlib) of bytes [0, 24+P)
 * encoding: bits 0-1 the width (0: f64 bits, 1/2/3: signed 8/16/32-bit
 * integers m, value m / 10^scale), bit 2 ENC_FLAGS; see "value encodings".
 * Version 1 had no encoding bytes: every series was f64 with flags.
 * A string is u32 length + bytes (no NUL). The file size must be exactly
 * 28 + P, which catches truncation before the CRC is even computed. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <zlib.h>

#include "core/crc.h"
#include "core/memutil.h"
#include "dataset/dataset_internal.h"
#include "hindcast/dataset.h"
#include "hindcast/parallel.h"

#define SNAP_MAGIC "HCDATA01"
#define SNAP_VERSION 2u
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

/* ---- raw I/O -------------------------------------------------------------- */

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

/* ---- value encodings ------------------------------------------------------
 *
 * Values read from CSV text are short decimals: 14.934 is the double
 * nearest to 14934 / 10^3. Such a series is stored as the integers m with
 * the series' scale k, in 1, 2 or 4 bytes, and loads back as m / 10^k:
 * both operands are exact doubles, so IEEE division gives the nearest
 * double to the decimal, which is the value the reader parsed. The plan
 * below picks k only where that division gives back every value's bits, so
 * the encoding is lossless; any other series (NaN, infinities, -0, values
 * from mean fills, more than 9-10 significant digits) is stored as raw
 * doubles. Smaller snapshots are written, synced and read back faster
 * (a daily demo dataset shrinks from 9 to 4 bytes a value). */
enum {
    ENC_F64 = 0,
    ENC_I8 = 1,
    ENC_I16 = 2,
    ENC_I32 = 3,
    ENC_WIDTH_MASK = 3,
    ENC_FLAGS = 4, /* the series has filled values: its flags are stored */
};
#define MAX_SCALE 15

static const double pow10_table[MAX_SCALE + 1] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

typedef struct series_code {
    uint8_t enc;
    uint8_t scale;
} series_code;

static size_t enc_width(uint8_t enc)
{
    static const unsigned char width[4] = {8, 1, 2, 4};
    return width[enc & ENC_WIDTH_MASK];
}

/* t rounded to the nearest integer (ties to even) for |t| < 2^51: adding
 * and subtracting 1.5 * 2^52 leaves no fraction bits. nearbyint() is a
 * libm call that saves and restores the FP environment on x86-64 without
 * SSE4.1, several times the cost of the rest of a value's check. */
static double round_small(double t)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    const double shift = 6755399441055744.0;
    return (t + shift) - shift;
#else
    return nearbyint(t); /* wider intermediates would keep the fraction */
#endif
}

/* x == m / 10^k for the integer m nearest x * 10^k, |m| < 2^31. */
static int decimal_fits(double x, int k)
{
    double t = x * pow10_table[k];
    if (!(fabs(t) <= 2147483647.0))
        return 0;
    return round_small(t) / pow10_table[k] == x && !(x == 0.0 && signbit(x));
}

/* If x == m0 / 10^k0 then, for k > k0 with |m0 * 10^(k-k0)| < 2^31, also
 * x == (m0 * 10^(k-k0)) / 10^k: the product x * 10^k lies within far less
 * than 0.5 of that integer, and the division rounds the same real number.
 * So one pass that raises k whenever a value needs it, then a range check
 * of the smallest and largest value at the final k (m is monotone in x),
 * proves every value round-trips. */
static series_code plan_series(const double *v, const uint8_t *filled, size_t n)
{
    series_code c = {ENC_F64, 0};
    int k = 0;
    double lo = v[0], hi = v[0];
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        while (!decimal_fits(x, k))
            if (++k > MAX_SCALE) {
                k = -1;
                break;
            }
        if (k < 0)
            break;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    if (k >= 0) {
        double mlo = round_small(lo * pow10_table[k]), mhi = round_small(hi * pow10_table[k]);
        if (mlo >= -2147483647.0 && mhi <= 2147483647.0) {
            c.scale = (uint8_t)k;
            c.enc = mlo >= -128.0 && mhi <= 127.0       ? ENC_I8
                    : mlo >= -32768.0 && mhi <= 32767.0 ? ENC_I16
                                                        : ENC_I32;
        }
    }
    if (filled)
        for (size_t i = 0; i < n; i++)
            if (filled[i]) {
                c.enc |= ENC_FLAGS;
                break;
            }
    return c;
}

/* n values in the series' encoding, little-endian, into out. */
static void encode_values(const double *v, size_t n, series_code c, unsigned char *out)
{
    size_t w = enc_width(c.enc);
    if (w == 8) {
        memcpy(out, v, n * 8);
        to_file_order(out, n);
        return;
    }
    double p = pow10_table[c.scale];
    for (size_t i = 0; i < n; i++) {
        uint32_t m = (uint32_t)(int32_t)round_small(v[i] * p);
        for (size_t b = 0; b < w; b++)
            out[i * w + b] = (unsigned char)(m >> (8 * b));
    }
}

static int32_t stored_int(const unsigned char *in, size_t i, size_t w)
{
    if (w == 1)
        return (int8_t)in[i];
    if (w == 2)
        return (int16_t)(uint16_t)(in[2 * i] | in[2 * i + 1] << 8);
    const unsigned char *b = in + 4 * i;
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24);
}

/* Four divisions at once (vector lanes are IEEE divisions like the scalar
 * one, so the bits are the same); decoding is most of an export's reading. */
typedef double dec_v4d __attribute__((vector_size(32)));

#define DECODE_LOOP(W)                                                             \
    for (; i + 4 <= n; i += 4) {                                                   \
        dec_v4d m = {(double)stored_int(in, i, W), (double)stored_int(in, i + 1, W), \
                     (double)stored_int(in, i + 2, W),                             \
                     (double)stored_int(in, i + 3, W)};                            \
        dec_v4d r = m / pv;                                                        \
        memcpy(v + i, &r, sizeof r);                                               \
    }

static void decode_values(const unsigned char *in, size_t n, series_code c, double *v)
{
    size_t w = enc_width(c.enc);
    if (w == 8) {
        memcpy(v, in, n * 8);
        to_file_order((unsigned char *)v, n);
        return;
    }
    double p = pow10_table[c.scale];
    dec_v4d pv = {p, p, p, p};
    size_t i = 0;
    /* One loop per width, so the width is a constant inside it. */
    if (w == 1)
        DECODE_LOOP(1)
    else if (w == 2)
        DECODE_LOOP(2)
    else
        DECODE_LOOP(4)
    for (; i < n; i++)
        v[i] = (double)stored_int(in, i, w) / p;
}

/* ---- the bulk regions, in parallel chunks ----------------------------------
 *
 * The values and the filled flags are almost all of a snapshot. Each is a
 * region of the file: the values of every series in key order, each in its
 * encoding, then the flags of the series that have any (ENC_FLAGS). They
 * move in chunks of whole series, about CHUNK bytes each, at known file
 * offsets (pwrite/pread), on any number of threads, each chunk with its own
 * CRC-32; the CRCs are then joined in file order with crc32_combine, so the
 * file and its checksum are the same for any thread count. */
#define CHUNK ((size_t)1 << 20)

enum { REGION_VALUES = 0, REGION_FLAGS = 1 };

typedef struct bulk {
    const hc_dataset *ds; /* the dataset: saved from, or loaded into */
    const series_code *code;
    int fd;
    uint64_t region_off[2];
    /* chunk c of region r covers series [first[r][c], first[r][c+1]) and
     * the region's bytes [pos[r][c], pos[r][c+1]); values chunks come first
     * in the chunk numbering, then flag chunks. */
    size_t *first[2];
    uint64_t *pos[2];
    size_t nchunks[2];
    uLong *crc; /* per chunk */
    uint64_t *len;
    int *status;        /* 0, or the errno of a failed I/O call */
    unsigned char *bad; /* load: the chunk holds a flag other than 0 or 1 */
    const unsigned char *map; /* open: the mapped file */
} bulk;

/* Where an opened snapshot keeps a series (see ds_internal). */
struct ds_encoded {
    uint64_t values_off;
    uint64_t flags_off; /* UINT64_MAX: no flags stored, none filled */
    series_code code;
};

static uint64_t region_bytes(const hc_series *s, series_code c, int region)
{
    if (region == REGION_VALUES)
        return (uint64_t)s->length * enc_width(c.enc);
    return (c.enc & ENC_FLAGS) ? s->length : 0;
}

/* Splits a region into chunks of whole series, about CHUNK bytes each.
 * Returns the chunk count, or (size_t)-1 when out of memory. */
static size_t split_region(bulk *b, int region)
{
    const hc_dataset *ds = b->ds;
    size_t *first = malloc((ds->nseries + 2) * sizeof *first);
    uint64_t *pos = malloc((ds->nseries + 2) * sizeof *pos);
    b->first[region] = first;
    b->pos[region] = pos;
    if (!first || !pos)
        return (size_t)-1;
    size_t n = 0;
    uint64_t acc = 0, at = 0;
    first[0] = 0;
    pos[0] = 0;
    for (size_t i = 0; i < ds->nseries; i++) {
        uint64_t k = region_bytes(&ds->series[i], b->code[i], region);
        acc += k;
        at += k;
        if (acc >= CHUNK || (i + 1 == ds->nseries && acc > 0)) {
            first[++n] = i + 1;
            pos[n] = at;
            acc = 0;
        }
    }
    return n;
}

static void bulk_free(bulk *b)
{
    for (int r = 0; r < 2; r++) {
        free(b->first[r]);
        free(b->pos[r]);
    }
    free(b->crc);
    free(b->len);
    free(b->status);
    free(b->bad);
}

/* Lays out both regions and the per-chunk arrays; 0, or -1 out of memory. */
static int bulk_layout(bulk *b)
{
    for (int r = 0; r < 2; r++) {
        b->nchunks[r] = split_region(b, r);
        if (b->nchunks[r] == (size_t)-1)
            return -1;
    }
    size_t n = b->nchunks[0] + b->nchunks[1] + 1;
    b->crc = malloc(n * sizeof *b->crc);
    b->len = malloc(n * sizeof *b->len);
    b->status = calloc(n, sizeof *b->status);
    b->bad = calloc(n, 1);
    return b->crc && b->len && b->status && b->bad ? 0 : -1;
}

/* Chunk c: its region, its series [s0, s1) and its bytes [off, off + n)
 * of the region. */
typedef struct chunk_span {
    int region;
    size_t s0, s1;
    uint64_t off;
    size_t n;
} chunk_span;

static chunk_span span_of(const bulk *b, size_t c)
{
    chunk_span sp;
    sp.region = c < b->nchunks[0] ? REGION_VALUES : REGION_FLAGS;
    size_t cc = sp.region == REGION_VALUES ? c : c - b->nchunks[0];
    sp.s0 = b->first[sp.region][cc];
    sp.s1 = b->first[sp.region][cc + 1];
    sp.off = b->pos[sp.region][cc];
    sp.n = (size_t)(b->pos[sp.region][cc + 1] - sp.off);
    return sp;
}

/* Save chunk c: its series encoded in key order into one buffer, written
 * at its offset. */
static int save_chunk(void *p, size_t c, int worker)
{
    bulk *b = p;
    (void)worker;
    chunk_span sp = span_of(b, c);
    unsigned char *buf = malloc(sp.n > 0 ? sp.n : 1);
    if (!buf) {
        b->status[c] = ENOMEM;
        return 1;
    }
    size_t k = 0;
    for (size_t i = sp.s0; i < sp.s1; i++) {
        const hc_series *s = &b->ds->series[i];
        if (sp.region == REGION_VALUES)
            encode_values(b->ds->values + s->offset, s->length, b->code[i], buf + k);
        else if (b->code[i].enc & ENC_FLAGS)
            memcpy(buf + k, b->ds->filled + s->offset, s->length);
        k += (size_t)region_bytes(s, b->code[i], sp.region);
    }
    b->crc[c] = hc_crc32_more(0, buf, k);
    b->len[c] = k;
    b->status[c] = pwrite_all(b->fd, buf, k, b->region_off[sp.region] + sp.off);
    free(buf);
    return b->status[c] ? 1 : 0;
}

/* Load chunk c: read, summed, then decoded into the dataset's arrays. */
static int load_chunk(void *p, size_t c, int worker)
{
    bulk *b = p;
    (void)worker;
    chunk_span sp = span_of(b, c);
    unsigned char *buf = malloc(sp.n > 0 ? sp.n : 1);
    if (!buf) {
        b->status[c] = ENOMEM;
        return 1;
    }
    b->status[c] = pread_all(b->fd, buf, sp.n, b->region_off[sp.region] + sp.off);
    if (b->status[c]) {
        free(buf);
        return 1;
    }
    b->crc[c] = hc_crc32_more(0, buf, sp.n);
    b->len[c] = sp.n;
    size_t k = 0;
    for (size_t i = sp.s0; i < sp.s1; i++) {
        const hc_series *s = &b->ds->series[i];
        size_t len = (size_t)region_bytes(s, b->code[i], sp.region);
        if (sp.region == REGION_VALUES) {
            decode_values(buf + k, s->length, b->code[i], b->ds->values + s->offset);
        } else if (len) {
            for (size_t j = 0; j < len; j++)
                b->bad[c] |= buf[k + j] > 1;
            memcpy(b->ds->filled + s->offset, buf + k, len);
        }
        k += len;
    }
    free(buf);
    return 0;
}

/* Open chunk c: the mapped bytes summed and the flags checked, nothing
 * decoded. */
static int verify_chunk(void *p, size_t c, int worker)
{
    bulk *b = p;
    (void)worker;
    chunk_span sp = span_of(b, c);
    const unsigned char *bytes = b->map + b->region_off[sp.region] + sp.off;
    b->crc[c] = hc_crc32_more(0, bytes, sp.n);
    b->len[c] = sp.n;
    if (sp.region == REGION_FLAGS) {
        unsigned char bad = 0;
        for (size_t j = 0; j < sp.n; j++)
            bad |= bytes[j] > 1;
        b->bad[c] = bad;
    }
    return 0;
}

/* Plans the encoding of series [g * PLAN_GROUP, ...): one task. */
#define PLAN_GROUP 64
typedef struct plan_work {
    const hc_dataset *ds;
    series_code *code;
} plan_work;

static int plan_group(void *p, size_t g, int worker)
{
    plan_work *w = p;
    (void)worker;
    size_t end = (g + 1) * PLAN_GROUP;
    if (end > w->ds->nseries)
        end = w->ds->nseries;
    for (size_t i = g * PLAN_GROUP; i < end; i++) {
        const hc_series *s = &w->ds->series[i];
        w->code[i] = plan_series(w->ds->values + s->offset,
                                 w->ds->filled ? w->ds->filled + s->offset : NULL, s->length);
    }
    return 0;
}

/* Plans every series' encoding on `threads` threads, then lays out. */
static int bulk_layout_planned(bulk *b, plan_work *pw, int threads)
{
    size_t groups = (b->ds->nseries + PLAN_GROUP - 1) / PLAN_GROUP;
    if (hc_parallel_for(groups, threads, plan_group, pw) != 0)
        return -1;
    return bulk_layout(b);
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
    bulk b;
    memset(&b, 0, sizeof b);
    series_code *code = NULL;
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

    /* Each series' encoding first: the table records it and the regions'
     * sizes follow from it. */
    b.ds = ds;
    code = malloc((ds->nseries ? ds->nseries : 1) * sizeof *code);
    b.code = code;
    plan_work pw = {ds, code};
    if (!code || bulk_layout_planned(&b, &pw, threads) != 0) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory saving %s", path);
        goto done;
    }
    uint64_t bulk_bytes = b.pos[REGION_VALUES][b.nchunks[REGION_VALUES]] +
                          b.pos[REGION_FLAGS][b.nchunks[REGION_FLAGS]];
    uint64_t payload = 8 + 6 * 8;
    for (size_t d = 0; d < ds->ndims; d++)
        payload += str_size(ds->dim_names[d]);
    for (size_t i = 0; i < ds->nseries; i++) {
        payload += 26 + str_size(ds->series[i].item_id);
        for (size_t d = 0; d < ds->ndims; d++)
            payload += str_size(ds->series[i].dims[d]);
    }
    payload += bulk_bytes;

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
        unsigned char ec[2] = {code[i].enc, code[i].scale};
        wr_bytes(w, ec, 2);
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
        b.fd = fileno(w->f);
        b.region_off[REGION_VALUES] = SNAP_HEADER + payload - bulk_bytes;
        b.region_off[REGION_FLAGS] =
            b.region_off[REGION_VALUES] + b.pos[REGION_VALUES][b.nchunks[REGION_VALUES]];
        size_t nchunks = b.nchunks[REGION_VALUES] + b.nchunks[REGION_FLAGS];
        if (hc_parallel_for(nchunks, threads, save_chunk, &b) != 0) {
            for (size_t c = 0; c < nchunks; c++)
                if (b.status[c]) {
                    errno = b.status[c];
                    break;
                }
            w->failed = 1;
        } else {
            for (size_t c = 0; c < nchunks; c++)
                w->crc = crc32_combine(w->crc, b.crc[c], (z_off_t)b.len[c]);
            unsigned char cb[4];
            for (int i = 0; i < 4; i++)
                cb[i] = (unsigned char)(w->crc >> (8 * i));
            int e = pwrite_all(b.fd, cb, 4, SNAP_HEADER + payload);
            if (e) {
                errno = e;
                w->failed = 1;
            }
        }
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
    bulk_free(&b);
    free(code);
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
    r->crc = hc_crc32_more((uint32_t)r->crc, dst, n);
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

/* Loads (mapped == 0: values decoded into the arrays) or opens (mapped:
 * the file stays mapped, values decoded on demand) a snapshot. */
static int load_snapshot(hc_dataset **out, const char *path, int threads, int mapped,
                         hc_error *err)
{
    rd r = {NULL, 0, 0, 0};
    void *map = NULL;
    size_t map_len = 0;
    ds_encoded *encoded = NULL;
    hc_dataset *ds = NULL;
    char *pool = NULL;
    size_t poollen = 0, poolcap = 0;
    size_t *offs = NULL;
    series_code *code = NULL;
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
    if (version < 1 || version > SNAP_VERSION) {
        rc = hc_error_set(err, HC_ERR_INTERNAL,
                          "%s: corrupt or truncated dataset snapshot: format version %u, this build reads 1 to %u",
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
    /* Version 1 stored every value as 8 bytes plus a flag byte; version 2
     * at least one byte a value and a 2-byte encoding in each table entry. */
    uint64_t min_value_bytes = version == 1 ? 9 : 1, min_entry = version == 1 ? 28 : 30;
    if (freq >= HC_FREQ_COUNT || pad != 0 || ndims > payload / 4 ||
        nseries > payload / min_entry || nvalues > payload / min_value_bytes ||
        (ndims && nseries > payload / 4 / ndims)) {
        why = "impossible counts";
        goto corrupt;
    }
    rc = ds_create(&ds, (hc_freq)freq, (size_t)ndims, (size_t)nseries,
                   mapped ? 0 : (size_t)nvalues, err);
    if (rc)
        goto done;
    ds->nvalues = (size_t)nvalues;
    ds->nrows_read = (size_t)nrows;
    ds->first_step = (int64_t)first;
    ds->end_step = (int64_t)end;
    size_t nstr = (size_t)(ndims + nseries * (1 + ndims));
    if (!(offs = malloc((nstr ? nstr : 1) * sizeof *offs)) ||
        !(code = malloc((nseries ? nseries : 1) * sizeof *code)))
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
        /* Version 1: raw doubles and a flag for every value. */
        code[i].enc = ENC_F64 | ENC_FLAGS;
        code[i].scale = 0;
        if (version >= 2) {
            unsigned char ec[2];
            if (rd_bytes(&r, ec, 2) || (ec[0] & ~(ENC_WIDTH_MASK | ENC_FLAGS)) ||
                ec[1] > MAX_SCALE || ((ec[0] & ENC_WIDTH_MASK) == ENC_F64 && ec[1] != 0)) {
                why = "bad series encoding";
                goto corrupt;
            }
            code[i].enc = ec[0];
            code[i].scale = ec[1];
        }
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
    /* The bulk regions: read in parallel chunks of whole series and
     * decoded into the arrays (stdio has read ahead: offsets come from what
     * the table consumed, not from the stream position). */
    {
        bulk b;
        memset(&b, 0, sizeof b);
        b.ds = ds;
        b.code = code;
        b.fd = fileno(r.f);
        int failed = bulk_layout(&b) != 0;
        uint64_t values_bytes = failed ? 0 : b.pos[REGION_VALUES][b.nchunks[REGION_VALUES]];
        uint64_t flags_bytes = failed ? 0 : b.pos[REGION_FLAGS][b.nchunks[REGION_FLAGS]];
        if (!failed && r.left != values_bytes + flags_bytes) {
            bulk_free(&b);
            why = "unexpected bytes at the end of the payload";
            goto corrupt;
        }
        b.region_off[REGION_VALUES] = SNAP_HEADER + payload - r.left;
        b.region_off[REGION_FLAGS] = b.region_off[REGION_VALUES] + values_bytes;
        size_t nchunks = b.nchunks[REGION_VALUES] + b.nchunks[REGION_FLAGS];
        if (!failed && mapped) {
            map_len = (size_t)st.st_size;
            map = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, b.fd, 0);
            if (map == MAP_FAILED) {
                map = NULL;
                int e = errno;
                bulk_free(&b);
                rc = hc_error_set(err, HC_ERR_IO, "cannot map %s: %s", path, strerror(e));
                goto done;
            }
            b.map = map;
        }
        if (!failed && hc_parallel_for(nchunks, threads, mapped ? verify_chunk : load_chunk,
                                       &b) != 0)
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
        bulk_free(&b);
        if (failed == 1 || io == ENOMEM)
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
        int e = pread_all(b.fd, cb, 4, SNAP_HEADER + payload);
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
        if (mapped) {
            /* Where each series' bytes are: the regions hold the series in
             * table order. */
            if (!(encoded = malloc((nseries ? nseries : 1) * sizeof *encoded)))
                goto nomem;
            uint64_t at[2] = {b.region_off[REGION_VALUES], b.region_off[REGION_FLAGS]};
            for (size_t i = 0; i < nseries; i++) {
                encoded[i].code = code[i];
                encoded[i].values_off = at[REGION_VALUES];
                encoded[i].flags_off = (code[i].enc & ENC_FLAGS) ? at[REGION_FLAGS] : UINT64_MAX;
                for (int reg = 0; reg < 2; reg++)
                    at[reg] += region_bytes(&ds->series[i], code[i], reg);
            }
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
    if (mapped) {
        ds_internal *in = ds->internal;
        in->map = map;
        in->map_len = map_len;
        in->encoded = encoded;
        map = NULL;
        encoded = NULL;
    }
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
    free(code);
    free(encoded);
    if (map)
        munmap(map, map_len);
    hc_dataset_free(ds);
    return rc;
}

int hc_dataset_load_threads(hc_dataset **out, const char *path, int threads,
                            hc_error *err)
{
    return load_snapshot(out, path, threads, 0, err);
}

int hc_dataset_open(hc_dataset **out, const char *path, int threads, hc_error *err)
{
    return load_snapshot(out, path, threads, 1, err);
}

/* ---- series access ----------------------------------------------------- */

void ds_release_mapping(ds_internal *in)
{
    if (in->map)
        munmap((void *)in->map, in->map_len);
    in->map = NULL;
    free(in->encoded);
    in->encoded = NULL;
}

const double *hc_dataset_series_values(const hc_dataset *ds, size_t i, double *scratch)
{
    const hc_series *s = &ds->series[i];
    const ds_internal *in = ds->internal;
    if (!in || !in->map)
        return ds->values + s->offset;
    const ds_encoded *e = &in->encoded[i];
    decode_values(in->map + e->values_off, s->length, e->code, scratch);
    return scratch;
}

const uint8_t *hc_dataset_series_filled(const hc_dataset *ds, size_t i, uint8_t *scratch)
{
    const hc_series *s = &ds->series[i];
    const ds_internal *in = ds->internal;
    if (!in || !in->map)
        return ds->filled + s->offset;
    const ds_encoded *e = &in->encoded[i];
    if (e->flags_off != UINT64_MAX)
        return in->map + e->flags_off;
    memset(scratch, 0, s->length);
    return scratch;
}

size_t hc_dataset_longest_series(const hc_dataset *ds)
{
    size_t n = 0;
    for (size_t i = 0; ds && i < ds->nseries; i++)
        n = ds->series[i].length > n ? ds->series[i].length : n;
    return n;
}

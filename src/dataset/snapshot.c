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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <zlib.h>

#include "dataset/dataset_internal.h"
#include "hindcast/dataset.h"

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

int hc_dataset_save(const hc_dataset *ds, const char *path, hc_error *err)
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
    for (size_t i = 0; i < ds->nseries; i++) {
        const double *v = ds->values + ds->series[i].offset;
        if (HOST_LITTLE_ENDIAN) {
            wr_bytes(w, v, ds->series[i].length * sizeof *v);
            continue;
        }
        for (size_t t = 0; t < ds->series[i].length; t++) {
            uint64_t bits;
            memcpy(&bits, &v[t], 8);
            wr_u64(w, bits);
        }
    }
    for (size_t i = 0; i < ds->nseries; i++)
        wr_bytes(w, ds->filled + ds->series[i].offset, ds->series[i].length);
    wr_flush(w);
    uLong crc = w->crc;
    wr_u32(w, (uint32_t)crc);
    /* The CRC's own bytes go out without being summed. */
    if (!w->failed && fwrite(w->buf, 1, w->n, w->f) != w->n)
        w->failed = 1;
    w->n = 0;
    if (w->failed || fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        fclose(w->f);
        w->f = NULL;
        remove(tmp);
        goto done;
    }
    int closed = fclose(w->f);
    w->f = NULL;
    if (closed != 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        remove(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = hc_error_set(err, HC_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
                          strerror(errno));
        remove(tmp);
        goto done;
    }
    /* Make the rename itself durable; failure here loses nothing already
     * written, so it is not an error. */
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t dl = slash == path ? 1 : (size_t)(slash - path);
        memcpy(tmp, path, dl);
        tmp[dl] = '\0';
    } else {
        memcpy(tmp, ".", 2);
    }
    int dfd = open(tmp, O_RDONLY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
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
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < *len + n + 1)
            c *= 2;
        char *p = realloc(*pool, c);
        if (!p)
            return -2;
        *pool = p;
        *cap = c;
    }
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
    unsigned char chunk[8 * 512];
    for (size_t i = 0; HOST_LITTLE_ENDIAN && i < nvalues;) {
        size_t m = nvalues - i < (1u << 20) ? (size_t)(nvalues - i) : (1u << 20);
        if (rd_bytes(&r, ds->values + i, m * 8)) {
            why = "values cut short";
            goto corrupt;
        }
        i += m;
    }
    for (size_t i = 0; !HOST_LITTLE_ENDIAN && i < nvalues;) {
        size_t m = nvalues - i < 512 ? (size_t)(nvalues - i) : 512;
        if (rd_bytes(&r, chunk, m * 8)) {
            why = "values cut short";
            goto corrupt;
        }
        for (size_t j = 0; j < m; j++) {
            uint64_t bits = 0;
            for (int b = 0; b < 8; b++)
                bits |= (uint64_t)chunk[j * 8 + (size_t)b] << (8 * b);
            memcpy(&ds->values[i + j], &bits, 8);
        }
        i += m;
    }
    if (nvalues && rd_bytes(&r, ds->filled, (size_t)nvalues)) {
        why = "filled flags cut short";
        goto corrupt;
    }
    if (r.left != 0) {
        why = "unexpected bytes at the end of the payload";
        goto corrupt;
    }
    uLong crc = r.crc;
    r.left = 4;
    uint32_t stored;
    if (rd_u32(&r, &stored) || stored != (uint32_t)crc) {
        why = "CRC mismatch";
        goto corrupt;
    }
    for (size_t i = 0; i < nvalues; i++) {
        if (ds->filled[i] > 1) {
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

/* Streaming part files and atomic single files; see hindcast/writer.h.
 *
 * Bytes go through one user-space buffer per writer and reach the file only
 * in flush_buffer(): with gzip, deflate sits there between the buffer and
 * the fd (one gzip member per part, finished when the part closes). The
 * size limit counts the bytes appended, before compression, so part
 * boundaries are the same as for plain CSV. */
#include "hindcast/writer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "writer/fsutil.h"

/* Large enough that write() calls cost nothing next to formatting rows. */
#define WRITE_BUFFER_SIZE ((size_t)1 << 20)
/* Written bytes of a part are handed to the disk in steps of this size
 * while the export goes on (hc_fs_start_writeback). */
#define WRITEBACK_STEP ((uint64_t)8 << 20)

typedef enum writer_state {
    WS_OPEN,      /* a part is open for rows */
    WS_FINISHED,  /* every part closed and synced, still under temp names */
    WS_COMMITTED, /* every part under its final name */
    WS_ABORTED,   /* temps removed */
    WS_FAILED     /* an I/O error happened; only abort/free make sense */
} writer_state;

struct hc_part_writer {
    char *dir;
    char *prefix;
    char *ext;
    char *header;
    size_t header_len;
    uint64_t limit;

    int fd;             /* current part, -1 when none is open */
    char *cur_path;     /* temp path of the current part, for messages */
    char *buf;
    size_t buf_len;
    uint64_t part_bytes; /* bytes of the current part, buffered included */
    int part_has_row;
    uint64_t total_bytes;
    uint64_t file_bytes;     /* bytes written to the current part's file */
    uint64_t writeback_from; /* first byte not yet handed to the disk */
    size_t nparts;       /* temp files created so far */
    writer_state state;

    hc_compression compression;
    int level;
    z_stream zs;
    int zs_ready;        /* deflate is set up for the current part */
    unsigned char *zbuf; /* deflate's output, WRITE_BUFFER_SIZE bytes */
};

static int nomem(hc_error *err)
{
    return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
}

/* "<prefix>_part<i><ext>", or its hidden temporary ".<that>.tmp", joined to
 * the directory. */
static char *part_path(const hc_part_writer *w, size_t i, int temp)
{
    int n = snprintf(NULL, 0, "%s%s_part%zu%s%s", temp ? "." : "", w->prefix,
                     i, w->ext, temp ? ".tmp" : "");
    if (n < 0)
        return NULL;
    char *name = malloc((size_t)n + 1);
    if (!name)
        return NULL;
    snprintf(name, (size_t)n + 1, "%s%s_part%zu%s%s", temp ? "." : "",
             w->prefix, i, w->ext, temp ? ".tmp" : "");
    char *path = hc_fs_join(w->dir, name);
    free(name);
    return path;
}

static void end_deflate(hc_part_writer *w)
{
    if (w->zs_ready) {
        deflateEnd(&w->zs);
        w->zs_ready = 0;
    }
}

static int fail(hc_part_writer *w, int rc)
{
    end_deflate(w);
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    w->state = WS_FAILED;
    return rc;
}

/* Every byte that reaches a part's file, plain or gzip, goes through here:
 * the disk writes the part while the export goes on, instead of all of it
 * in the fsync at the end (which nothing overlaps). */
static int write_file(hc_part_writer *w, const void *data, size_t len,
                      hc_error *err)
{
    int rc = hc_fs_write_all(w->fd, w->cur_path, data, len, err);
    if (rc != 0)
        return rc;
    w->file_bytes += len;
    if (w->file_bytes - w->writeback_from >= WRITEBACK_STEP) {
        hc_fs_start_writeback(w->fd, w->writeback_from,
                              w->file_bytes - w->writeback_from);
        w->writeback_from = w->file_bytes;
    }
    return 0;
}

/* Runs deflate over [data, data+len) (flush: Z_NO_FLUSH, or Z_FINISH to
 * end the member) and writes what it produces. */
static int deflate_write(hc_part_writer *w, const char *data, size_t len,
                         int flush, hc_error *err)
{
    z_stream *zs = &w->zs;
    zs->next_in = (Bytef *)(uintptr_t)data;
    for (;;) {
        /* avail_in is 32-bit: feed huge appends in pieces */
        size_t piece = len > (1u << 30) ? (1u << 30) : len;
        zs->avail_in = (uInt)piece;
        len -= piece;
        int last = len == 0;
        int zflush = last ? flush : Z_NO_FLUSH;
        int zr;
        do {
            zs->next_out = w->zbuf;
            zs->avail_out = (uInt)WRITE_BUFFER_SIZE;
            zr = deflate(zs, zflush);
            if (zr == Z_STREAM_ERROR)
                return hc_error_set_at(err, HC_ERR_INTERNAL, w->cur_path, 0, 0,
                                       "gzip compression failed");
            size_t out = WRITE_BUFFER_SIZE - zs->avail_out;
            if (out) {
                int rc = write_file(w, w->zbuf, out, err);
                if (rc != 0)
                    return rc;
            }
        } while (zs->avail_out == 0 || (zflush == Z_FINISH && zr != Z_STREAM_END));
        if (last)
            return 0;
    }
}

static int write_out(hc_part_writer *w, const char *data, size_t len,
                     hc_error *err)
{
    if (w->compression == HC_COMPRESSION_GZIP)
        return deflate_write(w, data, len, Z_NO_FLUSH, err);
    return write_file(w, data, len, err);
}

static int flush_buffer(hc_part_writer *w, hc_error *err)
{
    if (w->buf_len == 0)
        return 0;
    int rc = write_out(w, w->buf, w->buf_len, err);
    w->buf_len = 0;
    return rc;
}

static int append(hc_part_writer *w, const char *data, size_t len,
                  hc_error *err)
{
    if (w->buf_len + len > WRITE_BUFFER_SIZE) {
        int rc = flush_buffer(w, err);
        if (rc != 0)
            return rc;
    }
    if (len >= WRITE_BUFFER_SIZE) {
        int rc = write_out(w, data, len, err);
        if (rc != 0)
            return rc;
    } else {
        memcpy(w->buf + w->buf_len, data, len);
        w->buf_len += len;
    }
    w->part_bytes += len;
    w->total_bytes += len;
    return 0;
}

static int open_part(hc_part_writer *w, hc_error *err)
{
    char *path = part_path(w, w->nparts, 1);
    if (!path)
        return nomem(err);
    int fd = hc_fs_create_excl(path, err);
    if (fd < 0) {
        if (errno == EEXIST)
            hc_error_set_at(err, HC_ERR_IO, path, 0, 0,
                            "cannot create: the temporary file exists (left "
                            "by an interrupted export, or another export of "
                            "the same name is running)");
        free(path);
        return fd;
    }
    free(w->cur_path);
    w->cur_path = path;
    w->fd = fd;
    w->nparts++;
    w->part_bytes = 0;
    w->file_bytes = w->writeback_from = 0;
    w->part_has_row = 0;
    if (w->compression == HC_COMPRESSION_GZIP) {
        /* windowBits 15 + 16: a gzip wrapper. zlib writes its header with
         * no name and a zero time, so equal input gives equal bytes. */
        memset(&w->zs, 0, sizeof w->zs);
        int zr = deflateInit2(&w->zs, w->level, Z_DEFLATED, 15 + 16, 8,
                              Z_DEFAULT_STRATEGY);
        if (zr != Z_OK)
            return zr == Z_MEM_ERROR ? nomem(err)
                                     : hc_error_set(err, HC_ERR_INTERNAL,
                                                    "gzip set-up failed");
        w->zs_ready = 1;
    }
    return append(w, w->header, w->header_len, err);
}

static int close_part(hc_part_writer *w, hc_error *err)
{
    int rc = flush_buffer(w, err);
    if (rc != 0)
        return rc;
    if (w->compression == HC_COMPRESSION_GZIP) {
        rc = deflate_write(w, "", 0, Z_FINISH, err);
        end_deflate(w);
        if (rc != 0)
            return rc;
    }
    int fd = w->fd;
    w->fd = -1;
    return hc_fs_sync_close(fd, w->cur_path, err);
}

int hc_part_writer_open(hc_part_writer **out, const hc_part_writer_options *o,
                        hc_error *err)
{
    *out = NULL;
    if (!o || !o->dir || !o->prefix || !o->header)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "part writer: dir, prefix and header are required");
    size_t hl = strlen(o->header);
    if (hl == 0 || o->header[hl - 1] != '\n')
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "part writer: the header must end with a newline");
    int rc = 0;
    hc_part_writer *w = calloc(1, sizeof *w);
    if (!w)
        return nomem(err);
    w->fd = -1;
    w->dir = strdup(o->dir);
    w->prefix = strdup(o->prefix);
    w->ext = strdup(o->extension ? o->extension : "");
    w->header = strdup(o->header);
    w->header_len = hl;
    w->limit = o->part_size_limit ? o->part_size_limit
                                  : HC_DEFAULT_PART_SIZE_LIMIT;
    w->buf = malloc(WRITE_BUFFER_SIZE);
    w->state = WS_OPEN;
    w->compression = o->compression;
    if ((unsigned)o->compression > HC_COMPRESSION_GZIP ||
        o->compression_level < 0 || o->compression_level > 9) {
        rc = hc_error_set(err, HC_ERR_INTERNAL,
                          "part writer: unknown compression or level");
        goto done;
    }
    w->level = o->compression_level ? o->compression_level
                                    : HC_DEFAULT_COMPRESSION_LEVEL;
    if (w->compression == HC_COMPRESSION_GZIP && !(w->zbuf = malloc(WRITE_BUFFER_SIZE))) {
        rc = nomem(err);
        goto done;
    }
    if (!w->dir || !w->prefix || !w->ext || !w->header || !w->buf) {
        rc = nomem(err);
        goto done;
    }
    rc = open_part(w, err);
    if (rc != 0)
        fail(w, rc);
done:
    if (rc != 0) {
        hc_part_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int rotate(hc_part_writer *w, hc_error *err)
{
    int rc = close_part(w, err);
    if (rc == 0)
        rc = open_part(w, err);
    return rc;
}

/* Just past the '\n' ending the first (last: the last) row of [p, p+n),
 * which starts at a row: line breaks inside double quotes end no row.
 * 0 when no row ends there. */
static size_t quoted_row_end(const char *p, size_t n, int last)
{
    size_t end = 0;
    int inside = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') {
            inside = !inside;
        } else if (p[i] == '\n' && !inside) {
            end = i + 1;
            if (!last)
                break;
        }
    }
    return end;
}

size_t hc_csv_whole_rows(const char *p, size_t n)
{
    /* Rows without quotes (nearly all) need only the last line break. */
    if (!memchr(p, '"', n)) {
        size_t end = n;
        while (end > 0 && p[end - 1] != '\n')
            end--;
        return end;
    }
    return quoted_row_end(p, n, 1);
}

/* Length of the first row of [p, p+n): through its line break outside
 * quotes (n when there is none). */
static size_t first_row(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    size_t upto = nl ? (size_t)(nl - p) + 1 : n;
    if (!memchr(p, '"', upto))
        return upto;
    size_t end = quoted_row_end(p, n, 0);
    return end ? end : n;
}

int hc_part_writer_write(hc_part_writer *w, const char *rows, size_t len,
                         hc_error *err)
{
    if (!w || w->state != WS_OPEN)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "part writer: write after finish or failure");
    if (len == 0)
        return 0;
    if (rows[len - 1] != '\n')
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "part writer: rows must end with a newline");
    size_t pos = 0;
    while (pos < len) {
        size_t rest = len - pos;
        /* The common case: everything left fits in the current part. Part
         * boundaries do not depend on how callers chunk their rows. */
        if (w->part_bytes + rest <= w->limit) {
            int rc = append(w, rows + pos, rest, err);
            if (rc != 0)
                return fail(w, rc);
            w->part_has_row = 1;
            return 0;
        }
        size_t line = first_row(rows + pos, rest);
        if (w->part_has_row && w->part_bytes + line > w->limit) {
            int rc = rotate(w, err);
            if (rc != 0)
                return fail(w, rc);
            continue;
        }
        /* Either it fits, or the part has no row yet: a row alone larger
         * than the limit still gets a part of its own. */
        int rc = append(w, rows + pos, line, err);
        if (rc != 0)
            return fail(w, rc);
        w->part_has_row = 1;
        pos += line;
    }
    return 0;
}

int hc_part_writer_finish(hc_part_writer *w, hc_error *err)
{
    if (!w)
        return hc_error_set(err, HC_ERR_INTERNAL, "part writer: NULL");
    if (w->state == WS_FINISHED || w->state == WS_COMMITTED)
        return 0;
    if (w->state != WS_OPEN)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "part writer: finish after failure or abort");
    int rc = close_part(w, err);
    if (rc != 0)
        return fail(w, rc);
    w->state = WS_FINISHED;
    return 0;
}

/* Moves parts [0, n) from their final names back to their temp names. */
static void uncommit(hc_part_writer *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *fin = part_path(w, i, 0);
        char *tmp = part_path(w, i, 1);
        if (fin && tmp)
            (void)hc_fs_rename_noreplace(fin, tmp);
        free(fin);
        free(tmp);
    }
}

int hc_part_writer_commit(hc_part_writer *w, hc_error *err)
{
    if (!w)
        return hc_error_set(err, HC_ERR_INTERNAL, "part writer: NULL");
    if (w->state == WS_COMMITTED)
        return 0;
    if (w->state != WS_FINISHED)
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "part writer: commit before finish");
    int rc = 0;
    size_t done_parts = 0;
    char *fin = NULL;
    char *tmp = NULL;
    /* Check every final name first so that a clash with part 3 does not
     * leave parts 0-2 visible; renaming with no-replace below still closes
     * the race with another process. */
    for (size_t i = 0; i < w->nparts; i++) {
        free(fin);
        fin = part_path(w, i, 0);
        if (!fin) {
            rc = nomem(err);
            goto done;
        }
        struct stat st;
        if (lstat(fin, &st) == 0) {
            rc = hc_error_set_at(err, HC_ERR_ALREADY_EXISTS, fin, 0, 0,
                                 "the file already exists");
            goto done;
        }
        if (errno != ENOENT) {
            rc = hc_error_set_at(err, HC_ERR_IO, fin, 0, 0, "cannot stat: %s",
                                 strerror(errno));
            goto done;
        }
    }
    for (size_t i = 0; i < w->nparts; i++) {
        free(fin);
        free(tmp);
        fin = part_path(w, i, 0);
        tmp = part_path(w, i, 1);
        if (!fin || !tmp) {
            rc = nomem(err);
            goto done;
        }
        if (hc_fs_rename_noreplace(tmp, fin) != 0) {
            int e = errno;
            if (e == EEXIST)
                rc = hc_error_set_at(err, HC_ERR_ALREADY_EXISTS, fin, 0, 0,
                                     "the file already exists");
            else
                rc = hc_error_set_at(err, HC_ERR_IO, fin, 0, 0,
                                     "cannot rename %s to it: %s", tmp,
                                     strerror(e));
            goto done;
        }
        done_parts++;
    }
    rc = hc_fs_sync_dir(w->dir, err);
done:
    if (rc != 0)
        uncommit(w, done_parts);
    else
        w->state = WS_COMMITTED;
    free(fin);
    free(tmp);
    return rc;
}

void hc_part_writer_abort(hc_part_writer *w)
{
    if (!w || w->state == WS_COMMITTED || w->state == WS_ABORTED)
        return;
    end_deflate(w);
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    for (size_t i = 0; i < w->nparts; i++) {
        char *tmp = part_path(w, i, 1);
        if (tmp)
            (void)unlink(tmp);
        free(tmp);
    }
    w->buf_len = 0;
    w->state = WS_ABORTED;
}

size_t hc_part_writer_part_count(const hc_part_writer *w)
{
    return w ? w->nparts : 0;
}

uint64_t hc_part_writer_bytes(const hc_part_writer *w)
{
    return w ? w->total_bytes : 0;
}

void hc_part_writer_free(hc_part_writer *w)
{
    if (!w)
        return;
    hc_part_writer_abort(w);
    free(w->dir);
    free(w->prefix);
    free(w->ext);
    free(w->header);
    free(w->cur_path);
    free(w->buf);
    free(w->zbuf);
    end_deflate(w);
    free(w);
}

int hc_write_file_atomic(const char *dir, const char *name, const char *data,
                         size_t len, hc_error *err)
{
    static atomic_ulong counter; /* unique temp names within a process */
    int rc = 0;
    int fd = -1;
    char *full = NULL, *real_dir = NULL, *base = NULL, *tmp = NULL;
    char *tmp_name = NULL;

    full = hc_fs_join(dir, name);
    if (!full) {
        rc = nomem(err);
        goto done;
    }
    rc = hc_fs_split(full, &real_dir, &base, err);
    if (rc != 0)
        goto done;
    /* The pid and a counter make the temp name private to this call: unlike
     * export parts, these files (markers, state records) are replaced in
     * place, and a name left by a killed process must not block the next. */
    for (int attempt = 0; attempt < 2; attempt++) {
        unsigned long n = atomic_fetch_add(&counter, 1);
        int k = snprintf(NULL, 0, ".%s.%ld.%lu.tmp", base, (long)getpid(), n);
        free(tmp_name);
        free(tmp);
        tmp = NULL;
        tmp_name = k < 0 ? NULL : malloc((size_t)k + 1);
        if (!tmp_name) {
            rc = nomem(err);
            goto done;
        }
        snprintf(tmp_name, (size_t)k + 1, ".%s.%ld.%lu.tmp", base,
                 (long)getpid(), n);
        tmp = hc_fs_join(real_dir, tmp_name);
        if (!tmp) {
            rc = nomem(err);
            goto done;
        }
        fd = hc_fs_create_excl(tmp, err);
        if (fd >= 0)
            break;
        if (errno != EEXIST || attempt == 1) {
            rc = fd;
            free(tmp); /* nothing of ours to remove */
            tmp = NULL;
            goto done;
        }
        /* Same pid and counter: left by an earlier process with our pid. */
        (void)unlink(tmp);
    }
    rc = hc_fs_write_all(fd, tmp, data, len, err);
    if (rc != 0)
        goto done;
    int sfd = fd, renamed;
    fd = -1;
    rc = hc_fs_publish(sfd, tmp, full, real_dir, &renamed, err);
    if (renamed) {
        free(tmp); /* renamed: nothing to remove any more */
        tmp = NULL;
    }
done:
    if (fd >= 0)
        close(fd);
    if (tmp && rc != 0)
        (void)unlink(tmp);
    free(tmp);
    free(tmp_name);
    free(full);
    free(real_dir);
    free(base);
    return rc;
}

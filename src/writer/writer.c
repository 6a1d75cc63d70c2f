/* Streaming part files and atomic single files; see hindcast/writer.h.
 *
 * Bytes go through one user-space buffer per writer and reach the file only
 * in flush_buffer(): that is the one place where an optional gzip stream
 * (deflate between the buffer and the fd) would plug in. With gzip the size
 * limit would still count uncompressed bytes, so part boundaries would stay
 * the same as for plain CSV. */
#include "hindcast/writer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writer/fsutil.h"

/* Large enough that write() calls cost nothing next to formatting rows. */
#define WRITE_BUFFER_SIZE ((size_t)1 << 20)

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
    size_t nparts;       /* temp files created so far */
    writer_state state;
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

static int fail(hc_part_writer *w, int rc)
{
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    w->state = WS_FAILED;
    return rc;
}

static int flush_buffer(hc_part_writer *w, hc_error *err)
{
    if (w->buf_len == 0)
        return 0;
    int rc = hc_fs_write_all(w->fd, w->cur_path, w->buf, w->buf_len, err);
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
        int rc = hc_fs_write_all(w->fd, w->cur_path, data, len, err);
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
    w->part_has_row = 0;
    return append(w, w->header, w->header_len, err);
}

static int close_part(hc_part_writer *w, hc_error *err)
{
    int rc = flush_buffer(w, err);
    if (rc != 0)
        return rc;
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
        const char *nl = memchr(rows + pos, '\n', rest);
        size_t line = (size_t)(nl - (rows + pos)) + 1;
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
    int sfd = fd;
    fd = -1;
    rc = hc_fs_sync_close(sfd, tmp, err);
    if (rc != 0)
        goto done;
    if (rename(tmp, full) != 0) {
        rc = hc_error_set_at(err, HC_ERR_IO, full, 0, 0,
                             "cannot rename %s to it: %s", tmp,
                             strerror(errno));
        goto done;
    }
    free(tmp); /* renamed: nothing to remove any more */
    tmp = NULL;
    rc = hc_fs_sync_dir(real_dir, err);
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

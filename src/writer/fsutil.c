/* POSIX file helpers; see fsutil.h. */
#define _GNU_SOURCE /* renameat2 and RENAME_NOREPLACE where glibc has them */
#include "writer/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0
#endif

/* Keeps errno so that callers can still tell EEXIST from other causes. */
static int io_error(hc_error *err, const char *path, const char *what, int e)
{
    hc_error_set_at(err, HC_ERR_IO, path, 0, 0, "cannot %s: %s", what,
                    strerror(e));
    errno = e;
    return HC_ERR_IO;
}

char *hc_fs_join(const char *dir, const char *name)
{
    size_t dl = dir ? strlen(dir) : 0;
    size_t nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = malloc(dl + (size_t)slash + nl + 1);
    if (!p)
        return NULL;
    if (dl)
        memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + (size_t)slash, name, nl + 1);
    return p;
}

int hc_fs_split(const char *path, char **dir_out, char **base_out,
                hc_error *err)
{
    *dir_out = NULL;
    *base_out = NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (*base == '\0')
        return hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 0, 0,
                               "a file name is required, not a directory");
    char *d;
    if (!slash)
        d = strdup(".");
    else if (slash == path)
        d = strdup("/");
    else {
        size_t n = (size_t)(slash - path);
        d = malloc(n + 1);
        if (d) {
            memcpy(d, path, n);
            d[n] = '\0';
        }
    }
    char *b = strdup(base);
    if (!d || !b) {
        free(d);
        free(b);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    *dir_out = d;
    *base_out = b;
    return 0;
}

int hc_fs_create_excl(const char *path, hc_error *err)
{
    int fd;
    do
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return io_error(err, path, "create", errno);
    return fd;
}

int hc_fs_write_all(int fd, const char *path, const void *data, size_t len,
                    hc_error *err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return io_error(err, path, "write", errno);
        }
        if (n == 0) /* no progress and no errno: treat as a full disk */
            return io_error(err, path, "write", ENOSPC);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int hc_fs_sync_close(int fd, const char *path, hc_error *err)
{
    int rc = 0;
    int r;
    do
        r = fsync(fd);
    while (r != 0 && errno == EINTR);
    if (r != 0)
        rc = io_error(err, path, "sync", errno);
    /* POSIX leaves the fd state after EINTR from close() unspecified; Linux
     * always closes it, so retrying would risk closing someone else's fd. */
    if (close(fd) != 0 && errno != EINTR && rc == 0)
        rc = io_error(err, path, "close", errno);
    return rc;
}

void hc_fs_start_writeback(int fd, uint64_t offset, uint64_t len)
{
#ifdef SYNC_FILE_RANGE_WRITE
    (void)sync_file_range(fd, (off_t)offset, (off_t)len, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    (void)offset;
    (void)len;
#endif
}

int hc_fs_sync_dir(const char *dir, hc_error *err)
{
    int fd;
    do
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return io_error(err, dir, "open directory", errno);
    int rc = 0;
    int r;
    do
        r = fsync(fd);
    while (r != 0 && errno == EINTR);
    if (r != 0 && errno != EINVAL && errno != EROFS)
        rc = io_error(err, dir, "sync directory", errno);
    close(fd);
    return rc;
}

static int link_unsupported(int e)
{
    return e == EPERM || e == ENOSYS || e == EOPNOTSUPP
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
           || e == ENOTSUP
#endif
        ;
}

int hc_fs_rename_noreplace(const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    /* EINVAL: this file system does not support the flag; ENOSYS: old
     * kernel. Anything else (EEXIST included) is the answer. */
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
#endif
    if (link(from, to) == 0) {
        /* The file is now committed under `to`; a leftover hidden name
         * would be harmless, so a failed unlink is not an error. */
        (void)unlink(from);
        return 0;
    }
    if (!link_unsupported(errno))
        return -1;
    struct stat st;
    if (lstat(to, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    if (errno != ENOENT)
        return -1;
    return rename(from, to);
}

int hc_fs_publish(int fd, const char *tmp, const char *final, const char *dir,
                  int *renamed, hc_error *err)
{
    *renamed = 0;
    int rc = hc_fs_sync_close(fd, tmp, err);
    if (rc != 0)
        return rc;
    if (rename(tmp, final) != 0)
        return hc_error_set_at(err, HC_ERR_IO, final, 0, 0,
                               "cannot rename %s to it: %s", tmp,
                               strerror(errno));
    *renamed = 1;
    return hc_fs_sync_dir(dir, err);
}

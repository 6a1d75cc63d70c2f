/* File-system helpers shared by the writer and demo modules (not public).
 *
 * Every function that fails sets `err` to HC_ERR_IO with the path and the
 * system's reason, e.g. "out/x_part0.csv: cannot write: No space left on
 * device", and returns HC_ERR_IO with errno still holding the cause. */
#ifndef HINDCAST_SRC_WRITER_FSUTIL_H
#define HINDCAST_SRC_WRITER_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/error.h"

/* "<dir>/<name>" (just name when dir is NULL or ""), malloc'd; NULL when out
 * of memory. */
char *hc_fs_join(const char *dir, const char *name);
/* Splits a path at its last '/': *dir_out gets the directory ("." when the
 * path has none) and *base_out the last component, both malloc'd. Returns 0,
 * or HC_ERR_NOMEM / HC_ERR_INVALID_INPUT (empty last component) with err. */
int hc_fs_split(const char *path, char **dir_out, char **base_out,
                hc_error *err);
/* Creates `path` for writing; fails if it exists (O_EXCL). Returns the fd or
 * a negative hc_status. */
int hc_fs_create_excl(const char *path, hc_error *err);
/* Writes all of [data, data+len), retrying short writes and EINTR. */
int hc_fs_write_all(int fd, const char *path, const void *data, size_t len,
                    hc_error *err);
/* fsync + close; closes even when fsync fails. */
int hc_fs_sync_close(int fd, const char *path, hc_error *err);

/* Asks the kernel to start writing [offset, offset + len) of fd to the
 * disk now, without waiting (Linux sync_file_range; a no-op elsewhere), so
 * that the fsync at the end finds little left to write. Only a hint: its
 * failure changes nothing, the fsync still decides. */
void hc_fs_start_writeback(int fd, uint64_t offset, uint64_t len);
/* fsyncs a directory so that renames in it are durable. File systems that
 * cannot fsync a directory (EINVAL) are accepted. */
int hc_fs_sync_dir(const char *dir, hc_error *err);

/* Publishes a finished temporary file: fsyncs and closes fd (always
 * closed), renames tmp to final (replacing it) and fsyncs dir. *renamed is
 * set once tmp no longer exists under its temporary name. */
int hc_fs_publish(int fd, const char *tmp, const char *final, const char *dir,
                  int *renamed, hc_error *err);
/* Renames `from` to `to` unless `to` exists (errno EEXIST then). Uses
 * renameat2(RENAME_NOREPLACE) where the kernel and file system have it,
 * else link()+unlink(); on a file system without hard links it checks and
 * renames (a narrow race no POSIX call can close there). Returns 0 or -1 with
 * errno set. */
int hc_fs_rename_noreplace(const char *from, const char *to);

#endif

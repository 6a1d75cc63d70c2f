/* Workspace files: directories, atomic JSON documents, a lock (internal). */
#ifndef HC_WORKSPACE_WORKSPACE_H
#define HC_WORKSPACE_WORKSPACE_H

#include <jansson.h>

#include "hindcast/error.h"

#define HC_WORKSPACE_FORMAT_VERSION 1

/* Creates the workspace (and its format marker) or checks its version. */
int hc_ws_init(const char *root, hc_error *err);

/* mkdir -p; existing directories are fine. */
int hc_ws_mkdirs(const char *path, hc_error *err);

/* Exclusive advisory lock on <root>/lock for read-modify-write sequences
 * across processes. Returns a descriptor for hc_ws_unlock. */
int hc_ws_lock(const char *root, int *fd_out, hc_error *err);
void hc_ws_unlock(int fd);

/* Writes JSON atomically (tmp + fsync + rename + dir fsync). */
int hc_ws_write_json(const char *path, const json_t *doc, hc_error *err);
/* Reads a JSON document; HC_ERR_NOT_FOUND when the file does not exist. */
int hc_ws_read_json(const char *path, json_t **out, hc_error *err);

/* Removes a directory tree we own (predictor or job state). */
int hc_ws_remove_tree(const char *path, hc_error *err);

/* malloc'd "a/b" (and "a/b/c" with hc_path3). */
char *hc_path2(const char *a, const char *b);
char *hc_path3(const char *a, const char *b, const char *c);

#endif

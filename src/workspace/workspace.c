/* Workspace files: see workspace/workspace.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "workspace/workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hindcast/buf.h"
#include "hindcast/writer.h"

char *hc_path2(const char *a, const char *b)
{
    hc_buf p = HC_BUF_INIT;
    hc_buf_printf(&p, "%s/%s", a, b);
    return p.data;
}

char *hc_path3(const char *a, const char *b, const char *c)
{
    hc_buf p = HC_BUF_INIT;
    hc_buf_printf(&p, "%s/%s/%s", a, b, c);
    return p.data;
}

int hc_ws_mkdirs(const char *path, hc_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 1);
    if (!tmp)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    memcpy(tmp, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
            int rc = hc_error_set(err, HC_ERR_IO, "cannot create directory %s: %s",
                                  tmp, strerror(errno));
            free(tmp);
            return rc;
        }
        tmp[i] = saved;
    }
    free(tmp);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return hc_error_set(err, HC_ERR_IO, "%s is not a directory", path);
    return 0;
}

int hc_ws_init(const char *root, hc_error *err)
{
    int rc = hc_ws_mkdirs(root, err);
    if (rc)
        return rc;
    char *marker = hc_path2(root, "hindcast-workspace.json");
    if (!marker)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    json_t *doc = NULL;
    rc = hc_ws_read_json(marker, &doc, err);
    if (rc == HC_ERR_NOT_FOUND) {
        doc = json_pack("{s:i}", "FormatVersion", HC_WORKSPACE_FORMAT_VERSION);
        rc = hc_ws_write_json(marker, doc, err);
    } else if (rc == 0) {
        json_t *v = json_object_get(doc, "FormatVersion");
        if (!json_is_integer(v) ||
            json_integer_value(v) != HC_WORKSPACE_FORMAT_VERSION)
            rc = hc_error_set(err, HC_ERR_INTERNAL,
                              "workspace %s has format version %lld; this "
                              "hindcast uses version %d", root,
                              json_is_integer(v) ? (long long)json_integer_value(v)
                                                 : -1LL,
                              HC_WORKSPACE_FORMAT_VERSION);
    }
    json_decref(doc);
    free(marker);
    return rc;
}

int hc_ws_lock(const char *root, int *fd_out, hc_error *err)
{
    char *path = hc_path2(root, "lock");
    if (!path)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        int rc = hc_error_set(err, HC_ERR_IO, "cannot open %s: %s", path,
                              strerror(errno));
        free(path);
        return rc;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int rc = hc_error_set(err, HC_ERR_IO, "cannot lock %s: %s", path,
                                  strerror(errno));
            close(fd);
            free(path);
            return rc;
        }
    }
    free(path);
    *fd_out = fd;
    return 0;
}

void hc_ws_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

int hc_ws_write_json(const char *path, const json_t *doc, hc_error *err)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                     JSON_REAL_PRECISION(17));
    int dumped = text != NULL;
    hc_buf body = HC_BUF_INIT;
    hc_buf_printf(&body, "%s\n", dumped ? text : "");
    free(text);
    /* Workspace paths are always <directory>/<name>. */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path)) : NULL;
    int rc;
    if (!dumped || body.failed || !dir)
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    else
        rc = hc_write_file_atomic(dir[0] ? dir : "/", slash + 1, body.data,
                                  body.len, err);
    free(dir);
    hc_buf_free(&body);
    return rc;
}

int hc_ws_read_json(const char *path, json_t **out, hc_error *err)
{
    *out = NULL;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return hc_error_set(err, HC_ERR_NOT_FOUND, "%s does not exist", path);
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return hc_error_set_at(err, HC_ERR_INTERNAL, path, jerr.line,
                               jerr.column, "workspace file is damaged: %s",
                               jerr.text);
    *out = doc;
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int hc_ws_remove_tree(const char *path, hc_error *err)
{
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        return hc_error_set(err, HC_ERR_IO, "cannot remove %s: %s", path,
                            strerror(errno));
    return 0;
}

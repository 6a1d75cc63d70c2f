/* Destination path -> local directory; see hc_resolve_destination in
 * hindcast/validate.h. */
/* realpath() is an XSI function in glibc's headers. */
#define _XOPEN_SOURCE 700

#include "hindcast/validate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hindcast/buf.h"
#include "validate_internal.h"

static int under_root(const char *real, const char *real_root)
{
    size_t n = strlen(real_root);
    if (strcmp(real_root, "/") == 0)
        return real[0] == '/';
    return strncmp(real, real_root, n) == 0 &&
           (real[n] == '\0' || real[n] == '/');
}

static int refuse(hc_error *err, const char *path, const char *why_fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(hc_error *err, const char *path, const char *why_fmt, ...)
{
    char shown[700];
    char why[HC_ERROR_MESSAGE_MAX];
    va_list ap;
    quote_value(shown, sizeof shown, path);
    va_start(ap, why_fmt);
    vsnprintf(why, sizeof why, why_fmt, ap);
    va_end(ap);
    return hc_error_set(err, HC_ERR_INVALID_INPUT,
                        "Value %s at '%s' is not allowed: %s", shown,
                        HC_FIELD_S3_PATH, why);
}

/* Resolves every existing prefix of dir below the root (dir[0..root_len) is
 * the root as given) and checks that each stays inside the resolved root and
 * is a directory. Stops at the first prefix that does not exist. */
static int check_existing(char *dir, size_t root_len, const char *root,
                          const char *path, hc_error *err)
{
    int rc = 0;
    char *real_root = realpath(root[0] ? root : "/", NULL);
    if (!real_root) {
        if (errno == ENOENT)
            return 0; /* nothing exists yet: the lexical checks suffice */
        return hc_error_set(err, HC_ERR_IO, "cannot resolve the S3 root '%s': %s",
                            root, strerror(errno));
    }
    size_t len = strlen(dir);
    for (size_t p = root_len + 1; p <= len; p++) {
        if (dir[p] != '/' && dir[p] != '\0')
            continue;
        char saved = dir[p];
        dir[p] = '\0';
        char *real = realpath(dir, NULL);
        int e = errno;
        struct stat st;
        if (!real) {
            if (e == ENOENT && lstat(dir, &st) != 0) {
                dir[p] = saved;
                break; /* the rest does not exist yet */
            }
            if (e == ENOENT)
                rc = refuse(err, path, "'%s' is a symlink whose target does "
                            "not exist", dir);
            else if (e == ELOOP)
                rc = refuse(err, path, "'%s' is a symlink loop", dir);
            else if (e == ENOTDIR)
                rc = refuse(err, path, "a component of '%s' is not a "
                            "directory", dir);
            else
                rc = hc_error_set(err, HC_ERR_IO, "cannot resolve '%s': %s",
                                  dir, strerror(e));
            goto done;
        }
        if (!under_root(real, real_root)) {
            rc = refuse(err, path, "it leads out of the S3 root through a "
                        "symlink ('%s')", dir);
        } else if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = refuse(err, path, "'%s' exists and is not a directory", dir);
        }
        free(real);
        dir[p] = saved;
        if (rc != 0)
            goto done;
    }
done:
    free(real_root);
    return rc;
}

int hc_resolve_destination(const char *path, const char *s3_root,
                           char **out_dir, hc_error *err)
{
    hc_buf dir = HC_BUF_INIT;
    int rc;
    if (!out_dir)
        return hc_error_set(err, HC_ERR_INTERNAL, "resolve_destination: no out_dir");
    *out_dir = NULL;
    rc = hc_validate_s3_path(path, err);
    if (rc != 0)
        return rc;
    int is_file = strncmp(path, "file://", 7) == 0;
    const char *rest = is_file ? path + 7 : path + 5;
    size_t root_len = 0;
    if (!is_file) {
        if (!s3_root || !s3_root[0]) {
            rc = hc_error_set(err, HC_ERR_INTERNAL,
                              "resolve_destination: no S3 root");
            goto done;
        }
        /* Trailing slashes dropped so the joined path has no "//"; a root of
         * "/" becomes "" and the bucket then starts the absolute path. */
        root_len = strlen(s3_root);
        while (root_len > 0 && s3_root[root_len - 1] == '/')
            root_len--;
        hc_buf_append(&dir, s3_root, root_len);
    }
    while (*rest) {
        const char *end = strchr(rest, '/');
        size_t n = end ? (size_t)(end - rest) : strlen(rest);
        if (n == 2 && rest[0] == '.' && rest[1] == '.') {
            rc = refuse(err, path, "%s", "'..' segments could leave the "
                        "destination root");
            goto done;
        }
        if (n > 0 && !(n == 1 && rest[0] == '.')) {
            hc_buf_putc(&dir, '/');
            hc_buf_append(&dir, rest, n);
        }
        rest += n;
        if (*rest == '/')
            rest++;
    }
    if (dir.len == 0)
        hc_buf_putc(&dir, '/'); /* file:/// itself */
    if (dir.failed) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!is_file) {
        char root[HC_S3_PATH_MAX];
        if (root_len >= sizeof root) {
            /* Longer than any path realpath() accepts anyway. */
            rc = hc_error_set(err, HC_ERR_IO, "S3 root path too long");
            goto done;
        }
        memcpy(root, s3_root, root_len);
        root[root_len] = '\0';
        rc = check_existing(dir.data, root_len, root, path, err);
        if (rc != 0)
            goto done;
    }
    *out_dir = dir.data;
    dir.data = NULL;
done:
    hc_buf_free(&dir);
    return rc;
}

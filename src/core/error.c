/* Error filling helpers; see hindcast/error.h. */
#include "hindcast/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hc_error_clear(hc_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}

int hc_error_set(hc_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    hc_error_clear(err);
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

int hc_error_set_at(hc_error *err, int code, const char *path, long line,
                    long column, const char *fmt, ...)
{
    if (!err)
        return code;
    hc_error_clear(err);
    err->code = code;
    err->line = line;
    err->column = column;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    int n;
    if (line > 0 && column > 0)
        n = snprintf(err->message, sizeof err->message, "%s:%ld:%ld: ",
                     err->path, line, column);
    else if (line > 0)
        n = snprintf(err->message, sizeof err->message, "%s:%ld: ", err->path,
                     line);
    else
        n = snprintf(err->message, sizeof err->message, "%s: ", err->path);
    if (n < 0 || (size_t)n >= sizeof err->message)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
    va_end(ap);
    return code;
}

const char *hc_status_exception_name(int code)
{
    switch (code) {
    case HC_ERR_INVALID_INPUT: return "InvalidInputException";
    case HC_ERR_NOT_FOUND: return "ResourceNotFoundException";
    case HC_ERR_ALREADY_EXISTS: return "ResourceAlreadyExistsException";
    case HC_ERR_IN_USE: return "ResourceInUseException";
    case HC_ERR_LIMIT: return "LimitExceededException";
    case HC_ERR_INVALID_TOKEN: return "InvalidNextTokenException";
    default: return NULL;
    }
}

/* hindcast: error values shared by every module.
 *
 * Library functions return 0 (HC_OK) or a negative hc_status and fill a
 * caller-owned hc_error; the library never prints and never exits. The CLI
 * maps the status to an AWS exception name and an exit status. */
#ifndef HINDCAST_ERROR_H
#define HINDCAST_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hc_status {
    HC_OK = 0,
    HC_ERR_INVALID_INPUT = -1,  /* InvalidInputException (exit 254) */
    HC_ERR_NOT_FOUND = -2,      /* ResourceNotFoundException (exit 254) */
    HC_ERR_ALREADY_EXISTS = -3, /* ResourceAlreadyExistsException (exit 254) */
    HC_ERR_IN_USE = -4,         /* ResourceInUseException (exit 254) */
    HC_ERR_LIMIT = -5,          /* LimitExceededException (exit 254) */
    HC_ERR_INVALID_TOKEN = -6,  /* InvalidNextTokenException (exit 254) */
    HC_ERR_IO = -7,             /* file system failure (exit 255) */
    HC_ERR_NOMEM = -8,          /* allocation failure (exit 255) */
    HC_ERR_INTERNAL = -9,       /* a bug or a corrupt file (exit 255) */
    HC_ERR_USAGE = -10,         /* command line cannot be parsed (exit 252) */
    HC_ERR_STOPPED = -11        /* stopped by stop-resource (exit 255) */
} hc_status;

#define HC_ERROR_MESSAGE_MAX 1024
#define HC_ERROR_PATH_MAX 512

/* What went wrong. `message` is complete and user-facing; for data errors it
 * already starts with "PATH:LINE:COLUMN: ". path/line/column repeat the
 * location for programs (0 / "" when not known). */
typedef struct hc_error {
    int code;
    char message[HC_ERROR_MESSAGE_MAX];
    char path[HC_ERROR_PATH_MAX];
    long line;
    long column;
} hc_error;

/* Resets `err` to "no error". NULL-safe. */
void hc_error_clear(hc_error *err);

/* Fills `err` (may be NULL) with `code` and a printf-style message; returns
 * `code` so callers can write `return hc_error_set(err, ...)`. */
int hc_error_set(hc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like hc_error_set for a location in a file: the message becomes
 * "PATH:LINE:COLUMN: text" (line/column omitted when 0). */
int hc_error_set_at(hc_error *err, int code, const char *path, long line,
                    long column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The AWS exception name for a status ("InvalidInputException", ...), or
 * NULL for statuses that are not service errors. */
const char *hc_status_exception_name(int code);

#ifdef __cplusplus
}
#endif
#endif

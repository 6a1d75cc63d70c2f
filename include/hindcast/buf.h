/* hindcast: a growable byte buffer for building text (rows, JSON, paths). */
#ifndef HINDCAST_BUF_H
#define HINDCAST_BUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hc_buf {
    char *data;   /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    int failed;   /* sticky: an allocation failed; later appends do nothing */
} hc_buf;

#define HC_BUF_INIT {NULL, 0, 0, 0}

/* Each returns 0, or -1 after an allocation failure (also sets failed). */
int hc_buf_reserve(hc_buf *b, size_t extra);
int hc_buf_append(hc_buf *b, const char *s, size_t n);
int hc_buf_puts(hc_buf *b, const char *s);
int hc_buf_putc(hc_buf *b, char c);
int hc_buf_printf(hc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends x in Java Double.toString form (hindcast/numfmt.h). */
int hc_buf_put_double(hc_buf *b, double x);
/* Appends one CSV field, quoted (RFC 4180) only when it holds a comma,
 * quote, CR or LF. */
int hc_buf_put_csv_field(hc_buf *b, const char *s, size_t n);
void hc_buf_reset(hc_buf *b);   /* len = 0, keeps memory */
void hc_buf_free(hc_buf *b);    /* NULL-safe */

#ifdef __cplusplus
}
#endif
#endif

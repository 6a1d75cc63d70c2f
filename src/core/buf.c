/* Growable text buffer; see hindcast/buf.h. */
#include "hindcast/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hindcast/numfmt.h"

int hc_buf_reserve(hc_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    size_t need = b->len + extra + 1; /* room for the NUL */
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int hc_buf_append(hc_buf *b, const char *s, size_t n)
{
    if (hc_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int hc_buf_puts(hc_buf *b, const char *s)
{
    return hc_buf_append(b, s, strlen(s));
}

int hc_buf_putc(hc_buf *b, char c)
{
    if (hc_buf_reserve(b, 1) != 0)
        return -1;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

int hc_buf_printf(hc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || hc_buf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int hc_buf_put_double(hc_buf *b, double x)
{
    if (hc_buf_reserve(b, HC_DOUBLE_TEXT_MAX) != 0)
        return -1;
    b->len += hc_format_double(b->data + b->len, x);
    return 0;
}

int hc_buf_put_csv_field(hc_buf *b, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n') {
            quote = 1;
            break;
        }
    }
    if (!quote)
        return hc_buf_append(b, s, n);
    if (hc_buf_putc(b, '"') != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' && hc_buf_putc(b, '"') != 0)
            return -1;
        if (hc_buf_putc(b, s[i]) != 0)
            return -1;
    }
    return hc_buf_putc(b, '"');
}

void hc_buf_reset(hc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void hc_buf_free(hc_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

/* Placeholder until the numfmt module lands (NOT Java format). */
#include <stdio.h>
#include <stdlib.h>
#include "hindcast/numfmt.h"
size_t hc_format_double(char *buf, double x)
{
    return (size_t)snprintf(buf, HC_DOUBLE_TEXT_MAX + 1, "%.17g", x);
}
int hc_parse_double(const char *text, size_t len, double *out)
{
    char *end;
    *out = strtod(text, &end);
    return end == text + len ? 0 : -1;
}

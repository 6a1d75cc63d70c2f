/* Typed request access and AWS-CLI-style response printing. */
#include "service/json_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hindcast/calendar.h"
#include "hindcast/numfmt.h"

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "dict";
    case JSON_ARRAY: return "list";
    case JSON_STRING: return "str";
    case JSON_INTEGER: return "int";
    case JSON_REAL: return "float";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    default: return "None";
    }
}

static int missing(const char *path, hc_error *err)
{
    return hc_error_set(err, HC_ERR_USAGE,
                        "Parameter validation failed:\nMissing required "
                        "parameter in input: \"%s\"", path);
}

static int wrong_type(const char *path, const json_t *v, const char *valid,
                      hc_error *err)
{
    return hc_error_set(err, HC_ERR_USAGE,
                        "Parameter validation failed:\nInvalid type for "
                        "parameter %s, type: <class '%s'>, valid types: %s",
                        path, type_name(v), valid);
}

int ju_check_members(const json_t *obj, const char *where,
                     const char *const *allowed, hc_error *err)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                ok = 1;
        if (!ok) {
            hc_buf list = HC_BUF_INIT;
            for (size_t i = 0; allowed[i]; i++)
                hc_buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
            hc_error_set(err, HC_ERR_USAGE,
                         "Parameter validation failed:\nUnknown parameter in "
                         "%s: \"%s\", must be one of: %s", where, key,
                         list.data ? list.data : "");
            hc_buf_free(&list);
            return HC_ERR_USAGE;
        }
    }
    return 0;
}

static json_t *member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return (v && !json_is_null(v)) ? v : NULL;
}

int ju_get_string(const json_t *obj, const char *key, const char *path,
                  int required, const char **out, hc_error *err)
{
    json_t *v = member(obj, key);
    if (!v)
        return required ? missing(path, err) : 0;
    if (!json_is_string(v))
        return wrong_type(path, v, "<class 'str'>", err);
    *out = json_string_value(v);
    return 0;
}

int ju_get_int(const json_t *obj, const char *key, const char *path,
               int required, long long *out, hc_error *err)
{
    json_t *v = member(obj, key);
    if (!v)
        return required ? missing(path, err) : 0;
    if (!json_is_integer(v))
        return wrong_type(path, v, "<class 'int'>", err);
    *out = json_integer_value(v);
    return 0;
}

int ju_get_bool(const json_t *obj, const char *key, const char *path,
                int required, int *out, hc_error *err)
{
    json_t *v = member(obj, key);
    if (!v)
        return required ? missing(path, err) : 0;
    if (!json_is_boolean(v))
        return wrong_type(path, v, "<class 'bool'>", err);
    *out = json_is_true(v);
    return 0;
}

int ju_get_object(const json_t *obj, const char *key, const char *path,
                  int required, json_t **out, hc_error *err)
{
    json_t *v = member(obj, key);
    if (!v)
        return required ? missing(path, err) : 0;
    if (!json_is_object(v))
        return wrong_type(path, v, "<class 'dict'>", err);
    *out = v;
    return 0;
}

int ju_get_array(const json_t *obj, const char *key, const char *path,
                 int required, json_t **out, hc_error *err)
{
    json_t *v = member(obj, key);
    if (!v)
        return required ? missing(path, err) : 0;
    if (!json_is_array(v))
        return wrong_type(path, v, "<class 'list'>, <class 'tuple'>", err);
    *out = v;
    return 0;
}

json_t *ju_time(int64_t t)
{
    char buf[40];
    hc_format_ts_plain(buf, t);
    strcat(buf, "+00:00");
    return json_string(buf);
}

int ju_parse_time(const char *text, int64_t *out)
{
    size_t len = strlen(text);
    if (len >= 6 && strcmp(text + len - 6, "+00:00") == 0)
        len -= 6;
    size_t bad;
    return hc_parse_timestamp(text, len, HC_TSFMT_ISO8601, out, &bad) == 0 ? 0
                                                                           : -1;
}

/* Python's repr of a float: shortest digits (as Java's), written plain when
 * the decimal exponent is in [-4, 16), else as d.ddde+XX. Derived from the
 * Java text so both agree on the digits. */
static void put_python_float(hc_buf *out, double x)
{
    if (isnan(x)) {
        hc_buf_puts(out, "NaN");
        return;
    }
    if (isinf(x)) {
        hc_buf_puts(out, x > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char java[HC_DOUBLE_TEXT_MAX + 1];
    hc_format_double(java, x);
    const char *p = java;
    int negative = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    char digits[40];
    size_t nd = 0;
    int int_digits = 0, seen_dot = 0;
    long exp10 = 0;
    for (; *p; p++) {
        if (*p == '.') {
            seen_dot = 1;
        } else if (*p == 'E') {
            exp10 = strtol(p + 1, NULL, 10);
            break;
        } else if (nd < sizeof digits - 1) {
            digits[nd++] = *p;
            if (!seen_dot)
                int_digits++;
        }
    }
    long pos = int_digits + exp10;
    size_t first = 0;
    while (first + 1 < nd && digits[first] == '0') {
        first++;
        pos--;
    }
    while (nd > first + 1 && digits[nd - 1] == '0')
        nd--;
    const char *d = digits + first;
    size_t n = nd - first;
    if (negative)
        hc_buf_putc(out, '-');
    if (n == 1 && d[0] == '0') {
        hc_buf_puts(out, "0.0");
        return;
    }
    long sci = pos - 1;
    if (sci >= -4 && sci < 16) {
        if (pos <= 0) {
            hc_buf_puts(out, "0.");
            for (long i = 0; i < -pos; i++)
                hc_buf_putc(out, '0');
            hc_buf_append(out, d, n);
        } else if ((size_t)pos >= n) {
            hc_buf_append(out, d, n);
            for (size_t i = n; i < (size_t)pos; i++)
                hc_buf_putc(out, '0');
            hc_buf_puts(out, ".0");
        } else {
            hc_buf_append(out, d, (size_t)pos);
            hc_buf_putc(out, '.');
            hc_buf_append(out, d + pos, n - (size_t)pos);
        }
    } else {
        hc_buf_putc(out, d[0]);
        if (n > 1) {
            hc_buf_putc(out, '.');
            hc_buf_append(out, d + 1, n - 1);
        }
        hc_buf_printf(out, "e%c%02ld", sci < 0 ? '-' : '+', sci < 0 ? -sci : sci);
    }
}

static void put_string(hc_buf *out, const char *s, size_t len)
{
    hc_buf_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': hc_buf_puts(out, "\\\""); break;
        case '\\': hc_buf_puts(out, "\\\\"); break;
        case '\n': hc_buf_puts(out, "\\n"); break;
        case '\r': hc_buf_puts(out, "\\r"); break;
        case '\t': hc_buf_puts(out, "\\t"); break;
        case '\b': hc_buf_puts(out, "\\b"); break;
        case '\f': hc_buf_puts(out, "\\f"); break;
        default:
            if (c < 0x20)
                hc_buf_printf(out, "\\u%04x", c);
            else
                hc_buf_putc(out, (char)c);
        }
    }
    hc_buf_putc(out, '"');
}

static void indent(hc_buf *out, int depth)
{
    for (int i = 0; i < depth * 4; i++)
        hc_buf_putc(out, ' ');
}

static void dump(const json_t *v, hc_buf *out, int depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (json_object_size(v) == 0) {
            hc_buf_puts(out, "{}");
            break;
        }
        hc_buf_puts(out, "{\n");
        const char *key;
        json_t *value;
        size_t i = 0, n = json_object_size(v);
        json_object_foreach((json_t *)v, key, value) {
            indent(out, depth + 1);
            put_string(out, key, strlen(key));
            hc_buf_puts(out, ": ");
            dump(value, out, depth + 1);
            hc_buf_puts(out, ++i < n ? ",\n" : "\n");
        }
        indent(out, depth);
        hc_buf_putc(out, '}');
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (n == 0) {
            hc_buf_puts(out, "[]");
            break;
        }
        hc_buf_puts(out, "[\n");
        for (size_t i = 0; i < n; i++) {
            indent(out, depth + 1);
            dump(json_array_get(v, i), out, depth + 1);
            hc_buf_puts(out, i + 1 < n ? ",\n" : "\n");
        }
        indent(out, depth);
        hc_buf_putc(out, ']');
        break;
    }
    case JSON_STRING:
        put_string(out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        hc_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        put_python_float(out, json_real_value(v));
        break;
    case JSON_TRUE: hc_buf_puts(out, "true"); break;
    case JSON_FALSE: hc_buf_puts(out, "false"); break;
    default: hc_buf_puts(out, "null"); break;
    }
}

int ju_dump_cli(const json_t *v, hc_buf *out)
{
    dump(v, out, 0);
    hc_buf_putc(out, '\n');
    return out->failed ? -1 : 0;
}

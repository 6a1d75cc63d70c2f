/* Shared pieces of the validators: AWS-style message building, UTF-8 and the
 * Unicode class lookup. */
#include "validate_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Echoed values are shortened: a 4096-character path must not push the rule
 * text out of the fixed-size message. */
#define SHOWN_VALUE_BYTES 160
/* Room kept for "NN validation errors detected: " and a final "; ...". */
#define TEXT_CAP (HC_ERROR_MESSAGE_MAX - 64)

char unicode_lzn_class(uint32_t cp)
{
    size_t lo = 0, hi = lzn_range_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < lzn_ranges[mid].lo)
            hi = mid;
        else if (cp > lzn_ranges[mid].hi)
            lo = mid + 1;
        else
            return lzn_ranges[mid].cls;
    }
    return 0;
}

size_t utf8_decode(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        /* A NUL terminator is not a continuation byte, so this never reads
         * past the end of the string. */
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

size_t utf8_length(const char *s, int *valid)
{
    size_t n = 0;
    int ok = 1;
    while (*s) {
        uint32_t cp;
        size_t k = utf8_decode(s, &cp);
        if (k == 0) {
            ok = 0;
            k = 1;
        }
        s += k;
        n++;
    }
    if (valid)
        *valid = ok;
    return n;
}

int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

void quote_value(char *dst, size_t cap, const char *value)
{
    size_t o = 0;
    /* Leaves room for the closing quote, "..." and the terminator. */
    size_t limit = cap > 6 ? cap - 6 : 0;
    if (cap == 0)
        return;
    if (!value) {
        snprintf(dst, cap, "null");
        return;
    }
    if (o < limit)
        dst[o++] = '\'';
    const char *s = value;
    while (*s && (size_t)(s - value) < SHOWN_VALUE_BYTES) {
        uint32_t cp;
        size_t k = utf8_decode(s, &cp);
        if (k == 0 || is_control(cp)) {
            /* Escape each byte so that a message never carries terminal
             * control sequences or broken UTF-8. */
            size_t nb = k ? k : 1;
            if (o + 4 * nb > limit)
                break;
            for (size_t i = 0; i < nb; i++) {
                snprintf(dst + o, cap - o, "\\x%02X", (unsigned char)s[i]);
                o += 4;
            }
            s += nb;
            continue;
        }
        if (o + k > limit)
            break;
        memcpy(dst + o, s, k);
        o += k;
        s += k;
    }
    if (*s) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o++] = '\'';
    dst[o] = '\0';
}

static void add_entry(violations *v, const char *entry)
{
    size_t n = strlen(entry);
    const char *sep = v->count > 0 ? "; " : "";
    size_t sn = strlen(sep);
    v->count++;
    if (v->truncated)
        return;
    if (v->len + sn + n >= TEXT_CAP) {
        if (v->len == 0) {
            /* The first entry is always shown, shortened if it must be. */
            size_t k = TEXT_CAP - 1;
            while (k > 0 && ((unsigned char)entry[k] & 0xC0) == 0x80)
                k--; /* never cut a UTF-8 sequence */
            memcpy(v->text, entry, k);
            v->text[k] = '\0';
            v->len = k;
        }
        v->truncated = 1;
        return;
    }
    memcpy(v->text + v->len, sep, sn);
    memcpy(v->text + v->len + sn, entry, n + 1);
    v->len += sn + n;
}

static void add_formatted(violations *v, const char *shown, const char *field,
                          const char *rule_fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void add_formatted(violations *v, const char *shown, const char *field,
                          const char *rule_fmt, va_list ap)
{
    char rule[512];
    char entry[HC_ERROR_MESSAGE_MAX];
    vsnprintf(rule, sizeof rule, rule_fmt, ap);
    snprintf(entry, sizeof entry,
             "Value %s at '%s' failed to satisfy constraint: %s", shown,
             field ? field : "", rule);
    add_entry(v, entry);
}

void violation(violations *v, const char *value, const char *field,
               const char *rule_fmt, ...)
{
    char shown[4 * SHOWN_VALUE_BYTES + 16];
    quote_value(shown, sizeof shown, value);
    va_list ap;
    va_start(ap, rule_fmt);
    add_formatted(v, shown, field, rule_fmt, ap);
    va_end(ap);
}

void violation_count(violations *v, size_t members, const char *field,
                     const char *rule_fmt, ...)
{
    char shown[64];
    snprintf(shown, sizeof shown, "with %zu member%s", members,
             members == 1 ? "" : "s");
    va_list ap;
    va_start(ap, rule_fmt);
    add_formatted(v, shown, field, rule_fmt, ap);
    va_end(ap);
}

void violation_length(violations *v, const char *value, const char *field,
                      size_t min, size_t max)
{
    size_t len = utf8_length(value, NULL);
    if (len > max)
        violation(v, value, field,
                  "Member must have length less than or equal to %zu", max);
    if (len < min)
        violation(v, value, field,
                  "Member must have length greater than or equal to %zu", min);
}

int violations_finish(const violations *v, hc_error *err)
{
    if (v->count == 0)
        return 0;
    return hc_error_set(err, HC_ERR_INVALID_INPUT,
                        "%d validation error%s detected: %s%s", v->count,
                        v->count == 1 ? "" : "s", v->text,
                        v->truncated ? "; ..." : "");
}

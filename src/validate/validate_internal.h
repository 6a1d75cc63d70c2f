/* Private to src/validate: the violation collector that builds AWS-style
 * validation messages, strict UTF-8 decoding and the Unicode class table. */
#ifndef HC_VALIDATE_INTERNAL_H
#define HC_VALIDATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/error.h"

/* One range of code points of one general category class: 'L', 'Z', 'N'. */
typedef struct lzn_range {
    uint32_t lo;
    uint32_t hi;
    char cls;
} lzn_range;

extern const lzn_range lzn_ranges[];
extern const size_t lzn_range_count;

/* 'L', 'Z' or 'N' for a code point in those general categories, else 0. */
char unicode_lzn_class(uint32_t cp);

/* Decodes one UTF-8 sequence at s (NUL-terminated). Returns its length in
 * bytes and stores the code point, or returns 0 for an ill-formed sequence
 * (overlong forms, surrogates and values above U+10FFFF are ill-formed). */
size_t utf8_decode(const char *s, uint32_t *cp);

/* Characters of s: code points, an ill-formed byte counting as one. Sets
 * *valid (may be NULL) to whether s is well-formed UTF-8. */
size_t utf8_length(const char *s, int *valid);

/* Cc: C0 controls, DEL and C1 controls. */
int is_control(uint32_t cp);

/* AWS lists every constraint a request breaks, as "N validation errors
 * detected: A; B". A `violations` gathers those entries. */
typedef struct violations {
    int count;
    int truncated;
    size_t len;
    char text[HC_ERROR_MESSAGE_MAX];
} violations;

#define VIOLATIONS_INIT {0, 0, 0, {0}}

/* Adds "Value <shown> at '<field>' failed to satisfy constraint: <rule>".
 * `value` is echoed quoted (NULL prints `null`); control characters and
 * ill-formed bytes are escaped as \xNN and long values are shortened. */
void violation(violations *v, const char *value, const char *field,
               const char *rule_fmt, ...) __attribute__((format(printf, 4, 5)));

/* Like violation() for a list member count: "Value with N members at ...". */
void violation_count(violations *v, size_t members, const char *field,
                     const char *rule_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds the length violations (in characters) of a non-NULL string member. */
void violation_length(violations *v, const char *value, const char *field,
                      size_t min, size_t max);

/* 0 when nothing was added; else fills err and returns HC_ERR_INVALID_INPUT. */
int violations_finish(const violations *v, hc_error *err);

/* Writes value quoted and escaped like violation() does ('' around it). */
void quote_value(char *dst, size_t cap, const char *value);

#endif

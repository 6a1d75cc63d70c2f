/* Tag validation; see hc_validate_tags in hindcast/validate.h. */
#include "hindcast/validate.h"

#include <stdio.h>
#include <string.h>

#include "validate_internal.h"

#define TAG_PATTERN "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"

static int tag_char_ok(uint32_t cp)
{
    if (cp != 0 && cp < 0x80 && strchr("_.:/=+-@", (int)cp))
        return 1;
    return unicode_lzn_class(cp) != 0;
}

static int tag_text_matches(const char *s)
{
    while (*s) {
        uint32_t cp;
        size_t k = utf8_decode(s, &cp);
        if (k == 0 || !tag_char_ok(cp))
            return 0;
        s += k;
    }
    return 1;
}

int hc_tag_key_is_reserved(const char *key)
{
    static const char prefix[] = "aws:";
    if (!key)
        return 0;
    for (size_t i = 0; i < sizeof prefix - 1; i++) {
        char c = key[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return 0;
    }
    return 1;
}

static void check_member(violations *v, const char *text, const char *field,
                         size_t min, size_t max)
{
    if (!text) {
        violation(v, NULL, field, "Member must not be null");
        return;
    }
    violation_length(v, text, field, min, max);
    if (!tag_text_matches(text))
        violation(v, text, field,
                  "Member must satisfy regular expression pattern: %s",
                  TAG_PATTERN);
}

int hc_validate_tags(const hc_tag *tags, size_t n,
                     size_t existing_user_tags_not_overwritten, hc_error *err)
{
    violations v = VIOLATIONS_INIT;
    char field[64];
    char shown[700];
    if (n > 0 && !tags)
        return hc_error_set(err, HC_ERR_INTERNAL, "tags: NULL list of %zu", n);
    if (n > HC_TAGS_MAX_PER_REQUEST)
        violation_count(&v, n, "tags",
                        "Member must have length less than or equal to %d",
                        HC_TAGS_MAX_PER_REQUEST);
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "tags.%zu.member.key", i + 1);
        check_member(&v, tags[i].key, field, 1, HC_TAG_KEY_MAX);
        snprintf(field, sizeof field, "tags.%zu.member.value", i + 1);
        check_member(&v, tags[i].value, field, 0, HC_TAG_VALUE_MAX);
    }
    int rc = violations_finish(&v, err);
    if (rc != 0)
        return rc;

    for (size_t i = 0; i < n; i++) {
        if (hc_tag_key_is_reserved(tags[i].key)) {
            quote_value(shown, sizeof shown, tags[i].key);
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "Value %s at 'tags.%zu.member.key' is not "
                                "allowed: tag keys starting with 'aws:' in "
                                "any case are reserved for AWS use",
                                shown, i + 1);
        }
    }
    /* At most 200 keys: the quadratic scan is cheaper than a hash set. */
    for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(tags[i].key, tags[j].key) == 0) {
                quote_value(shown, sizeof shown, tags[i].key);
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "Value %s at 'tags.%zu.member.key' "
                                    "repeats the key at 'tags.%zu.member.key':"
                                    " tag keys must be unique",
                                    shown, i + 1, j + 1);
            }
        }
    }
    size_t existing = existing_user_tags_not_overwritten;
    if (existing > HC_TAGS_MAX_PER_RESOURCE ||
        n > HC_TAGS_MAX_PER_RESOURCE - existing) {
        size_t total = n + existing < n ? (size_t)-1 : n + existing;
        return hc_error_set(err, HC_ERR_LIMIT,
                            "Too many tags: the resource would have %zu user "
                            "tags, more than the limit of %d per resource "
                            "(keys starting with 'aws:' do not count)",
                            total, HC_TAGS_MAX_PER_RESOURCE);
    }
    return 0;
}

/* Shorthand parameter syntax, as the AWS CLI accepts it. */
#include "cli/shorthand.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *s;
    size_t pos;
    char *msg;
    size_t cap;
    int failed;
} parser;

static const char *const integer_keys[] = {
    "ForecastHorizon", "NumberOfBacktestWindows", "BackTestWindowOffset",
    "MaxResults", NULL};
static const char *const boolean_keys[] = {"Header", "PerformAutoML",
                                           "PerformHPO", NULL};

static int in_list(const char *key, const char *const *list)
{
    for (size_t i = 0; key && list[i]; i++)
        if (strcmp(key, list[i]) == 0)
            return 1;
    return 0;
}

static void fail(parser *p, const char *what)
{
    if (!p->failed)
        snprintf(p->msg, p->cap,
                 "Error parsing parameter: %s at character %zu of '%s'", what,
                 p->pos + 1, p->s);
    p->failed = 1;
}

static json_t *typed_scalar(const char *key, const char *text)
{
    if (in_list(key, integer_keys)) {
        char *end;
        long long v = strtoll(text, &end, 10);
        if (*text && *end == '\0')
            return json_integer(v);
    }
    if (in_list(key, boolean_keys)) {
        if (strcmp(text, "true") == 0)
            return json_true();
        if (strcmp(text, "false") == 0)
            return json_false();
    }
    return json_string(text);
}

static json_t *parse_value(parser *p, const char *key);

static char *parse_scalar_text(parser *p)
{
    size_t cap = strlen(p->s) + 1, n = 0;
    char *out = malloc(cap);
    if (!out) {
        fail(p, "out of memory");
        return NULL;
    }
    char quote = 0;
    if (p->s[p->pos] == '"' || p->s[p->pos] == '\'')
        quote = p->s[p->pos++];
    for (;;) {
        char c = p->s[p->pos];
        if (c == '\0') {
            if (quote) {
                fail(p, "unterminated quote");
                free(out);
                return NULL;
            }
            break;
        }
        if (quote) {
            p->pos++;
            if (c == quote)
                break;
            if (c == '\\' && p->s[p->pos] == quote)
                c = p->s[p->pos++];
            out[n++] = c;
            continue;
        }
        if (c == ',' || c == '}' || c == ']')
            break;
        out[n++] = c;
        p->pos++;
    }
    out[n] = '\0';
    return out;
}

static json_t *parse_struct(parser *p, char close)
{
    json_t *obj = json_object();
    for (;;) {
        size_t start = p->pos;
        while (p->s[p->pos] && p->s[p->pos] != '=' && p->s[p->pos] != ',' &&
               p->s[p->pos] != close)
            p->pos++;
        if (p->s[p->pos] != '=') {
            fail(p, "expected Key=Value");
            break;
        }
        char *key = strndup(p->s + start, p->pos - start);
        p->pos++;
        json_t *v = key ? parse_value(p, key) : NULL;
        if (!v || p->failed) {
            free(key);
            json_decref(v);
            break;
        }
        json_object_set_new(obj, key, v);
        free(key);
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        break;
    }
    if (p->failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *parse_list(parser *p, const char *key)
{
    json_t *arr = json_array();
    if (p->s[p->pos] == ']')
        return arr;
    for (;;) {
        json_t *v = parse_value(p, key);
        if (!v || p->failed) {
            json_decref(v);
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, v);
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        return arr;
    }
}

static json_t *parse_value(parser *p, const char *key)
{
    char c = p->s[p->pos];
    if (c == '{') {
        p->pos++;
        json_t *v = parse_struct(p, '}');
        if (v && p->s[p->pos] != '}') {
            fail(p, "expected '}'");
            json_decref(v);
            return NULL;
        }
        p->pos++;
        return v;
    }
    if (c == '[') {
        p->pos++;
        json_t *v = parse_list(p, key);
        if (v && p->s[p->pos] != ']') {
            fail(p, "expected ']'");
            json_decref(v);
            return NULL;
        }
        p->pos++;
        return v;
    }
    char *text = parse_scalar_text(p);
    if (!text)
        return NULL;
    json_t *v = typed_scalar(key, text);
    free(text);
    return v;
}

json_t *hc_cli_parse_value(const char *text, int as_list, char *msg, size_t cap)
{
    const char *t = text;
    while (isspace((unsigned char)*t))
        t++;
    if (*t == '{' || *t == '[' || *t == '"') {
        json_error_t jerr;
        json_t *v = json_loads(t, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
        if (v)
            return v;
        /* `{...}` may also be shorthand for a list of structures; fall
         * through only when it is not JSON-looking at all. */
        if (*t != '{' || strchr(t, '"')) {
            snprintf(msg, cap, "Error parsing parameter: Invalid JSON: %s "
                     "(line %d, column %d) in '%s'", jerr.text, jerr.line,
                     jerr.column, text);
            return NULL;
        }
    }
    parser p = {text, 0, msg, cap, 0};
    json_t *v;
    if (as_list) {
        v = parse_list(&p, NULL);
    } else if (strchr(text, '=')) {
        v = parse_struct(&p, '\0');
    } else {
        v = parse_value(&p, NULL);
    }
    if (v && !p.failed && p.s[p.pos] != '\0')
        fail(&p, "unexpected character");
    if (p.failed) {
        json_decref(v);
        return NULL;
    }
    return v;
}

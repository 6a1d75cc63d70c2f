/* Global options, verb options and --cli-input-json. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/shorthand.h"
#include "hindcast/buf.h"

void hc_cli_globals_init(hc_cli_globals *g)
{
    memset(g, 0, sizeof *g);
}

int hc_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\nusage: hindcast [options] <command> [parameters]\n"
                    "hindcast: error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 252;
}

/* Matches "--name value" and "--name=value". */
static int take_value(int argc, char **argv, int *i, const char *name,
                      const char **value)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        *value = NULL;
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

static int parse_count(const char *text, unsigned long long max,
                       unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!text || text[0] == '-' || text[0] == '\0')
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

int hc_cli_split_globals(int argc, char **argv, hc_cli_globals *g,
                         const char **verb, char **rest, int *nrest)
{
    *verb = NULL;
    *nrest = 0;
    static const char *const value_options[] = {
        "--workspace", "--region", "--account", "--s3-root", "--threads",
        "--part-size-limit", "--max-jobs-in-progress", "--max-jobs",
        "--compression-level", "--compression", "--shard", NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = NULL;
        int matched = 0;
        for (size_t k = 0; value_options[k] && !matched; k++) {
            int r = take_value(argc, argv, &i, value_options[k], &value);
            if (r < 0)
                return hc_cli_usage_error("argument %s: expected one argument",
                                   value_options[k]);
            if (r == 0)
                continue;
            matched = 1;
            if (value[0] == '\0')
                return hc_cli_usage_error("argument %s: expected a non-empty value",
                                   value_options[k]);
            switch (k) {
            case 0: g->workspace = value; break;
            case 1: g->region = value; break;
            case 2: g->account = value; break;
            case 3: g->s3_root = value; break;
            case 4: {
                unsigned long long v;
                if (parse_count(value, 1024, &v) != 0)
                    return hc_cli_usage_error("argument --threads: '%s' is not a whole "
                                       "number from 1 to 1024", value);
                g->threads = (int)v;
                break;
            }
            case 5: {
                unsigned long long v;
                if (parse_count(value, 1ull << 50, &v) != 0 || v < 1024)
                    return hc_cli_usage_error("argument --part-size-limit: '%s' is not "
                                       "a whole number of bytes >= 1024", value);
                g->part_size_limit = v;
                break;
            }
            case 6:
            case 7: {
                unsigned long long v;
                if (parse_count(value, 1000000, &v) != 0)
                    return hc_cli_usage_error("argument %s: '%s' is not a whole number "
                                       "from 1 to 1000000", value_options[k], value);
                if (k == 6)
                    g->max_jobs_in_progress = (int)v;
                else
                    g->max_jobs = (int)v;
                break;
            }
            case 8: {
                unsigned long long v;
                if (parse_count(value, 9, &v) != 0)
                    return hc_cli_usage_error("argument --compression-level: '%s' is not "
                                       "a whole number from 1 to 9", value);
                g->compression_level = (int)v;
                break;
            }
            case 10: g->shard = value; break; /* checked with the verb */
            default:
                if (strcmp(value, "gzip") == 0)
                    g->compression = 1;
                else if (strcmp(value, "none") == 0)
                    g->compression = 0;
                else
                    return hc_cli_usage_error("argument --compression: Invalid choice: "
                                       "'%s' (choose from 'gzip', 'none')", value);
                break;
            }
        }
        if (matched)
            continue;
        if (strcmp(a, "--quiet") == 0) {
            g->quiet = 1;
        } else if (strcmp(a, "--timings") == 0) {
            g->timings = 1;
        } else if (strcmp(a, "--help") == 0 && !*verb) {
            g->help = 1;
        } else if (strcmp(a, "--version") == 0 && !*verb) {
            g->version = 1;
        } else if (!*verb && a[0] != '-') {
            *verb = a;
        } else if (!*verb) {
            return hc_cli_usage_error("unknown option %s before the command", a);
        } else {
            rest[(*nrest)++] = argv[i];
        }
    }
    return 0;
}

static char *read_all(FILE *fp)
{
    hc_buf b = HC_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        hc_buf_append(&b, chunk, n);
    if (ferror(fp) || b.failed) {
        hc_buf_free(&b);
        return NULL;
    }
    if (!b.data)
        hc_buf_puts(&b, "");
    return b.data;
}

static json_t *load_cli_input(const char *value, char *msg, size_t cap)
{
    char *text = NULL;
    const char *source = "the --cli-input-json value";
    if (strcmp(value, "-") == 0) {
        text = read_all(stdin);
        source = "standard input";
    } else if (strncmp(value, "file://", 7) == 0) {
        FILE *fp = fopen(value + 7, "rb");
        if (!fp) {
            snprintf(msg, cap, "Error parsing parameter 'cli-input-json': Unable "
                     "to load paramfile %s: %s", value, strerror(errno));
            return NULL;
        }
        text = read_all(fp);
        fclose(fp);
        source = value + 7;
    } else {
        size_t n = strlen(value) + 1;
        text = malloc(n);
        if (text)
            memcpy(text, value, n);
    }
    if (!text) {
        snprintf(msg, cap, "Error parsing parameter 'cli-input-json': cannot "
                 "read %s", source);
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!doc) {
        snprintf(msg, cap, "Error parsing parameter 'cli-input-json': Invalid "
                 "JSON in %s at line %d, column %d: %s", source, jerr.line,
                 jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        snprintf(msg, cap, "Error parsing parameter 'cli-input-json': %s does "
                 "not hold a JSON object", source);
        return NULL;
    }
    return doc;
}

static json_t *parse_tags(int nargs, char **args, int *i, char *msg, size_t cap)
{
    json_t *tags = json_array();
    int first = *i + 1;
    while (*i + 1 < nargs && strncmp(args[*i + 1], "--", 2) != 0) {
        ++*i;
        json_t *v = hc_cli_parse_value(args[*i], 0, msg, cap);
        if (!v) {
            json_decref(tags);
            return NULL;
        }
        if (json_is_array(v))
            json_array_extend(tags, v);
        else
            json_array_append(tags, v);
        json_decref(v);
    }
    if (*i + 1 == first) {
        json_decref(tags);
        snprintf(msg, cap, "argument --tags: expected at least one argument");
        return NULL;
    }
    return tags;
}

int hc_cli_build_request(const hc_cli_verb *verb, int nargs, char **args,
                         json_t **request, char *msg, size_t cap)
{
    json_t *flags = json_object();
    json_t *input = NULL;
    *request = NULL;
    for (int i = 0; i < nargs; i++) {
        const char *a = args[i];
        const char *value = NULL;
        int r = take_value(nargs, args, &i, "--cli-input-json", &value);
        if (r < 0) {
            snprintf(msg, cap, "argument --cli-input-json: expected one argument");
            goto fail;
        }
        if (r > 0) {
            json_decref(input);
            if (!(input = load_cli_input(value, msg, cap)))
                goto fail;
            continue;
        }
        const hc_cli_flag *flag = NULL;
        const char *eq = strchr(a, '=');
        size_t alen = eq ? (size_t)(eq - a) : strlen(a);
        for (const hc_cli_flag *f = verb->flags; f->name; f++)
            if (strlen(f->name) == alen && strncmp(f->name, a, alen) == 0)
                flag = f;
        if (!flag) {
            snprintf(msg, cap, "Unknown options: %s", a);
            goto fail;
        }
        json_t *v = NULL;
        switch (flag->kind) {
        case HC_FLAG_TRUE: v = json_true(); break;
        case HC_FLAG_FALSE: v = json_false(); break;
        case HC_FLAG_TAGS:
            if (!(v = parse_tags(nargs, args, &i, msg, cap)))
                goto fail;
            break;
        case HC_FLAG_LIST: {
            v = json_array();
            if (eq)
                json_array_append_new(v, json_string(eq + 1));
            while (i + 1 < nargs && strncmp(args[i + 1], "--", 2) != 0)
                json_array_append_new(v, json_string(args[++i]));
            if (json_array_size(v) == 0) {
                json_decref(v);
                snprintf(msg, cap, "argument %s: expected at least one argument",
                         flag->name);
                goto fail;
            }
            break;
        }
        default: {
            if (take_value(nargs, args, &i, flag->name, &value) <= 0) {
                snprintf(msg, cap, "argument %s: expected one argument",
                         flag->name);
                goto fail;
            }
            if (flag->kind == HC_FLAG_STRING) {
                v = json_string(value);
            } else if (flag->kind == HC_FLAG_INT) {
                char *end;
                errno = 0;
                long long n = strtoll(value, &end, 10);
                if (errno || *end || !*value) {
                    snprintf(msg, cap, "argument %s: invalid int value: '%s'",
                             flag->name, value);
                    goto fail;
                }
                v = json_integer(n);
            } else {
                if (!(v = hc_cli_parse_value(value, 0, msg, cap)))
                    goto fail;
            }
        }
        }
        json_object_set_new(flags, flag->member, v);
    }
    *request = input ? input : json_object();
    json_object_update(*request, flags);
    json_decref(flags);
    return 0;
fail:
    json_decref(flags);
    json_decref(input);
    return -1;
}

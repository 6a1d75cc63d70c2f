/* generate-demo-data: writes the deterministic demo dataset (an extension
 * verb; the demo, the golden tests and the benchmarks use it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "hindcast/calendar.h"
#include "hindcast/demo.h"

static int bad(const char *what, const char *value)
{
    fprintf(stderr, "\nusage: hindcast generate-demo-data --output PATH "
                    "[--frequency H|D] [--items N] [--length N] [--seed N] "
                    "[--start TIME] [--gzip]\nhindcast: error: %s%s%s\n", what,
            value ? ": " : "", value ? value : "");
    return 252;
}

static int parse_size(const char *text, unsigned long long max,
                      unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!text || !*text || *text == '-')
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int hc_cli_generate_demo_data(int nargs, char **args)
{
    const char *output = NULL, *freq_text = "H", *start = NULL;
    const char *items = NULL, *length = NULL, *seed = NULL;
    int gzip = -1;
    for (int i = 0; i < nargs; i++) {
        const char *a = args[i];
        const char **slot = NULL;
        if (strcmp(a, "--output") == 0)
            slot = &output;
        else if (strcmp(a, "--frequency") == 0)
            slot = &freq_text;
        else if (strcmp(a, "--items") == 0)
            slot = &items;
        else if (strcmp(a, "--length") == 0)
            slot = &length;
        else if (strcmp(a, "--seed") == 0)
            slot = &seed;
        else if (strcmp(a, "--start") == 0)
            slot = &start;
        else if (strcmp(a, "--gzip") == 0)
            gzip = 1;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "help") == 0)
            return bad("help requested", NULL) == 252 ? 0 : 0;
        else
            return bad("unknown option", a);
        if (slot) {
            if (i + 1 >= nargs)
                return bad("expected a value after", a);
            *slot = args[++i];
        }
    }
    if (!output)
        return bad("--output is required", NULL);
    hc_freq freq;
    if (hc_freq_parse(freq_text, &freq) != 0 || (freq != HC_FREQ_H && freq != HC_FREQ_D))
        return bad("--frequency must be H or D", freq_text);
    hc_demo_options o;
    hc_demo_options_init(&o, freq);
    unsigned long long v;
    if (items) {
        if (parse_size(items, 100000000ull, &v) || v == 0)
            return bad("--items must be a whole number from 1", items);
        o.items = (size_t)v;
    }
    if (length) {
        if (parse_size(length, 100000000ull, &v) || v < 2)
            return bad("--length must be a whole number from 2", length);
        o.length = (size_t)v;
    }
    if (seed) {
        if (parse_size(seed, ~0ull, &v))
            return bad("--seed must be a non-negative whole number", seed);
        o.seed = v;
    }
    if (start)
        o.start = start;
    size_t len = strlen(output);
    o.gzip = gzip == 1 || (len > 3 && strcmp(output + len - 3, ".gz") == 0);

    hc_demo_summary s;
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_demo_write(&o, output, &s, &err);
    if (rc) {
        fprintf(stderr, "\nhindcast: %s\n", err.message);
        return rc == HC_ERR_INVALID_INPUT ? 252 : 255;
    }
    char first[32], last[32];
    hc_format_ts_iso(first, s.first_timestamp);
    hc_format_ts_iso(last, s.last_timestamp);
    json_t *doc = json_pack(
        "{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "Path", output,
        "Frequency", hc_freq_name(freq), "Series", (json_int_t)s.items, "Rows",
        (json_int_t)s.rows, "MissingSteps", (json_int_t)s.missing_steps,
        "IntermittentSeries", (json_int_t)s.intermittent_items,
        "LateStartSeries", (json_int_t)s.late_start_items, "EarlyEndSeries",
        (json_int_t)s.early_end_items, "FirstTimestamp", first, "LastTimestamp",
        last);
    char *text = doc ? json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(doc);
    return 0;
}

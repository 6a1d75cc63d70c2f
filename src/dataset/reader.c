/* Reading a target time series CSV into dense per-item series.
 *
 * Pass 1 streams the file (zlib, so .gz and plain alike) through libcsv in
 * strict mode and appends one fixed-size record per data row: timestamp,
 * value, item number. Items are found by a hash map keyed by
 * "item_id\0dim1\0...\0" (NUL is refused inside fields, so the key is
 * unambiguous and its bytes also sort in key order). Pass 2 groups the
 * records by item (a stable counting sort of row numbers), orders each
 * item's rows by timestamp, aggregates them per step and fills the gaps.
 * No allocation happens per row: rows, keys and the map grow by doubling.
 *
 * Errors found after the file was read (a second row in one step with
 * aggregation none) need the row's line: the file is then scanned again
 * up to that row, which costs nothing on the success path. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <zlib.h>

#include "dataset/dataset_internal.h"
#include "hindcast/calendar.h"
#include "hindcast/dataset.h"
#include "hindcast/numfmt.h"

#define READ_CHUNK (1u << 18)
#define SHOW_MAX 64 /* field text quoted in messages is cut to this */
/* A dense dataset larger than this is almost surely a timestamp typo
 * (one row in 1900 of a minute-level set) rather than real data. */
#define MAX_DENSE_VALUES (UINT64_C(1) << 32)

enum role {
    ROLE_IGNORE = 0, /* string attribute that is not a chosen dimension */
    ROLE_ITEM,
    ROLE_TS,
    ROLE_TARGET,
    ROLE_DIM,
    ROLE_NUMBER,  /* another float attribute: validated, not kept */
    ROLE_INTEGER  /* another integer attribute: validated, not kept */
};

typedef struct row_rec {
    int64_t ts;
    double value;
    uint32_t item;    /* in scratch copies: the row's number in the file */
    uint32_t missing; /* target empty or NaN */
} row_rec;

typedef struct item_rec {
    size_t key_off;  /* in the key arena */
    size_t key_len;  /* including every NUL */
    uint64_t hash;
    size_t nrows;
    size_t first_row; /* where its rows start after grouping */
    int64_t first_obs_ts;
    int observed;
} item_rec;

typedef struct field_ref {
    size_t off, len;
} field_ref;

typedef struct reader {
    const hc_dataset_options *opts;
    const char *path;
    hc_error *err;
    int status; /* first error; callbacks do nothing once set */

    /* schema */
    size_t ncols;
    unsigned char *role;
    size_t *dim_of_col; /* for ROLE_DIM: position in the key */
    size_t ndims;
    size_t col_item, col_ts, col_target;
    int target_integer;
    const char *ts_expect;

    /* where we are in the text */
    long line;       /* physical line the parser is on (1-based) */
    int pending_cr;  /* a CR ended a row; an LF right after it is the same break */
    long row_line;
    size_t nfields;
    char *rowbuf;
    size_t rowlen, rowcap;
    field_ref *fields; /* ncols entries */
    int header_pending;
    size_t data_rows; /* data rows seen so far (header and blank lines excluded) */

    /* locate mode: find the line of data row `locate_row` and stop */
    int locating;
    size_t locate_row;
    long located_line;
    int stop;

    /* collected rows and items */
    row_rec *rows;
    size_t nrows, rowscap;
    item_rec *items;
    size_t nitems, itemscap;
    uint32_t *table; /* item number + 1, 0 = empty */
    size_t tablecap;
    char *keys;
    size_t keyslen, keyscap;
    char *keybuf;
    size_t keybuflen, keybufcap;
    size_t last_item; /* consecutive rows usually share the item */
    int have_last;
} reader;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem)
            return -1;
        c *= 2;
    }
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int nomem(reader *r)
{
    if (!r->status)
        r->status = hc_error_set_at(r->err, HC_ERR_NOMEM, r->path, r->line, 0,
                                    "out of memory while reading");
    return r->status;
}

/* A field as it appears in messages: cut to SHOW_MAX bytes. */
static int show_len(size_t len)
{
    return (int)(len > SHOW_MAX ? SHOW_MAX : len);
}

static const char *show_tail(size_t len)
{
    return len > SHOW_MAX ? "..." : "";
}

/* ---- schema -------------------------------------------------------------- */

static int setup_schema(reader *r)
{
    const hc_dataset_options *o = r->opts;
    hc_error *err = r->err;
    size_t n = o->nattributes;
    if (n == 0 || !o->attribute_names || !o->attribute_types)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "the schema has no attributes");
    r->ncols = n;
    r->role = calloc(n, 1);
    r->dim_of_col = calloc(n, sizeof *r->dim_of_col);
    r->fields = calloc(n, sizeof *r->fields);
    if (!r->role || !r->dim_of_col || !r->fields)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    size_t item = SIZE_MAX, ts = SIZE_MAX, target = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const char *name = o->attribute_names[i];
        hc_attr_type type = o->attribute_types[i];
        if (!name || !*name)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "schema attribute %zu has no name", i + 1);
        if ((unsigned)type > HC_ATTR_INTEGER)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "schema attribute '%s' has an unknown type", name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->attribute_names[j], name) == 0)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "schema attribute '%s' appears twice", name);
        if (strcmp(name, "item_id") == 0) {
            if (type != HC_ATTR_STRING)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "schema attribute 'item_id' must have type string");
            item = i;
            r->role[i] = ROLE_ITEM;
        } else if (strcmp(name, "timestamp") == 0) {
            if (type != HC_ATTR_TIMESTAMP)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "schema attribute 'timestamp' must have type timestamp");
            ts = i;
            r->role[i] = ROLE_TS;
        } else if (strcmp(name, "target_value") == 0) {
            if (type != HC_ATTR_FLOAT && type != HC_ATTR_INTEGER)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "schema attribute 'target_value' must have type float or integer");
            target = i;
            r->target_integer = type == HC_ATTR_INTEGER;
            r->role[i] = ROLE_TARGET;
        } else if (type == HC_ATTR_TIMESTAMP) {
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "schema attribute '%s': only 'timestamp' may have type timestamp",
                                name);
        } else if (type == HC_ATTR_FLOAT) {
            r->role[i] = ROLE_NUMBER;
        } else if (type == HC_ATTR_INTEGER) {
            r->role[i] = ROLE_INTEGER;
        }
    }
    if (item == SIZE_MAX || ts == SIZE_MAX || target == SIZE_MAX)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "the schema must have the attributes item_id, timestamp and target_value (missing '%s')",
                            item == SIZE_MAX ? "item_id" : ts == SIZE_MAX ? "timestamp"
                                                                        : "target_value");
    r->col_item = item;
    r->col_ts = ts;
    r->col_target = target;

    if (o->ndimensions > 0) {
        if (!o->dimensions)
            return hc_error_set(err, HC_ERR_INVALID_INPUT, "dimensions: NULL list");
        for (size_t d = 0; d < o->ndimensions; d++) {
            const char *name = o->dimensions[d];
            size_t col = SIZE_MAX;
            for (size_t i = 0; name && i < n; i++)
                if (strcmp(o->attribute_names[i], name) == 0)
                    col = i;
            if (col == SIZE_MAX)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "dimension '%s' is not an attribute of the schema",
                                    name ? name : "(null)");
            if (o->attribute_types[col] != HC_ATTR_STRING || col == item)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "dimension '%s' must be a string attribute other than item_id",
                                    name);
            if (r->role[col] == ROLE_DIM)
                return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                    "dimension '%s' is listed twice", name);
            r->role[col] = ROLE_DIM;
            r->dim_of_col[col] = d;
        }
        r->ndims = o->ndimensions;
    } else {
        for (size_t i = 0; i < n; i++) {
            if (o->attribute_types[i] == HC_ATTR_STRING && i != item) {
                r->role[i] = ROLE_DIM;
                r->dim_of_col[i] = r->ndims++;
            }
        }
    }
    switch (o->ts_format) {
    case HC_TSFMT_DATE: r->ts_expect = "yyyy-MM-dd"; break;
    case HC_TSFMT_DATETIME: r->ts_expect = "yyyy-MM-dd HH:mm:ss"; break;
    case HC_TSFMT_ISO8601: r->ts_expect = "yyyy-MM-ddTHH:mm:ss[.SSS][Z]"; break;
    case HC_TSFMT_AUTO:
        r->ts_expect = "yyyy-MM-dd, yyyy-MM-dd HH:mm:ss or yyyy-MM-ddTHH:mm:ss[.SSS][Z]";
        break;
    default:
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "unknown timestamp format");
    }
    if ((unsigned)o->freq >= HC_FREQ_COUNT)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "unknown frequency");
    if ((unsigned)o->aggregation > HC_AGG_NONE)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "unknown aggregation");
    const hc_fill_rule *rules[2] = {&o->middlefill, &o->backfill};
    const char *rule_names[2] = {"middlefill", "backfill"};
    for (int k = 0; k < 2; k++) {
        if (rules[k]->method == HC_FILL_NONE || (unsigned)rules[k]->method > HC_FILL_MAX)
            return hc_error_set(err, HC_ERR_INVALID_INPUT,
                                "%s must be one of zero, nan, value, median, mean, min, max",
                                rule_names[k]);
    }
    return 0;
}

/* ---- items --------------------------------------------------------------- */

/* A multiply-xorshift hash over 8-byte words; keys are short, so the
 * word loop plus one tail load dominates. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
    uint64_t h = (uint64_t)n * k;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        for (size_t i = 0; i < n; i++)
            w |= (uint64_t)(unsigned char)p[i] << (8 * i);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    h *= UINT64_C(0xBF58476D1CE4E5B9);
    h ^= h >> 32;
    return h;
}

static int table_grow(reader *r)
{
    size_t cap = r->tablecap ? r->tablecap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < r->nitems; i++) {
        size_t s = (size_t)r->items[i].hash & (cap - 1);
        while (t[s])
            s = (s + 1) & (cap - 1);
        t[s] = (uint32_t)(i + 1);
    }
    free(r->table);
    r->table = t;
    r->tablecap = cap;
    return 0;
}

/* The item of the key in keybuf, created on first sight. */
static int find_item(reader *r, size_t *out)
{
    const char *key = r->keybuf;
    size_t len = r->keybuflen;
    if (r->have_last) {
        const item_rec *it = &r->items[r->last_item];
        if (it->key_len == len && memcmp(r->keys + it->key_off, key, len) == 0) {
            *out = r->last_item;
            return 0;
        }
    }
    uint64_t h = hash_bytes(key, len);
    if ((r->nitems + 1) * 2 > r->tablecap && table_grow(r))
        return nomem(r);
    size_t mask = r->tablecap - 1;
    size_t s = (size_t)h & mask;
    while (r->table[s]) {
        const item_rec *it = &r->items[r->table[s] - 1];
        if (it->hash == h && it->key_len == len &&
            memcmp(r->keys + it->key_off, key, len) == 0) {
            *out = r->table[s] - 1;
            r->last_item = *out;
            r->have_last = 1;
            return 0;
        }
        s = (s + 1) & mask;
    }
    if (r->nitems >= UINT32_MAX - 1)
        return r->status = hc_error_set_at(r->err, HC_ERR_LIMIT, r->path, r->row_line, 0,
                                           "more than %u items", UINT32_MAX - 2);
    if (grow((void **)&r->items, &r->itemscap, r->nitems + 1, sizeof *r->items) ||
        grow((void **)&r->keys, &r->keyscap, r->keyslen + len, 1))
        return nomem(r);
    item_rec *it = &r->items[r->nitems];
    memset(it, 0, sizeof *it);
    it->key_off = r->keyslen;
    it->key_len = len;
    it->hash = h;
    memcpy(r->keys + r->keyslen, key, len);
    r->keyslen += len;
    r->table[s] = (uint32_t)(r->nitems + 1);
    *out = r->nitems++;
    r->last_item = *out;
    r->have_last = 1;
    return 0;
}

/* ---- rows ---------------------------------------------------------------- */

static int row_error(reader *r, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An InvalidInput error at the current row and column col (0-based). */
static int row_error(reader *r, size_t col, const char *fmt, ...)
{
    char msg[HC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return r->status = hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path,
                                       r->row_line, (long)col + 1, "%s", msg);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_integer_text(const char *s, size_t n)
{
    size_t i = n && (s[0] == '-' || s[0] == '+');
    if (i == n)
        return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Parses a numeric field; 1 when empty (missing), 0 when a number, or an
 * error. */
static int number_field(reader *r, size_t col, int integer, double *out)
{
    const char *s = r->rowbuf + r->fields[col].off;
    size_t n = r->fields[col].len;
    if (n == 0)
        return 1;
    if (integer && !is_integer_text(s, n))
        return row_error(r, col, "'%.*s%s' is not an integer", show_len(n), s,
                         show_tail(n));
    /* The whole field must be the number, however lenient the parser. */
    if (is_blank(s[0]) || is_blank(s[n - 1]) || hc_parse_double(s, n, out) != 0)
        return row_error(r, col, "'%.*s%s' is not a number", show_len(n), s,
                         show_tail(n));
    return 0;
}

static int process_row(reader *r)
{
    if (r->nfields != r->ncols) {
        size_t col = r->nfields > r->ncols ? r->ncols : r->nfields;
        return r->status = hc_error_set_at(
                   r->err, HC_ERR_INVALID_INPUT, r->path, r->row_line, (long)col + 1,
                   "expected %zu fields, got %zu", r->ncols, r->nfields);
    }
    if (r->header_pending) {
        r->header_pending = 0;
        return 0;
    }
    if (r->locating) {
        if (r->data_rows++ == r->locate_row) {
            r->located_line = r->row_line;
            r->stop = 1;
        }
        return 0;
    }
    r->data_rows++;
    int64_t ts = 0;
    double value = 0.0;
    int missing = 0;
    r->keybuflen = 0;
    for (size_t c = 0; c < r->ncols; c++) {
        const char *s = r->rowbuf + r->fields[c].off;
        size_t n = r->fields[c].len;
        double scratch;
        int rc;
        switch (r->role[c]) {
        case ROLE_ITEM:
            if (n == 0)
                return row_error(r, c, "item_id is empty");
            /* fall through */
        case ROLE_DIM:
            if (memchr(s, '\0', n))
                return row_error(r, c, "'%.*s%s' contains a NUL byte", show_len(n),
                                 s, show_tail(n));
            break;
        case ROLE_TS: {
            size_t bad = 0;
            if (hc_parse_timestamp(s, n, r->opts->ts_format, &ts, &bad) != 0)
                return row_error(r, c,
                                 "'%.*s%s' is not a timestamp in the format %s (bad character at position %zu)",
                                 show_len(n), s, show_tail(n), r->ts_expect, bad + 1);
            break;
        }
        case ROLE_TARGET:
            rc = number_field(r, c, r->target_integer, &value);
            if (rc < 0)
                return rc;
            missing = rc == 1 || isnan(value);
            break;
        case ROLE_NUMBER:
        case ROLE_INTEGER:
            rc = number_field(r, c, r->role[c] == ROLE_INTEGER, &scratch);
            if (rc < 0)
                return rc;
            break;
        default:
            break;
        }
    }
    /* The key: item_id, then the dimensions in their chosen order. */
    size_t need = r->fields[r->col_item].len + 1;
    for (size_t c = 0; c < r->ncols; c++)
        if (r->role[c] == ROLE_DIM)
            need += r->fields[c].len + 1;
    if (grow((void **)&r->keybuf, &r->keybufcap, need, 1))
        return nomem(r);
    char *k = r->keybuf;
    memcpy(k, r->rowbuf + r->fields[r->col_item].off, r->fields[r->col_item].len + 1);
    k += r->fields[r->col_item].len + 1;
    for (size_t d = 0; d < r->ndims; d++) {
        for (size_t c = 0; c < r->ncols; c++) {
            if (r->role[c] == ROLE_DIM && r->dim_of_col[c] == d) {
                memcpy(k, r->rowbuf + r->fields[c].off, r->fields[c].len + 1);
                k += r->fields[c].len + 1;
                break;
            }
        }
    }
    r->keybuflen = need;
    size_t item = 0;
    if (find_item(r, &item))
        return r->status;
    if (r->nrows >= UINT32_MAX)
        return r->status = hc_error_set_at(r->err, HC_ERR_LIMIT, r->path, r->row_line, 0,
                                           "more than %u data rows", UINT32_MAX);
    if (grow((void **)&r->rows, &r->rowscap, r->nrows + 1, sizeof *r->rows))
        return nomem(r);
    row_rec *row = &r->rows[r->nrows++];
    row->ts = ts;
    row->value = missing ? 0.0 : value;
    row->item = (uint32_t)item;
    row->missing = (uint32_t)missing;
    return 0;
}

/* ---- libcsv callbacks ------------------------------------------------------ */

static void on_field(void *data, size_t len, void *ctx)
{
    reader *r = ctx;
    if (r->status || r->stop)
        return;
    if (r->nfields == 0) {
        if (r->pending_cr) {
            r->line++;
            r->pending_cr = 0;
        }
        r->row_line = r->line;
        r->rowlen = 0;
    }
    if (r->nfields < r->ncols) {
        if (grow((void **)&r->rowbuf, &r->rowcap, r->rowlen + len + 1, 1)) {
            nomem(r);
            return;
        }
        if (len)
            memcpy(r->rowbuf + r->rowlen, data, len);
        r->rowbuf[r->rowlen + len] = '\0';
        r->fields[r->nfields].off = r->rowlen;
        r->fields[r->nfields].len = len;
        r->rowlen += len + 1;
    }
    /* Only a quoted field can hold a line break; count it so later rows
     * keep their physical line numbers. Timestamp and number fields are
     * skipped: a line break makes them invalid, and the error stops the
     * read at this row, whose line is already known. */
    int may_break = r->header_pending || r->nfields >= r->ncols ||
                    r->role[r->nfields] == ROLE_ITEM || r->role[r->nfields] == ROLE_DIM ||
                    r->role[r->nfields] == ROLE_IGNORE;
    r->nfields++;
    if (len && may_break && memchr(data, '\n', len)) {
        const char *p = data, *end = p + len;
        while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            r->line++;
            p++;
        }
    }
}

static void on_row_end(int c, void *ctx)
{
    reader *r = ctx;
    if (r->status || r->stop)
        return;
    if (r->nfields > 0) {
        process_row(r);
        r->nfields = 0;
    }
    /* CSV_REPALL_NL reports every CR and LF, so CRLF arrives as a row end
     * followed by an empty row: count it once. */
    if (c == '\r') {
        if (r->pending_cr)
            r->line++;
        r->pending_cr = 1;
    } else if (c == '\n') {
        r->pending_cr = 0;
        r->line++;
    }
}

/* Space trimming would make " 12" a number; fields are taken verbatim. */
static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* gzerror's text starts with "PATH: ", which our messages already say. */
static const char *zlib_reason(const char *zmsg, const char *path)
{
    size_t n = strlen(path);
    if (zmsg && strncmp(zmsg, path, n) == 0 && zmsg[n] == ':' && zmsg[n + 1] == ' ')
        return zmsg + n + 2;
    return zmsg ? zmsg : "unknown zlib error";
}

/* ---- the scan -------------------------------------------------------------- */

static int scan(reader *r)
{
    struct csv_parser parser;
    int parser_ready = 0;
    gzFile gz = NULL;
    char *buf = NULL;
    int rc = 0;

    r->line = 1;
    r->pending_cr = 0;
    r->nfields = 0;
    r->data_rows = 0;
    r->header_pending = r->opts->header != 0;

    errno = 0;
    gz = gzopen(r->path, "rb");
    if (!gz) {
        rc = r->status = hc_error_set_at(r->err, HC_ERR_IO, r->path, 0, 0,
                                         "cannot open: %s",
                                         errno ? strerror(errno) : "out of memory");
        goto done;
    }
    gzbuffer(gz, 1u << 17);
    if (!(buf = malloc(READ_CHUNK))) {
        rc = nomem(r);
        goto done;
    }
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        rc = nomem(r);
        goto done;
    }
    parser_ready = 1;
    csv_set_space_func(&parser, never_space);
    csv_set_blk_size(&parser, 4096);

    for (int first = 1;; first = 0) {
        int n = gzread(gz, buf, READ_CHUNK);
        if (n < 0) {
            int zerr;
            const char *zmsg = gzerror(gz, &zerr);
            if (zerr == Z_ERRNO)
                rc = r->status = hc_error_set_at(r->err, HC_ERR_IO, r->path, 0, 0,
                                                 "cannot read: %s", strerror(errno));
            else if (zerr == Z_MEM_ERROR)
                rc = nomem(r);
            else
                rc = r->status = hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path,
                                                 0, 0, "corrupt gzip data (%s)",
                                                 zlib_reason(zmsg, r->path));
            goto done;
        }
        if (n == 0) {
            int zerr;
            const char *zmsg = gzerror(gz, &zerr);
            if (zerr != Z_OK) {
                rc = r->status = hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path,
                                                 0, 0, "truncated gzip file (%s)",
                                                 zlib_reason(zmsg, r->path));
                goto done;
            }
            break;
        }
        /* A UTF-8 byte order mark is not part of the first field. */
        size_t skip = first && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        size_t used = skip + csv_parse(&parser, buf + skip, (size_t)n - skip,
                                       on_field, on_row_end, r);
        if (r->status) {
            rc = r->status;
            goto done;
        }
        if (r->stop)
            goto done;
        if (used != (size_t)n) {
            long line = r->nfields ? r->row_line : r->line + r->pending_cr;
            int cerr = csv_error(&parser);
            if (cerr == CSV_ENOMEM)
                rc = nomem(r);
            else if (cerr == CSV_ETOOBIG)
                rc = r->status = hc_error_set_at(r->err, HC_ERR_LIMIT, r->path, line,
                                                 (long)r->nfields + 1, "field too large");
            else
                rc = r->status = hc_error_set_at(
                    r->err, HC_ERR_INVALID_INPUT, r->path, line, (long)r->nfields + 1,
                    "malformed CSV: a quote inside an unquoted field or text after a closing quote (put the field in quotes and double the quotes inside it)");
            goto done;
        }
    }
    if (csv_fini(&parser, on_field, on_row_end, r) != 0) {
        long line = r->nfields ? r->row_line : r->line + r->pending_cr;
        rc = r->status = hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path, line,
                                         (long)r->nfields + 1,
                                         "malformed CSV: a quoted field is not closed before the end of the file");
        goto done;
    }
    rc = r->status;
done:
    if (parser_ready)
        csv_free(&parser);
    if (gz) {
        int zc = gzclose_r(gz);
        if (rc == 0 && !r->stop && zc != Z_OK)
            rc = r->status = hc_error_set_at(r->err, zc == Z_ERRNO ? HC_ERR_IO : HC_ERR_INVALID_INPUT,
                                             r->path, 0, 0, "truncated or unreadable gzip file");
    }
    free(buf);
    return rc;
}

/* The line where data row `index` (0-based, file order) starts. */
static long locate_line(const reader *orig, size_t index)
{
    reader r;
    hc_error scratch;
    memset(&r, 0, sizeof r);
    r.opts = orig->opts;
    r.path = orig->path;
    r.err = &scratch;
    r.ncols = orig->ncols;
    r.role = orig->role; /* borrowed */
    r.fields = calloc(orig->ncols, sizeof *r.fields);
    r.locating = 1;
    r.locate_row = index;
    if (r.fields)
        scan(&r);
    free(r.fields);
    free(r.rowbuf);
    return r.located_line;
}

/* ---- building the series ----------------------------------------------------- */

static int row_ts_less(const row_rec *a, const row_rec *b)
{
    return a->ts < b->ts;
}

/* Stable merge sort by timestamp (ties keep file order, which "first"
 * relies on); rows arrive sorted in most files, which is checked first. */
static void sort_rows(row_rec *a, row_rec *tmp, size_t n)
{
    if (n < 2)
        return;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            row_rec x = a[i];
            size_t j = i;
            while (j > 0 && row_ts_less(&x, &a[j - 1])) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    sort_rows(a, tmp, h);
    sort_rows(a + h, tmp, n - h);
    if (!row_ts_less(&a[h], &a[h - 1]))
        return;
    memcpy(tmp, a, h * sizeof *a);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        a[k++] = row_ts_less(&a[j], &tmp[i]) ? a[j++] : tmp[i++];
    while (i < h)
        a[k++] = tmp[i++];
}

/* The last HC_FILL_WINDOW observed values, oldest first once wrapped. */
typedef struct window {
    double v[HC_FILL_WINDOW];
    size_t n, next;
} window;

static void window_push(window *w, double x)
{
    w->v[w->next] = x;
    w->next = (w->next + 1) % HC_FILL_WINDOW;
    if (w->n < HC_FILL_WINDOW)
        w->n++;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static double fill_value(const hc_fill_rule *rule, const window *w)
{
    switch (rule->method) {
    case HC_FILL_NAN: return NAN;
    case HC_FILL_VALUE: return rule->value;
    case HC_FILL_ZERO: return 0.0;
    default: break;
    }
    if (w->n == 0)
        return 0.0;
    double chrono[HC_FILL_WINDOW];
    size_t first = w->n < HC_FILL_WINDOW ? 0 : w->next;
    for (size_t i = 0; i < w->n; i++)
        chrono[i] = w->v[(first + i) % HC_FILL_WINDOW];
    double acc = w->v[first]; /* == chrono[0] */
    switch (rule->method) {
    case HC_FILL_MEAN:
        for (size_t i = 1; i < w->n; i++)
            acc += chrono[i];
        return acc / (double)w->n;
    case HC_FILL_MIN:
        for (size_t i = 1; i < w->n; i++)
            acc = chrono[i] < acc ? chrono[i] : acc;
        return acc;
    case HC_FILL_MAX:
        for (size_t i = 1; i < w->n; i++)
            acc = chrono[i] > acc ? chrono[i] : acc;
        return acc;
    case HC_FILL_MEDIAN:
        qsort(chrono, w->n, sizeof *chrono, cmp_double);
        if (w->n % 2)
            return chrono[w->n / 2];
        return 0.5 * chrono[w->n / 2 - 1] + 0.5 * chrono[w->n / 2];
    default:
        return 0.0;
    }
}

static void fill_range(hc_dataset *ds, size_t from, size_t to, double v)
{
    for (size_t i = from; i < to; i++) {
        ds->values[i] = v;
        ds->filled[i] = 1;
    }
}

typedef struct item_order {
    const char *key;
    size_t len;
    size_t item;
} item_order;

static int item_order_compare(const void *pa, const void *pb)
{
    const item_order *a = pa, *b = pb;
    return ds_key_compare(a->key, a->len, b->key, b->len);
}

/* Aggregates and fills one item (rows sorted by timestamp) into series s. */
static int build_series(reader *r, hc_dataset *ds, const hc_series *s,
                        const row_rec *rows, size_t n)
{
    const hc_dataset_options *o = r->opts;
    window w = {{0}, 0, 0};
    size_t base = s->offset;
    int64_t next = s->start; /* first step not written yet */
    size_t i = 0;
    while (i < n) {
        int64_t step = hc_step_of(o->freq, rows[i].ts);
        size_t j = i;
        size_t nobs = 0;
        double acc = 0.0;
        size_t min_row = SIZE_MAX, second_row = SIZE_MAX;
        for (; j < n && hc_step_of(o->freq, rows[j].ts) == step; j++) {
            size_t fr = rows[j].item;
            if (fr < min_row) {
                second_row = min_row;
                min_row = fr;
            } else if (fr < second_row) {
                second_row = fr;
            }
            if (rows[j].missing)
                continue;
            double x = rows[j].value;
            if (nobs == 0)
                acc = x;
            else if (o->aggregation == HC_AGG_SUM || o->aggregation == HC_AGG_AVG)
                acc += x;
            else if (o->aggregation == HC_AGG_MIN)
                acc = x < acc ? x : acc;
            else if (o->aggregation == HC_AGG_MAX)
                acc = x > acc ? x : acc;
            nobs++;
        }
        if (o->aggregation == HC_AGG_NONE && j - i > 1) {
            char when[32];
            hc_format_ts_plain(when, hc_step_start(o->freq, step));
            return r->status = hc_error_set_at(
                       r->err, HC_ERR_INVALID_INPUT, r->path,
                       locate_line(r, second_row), (long)r->col_ts + 1,
                       "item '%s' has a second row in the %s step starting %s (aggregation none allows one row per step)",
                       s->item_id, hc_freq_name(o->freq), when);
        }
        i = j;
        if (nobs == 0 || step < s->start)
            continue; /* a step with only missing targets is a gap */
        if (o->aggregation == HC_AGG_AVG)
            acc /= (double)nobs;
        if (step > next)
            fill_range(ds, base + (size_t)(next - s->start), base + (size_t)(step - s->start),
                       fill_value(&o->middlefill, &w));
        ds->values[base + (size_t)(step - s->start)] = acc;
        window_push(&w, acc);
        next = step + 1;
    }
    fill_range(ds, base + (size_t)(next - s->start), base + s->length,
               fill_value(&o->backfill, &w));
    return 0;
}

static int build(reader *r, hc_dataset **out)
{
    const hc_dataset_options *o = r->opts;
    hc_dataset *ds = NULL;
    uint32_t *perm = NULL;
    item_order *order = NULL;
    row_rec *scratch = NULL, *tmp = NULL;
    int rc = 0;

    if (r->nrows == 0) {
        rc = hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path, 0, 0,
                             "has no data rows");
        goto done;
    }
    int64_t max_ts = r->rows[0].ts;
    for (size_t i = 0; i < r->nrows; i++) {
        const row_rec *row = &r->rows[i];
        item_rec *it = &r->items[row->item];
        it->nrows++;
        if (row->ts > max_ts)
            max_ts = row->ts;
        if (!row->missing && (!it->observed || row->ts < it->first_obs_ts)) {
            it->first_obs_ts = row->ts;
            it->observed = 1;
        }
    }
    int64_t end = hc_step_of(o->freq, max_ts);

    /* Group row numbers by item, file order kept inside each item. */
    size_t nkept = 0, maxrows = 0, pos = 0;
    for (size_t i = 0; i < r->nitems; i++) {
        item_rec *it = &r->items[i];
        it->first_row = pos;
        pos += it->nrows;
        nkept += it->observed != 0;
        if (it->nrows > maxrows)
            maxrows = it->nrows;
    }
    if (nkept == 0) {
        rc = hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path, 0, 0,
                             "has no target values: every target_value is empty");
        goto done;
    }
    if (!(perm = malloc(r->nrows * sizeof *perm)) ||
        !(order = malloc(nkept * sizeof *order)) ||
        !(scratch = malloc(maxrows * sizeof *scratch)) ||
        !(tmp = malloc((maxrows / 2 + 1) * sizeof *tmp)))
        goto nomem;
    for (size_t i = 0; i < r->nitems; i++)
        r->items[i].nrows = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        item_rec *it = &r->items[r->rows[i].item];
        perm[it->first_row + it->nrows++] = (uint32_t)i;
    }

    /* Items with no observed target at all have no series (frontfill none
     * leaves nothing before the first observation). */
    uint64_t nvalues = 0;
    for (size_t i = 0, k = 0; i < r->nitems; i++) {
        const item_rec *it = &r->items[i];
        if (!it->observed)
            continue;
        order[k].key = r->keys + it->key_off;
        order[k].len = it->key_len;
        order[k].item = i;
        k++;
        nvalues += (uint64_t)(end - hc_step_of(o->freq, it->first_obs_ts)) + 1;
        if (nvalues > MAX_DENSE_VALUES) {
            char a[32], b[32];
            hc_format_ts_plain(a, it->first_obs_ts);
            hc_format_ts_plain(b, max_ts);
            rc = hc_error_set_at(r->err, HC_ERR_LIMIT, r->path, 0, 0,
                                 "the dense series would hold more than %llu values (item '%s' starts %s, the data ends %s at frequency %s)",
                                 (unsigned long long)MAX_DENSE_VALUES, order[k - 1].key,
                                 a, b, hc_freq_name(o->freq));
            goto done;
        }
    }
    qsort(order, nkept, sizeof *order, item_order_compare);

    rc = ds_create(&ds, o->freq, r->ndims, nkept, (size_t)nvalues, r->err);
    if (rc)
        goto done;
    /* The key arena becomes the string pool; the dimension names follow. */
    size_t names_len = 0;
    for (size_t c = 0; c < r->ncols; c++)
        if (r->role[c] == ROLE_DIM)
            names_len += strlen(o->attribute_names[c]) + 1;
    if (grow((void **)&r->keys, &r->keyscap, r->keyslen + names_len + 1, 1))
        goto nomem;
    size_t names_off = r->keyslen;
    for (size_t d = 0, p = names_off; d < r->ndims; d++) {
        for (size_t c = 0; c < r->ncols; c++) {
            if (r->role[c] == ROLE_DIM && r->dim_of_col[c] == d) {
                size_t n = strlen(o->attribute_names[c]) + 1;
                memcpy(r->keys + p, o->attribute_names[c], n);
                p += n;
            }
        }
    }
    char *pool = r->keys;
    ds_adopt_pool(ds, pool, r->keyscap);
    r->keys = NULL;
    for (size_t d = 0, p = names_off; d < r->ndims; d++) {
        ds->dim_names[d] = pool + p;
        p += strlen(pool + p) + 1;
    }
    ds->end_step = end;
    ds->nrows_read = r->data_rows;

    size_t offset = 0;
    for (size_t k = 0; k < nkept; k++) {
        const item_rec *it = &r->items[order[k].item];
        hc_series *s = &ds->series[k];
        const char *key = pool + it->key_off;
        s->item_id = key;
        key += strlen(key) + 1;
        for (size_t d = 0; d < r->ndims; d++) {
            ((const char **)s->dims)[d] = key;
            key += strlen(key) + 1;
        }
        s->start = hc_step_of(o->freq, it->first_obs_ts);
        s->length = (size_t)(end - s->start) + 1;
        s->offset = offset;
        offset += s->length;
        if (k == 0 || s->start < ds->first_step)
            ds->first_step = s->start;

        int sorted = 1;
        for (size_t j = 0; j < it->nrows; j++) {
            uint32_t row = perm[it->first_row + j];
            scratch[j] = r->rows[row];
            scratch[j].item = row;
            if (j && scratch[j].ts < scratch[j - 1].ts)
                sorted = 0;
        }
        if (!sorted)
            sort_rows(scratch, tmp, it->nrows);
        rc = build_series(r, ds, s, scratch, it->nrows);
        if (rc)
            goto done;
    }
    *out = ds;
    ds = NULL;
    goto done;
nomem:
    rc = hc_error_set(r->err, HC_ERR_NOMEM, "%s: out of memory building the series",
                      r->path);
done:
    hc_dataset_free(ds);
    free(perm);
    free(order);
    free(scratch);
    free(tmp);
    return rc;
}

int hc_dataset_read(hc_dataset **out, const hc_dataset_options *opts,
                    hc_error *err)
{
    reader r;
    int rc;
    memset(&r, 0, sizeof r);
    if (out)
        *out = NULL;
    if (!out || !opts || !opts->path)
        return hc_error_set(err, HC_ERR_INVALID_INPUT, "dataset: no path given");
    r.opts = opts;
    r.path = opts->path;
    r.err = err;
    rc = setup_schema(&r);
    if (rc)
        goto done;
    rc = scan(&r);
    if (rc)
        goto done;
    rc = build(&r, out);
done:
    free(r.role);
    free(r.dim_of_col);
    free(r.fields);
    free(r.rowbuf);
    free(r.rows);
    free(r.items);
    free(r.table);
    free(r.keys);
    free(r.keybuf);
    return rc;
}

/* Reading a target time series CSV into dense per-item series.
 *
 * The text is scanned by csvscan.c: cut into blocks of whole rows, parsed
 * (on several threads when asked) into fixed-size records, handed back here
 * in file order. Items are found by a hash map keyed by
 * "item_id\0dim1\0...\0" (NUL is refused inside fields, so the key is
 * unambiguous and its bytes also sort in key order).
 *
 * Two ways to build the series, with the same result:
 * - Streaming (tried first): when every item's rows are together and in
 *   time order (each row's timestamp >= the previous row's of its item),
 *   the usual layout of exports, each row is aggregated into its step and
 *   gaps are filled as the rows arrive, straight into the final values
 *   array: memory is the dense dataset itself, not the rows. Items are laid
 *   out in the order they first appear; series[] is still sorted by key and
 *   each series' offset says where its values are.
 * - Rows: otherwise, one 24-byte record per row is kept, grouped by item
 *   (a stable counting sort), sorted by time, then aggregated and filled.
 * The first row that breaks the streaming assumptions (an item seen again
 * after another one, a timestamp going back, a second row in a step with
 * aggregation none, a dense size past the limit) makes the reader start
 * over in the rows mode: such files are read twice, and their errors come
 * out exactly as the rows mode reports them.
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

#include "core/memutil.h"
#include "dataset/csvscan.h"
#include "dataset/dataset_internal.h"
#include "hindcast/calendar.h"
#include "hindcast/dataset.h"

/* A dense dataset larger than this is almost surely a timestamp typo
 * (one row in 1900 of a minute-level set) rather than real data. */
#define MAX_DENSE_VALUES (UINT64_C(1) << 32)

/* scan_file stop values of the consumer */
#define STOP_LOCATED 1
#define STOP_RESTART 2

enum mode { MODE_STREAM, MODE_ROWS, MODE_LOCATE };

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
    int64_t start; /* the step of the first observed row */
    /* streaming: the item's values are arena[off .. off+len), step start
     * first; the steps after len are backfilled with `backfill` */
    size_t off, len;
    double backfill;
} item_rec;

/* The last HC_FILL_WINDOW observed values, oldest first once wrapped. */
typedef struct window {
    double v[HC_FILL_WINDOW];
    size_t n, next;
} window;

typedef struct reader {
    const hc_dataset_options *opts;
    const char *path;
    hc_error *err;
    int mode;

    /* schema */
    size_t ncols;
    unsigned char *role;
    size_t *dim_of_col; /* for ROLE_DIM: position in the key */
    size_t ndims;
    size_t col_item, col_ts, col_target;
    int target_integer;
    const char *ts_expect;
    scan_schema sc;

    size_t data_rows; /* data rows seen so far (header and blank lines excluded) */
    int64_t max_ts;   /* latest timestamp of any row */

    /* locate mode: find the line of data row `locate_row` */
    size_t locate_row;
    long located_line;

    /* items */
    item_rec *items;
    size_t nitems, itemscap;
    uint32_t *table; /* item number + 1, 0 = empty */
    size_t tablecap;
    char *keys;
    size_t keyslen, keyscap;
    size_t last_item; /* consecutive rows usually share the item */
    int have_last;

    /* rows mode */
    row_rec *rows;
    size_t nrows, rowscap;

    /* streaming mode: the values of the items seen so far, back to back */
    double *values;
    uint8_t *filled;
    size_t nvalues, valuescap;
    size_t cur;        /* the item whose rows are coming, SIZE_MAX before any */
    int64_t last_ts;   /* its last row's timestamp */
    int64_t last_step; /* the step of that row (aggregation none) */
    int in_step;       /* an observed step is being aggregated */
    int64_t step;
    double acc;
    size_t nobs;
    window w;
} reader;

static int nomem_at(reader *r, long line)
{
    return hc_error_set_at(r->err, HC_ERR_NOMEM, r->path, line, 0,
                           "out of memory while reading");
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
    if (!r->role || !r->dim_of_col)
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

/* The item of a key (bytes key[0..len) with hash h), created on first
 * sight; *is_new tells which. */
static int find_item(reader *r, const char *key, size_t len, uint64_t h,
                     long line, size_t *out, int *is_new)
{
    *is_new = 0;
    if (r->have_last) {
        const item_rec *it = &r->items[r->last_item];
        if (it->key_len == len && memcmp(r->keys + it->key_off, key, len) == 0) {
            *out = r->last_item;
            return 0;
        }
    }
    if ((r->nitems + 1) * 2 > r->tablecap && table_grow(r))
        return nomem_at(r, line);
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
        return hc_error_set_at(r->err, HC_ERR_LIMIT, r->path, line, 0,
                               "more than %u items", UINT32_MAX - 2);
    if (hc_grow_array((void **)&r->items, &r->itemscap, r->nitems + 1, sizeof *r->items) ||
        hc_grow_array((void **)&r->keys, &r->keyscap, r->keyslen + len, 1))
        return nomem_at(r, line);
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
    *is_new = 1;
    return 0;
}

/* ---- filling ---------------------------------------------------------------- */

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
    case HC_FILL_NAN: return (double)NAN;
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

static void fill_range(double *values, uint8_t *filled, size_t from, size_t to,
                       double v)
{
    for (size_t i = from; i < to; i++) {
        values[i] = v;
        filled[i] = 1;
    }
}

/* ---- streaming ------------------------------------------------------------------- */

/* Makes room for the streaming arena to hold `need` values. Returns 0,
 * STOP_RESTART past the dense limit (the rows mode then reports it exactly
 * as it always has), or an error. */
static int arena_reserve(reader *r, uint64_t need, long line)
{
    if (need > MAX_DENSE_VALUES)
        return STOP_RESTART;
    if (need <= r->valuescap)
        return 0;
    size_t cap = r->valuescap ? r->valuescap : 4096;
    while (cap < need)
        cap *= 2;
    /* Large blocks come from mmap and grow by mremap: neither the copy
     * nor the unused capacity costs resident memory. */
    double *v = realloc(r->values, cap * sizeof *v);
    if (!v)
        return nomem_at(r, line);
    r->values = v;
    uint8_t *f = realloc(r->filled, cap);
    if (!f)
        return nomem_at(r, line);
    r->filled = f;
    r->valuescap = cap;
    return 0;
}

/* Writes the aggregated step being built into the current item, after
 * filling the gap before it (as build_series does, same order), with room
 * for `more` values after it. */
static int stream_flush_step_room(reader *r, size_t more, long line)
{
    const hc_dataset_options *o = r->opts;
    item_rec *it = &r->items[r->cur];
    size_t pos = (size_t)(r->step - it->start);
    int rc = arena_reserve(r, (uint64_t)it->off + pos + 1 + more, line);
    if (rc)
        return rc;
    double acc = r->acc;
    if (o->aggregation == HC_AGG_AVG)
        acc /= (double)r->nobs;
    if (pos > it->len)
        fill_range(r->values, r->filled, it->off + it->len, it->off + pos,
                   fill_value(&o->middlefill, &r->w));
    r->values[it->off + pos] = acc;
    r->filled[it->off + pos] = 0;
    window_push(&r->w, acc);
    it->len = pos + 1;
    r->nvalues = it->off + it->len;
    r->in_step = 0;
    return 0;
}

static int stream_flush_step(reader *r, long line)
{
    return stream_flush_step_room(r, 0, line);
}

/* The current item's rows are over: its last step is written, its
 * backfill value fixed, and its tail filled up to the latest step seen so
 * far (the dataset's end can only be later; build_stream adds the rest). */
static int stream_close(reader *r, long line)
{
    if (r->cur == SIZE_MAX)
        return 0;
    item_rec *it = &r->items[r->cur];
    if (r->in_step) {
        int rc = stream_flush_step(r, line);
        if (rc)
            return rc;
    }
    if (it->observed) {
        it->backfill = fill_value(&r->opts->backfill, &r->w);
        int64_t end = hc_step_of(r->opts->freq, r->max_ts);
        size_t want = (size_t)(end - it->start) + 1;
        if (want > it->len) {
            int rc = arena_reserve(r, (uint64_t)it->off + want, line);
            if (rc)
                return rc;
            fill_range(r->values, r->filled, it->off + it->len, it->off + want,
                       it->backfill);
            it->len = want;
            r->nvalues = it->off + it->len;
        }
    }
    r->cur = SIZE_MAX;
    return 0;
}

static int stream_row(reader *r, size_t item, int is_new, const scan_row *row,
                      long line)
{
    const hc_dataset_options *o = r->opts;
    if (item != r->cur) {
        if (!is_new)
            return STOP_RESTART; /* its rows are not together */
        int rc = stream_close(r, line);
        if (rc)
            return rc;
        r->cur = item;
        r->in_step = 0;
        r->w.n = r->w.next = 0;
    } else if (row->ts < r->last_ts) {
        return STOP_RESTART; /* not in time order */
    }
    int64_t step = hc_step_of(o->freq, row->ts);
    if (o->aggregation == HC_AGG_NONE && item == r->cur && !is_new &&
        step == r->last_step)
        return STOP_RESTART; /* the rows mode names the row and its line */
    r->last_ts = row->ts;
    r->last_step = step;
    if (row->ts > r->max_ts || r->data_rows == 1)
        r->max_ts = row->ts;
    if (row->missing)
        return 0;
    item_rec *it = &r->items[item];
    if (!it->observed) {
        it->observed = 1;
        it->first_obs_ts = row->ts;
        it->start = step;
        it->off = r->nvalues;
        it->len = 0;
    }
    double x = row->value;
    if (r->in_step && step == r->step) {
        switch (o->aggregation) {
        case HC_AGG_SUM:
        case HC_AGG_AVG: r->acc += x; break;
        case HC_AGG_MIN: r->acc = x < r->acc ? x : r->acc; break;
        case HC_AGG_MAX: r->acc = x > r->acc ? x : r->acc; break;
        default: break; /* first: the earliest row stays */
        }
        r->nobs++;
        return 0;
    }
    if (r->in_step) {
        int rc = stream_flush_step(r, line);
        if (rc)
            return rc;
    }
    r->in_step = 1;
    r->step = step;
    r->acc = x;
    r->nobs = 1;
    return 0;
}

/* ---- chains: the common case, done in bulk -------------------------------------- */

/* After-parse hook (parsing threads). chain[i] > 0 says that rows i,
 * i+1, ..., i+chain[i]-1 each follow the row before them in the simplest
 * way: the same item, both present, and exactly one step later. That is
 * nearly every row of a well-formed file, and for such rows the streaming
 * consumer's work reduces to storing the value (stream_chain), so the
 * step arithmetic moves off the consumer's single thread. */
static void annotate_chains(const void *ctx, scan_block *b)
{
    const hc_dataset_options *o = ctx;
    size_t n = b->nrows;
    if (n == 0)
        return;
    if (n > b->chaincap) {
        uint32_t *c = realloc(b->chain, n * sizeof *c);
        if (!c)
            return; /* no annotation: the consumer takes every row singly */
        b->chain = c;
        b->chaincap = n;
    }
    const scan_row *rows = b->rows;
    uint32_t *chain = b->chain;
    chain[n - 1] = 0;
    int64_t step = hc_step_of(o->freq, rows[n - 1].ts);
    for (size_t i = n - 1; i > 0; i--) {
        int64_t prev = hc_step_of(o->freq, rows[i - 1].ts);
        int linked = rows[i].key == rows[i - 1].key && !rows[i].missing &&
                     !rows[i - 1].missing && step == prev + 1;
        chain[i] = linked ? 1 + (i + 1 < n ? chain[i + 1] : 0) : 0;
        step = prev;
    }
    chain[0] = 0;
    b->chained = 1;
}

/* Takes k chained rows (see annotate_chains) with the same effect as k
 * calls of stream_row: the step being built (the row before them) and
 * each row but the last are written, the last becomes the step being
 * built. */
static int stream_chain(reader *r, const scan_row *rows, size_t k, long line)
{
    int rc = stream_flush_step_room(r, k - 1, line);
    if (rc)
        return rc;
    item_rec *it = &r->items[r->cur];
    double *v = r->values + it->off + it->len;
    uint8_t *f = r->filled + it->off + it->len;
    for (size_t j = 0; j + 1 < k; j++) {
        v[j] = rows[j].value;
        f[j] = 0;
        window_push(&r->w, rows[j].value);
    }
    it->len += k - 1;
    r->nvalues = it->off + it->len;
    const scan_row *last = &rows[k - 1];
    r->step += (int64_t)k;
    r->acc = last->value;
    r->nobs = 1;
    r->in_step = 1;
    r->last_ts = last->ts;
    r->last_step = r->step;
    if (last->ts > r->max_ts)
        r->max_ts = last->ts;
    return 0;
}

/* ---- consuming parsed blocks ---------------------------------------------------- */

static int consume(void *ctx, const scan_block *b, uint64_t first_line)
{
    reader *r = ctx;
    uint32_t prev_key = UINT32_MAX;
    size_t item = 0;
    int is_new = 0;
    for (size_t i = 0; i < b->nrows; i++) {
        const scan_row *row = &b->rows[i];
        long line = (long)(first_line + row->line);
        if (r->mode == MODE_LOCATE) {
            if (r->data_rows++ == r->locate_row) {
                r->located_line = line;
                return STOP_LOCATED;
            }
            continue;
        }
        r->data_rows++;
        if (row->key != prev_key) {
            const scan_key *k = &b->keys[row->key];
            int rc = find_item(r, b->arena + k->off, k->len, k->hash, line, &item,
                               &is_new);
            if (rc)
                return rc;
            prev_key = row->key;
        } else {
            is_new = 0;
        }
        if (r->mode == MODE_STREAM) {
            /* A chained row follows the row just taken, which is present:
             * so r->cur is its item and r->step that row's step. */
            if (b->chained && b->chain[i] > 0 && r->in_step && item == r->cur) {
                size_t k = b->chain[i];
                int rc = stream_chain(r, row, k, line);
                if (rc)
                    return rc;
                r->data_rows += k - 1;
                i += k - 1;
                continue;
            }
            int rc = stream_row(r, item, is_new, row, line);
            if (rc)
                return rc;
            continue;
        }
        if (r->nrows >= UINT32_MAX)
            return hc_error_set_at(r->err, HC_ERR_LIMIT, r->path, line, 0,
                                   "more than %u data rows", UINT32_MAX);
        if (hc_grow_array((void **)&r->rows, &r->rowscap, r->nrows + 1, sizeof *r->rows))
            return nomem_at(r, line);
        row_rec *rec = &r->rows[r->nrows++];
        rec->ts = row->ts;
        rec->value = row->value;
        rec->item = (uint32_t)item;
        rec->missing = row->missing;
    }
    return 0;
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
    r.mode = MODE_LOCATE;
    r.locate_row = index;
    scan_file(orig->path, &orig->sc, 1, consume, &r, &scratch);
    return r.located_line;
}

/* ---- building the series: rows mode --------------------------------------------- */

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

/* The key arena becomes the dataset's string pool; the dimension names
 * follow the keys in it. */
static int adopt_keys(reader *r, hc_dataset *ds)
{
    const hc_dataset_options *o = r->opts;
    size_t names_len = 0;
    for (size_t c = 0; c < r->ncols; c++)
        if (r->role[c] == ROLE_DIM)
            names_len += strlen(o->attribute_names[c]) + 1;
    if (hc_grow_array((void **)&r->keys, &r->keyscap, r->keyslen + names_len + 1, 1))
        return hc_error_set(r->err, HC_ERR_NOMEM,
                            "%s: out of memory building the series", r->path);
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
    r->keyscap = 0;
    for (size_t d = 0, p = names_off; d < r->ndims; d++) {
        ds->dim_names[d] = pool + p;
        p += strlen(pool + p) + 1;
    }
    return 0;
}

/* Points series k's item_id and dimensions at item it's key in the pool
 * (after adopt_keys). */
static void set_series(const reader *r, hc_dataset *ds, size_t k, const item_rec *it)
{
    const ds_internal *in = ds->internal;
    hc_series *s = &ds->series[k];
    const char *key = in->pool + it->key_off;
    s->item_id = key;
    key += strlen(key) + 1;
    for (size_t d = 0; d < r->ndims; d++) {
        ((const char **)s->dims)[d] = key;
        key += strlen(key) + 1;
    }
}

/* Sizes the series of the observed items, each from its first observed
 * step (it->start) to `end`, taking the items in the order they were first
 * seen. Fills order[] with those items (sorted by key afterwards),
 * *nvalues with the total and, when new_off is not NULL, new_off[item] with
 * where each series starts when they lie back to back in that order (the
 * streaming layout). Past MAX_DENSE_VALUES it fails naming the item whose
 * series crossed the limit: one check and one message for both modes. */
static int layout_series(reader *r, int64_t end, item_order *order,
                         size_t *new_off, uint64_t *nvalues)
{
    uint64_t total = 0;
    for (size_t i = 0, k = 0; i < r->nitems; i++) {
        const item_rec *it = &r->items[i];
        if (!it->observed)
            continue;
        order[k].key = r->keys + it->key_off;
        order[k].len = it->key_len;
        order[k].item = i;
        k++;
        if (new_off)
            new_off[i] = (size_t)total;
        total += (uint64_t)(end - it->start) + 1;
        if (total > MAX_DENSE_VALUES) {
            char a[32], b[32];
            hc_format_ts_plain(a, it->first_obs_ts);
            hc_format_ts_plain(b, r->max_ts);
            return hc_error_set_at(r->err, HC_ERR_LIMIT, r->path, 0, 0,
                                   "the dense series would hold more than %llu values (item '%s' starts %s, the data ends %s at frequency %s)",
                                   (unsigned long long)MAX_DENSE_VALUES,
                                   order[k - 1].key, a, b,
                                   hc_freq_name(r->opts->freq));
        }
    }
    *nvalues = total;
    return 0;
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
            return hc_error_set_at(
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
            fill_range(ds->values, ds->filled, base + (size_t)(next - s->start), base + (size_t)(step - s->start),
                       fill_value(&o->middlefill, &w));
        ds->values[base + (size_t)(step - s->start)] = acc;
        window_push(&w, acc);
        next = step + 1;
    }
    fill_range(ds->values, ds->filled, base + (size_t)(next - s->start), base + s->length,
               fill_value(&o->backfill, &w));
    return 0;
}

static int build_rows(reader *r, hc_dataset **out)
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
    r->max_ts = r->rows[0].ts;
    for (size_t i = 0; i < r->nrows; i++) {
        const row_rec *row = &r->rows[i];
        item_rec *it = &r->items[row->item];
        it->nrows++;
        if (row->ts > r->max_ts)
            r->max_ts = row->ts;
        if (!row->missing && (!it->observed || row->ts < it->first_obs_ts)) {
            it->first_obs_ts = row->ts;
            it->observed = 1;
        }
    }
    int64_t end = hc_step_of(o->freq, r->max_ts);

    /* Group row numbers by item, file order kept inside each item. */
    size_t nkept = 0, maxrows = 0, pos = 0;
    for (size_t i = 0; i < r->nitems; i++) {
        item_rec *it = &r->items[i];
        it->first_row = pos;
        pos += it->nrows;
        nkept += it->observed != 0;
        if (it->observed)
            it->start = hc_step_of(o->freq, it->first_obs_ts);
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
    if ((rc = layout_series(r, end, order, NULL, &nvalues)))
        goto done;
    qsort(order, nkept, sizeof *order, item_order_compare);

    rc = ds_create(&ds, o->freq, r->ndims, nkept, (size_t)nvalues, r->err);
    if (rc)
        goto done;
    rc = adopt_keys(r, ds);
    if (rc)
        goto done;
    ds->end_step = end;
    ds->nrows_read = r->data_rows;

    size_t offset = 0;
    for (size_t k = 0; k < nkept; k++) {
        const item_rec *it = &r->items[order[k].item];
        hc_series *s = &ds->series[k];
        set_series(r, ds, k, it);
        s->start = it->start;
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

/* ---- building the series: streaming mode ------------------------------------------ */

static int build_stream(reader *r, hc_dataset **out)
{
    const hc_dataset_options *o = r->opts;
    hc_dataset *ds = NULL;
    item_order *order = NULL;
    size_t *new_off = NULL;
    int rc = stream_close(r, 0);
    if (rc)
        return rc; /* STOP_RESTART: past the dense limit */
    if (r->data_rows == 0)
        return hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path, 0, 0,
                               "has no data rows");
    int64_t end = hc_step_of(o->freq, r->max_ts);
    size_t nkept = 0;
    for (size_t i = 0; i < r->nitems; i++)
        nkept += r->items[i].observed != 0;
    if (nkept == 0)
        return hc_error_set_at(r->err, HC_ERR_INVALID_INPUT, r->path, 0, 0,
                               "has no target values: every target_value is empty");
    if (!(order = malloc(nkept * sizeof *order)) ||
        !(new_off = malloc(r->nitems * sizeof *new_off)))
        goto nomem;

    /* Final lengths run to the dataset's end; offsets follow the arena's
     * order, which is the items' order (their rows are together). */
    uint64_t nvalues = 0;
    if ((rc = layout_series(r, end, order, new_off, &nvalues)))
        goto done;
    /* Items that ended before the dataset's end get the rest of their
     * backfilled tail; everything after them moves up to make room. From
     * the last item back, so nothing is overwritten before it is moved. */
    rc = arena_reserve(r, nvalues, 0);
    if (rc)
        goto done;
    for (size_t i = r->nitems; i-- > 0;) {
        item_rec *it = &r->items[i];
        if (!it->observed)
            continue;
        size_t want = (size_t)(end - it->start) + 1;
        if (new_off[i] != it->off) {
            memmove(r->values + new_off[i], r->values + it->off, it->len * sizeof(double));
            memmove(r->filled + new_off[i], r->filled + it->off, it->len);
            it->off = new_off[i];
        }
        fill_range(r->values, r->filled, it->off + it->len, it->off + want,
                   it->backfill);
        it->len = want;
    }
    qsort(order, nkept, sizeof *order, item_order_compare);

    rc = ds_create(&ds, o->freq, r->ndims, nkept, 0, r->err);
    if (rc)
        goto done;
    ds->nvalues = (size_t)nvalues;
    ds->values = r->values;
    ds->filled = r->filled;
    r->values = NULL;
    r->filled = NULL;
    r->valuescap = 0;
    rc = adopt_keys(r, ds);
    if (rc)
        goto done;
    for (size_t k = 0; k < nkept; k++) {
        const item_rec *it = &r->items[order[k].item];
        set_series(r, ds, k, it);
        ds->series[k].start = it->start;
        ds->series[k].length = it->len;
        ds->series[k].offset = it->off;
        if (k == 0 || it->start < ds->first_step)
            ds->first_step = it->start;
    }
    ds->end_step = end;
    ds->nrows_read = r->data_rows;
    *out = ds;
    ds = NULL;
    goto done;
nomem:
    rc = hc_error_set(r->err, HC_ERR_NOMEM, "%s: out of memory building the series",
                      r->path);
done:
    hc_dataset_free(ds);
    free(order);
    free(new_off);
    return rc;
}

static void reset_items(reader *r)
{
    free(r->items);
    free(r->table);
    free(r->keys);
    free(r->rows);
    free(r->values);
    free(r->filled);
    r->items = NULL;
    r->table = NULL;
    r->keys = NULL;
    r->rows = NULL;
    r->values = NULL;
    r->filled = NULL;
    r->nitems = r->itemscap = r->tablecap = r->keyslen = r->keyscap = 0;
    r->nrows = r->rowscap = r->nvalues = r->valuescap = 0;
    r->have_last = 0;
    r->data_rows = 0;
    r->max_ts = 0;
    r->cur = SIZE_MAX;
    r->in_step = 0;
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
    r.cur = SIZE_MAX;
    rc = setup_schema(&r);
    if (rc)
        goto done;
    r.sc.ncols = r.ncols;
    r.sc.role = r.role;
    r.sc.dim_of_col = r.dim_of_col;
    r.sc.ndims = r.ndims;
    r.sc.col_item = r.col_item;
    r.sc.col_ts = r.col_ts;
    r.sc.col_target = r.col_target;
    r.sc.target_integer = r.target_integer;
    r.sc.ts_format = opts->ts_format;
    r.sc.ts_expect = r.ts_expect;
    r.sc.header = opts->header != 0;

    r.mode = MODE_STREAM;
    r.sc.after_parse = annotate_chains;
    r.sc.hook_ctx = opts;
    rc = scan_file(r.path, &r.sc, opts->threads, consume, &r, err);
    if (rc == 0)
        rc = build_stream(&r, out);
    if (rc == STOP_RESTART) {
        reset_items(&r);
        r.mode = MODE_ROWS;
        r.sc.after_parse = NULL;
        rc = scan_file(r.path, &r.sc, opts->threads, consume, &r, err);
        if (rc == 0)
            rc = build_rows(&r, out);
    }
    if (rc > 0)
        rc = hc_error_set(err, HC_ERR_INTERNAL, "%s: the reader stopped early", r.path);
done:
    free(r.role);
    free(r.dim_of_col);
    reset_items(&r);
    return rc;
}

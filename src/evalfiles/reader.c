/* Reading forecasted-values files into one columnar table.
 *
 * Every file (plain or .gz) goes through the dataset reader's CSV scanner
 * (dataset/csvscan.h), one row at a time: the dataset's strict syntax and
 * its messages for broken quoting. The first row of each file is its
 * header; the first header read fixes the layout and every other header,
 * at the top of a file or repeated inside one (parts concatenated with
 * `cat`), must be identical.
 * Item keys are interned through a hash map ("item_id\0dim1\0...\0": NUL is
 * refused inside key fields, so the key is unambiguous and its bytes sort in
 * key order); windows are few and found by a linear search with a cache.
 * Nothing is allocated per row: the columns grow by doubling.
 *
 * Rows do not keep their line: an error found after reading (a duplicate
 * row) scans the row's file again up to it, which costs nothing when the
 * input is good. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/memutil.h"
#include "dataset/csvscan.h"
#include "evalfiles/evalfiles.h"
#include "hindcast/calendar.h"
#include "hindcast/numfmt.h"

#define SHOW_MAX 64 /* field text quoted in messages is cut to this */

typedef struct field_ref {
    size_t off, len;
} field_ref;

/* Capacities and the key map, kept with the table while it grows. */
typedef struct table_state {
    size_t rowscap;
    size_t keyscap;
    size_t keybytescap;
    uint64_t *key_hash;
    uint32_t *map; /* key + 1, 0 = empty */
    size_t mapcap;
    size_t windowscap;
    size_t filescap;
    int closed_keys;    /* a predictor's dataset fixes the items */
    int closed_windows; /* a predictor fixes the windows */
} table_state;

typedef struct scan {
    hc_fv_table *t;
    table_state *st;
    const hc_fv_options *o;
    hc_error *err;
    const char *path;
    uint32_t file;
    int status;

    long row_line;   /* physical line of the row's start (1-based) */
    size_t nfields;
    field_ref *fields;
    size_t fieldscap;
    char *rowbuf;
    size_t rowcap;
    int header_seen; /* this file's first row has been read */

    /* the layout's column positions */
    size_t col_ts;

    /* locate mode: find the line of data row `locate_row` and stop */
    int locating;
    size_t locate_row;
    long located_line;
    int stop;
    size_t data_rows;

    char *keybuf;
    size_t keybufcap;
    uint32_t last_key;
    int have_last_key;
    uint32_t last_window;
    int have_last_window;
} scan;

static char *dup_text(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int nomem(scan *s)
{
    if (!s->status)
        s->status = hc_error_set(s->err, HC_ERR_NOMEM, "out of memory while reading %s",
                                 s->path);
    return s->status;
}

static int show_len(size_t len)
{
    return (int)(len > SHOW_MAX ? SHOW_MAX : len);
}

static const char *show_tail(size_t len)
{
    return len > SHOW_MAX ? "..." : "";
}

static int row_error(scan *s, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An InvalidInput error at the current row and column col (0-based). */
static int row_error(scan *s, size_t col, const char *fmt, ...)
{
    char msg[HC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return s->status = hc_error_set_at(s->err, HC_ERR_INVALID_INPUT, s->path,
                                       s->row_line, (long)col + 1, "%s", msg);
}

static const char *field(const scan *s, size_t c)
{
    return s->rowbuf + s->fields[c].off;
}

static int field_is(const scan *s, size_t c, const char *text)
{
    return c < s->nfields && strcmp(field(s, c), text) == 0 &&
           s->fields[c].len == strlen(text);
}

/* ---- keys and windows ----------------------------------------------------- */


static int map_grow(hc_fv_table *t, table_state *st)
{
    size_t cap = st->mapcap ? st->mapcap * 2 : 1024;
    uint32_t *m = calloc(cap, sizeof *m);
    if (!m)
        return -1;
    for (size_t i = 0; i < t->nkeys; i++) {
        size_t j = (size_t)st->key_hash[i] & (cap - 1);
        while (m[j])
            j = (j + 1) & (cap - 1);
        m[j] = (uint32_t)(i + 1);
    }
    free(st->map);
    st->map = m;
    st->mapcap = cap;
    return 0;
}

/* Finds key [key, key+len); adds it when `add`. *out = key id, or
 * UINT32_MAX when absent and not added. 0 or -1 (out of memory/limit). */
static int key_lookup(hc_fv_table *t, table_state *st, const char *key,
                      size_t len, int add, uint32_t *out)
{
    uint64_t h = hc_hash_bytes(key, len);
    if ((t->nkeys + 1) * 2 > st->mapcap && map_grow(t, st))
        return -1;
    size_t mask = st->mapcap - 1;
    size_t j = (size_t)h & mask;
    while (st->map[j]) {
        uint32_t k = st->map[j] - 1;
        if (st->key_hash[k] == h && t->key_len[k] == len &&
            memcmp(t->key_bytes + t->key_off[k], key, len) == 0) {
            *out = k;
            return 0;
        }
        j = (j + 1) & mask;
    }
    *out = UINT32_MAX;
    if (!add)
        return 0;
    if (t->nkeys >= UINT32_MAX - 1)
        return -1;
    size_t used = t->nkeys ? t->key_off[t->nkeys - 1] + t->key_len[t->nkeys - 1] : 0;
    size_t kcap = st->keyscap, kcap2 = st->keyscap;
    if (hc_grow_array((void **)&t->key_off, &kcap, t->nkeys + 1, sizeof *t->key_off) ||
        hc_grow_array((void **)&t->key_len, &kcap2, t->nkeys + 1, sizeof *t->key_len))
        return -1;
    size_t hcap = st->keyscap;
    if (hc_grow_array((void **)&st->key_hash, &hcap, t->nkeys + 1, sizeof *st->key_hash))
        return -1;
    st->keyscap = kcap;
    if (hc_grow_array((void **)&t->key_bytes, &st->keybytescap, used + len, 1))
        return -1;
    memcpy(t->key_bytes + used, key, len);
    t->key_off[t->nkeys] = used;
    t->key_len[t->nkeys] = len;
    st->key_hash[t->nkeys] = h;
    st->map[j] = (uint32_t)(t->nkeys + 1);
    *out = (uint32_t)t->nkeys++;
    return 0;
}

static int add_window(hc_fv_table *t, table_state *st, int64_t start,
                      int64_t end, uint32_t file, long line)
{
    if (hc_grow_array((void **)&t->windows, &st->windowscap, t->nwindows + 1,
             sizeof *t->windows))
        return -1;
    hc_fv_window *w = &t->windows[t->nwindows++];
    w->start = start;
    w->end = end;
    w->file = file;
    w->line = line;
    return 0;
}

/* Writes "item_id,dim1,..." of the current row into buf for messages. */
static void describe_key(const scan *s, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = 0; c <= s->t->ndims && used + 1 < cap; c++) {
        int n = snprintf(buf + used, cap - used, "%s%.*s%s", c ? "," : "",
                         show_len(s->fields[c].len), field(s, c),
                         show_tail(s->fields[c].len));
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* ---- header ---------------------------------------------------------------- */

/* "p65" -> 0.65; "p5" -> 0.05. Returns 0, or -1 when not a quantile name
 * (leading zeros, p0 and p100 and above are not). */
static int quantile_column(const char *name, double *tau)
{
    if (name[0] != 'p' || name[1] < '1' || name[1] > '9')
        return -1;
    int k = name[1] - '0';
    if (name[2]) {
        if (name[2] < '0' || name[2] > '9' || name[3])
            return -1;
        k = k * 10 + (name[2] - '0');
    }
    /* Correctly rounded, so it equals reading "0.65" as text. */
    *tau = (double)k / 100.0;
    return 0;
}

static const char *layout_text =
    "item_id[,dimensions...],timestamp,target_value,backtestwindow_start_time,"
    "backtestwindow_end_time,<forecast types: mean, pNN>";

static int first_header(scan *s)
{
    hc_fv_table *t = s->t;
    size_t n = s->nfields;
    for (size_t c = 0; c < n; c++)
        if (memchr(field(s, c), '\0', s->fields[c].len))
            return row_error(s, c, "a column name contains a NUL byte");
    if (!field_is(s, 0, "item_id"))
        return row_error(s, 0, "the header must start with item_id (columns: %s), "
                               "not '%.*s%s'", layout_text,
                         show_len(s->fields[0].len), field(s, 0),
                         show_tail(s->fields[0].len));
    size_t ts = 0;
    for (size_t c = 1; c < n && !ts; c++)
        if (field_is(s, c, "timestamp"))
            ts = c;
    if (!ts)
        return row_error(s, n - 1, "the header has no timestamp column (columns: %s)",
                         layout_text);
    static const char *const after[3] = {"target_value", "backtestwindow_start_time",
                                         "backtestwindow_end_time"};
    for (size_t i = 0; i < 3; i++)
        if (!field_is(s, ts + 1 + i, after[i]))
            return row_error(s, ts + 1 + i < n ? ts + 1 + i : n - 1,
                             "expected the column %s here (columns: %s)", after[i],
                             layout_text);
    if (ts + 4 >= n)
        return row_error(s, n - 1, "the header names no forecast type column "
                                   "(mean or pNN) after backtestwindow_end_time");
    for (size_t c = 1; c < ts; c++) {
        if (s->fields[c].len == 0)
            return row_error(s, c, "a dimension column has an empty name");
        for (size_t d = 1; d < c; d++)
            if (strcmp(field(s, d), field(s, c)) == 0)
                return row_error(s, c, "the dimension column '%s' appears twice",
                                 field(s, c));
    }
    t->mean_type = -1;
    t->p50_type = -1;
    t->ntypes = n - ts - 4;
    t->nq = 0;
    for (size_t j = 0; j < t->ntypes; j++) {
        size_t c = ts + 4 + j;
        const char *name = field(s, c);
        for (size_t d = ts + 4; d < c; d++)
            if (strcmp(field(s, d), name) == 0)
                return row_error(s, c, "the forecast type column '%s' appears twice",
                                 name);
        double tau;
        if (strcmp(name, "mean") == 0) {
            t->mean_type = (int)j;
        } else if (quantile_column(name, &tau) == 0) {
            if (t->nq == HC_MAX_QUANTILES)
                return row_error(s, c, "more than %d quantile columns",
                                 HC_MAX_QUANTILES);
            if (strcmp(name, "p50") == 0)
                t->p50_type = (int)j;
            /* Insertion keeps taus ascending, as the wQL columns go. */
            size_t q = t->nq++;
            while (q > 0 && t->taus[q - 1] > tau) {
                t->taus[q] = t->taus[q - 1];
                t->quant_type[q] = t->quant_type[q - 1];
                q--;
            }
            t->taus[q] = tau;
            t->quant_type[q] = j;
        } else {
            return row_error(s, c, "'%.*s%s' is not a forecast type column (mean, "
                                   "or p followed by a percentage from 1 to 99 "
                                   "such as p10, p5, p65)",
                             show_len(s->fields[c].len), name,
                             show_tail(s->fields[c].len));
        }
    }
    t->columns = calloc(n, sizeof *t->columns);
    t->values = calloc(t->ntypes, sizeof *t->values);
    if (!t->columns || !t->values)
        return nomem(s);
    t->ncols = n;
    for (size_t c = 0; c < n; c++)
        if (!(t->columns[c] = dup_text(field(s, c), s->fields[c].len)))
            return nomem(s);
    t->ndims = ts - 1;
    t->dim_names = t->columns + 1;

    /* A predictor's dataset fixes the items: same dimensions, and its keys
     * come first so that key k is series k. */
    const hc_dataset *ds = s->o ? s->o->ds : NULL;
    if (ds) {
        int same = ds->ndims == t->ndims;
        for (size_t d = 0; same && d < t->ndims; d++)
            same = strcmp(ds->dim_names[d], t->dim_names[d]) == 0;
        if (!same) {
            char have[256] = "", want[256] = "";
            size_t hu = 0, wu = 0;
            for (size_t d = 0; d < t->ndims && hu < sizeof have; d++)
                hu += (size_t)snprintf(have + hu, sizeof have - hu, "%s%s",
                                       d ? "," : "", t->dim_names[d]);
            for (size_t d = 0; d < ds->ndims && wu < sizeof want; d++)
                wu += (size_t)snprintf(want + wu, sizeof want - wu, "%s%s",
                                       d ? "," : "", ds->dim_names[d]);
            return row_error(s, 0, "the dimension columns (%s) differ from the "
                                   "ForecastDimensions of %s (%s)",
                             have[0] ? have : "none", s->o->owner,
                             want[0] ? want : "none");
        }
        for (size_t i = 0; i < ds->nseries; i++) {
            const hc_series *se = &ds->series[i];
            size_t need = strlen(se->item_id) + 1;
            for (size_t d = 0; d < ds->ndims; d++)
                need += strlen(se->dims[d]) + 1;
            if (hc_grow_array((void **)&s->keybuf, &s->keybufcap, need, 1))
                return nomem(s);
            char *k = s->keybuf;
            memcpy(k, se->item_id, strlen(se->item_id) + 1);
            k += strlen(se->item_id) + 1;
            for (size_t d = 0; d < ds->ndims; d++) {
                memcpy(k, se->dims[d], strlen(se->dims[d]) + 1);
                k += strlen(se->dims[d]) + 1;
            }
            uint32_t id;
            if (key_lookup(t, s->st, s->keybuf, need, 1, &id))
                return nomem(s);
            if (id != i)
                return s->status = hc_error_set(s->err, HC_ERR_INTERNAL,
                                                "the dataset of %s repeats an item",
                                                s->o->owner);
        }
        s->st->closed_keys = 1;
    }
    return 0;
}

static int header_row(scan *s)
{
    hc_fv_table *t = s->t;
    if (t->ncols == 0)
        return first_header(s);
    size_t n = s->nfields < t->ncols ? s->nfields : t->ncols;
    size_t c = 0;
    while (c < n && strcmp(field(s, c), t->columns[c]) == 0 &&
           s->fields[c].len == strlen(t->columns[c]))
        c++;
    if (c == n && s->nfields == t->ncols)
        return 0;
    if (c < n)
        return row_error(s, c, "the header differs from the header of %s: column "
                               "%zu is '%s' there, '%.*s%s' here (every part must "
                               "have the same columns)",
                         t->files[0], c + 1, t->columns[c],
                         show_len(s->fields[c].len), field(s, c),
                         show_tail(s->fields[c].len));
    return row_error(s, n, "the header differs from the header of %s: %zu columns "
                           "there, %zu here (every part must have the same columns)",
                     t->files[0], t->ncols, s->nfields);
}

/* A row that looks like a header (parts concatenated by `cat` repeat it):
 * it must then be the header exactly. */
static int header_like(const scan *s)
{
    if (!field_is(s, 0, "item_id"))
        return 0;
    for (size_t c = 1; c < s->nfields; c++)
        if (field_is(s, c, "target_value"))
            return 1;
    return 0;
}

/* ---- data rows -------------------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* 1 when empty, 0 with *out when a number, or an error. */
static int number_field(scan *s, size_t c, const char *what, double *out)
{
    const char *p = field(s, c);
    size_t n = s->fields[c].len;
    if (n == 0)
        return 1;
    if (is_blank(p[0]) || is_blank(p[n - 1]) || hc_parse_double(p, n, out) != 0)
        return row_error(s, c, "%s '%.*s%s' is not a number", what, show_len(n), p,
                         show_tail(n));
    return 0;
}

static int time_field(scan *s, size_t c, int64_t *out)
{
    size_t bad = 0;
    const char *p = field(s, c);
    size_t n = s->fields[c].len;
    if (hc_parse_timestamp(p, n, HC_TSFMT_AUTO, out, &bad) != 0)
        return row_error(s, c, "%s '%.*s%s' is not a timestamp (yyyy-MM-dd, "
                               "yyyy-MM-dd HH:mm:ss or yyyy-MM-ddTHH:mm:ss[.SSS][Z]; "
                               "bad character at position %zu)",
                         s->t->columns[c], show_len(n), p, show_tail(n), bad + 1);
    return 0;
}

static int find_window(scan *s, int64_t start, int64_t end, uint32_t *out)
{
    hc_fv_table *t = s->t;
    size_t col = s->col_ts + 2;
    uint32_t w = UINT32_MAX;
    if (s->have_last_window && t->windows[s->last_window].start == start)
        w = s->last_window;
    for (size_t i = 0; w == UINT32_MAX && i < t->nwindows; i++)
        if (t->windows[i].start == start)
            w = (uint32_t)i;
    char a[32], b[32], c[32];
    if (w == UINT32_MAX) {
        if (s->st->closed_windows) {
            hc_format_ts_plain(a, start);
            hc_format_ts_plain(b, end);
            char list[512] = "";
            size_t used = 0;
            for (size_t i = 0; i < t->nwindows && used < sizeof list; i++) {
                hc_format_ts_plain(c, t->windows[i].start);
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         i ? ", " : "", c);
            }
            return row_error(s, col, "the backtest window %s to %s is not one of "
                                     "the backtest windows of %s (starting %s)",
                             a, b, s->o->owner, list);
        }
        if (t->nwindows >= UINT32_MAX - 1 ||
            add_window(t, s->st, start, end, s->file, s->row_line))
            return nomem(s);
        w = (uint32_t)(t->nwindows - 1);
    }
    const hc_fv_window *win = &t->windows[w];
    if (win->end != end) {
        hc_format_ts_plain(a, start);
        hc_format_ts_plain(b, end);
        hc_format_ts_plain(c, win->end);
        if (win->line == 0)
            return row_error(s, col + 1, "the backtest window starting %s ends at %s "
                                         "here, but the window of %s ends at %s",
                             a, b, s->o->owner, c);
        return row_error(s, col + 1, "the backtest window starting %s ends at %s "
                                     "here, but at %s in %s:%ld",
                         a, b, c, t->files[win->file], win->line);
    }
    s->last_window = w;
    s->have_last_window = 1;
    *out = w;
    return 0;
}

static int data_row(scan *s)
{
    hc_fv_table *t = s->t;
    size_t ts_col = s->col_ts;
    if (s->nfields != t->ncols) {
        size_t col = s->nfields > t->ncols ? t->ncols : s->nfields;
        return row_error(s, col, "expected %zu fields as in the header, got %zu",
                         t->ncols, s->nfields);
    }
    /* The key: item_id, then the dimensions. */
    size_t need = 0;
    for (size_t c = 0; c < ts_col; c++) {
        if (memchr(field(s, c), '\0', s->fields[c].len))
            return row_error(s, c, "'%.*s%s' contains a NUL byte",
                             show_len(s->fields[c].len), field(s, c),
                             show_tail(s->fields[c].len));
        need += s->fields[c].len + 1;
    }
    if (s->fields[0].len == 0)
        return row_error(s, 0, "item_id is empty");
    int64_t ts, start, end;
    double target = 0.0;
    int rc;
    if ((rc = time_field(s, ts_col, &ts)) ||
        (rc = time_field(s, ts_col + 2, &start)) ||
        (rc = time_field(s, ts_col + 3, &end)))
        return rc;
    rc = number_field(s, ts_col + 1, "target_value", &target);
    if (rc < 0)
        return rc;
    if (rc == 1)
        target = (double)NAN; /* missing actual */
    if (end < start)
        return row_error(s, ts_col + 3, "backtestwindow_end_time %s is before "
                                        "backtestwindow_start_time %s",
                         field(s, ts_col + 3), field(s, ts_col + 2));
    if (ts < start || ts > end)
        return row_error(s, ts_col, "timestamp %s is outside its backtest window "
                                    "(%s to %s)", field(s, ts_col),
                         field(s, ts_col + 2), field(s, ts_col + 3));
    /* Room for the row first, so that the forecasts parse into place. */
    table_state *st = s->st;
    if (t->nrows + 1 > st->rowscap) {
        size_t cap = st->rowscap, c2 = st->rowscap, c3 = st->rowscap,
               c4 = st->rowscap;
        if (hc_grow_array((void **)&t->row_key, &cap, t->nrows + 1, sizeof *t->row_key) ||
            hc_grow_array((void **)&t->row_window, &c2, t->nrows + 1, sizeof *t->row_window) ||
            hc_grow_array((void **)&t->row_ts, &c3, t->nrows + 1, sizeof *t->row_ts) ||
            hc_grow_array((void **)&t->target, &c4, t->nrows + 1, sizeof *t->target))
            return nomem(s);
        for (size_t j = 0; j < t->ntypes; j++) {
            size_t c5 = st->rowscap;
            if (hc_grow_array((void **)&t->values[j], &c5, t->nrows + 1, sizeof(double)))
                return nomem(s);
        }
        st->rowscap = cap;
    }
    size_t r = t->nrows;
    size_t first_value = ts_col + 4;
    for (size_t j = 0; j < t->ntypes; j++) {
        rc = number_field(s, first_value + j, t->columns[first_value + j],
                          &t->values[j][r]);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return row_error(s, first_value + j, "the %s forecast is empty",
                             t->columns[first_value + j]);
    }

    if (hc_grow_array((void **)&s->keybuf, &s->keybufcap, need, 1))
        return nomem(s);
    char *k = s->keybuf;
    for (size_t c = 0; c < ts_col; c++) {
        memcpy(k, field(s, c), s->fields[c].len + 1);
        k += s->fields[c].len + 1;
    }
    uint32_t key = UINT32_MAX;
    if (s->have_last_key && t->key_len[s->last_key] == need &&
        memcmp(t->key_bytes + t->key_off[s->last_key], s->keybuf, need) == 0)
        key = s->last_key;
    else if (key_lookup(t, st, s->keybuf, need, !st->closed_keys, &key))
        return nomem(s);
    if (key == UINT32_MAX) {
        char shown[256];
        describe_key(s, shown, sizeof shown);
        return row_error(s, 0, "the item '%s' is not in the dataset of %s", shown,
                         s->o->owner);
    }
    s->last_key = key;
    s->have_last_key = 1;
    uint32_t window = 0;
    if ((rc = find_window(s, start, end, &window)))
        return rc;
    t->row_key[r] = key;
    t->row_window[r] = window;
    t->row_ts[r] = ts;
    t->target[r] = target;
    t->nrows++;
    return 0;
}

static int process_row(scan *s)
{
    if (!s->header_seen) {
        s->header_seen = 1;
        if (s->locating)
            return 0;
        int rc = header_row(s);
        if (rc == 0) {
            for (size_t c = 1; c < s->t->ncols; c++)
                if (strcmp(s->t->columns[c], "timestamp") == 0) {
                    s->col_ts = c;
                    break;
                }
        }
        return rc;
    }
    if (header_like(s))
        return s->locating ? 0 : header_row(s);
    if (s->locating) {
        if (s->data_rows++ == s->locate_row) {
            s->located_line = s->row_line;
            s->stop = 1;
        }
        return 0;
    }
    s->data_rows++;
    return data_row(s);
}

/* ---- reading a file --------------------------------------------------------------- */

/* A row from the scanner: copied with a NUL after each field (the header
 * checks compare names as strings), then checked and stored. */
static int on_row(void *ctx, const scan_record *r, hc_error *err)
{
    scan *s = ctx;
    (void)err; /* s->err is the same */
    size_t need = 0;
    for (size_t c = 0; c < r->nfields; c++)
        need += r->len[c] + 1;
    if (hc_grow_array((void **)&s->rowbuf, &s->rowcap, need, 1) ||
        hc_grow_array((void **)&s->fields, &s->fieldscap, r->nfields, sizeof *s->fields))
        return nomem(s);
    size_t used = 0;
    for (size_t c = 0; c < r->nfields; c++) {
        memcpy(s->rowbuf + used, r->field[c], r->len[c]);
        s->rowbuf[used + r->len[c]] = '\0';
        s->fields[c].off = used;
        s->fields[c].len = r->len[c];
        used += r->len[c] + 1;
    }
    s->nfields = r->nfields;
    s->row_line = (long)r->line;
    int rc = process_row(s);
    return rc ? rc : s->stop;
}

static int run_scan(scan *s)
{
    s->nfields = 0;
    s->data_rows = 0;
    s->header_seen = 0;
    s->have_last_window = 0;
    /* A file the request names that cannot be read is the request's
     * fault: InvalidInput, as a missing one is. */
    int rc = scan_records(s->path, HC_ERR_INVALID_INPUT, on_row, s, s->err);
    if (rc < 0)
        return s->status = rc;
    return 0; /* the end, or located */
}

static void scan_free(scan *s)
{
    free(s->fields);
    free(s->rowbuf);
    free(s->keybuf);
}

/* ---- files ---------------------------------------------------------------------- */

static int add_file(hc_fv_table *t, table_state *st, const char *path)
{
    size_t cap = st->filescap;
    if (hc_grow_array((void **)&t->files, &cap, t->nfiles + 1, sizeof *t->files) ||
        hc_grow_array((void **)&t->file_first_row, &st->filescap, t->nfiles + 2,
             sizeof *t->file_first_row))
        return -1;
    if (!(t->files[t->nfiles] = dup_text(path, strlen(path))))
        return -1;
    t->nfiles++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Adds path, or the part files of directory path in name order. */
static int expand_path(hc_fv_table *t, table_state *st, const char *path,
                       hc_error *err)
{
    struct stat sb;
    if (!path[0])
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "ForecastedValues: an empty path");
    if (stat(path, &sb) != 0)
        return hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 0, 0,
                               "cannot read the forecasted values: %s",
                               strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return add_file(t, st, path) ? hc_error_set(err, HC_ERR_NOMEM, "out of memory")
                                     : 0;
    DIR *dir = opendir(path);
    if (!dir)
        return hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 0, 0,
                               "cannot list the directory: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        const char *name = e->d_name;
        /* Hidden files include the writer's temporary parts. */
        if (name[0] == '.' || !(ends_with(name, ".csv") || ends_with(name, ".csv.gz")))
            continue;
        size_t plen = strlen(path);
        char *full = malloc(plen + strlen(name) + 2);
        if (!full || hc_grow_array((void **)&names, &cap, n + 1, sizeof *names)) {
            free(full);
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            goto done;
        }
        sprintf(full, "%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", name);
        if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(full);
            continue;
        }
        names[n++] = full;
    }
    if (n == 0) {
        rc = hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 0, 0,
                             "the directory holds no .csv or .csv.gz file");
        goto done;
    }
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (add_file(t, st, names[i]))
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(dir);
    return rc;
}

/* ---- the table ------------------------------------------------------------------ */

int hc_fv_read(hc_fv_table **out, const char *const *paths, size_t npaths,
               const hc_fv_options *o, hc_error *err)
{
    *out = NULL;
    hc_fv_table *t = calloc(1, sizeof *t);
    table_state *st = calloc(1, sizeof *st);
    scan s;
    memset(&s, 0, sizeof s);
    int rc = 0;
    if (!t || !st) {
        free(t);
        free(st);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    t->internal = st;
    t->mean_type = t->p50_type = -1;
    if (npaths == 0) {
        rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                          "ForecastedValues names no file or directory");
        goto done;
    }
    for (size_t i = 0; i < npaths; i++)
        if ((rc = expand_path(t, st, paths[i], err)))
            goto done;
    if (o && o->nwindows) {
        for (size_t w = 0; w < o->nwindows; w++)
            if (add_window(t, st, o->window_start[w], o->window_end[w], 0, 0)) {
                rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
                goto done;
            }
        st->closed_windows = 1;
    }
    s.t = t;
    s.st = st;
    s.o = o;
    s.err = err;
    for (size_t f = 0; f < t->nfiles; f++) {
        t->file_first_row[f] = t->nrows;
        s.path = t->files[f];
        s.file = (uint32_t)f;
        if ((rc = run_scan(&s)))
            goto done;
    }
    t->file_first_row[t->nfiles] = t->nrows;
    if (t->ncols == 0) {
        rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                          "no forecasted-values header found: every file is empty "
                          "(a part starts with the line %s)", layout_text);
        goto done;
    }
done:
    scan_free(&s);
    if (rc) {
        hc_fv_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* The line of row `row` (reading order), found by scanning its file again. */
static void locate(const hc_fv_table *t, size_t row, const char **path, long *line)
{
    size_t f = 0;
    while (f + 1 < t->nfiles && t->file_first_row[f + 1] <= row)
        f++;
    scan s;
    hc_error scratch;
    table_state st;
    memset(&s, 0, sizeof s);
    memset(&st, 0, sizeof st);
    s.t = (hc_fv_table *)t; /* locate mode reads the layout only */
    s.st = &st;
    s.err = &scratch;
    s.path = t->files[f];
    s.locating = 1;
    s.locate_row = row - t->file_first_row[f];
    run_scan(&s);
    scan_free(&s);
    *path = t->files[f];
    *line = s.located_line;
}

typedef struct key_ref {
    const char *bytes;
    size_t len;
    uint32_t id;
} key_ref;

static int key_ref_cmp(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->bytes, b->bytes, n);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

static int sorted_cmp(const void *pa, const void *pb)
{
    const hc_fv_sorted *a = pa, *b = pb;
    if (a->item != b->item)
        return a->item < b->item ? -1 : 1;
    if (a->window != b->window)
        return a->window < b->window ? -1 : 1;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

int hc_fv_sort(hc_fv_table *t, hc_error *err)
{
    key_ref *refs = calloc(t->nkeys ? t->nkeys : 1, sizeof *refs);
    uint32_t *rank = calloc(t->nkeys ? t->nkeys : 1, sizeof *rank);
    int rc = 0;
    free(t->item_order);
    free(t->window_rank);
    free(t->window_order);
    free(t->sorted);
    t->item_order = calloc(t->nkeys ? t->nkeys : 1, sizeof *t->item_order);
    t->window_rank = calloc(t->nwindows ? t->nwindows : 1, sizeof *t->window_rank);
    t->window_order = calloc(t->nwindows ? t->nwindows : 1, sizeof *t->window_order);
    t->sorted = calloc(t->nrows ? t->nrows : 1, sizeof *t->sorted);
    if (!refs || !rank || !t->item_order || !t->window_rank || !t->window_order ||
        !t->sorted) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < t->nkeys; k++) {
        refs[k].bytes = t->key_bytes + t->key_off[k];
        refs[k].len = t->key_len[k];
        refs[k].id = (uint32_t)k;
    }
    qsort(refs, t->nkeys, sizeof *refs, key_ref_cmp);
    for (size_t r = 0; r < t->nkeys; r++) {
        t->item_order[r] = refs[r].id;
        rank[refs[r].id] = (uint32_t)r;
    }
    /* Windows oldest first (a stable insertion sort: there are few). */
    for (size_t i = 0; i < t->nwindows; i++) {
        size_t j = i;
        while (j > 0 && t->windows[t->window_order[j - 1]].start > t->windows[i].start) {
            t->window_order[j] = t->window_order[j - 1];
            j--;
        }
        t->window_order[j] = (uint32_t)i;
    }
    for (size_t r = 0; r < t->nwindows; r++)
        t->window_rank[t->window_order[r]] = (uint32_t)r;
    for (size_t i = 0; i < t->nrows; i++) {
        t->sorted[i].item = rank[t->row_key[i]];
        t->sorted[i].window = t->window_rank[t->row_window[i]];
        t->sorted[i].ts = t->row_ts[i];
        t->sorted[i].row = i;
    }
    qsort(t->sorted, t->nrows, sizeof *t->sorted, sorted_cmp);
    for (size_t i = 1; i < t->nrows; i++) {
        const hc_fv_sorted *a = &t->sorted[i - 1], *b = &t->sorted[i];
        if (a->item == b->item && a->window == b->window && a->ts == b->ts) {
            const char *pa, *pb;
            long la, lb;
            locate(t, a->row, &pa, &la);
            locate(t, b->row, &pb, &lb);
            char ts[32], ws[32];
            hc_format_ts_millis(ts, a->ts);
            hc_format_ts_plain(ws, t->windows[t->row_window[a->row]].start);
            const char *item = t->key_bytes + t->key_off[t->row_key[a->row]];
            rc = hc_error_set_at(err, HC_ERR_INVALID_INPUT, pb, lb, 0,
                                 "duplicate row: item '%.*s%s', timestamp %s in the "
                                 "backtest window starting %s is also at %s:%ld",
                                 show_len(strlen(item)), item,
                                 show_tail(strlen(item)), ts, ws, pa, la);
            goto done;
        }
    }
done:
    free(refs);
    free(rank);
    return rc;
}

void hc_fv_key_fields(const hc_fv_table *t, uint32_t k, const char **item_id,
                      const char **dims)
{
    const char *p = t->key_bytes + t->key_off[k];
    *item_id = p;
    for (size_t d = 0; d < t->ndims; d++) {
        p += strlen(p) + 1;
        dims[d] = p;
    }
}

void hc_fv_free(hc_fv_table *t)
{
    if (!t)
        return;
    table_state *st = t->internal;
    if (st) {
        free(st->key_hash);
        free(st->map);
        free(st);
    }
    if (t->columns)
        for (size_t c = 0; c < t->ncols; c++)
            free(t->columns[c]);
    free(t->columns);
    for (size_t i = 0; i < t->nfiles; i++)
        free(t->files[i]);
    free(t->files);
    free(t->file_first_row);
    free(t->key_off);
    free(t->key_len);
    free(t->key_bytes);
    free(t->windows);
    free(t->row_key);
    free(t->row_window);
    free(t->row_ts);
    free(t->target);
    if (t->values)
        for (size_t j = 0; j < t->ntypes; j++)
            free(t->values[j]);
    free(t->values);
    free(t->item_order);
    free(t->window_rank);
    free(t->window_order);
    free(t->sorted);
    free(t);
}

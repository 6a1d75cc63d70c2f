/* Dataset lifetime, name tables and building from memory; see
 * hindcast/dataset.h. */
#include <stdlib.h>
#include <string.h>

#include "dataset/dataset_internal.h"
#include "hindcast/dataset.h"

static const char *const attr_type_names[] = {"string", "timestamp", "float",
                                              "integer"};
static const char *const aggregation_names[] = {"sum", "avg", "first",
                                                "min", "max", "none"};
static const char *const fill_names[] = {"none", "zero", "nan", "value",
                                         "median", "mean", "min", "max"};

static int lookup(const char *text, const char *const *names, int n)
{
    if (!text)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    return -1;
}

int hc_attr_type_parse(const char *text, hc_attr_type *out)
{
    int i = lookup(text, attr_type_names, 4);
    if (i < 0)
        return -1;
    if (out)
        *out = (hc_attr_type)i;
    return 0;
}

int hc_aggregation_parse(const char *text, hc_aggregation *out)
{
    int i = lookup(text, aggregation_names, 6);
    if (i < 0)
        return -1;
    if (out)
        *out = (hc_aggregation)i;
    return 0;
}

const char *hc_aggregation_name(hc_aggregation a)
{
    return (unsigned)a < 6 ? aggregation_names[a] : "?";
}

int hc_fill_method_parse(const char *text, hc_fill_method *out)
{
    int i = lookup(text, fill_names, 8);
    if (i < 0)
        return -1;
    if (out)
        *out = (hc_fill_method)i;
    return 0;
}

const char *hc_fill_method_name(hc_fill_method m)
{
    return (unsigned)m < 8 ? fill_names[m] : "?";
}

void hc_dataset_options_init(hc_dataset_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    opts->ts_format = HC_TSFMT_AUTO;
    opts->freq = HC_FREQ_D;
    opts->aggregation = HC_AGG_SUM;
    opts->middlefill.method = HC_FILL_ZERO;
    opts->backfill.method = HC_FILL_ZERO;
    opts->threads = 1;
}

int ds_key_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

int hc_series_key_compare(const hc_series *a, const hc_series *b, size_t ndims)
{
    int c = strcmp(a->item_id, b->item_id);
    for (size_t i = 0; c == 0 && i < ndims; i++)
        c = strcmp(a->dims[i], b->dims[i]);
    return c;
}

int ds_create(hc_dataset **out, hc_freq freq, size_t ndims, size_t nseries,
              size_t nvalues, hc_error *err)
{
    *out = NULL;
    ds_internal *in = NULL;
    hc_dataset *ds = calloc(1, sizeof *ds);
    if (!ds || !(in = ds->internal = calloc(1, sizeof *in)))
        goto nomem;
    ds->freq = freq;
    ds->ndims = ndims;
    ds->nseries = nseries;
    ds->nvalues = nvalues;
    if (ndims && nseries > SIZE_MAX / ndims)
        goto nomem;
    /* calloc checks the count * size products for overflow. */
    if (ndims && !(ds->dim_names = calloc(ndims, sizeof *ds->dim_names)))
        goto nomem;
    if (nseries && !(ds->series = calloc(nseries, sizeof *ds->series)))
        goto nomem;
    if (nseries && ndims && !(in->dimptrs = calloc(nseries * ndims, sizeof *in->dimptrs)))
        goto nomem;
    if (nvalues && (!(ds->values = calloc(nvalues, sizeof *ds->values)) ||
                    !(ds->filled = calloc(nvalues, 1))))
        goto nomem;
    for (size_t i = 0; i < nseries; i++)
        ds->series[i].dims = ndims ? in->dimptrs + i * ndims : NULL;
    *out = ds;
    return 0;
nomem:
    hc_dataset_free(ds);
    return hc_error_set(err, HC_ERR_NOMEM, "out of memory for a dataset of %zu values",
                        nvalues);
}

void ds_adopt_pool(hc_dataset *ds, char *pool, size_t pool_size)
{
    ds_internal *in = ds->internal;
    free(in->pool);
    in->pool = pool;
    in->pool_size = pool_size;
}

void hc_dataset_free(hc_dataset *ds)
{
    if (!ds)
        return;
    ds_internal *in = ds->internal;
    if (in) {
        ds_release_mapping(in);
        free(in->pool);
        free(in->dimptrs);
        free(in);
    }
    free(ds->dim_names);
    free(ds->series);
    free(ds->values);
    free(ds->filled);
    free(ds);
}

size_t hc_dataset_memory(const hc_dataset *ds)
{
    if (!ds)
        return 0;
    const ds_internal *in = ds->internal;
    size_t n = sizeof *ds + ds->nseries * sizeof *ds->series + ds->ndims * sizeof(char *);
    n += in && in->map ? in->map_len : ds->nvalues * (sizeof *ds->values + 1);
    if (in)
        n += sizeof *in + in->pool_size +
             ds->nseries * ds->ndims * sizeof *in->dimptrs;
    return n;
}

/* qsort has no context argument: each entry carries what it compares. */
typedef struct order_entry {
    const char *item_id;
    const char *const *dims;
    size_t ndims;
    size_t index;
} order_entry;

static int order_compare(const void *pa, const void *pb)
{
    const order_entry *a = pa, *b = pb;
    int c = strcmp(a->item_id, b->item_id);
    for (size_t i = 0; c == 0 && i < a->ndims; i++)
        c = strcmp(a->dims[i], b->dims[i]);
    return c;
}

int hc_dataset_from_arrays(hc_dataset **out, hc_freq freq, size_t ndims,
                           const char *const *dim_names, size_t nseries,
                           const char *const *item_ids, const char *const *dims,
                           const int64_t *starts, const size_t *lengths,
                           const double *values, const uint8_t *filled,
                           hc_error *err)
{
    hc_dataset *ds = NULL;
    order_entry *order = NULL;
    size_t *in_offsets = NULL;
    char *pool = NULL;
    int rc = 0;
    *out = NULL;

    if ((unsigned)freq >= HC_FREQ_COUNT || (nseries && (!item_ids || !starts ||
        !lengths || !values)) || (ndims && (!dim_names || (nseries && !dims)))) {
        rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                          "dataset arrays: invalid arguments");
        goto done;
    }
    size_t nvalues = 0, pool_size = 0;
    for (size_t d = 0; d < ndims; d++) {
        if (!dim_names[d]) {
            rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                              "dataset arrays: dimension name %zu is NULL", d);
            goto done;
        }
        pool_size += strlen(dim_names[d]) + 1;
    }
    for (size_t i = 0; i < nseries; i++) {
        if (!item_ids[i] || lengths[i] == 0) {
            rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                              "dataset arrays: series %zu has no item id or no values", i);
            goto done;
        }
        if (nvalues + lengths[i] < nvalues) {
            rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                              "dataset arrays: too many values");
            goto done;
        }
        nvalues += lengths[i];
        pool_size += strlen(item_ids[i]) + 1;
        for (size_t d = 0; d < ndims; d++) {
            if (!dims[i * ndims + d]) {
                rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                                  "dataset arrays: series %zu dimension %zu is NULL",
                                  i, d);
                goto done;
            }
            pool_size += strlen(dims[i * ndims + d]) + 1;
        }
    }
    if (nseries && (!(order = malloc(nseries * sizeof *order)) ||
                    !(in_offsets = malloc(nseries * sizeof *in_offsets))))
        goto nomem;
    if (!(pool = malloc(pool_size ? pool_size : 1)))
        goto nomem;
    /* Values are stored in key order; in_offsets find them in the input. */
    for (size_t i = 0, off = 0; i < nseries; off += lengths[i], i++) {
        in_offsets[i] = off;
        order[i].item_id = item_ids[i];
        order[i].dims = ndims ? dims + i * ndims : NULL;
        order[i].ndims = ndims;
        order[i].index = i;
    }
    if (nseries)
        qsort(order, nseries, sizeof *order, order_compare);
    for (size_t i = 1; i < nseries; i++) {
        if (order_compare(&order[i - 1], &order[i]) == 0) {
            rc = hc_error_set(err, HC_ERR_INVALID_INPUT,
                              "dataset arrays: item '%s' appears twice",
                              order[i].item_id);
            goto done;
        }
    }
    rc = ds_create(&ds, freq, ndims, nseries, nvalues, err);
    if (rc)
        goto done;
    ds_adopt_pool(ds, pool, pool_size);
    pool = NULL;
    char *p = ((ds_internal *)ds->internal)->pool;
    for (size_t d = 0; d < ndims; d++) {
        size_t n = strlen(dim_names[d]) + 1;
        memcpy(p, dim_names[d], n);
        ds->dim_names[d] = p;
        p += n;
    }
    size_t out_off = 0;
    ds->first_step = 0;
    ds->end_step = -1;
    for (size_t k = 0; k < nseries; k++) {
        size_t i = order[k].index;
        size_t in_off = in_offsets[i];
        hc_series *s = &ds->series[k];
        size_t n = strlen(item_ids[i]) + 1;
        memcpy(p, item_ids[i], n);
        s->item_id = p;
        p += n;
        for (size_t d = 0; d < ndims; d++) {
            const char *v = dims[i * ndims + d];
            n = strlen(v) + 1;
            memcpy(p, v, n);
            ((const char **)s->dims)[d] = p;
            p += n;
        }
        s->start = starts[i];
        s->length = lengths[i];
        s->offset = out_off;
        memcpy(ds->values + out_off, values + in_off, lengths[i] * sizeof *values);
        if (filled)
            memcpy(ds->filled + out_off, filled + in_off, lengths[i]);
        for (size_t j = 0; j < lengths[i]; j++)
            ds->nrows_read += ds->filled[out_off + j] == 0;
        int64_t last = s->start + (int64_t)s->length - 1;
        if (k == 0 || s->start < ds->first_step)
            ds->first_step = s->start;
        if (k == 0 || last > ds->end_step)
            ds->end_step = last;
        out_off += lengths[i];
    }
    *out = ds;
    ds = NULL;
    goto done;
nomem:
    rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory building a dataset");
done:
    free(order);
    free(in_offsets);
    free(pool);
    hc_dataset_free(ds);
    return rc;
}

int hc_dataset_keep_series(hc_dataset *ds, size_t first, size_t count,
                           hc_error *err)
{
    if (!ds || first > ds->nseries || count > ds->nseries - first)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "dataset keep: series [%zu, +%zu) outside the %zu series",
                            first, count, ds ? ds->nseries : 0);
    size_t nvalues = 0;
    for (size_t i = first; i < first + count; i++)
        nvalues += ds->series[i].length;
    double *values = NULL;
    uint8_t *filled = NULL;
    if (nvalues && (!(values = malloc(nvalues * sizeof *values)) ||
                    !(filled = malloc(nvalues)))) {
        free(values);
        return hc_error_set(err, HC_ERR_NOMEM,
                            "out of memory keeping %zu values of a dataset", nvalues);
    }
    /* Moved in key order whatever order the reader left them in. */
    size_t off = 0;
    for (size_t i = first; i < first + count; i++) {
        const hc_series *s = &ds->series[i];
        memcpy(values + off, ds->values + s->offset, s->length * sizeof *values);
        memcpy(filled + off, ds->filled + s->offset, s->length);
        off += s->length;
    }
    ds_internal *in = ds->internal;
    if (first > 0 && count > 0) {
        memmove(ds->series, ds->series + first, count * sizeof *ds->series);
        if (ds->ndims)
            memmove(in->dimptrs, in->dimptrs + first * ds->ndims,
                    count * ds->ndims * sizeof *in->dimptrs);
    }
    off = 0;
    for (size_t i = 0; i < count; i++) {
        hc_series *s = &ds->series[i];
        s->dims = ds->ndims ? in->dimptrs + i * ds->ndims : NULL;
        s->offset = off;
        off += s->length;
    }
    /* The string pool keeps the dropped keys: they are a small part of a
     * dataset, and every kept pointer into the pool stays valid. */
    free(ds->values);
    free(ds->filled);
    ds->values = values;
    ds->filled = filled;
    ds->nvalues = nvalues;
    ds->nseries = count;
    return 0;
}

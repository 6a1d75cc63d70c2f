/* Private to src/dataset: how an hc_dataset owns its memory. */
#ifndef HINDCAST_DATASET_INTERNAL_H
#define HINDCAST_DATASET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/dataset.h"

/* Everything an hc_dataset points into lives in four blocks: the public
 * arrays (series, values, filled), the dimension pointer table, the name
 * table, and one string pool of NUL-terminated strings (item ids, dimension
 * values, dimension names). */
typedef struct ds_encoded ds_encoded;

typedef struct ds_internal {
    char *pool;
    size_t pool_size;
    const char **dimptrs; /* nseries * ndims, pointers into pool */
    /* hc_dataset_open: the snapshot's mapping and where each series'
     * encoded values and flags are in it (values and filled are NULL). */
    const unsigned char *map;
    size_t map_len;
    ds_encoded *encoded; /* nseries entries */
} ds_internal;

/* Unmaps and frees what hc_dataset_open attached (snapshot.c). */
void ds_release_mapping(ds_internal *in);

/* Allocates a dataset with zeroed arrays of the given sizes and no pool
 * yet; series[i].dims already points at row i of the dimension table.
 * Returns 0 or HC_ERR_NOMEM (with err filled). */
int ds_create(hc_dataset **out, hc_freq freq, size_t ndims, size_t nseries,
              size_t nvalues, hc_error *err);

/* Gives the dataset its string pool (takes ownership). */
void ds_adopt_pool(hc_dataset *ds, char *pool, size_t pool_size);

/* Orders keys stored as "item\0dim1\0...dimk\0": bytewise over the whole
 * key equals item_id first, then each dimension, because NUL is the
 * smallest byte and ends every component. */
int ds_key_compare(const char *a, size_t alen, const char *b, size_t blen);

#endif

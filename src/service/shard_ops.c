/* Many machines: shards of a predictor (--shard I/N), their export
 * manifests, and MergeBacktestExports, which joins the shards' exports into
 * the folders one machine would have written, byte for byte.
 *
 * Why the merge is exact: a shard trains and exports a contiguous range of
 * the items in key order, with the whole dataset's first and end steps (so
 * the same windows and fills), and every row of both export folders belongs
 * to one item, in key order. Joining the shards' rows in shard order gives
 * the one-machine row sequence; the part writer's boundaries depend only on
 * that sequence, the header and the size limit, so streaming it through a
 * part writer with the job's own name gives the same parts. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "export/evaluate.h"
#include "hindcast/buf.h"
#include "hindcast/calendar.h"
#include "hindcast/validate.h"
#include "hindcast/writer.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "service/token.h"
#include "workspace/workspace.h"

#define MANIFEST_NAME "_HINDCAST_SHARD.json"
#define MANIFEST_VERSION 1
/* The largest N of --shard I/N (the CLI's limit too). */
#define HC_MAX_SHARDS 1000000
/* Bytes read from a source part at a time. */
#define COPY_CHUNK ((size_t)1 << 20)

static const uint8_t shard_key[16] = "hindcast-shard!";

static void hex64(uint64_t h, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* What identifies "the same predictor request": the operation and the
 * request with its members sorted, less Tags (not part of the predictor)
 * and TargetTimeSeries.Path (each machine may read its own copy of the
 * file; the data fingerprint below checks the content instead). */
static int request_hash(const json_t *req, const hc_predictor_def *def,
                        char out[17], hc_error *err)
{
    json_t *copy = json_deep_copy(req);
    if (!copy)
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    json_object_del(copy, "Tags");
    json_t *tts = json_object_get(copy, "TargetTimeSeries");
    if (json_is_object(tts))
        json_object_del(tts, "Path");
    char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    hc_buf b = HC_BUF_INIT;
    hc_buf_printf(&b, "%s\n%s", def->auto_predictor ? "CreateAutoPredictor"
                                                     : "CreatePredictor",
                  text ? text : "");
    free(text);
    if (!text || b.failed) {
        hc_buf_free(&b);
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    }
    hex64(hc_siphash24(shard_key, b.data, b.len), out);
    hc_buf_free(&b);
    return 0;
}

/* Fingerprint of the whole dataset as read: its grid, dimension names,
 * first and end steps, and every item's key, start, values (their bits)
 * and filled flags, in key order. Shards that read different files (or
 * the same file changed between two tasks) disagree here. */
static int data_hash(const hc_dataset *ds, char out[17], hc_error *err)
{
    hc_buf b = HC_BUF_INIT;
    hc_buf_printf(&b, "%d %zu %lld %lld %zu", (int)ds->freq, ds->ndims,
                  (long long)ds->first_step, (long long)ds->end_step, ds->nseries);
    for (size_t d = 0; d < ds->ndims; d++)
        hc_buf_append(&b, ds->dim_names[d], strlen(ds->dim_names[d]) + 1);
    hc_buf key = HC_BUF_INIT;
    for (size_t i = 0; i < ds->nseries && !b.failed; i++) {
        const hc_series *s = &ds->series[i];
        hc_buf_reset(&key);
        hc_buf_append(&key, s->item_id, strlen(s->item_id) + 1);
        for (size_t d = 0; d < ds->ndims; d++)
            hc_buf_append(&key, s->dims[d], strlen(s->dims[d]) + 1);
        uint64_t h[5] = {
            key.failed ? 0 : hc_siphash24(shard_key, key.data, key.len),
            (uint64_t)s->start, (uint64_t)s->length,
            hc_siphash24(shard_key, ds->values + s->offset,
                         s->length * sizeof *ds->values),
            hc_siphash24(shard_key, ds->filled + s->offset, s->length)};
        hc_buf_append(&b, (const char *)h, sizeof h);
    }
    int failed = b.failed || key.failed;
    if (!failed)
        hex64(hc_siphash24(shard_key, b.data, b.len), out);
    hc_buf_free(&key);
    hc_buf_free(&b);
    return failed ? hc_error_set(err, HC_ERR_NOMEM, "out of memory") : 0;
}

int hc_svc_shard_dataset(const hc_service *svc, const json_t *req,
                         const hc_predictor_def *def, hc_dataset *ds,
                         json_t **members, hc_error *err)
{
    *members = NULL;
    if (svc->shard_count <= 0)
        return 0;
    char rh[17], dh[17];
    int rc;
    if ((rc = request_hash(req, def, rh, err)) || (rc = data_hash(ds, dh, err)))
        return rc;
    /* floor(I*n/N) in 128-bit-free form: n and N are far below 2^32. */
    size_t n = ds->nseries, N = (size_t)svc->shard_count, I = (size_t)svc->shard_index;
    size_t first = (size_t)((unsigned long long)I * n / N);
    size_t end = (size_t)((unsigned long long)(I + 1) * n / N);
    if ((rc = hc_dataset_keep_series(ds, first, end - first, err)))
        return rc;
    *members = json_pack("{s:{s:i,s:i,s:I,s:I},s:{s:s,s:s,s:I}}",
                         "HindcastShard", "Index", svc->shard_index, "Count",
                         svc->shard_count, "ItemCount", (json_int_t)(end - first),
                         "TotalItemCount", (json_int_t)n,
                         "_HindcastShard", "RequestHash", rh, "DataHash", dh,
                         "FirstItemIndex", (json_int_t)first);
    return *members ? 0 : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
}

static json_t *item_key(const hc_dataset *ds, size_t i)
{
    if (i >= ds->nseries)
        return json_null();
    json_t *key = json_array();
    json_array_append_new(key, json_string(ds->series[i].item_id));
    for (size_t d = 0; d < ds->ndims; d++)
        json_array_append_new(key, json_string(ds->series[i].dims[d]));
    return key;
}

static json_t *part_names(const char *prefix, const char *ext, size_t n)
{
    json_t *names = json_array();
    for (size_t i = 0; i < n; i++) {
        hc_buf b = HC_BUF_INIT;
        hc_buf_printf(&b, "%s_part%zu%s", prefix, i, ext);
        json_array_append_new(names, json_string(b.data ? b.data : ""));
        hc_buf_free(&b);
    }
    return names;
}

/* The header without its final newline. */
static json_t *header_json(const hc_buf *h)
{
    return json_stringn(h->data ? h->data : "", h->len ? h->len - 1 : 0);
}

/* The byte sizes of the parts named in `names`, as committed under
 * dest/folder: a merge refuses a part whose size changed since (a copy cut
 * short at a row boundary would otherwise merge without a trace). NULL
 * when a part cannot be read. */
static json_t *part_sizes(const char *dest, const char *folder, const json_t *names)
{
    json_t *sizes = json_array();
    for (size_t i = 0; sizes && i < json_array_size(names); i++) {
        char *path = hc_path3(dest, folder, json_string_value(json_array_get(names, i)));
        struct stat st;
        int ok = path && stat(path, &st) == 0;
        free(path);
        if (!ok) {
            json_decref(sizes);
            return NULL;
        }
        json_array_append_new(sizes, json_integer((json_int_t)st.st_size));
    }
    return sizes;
}

static json_t *folder_json(const char *dest, const char *folder, const hc_buf *header,
                           const char *prefix, const char *ext, size_t nparts)
{
    json_t *names = part_names(prefix, ext, nparts);
    json_t *sizes = part_sizes(dest, folder, names);
    if (!sizes) {
        json_decref(names);
        return NULL;
    }
    return json_pack("{s:o,s:o,s:o}", "Header", header_json(header), "Parts", names,
                     "PartBytes", sizes);
}

int hc_svc_write_shard_manifest(const hc_service *svc, const json_t *pdoc,
                                const hc_predictor_def *def,
                                const hc_dataset *ds, const char *dest,
                                const char *prefix, size_t forecast_parts,
                                size_t accuracy_parts, hc_error *err)
{
    json_t *shard = json_object_get(pdoc, "HindcastShard");
    json_t *prints = json_object_get(pdoc, "_HindcastShard");
    if (!shard)
        return 0;
    if (!json_is_object(shard) || !json_is_object(prints))
        return hc_error_set(err, HC_ERR_INTERNAL,
                            "predictor %s: its shard record is damaged; "
                            "re-create the predictor", def->name);
    const char *ext = svc->compression == HC_COMPRESSION_GZIP ? ".csv.gz" : ".csv";
    hc_buf fh = HC_BUF_INIT, ah = HC_BUF_INIT, text = HC_BUF_INIT;
    hc_forecast_header(def, &fh);
    hc_accuracy_header(def, &ah);
    json_t *m = json_object();
    json_object_set_new(m, "HindcastShardManifest", json_integer(MANIFEST_VERSION));
    json_object_set(m, "ShardIndex", json_object_get(shard, "Index"));
    json_object_set(m, "ShardCount", json_object_get(shard, "Count"));
    json_object_set_new(m, "PredictorName", json_string(def->name));
    json_object_set(m, "PredictorArn", json_object_get(pdoc, "PredictorArn"));
    json_object_set(m, "RequestHash", json_object_get(prints, "RequestHash"));
    json_object_set(m, "DataHash", json_object_get(prints, "DataHash"));
    json_object_set(m, "FirstItemIndex", json_object_get(prints, "FirstItemIndex"));
    json_object_set(m, "ItemCount", json_object_get(shard, "ItemCount"));
    json_object_set(m, "TotalItemCount", json_object_get(shard, "TotalItemCount"));
    json_object_set_new(m, "FirstItem", item_key(ds, 0));
    json_object_set_new(m, "LastItem", ds->nseries ? item_key(ds, ds->nseries - 1)
                                                   : json_null());
    json_object_set_new(m, "Format", json_string("CSV"));
    json_object_set_new(m, "Compression",
                        json_string(svc->compression == HC_COMPRESSION_GZIP ? "gzip"
                                                                            : "none"));
    json_t *ff = folder_json(dest, "forecasted-values", &fh, prefix, ext, forecast_parts);
    json_t *af = folder_json(dest, "accuracy-metrics-values", &ah, prefix, ext,
                             accuracy_parts);
    int readable = ff && af;
    json_object_set_new(m, "ForecastedValues", ff ? ff : json_null());
    json_object_set_new(m, "AccuracyMetricsValues", af ? af : json_null());
    int rc = !readable
                 ? hc_error_set(err, HC_ERR_IO, "cannot read back the parts under %s "
                                "to record their sizes", dest)
             : ju_dump_cli(m, &text) != 0 || fh.failed || ah.failed
                 ? hc_error_set(err, HC_ERR_NOMEM, "out of memory")
                 : hc_write_file_atomic(dest, MANIFEST_NAME, text.data, text.len, err);
    json_decref(m);
    hc_buf_free(&fh);
    hc_buf_free(&ah);
    hc_buf_free(&text);
    return rc;
}

/* ---- MergeBacktestExports ------------------------------------------------ */

/* One source export as its manifest describes it. */
typedef struct source {
    const char *given; /* as in the request, for messages */
    char *dir;
    json_t *manifest;
    long long index, count, items, total, first_index;
    const char *request_hash, *data_hash, *compression, *format;
    const char *fheader, *aheader;
    json_t *fparts, *aparts;
    json_t *fbytes, *abytes; /* each part's size when it was written */
} source;

static int bad_source(hc_error *err, const source *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad_source(hc_error *err, const source *s, const char *fmt, ...)
{
    char why[HC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return hc_error_set(err, HC_ERR_INVALID_INPUT, "Source '%s': %s", s->given, why);
}

/* s3://..., file:///... (as an export's destination) or a plain path. */
static int resolve_source(const hc_service *svc, const char *given, char **dir,
                          hc_error *err)
{
    if (strncmp(given, "s3://", 5) == 0 || strncmp(given, "file://", 7) == 0)
        return hc_resolve_destination(given, svc->s3_root, dir, err);
    if (!given[0])
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "Sources: an empty path is not a source");
    *dir = strdup(given);
    return *dir ? 0 : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
}

static int file_exists(const char *dir, const char *name)
{
    char *path = hc_path2(dir, name);
    struct stat st;
    int ok = path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return ok;
}

/* A part name from a manifest must be a plain file name of this folder. */
static int plain_name(const char *name)
{
    return name && name[0] && name[0] != '.' && !strchr(name, '/');
}

static int get_int(const json_t *m, const char *key, long long *out)
{
    json_t *v = json_object_get(m, key);
    if (!json_is_integer(v))
        return -1;
    *out = (long long)json_integer_value(v);
    return 0;
}

static int read_folder(const json_t *m, const char *key, const char **header,
                       json_t **parts, json_t **sizes)
{
    json_t *f = json_object_get(m, key);
    *header = json_string_value(json_object_get(f, "Header"));
    *parts = json_object_get(f, "Parts");
    *sizes = json_object_get(f, "PartBytes");
    if (!*header || !json_is_array(*parts) || json_array_size(*parts) == 0 ||
        !json_is_array(*sizes) || json_array_size(*sizes) != json_array_size(*parts))
        return -1;
    for (size_t i = 0; i < json_array_size(*parts); i++)
        if (!plain_name(json_string_value(json_array_get(*parts, i))) ||
            !json_is_integer(json_array_get(*sizes, i)))
            return -1;
    return 0;
}

/* Every part the manifest names is there, with the size it was written
 * with. */
static int check_part_sizes(const source *s, const char *folder, const json_t *parts,
                            const json_t *sizes, hc_error *err)
{
    for (size_t i = 0; i < json_array_size(parts); i++) {
        const char *name = json_string_value(json_array_get(parts, i));
        long long want = (long long)json_integer_value(json_array_get(sizes, i));
        char *path = hc_path3(s->dir, folder, name);
        if (!path)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        struct stat st;
        int found = stat(path, &st) == 0;
        free(path);
        if (!found)
            return bad_source(err, s, "%s/%s, named in its %s, is missing", folder, name,
                              MANIFEST_NAME);
        if ((long long)st.st_size != want)
            return bad_source(err, s, "%s/%s is %lld bytes, its %s says %lld: the part "
                              "was cut short or changed after the export", folder, name,
                              (long long)st.st_size, MANIFEST_NAME, want);
    }
    return 0;
}

static int load_source(const hc_service *svc, source *s, hc_error *err)
{
    int rc = resolve_source(svc, s->given, &s->dir, err);
    if (rc)
        return rc;
    struct stat st;
    if (stat(s->dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bad_source(err, s, "%s is not a directory", s->dir);
    if (!file_exists(s->dir, "_CHECK"))
        return bad_source(err, s, "no _CHECK in %s: its export did not finish, "
                          "or this is not an export destination", s->dir);
    if (!file_exists(s->dir, MANIFEST_NAME))
        return bad_source(err, s, "no %s in %s: only exports of predictors "
                          "created with --shard can be merged", MANIFEST_NAME,
                          s->dir);
    char *path = hc_path2(s->dir, MANIFEST_NAME);
    hc_error inner;
    hc_error_clear(&inner);
    rc = path ? hc_ws_read_json(path, &s->manifest, &inner)
              : hc_error_set(&inner, HC_ERR_NOMEM, "out of memory");
    free(path);
    if (rc)
        return bad_source(err, s, "cannot read %s: %s", MANIFEST_NAME, inner.message);
    const json_t *m = s->manifest;
    long long version = 0;
    s->request_hash = json_string_value(json_object_get(m, "RequestHash"));
    s->data_hash = json_string_value(json_object_get(m, "DataHash"));
    s->compression = json_string_value(json_object_get(m, "Compression"));
    s->format = json_string_value(json_object_get(m, "Format"));
    if (!json_is_object(m) || get_int(m, "HindcastShardManifest", &version) ||
        version != MANIFEST_VERSION || get_int(m, "ShardIndex", &s->index) ||
        get_int(m, "ShardCount", &s->count) || get_int(m, "ItemCount", &s->items) ||
        get_int(m, "TotalItemCount", &s->total) ||
        get_int(m, "FirstItemIndex", &s->first_index) || !s->request_hash ||
        !s->data_hash || !s->compression || !s->format ||
        read_folder(m, "ForecastedValues", &s->fheader, &s->fparts, &s->fbytes) ||
        read_folder(m, "AccuracyMetricsValues", &s->aheader, &s->aparts, &s->abytes))
        return bad_source(err, s, "%s is not a shard manifest of this version "
                          "of hindcast (format %d)", MANIFEST_NAME, MANIFEST_VERSION);
    /* The shard's items as --shard I/N assigns them; the products cannot
     * overflow once the counts are in range. */
    int in_range = s->count >= 1 && s->count <= HC_MAX_SHARDS && s->index >= 0 &&
                   s->index < s->count && s->total >= 0 &&
                   s->total <= LLONG_MAX / HC_MAX_SHARDS;
    long long lo = in_range ? s->index * s->total / s->count : 0;
    long long hi = in_range ? (s->index + 1) * s->total / s->count : 0;
    if (!in_range || s->first_index != lo || s->items != hi - lo)
        return bad_source(err, s, "%s: shard %lld of %lld with items [%lld, +%lld) "
                          "of %lld is not a shard that --shard makes", MANIFEST_NAME,
                          s->index, s->count, s->first_index, s->items, s->total);
    if ((rc = check_part_sizes(s, "forecasted-values", s->fparts, s->fbytes, err)))
        return rc;
    return check_part_sizes(s, "accuracy-metrics-values", s->aparts, s->abytes, err);
}

/* Every source against the first: the same predictor request, data, split,
 * output format and headers. */
static int check_agree(const source *a, const source *b, hc_error *err)
{
    const char *what = NULL;
    if (strcmp(a->request_hash, b->request_hash) != 0)
        what = "are exports of different predictor requests (RequestHash "
               "differs): every shard must be created from the same request";
    else if (strcmp(a->data_hash, b->data_hash) != 0)
        what = "read different data (DataHash differs): every shard must read "
               "the same file";
    else if (a->count != b->count || a->total != b->total)
        what = "were split into different shard counts";
    else if (strcmp(a->format, b->format) != 0 ||
             strcmp(a->compression, b->compression) != 0)
        what = "differ in format or compression";
    else if (strcmp(a->fheader, b->fheader) != 0 || strcmp(a->aheader, b->aheader) != 0)
        what = "have different headers";
    if (!what)
        return 0;
    return hc_error_set(err, HC_ERR_INVALID_INPUT, "Sources '%s' (shard %lld of "
                        "%lld) and '%s' (shard %lld of %lld) %s", a->given,
                        a->index, a->count, b->given, b->index, b->count, what);
}

/* Refuses a destination whose folders hold any file already: the merge
 * never mixes its parts with others (and never replaces a file). */
static int check_empty(const char *dest, const char *given, hc_error *err)
{
    static const char *const folders[] = {"forecasted-values",
                                          "accuracy-metrics-values"};
    for (int f = 0; f < 2; f++) {
        char *dir = hc_path2(dest, folders[f]);
        DIR *d = dir ? opendir(dir) : NULL;
        free(dir);
        if (!d)
            continue;
        struct dirent *e;
        char found[300] = "";
        while ((e = readdir(d)) != NULL && !found[0])
            if (e->d_name[0] != '.')
                snprintf(found, sizeof found, "%s/%s", folders[f], e->d_name);
        closedir(d);
        if (found[0])
            return hc_error_set(err, HC_ERR_ALREADY_EXISTS,
                                "The destination %s already holds export parts "
                                "(%s); merge into a destination without parts",
                                given, found);
    }
    return 0;
}

/* Appends one source part's rows (its header checked and skipped) to w. */
static int copy_part(hc_part_writer *w, const char *path, const char *header,
                     hc_error *err)
{
    int rc = 0, header_done = 0;
    size_t cap = COPY_CHUNK, have = 0, hlen = strlen(header);
    char *buf = malloc(cap);
    gzFile gz = NULL;
    if (!buf) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* gzread reads plain files unchanged and .csv.gz parts decompressed. */
    if (!(gz = gzopen(path, "rb"))) {
        rc = errno == ENOENT
                 ? hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 0, 0,
                                   "a part its manifest names does not exist")
                 : hc_error_set_at(err, HC_ERR_IO, path, 0, 0, "cannot open: %s",
                                   strerror(errno));
        goto done;
    }
    gzbuffer(gz, 1u << 17);
    for (;;) {
        if (have == cap) {
            /* A line longer than the buffer: grow it. */
            char *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!bigger) {
                rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
                goto done;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t want = cap - have > INT_MAX ? INT_MAX : cap - have;
        int n = gzread(gz, buf + have, (unsigned)want);
        if (n < 0) {
            int zerr;
            const char *msg = gzerror(gz, &zerr);
            rc = hc_error_set_at(err, zerr == Z_ERRNO ? HC_ERR_IO : HC_ERR_INVALID_INPUT,
                                 path, 0, 0, "cannot read: %s",
                                 zerr == Z_ERRNO ? strerror(errno) : msg);
            goto done;
        }
        if (n == 0) {
            /* gzread ends a gzip stream that stops before its trailer as
             * if it were whole; only gzerror tells. */
            int zerr;
            gzerror(gz, &zerr);
            if (zerr == Z_BUF_ERROR) {
                rc = hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 0, 0,
                                     "cannot read: the compressed stream is cut short");
                goto done;
            }
            break;
        }
        have += (size_t)n;
        size_t start = 0;
        if (!header_done) {
            char *nl = memchr(buf, '\n', have);
            if (!nl)
                continue;
            /* header ends with its newline */
            if ((size_t)(nl - buf) + 1 != hlen || memcmp(buf, header, hlen) != 0) {
                rc = hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 1, 0,
                                     "does not start with the header its "
                                     "manifest names");
                goto done;
            }
            start = hlen;
            header_done = 1;
        }
        /* Whole rows only: a quoted key may hold a line break. */
        size_t end = start + hc_csv_whole_rows(buf + start, have - start);
        if (end > start && (rc = hc_part_writer_write(w, buf + start, end - start, err)))
            goto done;
        memmove(buf, buf + end, have - end);
        have -= end;
    }
    if (!header_done || have > 0)
        rc = hc_error_set_at(err, HC_ERR_INVALID_INPUT, path, 0, 0,
                             !header_done ? "has no header line"
                                          : "does not end with a newline");
done:
    if (gz)
        gzclose(gz);
    free(buf);
    return rc;
}

static int merge_folder(const hc_service *svc, source *const *order, size_t n,
                        const char *dest, const char *folder, const char *prefix,
                        hc_part_writer **out, hc_error *err)
{
    char *dir = hc_path2(dest, folder);
    hc_buf header = HC_BUF_INIT;
    int forecasts = strcmp(folder, "forecasted-values") == 0;
    hc_buf_printf(&header, "%s\n", forecasts ? order[0]->fheader : order[0]->aheader);
    int rc = 0;
    if (!dir || header.failed) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = hc_ws_mkdirs(dir, err)))
        goto done;
    hc_part_writer_options wo = {0};
    wo.dir = dir;
    wo.prefix = prefix;
    wo.extension = svc->compression == HC_COMPRESSION_GZIP ? ".csv.gz" : ".csv";
    wo.header = header.data;
    wo.part_size_limit = svc->part_size_limit;
    wo.compression = svc->compression;
    wo.compression_level = svc->compression_level;
    if ((rc = hc_part_writer_open(out, &wo, err)))
        goto done;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const source *s = order[i];
        json_t *parts = forecasts ? s->fparts : s->aparts;
        for (size_t p = 0; p < json_array_size(parts) && rc == 0; p++) {
            char *path = hc_path3(s->dir, folder, json_string_value(json_array_get(parts, p)));
            rc = path ? copy_part(*out, path, header.data, err)
                      : hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            free(path);
        }
    }
    if (rc == 0)
        rc = hc_part_writer_finish(*out, err);
done:
    free(dir);
    hc_buf_free(&header);
    return rc;
}

int hc_op_merge_backtest_exports(hc_service *svc, const json_t *req, json_t **resp,
                                 hc_error *err)
{
    static const char *const members[] = {"Sources", "PredictorBacktestExportJobName",
                                          "Destination", NULL};
    static const char *const dest_members[] = {"S3Config", NULL};
    static const char *const s3_members[] = {"Path", "RoleArn", "KMSKeyArn", NULL};
    const char *name = NULL, *s3path = NULL, *role = NULL, *kms = NULL;
    json_t *sources_arr = NULL, *dest_obj = NULL, *s3 = NULL;
    source *src = NULL;
    source **order = NULL;
    char *dest = NULL;
    hc_part_writer *fw = NULL, *aw = NULL;
    hc_buf prefix = HC_BUF_INIT, missing = HC_BUF_INIT;
    size_t n = 0;
    int rc;
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_array(req, "Sources", "Sources", 1, &sources_arr, err)) ||
        (rc = ju_get_string(req, "PredictorBacktestExportJobName",
                            "PredictorBacktestExportJobName", 1, &name, err)) ||
        (rc = ju_get_object(req, "Destination", "Destination", 1, &dest_obj, err)) ||
        (rc = ju_check_members(dest_obj, "input.Destination", dest_members, err)) ||
        (rc = ju_get_object(dest_obj, "S3Config", "Destination.S3Config", 1, &s3, err)) ||
        (rc = ju_check_members(s3, "input.Destination.S3Config", s3_members, err)) ||
        (rc = ju_get_string(s3, "Path", "Destination.S3Config.Path", 1, &s3path, err)) ||
        (rc = ju_get_string(s3, "RoleArn", "Destination.S3Config.RoleArn", 1, &role,
                            err)) ||
        (rc = ju_get_string(s3, "KMSKeyArn", "Destination.S3Config.KMSKeyArn", 0, &kms,
                            err)))
        goto done;
    n = json_array_size(sources_arr);
    if (n == 0) {
        rc = hc_error_set(err, HC_ERR_USAGE, "Parameter validation failed:\nInvalid "
                          "length for parameter Sources, value: 0, valid min length: 1");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (!json_is_string(json_array_get(sources_arr, i))) {
            rc = hc_error_set(err, HC_ERR_USAGE, "Parameter validation failed:\n"
                              "Invalid type for parameter Sources[%zu], valid "
                              "types: <class 'str'>", i);
            goto done;
        }
    if ((rc = hc_validate_name(name, "predictorBacktestExportJobName", err)) ||
        (rc = hc_validate_s3_path(s3path, err)) ||
        (rc = hc_validate_role_arn(role, svc->account, err)) ||
        (kms && (rc = hc_validate_kms_arn(kms, err))))
        goto done;
    if (!(src = calloc(n, sizeof *src))) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        src[i].given = json_string_value(json_array_get(sources_arr, i));
        if ((rc = load_source(svc, &src[i], err)))
            goto done;
    }
    for (size_t i = 1; i < n; i++)
        if ((rc = check_agree(&src[0], &src[i], err)))
            goto done;
    size_t count = (size_t)src[0].count;
    if (!(order = calloc(count, sizeof *order))) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        source **slot = &order[src[i].index];
        if (*slot) {
            rc = hc_error_set(err, HC_ERR_INVALID_INPUT, "Sources '%s' and '%s' are "
                              "both shard %lld of %lld", (*slot)->given, src[i].given,
                              src[i].index, src[i].count);
            goto done;
        }
        *slot = &src[i];
    }
    size_t nmissing = 0;
    for (size_t i = 0; i < count; i++)
        if (!order[i])
            hc_buf_printf(&missing, "%s%zu", nmissing++ ? ", " : "", i);
    if (nmissing) {
        rc = hc_error_set(err, HC_ERR_INVALID_INPUT, "%s %s of %zu %s missing: "
                          "give the export of every shard 0 to %zu",
                          nmissing > 1 ? "Shards" : "Shard", missing.data, count,
                          nmissing > 1 ? "are" : "is", count - 1);
        goto done;
    }
    if ((rc = hc_resolve_destination(s3path, svc->s3_root, &dest, err)) ||
        (rc = check_empty(dest, s3path, err)))
        goto done;
    char stamp[40];
    hc_format_ts_export(stamp, hc_svc_now(svc));
    hc_buf_printf(&prefix, "%s_%s", name, stamp);
    if (prefix.failed) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = merge_folder(svc, order, count, dest, "forecasted-values", prefix.data,
                           &fw, err)) ||
        (rc = merge_folder(svc, order, count, dest, "accuracy-metrics-values",
                           prefix.data, &aw, err)) ||
        (rc = hc_part_writer_commit(fw, err)) || (rc = hc_part_writer_commit(aw, err)))
        goto done;
    /* _CHECK last, as an export: its presence means the folders are whole. */
    if ((rc = hc_write_file_atomic(dest, "_CHECK", "", 0, err)))
        goto done;
    long long items = 0;
    for (size_t i = 0; i < count; i++)
        items += order[i]->items;
    *resp = json_pack("{s:s,s:I,s:I,s:I,s:I}", "DestinationPath", s3path,
                      "ShardCount", (json_int_t)count, "ItemCount", (json_int_t)items,
                      "ForecastedValuesPartCount",
                      (json_int_t)hc_part_writer_part_count(fw),
                      "AccuracyMetricsValuesPartCount",
                      (json_int_t)hc_part_writer_part_count(aw));
    if (!*resp)
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
done:
    hc_part_writer_free(fw);
    hc_part_writer_free(aw);
    for (size_t i = 0; src && i < n; i++) {
        free(src[i].dir);
        json_decref(src[i].manifest);
    }
    free(src);
    free(order);
    free(dest);
    hc_buf_free(&prefix);
    hc_buf_free(&missing);
    return rc;
}

/* Evaluate (hindcast extension): accuracy-metrics-values parts and the
 * GetAccuracyMetrics response from forecasted-values files.
 *
 * The metrics, the accuracy rows and the response are made by the same
 * functions as an export's (src/metrics, src/export/evaluate.c), and items,
 * windows and points are visited in the export's order, so evaluating an
 * export's own forecasted-values with its predictor gives the export's
 * accuracy files byte for byte. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evalfiles/evalfiles.h"
#include "export/evaluate.h"
#include "hindcast/buf.h"
#include "hindcast/calendar.h"
#include "hindcast/validate.h"
#include "hindcast/writer.h"
#include "service/json_util.h"
#include "service/service_internal.h"
#include "workspace/workspace.h"

/* Rows are handed to the part writer in blocks of about this size. */
#define FLUSH_BYTES (1u << 20)

typedef struct predictor_data {
    char name[HC_RESOURCE_NAME_MAX];
    char *arn;
    json_t *doc;
    hc_predictor_def def;
    int def_ready;
    hc_dataset *ds;
    size_t nwindows;                 /* oldest first below */
    int64_t start[HC_MAX_WINDOWS];   /* seconds */
    int64_t end[HC_MAX_WINDOWS];
    int64_t step[HC_MAX_WINDOWS];    /* first step of the window */
} predictor_data;

static void predictor_data_free(predictor_data *p)
{
    free(p->arn);
    json_decref(p->doc);
    if (p->def_ready)
        hc_predictor_def_free(&p->def);
    hc_dataset_free(p->ds);
}

static int load_predictor(hc_service *svc, const char *arn, predictor_data *p,
                          hc_error *err)
{
    int rc;
    char *dir = NULL, *path = NULL;
    if ((rc = hc_svc_open_predictor(svc, arn, "predictorArn", p->name,
                                    sizeof p->name, &p->doc, err)))
        return rc;
    const char *status = json_string_value(json_object_get(p->doc, "Status"));
    if (!status || strcmp(status, "ACTIVE") != 0)
        return hc_error_set(err, HC_ERR_IN_USE,
                            "The predictor %s is in status %s; it must be ACTIVE",
                            arn, status ? status : "unknown");
    if ((rc = hc_predictor_def_from_stored(&p->def, p->doc,
                                     err)))
        return rc;
    p->def_ready = 1;
    dir = hc_svc_predictor_dir(svc, p->name);
    path = dir ? hc_path2(dir, "dataset.bin") : NULL;
    p->arn = hc_svc_predictor_arn(svc, p->name);
    if (!path || !p->arn) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* Mapped: only each item's training values are decoded, when its
     * MASE scale is needed. */
    if ((rc = hc_dataset_open(&p->ds, path, svc->threads, err)))
        goto done;
    /* The predictor's backtest windows, oldest first, as its export lists
     * them. */
    p->nwindows = (size_t)p->def.nwindows;
    for (size_t w = 0; w < p->nwindows; w++) {
        int k = p->def.nwindows - 1 - (int)w;
        int64_t ws = hc_window_start(&p->def, p->ds, k);
        p->step[w] = ws;
        p->start[w] = hc_step_start(p->def.freq, ws);
        p->end[w] = hc_step_start(p->def.freq, ws + (int64_t)p->def.horizon - 1);
    }
done:
    free(dir);
    free(path);
    return rc;
}

/* Scratch for one item-window's points. */
typedef struct group_scratch {
    size_t cap;
    double *y;
    double *f;
    double *q; /* nq blocks of cap */
} group_scratch;

static int scratch_reserve(group_scratch *g, size_t n, size_t nq)
{
    if (n <= g->cap)
        return 0;
    size_t cap = g->cap ? g->cap : 64;
    while (cap < n)
        cap *= 2;
    double *y = realloc(g->y, cap * sizeof *y);
    if (y)
        g->y = y;
    double *f = realloc(g->f, cap * sizeof *f);
    if (f)
        g->f = f;
    double *q = realloc(g->q, cap * (nq ? nq : 1) * sizeof *q);
    if (q)
        g->q = q;
    if (!y || !f || !q)
        return -1;
    g->cap = cap;
    return 0;
}

typedef struct eval_run {
    hc_service *svc;
    const hc_fv_table *t;
    const predictor_data *p;   /* NULL without a predictor */
    int point_type;            /* type index of f, -1: none */
    int season;
    hc_pooled_metrics *pooled; /* per window rank */
    hc_window_metrics *win;    /* per window rank, the current item */
    const char **first;
    const char **last;
    char (*bounds)[2][32];
    const char **dims;
    group_scratch g;
    hc_part_writer *writer;
    hc_buf rows;
    double *series;            /* scratch for an item's decoded values */
    const double *series_vals; /* the predictor's values of item series_key */
    size_t series_key;         /* SIZE_MAX: none decoded yet */
} eval_run;

/* Metrics of the points sorted[a..b) (one item-window). */
static void evaluate_group(eval_run *r, size_t a, size_t b, uint32_t key,
                           uint32_t rank, hc_window_metrics *out)
{
    const hc_fv_table *t = r->t;
    size_t n = b - a, nq = t->nq;
    int missing = 0;
    for (size_t i = 0; i < n; i++) {
        size_t row = t->sorted[a + i].row;
        r->g.y[i] = t->target[row];
        missing |= isnan(r->g.y[i]);
        r->g.f[i] = r->point_type >= 0 ? t->values[r->point_type][row] : (double)NAN;
        for (size_t q = 0; q < nq; q++)
            r->g.q[q * n + i] = t->values[t->quant_type[q]][row];
    }
    /* A missing actual excludes the item-window, as a filled value
     * excludes it from an export. */
    if (missing) {
        hc_window_metrics_undefined(out);
        return;
    }
    double scale = (double)NAN;
    if (r->p) {
        /* The training part as the item's model saw it: from the item's
         * first observation up to the window's start. */
        const hc_series *s = &r->p->ds->series[key];
        int64_t ws = r->p->step[t->window_order[rank]];
        size_t train = 0;
        if (ws > s->start)
            train = (size_t)(ws - s->start) < s->length ? (size_t)(ws - s->start)
                                                         : s->length;
        if (r->series_key != key) {
            r->series_vals = hc_dataset_series_values(r->p->ds, key, r->series);
            r->series_key = key;
        }
        scale = hc_mase_scale(r->series_vals, train, r->season);
    }
    hc_metrics_window_pooled(&r->pooled[rank], r->g.y, r->g.f, r->g.q, n, scale,
                             out);
}

static int evaluate_all(eval_run *r, hc_error *err)
{
    const hc_fv_table *t = r->t;
    size_t nw = t->nwindows, pos = 0;
    for (size_t w = 0; w < nw; w++) {
        hc_pooled_init(&r->pooled[w], t->taus, t->nq);
        const hc_fv_window *win = &t->windows[t->window_order[w]];
        hc_format_ts_plain(r->bounds[w][0], win->start);
        hc_format_ts_plain(r->bounds[w][1], win->end);
        r->first[w] = r->bounds[w][0];
        r->last[w] = r->bounds[w][1];
    }
    for (uint32_t rank = 0; rank < t->nkeys; rank++) {
        uint32_t key = t->item_order[rank];
        for (uint32_t w = 0; w < nw; w++) {
            size_t a = pos;
            while (pos < t->nrows && t->sorted[pos].item == rank &&
                   t->sorted[pos].window == w)
                pos++;
            if (pos == a) {
                hc_window_metrics_undefined(&r->win[w]);
                continue;
            }
            if (scratch_reserve(&r->g, pos - a, t->nq))
                return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            evaluate_group(r, a, pos, key, w, &r->win[w]);
        }
        const char *item_id;
        hc_fv_key_fields(t, key, &item_id, r->dims);
        hc_format_item_accuracy(&r->rows, item_id, r->dims, t->ndims, r->win,
                                r->first, r->last, nw, t->nq);
        if (r->rows.failed)
            return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        if (r->rows.len >= FLUSH_BYTES || rank + 1 == t->nkeys) {
            int rc = hc_part_writer_write(r->writer, r->rows.data, r->rows.len, err);
            if (rc)
                return rc;
            hc_buf_reset(&r->rows);
        }
        if (r->svc->progress && ((rank + 1) % 4096 == 0 || rank + 1 == t->nkeys))
            r->svc->progress(r->svc->progress_ctx, "evaluate", rank + 1, t->nkeys);
    }
    return 0;
}

/* Destination: a directory; s3:// and file:// paths as an export takes
 * them. */
static int resolve_dest(const hc_service *svc, const char *dest, char **out,
                        hc_error *err)
{
    if (!dest[0])
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "Destination must name a directory");
    if (strncmp(dest, "s3://", 5) == 0 || strncmp(dest, "file://", 7) == 0)
        return hc_resolve_destination(dest, svc->s3_root, out, err);
    size_t n = strlen(dest) + 1;
    if (!(*out = malloc(n)))
        return hc_error_set(err, HC_ERR_NOMEM, "out of memory");
    memcpy(*out, dest, n);
    return 0;
}

int hc_op_evaluate(hc_service *svc, const json_t *req, json_t **resp,
                   hc_error *err)
{
    static const char *const members[] = {"ForecastedValues", "Destination", "Name",
                                          "PredictorArn", NULL};
    json_t *list = NULL;
    const char *dest = NULL, *name = NULL, *arn = NULL;
    const char **paths = NULL;
    char *dest_dir = NULL, *adir = NULL;
    predictor_data pd;
    hc_fv_table *t = NULL;
    eval_run run;
    hc_buf header = HC_BUF_INIT, prefix = HC_BUF_INIT, owner = HC_BUF_INIT;
    int rc;
    memset(&pd, 0, sizeof pd);
    memset(&run, 0, sizeof run);
    if ((rc = ju_check_members(req, "input", members, err)) ||
        (rc = ju_get_array(req, "ForecastedValues", "ForecastedValues", 1, &list,
                           err)) ||
        (rc = ju_get_string(req, "Destination", "Destination", 1, &dest, err)) ||
        (rc = ju_get_string(req, "Name", "Name", 1, &name, err)) ||
        (rc = ju_get_string(req, "PredictorArn", "PredictorArn", 0, &arn, err)))
        goto done;
    size_t npaths = json_array_size(list);
    paths = calloc(npaths ? npaths : 1, sizeof *paths);
    if (!paths) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < npaths; i++) {
        json_t *v = json_array_get(list, i);
        if (!json_is_string(v)) {
            rc = hc_error_set(err, HC_ERR_USAGE,
                              "Parameter validation failed:\nInvalid type for "
                              "parameter ForecastedValues[%zu], valid types: "
                              "<class 'str'>", i);
            goto done;
        }
        paths[i] = json_string_value(v);
    }
    if ((rc = hc_validate_name(name, "name", err)))
        goto done;
    hc_fv_options opts;
    memset(&opts, 0, sizeof opts);
    if (arn) {
        if ((rc = load_predictor(svc, arn, &pd, err)))
            goto done;
        hc_buf_printf(&owner, "predictor %s", pd.arn);
        opts.ds = pd.ds;
        opts.nwindows = pd.nwindows;
        opts.window_start = pd.start;
        opts.window_end = pd.end;
        opts.owner = owner.data;
        run.p = &pd;
        run.season = hc_freq_season_length(pd.def.freq);
        run.series_key = SIZE_MAX;
        size_t longest = hc_dataset_longest_series(pd.ds);
        if (!(run.series = malloc((longest ? longest : 1) * sizeof *run.series))) {
            rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    if ((rc = resolve_dest(svc, dest, &dest_dir, err)))
        goto done;
    if ((rc = hc_fv_read(&t, paths, npaths, &opts, err)) || (rc = hc_fv_sort(t, err)))
        goto done;

    adir = hc_path2(dest_dir, "accuracy-metrics-values");
    size_t nw = t->nwindows ? t->nwindows : 1;
    run.svc = svc;
    run.t = t;
    run.point_type = t->mean_type >= 0 ? t->mean_type : t->p50_type;
    run.pooled = calloc(nw, sizeof *run.pooled);
    run.win = calloc(nw, sizeof *run.win);
    run.first = calloc(nw, sizeof *run.first);
    run.last = calloc(nw, sizeof *run.last);
    run.bounds = calloc(nw, sizeof *run.bounds);
    run.dims = calloc(t->ndims ? t->ndims : 1, sizeof *run.dims);
    if (!adir || !run.pooled || !run.win || !run.first || !run.last || !run.bounds ||
        !run.dims) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = hc_ws_mkdirs(adir, err)))
        goto done;
    char stamp[40];
    hc_format_ts_export(stamp, hc_svc_now(svc));
    hc_buf_printf(&prefix, "%s_%s", name, stamp);
    hc_accuracy_header_columns(&header, (const char *const *)t->dim_names, t->ndims,
                               t->taus, t->nq);
    if (prefix.failed || header.failed) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    hc_part_writer_options wo = {0};
    wo.dir = adir;
    wo.prefix = prefix.data;
    wo.extension = ".csv";
    wo.header = header.data;
    wo.part_size_limit = svc->part_size_limit;
    if ((rc = hc_part_writer_open(&run.writer, &wo, err)) ||
        (rc = evaluate_all(&run, err)) ||
        (rc = hc_part_writer_finish(run.writer, err)) ||
        (rc = hc_part_writer_commit(run.writer, err)))
        goto done;

    int64_t *start = calloc(nw, sizeof *start), *end = calloc(nw, sizeof *end);
    if (start && end) {
        for (size_t w = 0; w < t->nwindows; w++) {
            start[w] = t->windows[t->window_order[w]].start;
            end[w] = t->windows[t->window_order[w]].end;
        }
        const char *algorithm = pd.def_ready && pd.def.algorithm_arn[0]
                                    ? pd.def.algorithm_arn : NULL;
        static const char *const point_names[] = {"mean", "0.5"};
        hc_accuracy_json_args a = {algorithm,
                                   t->mean_type >= 0   ? point_names[0]
                                   : t->p50_type >= 0 ? point_names[1]
                                                      : NULL,
                                   t->taus, t->nq, run.pooled, start, end,
                                   t->nwindows};
        *resp = hc_accuracy_metrics_json_windows(&a);
    }
    free(start);
    free(end);
    if (!*resp)
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
done:
    hc_part_writer_free(run.writer);
    free(run.g.y);
    free(run.g.f);
    free(run.g.q);
    free(run.pooled);
    free(run.win);
    free(run.first);
    free(run.last);
    free(run.bounds);
    free(run.series);
    free(run.dims);
    hc_buf_free(&run.rows);
    hc_buf_free(&header);
    hc_buf_free(&prefix);
    hc_buf_free(&owner);
    hc_fv_free(t);
    predictor_data_free(&pd);
    free(paths);
    free(dest_dir);
    free(adir);
    return rc;
}

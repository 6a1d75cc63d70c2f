/* Synthetic demand data; see hindcast/demo.h.
 *
 * Everything random comes from per-purpose PRNG streams keyed by the seed
 * (one for the flags, one per product, one per series), so a series' rows
 * depend only on the seed, its index, its flags and the length, not on the
 * order in which anything else was drawn. */
#include "hindcast/demo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* No fused multiply-add: it would round differently on CPUs that have it.
 * GCC in ISO C mode (-std=c11) never contracts; clang needs the pragma. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "core/detmath.h"
#include "writer/fsutil.h"

#define STORES 4
#define OUT_BUFFER ((size_t)1 << 20)
#define ROW_MAX 128 /* longest row: ids ~40, timestamp 19, value < 30 */
#define DEFAULT_START "2024-01-01 00:00:00"

/* PRNG stream kinds (top byte of the stream number). */
#define STREAM_FLAGS 1ull
#define STREAM_PRODUCT 2ull
#define STREAM_SERIES 3ull

/* Store sizes relative to store_1: one big store, two medium, one small. */
static const double STORE_SCALE[STORES] = {1.0, 0.6, 1.5, 0.35};

void hc_demo_options_init(hc_demo_options *o, hc_freq f)
{
    memset(o, 0, sizeof *o);
    o->freq = f;
    o->items = 300;
    o->length = f == HC_FREQ_H ? 24 * 7 * 8 : 3 * 365;
    o->seed = 42;
    o->gzip = 0;
    o->start = DEFAULT_START;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "yyyy-MM-dd HH:mm:ss" (19 bytes, no NUL); years 0000-9999. */
static void format_ts(char *p, int64_t t)
{
    int64_t days = floor_div(t, 86400);
    int64_t sec = t - days * 86400;
    int64_t y;
    unsigned m, d;
    hc_civil_from_days(days, &y, &m, &d);
    put_digits(p, y, 4);
    p[4] = '-';
    put_digits(p + 5, m, 2);
    p[7] = '-';
    put_digits(p + 8, d, 2);
    p[10] = ' ';
    put_digits(p + 11, sec / 3600, 2);
    p[13] = ':';
    put_digits(p + 14, sec / 60 % 60, 2);
    p[16] = ':';
    put_digits(p + 17, sec % 60, 2);
}

static int parse_field(const char *s, size_t at, size_t n, int64_t lo,
                       int64_t hi, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Strict "yyyy-MM-dd" or "yyyy-MM-dd HH:mm:ss". */
static int parse_start(const char *s, int64_t *out, hc_error *err)
{
    static const int64_t mdays[12] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
    size_t len = strlen(s);
    int64_t y, mo, d, h = 0, mi = 0, se = 0;
    int ok = (len == 10 || len == 19) && s[4] == '-' && s[7] == '-' &&
             parse_field(s, 0, 4, 1, 9999, &y) == 0 &&
             parse_field(s, 5, 2, 1, 12, &mo) == 0 &&
             parse_field(s, 8, 2, 1, 31, &d) == 0;
    if (ok && len == 19)
        ok = s[10] == ' ' && s[13] == ':' && s[16] == ':' &&
             parse_field(s, 11, 2, 0, 23, &h) == 0 &&
             parse_field(s, 14, 2, 0, 59, &mi) == 0 &&
             parse_field(s, 17, 2, 0, 59, &se) == 0;
    if (ok) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        ok = d <= mdays[mo - 1] + (mo == 2 && leap);
    }
    if (!ok)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "demo start \"%s\" is not a valid yyyy-MM-dd or "
                            "yyyy-MM-dd HH:mm:ss timestamp",
                            s);
    *out = hc_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
           mi * 60 + se;
    return 0;
}

/* ---- the model --------------------------------------------------------- */

typedef struct product {
    double log_level;  /* log of store_1's mean per step */
    double trend;      /* relative change over a full-length series */
    double day_amp, day_peak;          /* H only; peak hour */
    double weekend, week_amp, week_phase;
    double year_amp, year_phase;
} product;

typedef struct series {
    size_t first, last;   /* steps [first, last] (inclusive), some dropped */
    int intermittent;
    int counts;           /* Poisson counts rather than continuous values */
    double scale;         /* store and series jitter */
    double sigma;         /* continuous noise (log scale) */
    double demand_prob;   /* intermittent: chance of a sale per step */
    double demand_size;   /* intermittent: mean size of a sale */
} series;

enum { FLAG_INTERMITTENT = 1, FLAG_LATE = 2, FLAG_EARLY = 4, FLAG_GAPS = 8 };

static void draw_product(product *p, uint64_t seed, size_t index, hc_freq f)
{
    hc_rng r;
    hc_rng_seed(&r, seed, (STREAM_PRODUCT << 56) | (uint64_t)index);
    /* Median hourly demand ~6, daily ~60, spread over two orders of
     * magnitude, as in a retail assortment. */
    double median = f == HC_FREQ_H ? 6.0 : 60.0;
    p->log_level = hc_det_log(median) + 1.0 * hc_rng_normal(&r);
    p->trend = hc_rng_range(&r, -0.3, 0.6);
    p->day_amp = hc_rng_range(&r, 0.3, 0.75);
    p->day_peak = hc_rng_range(&r, 11.0, 19.0);
    p->weekend = hc_rng_range(&r, -0.3, 0.5);
    p->week_amp = hc_rng_range(&r, 0.0, 0.15);
    p->week_phase = hc_rng_range(&r, 0.0, 7.0);
    p->year_amp = hc_rng_range(&r, 0.0, 0.3);
    p->year_phase = hc_rng_uniform(&r);
}

/* Seasonal and trend multiplier of step s (timestamp t) of a series. */
static double profile(const product *p, hc_freq f, size_t s, size_t length,
                      int64_t t)
{
    int64_t days = floor_div(t, 86400);
    double m = 1.0;
    if (length > 1)
        m *= 1.0 + p->trend * (double)s / (double)(length - 1);
    if (f == HC_FREQ_H) {
        double h = (double)((t - days * 86400) / 3600);
        double x = (h - p->day_peak) / 24.0;
        double day = 1.0 + p->day_amp * (hc_det_cos_turns(x) +
                                         0.3 * hc_det_cos_turns(2.0 * x));
        m *= day < 0.02 ? 0.02 : day;
    }
    int64_t dow = (days % 7 + 7 + 3) % 7; /* 1970-01-01 was a Thursday */
    double week = dow >= 5 ? 1.0 + p->weekend : 1.0;
    week *= 1.0 + p->week_amp *
                      hc_det_cos_turns(((double)dow - p->week_phase) / 7.0);
    m *= week;
    m *= 1.0 + p->year_amp * hc_det_cos_turns((double)days / 365.2425 -
                                              p->year_phase);
    return m;
}

/* Marks k of n entries with `flag`, chosen by a partial Fisher-Yates
 * shuffle, so that the shares are exact rather than "about". */
static void mark_random(unsigned char *flags, size_t *idx, size_t n, size_t k,
                        unsigned char flag, hc_rng *r)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)hc_rng_below(r, (uint64_t)(n - i));
        size_t tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
        flags[idx[i]] |= flag;
    }
}

static size_t share(size_t n, unsigned percent)
{
    return (n * percent + 50) / 100;
}

/* ---- output ------------------------------------------------------------ */

typedef struct out {
    gzFile gz;
    const char *path; /* temp path, for messages */
    char *buf;
    size_t len;
} out;

static int out_flush(out *o, hc_error *err)
{
    if (o->len == 0)
        return 0;
    int n = gzwrite(o->gz, o->buf, (unsigned)o->len);
    if (n <= 0 || (size_t)n != o->len) {
        int zerr;
        const char *msg = gzerror(o->gz, &zerr);
        return hc_error_set_at(err, HC_ERR_IO, o->path, 0, 0,
                               "cannot write: %s",
                               zerr == Z_ERRNO ? strerror(errno) : msg);
    }
    o->len = 0;
    return 0;
}

static void put_value(out *o, double v)
{
    double scaled = floor(v * 1000.0 + 0.5);
    uint64_t milli = scaled > 0.0 ? (uint64_t)scaled : 0;
    char tmp[32];
    int n = 0;
    uint64_t whole = milli / 1000;
    do {
        tmp[n++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole > 0);
    char *p = o->buf + o->len;
    while (n > 0)
        *p++ = tmp[--n];
    *p++ = '.';
    put_digits(p, (int64_t)(milli % 1000), 3);
    p += 3;
    *p++ = '\n';
    o->len = (size_t)(p - o->buf);
}

/* ---- generation ---------------------------------------------------------- */

typedef struct gen {
    const hc_demo_options *opt;
    int64_t t0, step;
    size_t id_width;
    unsigned char *flags;
    unsigned char *missing; /* per step of the current series */
    hc_demo_summary sum;
} gen;

static void plan_series(gen *g, size_t k, const product *p, series *se,
                        hc_rng *r)
{
    size_t len = g->opt->length;
    unsigned char fl = g->flags[k];
    memset(se, 0, sizeof *se);
    se->first = 0;
    se->last = len - 1;
    if ((fl & FLAG_LATE) && len >= 2) {
        size_t lo = len / 10 > 0 ? len / 10 : 1;
        size_t hi = len * 6 / 10 > lo ? len * 6 / 10 : lo;
        se->first = lo + (size_t)hc_rng_below(r, (uint64_t)(hi - lo + 1));
        if (se->first > len - 1)
            se->first = len - 1;
    }
    if ((fl & FLAG_EARLY) && len >= 2) {
        size_t lo = len / 20 > 0 ? len / 20 : 1;
        size_t hi = len / 4 > lo ? len / 4 : lo;
        size_t cut = lo + (size_t)hc_rng_below(r, (uint64_t)(hi - lo + 1));
        se->last = len - 1 - cut < se->first ? se->first : len - 1 - cut;
    }
    se->intermittent = (fl & FLAG_INTERMITTENT) != 0;
    se->scale = STORE_SCALE[k % STORES] * hc_det_exp(0.15 * hc_rng_normal(r));
    se->sigma = hc_rng_range(r, 0.05, 0.25);
    se->demand_prob = hc_rng_range(r, 0.03, 0.25);
    se->demand_size = hc_rng_range(r, 1.0, 5.0);
    se->counts = hc_det_exp(p->log_level) * se->scale < 10.0;

    /* Gaps: 1-4 outages of 1-6 hours or 1-3 days strictly inside the span,
     * so they are middle-filled, never mistaken for a late start or an
     * early end. */
    memset(g->missing, 0, len);
    if ((fl & FLAG_GAPS) && se->last - se->first >= 2) {
        size_t interior = se->last - se->first - 1;
        size_t gaps = 1 + (size_t)hc_rng_below(r, 4);
        uint64_t maxlen = g->opt->freq == HC_FREQ_H ? 6 : 3;
        for (size_t i = 0; i < gaps; i++) {
            size_t at = se->first + 1 +
                        (size_t)hc_rng_below(r, (uint64_t)interior);
            size_t n = 1 + (size_t)hc_rng_below(r, maxlen);
            for (size_t s = at; s < at + n && s < se->last; s++)
                g->missing[s] = 1;
        }
    }
}

static double draw_value(const series *se, const product *p, double prof,
                         hc_rng *r)
{
    if (se->intermittent) {
        double prob = se->demand_prob * prof;
        if (prob > 0.95)
            prob = 0.95;
        /* Draw both numbers every step so that the stream advances the
         * same way whatever the outcome. */
        double u = hc_rng_uniform(r);
        uint64_t extra = hc_rng_poisson(r, se->demand_size - 1.0);
        return u < prob ? (double)(1 + extra) : 0.0;
    }
    double mu = hc_det_exp(p->log_level) * se->scale * prof;
    if (se->counts)
        return (double)hc_rng_poisson(r, mu);
    double z = hc_rng_normal(r);
    return mu * hc_det_exp(se->sigma * z - 0.5 * se->sigma * se->sigma);
}

static int write_series(gen *g, out *o, size_t k, const product *p,
                        hc_error *err)
{
    const hc_demo_options *opt = g->opt;
    hc_rng r;
    hc_rng_seed(&r, opt->seed, (STREAM_SERIES << 56) | (uint64_t)k);
    series se;
    plan_series(g, k, p, &se, &r);

    char key[64];
    int kl = snprintf(key, sizeof key, "item_%0*zu,store_%zu,",
                      (int)g->id_width, k / STORES + 1, k % STORES + 1);
    if (kl < 0 || (size_t)kl >= sizeof key)
        return hc_error_set(err, HC_ERR_INTERNAL, "demo: item key too long");

    uint64_t missing = 0;
    for (size_t s = se.first; s <= se.last; s++) {
        int64_t t = g->t0 + (int64_t)s * g->step;
        double v = draw_value(&se, p, profile(p, opt->freq, s, opt->length, t),
                              &r);
        if (g->missing[s]) {
            missing++;
            continue;
        }
        if (o->len + ROW_MAX > OUT_BUFFER) {
            int rc = out_flush(o, err);
            if (rc != 0)
                return rc;
        }
        memcpy(o->buf + o->len, key, (size_t)kl);
        o->len += (size_t)kl;
        format_ts(o->buf + o->len, t);
        o->len += 19;
        o->buf[o->len++] = ',';
        put_value(o, v);
        g->sum.rows++;
    }
    g->sum.items++;
    g->sum.missing_steps += missing;
    g->sum.gappy_items += missing > 0;
    g->sum.intermittent_items += (size_t)se.intermittent;
    g->sum.late_start_items += se.first > 0;
    g->sum.early_end_items += se.last < opt->length - 1;
    return 0;
}

static int check_options(const hc_demo_options *o, int64_t *t0, int64_t *step,
                         hc_error *err)
{
    if (o->freq != HC_FREQ_H && o->freq != HC_FREQ_D)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "demo data supports the frequencies H and D");
    if (o->items < 1 || o->items > 100000000)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "demo items must be between 1 and 100000000");
    if (o->length < 1 || o->length > 100000000)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "demo length must be between 1 and 100000000");
    const char *start = o->start ? o->start : DEFAULT_START;
    int rc = parse_start(start, t0, err);
    if (rc != 0)
        return rc;
    *step = o->freq == HC_FREQ_H ? 3600 : 86400;
    if (*t0 % *step != 0)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "demo start \"%s\" is not aligned to the "
                            "frequency %s",
                            start, o->freq == HC_FREQ_H ? "H" : "D");
    /* The last timestamp must still have a 4-digit year. */
    int64_t max_t = hc_days_from_civil(10000, 1, 1) * 86400 - 1;
    if ((int64_t)(o->length - 1) > (max_t - *t0) / *step)
        return hc_error_set(err, HC_ERR_INVALID_INPUT,
                            "demo data would run past the year 9999");
    return 0;
}

int hc_demo_write(const hc_demo_options *o, const char *path,
                  hc_demo_summary *summary_out, hc_error *err)
{
    static const char header[] = "item_id,store,timestamp,target_value\n";
    int rc = 0;
    int fd = -1;
    char *dir = NULL, *base = NULL, *tmp_name = NULL, *tmp = NULL;
    size_t *idx = NULL;
    gen g;
    out ot;
    memset(&g, 0, sizeof g);
    memset(&ot, 0, sizeof ot);
    if (summary_out)
        memset(summary_out, 0, sizeof *summary_out);

    int64_t t0 = 0, step = 0;
    rc = check_options(o, &t0, &step, err);
    if (rc != 0)
        goto done;
    g.opt = o;
    g.t0 = t0;
    g.step = step;
    size_t products = (o->items + STORES - 1) / STORES;
    g.id_width = 3;
    for (size_t p = products, w = 1; p >= 10; p /= 10)
        if (++w > g.id_width)
            g.id_width = w;

    g.flags = calloc(o->items, 1);
    g.missing = malloc(o->length);
    idx = malloc(o->items * sizeof *idx);
    ot.buf = malloc(OUT_BUFFER);
    if (!g.flags || !g.missing || !idx || !ot.buf) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    hc_rng fr;
    hc_rng_seed(&fr, o->seed, STREAM_FLAGS << 56);
    mark_random(g.flags, idx, o->items, share(o->items, 15),
                FLAG_INTERMITTENT, &fr);
    mark_random(g.flags, idx, o->items, share(o->items, 10), FLAG_LATE, &fr);
    mark_random(g.flags, idx, o->items, share(o->items, 5), FLAG_EARLY, &fr);
    mark_random(g.flags, idx, o->items, share(o->items, 5), FLAG_GAPS, &fr);

    rc = hc_fs_split(path, &dir, &base, err);
    if (rc != 0)
        goto done;
    int n = snprintf(NULL, 0, ".%s.%ld.tmp", base, (long)getpid());
    tmp_name = malloc((size_t)n + 1);
    if (!tmp_name) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(tmp_name, (size_t)n + 1, ".%s.%ld.tmp", base, (long)getpid());
    tmp = hc_fs_join(dir, tmp_name);
    if (!tmp) {
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* A temp with our pid can only be a leftover of a dead process. */
    (void)unlink(tmp);
    fd = hc_fs_create_excl(tmp, err);
    if (fd < 0) {
        rc = fd;
        fd = -1;
        free(tmp); /* not ours: do not remove it */
        tmp = NULL;
        goto done;
    }
    /* zlib closes the descriptor it is given; keep ours for fsync. */
    int gzfd = dup(fd);
    if (gzfd < 0) {
        rc = hc_error_set_at(err, HC_ERR_IO, tmp, 0, 0, "cannot dup: %s",
                             strerror(errno));
        goto done;
    }
    ot.path = tmp;
    /* 'T' writes plain bytes through the same interface. */
    ot.gz = gzdopen(gzfd, o->gzip ? "wb6" : "wbT");
    if (!ot.gz) {
        close(gzfd);
        rc = hc_error_set(err, HC_ERR_NOMEM, "out of memory (zlib)");
        goto done;
    }
    gzbuffer(ot.gz, 1u << 17);

    memcpy(ot.buf, header, sizeof header - 1);
    ot.len = sizeof header - 1;
    product prod;
    memset(&prod, 0, sizeof prod);
    for (size_t k = 0; k < o->items; k++) {
        if (k % STORES == 0)
            draw_product(&prod, o->seed, k / STORES, o->freq);
        rc = write_series(&g, &ot, k, &prod, err);
        if (rc != 0)
            goto done;
    }
    rc = out_flush(&ot, err);
    if (rc != 0)
        goto done;
    int zrc = gzclose_w(ot.gz);
    ot.gz = NULL;
    if (zrc != Z_OK) {
        rc = hc_error_set_at(err, HC_ERR_IO, tmp, 0, 0, "cannot write: %s",
                             zrc == Z_ERRNO ? strerror(errno)
                                            : "zlib error");
        goto done;
    }
    int sfd = fd, renamed;
    fd = -1;
    rc = hc_fs_publish(sfd, tmp, path, dir, &renamed, err);
    if (renamed) {
        free(tmp);
        tmp = NULL;
    }
    if (rc != 0)
        goto done;
    g.sum.first_timestamp = t0;
    g.sum.last_timestamp = t0 + (int64_t)(o->length - 1) * step;
    if (summary_out)
        *summary_out = g.sum;
done:
    if (ot.gz)
        gzclose_w(ot.gz);
    if (fd >= 0)
        close(fd);
    if (tmp && rc != 0)
        (void)unlink(tmp);
    free(tmp);
    free(tmp_name);
    free(dir);
    free(base);
    free(idx);
    free(ot.buf);
    free(g.flags);
    free(g.missing);
    return rc;
}

/* The CSV scanner of the dataset and evaluate readers; see csvscan.h.
 *
 * Why a scanner of its own: a general CSV library's byte-at-a-time state
 * machine and per-field callbacks were half of the dataset reader's time,
 * and a parser that can start anywhere on a row boundary lets blocks be
 * parsed in parallel. This one finds field ends with a vector or word loop
 * on unquoted fields and memchr inside quotes. One row loop (parse_rows)
 * serves both entry points: scan_file's, which parses rows into records
 * of the dataset's layout, and scan_records', which hands each row's
 * fields to a callback.
 *
 * A plain regular file is mapped and its blocks are slices of the mapping
 * (the parsing threads fault the pages in; no copy through a read buffer);
 * gzip files, and anything that cannot be mapped, go through zlib's
 * gzread. A file truncated by another process while it is mapped would
 * end the process with SIGBUS: the reader expects its input to hold still.
 *
 * Blocks are cut on row boundaries. A line break ends a row unless it is
 * inside quotes; with valid quoting, "inside quotes" is "after an odd number
 * of quote characters since the block began" (a doubled quote counts two),
 * so the cut needs only the quote count, not a parse. A file whose quoting
 * is broken gets a cut at some line break: the block parse then reports the
 * broken quote, at the same place the serial parse would. */
#include "core/memutil.h"
#include "dataset/csvscan.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "hindcast/numfmt.h"

#define BLOCK_SIZE ((size_t)1 << 20)
#define SHOW_MAX 64 /* field text quoted in messages is cut to this */
#define MAX_THREADS 64

/* ---- parsing one block ------------------------------------------------------ */

static int block_error(scan_block *b, int code, uint64_t line, size_t col,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int block_error(scan_block *b, int code, uint64_t line, size_t col,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err_msg, sizeof b->err_msg, fmt, ap);
    va_end(ap);
    b->status = code;
    b->err_line = line;
    b->err_col = (long)col;
    return code;
}

static int show_len(size_t len)
{
    return (int)(len > SHOW_MAX ? SHOW_MAX : len);
}

static const char *show_tail(size_t len)
{
    return len > SHOW_MAX ? "..." : "";
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

/* A numeric field: 1 when empty (missing), 0 when a number, or an error. */
static int number_field(scan_block *b, uint64_t line, size_t col, const char *s,
                        size_t n, int integer, double *out)
{
    if (n == 0)
        return 1;
    if (!integer && scan_fast_decimal(s, n, out))
        return 0;
    if (integer && !is_integer_text(s, n))
        return block_error(b, HC_ERR_INVALID_INPUT, line, col + 1,
                           "'%.*s%s' is not an integer", show_len(n), s,
                           show_tail(n));
    /* The whole field must be the number, however lenient the parser. */
    if (is_blank(s[0]) || is_blank(s[n - 1]) || hc_parse_double(s, n, out) != 0)
        return block_error(b, HC_ERR_INVALID_INPUT, line, col + 1,
                           "'%.*s%s' is not a number", show_len(n), s,
                           show_tail(n));
    return 0;
}

/* ---- fast paths (each gives exactly the general parser's result, or
 * declines and lets it run: messages come from the general parser) ---- */

/* Short keys (the common case) compared with word loads instead of a call. */
static int same_bytes(const char *a, const char *b, size_t n)
{
    if (n > 64)
        return memcmp(a, b, n) == 0;
    while (n >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
        a += 8;
        b += 8;
        n -= 8;
    }
    while (n--)
        if (*a++ != *b++)
            return 0;
    return 1;
}

static const double pow10_exact[16] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                                       1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15};

/* [-]digits[.digits] with at most 15 digits: the integer of the digits is
 * exact in a double and so is 10^k (k <= 15), and IEEE division rounds
 * once, so m / 10^k is the correctly rounded value of the decimal, which
 * is what hc_parse_double (fast_float) returns. */
int scan_fast_decimal(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (n && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    uint64_t m = 0;
    int ndig = 0, frac = -1, before = 0;
    for (; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        if (c - '0' < 10) {
            m = m * 10 + (c - '0');
            ndig++;
            if (frac >= 0)
                frac++;
            else
                before++;
        } else if (c == '.' && frac < 0) {
            frac = 0;
        } else {
            return 0;
        }
    }
    if (ndig == 0 || ndig > 15 || before == 0 || frac == 0)
        return 0;
    double v = (double)m;
    if (frac > 0)
        v /= pow10_exact[frac];
    *out = neg ? -v : v;
    return 1;
}

/* yyyy-MM-dd or yyyy-MM-dd HH:mm:ss, every field in range, in a format
 * that allows it. The day number of the month's first day is cached:
 * consecutive rows are nearly always in the same month. days(y, m, d) =
 * days(y, m, 1) + d - 1 (the civil-date formula is linear in d). */

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int digit(char c)
{
    return (unsigned)(unsigned char)c - '0' < 10;
}

int scan_fast_ts(const char *s, size_t n, hc_ts_format fmt, scan_ts_cache *c,
                 int64_t *out)
{
    int has_time;
    if (n == 19 && (fmt == HC_TSFMT_DATETIME || fmt == HC_TSFMT_AUTO) && s[10] == ' ')
        has_time = 1;
    else if (n == 10 && (fmt == HC_TSFMT_DATE || fmt == HC_TSFMT_AUTO))
        has_time = 0;
    else
        return 0;
    if (s[4] != '-' || s[7] != '-' ||
        !(digit(s[0]) & digit(s[1]) & digit(s[2]) & digit(s[3]) & digit(s[5]) &
          digit(s[6]) & digit(s[8]) & digit(s[9])))
        return 0;
    int h = 0, mi = 0, sec = 0;
    if (has_time) {
        if (s[13] != ':' || s[16] != ':' ||
            !(digit(s[11]) & digit(s[12]) & digit(s[14]) & digit(s[15]) &
              digit(s[17]) & digit(s[18])))
            return 0;
        h = two(s + 11);
        mi = two(s + 14);
        sec = two(s + 17);
        if (h > 23 || mi > 59 || sec > 59)
            return 0;
    }
    int y = two(s) * 100 + two(s + 2), mo = two(s + 5), d = two(s + 8);
    if (mo < 1 || mo > 12 || d < 1)
        return 0;
    int64_t ym = (int64_t)y * 12 + mo - 1;
    if (ym != c->ym) {
        int64_t first = hc_days_from_civil(y, (unsigned)mo, 1);
        int64_t next = mo == 12 ? hc_days_from_civil(y + 1, 1, 1)
                                : hc_days_from_civil(y, (unsigned)mo + 1, 1);
        c->ym = ym;
        c->month_start = first;
        c->month_len = (int)(next - first);
    }
    if (d > c->month_len)
        return 0;
    *out = (c->month_start + d - 1) * 86400 + h * 3600 + mi * 60 + sec;
    return 1;
}

/* memchr(s, 0, n) without the call, for short fields. */
static int has_nul(const char *s, size_t n)
{
    if (n > 32)
        return memchr(s, '\0', n) != NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0')
            return 1;
    return 0;
}

static int nomem_block(scan_block *b, uint64_t line)
{
    return block_error(b, HC_ERR_NOMEM, line, 0, "out of memory while reading");
}

/* A data row whose fields are split: values checked in column order, the
 * key built, the record appended. */
static int data_row(const scan_schema *sc, scan_block *b, uint64_t line,
                    scan_ts_cache *tc)
{
    /* Row records keep 31 bits of key index and 32 of line within a block;
     * only a single row of gigabytes could pass them. */
    if (line > UINT32_MAX || b->nkeys >= 0x7fffffffu)
        return block_error(b, HC_ERR_LIMIT, line, 0,
                           "a row of more than 2^32 lines (field too large)");
    int64_t ts = 0;
    double value = 0.0;
    int missing = 0;
    for (size_t c = 0; c < sc->ncols; c++) {
        const char *s = b->fptr[c];
        size_t n = b->flen[c];
        double scratch;
        int rc;
        switch (sc->role[c]) {
        case ROLE_ITEM:
            if (n == 0)
                return block_error(b, HC_ERR_INVALID_INPUT, line, c + 1,
                                   "item_id is empty");
            /* fall through */
        case ROLE_DIM:
            if (has_nul(s, n))
                return block_error(b, HC_ERR_INVALID_INPUT, line, c + 1,
                                   "'%.*s%s' contains a NUL byte", show_len(n), s,
                                   show_tail(n));
            break;
        case ROLE_TS: {
            size_t bad = 0;
            if (scan_fast_ts(s, n, sc->ts_format, tc, &ts))
                break;
            if (hc_parse_timestamp(s, n, sc->ts_format, &ts, &bad) != 0)
                return block_error(b, HC_ERR_INVALID_INPUT, line, c + 1,
                                   "'%.*s%s' is not a timestamp in the format %s (bad character at position %zu)",
                                   show_len(n), s, show_tail(n), sc->ts_expect, bad + 1);
            break;
        }
        case ROLE_TARGET:
            rc = number_field(b, line, c, s, n, sc->target_integer, &value);
            if (rc < 0)
                return rc;
            missing = rc == 1 || isnan(value);
            break;
        case ROLE_NUMBER:
        case ROLE_INTEGER:
            rc = number_field(b, line, c, s, n, sc->role[c] == ROLE_INTEGER, &scratch);
            if (rc < 0)
                return rc;
            break;
        default:
            break;
        }
    }

    /* The key: item_id, then the dimensions in their chosen order. It is
     * compared in place with the previous row's (usually the same item)
     * and copied only when it differs. */
    size_t need = b->flen[sc->col_item] + 1;
    for (size_t c = 0; c < sc->ncols; c++)
        if (sc->role[c] == ROLE_DIM)
            need += b->flen[c] + 1;
    if (hc_grow_array((void **)&b->arena, &b->arenacap, b->arenalen + need, 1))
        return nomem_block(b, line);
    char *k = b->arena + b->arenalen;
    size_t n = b->flen[sc->col_item];
    memcpy(k, b->fptr[sc->col_item], n);
    k[n] = '\0';
    k += n + 1;
    for (size_t d = 0; d < sc->ndims; d++) {
        for (size_t c = 0; c < sc->ncols; c++) {
            if (sc->role[c] == ROLE_DIM && sc->dim_of_col[c] == d) {
                memcpy(k, b->fptr[c], b->flen[c]);
                k[b->flen[c]] = '\0';
                k += b->flen[c] + 1;
                break;
            }
        }
    }
    uint32_t key;
    const scan_key *prev = b->nkeys ? &b->keys[b->nkeys - 1] : NULL;
    if (prev && prev->len == need &&
        same_bytes(b->arena + prev->off, b->arena + b->arenalen, need)) {
        key = (uint32_t)(b->nkeys - 1);
    } else {
        if (hc_grow_array((void **)&b->keys, &b->keyscap, b->nkeys + 1, sizeof *b->keys))
            return nomem_block(b, line);
        scan_key *nk = &b->keys[b->nkeys];
        nk->off = b->arenalen;
        nk->len = need;
        nk->hash = hc_hash_bytes(b->arena + b->arenalen, need);
        b->arenalen += need;
        key = (uint32_t)b->nkeys++;
    }
    if (hc_grow_array((void **)&b->rows, &b->rowscap, b->nrows + 1, sizeof *b->rows))
        return nomem_block(b, line);
    scan_row *row = &b->rows[b->nrows++];
    row->ts = ts;
    row->value = missing ? 0.0 : value;
    row->key = key & 0x7fffffffu;
    row->missing = missing != 0;
    row->line = (uint32_t)line;
    return 0;
}

/* Index of the first byte of [p, end) that is ',', '\n', '\r' or '"',
 * or end - p when there is none: 16 bytes a step with SSE2 (x86-64's
 * baseline), 8 bytes a step with the exact zero-byte test elsewhere.
 * Inlined into both copies of parse_rows: it runs once per field. */
#if defined(__SSE2__)
#include <emmintrin.h>

static inline __attribute__((always_inline)) size_t
find_special(const char *p, const char *end)
{
    const char *start = p;
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r'), quote = _mm_set1_epi8('"');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma),
                                                _mm_cmpeq_epi8(v, lf)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, cr),
                                                _mm_cmpeq_epi8(v, quote)));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask)
            return (size_t)(p - start) + (size_t)__builtin_ctz(mask);
        p += 16;
    }
    while (p < end && *p != ',' && *p != '\n' && *p != '\r' && *p != '"')
        p++;
    return (size_t)(p - start);
}
#else
static uint64_t zero_bytes(uint64_t x)
{
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    return ~(((x & low7) + low7) | x | low7);
}

static inline __attribute__((always_inline)) size_t
find_special(const char *p, const char *end)
{
    const char *start = p;
    const uint64_t ones = UINT64_C(0x0101010101010101);
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t hit = zero_bytes(w ^ (ones * ',')) | zero_bytes(w ^ (ones * '\n')) |
                       zero_bytes(w ^ (ones * '\r')) | zero_bytes(w ^ (ones * '"'));
        if (hit) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return (size_t)(p - start) + (size_t)__builtin_ctzll(hit) / 8;
#else
            return (size_t)(p - start) + (size_t)__builtin_clzll(hit) / 8;
#endif
        }
        p += 8;
    }
    while (p < end && *p != ',' && *p != '\n' && *p != '\r' && *p != '"')
        p++;
    return (size_t)(p - start);
}
#endif

#if defined(__SSE2__)
/* The common row in one step: when a line break lies within the 64 bytes
 * at p, with no quote and no CR before it (other than the CR of a CRLF),
 * and the row has exactly ncols fields, stores the fields and sets *next
 * past the line break; returns 1. Anything else (a long row, quotes, a
 * wrong field count) returns 0 and goes through the general loop, which
 * reports errors exactly as before. Four compares a 16-byte load give
 * 64-bit masks of the row's special bytes, and the fields are read off the
 * comma bits: no per-field scan. */
static inline __attribute__((always_inline)) int
split_short_row(const char *p, size_t ncols, const char **fptr, size_t *flen,
                const char **next)
{
    const __m128i comma_v = _mm_set1_epi8(','), lf_v = _mm_set1_epi8('\n');
    const __m128i cr_v = _mm_set1_epi8('\r'), quote_v = _mm_set1_epi8('"');
    uint64_t comma = 0, lf = 0, cr = 0, quote = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        int shift = 16 * k;
        comma |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma_v)) << shift;
        lf |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf_v)) << shift;
        cr |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cr_v)) << shift;
        quote |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote_v)) << shift;
    }
    if (!lf)
        return 0;
    unsigned n = (unsigned)__builtin_ctzll(lf); /* the line break, < 64 */
    uint64_t before = (UINT64_C(1) << n) - 1;
    if (quote & before)
        return 0;
    unsigned len = n;
    if (cr & before) {
        if ((cr & before) != UINT64_C(1) << (n - 1))
            return 0; /* a CR that is not the CR of a CRLF */
        len = n - 1;
    }
    uint64_t commas = comma & ((UINT64_C(1) << len) - 1);
    if ((size_t)__builtin_popcountll(commas) + 1 != ncols)
        return 0;
    unsigned start = 0;
    size_t f = 0;
    while (commas) {
        unsigned at = (unsigned)__builtin_ctzll(commas);
        fptr[f] = p + start;
        flen[f] = at - start;
        f++;
        start = at + 1;
        commas &= commas - 1;
    }
    fptr[f] = p + start;
    flen[f] = len - start;
    *next = p + n + 1;
    return 1;
}
#endif

static uint64_t count_lf(const char *p, const char *end)
{
    uint64_t n = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

static const char malformed_msg[] =
    "malformed CSV: a quote inside an unquoted field or text after a closing quote (put the field in quotes and double the quotes inside it)";

/* Room for n fields in b->fptr/b->flen (b->fcap); -1 when out of memory. */
static int grow_fields(scan_block *b, size_t n)
{
    size_t c1 = b->fcap, c2 = b->fcap;
    if (hc_grow_array((void **)&b->fptr, &c1, n, sizeof *b->fptr) ||
        hc_grow_array((void **)&b->flen, &c2, n, sizeof *b->flen))
        return -1;
    b->fcap = c1 < c2 ? c1 : c2;
    return 0;
}

/* Where scan_records' rows go. */
typedef struct record_sink {
    scan_record_fn fn;
    void *ctx;
    hc_error *err;
    uint64_t first_line; /* the file line of the block's first line */
    int rc;              /* fn's last return */
} record_sink;

/* Splits b->data into rows. With a sink (sc NULL), every row goes to it,
 * b->fptr/b->flen growing to its fields; without one, rows are checked
 * against sc and parsed into b->rows (a header row, when pending, is
 * checked and skipped). Stops at the first error, recorded in b->status,
 * or at a non-zero return of the sink.
 *
 * Inlined with a constant sink into parse_block and parse_records_block:
 * the dataset's loop compiles as if the sink were not there. */
static inline __attribute__((always_inline)) void
parse_rows(const scan_schema *sc, scan_block *b, record_sink *sink)
{
    const char *p = b->data, *end = b->data + b->len;
    uint64_t line = 0;
    int header_pending = !sink && b->first && sc->header;
    /* the fields kept: the layout's, or the room there is for a sink */
    size_t ncols = sink ? b->fcap : sc->ncols;
    scan_ts_cache tc = SCAN_TS_CACHE_INIT;
    b->nrows = b->nkeys = b->arenalen = 0;
    b->nlines = 0;
    b->status = 0;
    b->chained = 0;
    while (p < end) {
        if (*p == '\n') {
            line++;
            p++;
            continue;
        }
        if (*p == '\r') {
            line++;
            p++;
            if (p < end && *p == '\n')
                p++;
            continue;
        }
        uint64_t row_line = line;
        size_t nf = 0, unqlen = 0;
#if defined(__SSE2__)
        if (!sink && end - p >= 64 && split_short_row(p, ncols, b->fptr, b->flen, &p)) {
            nf = ncols;
            line++;
            goto row_done;
        }
#endif
        for (;;) {
            const char *fs;
            size_t fl;
            if (p < end && *p == '"') {
                const char *q = p + 1, *seg = q;
                int escaped = 0;
                size_t ustart = unqlen;
                for (;;) {
                    const char *qq = memchr(q, '"', (size_t)(end - q));
                    if (!qq) {
                        if (b->truncated) {
                            /* Cut by the read error, not a syntax error. */
                            b->nlines = line;
                            return;
                        }
                        block_error(b, HC_ERR_INVALID_INPUT, row_line, nf + 1,
                                    "malformed CSV: a quoted field is not closed before the end of the file");
                        b->nlines = line;
                        return;
                    }
                    line += count_lf(q, qq);
                    if (qq + 1 < end && qq[1] == '"') {
                        /* A doubled quote: the field needs unescaping into
                         * unq, sized once to the block so that earlier
                         * field pointers stay valid. */
                        if (!b->unq || b->unqcap < b->len) {
                            char *u = realloc(b->unq, b->len);
                            if (!u) {
                                nomem_block(b, row_line);
                                return;
                            }
                            b->unq = u;
                            b->unqcap = b->len;
                        }
                        size_t k = (size_t)(qq + 1 - seg);
                        memcpy(b->unq + unqlen, seg, k);
                        unqlen += k;
                        escaped = 1;
                        q = qq + 2;
                        seg = q;
                        continue;
                    }
                    if (escaped) {
                        size_t k = (size_t)(qq - seg);
                        memcpy(b->unq + unqlen, seg, k);
                        unqlen += k;
                        fs = b->unq + ustart;
                        fl = unqlen - ustart;
                    } else {
                        fs = p + 1;
                        fl = (size_t)(qq - (p + 1));
                    }
                    p = qq + 1;
                    break;
                }
                if (p < end && *p != ',' && *p != '\r' && *p != '\n') {
                    block_error(b, HC_ERR_INVALID_INPUT, row_line, nf + 1, malformed_msg);
                    b->nlines = line;
                    return;
                }
            } else {
                const char *s = p;
                p += find_special(p, end);
                while (p < end) {
                    char c = *p;
                    if (c == ',' || c == '\n' || c == '\r')
                        break;
                    if (c == '"') {
                        block_error(b, HC_ERR_INVALID_INPUT, row_line, nf + 1,
                                    malformed_msg);
                        b->nlines = line;
                        return;
                    }
                    p++;
                }
                fs = s;
                fl = (size_t)(p - s);
            }
            if (nf < ncols) {
                b->fptr[nf] = fs;
                b->flen[nf] = fl;
            } else if (sink) {
                if (grow_fields(b, nf + 1)) {
                    nomem_block(b, row_line);
                    b->nlines = line;
                    return;
                }
                ncols = b->fcap;
                b->fptr[nf] = fs;
                b->flen[nf] = fl;
            }
            nf++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            break;
        }
        if (p < end) {
            if (*p == '\r' && p + 1 < end && p[1] == '\n')
                p++;
            p++;
            line++;
        } else if (b->truncated) {
            break; /* a row cut by the read error is never processed */
        }
#if defined(__SSE2__)
    row_done:
#endif
        if (sink) {
            scan_record r = {nf, b->fptr, b->flen, sink->first_line + row_line};
            if ((sink->rc = sink->fn(sink->ctx, &r, sink->err)) != 0)
                break;
            continue;
        }
        if (nf != ncols) {
            size_t col = nf > ncols ? ncols : nf;
            block_error(b, HC_ERR_INVALID_INPUT, row_line, col + 1,
                        "expected %zu fields, got %zu", ncols, nf);
            b->nlines = line;
            return;
        }
        if (header_pending) {
            header_pending = 0;
            continue;
        }
        if (data_row(sc, b, row_line, &tc) != 0) {
            b->nlines = line;
            return;
        }
    }
    b->nlines = line;
}

static void parse_block(const scan_schema *sc, scan_block *b)
{
    parse_rows(sc, b, NULL);
    if (sc->after_parse && b->status == 0)
        sc->after_parse(sc->hook_ctx, b);
}

static void parse_records_block(scan_block *b, record_sink *sink)
{
    parse_rows(NULL, b, sink);
}

/* The error recorded in a block, as the file's: its line counted from the
 * block's first, `first_line`. */
static int block_failure(const scan_block *b, const char *path, uint64_t first_line,
                         hc_error *err)
{
    return hc_error_set_at(err, b->status, path,
                           b->status == HC_ERR_NOMEM ? 0 : (long)(first_line + b->err_line),
                           b->err_col, "%s", b->err_msg);
}

/* ---- reading and cutting ------------------------------------------------------ */

typedef struct producer {
    const char *path;
    /* a plain regular file is mapped: blocks are slices of it, no copy */
    const char *map;
    size_t map_len, map_pos;
    size_t map_released; /* [0, map_released) is unmapped again */
    size_t page;
    gzFile gz;
    int header;    /* the first non-blank row must be in the first block */
    int io_status; /* the status of a failed open or read */
    char *carry;
    size_t carrylen, carrycap;
    int started; /* the first block was handed out */
    int done;    /* the last block was handed out */
} producer;

/* gzerror's text starts with "PATH: ", which our messages already say. */
static const char *zlib_reason(const char *zmsg, const char *path)
{
    size_t n = strlen(path);
    if (zmsg && strncmp(zmsg, path, n) == 0 && zmsg[n] == ':' && zmsg[n + 1] == ' ')
        return zmsg + n + 2;
    return zmsg ? zmsg : "unknown zlib error";
}

/* Where the text can be cut after a whole row: just after the last line
 * break outside quotes (0 when there is none). A CR at the very end is not
 * a cut: the LF of its CRLF may come with the next read. */
static size_t find_cut(const char *p, size_t len)
{
    if (len == 0)
        return 0;
    const char *last_quote = NULL;
    size_t quotes = 0;
    for (const char *q = p; (q = memchr(q, '"', (size_t)(p + len - q))) != NULL; q++) {
        quotes++;
        last_quote = q;
    }
    size_t from = last_quote ? (size_t)(last_quote - p) + 1 : 0;
    if (quotes % 2 == 0) {
        for (size_t i = len; i-- > from;) {
            if (p[i] == '\n')
                return i + 1;
            if (p[i] == '\r' && i + 1 < len)
                return i + 1; /* p[i+1] is not '\n': it was looked at first */
        }
    }
    /* A break after the last quote is inside quotes, or there is none:
     * walk from the start, tracking the quote parity. */
    size_t cut = 0;
    int inside = 0;
    for (size_t i = 0; i < from; i++) {
        char c = p[i];
        if (c == '"')
            inside = !inside;
        else if (!inside && (c == '\n' || (c == '\r' && i + 1 < len && p[i + 1] != '\n')))
            cut = i + 1;
    }
    return cut;
}

static int has_content(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != '\n' && p[i] != '\r')
            return 1;
    return 0;
}

/* The next block of a mapped file: a slice ending at a cut. */
static void map_block(producer *p, scan_block *b)
{
    b->first = !p->started;
    p->started = 1;
    b->truncated = 0;
    b->read_status = 0;
    b->read_msg[0] = '\0';
    if (b->first && p->map_len >= 3 && memcmp(p->map, "\xEF\xBB\xBF", 3) == 0)
        p->map_pos = 3; /* a UTF-8 byte order mark is not part of the first field */
    const char *at = p->map + p->map_pos;
    size_t left = p->map_len - p->map_pos;
    size_t cut = 0;
    for (size_t want = BLOCK_SIZE; cut == 0 && want < left; want *= 2) {
        cut = find_cut(at, want);
        if (cut && b->first && p->header && !has_content(at, cut))
            cut = 0;
    }
    if (cut == 0)
        cut = left; /* the rest of the file */
    b->data = at;
    b->len = cut;
    p->map_pos += cut;
    p->done = p->map_pos == p->map_len;
}

/* Maps a plain regular file (not gzip, not empty); 0 when that is not
 * possible or not worth it, and the file is then read through zlib. */
static int map_file(producer *p)
{
    int fd = open(p->path, O_RDONLY);
    if (fd < 0)
        return 0;
    struct stat st;
    unsigned char magic[2] = {0, 0};
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
             (uint64_t)st.st_size <= SIZE_MAX && pread(fd, magic, 2, 0) >= 1 &&
             !(magic[0] == 0x1f && magic[1] == 0x8b);
    if (ok) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            ok = 0;
        } else {
            (void)posix_madvise(m, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
            p->map = m;
            p->map_len = (size_t)st.st_size;
            long pg = sysconf(_SC_PAGESIZE);
            p->page = pg > 0 ? (size_t)pg : 4096;
        }
    }
    close(fd);
    return ok;
}

/* Fills b with the next block: the carried tail of the last read, then
 * reads up to a cut. Returns 0, or -1 when out of memory (b->read_status
 * says so). Sets p->done with the last block. */
static int read_block(producer *p, scan_block *b)
{
    b->first = !p->started;
    p->started = 1;
    b->truncated = 0;
    b->read_status = 0;
    b->read_msg[0] = '\0';
    if (hc_grow_array((void **)&b->text, &b->cap, p->carrylen + BLOCK_SIZE, 1))
        goto nomem;
    if (p->carrylen)
        memcpy(b->text, p->carry, p->carrylen);
    size_t len = p->carrylen;
    p->carrylen = 0;
    size_t cut = 0;
    for (;;) {
        if (len + BLOCK_SIZE / 2 > b->cap &&
            hc_grow_array((void **)&b->text, &b->cap, len + BLOCK_SIZE, 1))
            goto nomem;
        size_t want = b->cap - len;
        if (want > (size_t)1 << 30)
            want = (size_t)1 << 30;
        int n = gzread(p->gz, b->text + len, (unsigned)want);
        if (n < 0) {
            int zerr;
            const char *zmsg = gzerror(p->gz, &zerr);
            if (zerr == Z_ERRNO) {
                b->read_status = p->io_status;
                snprintf(b->read_msg, sizeof b->read_msg, "cannot read: %s",
                         strerror(errno));
            } else if (zerr == Z_MEM_ERROR) {
                b->read_status = HC_ERR_NOMEM;
                snprintf(b->read_msg, sizeof b->read_msg, "out of memory while reading");
            } else {
                b->read_status = HC_ERR_INVALID_INPUT;
                snprintf(b->read_msg, sizeof b->read_msg, "corrupt gzip data (%s)",
                         zlib_reason(zmsg, p->path));
            }
        } else if (n == 0) {
            int zerr;
            const char *zmsg = gzerror(p->gz, &zerr);
            if (zerr != Z_OK) {
                b->read_status = HC_ERR_INVALID_INPUT;
                snprintf(b->read_msg, sizeof b->read_msg, "truncated gzip file (%s)",
                         zlib_reason(zmsg, p->path));
            }
        }
        if (n <= 0) {
            /* The end: everything left is the last block. */
            b->truncated = b->read_status != 0;
            b->data = b->text;
            b->len = len;
            p->done = 1;
            return 0;
        }
        /* A UTF-8 byte order mark is not part of the first field. */
        if (b->first && len == 0 && n >= 3 && memcmp(b->text, "\xEF\xBB\xBF", 3) == 0) {
            memmove(b->text, b->text + 3, (size_t)n - 3);
            n -= 3;
        }
        len += (size_t)n;
        if (len < BLOCK_SIZE)
            continue;
        cut = find_cut(b->text, len);
        /* The header must be in the first block: its parse knows it. */
        if (cut && b->first && p->header && !has_content(b->text, cut))
            cut = 0;
        if (cut)
            break;
    }
    if (hc_grow_array((void **)&p->carry, &p->carrycap, len - cut, 1))
        goto nomem;
    if (len > cut)
        memcpy(p->carry, b->text + cut, len - cut);
    p->carrylen = len - cut;
    b->data = b->text;
    b->len = cut;
    return 0;
nomem:
    b->data = b->text;
    b->len = 0;
    b->read_status = HC_ERR_NOMEM;
    snprintf(b->read_msg, sizeof b->read_msg, "out of memory while reading");
    p->done = 1;
    return -1;
}

/* Opens path: mapped when it can be, else through zlib. */
static int producer_open(producer *p, const char *path, int header, int io_status,
                         hc_error *err)
{
    p->path = path;
    p->header = header;
    p->io_status = io_status;
    if (map_file(p))
        return 0;
    errno = 0;
    p->gz = gzopen(path, "rb");
    if (!p->gz)
        return hc_error_set_at(err, errno == ENOMEM ? HC_ERR_NOMEM : io_status, path, 0, 0,
                               "cannot open: %s", errno ? strerror(errno) : "out of memory");
    gzbuffer(p->gz, 1u << 17);
    return 0;
}

static void producer_next(producer *p, scan_block *b)
{
    if (p->map)
        map_block(p, b);
    else
        read_block(p, b);
}

/* Consumed text is never looked at again: unmapping it keeps the file's
 * pages out of this process's resident set (they stay in the page cache).
 * Only whole pages before the next block. */
static void producer_release(producer *p, const scan_block *b)
{
    if (!p->map)
        return;
    size_t end = (size_t)(b->data + b->len - p->map);
    size_t upto = end / p->page * p->page;
    if (upto > p->map_released) {
        munmap((void *)(uintptr_t)(p->map + p->map_released), upto - p->map_released);
        p->map_released = upto;
    }
}

/* Unmaps or closes the file; returns rc, or the close's error when rc is 0. */
static int producer_close(producer *p, int rc, hc_error *err)
{
    if (p->map && p->map_released < p->map_len)
        munmap((void *)(uintptr_t)(p->map + p->map_released),
               p->map_len - p->map_released);
    if (p->gz) {
        int zc = gzclose_r(p->gz);
        if (rc == 0 && zc != Z_OK)
            rc = hc_error_set_at(err, zc == Z_ERRNO ? p->io_status : HC_ERR_INVALID_INPUT,
                                 p->path, 0, 0, "truncated or unreadable gzip file");
    }
    free(p->carry);
    return rc;
}

/* ---- the pipeline ---------------------------------------------------------------- */

enum slot_state { SLOT_FREE, SLOT_READY, SLOT_PARSING, SLOT_DONE };

typedef struct pipeline {
    const scan_schema *sc;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nslots;
    scan_block *slots;
    int *state;
    uint64_t *seq;
    int shutdown;
} pipeline;

/* The READY slot that comes first in the file, or -1. Caller holds mu. */
static int first_ready(const pipeline *pl)
{
    int best = -1;
    for (int i = 0; i < pl->nslots; i++)
        if (pl->state[i] == SLOT_READY && (best < 0 || pl->seq[i] < pl->seq[best]))
            best = i;
    return best;
}

static void *worker_main(void *arg)
{
    pipeline *pl = arg;
    pthread_mutex_lock(&pl->mu);
    while (!pl->shutdown) {
        int s = first_ready(pl);
        if (s < 0) {
            pthread_cond_wait(&pl->cv, &pl->mu);
            continue;
        }
        pl->state[s] = SLOT_PARSING;
        pthread_mutex_unlock(&pl->mu);
        parse_block(pl->sc, &pl->slots[s]);
        pthread_mutex_lock(&pl->mu);
        pl->state[s] = SLOT_DONE;
        pthread_cond_broadcast(&pl->cv);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

static void free_block(scan_block *b)
{
    free(b->text);
    free(b->rows);
    free(b->keys);
    free(b->arena);
    free(b->fptr);
    free(b->flen);
    free(b->unq);
    free(b->chain);
}

int scan_file(const char *path, const scan_schema *sc, int threads,
              scan_consume_fn consume, void *ctx, hc_error *err)
{
    pipeline pl;
    producer prod;
    pthread_t tids[MAX_THREADS];
    int nworkers = 0, sync_ready = 0, rc = 0;
    memset(&pl, 0, sizeof pl);
    memset(&prod, 0, sizeof prod);
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    pl.sc = sc;
    /* Enough blocks in flight to keep every thread parsing while the
     * calling thread reads and consumes. */
    pl.nslots = threads == 1 ? 1 : 2 * threads + 1;
    pl.slots = calloc((size_t)pl.nslots, sizeof *pl.slots);
    pl.state = calloc((size_t)pl.nslots, sizeof *pl.state);
    pl.seq = calloc((size_t)pl.nslots, sizeof *pl.seq);
    if (!pl.slots || !pl.state || !pl.seq) {
        rc = hc_error_set_at(err, HC_ERR_NOMEM, path, 0, 0, "out of memory while reading");
        goto done;
    }
    for (int i = 0; i < pl.nslots; i++) {
        /* Written for every field of every row, by the thread parsing the
         * slot: on lines of their own, not shared with a neighbour's. */
        pl.slots[i].fptr = hc_alloc_lines(sc->ncols, sizeof *pl.slots[i].fptr);
        pl.slots[i].flen = hc_alloc_lines(sc->ncols, sizeof *pl.slots[i].flen);
        if (!pl.slots[i].fptr || !pl.slots[i].flen) {
            rc = hc_error_set_at(err, HC_ERR_NOMEM, path, 0, 0,
                                 "out of memory while reading");
            goto done;
        }
    }

    if ((rc = producer_open(&prod, path, sc->header, HC_ERR_IO, err)))
        goto done;

    if (threads > 1) {
        if (pthread_mutex_init(&pl.mu, NULL) != 0)
            threads = 1;
        else if (pthread_cond_init(&pl.cv, NULL) != 0) {
            pthread_mutex_destroy(&pl.mu);
            threads = 1;
        } else {
            sync_ready = 1;
        }
        for (int t = 1; t < threads && sync_ready; t++) {
            if (pthread_create(&tids[nworkers], NULL, worker_main, &pl) != 0)
                break; /* parse with the threads we got */
            nworkers++;
        }
    }

    uint64_t next_read = 0, next_consume = 0, line = 1;
    for (;;) {
        /* Read ahead into every free slot, in file order. */
        while (!prod.done && next_read - next_consume < (uint64_t)pl.nslots) {
            int s = (int)(next_read % (uint64_t)pl.nslots);
            producer_next(&prod, &pl.slots[s]);
            if (sync_ready)
                pthread_mutex_lock(&pl.mu);
            pl.seq[s] = next_read;
            pl.state[s] = SLOT_READY;
            if (sync_ready) {
                pthread_cond_broadcast(&pl.cv);
                pthread_mutex_unlock(&pl.mu);
            }
            next_read++;
        }
        if (next_consume == next_read)
            break;
        int s = (int)(next_consume % (uint64_t)pl.nslots);
        /* Wait for the next block in order, parsing blocks meanwhile. */
        if (sync_ready)
            pthread_mutex_lock(&pl.mu);
        while (pl.state[s] != SLOT_DONE) {
            int r = sync_ready ? first_ready(&pl) : s;
            if (r >= 0) {
                pl.state[r] = SLOT_PARSING;
                if (sync_ready)
                    pthread_mutex_unlock(&pl.mu);
                parse_block(sc, &pl.slots[r]);
                if (sync_ready)
                    pthread_mutex_lock(&pl.mu);
                pl.state[r] = SLOT_DONE;
                continue;
            }
            pthread_cond_wait(&pl.cv, &pl.mu);
        }
        if (sync_ready)
            pthread_mutex_unlock(&pl.mu);

        scan_block *b = &pl.slots[s];
        rc = consume(ctx, b, line);
        if (rc == 0 && b->status)
            rc = block_failure(b, path, line, err);
        if (rc == 0 && b->read_status)
            rc = hc_error_set_at(err, b->read_status, path, 0, 0, "%s", b->read_msg);
        line += b->nlines;
        producer_release(&prod, b);
        if (sync_ready)
            pthread_mutex_lock(&pl.mu);
        pl.state[s] = SLOT_FREE;
        if (sync_ready)
            pthread_mutex_unlock(&pl.mu);
        next_consume++;
        if (rc != 0)
            break;
    }
done:
    if (sync_ready) {
        pthread_mutex_lock(&pl.mu);
        pl.shutdown = 1;
        pthread_cond_broadcast(&pl.cv);
        pthread_mutex_unlock(&pl.mu);
    }
    for (int t = 0; t < nworkers; t++)
        pthread_join(tids[t], NULL);
    if (sync_ready) {
        pthread_cond_destroy(&pl.cv);
        pthread_mutex_destroy(&pl.mu);
    }
    rc = producer_close(&prod, rc, err);
    if (pl.slots)
        for (int i = 0; i < pl.nslots; i++)
            free_block(&pl.slots[i]);
    free(pl.slots);
    free(pl.state);
    free(pl.seq);
    return rc;
}

int scan_records(const char *path, int io_status, scan_record_fn fn, void *ctx,
                 hc_error *err)
{
    producer prod;
    scan_block b;
    memset(&prod, 0, sizeof prod);
    memset(&b, 0, sizeof b);
    record_sink sink = {fn, ctx, err, 1, 0};
    int rc = producer_open(&prod, path, 0, io_status, err);
    while (rc == 0 && !prod.done) {
        producer_next(&prod, &b);
        parse_records_block(&b, &sink);
        rc = sink.rc;
        if (rc == 0 && b.status)
            rc = block_failure(&b, path, sink.first_line, err);
        if (rc == 0 && b.read_status)
            rc = hc_error_set_at(err, b.read_status, path, 0, 0, "%s", b.read_msg);
        sink.first_line += b.nlines;
        producer_release(&prod, &b);
    }
    rc = producer_close(&prod, rc, err);
    free_block(&b);
    return rc;
}

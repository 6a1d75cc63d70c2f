/* The CSV scanner of the dataset reader (src/dataset) and the evaluate
 * reader (src/evalfiles).
 *
 * scan_file: the input (plain or gzip, through zlib) is cut into blocks of
 * whole rows (~1 MiB); each block is parsed on its own, into fixed-size
 * row records, possibly on another thread; the caller consumes the parsed
 * blocks in file order. scan_records: rows of any layout, one at a time.
 *
 * Parsing is strict RFC 4180: a quote inside an unquoted field, text after
 * a closing quote and a quoted field left open at the end of the file are
 * errors; fields are taken verbatim (no space trimming); CR, LF and CRLF
 * end rows; empty lines are skipped. */
#ifndef HC_DATASET_CSVSCAN_H
#define HC_DATASET_CSVSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/calendar.h"
#include "hindcast/error.h"

/* ---- the dataset reader: rows of a known layout, parsed in blocks ---- */

enum scan_role {
    ROLE_IGNORE = 0, /* string attribute that is not a chosen dimension */
    ROLE_ITEM,
    ROLE_TS,
    ROLE_TARGET,
    ROLE_DIM,
    ROLE_NUMBER,  /* another float attribute: validated, not kept */
    ROLE_INTEGER  /* another integer attribute: validated, not kept */
};

/* What the columns are; read-only while scanning. */
struct scan_block;

typedef struct scan_schema {
    size_t ncols;
    const unsigned char *role; /* enum scan_role per column */
    const size_t *dim_of_col;  /* for ROLE_DIM: position in the key */
    size_t ndims;
    size_t col_item, col_ts, col_target;
    int target_integer;
    hc_ts_format ts_format;
    const char *ts_expect;     /* the format, for messages */
    int header;                /* the first non-blank row is a header */
    /* Optional: run on the parsing thread after a block parsed without an
     * error, so that per-row work of the consumer (which runs on one
     * thread, in file order) can move to the parsing threads. It may fill
     * the block's `chain`. hook_ctx is shared by the threads: read only. */
    void (*after_parse)(const void *hook_ctx, struct scan_block *b);
    const void *hook_ctx;
} scan_schema;

/* One data row. The item key ("item_id\0dim1\0...dimk\0") is entry `key`
 * of the block's key table; consecutive rows with the same key share one
 * entry. */
typedef struct scan_row {
    int64_t ts;
    double value;          /* 0 when missing */
    unsigned key : 31;
    unsigned missing : 1;  /* target empty or NaN */
    uint32_t line;         /* physical line of the row's start, from the
                              block's first (a block is far shorter) */
} scan_row;

typedef struct scan_key {
    size_t off, len; /* in the block's arena; len counts every NUL */
    uint64_t hash;   /* hc_hash_bytes of the bytes */
} scan_key;

typedef struct scan_block {
    /* input: data[0..len), whole rows, except that the last block may end
     * without a line break; data is text (gzip or a stream) or a slice of
     * the mapped file */
    const char *data;
    char *text;
    size_t len, cap;
    int first;       /* the file's first block (a header may be pending) */
    int truncated;   /* the input ended in a read error right after this
                        text: an unterminated last row is only checked for
                        CSV syntax, as a row cut by the error */
    int read_status; /* that read error (0 when none), reported after it */
    char read_msg[HC_ERROR_MESSAGE_MAX];

    /* output */
    scan_row *rows;
    size_t nrows, rowscap;
    scan_key *keys;
    size_t nkeys, keyscap;
    char *arena;
    size_t arenalen, arenacap;
    uint64_t nlines;   /* line breaks in the block */
    int status;        /* first error in the block (0 when none); rows
                          before it are in rows[] */
    uint64_t err_line; /* its line, from the block's first */
    long err_col;      /* 1-based field number, 0 when none */
    char err_msg[HC_ERROR_MESSAGE_MAX];
    /* after_parse's per-row annotation (NULL or nrows entries; the dataset
     * reader's meaning: src/dataset/reader.c, annotate_chains) */
    uint32_t *chain;
    size_t chaincap;
    int chained;       /* chain holds this parse's nrows entries */

    /* scratch */
    const char **fptr;
    size_t *flen;      /* fields of the row being parsed */
    size_t fcap;       /* their room, for scan_records (scan_file: ncols) */
    char *unq;         /* unescaped quoted fields */
    size_t unqcap;
} scan_block;

/* Called on the calling thread for every parsed block in file order, with
 * the file line of the block's first line. Returns 0 to go on, > 0 to stop
 * early (scan_file then returns that value), or a negative status (err
 * filled) to fail. */
typedef int (*scan_consume_fn)(void *ctx, const scan_block *b,
                               uint64_t first_line);

/* Scans `path` with `threads` threads (<= 1: the calling thread alone).
 * Returns 0 at the end of the file, the consumer's positive stop value, or
 * a negative status with err naming file, line and column. */
int scan_file(const char *path, const scan_schema *schema, int threads,
              scan_consume_fn consume, void *ctx, hc_error *err);

/* ---- any rows, one at a time ---- */

/* One row: its fields in order, valid during the call only. They are not
 * NUL-terminated (a field may hold NUL bytes). */
typedef struct scan_record {
    size_t nfields;
    const char *const *field;
    const size_t *len;
    uint64_t line; /* physical line of the row's start, 1-based */
} scan_record;

/* Called for every non-blank row in file order. Returns 0 to go on, > 0
 * to stop early (scan_records then returns that value), or a negative
 * status with err filled. */
typedef int (*scan_record_fn)(void *ctx, const scan_record *r, hc_error *err);

/* Reads `path` as scan_file does (plain or gzip, the same syntax and
 * messages, a UTF-8 byte order mark dropped), on the calling thread, with
 * no layout: each row goes to fn as it is split. A file that cannot be
 * opened or read is `io_status` (the dataset reader's HC_ERR_IO). Returns
 * 0 at the end of the file, fn's positive stop value, or a negative status
 * with err naming file, line and column. */
int scan_records(const char *path, int io_status, scan_record_fn fn, void *ctx,
                 hc_error *err);

/* Fast paths of the row parser, exposed for their tests. Each returns 1
 * with exactly what the general parser (hc_parse_double,
 * hc_parse_timestamp) would give, or 0 to let the general parser decide
 * (and word any error). scan_fast_decimal: [-]digits[.digits], at most 15
 * digits. scan_fast_ts: yyyy-MM-dd or yyyy-MM-dd HH:mm:ss where fmt allows
 * it; the cache holds the last month's first day (start it with
 * SCAN_TS_CACHE_INIT). */
typedef struct scan_ts_cache {
    int64_t ym;
    int64_t month_start;
    int month_len;
} scan_ts_cache;

#define SCAN_TS_CACHE_INIT {INT64_MIN, 0, 0}

int scan_fast_decimal(const char *s, size_t n, double *out);
int scan_fast_ts(const char *s, size_t n, hc_ts_format fmt, scan_ts_cache *c,
                 int64_t *out);

#endif

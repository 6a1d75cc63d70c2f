/* hindcast: streaming part files (SPEC 2.3).
 *
 * A part writer writes rows into `<dir>/<prefix>_part<N><ext>`, N from 0,
 * each part starting with the header; a new part starts when the current one
 * would pass the size limit (a row is never split; a part always holds at
 * least one row after its header). Parts are written under hidden temporary
 * names (`.<final name>.tmp`) and only hc_part_writer_commit renames them to
 * their final names, so a failed or killed export leaves no final name. */
#ifndef HINDCAST_WRITER_H
#define HINDCAST_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HC_DEFAULT_PART_SIZE_LIMIT (256ull * 1024 * 1024)

/* Optional compression of part files (a hindcast extension: Amazon's
 * exports are plain CSV). With gzip every part is one gzip member; the
 * part size limit still counts the uncompressed bytes, so parts split at
 * the same rows as without compression. */
typedef enum hc_compression {
    HC_COMPRESSION_NONE = 0,
    HC_COMPRESSION_GZIP
} hc_compression;

#define HC_DEFAULT_COMPRESSION_LEVEL 1

typedef struct hc_part_writer hc_part_writer;

typedef struct hc_part_writer_options {
    const char *dir;        /* existing directory */
    const char *prefix;     /* "<JobName>_<ExportTimestamp>" */
    const char *extension;  /* ".csv" */
    const char *header;     /* header line, ending in '\n' */
    uint64_t part_size_limit; /* bytes; 0 -> HC_DEFAULT_PART_SIZE_LIMIT */
    hc_compression compression; /* HC_COMPRESSION_NONE by default */
    int compression_level;      /* gzip: 1 (fastest) .. 9; 0 -> 1 */
} hc_part_writer_options;

/* Opens part 0 (under its temporary name) and writes the header. A
 * temporary name that already exists (left by a killed export of the same
 * name, or in use by a concurrent one) is never overwritten: HC_ERR_IO. */
int hc_part_writer_open(hc_part_writer **out, const hc_part_writer_options *o,
                        hc_error *err);
/* Appends whole rows: [rows, rows+len) holds one or more complete CSV
 * rows, each ending in '\n' outside quotes (a quoted item key may hold a
 * line break). Rotation happens between rows. */
int hc_part_writer_write(hc_part_writer *w, const char *rows, size_t len,
                         hc_error *err);
/* How many bytes at the start of [p, p+n), which starts at a row, are
 * whole CSV rows: up to the last '\n' outside double quotes (0 if none). */
size_t hc_csv_whole_rows(const char *p, size_t n);

/* Flushes and closes the current part (fsync), keeping temporary names. */
int hc_part_writer_finish(hc_part_writer *w, hc_error *err);
/* After finish: renames every part to its final name (refusing to replace
 * an existing file: HC_ERR_ALREADY_EXISTS) and fsyncs the directory. */
int hc_part_writer_commit(hc_part_writer *w, hc_error *err);
/* Removes every temporary part not yet committed. */
void hc_part_writer_abort(hc_part_writer *w);
size_t hc_part_writer_part_count(const hc_part_writer *w);
/* Total bytes written (all parts, headers included; before compression). */
uint64_t hc_part_writer_bytes(const hc_part_writer *w);
void hc_part_writer_free(hc_part_writer *w); /* aborts if not committed; NULL-safe */

/* Writes `<dir>/<name>` atomically (temporary name, fsync, rename, fsync
 * dir), e.g. the _CHECK marker. An existing file is replaced (readers see
 * the old or the new content, never a mix); the temporary name
 * `.<name>.<pid>.<n>.tmp` is private to the call. `name` may contain '/'. */
int hc_write_file_atomic(const char *dir, const char *name, const char *data,
                         size_t len, hc_error *err);

#ifdef __cplusplus
}
#endif
#endif

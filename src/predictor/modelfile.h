/* Model-file writing (internal to the predictor module). */
#ifndef HC_PREDICTOR_MODELFILE_H
#define HC_PREDICTOR_MODELFILE_H

#include "hindcast/buf.h"
#include "predictor/predictor.h"

/* Serialises one entry (fit may be NULL unless state is HC_WIN_FITTED). */
int hc_model_entry_append(hc_buf *out, hc_window_state state,
                          const hc_fitted *fit);

typedef struct hc_model_writer hc_model_writer;
int hc_model_writer_open(hc_model_writer **out, const char *path, size_t nitems,
                         int nwindows, hc_error *err);
int hc_model_writer_append(hc_model_writer *w, const char *entries, size_t len,
                           hc_error *err);
/* Writes the footer, fsyncs, renames into place, frees w. */
int hc_model_writer_commit(hc_model_writer *w, hc_error *err);
void hc_model_writer_abort(hc_model_writer *w); /* NULL-safe, frees w */

#endif

/* Pagination tokens that expire and cannot be forged (internal).
 *
 * A token carries an expiry time, a hash of the request's filters and the
 * sort key of the last item returned, authenticated with SipHash-2-4 under
 * a random key kept in the workspace (<workspace>/secret). A token that was
 * altered, belongs to other filters, or has expired is refused with
 * InvalidNextTokenException. */
#ifndef HC_SERVICE_TOKEN_H
#define HC_SERVICE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "hindcast/error.h"

#define HC_TOKEN_LIFETIME (24 * 3600)

/* SipHash-2-4 of data under a 16-byte key (Aumasson & Bernstein 2012). */
uint64_t hc_siphash24(const uint8_t key[16], const void *data, size_t len);

/* Reads (creating it on first use) the workspace's 16-byte secret. */
int hc_token_secret(const char *root, uint8_t key[16], hc_error *err);

/* malloc'd token for (expiry, filter hash, last key). */
char *hc_token_make(const uint8_t key[16], int64_t expiry, uint64_t filters,
                    const char *last_key);
/* Verifies and decodes; *last_key is malloc'd. HC_ERR_INVALID_TOKEN when
 * the token is malformed, forged, for other filters, or expired at `now`. */
int hc_token_read(const uint8_t key[16], const char *token, int64_t now,
                  uint64_t filters, char **last_key, hc_error *err);

#endif

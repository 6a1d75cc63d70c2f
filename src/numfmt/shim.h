/* Private to numfmt: the two C++ shims around header-only libraries.
 * Each is a single extern "C" function so that the C side never sees C++
 * and the shims need nothing from libstdc++ at link time. */
#ifndef HC_NUMFMT_SHIM_H
#define HC_NUMFMT_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Shortest decimal sig * 10^*exp10 that reads back to |x| under IEEE
 * round-to-nearest-even, the closest to |x| among the shortest (ties to an
 * even last digit), trailing zeros removed. x must be finite and non-zero;
 * its sign is ignored. */
uint64_t numfmt_shortest(double x, int *exp10);

/* Parses an unsigned decimal number (digits, optional '.', optional
 * exponent; no sign, no inf/nan) that must fill [first, last) exactly.
 * Returns 0 and sets *out, or -1. Out-of-range values become infinity or
 * zero, as strtod would return them. */
int numfmt_parse_unsigned(const char *first, const char *last, double *out);

#ifdef __cplusplus
}
#endif
#endif

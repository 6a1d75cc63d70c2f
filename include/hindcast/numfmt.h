/* hindcast: number text, in and out.
 *
 * Output follows Java's Double.toString (JDK 19+ specification): the
 * shortest decimal that reads back to the same double (when the shortest
 * has one digit, the closest of the one- and two-digit decimals), written
 * plain with at least one fractional digit when 1e-3 <= |x| < 1e7
 * ("0.4800006261226423", "42.0", "0.0"), otherwise as "d.dddE<exp>"
 * ("2.295408381527212E-4", "1.0E7", "4.9E-324"); "-0.0", "NaN",
 * "Infinity", "-Infinity". */
#ifndef HINDCAST_NUMFMT_H
#define HINDCAST_NUMFMT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest text hc_format_double can write, without the terminating NUL. */
#define HC_DOUBLE_TEXT_MAX 32

/* Writes x as Java's Double.toString would into buf (at least
 * HC_DOUBLE_TEXT_MAX + 1 bytes), NUL-terminated; returns the length. */
size_t hc_format_double(char *buf, double x);

/* Parses the whole of [text, text+len) as a decimal floating-point number
 * (optional sign, digits, '.', exponent; also "NaN", "Infinity",
 * "-Infinity", "inf", "nan" in any case). Leading/trailing spaces are NOT
 * accepted. Returns 0 and sets *out on success, -1 when the text is not a
 * number in full (then *out is left alone). Locale-independent.
 * Details: "1.", ".5", "1E+05", a leading '+' and "infinity" are accepted;
 * hexadecimal, "nan(...)", Java's 'd'/'f' suffixes are not; a signed NaN
 * reads as NaN; values beyond the range read as +-Infinity or +-0, as
 * strtod would return them. */
int hc_parse_double(const char *text, size_t len, double *out);

#ifdef __cplusplus
}
#endif
#endif

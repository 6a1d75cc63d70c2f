/* Binary -> shortest decimal through dragonbox (header-only).
 *
 * Policy choices, spelled out although they are dragonbox's defaults,
 * because Java's Double.toString depends on each of them:
 * - decimal_to_binary_rounding::nearest_to_even: the interval of decimals
 *   that "round to x" is the one of IEEE round-to-nearest-even, so its
 *   bounds belong to it exactly when x's significand is even (Java's R).
 * - binary_to_decimal_rounding::to_even: among shortest candidates the one
 *   closest to x, an exact tie going to the even last digit (Java's rule).
 * - trailing_zero::remove: Java prints d with the fewest digits.
 * - sign::ignore: the caller writes the sign.
 * - cache::full: the uncompressed power-of-ten table is the faster one. */
#include "shim.h"

#include <dragonbox/dragonbox.h>

extern "C" uint64_t numfmt_shortest(double x, int *exp10)
{
    namespace pol = jkj::dragonbox::policy;
    auto r = jkj::dragonbox::to_decimal(
        x, pol::sign::ignore, pol::trailing_zero::remove,
        pol::decimal_to_binary_rounding::nearest_to_even,
        pol::binary_to_decimal_rounding::to_even, pol::cache::full);
    *exp10 = r.exponent;
    return r.significand;
}

/* Decimal text -> double through fast_float (header-only): exact
 * round-to-nearest-even, locale independent, no allocation. */
#include "shim.h"

#include <fast_float/fast_float.h>

extern "C" int numfmt_parse_unsigned(const char *first, const char *last,
                                     double *out)
{
    double v = 0.0;
    fast_float::from_chars_result r =
        fast_float::from_chars(first, last, v, fast_float::chars_format::general);
    /* fast_float 3.x reports overflow/underflow as success with inf/0; a
     * newer one may say result_out_of_range while still storing the value:
     * both mean "a number, too big or too small", as for strtod. */
    if (r.ptr != last)
        return -1;
    if (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)
        return -1;
    *out = v;
    return 0;
}

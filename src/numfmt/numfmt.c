/* Number text in and out: Java's Double.toString layout over dragonbox's
 * shortest digits, and whole-field parsing over fast_float. */
#include "hindcast/numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "numfmt/shim.h"

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Exactly 8 digits of v < 10^8 (leading zeros kept) at p: two independent
 * halves, each two digit pairs, so the multiplications overlap instead of
 * forming one chain of divisions by 100. */
static void put8(char *p, uint32_t v)
{
    uint32_t a = v / 10000, b = v % 10000;
    memcpy(p, digit_pairs + 2 * (a / 100), 2);
    memcpy(p + 2, digit_pairs + 2 * (a % 100), 2);
    memcpy(p + 4, digit_pairs + 2 * (b / 100), 2);
    memcpy(p + 6, digit_pairs + 2 * (b % 100), 2);
}

/* Writes the decimal digits of v (at most 20) at the END of tmp[0..20) and
 * returns the count; the digits start at tmp + 20 - count. A shortest
 * double has up to 17 digits: the low 8 (and the next 8) are cut off first
 * and written whole. */
static int digits_of(uint64_t v, char tmp[20])
{
    char *p = tmp + 20;
    for (int pass = 0; pass < 2 && v >= 100000000u; pass++) {
        uint64_t hi = v / 100000000u;
        p -= 8;
        put8(p, (uint32_t)(v - hi * 100000000u));
        v = hi;
    }
    uint32_t u = (uint32_t)v; /* below 10^8 now: 2^64 < 10^20 */
    while (u >= 100) {
        uint32_t r = u % 100;
        u /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * u, 2);
    } else {
        *--p = (char)('0' + (int)u);
    }
    return (int)(tmp + 20 - p);
}

static uint64_t double_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* Java's m == 1 rule: when the shortest decimal has one digit, Java picks
 * the closest to x among all one- AND two-digit decimals that read back
 * to x (its R). Every one-digit decimal a*10^E is also the two-digit
 * a0*10^(E-1), so the closest two-digit decimal d2 (the correctly rounded
 * "%.1e", which glibc computes exactly) is the answer whenever it reads
 * back to x. When it does not, the one-digit d1 stands: for a subnormal R
 * is symmetric around x with half-width h, d2 outside R means the
 * two-digit spacing is at least 2h, so R holds at most one two-digit
 * decimal, d1. No exact tie between two-digit decimals can occur: x =
 * c*2^-1074 has hundreds of significant digits.
 *
 * Only subnormals can change: for a normal x with one-digit shortest
 * d1 = a*10^E, the two-digit spacing 10^(E-1) exceeds R's width (one
 * binary ulp <= x/2^52 < 10^(E+1)/2^52), so d1 is the only candidate.
 * Subnormals with a one-digit shortest are rare, so snprintf's cost does
 * not matter. The candidate is read back with our own locale-free parser,
 * and snprintf's decimal point is skipped rather than assumed to be '.'. */
static uint64_t two_digit_rule(double ax, uint64_t sig, int *exp10)
{
    char t[40];
    int n = snprintf(t, sizeof t, "%.1e", ax);
    if (n < 5 || n >= (int)sizeof t)
        return sig;
    const char *p = t;
    if (*p < '0' || *p > '9')
        return sig;
    unsigned d0 = (unsigned)(*p++ - '0');
    while (*p && (*p < '0' || *p > '9'))
        p++; /* the locale's decimal point, whatever its bytes */
    if (*p < '0' || *p > '9')
        return sig;
    unsigned d1 = (unsigned)(*p++ - '0');
    if (*p != 'e')
        return sig;
    p++;
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    int e = 0;
    while (*p >= '0' && *p <= '9')
        e = e * 10 + (*p++ - '0');
    if (*p != '\0')
        return sig;
    if (neg)
        e = -e;

    /* "DDe<e-1>": digits without a decimal point, for the exact reader. */
    char c[16];
    int m = snprintf(c, sizeof c, "%u%ue%d", d0, d1, e - 1);
    double back;
    if (m <= 0 || m >= (int)sizeof c || numfmt_parse_unsigned(c, c + m, &back) != 0 ||
        back != ax)
        return sig;
    if (d1 == 0) {
        *exp10 = e;
        return d0;
    }
    *exp10 = e - 1;
    return (uint64_t)(d0 * 10 + d1);
}

size_t hc_format_double(char *buf, double x)
{
    uint64_t bits = double_bits(x);
    int neg = (int)(bits >> 63);
    uint64_t biased = (bits >> 52) & 0x7ff;
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    char *p = buf;

    if (biased == 0x7ff) {
        static const char *const special[] = {"Infinity", "-Infinity", "NaN"};
        const char *s = frac != 0 ? special[2] : special[neg];
        size_t len = strlen(s);
        memcpy(buf, s, len + 1);
        return len;
    }
    if (neg)
        *p++ = '-';
    if (biased == 0 && frac == 0) {
        memcpy(p, "0.0", 4);
        return (size_t)(p - buf) + 3;
    }

    int e10;
    double ax = neg ? -x : x;
    uint64_t sig = numfmt_shortest(ax, &e10);
    if (biased == 0 && sig < 10)
        sig = two_digit_rule(ax, sig, &e10);

    char tmp[20];
    int n = digits_of(sig, tmp);
    const char *d = tmp + 20 - n;
    /* value = 0.d1d2...dn * 10^k, as in Java's layout rules */
    int k = e10 + n;

    if (k > 0 && k <= 7) {
        /* 1 <= value < 10^7: integer digits, '.', at least one fraction digit */
        if (n <= k) {
            memcpy(p, d, (size_t)n);
            p += n;
            memset(p, '0', (size_t)(k - n));
            p += k - n;
            memcpy(p, ".0", 2);
            p += 2;
        } else {
            memcpy(p, d, (size_t)k);
            p += k;
            *p++ = '.';
            memcpy(p, d + k, (size_t)(n - k));
            p += n - k;
        }
    } else if (k > -3 && k <= 0) {
        /* 10^-3 <= value < 1: "0.", -k zeros, the digits */
        memcpy(p, "0.00", (size_t)(2 - k));
        p += 2 - k;
        memcpy(p, d, (size_t)n);
        p += n;
    } else {
        /* d.ddd E exponent, no '+' */
        *p++ = d[0];
        *p++ = '.';
        if (n == 1) {
            *p++ = '0';
        } else {
            memcpy(p, d + 1, (size_t)(n - 1));
            p += n - 1;
        }
        *p++ = 'E';
        int e = k - 1;
        if (e < 0) {
            *p++ = '-';
            e = -e;
        }
        char et[20];
        int en = digits_of((uint64_t)e, et);
        memcpy(p, et + 20 - en, (size_t)en);
        p += en;
    }
    *p = '\0';
    return (size_t)(p - buf);
}

/* Case-insensitive match of [s, s+len) against a lower-case word. */
static int word_is(const char *s, size_t len, const char *word)
{
    size_t wl = strlen(word);
    if (len != wl)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

int hc_parse_double(const char *text, size_t len, double *out)
{
    if (text == NULL || len == 0)
        return -1;
    const char *p = text;
    const char *end = text + len;
    int neg = 0;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (p == end)
        return -1;
    double v;
    if ((*p >= '0' && *p <= '9') || *p == '.') {
        /* the sign was taken off here: fast_float would otherwise accept a
         * second one ("+-1") and reject a lone '+' */
        if (numfmt_parse_unsigned(p, end, &v) != 0)
            return -1;
    } else {
        size_t rest = (size_t)(end - p);
        if (word_is(p, rest, "nan")) {
            *out = (double)NAN;
            return 0;
        }
        if (!word_is(p, rest, "inf") && !word_is(p, rest, "infinity"))
            return -1;
        v = (double)INFINITY;
    }
    *out = neg ? -v : v;
    return 0;
}

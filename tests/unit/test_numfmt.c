/* numfmt: Java Double.toString output, whole-field parsing.
 *
 * Expected strings come from Java's specification worked by hand (see the
 * comments), from values quoted by the JDK 19 release notes, and from a
 * real Amazon Forecast export; the property tests check every output
 * against an oracle built only from glibc's exactly rounded printf/strtod. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hc_check.h"
#include "hindcast/numfmt.h"

/* Check's ck_assert_* write a progress mark down a pipe on every success,
 * a system call each; the property loops assert millions of times, so they
 * only talk to Check when something fails. */
#define REQUIRE(cond, ...)                                                     \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg(__VA_ARGS__);                                         \
    } while (0)

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static const char *fmt(double x)
{
    static char buf[HC_DOUBLE_TEXT_MAX + 1];
    size_t n = hc_format_double(buf, x);
    REQUIRE(n == strlen(buf) && n <= HC_DOUBLE_TEXT_MAX, "%s: bad length %zu", buf, n);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Known outputs                                                       */

struct known {
    double x;
    const char *want;
};

static const struct known known_values[] = {
    {0.0, "0.0"},
    {-0.0, "-0.0"},
    {(double)INFINITY, "Infinity"},
    {-(double)INFINITY, "-Infinity"},
    {1.0, "1.0"},
    {-1.0, "-1.0"},
    {42.0, "42.0"},
    {100.0, "100.0"}, /* integer: trailing zeros are not digits of d */
    {0.5, "0.5"},
    {-1.5, "-1.5"},
    {0.1, "0.1"},
    {0.3, "0.3"},
    {123.456, "123.456"},
    {1234567.0, "1234567.0"},
    /* layout bounds: plain iff 1e-3 <= |d| < 1e7 */
    {0.001, "0.001"},
    {0.0001, "1.0E-4"},
    {0.00099999, "9.9999E-4"},
    {1e-5, "1.0E-5"},
    {-2.5e-7, "-2.5E-7"},
    {9999999.0, "9999999.0"},
    {9999999.999, "9999999.999"},
    {1e7, "1.0E7"},
    {1.0000001e7, "1.0000001E7"},
    {123456789.0, "1.23456789E8"},
    {1e21, "1.0E21"},
    {1e22, "1.0E22"},
    {1.5e300, "1.5E300"},
    /* 0.1 + 0.2 = 0.3000000000000000444..., ulp 5.55e-17: 0.3 reads back
     * to 0.29999999999999998890, so 17 digits are needed */
    {0.1 + 0.2, "0.30000000000000004"},
    /* 1/3 = 0.333333333333333314829616256247...; ulp 5.55e-17, so the 16
     * digit 0.3333333333333333 (off by 1.5e-17) reads back, 15 do not */
    {1.0 / 3, "0.3333333333333333"},
    {2.0 / 3, "0.6666666666666666"},
    /* (double)0.1f = 0.100000001490116119384765625 */
    {(double)0.1f, "0.10000000149011612"},
    {DBL_MAX, "1.7976931348623157E308"},
    {DBL_MIN, "2.2250738585072014E-308"},
    /* 1e23's double is 99999999999999991611392 = 1e23 - 2^23, and its ulp
     * is 2^24: 1e23 lies exactly on the rounding boundary, the significand
     * is even, so the boundary belongs to R and "1.0E23" reads back. The
     * same holds for 2e23 (double = 2e23 - 2^24, ulp 2^25): "2.0E23" (JDK
     * 19 release note; older JDKs printed 1.9999999999999998E23). */
    {1e23, "1.0E23"},
    {2e23, "2.0E23"},
    /* 2^63 = 9223372036854775808, ulp 2048 (lower gap 1024): 16 digits
     * ...776E18 are off by 192 (inside), 15 digits off by 4192 */
    {9223372036854775808.0, "9.223372036854776E18"},
    /* 2^53 is exact with 16 digits; 15 would be off by 8 > ulp/4 */
    {9007199254740992.0, "9.007199254740992E15"},
    /* exact ties: in [2^50, 2^51) the ulp is 1/4, so R = [x - 1/8, x + 1/8].
     * x = 1394865425023536.25: no integer (16 digits) is within 1/8, the 17
     * digit neighbours .2 and .3 are both 0.05 away: the even one wins.
     * x = ...536.75: .7 and .8 tie, .8 is even. */
    {1394865425023536.25, "1.3948654250235362E15"},
    {1394865425023536.75, "1.3948654250235368E15"},
    /* values from a real Amazon Forecast backtest export */
    {0.08422470160000001, "0.08422470160000001"},
    {2.295408381527212E-4, "2.295408381527212E-4"},
    {0.4800006261226423, "0.4800006261226423"},
};

struct known_bits {
    uint64_t bits;
    const char *want;
};

/* Subnormals are c * 2^-1074 with 2^-1074 = 4.9406564584124654e-324.
 * For c <= 20 Java's "m == 1" rule matters: R = [x - 2.47e-324,
 * x + 2.47e-324] (open when c is odd); when a one-digit decimal is in R,
 * the closest of the one- and two-digit decimals in R is printed. */
static const struct known_bits known_bit_values[] = {
    {UINT64_C(0x7ff8000000000000), "NaN"},
    {UINT64_C(0xfff8000000000001), "NaN"}, /* sign and payload are not shown */
    /* c=1: x = 4.94e-324, 5e-324 is in R but 4.9e-324 is closer */
    {UINT64_C(1), "4.9E-324"},
    /* c=2: x = 9.88e-324, 1e-323 in R, 9.9e-324 closer */
    {UINT64_C(2), "9.9E-324"},
    /* c=3: x = 14.82e-324, R = (12.35, 17.29)e-324 holds no one-digit
     * decimal; closest two-digit is 1.5e-323 */
    {UINT64_C(3), "1.5E-323"},
    /* c=4: x = 19.76e-324, 2e-323 in R and also the closest two-digit */
    {UINT64_C(4), "2.0E-323"},
    /* c=10: x = 49.41e-324: 5e-323 in R, 4.9e-323 closer */
    {UINT64_C(10), "4.9E-323"},
    /* c=12: 59.29e-324 -> 5.9E-323; c=20: 98.81e-324 -> 9.9E-323 */
    {UINT64_C(12), "5.9E-323"},
    {UINT64_C(20), "9.9E-323"},
    /* c=21: x = 103.75e-324, R = (101.28, 106.22)e-324: neither 1e-322 nor
     * 1.1e-322 is in R, 1.04e-322 is the closest 3-digit one */
    {UINT64_C(21), "1.04E-322"},
    /* largest subnormal: (2^52 - 1) * 2^-1074 = 2.2250738585072009e-308 */
    {UINT64_C(0x000fffffffffffff), "2.225073858507201E-308"},
    /* the double just below 0.001 (= 0.0009999999999999998047...): 16
     * digits 9.999999999999998E-4 are off by 5e-21 < half ulp 1.08e-19 */
    {UINT64_C(0x3f50624dd2f1a9fb), "9.999999999999998E-4"},
    /* the double just below 1e7 (= 1e7 - 2^-29 = 9999999.99999999813735...) */
    {UINT64_C(0x416312cfffffffff), "9999999.999999998"},
};

START_TEST(known_java_strings)
{
    for (size_t i = 0; i < sizeof known_values / sizeof known_values[0]; i++)
        ck_assert_msg(strcmp(fmt(known_values[i].x), known_values[i].want) == 0,
                      "value #%zu: got %s, want %s", i, fmt(known_values[i].x),
                      known_values[i].want);
    for (size_t i = 0; i < sizeof known_bit_values / sizeof known_bit_values[0]; i++) {
        double x = from_bits(known_bit_values[i].bits);
        ck_assert_msg(strcmp(fmt(x), known_bit_values[i].want) == 0,
                      "bits #%zu: got %s, want %s", i, fmt(x), known_bit_values[i].want);
    }
}
END_TEST

START_TEST(negative_mirrors_positive)
{
    static const double xs[] = {1e-300, 0.001, 0.5, 3.0, 1e7, 1e300, 4.9e-324};
    char pos[HC_DOUBLE_TEXT_MAX + 1];
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        hc_format_double(pos, xs[i]);
        const char *neg = fmt(-xs[i]);
        ck_assert_int_eq(neg[0], '-');
        ck_assert_str_eq(neg + 1, pos);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Oracle helpers: glibc printf rounds exactly (ties to even), strtod    */
/* reads exactly.                                                        */

/* Digits and exponent of "%.{p-1}e": value = digits * 10^exp10, with
 * exactly p digits. */
static void rounded(double ax, int p, char *digits, int *exp10)
{
    char t[64];
    snprintf(t, sizeof t, "%.*e", p - 1, ax);
    int j = 0;
    const char *s = t;
    for (; *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[j++] = *s;
    digits[j] = '\0';
    REQUIRE(j == p, "printf gave %d digits, not %d", j, p);
    *exp10 = atoi(s + 1) - (p - 1);
}

static double read_decimal(const char *digits, int exp10)
{
    char t[64];
    snprintf(t, sizeof t, "%se%d", digits, exp10);
    return strtod(t, NULL);
}

/* Adds +1 or -1 to a decimal digit string in place; the result may lose
 * or need a leading digit, handled by returning a fresh string. */
static void step_digits(const char *in, int delta, char *out)
{
    unsigned long long v = strtoull(in, NULL, 10);
    v = delta > 0 ? v + 1 : v - 1;
    snprintf(out, 24, "%llu", v);
}

/* Whether some decimal with p significant digits reads back to ax: the two
 * p-digit neighbours of ax (below and above) are the only candidates, R
 * being an interval around ax. */
static int some_p_digit_reads_back(double ax, int p)
{
    char d[32], o[32];
    int e;
    rounded(ax, p, d, &e);
    double r = read_decimal(d, e);
    if (r == ax)
        return 1;
    step_digits(d, r < ax ? +1 : -1, o);
    return read_decimal(o, e) == ax;
}

/* Splits Java text into significant digits (no leading or trailing zeros)
 * and the decimal exponent of the last one, checking the layout rules on
 * the way. Returns the digit count. */
static int check_layout(const char *s, double x, char *sig, int *exp10)
{
    int neg = s[0] == '-';
    REQUIRE(neg == (signbit(x) != 0), "%s: wrong sign", s);
    const char *p = s + neg;
    double ax = fabs(x);
    const char *E = strchr(p, 'E');
    int plain = ax >= 1e-3 && ax < 1e7;
    REQUIRE(plain == (E == NULL), "%s: layout does not match magnitude", s);

    const char *dot = strchr(p, '.');
    REQUIRE(dot != NULL && dot > p, "%s: no integer part", s);
    const char *frac_end = E ? E : p + strlen(p);
    REQUIRE(frac_end > dot + 1, "%s: empty fraction", s);
    for (const char *q = p; q < frac_end; q++)
        REQUIRE(q == dot || (*q >= '0' && *q <= '9'), "%s: bad char", s);
    /* at least one fraction digit, a lone "0" only when nothing else */
    REQUIRE(frac_end == dot + 2 || frac_end[-1] != '0', "%s: trailing zero", s);
    if (E) {
        REQUIRE(dot == p + 1 && *p != '0', "%s: not d.ddd", s);
        const char *q = E + 1;
        if (*q == '-')
            q++;
        REQUIRE(*q >= '1' && *q <= '9', "%s: bad exponent", s);
        for (const char *r = q; *r; r++)
            REQUIRE(*r >= '0' && *r <= '9', "%s: bad exponent", s);
        int e = atoi(E + 1);
        REQUIRE(e >= 7 || e <= -4, "%s: E form inside plain range", s);
    } else {
        REQUIRE(*p != '0' || dot == p + 1, "%s: leading zero", s);
    }

    /* all digits, then strip leading and trailing zeros */
    char all[40];
    int n = 0, int_digits = (int)(dot - p);
    for (const char *q = p; q < frac_end; q++)
        if (q != dot)
            all[n++] = *q;
    int lead = 0;
    while (lead < n - 1 && all[lead] == '0')
        lead++;
    int last = n - 1;
    while (last > lead && all[last] == '0')
        last--;
    int cnt = last - lead + 1;
    memcpy(sig, all + lead, (size_t)cnt);
    sig[cnt] = '\0';
    /* exponent of the digit at index `last` of `all` */
    *exp10 = (int_digits - 1 - last) + (E ? atoi(E + 1) : 0);
    return cnt;
}

static int is_subnormal(double ax) { return ax < DBL_MIN; }

/* One value through every property; returns 1 when the output used the
 * two-digit form although a one-digit decimal reads back (Java's m == 1
 * rule). */
static int check_value(double x)
{
    const char *s = fmt(x);
    double back;
    REQUIRE(hc_parse_double(s, strlen(s), &back) == 0, "%s: own parser rejects", s);
    REQUIRE(to_bits(back) == to_bits(x), "%s: does not read back (%a)", s, x);
    REQUIRE(to_bits(strtod(s, NULL)) == to_bits(x), "%s: strtod disagrees", s);
    if (x == 0)
        return 0;

    char sig[40];
    int e;
    int n = check_layout(s, x, sig, &e);
    double ax = fabs(x);
    int two_digit_rule = 0;

    /* shortest: no decimal with n - 1 digits reads back (Java's m == 1
     * rule lets subnormals print two digits where one would do) */
    if (n >= 2 && some_p_digit_reads_back(ax, n - 1)) {
        REQUIRE(n == 2 && is_subnormal(ax), "%s: not shortest", s);
        two_digit_rule = 1;
    }
    /* closest: the correctly rounded n-digit decimal when it reads back;
     * for a one-digit result of a subnormal, no two-digit decimal may be
     * closer */
    int p = n;
    if (n == 1 && is_subnormal(ax))
        p = 2;
    char c[40];
    int ce;
    rounded(ax, p, c, &ce);
    if (read_decimal(c, ce) == ax) {
        /* compare as values: c may carry a trailing zero */
        int cl = (int)strlen(c);
        while (cl > 1 && c[cl - 1] == '0') {
            c[--cl] = '\0';
            ce++;
        }
        REQUIRE(strcmp(c, sig) == 0 && ce == e, "%s: not the closest (%se%d)", s, c,
                      ce);
    }
    return two_digit_rule;
}

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t next_rand(void)
{
    /* xorshift64*: fixed seed, reproducible failures */
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * UINT64_C(2685821657736338717);
}

static long property_count(void)
{
    const char *env = getenv("HC_NUMFMT_PROPERTY_N");
    long n = env ? atol(env) : 0;
    return n > 0 ? n : 1000000;
}

START_TEST(random_bit_patterns)
{
    long n = property_count();
    for (long i = 0; i < n; i++) {
        double x = from_bits(next_rand());
        if (!isfinite(x))
            continue;
        check_value(x);
    }
}
END_TEST

static const double pow10s[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

START_TEST(random_typical_values)
{
    long n = property_count();
    for (long i = 0; i < n; i++) {
        uint64_t r = next_rand();
        double x;
        switch (i % 6) {
        case 0: /* uniform in [0, 1) */
            x = (double)(r >> 11) * 0x1p-53;
            break;
        case 1: /* short decimals such as prices and demand: k / 10^j */
            x = (double)(r % 1000000000u) / pow10s[(r >> 40) % 10];
            break;
        case 2: /* wide magnitudes: mantissa in [1, 10) times 10^[-12, 12] */
            x = (1.0 + 9.0 * (double)(r >> 11) * 0x1p-53) *
                pow(10.0, (double)((int)((r >> 3) % 25) - 12));
            break;
        case 3: /* small integers and their negatives */
            x = (double)(int64_t)(r % 2000001) - 1000000.0;
            break;
        case 4: { /* a few ulps around the layout bounds and powers of ten */
            double base = pow(10.0, (double)((int)(r % 41) - 20));
            if (r & 1)
                base = (r & 2) ? 1e-3 : 1e7;
            x = base;
            for (int k = (int)((r >> 8) % 9) - 4; k != 0; k += k > 0 ? -1 : 1)
                x = nextafter(x, k > 0 ? (double)INFINITY : 0.0);
            break;
        }
        default: /* ratios of small integers: long repeating decimals */
            x = (double)(r % 1000 + 1) / (double)((r >> 20) % 999 + 1);
            break;
        }
        if (r >> 63)
            x = -x;
        check_value(x);
    }
}
END_TEST

/* All subnormals c * 2^-1074 for c < 200000, with their negatives. By the
 * hand analysis in known_bit_values, the two-digit rule changes the output
 * exactly for c in {1, 2, 10, 12, 14, 16, 18, 20}: only there is a
 * one-digit decimal inside R while a different two-digit decimal is
 * closer (for larger c the two-digit spacing, >= 1e-323, exceeds R's
 * width 4.94e-324). */
START_TEST(small_subnormals)
{
    static const uint64_t rule_cases[] = {1, 2, 10, 12, 14, 16, 18, 20};
    size_t found = 0;
    for (uint64_t c = 1; c < 200000; c++) {
        int used = check_value(from_bits(c));
        REQUIRE(check_value(-from_bits(c)) == used, "c=%llu: sign changes the digits", (unsigned long long)c);
        if (used) {
            REQUIRE(found < 8 && rule_cases[found] == c,
                          "two-digit rule at unexpected c=%llu", (unsigned long long)c);
            found++;
        }
    }
    ck_assert_uint_eq(found, 8);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Parsing                                                               */

static int parse(const char *s, double *out) { return hc_parse_double(s, strlen(s), out); }

struct parsed {
    const char *text;
    double want;
};

START_TEST(parse_accepts)
{
    static const struct parsed ok[] = {
        {"0", 0.0},
        {"42", 42.0},
        {"+42", 42.0},
        {"-42", -42.0},
        {"1.", 1.0},
        {".5", 0.5},
        {"+.5", 0.5},
        {"-.5", -0.5},
        {"1e5", 1e5},
        {"1E+05", 1e5},
        {"1e-05", 1e-5},
        {"00012", 12.0},
        {"0.1", 0.1},
        {"1.0E7", 1e7},
        {"2.295408381527212E-4", 2.295408381527212E-4},
        {"0.30000000000000004", 0.30000000000000004},
        {"1.7976931348623157E308", DBL_MAX},
        /* beyond the range: strtod's answers (Java's parseDouble agrees) */
        {"1e400", (double)INFINITY},
        {"-1e400", -(double)INFINITY},
        {"1e99999999999999999999", (double)INFINITY}, /* exponent past int range */
        {"1e-99999999999999999999", 0.0},
        {"0e99999999999999999999", 0.0},
        {"000000000000000000000000000000000001.5", 1.5},
        /* 2^53 + 1 is halfway between 2^53 and 2^53 + 2: ties to even */
        {"9007199254740993", 9007199254740992.0},
        /* 1 + 2^-53 exactly, halfway between 1 and 1 + 2^-52: ties to even;
         * one more unit in the last place rounds up */
        {"1.00000000000000011102230246251565404236316680908203125", 1.0},
        {"1.00000000000000011102230246251565404236316680908203126", 1.0000000000000002},
        /* the value that once hung PHP and Java: below the midpoint
         * 2.2250738585072011360e-308 of the largest subnormal and DBL_MIN */
        {"2.2250738585072011e-308", 2.2250738585072009e-308},
        {"Infinity", (double)INFINITY},
        {"+Infinity", (double)INFINITY},
        {"-Infinity", -(double)INFINITY},
        {"inf", (double)INFINITY},
        {"-INF", -(double)INFINITY},
        {"infinity", (double)INFINITY},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = -7.0;
        ck_assert_msg(parse(ok[i].text, &v) == 0, "rejected %s", ok[i].text);
        ck_assert_msg(to_bits(v) == to_bits(ok[i].want), "%s: got %a want %a", ok[i].text, v,
                      ok[i].want);
    }

    double v;
    ck_assert_int_eq(parse("-0", &v), 0);
    ck_assert_msg(v == 0 && signbit(v), "-0 lost its sign");
    ck_assert_int_eq(parse("-0.0", &v), 0);
    ck_assert_msg(v == 0 && signbit(v), "-0.0 lost its sign");
    ck_assert_int_eq(parse("1e-400", &v), 0);
    ck_assert_msg(v == 0 && !signbit(v), "1e-400 is +0");
    ck_assert_int_eq(parse("4.9E-324", &v), 0);
    ck_assert_uint_eq(to_bits(v), 1);
    ck_assert_int_eq(parse("9.9E-324", &v), 0);
    ck_assert_uint_eq(to_bits(v), 2);
    static const char *nans[] = {"NaN", "nan", "NAN", "nAn", "-NaN", "+nan"};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        v = 0;
        ck_assert_msg(parse(nans[i], &v) == 0 && isnan(v), "%s", nans[i]);
    }
}
END_TEST

START_TEST(parse_rejects)
{
    static const char *bad[] = {
        "",     " ",     " 1",  "1 ",   "1\n", "\t1", "+",    "-",      ".",        "+.",
        "e5",   "1e",    "1e+", "1e-",  "1.2.3", "1,5", "0x10", "0x1p3", "1_000",   "+-1",
        "-+1",  "--1",   "++1", "1d",   "1f",  "abc", "in",   "infin", "infinityx", "nanx",
        "nan(1)", "NaN1", "1-", "1e5.5", "１",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 123.0;
        ck_assert_msg(parse(bad[i], &v) == -1, "accepted [%s]", bad[i]);
        ck_assert_msg(v == 123.0, "[%s]: output written on failure", bad[i]);
    }
    double v;
    ck_assert_int_eq(hc_parse_double(NULL, 0, &v), -1);
    ck_assert_int_eq(hc_parse_double("1", 0, &v), -1);
    /* an embedded NUL is not the end of the field */
    ck_assert_int_eq(hc_parse_double("1\0" "2", 3, &v), -1);
}
END_TEST

START_TEST(parse_uses_only_the_field)
{
    /* fields come from a larger buffer, not NUL-terminated */
    const char *line = "12345,6.5e1,NaNx";
    double v;
    ck_assert_int_eq(hc_parse_double(line, 3, &v), 0);
    ck_assert(v == 123.0);
    ck_assert_int_eq(hc_parse_double(line + 6, 5, &v), 0);
    ck_assert(v == 65.0);
    v = 1.0;
    ck_assert_int_eq(hc_parse_double(line + 6, 4, &v), -1); /* "6.5e" */
    ck_assert(v == 1.0);
    ck_assert_int_eq(hc_parse_double(line + 12, 3, &v), 0); /* "NaN" */
    ck_assert(isnan(v));
    ck_assert_int_eq(hc_parse_double(line + 12, 4, &v), -1); /* "NaNx" */
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("numfmt");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, known_java_strings);
    tcase_add_test(tc, negative_mirrors_positive);
    suite_add_tcase(s, tc);

    TCase *prop = tcase_create("properties");
    /* ~1-2 s each in the normal build; sanitizers are several times slower */
    tcase_set_timeout(prop, 120);
    tcase_add_test(prop, random_bit_patterns);
    tcase_add_test(prop, random_typical_values);
    tcase_add_test(prop, small_subnormals);
    suite_add_tcase(s, prop);

    TCase *pc = tcase_create("parse");
    tcase_add_test(pc, parse_accepts);
    tcase_add_test(pc, parse_rejects);
    tcase_add_test(pc, parse_uses_only_the_field);
    suite_add_tcase(s, pc);
    return s;
}

HC_CHECK_MAIN(make_suite)

/* Seeded PRNG and reproducible elementary functions; see detmath.h. */
#include "core/detmath.h"

#include <math.h>

/* No fused multiply-add: it would round differently on CPUs that have it.
 * GCC in ISO C mode (-std=c11) never contracts; clang needs the pragma. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

uint64_t hc_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void hc_rng_seed(hc_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mixing the stream number through splitmix first keeps nearby
     * (seed, stream) pairs from sharing splitmix sequences. */
    uint64_t st = stream;
    uint64_t x = seed ^ hc_splitmix64(&st);
    for (int i = 0; i < 4; i++)
        r->s[i] = hc_splitmix64(&x);
    r->has_spare = 0;
    r->spare = 0.0;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t hc_rng_next(hc_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double hc_rng_uniform(hc_rng *r)
{
    return (double)(hc_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t hc_rng_below(hc_rng *r, uint64_t n)
{
    /* Reject the top sliver so that every residue is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = hc_rng_next(r);
    while (x >= limit);
    return x % n;
}

double hc_rng_range(hc_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * hc_rng_uniform(r);
}

double hc_rng_normal(hc_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * hc_rng_uniform(r) - 1.0;
        v = 2.0 * hc_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * hc_det_log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

uint64_t hc_rng_poisson(hc_rng *r, double mu)
{
    if (!(mu > 0.0))
        return 0;
    if (mu < 30.0) {
        double limit = hc_det_exp(-mu);
        double p = 1.0;
        uint64_t k = 0;
        for (;;) {
            p *= hc_rng_uniform(r);
            if (p <= limit)
                return k;
            k++;
        }
    }
    double x = floor(mu + sqrt(mu) * hc_rng_normal(r) + 0.5);
    return x > 0.0 ? (uint64_t)x : 0;
}

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (Cody & Waite). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define LN2 0.693147180559945309417

double hc_det_exp(double x)
{
    if (x > 709.0)
        return HUGE_VAL;
    if (x < -745.0)
        return 0.0;
    double k = floor(x * INV_LN2 + 0.5);
    double r = (x - k * LN2_HI) - k * LN2_LO; /* |r| <= ln2/2 */
    /* Taylor series to r^14/14! (remainder below 2e-17 relative), nested
     * (Horner) so that the small terms are summed first. */
    double sum = 1.0;
    for (int i = 14; i >= 1; i--)
        sum = 1.0 + r * sum / (double)i;
    return ldexp(sum, (int)k);
}

double hc_det_log(double x)
{
    int e;
    double m = frexp(x, &e); /* x = m * 2^e, m in [0.5, 1) */
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e -= 1;
    }
    /* log m = 2 atanh(f), f = (m-1)/(m+1), |f| <= 0.1716: f^2 <= 0.0295,
     * so 12 odd terms leave a remainder below 1e-19. */
    double f = (m - 1.0) / (m + 1.0);
    double f2 = f * f;
    double pw = f, sum = 0.0;
    for (int i = 1; i <= 23; i += 2) {
        sum += pw / (double)i;
        pw *= f2;
    }
    return (double)e * LN2 + 2.0 * sum;
}

/* sin and cos of 2*pi*t for |t| <= 1/8 (angle <= pi/4), by Taylor series. */
#define TWO_PI 6.28318530717958647692
static double sin_small(double t)
{
    double a = TWO_PI * t, a2 = a * a;
    double term = a, sum = a;
    for (int i = 1; i <= 10; i++) {
        term = -term * a2 / (double)((2 * i) * (2 * i + 1));
        sum += term;
    }
    return sum;
}

static double cos_small(double t)
{
    double a = TWO_PI * t, a2 = a * a;
    double term = 1.0, sum = 1.0;
    for (int i = 1; i <= 10; i++) {
        term = -term * a2 / (double)((2 * i - 1) * (2 * i));
        sum += term;
    }
    return sum;
}

double hc_det_cos_turns(double turns)
{
    double t = turns - floor(turns); /* exact: [0, 1) */
    if (t > 0.5)
        t = 1.0 - t;                 /* cos is even about 0 and 1 */
    /* t in [0, 0.5]: fold into octants around 0, 1/4 and 1/2. */
    if (t <= 0.125)
        return cos_small(t);
    if (t <= 0.375)
        return sin_small(0.25 - t);
    return -cos_small(0.5 - t);
}

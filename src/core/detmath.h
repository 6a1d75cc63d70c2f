/* A seeded PRNG and elementary functions built from +, -, *, /, sqrt and
 * floor only (not public). Demo data and every model that samples (ETS's
 * simulated paths, NPTS, Prophet) draw from it.
 *
 * Demo files are meant for golden tests, and sampled forecasts are meant to
 * be reproducible, so the same seed must give the same bits on every
 * machine. libm's exp/log/cos may differ in the last bit
 * between libm versions and CPUs; these versions use only IEEE-exact basic
 * operations (with contraction into FMAs turned off), so they round
 * identically everywhere. Accuracy is a few ulp, ample for
 * synthetic data. */
#ifndef HINDCAST_SRC_CORE_DETMATH_H
#define HINDCAST_SRC_CORE_DETMATH_H

#include <stdint.h>

/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
typedef struct hc_rng {
    uint64_t s[4];
    double spare;   /* second normal deviate of the polar method */
    int has_spare;
} hc_rng;

uint64_t hc_splitmix64(uint64_t *state);
/* A stream for (seed, stream): distinct streams are independent for any
 * practical purpose, whatever the other streams' use. */
void hc_rng_seed(hc_rng *r, uint64_t seed, uint64_t stream);
uint64_t hc_rng_next(hc_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double hc_rng_uniform(hc_rng *r);
/* Uniform integer in [0, n) (n > 0), without modulo bias. */
uint64_t hc_rng_below(hc_rng *r, uint64_t n);
/* Uniform in [lo, hi). */
double hc_rng_range(hc_rng *r, double lo, double hi);
/* Standard normal (Marsaglia's polar method). */
double hc_rng_normal(hc_rng *r);
/* Poisson with mean mu >= 0 (multiplication method below 30, a rounded
 * normal approximation above). */
uint64_t hc_rng_poisson(hc_rng *r, double mu);

double hc_det_exp(double x);  /* x in about [-700, 700] */
double hc_det_log(double x);  /* x > 0, finite */
/* cos(2*pi*turns): the argument in turns keeps the range reduction exact. */
double hc_det_cos_turns(double turns);

#endif

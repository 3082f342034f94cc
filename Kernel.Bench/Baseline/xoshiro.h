/*
 * xoshiro256** (Blackman & Vigna 2018) for the C baselines (direct.c, spdm.c): one generator per process,
 * the state in s[4], seeded by each program; 53-bit uniforms as the managed Xoshiro256StarStar draws them.
 */
#ifndef STOCHASTIC_BASELINE_XOSHIRO_H
#define STOCHASTIC_BASELINE_XOSHIRO_H
#include <stdint.h>

static uint64_t s[4];

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next_u64(void)
{
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}

static inline double uniform(void) { return (next_u64() >> 11) * 0x1.0p-53; }            /* [0, 1) */
static inline double open_uniform(void) { return ((next_u64() >> 11) + 1) * 0x1.0p-53; }  /* (0, 1] */

#endif

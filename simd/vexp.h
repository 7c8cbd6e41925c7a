/* simd/vexp.h — an inline exp(x) for one double (FMA), for the scorers' logistic link
 * 1 / (1 + exp(-z)): libm's exp is a call with a long dependency chain at the very end of every
 * prediction.
 *
 * x = (k/64) ln2 + r with k = round(64 x / ln2) and |r| <= ln2/128; exp(x) = 2^(k div 64) *
 * T[k mod 64] * exp(r) with T[j] = 2^(j/64) (the correctly rounded doubles, generated once with
 * 60-digit decimal arithmetic) and exp(r) - 1 by its Taylor series to r^5/5! (the first term left
 * out is below 4e-17 relative). The path is kept short, since a prediction waits on it: 2^(k/64)
 * is built from the shifter's own bits (k sits in the low bits of x * 64/ln2 + 1.5 * 2^52, so
 * T[k mod 64] plus (k div 64) << 52 on the bits is the scale: no conversion to an integer, no
 * multiplication), and the reduction is one FMA against ln2/64 rounded to 53 bits (exact but for
 * its rounding), the rest of ln2/64 (3.6e-19) times k being added beside the polynomial. Inputs are
 * clamped to [-708, 708], so the result is always a normal double (exp(-708) = 3.3e-308,
 * exp(708) = 3.0e307); NaN gives NaN. Within 2 ulp of libm's exp in tests/simd/test_vlog.c.
 *
 * Compiled for FMA: call it only where the AVX2 ISA (which volt requires to include FMA) was
 * chosen by volt_simd_init. */
#ifndef VOLT_SIMD_VEXP_H
#define VOLT_SIMD_VEXP_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define VOLT_TARGET_FMA_ __attribute__((target("fma")))
#else
#define VOLT_TARGET_FMA_
#endif

/* 2^(j/64), j = 0..63 */
static const double volt_exp2_64_[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
    0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0,
};

/* x clamped to [-708, 708]; x must not be NaN. The interval is symmetric, so clamping z and then
 * negating it is clamping -z: the sigmoid clamps first and hands exp -z, whose negation the
 * compiler then folds into the FMAs below instead of spending an instruction on it. */
VOLT_TARGET_FMA_ static inline double volt_exp_clamp_(double x)
{
#if defined(__x86_64__)
    /* min/max instructions, not compare-and-branch (x is not NaN here) */
    return _mm_cvtsd_f64(_mm_min_sd(_mm_max_sd(_mm_set_sd(x), _mm_set_sd(-708.0)), _mm_set_sd(708.0)));
#else
    return x < -708.0 ? -708.0 : x > 708.0 ? 708.0 : x;
#endif
}

/* exp(x) = ts (1 + q): ts = 2^(k/64) (exact), q = exp(r) - 1; x clamped (volt_exp_clamp_). */
VOLT_TARGET_FMA_ static inline double volt_exp_parts_(double x, double *ts)
{
    const double shift = 0x1.8p52;
    const double u = __builtin_fma(x, 0x1.71547652b82fep+6, shift); /* 1.5 * 2^52 + k */
    const double kd = u - shift;
    const double r = __builtin_fma(-kd, 0x1.62e42fefa39efp-7, x);
    const double rl = kd * -0x1.abc9e3b39803fp-62;
    uint64_t ub, tb;
    memcpy(&ub, &u, 8);
    memcpy(&tb, &volt_exp2_64_[ub & 63], 8);
    tb += (ub & ~(uint64_t)63) << 46; /* (k div 64) << 52, modulo 2^64: |k| < 2^17 */
    memcpy(ts, &tb, 8);
    /* q = exp(r + rl) - 1 = (r + rl + r^2/2) + r^3 (1/6 + r/24 + r^2/120), halves side by side */
    const double r2 = r * r;
    const double ra = __builtin_fma(r2, 0.5, r + rl);
    const double r3 = r2 * r;
    const double c = __builtin_fma(r2, 1.0 / 120.0, __builtin_fma(r, 1.0 / 24.0, 1.0 / 6.0));
    return __builtin_fma(c, r3, ra);
}

/* exp(x) = ts (1 + q) */
VOLT_TARGET_FMA_ static inline double volt_exp_fma(double x)
{
    if (x != x)
        return x;
    double ts;
    const double q = volt_exp_parts_(volt_exp_clamp_(x), &ts);
    return __builtin_fma(ts, q, ts);
}

/* 1 / (1 + exp(-z)), the logistic link; 1 + ts is added beside the polynomial. */
VOLT_TARGET_FMA_ static inline double volt_sigmoid_fma(double z)
{
    if (z != z)
        return z;
    double ts;
    const double q = volt_exp_parts_(-volt_exp_clamp_(z), &ts);
    return 1.0 / __builtin_fma(ts, q, ts + 1.0);
}

#endif

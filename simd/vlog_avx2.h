/* simd/vlog_avx2.h — an inline natural logarithm of four doubles (AVX2 + FMA), for kernels that
 * want the log in registers without a call (the logistic scorer) and for volt_log_n's AVX2 path.
 *
 * x = 2^e * m with m in [sqrt(1/2), sqrt(2)) (one integer subtraction against sqrt(1/2)'s bits
 * gives both); log(m) = 2 atanh(s) with s = (m - 1) / (m + 1), |s| <= 0.1716, so z = s^2 <= 0.0295
 * and 2 atanh(s) = 2s + 2s z P(z), P(z) = 1/3 + z/5 + z^2/7 + ... replaced by its degree-6 minimax
 * polynomial on [0, 0.0295] (mpmath's chebyfit; |error| 1.6e-16 in P, below 1.6e-18 in log(m)),
 * evaluated in Estrin's scheme: three multiplications deep after z, where the Taylor series cut
 * at z^9 took four and five more instructions. log(x) = fma(2s z, P(z), fma(e, ln2, 2s)): the
 * FMA multiplies e by ln2's double exactly, so the only error of the exponent's part is ln2's own
 * rounding (2.3e-17 per unit of e, 0.05 ulp of the result), and the inner FMA runs beside the
 * polynomial. The scorer waits on this function's latency, so everything that does not depend on
 * the division is computed beside it. Measured against libm's log in tests/simd/test_vlog.c
 * (within 4 ulp).
 *
 * volt_log4_normal_avx2 takes positive normal finite inputs; volt_log4_avx2 also takes positive
 * subnormals (scaled by 2^54 first). NaN, zero, negatives and infinities (and subnormals, for the
 * first) give meaningless lanes, but finite ones: the reduction puts any bit pattern's m in
 * [sqrt(1/2), sqrt(2)), so callers may log such lanes as they are and discard the results. */
#ifndef VOLT_SIMD_VLOG_AVX2_H
#define VOLT_SIMD_VLOG_AVX2_H

#if defined(__x86_64__)
#include <immintrin.h>

/* The integer constants as 32-byte vectors in memory, read through a pointer the compiler cannot
 * see through: it would otherwise build each from a 64-bit immediate (movabs, vmovq, vpbroadcastq:
 * three instructions and a register held across the caller) where a memory operand costs none. */
enum { VOLT_LOG4_SQRTH_, VOLT_LOG4_EXP_, VOLT_LOG4_BIAS_, VOLT_LOG4_TWO52_ };
__attribute__((aligned(32))) static const unsigned long long volt_log4_k_[4][4] = {
    {0x3fe6a09e667f3bcdull, 0x3fe6a09e667f3bcdull, 0x3fe6a09e667f3bcdull, 0x3fe6a09e667f3bcdull},
    {0xFFF0000000000000ull, 0xFFF0000000000000ull, 0xFFF0000000000000ull, 0xFFF0000000000000ull},
    {0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull, 0x8000000000000000ull},
    {0x4330000000000000ull, 0x4330000000000000ull, 0x4330000000000000ull, 0x4330000000000000ull}};

__attribute__((target("avx2,fma"))) static inline __m256d volt_log4_normal_avx2(__m256d x)
{
    const unsigned long long(*k)[4] = volt_log4_k_;
    __asm__("" : "+r"(k)); /* opaque: the constants stay loads */
#define VOLT_LOG4_K_(i) _mm256_load_si256((const __m256i *)k[i])
    const __m256i ix = _mm256_castpd_si256(x);
    /* t = bits(x) - bits(sqrt(1/2)): its top 12 bits are e (two's complement), and taking e off
     * the exponent leaves m in [sqrt(1/2), sqrt(2)) */
    const __m256i t = _mm256_sub_epi64(ix, VOLT_LOG4_K_(VOLT_LOG4_SQRTH_));
    const __m256d m = _mm256_castsi256_pd(_mm256_sub_epi64(ix, _mm256_and_si256(t, VOLT_LOG4_K_(VOLT_LOG4_EXP_))));
    /* e as a double: (t + 2^63) >> 52 is e + 2048 in 0..4095; OR it into 2^52's mantissa */
    const __m256i eb = _mm256_srli_epi64(_mm256_add_epi64(t, VOLT_LOG4_K_(VOLT_LOG4_BIAS_)), 52);
    const __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(eb, VOLT_LOG4_K_(VOLT_LOG4_TWO52_))),
                                    _mm256_set1_pd(0x1p52 + 2048.0));
#undef VOLT_LOG4_K_
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d s = _mm256_div_pd(_mm256_sub_pd(m, one), _mm256_add_pd(m, one)); /* m - 1 exact */
    const __m256d s2 = _mm256_add_pd(s, s);
    const __m256d z = _mm256_mul_pd(s, s);
    const __m256d hs = _mm256_fmadd_pd(e, _mm256_set1_pd(0x1.62e42fefa39efp-1), s2); /* e ln2 + 2s */
    const __m256d s2z = _mm256_mul_pd(s2, z);
    const __m256d z2 = _mm256_mul_pd(z, z), z4 = _mm256_mul_pd(z2, z2);
    const __m256d p01 = _mm256_fmadd_pd(_mm256_set1_pd(0x1.99999999952e2p-3), z, _mm256_set1_pd(0x1.5555555555558p-2));
    const __m256d p23 = _mm256_fmadd_pd(_mm256_set1_pd(0x1.c71c62e5800a1p-4), z, _mm256_set1_pd(0x1.2492492df148dp-3));
    const __m256d p45 = _mm256_fmadd_pd(_mm256_set1_pd(0x1.39fe606542ddep-4), z, _mm256_set1_pd(0x1.7462b4ab2ef6bp-4));
    const __m256d p46 = _mm256_fmadd_pd(_mm256_set1_pd(0x1.2b584aae78a57p-4), z2, p45);
    const __m256d p03 = _mm256_fmadd_pd(p23, z2, p01);
    const __m256d p = _mm256_fmadd_pd(p46, z4, p03); /* P(z) */
    return _mm256_fmadd_pd(s2z, p, hs);
}

__attribute__((target("avx2,fma"))) static inline __m256d volt_log4_avx2(__m256d x)
{
    /* subnormals: scale by 2^54 first and take 54 off the result's exponent */
    const __m256d sub = _mm256_cmp_pd(x, _mm256_set1_pd(0x1p-1022), _CMP_LT_OQ);
    const __m256d l = volt_log4_normal_avx2(_mm256_blendv_pd(x, _mm256_mul_pd(x, _mm256_set1_pd(0x1p54)), sub));
    return _mm256_sub_pd(l, _mm256_and_pd(sub, _mm256_set1_pd(54.0 * 0.6931471805599453)));
}
#endif

#endif

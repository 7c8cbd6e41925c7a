/* simd/vlog_avx2.h — an inline natural logarithm of four doubles (AVX2 + FMA), for kernels that
 * want the log in registers without a call (the logistic scorer) and for volt_log_n's AVX2 path.
 *
 * x = 2^e * m with m in [sqrt(1/2), sqrt(2)) (one integer subtraction against sqrt(1/2)'s bits
 * gives both); log(m) = 2 atanh(s) with s = (m - 1) / (m + 1), |s| <= 0.1716, so z = s^2 <= 0.0295
 * and the series 2s (1 + z/3 + z^2/5 + ... + z^10/21) is cut after a term below 2.4e-17 relative,
 * evaluated in Estrin's scheme; log(x) = (e ln2_hi + 2s) + (2s z P(z) + e ln2_lo) with ln2_hi
 * holding few enough bits that e ln2_hi is exact. The scorer waits on this function's latency, so
 * everything that does not depend on the division is computed beside it. Measured against libm's
 * log in tests/simd/test_vlog.c (within 4 ulp).
 *
 * volt_log4_normal_avx2 takes positive normal finite inputs; volt_log4_avx2 also takes positive
 * subnormals (scaled by 2^54 first). NaN, zero, negatives and infinities give meaningless lanes:
 * callers blend a placeholder in and discard those results. */
#ifndef VOLT_SIMD_VLOG_AVX2_H
#define VOLT_SIMD_VLOG_AVX2_H

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static inline __m256d volt_log4_normal_avx2(__m256d x)
{
    const __m256i ix = _mm256_castpd_si256(x);
    /* t = bits(x) - bits(sqrt(1/2)): its top 12 bits are e (two's complement), and taking e off
     * the exponent leaves m in [sqrt(1/2), sqrt(2)) */
    const __m256i t = _mm256_sub_epi64(ix, _mm256_set1_epi64x(0x3fe6a09e667f3bcdll));
    const __m256d m = _mm256_castsi256_pd(
        _mm256_sub_epi64(ix, _mm256_and_si256(t, _mm256_set1_epi64x((long long)0xFFF0000000000000ull))));
    /* e as a double: (t + 2^63) >> 52 is e + 2048 in 0..4095; OR it into 2^52's mantissa */
    const __m256i eb = _mm256_srli_epi64(_mm256_add_epi64(t, _mm256_set1_epi64x((long long)0x8000000000000000ull)), 52);
    const __m256d two52 = _mm256_set1_pd(0x1p52);
    const __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(eb, _mm256_castpd_si256(two52))),
                                    _mm256_set1_pd(0x1p52 + 2048.0));
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d s = _mm256_div_pd(_mm256_sub_pd(m, one), _mm256_add_pd(m, one)); /* m - 1 exact */
    /* beside the division: e ln2_hi and e ln2_lo (ln 2 = hi + lo, hi with 21 significant bits) */
    const __m256d ehi = _mm256_mul_pd(e, _mm256_set1_pd(0.6931467056274414));
    const __m256d elo = _mm256_mul_pd(e, _mm256_set1_pd(4.7493250390316726e-07));
    const __m256d s2 = _mm256_add_pd(s, s);
    const __m256d z = _mm256_mul_pd(s, s);
#define VOLT_C_(k) _mm256_set1_pd(1.0 / (2 * (k) + 1))
    const __m256d z2 = _mm256_mul_pd(z, z), z4 = _mm256_mul_pd(z2, z2), z8 = _mm256_mul_pd(z4, z4);
    const __m256d p12 = _mm256_fmadd_pd(VOLT_C_(2), z, VOLT_C_(1));
    const __m256d p34 = _mm256_fmadd_pd(VOLT_C_(4), z, VOLT_C_(3));
    const __m256d p56 = _mm256_fmadd_pd(VOLT_C_(6), z, VOLT_C_(5));
    const __m256d p78 = _mm256_fmadd_pd(VOLT_C_(8), z, VOLT_C_(7));
    const __m256d p910 = _mm256_fmadd_pd(VOLT_C_(10), z, VOLT_C_(9));
    const __m256d p1_4 = _mm256_fmadd_pd(p34, z2, p12);
    const __m256d p5_8 = _mm256_fmadd_pd(p78, z2, p56);
    const __m256d p1_8 = _mm256_fmadd_pd(p5_8, z4, p1_4);
    const __m256d p = _mm256_fmadd_pd(p910, z8, p1_8); /* sum_{k=1..10} z^(k-1) / (2k + 1) */
#undef VOLT_C_
    const __m256d s2z = _mm256_mul_pd(s2, z);
    const __m256d head = _mm256_add_pd(ehi, s2);          /* beside the polynomial */
    const __m256d tail = _mm256_fmadd_pd(s2z, p, elo);   /* 2s z P(z) + e ln2_lo */
    return _mm256_add_pd(head, tail);
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

/* simd/linear_avx2.h — the logit of a linear model over a feature vector, four terms per AVX2
 * instruction (the logistic scorer's kernel, engine/model/linear.c).
 *
 *   logit = bias + sum_k lw[k] * (usable(x_k) ? log(x_k + leps[k]) : limp[k]),  x_k = f[lidx[k]]
 *                + sum_j fw[j]  * (finite(f[j]) ? f[j] : fimp[j]),             j < nf
 *
 * The first sum runs over ngl groups of four log-transformed terms (padding terms weigh 0), x_k
 * usable when 0 <= x_k < inf; the second over the whole feature vector in feature order, with
 * weight 0 for the features no identity term reads. The log is simd/vlog_avx2.h's, in registers.
 * Inline, with always_inline: a caller compiled for AVX2 + FMA instantiates it per constant ngl,
 * so the groups' loop unrolls fully, without a counter or an alternating branch. The scalar
 * reference is the scorer's own scalar path (engine/model/linear.c), tested against this one in
 * tests/engine/test_model.c. */
#ifndef VOLT_SIMD_LINEAR_AVX2_H
#define VOLT_SIMD_LINEAR_AVX2_H

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#include "simd/vlog_avx2.h"

/* f: nf features; lidx, leps, limp, lw: ngl * 4 logged terms; fw, fimp: (nf + 3) & ~3 identity
 * weights and impute values by feature. Arrays rather than a struct of pointers: inlined, their
 * addresses are offsets from the caller's state, not loads. */
__attribute__((target("avx2,fma"), always_inline)) static inline double
volt_linear_logit_avx2(const double *f, const int nf, const double bias, const int *lidx,
                       const double *leps, const double *limp, const double *lw, const int ngl,
                       const double *fw, const double *fimp)
{
    const __m256d inf = _mm256_set1_pd(INFINITY), sign = _mm256_set1_pd(-0.0),
                  zero = _mm256_setzero_pd();
    /* The logged groups are the critical path (load, log, weigh): two accumulators halve the chain
     * of dependent FMAs after the last log, and the bias rides in lane 0 of the first instead of
     * one more addition at the end. Inputs are four scalar loads: vgatherdpd measured slower. */
    __m256d a1 = _mm256_set_pd(0.0, 0.0, 0.0, bias), a2 = _mm256_setzero_pd();
#pragma GCC unroll 8
    for (int g = 0; g < ngl; g++) {
        const int k = 4 * g;
        const int *ix = lidx + k;
        const __m256d x = _mm256_set_pd(f[ix[3]], f[ix[2]], f[ix[1]], f[ix[0]]);
        /* usable: 0 <= x < inf (false for NaN) */
        const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x, zero, _CMP_GE_OQ),
                                         _mm256_cmp_pd(x, inf, _CMP_LT_OQ));
        /* unusable lanes are logged as they are: the log's integer reduction puts any bit pattern
         * (negative, zero, subnormal, infinite, NaN) at a mantissa in [sqrt(1/2), sqrt(2)), so
         * their results are finite and the blend below discards them, ok being ready by then */
        const __m256d v = _mm256_add_pd(x, _mm256_loadu_pd(leps + k));
        const __m256d s = _mm256_blendv_pd(_mm256_loadu_pd(limp + k), volt_log4_normal_avx2(v), ok);
        if (g & 1)
            a2 = _mm256_fmadd_pd(_mm256_loadu_pd(lw + k), s, a2);
        else
            a1 = _mm256_fmadd_pd(_mm256_loadu_pd(lw + k), s, a1);
    }
    /* identity terms: ready long before the logs, so two chains of FMAs (fewer instructions than
     * products summed as a tree, and off the critical path) */
    const int ng = (nf + 3) / 4;
    __m256d b1 = _mm256_setzero_pd(), b2 = _mm256_setzero_pd();
#pragma GCC unroll 8
    for (int g = 0; g < ng; g++) {
        __m256d x;
        if (4 * g + 4 <= nf) {
            x = _mm256_loadu_pd(f + 4 * g);
        } else { /* the partial last group: masked load, never past the array */
            const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
            x = _mm256_maskload_pd(f + 4 * g, _mm256_cmpgt_epi64(_mm256_set1_epi64x(nf - 4 * g), lane));
        }
        const __m256d fin = _mm256_cmp_pd(_mm256_andnot_pd(sign, x), inf, _CMP_LT_OQ);
        const __m256d t = _mm256_blendv_pd(_mm256_loadu_pd(fimp + 4 * g), x, fin);
        if (g & 1)
            b2 = _mm256_fmadd_pd(_mm256_loadu_pd(fw + 4 * g), t, b2);
        else
            b1 = _mm256_fmadd_pd(_mm256_loadu_pd(fw + 4 * g), t, b1);
    }
    const __m256d a = _mm256_add_pd(_mm256_add_pd(b1, b2), _mm256_add_pd(a1, a2));
    const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}
#endif

#endif

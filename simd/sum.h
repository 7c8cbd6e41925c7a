/* simd/sum.h — pairwise-lane sums of two parallel arrays (window re-sums in the feature engine).
 *
 * volt_sum2 adds a[0..n) and b[0..n) at once. The AVX2 kernel keeps 4 lanes x 2 accumulators and
 * adds them at the end, so its rounding differs from the scalar reference by at most a few ulps of
 * sum|x|; tests hold it to 1e-12 of that. Pure: no allocation, no state. */
#ifndef VOLT_SIMD_SUM_H
#define VOLT_SIMD_SUM_H

#include <stddef.h>

typedef void (*volt_sum2_fn)(const double *a, const double *b, size_t n, double *sa, double *sb);

/* The kernel chosen by volt_simd_init (scalar before it). */
void volt_sum2(const double *a, const double *b, size_t n, double *sa, double *sb);

void volt_sum2_scalar(const double *a, const double *b, size_t n, double *sa, double *sb);
void volt_sum2_avx2(const double *a, const double *b, size_t n, double *sa, double *sb);

/* Internal: set by simd/cpu.c. */
extern volt_sum2_fn volt_sum2_impl_;

#endif

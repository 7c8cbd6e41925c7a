#include "sum.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

volt_sum2_fn volt_sum2_impl_ = volt_sum2_scalar;

void volt_sum2(const double *a, const double *b, size_t n, double *sa, double *sb)
{
    volt_sum2_impl_(a, b, n, sa, sb);
}

void volt_sum2_scalar(const double *a, const double *b, size_t n, double *sa, double *sb)
{
    double x = 0.0, y = 0.0;
    for (size_t i = 0; i < n; i++) {
        x += a[i];
        y += b[i];
    }
    *sa = x;
    *sb = y;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void volt_sum2_avx2(const double *a, const double *b, size_t n,
                                                     double *sa, double *sb)
{
    __m256d xa0 = _mm256_setzero_pd(), xa1 = _mm256_setzero_pd();
    __m256d xb0 = _mm256_setzero_pd(), xb1 = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        xa0 = _mm256_add_pd(xa0, _mm256_loadu_pd(a + i));
        xa1 = _mm256_add_pd(xa1, _mm256_loadu_pd(a + i + 4));
        xb0 = _mm256_add_pd(xb0, _mm256_loadu_pd(b + i));
        xb1 = _mm256_add_pd(xb1, _mm256_loadu_pd(b + i + 4));
    }
    double la[4], lb[4];
    _mm256_storeu_pd(la, _mm256_add_pd(xa0, xa1));
    _mm256_storeu_pd(lb, _mm256_add_pd(xb0, xb1));
    double x = (la[0] + la[1]) + (la[2] + la[3]);
    double y = (lb[0] + lb[1]) + (lb[2] + lb[3]);
    for (; i < n; i++) {
        x += a[i];
        y += b[i];
    }
    *sa = x;
    *sb = y;
}
#else
void volt_sum2_avx2(const double *a, const double *b, size_t n, double *sa, double *sb)
{
    volt_sum2_scalar(a, b, n, sa, sb);
}
#endif

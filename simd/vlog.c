#include "simd/vlog.h"

#include <math.h>

#include "simd/cpu.h"
#include "simd/vlog_avx2.h"

void volt_log_n_scalar(double *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = log(v[i]);
}

#if defined(__x86_64__)
#include <immintrin.h>

/* glibc libmvec (vector function ABI name) for SSE2. */
__m128d _ZGVbN2v_log(__m128d x);

__attribute__((target("avx2,fma"))) static void log_avx2(double *v, int n)
{
    for (int i = 0; i < n; i += 4)
        _mm256_storeu_pd(v + i, volt_log4_avx2(_mm256_loadu_pd(v + i)));
}

static void log_sse2(double *v, int n)
{
    for (int i = 0; i < n; i += 2)
        _mm_storeu_pd(v + i, _ZGVbN2v_log(_mm_loadu_pd(v + i)));
}

void volt_log_n(double *v, int n)
{
    switch (volt_simd_isa()) {
    case VOLT_ISA_AVX2: log_avx2(v, n); return;
    case VOLT_ISA_SSE2: log_sse2(v, n); return;
    default: volt_log_n_scalar(v, n); return;
    }
}
#else
void volt_log_n(double *v, int n) { volt_log_n_scalar(v, n); }
#endif

#include "slide.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

volt_slide_update_fn volt_slide_update_impl_ = volt_slide_update_scalar;
volt_slide_read_fn volt_slide_read_impl_ = volt_slide_read_scalar;
volt_slide_rt_shared_fn volt_slide_rt_shared_impl_ = volt_slide_rt_shared_scalar;

void volt_slide_update(volt_slide8_t *w, const double *add, const double *sub)
{
    volt_slide_update_impl_(w, add, sub);
}

void volt_slide_read(const volt_slide8_t *w, const double *cur, double *out, double *rt)
{
    volt_slide_read_impl_(w, cur, out, rt);
}

void volt_slide_rt_shared(const volt_slide8_t *w, double x, int n, double *rt)
{
    volt_slide_rt_shared_impl_(w, x, n, rt);
}

/* Neumaier's step: s + x with the lost low part added to c. */
static inline void neumaier(double *s, double *c, double x)
{
    const double t = *s + x;
    if (fabs(*s) >= fabs(x))
        *c += (*s - t) + x;
    else
        *c += (x - t) + *s;
    *s = t;
}

void volt_slide_update_scalar(volt_slide8_t *w, const double *add, const double *sub)
{
    for (int i = 0; i < VOLT_SLIDE_LANES; i++) {
        neumaier(&w->s[i], &w->c[i], add[i]);
        neumaier(&w->s[i], &w->c[i], -sub[i]);
    }
}

void volt_slide_read_scalar(const volt_slide8_t *w, const double *cur, double *out, double *rt)
{
    for (int i = 0; i < VOLT_SLIDE_LANES; i++) {
        out[i] = (w->s[i] + w->c[i]) + cur[i];
        rt[i] = sqrt(out[i] > 0.0 ? out[i] : 0.0);
    }
}

void volt_slide_rt_shared_scalar(const volt_slide8_t *w, double x, int n, double *rt)
{
    for (int i = 0; i < n; i++) {
        const double v = (w->s[i] + w->c[i]) + x;
        rt[i] = sqrt(v > 0.0 ? v : 0.0);
    }
}

#if defined(__x86_64__)
/* SSE2 is part of x86-64: no dispatch needed for it. */
static inline void neumaier_sse2(__m128d *s, __m128d *c, __m128d x)
{
    const __m128d absmask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
    const __m128d t = _mm_add_pd(*s, x);
    const __m128d big = _mm_cmpge_pd(_mm_and_pd(*s, absmask), _mm_and_pd(x, absmask));
    const __m128d a = _mm_add_pd(_mm_sub_pd(*s, t), x);
    const __m128d b = _mm_add_pd(_mm_sub_pd(x, t), *s);
    *c = _mm_add_pd(*c, _mm_or_pd(_mm_and_pd(big, a), _mm_andnot_pd(big, b)));
    *s = t;
}

void volt_slide_update_sse2(volt_slide8_t *w, const double *add, const double *sub)
{
    const __m128d neg = _mm_set1_pd(-0.0);
    for (int i = 0; i < VOLT_SLIDE_LANES; i += 2) {
        __m128d s = _mm_load_pd(w->s + i), c = _mm_load_pd(w->c + i);
        neumaier_sse2(&s, &c, _mm_loadu_pd(add + i));
        neumaier_sse2(&s, &c, _mm_xor_pd(_mm_loadu_pd(sub + i), neg));
        _mm_store_pd(w->s + i, s);
        _mm_store_pd(w->c + i, c);
    }
}

void volt_slide_read_sse2(const volt_slide8_t *w, const double *cur, double *out, double *rt)
{
    const __m128d zero = _mm_setzero_pd();
    for (int i = 0; i < VOLT_SLIDE_LANES; i += 2) {
        const __m128d x = _mm_add_pd(_mm_add_pd(_mm_load_pd(w->s + i), _mm_load_pd(w->c + i)),
                                     _mm_loadu_pd(cur + i));
        _mm_storeu_pd(out + i, x);
        /* max(x, 0) returns the second operand on equality: +0 for -0, as the scalar x > 0 ? x : 0 */
        _mm_storeu_pd(rt + i, _mm_sqrt_pd(_mm_max_pd(x, zero)));
    }
}

__attribute__((target("avx2"))) static inline void neumaier_avx2(__m256d *s, __m256d *c, __m256d x)
{
    const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    const __m256d t = _mm256_add_pd(*s, x);
    const __m256d big =
        _mm256_cmp_pd(_mm256_and_pd(*s, absmask), _mm256_and_pd(x, absmask), _CMP_GE_OQ);
    const __m256d a = _mm256_add_pd(_mm256_sub_pd(*s, t), x);
    const __m256d b = _mm256_add_pd(_mm256_sub_pd(x, t), *s);
    *c = _mm256_add_pd(*c, _mm256_blendv_pd(b, a, big));
    *s = t;
}

__attribute__((target("avx2"))) void volt_slide_update_avx2(volt_slide8_t *w, const double *add,
                                                             const double *sub)
{
    const __m256d neg = _mm256_set1_pd(-0.0);
    for (int i = 0; i < VOLT_SLIDE_LANES; i += 4) {
        __m256d s = _mm256_load_pd(w->s + i), c = _mm256_load_pd(w->c + i);
        neumaier_avx2(&s, &c, _mm256_loadu_pd(add + i));
        neumaier_avx2(&s, &c, _mm256_xor_pd(_mm256_loadu_pd(sub + i), neg));
        _mm256_store_pd(w->s + i, s);
        _mm256_store_pd(w->c + i, c);
    }
}

__attribute__((target("avx2"))) void volt_slide_read_avx2(const volt_slide8_t *w, const double *cur,
                                                           double *out, double *rt)
{
    const __m256d zero = _mm256_setzero_pd();
    for (int i = 0; i < VOLT_SLIDE_LANES; i += 4) {
        const __m256d x = _mm256_add_pd(
            _mm256_add_pd(_mm256_load_pd(w->s + i), _mm256_load_pd(w->c + i)), _mm256_loadu_pd(cur + i));
        _mm256_storeu_pd(out + i, x);
        _mm256_storeu_pd(rt + i, _mm256_sqrt_pd(_mm256_max_pd(x, zero)));
    }
}
/* Whole groups of four in vectors, the rest one lane at a time: the engine's five lanes take one
 * vector square root and one scalar one, not two vector ones. */
__attribute__((target("avx2"))) void volt_slide_rt_shared_avx2(const volt_slide8_t *w, double x,
                                                                int n, double *rt)
{
    const __m256d zero = _mm256_setzero_pd(), xv = _mm256_set1_pd(x);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d v =
            _mm256_add_pd(_mm256_add_pd(_mm256_load_pd(w->s + i), _mm256_load_pd(w->c + i)), xv);
        _mm256_storeu_pd(rt + i, _mm256_sqrt_pd(_mm256_max_pd(v, zero)));
    }
    for (; i < n; i++) {
        const __m128d v = _mm_add_sd(_mm_add_sd(_mm_load_sd(w->s + i), _mm_load_sd(w->c + i)),
                                     _mm_set_sd(x));
        const __m128d m = _mm_max_sd(v, _mm_setzero_pd());
        _mm_store_sd(rt + i, _mm_sqrt_sd(m, m));
    }
}
#else
void volt_slide_rt_shared_avx2(const volt_slide8_t *w, double x, int n, double *rt)
{
    volt_slide_rt_shared_scalar(w, x, n, rt);
}
void volt_slide_update_sse2(volt_slide8_t *w, const double *add, const double *sub)
{
    volt_slide_update_scalar(w, add, sub);
}
void volt_slide_read_sse2(const volt_slide8_t *w, const double *cur, double *out, double *rt)
{
    volt_slide_read_scalar(w, cur, out, rt);
}
void volt_slide_update_avx2(volt_slide8_t *w, const double *add, const double *sub)
{
    volt_slide_update_scalar(w, add, sub);
}
void volt_slide_read_avx2(const volt_slide8_t *w, const double *cur, double *out, double *rt)
{
    volt_slide_read_scalar(w, cur, out, rt);
}
#endif

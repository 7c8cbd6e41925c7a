/* simd/slide.h — compensated sliding-window sums, eight windows at once (the feature engine's
 * rolling updates).
 *
 * A window's sum is kept as a pair (S, C): S the running sum, C the running Neumaier compensation
 * (the low-order bits every addition lost). Sliding a window is one compensated addition of the
 * value that enters and one of the negated value that leaves; the value read is S + C. Compared
 * with a plain running sum, whose error grows with the number of slides and can leave residue
 * larger than a small window's true value after a burst has left it, the pair keeps the error at
 * about one rounding of the current sum plus eps^2 times everything that ever passed through.
 *
 * Lanes are independent: lane i of the eight is one window (the feature engine puts realized
 * variance over 10/30/60/300/900 s and three traded-volume sums in them). Every kernel performs
 * the same IEEE operations in the same order in every lane, so the AVX2 and SSE2 kernels equal
 * the scalar reference bit for bit (tests/simd holds them to it). */
#ifndef VOLT_SIMD_SLIDE_H
#define VOLT_SIMD_SLIDE_H

#if defined(__SSE2__)
#include <emmintrin.h>
#else
#include <math.h>
#endif

#define VOLT_SLIDE_LANES 8

typedef struct volt_slide8 {
    _Alignas(64) double s[VOLT_SLIDE_LANES];
    double c[VOLT_SLIDE_LANES];
} volt_slide8_t;

/* For every lane i: window i += add[i], then -= sub[i] (compensated). */
typedef void (*volt_slide_update_fn)(volt_slide8_t *w, const double *add, const double *sub);
/* For every lane i: out[i] = (s[i] + c[i]) + cur[i] (the windows' value with the current,
 * still-open second's contribution) and rt[i] = sqrt(max(out[i], 0)) (a realized volatility from
 * a realized variance; IEEE sqrt is correctly rounded, so every ISA gives the same bits). */
typedef void (*volt_slide_read_fn)(const volt_slide8_t *w, const double *cur, double *out,
                                   double *rt);

/* For lanes i < n (n <= VOLT_SLIDE_LANES) that share one current value x: rt[i] =
 * sqrt(max((s[i] + c[i]) + x, 0)) — volt_slide_read's rt with cur[i] = x, the same bits — and
 * nothing for the other lanes. x comes in a register: the feature engine computes it just before
 * the read, and a vector load of a value stored a few instructions earlier cannot be forwarded
 * from the store (on the read through cur[], about 40 % of the kernel's samples waited there). */
typedef void (*volt_slide_rt_shared_fn)(const volt_slide8_t *w, double x, int n, double *rt);

void volt_slide_update(volt_slide8_t *w, const double *add, const double *sub);
void volt_slide_read(const volt_slide8_t *w, const double *cur, double *out, double *rt);
void volt_slide_rt_shared(const volt_slide8_t *w, double x, int n, double *rt);

void volt_slide_update_scalar(volt_slide8_t *w, const double *add, const double *sub);
void volt_slide_read_scalar(const volt_slide8_t *w, const double *cur, double *out, double *rt);
void volt_slide_update_sse2(volt_slide8_t *w, const double *add, const double *sub);
void volt_slide_read_sse2(const volt_slide8_t *w, const double *cur, double *out, double *rt);
void volt_slide_update_avx2(volt_slide8_t *w, const double *add, const double *sub);
void volt_slide_read_avx2(const volt_slide8_t *w, const double *cur, double *out, double *rt);
void volt_slide_rt_shared_scalar(const volt_slide8_t *w, double x, int n, double *rt);
void volt_slide_rt_shared_avx2(const volt_slide8_t *w, double x, int n, double *rt);

/* volt_slide_rt_shared's rt for lanes 0..4 (n = 5), inline: two lanes at a time in SSE2 (part of
 * x86-64, so no dispatch) and the fifth alone, the same IEEE operations as the scalar reference,
 * so the same bits; rt[5..] untouched. The feature engine's per-tick read: through the dispatch
 * pointer, the kernel's call and loops were about half its instructions (bench/icount). */
static inline void volt_slide_rt5(const volt_slide8_t *w, double x, double *rt)
{
#if defined(__SSE2__)
    const __m128d xv = _mm_set1_pd(x), zero = _mm_setzero_pd();
    for (int i = 0; i < 4; i += 2) {
        const __m128d v = _mm_add_pd(_mm_add_pd(_mm_load_pd(w->s + i), _mm_load_pd(w->c + i)), xv);
        _mm_storeu_pd(rt + i, _mm_sqrt_pd(_mm_max_pd(v, zero)));
    }
    const __m128d v = _mm_add_sd(_mm_add_sd(_mm_load_sd(w->s + 4), _mm_load_sd(w->c + 4)), xv);
    const __m128d m = _mm_max_sd(v, zero);
    _mm_store_sd(rt + 4, _mm_sqrt_sd(m, m));
#else
    for (int i = 0; i < 5; i++) {
        const double v = (w->s[i] + w->c[i]) + x;
        rt[i] = sqrt(v > 0.0 ? v : 0.0);
    }
#endif
}

/* Internal: set by simd/cpu.c. */
extern volt_slide_update_fn volt_slide_update_impl_;
extern volt_slide_read_fn volt_slide_read_impl_;
extern volt_slide_rt_shared_fn volt_slide_rt_shared_impl_;

#endif

/* simd/slide: the SSE2 and AVX2 kernels equal the scalar reference bit for bit on random inputs
 * (wide dynamic range, both signs, long runs) and on realistic squared returns; the compensated
 * sliding sum stays within a few ulps of an exact recomputation after a million slides. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd/cpu.h"
#include "simd/slide.h"

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}
static double urand(uint64_t *s) { return (double)(rng(s) >> 11) / 9007199254740992.0; }

typedef void (*upd_t)(volt_slide8_t *, const double *, const double *);
typedef void (*rd_t)(const volt_slide8_t *, const double *, double *, double *);

static void run_same(upd_t u, rd_t r, const char *name, int wide)
{
    volt_slide8_t a = {0}, b = {0};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    double add[8], sub[8], oa[8], ob[8], ra[8], rb[8];
    for (int it = 0; it < 200000; it++) {
        for (int i = 0; i < 8; i++) {
            const double m = wide ? ldexp(urand(&seed), (int)(rng(&seed) % 80) - 60) : urand(&seed) * 1e-8;
            add[i] = (wide && (rng(&seed) & 1)) ? -m : m;
            sub[i] = it % 3 ? add[(i + 3) & 7] * 0.5 : 0.0;
        }
        volt_slide_update_scalar(&a, add, sub);
        u(&b, add, sub);
        volt_slide_read_scalar(&a, add, oa, ra);
        r(&b, add, ob, rb);
        if (memcmp(&a, &b, sizeof a) || memcmp(oa, ob, sizeof oa) || memcmp(ra, rb, sizeof ra)) {
            cr_assert_fail("%s differs from the scalar reference at step %d", name, it);
            return;
        }
    }
}

Test(simd_slide, sse2_equals_scalar_bit_for_bit)
{
    run_same(volt_slide_update_sse2, volt_slide_read_sse2, "sse2", 1);
    run_same(volt_slide_update_sse2, volt_slide_read_sse2, "sse2", 0);
}

Test(simd_slide, avx2_equals_scalar_bit_for_bit)
{
    if (volt_simd_force(VOLT_ISA_AVX2) != VOLT_ISA_AVX2) {
        volt_simd_init();
        cr_skip_test("this CPU has no AVX2");
    }
    volt_simd_init();
    run_same(volt_slide_update_avx2, volt_slide_read_avx2, "avx2", 1);
    run_same(volt_slide_update_avx2, volt_slide_read_avx2, "avx2", 0);
}

/* One random slide of w: lane i adds a value of magnitude 2^-50..2^10 and, except on every
 * `every`-th step, takes out lane i+shift's new value times scale. Returns a random x of either
 * sign and of the same range (a window whose sum plus x is negative reads as 0). */
static double random_slide(volt_slide8_t *w, uint64_t *seed, int it, int every, int shift,
                           double scale)
{
    double add[8], sub[8];
    for (int i = 0; i < 8; i++) {
        add[i] = ldexp(urand(seed), (int)(rng(seed) % 60) - 50);
        sub[i] = it % every ? add[(i + shift) & 7] * scale : 0.0;
    }
    volt_slide_update_scalar(w, add, sub);
    const double sign = rng(seed) & 1 ? -1.0 : 1.0;
    return sign * ldexp(urand(seed), (int)(rng(seed) % 60) - 50);
}

/* The read for lanes sharing one current value: for every count of shared lanes (0..8), every
 * kernel gives volt_slide_read_scalar's rt with cur[i] = x, bit for bit, and writes no lane past
 * the count. */
Test(simd_slide, shared_value_read_equals_the_general_read_bit_for_bit)
{
    const int avx2 = volt_simd_force(VOLT_ISA_AVX2) == VOLT_ISA_AVX2;
    volt_simd_init();
    const volt_slide_rt_shared_fn fns[2] = {volt_slide_rt_shared_scalar, volt_slide_rt_shared_avx2};
    volt_slide8_t w = {0};
    uint64_t seed = 7;
    for (int it = 0; it < 100000; it++) {
        double cur[8], out[8], want[8];
        const double x = random_slide(&w, &seed, it, 4, 1, 0.75);
        for (int i = 0; i < 8; i++)
            cur[i] = x;
        volt_slide_read_scalar(&w, cur, out, want);
        const int n = it % 9;
        for (int k = 0; k < 1 + avx2; k++) {
            double rt[9];
            for (int i = 0; i < 9; i++)
                rt[i] = -1.0;
            fns[k](&w, x, n, rt);
            for (int i = 0; i < n; i++)
                cr_assert(memcmp(&rt[i], &want[i], sizeof want[i]) == 0,
                          "%s: step %d lane %d: %.17g vs %.17g", k ? "avx2" : "scalar", it, i,
                          rt[i], want[i]);
            for (int i = n; i < 9; i++)
                cr_assert_eq(rt[i], -1.0, "lane %d past the count %d was written", i, n);
        }
    }
}

/* The inline five-lane read (the feature engine's per-tick one) against the general read, bit for
 * bit, on windows of either sign, x of either sign, NaN and signed zeros; nothing past lane 4. */
Test(simd_slide, five_lane_inline_read_equals_the_general_read_bit_for_bit)
{
    volt_slide8_t w = {0};
    uint64_t seed = 11;
    for (int it = 0; it < 100000; it++) {
        double cur[8], out[8], want[8];
        double x = random_slide(&w, &seed, it, 3, 3, 1.5);
        if (it % 1000 == 1)
            x = NAN;
        else if (it % 1000 == 2)
            x = -0.0;
        else if (it % 1000 == 3)
            x = -(w.s[it % 5] + w.c[it % 5]); /* a lane that sums to a zero */
        for (int i = 0; i < 8; i++)
            cur[i] = x;
        volt_slide_read_scalar(&w, cur, out, want);
        double rt[8];
        for (int i = 0; i < 8; i++)
            rt[i] = -1.0;
        volt_slide_rt5(&w, x, rt);
        for (int i = 0; i < 5; i++)
            cr_assert(memcmp(&rt[i], &want[i], sizeof want[i]) == 0,
                      "step %d lane %d: %.17g vs %.17g", it, i, rt[i], want[i]);
        for (int i = 5; i < 8; i++)
            cr_assert_eq(rt[i], -1.0, "lane %d was written", i);
    }
}

/* A window of W squared returns slid a million times, with bursts 10^6 times larger than the
 * quiet values passing through: S + C stays within 1e-12 relative of the exact window sum (a
 * plain running sum is off by far more after the bursts leave). */
Test(simd_slide, compensated_window_tracks_the_exact_sum)
{
    enum { W = 300, N = 1000000 };
    static double x[N];
    uint64_t seed = 42;
    for (int i = 0; i < N; i++) {
        const double r = (urand(&seed) - 0.5) * ((i / 5000) % 7 == 3 ? 1e-2 : 1e-5);
        x[i] = r * r;
    }
    volt_simd_init();
    volt_slide8_t w = {0};
    double plain = 0.0, worst = 0.0, worst_plain = 0.0;
    for (int i = 0; i < N; i++) {
        double add[8], sub[8], out[8], rt[8], zero[8] = {0};
        for (int l = 0; l < 8; l++) {
            add[l] = x[i];
            sub[l] = i >= W ? x[i - W] : 0.0;
        }
        volt_slide_update(&w, add, sub);
        plain += add[0];
        plain -= sub[0];
        if (i % 4999 == 0 && i >= W) {
            long double exact = 0.0L;
            for (int k = i - W + 1; k <= i; k++)
                exact += (long double)x[k];
            volt_slide_read(&w, zero, out, rt);
            const double e = fabs((double)((long double)out[0] - exact) / (double)exact);
            const double ep = fabs((double)((long double)plain - exact) / (double)exact);
            worst = e > worst ? e : worst;
            worst_plain = ep > worst_plain ? ep : worst_plain;
        }
    }
    cr_expect_leq(worst, 1e-12, "compensated: worst relative error %.3g", worst);
    cr_log_info("compensated %.3g vs plain running sum %.3g", worst, worst_plain);
    cr_expect_gt(worst_plain, worst, "the plain sum should drift more (%.3g vs %.3g)", worst_plain,
                 worst);
}

/* simd/vlog: the AVX2 kernel (volt's own inline log) and the SSE2 kernel (glibc libmvec) within 4
 * ulp of libm's log on random positive inputs over the whole exponent range, subnormals, values
 * just either side of 1 (where log is smallest) and the values the logistic scorer feeds it
 * (volatilities 1e-8..1e-2, bps, counts); log(1) = 0 exactly. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd/cpu.h"
#include "simd/vexp.h"
#include "simd/vlog.h"

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double ulps(double a, double b)
{
    if (a == b)
        return 0.0;
    return fabs(a - b) / (nextafter(fabs(b), INFINITY) - fabs(b));
}

static void check(volt_isa_t isa)
{
    if (volt_simd_force(isa) != isa) {
        cr_log_warn("CPU lacks %s: skipped", volt_simd_isa_name(isa));
        volt_simd_init();
        return;
    }
    enum { N = 4096 };
    static double in[N + 4], got[N + 4];
    uint64_t s = 12345;
    double worst = 0.0;
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < N; i++) {
            if (i % 2) { /* any positive normal double */
                uint64_t b = (rng(&s) & 0x000FFFFFFFFFFFFFull) | ((1 + rng(&s) % 2045) << 52);
                memcpy(&in[i], &b, 8);
            } else if (i % 8 == 2) { /* subnormal */
                uint64_t b = 1 + (rng(&s) & 0x000FFFFFFFFFFFFFull) % 0x000FFFFFFFFFFFFFull;
                memcpy(&in[i], &b, 8);
            } else if (i % 8 == 4) { /* within 2^-k of 1, k = 1..52 */
                const double u = (double)(rng(&s) >> 11) / 9007199254740992.0 - 0.5;
                in[i] = 1.0 + ldexp(u, -(int)(rng(&s) % 52));
            } else { /* the scorer's range */
                in[i] = exp(-20.0 + 28.0 * (double)(rng(&s) >> 11) / 9007199254740992.0);
            }
        }
        in[0] = 1.0;
        in[1] = DBL_MIN;
        in[2] = DBL_MAX;
        const int n = 1 + (int)(rng(&s) % N); /* odd lengths: the padded tail must not matter */
        memcpy(got, in, sizeof in);
        for (int i = n; i < ((n + 3) & ~3); i++)
            got[i] = 1.0;
        volt_log_n(got, n);
        for (int i = 0; i < n; i++) {
            const double u = ulps(got[i], log(in[i]));
            if (u > worst)
                worst = u;
            cr_assert(u <= 4.0, "%s: log(%a) = %a, libm %a (%g ulp)", volt_simd_isa_name(isa), in[i],
                      got[i], log(in[i]), u);
        }
        cr_assert_eq(got[0], 0.0);
    }
    cr_log_info("%s: largest difference from libm %.2f ulp", volt_simd_isa_name(isa), worst);
    volt_simd_init();
}

Test(vlog, avx2_within_4_ulp) { check(VOLT_ISA_AVX2); }
Test(vlog, sse2_within_4_ulp) { check(VOLT_ISA_SSE2); }
Test(vlog, scalar_is_libm) { check(VOLT_ISA_SCALAR); }

/* simd/vexp.h: the scorers' inline exp within 2 ulp of libm's exp over [-708, 708] (random, near 0
 * and at the ends), clamped outside it, NaN kept; the logistic link 1 / (1 + exp(-z)) within 6 ulp of libm's (two roundings of its own on top
 * of exp's). */
Test(vexp, within_2_ulp_of_libm)
{
    if (volt_simd_force(VOLT_ISA_AVX2) != VOLT_ISA_AVX2) {
        volt_simd_init();
        cr_skip_test("CPU lacks AVX2/FMA: the inline exp is used only there");
    }
    volt_simd_init();
    uint64_t s = 777;
    double worst = 0.0, worst_sig = 0.0;
    for (int i = 0; i < 2000000; i++) {
        const double u = (double)(rng(&s) >> 11) / 9007199254740992.0;
        const double x = i % 3 == 0 ? 1416.0 * u - 708.0 : i % 3 == 1 ? ldexp(u - 0.5, -(int)(rng(&s) % 60))
                                                                      : 80.0 * u - 40.0;
        const double got = volt_exp_fma(x), want = exp(x);
        const double ue = ulps(got, want);
        if (ue > worst)
            worst = ue;
        cr_assert(ue <= 2.0, "exp(%a) = %a, libm %a (%g ulp)", x, got, want, ue);
        if (fabs(x) > 700.0) /* 1 / (1 + exp(-x)) itself leaves the normal range there */
            continue;
        const double us = ulps(volt_sigmoid_fma(x), 1.0 / (1.0 + exp(-x)));
        if (us > worst_sig)
            worst_sig = us;
        cr_assert(us <= 6.0, "sigmoid(%a) = %a: %g ulp from libm's %a", x, volt_sigmoid_fma(x), us,
                  1.0 / (1.0 + exp(-x)));
    }
    cr_assert_eq(volt_exp_fma(0.0), 1.0);
    cr_assert(ulps(volt_exp_fma(-1000.0), exp(-708.0)) <= 2.0, "clamped below");
    cr_assert(ulps(volt_exp_fma(1000.0), exp(708.0)) <= 2.0, "clamped above");
    cr_assert_eq(volt_sigmoid_fma(1000.0), 1.0);
    cr_assert(volt_sigmoid_fma(-1000.0) > 0.0 && volt_sigmoid_fma(-1000.0) < 1e-307);
    cr_assert(isnan(volt_exp_fma(NAN)));
    cr_assert_eq(volt_sigmoid_fma(0.0), 0.5);
    cr_log_info("exp: largest difference from libm %.2f ulp; sigmoid %.2f ulp", worst, worst_sig);
}

#if defined(__x86_64__)
#include "simd/vlog_avx2.h"

__attribute__((target("avx2,fma"))) static void log4_normal(const double *in, double *out)
{
    _mm256_storeu_pd(out, volt_log4_normal_avx2(_mm256_loadu_pd(in)));
}

/* The logistic scorer logs unusable inputs as they are and blends them away (engine/model/model.c), which
 * is safe only if their lanes stay finite: every bit pattern outside the kernel's domain — NaN of
 * either sign, infinities, zeros, negatives, subnormals, the largest double — gives a finite lane,
 * and the usable lanes beside them are still within 4 ulp of libm's. */
Test(vlog, avx2_lanes_outside_the_domain_stay_finite)
{
    if (volt_simd_force(VOLT_ISA_AVX2) != VOLT_ISA_AVX2) {
        volt_simd_init();
        cr_skip_test("CPU lacks AVX2/FMA");
    }
    volt_simd_init();
    const double odd[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, -1.0, -DBL_MAX,
                          -DBL_MIN, 4.9e-324, -4.9e-324, 0x1p-1060, DBL_MAX, -0x1p-1074, -1e-300,
                          -3.5};
    const size_t n = sizeof odd / sizeof odd[0];
    for (size_t i = 0; i < n; i++) {
        const double in[4] = {odd[i], 2.5, odd[(i + 5) % n], 1e-300};
        double out[4];
        log4_normal(in, out);
        cr_assert(isfinite(out[0]) && isfinite(out[2]), "log4(%a, %a) lanes: %a, %a", in[0], in[2],
                  out[0], out[2]);
        cr_assert(ulps(out[1], log(2.5)) <= 4.0 && ulps(out[3], log(1e-300)) <= 4.0);
    }
}
#endif

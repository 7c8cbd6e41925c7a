/* simd/vlog: the SSE2 and AVX2 kernels (glibc libmvec) within 4 ulp of libm's log on random
 * positive inputs over the whole exponent range and on the values the logistic scorer feeds it
 * (volatilities 1e-8..1e-2, bps, counts); log(1) = 0 exactly. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd/cpu.h"
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

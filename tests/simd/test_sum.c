/* simd/sum: the AVX2 kernel equals the scalar reference to 1e-12 of sum|x|. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "simd/cpu.h"
#include "simd/sum.h"

static double urand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (double)(*s >> 8) / (double)(1u << 24) - 0.5;
}

Test(simd_sum, avx2_matches_scalar_on_random_inputs)
{
    unsigned seed = 7;
    static double a[1031], b[1031];
    for (int n = 0; n <= 1031; n += 13) {
        double abs_a = 0, abs_b = 0;
        for (int i = 0; i < n; i++) {
            a[i] = urand(&seed) * 1e-4;
            b[i] = a[i] * a[i];
            abs_a += fabs(a[i]);
            abs_b += b[i];
        }
        double sa, sb, va, vb;
        volt_sum2_scalar(a, b, (size_t)n, &sa, &sb);
        volt_sum2_avx2(a, b, (size_t)n, &va, &vb);
        cr_expect_leq(fabs(sa - va), 1e-12 * abs_a + 1e-300, "n=%d", n);
        cr_expect_leq(fabs(sb - vb), 1e-12 * abs_b + 1e-300, "n=%d", n);
    }
}

Test(simd_sum, dispatch_honours_a_forced_scalar_isa)
{
    cr_expect_eq(volt_simd_force(VOLT_ISA_SCALAR), VOLT_ISA_SCALAR);
    const double a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    double x, y;
    volt_sum2(a, b, 3, &x, &y);
    cr_expect_eq(x, 6.0);
    cr_expect_eq(y, 15.0);
}

Test(simd_sum, empty_input_sums_to_zero)
{
    double x = 1, y = 1;
    volt_sum2_avx2(NULL, NULL, 0, &x, &y);
    cr_expect_eq(x, 0.0);
    cr_expect_eq(y, 0.0);
}

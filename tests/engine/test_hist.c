/* engine/hist: bucket edges and quantiles within the promised 1/32 relative error. */
#include <criterion/criterion.h>

#include "engine/base/hist.h"

Test(hist, every_value_lands_in_a_bucket_whose_top_bounds_it)
{
    for (uint64_t v = 0; v < 5000000; v += 1 + v / 50) {
        const uint32_t i = volt_hist_index(v);
        cr_assert_lt(i, VOLT_HIST_BUCKETS);
        cr_assert_geq(volt_hist_bucket_top(i), v);
        cr_assert_leq(volt_hist_bucket_top(i), v + v / 32 + 1, "v=%lu", (unsigned long)v);
    }
    cr_expect_lt(volt_hist_index(UINT64_MAX), VOLT_HIST_BUCKETS);
}

Test(hist, quantiles_of_a_uniform_ramp)
{
    static volt_hist_t h;
    volt_hist_init(&h);
    for (uint64_t v = 1; v <= 100000; v++)
        volt_hist_record(&h, v);
    const uint64_t p50 = volt_hist_quantile(&h, 0.5), p99 = volt_hist_quantile(&h, 0.99);
    cr_expect(p50 >= 50000 && p50 <= 50000 + 50000 / 32 + 1, "p50=%lu", (unsigned long)p50);
    cr_expect(p99 >= 99000 && p99 <= 100000, "p99=%lu", (unsigned long)p99);
    cr_expect_eq(volt_hist_quantile(&h, 1.0), 100000);
    cr_expect_eq(h.count, 100000);
}

Test(hist, merge_adds_counts)
{
    static volt_hist_t a, b;
    volt_hist_init(&a);
    volt_hist_init(&b);
    volt_hist_record(&a, 10);
    volt_hist_record(&b, 1000);
    volt_hist_merge(&a, &b);
    cr_expect_eq(a.count, 2);
    cr_expect_eq(a.max, 1000);
    cr_expect_eq(a.min, 10);
}

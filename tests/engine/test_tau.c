/* engine/tau: the trailing percentile against a brute-force recomputation (sort the window's
 * defined samples, numpy's default interpolation) over long random sequences with undefined
 * seconds, ties, zeros, short and long gaps. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/features/tau.h"

#define SPAN 20000

static double hist[SPAN]; /* sample of each second relative to the start; NaN: none */

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The percentile of the defined samples of seconds (c - W, c], from scratch. */
static double brute(int64_t c)
{
    static double w[VOLT_TAU_WINDOW_S];
    uint32_t n = 0;
    for (int64_t s = c - VOLT_TAU_WINDOW_S + 1; s <= c; s++)
        if (s >= 0 && !isnan(hist[s]))
            w[n++] = hist[s];
    if (n < VOLT_TAU_MIN_SAMPLES)
        return NAN;
    qsort(w, n, sizeof w[0], cmp);
    const double h = (double)(n - 1) * VOLT_TAU_QUANTILE;
    const uint32_t lo = (uint32_t)floor(h);
    const double fr = h - floor(h);
    const double a = w[lo], b = w[lo + 1 < n ? lo + 1 : lo], d = b - a;
    return fr >= 0.5 ? b - d * (1.0 - fr) : a + d * fr;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double uni(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1p-53;
}

static void run(int quantized, double p_nan, double p_gap)
{
    static volt_tau_t t;
    volt_tau_init(&t);
    for (int64_t s = 0; s < SPAN; s++)
        hist[s] = NAN;
    uint32_t checked = 0, defined = 0, skipped = 0;
    for (int64_t s = 0; s < SPAN; s++) {
        if (uni() < p_gap) { /* a gap: seconds with no close at all, then skip_to */
            const int64_t len = uni() < 0.5 ? 1 + (int64_t)(uni() * 50) : 1500 + (int64_t)(uni() * 800);
            const int64_t end = s + len < SPAN ? s + len : SPAN - 1;
            volt_tau_skip_to(&t, end);
            skipped += (uint32_t)(end - s);
            s = end;
        }
        double x = NAN;
        if (uni() >= p_nan) {
            x = quantized ? floor(uni() * 8.0) * 0.25e-4 : uni() * uni() * 3e-3;
            if (uni() < 0.02)
                x = 0.0;
        }
        hist[s] = x;
        volt_tau_record(&t, s, x);
        const double want = brute(s);
        if (isnan(want)) {
            cr_assert(isnan(t.cur), "second %lld: %.17g where too few samples", (long long)s, t.cur);
        } else {
            cr_assert(t.cur == want, "second %lld: %.17g, sorted window gives %.17g", (long long)s,
                      t.cur, want);
            defined++;
        }
        checked++;
    }
    cr_assert_gt(defined, SPAN / 8, "the percentile was defined on %u seconds only", defined);
    cr_assert_eq(checked, SPAN - skipped, "every recorded second checked");
}

Test(tau, equals_the_sorted_window_on_continuous_values) { run(0, 0.05, 0.0); }
Test(tau, equals_the_sorted_window_with_ties_and_zeros) { run(1, 0.05, 0.0); }
Test(tau, equals_the_sorted_window_across_gaps) { run(0, 0.2, 0.001); }

Test(tau, ignores_a_second_already_recorded)
{
    static volt_tau_t t;
    volt_tau_init(&t);
    for (int64_t s = 0; s < 400; s++)
        volt_tau_record(&t, s, (double)s);
    const double before = t.cur;
    cr_assert(!isnan(before));
    volt_tau_record(&t, 100, 1e9); /* late: ignored */
    cr_assert_eq(t.cur, before);
    cr_assert_eq(t.n, 400u);
    /* numpy: percentile(0..399, 90) = 359.1 */
    cr_assert(fabs(before - 359.1) < 1e-9, "%.17g", before);
}

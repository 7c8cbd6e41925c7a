/* The engine clock (engine/base/clock.h): TSC-based where the kernel trusts the TSC, CLOCK_MONOTONIC
 * otherwise; both must measure the same durations as CLOCK_MONOTONIC. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/base/clock.h"

/* volt_clock_ns() read between two CLOCK_MONOTONIC reads no more than 50 us apart (retried when
 * the thread was preempted in between); *mono is the bracket's midpoint. */
static int64_t bracketed(int64_t *mono)
{
    for (int i = 0; i < 1000; i++) {
        const int64_t a = volt_clock_monotonic_ns();
        const int64_t v = volt_clock_ns();
        const int64_t b = volt_clock_monotonic_ns();
        if (b - a <= 50000) {
            *mono = a + (b - a) / 2;
            return v;
        }
    }
    cr_assert_fail("no quiet moment to read the clocks in 1000 tries");
    return 0;
}

static void check_durations(void)
{
    int64_t m0, m1;
    const int64_t v0 = bracketed(&m0);
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = 30 * 1000 * 1000};
    nanosleep(&pause, NULL);
    const int64_t v1 = bracketed(&m1);
    const double dv = (double)(v1 - v0), dm = (double)(m1 - m0);
    cr_assert(dm >= 30e6, "slept %.0f ns", dm);
    /* the calibration's rate error is a few ppm; allow 1000 ppm plus the two brackets */
    cr_assert(dv >= dm * 0.999 - 100e3 && dv <= dm * 1.001 + 100e3,
              "the engine clock (%s) measured %.0f ns where CLOCK_MONOTONIC measured %.0f ns",
              volt_clock_info().source, dv, dm);
}

Test(clock, never_goes_back_within_a_thread)
{
    int64_t prev = volt_clock_ns();
    int64_t back = 0;
    for (int i = 0; i < 2000000; i++) {
        const int64_t t = volt_clock_ns();
        back += t < prev;
        prev = t;
    }
    cr_assert_eq(back, 0, "%lld reads went back in time (%s clock)", (long long)back,
                 volt_clock_info().source);
}

Test(clock, measures_the_same_durations_as_clock_monotonic)
{
    const volt_clock_info_t ck = volt_clock_info();
    cr_log_info("clock: %s%s%s", ck.source, *ck.why ? ", " : "", ck.why);
    if (ck.tsc_ghz > 0) {
        cr_assert(ck.tsc_ghz > 0.1 && ck.tsc_ghz < 20.0, "TSC at %g GHz", ck.tsc_ghz);
        cr_assert(ck.ppm_bound >= 0.0 && ck.ppm_bound < 1000.0, "rate bound %g ppm", ck.ppm_bound);
    }
    check_durations();
}

Test(clock, is_anchored_to_clock_monotonic)
{
    int64_t m;
    const int64_t v = bracketed(&m);
    /* right after start-up the two agree to the calibration's error over the process's lifetime */
    cr_assert(llabs(v - m) < 1000000, "engine clock %lld ns, CLOCK_MONOTONIC %lld ns", (long long)v,
              (long long)m);
}

Test(clock, volt_clock_monotonic_forces_the_fallback)
{
    setenv("VOLT_CLOCK", "monotonic", 1);
    volt_clock_init();
    const volt_clock_info_t ck = volt_clock_info();
    cr_assert_str_eq(ck.source, "monotonic");
    cr_assert_str_eq(ck.why, "VOLT_CLOCK=monotonic");
    const int64_t a = volt_clock_monotonic_ns(), v = volt_clock_ns(), b = volt_clock_monotonic_ns();
    cr_assert(a <= v && v <= b, "the fallback is CLOCK_MONOTONIC itself");
    check_durations();
    unsetenv("VOLT_CLOCK");
    volt_clock_init();
}

#include "engine/base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

volt_clock_state_t volt_clock_ = {0};
static volt_clock_info_t g_info = {.source = "monotonic", .why = "not calibrated"};

#if defined(__x86_64__)
/* One TSC reading bracketed by two CLOCK_MONOTONIC readings; the tightest of several tries (a
 * preempted try has a wide bracket). The monotonic time is the bracket's midpoint. */
static void sample(uint64_t *tsc, int64_t *ns, int64_t *width)
{
    *width = INT64_MAX;
    for (int i = 0; i < 16; i++) {
        const int64_t a = volt_clock_monotonic_ns();
        _mm_lfence();
        const uint64_t t = __rdtsc();
        _mm_lfence();
        const int64_t b = volt_clock_monotonic_ns();
        if (b - a < *width) {
            *width = b - a;
            *tsc = t;
            *ns = a + (b - a) / 2;
        }
    }
}

static const char *tsc_unusable(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return "the CPU does not report TSC properties";
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    if (!(d & (1u << 8)))
        return "the CPU's TSC is not invariant";
    /* the kernel demotes the TSC from its clocksource when it finds it unstable (skewed cores,
     * a hypervisor that does not keep it steady): follow its judgement */
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (!f)
        return "the kernel's clocksource is unknown";
    char cs[32] = {0};
    const int ok = fgets(cs, sizeof cs, f) != NULL;
    fclose(f);
    if (!ok || strncmp(cs, "tsc", 3) != 0 || (cs[3] != '\n' && cs[3] != '\0'))
        return "the kernel's clocksource is not the TSC";
    return NULL;
}
#endif

void volt_clock_init(void)
{
    volt_clock_.tsc = 0;
    g_info = (volt_clock_info_t){.source = "monotonic", .why = ""};
    const char *env = getenv("VOLT_CLOCK");
    if (env && strcmp(env, "monotonic") == 0) {
        g_info.why = "VOLT_CLOCK=monotonic";
        return;
    }
#if defined(__x86_64__)
    const char *why = tsc_unusable();
    if (why) {
        g_info.why = why;
        return;
    }
    uint64_t t0, t1;
    int64_t n0, n1, w0, w1;
    sample(&t0, &n0, &w0);
    /* 4 ms between the two anchors: with brackets of ~50 ns the rate is known to ~10 ppm */
    do
        sample(&t1, &n1, &w1);
    while (n1 - n0 < 4000000);
    if (t1 <= t0) {
        g_info.why = "the TSC did not advance";
        return;
    }
    const double ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
    volt_clock_.mult = (uint64_t)(ns_per_tick * 4294967296.0 + 0.5);
    volt_clock_.base_tsc = t1;
    volt_clock_.base_ns = n1;
    volt_clock_.tsc = 1;
    g_info.source = "tsc";
    g_info.tsc_ghz = 1.0 / ns_per_tick;
    /* each anchor is its bracket's midpoint: off by at most half the bracket */
    g_info.ppm_bound = 1e6 * (double)(w0 + w1) / 2.0 / (double)(n1 - n0);
#else
    g_info.why = "not an x86-64 build";
#endif
}

volt_clock_info_t volt_clock_info(void) { return g_info; }

__attribute__((constructor)) static void volt_clock_ctor(void) { volt_clock_init(); }

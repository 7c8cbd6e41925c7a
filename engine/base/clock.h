/* engine/base/clock.h — the engine's monotonic clock, read several times per tick on the hot thread.
 *
 * Every latency figure, pacing deadline, watchdog and flush timer in volt reads volt_clock_ns().
 * On x86-64 with an invariant TSC that the kernel itself uses as its clocksource, it is the TSC
 * scaled to nanoseconds (`lfence; rdtsc` and one 64x64->128-bit multiply), anchored to
 * CLOCK_MONOTONIC and calibrated against it when the process starts (4 ms). Anywhere else, or
 * with VOLT_CLOCK=monotonic in the environment, it is clock_gettime(CLOCK_MONOTONIC).
 *
 * Only differences of volt_clock_ns() values are meaningful: the TSC path follows
 * CLOCK_MONOTONIC's rate to the calibration's accuracy (volt_clock_info().ppm_bound: 13-14 ppm on
 * the project's VM), not NTP's slewing, so never compare its values with another clock's. */
#ifndef VOLT_ENGINE_CLOCK_H
#define VOLT_ENGINE_CLOCK_H

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

typedef struct volt_clock_state {
    int tsc;           /* 1: the TSC path */
    uint64_t base_tsc; /* TSC at the anchor */
    int64_t base_ns;   /* CLOCK_MONOTONIC at the anchor */
    uint64_t mult;     /* nanoseconds per TSC tick, 32.32 fixed point */
} volt_clock_state_t;

extern volt_clock_state_t volt_clock_;

static inline int64_t volt_clock_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t volt_clock_ns(void)
{
#if defined(__x86_64__)
    if (__builtin_expect(volt_clock_.tsc, 1)) {
        /* lfence first, as the kernel's own TSC read does: a bare rdtsc may execute before the
         * instructions ahead of it (the ~100 ns of work in the reorder window), which would move
         * every stage boundary early; signed: a read on a core whose TSC lags the anchor's by a
         * few ticks stays sane */
        _mm_lfence();
        const int64_t d = (int64_t)(__rdtsc() - volt_clock_.base_tsc);
        return volt_clock_.base_ns + (int64_t)(((__int128)d * (__int128)volt_clock_.mult) >> 32);
    }
#endif
    return volt_clock_monotonic_ns();
}

/* t1 - t0 as an unsigned duration, 0 when t1 < t0: readings on two cores (a frame stamped by the
 * source, read by the hot agent) are ordered by the ring's release/acquire, but `rdtsc` is not an
 * ordered instruction and two cores' TSCs may differ by a few ticks, so a latency of a few ns could
 * come out negative; it must not turn into a 2^64 ns histogram entry. */
static inline uint64_t volt_clock_elapsed(int64_t t0, int64_t t1)
{
    return t1 > t0 ? (uint64_t)(t1 - t0) : 0;
}

typedef struct volt_clock_info {
    const char *source;  /* "tsc" or "monotonic" */
    const char *why;     /* why the TSC is not used ("" when it is) */
    double tsc_ghz;      /* calibrated TSC rate (0 without the TSC path) */
    double ppm_bound;    /* bound on the rate error from the calibration brackets */
} volt_clock_info_t;

volt_clock_info_t volt_clock_info(void);

/* Chooses and calibrates the clock. Runs by itself before main (a constructor); calling it again
 * re-anchors and recalibrates (tests). Not thread-safe against concurrent readers. */
void volt_clock_init(void);

#endif

/* bench/ab_util.h — what the paired benches share: the clock a block is timed with, the
 * comparison their medians are sorted with (the A/B drivers bench/ab_model.c, bench/ab_features.c)
 * and the median itself (the paired parse and ring benches in volt-bench). */
#ifndef VOLT_BENCH_AB_UTIL_H
#define VOLT_BENCH_AB_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double volt_ab_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* qsort order of doubles */
static inline int volt_ab_cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n), n >= 1; sorts v. */
static inline double volt_ab_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, volt_ab_cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#endif

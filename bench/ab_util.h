/* bench/ab_util.h — what the paired A/B drivers (bench/ab_model.c, bench/ab_features.c) share:
 * the clock a block is timed with and the comparison their medians are sorted with. */
#ifndef VOLT_BENCH_AB_UTIL_H
#define VOLT_BENCH_AB_UTIL_H

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

#endif

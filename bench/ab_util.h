/* bench/ab_util.h — what the paired benches share: the clock a block is timed with, the
 * comparison their medians are sorted with and the row they print (the A/B drivers
 * bench/ab_model.c, bench/ab_features.c), and the median itself (the paired parse and ring benches in volt-bench). */
#ifndef VOLT_BENCH_AB_UTIL_H
#define VOLT_BENCH_AB_UTIL_H

#include <stdio.h>
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

/* One row of an A/B driver's table from the two arms' sorted per-block times (n blocks each): the
 * medians, the 10th percentiles and the driver's B/A. */
static inline void volt_ab_row(const char *what, const double *a, const double *b, size_t n,
                               double ratio)
{
    printf("%-26s %10.1f %10.1f %10.1f %10.1f %8.3f\n", what, a[n / 2], b[n / 2], a[n / 10],
           b[n / 10], ratio);
}

/* The median of v[0..n), n >= 1; sorts v. */
static inline double volt_ab_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, volt_ab_cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#endif

/* engine/base/hist.h — log-linear latency histogram (HdrHistogram-style), fixed size, no allocation.
 *
 * Values (ns) below 64 have their own bucket; above, each power of two is split into 32 buckets,
 * so a reported percentile is within 1/32 (3.1%) of the true value. Recording is two shifts and an
 * increment; one histogram belongs to one thread, and merging happens off the hot path. */
#ifndef VOLT_ENGINE_HIST_H
#define VOLT_ENGINE_HIST_H

#include <stdint.h>

#define VOLT_HIST_BUCKETS (64 + 58 * 32)

typedef struct volt_hist {
    uint64_t count;
    uint64_t sum; /* of every value recorded (the metrics' _sum) */
    uint64_t max;
    uint64_t min;
    uint64_t b[VOLT_HIST_BUCKETS];
} volt_hist_t;

void volt_hist_init(volt_hist_t *h);

static inline uint32_t volt_hist_index(uint64_t v)
{
    if (v < 64)
        return (uint32_t)v;
    const uint32_t msb = 63u - (uint32_t)__builtin_clzll(v);
    const uint32_t shift = msb - 5u;
    return 64u + (msb - 6u) * 32u + (uint32_t)((v >> shift) - 32u);
}

static inline void volt_hist_record(volt_hist_t *h, uint64_t v)
{
    h->b[volt_hist_index(v)]++;
    h->count++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
    if (v < h->min)
        h->min = v;
}

/* Highest value that maps to bucket i. */
uint64_t volt_hist_bucket_top(uint32_t i);
/* Value at quantile q in [0,1] (upper edge of its bucket, capped at the max); 0 when empty. */
uint64_t volt_hist_quantile(const volt_hist_t *h, double q);
void volt_hist_merge(volt_hist_t *into, const volt_hist_t *from);
/* Brings `into`, an earlier copy of `from` (or a cleared histogram), up to date with it, copying
 * only the buckets between its min and max: a histogram only grows, so none outside can have
 * changed. A few kB for a live latency histogram instead of its 15 kB. */
void volt_hist_copy_grown(volt_hist_t *into, const volt_hist_t *from);

#endif

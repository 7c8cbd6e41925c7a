#include "engine/base/hist.h"

#include <string.h>

void volt_hist_init(volt_hist_t *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

uint64_t volt_hist_bucket_top(uint32_t i)
{
    if (i < 64)
        return i;
    const uint32_t k = i - 64;
    const uint32_t msb = k / 32 + 6;
    const uint32_t sub = k % 32;
    const uint32_t shift = msb - 5;
    return (((uint64_t)(32 + sub + 1)) << shift) - 1;
}

uint64_t volt_hist_quantile(const volt_hist_t *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0.0)
        return h->min;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < VOLT_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            const uint64_t top = volt_hist_bucket_top(i);
            return top < h->max ? top : h->max;
        }
    }
    return h->max;
}

void volt_hist_merge(volt_hist_t *into, const volt_hist_t *from)
{
    for (uint32_t i = 0; i < VOLT_HIST_BUCKETS; i++)
        into->b[i] += from->b[i];
    into->count += from->count;
    into->sum += from->sum;
    if (from->max > into->max)
        into->max = from->max;
    if (from->min < into->min)
        into->min = from->min;
}

void volt_hist_copy_grown(volt_hist_t *into, const volt_hist_t *from)
{
    into->count = from->count;
    into->sum = from->sum;
    into->max = from->max;
    into->min = from->min;
    if (from->count == 0)
        return;
    const uint32_t lo = volt_hist_index(from->min), hi = volt_hist_index(from->max);
    memcpy(&into->b[lo], &from->b[lo], (size_t)(hi - lo + 1) * sizeof from->b[0]);
}

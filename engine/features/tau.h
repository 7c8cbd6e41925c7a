/* engine/features/tau.h — the trailing tau: the 90th percentile of a product's rv_60s closes over the past
 * 1800 seconds, updated once a second in O(log n).
 *
 * The window's defined samples are split into two indexed 8-ary heaps: `lo`, a max-heap holding
 * the k+1 smallest (k = floor(0.9 (n-1)), so its top is order statistic k), and `hi`, a min-heap
 * holding the rest (its top is order statistic k+1). Each sample remembers its heap and index, so
 * the sample that leaves the window is removed where it is instead of being searched for. A
 * second's update is one removal, one insertion and at most a few moves between the heaps, each a
 * few of the log8(n) levels, where a sorted array would move n/3 elements on average. The quantile
 * is numpy's default (linear interpolation between order statistics k and k+1) and takes the same
 * two order statistics a full sort would, so the value is bit for bit the sorted window's. Owned
 * by one thread (the hot agent). */
#ifndef VOLT_ENGINE_TAU_H
#define VOLT_ENGINE_TAU_H

#include <stdint.h>

#define VOLT_TAU_WINDOW_S 1800
#define VOLT_TAU_MIN_SAMPLES 300
#define VOLT_TAU_QUANTILE 0.9
#define VOLT_TAU_HIST 2048 /* power of two > VOLT_TAU_WINDOW_S */

typedef struct volt_tau {
    int64_t next;  /* next second to record; INT64_MIN: nothing recorded yet */
    uint32_t n;    /* defined samples in the window (n_lo + n_hi) */
    uint32_t n_lo, n_hi;
    double cur;    /* the percentile over the window (NaN: fewer than VOLT_TAU_MIN_SAMPLES) */
    uint32_t fr_n; /* the count fr is for */
    double fr;     /* fractional part of 0.9 (n - 1), numpy's interpolation weight */
    double v[VOLT_TAU_HIST];          /* sample of second s at s & (HIST-1); NaN: none */
    double lo_x[VOLT_TAU_HIST];       /* max-heap of the k+1 smallest: values */
    double hi_x[VOLT_TAU_HIST];       /* min-heap of the rest: values */
    uint16_t lo_slot[VOLT_TAU_HIST];  /* ... and the slot (second & (HIST-1)) of each */
    uint16_t hi_slot[VOLT_TAU_HIST];
    uint16_t pos[VOLT_TAU_HIST];      /* slot -> index in its heap; bit 15: in hi */
} volt_tau_t;

/* Empty window. */
void volt_tau_init(volt_tau_t *t);

/* Records seconds [next, end) as undefined (a gap between segments), so that the window at second
 * end holds only what it should. */
void volt_tau_skip_to(volt_tau_t *t, int64_t end);

/* Records the close of second c (x: rv_60s then, NaN when undefined); seconds skipped since the
 * last record count as undefined; a second earlier than the next expected one is ignored. */
void volt_tau_record(volt_tau_t *t, int64_t c, double x);

#endif

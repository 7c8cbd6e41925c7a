/* engine/features/state.h — the feature engine's state (internal to engine/features/): per
 * product, the seed set's one-second buckets and running sums and the v1 set's (v1.h), and the
 * small branch-free helpers both sets use. features.c alone includes it; the state is split out
 * for reading, not shared. */
#ifndef VOLT_ENGINE_FEATURES_STATE_H
#define VOLT_ENGINE_FEATURES_STATE_H

#include <math.h>
#include <stdint.h>

#include "engine/features/features.h"
#include "engine/features/flow.h"
#include "engine/features/tau.h"
#include "simd/slide.h"

#define NS_PER_S INT64_C(1000000000)
#define HMASK (VOLT_FEAT_HIST - 1)
#define ZMASK (VOLT_FEAT_ZHIST - 1)
#define W1 60
#define W5 300

/* Everything on the hot path that must inline whatever the compiler thinks of its size. */
#define HOT_INLINE static inline __attribute__((always_inline))

/* v1 window lanes: realized variance over 10/30/60/300/900 s, then traded, buy and sell size
 * over 60 s. */
enum { L_RV10 = 0, L_RV30, L_RV60, L_RV300, L_RV900, L_TV, L_TB, L_TS };
#define N_RV 5 /* volt_slide_rt5's lanes */
static const int64_t lane_w[VOLT_SLIDE_LANES] = {10, 30, 60, 300, 900, 60, 60, 60};
#define VV_W 300    /* vol of vol: closes of rv_60s */
#define RG_MAXW 300 /* the longest range window */
static const int64_t range_w[2] = {60, RG_MAXW}; /* range_60s_bps, range_300s_bps */
#define SINCE_GAP_CAP_S 3600.0

#define V1_MID_COLS 13

/* A window's running max and min of the mid closes, van Herk / Gil-Werman: the seconds are cut
 * into blocks of w (block-aligned on the absolute second), the extremes of the open block so far
 * are kept as one value each, and those of every suffix of the previous block are computed once,
 * when it completes. The window ending at second c is a suffix of the previous block plus the
 * open block's prefix: one max and one min, no branch on the data (a monotonic deque's pops
 * mispredicted). Seconds without a mid count as -inf for the max and +inf for the min. */
typedef struct range_win {
    double pre_hi, pre_lo;                      /* the open block's extremes up to its last close */
    double suf_hi[RG_MAXW], suf_lo[RG_MAXW];    /* the previous block's suffix extremes */
    double hi, lo;                              /* over the window ending at the last close */
    int64_t pos; /* the next second to close: its place in its block (seconds close in order) */
} range_win_t;

/* One second of the v1 grid: what a tick touches, in one cache line. */
typedef struct sec {
    _Alignas(64) double lm; /* ln mid close of the second (carried forward) */
    double mc;              /* mid close */
    double sbps;            /* spread bps close */
    double tv, tb, ts;      /* traded size: all, taker buy, taker sell */
    uint32_t tc, nb, ns;    /* trade counts: all, buy, sell */
} sec_t;
_Static_assert(sizeof(sec_t) == 64, "one cache line per second");

/* The v1 per-segment state: per-second buckets on the 1-s grid, window lanes, EWMA, vol of vol. */
typedef struct v1_state {
    int64_t first_mid_s; /* first second with a mid in the segment; INT64_MAX: none yet */
    double mid, lmid, spread_bps;
    int live; /* this second: v1_read_mid's fast path holds (set once a second by advance) */
    int has_trades;
    int64_t tod_s;               /* the second tod_sin/cos were computed for */
    int tod_ia, tod_ib;          /* its second of the day: TOD_STEP tod_ia + tod_ib */
    double tod_sin, tod_cos;
    sec_t b[VOLT_FEAT_HIST];     /* per-second buckets, index s & HMASK */
    double r2[VOLT_FEAT_HIST];   /* squared 1-s return of each closed second */
    double v60[VOLT_FEAT_HIST];  /* rv_60s at each second's close (NaN: undefined) */
    volt_slide8_t win;           /* sums over the completed seconds of each window */
    int64_t last_nz_s;           /* last closed second with a nonzero 1-s return (a window
                                  * holds one iff it reaches back to it); INT64_MIN: none */
    uint64_t tc_w, nb_w, ns_w;   /* trade counts over the completed part of 60 s */
    double ew_a, ew_b;           /* EWMA numerator and weight sum */
    double ew_c0, ew_c1;         /* the open second's EWMA: sqrt(c0 + c1 r_now^2) */
    double vv_val;               /* vol of vol over the closes so far (NaN: not warm) */
    double imid;                 /* 1 / mid */
    uint32_t vv_n, vv_since_refresh;
    double vv_mean, vv_m2;       /* Welford over the last VV_W closes of rv_60s */
    range_win_t rg[2];           /* 60 s, 300 s */
    int64_t mc_s;                /* v1_read_mid's cache: the second, mid and spread it was for */
    double mc_mid, mc_sbps;      /* (INT64_MIN / NaN: empty) */
    double mc_val[V1_MID_COLS];
} v1_state_t;

typedef struct prod_state {
    int started;
    int64_t start_s; /* second of the first tick of this segment */
    int64_t cur_s;   /* second of the latest tick */
    int64_t last_ns; /* event time of the latest tick */
    double last_price, bid, ask, vol24;
    /* per-second buckets, index s & HMASK */
    double close[VOLT_FEAT_HIST];
    double vol24c[VOLT_FEAT_HIST];
    double rsum[VOLT_FEAT_HIST];
    double rsum2[VOLT_FEAT_HIST];
    uint32_t rn[VOLT_FEAT_HIST];
    uint32_t nticks[VOLT_FEAT_HIST];
    /* running sums over the completed seconds of the windows */
    uint64_t w5_n;
    int64_t last_rnz_s; /* last second with a nonzero tick return (INT64_MIN: none) */
    double w5_sum, w5_sum2;
    uint32_t w5_since_refresh;
    uint64_t w1_ticks;
    /* per-second volatility closes for the z-score, index s & ZMASK (NaN = no value) */
    double zv[VOLT_FEAT_ZHIST];
    double zv2[VOLT_FEAT_ZHIST];
    uint32_t z_n;
    double z_sum, z_sum2;
    uint32_t z_since_refresh;
    double z_mean, z_isd; /* the z-score's reference: mean and 1/std (NaN: not enough history) */
    v1_state_t v1;
} prod_state_t;

/* Time of day: second d = TOD_STEP a + b of the UTC day; sin and cos of the angles of TOD_STEP a
 * and of b, computed once by libm, give sin and cos of d's angle by the angle-sum formulas (two
 * products and a sum each, a cache line or two per second instead of a libm sincos). */
#define TOD_STEP 300
#define TOD_NA (86400 / TOD_STEP)
_Static_assert(86400 % TOD_STEP == 0, "whole steps to a day");

struct volt_features {
    volt_feat_cfg_t cfg;
    volt_feat_stats_t stats;
    double ew_lambda;
    double tod_a[TOD_NA][2]; /* sin, cos of 2 pi TOD_STEP a / 86400 */
    double tod_b[TOD_STEP][2]; /* sin, cos of 2 pi b / 86400 */
    prod_state_t prod[VOLT_MAX_PRODUCTS];
    volt_tau_t tau[VOLT_MAX_PRODUCTS];
    const volt_books_t *books; /* read by the book columns (NULL: none attached) */
    flow_t flow[VOLT_MAX_PRODUCTS];
};

static inline int warm(const prod_state_t *p, int64_t w) { return p->cur_s - p->start_s >= w; }

static inline double nonneg(double x) { return x > 0.0 ? x : 0.0; }

/* first_mid_s is INT64_MAX before the first mid, which no second reaches: one comparison */
static inline int has_mid_since(const v1_state_t *v, int64_t s) { return s >= v->first_mid_s; }

static inline double max2(double a, double b) { return a > b ? a : b; }
static inline double min2(double a, double b) { return a < b ? a : b; }

/* c ? a : b without a branch: whether a return is zero is data (a branch on it mispredicted) */
static inline int64_t pick_s(int c, int64_t a, int64_t b)
{
    const int64_t m = -(int64_t)(c != 0);
    return (a & m) | (b & ~m);
}

#endif

/* engine/features/features.c — the seed's feature set on a 1-second event-time grid (docs/features.md).
 *
 * Per product, per second s, a bucket keeps: the close (last ticker price up to the end of s,
 * carried forward), the last 24 h volume, and the count / sum / sum of squares of the tick
 * log-returns that fell in s. Windows are sums of buckets: the completed part [s-W+1, s-1] is a
 * running sum updated once per second (add the second that closed, remove the one that left) and
 * re-summed from the buckets every W seconds to bound rounding drift; the current second's bucket
 * is added at read time. The last second with a nonzero return is kept, so "no nonzero return in
 * the window" is exact (the window does not reach back to it) and the volatility is exactly 0
 * then. */
#include "engine/features/features.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/features/tau.h"
#include "simd/slide.h"
#include "simd/sum.h"

#define NS_PER_S INT64_C(1000000000)
#define HMASK (VOLT_FEAT_HIST - 1)
#define ZMASK (VOLT_FEAT_ZHIST - 1)
#define W1 60
#define W5 300

const volt_feature_info_t volt_feature_table[VOLT_NF] = {
    [VOLT_F_RET_1MIN] = {"price_return_1min", "ratio", 60,
                         "last price / close of the second 60 s earlier - 1"},
    [VOLT_F_RET_5MIN] = {"price_return_5min", "ratio", 300,
                         "last price / close of the second 300 s earlier - 1"},
    [VOLT_F_VOL_5MIN] = {"price_volatility_5min", "log-return", 300,
                         "sample std of tick log-returns in the last 300 one-second buckets"},
    [VOLT_F_SPREAD] = {"bid_ask_spread", "quote currency", 0, "best ask - best bid"},
    [VOLT_F_SPREAD_BPS] = {"bid_ask_spread_bps", "bps", 0, "spread / mid * 1e4"},
    [VOLT_F_VOL24_PCT] = {"volume_24h_pct_change", "percent", 60,
                          "100 * (24 h volume / its value at the close 60 s earlier - 1)"},
    [VOLT_F_TRADE_INTENSITY] = {"trade_intensity", "trades/min", 60,
                                "ticker updates (one per match) in the last 60 one-second buckets"},
    [VOLT_F_VOL_ZSCORE] = {"volatility_zscore_15min", "sigma", 900,
                           "(volatility - mean) / std of its per-second closes over 900 s"},
    [VOLT_F_RV_10S] = {"rv_10s", "log-return", 10,
                       "sqrt(sum of squared 1-s mid log-returns over the last 10 s)"},
    [VOLT_F_RV_30S] = {"rv_30s", "log-return", 30, "realized volatility over 30 s (as rv_10s)"},
    [VOLT_F_RV_60S] = {"rv_60s", "log-return", 60, "realized volatility over 60 s (the label's)"},
    [VOLT_F_RV_300S] = {"rv_300s", "log-return", 300, "realized volatility over 300 s"},
    [VOLT_F_RV_900S] = {"rv_900s", "log-return", 900, "realized volatility over 900 s"},
    [VOLT_F_EWMA_RV_60S] = {"ewma_rv_60s", "log-return", 60,
                            "sqrt(60 x EWMA of squared 1-s returns, half-life 60 s)"},
    [VOLT_F_VOL_OF_VOL_300S] = {"vol_of_vol_300s", "log-return", 360,
                                "sample std of the per-second closes of rv_60s over 300 s"},
    [VOLT_F_LOGRET_10S] = {"logret_10s", "log-return", 10, "ln(mid / mid close 10 s earlier)"},
    [VOLT_F_LOGRET_60S] = {"logret_60s", "log-return", 60, "ln(mid / mid close 60 s earlier)"},
    [VOLT_F_ABS_LOGRET_10S] = {"abs_logret_10s", "log-return", 10, "|logret_10s|"},
    [VOLT_F_ABS_LOGRET_60S] = {"abs_logret_60s", "log-return", 60, "|logret_60s|"},
    [VOLT_F_TRADE_COUNT_60S] = {"trade_count_60s", "trades", 60,
                                "trades in the last 60 s (missing when the feed carries none)"},
    [VOLT_F_TRADE_VOLUME_60S] = {"trade_volume_60s", "base currency", 60,
                                 "traded size in the last 60 s (missing without trade data)"},
    [VOLT_F_TAKER_IMBALANCE_60S] = {"taker_imbalance_60s", "ratio", 60,
                                    "(taker buy size - taker sell size) / their sum over 60 s"},
    [VOLT_F_SPREAD_CHANGE_10S] = {"spread_change_10s_bps", "bps", 10,
                                  "spread bps now - spread bps at the close 10 s earlier"},
    [VOLT_F_MID_LAST_DEV_BPS] = {"mid_last_dev_bps", "bps", 0, "(last price - mid) / mid x 1e4"},
    [VOLT_F_SECS_SINCE_TICK] = {"secs_since_prev_tick", "s", 0,
                                "event time since the product's previous tick"},
    [VOLT_F_RANGE_60S_BPS] = {"range_60s_bps", "bps", 60,
                              "(max - min) of the mid closes over 60 s and the mid, / mid x 1e4"},
    [VOLT_F_RANGE_300S_BPS] = {"range_300s_bps", "bps", 300, "as range_60s_bps over 300 s"},
    [VOLT_F_SECS_SINCE_GAP] = {"secs_since_gap", "s", 0,
                               "seconds since the segment began (start or gap), capped at 3600"},
    [VOLT_F_TOD_SIN] = {"tod_sin", "1", 0, "sin(2 pi x second of the UTC day / 86400)"},
    [VOLT_F_TOD_COS] = {"tod_cos", "1", 0, "cos(2 pi x second of the UTC day / 86400)"},
    [VOLT_F_TAU_TRAILING] = {"tau_trailing", "log-return", 1800,
                             "90th percentile of rv_60s closes over the past 1800 s"},
};

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
};

void volt_feat_cfg_default(volt_feat_cfg_t *c)
{
    c->gap_ns = 10 * NS_PER_S;
    c->z_window_s = 900;
    c->z_min_samples = 120;
}

volt_features_t *volt_features_new(const volt_feat_cfg_t *cfg)
{
    if (cfg->gap_ns <= 0 || cfg->gap_ns > (int64_t)VOLT_FEAT_MAX_GAP_S * NS_PER_S ||
        cfg->z_window_s == 0 || cfg->z_window_s > VOLT_FEAT_ZHIST - 24 || cfg->z_min_samples < 2) {
        VOLT_ERR(-EINVAL, "feature settings out of range (gap 0..%d s, z window 1..%d s)",
                 VOLT_FEAT_MAX_GAP_S, VOLT_FEAT_ZHIST - 24);
        return NULL;
    }
    volt_features_t *f = aligned_alloc(64, (sizeof(volt_features_t) + 63) & ~(size_t)63);
    if (!f) {
        VOLT_ERR(-ENOMEM, "allocating feature state");
        return NULL;
    }
    memset(f, 0, sizeof *f);
    f->cfg = *cfg;
    f->ew_lambda = exp(-M_LN2 / 60.0);
    for (int a = 0; a < TOD_NA; a++) {
        const double ang = 2.0 * M_PI * (double)(TOD_STEP * a) / 86400.0;
        f->tod_a[a][0] = sin(ang);
        f->tod_a[a][1] = cos(ang);
    }
    for (int b = 0; b < TOD_STEP; b++) {
        const double ang = 2.0 * M_PI * (double)b / 86400.0;
        f->tod_b[b][0] = sin(ang);
        f->tod_b[b][1] = cos(ang);
    }
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        volt_tau_init(&f->tau[i]);
    return f;
}

void volt_features_free(volt_features_t *f) { free(f); }

void volt_features_stats(const volt_features_t *f, volt_feat_stats_t *s) { *s = f->stats; }

static void reset_product(prod_state_t *p, int64_t s)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < VOLT_FEAT_ZHIST; i++)
        p->zv[i] = NAN;
    p->started = 1;
    p->start_s = s;
    p->cur_s = s;
    p->last_price = p->bid = p->ask = p->vol24 = NAN;
    p->close[s & HMASK] = NAN;
    p->vol24c[s & HMASK] = NAN;
    p->z_mean = p->z_isd = NAN;
    p->last_rnz_s = INT64_MIN;
    v1_state_t *v = &p->v1;
    v->first_mid_s = INT64_MAX;
    v->last_nz_s = INT64_MIN;
    v->tod_s = INT64_MIN;
    v->mc_s = INT64_MIN;
    v->mid = v->lmid = v->spread_bps = v->imid = NAN;
    v->vv_val = NAN;
    v->ew_c1 = 60.0;
    v->b[s & HMASK].lm = v->b[s & HMASK].mc = v->b[s & HMASK].sbps = NAN;
    for (int i = 0; i < VOLT_FEAT_HIST; i++)
        v->v60[i] = NAN;
    for (int k = 0; k < 2; k++) {
        range_win_t *g = &v->rg[k];
        g->pos = ((s % range_w[k]) + range_w[k]) % range_w[k];
        g->pre_hi = g->hi = -INFINITY;
        g->pre_lo = g->lo = INFINITY;
        for (int i = 0; i < RG_MAXW; i++) {
            g->suf_hi[i] = -INFINITY;
            g->suf_lo[i] = INFINITY;
        }
    }
}

/* Sample std from count and sums; exact 0 when every return was 0 (nz: one was not). */
static inline double sample_std(uint64_t n, int nz, double s1, double s2)
{
    if (n < 2)
        return NAN;
    if (!nz)
        return 0.0;
    /* (s2 - s1^2 / n) / (n - 1) with one division: the chain div-div-sqrt was the longest
     * latency of a tick */
    /* counts stay far below 2^63: converted signed (one instruction; unsigned takes a branch) */
    const double dn = (double)(int64_t)n;
    const double var = (dn * s2 - s1 * s1) / (dn * (dn - 1.0));
    return var > 0.0 ? sqrt(var) : 0.0;
}

/* log(q), q = price / previous price, the tick return. Ticks move the price by well under 0.1 %,
 * so q = 1 + d with |d| < 2^-10, where d = q - 1 is exact (Sterbenz) and log(q) = log1p(d) =
 * d + d^2 P(d), P the series -1/2 + d/3 - d^2/4 + d^3/5 - d^4/6 cut after d^4 (the first term left
 * out, d^7/7, is below 2^-62 of d). The last addition adds d^2 P(d), at most 2^-10 of the result
 * and itself within 2^-52 of its value, to the exact d: within one rounding (and 2^-62) of log(q),
 * without the call into libm. Larger moves take libm's log. */
static inline double tick_logret(double q)
{
    const double d = q - 1.0;
    if (!(fabs(d) < 0x1p-10))
        return log(q);
    const double d2 = d * d;
    const double a = (1.0 / 3.0) * d - 0.5;
    const double b = (-1.0 / 6.0) * d2 + (0.2 * d - 0.25);
    return d + d2 * (b * d2 + a);
}

/* Re-sums the completed part of the 300-s window, buckets [cur_s-299, cur_s-1], from scratch. */
static void refresh_w5(volt_features_t *f, prod_state_t *p)
{
    int64_t lo = p->cur_s - (W5 - 1);
    if (lo < p->start_s)
        lo = p->start_s;
    const int64_t hi = p->cur_s; /* exclusive */
    uint64_t n = 0;
    double s1 = 0.0, s2 = 0.0;
    if (hi > lo) {
        const uint64_t a = (uint64_t)lo & HMASK;
        const uint64_t len = (uint64_t)(hi - lo);
        const uint64_t first = len < VOLT_FEAT_HIST - a ? len : VOLT_FEAT_HIST - a;
        double x, y;
        volt_sum2(p->rsum + a, p->rsum2 + a, first, &x, &y);
        s1 += x;
        s2 += y;
        if (first < len) {
            volt_sum2(p->rsum, p->rsum2, len - first, &x, &y);
            s1 += x;
            s2 += y;
        }
        for (int64_t s = lo; s < hi; s++)
            n += p->rn[s & HMASK];
    }
    p->w5_n = n;
    p->w5_sum = s1;
    p->w5_sum2 = s2;
    p->w5_since_refresh = 0;
    f->stats.refreshes++;
}

static void refresh_z(volt_features_t *f, prod_state_t *p)
{
    const int64_t W = f->cfg.z_window_s;
    uint32_t n = 0;
    double s1 = 0.0, s2 = 0.0;
    for (int64_t s = p->cur_s - W; s < p->cur_s; s++) {
        const double v = p->zv[s & ZMASK];
        if (!isnan(v)) {
            n++;
            s1 += v;
            s2 += p->zv2[s & ZMASK];
        }
    }
    p->z_n = n;
    p->z_sum = s1;
    p->z_sum2 = s2;
    p->z_since_refresh = 0;
}

/* The z-score's reference from the closes of the last z_window_s seconds (changes once a second). */
static void z_reference(const volt_features_t *f, prod_state_t *p)
{
    p->z_mean = p->z_isd = NAN;
    if (p->z_n < f->cfg.z_min_samples)
        return;
    const double n = (double)p->z_n;
    const double mean = p->z_sum / n;
    const double var = (p->z_sum2 - p->z_sum * mean) / (n - 1.0);
    /* a nearly constant history leaves only rounding residue in var: no z-score then */
    if (var > 1e-12 * (p->z_sum2 / n)) {
        p->z_mean = mean;
        p->z_isd = 1.0 / sqrt(var);
    }
}

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

/* Closes second c in a range window of w seconds (range_win_t): the window [c - w + 1, c]. */
static inline void range_close(const v1_state_t *v, range_win_t *g, int64_t c, int64_t w)
{
    const int m = has_mid_since(v, c);
    const double x = v->b[(uint64_t)c & HMASK].mc;
    g->pre_hi = max2(g->pre_hi, m ? x : -INFINITY);
    g->pre_lo = min2(g->pre_lo, m ? x : INFINITY);
    const int64_t pos = g->pos; /* c's place in its block */
    g->pos = pos + 1 == w ? 0 : pos + 1;
    if (pos == w - 1) {
        /* the block is complete, and is the window: keep its suffixes for the next one */
        g->hi = g->pre_hi;
        g->lo = g->pre_lo;
        double h = -INFINITY, l = INFINITY;
        for (int64_t i = w - 1; i >= 0; i--) {
            const int64_t sec = c - (w - 1) + i;
            const double y = v->b[(uint64_t)sec & HMASK].mc;
            const int ok = has_mid_since(v, sec);
            h = max2(h, ok ? y : -INFINITY);
            l = min2(l, ok ? y : INFINITY);
            g->suf_hi[i] = h;
            g->suf_lo[i] = l;
        }
        g->pre_hi = -INFINITY;
        g->pre_lo = INFINITY;
    } else {
        g->hi = max2(g->suf_hi[pos + 1], g->pre_hi);
        g->lo = min2(g->suf_lo[pos + 1], g->pre_lo);
    }
}

#define HOT_INLINE static inline __attribute__((always_inline))

/* Second c's return enters every sum-window lane, and the seconds that leave go out; the 60 s
 * trade sums and counts move with them. */
HOT_INLINE void v1_lanes(prod_state_t *p, v1_state_t *v, int64_t c, double r2)
{
    const uint64_t ci = (uint64_t)c & HMASK;
    double add[VOLT_SLIDE_LANES], sub[VOLT_SLIDE_LANES];
    if (c - (lane_w[L_RV900] - 1) >= p->start_s) {
        /* every window's leaving second is in the segment (all but the first 900 s): constant
         * offsets, no test per lane */
#pragma GCC unroll 5
        for (int i = 0; i < N_RV; i++) {
            const uint64_t oi = (uint64_t)(c - lane_w[i] + 1) & HMASK;
            add[i] = r2;
            sub[i] = v->r2[oi];
        }
    } else {
        for (int i = 0; i < N_RV; i++) {
            const int64_t o = c - lane_w[i] + 1;
            add[i] = r2;
            const int in = o >= p->start_s;
            const uint64_t oi = (uint64_t)o & HMASK;
            sub[i] = in ? v->r2[oi] : 0.0;
        }
    }
    const int64_t o60 = c - 59;
    const int in60 = o60 >= p->start_s;
    const uint64_t o60i = (uint64_t)o60 & HMASK;
    add[L_TV] = v->b[ci].tv;
    add[L_TB] = v->b[ci].tb;
    add[L_TS] = v->b[ci].ts;
    sub[L_TV] = in60 ? v->b[o60i].tv : 0.0;
    sub[L_TB] = in60 ? v->b[o60i].tb : 0.0;
    sub[L_TS] = in60 ? v->b[o60i].ts : 0.0;
    v->tc_w += v->b[ci].tc;
    v->nb_w += v->b[ci].nb;
    v->ns_w += v->b[ci].ns;
    if (in60) {
        v->tc_w -= v->b[o60i].tc;
        v->nb_w -= v->b[o60i].nb;
        v->ns_w -= v->b[o60i].ns;
    }
    volt_slide_update(&v->win, add, sub);
}

/* Vol of vol: Welford over the last VV_W defined closes of rv_60s (they are contiguous), refreshed
 * from the closes themselves every VV_W so that rounding cannot build up. */
HOT_INLINE void v1_volvol(volt_features_t *f, v1_state_t *v, int64_t c, double V)
{
    v->v60[(uint64_t)c & HMASK] = V;
    if (!isnan(V)) {
        if (v->vv_n < VV_W) {
            v->vv_n++;
            const double d = V - v->vv_mean;
            v->vv_mean += d / v->vv_n;
            v->vv_m2 += d * (V - v->vv_mean);
        } else {
            const double old = v->v60[(uint64_t)(c - VV_W) & HMASK];
            const double d = V - old;
            const double mean = v->vv_mean + d / VV_W;
            v->vv_m2 += d * ((V - mean) + (old - v->vv_mean));
            v->vv_mean = mean;
        }
        if (v->vv_n == VV_W && ++v->vv_since_refresh >= VV_W) {
            double s1 = 0.0;
            for (int64_t k = c - VV_W + 1; k <= c; k++)
                s1 += v->v60[(uint64_t)k & HMASK];
            const double mean = s1 / VV_W;
            double m2 = 0.0;
            for (int64_t k = c - VV_W + 1; k <= c; k++) {
                const double d = v->v60[(uint64_t)k & HMASK] - mean;
                m2 += d * d;
            }
            v->vv_mean = mean;
            v->vv_m2 = m2;
            v->vv_since_refresh = 0;
            f->stats.refreshes++;
        }
    }
    v->vv_val = v->vv_n == VV_W ? sqrt(nonneg(v->vv_m2) / (VV_W - 1)) : NAN;
}

/* Closes second c of the v1 grid: its return enters every window, the seconds that leave are
 * taken out, and the closes of rv_60s feed the vol-of-vol and tau. */
static inline __attribute__((always_inline)) void v1_close(volt_features_t *f, prod_state_t *p,
                                                            volt_tau_t *tau, int64_t c)
{
    v1_state_t *v = &p->v1;
    const uint64_t ci = (uint64_t)c & HMASK;
    double r2 = 0.0;
    if (has_mid_since(v, c - 1)) {
        const double r = v->b[ci].lm - v->b[(uint64_t)(c - 1) & HMASK].lm;
        r2 = r * r;
    }
    v->r2[ci] = r2;

    /* rv_60s at the close of c: the completed part of the window plus c itself */
    double V = NAN;
    if (has_mid_since(v, c - 60)) {
        const int nz = r2 != 0.0 || v->last_nz_s >= c - (W1 - 1); /* in (c - 60, c] */
        V = nz ? sqrt(nonneg((v->win.s[L_RV60] + v->win.c[L_RV60]) + r2)) : 0.0;
    }

    v1_lanes(p, v, c, r2);
    v->last_nz_s = pick_s(r2 != 0.0, c, v->last_nz_s);

    if (has_mid_since(v, c - 1)) {
        v->ew_a = f->ew_lambda * v->ew_a + r2;
        v->ew_b = f->ew_lambda * v->ew_b + 1.0;
    }
    /* the next second's EWMA is sqrt(60 (lambda a + r^2) / (lambda b + 1)) = sqrt(c0 + c1 r^2) */
    const double den = f->ew_lambda * v->ew_b + 1.0;
    v->ew_c0 = 60.0 * (f->ew_lambda * v->ew_a) / den;
    v->ew_c1 = 60.0 / den;

    v1_volvol(f, v, c, V);

    /* range: mid closes of the last 60 / 300 completed seconds */
    for (int k = 0; k < 2; k++)
        range_close(v, &v->rg[k], c, range_w[k]);

    volt_tau_record(tau, c, V);
}

/* The last second of a segment that a gap ends (rare: out of line, v1_close inlined once here and
 * once in advance). */
static __attribute__((noinline)) void v1_close_last(volt_features_t *f, prod_state_t *p,
                                                    volt_tau_t *tau)
{
    v1_close(f, p, tau, p->cur_s);
}

static void v1_open(prod_state_t *p, int64_t c)
{
    v1_state_t *v = &p->v1;
    const uint64_t pi = (uint64_t)(c - 1) & HMASK, ni = (uint64_t)c & HMASK;
    v->b[ni].lm = v->b[pi].lm;
    v->b[ni].mc = v->b[pi].mc;
    v->b[ni].sbps = v->b[pi].sbps;
    v->b[ni].tv = v->b[ni].tb = v->b[ni].ts = 0.0;
    v->b[ni].tc = v->b[ni].nb = v->b[ni].ns = 0;
}

/* Folds the tick into the open second s; quote: a ticker with both sides of the book. */
static void v1_tick(v1_state_t *v, const volt_tick_t *t, int quote, int64_t s)
{
    const uint64_t si = (uint64_t)s & HMASK;
    if (quote) {
        const double mid = 0.5 * (t->best_ask + t->best_bid);
        if (mid > 0.0) {
            if (mid != v->mid) {
                v->mid = mid;
                v->lmid = log(mid);
                v->imid = 1.0 / mid;
            }
            v->spread_bps = (t->best_ask - t->best_bid) / mid * 1e4; /* divide, as defined: spread_change differences of near-equal spreads amplify a last-ulp change */
            v->b[si].lm = v->lmid;
            v->b[si].mc = mid;
            v->b[si].sbps = v->spread_bps;
            if (v->first_mid_s == INT64_MAX)
                v->first_mid_s = s;
        }
    }
    if (t->size > 0.0 && isfinite(t->size)) {
        v->has_trades = 1;
        v->b[si].tc++;
        v->b[si].tv += t->size;
        if (t->side == VOLT_SIDE_BUY) {
            v->b[si].nb++;
            v->b[si].tb += t->size;
        } else if (t->side == VOLT_SIDE_SELL) {
            v->b[si].ns++;
            v->b[si].ts += t->size;
        }
    }
}

/* Called when a tick opens a new second (a per-tick test for a new second mispredicts).
 * sin and cos of 2 pi d / 86400, d the second of the UTC day: exactly libm's sin and cos of that
 * angle when d is a multiple of TOD_STEP or below it (one table entry: the other factor is exactly
 * 1 and the other term exactly 0), within 1.7e-15 of them otherwise: libm's angle is rounded once
 * and the table's two angles apart (measured over the whole day; docs/features.md). */
static void v1_tod(const volt_features_t *f, v1_state_t *v, int64_t s)
{
    if (s == v->tod_s)
        return;
    if (s == v->tod_s + 1) { /* the next second: a carry instead of two divisions */
        if (++v->tod_ib == TOD_STEP) {
            v->tod_ib = 0;
            if (++v->tod_ia == TOD_NA)
                v->tod_ia = 0;
        }
    } else {
        const int64_t day = ((s % 86400) + 86400) % 86400;
        v->tod_ia = (int)(day / TOD_STEP);
        v->tod_ib = (int)(day % TOD_STEP);
    }
    const double *a = f->tod_a[v->tod_ia], *b = f->tod_b[v->tod_ib];
    v->tod_sin = a[0] * b[1] + a[1] * b[0];
    v->tod_cos = a[1] * b[1] - a[0] * b[0];
    v->tod_s = s;
}

/* The mid cache's order: rv_10s..rv_900s and ewma_rv_60s, logret_10s..abs_logret_60s,
 * spread_change_10s_bps, range_60s_bps and range_300s_bps: the runs of adjacent columns in a row,
 * so a row takes them in four copies (mid_cols_out). */
enum { MC_RV = 0, MC_EWMA = MC_RV + N_RV, MC_LR, MC_SPREAD_CHG = MC_LR + 4, MC_RANGE };

/* The features that depend only on the second, the mid and the spread (every window's state is
 * fixed within a second): realized volatility, EWMA, log returns, spread change, range. They are
 * recomputed when one of the three changes and copied otherwise — on the recordings two ticks in
 * three repeat the previous quote. Written to the cache mc, in its order. */
static void v1_read_mid(const prod_state_t *p, int64_t s, double *mc)
{
    const v1_state_t *v = &p->v1;
    /* Past warm-up (v1_live): every column is its plain formula, with no per-column check: the
     * same values, in a sixth of the instructions the checks took (bench/icount). */
    if (v->live) {
        const double r = v->lmid - v->b[(uint64_t)(s - 1) & HMASK].lm, r2 = r * r;
        volt_slide_rt5(&v->win, r2, mc + MC_RV);
        mc[MC_EWMA] = sqrt(v->ew_c0 + v->ew_c1 * r2);
        const double r10 = v->lmid - v->b[(uint64_t)(s - 10) & HMASK].lm;
        const double r60 = v->lmid - v->b[(uint64_t)(s - 60) & HMASK].lm;
        mc[MC_LR] = r10;
        mc[MC_LR + 1] = r60;
        mc[MC_LR + 2] = fabs(r10);
        mc[MC_LR + 3] = fabs(r60);
        mc[MC_SPREAD_CHG] = v->spread_bps - v->b[(uint64_t)(s - 10) & HMASK].sbps;
        for (int k = 0; k < 2; k++)
            mc[MC_RANGE + k] =
                (max2(v->rg[k].hi, v->mid) - min2(v->rg[k].lo, v->mid)) * v->imid * 1e4;
        return;
    }
    const double r = has_mid_since(v, s - 1) ? v->lmid - v->b[(uint64_t)(s - 1) & HMASK].lm : 0.0;
    const double r2 = r * r;
    double rt[N_RV];
    volt_slide_rt_shared(&v->win, r2, N_RV, rt); /* the five realized variances share r2 */
    const int rnz = r2 != 0.0;
    for (int i = 0; i < N_RV; i++)
        mc[MC_RV + i] =
            has_mid_since(v, s - lane_w[i])
                ? (rnz || v->last_nz_s > s - lane_w[i] ? rt[i] : 0.0)
                : NAN;
    mc[MC_EWMA] = has_mid_since(v, s - 60) ? sqrt(v->ew_c0 + v->ew_c1 * r2) : NAN;
    const double r10 = has_mid_since(v, s - 10) ? v->lmid - v->b[(uint64_t)(s - 10) & HMASK].lm : NAN;
    const double r60 = has_mid_since(v, s - 60) ? v->lmid - v->b[(uint64_t)(s - 60) & HMASK].lm : NAN;
    mc[MC_LR] = r10;
    mc[MC_LR + 1] = r60;
    mc[MC_LR + 2] = fabs(r10);
    mc[MC_LR + 3] = fabs(r60);
    mc[MC_SPREAD_CHG] =
        has_mid_since(v, s - 10) ? v->spread_bps - v->b[(uint64_t)(s - 10) & HMASK].sbps : NAN;
    for (int k = 0; k < 2; k++) {
        double rg = NAN;
        if (has_mid_since(v, s - range_w[k]))
            rg = (max2(v->rg[k].hi, v->mid) - min2(v->rg[k].lo, v->mid)) * v->imid * 1e4;
        mc[MC_RANGE + k] = rg;
    }
}

/* A window lane's sum as the kernel reads it: (S + C) + the open second's value (the same IEEE
 * operations, so the same bits as volt_slide_read). */
static inline double lane_value(const volt_slide8_t *w, int lane, double cur)
{
    return (w->s[lane] + w->c[lane]) + cur;
}

_Static_assert(VOLT_F_EWMA_RV_60S == VOLT_F_RV_10S + MC_EWMA &&
                   VOLT_F_ABS_LOGRET_60S == VOLT_F_LOGRET_10S + 3 &&
                   VOLT_F_RANGE_300S_BPS == VOLT_F_RANGE_60S_BPS + 1 && MC_RANGE + 2 == V1_MID_COLS,
               "the mid cache's runs are adjacent columns of a row");

/* The cached columns into a row: four fixed-size copies, no index table. */
static inline void mid_cols_out(const double *mc, double *o)
{
    memcpy(o + VOLT_F_RV_10S, mc + MC_RV, (MC_LR - MC_RV) * sizeof *mc);
    memcpy(o + VOLT_F_LOGRET_10S, mc + MC_LR, (MC_SPREAD_CHG - MC_LR) * sizeof *mc);
    o[VOLT_F_SPREAD_CHANGE_10S] = mc[MC_SPREAD_CHG];
    memcpy(o + VOLT_F_RANGE_60S_BPS, mc + MC_RANGE, (V1_MID_COLS - MC_RANGE) * sizeof *mc);
}

static void v1_read(const volt_tau_t *tau, prod_state_t *p, int64_t s, double last_price,
                    double since, double *o)
{
    v1_state_t *v = &p->v1;
    const uint64_t si = (uint64_t)s & HMASK;
    if (!(s == v->mc_s && v->mid == v->mc_mid && v->spread_bps == v->mc_sbps)) {
        v1_read_mid(p, s, v->mc_val);
        v->mc_s = s;
        v->mc_mid = v->mid;
        v->mc_sbps = v->spread_bps;
    }
    mid_cols_out(v->mc_val, o);
    o[VOLT_F_VOL_OF_VOL_300S] = v->vv_val;
    if (v->has_trades && s - p->start_s >= 60) {
        const double tv = lane_value(&v->win, L_TV, v->b[si].tv);
        const double tb = lane_value(&v->win, L_TB, v->b[si].tb);
        const double ts = lane_value(&v->win, L_TS, v->b[si].ts);
        const uint64_t n = v->tc_w + v->b[si].tc, nb = v->nb_w + v->b[si].nb, nsl = v->ns_w + v->b[si].ns;
        const double buy = nb ? tb : 0.0, sell = nsl ? ts : 0.0;
        o[VOLT_F_TRADE_COUNT_60S] = (double)(int64_t)n;
        o[VOLT_F_TRADE_VOLUME_60S] = n ? tv : 0.0;
        o[VOLT_F_TAKER_IMBALANCE_60S] = nb + nsl ? (buy - sell) / (buy + sell) : NAN;
    } else {
        o[VOLT_F_TRADE_COUNT_60S] = o[VOLT_F_TRADE_VOLUME_60S] = NAN;
        o[VOLT_F_TAKER_IMBALANCE_60S] = NAN;
    }
    o[VOLT_F_MID_LAST_DEV_BPS] = (last_price - v->mid) * v->imid * 1e4;
    o[VOLT_F_SECS_SINCE_TICK] = since;
    o[VOLT_F_TOD_SIN] = v->tod_sin;
    o[VOLT_F_TOD_COS] = v->tod_cos;
    o[VOLT_F_TAU_TRAILING] = tau->cur;
}

/* Whether second s reads the mid's columns without checks (v1_read_mid): a mid since the longest
 * window's start (so since every window's start), and a nonzero return in the completed part of
 * every realized-volatility window (the last one is within the shortest). Both change only when
 * a second closes; within a second only the first mid of a segment can arrive, which does not make
 * the first true. */
static inline int v1_live(const v1_state_t *v, int64_t s)
{
    return has_mid_since(v, s - lane_w[L_RV900]) && v->last_nz_s > s - lane_w[L_RV10];
}

/* Closes second cur_s and opens cur_s + 1, repeated until cur_s == s. */
__attribute__((noinline)) static void advance(volt_features_t *f, prod_state_t *p,
                                               volt_tau_t *tau, int64_t s)
{
    const int64_t ZW = f->cfg.z_window_s;
    while (p->cur_s < s) {
        const int64_t c = p->cur_s;
        const uint64_t ci = (uint64_t)c & HMASK;
        v1_close(f, p, tau, c);
        /* the volatility at the close of second c becomes a z-score sample */
        double v = NAN;
        if (warm(p, W5))
            v = sample_std(p->w5_n + p->rn[ci], p->last_rnz_s > c - W5, p->w5_sum + p->rsum[ci],
                           p->w5_sum2 + p->rsum2[ci]);
        p->zv[c & ZMASK] = v;
        p->zv2[c & ZMASK] = v * v;
        if (!isnan(v)) {
            p->z_n++;
            p->z_sum += v;
            p->z_sum2 += v * v;
        }
        const int64_t zold = c - ZW;
        if (zold >= p->start_s && !isnan(p->zv[zold & ZMASK])) {
            p->z_n--;
            p->z_sum -= p->zv[zold & ZMASK];
            p->z_sum2 -= p->zv2[zold & ZMASK];
        }
        /* window sums: second c completes; second c-299 (resp. c-59) leaves */
        p->w5_n += p->rn[ci];
        p->w5_sum += p->rsum[ci];
        p->w5_sum2 += p->rsum2[ci];
        p->w1_ticks += p->nticks[ci];
        const int64_t o5 = c - (W5 - 1);
        if (o5 >= p->start_s) {
            const uint64_t oi = (uint64_t)o5 & HMASK;
            p->w5_n -= p->rn[oi];
            p->w5_sum -= p->rsum[oi];
            p->w5_sum2 -= p->rsum2[oi];
        }
        const int64_t o1 = c - (W1 - 1);
        if (o1 >= p->start_s)
            p->w1_ticks -= p->nticks[(uint64_t)o1 & HMASK];
        /* open second c+1: close and volume carry forward, counts start at zero */
        const uint64_t ni = (uint64_t)(c + 1) & HMASK;
        p->close[ni] = p->close[ci];
        p->vol24c[ni] = p->vol24c[ci];
        p->rsum[ni] = p->rsum2[ni] = 0.0;
        p->rn[ni] = p->nticks[ni] = 0;
        v1_open(p, c + 1);
        p->cur_s = c + 1;
        if (++p->w5_since_refresh >= W5)
            refresh_w5(f, p);
        if (++p->z_since_refresh >= (uint32_t)ZW)
            refresh_z(f, p);
    }
    z_reference(f, p);
    p->v1.live = v1_live(&p->v1, s);
    v1_tod(f, &p->v1, s);
}

/* The seed's feature set, step 1: a ticker's price return, close, quote and 24 h volume into the
 * current second (trades leave it alone). */
HOT_INLINE void v0_tick(prod_state_t *p, const volt_tick_t *t, int quote, int64_t s)
{
    const uint64_t ci = (uint64_t)s & HMASK;
    if (t->kind != VOLT_TICK_TICKER)
        return;
    if (!isnan(p->last_price)) {
        /* an unchanged price is an exact zero return: no logarithm needed */
        const double r = t->price == p->last_price ? 0.0 : tick_logret(t->price / p->last_price);
        p->rn[ci]++;
        p->last_rnz_s = pick_s(r != 0.0, s, p->last_rnz_s);
        p->rsum[ci] += r;
        p->rsum2[ci] += r * r;
    }
    p->last_price = t->price;
    p->close[ci] = t->price;
    p->nticks[ci]++;
    if (quote) {
        p->bid = t->best_bid;
        p->ask = t->best_ask;
    }
    if (!isnan(t->volume_24h)) {
        p->vol24 = t->volume_24h;
        p->vol24c[ci] = t->volume_24h;
    }
}

/* The seed's feature set, step 2: its columns of the row. */
HOT_INLINE void v0_read(const prod_state_t *p, int64_t s, double *o)
{
    const uint64_t ci = (uint64_t)s & HMASK;
    const double ret1 = p->last_price / p->close[(uint64_t)(s - W1) & HMASK] - 1.0;
    const double vref = p->vol24c[(uint64_t)(s - W1) & HMASK];
    const double vpct = vref > 0.0 ? 100.0 * (p->vol24 / vref - 1.0) : NAN;
    const double ti = (double)(int64_t)(p->w1_ticks + p->nticks[ci]);
    double vol;
    if (warm(p, W5)) { /* the longest of these windows: every one is warm, no test per column */
        o[VOLT_F_RET_1MIN] = ret1;
        o[VOLT_F_RET_5MIN] = p->last_price / p->close[(uint64_t)(s - W5) & HMASK] - 1.0;
        vol = sample_std(p->w5_n + p->rn[ci], p->last_rnz_s > s - W5, p->w5_sum + p->rsum[ci],
                         p->w5_sum2 + p->rsum2[ci]);
        o[VOLT_F_VOL24_PCT] = vpct;
        o[VOLT_F_TRADE_INTENSITY] = ti;
    } else {
        const int w1 = warm(p, W1);
        o[VOLT_F_RET_1MIN] = w1 ? ret1 : NAN;
        o[VOLT_F_RET_5MIN] = vol = NAN;
        o[VOLT_F_VOL24_PCT] = w1 ? vpct : NAN;
        o[VOLT_F_TRADE_INTENSITY] = w1 ? ti : NAN;
    }
    o[VOLT_F_VOL_5MIN] = vol;
    o[VOLT_F_SPREAD] = p->ask - p->bid;
    o[VOLT_F_SPREAD_BPS] = p->v1.spread_bps; /* the same quote: bid and ask are positive */
    o[VOLT_F_VOL_ZSCORE] = (vol - p->z_mean) * p->z_isd; /* NaN when either is */
}

volt_feat_status_t volt_features_update(volt_features_t *f, const volt_tick_t *t,
                                        volt_feat_out_t *out)
{
    prod_state_t *p = &f->prod[t->product];
    volt_tau_t *tau = &f->tau[t->product];
    const int64_t ns = volt_tick_time_ns(t);
    /* floor(ns / 1 s); unsigned for the usual ns >= 0 (a multiply and a shift, no sign fix-up) */
    const int64_t s = ns >= 0 ? (int64_t)((uint64_t)ns / (uint64_t)NS_PER_S)
                              : -((-ns + NS_PER_S - 1) / NS_PER_S);
    uint32_t flags = 0;
    if (!p->started) {
        reset_product(p, s);
        volt_tau_skip_to(tau, s);
        v1_tod(f, &p->v1, s);
        flags |= VOLT_ROW_SEGMENT_START;
    } else if (ns < p->last_ns) {
        f->stats.out_of_order++;
        return VOLT_FEAT_OUT_OF_ORDER;
    } else if (ns - p->last_ns > f->cfg.gap_ns) {
        v1_close_last(f, p, tau); /* the old segment's last second, for tau */
        reset_product(p, s);
        volt_tau_skip_to(tau, s);
        v1_tod(f, &p->v1, s);
        f->stats.gaps++;
        flags |= VOLT_ROW_SEGMENT_START | VOLT_ROW_AFTER_GAP;
    } else if (s > p->cur_s) {
        advance(f, p, tau, s); /* and the time of day */
    }
    /* seconds since the segment's previous tick: none for its first */
    const double since = flags ? NAN : (double)(ns - p->last_ns) * 1e-9;
    p->last_ns = ns;
    f->stats.updates++;

    const int quote = t->kind == VOLT_TICK_TICKER && !isnan(t->best_bid) && !isnan(t->best_ask);
    v1_tick(&p->v1, t, quote, s);
    v0_tick(p, t, quote, s);
    double *o = out->f;
    v0_read(p, s, o);
    out->segment_age_s = (double)(ns - p->start_s * NS_PER_S) * 1e-9;
    v1_read(tau, p, s, p->last_price, since, o);
    o[VOLT_F_SECS_SINCE_GAP] =
        out->segment_age_s < SINCE_GAP_CAP_S ? out->segment_age_s : SINCE_GAP_CAP_S;
    out->mid = p->v1.mid;
    out->flags = flags;
    return VOLT_FEAT_OK;
}

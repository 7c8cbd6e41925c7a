/* engine/features.c — the seed's feature set on a 1-second event-time grid (docs/features.md).
 *
 * Per product, per second s, a bucket keeps: the close (last ticker price up to the end of s,
 * carried forward), the last 24 h volume, and the count / nonzero count / sum / sum of squares of
 * the tick log-returns that fell in s. Windows are sums of buckets: the completed part
 * [s-W+1, s-1] is a running sum updated once per second (add the second that closed, remove the
 * one that left) and re-summed from the buckets every W seconds to bound rounding drift; the
 * current second's bucket is added at read time. Counts are integers, so "no nonzero return in the
 * window" is exact and the volatility is exactly 0 then. */
#include "features.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
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
};

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
    uint32_t rnz[VOLT_FEAT_HIST];
    uint32_t nticks[VOLT_FEAT_HIST];
    /* running sums over the completed seconds of the windows */
    uint64_t w5_n, w5_nz;
    double w5_sum, w5_sum2;
    uint32_t w5_since_refresh;
    uint64_t w1_ticks;
    /* per-second volatility closes for the z-score, index s & ZMASK (NaN = no value) */
    double zv[VOLT_FEAT_ZHIST];
    double zv2[VOLT_FEAT_ZHIST];
    uint32_t z_n;
    double z_sum, z_sum2;
    uint32_t z_since_refresh;
} prod_state_t;

struct volt_features {
    volt_feat_cfg_t cfg;
    volt_feat_stats_t stats;
    prod_state_t prod[VOLT_MAX_PRODUCTS];
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
}

/* Sample std from count, nonzero count and sums; exact 0 when every return was 0. */
static inline double sample_std(uint64_t n, uint64_t nz, double s1, double s2)
{
    if (n < 2)
        return NAN;
    if (nz == 0)
        return 0.0;
    const double dn = (double)n;
    double var = (s2 - s1 * s1 / dn) / (dn - 1.0);
    return var > 0.0 ? sqrt(var) : 0.0;
}

/* Re-sums the completed part of the 300-s window, buckets [cur_s-299, cur_s-1], from scratch. */
static void refresh_w5(volt_features_t *f, prod_state_t *p)
{
    int64_t lo = p->cur_s - (W5 - 1);
    if (lo < p->start_s)
        lo = p->start_s;
    const int64_t hi = p->cur_s; /* exclusive */
    uint64_t n = 0, nz = 0;
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
        for (int64_t s = lo; s < hi; s++) {
            n += p->rn[s & HMASK];
            nz += p->rnz[s & HMASK];
        }
    }
    p->w5_n = n;
    p->w5_nz = nz;
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

static inline int warm(const prod_state_t *p, int64_t w) { return p->cur_s - p->start_s >= w; }

/* Closes second cur_s and opens cur_s + 1, repeated until cur_s == s. */
static void advance(volt_features_t *f, prod_state_t *p, int64_t s)
{
    const int64_t ZW = f->cfg.z_window_s;
    while (p->cur_s < s) {
        const int64_t c = p->cur_s;
        const uint64_t ci = (uint64_t)c & HMASK;
        /* the volatility at the close of second c becomes a z-score sample */
        double v = NAN;
        if (warm(p, W5))
            v = sample_std(p->w5_n + p->rn[ci], p->w5_nz + p->rnz[ci], p->w5_sum + p->rsum[ci],
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
        p->w5_nz += p->rnz[ci];
        p->w5_sum += p->rsum[ci];
        p->w5_sum2 += p->rsum2[ci];
        p->w1_ticks += p->nticks[ci];
        const int64_t o5 = c - (W5 - 1);
        if (o5 >= p->start_s) {
            const uint64_t oi = (uint64_t)o5 & HMASK;
            p->w5_n -= p->rn[oi];
            p->w5_nz -= p->rnz[oi];
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
        p->rn[ni] = p->rnz[ni] = p->nticks[ni] = 0;
        p->cur_s = c + 1;
        if (++p->w5_since_refresh >= W5)
            refresh_w5(f, p);
        if (++p->z_since_refresh >= (uint32_t)ZW)
            refresh_z(f, p);
    }
}

volt_feat_status_t volt_features_update(volt_features_t *f, const volt_tick_t *t,
                                        volt_feat_out_t *out)
{
    prod_state_t *p = &f->prod[t->product];
    const int64_t ns = volt_tick_time_ns(t);
    const int64_t s = ns >= 0 ? ns / NS_PER_S : -((-ns + NS_PER_S - 1) / NS_PER_S);
    uint32_t flags = 0;
    if (!p->started) {
        reset_product(p, s);
        flags |= VOLT_ROW_SEGMENT_START;
    } else if (ns < p->last_ns) {
        f->stats.out_of_order++;
        return VOLT_FEAT_OUT_OF_ORDER;
    } else if (ns - p->last_ns > f->cfg.gap_ns) {
        reset_product(p, s);
        f->stats.gaps++;
        flags |= VOLT_ROW_SEGMENT_START | VOLT_ROW_AFTER_GAP;
    } else if (s > p->cur_s) {
        advance(f, p, s);
    }
    p->last_ns = ns;
    f->stats.updates++;

    const uint64_t ci = (uint64_t)s & HMASK;
    if (t->kind == VOLT_TICK_TICKER) {
        if (!isnan(p->last_price)) {
            const double r = log(t->price / p->last_price);
            p->rn[ci]++;
            p->rnz[ci] += r != 0.0;
            p->rsum[ci] += r;
            p->rsum2[ci] += r * r;
        }
        p->last_price = t->price;
        p->close[ci] = t->price;
        p->nticks[ci]++;
        if (!isnan(t->best_bid) && !isnan(t->best_ask)) {
            p->bid = t->best_bid;
            p->ask = t->best_ask;
        }
        if (!isnan(t->volume_24h)) {
            p->vol24 = t->volume_24h;
            p->vol24c[ci] = t->volume_24h;
        }
    }

    double *o = out->f;
    const int w1 = warm(p, W1), w5 = warm(p, W5);
    o[VOLT_F_RET_1MIN] = w1 ? p->last_price / p->close[(uint64_t)(s - W1) & HMASK] - 1.0 : NAN;
    o[VOLT_F_RET_5MIN] = w5 ? p->last_price / p->close[(uint64_t)(s - W5) & HMASK] - 1.0 : NAN;
    const double vol = w5 ? sample_std(p->w5_n + p->rn[ci], p->w5_nz + p->rnz[ci],
                                       p->w5_sum + p->rsum[ci], p->w5_sum2 + p->rsum2[ci])
                          : NAN;
    o[VOLT_F_VOL_5MIN] = vol;
    const double spread = p->ask - p->bid;
    o[VOLT_F_SPREAD] = spread;
    const double mid = 0.5 * (p->ask + p->bid);
    o[VOLT_F_SPREAD_BPS] = mid > 0.0 ? spread / mid * 1e4 : NAN;
    const double vref = p->vol24c[(uint64_t)(s - W1) & HMASK];
    o[VOLT_F_VOL24_PCT] = w1 && vref > 0.0 ? 100.0 * (p->vol24 / vref - 1.0) : NAN;
    o[VOLT_F_TRADE_INTENSITY] = w1 ? (double)(p->w1_ticks + p->nticks[ci]) : NAN;
    double z = NAN;
    if (p->z_n >= f->cfg.z_min_samples && !isnan(vol)) {
        const double n = (double)p->z_n;
        const double mean = p->z_sum / n;
        const double var = (p->z_sum2 - p->z_sum * mean) / (n - 1.0);
        /* a nearly constant history leaves only rounding residue in var: no z-score then */
        if (var > 1e-12 * (p->z_sum2 / n))
            z = (vol - mean) / sqrt(var);
    }
    o[VOLT_F_VOL_ZSCORE] = z;
    out->segment_age_s = (double)(ns - p->start_s * NS_PER_S) / 1e9;
    out->flags = flags;
    return VOLT_FEAT_OK;
}

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
#include "engine/features/state.h"
#include "engine/features/tau.h"
#include "engine/features/v1.h"
#include "simd/slide.h"
#include "simd/sum.h"




void volt_features_attach_books(volt_features_t *f, const volt_books_t *books) { f->books = books; }

void volt_features_book(volt_features_t *f, const volt_book_msg_t *m, uint32_t e, double ofi)
{
    const uint16_t p = m->ev[e].product;
    if (f->books)
        volt_flow_book(&f->flow[p], f->books, p, m->t_ns, ofi);
}

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
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++) {
        volt_tau_init(&f->tau[i]);
        volt_flow_init(&f->flow[i]);
    }
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
    out->flags = flags | volt_flow_tick(&f->flow[t->product], f->books, t, s, flags, p->v1.mid, o);
    return VOLT_FEAT_OK;
}

/* engine/features/v1.h — the v1 feature set's steps (internal: features.c alone includes it, so
 * that every step inlines into the per-tick and per-second paths of one translation unit):
 * realized variance over 10 s to 900 s and traded sizes over 60 s in compensated sliding sums
 * (simd/slide.h), the 60 s and 300 s ranges (van Herk / Gil-Werman), the EWMA, the vol of vol,
 * the time of day, and the columns a row reads (docs/features.md). */
#ifndef VOLT_ENGINE_FEATURES_V1_H
#define VOLT_ENGINE_FEATURES_V1_H

#include "engine/features/state.h"

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

#endif

/* engine/features: hand-computed values, warm-up, gaps, ordering, and a brute-force recomputation
 * of the windows straight from their definitions in docs/features.md. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/features/features.h"
#include "helpers.h"

#define S 1000000000LL

static volt_features_t *fe;
static void setup(void)
{
    volt_feat_cfg_t c;
    volt_feat_cfg_default(&c);
    fe = volt_features_new(&c);
    cr_assert_not_null(fe);
}
static void teardown(void) { volt_features_free(fe); }

static volt_tick_t tk(int64_t ns, double price)
{
    volt_tick_t t = th_tick(ns, VOLT_TICK_TICKER, price, NAN, VOLT_SIDE_NONE, 0.05);
    t.volume_24h = 1000.0;
    return t;
}

static volt_feat_out_t feed(volt_tick_t t)
{
    volt_feat_out_t o;
    cr_assert_eq(volt_features_update(fe, &t, &o), VOLT_FEAT_OK);
    return o;
}

static int close_rel(double a, double b, double tol)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= tol * fmax(fabs(a), fabs(b)) || fabs(a - b) < 1e-300;
}

Test(features, spread_and_bps_are_instantaneous, .init = setup, .fini = teardown)
{
    volt_tick_t t = tk(1000 * S, 100.0);
    t.best_bid = 99.9;
    t.best_ask = 100.1;
    volt_feat_out_t o = feed(t);
    cr_expect_eq(o.f[VOLT_F_SPREAD], 100.1 - 99.9);
    cr_expect(close_rel(o.f[VOLT_F_SPREAD_BPS], 20.0, 1e-12), "bps %.17g", o.f[VOLT_F_SPREAD_BPS]);
    cr_expect(isnan(o.f[VOLT_F_RET_1MIN]), "no 60 s of history yet");
    cr_expect(o.flags & VOLT_ROW_SEGMENT_START);
}

Test(features, one_minute_return_uses_the_close_60_seconds_back, .init = setup, .fini = teardown)
{
    feed(tk(1000 * S + S / 2, 100.0)); /* second 1000 closes at 100 */
    for (int k = 5; k < 60; k += 5)    /* quotes every 5 s, below the 10 s gap threshold */
        feed(tk((1000 + k) * S, 100.5));
    volt_feat_out_t o = feed(tk(1060 * S + S / 4, 101.0)); /* second 1060: ref = close(1000) */
    cr_expect(close_rel(o.f[VOLT_F_RET_1MIN], 0.01, 1e-12), "got %.17g", o.f[VOLT_F_RET_1MIN]);
    cr_expect(isnan(o.f[VOLT_F_RET_5MIN]));
    cr_expect_eq(o.f[VOLT_F_TRADE_INTENSITY], 12.0, "ticks in seconds 1001..1060");
}

Test(features, a_window_of_unchanged_prices_has_exactly_zero_volatility, .init = setup,
     .fini = teardown)
{
    volt_feat_out_t o;
    for (int k = 0; k <= 400; k++)
        o = feed(tk((2000 + k) * S, k < 50 ? 100.0 + k * 0.01 : 100.49));
    cr_expect_eq(o.f[VOLT_F_VOL_5MIN], 0.0, "all returns in the window are 0, got %.3g",
                 o.f[VOLT_F_VOL_5MIN]);
}

Test(features, silence_longer_than_the_gap_threshold_restarts_windows, .init = setup,
     .fini = teardown)
{
    volt_feat_out_t o;
    for (int k = 0; k <= 70; k++)
        o = feed(tk((3000 + k) * S, 100.0 + k * 0.01));
    cr_expect_not(isnan(o.f[VOLT_F_RET_1MIN]));
    o = feed(tk((3070 + 11) * S, 100.0)); /* 11 s of silence > 10 s */
    cr_expect(o.flags & VOLT_ROW_AFTER_GAP);
    cr_expect(isnan(o.f[VOLT_F_RET_1MIN]), "windows never span a gap");
    cr_expect_eq(o.segment_age_s, 0.0);
    volt_feat_stats_t st;
    volt_features_stats(fe, &st);
    cr_expect_eq(st.gaps, 1);
}

Test(features, an_older_tick_is_refused_and_changes_nothing, .init = setup, .fini = teardown)
{
    feed(tk(5000 * S, 100.0));
    volt_feat_out_t a = feed(tk(5001 * S, 100.2));
    volt_tick_t late = tk(5000 * S + 5, 50.0);
    volt_feat_out_t o;
    cr_expect_eq(volt_features_update(fe, &late, &o), VOLT_FEAT_OUT_OF_ORDER);
    volt_feat_out_t b = feed(tk(5001 * S, 100.2));
    /* the same tick again: every feature equal but the inter-arrival time (1 s, then 0) */
    cr_expect_eq(a.f[VOLT_F_SECS_SINCE_TICK], 1.0);
    cr_expect_eq(b.f[VOLT_F_SECS_SINCE_TICK], 0.0);
    a.f[VOLT_F_SECS_SINCE_TICK] = b.f[VOLT_F_SECS_SINCE_TICK];
    cr_expect_eq(memcmp(a.f, b.f, sizeof a.f), 0, "state unchanged by the refused tick");
}

Test(features, products_keep_separate_windows, .init = setup, .fini = teardown)
{
    volt_tick_t a, b;
    for (int k = 0; k <= 60; k += 5) { /* every 5 s: no gap */
        a = tk((6000 + k) * S, 100.0);
        b = tk((6000 + k) * S, 5.0);
        b.product = 1;
        feed(a);
        feed(b);
    }
    a = tk(6061 * S, 110.0);
    b = tk(6061 * S, 5.5);
    b.product = 1;
    cr_expect(close_rel(feed(a).f[VOLT_F_RET_1MIN], 0.1, 1e-12));
    cr_expect(close_rel(feed(b).f[VOLT_F_RET_1MIN], 0.1, 1e-12));
}

/* A window whose only nonzero tick return is r has price_volatility_5min = |r| / sqrt(n), n the
 * returns in it, which exposes r to a few ulp: each move, from 1e-9 to 30 %, on both sides of the
 * 2^-10 where the tick return leaves its series for libm's log, gives libm's log(price / last). */
Test(features, the_tick_return_is_libms_log_of_the_price_ratio_for_small_and_large_moves,
     .init = setup, .fini = teardown)
{
    static const double move[] = {1e-9,  -3e-8,        1.1e-7,        -2e-5,         4e-4,
                                  -9e-4, 0x1.fffp-11,  -0x1.fffp-11,  0x1.0008p-10,  -0x1.0008p-10,
                                  3e-3,  -5e-3,        0.02,          -0.3};
    enum { NM = sizeof move / sizeof move[0] };
    _Static_assert(NM <= VOLT_MAX_PRODUCTS, "one product per move");
    for (int k = 0; k < NM; k++) {
        const double p0 = 90000.0 + 1234.56 * k, p1 = p0 * (1.0 + move[k]);
        for (int i = 0; i < 2 * 310; i++) { /* two ticks a second, 310 s of one price */
            volt_tick_t t = tk(20000 * S + i * (S / 2), p0);
            t.product = (uint16_t)k;
            feed(t);
        }
        volt_tick_t t = tk(20000 * S + 620 * (S / 2), p1);
        t.product = (uint16_t)k;
        const volt_feat_out_t o = feed(t);
        /* the window is seconds [20310-299, 20310]: two ticks in each of its first 299 seconds and
         * the jump in the last, all but the jump returning exactly 0 */
        const double r = log(p1 / p0), want = fabs(r) / sqrt(2.0 * 299 + 1);
        cr_expect(close_rel(o.f[VOLT_F_VOL_5MIN], want, 1e-15), "move %a: vol %.17g, want %.17g",
                  move[k], o.f[VOLT_F_VOL_5MIN], want);
    }
}

/* ---- brute force from the definitions ---- */
typedef struct {
    int64_t ns;
    double price, vol24;
} bt_t;

static int64_t sec(int64_t ns) { return ns / S; }

/* close(s): price of the last tick with second <= s (index <= i). */
static double close_at(const bt_t *t, int i, int64_t s)
{
    double c = NAN;
    for (int j = 0; j <= i; j++)
        if (sec(t[j].ns) <= s)
            c = t[j].price;
    return c;
}

static double vol24_at(const bt_t *t, int i, int64_t s)
{
    double c = NAN;
    for (int j = 0; j <= i; j++)
        if (sec(t[j].ns) <= s)
            c = t[j].vol24;
    return c;
}

static double std_window(const bt_t *t, int i, int64_t lo, int64_t hi)
{
    double s1 = 0, s2 = 0;
    int n = 0;
    for (int j = 1; j <= i; j++) {
        const int64_t s = sec(t[j].ns);
        if (s >= lo && s <= hi) {
            const double r = log(t[j].price / t[j - 1].price);
            s1 += r;
            s2 += r * r;
            n++;
        }
    }
    if (n < 2)
        return NAN;
    const double m = s1 / n;
    double acc = 0;
    for (int j = 1; j <= i; j++) {
        const int64_t s = sec(t[j].ns);
        if (s >= lo && s <= hi) {
            const double r = log(t[j].price / t[j - 1].price);
            acc += (r - m) * (r - m);
        }
    }
    return sqrt(acc / (n - 1));
}

Test(features, match_a_brute_force_recomputation_over_twenty_minutes, .init = setup,
     .fini = teardown, .timeout = 120)
{
    enum { N = 3000 };
    static bt_t t[N];
    unsigned x = 99;
    int64_t ns = 7000 * S;
    double p = 90000.0, v24 = 5000.0;
    for (int i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        ns += (int64_t)((x >> 8) % 900) * 1000000; /* 0..0.9 s apart, sometimes same second */
        x = x * 1664525u + 1013904223u;
        const int move = (int)((x >> 8) % 7) - 3; /* -3..3 cents, often 0 */
        p = round((p + move * 0.01) * 100) / 100;
        v24 += 0.01 * ((x >> 12) % 5);
        t[i] = (bt_t){ns, p, v24};
    }
    const int64_t s0 = sec(t[0].ns);
    int checked_vol = 0, checked_z = 0;
    /* per-second volatility closes for the z-score, computed from the definition */
    for (int i = 0; i < N; i++) {
        volt_tick_t tt = tk(t[i].ns, t[i].price);
        tt.volume_24h = t[i].vol24;
        const volt_feat_out_t o = feed(tt);
        const int64_t s = sec(t[i].ns);
        const int64_t age = s - s0;
        const double r1 = age >= 60 ? t[i].price / close_at(t, i, s - 60) - 1 : NAN;
        const double r5 = age >= 300 ? t[i].price / close_at(t, i, s - 300) - 1 : NAN;
        const double v5 = age >= 300 ? std_window(t, i, s - 299, s) : NAN;
        const double vp = age >= 60 ? 100.0 * (t[i].vol24 / vol24_at(t, i, s - 60) - 1) : NAN;
        int cnt = 0;
        for (int j = 0; j <= i; j++)
            cnt += sec(t[j].ns) >= s - 59;
        const double ti = age >= 60 ? cnt : NAN;
        cr_assert(close_rel(o.f[VOLT_F_RET_1MIN], r1, 1e-12), "i=%d r1 %.17g vs %.17g", i,
                  o.f[VOLT_F_RET_1MIN], r1);
        cr_assert(close_rel(o.f[VOLT_F_RET_5MIN], r5, 1e-12), "i=%d", i);
        cr_assert(close_rel(o.f[VOLT_F_VOL_5MIN], v5, 1e-9), "i=%d vol %.17g vs %.17g", i,
                  o.f[VOLT_F_VOL_5MIN], v5);
        cr_assert(close_rel(o.f[VOLT_F_VOL24_PCT], vp, 1e-9), "i=%d", i);
        cr_assert(close_rel(o.f[VOLT_F_TRADE_INTENSITY], ti, 0), "i=%d ti %g vs %g", i,
                  o.f[VOLT_F_TRADE_INTENSITY], ti);
        checked_vol += !isnan(v5);
        if (i % 97 == 0 && !isnan(o.f[VOLT_F_VOL_ZSCORE])) {
            /* z: closes of seconds [s-900, s-1] that are defined */
            double zs1 = 0, zs2 = 0;
            int zn = 0;
            for (int64_t q = s - 900; q < s; q++) {
                if (q - s0 < 300)
                    continue;
                int last = -1;
                for (int j = 0; j < N && sec(t[j].ns) <= q; j++)
                    last = j;
                const double v = std_window(t, last, q - 299, q);
                if (!isnan(v)) {
                    zs1 += v;
                    zs2 += v * v;
                    zn++;
                }
            }
            const double m = zs1 / zn, sd = sqrt((zs2 - zs1 * m) / (zn - 1));
            cr_assert(close_rel(o.f[VOLT_F_VOL_ZSCORE], (v5 - m) / sd, 1e-6), "i=%d z %.12g vs %.12g",
                      i, o.f[VOLT_F_VOL_ZSCORE], (v5 - m) / sd);
            checked_z++;
        }
    }
    cr_expect_gt(checked_vol, 1000);
    cr_expect_gt(checked_z, 3);
}

/* Time of day second by second across midnight and across the table's 300-s steps (the engine
 * carries the second of the day forward), after a jump within a segment and after a gap. */
static void expect_tod(int64_t s)
{
    const volt_feat_out_t o = feed(tk(s * S + 250000000LL, 90000.0));
    const double d = (double)(((s % 86400) + 86400) % 86400);
    const double ang = 2.0 * M_PI * d / 86400.0;
    cr_expect(fabs(o.f[VOLT_F_TOD_SIN] - sin(ang)) <= 2e-15, "second %lld: sin %.17g vs %.17g",
              (long long)s, o.f[VOLT_F_TOD_SIN], sin(ang));
    cr_expect(fabs(o.f[VOLT_F_TOD_COS] - cos(ang)) <= 2e-15, "second %lld: cos %.17g vs %.17g",
              (long long)s, o.f[VOLT_F_TOD_COS], cos(ang));
}

Test(features, time_of_day_follows_the_clock_across_midnight_steps_jumps_and_gaps, .init = setup,
     .fini = teardown)
{
    const int64_t day = 20424LL * 86400; /* 2025-12-01 00:00:00 UTC */
    int64_t s = day - 400;
    for (; s < day + 650; s++) /* midnight, and the steps at 300 and 600 s after it */
        expect_tod(s);
    s += 7; /* a jump shorter than the gap threshold: same segment */
    expect_tod(s);
    for (int i = 0; i < 400; i++)
        expect_tod(++s);
    s += 3 * 3600 + 17; /* a gap: a new segment */
    for (int i = 0; i < 400; i++)
        expect_tod(s++);
}

/* Past every window's warm-up the engine reads the mid's columns without per-column checks
 * (v1_read_mid's fast path); a window left with no nonzero return leaves it for the checked path
 * and must read exactly 0 (its compensated sum comes back to exactly 0 here too, so this does not
 * tell the two apart: the guard is for a sum that keeps a rounding residue), and the windows, log
 * returns and spread change stay right on both sides. */
Test(features, a_quiet_stretch_after_warm_up_reads_exact_zero_realized_volatility, .init = setup,
     .fini = teardown)
{
    int64_t ns = 3000 * S;
    double px = 90000.0;
    uint64_t x = 88172645463325252ull;
    for (int k = 0; k < 2 * 1000; k++, ns += S / 2) { /* 1000 s of a random walk in cents */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        feed(tk(ns, px += (double)((int)(x % 201) - 100) * 0.01));
    }
    volt_feat_out_t o = feed(tk(ns, px += 0.5));
    cr_assert_gt(o.f[VOLT_F_RV_900S], 0.0);
    cr_assert_gt(o.f[VOLT_F_RV_10S], 0.0);
    for (int k = 0; k < 2 * 15; k++, ns += S / 2) { /* 15 s of one quote */
        o = feed(tk(ns, px));
        if (k >= 2 * 11) {
            cr_expect_eq(o.f[VOLT_F_RV_10S], 0.0, "quiet for %d s: rv_10s %.17g", k / 2,
                         o.f[VOLT_F_RV_10S]);
            cr_expect_eq(o.f[VOLT_F_LOGRET_10S], 0.0);
            cr_expect_eq(o.f[VOLT_F_SPREAD_CHANGE_10S], 0.0);
            cr_expect_gt(o.f[VOLT_F_RV_30S], 0.0);
            cr_expect_gt(o.f[VOLT_F_RANGE_60S_BPS], 0.0);
        }
    }
    o = feed(tk(ns + S, px + 0.5)); /* a move in the next second: its return is in the read */
    cr_expect_gt(o.f[VOLT_F_RV_10S], 0.0);
    cr_expect(fabs(o.f[VOLT_F_LOGRET_10S] - log((px + 0.5) / px)) < 1e-12);
}

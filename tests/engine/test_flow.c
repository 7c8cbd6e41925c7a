/* engine/features/flow.c: the book and trade-flow columns on hand-built books and trades, every
 * value computed by hand from docs/features.md ("Book and trade flow"). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine/book/books.h"
#include "engine/features/features.h"
#include "helpers.h"

#define S 1000000000LL
#define T0 (1800000000LL * S) /* a whole second */
#define PX(x) ((int64_t)((x) * 100000000.0 + 0.5))

static volt_features_t *fe;
static volt_books_t bs;

static void setup(void)
{
    volt_feat_cfg_t c;
    volt_feat_cfg_default(&c);
    fe = volt_features_new(&c);
    cr_assert_not_null(fe);
    cr_assert_eq(volt_books_init(&bs, 64), 0);
    volt_features_attach_books(fe, &bs);
}

static void teardown(void)
{
    volt_features_free(fe);
    volt_books_free(&bs);
}

/* One event of product 0 at time ns: its changes (side, price, size), as the hot agent applies it.
 * Returns the event's order flow. */
static double event(int64_t ns, int snapshot, const volt_level_change_t *ch, uint32_t n)
{
    volt_book_msg_t m = {.t_ns = ns, .n_events = 1, .changes = ch, .n_changes = n};
    m.ev[0] = (volt_book_event_t){.product = 0, .snapshot = (uint8_t)snapshot, .first = 0, .n = n};
    const double e = volt_books_event(&bs, &m, 0);
    volt_features_book(fe, &m, 0, e);
    return e;
}

static volt_tick_t tick(int64_t ns, int kind, double price, double size, int side)
{
    return th_tick(ns, kind, price, size, side, 0.5);
}

static volt_feat_out_t row(volt_tick_t t)
{
    volt_feat_out_t o;
    cr_assert_eq(volt_features_update(fe, &t, &o), VOLT_FEAT_OK);
    return o;
}

#define B(px, q) {PX(px), (q), VOLT_BOOK_SIDE_BID}
#define A(px, q) {PX(px), (q), VOLT_BOOK_SIDE_ASK}

/* bids 99 x 2, 98 x 3, 97 x 4; asks 101 x 1, 102 x 5, 103 x 6 */
static void snapshot(int64_t ns)
{
    const volt_level_change_t ch[] = {B(99, 2), B(98, 3), B(97, 4), A(101, 1), A(102, 5), A(103, 6)};
    cr_assert_eq(event(ns, 1, ch, 6), 0.0, "a snapshot contributes no order flow");
}

TestSuite(flow, .init = setup, .fini = teardown);

Test(flow, order_flow_of_each_kind_of_event)
{
    snapshot(T0);
    const volt_level_change_t up[] = {B(100, 7)};        /* a better bid: + its size */
    cr_assert_eq(event(T0 + S / 10, 0, up, 1), 7.0);
    const volt_level_change_t same[] = {B(100, 4)};      /* same price, size 7 -> 4 */
    cr_assert_eq(event(T0 + S / 5, 0, same, 1), -3.0);
    const volt_level_change_t gone[] = {B(100, 0)};      /* best bid removed: - its size */
    cr_assert_eq(event(T0 + S / 4, 0, gone, 1), -4.0);
    const volt_level_change_t ask_in[] = {A(100.5, 2)};  /* a better ask: - its size */
    cr_assert_eq(event(T0 + S / 3, 0, ask_in, 1), -2.0);
    const volt_level_change_t ask_out[] = {A(100.5, 0)}; /* best ask removed: + its size */
    cr_assert_eq(event(T0 + S / 2, 0, ask_out, 1), 2.0);
    const volt_level_change_t deep[] = {B(90, 9), A(110, 9)}; /* away from the top: nothing */
    cr_assert_eq(event(T0 + S / 2, 0, deep, 2), 0.0);
    /* both sides in one event: bid 99 x 2 -> 99 x 5 (+3) and ask 101 x 1 -> 101 x 0.5 (-(-0.5)) */
    const volt_level_change_t both[] = {B(99, 5), A(101, 0.5)};
    cr_assert_eq(event(T0 + S / 2, 0, both, 2), 3.0 + 0.5);
}

Test(flow, windows_on_the_book_clock)
{
    snapshot(T0);
    volt_feat_out_t o = row(tick(T0 + S / 2, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert(isnan(o.f[VOLT_F_OFI_1S]), "the snapshot's own second: not warm");
    cr_assert(!isnan(o.f[VOLT_F_DEPTH_IMB_5]), "instantaneous columns: defined at once");
    for (int k = 1; k <= 12; k++) { /* bid 99's size grows by 1 each second: +1 a second */
        const volt_level_change_t ch[] = {B(99, 2.0 + k)};
        cr_assert_eq(event(T0 + k * S + S / 4, 0, ch, 1), 1.0);
        o = row(tick(T0 + k * S + S / 2, VOLT_TICK_TICKER, 100, NAN, 0));
        cr_assert_eq(o.f[VOLT_F_OFI_1S], 1.0, "second %d", k);
        if (k < 10)
            cr_assert(isnan(o.f[VOLT_F_OFI_10S]), "second %d: the 10-s window is not warm", k);
        else
            cr_assert_eq(o.f[VOLT_F_OFI_10S], 10.0, "second %d", k);
        cr_assert(isnan(o.f[VOLT_F_OFI_60S]));
    }
    /* a tick 3 s later moves the book clock: the seconds passed had no flow */
    o = row(tick(T0 + 15 * S, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert_eq(o.f[VOLT_F_OFI_1S], 0.0);
    cr_assert_eq(o.f[VOLT_F_OFI_10S], 7.0, "seconds 6..12 held one each");
    /* depth of the top 10: now 14 + 3 + 4 (bids) + 1 + 5 + 6 (asks) = 33; at the close of second 5,
     * 7 + 3 + 4 + 12 = 26 */
    cr_assert_float_eq(o.f[VOLT_F_DEPTH_CHANGE_10S], 33.0 / 26.0 - 1.0, 1e-15);
}

Test(flow, instantaneous_book_columns_by_hand)
{
    snapshot(T0);
    const volt_feat_out_t o = row(tick(T0 + S / 2, VOLT_TICK_TICKER, 100, NAN, 0));
    /* best 5 (all 3) levels: bids 9, asks 12 */
    cr_assert_float_eq(o.f[VOLT_F_DEPTH_IMB_5], (9.0 - 12.0) / 21.0, 1e-15);
    /* mid 100; 10 bps = 0.1: only the best levels are within it? 99 and 101 are 1% away: none
     * beyond the best... the band walks from the best and stops at the first level outside, so
     * even the best is outside: 0 / 0 */
    cr_assert(isnan(o.f[VOLT_F_DEPTH_IMB_10BPS]), "nothing within 10 bps: undefined (0 / 0)");
    /* microprice (101 x 2 + 99 x 1) / 3 = 100.333..., mid 100 */
    cr_assert_float_eq(o.f[VOLT_F_MICROPRICE_DEV_BPS], ((101.0 * 2 + 99.0 * 1) / 3.0 - 100.0) / 100.0 * 1e4,
                       1e-9);
    /* 21 units over 103 - 97 = 6, i.e. 600 bps of the mid */
    cr_assert_float_eq(o.f[VOLT_F_BOOK_SLOPE_10], 21.0 / 600.0, 1e-15);
}

Test(flow, near_band_counts_levels_inside_it)
{
    const volt_level_change_t ch[] = {B(99.95, 1), B(99.9, 2), B(99.85, 8), A(100.05, 3), A(100.1, 1),
                                      A(100.2, 9)};
    event(T0, 1, ch, 6);
    const volt_feat_out_t o = row(tick(T0 + S / 2, VOLT_TICK_TICKER, 100, NAN, 0));
    /* mid 100, band [99.9, 100.1]: bids 1 + 2, asks 3 + 1 */
    cr_assert_float_eq(o.f[VOLT_F_DEPTH_IMB_10BPS], (3.0 - 4.0) / 7.0, 1e-15);
}

Test(flow, invalid_books_flag_rows_and_a_snapshot_restarts_the_windows)
{
    volt_feat_out_t o = row(tick(T0, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert_eq(o.flags & VOLT_ROW_BOOK_INVALID, 0, "no book in use: no flag");
    cr_assert(isnan(o.f[VOLT_F_DEPTH_IMB_5]));
    snapshot(T0 + S);
    volt_books_gap(&bs);
    o = row(tick(T0 + 2 * S, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert_eq(o.flags & VOLT_ROW_BOOK_INVALID, VOLT_ROW_BOOK_INVALID);
    for (int i = VOLT_F_OFI_1S; i <= VOLT_F_DEPTH_CHANGE_10S; i++)
        cr_assert(isnan(o.f[i]), "column %d of an invalid book", i);
    snapshot(T0 + 3 * S);
    o = row(tick(T0 + 3 * S + 1, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert_eq(o.flags & VOLT_ROW_BOOK_INVALID, 0);
    cr_assert(isnan(o.f[VOLT_F_OFI_1S]), "the windows restarted at the snapshot");
    o = row(tick(T0 + 4 * S, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert_eq(o.f[VOLT_F_OFI_1S], 0.0);
    /* crossing: a bid at 102 over the ask at 101 */
    const volt_level_change_t cross[] = {B(102, 1)};
    event(T0 + 4 * S, 0, cross, 1);
    o = row(tick(T0 + 4 * S + 2, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert_eq(o.flags & VOLT_ROW_BOOK_INVALID, VOLT_ROW_BOOK_INVALID, "a crossed book");
}

Test(flow, trade_flow_by_hand)
{
    int64_t ns = T0;
    row(tick(ns, VOLT_TICK_TICKER, 100, NAN, 0)); /* mid 100 */
    /* 60 s of one 1-unit buy at 100 every second, then a 2-unit sell at 103 */
    for (int k = 1; k <= 60; k++)
        row(tick(T0 + k * S, VOLT_TICK_TRADE, 100, 1.0, VOLT_SIDE_BUY));
    volt_feat_out_t o = row(tick(T0 + 60 * S + 1, VOLT_TICK_TRADE, 103, 2.0, VOLT_SIDE_SELL));
    /* the window holds seconds 1..60: 60 buys of 1, one sell of 2 */
    cr_assert_float_eq(o.f[VOLT_F_SIGNED_VOLUME_60S], 60.0 - 2.0, 1e-12);
    const double vwap = (60.0 * 100 + 2.0 * 103) / 62.0;
    cr_assert_float_eq(o.f[VOLT_F_VWAP_DIST_60S_BPS], (100.0 - vwap) / vwap * 1e4, 1e-9);
    /* the trade of second k is classed once the 300 s before it hold 30 trades (k >= 31): 30 buys
     * of 1 and the sell are classed; the mean size before second 60 is 1, so the 2-unit sell is
     * not large (2 < 4), and a 4-unit buy is */
    cr_assert_float_eq(o.f[VOLT_F_LARGE_TRADE_SHARE_60S], 0.0, 1e-15);
    o = row(tick(T0 + 60 * S + 2, VOLT_TICK_TRADE, 100, 4.0, VOLT_SIDE_BUY));
    cr_assert_float_eq(o.f[VOLT_F_LARGE_TRADE_SHARE_60S], 4.0 / (30.0 + 2.0 + 4.0), 1e-15);
}

Test(flow, trade_windows_restart_with_the_segment)
{
    for (int k = 0; k <= 70; k++)
        row(tick(T0 + k * S, VOLT_TICK_TRADE, 100, 1.0, VOLT_SIDE_BUY));
    volt_feat_out_t o = row(tick(T0 + 70 * S + 1, VOLT_TICK_TICKER, 100, NAN, 0));
    cr_assert(!isnan(o.f[VOLT_F_SIGNED_VOLUME_60S]));
    o = row(tick(T0 + 100 * S, VOLT_TICK_TRADE, 100, 1.0, VOLT_SIDE_BUY)); /* 30 s of silence */
    cr_assert(o.flags & VOLT_ROW_SEGMENT_START);
    cr_assert(isnan(o.f[VOLT_F_SIGNED_VOLUME_60S]), "a new segment is not warm");
}

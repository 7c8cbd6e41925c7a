/* engine/features/flow.c — book and trade flow (flow.h; definitions in docs/features.md). */
#include "engine/features/flow.h"

#include <math.h>
#include <string.h>

#define NS_PER_S INT64_C(1000000000)
#define FB_MASK (FB_HIST - 1)
#define FT_MASK (FT_HIST - 1)
_Static_assert((FB_HIST & FB_MASK) == 0 && FB_HIST > 60, "a power of two over the 60-s window");
_Static_assert((FT_HIST & FT_MASK) == 0 && FT_HIST > 2 * FLOW_LARGE_REF_S + 1,
               "a power of two holding the reference window and the seconds that leave it");

static int64_t sec_of(int64_t ns)
{
    return ns >= 0 ? ns / NS_PER_S : -((-ns + NS_PER_S - 1) / NS_PER_S);
}

void volt_flow_init(flow_t *fl)
{
    memset(fl, 0, sizeof *fl);
    fl->bk.s = INT64_MIN;
    fl->tr.s = INT64_MIN;
}

/* ---- the book side ---- */

/* Order flow over the completed seconds s-w+1 .. s-1, oldest first. */
static double ofi_completed(const flow_book_t *b, int64_t s, int64_t w)
{
    double sum = 0.0;
    for (int64_t c = s - w + 1; c < s; c++)
        sum += b->ofi[c & FB_MASK];
    return sum;
}

/* Moves the book clock to second s (> b->s): the seconds passed get no flow and the depth close
 * carried forward; the window sums are re-summed. */
static void book_advance(flow_book_t *b, int64_t s)
{
    const double d = b->d10[b->s & FB_MASK];
    const int64_t from = s - b->s > FB_HIST ? s - FB_HIST + 1 : b->s + 1;
    for (int64_t c = from; c <= s; c++) {
        b->ofi[c & FB_MASK] = 0.0;
        b->d10[c & FB_MASK] = d;
    }
    b->s = s;
    b->w10 = ofi_completed(b, s, 10);
    b->w60 = ofi_completed(b, s, 60);
}

/* Size of the best n levels of a side (fewer when the side has fewer). */
static double side_depth(const volt_book_t *bk, int side, uint32_t n)
{
    double q = 0.0;
    for (uint32_t k = 0; k < n; k++) {
        const volt_level_t *l = volt_book_level(bk, side, k);
        if (!l)
            break;
        q += l->qty;
    }
    return q;
}

static double depth10(const volt_book_t *bk)
{
    return side_depth(bk, VOLT_BID, FLOW_DEPTH_LEVELS) + side_depth(bk, VOLT_ASK, FLOW_DEPTH_LEVELS);
}

static int book_usable(const volt_book_t *bk)
{
    return bk->valid && volt_book_levels(bk, VOLT_BID) && volt_book_levels(bk, VOLT_ASK);
}

void volt_flow_book(flow_t *fl, const volt_books_t *bs, uint16_t p, int64_t t_ns, double ofi)
{
    flow_book_t *b = &fl->bk;
    const volt_book_t *bk = &bs->book[p];
    b->seen = 1;
    int64_t s = t_ns ? sec_of(t_ns) : b->s;
    if (s == INT64_MIN)
        return; /* no time yet to put it on */
    if (b->s != INT64_MIN && s < b->s)
        s = b->s; /* a message stamped earlier than the clock: it counts in the current second */
    if (bs->syncs[p] != b->syncs) { /* a snapshot: the windows start afresh from it */
        b->syncs = bs->syncs[p];
        memset(b->ofi, 0, sizeof b->ofi);
        b->w10 = b->w60 = 0.0;
        b->s = b->sync_s = s;
        b->live = 1;
    } else if (s > b->s) {
        if (b->live)
            book_advance(b, s);
        b->s = s;
    }
    if (!b->live)
        return;
    b->ofi[s & FB_MASK] += ofi;
    if (book_usable(bk))
        b->d10[s & FB_MASK] = depth10(bk);
}

/* Sizes within FLOW_NEAR_BPS of the mid, walking each side from its best (exact integer bounds:
 * 2 px 1e4 against (bid + ask)(1e4 -+ bps)). */
static double near_depth(const volt_book_t *bk, int side, __int128 two_mid)
{
    double q = 0.0;
    const volt_book_side_t *sd = &bk->side[side];
    for (uint32_t k = 0; k < sd->n; k++) {
        const volt_level_t *l = &sd->lv[sd->n - 1 - k];
        const __int128 lhs = (__int128)l->px * 2 * 10000;
        const int in = side == VOLT_BID ? lhs >= two_mid * (10000 - FLOW_NEAR_BPS)
                                        : lhs <= two_mid * (10000 + FLOW_NEAR_BPS);
        if (!in)
            break;
        q += l->qty;
    }
    return q;
}

/* The price of the deepest of the top n levels of a side. */
static double deep_px(const volt_book_t *bk, int side, uint32_t n)
{
    const uint32_t have = volt_book_levels(bk, side);
    return (double)volt_book_level(bk, side, (have < n ? have : n) - 1)->px * 1e-8;
}

/* The instantaneous book columns of a usable book. */
static void book_now(const volt_book_t *bk, double *o)
{
    const volt_level_t *bb = volt_book_level(bk, VOLT_BID, 0), *ba = volt_book_level(bk, VOLT_ASK, 0);
    const double bid = (double)bb->px * 1e-8, ask = (double)ba->px * 1e-8;
    const double mid = (bid + ask) / 2.0;
    const double b5 = side_depth(bk, VOLT_BID, FLOW_IMB_LEVELS), a5 = side_depth(bk, VOLT_ASK, FLOW_IMB_LEVELS);
    o[VOLT_F_DEPTH_IMB_5] = (b5 - a5) / (b5 + a5);
    const __int128 two_mid = (__int128)bb->px + ba->px;
    const double bn = near_depth(bk, VOLT_BID, two_mid), an = near_depth(bk, VOLT_ASK, two_mid);
    o[VOLT_F_DEPTH_IMB_10BPS] = (bn - an) / (bn + an);
    const double micro = (ask * bb->qty + bid * ba->qty) / (bb->qty + ba->qty);
    o[VOLT_F_MICROPRICE_DEV_BPS] = (micro - mid) / mid * 1e4;
    const double span_bps = (deep_px(bk, VOLT_ASK, FLOW_DEPTH_LEVELS) -
                             deep_px(bk, VOLT_BID, FLOW_DEPTH_LEVELS)) / mid * 1e4;
    o[VOLT_F_BOOK_SLOPE_10] = depth10(bk) / span_bps;
}

/* The book columns as of second s of the tick: missing unless the book is usable. */
static uint32_t book_read(flow_book_t *b, const volt_books_t *bs, uint16_t p, int64_t s, double *o)
{
    for (int i = VOLT_F_OFI_1S; i <= VOLT_F_DEPTH_CHANGE_10S; i++)
        o[i] = NAN;
    if (!bs || !b->seen)
        return 0;
    const volt_book_t *bk = &bs->book[p];
    if (!book_usable(bk) || !b->live)
        return VOLT_ROW_BOOK_INVALID;
    if (s > b->s)
        book_advance(b, s);
    const int64_t S = b->s, age = S - b->sync_s;
    const double now = b->ofi[S & FB_MASK];
    if (age >= 1)
        o[VOLT_F_OFI_1S] = now;
    if (age >= 10)
        o[VOLT_F_OFI_10S] = b->w10 + now;
    if (age >= 60)
        o[VOLT_F_OFI_60S] = b->w60 + now;
    book_now(bk, o);
    if (age >= 10)
        o[VOLT_F_DEPTH_CHANGE_10S] = depth10(bk) / b->d10[(S - 10) & FB_MASK] - 1.0;
    return 0;
}

/* ---- the trade side ---- */

static void trade_restart(flow_trade_t *t, int64_t s)
{
    memset(t, 0, sizeof *t);
    t->start_s = t->s = s;
}

static void sec_add(ft_sec_t *w, const ft_sec_t *x, int sign)
{
    w->notl += sign * x->notl;
    w->buy += sign * x->buy;
    w->sell += sign * x->sell;
    w->vol += sign * x->vol;
    w->cvol += sign * x->cvol;
    w->lvol += sign * x->lvol;
    w->n += sign * x->n;
}

/* A window of the completed seconds s-w .. s-1, moved from second old to s (> old): the seconds
 * that left come out, the second that closed (old; those after it held no trade) goes in. */
static void slide(flow_trade_t *t, ft_sec_t *win, int64_t w, int64_t old, int64_t s)
{
    if (s - old > w) { /* even the closed second has left */
        memset(win, 0, sizeof *win);
        return;
    }
    for (int64_t c = old - w; c < s - w; c++)
        sec_add(win, &t->b[c & FT_MASK], -1);
    sec_add(win, &t->b[old & FT_MASK], 1);
}

/* Moves the trade clock to second s (> t->s). */
static void trade_advance(flow_trade_t *t, int64_t s)
{
    const int64_t old = t->s;
    slide(t, &t->ref, FLOW_LARGE_REF_S, old, s);
    slide(t, &t->w, FLOW_TRADE_W - 1, old, s);
    const int64_t from = s - old > FT_HIST ? s - FT_HIST + 1 : old + 1;
    for (int64_t c = from; c <= s; c++)
        memset(&t->b[c & FT_MASK], 0, sizeof t->b[0]);
    t->s = s;
}

/* A trade into the open second: its side, notional and, once the reference holds enough trades,
 * its size class (large: size >= FLOW_LARGE_X times the reference's mean size, compared exactly as
 * size x n >= X x volume). */
static void trade_add(flow_trade_t *t, const volt_tick_t *k, int64_t s)
{
    ft_sec_t *x = &t->b[s & FT_MASK];
    const int64_t q = llround(k->size * 1e8);
    t->seen = 1;
    x->n++;
    x->vol += q;
    x->notl += llround(k->price * k->size * 1e8);
    if (k->side == VOLT_SIDE_BUY)
        x->buy += q;
    else if (k->side == VOLT_SIDE_SELL)
        x->sell += q;
    if (t->ref.n >= FLOW_LARGE_MIN_N) {
        x->cvol += q;
        if ((__int128)q * t->ref.n >= (__int128)FLOW_LARGE_X * t->ref.vol)
            x->lvol += q;
    }
}

static void trade_read(const flow_trade_t *t, int64_t s, double mid, double *o)
{
    o[VOLT_F_SIGNED_VOLUME_60S] = o[VOLT_F_VWAP_DIST_60S_BPS] = o[VOLT_F_LARGE_TRADE_SHARE_60S] = NAN;
    if (!t->seen || s - t->start_s < FLOW_TRADE_W)
        return;
    ft_sec_t w = t->w;
    sec_add(&w, &t->b[s & FT_MASK], 1);
    o[VOLT_F_SIGNED_VOLUME_60S] = (double)(w.buy - w.sell) / 1e8;
    if (w.vol > 0 && !isnan(mid)) {
        const double vwap = (double)w.notl / (double)w.vol;
        o[VOLT_F_VWAP_DIST_60S_BPS] = (mid - vwap) / vwap * 1e4;
    }
    if (w.cvol > 0)
        o[VOLT_F_LARGE_TRADE_SHARE_60S] = (double)w.lvol / (double)w.cvol;
}

uint32_t volt_flow_tick(flow_t *fl, const volt_books_t *bs, const volt_tick_t *t, int64_t s,
                        uint32_t flags, double mid, double *o)
{
    flow_trade_t *tr = &fl->tr;
    if (flags & VOLT_ROW_SEGMENT_START)
        trade_restart(tr, s);
    else if (s > tr->s)
        trade_advance(tr, s);
    if (t->size > 0.0 && t->price > 0.0) /* a trade: the v1 set's definition (NaN fails both) */
        trade_add(tr, t, s);
    trade_read(tr, s, mid, o);
    return book_read(&fl->bk, bs, t->product, s, o);
}

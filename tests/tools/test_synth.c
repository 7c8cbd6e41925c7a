/* tools/synth: deterministic by seed, and its statistics match the calibration it claims. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/book/books.h"
#include "engine/feed/parse.h"
#include "synth.h"

Test(synth, the_same_seed_gives_the_same_market)
{
    static volt_synth_t a, b;
    volt_synth_cfg_t c;
    volt_synth_cfg_default(&c);
    c.seed = 5;
    volt_synth_init(&a, &c);
    volt_synth_init(&b, &c);
    char x[2048], y[2048];
    for (int i = 0; i < 5000; i++) {
        int64_t t1, t2;
        size_t n1 = volt_synth_next(&a, x, sizeof x, &t1), n2 = volt_synth_next(&b, y, sizeof y, &t2);
        cr_assert_eq(n1, n2);
        cr_assert_eq(memcmp(x, y, n1), 0, "message %d differs", i);
    }
}

Test(synth, every_message_parses_and_matches_the_calibration, .timeout = 120)
{
    static volt_synth_t s;
    volt_synth_cfg_t c;
    volt_synth_cfg_default(&c);
    c.seed = 9;
    volt_synth_init(&s, &c);
    static volt_products_t prods;
    volt_products_init(&prods);
    volt_parser_t *p = volt_parser_new(1 << 16, &prods);
    static volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
    char buf[2048 + 64];
    const int64_t hours = 6, span = hours * 3600LL * 1000000000LL;
    int64_t first = -1, ns = 0, n = 0, unchanged = 0, last_sec = -1;
    double last_price = 0, last_mid = 0, sum2 = 0;
    int64_t nret = 0;
    for (;;) {
        size_t len = volt_synth_next(&s, buf, 2048, &ns);
        if (first < 0)
            first = ns;
        if (ns - first >= span)
            break;
        memset(buf + len, 0, 64);
        cr_assert_eq(volt_parse_message(p, buf, len, 0, ticks, &res), VOLT_REJ_NONE, "%.*s",
                     (int)len, buf);
        const volt_tick_t *t = &ticks[0];
        unchanged += n > 0 && t->price == last_price;
        last_price = t->price;
        const int64_t sec = ns / 1000000000LL;
        const double mid = 0.5 * (t->best_bid + t->best_ask);
        if (last_sec >= 0 && sec == last_sec + 1) {
            const double r = log(mid / last_mid);
            sum2 += r * r;
            nret++;
        }
        if (sec != last_sec) {
            last_sec = sec;
        }
        last_mid = mid;
        n++;
    }
    const double rate = (double)n / (double)(hours * 3600);
    const double sigma = sqrt(sum2 / (double)nret);
    const double share = (double)unchanged / (double)n;
    cr_expect(rate > 0.7 * VOLT_SYNTH_RATE_PER_S && rate < 1.6 * VOLT_SYNTH_RATE_PER_S, "rate %.2f/s", rate);
    cr_expect(sigma > 0.6 * VOLT_SYNTH_SIGMA_1S && sigma < 2.0 * VOLT_SYNTH_SIGMA_1S, "sigma %.3g", sigma);
    cr_expect(fabs(share - VOLT_SYNTH_P_UNCHANGED) < 0.08, "unchanged share %.2f", share);
    volt_parser_free(p);
}

/* --trades: after every ticker, a market_trades message at the same time with the match behind
 * it; the ticker stream itself is the one the same seed gives without trades. */
Test(synth, trades_follow_every_ticker_and_leave_the_tickers_alone)
{
    static volt_synth_t plain, with;
    volt_synth_cfg_t c;
    volt_synth_cfg_default(&c);
    c.seed = 21;
    volt_synth_init(&plain, &c);
    c.trades = 1;
    volt_synth_init(&with, &c);
    static volt_products_t prods;
    volt_products_init(&prods);
    volt_parser_t *p = volt_parser_new(1 << 16, &prods);
    static volt_tick_t tk[VOLT_JSON_MAX_ITEMS], tr[VOLT_JSON_MAX_ITEMS], pl[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
    char a[2048 + 64], b[2048 + 64];
    int buys = 0, sells = 0;
    for (int i = 0; i < 3000; i++) {
        int64_t t_plain, t_tick, t_trade;
        size_t n = volt_synth_next(&plain, a, 2048, &t_plain);
        memset(a + n, 0, 64);
        cr_assert_eq(volt_parse_message(p, a, n, 0, pl, &res), VOLT_REJ_NONE);
        n = volt_synth_next(&with, b, 2048, &t_tick);
        memset(b + n, 0, 64);
        cr_assert_eq(volt_parse_message(p, b, n, 0, tk, &res), VOLT_REJ_NONE);
        cr_assert_eq(res.kind, VOLT_MSG_TICKER);
        cr_assert_eq(t_tick, t_plain);
        cr_assert_eq(tk[0].price, pl[0].price, "message %d: the ticker stream changed", i);
        cr_assert_eq(tk[0].best_bid, pl[0].best_bid);
        n = volt_synth_next(&with, b, 2048, &t_trade);
        memset(b + n, 0, 64);
        cr_assert_eq(volt_parse_message(p, b, n, 0, tr, &res), VOLT_REJ_NONE, "%.*s", (int)n, b);
        cr_assert_eq(res.kind, VOLT_MSG_TRADES);
        cr_assert_eq(res.n_ticks, 1);
        cr_assert_eq(tr[0].kind, VOLT_TICK_TRADE);
        cr_assert_eq(t_trade, t_tick);
        cr_assert_eq(tr[0].price, tk[0].price);
        cr_assert(tr[0].size > 0);
        /* the taker bought when the ticker's ask is the trade price (the synthetic book) */
        const int taker_buy = tk[0].best_ask == tk[0].price;
        cr_assert_eq(tr[0].side, taker_buy ? VOLT_SIDE_BUY : VOLT_SIDE_SELL, "message %d", i);
        buys += taker_buy;
        sells += !taker_buy;
    }
    cr_expect(buys > 1000 && sells > 1000, "buys %d sells %d", buys, sells);
    volt_parser_free(p);
}

/* --level2: the ticker stream is the one the same seed gives without it; every product's first
 * level-2 message is a snapshot; the books rebuilt from the messages never cross and keep the last
 * ticker's quote inside them; the rates and shapes are the calibrated ones (docs/synthetic.md). */
Test(synth, level2_is_calibrated_never_crosses_and_leaves_the_tickers_alone)
{
    static volt_synth_t plain, with;
    volt_synth_cfg_t c;
    volt_synth_cfg_default(&c);
    c.seed = 5;
    c.n_products = 2;
    c.products[1] = "ETH-USD";
    volt_synth_init(&plain, &c);
    c.level2 = 1;
    cr_assert_eq(volt_synth_init(&with, &c), 0);
    static volt_products_t prods;
    volt_products_init(&prods);
    volt_parser_t *p = volt_parser_new(1 << 20, &prods);
    static volt_books_t bs;
    cr_assert_eq(volt_books_init(&bs, 4096), 0);
    static volt_tick_t tk[VOLT_JSON_MAX_ITEMS], pl[VOLT_JSON_MAX_ITEMS];
    static char a[2048 + 64], b[(512 << 10) + 64];
    volt_parse_result_t res;
    uint64_t updates = 0, changes = 0, removals = 0, snapshots = 0;
    int64_t t0 = 0, t_last = 0;
    double bid[2] = {NAN, NAN}, ask[2] = {NAN, NAN};
    for (int i = 0; i < 4000; i++) { /* 4000 tickers: about 10 minutes of two products */
        int64_t t_plain, t;
        size_t n = volt_synth_next(&plain, a, 2048, &t_plain);
        memset(a + n, 0, 64);
        cr_assert_eq(volt_parse_message(p, a, n, 0, pl, &res), VOLT_REJ_NONE);
        for (;;) {
            n = volt_synth_next(&with, b, 512 << 10, &t);
            memset(b + n, 0, 64);
            cr_assert_eq(volt_parse_message(p, b, n, 0, tk, &res), VOLT_REJ_NONE, "%.200s", b);
            if (!t0)
                t0 = t;
            t_last = t;
            if (res.kind != VOLT_MSG_BOOK)
                break;
            const volt_book_msg_t *m = volt_parser_book(p);
            cr_assert_eq(m->n_events, 1);
            const uint16_t pi = m->ev[0].product;
            cr_assert(m->ev[0].snapshot || bs.syncs[pi], "a product's first level-2 message is a snapshot");
            snapshots += m->ev[0].snapshot;
            updates += !m->ev[0].snapshot;
            if (!m->ev[0].snapshot) {
                changes += m->n_changes;
                for (uint32_t k = 0; k < m->n_changes; k++)
                    removals += m->changes[k].qty == 0.0;
            }
            volt_books_apply(&bs, m);
            cr_assert(bs.book[pi].valid, "message %d: the book crossed", i);
            if (!isnan(bid[pi]) && !m->ev[0].snapshot) { /* the quote is the book's best */
                cr_assert_eq(volt_book_level(&bs.book[pi], VOLT_BID, 0)->px, llround(bid[pi] * 1e8));
                cr_assert_eq(volt_book_level(&bs.book[pi], VOLT_ASK, 0)->px, llround(ask[pi] * 1e8));
            }
        }
        cr_assert_eq(tk[0].price, pl[0].price, "ticker %d: the ticker stream changed", i);
        cr_assert_eq(t, t_plain);
        bid[tk[0].product] = tk[0].best_bid;
        ask[tk[0].product] = tk[0].best_ask;
    }
    const double secs = (double)(t_last - t0) / 1e9;
    const double per_s = (double)updates / secs / 2.0, per_update = (double)changes / (double)updates;
    cr_assert_eq(snapshots, 2);
    cr_expect(per_s > 14.0 && per_s < 18.0, "level-2 updates per second and product: %.2f", per_s);
    /* the quote's own levels add to the geometric mean of 6 random ones */
    cr_expect(per_update > 6.0 && per_update < 10.0, "changes per update: %.2f", per_update);
    cr_expect((double)removals / (double)changes > 0.1, "removals: %llu of %llu",
              (unsigned long long)removals, (unsigned long long)changes);
    volt_books_free(&bs);
    volt_parser_free(p);
    volt_synth_free(&with);
}

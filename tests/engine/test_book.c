/* engine/book and the level-2 parse: a book against a brute-force model under random updates, the
 * depth bound, crossing, gaps and snapshots; l2_data messages and recorder lines through the
 * parser; fixed-point prices. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/book/books.h"
#include "engine/feed/parse.h"
#include "helpers.h"

/* The model: a plain array of every level, best found by a scan. */
typedef struct {
    int64_t px[4096];
    double qty[4096];
    int n;
} model_side_t;

static void model_set(model_side_t *m, int64_t px, double qty)
{
    for (int i = 0; i < m->n; i++)
        if (m->px[i] == px) {
            if (qty > 0) {
                m->qty[i] = qty;
            } else {
                m->px[i] = m->px[m->n - 1];
                m->qty[i] = m->qty[m->n - 1];
                m->n--;
            }
            return;
        }
    if (qty > 0) {
        m->px[m->n] = px;
        m->qty[m->n++] = qty;
    }
}

/* The k-th best of the model (bids: highest first). */
static int model_kth(const model_side_t *m, int bid, int k, int64_t *px, double *qty)
{
    int64_t last = bid ? INT64_MAX : INT64_MIN;
    for (int r = 0; r <= k; r++) {
        int best = -1;
        for (int i = 0; i < m->n; i++) {
            const int better = best < 0 || (bid ? m->px[i] > m->px[best] : m->px[i] < m->px[best]);
            const int after = bid ? m->px[i] < last : m->px[i] > last;
            if (after && better)
                best = i;
        }
        if (best < 0)
            return 0;
        last = m->px[best];
        *px = m->px[best];
        *qty = m->qty[best];
    }
    return 1;
}

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

Test(book, matches_a_brute_force_model_under_random_updates)
{
    volt_book_t b;
    cr_assert_eq(volt_book_init(&b, 4096), 0);
    static model_side_t m[2];
    memset(m, 0, sizeof m);
    unsigned seed = 3;
    for (int step = 0; step < 20000; step++) {
        const int side = (int)(rnd(&seed) & 1);
        /* prices around a mid, most near the top, some deep; a third of the changes remove */
        const int64_t off = (int64_t)(rnd(&seed) % ((rnd(&seed) & 7) ? 20 : 300));
        const int64_t px = side == VOLT_BID ? 100000 - off : 100001 + off;
        const double qty = rnd(&seed) % 3 == 0 ? 0.0 : (double)(1 + rnd(&seed) % 1000) / 100.0;
        volt_book_set(&b, side, px, qty);
        model_set(&m[side], px, qty);
        if (step % 97 == 0)
            for (int s = 0; s < 2; s++) {
                cr_assert_eq(volt_book_levels(&b, s), (uint32_t)m[s].n, "step %d side %d", step, s);
                for (int k = 0; k < 12; k++) {
                    int64_t mpx;
                    double mq;
                    const int has = model_kth(&m[s], s == VOLT_BID, k, &mpx, &mq);
                    const volt_level_t *l = volt_book_level(&b, s, (uint32_t)k);
                    cr_assert_eq(has, l != NULL, "step %d side %d level %d", step, s, k);
                    if (has)
                        cr_assert(l->px == mpx && l->qty == mq, "step %d side %d level %d: %lld %g vs %lld %g",
                                  step, s, k, (long long)l->px, l->qty, (long long)mpx, mq);
                }
            }
    }
    cr_assert_not(volt_book_crossed(&b));
    volt_book_free(&b);
}

Test(book, a_full_side_keeps_the_best_levels_and_counts_the_rest)
{
    volt_book_t b;
    cr_assert_eq(volt_book_init(&b, 3), 0);
    for (int64_t px = 10; px <= 14; px++) /* 5 bids into a depth of 3 */
        volt_book_set(&b, VOLT_BID, px, 1.0);
    cr_assert_eq(volt_book_levels(&b, VOLT_BID), 3);
    cr_assert_eq(volt_book_level(&b, VOLT_BID, 0)->px, 14);
    cr_assert_eq(volt_book_level(&b, VOLT_BID, 2)->px, 12);
    cr_assert_eq(b.beyond, 2);
    volt_book_set(&b, VOLT_BID, 5, 1.0); /* worse than every kept one: not kept */
    cr_assert_eq(volt_book_level(&b, VOLT_BID, 2)->px, 12);
    cr_assert_eq(b.beyond, 3);
    volt_book_set(&b, VOLT_BID, 99, 0.0); /* removing an unknown level: nothing */
    cr_assert_eq(volt_book_levels(&b, VOLT_BID), 3);
    volt_book_free(&b);
}

Test(book, snapshots_validate_gaps_and_crossing_invalidate)
{
    static volt_books_t bs;
    cr_assert_eq(volt_books_init(&bs, 16), 0);
    volt_level_change_t ch[3] = {{100, 1.0, VOLT_BOOK_SIDE_BID}, {101, 2.0, VOLT_BOOK_SIDE_ASK},
                                 {102, 1.0, VOLT_BOOK_SIDE_BID}};
    volt_book_msg_t m = {.n_events = 1, .changes = ch, .n_changes = 2};
    m.ev[0] = (volt_book_event_t){.product = 3, .snapshot = 0, .first = 0, .n = 2};
    volt_books_apply(&bs, &m);
    cr_assert_eq(bs.book[3].valid, 0, "an update before any snapshot leaves the book invalid");
    cr_assert_eq(bs.stats.unsynced, 1);
    m.ev[0].snapshot = 1;
    volt_books_apply(&bs, &m);
    cr_assert_eq(bs.book[3].valid, 1);
    volt_books_gap(&bs);
    cr_assert_eq(bs.book[3].valid, 0, "a gap invalidates every book");
    volt_books_apply(&bs, &m);
    cr_assert_eq(bs.book[3].valid, 1);
    m.ev[0] = (volt_book_event_t){.product = 3, .snapshot = 0, .first = 2, .n = 1}; /* bid 102 > ask 101 */
    volt_books_apply(&bs, &m);
    cr_assert_eq(bs.book[3].valid, 0, "a crossed book is invalid");
    cr_assert_eq(bs.stats.crossed, 1);
    volt_books_free(&bs);
}

Test(book, fixed_point_prices)
{
    int64_t v;
    cr_assert_eq(volt_parse_px("65083.66", 8, &v), 0);
    cr_assert_eq(v, INT64_C(6508366000000));
    cr_assert_eq(volt_parse_px("0.00000001", 10, &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(volt_parse_px("7", 1, &v), 0);
    cr_assert_eq(v, 700000000);
    cr_assert_eq(volt_parse_px("1.123456789", 11, &v), -1, "nine fraction digits");
    cr_assert_eq(volt_parse_px("-1", 2, &v), -1);
    cr_assert_eq(volt_parse_px("1.2.3", 5, &v), -1);
    cr_assert_eq(volt_parse_px("", 0, &v), -1);
    cr_assert_eq(volt_parse_px("99999999999", 11, &v), -1, "too large for the fixed point");
}

static volt_products_t products;
static volt_parser_t *parser;
static volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
static volt_parse_result_t res;

static volt_reject_t parse(const char *msg)
{
    static char buf[4096];
    const size_t n = strlen(msg);
    memset(buf, 0, sizeof buf);
    memcpy(buf, msg, n);
    return volt_parse_message(parser, buf, n, 0, ticks, &res);
}

static void setup(void)
{
    volt_products_init(&products);
    parser = volt_parser_new(1u << 20, &products);
    cr_assert_not_null(parser);
}
static void teardown(void) { volt_parser_free(parser); }

Test(book_parse, an_l2_update_becomes_level_changes, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse("{\"channel\":\"l2_data\",\"timestamp\":\"2026-08-09T21:05:48.5Z\","
                       "\"sequence_num\":14,\"events\":[{\"type\":\"update\",\"product_id\":"
                       "\"BTC-USD\",\"updates\":[{\"side\":\"bid\",\"event_time\":\"x\","
                       "\"price_level\":\"65062.5\",\"new_quantity\":\"0.00583\"},{\"side\":"
                       "\"offer\",\"price_level\":\"65100\",\"new_quantity\":\"0\"},{\"side\":"
                       "\"up\",\"price_level\":\"1\",\"new_quantity\":\"1\"},{\"side\":\"bid\","
                       "\"price_level\":\"-3\",\"new_quantity\":\"1\"}]}]}"),
                 VOLT_REJ_NONE);
    cr_assert_eq(res.kind, VOLT_MSG_BOOK);
    cr_assert_eq(res.seq, 14);
    const volt_book_msg_t *m = volt_parser_book(parser);
    cr_assert_eq(m->n_events, 1);
    cr_assert_eq(m->ev[0].snapshot, 0);
    cr_assert_str_eq(volt_products_name(&products, m->ev[0].product), "BTC-USD");
    cr_assert_eq(m->n_changes, 2, "two good levels, two dropped");
    cr_assert_eq(m->n_bad, 2);
    cr_assert_eq(m->changes[0].side, VOLT_BOOK_SIDE_BID);
    cr_assert_eq(m->changes[0].px, INT64_C(6506250000000));
    cr_assert_eq(m->changes[0].qty, 0.00583);
    cr_assert_eq(m->changes[1].side, VOLT_BOOK_SIDE_ASK);
    cr_assert_eq(m->changes[1].qty, 0.0);
    cr_assert_eq(res.n_items_rejected, 2);
}

Test(book_parse, a_snapshot_without_a_product_is_rejected, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse("{\"channel\":\"l2_data\",\"events\":[{\"type\":\"snapshot\",\"updates\":[]}]}"),
                 VOLT_REJ_MISSING_FIELD);
    cr_assert_eq(volt_parser_book(parser)->n_events, 0);
}

Test(book_parse, recorder_lines, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse("{\"t\":\"header\",\"format\":2}"), VOLT_REJ_NONE);
    cr_assert_eq(res.kind, VOLT_MSG_RECORDER);
    cr_assert_eq(parse("{\"t\":\"send\",\"conn\":\"C.ws.2\",\"ts\":1.5,\"data\":\"{\\\"type\\\":"
                       "\\\"subscribe\\\"}\"}"),
                 VOLT_REJ_NONE);
    cr_assert_eq(res.kind, VOLT_MSG_RECORDER);
    cr_assert_eq(parse("{\"t\":\"recv\",\"conn\":\"C.ws.2\",\"ts\":1786309548.5,\"data\":\"{\\\"channel"
                       "\\\":\\\"heartbeats\\\",\\\"sequence_num\\\":3,\\\"events\\\":[]}\"}"),
                 VOLT_REJ_NONE);
    cr_assert_eq(res.kind, VOLT_MSG_HEARTBEAT);
    cr_assert(res.has_conn, "a recorder's connection name is a connection");
    const uint32_t c = res.conn;
    parse("{\"t\":\"recv\",\"conn\":\"C.ws.3\",\"ts\":1786309549,\"data\":\"{\\\"channel\\\":"
          "\\\"heartbeats\\\",\\\"sequence_num\\\":0,\\\"events\\\":[]}\"}");
    cr_assert_neq(res.conn, c, "another name, another connection");
}

Test(book_parse, the_real_l2_sample_parses_whole, .timeout = 60)
{
    const char *why;
    const char *dir = th_data_dir(&why);
    if (!dir)
        cr_skip_test("%s", why);
    char path[1024], cmd[2048];
    snprintf(path, sizeof path, "%s/coinbase-advanced-l2-sample-2026-08/COINBASE.jsonl.zst", dir);
    snprintf(cmd, sizeof cmd, "%s/engine/volt book --out /dev/null %s 2>&1", VOLT_BIN_DIR, path);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char out[4096] = "";
    const size_t got = fread(out, 1, sizeof out - 1, f);
    out[got] = '\0';
    cr_assert_eq(pclose(f), 0, "%s", out);
    cr_assert(strstr(out, "1038 lines, 0 rejected"), "%s", out);
    cr_assert(strstr(out, "775 level-2 messages, 775 events (2 snapshots), 74193 level changes, 0 bad"),
              "%s", out);
    cr_assert(strstr(out, "0 sequence gaps, 0 crossed"), "%s", out);
    /* the hot agent keeps the same books in a replay */
    snprintf(cmd, sizeof cmd, "%s/engine/volt replay --quiet --max-frame 8388608 %s 2>&1", VOLT_BIN_DIR,
             path);
    f = popen(cmd, "r");
    cr_assert_not_null(f);
    const size_t got2 = fread(out, 1, sizeof out - 1, f);
    out[got2] = '\0';
    cr_assert_eq(pclose(f), 0, "%s", out);
    cr_assert(strstr(out, "level 2                775 messages, 74193 level changes, 2 snapshots; 2 of "
                          "2 books valid; 0 sequence gaps, 0 crossed"),
              "%s", out);
}

Test(book_parse, an_events_trades_newest_first_come_out_in_time_order, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse("{\"channel\":\"market_trades\",\"timestamp\":\"2026-08-09T21:05:51.5Z\","
                       "\"sequence_num\":40,\"events\":[{\"type\":\"update\",\"trades\":["
                       "{\"trade_id\":\"3\",\"product_id\":\"BTC-USD\",\"price\":\"65000.3\",\"size\":"
                       "\"0.1\",\"side\":\"BUY\",\"time\":\"2026-08-09T21:05:51.426Z\"},"
                       "{\"trade_id\":\"2\",\"product_id\":\"BTC-USD\",\"price\":\"65000.2\",\"size\":"
                       "\"0.1\",\"side\":\"BUY\",\"time\":\"2026-08-09T21:05:51.400Z\"},"
                       "{\"trade_id\":\"1\",\"product_id\":\"BTC-USD\",\"price\":\"65000.1\",\"size\":"
                       "\"0.1\",\"side\":\"SELL\",\"time\":\"2026-08-09T21:05:51.376Z\"}]}]}"),
                 VOLT_REJ_NONE);
    cr_assert_eq(res.n_ticks, 3);
    cr_assert_eq(ticks[0].price, 65000.1, "the oldest trade first");
    cr_assert_eq(ticks[1].price, 65000.2);
    cr_assert_eq(ticks[2].price, 65000.3);
    cr_assert(volt_tick_time_ns(&ticks[0]) < volt_tick_time_ns(&ticks[2]));
}

Test(book_parse, the_exchange_feeds_level2_snapshot_and_l2update, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse("{\"type\":\"snapshot\",\"product_id\":\"ETH-USD\",\"bids\":[[\"1900.1\",\"2\"],"
                       "[\"1900\",\"1.5\"]],\"asks\":[[\"1900.2\",\"3\"],[\"x\",\"1\"]]}"),
                 VOLT_REJ_NONE);
    cr_assert_eq(res.kind, VOLT_MSG_BOOK);
    cr_assert_eq(res.proto, VOLT_PROTO_EXCHANGE);
    const volt_book_msg_t *m = volt_parser_book(parser);
    cr_assert_eq(m->n_events, 1);
    cr_assert_eq(m->ev[0].snapshot, 1);
    cr_assert_str_eq(volt_products_name(&products, m->ev[0].product), "ETH-USD");
    cr_assert_eq(m->n_changes, 3);
    cr_assert_eq(m->n_bad, 1, "the unparsable price");
    cr_assert_eq(m->changes[0].side, VOLT_BOOK_SIDE_BID);
    cr_assert_eq(m->changes[0].px, INT64_C(190010000000));
    cr_assert_eq(m->changes[2].side, VOLT_BOOK_SIDE_ASK);
    cr_assert_eq(m->changes[2].qty, 3.0);
    cr_assert_eq(parse("{\"type\":\"l2update\",\"product_id\":\"ETH-USD\",\"changes\":[[\"buy\","
                       "\"1900.1\",\"0\"],[\"sell\",\"1900.3\",\"0.25\"]],\"time\":"
                       "\"2026-01-01T00:00:00.1Z\"}"),
                 VOLT_REJ_NONE);
    m = volt_parser_book(parser);
    cr_assert_eq(m->n_events, 1);
    cr_assert_eq(m->ev[0].snapshot, 0);
    cr_assert_eq(m->n_changes, 2);
    cr_assert_eq(m->changes[0].side, VOLT_BOOK_SIDE_BID);
    cr_assert_eq(m->changes[0].qty, 0.0);
    cr_assert_eq(m->changes[1].side, VOLT_BOOK_SIDE_ASK);
    cr_assert_eq(m->changes[1].px, INT64_C(190030000000));
}

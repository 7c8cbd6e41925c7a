/* engine/parse: every fixture gets its expected outcome; values land in the right fields; no input,
 * however broken, crashes (the random-mutation test runs under ASan/UBSan in the sanitizer build). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/parse.h"
#include "engine/feed/swar.h"

#include <stdatomic.h>
#include "helpers.h"

static volt_products_t products;
static volt_parser_t *parser;
static volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
static volt_parse_result_t res;

static void setup(void)
{
    volt_products_init(&products);
    parser = volt_parser_new(1u << 20, &products);
    cr_assert_not_null(parser);
}
static void teardown(void) { volt_parser_free(parser); }

static volt_reject_t parse_fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "parse/%s", name);
    size_t len;
    char *buf = th_read_file(th_fixture(rel), &len);
    cr_assert_not_null(buf, "fixture %s", name);
    volt_reject_t r = volt_parse_message(parser, buf, len, 0, ticks, &res);
    free(buf);
    return r;
}

static volt_reject_t parse_str(const char *s, int64_t recv_ns)
{
    const size_t n = strlen(s);
    char *buf = calloc(n + 65, 1);
    memcpy(buf, s, n);
    volt_reject_t r = volt_parse_message(parser, buf, n, recv_ns, ticks, &res);
    free(buf);
    return r;
}

typedef struct {
    const char *file;
    volt_reject_t want;
    volt_msg_kind_t kind;
    uint32_t n_ticks;
} fixture_case_t;

static const fixture_case_t k_cases[] = {
    {"y_advanced_ticker.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 1},
    {"y_advanced_ticker_multi.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 3},
    {"y_advanced_market_trades.json", VOLT_REJ_NONE, VOLT_MSG_TRADES, 2},
    {"y_advanced_heartbeats.json", VOLT_REJ_NONE, VOLT_MSG_HEARTBEAT, 0},
    {"y_advanced_subscriptions.json", VOLT_REJ_NONE, VOLT_MSG_SUBSCRIPTIONS, 0},
    {"y_exchange_ticker.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 1},
    {"y_exchange_match.json", VOLT_REJ_NONE, VOLT_MSG_TRADES, 1},
    {"y_exchange_heartbeat.json", VOLT_REJ_NONE, VOLT_MSG_HEARTBEAT, 0},
    {"y_exchange_subscriptions.json", VOLT_REJ_NONE, VOLT_MSG_SUBSCRIPTIONS, 0},
    {"y_exchange_error.json", VOLT_REJ_NONE, VOLT_MSG_ERROR, 0},
    {"y_envelope_seed_journal.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 1},
    {"y_envelope_raw_string.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 1},
    {"y_envelope_payload.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 1},
    {"y_envelope_volt_journal.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 1},
    {"n_malformed_truncated.json", VOLT_REJ_MALFORMED, 0, 0},
    {"n_malformed_trailing_comma.json", VOLT_REJ_MALFORMED, 0, 0},
    {"n_malformed_trailing_content.json", VOLT_REJ_MALFORMED, 0, 0},
    {"n_malformed_inner_string.json", VOLT_REJ_MALFORMED, 0, 0},
    {"n_bad_product_escape.json", VOLT_REJ_BAD_PRODUCT, 0, 0},
    {"y_bad_escape_in_unread_field.json", VOLT_REJ_NONE, VOLT_MSG_TICKER, 1},
    {"n_malformed_bad_utf8.json", VOLT_REJ_MALFORMED, 0, 0},
    {"n_not_object_array.json", VOLT_REJ_NOT_OBJECT, 0, 0},
    {"n_not_object_string.json", VOLT_REJ_NOT_OBJECT, 0, 0},
    {"n_not_object_binary.json", VOLT_REJ_NOT_OBJECT, 0, 0},
    {"n_missing_price.json", VOLT_REJ_MISSING_FIELD, 0, 0},
    {"n_missing_product.json", VOLT_REJ_MISSING_FIELD, 0, 0},
    {"n_wrong_type_price_object.json", VOLT_REJ_WRONG_TYPE, 0, 0},
    {"n_wrong_type_price_number.json", VOLT_REJ_WRONG_TYPE, 0, 0},
    {"n_wrong_type_product.json", VOLT_REJ_WRONG_TYPE, 0, 0},
    {"n_wrong_type_events.json", VOLT_REJ_WRONG_TYPE, 0, 0},
    {"n_bad_number_nan.json", VOLT_REJ_BAD_NUMBER, 0, 0},
    {"n_bad_number_overflow.json", VOLT_REJ_BAD_NUMBER, 0, 0},
    {"n_bad_number_syntax.json", VOLT_REJ_BAD_NUMBER, 0, 0},
    {"n_bad_value_negative_price.json", VOLT_REJ_BAD_VALUE, 0, 0},
    {"n_bad_value_zero_price.json", VOLT_REJ_BAD_VALUE, 0, 0},
    {"n_bad_value_negative_size.json", VOLT_REJ_BAD_VALUE, 0, 0},
    {"n_bad_time_month.json", VOLT_REJ_BAD_TIME, 0, 0},
    {"n_bad_time_none.json", VOLT_REJ_BAD_TIME, 0, 0},
    {"n_bad_time_envelope.json", VOLT_REJ_BAD_TIME, 0, 0},
    {"n_bad_product.json", VOLT_REJ_BAD_PRODUCT, 0, 0},
    {"n_unknown_type.json", VOLT_REJ_UNKNOWN_MESSAGE, 0, 0},
    {"n_unknown_channel.json", VOLT_REJ_UNKNOWN_MESSAGE, 0, 0},
    {"n_unknown_message.json", VOLT_REJ_UNKNOWN_MESSAGE, 0, 0},
    {"n_no_items.json", VOLT_REJ_NO_ITEMS, 0, 0},
};

Test(parse, every_fixture_gets_its_expected_outcome, .init = setup, .fini = teardown)
{
    for (size_t i = 0; i < sizeof k_cases / sizeof *k_cases; i++) {
        const fixture_case_t *c = &k_cases[i];
        const volt_reject_t r = parse_fixture(c->file);
        cr_expect_eq(r, c->want, "%s: got %s, want %s", c->file, volt_reject_name(r),
                     volt_reject_name(c->want));
        if (c->want == VOLT_REJ_NONE) {
            cr_expect_eq(res.kind, c->kind, "%s: kind %s", c->file,
                         volt_msg_kind_name((volt_msg_kind_t)res.kind));
            cr_expect_eq(res.n_ticks, c->n_ticks, "%s: %u ticks", c->file, res.n_ticks);
        } else {
            cr_expect_eq(res.n_ticks, 0, "%s: a rejected message yields no tick", c->file);
        }
    }
}

Test(parse, advanced_ticker_fills_every_field, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse_fixture("y_advanced_ticker.json"), VOLT_REJ_NONE);
    const volt_tick_t *t = &ticks[0];
    cr_expect_eq(t->kind, VOLT_TICK_TICKER);
    cr_expect_eq(t->proto, VOLT_PROTO_ADVANCED);
    cr_expect_str_eq(volt_products_name(&products, t->product), "BTC-USD");
    cr_expect_eq(t->price, 67468.26);
    cr_expect_eq(t->best_bid, 67469.15);
    cr_expect_eq(t->best_ask, 67469.62);
    cr_expect_eq(t->bid_qty, 0.00379643);
    cr_expect_eq(t->ask_qty, 0.16458201);
    cr_expect_eq(t->volume_24h, 3057.53218222);
    cr_expect_eq(t->low_24h, 66600.0);
    cr_expect_eq(t->high_24h, 67812.0);
    cr_expect(isnan(t->size), "the ticker channel carries no trade size: NaN, not 0");
    cr_expect_eq(t->exch_ns, INT64_C(1775428514009945409));
    cr_expect(t->flags & VOLT_TICK_EXCH_TIME);
    cr_expect(t->flags & VOLT_TICK_HAS_SEQ);
    cr_expect_eq(t->seq, 2);
}

Test(parse, several_tickers_in_one_message_become_several_ticks, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse_fixture("y_advanced_ticker_multi.json"), VOLT_REJ_NONE);
    cr_assert_eq(res.n_ticks, 3);
    cr_expect_str_eq(volt_products_name(&products, ticks[1].product), "ETH-USD");
    cr_expect_str_eq(volt_products_name(&products, ticks[2].product), "SOL-USD");
    cr_expect(ticks[0].flags & VOLT_TICK_SNAPSHOT);
    cr_expect_not(ticks[2].flags & VOLT_TICK_SNAPSHOT);
    cr_expect(isnan(ticks[2].best_bid));
}

Test(parse, trades_carry_size_and_the_takers_side, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse_fixture("y_advanced_market_trades.json"), VOLT_REJ_NONE);
    cr_expect_eq(ticks[0].kind, VOLT_TICK_TRADE);
    cr_expect_eq(ticks[0].size, 0.0125);
    cr_expect_eq(ticks[0].side, VOLT_SIDE_SELL, "Coinbase reports the maker side: BUY maker = taker sold");
    cr_expect_eq(ticks[1].side, VOLT_SIDE_BUY);
    cr_expect_eq(ticks[0].exch_ns, INT64_C(1775428515000001000), "trade time, not message time");
    cr_assert_eq(parse_fixture("y_exchange_match.json"), VOLT_REJ_NONE);
    cr_expect_eq(ticks[0].side, VOLT_SIDE_BUY);
    cr_expect_eq(ticks[0].seq, 50);
}

Test(parse, exchange_ticker_uses_its_own_spelling, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse_fixture("y_exchange_ticker.json"), VOLT_REJ_NONE);
    const volt_tick_t *t = &ticks[0];
    cr_expect_eq(t->proto, VOLT_PROTO_EXCHANGE);
    cr_expect_eq(t->size, 0.00095678);
    cr_expect_eq(t->bid_qty, 0.04145138);
    cr_expect_eq(t->volume_24h, 5461.74223395);
    cr_expect_eq(t->side, VOLT_SIDE_BUY);
    cr_expect_eq(t->seq, UINT64_C(115498669849));
}

Test(parse, envelopes_supply_the_receive_time, .init = setup, .fini = teardown)
{
    cr_assert_eq(parse_fixture("y_envelope_seed_journal.json"), VOLT_REJ_NONE);
    cr_expect_eq(ticks[0].recv_ns, INT64_C(1764607486329398000));
    cr_expect_not(ticks[0].flags & VOLT_TICK_EXCH_TIME, "the seed's raw ticker has no time");
    cr_expect_eq(volt_tick_time_ns(&ticks[0]), INT64_C(1764607486329398000));
    cr_expect_eq(ticks[0].bid_qty, 0.0047203);
    cr_assert_eq(parse_fixture("y_envelope_raw_string.json"), VOLT_REJ_NONE);
    cr_expect_eq(ticks[0].recv_ns, INT64_C(1762932013549349800));
    cr_expect_eq(ticks[0].price, 103472.28);
    cr_assert_eq(parse_fixture("y_envelope_payload.json"), VOLT_REJ_NONE);
    cr_expect_eq(ticks[0].recv_ns, INT64_C(1775428513952718000));
    cr_expect_eq(ticks[0].exch_ns, INT64_C(1775428514009945409));
    cr_assert_eq(parse_fixture("y_envelope_volt_journal.json"), VOLT_REJ_NONE);
    cr_expect_eq(ticks[0].recv_ns, INT64_C(1775428514052718000));
}

Test(parse, the_feeds_error_message_is_reported_with_its_text, .init = setup, .fini = teardown)
{
    size_t len;
    char *buf = th_read_file(th_fixture("parse/y_exchange_error.json"), &len);
    cr_assert_not_null(buf);
    cr_assert_eq(volt_parse_message(parser, buf, len, 0, ticks, &res), VOLT_REJ_NONE);
    cr_expect_eq(res.kind, VOLT_MSG_ERROR);
    cr_assert_not_null(res.text, "the text points into the input, which is still alive here");
    cr_expect_eq(res.text_len, 19);
    cr_expect_eq(strncmp(res.text, "Failed to subscribe", res.text_len), 0);
    free(buf);
}

Test(parse, one_bad_item_does_not_sink_its_neighbours, .init = setup, .fini = teardown)
{
    const char *m = "{\"channel\":\"ticker\",\"timestamp\":\"2026-04-05T22:35:14Z\",\"sequence_num\":2,"
                    "\"events\":[{\"type\":\"update\",\"tickers\":[{\"product_id\":\"BTC-USD\","
                    "\"price\":\"NaN\"},{\"product_id\":\"BTC-USD\",\"price\":\"5\"}]}]}";
    cr_assert_eq(parse_str(m, 0), VOLT_REJ_NONE);
    cr_expect_eq(res.n_ticks, 1);
    cr_expect_eq(res.n_items_rejected, 1);
    cr_expect_eq(res.item_reject[0], VOLT_REJ_BAD_NUMBER);
}

Test(parse, empty_and_blank_frames_are_rejected_as_empty, .init = setup, .fini = teardown)
{
    cr_expect_eq(parse_str("", 0), VOLT_REJ_EMPTY);
    cr_expect_eq(parse_str("  \t ", 0), VOLT_REJ_EMPTY);
}

Test(parse, a_ten_megabyte_frame_is_refused_as_too_large, .init = setup, .fini = teardown)
{
    const size_t n = 10u << 20;
    char *big = malloc(n + 64);
    memset(big, ' ', n + 64);
    memcpy(big, "{\"type\":\"ticker\",\"pad\":\"", 24);
    big[n - 2] = '"';
    big[n - 1] = '}';
    cr_expect_eq(volt_parse_message(parser, big, n, 0, ticks, &res), VOLT_REJ_TOO_LARGE);
    free(big);
    /* a parser sized for it parses it, and finds no product */
    volt_parser_t *wide = volt_parser_new(16u << 20, &products);
    big = malloc(n + 64);
    memset(big, 'x', n + 64);
    memcpy(big, "{\"type\":\"ticker\",\"pad\":\"", 24);
    big[n - 2] = '"';
    big[n - 1] = '}';
    cr_expect_eq(volt_parse_message(wide, big, n, 0, ticks, &res), VOLT_REJ_MISSING_FIELD);
    free(big);
    volt_parser_free(wide);
}

Test(parse, a_full_product_table_is_a_counted_rejection, .init = setup, .fini = teardown)
{
    char m[256];
    volt_reject_t r = VOLT_REJ_NONE;
    for (int i = 0; i <= VOLT_MAX_PRODUCTS; i++) {
        snprintf(m, sizeof m,
                 "{\"type\":\"ticker\",\"product_id\":\"P%d-USD\",\"price\":\"1\","
                 "\"time\":\"2025-11-12T07:20:13Z\"}",
                 i);
        r = parse_str(m, 0);
    }
    cr_expect_eq(r, VOLT_REJ_TOO_MANY_PRODUCTS);
}

/* White space between tokens (a pretty-printed message, CR LF line ends, tabs) changes nothing:
 * the same ticks, the snapshot flag included, as from the compact message. Values end at white
 * space here, not at their separator, which takes the shim's slower path for every field. */
Test(parse, white_space_between_tokens_gives_the_same_ticks, .init = setup, .fini = teardown)
{
    size_t len;
    char *compact = th_read_file(th_fixture("parse/y_advanced_ticker_multi.json"), &len);
    cr_assert_not_null(compact);
    cr_assert_eq(volt_parse_message(parser, compact, len, 0, ticks, &res), VOLT_REJ_NONE);
    static volt_tick_t want[VOLT_JSON_MAX_ITEMS];
    const uint32_t n = res.n_ticks;
    memcpy(want, ticks, sizeof want);
    cr_assert_eq(n, 3);

    char *spaced = calloc(len * 8 + 65, 1);
    size_t m = 0;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        const char c = compact[i];
        const int structural = !in_string && c != '\0' && strchr("{}[],:", c) != NULL;
        if (structural)
            m += (size_t)sprintf(spaced + m, " \t");
        spaced[m++] = c;
        if (structural)
            m += (size_t)sprintf(spaced + m, "\r\n  ");
        if (c == '"')
            in_string = !in_string;
    }
    cr_assert_eq(volt_parse_message(parser, spaced, m, 0, ticks, &res), VOLT_REJ_NONE);
    cr_assert_eq(res.n_ticks, n);
    cr_expect_eq(memcmp(ticks, want, n * sizeof ticks[0]), 0, "same ticks, field for field");
    cr_expect(ticks[0].flags & VOLT_TICK_SNAPSHOT);
    free(spaced);
    free(compact);
}

/* Random bytes and random mutations of valid messages: every call returns an outcome. */
Test(parse, survives_random_bytes_and_mutations, .init = setup, .fini = teardown)
{
    size_t len;
    char *seed = th_read_file(th_fixture("parse/y_advanced_ticker_multi.json"), &len);
    cr_assert_not_null(seed);
    char *buf = malloc(len + 64 + 1);
    unsigned x = 42;
    uint64_t outcomes[VOLT_REJ_COUNT] = {0};
    for (int i = 0; i < 20000; i++) {
        memcpy(buf, seed, len);
        memset(buf + len, 0, 64);
        size_t n = len;
        const int muts = 1 + i % 4;
        for (int k = 0; k < muts; k++) {
            x = x * 1103515245u + 12345u;
            const size_t at = (x >> 8) % n;
            switch ((x >> 4) % 4) {
            case 0: buf[at] = (char)(x >> 16); break;              /* flip a byte */
            case 1: n = at + 1; break;                             /* truncate */
            case 2: buf[at] = "{}[]\",:\\"[(x >> 20) % 8]; break;  /* structural junk */
            default: memset(buf + at, (int)(x >> 24), (n - at) / 2 + 1 > 8 ? 8 : 1); break;
            }
        }
        memset(buf + n, 0, 64);
        const volt_reject_t r = volt_parse_message(parser, buf, n, 0, ticks, &res);
        cr_assert_lt((unsigned)r, VOLT_REJ_COUNT);
        outcomes[r]++;
    }
    cr_expect_gt(outcomes[VOLT_REJ_MALFORMED], 0, "mutations must produce malformed inputs");
    free(buf);
    free(seed);
}

/* Lookup-only mode (the source's parse assist): a product not yet published defers the message;
 * once the interning parser has published it, the lookup-only parser gives the very same ticks. */
Test(parse, lookup_only_defers_unknown_products_and_then_agrees, .init = setup, .fini = teardown)
{
    volt_parser_t *ro = volt_parser_new(1u << 20, &products);
    cr_assert_not_null(ro);
    volt_parser_lookup_only(ro, 1);
    size_t len;
    char *buf = th_read_file(th_fixture("parse/y_advanced_ticker_multi.json"), &len);
    cr_assert_not_null(buf);
    static volt_tick_t ro_ticks[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t ro_res;
    volt_parse_message(ro, buf, len, 0, ro_ticks, &ro_res);
    cr_expect(volt_parser_deferred(ro), "no product is published yet");
    cr_expect_eq(products.n, 0, "a lookup-only parser never adds a product");
    cr_expect_eq(atomic_load(&products.published), 0);

    cr_assert_eq(volt_parse_message(parser, buf, len, 0, ticks, &res), VOLT_REJ_NONE);
    cr_expect_eq(atomic_load(&products.published), 3, "interning publishes each product");
    cr_assert_eq(volt_parse_message(ro, buf, len, 0, ro_ticks, &ro_res), VOLT_REJ_NONE);
    cr_expect_not(volt_parser_deferred(ro));
    cr_assert_eq(ro_res.n_ticks, res.n_ticks);
    cr_expect_eq(memcmp(ro_ticks, ticks, res.n_ticks * sizeof ticks[0]), 0,
                 "same ticks, product indices included");

    /* one known and one unknown product in a message: deferred as a whole */
    const char *two = "{\"channel\":\"ticker\",\"timestamp\":\"2026-04-05T22:35:15.1Z\","
                      "\"sequence_num\":1,\"events\":[{\"type\":\"update\",\"tickers\":["
                      "{\"product_id\":\"BTC-USD\",\"price\":\"1\"},"
                      "{\"product_id\":\"DOGE-USD\",\"price\":\"2\"}]}]}";
    char *b2 = calloc(strlen(two) + 65, 1);
    memcpy(b2, two, strlen(two));
    volt_parse_message(ro, b2, strlen(two), 0, ro_ticks, &ro_res);
    cr_expect(volt_parser_deferred(ro), "DOGE-USD is not published");
    cr_expect_eq(volt_products_find(&products, "DOGE-USD", 8), -1);
    /* and the flag is per message */
    volt_parse_message(ro, buf, len, 0, ro_ticks, &ro_res);
    cr_expect_not(volt_parser_deferred(ro));
    free(b2);
    free(buf);
    volt_parser_free(ro);
}

/* volt_eq_small (engine/feed/swar.h), behind the product lookup: for every length 0..32, equal
 * strings compare equal and a difference in any one byte is seen, from buffers of exactly that
 * length (the ASan build flags any read past them). */
Test(products, short_compare_sees_every_byte_and_reads_no_further)
{
    for (size_t n = 0; n <= 32; n++) {
        char *a = malloc(n ? n : 1), *b = malloc(n ? n : 1);
        cr_assert(a && b);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (char)('A' + (i * 7) % 26);
        cr_assert(volt_eq_small(a, b, n), "length %zu: equal strings differ", n);
        for (size_t i = 0; i < n; i++) {
            b[i] ^= 0x20;
            cr_assert(!volt_eq_small(a, b, n), "length %zu: byte %zu's difference missed", n, i);
            b[i] ^= 0x20;
        }
        free(a);
        free(b);
    }
}

/* Names differing only in their last or middle bytes stay distinct products. */
Test(products, names_alike_but_for_one_byte_are_distinct)
{
    static volt_products_t pr;
    volt_products_init(&pr);
    const char *names[] = {"BTC-USD",
                           "BTC-USDC",
                           "BTC-USDT",
                           "ETH-USD",
                           "ETH-USDC",
                           "A",
                           "AB",
                           "ABC",
                           "ABCD",
                           "0123456789ABCDEFGHIJ-XY",
                           "0123456789ABCDEFGHIJ-XZ",
                           "0123456789ABCDEFG-XY",
                           "0123456789ABCDEFH-XY"};
    const int n = (int)(sizeof names / sizeof names[0]);
    for (int i = 0; i < n; i++)
        cr_assert_eq(volt_products_intern(&pr, names[i], strlen(names[i])), i, "%s", names[i]);
    for (int i = n - 1; i >= 0; i--) {
        const size_t len = strlen(names[i]);
        cr_assert_eq(volt_products_intern(&pr, names[i], len), i, "%s again", names[i]);
        cr_assert_eq(volt_products_find(&pr, names[i], strlen(names[i])), i);
        cr_assert_eq(volt_products_find_published(&pr, names[i], strlen(names[i])), i);
    }
    cr_assert_eq(volt_products_find(&pr, "BTC-USE", 7), -1);
}

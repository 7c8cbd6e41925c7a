/* engine/agents/router.c: which hot agent gets each frame, with which note (frame.h), on one
 * thread: products shared by index, the connection's sequence checked once, GAP frames to the
 * agents a lost message concerns but did not reach. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agents/router.h"
#include "engine/feed/product.h"

#define RING (1u << 20)

static volt_products_t prods;
static volt_rb_t rings[2];
static volt_bell_t bells[2];
static void *mem[2];
static volt_router_t rt;
static volt_idle_t idle;

static void setup(void)
{
    volt_products_init(&prods);
    for (int k = 0; k < 2; k++) {
        mem[k] = aligned_alloc(64, RING);
        cr_assert_eq(volt_rb_init(&rings[k], mem[k], RING), 0);
        memset(&bells[k], 0, sizeof bells[k]);
    }
    volt_rb_t *r[2] = {&rings[0], &rings[1]};
    volt_bell_t *b[2] = {&bells[0], &bells[1]};
    volt_parser_t *p = volt_parser_new(1 << 16, &prods);
    cr_assert_not_null(p);
    cr_assert_eq(volt_router_init(&rt, 2, r, b, p, 1 << 16), 0);
    volt_idle_preset(&idle, "spin");
}

static void teardown(void)
{
    volt_router_free(&rt);
    free(mem[0]);
    free(mem[1]);
}

static void push(const char *msg)
{
    const volt_frame_hdr_t h = {.kind = VOLT_FRAME_DATA, .len = (uint32_t)strlen(msg), .epoch = 1};
    volt_router_push(&rt, &idle, &h, msg);
}

static void ticker(uint64_t seq, const char *product)
{
    char m[512];
    snprintf(m, sizeof m,
             "{\"channel\":\"ticker\",\"timestamp\":\"2025-12-01T00:00:00Z\",\"sequence_num\":%llu,"
             "\"events\":[{\"type\":\"update\",\"tickers\":[{\"type\":\"ticker\",\"product_id\":\"%s\","
             "\"price\":\"100.5\",\"best_bid\":\"100\",\"best_ask\":\"101\"}]}]}",
             (unsigned long long)seq, product);
    push(m);
}

/* The next frame agent k got: its kind and note (0, 0 when none). */
static void next(int k, uint32_t *kind, uint32_t *note)
{
    uint32_t len;
    const volt_frame_hdr_t *f = volt_rb_next(volt_rb_consumer(&rings[k]), &len);
    *kind = f ? f->kind : 0;
    *note = f ? f->note : 0;
    if (f)
        volt_rb_release(volt_rb_consumer(&rings[k]));
}

TestSuite(router, .init = setup, .fini = teardown);

Test(router, products_by_index_and_no_product_to_agent_0)
{
    uint32_t kind, note;
    ticker(1, "BTC-USD"); /* product 0: agent 0 */
    ticker(2, "ETH-USD"); /* product 1: agent 1 */
    ticker(3, "SOL-USD"); /* product 2: agent 0 */
    push("{\"channel\":\"heartbeats\",\"timestamp\":\"2025-12-01T00:00:01Z\",\"sequence_num\":4,"
         "\"events\":[{\"current_time\":\"x\",\"heartbeat_counter\":1}]}");
    push("{not json");
    cr_assert_eq(prods.n, 3, "the router interned every product");
    for (int i = 0; i < 4; i++) { /* BTC, SOL, the heartbeat, the bad line */
        next(0, &kind, &note);
        cr_assert_eq(kind, VOLT_FRAME_DATA, "frame %d", i);
        cr_assert_eq(note, VOLT_NOTE_ROUTED | VOLT_NOTE_PRIMARY, "frame %d", i);
    }
    next(0, &kind, &note);
    cr_assert_eq(kind, 0);
    next(1, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_DATA);
    cr_assert_eq(note, VOLT_NOTE_ROUTED | VOLT_NOTE_PRIMARY);
    next(1, &kind, &note);
    cr_assert_eq(kind, 0, "ETH-USD's agent got nothing else");
}

Test(router, the_connections_sequence_is_checked_once)
{
    uint32_t kind, note;
    ticker(5000, "BTC-USD");
    ticker(5001, "ETH-USD");
    next(0, &kind, &note);
    next(1, &kind, &note);
    ticker(5004, "BTC-USD"); /* 5002, 5003 lost: the owner is told, the other agent gets a GAP */
    next(0, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_DATA);
    cr_assert_eq(note, VOLT_NOTE_ROUTED | VOLT_NOTE_PRIMARY | VOLT_NOTE_SEQ_GAP);
    next(1, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_GAP);
    cr_assert_eq(note, VOLT_NOTE_ROUTED, "a GAP frame is no message: nobody counts it");
    ticker(5004, "ETH-USD"); /* seen already: a duplicate, to its owner only */
    next(1, &kind, &note);
    cr_assert_eq(note, VOLT_NOTE_ROUTED | VOLT_NOTE_PRIMARY | VOLT_NOTE_SEQ_DUP);
    next(0, &kind, &note);
    cr_assert_eq(kind, 0);
    ticker(2, "BTC-USD"); /* far back (over 1024): the counter restarted */
    next(0, &kind, &note);
    cr_assert(note & VOLT_NOTE_SEQ_RESTART);
    next(1, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_GAP);
    ticker(3, "ETH-USD");
    next(1, &kind, &note);
    cr_assert_eq(note, VOLT_NOTE_ROUTED | VOLT_NOTE_PRIMARY, "in sequence again");
}

Test(router, a_message_of_two_products_goes_to_both_and_is_counted_once)
{
    uint32_t kind, note;
    push("{\"channel\":\"l2_data\",\"timestamp\":\"2025-12-01T00:00:00Z\",\"sequence_num\":1,"
         "\"events\":[{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"updates\":[{\"side\":\"bid\","
         "\"price_level\":\"100\",\"new_quantity\":\"1\"}]},{\"type\":\"snapshot\",\"product_id\":"
         "\"ETH-USD\",\"updates\":[{\"side\":\"offer\",\"price_level\":\"10\",\"new_quantity\":\"2\"}]}]}");
    next(0, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_DATA);
    cr_assert_eq(note, VOLT_NOTE_ROUTED | VOLT_NOTE_PRIMARY);
    next(1, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_DATA);
    cr_assert_eq(note, VOLT_NOTE_ROUTED, "the second owner takes its events but does not count it");
}

Test(router, end_reaches_every_agent)
{
    uint32_t kind, note;
    volt_router_end(&rt);
    next(0, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_END);
    next(1, &kind, &note);
    cr_assert_eq(kind, VOLT_FRAME_END);
}

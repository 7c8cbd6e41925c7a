/* engine/agents/router.h — the source's router for several hot agents (--hot-threads N > 1).
 *
 * Products are shared out among the hot agents by index: product p belongs to agent p % N. Indices
 * are given in order of first appearance, so N agents take turns and 100 products split 50/50 over
 * two. The router runs on the source thread and is the product table's only interner: it parses
 * each message (its own parser), so every name a message carries is in the table before any hot
 * agent reads the frame (theirs are lookup-only). It then
 *   - checks the connection's sequence numbers (Advanced Trade: one counter for every channel, so
 *     no agent that sees only its products' messages could) and notes a gap, duplicate or restart
 *     in the frame header (frame.h, VOLT_NOTE_*);
 *   - hands the frame to each agent owning one of its products (the first of them counts it:
 *     VOLT_NOTE_PRIMARY), or to agent 0 when it names none (heartbeats, subscriptions, errors,
 *     rejects), and sends a GAP frame to the others when messages were lost;
 *   - with Kafka, hands the raw message to the Kafka agent, keyed by its first product (one hot
 *     agent of a whole stream does this itself).
 * The hot agents parse the message again (level-2 changes stay in the parser that read them); the
 * cost is one parse more per message, on the source's thread. */
#ifndef VOLT_ENGINE_AGENTS_ROUTER_H
#define VOLT_ENGINE_AGENTS_ROUTER_H

#include <stdint.h>

#include "engine/agents/frame.h"
#include "engine/base/idle.h"
#include "engine/feed/parse.h"
#include "engine/run/settings.h"
#include "ring/spsc_rb.h"

typedef struct volt_router {
    int n;                                /* hot agents */
    volt_rb_prod_t prod[VOLT_MAX_HOT];    /* their frame rings */
    volt_bell_t *bell[VOLT_MAX_HOT];
    volt_parser_t *parser;                /* the interner's */
    char *buf;                            /* the message, padded for the parser */
    size_t cap;
    volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
    uint32_t epoch, conn;                 /* sequence tracking, reset per epoch and connection */
    int have_seq;
    uint64_t seq;
    volt_rb_t *kafka_raw;                 /* NULL: Kafka off */
    int kafka_lossless;
    uint64_t *kafka_raw_dropped;
} volt_router_t;

/* Set-up: parser is the interner's (the router owns it from now on); buf room for max_frame. */
int volt_router_init(volt_router_t *r, int n, volt_rb_t *const *rings, volt_bell_t *const *bells,
                     volt_parser_t *parser, size_t max_frame);
void volt_router_free(volt_router_t *r);

/* Routes one frame (waits like volt_frame_push while a ring is full) and rings the bells. */
void volt_router_push(volt_router_t *r, volt_idle_t *idle, const volt_frame_hdr_t *h,
                      const void *payload);

/* END to every hot agent. */
void volt_router_end(volt_router_t *r);

#endif

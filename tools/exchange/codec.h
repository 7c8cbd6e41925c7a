/* tools/exchange/codec.h — volt-exchange's market feed and its Coinbase encoders.
 *
 * A feed yields items in event-time order — ticks and level-2 events (one product's part of a
 * level-2 message: a snapshot or an update, its level changes) — from the synthetic market (with
 * its level 2, tools/synth) or from recordings (any format volt replay reads, level 2 included;
 * other messages are skipped). The encoders write a tick as an Advanced Trade
 * `ticker` message or an Exchange feed `ticker` message, plus the subscriptions and heartbeat
 * messages of each protocol. Decimals are written so that they parse back to the same doubles. */
#ifndef VOLT_TOOLS_EXCHANGE_CODEC_H
#define VOLT_TOOLS_EXCHANGE_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/feed/parse.h"
#include "synth.h"

typedef enum { VX_PROTO_ADVANCED = 1, VX_PROTO_EXCHANGE = 2 } vx_proto_t;

/* One item: a tick, or a level-2 event. */
typedef struct vx_item {
    int book;                       /* 1: a level-2 event, 0: a tick */
    volt_tick_t tick;               /* the tick (book == 0) */
    uint16_t product;               /* the event's product (book == 1) */
    int snapshot;                   /* the event is a snapshot: the whole book */
    const volt_level_change_t *ch;  /* its changes (valid until the next vx_feed_next) */
    uint32_t n;
    int64_t t_ns;                   /* event time (a level-2 message without one: the last tick's) */
} vx_item_t;

typedef struct vx_feed {
    int synthetic;
    volt_synth_t synth;
    const char *const *files;
    int n_files, file_i;
    FILE *f;
    char *line;
    size_t line_cap;
    volt_products_t products;
    volt_parser_t *parser;
    volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    uint32_t n_ticks, next_tick;
    const volt_book_msg_t *bm; /* the last level-2 message and its next event */
    uint32_t next_event;
    int64_t last_ns;
    char *msg;                 /* the synthetic market's message buffer */
} vx_feed_t;

int vx_feed_open_synthetic(vx_feed_t *f, const volt_synth_cfg_t *cfg);
int vx_feed_open_files(vx_feed_t *f, const char *const *files, int n);
/* Next item and its product name; returns 0 at the end of a replay. */
int vx_feed_next(vx_feed_t *f, vx_item_t *it, const char **product);
/* The time of an item. */
static inline int64_t vx_item_ns(const vx_item_t *it)
{
    return it->book ? it->t_ns : volt_tick_time_ns(&it->tick);
}
void vx_feed_close(vx_feed_t *f);

/* Encoders: write into buf (cap bytes), return the length. ts_ns: the message's time. */
/* A ticker tick as a ticker message; a trade tick as a market_trades (Advanced) or match
 * (Exchange) message. */
size_t vx_encode_tick(vx_proto_t p, const volt_tick_t *t, const char *product, int64_t ts_ns,
                      uint64_t seq, char *buf, size_t cap);
size_t vx_encode_subscriptions(vx_proto_t p, const char *const *products, int n, int64_t ts_ns,
                               uint64_t seq, char *buf, size_t cap);
/* An Advanced Trade l2_data message: one event for product, a snapshot or an update of n level
 * changes (prices in VOLT_PX_SCALE units). Needs cap >= VX_L2_BYTES(n). */
#define VX_L2_BYTES(n) (512 + (size_t)(n) * 160)
size_t vx_encode_l2(const char *product, int snapshot, const volt_level_change_t *ch, uint32_t n,
                    int64_t ts_ns, uint64_t seq, char *buf, size_t cap);
size_t vx_encode_heartbeat(vx_proto_t p, const char *product, int64_t ts_ns, uint64_t seq,
                           uint64_t counter, char *buf, size_t cap);

#endif

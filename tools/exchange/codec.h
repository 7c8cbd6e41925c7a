/* tools/exchange/codec.h — volt-exchange's market feed and its Coinbase encoders.
 *
 * A feed yields ticks in event-time order, from the synthetic market or from recordings (any format
 * volt replay reads; non-tick messages are skipped). The encoders write a tick as an Advanced Trade
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
} vx_feed_t;

int vx_feed_open_synthetic(vx_feed_t *f, const volt_synth_cfg_t *cfg);
int vx_feed_open_files(vx_feed_t *f, const char *const *files, int n);
/* Next tick and its product name; returns 0 at the end of a replay. */
int vx_feed_next(vx_feed_t *f, volt_tick_t *t, const char **product);
void vx_feed_close(vx_feed_t *f);

/* Encoders: write into buf (cap bytes), return the length. ts_ns: the message's time. */
/* A ticker tick as a ticker message; a trade tick as a market_trades (Advanced) or match
 * (Exchange) message. */
size_t vx_encode_tick(vx_proto_t p, const volt_tick_t *t, const char *product, int64_t ts_ns,
                      uint64_t seq, char *buf, size_t cap);
size_t vx_encode_subscriptions(vx_proto_t p, const char *const *products, int n, int64_t ts_ns,
                               uint64_t seq, char *buf, size_t cap);
/* One level-2 change or snapshot level: price in cents, size (0: the level is gone). */
typedef struct vx_level {
    int64_t cents;
    double qty;
    int ask;
} vx_level_t;
/* An Advanced Trade l2_data message: one event for product, a snapshot or an update. */
size_t vx_encode_l2(const char *product, int snapshot, const vx_level_t *lv, int n, int64_t ts_ns,
                    uint64_t seq, char *buf, size_t cap);
size_t vx_encode_heartbeat(vx_proto_t p, const char *product, int64_t ts_ns, uint64_t seq,
                           uint64_t counter, char *buf, size_t cap);

#endif

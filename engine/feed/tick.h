/* engine/feed/tick.h — the normalized tick: one fixed-size record per ticker update or trade.
 *
 * Every message the parser accepts becomes one or more of these, whatever the protocol. Prices and
 * sizes are doubles holding the correctly rounded value of the decimal string (see decimal.h);
 * a field the message did not carry is NaN (never 0), so "missing" stays distinguishable. */
#ifndef VOLT_ENGINE_TICK_H
#define VOLT_ENGINE_TICK_H

#include <stdint.h>

typedef enum {
    VOLT_TICK_TICKER = 1, /* top of book + last trade (ticker channel) */
    VOLT_TICK_TRADE = 2,  /* one trade (market_trades / match) */
} volt_tick_kind_t;

typedef enum {
    VOLT_SIDE_NONE = 0, /* unknown */
    VOLT_SIDE_BUY = 1,  /* the taker bought (price lifted the ask) */
    VOLT_SIDE_SELL = 2, /* the taker sold */
} volt_side_t;

typedef enum {
    VOLT_PROTO_ADVANCED = 1, /* Advanced Trade WebSocket (channel/events) */
    VOLT_PROTO_EXCHANGE = 2, /* Exchange feed (type: ticker/match) */
} volt_proto_t;

enum {
    VOLT_TICK_HAS_SEQ = 1u << 0,   /* seq is the channel's sequence number */
    VOLT_TICK_SNAPSHOT = 1u << 1,  /* from a snapshot event (first message after subscribing) */
    VOLT_TICK_EXCH_TIME = 1u << 2, /* exch_ns came from the message */
};

typedef struct volt_tick {
    int64_t exch_ns;  /* exchange time, ns since the Unix epoch (0 when the message has none) */
    int64_t recv_ns;  /* wall-clock receive/capture time, ns since the Unix epoch */
    uint64_t seq;     /* message sequence number (valid when VOLT_TICK_HAS_SEQ) */
    double price;     /* last trade price */
    double size;      /* last trade size (NaN when the channel does not carry it) */
    double best_bid;
    double best_ask;
    double bid_qty;
    double ask_qty;
    double volume_24h;
    double low_24h;
    double high_24h;
    uint16_t product; /* index in the product table */
    uint8_t kind;     /* volt_tick_kind_t */
    uint8_t side;     /* volt_side_t (taker side) */
    uint8_t proto;    /* volt_proto_t */
    uint8_t flags;    /* VOLT_TICK_* */
    uint8_t pad_[2];
} volt_tick_t;

/* Event time: the exchange's when the message carried it, else the receive time. Windows and
 * labels run on this clock so that live and replay agree. */
static inline int64_t volt_tick_time_ns(const volt_tick_t *t)
{
    return (t->flags & VOLT_TICK_EXCH_TIME) ? t->exch_ns : t->recv_ns;
}

#endif

/* engine/feed/parse.h — Coinbase messages (both protocols, raw or inside a recorder's envelope) to ticks.
 *
 * Accepted inputs, one JSON object each:
 *  - Advanced Trade messages: {"channel": "ticker"|"ticker_batch"|"market_trades"|"heartbeats"|
 *    "subscriptions"|..., "timestamp", "sequence_num", "events": [{"type", "tickers"|"trades": []}]}
 *    (several tickers or trades in one message become several ticks);
 *  - Exchange feed messages: {"type": "ticker"|"match"|"last_match"|"heartbeat"|"subscriptions"|
 *    "error", ...}; and a bare ticker object as the seed's journal keeps it under "raw";
 *  - envelopes: {"raw": <message object or a JSON string holding it>, ...} (the seed's journal and
 *    volt's own, with "timestamp" or "recv_ns"), {"ts": <epoch s>, "raw": "<message>"},
 *    {"ingest_time": "...", "payload": <message>}. The envelope's time is the receive time.
 *
 * Every input gets exactly one outcome: accepted (with 0..n ticks) or rejected with one reason;
 * individual bad tickers/trades inside an otherwise good message are counted per reason too.
 * Nothing here allocates after volt_parser_new, and nothing is fatal. */
#ifndef VOLT_ENGINE_PARSE_H
#define VOLT_ENGINE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/feed/json.h"
#include "engine/feed/product.h"
#include "engine/feed/tick.h"

typedef enum {
    VOLT_REJ_NONE = 0,
    VOLT_REJ_EMPTY,           /* empty line / frame */
    VOLT_REJ_TOO_LARGE,       /* longer than the configured maximum frame */
    VOLT_REJ_NOT_OBJECT,      /* not a JSON object (binary junk, arrays, scalars) */
    VOLT_REJ_MALFORMED,       /* invalid JSON: syntax, truncation, bad UTF-8, trailing bytes */
    VOLT_REJ_TOO_DEEP,        /* nested beyond what we walk */
    VOLT_REJ_UNKNOWN_MESSAGE, /* valid JSON but neither a known channel nor a known type */
    VOLT_REJ_MISSING_FIELD,   /* a required field is absent (product_id, price, size, time) */
    VOLT_REJ_WRONG_TYPE,      /* a field has the wrong JSON type (e.g. price as an object) */
    VOLT_REJ_BAD_NUMBER,      /* a decimal string that is not a finite number ("NaN", "1e999") */
    VOLT_REJ_BAD_VALUE,       /* a number out of its domain: price <= 0, negative size */
    VOLT_REJ_BAD_TIME,        /* an unparsable timestamp, or no time at all */
    VOLT_REJ_BAD_PRODUCT,     /* product id empty, too long or with odd characters */
    VOLT_REJ_TOO_MANY_PRODUCTS, /* the product table is full */
    VOLT_REJ_NO_ITEMS,        /* a ticker/trades message whose events held no usable item */
    VOLT_REJ_COUNT
} volt_reject_t;

typedef enum {
    VOLT_MSG_NONE = 0,
    VOLT_MSG_TICKER,
    VOLT_MSG_TRADES,
    VOLT_MSG_HEARTBEAT,
    VOLT_MSG_SUBSCRIPTIONS,
    VOLT_MSG_ERROR,  /* the feed's own error message: accepted, reported, no ticks */
    VOLT_MSG_OTHER,  /* a known protocol's message we do not use (status, candles, ...) */
    VOLT_MSG_BOOK,   /* level 2 (Advanced Trade l2_data): level changes, volt_parser_book() */
    VOLT_MSG_RECORDER, /* a recorder's line that is not a received message (header, send, ...) */
    VOLT_MSG_KIND_COUNT
} volt_msg_kind_t;

typedef struct volt_parse_result {
    uint8_t reject;   /* volt_reject_t; VOLT_REJ_NONE when accepted */
    uint8_t kind;     /* volt_msg_kind_t when accepted */
    uint8_t proto;    /* volt_proto_t when known */
    uint8_t has_seq;  /* seq holds the message's sequence number */
    uint8_t has_conn; /* conn holds the journal envelope's connection number */
    uint32_t conn;
    uint32_t n_ticks; /* ticks written */
    uint32_t n_items_rejected; /* items dropped inside an accepted message */
    uint8_t item_reject[VOLT_JSON_MAX_ITEMS]; /* reason per dropped item, first n_items_rejected */
    uint64_t seq;
    size_t err_pos;   /* byte offset of the problem for MALFORMED */
    const char *text; /* VOLT_MSG_ERROR's text, raw (escapes kept), pointing into the input buffer */
    uint32_t text_len;
} volt_parse_result_t;

typedef struct volt_parser volt_parser_t;

/* Level-2 prices are fixed-point: VOLT_PX_SCALE units per currency unit (1e-8, the finest
 * increment Coinbase quotes), so levels compare exactly. */
#define VOLT_PX_SCALE INT64_C(100000000)
enum { VOLT_BOOK_SIDE_BID = 0, VOLT_BOOK_SIDE_ASK = 1 };

/* One level change: the new size at a price (0: the level is gone). */
typedef struct volt_level_change {
    int64_t px;
    double qty;
    uint8_t side; /* VOLT_BOOK_SIDE_* */
} volt_level_change_t;

/* One product's part of a level-2 message: a snapshot (the whole book: replace it) or an update. */
typedef struct volt_book_event {
    uint16_t product;
    uint8_t snapshot;
    uint32_t first, n; /* its changes: changes[first .. first + n) */
} volt_book_event_t;

typedef struct volt_book_msg {
    int64_t t_ns;      /* event time: the message's timestamp (Exchange: time), else the receive
                        * time; 0 when it has neither */
    uint32_t n_events;
    volt_book_event_t ev[VOLT_JSON_MAX_L2_EVENTS];
    const volt_level_change_t *changes; /* the parser's own array, valid until its next parse */
    uint32_t n_changes;
    uint32_t n_bad;    /* level entries dropped: not an object, bad side, price or size */
} volt_book_msg_t;

/* Creates a parser for frames up to max_frame bytes. Set-up: allocates; NULL on failure
 * (with VOLT_ERR context). Owned and used by one thread. */
volt_parser_t *volt_parser_new(size_t max_frame, volt_products_t *products);
void volt_parser_free(volt_parser_t *p);

/* Lookup-only mode (on != 0), for a parser on a thread other than the product table's interner
 * (the source's parse assist): products are looked up among those already published and never
 * added. A message naming a product not published yet is parsed to some outcome, but
 * volt_parser_deferred() then returns 1 and the outcome must be discarded: the message goes to the
 * interner's parser as it is. */
void volt_parser_lookup_only(volt_parser_t *p, int on);
int volt_parser_deferred(const volt_parser_t *p);

/* Parses one message. buf must have VOLT_JSON_PADDING readable bytes after len. recv_ns is the
 * receive time to use when the input carries none (0 in replay: then the exchange time is used).
 * Writes up to VOLT_JSON_MAX_ITEMS ticks to out. Returns res->reject. Hot path: no allocation. */
volt_reject_t volt_parse_message(volt_parser_t *p, const char *buf, size_t len, int64_t recv_ns,
                                 volt_tick_t *out, volt_parse_result_t *res);

/* The level changes of the last message when it was VOLT_MSG_BOOK (else n_events is 0). */
const volt_book_msg_t *volt_parser_book(const volt_parser_t *p);

/* A decimal price as a fixed-point integer of VOLT_PX_SCALE units: digits with at most one '.',
 * at most 8 fraction digits, no sign, below 9.2e10. 0, or -1 for anything else. */
int volt_parse_px(const char *s, size_t n, int64_t *out);

/* A stable snake_case name for a reason ("malformed"), for summaries and logs. */
const char *volt_reject_name(volt_reject_t r);
const char *volt_msg_kind_name(volt_msg_kind_t k);

#endif

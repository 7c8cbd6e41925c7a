/* engine/feed/json.h — the C face of the simdjson On-Demand shim (engine/json_shim.cpp).
 *
 * The shim is the project's only C++: it walks one message with simdjson's On-Demand API in a
 * single pass over each object's fields (any order) and records where each field we care about
 * is, as string slices into the input or into the parser's string buffer. It does no
 * normalization: engine/parse.c turns slices into numbers, times and ticks. Unknown keys are
 * skipped; a field of the wrong JSON type is recorded with its type so the caller can reject it.
 *
 * Slices stay valid until the next volt_json_parse on the same parser. */
#ifndef VOLT_ENGINE_JSON_H
#define VOLT_ENGINE_JSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of readable slack simdjson needs after the input (SIMDJSON_PADDING). */
#define VOLT_JSON_PADDING 64
/* Tickers/trades kept from one message; more are counted in n_items_over. */
#define VOLT_JSON_MAX_ITEMS 64

typedef enum {
    VOLT_JT_ABSENT = 0,
    VOLT_JT_STRING,
    VOLT_JT_NUMBER, /* slice = the number's text */
    VOLT_JT_OTHER,  /* object, array, bool or null where a scalar was expected */
} volt_jtype_t;

typedef struct volt_jval {
    const char *p;
    uint32_t n;
    uint8_t type; /* volt_jtype_t */
} volt_jval_t;

/* Fields of a ticker or trade object, in either protocol's spelling. */
typedef enum {
    VOLT_JF_TYPE = 0,     /* "type" */
    VOLT_JF_PRODUCT_ID,   /* "product_id" */
    VOLT_JF_PRICE,        /* "price" */
    VOLT_JF_SIZE,         /* "size" (trades) or "last_size" (Exchange ticker) */
    VOLT_JF_SIDE,         /* "side" */
    VOLT_JF_TIME,         /* "time" */
    VOLT_JF_TRADE_ID,     /* "trade_id" */
    VOLT_JF_VOLUME_24H,   /* "volume_24h" or "volume_24_h" */
    VOLT_JF_LOW_24H,      /* "low_24h" or "low_24_h" */
    VOLT_JF_HIGH_24H,     /* "high_24h" or "high_24_h" */
    VOLT_JF_BEST_BID,     /* "best_bid" */
    VOLT_JF_BEST_ASK,     /* "best_ask" */
    VOLT_JF_BID_QTY,      /* "best_bid_quantity" or "best_bid_size" */
    VOLT_JF_ASK_QTY,      /* "best_ask_quantity" or "best_ask_size" */
    VOLT_JF_SEQUENCE,     /* "sequence" (Exchange feed) */
    VOLT_JF_COUNT
} volt_jfield_t;

typedef struct volt_jitem {
    volt_jval_t f[VOLT_JF_COUNT];
} volt_jitem_t;

/* One object level: an envelope or a message. */
typedef struct volt_jlevel {
    volt_jitem_t item;        /* item fields found directly on this object */
    volt_jval_t channel;      /* "channel" (Advanced Trade) */
    volt_jval_t timestamp;    /* "timestamp" */
    volt_jval_t sequence_num; /* "sequence_num" (Advanced Trade) */
    volt_jval_t message;      /* "message" (error text) */
    volt_jval_t ingest_time;  /* "ingest_time" (recorder envelope) */
    volt_jval_t ts;           /* "ts" (recorder envelope, epoch seconds) */
    volt_jval_t recv_ns;      /* "recv_ns" (volt journal) */
    volt_jval_t conn;         /* "conn" (volt journal: connection number) */
    volt_jval_t events;       /* "events": type records whether it was an array */
    volt_jval_t rec_t;        /* "t" (a recorder's line kind: "recv" carries a message in "data") */
} volt_jlevel_t;

enum { VOLT_JITEM_TICKER = 1, VOLT_JITEM_TRADE = 2 };

/* One level change of an Advanced Trade l2_data event ("updates": side, price_level,
 * new_quantity), and the event it belongs to. */
typedef struct volt_jl2 {
    volt_jval_t side, price, qty;
    uint32_t event; /* index into volt_jdoc_t.l2_events */
} volt_jl2_t;

#define VOLT_JSON_MAX_L2_EVENTS 8

typedef struct volt_jl2_event {
    volt_jval_t type;       /* "snapshot" or "update" */
    volt_jval_t product_id;
    uint32_t first, n;      /* its level changes: l2[first .. first + n) */
} volt_jl2_event_t;

typedef struct volt_jdoc {
    volt_jlevel_t top;
    volt_jlevel_t inner;      /* the message inside "raw"/"payload"/"data" when it is an object */
    uint8_t has_inner;        /* "raw", "payload" or "data" held an object */
    uint8_t has_envelope_key; /* "raw", "payload" or "data" was present, whatever its type */
    volt_jval_t raw_string;   /* it held a string (a message serialized inside the envelope) */
    uint32_t n_items;         /* tickers/trades from events[] */
    uint32_t n_items_over;    /* items beyond VOLT_JSON_MAX_ITEMS (not kept) */
    uint32_t n_bad_items;     /* entries of tickers[]/trades[] that were not objects */
    uint8_t item_kind[VOLT_JSON_MAX_ITEMS];
    uint8_t item_snapshot[VOLT_JSON_MAX_ITEMS]; /* event type was "snapshot" */
    volt_jitem_t items[VOLT_JSON_MAX_ITEMS];
    /* l2_data: the events that carried "updates", and their level changes in order. l2 is the
     * parser's own array (room for any document it accepts), set by volt_json_parse. */
    uint32_t n_l2_events, n_l2_events_over; /* events beyond VOLT_JSON_MAX_L2_EVENTS: not kept */
    volt_jl2_event_t l2_events[VOLT_JSON_MAX_L2_EVENTS];
    volt_jl2_t *l2;
    uint32_t n_l2;
    uint32_t n_l2_bad; /* entries of updates[] that were not objects */
} volt_jdoc_t;

typedef enum {
    VOLT_JSON_OK = 0,
    VOLT_JSON_EMPTY,      /* no bytes, or only white space */
    VOLT_JSON_TOO_LARGE,  /* longer than the parser's capacity */
    VOLT_JSON_NOT_OBJECT, /* the document is not a JSON object */
    VOLT_JSON_MALFORMED,  /* simdjson rejected it (syntax, truncation, bad UTF-8, bad escapes) */
    VOLT_JSON_TOO_DEEP,   /* nesting deeper than we walk */
    VOLT_JSON_NOMEM,
} volt_json_status_t;

typedef struct volt_json_parser volt_json_parser_t;

/* Creates a parser that accepts documents up to max_len bytes. NULL on allocation failure.
 * Set-up only (allocates). A parser belongs to one thread. */
volt_json_parser_t *volt_json_parser_new(size_t max_len);
void volt_json_parser_free(volt_json_parser_t *p);

/* Parses buf[0..len) into *doc. buf must have VOLT_JSON_PADDING readable bytes after len.
 * Returns a status; *err_pos is the byte offset where simdjson stopped (or len). Never throws,
 * never allocates. */
volt_json_status_t volt_json_parse(volt_json_parser_t *p, const char *buf, size_t len,
                                   volt_jdoc_t *doc, size_t *err_pos);

#ifdef __cplusplus
}
#endif

#endif

/* engine/feed/parse.c — normalization: slices from the JSON shim to validated volt_tick_t records. */
#include "engine/feed/parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/decimal.h"
#include "engine/feed/decimal_ssse3.h"
#include "engine/base/err.h"
#include "engine/feed/timefmt.h"
#include "simd/cpu.h"

struct volt_parser {
    volt_json_parser_t *outer;
    volt_json_parser_t *inner; /* for a message serialized as a string inside an envelope */
    volt_products_t *products;
    int lookup_only; /* products: find among the published, never intern (volt_parser_lookup_only) */
    int deferred;    /* lookup_only: this message named a product not published yet */
    size_t max_frame;
    char *inner_buf; /* padded copy of the unescaped inner message */
    volt_iso_cache_t tcache; /* the minute of the last ISO timestamp (engine/timefmt.h) */
    /* a tick's nine decimals: the SSSE3 or the portable copy, chosen once when the parser is made
     * (by the ISA volt_simd_init chose) */
    volt_reject_t (*decimals)(const volt_jitem_t *it, int is_trade, volt_tick_t *t);
    volt_jdoc_t doc;
    volt_jdoc_t doc2;
    volt_book_msg_t book;         /* the last level-2 message's changes */
    volt_level_change_t *changes; /* room for any frame's: max_frame / 32 + 1 */
};

static const char *const k_reject_names[VOLT_REJ_COUNT] = {
    [VOLT_REJ_NONE] = "none",
    [VOLT_REJ_EMPTY] = "empty",
    [VOLT_REJ_TOO_LARGE] = "too_large",
    [VOLT_REJ_NOT_OBJECT] = "not_object",
    [VOLT_REJ_MALFORMED] = "malformed",
    [VOLT_REJ_TOO_DEEP] = "too_deep",
    [VOLT_REJ_UNKNOWN_MESSAGE] = "unknown_message",
    [VOLT_REJ_MISSING_FIELD] = "missing_field",
    [VOLT_REJ_WRONG_TYPE] = "wrong_type",
    [VOLT_REJ_BAD_NUMBER] = "bad_number",
    [VOLT_REJ_BAD_VALUE] = "bad_value",
    [VOLT_REJ_BAD_TIME] = "bad_time",
    [VOLT_REJ_BAD_PRODUCT] = "bad_product",
    [VOLT_REJ_TOO_MANY_PRODUCTS] = "too_many_products",
    [VOLT_REJ_NO_ITEMS] = "no_items",
};

static const char *const k_kind_names[VOLT_MSG_KIND_COUNT] = {
    [VOLT_MSG_NONE] = "none",         [VOLT_MSG_TICKER] = "ticker",
    [VOLT_MSG_TRADES] = "trades",     [VOLT_MSG_HEARTBEAT] = "heartbeat",
    [VOLT_MSG_SUBSCRIPTIONS] = "subscriptions", [VOLT_MSG_ERROR] = "error",
    [VOLT_MSG_OTHER] = "other",       [VOLT_MSG_BOOK] = "book",
    [VOLT_MSG_RECORDER] = "recorder",
};

const char *volt_reject_name(volt_reject_t r)
{
    return (unsigned)r < VOLT_REJ_COUNT ? k_reject_names[r] : "unknown";
}

const char *volt_msg_kind_name(volt_msg_kind_t k)
{
    return (unsigned)k < VOLT_MSG_KIND_COUNT ? k_kind_names[k] : "unknown";
}

typedef volt_reject_t (*decimals_fn)(const volt_jitem_t *, int, volt_tick_t *);
static decimals_fn pick_decimals(void);

volt_parser_t *volt_parser_new(size_t max_frame, volt_products_t *products)
{
    volt_parser_t *p = calloc(1, sizeof *p);
    if (!p) {
        VOLT_ERR(-ENOMEM, "allocating the parser");
        return NULL;
    }
    p->max_frame = max_frame;
    p->products = products;
    p->decimals = pick_decimals();
    p->outer = volt_json_parser_new(max_frame);
    p->inner = volt_json_parser_new(max_frame);
    p->inner_buf = malloc(max_frame + VOLT_JSON_PADDING);
    p->changes = malloc((max_frame / 32 + 1) * sizeof *p->changes);
    p->book.changes = p->changes;
    if (!p->outer || !p->inner || !p->inner_buf || !p->changes) {
        volt_parser_free(p);
        VOLT_ERR(-ENOMEM, "allocating simdjson parsers for %zu-byte frames", max_frame);
        return NULL;
    }
    return p;
}

void volt_parser_lookup_only(volt_parser_t *p, int on) { p->lookup_only = on != 0; }

int volt_parser_deferred(const volt_parser_t *p) { return p->deferred; }

void volt_parser_free(volt_parser_t *p)
{
    if (!p)
        return;
    volt_json_parser_free(p->outer);
    volt_json_parser_free(p->inner);
    free(p->inner_buf);
    free(p->changes);
    free(p);
}

const volt_book_msg_t *volt_parser_book(const volt_parser_t *p) { return &p->book; }

int volt_parse_px(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    size_t i = 0;
    int frac = -1, digits = 0;
    for (; i < n; i++) {
        const unsigned c = (unsigned char)s[i];
        if (c == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (c - '0' > 9 || frac >= 8 || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (int64_t)(c - '0');
        digits++;
        if (frac >= 0)
            frac++;
    }
    if (!digits)
        return -1;
    for (int k = frac < 0 ? 0 : frac; k < 8; k++) {
        if (v > INT64_MAX / 10)
            return -1; /* 9.2e10 and above do not fit the fixed point */
        v *= 10;
    }
    *out = v;
    return 0;
}

static inline int sv_eq(const volt_jval_t *v, const char *lit, size_t n)
{
    return v->type == VOLT_JT_STRING && v->n == n && memcmp(v->p, lit, n) == 0;
}
#define SV_EQ(v, lit) sv_eq((v), lit, sizeof(lit) - 1)

/* A decimal field: absent -> NaN (ok unless required); string -> parsed; other types -> error. */
static inline __attribute__((always_inline)) volt_reject_t
get_decimal(volt_decimal_fn dec, const volt_jval_t *v, int required, double *out)
{
    switch (v->type) {
    case VOLT_JT_ABSENT:
        *out = NAN;
        return required ? VOLT_REJ_MISSING_FIELD : VOLT_REJ_NONE;
    case VOLT_JT_STRING: {
        if (v->n == 0 && !required) { /* Coinbase sends "" for an unknown quantity */
            *out = NAN;
            return VOLT_REJ_NONE;
        }
        /* a slice of the padded input (parse.h): the padded variant may read past it */
        const volt_dec_status_t s = dec(v->p, v->n, out);
        return s == VOLT_DEC_OK ? VOLT_REJ_NONE : VOLT_REJ_BAD_NUMBER;
    }
    default:
        return VOLT_REJ_WRONG_TYPE;
    }
}

/* The nine decimals of a ticker or trade, with dec inlined where it can be (a constant pointer
 * to a visible function): the SSSE3 copy below takes the vector fast path without an indirect
 * call per field. */
static inline __attribute__((always_inline)) volt_reject_t
tick_decimals(volt_decimal_fn dec, const volt_jitem_t *it, int is_trade, volt_tick_t *t)
{
    volt_reject_t r;
    if ((r = get_decimal(dec, &it->f[VOLT_JF_PRICE], 1, &t->price)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_SIZE], is_trade, &t->size)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_BEST_BID], 0, &t->best_bid)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_BEST_ASK], 0, &t->best_ask)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_BID_QTY], 0, &t->bid_qty)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_ASK_QTY], 0, &t->ask_qty)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_VOLUME_24H], 0, &t->volume_24h)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_LOW_24H], 0, &t->low_24h)) ||
        (r = get_decimal(dec, &it->f[VOLT_JF_HIGH_24H], 0, &t->high_24h)))
        return r;
    return VOLT_REJ_NONE;
}

#if defined(__x86_64__)
__attribute__((target("ssse3"))) static volt_reject_t
tick_decimals_ssse3(const volt_jitem_t *it, int is_trade, volt_tick_t *t)
{
    return tick_decimals(volt_decimal_parse_padded_ssse3_, it, is_trade, t);
}
#endif

static volt_reject_t tick_decimals_any(const volt_jitem_t *it, int is_trade, volt_tick_t *t)
{
    return tick_decimals(volt_decimal_parse, it, is_trade, t);
}

static decimals_fn pick_decimals(void)
{
#if defined(__x86_64__)
    if (volt_simd_isa() == VOLT_ISA_AVX2)
        return tick_decimals_ssse3;
#endif
    return tick_decimals_any;
}

static volt_reject_t get_iso_time(volt_parser_t *p, const volt_jval_t *v, int64_t *ns)
{
    if (v->type == VOLT_JT_ABSENT)
        return VOLT_REJ_MISSING_FIELD;
    if (v->type != VOLT_JT_STRING)
        return VOLT_REJ_WRONG_TYPE;
    return volt_time_parse_iso_cached(&p->tcache, v->p, v->n, ns) == 0 ? VOLT_REJ_NONE
                                                                         : VOLT_REJ_BAD_TIME;
}

/* Unsigned integer from a JSON number or a digit string (Advanced sends numbers). */
static int get_u64(const volt_jval_t *v, uint64_t *out)
{
    if (v->type != VOLT_JT_NUMBER && v->type != VOLT_JT_STRING)
        return -1;
    if (v->n == 0 || v->n > 20)
        return -1;
    uint64_t x = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const char c = v->p[i];
        if (c < '0' || c > '9')
            return -1;
        const uint64_t d = (uint64_t)(c - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

static uint8_t side_of(const volt_jval_t *v, int invert)
{
    uint8_t s = VOLT_SIDE_NONE;
    if (SV_EQ(v, "buy") || SV_EQ(v, "BUY"))
        s = VOLT_SIDE_BUY;
    else if (SV_EQ(v, "sell") || SV_EQ(v, "SELL"))
        s = VOLT_SIDE_SELL;
    if (invert && s != VOLT_SIDE_NONE)
        s = s == VOLT_SIDE_BUY ? VOLT_SIDE_SELL : VOLT_SIDE_BUY;
    return s;
}

/* A product name's index: interned, or (lookup-only parsers) found among the published. */
static inline volt_reject_t product_of(volt_parser_t *p, const volt_jval_t *pid, uint16_t *out)
{
    if (pid->n == 0 || pid->n > VOLT_PRODUCT_NAME_MAX)
        return VOLT_REJ_BAD_PRODUCT;
    if (p->lookup_only) {
        const int k = volt_products_find_published(p->products, pid->p, pid->n);
        if (k < 0) {
            p->deferred = 1; /* the message's outcome is the interner's to decide */
            return VOLT_REJ_BAD_PRODUCT;
        }
        *out = (uint16_t)k;
        return VOLT_REJ_NONE;
    }
    const int idx = volt_products_intern(p->products, pid->p, pid->n);
    if (idx < 0)
        return p->products->n >= VOLT_MAX_PRODUCTS &&
                       volt_products_find(p->products, pid->p, pid->n) < 0
                   ? VOLT_REJ_TOO_MANY_PRODUCTS
                   : VOLT_REJ_BAD_PRODUCT;
    *out = (uint16_t)idx;
    return VOLT_REJ_NONE;
}

/* One ticker or trade object to a tick. msg_ns: the message's own time (0 if none). */
static volt_reject_t make_tick(volt_parser_t *p, const volt_jitem_t *it, uint8_t kind,
                               uint8_t proto, int64_t msg_ns, int64_t recv_ns, volt_tick_t *t)
{
    const volt_jval_t *pid = &it->f[VOLT_JF_PRODUCT_ID];
    if (pid->type == VOLT_JT_ABSENT)
        return VOLT_REJ_MISSING_FIELD;
    if (pid->type != VOLT_JT_STRING)
        return VOLT_REJ_WRONG_TYPE;
    volt_reject_t r;
    const int is_trade = kind == VOLT_TICK_TRADE;
    if ((r = p->decimals(it, is_trade, t)))
        return r;
    /* Domain checks. NaN only arises from absent optional fields here. */
    if (!(t->price > 0.0))
        return VOLT_REJ_BAD_VALUE;
    if (t->size < 0.0 || t->best_bid < 0.0 || t->best_ask < 0.0 || t->bid_qty < 0.0 ||
        t->ask_qty < 0.0 || t->volume_24h < 0.0 || t->low_24h < 0.0 || t->high_24h < 0.0)
        return VOLT_REJ_BAD_VALUE;

    t->flags = 0;
    t->exch_ns = 0;
    const volt_jval_t *tm = &it->f[VOLT_JF_TIME];
    if (tm->type != VOLT_JT_ABSENT) {
        if ((r = get_iso_time(p, tm, &t->exch_ns)))
            return r;
        t->flags |= VOLT_TICK_EXCH_TIME;
    } else if (msg_ns) {
        t->exch_ns = msg_ns;
        t->flags |= VOLT_TICK_EXCH_TIME;
    }
    t->recv_ns = recv_ns;
    if (!(t->flags & VOLT_TICK_EXCH_TIME) && recv_ns == 0)
        return VOLT_REJ_BAD_TIME;

    const volt_jval_t *sq = &it->f[VOLT_JF_SEQUENCE];
    t->seq = 0;
    if (sq->type != VOLT_JT_ABSENT) {
        if (get_u64(sq, &t->seq))
            return VOLT_REJ_WRONG_TYPE;
        t->flags |= VOLT_TICK_HAS_SEQ;
    }
    /* Trades (match, market_trades) report the maker's side; the ticker reports the taker's. */
    t->side = side_of(&it->f[VOLT_JF_SIDE], is_trade);
    t->kind = kind;
    t->proto = proto;
    t->pad_[0] = t->pad_[1] = 0;

    return product_of(p, pid, &t->product);
}

static volt_reject_t map_json(volt_json_status_t s)
{
    switch (s) {
    case VOLT_JSON_OK: return VOLT_REJ_NONE;
    case VOLT_JSON_EMPTY: return VOLT_REJ_EMPTY;
    case VOLT_JSON_TOO_LARGE: return VOLT_REJ_TOO_LARGE;
    case VOLT_JSON_NOT_OBJECT: return VOLT_REJ_NOT_OBJECT;
    case VOLT_JSON_TOO_DEEP: return VOLT_REJ_TOO_DEEP;
    default: return VOLT_REJ_MALFORMED;
    }
}

static volt_reject_t finish(volt_parse_result_t *res, volt_reject_t r)
{
    res->reject = (uint8_t)r;
    if (r != VOLT_REJ_NONE)
        res->n_ticks = 0;
    return r;
}

/* Envelope receive time: recv_ns > ingest_time > ts > timestamp. 0 when none (not an error). */
static volt_reject_t envelope_time(volt_parser_t *p, const volt_jlevel_t *env, int64_t *ns)
{
    uint64_t u;
    if (env->recv_ns.type != VOLT_JT_ABSENT) {
        if (get_u64(&env->recv_ns, &u) || u > (uint64_t)INT64_MAX)
            return VOLT_REJ_BAD_TIME;
        *ns = (int64_t)u;
        return VOLT_REJ_NONE;
    }
    if (env->ingest_time.type != VOLT_JT_ABSENT)
        return get_iso_time(p, &env->ingest_time, ns);
    if (env->ts.type == VOLT_JT_NUMBER || env->ts.type == VOLT_JT_STRING)
        return volt_time_parse_epoch(env->ts.p, env->ts.n, ns) == 0 ? VOLT_REJ_NONE
                                                                    : VOLT_REJ_BAD_TIME;
    if (env->ts.type == VOLT_JT_OTHER)
        return VOLT_REJ_WRONG_TYPE;
    if (env->timestamp.type != VOLT_JT_ABSENT)
        return get_iso_time(p, &env->timestamp, ns);
    return VOLT_REJ_NONE;
}

/* An envelope (journal line, recorder line) around the message: its receive time and connection,
 * and the message inside it (an object, or a JSON string parsed in turn). Sets *docp and *msgp. */
static volt_reject_t unwrap_envelope(volt_parser_t *p, volt_jdoc_t **docp, const volt_jlevel_t **msgp,
                                     int64_t *recv_ns, volt_parse_result_t *res)
{
    volt_jdoc_t *doc = *docp;
    volt_reject_t r = envelope_time(p, &doc->top, recv_ns);
    if (r)
        return r;
    uint64_t conn;
    const volt_jval_t *cv = &doc->top.conn;
    if (cv->type == VOLT_JT_STRING && doc->top.rec_t.type != VOLT_JT_ABSENT) {
        /* a recorder names its connections ("COINBASE.ws.2"): a new name is a new connection */
        res->has_conn = 1;
        res->conn = volt_fnv1a(cv->p, cv->n);
    } else if (cv->type != VOLT_JT_ABSENT) {
        if (get_u64(cv, &conn) || conn > UINT32_MAX)
            return VOLT_REJ_WRONG_TYPE;
        res->has_conn = 1;
        res->conn = (uint32_t)conn;
    }
    if (doc->has_inner) {
        *msgp = &doc->inner;
        return VOLT_REJ_NONE;
    }
    if (doc->raw_string.type != VOLT_JT_STRING)
        return VOLT_REJ_WRONG_TYPE;
    const size_t n = doc->raw_string.n;
    memcpy(p->inner_buf, doc->raw_string.p, n);
    memset(p->inner_buf + n, 0, VOLT_JSON_PADDING);
    const volt_json_status_t js = volt_json_parse(p->inner, p->inner_buf, n, &p->doc2, &res->err_pos);
    if (js != VOLT_JSON_OK)
        return map_json(js);
    *docp = &p->doc2;
    if (p->doc2.has_envelope_key) /* an envelope inside an envelope: not a message */
        return VOLT_REJ_UNKNOWN_MESSAGE;
    *msgp = &p->doc2.top;
    return VOLT_REJ_NONE;
}

/* An Advanced Trade message: its time, sequence number and kind by channel. */
static volt_reject_t classify_advanced(volt_parser_t *p, const volt_jlevel_t *msg,
                                       volt_parse_result_t *res, int64_t *msg_ns, uint8_t *tick_kind)
{
    if (msg->timestamp.type != VOLT_JT_ABSENT) {
        volt_reject_t r = get_iso_time(p, &msg->timestamp, msg_ns);
        if (r)
            return r;
    }
    uint64_t sq;
    if (msg->sequence_num.type != VOLT_JT_ABSENT) {
        if (get_u64(&msg->sequence_num, &sq))
            return VOLT_REJ_WRONG_TYPE;
        res->seq = sq;
        res->has_seq = 1;
    }
    const volt_jval_t *ch = &msg->channel;
    if (SV_EQ(ch, "ticker") || SV_EQ(ch, "ticker_batch")) {
        res->kind = VOLT_MSG_TICKER;
        *tick_kind = VOLT_TICK_TICKER;
    } else if (SV_EQ(ch, "market_trades")) {
        res->kind = VOLT_MSG_TRADES;
        *tick_kind = VOLT_TICK_TRADE;
    } else if (SV_EQ(ch, "heartbeats")) {
        res->kind = VOLT_MSG_HEARTBEAT;
    } else if (SV_EQ(ch, "subscriptions")) {
        res->kind = VOLT_MSG_SUBSCRIPTIONS;
    } else if (SV_EQ(ch, "l2_data")) {
        res->kind = VOLT_MSG_BOOK;
    } else if (SV_EQ(ch, "status") || SV_EQ(ch, "candles") || SV_EQ(ch, "level2") ||
               SV_EQ(ch, "user") || SV_EQ(ch, "futures_balance_summary")) {
        res->kind = VOLT_MSG_OTHER;
    } else {
        return VOLT_REJ_UNKNOWN_MESSAGE;
    }
    if (*tick_kind && msg->events.type != VOLT_JT_STRING)
        return msg->events.type == VOLT_JT_ABSENT ? VOLT_REJ_MISSING_FIELD : VOLT_REJ_WRONG_TYPE;
    return VOLT_REJ_NONE;
}

/* An Exchange-feed message: its kind by type (an error's text kept), and its sequence number. */
static volt_reject_t classify_exchange(const volt_jlevel_t *msg, volt_parse_result_t *res,
                                       uint8_t *tick_kind)
{
    const volt_jval_t *type = &msg->item.f[VOLT_JF_TYPE];
    if (SV_EQ(type, "ticker")) {
        res->kind = VOLT_MSG_TICKER;
        *tick_kind = VOLT_TICK_TICKER;
    } else if (SV_EQ(type, "match") || SV_EQ(type, "last_match")) {
        res->kind = VOLT_MSG_TRADES;
        *tick_kind = VOLT_TICK_TRADE;
    } else if (SV_EQ(type, "heartbeat")) {
        res->kind = VOLT_MSG_HEARTBEAT;
    } else if (SV_EQ(type, "subscriptions")) {
        res->kind = VOLT_MSG_SUBSCRIPTIONS;
    } else if (SV_EQ(type, "error")) {
        res->kind = VOLT_MSG_ERROR;
        if (msg->message.type == VOLT_JT_STRING) {
            res->text = msg->message.p;
            res->text_len = msg->message.n;
        }
    } else if (SV_EQ(type, "l2update") || SV_EQ(type, "snapshot")) {
        res->kind = VOLT_MSG_BOOK;
    } else if (SV_EQ(type, "status") || SV_EQ(type, "received") || SV_EQ(type, "open") ||
               SV_EQ(type, "done") || SV_EQ(type, "change") || SV_EQ(type, "activate")) {
        res->kind = VOLT_MSG_OTHER;
    } else {
        return VOLT_REJ_UNKNOWN_MESSAGE;
    }
    if (msg->item.f[VOLT_JF_SEQUENCE].type != VOLT_JT_ABSENT) {
        uint64_t sq;
        if (get_u64(&msg->item.f[VOLT_JF_SEQUENCE], &sq))
            return VOLT_REJ_WRONG_TYPE;
        res->seq = sq;
        res->has_seq = 1;
    }
    return VOLT_REJ_NONE;
}

/* Advanced Trade's events[] items into ticks; bad items are dropped and counted. Returns the first
 * bad item's reason (VOLT_REJ_NONE: none). */
static volt_reject_t advanced_items(volt_parser_t *p, const volt_jdoc_t *doc, int64_t msg_ns,
                                    int64_t recv_ns, volt_tick_t *out, volt_parse_result_t *res)
{
    volt_reject_t first_bad = VOLT_REJ_NONE;
    for (uint32_t i = 0; i < doc->n_items; i++) {
        volt_tick_t *t = &out[res->n_ticks];
        /* ticker_batch and market_trades: item kind from the array name */
        const uint8_t k = doc->item_kind[i] == VOLT_JITEM_TRADE ? VOLT_TICK_TRADE : VOLT_TICK_TICKER;
        volt_reject_t r = make_tick(p, &doc->items[i], k, VOLT_PROTO_ADVANCED, msg_ns, recv_ns, t);
        if (r) {
            if (!first_bad)
                first_bad = r;
            res->item_reject[res->n_items_rejected++] = (uint8_t)r;
            continue;
        }
        if (res->has_seq) {
            t->seq = res->seq;
            t->flags |= VOLT_TICK_HAS_SEQ;
        }
        if (doc->item_snapshot[i])
            t->flags |= VOLT_TICK_SNAPSHOT;
        res->n_ticks++;
    }
    /* Items beyond the per-message cap and non-object entries are dropped and counted. */
    for (uint32_t i = 0; i < doc->n_items_over + doc->n_bad_items; i++) {
        const volt_reject_t why = i < doc->n_items_over ? VOLT_REJ_TOO_LARGE : VOLT_REJ_WRONG_TYPE;
        if (res->n_items_rejected < VOLT_JSON_MAX_ITEMS)
            res->item_reject[res->n_items_rejected++] = (uint8_t)why;
        if (!first_bad)
            first_bad = why;
    }
    return first_bad;
}

/* One level entry: side "bid"/"offer" (or "ask"), a fixed-point price, a size >= 0. */
static volt_reject_t level_change(const volt_jl2_t *l, volt_level_change_t *c)
{
    if (SV_EQ(&l->side, "bid") || SV_EQ(&l->side, "buy"))
        c->side = VOLT_BOOK_SIDE_BID;
    else if (SV_EQ(&l->side, "offer") || SV_EQ(&l->side, "ask") || SV_EQ(&l->side, "sell"))
        c->side = VOLT_BOOK_SIDE_ASK;
    else
        return l->side.type == VOLT_JT_ABSENT ? VOLT_REJ_MISSING_FIELD : VOLT_REJ_BAD_VALUE;
    if (l->price.type != VOLT_JT_STRING || l->qty.type != VOLT_JT_STRING)
        return l->price.type == VOLT_JT_ABSENT || l->qty.type == VOLT_JT_ABSENT
                   ? VOLT_REJ_MISSING_FIELD
                   : VOLT_REJ_WRONG_TYPE;
    if (volt_parse_px(l->price.p, l->price.n, &c->px) || c->px <= 0)
        return VOLT_REJ_BAD_NUMBER;
    if (volt_decimal_parse(l->qty.p, l->qty.n, &c->qty) != VOLT_DEC_OK)
        return VOLT_REJ_BAD_NUMBER;
    return c->qty >= 0.0 ? VOLT_REJ_NONE : VOLT_REJ_BAD_VALUE;
}

/* An l2_data message's events and level changes into p->book; bad entries are dropped and
 * counted. An event naming no usable product rejects the message (its changes would go nowhere). */
static volt_reject_t book_changes(volt_parser_t *p, volt_jdoc_t *doc, const volt_jlevel_t *msg,
                                  int64_t msg_ns, int64_t recv_ns, volt_parse_result_t *res)
{
    volt_book_msg_t *b = &p->book;
    b->n_bad = doc->n_l2_bad + doc->n_l2_events_over;
    b->t_ns = msg_ns ? msg_ns : recv_ns;
    if (res->proto == VOLT_PROTO_EXCHANGE) { /* one product per message, named on the message */
        const volt_jval_t *tm = &msg->item.f[VOLT_JF_TIME];
        volt_reject_t r;
        if (tm->type != VOLT_JT_ABSENT && (r = get_iso_time(p, tm, &b->t_ns)))
            return r;
        doc->n_l2_events = 1;
        doc->l2_events[0] = (volt_jl2_event_t){.type = msg->item.f[VOLT_JF_TYPE],
                                               .product_id = msg->item.f[VOLT_JF_PRODUCT_ID],
                                               .first = 0,
                                               .n = doc->n_l2};
    }
    for (uint32_t e = 0; e < doc->n_l2_events; e++) {
        const volt_jl2_event_t *je = &doc->l2_events[e];
        volt_book_event_t *be = &b->ev[b->n_events];
        volt_reject_t r = product_of(p, &je->product_id, &be->product);
        if (r)
            return je->product_id.type == VOLT_JT_ABSENT ? VOLT_REJ_MISSING_FIELD : r;
        be->snapshot = SV_EQ(&je->type, "snapshot"); /* both protocols spell it so */
        be->first = b->n_changes;
        for (uint32_t i = je->first; i < je->first + je->n; i++) {
            r = level_change(&doc->l2[i], &p->changes[b->n_changes]);
            if (r) {
                b->n_bad++;
                if (res->n_items_rejected < VOLT_JSON_MAX_ITEMS)
                    res->item_reject[res->n_items_rejected++] = (uint8_t)r;
                continue;
            }
            b->n_changes++;
        }
        be->n = b->n_changes - be->first;
        b->n_events++;
    }
    return VOLT_REJ_NONE;
}

/* Advanced Trade lists an event's trades newest first (market_trades: its 100-trade snapshot and
 * any update of several): the ticks go out in time order, equal times as they came (an insertion
 * sort, one comparison per tick when they are in order already). */
static void in_time_order(volt_tick_t *t, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        const int64_t ti = volt_tick_time_ns(&t[i]);
        if (volt_tick_time_ns(&t[i - 1]) <= ti)
            continue;
        const volt_tick_t x = t[i];
        uint32_t j = i;
        while (j > 0 && volt_tick_time_ns(&t[j - 1]) > ti) {
            t[j] = t[j - 1];
            j--;
        }
        t[j] = x;
    }
}

static void clear_result(volt_parse_result_t *res)
{
    res->kind = VOLT_MSG_NONE;
    res->proto = 0;
    res->has_seq = 0;
    res->has_conn = 0;
    res->conn = 0;
    res->n_ticks = 0;
    res->n_items_rejected = 0;
    res->seq = 0;
    res->err_pos = 0;
    res->text = NULL;
    res->text_len = 0;
}

volt_reject_t volt_parse_message(volt_parser_t *p, const char *buf, size_t len, int64_t recv_ns,
                                 volt_tick_t *out, volt_parse_result_t *res)
{
    p->deferred = 0;
    p->book.n_events = p->book.n_changes = p->book.n_bad = 0;
    p->book.t_ns = 0;
    clear_result(res);
    if (len > p->max_frame)
        return finish(res, VOLT_REJ_TOO_LARGE);
    volt_jdoc_t *doc = &p->doc;
    volt_json_status_t js = volt_json_parse(p->outer, buf, len, doc, &res->err_pos);
    if (js != VOLT_JSON_OK)
        return finish(res, map_json(js));
    /* A recorder's own lines (header, connect, send, ...) carry no received message. */
    const volt_jval_t *rt = &doc->top.rec_t;
    if (rt->type != VOLT_JT_ABSENT && !SV_EQ(rt, "recv")) {
        res->kind = VOLT_MSG_RECORDER;
        return finish(res, VOLT_REJ_NONE);
    }
    /* Which object is the message, and does an envelope carry the receive time? */
    const volt_jlevel_t *msg = &doc->top;
    volt_reject_t r;
    if (doc->has_envelope_key && (r = unwrap_envelope(p, &doc, &msg, &recv_ns, res)))
        return finish(res, r);
    int64_t msg_ns = 0;
    uint8_t tick_kind = 0, proto = 0;
    const volt_jval_t *type = &msg->item.f[VOLT_JF_TYPE];
    if (msg->channel.type == VOLT_JT_STRING) {
        proto = VOLT_PROTO_ADVANCED;
        r = classify_advanced(p, msg, res, &msg_ns, &tick_kind);
    } else if (msg->channel.type != VOLT_JT_ABSENT) {
        r = VOLT_REJ_WRONG_TYPE;
    } else if (type->type == VOLT_JT_STRING) {
        proto = VOLT_PROTO_EXCHANGE;
        r = classify_exchange(msg, res, &tick_kind);
    } else {
        r = type->type == VOLT_JT_ABSENT ? VOLT_REJ_UNKNOWN_MESSAGE : VOLT_REJ_WRONG_TYPE;
    }
    if (r)
        return finish(res, r);
    res->proto = proto;
    if (res->kind == VOLT_MSG_BOOK)
        return finish(res, book_changes(p, doc, msg, msg_ns, recv_ns, res));
    if (!tick_kind)
        return finish(res, VOLT_REJ_NONE);
    /* Items: Advanced carries them in events[]; the Exchange feed is one item per message. */
    if (proto == VOLT_PROTO_EXCHANGE) {
        if ((r = make_tick(p, &msg->item, tick_kind, VOLT_PROTO_EXCHANGE, 0, recv_ns, &out[0])))
            return finish(res, r);
        res->n_ticks = 1;
        return finish(res, VOLT_REJ_NONE);
    }
    const volt_reject_t first_bad = advanced_items(p, doc, msg_ns, recv_ns, out, res);
    in_time_order(out, res->n_ticks);
    if (res->n_ticks == 0) {
        /* A message that yielded nothing: its outcome is its first item's problem. */
        res->n_items_rejected = 0;
        return finish(res, first_bad ? first_bad : VOLT_REJ_NO_ITEMS);
    }
    return finish(res, VOLT_REJ_NONE);
}

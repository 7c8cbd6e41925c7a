// engine/json_shim.cpp — the simdjson On-Demand walk behind engine/json.h (the only C++ unit).
//
// One pass over each object's fields, in whatever order they come; each key is matched by its
// raw bytes (Coinbase keys carry no escapes) and its value recorded as a slice. Values we do not
// ask for are skipped by On-Demand without being materialized. Errors are simdjson error codes,
// never exceptions.
#include <simdjson.h>

#include <cstddef>
#include <cstring>
#include <new>

#include "engine/feed/json.h"
#include "simd/clear.h"

using namespace simdjson;

static_assert(SIMDJSON_PADDING <= VOLT_JSON_PADDING, "VOLT_JSON_PADDING must cover simdjson's");

struct volt_json_parser {
    ondemand::parser parser;
    size_t max_len;
    volt_jl2_t *l2;    // room for every level change a document of max_len bytes can hold
    size_t l2_cap;
    ~volt_json_parser() { delete[] l2; }
};

namespace {

// A key is matched on its raw bytes plus the closing quote, straight from the input: the input is
// padded and a key is always followed by at least `":` and a value, so reading len+1 bytes is
// safe. Coinbase keys carry no escapes; an escaped key simply matches nothing and is skipped.
struct Key {
    const char *p;
    // Compile-time-sized compares: GCC turns these into one or two word loads, no memcmp call.
    template <size_t N> bool is(const char (&lit)[N]) const
    {
        return p[N - 1] == '"' && std::memcmp(p, lit, N - 1) == 0;
    }
};
#define IS(k, lit) (k).is(lit)

inline Key key_of(ondemand::field &f) { return Key{f.key().raw()}; }

// Scalars are taken as raw tokens: no unescaping, no copy. Every field we read is a decimal, a
// time, an id or a product name, none of which may contain a backslash, so the validators in
// parse.c reject an escaped value instead of simdjson (error texts keep their escapes). A token
// runs to the next structural character: it ends at its closing quote unless white space follows
// the value, which is trimmed on the slower path.
inline error_code record(ondemand::value v, volt_jval_t *out)
{
    std::string_view tok = v.raw_json_token();
    if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"') { // no white space after it
        out->p = tok.data() + 1;
        out->n = static_cast<uint32_t>(tok.size() - 2);
        out->type = VOLT_JT_STRING;
        return SUCCESS;
    }
    while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\r' ||
                            tok.back() == '\t'))
        tok.remove_suffix(1);
    if (tok.empty())
        return TAPE_ERROR;
    const char c = tok.front();
    if (c == '"') {
        if (tok.size() < 2 || tok.back() != '"')
            return STRING_ERROR;
        out->p = tok.data() + 1;
        out->n = static_cast<uint32_t>(tok.size() - 2);
        out->type = VOLT_JT_STRING;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        out->p = tok.data();
        out->n = static_cast<uint32_t>(tok.size());
        out->type = VOLT_JT_NUMBER;
    } else {
        out->p = nullptr;
        out->n = 0;
        out->type = VOLT_JT_OTHER;
    }
    return SUCCESS;
}

// Maps an item key to its field, or -1.
inline int item_field(const Key &k)
{
    switch (k.p[0]) {
    case 't':
        if (IS(k, "type")) return VOLT_JF_TYPE;
        if (IS(k, "time")) return VOLT_JF_TIME;
        if (IS(k, "trade_id")) return VOLT_JF_TRADE_ID;
        break;
    case 's':
        if (IS(k, "size")) return VOLT_JF_SIZE;
        if (IS(k, "side")) return VOLT_JF_SIDE;
        if (IS(k, "sequence")) return VOLT_JF_SEQUENCE;
        break;
    case 'p':
        if (IS(k, "price")) return VOLT_JF_PRICE;
        if (IS(k, "product_id")) return VOLT_JF_PRODUCT_ID;
        break;
    case 'l':
        if (IS(k, "low_24h") || IS(k, "low_24_h")) return VOLT_JF_LOW_24H;
        if (IS(k, "last_size")) return VOLT_JF_SIZE;
        break;
    case 'h':
        if (IS(k, "high_24h") || IS(k, "high_24_h")) return VOLT_JF_HIGH_24H;
        break;
    case 'v':
        if (IS(k, "volume_24h") || IS(k, "volume_24_h")) return VOLT_JF_VOLUME_24H;
        break;
    case 'b':
        if (IS(k, "best_bid")) return VOLT_JF_BEST_BID;
        if (IS(k, "best_ask")) return VOLT_JF_BEST_ASK;
        if (IS(k, "best_bid_quantity") || IS(k, "best_bid_size")) return VOLT_JF_BID_QTY;
        if (IS(k, "best_ask_quantity") || IS(k, "best_ask_size")) return VOLT_JF_ASK_QTY;
        break;
    default:
        break;
    }
    return -1;
}

// Cleared with plain 16-byte stores (simd/clear.h).
template <typename T> inline void clear_struct(T *x)
{
    static_assert(sizeof(T) % 16 == 0, "cleared in 16-byte stores");
    volt_clear16(x, sizeof(T));
}
inline void clear_item(volt_jitem_t *it) { clear_struct(it); }
inline void clear_level(volt_jlevel_t *lv) { clear_struct(lv); }

error_code walk_item(ondemand::object obj, volt_jitem_t *it)
{
    for (auto fres : obj) {
        ondemand::field f;
        error_code e = std::move(fres).get(f);
        if (e)
            return e;
        const int fi = item_field(key_of(f));
        if (fi >= 0) {
            e = record(f.value(), &it->f[fi]);
            if (e)
                return e;
        }
    }
    return SUCCESS;
}

// l2_data's "updates": [{"side", "event_time", "price_level", "new_quantity"}, ...] of event ev
__attribute__((noinline, cold)) error_code walk_l2(ondemand::array arr, volt_jdoc_t *doc,
                                                   uint32_t ev, size_t cap)
{
    for (auto itres : arr) {
        ondemand::value iv;
        error_code e = std::move(itres).get(iv);
        if (e)
            return e;
        ondemand::object io;
        if (iv.get_object().get(io) || doc->n_l2 >= cap) { // cap: every object takes > 32 bytes
            doc->n_l2_bad++;
            continue;
        }
        volt_jl2_t *l = &doc->l2[doc->n_l2];
        *l = volt_jl2_t{};
        l->event = ev;
        for (auto fres : io) {
            ondemand::field f;
            e = std::move(fres).get(f);
            if (e)
                return e;
            const Key k = key_of(f);
            if (IS(k, "side"))
                e = record(f.value(), &l->side);
            else if (IS(k, "price_level"))
                e = record(f.value(), &l->price);
            else if (IS(k, "new_quantity"))
                e = record(f.value(), &l->qty);
            if (e)
                return e;
        }
        doc->n_l2++;
    }
    return SUCCESS;
}

// The Exchange feed's level 2 on the message itself: "changes": [[side, price, size], ...]
// (l2update) or "bids"/"asks": [[price, size], ...] (snapshot). Each entry becomes a volt_jl2_t of
// event 0 (side from the entry, or "bid"/"offer" for the snapshot's two lists).
__attribute__((noinline, cold)) error_code walk_l2_rows(ondemand::array arr, volt_jdoc_t *doc,
                                                        const char *side, size_t cap)
{
    for (auto rres : arr) {
        ondemand::value rv;
        error_code e = std::move(rres).get(rv);
        if (e)
            return e;
        ondemand::array row;
        if (rv.get_array().get(row) || doc->n_l2 >= cap) {
            doc->n_l2_bad++;
            continue;
        }
        volt_jl2_t *l = &doc->l2[doc->n_l2];
        *l = volt_jl2_t{};
        if (side)
            l->side = volt_jval_t{side, static_cast<uint32_t>(std::strlen(side)), VOLT_JT_STRING};
        volt_jval_t *slot[3] = {side ? &l->price : &l->side, side ? &l->qty : &l->price,
                                side ? nullptr : &l->qty};
        int i = 0;
        for (auto cres : row) {
            ondemand::value cv;
            e = std::move(cres).get(cv);
            if (e)
                return e;
            if (i < 3 && slot[i]) {
                e = record(cv, slot[i]);
                if (e)
                    return e;
            }
            i++;
        }
        doc->n_l2++;
    }
    doc->n_l2_events = 1;
    doc->l2_events[0].first = 0;
    doc->l2_events[0].n = doc->n_l2;
    return SUCCESS;
}

// events: [{"type": "snapshot"|"update", "tickers": [...] | "trades": [...] | "updates": [...]}]
error_code walk_events(ondemand::array arr, volt_jdoc_t *doc, size_t l2_cap)
{
    for (auto evres : arr) {
        ondemand::value ev;
        error_code e = std::move(evres).get(ev);
        if (e)
            return e;
        ondemand::object evobj;
        if (ev.get_object().get(evobj)) {
            doc->n_bad_items++;
            continue;
        }
        const uint32_t first = doc->n_items, l2_first = doc->n_l2, evi = doc->n_l2_events;
        bool snapshot = false, has_l2 = false;
        volt_jval_t tv{}, pid{};
        for (auto fres : evobj) {
            ondemand::field f;
            e = std::move(fres).get(f);
            if (e)
                return e;
            const Key k = key_of(f);
            uint8_t kind = 0;
            if (IS(k, "tickers"))
                kind = VOLT_JITEM_TICKER;
            else if (IS(k, "trades"))
                kind = VOLT_JITEM_TRADE;
            else if (IS(k, "type")) {
                if (record(f.value(), &tv) == SUCCESS) // raw, like every value the shim reads
                    snapshot =
                        tv.type == VOLT_JT_STRING && std::string_view(tv.p, tv.n) == "snapshot";
                continue;
            } else if (IS(k, "product_id")) {
                e = record(f.value(), &pid);
                if (e)
                    return e;
                continue;
            } else if (IS(k, "updates")) {
                ondemand::array ups;
                has_l2 = true;
                if (evi >= VOLT_JSON_MAX_L2_EVENTS || f.value().get_array().get(ups)) {
                    doc->n_l2_bad++;
                    continue;
                }
                e = walk_l2(ups, doc, evi, l2_cap);
                if (e)
                    return e;
                continue;
            } else
                continue;
            ondemand::array items;
            if (f.value().get_array().get(items)) {
                doc->n_bad_items++;
                continue;
            }
            for (auto itres : items) {
                ondemand::value iv;
                e = std::move(itres).get(iv);
                if (e)
                    return e;
                ondemand::object io;
                if (iv.get_object().get(io)) {
                    doc->n_bad_items++;
                    continue;
                }
                if (doc->n_items >= VOLT_JSON_MAX_ITEMS) {
                    doc->n_items_over++;
                    continue; // skipped unread; On-Demand skips it
                }
                volt_jitem_t *it = &doc->items[doc->n_items];
                clear_item(it);
                e = walk_item(io, it);
                if (e)
                    return e;
                doc->item_kind[doc->n_items] = kind;
                doc->n_items++;
            }
        }
        for (uint32_t i = first; i < doc->n_items; i++)
            doc->item_snapshot[i] = snapshot;
        if (has_l2 && evi >= VOLT_JSON_MAX_L2_EVENTS) {
            doc->n_l2_events_over++;
        } else if (has_l2) {
            doc->l2_events[evi] = volt_jl2_event_t{tv, pid, l2_first, doc->n_l2 - l2_first};
            doc->n_l2_events++;
        }
    }
    return SUCCESS;
}

// The keys of an object level (message or envelope) that are not item fields, by first character:
// one switch and a compare or two instead of a chain of a dozen.
enum LevelKey {
    LK_NONE, LK_CHANNEL, LK_TIMESTAMP, LK_SEQUENCE_NUM, LK_MESSAGE, LK_INGEST_TIME, LK_TS, LK_RECV_NS,
    LK_CONN, LK_EVENTS, LK_T, LK_ENVELOPE, LK_CHANGES, LK_BIDS, LK_ASKS
};

inline LevelKey level_key(const Key &k)
{
    switch (k.p[0]) {
    case 'c':
        if (IS(k, "channel")) return LK_CHANNEL;
        if (IS(k, "conn")) return LK_CONN;
        if (IS(k, "changes")) return LK_CHANGES;
        break;
    case 't':
        if (IS(k, "timestamp")) return LK_TIMESTAMP;
        if (IS(k, "ts")) return LK_TS;
        if (IS(k, "t")) return LK_T;
        break;
    case 's': if (IS(k, "sequence_num")) return LK_SEQUENCE_NUM; break;
    case 'm': if (IS(k, "message")) return LK_MESSAGE; break;
    case 'i': if (IS(k, "ingest_time")) return LK_INGEST_TIME; break;
    case 'r':
        if (IS(k, "recv_ns")) return LK_RECV_NS;
        if (IS(k, "raw")) return LK_ENVELOPE;
        break;
    case 'e': if (IS(k, "events")) return LK_EVENTS; break;
    case 'p': if (IS(k, "payload")) return LK_ENVELOPE; break;
    case 'd': if (IS(k, "data")) return LK_ENVELOPE; break;
    case 'b': if (IS(k, "bids")) return LK_BIDS; break;
    case 'a': if (IS(k, "asks")) return LK_ASKS; break;
    default: break;
    }
    return LK_NONE;
}

error_code walk_level(ondemand::object obj, volt_jlevel_t *lv, volt_jdoc_t *doc, int depth,
                      size_t l2_cap);

// An envelope's message (top level only): an object walked as the inner level, or a JSON string
// holding a serialized message (unescaped into the parser's buffer, parsed by the caller).
error_code walk_envelope(ondemand::value v, volt_jdoc_t *doc, int depth, size_t l2_cap)
{
    doc->has_envelope_key = 1;
    ondemand::json_type t;
    error_code e = v.type().get(t);
    if (e)
        return e;
    if (t == ondemand::json_type::object) {
        ondemand::object inner;
        e = v.get_object().get(inner);
        if (e)
            return e;
        if (!doc->has_inner) // cleared only when a message has an inner level
            clear_level(&doc->inner);
        doc->has_inner = 1;
        return walk_level(inner, &doc->inner, doc, depth + 1, l2_cap);
    }
    if (t == ondemand::json_type::string) {
        std::string_view sv;
        e = v.get_string().get(sv);
        if (e)
            return e;
        doc->raw_string = volt_jval_t{sv.data(), static_cast<uint32_t>(sv.size()), VOLT_JT_STRING};
        return SUCCESS;
    }
    doc->raw_string.type = VOLT_JT_OTHER;
    return SUCCESS;
}

error_code walk_level(ondemand::object obj, volt_jlevel_t *lv, volt_jdoc_t *doc, int depth,
                      size_t l2_cap)
{
    for (auto fres : obj) {
        ondemand::field f;
        error_code e = std::move(fres).get(f);
        if (e)
            return e;
        const Key k = key_of(f);
        const int fi = item_field(k);
        if (fi >= 0) {
            e = record(f.value(), &lv->item.f[fi]);
            if (e)
                return e;
            continue;
        }
        const LevelKey lk = level_key(k);
        switch (lk) {
        case LK_CHANNEL: e = record(f.value(), &lv->channel); break;
        case LK_TIMESTAMP: e = record(f.value(), &lv->timestamp); break;
        case LK_SEQUENCE_NUM: e = record(f.value(), &lv->sequence_num); break;
        case LK_MESSAGE: e = record(f.value(), &lv->message); break;
        case LK_INGEST_TIME: e = record(f.value(), &lv->ingest_time); break;
        case LK_TS: e = record(f.value(), &lv->ts); break;
        case LK_RECV_NS: e = record(f.value(), &lv->recv_ns); break;
        case LK_CONN: e = record(f.value(), &lv->conn); break;
        case LK_EVENTS: {
            ondemand::array arr;
            if (f.value().get_array().get(arr)) {
                lv->events.type = VOLT_JT_OTHER;
                continue;
            }
            lv->events.type = VOLT_JT_STRING; // "present as an array"
            e = walk_events(arr, doc, l2_cap);
            break;
        }
        case LK_T:
            if (depth == 0)
                e = record(f.value(), &lv->rec_t);
            break;
        case LK_ENVELOPE:
            if (depth == 0)
                e = walk_envelope(f.value(), doc, depth, l2_cap);
            break;
        case LK_CHANGES:
        case LK_BIDS:
        case LK_ASKS: { // the Exchange feed's level 2
            ondemand::array rows;
            if (f.value().get_array().get(rows)) {
                doc->n_l2_bad++;
                continue;
            }
            e = walk_l2_rows(rows, doc, lk == LK_CHANGES ? nullptr : lk == LK_BIDS ? "bid" : "offer",
                             l2_cap);
            break;
        }
        case LK_NONE: break;
        }
        if (e)
            return e;
    }
    return SUCCESS;
}

} // namespace

extern "C" volt_json_parser_t *volt_json_parser_new(size_t max_len)
{
    volt_json_parser *p = new (std::nothrow) volt_json_parser();
    if (!p)
        return nullptr;
    if (p->parser.allocate(max_len) != SUCCESS) {
        delete p;
        return nullptr;
    }
    p->max_len = max_len;
    p->l2_cap = max_len / 32 + 1;
    p->l2 = new (std::nothrow) volt_jl2_t[p->l2_cap];
    if (!p->l2) {
        delete p;
        return nullptr;
    }
    return p;
}

extern "C" void volt_json_parser_free(volt_json_parser_t *p) { delete p; }

extern "C" volt_json_status_t volt_json_parse(volt_json_parser_t *p, const char *buf, size_t len,
                                              volt_jdoc_t *doc, size_t *err_pos)
{
    clear_level(&doc->top); // doc->inner: when an envelope holds an object (walk_level)
    doc->has_inner = 0;
    doc->has_envelope_key = 0;
    doc->raw_string = volt_jval_t{nullptr, 0, VOLT_JT_ABSENT};
    doc->n_items = doc->n_items_over = doc->n_bad_items = 0;
    doc->n_l2_events = doc->n_l2_events_over = doc->n_l2 = doc->n_l2_bad = 0;
    doc->l2 = p->l2;
    *err_pos = len;

    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i == len)
        return VOLT_JSON_EMPTY;
    if (len > p->max_len)
        return VOLT_JSON_TOO_LARGE;
    if (buf[i] != '{') {
        *err_pos = i;
        return VOLT_JSON_NOT_OBJECT;
    }

    ondemand::document d;
    error_code e = p->parser.iterate(buf, len, len + SIMDJSON_PADDING).get(d);
    if (e)
        return e == MEMALLOC ? VOLT_JSON_NOMEM : VOLT_JSON_MALFORMED;
    ondemand::object top;
    e = d.get_object().get(top);
    if (!e)
        e = walk_level(top, &doc->top, doc, 0, p->l2_cap);
    const char *rest = nullptr;
    if (!e && !d.current_location().get(rest)) /* still in bounds: bytes after the object */
        e = TRAILING_CONTENT;
    if (e) {
        const char *loc = nullptr;
        if (!d.current_location().get(loc) && loc >= buf && loc <= buf + len)
            *err_pos = static_cast<size_t>(loc - buf);
        return e == DEPTH_ERROR ? VOLT_JSON_TOO_DEEP : VOLT_JSON_MALFORMED;
    }
    return VOLT_JSON_OK;
}

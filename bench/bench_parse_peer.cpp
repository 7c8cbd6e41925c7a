// bench/bench_parse_peer.cpp — the peer for the parse benches: bare simdjson On-Demand extracting
// the same fields from the same real Advanced Trade ticker message, written the way simdjson's
// documentation suggests (find_field in document order, get_double_in_string for the decimals).
// Its ns/message against parse/advanced_ticker is the cost of volt's shim + normalization as a
// ratio (issue 7: parse <= 1.25x bare simdjson).
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "gbench.h"

using namespace simdjson;

namespace {

struct Extracted {
    std::string_view channel, timestamp, product;
    uint64_t seq;
    double price, vol, low, high, bid, ask, bidq, askq;
};

std::string load(const char *name)
{
    char path[1024];
    std::snprintf(path, sizeof path, "%s/parse/%s", VOLT_FIXTURES, name);
    std::FILE *f = std::fopen(path, "rb");
    if (!f)
        return {};
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        s.append(buf, n);
    std::fclose(f);
    return s;
}

bool extract(ondemand::parser &p, const padded_string &json, Extracted &x)
{
    ondemand::document d;
    if (p.iterate(json).get(d))
        return false;
    ondemand::object o;
    if (d.get_object().get(o))
        return false;
    if (o["channel"].get_string().get(x.channel) || o["timestamp"].get_string().get(x.timestamp) ||
        o["sequence_num"].get_uint64().get(x.seq))
        return false;
    ondemand::array events;
    if (o["events"].get_array().get(events))
        return false;
    for (auto ev : events) {
        ondemand::array tickers;
        if (ev["tickers"].get_array().get(tickers))
            return false;
        for (auto t : tickers) {
            ondemand::object to;
            if (t.get_object().get(to))
                return false;
            if (to["product_id"].get_string().get(x.product) ||
                to["price"].get_double_in_string().get(x.price) ||
                to["volume_24_h"].get_double_in_string().get(x.vol) ||
                to["low_24_h"].get_double_in_string().get(x.low) ||
                to["high_24_h"].get_double_in_string().get(x.high) ||
                to["best_bid"].get_double_in_string().get(x.bid) ||
                to["best_ask"].get_double_in_string().get(x.ask) ||
                to["best_bid_quantity"].get_double_in_string().get(x.bidq) ||
                to["best_ask_quantity"].get_double_in_string().get(x.askq))
                return false;
        }
    }
    return true;
}

void bm_bare_simdjson_advanced_ticker(volt_bench_state_t *st)
{
    const std::string raw = load("y_advanced_ticker.json");
    padded_string json(raw);
    ondemand::parser p;
    Extracted x{};
    if (!extract(p, json, x) || x.price != 67468.26) {
        volt_bench_skip(st, "the peer failed to extract the fixture's fields");
        return;
    }
    int64_t n = 0;
    while (volt_bench_next(st, 256)) {
        for (int i = 0; i < 256; i++) {
            volt_bench_keep(json.data());
            extract(p, json, x);
            volt_bench_keep(&x);
        }
        n += 256;
    }
    volt_bench_set_items(st, n);
}

struct PeerRun {
    explicit PeerRun(const std::string &raw) : json(raw) {}
    padded_string json;
    ondemand::parser parser;
    Extracted x{};
};

} // namespace

// The peer as a plain C call, for bench_parse.c's paired bench (blocks of volt's parse and of the
// peer alternated in one loop).
extern "C" void *volt_peer_parse_new(const char *fixture)
{
    const std::string raw = load(fixture);
    if (raw.empty())
        return nullptr;
    PeerRun *r = new (std::nothrow) PeerRun(raw);
    if (r && (!extract(r->parser, r->json, r->x) || r->x.price <= 0.0)) {
        delete r;
        return nullptr;
    }
    return r;
}

extern "C" int volt_peer_parse_run(void *ctx, int n)
{
    PeerRun *r = static_cast<PeerRun *>(ctx);
    int ok = 0;
    for (int i = 0; i < n; i++) {
        volt_bench_keep(r->json.data());
        ok += extract(r->parser, r->json, r->x);
        volt_bench_keep(&r->x);
    }
    return ok;
}

extern "C" void volt_peer_parse_free(void *ctx) { delete static_cast<PeerRun *>(ctx); }

extern "C" void volt_bench_register_parse_peer(void)
{
    volt_bench_register("parse/peer_bare_simdjson_advanced_ticker", bm_bare_simdjson_advanced_ticker,
                        nullptr, 0, 0);
}

#include "codec.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/recording.h"
#include "engine/rows/rowfmt.h"
#include "engine/feed/timefmt.h"

int vx_feed_open_synthetic(vx_feed_t *f, const volt_synth_cfg_t *cfg)
{
    memset(f, 0, sizeof *f);
    f->synthetic = 1;
    volt_synth_init(&f->synth, cfg);
    volt_products_init(&f->products);
    f->parser = volt_parser_new(1 << 16, &f->products);
    return f->parser ? 0 : -ENOMEM;
}

int vx_feed_open_files(vx_feed_t *f, const char *const *files, int n)
{
    memset(f, 0, sizeof *f);
    f->files = files;
    f->n_files = n;
    f->file_i = -1;
    volt_products_init(&f->products);
    f->parser = volt_parser_new(1 << 20, &f->products);
    for (int i = 0; i < n; i++) {
        FILE *t = volt_recording_fopen(files[i]);
        if (!t)
            return -errno;
        fclose(t);
    }
    return f->parser ? 0 : -ENOMEM;
}

void vx_feed_close(vx_feed_t *f)
{
    if (f->f)
        fclose(f->f);
    free(f->line);
    volt_parser_free(f->parser);
}

/* Parses one message into f->ticks. */
static void load(vx_feed_t *f, const char *msg, size_t n)
{
    char *buf = malloc(n + VOLT_JSON_PADDING);
    if (!buf)
        return;
    memcpy(buf, msg, n);
    memset(buf + n, 0, VOLT_JSON_PADDING);
    volt_parse_result_t res;
    f->n_ticks = f->next_tick = 0;
    if (volt_parse_message(f->parser, buf, n, 0, f->ticks, &res) == VOLT_REJ_NONE)
        f->n_ticks = res.n_ticks;
    free(buf);
}

int vx_feed_next(vx_feed_t *f, volt_tick_t *t, const char **product)
{
    while (f->next_tick >= f->n_ticks) {
        if (f->synthetic) {
            char msg[2048];
            int64_t ns;
            const size_t n = volt_synth_next(&f->synth, msg, sizeof msg, &ns);
            load(f, msg, n);
            continue;
        }
        if (!f->f) {
            if (++f->file_i >= f->n_files)
                return 0;
            f->f = volt_recording_fopen(f->files[f->file_i]);
            if (!f->f)
                return 0;
        }
        const ssize_t got = getline(&f->line, &f->line_cap, f->f);
        if (got < 0) {
            fclose(f->f);
            f->f = NULL;
            continue;
        }
        load(f, f->line, (size_t)got);
    }
    *t = f->ticks[f->next_tick++];
    *product = volt_products_name(&f->products, t->product);
    return 1;
}

/* A decimal field: "name":"value" (value exact), or nothing when NaN. */
static size_t dec(char *o, size_t cap, const char *name, double v, int comma)
{
    if (isnan(v))
        return 0;
    char num[40];
    volt_fmt_double(v, num);
    int n = snprintf(o, cap, "%s\"%s\":\"%s\"", comma ? "," : "", name, num);
    return n < 0 ? 0 : (size_t)n;
}

size_t vx_encode_tick(vx_proto_t p, const volt_tick_t *t, const char *product, int64_t ts_ns,
                      uint64_t seq, char *buf, size_t cap)
{
    char ts[31];
    volt_time_format_iso(ts_ns, ts);
    size_t n = 0;
#define ADD(...) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__)
#define DEC(name, v) n += dec(buf + n, n < cap ? cap - n : 0, name, v, 1)
    if (t->kind == VOLT_TICK_TRADE) {
        /* a match: Advanced reports the maker's side (the taker's opposite), Exchange the taker's */
        const int buy = t->side == VOLT_SIDE_BUY;
        if (p == VX_PROTO_ADVANCED) {
            ADD("{\"channel\":\"market_trades\",\"client_id\":\"\",\"timestamp\":\"%s\","
                "\"sequence_num\":%llu,\"events\":[{\"type\":\"update\",\"trades\":[{"
                "\"trade_id\":\"%llu\",\"product_id\":\"%s\"",
                ts, (unsigned long long)seq, (unsigned long long)seq, product);
            DEC("price", t->price);
            DEC("size", t->size);
            if (t->side)
                ADD(",\"side\":\"%s\"", buy ? "SELL" : "BUY");
            ADD(",\"time\":\"%s\"}]}]}", ts);
        } else {
            ADD("{\"type\":\"match\",\"trade_id\":%llu,\"sequence\":%llu,\"product_id\":\"%s\"",
                (unsigned long long)seq, (unsigned long long)seq, product);
            DEC("price", t->price);
            DEC("size", t->size);
            if (t->side)
                ADD(",\"side\":\"%s\"", buy ? "sell" : "buy"); /* match: the maker's side */
            ADD(",\"time\":\"%s\"}", ts);
        }
        return n < cap ? n : cap - 1;
    }
    if (p == VX_PROTO_ADVANCED) {
        ADD("{\"channel\":\"ticker\",\"client_id\":\"\",\"timestamp\":\"%s\",\"sequence_num\":%llu,"
            "\"events\":[{\"type\":\"update\",\"tickers\":[{\"type\":\"ticker\",\"product_id\":\"%s\"",
            ts, (unsigned long long)seq, product);
        DEC("price", t->price);
        DEC("volume_24_h", t->volume_24h);
        DEC("low_24_h", t->low_24h);
        DEC("high_24_h", t->high_24h);
        DEC("best_bid", t->best_bid);
        DEC("best_ask", t->best_ask);
        DEC("best_bid_quantity", t->bid_qty);
        DEC("best_ask_quantity", t->ask_qty);
        ADD("}]}]}");
    } else {
        ADD("{\"type\":\"ticker\",\"sequence\":%llu,\"product_id\":\"%s\"", (unsigned long long)seq,
            product);
        DEC("price", t->price);
        DEC("volume_24h", t->volume_24h);
        DEC("low_24h", t->low_24h);
        DEC("high_24h", t->high_24h);
        DEC("best_bid", t->best_bid);
        DEC("best_bid_size", t->bid_qty);
        DEC("best_ask", t->best_ask);
        DEC("best_ask_size", t->ask_qty);
        if (t->side)
            ADD(",\"side\":\"%s\"", t->side == VOLT_SIDE_BUY ? "buy" : "sell");
        ADD(",\"time\":\"%s\"", ts);
        DEC("last_size", t->size);
        ADD("}");
    }
    return n < cap ? n : cap - 1;
}

size_t vx_encode_l2(const char *product, int snapshot, const vx_level_t *lv, int n, int64_t ts_ns,
                    uint64_t seq, char *buf, size_t cap)
{
    char ts[31];
    volt_time_format_iso(ts_ns, ts);
    size_t k = 0;
#define ADD2(...) k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, __VA_ARGS__)
    ADD2("{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"%s\",\"sequence_num\":%llu,"
         "\"events\":[{\"type\":\"%s\",\"product_id\":\"%s\",\"updates\":[",
         ts, (unsigned long long)seq, snapshot ? "snapshot" : "update", product);
    for (int i = 0; i < n; i++) {
        char q[40];
        volt_fmt_double(lv[i].qty, q);
        ADD2("%s{\"side\":\"%s\",\"event_time\":\"%s\",\"price_level\":\"%lld.%02lld\","
             "\"new_quantity\":\"%s\"}",
             i ? "," : "", lv[i].ask ? "offer" : "bid", ts, (long long)(lv[i].cents / 100),
             (long long)(lv[i].cents % 100), lv[i].qty > 0 ? q : "0");
    }
    ADD2("]}]}");
#undef ADD2
    return k < cap ? k : cap - 1;
}

size_t vx_encode_subscriptions(vx_proto_t p, const char *const *products, int np, int64_t ts_ns,
                               uint64_t seq, char *buf, size_t cap)
{
    char ts[31];
    volt_time_format_iso(ts_ns, ts);
    size_t n = 0;
    char list[1024];
    size_t ln = 0;
    for (int i = 0; i < np; i++)
        ln += (size_t)snprintf(list + ln, sizeof list - ln, "%s\"%s\"", i ? "," : "", products[i]);
    if (p == VX_PROTO_ADVANCED)
        ADD("{\"channel\":\"subscriptions\",\"client_id\":\"\",\"timestamp\":\"%s\","
            "\"sequence_num\":%llu,\"events\":[{\"subscriptions\":{\"ticker\":[%s],"
            "\"heartbeats\":[\"heartbeats\"]}}]}",
            ts, (unsigned long long)seq, list);
    else
        ADD("{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"ticker\",\"product_ids\":[%s]},"
            "{\"name\":\"heartbeat\",\"product_ids\":[%s]}]}",
            list, list);
    return n < cap ? n : cap - 1;
}

size_t vx_encode_heartbeat(vx_proto_t p, const char *product, int64_t ts_ns, uint64_t seq,
                           uint64_t counter, char *buf, size_t cap)
{
    char ts[31];
    volt_time_format_iso(ts_ns, ts);
    size_t n = 0;
    if (p == VX_PROTO_ADVANCED)
        ADD("{\"channel\":\"heartbeats\",\"client_id\":\"\",\"timestamp\":\"%s\",\"sequence_num\":%llu,"
            "\"events\":[{\"current_time\":\"%s\",\"heartbeat_counter\":%llu}]}",
            ts, (unsigned long long)seq, ts, (unsigned long long)counter);
    else
        ADD("{\"type\":\"heartbeat\",\"last_trade_id\":%llu,\"product_id\":\"%s\",\"sequence\":%llu,"
            "\"time\":\"%s\"}",
            (unsigned long long)counter, product, (unsigned long long)seq, ts);
    return n < cap ? n : cap - 1;
#undef ADD
#undef DEC
}

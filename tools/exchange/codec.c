#include "codec.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/recording.h"
#include "engine/rows/rowfmt.h"
#include "engine/feed/timefmt.h"

#define VX_SYNTH_MSG (512u << 10) /* a synthetic message, its level-2 snapshots included */
#define VX_FILE_MSG (64u << 20)   /* a recorded message: level-2 snapshots run to megabytes */

int vx_feed_open_synthetic(vx_feed_t *f, const volt_synth_cfg_t *cfg)
{
    memset(f, 0, sizeof *f);
    f->synthetic = 1;
    if (volt_synth_init(&f->synth, cfg))
        return -ENOMEM;
    volt_products_init(&f->products);
    f->parser = volt_parser_new(VX_SYNTH_MSG, &f->products);
    f->msg = malloc(VX_SYNTH_MSG);
    return f->parser && f->msg ? 0 : -ENOMEM;
}

int vx_feed_open_files(vx_feed_t *f, const char *const *files, int n)
{
    memset(f, 0, sizeof *f);
    f->files = files;
    f->n_files = n;
    f->file_i = -1;
    volt_products_init(&f->products);
    f->parser = volt_parser_new(VX_FILE_MSG, &f->products);
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
    free(f->msg);
    volt_synth_free(&f->synth);
    volt_parser_free(f->parser);
}

/* Parses one message into f->ticks, or its level-2 events into f->bm. */
static void load(vx_feed_t *f, const char *msg, size_t n)
{
    char *buf = malloc(n + VOLT_JSON_PADDING);
    if (!buf)
        return;
    memcpy(buf, msg, n);
    memset(buf + n, 0, VOLT_JSON_PADDING);
    volt_parse_result_t res;
    f->n_ticks = f->next_tick = 0;
    f->bm = NULL;
    f->next_event = 0;
    if (volt_parse_message(f->parser, buf, n, 0, f->ticks, &res) == VOLT_REJ_NONE) {
        f->n_ticks = res.n_ticks;
        if (res.kind == VOLT_MSG_BOOK)
            f->bm = volt_parser_book(f->parser); /* the parser's own arrays: kept until the next */
    }
    free(buf);
}

static int have_item(const vx_feed_t *f)
{
    return f->next_tick < f->n_ticks || (f->bm && f->next_event < f->bm->n_events);
}

static void take_item(vx_feed_t *f, vx_item_t *it, const char **product)
{
    if (f->next_tick < f->n_ticks) {
        it->book = 0;
        it->tick = f->ticks[f->next_tick++];
        f->last_ns = volt_tick_time_ns(&it->tick);
        *product = volt_products_name(&f->products, it->tick.product);
        return;
    }
    const volt_book_event_t *ev = &f->bm->ev[f->next_event++];
    it->book = 1;
    it->product = ev->product;
    it->snapshot = ev->snapshot;
    it->ch = f->bm->changes + ev->first;
    it->n = ev->n;
    it->t_ns = f->bm->t_ns ? f->bm->t_ns : f->last_ns;
    if (it->t_ns < f->last_ns)
        it->t_ns = f->last_ns; /* in order, whatever the message says */
    f->last_ns = it->t_ns;
    *product = volt_products_name(&f->products, ev->product);
}

int vx_feed_next(vx_feed_t *f, vx_item_t *it, const char **product)
{
    while (!have_item(f)) {
        if (f->synthetic) {
            int64_t ns;
            const size_t n = volt_synth_next(&f->synth, f->msg, VX_SYNTH_MSG, &ns);
            load(f, f->msg, n);
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
    take_item(f, it, product);
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

/* A fixed-point price as the feed writes it: the integer part, then the fraction without its
 * trailing zeros (at least two digits, as Coinbase prints prices). */
static int fmt_px(char *o, int64_t px)
{
    const int64_t ip = px / VOLT_PX_SCALE, fp = px % VOLT_PX_SCALE;
    char frac[24];
    snprintf(frac, sizeof frac, "%08lld", (long long)fp);
    int len = 8;
    while (len > 2 && frac[len - 1] == '0')
        len--;
    return sprintf(o, "%lld.%.*s", (long long)ip, len, frac);
}

size_t vx_encode_l2(const char *product, int snapshot, const volt_level_change_t *ch, uint32_t n,
                    int64_t ts_ns, uint64_t seq, char *buf, size_t cap)
{
    char ts[31];
    volt_time_format_iso(ts_ns, ts);
    size_t k = 0;
#define ADD2(...) k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, __VA_ARGS__)
    ADD2("{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"%s\",\"sequence_num\":%llu,"
         "\"events\":[{\"type\":\"%s\",\"product_id\":\"%s\",\"updates\":[",
         ts, (unsigned long long)seq, snapshot ? "snapshot" : "update", product);
    for (uint32_t i = 0; i < n; i++) {
        char q[40], px[32];
        volt_fmt_double(ch[i].qty, q);
        fmt_px(px, ch[i].px);
        ADD2("%s{\"side\":\"%s\",\"event_time\":\"%s\",\"price_level\":\"%s\",\"new_quantity\":\"%s\"}",
             i ? "," : "", ch[i].side == VOLT_BOOK_SIDE_ASK ? "offer" : "bid", ts, px,
             ch[i].qty > 0 ? q : "0");
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

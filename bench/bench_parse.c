/* Parse benches: ns per message through the full parser (shim + normalization) on real ticker
 * messages, and the shim's extraction alone (what normalization costs on top). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ab_util.h"
#include "bench.h"
#include "engine/base/clock.h"
#include "engine/feed/parse.h"

volt_bench_msg_t volt_bench_load_message(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/parse/%s", VOLT_FIXTURES, name);
    volt_bench_msg_t m = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return m;
    fseek(f, 0, SEEK_END);
    m.len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    m.buf = calloc(m.len + 64, 1);
    if (fread(m.buf, 1, m.len, f) != m.len)
        m.len = 0;
    fclose(f);
    return m;
}

/* A parser over a fresh product table, and count parses of one message through it. */
typedef struct {
    volt_products_t products;
    volt_parser_t *p;
    volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
} parse_ctx_t;

static parse_ctx_t *parse_ctx(void)
{
    static parse_ctx_t c;
    volt_products_init(&c.products);
    c.p = volt_parser_new(1u << 20, &c.products);
    return &c;
}

static void parse_n(parse_ctx_t *c, const volt_bench_msg_t *m, int count)
{
    for (int i = 0; i < count; i++) {
        volt_bench_keep(m->buf);
        volt_parse_message(c->p, m->buf, m->len, 0, c->ticks, &c->res);
        volt_bench_slowdown();
        volt_bench_keep(c->ticks);
    }
}

static void run_parse(volt_bench_state_t *st, const char *fixture)
{
    volt_bench_msg_t m = volt_bench_load_message(fixture);
    if (!m.len) {
        volt_bench_skip(st, "fixture missing");
        return;
    }
    parse_ctx_t *c = parse_ctx();
    int64_t n = 0;
    while (volt_bench_next(st, 256)) {
        parse_n(c, &m, 256);
        n += 256;
    }
    volt_bench_set_items(st, n);
    volt_bench_set_bytes(st, n * (int64_t)m.len);
    volt_parser_free(c->p);
    free(m.buf);
}

static void bm_parse_advanced_ticker(volt_bench_state_t *st) { run_parse(st, "y_advanced_ticker.json"); }
static void bm_parse_exchange_ticker(volt_bench_state_t *st) { run_parse(st, "y_exchange_ticker.json"); }
static void bm_parse_seed_journal(volt_bench_state_t *st) { run_parse(st, "y_envelope_seed_journal.json"); }
static void bm_parse_exchange_envelope(volt_bench_state_t *st) { run_parse(st, "y_envelope_raw_string.json"); }

/* The shim alone: simdjson On-Demand walk, no decimal/time parsing, no validation. */
static void bm_json_shim_only(volt_bench_state_t *st)
{
    volt_bench_msg_t m = volt_bench_load_message("y_advanced_ticker.json");
    volt_json_parser_t *p = volt_json_parser_new(1u << 20);
    static volt_jdoc_t doc;
    size_t pos;
    int64_t n = 0;
    while (volt_bench_next(st, 256)) {
        for (int i = 0; i < 256; i++) {
            volt_bench_keep(m.buf);
            volt_json_parse(p, m.buf, m.len, &doc, &pos);
            volt_bench_keep(&doc);
        }
        n += 256;
    }
    volt_bench_set_items(st, n);
    volt_json_parser_free(p);
    free(m.buf);
}

/* The peer (bench_parse_peer.cpp) as C calls. */
void *volt_peer_parse_new(const char *fixture);
int volt_peer_parse_run(void *ctx, int n);
void volt_peer_parse_free(void *ctx);

/* volt's parse and the bare-simdjson peer side by side in one loop: each iteration times a block
 * of PAIR_BLOCK messages through each (which goes first alternates), so both see the same
 * machine at nearly the same moment; the counters are the medians over the pairs of volt's and
 * the peer's ns/message and of their ratio. On a shared machine whose speed drifts by 2x from one
 * second to the next, this ratio holds where two benchmarks run one after the other do not. */
enum { PAIR_BLOCK = 64, PAIR_MAX = 1 << 16 };

static void bm_parse_paired(volt_bench_state_t *st)
{
    volt_bench_msg_t m = volt_bench_load_message("y_advanced_ticker.json");
    void *peer = volt_peer_parse_new("y_advanced_ticker.json");
    static double a[PAIR_MAX], b[PAIR_MAX], r[PAIR_MAX];
    if (!m.len || !peer) {
        volt_bench_skip(st, "fixture missing or the peer failed to extract it");
        free(m.buf);
        volt_peer_parse_free(peer);
        return;
    }
    parse_ctx_t *c = parse_ctx();
    size_t n = 0;
    while (volt_bench_next(st, 1)) {
        double ta = 0, tb = 0;
        for (int side = 0; side < 2; side++) {
            const int volt_side = (side == 0) == (n % 2 == 0);
            const int64_t t0 = volt_clock_ns();
            if (volt_side) {
                parse_n(c, &m, PAIR_BLOCK);
                ta = (double)(volt_clock_ns() - t0);
            } else {
                volt_peer_parse_run(peer, PAIR_BLOCK);
                tb = (double)(volt_clock_ns() - t0);
            }
        }
        if (n < PAIR_MAX) {
            a[n] = ta / PAIR_BLOCK;
            b[n] = tb / PAIR_BLOCK;
            r[n] = ta / tb;
            n++;
        }
    }
    if (n) {
        volt_bench_counter(st, "volt_ns", volt_ab_median(a, n), 0);
        volt_bench_counter(st, "peer_ns", volt_ab_median(b, n), 0);
        volt_bench_counter(st, "ratio", volt_ab_median(r, n), 0);
        volt_bench_counter(st, "pairs", (double)n, 0);
    }
    volt_parser_free(c->p);
    volt_peer_parse_free(peer);
    free(m.buf);
}

void volt_bench_register_parse(void)
{
    volt_bench_register("parse/paired_vs_peer_advanced_ticker", bm_parse_paired, NULL, 0, 0);
    volt_bench_register("parse/advanced_ticker", bm_parse_advanced_ticker, NULL, 0, 0);
    volt_bench_register("parse/exchange_ticker", bm_parse_exchange_ticker, NULL, 0, 0);
    volt_bench_register("parse/seed_journal_envelope", bm_parse_seed_journal, NULL, 0, 0);
    volt_bench_register("parse/exchange_in_string_envelope", bm_parse_exchange_envelope, NULL, 0, 0);
    volt_bench_register("parse/json_shim_only_advanced_ticker", bm_json_shim_only, NULL, 0, 0);
}

/* Parse benches: ns per message through the full parser (shim + normalization) on real ticker
 * messages, and the shim's extraction alone (what normalization costs on top). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine/parse.h"

typedef struct {
    char *buf;
    size_t len;
} msg_t;

static msg_t load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/parse/%s", VOLT_FIXTURES, name);
    msg_t m = {0};
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

static void run_parse(volt_bench_state_t *st, const char *fixture)
{
    msg_t m = load(fixture);
    if (!m.len) {
        volt_bench_skip(st, "fixture missing");
        return;
    }
    static volt_products_t products;
    volt_products_init(&products);
    volt_parser_t *p = volt_parser_new(1u << 20, &products);
    static volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
    int64_t n = 0;
    while (volt_bench_next(st, 256)) {
        for (int i = 0; i < 256; i++) {
            volt_bench_keep(m.buf);
            volt_parse_message(p, m.buf, m.len, 0, ticks, &res);
            volt_bench_slowdown();
            volt_bench_keep(ticks);
        }
        n += 256;
    }
    volt_bench_set_items(st, n);
    volt_bench_set_bytes(st, n * (int64_t)m.len);
    volt_parser_free(p);
    free(m.buf);
}

static void bm_parse_advanced_ticker(volt_bench_state_t *st) { run_parse(st, "y_advanced_ticker.json"); }
static void bm_parse_exchange_ticker(volt_bench_state_t *st) { run_parse(st, "y_exchange_ticker.json"); }
static void bm_parse_seed_journal(volt_bench_state_t *st) { run_parse(st, "y_envelope_seed_journal.json"); }
static void bm_parse_exchange_envelope(volt_bench_state_t *st) { run_parse(st, "y_envelope_raw_string.json"); }

/* The shim alone: simdjson On-Demand walk, no decimal/time parsing, no validation. */
static void bm_json_shim_only(volt_bench_state_t *st)
{
    msg_t m = load("y_advanced_ticker.json");
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

void volt_bench_register_parse(void)
{
    volt_bench_register("parse/advanced_ticker", bm_parse_advanced_ticker, NULL, 0, 0);
    volt_bench_register("parse/exchange_ticker", bm_parse_exchange_ticker, NULL, 0, 0);
    volt_bench_register("parse/seed_journal_envelope", bm_parse_seed_journal, NULL, 0, 0);
    volt_bench_register("parse/exchange_in_string_envelope", bm_parse_exchange_envelope, NULL, 0, 0);
    volt_bench_register("parse/json_shim_only_advanced_ticker", bm_json_shim_only, NULL, 0, 0);
}

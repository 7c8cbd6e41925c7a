/* bench/tick_fixture.h — the ticks the feature benches feed (bench/bench_features.c) and
 * bench/ab-features' driver (bench/ab_features.c) pairs: one definition, so both measure the same
 * work. A synthetic market at a chosen rate (one tick in four a trade with size and taker side),
 * a recording parsed into ticks once (VOLT_BENCH_RECORDING), and the pass-after-pass feed. */
#ifndef VOLT_BENCH_TICK_FIXTURE_H
#define VOLT_BENCH_TICK_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "engine/feed/parse.h"

/* n ticks of one product, per_s a second on average (gaps uniform in [0.5, 1.5] / per_s), the price
 * moving by up to a dollar on one tick in four */
static inline void volt_bench_make_ticks(volt_tick_t *ticks, int n, double per_s)
{
    uint64_t x = 88172645463325252ull;
    double p = 89500.0;
    int64_t ns = 1764547200LL * 1000000000LL;
    const int64_t step = (int64_t)(1e9 / per_s);
    for (int i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ns += step / 2 + (int64_t)(x % (uint64_t)step);
        if ((x >> 20) % 4 == 0)
            p += ((double)((x >> 30) % 201) - 100.0) * 0.01;
        volt_tick_t *t = &ticks[i];
        memset(t, 0, sizeof *t);
        t->exch_ns = ns;
        t->flags = VOLT_TICK_EXCH_TIME;
        t->kind = VOLT_TICK_TICKER;
        t->price = p;
        t->best_bid = p - 0.01;
        t->best_ask = p;
        t->volume_24h = 5000.0 + i * 1e-3;
        t->size = t->bid_qty = t->ask_qty = t->low_24h = t->high_24h = NAN;
        if ((x >> 40) % 4 == 0) {
            t->kind = VOLT_TICK_TRADE;
            t->size = (double)((x >> 44) % 1000) * 1e-4 + 1e-4;
            t->side = (x >> 55) & 1 ? VOLT_SIDE_BUY : VOLT_SIDE_SELL;
            t->best_bid = t->best_ask = t->volume_24h = NAN;
        }
    }
}

/* The ticks of an NDJSON recording, in order, each stamped with its event time as exch_ns (one
 * clock for the passes' time shift). *out is malloc'd; returns the count, 0 when nothing was read
 * (no file, no ticks, out of memory before the first). */
static inline size_t volt_bench_load_recording(const char *path, volt_tick_t **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static volt_products_t products;
    volt_products_init(&products);
    volt_parser_t *p = volt_parser_new(1u << 20, &products);
    size_t cap = 1u << 16, n = 0;
    volt_tick_t *ticks = malloc(cap * sizeof *ticks);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    volt_tick_t got[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
    int ok = ticks != NULL && p != NULL;
    while (ok && (len = getline(&line, &lcap, f)) > 0) {
        if (volt_parse_message(p, line, (size_t)len, 0, got, &res) != VOLT_REJ_NONE)
            continue;
        for (uint32_t i = 0; ok && i < res.n_ticks; i++) {
            if (n == cap) {
                volt_tick_t *g = realloc(ticks, 2 * cap * sizeof *ticks);
                if (!(ok = g != NULL))
                    break; /* out of memory: keep what was read */
                ticks = g;
                cap *= 2;
            }
            got[i].exch_ns = volt_tick_time_ns(&got[i]);
            got[i].flags |= VOLT_TICK_EXCH_TIME;
            ticks[n++] = got[i];
        }
    }
    free(line);
    fclose(f);
    volt_parser_free(p);
    if (n == 0) {
        free(ticks);
        return 0;
    }
    *out = ticks;
    return n;
}

/* A workload: ticks fed pass after pass, each pass shifted forward by the array's span plus a
 * pause, so event time never goes backwards. The engine reads each tick where it lies, as the
 * pipeline's hot agent reads the one its parser wrote: the array's event times move forward in
 * place between passes (an add per tick, once a pass) where each tick used to be copied out and
 * shifted inside the timed loop (a 104-byte copy per tick that the engine's real path never
 * makes). The array is the feed's to modify. */
typedef struct volt_bench_feed {
    volt_tick_t *tk;
    size_t n, i;
    int64_t span;
} volt_bench_feed_t;

static inline void volt_bench_feed_init(volt_bench_feed_t *q, volt_tick_t *tk, size_t n,
                                        int64_t pause_ns)
{
    *q = (volt_bench_feed_t){tk, n, 0, tk[n - 1].exch_ns - tk[0].exch_ns + pause_ns};
}

static inline const volt_tick_t *volt_bench_feed_next(volt_bench_feed_t *q)
{
    if (q->i == q->n) { /* the pass is over (its last tick consumed): the next one starts later */
        for (size_t k = 0; k < q->n; k++)
            q->tk[k].exch_ns += q->span;
        q->i = 0;
    }
    return &q->tk[q->i++];
}

#endif

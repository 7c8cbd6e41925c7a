/* Feature and model benches: ns per tick for the whole feature set (v0 + v1: every column of a
 * row), at the recordings' rate (about 4 ticks/s: nearly every tick closes a second) and at 1000
 * ticks/s, once with the SIMD kernels the CPU offers and once with the scalar references; and the
 * sliding-window kernels alone, per ISA. One tick in four is a trade (size and taker side). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tick_fixture.h"
#include "engine/features/features.h"
#include "engine/model/model.h"
#include "engine/feed/parse.h"
#include "simd/cpu.h"
#include "simd/slide.h"

#define NT (1 << 16)
static volt_tick_t ticks[NT];

static void make_ticks(double per_s) { volt_bench_make_ticks(ticks, NT, per_s); }

/* Feeds tk[0..n) through a fresh feature engine, pass after pass (bench/tick_fixture.h). */
static void feed_ticks(volt_bench_state_t *st, volt_tick_t *tk, size_t n_ticks,
                       int64_t pause_ns)
{
    volt_feat_cfg_t cfg;
    volt_feat_cfg_default(&cfg);
    volt_features_t *f = volt_features_new(&cfg);
    volt_feat_out_t out;
    volt_bench_feed_t q;
    volt_bench_feed_init(&q, tk, n_ticks, pause_ns);
    int64_t n = 0;
    while (volt_bench_next(st, 256)) {
        for (int k = 0; k < 256; k++) {
            volt_features_update(f, volt_bench_feed_next(&q), &out);
            volt_bench_keep(&out);
        }
        n += 256;
    }
    volt_bench_set_items(st, n);
    volt_features_free(f);
}

static void features_update(volt_bench_state_t *st)
{
    const double per_s = (double)volt_bench_arg(st);
    make_ticks(per_s);
    feed_ticks(st, ticks, NT, 1000000000LL);
}

static void bm_features_update(volt_bench_state_t *st)
{
    volt_simd_init();
    features_update(st);
}

static void bm_features_update_scalar(volt_bench_state_t *st)
{
    volt_simd_force(VOLT_ISA_SCALAR);
    features_update(st);
    volt_simd_init();
}

/* The whole feature set over a recording (VOLT_BENCH_RECORDING, NDJSON): the messages are parsed
 * into ticks once, outside the timing; the bench then feeds them through the features in order,
 * pass after pass (each pass shifted forward in time), so ns per tick is measured on the same
 * data as the pandas peer (bench/peers/pandas_features.py, docs/bench.md). */
static volt_tick_t *rec_ticks;
static size_t rec_n;

static void bm_features_recording(volt_bench_state_t *st)
{
    const char *path = getenv("VOLT_BENCH_RECORDING");
    if (!path || !*path) {
        volt_bench_skip(st, "set VOLT_BENCH_RECORDING to an NDJSON recording");
        return;
    }
    if (!rec_ticks && (rec_n = volt_bench_load_recording(path, &rec_ticks)) == 0) {
        volt_bench_skip(st, "VOLT_BENCH_RECORDING: no ticks read");
        return;
    }
    feed_ticks(st, rec_ticks, rec_n, 3600000000000LL); /* an hour's pause: a new segment */
    volt_bench_counter(st, "recording_ticks", (double)rec_n, 0);
}

static void slide_kernel(volt_bench_state_t *st, volt_isa_t isa)
{
    volt_simd_force(isa);
    volt_slide8_t w = {0};
    double add[VOLT_SLIDE_LANES], sub[VOLT_SLIDE_LANES], out[VOLT_SLIDE_LANES], rt[VOLT_SLIDE_LANES];
    for (int i = 0; i < VOLT_SLIDE_LANES; i++) {
        add[i] = 1e-8 * (i + 1);
        sub[i] = 0.5e-8 * (i + 1);
    }
    int64_t n = 0;
    while (volt_bench_next(st, 256)) {
        for (int k = 0; k < 256; k++) {
            volt_bench_keep(add);
            volt_slide_update(&w, add, sub);
            volt_slide_read(&w, add, out, rt);
            volt_bench_keep(out);
            volt_bench_keep(rt);
        }
        n += 256;
    }
    volt_bench_set_items(st, n);
    volt_simd_init();
}
/* The tick's read: five lanes sharing the open second's squared return, which changes per call. */
static void rt_shared_kernel(volt_bench_state_t *st, volt_isa_t isa)
{
    volt_simd_force(isa);
    volt_slide8_t w = {0};
    for (int i = 0; i < VOLT_SLIDE_LANES; i++)
        w.s[i] = 1e-8 * (i + 1);
    double x = 1e-9, rt[VOLT_SLIDE_LANES];
    int n = 5;
    int64_t k = 0;
    while (volt_bench_next(st, 256)) {
        for (int j = 0; j < 256; j++) {
            volt_bench_keep(&n);
            volt_slide_rt_shared(&w, x, n, rt);
            volt_bench_keep(rt);
            x = rt[0] * 1e-3;
        }
        k += 256;
    }
    volt_bench_set_items(st, k);
    volt_simd_init();
}
/* The same read inline (volt_slide_rt5, SSE2), as the feature engine's per-tick path calls it. */
static void bm_rt5_inline(volt_bench_state_t *st)
{
    volt_slide8_t w = {0};
    for (int i = 0; i < VOLT_SLIDE_LANES; i++)
        w.s[i] = 1e-8 * (i + 1);
    double x = 1e-9, rt[VOLT_SLIDE_LANES];
    int64_t k = 0;
    while (volt_bench_next(st, 256)) {
        for (int j = 0; j < 256; j++) {
            volt_bench_keep(&w);
            volt_slide_rt5(&w, x, rt);
            volt_bench_keep(rt);
            x = rt[0] * 1e-3;
        }
        k += 256;
    }
    volt_bench_set_items(st, k);
}
static void bm_rt_shared_scalar(volt_bench_state_t *st) { rt_shared_kernel(st, VOLT_ISA_SCALAR); }
static void bm_rt_shared_avx2(volt_bench_state_t *st) { rt_shared_kernel(st, VOLT_ISA_AVX2); }
static void bm_slide_scalar(volt_bench_state_t *st) { slide_kernel(st, VOLT_ISA_SCALAR); }
static void bm_slide_sse2(volt_bench_state_t *st) { slide_kernel(st, VOLT_ISA_SSE2); }
static void bm_slide_avx2(volt_bench_state_t *st) { slide_kernel(st, VOLT_ISA_AVX2); }

static void bm_model_zscore(volt_bench_state_t *st)
{
    volt_model_t m;
    volt_model_open(&m, "zscore");
    double f[VOLT_NF] = {0};
    double s, p;
    int64_t n = 0;
    while (volt_bench_next(st, 256)) {
        for (int k = 0; k < 256; k++) {
            f[VOLT_F_VOL_ZSCORE] = (double)(k - 128) * 0.03;
            volt_bench_keep(f);
            volt_model_score(&m, f, &s, &p);
            volt_bench_keep(&p);
        }
        n += 256;
    }
    volt_bench_set_items(st, n);
    volt_model_close(&m);
}

void volt_bench_register_features(void)
{
    static const int64_t rates[] = {4, 1000};
    volt_bench_register("features/update_all_ticks_per_s", bm_features_update, rates, 2, 0);
    volt_bench_register("features/update_all_scalar_ticks_per_s", bm_features_update_scalar, rates,
                        2, 0);
    volt_bench_register("features/update_all_recording", bm_features_recording, NULL, 0, 0);
    volt_bench_register("simd/slide8_update_read/scalar", bm_slide_scalar, NULL, 0, 0);
    volt_bench_register("simd/slide8_update_read/sse2", bm_slide_sse2, NULL, 0, 0);
    volt_bench_register("simd/slide8_update_read/avx2", bm_slide_avx2, NULL, 0, 0);
    volt_bench_register("simd/slide_rt_shared5/scalar", bm_rt_shared_scalar, NULL, 0, 0);
    volt_bench_register("simd/slide_rt_shared5/avx2", bm_rt_shared_avx2, NULL, 0, 0);
    volt_bench_register("simd/slide_rt5/inline_sse2", bm_rt5_inline, NULL, 0, 0);
    volt_bench_register("model/zscore_score", bm_model_zscore, NULL, 0, 0);
}

/* bench/ab_features.c — the driver of bench/ab-features: two builds of the feature engine (A and
 * B, from two git revisions, every global symbol of their objects renamed A_* and B_* after
 * compiling) are fed the same ticks in blocks of 1024 alternated A, B, A, B... so that the
 * machine's drift hits both alike; prints the median and the 10th percentile of the per-block ns
 * per tick and B/A (the median of the pairs' ratios), for the synthetic market at 4 ticks/s (the recordings' rate: nearly every tick
 * closes a second), at 1000 ticks/s, and for the recording named by VOLT_BENCH_RECORDING when set
 * (the ticks of bench/tick_fixture.h, as volt-bench's features/ benches). Before timing, every
 * row of one pass over each workload is compared: the count of rows whose outputs differ and the
 * largest relative difference (NaN against a number counts as a differing row). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/ab_util.h"
#include "bench/tick_fixture.h"
#include "engine/features/features.h"
#include "simd/cpu.h"

void A_volt_feat_cfg_default(volt_feat_cfg_t *c);
volt_features_t *A_volt_features_new(const volt_feat_cfg_t *cfg);
void A_volt_features_free(volt_features_t *f);
volt_feat_status_t A_volt_features_update(volt_features_t *f, const volt_tick_t *t, volt_feat_out_t *o);
void B_volt_feat_cfg_default(volt_feat_cfg_t *c);
volt_features_t *B_volt_features_new(const volt_feat_cfg_t *cfg);
void B_volt_features_free(volt_features_t *f);
volt_feat_status_t B_volt_features_update(volt_features_t *f, const volt_tick_t *t, volt_feat_out_t *o);

typedef struct arm {
    volt_features_t *(*make)(const volt_feat_cfg_t *);
    void (*cfg)(volt_feat_cfg_t *);
    void (*drop)(volt_features_t *);
    volt_feat_status_t (*update)(volt_features_t *, const volt_tick_t *, volt_feat_out_t *);
} arm_t;

static const arm_t k_arm[2] = {
    {A_volt_features_new, A_volt_feat_cfg_default, A_volt_features_free, A_volt_features_update},
    {B_volt_features_new, B_volt_feat_cfg_default, B_volt_features_free, B_volt_features_update},
};

enum { BLOCK = 1024, NT = 1 << 16 };

static double block(const arm_t *a, volt_features_t *f, volt_bench_feed_t *q)
{
    volt_feat_out_t out;
    const double t0 = volt_ab_now_ns();
    for (int k = 0; k < BLOCK; k++) {
        a->update(f, volt_bench_feed_next(q), &out);
        __asm__ volatile("" : : "m"(out));
    }
    return (volt_ab_now_ns() - t0) / BLOCK;
}

static void *alloc_or_die(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "ab-features: out of memory\n");
        exit(1);
    }
    return p;
}

/* Both engines, fresh, each fed from its own copy of the ticks (on one copy, the second arm of a
 * pair would find the block's ticks in cache, loaded by the first). */
typedef struct arms {
    volt_features_t *f[2];
    volt_bench_feed_t q[2];
    volt_tick_t *own[2];
} arms_t;

static void arms_open(arms_t *x, const volt_tick_t *tk, size_t n, int64_t pause_ns)
{
    for (int k = 0; k < 2; k++) {
        volt_feat_cfg_t c;
        k_arm[k].cfg(&c);
        if (!(x->f[k] = k_arm[k].make(&c))) {
            fprintf(stderr, "ab-features: an engine did not start\n");
            exit(1);
        }
        x->own[k] = alloc_or_die(n * sizeof *tk);
        memcpy(x->own[k], tk, n * sizeof *tk);
        volt_bench_feed_init(&x->q[k], x->own[k], n, pause_ns);
    }
}

static void arms_close(arms_t *x)
{
    for (int k = 0; k < 2; k++) {
        k_arm[k].drop(x->f[k]);
        free(x->own[k]);
    }
}

/* Rows of one pass through both builds: how many differ, and the largest relative difference. */
static void compare(const volt_tick_t *tk, size_t n, int64_t pause_ns)
{
    arms_t x;
    arms_open(&x, tk, n, pause_ns);
    size_t differ = 0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        volt_feat_out_t o[2];
        for (int k = 0; k < 2; k++) {
            memset(&o[k], 0, sizeof o[k]);
            k_arm[k].update(x.f[k], volt_bench_feed_next(&x.q[k]), &o[k]);
        }
        int row_differs = 0;
        for (int j = 0; j < VOLT_NF; j++) {
            const double a = o[0].f[j], b = o[1].f[j];
            if (isnan(a) || isnan(b)) {
                row_differs |= isnan(a) != isnan(b);
                continue;
            }
            if (a != b) {
                row_differs = 1;
                const double d = fabs(a - b) / fmax(fabs(a), fabs(b));
                worst = d > worst ? d : worst;
            }
        }
        differ += (size_t)row_differs;
    }
    printf("  rows differing: %zu of %zu, largest relative difference %.3g\n", differ, n, worst);
    arms_close(&x);
}

static void run(const char *what, const volt_tick_t *tk, size_t n, int64_t pause_ns, int blocks)
{
    printf("%s (%zu ticks a pass)\n", what, n);
    compare(tk, n, pause_ns);
    arms_t x;
    arms_open(&x, tk, n, pause_ns);
    double *t[2] = {alloc_or_die(blocks * sizeof(double)), alloc_or_die(blocks * sizeof(double))};
    double *r = alloc_or_die(blocks * sizeof(double));
    for (int b = 0; b < blocks; b++)
        for (int j = 0; j < 2; j++) { /* A B, then B A: neither arm always runs first */
            const int k = j ^ (b & 1);
            t[k][b] = block(&k_arm[k], x.f[k], &x.q[k]);
        }
    /* B/A: the median of each pair's ratio (the two blocks of a pair ran back to back, so drift
     * slower than a block cancels in it) */
    for (int b = 0; b < blocks; b++)
        r[b] = t[1][b] / t[0][b];
    qsort(r, (size_t)blocks, sizeof(double), volt_ab_cmp);
    for (int k = 0; k < 2; k++)
        qsort(t[k], (size_t)blocks, sizeof(double), volt_ab_cmp);
    volt_ab_row("  ns per tick", t[0], t[1], (size_t)blocks, r[blocks / 2]);
    free(r);
    free(t[0]);
    free(t[1]);
    arms_close(&x);
}

int main(void)
{
    volt_simd_init();
    const char *b = getenv("VOLT_AB_BLOCKS");
    const int blocks = b && atoi(b) > 0 ? atoi(b) : 2000;
    static volt_tick_t syn[NT];
    printf("%d blocks of %d ticks per arm, alternated; columns: A median, B median, A p10, B p10, "
           "B/A (median of the pairs' ratios)\n", blocks, BLOCK);
    volt_bench_make_ticks(syn, NT, 4.0);
    run("synthetic, 4 ticks/s", syn, NT, 1000000000LL, blocks);
    volt_bench_make_ticks(syn, NT, 1000.0);
    run("synthetic, 1000 ticks/s", syn, NT, 1000000000LL, blocks);
    const char *path = getenv("VOLT_BENCH_RECORDING");
    if (path && *path) {
        volt_tick_t *rec;
        const size_t n = volt_bench_load_recording(path, &rec);
        if (n == 0) {
            fprintf(stderr, "ab-features: VOLT_BENCH_RECORDING=%s: no ticks read\n", path);
            return 1;
        }
        run(path, rec, n, 3600000000000LL, blocks);
        free(rec);
    }
    return 0;
}

/* Model benches: ns per prediction for the logistic scorer (all 31 features, log transforms,
 * imputation, scaling) and the tree-ensemble scorer (100 complete trees of depth 6 over 31 inputs,
 * the reference size), on 1024 varied rows with 5% missing inputs. A model file named by
 * VOLT_BENCH_MODEL (e.g. one exported by volt-lab) is benched too, as model/file_score. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "model_fixture.h"
#include "engine/model/model.h"

#define ROWS VOLT_BENCH_MODEL_ROWS

static double g_rows[ROWS][VOLT_NF];

static int open_text(volt_model_t *m, char *text, size_t len)
{
    FILE *in = fmemopen(text, len, "r");
    if (!in)
        return -1;
    int rc = volt_model_read(m, in, "bench model");
    fclose(in);
    return rc;
}

static int make_logistic(volt_model_t *m)
{
    static char t[16384];
    volt_bench_logistic_text(t, sizeof t, 0);
    return open_text(m, t, strlen(t));
}

static int make_gbt(volt_model_t *m, int trees, int depth)
{
    const size_t cap = (size_t)trees * ((size_t)2 << depth) * 48 + 4096;
    char *t = malloc(cap);
    if (!t)
        return -1;
    uint64_t s = 11;
    size_t o = (size_t)snprintf(t, cap, "volt-model 1\nkind gbt\nversion bench\nthreshold 0.5\n"
                                        "base_margin -1\ncalibration 1 0\nfeatures %d\n", VOLT_NF);
    for (int i = 0; i < VOLT_NF; i++)
        o += (size_t)snprintf(t + o, cap - o, "feature %s\n", volt_feature_table[i].name);
    o += (size_t)snprintf(t + o, cap - o, "trees %d\n", trees);
    const int ni = (1 << depth) - 1, nn = (2 << depth) - 1;
    for (int k = 0; k < trees; k++) {
        o += (size_t)snprintf(t + o, cap - o, "tree %d\n", nn);
        for (int i = 0; i < nn; i++)
            if (i < ni)
                o += (size_t)snprintf(t + o, cap - o, "node %d %d %d %d %.6f %d\n", i, 2 * i + 1,
                                      2 * i + 2, (int)(volt_bench_rng(&s) % VOLT_NF),
                                      volt_bench_unif(&s) * 2.0 - 0.5,
                                      (int)(volt_bench_rng(&s) & 1));
            else
                o += (size_t)snprintf(t + o, cap - o, "leaf %d %.6f\n", i,
                                      volt_bench_unif(&s) * 0.2 - 0.1);
    }
    o += (size_t)snprintf(t + o, cap - o, "end\n");
    int rc = open_text(m, t, o);
    free(t);
    return rc;
}

static void run(volt_bench_state_t *st, volt_model_t *m)
{
    double s, p;
    int64_t n = 0;
    while (volt_bench_next(st, ROWS)) {
        for (int r = 0; r < ROWS; r++) {
            volt_model_score(m, g_rows[r], &s, &p);
            volt_bench_keep(&p);
        }
        n += ROWS;
    }
    volt_bench_set_items(st, n);
}

/* Latency: each prediction feeds the next row's first input (x + (p - p) is x for a finite p and
 * costs one subtraction and one addition), so no two predictions overlap in the core: the time a
 * single tick waits for its score, where `run` measures back-to-back independent rows. */
static void run_chained(volt_bench_state_t *st, volt_model_t *m)
{
    static double row[VOLT_NF];
    double s, p = 0.5;
    int64_t n = 0;
    while (volt_bench_next(st, ROWS)) {
        for (int r = 0; r < ROWS; r++) {
            memcpy(row, g_rows[r], sizeof row);
            row[0] += p - p;
            volt_model_score(m, row, &s, &p);
        }
        n += ROWS;
    }
    volt_bench_keep(&p);
    volt_bench_set_items(st, n);
}

static void logistic(volt_bench_state_t *st, void (*loop)(volt_bench_state_t *, volt_model_t *))
{
    volt_model_t m;
    volt_bench_model_rows(g_rows);
    if (make_logistic(&m)) {
        volt_bench_skip(st, "logistic model did not load");
        return;
    }
    loop(st, &m);
    volt_model_close(&m);
}

static void bm_logistic(volt_bench_state_t *st) { logistic(st, run); }
static void bm_logistic_latency(volt_bench_state_t *st) { logistic(st, run_chained); }

static void bm_gbt(volt_bench_state_t *st)
{
    volt_model_t m;
    volt_bench_model_rows(g_rows);
    if (make_gbt(&m, (int)volt_bench_arg(st), 6)) {
        volt_bench_skip(st, "tree model did not load");
        return;
    }
    run(st, &m);
    volt_model_close(&m);
}

static void bm_file(volt_bench_state_t *st)
{
    volt_model_t m;
    volt_bench_model_rows(g_rows);
    const char *path = getenv("VOLT_BENCH_MODEL");
    if (!path || volt_model_open(&m, path)) {
        volt_bench_skip(st, "set VOLT_BENCH_MODEL to a model file exported by volt-lab");
        return;
    }
    run(st, &m);
    volt_model_close(&m);
}

void volt_bench_register_model(void)
{
    static const int64_t trees[] = {100};
    volt_bench_register("model/logistic31_score", bm_logistic, NULL, 0, 0);
    volt_bench_register("model/logistic31_latency", bm_logistic_latency, NULL, 0, 0);
    volt_bench_register("model/gbt_depth6_trees", bm_gbt, trees, 1, 0);
    if (getenv("VOLT_BENCH_MODEL"))
        volt_bench_register("model/file_score", bm_file, NULL, 0, 0);
}

/* bench/model_fixture.h — the rows and the logistic model the model benches score
 * (bench/bench_model.c) and bench/ab-model's driver (bench/ab_model.c) pairs: one definition, so
 * both measure the same work. */
#ifndef VOLT_BENCH_MODEL_FIXTURE_H
#define VOLT_BENCH_MODEL_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/features/features.h"

#define VOLT_BENCH_MODEL_ROWS 1024

static inline uint64_t volt_bench_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline double volt_bench_unif(uint64_t *s)
{
    return (double)(volt_bench_rng(s) >> 11) / 9007199254740992.0;
}

/* 1024 varied rows, 5% of the inputs missing (NaN) */
static inline void volt_bench_model_rows(double rows[VOLT_BENCH_MODEL_ROWS][VOLT_NF])
{
    uint64_t s = 42;
    for (int r = 0; r < VOLT_BENCH_MODEL_ROWS; r++)
        for (int i = 0; i < VOLT_NF; i++)
            rows[r][i] = volt_bench_unif(&s) < 0.05 ? NAN : volt_bench_unif(&s) * 2.0 - 0.5;
}

/* The logistic31 model file: all 31 features, every third one log-transformed (none when nolog);
 * returns snprintf's length. */
static inline int volt_bench_logistic_text(char *t, size_t cap, int nolog)
{
    uint64_t s = 7;
    int o = snprintf(t, cap, "volt-model 1\nkind logistic\nversion bench\nthreshold 0.5\n"
                             "intercept -1\nfeatures %d\n", VOLT_NF);
    for (int i = 0; i < VOLT_NF && (size_t)o < cap; i++)
        o += snprintf(t + o, cap - (size_t)o, "feature %s %s 1e-8 0.1 0.2 1.5 %.6f\n",
                      volt_feature_table[i].name, !nolog && i % 3 == 0 ? "log" : "id",
                      volt_bench_unif(&s) - 0.5);
    if ((size_t)o < cap)
        o += snprintf(t + o, cap - (size_t)o, "end\n");
    return o;
}

#endif

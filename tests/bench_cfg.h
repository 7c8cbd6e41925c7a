/* tests/bench_cfg.h — the bench pipeline's settings for the tests of the sink on the bench
 * source's thread (tests/engine/test_bench_source.c under Criterion, tests/tsan/threads_driver.c
 * under TSan): messages in memory, no human stream, the hot agent yielding, a sink thread (when
 * not shared) parking, a small row ring so that the hot agent waits on the sink often. */
#ifndef VOLT_TESTS_BENCH_CFG_H
#define VOLT_TESTS_BENCH_CFG_H

#include "engine/pipeline.h"

static inline void tb_bench_cfg(volt_pipeline_cfg_t *cfg, volt_bench_msgs_t *bm, char *const *msg,
                                const uint32_t *len, uint64_t n, double rate, int shared,
                                const char *out, uint32_t row_slots)
{
    volt_pipeline_cfg_default(cfg);
    cfg->human = NULL;
    cfg->idle = "yield";
    cfg->sink_idle = "park";
    bm->sink_on_source = shared;
    bm->msg = (const char *const *)msg;
    bm->len = len;
    bm->n = n;
    bm->rate = rate;
    cfg->out_path = out;
    cfg->row_ring_slots = row_slots;
}

#endif

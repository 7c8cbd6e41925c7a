/* bench/bench.h — registration hooks of each bench file. */
#ifndef VOLT_BENCH_BENCH_H
#define VOLT_BENCH_BENCH_H

#include "gbench.h"

/* The regression gate's own test (tests/bench/test_gate.sh) builds volt-bench-slow: the same
 * benches compiled with VOLT_BENCH_SLOWDOWN_OPS=N, which makes the parse benches spend N dependent
 * multiply-adds more per message (about N * 1.2 ns here): a known, deliberate regression that
 * bench/compare must flag. In volt-bench the hook compiles to nothing. */
static inline void volt_bench_slowdown(void)
{
#ifdef VOLT_BENCH_SLOWDOWN_OPS
    uint64_t x = 1;
    for (int i = 0; i < VOLT_BENCH_SLOWDOWN_OPS; i++) {
        x = x * UINT64_C(6364136223846793005) + 1;
        __asm__ __volatile__("" : "+r"(x));
    }
#endif
}


void volt_bench_register_parse(void);
void volt_bench_register_ring(void);
void volt_bench_register_features(void);
void volt_bench_register_model(void);
void volt_bench_register_model_peer(void);
void volt_bench_register_parse_peer(void);
void volt_bench_register_journal(void);

#endif

/* bench/bench.h — registration hooks of each bench file. */
#ifndef VOLT_BENCH_BENCH_H
#define VOLT_BENCH_BENCH_H

#include <stddef.h>

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


/* A message fixture (tests/fixtures/parse/NAME) read whole into a zeroed buffer with 64 bytes to
 * spare (the parser's padding); len 0 when it cannot be read. The caller frees buf. */
typedef struct {
    char *buf;
    size_t len;
} volt_bench_msg_t;
volt_bench_msg_t volt_bench_load_message(const char *name);

void volt_bench_register_parse(void);
void volt_bench_register_ring(void);
void volt_bench_register_features(void);
void volt_bench_register_model(void);
void volt_bench_register_model_peer(void);
void volt_bench_register_parse_peer(void);
void volt_bench_register_journal(void);
void volt_bench_register_book(void);

#endif

/* bench/bench.h — registration hooks of each bench file. */
#ifndef VOLT_BENCH_BENCH_H
#define VOLT_BENCH_BENCH_H

#include "gbench.h"



void volt_bench_register_parse(void);
void volt_bench_register_ring(void);
void volt_bench_register_features(void);
void volt_bench_register_model(void);
void volt_bench_register_model_peer(void);
void volt_bench_register_parse_peer(void);

#endif

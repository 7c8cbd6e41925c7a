/* bench/gbench.h — Google Benchmark from C (the C++ side is bench/gbench_shim.cpp).
 *
 * A bench is a C function that loops while volt_bench_next(st, n) grants it batches of n
 * iterations (batching keeps the shim's call out of the measured cost). Arguments registered
 * with a bench arrive as volt_bench_arg(st). Results print as usual and, with
 * --benchmark_out=FILE --benchmark_out_format=json, as JSON. */
#ifndef VOLT_BENCH_GBENCH_H
#define VOLT_BENCH_GBENCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct volt_bench_state volt_bench_state_t;
typedef void (*volt_bench_fn)(volt_bench_state_t *st);

/* Registers fn under name, once per argument in args[0..n_args) (none: n_args = 0).
 * manual_time: the bench reports its own time with volt_bench_set_iteration_time. */
void volt_bench_register(const char *name, volt_bench_fn fn, const int64_t *args, int n_args,
                         int manual_time);

/* Grants the next batch of n iterations; returns 0 when the bench should stop. */
int volt_bench_next(volt_bench_state_t *st, uint64_t n);
int64_t volt_bench_arg(volt_bench_state_t *st);
void volt_bench_pause(volt_bench_state_t *st);
void volt_bench_resume(volt_bench_state_t *st);
void volt_bench_set_items(volt_bench_state_t *st, int64_t items);
void volt_bench_set_bytes(volt_bench_state_t *st, int64_t bytes);
void volt_bench_set_iteration_time(volt_bench_state_t *st, double seconds);
/* A named counter; rate != 0 reports it per second. */
void volt_bench_counter(volt_bench_state_t *st, const char *name, double value, int rate);
void volt_bench_skip(volt_bench_state_t *st, const char *why);

/* Keeps a value alive and opaque to the optimizer. */
static inline void volt_bench_keep(const void *p) { __asm__ __volatile__("" : : "r"(p) : "memory"); }
static inline void volt_bench_clobber(void) { __asm__ __volatile__("" : : : "memory"); }

int volt_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif

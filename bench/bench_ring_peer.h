/* bench/bench_ring_peer.h — the Boost.Lockfree peer's loops, compiled as C++ in
 * bench/bench_ring_boost.cpp and driven by the C harness in bench/bench_ring.c. */
#ifndef VOLT_BENCH_RING_PEER_H
#define VOLT_BENCH_RING_PEER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOLT_PEER_RING_ITEMS (1u << 22) /* items per timed run (the paired bench: a quarter) */
#define VOLT_PEER_RING_SLOTS 8192u      /* ring slots, as volt's and ck_ring's */

void volt_peer_boost_reset(void);
/* push or pop n items, `batch` per call (1: the single-item calls) */
void volt_peer_boost_produce(uint32_t batch, uint64_t n);
uint64_t volt_peer_boost_consume(uint32_t batch, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif

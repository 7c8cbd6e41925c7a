/* Ring benches: same thread (cost of the operations) and across two pinned threads (throughput
 * with real cache-line transfers), at batch sizes 1..256, DPDK-style. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "ring/spsc.h"
#include "ring/spsc_rb.h"

static const int64_t k_batches[] = {1, 8, 32, 256};

static void bm_ring_same_thread(volt_bench_state_t *st)
{
    const uint32_t b = (uint32_t)volt_bench_arg(st);
    static uint64_t buf[4096];
    volt_ring_t r;
    volt_ring_init(&r, buf, 4096, sizeof(uint64_t));
    volt_ring_prod_t p = volt_ring_producer(&r);
    volt_ring_cons_t c = volt_ring_consumer(&r);
    uint64_t in[256], out[256];
    for (uint32_t i = 0; i < 256; i++)
        in[i] = i;
    int64_t items = 0;
    while (volt_bench_next(st, 64)) {
        for (int k = 0; k < 64; k++) {
            volt_bench_keep(in);
            volt_ring_push_burst(p, in, b);
            volt_ring_pop_burst(c, out, b);
            volt_bench_keep(out);
        }
        items += 64 * (int64_t)b;
    }
    volt_bench_set_items(st, items);
}

#define XN (1u << 22)
static volt_ring_t xr;
static uint64_t xbuf[8192];
static _Atomic int x_go;
static uint32_t x_batch;

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *x_consumer(void *arg)
{
    (void)arg;
    pin(1);
    volt_ring_cons_t c = volt_ring_consumer(&xr);
    uint64_t out[256], got = 0, sum = 0;
    while (!atomic_load_explicit(&x_go, memory_order_acquire))
        ;
    while (got < XN) {
        const uint32_t n = volt_ring_pop_burst(c, out, x_batch);
        for (uint32_t i = 0; i < n; i++)
            sum += out[i];
        got += n;
    }
    volt_bench_keep(&sum);
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void bm_ring_two_threads(volt_bench_state_t *st)
{
    x_batch = (uint32_t)volt_bench_arg(st);
    int64_t items = 0;
    pin(0);
    while (volt_bench_next(st, 1)) {
        volt_ring_init(&xr, xbuf, 8192, sizeof(uint64_t));
        atomic_store(&x_go, 0);
        pthread_t th;
        pthread_create(&th, NULL, x_consumer, NULL);
        volt_ring_prod_t p = volt_ring_producer(&xr);
        uint64_t in[256];
        for (uint32_t i = 0; i < 256; i++)
            in[i] = i;
        const double t0 = now_s();
        atomic_store_explicit(&x_go, 1, memory_order_release);
        uint64_t sent = 0;
        while (sent < XN) {
            uint32_t want = x_batch;
            if (sent + want > XN)
                want = (uint32_t)(XN - sent);
            sent += volt_ring_push_burst(p, in, want);
        }
        pthread_join(th, NULL);
        volt_bench_set_iteration_time(st, now_s() - t0);
        items += XN;
    }
    volt_bench_set_items(st, items);
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &all);
    pthread_setaffinity_np(pthread_self(), sizeof all, &all);
}

void volt_bench_register_ring(void)
{
    volt_bench_register("ring/same_thread_burst", bm_ring_same_thread, k_batches, 4, 0);
    volt_bench_register("ring/two_threads_burst", bm_ring_two_threads, k_batches, 4, 1);
}

/* Ring benches: same thread (cost of the operations) and across two pinned threads (throughput
 * with real cache-line transfers), at batch sizes 1..256, DPDK-style; and, across the same two
 * threads, the peers: ConcurrencyKit's ck_ring and Boost.Lockfree's spsc_queue. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ab_util.h"
#include "bench.h"
#include "ring/spsc.h"
#include "bench_ring_peer.h"

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

/* ---- across two pinned threads: volt's ring and its peers, one harness ----
 *
 * Every ring moves XN 8-byte items (uint64_t; a void * slot for ck_ring) from a producer pinned
 * to CPU 0 to a consumer pinned to CPU 1, through 8192 slots, spinning when full or empty. Each
 * implementation supplies a producer loop and a consumer loop (its operations inlined in them);
 * the harness starts, times and joins them identically, so items_per_second compares like for
 * like in one run (docs/bench.md). */
#define XN VOLT_PEER_RING_ITEMS
#define XCAP VOLT_PEER_RING_SLOTS

typedef struct ring_impl {
    void (*reset)(void);
    void (*produce)(uint32_t batch, uint64_t n);  /* pushes n items: 0, 1, ..., n - 1 */
    uint64_t (*consume)(uint32_t batch, uint64_t n); /* pops n items, returns their sum */
} ring_impl_t;

static _Atomic int x_go;
static uint32_t x_batch;
static uint64_t x_n;
static const ring_impl_t *x_impl;

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void unpin(void)
{
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &all);
    pthread_setaffinity_np(pthread_self(), sizeof all, &all);
}

static void *x_consumer(void *arg)
{
    uint64_t *sum = arg;
    pin(1);
    while (!atomic_load_explicit(&x_go, memory_order_acquire))
        ;
    *sum = x_impl->consume(x_batch, x_n);
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* One timed run: n items from this thread (pinned to CPU 0 by the caller) to a consumer thread
 * on CPU 1. Returns the seconds from the start signal to the join, or -1 when the consumer's sum
 * says an item was lost or duplicated (every item i carries i). */
static double run_once(const ring_impl_t *impl, uint32_t batch, uint64_t n)
{
    x_impl = impl;
    x_batch = batch;
    x_n = n;
    impl->reset();
    atomic_store(&x_go, 0);
    uint64_t sum = 0;
    pthread_t th;
    pthread_create(&th, NULL, x_consumer, &sum);
    const double t0 = now_s();
    atomic_store_explicit(&x_go, 1, memory_order_release);
    impl->produce(batch, n);
    pthread_join(th, NULL);
    const double t = now_s() - t0;
    return sum == n * (n - 1) / 2 ? t : -1.0;
}

static void run_cross_core(volt_bench_state_t *st, const ring_impl_t *impl)
{
    const uint32_t batch = (uint32_t)volt_bench_arg(st);
    int64_t items = 0;
    pin(0);
    while (volt_bench_next(st, 1)) {
        const double t = run_once(impl, batch, XN);
        if (t < 0) {
            volt_bench_skip(st, "ring lost or duplicated items");
            break;
        }
        volt_bench_set_iteration_time(st, t);
        items += XN;
    }
    volt_bench_set_items(st, items);
    unpin();
}

/* volt: single-item calls at batch 1 (as the peers' push/pop), burst calls above */
static volt_ring_t xr;
static uint64_t xbuf[XCAP];

static void volt_reset(void) { volt_ring_init(&xr, xbuf, XCAP, sizeof(uint64_t)); }

static void volt_produce(uint32_t batch, uint64_t n)
{
    volt_ring_prod_t p = volt_ring_producer(&xr);
    if (batch == 1) {
        for (uint64_t v = 0; v < n; v++)
            while (!volt_ring_try_push(p, &v))
                ;
        return;
    }
    uint64_t in[256];
    for (uint64_t sent = 0; sent < n;) {
        uint32_t want = batch;
        if (sent + want > n)
            want = (uint32_t)(n - sent);
        for (uint32_t i = 0; i < want; i++)
            in[i] = sent + i;
        sent += volt_ring_push_burst(p, in, want);
    }
}

static uint64_t volt_consume(uint32_t batch, uint64_t n)
{
    volt_ring_cons_t c = volt_ring_consumer(&xr);
    uint64_t out[256], got = 0, sum = 0;
    if (batch == 1) {
        for (; got < n; got++) {
            uint64_t v;
            while (!volt_ring_try_pop(c, &v))
                ;
            sum += v;
        }
        return sum;
    }
    while (got < n) {
        const uint32_t k = volt_ring_pop_burst(c, out, batch);
        for (uint32_t i = 0; i < k; i++)
            sum += out[i];
        got += k;
    }
    return sum;
}

static const ring_impl_t k_volt = {volt_reset, volt_produce, volt_consume};

static void bm_ring_two_threads(volt_bench_state_t *st) { run_cross_core(st, &k_volt); }

#ifdef VOLT_HAVE_CK
/* ConcurrencyKit's ck_ring, SPSC calls; it has no batch call, so one item per call. */
#include <ck_ring.h>
static ck_ring_t ckr;
static ck_ring_buffer_t ckbuf[XCAP];

static void ck_reset(void) { ck_ring_init(&ckr, XCAP); }

static void ck_produce(uint32_t batch, uint64_t n)
{
    (void)batch;
    for (uintptr_t i = 0; i < n; i++)
        while (!ck_ring_enqueue_spsc(&ckr, ckbuf, (void *)i))
            ;
}

static uint64_t ck_consume(uint32_t batch, uint64_t n)
{
    (void)batch;
    uint64_t sum = 0;
    for (uint64_t got = 0; got < n; got++) {
        void *v;
        while (!ck_ring_dequeue_spsc(&ckr, ckbuf, &v))
            ;
        sum += (uintptr_t)v;
    }
    return sum;
}

static const ring_impl_t k_ck = {ck_reset, ck_produce, ck_consume};
static void bm_ring_ck(volt_bench_state_t *st) { run_cross_core(st, &k_ck); }
#endif

#ifdef VOLT_HAVE_BOOST
/* Boost.Lockfree's spsc_queue<uint64_t, capacity<8192>> (bench/bench_ring_boost.cpp). */
static const ring_impl_t k_boost = {volt_peer_boost_reset, volt_peer_boost_produce,
                                    volt_peer_boost_consume};
static void bm_ring_boost(volt_bench_state_t *st) { run_cross_core(st, &k_boost); }
#endif

/* ---- paired: volt's ring and its peers taking turns in one process ----
 *
 * The separate benches above run one implementation for their whole duration; on this shared VM
 * the speed of cross-core transfers drifts by 2x from one such stretch to the next, and their
 * ratio flipped between runs. Here each round runs volt's ring and every peer built once each,
 * PAIR_N items apiece through the same harness (run_once), in an order that rotates from round to
 * round; the counters are the medians over the rounds of each one's M items/s and of volt's rate
 * over the faster peer's in the same round (`ratio`). ck_ring has no batch call: it runs one item
 * per call at every batch size, as in the separate benches. */
enum { PAIR_ROUNDS = 9, PAIR_MAX = 4096 };
#define PAIR_N (XN / 4)

static void bm_ring_paired(volt_bench_state_t *st)
{
    const uint32_t batch = (uint32_t)volt_bench_arg(st);
    const ring_impl_t *impl[3];
    uint32_t ib[3];
    const char *name[3];
    int ni = 0;
    impl[ni] = &k_volt, ib[ni] = batch, name[ni++] = "volt_Mps";
#ifdef VOLT_HAVE_BOOST
    impl[ni] = &k_boost, ib[ni] = batch, name[ni++] = "boost_Mps";
#endif
#ifdef VOLT_HAVE_CK
    impl[ni] = &k_ck, ib[ni] = 1, name[ni++] = "ck_Mps";
#endif
    if (ni < 2) {
        volt_bench_skip(st, "no ring peer built (libboost-dev, libck-dev)");
        return;
    }
    static double rate[3][PAIR_MAX], ratio[PAIR_MAX];
    size_t r = 0;
    pin(0);
    while (volt_bench_next(st, 1)) {
        for (int k = 0; k < PAIR_ROUNDS && r < PAIR_MAX; k++, r++) {
            for (int j = 0; j < ni; j++) {
                const int i = (int)((j + r) % (size_t)ni);
                const double t = run_once(impl[i], ib[i], PAIR_N);
                if (t < 0) {
                    unpin();
                    volt_bench_skip(st, "ring lost or duplicated items");
                    return;
                }
                rate[i][r] = (double)PAIR_N / t / 1e6;
            }
            double best_peer = rate[1][r];
            for (int i = 2; i < ni; i++)
                best_peer = rate[i][r] > best_peer ? rate[i][r] : best_peer;
            ratio[r] = rate[0][r] / best_peer;
        }
    }
    unpin();
    for (int i = 0; i < ni; i++)
        volt_bench_counter(st, name[i], volt_ab_median(rate[i], r), 0);
    volt_bench_counter(st, "ratio", volt_ab_median(ratio, r), 0);
    volt_bench_counter(st, "rounds", (double)r, 0);
}

static const int64_t k_one[] = {1};
static const int64_t k_peer_batches[] = {1, 32};

void volt_bench_register_ring(void)
{
    volt_bench_register("ring/same_thread_burst", bm_ring_same_thread, k_batches, 4, 0);
    volt_bench_register("ring/two_threads_burst", bm_ring_two_threads, k_batches, 4, 1);
#ifdef VOLT_HAVE_CK
    volt_bench_register("ring/peer_ck_ring", bm_ring_ck, k_one, 1, 1);
#endif
#ifdef VOLT_HAVE_BOOST
    volt_bench_register("ring/peer_boost_spsc", bm_ring_boost, k_peer_batches, 2, 1);
#endif
    volt_bench_register("ring/paired_vs_peers", bm_ring_paired, k_peer_batches, 2, 0);
}

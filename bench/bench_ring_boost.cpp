// Boost.Lockfree's spsc_queue as a ring peer: the producer and consumer loops, with the queue's
// own single-item (batch 1) or range (batch > 1) push and pop inlined in them. The C harness in
// bench/bench_ring.c pins, starts and times them exactly as it does volt's ring.
#include <boost/lockfree/spsc_queue.hpp>
#include <new>

#include "bench_ring_peer.h"

namespace {
using queue_t =
    boost::lockfree::spsc_queue<uint64_t, boost::lockfree::capacity<VOLT_PEER_RING_SLOTS>>;
alignas(128) unsigned char storage[sizeof(queue_t)];
queue_t *q = nullptr;
} // namespace

extern "C" void volt_peer_boost_reset(void)
{
    if (q)
        q->~queue_t();
    q = new (storage) queue_t();
}

extern "C" void volt_peer_boost_produce(uint32_t batch, uint64_t n)
{
    uint64_t in[256];
    for (uint64_t sent = 0; sent < n;) {
        if (batch == 1) {
            if (q->push(sent))
                sent++;
            continue;
        }
        uint64_t want = batch;
        if (sent + want > n)
            want = n - sent;
        for (uint64_t i = 0; i < want; i++)
            in[i] = sent + i;
        sent += q->push(in, want);
    }
}

extern "C" uint64_t volt_peer_boost_consume(uint32_t batch, uint64_t n)
{
    uint64_t out[256], sum = 0;
    for (uint64_t got = 0; got < n;) {
        if (batch == 1) {
            uint64_t v;
            if (q->pop(v)) {
                sum += v;
                got++;
            }
            continue;
        }
        const uint64_t k = q->pop(out, batch);
        for (uint64_t i = 0; i < k; i++)
            sum += out[i];
        got += k;
    }
    return sum;
}

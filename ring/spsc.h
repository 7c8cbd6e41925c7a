/* ring/spsc.h — single-producer single-consumer ring of fixed-size elements.
 *
 * Design (after DPDK rte_ring, Aeron's spsc queues and ck_ring):
 *  - the ring never owns its buffer: the caller passes `capacity * elem_size` bytes;
 *  - capacity is a power of two; indices are free-running uint64_t, masked on access, so
 *    full/empty need no extra flag and never wrap in practice (2^64 elements);
 *  - the producer's {tail, cached_head}, the consumer's published head and the consumer's own
 *    {next, cached_tail} live on their own 128-byte blocks, so the only cache-line transfers are
 *    the ones the protocol needs;
 *  - the producer re-reads the consumer's head only when its cached copy says "full", and the
 *    consumer re-reads the tail only when its cached copy says "empty";
 *  - the consumer hands read slots back to the producer in groups of 128 bytes' worth of elements
 *    (`return_batch`: 16 slots of 8 bytes, 1 slot of 128 bytes or more, at most half the ring) and
 *    at once whenever its cached view of the tail runs short. A producer spinning on a full ring
 *    then sees a whole pair of cache lines come free at a time, instead of writing into the line
 *    the consumer is still reading and stealing the head's line on every element (after
 *    MCRingBuffer's batched index updates). Elements become visible to the consumer as soon as
 *    they are pushed: only the return of free slots is grouped, so a producer may find the ring
 *    full while up to return_batch - 1 slots are read but not yet handed back;
 *  - two handle types, volt_ring_prod_t and volt_ring_cons_t, let the compiler catch a thread
 *    calling the wrong end. Exactly one thread may use each handle.
 *
 * Calls: `bulk` moves all n or nothing; `burst` moves as many as fit. `claim/publish` (producer)
 * and `peek/release` (consumer) expose slots in place for zero-copy writes and batched reads.
 * The hot path is header-inline; nothing here allocates, blocks or makes a system call. */
#ifndef VOLT_RING_SPSC_H
#define VOLT_RING_SPSC_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch.h"

typedef struct volt_ring {
    /* producer-owned block */
    alignas(VOLT_FALSE_SHARING) _Atomic uint64_t tail; /* next slot to write; written by producer */
    uint64_t cached_head;                              /* producer's last view of head */
    /* the consumer's release point, as the producer sees it: written by the consumer */
    alignas(VOLT_FALSE_SHARING) _Atomic uint64_t head; /* slots before it are free */
    /* consumer-owned block */
    alignas(VOLT_FALSE_SHARING) _Atomic uint64_t next; /* next slot to read (>= head) */
    uint64_t returned;                                 /* the value last stored to head */
    uint64_t cached_tail;                              /* consumer's last view of tail */
    /* read-only after init */
    alignas(VOLT_FALSE_SHARING) uint8_t *buf;
    uint64_t mask;
    uint64_t capacity;
    uint64_t return_batch; /* read slots handed back to the producer together */
    uint32_t elem_size;
} volt_ring_t;

typedef struct { volt_ring_t *r; } volt_ring_prod_t;
typedef struct { volt_ring_t *r; } volt_ring_cons_t;

/* Initializes `r` over `buf` (capacity * elem_size bytes, owned by the caller).
 * Returns 0, or -EINVAL when capacity is not a power of two >= 2 or elem_size is 0.
 * Call before any thread uses the ring; publish the ring to threads with a thread start. */
int volt_ring_init(volt_ring_t *r, void *buf, uint64_t capacity, uint32_t elem_size);

static inline volt_ring_prod_t volt_ring_producer(volt_ring_t *r) { return (volt_ring_prod_t){r}; }
static inline volt_ring_cons_t volt_ring_consumer(volt_ring_t *r) { return (volt_ring_cons_t){r}; }

/* Copies n elements into the ring starting at free-running index idx, splitting at the wrap. */
static inline void volt_ring_copy_in_(volt_ring_t *r, uint64_t idx, const void *src, uint64_t n)
{
    const uint64_t off = idx & r->mask;
    const uint64_t first = (n < r->capacity - off) ? n : r->capacity - off;
    memcpy(r->buf + off * r->elem_size, src, first * r->elem_size);
    if (first < n)
        memcpy(r->buf, (const uint8_t *)src + first * r->elem_size, (n - first) * r->elem_size);
}

static inline void volt_ring_copy_out_(volt_ring_t *r, uint64_t idx, void *dst, uint64_t n)
{
    const uint64_t off = idx & r->mask;
    const uint64_t first = (n < r->capacity - off) ? n : r->capacity - off;
    memcpy(dst, r->buf + off * r->elem_size, first * r->elem_size);
    if (first < n)
        memcpy((uint8_t *)dst + first * r->elem_size, r->buf, (n - first) * r->elem_size);
}

/* Free slots as the producer sees them; refreshes the cached head only when needed. */
static inline uint64_t volt_ring_free_(volt_ring_t *r, uint64_t tail, uint64_t want)
{
    uint64_t free_slots = r->capacity - (tail - r->cached_head);
    if (free_slots < want) {
        /* acquire pairs with the consumer's release store of head in volt_ring_release /
         * volt_ring_pop_*: the consumer finished reading those slots before we overwrite them */
        r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
        free_slots = r->capacity - (tail - r->cached_head);
    }
    return free_slots;
}

/* Consumer: hands the read slots before `to` back to the producer. */
static inline void volt_ring_return_(volt_ring_t *r, uint64_t to)
{
    /* release pairs with the producer's acquire load of head in volt_ring_free_: the slots were
     * read before the producer may overwrite them */
    atomic_store_explicit(&r->head, to, memory_order_release);
    r->returned = to;
}

/* Consumer: the read position moves to `next`; the read slots go back to the producer once
 * return_batch of them have gathered (or when the consumer next finds its view short). */
static inline void volt_ring_advance_(volt_ring_t *r, uint64_t next)
{
    atomic_store_explicit(&r->next, next, memory_order_relaxed);
    if (next - r->returned >= r->return_batch)
        volt_ring_return_(r, next);
}

/* Readable elements as the consumer sees them; refreshes the cached tail only when needed, and
 * then first hands back every slot already read, so a consumer that has caught up holds none. */
static inline uint64_t volt_ring_avail_(volt_ring_t *r, uint64_t head, uint64_t want)
{
    uint64_t avail = r->cached_tail - head;
    if (avail < want) {
        if (r->returned != head)
            volt_ring_return_(r, head);
        /* acquire pairs with the producer's release store of tail in volt_ring_publish /
         * volt_ring_push_*: the element bytes are visible before the index that covers them */
        r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        avail = r->cached_tail - head;
    }
    return avail;
}

/* Producer: pushes up to n elements; returns how many were pushed (0..n). Never blocks. */
static inline uint32_t volt_ring_push_burst(volt_ring_prod_t p, const void *elems, uint32_t n)
{
    volt_ring_t *r = p.r;
    const uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed); /* own index */
    uint64_t free_slots = volt_ring_free_(r, tail, n);
    const uint32_t k = (uint32_t)(free_slots < n ? free_slots : n);
    if (k == 0)
        return 0;
    volt_ring_copy_in_(r, tail, elems, k);
    /* release pairs with the consumer's acquire load of tail in volt_ring_avail_ */
    atomic_store_explicit(&r->tail, tail + k, memory_order_release);
    return k;
}

/* Producer: pushes all n elements or none; returns true when pushed. */
static inline bool volt_ring_push_bulk(volt_ring_prod_t p, const void *elems, uint32_t n)
{
    volt_ring_t *r = p.r;
    const uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (volt_ring_free_(r, tail, n) < n)
        return false;
    volt_ring_copy_in_(r, tail, elems, n);
    /* release pairs with the consumer's acquire load of tail in volt_ring_avail_ */
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
    return true;
}

/* One element's copy: never split by the wrap; the common 8-byte element (a pointer or an index)
 * is one move instead of a call to memcpy with a run-time size. */
static inline void volt_ring_copy_one_(void *dst, const void *src, uint32_t elem_size)
{
    if (elem_size == sizeof(uint64_t))
        memcpy(dst, src, sizeof(uint64_t));
    else
        memcpy(dst, src, elem_size);
}

/* Producer: pushes one element; false when the ring is full. */
static inline bool volt_ring_try_push(volt_ring_prod_t p, const void *elem)
{
    volt_ring_t *r = p.r;
    const uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (volt_ring_free_(r, tail, 1) < 1)
        return false;
    volt_ring_copy_one_(r->buf + (tail & r->mask) * r->elem_size, elem, r->elem_size);
    /* release pairs with the consumer's acquire load of tail in volt_ring_avail_ */
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return true;
}

/* Producer: returns a pointer to the next free slot to fill in place, or NULL when full.
 * Fill it, then call volt_ring_publish(p, 1). Several slots may be claimed one by one with
 * volt_ring_claim_at before one publish. */
static inline void *volt_ring_claim_at(volt_ring_prod_t p, uint32_t i)
{
    volt_ring_t *r = p.r;
    const uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (volt_ring_free_(r, tail, (uint64_t)i + 1) < (uint64_t)i + 1)
        return NULL;
    return r->buf + ((tail + i) & r->mask) * r->elem_size;
}

static inline void *volt_ring_claim(volt_ring_prod_t p) { return volt_ring_claim_at(p, 0); }

/* Producer: makes the next n claimed slots visible to the consumer. */
static inline void volt_ring_publish(volt_ring_prod_t p, uint32_t n)
{
    volt_ring_t *r = p.r;
    const uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* release pairs with the consumer's acquire load of tail in volt_ring_avail_ */
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
}

/* Consumer: pops up to n elements into out; returns how many (0..n). Never blocks. */
static inline uint32_t volt_ring_pop_burst(volt_ring_cons_t c, void *out, uint32_t n)
{
    volt_ring_t *r = c.r;
    const uint64_t head = atomic_load_explicit(&r->next, memory_order_relaxed); /* own index */
    const uint64_t avail = volt_ring_avail_(r, head, n);
    const uint32_t k = (uint32_t)(avail < n ? avail : n);
    if (k == 0)
        return 0;
    volt_ring_copy_out_(r, head, out, k);
    volt_ring_advance_(r, head + k);
    return k;
}

/* Consumer: pops exactly n elements or none. */
static inline bool volt_ring_pop_bulk(volt_ring_cons_t c, void *out, uint32_t n)
{
    volt_ring_t *r = c.r;
    const uint64_t head = atomic_load_explicit(&r->next, memory_order_relaxed);
    if (volt_ring_avail_(r, head, n) < n)
        return false;
    volt_ring_copy_out_(r, head, out, n);
    volt_ring_advance_(r, head + n);
    return true;
}

/* Consumer: pops one element; false when the ring is empty. */
static inline bool volt_ring_try_pop(volt_ring_cons_t c, void *out)
{
    volt_ring_t *r = c.r;
    const uint64_t head = atomic_load_explicit(&r->next, memory_order_relaxed);
    if (volt_ring_avail_(r, head, 1) < 1)
        return false;
    volt_ring_copy_one_(out, r->buf + (head & r->mask) * r->elem_size, r->elem_size);
    volt_ring_advance_(r, head + 1);
    return true;
}

/* Consumer: returns a pointer to the oldest readable element and sets *n to how many readable
 * elements are contiguous from it (at most max, stopping at the wrap). NULL when empty.
 * Read them in place, then volt_ring_release(c, k) for k <= *n. */
static inline const void *volt_ring_peek(volt_ring_cons_t c, uint32_t max, uint32_t *n)
{
    volt_ring_t *r = c.r;
    const uint64_t head = atomic_load_explicit(&r->next, memory_order_relaxed);
    uint64_t avail = volt_ring_avail_(r, head, 1);
    if (avail == 0) {
        *n = 0;
        return NULL;
    }
    const uint64_t off = head & r->mask;
    if (avail > r->capacity - off)
        avail = r->capacity - off;
    if (avail > max)
        avail = max;
    *n = (uint32_t)avail;
    return r->buf + off * r->elem_size;
}

/* Consumer: frees the n oldest elements (after reading them in place); the slots go back to the
 * producer as in the pops (return_batch at a time). */
static inline void volt_ring_release(volt_ring_cons_t c, uint32_t n)
{
    volt_ring_t *r = c.r;
    const uint64_t head = atomic_load_explicit(&r->next, memory_order_relaxed);
    volt_ring_advance_(r, head + n);
}

/* Either side: an instantaneous, possibly stale, count of the elements not yet read (for stats
 * only; it reads the consumer's own position, so a producer calling it often pays a transfer). */
static inline uint64_t volt_ring_size_approx(volt_ring_t *r)
{
    const uint64_t h = atomic_load_explicit(&r->next, memory_order_acquire);
    const uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    return t >= h ? t - h : 0;
}

#endif

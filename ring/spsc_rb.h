/* ring/spsc_rb.h — single-producer single-consumer ring of variable-length byte records.
 *
 * Frames (raw WebSocket messages, journal lines) vary from 100 bytes to megabytes, so the source
 * hands them over through a byte ring instead of fixed slots. Each record is an 8-byte header
 * {uint32 length, uint32 kind} followed by the payload, padded to 8 bytes. A record never wraps:
 * when it would not fit before the end of the buffer, the producer writes a padding record and
 * starts at offset 0. Indices are free-running byte counts, as in volt_ring_t.
 *
 * Producer: volt_rb_claim(len) -> pointer to write len bytes in place (NULL when full), then
 * volt_rb_commit() (or volt_rb_commit_len() to publish fewer bytes than claimed). Consumer:
 * volt_rb_next() -> the oldest record (in place), then volt_rb_release() to free everything read
 * so far (batching releases is allowed). */
#ifndef VOLT_RING_SPSC_RB_H
#define VOLT_RING_SPSC_RB_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

#define VOLT_RB_HDR 8u
#define VOLT_RB_KIND_DATA 1u
#define VOLT_RB_KIND_PAD 2u

typedef struct volt_rb {
    alignas(VOLT_FALSE_SHARING) _Atomic uint64_t tail; /* bytes committed; written by producer */
    uint64_t cached_head;
    uint64_t claim_pos; /* producer: start of the record being written (after any padding) */
    uint32_t claim_len;
    alignas(VOLT_FALSE_SHARING) _Atomic uint64_t head; /* bytes released; written by consumer */
    uint64_t cached_tail;
    uint64_t read_pos; /* consumer: next record to read (>= head) */
    alignas(VOLT_FALSE_SHARING) uint8_t *buf;
    uint64_t capacity; /* bytes, power of two, multiple of 8 */
    uint64_t mask;
    uint32_t max_record; /* largest payload accepted: capacity / 4 */
} volt_rb_t;

typedef struct { volt_rb_t *r; } volt_rb_prod_t;
typedef struct { volt_rb_t *r; } volt_rb_cons_t;

/* Initializes over `buf` (capacity bytes, 8-byte aligned, owned by the caller).
 * Returns 0 or -EINVAL (capacity not a power of two, or < 64). */
int volt_rb_init(volt_rb_t *r, void *buf, uint64_t capacity);

static inline volt_rb_prod_t volt_rb_producer(volt_rb_t *r) { return (volt_rb_prod_t){r}; }
static inline volt_rb_cons_t volt_rb_consumer(volt_rb_t *r) { return (volt_rb_cons_t){r}; }
static inline uint32_t volt_rb_max_record(const volt_rb_t *r) { return r->max_record; }

static inline uint64_t volt_rb_align8_(uint64_t n) { return (n + 7u) & ~UINT64_C(7); }

/* Producer: reserves room for a len-byte payload. Returns where to write it, or NULL when the
 * ring is full right now (try again later) or len > max_record (never fits; caller counts it). */
static inline void *volt_rb_claim(volt_rb_prod_t p, uint32_t len)
{
    volt_rb_t *r = p.r;
    if (VOLT_UNLIKELY(len > r->max_record))
        return NULL;
    const uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    const uint64_t need = VOLT_RB_HDR + volt_rb_align8_(len);
    const uint64_t off = tail & r->mask;
    const uint64_t to_end = r->capacity - off;
    const uint64_t total = need <= to_end ? need : to_end + need; /* padding + record */
    if (r->capacity - (tail - r->cached_head) < total) {
        /* acquire pairs with the consumer's release store of head in volt_rb_release */
        r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
        if (r->capacity - (tail - r->cached_head) < total)
            return NULL;
    }
    uint64_t pos = tail;
    if (need > to_end) {
        uint32_t *pad = (uint32_t *)(void *)(r->buf + off);
        pad[0] = (uint32_t)(to_end - VOLT_RB_HDR);
        pad[1] = VOLT_RB_KIND_PAD;
        pos = tail + to_end;
    }
    r->claim_pos = pos;
    r->claim_len = len;
    uint32_t *hdr = (uint32_t *)(void *)(r->buf + (pos & r->mask));
    hdr[0] = len;
    hdr[1] = VOLT_RB_KIND_DATA;
    return r->buf + (pos & r->mask) + VOLT_RB_HDR;
}

/* Producer: publishes the record claimed last. */
static inline void volt_rb_commit(volt_rb_prod_t p)
{
    volt_rb_t *r = p.r;
    const uint64_t end = r->claim_pos + VOLT_RB_HDR + volt_rb_align8_(r->claim_len);
    /* release pairs with the consumer's acquire load of tail in volt_rb_next */
    atomic_store_explicit(&r->tail, end, memory_order_release);
}

/* Producer: publishes the record claimed last, cut to its first len bytes: a producer that
 * claimed for the worst case commits what it wrote (a len above the claim publishes the claim). */
static inline void volt_rb_commit_len(volt_rb_prod_t p, uint32_t len)
{
    volt_rb_t *r = p.r;
    if (len < r->claim_len) {
        r->claim_len = len;
        ((uint32_t *)(void *)(r->buf + (r->claim_pos & r->mask)))[0] = len;
    }
    volt_rb_commit(p);
}

/* Producer: 1 when at least `bytes` are committed and not yet released by the consumer. Reads the
 * consumer's position only when its cached copy says so, so a producer that is not behind pays
 * one comparison. */
static inline int volt_rb_backlog_at_least(volt_rb_prod_t p, uint64_t bytes)
{
    volt_rb_t *r = p.r;
    const uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (tail - r->cached_head < bytes)
        return 0;
    /* acquire pairs with the consumer's release store of head in volt_rb_release */
    r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
    return tail - r->cached_head >= bytes;
}

/* Any thread: an instantaneous, possibly stale, count of the bytes committed and not yet released
 * (for metrics only: reading both positions pulls both sides' cache lines). */
static inline uint64_t volt_rb_fill_approx(volt_rb_t *r)
{
    const uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    const uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    return t >= h ? t - h : 0;
}

/* Consumer: returns the next unread record's payload and its length, or NULL when none.
 * The bytes stay valid until volt_rb_release. */
static inline const void *volt_rb_next(volt_rb_cons_t c, uint32_t *len)
{
    volt_rb_t *r = c.r;
    for (;;) {
        if (r->read_pos == r->cached_tail) {
            /* acquire pairs with the producer's release store of tail in volt_rb_commit */
            r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
            if (r->read_pos == r->cached_tail)
                return NULL;
        }
        const uint8_t *rec = r->buf + (r->read_pos & r->mask);
        const uint32_t *hdr = (const uint32_t *)(const void *)rec;
        const uint64_t size = VOLT_RB_HDR + volt_rb_align8_(hdr[0]);
        r->read_pos += size;
        if (hdr[1] == VOLT_RB_KIND_PAD)
            continue;
        *len = hdr[0];
        return rec + VOLT_RB_HDR;
    }
}

/* Consumer: frees every record returned by volt_rb_next so far. */
static inline void volt_rb_release(volt_rb_cons_t c)
{
    volt_rb_t *r = c.r;
    /* release pairs with the producer's acquire load of head in volt_rb_claim */
    atomic_store_explicit(&r->head, r->read_pos, memory_order_release);
}

/* Either side, stats only: bytes in flight. */
static inline uint64_t volt_rb_used_approx(volt_rb_t *r)
{
    const uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    const uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    return t >= h ? t - h : 0;
}

#endif

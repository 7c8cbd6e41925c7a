/* ring/ring.c — initialization of the SPSC rings (the hot paths are inline in the headers). */
#include <errno.h>
#include <string.h>

#include "spsc.h"
#include "spsc_rb.h"

int volt_ring_init(volt_ring_t *r, void *buf, uint64_t capacity, uint32_t elem_size)
{
    if (!r || !buf || capacity < 2 || !volt_is_pow2(capacity) || elem_size == 0)
        return -EINVAL;
    memset(r, 0, sizeof *r);
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    atomic_init(&r->next, 0);
    r->buf = buf;
    r->capacity = capacity;
    r->mask = capacity - 1;
    r->elem_size = elem_size;
    /* 128 bytes' worth of slots (the false-sharing unit), at least 1, at most half the ring: a
     * producer waiting on a full ring always leaves the consumer more than half a ring to read,
     * so the consumer reaches the next hand-back */
    uint64_t batch = elem_size >= VOLT_FALSE_SHARING ? 1 : VOLT_FALSE_SHARING / elem_size;
    r->return_batch = batch < capacity / 2 ? batch : capacity / 2;
    return 0;
}

int volt_rb_init(volt_rb_t *r, void *buf, uint64_t capacity)
{
    if (!r || !buf || capacity < 64 || !volt_is_pow2(capacity) || ((uintptr_t)buf & 7u))
        return -EINVAL;
    memset(r, 0, sizeof *r);
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    r->buf = buf;
    r->capacity = capacity;
    r->mask = capacity - 1;
    r->max_record = (uint32_t)((capacity / 4 > UINT32_MAX - 64) ? UINT32_MAX - 64 : capacity / 4);
    return 0;
}

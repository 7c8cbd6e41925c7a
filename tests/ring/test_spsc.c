/* Tests for ring/spsc.h: single-thread semantics, then a two-thread stress of 10 million items. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "ring/spsc.h"

static volt_ring_t ring;
static uint64_t buf64[1024];

static void setup8(void) { cr_assert_eq(volt_ring_init(&ring, buf64, 8, sizeof(uint64_t)), 0); }

Test(ring_spsc, rejects_non_power_of_two_capacity)
{
    cr_expect_neq(volt_ring_init(&ring, buf64, 6, 8), 0);
    cr_expect_neq(volt_ring_init(&ring, buf64, 1, 8), 0);
    cr_expect_neq(volt_ring_init(&ring, buf64, 8, 0), 0);
}

Test(ring_spsc, pops_in_push_order, .init = setup8)
{
    volt_ring_prod_t p = volt_ring_producer(&ring);
    volt_ring_cons_t c = volt_ring_consumer(&ring);
    for (uint64_t i = 0; i < 5; i++)
        cr_assert(volt_ring_try_push(p, &i));
    for (uint64_t i = 0; i < 5; i++) {
        uint64_t v = 99;
        cr_assert(volt_ring_try_pop(c, &v));
        cr_expect_eq(v, i);
    }
    uint64_t v;
    cr_expect_not(volt_ring_try_pop(c, &v), "an empty ring pops nothing");
}

Test(ring_spsc, rejects_push_when_full, .init = setup8)
{
    volt_ring_prod_t p = volt_ring_producer(&ring);
    for (uint64_t i = 0; i < 8; i++)
        cr_assert(volt_ring_try_push(p, &i));
    uint64_t x = 8;
    cr_expect_not(volt_ring_try_push(p, &x));
    cr_expect_eq(volt_ring_size_approx(&ring), 8);
}

Test(ring_spsc, bulk_is_all_or_nothing_and_burst_takes_what_fits, .init = setup8)
{
    volt_ring_prod_t p = volt_ring_producer(&ring);
    volt_ring_cons_t c = volt_ring_consumer(&ring);
    uint64_t in[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, out[10] = {0};
    cr_expect_not(volt_ring_push_bulk(p, in, 10));
    cr_expect_eq(volt_ring_size_approx(&ring), 0);
    cr_expect_eq(volt_ring_push_burst(p, in, 10), 8);
    cr_expect_not(volt_ring_pop_bulk(c, out, 9));
    cr_expect_eq(volt_ring_pop_burst(c, out, 10), 8);
    for (int i = 0; i < 8; i++)
        cr_expect_eq(out[i], (uint64_t)i);
}

Test(ring_spsc, keeps_order_across_the_wrap, .init = setup8)
{
    volt_ring_prod_t p = volt_ring_producer(&ring);
    volt_ring_cons_t c = volt_ring_consumer(&ring);
    uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 100; round++) {
        uint64_t in[5], out[5];
        for (int i = 0; i < 5; i++)
            in[i] = next_in++;
        cr_assert(volt_ring_push_bulk(p, in, 5));
        cr_assert(volt_ring_pop_bulk(c, out, 5));
        for (int i = 0; i < 5; i++)
            cr_assert_eq(out[i], next_out++);
    }
}

Test(ring_spsc, claim_and_peek_work_in_place, .init = setup8)
{
    volt_ring_prod_t p = volt_ring_producer(&ring);
    volt_ring_cons_t c = volt_ring_consumer(&ring);
    for (uint32_t i = 0; i < 3; i++) {
        uint64_t *slot = volt_ring_claim_at(p, i);
        cr_assert_not_null(slot);
        *slot = 100 + i;
    }
    uint32_t n = 0;
    cr_expect_null(volt_ring_peek(c, 8, &n), "claimed but unpublished slots are invisible");
    volt_ring_publish(p, 3);
    const uint64_t *v = volt_ring_peek(c, 8, &n);
    cr_assert_eq(n, 3);
    cr_expect_eq(v[0], 100);
    cr_expect_eq(v[2], 102);
    volt_ring_release(c, 3);
    cr_expect_eq(volt_ring_size_approx(&ring), 0);
}

Test(ring_spsc, peek_stops_at_the_wrap, .init = setup8)
{
    volt_ring_prod_t p = volt_ring_producer(&ring);
    volt_ring_cons_t c = volt_ring_consumer(&ring);
    uint64_t in[8] = {0}, out[8];
    cr_assert(volt_ring_push_bulk(p, in, 6));
    cr_assert(volt_ring_pop_bulk(c, out, 6));
    cr_assert(volt_ring_push_bulk(p, in, 5)); /* occupies slots 6,7,0,1,2 */
    uint32_t n;
    cr_assert_not_null(volt_ring_peek(c, 8, &n));
    cr_expect_eq(n, 2, "contiguous run ends at the buffer's end");
}

/* The consumer hands read slots back in groups (128 bytes' worth, at most half the ring: 4 of
 * these 8-byte slots), and all of them as soon as it finds its view of the ring short. */
Test(ring_spsc, hands_read_slots_back_in_groups_and_all_once_caught_up, .init = setup8)
{
    volt_ring_prod_t p = volt_ring_producer(&ring);
    volt_ring_cons_t c = volt_ring_consumer(&ring);
    uint64_t v = 0;
    for (uint64_t i = 0; i < 8; i++)
        cr_assert(volt_ring_try_push(p, &i));
    for (uint64_t i = 0; i < 3; i++) {
        cr_assert(volt_ring_try_pop(c, &v));
        cr_expect_eq(v, i);
        cr_expect_not(volt_ring_try_push(p, &v), "slot %llu read, not yet handed back",
                      (unsigned long long)i);
    }
    cr_expect_eq(volt_ring_size_approx(&ring), 5, "the count is of elements not yet read");
    cr_assert(volt_ring_try_pop(c, &v)); /* the fourth read slot: the group goes back */
    cr_expect_eq(v, 3);
    for (uint64_t i = 8; i < 12; i++)
        cr_expect(volt_ring_try_push(p, &i), "slot of item %llu handed back",
                  (unsigned long long)i);
    cr_expect_not(volt_ring_try_push(p, &v));
    for (uint64_t i = 4; i < 12; i++) {
        cr_assert(volt_ring_try_pop(c, &v));
        cr_expect_eq(v, i);
    }
    cr_expect_not(volt_ring_try_pop(c, &v), "empty");
    for (uint64_t i = 12; i < 20; i++)
        cr_expect(volt_ring_try_push(p, &i), "a consumer that caught up holds no slot");
    uint32_t n = 0;
    cr_assert_not_null(volt_ring_peek(c, 8, &n));
    cr_assert_eq(n, 4, "contiguous run ends at the buffer's end");
    volt_ring_release(c, 1);
    cr_expect_not(volt_ring_try_push(p, &v), "one released slot waits for its group");
    volt_ring_release(c, 3);
    cr_expect(volt_ring_try_push(p, &v), "released in the group of four");
    for (int i = 0; i < 5; i++) /* 16..20: the group of 16..19 goes back, 20 stays read */
        cr_assert(volt_ring_try_pop(c, &v));
    cr_expect_not(volt_ring_try_pop(c, &v), "empty");
    for (uint64_t i = 0; i < 8; i++)
        cr_expect(volt_ring_try_push(p, &i), "an empty pop hands back a part group too");
}

/* Elements of 128 bytes or more go back one by one: a pop frees its slot at once. */
Test(ring_spsc, large_elements_go_back_one_by_one)
{
    static uint8_t big[4][128];
    volt_ring_t r;
    cr_assert_eq(volt_ring_init(&r, big, 4, 128), 0);
    volt_ring_prod_t p = volt_ring_producer(&r);
    volt_ring_cons_t c = volt_ring_consumer(&r);
    uint8_t e[128] = {0}, out[128];
    for (int i = 0; i < 4; i++) {
        e[0] = (uint8_t)i;
        cr_assert(volt_ring_try_push(p, e));
    }
    cr_assert_not(volt_ring_try_push(p, e));
    cr_assert(volt_ring_try_pop(c, out));
    cr_expect_eq(out[0], 0);
    cr_expect(volt_ring_try_push(p, e), "the popped slot is free at once");
}

/* Two threads, 10 million sequence numbers, batches of varying size: none lost, duplicated or
 * reordered. */
#define STRESS_N 10000000ULL
#define STRESS_CAP 1024

static volt_ring_t stress_ring;
static uint64_t stress_buf[STRESS_CAP];

static void *stress_producer(void *arg)
{
    (void)arg;
    volt_ring_prod_t p = volt_ring_producer(&stress_ring);
    uint64_t next = 0, batch[37];
    uint32_t bsz = 1;
    while (next < STRESS_N) {
        uint32_t n = bsz;
        if (next + n > STRESS_N)
            n = (uint32_t)(STRESS_N - next);
        for (uint32_t i = 0; i < n; i++)
            batch[i] = next + i;
        uint32_t done = 0;
        while (done < n)
            done += volt_ring_push_burst(p, batch + done, n - done);
        next += n;
        bsz = bsz % 37 + 1;
    }
    return NULL;
}

Test(ring_spsc, two_threads_pass_ten_million_items_in_order, .timeout = 300)
{
    cr_assert_eq(volt_ring_init(&stress_ring, stress_buf, STRESS_CAP, sizeof(uint64_t)), 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, stress_producer, NULL), 0);
    volt_ring_cons_t c = volt_ring_consumer(&stress_ring);
    uint64_t expect = 0, out[64], bad = 0;
    while (expect < STRESS_N) {
        uint32_t n = volt_ring_pop_burst(c, out, 64);
        for (uint32_t i = 0; i < n; i++)
            bad += out[i] != expect++;
        if (bad)
            break;
    }
    pthread_join(th, NULL);
    cr_expect_eq(bad, 0, "items arrived out of order or corrupted");
    cr_expect_eq(expect, STRESS_N);
    cr_expect_eq(volt_ring_size_approx(&stress_ring), 0, "nothing left over, nothing duplicated");
}

/* Tests for ring/spsc_rb.h: variable-length records, padding at the wrap, two-thread stress. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "ring/spsc_rb.h"

static volt_rb_t rb;
static _Alignas(64) uint8_t rbuf[4096];

Test(ring_spsc_rb, round_trips_records_of_any_length)
{
    cr_assert_eq(volt_rb_init(&rb, rbuf, sizeof rbuf), 0);
    volt_rb_prod_t p = volt_rb_producer(&rb);
    volt_rb_cons_t c = volt_rb_consumer(&rb);
    for (uint32_t len = 0; len < 300; len += 7) {
        char *w = volt_rb_claim(p, len);
        cr_assert_not_null(w);
        memset(w, (int)(len & 0xff), len);
        volt_rb_commit(p);
        uint32_t got;
        const uint8_t *r = volt_rb_next(c, &got);
        cr_assert_not_null(r);
        cr_assert_eq(got, len);
        for (uint32_t i = 0; i < len; i++)
            cr_assert_eq(r[i], (uint8_t)(len & 0xff));
        volt_rb_release(c);
    }
}

Test(ring_spsc_rb, refuses_records_larger_than_a_quarter)
{
    cr_assert_eq(volt_rb_init(&rb, rbuf, sizeof rbuf), 0);
    cr_expect_null(volt_rb_claim(volt_rb_producer(&rb), 1025));
    cr_expect_not_null(volt_rb_claim(volt_rb_producer(&rb), 1024));
}

Test(ring_spsc_rb, reports_full_and_recovers_after_release)
{
    cr_assert_eq(volt_rb_init(&rb, rbuf, sizeof rbuf), 0);
    volt_rb_prod_t p = volt_rb_producer(&rb);
    volt_rb_cons_t c = volt_rb_consumer(&rb);
    int n = 0;
    while (volt_rb_claim(p, 500)) {
        volt_rb_commit(p);
        n++;
    }
    cr_expect_eq(n, 4096 / 512 - 0, "eight 508-byte records fill 4 KiB");
    uint32_t len;
    cr_assert_not_null(volt_rb_next(c, &len));
    volt_rb_release(c);
    cr_expect_not_null(volt_rb_claim(p, 500), "space freed by the consumer is reused");
}

Test(ring_spsc_rb, commit_len_publishes_only_what_was_written)
{
    cr_assert_eq(volt_rb_init(&rb, rbuf, sizeof rbuf), 0);
    volt_rb_prod_t p = volt_rb_producer(&rb);
    volt_rb_cons_t c = volt_rb_consumer(&rb);
    /* worst-case claims cut to 10 bytes: 4096 / (8 + 16) records fit, not 4096 / (8 + 1000) */
    int n = 0;
    uint8_t *w;
    while (n < 1000 && (w = volt_rb_claim(p, 1000))) {
        memset(w, n & 0xff, 10);
        volt_rb_commit_len(p, 10);
        n++;
    }
    cr_expect_gt(n, 100, "shrunk records take their own length, not the claim's (%d fit)", n);
    for (int i = 0; i < n; i++) {
        uint32_t len;
        const uint8_t *r = volt_rb_next(c, &len);
        cr_assert_not_null(r);
        cr_expect_eq(len, 10);
        cr_expect_eq(r[9], (uint8_t)(i & 0xff));
    }
    uint32_t len;
    cr_expect_null(volt_rb_next(c, &len));
    volt_rb_release(c);
    /* a length above the claim publishes the claim */
    w = volt_rb_claim(p, 16);
    volt_rb_commit_len(p, 64);
    cr_assert_not_null(volt_rb_next(c, &len));
    cr_expect_eq(len, 16);
}

Test(ring_spsc_rb, backlog_is_what_the_consumer_has_not_released)
{
    cr_assert_eq(volt_rb_init(&rb, rbuf, sizeof rbuf), 0);
    volt_rb_prod_t p = volt_rb_producer(&rb);
    volt_rb_cons_t c = volt_rb_consumer(&rb);
    cr_expect_not(volt_rb_backlog_at_least(p, 1));
    for (int i = 0; i < 4; i++) { /* 4 x (8 + 256) bytes */
        cr_assert_not_null(volt_rb_claim(p, 256));
        volt_rb_commit(p);
    }
    cr_expect(volt_rb_backlog_at_least(p, 4 * 264));
    cr_expect_not(volt_rb_backlog_at_least(p, 4 * 264 + 1));
    uint32_t len;
    volt_rb_next(c, &len);
    volt_rb_next(c, &len);
    cr_expect(volt_rb_backlog_at_least(p, 4 * 264), "read but not released still counts");
    volt_rb_release(c);
    cr_expect_not(volt_rb_backlog_at_least(p, 2 * 264 + 1));
    cr_expect(volt_rb_backlog_at_least(p, 2 * 264));
}

/* Producer writes records of pseudo-random length whose bytes encode their sequence number. */
#define RB_N 2000000u
static volt_rb_t srb;
static _Alignas(64) uint8_t sbuf[1 << 16];

static void *rb_producer(void *arg)
{
    (void)arg;
    volt_rb_prod_t p = volt_rb_producer(&srb);
    uint32_t x = 12345;
    for (uint32_t i = 0; i < RB_N; i++) {
        x = x * 1103515245u + 12345u;
        const uint32_t len = 4 + (x >> 16) % 600;
        uint8_t *w;
        while (!(w = volt_rb_claim(p, len)))
            ;
        memcpy(w, &i, 4);
        for (uint32_t k = 4; k < len; k++)
            w[k] = (uint8_t)(i + k);
        volt_rb_commit(p);
    }
    return NULL;
}

Test(ring_spsc_rb, two_threads_pass_two_million_records_intact, .timeout = 300)
{
    cr_assert_eq(volt_rb_init(&srb, sbuf, sizeof sbuf), 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, rb_producer, NULL), 0);
    volt_rb_cons_t c = volt_rb_consumer(&srb);
    uint32_t expect = 0, bad = 0, x = 12345;
    while (expect < RB_N && !bad) {
        uint32_t len;
        const uint8_t *r = volt_rb_next(c, &len);
        if (!r)
            continue;
        x = x * 1103515245u + 12345u;
        uint32_t seq;
        memcpy(&seq, r, 4);
        bad += seq != expect || len != 4 + (x >> 16) % 600;
        for (uint32_t k = 4; k < len && !bad; k++)
            bad += r[k] != (uint8_t)(expect + k);
        expect++;
        if ((expect & 15) == 0)
            volt_rb_release(c); /* batched releases */
    }
    volt_rb_release(c);
    pthread_join(th, NULL);
    cr_expect_eq(bad, 0, "record %u arrived corrupted or out of order", expect);
    cr_expect_eq(expect, RB_N);
}

/* The bench source with the sink on its thread (volt_bench_msgs_t.sink_on_source): every row still reaches the
 * sink, the rows it writes are the same bytes as a sink thread's, at a paced rate and at full
 * speed; the other sources refuse the setting; and the idle strategy runs a side agent. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/clock.h"
#include "engine/base/idle.h"
#include "engine/pipeline.h"
#include "../bench_cfg.h"
#include "helpers.h"

#define MAXMSG 4096

typedef struct {
    char *msg[MAXMSG];
    uint32_t len[MAXMSG];
    uint64_t n;
} msgs_t;

/* A synthetic ticker stream (n messages, 20 ms apart) and the mixed fixture's lines (rejects of
 * every kind, a feed error, duplicates, an out-of-order tick) at the end. */
static void make_msgs(msgs_t *m, int n)
{
    memset(m, 0, sizeof *m);
    double p = 90000.0;
    for (int i = 0; i < n; i++) {
        char buf[512];
        const long ms = 20L * i;
        p += (i % 7 == 3) ? 1.5 : (i % 5 == 1 ? -1.0 : 0.0);
        const int len = snprintf(
            buf, sizeof buf,
            "{\"channel\":\"ticker\",\"timestamp\":\"2025-11-24T10:%02ld:%02ld.%03ldZ\","
            "\"sequence_num\":%d,\"events\":[{\"type\":\"update\",\"tickers\":[{\"type\":"
            "\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"%.2f\",\"volume_24_h\":\"5000.0\","
            "\"best_bid\":\"%.2f\",\"best_ask\":\"%.2f\"}]}]}",
            ms / 60000 % 60, ms / 1000 % 60, ms % 1000, i, p, p - 0.01, p);
        m->msg[m->n] = strdup(buf);
        m->len[m->n++] = (uint32_t)len;
    }
    size_t sz = 0;
    char *text = th_read_file(th_fixture("replay/mixed.ndjson"), &sz);
    cr_assert_not_null(text);
    for (char *line = strtok(text, "\n"); line && m->n < MAXMSG; line = strtok(NULL, "\n")) {
        m->msg[m->n] = strdup(line);
        m->len[m->n++] = (uint32_t)strlen(line);
    }
    free(text);
}

static void free_msgs(msgs_t *m)
{
    for (uint64_t i = 0; i < m->n; i++)
        free(m->msg[i]);
}

static void bench(const msgs_t *m, double rate, int shared, const char *out, volt_run_stats_t *st)
{
    volt_pipeline_cfg_t cfg;
    volt_bench_msgs_t bm;
    tb_bench_cfg(&cfg, &bm, m->msg, m->len, m->n, rate, shared, out, 64);
    cr_assert_eq(volt_pipeline_bench(&cfg, &bm, st), 0, "bench at rate %.0f (shared %d)", rate, shared);
}

static void same_rows_either_way(double rate)
{
    msgs_t m;
    make_msgs(&m, 3000);
    char a[] = "/tmp/volt_bsrc_a_XXXXXX", b[] = "/tmp/volt_bsrc_b_XXXXXX";
    cr_assert_geq(mkstemp(a), 0);
    cr_assert_geq(mkstemp(b), 0);
    volt_run_stats_t thr, sh;
    bench(&m, rate, 0, a, &thr);
    bench(&m, rate, 1, b, &sh);
    cr_assert_eq(sh.read, m.n);
    cr_assert_eq(sh.ticks, thr.ticks);
    cr_expect_geq(sh.ticks, 3000, "every synthetic ticker is a tick");
    cr_assert_eq(sh.rejected, thr.rejected);
    cr_assert_gt(sh.rejected, 0, "the fixture's bad lines are counted");
    cr_assert_eq(sh.duplicates, thr.duplicates);
    cr_assert_eq(sh.out_of_order, thr.out_of_order);
    cr_assert_eq(sh.rows, thr.rows);
    cr_assert_eq(sh.rows, sh.ticks - sh.duplicates - sh.out_of_order,
                 "every accepted tick's row reached the sink");
    cr_assert_eq(sh.lat[VOLT_LAT_TO_SINK].count, sh.rows, "the sink timed every row it took");
    cr_assert(th_same_bytes(a, b), "the shared sink wrote other rows than the sink thread");
    unlink(a);
    unlink(b);
    free_msgs(&m);
}

Test(bench_source, shared_sink_writes_the_sink_threads_rows_when_paced, .timeout = 60)
{
    same_rows_either_way(50000);
}

Test(bench_source, shared_sink_writes_the_sink_threads_rows_at_full_speed, .timeout = 60)
{
    same_rows_either_way(0);
}

Test(bench_source, rejects_an_unknown_sink_idle_strategy)
{
    msgs_t m;
    make_msgs(&m, 10);
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    cfg.human = NULL;
    cfg.sink_idle = "nap";
    const volt_bench_msgs_t bm = {.msg = (const char *const *)m.msg, .len = m.len, .n = m.n};
    volt_run_stats_t st;
    cr_assert_eq(volt_pipeline_bench(&cfg, &bm, &st), -EINVAL);
    free_msgs(&m);
}

static uint64_t g_side_work, g_side_calls;
static uint64_t side(void *arg)
{
    cr_assert_eq(arg, &g_side_calls);
    g_side_calls++;
    return g_side_work;
}

Test(idle, runs_the_side_agent_only_when_idle_and_counts_its_work)
{
    volt_idle_t s;
    cr_assert_eq(volt_idle_preset(&s, "backoff"), 0);
    s.side = side;
    s.side_arg = &g_side_calls;
    g_side_work = 0;
    volt_idle(&s, 0);
    volt_idle(&s, 0);
    cr_assert_eq(g_side_calls, 2);
    cr_assert_eq(s.n, 2, "an idle side leaves the strategy walking");
    volt_idle(&s, 5);
    cr_assert_eq(g_side_calls, 2, "work of its own: the side does not run");
    cr_assert_eq(s.n, 0);
    volt_idle(&s, 0);
    g_side_work = 3;
    volt_idle(&s, 0);
    cr_assert_eq(g_side_calls, 4);
    cr_assert_eq(s.n, 0, "the side's work counts as work");
}

Test(idle, park_sleeps_a_fixed_millisecond_without_spinning)
{
    volt_idle_t s;
    cr_assert_eq(volt_idle_preset(&s, "park"), 0);
    cr_assert_eq(s.spins, 0);
    cr_assert_eq(s.yields, 0);
    cr_assert_eq(s.park_min_ns, 1000000);
    cr_assert_eq(s.park_max_ns, 1000000);
    cr_assert_null(s.side);
    cr_assert_eq(volt_idle_preset(&s, "nap"), -EINVAL);
}

/* The bell: an idle agent arms it on its first sleeping cycle (no sleep yet: one more poll), then
 * sleeps on it; a ring wakes it. Sleeps of 20 s make a missed wake impossible to miss here. */
static void long_sleeps(volt_idle_t *s, volt_bell_t *b)
{
    cr_assert_eq(volt_idle_preset(s, "sleep"), 0);
    s->park_min_ns = s->park_max_ns = s->park_ns = 20000000000LL;
    volt_idle_attach_bell(s, b);
}

Test(idle, a_ring_between_arming_and_sleeping_cuts_the_sleep_short)
{
    static volt_bell_t b;
    volt_idle_t s;
    long_sleeps(&s, &b);
    volt_bell_ring(&b); /* not armed: nothing to wake, seq unchanged */
    cr_expect_eq(atomic_load(&b.seq), 0);
    int64_t t0 = volt_clock_monotonic_ns();
    volt_idle(&s, 0);
    cr_expect(atomic_load(&b.armed), "the first sleeping cycle arms the bell");
    cr_expect_lt(volt_clock_monotonic_ns() - t0, 1000000000LL, "arming does not sleep");
    volt_bell_ring(&b);
    cr_expect_not(atomic_load(&b.armed), "a ring disarms");
    cr_expect_eq(atomic_load(&b.seq), 1);
    t0 = volt_clock_monotonic_ns();
    volt_idle(&s, 0); /* the futex word moved since arming: returns at once */
    cr_expect_lt(volt_clock_monotonic_ns() - t0, 10000000000LL,
                 "the sleep ends on the ring, not at 20 s");
    volt_idle(&s, 0);
    cr_expect(atomic_load(&b.armed), "armed again for the next sleep");
    volt_idle(&s, 1);
    cr_expect_not(atomic_load(&b.armed), "work disarms");
}

static volt_bell_t g_bell;
static void *ring_later(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_bell.armed))
        sched_yield();
    struct timespec d = {.tv_sec = 0, .tv_nsec = 50000000};
    nanosleep(&d, NULL); /* the sleeper is (most likely) in its futex wait by now */
    volt_bell_ring(&g_bell);
    return NULL;
}

Test(idle, a_ring_wakes_an_agent_asleep_on_the_bell)
{
    volt_idle_t s;
    long_sleeps(&s, &g_bell);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, ring_later, NULL), 0);
    volt_idle(&s, 0); /* arms */
    const int64_t t0 = volt_clock_monotonic_ns();
    volt_idle(&s, 0); /* sleeps until the ring */
    const int64_t slept = volt_clock_monotonic_ns() - t0;
    pthread_join(th, NULL);
    cr_expect_lt(slept, 10000000000LL, "woken by the ring (slept %lld ns of 20 s)",
                 (long long)slept);
}

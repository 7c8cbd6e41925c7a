/* engine/agents/source_mem.c — the bench source: an in-memory recording offered at a fixed rate.
 *
 * Message i is due at t0 + i / rate. The source waits (spinning) until it is due, then stamps the
 * frame with its *intended* time, not the moment it got around to sending it: when the pipeline
 * stalls, the messages that should have gone out meanwhile carry the stall in their latency
 * instead of hiding it (the coordinated-omission correction of Tene's HdrHistogram/wrk2). The
 * source's own lateness (hand-off - intended time) goes to a histogram of its own, so a tail can
 * be told apart from the pipeline's: the pacing thread late or the pipeline slow. Rate 0:
 * as fast as the ring takes them, stamped when pushed. With Kafka on, every message is also
 * offered to the Kafka ring, as the live source does: never waiting, a full ring a counted drop.
 *
 * With bench->sink_on_source the sink agent runs on this thread (wiring's sink), so the core the
 * two share is never handed back and forth by the scheduler: a sink thread woken on it took the
 * core for its whole batch (tens of microseconds on a VM), and every message due meanwhile went
 * out late. Here the sink takes a few rows after each message, and more while the next one is
 * due later than SIDE_SLACK_NS, in slices short enough not to make it late; the frame ring's
 * waits run it too (a sink that could only run between messages would deadlock a source that
 * waits on a hot agent that waits on the sink). */
#include <stdlib.h>
#include <string.h>

#include "engine/agents/sink.h"
#include "engine/agents/source.h"
#include "engine/base/clock.h"
#include "engine/run/settings.h"

/* Rows the sink takes after a message sent on time (or when the row ring is half full): keeps up
 * with the hot agent at any rate whose messages carry up to this many ticks on average. */
#define SIDE_ROWS 2
/* Rows per slice while waiting. A row cost a sink thread about 0.2 us (a scheduler trace: 20 us
 * per wake-up for a millisecond's hundred rows at 100 k msg/s; they come from the other core's
 * cache), so a slice ends well inside SIDE_SLACK_NS. */
#define SIDE_SLICE 4
#define SIDE_SLACK_NS 2000

typedef struct {
    volt_agent_t agent;
    volt_source_out_t out;
    volt_source_stats_t *st;
    const volt_bench_msgs_t *b;
    volt_agent_t *sink; /* run on this thread (NULL: it has its own) */
    volt_ring_t *rows;  /* the sink's input, watched for a pile-up */
    uint32_t rows_half;
    double period_ns;   /* 0: as fast as the ring takes them */
    int64_t t0;
    uint64_t i;         /* the next message */
} mem_t;

static uint64_t sink_slice(void *sink) { return volt_sink_take(sink, SIDE_SLICE); }

/* Waits until message i is due, running sink slices while the wait is long. Returns its stamp. */
static int64_t wait_due(mem_t *m)
{
    if (m->period_ns <= 0)
        return volt_clock_ns();
    const int64_t due = m->t0 + (int64_t)((double)m->i * m->period_ns);
    int64_t now;
    while ((now = volt_clock_ns()) < due) {
        if (!m->sink || due - now < SIDE_SLACK_NS || !volt_sink_take(m->sink, SIDE_SLICE))
            volt_cpu_pause();
    }
    return due;
}

/* One message: due, stamped with its intended time, handed over; then a few rows for the sink. */
static uint32_t mem_do_work(volt_agent_t *a)
{
    mem_t *m = (mem_t *)a;
    if (m->i >= m->b->n || volt_pipeline_stop_requested()) {
        a->done = 1;
        return 0;
    }
    const int64_t stamp = wait_due(m);
    const volt_frame_hdr_t h = {.recv_mono_ns = stamp,
                                .recv_wall_ns = 0,
                                .line = m->i + 1,
                                .file = 0,
                                .epoch = 1,
                                .kind = VOLT_FRAME_DATA,
                                .len = m->b->len[m->i]};
    volt_frame_push_hot(&m->out, &a->idle, &h, m->b->msg[m->i]);
    const int64_t sent = m->period_ns > 0 ? volt_clock_ns() : 0;
    if (m->period_ns > 0)
        volt_hist_record(&m->st->late, volt_clock_elapsed(stamp, sent));
    m->st->read++;
    m->i++;
    /* a source behind its schedule catches up first, unless the rows pile up (the hot agent
     * would wait on a full row ring) */
    if (m->sink && (m->period_ns == 0 || sent < stamp + (int64_t)m->period_ns ||
                    volt_ring_size_approx(m->rows) >= m->rows_half))
        volt_sink_take(m->sink, SIDE_ROWS);
    return 1;
}

/* The schedule starts on the source's thread, a millisecond ahead. */
static void mem_start(volt_agent_t *a) { ((mem_t *)a)->t0 = volt_clock_ns() + 1000000; }

/* END to the hot agent; a sink on this thread is then drained here (its rows end after END). */
static void mem_close(volt_agent_t *a)
{
    mem_t *m = (mem_t *)a;
    volt_source_out_end(&m->out);
    if (m->sink) {
        volt_idle_t spin; /* without the side agent: the drain is the sink's own work now */
        volt_idle_preset(&spin, "spin");
        volt_sink_drain(m->sink, &spin);
    }
}

static void mem_destroy(volt_agent_t *a)
{
    mem_t *m = (mem_t *)a;
    volt_source_out_free(&m->out);
    free(m);
}

volt_agent_t *volt_source_mem_new(const volt_source_wiring_t *w)
{
    mem_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (volt_source_out_init(&m->out, w)) {
        free(m);
        return NULL;
    }
    m->st = w->stats;
    m->b = w->bench;
    m->sink = w->bench->sink_on_source ? w->sink : NULL;
    m->rows = w->rows;
    m->rows_half = w->cfg->row_ring_slots / 2;
    m->period_ns = w->bench->rate > 0 ? 1e9 / w->bench->rate : 0;
    /* the frame ring's waits spin, running the sink's duty cycle when there is one (a sink that
     * could only run between messages would deadlock a source waiting on a hot agent waiting on
     * the sink) */
    volt_agent_init(&m->agent, "volt-source", w->cfg->cpus[0], "spin", w->cfg->human, mem_do_work,
                    mem_close);
    if (m->sink) {
        m->agent.idle.side = sink_slice;
        m->agent.idle.side_arg = m->sink;
    }
    m->agent.on_start = mem_start;
    m->agent.destroy = mem_destroy;
    return &m->agent;
}

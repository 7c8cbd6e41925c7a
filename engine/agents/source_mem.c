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
 * With cfg->sink_on_source the sink agent runs on this thread (c->sink_shared), so the core the
 * two share is never handed back and forth by the scheduler: a sink thread woken on it took the
 * core for its whole batch (tens of microseconds on a VM), and every message due meanwhile went
 * out late. Here the sink takes a few rows after each message, and more while the next one is
 * due later than SIDE_SLACK_NS, in slices short enough not to make it late; the frame ring's
 * waits run it too (a sink that could only run between messages would deadlock a source that
 * waits on a hot agent that waits on the sink). */
#include <string.h>

#include "engine/agents/agents.h"

/* Rows the sink takes after a message sent on time (or when the row ring is half full): keeps up
 * with the hot agent at any rate whose messages carry up to this many ticks on average. */
#define SIDE_ROWS 2
/* Rows per slice while waiting. A row cost a sink thread about 0.2 us (a scheduler trace: 20 us
 * per wake-up for a millisecond's hundred rows at 100 k msg/s; they come from the other core's
 * cache), so a slice ends well inside SIDE_SLACK_NS. */
#define SIDE_SLICE 4
#define SIDE_SLACK_NS 2000

static uint64_t sink_slice(void *sink) { return volt_sink_do_work(sink, SIDE_SLICE); }

void *volt_source_mem_run(void *arg)
{
    volt_ctx_t *c = arg;
    const volt_pipeline_cfg_t *cfg = c->cfg;
    if (cfg->cpus[0] >= 0)
        volt_pin_self(cfg->cpus[0]);
    volt_rb_prod_t prod = volt_rb_producer(&c->frames);
    volt_idle_t idle;
    volt_idle_preset(&idle, "spin");
    volt_sink_t *sink = c->sink_shared;
    if (sink) {
        idle.side = sink_slice;
        idle.side_arg = sink;
    }
    const double period_ns = cfg->bench_rate > 0 ? 1e9 / cfg->bench_rate : 0;
    const int64_t t0 = volt_clock_ns() + 1000000;
    for (uint64_t i = 0; i < cfg->bench_n && !volt_pipeline_stop_requested(); i++) {
        int64_t stamp;
        if (period_ns > 0) {
            const int64_t due = t0 + (int64_t)((double)i * period_ns);
            int64_t now;
            while ((now = volt_clock_ns()) < due) {
                if (!sink || due - now < SIDE_SLACK_NS || !volt_sink_do_work(sink, SIDE_SLICE))
                    volt_cpu_pause();
            }
            stamp = due;
        } else {
            stamp = volt_clock_ns();
        }
        const volt_frame_hdr_t h = {.recv_mono_ns = stamp,
                                    .recv_wall_ns = 0,
                                    .line = i + 1,
                                    .file = 0,
                                    .epoch = 1,
                                    .kind = VOLT_FRAME_DATA,
                                    .len = cfg->bench_len[i]};
        if (c->kafka_on && !volt_frame_offer(volt_rb_producer(&c->kraw), &h, cfg->bench_msg[i]))
            c->kdrop_src++;
        volt_frame_push_hot(c, &idle, &h, cfg->bench_msg[i]);
        const int64_t sent = period_ns > 0 ? volt_clock_ns() : 0;
        if (period_ns > 0)
            volt_hist_record(&c->src.late, volt_clock_elapsed(stamp, sent));
        c->src.read++;
        /* a source behind its schedule catches up first, unless the rows pile up (the hot agent
         * would wait on a full row ring) */
        if (sink && (period_ns == 0 || sent < stamp + (int64_t)period_ns ||
                     volt_ring_size_approx(&c->rows) >= cfg->row_ring_slots / 2))
            volt_sink_do_work(sink, SIDE_ROWS);
    }
    if (c->kafka_on)
        volt_frame_push_end(volt_rb_producer(&c->kraw));
    volt_frame_push_end(prod);
    if (sink) {
        volt_idle_t spin; /* without the side agent: the drain is the sink's own work now */
        volt_idle_preset(&spin, "spin");
        volt_sink_drain(sink, &spin);
    }
    return NULL;
}

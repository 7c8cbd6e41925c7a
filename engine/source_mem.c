/* engine/source_mem.c — the bench source: an in-memory recording offered at a fixed rate.
 *
 * Message i is due at t0 + i / rate. The source waits (spinning) until it is due, then stamps the
 * frame with its *intended* time, not the moment it got around to sending it: when the pipeline
 * stalls, the messages that should have gone out meanwhile carry the stall in their latency
 * instead of hiding it (the coordinated-omission correction of Tene's HdrHistogram/wrk2). The
 * source's own lateness (hand-off - intended time) goes to a histogram of its own, so a tail can
 * be told apart from the pipeline's: the pacing thread late or the pipeline slow. Rate 0:
 * as fast as the ring takes them, stamped when pushed. With Kafka on, every message is also
 * offered to the Kafka ring, as the live source does: never waiting, a full ring a counted drop. */
#include <string.h>

#include "agents.h"

void *volt_source_mem_run(void *arg)
{
    volt_ctx_t *c = arg;
    const volt_pipeline_cfg_t *cfg = c->cfg;
    if (cfg->cpus[0] >= 0)
        volt_pin_self(cfg->cpus[0]);
    volt_rb_prod_t prod = volt_rb_producer(&c->frames);
    volt_idle_t idle;
    volt_idle_preset(&idle, "spin");
    const double period_ns = cfg->bench_rate > 0 ? 1e9 / cfg->bench_rate : 0;
    const int64_t t0 = volt_clock_ns() + 1000000;
    for (uint64_t i = 0; i < cfg->bench_n && !volt_pipeline_stop_requested(); i++) {
        int64_t stamp;
        if (period_ns > 0) {
            const int64_t due = t0 + (int64_t)((double)i * period_ns);
            while (volt_clock_ns() < due)
                volt_cpu_pause();
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
        if (period_ns > 0)
            volt_hist_record(&c->src.late, volt_clock_elapsed(stamp, volt_clock_ns()));
        c->src.read++;
    }
    if (c->kafka_on)
        volt_frame_push_end(volt_rb_producer(&c->kraw));
    volt_frame_push_end(prod);
    return NULL;
}

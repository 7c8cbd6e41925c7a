/* engine/agents/source.h — the sources: where frames come from. Each is an agent (agent.h) that
 * hands frames to the hot agent's frame ring (and, live, to the journal's), and ends them with END.
 *
 *  - file: recordings, line by line (replay; zstd or plain; never drops, waits on a full ring);
 *  - ws:   the Coinbase WebSocket feed (live; reconnects, resubscribes, watchdog; source_ws.h);
 *  - mem:  messages in memory at a fixed rate (the pipeline bench; may run the sink on its thread).
 *
 * Parse assist: when the hot agent is behind by backlog_bytes or more, a source parses a frame
 * itself, in its ring slot, with its own lookup-only parser (parse.h), and sends it as
 * VOLT_FRAME_PARSED (frame.h); a message naming a product the hot agent has not interned yet goes
 * as it is. */
#ifndef VOLT_ENGINE_AGENTS_SOURCE_H
#define VOLT_ENGINE_AGENTS_SOURCE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine/agents/agent.h"
#include "engine/agents/frame.h"
#include "engine/agents/router.h"
#include "engine/base/hist.h"
#include "engine/feed/parse.h"
#include "engine/run/report.h"
#include "engine/run/settings.h"
#include "ring/arch.h"
#include "ring/spsc.h"
#include "ring/spsc_rb.h"

typedef struct volt_source_stats {
    alignas(VOLT_FALSE_SHARING) uint64_t read;
    uint64_t too_large;
    int io_error; /* -errno of the first read error */
    uint32_t io_error_file;
    volt_hist_t late; /* bench source: hand-off - intended time */
    volt_live_stats_t live; /* the live source's connection story */
    uint64_t assisted, assist_deferred; /* frames it parsed / left to the hot agent (new product) */
    uint64_t kafka_raw_dropped; /* live, several hot agents: raw frames the Kafka ring had no room for */
    int stopped; /* replay: a stop request ended it before the end of its input */
} volt_source_stats_t;

typedef struct volt_source_wiring {
    const volt_pipeline_cfg_t *cfg; /* files, url, products, max_frame, cpus[0], idle, ... */
    volt_rb_t *frames[VOLT_MAX_HOT]; /* out: to the hot agents (cfg->hot_threads of them) */
    volt_bell_t *hot_bell[VOLT_MAX_HOT]; /* rung after each frame */
    volt_parser_t *router;          /* several hot agents: the router's parser (router.h; it takes it) */
    volt_rb_t *kafka_raw;           /* several hot agents with Kafka: raw frames, from the router */
    int kafka_lossless;
    volt_rb_t *journal;             /* out, live: to the journal agent (NULL: no journal) */
    _Atomic int *book_resync;       /* live: set by the hot agent when the books need snapshots */
    volt_parser_t *assist;          /* the parse assist's parser (NULL: off) */
    int64_t assist_backlog;         /* parse when this many bytes wait in frames (0: always) */
    const volt_bench_msgs_t *bench; /* mem source: its messages */
    volt_agent_t *sink;             /* mem source with bench->sink_on_source: the sink it runs */
    volt_ring_t *rows;              /* mem source: that sink's input (row ring) */
    volt_source_stats_t *stats;
} volt_source_wiring_t;

volt_agent_t *volt_source_file_new(const volt_source_wiring_t *w);
volt_agent_t *volt_source_ws_new(const volt_source_wiring_t *w);
volt_agent_t *volt_source_mem_new(const volt_source_wiring_t *w);

/* Shared by the sources (assist.c): how a source hands a frame to the hot agent, or through the
 * router to several (router.h). */
typedef struct volt_source_out {
    volt_rb_prod_t prod;
    volt_rb_t *ring;
    volt_bell_t *bell;
    volt_parser_t *assist;
    int64_t backlog;
    volt_source_stats_t *stats;
    volt_router_t *router; /* NULL: one hot agent */
} volt_source_out_t;

/* Set-up (the router allocates): 0, or -ENOMEM. */
int volt_source_out_init(volt_source_out_t *o, const volt_source_wiring_t *w);
void volt_source_out_free(volt_source_out_t *o);
/* The end of the stream to every hot agent. */
void volt_source_out_end(volt_source_out_t *o);

/* volt_frame_push, or, when the parse assist is on and the hot agent is behind, parses the frame
 * in its slot and sends it as VOLT_FRAME_PARSED; then rings the hot agent's bell. Waits like
 * volt_frame_push; idle must not be NULL. */
void volt_frame_push_hot(volt_source_out_t *o, volt_idle_t *idle, const volt_frame_hdr_t *h,
                         const void *payload);

#endif

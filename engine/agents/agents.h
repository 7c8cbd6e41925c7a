/* engine/agents/agents.h — the agents' shared wiring (internal to engine/).
 *
 * Each agent is a thread running do_work() cycles with an idle strategy. The context below is
 * written by main before the threads start and only read afterwards, except for the rings (their
 * own protocol) and each agent's stats block, which only that agent writes and main reads after
 * joining it. */
#ifndef VOLT_ENGINE_AGENTS_H
#define VOLT_ENGINE_AGENTS_H

#include <stdalign.h>
#include <stdint.h>
#include <time.h>

#include "ring/arch.h"
#include "engine/base/clock.h"
#include "engine/base/idle.h"
#include "engine/agents/journal.h"
#include "engine/agents/kafka.h"
#include "engine/model/model.h"
#include "engine/agents/frame.h"
#include "engine/rows/row.h"
#include "engine/run/report.h"
#include "engine/run/settings.h"
#include "engine/feed/product.h"
#include "ring/spsc.h"
#include "ring/spsc_rb.h"

typedef struct volt_source_stats {
    alignas(VOLT_FALSE_SHARING) uint64_t read;
    uint64_t too_large;
    int io_error; /* -errno of the first read error */
    uint32_t io_error_file;
    volt_hist_t late; /* bench source: hand-off - intended time */
} volt_source_stats_t;

typedef struct volt_hot_stats {
    alignas(VOLT_FALSE_SHARING) uint64_t accepted;
    uint64_t rejected_by[VOLT_REJ_COUNT];
    uint64_t by_kind[VOLT_MSG_KIND_COUNT];
    uint64_t items_rejected[VOLT_REJ_COUNT];
    uint64_t ticks, rows, out_of_order, duplicates, seq_gaps, alerts, feed_errors;
    volt_hist_t lat[VOLT_LAT_COUNT]; /* all but TO_SINK (the sink's) */
} volt_hot_stats_t;

typedef struct volt_sink_stats {
    alignas(VOLT_FALSE_SHARING) uint64_t rows_written;
    uint64_t labelled, positives, unlabelled; /* --label, at the end */
    volt_grade_t grade;                       /* the self-grade at the end (grade.h) */
    int n_graded;
    uint16_t graded_product[VOLT_GRADE_LISTED];
    volt_grade_t graded[VOLT_GRADE_LISTED];
    int io_error;
    volt_hist_t to_sink; /* signal -> sink */
} volt_sink_stats_t;

/* Interval statistics handed from the hot agent to the sink: the hot agent fills one histogram
 * while the sink prints and clears the other. busy: 1 while the sink owns it (release/acquire). */
typedef struct volt_interval {
    volt_hist_t h[2];
    _Atomic int busy[2];
    int64_t start_ns[2], end_ns[2];
} volt_interval_t;

/* Parse assist: the source's own lookup-only parser (parse.h), used when the hot agent is behind
 * by backlog_bytes or more (0: always; no parser: off). Written by the source thread only. */
typedef struct volt_assist {
    volt_parser_t *parser;
    int64_t backlog_bytes;
    uint64_t parsed, deferred;
} volt_assist_t;

/* A frame the source parsed (VOLT_FRAME_PARSED): header, payload and padding as any frame, then,
 * at the next 8-byte boundary, this trailer with res.n_ticks ticks. The ticks were written there by
 * the parser itself. */
typedef struct volt_parsed_trailer {
    int64_t parse_ns; /* the source's parse time (engine clock) */
    volt_parse_result_t res; /* text/text_len cleared */
    volt_tick_t ticks[];
} volt_parsed_trailer_t;

static inline uint32_t volt_parsed_offset(uint32_t len)
{
    return (uint32_t)volt_rb_align8_(sizeof(volt_frame_hdr_t) + len + VOLT_JSON_PADDING);
}

static inline const volt_parsed_trailer_t *volt_frame_trailer(const volt_frame_hdr_t *f)
{
    return (const volt_parsed_trailer_t *)(const void *)((const char *)f + volt_parsed_offset(f->len));
}

typedef struct volt_sink volt_sink_t;

typedef struct volt_ctx {
    const volt_pipeline_cfg_t *cfg;
    volt_rb_t frames;  /* source -> hot */
    volt_ring_t rows;  /* hot -> sink */
    volt_bell_t hot_bell;  /* rung by the source after each frame: wakes a sleeping hot agent */
    volt_bell_t sink_bell; /* rung by the hot agent after each batch of rows */
    volt_products_t products; /* written by hot only; sink reads names of published indices */
    volt_features_t *features;
    volt_model_t model;
    volt_parser_t *parser;
    volt_assist_t assist;     /* the source's */
    volt_source_stats_t src;
    volt_hot_stats_t hot;
    volt_sink_stats_t sink;
    volt_sink_t *sink_shared; /* the sink when it runs on the bench source's thread, else NULL */
    volt_live_stats_t live; /* written by the live source only */
    volt_interval_t interval;
    /* Kafka (cfg->kafka_brokers): source -> kraw -> kafka agent <- krec <- sink */
    int kafka_on;
    volt_rb_t kraw, krec;
    volt_kafka_cfg_t kcfg;
    volt_kafka_stats_t kstats; /* written by the Kafka agent only */
    uint64_t kdrop_src;        /* raw frames the source could not hand over (live, ring full) */
    uint64_t kdrop_sink[VOLT_K_TOPICS]; /* records the sink could not hand over */
    int kfailed_start;
    int journal_on;
    volt_rb_t jframes;      /* live source -> journal */
    volt_journal_cfg_t jcfg;
    volt_journal_stats_t jstats; /* written by the journal agent only */
} volt_ctx_t;

/* A record the sink hands to the Kafka agent: this header, then (topic VOLT_KREC_ROW) the tick's
 * volt_row_t as it is, val_len bytes, unaligned. The Kafka agent formats it (the features record,
 * the alert record when the row raised one), so the sink, which the hot agent waits on when it
 * falls behind, pays one copy per row for Kafka and no text formatting. */
typedef struct volt_krec_hdr {
    uint8_t topic; /* VOLT_KREC_ROW or VOLT_KREC_END */
    uint8_t pad_;
    uint16_t key_len; /* 0 */
    uint32_t val_len;
} volt_krec_hdr_t;
#define VOLT_KREC_ROW 254
#define VOLT_KREC_END 255

/* NOTICE row reasons that are not rejections. */
#define VOLT_NOTICE_FEED_ERROR 255
#define VOLT_NOTICE_SEQ_GAP 254

/* The sources' way into the frame ring (c->frames): volt_frame_push, or, when the parse assist is
 * on and the hot agent is behind, parses the frame in its slot and sends it as VOLT_FRAME_PARSED
 * (a message naming a product the hot agent has not interned yet goes as it is). Waits like
 * volt_frame_push; idle must not be NULL. */
void volt_frame_push_hot(volt_ctx_t *c, volt_idle_t *idle, const volt_frame_hdr_t *h,
                         const void *payload);

/* Wires the journal into c (c->cfg set): its frame ring over ring_buf (ring_bytes, a power of
 * two) and its settings from c->cfg, writing to dir as product_tag. Returns volt_rb_init's result.
 * The journal agent (volt_journal_run) then runs on its own thread. */
int volt_journal_attach(volt_ctx_t *c, void *ring_buf, uint64_t ring_bytes, const char *dir,
                        const char *product_tag);

void *volt_source_file_run(void *ctx);
void *volt_source_ws_run(void *ctx);
void *volt_source_mem_run(void *ctx);
void *volt_journal_run(void *ctx);
void *volt_kafka_run(void *ctx);
/* The hot agent's state is made at set-up (it allocates); the thread only runs it. */
void *volt_hot_new(volt_ctx_t *c);
void volt_hot_free(void *state);
void *volt_hot_run(void *state);
/* The sink agent (sink.c). Its state is made at set-up (it allocates, opens the output file);
 * then one thread runs it: its own (volt_sink_run) or, with cfg->sink_on_source, the bench
 * source's between messages (source_mem.c). */
volt_sink_t *volt_sink_new(volt_ctx_t *c);
/* One duty cycle: takes up to max rows from the row ring (rows, alerts, notices, stats) and
 * handles them. Returns how many it took (0: none waiting, or the END row was taken before). */
uint32_t volt_sink_do_work(volt_sink_t *s, uint32_t max);
/* Duty cycles until the END row, idling with idle between empty ones; then flushes the labeler,
 * ends the Kafka ring and closes the output. The sink thread's whole run, and the end of a run
 * for a thread that ran the sink alongside; called once, by the thread that ran the sink. */
void volt_sink_drain(volt_sink_t *s, volt_idle_t *idle);
void volt_sink_free(volt_sink_t *s);
/* The sink's own thread: pins it (cfg->cpus[2]), runs duty cycles until END, then finishes. */
void *volt_sink_run(void *sink);

#endif

/* engine/pipeline.h — the threaded pipeline: source -> hot (parse, features, score) -> sink.
 *
 *   source ──frame byte ring──► hot ──row ring──► sink
 *
 * Each ring has one producer and one consumer. The hot agent owns every per-product state; the
 * sink formats rows, prints alerts and logs rejected inputs (the hot path never formats). Replay is
 * lossless: a full ring makes its producer wait, never drop. Output depends only on the input
 * bytes, so two runs over the same input write the same bytes. */
#ifndef VOLT_ENGINE_PIPELINE_H
#define VOLT_ENGINE_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "features.h"
#include "grade.h"
#include "hist.h"
#include "kafka.h"
#include "parse.h"
#include "tick.h"

/* A frame as the source hands it to the hot agent: this header, then len bytes. */
typedef struct volt_frame_hdr {
    int64_t recv_mono_ns; /* engine clock (clock.h) when the source got the bytes: latency origin */
    int64_t recv_wall_ns; /* receive time for messages that carry none (0 in replay) */
    uint64_t line;        /* 1-based line in the file (replay) or frame number (live) */
    uint32_t file;        /* index of the input file (replay) */
    uint32_t epoch;       /* stream: bumps at each file or connection; sequence tracking resets */
    uint32_t kind;        /* VOLT_FRAME_* */
    uint32_t len;         /* payload bytes after the header */
} volt_frame_hdr_t;

/* DATA: a message for the hot agent to parse; PARSED: one the source parsed already (parse assist,
 * agents.h: the payload is followed by the parse's result); TOO_LARGE: a frame cut off by the
 * source; END: the end of the stream. */
enum { VOLT_FRAME_DATA = 1, VOLT_FRAME_TOO_LARGE = 2, VOLT_FRAME_END = 3, VOLT_FRAME_PARSED = 4 };

/* Parse assist (cfg.parse_assist): the source parses a frame itself, in the ring slot, when at least
 * this many bytes wait in the frame ring (the hot agent is behind). */
#define VOLT_PARSE_ASSIST_DEFAULT (8 * 1024)
#define VOLT_PARSE_ASSIST_OFF (-1)

enum { VOLT_ROW_TICK = 1, VOLT_ROW_NOTICE = 2, VOLT_ROW_END = 3, VOLT_ROW_STATS = 4 };

/* Latency stages of one tick, all on the engine clock (clock.h) from the frame's receive time. */
typedef enum {
    VOLT_LAT_E2E = 0,  /* receive -> signal (score ready): the headline figure */
    VOLT_LAT_QUEUE,    /* receive -> the hot agent takes the frame (source + ring; without the
                        * source's parse of an assisted frame) */
    VOLT_LAT_PARSE,    /* frame taken -> parsed (an assisted frame: the source's parse) */
    VOLT_LAT_FEATURES, /* parsed (or previous tick of the frame done) -> features updated */
    VOLT_LAT_SCORE,    /* features -> model score and alert decision */
    VOLT_LAT_HOT,      /* frame taken -> signal: the hot agent's own time per tick (parse + features
                        * + score; for a frame of several ticks, up to this one) */
    VOLT_LAT_TO_SINK,  /* signal -> the sink takes the row (ring hand-off) */
    VOLT_LAT_SOURCE_LATE, /* bench at a fixed rate only: the pacing source's hand-off - the frame's
                           * intended time (the source's own lateness, part of QUEUE and E2E) */
    VOLT_LAT_COUNT
} volt_lat_stage_t;

const char *volt_lat_stage_name(volt_lat_stage_t s);

enum {
    VOLT_ROW_SEQ_GAP = 1u << 4,     /* the message's sequence number skipped ahead (missed messages) */
    VOLT_ROW_SPANS_GAP = 1u << 5,   /* a sequence gap lies inside this row's longest window (300 s) */
};

/* One record of the row ring: a scored tick, a notice for the sink to log, or the end. */
typedef struct volt_row {
    uint8_t type;       /* VOLT_ROW_* */
    uint8_t prediction; /* prob >= threshold */
    uint8_t alert;      /* this row raised an alert */
    uint8_t reason;     /* notice: volt_reject_t */
    uint32_t file;
    uint64_t line;
    int64_t lat_ns;    /* receive -> score ready */
    int64_t signal_ns; /* engine clock when the score was ready */
    double score;
    double prob;
    volt_tick_t tick;
    volt_feat_out_t feat;
    /* labels (volt replay --label; set by the sink's labeler) */
    uint8_t label_on;    /* the label columns are written */
    int8_t label;        /* volatility_spike: 1, 0, or -1 when the row cannot be labelled */
    double label_rv;     /* realized volatility over (t, t + 60 s] (NaN: future incomplete) */
    double label_tau;    /* the threshold the label used (NaN: none known at t) */
} volt_row_t;

typedef enum { VOLT_FMT_CSV = 0, VOLT_FMT_NDJSON = 1 } volt_fmt_t;

typedef struct volt_pipeline_cfg {
    const char *const *files; /* replay inputs */
    int n_files;
    /* live */
    const char *url;          /* ws:// or wss:// */
    int protocol;             /* VOLT_PROTO_ADVANCED or VOLT_PROTO_EXCHANGE */
    const char *const *products;
    int n_products;
    double duration_s;        /* stop after this long (0: until SIGINT/SIGTERM) */
    double watchdog_s;        /* reconnect after this long without a frame */
    double backoff_min_s, backoff_max_s;
    const char *ca_file;      /* trust anchors for wss (NULL: the system store) */
    const char *journal_dir;  /* live: journal every frame here (NULL: no journal) */
    double journal_rotate_mb, journal_rotate_min, journal_fsync_ms;
    const char *kafka_brokers;      /* publish to Kafka (NULL: off) */
    const char *kafka_topic[3];     /* raw, features, alerts */
    const char *const *kafka_conf;  /* extra librdkafka key=value settings */
    int n_kafka_conf;
    double kafka_flush_s;           /* at the end, wait this long for deliveries */
    /* bench: messages in memory, offered at bench_rate per second (0: as fast as possible) */
    const char *const *bench_msg;
    const uint32_t *bench_len;
    uint64_t bench_n;
    double bench_rate;
    const char *out_path;     /* feature rows: a path, "-" for stdout, NULL for none */
    volt_fmt_t format;
    FILE *human;              /* alerts, notices and the summary */
    int cpus[3];              /* source, hot, sink: CPU to pin to, -1 for none */
    const char *idle;         /* idle strategy preset for the hot agent and the sink */
    const char *sink_idle;    /* the sink's, when it should differ (NULL: idle) */
    int sink_on_source;       /* bench only: the sink runs on the source's thread, in its slack
                               * between messages, instead of a thread of its own */
    size_t max_frame;         /* largest frame accepted (bytes) */
    uint32_t frame_ring_bytes;
    int64_t parse_assist;     /* the source parses when this many bytes are queued (0: always;
                               * VOLT_PARSE_ASSIST_OFF: never); default VOLT_PARSE_ASSIST_DEFAULT */
    uint32_t row_ring_slots;
    volt_feat_cfg_t feat;
    const char *model;        /* model name */
    double alert_cooldown_s;  /* per product, event time */
    int quiet;                /* no alert lines */
    double stats_interval_s;  /* print interval latency stats this often (0: never) */
    const char *hist_out;     /* write the receive->signal histogram here at the end (CSV) */
    int max_notices;          /* reject log lines per reason */
    int label;                /* add the volatility_spike label (rows come out 60 s late) */
    int no_grade;             /* do not grade the model against persistence (engine/grade.h) */
    double label_tau;         /* fixed tau (NaN: the trailing tau, tau_trailing) */
} volt_pipeline_cfg_t;

void volt_pipeline_cfg_default(volt_pipeline_cfg_t *c);

typedef struct volt_live_stats {
    uint64_t connect_attempts, connects, disconnects, connect_failures, subscribes;
    uint64_t watchdog_fires, frames, frames_too_large;
    int64_t last_reconnect_ns, max_reconnect_ns; /* connection lost -> connected again */
} volt_live_stats_t;

typedef struct volt_run_stats {
    uint64_t read;     /* frames/lines the source read */
    uint64_t accepted; /* messages that parsed */
    uint64_t rejected; /* messages rejected (sum over reasons) */
    uint64_t rejected_by[VOLT_REJ_COUNT];
    uint64_t by_kind[VOLT_MSG_KIND_COUNT];
    uint64_t items_rejected[VOLT_REJ_COUNT]; /* bad items inside accepted messages */
    uint64_t ticks;        /* ticks parsed */
    uint64_t assisted;     /* messages the source parsed (parse assist) */
    uint64_t assist_deferred; /* ... that it left to the hot agent: a product new to the table */
    uint64_t rows;         /* feature rows written */
    uint64_t out_of_order; /* ticks older than their product's last (dropped) */
    uint64_t duplicates;   /* messages/ticks whose sequence number was already seen (dropped) */
    uint64_t seq_gaps;     /* sequence jumps (messages missed upstream) */
    uint64_t time_gaps;    /* window restarts after silence */
    uint64_t alerts;
    char model[128];        /* kind, version and alert threshold of the model that scored */
    uint64_t labelled, positives, unlabelled; /* --label: rows with 1 / of them 1 / none */
    /* the model's self-grade over the last hour of labelled rows (engine/grade.h), every product
     * together, then the first VOLT_GRADE_LISTED products one by one */
    volt_grade_t grade;
    int n_graded;
    char graded_name[VOLT_GRADE_LISTED][VOLT_PRODUCT_NAME_MAX + 1];
    volt_grade_t graded[VOLT_GRADE_LISTED];
    uint64_t feed_errors;  /* the feed's own "error" messages */
    uint64_t products;
    double elapsed_s;
    volt_hist_t lat[VOLT_LAT_COUNT]; /* per stage, see volt_lat_stage_t */
    int live;
    volt_live_stats_t conn;  /* live runs: the connection's story */
    int journal;
    uint64_t journal_lines, journal_bytes, journal_fsyncs, journal_files, journal_errors;
    int journal_uring;
    int kafka;
    volt_kafka_stats_t kafka_stats;
    const char *kafka_topic[3];
} volt_run_stats_t;

/* Runs a replay to the end. Returns 0 or -errno (VOLT_ERR set: one clear sentence). */
int volt_pipeline_replay(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats);

/* Runs the live pipeline against cfg->url until duration_s or a stop request. */
int volt_pipeline_live(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats);

/* Runs the pipeline over cfg->bench_msg offered at cfg->bench_rate (latency from intended times). */
int volt_pipeline_bench(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats);

/* Asks a running pipeline to stop and drain (async-signal-safe). */
void volt_pipeline_request_stop(void);
int volt_pipeline_stop_requested(void);

/* Splits ws[s]://host[:port][/path]. Returns 0 or -EINVAL. */
int volt_ws_parse_url(const char *url, char *host, size_t hcap, int *port, char *path, size_t pcap,
                      int *tls);

/* Prints the end-of-run summary. */
void volt_run_stats_print(const volt_run_stats_t *s, FILE *out);

/* Writes a histogram as CSV (bucket_top_ns,count for every non-empty bucket). 0 or -errno. */
int volt_hist_write_csv(const volt_hist_t *h, const char *path);

#endif

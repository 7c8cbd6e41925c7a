/* engine/run/settings.h — a run's settings (every command-line option lands here), their
 * defaults, and the run's stop request (async-signal-safe). Written before the threads start and
 * only read afterwards. */
#ifndef VOLT_ENGINE_RUN_SETTINGS_H
#define VOLT_ENGINE_RUN_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/features/features.h"
#include "engine/rows/row.h"

/* Parse assist (cfg.parse_assist): the source parses a frame itself, in the ring slot, when at least
 * this many bytes wait in the frame ring (the hot agent is behind). */
#define VOLT_PARSE_ASSIST_DEFAULT (8 * 1024)
#define VOLT_PARSE_ASSIST_OFF (-1)

/* The most models one run loads (the first, then one per SIGHUP). */
#define VOLT_MAX_MODELS 64

/* The most hot agents a run takes (--hot-threads). */
#define VOLT_MAX_HOT 4

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
    double max_rate;          /* live: messages per second one connection may send (a token bucket
                               * holding a second's worth; 0: no limit); the excess is dropped */
    const char *ca_file;      /* trust anchors for wss (NULL: the system store) */
    const char *journal_dir;  /* live: journal every frame here (NULL: no journal) */
    double journal_rotate_mb, journal_rotate_min, journal_fsync_ms;
    const char *kafka_brokers;      /* publish to Kafka (NULL: off) */
    const char *kafka_topic[3];     /* raw, features, alerts */
    const char *const *kafka_conf;  /* extra librdkafka key=value settings */
    int n_kafka_conf;
    double kafka_flush_s;           /* at the end, wait this long for deliveries */
    const char *out_path;     /* feature rows: a path, "-" for stdout, NULL for none */
    volt_fmt_t format;
    FILE *human;              /* alerts, notices and the summary */
    int cpus[3];              /* source, hot, sink: CPU to pin to, -1 for none (hot agent k of
                               * several: cpus[1] + k) */
    int hot_threads;          /* hot agents, 1..VOLT_MAX_HOT: products shared out by index */
    const char *idle;         /* idle strategy preset for the hot agent and the sink */
    const char *sink_idle;    /* the sink's, when it should differ (NULL: idle) */
    size_t max_frame;         /* largest frame accepted (bytes) */
    uint32_t frame_ring_bytes;
    int64_t parse_assist;     /* the source parses when this many bytes are queued (0: always;
                               * VOLT_PARSE_ASSIST_OFF: never); default VOLT_PARSE_ASSIST_DEFAULT */
    uint32_t row_ring_slots;
    volt_feat_cfg_t feat;
    uint32_t book_depth;      /* level-2 levels kept per side and product (engine/book/book.h) */
    int level2;               /* live: subscribe to level 2 too (Advanced level2, Exchange level2_batch) */
    const char *const *l2_products; /* live: level 2 for these products only (n_l2_products > 0) */
    int n_l2_products;
    const char *model;        /* model name */
    double alert_threshold;   /* alert at p_spike >= this (NaN: the model file's threshold) */
    double alert_cooldown_s;  /* per product, event time */
    int quiet;                /* no alert lines */
    double stats_interval_s;  /* print interval latency stats this often (0: never) */
    const char *hist_out;     /* write the receive->signal histogram here at the end (CSV) */
    int max_notices;          /* reject log lines per reason */
    int label;                /* add the volatility_spike label (rows come out 60 s late) */
    int no_grade;             /* do not grade the model against persistence (engine/grade.h) */
    double label_tau;         /* fixed tau (NaN: the trailing tau, tau_trailing) */
    const char *metrics_addr; /* serve metrics and the status page on HOST:PORT, or "off"
                               * (NULL: live on 127.0.0.1:9464, replay and bench off) */
    double metrics_linger_s;  /* after the run, keep serving its final numbers this long */
} volt_pipeline_cfg_t;

void volt_pipeline_cfg_default(volt_pipeline_cfg_t *c);

/* The pipeline bench's own settings (volt bench pipeline), apart from the engine's: its messages in
 * memory, offered at rate per second (0: as fast as possible); sink_on_source: the sink runs on
 * the source's thread, in its slack between messages, instead of a thread of its own. */
typedef struct volt_bench_msgs {
    const char *const *msg;
    const uint32_t *len;
    uint64_t n;
    double rate;
    int sink_on_source;
} volt_bench_msgs_t;

/* Asks a running pipeline to stop and drain (async-signal-safe). */
void volt_pipeline_request_stop(void);
int volt_pipeline_stop_requested(void);
/* Clears the request: the wiring calls it when a run starts (before its threads). */
void volt_pipeline_clear_stop(void);

/* Asks a running pipeline to reload its model file and reopen its journal (SIGHUP;
 * async-signal-safe). The run's own thread takes the request (returns 1 once per request). */
void volt_pipeline_request_reload(void);
int volt_pipeline_take_reload(void);

#endif

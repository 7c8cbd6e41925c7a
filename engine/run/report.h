/* engine/run/report.h — what a run reports: per-stage latency, counts by outcome, the live
 * connection's story, the journal's and Kafka's counts, the model's self-grade; and the summary
 * that prints them. Filled by the wiring (engine/pipeline.c) from the agents' stats blocks. */
#ifndef VOLT_ENGINE_RUN_REPORT_H
#define VOLT_ENGINE_RUN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "engine/base/hist.h"
#include "engine/book/books.h"
#include "engine/feed/parse.h"
#include "engine/feed/product.h"
#include "engine/rows/grade.h"

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

/* Kafka's three topics (engine/agents/kafka.h). */
enum { VOLT_K_RAW = 0, VOLT_K_FEATURES = 1, VOLT_K_ALERTS = 2, VOLT_K_TOPICS = 3 };

typedef struct volt_kafka_stats {
    uint64_t queued[VOLT_K_TOPICS];    /* handed to librdkafka */
    uint64_t delivered[VOLT_K_TOPICS]; /* acknowledged by the broker */
    uint64_t failed[VOLT_K_TOPICS];    /* delivery failed or never completed */
    uint64_t dropped[VOLT_K_TOPICS];   /* not queued: ring or librdkafka queue full */
} volt_kafka_stats_t;

typedef struct volt_live_stats {
    uint64_t connect_attempts, connects, disconnects, connect_failures, subscribes;
    uint64_t watchdog_fires, frames, frames_too_large;
    uint64_t rate_limited; /* frames dropped over --max-rate (counted in frames, not read) */
    uint64_t book_resyncs; /* level-2 resubscriptions for fresh snapshots (after a gap or a crossed book) */
    int64_t last_reconnect_ns, max_reconnect_ns; /* connection lost -> connected again */
} volt_live_stats_t;

typedef struct volt_run_stats {
    uint64_t read;     /* frames/lines the source read */
    int stopped;       /* a replay stopped by SIGINT/SIGTERM before the end of its input */
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
    uint64_t duplicates;   /* ticks dropped because their sequence number was seen already */
    uint64_t dup_messages; /* whole messages dropped so (their ticks are in duplicates) */
    uint64_t seq_restarts; /* a connection's sequence counter went back and started over */
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
    volt_books_stats_t book; /* level 2 (engine/book/books.h) */
    uint64_t book_beyond;    /* levels beyond the depth bound, every book together */
    uint64_t books_valid, books_used; /* books valid at the end / that saw any change */
    uint64_t products;
    int hot_threads;          /* hot agents the products were shared out among */
    int model_reloads;        /* models loaded by SIGHUP (stats->model: the last in use) */
    double elapsed_s;
    uint64_t peak_rss_kb;     /* the process's peak resident memory (getrusage) */
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

/* Prints the end-of-run summary. */
void volt_run_stats_print(const volt_run_stats_t *s, FILE *out);

/* Writes a histogram as CSV (bucket_top_ns,count for every non-empty bucket). 0 or -errno. */
int volt_hist_write_csv(const volt_hist_t *h, const char *path);

#endif

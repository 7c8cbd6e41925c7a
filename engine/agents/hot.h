/* engine/agents/hot.h — the hot agent: frame -> parse -> sequence check -> features -> score -> row.
 *
 * It owns the product table, the level-2 books, the feature state and the model while the run lasts, and is the only
 * writer of its stats block. With Kafka on it also hands every raw frame, keyed by the product its
 * first tick names (no second parse anywhere), to the Kafka agent's raw ring: live it offers and
 * counts a drop when that ring is full (Kafka never makes the hot path wait), a replay waits. */
#ifndef VOLT_ENGINE_AGENTS_HOT_H
#define VOLT_ENGINE_AGENTS_HOT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine/agents/agent.h"
#include "engine/book/books.h"
#include "engine/features/features.h"
#include "engine/feed/parse.h"
#include "engine/model/model.h"
#include "engine/rows/row.h"
#include "engine/run/report.h"
#include "engine/run/settings.h"
#include "ring/arch.h"
#include "ring/spsc.h"
#include "ring/spsc_rb.h"

typedef struct volt_hot_stats {
    alignas(VOLT_FALSE_SHARING) uint64_t accepted;
    uint64_t rejected_by[VOLT_REJ_COUNT];
    uint64_t by_kind[VOLT_MSG_KIND_COUNT];
    uint64_t items_rejected[VOLT_REJ_COUNT];
    uint64_t ticks, rows, out_of_order, duplicates, seq_gaps, alerts, feed_errors;
    uint64_t dup_messages, seq_restarts; /* whole duplicate messages (their ticks are in duplicates) */
    uint64_t kafka_raw_dropped; /* live: raw frames the Kafka ring had no room for */
    /* its books and windows, summed over its products: refreshed by volt_hot_summarize (at each
     * publication and at the end), never per tick */
    volt_books_stats_t books;
    uint64_t time_gaps, book_beyond, books_used, books_valid;
    volt_hist_t lat[VOLT_LAT_COUNT]; /* all but TO_SINK (the sink's) and SOURCE_LATE; last */
} volt_hot_stats_t;

/* What the hot agent is connected to; the wiring owns all of it. */
typedef struct volt_hot_wiring {
    const volt_pipeline_cfg_t *cfg; /* cpus[1], idle, alert_cooldown_s, stats_interval_s */
    volt_rb_t *frames;              /* in: from the source */
    volt_bell_t *bell;              /* rung by the source after each frame */
    volt_ring_t *rows;              /* out: to the sink */
    volt_bell_t *sink_bell;         /* rung after each batch of rows */
    volt_rb_t *kafka_raw;           /* out: raw frames to the Kafka agent (NULL: Kafka off) */
    int kafka_lossless;             /* replay: wait for room in kafka_raw instead of dropping */
    volt_products_t *products;
    volt_parser_t *parser;
    volt_features_t *features;
    volt_books_t *books;            /* every product's level-2 book */
    _Atomic int *book_resync;       /* set after a gap while books are in use (live: the source
                                     * reconnects for fresh snapshots) */
    const volt_model_t *model;
    _Atomic(const volt_model_t *) *model_slot; /* the model to score with from the next batch on
                                     * (SIGHUP's reload publishes a new one here; NULL: model) */
    volt_interval_t *interval;      /* --stats-interval's two halves, shared with the sink */
    volt_hot_stats_t *stats;
    volt_pub_t *pub;                /* its stats published here for the metrics server */
    volt_hot_stats_t *pub_copy;     /* (NULL, NULL: not published) */
    int shard, n_shards;            /* this agent takes the products p with p % n_shards == shard;
                                     * with n_shards > 1 its frames come through the source's
                                     * router (router.h), which checked the connection's sequence */
} volt_hot_wiring_t;

/* Refreshes st's summary of the books and windows of hot agent `shard` of n_shards (the products
 * published so far in `products`, p % n_shards == shard). Its thread, or anyone once it ended. */
void volt_hot_summarize(const volt_books_t *books, const volt_features_t *features,
                        volt_products_t *products, int shard, int n_shards, volt_hot_stats_t *st);

/* Made at set-up (it allocates); a thread then runs it with volt_agent_run. NULL: no memory. */
volt_agent_t *volt_hot_new(const volt_hot_wiring_t *w);

#endif

/* engine/agents/kafka.h — Kafka publishing on a side thread (librdkafka).
 *
 * Three topics: ticks.raw (every message as received, keyed by its first product), ticks.features
 * (one NDJSON record per feature row, exactly the line `volt replay --format ndjson` writes, keyed
 * by product) and volatility.alerts (one JSON record per alert with its probability and model
 * version, keyed by product). Records reach the Kafka agent ready to send, through two SPSC byte
 * rings of volt_krec_hdr_t records: the hot agent hands each raw frame with the product key it
 * found when it parsed it, the sink hands each row's records as text it formatted once (the very
 * line it wrote, when it writes NDJSON). The Kafka agent formats and parses nothing; it is the only
 * thread that calls librdkafka.
 *
 * Backpressure: in a live run, a record that finds its ring full or librdkafka's bounded queue full
 * is dropped and counted per topic — ingest, features and the journal never wait for the broker.
 * A replay waits instead (it has no clock to keep up with), so it publishes everything. When the
 * broker is down, librdkafka keeps retrying; records left undelivered when the run ends (after a
 * flush of up to --kafka-flush-seconds) are counted as failed. */
#ifndef VOLT_ENGINE_KAFKA_H
#define VOLT_ENGINE_KAFKA_H

#include <stdint.h>
#include <stdio.h>

#include "engine/agents/agent.h"
#include "engine/feed/product.h"
#include "engine/run/report.h"
#include "engine/run/settings.h"
#include "ring/spsc_rb.h"

typedef struct volt_kafka_cfg {
    const char *brokers;
    const char *topic[VOLT_K_TOPICS];
    const char *const *conf; /* extra librdkafka "key=value" settings */
    int n_conf;
    int lossless;            /* replay: wait instead of dropping */
    double flush_s;
    int create_topics;       /* create missing topics at start (3 partitions, replication 1) */
} volt_kafka_cfg_t;

/* One record of a Kafka ring: this header, then len bytes of value (unaligned). */
typedef struct volt_krec_hdr {
    uint8_t topic;    /* VOLT_K_RAW, VOLT_K_FEATURES, VOLT_K_ALERTS, or VOLT_KREC_END */
    uint8_t pad_;
    uint16_t product; /* the key: a product index, or VOLT_KREC_NO_KEY ("") */
    uint32_t len;
} volt_krec_hdr_t;
#define VOLT_KREC_END 255
#define VOLT_KREC_NO_KEY UINT16_MAX

/* Hands one record to a Kafka ring: waits for room when lossless (sched_yield), else returns 0
 * when the ring is full (the caller counts the drop). Returns 1 when it was handed over. Producer
 * thread of the ring only. */
int volt_krec_put(volt_rb_t *ring, int lossless, int topic, uint16_t product, const void *val,
                  uint32_t len);

/* Ends a Kafka ring (waits for room). */
void volt_krec_end(volt_rb_t *ring);

/* The Kafka agent's connections; the wiring owns them. */
typedef struct volt_kafka_wiring {
    const volt_pipeline_cfg_t *cfg; /* cpus[2] (it shares the sink's CPU), human */
    volt_kafka_cfg_t kcfg;
    volt_rb_t *raw;                 /* from the hot agent */
    volt_rb_t *rec;                 /* from the sink */
    const volt_products_t *products; /* key names: every index in a record is published before it */
    volt_kafka_stats_t *stats;
    int *failed_start;              /* set when no client could be made (everything then dropped) */
} volt_kafka_wiring_t;

/* The agent (it makes its librdkafka client on its own thread). NULL: no memory. */
volt_agent_t *volt_kafka_new(const volt_kafka_wiring_t *w);

/* Creates topics[0..n) when missing (n = 0: the three of cfg->topic) with the Admin API. Each
 * topic's outcome ("created", "exists") is printed to report when it is not NULL. Returns 0, or
 * -errno with VOLT_ERR set. */
int volt_kafka_create_topics(const volt_kafka_cfg_t *cfg, const char *const *topics, int n,
                             int partitions, int replication, double timeout_s, FILE *report);

#endif

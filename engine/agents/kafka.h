/* engine/agents/kafka.h — Kafka publishing on a side thread (librdkafka).
 *
 * Three topics: ticks.raw (every message as received, keyed by its first product), ticks.features
 * (one NDJSON record per feature row, exactly the line `volt replay --format ndjson` writes, keyed
 * by product) and volatility.alerts (one JSON record per alert with its probability and model
 * version, keyed by product). The source hands raw frames and the sink hands scored rows, as they
 * are, to the Kafka agent through SPSC byte rings; the Kafka agent formats the records (agents.h,
 * volt_krec_hdr_t); the hot agent never sees Kafka. Only the Kafka agent calls librdkafka.
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

#include "engine/run/report.h"

typedef struct volt_kafka_cfg {
    const char *brokers;
    const char *topic[VOLT_K_TOPICS];
    const char *const *conf; /* extra librdkafka "key=value" settings */
    int n_conf;
    int lossless;            /* replay: wait instead of dropping */
    double flush_s;
    int create_topics;       /* create missing topics at start (3 partitions, replication 1) */
} volt_kafka_cfg_t;

/* Creates topics[0..n) when missing (n = 0: the three of cfg->topic) with the Admin API. Each
 * topic's outcome ("created", "exists") is printed to report when it is not NULL. Returns 0, or
 * -errno with VOLT_ERR set. */
int volt_kafka_create_topics(const volt_kafka_cfg_t *cfg, const char *const *topics, int n,
                             int partitions, int replication, double timeout_s, FILE *report);

#endif

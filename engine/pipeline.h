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

#include "engine/run/report.h"
#include "engine/run/settings.h"

/* Checks the settings a user gave (idle strategies, sizes, CPUs, Kafka brokers; with live, the URL,
 * the product names, the watchdog and backoff times) before anything starts. Returns 0, or -EINVAL
 * with VOLT_ERR set to one sentence naming the option: the command line's usage error (exit 2). The
 * runs below check the same first. */
int volt_pipeline_check(const volt_pipeline_cfg_t *cfg, int live);

/* Runs a replay to the end. Returns 0 or -errno (VOLT_ERR set: one clear sentence). */
int volt_pipeline_replay(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats);

/* Runs the live pipeline against cfg->url until duration_s or a stop request. */
int volt_pipeline_live(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats);

/* Runs the pipeline over bench's messages offered at bench->rate (latency from intended times). */
int volt_pipeline_bench(const volt_pipeline_cfg_t *cfg, const volt_bench_msgs_t *bench,
                        volt_run_stats_t *stats);

#endif

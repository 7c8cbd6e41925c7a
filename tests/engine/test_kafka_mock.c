/* Kafka faults on librdkafka's mock cluster (in-process brokers): the broker goes down in the
 * middle of a replay and comes back; the run finishes, and every record is accounted for. */
#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/pipeline.h"
#include "synth.h"

static rd_kafka_t *host;
static rd_kafka_mock_cluster_t *mc;

static void setup(void)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    cr_assert_not_null(host, "%s", err);
    mc = rd_kafka_mock_cluster_new(host, 1);
    cr_assert_not_null(mc);
    rd_kafka_mock_topic_create(mc, "ticks.raw", 3, 1);
    rd_kafka_mock_topic_create(mc, "ticks.features", 3, 1);
    rd_kafka_mock_topic_create(mc, "volatility.alerts", 3, 1);
}

static void teardown(void)
{
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(host);
}

static void write_market(const char *path, int n)
{
    volt_synth_cfg_t sc;
    volt_synth_cfg_default(&sc);
    sc.seed = 21;
    sc.rate_mult = 10;
    static volt_synth_t s;
    volt_synth_init(&s, &sc);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    char line[2048];
    for (int i = 0; i < n; i++) {
        int64_t ns;
        const size_t len = volt_synth_next(&s, line, sizeof line, &ns);
        line[len] = '\n';
        fwrite(line, 1, len + 1, f);
    }
    fclose(f);
}

typedef struct {
    const char *in;
    const char *brokers;
    volt_run_stats_t st;
    int rc;
} run_t;

static void *run_replay(void *arg)
{
    run_t *r = arg;
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    const char *files[] = {r->in};
    cfg.files = files;
    cfg.n_files = 1;
    cfg.human = NULL;
    cfg.kafka_brokers = r->brokers;
    cfg.kafka_flush_s = 30;
    r->rc = volt_pipeline_replay(&cfg, &r->st);
    return NULL;
}

Test(kafka_mock, a_broker_outage_mid_replay_loses_nothing, .init = setup, .fini = teardown,
     .timeout = 120)
{
    char in[] = "/tmp/volt_kmock_XXXXXX";
    close(mkstemp(in));
    write_market(in, 60000);
    run_t r = {.in = in, .brokers = rd_kafka_mock_cluster_bootstraps(mc)};
    /* down before the run starts publishing, back 1.5 s later */
    rd_kafka_mock_broker_set_down(mc, 1);
    pthread_t th;
    pthread_create(&th, NULL, run_replay, &r);
    struct timespec ts = {1, 500000000};
    nanosleep(&ts, NULL);
    rd_kafka_mock_broker_set_up(mc, 1);
    pthread_join(th, NULL);
    unlink(in);
    cr_assert_eq(r.rc, 0);
    cr_expect_eq(r.st.rows, 60000);
    const volt_kafka_stats_t *k = &r.st.kafka_stats;
    cr_expect_eq(k->queued[VOLT_K_RAW], 60000, "every message was handed to the producer");
    cr_expect_eq(k->queued[VOLT_K_FEATURES], 60000);
    for (int t = 0; t < VOLT_K_TOPICS; t++) {
        cr_expect_eq(k->delivered[t], k->queued[t], "topic %d: %llu queued, %llu delivered", t,
                     (unsigned long long)k->queued[t], (unsigned long long)k->delivered[t]);
        cr_expect_eq(k->failed[t], 0);
        cr_expect_eq(k->dropped[t], 0, "a replay waits instead of dropping");
    }
    fprintf(stderr, "kafka_mock outage: hot parse p99 %.2f us, features p99 %.2f us, e2e p50 %.1f ms\n",
            volt_hist_quantile(&r.st.lat[VOLT_LAT_PARSE], 0.99) / 1e3,
            volt_hist_quantile(&r.st.lat[VOLT_LAT_FEATURES], 0.99) / 1e3,
            volt_hist_quantile(&r.st.lat[VOLT_LAT_E2E], 0.5) / 1e6);
}

/* A replay of files[0] publishing to a broker nobody listens on, with one librdkafka setting. */
static void dead_broker_cfg(volt_pipeline_cfg_t *cfg, const char **files, const char **conf,
                            double flush_s)
{
    volt_pipeline_cfg_default(cfg);
    cfg->files = files;
    cfg->n_files = 1;
    cfg->human = NULL;
    cfg->kafka_brokers = "127.0.0.1:1";
    cfg->kafka_conf = conf;
    cfg->n_kafka_conf = 1;
    cfg->kafka_flush_s = flush_s;
}

Test(kafka_mock, a_dead_broker_ends_in_counted_failures_not_a_hang, .timeout = 120)
{
    char in[] = "/tmp/volt_kmock_XXXXXX";
    close(mkstemp(in));
    write_market(in, 2000);
    volt_pipeline_cfg_t cfg;
    const char *files[] = {in};
    static const char *conf[] = {"message.timeout.ms=1500"};
    dead_broker_cfg(&cfg, files, conf, 3);
    volt_run_stats_t st;
    cr_assert_eq(volt_pipeline_replay(&cfg, &st), 0, "the run itself succeeds");
    unlink(in);
    cr_expect_eq(st.rows, 2000, "features are computed whatever Kafka does");
    for (int t = 0; t < VOLT_K_TOPICS; t++) {
        const volt_kafka_stats_t *k = &st.kafka_stats;
        cr_expect_eq(k->delivered[t], 0);
        cr_expect_eq(k->failed[t] + k->dropped[t], k->queued[t] + k->dropped[t],
                     "topic %d: every record queued ends as failed", t);
    }
    cr_expect_eq(st.kafka_stats.failed[VOLT_K_RAW], 2000);
}

/* A broker that takes nothing at all does not hold a replay for librdkafka's message timeout (300 s
 * by default): after 10 s of a full queue with no delivery report the rest is dropped and counted. */
Test(kafka_mock, a_replay_gives_up_on_a_broker_that_takes_nothing, .timeout = 120)
{
    char in[] = "/tmp/volt_kmock_XXXXXX";
    close(mkstemp(in));
    write_market(in, 5000);
    volt_pipeline_cfg_t cfg;
    const char *files[] = {in};
    static const char *conf[] = {"queue.buffering.max.messages=1000"}; /* full at once */
    dead_broker_cfg(&cfg, files, conf, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volt_run_stats_t st;
    cr_assert_eq(volt_pipeline_replay(&cfg, &st), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    unlink(in);
    const double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    cr_expect_eq(st.rows, 5000, "features are computed whatever Kafka does");
    const volt_kafka_stats_t *k = &st.kafka_stats;
    cr_expect_gt(k->dropped[VOLT_K_RAW] + k->dropped[VOLT_K_FEATURES], 0, "the rest was dropped");
    cr_expect_eq(k->queued[VOLT_K_RAW] + k->dropped[VOLT_K_RAW], 5000, "every raw record accounted for");
    cr_expect_lt(secs, 60.0, "it ended in %.1f s, not after the 300 s message timeout", secs);
}

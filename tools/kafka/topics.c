/* volt-kafka-topics — creates volt's Kafka topics when missing (librdkafka Admin API).
 *
 *   volt-kafka-topics --brokers HOST:PORT [--partitions N] [--replication R] [--timeout S] [TOPIC...]
 *
 * Default topics: ticks.raw, ticks.features, volatility.alerts; 3 partitions, replication 1 (as the
 * seed). A topic that already exists is fine. Exit 0 when every topic exists afterwards. */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *brokers = NULL;
    int partitions = 3, replication = 1;
    double timeout_s = 30;
    static const struct option opts[] = {{"brokers", required_argument, 0, 'b'},
                                         {"partitions", required_argument, 0, 'p'},
                                         {"replication", required_argument, 0, 'r'},
                                         {"timeout", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': brokers = optarg; break;
        case 'p': partitions = atoi(optarg); break;
        case 'r': replication = atoi(optarg); break;
        case 't': timeout_s = atof(optarg); break;
        case 'h':
            printf("Usage: volt-kafka-topics --brokers HOST:PORT [--partitions N] [--replication R] "
                   "[--timeout S] [TOPIC...]\n");
            return 0;
        default: return 2;
        }
    }
    if (!brokers || partitions < 1 || replication < 1 || !(timeout_s > 0)) {
        fprintf(stderr, "volt-kafka-topics: --brokers is required; counts must be positive.\n");
        return 2;
    }
    static const char *defaults[] = {"ticks.raw", "ticks.features", "volatility.alerts"};
    const char **topics = optind < argc ? (const char **)(argv + optind) : defaults;
    const int n = optind < argc ? argc - optind : 3;

    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "volt-kafka-topics: %s.\n", err);
        return 2;
    }
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "volt-kafka-topics: %s.\n", err);
        return 1;
    }
    rd_kafka_NewTopic_t *nt[16];
    int k = 0;
    for (int i = 0; i < n && k < 16; i++) {
        nt[k] = rd_kafka_NewTopic_new(topics[i], partitions, replication, err, sizeof err);
        if (!nt[k]) {
            fprintf(stderr, "volt-kafka-topics: %s: %s.\n", topics[i], err);
            return 2;
        }
        k++;
    }
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, (int)(timeout_s * 1000), err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(ao, (int)(timeout_s * 1000), err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, nt, (size_t)k, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(timeout_s * 1000) + 2000);
    int failed = 0;
    if (!ev) {
        fprintf(stderr, "volt-kafka-topics: no answer from %s within %.0f s.\n", brokers, timeout_s);
        failed = 1;
    } else if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "volt-kafka-topics: %s.\n", rd_kafka_event_error_string(ev));
        failed = 1;
    } else {
        size_t cnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
        for (size_t i = 0; i < cnt; i++) {
            const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
            if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
                printf("created %s (%d partitions, replication %d)\n",
                       rd_kafka_topic_result_name(res[i]), partitions, replication);
            else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                printf("exists  %s\n", rd_kafka_topic_result_name(res[i]));
            else {
                fprintf(stderr, "volt-kafka-topics: %s: %s.\n", rd_kafka_topic_result_name(res[i]),
                        rd_kafka_topic_result_error_string(res[i]));
                failed = 1;
            }
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_NewTopic_destroy_array(nt, (size_t)k);
    rd_kafka_destroy(rk);
    return failed;
}

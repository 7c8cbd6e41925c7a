/* volt-kafka-topics — creates volt's Kafka topics when missing (the engine's Admin API call).
 *
 *   volt-kafka-topics --brokers HOST:PORT [--partitions N] [--replication R] [--timeout S] [TOPIC...]
 *
 * Default topics: ticks.raw, ticks.features, volatility.alerts; 3 partitions, replication 1 (as the
 * seed). A topic that already exists is fine. Exit 0 when every topic exists afterwards. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/base/err.h"
#include "engine/agents/kafka.h"
#include "engine/pipeline.h"

int main(int argc, char **argv)
{
    volt_pipeline_cfg_t defaults;
    volt_pipeline_cfg_default(&defaults);
    volt_kafka_cfg_t kc = {0};
    for (int i = 0; i < VOLT_K_TOPICS; i++)
        kc.topic[i] = defaults.kafka_topic[i];
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
        case 'b': kc.brokers = optarg; break;
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
    if (!kc.brokers || partitions < 1 || replication < 1 || !(timeout_s > 0)) {
        fprintf(stderr, "volt-kafka-topics: --brokers is required; counts must be positive.\n");
        return 2;
    }
    if (volt_kafka_create_topics(&kc, (const char *const *)(argv + optind), argc - optind,
                                 partitions, replication, timeout_s, stdout)) {
        fprintf(stderr, "volt-kafka-topics: %s.\n", volt_err_msg());
        return 1;
    }
    return 0;
}

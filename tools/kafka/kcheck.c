/* volt-kcheck — the seed's Kafka consume check, in C.
 *
 *   volt-kcheck --brokers HOST:PORT --topic T --min N [--timeout S] [--from-beginning]
 *
 * Counts the messages that arrive on T (from the end of the topic, or from its beginning), prints
 * the first three, and validates each: ticks.raw messages must parse as Coinbase messages (volt's
 * own parser), everything else must be a JSON object. Exits 0 only when at least N valid messages
 * arrived within the timeout (default 30 s); 1 otherwise; 2 on a usage error. */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/feed/parse.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *brokers = NULL, *topic = NULL;
    long min = -1;
    double timeout_s = 30;
    int from_beginning = 0;
    static const struct option opts[] = {{"brokers", required_argument, 0, 'b'},
                                         {"topic", required_argument, 0, 't'},
                                         {"min", required_argument, 0, 'm'},
                                         {"timeout", required_argument, 0, 'T'},
                                         {"from-beginning", no_argument, 0, 'B'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': brokers = optarg; break;
        case 't': topic = optarg; break;
        case 'm': min = atol(optarg); break;
        case 'T': timeout_s = atof(optarg); break;
        case 'B': from_beginning = 1; break;
        case 'h':
            printf("Usage: volt-kcheck --brokers HOST:PORT --topic T --min N [--timeout S] "
                   "[--from-beginning]\n");
            return 0;
        default: return 2;
        }
    }
    if (!brokers || !topic || min < 0 || !(timeout_s > 0)) {
        fprintf(stderr, "volt-kcheck: --brokers, --topic and --min are required (see --help).\n");
        return 2;
    }
    char err[512], group[64];
    snprintf(group, sizeof group, "volt-kcheck-%d-%ld", (int)getpid(), (long)time(NULL));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *set[][2] = {{"bootstrap.servers", brokers},
                            {"group.id", group},
                            {"auto.offset.reset", from_beginning ? "earliest" : "latest"},
                            {"enable.auto.commit", "false"},
                            {"log_level", "3"}};
    for (size_t i = 0; i < sizeof set / sizeof *set; i++)
        if (rd_kafka_conf_set(conf, set[i][0], set[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "volt-kcheck: %s.\n", err);
            return 2;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "volt-kcheck: %s.\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    /* Every partition assigned by hand: no consumer group to join, nothing to rebalance, so the
     * check works the same on a broker that has never seen a consumer group. */
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int nparts = 0;
    const double tmeta = now_s();
    while (now_s() - tmeta < timeout_s) {
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
            !md->topics[0].err && md->topics[0].partition_cnt > 0) {
            nparts = md->topics[0].partition_cnt;
            break;
        }
        if (md)
            rd_kafka_metadata_destroy(md);
        md = NULL;
        usleep(200000);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    if (!nparts) {
        fprintf(stderr, "volt-kcheck: topic %s not found on %s.\n", topic, brokers);
        rd_kafka_destroy(rk);
        return 1;
    }
    rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++)
        rd_kafka_topic_partition_list_add(tl, topic, p)->offset =
            from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    rd_kafka_assign(rk, tl);
    rd_kafka_topic_partition_list_destroy(tl);

    static volt_products_t products;
    volt_products_init(&products);
    volt_parser_t *parser = volt_parser_new(16u << 20, &products);
    volt_json_parser_t *json = volt_json_parser_new(16u << 20);
    static volt_jdoc_t doc;
    static volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    const int raw = strcmp(topic, "ticks.raw") == 0 || strstr(topic, "raw") != NULL;
    long total = 0, valid = 0, invalid = 0;
    const double t0 = now_s();
    while (valid < min && now_s() - t0 < timeout_s) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "volt-kcheck: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        total++;
        char *buf = malloc(m->len + VOLT_JSON_PADDING);
        int ok = 0;
        if (buf) {
            memcpy(buf, m->payload, m->len);
            memset(buf + m->len, 0, VOLT_JSON_PADDING);
            size_t pos;
            volt_parse_result_t res;
            ok = raw ? volt_parse_message(parser, buf, m->len, 0, ticks, &res) == VOLT_REJ_NONE
                     : volt_json_parse(json, buf, m->len, &doc, &pos) == VOLT_JSON_OK;
            free(buf);
        }
        valid += ok;
        invalid += !ok;
        if (total <= 3)
            printf("sample %ld [%s] key=%.*s: %.*s%s\n", total, ok ? "valid" : "INVALID",
                   (int)m->key_len, m->key ? (const char *)m->key : "", (int)(m->len > 160 ? 160 : m->len),
                   (const char *)m->payload, m->len > 160 ? "..." : "");
        rd_kafka_message_destroy(m);
    }
    const double secs = now_s() - t0;
    printf("volt-kcheck: %ld messages on %s in %.1f s: %ld valid, %ld invalid; wanted at least %ld: %s\n",
           total, topic, secs, valid, invalid, min, valid >= min ? "OK" : "NOT ENOUGH");
    rd_kafka_assign(rk, NULL);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    volt_parser_free(parser);
    volt_json_parser_free(json);
    return valid >= min ? 0 : 1;
}

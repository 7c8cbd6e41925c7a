/* engine/agents/kafka.c — the Kafka agent and topic set-up. */
#include "engine/agents/kafka.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agents/agents.h"
#include "engine/base/err.h"
#include "engine/rows/rowfmt.h"
#include "engine/feed/timefmt.h"

static rd_kafka_conf_t *make_conf(const volt_kafka_cfg_t *cfg, char *err, size_t errn)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* defaults first; --kafka-conf settings override them */
    const char *defaults[][2] = {
        {"bootstrap.servers", cfg->brokers},
        {"enable.idempotence", "true"},      /* no duplicates or reordering on retries */
        {"compression.type", "lz4"},         /* cheap on CPU, ~3x on JSON */
        {"linger.ms", "5"},                  /* small batches: 5 ms of latency buys throughput */
        {"batch.num.messages", "10000"},
        {"queue.buffering.max.messages", "200000"}, /* the bounded producer queue */
        {"queue.buffering.max.kbytes", "262144"},
        {"message.timeout.ms", "300000"},    /* a broker may be gone for 5 min before records fail */
        {"log_level", "3"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++)
        if (rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], err, errn) != RD_KAFKA_CONF_OK)
            goto bad;
    for (int i = 0; i < cfg->n_conf; i++) {
        char key[256];
        const char *eq = strchr(cfg->conf[i], '=');
        if (!eq || (size_t)(eq - cfg->conf[i]) >= sizeof key) {
            snprintf(err, errn, "--kafka-conf takes key=value, not '%s'", cfg->conf[i]);
            goto bad;
        }
        memcpy(key, cfg->conf[i], (size_t)(eq - cfg->conf[i]));
        key[eq - cfg->conf[i]] = '\0';
        if (rd_kafka_conf_set(conf, key, eq + 1, err, errn) != RD_KAFKA_CONF_OK)
            goto bad;
    }
    return conf;
bad:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

int volt_kafka_create_topics(const volt_kafka_cfg_t *cfg, const char *const *topics, int n,
                             int partitions, int replication, double timeout_s, FILE *report)
{
    if (n <= 0) {
        topics = cfg->topic;
        n = VOLT_K_TOPICS;
    }
    if (n > 64)
        return VOLT_ERR(-EINVAL, "at most 64 topics at once");
    char err[512];
    rd_kafka_conf_t *conf = make_conf(cfg, err, sizeof err);
    if (!conf)
        return VOLT_ERR(-EINVAL, "Kafka settings: %s", err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        return VOLT_ERR(-EINVAL, "Kafka client: %s", err);
    rd_kafka_NewTopic_t *nt[64];
    for (int i = 0; i < n; i++) {
        nt[i] = rd_kafka_NewTopic_new(topics[i], partitions, replication, err, sizeof err);
        if (!nt[i]) {
            rd_kafka_NewTopic_destroy_array(nt, (size_t)i);
            rd_kafka_destroy(rk);
            return VOLT_ERR(-EINVAL, "topic %s: %s", topics[i], err);
        }
    }
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, (int)(timeout_s * 1000), err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(ao, (int)(timeout_s * 1000), err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, nt, (size_t)n, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(timeout_s * 1000) + 1000);
    int rc = 0;
    if (!ev) {
        rc = VOLT_ERR(-ETIMEDOUT, "no answer from Kafka at %s within %.0f s", cfg->brokers, timeout_s);
    } else if (rd_kafka_event_error(ev)) {
        rc = VOLT_ERR(-EIO, "creating Kafka topics: %s", rd_kafka_event_error_string(ev));
    } else {
        size_t nres;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &nres);
        for (size_t i = 0; i < nres && !rc; i++) {
            const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
            const char *name = rd_kafka_topic_result_name(res[i]);
            if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                rc = VOLT_ERR(-EIO, "creating Kafka topic %s: %s", name,
                              rd_kafka_topic_result_error_string(res[i]));
            else if (report && e)
                fprintf(report, "exists  %s\n", name);
            else if (report)
                fprintf(report, "created %s (%d partitions, replication %d)\n", name, partitions,
                        replication);
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_NewTopic_destroy_array(nt, (size_t)n);
    rd_kafka_destroy(rk);
    return rc;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    volt_kafka_stats_t *st = opaque;
    const int t = (int)(intptr_t)m->_private;
    if (t < 0 || t >= VOLT_K_TOPICS)
        return;
    if (m->err)
        st->failed[t]++;
    else
        st->delivered[t]++;
}

typedef struct {
    volt_ctx_t *c;
    rd_kafka_t *rk;
    volt_kafka_stats_t *st;
    volt_idle_t idle;
    volt_products_t products;
    volt_parser_t *parser;
    volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    volt_row_t row;
    char line[VOLT_ROW_TEXT_MAX];
} kagent_t;

/* Hands one record to librdkafka. Lossless runs wait for room; live runs drop and count. */
static void produce(kagent_t *k, int t, const char *key, size_t kl, const void *val, size_t vl)
{
    for (;;) {
        const rd_kafka_resp_err_t e = rd_kafka_producev(
            k->rk, RD_KAFKA_V_TOPIC(k->c->kcfg.topic[t]), RD_KAFKA_V_KEY(key, kl),
            RD_KAFKA_V_VALUE((void *)val, vl), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE((void *)(intptr_t)t), RD_KAFKA_V_END);
        if (!e) {
            k->st->queued[t]++;
            return;
        }
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || !k->c->kcfg.lossless) {
            k->st->dropped[t]++;
            return;
        }
        rd_kafka_poll(k->rk, 10); /* replay: let deliveries make room */
    }
}

/* A tick row from the sink: the features record (the NDJSON line `--format ndjson` writes) and,
 * when the row raised an alert, the alert record; both keyed by product. */
static void publish_row(kagent_t *k, const void *val)
{
    volt_ctx_t *c = k->c;
    volt_row_t *r = &k->row;
    memcpy(r, val, sizeof *r); /* the ring does not align records */
    const char *product = volt_products_name(&c->products, r->tick.product);
    const size_t kl = strlen(product);
    size_t n = volt_rowfmt_ndjson(r, &c->products, k->line, sizeof k->line);
    if (n && k->line[n - 1] == '\n')
        n--;
    produce(k, VOLT_K_FEATURES, product, kl, k->line, n);
    if (r->alert) {
        char ts[31], p[40], sc[40];
        volt_time_format_iso(volt_tick_time_ns(&r->tick), ts);
        volt_fmt_double(r->prob, p);
        volt_fmt_double(r->score, sc);
        const int m = snprintf(k->line, sizeof k->line,
                               "{\"event_time\":\"%s\",\"product\":\"%s\",\"p_spike\":%s,"
                               "\"score\":%s,\"threshold\":%.17g,\"model\":\"%s\",\"latency_ns\":%lld}",
                               ts, product, p, sc, c->model.threshold, c->model.version,
                               (long long)r->lat_ns);
        produce(k, VOLT_K_ALERTS, product, kl, k->line, (size_t)m);
    }
}

/* The raw message's key: the product of its first tick ("" for heartbeats and the like). */
static void publish_raw(kagent_t *k, const volt_frame_hdr_t *f, const char *payload)
{
    if (f->kind != VOLT_FRAME_DATA)
        return;
    volt_parse_result_t res;
    const char *key = "";
    if (volt_parse_message(k->parser, payload, f->len, f->recv_wall_ns, k->ticks, &res) ==
            VOLT_REJ_NONE &&
        res.n_ticks)
        key = volt_products_name(&k->products, k->ticks[0].product);
    produce(k, VOLT_K_RAW, key, strlen(key), payload, f->len);
}

void *volt_kafka_run(void *arg)
{
    volt_ctx_t *c = arg;
    /* side threads share the sink's CPU, and librdkafka's own threads, created below, inherit the
     * mask: none of them can take the hot agent's core. They also inherit this thread's lower
     * priority (nice +10): where the source and the sink need that CPU, publishing waits (its
     * queue is bounded and counts what it drops), not them. */
    if (c->cfg->cpus[2] >= 0)
        volt_pin_self(c->cfg->cpus[2]);
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0 && c->cfg->human)
        fprintf(c->cfg->human, "volt: could not lower the Kafka agent's priority: %s\n", strerror(errno));
    kagent_t *k = calloc(1, sizeof *k);
    char err[512];
    rd_kafka_conf_t *conf = NULL;
    volt_rb_cons_t raw = volt_rb_consumer(&c->kraw), rec = volt_rb_consumer(&c->krec);
    int raw_done = 0, rec_done = 0;
    if (!k)
        goto drain;
    k->c = c;
    k->st = &c->kstats;
    volt_idle_preset(&k->idle, "sleep"); /* a side thread: never take CPU from the hot agent */
    volt_products_init(&k->products);
    k->parser = volt_parser_new(c->cfg->max_frame, &k->products);
    conf = make_conf(&c->kcfg, err, sizeof err);
    if (!k->parser || !conf)
        goto drain;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, k->st);
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!k->rk)
        goto drain; /* conf is still ours on failure */
    conf = NULL;    /* owned by rk from here */
    while (!raw_done || !rec_done) {
        uint32_t len, work = 0;
        const void *r;
        while (!raw_done && work < 256 && (r = volt_rb_next(raw, &len))) {
            const volt_frame_hdr_t *f = r;
            work++;
            if (f->kind == VOLT_FRAME_END)
                raw_done = 1;
            else
                publish_raw(k, f, (const char *)r + sizeof *f);
        }
        if (work)
            volt_rb_release(raw);
        uint32_t w2 = 0;
        while (!rec_done && w2 < 256 && (r = volt_rb_next(rec, &len))) {
            const volt_krec_hdr_t *h = r;
            w2++;
            if (h->topic == VOLT_KREC_END)
                rec_done = 1;
            else
                publish_row(k, h + 1);
        }
        if (w2)
            volt_rb_release(rec);
        rd_kafka_poll(k->rk, 0); /* delivery reports */
        volt_idle(&k->idle, work + w2);
    }
    rd_kafka_flush(k->rk, (int)(c->kcfg.flush_s * 1000));
    /* what is still queued will not be delivered: purge it so its reports count it as failed */
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(k->rk, 100);
    rd_kafka_destroy(k->rk);
    volt_parser_free(k->parser);
    free(k);
    return NULL;
drain:
    /* could not start a client: everything handed over is dropped, and the producers never wait */
    if (conf)
        rd_kafka_conf_destroy(conf);
    c->kfailed_start = 1;
    {
        while (!raw_done || !rec_done) {
            uint32_t len;
            const void *r;
            int any = 0;
            while (!raw_done && (r = volt_rb_next(raw, &len))) {
                any = 1;
                if (((const volt_frame_hdr_t *)r)->kind == VOLT_FRAME_END)
                    raw_done = 1;
                else
                    c->kstats.dropped[VOLT_K_RAW]++;
            }
            volt_rb_release(raw);
            while (!rec_done && (r = volt_rb_next(rec, &len))) {
                any = 1;
                const volt_krec_hdr_t *h = r;
                if (h->topic == VOLT_KREC_END) {
                    rec_done = 1;
                } else {
                    uint8_t alert;
                    memcpy(&alert, (const char *)(h + 1) + offsetof(volt_row_t, alert), 1);
                    c->kstats.dropped[VOLT_K_FEATURES]++;
                    c->kstats.dropped[VOLT_K_ALERTS] += alert;
                }
            }
            volt_rb_release(rec);
            if (!any)
                sched_yield();
        }
    }
    if (k) {
        volt_parser_free(k->parser);
        free(k);
    }
    return NULL;
}

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

#include "engine/agents/frame.h"
#include "engine/base/clock.h"
#include "engine/base/err.h"

static rd_kafka_conf_t *make_conf(const volt_kafka_cfg_t *cfg, char *err, size_t errn)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* defaults first; --kafka-conf settings override them */
    const char *defaults[][2] = {
        {"bootstrap.servers", cfg->brokers},
        {"enable.idempotence", "true"},      /* no duplicates or reordering on retries */
        {"acks", "all"},                     /* delivered = on every in-sync replica */
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

int volt_krec_put(volt_rb_t *ring, int lossless, int topic, uint16_t product, const void *val,
                  uint32_t len)
{
    volt_rb_prod_t p = volt_rb_producer(ring);
    volt_krec_hdr_t *h;
    while (!(h = volt_rb_claim(p, (uint32_t)sizeof *h + len))) {
        if (!lossless || (topic != VOLT_KREC_END && volt_pipeline_stop_requested()))
            return 0; /* live, or a replay told to stop: drop (counted by the caller) */
        sched_yield();
    }
    h->topic = (uint8_t)topic;
    h->pad_ = 0;
    h->product = product;
    h->len = len;
    if (len)
        memcpy(h + 1, val, len);
    volt_rb_commit(p);
    return 1;
}

void volt_krec_end(volt_rb_t *ring) { volt_krec_put(ring, 1, VOLT_KREC_END, VOLT_KREC_NO_KEY, NULL, 0); }

typedef struct {
    volt_agent_t agent;
    volt_kafka_wiring_t w;
    rd_kafka_t *rk; /* NULL: no client could be made; every record is dropped and counted */
    int64_t stall_since;  /* a lossless wait on a full queue began (0: not waiting) */
    uint64_t stall_seen;  /* delivery reports when it began */
    int gave_up;          /* the broker took nothing for STALL_NS: drop from here on */
    int said_full;        /* the "queue is full, waiting" line is printed once per run */
    volt_rb_cons_t raw, rec;
    int raw_done, rec_done;
    int trace;            /* VOLT_KAFKA_TRACE: say on stderr what the broker has acknowledged */
    uint64_t traced;      /* acknowledged records at the last trace line */
    int64_t traced_ns;
} kagent_t;

/* A replay waits for a broker that is slow, not for one that takes nothing at all: with no delivery
 * report for this long while the queue is full, the rest of the run's records are dropped and
 * counted, and it says so once. */
#define STALL_NS (10 * 1000000000LL)

/* While a lossless produce waits: 1 when it should stop waiting (stalled broker, stop request). */
static int stop_waiting(kagent_t *k)
{
    if (volt_pipeline_stop_requested())
        return 1;
    const volt_kafka_stats_t *st = k->w.stats;
    uint64_t seen = 0;
    for (int t = 0; t < VOLT_K_TOPICS; t++)
        seen += st->delivered[t] + st->failed[t];
    const int64_t now = volt_clock_ns();
    if (!k->stall_since || seen != k->stall_seen) {
        k->stall_since = now;
        k->stall_seen = seen;
        if (!k->said_full && k->w.cfg->human) {
            k->said_full = 1;
            fprintf(k->w.cfg->human,
                    "volt: KAFKA at %s: librdkafka's queue is full; the replay waits for the broker "
                    "(and gives up after %.0f s without a delivery)\n",
                    k->w.kcfg.brokers, (double)STALL_NS / 1e9);
        }
        return 0;
    }
    if (now - k->stall_since < STALL_NS)
        return 0;
    k->gave_up = 1;
    if (k->w.cfg->human)
        fprintf(k->w.cfg->human,
                "volt: KAFKA at %s has taken no record for %.0f s: the rest of this run's records "
                "are dropped and counted (the summary's kafka lines)\n",
                k->w.kcfg.brokers, (double)STALL_NS / 1e9);
    return 1;
}

/* Hands one record to librdkafka. Lossless runs wait for room; live runs drop and count. */
static void produce(kagent_t *k, const volt_krec_hdr_t *h)
{
    const int t = h->topic;
    if (t < 0 || t >= VOLT_K_TOPICS)
        return;
    if (!k->rk) {
        k->w.stats->dropped[t]++;
        return;
    }
    const char *key = h->product == VOLT_KREC_NO_KEY ? "" : volt_products_name(k->w.products, h->product);
    for (;;) {
        const rd_kafka_resp_err_t e = rd_kafka_producev(
            k->rk, RD_KAFKA_V_TOPIC(k->w.kcfg.topic[t]), RD_KAFKA_V_KEY(key, strlen(key)),
            RD_KAFKA_V_VALUE((void *)(h + 1), h->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE((void *)(intptr_t)t), RD_KAFKA_V_END);
        if (!e) {
            k->w.stats->queued[t]++;
            k->stall_since = 0;
            return;
        }
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || !k->w.kcfg.lossless || k->gave_up ||
            stop_waiting(k)) {
            k->w.stats->dropped[t]++;
            return;
        }
        rd_kafka_poll(k->rk, 10); /* replay: let deliveries make room */
    }
}

/* Up to 256 records of one ring to librdkafka; sets *done at its END. Returns how many it took. */
static uint32_t drain_ring(kagent_t *k, volt_rb_cons_t in, int *done)
{
    uint32_t len, n = 0;
    const void *r;
    while (!*done && n < 256 && (r = volt_rb_next(in, &len))) {
        const volt_krec_hdr_t *h = r;
        n++;
        if (h->topic == VOLT_KREC_END)
            *done = 1;
        else
            produce(k, h);
    }
    if (n)
        volt_rb_release(in);
    return n;
}

/* For crash tests: at most every 10 ms, the records each topic's broker has acknowledged so far
 * (a kill -9 after this line must not lose them: acks=all). */
static void trace_delivered(kagent_t *k)
{
    const volt_kafka_stats_t *st = k->w.stats;
    uint64_t sum = 0;
    for (int t = 0; t < VOLT_K_TOPICS; t++)
        sum += st->delivered[t];
    const int64_t now = volt_clock_ns();
    if (sum == k->traced || now - k->traced_ns < 10000000)
        return;
    k->traced = sum;
    k->traced_ns = now;
    /* one write: stderr is unbuffered and the journal's trace lines come from another thread */
    char line[1024];
    int n = snprintf(line, sizeof line, "kafka-delivered");
    for (int t = 0; t < VOLT_K_TOPICS && n < (int)sizeof line; t++)
        n += snprintf(line + n, sizeof line - (size_t)n, " %s %llu", k->w.kcfg.topic[t],
                      (unsigned long long)st->delivered[t]);
    fprintf(stderr, "%s\n", line);
}

static uint32_t kafka_do_work(volt_agent_t *a)
{
    kagent_t *k = (kagent_t *)a;
    const uint32_t n = drain_ring(k, k->raw, &k->raw_done) + drain_ring(k, k->rec, &k->rec_done);
    if (k->rk)
        rd_kafka_poll(k->rk, 0); /* delivery reports */
    if (k->trace)
        trace_delivered(k);
    a->done = k->raw_done && k->rec_done;
    return n;
}

/* Side threads share the sink's CPU, and librdkafka's own threads, created here, inherit the mask:
 * none of them can take the hot agent's core. They also inherit this thread's lower priority
 * (nice +10): where the source and the sink need that CPU, publishing waits (its queue is bounded
 * and counts what it drops), not them. A client that cannot be made leaves rk NULL: the rings are
 * still drained (producers never wait on a dead agent), every record a counted drop. */
static void kafka_start(volt_agent_t *a)
{
    kagent_t *k = (kagent_t *)a;
    FILE *log = k->w.cfg->human;
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0 && log)
        fprintf(log, "volt: could not lower the Kafka agent's priority: %s\n", strerror(errno));
    char err[512] = "";
    rd_kafka_conf_t *conf = make_conf(&k->w.kcfg, err, sizeof err);
    if (conf) {
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, k->w.stats);
        k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        if (!k->rk)
            rd_kafka_conf_destroy(conf); /* still ours on failure */
    }
    if (!k->rk) {
        *k->w.failed_start = 1;
        if (log)
            fprintf(log, "volt: no Kafka client (%s); every record is dropped and counted\n", err);
    }
}

static void kafka_close(volt_agent_t *a)
{
    kagent_t *k = (kagent_t *)a;
    if (!k->rk)
        return;
    rd_kafka_flush(k->rk, (int)(k->w.kcfg.flush_s * 1000));
    /* what is still queued will not be delivered: purge it so its reports count it as failed */
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(k->rk, 100);
    rd_kafka_destroy(k->rk);
    k->rk = NULL;
}

volt_agent_t *volt_kafka_new(const volt_kafka_wiring_t *w)
{
    kagent_t *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->w = *w;
    k->raw = volt_rb_consumer(w->raw);
    k->rec = volt_rb_consumer(w->rec);
    k->trace = getenv("VOLT_KAFKA_TRACE") != NULL;
    /* a side thread: sleeps when idle, never takes CPU from the hot agent */
    volt_agent_init(&k->agent, "volt-kafka", w->cfg->cpus[2], "sleep", w->cfg->human, kafka_do_work,
                    kafka_close);
    k->agent.on_start = kafka_start;
    return &k->agent;
}


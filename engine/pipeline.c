/* engine/pipeline.c — the wiring: rings, agents, threads, and the run's report. It owns everything
 * the agents share; each agent gets only its own typed connections (its *_wiring_t). */
#include "engine/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/agents/hot.h"
#include "engine/agents/journal.h"
#include "engine/agents/kafka.h"
#include "engine/agents/sink.h"
#include "engine/agents/source.h"
#include "engine/agents/source_ws.h"
#include "engine/base/clock.h"
#include "engine/base/err.h"
#include "engine/base/idle.h"
#include "engine/base/pub.h"
#include "engine/obs/obs.h"

static int validate(const volt_pipeline_cfg_t *cfg)
{
    volt_idle_t probe;
    if (volt_idle_preset(&probe, cfg->idle))
        return VOLT_ERR(-EINVAL, "unknown idle strategy '%s' (spin, yield, backoff, sleep, park)",
                        cfg->idle);
    if (cfg->sink_idle && volt_idle_preset(&probe, cfg->sink_idle))
        return VOLT_ERR(-EINVAL,
                        "unknown idle strategy '%s' for the sink (spin, yield, backoff, sleep, park)",
                        cfg->sink_idle);
    if (cfg->max_frame < 256 || cfg->max_frame > (64u << 20))
        return VOLT_ERR(-EINVAL, "--max-frame must be between 256 bytes and 64 MiB");
    if (!volt_is_pow2(cfg->frame_ring_bytes) ||
        cfg->frame_ring_bytes / 4 < cfg->max_frame + sizeof(volt_frame_hdr_t) + VOLT_JSON_PADDING)
        return VOLT_ERR(-EINVAL, "the frame ring must be a power of two >= 4 x --max-frame");
    if (!volt_is_pow2(cfg->row_ring_slots) || cfg->row_ring_slots < 2)
        return VOLT_ERR(-EINVAL, "the row ring size must be a power of two");
    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 0; i < 3; i++)
        if (cfg->cpus[i] >= ncpu)
            return VOLT_ERR(-EINVAL, "--cpus names CPU %d but this machine has %ld", cfg->cpus[i],
                            ncpu);
    if (cfg->hot_threads < 1 || cfg->hot_threads > VOLT_MAX_HOT)
        return VOLT_ERR(-EINVAL, "--hot-threads takes 1 to %d", VOLT_MAX_HOT);
    if (cfg->hot_threads > 1 && cfg->stats_interval_s > 0)
        return VOLT_ERR(-EINVAL, "--stats-interval takes one hot agent (not --hot-threads %d)",
                        cfg->hot_threads);
    return 0;
}

/* A product name as the feeds write it: 1..VOLT_PRODUCT_NAME_MAX of [A-Za-z0-9_-]. */
static int good_product(const char *p)
{
    const size_t n = strlen(p);
    if (n == 0 || n > VOLT_PRODUCT_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
              (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'))
            return 0;
    return 1;
}

int volt_pipeline_check(const volt_pipeline_cfg_t *cfg, int live)
{
    int rc = validate(cfg);
    if (rc)
        return rc;
    if (cfg->kafka_brokers && !*cfg->kafka_brokers)
        return VOLT_ERR(-EINVAL, "--kafka-brokers is empty (give host:port[,host:port...])");
    if (!live)
        return 0;
    char host[256], path[512];
    int port, tls;
    if (!cfg->url || volt_ws_parse_url(cfg->url, host, sizeof host, &port, path, sizeof path, &tls))
        return VOLT_ERR(-EINVAL, "--url must look like ws://host:port/path or wss://host/path");
    if (cfg->n_products <= 0)
        return VOLT_ERR(-EINVAL, "live needs at least one --pair");
    for (int i = 0; i < cfg->n_products; i++)
        if (!good_product(cfg->products[i]))
            return VOLT_ERR(-EINVAL, "--pair '%s' is not a product name (1 to %d letters, digits, "
                                     "'-' or '_', e.g. BTC-USD)", cfg->products[i],
                            VOLT_PRODUCT_NAME_MAX);
    if (!(cfg->watchdog_s > 0) || !(cfg->backoff_min_s > 0) || cfg->backoff_max_s < cfg->backoff_min_s)
        return VOLT_ERR(-EINVAL, "watchdog and backoff times must be positive (min <= max)");
    return 0;
}

static int open_inputs(const volt_pipeline_cfg_t *cfg)
{
    for (int i = 0; i < cfg->n_files; i++) {
        if (strcmp(cfg->files[i], "-") == 0)
            continue;
        FILE *f = fopen(cfg->files[i], "r");
        if (!f)
            return VOLT_ERR(-errno, "cannot read %s: %s", cfg->files[i], strerror(errno));
        fclose(f);
    }
    return 0;
}

typedef enum { MODE_REPLAY, MODE_LIVE, MODE_BENCH } mode_t_;

/* The agents, in the order their threads start: consumers first, so that nobody waits on a thread
 * that does not exist yet. */
enum { A_KAFKA, A_JOURNAL, A_SINK, A_HOT, A_SOURCE = A_HOT + VOLT_MAX_HOT, A_COUNT };

static const char *agent_role(int i)
{
    static const char *const role[] = {"Kafka", "journal", "sink"};
    return i < A_HOT ? role[i] : i < A_SOURCE ? "hot" : "source";
}

/* The rings' memory: journal, Kafka raw and records, then each hot agent's frames and rows. */
enum { B_JOURNAL, B_KRAW, B_KREC, B_HOT, B_COUNT = B_HOT + 2 * VOLT_MAX_HOT };

/* A run: everything its agents share. */
typedef struct {
    const volt_pipeline_cfg_t *cfg;
    mode_t_ mode;
    const volt_bench_msgs_t *bench; /* MODE_BENCH */
    int n_hot;                      /* hot agents */
    volt_rb_t frames[VOLT_MAX_HOT]; /* source -> hot agent k */
    volt_ring_t rows[VOLT_MAX_HOT]; /* hot agent k -> sink */
    volt_rb_t jframes;              /* live source -> journal */
    volt_rb_t kraw, krec;           /* hot (or the router) -> Kafka, sink -> Kafka */
    volt_bell_t hot_bell[VOLT_MAX_HOT], sink_bell;
    void *buf[B_COUNT];             /* the rings' memory */
    volt_products_t products;       /* written by one interner: the hot agent, or the router */
    volt_features_t *features[VOLT_MAX_HOT];
    volt_books_t *books[VOLT_MAX_HOT];
    volt_model_t model[VOLT_MAX_MODELS]; /* [0] at start, then one per SIGHUP reload; read-only
                                    * once open, shared, all kept until the run ends (rows waiting
                                    * for their labels still name theirs) */
    int n_models;
    _Atomic(const volt_model_t *) model_slot; /* the one to score with (hot agents load it) */
    _Atomic int journal_reopen;     /* SIGHUP -> journal: start a new file */
    volt_parser_t *parser[VOLT_MAX_HOT], *assist, *router;
    volt_interval_t interval;
    volt_source_stats_t src;
    volt_hot_stats_t hot[VOLT_MAX_HOT];
    volt_sink_stats_t sink;
    volt_journal_stats_t jstats;
    volt_kafka_stats_t kstats;
    int kfailed_start;
    char journal_tag[64];           /* the journal's file names: the product, or MULTI */
    _Atomic int book_resync;        /* hot -> live source: the books need fresh snapshots */
    _Atomic int model_reloads;      /* models loaded by SIGHUP (the metrics server reads it) */
    /* with metrics: each agent's published copy of its stats block (engine/base/pub.h) */
    int publish;
    volt_pub_t pub[A_COUNT];
    volt_source_stats_t src_pub;
    volt_hot_stats_t hot_pub[VOLT_MAX_HOT];
    volt_sink_stats_t sink_pub;
    volt_journal_stats_t jstats_pub;
    volt_kafka_stats_t kstats_pub;
    volt_obs_t *obs;                /* the metrics server (NULL: off) */
    double start_unix_s;
    _Atomic int ended;              /* the run is over: the copies are its final numbers */
    volt_agent_t *agent[A_COUNT];   /* NULL: not in this run */
    pthread_t th[A_COUNT];
    int running[A_COUNT];
    int64_t t0, t_end;
} run_t;

static void *ring_mem(run_t *r, int i, size_t bytes)
{
    r->buf[i] = aligned_alloc(64, bytes);
    return r->buf[i];
}

/* Each hot agent's frame and row rings; live with --save-disk, the journal's; with Kafka, its two. */
static int make_rings(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    const uint64_t fb = cfg->frame_ring_bytes;
    for (int k = 0; k < r->n_hot; k++) {
        void *fm = ring_mem(r, B_HOT + 2 * k, fb);
        void *rm = ring_mem(r, B_HOT + 2 * k + 1, (size_t)cfg->row_ring_slots * sizeof(volt_row_t));
        if (!fm || !rm || volt_rb_init(&r->frames[k], fm, fb))
            return VOLT_ERR(-ENOMEM, "allocating the frame and row rings");
        volt_ring_init(&r->rows[k], rm, cfg->row_ring_slots, sizeof(volt_row_t));
    }
    if (r->mode == MODE_LIVE && cfg->journal_dir) {
        void *jm = ring_mem(r, B_JOURNAL, fb * 4);
        if (!jm || volt_rb_init(&r->jframes, jm, fb * 4))
            return VOLT_ERR(-ENOMEM, "allocating the journal ring");
    }
    if (cfg->kafka_brokers) {
        const uint64_t raw_bytes = fb * 2, rec_bytes = 32u << 20;
        void *a = ring_mem(r, B_KRAW, raw_bytes), *b = ring_mem(r, B_KREC, rec_bytes);
        if (!a || !b || volt_rb_init(&r->kraw, a, raw_bytes) || volt_rb_init(&r->krec, b, rec_bytes))
            return VOLT_ERR(-ENOMEM, "allocating the Kafka rings");
    }
    return 0;
}

/* Hot agent k's state: its parser, features and books. */
static int make_hot_state(run_t *r, int k)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    if (!(r->features[k] = volt_features_new(&cfg->feat)))
        return -EINVAL; /* volt_features_new said why */
    if (!(r->books[k] = malloc(sizeof *r->books[k])) || volt_books_init(r->books[k], cfg->book_depth)) {
        free(r->books[k]);
        r->books[k] = NULL;
        return VOLT_ERR(-ENOMEM, "allocating the level-2 books (%u levels a side)", cfg->book_depth);
    }
    volt_features_attach_books(r->features[k], r->books[k]);
    if (!(r->parser[k] = volt_parser_new(cfg->max_frame, &r->products)))
        return VOLT_ERR(-ENOMEM, "allocating the parser");
    if (r->n_hot > 1) /* the router interns; the hot agents look up */
        volt_parser_lookup_only(r->parser[k], 1);
    return 0;
}

/* The hot agents' state: products, parsers, features, books; the model; the router's parser. */
static int make_state(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    volt_products_init(&r->products);
    int rc;
    for (int k = 0; k < r->n_hot; k++)
        if ((rc = make_hot_state(r, k)))
            return rc;
    if ((rc = volt_model_open(&r->model[0], cfg->model)))
        return rc;
    if (!isnan(cfg->alert_threshold)) /* --alert-threshold over the file's */
        r->model[0].threshold = cfg->alert_threshold;
    r->n_models = 1;
    atomic_store(&r->model_slot, &r->model[0]);
    if (r->n_hot > 1 && !(r->router = volt_parser_new(cfg->max_frame, &r->products)))
        return VOLT_ERR(-ENOMEM, "allocating the router's parser");
    if (cfg->parse_assist >= 0 && r->n_hot == 1) {
        if (!(r->assist = volt_parser_new(cfg->max_frame, &r->products)))
            return VOLT_ERR(-ENOMEM, "allocating the parse assist's parser");
        volt_parser_lookup_only(r->assist, 1);
    }
    return 0;
}

/* Journal files are named after the product (without its dash), MULTI for several. */
static void journal_tag(const volt_pipeline_cfg_t *cfg, char *tag, size_t cap)
{
    snprintf(tag, cap, "MULTI");
    if (cfg->n_products != 1)
        return;
    size_t k = 0;
    for (const char *q = cfg->products[0]; *q && k < cap - 1; q++)
        if (*q != '-')
            tag[k++] = *q;
    tag[k] = '\0';
}

static volt_agent_t *make_journal(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    const volt_journal_wiring_t w = {
        .cfg = {.dir = cfg->journal_dir,
                .product_tag = r->journal_tag,
                .rotate_bytes = (uint64_t)(cfg->journal_rotate_mb * 1048576.0),
                .rotate_s = cfg->journal_rotate_min * 60.0,
                .fsync_ms = cfg->journal_fsync_ms,
                .max_frame = cfg->max_frame,
                .human = cfg->human},
        .cpu = cfg->cpus[2],
        .frames = &r->jframes,
        .stats = &r->jstats,
        .reopen = &r->journal_reopen};
    return volt_journal_new(&w);
}

/* The Kafka agent, after the topics are made (a broker that does not answer is no error: librdkafka
 * retries, and what is never delivered is counted). */
static volt_agent_t *make_kafka(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    volt_kafka_wiring_t w = {.cfg = cfg,
                             .raw = &r->kraw,
                             .rec = &r->krec,
                             .products = &r->products,
                             .stats = &r->kstats,
                             .failed_start = &r->kfailed_start};
    w.kcfg.brokers = cfg->kafka_brokers;
    for (int i = 0; i < VOLT_K_TOPICS; i++)
        w.kcfg.topic[i] = cfg->kafka_topic[i];
    w.kcfg.conf = cfg->kafka_conf;
    w.kcfg.n_conf = cfg->n_kafka_conf;
    w.kcfg.lossless = r->mode == MODE_REPLAY;
    w.kcfg.flush_s = cfg->kafka_flush_s;
    if (volt_kafka_create_topics(&w.kcfg, NULL, 0, 3, 1, 10.0, NULL)) {
        if (cfg->human)
            fprintf(cfg->human, "volt: %s; publishing anyway (librdkafka retries)\n", volt_err_msg());
        volt_err_clear();
    }
    return volt_kafka_new(&w);
}

static volt_agent_t *make_source(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    volt_source_wiring_t w = {.cfg = cfg,
                                    .router = r->router,
                                    .kafka_raw = r->n_hot > 1 && r->agent[A_KAFKA] ? &r->kraw : NULL,
                                    .kafka_lossless = r->mode == MODE_REPLAY,
                                    .journal = r->agent[A_JOURNAL] ? &r->jframes : NULL,
                                    .book_resync = &r->book_resync,
                                    .assist = r->assist,
                                    .assist_backlog = cfg->parse_assist,
                                    .bench = r->bench,
                                    .sink = r->agent[A_SINK],
                                    .rows = &r->rows[0],
                                    .stats = &r->src};
    for (int k = 0; k < r->n_hot; k++) {
        w.frames[k] = &r->frames[k];
        w.hot_bell[k] = &r->hot_bell[k];
    }
    r->router = NULL; /* the source's router owns it now, made or not */
    return r->mode == MODE_REPLAY ? volt_source_file_new(&w)
           : r->mode == MODE_LIVE ? volt_source_ws_new(&w)
                                  : volt_source_mem_new(&w);
}

/* Every agent of the run, made before any thread starts. */
static int make_agents(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    const int kafka = cfg->kafka_brokers != NULL;
    journal_tag(cfg, r->journal_tag, sizeof r->journal_tag);
    if (r->mode == MODE_LIVE && cfg->journal_dir && !(r->agent[A_JOURNAL] = make_journal(r)))
        return VOLT_ERR(-ENOMEM, "allocating the journal agent");
    if (kafka && !(r->agent[A_KAFKA] = make_kafka(r)))
        return VOLT_ERR(-ENOMEM, "allocating the Kafka agent");
    volt_sink_wiring_t sw = {.cfg = cfg,
                                   .n_rows = r->n_hot,
                                   .bell = &r->sink_bell,
                                   .kafka_rec = kafka ? &r->krec : NULL,
                                   .kafka_lossless = r->mode == MODE_REPLAY,
                                   .products = &r->products,
                                   .model = &r->model[0],
                                   .interval = &r->interval,
                                   .stats = &r->sink,
                                   .pub = r->publish ? &r->pub[A_SINK] : NULL,
                                   .pub_copy = r->publish ? &r->sink_pub : NULL};
    for (int k = 0; k < r->n_hot; k++)
        sw.rows[k] = &r->rows[k];
    if (!(r->agent[A_SINK] = volt_sink_new(&sw)))
        return VOLT_ERR(-ENOMEM, "allocating the sink");
    for (int k = 0; k < r->n_hot; k++) {
        const volt_hot_wiring_t hw = {.cfg = cfg,
                                      .frames = &r->frames[k],
                                      .bell = &r->hot_bell[k],
                                      .rows = &r->rows[k],
                                      .sink_bell = &r->sink_bell,
                                      .kafka_raw = kafka && r->n_hot == 1 ? &r->kraw : NULL,
                                      .kafka_lossless = r->mode == MODE_REPLAY,
                                      .products = &r->products,
                                      .parser = r->parser[k],
                                      .features = r->features[k],
                                      .books = r->books[k],
                                      .book_resync = r->mode == MODE_LIVE ? &r->book_resync : NULL,
                                      .model = &r->model[0],
                                      .model_slot = &r->model_slot,
                                      .interval = &r->interval,
                                      .stats = &r->hot[k],
                                      .pub = r->publish ? &r->pub[A_HOT + k] : NULL,
                                      .pub_copy = r->publish ? &r->hot_pub[k] : NULL,
                                      .shard = k,
                                      .n_shards = r->n_hot};
        if (!(r->agent[A_HOT + k] = volt_hot_new(&hw)))
            return VOLT_ERR(-ENOMEM, "allocating the hot agent");
    }
    if (!(r->agent[A_SOURCE] = make_source(r)))
        return VOLT_ERR(-ENOMEM, "allocating the source");
    if (r->publish) { /* the side agents' and the source's stats: plain copies */
        volt_agent_publish_plain(r->agent[A_SOURCE], &r->pub[A_SOURCE], &r->src_pub, &r->src,
                                 sizeof r->src);
        if (r->agent[A_JOURNAL])
            volt_agent_publish_plain(r->agent[A_JOURNAL], &r->pub[A_JOURNAL], &r->jstats_pub,
                                     &r->jstats, sizeof r->jstats);
        if (r->agent[A_KAFKA])
            volt_agent_publish_plain(r->agent[A_KAFKA], &r->pub[A_KAFKA], &r->kstats_pub,
                                     &r->kstats, sizeof r->kstats);
    }
    return 0;
}

/* Whether agent i has a thread of its own (the bench may run the sink on the source's). */
static int own_thread(const run_t *r, int i)
{
    return r->agent[i] && !(i == A_SINK && r->mode == MODE_BENCH && r->bench->sink_on_source);
}

/* Starts the threads, consumers first. When one cannot start, it and every agent after it never
 * run: their ends (END into the rings the started ones read, the sink's close) are played here, so
 * the started threads finish as after a normal end; the hot agent's first, since a bench source's
 * end drains a sink that waits for it. */
static int start(run_t *r)
{
    int failed = -1;
    for (int i = 0; i < A_COUNT && failed < 0; i++) {
        if (!own_thread(r, i))
            continue;
        const int rc = pthread_create(&r->th[i], NULL, volt_agent_run, r->agent[i]);
        if (rc) {
            failed = i;
            break;
        }
        /* an operator finds the hot thread by name: ps -L, top -H, perf */
        pthread_setname_np(r->th[i], r->agent[i]->name);
        r->running[i] = 1;
    }
    if (failed < 0)
        return 0;
    int order[A_COUNT], n = 0;
    for (int i = A_HOT; i < A_SOURCE; i++)
        order[n++] = i;
    order[n++] = A_SOURCE;
    order[n++] = A_SINK;
    order[n++] = A_JOURNAL;
    order[n++] = A_KAFKA;
    for (int k = 0; k < n; k++) {
        const int i = order[k];
        if (i >= failed && own_thread(r, i) && r->agent[i]->on_close)
            r->agent[i]->on_close(r->agent[i]);
        if (i >= failed && own_thread(r, i))
            volt_agent_publish_final(r->agent[i]);
    }
    return VOLT_ERR(-EAGAIN, "could not start the %s agent's thread", agent_role(failed));
}

/* SIGHUP: the model file loaded again here, on the run's own thread (it allocates and reads a
 * file: never on the hot path), published for the hot agents to take between ticks; the journal
 * told to start a new file. A model that does not load leaves the old one scoring. */
static void reload(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    const volt_model_t *old = atomic_load(&r->model_slot);
    if (r->agent[A_JOURNAL])
        atomic_store(&r->journal_reopen, 1);
    if (r->n_models == VOLT_MAX_MODELS) {
        if (cfg->human)
            fprintf(cfg->human, "volt: SIGHUP: %d models loaded in this run already; keeping %s\n",
                    VOLT_MAX_MODELS - 1, old->version);
        return;
    }
    volt_model_t *m = &r->model[r->n_models];
    if (volt_model_open(m, cfg->model)) {
        if (cfg->human)
            fprintf(cfg->human, "volt: SIGHUP: %s; keeping model %s\n", volt_err_msg(), old->version);
        volt_err_clear();
        return;
    }
    if (!isnan(cfg->alert_threshold))
        m->threshold = cfg->alert_threshold;
    r->n_models++;
    atomic_store_explicit(&r->model_slot, m, memory_order_release);
    atomic_store_explicit(&r->model_reloads, r->n_models - 1, memory_order_relaxed);
    if (cfg->human)
        fprintf(cfg->human, "volt: SIGHUP: model %s %s -> %s %s (from the next batch of ticks)%s\n",
                old->kind, old->version, m->kind, m->version,
                r->agent[A_JOURNAL] ? "; journal reopened" : "");
}

/* Joins the threads: the pipeline's, whose end is the run's, then the side threads. While the
 * source runs, a SIGHUP reloads (every 50 ms at most). */
static void join(run_t *r)
{
    if (r->running[A_SOURCE]) {
        for (;;) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            if (pthread_timedjoin_np(r->th[A_SOURCE], NULL, &ts) == 0)
                break;
            if (volt_pipeline_take_reload())
                reload(r);
        }
        r->running[A_SOURCE] = 0;
    }
    for (int i = A_SOURCE; i >= A_SINK; i--)
        if (r->running[i])
            pthread_join(r->th[i], NULL);
    /* the run's time ends with the sink: the Kafka agent's final flush is not the pipeline's */
    r->t_end = volt_clock_ns();
    for (int i = A_JOURNAL; i >= A_KAFKA; i--)
        if (r->running[i])
            pthread_join(r->th[i], NULL);
}

/* The stats blocks a report is made of: the agents' own after the run, or the copies they
 * published while it runs (the metrics server's); the same code adds them up either way. */
typedef struct {
    const volt_source_stats_t *src;
    const volt_hot_stats_t *hot[VOLT_MAX_HOT];
    const volt_sink_stats_t *sink;
    const volt_journal_stats_t *jstats;
    const volt_kafka_stats_t *kstats;
} view_t;

/* The hot agents' counts, summed (each message is counted by one of them). */
static void sum_hot(const run_t *r, const view_t *v, volt_hot_stats_t *h)
{
    memset(h, 0, offsetof(volt_hot_stats_t, lat));
    for (int k = 0; k < r->n_hot; k++) {
        const volt_hot_stats_t *x = v->hot[k];
        h->accepted += x->accepted;
        for (int i = 0; i < VOLT_REJ_COUNT; i++) {
            h->rejected_by[i] += x->rejected_by[i];
            h->items_rejected[i] += x->items_rejected[i];
        }
        for (int i = 0; i < VOLT_MSG_KIND_COUNT; i++)
            h->by_kind[i] += x->by_kind[i];
        h->ticks += x->ticks;
        h->rows += x->rows;
        h->out_of_order += x->out_of_order;
        h->duplicates += x->duplicates;
        h->seq_gaps += x->seq_gaps;
        h->alerts += x->alerts;
        h->feed_errors += x->feed_errors;
        h->dup_messages += x->dup_messages;
        h->seq_restarts += x->seq_restarts;
        h->kafka_raw_dropped += x->kafka_raw_dropped;
    }
}

/* The books and windows of every hot agent (their summaries, volt_hot_summarize). */
static void report_books(const run_t *r, const view_t *v, volt_run_stats_t *stats)
{
    volt_books_stats_t *b = &stats->book;
    for (int k = 0; k < r->n_hot; k++) {
        const volt_hot_stats_t *h = v->hot[k];
        const volt_books_stats_t *x = &h->books;
        b->events += x->events;
        b->snapshots += x->snapshots;
        b->changes += x->changes;
        b->gaps = x->gaps > b->gaps ? x->gaps : b->gaps; /* a gap reaches every agent */
        b->crossed += x->crossed;
        b->crossings += x->crossings;
        b->unsynced += x->unsynced;
        stats->time_gaps += h->time_gaps;
        stats->book_beyond += h->book_beyond;
        stats->books_used += h->books_used;
        stats->books_valid += h->books_valid;
    }
    /* one agent applies every level-2 message; several may each get one (its events' owners):
     * then the accepted count, which the first owner keeps */
    b->messages = r->n_hot == 1 ? v->hot[0]->books.messages : stats->by_kind[VOLT_MSG_BOOK];
}

/* The hot agents' and the sink's counts into the report. */
static void report_counts(run_t *r, const view_t *v, volt_run_stats_t *stats)
{
    volt_hot_stats_t hs;
    sum_hot(r, v, &hs);
    const volt_hot_stats_t *h = &hs;
    const volt_sink_stats_t *sk = v->sink;
    stats->read = v->src->read;
    stats->stopped = v->src->stopped;
    stats->accepted = h->accepted;
    for (int i = 0; i < VOLT_REJ_COUNT; i++) {
        stats->rejected_by[i] = h->rejected_by[i];
        stats->rejected += h->rejected_by[i];
        stats->items_rejected[i] = h->items_rejected[i];
    }
    memcpy(stats->by_kind, h->by_kind, sizeof stats->by_kind);
    stats->ticks = h->ticks;
    stats->assisted = v->src->assisted;
    stats->assist_deferred = v->src->assist_deferred;
    stats->rows = sk->rows_written;
    stats->out_of_order = h->out_of_order;
    stats->duplicates = h->duplicates;
    stats->dup_messages = h->dup_messages;
    stats->seq_restarts = h->seq_restarts;
    stats->seq_gaps = h->seq_gaps;
    stats->alerts = h->alerts;
    stats->feed_errors = h->feed_errors;
    stats->products = atomic_load_explicit(&r->products.published, memory_order_acquire);
    stats->hot_threads = r->n_hot;
    report_books(r, v, stats);
    const volt_model_t *m = atomic_load(&r->model_slot);
    snprintf(stats->model, sizeof stats->model, "%s %s (alert at p >= %.4g)", m->kind, m->version,
             m->threshold);
    stats->model_reloads = atomic_load_explicit(&r->model_reloads, memory_order_relaxed);
    stats->labelled = sk->labelled;
    stats->positives = sk->positives;
    stats->unlabelled = sk->unlabelled;
    stats->grade = sk->grade;
    stats->n_graded = sk->n_graded;
    for (int i = 0; i < sk->n_graded; i++) {
        snprintf(stats->graded_name[i], sizeof stats->graded_name[i], "%s",
                 volt_products_name(&r->products, sk->graded_product[i]));
        stats->graded[i] = sk->graded[i];
    }
}

/* Latency histograms, the connection, the journal and Kafka into the report. */
static void report_sides(const run_t *r, const view_t *v, volt_run_stats_t *stats)
{
    for (int k = 0; k < r->n_hot; k++)
        for (int i = 0; i < VOLT_LAT_COUNT; i++)
            if (i != VOLT_LAT_TO_SINK && i != VOLT_LAT_SOURCE_LATE)
                volt_hist_merge(&stats->lat[i], &v->hot[k]->lat[i]);
    volt_hist_merge(&stats->lat[VOLT_LAT_TO_SINK], &v->sink->to_sink);
    volt_hist_merge(&stats->lat[VOLT_LAT_SOURCE_LATE], &v->src->late);
    stats->conn = v->src->live;
    stats->journal = r->agent[A_JOURNAL] != NULL;
    stats->journal_lines = v->jstats->lines;
    stats->journal_bytes = v->jstats->bytes;
    stats->journal_fsyncs = v->jstats->fsyncs;
    stats->journal_files = v->jstats->files;
    stats->journal_errors = v->jstats->write_errors;
    stats->journal_uring = v->jstats->uring;
    stats->kafka = r->agent[A_KAFKA] != NULL;
    stats->kafka_stats = *v->kstats;
    for (int k = 0; k < r->n_hot; k++)
        stats->kafka_stats.dropped[VOLT_K_RAW] += v->hot[k]->kafka_raw_dropped;
    stats->kafka_stats.dropped[VOLT_K_RAW] += v->src->kafka_raw_dropped;
    for (int i = 0; i < VOLT_K_TOPICS; i++) {
        stats->kafka_stats.dropped[i] += v->sink->kafka_dropped[i];
        stats->kafka_topic[i] = r->cfg->kafka_topic[i];
    }
}

/* The whole report from a view. */
static void report(run_t *r, const view_t *v, volt_run_stats_t *stats)
{
    report_counts(r, v, stats);
    report_sides(r, v, stats);
}

/* The metrics server's snapshot (engine/obs/obs.h), on its thread: the published copies, locked
 * together, through the same report as the end of the run; the rings' fill; the model. */
static void collect(void *ctx, volt_obs_snapshot_t *s)
{
    run_t *r = ctx;
    const volt_pipeline_cfg_t *cfg = r->cfg;
    for (int i = 0; i < VOLT_LAT_COUNT; i++)
        volt_hist_init(&s->run.lat[i]);
    view_t v = {.src = &r->src_pub, .sink = &r->sink_pub, .jstats = &r->jstats_pub,
                .kstats = &r->kstats_pub};
    for (int k = 0; k < r->n_hot; k++)
        v.hot[k] = &r->hot_pub[k];
    for (int i = 0; i < A_COUNT; i++)
        if (r->agent[i] && r->agent[i]->pub)
            volt_pub_lock(&r->pub[i]);
    const int ended = atomic_load_explicit(&r->ended, memory_order_acquire);
    report(r, &v, &s->run);
    s->status = r->sink_pub.status;
    for (int i = 0; i < A_COUNT; i++)
        if (r->agent[i] && r->agent[i]->pub)
            volt_pub_unlock(&r->pub[i]);
    s->final = ended;
    s->run.elapsed_s = (double)((ended ? r->t_end : volt_clock_ns()) - r->t0) / 1e9;
    s->run.live = r->mode == MODE_LIVE;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        s->run.peak_rss_kb = (uint64_t)ru.ru_maxrss;
    s->mode = r->mode == MODE_LIVE ? "live" : r->mode == MODE_REPLAY ? "replay" : "bench";
    const volt_model_t *m = atomic_load(&r->model_slot);
    snprintf(s->model_kind, sizeof s->model_kind, "%s", m->kind);
    snprintf(s->model_version, sizeof s->model_version, "%s", m->version);
    s->threshold = m->threshold;
    s->start_unix_s = r->start_unix_s;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->now_unix_s = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    int n = 0;
    for (int k = 0; k < r->n_hot; k++) {
        s->ring[n++] = (volt_obs_ring_t){"frames", k, (double)volt_rb_fill_approx(&r->frames[k]) /
                                                          (double)r->frames[k].capacity};
        s->ring[n++] = (volt_obs_ring_t){"rows", k, (double)volt_ring_size_approx(&r->rows[k]) /
                                                        (double)r->rows[k].capacity};
    }
    if (r->agent[A_JOURNAL])
        s->ring[n++] = (volt_obs_ring_t){"journal", -1, (double)volt_rb_fill_approx(&r->jframes) /
                                                            (double)r->jframes.capacity};
    if (cfg->kafka_brokers) {
        s->ring[n++] = (volt_obs_ring_t){"kafka_raw", -1, (double)volt_rb_fill_approx(&r->kraw) /
                                                              (double)r->kraw.capacity};
        s->ring[n++] = (volt_obs_ring_t){"kafka_records", -1, (double)volt_rb_fill_approx(&r->krec) /
                                                                  (double)r->krec.capacity};
    }
    s->n_rings = n;
}

/* Where the metrics are served: --metrics, else 127.0.0.1:9464 live and "off" otherwise. */
static const char *metrics_addr(const volt_pipeline_cfg_t *cfg, mode_t_ mode)
{
    return cfg->metrics_addr ? cfg->metrics_addr : mode == MODE_LIVE ? VOLT_OBS_DEFAULT_ADDR : "off";
}

/* The metrics server, when the settings ask for it (live: by default). A server that cannot
 * start is reported and the run goes on without it. */
static void start_metrics(run_t *r)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    if (!r->publish)
        return;
    if (volt_obs_start(metrics_addr(cfg, r->mode), cfg->cpus[2], collect, r, cfg->human, &r->obs)) {
        if (cfg->human)
            fprintf(cfg->human, "volt: %s; running without metrics\n", volt_err_msg());
        volt_err_clear();
    }
}

/* After the run: its final numbers served for --metrics-linger seconds (a stop request ends the
 * wait), then the server stops. */
static void stop_metrics(run_t *r)
{
    if (!r->obs)
        return;
    atomic_store_explicit(&r->ended, 1, memory_order_release);
    const double linger = r->cfg->metrics_linger_s;
    const int64_t until = volt_clock_ns() + (int64_t)(linger * 1e9);
    while (linger > 0 && volt_clock_ns() < until && !volt_pipeline_stop_requested()) {
        const struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    volt_obs_stop(r->obs);
    r->obs = NULL;
}

/* The run's outcome: the first I/O error of the source, then of the sink, as one sentence. */
static int outcome(const run_t *r, volt_run_stats_t *stats)
{
    const volt_pipeline_cfg_t *cfg = r->cfg;
    if (cfg->hist_out) {
        const int w = volt_hist_write_csv(&stats->lat[VOLT_LAT_E2E], cfg->hist_out);
        if (w)
            return VOLT_ERR(w, "writing the histogram to %s: %s", cfg->hist_out, strerror(-w));
    }
    const int src = r->src.io_error;
    if (src && cfg->files)
        return VOLT_ERR(src, "reading %s: %s", cfg->files[r->src.io_error_file],
                        src == -EBADMSG ? "corrupt or truncated zstd data" : strerror(-src));
    if (src)
        return VOLT_ERR(src, "starting the WebSocket client: %s", strerror(-src));
    if (r->sink.io_error)
        return VOLT_ERR(r->sink.io_error, "writing %s: %s", cfg->out_path ? cfg->out_path : "output",
                        strerror(-r->sink.io_error));
    if (r->jstats.write_errors)
        return VOLT_ERR(-EIO, "the journal in %s had %llu write errors: it is incomplete",
                        cfg->journal_dir, (unsigned long long)r->jstats.write_errors);
    return 0;
}

static void release(run_t *r)
{
    for (int i = 0; i < A_COUNT; i++)
        volt_agent_free(r->agent[i]);
    for (int k = 0; k < r->n_hot; k++) {
        volt_parser_free(r->parser[k]);
        volt_features_free(r->features[k]);
        if (r->books[k])
            volt_books_free(r->books[k]);
        free(r->books[k]);
    }
    volt_parser_free(r->assist);
    volt_parser_free(r->router); /* only when the source never took it */
    for (int i = 0; i < r->n_models; i++)
        volt_model_close(&r->model[i]);
    for (int i = 0; i < B_COUNT; i++)
        free(r->buf[i]);
    free(r);
}

static int run(const volt_pipeline_cfg_t *cfg, mode_t_ mode, const volt_bench_msgs_t *bench,
               volt_run_stats_t *stats)
{
    run_t *r = aligned_alloc(VOLT_FALSE_SHARING, (sizeof(run_t) + VOLT_FALSE_SHARING - 1) &
                                                     ~(size_t)(VOLT_FALSE_SHARING - 1));
    if (!r)
        return VOLT_ERR(-ENOMEM, "allocating the pipeline");
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
    r->mode = mode;
    r->bench = bench;
    r->n_hot = cfg->hot_threads;
    for (int k = 0; k < r->n_hot; k++)
        for (int i = 0; i < VOLT_LAT_COUNT; i++)
            volt_hist_init(&r->hot[k].lat[i]);
    volt_hist_init(&r->sink.to_sink);
    volt_hist_init(&r->src.late);
    atomic_init(&r->book_resync, 0);
    for (int i = 0; i < 2; i++) {
        volt_hist_init(&r->interval.h[i]);
        atomic_init(&r->interval.busy[i], 0);
    }
    atomic_init(&r->model_reloads, 0);
    atomic_init(&r->ended, 0);
    r->publish = strcmp(metrics_addr(cfg, mode), "off") != 0;
    for (int i = 0; i < A_COUNT; i++)
        volt_pub_init(&r->pub[i]);
    for (int k = 0; k < VOLT_MAX_HOT; k++)
        for (int i = 0; i < VOLT_LAT_COUNT; i++)
            volt_hist_init(&r->hot_pub[k].lat[i]);
    volt_hist_init(&r->sink_pub.to_sink);
    volt_hist_init(&r->src_pub.late);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    r->start_unix_s = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
    int rc = make_rings(r);
    if (!rc)
        rc = make_state(r);
    if (!rc)
        rc = make_agents(r);
    r->t0 = volt_clock_ns(); /* before the metrics server, which reads it */
    if (!rc)
        start_metrics(r);
    if (!rc)
        rc = start(r);
    join(r);
    if (!rc) {
        for (int k = 0; k < r->n_hot; k++) /* the books' and windows' final summary */
            volt_hot_summarize(r->books[k], r->features[k], &r->products, k, r->n_hot, &r->hot[k]);
        view_t v = {.src = &r->src, .sink = &r->sink, .jstats = &r->jstats, .kstats = &r->kstats};
        for (int k = 0; k < r->n_hot; k++)
            v.hot[k] = &r->hot[k];
        stats->elapsed_s = (double)(r->t_end - r->t0) / 1e9;
        report(r, &v, stats);
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
            stats->peak_rss_kb = (uint64_t)ru.ru_maxrss;
        rc = outcome(r, stats);
    }
    stop_metrics(r);
    for (int i = 0; i < A_COUNT; i++)
        volt_pub_destroy(&r->pub[i]);
    release(r);
    return rc;
}

/* Every run starts here: the settings checked, the report cleared. */
static int begin(const volt_pipeline_cfg_t *cfg, int live, volt_run_stats_t *stats)
{
    memset(stats, 0, sizeof *stats);
    for (int i = 0; i < VOLT_LAT_COUNT; i++)
        volt_hist_init(&stats->lat[i]);
    return volt_pipeline_check(cfg, live);
}

int volt_pipeline_replay(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats)
{
    int rc = begin(cfg, 0, stats);
    if (rc)
        return rc;
    if (cfg->n_files <= 0)
        return VOLT_ERR(-EINVAL, "replay needs at least one recording");
    if ((rc = open_inputs(cfg)))
        return rc;
    volt_pipeline_clear_stop();
    return run(cfg, MODE_REPLAY, NULL, stats);
}

int volt_pipeline_bench(const volt_pipeline_cfg_t *cfg, const volt_bench_msgs_t *bench,
                        volt_run_stats_t *stats)
{
    int rc = begin(cfg, 0, stats);
    if (rc)
        return rc;
    if (!bench || !bench->msg || bench->n == 0)
        return VOLT_ERR(-EINVAL, "the bench needs messages");
    volt_pipeline_clear_stop();
    return run(cfg, MODE_BENCH, bench, stats);
}

int volt_pipeline_live(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats)
{
    int rc = begin(cfg, 1, stats);
    if (rc)
        return rc;
    if (cfg->ca_file) {
        FILE *f = fopen(cfg->ca_file, "r");
        if (!f)
            return VOLT_ERR(-errno, "cannot read the CA file %s: %s", cfg->ca_file, strerror(errno));
        fclose(f);
    }
    if (cfg->journal_dir) {
        if (mkdir(cfg->journal_dir, 0755) != 0 && errno != EEXIST)
            return VOLT_ERR(-errno, "cannot create the journal folder %s: %s", cfg->journal_dir,
                            strerror(errno));
        char probe[4096];
        snprintf(probe, sizeof probe, "%s/.volt-probe-%ld", cfg->journal_dir, (long)getpid());
        const int pfd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (pfd < 0)
            return VOLT_ERR(-errno, "cannot write in the journal folder %s: %s", cfg->journal_dir,
                            strerror(errno));
        close(pfd);
        unlink(probe);
        const int fixed = volt_journal_recover(cfg->journal_dir, cfg->human);
        if (fixed < 0)
            return VOLT_ERR(fixed, "cannot read the journal folder %s: %s", cfg->journal_dir,
                            strerror(-fixed));
    }
    volt_pipeline_clear_stop();
    rc = run(cfg, MODE_LIVE, NULL, stats);
    stats->live = 1;
    return rc;
}

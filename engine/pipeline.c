/* engine/pipeline.c — wiring: rings, agents, threads, and the run summary. */
#include "engine/pipeline.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/agents/agents.h"
#include "engine/agents/source_ws.h"
#include "engine/base/err.h"
#include "engine/base/idle.h"

/* Starts a pipeline thread under its name (ps -L, top -H, perf, /proc/PID/task/TID/comm: an
 * operator finds the hot one). 0 or -errno. */
static int spawn(pthread_t *th, void *(*fn)(void *), void *arg, const char *name)
{
    const int rc = pthread_create(th, NULL, fn, arg);
    if (rc)
        return -rc;
    pthread_setname_np(*th, name);
    return 0;
}

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
    if (cfg->sink_on_source)
        return VOLT_ERR(-EINVAL, "only the bench source runs the sink on its thread");
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

static int run(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats, void *(*source)(void *));

/* Clears the stats (so a failed run reports zeros) and checks the common settings. */
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
    if (cfg->sink_on_source)
        return VOLT_ERR(-EINVAL, "only the bench source runs the sink on its thread");
    if (cfg->n_files <= 0)
        return VOLT_ERR(-EINVAL, "replay needs at least one recording");
    if ((rc = open_inputs(cfg)))
        return rc;
    return run(cfg, stats, volt_source_file_run);
}

int volt_pipeline_bench(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats)
{
    int rc = begin(cfg, 0, stats);
    if (rc)
        return rc;
    if (!cfg->bench_msg || cfg->bench_n == 0)
        return VOLT_ERR(-EINVAL, "the bench needs messages");
    volt_pipeline_clear_stop();
    return run(cfg, stats, volt_source_mem_run);
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
        const int fixed = volt_journal_recover(cfg->journal_dir, cfg->human);
        if (fixed < 0)
            return VOLT_ERR(fixed, "cannot read the journal folder %s: %s", cfg->journal_dir,
                            strerror(-fixed));
    }
    volt_pipeline_clear_stop();
    rc = run(cfg, stats, volt_source_ws_run);
    stats->live = 1;
    return rc;
}

static int run(const volt_pipeline_cfg_t *cfg, volt_run_stats_t *stats, void *(*source)(void *))
{
    int rc = 0;

    volt_ctx_t *c = aligned_alloc(VOLT_FALSE_SHARING,
                                  (sizeof(volt_ctx_t) + VOLT_FALSE_SHARING - 1) &
                                      ~(size_t)(VOLT_FALSE_SHARING - 1));
    if (!c)
        return VOLT_ERR(-ENOMEM, "allocating the pipeline");
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    for (int i = 0; i < VOLT_LAT_COUNT; i++)
        volt_hist_init(&c->hot.lat[i]);
    volt_hist_init(&c->sink.to_sink);
    volt_hist_init(&c->src.late);
    volt_hist_init(&c->interval.h[0]);
    volt_hist_init(&c->interval.h[1]);
    atomic_init(&c->interval.busy[0], 0);
    atomic_init(&c->interval.busy[1], 0);
    volt_products_init(&c->products);
    void *frame_buf = aligned_alloc(64, cfg->frame_ring_bytes);
    void *row_buf = aligned_alloc(64, (size_t)cfg->row_ring_slots * sizeof(volt_row_t));
    void *hot = NULL;
    volt_sink_t *sink = NULL;
    void *jbuf = NULL, *kbuf1 = NULL, *kbuf2 = NULL;
    pthread_t th[3], jth, kth;
    int started = 0, jstarted = 0, kstarted = 0;
    char jtag[64] = "MULTI";
    if (cfg->n_products == 1) {
        size_t k = 0;
        for (const char *q = cfg->products[0]; *q && k < sizeof jtag - 1; q++)
            if (*q != '-')
                jtag[k++] = *q;
        jtag[k] = '\0';
    }
    if (!frame_buf || !row_buf) {
        rc = VOLT_ERR(-ENOMEM, "allocating rings");
        goto out;
    }
    volt_rb_init(&c->frames, frame_buf, cfg->frame_ring_bytes);
    if (source == volt_source_ws_run && cfg->journal_dir) {
        jbuf = aligned_alloc(64, (size_t)cfg->frame_ring_bytes * 4);
        if (!jbuf) {
            rc = VOLT_ERR(-ENOMEM, "allocating the journal ring");
            goto out;
        }
        volt_journal_attach(c, jbuf, (uint64_t)cfg->frame_ring_bytes * 4, cfg->journal_dir, jtag);
    }
    volt_ring_init(&c->rows, row_buf, cfg->row_ring_slots, sizeof(volt_row_t));
    if (!(c->features = volt_features_new(&cfg->feat))) {
        rc = -EINVAL;
        goto out;
    }
    if ((rc = volt_model_open(&c->model, cfg->model)))
        goto out;
    if (cfg->kafka_brokers) {
        const uint64_t kraw_bytes = (uint64_t)cfg->frame_ring_bytes * 2, krec_bytes = 32u << 20;
        kbuf1 = aligned_alloc(64, kraw_bytes);
        kbuf2 = aligned_alloc(64, krec_bytes);
        if (!kbuf1 || !kbuf2) {
            rc = VOLT_ERR(-ENOMEM, "allocating the Kafka rings");
            goto out;
        }
        volt_rb_init(&c->kraw, kbuf1, kraw_bytes);
        volt_rb_init(&c->krec, kbuf2, krec_bytes);
        c->kafka_on = 1;
        c->kcfg.brokers = cfg->kafka_brokers;
        for (int i = 0; i < VOLT_K_TOPICS; i++)
            c->kcfg.topic[i] = cfg->kafka_topic[i];
        c->kcfg.conf = cfg->kafka_conf;
        c->kcfg.n_conf = cfg->n_kafka_conf;
        c->kcfg.lossless = source == volt_source_file_run;
        c->kcfg.flush_s = cfg->kafka_flush_s;
        if (volt_kafka_create_topics(&c->kcfg, NULL, 0, 3, 1, 10.0, NULL)) {
            if (cfg->human)
                fprintf(cfg->human, "volt: %s; publishing anyway (librdkafka retries)\n",
                        volt_err_msg());
            volt_err_clear();
        }
    }
    if (!(c->parser = volt_parser_new(cfg->max_frame, &c->products))) {
        rc = -ENOMEM;
        goto out;
    }
    c->assist.backlog_bytes = cfg->parse_assist;
    if (cfg->parse_assist >= 0) {
        if (!(c->assist.parser = volt_parser_new(cfg->max_frame, &c->products))) {
            rc = -ENOMEM;
            goto out;
        }
        volt_parser_lookup_only(c->assist.parser, 1);
    }
    if (!(hot = volt_hot_new(c))) {
        rc = VOLT_ERR(-ENOMEM, "allocating the hot agent");
        goto out;
    }
    if (!(sink = volt_sink_new(c))) {
        rc = VOLT_ERR(-ENOMEM, "allocating the sink");
        goto out;
    }
    const int sink_thread = !(cfg->sink_on_source && source == volt_source_mem_run);
    if (!sink_thread)
        c->sink_shared = sink;

    const int64_t t0 = volt_clock_ns();
    /* consumers first, so that nobody waits on a thread that does not exist yet */
    if (sink_thread && (rc = spawn(&th[2], volt_sink_run, sink, "volt-sink")))
        goto out;
    started = 1;
    if ((rc = spawn(&th[1], volt_hot_run, hot, "volt-hot")))
        goto out;
    started = 2;
    if (c->journal_on) {
        if ((rc = spawn(&jth, volt_journal_run, c, "volt-journal")))
            goto out;
        jstarted = 1;
    }
    if (c->kafka_on) {
        if ((rc = spawn(&kth, volt_kafka_run, c, "volt-kafka")))
            goto out;
        kstarted = 1;
    }
    if ((rc = spawn(&th[0], source, c, "volt-source")))
        goto out;
    started = 3;
out:
    /* A thread that failed to start leaves its consumer waiting: stand in for it with an END. */
    if (started == 2) {
        volt_frame_push_end(volt_rb_producer(&c->frames));
    } else if (started == 1) {
        volt_ring_prod_t rp = volt_ring_producer(&c->rows);
        volt_row_t *e;
        while (!(e = volt_ring_claim(rp)))
            sched_yield();
        e->type = VOLT_ROW_END;
        volt_ring_publish(rp, 1);
    }
    if (jstarted && started < 3) /* the source never started: end the journal ourselves */
        volt_frame_push_end(volt_rb_producer(&c->jframes));
    if (kstarted && started < 3) {
        volt_frame_push_end(volt_rb_producer(&c->kraw));
        volt_krec_hdr_t *e;
        while (!(e = volt_rb_claim(volt_rb_producer(&c->krec), sizeof *e)))
            sched_yield();
        e->topic = VOLT_KREC_END;
        volt_rb_commit(volt_rb_producer(&c->krec));
    }
    for (int i = started - 1; i >= 0; i--)
        if (i != 0 || !c->sink_shared)
            pthread_join(th[2 - i], NULL);
    if (c->sink_shared && started >= 1 && started < 3) {
        /* the source that was to run the sink never started: the rows end here */
        volt_idle_t idle;
        volt_idle_preset(&idle, "yield");
        volt_sink_drain(sink, &idle);
    }
    /* the run's time ends with the sink: the Kafka agent's final flush is not the pipeline's */
    const int64_t t_end = volt_clock_ns();
    if (jstarted)
        pthread_join(jth, NULL);
    if (kstarted)
        pthread_join(kth, NULL);
    if (started == 3) {
        stats->elapsed_s = (double)(t_end - t0) / 1e9;
        const volt_hot_stats_t *h = &c->hot;
        stats->read = c->src.read;
        stats->accepted = h->accepted;
        for (int i = 0; i < VOLT_REJ_COUNT; i++) {
            stats->rejected_by[i] = h->rejected_by[i];
            stats->rejected += h->rejected_by[i];
            stats->items_rejected[i] = h->items_rejected[i];
        }
        memcpy(stats->by_kind, h->by_kind, sizeof stats->by_kind);
        stats->ticks = h->ticks;
        stats->assisted = c->assist.parsed;
        stats->assist_deferred = c->assist.deferred;
        stats->rows = c->sink.rows_written;
        stats->out_of_order = h->out_of_order;
        stats->duplicates = h->duplicates;
        stats->seq_gaps = h->seq_gaps;
        stats->alerts = h->alerts;
        snprintf(stats->model, sizeof stats->model, "%s %s (alert at p >= %.4g)", c->model.kind,
                 c->model.version, c->model.threshold);
        stats->labelled = c->sink.labelled;
        stats->positives = c->sink.positives;
        stats->unlabelled = c->sink.unlabelled;
        stats->grade = c->sink.grade;
        stats->n_graded = c->sink.n_graded;
        for (int i = 0; i < c->sink.n_graded; i++) {
            snprintf(stats->graded_name[i], sizeof stats->graded_name[i], "%s",
                     volt_products_name(&c->products, c->sink.graded_product[i]));
            stats->graded[i] = c->sink.graded[i];
        }
        stats->feed_errors = h->feed_errors;
        stats->products = c->products.n;
        volt_feat_stats_t fs;
        volt_features_stats(c->features, &fs);
        stats->time_gaps = fs.gaps;
        for (int i = 0; i < VOLT_LAT_COUNT; i++)
            if (i != VOLT_LAT_TO_SINK && i != VOLT_LAT_SOURCE_LATE)
                volt_hist_merge(&stats->lat[i], &h->lat[i]);
        volt_hist_merge(&stats->lat[VOLT_LAT_TO_SINK], &c->sink.to_sink);
        volt_hist_merge(&stats->lat[VOLT_LAT_SOURCE_LATE], &c->src.late);
        if (cfg->hist_out && !rc) {
            const int w = volt_hist_write_csv(&stats->lat[VOLT_LAT_E2E], cfg->hist_out);
            if (w)
                rc = VOLT_ERR(w, "writing the histogram to %s: %s", cfg->hist_out, strerror(-w));
        }
        stats->conn = c->live;
        stats->journal = c->journal_on;
        stats->journal_lines = c->jstats.lines;
        stats->journal_bytes = c->jstats.bytes;
        stats->journal_fsyncs = c->jstats.fsyncs;
        stats->journal_files = c->jstats.files;
        stats->journal_errors = c->jstats.write_errors;
        stats->journal_uring = c->jstats.uring;
        stats->kafka = c->kafka_on;
        stats->kafka_stats = c->kstats;
        stats->kafka_stats.dropped[VOLT_K_RAW] += c->kdrop_src;
        for (int i = 0; i < VOLT_K_TOPICS; i++) {
            stats->kafka_stats.dropped[i] += c->kdrop_sink[i];
            stats->kafka_topic[i] = cfg->kafka_topic[i];
        }
        if (c->src.io_error && cfg->files)
            rc = VOLT_ERR(c->src.io_error, "reading %s: %s", cfg->files[c->src.io_error_file],
                          c->src.io_error == -EBADMSG ? "corrupt or truncated zstd data"
                                                      : strerror(-c->src.io_error));
        else if (c->src.io_error)
            rc = VOLT_ERR(c->src.io_error, "starting the WebSocket client: %s",
                          strerror(-c->src.io_error));
        else if (c->sink.io_error)
            rc = VOLT_ERR(c->sink.io_error, "writing %s: %s",
                          cfg->out_path ? cfg->out_path : "output", strerror(-c->sink.io_error));
    } else if (started > 0 && rc == 0) {
        rc = VOLT_ERR(-EAGAIN, "could not start the pipeline threads");
    }
    volt_hot_free(hot);
    volt_sink_free(sink);
    volt_parser_free(c->parser);
    volt_parser_free(c->assist.parser);
    volt_model_close(&c->model);
    volt_features_free(c->features);
    free(frame_buf);
    free(row_buf);
    free(jbuf);
    free(kbuf1);
    free(kbuf2);
    free(c);
    return rc;
}


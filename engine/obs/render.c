/* engine/obs/render.c — the Prometheus text exposition and the status JSON (obs.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/hist.h"
#include "engine/base/version.h"
#include "engine/obs/obs.h"
#include "simd/cpu.h"

/* An append-only text buffer that counts what it would need when full. */
typedef struct {
    char *b;
    size_t cap, len;
} out_t;

__attribute__((format(printf, 2, 3))) static void put(out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const size_t room = o->len < o->cap ? o->cap - o->len : 0;
    const int n = vsnprintf(room ? o->b + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* A value as Prometheus and JSON-with-null read it: NaN and infinities have their own words. */
static void num(out_t *o, double v, int json)
{
    if (isnan(v))
        put(o, json ? "null" : "NaN");
    else if (isinf(v))
        put(o, json ? "null" : v > 0 ? "+Inf" : "-Inf");
    else
        put(o, "%.17g", v);
}

static void help(out_t *o, const char *name, const char *type, const char *text)
{
    put(o, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void metric(out_t *o, const char *name, const char *type, const char *text, double v)
{
    help(o, name, type, text);
    put(o, "%s ", name);
    num(o, v, 0);
    put(o, "\n");
}

static void labelled(out_t *o, const char *name, const char *labels, double v)
{
    put(o, "%s{%s} ", name, labels);
    num(o, v, 0);
    put(o, "\n");
}

/* Prometheus label values escape backslash, quote and newline; product names never hold them
 * (engine/feed/product.h), model versions might. */
static void esc_label(char *dst, size_t cap, const char *s)
{
    size_t k = 0;
    for (; *s && k + 2 < cap; s++) {
        if (*s == '\\' || *s == '"') {
            dst[k++] = '\\';
            dst[k++] = *s;
        } else if (*s == '\n') {
            dst[k++] = '\\';
            dst[k++] = 'n';
        } else {
            dst[k++] = *s;
        }
    }
    dst[k] = '\0';
}

/* The stages by their metric label. */
static const char *stage_label(int i)
{
    static const char *const names[VOLT_LAT_COUNT] = {
        [VOLT_LAT_E2E] = "receive_to_signal", [VOLT_LAT_QUEUE] = "receive_to_hot",
        [VOLT_LAT_PARSE] = "parse",           [VOLT_LAT_FEATURES] = "features",
        [VOLT_LAT_SCORE] = "score",           [VOLT_LAT_HOT] = "hot",
        [VOLT_LAT_TO_SINK] = "signal_to_sink", [VOLT_LAT_SOURCE_LATE] = "bench_source_late",
    };
    return names[i];
}

/* Bucket edges (ns): a histogram's bucket counts when its whole range lies at or below the edge,
 * so an edge is exact to the histogram's 1/32 resolution (engine/base/hist.h). */
static const uint64_t edges_ns[] = {250,     500,     1000,    2000,     5000,     10000,
                                    20000,   50000,   100000,  250000,   500000,   1000000,
                                    5000000, 10000000, 50000000, 100000000, 1000000000};
#define N_EDGES (sizeof edges_ns / sizeof edges_ns[0])

static void histogram(out_t *o, const char *stage, const volt_hist_t *h)
{
    uint64_t cum = 0;
    uint32_t i = 0;
    for (size_t e = 0; e < N_EDGES; e++) {
        while (i < VOLT_HIST_BUCKETS && volt_hist_bucket_top(i) <= edges_ns[e])
            cum += h->b[i++];
        put(o, "volt_stage_latency_seconds_bucket{stage=\"%s\",le=\"%.9g\"} %llu\n", stage,
            (double)edges_ns[e] / 1e9, (unsigned long long)cum);
    }
    put(o, "volt_stage_latency_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n", stage,
        (unsigned long long)h->count);
    put(o, "volt_stage_latency_seconds_sum{stage=\"%s\"} %.9f\n", stage, (double)h->sum / 1e9);
    put(o, "volt_stage_latency_seconds_count{stage=\"%s\"} %llu\n", stage,
        (unsigned long long)h->count);
}

static void grade_lines(out_t *o, const char *product, const volt_grade_t *g)
{
    char l[64];
    snprintf(l, sizeof l, "product=\"%s\"", product);
    labelled(o, "volt_model_grade_pr_auc", l, g->pr_auc);
    labelled(o, "volt_model_grade_pr_auc_persistence", l, g->pr_auc_persistence);
    labelled(o, "volt_model_grade_precision", l, g->precision);
    labelled(o, "volt_model_grade_recall", l, g->recall);
    labelled(o, "volt_model_grade_alert_rate", l, g->alert_rate);
    labelled(o, "volt_model_grade_samples", l, (double)g->n);
    labelled(o, "volt_model_grade_positives", l, (double)g->positives);
}

/* A group of unlabelled samples, each with its help line. */
typedef struct {
    const char *name, *type, *text;
    double v;
} row_t;

static void rows(out_t *o, const row_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        metric(o, r[i].name, r[i].type, r[i].text, r[i].v);
}

/* One counter family labelled key="name(i)" for i in [1, n). */
static void by_label(out_t *o, const char *name, const char *text, const char *key,
                     const char *(*label)(int), const uint64_t *v, int n)
{
    help(o, name, "counter", text);
    char l[64];
    for (int i = 1; i < n; i++) {
        snprintf(l, sizeof l, "%s=\"%s\"", key, label(i));
        labelled(o, name, l, (double)v[i]);
    }
}

static const char *reject_label(int i) { return volt_reject_name((volt_reject_t)i); }
static const char *kind_label(int i) { return volt_msg_kind_name((volt_msg_kind_t)i); }

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void counts(out_t *o, const volt_run_stats_t *r)
{
    metric(o, "volt_messages_read_total", "counter", "Frames or lines the source read.", (double)r->read);
    metric(o, "volt_messages_accepted_total", "counter", "Messages that parsed.", (double)r->accepted);
    by_label(o, "volt_messages_rejected_total", "Messages rejected, by reason.", "reason", reject_label,
             r->rejected_by, VOLT_REJ_COUNT);
    by_label(o, "volt_items_rejected_total", "Bad items inside accepted messages, by reason.", "reason",
             reject_label, r->items_rejected, VOLT_REJ_COUNT);
    by_label(o, "volt_messages_by_kind_total", "Accepted messages, by kind.", "kind", kind_label,
             r->by_kind, VOLT_MSG_KIND_COUNT);
    const row_t c[] = {
        {"volt_ticks_total", "counter", "Ticks parsed.", (double)r->ticks},
        {"volt_rows_total", "counter", "Feature rows written.", (double)r->rows},
        {"volt_ticks_out_of_order_total", "counter", "Ticks older than their product's last (dropped).", (double)r->out_of_order},
        {"volt_ticks_duplicate_total", "counter", "Ticks dropped as duplicates (sequence seen already).", (double)r->duplicates},
        {"volt_messages_duplicate_total", "counter", "Whole messages dropped as duplicates.", (double)r->dup_messages},
        {"volt_sequence_gaps_total", "counter", "Sequence jumps: messages missed upstream.", (double)r->seq_gaps},
        {"volt_sequence_restarts_total", "counter", "A connection's sequence counter started over.", (double)r->seq_restarts},
        {"volt_time_gaps_total", "counter", "Window restarts after silence.", (double)r->time_gaps},
        {"volt_feed_errors_total", "counter", "The feed's own error messages.", (double)r->feed_errors},
        {"volt_alerts_total", "counter", "Alerts raised.", (double)r->alerts},
        {"volt_parse_assisted_total", "counter", "Messages the source parsed for a busy hot agent.", (double)r->assisted},
        {"volt_products", "gauge", "Products seen.", (double)r->products},
        {"volt_hot_agents", "gauge", "Hot agents the products are shared out among.", (double)r->hot_threads},
        {"volt_book_messages_total", "counter", "Level-2 messages applied.", (double)r->book.messages},
        {"volt_book_events_total", "counter", "Level-2 events (snapshot and update entries).", (double)r->book.events},
        {"volt_book_snapshots_total", "counter", "Level-2 snapshots applied.", (double)r->book.snapshots},
        {"volt_book_changes_total", "counter", "Level changes applied.", (double)r->book.changes},
        {"volt_book_crossings_total", "counter", "Valid books turned crossed (invalid until a snapshot).", (double)r->book.crossings},
        {"volt_books_in_use", "gauge", "Books that saw any change.", (double)r->books_used},
        {"volt_books_valid", "gauge", "Books in use that are valid now.", (double)r->books_valid},
    };
    rows(o, c, N(c));
}

static void live_lines(out_t *o, const volt_run_stats_t *r)
{
    const volt_live_stats_t *c = &r->conn;
    const row_t l[] = {
        {"volt_connect_attempts_total", "counter", "WebSocket connection attempts.", (double)c->connect_attempts},
        {"volt_connects_total", "counter", "Connections established.", (double)c->connects},
        {"volt_disconnects_total", "counter", "Connections lost or closed.", (double)c->disconnects},
        {"volt_connect_failures_total", "counter", "Connection attempts that failed.", (double)c->connect_failures},
        {"volt_reconnects_total", "counter", "Connections after the first.", (double)(c->connects > 0 ? c->connects - 1 : 0)},
        {"volt_subscribes_total", "counter", "Subscriptions sent.", (double)c->subscribes},
        {"volt_watchdog_fires_total", "counter", "Reconnects forced by the heartbeat watchdog.", (double)c->watchdog_fires},
        {"volt_frames_too_large_total", "counter", "Frames over --max-frame (read off the wire, kept none of).", (double)c->frames_too_large},
        {"volt_frames_rate_limited_total", "counter", "Frames dropped over --max-rate.", (double)c->rate_limited},
        {"volt_book_resyncs_total", "counter", "Level-2 resubscriptions for fresh snapshots.", (double)c->book_resyncs},
        {"volt_connected", "gauge", "1 while the feed's connection is up.", c->connects > c->disconnects ? 1.0 : 0.0},
        {"volt_last_reconnect_seconds", "gauge", "Connection lost to connected again, the last time.", (double)c->last_reconnect_ns / 1e9},
        {"volt_max_reconnect_seconds", "gauge", "Connection lost to connected again, the longest.", (double)c->max_reconnect_ns / 1e9},
    };
    rows(o, l, N(l));
}

static void side_lines(out_t *o, const volt_obs_snapshot_t *s)
{
    const volt_run_stats_t *r = &s->run;
    const row_t j[] = {
        {"volt_journal_lines_total", "counter", "Frames written to the journal.", (double)r->journal_lines},
        {"volt_journal_bytes_total", "counter", "Bytes written to the journal.", (double)r->journal_bytes},
        {"volt_journal_fsyncs_total", "counter", "Journal fsyncs.", (double)r->journal_fsyncs},
        {"volt_journal_files_total", "counter", "Journal files opened.", (double)r->journal_files},
        {"volt_journal_write_errors_total", "counter", "Journal writes that failed.", (double)r->journal_errors},
    };
    rows(o, j, N(j));
    static const char *const topic[VOLT_K_TOPICS] = {"raw", "features", "alerts"};
    const volt_kafka_stats_t *k = &r->kafka_stats;
    char l[64];
    static const char *const kname[4] = {"volt_kafka_queued_total", "volt_kafka_delivered_total",
                                         "volt_kafka_failed_total", "volt_kafka_dropped_total"};
    static const char *const khelp[4] = {"Records handed to librdkafka, by topic.",
                                         "Records the broker acknowledged, by topic.",
                                         "Records whose delivery failed, by topic.",
                                         "Records not queued (ring or librdkafka queue full), by topic."};
    const uint64_t *kv[4] = {k->queued, k->delivered, k->failed, k->dropped};
    for (int m = 0; m < 4; m++) {
        help(o, kname[m], "counter", khelp[m]);
        for (int t = 0; t < VOLT_K_TOPICS; t++) {
            snprintf(l, sizeof l, "topic=\"%s\"", topic[t]);
            labelled(o, kname[m], l, (double)kv[m][t]);
        }
    }
    help(o, "volt_kafka_in_flight", "gauge", "Records queued and not yet delivered or failed, by topic.");
    for (int t = 0; t < VOLT_K_TOPICS; t++) {
        snprintf(l, sizeof l, "topic=\"%s\"", topic[t]);
        const uint64_t done = k->delivered[t] + k->failed[t];
        labelled(o, "volt_kafka_in_flight", l, (double)(k->queued[t] > done ? k->queued[t] - done : 0));
    }
    help(o, "volt_ring_fill_ratio", "gauge", "Share of each ring in use (instantaneous).");
    for (int i = 0; i < s->n_rings; i++) {
        if (s->ring[i].agent >= 0)
            snprintf(l, sizeof l, "ring=\"%s\",agent=\"%d\"", s->ring[i].name, s->ring[i].agent);
        else
            snprintf(l, sizeof l, "ring=\"%s\"", s->ring[i].name);
        labelled(o, "volt_ring_fill_ratio", l, s->ring[i].fill);
    }
}

static void model_lines(out_t *o, const volt_obs_snapshot_t *s)
{
    const volt_run_stats_t *r = &s->run;
    char kind[40], ver[140], l[200];
    esc_label(kind, sizeof kind, s->model_kind);
    esc_label(ver, sizeof ver, s->model_version);
    help(o, "volt_model_info", "gauge", "The model scoring now.");
    snprintf(l, sizeof l, "kind=\"%s\",version=\"%s\"", kind, ver);
    labelled(o, "volt_model_info", l, 1.0);
    metric(o, "volt_model_threshold", "gauge", "The alert threshold on p_spike.", s->threshold);
    metric(o, "volt_model_reloads_total", "counter", "Models loaded by SIGHUP.", (double)r->model_reloads);
    help(o, "volt_model_grade_pr_auc", "gauge", "The model's PR-AUC over the last hour of labelled rows (product=\"all\": every product).");
    help(o, "volt_model_grade_pr_auc_persistence", "gauge", "Persistence's PR-AUC over the same rows.");
    help(o, "volt_model_grade_precision", "gauge", "Precision at the model's threshold.");
    help(o, "volt_model_grade_recall", "gauge", "Recall at the model's threshold.");
    help(o, "volt_model_grade_alert_rate", "gauge", "Share of graded seconds predicted positive.");
    help(o, "volt_model_grade_samples", "gauge", "Product-seconds graded.");
    help(o, "volt_model_grade_positives", "gauge", "Of them labelled 1.");
    grade_lines(o, "all", &r->grade);
    for (int i = 0; i < r->n_graded; i++)
        grade_lines(o, r->graded_name[i], &r->graded[i]);
}

static void product_lines(out_t *o, const volt_status_t *st)
{
    static const char *const name[] = {"volt_product_price", "volt_product_rv_60s",
                                       "volt_product_p_spike", "volt_product_event_timestamp_seconds",
                                       "volt_product_alerts_total"};
    static const char *const type[] = {"gauge", "gauge", "gauge", "gauge", "counter"};
    static const char *const text[] = {"Last trade price.", "Realized volatility over 60 s (rv_60s).",
                                       "The model's p_spike on the last row.",
                                       "Event time of the last row.", "Alerts raised, by product."};
    for (int m = 0; m < 5; m++) {
        help(o, name[m], type[m], text[m]);
        for (uint32_t p = 0; p < st->n_products; p++) {
            const volt_product_status_t *ps = &st->prod[p];
            if (!ps->rows)
                continue;
            char l[64];
            snprintf(l, sizeof l, "product=\"%s\"", ps->name);
            const double v[] = {ps->price, ps->rv_60s, ps->p_spike, (double)ps->event_ns / 1e9,
                                (double)ps->alerts};
            labelled(o, name[m], l, v[m]);
        }
    }
}

size_t volt_obs_prometheus(const volt_obs_snapshot_t *s, char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    const volt_run_stats_t *r = &s->run;
    help(&o, "volt_build_info", "gauge", "The engine's build.");
    put(&o, "volt_build_info{version=\"%s\",simd=\"%s\",mode=\"%s\"} 1\n", VOLT_VERSION,
        volt_simd_isa_name(volt_simd_isa()), s->mode);
    metric(&o, "volt_start_time_seconds", "gauge", "When the run started (Unix time).", s->start_unix_s);
    metric(&o, "volt_run_elapsed_seconds", "gauge", "The run's time so far.", r->elapsed_s);
    metric(&o, "volt_run_finished", "gauge", "1 once the run ended: these are its final numbers.", s->final);
    metric(&o, "volt_peak_resident_memory_bytes", "gauge", "The process's peak resident memory.",
           (double)r->peak_rss_kb * 1024.0);
    counts(&o, r);
    help(&o, "volt_stage_latency_seconds", "histogram", "Per-stage latency of each tick (docs/bench.md).");
    for (int i = 0; i < VOLT_LAT_COUNT; i++)
        if (r->lat[i].count || i == VOLT_LAT_E2E)
            histogram(&o, stage_label(i), &r->lat[i]);
    if (r->live)
        live_lines(&o, r);
    side_lines(&o, s);
    model_lines(&o, s);
    product_lines(&o, &s->status);
    if (o.len < cap)
        buf[o.len] = '\0';
    return o.len;
}

static void json_grade(out_t *o, const volt_grade_t *g)
{
    put(o, "{\"pr_auc\":");
    num(o, g->pr_auc, 1);
    put(o, ",\"pr_auc_persistence\":");
    num(o, g->pr_auc_persistence, 1);
    put(o, ",\"precision\":");
    num(o, g->precision, 1);
    put(o, ",\"recall\":");
    num(o, g->recall, 1);
    put(o, ",\"alert_rate\":");
    num(o, g->alert_rate, 1);
    put(o, ",\"samples\":%llu,\"positives\":%llu}", (unsigned long long)g->n,
        (unsigned long long)g->positives);
}

size_t volt_obs_status_json(const volt_obs_snapshot_t *s, char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    const volt_run_stats_t *r = &s->run;
    const volt_status_t *st = &s->status;
    char ver[140];
    esc_label(ver, sizeof ver, s->model_version); /* the same escapes JSON needs for these */
    put(&o, "{\"mode\":\"%s\",\"finished\":%s,\"now\":%.3f,\"started\":%.3f,\"elapsed_s\":%.3f,",
        s->mode, s->final ? "true" : "false", s->now_unix_s, s->start_unix_s, r->elapsed_s);
    put(&o, "\"model\":{\"kind\":\"%s\",\"version\":\"%s\",\"threshold\":", s->model_kind, ver);
    num(&o, s->threshold, 1);
    put(&o, ",\"reloads\":%d,\"grade\":", r->model_reloads);
    json_grade(&o, &r->grade);
    const volt_live_stats_t *c = &r->conn;
    uint64_t rejected = 0;
    for (int i = 0; i < VOLT_REJ_COUNT; i++)
        rejected += r->rejected_by[i];
    put(&o, "},\"feed\":{\"live\":%s,\"connected\":%s,\"connects\":%llu,\"disconnects\":%llu,"
            "\"watchdog_fires\":%llu,\"read\":%llu,\"accepted\":%llu,\"rejected\":%llu,"
            "\"sequence_gaps\":%llu,\"books_valid\":%llu,\"books_in_use\":%llu},",
        r->live ? "true" : "false", c->connects > c->disconnects ? "true" : "false",
        (unsigned long long)c->connects, (unsigned long long)c->disconnects,
        (unsigned long long)c->watchdog_fires, (unsigned long long)r->read,
        (unsigned long long)r->accepted, (unsigned long long)rejected,
        (unsigned long long)r->seq_gaps, (unsigned long long)r->books_valid,
        (unsigned long long)r->books_used);
    put(&o, "\"latency_us\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f},",
        (double)volt_hist_quantile(&r->lat[VOLT_LAT_E2E], 0.5) / 1e3,
        (double)volt_hist_quantile(&r->lat[VOLT_LAT_E2E], 0.99) / 1e3,
        (double)volt_hist_quantile(&r->lat[VOLT_LAT_E2E], 0.999) / 1e3);
    put(&o, "\"products\":[");
    int first = 1;
    for (uint32_t p = 0; p < st->n_products; p++) {
        const volt_product_status_t *ps = &st->prod[p];
        if (!ps->rows)
            continue;
        int g = -1; /* its own grade, when it is among the graded */
        for (int i = 0; i < r->n_graded; i++)
            if (strcmp(r->graded_name[i], ps->name) == 0)
                g = i;
        put(&o, "%s{\"product\":\"%s\",\"event_time\":%.3f,\"price\":", first ? "" : ",", ps->name,
            (double)ps->event_ns / 1e9);
        num(&o, ps->price, 1);
        put(&o, ",\"rv_60s\":");
        num(&o, ps->rv_60s, 1);
        put(&o, ",\"p_spike\":");
        num(&o, ps->p_spike, 1);
        put(&o, ",\"threshold\":");
        num(&o, ps->threshold, 1);
        put(&o, ",\"prediction\":%u,\"gap\":%s,\"rows\":%llu,\"alerts\":%llu,\"grade\":", ps->prediction,
            ps->flags_gap ? "true" : "false", (unsigned long long)ps->rows,
            (unsigned long long)ps->alerts);
        if (g >= 0)
            json_grade(&o, &r->graded[g]);
        else
            put(&o, "null");
        put(&o, "}");
        first = 0;
    }
    put(&o, "],\"alerts_total\":%llu,\"alerts\":[", (unsigned long long)st->alerts_total);
    const uint64_t n = st->alerts_total < VOLT_STATUS_ALERTS ? st->alerts_total : VOLT_STATUS_ALERTS;
    for (uint64_t i = 0; i < n; i++) { /* newest first */
        const volt_alert_status_t *al = &st->alert[(st->alerts_total - 1 - i) % VOLT_STATUS_ALERTS];
        put(&o, "%s{\"event_time\":%.3f,\"product\":\"%s\",\"p_spike\":", i ? "," : "",
            (double)al->event_ns / 1e9,
            al->product < st->n_products ? st->prod[al->product].name : "?");
        num(&o, al->p_spike, 1);
        put(&o, ",\"threshold\":");
        num(&o, al->threshold, 1);
        put(&o, "}");
    }
    put(&o, "]}\n");
    if (o.len < cap)
        buf[o.len] = '\0';
    return o.len;
}

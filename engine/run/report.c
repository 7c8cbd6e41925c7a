/* engine/run/report.c — the end-of-run summary and the latency histograms' CSV. */
#include "engine/run/report.h"

#include <errno.h>
#include <stdio.h>

static void pct_line(FILE *out, const char *name, const volt_hist_t *h)
{
    fprintf(out, "  %-22s p50 %8.2f  p90 %8.2f  p99 %8.2f  p99.9 %8.2f  max %8.2f  (us, n=%llu)\n",
            name, volt_hist_quantile(h, 0.50) / 1e3, volt_hist_quantile(h, 0.90) / 1e3,
            volt_hist_quantile(h, 0.99) / 1e3, volt_hist_quantile(h, 0.999) / 1e3,
            (double)h->max / 1e3 * (h->count > 0), (unsigned long long)h->count);
}

static void print_grade_row(FILE *out, const char *name, const volt_grade_t *g)
{
    fprintf(out, "    %-20s %.4f / %.4f  %.3f  %.3f  %.3f  %llu  %.4f\n", name, g->pr_auc,
            g->pr_auc_persistence, g->precision, g->recall, g->alert_rate,
            (unsigned long long)g->n, g->n ? (double)g->positives / (double)g->n : 0.0);
}

/* Messages by outcome and kind, ticks, rows, drops, gaps, level 2. */
static void print_counts(const volt_run_stats_t *s, FILE *out)
{
    fprintf(out, "== volt summary ==\n");
    fprintf(out, "  messages read          %llu\n", (unsigned long long)s->read);
    fprintf(out, "  accepted               %llu", (unsigned long long)s->accepted);
    const char *sep = " (";
    for (int k = 1; k < VOLT_MSG_KIND_COUNT; k++)
        if (s->by_kind[k]) {
            fprintf(out, "%s%s %llu", sep, volt_msg_kind_name((volt_msg_kind_t)k),
                    (unsigned long long)s->by_kind[k]);
            sep = ", ";
        }
    fprintf(out, "%s\n", sep[0] == ',' ? ")" : "");
    fprintf(out, "  rejected               %llu\n", (unsigned long long)s->rejected);
    for (int r = 1; r < VOLT_REJ_COUNT; r++)
        if (s->rejected_by[r])
            fprintf(out, "    %-20s %llu\n", volt_reject_name((volt_reject_t)r),
                    (unsigned long long)s->rejected_by[r]);
    for (int r = 1; r < VOLT_REJ_COUNT; r++)
        if (s->items_rejected[r])
            fprintf(out, "  items rejected in accepted messages (%s) %llu\n",
                    volt_reject_name((volt_reject_t)r), (unsigned long long)s->items_rejected[r]);
    fprintf(out, "  ticks                  %llu (products %llu)\n", (unsigned long long)s->ticks,
            (unsigned long long)s->products);
    if (s->hot_threads > 1)
        fprintf(out, "  hot agents             %d (product i on agent i %% %d; the source routes and "
                     "checks the sequence)\n", s->hot_threads, s->hot_threads);
    if (s->hot_threads <= 1) /* several: the router parses every message */
        fprintf(out, "  parse assist           %llu messages parsed by the source (%llu left to the hot "
                     "agent: a product not yet in its table)\n",
                (unsigned long long)s->assisted, (unsigned long long)s->assist_deferred);
    fprintf(out, "  feature rows           %llu\n", (unsigned long long)s->rows);
    fprintf(out, "  dropped out-of-order   %llu\n", (unsigned long long)s->out_of_order);
    fprintf(out, "  dropped duplicates     %llu (ticks; %llu whole messages)\n",
            (unsigned long long)s->duplicates, (unsigned long long)s->dup_messages);
    fprintf(out, "  sequence gaps          %llu%s", (unsigned long long)s->seq_gaps,
            s->seq_restarts ? "" : "\n");
    if (s->seq_restarts)
        fprintf(out, " (and %llu counter restarts)\n", (unsigned long long)s->seq_restarts);
    fprintf(out, "  time gaps (restarts)   %llu\n", (unsigned long long)s->time_gaps);
    fprintf(out, "  feed error messages    %llu\n", (unsigned long long)s->feed_errors);
    if (s->book.messages)
        fprintf(out,
                "  level 2                %llu messages, %llu level changes, %llu snapshots; %llu of "
                "%llu books valid; %llu sequence gaps, %llu crossed, %llu updates before a "
                "snapshot, %llu levels beyond the depth\n",
                (unsigned long long)s->book.messages, (unsigned long long)s->book.changes,
                (unsigned long long)s->book.snapshots, (unsigned long long)s->books_valid,
                (unsigned long long)s->books_used, (unsigned long long)s->book.gaps,
                (unsigned long long)s->book.crossed, (unsigned long long)s->book.unsynced,
                (unsigned long long)s->book_beyond);
}

/* Alerts and the model, labels, the self-grade, the run's rate. */
static void print_model(const volt_run_stats_t *s, FILE *out)
{
    fprintf(out, "  alerts                 %llu%s%s%s\n", (unsigned long long)s->alerts,
            s->model[0] ? " (model " : "", s->model, s->model[0] ? ")" : "");
    if (s->model_reloads)
        fprintf(out, "  model reloads          %d (SIGHUP; the model above is the last)\n",
                s->model_reloads);
    if (s->labelled || s->unlabelled)
        fprintf(out, "  labels                 %llu rows labelled, %llu positive (%.2f%%), %llu "
                     "unlabelled (future incomplete or no tau)\n",
                (unsigned long long)s->labelled, (unsigned long long)s->positives,
                s->labelled ? 100.0 * (double)s->positives / (double)s->labelled : 0.0,
                (unsigned long long)s->unlabelled);
    if (s->grade.n) {
        fprintf(out, "  self-grade, last %d min of labelled seconds (model / persistence PR-AUC, "
                     "precision, recall, alert rate, seconds, positive):\n", VOLT_GRADE_WINDOW_S / 60);
        print_grade_row(out, "all", &s->grade);
        for (int i = 0; i < s->n_graded; i++)
            print_grade_row(out, s->graded_name[i], &s->graded[i]);
    }
    fprintf(out, "  elapsed                %.3f s, %.0f msgs/s, %.0f ticks/s\n", s->elapsed_s,
            s->elapsed_s > 0 ? (double)s->read / s->elapsed_s : 0.0,
            s->elapsed_s > 0 ? (double)s->ticks / s->elapsed_s : 0.0);
    if (s->peak_rss_kb)
        fprintf(out, "  peak memory            %.1f MiB resident\n", (double)s->peak_rss_kb / 1024.0);
}

/* The live connection's story, the journal, Kafka. */
static void print_sides(const volt_run_stats_t *s, FILE *out)
{
    if (s->live) {
        const volt_live_stats_t *l = &s->conn;
        fprintf(out, "  connections            %llu (attempts %llu, failures %llu, lost %llu)\n",
                (unsigned long long)l->connects, (unsigned long long)l->connect_attempts,
                (unsigned long long)l->connect_failures, (unsigned long long)l->disconnects);
        fprintf(out, "  watchdog reconnects    %llu\n", (unsigned long long)l->watchdog_fires);
        if (l->book_resyncs)
            fprintf(out, "  book resyncs           %llu (level-2 resubscriptions for fresh snapshots)\n",
                    (unsigned long long)l->book_resyncs);
        fprintf(out, "  frames                 %llu (too large %llu, over the rate limit %llu)\n",
                (unsigned long long)l->frames, (unsigned long long)l->frames_too_large,
                (unsigned long long)l->rate_limited);
        if (l->connects > 1)
            fprintf(out, "  reconnect time         last %.1f ms, max %.1f ms\n",
                    (double)l->last_reconnect_ns / 1e6, (double)l->max_reconnect_ns / 1e6);
    }
    if (s->journal)
        fprintf(out, "  journal                %llu lines, %.1f MB in %llu file(s), %llu fdatasyncs%s%s\n",
                (unsigned long long)s->journal_lines, (double)s->journal_bytes / 1e6,
                (unsigned long long)s->journal_files, (unsigned long long)s->journal_fsyncs,
                s->journal_uring ? " (io_uring)" : " (pwrite: io_uring unavailable)",
                s->journal_errors ? ", WRITE ERRORS" : "");
    if (s->kafka)
        for (int i = 0; i < VOLT_K_TOPICS; i++)
            fprintf(out, "  kafka %-16s queued %llu, delivered %llu, failed %llu, dropped %llu\n",
                    s->kafka_topic[i], (unsigned long long)s->kafka_stats.queued[i],
                    (unsigned long long)s->kafka_stats.delivered[i],
                    (unsigned long long)s->kafka_stats.failed[i],
                    (unsigned long long)s->kafka_stats.dropped[i]);
}

void volt_run_stats_print(const volt_run_stats_t *s, FILE *out)
{
    print_counts(s, out);
    print_model(s, out);
    print_sides(s, out);
    fprintf(out, "  latency per tick:\n");
    for (int i = 0; i < VOLT_LAT_COUNT; i++)
        if (i != VOLT_LAT_SOURCE_LATE || s->lat[i].count)
            pct_line(out, volt_lat_stage_name((volt_lat_stage_t)i), &s->lat[i]);
}

const char *volt_lat_stage_name(volt_lat_stage_t st)
{
    static const char *const names[VOLT_LAT_COUNT] = {
        [VOLT_LAT_E2E] = "receive->signal",   [VOLT_LAT_QUEUE] = "  receive->hot",
        [VOLT_LAT_PARSE] = "  parse",         [VOLT_LAT_FEATURES] = "  features",
        [VOLT_LAT_SCORE] = "  score+alert",   [VOLT_LAT_HOT] = "  hot path (parse..score)",
        [VOLT_LAT_TO_SINK] = "  signal->sink",     [VOLT_LAT_SOURCE_LATE] = "  (bench source late)",
    };
    return (unsigned)st < VOLT_LAT_COUNT ? names[st] : "?";
}

int volt_hist_write_csv(const volt_hist_t *h, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "bucket_top_ns,count\n");
    for (uint32_t i = 0; i < VOLT_HIST_BUCKETS; i++)
        if (h->b[i])
            fprintf(f, "%llu,%llu\n", (unsigned long long)volt_hist_bucket_top(i),
                    (unsigned long long)h->b[i]);
    return fclose(f) == 0 ? 0 : -errno;
}

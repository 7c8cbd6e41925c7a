/* engine/agents/sink.c — the sink agent (sink.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/agents/sink.h"
#include "engine/agents/kafka.h"
#include "engine/base/clock.h"
#include "engine/feed/timefmt.h"
#include "engine/rows/label.h"
#include "engine/rows/rowfmt.h"

#define BATCH 64
/* Rows older than this in the output's buffer are written out (a crash loses at most the rows of
 * the last FLUSH_NS and of the batch in hand; the 1 MiB buffer still batches the writes). */
#define FLUSH_NS (100 * 1000000LL)
#define OBUF (1u << 20)
/* How often the published self-grade is recomputed (it sorts the last hour's samples). */
#define GRADE_EVERY_NS (5 * 1000000000LL)

typedef struct {
    volt_agent_t agent;
    volt_sink_wiring_t w;
    const volt_pipeline_cfg_t *cfg;
    volt_sink_stats_t *st;
    int out;                 /* the rows' file descriptor (-1: no output) */
    char *obuf;              /* whole lines waiting to be written (OBUF bytes) */
    size_t olen;
    volt_labeler_t *labeler; /* rows wait here until their label is known: --label writes them
                              * then, else they are written at once and only graded then */
    volt_grader_t *grader;   /* the model's self-grade (NULL: --no-grade) */
    volt_ring_cons_t in[VOLT_MAX_HOT];
    int n_in, next_in, ends;       /* hot agents, the ring to take from next, ENDs taken */
    int64_t unflushed_since;       /* engine clock of the oldest row not yet written out (0: none) */
    char line[VOLT_ROW_TEXT_MAX];  /* the output's text of a row */
    char kline[VOLT_ROW_TEXT_MAX]; /* a Kafka record's, when it is not the output's */
    uint32_t notices[256];
    const volt_model_t *status_model; /* the model the status's version names */
} sink_t;

static void log_notice(sink_t *s, const volt_row_t *r)
{
    const volt_pipeline_cfg_t *cfg = s->cfg;
    if (!cfg->human)
        return;
    uint32_t *n = &s->notices[r->reason];
    if ((int)*n > cfg->max_notices)
        return;
    const char *file = cfg->files && r->file < (uint32_t)cfg->n_files ? cfg->files[r->file] : "feed";
    const char *what = r->reason == VOLT_NOTICE_FEED_ERROR    ? "feed_error"
                       : r->reason == VOLT_NOTICE_SEQ_GAP     ? "sequence_gap"
                       : r->reason == VOLT_NOTICE_DUPLICATE   ? "duplicate"
                       : r->reason == VOLT_NOTICE_SEQ_RESTART ? "sequence_restart"
                       : r->reason == VOLT_NOTICE_BOOK_CROSSED ? "book_crossed"
                                                              : volt_reject_name((volt_reject_t)r->reason);
    if ((int)*n == cfg->max_notices) {
        fprintf(cfg->human, "volt: further '%s' events are counted, not logged\n", what);
    } else if (r->reason == VOLT_NOTICE_SEQ_GAP) {
        fprintf(cfg->human, "volt: %s:%llu: sequence gap: messages were missed upstream\n", file,
                (unsigned long long)r->line);
    } else if (r->reason == VOLT_NOTICE_DUPLICATE) {
        fprintf(cfg->human, "volt: %s:%llu: duplicate message (its sequence number was seen already): "
                            "dropped\n", file, (unsigned long long)r->line);
    } else if (r->reason == VOLT_NOTICE_SEQ_RESTART) {
        fprintf(cfg->human, "volt: %s:%llu: the feed's sequence counter went back: it restarted, "
                            "tracking from here\n", file, (unsigned long long)r->line);
    } else if (r->reason == VOLT_NOTICE_BOOK_CROSSED) {
        fprintf(cfg->human, "volt: %s:%llu: the %s book crossed (best bid >= best ask): invalid until "
                            "its next snapshot\n", file, (unsigned long long)r->line,
                volt_products_name(s->w.products, r->tick.product));
    } else if (r->reason == VOLT_NOTICE_FEED_ERROR) {
        fprintf(cfg->human, "volt: %s:%llu: the feed sent an error message\n", file,
                (unsigned long long)r->line);
    } else {
        fprintf(cfg->human, "volt: %s:%llu: rejected (%s)\n", file, (unsigned long long)r->line,
                volt_reject_name((volt_reject_t)r->reason));
    }
    (*n)++;
}

static void print_alert(sink_t *s, const volt_row_t *r)
{
    const volt_pipeline_cfg_t *cfg = s->cfg;
    if (!cfg->human || cfg->quiet)
        return;
    char ts[31];
    volt_time_format_iso(volt_tick_time_ns(&r->tick), ts);
    fprintf(cfg->human, "ALERT  %s  %-8s  pred=%u  p=%.4f  score=%.3f  model=%s  latency_us=%.1f\n",
            ts, volt_products_name(s->w.products, r->tick.product), r->prediction, r->prob,
            r->score, r->model->version, (double)r->lat_ns / 1e3);
}

/* A tick row's Kafka records: its features record (text, n bytes without the newline) and, when it
 * raised an alert, the alert record. Replay waits for room; live drops and counts. */
static void publish(sink_t *s, const volt_row_t *r, const char *text, size_t n)
{
    volt_rb_t *ring = s->w.kafka_rec;
    const int lossless = s->w.kafka_lossless;
    const uint16_t key = r->tick.product;
    if (!volt_krec_put(ring, lossless, VOLT_K_FEATURES, key, text, (uint32_t)n))
        s->st->kafka_dropped[VOLT_K_FEATURES]++;
    if (!r->alert)
        return;
    char ts[31], p[40], sc[40];
    volt_time_format_iso(volt_tick_time_ns(&r->tick), ts);
    volt_fmt_double(r->prob, p);
    volt_fmt_double(r->score, sc);
    const int m = snprintf(s->kline, sizeof s->kline,
                           "{\"event_time\":\"%s\",\"product\":\"%s\",\"p_spike\":%s,"
                           "\"score\":%s,\"threshold\":%.17g,\"model\":\"%s\",\"latency_ns\":%lld}",
                           ts, volt_products_name(s->w.products, key), p, sc, r->model->threshold,
                           r->model->version, (long long)r->lat_ns);
    if (!volt_krec_put(ring, lossless, VOLT_K_ALERTS, key, s->kline, (uint32_t)m))
        s->st->kafka_dropped[VOLT_K_ALERTS]++;
}

static void print_grade(FILE *out, const char *what, const volt_grade_t *g)
{
    fprintf(out, "%s last %d min: model PR-AUC %.4f, persistence %.4f; precision %.3f, recall "
                 "%.3f, alert rate %.3f at the model's threshold; %llu s graded, %.1f%% positive\n",
            what, VOLT_GRADE_WINDOW_S / 60, g->pr_auc, g->pr_auc_persistence, g->precision,
            g->recall, g->alert_rate, (unsigned long long)g->n,
            g->n ? 100.0 * (double)g->positives / (double)g->n : 0.0);
}

static void print_interval(sink_t *s, int which)
{
    volt_interval_t *iv = s->w.interval;
    volt_hist_t *h = &iv->h[which];
    const volt_pipeline_cfg_t *cfg = s->cfg;
    if (cfg->human) {
        const double secs = (double)(iv->end_ns[which] - iv->start_ns[which]) / 1e9;
        fprintf(cfg->human,
                "volt: stats %.1f s: %llu ticks (%.0f/s), receive->signal p50 %.1f p90 %.1f p99 "
                "%.1f p99.9 %.1f max %.1f us\n",
                secs, (unsigned long long)h->count, secs > 0 ? (double)h->count / secs : 0.0,
                volt_hist_quantile(h, 0.5) / 1e3, volt_hist_quantile(h, 0.9) / 1e3,
                volt_hist_quantile(h, 0.99) / 1e3, volt_hist_quantile(h, 0.999) / 1e3,
                (double)(h->count ? h->max : 0) / 1e3);
        volt_grade_t gr;
        if (s->grader && volt_grader_report(s->grader, -1, &gr))
            print_grade(cfg->human, "volt: grade", &gr);
        fflush(cfg->human);
    }
    volt_hist_init(h);
    /* release pairs with the hot agent's acquire load of busy in interval_tick */
    atomic_store_explicit(&iv->busy[which], 0, memory_order_release);
}

/* Writes the buffered lines out: whole lines only, so a crash never leaves a torn one. */
static void out_flush(sink_t *s)
{
    size_t done = 0;
    while (done < s->olen) {
        const ssize_t w = write(s->out, s->obuf + done, s->olen - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!s->st->io_error)
                s->st->io_error = w < 0 ? -errno : -EIO;
            break;
        }
        done += (size_t)w;
    }
    s->olen = 0;
    s->unflushed_since = 0;
}

/* Appends one whole line to the output's buffer (written out when full or FLUSH_NS old). */
static void out_put(sink_t *s, const char *line, size_t n)
{
    if (s->olen + n > OBUF)
        out_flush(s);
    memcpy(s->obuf + s->olen, line, n); /* n < VOLT_ROW_TEXT_MAX < OBUF */
    s->olen += n;
    if (!s->unflushed_since)
        s->unflushed_since = volt_clock_ns();
}

/* Writes one tick row: the file, Kafka, the alert line. Its NDJSON text is made once. */
static void write_row(void *ctx, const volt_row_t *r)
{
    sink_t *s = ctx;
    const volt_pipeline_cfg_t *cfg = s->cfg;
    const volt_products_t *names = s->w.products;
    size_t len = 0;
    if (s->out >= 0) {
        len = cfg->format == VOLT_FMT_CSV ? volt_rowfmt_csv(r, names, s->line, sizeof s->line)
                                          : volt_rowfmt_ndjson(r, names, s->line, sizeof s->line);
        out_put(s, s->line, len);
    }
    if (s->w.kafka_rec) {
        const char *text = s->line;
        if (s->out < 0 || cfg->format != VOLT_FMT_NDJSON) {
            text = s->kline;
            len = volt_rowfmt_ndjson(r, names, s->kline, sizeof s->kline);
        }
        publish(s, r, text, len && text[len - 1] == '\n' ? len - 1 : len);
    }
    s->st->rows_written++;
    if (r->alert)
        print_alert(s, r);
    if (s->grader && r->label_on)
        volt_grader_push(s->grader, r);
}

/* Without --label: the labeler's rows only feed the grade (they were written already). */
static void grade_row(void *ctx, const volt_row_t *r)
{
    sink_t *s = ctx;
    volt_grader_push(s->grader, r);
}

/* The status page's copy of a row: its product's last values, and the alert. */
static void status_row(sink_t *s, const volt_row_t *r)
{
    volt_status_t *st = &s->st->status;
    const uint16_t p = r->tick.product;
    if (p >= VOLT_MAX_PRODUCTS)
        return;
    while (st->n_products <= p) { /* a row carries its product only after it was interned */
        const uint32_t q = st->n_products++;
        snprintf(st->prod[q].name, sizeof st->prod[q].name, "%s", volt_products_name(s->w.products, q));
    }
    volt_product_status_t *ps = &st->prod[p];
    ps->event_ns = volt_tick_time_ns(&r->tick);
    ps->price = r->tick.price;
    ps->rv_60s = r->feat.f[VOLT_F_RV_60S];
    ps->p_spike = r->prob;
    ps->threshold = r->model->threshold;
    ps->prediction = r->prediction;
    ps->flags_gap = (r->feat.flags & (VOLT_ROW_SPANS_GAP | VOLT_ROW_SEQ_GAP)) != 0;
    ps->rows++;
    if (r->model != s->status_model) { /* a reload: models are kept until the run ends */
        s->status_model = r->model;
        snprintf(st->model, sizeof st->model, "%s", r->model->version);
    }
    if (!r->alert)
        return;
    ps->alerts++;
    volt_alert_status_t *al = &st->alert[st->alerts_total++ % VOLT_STATUS_ALERTS];
    al->event_ns = ps->event_ns;
    al->product = p;
    al->p_spike = r->prob;
    al->threshold = r->model->threshold;
}

/* The self-grade so far into the stats (at the end, and for the metrics every GRADE_EVERY_NS). */
static void grade_into_stats(sink_t *s)
{
    volt_sink_stats_t *st = s->st;
    volt_grader_report(s->grader, -1, &st->grade);
    int idx[VOLT_GRADE_LISTED];
    st->n_graded = volt_grader_products(s->grader, idx, VOLT_GRADE_LISTED);
    for (int i = 0; i < st->n_graded; i++) {
        st->graded_product[i] = (uint16_t)idx[i];
        volt_grader_report(s->grader, idx[i], &st->graded[i]);
    }
    st->graded_ns = volt_clock_ns();
}

/* The metrics server's copy (pub.h): the counts, the grade, the products in use, the histogram as
 * it grew. */
static void sink_publish(volt_agent_t *a)
{
    sink_t *s = (sink_t *)a;
    volt_sink_stats_t *st = s->st, *d = s->w.pub_copy;
    if (s->grader && !a->done && volt_clock_ns() - st->graded_ns >= GRADE_EVERY_NS)
        grade_into_stats(s);
    memcpy(d, st, offsetof(volt_sink_stats_t, status.prod));
    memcpy(d->status.prod, st->status.prod, st->status.n_products * sizeof st->status.prod[0]);
    memcpy(d->status.alert, st->status.alert, sizeof st->status.alert);
    volt_hist_copy_grown(&d->to_sink, &st->to_sink);
}

static void sink_close(volt_agent_t *a);
static void sink_destroy(volt_agent_t *a);
static uint32_t sink_do_work(volt_agent_t *a) { return volt_sink_take(a, BATCH); }

/* The output file ("-": standard output) behind a buffer of whole lines, and the CSV header. */
static void open_output(sink_t *s)
{
    const volt_pipeline_cfg_t *cfg = s->cfg;
    s->out = -1;
    if (!cfg->out_path)
        return;
    if (!(s->obuf = malloc(OBUF))) {
        s->st->io_error = -ENOMEM;
        return;
    }
    s->out = strcmp(cfg->out_path, "-") == 0
                 ? STDOUT_FILENO
                 : open(cfg->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->out < 0) {
        s->st->io_error = -errno;
        return;
    }
    if (cfg->format == VOLT_FMT_CSV)
        out_put(s, s->line, volt_rowfmt_csv_header(s->line, sizeof s->line, cfg->label));
}

volt_agent_t *volt_sink_new(const volt_sink_wiring_t *w)
{
    const volt_pipeline_cfg_t *cfg = w->cfg;
    sink_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->w = *w;
    s->cfg = cfg;
    s->st = w->stats;
    volt_agent_init(&s->agent, "volt-sink", cfg->cpus[2], cfg->sink_idle ? cfg->sink_idle : cfg->idle,
                    cfg->human, sink_do_work, sink_close);
    s->agent.destroy = sink_destroy;
    volt_idle_attach_bell(&s->agent.idle, w->bell);
    if (w->pub) {
        s->agent.pub = w->pub;
        s->agent.publish = sink_publish;
    }
    if (!cfg->no_grade) {
        s->grader = volt_grader_new();
        if (!s->grader)
            s->st->io_error = -ENOMEM;
    }
    if (cfg->label || s->grader) {
        /* without --label the grade's labels use the trailing tau; with it, the written ones */
        s->labeler = cfg->label ? volt_labeler_new(cfg->label_tau) : volt_labeler_new_compact(NAN);
        if (!s->labeler)
            s->st->io_error = -ENOMEM;
    }
    open_output(s);
    s->n_in = w->n_rows;
    for (int i = 0; i < w->n_rows; i++)
        s->in[i] = volt_ring_consumer(w->rows[i]);
    return &s->agent;
}

/* One batch from the hot agents' rings, taking turns (each keeps its products' rows in order). */
static uint32_t take_one(sink_t *s, uint32_t max)
{
    const int k = s->next_in;
    s->next_in = (k + 1) % s->n_in;
    uint32_t n = 0;
    const volt_row_t *rows = volt_ring_peek(s->in[k], max < BATCH ? max : BATCH, &n);
    for (uint32_t i = 0; i < n; i++) {
        const volt_row_t *r = &rows[i];
        if (r->type == VOLT_ROW_END) {
            s->agent.done = ++s->ends == s->n_in; /* nothing comes after an agent's END */
        } else if (r->type == VOLT_ROW_NOTICE) {
            log_notice(s, r);
        } else if (r->type == VOLT_ROW_STATS) {
            print_interval(s, r->half);
        } else {
            volt_hist_record(&s->st->to_sink, volt_clock_elapsed(r->signal_ns, volt_clock_ns()));
            status_row(s, r);
            if (s->cfg->label) {
                volt_labeler_push(s->labeler, r, write_row, s);
            } else {
                write_row(s, r);
                if (s->labeler)
                    volt_labeler_push(s->labeler, r, grade_row, s);
            }
        }
    }
    if (n)
        volt_ring_release(s->in[k], n);
    return n;
}

uint32_t volt_sink_take(volt_agent_t *a, uint32_t max)
{
    sink_t *s = (sink_t *)a;
    if (a->done)
        return 0;
    uint32_t n = 0;
    for (int i = 0; i < s->n_in && !a->done; i++)
        n += take_one(s, max);
    if (s->unflushed_since && volt_clock_elapsed(s->unflushed_since, volt_clock_ns()) >= FLUSH_NS)
        out_flush(s);
    return n;
}

/* After the END row: the labeler flushed, the Kafka ring ended, the output closed. */
static void sink_close(volt_agent_t *a)
{
    sink_t *s = (sink_t *)a;
    volt_sink_stats_t *st = s->st;
    const volt_pipeline_cfg_t *cfg = s->cfg;
    if (s->labeler) {
        volt_labeler_flush(s->labeler, cfg->label ? write_row : grade_row, s);
        if (cfg->label) {
            volt_label_stats_t ls;
            volt_labeler_stats(s->labeler, &ls);
            st->labelled = ls.labelled;
            st->positives = ls.positives;
            st->unlabelled = ls.unlabelled;
        }
        volt_labeler_free(s->labeler);
        s->labeler = NULL;
    }
    if (s->grader) {
        grade_into_stats(s);
        volt_grader_free(s->grader);
        s->grader = NULL;
    }
    if (s->w.kafka_rec)
        volt_krec_end(s->w.kafka_rec);
    if (s->out >= 0) {
        out_flush(s);
        if (s->out != STDOUT_FILENO && close(s->out) != 0 && !st->io_error)
            st->io_error = -errno;
        s->out = -1;
    }
    if (cfg->human)
        fflush(cfg->human);
    free(s->obuf);
    s->obuf = NULL;
}


/* A sink that never ran still closes what its constructor opened. */
static void sink_destroy(volt_agent_t *a)
{
    sink_t *s = (sink_t *)a;
    if (s->out >= 0 && s->out != STDOUT_FILENO)
        close(s->out);
    volt_labeler_free(s->labeler);
    volt_grader_free(s->grader);
    free(s->obuf);
    free(s);
}

void volt_sink_drain(volt_agent_t *sink, volt_idle_t *idle)
{
    while (!sink->done)
        volt_idle(idle, volt_sink_take(sink, BATCH));
    sink_close(sink);
    volt_agent_publish_final(sink);
}

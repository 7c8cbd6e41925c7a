/* engine/agents/sink.c — the sink agent: feature rows to a file, alerts and notices to the human stream.
 *
 * It is the only thread that formats text. Rejected inputs are logged with their position, the
 * first max_notices per reason; after that they are only counted (the summary has every count). */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agents/agents.h"
#include "engine/rows/grade.h"
#include "engine/base/idle.h"
#include "engine/rows/label.h"
#include "engine/rows/rowfmt.h"
#include "engine/feed/timefmt.h"

#define BATCH 64

struct volt_sink { /* volt_sink_t (agents.h) */
    volt_ctx_t *c;
    FILE *out;
    char *vbuf;
    volt_labeler_t *labeler; /* rows wait here until their label is known: --label writes them
                              * then, else they are written at once and only graded then */
    volt_grader_t *grader;   /* the model's self-grade (NULL: --no-grade) */
    volt_ring_cons_t in;
    int done;                /* the END row was taken */
    char line[VOLT_ROW_TEXT_MAX];
    uint32_t notices[256];
};

static void log_notice(volt_sink_t *s, const volt_row_t *r)
{
    const volt_pipeline_cfg_t *cfg = s->c->cfg;
    if (!cfg->human)
        return;
    uint32_t *n = &s->notices[r->reason];
    if ((int)*n > cfg->max_notices)
        return;
    const char *file = cfg->files && r->file < (uint32_t)cfg->n_files ? cfg->files[r->file] : "feed";
    const char *what = r->reason == VOLT_NOTICE_FEED_ERROR ? "feed_error"
                       : r->reason == VOLT_NOTICE_SEQ_GAP  ? "sequence_gap"
                                                           : volt_reject_name((volt_reject_t)r->reason);
    if ((int)*n == cfg->max_notices) {
        fprintf(cfg->human, "volt: further '%s' events are counted, not logged\n", what);
    } else if (r->reason == VOLT_NOTICE_SEQ_GAP) {
        fprintf(cfg->human, "volt: %s:%llu: sequence gap: messages were missed upstream\n", file,
                (unsigned long long)r->line);
    } else if (r->reason == VOLT_NOTICE_FEED_ERROR) {
        fprintf(cfg->human, "volt: %s:%llu: the feed sent an error message\n", file,
                (unsigned long long)r->line);
    } else {
        fprintf(cfg->human, "volt: %s:%llu: rejected (%s)\n", file, (unsigned long long)r->line,
                volt_reject_name((volt_reject_t)r->reason));
    }
    (*n)++;
}

static void print_alert(volt_sink_t *s, const volt_row_t *r)
{
    const volt_pipeline_cfg_t *cfg = s->c->cfg;
    if (!cfg->human || cfg->quiet)
        return;
    char ts[31];
    volt_time_format_iso(volt_tick_time_ns(&r->tick), ts);
    fprintf(cfg->human, "ALERT  %s  %-8s  pred=%u  p=%.4f  score=%.3f  model=%s  latency_us=%.1f\n",
            ts, volt_products_name(&s->c->products, r->tick.product), r->prediction, r->prob,
            r->score, s->c->model.version, (double)r->lat_ns / 1e3);
}

/* Hands a tick row to the Kafka agent, which formats and publishes it (agents.h): replay waits
 * for room, live drops and counts (the features record, and the alert record if it raised one). */
static void publish(volt_sink_t *s, const volt_row_t *r)
{
    volt_ctx_t *c = s->c;
    volt_rb_prod_t p = volt_rb_producer(&c->krec);
    const uint32_t n = (uint32_t)(sizeof(volt_krec_hdr_t) + sizeof *r);
    volt_krec_hdr_t *h;
    while (!(h = volt_rb_claim(p, n))) {
        if (!c->kcfg.lossless) {
            c->kdrop_sink[VOLT_K_FEATURES]++;
            c->kdrop_sink[VOLT_K_ALERTS] += r->alert;
            return;
        }
        sched_yield();
    }
    h->topic = VOLT_KREC_ROW;
    h->pad_ = 0;
    h->key_len = 0;
    h->val_len = (uint32_t)sizeof *r;
    memcpy(h + 1, r, sizeof *r);
    volt_rb_commit(p);
}

static void print_grade(FILE *out, const char *what, const volt_grade_t *g)
{
    fprintf(out, "%s last %d min: model PR-AUC %.4f, persistence %.4f; precision %.3f, recall "
                 "%.3f, alert rate %.3f at the model's threshold; %llu s graded, %.1f%% positive\n",
            what, VOLT_GRADE_WINDOW_S / 60, g->pr_auc, g->pr_auc_persistence, g->precision,
            g->recall, g->alert_rate, (unsigned long long)g->n,
            g->n ? 100.0 * (double)g->positives / (double)g->n : 0.0);
}

static void print_interval(volt_sink_t *s, int which)
{
    volt_interval_t *iv = &s->c->interval;
    volt_hist_t *h = &iv->h[which];
    const volt_pipeline_cfg_t *cfg = s->c->cfg;
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

/* Writes one tick row: the file, Kafka, the alert line. */
static void write_row(void *ctx, const volt_row_t *r)
{
    volt_sink_t *s = ctx;
    volt_ctx_t *c = s->c;
    const volt_pipeline_cfg_t *cfg = c->cfg;
    char *line = s->line;
    size_t len = 0;
    if (s->out) {
        len = cfg->format == VOLT_FMT_CSV ? volt_rowfmt_csv(r, &c->products, line, VOLT_ROW_TEXT_MAX)
                                          : volt_rowfmt_ndjson(r, &c->products, line, VOLT_ROW_TEXT_MAX);
        if (fwrite(line, 1, len, s->out) != len && !c->sink.io_error)
            c->sink.io_error = -EIO;
    }
    if (c->kafka_on)
        publish(s, r);
    c->sink.rows_written++;
    if (r->alert)
        print_alert(s, r);
    if (s->grader && r->label_on)
        volt_grader_push(s->grader, r);
}

/* Without --label: the labeler's rows only feed the grade (they were written already). */
static void grade_row(void *ctx, const volt_row_t *r)
{
    volt_sink_t *s = ctx;
    volt_grader_push(s->grader, r);
}

volt_sink_t *volt_sink_new(volt_ctx_t *c)
{
    const volt_pipeline_cfg_t *cfg = c->cfg;
    volt_sink_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->c = c;
    if (!cfg->no_grade) {
        s->grader = volt_grader_new();
        if (!s->grader)
            c->sink.io_error = -ENOMEM;
    }
    if (cfg->label || s->grader) {
        /* without --label the grade's labels use the trailing tau; with it, the written ones */
        s->labeler = volt_labeler_new(cfg->label ? cfg->label_tau : NAN);
        if (!s->labeler)
            c->sink.io_error = -ENOMEM;
    }
    if (cfg->out_path) {
        s->out = strcmp(cfg->out_path, "-") == 0 ? stdout : fopen(cfg->out_path, "w");
        if (!s->out) {
            c->sink.io_error = -errno;
        } else if (s->out != stdout) {
            s->vbuf = malloc(1u << 20);
            if (s->vbuf)
                setvbuf(s->out, s->vbuf, _IOFBF, 1u << 20);
        }
    }
    if (s->out && cfg->format == VOLT_FMT_CSV) {
        const size_t n = volt_rowfmt_csv_header(s->line, sizeof s->line, cfg->label);
        fwrite(s->line, 1, n, s->out);
    }
    s->in = volt_ring_consumer(&c->rows);
    return s;
}

uint32_t volt_sink_do_work(volt_sink_t *s, uint32_t max)
{
    if (s->done)
        return 0;
    volt_ctx_t *c = s->c;
    uint32_t n = 0;
    const volt_row_t *rows = volt_ring_peek(s->in, max < BATCH ? max : BATCH, &n);
    for (uint32_t i = 0; i < n && !s->done; i++) {
        const volt_row_t *r = &rows[i];
        if (r->type == VOLT_ROW_END) {
            s->done = 1;
        } else if (r->type == VOLT_ROW_NOTICE) {
            log_notice(s, r);
        } else if (r->type == VOLT_ROW_STATS) {
            print_interval(s, r->reason);
        } else {
            volt_hist_record(&c->sink.to_sink, volt_clock_elapsed(r->signal_ns, volt_clock_ns()));
            if (c->cfg->label) {
                volt_labeler_push(s->labeler, r, write_row, s);
            } else {
                write_row(s, r);
                if (s->labeler)
                    volt_labeler_push(s->labeler, r, grade_row, s);
            }
        }
    }
    if (n)
        volt_ring_release(s->in, n);
    return n;
}

/* After the END row: the labeler flushed, the Kafka ring ended, the output closed. */
static void finish(volt_sink_t *s)
{
    volt_ctx_t *c = s->c;
    const volt_pipeline_cfg_t *cfg = c->cfg;
    if (s->labeler) {
        volt_labeler_flush(s->labeler, cfg->label ? write_row : grade_row, s);
        if (cfg->label) {
            volt_label_stats_t ls;
            volt_labeler_stats(s->labeler, &ls);
            c->sink.labelled = ls.labelled;
            c->sink.positives = ls.positives;
            c->sink.unlabelled = ls.unlabelled;
        }
        volt_labeler_free(s->labeler);
        s->labeler = NULL;
    }
    if (s->grader) {
        volt_grader_report(s->grader, -1, &c->sink.grade);
        int idx[VOLT_GRADE_LISTED];
        c->sink.n_graded = volt_grader_products(s->grader, idx, VOLT_GRADE_LISTED);
        for (int i = 0; i < c->sink.n_graded; i++) {
            c->sink.graded_product[i] = (uint16_t)idx[i];
            volt_grader_report(s->grader, idx[i], &c->sink.graded[i]);
        }
        volt_grader_free(s->grader);
        s->grader = NULL;
    }
    if (c->kafka_on) {
        volt_krec_hdr_t *e;
        while (!(e = volt_rb_claim(volt_rb_producer(&c->krec), sizeof *e)))
            sched_yield();
        e->topic = VOLT_KREC_END;
        volt_rb_commit(volt_rb_producer(&c->krec));
    }
    if (s->out) {
        if (fflush(s->out) != 0 && !c->sink.io_error)
            c->sink.io_error = -errno;
        if (s->out != stdout && fclose(s->out) != 0 && !c->sink.io_error)
            c->sink.io_error = -errno;
        s->out = NULL;
    }
    if (cfg->human)
        fflush(cfg->human);
    free(s->vbuf);
    s->vbuf = NULL;
}

void volt_sink_free(volt_sink_t *s) { free(s); }

void volt_sink_drain(volt_sink_t *s, volt_idle_t *idle)
{
    while (!s->done)
        volt_idle(idle, volt_sink_do_work(s, BATCH));
    finish(s);
}

void *volt_sink_run(void *arg)
{
    volt_sink_t *s = arg;
    const volt_pipeline_cfg_t *cfg = s->c->cfg;
    if (cfg->cpus[2] >= 0)
        volt_pin_self(cfg->cpus[2]);
    volt_idle_t idle;
    volt_idle_preset(&idle, cfg->sink_idle ? cfg->sink_idle : cfg->idle);
    volt_idle_attach_bell(&idle, &s->c->sink_bell);
    volt_sink_drain(s, &idle);
    return NULL;
}

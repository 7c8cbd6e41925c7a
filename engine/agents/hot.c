/* engine/agents/hot.c — the hot agent (hot.h).
 *
 * Per duty cycle it takes up to a batch of frames, releases them in one go, and writes rows in
 * place into the row ring. It never formats, logs, allocates or makes a system call (its clock is
 * a TSC read, engine/base/clock.h). Rejected inputs become NOTICE rows; the sink decides what to
 * log. */
#include "engine/agents/hot.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/agents/frame.h"
#include "engine/agents/kafka.h"
#include "engine/agents/seq.h"
#include "engine/base/clock.h"

#define BATCH 64
#define NS_PER_S 1000000000LL

typedef struct {
    volt_agent_t agent;
    volt_hot_wiring_t w;
    volt_hot_stats_t *st;
    volt_rb_cons_t in;
    volt_ring_prod_t out;
    volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    volt_parse_result_t res;
    uint32_t epoch;
    uint32_t conn; /* journal replay: the recorded connection of the last message */
    /* sequence tracking, reset per epoch and per recorded connection */
    int have_msg_seq;
    uint64_t msg_seq;                        /* Advanced Trade: one counter per connection */
    uint64_t prod_seq[VOLT_MAX_PRODUCTS];    /* Exchange feed: per product */
    uint8_t have_prod_seq[VOLT_MAX_PRODUCTS];
    /* alerting, per product */
    uint8_t pred_prev[VOLT_MAX_PRODUCTS];
    int64_t last_alert_ns[VOLT_MAX_PRODUCTS];
    uint8_t alerted[VOLT_MAX_PRODUCTS];
    int64_t cooldown_ns;
    /* event time of the last sequence gap seen in each product's stream (0: none) */
    int64_t gap_ns[VOLT_MAX_PRODUCTS];
    int pending_gap; /* the current message followed a gap: stamp its products */
    /* interval stats (--stats-interval) */
    int iv_cur;
    int64_t iv_next_ns, iv_period_ns;
    const volt_model_t *model; /* the model in use: swapped between batches (model_slot) */
    /* the frame in hand: its receive-side timings and its Kafka key */
    int64_t t_prev, parse_ns, queue_ns;
    uint16_t key;
} hot_t;

static volt_row_t *claim_row(hot_t *h)
{
    volt_row_t *r;
    while (!(r = volt_ring_claim(h->out)))
        volt_idle(&h->agent.idle, 0); /* the sink is behind: wait (lossless) */
    return r;
}

static void notice(hot_t *h, const volt_frame_hdr_t *f, uint8_t why)
{
    volt_row_t *r = claim_row(h);
    r->type = VOLT_ROW_NOTICE;
    r->reason = why;
    r->file = f->file;
    r->line = f->line;
    volt_ring_publish(h->out, 1);
}

static void reset_epoch(hot_t *h, uint32_t epoch)
{
    h->epoch = epoch;
    h->have_msg_seq = 0;
    memset(h->have_prod_seq, 0, sizeof h->have_prod_seq);
}

enum { SEQ_OK = 0, SEQ_DUPLICATE = 1, SEQ_RESTART = 2 };

/* The message's sequence number (Advanced: one counter per connection): SEQ_DUPLICATE for one seen
 * already, SEQ_RESTART when the counter started over (tracked afresh from it); flags gaps. */
static int msg_seq_check(hot_t *h, const volt_frame_hdr_t *f, const volt_parse_result_t *res,
                         uint32_t *row_flags)
{
    if (f->note & VOLT_NOTE_ROUTED) { /* the router checked: its verdict, counted once */
        const int primary = (f->note & VOLT_NOTE_PRIMARY) != 0;
        if (f->note & VOLT_NOTE_SEQ_DUP)
            return SEQ_DUPLICATE;
        if (f->note & VOLT_NOTE_SEQ_RESTART) {
            h->st->seq_restarts += primary;
            return SEQ_RESTART;
        }
        if (f->note & VOLT_NOTE_SEQ_GAP) {
            h->st->seq_gaps += primary;
            *row_flags |= VOLT_ROW_SEQ_GAP;
            h->pending_gap = 1;
        }
        return SEQ_OK;
    }
    if (!res->has_seq || res->proto != VOLT_PROTO_ADVANCED)
        return SEQ_OK;
    switch (volt_seq_next(&h->have_msg_seq, &h->msg_seq, res->seq)) {
    case VOLT_SEQ_DUP: return SEQ_DUPLICATE;
    case VOLT_SEQ_RESTART: h->st->seq_restarts++; return SEQ_RESTART;
    case VOLT_SEQ_GAP:
        h->st->seq_gaps++;
        *row_flags |= VOLT_ROW_SEQ_GAP;
        h->pending_gap = 1;
        return SEQ_OK;
    default: return SEQ_OK;
    }
}

/* Hands the interval histogram to the sink when the period is over and the other one is free. */
static void interval_tick(hot_t *h, int64_t now)
{
    volt_interval_t *iv = h->w.interval;
    const int other = 1 - h->iv_cur;
    /* acquire pairs with the sink's release store of busy after it printed and cleared */
    if (atomic_load_explicit(&iv->busy[other], memory_order_acquire))
        return; /* the sink has not finished with it: keep filling this one */
    iv->end_ns[h->iv_cur] = now;
    atomic_store_explicit(&iv->busy[h->iv_cur], 1, memory_order_relaxed);
    volt_row_t *r = claim_row(h);
    r->type = VOLT_ROW_STATS;
    r->half = (uint8_t)h->iv_cur;
    volt_ring_publish(h->out, 1); /* release: the histogram's contents travel with the row */
    h->iv_cur = other;
    iv->start_ns[other] = now;
    h->iv_next_ns = now + h->iv_period_ns;
}

/* The frame's parse: the source's (an assisted frame carries result and ticks after its payload)
 * or the hot agent's own. Sets the frame's timings; returns the result, *ticks its ticks. */
static const volt_parse_result_t *parse(hot_t *h, const volt_frame_hdr_t *f, const char *payload,
                                        int64_t t0, const volt_tick_t **ticks)
{
    if (f->kind == VOLT_FRAME_PARSED) {
        const volt_parsed_trailer_t *tr = volt_frame_trailer(f);
        *ticks = tr->ticks;
        h->t_prev = t0;
        h->parse_ns = tr->parse_ns;
        h->queue_ns = (int64_t)volt_clock_elapsed(f->recv_mono_ns, t0) - h->parse_ns;
        return &tr->res;
    }
    volt_parse_message(h->w.parser, payload, f->len, f->recv_wall_ns, h->ticks, &h->res);
    *ticks = h->ticks;
    h->t_prev = volt_clock_ns(); /* parsed */
    h->parse_ns = (int64_t)volt_clock_elapsed(t0, h->t_prev);
    h->queue_ns = (int64_t)volt_clock_elapsed(f->recv_mono_ns, t0);
    return &h->res;
}

/* A gap: every book is invalid; when any is in use, the source is asked for fresh snapshots. */
static void books_gap(hot_t *h)
{
    volt_books_gap(h->w.books);
    if (h->w.books->stats.events && h->w.book_resync)
        atomic_store_explicit(h->w.book_resync, 1, memory_order_relaxed);
}

/* Counts an accepted message and checks its sequence. Returns 1 when it is a duplicate (dropped);
 * a gap is logged and stamped on every product's windows. */
static int accept_message(hot_t *h, const volt_frame_hdr_t *f, const volt_parse_result_t *res,
                          const volt_tick_t *ticks, uint32_t *seq_flags)
{
    volt_hot_stats_t *st = h->st;
    const int counts = !(f->note & VOLT_NOTE_ROUTED) || (f->note & VOLT_NOTE_PRIMARY);
    st->accepted += counts;
    st->by_kind[res->kind] += counts;
    if (res->has_conn && res->conn != h->conn) {
        /* a journal line from another live connection: its sequence numbers start afresh */
        h->have_msg_seq = 0;
        memset(h->have_prod_seq, 0, sizeof h->have_prod_seq);
        h->conn = res->conn;
    }
    for (uint32_t i = 0; i < res->n_items_rejected && counts; i++)
        st->items_rejected[res->item_reject[i]]++;
    if (res->kind == VOLT_MSG_ERROR) {
        st->feed_errors++;
        notice(h, f, VOLT_NOTICE_FEED_ERROR); /* the sink logs the feed's error by position */
    }
    /* every sequenced message counts for gap and duplicate detection, heartbeats included */
    h->pending_gap = 0;
    const int sq = msg_seq_check(h, f, res, seq_flags);
    if (sq == SEQ_DUPLICATE) {
        /* its ticks count as read and as dropped duplicates: ticks = rows + out-of-order + dups */
        st->ticks += res->n_ticks;
        st->duplicates += res->n_ticks;
        st->dup_messages++;
        notice(h, f, VOLT_NOTICE_DUPLICATE);
        return 1;
    }
    if (sq == SEQ_RESTART) {
        if (counts)
            notice(h, f, VOLT_NOTICE_SEQ_RESTART);
        books_gap(h); /* whatever the feed restarted, the books cannot be trusted */
    }
    if (h->pending_gap) {
        if (counts)
            notice(h, f, VOLT_NOTICE_SEQ_GAP);
        books_gap(h); /* every book is wrong until its next snapshot */
        /* messages were lost on this connection: every product's windows now span a gap */
        const int64_t when = res->n_ticks ? volt_tick_time_ns(&ticks[0]) : 0;
        for (uint32_t p = 0; p < h->w.products->n; p++)
            h->gap_ns[p] = when ? when : INT64_MAX;
    }
    return 0;
}

/* The router's word that the connection lost messages this agent did not get (router.h). */
static void routed_gap(hot_t *h)
{
    books_gap(h);
    for (uint32_t p = 0; p < h->w.products->n; p++)
        h->gap_ns[p] = INT64_MAX; /* stamped at each product's next tick */
}

static int mine(const hot_t *h, uint16_t product)
{
    return h->w.n_shards <= 1 || product % h->w.n_shards == (uint32_t)h->w.shard;
}

/* Exchange-feed ticks carry a sequence per product: returns 1 for a duplicate (dropped); a gap in
 * matches is counted, logged and stamped (ticker sequence numbers skip by design). */
static int tick_seq_check(hot_t *h, const volt_frame_hdr_t *f, const volt_tick_t *t)
{
    if (t->proto != VOLT_PROTO_EXCHANGE || !(t->flags & VOLT_TICK_HAS_SEQ))
        return 0;
    const uint16_t p = t->product;
    if (h->have_prod_seq[p] && t->seq <= h->prod_seq[p]) {
        h->st->duplicates++;
        return 1;
    }
    if (h->have_prod_seq[p] && t->seq > h->prod_seq[p] + 1 && t->kind == VOLT_TICK_TRADE) {
        h->st->seq_gaps++;
        h->gap_ns[p] = volt_tick_time_ns(t);
        notice(h, f, VOLT_NOTICE_SEQ_GAP);
    }
    h->have_prod_seq[p] = 1;
    h->prod_seq[p] = t->seq;
    return 0;
}

/* Sets VOLT_ROW_SPANS_GAP when a sequence gap of this product lies inside the longest window. */
static void stamp_gap(hot_t *h, const volt_tick_t *t, volt_row_t *r)
{
    int64_t *g = &h->gap_ns[t->product];
    const int64_t ev_ns = volt_tick_time_ns(t);
    if (*g == INT64_MAX) /* a gap seen before this product's first tick after it */
        *g = ev_ns;
    if (*g && ev_ns - *g < (int64_t)VOLT_FEAT_LONGEST_WINDOW_S * NS_PER_S)
        r->feat.flags |= VOLT_ROW_SPANS_GAP;
}

/* The alert decision: a rising edge of the prediction, at most one per cooldown per product. */
static uint8_t decide_alert(hot_t *h, const volt_tick_t *t, uint8_t pred)
{
    const uint16_t p = t->product;
    const int64_t ev = volt_tick_time_ns(t);
    uint8_t alert = 0;
    if (pred && !h->pred_prev[p] && (!h->alerted[p] || ev - h->last_alert_ns[p] >= h->cooldown_ns)) {
        alert = 1;
        h->alerted[p] = 1;
        h->last_alert_ns[p] = ev;
        h->st->alerts++;
    }
    h->pred_prev[p] = pred;
    return alert;
}

/* One tick: features, score, alert, row, latency. */
static void score_tick(hot_t *h, const volt_frame_hdr_t *f, const volt_tick_t *t, uint32_t seq_flags,
                       int64_t t0)
{
    volt_hot_stats_t *st = h->st;
    volt_row_t *r = claim_row(h);
    if (volt_features_update(h->w.features, t, &r->feat) != VOLT_FEAT_OK) {
        st->out_of_order++;
        return; /* the claimed slot is simply reused */
    }
    const int64_t t_feat = volt_clock_ns();
    r->feat.flags |= seq_flags;
    stamp_gap(h, t, r);
    volt_model_score(h->model, r->feat.f, &r->score, &r->prob);
    const uint8_t pred = !isnan(r->prob) && r->prob >= h->model->threshold;
    r->model = h->model;
    r->type = VOLT_ROW_TICK;
    r->prediction = pred;
    r->alert = decide_alert(h, t, pred);
    r->label_on = 0; /* the sink's labeler sets the label fields */
    r->reason = 0;
    r->file = f->file;
    r->line = f->line;
    r->tick = *t;
    const int64_t now = volt_clock_ns();
    const uint64_t e2e = volt_clock_elapsed(f->recv_mono_ns, now);
    r->lat_ns = (int64_t)e2e;
    r->signal_ns = now;
    volt_hist_record(&st->lat[VOLT_LAT_E2E], e2e);
    volt_hist_record(&st->lat[VOLT_LAT_QUEUE], (uint64_t)(h->queue_ns > 0 ? h->queue_ns : 0));
    volt_hist_record(&st->lat[VOLT_LAT_PARSE], (uint64_t)(h->parse_ns > 0 ? h->parse_ns : 0));
    volt_hist_record(&st->lat[VOLT_LAT_FEATURES], volt_clock_elapsed(h->t_prev, t_feat));
    volt_hist_record(&st->lat[VOLT_LAT_SCORE], volt_clock_elapsed(t_feat, now));
    volt_hist_record(&st->lat[VOLT_LAT_HOT], volt_clock_elapsed(t0, now));
    h->t_prev = now;
    volt_ring_publish(h->out, 1);
    st->rows++;
    if (h->iv_period_ns) {
        volt_hist_record(&h->w.interval->h[h->iv_cur], e2e);
        if (now >= h->iv_next_ns)
            interval_tick(h, now);
    }
}

/* A level-2 message: each event into its book, then its order flow into the book windows. A book
 * it left crossed needs a fresh snapshot, as after a gap. */
static void apply_book(hot_t *h, const volt_frame_hdr_t *f, const volt_book_msg_t *m)
{
    volt_books_t *bs = h->w.books;
    bs->stats.messages++;
    for (uint32_t e = 0; e < m->n_events; e++) {
        if (!mine(h, m->ev[e].product))
            continue;
        const uint64_t crossings = bs->stats.crossings;
        volt_features_book(h->w.features, m, e, volt_books_event(bs, m, e));
        if (bs->stats.crossings == crossings)
            continue;
        volt_row_t *r = claim_row(h); /* logged by the sink, with the product */
        r->type = VOLT_ROW_NOTICE;
        r->reason = VOLT_NOTICE_BOOK_CROSSED;
        r->file = f->file;
        r->line = f->line;
        r->tick.product = m->ev[e].product;
        volt_ring_publish(h->out, 1);
        if (h->w.book_resync)
            atomic_store_explicit(h->w.book_resync, 1, memory_order_relaxed);
    }
}

/* A frame: parse, count, sequence checks, then a row per tick. Sets h->key to the product of its
 * first tick (VOLT_KREC_NO_KEY when it has none or was rejected). */
static void process_frame(hot_t *h, const volt_frame_hdr_t *f, const char *payload, int64_t t0)
{
    volt_hot_stats_t *st = h->st;
    h->key = VOLT_KREC_NO_KEY;
    if (f->epoch != h->epoch)
        reset_epoch(h, f->epoch);
    if (f->kind == VOLT_FRAME_TOO_LARGE) {
        st->rejected_by[VOLT_REJ_TOO_LARGE]++;
        notice(h, f, VOLT_REJ_TOO_LARGE);
        return;
    }
    if (f->kind == VOLT_FRAME_GAP) {
        routed_gap(h);
        return;
    }
    const volt_tick_t *ticks;
    const volt_parse_result_t *res = parse(h, f, payload, t0, &ticks);
    const volt_reject_t rej = (volt_reject_t)res->reject;
    if (rej) {
        st->rejected_by[rej]++;
        notice(h, f, rej);
        return;
    }
    if (res->n_ticks)
        h->key = ticks[0].product;
    uint32_t seq_flags = 0;
    if (accept_message(h, f, res, ticks, &seq_flags))
        return;
    if (res->kind == VOLT_MSG_BOOK) /* never an assisted frame: the source leaves these to us */
        apply_book(h, f, volt_parser_book(h->w.parser));
    for (uint32_t i = 0; i < res->n_ticks; i++) {
        if (!mine(h, ticks[i].product))
            continue; /* another hot agent's product */
        st->ticks++;
        if (!tick_seq_check(h, f, &ticks[i]))
            score_tick(h, f, &ticks[i], seq_flags, t0);
    }
}

/* With Kafka on: the raw message, keyed by the product the parse found, after its rows are out. */
static void publish_raw(hot_t *h, const volt_frame_hdr_t *f, const char *payload)
{
    if (f->kind != VOLT_FRAME_DATA && f->kind != VOLT_FRAME_PARSED)
        return;
    if (!volt_krec_put(h->w.kafka_raw, h->w.kafka_lossless, VOLT_K_RAW, h->key, payload, f->len))
        h->st->kafka_raw_dropped++;
}

static uint32_t hot_do_work(volt_agent_t *a)
{
    hot_t *h = (hot_t *)a;
    uint32_t work = 0, len;
    const void *rec;
    if (h->w.model_slot) /* a reload swaps the model here, between ticks: one load per batch */
        h->model = atomic_load_explicit(h->w.model_slot, memory_order_acquire);
    while (work < BATCH && (rec = volt_rb_next(h->in, &len))) {
        const volt_frame_hdr_t *f = rec;
        const int64_t t0 = volt_clock_ns();
        work++;
        if (f->kind == VOLT_FRAME_END) {
            a->done = 1;
            break;
        }
        process_frame(h, f, (const char *)(f + 1), t0);
        if (h->w.kafka_raw)
            publish_raw(h, f, (const char *)(f + 1));
    }
    if (work) {
        volt_rb_release(h->in);
        volt_bell_ring(h->w.sink_bell); /* the batch's rows: wake a sleeping sink */
    }
    return work;
}

/* The end of the stream: the sink's END, and the Kafka raw ring's. */
static void hot_close(volt_agent_t *a)
{
    hot_t *h = (hot_t *)a;
    volt_row_t *r = claim_row(h);
    r->type = VOLT_ROW_END;
    volt_ring_publish(h->out, 1);
    volt_bell_ring(h->w.sink_bell);
    if (h->w.kafka_raw)
        volt_krec_end(h->w.kafka_raw);
}

void volt_hot_summarize(const volt_books_t *books, const volt_features_t *features,
                        volt_products_t *products, int shard, int n_shards, volt_hot_stats_t *st)
{
    st->books = books->stats;
    volt_feat_stats_t fs;
    volt_features_stats(features, &fs);
    st->time_gaps = fs.gaps;
    st->book_beyond = st->books_used = st->books_valid = 0;
    /* acquire pairs with the interner's release: the entries below it are complete */
    const uint32_t n = atomic_load_explicit(&products->published, memory_order_acquire);
    for (uint32_t p = (uint32_t)shard; p < n; p += (uint32_t)(n_shards > 1 ? n_shards : 1)) {
        const volt_book_t *bk = &books->book[p];
        st->book_beyond += bk->beyond;
        st->books_used += bk->changes > 0;
        st->books_valid += bk->changes > 0 && bk->valid;
    }
}

/* The metrics server's copy (pub.h): the counts whole, the histograms as they grew. */
static void hot_publish(volt_agent_t *a)
{
    hot_t *h = (hot_t *)a;
    volt_hot_summarize(h->w.books, h->w.features, h->w.products, h->w.shard, h->w.n_shards, h->st);
    volt_hot_stats_t *d = h->w.pub_copy;
    memcpy(d, h->st, offsetof(volt_hot_stats_t, lat));
    for (int i = 0; i < VOLT_LAT_COUNT; i++)
        volt_hist_copy_grown(&d->lat[i], &h->st->lat[i]);
}

volt_agent_t *volt_hot_new(const volt_hot_wiring_t *w)
{
    const volt_pipeline_cfg_t *cfg = w->cfg;
    hot_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->w = *w;
    h->st = w->stats;
    h->in = volt_rb_consumer(w->frames);
    h->out = volt_ring_producer(w->rows);
    h->cooldown_ns = (int64_t)(cfg->alert_cooldown_s * 1e9);
    h->model = w->model;
    h->epoch = UINT32_MAX;
    static const char *const names[VOLT_MAX_HOT] = {"volt-hot", "volt-hot-1", "volt-hot-2", "volt-hot-3"};
    /* agent k on the k-th CPU after the first's, wrapping around the machine's */
    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    const int cpu = cfg->cpus[1] >= 0 ? (int)((cfg->cpus[1] + w->shard) % (ncpu > 0 ? ncpu : 1)) : -1;
    volt_agent_init(&h->agent, names[w->shard], cpu, cfg->idle, cfg->human, hot_do_work, hot_close);
    volt_idle_attach_bell(&h->agent.idle, w->bell);
    if (w->pub) {
        h->agent.pub = w->pub;
        h->agent.publish = hot_publish;
    }
    h->iv_period_ns = (int64_t)(cfg->stats_interval_s * 1e9);
    h->iv_next_ns = volt_clock_ns() + h->iv_period_ns;
    w->interval->start_ns[0] = volt_clock_ns();
    return &h->agent;
}


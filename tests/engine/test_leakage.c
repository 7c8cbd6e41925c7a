/* No leakage: features at or before t never depend on ticks after t; streaming equals a batch
 * recomputation on the data cut off at t; labels at t depend only on the ticks in (t, t + 60 s]
 * (given the state at t and the tau known at t). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/features/features.h"
#include "engine/rows/label.h"

#define S 1000000000LL
#define N 6000

static volt_tick_t base[N];

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* About 40 minutes of two products: quotes and trades, quiet and busy stretches, one 30-s gap. */
static void make_stream(volt_tick_t *t, uint64_t seed)
{
    double px[2] = {89500.0, 3050.0};
    int64_t ns = 1764547200LL * S;
    for (int i = 0; i < N; i++) {
        ns += (int64_t)(rng(&seed) % (700 * 1000000ull)) + (i == N / 2 ? 30 * S : 0);
        const int p = (int)(rng(&seed) & 1);
        const double vol = (i / 700) % 3 == 1 ? 4e-4 : 5e-5;
        px[p] *= exp(((double)(rng(&seed) % 2001) / 1000.0 - 1.0) * vol);
        volt_tick_t *k = &t[i];
        memset(k, 0, sizeof *k);
        k->exch_ns = ns;
        k->flags = VOLT_TICK_EXCH_TIME;
        k->product = (uint16_t)p;
        k->price = round(px[p] * 100) / 100;
        k->size = k->bid_qty = k->ask_qty = k->low_24h = k->high_24h = NAN;
        if (rng(&seed) % 4 == 0) {
            k->kind = VOLT_TICK_TRADE;
            k->size = (double)(rng(&seed) % 1000) * 1e-4 + 1e-4;
            k->side = rng(&seed) & 1 ? VOLT_SIDE_BUY : VOLT_SIDE_SELL;
            k->best_bid = k->best_ask = k->volume_24h = NAN;
        } else {
            k->kind = VOLT_TICK_TICKER;
            k->best_bid = k->price - 0.01;
            k->best_ask = k->price + 0.01 * (double)(rng(&seed) % 3);
            k->volume_24h = 5000.0 + i * 0.01;
        }
    }
}

static void run_features(const volt_tick_t *t, int n, volt_feat_out_t *out)
{
    volt_feat_cfg_t c;
    volt_feat_cfg_default(&c);
    volt_features_t *f = volt_features_new(&c);
    cr_assert_not_null(f);
    for (int i = 0; i < n; i++)
        cr_assert_eq(volt_features_update(f, &t[i], &out[i]), VOLT_FEAT_OK);
    volt_features_free(f);
}

static int same_row(const volt_feat_out_t *a, const volt_feat_out_t *b)
{
    for (int k = 0; k < VOLT_NF; k++) {
        if (isnan(a->f[k]) != isnan(b->f[k]))
            return 0;
        if (!isnan(a->f[k]) && memcmp(&a->f[k], &b->f[k], sizeof(double)) != 0)
            return 0;
    }
    return a->flags == b->flags && a->segment_age_s == b->segment_age_s;
}

Test(leakage, perturbing_every_tick_after_t_changes_no_feature_at_or_before_t)
{
    static volt_tick_t pert[N];
    static volt_feat_out_t a[N], b[N];
    make_stream(base, 1);
    run_features(base, N, a);
    uint64_t seed = 99;
    for (int cut = 500; cut < N; cut += 1100) {
        memcpy(pert, base, sizeof base);
        const int64_t t_cut = volt_tick_time_ns(&base[cut]);
        for (int i = 0; i < N; i++) {
            if (volt_tick_time_ns(&pert[i]) <= t_cut)
                continue;
            pert[i].price *= 1.0 + (double)(rng(&seed) % 100) * 1e-4;
            pert[i].best_bid *= 0.999;
            pert[i].size *= 3.0;
            pert[i].side = pert[i].side == VOLT_SIDE_BUY ? VOLT_SIDE_SELL : pert[i].side;
        }
        run_features(pert, N, b);
        int changed_after = 0;
        for (int i = 0; i < N; i++) {
            if (volt_tick_time_ns(&base[i]) <= t_cut)
                cr_assert(same_row(&a[i], &b[i]), "cut %d: row %d (at or before t) changed", cut, i);
            else
                changed_after |= !same_row(&a[i], &b[i]);
        }
        cr_expect(changed_after, "cut %d: the perturbation should show after t", cut);
    }
}

Test(leakage, streaming_equals_batch_recomputed_on_data_cut_at_t)
{
    static volt_feat_out_t full[N], part[N];
    make_stream(base, 2);
    run_features(base, N, full);
    for (int cut = 1; cut <= N; cut += 997) {
        run_features(base, cut, part); /* a fresh engine that never saw anything after t */
        for (int i = 0; i < cut; i++)
            cr_assert(same_row(&full[i], &part[i]), "cut %d: row %d differs", cut, i);
    }
}

/* ---- labels ---- */

typedef struct {
    volt_row_t rows[N];
    int n;
} sinkbuf_t;

static void collect(void *ctx, const volt_row_t *r)
{
    sinkbuf_t *s = ctx;
    s->rows[s->n++] = *r;
}

/* Row i of a stream: its tick, its features, a made-up score (the grade reads it). */
static void tick_row(const volt_tick_t *t, const volt_feat_out_t *fo, int i, volt_row_t *r)
{
    memset(r, 0, sizeof *r);
    r->type = VOLT_ROW_TICK;
    r->line = (uint64_t)i;
    r->tick = t[i];
    r->feat = fo[i];
    r->prob = (double)(i % 97) / 97.0;
    r->prediction = (uint8_t)(i % 3 == 0);
}

static void run_labels(const volt_tick_t *t, sinkbuf_t *out)
{
    static volt_feat_out_t fo[N];
    run_features(t, N, fo);
    volt_labeler_t *l = volt_labeler_new(NAN);
    cr_assert_not_null(l);
    out->n = 0;
    for (int i = 0; i < N; i++) {
        volt_row_t r;
        tick_row(t, fo, i, &r);
        volt_labeler_push(l, &r, collect, out);
    }
    volt_labeler_flush(l, collect, out);
    volt_labeler_free(l);
    cr_assert_eq(out->n, N, "every row comes out exactly once");
}

static const volt_row_t *by_line(const sinkbuf_t *s, int line)
{
    for (int i = 0; i < s->n; i++)
        if ((int)s->rows[i].line == line)
            return &s->rows[i];
    return NULL;
}

Test(leakage, a_label_depends_only_on_the_next_60_seconds)
{
    static volt_tick_t pert[N];
    static sinkbuf_t a, b;
    make_stream(base, 3);
    run_labels(base, &a);
    int checked = 0;
    for (int row = 300; row < N - 400; row += 450) {
        const volt_row_t *ra = by_line(&a, row);
        if (ra->label < 0)
            continue;
        const int64_t t0 = volt_tick_time_ns(&base[row]);
        const uint16_t p = base[row].product;
        /* 1. ticks after t + 60 s (any product) and other products' ticks: the label stays */
        memcpy(pert, base, sizeof base);
        for (int i = 0; i < N; i++) {
            const int64_t ti = volt_tick_time_ns(&pert[i]);
            if (ti > t0 + 60 * S || (pert[i].product != p && ti > t0)) {
                pert[i].best_bid *= 1.01;
                pert[i].best_ask *= 1.02;
            }
        }
        run_labels(pert, &b);
        const volt_row_t *rb = by_line(&b, row);
        cr_assert_eq(memcmp(&ra->label_rv, &rb->label_rv, sizeof(double)), 0,
                     "row %d: the future rv moved with ticks outside (t, t+60 s]", row);
        cr_assert_eq(ra->label, rb->label);
        /* 2. this product's quotes in (t, t + 60 s]: the future rv moves */
        memcpy(pert, base, sizeof base);
        for (int i = 0; i < N; i++) {
            const int64_t ti = volt_tick_time_ns(&pert[i]);
            if (pert[i].product == p && ti > t0 && ti <= t0 + 60 * S &&
                pert[i].kind == VOLT_TICK_TICKER) {
                pert[i].best_bid *= 1.0 + 1e-3 * (i & 1);
                pert[i].best_ask *= 1.0 + 1e-3 * (i & 1);
            }
        }
        run_labels(pert, &b);
        rb = by_line(&b, row);
        cr_assert_neq(ra->label_rv, rb->label_rv, "row %d: the future rv ignores its own window",
                      row);
        checked++;
    }
    cr_expect_geq(checked, 5, "only %d labelled rows were checked", checked);
}

Test(leakage, rows_whose_future_crosses_a_gap_or_the_end_are_unlabelled)
{
    static sinkbuf_t a;
    make_stream(base, 4);
    run_labels(base, &a);
    int unl = 0;
    for (int i = 0; i < a.n; i++) {
        const volt_row_t *r = &a.rows[i];
        const int64_t t = volt_tick_time_ns(&r->tick);
        /* is there a later tick of the product in the same segment with time > t + 60 s? */
        int later = 0;
        for (int j = (int)r->line + 1; j < N; j++) {
            if (base[j].product != r->tick.product)
                continue;
            const int64_t tj = volt_tick_time_ns(&base[j]);
            int prev = j - 1;
            while (prev >= 0 && base[prev].product != r->tick.product)
                prev--;
            if (tj - volt_tick_time_ns(&base[prev]) > 10 * S)
                break; /* a gap: a new segment */
            if (tj > t + 60 * S) {
                later = 1;
                break;
            }
        }
        if (!later) {
            cr_assert(isnan(r->label_rv) && r->label == -1, "row %llu: labelled without a future",
                      (unsigned long long)r->line);
            unl++;
        }
    }
    cr_expect_gt(unl, 0);
}

/* The self-grade's compact labeler: the same labels, in the same order, with what the grade reads,
 * from 48 bytes a pending row instead of the whole row. */
static void run_both(const volt_tick_t *t, sinkbuf_t *full, sinkbuf_t *mini)
{
    static volt_feat_out_t fo[N];
    run_features(t, N, fo);
    volt_labeler_t *lf = volt_labeler_new(NAN), *lm = volt_labeler_new_compact(NAN);
    cr_assert(lf && lm);
    full->n = mini->n = 0;
    for (int i = 0; i < N; i++) {
        volt_row_t r;
        tick_row(t, fo, i, &r);
        volt_labeler_push(lf, &r, collect, full);
        volt_labeler_push(lm, &r, collect, mini);
    }
    volt_labeler_flush(lf, collect, full);
    volt_labeler_flush(lm, collect, mini);
    volt_label_stats_t sf, sm;
    volt_labeler_stats(lf, &sf);
    volt_labeler_stats(lm, &sm);
    cr_expect_eq(sf.labelled, sm.labelled);
    cr_expect_eq(sf.positives, sm.positives);
    cr_expect_gt(sf.labelled, N / 2, "most rows labelled: the comparison has something to compare");
    volt_labeler_free(lf);
    volt_labeler_free(lm);
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

Test(leakage, the_compact_labeler_gives_the_grade_the_same_labels)
{
    static sinkbuf_t full, mini;
    make_stream(base, 42);
    run_both(base, &full, &mini);
    cr_assert_eq(full.n, mini.n);
    for (int i = 0; i < full.n; i++) {
        const volt_row_t *a = &full.rows[i], *b = &mini.rows[i];
        cr_assert_eq(a->tick.product, b->tick.product, "row %d", i);
        cr_assert_eq(volt_tick_time_ns(&a->tick), volt_tick_time_ns(&b->tick), "row %d", i);
        cr_assert_eq(a->label, b->label, "row %d", i);
        cr_assert(same_double(a->label_rv, b->label_rv), "row %d", i);
        cr_assert(same_double(a->label_tau, b->label_tau), "row %d", i);
        cr_assert(same_double(a->prob, b->prob) && a->prediction == b->prediction, "row %d", i);
        cr_assert(same_double(a->feat.f[VOLT_F_RV_60S], b->feat.f[VOLT_F_RV_60S]), "row %d", i);
        cr_assert(same_double(a->feat.f[VOLT_F_TAU_TRAILING], b->feat.f[VOLT_F_TAU_TRAILING]), "row %d", i);
    }
}

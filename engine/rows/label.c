#include "engine/rows/label.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"

#define NS_PER_S INT64_C(1000000000)
#define H VOLT_LABEL_HORIZON_S

/* What every pending entry starts with: what labelling reads. */
typedef struct pend {
    int64_t t;  /* event time */
    double lm;  /* ln mid as of the row (NaN: no quote yet) */
} pend_t;

/* A pending row whole (volt_labeler_new) ... */
typedef struct {
    pend_t h;
    volt_row_t row;
} full_t;

/* ... or only what the self-grade reads (volt_labeler_new_compact): 48 bytes instead of 560. */
typedef struct {
    pend_t h;
    double prob, rv_60s, tau_trailing;
    uint16_t product;
    uint8_t prediction;
} mini_t;

/* One product's pending rows: a growable ring of entries of esz bytes, absolute positions
 * [head, tail). cur[k] is the position of the last row with time <= t_head + k s (monotone as
 * the head advances). */
typedef struct queue {
    unsigned char *e;
    uint64_t cap; /* power of two, 0 before first use */
    uint64_t head, tail;
    uint64_t cur[H + 1];
} queue_t;

struct volt_labeler {
    double tau_fixed;
    int compact;
    size_t esz;
    volt_label_stats_t st;
    volt_row_t scratch; /* compact: the row an entry is emitted as */
    queue_t q[VOLT_MAX_PRODUCTS];
};

static volt_labeler_t *make(double tau_fixed, int compact)
{
    volt_labeler_t *l = calloc(1, sizeof *l);
    if (!l) {
        VOLT_ERR(-ENOMEM, "allocating the labeler");
        return NULL;
    }
    l->tau_fixed = tau_fixed;
    l->compact = compact;
    l->esz = compact ? sizeof(mini_t) : sizeof(full_t);
    return l;
}

volt_labeler_t *volt_labeler_new(double tau_fixed) { return make(tau_fixed, 0); }
volt_labeler_t *volt_labeler_new_compact(double tau_fixed) { return make(tau_fixed, 1); }

void volt_labeler_free(volt_labeler_t *l)
{
    if (!l)
        return;
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        free(l->q[i].e);
    free(l);
}

void volt_labeler_stats(const volt_labeler_t *l, volt_label_stats_t *s) { *s = l->st; }

static inline pend_t *at_(const queue_t *q, size_t esz, uint64_t pos)
{
    return (pend_t *)(q->e + (size_t)(pos & (q->cap - 1)) * esz);
}
#define at(q, pos) at_((q), l->esz, (pos))

static int grow(const volt_labeler_t *l, queue_t *q)
{
    const uint64_t ncap = q->cap ? q->cap * 2 : 1024;
    unsigned char *ne = malloc(ncap * l->esz);
    if (!ne)
        return -1;
    for (uint64_t p = q->head; p < q->tail; p++)
        memcpy(ne + (size_t)(p & (ncap - 1)) * l->esz, at(q, p), l->esz);
    free(q->e);
    q->e = ne;
    q->cap = ncap;
    return 0;
}

/* The row's tau: fixed, or its own tau_trailing. */
static double tau_of(const volt_labeler_t *l, const pend_t *p)
{
    if (!isnan(l->tau_fixed))
        return l->tau_fixed;
    return l->compact ? ((const mini_t *)p)->tau_trailing
                      : ((const full_t *)p)->row.feat.f[VOLT_F_TAU_TRAILING];
}

/* The entry as a row: itself, or (compact) the scratch row holding what the grade reads. */
static volt_row_t *row_of(volt_labeler_t *l, pend_t *p)
{
    if (!l->compact)
        return &((full_t *)p)->row;
    const mini_t *m = (const mini_t *)p;
    volt_row_t *r = &l->scratch;
    r->type = VOLT_ROW_TICK;
    r->tick.product = m->product;
    r->tick.flags = VOLT_TICK_EXCH_TIME;
    r->tick.exch_ns = p->t;
    r->prob = m->prob;
    r->prediction = m->prediction;
    r->feat.f[VOLT_F_RV_60S] = m->rv_60s;
    r->feat.f[VOLT_F_TAU_TRAILING] = m->tau_trailing;
    return r;
}

static void emit_row(volt_labeler_t *l, pend_t *p, int8_t label, double rv, double tau,
                     volt_label_emit_fn emit, void *ctx)
{
    volt_row_t *r = row_of(l, p);
    r->label_on = 1;
    r->label = label;
    r->label_rv = rv;
    r->label_tau = tau;
    if (label < 0) {
        l->st.unlabelled++;
    } else {
        l->st.labelled++;
        l->st.positives += (uint64_t)label;
    }
    emit(ctx, r);
}

static void pop_unlabelled(volt_labeler_t *l, queue_t *q, volt_label_emit_fn emit, void *ctx)
{
    pend_t *p = at(q, q->head);
    emit_row(l, p, -1, NAN, tau_of(l, p), emit, ctx);
    q->head++;
}

static void flush_queue(volt_labeler_t *l, queue_t *q, volt_label_emit_fn emit, void *ctx)
{
    while (q->head < q->tail)
        pop_unlabelled(l, q, emit, ctx);
}

/* Labels the head row: every row up to t + H s is in the queue and a later one exists. */
static void label_head(volt_labeler_t *l, queue_t *q, volt_label_emit_fn emit, void *ctx)
{
    pend_t *h = at(q, q->head);
    double prev = NAN, ss = 0.0;
    int ok = 1;
    for (int k = 0; k <= H; k++) {
        uint64_t c = q->cur[k] < q->head ? q->head : q->cur[k];
        const int64_t edge = h->t + (int64_t)k * NS_PER_S;
        while (c + 1 < q->tail && at(q, c + 1)->t <= edge)
            c++;
        q->cur[k] = c;
        const double m = at(q, c)->lm;
        if (isnan(m))
            ok = 0;
        if (k > 0) {
            const double r = m - prev;
            ss += r * r;
        }
        prev = m;
    }
    const double tau = tau_of(l, h);
    const double rv = ok ? sqrt(ss) : NAN;
    const int8_t label = ok && !isnan(tau) ? (int8_t)(rv >= tau) : -1;
    emit_row(l, h, label, rv, tau, emit, ctx);
    q->head++;
}

void volt_labeler_push(volt_labeler_t *l, const volt_row_t *r, volt_label_emit_fn emit, void *ctx)
{
    queue_t *q = &l->q[r->tick.product];
    if (r->feat.flags & 1u /* VOLT_ROW_SEGMENT_START */)
        flush_queue(l, q, emit, ctx);
    if (q->tail - q->head >= VOLT_LABEL_MAX_PENDING) {
        l->st.overflow++;
        pop_unlabelled(l, q, emit, ctx);
    }
    if (q->tail - q->head == q->cap && grow(l, q) != 0) {
        l->st.overflow++;
        pop_unlabelled(l, q, emit, ctx);
        if (q->cap == 0) { /* nothing to hold it in: write it now */
            volt_row_t tmp = *r;
            tmp.label_on = 1;
            tmp.label = -1;
            tmp.label_rv = tmp.label_tau = NAN;
            l->st.unlabelled++;
            emit(ctx, &tmp);
            return;
        }
    }
    pend_t *p = at(q, q->tail);
    if (l->compact) {
        mini_t *m = (mini_t *)p;
        m->prob = r->prob;
        m->rv_60s = r->feat.f[VOLT_F_RV_60S];
        m->tau_trailing = r->feat.f[VOLT_F_TAU_TRAILING];
        m->product = r->tick.product;
        m->prediction = r->prediction;
    } else {
        ((full_t *)p)->row = *r;
    }
    p->t = volt_tick_time_ns(&r->tick);
    p->lm = r->feat.mid > 0.0 ? log(r->feat.mid) : NAN;
    q->tail++;
    while (q->head < q->tail - 1 && p->t > at(q, q->head)->t + (int64_t)H * NS_PER_S)
        label_head(l, q, emit, ctx);
}

void volt_labeler_flush(volt_labeler_t *l, volt_label_emit_fn emit, void *ctx)
{
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        flush_queue(l, &l->q[i], emit, ctx);
}

#include "engine/rows/label.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"

#define NS_PER_S INT64_C(1000000000)
#define H VOLT_LABEL_HORIZON_S

typedef struct pend {
    volt_row_t row;
    int64_t t;  /* event time */
    double lm;  /* ln mid as of the row (NaN: no quote yet) */
} pend_t;

/* One product's pending rows: a growable ring, absolute positions [head, tail). cur[k] is the
 * position of the last row with time <= t_head + k s (monotone as the head advances). */
typedef struct queue {
    pend_t *e;
    uint64_t cap; /* power of two, 0 before first use */
    uint64_t head, tail;
    uint64_t cur[H + 1];
} queue_t;

struct volt_labeler {
    double tau_fixed;
    volt_label_stats_t st;
    queue_t q[VOLT_MAX_PRODUCTS];
};

volt_labeler_t *volt_labeler_new(double tau_fixed)
{
    volt_labeler_t *l = calloc(1, sizeof *l);
    if (!l) {
        VOLT_ERR(-ENOMEM, "allocating the labeler");
        return NULL;
    }
    l->tau_fixed = tau_fixed;
    return l;
}

void volt_labeler_free(volt_labeler_t *l)
{
    if (!l)
        return;
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        free(l->q[i].e);
    free(l);
}

void volt_labeler_stats(const volt_labeler_t *l, volt_label_stats_t *s) { *s = l->st; }

static inline pend_t *at(const queue_t *q, uint64_t pos) { return &q->e[pos & (q->cap - 1)]; }

static int grow(queue_t *q)
{
    const uint64_t ncap = q->cap ? q->cap * 2 : 1024;
    pend_t *ne = malloc(ncap * sizeof *ne);
    if (!ne)
        return -1;
    for (uint64_t p = q->head; p < q->tail; p++)
        ne[p & (ncap - 1)] = *at(q, p);
    free(q->e);
    q->e = ne;
    q->cap = ncap;
    return 0;
}

static void emit_row(volt_labeler_t *l, pend_t *p, int8_t label, double rv, double tau,
                     volt_label_emit_fn emit, void *ctx)
{
    p->row.label_on = 1;
    p->row.label = label;
    p->row.label_rv = rv;
    p->row.label_tau = tau;
    if (label < 0) {
        l->st.unlabelled++;
    } else {
        l->st.labelled++;
        l->st.positives += (uint64_t)label;
    }
    emit(ctx, &p->row);
}

static void pop_unlabelled(volt_labeler_t *l, queue_t *q, volt_label_emit_fn emit, void *ctx)
{
    pend_t *p = at(q, q->head);
    const double tau = isnan(l->tau_fixed) ? p->row.feat.f[VOLT_F_TAU_TRAILING] : l->tau_fixed;
    emit_row(l, p, -1, NAN, tau, emit, ctx);
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
    const double tau = isnan(l->tau_fixed) ? h->row.feat.f[VOLT_F_TAU_TRAILING] : l->tau_fixed;
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
    if (q->tail - q->head == q->cap && grow(q) != 0) {
        l->st.overflow++;
        pop_unlabelled(l, q, emit, ctx);
        if (q->cap == 0) { /* nothing to hold it in: write it now */
            pend_t p = {.row = *r};
            emit_row(l, &p, -1, NAN, NAN, emit, ctx);
            return;
        }
    }
    pend_t *p = at(q, q->tail);
    p->row = *r;
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

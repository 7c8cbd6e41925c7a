/* engine/rows/grade.c — the rolling last-hour self-grade (grade.h). */
#include "engine/rows/grade.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/rows/row.h"

#define RING 4096 /* > VOLT_GRADE_WINDOW_S samples of one per second; a power of two */
_Static_assert(RING > VOLT_GRADE_WINDOW_S, "a product's ring holds a whole window");

typedef struct sample {
    int64_t sec;  /* event second */
    double p;     /* the model's probability (0 when it had none) */
    double ratio; /* rv_60s / tau_trailing (NaN when not finite) */
    uint8_t y;    /* label */
    uint8_t pred; /* the model's alert decision */
} sample_t;

typedef struct prod_ring {
    sample_t *s;     /* RING samples; NULL until the product's first labelled row */
    uint64_t head;   /* samples committed (free-running; the newest is head - 1) */
    sample_t open;   /* the current second's last row, committed when a later second arrives */
    int has_open;
} prod_ring_t;

struct volt_grader {
    prod_ring_t p[VOLT_MAX_PRODUCTS];
    int64_t newest_sec; /* the newest labelled second of any product */
    sample_t *scratch;  /* VOLT_MAX_PRODUCTS * RING, allocated at the first report */
    double *ratios;
};

volt_grader_t *volt_grader_new(void)
{
    volt_grader_t *g = calloc(1, sizeof *g);
    if (!g)
        VOLT_ERR(-ENOMEM, "grader: out of memory");
    else
        g->newest_sec = INT64_MIN;
    return g;
}

void volt_grader_free(volt_grader_t *g)
{
    if (!g)
        return;
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        free(g->p[i].s);
    free(g->scratch);
    free(g->ratios);
    free(g);
}

void volt_grader_push(volt_grader_t *g, const volt_row_t *r)
{
    if (r->label != 0 && r->label != 1)
        return;
    const unsigned k = r->tick.product;
    if (k >= VOLT_MAX_PRODUCTS)
        return;
    prod_ring_t *pr = &g->p[k];
    if (!pr->s && !(pr->s = malloc(RING * sizeof *pr->s)))
        return; /* out of memory: this product goes ungraded rather than the sink failing */
    const int64_t t = volt_tick_time_ns(&r->tick);
    const int64_t sec = t >= 0 ? t / 1000000000 : -((-t + 999999999) / 1000000000);
    const double ratio = r->feat.f[VOLT_F_RV_60S] / r->feat.f[VOLT_F_TAU_TRAILING];
    const sample_t s = {.sec = sec,
                        .p = isnan(r->prob) ? 0.0 : r->prob,
                        .ratio = isfinite(ratio) ? ratio : NAN,
                        .y = (uint8_t)r->label,
                        .pred = r->prediction ? 1 : 0};
    if (pr->has_open && pr->open.sec != sec) /* rows of one product come in order */
        pr->s[pr->head++ & (RING - 1)] = pr->open;
    pr->open = s;
    pr->has_open = 1;
    if (sec > g->newest_sec)
        g->newest_sec = sec;
}

/* Copies product k's samples inside the window into out; returns how many. */
static size_t gather(const volt_grader_t *g, int k, int64_t from_sec, sample_t *out)
{
    const prod_ring_t *pr = &g->p[k];
    size_t n = 0;
    if (!pr->s)
        return 0;
    const uint64_t first = pr->head > RING ? pr->head - RING : 0;
    for (uint64_t i = first; i < pr->head; i++) {
        const sample_t *s = &pr->s[i & (RING - 1)];
        if (s->sec > from_sec)
            out[n++] = *s;
    }
    if (pr->has_open && pr->open.sec > from_sec)
        out[n++] = pr->open;
    return n;
}

static int by_p_desc(const void *a, const void *b)
{
    const double x = ((const sample_t *)a)->p, y = ((const sample_t *)b)->p;
    return (x < y) - (x > y);
}

static int by_ratio_desc(const void *a, const void *b)
{
    const double x = ((const sample_t *)a)->ratio, y = ((const sample_t *)b)->ratio;
    return (x < y) - (x > y);
}

static int dbl_cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Average precision of scores sorted descending (field `p` when use_p, else `ratio`): one step
 * per distinct score, sum over steps of (recall gained) x (precision there). */
static double average_precision(const sample_t *s, size_t n, uint64_t pos, int use_p)
{
    if (pos == 0 || pos == n)
        return NAN;
    double ap = 0.0, last_recall = 0.0;
    uint64_t tp = 0;
    for (size_t i = 0; i < n;) {
        const double v = use_p ? s[i].p : s[i].ratio;
        size_t j = i;
        while (j < n && (use_p ? s[j].p : s[j].ratio) == v)
            tp += s[j++].y;
        const double recall = (double)tp / (double)pos;
        ap += (recall - last_recall) * ((double)tp / (double)j);
        last_recall = recall;
        i = j;
    }
    return ap;
}

uint64_t volt_grader_report(volt_grader_t *g, int product, volt_grade_t *out)
{
    *out = (volt_grade_t){.pr_auc = NAN, .pr_auc_persistence = NAN, .precision = NAN,
                          .recall = NAN, .alert_rate = NAN};
    if (!g->scratch) {
        g->scratch = malloc((size_t)VOLT_MAX_PRODUCTS * RING * sizeof *g->scratch);
        g->ratios = malloc((size_t)VOLT_MAX_PRODUCTS * RING * sizeof *g->ratios);
        if (!g->scratch || !g->ratios)
            return 0;
    }
    if (g->newest_sec == INT64_MIN)
        return 0;
    const int64_t from = g->newest_sec - VOLT_GRADE_WINDOW_S;
    size_t n = 0;
    for (int k = 0; k < VOLT_MAX_PRODUCTS; k++)
        if (product < 0 || product == k)
            n += gather(g, k, from, g->scratch + n);
    if (n == 0)
        return 0;
    sample_t *s = g->scratch;
    uint64_t pos = 0, pred = 0, tp = 0;
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        pos += s[i].y;
        pred += s[i].pred;
        tp += s[i].y & s[i].pred;
        if (!isnan(s[i].ratio))
            g->ratios[nr++] = s[i].ratio;
    }
    out->n = n;
    out->positives = pos;
    out->alert_rate = (double)pred / (double)n;
    out->precision = pred ? (double)tp / (double)pred : NAN;
    out->recall = pos ? (double)tp / (double)pos : NAN;
    qsort(s, n, sizeof *s, by_p_desc);
    out->pr_auc = average_precision(s, n, pos, 1);
    /* persistence: a sample without rv_60s at the window's median ratio (numpy's median) */
    double med = 0.0;
    if (nr) {
        qsort(g->ratios, nr, sizeof *g->ratios, dbl_cmp);
        med = nr % 2 ? g->ratios[nr / 2] : 0.5 * (g->ratios[nr / 2 - 1] + g->ratios[nr / 2]);
    }
    for (size_t i = 0; i < n; i++)
        if (isnan(s[i].ratio))
            s[i].ratio = med;
    qsort(s, n, sizeof *s, by_ratio_desc);
    out->pr_auc_persistence = average_precision(s, n, pos, 0);
    return n;
}

int volt_grader_products(const volt_grader_t *g, int *idx, int cap)
{
    int n = 0;
    for (int k = 0; k < VOLT_MAX_PRODUCTS && n < cap; k++)
        if (g->p[k].s && (g->p[k].head || g->p[k].has_open))
            idx[n++] = k;
    return n;
}

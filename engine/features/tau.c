/* engine/features/tau.c — the trailing tau's windowed percentile on two indexed heaps (see tau.h).
 *
 * Both heaps are max-heaps: `hi` stores its values negated, so its top is its smallest value and
 * one set of sift routines serves both. Negation is exact, and the values read back are the
 * samples themselves. */
#include "engine/features/tau.h"

#include <math.h>

#define TMASK (VOLT_TAU_HIST - 1)
#define IN_HI 0x8000u

_Static_assert(VOLT_TAU_HIST <= 0x8000, "heap index and its flag share 16 bits");
_Static_assert((VOLT_TAU_HIST & TMASK) == 0 && VOLT_TAU_HIST > VOLT_TAU_WINDOW_S,
               "a power-of-two history longer than the window");

typedef struct heap {
    double *x;
    uint16_t *slot;
    uint32_t *n;
    uint16_t tag; /* 0 for lo, IN_HI for hi */
} heap_t;

static inline heap_t lo_heap(volt_tau_t *t) { return (heap_t){t->lo_x, t->lo_slot, &t->n_lo, 0}; }
static inline heap_t hi_heap(volt_tau_t *t)
{
    return (heap_t){t->hi_x, t->hi_slot, &t->n_hi, IN_HI};
}

static inline void place(volt_tau_t *t, heap_t h, uint32_t i, double x, uint16_t s)
{
    h.x[i] = x;
    h.slot[i] = s;
    t->pos[s] = (uint16_t)(i | h.tag);
}

/* Eight children per element (8i+1 .. 8i+8, one cache line of values): a third of a binary heap's
 * levels, the largest child picked without a branch. Paired against the binary heap on the peers'
 * recording (bench/ab-features) the features' ns per tick were x 0.955-0.959 (4-ary 0.964-0.968,
 * 16-ary 0.962-0.963). */
#define ARITY 8u

static void sift_up(volt_tau_t *t, heap_t h, uint32_t i, double x, uint16_t s)
{
    while (i > 0) {
        const uint32_t p = (i - 1) / ARITY;
        if (h.x[p] >= x)
            break;
        place(t, h, i, h.x[p], h.slot[p]);
        i = p;
    }
    place(t, h, i, x, s);
}

static void sift_down(volt_tau_t *t, heap_t h, uint32_t i, double x, uint16_t s)
{
    const uint32_t n = *h.n;
    for (;;) {
        const uint32_t c = ARITY * i + 1;
        if (c >= n)
            break;
        /* the largest child without a branch (which one it is is data); children past the end
         * stand in as the first */
        uint32_t b = c;
        double bx = h.x[c];
        for (uint32_t k = 1; k < ARITY; k++) {
            const uint32_t j = c + k < n ? c + k : c;
            const double y = h.x[j];
            const int take = y > bx;
            b = take ? j : b;
            bx = take ? y : bx;
        }
        if (bx <= x)
            break;
        place(t, h, i, bx, h.slot[b]);
        i = b;
    }
    place(t, h, i, x, s);
}

static inline void push(volt_tau_t *t, heap_t h, double x, uint16_t s)
{
    sift_up(t, h, (*h.n)++, x, s);
}

/* Puts (x, s) at element i, in place of what was there, and moves it up or down to its place. */
static inline void replace_at(volt_tau_t *t, heap_t h, uint32_t i, double x, uint16_t s)
{
    if (i > 0 && h.x[(i - 1) / ARITY] < x)
        sift_up(t, h, i, x, s);
    else
        sift_down(t, h, i, x, s);
}

/* Takes element i out: the last element fills the hole and moves up or down to its place. */
static void remove_at(volt_tau_t *t, heap_t h, uint32_t i)
{
    const uint32_t last = --*h.n;
    if (i == last)
        return;
    replace_at(t, h, i, h.x[last], h.slot[last]);
}

/* Moves the top of `from` into `to` (values change sign between the two heaps). */
static inline void move_top(volt_tau_t *t, heap_t from, heap_t to)
{
    const double x = from.x[0];
    const uint16_t s = from.slot[0];
    remove_at(t, from, 0);
    push(t, to, -x, s);
}

/* floor(0.9 m) as numpy computes it, (double)m * 0.9 rounded down, in integers (VOLT_TAU_QUANTILE
 * is 0.9): the double 0.9 exceeds 0.9 by 2.2e-17, far too little to carry 9m/10 past an integer
 * (every m below 2^22 checked when this was written; the tau tests' sorted windows cover every
 * count of the filling window). */
static inline uint32_t k_of(uint32_t m) { return (uint32_t)(((uint64_t)m * 9u) / 10u); }

/* Restores |lo| = k + 1, k = floor(0.9 (n - 1)): lo's top is then order statistic k. */
static void rebalance(volt_tau_t *t)
{
    const uint32_t n = t->n_lo + t->n_hi;
    const uint32_t want = n ? k_of(n - 1) + 1 : 0;
    while (t->n_lo > want)
        move_top(t, lo_heap(t), hi_heap(t));
    while (t->n_lo < want)
        move_top(t, hi_heap(t), lo_heap(t));
    t->n = n;
}

static void insert(volt_tau_t *t, uint16_t s, double x)
{
    const int to_lo = t->n_lo ? x <= t->lo_x[0] : !(t->n_hi && x > -t->hi_x[0]);
    if (to_lo)
        push(t, lo_heap(t), x, s);
    else
        push(t, hi_heap(t), -x, s);
}

static void erase(volt_tau_t *t, uint16_t s)
{
    const uint16_t p = t->pos[s];
    if (p & IN_HI)
        remove_at(t, hi_heap(t), p & (IN_HI - 1));
    else
        remove_at(t, lo_heap(t), p);
}

/* numpy's default percentile (linear interpolation, its two-sided formula) from order statistics
 * k (lo's top) and k+1 (hi's top; k itself when hi is empty, i.e. k = n - 1). */
static double quantile(volt_tau_t *t)
{
    if (t->n < VOLT_TAU_MIN_SAMPLES)
        return NAN;
    if (t->n != t->fr_n) { /* the window's count rarely changes: its fraction is kept */
        const double h = (double)(t->n - 1) * VOLT_TAU_QUANTILE;
        t->fr = h - (double)k_of(t->n - 1);
        t->fr_n = t->n;
    }
    const double fr = t->fr;
    const double a = t->lo_x[0], b = t->n_hi ? -t->hi_x[0] : a;
    const double d = b - a;
    return fr >= 0.5 ? b - d * (1.0 - fr) : a + d * fr;
}

void volt_tau_init(volt_tau_t *t)
{
    t->next = INT64_MIN;
    t->n = t->n_lo = t->n_hi = 0;
    t->fr_n = 0; /* below VOLT_TAU_MIN_SAMPLES: no count quantile() computes for */
    t->cur = NAN;
    for (int k = 0; k < VOLT_TAU_HIST; k++)
        t->v[k] = NAN;
}

/* The steady state: sample (si, x) takes the place of slot oi's, so n and both heaps' sizes stay.
 * x takes the leaving sample's element when it belongs to the same heap; otherwise the other heap's
 * top crosses into that element and x takes the top's place. One or two sifts from an element,
 * where a removal, an insertion and a move between the heaps took three or four from the ends. */
static void swap_in(volt_tau_t *t, uint16_t oi, uint16_t si, double x)
{
    const uint16_t p = t->pos[oi];
    const heap_t lo = lo_heap(t), hi = hi_heap(t);
    if (!(p & IN_HI)) {
        if (t->n_hi == 0 || x <= -t->hi_x[0]) {
            replace_at(t, lo, p, x, si);
        } else { /* x above hi's smallest: that one comes down to lo, x goes up to its place */
            const double y = -t->hi_x[0];
            const uint16_t sy = t->hi_slot[0];
            sift_down(t, hi, 0, -x, si);
            replace_at(t, lo, p, y, sy);
        }
    } else {
        const uint32_t i = p & (IN_HI - 1);
        if (x >= t->lo_x[0]) { /* lo is never empty while hi is not */
            replace_at(t, hi, i, -x, si);
        } else { /* x below lo's largest: that one goes up to hi, x comes down to its place */
            const double y = t->lo_x[0];
            const uint16_t sy = t->lo_slot[0];
            sift_down(t, lo, 0, x, si);
            replace_at(t, hi, i, -y, sy);
        }
    }
}

/* Second s's sample enters the window and second s - W's leaves. */
static void put(volt_tau_t *t, int64_t s, double x)
{
    const uint16_t oi = (uint16_t)((uint64_t)(s - VOLT_TAU_WINDOW_S) & TMASK);
    const uint16_t si = (uint16_t)((uint64_t)s & TMASK);
    if (!isnan(t->v[oi]) && !isnan(x)) {
        swap_in(t, oi, si, x);
        t->v[oi] = NAN;
        t->v[si] = x;
        return;
    }
    if (!isnan(t->v[oi])) {
        erase(t, oi);
        t->v[oi] = NAN;
    }
    t->v[si] = x;
    if (!isnan(x))
        insert(t, si, x);
    rebalance(t);
}

void volt_tau_skip_to(volt_tau_t *t, int64_t end)
{
    if (t->next != INT64_MIN && end <= t->next)
        return;
    if (t->next == INT64_MIN || end - t->next >= VOLT_TAU_WINDOW_S) {
        volt_tau_init(t);
    } else {
        for (int64_t s = t->next; s < end; s++)
            put(t, s, NAN);
    }
    t->next = end;
    t->cur = quantile(t);
}

void volt_tau_record(volt_tau_t *t, int64_t c, double x)
{
    if (t->next != INT64_MIN && c < t->next)
        return;
    if (c != t->next) /* seconds skipped (or the first record): nothing to skip otherwise */
        volt_tau_skip_to(t, c);
    put(t, c, x);
    t->next = c + 1;
    t->cur = quantile(t);
}

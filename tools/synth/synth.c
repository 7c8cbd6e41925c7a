#include "synth.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/timefmt.h"

#define NS 1000000000LL

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** */
static uint64_t rnd_of(uint64_t *r)
{
    const uint64_t out = rotl(r[1] * 5, 7) * 9, t = r[1] << 17;
    r[2] ^= r[0];
    r[3] ^= r[1];
    r[1] ^= r[2];
    r[0] ^= r[3];
    r[2] ^= t;
    r[3] = rotl(r[3], 45);
    return out;
}


static double unif_of(uint64_t *r) { return ((double)(rnd_of(r) >> 11) + 0.5) / 9007199254740992.0; }
static double unif(volt_synth_t *s) { return unif_of(s->rng); }

static double gauss_of(uint64_t *r)
{
    return sqrt(-2.0 * log(unif_of(r))) * cos(6.283185307179586 * unif_of(r));
}
static double gauss(volt_synth_t *s) { return gauss_of(s->rng); }

static int poisson_of(uint64_t *r, double lambda)
{
    if (lambda > 60) { /* normal approximation for very high rates */
        const double v = lambda + sqrt(lambda) * gauss_of(r);
        return v < 0 ? 0 : (int)(v + 0.5);
    }
    const double L = exp(-lambda);
    int k = 0;
    double p = 1.0;
    do {
        k++;
        p *= unif_of(r);
    } while (p > L);
    return k - 1;
}
static int poisson(volt_synth_t *s, double lambda) { return poisson_of(s->rng, lambda); }

void volt_synth_cfg_default(volt_synth_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->rate_mult = 1.0;
    c->start_ns = 1764547200LL * NS; /* 2025-12-01T00:00:00Z */
    c->n_products = 1;
    c->products[0] = "BTC-USD";
}

static void seed_rng(uint64_t *r, uint64_t z)
{
    for (int i = 0; i < 4; i++) { /* splitmix64 seeding */
        z += 0x9E3779B97F4A7C15ull;
        uint64_t x = z;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        r[i] = x ^ (x >> 31);
    }
}

void volt_synth_free(volt_synth_t *s)
{
    free(s->books);
    free(s->stale);
    s->books = s->stale = NULL;
}

int volt_synth_init(volt_synth_t *s, const volt_synth_cfg_t *c)
{
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    seed_rng(s->rng, c->seed);
    seed_rng(s->rng2, c->seed ^ 0x6C32u); /* level 2's own stream */
    s->l2_on = c->level2;
    if (c->level2) {
        s->books = calloc((size_t)c->n_products, sizeof *s->books);
        s->stale = calloc(1, sizeof *s->stale);
        if (!s->books || !s->stale) {
            volt_synth_free(s);
            return -1;
        }
    }
    static const double base_mid[8] = {89500, 3050, 140, 0.62, 2.1, 95, 14, 0.00002};
    for (int i = 0; i < c->n_products && i < VOLT_SYNTH_MAX_PRODUCTS; i++) {
        volt_synth_prod_t *p = &s->prod[i];
        p->mid = base_mid[i % 8] * (1.0 + 0.01 * (i / 8)); /* beyond eight: the same levels again */
        p->logsig = log(VOLT_SYNTH_SIGMA_1S);
        p->vol24 = 5000.0 + 1000.0 * i;
        p->low24 = p->mid * 0.97;
        p->high24 = p->mid * 1.03;
        p->last_price = p->mid;
        p->bid = p->ask = NAN;
    }
    s->sec_ns = c->start_ns - NS;
    return 0;
}

double volt_synth_sigma(const volt_synth_t *s, int i)
{
    return exp(s->prod[i].logsig) * (1.0 + s->prod[i].spike);
}

static int cmp_pending(volt_synth_t *s, int a, int b) { return s->pend_ns[a] < s->pend_ns[b]; }

/* Advances one second: evolves each product's volatility and draws its ticks' times. */
static void next_second(volt_synth_t *s)
{
    s->sec_ns += NS;
    s->n_pending = s->next_pending = 0;
    const double mu = log(VOLT_SYNTH_SIGMA_1S), phi = VOLT_SYNTH_AR_PHI;
    const double eta = VOLT_SYNTH_LOGSIGMA_SD * sqrt(1 - phi * phi);
    for (int i = 0; i < s->cfg.n_products; i++) {
        volt_synth_prod_t *p = &s->prod[i];
        p->logsig = mu + phi * (p->logsig - mu) + eta * gauss(s);
        p->spike *= exp(-1.0 / VOLT_SYNTH_SPIKE_DECAY_S);
        if (unif(s) < VOLT_SYNTH_SPIKE_PER_S)
            p->spike += VOLT_SYNTH_SPIKE_MULT - 1.0;
        const double rel = volt_synth_sigma(s, i) / VOLT_SYNTH_SIGMA_1S;
        const double lambda =
            VOLT_SYNTH_RATE_PER_S * s->cfg.rate_mult * pow(rel, VOLT_SYNTH_RATE_ELASTICITY);
        int n = poisson(s, lambda);
        for (int k = 0; k < n && s->n_pending < 4096; k++) {
            s->pend_ns[s->n_pending] = s->sec_ns + (int64_t)(unif(s) * (NS - 1));
            s->pend_prod[s->n_pending] = (uint8_t)i;
            s->pend_l2[s->n_pending] = 0;
            s->n_pending++;
        }
        if (!s->cfg.level2 || !s->l2_on)
            continue;
        const int m = poisson_of(s->rng2, VOLT_SYNTH_L2_PER_S * s->cfg.rate_mult);
        for (int k = 0; k < m && s->n_pending < 4096; k++) {
            s->pend_ns[s->n_pending] = s->sec_ns + (int64_t)(unif_of(s->rng2) * (NS - 1));
            s->pend_prod[s->n_pending] = (uint8_t)i;
            s->pend_l2[s->n_pending] = 1;
            s->n_pending++;
        }
    }
    /* insertion sort by time (a second holds few ticks at calibrated rates) */
    for (int a = 1; a < s->n_pending; a++)
        for (int b = a; b > 0 && cmp_pending(s, b, b - 1); b--) {
            int64_t t = s->pend_ns[b];
            s->pend_ns[b] = s->pend_ns[b - 1];
            s->pend_ns[b - 1] = t;
            uint8_t q = s->pend_prod[b];
            s->pend_prod[b] = s->pend_prod[b - 1];
            s->pend_prod[b - 1] = q;
            q = s->pend_l2[b];
            s->pend_l2[b] = s->pend_l2[b - 1];
            s->pend_l2[b - 1] = q;
        }
}

static double cents(double v, double tick) { return round(v / tick) * tick; }

/* A product's price increment and the decimals that print it (by price level, as Coinbase). */
static double price_tick(double mid) { return mid > 1000 ? 0.01 : mid > 1 ? 0.001 : 0.00000001; }
static int price_decimals(double tick) { return tick >= 0.01 ? 2 : tick >= 0.001 ? 3 : 8; }

static size_t trade_message(volt_synth_t *s, char *buf, size_t cap, int64_t *event_ns)
{
    s->trade_pending = 0;
    const int k = s->next_pending - 1; /* the ticker just emitted */
    const int dec = price_decimals(price_tick(s->prod[s->trade_prod].mid));
    char ts[31];
    volt_time_format_iso(s->pend_ns[k], ts);
    *event_ns = s->pend_ns[k];
    int n = snprintf(buf, cap,
                     "{\"channel\":\"market_trades\",\"client_id\":\"\",\"timestamp\":\"%s\","
                     "\"sequence_num\":%llu,\"events\":[{\"type\":\"update\",\"trades\":[{"
                     "\"trade_id\":\"%llu\",\"product_id\":\"%s\",\"price\":\"%.*f\","
                     "\"size\":\"%.8f\",\"side\":\"%s\",\"time\":\"%s\"}]}]}",
                     ts, (unsigned long long)s->seq, (unsigned long long)++s->trade_id,
                     s->cfg.products[s->trade_prod], dec, s->trade_price, s->trade_size,
                     s->trade_buy ? "SELL" : "BUY", ts);
    s->seq++;
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}


/* ---- level 2 ---- */

static int64_t to_ticks(double px, double tick) { return (int64_t)llround(px / tick); }

static int find_level(const volt_synth_side_t *sd, int64_t px)
{
    for (int i = 0; i < sd->n; i++)
        if (sd->px[i] == px)
            return i;
    return -1;
}

/* Sets a level of the generator's book (qty 0 removes it); a full side drops its farthest level
 * (returned, for the message to remove it too; -1: none) or ignores a level beyond it (-2). */
static int64_t set_level(volt_synth_side_t *sd, int bid, int64_t px, double qty)
{
    const int i = find_level(sd, px);
    if (qty <= 0.0) {
        if (i >= 0) {
            sd->px[i] = sd->px[--sd->n];
            sd->qty[i] = sd->qty[sd->n];
        }
        return -1;
    }
    if (i >= 0) {
        sd->qty[i] = qty;
        return -1;
    }
    if (sd->n == VOLT_SYNTH_L2_MAX_LEVELS) {
        int far = 0;
        for (int j = 1; j < sd->n; j++)
            if (bid ? sd->px[j] < sd->px[far] : sd->px[j] > sd->px[far])
                far = j;
        if (bid ? px <= sd->px[far] : px >= sd->px[far])
            return -2;
        const int64_t gone = sd->px[far];
        sd->px[far] = px;
        sd->qty[far] = qty;
        return gone;
    }
    sd->px[sd->n] = px;
    sd->qty[sd->n++] = qty;
    return -1;
}

typedef struct {
    char *buf;
    size_t cap, n;
    int first;
} l2w_t;

static void l2_put(l2w_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void l2_put(l2w_t *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int k = w->n < w->cap ? vsnprintf(w->buf + w->n, w->cap - w->n, fmt, ap) : 0;
    va_end(ap);
    if (k > 0)
        w->n = w->n + (size_t)k < w->cap ? w->n + (size_t)k : w->cap - 1;
}

static void l2_change(l2w_t *w, int bid, int64_t px, double qty, double tick, const char *ts)
{
    const int dec = price_decimals(tick);
    l2_put(w, "%s{\"side\":\"%s\",\"event_time\":\"%s\",\"price_level\":\"%.*f\",\"new_quantity\":\"%.8f\"}",
           w->first ? "" : ",", bid ? "bid" : "offer", ts, dec, (double)px * tick, qty);
    w->first = 0;
}

static double l2_size(volt_synth_t *s)
{
    const double q = exp(VOLT_SYNTH_L2_LOGQ_MEAN + VOLT_SYNTH_L2_LOGQ_SD * gauss_of(s->rng2));
    return q < 1e-8 ? 1e-8 : q > 1000.0 ? 1000.0 : round(q * 1e8) / 1e8;
}

/* A snapshot: a fresh book around the quote (or the saved stale one), every level written. */
static void l2_snapshot(volt_synth_t *s, int i, volt_synth_book_t *bk, int64_t bid, int64_t ask,
                        double tick, const char *ts, l2w_t *w)
{
    const int stale = s->cfg.l2_faults && i == 0 && bk->started && (s->faults_done & 12) == 4;
    if (stale) { /* the stale-snapshot fault: the book as it was 30 s ago */
        *bk = *s->stale;
        s->faults_done |= 8;
    } else if (!bk->started) {
        memset(bk->side, 0, sizeof bk->side);
        for (int k = 0; k < VOLT_SYNTH_L2_SNAPSHOT_LEVELS; k++) {
            set_level(&bk->side[0], 1, bid - k, l2_size(s));
            set_level(&bk->side[1], 0, ask + k, l2_size(s));
        }
    }
    bk->started = 1;
    bk->snap_due_ns = 0;
    for (int sd = 0; sd < 2; sd++)
        for (int k = 0; k < bk->side[sd].n; k++)
            l2_change(w, sd == 0, bk->side[sd].px[k], bk->side[sd].qty[k], tick, ts);
}

/* A level change into the generator's book and the message: with the removal of the level a full
 * side dropped for it; a level beyond a full side is neither kept nor sent. */
static void put_level(volt_synth_side_t *side, int bid, int64_t px, double q, double tick, const char *ts,
                      l2w_t *w)
{
    const int64_t gone = set_level(side, bid, px, q);
    if (gone == -2)
        return;
    l2_change(w, bid, px, q, tick, ts);
    if (gone >= 0)
        l2_change(w, bid, gone, 0.0, tick, ts);
}

/* An update: the quote's levels made the best (the ones inside it removed), then random changes
 * at log-normal distances (bps) from the best. */
static void l2_update(volt_synth_t *s, volt_synth_book_t *bk, int64_t bid, int64_t ask, double tick,
                      double mid, const char *ts, l2w_t *w)
{
    for (int sd = 0; sd < 2; sd++) {
        volt_synth_side_t *side = &bk->side[sd];
        for (int k = side->n - 1; k >= 0; k--) {
            const int64_t px = side->px[k];
            if (sd == 0 ? px > bid : px < ask)
                put_level(side, sd == 0, px, 0.0, tick, ts, w);
        }
        const int64_t best = sd == 0 ? bid : ask;
        if (find_level(side, best) < 0)
            put_level(side, sd == 0, best, l2_size(s), tick, ts, w);
    }
    int n = 1;
    while (unif_of(s->rng2) < 1.0 - 1.0 / VOLT_SYNTH_L2_CHANGES_MEAN && n < 200)
        n++;
    for (int c = 0; c < n; c++) {
        const int sd = unif_of(s->rng2) < 0.5;
        int64_t d = 0;
        if (unif_of(s->rng2) >= VOLT_SYNTH_L2_INSIDE) {
            const double bps = VOLT_SYNTH_L2_DIST_MEDIAN_BPS * exp(VOLT_SYNTH_L2_DIST_LOGSD * gauss_of(s->rng2));
            d = (int64_t)(bps * 1e-4 * mid / tick);
            if (d > 100000)
                d = 100000;
        }
        const int64_t px = sd == 0 ? bid - d : ask + d;
        const int had = find_level(&bk->side[sd], px) >= 0;
        const double q = d > 0 && had && unif_of(s->rng2) < VOLT_SYNTH_L2_REMOVE / 0.5 ? 0.0 : l2_size(s);
        put_level(&bk->side[sd], sd == 0, px, q, tick, ts, w);
    }
}

/* The faults (cfg.l2_faults), by time since the start: returns 1 when this message is to be the
 * crossed update instead of a normal one. */
static int l2_faults(volt_synth_t *s, int i, int64_t now)
{
    const int64_t t = now - s->cfg.start_ns;
    if (!(s->faults_done & 1) && t >= 180 * NS) { /* a lost message: every book needs a snapshot */
        s->faults_done |= 1;
        s->seq++;
        for (int p = 0; p < s->cfg.n_products; p++)
            s->books[p].snap_due_ns = now + 5 * NS;
    }
    if (i != 0)
        return 0;
    if (!(s->faults_done & 4) && t >= 390 * NS) {
        *s->stale = s->books[0];
        s->faults_done |= 4;
    }
    if (s->faults_done & 4 && !(s->faults_done & 8) && t >= 420 * NS && !s->books[0].snap_due_ns)
        s->books[0].snap_due_ns = now; /* the stale snapshot (l2_snapshot sends the saved book) */
    if (!(s->faults_done & 2) && t >= 300 * NS) {
        s->faults_done |= 2;
        s->books[0].snap_due_ns = now + 5 * NS;
        return 1;
    }
    return 0;
}

static size_t volt_synth_l2(volt_synth_t *s, int k, char *buf, size_t cap, int64_t *event_ns)
{
    const int i = s->pend_prod[k];
    volt_synth_prod_t *p = &s->prod[i];
    volt_synth_book_t *bk = &s->books[i];
    const double tick = price_tick(p->mid);
    const double qb = isnan(p->bid) ? cents(p->mid, tick) - tick : p->bid;
    const double qa = isnan(p->ask) ? cents(p->mid, tick) + tick : p->ask;
    const int64_t bid = to_ticks(qb, tick), ask = to_ticks(qa, tick);
    const int64_t now = s->pend_ns[k];
    char ts[31];
    volt_time_format_iso(now, ts);
    *event_ns = now;
    const int crossed = s->cfg.l2_faults && bk->started && l2_faults(s, i, now);
    const int stale_due = s->cfg.l2_faults && i == 0 && (s->faults_done & 12) == 4 && bk->snap_due_ns;
    const int snap = !bk->started || (!crossed && bk->snap_due_ns && now >= bk->snap_due_ns);
    l2w_t w = {.buf = buf, .cap = cap, .first = 1};
    l2_put(&w, "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"%s\",\"sequence_num\":%llu,"
               "\"events\":[{\"type\":\"%s\",\"product_id\":\"%s\",\"updates\":[",
           ts, (unsigned long long)s->seq, snap ? "snapshot" : "update", s->cfg.products[i]);
    if (crossed)
        l2_change(&w, 1, ask + 1, 1.0, tick, ts); /* a bid above the ask (not kept: a feed error) */
    else if (snap) {
        l2_snapshot(s, i, bk, bid, ask, tick, ts, &w);
        if (stale_due)
            bk->snap_due_ns = now + 10 * NS; /* a fresh one after the stale one */
    } else
        l2_update(s, bk, bid, ask, tick, p->mid, ts, &w);
    l2_put(&w, "]}]}");
    s->seq++;
    return w.n;
}

size_t volt_synth_next(volt_synth_t *s, char *buf, size_t cap, int64_t *event_ns)
{
    if (s->trade_pending)
        return trade_message(s, buf, cap, event_ns);
    while (s->next_pending >= s->n_pending)
        next_second(s);
    const int k = s->next_pending++;
    if (s->pend_l2[k])
        return volt_synth_l2(s, k, buf, cap, event_ns);
    const int i = s->pend_prod[k];
    volt_synth_prod_t *p = &s->prod[i];
    const double tick = price_tick(p->mid);
    const double sig = volt_synth_sigma(s, i);
    const double rel = sig / VOLT_SYNTH_SIGMA_1S;
    const double lambda =
        VOLT_SYNTH_RATE_PER_S * s->cfg.rate_mult * pow(rel, VOLT_SYNTH_RATE_ELASTICITY);
    double price = p->last_price;
    const int side_buy = unif(s) < 0.5;
    if (unif(s) >= VOLT_SYNTH_P_UNCHANGED) {
        /* a moving tick: its step carries this second's variance share */
        const double step_sd = sig / sqrt((1.0 - VOLT_SYNTH_P_UNCHANGED) * lambda);
        p->mid *= exp(step_sd * gauss(s));
        price = cents(p->mid + (side_buy ? 0.5 : -0.5) * tick, tick);
    }
    p->last_price = price;
    const double bid = side_buy ? price - tick : price;
    const double ask = side_buy ? price : price + tick;
    p->bid = bid;
    p->ask = ask;
    const double trade_size = 0.0001 + 0.05 * unif(s) * unif(s);
    p->vol24 += trade_size;
    if (price < p->low24)
        p->low24 = price;
    if (price > p->high24)
        p->high24 = price;
    char ts[31];
    volt_time_format_iso(s->pend_ns[k], ts);
    *event_ns = s->pend_ns[k];
    const int dec = price_decimals(tick);
    int n = snprintf(buf, cap,
                     "{\"channel\":\"ticker\",\"client_id\":\"\",\"timestamp\":\"%s\","
                     "\"sequence_num\":%llu,\"events\":[{\"type\":\"%s\",\"tickers\":[{\"type\":"
                     "\"ticker\",\"product_id\":\"%s\",\"price\":\"%.*f\",\"volume_24_h\":\"%.8f\","
                     "\"low_24_h\":\"%.*f\",\"high_24_h\":\"%.*f\",\"best_bid\":\"%.*f\","
                     "\"best_ask\":\"%.*f\",\"best_bid_quantity\":\"%.8f\","
                     "\"best_ask_quantity\":\"%.8f\"}]}]}",
                     ts, (unsigned long long)s->seq, s->seq == 0 ? "snapshot" : "update",
                     s->cfg.products[i], dec, price, p->vol24, dec, p->low24, dec, p->high24, dec,
                     bid, dec, ask, 0.001 + unif(s), 0.001 + unif(s));
    s->seq++;
    if (s->cfg.trades) {
        s->trade_pending = 1;
        s->trade_buy = side_buy;
        s->trade_prod = i;
        s->trade_price = price;
        s->trade_size = trade_size;
    }
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/feed/timefmt.h"

#define NS 1000000000LL

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** */
static uint64_t rnd(volt_synth_t *s)
{
    uint64_t *r = s->rng;
    const uint64_t out = rotl(r[1] * 5, 7) * 9, t = r[1] << 17;
    r[2] ^= r[0];
    r[3] ^= r[1];
    r[1] ^= r[2];
    r[0] ^= r[3];
    r[2] ^= t;
    r[3] = rotl(r[3], 45);
    return out;
}

static double unif(volt_synth_t *s) { return ((double)(rnd(s) >> 11) + 0.5) / 9007199254740992.0; }

static double gauss(volt_synth_t *s)
{
    return sqrt(-2.0 * log(unif(s))) * cos(6.283185307179586 * unif(s));
}

static int poisson(volt_synth_t *s, double lambda)
{
    if (lambda > 60) { /* normal approximation for very high rates */
        const double v = lambda + sqrt(lambda) * gauss(s);
        return v < 0 ? 0 : (int)(v + 0.5);
    }
    const double L = exp(-lambda);
    int k = 0;
    double p = 1.0;
    do {
        k++;
        p *= unif(s);
    } while (p > L);
    return k - 1;
}

void volt_synth_cfg_default(volt_synth_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->rate_mult = 1.0;
    c->start_ns = 1764547200LL * NS; /* 2025-12-01T00:00:00Z */
    c->n_products = 1;
    c->products[0] = "BTC-USD";
}

void volt_synth_init(volt_synth_t *s, const volt_synth_cfg_t *c)
{
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    uint64_t z = c->seed;
    for (int i = 0; i < 4; i++) { /* splitmix64 seeding */
        z += 0x9E3779B97F4A7C15ull;
        uint64_t x = z;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        s->rng[i] = x ^ (x >> 31);
    }
    static const double base_mid[VOLT_SYNTH_MAX_PRODUCTS] = {89500, 3050, 140, 0.62,
                                                             2.1,   95,   14,  0.00002};
    for (int i = 0; i < c->n_products && i < VOLT_SYNTH_MAX_PRODUCTS; i++) {
        volt_synth_prod_t *p = &s->prod[i];
        p->mid = base_mid[i];
        p->logsig = log(VOLT_SYNTH_SIGMA_1S);
        p->vol24 = 5000.0 + 1000.0 * i;
        p->low24 = p->mid * 0.97;
        p->high24 = p->mid * 1.03;
        p->last_price = p->mid;
    }
    s->sec_ns = c->start_ns - NS;
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

size_t volt_synth_next(volt_synth_t *s, char *buf, size_t cap, int64_t *event_ns)
{
    if (s->trade_pending)
        return trade_message(s, buf, cap, event_ns);
    while (s->next_pending >= s->n_pending)
        next_second(s);
    const int k = s->next_pending++;
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

/* tools/synth/synth.h — a synthetic Coinbase market, calibrated to the real recordings.
 *
 * Per product and per second, volatility follows a log-AR(1) process (clustering) with rare
 * spikes; ticks arrive as a Poisson process whose rate rises with volatility; most ticks repeat
 * the last trade price (as ticker messages during one match burst do) and the rest move the mid
 * by a Gaussian step sized so the 1-second variance is sigma^2. Every number below was measured
 * on ../shared/data by tools/calibrate.py (see docs/synthetic.md); the recordings themselves are
 * not in the repository. Deterministic for a given seed. Used by volt-synth and volt-exchange. */
#ifndef VOLT_TOOLS_SYNTH_H
#define VOLT_TOOLS_SYNTH_H

#include <stddef.h>
#include <stdint.h>

/* Calibration, from tools/calibrate.py over coinbase-advanced-btcusd-2025-12 (32 files). */
#define VOLT_SYNTH_RATE_PER_S 3.42        /* median ticker messages per second */
#define VOLT_SYNTH_SIGMA_1S 3.36e-5       /* median std of 1-s mid log-returns */
#define VOLT_SYNTH_LOGSIGMA_SD 0.43       /* spread of log sigma across the recorded files */
#define VOLT_SYNTH_RATE_ELASTICITY 0.51   /* OLS slope of log rate on log sigma across files */
#define VOLT_SYNTH_P_UNCHANGED 0.74       /* share of ticks whose price equals the previous one */
#define VOLT_SYNTH_SPIKE_PER_S (1.0 / 1200.0) /* spike starts per second */
#define VOLT_SYNTH_SPIKE_MULT 4.0         /* sigma multiplier at a spike's onset */
#define VOLT_SYNTH_SPIKE_DECAY_S 90.0     /* e-folding time of a spike */
#define VOLT_SYNTH_AR_PHI 0.995           /* per-second persistence of log sigma */

#define VOLT_SYNTH_MAX_PRODUCTS 8

typedef struct volt_synth_cfg {
    uint64_t seed;
    double rate_mult;    /* multiplies the tick rate (1 = calibrated) */
    int64_t start_ns;    /* event time of the first second */
    int n_products;
    const char *products[VOLT_SYNTH_MAX_PRODUCTS];
    int trades;          /* also emit each tick's match as a market_trades message */
} volt_synth_cfg_t;

typedef struct volt_synth_prod {
    double mid, logsig, spike, vol24, low24, high24, last_price;
} volt_synth_prod_t;

typedef struct volt_synth {
    volt_synth_cfg_t cfg;
    uint64_t rng[4];
    int64_t sec_ns;        /* start of the current second */
    uint64_t seq;
    volt_synth_prod_t prod[VOLT_SYNTH_MAX_PRODUCTS];
    /* ticks of the current second, in time order */
    int n_pending, next_pending;
    int64_t pend_ns[4096];
    uint8_t pend_prod[4096];
    /* the match behind the last ticker, emitted next when cfg.trades is set */
    int trade_pending, trade_buy, trade_prod;
    double trade_price, trade_size;
    uint64_t trade_id;
} volt_synth_t;

void volt_synth_cfg_default(volt_synth_cfg_t *c);
void volt_synth_init(volt_synth_t *s, const volt_synth_cfg_t *c);

/* Writes the next message (an Advanced Trade ticker message, no newline) into buf; returns its
 * length and sets *event_ns to its time. With cfg.trades, every ticker message is followed by a
 * market_trades message at the same time carrying the match behind it (its price, its size, and
 * the maker's side, as Coinbase reports it: SELL when the taker bought). The ticker stream and its
 * random draws are the same with and without trades; only sequence_num counts both. */
size_t volt_synth_next(volt_synth_t *s, char *buf, size_t cap, int64_t *event_ns);

/* Current 1-second sigma of product i (for tests: spikes must show up here). */
double volt_synth_sigma(const volt_synth_t *s, int i);

#endif

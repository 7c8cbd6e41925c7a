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

/* Level 2, from coinbase-advanced-l2-sample-2026-08 (BTC-USD and ETH-USD, 25 s; docs/synthetic.md):
 * update messages per second and product, level changes per update (geometric), the distance of
 * a changed level from its side's best (log-normal in bps: medians 17 and 5 bps, the 10th-90th
 * percentiles spanning two to three decades), the share of removals, the log-normal of sizes. */
#define VOLT_SYNTH_L2_PER_S 16.0
#define VOLT_SYNTH_L2_CHANGES_MEAN 6.0
#define VOLT_SYNTH_L2_DIST_MEDIAN_BPS 10.0
#define VOLT_SYNTH_L2_DIST_LOGSD 2.0
#define VOLT_SYNTH_L2_INSIDE 0.04 /* changes at the best itself (the real updates' 4 % inside) */
#define VOLT_SYNTH_L2_REMOVE 0.25
#define VOLT_SYNTH_L2_LOGQ_MEAN (-1.3)
#define VOLT_SYNTH_L2_LOGQ_SD 2.4
#define VOLT_SYNTH_L2_SNAPSHOT_LEVELS 400 /* a side (the real ones hold 7 000 - 27 000) */
#define VOLT_SYNTH_L2_MAX_LEVELS 1024     /* a side kept by the generator: the farthest drop off */

#define VOLT_SYNTH_MAX_PRODUCTS 128

typedef struct volt_synth_cfg {
    uint64_t seed;
    double rate_mult;    /* multiplies the tick rate (1 = calibrated) */
    int64_t start_ns;    /* event time of the first second */
    int n_products;
    const char *products[VOLT_SYNTH_MAX_PRODUCTS];
    int trades;          /* also emit each tick's match as a market_trades message */
    int level2;          /* also emit l2_data: a snapshot per product, then updates */
    int l2_faults;       /* with level2: a sequence gap at 3 min (snapshots of every product 5 s
                          * later), a crossed update at 5 min and a 30-s stale snapshot at 7 min
                          * (product 0; a fresh snapshot 5 s / 10 s later) */
} volt_synth_cfg_t;

typedef struct volt_synth_side {
    int64_t px[VOLT_SYNTH_L2_MAX_LEVELS]; /* price in ticks, unordered */
    double qty[VOLT_SYNTH_L2_MAX_LEVELS];
    int n;
} volt_synth_side_t;

typedef struct volt_synth_book {
    volt_synth_side_t side[2];           /* bid, ask */
    int64_t snap_due_ns;                 /* the next update is a snapshot from this time (0: none) */
    int started;                         /* its first snapshot was sent */
} volt_synth_book_t;

typedef struct volt_synth_prod {
    double mid, logsig, spike, vol24, low24, high24, last_price;
    double bid, ask; /* the last ticker's best bid and ask */
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
    uint8_t pend_prod[4096]; /* (a product index: < VOLT_SYNTH_MAX_PRODUCTS <= 256) */
    uint8_t pend_l2[4096];   /* 1: a level-2 update, 0: a ticker */
    /* level 2: its own random stream (the ticker stream is the same with and without it) */
    uint64_t rng2[4];
    volt_synth_book_t *books; /* cfg.n_products books, allocated by volt_synth_init with level2 */
    volt_synth_book_t *stale;  /* product 0's book 30 s before the stale-snapshot fault */
    int faults_done;           /* bit 0: gap, 1: crossed, 2: stale saved, 3: stale sent */
    int l2_on;                 /* level 2 generated now (cfg.level2 makes it possible; a server
                                * turns it on when a client first wants it) */
    /* the match behind the last ticker, emitted next when cfg.trades is set */
    int trade_pending, trade_buy, trade_prod;
    double trade_price, trade_size;
    uint64_t trade_id;
} volt_synth_t;

void volt_synth_cfg_default(volt_synth_cfg_t *c);
/* With cfg.level2 it allocates the books: returns -1 when it cannot (0 otherwise). */
int volt_synth_init(volt_synth_t *s, const volt_synth_cfg_t *c);
void volt_synth_free(volt_synth_t *s);

/* Writes the next message (an Advanced Trade ticker message, no newline) into buf; returns its
 * length and sets *event_ns to its time. With cfg.trades, every ticker message is followed by a
 * market_trades message at the same time carrying the match behind it (its price, its size, and
 * the maker's side, as Coinbase reports it: SELL when the taker bought). The ticker stream and its
 * random draws are the same with and without trades; only sequence_num counts both. With
 * cfg.level2, l2_data messages come between them (a snapshot of VOLT_SYNTH_L2_SNAPSHOT_LEVELS a
 * side first; a level-2 message needs cap >= 64 KiB): the book never crosses the last ticker's
 * quote (but for the fault). */
size_t volt_synth_next(volt_synth_t *s, char *buf, size_t cap, int64_t *event_ns);

/* Current 1-second sigma of product i (for tests: spikes must show up here). */
double volt_synth_sigma(const volt_synth_t *s, int i);

#endif

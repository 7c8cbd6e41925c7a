/* engine/features/features.h — incremental rolling features per product, in event time: the seed's set (v0)
 * and the predictive set (v1: realized volatility on a 1-second mid-price grid, HAR horizons,
 * EWMA, volatility of volatility, returns, trade flow, spread, range, time of day, trailing tau).
 *
 * Every window is defined on the 1-second grid of event time (s = floor(t / 1 s)); the exact
 * definitions, warm-up and gap rules are in docs/features.md, which this code must match. State is
 * fixed-size per product and preallocated: an update is O(1) amortized and never allocates.
 * Owned by one thread (the hot agent). */
#ifndef VOLT_ENGINE_FEATURES_H
#define VOLT_ENGINE_FEATURES_H

#include <stdint.h>

#include "engine/feed/product.h"
#include "engine/feed/tick.h"

typedef enum {
    VOLT_F_RET_1MIN = 0,      /* price_return_1min */
    VOLT_F_RET_5MIN,          /* price_return_5min */
    VOLT_F_VOL_5MIN,          /* price_volatility_5min */
    VOLT_F_SPREAD,            /* bid_ask_spread */
    VOLT_F_SPREAD_BPS,        /* bid_ask_spread_bps */
    VOLT_F_VOL24_PCT,         /* volume_24h_pct_change */
    VOLT_F_TRADE_INTENSITY,   /* trade_intensity */
    VOLT_F_VOL_ZSCORE,        /* volatility_zscore_15min */
    /* v1: realized volatility, sqrt(sum r^2) of 1-s mid log-returns over W seconds */
    VOLT_F_RV_10S,
    VOLT_F_RV_30S,
    VOLT_F_RV_60S,
    VOLT_F_RV_300S,
    VOLT_F_RV_900S,
    VOLT_F_EWMA_RV_60S,       /* sqrt(60 * EWMA of r^2, half-life 60 s) */
    VOLT_F_VOL_OF_VOL_300S,   /* std of the per-second closes of rv_60s over 300 s */
    VOLT_F_LOGRET_10S,
    VOLT_F_LOGRET_60S,
    VOLT_F_ABS_LOGRET_10S,
    VOLT_F_ABS_LOGRET_60S,
    VOLT_F_TRADE_COUNT_60S,   /* trades (ticks carrying a size) in 60 s; missing without trade data */
    VOLT_F_TRADE_VOLUME_60S,
    VOLT_F_TAKER_IMBALANCE_60S,
    VOLT_F_SPREAD_CHANGE_10S, /* spread bps now - at the close 10 s earlier */
    VOLT_F_MID_LAST_DEV_BPS,  /* (last price - mid) / mid in bps */
    VOLT_F_SECS_SINCE_TICK,   /* seconds since the product's previous tick */
    VOLT_F_RANGE_60S_BPS,     /* (max - min) of the mid grid over 60 s, in bps of the mid */
    VOLT_F_RANGE_300S_BPS,
    VOLT_F_SECS_SINCE_GAP,    /* seconds since the segment began, capped at 3600 */
    VOLT_F_TOD_SIN,           /* time of day (UTC) on the unit circle */
    VOLT_F_TOD_COS,
    VOLT_F_TAU_TRAILING,      /* 90th percentile of rv_60s closes over the past 1800 s */
    /* book and trade flow (engine/features/flow.c): the book columns need a valid level-2 book */
    VOLT_F_OFI_1S,            /* order-flow imbalance (Cont-Kukanov-Stoikov) over 1 s */
    VOLT_F_OFI_10S,
    VOLT_F_OFI_60S,
    VOLT_F_DEPTH_IMB_5,       /* (bid - ask) / (bid + ask) size of the best 5 levels a side */
    VOLT_F_DEPTH_IMB_10BPS,   /* the same over the levels within 10 bps of the mid */
    VOLT_F_MICROPRICE_DEV_BPS,/* microprice - mid, bps of the mid */
    VOLT_F_BOOK_SLOPE_10,     /* size of the top 10 levels a side per bps of price they span */
    VOLT_F_DEPTH_CHANGE_10S,  /* top-10 depth now / its close 10 s earlier - 1 */
    VOLT_F_SIGNED_VOLUME_60S, /* taker buy - sell size over 60 s */
    VOLT_F_VWAP_DIST_60S_BPS, /* (mid - VWAP of 60 s) / VWAP, bps */
    VOLT_F_LARGE_TRADE_SHARE_60S, /* share of classed size in large trades over 60 s */
    VOLT_NF
} volt_feature_id_t;

typedef struct volt_feature_info {
    const char *name;
    const char *unit;
    uint32_t window_s; /* 0: instantaneous */
    const char *doc;
} volt_feature_info_t;

/* The feature table: name, unit, window and one line of meaning, in column order. */
extern const volt_feature_info_t volt_feature_table[VOLT_NF];

#define VOLT_NF_V0 (VOLT_F_VOL_ZSCORE + 1)
#define VOLT_F_FLOW_FIRST VOLT_F_OFI_1S /* the first book and trade-flow column */

/* Seconds of per-second history kept (>= the longest window, 900 s, + 1). */
#define VOLT_FEAT_HIST 1024
#define VOLT_FEAT_ZHIST 1024
#define VOLT_FEAT_MAX_GAP_S 120
/* The longest window a feature looks back over (rows within it of a sequence gap are flagged). */
#define VOLT_FEAT_LONGEST_WINDOW_S 900

typedef struct volt_feat_cfg {
    int64_t gap_ns;          /* silence longer than this restarts the product's windows */
    uint32_t z_window_s;     /* trailing seconds of volatility samples for the z-score (<= 1000) */
    uint32_t z_min_samples;  /* samples needed before the z-score is defined */
} volt_feat_cfg_t;

void volt_feat_cfg_default(volt_feat_cfg_t *c);

/* Outcome of offering a tick to the feature engine. */
typedef enum {
    VOLT_FEAT_OK = 0,
    VOLT_FEAT_OUT_OF_ORDER, /* event time earlier than the product's last tick: dropped */
} volt_feat_status_t;

enum {
    VOLT_ROW_SEGMENT_START = 1u << 0, /* first tick after start or after a gap: windows restarted */
    VOLT_ROW_AFTER_GAP = 1u << 1,     /* that restart was caused by a gap (silence > threshold) */
    VOLT_ROW_BOOK_INVALID = 1u << 6,  /* the product's level-2 book is in use but not valid: the
                                       * book columns are missing */
};

typedef struct volt_feat_out {
    double f[VOLT_NF];
    double mid;           /* the product's mid price as of this tick (NaN before its first quote) */
    double segment_age_s; /* seconds since the product's windows last (re)started */
    uint32_t flags;       /* VOLT_ROW_* */
} volt_feat_out_t;

typedef struct volt_features volt_features_t;
typedef struct volt_books volt_books_t;
typedef struct volt_book_msg volt_book_msg_t;

/* Set-up: allocates state for VOLT_MAX_PRODUCTS products. NULL on failure (VOLT_ERR set). */
volt_features_t *volt_features_new(const volt_feat_cfg_t *cfg);
void volt_features_free(volt_features_t *f);

/* Hot path: folds one tick into its product's windows and writes the feature vector as of this
 * tick (inclusive) to *out. Returns VOLT_FEAT_OUT_OF_ORDER (and changes nothing) for a tick older
 * than the product's last one. */
volt_feat_status_t volt_features_update(volt_features_t *f, const volt_tick_t *t,
                                        volt_feat_out_t *out);

/* The level-2 books the book columns read (set-up; NULL, the default: those columns stay missing). */
void volt_features_attach_books(volt_features_t *f, const volt_books_t *books);

/* Hot path, after the attached books applied event e of a level-2 message (volt_books_event, which
 * returned ofi): folds the event into its product's book windows. */
void volt_features_book(volt_features_t *f, const volt_book_msg_t *m, uint32_t e, double ofi);

/* Counters (read by the owning thread or after it stopped). */
typedef struct volt_feat_stats {
    uint64_t updates;
    uint64_t out_of_order;
    uint64_t gaps;        /* restarts caused by silence longer than the gap threshold */
    uint64_t refreshes;   /* periodic full re-sums of the running window sums */
} volt_feat_stats_t;

void volt_features_stats(const volt_features_t *f, volt_feat_stats_t *s);

#endif

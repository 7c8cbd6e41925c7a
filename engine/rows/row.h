/* engine/rows/row.h — the row: what the hot agent hands the sink for every tick (the tick, its
 * features, the model's score and alert decision), a notice to log, interval stats, or the end;
 * and the text formats rows are written in (engine/rows/rowfmt.h). */
#ifndef VOLT_ENGINE_ROWS_ROW_H
#define VOLT_ENGINE_ROWS_ROW_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/base/hist.h"
#include "engine/features/features.h"
#include "engine/feed/tick.h"

enum { VOLT_ROW_TICK = 1, VOLT_ROW_NOTICE = 2, VOLT_ROW_END = 3, VOLT_ROW_STATS = 4 };

enum {
    VOLT_ROW_SEQ_GAP = 1u << 4,     /* the message's sequence number skipped ahead (missed messages) */
    VOLT_ROW_SPANS_GAP = 1u << 5,   /* a sequence gap lies inside this row's longest window (300 s) */
};

/* One record of the row ring: a scored tick, a notice for the sink to log, or the end. */
typedef struct volt_row {
    uint8_t type;       /* VOLT_ROW_* */
    uint8_t prediction; /* prob >= threshold */
    uint8_t alert;      /* this row raised an alert */
    union {
        uint8_t reason; /* NOTICE: volt_reject_t, or VOLT_NOTICE_* below */
        uint8_t half;   /* STATS: the half of volt_interval_t the hot agent handed over */
    };
    uint32_t file;
    uint64_t line;
    int64_t lat_ns;    /* receive -> score ready */
    int64_t signal_ns; /* engine clock when the score was ready */
    double score;
    double prob;
    const struct volt_model *model; /* the model that scored it (alive until the run ends) */
    volt_tick_t tick;
    volt_feat_out_t feat;
    /* labels (volt replay --label; set by the sink's labeler) */
    uint8_t label_on;    /* the label columns are written */
    int8_t label;        /* volatility_spike: 1, 0, or -1 when the row cannot be labelled */
    double label_rv;     /* realized volatility over (t, t + 60 s] (NaN: future incomplete) */
    double label_tau;    /* the threshold the label used (NaN: none known at t) */
} volt_row_t;

/* NOTICE row reasons that are not rejections. */
#define VOLT_NOTICE_FEED_ERROR 255
#define VOLT_NOTICE_SEQ_GAP 254
#define VOLT_NOTICE_DUPLICATE 253   /* a whole message whose sequence number was seen already */
#define VOLT_NOTICE_SEQ_RESTART 252 /* the connection's counter went back: it restarted */
#define VOLT_NOTICE_BOOK_CROSSED 251 /* a level-2 message crossed a valid book (row.tick.product) */

/* Interval statistics handed from the hot agent to the sink (--stats-interval): the hot agent fills
 * one histogram while the sink prints and clears the other, named by a STATS row's half. busy: 1
 * while the sink owns that half (release by the sink after clearing, acquire by the hot agent). */
typedef struct volt_interval {
    volt_hist_t h[2];
    _Atomic int busy[2];
    int64_t start_ns[2], end_ns[2];
} volt_interval_t;

typedef enum { VOLT_FMT_CSV = 0, VOLT_FMT_NDJSON = 1 } volt_fmt_t;

#endif

/* engine/features/flow.h — book and trade flow (internal to engine/features/): per product, the
 * level-2 book's order-flow and depth on the book's own 1-second clock, and every trade's signed
 * size, notional and size class on the tick clock (docs/features.md, "Book and trade flow").
 *
 * Each window is the sum of its completed seconds plus the open second's bucket at read time. The
 * book's are re-summed from the per-second buckets when the clock moves (oldest first: no drift,
 * and the same additions in the same order as the oracle's); the trades' are integers (sizes and
 * notionals in units of 1e-8), slid exactly by adding the second that closed and removing the ones
 * that left. The book part reads the
 * book itself for what is instantaneous (imbalances, microprice, slope). Owned by the hot agent,
 * with the rest of the feature state; nothing here allocates. */
#ifndef VOLT_ENGINE_FEATURES_FLOW_H
#define VOLT_ENGINE_FEATURES_FLOW_H

#include <stdint.h>

#include "engine/book/books.h"
#include "engine/features/features.h"

#define FB_HIST 64  /* book seconds kept: >= the longest book window (60 s) + 1, a power of two */
#define FT_HIST 1024 /* trade seconds kept: > twice the large-trade reference (300 s), for its slide */
#define FLOW_DEPTH_LEVELS 10 /* levels a side in the depth and slope */
#define FLOW_IMB_LEVELS 5    /* levels a side in depth_imb_5 */
#define FLOW_NEAR_BPS 10     /* depth_imb_10bps's band around the mid */
#define FLOW_LARGE_REF_S 300 /* the large-trade reference: mean size over this many seconds */
#define FLOW_LARGE_MIN_N 30  /* trades the reference needs before a trade is classed */
#define FLOW_LARGE_X 4       /* a trade is large at this many times the reference mean size */
#define FLOW_TRADE_W 60

/* The book side of one product: order-flow per second and the depth close of each second. */
typedef struct flow_book {
    int64_t s;      /* the book clock: latest second seen (book events and ticks); INT64_MIN: none */
    int64_t sync_s; /* the second of the snapshot the windows (re)started from */
    uint32_t syncs; /* the books' snapshot count for this product when last seen */
    uint8_t live;   /* windows running: a snapshot with a time has been seen */
    uint8_t seen;   /* the product has had level-2 events (its rows carry the book flag) */
    double ofi[FB_HIST]; /* order-flow contributions of each second */
    double d10[FB_HIST]; /* depth of the top levels at the close of each second (carried forward) */
    double w10, w60;     /* order flow over the completed seconds of 10 s and 60 s */
} flow_book_t;

/* One second of trades (or a window's sum of them), in integers: sizes in units of 1e-8 (the
 * feeds' finest size increment), each trade's notional price x size rounded to 1e-8 of the quote
 * currency. */
typedef struct ft_sec {
    int64_t notl;      /* notional of every trade */
    int64_t buy, sell; /* taker buy and sell size */
    int64_t vol;       /* size of every trade */
    int64_t cvol, lvol; /* size of the trades classed, and of those classed large */
    int64_t n;         /* trades */
} ft_sec_t;

typedef struct flow_trade {
    int64_t start_s, s; /* the segment's first second and the latest (the features' segments) */
    int seen;           /* the segment has seen a trade */
    ft_sec_t b[FT_HIST];
    ft_sec_t ref;       /* the seconds s-300 .. s-1: the large-trade reference (vol and n) */
    ft_sec_t w;         /* the completed seconds of the 60-s window, s-59 .. s-1 */
} flow_trade_t;

typedef struct flow {
    flow_book_t bk;
    flow_trade_t tr;
} flow_t;

/* Empty state (no book, no segment). */
void volt_flow_init(flow_t *fl);

/* After the books applied an event of product p's book (ofi: its order-flow contribution) from a
 * message of event time t_ns (0: none). */
void volt_flow_book(flow_t *fl, const volt_books_t *bs, uint16_t p, int64_t t_ns, double ofi);

/* A tick of product p in second s, accepted by the features (flags: theirs, VOLT_ROW_SEGMENT_START
 * starts the trade windows afresh; mid: the product's mid as of the tick, NaN when none). Writes
 * the book and trade-flow columns of o and returns VOLT_ROW_BOOK_INVALID when the product's book
 * is in use but not valid. bs may be NULL (no books: the book columns are missing). */
uint32_t volt_flow_tick(flow_t *fl, const volt_books_t *bs, const volt_tick_t *t, int64_t s,
                        uint32_t flags, double mid, double *o);

#endif

/* engine/book/book.h — a level-2 order book: one product's bids and asks by price level.
 *
 * Prices are fixed-point integers (VOLT_BOOK_PX_SCALE units per currency unit: 1e-8, the finest
 * increment Coinbase quotes), so levels compare exactly; sizes are doubles, as the feed's decimals
 * parse. Each side is one array sorted so that its best level is last (bids ascending by price,
 * asks descending): reading the best is O(1), and an update k levels from the top moves k
 * entries, where nearly all of a feed's updates land. A level is found by binary search. The
 * depth (levels kept per side) is fixed when the book is made and no memory is allocated after
 * that: a new level worse than every kept one on a full side is dropped and counted (`beyond`),
 * and a full side drops its worst level to make room for a better one. A snapshot replaces the
 * book (volt_book_clear, then every level). The book does not judge itself: the caller marks it
 * invalid on a sequence gap and checks volt_book_crossed after each message. */
#ifndef VOLT_ENGINE_BOOK_BOOK_H
#define VOLT_ENGINE_BOOK_BOOK_H

#include <stdint.h>

#define VOLT_BOOK_PX_SCALE INT64_C(100000000)
#define VOLT_BOOK_DEPTH_DEFAULT 4096

enum { VOLT_BID = 0, VOLT_ASK = 1 };

typedef struct volt_level {
    int64_t px;  /* price, VOLT_BOOK_PX_SCALE units */
    double qty;  /* size at that price (> 0) */
} volt_level_t;

typedef struct volt_book_side {
    volt_level_t *lv; /* n levels, the best last */
    uint32_t n;
} volt_book_side_t;

typedef struct volt_book {
    volt_book_side_t side[2];
    uint32_t depth;      /* levels kept per side */
    uint8_t valid;       /* a snapshot was applied and nothing since made the book wrong */
    uint64_t changes;    /* level changes applied */
    uint64_t beyond;     /* levels dropped or never kept because the side was full */
} volt_book_t;

/* Allocates room for depth levels per side (>= 1). 0, or -ENOMEM. */
int volt_book_init(volt_book_t *b, uint32_t depth);
void volt_book_free(volt_book_t *b);

/* Empties both sides (a snapshot follows); valid is the caller's to set. */
void volt_book_clear(volt_book_t *b);

/* Sets the size at a price: qty > 0 adds or replaces the level, qty == 0 removes it (removing a
 * level the book does not hold is no error). qty must not be negative or NaN (the parser's job). */
void volt_book_set(volt_book_t *b, int side, int64_t px, double qty);

/* Levels on a side. */
static inline uint32_t volt_book_levels(const volt_book_t *b, int side) { return b->side[side].n; }

/* The k-th best level of a side (k = 0: the best); NULL when the side has fewer. */
static inline const volt_level_t *volt_book_level(const volt_book_t *b, int side, uint32_t k)
{
    const volt_book_side_t *s = &b->side[side];
    return k < s->n ? &s->lv[s->n - 1 - k] : 0;
}

/* Best bid at or above best ask (both sides non-empty). */
static inline int volt_book_crossed(const volt_book_t *b)
{
    const volt_level_t *bid = volt_book_level(b, VOLT_BID, 0), *ask = volt_book_level(b, VOLT_ASK, 0);
    return bid && ask && bid->px >= ask->px;
}

#endif

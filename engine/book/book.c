/* engine/book/book.c — the level-2 book (book.h). */
#include "engine/book/book.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int volt_book_init(volt_book_t *b, uint32_t depth)
{
    memset(b, 0, sizeof *b);
    if (depth < 1)
        return -EINVAL;
    b->depth = depth;
    for (int s = 0; s < 2; s++)
        if (!(b->side[s].lv = malloc((size_t)depth * sizeof(volt_level_t)))) {
            volt_book_free(b);
            return -ENOMEM;
        }
    return 0;
}

void volt_book_free(volt_book_t *b)
{
    free(b->side[0].lv);
    free(b->side[1].lv);
    b->side[0].lv = b->side[1].lv = NULL;
    b->side[0].n = b->side[1].n = 0;
}

void volt_book_clear(volt_book_t *b)
{
    b->side[0].n = b->side[1].n = 0;
}

/* The side's sort key: larger toward the best (bids by price, asks by negated price). */
static inline int64_t key(int side, int64_t px) { return side == VOLT_BID ? px : -px; }

/* The first index whose key is >= k (n when none): where a level of key k is, or would go. */
static uint32_t lower_bound(const volt_book_side_t *s, int side, int64_t k)
{
    uint32_t lo = 0, hi = s->n;
    /* updates cluster at the top: look at the best few first */
    if (hi && key(side, s->lv[hi - 1].px) < k)
        return hi;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (key(side, s->lv[mid].px) < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void volt_book_set(volt_book_t *b, int side, int64_t px, double qty)
{
    volt_book_side_t *s = &b->side[side];
    const int64_t k = key(side, px);
    uint32_t i = lower_bound(s, side, k);
    b->changes++;
    if (i < s->n && s->lv[i].px == px) { /* the level exists */
        if (qty > 0.0) {
            s->lv[i].qty = qty;
        } else {
            memmove(&s->lv[i], &s->lv[i + 1], (size_t)(s->n - i - 1) * sizeof *s->lv);
            s->n--;
        }
        return;
    }
    if (!(qty > 0.0))
        return; /* removing a level the book does not hold */
    if (s->n == b->depth) { /* full: the worst level (index 0) goes, unless this one is worse */
        b->beyond++;
        if (i == 0)
            return;
        memmove(&s->lv[0], &s->lv[1], (size_t)(i - 1) * sizeof *s->lv);
        s->lv[i - 1] = (volt_level_t){px, qty};
        return;
    }
    memmove(&s->lv[i + 1], &s->lv[i], (size_t)(s->n - i) * sizeof *s->lv);
    s->lv[i] = (volt_level_t){px, qty};
    s->n++;
}

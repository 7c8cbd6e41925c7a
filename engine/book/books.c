/* engine/book/books.c — the books of every product (books.h). */
#include "engine/book/books.h"

#include <errno.h>
#include <string.h>

_Static_assert((int)VOLT_BID == (int)VOLT_BOOK_SIDE_BID && (int)VOLT_ASK == (int)VOLT_BOOK_SIDE_ASK,
               "the parser's sides are the book's");
_Static_assert(VOLT_BOOK_PX_SCALE == VOLT_PX_SCALE, "the parser's fixed point is the book's");

int volt_books_init(volt_books_t *bs, uint32_t depth)
{
    memset(bs, 0, sizeof *bs);
    bs->depth = depth;
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        if (volt_book_init(&bs->book[i], depth)) {
            volt_books_free(bs);
            return -ENOMEM;
        }
    return 0;
}

void volt_books_free(volt_books_t *bs)
{
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        volt_book_free(&bs->book[i]);
}

void volt_books_gap(volt_books_t *bs)
{
    bs->stats.gaps++;
    for (int i = 0; i < VOLT_MAX_PRODUCTS; i++)
        bs->book[i].valid = 0;
}

/* The best level of each side, or a zero level for an empty side. */
typedef struct {
    volt_level_t bid, ask;
    int ok; /* both sides non-empty and the book valid */
} top_t;

static top_t top_of(const volt_book_t *b)
{
    const volt_level_t *bid = volt_book_level(b, VOLT_BID, 0), *ask = volt_book_level(b, VOLT_ASK, 0);
    top_t t = {.ok = b->valid && bid && ask};
    if (t.ok) {
        t.bid = *bid;
        t.ask = *ask;
    }
    return t;
}

static double ofi_of(const top_t *a, const top_t *b)
{
    if (!a->ok || !b->ok)
        return 0.0;
    double e = 0.0;
    if (b->bid.px >= a->bid.px)
        e += b->bid.qty;
    if (b->bid.px <= a->bid.px)
        e -= a->bid.qty;
    if (b->ask.px <= a->ask.px)
        e -= b->ask.qty;
    if (b->ask.px >= a->ask.px)
        e += a->ask.qty;
    return e;
}

double volt_books_event(volt_books_t *bs, const volt_book_msg_t *m, uint32_t e)
{
    const volt_book_event_t *ev = &m->ev[e];
    volt_book_t *b = &bs->book[ev->product];
    bs->stats.events++;
    const top_t before = top_of(b);
    if (ev->snapshot) {
        volt_book_clear(b);
        b->valid = 1;
        bs->syncs[ev->product]++;
        bs->stats.snapshots++;
    } else if (!b->valid) {
        bs->stats.unsynced++;
    }
    for (uint32_t i = ev->first; i < ev->first + ev->n; i++)
        volt_book_set(b, m->changes[i].side, m->changes[i].px, m->changes[i].qty);
    bs->stats.changes += ev->n;
    if (volt_book_crossed(b)) {
        bs->stats.crossed++;
        bs->stats.crossings += b->valid;
        b->valid = 0;
    }
    if (ev->snapshot)
        return 0.0;
    const top_t after = top_of(b);
    return ofi_of(&before, &after);
}

void volt_books_apply(volt_books_t *bs, const volt_book_msg_t *m)
{
    bs->stats.messages++;
    for (uint32_t e = 0; e < m->n_events; e++)
        volt_books_event(bs, m, e);
}

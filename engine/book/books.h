/* engine/book/books.h — every product's level-2 book and the rules that keep them right.
 *
 * A book becomes valid with a snapshot and stays valid while its updates arrive in sequence and
 * leave it uncrossed. A sequence gap on the connection (volt_books_gap) makes every book invalid;
 * a crossed book (best bid >= best ask) makes its own invalid; an update to a book that has had no
 * snapshot yet is applied but leaves it invalid. An invalid book is kept up to date as well as
 * the updates allow, counted and flagged, and nothing downstream should trust it until its next
 * snapshot (which a live source gets by resubscribing). All memory is allocated by
 * volt_books_init. */
#ifndef VOLT_ENGINE_BOOK_BOOKS_H
#define VOLT_ENGINE_BOOK_BOOKS_H

#include <stdint.h>

#include "engine/book/book.h"
#include "engine/feed/parse.h"
#include "engine/feed/product.h"

typedef struct volt_books_stats {
    uint64_t messages, events, snapshots, changes;
    uint64_t gaps;        /* sequence gaps that invalidated the books */
    uint64_t crossed;     /* events after which a book was crossed */
    uint64_t crossings;   /* of those, the ones that turned a valid book invalid */
    uint64_t unsynced;    /* update events applied to a book without a valid snapshot */
} volt_books_stats_t;

typedef struct volt_books {
    volt_book_t book[VOLT_MAX_PRODUCTS];
    uint32_t syncs[VOLT_MAX_PRODUCTS]; /* snapshots applied to each product's book */
    uint32_t depth;
    volt_books_stats_t stats;
} volt_books_t;

/* Room for depth levels per side for every product. 0, or -ENOMEM (nothing kept). */
int volt_books_init(volt_books_t *bs, uint32_t depth);
void volt_books_free(volt_books_t *bs);

/* A sequence gap on the connection: every book is invalid until its next snapshot. */
void volt_books_gap(volt_books_t *bs);

/* Applies event e of a level-2 message (its changes together) and returns the event's order-flow
 * contribution (Cont, Kukanov & Stoikov 2014), from the best bid (Pb, qb) and ask (Pa, qa) before
 * it and (Pb', qb'), (Pa', qa') after it:
 *     e = [Pb' >= Pb] qb' - [Pb' <= Pb] qb - [Pa' <= Pa] qa' + [Pa' >= Pa] qa
 * (base currency; positive: buying pressure). 0 for a snapshot and for an event whose book was
 * not valid with both sides before or after it (docs/features.md). */
double volt_books_event(volt_books_t *bs, const volt_book_msg_t *m, uint32_t e);

/* Applies one level-2 message's events in order. */
void volt_books_apply(volt_books_t *bs, const volt_book_msg_t *m);

#endif

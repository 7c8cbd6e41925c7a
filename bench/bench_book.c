/* bench/bench_book.c — the level-2 book: ns per level change, against glibc's red-black tree
 * (tsearch/tdelete, a tree peer) on the same stream in the same binary.
 *
 * The stream: 1 Mi changes on one side pair, built once from a fixed seed the way the real
 * sample's updates fall (coinbase-advanced-l2-sample-2026-08: most changes within a few dozen
 * levels of the top, a third of them removals, a book of a few thousand levels): the distance from
 * the top is geometric (mean 12 levels) with 1 in 16 drawn uniformly from the first 2 000, sizes
 * from 0.0001 to 10. Both books start from the same 2 000-level snapshot per side. The volt book
 * runs at depth 4 096 (the default), so nothing is dropped and both hold the same levels. */
#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine/book/book.h"

enum { N_CHANGES = 1 << 20, SNAP = 2000 };

typedef struct {
    int64_t px;
    double qty;
    uint8_t side;
} change_t;

static change_t *g_stream;
static int64_t g_mid = 6500000; /* price units: 0.01 (a BTC-USD tick) */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const change_t *stream(void)
{
    if (g_stream)
        return g_stream;
    g_stream = malloc(N_CHANGES * sizeof *g_stream);
    if (!g_stream)
        return NULL;
    uint64_t s = 88172645463325252ull;
    for (int i = 0; i < N_CHANGES; i++) {
        if (rnd(&s) % 64 == 0) /* the mid drifts a tick now and then */
            g_mid += rnd(&s) & 1 ? 1 : -1;
        int64_t d = 0;
        if (rnd(&s) % 16 == 0)
            d = (int64_t)(rnd(&s) % SNAP);
        else
            while (d < 400 && rnd(&s) % 12)
                d++;
        const uint8_t side = (uint8_t)(rnd(&s) & 1);
        g_stream[i].side = side;
        g_stream[i].px = side == VOLT_BID ? g_mid - 1 - d : g_mid + 1 + d;
        g_stream[i].qty = rnd(&s) % 3 == 0 ? 0.0 : (double)(1 + rnd(&s) % 100000) / 10000.0;
    }
    return g_stream;
}

static void bm_book_volt(volt_bench_state_t *st)
{
    const change_t *c = stream();
    volt_book_t b;
    if (!c || volt_book_init(&b, VOLT_BOOK_DEPTH_DEFAULT)) {
        volt_bench_skip(st, "out of memory");
        return;
    }
    for (int64_t k = 0; k < SNAP; k++) {
        volt_book_set(&b, VOLT_BID, 6500000 - 1 - k, 1.0);
        volt_book_set(&b, VOLT_ASK, 6500000 + 1 + k, 1.0);
    }
    uint64_t i = 0, n = 0;
    while (volt_bench_next(st, 256)) {
        for (int k = 0; k < 256; k++, i = (i + 1) & (N_CHANGES - 1))
            volt_book_set(&b, c[i].side, c[i].px, c[i].qty);
        volt_bench_keep(volt_book_level(&b, VOLT_BID, 0));
        n += 256;
    }
    volt_bench_set_items(st, (int64_t)n);
    volt_bench_counter(st, "levels", (double)(volt_book_levels(&b, 0) + volt_book_levels(&b, 1)), 0);
    volt_book_free(&b);
}

/* The peer: one tsearch tree per side of malloc'd (price, size) nodes. */
typedef struct {
    int64_t px;
    double qty;
} node_t;

static int cmp(const void *a, const void *b)
{
    const int64_t x = ((const node_t *)a)->px, y = ((const node_t *)b)->px;
    return (x > y) - (x < y);
}

static void tree_set(void **root, int64_t px, double qty)
{
    node_t key = {px, qty};
    if (qty > 0) {
        node_t **found = tfind(&key, root, cmp);
        if (found) {
            (*found)->qty = qty;
            return;
        }
        node_t *nd = malloc(sizeof *nd);
        *nd = key;
        tsearch(nd, root, cmp);
        return;
    }
    node_t **found = tfind(&key, root, cmp);
    if (found) {
        node_t *nd = *found;
        tdelete(&key, root, cmp);
        free(nd);
    }
}

static void bm_book_tree(volt_bench_state_t *st)
{
    const change_t *c = stream();
    if (!c) {
        volt_bench_skip(st, "out of memory");
        return;
    }
    void *root[2] = {NULL, NULL};
    for (int64_t k = 0; k < SNAP; k++) {
        tree_set(&root[VOLT_BID], 6500000 - 1 - k, 1.0);
        tree_set(&root[VOLT_ASK], 6500000 + 1 + k, 1.0);
    }
    uint64_t i = 0, n = 0;
    while (volt_bench_next(st, 256)) {
        for (int k = 0; k < 256; k++, i = (i + 1) & (N_CHANGES - 1))
            tree_set(&root[c[i].side], c[i].px, c[i].qty);
        volt_bench_keep(root[0]);
        n += 256;
    }
    volt_bench_set_items(st, (int64_t)n);
    for (int s = 0; s < 2; s++)
        tdestroy(root[s], free);
}

void volt_bench_register_book(void)
{
    volt_bench_register("book/level_change", bm_book_volt, NULL, 0, 0);
    volt_bench_register("book/peer_tsearch_rbtree", bm_book_tree, NULL, 0, 0);
}

/* engine/feed/product.h — interned product ids ("BTC-USD" -> small index).
 *
 * Fixed capacity, no allocation. One thread (the hot agent) interns; other threads may read the
 * name of an index they received through a ring, because an entry is written once, before any
 * tick that carries its index is published (the ring's release/acquire orders it). Another thread
 * may also look names up among the entries published so far (volt_products_find_published: the
 * source's parse assist), which never writes the table. */
#ifndef VOLT_ENGINE_PRODUCT_H
#define VOLT_ENGINE_PRODUCT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VOLT_MAX_PRODUCTS 128
#define VOLT_PRODUCT_NAME_MAX 23

typedef struct volt_products {
    uint32_t n;
    _Atomic uint32_t published; /* entries [0, published) are complete (release by the interner) */
    uint32_t last; /* index of the last lookup: consecutive ticks are usually one product */
    uint8_t len[VOLT_MAX_PRODUCTS];
    char name[VOLT_MAX_PRODUCTS][VOLT_PRODUCT_NAME_MAX + 1];
} volt_products_t;

void volt_products_init(volt_products_t *p);

/* Returns the index of the product named by s[0..n), adding it when new; -1 when the table is
 * full, the name is empty, longer than VOLT_PRODUCT_NAME_MAX or holds bytes outside [A-Za-z0-9-_]. */
int volt_products_intern(volt_products_t *p, const char *s, size_t n);

/* Index of an existing product, or -1. The interning thread's own lookup. */
int volt_products_find(const volt_products_t *p, const char *s, size_t n);

/* Index of a product among those published so far, or -1: for a thread other than the interner.
 * Reads only complete entries and writes nothing. */
int volt_products_find_published(volt_products_t *p, const char *s, size_t n);

/* 32-bit FNV-1a of s[0..n): the same on every host and version. */
static inline uint32_t volt_fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* A product name's shard hash (`--shard i/n` keeps the products whose hash % n == i). */
static inline uint32_t volt_product_hash(const char *name) { return volt_fnv1a(name, strlen(name)); }

static inline const char *volt_products_name(const volt_products_t *p, uint32_t i)
{
    return i < VOLT_MAX_PRODUCTS ? p->name[i] : "?";
}

#endif

#include "engine/feed/product.h"

#include <stdatomic.h>
#include <string.h>

#include "engine/feed/swar.h"

void volt_products_init(volt_products_t *p)
{
    memset(p, 0, sizeof *p);
    atomic_init(&p->published, 0);
}

/* Index of s among the first k entries, or -1. */
static int scan(const volt_products_t *p, uint32_t k, const char *s, size_t n)
{
    for (uint32_t i = 0; i < k; i++)
        if (p->len[i] == n && volt_eq_small(p->name[i], s, n))
            return (int)i;
    return -1;
}

int volt_products_find(const volt_products_t *p, const char *s, size_t n)
{
    if (p->last < p->n && p->len[p->last] == n && volt_eq_small(p->name[p->last], s, n))
        return (int)p->last;
    return scan(p, p->n, s, n);
}

int volt_products_find_published(volt_products_t *p, const char *s, size_t n)
{
    /* acquire pairs with the interner's release store below: entries before it are complete */
    return scan(p, atomic_load_explicit(&p->published, memory_order_acquire), s, n);
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > VOLT_PRODUCT_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

int volt_products_intern(volt_products_t *p, const char *s, size_t n)
{
    int i = volt_products_find(p, s, n);
    if (i >= 0) {
        p->last = (uint32_t)i;
        return i;
    }
    if (!valid_name(s, n) || p->n >= VOLT_MAX_PRODUCTS)
        return -1;
    i = (int)p->n;
    memcpy(p->name[i], s, n);
    p->name[i][n] = '\0';
    p->len[i] = (uint8_t)n;
    p->n++;
    atomic_store_explicit(&p->published, p->n, memory_order_release);
    p->last = (uint32_t)i;
    return i;
}

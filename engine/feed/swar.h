/* engine/feed/swar.h — bytes a word at a time: eight ASCII digits in one 64-bit word (decimals,
 * timestamps), short strings compared in two or three word loads (product names). */
#ifndef VOLT_ENGINE_SWAR_H
#define VOLT_ENGINE_SWAR_H

#include <stdint.h>
#include <string.h>

/* 8 ASCII digits at p, as a number (SWAR: three multiply-add rounds instead of eight). */
static inline uint32_t volt_parse8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    v -= UINT64_C(0x3030303030303030);
    v = (v * 10) + (v >> 8);
    v = (((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
         (((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >>
        32;
    return (uint32_t)v;
}

static inline int volt_all_digits8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (((v + UINT64_C(0x4646464646464646)) | (v - UINT64_C(0x3030303030303030))) &
            UINT64_C(0x8080808080808080)) == 0;
}

static inline uint64_t volt_load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t volt_load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* a[0..n) == b[0..n), reading neither past n. Up to 24 bytes the first and last words of each
 * side overlap (and the middle word past 16 bytes): a few loads and compares instead of the
 * memcmp call that a length known only at run time compiles to. Longer strings take memcmp. */
static inline int volt_eq_small(const char *a, const char *b, size_t n)
{
    if (n > 24)
        return memcmp(a, b, n) == 0;
    if (n >= 8) {
        const int mid = n > 16 ? volt_load8(a + 8) == volt_load8(b + 8) : 1;
        return volt_load8(a) == volt_load8(b) && volt_load8(a + n - 8) == volt_load8(b + n - 8) &&
               mid;
    }
    if (n >= 4)
        return volt_load4(a) == volt_load4(b) && volt_load4(a + n - 4) == volt_load4(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

#endif

/* engine/swar.h — eight ASCII digits at a time in one 64-bit word (decimals, timestamps). */
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

#endif

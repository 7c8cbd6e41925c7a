/* simd/clear.h — zeroing a small struct with plain 16-byte stores (SSE2, x86-64's baseline).
 *
 * A memset of a few hundred bytes compiles to `rep stos`, whose start-up cost was 6 % of a
 * ticker's parse (the JSON shim clears a 240- and a 384-byte struct per item and level). n must be
 * a compile-time multiple of 16 for the loop to unroll; without SSE2 this is memset. Usable from
 * C and C++. */
#ifndef VOLT_SIMD_CLEAR_H
#define VOLT_SIMD_CLEAR_H

#include <stddef.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline __attribute__((always_inline)) void volt_clear16(void *p, size_t n)
{
#if defined(__SSE2__)
    char *b = (char *)p;
    const __m128i z = _mm_setzero_si128();
#pragma GCC unroll 32
    for (size_t i = 0; i < n; i += 16)
        _mm_storeu_si128((__m128i *)(b + i), z);
#else
    memset(p, 0, n);
#endif
}

#endif

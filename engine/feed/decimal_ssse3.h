/* engine/feed/decimal_ssse3.h — the decimal parser's fast paths as inline code (internal to engine/:
 * decimal.c and the parser's per-ticker decimals in parse.c). Same contract and bits as
 * decimal.h's functions; the names end in _ because nothing outside engine/ may call them. */
#ifndef VOLT_ENGINE_DECIMAL_SSSE3_H
#define VOLT_ENGINE_DECIMAL_SSSE3_H

#include <stddef.h>
#include <stdint.h>

#include "engine/feed/decimal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* 10^0 .. 10^22, every one an exact double. */
extern const double volt_decimal_pow10_[23];

/* m / 10^nfrac, signed: correctly rounded for m <= 2^53 and nfrac <= 22 (both exact doubles, one
 * IEEE division). Shared by the scalar and the vector fast paths, so they give the same bits. */
static inline double volt_decimal_exact_quotient_(uint64_t m, unsigned nfrac, int neg)
{
    double v = (double)m;
    if (nfrac)
        v /= volt_decimal_pow10_[nfrac];
    return neg ? -v : v;
}

#if defined(__x86_64__)
/* Sliding windows for the digits' shuffle control: a 16-byte load at shift + nd holds
 * j - (16 - nd) in lane j, one at step + i holds 1 in the lanes j >= 16 - i, else 0. */
extern const int8_t volt_decimal_shift_[32];
extern const int8_t volt_decimal_step_[32];

/* digits[.digits] of 1..16 characters at s (16 bytes readable) to the integer of its digits and
 * its count of fraction digits; -1 for any other character, a second '.', or no digit. */
__attribute__((target("ssse3"))) static inline int
volt_decimal_digits16_(const char *s, unsigned n, uint64_t *m, unsigned *nfrac)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)s);
    const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const unsigned live = (1u << n) - 1u; /* the string's own lanes */
    const unsigned other = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                               _mm_min_epu8(d, _mm_set1_epi8(9)), d)) & live; /* not '0'..'9' */
    /* at most one other character, a '.' (read back as a byte), and at least one digit */
    if ((other & (other - 1u)) || n - (other != 0) == 0)
        return -1;
    const unsigned at = other ? (unsigned)__builtin_ctz(other) : n, nd = n - (other != 0);
    if (other && s[at] != '.')
        return -1;
    /* Right-align the digits, skipping the dot, in one shuffle: output lane j takes digit
     * k = j - (16 - nd) from input lane k + (k >= at); lanes with k < 0 hold a negative byte,
     * which the shuffle turns into 0. Both terms are loads from the windows above (k >= at is
     * j >= 16 - (nd - at)): no broadcast, no compare. */
    const __m128i src =
        _mm_add_epi8(_mm_loadu_si128((const __m128i *)(volt_decimal_shift_ + nd)),
                     _mm_loadu_si128((const __m128i *)(volt_decimal_step_ + (nd - at))));
    const __m128i dd = _mm_shuffle_epi8(d, src);
    /* pairs, then groups of four, then of eight digits: the first eight in the low 32 bits */
    const __m128i p2 = _mm_maddubs_epi16(dd, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1,
                                                           10, 1, 10, 1));
    const __m128i p4 = _mm_madd_epi16(p2, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    const __m128i p8 = _mm_madd_epi16(_mm_packs_epi32(p4, p4),
                                      _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    const uint64_t both = (uint64_t)_mm_cvtsi128_si64(p8);
    *m = (both & 0xffffffffu) * 100000000u + (both >> 32);
    *nfrac = nd - at;
    return 0;
}

/* volt_decimal_parse_padded's SSSE3 path, visible to a caller compiled for SSSE3 (the parser's
 * decimals, parse.c), which then calls it directly instead of through a function pointer. Left
 * to GCC's choice: with the windowed shuffle control it inlines the nine copies (GCC 12, -O2);
 * the longer body before it stayed out of line, where forcing it inline had measured slower
 * (parse/paired ratio 1.30-1.32 against 1.26-1.28). */
__attribute__((target("ssse3"))) static inline volt_dec_status_t
volt_decimal_parse_padded_ssse3_(const char *s, size_t n, double *out)
{
    if (n == 0)
        return VOLT_DEC_EMPTY;
    const int sign = s[0] == '-' || s[0] == '+';
    const size_t len = n - (size_t)sign;
    uint64_t m;
    unsigned nfrac;
    /* at most 16 digits: within the 19 of the fast path; 2^53 still to be checked */
    if (len >= 1 && len <= 16 && volt_decimal_digits16_(s + sign, (unsigned)len, &m, &nfrac) == 0 &&
        m <= (UINT64_C(1) << 53)) {
        *out = volt_decimal_exact_quotient_(m, nfrac, s[0] == '-');
        return VOLT_DEC_OK;
    }
    return volt_decimal_parse(s, n, out);
}
#endif

#endif

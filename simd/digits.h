/* simd/digits.h — a decimal number's digits to an integer, sixteen characters per instruction
 * (SSSE3), for the feed's decimal parser (engine/feed/decimal.c and its inline fast path).
 *
 * volt_digits16_*(s, n, &m, &nfrac): s[0..n) (1 <= n <= 16; 16 bytes readable at s) must be
 * digits with at most one '.', and at least one digit; then m is the integer of its digits
 * (the dot skipped) and nfrac the count of digits after the dot, and the result is 0. Anything
 * else (another character, a second dot, no digit) gives -1 and leaves m and nfrac alone. The
 * SSSE3 kernel is inline (target attribute) so that a caller compiled for SSSE3 inlines it;
 * the scalar reference is tested against it bit for bit (tests/simd/test_digits.c). */
#ifndef VOLT_SIMD_DIGITS_H
#define VOLT_SIMD_DIGITS_H

#include <stdint.h>

int volt_digits16_scalar(const char *s, unsigned n, uint64_t *m, unsigned *nfrac);

#if defined(__x86_64__)
#include <immintrin.h>

/* Sliding windows for the digits' shuffle control: a 16-byte load at shift + nd holds
 * j - (16 - nd) in lane j, one at step + i holds 1 in the lanes j >= 16 - i, else 0. */
extern const int8_t volt_digits_shift_[32];
extern const int8_t volt_digits_step_[32];

__attribute__((target("ssse3"))) static inline int
volt_digits16_ssse3(const char *s, unsigned n, uint64_t *m, unsigned *nfrac)
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
        _mm_add_epi8(_mm_loadu_si128((const __m128i *)(volt_digits_shift_ + nd)),
                     _mm_loadu_si128((const __m128i *)(volt_digits_step_ + (nd - at))));
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
#endif

#endif

/* simd/isodate.c — the ISO time prefix kernels (isodate.h). */
#include "simd/isodate.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

volt_iso_prefix_fn volt_iso_prefix_impl_ = volt_iso_prefix_scalar;

static int two(const char *s, unsigned *v)
{
    const unsigned a = (unsigned char)s[0] - '0', b = (unsigned char)s[1] - '0';
    *v = a * 10 + b;
    return a > 9 || b > 9;
}

int volt_iso_prefix_scalar(const char *s, unsigned f[6])
{
    unsigned c, y;
    if (two(s, &c) || two(s + 2, &y) || s[4] != '-' || two(s + 5, &f[1]) || s[7] != '-' ||
        two(s + 8, &f[2]) || (s[10] != 'T' && s[10] != ' ') || two(s + 11, &f[3]) || s[13] != ':' ||
        two(s + 14, &f[4]) || s[16] != ':' || two(s + 17, &f[5]))
        return -1;
    f[0] = c * 100 + y;
    return 0;
}

#if defined(__x86_64__)
__attribute__((target("ssse3"))) int volt_iso_prefix_ssse3(const char *s, unsigned f[6])
{
    const __m128i v = _mm_loadu_si128((const __m128i *)s);
    const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const unsigned dig = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
    const unsigned sep = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(v, _mm_setr_epi8(0, 0, 0, 0, '-', 0, 0, '-', 0, 0, 'T', 0, 0, ':', 0, 0)));
    enum { DIGITS = 0xDB6F, SEPS = 0x2490, T_BIT = 1 << 10 };
    const unsigned s16 = (unsigned char)s[16], s17 = (unsigned char)s[17] - '0',
                   s18 = (unsigned char)s[18] - '0';
    if ((dig & DIGITS) != DIGITS || ((sep | (s[10] == ' ' ? T_BIT : 0)) & SEPS) != SEPS ||
        s16 != ':' || s17 > 9 || s18 > 9)
        return -1;
    const __m128i pairs = _mm_maddubs_epi16(
        _mm_shuffle_epi8(d, _mm_setr_epi8(0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, -1, -1, -1, -1)),
        _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 0, 0, 0, 0));
    f[0] = (unsigned)_mm_extract_epi16(pairs, 0) * 100 + (unsigned)_mm_extract_epi16(pairs, 1);
    f[1] = (unsigned)_mm_extract_epi16(pairs, 2);
    f[2] = (unsigned)_mm_extract_epi16(pairs, 3);
    f[3] = (unsigned)_mm_extract_epi16(pairs, 4);
    f[4] = (unsigned)_mm_extract_epi16(pairs, 5);
    f[5] = s17 * 10 + s18;
    return 0;
}
#else
int volt_iso_prefix_ssse3(const char *s, unsigned f[6]) { return volt_iso_prefix_scalar(s, f); }
#endif

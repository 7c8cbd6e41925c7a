#include "decimal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simd/cpu.h"
#include "swar.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static const double k_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static volt_dec_status_t parse_general(const char *s, size_t n, double *out)
{
    if (n == 0)
        return VOLT_DEC_EMPTY;
    if (n > VOLT_DEC_MAX_LEN)
        return VOLT_DEC_TOO_LONG;
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    uint64_t m = 0;
    int sig = 0;       /* significant digits accumulated into m */
    int dropped = 0;   /* integer digits beyond 19 significant ones (scale by 10 each) */
    int frac = 0;      /* fraction digits accumulated into m */
    int truncated = 0; /* a nonzero digit was not accumulated */
    int digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (sig < 19) {
            m = m * 10 + (uint64_t)(s[i] - '0');
            if (m)
                sig++;
        } else {
            dropped++;
            truncated |= s[i] != '0';
        }
    }
    if (i < n && s[i] == '.') {
        i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            if (sig < 19) {
                m = m * 10 + (uint64_t)(s[i] - '0');
                frac++;
                if (m)
                    sig++;
            } else {
                truncated |= s[i] != '0';
            }
        }
    }
    if (digits == 0)
        return VOLT_DEC_SYNTAX;
    long e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < n && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i == n)
            return VOLT_DEC_SYNTAX;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        e = eneg ? -e : e;
    }
    if (i != n)
        return VOLT_DEC_SYNTAX;
    const long k = e + dropped - frac;
    double v;
    if (!truncated && m <= (UINT64_C(1) << 53) && k >= -22 && k <= 22) {
        v = (double)m;
        v = k >= 0 ? v * k_pow10[k] : v / k_pow10[-k];
    } else {
        char buf[VOLT_DEC_MAX_LEN + 1];
        memcpy(buf, s, n);
        buf[n] = '\0';
        v = strtod(buf, NULL);
        if (neg)
            v = -v; /* strtod already applied the sign; undo the one below */
    }
    if (isinf(v))
        return VOLT_DEC_RANGE;
    *out = neg ? -v : v;
    return VOLT_DEC_OK;
}

/* m / 10^nfrac, signed: correctly rounded for m <= 2^53 and nfrac <= 22 (both exact doubles, one
 * IEEE division). Shared by the scalar and the vector fast paths, so they give the same bits. */
static inline double exact_quotient(uint64_t m, unsigned nfrac, int neg)
{
    double v = (double)m;
    if (nfrac)
        v /= k_pow10[nfrac];
    return neg ? -v : v;
}

/* Accumulates a run of digits into *m; returns how many were read. */
static inline size_t digits_run(const char *s, size_t n, size_t i, uint64_t *m)
{
    const size_t start = i;
    uint64_t x = *m;
    while (n - i >= 8 && volt_all_digits8(s + i)) {
        x = x * 100000000u + volt_parse8(s + i);
        i += 8;
        if (i - start > 19)
            break; /* too long for the fast path; the caller bails out */
    }
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        x = x * 10 + (uint64_t)(s[i] - '0');
        i++;
        if (i - start > 19)
            break;
    }
    *m = x;
    return i - start;
}

volt_dec_status_t volt_decimal_parse(const char *s, size_t n, double *out)
{
    /* Fast path: [-+]?digits[.digits] with at most 19 digits in all, mantissa <= 2^53 (exact)
     * and at most 22 decimals: one correctly rounded division. Everything else: parse_general. */
    if (n == 0 || n > VOLT_DEC_MAX_LEN)
        return parse_general(s, n, out);
    size_t i = 0;
    const int neg = s[0] == '-';
    if (s[0] == '-' || s[0] == '+')
        i = 1;
    uint64_t m = 0;
    const size_t nint = digits_run(s, n, i, &m);
    i += nint;
    size_t nfrac = 0;
    if (i < n && s[i] == '.') {
        i++;
        nfrac = digits_run(s, n, i, &m);
        i += nfrac;
    }
    if (i != n || nint + nfrac == 0 || nint + nfrac > 19 || nfrac > 22 ||
        m > (UINT64_C(1) << 53))
        return parse_general(s, n, out);
    *out = exact_quotient(m, (unsigned)nfrac, neg);
    return VOLT_DEC_OK;
}

#if defined(__x86_64__)
/* digits[.digits] of 1..16 characters at s (16 bytes readable) to the integer of its digits and
 * its count of fraction digits; -1 for any other character, a second '.', or no digit. */
__attribute__((target("ssse3"))) static inline int digits16(const char *s, unsigned n, uint64_t *m,
                                                     unsigned *nfrac)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)s);
    const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const unsigned live = (1u << n) - 1u; /* the string's own lanes */
    const unsigned dig = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)); /* '0'..'9' */
    const unsigned dot = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))) & live;
    if (((dig | dot) & live) != live || (dot & (dot - 1u)) || n - (dot != 0) == 0)
        return -1;
    const unsigned at = dot ? (unsigned)__builtin_ctz(dot) : n, nd = n - (dot != 0);
    /* Right-align the digits, skipping the dot, in one shuffle: output lane j takes digit
     * k = j - (16 - nd) from input lane k + (k >= at); lanes with k < 0 have the top bit set
     * (a negative byte), which the shuffle turns into 0. */
    const __m128i k = _mm_sub_epi8(iota, _mm_set1_epi8((char)(16 - nd)));
    const __m128i src = _mm_sub_epi8(k, _mm_cmpgt_epi8(k, _mm_set1_epi8((char)((int)at - 1))));
    const __m128i dd = _mm_shuffle_epi8(d, src);
    /* pairs, then groups of four, then of eight digits */
    const __m128i p2 = _mm_maddubs_epi16(dd, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1,
                                                           10, 1, 10, 1));
    const __m128i p4 = _mm_madd_epi16(p2, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    const __m128i p8 = _mm_madd_epi16(_mm_packs_epi32(p4, p4),
                                      _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    const uint64_t hi = (uint32_t)_mm_cvtsi128_si32(p8);
    const uint64_t lo = (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(p8, 4));
    *m = hi * 100000000u + lo;
    *nfrac = dot ? n - at - 1 : 0;
    return 0;
}

/* The whole padded fast path in one SSSE3 function, digits16 inlined: no call on the way. */
__attribute__((target("ssse3"))) static volt_dec_status_t parse_padded_ssse3(const char *s, size_t n,
                                                                            double *out)
{
    if (n == 0)
        return VOLT_DEC_EMPTY;
    const int sign = s[0] == '-' || s[0] == '+';
    const size_t len = n - (size_t)sign;
    uint64_t m;
    unsigned nfrac;
    /* at most 16 digits: within the 19 of the fast path; 2^53 still to be checked */
    if (len >= 1 && len <= 16 && digits16(s + sign, (unsigned)len, &m, &nfrac) == 0 &&
        m <= (UINT64_C(1) << 53)) {
        *out = exact_quotient(m, nfrac, s[0] == '-');
        return VOLT_DEC_OK;
    }
    return volt_decimal_parse(s, n, out);
}
#endif

volt_decimal_fn volt_decimal_padded_fn(void)
{
#if defined(__x86_64__)
    if (volt_simd_isa() == VOLT_ISA_AVX2)
        return parse_padded_ssse3;
#endif
    return volt_decimal_parse;
}

volt_dec_status_t volt_decimal_parse_padded(const char *s, size_t n, double *out)
{
    return volt_decimal_padded_fn()(s, n, out);
}

/* engine/feed/decimal_ssse3.h — the decimal parser's fast path as inline code for callers compiled
 * for SSSE3 (decimal.c and the parser's per-ticker decimals in parse.c): the digits kernel
 * (simd/digits.h) and an exact quotient. Same contract and bits as decimal.h's functions; the
 * names end in _ because nothing outside engine/ may call them. */
#ifndef VOLT_ENGINE_DECIMAL_SSSE3_H
#define VOLT_ENGINE_DECIMAL_SSSE3_H

#include <stddef.h>
#include <stdint.h>

#include "engine/feed/decimal.h"
#include "simd/digits.h"

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
    if (len >= 1 && len <= 16 && volt_digits16_ssse3(s + sign, (unsigned)len, &m, &nfrac) == 0 &&
        m <= (UINT64_C(1) << 53)) {
        *out = volt_decimal_exact_quotient_(m, nfrac, s[0] == '-');
        return VOLT_DEC_OK;
    }
    return volt_decimal_parse(s, n, out);
}
#endif

#endif

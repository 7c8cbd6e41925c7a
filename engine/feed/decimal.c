#include "engine/feed/decimal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/decimal_ssse3.h"
#include "simd/cpu.h"
#include "engine/feed/swar.h"

const double volt_decimal_pow10_[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
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
        v = k >= 0 ? v * volt_decimal_pow10_[k] : v / volt_decimal_pow10_[-k];
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
    *out = volt_decimal_exact_quotient_(m, (unsigned)nfrac, neg);
    return VOLT_DEC_OK;
}

#if defined(__x86_64__)
__attribute__((target("ssse3"))) static volt_dec_status_t
parse_padded_ssse3(const char *s, size_t n, double *out)
{
    return volt_decimal_parse_padded_ssse3_(s, n, out);
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

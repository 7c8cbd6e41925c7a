#include "decimal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double k_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

volt_dec_status_t volt_decimal_parse(const char *s, size_t n, double *out)
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

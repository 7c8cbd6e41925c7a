/* simd/digits.c — the digits kernel's tables and its scalar reference (digits.h). */
#include "simd/digits.h"

const int8_t volt_digits_shift_[32] = {-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6,
                                       -5,  -4,  -3,  -2,  -1,  0,   1,   2,  3,  4,  5,
                                       6,   7,   8,   9,   10,  11,  12,  13, 14, 15};
const int8_t volt_digits_step_[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

int volt_digits16_scalar(const char *s, unsigned n, uint64_t *m, unsigned *nfrac)
{
    uint64_t x = 0;
    unsigned nd = 0, at = n;
    for (unsigned i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9') {
            x = x * 10 + (c - '0');
            nd++;
        } else if (c == '.' && at == n) {
            at = i;
        } else {
            return -1;
        }
    }
    if (nd == 0)
        return -1;
    *m = x;
    *nfrac = at == n ? 0 : n - 1 - at;
    return 0;
}

/* engine/decimal: correctly rounded, strict about syntax. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/decimal.h"

static double dec(const char *s, volt_dec_status_t *st)
{
    double v = -1;
    *st = volt_decimal_parse(s, strlen(s), &v);
    return v;
}

Test(decimal, parses_coinbase_prices_to_the_nearest_double)
{
    const char *cases[] = {"85196.66", "0.0047203", "13283.17363336", "83800", "-7.12164020892345",
                           "0.00000001", "126296", "0.1", "1E-8", "2.5e3", "+4.25",
                           "123456789012345678901234567890", "0.000000000000000000000000000123",
                           "9007199254740993", "1.7976931348623157e308"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        volt_dec_status_t st;
        const double v = dec(cases[i], &st);
        cr_expect_eq(st, VOLT_DEC_OK, "%s", cases[i]);
        cr_expect_eq(v, strtod(cases[i], NULL), "%s parsed to %.17g", cases[i], v);
    }
}

Test(decimal, round_trips_through_17_digits)
{
    unsigned s = 1;
    for (int i = 0; i < 100000; i++) {
        s = s * 1664525u + 1013904223u;
        char txt[64];
        snprintf(txt, sizeof txt, "%u.%02u", s % 200000u, (s >> 20) % 100u);
        volt_dec_status_t st;
        const double v = dec(txt, &st);
        char back[64];
        snprintf(back, sizeof back, "%.17g", v);
        cr_assert_eq(strtod(back, NULL), v, "%s", txt);
        cr_assert_eq(v, strtod(txt, NULL), "%s", txt);
    }
}

Test(decimal, rejects_what_is_not_a_finite_decimal)
{
    const char *bad[] = {"NaN", "nan", "inf", "-Infinity", "", "-", ".", "1.2.3", "1e", "1e+",
                         "0x10", " 1", "1 ", "1,5", "e5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        volt_dec_status_t st;
        dec(bad[i], &st);
        cr_expect_neq(st, VOLT_DEC_OK, "'%s' must be rejected", bad[i]);
    }
    volt_dec_status_t st;
    dec("1e999", &st);
    cr_expect_eq(st, VOLT_DEC_RANGE);
    char longs[100];
    memset(longs, '1', 99);
    longs[99] = 0;
    dec(longs, &st);
    cr_expect_eq(st, VOLT_DEC_TOO_LONG);
}

/* engine/decimal: correctly rounded, strict about syntax. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/feed/decimal.h"
#include "simd/cpu.h"

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

/* The padded variant (vector fast path when AVX2 was chosen) gives the same status and the same
 * bits as the plain parser, on strings placed at the end of their slice with garbage after them
 * (as in a JSON input: a quote, more keys), over every length and shape the fast path takes and
 * the ones it must hand over. */
static void same_as_plain(const char *txt, size_t n, const char *after)
{
    char buf[128];
    memset(buf, 0, sizeof buf);
    memcpy(buf, txt, n);
    memcpy(buf + n, after, strlen(after)); /* what follows the slice in the input */
    double a = -1, b = -1;
    const volt_dec_status_t sa = volt_decimal_parse(buf, n, &a);
    const volt_dec_status_t sb = volt_decimal_parse_padded(buf, n, &b);
    cr_assert_eq(sb, sa, "'%.*s': status %d padded vs %d plain", (int)n, txt, sb, sa);
    if (sa == VOLT_DEC_OK)
        cr_assert(memcmp(&a, &b, sizeof a) == 0, "'%.*s': %a padded vs %a plain", (int)n, txt, b, a);
}

Test(decimal, padded_variant_agrees_with_the_plain_parser)
{
    cr_assert_eq(volt_simd_init(), volt_simd_isa());
    const char *cases[] = {"0", "5.", ".5", ".", "-", "+", "-0", "-0.0", "+4.25", "85196.66",
                           "0.0047203", "13283.17363336", "0.10290969140446", "1234567890123456",
                           "9007199254740992", "9007199254740993", "12345678.12345678",
                           "-1234567890.123456", "1.2.3", "1e5", "12a4", " 12", "12 ", "--1",
                           "-.", "0.0000000000000001", "99999999999999999", "1.0000000000000000"};
    const char *afters[] = {"", "\"", "\",\"best_bid\":\"1.5\"", "0123456789.0123456789"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (size_t j = 0; j < sizeof afters / sizeof *afters; j++)
            same_as_plain(cases[i], strlen(cases[i]), afters[j]);
    /* random digit/dot/sign strings of every length up to 20 */
    const char alphabet[] = "0123456789012345678901234567890123456789.-+e";
    uint64_t s = 99;
    for (int i = 0; i < 400000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        char txt[24];
        const size_t n = 1 + (size_t)(s % 20);
        for (size_t k = 0; k < n; k++)
            txt[k] = alphabet[(s >> (3 * k % 40 + 8)) % (sizeof alphabet - 1) ^ (k & 1)];
        /* mostly one dot and no second sign, like a market number */
        if (s & 1)
            for (size_t k = 1; k < n; k++)
                if (txt[k] == '-' || txt[k] == '+' || txt[k] == 'e' || (txt[k] == '.' && (s & 2)))
                    txt[k] = (char)('0' + k % 10);
        same_as_plain(txt, n, i % 2 ? "\"}" : "9.9");
    }
}

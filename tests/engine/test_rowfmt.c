/* engine/rowfmt: shortest round-trip numbers, NaN as empty/null, header matches the table. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rows/rowfmt.h"

Test(rowfmt, doubles_read_back_exactly_and_short_values_stay_short)
{
    char b[40];
    volt_fmt_double(85196.66, b);
    cr_expect_str_eq(b, "85196.66");
    volt_fmt_double(-0.0047203, b);
    cr_expect_str_eq(b, "-0.0047203");
    volt_fmt_double(379.0, b);
    cr_expect_str_eq(b, "379");
    volt_fmt_double(1e20, b);
    cr_expect_eq(strtod(b, NULL), 1e20);
    volt_fmt_double(0.1 + 0.2, b);
    cr_expect_eq(strtod(b, NULL), 0.1 + 0.2);
    volt_fmt_double(4.923433389210334e-05, b);
    cr_expect_eq(strtod(b, NULL), 4.923433389210334e-05, "%s", b);
    volt_fmt_double(1e-300, b);
    cr_expect_eq(strtod(b, NULL), 1e-300);
    cr_expect_eq(volt_fmt_double(NAN, b), 0);
    unsigned x = 3;
    for (int i = 0; i < 200000; i++) {
        x = x * 1664525u + 1013904223u;
        const double v = ((double)x / 7919.0 * 1e-7) * (i % 2 ? 1 : -1) * pow(10.0, i % 31 - 15);
        volt_fmt_double(v, b);
        cr_assert_eq(strtod(b, NULL), v, "%.17g printed as %s", v, b);
        const double c = round(v * 100.0) / 100.0; /* cent prices */
        volt_fmt_double(c, b);
        cr_assert_eq(strtod(b, NULL), c, "%.17g printed as %s", c, b);
    }
}

Test(rowfmt, csv_header_names_every_feature)
{
    char h[2048];
    volt_rowfmt_csv_header(h, sizeof h, 0);
    for (int i = 0; i < VOLT_NF; i++)
        cr_expect_not_null(strstr(h, volt_feature_table[i].name), "%s", volt_feature_table[i].name);
    cr_expect_not_null(strstr(h, ",p_spike,"));
}

Test(rowfmt, csv_and_ndjson_write_missing_values_as_missing)
{
    volt_products_t p;
    volt_products_init(&p);
    volt_products_intern(&p, "BTC-USD", 7);
    volt_row_t r;
    memset(&r, 0, sizeof r);
    r.type = VOLT_ROW_TICK;
    r.tick.exch_ns = INT64_C(1775428514009945409);
    r.tick.flags = VOLT_TICK_EXCH_TIME;
    r.tick.price = 67468.26;
    r.tick.size = NAN;
    r.tick.best_bid = r.tick.best_ask = NAN;
    for (int i = 0; i < VOLT_NF; i++)
        r.feat.f[i] = NAN;
    r.score = r.prob = NAN;
    char b[2048];
    volt_rowfmt_csv(&r, &p, b, sizeof b);
    const char *want = "2026-04-05T22:35:14.009945409Z,1775428514009945409,0,BTC-USD,ticker,,67468.26,,";
    cr_expect_eq(strncmp(b, want, strlen(want)), 0, "%s", b);
    volt_rowfmt_ndjson(&r, &p, b, sizeof b);
    cr_expect_not_null(strstr(b, "\"price_return_1min\":null"), "%s", b);
    cr_expect_not_null(strstr(b, "\"price\":67468.26"));
}

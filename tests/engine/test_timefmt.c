/* engine/timefmt: ISO 8601 and epoch timestamps to ns and back. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/feed/timefmt.h"
#include "simd/cpu.h"

static int64_t iso(const char *s)
{
    int64_t ns = -1;
    cr_assert_eq(volt_time_parse_iso(s, strlen(s), &ns), 0, "%s", s);
    return ns;
}

Test(timefmt, parses_every_zone_form_of_one_instant)
{
    const int64_t want = INT64_C(1775428514009945409); /* 2026-04-05T22:35:14.009945409Z */
    cr_expect_eq(iso("2026-04-05T22:35:14.009945409Z"), want);
    cr_expect_eq(iso("2026-04-05T22:35:14.009945409+00:00"), want);
    cr_expect_eq(iso("2026-04-06T00:35:14.009945409+02:00"), want);
    cr_expect_eq(iso("2026-04-05 22:35:14.009945409"), want);
    cr_expect_eq(iso("2026-04-05T22:35:14.0099454091234Z"), want, "digits past ns are truncated");
    cr_expect_eq(iso("2026-04-05T22:35:14.00994540Z"), want - 9, "eight fraction digits");
    cr_expect_eq(iso("2026-04-05T22:35:14.0099454Z"), want - 9, "seven");
    cr_expect_eq(iso("1970-01-01T00:00:00Z"), 0);
    cr_expect_eq(iso("2025-12-01T16:44:46.329398"), INT64_C(1764607486329398000));
}

Test(timefmt, rejects_impossible_dates)
{
    const char *bad[] = {"2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2025-01-01T24:00:00Z",
                         "2025-01-01", "yesterday", "2025-01-01T00:00:00.Z",
                         "2025-01-01T00:00:00Zjunk", "2025-01-01T00:00:00+0100",
                         "9999-01-01T00:00:00Z", "1969-12-31T23:59:59Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t ns;
        cr_expect_neq(volt_time_parse_iso(bad[i], strlen(bad[i]), &ns), 0, "%s", bad[i]);
    }
}

Test(timefmt, epoch_seconds_are_exact_to_the_nanosecond)
{
    int64_t ns;
    cr_assert_eq(volt_time_parse_epoch("1762932013.5493498", 18, &ns), 0);
    cr_expect_eq(ns, INT64_C(1762932013549349800));
    cr_expect_neq(volt_time_parse_epoch("abc", 3, &ns), 0);
}

Test(timefmt, formats_back_to_the_same_instant)
{
    char out[31];
    volt_time_format_iso(INT64_C(1775428514009945409), out);
    cr_expect_str_eq(out, "2026-04-05T22:35:14.009945409Z");
    int64_t ns;
    cr_assert_eq(volt_time_parse_iso(out, strlen(out), &ns), 0);
    cr_expect_eq(ns, INT64_C(1775428514009945409));
}

/* The vector prefix (used when AVX2 was chosen) and the scalar one accept the same strings and
 * give the same instants: every single-character change of valid timestamps, both ways. */
static int parse_with(volt_isa_t isa, const char *s, size_t n, int64_t *ns)
{
    volt_simd_force(isa);
    return volt_time_parse_iso(s, n, ns);
}

/* Single-character changes of a timestamp: mutation j of base (j < strlen(base) * N_SUBST) into
 * s; returns the position it changed. */
static const char k_subst[] = "0123456789-T :.Z+aZ/\x7f\x80";
enum { N_SUBST = sizeof k_subst - 1 };

static size_t mutation(const char *base, size_t j, char s[40])
{
    memcpy(s, base, strlen(base) + 1);
    s[j / N_SUBST] = k_subst[j % N_SUBST];
    return j / N_SUBST;
}

Test(timefmt, vector_and_scalar_prefixes_agree)
{
    if (volt_simd_force(VOLT_ISA_AVX2) != VOLT_ISA_AVX2)
        cr_skip_test("this CPU has no AVX2: only the scalar prefix runs");
    const char *base[] = {"2026-04-05T22:35:14.009945409Z", "2025-12-01 16:44:46.329398",
                          "2024-02-29T23:59:60Z", "1970-01-01T00:00:00+01:00"};
    int compared = 0, accepted = 0;
    for (size_t b = 0; b < sizeof base / sizeof *base; b++) {
        const size_t n = strlen(base[b]);
        for (size_t j = 0; j < n * N_SUBST; j++) {
            char s[40];
            mutation(base[b], j, s);
            int64_t a = -1, v = -1;
            const int ra = parse_with(VOLT_ISA_SCALAR, s, n, &a);
            const int rv = parse_with(VOLT_ISA_AVX2, s, n, &v);
            cr_assert_eq(rv, ra, "'%s': vector %d, scalar %d", s, rv, ra);
            if (ra == 0) {
                cr_assert_eq(v, a, "'%s'", s);
                accepted++;
            }
            compared++;
        }
    }
    cr_expect_gt(accepted, 100, "the mutations include valid timestamps (%d of %d)", accepted, compared);
    cr_expect_lt(accepted, compared / 2, "and invalid ones");
}

/* The minute cache gives what the full parse gives, hit or miss: every single-character change of
 * valid timestamps, each parsed through a cache primed with its unchanged original (so changes
 * after the 16th character hit the cache) and through the plain parser. */
Test(timefmt, minute_cache_agrees_with_the_full_parse)
{
    const char *base[] = {"2026-04-05T22:35:14.009945409Z", "2025-12-01 16:44:46.329398",
                          "2024-02-29T23:59:60Z", "1970-01-01T00:00:00+01:00",
                          "2025-12-01T16:44:59.999999999-05:30"};
    int hits = 0, accepted = 0;
    for (size_t b = 0; b < sizeof base / sizeof *base; b++) {
        const size_t n = strlen(base[b]);
        for (size_t j = 0; j < n * N_SUBST; j++) {
            char s[40];
            const size_t i = mutation(base[b], j, s);
            volt_iso_cache_t c = {0};
            int64_t primed = -1, a = -1, v = -1;
            cr_assert_eq(volt_time_parse_iso_cached(&c, base[b], n, &primed), 0, "%s", base[b]);
            cr_assert_eq(primed, iso(base[b]));
            const int ra = volt_time_parse_iso(s, n, &a);
            const int rv = volt_time_parse_iso_cached(&c, s, n, &v);
            cr_assert_eq(rv, ra, "'%s': cached %d, full %d", s, rv, ra);
            if (ra == 0) {
                cr_assert_eq(v, a, "'%s'", s);
                accepted++;
            }
            hits += i >= 16;
            /* the cache still answers for the original after whatever came through */
            cr_assert_eq(volt_time_parse_iso_cached(&c, base[b], n, &v), 0);
            cr_assert_eq(v, primed, "'%s' then '%s'", s, base[b]);
        }
    }
    cr_expect_gt(hits, 100);
    cr_expect_gt(accepted, 100);
}

Test(timefmt, minute_cache_follows_the_clock_across_minutes_and_days)
{
    volt_iso_cache_t c = {0};
    const char *seq[] = {"2025-12-31T23:58:59.5Z", "2025-12-31T23:59:00Z", "2025-12-31T23:59:59.999Z",
                         "2026-01-01T00:00:00.000000001Z", "2026-01-01T00:00:01Z",
                         "2025-12-31T23:59:30Z" /* back in time: a miss, then cached again */,
                         "2025-12-31T23:59:31Z"};
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
        int64_t v = -1;
        cr_assert_eq(volt_time_parse_iso_cached(&c, seq[i], strlen(seq[i]), &v), 0, "%s", seq[i]);
        cr_expect_eq(v, iso(seq[i]), "%s", seq[i]);
    }
}

/* The year bound holds for every length of number: up to 2200-01-01 00:00:00 is accepted, one
 * second later is bad_time, and no epoch overflows the nanosecond count (issue 35: 9 223 372 037
 * overflowed a signed multiply and 8 000 000 000 was accepted). */
Test(timefmt, epoch_seconds_after_2200_are_rejected_without_overflow)
{
    int64_t ns = 0;
    cr_expect_eq(volt_time_parse_epoch("7258118400", 10, &ns), 0);
    cr_expect_eq(ns, INT64_C(7258118400) * 1000000000);
    cr_expect_neq(volt_time_parse_epoch("7258118401", 10, &ns), 0);
    cr_expect_neq(volt_time_parse_epoch("8000000000", 10, &ns), 0);
    cr_expect_neq(volt_time_parse_epoch("9223372037", 10, &ns), 0);
    cr_expect_neq(volt_time_parse_epoch("9223372037.5", 12, &ns), 0);
    cr_expect_neq(volt_time_parse_epoch("99999999999999999999", 20, &ns), 0);
}

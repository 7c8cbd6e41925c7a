/* simd/digits and simd/isodate: the SSSE3 kernels equal their scalar references bit for bit, on
 * inputs built to hit every branch (digits, one dot, two dots, other characters, every length and
 * dot position; valid times, each separator and digit position broken). */
#include <criterion/criterion.h>
#include <string.h>

#include "simd/cpu.h"
#include "simd/digits.h"
#include "simd/isodate.h"

static unsigned rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static int have_ssse3(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3");
#else
    return 0;
#endif
}

Test(simd_digits, ssse3_matches_scalar)
{
    if (!have_ssse3())
        cr_skip_test("this CPU has no SSSE3: only the scalar reference runs");
#if defined(__x86_64__)
    static const char alphabet[] = "0123456789012345678901234567890123456789..-+eE x\x80";
    unsigned seed = 11, agree = 0, ok = 0;
    for (int iter = 0; iter < 200000; iter++) {
        char s[32];
        memset(s, 'Z', sizeof s); /* bytes past the string: never digits */
        const unsigned n = 1 + rnd(&seed) % 16;
        for (unsigned i = 0; i < n; i++)
            s[i] = alphabet[rnd(&seed) % (sizeof alphabet - 1)];
        uint64_t ms = 7, mv = 7;
        unsigned fs = 99, fv = 99;
        const int rs = volt_digits16_scalar(s, n, &ms, &fs), rv = volt_digits16_ssse3(s, n, &mv, &fv);
        cr_assert_eq(rs, rv, "'%.*s': scalar %d, ssse3 %d", (int)n, s, rs, rv);
        if (rs == 0) {
            cr_assert_eq(ms, mv, "'%.*s': m %llu vs %llu", (int)n, s, (unsigned long long)ms,
                         (unsigned long long)mv);
            cr_assert_eq(fs, fv, "'%.*s': nfrac %u vs %u", (int)n, s, fs, fv);
            ok++;
        }
        agree++;
    }
    cr_assert_gt(ok, 1000, "the inputs must include many valid numbers (%u)", ok);
    cr_assert_eq(agree, 200000);
    uint64_t m;
    unsigned f;
    cr_assert_eq(volt_digits16_ssse3("1234567890.12345", 16, &m, &f), 0);
    cr_assert_eq(m, 123456789012345ull);
    cr_assert_eq(f, 5);
#endif
}

Test(simd_isodate, ssse3_matches_scalar)
{
    if (!have_ssse3())
        cr_skip_test("this CPU has no SSSE3: only the scalar reference runs");
    const char *good = "2025-11-30T23:59:58";
    unsigned seed = 5, valid = 0;
    for (int iter = 0; iter < 100000; iter++) {
        char s[32];
        memset(s, 0, sizeof s);
        memcpy(s, good, 19);
        if (iter % 7 == 1)
            s[10] = ' ';
        const int k = iter % 5 ? (int)(rnd(&seed) % 20) : -1; /* most break one position */
        if (k >= 0 && k < 19)
            s[k] = (char)(rnd(&seed) % 256);
        unsigned a[6] = {0}, b[6] = {0};
        const int ra = volt_iso_prefix_scalar(s, a), rb = volt_iso_prefix_ssse3(s, b);
        cr_assert_eq(ra, rb, "'%.19s': scalar %d, ssse3 %d", s, ra, rb);
        if (ra == 0) {
            valid++;
            cr_assert_eq(memcmp(a, b, sizeof a), 0, "'%.19s': fields differ", s);
        }
    }
    cr_assert_gt(valid, 10000);
    unsigned f[6];
    cr_assert_eq(volt_iso_prefix_scalar(good, f), 0);
    cr_assert(f[0] == 2025 && f[1] == 11 && f[2] == 30 && f[3] == 23 && f[4] == 59 && f[5] == 58);
    cr_assert_eq(volt_iso_prefix_scalar("2025-11-30X23:59:58", f), -1);
}

Test(simd_isodate, init_chooses_the_kernel_once)
{
    const volt_isa_t isa = volt_simd_force(VOLT_ISA_SCALAR);
    cr_assert_eq(isa, VOLT_ISA_SCALAR);
    cr_assert(volt_iso_prefix_impl_ == volt_iso_prefix_scalar);
    if (volt_simd_force(VOLT_ISA_AVX2) == VOLT_ISA_AVX2)
        cr_assert(volt_iso_prefix_impl_ == volt_iso_prefix_ssse3);
}

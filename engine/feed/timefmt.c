#include "engine/feed/timefmt.h"

#include <string.h>

#include "simd/cpu.h"
#include "engine/feed/swar.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif


int64_t volt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n, size_t at, size_t count, unsigned *v)
{
    if (at + count > n)
        return -1;
    unsigned x = 0;
    for (size_t i = 0; i < count; i++) {
        const char c = s[at + i];
        if (c < '0' || c > '9')
            return -1;
        x = x * 10 + (unsigned)(c - '0');
    }
    *v = x;
    return 0;
}

static const unsigned k_mdays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* "YYYY-MM-DD(T| )HH:MM:SS" (the first 19 characters, n >= 19 checked by the caller) to its
 * fields, range-checked. */
static int iso_prefix(const char *s, size_t n, unsigned *Y, unsigned *M, unsigned *D, unsigned *h,
                      unsigned *mi, unsigned *sec)
{
    if (digits(s, n, 0, 4, Y) || s[4] != '-' || digits(s, n, 5, 2, M) || s[7] != '-' ||
        digits(s, n, 8, 2, D) || (s[10] != 'T' && s[10] != ' ') || digits(s, n, 11, 2, h) ||
        s[13] != ':' || digits(s, n, 14, 2, mi) || s[16] != ':' || digits(s, n, 17, 2, sec))
        return -1;
    return 0;
}

/* ns since 1970 in an int64 reach 2262; market data before 1970 or after 2200 is an error */
static int iso_in_range(unsigned Y, unsigned M, unsigned D, unsigned h, unsigned mi, unsigned sec)
{
    return Y >= 1970 && Y <= 2200 && M >= 1 && M <= 12 && D >= 1 && D <= k_mdays[M] && h <= 23 &&
           mi <= 59 && sec <= 60;
}

/* The rest after the 19-character prefix: [.digits] then Z, z or +HH:MM/-HH:MM, or nothing; the
 * fraction in ns and the zone's offset in seconds. */
static int iso_tail(const char *s, size_t n, int64_t *frac_ns, int64_t *offset)
{
    size_t i = 19;
    int64_t frac = 0;
    if (i < n && s[i] == '.') {
        i++;
        int nd = 0;
        const size_t start = i;
        if (n - i >= 8 && volt_all_digits8(s + i)) { /* Coinbase sends 6 or 9 digits */
            frac = volt_parse8(s + i);
            nd = 8;
            i += 8;
        }
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (nd < 9) {
                frac = frac * 10 + (s[i] - '0');
                nd++;
            }
        }
        if (i == start)
            return -1;
        for (; nd < 9; nd++)
            frac *= 10;
    }
    int64_t offset_s = 0;
    if (i < n) {
        if (s[i] == 'Z' || s[i] == 'z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            unsigned oh, om;
            const int sign = s[i] == '-' ? -1 : 1;
            if (digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' ||
                digits(s, n, i + 4, 2, &om) || oh > 23 || om > 59)
                return -1;
            offset_s = sign * (int64_t)(oh * 3600 + om * 60);
            i += 6;
        }
    }
    if (i != n)
        return -1;
    *frac_ns = frac;
    *offset = offset_s;
    return 0;
}

/* Range check, tail, and the instant; *minute_s: the minute's :00 in seconds (no offset). */
static int iso_finish(const char *s, size_t n, unsigned Y, unsigned M, unsigned D, unsigned h,
                      unsigned mi, unsigned sec, int64_t *ns, int64_t *minute_s)
{
    int64_t frac, offset_s;
    if (!iso_in_range(Y, M, D, h, mi, sec) || iso_tail(s, n, &frac, &offset_s))
        return -1;
    *minute_s = volt_days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60;
    *ns = (*minute_s + sec - offset_s) * INT64_C(1000000000) + frac;
    return 0;
}

#if defined(__x86_64__)
/* The 19-character prefix in vector registers: one 16-byte load checks the twelve digit and four
 * separator positions of "YYYY-MM-DDTHH:MM" at once and one shuffle + multiply-add turns the
 * digits into two-digit numbers; ":SS" is read as scalars. */
__attribute__((target("ssse3"))) static int iso_prefix_ssse3(const char *s, unsigned *Y, unsigned *M,
                                                            unsigned *D, unsigned *h, unsigned *mi,
                                                            unsigned *sec)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)s);
    const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const unsigned dig = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
    const unsigned sep = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(v, _mm_setr_epi8(0, 0, 0, 0, '-', 0, 0, '-', 0, 0, 'T', 0, 0, ':', 0, 0)));
    enum { DIGITS = 0xDB6F, SEPS = 0x2490, T_BIT = 1 << 10 };
    const unsigned s16 = (unsigned char)s[16], s17 = (unsigned char)s[17] - '0',
                   s18 = (unsigned char)s[18] - '0';
    if ((dig & DIGITS) != DIGITS || ((sep | (s[10] == ' ' ? T_BIT : 0)) & SEPS) != SEPS ||
        s16 != ':' || s17 > 9 || s18 > 9)
        return -1;
    const __m128i pairs = _mm_maddubs_epi16(
        _mm_shuffle_epi8(d, _mm_setr_epi8(0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, -1, -1, -1, -1)),
        _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 0, 0, 0, 0));
    *Y = (unsigned)_mm_extract_epi16(pairs, 0) * 100 + (unsigned)_mm_extract_epi16(pairs, 1);
    *M = (unsigned)_mm_extract_epi16(pairs, 2);
    *D = (unsigned)_mm_extract_epi16(pairs, 3);
    *h = (unsigned)_mm_extract_epi16(pairs, 4);
    *mi = (unsigned)_mm_extract_epi16(pairs, 5);
    *sec = s17 * 10 + s18;
    return 0;
}
#endif

/* The whole parse; *minute_s as iso_finish's. */
static int iso_full(const char *s, size_t n, int64_t *ns, int64_t *minute_s)
{
    unsigned Y, M, D, h, mi, sec;
    if (n < 19)
        return -1;
#if defined(__x86_64__)
    /* the vector prefix reads s[0..19) only, like the scalar one */
    const int bad = volt_simd_isa() == VOLT_ISA_AVX2 ? iso_prefix_ssse3(s, &Y, &M, &D, &h, &mi, &sec)
                                                     : iso_prefix(s, n, &Y, &M, &D, &h, &mi, &sec);
#else
    const int bad = iso_prefix(s, n, &Y, &M, &D, &h, &mi, &sec);
#endif
    return bad ? -1 : iso_finish(s, n, Y, M, D, h, mi, sec, ns, minute_s);
}

int volt_time_parse_iso(const char *s, size_t n, int64_t *ns)
{
    int64_t minute_s;
    return iso_full(s, n, ns, &minute_s);
}

int volt_time_parse_iso_cached(volt_iso_cache_t *c, const char *s, size_t n, int64_t *ns)
{
    if (n >= 19 && c->valid && memcmp(s, c->prefix, 16) == 0) {
        /* the prefix passed the full parse and its range check; the seconds are read and checked
         * as the full parse does (":SS", 0..60) */
        unsigned sec;
        int64_t frac, offset_s;
        if (s[16] != ':' || digits(s, n, 17, 2, &sec) || sec > 60 || iso_tail(s, n, &frac, &offset_s))
            return -1;
        *ns = (c->minute_s + (int64_t)sec - offset_s) * INT64_C(1000000000) + frac;
        return 0;
    }
    int64_t minute_s;
    if (iso_full(s, n, ns, &minute_s))
        return -1;
    memcpy(c->prefix, s, 16);
    c->minute_s = minute_s;
    c->valid = 1;
    return 0;
}

int volt_time_parse_epoch(const char *s, size_t n, int64_t *ns)
{
    size_t i = 0;
    int64_t whole = 0, frac = 0;
    int nd = 0;
    if (n == 0)
        return -1;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        whole = whole * 10 + (s[i] - '0');
        if (whole > INT64_C(7258118400)) /* after 2200-01-01 (docs/parsing.md); keeps ns in int64 */
            return -1;
    }
    if (i == 0)
        return -1;
    if (i < n && s[i] == '.') {
        i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (nd < 9) {
                frac = frac * 10 + (s[i] - '0');
                nd++;
            }
    }
    if (i != n)
        return -1;
    for (; nd < 9; nd++)
        frac *= 10;
    *ns = whole * INT64_C(1000000000) + frac;
    return 0;
}

void volt_time_format_iso(int64_t ns, char out[31])
{
    int64_t secs = ns / INT64_C(1000000000);
    int64_t rem = ns % INT64_C(1000000000);
    if (rem < 0) {
        rem += INT64_C(1000000000);
        secs--;
    }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    /* fixed-width digits by hand: no snprintf on a path the sink runs per row */
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
    const unsigned v[6] = {yy, m, d, (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
                           (unsigned)(sod % 60)};
    const int w[6] = {4, 2, 2, 2, 2, 2};
    const char sep[6] = {'-', '-', 'T', ':', ':', '.'};
    char *o = out;
    for (int i = 0; i < 6; i++) {
        unsigned x = v[i];
        for (int k = w[i] - 1; k >= 0; k--) {
            o[k] = (char)('0' + x % 10);
            x /= 10;
        }
        o += w[i];
        *o++ = sep[i];
    }
    unsigned r = (unsigned)rem;
    for (int k = 8; k >= 0; k--) {
        o[k] = (char)('0' + r % 10);
        r /= 10;
    }
    o[9] = 'Z';
    o[10] = '\0';
}

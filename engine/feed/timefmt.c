#include "engine/feed/timefmt.h"

#include <string.h>

#include "engine/feed/swar.h"
#include "simd/isodate.h"


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

/* The whole parse; *minute_s as iso_finish's. */
static int iso_full(const char *s, size_t n, int64_t *ns, int64_t *minute_s)
{
    unsigned f[6];
    if (n < 19)
        return -1;
    /* the kernel volt_simd_init chose (simd/isodate.h) reads s[0..19) only */
    return volt_iso_prefix(s, f) ? -1 : iso_finish(s, n, f[0], f[1], f[2], f[3], f[4], f[5], ns, minute_s);
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

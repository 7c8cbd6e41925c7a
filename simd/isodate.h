/* simd/isodate.h — the fixed prefix of an ISO 8601 time, "YYYY-MM-DD(T| )HH:MM:SS", to its six
 * fields, for the feed's time parser (engine/feed/timefmt.c).
 *
 * volt_iso_prefix(s, f) reads s[0..19) (16 bytes readable at s and 19 in all): 0 with f = {year,
 * month, day, hour, minute, second} when every digit and separator is where it belongs, -1 (f
 * undefined) otherwise. Ranges are the caller's to check. The kernel is chosen once, by
 * volt_simd_init (SSSE3 on an AVX2 machine: one load checks twelve digits and four separators, one
 * shuffle and multiply-add makes the two-digit numbers); the scalar reference is tested against it
 * bit for bit (tests/simd/test_isodate.c). */
#ifndef VOLT_SIMD_ISODATE_H
#define VOLT_SIMD_ISODATE_H

typedef int (*volt_iso_prefix_fn)(const char *s, unsigned f[6]);

int volt_iso_prefix_scalar(const char *s, unsigned f[6]);
int volt_iso_prefix_ssse3(const char *s, unsigned f[6]);

/* The kernel volt_simd_init chose (set by simd/cpu.c). */
extern volt_iso_prefix_fn volt_iso_prefix_impl_;

static inline int volt_iso_prefix(const char *s, unsigned f[6]) { return volt_iso_prefix_impl_(s, f); }

#endif

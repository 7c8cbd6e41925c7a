/* engine/feed/timefmt.h — timestamps in the feeds and recordings to ns since the Unix epoch, and back.
 *
 * Accepted: ISO 8601 / RFC 3339 "YYYY-MM-DDTHH:MM:SS[.f{1,9+}][Z|±HH:MM]" ('T' or ' ' between
 * date and time; no zone means UTC, as the seed's recorder wrote it; fraction digits past the 9th
 * are truncated; years 1970..2200) and epoch seconds as a decimal string "1762932011.609013" (exact to the ns). */
#ifndef VOLT_ENGINE_TIMEFMT_H
#define VOLT_ENGINE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 and sets *ns, or -1 when s[0..n) is not a valid timestamp of the forms above. */
int volt_time_parse_iso(const char *s, size_t n, int64_t *ns);
int volt_time_parse_epoch(const char *s, size_t n, int64_t *ns);

/* The minute of the last timestamp parsed through it: a feed stamps many messages per minute, and
 * a timestamp whose first 16 characters ("YYYY-MM-DDTHH:MM") equal the cached ones needs only its
 * seconds, fraction and zone read. Zero-initialize; one per thread (the parser owns one). */
typedef struct volt_iso_cache {
    char prefix[16];
    int64_t minute_s; /* seconds since the epoch at that minute's :00, before any zone offset */
    int valid;
} volt_iso_cache_t;

/* volt_time_parse_iso through the cache: the same result and the same accepted strings. */
int volt_time_parse_iso_cached(volt_iso_cache_t *c, const char *s, size_t n, int64_t *ns);

/* Writes "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (30 chars + NUL) into out (>= 31 bytes). */
void volt_time_format_iso(int64_t ns, char out[31]);

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
int64_t volt_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif

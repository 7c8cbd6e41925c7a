/* engine/timefmt.h — timestamps in the feeds and recordings to ns since the Unix epoch, and back.
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

/* Writes "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (30 chars + NUL) into out (>= 31 bytes). */
void volt_time_format_iso(int64_t ns, char out[31]);

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
int64_t volt_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif

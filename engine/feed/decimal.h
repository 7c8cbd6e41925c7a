/* engine/feed/decimal.h — decimal strings ("85196.66", "0.0047203", "1E-8") to doubles.
 *
 * The result is the double nearest to the decimal value (IEEE round-to-nearest-even), so printing
 * it with 17 significant digits and reading it back gives the same double, and two parses of one
 * string always agree. Fast path (nearly every Coinbase value): at most 19 significant digits, the
 * integer mantissa m <= 2^53 and the power of ten |k| <= 22 — then m and 10^k are exact doubles and
 * one IEEE multiply or divide is correctly rounded (Clinger, 1990). Anything else goes to strtod in
 * the C locale on a bounded stack copy, which is also correctly rounded on glibc. */
#ifndef VOLT_ENGINE_DECIMAL_H
#define VOLT_ENGINE_DECIMAL_H

#include <stddef.h>

typedef enum {
    VOLT_DEC_OK = 0,
    VOLT_DEC_EMPTY,    /* zero-length string */
    VOLT_DEC_SYNTAX,   /* not [-+]digits[.digits][(e|E)[-+]digits], including "NaN", "inf" */
    VOLT_DEC_TOO_LONG, /* more than VOLT_DEC_MAX_LEN characters */
    VOLT_DEC_RANGE,    /* overflows to infinity */
} volt_dec_status_t;

#define VOLT_DEC_MAX_LEN 64

volt_dec_status_t volt_decimal_parse(const char *s, size_t n, double *out);

/* The same result and status as volt_decimal_parse, for a string inside a padded buffer: the 17
 * bytes from s must be readable whatever n is (JSON slices: the parser's input carries
 * VOLT_JSON_PADDING bytes after it). With SSSE3 (chosen when volt_simd_init picked AVX2), a
 * string of at most 16 characters after its sign is checked and converted branch-free in vector
 * registers — one 16-byte load, no loop whose exit depends on the number's length (each field's
 * length differs, and a mispredicted loop exit cost more than the conversion). Anything else
 * takes volt_decimal_parse. */
volt_dec_status_t volt_decimal_parse_padded(const char *s, size_t n, double *out);

/* The implementation behind volt_decimal_parse_padded for the ISA in force (simd/cpu.h), for a
 * caller that parses several fields in a row and would otherwise re-dispatch on every one. Same
 * contract, any n. (The parser itself takes the SSSE3 path inline, engine/decimal_ssse3.h.) */
typedef volt_dec_status_t (*volt_decimal_fn)(const char *s, size_t n, double *out);
volt_decimal_fn volt_decimal_padded_fn(void);

#endif

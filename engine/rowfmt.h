/* engine/rowfmt.h — feature rows as CSV or NDJSON text (the sink's formatter).
 *
 * Doubles are written in the shortest form that reads back to the same double (%.15g, else %.16g,
 * else %.17g), so files are compact, exact and identical across runs. A missing value (NaN) is an
 * empty CSV field or a JSON null. Column order: docs/features.md#output-columns. */
#ifndef VOLT_ENGINE_ROWFMT_H
#define VOLT_ENGINE_ROWFMT_H

#include <stddef.h>

#include "pipeline.h"
#include "product.h"

#define VOLT_ROW_TEXT_MAX 2048

/* Writes the CSV header line (with '\n'); returns its length. */
size_t volt_rowfmt_csv_header(char *buf, size_t cap);
/* Formats one row (with '\n'); returns its length (< cap). */
size_t volt_rowfmt_csv(const volt_row_t *r, const volt_products_t *p, char *buf, size_t cap);
size_t volt_rowfmt_ndjson(const volt_row_t *r, const volt_products_t *p, char *buf, size_t cap);

/* Shortest round-trip text of v into buf (>= 32 bytes); returns length; "" for NaN. */
size_t volt_fmt_double(double v, char *buf);

#endif

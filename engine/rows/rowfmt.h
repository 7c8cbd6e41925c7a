/* engine/rows/rowfmt.h — feature rows as CSV or NDJSON text (the sink's formatter).
 *
 * Doubles are written exactly: in the fewest decimals that read back to the same double when one
 * exists with a mantissa below 2^53 (prices, sizes, counts: "85196.66"), else with 17 significant
 * digits ("%.17g"). Either form reads back to the same double; output is identical across runs. A missing value (NaN) is an
 * empty CSV field or a JSON null. Column order: docs/features.md#output-columns. */
#ifndef VOLT_ENGINE_ROWFMT_H
#define VOLT_ENGINE_ROWFMT_H

#include <stddef.h>

#include "engine/rows/row.h"
#include "engine/feed/product.h"

#define VOLT_ROW_TEXT_MAX 4096

/* Writes the CSV header line (with '\n'; label: with the label columns); returns its length. */
size_t volt_rowfmt_csv_header(char *buf, size_t cap, int label);
/* Formats one row (with '\n'); returns its length (< cap). */
size_t volt_rowfmt_csv(const volt_row_t *r, const volt_products_t *p, char *buf, size_t cap);
size_t volt_rowfmt_ndjson(const volt_row_t *r, const volt_products_t *p, char *buf, size_t cap);

/* Exact round-trip text of v into buf (>= 32 bytes); returns its length; "" for NaN. */
size_t volt_fmt_double(double v, char *buf);

#endif

/* engine/rows/label.h — leak-free labels: volatility_spike = 1 when the realized volatility of the
 * next 60 s is at or above tau (docs/features.md#labels).
 *
 * The labeler sits in the sink (offline work: it holds each row until the product's stream has
 * passed t + 60 s). For a row at event time t of product p:
 *   m(x)  = ln of p's mid as of the last tick with time <= x (in t's segment),
 *   rv    = sqrt(sum_{k=1..60} (m(t + k s) - m(t + (k-1) s))^2),
 * i.e. realized volatility on the 1-second grid anchored at t, which depends on the state at t
 * and on the ticks in (t, t + 60 s] only. The row is labelled once a later tick of the same
 * segment has time > t + 60 s; a row whose segment ends earlier (a recorder gap, the end of the
 * input) is written unlabelled. tau is the row's own tau_trailing (known at t) or a fixed value.
 *
 * Rows come out in order within each product; across products in the order their labels became
 * known (a deterministic function of the input). Memory: one row (compact: 48 bytes) per tick of
 * the last 60 s per product, growing on demand up to VOLT_LABEL_MAX_PENDING rows per product
 * (past that, the oldest row is written unlabelled and counted). */
#ifndef VOLT_ENGINE_LABEL_H
#define VOLT_ENGINE_LABEL_H

#include <stdint.h>

#include "engine/rows/row.h"

#define VOLT_LABEL_HORIZON_S 60
#define VOLT_LABEL_MAX_PENDING (1u << 22)

typedef struct volt_labeler volt_labeler_t;
typedef void (*volt_label_emit_fn)(void *ctx, const volt_row_t *r);

typedef struct volt_label_stats {
    uint64_t labelled, positives, unlabelled, overflow;
} volt_label_stats_t;

/* tau_fixed: NaN for the trailing tau. NULL on allocation failure (VOLT_ERR set). */
volt_labeler_t *volt_labeler_new(double tau_fixed);
/* The same labels for the self-grade alone (engine/rows/grade.h): each pending row keeps only what
 * the grade reads (48 bytes instead of 560), and is emitted as a row with only the product, the
 * event time (as tick.exch_ns), prob, prediction, rv_60s, tau_trailing and the label fields set. */
volt_labeler_t *volt_labeler_new_compact(double tau_fixed);
void volt_labeler_free(volt_labeler_t *l);
/* Takes one tick row (copied); emits every row whose label became known. */
void volt_labeler_push(volt_labeler_t *l, const volt_row_t *r, volt_label_emit_fn emit, void *ctx);
/* End of input: emits every pending row, unlabelled, product by product. */
void volt_labeler_flush(volt_labeler_t *l, volt_label_emit_fn emit, void *ctx);
void volt_labeler_stats(const volt_labeler_t *l, volt_label_stats_t *s);

#endif

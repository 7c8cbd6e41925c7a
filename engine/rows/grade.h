/* engine/rows/grade.h — the engine grades its own model: over the last hour of labelled rows, per
 * product and overall, the model's PR-AUC, precision, recall and alert rate beside persistence's
 * PR-AUC (rv_60s / tau_trailing ranked as it is).
 *
 * A row's label is known 60 s after it (engine/label.h), so the sink's labeler hands every labelled
 * row here, live or in replay. The grader keeps one sample per product per second of event time
 * (the last labelled row of that second, as `volt-lab evaluate` does) for the last
 * VOLT_GRADE_WINDOW_S seconds before the newest labelled second of any product. PR-AUC is average
 * precision as scikit-learn computes it (ties share a threshold). A row without a probability (the
 * z-score before warm-up) scores 0; a row without rv_60s takes the window's median ratio.
 *
 * Owned by the sink thread: push and report are called by that thread only (or after it ended).
 * Memory: one ring of samples per product seen, allocated at the product's first labelled row. */
#ifndef VOLT_ENGINE_GRADE_H
#define VOLT_ENGINE_GRADE_H

#include <stdint.h>

#define VOLT_GRADE_WINDOW_S 3600
#define VOLT_GRADE_LISTED 16 /* products listed one by one in the run summary */

struct volt_row; /* pipeline.h */

typedef struct volt_grade {
    uint64_t n;          /* samples (product-seconds) in the window */
    uint64_t positives;  /* of them labelled 1 */
    double pr_auc;       /* the model's average precision (NaN: one class only) */
    double pr_auc_persistence; /* rv_60s / tau_trailing's (NaN: one class only) */
    double precision;    /* at the model's threshold (the row's prediction); NaN: no alert */
    double recall;       /* NaN: no positive */
    double alert_rate;   /* share of samples predicted positive */
} volt_grade_t;

typedef struct volt_grader volt_grader_t;

/* NULL on allocation failure (VOLT_ERR set). */
volt_grader_t *volt_grader_new(void);
void volt_grader_free(volt_grader_t *g);

/* Takes one row from the labeler; rows whose label is not 0 or 1 are ignored. */
void volt_grader_push(volt_grader_t *g, const struct volt_row *r);

/* Grades the window: `product` is a product index, or -1 for every product together. Returns the
 * number of samples graded (0: nothing yet; *out then holds NaNs and zeros). */
uint64_t volt_grader_report(volt_grader_t *g, int product, volt_grade_t *out);

/* Products that have samples, in order of index: writes up to cap indices, returns the count. */
int volt_grader_products(const volt_grader_t *g, int *idx, int cap);

#endif

/* engine/model/model.h — model scorers behind one ops table.
 *
 * A model maps a feature vector to a score and a probability that the next 60 s will be a
 * volatility spike. `score` is pure, never allocates and is called on the hot thread; `load` and
 * `free` run at set-up. Three kinds:
 *   - zscore:   the seed's baseline, built in (no file);
 *   - logistic: a logistic regression with per-feature transform, imputation and scaling;
 *   - gbt:      a gradient-boosted tree ensemble (XGBoost's trees, padded to complete binary trees
 *               of one depth and evaluated branch-free, several trees in lock-step).
 * The last two are read from a model file written by the lab (tools/lab); its format, version 1,
 * is specified in docs/models.md. */
#ifndef VOLT_ENGINE_MODEL_H
#define VOLT_ENGINE_MODEL_H

#include <stdio.h>

#include "engine/features/features.h"

typedef struct volt_model_ops {
    const char *name;
    /* Writes the raw score (logit/margin) and the probability (NaN when the model cannot score the
     * inputs yet, e.g. the z-score before warm-up). */
    void (*score)(const void *state, const double *f, double *score, double *prob);
    void (*free)(void *state);
} volt_model_ops_t;

#define VOLT_MODEL_FILE_VERSION 1
#define VOLT_MODEL_MAX_DEPTH 10 /* deepest tree the gbt scorer takes (padded to 2^depth leaves) */
#define VOLT_MODEL_MAX_TREES 4096

typedef struct volt_model {
    const volt_model_ops_t *ops;
    void *state;
    double threshold;  /* alert when prob >= threshold */
    char version[64];  /* goes into every alert */
    char kind[16];     /* "zscore", "logistic", "gbt" */
    int n_features;    /* inputs the model reads */
    int n_trees, depth; /* gbt only */
} volt_model_t;

/* Opens a model: "zscore" (built in), "default" (the shipped model file, volt_model_default_path),
 * or the path of a model file (kind read from it). Returns 0 or -errno with VOLT_ERR set (naming
 * the file, line and reason). */
int volt_model_open(volt_model_t *m, const char *name_or_path);
void volt_model_close(volt_model_t *m);

/* Where "default" is read from: $VOLT_DEFAULT_MODEL when set, else the source tree's
 * models/default.volt (fixed at build time), which `make lab LAB_FLAGS=--update-docs` writes. */
const char *volt_model_default_path(void);

/* Reads a model from an open stream (the loader behind volt_model_open; `what` names it in
 * errors). */
int volt_model_read(volt_model_t *m, FILE *in, const char *what);

static inline void volt_model_score(const volt_model_t *m, const double *f, double *score,
                                    double *prob)
{
    m->ops->score(m->state, f, score, prob);
}

#endif

/* engine/model.h — model scorers behind one ops table.
 *
 * A model maps a feature vector to a score and a probability that the next 60 s will be a
 * volatility spike. `score` is pure, never allocates and is called on the hot thread; `load` and
 * `free` run at set-up. v0 ships the seed's baseline: the volatility z-score detector. */
#ifndef VOLT_ENGINE_MODEL_H
#define VOLT_ENGINE_MODEL_H

#include "features.h"

typedef struct volt_model_ops {
    const char *name;
    /* Loads parameters from path (NULL: built-in defaults). Returns 0 or -errno (VOLT_ERR set). */
    int (*load)(void **state, const char *path);
    /* Writes the raw score and the probability (NaN when the inputs are not warm yet). */
    void (*score)(const void *state, const double *f, double *score, double *prob);
    void (*free)(void *state);
} volt_model_ops_t;

typedef struct volt_model {
    const volt_model_ops_t *ops;
    void *state;
    double threshold; /* alert when prob >= threshold */
    char version[64]; /* goes into every alert */
} volt_model_t;

/* The z-score baseline: score = volatility_zscore_15min, prob = Phi(z) (standard normal CDF).
 * With the default probability threshold Phi(2) = 0.97725 it alerts when volatility is two
 * standard deviations above its trailing 15-minute mean. */
extern const volt_model_ops_t volt_model_zscore;

/* Opens a model by name ("zscore"). Returns 0 or -errno with VOLT_ERR set. */
int volt_model_open(volt_model_t *m, const char *name, const char *path);
void volt_model_close(volt_model_t *m);

static inline void volt_model_score(const volt_model_t *m, const double *f, double *score,
                                    double *prob)
{
    m->ops->score(m->state, f, score, prob);
}

#endif

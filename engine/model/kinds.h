/* engine/model/kinds.h — what the model kinds share (internal to engine/model/): the model file's
 * line reader, and each kind's reader of its part of the file (docs/models.md).
 *
 *   model.c   the file's header, then the kind's reader; open, default, close
 *   zscore.c  the seed's baseline (built in, no file)
 *   linear.c  logistic regression (logit or probit link), scalar and AVX2 scorers
 *   gbt.c     gradient-boosted trees, padded and scored branch-free */
#ifndef VOLT_ENGINE_MODEL_KINDS_H
#define VOLT_ENGINE_MODEL_KINDS_H

#include <stdio.h>

#include "engine/model/model.h"

/* A model file being read: the current line split into tokens. */
typedef struct volt_model_reader {
    FILE *in;
    const char *what; /* names the file in errors */
    int line;
    char buf[1024];
    char *tok[12];
    int ntok;
} volt_model_reader_t;

/* Each returns 0 or -EINVAL with VOLT_ERR set to "FILE:LINE: what is wrong". */
/* The next non-blank, non-comment line, split into tokens (an error at the end of the file). */
int volt_mr_next(volt_model_reader_t *r);
/* The next line, which must be "key v1 ... vn" with exactly n values. */
int volt_mr_expect(volt_model_reader_t *r, const char *key, int n);
/* Token i as a number; as a finite number; as an integer in [lo, hi]. */
int volt_mr_num(volt_model_reader_t *r, int i, double *v);
int volt_mr_finite(volt_model_reader_t *r, int i, double *v);
int volt_mr_count(volt_model_reader_t *r, int i, long lo, long hi, long *v);
/* The engine's index of a feature named in the file (>= 0), or -EINVAL. */
int volt_mr_feature(volt_model_reader_t *r, const char *name);

/* The built-in z-score baseline's scorer. */
extern const volt_model_ops_t volt_zscore_ops;

/* The rest of a file of kind logistic / gbt, after its header; fills m's ops, state and sizes. */
int volt_linear_read(volt_model_reader_t *r, volt_model_t *m);
int volt_gbt_read(volt_model_reader_t *r, volt_model_t *m);

#endif

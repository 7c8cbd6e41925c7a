#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static int zscore_load(void **state, const char *path)
{
    if (path)
        return VOLT_ERR(-EINVAL, "the zscore baseline takes no model file (got %s)", path);
    *state = NULL;
    return 0;
}

static void zscore_score(const void *state, const double *f, double *score, double *prob)
{
    (void)state;
    const double z = f[VOLT_F_VOL_ZSCORE];
    *score = z;
    *prob = isnan(z) ? NAN : 0.5 * erfc(-z * M_SQRT1_2);
}

static void zscore_free(void *state) { (void)state; }

const volt_model_ops_t volt_model_zscore = {
    .name = "zscore", .load = zscore_load, .score = zscore_score, .free = zscore_free};

int volt_model_open(volt_model_t *m, const char *name, const char *path)
{
    memset(m, 0, sizeof *m);
    if (strcmp(name, "zscore") != 0)
        return VOLT_ERR(-EINVAL, "unknown model '%s' (available: zscore)", name);
    m->ops = &volt_model_zscore;
    int rc = m->ops->load(&m->state, path);
    if (rc)
        return rc;
    m->threshold = 0.5 * erfc(-2.0 * M_SQRT1_2);
    snprintf(m->version, sizeof m->version, "zscore-v0");
    return 0;
}

void volt_model_close(volt_model_t *m)
{
    if (m->ops)
        m->ops->free(m->state);
    m->ops = NULL;
}

/* engine/model/zscore.c — the seed's baseline: P(spike) = Phi(vol_zscore), built in. */
#include <math.h>

#include "engine/model/kinds.h"

static void zscore_score(const void *state, const double *f, double *score, double *prob)
{
    (void)state;
    const double z = f[VOLT_F_VOL_ZSCORE];
    *score = z;
    *prob = isnan(z) ? NAN : 0.5 * erfc(-z * M_SQRT1_2);
}

static void zscore_free(void *state) { (void)state; }

const volt_model_ops_t volt_zscore_ops = {.name = "zscore", .score = zscore_score, .free = zscore_free};


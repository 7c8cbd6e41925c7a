/* engine/model/model.c — a model file's header, its kind's reader, and the built-in names. */
#include "engine/model/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/model/kinds.h"

int volt_model_read(volt_model_t *m, FILE *in, const char *what)
{
    memset(m, 0, sizeof *m);
    volt_model_reader_t r = {.in = in, .what = what};
    int rc;
    long ver;
    double thr;
    if ((rc = volt_mr_expect(&r, "volt-model", 1)) || (rc = volt_mr_count(&r, 1, 1, 1000, &ver)))
        return rc;
    if (ver != VOLT_MODEL_FILE_VERSION)
        return VOLT_ERR(-EINVAL, "%s: model file version %ld; this engine reads version %d", what, ver,
                        VOLT_MODEL_FILE_VERSION);
    if ((rc = volt_mr_expect(&r, "kind", 1)))
        return rc;
    char kind[16];
    snprintf(kind, sizeof kind, "%s", r.tok[1]);
    if ((rc = volt_mr_expect(&r, "version", 1)))
        return rc;
    snprintf(m->version, sizeof m->version, "%s", r.tok[1]);
    if ((rc = volt_mr_expect(&r, "threshold", 1)) || (rc = volt_mr_num(&r, 1, &thr)))
        return rc;
    if (!(thr >= 0.0 && thr <= 1.0))
        return VOLT_ERR(-EINVAL, "%s:%d: threshold must be a probability", what, r.line);
    m->threshold = thr;
    if (strcmp(kind, "logistic") == 0)
        rc = volt_linear_read(&r, m);
    else if (strcmp(kind, "gbt") == 0)
        rc = volt_gbt_read(&r, m);
    else
        return VOLT_ERR(-EINVAL, "%s: unknown model kind '%s' (logistic or gbt)", what, kind);
    if (rc)
        return rc;
    snprintf(m->kind, sizeof m->kind, "%s", kind);
    return 0;
}

const char *volt_model_default_path(void)
{
    const char *env = getenv("VOLT_DEFAULT_MODEL");
    if (env && *env)
        return env;
#ifdef VOLT_DEFAULT_MODEL_PATH
    return VOLT_DEFAULT_MODEL_PATH;
#else
    return "models/default.volt";
#endif
}

int volt_model_open(volt_model_t *m, const char *name)
{
    memset(m, 0, sizeof *m);
    if (strcmp(name, "default") == 0) {
        const char *path = volt_model_default_path();
        FILE *in = fopen(path, "r");
        if (!in)
            return VOLT_ERR(-errno, "the default model %s: %s (set VOLT_DEFAULT_MODEL, or give "
                                    "--model zscore or a model file)", path, strerror(errno));
        int rc = volt_model_read(m, in, path);
        fclose(in);
        return rc;
    }
    if (strcmp(name, "zscore") == 0) {
        m->ops = &volt_zscore_ops;
        m->threshold = 0.5 * erfc(-2.0 * M_SQRT1_2);
        m->n_features = 1;
        snprintf(m->version, sizeof m->version, "zscore-v0");
        snprintf(m->kind, sizeof m->kind, "zscore");
        return 0;
    }
    FILE *in = fopen(name, "r");
    if (!in)
        return VOLT_ERR(-errno, "model '%s': %s (give 'zscore' or a model file written by volt-lab)",
                        name, strerror(errno));
    int rc = volt_model_read(m, in, name);
    fclose(in);
    return rc;
}

void volt_model_close(volt_model_t *m)
{
    if (m->ops)
        m->ops->free(m->state);
    m->ops = NULL;
    m->state = NULL;
}

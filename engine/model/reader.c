/* engine/model/reader.c — the model file's line reader (kinds.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/model/kinds.h"

/* Next non-blank, non-comment line split into tokens. 0, or -1 at end of file. */
int volt_mr_next(volt_model_reader_t *r)
{
    while (fgets(r->buf, sizeof r->buf, r->in)) {
        r->line++;
        if (!strchr(r->buf, '\n') && !feof(r->in))
            return VOLT_ERR(-EINVAL, "%s:%d: line longer than %zu bytes", r->what, r->line,
                            sizeof r->buf - 2);
        char *h = strchr(r->buf, '#');
        if (h)
            *h = '\0';
        r->ntok = 0;
        char *save = NULL;
        for (char *p = strtok_r(r->buf, " \t\r\n", &save); p; p = strtok_r(NULL, " \t\r\n", &save)) {
            if (r->ntok == (int)(sizeof r->tok / sizeof r->tok[0]))
                return VOLT_ERR(-EINVAL, "%s:%d: too many fields", r->what, r->line);
            r->tok[r->ntok++] = p;
        }
        if (r->ntok)
            return 0;
    }
    return VOLT_ERR(-EINVAL, "%s: unexpected end of file after line %d", r->what, r->line);
}

/* Expects a line "key v1 ... vn" with exactly n values. */
int volt_mr_expect(volt_model_reader_t *r, const char *key, int n)
{
    int rc = volt_mr_next(r);
    if (rc)
        return rc;
    if (strcmp(r->tok[0], key) != 0)
        return VOLT_ERR(-EINVAL, "%s:%d: expected '%s', found '%s'", r->what, r->line, key, r->tok[0]);
    if (r->ntok != n + 1)
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' takes %d value(s), found %d", r->what, r->line, key, n,
                        r->ntok - 1);
    return 0;
}

int volt_mr_num(volt_model_reader_t *r, int i, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(r->tok[i], &end);
    if (*end || end == r->tok[i] || errno == ERANGE)
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' is not a number", r->what, r->line, r->tok[i]);
    return 0;
}

int volt_mr_finite(volt_model_reader_t *r, int i, double *v)
{
    int rc = volt_mr_num(r, i, v);
    if (!rc && !isfinite(*v))
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' must be finite", r->what, r->line, r->tok[i]);
    return rc;
}

int volt_mr_count(volt_model_reader_t *r, int i, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(r->tok[i], &end, 10);
    if (*end || end == r->tok[i] || errno || *v < lo || *v > hi)
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' must be an integer from %ld to %ld", r->what, r->line,
                        r->tok[i], lo, hi);
    return 0;
}

int volt_mr_feature(volt_model_reader_t *r, const char *name)
{
    for (int i = 0; i < VOLT_NF; i++)
        if (strcmp(volt_feature_table[i].name, name) == 0)
            return i;
    return VOLT_ERR(-EINVAL, "%s:%d: unknown feature '%s' (this engine computes the %d features in "
                             "docs/features.md)", r->what, r->line, name, VOLT_NF);
}


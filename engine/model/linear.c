/* engine/model/linear.c — logistic regression (and its probit link): per-feature transform,
 * imputation and scaling, folded at load into one weight per term; a scalar scorer and AVX2
 * scorers (simd/linear_avx2.h), one chosen at load. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/model/kinds.h"
#include "simd/cpu.h"
#include "simd/linear_avx2.h"
#include "simd/vexp.h"
#include "simd/vlog.h"

enum { TF_ID = 0, TF_LOG = 1 };

typedef struct lin_term {
    int idx;       /* engine feature index */
    int tf;        /* TF_* */
    double eps;    /* TF_LOG: log(x + eps) */
    double impute; /* value used when the transformed input is missing */
    double mean, scale, coef;
} lin_term_t;

typedef struct lin_model {
    double intercept;
    double b;          /* intercept - sum coef * mean / scale */
    int n;
    lin_term_t t[VOLT_NF];
    /* the same terms regrouped at load: log-transformed inputs first, then the rest */
    int nl, ni;
    int lidx[VOLT_NF + 4], iidx[VOLT_NF + 4]; /* padded to a multiple of 4 with zero weights */
    double leps[VOLT_NF + 4], limp[VOLT_NF + 4], lw[VOLT_NF + 4];
    double iimp[VOLT_NF + 4], iw[VOLT_NF + 4];
    /* the AVX2 path reads the identity terms in feature-index space: weight and impute value per
     * engine feature (0 for features no identity term reads), padded to a multiple of 4 */
    double fw[(VOLT_NF + 3) & ~3], fimp[(VOLT_NF + 3) & ~3];
    int dense_ok; /* 0 when two identity terms read one feature: then the scalar path serves */
    int probit;   /* link: 0 logistic 1 / (1 + e^-z), 1 probit Phi(z) (the HAR model's) */
} lin_model_t;

/* a ? x : y without a branch on the data (missing inputs are rare and random: a branch on them
 * mispredicts) */
static inline double pick(int a, double x, double y)
{
    uint64_t bx, by;
    memcpy(&bx, &x, 8);
    memcpy(&by, &y, 8);
    const uint64_t m = (uint64_t)0 - (uint64_t)(a != 0);
    const uint64_t r = (bx & m) | (by & ~m);
    double d;
    memcpy(&d, &r, 8);
    return d;
}

/* The log-transformed inputs, gathered and logged in one vector call (simd/vlog.h): v[k] =
 * log(x + eps) and ok[k] = 1 for a usable x; ok[k] = 0 (v[k] meaningless) for a NaN, negative or
 * infinite one. Padded terms read feature 0 and weigh 0. Returns the padded count. */
static inline int log_inputs(const lin_model_t *m, const double *f, double *v, int *ok)
{
    const int nl4 = (m->nl + 3) & ~3;
    for (int k = 0; k < nl4; k++) {
        const double x = f[m->lidx[k]];
        ok[k] = (x >= 0.0) & (x < INFINITY);
        v[k] = pick(ok[k], x + m->leps[k], 1.0);
    }
    if (nl4)
        volt_log_n(v, nl4);
    return nl4;
}

#if defined(__x86_64__)
/* The whole AVX2 prediction in one function: the logit (simd/linear_avx2.h) and the inline
 * logistic link (simd/vexp.h) inlined, no call on the way. One copy per count of logged groups (0..8), chosen at
 * load: the groups' loop is then fully unrolled, with no counter, no alternating branch and the
 * log's constants held in registers throughout. */
#define VOLT_LIN_EACH_COUNT(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define VOLT_LIN_SCORE_AVX2(G)                                                                     \
    __attribute__((target("avx2,fma"))) static void lin_score_avx2_##G(                            \
        const void *state, const double *f, double *score, double *prob)                           \
    {                                                                                              \
        const lin_model_t *m = state;                                                              \
        const double z = volt_linear_logit_avx2(f, VOLT_NF, m->b, m->lidx, m->leps, m->limp, m->lw, \
                                                G, m->fw, m->fimp);                                \
        *score = z;                                                                                \
        *prob = volt_sigmoid_fma(z);                                                               \
    }
VOLT_LIN_EACH_COUNT(VOLT_LIN_SCORE_AVX2)
#undef VOLT_LIN_SCORE_AVX2
#endif

/* logit = b + sum w_i x_i with x_i the transformed, imputed input: the scaling folded into the
 * weights at load (the same sum as coef * (x - mean) / scale up to rounding, ~1e-15 relative).
 * The log-transformed inputs go through one vector log call (simd/vlog.h). */
static void lin_score(const void *state, const double *f, double *score, double *prob)
{
    const lin_model_t *m = state;
    double v[VOLT_NF + 4];
    int ok[VOLT_NF + 4];
    const int nl4 = log_inputs(m, f, v, ok), ni4 = (m->ni + 3) & ~3;
    /* four partial sums: one chain of 31 dependent additions would cost more than the rest */
    double z0 = m->b, z1 = 0.0, z2 = 0.0, z3 = 0.0;
    for (int k = 0; k < nl4; k += 4) {
        z0 += m->lw[k] * pick(ok[k], v[k], m->limp[k]);
        z1 += m->lw[k + 1] * pick(ok[k + 1], v[k + 1], m->limp[k + 1]);
        z2 += m->lw[k + 2] * pick(ok[k + 2], v[k + 2], m->limp[k + 2]);
        z3 += m->lw[k + 3] * pick(ok[k + 3], v[k + 3], m->limp[k + 3]);
    }
#define VOLT_ID_TERM(zj, j)                                                                        \
    do {                                                                                           \
        const double x = f[m->iidx[k + (j)]];                                                      \
        zj += m->iw[k + (j)] * pick(isfinite(x), x, m->iimp[k + (j)]);                             \
    } while (0)
    for (int k = 0; k < ni4; k += 4) {
        VOLT_ID_TERM(z0, 0);
        VOLT_ID_TERM(z1, 1);
        VOLT_ID_TERM(z2, 2);
        VOLT_ID_TERM(z3, 3);
    }
#undef VOLT_ID_TERM
    const double zz = (z0 + z1) + (z2 + z3);
    *score = zz;
    *prob = 1.0 / (1.0 + exp(-zz));
}

/* The probit link, Phi(z): the HAR model's probability that log future RV is above log tau when
 * its residual is normal. Scalar path only (no such model is on the default path). */
static void lin_score_probit(const void *state, const double *f, double *score, double *prob)
{
    lin_score(state, f, score, prob);
    *prob = 0.5 * erfc(-*score * M_SQRT1_2);
}

static void plain_free(void *state) { free(state); }

static const volt_model_ops_t k_logistic = {.name = "logistic", .score = lin_score, .free = plain_free};
static const volt_model_ops_t k_probit = {.name = "logistic", .score = lin_score_probit,
                                          .free = plain_free};
#if defined(__x86_64__)
#define VOLT_LIN_OPS(G) {.name = "logistic", .score = lin_score_avx2_##G, .free = plain_free},
static const volt_model_ops_t k_logistic_avx2[] = {VOLT_LIN_EACH_COUNT(VOLT_LIN_OPS)};
#undef VOLT_LIN_OPS
#undef VOLT_LIN_EACH_COUNT
_Static_assert(sizeof k_logistic_avx2 / sizeof k_logistic_avx2[0] == (VOLT_NF + 3) / 4 + 1,
               "one AVX2 scorer per count of logged groups, 0..(VOLT_NF + 3) / 4");
#endif

/* The optional 'link logit|probit' line, then 'intercept B' and 'features N'. */
static int read_head(volt_model_reader_t *r, lin_model_t *lm)
{
    int rc;
    long n;
    if ((rc = volt_mr_next(r)))
        return rc;
    if (strcmp(r->tok[0], "link") == 0) {
        if (r->ntok != 2 || (strcmp(r->tok[1], "logit") != 0 && strcmp(r->tok[1], "probit") != 0))
            return VOLT_ERR(-EINVAL, "%s:%d: 'link' takes logit or probit", r->what, r->line);
        lm->probit = strcmp(r->tok[1], "probit") == 0;
        if ((rc = volt_mr_next(r)))
            return rc;
    }
    if (strcmp(r->tok[0], "intercept") != 0 || r->ntok != 2)
        return VOLT_ERR(-EINVAL, "%s:%d: expected 'intercept B'", r->what, r->line);
    if ((rc = volt_mr_finite(r, 1, &lm->intercept)) || (rc = volt_mr_expect(r, "features", 1)) ||
        (rc = volt_mr_count(r, 1, 1, VOLT_NF, &n)))
        return rc;
    lm->n = (int)n;
    return 0;
}

/* 'feature NAME id|log EPS IMPUTE MEAN SCALE COEF' */
static int read_term(volt_model_reader_t *r, lin_term_t *t)
{
    int rc;
    if ((rc = volt_mr_expect(r, "feature", 7)))
        return rc;
    if ((rc = volt_mr_feature(r, r->tok[1])) < 0)
        return rc;
    t->idx = rc;
    if (strcmp(r->tok[2], "id") == 0)
        t->tf = TF_ID;
    else if (strcmp(r->tok[2], "log") == 0)
        t->tf = TF_LOG;
    else
        return VOLT_ERR(-EINVAL, "%s:%d: transform must be id or log, not '%s'", r->what, r->line,
                        r->tok[2]);
    if ((rc = volt_mr_finite(r, 3, &t->eps)) || (rc = volt_mr_finite(r, 4, &t->impute)) ||
        (rc = volt_mr_finite(r, 5, &t->mean)) || (rc = volt_mr_finite(r, 6, &t->scale)) ||
        (rc = volt_mr_finite(r, 7, &t->coef)))
        return rc;
    if (!(t->scale > 0.0))
        return VOLT_ERR(-EINVAL, "%s:%d: scale must be > 0", r->what, r->line);
    if (t->tf == TF_LOG && !(t->eps >= 1e-300)) /* x + eps then is a normal double */
        return VOLT_ERR(-EINVAL, "%s:%d: a log transform needs eps >= 1e-300", r->what, r->line);
    return 0;
}

/* The terms regrouped for the scorers: scaling folded into the weights and the bias, log terms
 * and identity terms apart (each padded to a multiple of four with zero weights), and the
 * identity terms again by feature for the AVX2 path. */
static void regroup(lin_model_t *lm)
{
    lm->b = lm->intercept;
    for (int i = 0; i < lm->n; i++) {
        const lin_term_t *t = &lm->t[i];
        const double w = t->coef / t->scale;
        lm->b -= w * t->mean;
        if (t->tf == TF_LOG) {
            lm->lidx[lm->nl] = t->idx;
            lm->leps[lm->nl] = t->eps;
            lm->limp[lm->nl] = t->impute;
            lm->lw[lm->nl++] = w;
        } else {
            lm->iidx[lm->ni] = t->idx;
            lm->iimp[lm->ni] = t->impute;
            lm->iw[lm->ni++] = w;
        }
    }
    lm->dense_ok = 1;
    for (int i = 0; i < lm->n; i++) { /* feature space, identity terms */
        const lin_term_t *t = &lm->t[i];
        if (t->tf != TF_ID)
            continue;
        for (int j = 0; j < i; j++)
            if (lm->t[j].tf == TF_ID && lm->t[j].idx == t->idx)
                lm->dense_ok = 0;
        lm->fw[t->idx] = t->coef / t->scale;
        lm->fimp[t->idx] = t->impute;
    }
    for (int k = lm->nl; k < ((lm->nl + 3) & ~3); k++) {
        lm->lidx[k] = 0;
        lm->leps[k] = 1.0;
        lm->limp[k] = lm->lw[k] = 0.0;
    }
    for (int k = lm->ni; k < ((lm->ni + 3) & ~3); k++) {
        lm->iidx[k] = 0;
        lm->iimp[k] = lm->iw[k] = 0.0;
    }
}

int volt_linear_read(volt_model_reader_t *r, volt_model_t *m)
{
    lin_model_t *lm = calloc(1, sizeof *lm);
    if (!lm)
        return VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
    int rc = read_head(r, lm);
    for (int i = 0; i < lm->n && !rc; i++)
        rc = read_term(r, &lm->t[i]);
    if (rc || (rc = volt_mr_expect(r, "end", 0))) {
        free(lm);
        return rc;
    }
    regroup(lm);
    /* the path is chosen once, here: the AVX2 scorer when the ISA chosen by volt_simd_init (or
     * forced) is AVX2 and no feature is read by two identity terms */
    m->ops = &k_logistic;
#if defined(__x86_64__)
    if (volt_simd_isa() == VOLT_ISA_AVX2 && lm->dense_ok)
        m->ops = &k_logistic_avx2[(lm->nl + 3) / 4];
#endif
    if (lm->probit)
        m->ops = &k_probit;
    m->state = lm;
    m->n_features = lm->n;
    return 0;
}

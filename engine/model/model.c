#include "engine/model/model.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "simd/cpu.h"
#include "simd/vlog.h"
#include "simd/vexp.h"
#include "simd/vlog_avx2.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* ---- z-score baseline ------------------------------------------------------------------------ */

static void zscore_score(const void *state, const double *f, double *score, double *prob)
{
    (void)state;
    const double z = f[VOLT_F_VOL_ZSCORE];
    *score = z;
    *prob = isnan(z) ? NAN : 0.5 * erfc(-z * M_SQRT1_2);
}

static void zscore_free(void *state) { (void)state; }

static const volt_model_ops_t k_zscore = {.name = "zscore", .score = zscore_score, .free = zscore_free};

/* ---- logistic regression --------------------------------------------------------------------- */

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
/* AVX2: the log-transformed inputs loaded four at a time (four scalar loads: vgatherdpd measured
 * slower on this Zen 3), logged in registers (simd/vlog_avx2.h), impute-selected and weighed;
 * the identity inputs read straight from the
 * feature array in feature-index order, four per instruction, with weight 0 for features the
 * identity terms do not read (the last, partial group through a masked load). */
__attribute__((target("avx2,fma"), always_inline)) static inline double
lin_logit_avx2(const lin_model_t *m, const double *f, const int ngl)
{
    const __m256d inf = _mm256_set1_pd(INFINITY), sign = _mm256_set1_pd(-0.0),
                  zero = _mm256_setzero_pd();
    /* The logged groups are the critical path (load, log, weigh): two accumulators halve the chain
     * of dependent FMAs after the last log, and the bias rides in lane 0 of the first instead of
     * one more addition at the end. */
    __m256d a1 = _mm256_set_pd(0.0, 0.0, 0.0, m->b), a2 = _mm256_setzero_pd();
#pragma GCC unroll 8
    for (int g = 0; g < ngl; g++) {
        const int k = 4 * g;
        const int *ix = m->lidx + k;
        const __m256d x = _mm256_set_pd(f[ix[3]], f[ix[2]], f[ix[1]], f[ix[0]]);
        /* usable: 0 <= x < inf (false for NaN) */
        const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x, zero, _CMP_GE_OQ),
                                         _mm256_cmp_pd(x, inf, _CMP_LT_OQ));
        /* unusable lanes are logged as they are: the log's integer reduction puts any bit pattern
         * (negative, zero, subnormal, infinite, NaN) at a mantissa in [sqrt(1/2), sqrt(2)), so
         * their results are finite and the blend below discards them, ok being ready by then */
        const __m256d v = _mm256_add_pd(x, _mm256_loadu_pd(m->leps + k));
        const __m256d s = _mm256_blendv_pd(_mm256_loadu_pd(m->limp + k), volt_log4_normal_avx2(v), ok);
        if (g & 1)
            a2 = _mm256_fmadd_pd(_mm256_loadu_pd(m->lw + k), s, a2);
        else
            a1 = _mm256_fmadd_pd(_mm256_loadu_pd(m->lw + k), s, a1);
    }
    /* identity terms: ready long before the logs, so two chains of four FMAs (fewer instructions
     * than products summed as a tree, and off the critical path) */
    enum { NG = (VOLT_NF + 3) / 4 };
    _Static_assert(NG == 8, "the identity terms below run as two chains of four groups");
    __m256d b1 = _mm256_setzero_pd(), b2 = _mm256_setzero_pd();
#pragma GCC unroll 8
    for (int g = 0; g < NG; g++) {
        __m256d x;
        if (4 * g + 4 <= VOLT_NF) {
            x = _mm256_loadu_pd(f + 4 * g);
        } else { /* the partial last group: masked load, never past the array */
            const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
            x = _mm256_maskload_pd(f + 4 * g, _mm256_cmpgt_epi64(_mm256_set1_epi64x(VOLT_NF - 4 * g), lane));
        }
        const __m256d fin = _mm256_cmp_pd(_mm256_andnot_pd(sign, x), inf, _CMP_LT_OQ);
        const __m256d t = _mm256_blendv_pd(_mm256_loadu_pd(m->fimp + 4 * g), x, fin);
        if (g & 1)
            b2 = _mm256_fmadd_pd(_mm256_loadu_pd(m->fw + 4 * g), t, b2);
        else
            b1 = _mm256_fmadd_pd(_mm256_loadu_pd(m->fw + 4 * g), t, b1);
    }
    const __m256d a = _mm256_add_pd(_mm256_add_pd(b1, b2), _mm256_add_pd(a1, a2));
    const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

/* The whole AVX2 prediction in one function: the logit and the inline logistic link
 * (simd/vexp.h) inlined, no call on the way. One copy per count of logged groups (0..8), chosen at
 * load: the groups' loop is then fully unrolled, with no counter, no alternating branch and the
 * log's constants held in registers throughout. */
#define VOLT_LIN_EACH_COUNT(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8)
#define VOLT_LIN_SCORE_AVX2(G)                                                                     \
    __attribute__((target("avx2,fma"))) static void lin_score_avx2_##G(                            \
        const void *state, const double *f, double *score, double *prob)                           \
    {                                                                                              \
        const double z = lin_logit_avx2(state, f, G);                                              \
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

/* ---- gradient-boosted trees ------------------------------------------------------------------ */

/* One internal node of a padded complete tree: go right when !(x < thr), except a missing input,
 * which goes right unless default_left. Padding nodes carry any split: both their subtrees hold
 * the same leaf value. */
typedef struct gbt_node {
    float thr;
    uint16_t in;  /* model input index */
    uint16_t dl;  /* 1: missing goes left */
} gbt_node_t;

typedef struct gbt_model {
    double base_margin;
    double ca, cb;      /* calibration: score = ca * (base_margin + sum of leaves) + cb */
    int n_in, n_trees, depth;
    int idx[VOLT_NF];   /* model input -> engine feature index */
    int den[VOLT_NF];   /* ratio inputs: the denominator's feature index, -1 for a plain input */
    int n_ratio;        /* inputs that are ratios (0: the plain gather) */
    int n_int, n_leaf;  /* per tree: 2^depth - 1 internal nodes, 2^depth leaves */
    gbt_node_t *nodes;  /* n_trees * n_int */
    float *leaves;      /* n_trees * n_leaf */
} gbt_model_t;

/* One level down a padded tree: the child of node i (2i + 1 left, 2i + 2 right). */
static inline unsigned gbt_step(const gbt_node_t *n, unsigned i, const float *x, const uint16_t *miss)
{
    const gbt_node_t *a = n + i;
    return 2 * i + 1 + ((unsigned)!(x[a->in] < a->thr) ^ (miss[a->in] & a->dl));
}

static void gbt_score(const void *state, const double *f, double *score, double *prob)
{
    const gbt_model_t *m = state;
    float x[VOLT_NF];
    uint16_t miss[VOLT_NF];
    if (m->n_ratio == 0) {
        for (int i = 0; i < m->n_in; i++) {
            const double v = f[m->idx[i]];
            x[i] = (float)v;
            miss[i] = (uint16_t)(isnan(v) != 0);
        }
    } else {
        /* a ratio input f[a] / f[b] is missing when it is not finite (either side missing, b 0) */
        for (int i = 0; i < m->n_in; i++) {
            double v = f[m->idx[i]];
            if (m->den[i] >= 0) {
                v /= f[m->den[i]];
                v = isfinite(v) ? v : NAN;
            }
            x[i] = (float)v;
            miss[i] = (uint16_t)(isnan(v) != 0);
        }
    }
    const int D = m->depth, NI = m->n_int, NL = m->n_leaf;
    double sum = 0.0;
    int t = 0;
    /* Four trees in lock-step: their node loads are independent, so they overlap. */
    for (; t + 4 <= m->n_trees; t += 4) {
        const gbt_node_t *n0 = m->nodes + (size_t)t * NI, *n1 = n0 + NI, *n2 = n1 + NI,
                         *n3 = n2 + NI;
        unsigned i0 = 0, i1 = 0, i2 = 0, i3 = 0;
        for (int d = 0; d < D; d++) {
            i0 = gbt_step(n0, i0, x, miss);
            i1 = gbt_step(n1, i1, x, miss);
            i2 = gbt_step(n2, i2, x, miss);
            i3 = gbt_step(n3, i3, x, miss);
        }
        const float *l = m->leaves + (size_t)t * NL;
        sum += (double)l[i0 - NI] + (double)l[NL + i1 - NI] + (double)l[2 * NL + i2 - NI] +
               (double)l[3 * NL + i3 - NI];
    }
    for (; t < m->n_trees; t++) {
        const gbt_node_t *n = m->nodes + (size_t)t * NI;
        unsigned i = 0;
        for (int d = 0; d < D; d++)
            i = gbt_step(n, i, x, miss);
        sum += (double)m->leaves[(size_t)t * NL + i - NI];
    }
    const double z = m->ca * (m->base_margin + sum) + m->cb;
    *score = z;
    *prob = 1.0 / (1.0 + exp(-z));
}

static void gbt_free(void *state)
{
    gbt_model_t *m = state;
    if (!m)
        return;
    free(m->nodes);
    free(m->leaves);
    free(m);
}

static const volt_model_ops_t k_gbt = {.name = "gbt", .score = gbt_score, .free = gbt_free};

/* ---- the model file -------------------------------------------------------------------------- */

typedef struct reader {
    FILE *in;
    const char *what;
    int line;
    char buf[1024];
    char *tok[12];
    int ntok;
} reader_t;

/* Next non-blank, non-comment line split into tokens. 0, or -1 at end of file. */
static int next_line(reader_t *r)
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
static int expect(reader_t *r, const char *key, int n)
{
    int rc = next_line(r);
    if (rc)
        return rc;
    if (strcmp(r->tok[0], key) != 0)
        return VOLT_ERR(-EINVAL, "%s:%d: expected '%s', found '%s'", r->what, r->line, key, r->tok[0]);
    if (r->ntok != n + 1)
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' takes %d value(s), found %d", r->what, r->line, key, n,
                        r->ntok - 1);
    return 0;
}

static int num(reader_t *r, int i, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(r->tok[i], &end);
    if (*end || end == r->tok[i] || errno == ERANGE)
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' is not a number", r->what, r->line, r->tok[i]);
    return 0;
}

static int finite_num(reader_t *r, int i, double *v)
{
    int rc = num(r, i, v);
    if (!rc && !isfinite(*v))
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' must be finite", r->what, r->line, r->tok[i]);
    return rc;
}

static int count(reader_t *r, int i, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(r->tok[i], &end, 10);
    if (*end || end == r->tok[i] || errno || *v < lo || *v > hi)
        return VOLT_ERR(-EINVAL, "%s:%d: '%s' must be an integer from %ld to %ld", r->what, r->line,
                        r->tok[i], lo, hi);
    return 0;
}

static int feature_index(reader_t *r, const char *name)
{
    for (int i = 0; i < VOLT_NF; i++)
        if (strcmp(volt_feature_table[i].name, name) == 0)
            return i;
    return VOLT_ERR(-EINVAL, "%s:%d: unknown feature '%s' (this engine computes the %d features in "
                             "docs/features.md)", r->what, r->line, name, VOLT_NF);
}

static int read_logistic(reader_t *r, volt_model_t *m)
{
    lin_model_t *lm = calloc(1, sizeof *lm);
    if (!lm)
        return VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
    int rc;
    long n;
    /* an optional 'link logit|probit' before the intercept (default logit) */
    if ((rc = next_line(r)))
        goto fail;
    if (strcmp(r->tok[0], "link") == 0) {
        if (r->ntok != 2 || (strcmp(r->tok[1], "logit") != 0 && strcmp(r->tok[1], "probit") != 0)) {
            rc = VOLT_ERR(-EINVAL, "%s:%d: 'link' takes logit or probit", r->what, r->line);
            goto fail;
        }
        lm->probit = strcmp(r->tok[1], "probit") == 0;
        if ((rc = next_line(r)))
            goto fail;
    }
    if (strcmp(r->tok[0], "intercept") != 0 || r->ntok != 2) {
        rc = VOLT_ERR(-EINVAL, "%s:%d: expected 'intercept B'", r->what, r->line);
        goto fail;
    }
    if ((rc = finite_num(r, 1, &lm->intercept)) ||
        (rc = expect(r, "features", 1)) || (rc = count(r, 1, 1, VOLT_NF, &n)))
        goto fail;
    lm->n = (int)n;
    for (int i = 0; i < lm->n; i++) {
        lin_term_t *t = &lm->t[i];
        if ((rc = expect(r, "feature", 7)))
            goto fail;
        if ((rc = feature_index(r, r->tok[1])) < 0)
            goto fail;
        t->idx = rc;
        if (strcmp(r->tok[2], "id") == 0)
            t->tf = TF_ID;
        else if (strcmp(r->tok[2], "log") == 0)
            t->tf = TF_LOG;
        else {
            rc = VOLT_ERR(-EINVAL, "%s:%d: transform must be id or log, not '%s'", r->what, r->line,
                          r->tok[2]);
            goto fail;
        }
        if ((rc = finite_num(r, 3, &t->eps)) || (rc = finite_num(r, 4, &t->impute)) ||
            (rc = finite_num(r, 5, &t->mean)) || (rc = finite_num(r, 6, &t->scale)) ||
            (rc = finite_num(r, 7, &t->coef)))
            goto fail;
        if (!(t->scale > 0.0)) {
            rc = VOLT_ERR(-EINVAL, "%s:%d: scale must be > 0", r->what, r->line);
            goto fail;
        }
        if (t->tf == TF_LOG && !(t->eps >= 1e-300)) { /* x + eps then is a normal double */
            rc = VOLT_ERR(-EINVAL, "%s:%d: a log transform needs eps >= 1e-300", r->what, r->line);
            goto fail;
        }
    }
    if ((rc = expect(r, "end", 0)))
        goto fail;
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
fail:
    free(lm);
    return rc;
}

/* A tree as read: nodes by id. */
typedef struct rnode {
    int left, right, in, dl, leaf;
    float thr, value;
} rnode_t;

/* Depth of the subtree at id (leaf = 0); -1 on a cycle or a bad reference. */
static int tree_depth(const rnode_t *n, int nn, int id, int guard)
{
    if (id < 0 || id >= nn || guard > VOLT_MODEL_MAX_DEPTH + 1)
        return -1;
    if (n[id].leaf)
        return 0;
    const int a = tree_depth(n, nn, n[id].left, guard + 1);
    const int b = tree_depth(n, nn, n[id].right, guard + 1);
    return a < 0 || b < 0 ? -1 : 1 + (a > b ? a : b);
}

/* Writes the subtree at id into the padded tree at position pos (level d of depth D). */
static void pad(const rnode_t *n, int id, unsigned pos, int d, int D, gbt_node_t *out, float *leaves)
{
    const unsigned ni = (1u << D) - 1;
    if (d == D) {
        leaves[pos - ni] = n[id].value;
        return;
    }
    if (n[id].leaf) {
        out[pos] = (gbt_node_t){.thr = 0.0f, .in = 0, .dl = 1};
        pad(n, id, 2 * pos + 1, d + 1, D, out, leaves);
        pad(n, id, 2 * pos + 2, d + 1, D, out, leaves);
        return;
    }
    out[pos] = (gbt_node_t){.thr = n[id].thr, .in = (uint16_t)n[id].in, .dl = (uint16_t)n[id].dl};
    pad(n, n[id].left, 2 * pos + 1, d + 1, D, out, leaves);
    pad(n, n[id].right, 2 * pos + 2, d + 1, D, out, leaves);
}

static int read_gbt(reader_t *r, volt_model_t *m)
{
    gbt_model_t *g = calloc(1, sizeof *g);
    rnode_t **trees = NULL;
    long nt = 0, n;
    int rc;
    if (!g)
        return VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
    if ((rc = expect(r, "base_margin", 1)) || (rc = finite_num(r, 1, &g->base_margin)) ||
        (rc = expect(r, "calibration", 2)) || (rc = finite_num(r, 1, &g->ca)) ||
        (rc = finite_num(r, 2, &g->cb)) || (rc = expect(r, "features", 1)) || (rc = count(r, 1, 1, VOLT_NF, &n)))
        goto fail;
    g->n_in = (int)n;
    for (int i = 0; i < g->n_in; i++) { /* 'feature NAME' or 'feature NAME DENOMINATOR' */
        if ((rc = next_line(r)))
            goto fail;
        if (strcmp(r->tok[0], "feature") != 0 || r->ntok < 2 || r->ntok > 3) {
            rc = VOLT_ERR(-EINVAL, "%s:%d: expected 'feature NAME [DENOMINATOR]'", r->what,
                          r->line);
            goto fail;
        }
        if ((rc = feature_index(r, r->tok[1])) < 0)
            goto fail;
        g->idx[i] = rc;
        g->den[i] = -1;
        if (r->ntok == 3) {
            if ((rc = feature_index(r, r->tok[2])) < 0)
                goto fail;
            g->den[i] = rc;
            g->n_ratio++;
        }
    }
    if ((rc = expect(r, "trees", 1)) || (rc = count(r, 1, 1, VOLT_MODEL_MAX_TREES, &nt)))
        goto fail;
    trees = calloc((size_t)nt, sizeof *trees);
    if (!trees) {
        rc = VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
        goto fail;
    }
    int D = 0;
    for (long t = 0; t < nt; t++) {
        long nn;
        if ((rc = expect(r, "tree", 1)) || (rc = count(r, 1, 1, 1L << (VOLT_MODEL_MAX_DEPTH + 1), &nn)))
            goto fail;
        rnode_t *nd = calloc((size_t)nn, sizeof *nd);
        if (!nd) {
            rc = VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
            goto fail;
        }
        trees[t] = nd;
        for (long k = 0; k < nn; k++)
            nd[k].left = -2; /* not yet defined */
        for (long k = 0; k < nn; k++) {
            long id, v;
            double x;
            if ((rc = next_line(r)))
                goto fail;
            if (strcmp(r->tok[0], "leaf") == 0 && r->ntok == 3) {
                if ((rc = count(r, 1, 0, nn - 1, &id)) || (rc = finite_num(r, 2, &x)))
                    goto fail;
                nd[id] = (rnode_t){.leaf = 1, .value = (float)x, .left = -1, .right = -1};
            } else if (strcmp(r->tok[0], "node") == 0 && r->ntok == 7) {
                if ((rc = count(r, 1, 0, nn - 1, &id)))
                    goto fail;
                rnode_t *q = &nd[id];
                if ((rc = count(r, 2, 0, nn - 1, &v)))
                    goto fail;
                q->left = (int)v;
                if ((rc = count(r, 3, 0, nn - 1, &v)))
                    goto fail;
                q->right = (int)v;
                if ((rc = count(r, 4, 0, g->n_in - 1, &v)))
                    goto fail;
                q->in = (int)v;
                if ((rc = num(r, 5, &x)))
                    goto fail;
                if (isnan(x)) {
                    rc = VOLT_ERR(-EINVAL, "%s:%d: split must not be NaN", r->what, r->line);
                    goto fail;
                }
                q->thr = (float)x;
                if ((rc = count(r, 6, 0, 1, &v)))
                    goto fail;
                q->dl = (int)v;
            } else {
                rc = VOLT_ERR(-EINVAL, "%s:%d: expected 'node ID LEFT RIGHT INPUT SPLIT DEFAULT_LEFT' "
                                       "or 'leaf ID VALUE'", r->what, r->line);
                goto fail;
            }
        }
        for (long k = 0; k < nn; k++)
            if (nd[k].left == -2) {
                rc = VOLT_ERR(-EINVAL, "%s: tree %ld: node %ld is never defined", r->what, t, k);
                goto fail;
            }
        const int d = tree_depth(nd, (int)nn, 0, 0);
        if (d < 0 || d > VOLT_MODEL_MAX_DEPTH) {
            rc = VOLT_ERR(-EINVAL, "%s: tree %ld: %s", r->what, t,
                          d < 0 ? "a child reference loops or is out of range"
                                : "deeper than the scorer takes (10)");
            goto fail;
        }
        if (d > D)
            D = d;
    }
    if ((rc = expect(r, "end", 0)))
        goto fail;
    if (D == 0)
        D = 1; /* stumps of one leaf: pad to one split */
    g->depth = D;
    g->n_trees = (int)nt;
    g->n_int = (1 << D) - 1;
    g->n_leaf = 1 << D;
    g->nodes = aligned_alloc(64, ((size_t)nt * (size_t)g->n_int * sizeof(gbt_node_t) + 63) / 64 * 64);
    g->leaves = aligned_alloc(64, ((size_t)nt * (size_t)g->n_leaf * sizeof(float) + 63) / 64 * 64);
    if (!g->nodes || !g->leaves) {
        rc = VOLT_ERR(-ENOMEM, "%s: out of memory for %ld trees of depth %d", r->what, nt, D);
        goto fail;
    }
    for (long t = 0; t < nt; t++)
        pad(trees[t], 0, 0, 0, D, g->nodes + (size_t)t * g->n_int, g->leaves + (size_t)t * g->n_leaf);
    for (long t = 0; t < nt; t++)
        free(trees[t]);
    free(trees);
    m->ops = &k_gbt;
    m->state = g;
    m->n_features = g->n_in;
    m->n_trees = g->n_trees;
    m->depth = D;
    return 0;
fail:
    if (trees)
        for (long t = 0; t < nt; t++)
            free(trees[t]);
    free(trees);
    gbt_free(g);
    return rc;
}

int volt_model_read(volt_model_t *m, FILE *in, const char *what)
{
    memset(m, 0, sizeof *m);
    reader_t r = {.in = in, .what = what};
    int rc;
    long ver;
    double thr;
    if ((rc = expect(&r, "volt-model", 1)) || (rc = count(&r, 1, 1, 1000, &ver)))
        return rc;
    if (ver != VOLT_MODEL_FILE_VERSION)
        return VOLT_ERR(-EINVAL, "%s: model file version %ld; this engine reads version %d", what, ver,
                        VOLT_MODEL_FILE_VERSION);
    if ((rc = expect(&r, "kind", 1)))
        return rc;
    char kind[16];
    snprintf(kind, sizeof kind, "%s", r.tok[1]);
    if ((rc = expect(&r, "version", 1)))
        return rc;
    snprintf(m->version, sizeof m->version, "%s", r.tok[1]);
    if ((rc = expect(&r, "threshold", 1)) || (rc = num(&r, 1, &thr)))
        return rc;
    if (!(thr >= 0.0 && thr <= 1.0))
        return VOLT_ERR(-EINVAL, "%s:%d: threshold must be a probability", what, r.line);
    m->threshold = thr;
    if (strcmp(kind, "logistic") == 0)
        rc = read_logistic(&r, m);
    else if (strcmp(kind, "gbt") == 0)
        rc = read_gbt(&r, m);
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
        m->ops = &k_zscore;
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

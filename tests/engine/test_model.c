/* Model files and scorers: the logistic and tree-ensemble scorers against hand-computed values and
 * against a plain recursive evaluation of the unpadded trees; every malformed file is refused with
 * a message naming the line, never a crash. (Parity with the lab's Python models on real rows is
 * tests/lab/test_parity.sh.) */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/base/err.h"
#include "engine/model/model.h"
#include "simd/cpu.h"

static int load_text(volt_model_t *m, const char *text)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(in);
    volt_err_clear();
    int rc = volt_model_read(m, in, "test.model");
    fclose(in);
    return rc;
}

static void vec(double *f, double fill)
{
    for (int i = 0; i < VOLT_NF; i++)
        f[i] = fill;
}

static const char k_logit[] =
    "# a comment line\n"
    "volt-model 1\n"
    "kind logistic\n"
    "version test-logit-1\n"
    "threshold 0.25\n"
    "intercept -1.5\n"
    "features 3\n"
    "feature rv_60s log 1e-8 -9.0 -8.0 0.5 2.0   # log, impute -9\n"
    "feature tod_sin id 0 0.0 0.1 0.2 -1.0\n"
    "feature trade_count_60s id 0 0x1.8p+1 3.0 2.0 0.25\n"
    "end\n";

Test(model, logistic_matches_hand_computation)
{
    volt_model_t m;
    cr_assert_eq(load_text(&m, k_logit), 0, "%s", volt_err_msg());
    cr_assert_str_eq(m.kind, "logistic");
    cr_assert_str_eq(m.version, "test-logit-1");
    cr_assert_float_eq(m.threshold, 0.25, 0);
    cr_assert_eq(m.n_features, 3);
    double f[VOLT_NF], s, p;
    vec(f, 7.0);
    f[VOLT_F_RV_60S] = 2e-4;
    f[VOLT_F_TOD_SIN] = 0.3;
    f[VOLT_F_TRADE_COUNT_60S] = 5.0;
    volt_model_score(&m, f, &s, &p);
    const double z = -1.5 + 2.0 * ((log(2e-4 + 1e-8) + 8.0) / 0.5) + -1.0 * ((0.3 - 0.1) / 0.2) +
                     0.25 * ((5.0 - 3.0) / 2.0);
    cr_assert_float_eq(s, z, 1e-12);
    cr_assert_float_eq(p, 1.0 / (1.0 + exp(-z)), 1e-15);
    /* missing inputs take the impute value (in the transformed space); a negative input to log is
     * missing too; trade_count's impute is written as a hex float (1.5 * 2 = 3) */
    f[VOLT_F_RV_60S] = -1.0;
    f[VOLT_F_TRADE_COUNT_60S] = NAN;
    volt_model_score(&m, f, &s, &p);
    const double z2 = -1.5 + 2.0 * ((-9.0 + 8.0) / 0.5) - 1.0 + 0.25 * 0.0;
    cr_assert_float_eq(s, z2, 1e-12);
    volt_model_close(&m);
}

/* Tree 0 (depth 3, uneven):                      Tree 1 (one split):
 *   0: rv_60s < 1e-4 ? 1 : 2, missing -> right      0: tod_cos < 0 ? 1 : 2, missing -> left
 *   1: leaf -0.5                                    1: leaf 0.25
 *   2: tod_cos < 0.5 ? 3 : 4, missing -> left       2: leaf -0.125
 *   3: leaf 0.75
 *   4: rv_60s < 3e-4 ? 5 : 6, missing -> left
 *   5: leaf 1.0
 *   6: leaf 2.0                                              */
static const char k_gbt[] =
    "volt-model 1\n"
    "kind gbt\n"
    "version test-gbt-1\n"
    "threshold 0.6\n"
    "base_margin -0.2\n"
    "calibration 1 0\n"
    "features 2\n"
    "feature rv_60s\n"
    "feature tod_cos\n"
    "trees 2\n"
    "tree 7\n"
    "node 0 1 2 0 1e-4 0\n"
    "leaf 1 -0.5\n"
    "node 2 3 4 1 0.5 1\n"
    "leaf 3 0.75\n"
    "node 4 5 6 0 3e-4 1\n"
    "leaf 5 1.0\n"
    "leaf 6 2.0\n"
    "tree 3\n"
    "leaf 2 -0.125\n" /* ids in any order */
    "node 0 1 2 1 0 1\n"
    "leaf 1 0.25\n"
    "end\n";

static double gbt_p(const volt_model_t *m, double rv, double cosv)
{
    double f[VOLT_NF], s, p;
    vec(f, 0.0);
    f[VOLT_F_RV_60S] = rv;
    f[VOLT_F_TOD_COS] = cosv;
    volt_model_score(m, f, &s, &p);
    cr_assert_float_eq(p, 1.0 / (1.0 + exp(-s)), 1e-15);
    return s;
}

Test(model, gbt_matches_hand_computation)
{
    volt_model_t m;
    cr_assert_eq(load_text(&m, k_gbt), 0, "%s", volt_err_msg());
    cr_assert_str_eq(m.kind, "gbt");
    cr_assert_eq(m.n_trees, 2);
    cr_assert_eq(m.depth, 3);
    const float e = 1e-6f;
    cr_assert_float_eq(gbt_p(&m, 5e-5, -1.0), -0.2 - 0.5 + 0.25, e);
    cr_assert_float_eq(gbt_p(&m, 2e-4, 0.1), -0.2 + 0.75 - 0.125, e);
    cr_assert_float_eq(gbt_p(&m, 2e-4, 0.9), -0.2 + 1.0 - 0.125, e);
    cr_assert_float_eq(gbt_p(&m, 5e-4, 0.9), -0.2 + 2.0 - 0.125, e);
    /* missing: rv goes right at the root, then left at node 4; cos goes left at node 2 and in
     * tree 1 */
    cr_assert_float_eq(gbt_p(&m, NAN, 0.9), -0.2 + 1.0 - 0.125, e);
    cr_assert_float_eq(gbt_p(&m, 2e-4, NAN), -0.2 + 0.75 + 0.25, e);
    cr_assert_float_eq(gbt_p(&m, NAN, NAN), -0.2 + 0.75 + 0.25, e);
    /* on the split value: x < split is false, so right */
    cr_assert_float_eq(gbt_p(&m, (double)1e-4f, 0.5), -0.2 + 1.0 - 0.125, e);
    volt_model_close(&m);
}

/* A plain recursive evaluator on the unpadded trees, for random forests. */
typedef struct {
    int left, right, in, dl, leaf;
    float thr, val;
} tn_t;

static double walk(const tn_t *t, int id, const double *x)
{
    if (t[id].leaf)
        return t[id].val;
    const double v = x[t[id].in];
    int left = isnan(v) ? t[id].dl : (float)v < t[id].thr;
    return walk(t, left ? t[id].left : t[id].right, x);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double unif(uint64_t *s) { return (double)(rng(s) >> 11) / 9007199254740992.0; }

/* Grows a random tree of at most depth `d` in t from node id *n; returns its id. */
static int grow(tn_t *t, int *n, int d, uint64_t *s)
{
    const int id = (*n)++;
    if (d == 0 || unif(s) < 0.2) {
        t[id] = (tn_t){.leaf = 1, .val = (float)(unif(s) * 2 - 1)};
        return id;
    }
    t[id] = (tn_t){.in = (int)(rng(s) % 5), .dl = (int)(rng(s) & 1), .thr = (float)(unif(s) * 2 - 1)};
    const int l = grow(t, n, d - 1, s);
    const int r = grow(t, n, d - 1, s);
    t[id].left = l;
    t[id].right = r;
    return id;
}

Test(model, gbt_random_forest_equals_recursive_walk)
{
    enum { T = 37, MAXN = 1 << 8 };
    static tn_t trees[T][MAXN];
    int nn[T];
    uint64_t s = 0x9e3779b97f4a7c15ull;
    static char text[1 << 20];
    int o = snprintf(text, sizeof text,
                     "volt-model 1\nkind gbt\nversion rnd\nthreshold 0.5\nbase_margin 0.125\ncalibration 0.5 -0.25\n"
                     "features 5\nfeature rv_10s\nfeature rv_60s\nfeature logret_10s\n"
                     "feature tod_sin\nfeature spread_change_10s_bps\ntrees %d\n", T);
    for (int t = 0; t < T; t++) {
        nn[t] = 0;
        grow(trees[t], &nn[t], 1 + t % 7, &s);
        o += snprintf(text + o, sizeof text - (size_t)o, "tree %d\n", nn[t]);
        for (int k = 0; k < nn[t]; k++) {
            const tn_t *q = &trees[t][k];
            if (q->leaf)
                o += snprintf(text + o, sizeof text - (size_t)o, "leaf %d %a\n", k, (double)q->val);
            else
                o += snprintf(text + o, sizeof text - (size_t)o, "node %d %d %d %d %a %d\n", k,
                              q->left, q->right, q->in, (double)q->thr, q->dl);
        }
    }
    snprintf(text + o, sizeof text - (size_t)o, "end\n");
    volt_model_t m;
    cr_assert_eq(load_text(&m, text), 0, "%s", volt_err_msg());
    cr_assert_eq(m.depth, 7);
    const int map[5] = {VOLT_F_RV_10S, VOLT_F_RV_60S, VOLT_F_LOGRET_10S, VOLT_F_TOD_SIN,
                        VOLT_F_SPREAD_CHANGE_10S};
    for (int row = 0; row < 20000; row++) {
        double f[VOLT_NF], x[5], sc, p;
        vec(f, 0.0);
        for (int i = 0; i < 5; i++) {
            x[i] = unif(&s) < 0.1 ? NAN : unif(&s) * 2.2 - 1.1;
            f[map[i]] = x[i];
        }
        double want = 0.125;
        for (int t = 0; t < T; t++)
            want += walk(trees[t], 0, x);
        want = 0.5 * want - 0.25; /* the calibration line */
        volt_model_score(&m, f, &sc, &p);
        cr_assert(fabs(sc - want) <= 1e-12 * (1 + fabs(want)), "row %d: %.17g vs %.17g", row, sc, want);
    }
    volt_model_close(&m);
}

Test(model, zscore_builtin)
{
    volt_model_t m;
    cr_assert_eq(volt_model_open(&m, "zscore"), 0);
    double f[VOLT_NF], s, p;
    vec(f, NAN);
    volt_model_score(&m, f, &s, &p);
    cr_assert(isnan(p));
    f[VOLT_F_VOL_ZSCORE] = 2.0;
    volt_model_score(&m, f, &s, &p);
    cr_assert_float_eq(p, m.threshold, 1e-15);
    volt_model_close(&m);
}

static void refused(const char *text, const char *needle)
{
    volt_model_t m;
    int rc = load_text(&m, text);
    cr_assert_lt(rc, 0, "accepted: %s", text);
    cr_assert_not_null(strstr(volt_err_msg(), needle), "message '%s' lacks '%s'", volt_err_msg(), needle);
}

Test(model, malformed_files_are_refused_with_a_reason)
{
    refused("", "unexpected end of file");
    refused("volt-model 2\n", "version 2");
    refused("volt-model 1\nkind forest\nversion v\nthreshold 0.5\n", "unknown model kind");
    refused("volt-model 1\nkind logistic\nversion v\nthreshold 1.5\n", "probability");
    refused("volt-model 1\nkind logistic\nversion v\nthreshold 0.5\nintercept 0\nfeatures 1\n"
            "feature no_such id 0 0 0 1 1\nend\n", "unknown feature 'no_such'");
    refused("volt-model 1\nkind logistic\nversion v\nthreshold 0.5\nintercept 0\nfeatures 1\n"
            "feature rv_60s id 0 0 0 0 1\nend\n", "scale must be > 0");
    refused("volt-model 1\nkind logistic\nversion v\nthreshold 0.5\nintercept nan\n", "finite");
    refused("volt-model 1\nkind logistic\nversion v\nthreshold 0.5\nintercept 0\nfeatures 1\n"
            "feature rv_60s sqrt 0 0 0 1 1\nend\n", "transform");
    refused("volt-model 1\nkind logistic\nversion v\nthreshold 0.5\nintercept 0\nfeatures 1\n"
            "feature rv_60s log 1e-305 0 0 1 1\nend\n", "eps >= 1e-300");
    refused("volt-model 1\nkind logistic\nversion v\nthreshold 0.5\nintercept 0\nfeatures 1\n"
            "feature rv_60s id 0 0 0 1 1\n", "end of file");
    const char *g = "volt-model 1\nkind gbt\nversion v\nthreshold 0.5\nbase_margin 0\ncalibration 1 0\nfeatures 1\n"
                    "feature rv_60s\ntrees 1\n";
    char b[512];
    snprintf(b, sizeof b, "%stree 3\nnode 0 1 0 0 1 0\nleaf 1 1\nleaf 2 1\nend\n", g);
    refused(b, "loops");
    snprintf(b, sizeof b, "%stree 3\nnode 0 1 2 0 nan 0\nleaf 1 1\nleaf 2 1\nend\n", g);
    refused(b, "NaN");
    snprintf(b, sizeof b, "%stree 3\nnode 0 1 2 3 1 0\nleaf 1 1\nleaf 2 1\nend\n", g);
    refused(b, "'3' must be an integer from 0 to 0");
    snprintf(b, sizeof b, "%stree 3\nnode 0 1 2 0 1 0\nleaf 1 1\nend\n", g);
    refused(b, "expected 'node");
    snprintf(b, sizeof b, "%stree 3\nnode 0 1 2 0 1 0\nleaf 1 1\nleaf 1 2\nend\n", g);
    refused(b, "never defined");
    refused("volt-model 1\nkind gbt\nversion v\nthreshold 0.5\nbase_margin 0\ncalibration 1 0\nfeatures 1\n"
            "feature rv_60s\ntrees 1\ntree 1\nleaf 0 0.5\nextra\n", "expected 'end'");
    /* a tree deeper than the scorer takes: a chain of 11 splits */
    char deep[2048];
    int o = snprintf(deep, sizeof deep, "%stree 23\n", g);
    for (int k = 0; k < 11; k++)
        o += snprintf(deep + o, sizeof deep - (size_t)o, "node %d %d %d 0 1 0\nleaf %d 1\n", 2 * k,
                      2 * k + 1, 2 * k + 2, 2 * k + 1);
    snprintf(deep + o, sizeof deep - (size_t)o, "leaf 22 1\nend\n");
    refused(deep, "deeper than");
    volt_model_t m;
    volt_err_clear();
    cr_assert_lt(volt_model_open(&m, "/nonexistent/model.txt"), 0);
    cr_assert_not_null(strstr(volt_err_msg(), "/nonexistent/model.txt"));
}

/* The AVX2 logistic path (inline vector log and exp, feature-space blend and weigh) equals the
 * gathered scalar path (libm) on random models and rows with missing, negative, zero, subnormal,
 * huge and infinite inputs; a model naming a feature twice
 * (allowed by the format) scores the same on both. Trials 20.. log-transform the first
 * 0, 3, 8, 11, ... inputs and the last all VOLT_NF: every count of logged groups of four (0 ..
 * (VOLT_NF + 3) / 4), each of which has its own unrolled AVX2 copy. */
Test(model, logistic_avx2_equals_scalar)
{
    enum { NG = (VOLT_NF + 3) / 4 + 1, LAST = 20 + NG - 1 }; /* AVX2 copies: 0 .. NG-1 logged groups */
    _Static_assert(VOLT_NF % 5 != 0, "feature i*5+trial mod VOLT_NF: distinct for i < VOLT_NF");
    uint64_t s = 77;
    const void *seen[NG] = {0};
    for (int trial = 0; trial <= LAST; trial++) {
        const int nlog = trial < 20 ? -1 : trial == LAST ? VOLT_NF : 4 * (trial - 20) - (trial & 1);
        static char text[16384];
        int o = snprintf(text, sizeof text, "volt-model 1\nkind logistic\nversion r\nthreshold 0.5\n"
                                            "intercept %a\nfeatures %d\n", unif(&s) - 0.5,
                         trial >= 19 ? VOLT_NF : VOLT_NF - trial);
        for (int i = 0; i < (trial >= 19 ? VOLT_NF : VOLT_NF - trial); i++) {
            /* trial 19: feature 3 read by two identity terms (i = 5 and i = 11), which the AVX2
             * path's feature-space weights cannot hold: that model keeps the scalar path */
            const int fi = trial == 19 && (i == 5 || i == 11) ? 3 : (i * 5 + trial) % VOLT_NF;
            const int is_log = nlog >= 0                        ? i < nlog
                               : trial == 19 && (i == 5 || i == 11) ? 0
                                                                    : (i + trial) % 3 == 0;
            o += snprintf(text + o, sizeof text - (size_t)o, "feature %s %s %a %a %a %a %a\n",
                          volt_feature_table[fi].name, is_log ? "log" : "id",
                          1e-6 + unif(&s) * 1e-3, unif(&s) - 0.5, unif(&s) - 0.5, 0.1 + unif(&s),
                          unif(&s) * 4 - 2);
        }
        snprintf(text + o, sizeof text - (size_t)o, "end\n");
        /* the scorer's path is chosen when the model is opened: one copy per ISA */
        volt_model_t ma, mb;
        volt_simd_force(VOLT_ISA_SCALAR);
        cr_assert_eq(load_text(&ma, text), 0, "%s", volt_err_msg());
        if (volt_simd_force(VOLT_ISA_AVX2) != VOLT_ISA_AVX2) {
            cr_log_warn("no AVX2 on this CPU: skipped");
            volt_model_close(&ma);
            volt_simd_init();
            return;
        }
        cr_assert_eq(load_text(&mb, text), 0, "%s", volt_err_msg());
        volt_simd_init();
        for (int row = 0; row < 500; row++) {
            double f[VOLT_NF], sa, pa, sb, pb;
            for (int i = 0; i < VOLT_NF; i++) {
                const double u = unif(&s);
                f[i] = u < 0.05   ? NAN
                       : u < 0.07 ? -unif(&s)
                       : u < 0.08 ? INFINITY
                       : u < 0.09 ? 0.0
                       : u < 0.10 ? 4.9e-324 * (double)(1 + (int)(unif(&s) * 1000))
                       : u < 0.11 ? 1e300 * unif(&s)
                                  : unif(&s) * 3;
            }
            volt_model_score(&ma, f, &sa, &pa);
            volt_model_score(&mb, f, &sb, &pb);
            cr_assert(fabs(sa - sb) <= 1e-12 * (1.0 + fabs(sa)), "trial %d row %d: %.17g vs %.17g",
                      trial, row, sa, sb);
            cr_assert(fabs(pa - pb) <= 1e-14);
        }
        cr_assert_eq(ma.ops == mb.ops, trial == 19, "trial %d: the scalar and the AVX2 copy %s",
                     trial, trial == 19 ? "share the scalar path (a repeated identity feature)"
                                        : "take different paths");
        if (nlog >= 0)
            seen[(nlog + 3) / 4] = mb.ops;
        volt_model_close(&ma);
        volt_model_close(&mb);
    }
    for (int g = 0; g < NG; g++) /* distinct copies, one per count of logged groups */
        for (int h = 0; h < g; h++)
            cr_assert_neq(seen[g], seen[h], "%d and %d logged groups share a scorer", h, g);
}

/* 'link probit': the probability is Phi(z) of the same linear score (the HAR model's link). */
Test(model, a_probit_link_gives_phi_of_the_score)
{
    char text[1024];
    const char *at = strstr(k_logit, "intercept");
    snprintf(text, sizeof text, "%.*slink probit\n%s", (int)(at - k_logit), k_logit, at);
    volt_model_t lg, pb;
    cr_assert_eq(load_text(&lg, k_logit), 0, "%s", volt_err_msg());
    cr_assert_eq(load_text(&pb, text), 0, "%s", volt_err_msg());
    double f[VOLT_NF], s1, p1, s2, p2;
    vec(f, 0.5);
    f[VOLT_F_RV_60S] = 3e-4;
    volt_model_score(&lg, f, &s1, &p1);
    volt_model_score(&pb, f, &s2, &p2);
    cr_assert_float_eq(s2, s1, 1e-12, "the same score");
    cr_assert_float_eq(p2, 0.5 * erfc(-s1 / sqrt(2.0)), 1e-15);
    cr_assert(fabs(p2 - p1) > 1e-3, "not the logistic link");
    volt_model_close(&lg);
    volt_model_close(&pb);
    snprintf(text, sizeof text, "%.*slink cubic\n%s", (int)(at - k_logit), k_logit, at);
    refused(text, "'link' takes logit or probit");
}

/* 'feature A B': a tree input that is the ratio f[A] / f[B], missing when it is not finite. */
Test(model, gbt_ratio_inputs_divide_and_are_missing_when_not_finite)
{
    static const char k_ratio[] =
        "volt-model 1\nkind gbt\nversion ratio-1\nthreshold 0.5\nbase_margin 0\n"
        "calibration 1 0\nfeatures 2\nfeature rv_60s tau_trailing\nfeature tod_cos\ntrees 1\n"
        "tree 3\nnode 0 1 2 0 1.5 1\nleaf 1 -1\nleaf 2 1\nend\n";
    volt_model_t m;
    cr_assert_eq(load_text(&m, k_ratio), 0, "%s", volt_err_msg());
    double f[VOLT_NF], s, p;
    vec(f, 0.0);
    f[VOLT_F_RV_60S] = 4e-4;
    f[VOLT_F_TAU_TRAILING] = 2e-4; /* ratio 2 >= 1.5: right */
    volt_model_score(&m, f, &s, &p);
    cr_assert_float_eq(s, 1.0, 1e-12);
    f[VOLT_F_TAU_TRAILING] = 4e-4; /* ratio 1: left */
    volt_model_score(&m, f, &s, &p);
    cr_assert_float_eq(s, -1.0, 1e-12);
    f[VOLT_F_RV_60S] = 1e-3; /* a larger numerator alone goes right: it divides, not reads */
    volt_model_score(&m, f, &s, &p);
    cr_assert_float_eq(s, 1.0, 1e-12);
    f[VOLT_F_TAU_TRAILING] = 0.0; /* x / 0 is not finite: missing, default left */
    volt_model_score(&m, f, &s, &p);
    cr_assert_float_eq(s, -1.0, 1e-12);
    f[VOLT_F_TAU_TRAILING] = NAN;
    volt_model_score(&m, f, &s, &p);
    cr_assert_float_eq(s, -1.0, 1e-12);
    volt_model_close(&m);
    refused("volt-model 1\nkind gbt\nversion v\nthreshold 0.5\nbase_margin 0\ncalibration 1 0\n"
            "features 1\nfeature rv_60s nope\n", "unknown feature 'nope'");
}

/* "default" opens the file VOLT_DEFAULT_MODEL names, and says so when it is missing. */
Test(model, default_opens_the_file_volt_default_model_names)
{
    char path[] = "/tmp/volt_model_XXXXXX";
    const int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, k_logit, strlen(k_logit)), (ssize_t)strlen(k_logit));
    close(fd);
    setenv("VOLT_DEFAULT_MODEL", path, 1);
    volt_model_t m;
    cr_assert_eq(volt_model_open(&m, "default"), 0, "%s", volt_err_msg());
    cr_assert_str_eq(m.version, "test-logit-1");
    volt_model_close(&m);
    unlink(path);
    volt_err_clear();
    cr_assert_lt(volt_model_open(&m, "default"), 0);
    cr_assert_not_null(strstr(volt_err_msg(), path), "%s", volt_err_msg());
    cr_assert_not_null(strstr(volt_err_msg(), "--model zscore"), "%s", volt_err_msg());
    unsetenv("VOLT_DEFAULT_MODEL");
}

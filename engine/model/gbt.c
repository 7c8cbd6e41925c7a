/* engine/model/gbt.c — gradient-boosted trees: XGBoost's trees as the lab exports them, padded to
 * complete binary trees of one depth and scored branch-free, four trees in lock-step. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/model/kinds.h"

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

/* 'base_margin', 'calibration A B', 'features N' and the N inputs: 'feature NAME' or
 * 'feature NAME DENOMINATOR' (a ratio). */
static int read_inputs(volt_model_reader_t *r, gbt_model_t *g)
{
    long n;
    int rc;
    if ((rc = volt_mr_expect(r, "base_margin", 1)) || (rc = volt_mr_finite(r, 1, &g->base_margin)) ||
        (rc = volt_mr_expect(r, "calibration", 2)) || (rc = volt_mr_finite(r, 1, &g->ca)) ||
        (rc = volt_mr_finite(r, 2, &g->cb)) || (rc = volt_mr_expect(r, "features", 1)) ||
        (rc = volt_mr_count(r, 1, 1, VOLT_NF, &n)))
        return rc;
    g->n_in = (int)n;
    for (int i = 0; i < g->n_in; i++) {
        if ((rc = volt_mr_next(r)))
            return rc;
        if (strcmp(r->tok[0], "feature") != 0 || r->ntok < 2 || r->ntok > 3)
            return VOLT_ERR(-EINVAL, "%s:%d: expected 'feature NAME [DENOMINATOR]'", r->what, r->line);
        if ((rc = volt_mr_feature(r, r->tok[1])) < 0)
            return rc;
        g->idx[i] = rc;
        g->den[i] = -1;
        if (r->ntok == 3) {
            if ((rc = volt_mr_feature(r, r->tok[2])) < 0)
                return rc;
            g->den[i] = rc;
            g->n_ratio++;
        }
    }
    return 0;
}

/* 'node ID LEFT RIGHT INPUT SPLIT DEFAULT_LEFT' or 'leaf ID VALUE' of a tree of nn nodes. */
static int read_node(volt_model_reader_t *r, const gbt_model_t *g, rnode_t *nd, long nn)
{
    long id, v[5];
    double x;
    int rc;
    if ((rc = volt_mr_next(r)))
        return rc;
    if (strcmp(r->tok[0], "leaf") == 0 && r->ntok == 3) {
        if ((rc = volt_mr_count(r, 1, 0, nn - 1, &id)) || (rc = volt_mr_finite(r, 2, &x)))
            return rc;
        nd[id] = (rnode_t){.leaf = 1, .value = (float)x, .left = -1, .right = -1};
        return 0;
    }
    if (strcmp(r->tok[0], "node") != 0 || r->ntok != 7)
        return VOLT_ERR(-EINVAL, "%s:%d: expected 'node ID LEFT RIGHT INPUT SPLIT DEFAULT_LEFT' or "
                                 "'leaf ID VALUE'", r->what, r->line);
    if ((rc = volt_mr_count(r, 1, 0, nn - 1, &id)) || (rc = volt_mr_count(r, 2, 0, nn - 1, &v[0])) ||
        (rc = volt_mr_count(r, 3, 0, nn - 1, &v[1])) ||
        (rc = volt_mr_count(r, 4, 0, g->n_in - 1, &v[2])) || (rc = volt_mr_num(r, 5, &x)))
        return rc;
    if (isnan(x))
        return VOLT_ERR(-EINVAL, "%s:%d: split must not be NaN", r->what, r->line);
    if ((rc = volt_mr_count(r, 6, 0, 1, &v[3])))
        return rc;
    nd[id] = (rnode_t){.left = (int)v[0], .right = (int)v[1], .in = (int)v[2], .dl = (int)v[3],
                       .thr = (float)x};
    return 0;
}

/* 'tree NN' and its NN nodes into *out (allocated); *depth its depth. */
static int read_tree(volt_model_reader_t *r, const gbt_model_t *g, long t, rnode_t **out, int *depth)
{
    long nn;
    int rc;
    if ((rc = volt_mr_expect(r, "tree", 1)) ||
        (rc = volt_mr_count(r, 1, 1, 1L << (VOLT_MODEL_MAX_DEPTH + 1), &nn)))
        return rc;
    rnode_t *nd = *out = calloc((size_t)nn, sizeof *nd);
    if (!nd)
        return VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
    for (long k = 0; k < nn; k++)
        nd[k].left = -2; /* not yet defined */
    for (long k = 0; k < nn; k++)
        if ((rc = read_node(r, g, nd, nn)))
            return rc;
    for (long k = 0; k < nn; k++)
        if (nd[k].left == -2)
            return VOLT_ERR(-EINVAL, "%s: tree %ld: node %ld is never defined", r->what, t, k);
    *depth = tree_depth(nd, (int)nn, 0, 0);
    if (*depth < 0 || *depth > VOLT_MODEL_MAX_DEPTH)
        return VOLT_ERR(-EINVAL, "%s: tree %ld: %s", r->what, t,
                        *depth < 0 ? "a child reference loops or is out of range"
                                   : "deeper than the scorer takes (10)");
    return 0;
}

/* Every tree padded to depth D, nodes and leaves in two aligned arrays. */
static int pack(volt_model_reader_t *r, gbt_model_t *g, rnode_t *const *trees, long nt, int D)
{
    g->depth = D;
    g->n_trees = (int)nt;
    g->n_int = (1 << D) - 1;
    g->n_leaf = 1 << D;
    g->nodes = aligned_alloc(64, ((size_t)nt * (size_t)g->n_int * sizeof(gbt_node_t) + 63) / 64 * 64);
    g->leaves = aligned_alloc(64, ((size_t)nt * (size_t)g->n_leaf * sizeof(float) + 63) / 64 * 64);
    if (!g->nodes || !g->leaves)
        return VOLT_ERR(-ENOMEM, "%s: out of memory for %ld trees of depth %d", r->what, nt, D);
    for (long t = 0; t < nt; t++)
        pad(trees[t], 0, 0, 0, D, g->nodes + (size_t)t * g->n_int, g->leaves + (size_t)t * g->n_leaf);
    return 0;
}

int volt_gbt_read(volt_model_reader_t *r, volt_model_t *m)
{
    gbt_model_t *g = calloc(1, sizeof *g);
    rnode_t **trees = NULL;
    long nt = 0;
    int rc, D = 0;
    if (!g)
        return VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
    if ((rc = read_inputs(r, g)) || (rc = volt_mr_expect(r, "trees", 1)) ||
        (rc = volt_mr_count(r, 1, 1, VOLT_MODEL_MAX_TREES, &nt)))
        goto out;
    if (!(trees = calloc((size_t)nt, sizeof *trees))) {
        rc = VOLT_ERR(-ENOMEM, "%s: out of memory", r->what);
        goto out;
    }
    for (long t = 0; t < nt && !rc; t++) {
        int d = 0;
        rc = read_tree(r, g, t, &trees[t], &d);
        D = d > D ? d : D;
    }
    /* stumps of one leaf: padded to one split */
    if (rc || (rc = volt_mr_expect(r, "end", 0)) || (rc = pack(r, g, trees, nt, D ? D : 1)))
        goto out;
    m->ops = &k_gbt;
    m->state = g;
    m->n_features = g->n_in;
    m->n_trees = g->n_trees;
    m->depth = g->depth;
out:
    for (long t = 0; trees && t < nt; t++)
        free(trees[t]);
    free(trees);
    if (rc)
        gbt_free(g);
    return rc;
}

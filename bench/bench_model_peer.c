/* The tree-ensemble scorer against XGBoost's own single-row prediction, same model, same rows,
 * same run (Debian libxgboost-dev, C API). The model is trained here through that API (100
 * rounds, depth 6, on 4096 rows of 31 inputs with 5% missing), dumped as text, converted to a volt
 * model file and loaded by volt's loader; the bench refuses to run when the two disagree by more
 * than 1e-5 in probability on the bench rows. Both predict one row per call on one thread:
 *   model/peer_xgboost_predict_from_dense_1row      XGBoosterPredictFromDense, one row, nthread 1
 *   model/peer_xgboost_predict_from_dense_1024rows  the same, 1024 rows a call (items = rows: the
 *                                                   per-row cost with the call overhead amortized)
 *   model/gbt_same_model_as_xgboost                 volt's scorer on the converted model, one row */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "bench.h"
#include "engine/model/model.h"

#define NTRAIN 4096
#define NROWS 1024
#define NIN VOLT_NF

static float g_xf[NROWS][NIN];
static double g_xd[NROWS][VOLT_NF];
static char g_arr[NROWS][160];
static char g_all[192]; /* all NROWS rows in one array */
static BoosterHandle g_bst;
static volt_model_t g_model;
static int g_state; /* 0 untried, 1 ready, -1 failed */
static char g_why[256];
static const char k_cfg[] = "{\"type\":0,\"training\":false,\"iteration_begin\":0,"
                            "\"iteration_end\":0,\"strict_shape\":false,\"cache_id\":0,"
                            "\"missing\":NaN}";

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double unif(uint64_t *s) { return (double)(rng(s) >> 11) / 9007199254740992.0; }

static float cell(uint64_t *s) { return unif(s) < 0.05 ? NAN : (float)(unif(s) * 2.0 - 0.5); }

/* "  3:[f12<0.25] yes=7,no=8,missing=7" or "  5:leaf=0.0123" -> volt's node/leaf lines. */
static int convert_tree(const char *dump, char **out, size_t *len, size_t *cap)
{
    int nodes = 0;
    for (const char *p = dump; *p; p++)
        nodes += *p == '\n';
    if (dump[0] && dump[strlen(dump) - 1] != '\n')
        nodes++;
    char head[32];
    int hn = snprintf(head, sizeof head, "tree %d\n", nodes);
    const char *line = dump;
    int written = 0;
    for (;;) {
        while (*line == '\t' || *line == ' ')
            line++;
        if (!*line)
            break;
        char buf[256];
        int id, f, yes, no, miss;
        float thr, leaf;
        if (*out == NULL || *len + 4096 > *cap) {
            *cap = *cap ? *cap * 2 : 1 << 20;
            *out = realloc(*out, *cap);
            if (!*out)
                return -1;
        }
        if (written == 0) {
            memcpy(*out + *len, head, (size_t)hn);
            *len += (size_t)hn;
        }
        if (sscanf(line, "%d:[f%d<%f] yes=%d,no=%d,missing=%d", &id, &f, &thr, &yes, &no, &miss) == 6)
            snprintf(buf, sizeof buf, "node %d %d %d %d %a %d\n", id, yes, no, f, (double)thr,
                     miss == yes);
        else if (sscanf(line, "%d:leaf=%f", &id, &leaf) == 2)
            snprintf(buf, sizeof buf, "leaf %d %a\n", id, (double)leaf);
        else
            return -1;
        size_t bl = strlen(buf);
        memcpy(*out + *len, buf, bl);
        *len += bl;
        written++;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return written == nodes ? 0 : -1;
}

#define XGB(call)                                                                                  \
    do {                                                                                           \
        if ((call) != 0) {                                                                         \
            snprintf(g_why, sizeof g_why, "xgboost: %s", XGBGetLastError());                      \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

static int setup(void)
{
    uint64_t s = 99;
    float *x = malloc(sizeof(float) * NTRAIN * NIN), *y = malloc(sizeof(float) * NTRAIN);
    if (!x || !y)
        return -1;
    for (int r = 0; r < NTRAIN; r++) {
        for (int i = 0; i < NIN; i++)
            x[r * NIN + i] = cell(&s);
        const float a = isnan(x[r * NIN + 3]) ? 0.2f : x[r * NIN + 3];
        const float b = isnan(x[r * NIN + 10]) ? 0.1f : x[r * NIN + 10];
        y[r] = (float)(a * b + 0.3 * a + 0.2 * (unif(&s) - 0.5) > 0.25);
    }
    DMatrixHandle dm;
    XGB(XGDMatrixCreateFromMat(x, NTRAIN, NIN, NAN, &dm));
    XGB(XGDMatrixSetFloatInfo(dm, "label", y, NTRAIN));
    XGB(XGBoosterCreate(&dm, 1, &g_bst));
    XGB(XGBoosterSetParam(g_bst, "objective", "binary:logistic"));
    XGB(XGBoosterSetParam(g_bst, "max_depth", "6"));
    XGB(XGBoosterSetParam(g_bst, "eta", "0.1"));
    XGB(XGBoosterSetParam(g_bst, "base_score", "0.5"));
    XGB(XGBoosterSetParam(g_bst, "min_child_weight", "0"));
    XGB(XGBoosterSetParam(g_bst, "tree_method", "hist"));
    XGB(XGBoosterSetParam(g_bst, "nthread", "1"));
    for (int it = 0; it < 100; it++)
        XGB(XGBoosterUpdateOneIter(g_bst, it, dm));
    XGDMatrixFree(dm);
    free(x);
    free(y);
    bst_ulong n;
    const char **dump;
    XGB(XGBoosterDumpModelEx(g_bst, "", 0, "text", &n, &dump));
    char *txt = NULL;
    size_t len = 0, cap = 0;
    char head[8192];
    int o = snprintf(head, sizeof head, "volt-model 1\nkind gbt\nversion xgb-peer\nthreshold 0.5\n"
                                        "base_margin 0\ncalibration 1 0\nfeatures %d\n", NIN);
    for (int i = 0; i < NIN; i++)
        o += snprintf(head + o, sizeof head - (size_t)o, "feature %s\n", volt_feature_table[i].name);
    o += snprintf(head + o, sizeof head - (size_t)o, "trees %d\n", (int)n);
    cap = 1 << 20;
    txt = malloc(cap);
    if (!txt)
        return -1;
    memcpy(txt, head, (size_t)o);
    len = (size_t)o;
    for (bst_ulong t = 0; t < n; t++)
        if (convert_tree(dump[t], &txt, &len, &cap)) {
            snprintf(g_why, sizeof g_why, "could not convert xgboost's text dump of tree %d",
                     (int)t);
            free(txt);
            return -1;
        }
    memcpy(txt + len, "end\n", 4);
    len += 4;
    FILE *in = fmemopen(txt, len, "r");
    int rc = in ? volt_model_read(&g_model, in, "xgboost dump") : -1;
    if (in)
        fclose(in);
    free(txt);
    if (rc) {
        snprintf(g_why, sizeof g_why, "volt could not load the converted model");
        return -1;
    }
    /* bench rows, and the agreement check */
    double worst = 0.0;
    for (int r = 0; r < NROWS; r++) {
        for (int i = 0; i < NIN; i++) {
            g_xf[r][i] = cell(&s);
            g_xd[r][i] = (double)g_xf[r][i];
        }
        snprintf(g_arr[r], sizeof g_arr[r],
                 "{\"data\":[%llu,true],\"shape\":[1,%d],\"typestr\":\"<f4\",\"version\":3}",
                 (unsigned long long)(uintptr_t)g_xf[r], NIN);
        const bst_ulong *shape;
        bst_ulong dim;
        const float *res;
        XGB(XGBoosterPredictFromDense(g_bst, g_arr[r], k_cfg, NULL, &shape, &dim, &res));
        double sc, p;
        volt_model_score(&g_model, g_xd[r], &sc, &p);
        if (fabs(p - (double)res[0]) > worst)
            worst = fabs(p - (double)res[0]);
    }
    snprintf(g_all, sizeof g_all,
             "{\"data\":[%llu,true],\"shape\":[%d,%d],\"typestr\":\"<f4\",\"version\":3}",
             (unsigned long long)(uintptr_t)g_xf[0], NROWS, NIN);
    if (worst > 1e-5) {
        snprintf(g_why, sizeof g_why, "volt and xgboost disagree by %g on the bench rows", worst);
        return -1;
    }
    int maj, min, pat;
    XGBoostVersion(&maj, &min, &pat);
    fprintf(stderr, "model peer: xgboost %d.%d.%d, 100 trees of depth <= %d; largest |p_volt - p_xgboost| "
                    "%.3g over %d rows\n", maj, min, pat, g_model.depth, worst, NROWS);
    return 0;
}

static int ready(volt_bench_state_t *st)
{
    if (g_state == 0)
        g_state = setup() == 0 ? 1 : -1;
    if (g_state < 0)
        volt_bench_skip(st, g_why);
    return g_state > 0;
}

static void bm_peer(volt_bench_state_t *st)
{
    if (!ready(st))
        return;
    int64_t n = 0;
    while (volt_bench_next(st, NROWS)) {
        for (int r = 0; r < NROWS; r++) {
            const bst_ulong *shape;
            bst_ulong dim;
            const float *res;
            XGBoosterPredictFromDense(g_bst, g_arr[r], k_cfg, NULL, &shape, &dim, &res);
            volt_bench_keep(res);
        }
        n += NROWS;
    }
    volt_bench_set_items(st, n);
}

static void bm_peer_batch(volt_bench_state_t *st)
{
    if (!ready(st))
        return;
    int64_t n = 0;
    while (volt_bench_next(st, 1)) {
        const bst_ulong *shape;
        bst_ulong dim;
        const float *res;
        XGBoosterPredictFromDense(g_bst, g_all, k_cfg, NULL, &shape, &dim, &res);
        volt_bench_keep(res);
        n += NROWS;
    }
    volt_bench_set_items(st, n);
}

static void bm_volt(volt_bench_state_t *st)
{
    if (!ready(st))
        return;
    int64_t n = 0;
    double s, p;
    while (volt_bench_next(st, NROWS)) {
        for (int r = 0; r < NROWS; r++) {
            volt_model_score(&g_model, g_xd[r], &s, &p);
            volt_bench_keep(&p);
        }
        n += NROWS;
    }
    volt_bench_set_items(st, n);
}

void volt_bench_register_model_peer(void)
{
    volt_bench_register("model/peer_xgboost_predict_from_dense_1row", bm_peer, NULL, 0, 0);
    volt_bench_register("model/peer_xgboost_predict_from_dense_1024rows", bm_peer_batch, NULL, 0, 0);
    volt_bench_register("model/gbt_same_model_as_xgboost", bm_volt, NULL, 0, 0);
}

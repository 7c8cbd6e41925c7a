/* bench/ab_model.c — the driver of bench/ab-model: two builds of engine/model/ (A and B, from two
 * git revisions, every global symbol renamed A_* and B_* by objcopy) score the rows of
 * bench/model_fixture.h under its logistic31 model, the one bench/bench_model.c benches (31
 * inputs, every third one log-transformed, 5% missing; VOLT_AB_NOLOG=1: all identity), in blocks
 * of 1024 predictions alternated A, B, A, B... so that the machine's drift hits both alike;
 * prints the median and the 10th percentile of the per-block ns per prediction, back to back
 * (independent rows) and chained (each probability feeds the next row, as
 * model/logistic31_latency), and the largest difference between A's and B's probabilities. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/ab_util.h"
#include "bench/model_fixture.h"
#include "engine/model/model.h"
#include "simd/cpu.h"

int A_volt_model_read(volt_model_t *m, FILE *in, const char *what);
int B_volt_model_read(volt_model_t *m, FILE *in, const char *what);
void A_volt_model_close(volt_model_t *m);
void B_volt_model_close(volt_model_t *m);

enum { ROWS = VOLT_BENCH_MODEL_ROWS, BLOCKS = 4000 };
static double rows[ROWS][VOLT_NF];

static double block(const volt_model_t *m, int chained)
{
    static double row[VOLT_NF];
    double s, p = 0.5;
    const double t0 = volt_ab_now_ns();
    for (int r = 0; r < ROWS; r++) {
        if (chained) {
            memcpy(row, rows[r], sizeof row);
            row[0] += p - p;
            volt_model_score(m, row, &s, &p);
        } else {
            volt_model_score(m, rows[r], &s, &p);
            __asm__ volatile("" : : "m"(p));
        }
    }
    __asm__ volatile("" : : "m"(p));
    return (volt_ab_now_ns() - t0) / ROWS;
}

/* one line of the table; B/A is the ratio of the medians */
static void report(const char *what, const double *a, const double *b)
{
    volt_ab_row(what, a, b, BLOCKS, b[BLOCKS / 2] / a[BLOCKS / 2]);
}

static int load(int (*rd)(volt_model_t *, FILE *, const char *), volt_model_t *m, char *text)
{
    FILE *in = fmemopen(text, strlen(text), "r");
    if (!in)
        return -1;
    const int rc = rd(m, in, "ab model");
    fclose(in);
    return rc;
}

int main(void)
{
    volt_simd_init();
    volt_bench_model_rows(rows);
    static char text[16384];
    const int nolog = getenv("VOLT_AB_NOLOG") && atoi(getenv("VOLT_AB_NOLOG"));
    volt_bench_logistic_text(text, sizeof text, nolog);
    volt_model_t a, b;
    if (load(A_volt_model_read, &a, text) || load(B_volt_model_read, &b, text)) {
        fprintf(stderr, "ab-model: a model did not load\n");
        return 1;
    }
    double worst = 0.0;
    for (int r = 0; r < ROWS; r++) {
        double sa, pa, sb, pb;
        volt_model_score(&a, rows[r], &sa, &pa);
        volt_model_score(&b, rows[r], &sb, &pb);
        if (fabs(pa - pb) > worst)
            worst = fabs(pa - pb);
    }
    static double t[4][BLOCKS];
    for (int k = 0; k < BLOCKS; k++) {
        t[0][k] = block(&a, 0);
        t[1][k] = block(&b, 0);
        t[2][k] = block(&a, 1);
        t[3][k] = block(&b, 1);
    }
    for (int i = 0; i < 4; i++)
        qsort(t[i], BLOCKS, sizeof t[i][0], volt_ab_cmp);
    printf("model: logistic, %d inputs, %s; %d blocks of %d predictions per arm, alternated\n",
           VOLT_NF, nolog ? "all identity" : "every third log-transformed", BLOCKS, ROWS);
    printf("largest |p_A - p_B|: %.3g\n", worst);
    printf("%-26s %10s %10s %10s %10s %8s\n", "ns per prediction", "A median", "B median", "A p10",
           "B p10", "B/A");
    report("back to back", t[0], t[1]);
    report("chained (latency)", t[2], t[3]);
    A_volt_model_close(&a);
    B_volt_model_close(&b);
    return 0;
}

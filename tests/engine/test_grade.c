/* The self-grade: average precision as scikit-learn computes it (ties share a threshold), one
 * sample per product per second, the hour window, precision and recall at the model's threshold,
 * and persistence with missing ratios at the median. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine/rows/grade.h"
#include "engine/pipeline.h"

static void push(volt_grader_t *g, int product, double t_s, double p, int pred, int y,
                 double rv60, double tau)
{
    volt_row_t r;
    memset(&r, 0, sizeof r);
    r.tick.product = (uint16_t)product;
    r.tick.exch_ns = (int64_t)(t_s * 1e9);
    r.tick.recv_ns = r.tick.exch_ns;
    r.prob = p;
    r.prediction = (uint8_t)pred;
    r.label = (int8_t)y;
    r.label_on = 1;
    r.feat.f[VOLT_F_RV_60S] = rv60;
    r.feat.f[VOLT_F_TAU_TRAILING] = tau;
    volt_grader_push(g, &r);
}

Test(grade, average_precision_counts_ties_as_one_threshold)
{
    volt_grader_t *g = volt_grader_new();
    cr_assert_not_null(g);
    /* scores 0.9 (y 1), 0.5 (y 0), 0.5 (y 1), 0.1 (y 0): sklearn's AP = 1 * 1/2 + 2/3 * 1/2 */
    const double p[] = {0.9, 0.5, 0.5, 0.1};
    const int y[] = {1, 0, 1, 0};
    for (int i = 0; i < 4; i++)
        push(g, 0, 1000.0 + i, p[i], p[i] >= 0.5, y[i], 1e-4 * (4 - i), 1e-4);
    volt_grade_t gr;
    cr_assert_eq(volt_grader_report(g, -1, &gr), 4);
    cr_expect_float_eq(gr.pr_auc, 0.5 + 0.5 * 2.0 / 3.0, 1e-15);
    cr_expect_float_eq(gr.pr_auc_persistence, 0.5 * 1.0 + 0.5 * 2.0 / 3.0, 1e-15,
                       "ratios 4, 3, 2, 1: positives at ranks 1 and 3");
    cr_expect_float_eq(gr.precision, 2.0 / 3.0, 1e-15);
    cr_expect_float_eq(gr.recall, 1.0, 1e-15);
    cr_expect_float_eq(gr.alert_rate, 0.75, 1e-15);
    cr_expect_eq(gr.positives, 2);
    volt_grader_free(g);
}

Test(grade, keeps_the_last_row_of_each_second_and_one_hour)
{
    volt_grader_t *g = volt_grader_new();
    /* two rows in second 0: the later one (y 1) counts; an unlabelled row is ignored */
    push(g, 0, 0.2, 0.1, 0, 0, 1e-4, 1e-4);
    push(g, 0, 0.7, 0.8, 1, 1, 1e-4, 1e-4);
    push(g, 0, 1.5, 0.3, 0, -1, 1e-4, 1e-4);
    push(g, 0, 2.5, 0.2, 0, 0, 1e-4, 1e-4);
    volt_grade_t gr;
    cr_assert_eq(volt_grader_report(g, 0, &gr), 2);
    cr_expect_eq(gr.positives, 1);
    /* 3601 s later on another product: product 0's seconds fall out of the hour */
    push(g, 1, 3602.5, 0.4, 0, 1, 1e-4, 1e-4);
    cr_expect_eq(volt_grader_report(g, 0, &gr), 0);
    cr_expect_eq(volt_grader_report(g, -1, &gr), 1);
    cr_expect(isnan(gr.pr_auc), "one class only: no PR-AUC");
    cr_expect(isnan(gr.precision), "no alert: no precision");
    int idx[4];
    cr_expect_eq(volt_grader_products(g, idx, 4), 2);
    volt_grader_free(g);
}

Test(grade, a_missing_ratio_takes_the_median_and_a_missing_probability_scores_zero)
{
    volt_grader_t *g = volt_grader_new();
    /* ratios 3, NaN, 1, 2 (median of the finite ones 2); labels 0, 1, 0, 1 */
    push(g, 0, 10, NAN, 0, 0, 3e-4, 1e-4);
    push(g, 0, 11, 0.9, 1, 1, NAN, 1e-4);
    push(g, 0, 12, 0.2, 0, 0, 1e-4, 1e-4);
    push(g, 0, 13, 0.5, 1, 1, 2e-4, 1e-4);
    volt_grade_t gr;
    cr_assert_eq(volt_grader_report(g, -1, &gr), 4);
    /* model: 0.9 (1), 0.5 (1), 0.2 (0), 0 (0): AP 1 */
    cr_expect_float_eq(gr.pr_auc, 1.0, 1e-15);
    /* persistence: 3 (0), then a tie at 2 (1, 1), then 1 (0): AP = 1 * 2/3 */
    cr_expect_float_eq(gr.pr_auc_persistence, 2.0 / 3.0, 1e-15);
    volt_grader_free(g);
}

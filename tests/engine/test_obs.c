/* engine/obs and engine/base/pub.h: the publication never makes its owner wait, a histogram copied
 * as it grew equals its source, and the Prometheus and JSON renderings say exactly what the
 * snapshot holds (cumulative buckets, +Inf = count, NaN spelled as each format wants). A pipe read
 * by a replay with nothing in it comes back as -EAGAIN instead of blocking. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/base/err.h"
#include "engine/base/hist.h"
#include "engine/base/pub.h"
#include "engine/feed/recording.h"
#include "engine/obs/obs.h"

Test(pub, the_owner_skips_while_a_reader_holds_the_copy_and_offers_at_most_once_a_period)
{
    volt_pub_t p;
    volt_pub_init(&p);
    cr_assert(volt_pub_try(&p, 1000)); /* due at once */
    volt_pub_done(&p);
    cr_expect_not(volt_pub_try(&p, 1000 + VOLT_PUB_PERIOD_NS - 1), "offered twice in one period");
    volt_pub_lock(&p); /* a reader */
    cr_expect_not(volt_pub_try(&p, 1000 + VOLT_PUB_PERIOD_NS), "took the copy from a reader");
    volt_pub_unlock(&p);
    /* the failed try still moved the next offer a period on */
    cr_expect_not(volt_pub_try(&p, 1000 + 2 * VOLT_PUB_PERIOD_NS - 1));
    cr_expect(volt_pub_try(&p, 1000 + 2 * VOLT_PUB_PERIOD_NS));
    volt_pub_done(&p);
    cr_expect_eq(p.copies, 2);
    volt_pub_destroy(&p);
}

Test(hist, a_copy_brought_up_as_the_histogram_grew_equals_it)
{
    static volt_hist_t src, copy;
    volt_hist_init(&src);
    volt_hist_init(&copy);
    volt_hist_copy_grown(&copy, &src); /* empty */
    cr_expect_eq(copy.count, 0);
    uint64_t sum = 0, x = 12345;
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 1000; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            const uint64_t v = (x >> 40) >> (round * 3); /* the range widens, then narrows */
            volt_hist_record(&src, v);
            sum += v;
        }
        volt_hist_copy_grown(&copy, &src);
        cr_assert_eq(memcmp(&copy, &src, sizeof src), 0, "round %d", round);
    }
    cr_expect_eq(src.sum, sum);
}

Test(obs, addresses_are_host_and_port_or_off)
{
    char host[64];
    int port = -1, off = -1;
    cr_expect_eq(volt_obs_parse_addr("127.0.0.1:9464", host, sizeof host, &port, &off), 0);
    cr_expect_str_eq(host, "127.0.0.1");
    cr_expect_eq(port, 9464);
    cr_expect_eq(off, 0);
    cr_expect_eq(volt_obs_parse_addr("off", host, sizeof host, &port, &off), 0);
    cr_expect_eq(off, 1);
    const char *bad[] = {"9464", "localhost:9464", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:9x",
                         "1.2.3:80", "300.0.0.1:80", ":80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(volt_obs_parse_addr(bad[i], host, sizeof host, &port, &off), -EINVAL, "%s", bad[i]);
        cr_expect(strstr(volt_err_msg(), "--metrics") != NULL);
        volt_err_clear();
    }
}

static volt_obs_snapshot_t *snapshot(void)
{
    volt_obs_snapshot_t *s = calloc(1, sizeof *s);
    for (int i = 0; i < VOLT_LAT_COUNT; i++)
        volt_hist_init(&s->run.lat[i]);
    s->mode = "replay";
    snprintf(s->model_kind, sizeof s->model_kind, "gbt");
    snprintf(s->model_version, sizeof s->model_version, "v\"1");
    s->threshold = 0.25;
    s->run.read = 10;
    s->run.accepted = 7;
    s->run.rejected_by[VOLT_REJ_MALFORMED] = 3;
    s->run.alerts = 2;
    s->run.grade.pr_auc = NAN;
    for (uint64_t v = 100; v <= 3000000; v *= 3) /* 100 ns .. 1.9 ms */
        volt_hist_record(&s->run.lat[VOLT_LAT_E2E], v);
    volt_status_t *st = &s->status;
    st->n_products = 2;
    snprintf(st->prod[0].name, sizeof st->prod[0].name, "BTC-USD");
    st->prod[0].rows = 5;
    st->prod[0].price = 90000.5;
    st->prod[0].rv_60s = NAN;
    st->prod[0].p_spike = 0.5;
    snprintf(st->prod[1].name, sizeof st->prod[1].name, "ETH-USD"); /* no rows: not shown */
    st->alerts_total = 2;
    st->alert[0] = (volt_alert_status_t){.event_ns = 1000000000, .product = 0, .p_spike = 0.3};
    st->alert[1] = (volt_alert_status_t){.event_ns = 2000000000, .product = 0, .p_spike = 0.4};
    s->n_rings = 1;
    s->ring[0] = (volt_obs_ring_t){"frames", 0, 0.125};
    return s;
}

static double sample(const char *text, const char *line_start)
{
    const char *p = strstr(text, line_start);
    cr_assert(p, "no sample %s", line_start);
    return strtod(p + strlen(line_start), NULL);
}

Test(obs, prometheus_text_holds_the_snapshot)
{
    volt_obs_snapshot_t *s = snapshot();
    static char buf[1 << 17];
    const size_t n = volt_obs_prometheus(s, buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    cr_expect_eq(strlen(buf), n);
    cr_expect_eq(sample(buf, "\nvolt_messages_read_total "), 10);
    cr_expect_eq(sample(buf, "volt_messages_rejected_total{reason=\"malformed\"} "), 3);
    cr_expect_eq(sample(buf, "volt_messages_rejected_total{reason=\"empty\"} "), 0);
    cr_expect_eq(sample(buf, "\nvolt_alerts_total "), 2);
    cr_expect_eq(sample(buf, "volt_ring_fill_ratio{ring=\"frames\",agent=\"0\"} "), 0.125);
    cr_expect(strstr(buf, "volt_model_grade_pr_auc{product=\"all\"} NaN\n"));
    cr_expect(strstr(buf, "version=\"v\\\"1\"")); /* the quote escaped */
    cr_expect(strstr(buf, "volt_product_price{product=\"BTC-USD\"} 90000.5\n"));
    cr_expect(strstr(buf, "volt_product_rv_60s{product=\"BTC-USD\"} NaN\n"));
    cr_expect_null(strstr(buf, "ETH-USD"), "a product without rows is not exported");
    cr_expect_null(strstr(buf, "volt_connects_total"), "the connection's metrics only in a live run");
    /* the receive->signal histogram: cumulative, ends with +Inf = count; _sum in seconds */
    const volt_hist_t *h = &s->run.lat[VOLT_LAT_E2E];
    double prev = -1;
    const char *p = buf;
    int buckets = 0;
    while ((p = strstr(p, "volt_stage_latency_seconds_bucket{stage=\"receive_to_signal\",le=\""))) {
        const char *v = strstr(p, "} ") + 2;
        const double c = strtod(v, NULL);
        cr_expect_geq(c, prev);
        prev = c;
        buckets++;
        p = v;
    }
    cr_expect_gt(buckets, 10);
    cr_expect_eq(prev, (double)h->count);
    cr_expect_eq(sample(buf, "volt_stage_latency_seconds_bucket{stage=\"receive_to_signal\",le=\"1e-06\"} "),
                 3); /* 100, 300, 900 ns */
    cr_expect_float_eq(sample(buf, "volt_stage_latency_seconds_sum{stage=\"receive_to_signal\"} "),
                       (double)h->sum / 1e9, 1e-9);
    /* too small a buffer: the length it needs */
    cr_expect_eq(volt_obs_prometheus(s, buf, 100), n);
    free(s);
}

Test(obs, status_json_lists_products_with_rows_and_alerts_newest_first)
{
    volt_obs_snapshot_t *s = snapshot();
    static char buf[1 << 16];
    const size_t n = volt_obs_status_json(s, buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    cr_expect(strstr(buf, "\"products\":[{\"product\":\"BTC-USD\""));
    cr_expect_null(strstr(buf, "ETH-USD"));
    cr_expect(strstr(buf, "\"rv_60s\":null"), "NaN is null in JSON");
    const char *a2 = strstr(buf, "\"event_time\":2.000"), *a1 = strstr(buf, "\"event_time\":1.000");
    cr_expect(a2 && a1 && a2 < a1, "alerts newest first");
    cr_expect(strstr(buf, "\"alerts_total\":2"));
    cr_expect(strstr(buf, "\"version\":\"v\\\"1\""));
    free(s);
}

Test(obs, the_page_is_one_document_that_reads_status_json)
{
    const char *page = volt_obs_page();
    cr_expect(strstr(page, "<title>volt status</title>"));
    cr_expect(strstr(page, "fetch('/status.json'"));
    cr_expect_null(strstr(page, "http://"), "no external assets");
    cr_expect_null(strstr(page, "https://"), "no external assets");
}

Test(recording, a_pipe_with_nothing_in_it_returns_eagain_then_its_bytes)
{
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    cr_assert_eq(write(fd[1], "{\"a\":1}\n", 8), 8); /* the open peeks 4 bytes */
    const int saved = dup(STDIN_FILENO);
    dup2(fd[0], STDIN_FILENO);
    volt_recording_t *r;
    cr_assert_eq(volt_recording_open(&r, "-"), 0);
    volt_recording_set_wait(r, 10);
    char buf[64];
    cr_expect_eq(volt_recording_read(r, buf, sizeof buf), 4, "the peeked bytes first");
    cr_expect_eq(volt_recording_read(r, buf, sizeof buf), 4);
    cr_expect_eq(volt_recording_read(r, buf, sizeof buf), -EAGAIN, "an empty pipe waits 10 ms");
    cr_assert_eq(write(fd[1], "x\n", 2), 2);
    cr_expect_eq(volt_recording_read(r, buf, sizeof buf), 2);
    close(fd[1]);
    cr_expect_eq(volt_recording_read(r, buf, sizeof buf), 0, "the end");
    volt_recording_close(r);
    dup2(saved, STDIN_FILENO);
    close(saved);
    close(fd[0]);
}

/* The whole pipeline end to end: counts add up, bad lines are counted by reason, two replays of the
 * same input write identical bytes, and the command line keeps its contract. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/agents/frame.h"
#include "engine/pipeline.h"
#include "ring/spsc_rb.h"
#include "helpers.h"

static int64_t g_assist = VOLT_PARSE_ASSIST_DEFAULT;

static int run(const char *const *files, int n, const char *out, volt_run_stats_t *st)
{
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    cfg.parse_assist = g_assist;
    cfg.files = files;
    cfg.n_files = n;
    cfg.out_path = out;
    cfg.human = NULL;
    return volt_pipeline_replay(&cfg, st);
}

Test(replay, counts_every_line_of_a_mixed_recording_by_outcome)
{
    const char *files[] = {th_fixture("replay/mixed.ndjson")};
    volt_run_stats_t st;
    cr_assert_eq(run(files, 1, "/dev/null", &st), 0);
    cr_expect_eq(st.read, 14);
    cr_expect_eq(st.accepted + st.rejected, st.read, "every line has exactly one outcome");
    cr_expect_eq(st.rejected_by[VOLT_REJ_MALFORMED], 1, "the truncated line");
    cr_expect_eq(st.rejected_by[VOLT_REJ_NOT_OBJECT], 1, "the prose line");
    cr_expect_eq(st.rejected_by[VOLT_REJ_EMPTY], 1, "the blank line");
    cr_expect_eq(st.rejected_by[VOLT_REJ_BAD_NUMBER], 1, "the NaN price");
    cr_expect_eq(st.by_kind[VOLT_MSG_ERROR], 1);
    cr_expect_eq(st.feed_errors, 1);
    cr_expect_eq(st.duplicates, 1, "the repeated ETH sequence number");
    cr_expect_eq(st.out_of_order, 1, "the tick stamped before its predecessor");
    cr_expect_eq(st.ticks, 7);
    cr_expect_eq(st.rows, st.ticks - st.duplicates - st.out_of_order);
    cr_expect_eq(st.products, 2);
}

/* A synthetic Advanced Trade recording: random walk with calm and wild stretches. */
static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void write_synthetic(const char *path, int n, uint64_t seed)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    double p = 90000.0;
    long long ns = 1764000000LL * 1000000000LL;
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < n; i++) {
        ns += 50000000 + (long long)(xs(&x) % 200000000);
        const double sigma = ((i / 3000) % 3 == 2) ? 10.0 : 1.0;
        p += sigma * ((double)(xs(&x) % 2001) / 1000.0 - 1.0);
        p = round(p * 100) / 100;
        const long long s = ns / 1000000000LL;
        const int frac = (int)(ns % 1000000000LL);
        const int sec_of_day = (int)(s % 86400);
        fprintf(f,
                "{\"channel\":\"ticker\",\"timestamp\":\"2025-11-24T%02d:%02d:%02d.%09dZ\","
                "\"sequence_num\":%d,\"events\":[{\"type\":\"update\",\"tickers\":[{\"type\":"
                "\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"%.2f\",\"volume_24_h\":\"%.8f\","
                "\"best_bid\":\"%.2f\",\"best_ask\":\"%.2f\"}]}]}\n",
                sec_of_day / 3600, sec_of_day / 60 % 60, sec_of_day % 60, frac, i, p,
                5000.0 + i * 0.001, p - 0.01, p);
        if (i % 5000 == 4999)
            fputs("{\"channel\":\"ticker\",\"events\":[{\"tickers\":[{\"price\":\"1\"\n", f);
    }
    fclose(f);
}

Test(replay, two_runs_write_identical_bytes, .timeout = 120)
{
    char in[] = "/tmp/volt_synth_XXXXXX";
    cr_assert_geq(mkstemp(in), 0);
    write_synthetic(in, 20000, 7);
    const char *files[] = {in};
    char a[] = "/tmp/volt_a_XXXXXX", b[] = "/tmp/volt_b_XXXXXX";
    cr_assert_geq(mkstemp(a), 0);
    cr_assert_geq(mkstemp(b), 0);
    volt_run_stats_t s1, s2;
    cr_assert_eq(run(files, 1, a, &s1), 0);
    cr_assert_eq(run(files, 1, b, &s2), 0);
    cr_expect_eq(s1.rows, 20000);
    cr_expect_eq(s1.rejected_by[VOLT_REJ_MALFORMED], 4);
    cr_expect_gt(s1.alerts, 0, "the wild stretches must raise alerts");
    cr_expect_eq(s1.alerts, s2.alerts);
    cr_expect(th_same_bytes(a, b), "feature files differ between two replays");
    if (getenv("VOLT_KEEP"))
        fprintf(stderr, "kept %s %s\n", in, a);
    else
        unlink(in);
    unlink(a);
    unlink(b);
}

/* The parse assist changes which thread parses, never what comes out: every outcome, counter and
 * byte of the rows is the same with the source parsing every message it can, none, or when behind. */
static void same_with_assist(const char *const *files, int n, uint64_t min_assisted)
{
    const int64_t modes[] = {VOLT_PARSE_ASSIST_OFF, 0, VOLT_PARSE_ASSIST_DEFAULT};
    char out[3][32];
    volt_run_stats_t st[3];
    for (int m = 0; m < 3; m++) {
        snprintf(out[m], sizeof out[m], "/tmp/volt_assist_XXXXXX");
        cr_assert_geq(mkstemp(out[m]), 0);
        g_assist = modes[m];
        cr_assert_eq(run(files, n, out[m], &st[m]), 0);
    }
    g_assist = VOLT_PARSE_ASSIST_DEFAULT;
    cr_expect_eq(st[0].assisted, 0, "off: the hot agent parses everything");
    cr_expect_geq(st[1].assisted, min_assisted, "always: the source parsed %llu messages",
                  (unsigned long long)st[1].assisted);
    for (int m = 1; m < 3; m++) {
        cr_expect(th_same_bytes(out[0], out[m]), "rows differ with parse assist mode %d", m);
        cr_expect_eq(st[m].read, st[0].read);
        cr_expect_eq(st[m].accepted, st[0].accepted);
        cr_expect_eq(memcmp(st[m].rejected_by, st[0].rejected_by, sizeof st[0].rejected_by), 0);
        cr_expect_eq(memcmp(st[m].items_rejected, st[0].items_rejected, sizeof st[0].items_rejected),
                     0);
        cr_expect_eq(memcmp(st[m].by_kind, st[0].by_kind, sizeof st[0].by_kind), 0);
        cr_expect_eq(st[m].ticks, st[0].ticks);
        cr_expect_eq(st[m].rows, st[0].rows);
        cr_expect_eq(st[m].duplicates, st[0].duplicates);
        cr_expect_eq(st[m].out_of_order, st[0].out_of_order);
        cr_expect_eq(st[m].seq_gaps, st[0].seq_gaps);
        cr_expect_eq(st[m].feed_errors, st[0].feed_errors);
        cr_expect_eq(st[m].alerts, st[0].alerts);
        cr_expect_eq(st[m].products, st[0].products);
        cr_expect_eq(st[m].lat[VOLT_LAT_PARSE].count, st[0].lat[VOLT_LAT_PARSE].count);
    }
    for (int m = 0; m < 3; m++)
        unlink(out[m]);
}

Test(replay, parse_assist_changes_nothing_but_the_thread, .timeout = 120)
{
    /* every outcome: rejects of each kind, a feed error, a duplicate, an out-of-order tick */
    const char *mixed[] = {th_fixture("replay/mixed.ndjson")};
    same_with_assist(mixed, 1, 0);
    char in[] = "/tmp/volt_synth_XXXXXX";
    cr_assert_geq(mkstemp(in), 0);
    write_synthetic(in, 20000, 3);
    const char *files[] = {in};
    same_with_assist(files, 1, 1000);
    unlink(in);
}

static int sh(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    const int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(replay, cli_keeps_its_contract)
{
    char out[8192], cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/engine/volt --help", VOLT_BIN_DIR);
    cr_expect_eq(sh(cmd, out, sizeof out), 0);
    cr_expect_not_null(strstr(out, "volt replay"));
    cr_expect_not_null(strstr(out, "--out FILE"));
    snprintf(cmd, sizeof cmd, "%s/engine/volt replay /nonexistent/x.ndjson 2>&1", VOLT_BIN_DIR);
    cr_expect_eq(sh(cmd, out, sizeof out), 1);
    cr_expect_not_null(strstr(out, "cannot read /nonexistent/x.ndjson"), "%s", out);
    cr_expect_eq(strchr(out, '\n'), strrchr(out, '\n'), "one sentence: %s", out);
    snprintf(cmd, sizeof cmd, "%s/engine/volt replay 2>&1", VOLT_BIN_DIR);
    cr_expect_eq(sh(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s/engine/volt replay --no-grade %s 2>&1", VOLT_BIN_DIR,
             th_fixture("replay/mixed.ndjson"));
    cr_expect_eq(sh(cmd, out, sizeof out), 0, "--no-grade is a replay option: %s", out);
    cr_expect_null(strstr(out, "self-grade"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s/engine/volt replay --out - %s 2>/dev/null | head -1",
             VOLT_BIN_DIR, th_fixture("replay/mixed.ndjson"));
    sh(cmd, out, sizeof out);
    cr_expect_eq(strncmp(out, "event_time,event_ns,", 20), 0, "%s", out);
}

/* A file of which nothing is accepted (another recorder's format, say) is a failed replay with one
 * sentence, not a silent exit 0 (issue 35). */
Test(replay, a_file_with_nothing_accepted_fails_saying_so)
{
    char path[] = "/tmp/volt_junk_XXXXXX", out[8192], cmd[2048];
    FILE *f = fdopen(mkstemp(path), "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 50; i++)
        fprintf(f, "{\"t\":\"recv\",\"ts\":%d,\"other\":\"format\"}\n", i);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "%s/engine/volt replay --quiet %s 2>&1 | tail -1; exit ${PIPESTATUS[0]}", VOLT_BIN_DIR,
             path);
    char sh_cmd[2300];
    snprintf(sh_cmd, sizeof sh_cmd, "bash -c '%s'", cmd);
    cr_expect_eq(sh(sh_cmd, out, sizeof out), 1, "%s", out);
    cr_expect_not_null(strstr(out, "none of the 50 lines read was accepted"), "%s", out);
    unlink(path);
}

/* A setting the user got wrong is a usage error (exit 2) with one sentence naming it, before
 * anything starts (issue 35: these exited 1 or ran to nothing). */
Test(replay, bad_settings_are_usage_errors_naming_the_option)
{
    static const struct {
        const char *args, *says;
    } k[] = {
        {"live --idle foo --seconds 1", "unknown idle strategy 'foo'"},
        {"live --url http://x --seconds 1", "--url must look like"},
        {"live --backoff-min 5 --backoff-max 1 --seconds 1", "backoff"},
        {"live --pair '' --seconds 1", "--pair '' is not a product name"},
        {"live --pair 'BTC USD' --seconds 1", "--pair 'BTC USD' is not a product name"},
        {"live --kafka-brokers '' --seconds 1", "--kafka-brokers is empty"},
        {"replay --idle foo /nonexistent/x.ndjson", "unknown idle strategy 'foo'"},
    };
    char out[8192], cmd[2048];
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s/engine/volt %s 2>&1", VOLT_BIN_DIR, k[i].args);
        cr_expect_eq(sh(cmd, out, sizeof out), 2, "volt %s: %s", k[i].args, out);
        cr_expect_not_null(strstr(out, k[i].says), "volt %s: %s", k[i].args, out);
        cr_expect_eq(strchr(out, '\n'), strrchr(out, '\n'), "one sentence: %s", out);
    }
}

/* Frames enter rings only through volt_frame_push/offer, which reserve and zero VOLT_JSON_PADDING
 * bytes after every payload: the hot, journal and Kafka agents parse payloads where they lie. */
Test(replay, frames_carry_zeroed_padding_for_parsing_in_place)
{
    static _Alignas(64) uint8_t buf[1 << 16];
    static char payload[3000];
    volt_rb_t rb;
    cr_assert_eq(volt_rb_init(&rb, buf, sizeof buf), 0);
    memset(buf, 0xAB, sizeof buf); /* garbage where the padding goes unless it is written */
    volt_rb_prod_t p = volt_rb_producer(&rb);
    volt_rb_cons_t c = volt_rb_consumer(&rb);
    for (uint32_t round = 0; round < 200; round++) { /* wraps the ring many times */
        const uint32_t len = (round * 97u) % sizeof payload;
        memset(payload, 'a' + (int)(round % 26), len);
        const volt_frame_hdr_t h = {.kind = VOLT_FRAME_DATA, .len = len, .line = round};
        if (round & 1)
            volt_frame_push(p, NULL, &h, payload);
        else
            cr_assert(volt_frame_offer(p, &h, payload));
        uint32_t got;
        const uint8_t *r = volt_rb_next(c, &got);
        cr_assert_not_null(r);
        cr_assert_geq(got, sizeof h + len + VOLT_JSON_PADDING, "round %u: record of %u bytes",
                      round, got);
        const volt_frame_hdr_t *f = (const volt_frame_hdr_t *)r;
        cr_assert_eq(f->len, len);
        cr_assert_eq(f->line, round);
        cr_assert_eq(memcmp(r + sizeof h, payload, len), 0);
        for (uint32_t i = 0; i < VOLT_JSON_PADDING; i++)
            cr_assert_eq(r[sizeof h + len + i], 0, "round %u: padding byte %u", round, i);
        volt_rb_release(c);
    }
}

/* Advanced Trade's sequence_num: a message repeated from the recent past is a duplicate (its tick
 * counted, dropped and logged); a counter that goes back further started over (counted, logged,
 * tracked afresh, nothing dropped). The summary's identity holds either way. */
Test(replay, duplicates_are_counted_and_a_restarted_counter_is_not_a_duplicate)
{
    char path[] = "/tmp/volt_seq_XXXXXX";
    const int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    /* 1..3000, then 2990..2999 again (duplicates), then 1..500 (a restart), then 501..600 */
    static const int seqs[][2] = {{1, 3000}, {2990, 2999}, {1, 600}};
    int64_t t = 0;
    for (int r = 0; r < 3; r++)
        for (int q = seqs[r][0]; q <= seqs[r][1]; q++, t++)
            fprintf(f,
                    "{\"channel\":\"ticker\",\"timestamp\":\"2026-01-01T00:%02d:%02d.%06dZ\","
                    "\"sequence_num\":%d,\"events\":[{\"type\":\"update\",\"tickers\":[{\"type\":"
                    "\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"%d.5\"}]}]}\n",
                    (int)(t / 6000), (int)(t / 100 % 60), (int)(t % 100) * 10000, q, 60000 + (int)(t % 7));
    fclose(f);
    const char *files[] = {path};
    volt_run_stats_t st;
    cr_assert_eq(run(files, 1, "/dev/null", &st), 0);
    cr_expect_eq(st.read, 3610);
    cr_expect_eq(st.dup_messages, 10, "the ten repeated messages");
    cr_expect_eq(st.duplicates, 10, "their ten ticks");
    cr_expect_eq(st.seq_restarts, 1, "the counter going back from 2999 to 1");
    cr_expect_eq(st.ticks, 3610);
    cr_expect_eq(st.rows + st.out_of_order + st.duplicates, st.ticks, "the summary's identity");
    cr_expect_eq(st.rows, 3600, "nothing after the restart is dropped");
    unlink(path);
}

/* tests/tsan/threads_driver.c — every multithreaded path of volt, as a plain program.
 *
 * Criterion 2.4's runner crashes under ThreadSanitizer before any test code runs (its sandbox
 * and TSan's runtime disagree), so the TSan build runs this driver instead: two-thread ring
 * stresses and full pipeline replays (three threads), with real outcomes checked. It runs in every
 * build. Prints PASS/FAIL per check and "N passed, N failed". */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bench_cfg.h"
#include "engine/pipeline.h"
#include "ring/spsc.h"
#include "ring/spsc_rb.h"
#include "simd/cpu.h"
#include "synth.h"

static int passed, failed;
#define CHECK(name, cond, ...)                                                                     \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("PASS %s\n", name);                                                             \
            passed++;                                                                              \
        } else {                                                                                   \
            printf("FAIL %s: ", name);                                                             \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failed++;                                                                              \
        }                                                                                          \
    } while (0)

#define RING_N 10000000ull
static volt_ring_t ring;
static uint64_t ring_buf[512];

static void *ring_producer(void *arg)
{
    (void)arg;
    volt_ring_prod_t p = volt_ring_producer(&ring);
    uint64_t next = 0, batch[16];
    while (next < RING_N) {
        uint32_t n = 1 + (uint32_t)(next % 16);
        if (next + n > RING_N)
            n = (uint32_t)(RING_N - next);
        for (uint32_t i = 0; i < n; i++)
            batch[i] = next + i;
        uint32_t done = 0;
        while (done < n)
            done += volt_ring_push_burst(p, batch + done, n - done);
        next += n;
    }
    return NULL;
}

static void check_ring(void)
{
    volt_ring_init(&ring, ring_buf, 512, sizeof(uint64_t));
    pthread_t th;
    pthread_create(&th, NULL, ring_producer, NULL);
    volt_ring_cons_t c = volt_ring_consumer(&ring);
    uint64_t expect = 0, bad = 0;
    while (expect < RING_N && !bad) {
        uint32_t n;
        const uint64_t *v = volt_ring_peek(c, 64, &n);
        for (uint32_t i = 0; i < n; i++)
            bad += v[i] != expect++;
        if (n)
            volt_ring_release(c, n);
    }
    pthread_join(th, NULL);
    CHECK("ring: 10M items across two threads, in order", !bad && expect == RING_N,
          "bad=%llu at %llu", (unsigned long long)bad, (unsigned long long)expect);
}

/* Single-item calls through a small ring: the consumer's grouped hand-back of read slots turns
 * over every 16 items, and the producer reads the unread count (size_approx) as it goes. */
#define SINGLE_N 2000000ull
static volt_ring_t single;
static uint64_t single_buf[64];
static uint64_t single_max_seen;

static void *single_producer(void *arg)
{
    (void)arg;
    volt_ring_prod_t p = volt_ring_producer(&single);
    for (uint64_t v = 0; v < SINGLE_N; v++) {
        while (!volt_ring_try_push(p, &v))
            ;
        const uint64_t n = volt_ring_size_approx(&single);
        single_max_seen = n > single_max_seen ? n : single_max_seen;
    }
    return NULL;
}

static void check_ring_single(void)
{
    volt_ring_init(&single, single_buf, 64, sizeof(uint64_t));
    pthread_t th;
    pthread_create(&th, NULL, single_producer, NULL);
    volt_ring_cons_t c = volt_ring_consumer(&single);
    uint64_t expect = 0, bad = 0, v;
    while (expect < SINGLE_N) /* drains all (no early exit: the producer must finish) */
        if (volt_ring_try_pop(c, &v))
            bad += v != expect++;
    pthread_join(th, NULL);
    CHECK("ring: 2M single items across two threads, in order", !bad && expect == SINGLE_N &&
              !volt_ring_try_pop(c, &v) && single_max_seen <= 64,
          "bad=%llu at %llu, largest unread count %llu", (unsigned long long)bad,
          (unsigned long long)expect, (unsigned long long)single_max_seen);
}

#define RB_N 1000000u
static volt_rb_t rb;
static _Alignas(64) uint8_t rb_buf[1 << 15];

static void *rb_producer(void *arg)
{
    (void)arg;
    volt_rb_prod_t p = volt_rb_producer(&rb);
    for (uint32_t i = 0; i < RB_N; i++) {
        const uint32_t len = 4 + (i * 7919u) % 700;
        uint8_t *w;
        while (!(w = volt_rb_claim(p, len)))
            ;
        memcpy(w, &i, 4);
        memset(w + 4, (int)(i & 0xff), len - 4);
        volt_rb_commit(p);
    }
    return NULL;
}

static void check_rb(void)
{
    volt_rb_init(&rb, rb_buf, sizeof rb_buf);
    pthread_t th;
    pthread_create(&th, NULL, rb_producer, NULL);
    volt_rb_cons_t c = volt_rb_consumer(&rb);
    uint32_t expect = 0, bad = 0;
    while (expect < RB_N && !bad) {
        uint32_t len;
        const uint8_t *r = volt_rb_next(c, &len);
        if (!r)
            continue;
        uint32_t seq;
        memcpy(&seq, r, 4);
        bad += seq != expect || len != 4 + (expect * 7919u) % 700 ||
               (len > 4 && r[len - 1] != (uint8_t)(expect & 0xff));
        expect++;
        if (expect % 8 == 0)
            volt_rb_release(c);
    }
    volt_rb_release(c);
    pthread_join(th, NULL);
    CHECK("byte ring: 1M variable records across two threads, intact", !bad && expect == RB_N,
          "bad at %u", expect);
}

static int64_t g_assist = VOLT_PARSE_ASSIST_DEFAULT;
static int g_hot = 1;

static int replay(const char *in, const char *out, const char *idle, int pin, volt_run_stats_t *st)
{
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    cfg.parse_assist = g_assist;
    cfg.hot_threads = g_hot;
    const char *files[] = {in};
    cfg.files = files;
    cfg.n_files = 1;
    cfg.out_path = out;
    cfg.human = NULL;
    cfg.idle = idle;
    cfg.stats_interval_s = g_hot == 1 ? 0.01 : 0; /* exercises the hot -> sink histogram hand-off */
    if (pin && sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
        cfg.cpus[0] = 0;
        cfg.cpus[1] = 1;
        cfg.cpus[2] = 0;
    }
    return volt_pipeline_replay(&cfg, st);
}

static int same_file(const char *a, const char *b)
{
    FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
    int same = x && y;
    while (same) {
        int ca = fgetc(x), cb = fgetc(y);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (x)
        fclose(x);
    if (y)
        fclose(y);
    return same;
}

/* The bench source with the sink on its own thread and on the source's (source_mem.c), paced and
 * at full speed: the same rows either way. */
static void check_bench(const char *in, const char *a, const char *b)
{
    enum { N = 30000 };
    static char *msg[N];
    static uint32_t len[N];
    FILE *f = fopen(in, "r");
    char line[2048];
    uint64_t n = 0;
    while (f && n < N && fgets(line, sizeof line, f)) {
        size_t k = strlen(line);
        while (k && line[k - 1] == '\n')
            k--;
        line[k] = '\0';
        msg[n] = strdup(line);
        len[n++] = (uint32_t)k;
    }
    if (f)
        fclose(f);
    static const double rate[2] = {200000, 0};
    for (int r = 0; r < 2; r++) {
        volt_run_stats_t st[2];
        int rc[2];
        for (int shared = 0; shared < 2; shared++) {
            volt_pipeline_cfg_t cfg;
            volt_bench_msgs_t bm;
            tb_bench_cfg(&cfg, &bm, msg, len, n, rate[r], shared, shared ? b : a, 256);
            rc[shared] = volt_pipeline_bench(&cfg, &bm, &st[shared]);
        }
        CHECK(r ? "bench: the sink on the source's thread, at full speed, writes the same rows"
                : "bench: the sink on the source's thread, paced, writes the same rows",
              rc[0] == 0 && rc[1] == 0 && n == N && st[1].rows == 30000 &&
                  st[0].rows == st[1].rows && same_file(a, b),
              "rc=%d/%d rows=%llu/%llu", rc[0], rc[1], (unsigned long long)st[0].rows,
              (unsigned long long)st[1].rows);
    }
    for (uint64_t i = 0; i < n; i++)
        free(msg[i]);
}

/* n messages of the synthetic market cfg describes, one a line, into path. */
static void write_synth(const char *path, const volt_synth_cfg_t *cfg, int n)
{
    static volt_synth_t s;
    static char line[(512 << 10) + 1]; /* level-2 snapshots included */
    volt_synth_init(&s, cfg);
    FILE *f = fopen(path, "w");
    for (int i = 0; f && i < n; i++) {
        int64_t ns;
        const size_t k = volt_synth_next(&s, line, sizeof line - 1, &ns);
        line[k] = '\n';
        fwrite(line, 1, k + 1, f);
    }
    if (f)
        fclose(f);
    volt_synth_free(&s);
}

static void check_pipeline(void)
{
    volt_run_stats_t st;
    int rc = replay(VOLT_FIXTURES "/replay/mixed.ndjson", "/dev/null", "backoff", 0, &st);
    CHECK("pipeline: mixed recording, every line one outcome",
          rc == 0 && st.read == 14 && st.accepted + st.rejected == st.read &&
              st.rows == st.ticks - st.duplicates - st.out_of_order,
          "rc=%d read=%llu", rc, (unsigned long long)st.read);

    char in[] = "/tmp/volt_tsan_in_XXXXXX", a[] = "/tmp/volt_tsan_a_XXXXXX",
         b[] = "/tmp/volt_tsan_b_XXXXXX";
    close(mkstemp(in));
    close(mkstemp(a));
    close(mkstemp(b));
    volt_synth_cfg_t sc;
    volt_synth_cfg_default(&sc);
    sc.seed = 11;
    sc.rate_mult = 5;
    sc.n_products = 2;
    sc.products[1] = "ETH-USD";
    write_synth(in, &sc, 30000);
    volt_run_stats_t s1, s2;
    int r1 = replay(in, a, "backoff", 0, &s1);
    int r2 = replay(in, b, "spin", 1, &s2);
    CHECK("pipeline: 30k synthetic ticks, two products, all rows out", r1 == 0 && s1.rows == 30000,
          "rc=%d rows=%llu", r1, (unsigned long long)s1.rows);
    CHECK("pipeline: backoff/unpinned and spin/pinned runs write identical bytes",
          r2 == 0 && same_file(a, b), "outputs differ");
    /* the source parses every message it can (parse assist): same bytes; then never: same bytes */
    volt_run_stats_t s3;
    g_assist = 0;
    int r3 = replay(in, b, "backoff", 1, &s3);
    CHECK("pipeline: the source parsing every message writes the same bytes",
          r3 == 0 && s3.assisted > 1000 && same_file(a, b), "rc=%d assisted=%llu", r3,
          (unsigned long long)s3.assisted);
    g_assist = VOLT_PARSE_ASSIST_OFF;
    int r4 = replay(in, b, "backoff", 1, &s3);
    CHECK("pipeline: without the parse assist, the same bytes",
          r4 == 0 && s3.assisted == 0 && same_file(a, b), "rc=%d assisted=%llu", r4,
          (unsigned long long)s3.assisted);
    g_assist = VOLT_PARSE_ASSIST_DEFAULT;
    check_bench(in, a, b);
    unlink(in);
    unlink(a);
    unlink(b);
}

/* The rows of one product, in file order, one after another: a file's rows by product. */
static char *rows_by_product(const char *path, const char *product)
{
    FILE *f = fopen(path, "r");
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap), *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    while (f && out && (got = getline(&line, &lcap, f)) > 0) {
        const char *p = line;
        for (int k = 0; k < 3 && p; k++) /* the product is the fourth CSV field */
            if ((p = strchr(p, ',')))
                p++;
        if (!p || strncmp(p, product, strlen(product)) != 0 || p[strlen(product)] != ',')
            continue;
        if (n + (size_t)got + 1 > cap) {
            char *m = realloc(out, cap = 2 * cap + (size_t)got);
            if (!m)
                break;
            out = m;
        }
        memcpy(out + n, line, (size_t)got);
        n += (size_t)got;
    }
    if (out)
        out[n] = '\0';
    free(line);
    if (f)
        fclose(f);
    return out;
}

/* Several hot agents (the source's router, engine/agents/router.h) on a level-2 market with its
 * faults: each product's rows are those of one hot agent, byte for byte, and so are the counts. */
static void check_hot_threads(void)
{
    char in[] = "/tmp/volt_tsan_l2_XXXXXX", a[] = "/tmp/volt_tsan_h1_XXXXXX",
         b[] = "/tmp/volt_tsan_hn_XXXXXX";
    close(mkstemp(in));
    close(mkstemp(a));
    close(mkstemp(b));
    volt_synth_cfg_t sc;
    volt_synth_cfg_default(&sc);
    sc.seed = 4;
    sc.rate_mult = 3;
    sc.trades = 1;
    sc.level2 = sc.l2_faults = 1;
    static const char *const names[] = {"BTC-USD", "ETH-USD", "SOL-USD"};
    sc.n_products = 3;
    for (int i = 0; i < 3; i++)
        sc.products[i] = names[i];
    write_synth(in, &sc, 70000); /* about 340 s: the gap (3 min) and the crossed update (5) */
    volt_run_stats_t one, many;
    g_hot = 1;
    int r1 = replay(in, a, "backoff", 0, &one);
    for (int n = 2; n <= 3; n++) {
        g_hot = n;
        int rn = replay(in, b, n == 2 ? "backoff" : "spin", n == 3, &many);
        int same = 1;
        for (int i = 0; i < 3; i++) {
            char *x = rows_by_product(a, names[i]), *y = rows_by_product(b, names[i]);
            same &= x && y && strlen(x) > 1000 && strcmp(x, y) == 0;
            free(x);
            free(y);
        }
        char what[128];
        snprintf(what, sizeof what, "hot agents: %d agents write each product's rows as one does", n);
        CHECK(what,
              r1 == 0 && rn == 0 && same && many.rows == one.rows && many.ticks == one.ticks &&
                  many.accepted == one.accepted && many.seq_gaps == one.seq_gaps &&
                  many.book.changes == one.book.changes && many.books_valid == one.books_valid &&
                  many.book.crossed == one.book.crossed && one.seq_gaps == 1 && one.book.crossed > 0,
              "rc=%d/%d rows %llu/%llu gaps %llu/%llu changes %llu/%llu", r1, rn,
              (unsigned long long)one.rows, (unsigned long long)many.rows,
              (unsigned long long)one.seq_gaps, (unsigned long long)many.seq_gaps,
              (unsigned long long)one.book.changes, (unsigned long long)many.book.changes);
    }
    g_hot = 1;
    unlink(in);
    unlink(a);
    unlink(b);
}

int main(void)
{
    volt_simd_init();
    check_ring();
    check_ring_single();
    check_rb();
    check_pipeline();
    check_hot_threads();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

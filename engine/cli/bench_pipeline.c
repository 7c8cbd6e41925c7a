/* engine/cli/bench_pipeline.c — volt bench-pipeline: the whole threaded pipeline at fixed offered
 * rates (engine/agents/source_mem.c), one line and one JSON record per rate. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/base/err.h"
#include "engine/base/idle.h"
#include "engine/obs/obs.h"
#include "engine/cli/cli.h"
#include "simd/cpu.h"

typedef struct {
    volt_pipeline_cfg_t cfg;
    volt_bench_msgs_t bm;
    double rates[16]; /* 0: as fast as possible */
    int n_rates;
    double seconds;   /* of messages per rate */
    const char *json;
    const char *metrics_ab; /* HOST:PORT: each rate without, then with, metrics served there and
                             * scraped every scrape_s, twice over (NULL: as configured) */
    double scrape_s;
} args_t;

/* --rates A,B,...,max */
static int parse_rates(args_t *a, const char *arg)
{
    char tmp[256];
    double v;
    snprintf(tmp, sizeof tmp, "%s", arg);
    a->n_rates = 0;
    for (char *tok = strtok(tmp, ","); tok && a->n_rates < 16; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "max") == 0)
            a->rates[a->n_rates++] = 0;
        else if (volt_cli_num(tok, 1, 1e9, &v) == 0)
            a->rates[a->n_rates++] = v;
        else
            BAD("--rates takes messages per second, comma separated, or max.");
    }
    return 0;
}

/* The bench's defaults: source and sink share a core, the hot agent gets the other; the sink runs
 * on the pacing source's thread, in its slack (source_mem.c), or with --sink-thread on its own,
 * parking between batches so that it holds the shared core only while it has rows. */
static void defaults(args_t *a)
{
    memset(a, 0, sizeof *a);
    volt_pipeline_cfg_default(&a->cfg);
    a->cfg.idle = "yield";
    a->cfg.human = NULL;
    a->cfg.no_grade = 1; /* the bench measures the pipeline, not the sink's offline work */
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
        a->cfg.cpus[0] = 0;
        a->cfg.cpus[1] = 1;
        a->cfg.cpus[2] = 0;
    }
    a->bm.sink_on_source = 1;
    a->cfg.sink_idle = "park";
    a->seconds = 2.0;
    a->scrape_s = 1.0;
    parse_rates(a, "10000,100000,1000000,max");
}

/* Returns 0, 1 (--help printed) or 2 (usage error printed). */
static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option o[] = {
        {"rates", required_argument, 0, 'r'},        {"seconds", required_argument, 0, 's'},
        {"json", required_argument, 0, 'j'},         {"cpus", required_argument, 0, 'c'},
        {"idle", required_argument, 0, 'i'},         {"sink-idle", required_argument, 0, 'k'},
        {"sink-thread", no_argument, 0, 't'},        {"parse-assist", required_argument, 0, O_ASSIST},
        {"kafka-brokers", required_argument, 0, O_KBROKERS},
        {"kafka-conf", required_argument, 0, O_KCONF}, {"kafka-config", required_argument, 0, O_KFILE},
        {"kafka-topics", required_argument, 0, O_KTOPICS}, {"hot-threads", required_argument, 0, O_HOT},
        {"metrics-ab", required_argument, 0, 'm'}, {"scrape-interval", required_argument, 0, 'e'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
        switch (c) {
        case 'r': if (parse_rates(a, optarg)) return 2; break;
        case 's':
            if (volt_cli_num(optarg, 0.01, 3600, &a->seconds))
                BAD("--seconds must be in (0, 3600].");
            break;
        case 'j': a->json = optarg; break;
        case 'e':
            if (volt_cli_num(optarg, 0.01, 60, &a->scrape_s))
                BAD("--scrape-interval must be seconds in [0.01, 60].");
            break;
        case 'm': {
            char host[64];
            int port, off;
            if (volt_obs_parse_addr(optarg, host, sizeof host, &port, &off) || off || port == 0)
                BAD("--metrics-ab takes HOST:PORT with a fixed port, e.g. 127.0.0.1:19464.");
            a->metrics_ab = optarg;
            break;
        }
        case 'c':
            if (volt_cli_cpus(optarg, a->cfg.cpus))
                BAD("--cpus takes three CPU numbers, e.g. 0,1,0 (-1 = no pin).");
            break;
        case 'i': a->cfg.idle = optarg; break;
        case 'k': a->cfg.sink_idle = optarg; break;
        case 't': a->bm.sink_on_source = 0; break;
        case O_ASSIST:
            if (volt_cli_assist(optarg, &a->cfg.parse_assist))
                BAD("--parse-assist takes off, always or a byte count.");
            break;
        case O_HOT: {
            double v;
            if (volt_cli_num(optarg, 1, VOLT_MAX_HOT, &v) || v != (int)v)
                BAD("--hot-threads takes 1 to 4.");
            a->cfg.hot_threads = (int)v;
            break;
        }
        case 'h': volt_cli_usage(stdout); return 1;
        default:
            if (volt_cli_kafka_opt(&a->cfg, c, optarg) != 0)
                return 2;
        }
    }
    if (optind != argc - 1)
        BAD("bench-pipeline takes one recording (e.g. from volt-synth).");
    return 0;
}

typedef struct {
    char **msg;
    uint32_t *len;
    size_t n;
} recording_t;

static void free_recording(recording_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->msg[i]);
    free(r->msg);
    free(r->len);
}

/* The recording in memory, a message per line. 0, or -1 after a message. */
static int load(const char *path, recording_t *r)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "volt: cannot read %s: %s.\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 0, lcap = 0;
    char *line = NULL;
    ssize_t got;
    int rc = 0;
    while (!rc && (got = getline(&line, &lcap, f)) > 0) {
        while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (r->n == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            char **m = realloc(r->msg, cap * sizeof *m);
            uint32_t *l = m ? realloc(r->len, cap * sizeof *l) : NULL;
            r->msg = m ? m : r->msg;
            r->len = l ? l : r->len;
            if (!m || !l)
                break;
        }
        if (!(r->msg[r->n] = malloc((size_t)got + 1)))
            break;
        memcpy(r->msg[r->n], line, (size_t)got);
        r->len[r->n++] = (uint32_t)got;
    }
    if (!feof(f))
        rc = -1, fprintf(stderr, "volt: %s: out of memory or unreadable after %zu lines.\n", path, r->n);
    free(line);
    fclose(f);
    return rc;
}

/* --metrics-ab's scraper: GET /metrics every --scrape-interval on its own thread, as Prometheus
 * would (its default interval is 15 s or 60 s), counting the scrapes that came back whole. */
typedef struct {
    struct sockaddr_in addr;
    _Atomic int stop;
    uint64_t ok, bytes;
    int cpu;
    double every_s;
    pthread_t th;
} scraper_t;

static int scrape_once(scraper_t *sc, char *buf, size_t cap)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int got = -1;
    static const char req[] = "GET /metrics HTTP/1.1\r\nHost: volt\r\nConnection: close\r\n\r\n";
    if (connect(fd, (const struct sockaddr *)&sc->addr, sizeof sc->addr) == 0 &&
        write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
        ssize_t n, total = 0;
        while ((n = read(fd, buf, cap)) > 0)
            total += n;
        got = (int)total;
    }
    close(fd);
    return got;
}

static void *scrape_loop(void *arg)
{
    scraper_t *sc = arg;
    if (sc->cpu >= 0) /* where an operator's scraper would run: never the hot agent's core */
        volt_pin_self(sc->cpu);
    static char buf[1 << 16];
    while (!atomic_load(&sc->stop)) {
        const int n = scrape_once(sc, buf, sizeof buf);
        if (n > 1000) {
            sc->ok++;
            sc->bytes += (uint64_t)n;
        }
        const int64_t ns = (int64_t)(sc->every_s * 1e9);
        const struct timespec ts = {ns / 1000000000, ns % 1000000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static int scraper_start(scraper_t *sc, const char *addr, int cpu, double every_s)
{
    char host[64];
    int port, off;
    memset(sc, 0, sizeof *sc);
    sc->cpu = cpu;
    sc->every_s = every_s;
    volt_obs_parse_addr(addr, host, sizeof host, &port, &off);
    sc->addr.sin_family = AF_INET;
    sc->addr.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &sc->addr.sin_addr);
    return pthread_create(&sc->th, NULL, scrape_loop, sc);
}

static void scraper_stop(scraper_t *sc)
{
    atomic_store(&sc->stop, 1);
    pthread_join(sc->th, NULL);
}

#define Q(h, q) (volt_hist_quantile((h), (q)) / 1e3)

/* One rate's line: receive->signal percentiles, per-stage medians and tails, and Kafka's counts. */
static void print_rate(const volt_run_stats_t *st, const char *off, double thr)
{
    const volt_hist_t *e = &st->lat[VOLT_LAT_E2E], *pa = &st->lat[VOLT_LAT_PARSE],
                      *fe = &st->lat[VOLT_LAT_FEATURES], *sc = &st->lat[VOLT_LAT_SCORE];
    printf("%-10s %9llu %11.0f | %8.2f %8.2f %8.2f %8.2f %9.2f | %6.2f/%-8.2f %6.2f/%-8.2f %6.2f/%-8.2f | %5.1f %%\n",
           off, (unsigned long long)st->ticks, thr, Q(e, .5), Q(e, .9), Q(e, .99), Q(e, .999),
           (double)e->max / 1e3, Q(pa, .5), Q(pa, .99), Q(fe, .5), Q(fe, .99), Q(sc, .5),
           Q(sc, .99), st->read ? 100.0 * (double)st->assisted / (double)st->read : 0.0);
    if (st->book.changes)
        printf("           level 2: %llu messages, %.0f level changes/s (%llu changes, %d hot agent%s)\n",
               (unsigned long long)st->by_kind[VOLT_MSG_BOOK],
               st->elapsed_s > 0 ? (double)st->book.changes / st->elapsed_s : 0.0,
               (unsigned long long)st->book.changes, st->hot_threads, st->hot_threads > 1 ? "s" : "");
    if (st->kafka)
        for (int t = 0; t < VOLT_K_TOPICS; t++)
            printf("           kafka %-18s queued %llu, delivered %llu, failed %llu, dropped %llu\n",
                   st->kafka_topic[t], (unsigned long long)st->kafka_stats.queued[t],
                   (unsigned long long)st->kafka_stats.delivered[t],
                   (unsigned long long)st->kafka_stats.failed[t],
                   (unsigned long long)st->kafka_stats.dropped[t]);
    fflush(stdout);
}

/* One rate's JSON record: every stage (volt_lat_stage_t order), each with the same percentiles. */
static void json_rate(FILE *js, int first, const volt_run_stats_t *st, double rate, const char *off,
                      double thr, int metrics)
{
    static const char *const stage[VOLT_LAT_COUNT] = {
        [VOLT_LAT_E2E] = "e2e",         [VOLT_LAT_QUEUE] = "queue", [VOLT_LAT_PARSE] = "parse",
        [VOLT_LAT_FEATURES] = "features", [VOLT_LAT_SCORE] = "score", [VOLT_LAT_HOT] = "hot",
        [VOLT_LAT_TO_SINK] = "to_sink", [VOLT_LAT_SOURCE_LATE] = "source_late"};
    fprintf(js, "%s{%s\"offered_per_s\":%s,\"ticks\":%llu,\"achieved_per_s\":%.0f,"
                "\"messages\":%llu,\"parsed_by_source\":%llu,\"hot_agents\":%d,"
                "\"level_changes\":%llu,\"level_changes_per_s\":%.0f",
            first ? "" : ",", metrics < 0 ? "" : metrics ? "\"metrics\":true," : "\"metrics\":false,",
            rate > 0 ? off : "null", (unsigned long long)st->ticks, thr,
            (unsigned long long)st->read, (unsigned long long)st->assisted, st->hot_threads,
            (unsigned long long)st->book.changes,
            st->elapsed_s > 0 ? (double)st->book.changes / st->elapsed_s : 0.0);
    for (int k = 0; k < VOLT_LAT_COUNT; k++) {
        const volt_hist_t *h = &st->lat[k];
        fprintf(js,
                ",\"%s_us\":{\"count\":%llu,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
                "\"max\":%.3f}",
                stage[k], (unsigned long long)h->count, Q(h, .5), Q(h, .9), Q(h, .99), Q(h, .999),
                (double)h->max / 1e3);
    }
    fprintf(js, "}");
}

/* volt bench-pipeline: the whole threaded pipeline at fixed offered rates (see source_mem.c). */
int volt_cmd_bench_pipeline(int argc, char **argv)
{
    args_t a;
    defaults(&a);
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    recording_t rec;
    if (load(argv[optind], &rec)) {
        free_recording(&rec);
        return 1;
    }
    volt_simd_init();
    FILE *js = a.json ? fopen(a.json, "w") : NULL;
    if (js)
        fprintf(js, "{\"recording\":\"%s\",\"messages_available\":%zu,\"runs\":[", argv[optind], rec.n);
    printf("%-10s %9s %11s | %-48s | %-15s %-15s %-15s | %s\n", "offered/s", "msgs", "achieved/s",
           "receive->signal us: p50 p90 p99 p99.9 max", "parse p50/p99", "features", "score",
           "parsed by source");
    /* --metrics-ab: each rate off, on, off, on (the same run, interleaved against drift) */
    const int runs = a.metrics_ab ? 4 : 1;
    int first = 1;
    for (int r = 0; r < a.n_rates && !rc; r++) {
        for (int k = 0; k < runs && !rc; k++) {
            const int on = a.metrics_ab && (k & 1);
            const uint64_t want = a.rates[r] > 0 ? (uint64_t)(a.rates[r] * a.seconds) : (uint64_t)rec.n;
            a.bm.msg = (const char *const *)rec.msg;
            a.bm.len = rec.len;
            a.bm.n = want < rec.n ? want : rec.n;
            a.bm.rate = a.rates[r];
            if (a.metrics_ab)
                a.cfg.metrics_addr = on ? a.metrics_ab : "off";
            scraper_t sc;
            if (on && scraper_start(&sc, a.metrics_ab, a.cfg.cpus[0], a.scrape_s)) {
                fprintf(stderr, "volt: cannot start the scraper thread.\n");
                rc = 1;
                break;
            }
            volt_run_stats_t st;
            const int brc = volt_pipeline_bench(&a.cfg, &a.bm, &st);
            if (on)
                scraper_stop(&sc);
            if (brc) {
                fprintf(stderr, "volt: %s.\n", volt_err_msg());
                rc = 1;
                break;
            }
            const double thr = st.elapsed_s > 0 ? (double)st.ticks / st.elapsed_s : 0;
            char off[24], label[32];
            snprintf(off, sizeof off, a.rates[r] > 0 ? "%.0f" : "max", a.rates[r]);
            snprintf(label, sizeof label, "%s%s", off, !a.metrics_ab ? "" : on ? " +m" : " -m");
            print_rate(&st, label, thr);
            if (on)
                printf("           metrics: %llu scrapes of /metrics answered (%.0f bytes each)\n",
                       (unsigned long long)sc.ok, sc.ok ? (double)sc.bytes / (double)sc.ok : 0.0);
            if (js)
                json_rate(js, first, &st, a.rates[r], off, thr, a.metrics_ab ? on : -1);
            first = 0;
        }
    }
    if (js) {
        fprintf(js, "]}\n");
        fclose(js);
    }
    free_recording(&rec);
    return rc;
}

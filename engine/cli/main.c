/* engine/cli/main.c — the volt command line. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd/cpu.h"
#include "engine/base/clock.h"
#include "engine/base/err.h"
#include "engine/pipeline.h"

#define VOLT_VERSION "0.1.0"

static void usage(FILE *o)
{
    fprintf(o,
            "volt %s — real-time crypto volatility-spike detection engine\n"
            "\n"
            "Usage:\n"
            "  volt replay [options] FILE...   replay NDJSON recordings through the pipeline\n"
            "  volt live [options]             ingest the Coinbase WebSocket feed (or volt-exchange)\n"
            "  volt features                   list the features (name, unit, window, meaning)\n"
            "  volt bench-pipeline [--rates R,R,...|max] [--seconds S] [--json FILE] [--cpus S,H,K]\n"
            "                      [--idle X] [--sink-thread [--sink-idle X]] [--parse-assist A]\n"
            "                      [--kafka-brokers H:P [--kafka-conf K=V]... [--kafka-topics R,F,A]]\n"
            "                      RECORDING\n"
            "                                  the whole pipeline at fixed offered rates, latency\n"
            "                                  measured from each message's intended send time\n"
            "  volt version                    print the version and the SIMD kernels in use\n"
            "  volt --help                     this text\n"
            "\n"
            "Replay options:\n"
            "  --out FILE            write one feature row per tick to FILE ('-' = stdout);\n"
            "                        without it no rows are written, only alerts and the summary\n"
            "  --format csv|ndjson   row format (default csv)\n"
            "  --model default|zscore|FILE   model to score with: the shipped model (default:\n"
            "                        models/default.volt, or the file named by VOLT_DEFAULT_MODEL),\n"
            "                        the seed's z-score baseline, or a model file exported by volt-lab\n"
            "                        (logistic or gbt; docs/models.md)\n"
            "  --cpus S,H,K          pin source, hot and sink threads to these CPUs (-1 = no pin)\n"
            "  --idle STRATEGY       spin | yield | backoff | sleep | park (default backoff)\n"
            "  --max-frame BYTES     largest message accepted (default 1048576)\n"
            "  --parse-assist off|always|BYTES   the source thread parses a message itself when\n"
            "                        at least BYTES wait for the hot agent (default 8192)\n"
            "  --gap-seconds S       silence that restarts a product's windows (default 10, <= 120)\n"
            "  --alert-cooldown S    least event time between two alerts of one product (default 60)\n"
            "  --max-notices N       rejected inputs logged per reason (default 5; all are counted)\n"
            "  --quiet               no alert lines (the summary still counts them)\n"
            "  --no-grade            do not grade the model against persistence over the last\n"
            "                        hour of labelled rows (the summary's self-grade, stats lines)\n"
            "  --stats-interval S    print receive->signal percentiles every S seconds\n"
            "  --hist-out FILE       write the receive->signal histogram (CSV) at the end\n"
            "  --label               add label_future_rv_60s, label_tau and volatility_spike (1 when\n"
            "                        the next 60 s realized volatility >= tau); rows come out 60 s\n"
            "                        of event time late, unlabelled when their future is incomplete\n"
            "  --tau trailing|VALUE  tau: the row's tau_trailing (default) or a fixed value\n"
            "  --kafka-brokers H:P   publish ticks.raw, ticks.features and volatility.alerts\n"
            "                        (topics created when missing: 3 partitions, replication 1)\n"
            "  --kafka-topics R,F,A  other names for those three topics\n"
            "  --kafka-conf K=V      any librdkafka producer setting (repeatable)\n"
            "  --kafka-flush-seconds S   at the end, wait this long for deliveries (default 30)\n"
            "  --kafka-config FILE   key=value lines: brokers, topic.raw, topic.features,\n"
            "                        topic.alerts, flush.seconds, or any librdkafka setting\n"
            "\n"
            "Live options (and every replay option):\n"
            "  --pair P              product to subscribe to, repeatable (default BTC-USD)\n"
            "  --url URL             ws:// or wss:// endpoint (default: Coinbase's, per protocol)\n"
            "  --protocol advanced|exchange   Advanced Trade (default) or the Exchange feed\n"
            "  --minutes M | --seconds S      run this long, then drain and stop (default: until\n"
            "                        SIGINT/SIGTERM)\n"
            "  --watchdog-seconds S  reconnect when no frame arrives for S seconds (default 30)\n"
            "  --backoff-min S, --backoff-max S   reconnect backoff bounds (default 0.1, 10)\n"
            "  --ca FILE             trust anchors for wss:// (default: the system store);\n"
            "                        certificates are always verified\n"
            "  --save-disk [DIR]     journal every received message (default DIR: data/raw), with\n"
            "                        io_uring; 'volt replay DIR/*.ndjson' reproduces the rows\n"
            "  --rotate-mb N, --rotate-minutes M   start a new journal file (default 256, 60)\n"
            "  --fsync-ms MS         fdatasync the journal at least this often (default 1000;\n"
            "                        0 = after every write batch)\n"
            "\n"            "Bench-pipeline options (docs/bench.md; --cpus, --idle, --parse-assist and the Kafka\n"
            "options as above):\n"
            "  --sink-thread         give the sink a thread of its own (default: it runs on the\n"
            "                        source's thread, in the slack between due messages)\n"
            "  --sink-idle STRATEGY  that thread's idle strategy (default park)\n"
            "\n"
            "Alerts, notices and the summary go to stdout when rows go to a file, else to stderr.\n"
            "Exit status: 0 on success; 2 on a usage error; 1 on an I/O or set-up error.\n",
            VOLT_VERSION);
}

static int parse_cpus(const char *s, int cpus[3])
{
    char *end;
    for (int i = 0; i < 3; i++) {
        long v = strtol(s, &end, 10);
        if (end == s || v < -1 || v > 4095)
            return -1;
        cpus[i] = (int)v;
        if (i < 2) {
            if (*end != ',')
                return -1;
            s = end + 1;
        }
    }
    return *end == '\0' ? 0 : -1;
}

static int num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* --parse-assist off|always|BYTES */
static int parse_assist(const char *s, int64_t *out)
{
    double v;
    if (strcmp(s, "off") == 0)
        *out = VOLT_PARSE_ASSIST_OFF;
    else if (strcmp(s, "always") == 0)
        *out = 0;
    else if (num(s, 0, 1u << 30, &v) == 0)
        *out = (int64_t)v;
    else
        return -1;
    return 0;
}

enum {
    O_OUT = 1, O_FORMAT, O_MODEL, O_CPUS, O_IDLE, O_MAXF, O_GAP, O_COOL, O_NOTICES, O_QUIET, O_NOGRADE,
    /* live only */
    O_STATS, O_HIST, O_LABEL, O_TAU, O_KBROKERS, O_KCONF, O_KTOPICS, O_KFLUSH, O_KFILE, O_ASSIST,
    O_PAIR, O_URL, O_PROTO, O_MINUTES, O_SECONDS, O_WATCHDOG, O_BMIN, O_BMAX, O_CA, O_SAVE,
    O_ROT_MB, O_ROT_MIN, O_FSYNC
};

static const struct option k_opts[] = {
    {"out", required_argument, 0, O_OUT},           {"format", required_argument, 0, O_FORMAT},
    {"model", required_argument, 0, O_MODEL},       {"cpus", required_argument, 0, O_CPUS},
    {"idle", required_argument, 0, O_IDLE},         {"max-frame", required_argument, 0, O_MAXF},
    {"parse-assist", required_argument, 0, O_ASSIST},
    {"gap-seconds", required_argument, 0, O_GAP},   {"alert-cooldown", required_argument, 0, O_COOL},
    {"max-notices", required_argument, 0, O_NOTICES}, {"quiet", no_argument, 0, O_QUIET},
    {"no-grade", no_argument, 0, O_NOGRADE},
    {"stats-interval", required_argument, 0, O_STATS}, {"hist-out", required_argument, 0, O_HIST},
    {"kafka-brokers", required_argument, 0, O_KBROKERS}, {"kafka-conf", required_argument, 0, O_KCONF},
    {"kafka-topics", required_argument, 0, O_KTOPICS}, {"kafka-flush-seconds", required_argument, 0, O_KFLUSH},
    {"kafka-config", required_argument, 0, O_KFILE},
    {"label", no_argument, 0, O_LABEL},             {"tau", required_argument, 0, O_TAU},
    {"pair", required_argument, 0, O_PAIR},         {"url", required_argument, 0, O_URL},
    {"protocol", required_argument, 0, O_PROTO},    {"minutes", required_argument, 0, O_MINUTES},
    {"seconds", required_argument, 0, O_SECONDS},   {"watchdog-seconds", required_argument, 0, O_WATCHDOG},
    {"backoff-min", required_argument, 0, O_BMIN},  {"backoff-max", required_argument, 0, O_BMAX},
    {"ca", required_argument, 0, O_CA},             {"save-disk", optional_argument, 0, O_SAVE},
    {"rotate-mb", required_argument, 0, O_ROT_MB},  {"rotate-minutes", required_argument, 0, O_ROT_MIN},
    {"fsync-ms", required_argument, 0, O_FSYNC},    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

#define MAX_KCONF 64

static int add_kafka_conf(volt_pipeline_cfg_t *cfg, const char *kv)
{
    static const char *confs[MAX_KCONF];
    if (cfg->n_kafka_conf >= MAX_KCONF)
        return -1;
    confs[cfg->n_kafka_conf++] = kv;
    cfg->kafka_conf = confs;
    return 0;
}

/* A Kafka config file: "key=value" lines, '#' comments. volt's own keys: brokers,
 * topic.raw, topic.features, topic.alerts, flush.seconds; every other key goes to librdkafka.
 * Later command-line flags override the file. */
static int load_kafka_config(volt_pipeline_cfg_t *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "volt: cannot read the Kafka config %s: %s.\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        s[strcspn(s, "\r\n")] = '\0';
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq || eq == s) {
            fprintf(stderr, "volt: %s:%d: expected key=value.\n", path, lineno);
            fclose(f);
            return -1;
        }
        /* the settings live for the whole run: keep them reachable from a static table */
        static char *owned[256];
        static int n_owned;
        if (n_owned >= 256) {
            fprintf(stderr, "volt: %s: too many lines.\n", path);
            fclose(f);
            return -1;
        }
        char *kv = owned[n_owned++] = strdup(s);
        if (!kv) {
            fclose(f);
            return -1;
        }
        kv[eq - s] = '\0';
        const char *key = kv, *val = kv + (eq - s) + 1;
        if (strcmp(key, "brokers") == 0)
            cfg->kafka_brokers = val;
        else if (strcmp(key, "topic.raw") == 0)
            cfg->kafka_topic[0] = val;
        else if (strcmp(key, "topic.features") == 0)
            cfg->kafka_topic[1] = val;
        else if (strcmp(key, "topic.alerts") == 0)
            cfg->kafka_topic[2] = val;
        else if (strcmp(key, "flush.seconds") == 0)
            cfg->kafka_flush_s = atof(val);
        else {
            kv[eq - s] = '=';
            if (add_kafka_conf(cfg, kv)) {
                fprintf(stderr, "volt: %s: more than %d settings.\n", path, MAX_KCONF);
                fclose(f);
                return -1;
            }
        }
    }
    fclose(f);
    return 0;
}

#define BAD(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "volt: " __VA_ARGS__);                                                     \
        fputc('\n', stderr);                                                                       \
        return 2;                                                                                  \
    } while (0)

/* --kafka-topics RAW,FEATURES,ALERTS: 0, or -1 when it is not three non-empty names. */
static int kafka_topics(volt_pipeline_cfg_t *cfg, const char *arg)
{
    static char topics[512];
    snprintf(topics, sizeof topics, "%s", arg);
    char *a = topics, *b = strchr(a, ','), *d = b ? strchr(b + 1, ',') : NULL;
    if (!b || !d || strchr(d + 1, ',') || b == a || d == b + 1 || !d[1])
        return -1;
    *b = *d = '\0';
    cfg->kafka_topic[0] = a;
    cfg->kafka_topic[1] = b + 1;
    cfg->kafka_topic[2] = d + 1;
    return 0;
}

/* The Kafka options replay, live and bench-pipeline share: 0 when handled, 2 after a message on a
 * bad value, -1 when opt is not one of them. */
static int kafka_opt(volt_pipeline_cfg_t *cfg, int opt, const char *arg)
{
    switch (opt) {
    case O_KBROKERS: cfg->kafka_brokers = arg; return 0;
    case O_KCONF:
        if (!strchr(arg, '=') || add_kafka_conf(cfg, arg))
            BAD("--kafka-conf takes key=value (at most %d of them).", MAX_KCONF);
        return 0;
    case O_KFILE: return load_kafka_config(cfg, arg) ? 2 : 0;
    case O_KTOPICS:
        if (kafka_topics(cfg, arg))
            BAD("--kafka-topics takes RAW,FEATURES,ALERTS topic names.");
        return 0;
    default: return -1;
    }
}

/* Parses the options of replay (live = 0) or live (live = 1) into cfg. Returns 0, 1 (--help
 * printed) or 2 (usage error printed). */
static int parse_opts(int argc, char **argv, int live, volt_pipeline_cfg_t *cfg,
                      const char **pairs, int *n_pairs)
{
    optind = 1;
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "h", k_opts, NULL)) != -1) {
        if (!live && c >= O_PAIR)
            BAD("--%s is a 'volt live' option (see 'volt --help').", k_opts[c - 1].name);
        switch (c) {
        case O_OUT: cfg->out_path = optarg; break;
        case O_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                cfg->format = VOLT_FMT_CSV;
            else if (strcmp(optarg, "ndjson") == 0)
                cfg->format = VOLT_FMT_NDJSON;
            else
                BAD("--format must be csv or ndjson, not '%s'.", optarg);
            break;
        case O_MODEL: cfg->model = optarg; break;
        case O_CPUS:
            if (parse_cpus(optarg, cfg->cpus))
                BAD("--cpus takes three CPU numbers, e.g. 0,1,0 (-1 = no pin).");
            break;
        case O_IDLE: cfg->idle = optarg; break;
        case O_ASSIST:
            if (parse_assist(optarg, &cfg->parse_assist))
                BAD("--parse-assist takes off, always or a byte count.");
            break;
        case O_MAXF:
            if (num(optarg, 256, 64 << 20, &v))
                BAD("--max-frame must be a byte count from 256 to 67108864.");
            cfg->max_frame = (size_t)v;
            while (cfg->frame_ring_bytes / 4 < cfg->max_frame + 64)
                cfg->frame_ring_bytes *= 2;
            break;
        case O_GAP:
            if (num(optarg, 0.001, VOLT_FEAT_MAX_GAP_S, &v))
                BAD("--gap-seconds must be a number of seconds in (0, %d].", VOLT_FEAT_MAX_GAP_S);
            cfg->feat.gap_ns = (int64_t)(v * 1e9);
            break;
        case O_COOL:
            if (num(optarg, 0, 86400, &v))
                BAD("--alert-cooldown must be seconds from 0 to 86400.");
            cfg->alert_cooldown_s = v;
            break;
        case O_NOTICES:
            if (num(optarg, 0, 1e9, &v))
                BAD("--max-notices must be a count.");
            cfg->max_notices = (int)v;
            break;
        case O_QUIET: cfg->quiet = 1; break;
        case O_NOGRADE: cfg->no_grade = 1; break;
        case O_STATS:
            if (num(optarg, 0.01, 86400, &v))
                BAD("--stats-interval must be seconds in (0, 86400].");
            cfg->stats_interval_s = v;
            break;
        case O_HIST: cfg->hist_out = optarg; break;
        case O_LABEL: cfg->label = 1; break;
        case O_TAU:
            if (strcmp(optarg, "trailing") == 0)
                cfg->label_tau = NAN;
            else if (num(optarg, 1e-12, 1.0, &v))
                BAD("--tau takes 'trailing' or a realized volatility in (0, 1], e.g. 0.0012.");
            else
                cfg->label_tau = v;
            break;
        case O_KBROKERS:
        case O_KCONF:
        case O_KFILE:
        case O_KTOPICS:
            if (kafka_opt(cfg, c, optarg))
                return 2;
            break;
        case O_KFLUSH:
            if (num(optarg, 0, 3600, &v))
                BAD("--kafka-flush-seconds must be seconds from 0 to 3600.");
            cfg->kafka_flush_s = v;
            break;
        case O_PAIR:
            if (*n_pairs >= VOLT_MAX_PRODUCTS)
                BAD("at most %d --pair options.", VOLT_MAX_PRODUCTS);
            pairs[(*n_pairs)++] = optarg;
            break;
        case O_URL: cfg->url = optarg; break;
        case O_PROTO:
            if (strcmp(optarg, "advanced") == 0)
                cfg->protocol = VOLT_PROTO_ADVANCED;
            else if (strcmp(optarg, "exchange") == 0)
                cfg->protocol = VOLT_PROTO_EXCHANGE;
            else
                BAD("--protocol must be advanced or exchange, not '%s'.", optarg);
            break;
        case O_MINUTES:
        case O_SECONDS:
            if (num(optarg, 0.001, 1e7, &v))
                BAD("--%s must be a positive number.", c == O_MINUTES ? "minutes" : "seconds");
            cfg->duration_s = c == O_MINUTES ? v * 60 : v;
            break;
        case O_WATCHDOG:
            if (num(optarg, 0.01, 86400, &v))
                BAD("--watchdog-seconds must be seconds in (0, 86400].");
            cfg->watchdog_s = v;
            break;
        case O_BMIN:
        case O_BMAX:
            if (num(optarg, 0.001, 3600, &v))
                BAD("--backoff-min/--backoff-max must be seconds in (0, 3600].");
            *(c == O_BMIN ? &cfg->backoff_min_s : &cfg->backoff_max_s) = v;
            break;
        case O_CA: cfg->ca_file = optarg; break;
        case O_SAVE:
            /* --save-disk DIR or --save-disk=DIR; bare --save-disk: data/raw like the seed */
            if (!optarg && optind < argc && argv[optind][0] != '-')
                optarg = argv[optind++];
            cfg->journal_dir = optarg ? optarg : "data/raw";
            break;
        case O_ROT_MB:
            if (num(optarg, 0.001, 1e6, &v))
                BAD("--rotate-mb must be a positive size in MiB.");
            cfg->journal_rotate_mb = v;
            break;
        case O_ROT_MIN:
            if (num(optarg, 0.01, 1e6, &v))
                BAD("--rotate-minutes must be positive.");
            cfg->journal_rotate_min = v;
            break;
        case O_FSYNC:
            if (num(optarg, 0, 3.6e6, &v))
                BAD("--fsync-ms must be milliseconds from 0 (every batch) to 3600000.");
            cfg->journal_fsync_ms = v;
            break;
        case 'h': usage(stdout); return 1;
        default: fprintf(stderr, "volt: see 'volt --help'.\n"); return 2;
        }
    }
    const int rows_on_stdout = cfg->out_path && strcmp(cfg->out_path, "-") == 0;
    cfg->human = (cfg->out_path && !rows_on_stdout) ? stdout : stderr;
    return 0;
}

static int cmd_replay(int argc, char **argv)
{
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    int rc = parse_opts(argc, argv, 0, &cfg, NULL, NULL);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (optind >= argc) {
        fprintf(stderr, "volt: replay needs at least one recording file (see 'volt --help').\n");
        return 2;
    }
    cfg.files = (const char *const *)(argv + optind);
    cfg.n_files = argc - optind;
    if (volt_pipeline_check(&cfg, 0)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 2;
    }
    volt_simd_init();
    volt_run_stats_t st;
    if (volt_pipeline_replay(&cfg, &st)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 1;
    }
    volt_run_stats_print(&st, cfg.human);
    fflush(cfg.human);
    if (st.read > 0 && st.accepted == 0) { /* not a recording volt reads: say so, not exit 0 */
        int top = 0;
        for (int r = 1; r < VOLT_REJ_COUNT; r++)
            if (st.rejected_by[r] > st.rejected_by[top])
                top = r;
        fprintf(stderr, "volt: none of the %llu lines read was accepted (most: %s, %llu): not a "
                        "recording volt reads (docs/parsing.md lists the formats).\n",
                (unsigned long long)st.read, volt_reject_name((volt_reject_t)top),
                (unsigned long long)st.rejected_by[top]);
        return 1;
    }
    return 0;
}

static void on_stop_signal(int sig)
{
    (void)sig;
    volt_pipeline_request_stop();
}

static int cmd_live(int argc, char **argv)
{
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    const char *pairs[VOLT_MAX_PRODUCTS];
    int n_pairs = 0;
    int rc = parse_opts(argc, argv, 1, &cfg, pairs, &n_pairs);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (optind < argc)
        BAD("unexpected argument '%s' (live reads no files).", argv[optind]);
    if (n_pairs == 0)
        pairs[n_pairs++] = "BTC-USD";
    cfg.products = pairs;
    cfg.n_products = n_pairs;
    if (!cfg.url)
        cfg.url = cfg.protocol == VOLT_PROTO_EXCHANGE ? "wss://ws-feed.exchange.coinbase.com"
                                                      : "wss://advanced-trade-ws.coinbase.com";
    if (volt_pipeline_check(&cfg, 1)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    volt_simd_init();
    if (cfg.human)
        fprintf(cfg.human, "volt: live from %s (%s protocol), %d product(s)%s\n", cfg.url,
                cfg.protocol == VOLT_PROTO_EXCHANGE ? "exchange" : "advanced", n_pairs,
                cfg.duration_s > 0 ? "" : "; Ctrl-C stops and drains");
    volt_run_stats_t st;
    if (volt_pipeline_live(&cfg, &st)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 1;
    }
    volt_run_stats_print(&st, cfg.human);
    fflush(cfg.human);
    return 0;
}

/* volt bench-pipeline: the whole threaded pipeline at fixed offered rates (see source_mem.c). */
static int cmd_bench_pipeline(int argc, char **argv)
{
    double rates[16];
    int n_rates = 0;
    double seconds = 2.0;
    const char *json = NULL, *rates_arg = "10000,100000,1000000,max";
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    cfg.idle = "yield";
    cfg.human = NULL;
    cfg.no_grade = 1; /* the bench measures the pipeline, not the sink's offline work */
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
        cfg.cpus[0] = 0; /* source and sink share a core, the hot agent gets the other */
        cfg.cpus[1] = 1;
        cfg.cpus[2] = 0;
    }
    /* the sink shares the side core with the pacing source: by default it runs on the source's
     * thread, in its slack (source_mem.c); --sink-thread gives it its own, parking between
     * batches so that it holds the shared core only while it has rows */
    volt_bench_msgs_t bm = {.sink_on_source = 1};
    cfg.sink_idle = "park";
    static const struct option o[] = {{"rates", required_argument, 0, 'r'},
                                      {"seconds", required_argument, 0, 's'},
                                      {"json", required_argument, 0, 'j'},
                                      {"cpus", required_argument, 0, 'c'},
                                      {"idle", required_argument, 0, 'i'},
                                      {"sink-idle", required_argument, 0, 'k'},
                                      {"sink-thread", no_argument, 0, 't'},
                                      {"parse-assist", required_argument, 0, O_ASSIST},
                                      {"kafka-brokers", required_argument, 0, O_KBROKERS},
                                      {"kafka-conf", required_argument, 0, O_KCONF},
                                      {"kafka-config", required_argument, 0, O_KFILE},
                                      {"kafka-topics", required_argument, 0, O_KTOPICS},
                                      {"help", no_argument, 0, 'h'},
                                      {0, 0, 0, 0}};
    optind = 1;
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
        switch (c) {
        case 'r': rates_arg = optarg; break;
        case 's':
            if (num(optarg, 0.01, 3600, &v))
                BAD("--seconds must be in (0, 3600].");
            seconds = v;
            break;
        case 'j': json = optarg; break;
        case 'c':
            if (parse_cpus(optarg, cfg.cpus))
                BAD("--cpus takes three CPU numbers, e.g. 0,1,0 (-1 = no pin).");
            break;
        case 'i': cfg.idle = optarg; break;
        case 'k': cfg.sink_idle = optarg; break;
        case 't': bm.sink_on_source = 0; break;
        case O_ASSIST:
            if (parse_assist(optarg, &cfg.parse_assist))
                BAD("--parse-assist takes off, always or a byte count.");
            break;
        case O_KBROKERS:
        case O_KCONF:
        case O_KFILE:
        case O_KTOPICS:
            if (kafka_opt(&cfg, c, optarg))
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1)
        BAD("bench-pipeline takes one recording (e.g. from volt-synth).");
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", rates_arg);
    for (char *tok = strtok(tmp, ","); tok && n_rates < 16; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "max") == 0)
            rates[n_rates++] = 0;
        else if (num(tok, 1, 1e9, &v) == 0)
            rates[n_rates++] = v;
        else
            BAD("--rates takes messages per second, comma separated, or max.");
    }
    /* the recording, in memory */
    FILE *f = fopen(argv[optind], "r");
    if (!f) {
        fprintf(stderr, "volt: cannot read %s: %s.\n", argv[optind], strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    char **msg = malloc(cap * sizeof *msg);
    uint32_t *len = malloc(cap * sizeof *len);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    while ((got = getline(&line, &lcap, f)) > 0) {
        while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            got--;
        if (n == cap) {
            cap *= 2;
            msg = realloc(msg, cap * sizeof *msg);
            len = realloc(len, cap * sizeof *len);
        }
        msg[n] = malloc((size_t)got + 1);
        memcpy(msg[n], line, (size_t)got);
        len[n++] = (uint32_t)got;
    }
    free(line);
    fclose(f);
    volt_simd_init();
    FILE *js = json ? fopen(json, "w") : NULL;
    if (js)
        fprintf(js, "{\"recording\":\"%s\",\"messages_available\":%zu,\"runs\":[", argv[optind], n);
    printf("%-10s %9s %11s | %-48s | %-15s %-15s %-15s | %s\n", "offered/s", "msgs", "achieved/s",
           "receive->signal us: p50 p90 p99 p99.9 max", "parse p50/p99", "features", "score",
           "parsed by source");
    int rc = 0;
    for (int r = 0; r < n_rates; r++) {
        uint64_t want = rates[r] > 0 ? (uint64_t)(rates[r] * seconds) : (uint64_t)n;
        if (want > n)
            want = n;
        bm.msg = (const char *const *)msg;
        bm.len = len;
        bm.n = want;
        bm.rate = rates[r];
        volt_run_stats_t st;
        if (volt_pipeline_bench(&cfg, &bm, &st)) {
            fprintf(stderr, "volt: %s.\n", volt_err_msg());
            rc = 1;
            break;
        }
        const volt_hist_t *e = &st.lat[VOLT_LAT_E2E], *pa = &st.lat[VOLT_LAT_PARSE],
                          *fe = &st.lat[VOLT_LAT_FEATURES], *sc = &st.lat[VOLT_LAT_SCORE];
        const double thr = st.elapsed_s > 0 ? (double)st.ticks / st.elapsed_s : 0;
#define Q(h, q) (volt_hist_quantile((h), (q)) / 1e3)
        char off[16];
        if (rates[r] > 0)
            snprintf(off, sizeof off, "%.0f", rates[r]);
        else
            snprintf(off, sizeof off, "max");
        printf("%-10s %9llu %11.0f | %8.2f %8.2f %8.2f %8.2f %9.2f | %6.2f/%-8.2f %6.2f/%-8.2f %6.2f/%-8.2f | %5.1f %%\n",
               off, (unsigned long long)st.ticks, thr, Q(e, .5), Q(e, .9), Q(e, .99), Q(e, .999),
               (double)e->max / 1e3, Q(pa, .5), Q(pa, .99), Q(fe, .5), Q(fe, .99), Q(sc, .5),
               Q(sc, .99), st.read ? 100.0 * (double)st.assisted / (double)st.read : 0.0);
        if (st.kafka)
            for (int t = 0; t < VOLT_K_TOPICS; t++)
                printf("           kafka %-18s queued %llu, delivered %llu, failed %llu, dropped %llu\n",
                       st.kafka_topic[t], (unsigned long long)st.kafka_stats.queued[t],
                       (unsigned long long)st.kafka_stats.delivered[t],
                       (unsigned long long)st.kafka_stats.failed[t],
                       (unsigned long long)st.kafka_stats.dropped[t]);
        fflush(stdout);
        if (js) {
            /* every stage (volt_lat_stage_t order), each with the same percentiles */
            static const char *const stage[VOLT_LAT_COUNT] = {
                [VOLT_LAT_E2E] = "e2e",           [VOLT_LAT_QUEUE] = "queue",
                [VOLT_LAT_PARSE] = "parse",       [VOLT_LAT_FEATURES] = "features",
                [VOLT_LAT_SCORE] = "score",       [VOLT_LAT_HOT] = "hot",
                [VOLT_LAT_TO_SINK] = "to_sink",   [VOLT_LAT_SOURCE_LATE] = "source_late"};
            fprintf(js, "%s{\"offered_per_s\":%s,\"ticks\":%llu,\"achieved_per_s\":%.0f,"
                        "\"messages\":%llu,\"parsed_by_source\":%llu",
                    r ? "," : "", rates[r] > 0 ? off : "null", (unsigned long long)st.ticks, thr,
                    (unsigned long long)st.read, (unsigned long long)st.assisted);
            for (int k = 0; k < VOLT_LAT_COUNT; k++) {
                const volt_hist_t *h = &st.lat[k];
                fprintf(js,
                        ",\"%s_us\":{\"count\":%llu,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
                        "\"p999\":%.3f,\"max\":%.3f}",
                        stage[k], (unsigned long long)h->count, Q(h, .5), Q(h, .9), Q(h, .99),
                        Q(h, .999), (double)h->max / 1e3);
            }
            fprintf(js, "}");
        }
#undef Q
    }
    if (js) {
        fprintf(js, "]}\n");
        fclose(js);
    }
    for (size_t i = 0; i < n; i++)
        free(msg[i]);
    free(msg);
    free(len);
    return rc;
}

static int cmd_features(void)
{
    printf("%-26s %-15s %-8s %s\n", "name", "unit", "window", "meaning");
    for (int i = 0; i < VOLT_NF; i++) {
        const volt_feature_info_t *f = &volt_feature_table[i];
        char w[16];
        snprintf(w, sizeof w, f->window_s ? "%us" : "tick", f->window_s);
        printf("%-26s %-15s %-8s %s\n", f->name, f->unit, w, f->doc);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        const volt_clock_info_t ck = volt_clock_info();
        printf("volt %s (simd: %s; clock: %s", VOLT_VERSION, volt_simd_isa_name(volt_simd_init()),
               ck.source);
        if (ck.tsc_ghz > 0)
            printf(" at %.4f GHz, rate within %.0f ppm)\n", ck.tsc_ghz, ck.ppm_bound);
        else
            printf(", %s)\n", ck.why);
        return 0;
    }
    if (strcmp(cmd, "replay") == 0)
        return cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "live") == 0)
        return cmd_live(argc - 1, argv + 1);
    if (strcmp(cmd, "features") == 0)
        return cmd_features();
    if (strcmp(cmd, "bench-pipeline") == 0)
        return cmd_bench_pipeline(argc - 1, argv + 1);
    fprintf(stderr, "volt: unknown command '%s' (see 'volt --help').\n", cmd);
    return 2;
}

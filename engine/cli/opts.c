/* engine/cli/opts.c — usage, the option table and the parsers replay, live and bench share. */
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/base/err.h"
#include "engine/obs/obs.h"

int volt_cli_shard_i, volt_cli_shard_n;
const char *volt_cli_l2_pairs[VOLT_MAX_PRODUCTS];
int volt_cli_n_l2_pairs;

/* The help text. It is long because it is one string literal: every command and option, read in
 * one place. */
void volt_cli_usage(FILE *o)
{
    fprintf(o,
            "volt %s — real-time crypto volatility-spike detection engine\n"
            "\n"
            "Usage:\n"
            "  volt replay [options] FILE...   replay NDJSON recordings through the pipeline\n"
            "  volt live [--config FILE] [options]\n"
            "                                  ingest the Coinbase WebSocket feed (or volt-exchange);\n"
            "                                  FILE: YAML settings (docs/examples/volt.yaml), flags win\n"
            "  volt check-config FILE [options]  the settings live would take from FILE and flags\n"
            "  volt features                   list the features (name, unit, window, meaning)\n"
            "  volt bench-pipeline [--rates R,R,...|max] [--seconds S] [--json FILE] [--cpus S,H,K]\n"
            "                      [--idle X] [--sink-thread [--sink-idle X]] [--parse-assist A]\n"
            "                      [--kafka-brokers H:P [--kafka-conf K=V]... [--kafka-topics R,F,A]]\n"
            "                      [--hot-threads N] RECORDING\n"
            "                                  the whole pipeline at fixed offered rates, latency\n"
            "                                  measured from each message's intended send time\n"
            "  volt book [--depth N] [--top K] [--max-frame BYTES] [--out FILE] RECORDING...\n"
            "                                  level-2 messages (l2_data) through the parser and the\n"
            "                                  books: the top K levels of each book after each message\n"
            "                                  (docs/book.md); default depth 4096, top 10, 64 MiB\n"
            "  volt version                    print the version and the SIMD kernels in use\n"
            "  volt --help                     this text\n"
            "\n"
            "Replay options:\n"
            "  --out FILE            write one feature row per tick to FILE ('-' = stdout);\n"
            "                        without it no rows are written, only alerts and the summary\n"
            "  --format csv|ndjson   row format (default csv)\n"
            "  --book-depth N        level-2 levels kept per side and product (default 4096;\n"
            "                        docs/book.md)\n"
            "  --alert-threshold P   alert at p_spike >= P instead of the model file's threshold\n"
            "  --model default|zscore|FILE   model to score with: the shipped model (default:\n"
            "                        models/default.volt, or the file named by VOLT_DEFAULT_MODEL),\n"
            "                        the seed's z-score baseline, or a model file exported by volt-lab\n"
            "                        (logistic or gbt; docs/models.md)\n"
            "  --cpus S,H,K          pin source, hot and sink threads to these CPUs (-1 = no pin;\n"
            "                        hot agent k of several: CPU H + k, wrapping around)\n"
            "  --hot-threads N       N hot agents (1-4, default 1), each with its rings and core;\n"
            "                        product i goes to agent i %% N, the source routes (docs/operations.md)\n"
            "  --idle STRATEGY       spin | yield | backoff | sleep | park (default backoff)\n"
            "  --max-frame BYTES     largest message accepted (default 1048576 live, 16777216\n"
            "                        replay: level-2 snapshots)\n"
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
            "  --metrics HOST:PORT|off   serve Prometheus metrics (/metrics), the status page (/)\n"
            "                        and its JSON (/status.json) there (live default\n"
            "                        127.0.0.1:9464; replay and bench default off; port 0: any)\n"
            "  --metrics-linger S    after the run, keep serving its final numbers S seconds\n"
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
            "  --max-rate N          messages per second one connection may send (default\n"
            "                        200000, a second's burst; 0: no limit); the excess is\n"
            "                        dropped and counted (docs/reliability.md, \"Limits\")\n"
            "  --ca FILE             trust anchors for wss:// (default: the system store);\n"
            "                        certificates are always verified\n"
            "  --shard I/N           keep only the --pair products whose name hashes to shard I of\n"
            "                        N (FNV-1a %% N): instances with the same pairs and I = 0..N-1\n"
            "                        split them without coordination (docs/operations.md)\n"
            "  --level2-pair P       level 2 for product P only (repeat; each one a --pair)\n"
            "  --level2              subscribe to level 2 too (order books, docs/book.md); raises\n"
            "                        --max-frame to 16 MiB for snapshots; a sequence gap or a\n"
            "                        crossed book resubscribes to level 2 for fresh snapshots\n"
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
            "  --metrics-ab HOST:PORT  each rate four times: metrics off, on (served there and\n"
            "                        scraped), off, on (docs/bench.md, \"Metrics overhead\")\n"
            "  --scrape-interval S   how often those runs scrape /metrics (default 1)\n"
            "\n"
            "Alerts, notices and the summary go to stdout when rows go to a file, else to stderr.\n"
            "Exit status: 0 on success; 2 on a usage error; 1 on an I/O or set-up error.\n",
            VOLT_VERSION);
}

int volt_cli_cpus(const char *s, int cpus[3])
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

int volt_cli_num(const char *s, double lo, double hi, double *out)
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
int volt_cli_assist(const char *s, int64_t *out)
{
    double v;
    if (strcmp(s, "off") == 0)
        *out = VOLT_PARSE_ASSIST_OFF;
    else if (strcmp(s, "always") == 0)
        *out = 0;
    else if (volt_cli_num(s, 0, 1u << 30, &v) == 0)
        *out = (int64_t)v;
    else
        return -1;
    return 0;
}

static const struct option k_opts[] = {
    {"out", required_argument, 0, O_OUT},           {"book-depth", required_argument, 0, O_BOOKD},
    {"format", required_argument, 0, O_FORMAT},
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
    {"max-rate", required_argument, 0, O_MAXRATE},
    {"ca", required_argument, 0, O_CA},             {"save-disk", optional_argument, 0, O_SAVE},
    {"rotate-mb", required_argument, 0, O_ROT_MB},  {"rotate-minutes", required_argument, 0, O_ROT_MIN},
    {"fsync-ms", required_argument, 0, O_FSYNC},    {"level2", no_argument, 0, O_LEVEL2},
    {"level2-pair", required_argument, 0, O_L2PAIR},
    {"shard", required_argument, 0, O_SHARD},      {"hot-threads", required_argument, 0, O_HOT},
    {"alert-threshold", required_argument, 0, O_THRESH},
    {"metrics", required_argument, 0, O_METRICS},  {"metrics-linger", required_argument, 0, O_LINGER},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* The long name of option value c. */
static const char *opt_name(int c)
{
    for (const struct option *o = k_opts; o->name; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

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
int volt_cli_kafka_opt(volt_pipeline_cfg_t *cfg, int opt, const char *arg)
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

/* A threading option of replay and live (CPUs, idle, parse assist, frames, hot agents): as run_opt. */
static int thread_opt(volt_pipeline_cfg_t *cfg, int c, const char *arg)
{
    double v;
    switch (c) {
        case O_CPUS:
            if (volt_cli_cpus(arg, cfg->cpus))
                BAD("--cpus takes three CPU numbers, e.g. 0,1,0 (-1 = no pin).");
            break;
        case O_IDLE: cfg->idle = arg; break;
        case O_ASSIST:
            if (volt_cli_assist(arg, &cfg->parse_assist))
                BAD("--parse-assist takes off, always or a byte count.");
            break;
        case O_MAXF:
            if (volt_cli_num(arg, 256, 64 << 20, &v))
                BAD("--max-frame must be a byte count from 256 to 67108864.");
            cfg->max_frame = (size_t)v;
            while (cfg->frame_ring_bytes / 4 < cfg->max_frame + 64)
                cfg->frame_ring_bytes *= 2;
            break;
        case O_HOT:
            if (volt_cli_num(arg, 1, VOLT_MAX_HOT, &v) || v != (int)v)
                BAD("--hot-threads takes 1 to 4.");
            cfg->hot_threads = (int)v;
            break;
    default: return -1;
    }
    return 0;
}

/* --metrics and --metrics-linger into cfg: 0, or 2 after a message on a bad value. */
static int metrics_opt(volt_pipeline_cfg_t *cfg, int c, const char *arg)
{
    if (c == O_METRICS) {
        char host[64];
        int port, off;
        if (volt_obs_parse_addr(arg, host, sizeof host, &port, &off))
            BAD("%s.", volt_err_msg());
        cfg->metrics_addr = arg;
        return 0;
    }
    double v;
    if (volt_cli_num(arg, 0, 86400, &v))
        BAD("--metrics-linger must be seconds from 0 to 86400.");
    cfg->metrics_linger_s = v;
    return 0;
}

/* An option of replay and live (rows, model, threads, labels, Kafka) into cfg: 0 when handled, 2
 * after a message on a bad value, -1 when c is not one of them. */
static int run_opt(volt_pipeline_cfg_t *cfg, int c, const char *arg)
{
    double v;
    const int t = thread_opt(cfg, c, arg);
    if (t >= 0)
        return t;
    switch (c) {
        case O_OUT: cfg->out_path = arg; break;
        case O_BOOKD:
            if (volt_cli_num(arg, 1, 1 << 20, &v))
                BAD("--book-depth takes a count of levels per side from 1 to 1048576.");
            cfg->book_depth = (uint32_t)v;
            break;
        case O_FORMAT:
            if (strcmp(arg, "csv") == 0)
                cfg->format = VOLT_FMT_CSV;
            else if (strcmp(arg, "ndjson") == 0)
                cfg->format = VOLT_FMT_NDJSON;
            else
                BAD("--format must be csv or ndjson, not '%s'.", arg);
            break;
        case O_MODEL: cfg->model = arg; break;
        case O_THRESH:
            if (volt_cli_num(arg, 0, 1, &v))
                BAD("--alert-threshold takes a probability in [0, 1].");
            cfg->alert_threshold = v;
            break;
        case O_METRICS:
        case O_LINGER: return metrics_opt(cfg, c, arg);
        case O_GAP:
            if (volt_cli_num(arg, 0.001, VOLT_FEAT_MAX_GAP_S, &v))
                BAD("--gap-seconds must be a number of seconds in (0, %d].", VOLT_FEAT_MAX_GAP_S);
            cfg->feat.gap_ns = (int64_t)(v * 1e9);
            break;
        case O_COOL:
            if (volt_cli_num(arg, 0, 86400, &v))
                BAD("--alert-cooldown must be seconds from 0 to 86400.");
            cfg->alert_cooldown_s = v;
            break;
        case O_NOTICES:
            if (volt_cli_num(arg, 0, 1e9, &v))
                BAD("--max-notices must be a count.");
            cfg->max_notices = (int)v;
            break;
        case O_QUIET: cfg->quiet = 1; break;
        case O_NOGRADE: cfg->no_grade = 1; break;
        case O_STATS:
            if (volt_cli_num(arg, 0.01, 86400, &v))
                BAD("--stats-interval must be seconds in (0, 86400].");
            cfg->stats_interval_s = v;
            break;
        case O_HIST: cfg->hist_out = arg; break;
        case O_LABEL: cfg->label = 1; break;
        case O_TAU:
            if (strcmp(arg, "trailing") == 0)
                cfg->label_tau = NAN;
            else if (volt_cli_num(arg, 1e-12, 1.0, &v))
                BAD("--tau takes 'trailing' or a realized volatility in (0, 1], e.g. 0.0012.");
            else
                cfg->label_tau = v;
            break;
        case O_KBROKERS:
        case O_KCONF:
        case O_KFILE:
        case O_KTOPICS:
            return volt_cli_kafka_opt(cfg, c, arg);
        case O_KFLUSH:
            if (volt_cli_num(arg, 0, 3600, &v))
                BAD("--kafka-flush-seconds must be seconds from 0 to 3600.");
            cfg->kafka_flush_s = v;
            break;
    default: return -1;
    }
    return 0;
}

/* --level2 and --level2-pair P (level 2 for P only; implies --level2): as run_opt. */
static int level2_opt(volt_pipeline_cfg_t *cfg, int c, const char *arg)
{
    if (c == O_L2PAIR) {
        if (volt_cli_n_l2_pairs >= VOLT_MAX_PRODUCTS)
            BAD("at most %d --level2-pair options.", VOLT_MAX_PRODUCTS);
        volt_cli_l2_pairs[volt_cli_n_l2_pairs++] = arg;
    }
    cfg->level2 = 1;
    if (cfg->max_frame < (16u << 20)) { /* a busy product's snapshot is several MB */
        cfg->max_frame = 16u << 20;
        while (cfg->frame_ring_bytes / 4 < cfg->max_frame + 64)
            cfg->frame_ring_bytes *= 2;
    }
    return 0;
}

/* An option of live only (feed, connection, journal): as run_opt. */
static int live_opt(volt_pipeline_cfg_t *cfg, int c, char *arg, int argc, char **argv,
                    const char **pairs, int *n_pairs)
{
    double v;
    switch (c) {
        case O_PAIR:
            if (*n_pairs >= VOLT_MAX_PRODUCTS)
                BAD("at most %d --pair options.", VOLT_MAX_PRODUCTS);
            pairs[(*n_pairs)++] = arg;
            break;
        case O_URL: cfg->url = arg; break;
        case O_PROTO:
            if (strcmp(arg, "advanced") == 0)
                cfg->protocol = VOLT_PROTO_ADVANCED;
            else if (strcmp(arg, "exchange") == 0)
                cfg->protocol = VOLT_PROTO_EXCHANGE;
            else
                BAD("--protocol must be advanced or exchange, not '%s'.", arg);
            break;
        case O_MINUTES:
        case O_SECONDS:
            if (volt_cli_num(arg, 0.001, 1e7, &v))
                BAD("--%s must be a positive number.", c == O_MINUTES ? "minutes" : "seconds");
            cfg->duration_s = c == O_MINUTES ? v * 60 : v;
            break;
        case O_WATCHDOG:
            if (volt_cli_num(arg, 0.01, 86400, &v))
                BAD("--watchdog-seconds must be seconds in (0, 86400].");
            cfg->watchdog_s = v;
            break;
        case O_MAXRATE:
            if (volt_cli_num(arg, 0, 1e9, &v))
                BAD("--max-rate must be messages per second (0: no limit).");
            cfg->max_rate = v;
            break;
        case O_BMIN:
        case O_BMAX:
            if (volt_cli_num(arg, 0.001, 3600, &v))
                BAD("--backoff-min/--backoff-max must be seconds in (0, 3600].");
            *(c == O_BMIN ? &cfg->backoff_min_s : &cfg->backoff_max_s) = v;
            break;
        case O_CA: cfg->ca_file = arg; break;
        case O_SHARD: {
            char *slash;
            const long i = strtol(arg, &slash, 10);
            const long n = *slash == '/' ? strtol(slash + 1, &slash, 10) : 0;
            if (*slash || n < 1 || n > 1024 || i < 0 || i >= n)
                BAD("--shard takes I/N with 0 <= I < N <= 1024, e.g. 0/4.");
            volt_cli_shard_i = (int)i;
            volt_cli_shard_n = (int)n;
            break;
        }
        case O_L2PAIR:
        case O_LEVEL2: return level2_opt(cfg, c, arg);
        case O_SAVE:
            /* --save-disk DIR or --save-disk=DIR; bare --save-disk: data/raw like the seed */
            if (!arg && optind < argc && argv[optind][0] != '-')
                arg = argv[optind++];
            cfg->journal_dir = arg ? arg : "data/raw";
            break;
        case O_ROT_MB:
            if (volt_cli_num(arg, 0.001, 1e6, &v))
                BAD("--rotate-mb must be a positive size in MiB.");
            cfg->journal_rotate_mb = v;
            break;
        case O_ROT_MIN:
            if (volt_cli_num(arg, 0.01, 1e6, &v))
                BAD("--rotate-minutes must be positive.");
            cfg->journal_rotate_min = v;
            break;
        case O_FSYNC:
            if (volt_cli_num(arg, 0, 3.6e6, &v))
                BAD("--fsync-ms must be milliseconds from 0 (every batch) to 3600000.");
            cfg->journal_fsync_ms = v;
            break;
    default: return -1;
    }
    return 0;
}

/* Parses the options of replay (live = 0) or live (live = 1) into cfg. Returns 0, 1 (--help
 * printed) or 2 (usage error printed). */
int volt_cli_parse_opts(int argc, char **argv, int live, volt_pipeline_cfg_t *cfg,
                      const char **pairs, int *n_pairs)
{
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", k_opts, NULL)) != -1) {
        if (!live && c >= O_PAIR && c <= O_LAST)
            BAD("--%s is a 'volt live' option (see 'volt --help').", opt_name(c));
        if (c == 'h') {
            volt_cli_usage(stdout);
            return 1;
        }
        int rc = run_opt(cfg, c, optarg);
        if (rc < 0)
            rc = live_opt(cfg, c, optarg, argc, argv, pairs, n_pairs);
        if (rc < 0) {
            fprintf(stderr, "volt: see 'volt --help'.\n");
            return 2;
        }
        if (rc)
            return rc;
    }
    const int rows_on_stdout = cfg->out_path && strcmp(cfg->out_path, "-") == 0;
    cfg->human = (cfg->out_path && !rows_on_stdout) ? stdout : stderr;
    return 0;
}


static void on_stop_signal(int sig)
{
    if (sig == SIGHUP)
        volt_pipeline_request_reload(); /* the model again, a new journal file */
    else
        volt_pipeline_request_stop();
}

void volt_cli_stop_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* engine/cli/config.c — the configuration file (YAML) as command-line options (cli.h).
 *
 * Every key of the file stands for one flag of `volt live` (the table below), so a setting has one
 * meaning, one check and one error message whichever way it is given. The file is read with
 * libyaml (the reference C parser: its nodes carry their line, so every error names the key and
 * the line); each key's value is checked on its own by the same option parser the flags go
 * through, then the file's options are placed before the command line's, so flags win (a flag that
 * may repeat — --pair, --level2-pair — given on the command line replaces the file's list). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "engine/cli/cli.h"
#include "engine/rows/rowfmt.h"

typedef enum { K_ARG, K_FLAG, K_LIST, K_CSV, K_TOPICS, K_CONF, K_LEVEL2 } kind_t;

/* The file's keys: path, the flag it stands for, and how its value becomes the flag's. */
static const struct {
    const char *key, *opt;
    kind_t kind;
} k_keys[] = {
    {"products", "pair", K_LIST},
    {"level2", "level2", K_LEVEL2},        /* true, false, or a list of products (--level2-pair) */
    {"shard", "shard", K_ARG},
    {"feed.url", "url", K_ARG},
    {"feed.protocol", "protocol", K_ARG},
    {"feed.watchdog_seconds", "watchdog-seconds", K_ARG},
    {"feed.backoff_min_seconds", "backoff-min", K_ARG},
    {"feed.backoff_max_seconds", "backoff-max", K_ARG},
    {"feed.ca_file", "ca", K_ARG},
    {"feed.max_frame_bytes", "max-frame", K_ARG},
    {"feed.max_rate", "max-rate", K_ARG},
    {"threads.cpus", "cpus", K_CSV},       /* [source, hot, sink] */
    {"threads.hot_threads", "hot-threads", K_ARG},
    {"threads.idle", "idle", K_ARG},
    {"threads.parse_assist", "parse-assist", K_ARG},
    {"journal.dir", "save-disk", K_ARG},
    {"journal.rotate_mb", "rotate-mb", K_ARG},
    {"journal.rotate_minutes", "rotate-minutes", K_ARG},
    {"journal.fsync_ms", "fsync-ms", K_ARG},
    {"kafka.brokers", "kafka-brokers", K_ARG},
    {"kafka.topics", "kafka-topics", K_TOPICS}, /* {raw, features, alerts} */
    {"kafka.conf", "kafka-conf", K_CONF},       /* librdkafka settings: {key: value} */
    {"kafka.flush_seconds", "kafka-flush-seconds", K_ARG},
    {"model.file", "model", K_ARG},
    {"model.threshold", "alert-threshold", K_ARG},
    {"model.alert_cooldown_seconds", "alert-cooldown", K_ARG},
    {"features.gap_seconds", "gap-seconds", K_ARG},
    {"features.book_depth", "book-depth", K_ARG},
    {"output.rows", "out", K_ARG},
    {"output.format", "format", K_ARG},
    {"output.quiet", "quiet", K_FLAG},
    {"output.max_notices", "max-notices", K_ARG},
    {"output.stats_interval_seconds", "stats-interval", K_ARG},
    {"output.histogram", "hist-out", K_ARG},
    {"metrics.address", "metrics", K_ARG},
    {"metrics.linger_seconds", "metrics-linger", K_ARG},
    {"run.seconds", "seconds", K_ARG},
    {"run.minutes", "minutes", K_ARG},
};
#define N_KEYS (int)(sizeof k_keys / sizeof k_keys[0])

/* The sections (keys with children); everything else is a leaf of k_keys. */
static const char *const k_sections[] = {"feed", "threads", "journal", "kafka", "model",
                                         "features", "output", "metrics", "run"};

typedef struct {
    const char *path;       /* the file, for messages */
    yaml_document_t *doc;
    volt_cli_config_t *out;
} walk_t;

static int add(volt_cli_config_t *c, const char *opt, const char *val, int line, const char *key)
{
    if (c->n == VOLT_CLI_CONFIG_MAX)
        return -1;
    volt_cli_config_opt_t *o = &c->o[c->n++];
    snprintf(o->opt, sizeof o->opt, "--%s", opt);
    o->val = val ? strdup(val) : NULL;
    o->line = line;
    snprintf(o->key, sizeof o->key, "%s", key);
    return val && !o->val ? -1 : 0;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int line_of(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }

#define ERR(w, n, ...)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "volt: %s:%d: ", (w)->path, line_of(n));                                   \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
        return 2;                                                                                  \
    } while (0)

static int is_true(const char *s) { return !strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"); }
static int is_false(const char *s) { return !strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"); }

/* A sequence of scalars: each one to the flag (K_LIST), or all joined by commas (K_CSV). */
static int sequence(walk_t *w, const char *key, const char *opt, yaml_node_t *v, int csv)
{
    if (v->type != YAML_SEQUENCE_NODE)
        ERR(w, v, "'%s' takes a list, e.g. [a, b]", key);
    char joined[512] = "";
    size_t n = 0;
    for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
        yaml_node_t *e = yaml_document_get_node(w->doc, *i);
        const char *s = scalar(e);
        if (!s)
            ERR(w, e, "'%s' takes a list of single values", key);
        if (!csv && add(w->out, opt, s, line_of(e), key))
            ERR(w, e, "too many settings");
        if (!csv)
            continue;
        const int k = snprintf(joined + n, sizeof joined - n, "%s%s", n ? "," : "", s);
        if (k < 0 || (size_t)k >= sizeof joined - n) /* never past the buffer (fuzz_config found it) */
            ERR(w, e, "'%s' is too long", key);
        n += (size_t)k;
    }
    if (csv && add(w->out, opt, joined, line_of(v), key))
        ERR(w, v, "too many settings");
    return 0;
}

/* kafka.topics {raw, features, alerts} -> --kafka-topics R,F,A; kafka.conf {k: v} -> --kafka-conf k=v. */
static int mapping_value(walk_t *w, const char *key, const char *opt, yaml_node_t *v, kind_t kind)
{
    if (v->type != YAML_MAPPING_NODE)
        ERR(w, v, "'%s' takes keys and values", key);
    const char *topic[3] = {0};
    static const char *const names[3] = {"raw", "features", "alerts"};
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key), *x = yaml_document_get_node(w->doc, p->value);
        const char *ks = scalar(k), *xs = scalar(x);
        if (!ks || !xs)
            ERR(w, k, "'%s' takes single values", key);
        if (kind == K_CONF) {
            char kv[512];
            snprintf(kv, sizeof kv, "%s=%s", ks, xs);
            if (add(w->out, opt, kv, line_of(k), key))
                ERR(w, k, "too many settings");
            continue;
        }
        int t = 0;
        while (t < 3 && strcmp(ks, names[t]))
            t++;
        if (t == 3)
            ERR(w, k, "unknown key '%s.%s' (raw, features or alerts)", key, ks);
        topic[t] = xs;
    }
    if (kind == K_CONF)
        return 0;
    if (!topic[0] || !topic[1] || !topic[2])
        ERR(w, v, "'%s' needs raw, features and alerts", key);
    char csv[512];
    snprintf(csv, sizeof csv, "%s,%s,%s", topic[0], topic[1], topic[2]);
    return add(w->out, opt, csv, line_of(v), key) ? 2 : 0;
}

/* One leaf: its value as the flag's. */
static int leaf(walk_t *w, int i, yaml_node_t *v)
{
    const char *key = k_keys[i].key, *opt = k_keys[i].opt, *s = scalar(v);
    switch (k_keys[i].kind) {
    case K_LIST: return sequence(w, key, opt, v, 0);
    case K_CSV: return sequence(w, key, opt, v, 1);
    case K_TOPICS:
    case K_CONF: return mapping_value(w, key, opt, v, k_keys[i].kind);
    case K_LEVEL2:
        if (v->type == YAML_SEQUENCE_NODE)
            return sequence(w, key, "level2-pair", v, 0);
        __attribute__((fallthrough)); /* true or false */
    case K_FLAG:
        if (!s || !(is_true(s) || is_false(s)))
            ERR(w, v, "'%s' is true or false%s", key,
                k_keys[i].kind == K_LEVEL2 ? " or a list of products" : "");
        if (is_true(s) && add(w->out, opt, NULL, line_of(v), key))
            ERR(w, v, "too many settings");
        return 0;
    case K_ARG:
        if (!s)
            ERR(w, v, "'%s' takes a single value", key);
        if (!strcmp(s, "null") || !strcmp(s, "~") || !*s)
            return 0; /* not set: the default */
        if (add(w->out, opt, s, line_of(v), key))
            ERR(w, v, "too many settings");
        return 0;
    }
    return 0;
}

static int walk(walk_t *w, yaml_node_t *map, const char *prefix)
{
    if (map->type != YAML_MAPPING_NODE)
        ERR(w, map, "%s%s takes keys and values", prefix[0] ? "'" : "the file", prefix);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key), *v = yaml_document_get_node(w->doc, p->value);
        const char *ks = scalar(k);
        if (!ks)
            ERR(w, k, "a key must be a name");
        char path[96];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", ks);
        int sect = 0;
        for (size_t s = 0; !prefix[0] && s < sizeof k_sections / sizeof *k_sections; s++)
            sect |= !strcmp(ks, k_sections[s]);
        if (sect) {
            int rc = walk(w, v, path);
            if (rc)
                return rc;
            continue;
        }
        int i = 0;
        while (i < N_KEYS && strcmp(k_keys[i].key, path))
            i++;
        if (i == N_KEYS)
            ERR(w, k, "unknown key '%s' (docs/examples/volt.yaml lists every key)", path);
        int rc = leaf(w, i, v);
        if (rc)
            return rc;
    }
    return 0;
}

int volt_cli_config_read(const char *path, FILE *f, volt_cli_config_t *out)
{
    memset(out, 0, sizeof *out);
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        fprintf(stderr, "volt: %s:%zu: not YAML: %s\n", path, parser.problem_mark.line + 1,
                parser.problem ? parser.problem : "unreadable");
        rc = 2;
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        walk_t w = {.path = path, .doc = &doc, .out = out};
        if (root) /* an empty file sets nothing */
            rc = walk(&w, root, "");
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return rc;
}

int volt_cli_config_load(const char *path, volt_cli_config_t *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "volt: cannot read the configuration %s: %s.\n", path, strerror(errno));
        return 2;
    }
    const int rc = volt_cli_config_read(path, f, out);
    fclose(f);
    return rc;
}

void volt_cli_config_free(volt_cli_config_t *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->o[i].val);
        free(c->o[i].word);
    }
    free(c->argv);
    c->argv = NULL;
    c->n = 0;
}

/* Whether argv (the command line) gives the flag itself (--opt or --opt=...). */
static int given(int argc, char **argv, const char *opt)
{
    const size_t n = strlen(opt);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], opt, n) && (argv[i][n] == '\0' || argv[i][n] == '='))
            return 1;
    return 0;
}

/* Each of the file's settings through the flags' own checks, one at a time, so that an error can
 * name its key and line. */
static int check_each(const char *path, const volt_cli_config_t *c)
{
    for (int i = 0; i < c->n; i++) {
        char *argv[4] = {"live", (char *)c->o[i].opt, c->o[i].val, NULL};
        volt_pipeline_cfg_t scratch;
        volt_pipeline_cfg_default(&scratch);
        const char *pairs[VOLT_MAX_PRODUCTS];
        int n_pairs = 0;
        const int rc = volt_cli_parse_opts(c->o[i].val ? 3 : 2, argv, 1, &scratch, pairs, &n_pairs);
        volt_cli_n_l2_pairs = 0;
        volt_cli_shard_i = volt_cli_shard_n = 0;
        if (rc) {
            fprintf(stderr, "volt: %s:%d: in '%s'.\n", path, c->o[i].line, c->o[i].key);
            return 2;
        }
    }
    return 0;
}

int volt_cli_config_argv(const char *path, volt_cli_config_t *c, int argc, char **argv,
                         int *out_argc, char ***out_argv)
{
    if (check_each(path, c))
        return 2;
    char **v = c->argv = calloc((size_t)(argc + c->n + 1), sizeof *v);
    if (!v)
        return 2;
    int n = 0;
    v[n++] = argv[0];
    for (int i = 0; i < c->n; i++) {
        const char *o = c->o[i].opt;
        const int repeats = !strcmp(o, "--pair") || !strcmp(o, "--level2-pair");
        if (repeats && given(argc, argv, o))
            continue; /* the command line's list replaces the file's */
        if (c->o[i].val) { /* --opt=value: one word, whatever the value looks like */
            const size_t len = strlen(o) + strlen(c->o[i].val) + 2;
            if (!(c->o[i].word = malloc(len)))
                return 2;
            snprintf(c->o[i].word, len, "%s=%s", o, c->o[i].val);
            v[n++] = c->o[i].word;
        } else {
            v[n++] = (char *)o;
        }
    }
    for (int i = 1; i < argc; i++)
        v[n++] = argv[i];
    *out_argc = n;
    *out_argv = v;
    return 0;
}

/* A value as YAML writes it: plain when it is safe, quoted otherwise; null for none. */
static void yval(FILE *o, const char *s)
{
    if (!s) {
        fputs("null", o);
        return;
    }
    int plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("-_./:", *p);
    if (plain && strcmp(s, "true") && strcmp(s, "false") && strcmp(s, "null")) {
        fputs(s, o);
        return;
    }
    fputc('"', o);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', o);
        fputc(*p, o);
    }
    fputc('"', o);
}

static void ylist(FILE *o, const char *const *v, int n)
{
    fputc('[', o);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", o);
        yval(o, v[i]);
    }
    fputc(']', o);
}

static void print_feed(const volt_pipeline_cfg_t *c, FILE *o)
{
    fputs("products: ", o);
    ylist(o, c->products, c->n_products);
    fputs("\nlevel2: ", o);
    if (c->level2 && c->n_l2_products)
        ylist(o, c->l2_products, c->n_l2_products);
    else
        fputs(c->level2 ? "true" : "false", o);
    if (volt_cli_shard_n)
        fprintf(o, "\nshard: %d/%d", volt_cli_shard_i, volt_cli_shard_n);
    fputs("\nfeed:\n  url: ", o);
    yval(o, c->url);
    fprintf(o, "\n  protocol: %s\n  watchdog_seconds: %g\n  backoff_min_seconds: %g\n"
               "  backoff_max_seconds: %g\n  ca_file: ",
            c->protocol == VOLT_PROTO_EXCHANGE ? "exchange" : "advanced", c->watchdog_s,
            c->backoff_min_s, c->backoff_max_s);
    yval(o, c->ca_file);
    fprintf(o, "\n  max_frame_bytes: %zu\n  max_rate: %.17g\n", c->max_frame, c->max_rate);
}

static void print_side(const volt_pipeline_cfg_t *c, FILE *o)
{
    fprintf(o, "threads:\n  cpus: [%d, %d, %d]\n  hot_threads: %d\n  idle: ", c->cpus[0], c->cpus[1],
            c->cpus[2], c->hot_threads);
    yval(o, c->idle);
    if (c->parse_assist == VOLT_PARSE_ASSIST_OFF)
        fputs("\n  parse_assist: \"off\"\n", o);
    else if (c->parse_assist == 0)
        fputs("\n  parse_assist: always\n", o);
    else
        fprintf(o, "\n  parse_assist: %lld\n", (long long)c->parse_assist);
    fputs("journal:\n  dir: ", o);
    yval(o, c->journal_dir);
    fprintf(o, "\n  rotate_mb: %g\n  rotate_minutes: %g\n  fsync_ms: %g\nkafka:\n  brokers: ",
            c->journal_rotate_mb, c->journal_rotate_min, c->journal_fsync_ms);
    yval(o, c->kafka_brokers);
    fputs("\n  topics:\n    raw: ", o);
    yval(o, c->kafka_topic[0]);
    fputs("\n    features: ", o);
    yval(o, c->kafka_topic[1]);
    fputs("\n    alerts: ", o);
    yval(o, c->kafka_topic[2]);
    fputs("\n  conf:", o);
    if (!c->n_kafka_conf)
        fputs(" {}", o);
    for (int i = 0; i < c->n_kafka_conf; i++) {
        const char *eq = strchr(c->kafka_conf[i], '=');
        char k[256];
        snprintf(k, sizeof k, "%.*s", eq ? (int)(eq - c->kafka_conf[i]) : 0, c->kafka_conf[i]);
        fputs("\n    ", o);
        yval(o, k);
        fputs(": ", o);
        yval(o, eq ? eq + 1 : "");
    }
    fprintf(o, "\n  flush_seconds: %g\n", c->kafka_flush_s);
}

void volt_cli_print_config(const volt_pipeline_cfg_t *c, FILE *o)
{
    print_feed(c, o);
    print_side(c, o);
    fputs("model:\n  file: ", o);
    yval(o, c->model);
    if (c->alert_threshold == c->alert_threshold) { /* not NaN: set */
        char num[40];
        volt_fmt_double(c->alert_threshold, num); /* the shortest text that reads back the same */
        fprintf(o, "\n  threshold: %s", num);
    } else
        fputs("\n  threshold: null", o);
    fprintf(o, "\n  alert_cooldown_seconds: %g\nfeatures:\n  gap_seconds: %g\n  book_depth: %u\n"
               "output:\n  rows: ",
            c->alert_cooldown_s, (double)c->feat.gap_ns / 1e9, c->book_depth);
    yval(o, c->out_path);
    fprintf(o, "\n  format: %s\n  quiet: %s\n  max_notices: %d\n  stats_interval_seconds: ",
            c->format == VOLT_FMT_NDJSON ? "ndjson" : "csv", c->quiet ? "true" : "false",
            c->max_notices);
    if (c->stats_interval_s > 0)
        fprintf(o, "%g", c->stats_interval_s);
    else
        fputs("null", o);
    fputs("\n  histogram: ", o);
    yval(o, c->hist_out);
    fputs("\nmetrics:\n  address: ", o);
    yval(o, c->metrics_addr); /* null: 127.0.0.1:9464 live, off in a replay */
    fprintf(o, "\n  linger_seconds: %g", c->metrics_linger_s);
    if (c->duration_s > 0)
        fprintf(o, "\nrun:\n  seconds: %g\n", c->duration_s);
    else
        fputs("\nrun:\n  seconds: null\n", o);
}

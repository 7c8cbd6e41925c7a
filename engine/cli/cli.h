/* engine/cli/cli.h — what the command files share: usage, the option table and its parsers. */
#ifndef VOLT_ENGINE_CLI_CLI_H
#define VOLT_ENGINE_CLI_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/base/version.h"
#include "engine/pipeline.h"

#define VOLT_CLI_REPLAY_MAX_FRAME (16u << 20) /* volt replay's --max-frame default */

/* A usage error: one sentence on stderr, exit status 2. */
#define BAD(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "volt: " __VA_ARGS__);                                                     \
        fputc('\n', stderr);                                                                       \
        return 2;                                                                                  \
    } while (0)

/* Long options (getopt_long's values): replay's and live's first, then live's own from O_PAIR. */
enum {
    O_OUT = 1, O_BOOKD, O_FORMAT, O_MODEL, O_CPUS, O_IDLE, O_MAXF, O_GAP, O_COOL, O_NOTICES, O_QUIET, O_NOGRADE, O_HOT, O_THRESH, O_METRICS, O_LINGER,
    /* live only */
    O_STATS, O_HIST, O_LABEL, O_TAU, O_KBROKERS, O_KCONF, O_KTOPICS, O_KFLUSH, O_KFILE, O_ASSIST,
    O_PAIR, O_URL, O_PROTO, O_MINUTES, O_SECONDS, O_WATCHDOG, O_BMIN, O_BMAX, O_CA, O_SAVE, O_MAXRATE,
    O_ROT_MB, O_ROT_MIN, O_FSYNC, O_LEVEL2, O_SHARD, O_L2PAIR, O_LAST = O_L2PAIR
};

void volt_cli_usage(FILE *o);
/* A number in [lo, hi]: 0, or -1. */
int volt_cli_num(const char *s, double lo, double hi, double *out);
/* "A,B,C": the source's, hot agent's and sink's CPUs (-1: none). 0, or -1. */
int volt_cli_cpus(const char *s, int cpus[3]);
/* off, always or a byte count. 0, or -1. */
int volt_cli_assist(const char *s, int64_t *out);
/* --kafka-brokers/-conf/-config/-topics: 0 when handled, 2 after a message, -1 not one of them. */
int volt_cli_kafka_opt(volt_pipeline_cfg_t *cfg, int opt, const char *arg);
/* The options of replay (live = 0) or live (live = 1) into cfg. Returns 0, 1 (--help printed) or
 * 2 (usage error printed). Leaves optind at the first operand. */
int volt_cli_parse_opts(int argc, char **argv, int live, volt_pipeline_cfg_t *cfg,
                        const char **pairs, int *n_pairs);
/* --shard I/N given to live: its I and N (N = 0: none). */
extern int volt_cli_shard_i, volt_cli_shard_n;
/* --level2-pair: the products to take level 2 for (none given: every --pair). */
extern const char *volt_cli_l2_pairs[VOLT_MAX_PRODUCTS];
extern int volt_cli_n_l2_pairs;

/* SIGINT and SIGTERM ask the running pipeline to stop and drain; SIGPIPE is ignored. */
void volt_cli_stop_on_signals(void);

/* The configuration file (engine/cli/config.c): each key stands for a flag of volt live. */
#define VOLT_CLI_CONFIG_MAX 512
typedef struct volt_cli_config_opt {
    char opt[40];   /* --flag */
    char *val;      /* its value (NULL: a flag without one) */
    char *word;     /* "--flag=value", as the merged command line holds it */
    int line;       /* where the file set it */
    char key[96];   /* the file's key, e.g. kafka.brokers */
} volt_cli_config_opt_t;

typedef struct volt_cli_config {
    volt_cli_config_opt_t o[VOLT_CLI_CONFIG_MAX];
    int n;
    char **argv;    /* the merged command line */
} volt_cli_config_t;

/* Reads FILE into options (0), or prints "volt: FILE:LINE: ..." and returns 2 (not YAML, an
 * unknown key, a value of the wrong shape). */
int volt_cli_config_load(const char *path, volt_cli_config_t *out);
/* The same from an open stream (path names it in messages). */
int volt_cli_config_read(const char *path, FILE *f, volt_cli_config_t *out);
/* Checks each of the file's settings as its flag (2 after "volt: FILE:LINE: in 'key'"), then
 * makes the command line to parse: argv[0], the file's options, then argv's own (flags win; a
 * --pair or --level2-pair on the command line replaces the file's list). */
int volt_cli_config_argv(const char *path, volt_cli_config_t *c, int argc, char **argv,
                         int *out_argc, char ***out_argv);
void volt_cli_config_free(volt_cli_config_t *c);
/* The settings as a configuration file would set them (every key; null: not set). */
void volt_cli_print_config(const volt_pipeline_cfg_t *cfg, FILE *out);
/* volt check-config FILE [flags]: the effective configuration, as a file would set it. */
int volt_cmd_check_config(int argc, char **argv);

int volt_cmd_replay(int argc, char **argv);
int volt_cmd_live(int argc, char **argv);
int volt_cmd_bench_pipeline(int argc, char **argv);
int volt_cmd_book(int argc, char **argv);

#endif

/* engine/cli/cli.h — what the command files share: usage, the option table and its parsers. */
#ifndef VOLT_ENGINE_CLI_CLI_H
#define VOLT_ENGINE_CLI_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/pipeline.h"

#define VOLT_VERSION "0.1.0"
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
    O_OUT = 1, O_BOOKD, O_FORMAT, O_MODEL, O_CPUS, O_IDLE, O_MAXF, O_GAP, O_COOL, O_NOTICES, O_QUIET, O_NOGRADE, O_HOT,
    /* live only */
    O_STATS, O_HIST, O_LABEL, O_TAU, O_KBROKERS, O_KCONF, O_KTOPICS, O_KFLUSH, O_KFILE, O_ASSIST,
    O_PAIR, O_URL, O_PROTO, O_MINUTES, O_SECONDS, O_WATCHDOG, O_BMIN, O_BMAX, O_CA, O_SAVE,
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

int volt_cmd_replay(int argc, char **argv);
int volt_cmd_live(int argc, char **argv);
int volt_cmd_bench_pipeline(int argc, char **argv);
int volt_cmd_book(int argc, char **argv);

#endif

/* engine/cli/live.c — volt live: the WebSocket feed through the pipeline until stopped. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/cli/cli.h"
#include "simd/cpu.h"

static int listed(const char *p, const char *const *list, int n)
{
    for (int j = 0; j < n; j++)
        if (strcmp(p, list[j]) == 0)
            return 1;
    return 0;
}

/* --level2-pair: each must be a --pair (checked before --shard takes its share). */
static int check_level2_pairs(const char *const *pairs, int n_pairs)
{
    for (int i = 0; i < volt_cli_n_l2_pairs; i++)
        if (!listed(volt_cli_l2_pairs[i], pairs, n_pairs))
            BAD("--level2-pair %s is not one of the --pair products.", volt_cli_l2_pairs[i]);
    return 0;
}

/* The level-2 products of this instance's share: those --level2-pair named among its products. */
static void level2_pairs(volt_pipeline_cfg_t *cfg)
{
    static const char *keep[VOLT_MAX_PRODUCTS];
    int k = 0;
    for (int i = 0; i < volt_cli_n_l2_pairs; i++)
        if (listed(volt_cli_l2_pairs[i], cfg->products, cfg->n_products))
            keep[k++] = volt_cli_l2_pairs[i];
    cfg->l2_products = keep;
    cfg->n_l2_products = k;
    if (volt_cli_n_l2_pairs && !k)
        cfg->level2 = 0; /* none of this shard's products wants level 2 */
}

/* The settings of a live run from its command line (and its --config FILE): 0, or the exit code
 * (1: --help printed, 2: a usage error said why). */
static int live_settings(int argc, char **argv, volt_pipeline_cfg_t *cfg, const char **pairs,
                         int *n_pairs)
{
    volt_pipeline_cfg_default(cfg);
    *n_pairs = 0;
    int rc = volt_cli_parse_opts(argc, argv, 1, cfg, pairs, n_pairs);
    if (rc)
        return rc;
    if (optind < argc)
        BAD("unexpected argument '%s' (live reads no files).", argv[optind]);
    if (*n_pairs == 0)
        pairs[(*n_pairs)++] = "BTC-USD";
    if (check_level2_pairs(pairs, *n_pairs))
        return 2;
    if (volt_cli_shard_n) { /* this instance's stable share of the products */
        int k = 0;
        for (int i = 0; i < *n_pairs; i++)
            if (volt_product_hash(pairs[i]) % (uint32_t)volt_cli_shard_n == (uint32_t)volt_cli_shard_i)
                pairs[k++] = pairs[i];
        if (k == 0)
            BAD("--shard %d/%d keeps none of the %d product(s) given: give more --pair, or fewer "
                "shards.", volt_cli_shard_i, volt_cli_shard_n, *n_pairs);
        *n_pairs = k;
    }
    cfg->products = pairs;
    cfg->n_products = *n_pairs;
    level2_pairs(cfg);
    if (!cfg->url)
        cfg->url = cfg->protocol == VOLT_PROTO_EXCHANGE ? "wss://ws-feed.exchange.coinbase.com"
                                                        : "wss://advanced-trade-ws.coinbase.com";
    if (volt_pipeline_check(cfg, 1)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 2;
    }
    return 0;
}

/* --config FILE (or --config=FILE) out of argv: the file's name, argv without it. NULL: none. */
static const char *take_config(int *argc, char **argv)
{
    const char *file = NULL;
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < *argc)
            file = argv[++i];
        else if (!strncmp(argv[i], "--config=", 9))
            file = argv[i] + 9;
        else
            argv[k++] = argv[i];
    }
    *argc = k;
    argv[k] = NULL;
    return file;
}

/* The command line with --config's file merged in (flags win): 0, or 2 after a message. */
static int with_config(int *argc, char ***argv, volt_cli_config_t *conf, const char **file)
{
    *file = take_config(argc, *argv);
    if (!*file)
        return 0;
    if (volt_cli_config_load(*file, conf))
        return 2;
    return volt_cli_config_argv(*file, conf, *argc, *argv, argc, argv);
}

int volt_cmd_live(int argc, char **argv)
{
    static volt_cli_config_t conf;
    const char *file;
    if (with_config(&argc, &argv, &conf, &file)) {
        volt_cli_config_free(&conf);
        return 2;
    }
    volt_pipeline_cfg_t cfg;
    const char *pairs[VOLT_MAX_PRODUCTS];
    int n_pairs;
    int rc = live_settings(argc, argv, &cfg, pairs, &n_pairs);
    if (rc) {
        volt_cli_config_free(&conf);
        return rc == 1 ? 0 : rc;
    }
    volt_cli_stop_on_signals();
    volt_simd_init();
    if (cfg.human) {
        fprintf(cfg.human, "volt: live from %s (%s protocol), %d product(s):", cfg.url,
                cfg.protocol == VOLT_PROTO_EXCHANGE ? "exchange" : "advanced", n_pairs);
        for (int i = 0; i < n_pairs; i++)
            fprintf(cfg.human, " %s", pairs[i]);
        fprintf(cfg.human, "%s%s%s\n", cfg.duration_s > 0 ? "" : "; Ctrl-C stops and drains",
                file ? "; settings from " : "", file ? file : "");
    }
    volt_run_stats_t st;
    rc = volt_pipeline_live(&cfg, &st);
    if (rc)
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
    else
        volt_run_stats_print(&st, cfg.human);
    if (cfg.human)
        fflush(cfg.human);
    volt_cli_config_free(&conf);
    return rc ? 1 : 0;
}

/* volt check-config FILE [flags]: the settings a live run with them would take, printed. */
int volt_cmd_check_config(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        BAD("check-config takes a file, then any live flags: volt check-config FILE [--flag ...]");
    static volt_cli_config_t conf;
    static char *v[256];
    int n = 0;
    v[n++] = argv[0];
    v[n++] = "--config";
    for (int i = 1; i < argc && n < 255; i++)
        v[n++] = argv[i];
    char **vv = v;
    const char *file;
    int rc = with_config(&n, &vv, &conf, &file);
    volt_pipeline_cfg_t cfg;
    const char *pairs[VOLT_MAX_PRODUCTS];
    int n_pairs;
    if (!rc && (rc = live_settings(n, vv, &cfg, pairs, &n_pairs)) == 0)
        volt_cli_print_config(&cfg, stdout);
    volt_cli_config_free(&conf);
    return rc == 1 ? 0 : rc;
}

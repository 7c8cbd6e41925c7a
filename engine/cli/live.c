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

int volt_cmd_live(int argc, char **argv)
{
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    const char *pairs[VOLT_MAX_PRODUCTS];
    int n_pairs = 0;
    int rc = volt_cli_parse_opts(argc, argv, 1, &cfg, pairs, &n_pairs);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (optind < argc)
        BAD("unexpected argument '%s' (live reads no files).", argv[optind]);
    if (n_pairs == 0)
        pairs[n_pairs++] = "BTC-USD";
    if (check_level2_pairs(pairs, n_pairs))
        return 2;
    if (volt_cli_shard_n) { /* this instance's stable share of the products */
        int k = 0;
        for (int i = 0; i < n_pairs; i++)
            if (volt_product_hash(pairs[i]) % (uint32_t)volt_cli_shard_n == (uint32_t)volt_cli_shard_i)
                pairs[k++] = pairs[i];
        if (k == 0)
            BAD("--shard %d/%d keeps none of the %d product(s) given: give more --pair, or fewer "
                "shards.", volt_cli_shard_i, volt_cli_shard_n, n_pairs);
        n_pairs = k;
    }
    cfg.products = pairs;
    cfg.n_products = n_pairs;
    level2_pairs(&cfg);
    if (!cfg.url)
        cfg.url = cfg.protocol == VOLT_PROTO_EXCHANGE ? "wss://ws-feed.exchange.coinbase.com"
                                                      : "wss://advanced-trade-ws.coinbase.com";
    if (volt_pipeline_check(&cfg, 1)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 2;
    }
    volt_cli_stop_on_signals();
    volt_simd_init();
    if (cfg.human) {
        fprintf(cfg.human, "volt: live from %s (%s protocol), %d product(s):", cfg.url,
                cfg.protocol == VOLT_PROTO_EXCHANGE ? "exchange" : "advanced", n_pairs);
        for (int i = 0; i < n_pairs; i++)
            fprintf(cfg.human, " %s", pairs[i]);
        fprintf(cfg.human, "%s\n", cfg.duration_s > 0 ? "" : "; Ctrl-C stops and drains");
    }
    volt_run_stats_t st;
    if (volt_pipeline_live(&cfg, &st)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 1;
    }
    volt_run_stats_print(&st, cfg.human);
    fflush(cfg.human);
    return 0;
}


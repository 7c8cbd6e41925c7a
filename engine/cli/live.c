/* engine/cli/live.c — volt live: the WebSocket feed through the pipeline until stopped. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/cli/cli.h"
#include "simd/cpu.h"

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


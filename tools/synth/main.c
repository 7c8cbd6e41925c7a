/* volt-synth: writes a synthetic Coinbase Advanced Trade recording (NDJSON) to stdout or a file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

static void usage(FILE *o)
{
    fprintf(o, "Usage: volt-synth [--minutes M] [--seed N] [--rate-mult X] [--product P]... [--trades]\n"
               "                  [--level2 [--l2-faults]] [--products N] [--out FILE]\n"
               "Writes a synthetic market calibrated to the real recordings (docs/synthetic.md).\n"
               "--trades: also a market_trades message with the match behind every ticker.\n"
               "--level2: also l2_data (a snapshot per product, then updates; docs/synthetic.md).\n"
               "--l2-faults: with --level2, a sequence gap at 3 min, a crossed update at 5 min and\n"
               "             a stale snapshot at 7 min, each followed by fresh snapshots.\n"
               "--products N: N products (at most 128) named BTC-USD, ETH-USD, then S008-USD, ...\n");
}

int main(int argc, char **argv)
{
    volt_synth_cfg_t cfg;
    volt_synth_cfg_default(&cfg);
    double minutes = 30;
    const char *out = NULL;
    int np = 0;
    static const struct option opts[] = {{"minutes", required_argument, 0, 'm'},
                                         {"seed", required_argument, 0, 's'},
                                         {"rate-mult", required_argument, 0, 'r'},
                                         {"product", required_argument, 0, 'p'},
                                         {"out", required_argument, 0, 'o'},
                                         {"trades", no_argument, 0, 't'},
                                         {"level2", no_argument, 0, 'L'},
                                         {"l2-faults", no_argument, 0, 'F'},
                                         {"products", required_argument, 0, 'n'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': minutes = atof(optarg); break;
        case 's': cfg.seed = strtoull(optarg, NULL, 10); break;
        case 'r': cfg.rate_mult = atof(optarg); break;
        case 'p':
            if (np >= VOLT_SYNTH_MAX_PRODUCTS) {
                fprintf(stderr, "volt-synth: at most %d products.\n", VOLT_SYNTH_MAX_PRODUCTS);
                return 2;
            }
            cfg.products[np++] = optarg;
            break;
        case 'o': out = optarg; break;
        case 't': cfg.trades = 1; break;
        case 'L': cfg.level2 = 1; break;
        case 'F': cfg.l2_faults = 1; break;
        case 'n': {
            static const char *const first[] = {"BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD",
                                                "DOGE-USD", "LTC-USD", "AVAX-USD", "SHIB-USD"};
            static char names[VOLT_SYNTH_MAX_PRODUCTS][16];
            const int n = atoi(optarg);
            if (n < 1 || n > VOLT_SYNTH_MAX_PRODUCTS) {
                fprintf(stderr, "volt-synth: --products takes 1 to %d.\n", VOLT_SYNTH_MAX_PRODUCTS);
                return 2;
            }
            for (np = 0; np < n; np++) {
                if (np < 8)
                    snprintf(names[np], sizeof names[np], "%s", first[np]);
                else
                    snprintf(names[np], sizeof names[np], "S%03d-USD", np);
                cfg.products[np] = names[np];
            }
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (np)
        cfg.n_products = np;
    if (!(minutes > 0 && minutes <= 7 * 24 * 60) || !(cfg.rate_mult > 0 && cfg.rate_mult <= 1e5)) {
        fprintf(stderr, "volt-synth: --minutes must be in (0, 10080] and --rate-mult in (0, 1e5].\n");
        return 2;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "volt-synth: cannot write %s: %s.\n", out, strerror(errno));
        return 1;
    }
    if (cfg.l2_faults && !cfg.level2) {
        fprintf(stderr, "volt-synth: --l2-faults needs --level2.\n");
        return 2;
    }
    static volt_synth_t s;
    if (volt_synth_init(&s, &cfg)) {
        fprintf(stderr, "volt-synth: out of memory.\n");
        return 1;
    }
    const int64_t end = cfg.start_ns + (int64_t)(minutes * 60e9);
    static char buf[512 << 10];
    for (;;) {
        int64_t ns;
        const size_t n = volt_synth_next(&s, buf, sizeof buf, &ns);
        if (ns >= end)
            break;
        buf[n] = '\n';
        fwrite(buf, 1, n + 1, f);
    }
    volt_synth_free(&s);
    if (fclose(f) != 0) {
        fprintf(stderr, "volt-synth: writing failed: %s.\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* engine/cli/main.c — the volt command line: one file per command (replay.c, live.c,
 * bench_pipeline.c), their shared options in opts.c; here the dispatch, version and features. */
#include <stdio.h>
#include <string.h>

#include "engine/base/clock.h"
#include "engine/cli/cli.h"
#include "simd/cpu.h"

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
        volt_cli_usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    /* the human lines (alerts, notices, the summary) go to stdout when rows go to a file: whole
     * lines at once, so a service's log shows each as it happens (rows themselves are written with
     * write(2), never through stdio) */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        volt_cli_usage(stdout);
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
        return volt_cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "live") == 0)
        return volt_cmd_live(argc - 1, argv + 1);
    if (strcmp(cmd, "features") == 0)
        return cmd_features();
    if (strcmp(cmd, "book") == 0)
        return volt_cmd_book(argc - 1, argv + 1);
    if (strcmp(cmd, "bench-pipeline") == 0)
        return volt_cmd_bench_pipeline(argc - 1, argv + 1);
    if (strcmp(cmd, "check-config") == 0)
        return volt_cmd_check_config(argc - 1, argv + 1);
    fprintf(stderr, "volt: unknown command '%s' (see 'volt --help').\n", cmd);
    return 2;
}

/* engine/cli/replay.c — volt replay: recordings through the pipeline, rows to a file. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/err.h"
#include "engine/cli/cli.h"
#include "simd/cpu.h"

int volt_cmd_replay(int argc, char **argv)
{
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    /* recordings may hold level-2 snapshots (5.8 MB in the real sample): room for them unless
     * --max-frame says otherwise */
    cfg.max_frame = VOLT_CLI_REPLAY_MAX_FRAME;
    while (cfg.frame_ring_bytes / 4 < cfg.max_frame + 64)
        cfg.frame_ring_bytes *= 2;
    int rc = volt_cli_parse_opts(argc, argv, 0, &cfg, NULL, NULL);
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
    volt_cli_stop_on_signals();
    volt_run_stats_t st;
    if (volt_pipeline_replay(&cfg, &st)) {
        fprintf(stderr, "volt: %s.\n", volt_err_msg());
        return 1;
    }
    volt_run_stats_print(&st, cfg.human);
    fflush(cfg.human);
    rc = 0; /* 1 when the rows or the broker do not hold the whole input */
    if (st.stopped) {
        fprintf(stderr, "volt: stopped by a signal after %llu lines: the rows cover only that part "
                        "of the input.\n", (unsigned long long)st.read);
        rc = 1;
    }
    if (st.kafka) { /* a replay promised every record to the broker: say when it did not land */
        uint64_t lost = 0, all = 0;
        for (int t = 0; t < VOLT_K_TOPICS; t++) {
            lost += st.kafka_stats.failed[t] + st.kafka_stats.dropped[t];
            all += st.kafka_stats.queued[t] + st.kafka_stats.dropped[t];
        }
        if (lost) {
            fprintf(stderr, "volt: Kafka did not take %llu of %llu records (failed or dropped: the "
                            "summary's kafka lines).\n",
                    (unsigned long long)lost, (unsigned long long)all);
            rc = 1;
        }
    }
    if (rc)
        return rc;
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


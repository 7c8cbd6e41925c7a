/* Replays every real recording in VOLT_DATA (default ../shared/data): every message is accepted,
 * and the counts add up. Skipped, with the reason, when the folder is absent. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pipeline.h"
#include "helpers.h"

static int collect(const char *dir, char **paths, int max)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        if (e->d_name[0] == '.')
            continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        const size_t l = strlen(p);
        if (l > 7 && strcmp(p + l - 7, ".ndjson") == 0)
            paths[n++] = strdup(p);
        else if (!strchr(e->d_name, '.'))
            n += collect(p, paths + n, max - n);
    }
    closedir(d);
    return n;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

Test(realdata, every_recording_replays_with_every_message_accepted, .timeout = 300)
{
    const char *why = NULL;
    const char *dir = th_data_dir(&why);
    if (!dir) {
        fprintf(stderr, "SKIP realdata: %s\n", why);
        cr_skip_test("%s", why);
    }
    char *paths[256];
    const int n = collect(dir, paths, 256);
    cr_assert_gt(n, 0, "no .ndjson recordings under %s", dir);
    qsort(paths, (size_t)n, sizeof *paths, cmp);
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        volt_pipeline_cfg_t cfg;
        volt_pipeline_cfg_default(&cfg);
        const char *one[] = {paths[i]};
        cfg.files = one;
        cfg.n_files = 1;
        cfg.human = NULL;
        volt_run_stats_t st;
        cr_assert_eq(volt_pipeline_replay(&cfg, &st), 0, "%s", paths[i]);
        cr_expect_eq(st.rejected, 0, "%s: %llu rejected", paths[i], (unsigned long long)st.rejected);
        cr_expect_eq(st.accepted, st.read, "%s", paths[i]);
        cr_expect_gt(st.ticks, 0, "%s", paths[i]);
        cr_expect_eq(st.rows + st.out_of_order + st.duplicates, st.ticks, "%s", paths[i]);
        total += st.read;
        free(paths[i]);
    }
    fprintf(stderr, "realdata: %d recordings, %llu messages replayed\n", n,
            (unsigned long long)total);
}

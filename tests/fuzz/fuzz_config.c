/* tests/fuzz/fuzz_config.c — the configuration file (engine/cli/config.c) on any bytes: read as
 * YAML into options, every option checked as its flag, the command line merged; whatever the
 * file, the outcome is 0 or 2 (an error said), never a crash, and the merged command line holds
 * the program name, then one word per setting. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static volt_cli_config_t conf;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    int rc = volt_cli_config_read("fuzz.yaml", f, &conf);
    fclose(f);
    if (rc != 0 && rc != 2)
        abort();
    if (rc == 0) {
        char *argv[] = {"live", "--seconds", "1", NULL};
        int argc2;
        char **argv2;
        rc = volt_cli_config_argv("fuzz.yaml", &conf, 3, argv, &argc2, &argv2);
        if (rc != 0 && rc != 2)
            abort();
        if (rc == 0 && (argc2 < 3 || argc2 > 3 + conf.n || argv2[0] != argv[0]))
            abort();
    }
    volt_cli_config_free(&conf);
    return 0;
}

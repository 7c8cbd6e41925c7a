/* tests/fuzz/fuzz_journal.c — the journal's recovery on any file left by a crash: afterwards the
 * file is empty or ends in a newline, and holds exactly the input's bytes up to its last newline. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/agents/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"; /* tmpfs: fast */
        snprintf(dir, sizeof dir, "%s/volt_fuzz_journal_XXXXXX", base);
        if (!mkdtemp(dir))
            abort();
    }
    char path[128];
    snprintf(path, sizeof path, "%s/ticks_BTCUSD_20260101_000000.ndjson", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    if (volt_journal_recover(dir, NULL) < 0)
        abort();
    size_t keep = size;
    while (keep > 0 && data[keep - 1] != '\n')
        keep--;
    f = fopen(path, "r");
    static char back[1 << 17];
    const size_t n = f ? fread(back, 1, sizeof back, f) : 0;
    if (f)
        fclose(f);
    if (size < sizeof back && (n != keep || memcmp(back, data, keep) != 0))
        abort();
    unlink(path);
    return 0;
}

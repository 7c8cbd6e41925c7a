/* tests/fuzz/fuzz_recording.c — the recording reader on any file: plain text or zstd frames (valid,
 * truncated, corrupt, several in a row, skippable), read to the end in uneven pieces. It must end
 * in bytes or one error, never read past a buffer or hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/feed/recording.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int fd = memfd_create("volt-fuzz-recording", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    volt_recording_t *r;
    if (volt_recording_open(&r, path) == 0) {
        static char buf[4099];
        size_t total = 0, step = 1;
        ssize_t got;
        while ((got = volt_recording_read(r, buf, step)) > 0) {
            total += (size_t)got;
            step = step * 3 % sizeof buf + 1; /* uneven reads */
            if (total > (64u << 20))
                break; /* a zstd bomb: enough */
        }
        volt_recording_close(r);
    }
    close(fd);
    return 0;
}

/* engine/idle.h — what an agent does when a duty cycle found no work: spin, then yield, then park.
 *
 * volt_idle(s, work) resets after any work; after `spins` empty cycles of cpu-pause it calls
 * sched_yield for `yields` cycles, then sleeps, doubling from park_min_ns to park_max_ns. The
 * "spin" preset never leaves the first phase (a dedicated core); "sleep" parks at once (shared
 * cores, idle feeds); "backoff" (default) walks all three. */
#ifndef VOLT_ENGINE_IDLE_H
#define VOLT_ENGINE_IDLE_H

#include <stdint.h>

typedef struct volt_idle {
    uint32_t spins, yields;
    int64_t park_min_ns, park_max_ns;
    /* state */
    uint32_t n;
    int64_t park_ns;
} volt_idle_t;

/* Fills *s from a preset name ("spin", "yield", "backoff", "sleep"). Returns 0 or -EINVAL. */
int volt_idle_preset(volt_idle_t *s, const char *name);

/* Called once per duty cycle with the amount of work done. */
void volt_idle(volt_idle_t *s, uint64_t work);

#endif

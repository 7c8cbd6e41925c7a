/* engine/idle.h — what an agent does when a duty cycle found no work: spin, then yield, then park.
 *
 * volt_idle(s, work) resets after any work; after `spins` empty cycles of cpu-pause it calls
 * sched_yield for `yields` cycles, then sleeps, doubling from park_min_ns to park_max_ns. The
 * "spin" preset never leaves the first phase (a dedicated core); "sleep" parks at once (shared
 * cores, idle feeds); "park" sleeps a fixed millisecond and never spins or yields (an agent that
 * shares a core with a latency-critical one: it holds the core only while it has work); "backoff"
 * (default) walks all three. With a side agent set (side), an idle cycle first runs the side's
 * duty cycle and counts as work when that did some (two agents on one thread, as Aeron's
 * composite agents). */
#ifndef VOLT_ENGINE_IDLE_H
#define VOLT_ENGINE_IDLE_H

#include <stdint.h>

/* Another agent's duty cycle that shares the thread: run while this one idles; returns its work. */
typedef uint64_t (*volt_idle_side_fn)(void *arg);

typedef struct volt_idle {
    uint32_t spins, yields;
    int64_t park_min_ns, park_max_ns;
    volt_idle_side_fn side; /* NULL: none */
    void *side_arg;
    /* state */
    uint32_t n;
    int64_t park_ns;
} volt_idle_t;

/* Fills *s from a preset name ("spin", "yield", "backoff", "sleep", "park"); no side agent.
 * Returns 0 or -EINVAL. */
int volt_idle_preset(volt_idle_t *s, const char *name);

/* Called once per duty cycle with the amount of work done. */
void volt_idle(volt_idle_t *s, uint64_t work);

#endif

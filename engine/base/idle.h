/* engine/base/idle.h — what an agent does when a duty cycle found no work: spin, then yield, then park.
 *
 * volt_idle(s, work) resets after any work; after `spins` empty cycles of cpu-pause it calls
 * sched_yield for `yields` cycles, then sleeps, doubling from park_min_ns to park_max_ns. The
 * "spin" preset never leaves the first phase (a dedicated core); "sleep" parks at once (shared
 * cores, idle feeds); "park" sleeps a fixed millisecond and never spins or yields (an agent that
 * shares a core with a latency-critical one: it holds the core only while it has work); "backoff"
 * (default) walks all three. With a side agent set (side), an idle cycle first runs the side's
 * duty cycle and counts as work when that did some (two agents on one thread, as Aeron's
 * composite agents).
 *
 * A bell (volt_bell_t, volt_idle_attach_bell) lets the producer of an agent's input wake it from
 * its sleeps: the agent arms the bell, polls its input once more, then sleeps on a futex for the
 * same time it would have slept; a producer that finds the bell armed after handing over work
 * wakes it (one relaxed load per hand-over while the agent is busy, a system call only when it
 * sleeps). The producer's check is not fenced against its own hand-over, so in a window of a few
 * nanoseconds a wake can be missed; the sleeper then wakes at its timeout, as without a bell. */
#ifndef VOLT_ENGINE_IDLE_H
#define VOLT_ENGINE_IDLE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ring/arch.h"

/* One sleeper (an SPSC ring's consumer), any number of ringers in turn; zeroed is ready. */
typedef struct volt_bell {
    alignas(VOLT_FALSE_SHARING) _Atomic uint32_t seq; /* the futex word: bumped by each wake */
    _Atomic uint32_t armed;                           /* the sleeper is about to sleep, or is */
} volt_bell_t;

/* The wake itself (a system call): only when the sleeper armed the bell. */
void volt_bell_wake_(volt_bell_t *b);

/* Producer, after handing work to the bell's sleeper. */
static inline void volt_bell_ring(volt_bell_t *b)
{
    if (atomic_load_explicit(&b->armed, memory_order_relaxed) &&
        atomic_exchange_explicit(&b->armed, 0, memory_order_acq_rel))
        volt_bell_wake_(b);
}

/* Another agent's duty cycle that shares the thread: run while this one idles; returns its work. */
typedef uint64_t (*volt_idle_side_fn)(void *arg);

typedef struct volt_idle {
    uint32_t spins, yields;
    int64_t park_min_ns, park_max_ns;
    volt_idle_side_fn side; /* NULL: none */
    void *side_arg;
    volt_bell_t *bell; /* NULL: sleeps are plain sleeps */
    /* state */
    uint32_t n;
    uint32_t seq0; /* the bell's seq when it was armed */
    int armed;
    int64_t park_ns;
} volt_idle_t;

/* Fills *s from a preset name ("spin", "yield", "backoff", "sleep", "park"); no side agent.
 * Returns 0 or -EINVAL. */
int volt_idle_preset(volt_idle_t *s, const char *name);

/* Sleeps wait on `bell` (rung by the producer of this agent's input) instead of plain sleeps. */
static inline void volt_idle_attach_bell(volt_idle_t *s, volt_bell_t *bell) { s->bell = bell; }

/* Called once per duty cycle with the amount of work done. */
void volt_idle(volt_idle_t *s, uint64_t work);

/* Pins the calling thread to cpu (>= 0). Returns 0 or -errno. */
int volt_pin_self(int cpu);

#endif

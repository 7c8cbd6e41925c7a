#include "engine/base/idle.h"

#include <pthread.h>
#include <sched.h>

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring/arch.h"

int volt_idle_preset(volt_idle_t *s, const char *name)
{
    memset(s, 0, sizeof *s);
    s->park_min_ns = 1000;
    s->park_max_ns = 1000000;
    if (strcmp(name, "spin") == 0) {
        s->spins = UINT32_MAX;
    } else if (strcmp(name, "yield") == 0) {
        s->spins = 100;
        s->yields = UINT32_MAX;
    } else if (strcmp(name, "backoff") == 0) {
        s->spins = 2000;
        s->yields = 200;
    } else if (strcmp(name, "park") == 0) {
        s->spins = 0;
        s->yields = 0;
        s->park_min_ns = s->park_max_ns = 1000000;
    } else if (strcmp(name, "sleep") == 0) {
        s->spins = 0;
        s->yields = 0;
        s->park_min_ns = 50000;
    } else {
        return -EINVAL;
    }
    s->park_ns = s->park_min_ns;
    return 0;
}

void volt_bell_wake_(volt_bell_t *b)
{
    atomic_fetch_add_explicit(&b->seq, 1, memory_order_release);
    syscall(SYS_futex, (uint32_t *)&b->seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void disarm(volt_idle_t *s)
{
    atomic_store_explicit(&s->bell->armed, 0, memory_order_relaxed);
    s->armed = 0;
}

void volt_idle(volt_idle_t *s, uint64_t work)
{
    if (!work && s->side)
        work = s->side(s->side_arg);
    if (work) {
        if (s->armed)
            disarm(s);
        s->n = 0;
        s->park_ns = s->park_min_ns;
        return;
    }
    if (s->n < s->spins) {
        s->n++;
        volt_cpu_pause();
        return;
    }
    if (s->n - s->spins < s->yields) {
        s->n++;
        sched_yield();
        return;
    }
    if (s->bell && !s->armed) {
        /* seq first, then the flag (a full barrier): a ring after this either finds the flag and
         * bumps seq (the futex wait below returns at once) or its work is seen by the duty cycle
         * this return leads to */
        s->seq0 = atomic_load_explicit(&s->bell->seq, memory_order_acquire);
        atomic_store_explicit(&s->bell->armed, 1, memory_order_seq_cst);
        s->armed = 1;
        return;
    }
    struct timespec ts = {.tv_sec = s->park_ns / 1000000000, .tv_nsec = s->park_ns % 1000000000};
    if (s->bell) {
        syscall(SYS_futex, (uint32_t *)&s->bell->seq, FUTEX_WAIT_PRIVATE, s->seq0, &ts, NULL, 0);
        disarm(s); /* the next empty cycle arms it again, with a fresh seq */
    } else {
        nanosleep(&ts, NULL);
    }
    if (s->park_ns < s->park_max_ns)
        s->park_ns *= 2;
}

int volt_pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    return -rc;
}

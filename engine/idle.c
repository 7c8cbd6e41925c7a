#include "idle.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

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

void volt_idle(volt_idle_t *s, uint64_t work)
{
    if (!work && s->side)
        work = s->side(s->side_arg);
    if (work) {
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
    struct timespec ts = {.tv_sec = s->park_ns / 1000000000, .tv_nsec = s->park_ns % 1000000000};
    nanosleep(&ts, NULL);
    if (s->park_ns < s->park_max_ns)
        s->park_ns *= 2;
}

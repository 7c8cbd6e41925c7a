/* engine/base/pub.h — a thread's published copy of its counters: how the metrics server reads
 * stats that one thread writes, without ever making that thread wait.
 *
 * The owner offers a copy at most once a period (volt_pub_try: a clock comparison, then a trylock
 * that simply fails when a reader holds the copy: the next offer comes a period later). Readers
 * take the lock with volt_pub_lock, which also only ever tries (sleeping briefly between tries),
 * so the lock never has a sleeping waiter and the owner's unlock never makes a system call. The
 * owner's last copy, at its end, takes volt_pub_lock too: the final numbers always land. */
#ifndef VOLT_ENGINE_PUB_H
#define VOLT_ENGINE_PUB_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* How often an owner offers its copy (the metrics are at most this stale). */
#define VOLT_PUB_PERIOD_NS (100 * 1000000LL)

typedef struct volt_pub {
    pthread_mutex_t mu;
    int64_t next_ns;  /* owner only: the time of its next offer */
    uint64_t copies;  /* under mu: copies made (0: none yet) */
    int final;        /* under mu: the owner's last copy is in */
} volt_pub_t;

static inline void volt_pub_init(volt_pub_t *p)
{
    pthread_mutex_init(&p->mu, NULL);
    p->next_ns = 0;
    p->copies = 0;
    p->final = 0;
}

static inline void volt_pub_destroy(volt_pub_t *p) { pthread_mutex_destroy(&p->mu); }

/* Owner: 1 when a copy is due at `now` and the lock was free (copy, then volt_pub_done). */
static inline int volt_pub_try(volt_pub_t *p, int64_t now)
{
    if (now < p->next_ns)
        return 0;
    p->next_ns = now + VOLT_PUB_PERIOD_NS;
    return pthread_mutex_trylock(&p->mu) == 0;
}

/* Readers, and the owner's final copy: tries until it holds the lock (sleeping 20 µs between). */
static inline void volt_pub_lock(volt_pub_t *p)
{
    while (pthread_mutex_trylock(&p->mu) != 0) {
        const struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

/* Owner, after its copy: counts it and unlocks. */
static inline void volt_pub_done(volt_pub_t *p)
{
    p->copies++;
    pthread_mutex_unlock(&p->mu);
}

static inline void volt_pub_unlock(volt_pub_t *p) { pthread_mutex_unlock(&p->mu); }

#endif

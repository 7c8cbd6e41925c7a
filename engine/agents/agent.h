/* engine/agents/agent.h — the one shape every agent has: a duty cycle and an idle strategy.
 *
 * As in Aeron's Agent/AgentRunner: an agent is a state with a do_work() that does a bounded amount
 * of work and returns how much it did; its runner calls it in a loop and idles (engine/base/idle.h)
 * between cycles that found nothing. on_start(), when given, runs first on the agent's own thread
 * (what must be made there: a client, a file, a lower priority). An agent says it has finished (it took its input's END, or its
 * source ended) by setting `done`; the runner then calls on_close() once, on the same thread, and
 * returns. Agents that share a thread (the bench source and the sink) call each other's do_work().
 *
 * Each agent keeps its own typed state (hot.h, sink.h, source.h, journal.h, kafka.h) with this
 * struct first; the wiring (engine/pipeline.c) owns the rings and stats blocks they share. */
#ifndef VOLT_ENGINE_AGENTS_AGENT_H
#define VOLT_ENGINE_AGENTS_AGENT_H

#include <stdint.h>
#include <stdio.h>

#include "engine/base/idle.h"
#include "engine/base/pub.h"

typedef struct volt_agent volt_agent_t;

struct volt_agent {
    const char *name;  /* its thread's name (ps -L, top -H, perf): volt-hot, volt-sink, ... */
    int cpu;           /* the CPU its thread is pinned to (-1: not pinned) */
    FILE *log;         /* where a failed pin is reported (NULL: nowhere) */
    volt_idle_t idle;  /* between empty duty cycles */
    int done;          /* set by do_work: nothing more will come */
    int pin_error;     /* -errno when the pin failed (the run goes on unpinned) */
    void (*on_start)(volt_agent_t *a);     /* first, on the agent's thread; may be NULL */
    uint32_t (*do_work)(volt_agent_t *a);  /* one duty cycle: the work it did (0: none) */
    void (*on_close)(volt_agent_t *a);     /* after the last cycle, on the agent's thread; may be NULL */
    void (*destroy)(volt_agent_t *a);      /* frees what the agent's constructor made, and the agent
                                            * (NULL: free(a) is all it takes) */
    volt_pub_t *pub;                       /* where its stats are published for the metrics
                                            * server (NULL: not published) */
    void (*publish)(volt_agent_t *a);      /* copies its stats block into the published copy
                                            * (pub's lock held); NULL: a plain copy of pub_size
                                            * bytes from pub_src to pub_dst */
    const void *pub_src;
    void *pub_dst;
    size_t pub_size;
};

/* Sets the fields every agent has (on_start NULL); the idle preset is one volt_pipeline_check
 * accepted. */
void volt_agent_init(volt_agent_t *a, const char *name, int cpu, const char *idle, FILE *log,
                     uint32_t (*do_work)(volt_agent_t *), void (*on_close)(volt_agent_t *));

/* Frees an agent made by any of the constructors (NULL: nothing), whether it ran or not. */
void volt_agent_free(volt_agent_t *a);

/* Pins the calling thread to a->cpu (reporting a failure to a->log once, in a->pin_error). */
void volt_agent_pin(volt_agent_t *a);

/* Publishes the agent's stats block src (size bytes, written by its thread only) as a plain copy
 * into dst under pub (pub NULL: nothing). */
void volt_agent_publish_plain(volt_agent_t *a, volt_pub_t *pub, void *dst, const void *src,
                              size_t size);

/* The agent's last copy of its stats into its publication (pub.h), after on_close: waits for
 * the lock, so the final numbers always land. Nothing without a pub. */
void volt_agent_publish_final(volt_agent_t *a);

/* A thread's whole life as an agent: pin, on_start, duty cycles until done, on_close, the final
 * publication. After each duty cycle it offers a copy of its stats (at most every
 * VOLT_PUB_PERIOD_NS, never waiting: pub.h). Returns NULL. */
void *volt_agent_run(void *agent);

#endif

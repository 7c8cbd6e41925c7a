/* engine/agents/agent.c — the agent runner (agent.h). */
#include "engine/agents/agent.h"

#include <stdlib.h>
#include <string.h>

#include "engine/base/clock.h"

void volt_agent_init(volt_agent_t *a, const char *name, int cpu, const char *idle, FILE *log,
                     uint32_t (*do_work)(volt_agent_t *), void (*on_close)(volt_agent_t *))
{
    a->name = name;
    a->cpu = cpu;
    a->log = log;
    a->done = 0;
    a->pin_error = 0;
    a->on_start = NULL;
    a->do_work = do_work;
    a->on_close = on_close;
    a->destroy = NULL;
    a->pub = NULL;
    a->publish = NULL;
    a->pub_src = NULL;
    a->pub_dst = NULL;
    a->pub_size = 0;
    if (volt_idle_preset(&a->idle, idle))
        volt_idle_preset(&a->idle, "backoff");
}

void volt_agent_pin(volt_agent_t *a)
{
    if (a->cpu < 0)
        return;
    a->pin_error = volt_pin_self(a->cpu);
    if (a->pin_error && a->log)
        fprintf(a->log, "volt: could not pin %s to CPU %d (%s); it runs unpinned\n", a->name,
                a->cpu, strerror(-a->pin_error));
}

void volt_agent_publish_plain(volt_agent_t *a, volt_pub_t *pub, void *dst, const void *src,
                              size_t size)
{
    a->pub = pub;
    a->publish = NULL;
    a->pub_dst = dst;
    a->pub_src = src;
    a->pub_size = size;
}

static void publish(volt_agent_t *a)
{
    if (a->publish)
        a->publish(a);
    else
        memcpy(a->pub_dst, a->pub_src, a->pub_size);
}

void volt_agent_publish_final(volt_agent_t *a)
{
    if (!a->pub)
        return;
    volt_pub_lock(a->pub);
    publish(a);
    a->pub->final = 1;
    volt_pub_done(a->pub);
}

void *volt_agent_run(void *agent)
{
    volt_agent_t *a = agent;
    volt_agent_pin(a);
    if (a->on_start)
        a->on_start(a);
    while (!a->done) {
        const uint32_t work = a->do_work(a);
        if (a->pub && volt_pub_try(a->pub, volt_clock_ns())) {
            publish(a);
            volt_pub_done(a->pub);
        }
        volt_idle(&a->idle, work);
    }
    if (a->on_close)
        a->on_close(a);
    volt_agent_publish_final(a);
    return NULL;
}

void volt_agent_free(volt_agent_t *a)
{
    if (a && a->destroy)
        a->destroy(a);
    else
        free(a);
}

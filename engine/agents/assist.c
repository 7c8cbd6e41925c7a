/* engine/agents/assist.c — the sources' way into the hot agent's frame ring: a frame as it is, or,
 * when the hot agent is behind, parsed by the source in the ring slot (parse assist, source.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agents/kafka.h"
#include "engine/agents/source.h"
#include "engine/base/clock.h"

int volt_source_out_init(volt_source_out_t *o, const volt_source_wiring_t *w)
{
    memset(o, 0, sizeof *o);
    o->ring = w->frames[0];
    o->prod = volt_rb_producer(w->frames[0]);
    o->bell = w->hot_bell[0];
    o->assist = w->assist;
    o->backlog = w->assist_backlog;
    o->stats = w->stats;
    const int n = w->cfg->hot_threads;
    if (n <= 1)
        return 0;
    o->assist = NULL; /* the router parses every message anyway */
    if (!(o->router = malloc(sizeof *o->router)) ||
        volt_router_init(o->router, n, w->frames, w->hot_bell, w->router, w->cfg->max_frame)) {
        volt_source_out_free(o);
        return -ENOMEM;
    }
    o->router->kafka_raw = w->kafka_raw;
    o->router->kafka_lossless = w->kafka_lossless;
    o->router->kafka_raw_dropped = &w->stats->kafka_raw_dropped;
    return 0;
}

void volt_source_out_free(volt_source_out_t *o)
{
    if (o->router) {
        volt_router_free(o->router);
        free(o->router);
        o->router = NULL;
    }
}

void volt_source_out_end(volt_source_out_t *o)
{
    if (!o->router) {
        volt_frame_push_end(o->prod);
        return;
    }
    volt_router_end(o->router);
    if (o->router->kafka_raw)
        volt_krec_end(o->router->kafka_raw);
}

static void push_hot(volt_source_out_t *o, volt_idle_t *idle, const volt_frame_hdr_t *h,
                     const void *payload)
{
    volt_rb_prod_t p = o->prod;
    if (h->kind != VOLT_FRAME_DATA || !o->assist || !volt_rb_backlog_at_least(p, (uint64_t)o->backlog)) {
        volt_frame_push(p, idle, h, payload);
        return;
    }
    const uint32_t off = volt_parsed_offset(h->len);
    const uint64_t worst =
        (uint64_t)off + sizeof(volt_parsed_trailer_t) + VOLT_JSON_MAX_ITEMS * sizeof(volt_tick_t);
    if (worst > volt_rb_max_record(o->ring)) { /* a frame near the ring's record limit */
        volt_frame_push(p, idle, h, payload);
        return;
    }
    void *slot = volt_frame_claim_fill(p, idle, (uint32_t)worst, h, payload);
    volt_parsed_trailer_t *tr = (volt_parsed_trailer_t *)(void *)((char *)slot + off);
    const int64_t t0 = volt_clock_ns();
    /* in place: the payload is padded in the slot, the ticks land where the hot agent reads them */
    volt_parse_message(o->assist, (const char *)slot + sizeof *h, h->len, h->recv_wall_ns, tr->ticks,
                       &tr->res);
    /* a product the hot agent has not interned yet, or a level-2 message (its changes stay in this
     * parser): the hot agent parses it */
    if (volt_parser_deferred(o->assist) || tr->res.kind == VOLT_MSG_BOOK) {
        o->stats->assist_deferred++;
        volt_rb_commit_len(p, volt_frame_bytes(h));
        return;
    }
    tr->parse_ns = volt_clock_ns() - t0;
    tr->res.text = NULL; /* may point into this thread's parser: never read across */
    tr->res.text_len = 0;
    ((volt_frame_hdr_t *)slot)->kind = VOLT_FRAME_PARSED;
    o->stats->assisted++;
    volt_rb_commit_len(p, off + (uint32_t)(sizeof *tr + tr->res.n_ticks * sizeof(volt_tick_t)));
}

void volt_frame_push_hot(volt_source_out_t *o, volt_idle_t *idle, const volt_frame_hdr_t *h,
                         const void *payload)
{
    if (o->router) {
        volt_router_push(o->router, idle, h, payload);
        return;
    }
    push_hot(o, idle, h, payload);
    volt_bell_ring(o->bell); /* wakes the hot agent if it sleeps */
}


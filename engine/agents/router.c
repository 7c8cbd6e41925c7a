/* engine/agents/router.c — the source's router for several hot agents (router.h). */
#include "engine/agents/router.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agents/kafka.h"
#include "engine/agents/seq.h"

int volt_router_init(volt_router_t *r, int n, volt_rb_t *const *rings, volt_bell_t *const *bells,
                     volt_parser_t *parser, size_t max_frame)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    for (int i = 0; i < n; i++) {
        r->prod[i] = volt_rb_producer(rings[i]);
        r->bell[i] = bells[i];
    }
    r->parser = parser;
    r->cap = max_frame;
    r->buf = malloc(max_frame + VOLT_JSON_PADDING);
    r->epoch = UINT32_MAX;
    return r->buf ? 0 : -ENOMEM;
}

void volt_router_free(volt_router_t *r)
{
    free(r->buf);
    volt_parser_free(r->parser);
    r->buf = NULL;
    r->parser = NULL;
}

/* The connection's sequence number (Advanced Trade): VOLT_NOTE_SEQ_* for this message. */
static uint32_t seq_note(volt_router_t *r, const volt_frame_hdr_t *h)
{
    const volt_parse_result_t *res = &r->res;
    if (h->epoch != r->epoch || (res->has_conn && res->conn != r->conn)) {
        r->epoch = h->epoch;
        r->conn = res->has_conn ? res->conn : r->conn;
        r->have_seq = 0;
    }
    if (res->reject || !res->has_seq || res->proto != VOLT_PROTO_ADVANCED)
        return 0;
    static const uint32_t note[] = {[VOLT_SEQ_OK] = 0, [VOLT_SEQ_DUP] = VOLT_NOTE_SEQ_DUP,
                                    [VOLT_SEQ_RESTART] = VOLT_NOTE_SEQ_RESTART,
                                    [VOLT_SEQ_GAP] = VOLT_NOTE_SEQ_GAP};
    return note[volt_seq_next(&r->have_seq, &r->seq, res->seq)];
}

/* The agents owning the message's products, as a bit set (none: 0). */
static uint32_t owners(const volt_router_t *r, uint16_t *first)
{
    uint32_t set = 0;
    int have = 0;
    for (uint32_t i = 0; i < r->res.n_ticks; i++) {
        set |= 1u << (r->ticks[i].product % r->n);
        if (!have++)
            *first = r->ticks[i].product;
    }
    if (r->res.kind == VOLT_MSG_BOOK && !r->res.reject) {
        const volt_book_msg_t *m = volt_parser_book(r->parser);
        for (uint32_t e = 0; e < m->n_events; e++) {
            set |= 1u << (m->ev[e].product % r->n);
            if (!have++)
                *first = m->ev[e].product;
        }
    }
    return set;
}

static void push_to(volt_router_t *r, volt_idle_t *idle, int k, const volt_frame_hdr_t *h,
                    uint32_t kind, uint32_t note, const void *payload)
{
    volt_frame_hdr_t f = *h;
    f.kind = kind;
    f.note = note;
    if (kind == VOLT_FRAME_GAP)
        f.len = 0;
    volt_frame_push(r->prod[k], idle, &f, payload);
    volt_bell_ring(r->bell[k]);
}

void volt_router_push(volt_router_t *r, volt_idle_t *idle, const volt_frame_hdr_t *h,
                      const void *payload)
{
    uint32_t note = VOLT_NOTE_ROUTED | VOLT_NOTE_PRIMARY, set = 1;
    uint16_t key = VOLT_KREC_NO_KEY;
    if (h->kind == VOLT_FRAME_DATA && h->len <= r->cap) {
        memcpy(r->buf, payload, h->len);
        memset(r->buf + h->len, 0, VOLT_JSON_PADDING);
        volt_parse_message(r->parser, r->buf, h->len, h->recv_wall_ns, r->ticks, &r->res);
        note |= seq_note(r, h);
        set = owners(r, &key);
        if (!set)
            set = 1;
    }
    if (note & VOLT_NOTE_SEQ_DUP) /* dropped: its first owner counts it */
        set &= (uint32_t)-(int32_t)set; /* lowest bit */
    uint32_t n_note = note;
    for (int k = 0; k < r->n; k++) {
        if (set & (1u << k)) {
            push_to(r, idle, k, h, h->kind, n_note, payload);
            n_note &= ~(uint32_t)VOLT_NOTE_PRIMARY; /* the others act on a gap but do not count it */
        } else if (note & (VOLT_NOTE_SEQ_GAP | VOLT_NOTE_SEQ_RESTART)) {
            push_to(r, idle, k, h, VOLT_FRAME_GAP, VOLT_NOTE_ROUTED, NULL);
        }
    }
    if (r->kafka_raw && h->kind == VOLT_FRAME_DATA &&
        !volt_krec_put(r->kafka_raw, r->kafka_lossless, VOLT_K_RAW, key, payload, h->len))
        (*r->kafka_raw_dropped)++;
}

void volt_router_end(volt_router_t *r)
{
    for (int k = 0; k < r->n; k++) {
        volt_frame_push_end(r->prod[k]);
        volt_bell_ring(r->bell[k]);
    }
}

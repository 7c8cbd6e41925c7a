/* engine/agents/frame.c — frames into a byte ring (frame.h). */
#include "engine/agents/frame.h"

#include <sched.h>
#include <string.h>


static void fill(void *slot, const volt_frame_hdr_t *h, const void *payload)
{
    char *d = slot;
    memcpy(d, h, sizeof *h);
    if (h->len && payload) /* END frames carry no payload */
        memcpy(d + sizeof *h, payload, h->len);
    memset(d + sizeof *h + h->len, 0, VOLT_JSON_PADDING);
}

void *volt_frame_claim_fill(volt_rb_prod_t p, volt_idle_t *idle, uint32_t len,
                            const volt_frame_hdr_t *h, const void *payload)
{
    void *slot;
    while (!(slot = volt_rb_claim(p, len))) {
        if (idle)
            volt_idle(idle, 0);
        else
            sched_yield();
    }
    if (idle)
        volt_idle(idle, 1);
    fill(slot, h, payload);
    return slot;
}

void volt_frame_push(volt_rb_prod_t p, volt_idle_t *idle, const volt_frame_hdr_t *h,
                     const void *payload)
{
    volt_frame_claim_fill(p, idle, volt_frame_bytes(h), h, payload);
    volt_rb_commit(p);
}

int volt_frame_offer(volt_rb_prod_t p, const volt_frame_hdr_t *h, const void *payload)
{
    void *slot = volt_rb_claim(p, volt_frame_bytes(h));
    if (!slot)
        return 0;
    fill(slot, h, payload);
    volt_rb_commit(p);
    return 1;
}

void volt_frame_push_end(volt_rb_prod_t p)
{
    const volt_frame_hdr_t end = {.kind = VOLT_FRAME_END};
    volt_frame_push(p, NULL, &end, NULL);
}

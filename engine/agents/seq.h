/* engine/agents/seq.h — the connection's sequence rule (Advanced Trade: one counter for every
 * channel), shared by the hot agent (one agent: it sees the whole stream) and the source's router
 * (several agents: only it does). */
#ifndef VOLT_ENGINE_AGENTS_SEQ_H
#define VOLT_ENGINE_AGENTS_SEQ_H

#include <stdint.h>

/* A counter that goes back further than this within a connection restarted; closer, the message
 * is a duplicate (a feed that repeats its recent messages). */
#define VOLT_SEQ_RESTART_BACK 1024

typedef enum { VOLT_SEQ_OK = 0, VOLT_SEQ_DUP, VOLT_SEQ_RESTART, VOLT_SEQ_GAP } volt_seq_t;

/* The verdict on sequence number seq after *last (none yet when !*have); a duplicate leaves the
 * state as it was, anything else makes seq the last. */
static inline volt_seq_t volt_seq_next(int *have, uint64_t *last, uint64_t seq)
{
    volt_seq_t v = VOLT_SEQ_OK;
    if (*have) {
        if (seq <= *last && *last - seq < VOLT_SEQ_RESTART_BACK)
            return VOLT_SEQ_DUP;
        if (seq <= *last)
            v = VOLT_SEQ_RESTART;
        else if (seq > *last + 1)
            v = VOLT_SEQ_GAP;
    }
    *have = 1;
    *last = seq;
    return v;
}

#endif

/* engine/agents/frame.h — a frame: the bytes of one message as a source hands them to the hot
 * agent (and to the journal and Kafka agents) through a byte ring, behind a fixed header. */
#ifndef VOLT_ENGINE_AGENTS_FRAME_H
#define VOLT_ENGINE_AGENTS_FRAME_H

#include <stdint.h>

#include "engine/base/idle.h"
#include "engine/feed/json.h"
#include "engine/feed/parse.h"
#include "ring/spsc_rb.h"

/* A frame as the source hands it to the hot agent: this header, then len bytes. */
typedef struct volt_frame_hdr {
    int64_t recv_mono_ns; /* engine clock (clock.h) when the source got the bytes: latency origin */
    int64_t recv_wall_ns; /* receive time for messages that carry none (0 in replay) */
    uint64_t line;        /* 1-based line in the file (replay) or frame number (live) */
    uint32_t file;        /* index of the input file (replay) */
    uint32_t epoch;       /* stream: bumps at each file or connection; sequence tracking resets */
    uint32_t kind;        /* VOLT_FRAME_* */
    uint32_t len;         /* payload bytes after the header */
    uint32_t note;        /* VOLT_NOTE_*: with several hot agents, what the source's router found */
    uint32_t pad_;
} volt_frame_hdr_t;

/* A routed frame's note (several hot agents, router.h): the source checked the connection's
 * sequence numbers, as one hot agent of a whole stream does itself. PRIMARY: this agent counts the
 * message (others that get it too only take their products' ticks and book events). */
enum {
    VOLT_NOTE_ROUTED = 1u << 0,
    VOLT_NOTE_PRIMARY = 1u << 1,
    VOLT_NOTE_SEQ_GAP = 1u << 2,     /* messages were missed before this one */
    VOLT_NOTE_SEQ_DUP = 1u << 3,     /* a sequence number seen already: drop it */
    VOLT_NOTE_SEQ_RESTART = 1u << 4, /* the counter started over */
};

/* DATA: a message for the hot agent to parse; PARSED: one the source parsed already (parse assist,
 * source.h: the payload is followed by the parse's result, volt_parsed_trailer_t); TOO_LARGE: a frame cut off by the
 * source; END: the end of the stream; GAP: no message, the router's word to a hot agent that the
 * connection lost messages (its books are invalid, its windows span a gap). */
enum { VOLT_FRAME_DATA = 1, VOLT_FRAME_TOO_LARGE = 2, VOLT_FRAME_END = 3, VOLT_FRAME_PARSED = 4,
       VOLT_FRAME_GAP = 5 };

/* A frame the source parsed (VOLT_FRAME_PARSED): header, payload and padding as any frame, then,
 * at the next 8-byte boundary, this trailer with res.n_ticks ticks. The ticks were written there by
 * the parser itself. */
typedef struct volt_parsed_trailer {
    int64_t parse_ns;        /* the source's parse time (engine clock) */
    volt_parse_result_t res; /* text/text_len cleared */
    volt_tick_t ticks[];
} volt_parsed_trailer_t;

static inline uint32_t volt_parsed_offset(uint32_t len)
{
    return (uint32_t)volt_rb_align8_(sizeof(volt_frame_hdr_t) + len + VOLT_JSON_PADDING);
}

static inline const volt_parsed_trailer_t *volt_frame_trailer(const volt_frame_hdr_t *f)
{
    return (const volt_parsed_trailer_t *)(const void *)((const char *)f + volt_parsed_offset(f->len));
}

/* Producer side of a frame ring: claims room for header + payload + VOLT_JSON_PADDING bytes
 * (waiting with idle, or sched_yield when idle is NULL, while the ring is full: frames are never
 * dropped), copies header and payload in, zeroes the padding and commits. The one way frames, END
 * markers included, enter a ring; so every payload in a ring can be parsed where it lies. */
void volt_frame_push(volt_rb_prod_t p, volt_idle_t *idle, const volt_frame_hdr_t *h,
                     const void *payload);

/* Header, payload and VOLT_JSON_PADDING zero bytes: every consumer parses the payload where it
 * lies (simdjson and volt's padded readers read past the end of the text). */
static inline uint32_t volt_frame_bytes(const volt_frame_hdr_t *h)
{
    return (uint32_t)(sizeof *h + h->len + VOLT_JSON_PADDING);
}

/* Claims len (>= volt_frame_bytes(h)) bytes, waiting (idle, or sched_yield without one) while the
 * ring is full, and fills the frame in; the caller commits. Returns the slot. */
void *volt_frame_claim_fill(volt_rb_prod_t p, volt_idle_t *idle, uint32_t len,
                            const volt_frame_hdr_t *h, const void *payload);

/* Offers a frame without waiting: returns 0 when the ring is full (the caller counts a drop). */
int volt_frame_offer(volt_rb_prod_t p, const volt_frame_hdr_t *h, const void *payload);

/* Pushes an END frame (no payload). Producer thread of `p` only, like the two above. */
void volt_frame_push_end(volt_rb_prod_t p);

#endif

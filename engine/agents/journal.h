/* engine/agents/journal.h — the raw journal: every frame the live source receives, appended with io_uring.
 *
 * The journal agent owns its thread, its files and its io_uring; the source hands it frames through
 * a byte ring of its own and never waits on the disk unless that ring is full. One NDJSON line per
 * frame, in the seed's schema plus volt's fields:
 *   {"timestamp": capture time (ISO 8601 UTC, no zone, like the seed), "recv_ns": ns,
 *    "conn": connection number, "product_id", "price", "volume_24h", "low_24h", "high_24h",
 *    "best_bid", "best_ask" (from the message's first ticker, "" when it has none),
 *    "raw": the message as received (a JSON object verbatim; anything that is not a JSON object
 *    is kept as a JSON string)}
 * `volt replay` of these files reproduces the live feature rows byte for byte.
 *
 * Files: DIR/ticks_<PRODUCT>_<YYYYMMDD_HHMMSS>.ndjson (PRODUCT without the dash, MULTI for several),
 * rotated by size and by age. Durability (docs/operations.md#journal): lines are written in batches
 * (at least every 20 ms) and fdatasync'ed every fsync_ms (0: after every batch); after a crash,
 * every line older than the last completed fdatasync is on disk. On start, a torn last line
 * (no newline) left by a crash is cut off and reported, so it is never replayed. */
#ifndef VOLT_ENGINE_JOURNAL_H
#define VOLT_ENGINE_JOURNAL_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/agents/agent.h"
#include "ring/spsc_rb.h"

typedef struct volt_journal_cfg {
    const char *dir;
    const char *product_tag; /* e.g. "BTCUSD" or "MULTI" */
    uint64_t rotate_bytes;
    double rotate_s;
    double fsync_ms;
    size_t max_frame;
    FILE *human;             /* reports (recovery, rotation errors); may be NULL */
} volt_journal_cfg_t;

typedef struct volt_journal_stats {
    uint64_t lines, bytes, fsyncs, files, write_errors, torn_lines_cut;
    int uring; /* 1: io_uring, 0: the pwrite fallback (io_uring unavailable) */
} volt_journal_stats_t;

/* The journal agent's connections and settings. */
typedef struct volt_journal_wiring {
    volt_journal_cfg_t cfg;
    int cpu;                     /* side threads share the sink's CPU (-1: not pinned) */
    volt_rb_t *frames;           /* in: from the live source */
    volt_journal_stats_t *stats; /* written by the journal agent only */
    _Atomic int *reopen;         /* set by the run on SIGHUP: start a new file between batches */
} volt_journal_wiring_t;

/* The agent: it opens its first file and io_uring on its own thread. A journal that cannot work
 * (no memory, no file) still drains its ring, so the source never waits on it; the failure is
 * counted in write_errors. NULL: no memory. */
volt_agent_t *volt_journal_new(const volt_journal_wiring_t *w);

/* Cuts a torn last line (bytes after the last '\n') from every .ndjson file in dir. Returns how
 * many files were repaired, or -errno. */
int volt_journal_recover(const char *dir, FILE *human);

#endif

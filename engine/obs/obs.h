/* engine/obs/obs.h — what an operator sees of a running engine: a Prometheus text endpoint, a JSON
 * status and a small status page, served off the hot path by libwebsockets' own HTTP server.
 *
 * The server runs on a thread of its own. For each request it asks the wiring for a snapshot
 * (volt_obs_collect_fn): the run's summary so far, made by the same code as the end-of-run summary
 * from the copies the agents publish (engine/base/pub.h), so the numbers scraped after a run are
 * the numbers it printed. Paths: /metrics, /status.json, / (the page), anything else 404. */
#ifndef VOLT_ENGINE_OBS_H
#define VOLT_ENGINE_OBS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/agents/sink.h"
#include "engine/run/report.h"

#define VOLT_OBS_RINGS 16
#define VOLT_OBS_DEFAULT_ADDR "127.0.0.1:9464"

typedef struct volt_obs_ring {
    char name[16];   /* frames, rows, journal, kafka_raw, kafka_records */
    int agent;       /* the hot agent of a frames or rows ring (-1: none) */
    double fill;     /* used / capacity, 0..1 (instantaneous) */
} volt_obs_ring_t;

typedef struct volt_obs_snapshot {
    volt_run_stats_t run;  /* the run's summary so far (final == 1: its last word) */
    volt_status_t status;  /* each product's last row, the latest alerts */
    int final;             /* the run has ended */
    const char *mode;      /* "live", "replay" or "bench" */
    char model_kind[16], model_version[64];
    double threshold;      /* the alert threshold of the model in use */
    double start_unix_s;   /* when the run started (wall clock) */
    double now_unix_s;     /* when this snapshot was taken */
    int n_rings;
    volt_obs_ring_t ring[VOLT_OBS_RINGS];
} volt_obs_snapshot_t;

/* Fills *s (cleared by the caller) on the server's thread. */
typedef void (*volt_obs_collect_fn)(void *ctx, volt_obs_snapshot_t *s);

/* Renders the Prometheus text exposition (format 0.0.4) into buf. Returns its length, or the length
 * it needs when cap is too small (nothing useful written then). */
size_t volt_obs_prometheus(const volt_obs_snapshot_t *s, char *buf, size_t cap);
/* Renders the status JSON (what the page shows) the same way. */
size_t volt_obs_status_json(const volt_obs_snapshot_t *s, char *buf, size_t cap);
/* The status page: one HTML document, no external assets. */
const char *volt_obs_page(void);

typedef struct volt_obs volt_obs_t;

/* Parses "HOST:PORT" (port 0: any free port) or "off". Returns 0 (*off set), or -EINVAL with
 * VOLT_ERR naming the option. Only numeric IPv4 addresses are taken. */
int volt_obs_parse_addr(const char *addr, char *host, size_t host_cap, int *port, int *off);

/* Starts serving on addr (a HOST:PORT volt_obs_parse_addr took) on a thread of its own, pinned to
 * cpu (the side agents' CPU; -1: not pinned), never the hot agent's. Returns 0
 * and *out, or -errno with VOLT_ERR set (the address is in use, no thread). The bound address is
 * printed to human. */
int volt_obs_start(const char *addr, int cpu, volt_obs_collect_fn fn, void *ctx, FILE *human,
                   volt_obs_t **out);
/* The port it listens on. */
int volt_obs_port(const volt_obs_t *o);
/* Requests served so far, by path kind: 0 metrics, 1 status.json, 2 page, 3 other. */
uint64_t volt_obs_requests(volt_obs_t *o, int kind);
/* Stops the server and joins its thread (NULL: nothing). */
void volt_obs_stop(volt_obs_t *o);

#endif

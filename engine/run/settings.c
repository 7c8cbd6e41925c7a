/* engine/run/settings.c — the settings' defaults and the stop request. */
#include "engine/run/settings.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "engine/feed/parse.h"

void volt_pipeline_cfg_default(volt_pipeline_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->format = VOLT_FMT_CSV;
    c->human = stderr;
    c->cpus[0] = c->cpus[1] = c->cpus[2] = -1;
    c->hot_threads = 1;
    c->idle = "backoff";
    c->max_frame = 1u << 20;
    c->frame_ring_bytes = 16u << 20;
    c->parse_assist = VOLT_PARSE_ASSIST_DEFAULT;
    c->row_ring_slots = 4096;
    volt_feat_cfg_default(&c->feat);
    c->model = "default";
    c->alert_threshold = NAN;
    c->alert_cooldown_s = 60.0;
    c->max_notices = 5;
    c->book_depth = 4096;
    c->label = 0;
    c->label_tau = NAN;
    c->protocol = VOLT_PROTO_ADVANCED;
    c->watchdog_s = 30.0;
    c->backoff_min_s = 0.1;
    c->backoff_max_s = 10.0;
    c->max_rate = 200000;
    c->journal_rotate_mb = 256;
    c->journal_rotate_min = 60;
    c->journal_fsync_ms = 1000;
    c->kafka_topic[0] = "ticks.raw";
    c->kafka_topic[1] = "ticks.features";
    c->kafka_topic[2] = "volatility.alerts";
    c->kafka_flush_s = 30;
}

static _Atomic int g_stop;

void volt_pipeline_request_stop(void) { atomic_store_explicit(&g_stop, 1, memory_order_relaxed); }
int volt_pipeline_stop_requested(void) { return atomic_load_explicit(&g_stop, memory_order_relaxed); }
void volt_pipeline_clear_stop(void) { atomic_store(&g_stop, 0); }

static _Atomic int g_reload;

void volt_pipeline_request_reload(void) { atomic_store_explicit(&g_reload, 1, memory_order_relaxed); }
int volt_pipeline_take_reload(void) { return atomic_exchange(&g_reload, 0); }

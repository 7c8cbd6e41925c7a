/* engine/agents/sink.h — the sink agent: rows to text (the output file, Kafka's records), alerts and
 * notices to the human stream, labels and the model's self-grade.
 *
 * It is the only thread that formats rows, and it formats each once: a row's NDJSON text is both
 * its line in an NDJSON output and its ticks.features record (a CSV output is a second, different
 * text). Rejected inputs are logged with their position, the first max_notices per reason; after
 * that they are only counted (the summary has every count). It runs on a thread of its own, or on
 * the bench source's between messages (source.h): its do_work takes a bounded batch either way. */
#ifndef VOLT_ENGINE_AGENTS_SINK_H
#define VOLT_ENGINE_AGENTS_SINK_H

#include <stdalign.h>
#include <stdint.h>

#include "engine/agents/agent.h"
#include "engine/feed/product.h"
#include "engine/model/model.h"
#include "engine/rows/grade.h"
#include "engine/rows/row.h"
#include "engine/run/report.h"
#include "engine/run/settings.h"
#include "ring/arch.h"
#include "ring/spsc.h"
#include "ring/spsc_rb.h"

/* The status page's view of one product: its last scored row. */
typedef struct volt_product_status {
    char name[VOLT_PRODUCT_NAME_MAX + 1];
    int64_t event_ns;          /* the last row's event time (exchange clock) */
    double price, rv_60s, p_spike, threshold;
    uint8_t prediction, flags_gap; /* its prediction; 1 when its windows span a gap or time gap */
    uint64_t rows, alerts;
} volt_product_status_t;

/* The latest alerts (a ring of VOLT_STATUS_ALERTS; alerts_total counts them all). */
#define VOLT_STATUS_ALERTS 16
typedef struct volt_alert_status {
    int64_t event_ns;
    uint16_t product;
    double p_spike, threshold;
} volt_alert_status_t;

typedef struct volt_status {
    uint32_t n_products;       /* prod[0 .. n_products): indexes of the product table */
    uint64_t alerts_total;
    char model[64];            /* the version of the model that scored the last row */
    volt_product_status_t prod[VOLT_MAX_PRODUCTS];
    volt_alert_status_t alert[VOLT_STATUS_ALERTS]; /* alert[(alerts_total - 1) % N] the newest */
} volt_status_t;

typedef struct volt_sink_stats {
    alignas(VOLT_FALSE_SHARING) uint64_t rows_written;
    uint64_t labelled, positives, unlabelled; /* --label, at the end */
    volt_grade_t grade;                       /* the self-grade at the end (grade.h) */
    int n_graded;
    uint16_t graded_product[VOLT_GRADE_LISTED];
    volt_grade_t graded[VOLT_GRADE_LISTED];
    int io_error;
    uint64_t kafka_dropped[VOLT_K_TOPICS]; /* live: records the Kafka ring had no room for */
    int64_t graded_ns;   /* engine clock of the last self-grade (live: every 5 s; 0: never) */
    volt_status_t status; /* every row as it arrives (before --label's wait) */
    volt_hist_t to_sink; /* signal -> sink; last */
} volt_sink_stats_t;

typedef struct volt_sink_wiring {
    const volt_pipeline_cfg_t *cfg; /* out_path, format, label, human, quiet, notices, cpus[2] */
    volt_ring_t *rows[VOLT_MAX_HOT]; /* in: from each hot agent */
    int n_rows;                      /* hot agents (rows[0 .. n_rows)) */
    volt_bell_t *bell;              /* rung by the hot agents after each batch */
    volt_rb_t *kafka_rec;           /* out: records for the Kafka agent (NULL: Kafka off) */
    int kafka_lossless;             /* replay: wait for room instead of dropping */
    const volt_products_t *products; /* names of the products the rows carry */
    const volt_model_t *model;       /* version and threshold, for alert lines and records */
    volt_interval_t *interval;
    volt_sink_stats_t *stats;
    volt_pub_t *pub;                 /* its stats published here for the metrics server */
    volt_sink_stats_t *pub_copy;     /* (NULL, NULL: not published) */
} volt_sink_wiring_t;

/* Made at set-up (it allocates, opens the output file: a failure is in stats->io_error). */
volt_agent_t *volt_sink_new(const volt_sink_wiring_t *w);
/* One duty cycle of at most max rows (rows, alerts, notices, stats). Returns how many it took
 * (0: none waiting, or the END row was taken before: agent->done). */
uint32_t volt_sink_take(volt_agent_t *sink, uint32_t max);
/* The end of a sink that another thread ran: duty cycles until END, then on_close. */
void volt_sink_drain(volt_agent_t *sink, volt_idle_t *idle);

#endif

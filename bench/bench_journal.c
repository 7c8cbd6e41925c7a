/* Journal bench: the raw journal's append path as the live source uses it (engine/agents/journal.c).
 *
 *   journal/append_advanced_ticker   one real Advanced Trade ticker frame, JOURNAL_N times a run,
 *                                    handed to the journal agent's thread the way the WebSocket
 *                                    source does (volt_frame_push into its byte ring); the agent
 *                                    formats each line (the seed's fields from a parse, the frame
 *                                    verbatim) and writes the batches with io_uring to a fresh
 *                                    folder, then closes with its fdatasync.
 *
 * Time per item: one frame, from the first hand-off to the file closed and synced (the thread
 * joined): the journal's sustained rate on this disk. Counter source_ns: what the source's thread
 * itself spent per frame handing frames over (the ring holds a whole run, so it never waited on
 * the journal): the journal's cost on the live path. The folder is $TMPDIR (or /tmp) and is
 * removed afterwards; the rate is the file system's as much as volt's (docs/bench.md). */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ab_util.h"
#include "bench.h"
#include "engine/agents/frame.h"
#include "engine/agents/journal.h"
#include "engine/run/settings.h"

enum { JOURNAL_N = 20000 };
#define JOURNAL_RING_BYTES (UINT64_C(32) << 20) /* > JOURNAL_N frames of the fixture's size */

/* Removes the files of dir (the journal's, flat) and, with rmdir_too, dir itself. */
static void empty_dir(const char *dir, int rmdir_too)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[1200];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    if (rmdir_too)
        rmdir(dir);
}

typedef struct {
    double total_s, source_s;
    volt_journal_stats_t st;
} run_t;

/* One run: a journal agent on its own thread, JOURNAL_N frames, END, join. */
static int run_once(const volt_pipeline_cfg_t *cfg, void *ring_buf, const char *dir,
                    const char *msg, size_t len, run_t *out)
{
    volt_rb_t ring;
    volt_journal_stats_t jst = {0};
    if (volt_rb_init(&ring, ring_buf, JOURNAL_RING_BYTES))
        return -1;
    const volt_journal_wiring_t w = {.cfg = {.dir = dir,
                                             .product_tag = "BTCUSD",
                                             .rotate_bytes = (uint64_t)(cfg->journal_rotate_mb * 1048576.0),
                                             .rotate_s = cfg->journal_rotate_min * 60.0,
                                             .fsync_ms = cfg->journal_fsync_ms,
                                             .max_frame = cfg->max_frame,
                                             .human = cfg->human},
                                     .cpu = -1,
                                     .frames = &ring,
                                     .stats = &jst};
    volt_agent_t *j = volt_journal_new(&w);
    if (!j)
        return -1;
    pthread_t th;
    if (pthread_create(&th, NULL, volt_agent_run, j)) {
        volt_agent_free(j);
        return -1;
    }
    const volt_rb_prod_t p = volt_rb_producer(&ring);
    volt_frame_hdr_t h = {0};
    h.kind = VOLT_FRAME_DATA;
    h.len = (uint32_t)len;
    h.epoch = 1;
    const int64_t wall0 = INT64_C(1764547200) * 1000000000;
    const double t0 = volt_ab_now_ns() * 1e-9;
    for (int i = 0; i < JOURNAL_N; i++) {
        h.line = (uint64_t)i + 1;
        h.recv_wall_ns = wall0 + (int64_t)i * 250000; /* 4 000 frames a second of capture time */
        h.recv_mono_ns = h.recv_wall_ns;
        volt_frame_push(p, NULL, &h, msg);
    }
    const double t1 = volt_ab_now_ns() * 1e-9;
    volt_frame_push_end(p);
    pthread_join(th, NULL);
    out->total_s = volt_ab_now_ns() * 1e-9 - t0;
    out->source_s = t1 - t0;
    out->st = jst;
    volt_agent_free(j);
    return 0;
}

static void bm_journal_append(volt_bench_state_t *st)
{
    const volt_bench_msg_t m = volt_bench_load_message("y_advanced_ticker.json");
    void *ring_buf = aligned_alloc(64, JOURNAL_RING_BYTES);
    const char *tmp = getenv("TMPDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/volt-bench-journal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!m.len || !ring_buf || !mkdtemp(dir)) {
        volt_bench_skip(st, !m.len ? "fixture missing" : "no temporary folder or memory");
        free(m.buf);
        free(ring_buf);
        return;
    }
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg); /* the engine's journal defaults: fdatasync every 1000 ms */
    cfg.human = NULL;
    int64_t items = 0, bytes = 0;
    double source_s = 0, fsyncs = 0;
    int uring = -1;
    while (volt_bench_next(st, 1)) {
        run_t r;
        if (run_once(&cfg, ring_buf, dir, m.buf, m.len, &r)) {
            volt_bench_skip(st, "cannot start the journal agent");
            break;
        }
        empty_dir(dir, 0);
        if (r.st.lines != JOURNAL_N || r.st.write_errors || r.st.files != 1) {
            volt_bench_skip(st, "the journal lost lines or failed a write");
            break;
        }
        volt_bench_set_iteration_time(st, r.total_s);
        items += JOURNAL_N;
        bytes += (int64_t)r.st.bytes;
        source_s += r.source_s;
        fsyncs += (double)r.st.fsyncs;
        uring = r.st.uring;
    }
    if (items) {
        volt_bench_set_items(st, items);
        volt_bench_set_bytes(st, bytes);
        volt_bench_counter(st, "source_ns", source_s * 1e9 / (double)items, 0);
        volt_bench_counter(st, "line_bytes", (double)bytes / (double)items, 0);
        volt_bench_counter(st, "fsyncs_per_run", fsyncs * JOURNAL_N / (double)items, 0);
        volt_bench_counter(st, "io_uring", uring, 0);
    }
    empty_dir(dir, 1);
    free(m.buf);
    free(ring_buf);
}

void volt_bench_register_journal(void)
{
    volt_bench_register("journal/append_advanced_ticker", bm_journal_append, NULL, 0, 1);
}

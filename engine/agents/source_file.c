/* engine/agents/source_file.c — the replay source: NDJSON files, line by line, into the frame ring.
 *
 * Files are read through engine/recording.h, so a zstd-compressed recording (.zst) replays exactly
 * like its plain twin, decompressed as it streams.
 *
 * Lines are cut at '\n' (a trailing '\r' is dropped). A line longer than max_frame is skipped
 * without being buffered and announced to the hot agent as a TOO_LARGE frame, so it is counted in
 * order with everything else. A full ring makes the source wait: replay never drops. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agents/agents.h"
#include "engine/base/idle.h"
#include "engine/feed/recording.h"

typedef struct {
    volt_ctx_t *c;
    volt_rb_prod_t prod;
    volt_idle_t idle;
    uint32_t epoch;
} src_t;

static void push(src_t *s, uint32_t kind, uint32_t file, uint64_t line, const char *p, size_t n)
{
    const volt_frame_hdr_t h = {.recv_mono_ns = volt_clock_ns(),
                                .recv_wall_ns = 0,
                                .line = line,
                                .file = file,
                                .epoch = s->epoch,
                                .kind = kind,
                                .len = (uint32_t)n};
    if (s->c->kafka_on) /* replay publishes everything: wait for room */
        volt_frame_push(volt_rb_producer(&s->c->kraw), &s->idle, &h, p);
    volt_frame_push_hot(s->c, &s->idle, &h, p);
}

static int replay_file(src_t *s, uint32_t fi, const char *path, char *buf, size_t cap)
{
    const size_t max_frame = s->c->cfg->max_frame;
    volt_recording_t *rec;
    int rc = volt_recording_open(&rec, path);
    if (rc)
        return rc;
    size_t have = 0;   /* bytes in buf */
    size_t start = 0;  /* start of the current line */
    int skipping = 0;  /* inside an over-long line */
    uint64_t line = 0;
    int eof = 0;
    while (!eof || start < have) {
        char *nl = memchr(buf + start, '\n', have - start);
        if (!nl && !eof) {
            /* need more bytes: compact, then read */
            if (skipping) {
                start = have = 0;
            } else if (have - start >= max_frame) {
                skipping = 1;
                start = have = 0;
                continue;
            } else if (start > 0) {
                memmove(buf, buf + start, have - start);
                have -= start;
                start = 0;
            }
            const ssize_t got = volt_recording_read(rec, buf + have, cap - have);
            if (got < 0) {
                rc = (int)got;
                break;
            }
            if (got == 0)
                eof = 1;
            have += (size_t)got;
            continue;
        }
        const size_t end = nl ? (size_t)(nl - buf) : have; /* last line may lack '\n' */
        line++;
        s->c->src.read++;
        if (skipping || end - start > max_frame) {
            s->c->src.too_large++;
            push(s, VOLT_FRAME_TOO_LARGE, fi, line, NULL, 0);
            skipping = 0;
        } else {
            size_t len = end - start;
            if (len && buf[start + len - 1] == '\r')
                len--;
            push(s, VOLT_FRAME_DATA, fi, line, buf + start, len);
        }
        start = nl ? end + 1 : have;
    }
    volt_recording_close(rec);
    return rc;
}

void *volt_source_file_run(void *arg)
{
    volt_ctx_t *c = arg;
    const volt_pipeline_cfg_t *cfg = c->cfg;
    if (cfg->cpus[0] >= 0)
        volt_pin_self(cfg->cpus[0]);
    src_t s = {.c = c, .prod = volt_rb_producer(&c->frames), .epoch = 0};
    volt_idle_preset(&s.idle, cfg->idle);
    const size_t cap = cfg->max_frame + (4u << 20);
    char *buf = malloc(cap);
    if (!buf) {
        c->src.io_error = -ENOMEM;
    } else {
        for (int i = 0; i < cfg->n_files; i++) {
            s.epoch++;
            int rc = replay_file(&s, (uint32_t)i, cfg->files[i], buf, cap);
            if (rc) {
                c->src.io_error = rc;
                c->src.io_error_file = (uint32_t)i;
                break;
            }
        }
    }
    free(buf);
    if (c->kafka_on)
        volt_frame_push_end(volt_rb_producer(&c->kraw));
    volt_frame_push_end(s.prod);
    return NULL;
}

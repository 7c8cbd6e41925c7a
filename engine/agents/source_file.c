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

#include "engine/agents/source.h"
#include "engine/base/clock.h"
#include "engine/feed/recording.h"

#define LINES_PER_CYCLE 256

typedef struct {
    volt_agent_t agent;
    const volt_pipeline_cfg_t *cfg;
    volt_source_out_t out;
    volt_source_stats_t *st;
    int next_file;          /* the next file to open */
    uint32_t fi;            /* the file being read */
    volt_recording_t *rec;  /* NULL between files */
    char *buf;
    size_t cap, have, start; /* bytes in buf; start of the current line */
    int skipping;           /* inside an over-long line */
    int eof;
    uint64_t line;
} src_t;

static void push(src_t *s, uint32_t kind, const char *p, size_t n)
{
    const volt_frame_hdr_t h = {.recv_mono_ns = volt_clock_ns(),
                                .recv_wall_ns = 0,
                                .line = s->line,
                                .file = s->fi,
                                .epoch = s->fi + 1, /* each file is a stream of its own */
                                .kind = kind,
                                .len = (uint32_t)n};
    volt_frame_push_hot(&s->out, &s->agent.idle, &h, p);
}

/* Makes room and reads more of the file. Returns 0 or -errno. */
static int refill(src_t *s)
{
    if (s->skipping) {
        s->start = s->have = 0;
    } else if (s->have - s->start >= s->cfg->max_frame) {
        s->skipping = 1;
        s->start = s->have = 0;
        return 0;
    } else if (s->start > 0) {
        memmove(s->buf, s->buf + s->start, s->have - s->start);
        s->have -= s->start;
        s->start = 0;
    }
    const ssize_t got = volt_recording_read(s->rec, s->buf + s->have, s->cap - s->have);
    if (got < 0)
        return (int)got;
    if (got == 0)
        s->eof = 1;
    s->have += (size_t)got;
    return 0;
}

/* The next line as a frame (a line over max_frame as TOO_LARGE), or more bytes read. Returns 1
 * when a frame went out, 0 when bytes were read, -errno on a read error. */
static int step(src_t *s)
{
    char *nl = memchr(s->buf + s->start, '\n', s->have - s->start);
    if (!nl && !s->eof)
        return refill(s);
    const size_t end = nl ? (size_t)(nl - s->buf) : s->have; /* last line may lack '\n' */
    s->line++;
    s->st->read++;
    if (s->skipping || end - s->start > s->cfg->max_frame) {
        s->st->too_large++;
        push(s, VOLT_FRAME_TOO_LARGE, NULL, 0);
        s->skipping = 0;
    } else {
        size_t len = end - s->start;
        if (len && s->buf[s->start + len - 1] == '\r')
            len--;
        push(s, VOLT_FRAME_DATA, s->buf + s->start, len);
    }
    s->start = nl ? end + 1 : s->have;
    return 1;
}

static void fail(src_t *s, int rc)
{
    s->st->io_error = rc;
    s->st->io_error_file = s->fi;
    s->agent.done = 1;
}

/* Up to LINES_PER_CYCLE lines of the current file; opens the next when one ends. */
static uint32_t file_do_work(volt_agent_t *a)
{
    src_t *s = (src_t *)a;
    if (volt_pipeline_stop_requested()) { /* SIGINT/SIGTERM: end here; the rest drains */
        s->st->stopped = 1;
        a->done = 1;
        return 0;
    }
    if (!s->rec) {
        if (s->next_file >= s->cfg->n_files) {
            a->done = 1;
            return 0;
        }
        s->fi = (uint32_t)s->next_file++;
        s->have = s->start = 0;
        s->skipping = s->eof = 0;
        s->line = 0;
        const int rc = volt_recording_open(&s->rec, s->cfg->files[s->fi]);
        if (rc)
            fail(s, rc);
        else /* a pipe: the cycle ends while it is empty (the runner publishes, stops) */
            volt_recording_set_wait(s->rec, 100);
        return 1;
    }
    uint32_t n = 0;
    while (n < LINES_PER_CYCLE && (!s->eof || s->start < s->have)) {
        const int rc = step(s);
        if (rc == -EAGAIN) /* a pipe with nothing to read yet */
            return n;
        if (rc < 0) {
            fail(s, rc);
            break;
        }
        n += (uint32_t)rc;
    }
    if (a->done || (s->eof && s->start >= s->have)) {
        volt_recording_close(s->rec);
        s->rec = NULL;
    }
    return n + 1;
}

static void file_close(volt_agent_t *a)
{
    src_t *s = (src_t *)a;
    if (s->rec)
        volt_recording_close(s->rec);
    s->rec = NULL;
    volt_source_out_end(&s->out);
}

static void file_destroy(volt_agent_t *a)
{
    src_t *s = (src_t *)a;
    if (s->rec)
        volt_recording_close(s->rec);
    free(s->buf);
    volt_source_out_free(&s->out);
    free(s);
}

volt_agent_t *volt_source_file_new(const volt_source_wiring_t *w)
{
    src_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = w->cfg;
    s->st = w->stats;
    s->cap = w->cfg->max_frame + (4u << 20);
    s->buf = malloc(s->cap);
    if (!s->buf || volt_source_out_init(&s->out, w)) {
        free(s->buf);
        free(s);
        return NULL;
    }
    volt_agent_init(&s->agent, "volt-source", w->cfg->cpus[0], w->cfg->idle, w->cfg->human,
                    file_do_work, file_close);
    s->agent.destroy = file_destroy;
    return &s->agent;
}

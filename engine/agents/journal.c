/* engine/agents/journal.c — the journal agent: frames from the live source to NDJSON files via io_uring.
 *
 * Two line buffers alternate: one fills while the other's write is in flight. A write is submitted
 * when a buffer is nearly full, or when 20 ms have passed with lines pending; fdatasync is
 * submitted linked behind the write (IOSQE_IO_LINK keeps it ordered) every fsync_ms. If io_uring
 * cannot be set up (old kernel, seccomp), plain pwrite/fdatasync do the same job. */
#include "engine/agents/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/agents/frame.h"
#include "engine/base/clock.h"
#include "engine/feed/parse.h"
#include "engine/feed/timefmt.h"
#include "engine/rows/rowfmt.h"

#define NS 1000000000LL
#define FLUSH_NS (20 * 1000000LL)

typedef struct {
    char *p;
    size_t len, cap;
    int inflight;
} jbuf_t;

typedef struct {
    volt_agent_t agent;
    volt_journal_wiring_t w;
    const volt_journal_cfg_t *cfg;
    volt_journal_stats_t *st;
    volt_rb_cons_t in;
    int broken;         /* could not start: drain and count */
    size_t line_max;
    struct io_uring ring;
    int uring;
    int fd;
    uint64_t off;
    int64_t file_open_mono, last_fsync_mono, oldest_pending_mono;
    uint64_t unsynced;
    jbuf_t buf[2];
    int cur;
    int fsync_inflight;
    volt_products_t products;
    volt_parser_t *parser;
    volt_tick_t ticks[VOLT_JSON_MAX_ITEMS];
    char path[1024];
} jrn_t;

int volt_journal_recover(const char *dir, FILE *human)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    int fixed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 7, ".ndjson") != 0)
            continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        int fd = open(p, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat sb;
        if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
            /* walk back from the end to the last newline */
            off_t end = sb.st_size, cut = 0;
            char blk[4096];
            int found = 0;
            while (end > 0 && !found) {
                const off_t from = end > (off_t)sizeof blk ? end - (off_t)sizeof blk : 0;
                const ssize_t n = pread(fd, blk, (size_t)(end - from), from);
                if (n <= 0)
                    break;
                for (ssize_t i = n - 1; i >= 0; i--)
                    if (blk[i] == '\n') {
                        cut = from + i + 1;
                        found = 1;
                        break;
                    }
                end = from;
            }
            if (cut < sb.st_size) {
                if (ftruncate(fd, cut) == 0) {
                    fdatasync(fd);
                    fixed++;
                    if (human)
                        fprintf(human, "volt: journal %s: cut a torn last line (%lld bytes)\n", p,
                                (long long)(sb.st_size - cut));
                }
            }
        }
        close(fd);
    }
    closedir(d);
    return fixed;
}

static void put(jbuf_t *b, const char *s, size_t n)
{
    memcpy(b->p + b->len, s, n);
    b->len += n;
}
#define PUTS(b, lit) put((b), lit, sizeof(lit) - 1)

static void put_json_string(jbuf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    b->p[b->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        const unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            /* control bytes, and bytes outside ASCII (may be invalid UTF-8): escaped */
            memcpy(b->p + b->len, "\\u00", 4);
            b->p[b->len + 4] = hex[ch >> 4];
            b->p[b->len + 5] = hex[ch & 15];
            b->len += 6;
        } else {
            b->p[b->len++] = (char)ch;
        }
    }
    b->p[b->len++] = '"';
}

static void put_dec_field(jbuf_t *b, const char *name, double v)
{
    char num[40];
    PUTS(b, ",\"");
    put(b, name, strlen(name));
    PUTS(b, "\":\"");
    put(b, num, volt_fmt_double(v, num));
    PUTS(b, "\"");
}

/* Formats one frame as a journal line into the current buffer. */
static void format_line(jrn_t *j, const volt_frame_hdr_t *f, const char *payload)
{
    jbuf_t *b = &j->buf[j->cur];
    char ts[31], num[32];
    volt_time_format_iso(f->recv_wall_ns, ts);
    ts[26] = '\0'; /* the seed's form: microseconds, no zone */
    PUTS(b, "{\"timestamp\":\"");
    put(b, ts, 26);
    PUTS(b, "\",\"recv_ns\":");
    put(b, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)f->recv_wall_ns));
    PUTS(b, ",\"conn\":");
    put(b, num, (size_t)snprintf(num, sizeof num, "%u", f->epoch));
    if (f->kind == VOLT_FRAME_TOO_LARGE) {
        PUTS(b, ",\"dropped\":\"too_large\"}\n");
        return;
    }
    /* the seed's top-level fields, from the first ticker */
    volt_parse_result_t res;
    const volt_reject_t rej = volt_parse_message(j->parser, payload, f->len, f->recv_wall_ns,
                                                 j->ticks, &res);
    if (!rej && res.n_ticks) {
        const volt_tick_t *t = &j->ticks[0];
        PUTS(b, ",\"product_id\":\"");
        const char *name = volt_products_name(&j->products, t->product);
        put(b, name, strlen(name));
        PUTS(b, "\"");
        put_dec_field(b, "price", t->price);
        put_dec_field(b, "volume_24h", t->volume_24h);
        put_dec_field(b, "low_24h", t->low_24h);
        put_dec_field(b, "high_24h", t->high_24h);
        put_dec_field(b, "best_bid", t->best_bid);
        put_dec_field(b, "best_ask", t->best_ask);
    } else {
        PUTS(b, ",\"product_id\":\"\",\"price\":\"\",\"volume_24h\":\"\",\"low_24h\":\"\","
                "\"high_24h\":\"\",\"best_bid\":\"\",\"best_ask\":\"\"");
    }
    PUTS(b, ",\"raw\":");
    const int is_object = rej != VOLT_REJ_EMPTY && rej != VOLT_REJ_MALFORMED &&
                          rej != VOLT_REJ_NOT_OBJECT && rej != VOLT_REJ_TOO_DEEP &&
                          rej != VOLT_REJ_TOO_LARGE && memchr(payload, '\n', f->len) == NULL;
    if (is_object)
        put(b, payload, f->len); /* verbatim */
    else
        put_json_string(b, payload, f->len);
    PUTS(b, "}\n");
}

static int open_file(jrn_t *j)
{
    char stamp[32];
    const int64_t now = volt_clock_ns();
    struct timespec w;
    clock_gettime(CLOCK_REALTIME, &w);
    char iso[31];
    volt_time_format_iso((int64_t)w.tv_sec * NS + w.tv_nsec, iso);
    /* YYYYMMDD_HHMMSS */
    snprintf(stamp, sizeof stamp, "%.4s%.2s%.2s_%.2s%.2s%.2s", iso, iso + 5, iso + 8, iso + 11,
             iso + 14, iso + 17);
    for (int k = 0; k < 100; k++) {
        if (k == 0)
            snprintf(j->path, sizeof j->path, "%s/ticks_%s_%s.ndjson", j->cfg->dir,
                     j->cfg->product_tag, stamp);
        else
            snprintf(j->path, sizeof j->path, "%s/ticks_%s_%s_%03d.ndjson", j->cfg->dir,
                     j->cfg->product_tag, stamp, k);
        j->fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (j->fd >= 0 || errno != EEXIST)
            break;
    }
    if (j->fd < 0)
        return -errno;
    j->off = 0;
    j->file_open_mono = now;
    j->st->files++;
    return 0;
}

/* Waits for every in-flight io_uring request; updates stats. */
static void reap(jrn_t *j, int wait_all)
{
    if (!j->uring)
        return;
    struct io_uring_cqe *cqe;
    for (;;) {
        int inflight = j->buf[0].inflight + j->buf[1].inflight + j->fsync_inflight;
        if (!inflight)
            return;
        int rc = wait_all ? io_uring_wait_cqe(&j->ring, &cqe) : io_uring_peek_cqe(&j->ring, &cqe);
        if (rc < 0)
            return;
        const uint64_t tag = cqe->user_data;
        if (cqe->res < 0)
            j->st->write_errors++;
        if (tag < 2) {
            j->buf[tag].inflight = 0;
            j->buf[tag].len = 0;
        } else {
            j->st->fsyncs++;
            j->fsync_inflight--;
        }
        io_uring_cqe_seen(&j->ring, cqe);
    }
}

/* Writes out the current buffer (and fdatasync when due). */
static void flush(jrn_t *j, int force_sync)
{
    jbuf_t *b = &j->buf[j->cur];
    if (b->len == 0 && !force_sync)
        return;
    const int64_t now = volt_clock_ns();
    const int sync = force_sync || j->cfg->fsync_ms <= 0 ||
                     (double)(now - j->last_fsync_mono) >= j->cfg->fsync_ms * 1e6;
    if (j->uring) {
        /* the other buffer must be free before we switch to it */
        jbuf_t *o = &j->buf[1 - j->cur];
        while (o->inflight)
            reap(j, 1);
        if (b->len) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(&j->ring);
            io_uring_prep_write(sqe, j->fd, b->p, (unsigned)b->len, j->off);
            sqe->user_data = (uint64_t)j->cur;
            if (sync)
                sqe->flags |= IOSQE_IO_LINK;
            b->inflight = 1;
        }
        if (sync) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(&j->ring);
            io_uring_prep_fsync(sqe, j->fd, IORING_FSYNC_DATASYNC);
            sqe->user_data = 2;
            j->fsync_inflight++;
        }
        io_uring_submit(&j->ring);
    } else {
        size_t done = 0;
        while (done < b->len) {
            ssize_t n = pwrite(j->fd, b->p + done, b->len - done, (off_t)(j->off + done));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                j->st->write_errors++;
                break;
            }
            done += (size_t)n;
        }
        if (sync && fdatasync(j->fd) == 0)
            j->st->fsyncs++;
    }
    j->off += b->len;
    j->st->bytes += b->len;
    if (!j->uring)
        b->len = 0;
    if (sync)
        j->last_fsync_mono = now;
    if (j->uring)
        j->cur = 1 - j->cur;
    j->oldest_pending_mono = 0;
    if (getenv("VOLT_JOURNAL_TRACE") && sync) {
        /* for crash tests: after this line, everything up to off is on its way to the disk */
        reap(j, 1);
        fprintf(stderr, "journal-synced %s %llu\n", j->path, (unsigned long long)j->off);
    }
}

static void close_file(jrn_t *j)
{
    flush(j, 1);
    reap(j, 1);
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}

/* Buffers, parser and io_uring, then the first file. A failure leaves the agent broken: it
 * drains its ring without writing (the source never waits on a dead journal). */
static void journal_start(volt_agent_t *a)
{
    jrn_t *j = (jrn_t *)a;
    for (int i = 0; i < 2; i++) {
        j->buf[i].cap = (1u << 20) + j->line_max;
        j->buf[i].p = malloc(j->buf[i].cap);
        if (!j->buf[i].p)
            j->broken = 1;
    }
    volt_products_init(&j->products);
    j->parser = volt_parser_new(j->cfg->max_frame, &j->products);
    if (!j->parser)
        j->broken = 1;
    if (j->broken) {
        j->st->write_errors++;
        return;
    }
    j->uring = io_uring_queue_init(16, &j->ring, 0) == 0;
    j->st->uring = j->uring;
    if (open_file(j)) {
        if (j->cfg->human)
            fprintf(j->cfg->human, "volt: cannot create a journal file in %s: %s\n", j->cfg->dir,
                    strerror(errno));
        j->st->write_errors++;
    }
}

/* Between batches: reap completions, flush what waited 20 ms, fdatasync on time, rotate. */
static void housekeeping(jrn_t *j)
{
    reap(j, 0);
    const int64_t now = volt_clock_ns();
    if (j->fd >= 0 && j->oldest_pending_mono && now - j->oldest_pending_mono >= FLUSH_NS)
        flush(j, 0);
    else if (j->fd >= 0 && j->cfg->fsync_ms > 0 && j->off &&
             (double)(now - j->last_fsync_mono) >= j->cfg->fsync_ms * 1e6 && j->buf[j->cur].len)
        flush(j, 1);
    const int reopen = j->w.reopen && atomic_exchange_explicit(j->w.reopen, 0, memory_order_relaxed);
    if (j->fd >= 0 && (reopen || (j->cfg->rotate_bytes && j->off >= j->cfg->rotate_bytes) ||
                       (j->cfg->rotate_s > 0 &&
                        (double)(now - j->file_open_mono) >= j->cfg->rotate_s * 1e9))) {
        close_file(j);
        if (open_file(j))
            j->st->write_errors++;
    }
}

static uint32_t journal_do_work(volt_agent_t *a)
{
    jrn_t *j = (jrn_t *)a;
    uint32_t len, work = 0;
    const void *rec;
    while (work < 256 && (rec = volt_rb_next(j->in, &len))) {
        const volt_frame_hdr_t *f = rec;
        work++;
        if (f->kind == VOLT_FRAME_END) {
            a->done = 1;
            break;
        }
        if (j->fd >= 0 && !j->broken) {
            format_line(j, f, (const char *)(f + 1));
            j->st->lines++;
            if (!j->oldest_pending_mono)
                j->oldest_pending_mono = volt_clock_ns();
            if (j->buf[j->cur].len + j->line_max > j->buf[j->cur].cap)
                flush(j, 0);
        }
    }
    if (work)
        volt_rb_release(j->in);
    if (!a->done && !j->broken)
        housekeeping(j);
    return work;
}

static void journal_close(volt_agent_t *a)
{
    jrn_t *j = (jrn_t *)a;
    if (j->broken)
        return;
    if (j->fd >= 0)
        close_file(j);
    if (j->uring)
        io_uring_queue_exit(&j->ring);
}

static void journal_destroy(volt_agent_t *a)
{
    jrn_t *j = (jrn_t *)a;
    volt_parser_free(j->parser);
    free(j->buf[0].p);
    free(j->buf[1].p);
    free(j);
}

volt_agent_t *volt_journal_new(const volt_journal_wiring_t *w)
{
    jrn_t *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->w = *w;
    j->cfg = &j->w.cfg;
    j->st = w->stats;
    j->in = volt_rb_consumer(w->frames);
    j->fd = -1;
    j->line_max = 6 * w->cfg.max_frame + 1024;
    /* a side thread: sleeps when idle, never takes CPU from the hot agent */
    volt_agent_init(&j->agent, "volt-journal", w->cpu, "sleep", w->cfg.human, journal_do_work,
                    journal_close);
    j->agent.on_start = journal_start;
    j->agent.destroy = journal_destroy;
    return &j->agent;
}

/* engine/feed/recording.c — plain or zstd recordings as one byte stream (recording.h). */
#include "engine/feed/recording.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "engine/base/err.h"

struct volt_recording {
    int fd;
    int own_fd;
    ZSTD_DStream *z;   /* NULL for a plain recording */
    unsigned char *in; /* compressed bytes (zstd) or the peeked magic (plain) */
    size_t in_cap, in_pos, in_len;
    int in_eof;
    int mid_frame; /* zstd: a frame is open (its end not yet decoded) */
    int wait_ms;   /* a pipe or terminal: wait this long for bytes, then -EAGAIN (0: block) */
};

static ssize_t read_fd(const volt_recording_t *r, int fd, void *buf, size_t cap)
{
    if (r->wait_ms > 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        const int ready = poll(&p, 1, r->wait_ms);
        if (ready == 0 || (ready < 0 && errno == EINTR))
            return -EAGAIN;
    }
    for (;;) {
        const ssize_t got = read(fd, buf, cap);
        if (got >= 0)
            return got;
        if (errno != EINTR)
            return -errno;
    }
}

/* Fills r->in with the first bytes (up to 4) so the magic can be checked without seeking, which
 * works on pipes and standard input too. */
static int peek_magic(volt_recording_t *r)
{
    while (r->in_len < 4) {
        const ssize_t got = read_fd(r, r->fd, r->in + r->in_len, 4 - r->in_len);
        if (got < 0)
            return (int)got;
        if (got == 0) {
            r->in_eof = 1;
            break;
        }
        r->in_len += (size_t)got;
    }
    return 0;
}

/* A zstd frame (28 b5 2f fd) or a skippable frame (5? 2a 4d 18), little-endian magics. */
static int is_zstd_magic(const unsigned char *m)
{
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        return 1;
    return (m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d && m[3] == 0x18;
}

int volt_recording_open(volt_recording_t **out, const char *path)
{
    *out = NULL;
    volt_recording_t *r = calloc(1, sizeof *r);
    if (!r)
        return VOLT_ERR(-ENOMEM, "opening %s: out of memory", path);
    r->own_fd = strcmp(path, "-") != 0;
    r->fd = r->own_fd ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    int rc = 0;
    if (r->fd < 0) {
        rc = -errno;
        free(r);
        return VOLT_ERR(rc, "opening %s: %s", path, strerror(-rc));
    }
    r->in_cap = ZSTD_DStreamInSize();
    r->in = malloc(r->in_cap < 4 ? 4 : r->in_cap);
    rc = r->in ? peek_magic(r) : -ENOMEM;
    if (!rc && r->in_len == 4 && is_zstd_magic(r->in)) {
        r->z = ZSTD_createDStream();
        if (!r->z || ZSTD_isError(ZSTD_initDStream(r->z)))
            rc = -ENOMEM;
    }
    if (rc) {
        volt_recording_close(r);
        return VOLT_ERR(rc, "opening %s: %s", path, strerror(-rc));
    }
    *out = r;
    return 0;
}

int volt_recording_compressed(const volt_recording_t *r) { return r->z != NULL; }

void volt_recording_set_wait(volt_recording_t *r, int ms)
{
    struct stat st;
    r->wait_ms = fstat(r->fd, &st) == 0 && !S_ISREG(st.st_mode) ? ms : 0;
}

static ssize_t read_plain(volt_recording_t *r, void *buf, size_t cap)
{
    if (r->in_pos < r->in_len) { /* the peeked bytes first */
        size_t n = r->in_len - r->in_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, r->in + r->in_pos, n);
        r->in_pos += n;
        return (ssize_t)n;
    }
    return r->in_eof ? 0 : read_fd(r, r->fd, buf, cap);
}

static ssize_t read_zstd(volt_recording_t *r, void *buf, size_t cap)
{
    ZSTD_outBuffer o = {buf, cap, 0};
    while (o.pos == 0) {
        if (r->in_pos == r->in_len) {
            if (r->in_eof)
                return r->mid_frame ? -EBADMSG : 0; /* a stream cut inside a frame is corrupt */
            const ssize_t got = read_fd(r, r->fd, r->in, r->in_cap);
            if (got < 0)
                return got;
            r->in_pos = 0;
            r->in_len = (size_t)got;
            if (got == 0) {
                r->in_eof = 1;
                continue;
            }
        }
        ZSTD_inBuffer i = {r->in, r->in_len, r->in_pos};
        const size_t left = ZSTD_decompressStream(r->z, &o, &i);
        r->in_pos = i.pos;
        if (ZSTD_isError(left))
            return -EBADMSG;
        /* 0: a frame ended exactly here; the next bytes (if any) start a new frame */
        r->mid_frame = left != 0;
    }
    return (ssize_t)o.pos;
}

ssize_t volt_recording_read(volt_recording_t *r, void *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    return r->z ? read_zstd(r, buf, cap) : read_plain(r, buf, cap);
}

void volt_recording_close(volt_recording_t *r)
{
    if (!r)
        return;
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    ZSTD_freeDStream(r->z);
    free(r->in);
    free(r);
}

static ssize_t cookie_read(void *cookie, char *buf, size_t cap)
{
    const ssize_t got = volt_recording_read(cookie, buf, cap);
    if (got < 0) {
        errno = (int)-got;
        return -1;
    }
    return got;
}

static int cookie_close(void *cookie)
{
    volt_recording_close(cookie);
    return 0;
}

FILE *volt_recording_fopen(const char *path)
{
    volt_recording_t *r;
    const int rc = volt_recording_open(&r, path);
    if (rc) {
        errno = -rc;
        return NULL;
    }
    const cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
    FILE *f = fopencookie(r, "r", io);
    if (!f) {
        const int e = errno;
        volt_recording_close(r);
        errno = e;
    }
    return f;
}

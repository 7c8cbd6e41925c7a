/* The recording reader: zstd recordings read as their plain twins (one frame, several frames, a
 * skippable frame), corrupt or truncated zstd data is an error after the bytes before it, and a
 * .zst recording replays to the same rows as the plain one. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "engine/base/err.h"
#include "engine/pipeline.h"
#include "engine/feed/recording.h"
#include "helpers.h"

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* zstd-compresses `n` bytes as `frames` consecutive frames (an optional skippable frame first). */
static void write_zst(const char *path, const char *p, size_t n, int frames, int skippable,
                      size_t cut_last)
{
    const size_t cap = ZSTD_compressBound(n) * (size_t)frames + 64;
    unsigned char *z = malloc(cap);
    size_t zn = 0;
    if (skippable) {
        const unsigned char skip[] = {0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'v', 'l', 't'};
        memcpy(z, skip, sizeof skip);
        zn = sizeof skip;
    }
    for (int k = 0; k < frames; k++) {
        const size_t a = n * (size_t)k / (size_t)frames, b = n * (size_t)(k + 1) / (size_t)frames;
        const size_t got = ZSTD_compress(z + zn, cap - zn, p + a, b - a, 3);
        cr_assert(!ZSTD_isError(got));
        zn += got;
    }
    write_bytes(path, z, zn - cut_last);
    free(z);
}

/* Reads a whole recording in small pieces; returns the bytes (NUL-terminated), *rc the last
 * read's result (0 at a clean end). */
static char *slurp(const char *path, size_t *n, ssize_t *rc, size_t piece)
{
    volt_recording_t *r;
    cr_assert_eq(volt_recording_open(&r, path), 0, "%s", path);
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap + 1);
    ssize_t got;
    while ((got = volt_recording_read(r, out + len, piece < cap - len ? piece : cap - len)) > 0) {
        len += (size_t)got;
        if (len == cap)
            out = realloc(out, (cap *= 2) + 1);
    }
    volt_recording_close(r);
    out[len] = 0;
    *n = len;
    *rc = got;
    return out;
}

static char *sample_text(size_t *n)
{
    size_t len;
    char *text = th_read_file(th_fixture("replay/mixed.ndjson"), &len);
    /* repeat it so the compressed stream spans several input buffers */
    const int reps = 200;
    char *big = malloc(len * reps + 1);
    for (int i = 0; i < reps; i++)
        memcpy(big + len * (size_t)i, text, len);
    free(text);
    *n = len * reps;
    return big;
}

/* The recording at path reads back as text[0..n) in pieces of `piece` bytes, ends cleanly, and is
 * (or is not) seen as compressed. */
static void expect_reads_back(const char *path, const char *text, size_t n, size_t piece,
                              int compressed)
{
    size_t got;
    ssize_t rc;
    char *back = slurp(path, &got, &rc, piece);
    cr_expect_eq(rc, 0, "%s ends cleanly", path);
    cr_assert_eq(got, n, "%zu bytes, want %zu", got, n);
    cr_expect(memcmp(back, text, n) == 0, "the same bytes");
    free(back);
    volt_recording_t *r;
    cr_assert_eq(volt_recording_open(&r, path), 0);
    cr_expect_eq(volt_recording_compressed(r), compressed);
    volt_recording_close(r);
}

Test(recording, a_plain_file_reads_back_unchanged)
{
    size_t n;
    char *text = sample_text(&n);
    char path[] = "/tmp/volt_rec_XXXXXX";
    close(mkstemp(path));
    write_bytes(path, text, n);
    expect_reads_back(path, text, n, 7, 0);
    free(text);
    unlink(path);
}

Test(recording, zstd_frames_and_skippable_frames_read_as_the_plain_bytes)
{
    size_t n;
    char *text = sample_text(&n);
    char path[] = "/tmp/volt_rec_XXXXXX";
    close(mkstemp(path));
    const int frames[] = {1, 3, 2};
    const int skips[] = {0, 0, 1};
    for (int k = 0; k < 3; k++) {
        write_zst(path, text, n, frames[k], skips[k], 0);
        expect_reads_back(path, text, n, k == 0 ? 4096 : 13, 1);
    }
    free(text);
    unlink(path);
}

Test(recording, truncated_or_corrupt_zstd_is_an_error_after_the_good_bytes)
{
    size_t n;
    char *text = sample_text(&n);
    char path[] = "/tmp/volt_rec_XXXXXX";
    close(mkstemp(path));
    /* two frames, the second cut short: the first frame's bytes come back, then -EBADMSG */
    write_zst(path, text, n, 2, 0, 5);
    size_t got;
    ssize_t rc;
    char *back = slurp(path, &got, &rc, 4096);
    cr_expect_eq(rc, -EBADMSG, "a stream cut inside a frame is an error, not an end");
    cr_expect_geq(got, n / 2, "the whole first frame was returned");
    cr_expect(memcmp(back, text, got) == 0, "what came back is the recording's prefix");
    free(back);
    /* a valid magic followed by garbage */
    const unsigned char bad[] = {0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    write_bytes(path, bad, sizeof bad);
    back = slurp(path, &got, &rc, 4096);
    cr_expect_eq(rc, -EBADMSG);
    cr_expect_eq(got, 0);
    free(back);
    free(text);
    unlink(path);
}

Test(recording, a_missing_file_names_itself)
{
    volt_recording_t *r;
    cr_expect_eq(volt_recording_open(&r, "/nonexistent/x.zst"), -ENOENT);
    cr_expect_null(r);
    cr_expect(strstr(volt_err_msg(), "/nonexistent/x.zst") != NULL, "%s", volt_err_msg());
    errno = 0;
    cr_expect_null(volt_recording_fopen("/nonexistent/x.zst"));
    cr_expect_eq(errno, ENOENT);
}

Test(recording, the_stdio_stream_reads_lines_of_a_zstd_recording)
{
    size_t n;
    char *text = sample_text(&n);
    char path[] = "/tmp/volt_rec_XXXXXX";
    close(mkstemp(path));
    write_zst(path, text, n, 3, 1, 0);
    FILE *f = volt_recording_fopen(path);
    cr_assert_not_null(f);
    char *line = NULL;
    size_t cap = 0, total = 0, lines = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        total += (size_t)got;
        lines++;
    }
    cr_expect_eq(ferror(f), 0);
    cr_expect_eq(total, n);
    size_t want = 0;
    for (size_t i = 0; i < n; i++)
        want += text[i] == '\n';
    cr_expect_eq(lines, want);
    free(line);
    fclose(f);
    free(text);
    unlink(path);
}

static int replay(const char *path, const char *out, volt_run_stats_t *st)
{
    volt_pipeline_cfg_t cfg;
    volt_pipeline_cfg_default(&cfg);
    const char *files[] = {path};
    cfg.files = files;
    cfg.n_files = 1;
    cfg.out_path = out;
    cfg.human = NULL;
    return volt_pipeline_replay(&cfg, st);
}

Test(recording, a_zst_recording_replays_to_the_same_rows_as_the_plain_one)
{
    size_t n;
    char *text = sample_text(&n);
    char plain[] = "/tmp/volt_rec_XXXXXX", zst[] = "/tmp/volt_rec_XXXXXX";
    char out1[] = "/tmp/volt_rec_XXXXXX", out2[] = "/tmp/volt_rec_XXXXXX";
    close(mkstemp(plain));
    close(mkstemp(zst));
    close(mkstemp(out1));
    close(mkstemp(out2));
    write_bytes(plain, text, n);
    write_zst(zst, text, n, 2, 0, 0);
    volt_run_stats_t a, b;
    cr_assert_eq(replay(plain, out1, &a), 0);
    cr_assert_eq(replay(zst, out2, &b), 0, "%s", volt_err_msg());
    cr_expect_eq(a.read, b.read);
    cr_expect_eq(a.accepted, b.accepted);
    cr_expect_eq(a.rows, b.rows);
    cr_expect_gt(a.rows, 0);
    cr_expect(th_same_bytes(out1, out2), "the rows are byte-identical");
    /* truncated: the replay fails with a sentence naming the file */
    write_zst(zst, text, n, 2, 0, 5);
    volt_err_clear();
    cr_expect_neq(replay(zst, out2, &b), 0);
    cr_expect(strstr(volt_err_msg(), "zstd") != NULL, "%s", volt_err_msg());
    free(text);
    unlink(plain);
    unlink(zst);
    unlink(out1);
    unlink(out2);
}

/* Every real .zst recording in VOLT_DATA replays like its decompressed copy (zstd -dc). */
Test(recording, real_zst_recordings_replay_like_their_decompressed_copies, .timeout = 300)
{
    const char *why;
    const char *dir = th_data_dir(&why);
    if (!dir)
        cr_skip_test("%s", why);
    char src[4096], cmd[8192];
    snprintf(src, sizeof src, "%s/coinbase-exchange-3products-2025-11", dir);
    snprintf(cmd, sizeof cmd, "ls %s/*.zst 2>/dev/null | head -3", src);
    FILE *ls = popen(cmd, "r");
    cr_assert_not_null(ls);
    char path[4096];
    int files = 0;
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = 0;
        char plain[] = "/tmp/volt_rec_XXXXXX", out1[] = "/tmp/volt_rec_XXXXXX",
             out2[] = "/tmp/volt_rec_XXXXXX";
        close(mkstemp(plain));
        close(mkstemp(out1));
        close(mkstemp(out2));
        snprintf(cmd, sizeof cmd, "zstd -dcq '%s' > %s", path, plain);
        if (system(cmd) != 0)
            cr_skip_test("the zstd command is not installed");
        volt_run_stats_t a, b;
        cr_assert_eq(replay(plain, out1, &a), 0);
        cr_assert_eq(replay(path, out2, &b), 0, "%s", volt_err_msg());
        cr_expect_gt(b.accepted, 1000, "%s", path);
        cr_expect_eq(a.rejected, b.rejected);
        cr_expect(th_same_bytes(out1, out2), "%s: the same rows", path);
        unlink(plain);
        unlink(out1);
        unlink(out2);
        files++;
    }
    pclose(ls);
    if (files == 0)
        cr_skip_test("no .zst recordings in %s", src);
}

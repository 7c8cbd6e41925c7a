/* engine/feed/recording.h — a recording's bytes, plain or zstd-compressed, read as one stream.
 *
 * Replay (engine/source_file.c) and volt-exchange --replay read recordings through this reader,
 * so a `.zst` recording replays exactly like its decompressed twin. A compressed recording is told
 * apart by its first frame's magic number (a zstd or a skippable frame), not by the file name, and
 * is decompressed as it streams (libzstd's streaming API, no temporary file, memory bounded by one
 * window). Concatenated zstd frames and skippable frames are read in order. A zstd stream that is
 * corrupt, or that ends inside a frame, is an error (-EBADMSG) after every byte decoded before it
 * has been returned.
 *
 * Set-up and I/O only: returns 0 / byte counts or -errno, never touches errno on success paths. */
#ifndef VOLT_ENGINE_RECORDING_H
#define VOLT_ENGINE_RECORDING_H

#include <stdio.h>
#include <sys/types.h>

typedef struct volt_recording volt_recording_t;

/* Opens `path` ("-" = standard input). Returns 0 and *out, or -errno with VOLT_ERR set. */
int volt_recording_open(volt_recording_t **out, const char *path);

/* Reads up to `cap` bytes of the recording's content (decompressed when compressed).
 * Returns the count (> 0), 0 at the end, or -errno (-EBADMSG: corrupt or truncated zstd data). */
ssize_t volt_recording_read(volt_recording_t *r, void *buf, size_t cap);

/* A recording read from a pipe or terminal: reads wait at most ms for bytes, then return -EAGAIN
 * (nothing consumed; read again later), so a reader can do other work meanwhile. A regular file
 * is never waited on. */
void volt_recording_set_wait(volt_recording_t *r, int ms);

/* 1 when the recording is zstd-compressed (known after open). */
int volt_recording_compressed(const volt_recording_t *r);

/* Closes the recording (standard input is left open). NULL is a no-op. */
void volt_recording_close(volt_recording_t *r);

/* The same reader behind a read-only stdio stream (getline, fgets, fread). NULL with errno set
 * when the file cannot be opened; a read error shows as ferror() on the stream. */
FILE *volt_recording_fopen(const char *path);

#endif

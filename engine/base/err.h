/* engine/base/err.h — per-thread error context for set-up and I/O paths.
 *
 * Set-up calls return 0 or -errno and record where and why with VOLT_ERR; callers up the stack may
 * add context with VOLT_ERR too (it prepends), and the top level prints volt_err_msg() as one
 * sentence. The hot path never uses this: it returns counts/enums and bumps per-reason counters. */
#ifndef VOLT_ENGINE_ERR_H
#define VOLT_ENGINE_ERR_H

#include <stddef.h>

#define VOLT_ERR_MAX 512

/* Records a message for this thread (printf-style). Returns `code` so callers can
 * `return VOLT_ERR(-ENOENT, "open %s", path);`. An existing message is kept after the new one. */
int volt_err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define VOLT_ERR(code, ...) volt_err_set((code), __VA_ARGS__)

/* This thread's message ("" when none). */
const char *volt_err_msg(void);
void volt_err_clear(void);

#endif
